"""The nn.functional family (issue 12): activations and distances, and their modules.

Values against closed forms and PyTorch, gradcheck/gradgradcheck in float64, forward AD and vmap
against PyTorch, errors, in-place forms, module options and reprs; and every OpInfo and ModuleInfo
sample of these ops (tests/nn/_oracle_breadth.py)."""
import math

import numpy as np
import pytest

import torchless
import torchless.nn as nn
import torchless.nn.functional as F
from torchless.autograd import gradcheck, gradgradcheck

from ._oracle_breadth import moduleinfo_problems, opinfo_problems

X = np.array([[-3.5, -1.0, -0.25, 0.0], [0.3, 1.2, 2.9, 4.0], [-0.6, 0.51, -0.49, 25.0]])
W4 = np.array([0.1, 0.2, 0.3, 0.4])
Y5 = np.random.RandomState(3).randn(5, 4)


def cases(M, Fn):
    """name -> f(x) written the same way in torch and torchless (M the torch module, Fn its F)."""
    y = M.tensor(Y5)
    w = M.tensor(W4)
    return {
        "elu": lambda a: Fn.elu(a, 0.7), "celu": lambda a: Fn.celu(a, 0.5), "selu": Fn.selu, "silu": Fn.silu,
        "mish": Fn.mish, "softplus": lambda a: Fn.softplus(a, 2, 3), "softplus_default": Fn.softplus,
        "logsigmoid": Fn.logsigmoid, "hardswish": Fn.hardswish, "hardsigmoid": Fn.hardsigmoid,
        "hardtanh": lambda a: Fn.hardtanh(a, -0.5, 2.0), "relu6": Fn.relu6, "glu": lambda a: Fn.glu(a, 1),
        "prelu": lambda a: Fn.prelu(a, w.to(a.dtype)), "prelu1": lambda a: Fn.prelu(a, M.tensor([0.3], dtype=a.dtype)),
        "pdist": Fn.pdist, "pdist_p": lambda a: Fn.pdist(a, 1.5), "pdist_inf": lambda a: Fn.pdist(a, float("inf")),
        "cdist": lambda a: M.cdist(a, y.to(a.dtype)), "cdist3": lambda a: M.cdist(a, y.to(a.dtype), 3.0),
        "cdist1": lambda a: M.cdist(a, y.to(a.dtype), 1.0), "cdist_inf": lambda a: M.cdist(a, y.to(a.dtype), float("inf")),
        "cdist0": lambda a: M.cdist(a, y.to(a.dtype), 0.0),
        "cosine_similarity": lambda a: Fn.cosine_similarity(a, a.flip(0)),
        "cosine_similarity0": lambda a: Fn.cosine_similarity(a, a * 2 + 1, dim=0),
        "normalize": Fn.normalize, "normalize_p1": lambda a: Fn.normalize(a, 1.0, 0),
        "pairwise_distance": lambda a: Fn.pairwise_distance(a, a.flip(0)),
        "pairwise_distance_p1": lambda a: Fn.pairwise_distance(a, a.flip(0), 1.0, 1e-3, True),
        "softshrink": Fn.softshrink, "hardshrink": lambda a: Fn.hardshrink(a, 1.0),
        "threshold": lambda a: Fn.threshold(a, 0.1, 2.0), "rrelu": Fn.rrelu, "softmin": lambda a: Fn.softmin(a, 1),
        "tanhshrink": Fn.tanhshrink, "softsign": Fn.softsign, "gelu_tanh": lambda a: Fn.gelu(a, approximate="tanh"),
        "torch_selu": M.selu, "torch_celu": lambda a: M.celu(a, 2.0), "torch_hardshrink": M.hardshrink,
        "torch_threshold": lambda a: M.threshold(a, 0.5, -1.0), "torch_prelu": lambda a: M.prelu(a, w.to(a.dtype)),
        "torch_rrelu": M.rrelu, "torch_pdist": M.pdist, "torch_cosine_similarity": lambda a: M.cosine_similarity(a, a + 1),
        "torch_pairwise_distance": lambda a: M.pairwise_distance(a, a + 1),
    }


