"""kl_divergence for every pair PyTorch registers among the distributions torchless has: values and
gradients against PyTorch's (float32 and float64), the dispatch rules and register_kl."""
import numpy as np
import pytest

import torchless
from tests.conftest import _torch as torch

pytestmark = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")

R = np.random.RandomState(7)
P = {  # name -> (class, [(arg name, array, kind)]): the same numbers for both libraries
    "Normal": ("Normal", [("loc", R.normal(0, 1, 3)), ("scale", R.uniform(0.5, 2, 3))]),
    "Uniform": ("Uniform", [("low", R.uniform(0.1, 0.3, 3)), ("high", R.uniform(0.6, 0.9, 3))]),
    "UniformWide": ("Uniform", [("low", R.uniform(-2, -1, 3)), ("high", R.uniform(1, 3, 3))]),
    "Exponential": ("Exponential", [("rate", R.uniform(0.5, 2, 3))]),
    "Laplace": ("Laplace", [("loc", R.normal(0, 1, 3)), ("scale", R.uniform(0.5, 2, 3))]),
    "Cauchy": ("Cauchy", [("loc", R.normal(0, 1, 3)), ("scale", R.uniform(0.5, 2, 3))]),
    "Gamma": ("Gamma", [("concentration", R.uniform(0.5, 3, 3)), ("rate", R.uniform(0.5, 2, 3))]),
    "Beta": ("Beta", [("concentration1", R.uniform(0.5, 3, 3)), ("concentration0", R.uniform(0.5, 3, 3))]),
    "Dirichlet": ("Dirichlet", [("concentration", R.uniform(0.5, 3, (3, 4)))]),
    "Bernoulli": ("Bernoulli", [("probs", R.uniform(0.1, 0.9, 3))]),
    "Categorical": ("Categorical", [("probs", R.uniform(0.1, 0.9, (3, 4)))]),
    "Binomial": ("Binomial", [("total_count", np.array([5.0, 5.0, 5.0])), ("probs", R.uniform(0.1, 0.9, 3))]),
    "Poisson": ("Poisson", [("rate", R.uniform(0.5, 3, 3))]),
    "Geometric": ("Geometric", [("probs", R.uniform(0.1, 0.9, 3))]),
    "MVN": ("MultivariateNormal", [("loc", R.normal(0, 1, (3, 2))), ("scale_tril", np.array(
        [[1.5, 0.0], [0.3, 0.8]]))]),
    "LogNormal": ("LogNormal", [("loc", R.normal(0, 1, 3)), ("scale", R.uniform(0.5, 2, 3))]),
    "Chi2": ("Chi2", [("df", R.uniform(1, 5, 3))]),
    "Gumbel": ("Gumbel", [("loc", R.normal(0, 1, 3)), ("scale", R.uniform(0.5, 2, 3))]),
    "Pareto": ("Pareto", [("scale", R.uniform(0.5, 2, 3)), ("alpha", np.array([0.8, 1.5, 3.0]))]),
    "HalfNormal": ("HalfNormal", [("scale", R.uniform(0.5, 2, 3))]),
    "OneHotCategorical": ("OneHotCategorical", [("probs", R.uniform(0.1, 0.9, (3, 4)))]),
    "ContinuousBernoulli": ("ContinuousBernoulli", [("probs", np.array([0.2, 0.4999, 0.8]))]),
    "LowRankMVN": ("LowRankMultivariateNormal", [("loc", R.normal(0, 1, (3, 2))),
                                                 ("cov_factor", R.normal(0, 1, (2, 1))),
                                                 ("cov_diag", R.uniform(0.5, 2, 2))]),
}


def _second(spec):
    """Other parameters for the same family (q differs from p)."""
    cls, args = spec
    out = []
    for name, a in args:
        if name == "total_count":
            out.append((name, a))
        elif name in ("loc",):
            out.append((name, a + 0.7))
        elif name == "cov_factor":
            out.append((name, a[::-1].copy() * 0.5))
        elif name == "scale_tril":
            out.append((name, np.array([[0.9, 0.0], [-0.4, 1.2]])))
        elif name == "low":
            out.append((name, a - 0.05))
        elif name == "probs":
            out.append((name, np.clip(a[::-1].copy() * 0.9 + 0.05, 0.05, 0.95)))
        else:
            out.append((name, a * 1.3 + 0.1))
    return cls, out


