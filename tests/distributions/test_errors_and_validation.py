"""Constructor and value validation: the same exception types and messages as PyTorch's."""
import warnings

import pytest

import torchless
from tests.conftest import _torch as torch

pytestmark = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")

# (constructor expression, over the library `L` and its distributions `D`)
BAD_PARAMETERS = [
    "D.Normal(L.tensor([0.0, 1.0]), L.tensor([1.0, -1.0]))",
    "D.Normal(L.tensor([float('nan')]), L.tensor([1.0]))",
    "D.Uniform(L.tensor([1.0]), L.tensor([0.0]))",
    "D.Uniform(2.0, 1.0)",
    "D.Exponential(L.tensor([0.0, 1.0]))",
    "D.Laplace(0.0, L.tensor(-2.0))",
    "D.Cauchy(0.0, L.tensor([-2.0]))",
    "D.LogNormal(0.0, L.tensor([-1.0]))",
    "D.Gamma(L.tensor([-1.0]), L.tensor([1.0]))",
    "D.Gamma(L.tensor([1.0]), L.tensor([0.0]))",
    "D.Chi2(L.tensor([-3.0]))",
    "D.Beta(L.tensor([0.5]), L.tensor([-0.5]))",
    "D.Dirichlet(L.tensor([[1.0, -1.0]]))",
    "D.Dirichlet(L.tensor(1.0))",
    "D.StudentT(L.tensor([-1.0]))",
    "D.Bernoulli(probs=L.tensor([1.5]))",
    "D.Bernoulli(L.tensor([0.5]), L.tensor([0.0]))",
    "D.Bernoulli()",
    "D.Categorical(probs=L.tensor([0.5, -0.5]))",
    "D.Categorical(probs=L.tensor(1.0))",
    "D.Categorical(logits=L.tensor(1.0))",
    "D.Categorical()",
    "D.Categorical(logits=L.tensor([float('nan'), 0.0]))",
    "D.Multinomial(3, probs=L.tensor([0.5, -0.5]))",
    "D.Multinomial(3.5, probs=L.tensor([0.5, 0.5]))",
    "D.Multinomial(3)",
    "D.Binomial(L.tensor([2.5]), probs=L.tensor([0.5]))",
    "D.Binomial(L.tensor([-1.0]), probs=L.tensor([0.5]))",
    "D.Binomial(3, probs=L.tensor([1.5]))",
    "D.Poisson(L.tensor([-1.0]))",
    "D.Geometric(probs=L.tensor([0.0, 0.5]))",
    "D.Geometric(probs=L.tensor([1.5]))",
    "D.Geometric()",
    "D.MultivariateNormal(L.tensor(0.0), L.eye(1))",
    "D.MultivariateNormal(L.zeros(2))",
    "D.MultivariateNormal(L.zeros(2), L.eye(2), scale_tril=L.eye(2))",
    "D.MultivariateNormal(L.zeros(2), L.ones(2))",
    "D.MultivariateNormal(L.zeros(2), precision_matrix=L.ones(2))",
    "D.MultivariateNormal(L.zeros(2), scale_tril=L.ones(2))",
    "D.MultivariateNormal(L.zeros(2), L.tensor([[1.0, 2.0], [2.0, 1.0]]))",
    "D.MultivariateNormal(L.zeros(2), scale_tril=L.tensor([[1.0, 0.0], [2.0, -1.0]]))",
    "D.Independent(D.Normal(L.zeros(2), 1.0), 2)",
    "D.TransformedDistribution(D.Normal(0.0, 1.0), 3)",
    "D.HalfNormal(L.tensor([-1.0]))",
    "D.HalfCauchy(L.tensor([-1.0]))",
    "D.Gumbel(L.tensor([0.0]), L.tensor([-1.0]))",
    "D.Weibull(L.tensor([1.0]), L.tensor([-1.0]))",
    "D.Pareto(L.tensor([1.0]), L.tensor([-1.0]))",
    "D.InverseGamma(L.tensor([-1.0]), L.tensor([1.0]))",
    "D.Kumaraswamy(L.tensor([-1.0]), L.tensor([1.0]))",
    "D.OneHotCategorical(L.tensor([0.5, -0.5]))",
    "D.NegativeBinomial(L.tensor([3.0]), L.tensor([1.0]))",
    "D.NegativeBinomial(L.tensor([-3.0]), L.tensor([0.5]))",
    "D.NegativeBinomial(L.tensor([3.0]))",
    "D.FisherSnedecor(L.tensor([-1.0]), L.tensor([1.0]))",
]