NAMES = list(cases(torchless, F))
NOT_FORWARD_AD = ("pdist", "cdist")  # PyTorch has no forward AD for these (ours agrees with gradients)
NOT_VMAP = ("rrelu", "torch_rrelu")  # PyTorch's vmap has no rrelu


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_matches_pytorch(torch_ref, name, dtype):
    """Values, dtype, shape and gradient of each case, against PyTorch."""
    tf = cases(torch_ref, torch_ref.nn.functional)[name]
    lf = cases(torchless, F)[name]
    tx = torch_ref.tensor(X, dtype=getattr(torch_ref, dtype), requires_grad=True)
    lx = torchless.tensor(X, dtype=getattr(torchless, dtype), requires_grad=True)
    to, lo = tf(tx), lf(lx)
    assert str(to.dtype) == str(lo.dtype) and tuple(to.shape) == tuple(lo.shape)
    tol = 1e-12 if dtype == "float64" else 2e-6
    np.testing.assert_allclose(lo.detach().numpy(), to.detach().numpy(), rtol=tol, atol=tol)
    assert type(lo.grad_fn).__name__ == type(to.grad_fn).__name__
    w = np.random.RandomState(0).randn(*to.shape)
    (to * torch_ref.tensor(w, dtype=to.dtype)).sum().backward()
    (lo * torchless.tensor(w, dtype=lo.dtype)).sum().backward()
    np.testing.assert_allclose(lx.grad.numpy(), tx.grad.numpy(), rtol=tol * 10, atol=tol * 10)


@pytest.mark.parametrize("name", NAMES)
def test_gradcheck(name):
    f = cases(torchless, F)[name]
    x = torchless.tensor(X + 0.013, requires_grad=True)  # off the kinks
    if name.startswith("hard") or name in ("relu6", "softshrink", "threshold"):
        x = torchless.tensor(np.round(X, 0) + 0.25 + 0.013, requires_grad=True)  # away from the corners
    assert gradcheck(f, (x,))
    assert gradgradcheck(f, (x,))


def test_gradcheck_second_arguments():
    x = torchless.tensor(X + 0.013, requires_grad=True)
    w = torchless.tensor(W4, requires_grad=True)
    y = torchless.tensor(Y5, requires_grad=True)
    assert gradcheck(F.prelu, (x, w)) and gradgradcheck(F.prelu, (x, w))
    for p in (2.0, 1.0, 3.0, float("inf")):
        assert gradcheck(lambda a, b: torchless.cdist(a, b, p), (x, y))
        assert gradgradcheck(lambda a, b: torchless.cdist(a, b, p), (x, y))
    assert gradcheck(lambda a, b: F.cosine_similarity(a, b[:3]), (x, y))
    assert gradcheck(lambda a, b: F.pairwise_distance(a, b[:3]), (x, y))


@pytest.mark.parametrize("name", [n for n in NAMES if not n.startswith(NOT_FORWARD_AD) and n not in ("torch_pdist",)])
def test_forward_ad_and_vmap(torch_ref, name):
    tf = cases(torch_ref, torch_ref.nn.functional)[name]
    lf = cases(torchless, F)[name]
    t = np.random.RandomState(1).randn(*X.shape)
    _, tt = torch_ref.func.jvp(tf, (torch_ref.tensor(X),), (torch_ref.tensor(t),))
    _, lt = torchless.func.jvp(lf, (torchless.tensor(X),), (torchless.tensor(t),))
    np.testing.assert_allclose(lt.numpy(), tt.numpy(), rtol=1e-10, atol=1e-12)
    if name not in NOT_VMAP:
        batch = np.stack([X, t])
        tv = torch_ref.func.vmap(tf)(torch_ref.tensor(batch))
        lv = torchless.func.vmap(lf)(torchless.tensor(batch))
        np.testing.assert_allclose(lv.numpy(), tv.numpy(), rtol=1e-10, atol=1e-12)