def _make(lib, spec, dtype_name, grad):
    cls, args = spec
    dtype = getattr(lib, dtype_name)
    tensors = [lib.tensor(a, dtype=dtype, requires_grad=grad and name != "total_count") for name, a in args]
    dist = getattr(lib.distributions, cls)(**{name: t for (name, _), t in zip(args, tensors)})
    return dist, [t for t in tensors if t.requires_grad]


PAIRS = [(a, b) for a in P for b in P]


def _kl(lib, pa, pb, dtype_name):
    p, lp = _make(lib, P[pa], dtype_name, True)
    spec_b = _second(P[pb]) if pa == pb else P[pb]
    q, lq = _make(lib, spec_b, dtype_name, True)
    try:
        kl = lib.distributions.kl_divergence(p, q)
    except Exception as e:  # noqa: BLE001 - compared
        return type(e).__name__, str(e), None
    leaves = lp + lq
    grads = None
    if kl.requires_grad:
        finite = lib.tensor(np.isfinite(kl.detach().numpy()))
        loss = lib.where(finite, kl, lib.zeros((), dtype=kl.dtype)).sum()
        gs = lib.autograd.grad(loss, leaves, allow_unused=True)
        grads = [None if g is None else g.numpy().copy() for g in gs]
    return "ok", kl, grads


@pytest.mark.parametrize("dtype_name", ["float32", "float64"])
@pytest.mark.parametrize("pa,pb", PAIRS, ids=[f"{a}-{b}" for a, b in PAIRS])
def test_kl_against_torch(pa, pb, dtype_name):
    theirs = _kl(torch, pa, pb, dtype_name)
    ours = _kl(torchless, pa, pb, dtype_name)
    assert ours[0] == theirs[0]
    if theirs[0] != "ok":
        assert ours[1] == theirs[1]
        return
    a, b = ours[1], theirs[1]
    assert str(a.dtype) == str(b.dtype) and tuple(a.shape) == tuple(b.shape)
    rtol, atol = (1e-10, 1e-12) if dtype_name == "float64" else (3e-5, 3e-6)
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=rtol, atol=atol)
    if theirs[2] is not None:
        assert ours[2] is not None
        for ga, gb in zip(ours[2], theirs[2]):
            assert (ga is None) == (gb is None)
            if ga is not None:  # 1e-8: PyTorch's trigamma is off by ~2e-9 relative (mpmath agrees with ours)
                np.testing.assert_allclose(ga, gb, rtol=max(rtol * 10, 1e-8), atol=max(atol * 10, 1e-9))


def test_kl_normal_normal_is_zero_for_equal_and_matches_closed_form():
    D, L = torchless.distributions, torchless  # noqa: N806
    p = D.Normal(L.tensor([0.0, 1.0], dtype=L.float64), L.tensor([1.0, 2.0], dtype=L.float64))
    assert np.allclose(D.kl_divergence(p, p).numpy(), 0.0)
    q = D.Normal(0.0, 1.0)
    expected = np.log(1.0 / np.array([1.0, 2.0])) + (np.array([1.0, 4.0]) + np.array([0.0, 1.0])) / 2 - 0.5
    assert np.allclose(D.kl_divergence(p, q).numpy(), expected)


def test_register_kl_and_dispatch():
    D, L = torchless.distributions, torchless  # noqa: N806

    class MyNormal(D.Normal):
        pass

    p, q = MyNormal(0.0, 1.0), D.Normal(1.0, 1.0)
    assert np.isclose(D.kl_divergence(p, q).item(), 0.5)  # Normal-Normal applies to the subclass

    @D.register_kl(MyNormal, D.Normal)
    def _mine(p, q):
        return L.tensor(42.0)

    try:
        assert D.kl_divergence(p, q).item() == 42.0  # the most specific registration wins
        assert np.isclose(D.kl_divergence(q, q).item(), 0.0)
    finally:  # leave the registry as PyTorch's for the other tests
        del D.kl._KL_REGISTRY[MyNormal, D.Normal]
        D.kl._KL_MEMOIZE.clear()
    with pytest.raises(TypeError, match="Expected type_p to be a Distribution subclass"):
        D.register_kl(int, D.Normal)
    with pytest.raises(NotImplementedError, match="No KL\\(p \\|\\| q\\) is implemented for p type Normal and q "
                                                  "type StudentT"):
        D.kl_divergence(D.Normal(0.0, 1.0), D.StudentT(3.0))


