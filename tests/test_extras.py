"""Torch-level extras D2L calls: meshgrid, legacy typed constructors, Multinomial, and the torch.* names
chapters 2-5 and 11 use (each compared with PyTorch)."""
import warnings

import numpy as np
import pytest

import torchless
from torchless.autograd import gradcheck
from torchless.distributions import multinomial

from .conftest import assert_same, to_numpy


# ============================================================================ meshgrid
@pytest.mark.parametrize("indexing", ["ij", "xy"])
@pytest.mark.parametrize("sizes", [(3,), (3, 2), (2, 4, 3), (0, 2), (1, 1)])
def test_meshgrid_matches_torch(torch_ref, indexing, sizes):
    def grids(lib):
        ts = [lib.arange(float(n)) * (i + 1) for i, n in enumerate(sizes)]
        return lib.meshgrid(*ts, indexing=indexing)

    ours, theirs = grids(torchless), grids(torch_ref)
    assert type(ours) is tuple and len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert_same(a, b)


def test_meshgrid_list_argument_scalars_and_printing(torch_ref):
    def run(lib):
        return lib.meshgrid([lib.tensor(1.0), lib.arange(3.0)], indexing="ij")

    ours, theirs = run(torchless), run(torch_ref)
    assert [str(t) for t in ours] == [str(t) for t in theirs]
    a, b = torchless.arange(3.0, requires_grad=True), torchless.tensor([1.0, 2.0])
    x, y = torchless.meshgrid(a, b, indexing="xy")
    ta, tb = torch_ref.arange(3.0, requires_grad=True), torch_ref.tensor([1.0, 2.0])
    tx, ty = torch_ref.meshgrid(ta, tb, indexing="xy")
    assert str(x) == str(tx) and str(y) == str(ty)
    assert type(x.grad_fn).__name__ == type(tx.grad_fn).__name__


def test_meshgrid_gradients():
    a = torchless.randn(3, dtype=torchless.float64, requires_grad=True)
    b = torchless.randn(2, dtype=torchless.float64, requires_grad=True)
    for indexing in ("ij", "xy"):
        def f(a, b):
            grids = torchless.meshgrid(a, b, indexing=indexing)
            return sum((g * (k + 1)).sum() for k, g in enumerate(grids)) + (grids[0] ** 2).sum()

        assert gradcheck(f, (a, b))


def test_meshgrid_warns_without_indexing_like_torch(torch_ref):
    for lib in (torchless, torch_ref):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            x, y = lib.meshgrid(lib.arange(2), lib.arange(3))
        assert any("indexing" in str(w.message) and w.category is UserWarning for w in caught)
        assert tuple(x.shape) == (2, 3)        # 'ij' is the default
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        torchless.meshgrid(torchless.arange(2), torchless.arange(3), indexing="ij")   # no warning


def test_meshgrid_errors_match_torch(torch_ref):
    for lib in (torchless, torch_ref):
        with pytest.raises(RuntimeError, match="Expected 0D or 1D tensor"):
            lib.meshgrid(lib.ones(2, 2), indexing="ij")
        with pytest.raises(RuntimeError, match="same dtype"):
            lib.meshgrid(lib.ones(2), lib.ones(2, dtype=lib.int64), indexing="ij")
        with pytest.raises(RuntimeError, match='indexing must be one of "xy" or "ij"'):
            lib.meshgrid(lib.ones(2), indexing="foo")
        with pytest.raises(RuntimeError, match="non-empty TensorList"):
            lib.meshgrid(indexing="ij")


def test_d2l_contour_grid():
    """D2L chapter 11's show_trace_2d grid, evaluated like its f_2d."""
    x1, x2 = torchless.meshgrid(torchless.arange(-5.5, 1.0, 0.1), torchless.arange(-3.0, 1.0, 0.1), indexing="ij")
    z = x1 ** 2 + 2 * x2 ** 2
    assert x1.shape == x2.shape == z.shape == (65, 40)
    np.testing.assert_allclose(to_numpy(z)[0, 0], (-5.5) ** 2 + 2 * 9.0, rtol=1e-6)