def test_closed_forms():
    x = torchless.tensor([-2.0, -0.5, 0.0, 0.5, 2.0, 30.0], dtype=torchless.float64)
    v = x.numpy()
    np.testing.assert_allclose(F.elu(x, 0.5).numpy(), np.where(v > 0, v, 0.5 * np.expm1(v)))
    np.testing.assert_allclose(F.selu(x).numpy(), 1.0507009873554805 * np.where(v > 0, v, 1.6732632423543772 * np.expm1(v)))
    np.testing.assert_allclose(F.celu(x, 2.0).numpy(), np.maximum(v, 0) + np.minimum(0, 2 * np.expm1(v / 2)))
    np.testing.assert_allclose(F.silu(x).numpy(), v / (1 + np.exp(-v)))
    np.testing.assert_allclose(F.mish(x).numpy(), v * np.tanh(np.log1p(np.exp(v))))
    np.testing.assert_allclose(F.softplus(x).numpy(), np.where(v > 20, v, np.log1p(np.exp(v))))
    np.testing.assert_allclose(F.logsigmoid(x).numpy(), -np.log1p(np.exp(-v)), atol=1e-15)
    np.testing.assert_allclose(F.hardsigmoid(x).numpy(), np.clip(v / 6 + 0.5, 0, 1))
    np.testing.assert_allclose(F.hardswish(x).numpy(), v * np.clip(v + 3, 0, 6) / 6)
    np.testing.assert_allclose(F.softsign(x).numpy(), v / (1 + np.abs(v)))
    np.testing.assert_allclose(F.tanhshrink(x).numpy(), v - np.tanh(v))
    np.testing.assert_allclose(F.softshrink(x, 1.0).numpy(), np.sign(v) * np.maximum(np.abs(v) - 1, 0))
    np.testing.assert_allclose(F.hardshrink(x, 0.5).numpy(), np.where(np.abs(v) > 0.5, v, 0))
    np.testing.assert_allclose(F.relu6(x).numpy(), np.clip(v, 0, 6))
    np.testing.assert_allclose(F.threshold(x, 0.5, -7.0).numpy(), np.where(v > 0.5, v, -7))
    np.testing.assert_allclose(F.rrelu(x).numpy(), np.where(v >= 0, v, v * (1 / 8 + 1 / 3) / 2))
    assert F.logsigmoid(torchless.tensor([-1000.0])).item() == -1000.0  # no overflow
    a = torchless.tensor([[0.0, 0.0], [3.0, 4.0], [6.0, 8.0]])
    np.testing.assert_allclose(F.pdist(a).numpy(), [5.0, 10.0, 5.0])
    np.testing.assert_allclose(torchless.cdist(a, a[:1]).numpy(), [[0.0], [5.0], [10.0]])
    np.testing.assert_allclose(torchless.cdist(a, a[:1], p=1).numpy(), [[0.0], [7.0], [14.0]])
    np.testing.assert_allclose(torchless.cdist(a, a[:1], p=0).numpy(), [[0.0], [2.0], [2.0]])
    np.testing.assert_allclose(F.normalize(a[1:], dim=1).numpy(), [[0.6, 0.8], [0.6, 0.8]], rtol=1e-6)
    assert F.cosine_similarity(a[1:2], a[2:3]).item() == pytest.approx(1.0)