BAD_VALUES = [
    ("D.Normal(L.zeros(2), 1.0)", "L.zeros(3)"),
    ("D.Normal(L.zeros(2), 1.0)", "L.tensor([float('nan'), 0.0])"),
    ("D.Uniform(0.0, 1.0)", "L.tensor(2.0)"),
    ("D.Exponential(L.ones(2))", "L.tensor([-1.0, 1.0])"),
    ("D.Gamma(L.ones(2), 1.0)", "L.tensor([-1.0, 1.0])"),
    ("D.Beta(L.ones(2), 1.0)", "L.tensor([1.5, 0.5])"),
    ("D.Dirichlet(L.ones(3))", "L.tensor([0.5, 0.6, 0.1])"),
    ("D.Dirichlet(L.ones(3))", "L.tensor([0.5, 0.5])"),
    ("D.Bernoulli(L.tensor([0.3]))", "L.tensor([0.5])"),
    ("D.Categorical(L.ones(3))", "L.tensor([3])"),
    ("D.Multinomial(3, L.ones(3))", "L.tensor([1.0, -1.0, 3.0])"),
    ("D.Binomial(3, L.tensor([0.5]))", "L.tensor([4.0])"),
    ("D.Poisson(L.tensor([2.0]))", "L.tensor([1.5])"),
    ("D.Geometric(L.tensor([0.5]))", "L.tensor([-1.0])"),
    ("D.MultivariateNormal(L.zeros(2), L.eye(2))", "L.zeros(3)"),
    ("D.LogNormal(0.0, 1.0)", "L.tensor(-1.0)"),
    ("D.Normal(0.0, 1.0)", "[1.0]"),
    ("D.HalfNormal(L.tensor([1.0]))", "L.tensor([-1.0])"),
    ("D.Pareto(L.tensor([2.0]), L.tensor([1.0]))", "L.tensor([1.0])"),
    ("D.OneHotCategorical(L.tensor([0.5, 0.5]))", "L.tensor([1.0, 1.0])"),
    ("D.NegativeBinomial(L.tensor([3.0]), L.tensor([0.5]))", "L.tensor([0.5])"),
    ("D.Kumaraswamy(L.tensor([1.0]), L.tensor([1.0]))", "L.tensor([1.5])"),
    ("D.Gumbel(L.tensor([0.0]), L.tensor([1.0]))", "L.tensor([float('nan')])"),
]


def _run(lib, source):
    L, D = lib, lib.distributions  # noqa: N806 - the names the expressions use
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            eval(source, {"L": L, "D": D})
        except Exception as e:  # noqa: BLE001 - compared below
            return type(e), str(e)
    return None, None


@pytest.mark.parametrize("source", BAD_PARAMETERS)
def test_invalid_parameters_raise_as_pytorch(source):
    theirs, ours = _run(torch, source), _run(torchless, source)
    assert ours[0] is theirs[0] or (ours[0] and theirs[0] and ours[0].__name__ == theirs[0].__name__), (ours, theirs)
    assert ours[1] == theirs[1]


@pytest.mark.parametrize("source,value", BAD_VALUES)
def test_invalid_values_raise_as_pytorch(source, value):
    theirs, ours = _run(torch, f"({source}).log_prob({value})"), _run(torchless, f"({source}).log_prob({value})")
    assert theirs[0] is not None
    assert ours[0] is not None and ours[0].__name__ == theirs[0].__name__
    assert ours[1] == theirs[1]


def test_validate_args_false_skips_the_checks():
    D, L = torchless.distributions, torchless  # noqa: N806
    d = D.Normal(L.tensor([0.0]), L.tensor([-1.0]), validate_args=False)
    assert d.log_prob(L.tensor([0.0])).isnan().all()
    assert D.Uniform(0.0, 1.0, validate_args=False).log_prob(L.tensor(2.0)).item() == float("-inf")


def test_set_default_validate_args():
    D, L = torchless.distributions, torchless  # noqa: N806
    try:
        D.Distribution.set_default_validate_args(False)
        D.Normal(L.tensor([0.0]), L.tensor([-1.0]))  # no error
        with pytest.raises(ValueError):
            D.Normal(L.tensor([0.0]), L.tensor([-1.0]), validate_args=True)
    finally:
        D.Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError):
        D.Normal(L.tensor([0.0]), L.tensor([-1.0]))
    with pytest.raises(ValueError):
        D.Distribution.set_default_validate_args(3)


def test_base_class_not_implemented_messages():
    D = torchless.distributions  # noqa: N806
    d = D.Distribution(validate_args=False)
    for name in ("mean", "mode", "variance"):
        with pytest.raises(NotImplementedError, match=f"does not implement {name}"):
            getattr(d, name)
    with pytest.raises(NotImplementedError, match="does not implement rsample"):
        d.rsample()
    with pytest.raises(NotImplementedError):
        d.log_prob(torchless.zeros(1))
    with pytest.warns(UserWarning, match="does not define `arg_constraints`"):
        D.Distribution(validate_args=True)


def test_subclass_with_own_init_must_define_expand():
    D = torchless.distributions  # noqa: N806

    class Shifted(D.Normal):
        def __init__(self, loc):
            super().__init__(loc, 1.0)

    with pytest.raises(NotImplementedError, match="must also define a custom .expand"):
        Shifted(torchless.zeros(2)).expand((3, 2))


def test_torch_alias_names_the_classes():
    import torchless as torch_alias
    assert torch_alias.distributions.Normal is torchless.distributions.normal.Normal
    assert torch_alias.distributions.kl_divergence is torchless.distributions.kl.kl_divergence
    assert torch_alias.distributions.constraints.positive.check(torchless.tensor(1.0)).item()