# ============================================================================ legacy typed constructors
NAMES = ["FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor", "ShortTensor", "CharTensor",
         "ByteTensor", "BoolTensor"]


@pytest.mark.parametrize("name", NAMES)
def test_legacy_constructors_match_torch(torch_ref, name):
    ours, theirs = getattr(torchless, name), getattr(torch_ref, name)
    assert_same(ours([1, 0, 2]), theirs([1, 0, 2]))
    assert_same(ours([[1.7, -2.2]]) if name not in ("ByteTensor",) else ours([[1.7, 2.2]]),
                theirs([[1.7, -2.2]]) if name not in ("ByteTensor",) else theirs([[1.7, 2.2]]))
    empty_ours, empty_theirs = ours(2, 3), theirs(2, 3)
    assert empty_ours.dtype.__repr__() == empty_theirs.dtype.__repr__() and empty_ours.shape == (2, 3)
    assert ours().shape == (0,) and ours(torchless.Size([4])).shape == (4,)
    assert repr(ours) == repr(theirs)
    sample = torchless.tensor([1, 2], dtype=ours.dtype)
    assert isinstance(sample, ours) and not isinstance(sample, torchless.FloatTensor if name != "FloatTensor"
                                                       else torchless.LongTensor)
    assert not isinstance(3, ours)
    assert sample.type() == f"torch.{name}"
    assert torchless.ones(2).type(ours).dtype == ours.dtype


def test_legacy_constructor_rejects_dtype():
    with pytest.raises(TypeError, match="unexpected keyword argument 'dtype'"):
        torchless.FloatTensor([1], dtype=torchless.float64)


# ============================================================================ Multinomial
def test_multinomial_d2l_usage_and_dtype(torch_ref):
    fair = torchless.ones([6]) / 6
    one = multinomial.Multinomial(1, fair).sample()
    ref = torch_ref.distributions.multinomial.Multinomial(1, torch_ref.ones([6]) / 6).sample()
    assert one.dtype == torchless.float32 and str(ref.dtype) == "torch.float32"
    assert one.shape == (6,) and one.sum().item() == 1 and set(one.tolist()) <= {0.0, 1.0}
    counts = multinomial.Multinomial(10, fair).sample((500,))
    assert counts.shape == (500, 6) and (counts.sum(dim=1) == 10).all()
    cum = counts.cumsum(dim=0)
    estimates = cum / cum.sum(dim=1, keepdim=True)
    np.testing.assert_allclose(to_numpy(estimates[-1]), np.full(6, 1 / 6), atol=0.03)


@pytest.mark.parametrize("probs", [[0.1, 0.2, 0.7], [0.5, 0.5], [0.0, 1.0, 3.0]])
def test_multinomial_frequencies_approach_probs(probs):
    torchless.manual_seed(0)
    p = torchless.tensor(probs, dtype=torchless.float64)
    m = multinomial.Multinomial(1000, p)
    counts = m.sample((200,))
    assert counts.dtype == torchless.float64 and counts.shape == (200, len(probs))
    freq = to_numpy(counts.sum(0)) / (1000 * 200)
    np.testing.assert_allclose(freq, np.array(probs) / sum(probs), atol=0.005)
    assert (counts.sum(-1) == 1000).all()


def test_multinomial_batched_parameters_match_torch(torch_ref):
    probs = [[1.0, 3.0], [1.0, 1.0]]
    ours = multinomial.Multinomial(4, torchless.tensor(probs))
    theirs = torch_ref.distributions.multinomial.Multinomial(4, torch_ref.tensor(probs))
    assert_same(ours.probs, theirs.probs)
    assert_same(ours.logits, theirs.logits)
    assert_same(ours.mean, theirs.mean)
    assert_same(ours.variance, theirs.variance)
    assert ours.batch_shape == theirs.batch_shape and ours.event_shape == theirs.event_shape
    assert ours.sample((3,)).shape == theirs.sample((3,)).shape == (3, 2, 2)
    assert repr(ours) == repr(theirs)
    value = [[1.0, 3.0], [2.0, 2.0]]
    assert_same(ours.log_prob(torchless.tensor(value)), theirs.log_prob(torch_ref.tensor(value)), rtol=1e-5)
    lo = multinomial.Multinomial(5, logits=torchless.tensor([0.0, 1.0]))
    lt = torch_ref.distributions.multinomial.Multinomial(5, logits=torch_ref.tensor([0.0, 1.0]))
    assert_same(lo.probs, lt.probs)
    assert_same(lo.logits, lt.logits)