def test_integer_and_bool_inputs():
    i = torchless.tensor([1, -2, 3])
    assert F.hardtanh(i).tolist() == [1, -1, 1] and F.hardtanh(i).dtype == torchless.int64
    assert F.relu6(i).tolist() == [1, 0, 3]
    assert F.threshold(i, 1, 9).tolist() == [9, 9, 3]
    assert F.softsign(i).dtype == torchless.float32
    for f, kernel in ((F.elu, "elu_cpu"), (F.silu, "silu_cpu"), (F.softplus, "softplus_cpu"),
                      (F.logsigmoid, "log_sigmoid_cpu"), (F.hardswish, "hardswish_cpu")):
        with pytest.raises(NotImplementedError, match=kernel):
            f(i)
    with pytest.raises(RuntimeError, match="unsigned type with negative limits"):
        F.hardtanh(torchless.tensor([1, 2], dtype=torchless.uint8))


def test_errors():
    with pytest.raises(RuntimeError, match="Halving dimension must be even, but dimension 1 is size 3"):
        F.glu(torchless.randn(2, 3), 1)
    with pytest.raises(RuntimeError, match="glu does not support scalars"):
        F.glu(torchless.tensor(1.0))
    with pytest.raises(RuntimeError, match="lambda must be in range"):
        F.softshrink(torchless.randn(3), -1.0)
    with pytest.raises(ValueError, match="min_val cannot be greater than max_val"):
        F.hardtanh(torchless.randn(3), 2.0, 1.0)
    with pytest.raises(RuntimeError, match="Mismatch of parameter numbers and input channel size"):
        F.prelu(torchless.randn(2, 3), torchless.ones(2))
    with pytest.raises(RuntimeError, match="Expected `weight` to be a scalar or 1D tensor"):
        F.prelu(torchless.randn(2, 3), torchless.ones(1, 1))
    with pytest.raises(RuntimeError, match="pdist only supports 2D tensors, got: 3D"):
        F.pdist(torchless.randn(2, 3, 4))
    with pytest.raises(RuntimeError, match="X1 and X2 must have the same number of columns"):
        torchless.cdist(torchless.randn(2, 3), torchless.randn(2, 4))
    with pytest.raises(RuntimeError, match="expected scalar type Double but found Float"):
        torchless.cdist(torchless.randn(2, 3, dtype=torchless.float64), torchless.randn(2, 3))
    with pytest.raises(RuntimeError, match="Lower bound should be less than or equal to the upper bound"):
        F.rrelu(torchless.randn(3), 0.5, 0.1)
    with pytest.raises(AssertionError, match="max_val"):
        nn.Hardtanh(1.0, 0.0)
    with pytest.raises(ValueError, match="Softmax2d: expected input to be 3D or 4D, got 2D instead"):
        nn.Softmax2d()(torchless.randn(2, 3))


@pytest.mark.parametrize("name, grad_fn", [("elu", "EluBackward1"), ("selu", "EluBackward1"),
                                           ("celu", "CeluBackward1"), ("silu", "SiluBackward0"),
                                           ("mish", "MishBackward0"), ("hardtanh", "HardtanhBackward0"),
                                           ("relu6", "HardtanhBackward0"), ("hardsigmoid", "HardsigmoidBackward0"),
                                           ("hardswish", "HardswishBackward0"), ("rrelu", "RreluWithNoiseBackward1")])
def test_inplace(torch_ref, name, grad_fn):
    """inplace=True writes into the input and gives PyTorch's values, node and gradient."""
    tx = torch_ref.tensor(X, requires_grad=True)
    lx = torchless.tensor(X, requires_grad=True)
    ty = tx * 1.5
    ly = lx * 1.5
    to = getattr(torch_ref.nn.functional, name)(ty, inplace=True)
    lo = getattr(F, name)(ly, inplace=True)
    assert lo is ly and to is ty
    assert type(lo.grad_fn).__name__ == grad_fn == type(to.grad_fn).__name__
    np.testing.assert_allclose(lo.detach().numpy(), to.detach().numpy(), rtol=1e-12)
    to.sum().backward()
    lo.sum().backward()
    np.testing.assert_allclose(lx.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-12)
    plain = torchless.tensor(X)
    assert getattr(F, name)(plain, inplace=True) is plain  # without autograd, on the array
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        getattr(F, name)(torchless.tensor(X, requires_grad=True), inplace=True)