def test_kl_expfamily_bregman_fallback():
    D, L = torchless.distributions, torchless  # noqa: N806
    fallback = D.kl._KL_REGISTRY[D.ExponentialFamily, D.ExponentialFamily]
    p = D.Gamma(L.tensor([2.0, 3.0], dtype=L.float64), L.tensor([1.0, 0.5], dtype=L.float64))
    q = D.Gamma(L.tensor([1.5, 2.0], dtype=L.float64), L.tensor([2.0, 1.0], dtype=L.float64))
    np.testing.assert_allclose(fallback(p, q).detach().numpy(), D.kl_divergence(p, q).numpy(), rtol=1e-10)
    pn, qn = D.Normal(L.tensor([0.3]), L.tensor([1.2])), D.Normal(L.tensor([-0.2]), L.tensor([0.7]))
    np.testing.assert_allclose(fallback(pn, qn).detach().numpy(), D.kl_divergence(pn, qn).numpy(), rtol=1e-5)
    with pytest.raises(NotImplementedError, match="different exponential families"):
        fallback(pn, p)


def test_exponential_family_entropy_matches_closed_forms():
    D, L = torchless.distributions, torchless  # noqa: N806
    dists = [D.Normal(L.tensor([0.3, 1.0], dtype=L.float64), L.tensor([1.2, 0.4], dtype=L.float64)),
             D.Gamma(L.tensor([2.0, 0.7], dtype=L.float64), L.tensor([1.0, 3.0], dtype=L.float64)),
             D.Exponential(L.tensor([2.0, 0.7], dtype=L.float64)),
             D.Bernoulli(L.tensor([0.2, 0.7], dtype=L.float64))]
    for d in dists:
        generic = D.ExponentialFamily.entropy(d)
        np.testing.assert_allclose(generic.detach().numpy(), d.entropy().detach().numpy(), rtol=1e-10)
    with pytest.raises(NotImplementedError):  # Beta, Dirichlet and Poisson have no carrier measure: as PyTorch
        D.ExponentialFamily.entropy(D.Poisson(L.tensor([2.0])))


@pytest.mark.parametrize("dtype_name", ["float32", "float64"])
def test_kl_pareto_pareto_finite_case(dtype_name):
    def run(lib):
        dt = getattr(lib, dtype_name)
        s1 = lib.tensor([2.0, 3.0], dtype=dt, requires_grad=True)
        a1 = lib.tensor([1.5, 4.0], dtype=dt, requires_grad=True)
        p = lib.distributions.Pareto(s1, a1)
        q = lib.distributions.Pareto(lib.tensor([1.0, 2.5], dtype=dt), lib.tensor([2.0, 1.0], dtype=dt))
        kl = lib.distributions.kl_divergence(p, q)
        g = lib.autograd.grad(kl.sum(), [s1, a1])
        return [kl.detach().numpy()] + [x.numpy() for x in g]
    for a, b in zip(run(torchless), run(torch)):
        np.testing.assert_allclose(a, b, rtol=1e-5 if dtype_name == "float32" else 1e-12)


def test_kl_event_shape_mismatch_messages():
    msgs = []
    for lib in (torch, torchless):
        D, L = lib.distributions, lib  # noqa: N806
        for p, q in [(D.LowRankMultivariateNormal(L.zeros(2), L.ones(2, 1), L.ones(2)),
                      D.LowRankMultivariateNormal(L.zeros(3), L.ones(3, 1), L.ones(3))),
                     (D.MultivariateNormal(L.zeros(2), L.eye(2)),
                      D.LowRankMultivariateNormal(L.zeros(3), L.ones(3, 1), L.ones(3))),
                     (D.MultivariateNormal(L.zeros(2), L.eye(2)), D.MultivariateNormal(L.zeros(3), L.eye(3)))]:
            with pytest.raises(ValueError) as info:
                D.kl_divergence(p, q)
            msgs.append(str(info.value))
    assert msgs[:3] == msgs[3:]


def test_registered_pairs_are_pytorchs():
    from torch.distributions.kl import _KL_REGISTRY as theirs
    ours = torchless.distributions.kl._KL_REGISTRY
    assert {(p.__name__, q.__name__) for p, q in ours} == {(p.__name__, q.__name__) for p, q in theirs}