def test_multinomial_log_prob_gradient():
    logits = torchless.randn(3, dtype=torchless.float64, requires_grad=True)
    value = torchless.tensor([2.0, 0.0, 1.0], dtype=torchless.float64)
    assert gradcheck(lambda l: multinomial.Multinomial(3, logits=l).log_prob(value), (logits,))


def test_multinomial_errors_match_torch(torch_ref):
    for lib in (torchless, torch_ref):
        M = lib.distributions.multinomial.Multinomial
        with pytest.raises(ValueError, match="Either `probs` or `logits` must be specified, but not both"):
            M(3)
        with pytest.raises(ValueError, match="Either `probs` or `logits` must be specified, but not both"):
            M(3, lib.ones(2), lib.ones(2))
        with pytest.raises(ValueError, match="to satisfy the constraint Simplex"):
            M(3, lib.tensor([-1.0, 2.0]))
        with pytest.raises(ValueError, match="to satisfy the constraint Simplex"):
            M(3, lib.tensor([0.0, 0.0]))


# ============================================================================ torch-level names D2L calls
def _same_call(torch_ref, fn):
    ours, theirs = fn(torchless), fn(torch_ref)
    if isinstance(theirs, (tuple, list)):
        for a, b in zip(ours, theirs):
            assert_same(a, b)
    else:
        assert_same(ours, theirs)