def test_inplace_functions(torch_ref):
    for name, args in (("elu_", ()), ("selu_", ()), ("celu_", (2.0,)), ("hardtanh_", (-0.5, 0.5)),
                       ("threshold_", (0.0, 3.0)), ("rrelu_", ())):
        lx = torchless.tensor(X)
        tx = torch_ref.tensor(X)
        fn = getattr(F, name)
        assert fn(lx, *args) is lx
        getattr(torch_ref.nn.functional, name)(tx, *args)
        np.testing.assert_allclose(lx.numpy(), tx.numpy(), rtol=1e-12)
    tx = torch_ref.tensor(X, requires_grad=True) * 1
    lx = torchless.tensor(X, requires_grad=True) * 1
    assert type(F.threshold_(lx, 0.0, 3.0).grad_fn).__name__ == type(
        torch_ref.nn.functional.threshold_(tx, 0.0, 3.0).grad_fn).__name__ == "ThresholdBackward1"


def test_rrelu_training_distribution():
    torchless.manual_seed(0)
    x = torchless.full((20000,), -1.0, dtype=torchless.float64, requires_grad=True)
    out = F.rrelu(x, 0.1, 0.3, training=True)
    slopes = -out.detach().numpy()
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3
    assert abs(slopes.mean() - 0.2) < 0.005 and abs(slopes.std() - 0.2 / math.sqrt(12)) < 0.005
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), slopes)  # the gradient is each element's slope
    pos = F.rrelu(torchless.ones(5), training=True)
    assert pos.tolist() == [1.0] * 5
    m = nn.RReLU(0.1, 0.3)
    assert not np.allclose(m(-torchless.ones(100)).numpy(), -0.2)
    m.eval()
    np.testing.assert_allclose(m(-torchless.ones(3)).numpy(), -0.2)


MODULES = [("ELU", ()), ("ELU", (0.5, True)), ("CELU", (2.0,)), ("SELU", (True,)), ("SiLU", ()), ("Mish", ()),
           ("Hardtanh", ()), ("Hardtanh", (-2, 2, True)), ("ReLU6", ()), ("ReLU6", (True,)), ("Hardsigmoid", ()),
           ("Hardswish", ()), ("LogSigmoid", ()), ("Softplus", ()), ("Softplus", (2, 10)), ("Softshrink", ()),
           ("Hardshrink", (0.3,)), ("Tanhshrink", ()), ("Softsign", ()), ("Threshold", (0.1, 2.0)),
           ("Threshold", (0.1, 2, True)), ("GLU", ()), ("GLU", (0,)), ("PReLU", ()), ("PReLU", (4, 0.1)),
           ("RReLU", ()), ("RReLU", (0.1, 0.3, True)), ("Softmin", ()), ("Softmin", (1,)), ("Softmax2d", ()),
           ("CosineSimilarity", ()), ("CosineSimilarity", (0, 1e-3)), ("PairwiseDistance", ()),
           ("PairwiseDistance", (1, 1e-3, True))]


@pytest.mark.parametrize("name, args", MODULES)
def test_module_options_and_repr(torch_ref, name, args):
    tm = getattr(torch_ref.nn, name)(*args)
    lm = getattr(nn, name)(*args)
    assert repr(lm) == repr(tm)
    public = {k: v for k, v in vars(tm).items() if not k.startswith("_") and k != "training"}
    assert {k: getattr(lm, k) for k in public} == public
    assert [n for n, _ in lm.named_parameters()] == [n for n, _ in tm.named_parameters()]
    for (_, p), (_, q) in zip(lm.named_parameters(), tm.named_parameters()):
        assert isinstance(p, nn.Parameter)
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy())