CALLS = {
    "matmul": lambda t: t.matmul(t.arange(6.0).reshape(2, 3), t.arange(3.0)),
    "exp": lambda t: t.exp(t.tensor([0.0, 1.0])),
    "abs": lambda t: t.abs(t.tensor([-1, 2])),
    "max_binary": lambda t: t.max(t.tensor([1.0, -2.0]), t.zeros(2)),
    "max_dim": lambda t: tuple(t.max(t.tensor([[1.0, 5.0], [3.0, 2.0]]), dim=1)),
    "argmax": lambda t: t.argmax(t.tensor([[1.0, 5.0], [3.0, 2.0]]), dim=1),
    "cat": lambda t: t.cat((t.ones(2, 1), t.zeros(2, 2)), dim=1),
    "stack": lambda t: t.stack([t.ones(2), t.zeros(2)]),
    "zeros_like": lambda t: t.zeros_like(t.ones(2, 3, dtype=t.int32)),
    "randn_like_shape": lambda t: t.randn_like(t.ones(2, 3)) * 0,
    "clamp": lambda t: t.clamp(t.tensor([-2.0, 0.5, 3.0]), 0, 1),
    "log": lambda t: t.log(t.tensor([1.0, 4.0])),
    "cumsum": lambda t: t.cumsum(t.arange(5), dim=0),
    "numel": lambda t: t.tensor(t.numel(t.ones(3, 4))),
    "normal_shape": lambda t: t.normal(0, 1, (3, 2)) * 0,
    "sqrt": lambda t: t.sqrt(t.tensor([4.0])),
    "mm": lambda t: t.mm(t.ones(2, 3), t.ones(3, 1)),
    "mv": lambda t: t.mv(t.ones(2, 3), t.ones(3)),
    "dot": lambda t: t.dot(t.arange(3.0), t.arange(3.0)),
    "norm": lambda t: t.norm(t.tensor([3.0, -4.0])),
    "sin_cos": lambda t: t.sin(t.tensor([0.5])) + t.cos(t.tensor([0.5])),
    "cosh_sinh": lambda t: t.cosh(t.tensor([0.5])) + t.sinh(t.tensor([0.5])),
    "relu_sigmoid_tanh": lambda t: t.relu(t.tensor([-1.0, 2.0])) + t.sigmoid(t.tensor([0.0, 1.0]))
    + t.tanh(t.tensor([0.3, 0.1])),
    "from_numpy": lambda t: t.from_numpy(np.arange(3, dtype=np.int32)),
    "linspace": lambda t: t.linspace(0, 1, 5),
    "arange_float": lambda t: t.arange(-1.0, 1.1, 0.1),
    "sum_mean": lambda t: t.sum(t.arange(6.0).reshape(2, 3), dim=0) + t.mean(t.arange(6.0).reshape(2, 3), dim=0),
    "pow": lambda t: t.pow(t.tensor([2.0, 3.0]), 2),
    "eye": lambda t: t.eye(3),
    "randperm_sorted": lambda t: t.randperm(6).sort().values if hasattr(t.Tensor, "sort") else t.arange(6),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_torch_level_functions_match_torch(torch_ref, name):
    _same_call(torch_ref, CALLS[name])


def test_torch_level_helpers(torch_ref):
    assert torchless.is_tensor(torchless.ones(1)) and not torchless.is_tensor([1])
    assert torchless.cuda.is_available() is torch_ref.cuda.is_available() is False
    assert torchless.cuda.device_count() == torch_ref.cuda.device_count() == 0
    assert str(torchless.device("cpu")) == str(torch_ref.device("cpu"))
    assert torchless.ones(2, device=torchless.device("cpu")).to("cpu").device == torchless.device("cpu")
    x = torchless.arange(4.0)
    assert np.asarray(x).tolist() == [0.0, 1.0, 2.0, 3.0]


def test_torch_softmax_and_log_softmax(torch_ref):
    from torchless.nn import functional as F
    if not hasattr(F, "softmax") or not hasattr(F, "log_softmax"):
        pytest.skip("nn.functional.softmax is not built yet")
    x = [[1.0, 2.0, 3.0], [0.0, 0.0, 1000.0]]
    assert_same(torchless.softmax(torchless.tensor(x), 1), torch_ref.softmax(torch_ref.tensor(x), 1))
    assert_same(torchless.log_softmax(torchless.tensor(x), dim=-1), torch_ref.log_softmax(torch_ref.tensor(x), dim=-1))


# ============================================================================ torch.multinomial
@pytest.mark.parametrize("replacement", [False, True])
def test_torch_multinomial_frequencies(replacement):
    torchless.manual_seed(0)
    w = torchless.tensor([[1.0, 3.0, 0.0, 6.0], [0.0, 0.0, 5.0, 5.0]])
    draws = np.stack([to_numpy(torchless.multinomial(w, 1, replacement=replacement))[:, 0] for _ in range(4000)])
    np.testing.assert_allclose(np.bincount(draws[:, 0], minlength=4) / 4000, [0.1, 0.3, 0.0, 0.6], atol=0.03)
    np.testing.assert_allclose(np.bincount(draws[:, 1], minlength=4) / 4000, [0.0, 0.0, 0.5, 0.5], atol=0.03)
    many = torchless.multinomial(w, 50, replacement=True) if replacement else torchless.multinomial(w, 4)
    assert many.dtype == torchless.int64 and many.shape == ((2, 50) if replacement else (2, 4))
    if not replacement:   # each row is a permutation, zero-weight categories last
        assert [sorted(r) for r in many.tolist()] == [[0, 1, 2, 3]] * 2
        assert many[0, 3].item() == 2 and set(many[1, 2:].tolist()) == {0, 1}


def test_torch_multinomial_matches_torch_shapes_and_errors(torch_ref):
    for lib in (torchless, torch_ref):
        out = lib.multinomial(lib.tensor([1.0, 0.0, 1.0]), 3)
        assert sorted(out.tolist()) == [0, 1, 2] and str(out.dtype) == "torch.int64" and out.tolist()[2] == 1
        cases = [((lib.tensor([1.0, -1.0]), 1), "element < 0"), ((lib.ones(2, 2, 2), 1), "prob_dist must be 1 or 2 dim"),
                 ((lib.tensor([0.0, 0.0]), 1), "sum of probabilities <= 0"),
                 ((lib.tensor([1.0, 1.0]), 3), "cannot sample n_sample > prob_dist.size"),
                 ((lib.tensor([1.0, 1.0]), 0), "cannot sample n_sample <= 0 samples")]
        for args, message in cases:
            with pytest.raises(RuntimeError, match=message):
                lib.multinomial(*args)