@pytest.mark.parametrize("name", ["nn.functional.elu", "nn.functional.celu", "nn.functional.selu",
                                  "nn.functional.silu", "nn.functional.mish", "nn.functional.hardtanh",
                                  "nn.functional.relu6", "nn.functional.hardsigmoid", "nn.functional.hardswish",
                                  "nn.functional.logsigmoid", "nn.functional.softplus", "nn.functional.softshrink",
                                  "nn.functional.hardshrink", "nn.functional.tanhshrink", "nn.functional.softsign",
                                  "nn.functional.threshold", "nn.functional.glu", "nn.functional.prelu",
                                  "nn.functional.rrelu", "nn.functional.softmin", "nn.functional.normalize",
                                  "nn.functional.cosine_similarity", "nn.functional.pairwise_distance",
                                  "nn.functional.pdist", "cdist", "nn.functional.gelu"])
def test_opinfo_samples(torch_ref, name):
    """Every OpInfo sample (and error input) of the op agrees with PyTorch (rrelu's training
    samples are random: test_rrelu_training_distribution covers them)."""
    pytest.importorskip("expecttest")
    skip = (lambda s: s.kwargs.get("training", False)) if name.endswith("rrelu") else (lambda s: False)
    assert opinfo_problems(name, skip) == []


@pytest.mark.parametrize("name", ["ELU", "CELU", "SELU", "SiLU", "Mish", "Hardtanh", "ReLU6", "Hardswish",
                                  "LogSigmoid", "Softplus", "Softshrink", "Hardshrink", "Tanhshrink", "Softsign",
                                  "Threshold", "GLU", "PReLU", "Softmin", "Softmax2d"])
def test_moduleinfo_samples(torch_ref, name):
    """Every ModuleInfo sample: same constructor arguments, torch's state_dict copied across,
    outputs and gradients (of inputs and parameters) compared."""
    pytest.importorskip("expecttest")
    assert moduleinfo_problems(name) == []


def test_bool_inputs_raise_as_in_pytorch(torch_ref):
    for name in ("hardtanh", "relu6", "tanhshrink", "softsign", "elu", "silu"):
        with pytest.raises(Exception) as theirs:
            getattr(torch_ref.nn.functional, name)(torch_ref.tensor([True, False]))
        with pytest.raises(type(theirs.value)):
            getattr(F, name)(torchless.tensor([True, False]))
    with pytest.raises(RuntimeError, match="Negation, the `-` operator, on a bool tensor"):
        F.softmin(torchless.tensor([True, False]), 0)


def test_zero_dim_and_empty(torch_ref):
    for name in ("elu", "selu", "silu", "mish", "hardtanh", "softplus", "hardshrink", "logsigmoid", "rrelu"):
        for shape in ((), (0,), (3, 0)):
            a = getattr(F, name)(torchless.zeros(shape))
            b = getattr(torch_ref.nn.functional, name)(torch_ref.zeros(shape))
            assert tuple(a.shape) == tuple(b.shape)
    assert tuple(F.softmin(torchless.zeros(5, 0, 0), -1).shape) == (5, 0, 0)
    assert tuple(torchless.zeros(2, 0).softmax(1).shape) == (2, 0)
    assert F.cosine_similarity(torchless.tensor(2.0), torchless.tensor(3.0), dim=0).item() == pytest.approx(1.0)
    assert tuple(torchless.cdist(torchless.zeros(2, 0), torchless.zeros(3, 0)).shape) == (2, 3)
    assert tuple(F.pdist(torchless.zeros(1, 3)).shape) == (0,)


@pytest.mark.parametrize("name", ["elu", "selu", "celu", "hardtanh", "relu6", "silu", "mish", "hardsigmoid",
                                  "hardswish", "rrelu", "threshold"])
def test_writing_into_an_inplace_result(torch_ref, name):
    """Whether backward still runs after the in-place result is written again: it raises exactly
    where PyTorch's in-place node saved its output (elu, selu, celu, rrelu)."""
    outcomes = []
    for M in (torch_ref, torchless):
        Fn = M.nn.functional
        x = M.tensor([-1.0, 0.5, 0.05], requires_grad=True)
        y = Fn.threshold(x * 1, 0.1, 2.0, inplace=True) if name == "threshold" else getattr(Fn, name)(x * 1, inplace=True)
        y.mul_(2)
        try:
            y.sum().backward()
            outcomes.append(x.grad.tolist())
        except RuntimeError:
            outcomes.append("raised")
    if outcomes[0] == "raised" or outcomes[1] == "raised":
        assert outcomes[0] == outcomes[1]
    else:
        np.testing.assert_allclose(outcomes[1], outcomes[0], rtol=1e-5)  # float32: PyTorch's kernels round by CPU capability


def test_inplace_gradcheck():
    x = torchless.tensor(X + 0.013, requires_grad=True)
    for f in (lambda a: F.elu(a * 1, 0.5, inplace=True), lambda a: F.celu(a * 1, 2.0, inplace=True),
              lambda a: F.threshold(a * 1, 0.1, 2.0, inplace=True), lambda a: F.hardtanh(a * 1, inplace=True),
              lambda a: F.rrelu(a * 1, inplace=True), lambda a: F.silu(a * 1, inplace=True)):
        assert gradcheck(f, (x,)) and gradgradcheck(f, (x,))


@pytest.mark.parametrize("dtype", ["complex64", "int64", "float16"])
@pytest.mark.parametrize("name", ["elu", "celu", "selu", "silu", "mish", "hardtanh", "relu6", "hardsigmoid",
                                  "hardswish", "logsigmoid", "softplus", "softshrink", "hardshrink", "tanhshrink",
                                  "softsign", "glu", "rrelu", "normalize", "pdist", "threshold", "prelu", "softmin"])
def test_other_dtypes(torch_ref, name, dtype):
    """Complex, integer and half inputs: PyTorch's result dtype and values, or its exception type."""
    outcomes = []
    for M in (torch_ref, torchless):
        Fn = M.nn.functional
        if dtype == "int64":
            x = M.tensor([[1, -1], [2, 0]])
        else:
            x = M.tensor([[0.5, -1.0], [2.0, -0.25]], dtype=getattr(M, dtype))
        try:
            if name == "threshold":
                r = Fn.threshold(x, 0.1, 2)
            elif name == "prelu":
                r = Fn.prelu(x, M.ones(1, dtype=x.dtype))
            elif name == "softmin":
                r = Fn.softmin(x, 1)
            else:
                r = getattr(Fn, name)(x)
            kind = M.complex64 if dtype == "complex64" else M.float64
            outcomes.append((str(r.dtype).split(".")[-1], r.to(kind).numpy()))
        except Exception as e:  # compared by type
            outcomes.append(type(e))
    if isinstance(outcomes[0], tuple) and isinstance(outcomes[1], tuple):
        assert outcomes[0][0] == outcomes[1][0]
        np.testing.assert_allclose(outcomes[1][1], outcomes[0][1], rtol=2e-3, atol=2e-3)
    else:
        assert outcomes[0] == outcomes[1]


def test_explain_closed_forms():
    """silu, mish and logsigmoid carry SymPy forms: explain's closed form matches backward."""
    pytest.importorskip("sympy")
    x = torchless.tensor([0.5, -1.0], requires_grad=True)
    text = str(torchless.autograd.explain(F.logsigmoid(F.mish(F.silu(x))).sum()))
    assert "[SiluBackward0]" in text and "[MishBackward0]" in text and "[LogSigmoidBackward0]" in text
    assert "equals the gradient backward computed ✓" in text


KINKS = np.array([-6.0, -3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0, 6.0, 20.0, 25.0])


def kink_cases(M):
    """Inputs at the corners of each function (its breakpoints, zero distances, ties): PyTorch picks
    a one-sided derivative there, and so must we."""
    Fn = M.nn.functional
    return {
        "elu": Fn.elu, "celu": Fn.celu, "selu": Fn.selu, "hardtanh": Fn.hardtanh, "relu6": Fn.relu6,
        "hardsigmoid": Fn.hardsigmoid, "hardswish": Fn.hardswish, "softshrink": Fn.softshrink,
        "hardshrink": lambda a: Fn.hardshrink(a, 1.0), "threshold": lambda a: Fn.threshold(a, 0.5, 3.0),
        "softplus": Fn.softplus, "softplus_beta": lambda a: Fn.softplus(a, 2.0, 1.0), "rrelu": Fn.rrelu,
        "prelu": lambda a: Fn.prelu(a, M.tensor([0.2], dtype=a.dtype)), "logsigmoid": Fn.logsigmoid,
        "mish": Fn.mish, "silu": Fn.silu,
        "pdist_same_rows": lambda a: Fn.pdist(M.stack([a[:3], a[:3], a[3:6]])),
        "cdist_zero": lambda a: M.cdist(a[:4].reshape(2, 2), a[:4].reshape(2, 2)),
        "cdist_zero_p1": lambda a: M.cdist(a[:4].reshape(2, 2), a[:4].reshape(2, 2), 1.0),
        "cdist_inf_tie": lambda a: M.cdist(a[[4, 4]].reshape(1, 2), a[[5, 3]].reshape(1, 2), float("inf")),
        "normalize_zero": lambda a: Fn.normalize(a[[4, 4, 5]].reshape(1, 3) * a[[4, 4, 4]].reshape(1, 3)),
        "cosine_zero": lambda a: Fn.cosine_similarity((a[:3] * 0).reshape(1, 3), a[3:6].reshape(1, 3)),
    }


@pytest.mark.parametrize("name", list(kink_cases(torchless)))
def test_kinks_match_pytorch(torch_ref, name):
    tf, lf = kink_cases(torch_ref)[name], kink_cases(torchless)[name]
    tx = torch_ref.tensor(KINKS, requires_grad=True)
    lx = torchless.tensor(KINKS, requires_grad=True)
    to, lo = tf(tx), lf(lx)
    w = np.linspace(0.5, 1.5, to.numel()).reshape(tuple(to.shape))
    (to * torch_ref.tensor(w)).sum().backward()
    (lo * torchless.tensor(w)).sum().backward()
    np.testing.assert_allclose(lo.detach().numpy(), to.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(lx.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_torch_level_forms(torch_ref):
    """torch.selu, torch.celu, torch.rrelu (with a generator), torch.threshold ...: ATen's signatures."""
    x = -torchless.ones(6)
    g1, g2 = torchless.Generator().manual_seed(3), torchless.Generator().manual_seed(3)
    a = torchless.rrelu(x, 0.1, 0.3, True, g1)
    b = torchless.rrelu(x, 0.1, 0.3, True, g2)
    assert a.tolist() == b.tolist() and len(set(a.tolist())) > 1
    y = x.clone()
    assert torchless.rrelu_(y, 0.1, 0.3, True, torchless.Generator().manual_seed(3)) is y and y.tolist() == a.tolist()
    for name, args in (("selu", ()), ("celu", (2.0,)), ("threshold", (-2.0, 5.0)), ("hardshrink", (0.5,)),
                       ("rrelu", (0.1, 0.3))):
        np.testing.assert_allclose(getattr(torchless, name)(x, *args).numpy(),
                                   getattr(torch_ref, name)(torch_ref.tensor(x.numpy()), *args).numpy(), rtol=1e-6)
    with pytest.raises(TypeError):
        torchless.selu(x, True)  # ATen's selu takes no inplace flag
    z = x.clone()
    assert torchless.selu_(z) is z and torchless.celu_(z, 1.0) is z
