"""The rules exp2, logaddexp, hypot, atan2 and copysign alone, on arrays: forward against closed
forms, vjp and jvp against central finite differences in float64, the same formulas on Tensors (the
namespace create_graph uses), and against PyTorch: grad_fn names, values, and the subgradients it
picks where the derivative does not exist (copysign at 0, hypot and atan2 at (0, 0))."""
import math

import numpy as np
import pytest

import torchless
from torchless._tensor.xp import TX
from torchless.backend import numpy as NP
from torchless.ops import elementwise as E

from ..conftest import requires_torch

MARK = (True, 0)  # an edge that needs a gradient: vjps only test `node is None` on it


def _draw(shape, seed, low=-2.0, high=2.0):
    return np.random.default_rng(seed).uniform(low, high, shape)


# rule, forward's closed form, how to draw its operands (away from where the derivative jumps)
BINARY = {
    "logaddexp": (E.LogaddexpBackward0, lambda a, b: np.log(np.exp(a) + np.exp(b)), (-2.0, 2.0)),
    "hypot": (E.HypotBackward0, lambda a, b: np.sqrt(a * a + b * b), (0.3, 2.0)),
    "atan2": (E.Atan2Backward0, lambda a, b: np.vectorize(math.atan2)(a, b), (0.3, 2.0)),
    "copysign": (E.CopysignBackward0, lambda a, b: np.abs(a) * np.where(b < 0, -1.0, 1.0), (0.3, 2.0)),
}
SHAPES = [((3, 4), (3, 4)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((), (2,))]


def _operands(name, sa, sb, seed=0):
    low, high = BINARY[name][2]
    a = _draw(sa, seed, low, high) * np.where(_draw(sa, seed + 1) < 0, -1, 1)
    b = _draw(sb, seed + 2, low, high) * np.where(_draw(sb, seed + 3) < 0, -1, 1)
    return np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)


def _vjp(R, g, *args, edges=None):
    node = R()
    R.forward(node, NP, *args)
    node.next_functions = edges or (MARK,) * len(args)
    return node.vjp(g, NP)


def _numeric_vjp(f, args, g, i, h=1e-6):
    """<g, ∂f/∂args[i]> by central differences, one element of args[i] at a time."""
    x = np.array(args[i], dtype=np.float64)
    out = np.zeros_like(x)
    for k in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[k] += h
        down[k] -= h
        hi = f(*[up if j == i else a for j, a in enumerate(args)])
        lo = f(*[down if j == i else a for j, a in enumerate(args)])
        out[k] = np.sum(g * (hi - lo)) / (2 * h)
    return out


# ---------------------------------------------------------------------------------- exp2
def test_exp2_forward_vjp_and_jvp():
    a = _draw((3, 4), 0, -5, 5)
    R = E.Exp2Backward0
    np.testing.assert_allclose(R.forward(None, NP, a), 2.0 ** a, rtol=1e-15)
    g = _draw((3, 4), 1)
    (ga,) = _vjp(R, g, a)
    np.testing.assert_allclose(ga, _numeric_vjp(lambda x: 2.0 ** x, [a], g, 0), rtol=1e-7)
    t = _draw((3, 4), 2)
    out = R.forward(None, NP, a)
    h = 1e-6
    np.testing.assert_allclose(R.jvp(NP, (t,), out, a), (2.0 ** (a + h * t) - 2.0 ** (a - h * t)) / (2 * h),
                               rtol=1e-7)
    assert R.saves_output and R.dtypes == "to_float" and R.batching == "elementwise"


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_exp2_keeps_the_dtype_and_rounds_once(dtype):
    a = np.array([12.0, 0.3, -7.7, 1.0], dtype=dtype)
    out = E.Exp2Backward0.forward(None, NP, a)
    assert out.dtype == dtype
    np.testing.assert_array_equal(out, np.exp2(a.astype(np.float64)).astype(dtype))


# ---------------------------------------------------------------------------------- binary rules
@pytest.mark.parametrize("sa, sb", SHAPES)
@pytest.mark.parametrize("name", sorted(BINARY))
def test_forward_matches_the_closed_form(name, sa, sb):
    R, closed, _ = BINARY[name]
    a, b = _operands(name, sa, sb)
    np.testing.assert_allclose(R.forward(None, NP, a, b), closed(a, b), rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("sa, sb", SHAPES)
@pytest.mark.parametrize("name", sorted(BINARY))
def test_vjp_matches_finite_differences(name, sa, sb):
    R, closed, _ = BINARY[name]
    a, b = _operands(name, sa, sb, seed=4)
    g = _draw(np.broadcast_shapes(sa, sb), 9)
    ga, gb = _vjp(R, g, a, b)
    assert np.shape(ga) == sa and np.shape(gb) == sb
    np.testing.assert_allclose(ga, _numeric_vjp(closed, [a, b], g, 0), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(gb, _numeric_vjp(closed, [a, b], g, 1), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", sorted(BINARY))
def test_vjp_skips_inputs_that_need_no_gradient(name):
    R = BINARY[name][0]
    a, b = _operands(name, (2, 3), (2, 3))
    g = np.ones((2, 3))
    ga, gb = _vjp(R, g, a, b, edges=((None, 0), MARK))
    assert ga is None and gb is not None
    ga, gb = _vjp(R, g, a, b, edges=(MARK, (None, 0)))
    assert ga is not None and gb is None


@pytest.mark.parametrize("tangents", ["both", "first", "second"])
@pytest.mark.parametrize("name", sorted(BINARY))
def test_jvp_matches_finite_differences(name, tangents):
    R, closed, _ = BINARY[name]
    a, b = _operands(name, (3, 4), (4,), seed=7)
    ta = None if tangents == "second" else _draw(a.shape, 11)
    tb = None if tangents == "first" else _draw(b.shape, 12)
    out = R.forward(None, NP, a, b)
    got = R.jvp(NP, (ta, tb), out, a, b)
    h = 1e-6
    da = 0 if ta is None else h * ta
    db = 0 if tb is None else h * tb
    want = (closed(a + da, b + db) - closed(a - da, b - db)) / (2 * h)
    if got is None:  # copysign: b's tangent alone gives none (PyTorch's), and the derivative is 0
        assert name == "copysign" and ta is None
        np.testing.assert_allclose(want, 0, atol=1e-8)
        return
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)


def test_copysign_by_a_number():
    R = E.CopysignBackward1
    a = np.array([-2.0, -0.5, 0.0, 0.5, 3.0])
    for number in (-1.5, 2, 0.0, -0.0):
        out = R.forward(None, NP, a, number)
        np.testing.assert_array_equal(out, np.copysign(np.abs(a), number))
        (ga,) = _vjp(R, np.ones(5), a, number, edges=(MARK,))
        np.testing.assert_array_equal(ga, np.where(a == 0, 0.0, out / np.where(a == 0, 1, a)))
        np.testing.assert_array_equal(R.jvp(NP, (np.full(5, 2.0),), out, a, number), 2 * ga)


# ---------------------------------------------------------------------------------- on Tensors
def _tensor_vjp(R, g, *args):
    """The rule's forward and vjp run on Tensors through the Tensor namespace (as create_graph runs
    them), with every operand requiring grad."""
    tensors = [torchless.tensor(v, requires_grad=True) if isinstance(v, np.ndarray) else v for v in args]
    node = R()
    R.forward(node, TX, *tensors)
    node.next_functions = tuple(MARK for v in args if isinstance(v, np.ndarray))
    return tensors, node.vjp(torchless.tensor(g), TX)


@pytest.mark.parametrize("name", sorted(BINARY) + ["exp2", "copysign_number"])
def test_the_tensor_namespace_gives_the_same_gradients_and_records_them(name):
    if name == "exp2":
        R, args = E.Exp2Backward0, (_draw((2, 3), 0),)
    elif name == "copysign_number":
        R, args = E.CopysignBackward1, (_draw((2, 3), 0, 0.3, 2), -2.0)
    else:
        R, args = BINARY[name][0], _operands(name, (2, 3), (3,))
    g = _draw((2, 3), 5)
    want = _vjp(R, g, *args, edges=tuple(MARK for v in args if isinstance(v, np.ndarray)))
    tensors, got = _tensor_vjp(R, g, *args)
    for w, t in zip(want, got):
        np.testing.assert_allclose(t.detach().numpy(), w, rtol=1e-12, atol=1e-15)
    if name != "copysign":  # (copysign's gradient in b is the constant 0)
        assert got[0].requires_grad  # a graph: what create_graph differentiates again


@pytest.mark.parametrize("name, f, rule", [
    ("exp2", lambda x: TX.exp2(x), E.Exp2Backward0),
    ("logaddexp", lambda x: TX.logaddexp(x, x * 2), E.LogaddexpBackward0),
    ("hypot", lambda x: TX.hypot(x, x + 1), E.HypotBackward0),
    ("arctan2", lambda x: TX.arctan2(x, x + 1), E.Atan2Backward0),
    ("copysign", lambda x: TX.copysign(x, x - 1), E.CopysignBackward0),
    ("copysign_number", lambda x: TX.copysign(x, -1.0), E.CopysignBackward1),
])
def test_tensor_namespace_names_apply_the_rule(name, f, rule):
    x = torchless.tensor([0.5, 1.5, 2.5], requires_grad=True)
    out = f(x)
    assert type(out.grad_fn) is rule
    np.testing.assert_allclose(out.detach().numpy(), rule.forward(None, NP, *(
        [x.detach().numpy()] + {"exp2": [], "logaddexp": [x.detach().numpy() * 2], "hypot": [x.detach().numpy() + 1],
                                "arctan2": [x.detach().numpy() + 1], "copysign": [x.detach().numpy() - 1],
                                "copysign_number": [-1.0]}[name])), rtol=1e-15)


# ---------------------------------------------------------------------------------- against PyTorch
TORCH_OPS = {  # rule -> the torch call that records it
    E.Exp2Backward0: lambda torch, a, b: torch.exp2(a),
    E.LogaddexpBackward0: lambda torch, a, b: torch.logaddexp(a, b),
    E.HypotBackward0: lambda torch, a, b: torch.hypot(a, b),
    E.Atan2Backward0: lambda torch, a, b: torch.atan2(a, b),
    E.CopysignBackward0: lambda torch, a, b: torch.copysign(a, b),
    E.CopysignBackward1: lambda torch, a, b: torch.copysign(a, -2.0),
}
# where the derivative does not exist or overflows: zeros of both signs, infinities, NaN
EDGES = [0.0, -0.0, 1e-30, -1e-30, 3.0, -3.0, math.inf, -math.inf, math.nan]


@requires_torch
@pytest.mark.parametrize("R", list(TORCH_OPS), ids=lambda R: R.__name__)
def test_rule_is_named_as_pytorchs_grad_fn(R):
    import torch
    a = torch.tensor([0.5, 1.5], requires_grad=True)
    b = torch.tensor([1.0, -2.0])
    assert TORCH_OPS[R](torch, a, b).grad_fn.name() == R.__name__


@requires_torch
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("R", list(TORCH_OPS), ids=lambda R: R.__name__)
def test_values_and_gradients_equal_pytorchs_at_the_edges(R, dtype):
    """Every pair of edge values: forward, vjp (PyTorch's subgradients, signed zeros and NaNs
    included) and jvp, against torch.autograd.grad and forward-mode AD."""
    import torch
    import torch.autograd.forward_ad as fwad
    pairs = np.array([(x, y) for x in EDGES for y in EDGES], dtype=dtype)
    a, b = np.ascontiguousarray(pairs[:, 0]), np.ascontiguousarray(pairs[:, 1])
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    out_t = TORCH_OPS[R](torch, ta, tb)
    g = np.linspace(0.5, 1.5, a.size).astype(dtype)
    grads_t = torch.autograd.grad(out_t, [ta, tb], torch.tensor(g), allow_unused=True)
    args = (a,) if R is E.Exp2Backward0 else (a, -2.0) if R is E.CopysignBackward1 else (a, b)
    out = R.forward(None, NP, *args)
    assert out.dtype == a.dtype
    rtol = 1e-6 if dtype == "float32" else 1e-14
    np.testing.assert_allclose(out, out_t.detach().numpy(), rtol=rtol, atol=0)
    grads = _vjp(R, g, *args, edges=(MARK,) if len(args) == 1 or R is E.CopysignBackward1 else (MARK, MARK))
    for ours, theirs in zip(grads, grads_t):
        if theirs is None:
            continue
        np.testing.assert_allclose(ours, theirs.numpy(), rtol=rtol, atol=0)
        # where PyTorch gives a zero, the same zero (its sign shows in printing and in 1 / grad)
        zero = theirs.numpy() == 0
        np.testing.assert_array_equal(np.signbit(ours[zero]), np.signbit(theirs.numpy()[zero]))
    with fwad.dual_level():
        t_a = np.linspace(-1, 1, a.size).astype(dtype)
        dual = fwad.make_dual(torch.tensor(a), torch.tensor(t_a))
        tangent_t = fwad.unpack_dual(TORCH_OPS[R](torch, dual, torch.tensor(b))).tangent
    tangent = R.jvp(NP, (t_a,) + (None,) * (len(args) - 1), out, *args)
    np.testing.assert_allclose(tangent, tangent_t.numpy(), rtol=rtol, atol=0)


# ---------------------------------------------------------------------------------- recorded, end to end
RECORDED = {  # the rule applied to Tensors as a recorded op (Tensor methods name them in _tensor)
    "exp2": lambda x, w: TX.exp2(x),
    "logaddexp": lambda x, w: TX.logaddexp(x, w),
    "hypot": lambda x, w: TX.hypot(x, w),
    "atan2": lambda x, w: TX.arctan2(x, w),
    "copysign": lambda x, w: TX.copysign(x * x + 0.5, w),
    "copysign_number": lambda x, w: TX.copysign(x, -2.0) * w,
}


@pytest.mark.parametrize("name", sorted(RECORDED))
def test_gradcheck_and_gradgradcheck(name):
    """First and second derivatives (create_graph: the vjp run on Tensors through the namespace)
    against finite differences."""
    from torchless.autograd import gradcheck, gradgradcheck
    x = torchless.tensor(_draw((2, 3), 1, 0.3, 2.0), requires_grad=True)
    w = torchless.tensor(_draw((3,), 2, 0.3, 2.0) * np.array([1, -1, 1]), requires_grad=True)
    f = RECORDED[name]
    assert gradcheck(f, (x, w))
    assert gradgradcheck(f, (x, w))


@pytest.mark.parametrize("name", sorted(RECORDED))
def test_forward_mode_tangent_equals_the_vjp_contracted(name):
    """<g, J t> two ways: forward-mode AD's tangent (the rule's jvp) and backward's gradient."""
    import torchless.autograd.forward_ad as fwad
    x0, w0 = _draw((2, 3), 3, 0.3, 2.0), _draw((3,), 4, 0.3, 2.0)
    tx, tw = _draw((2, 3), 5), _draw((3,), 6)
    with fwad.dual_level():
        out = RECORDED[name](fwad.make_dual(torchless.tensor(x0), torchless.tensor(tx)),
                             fwad.make_dual(torchless.tensor(w0), torchless.tensor(tw)))
        tangent = fwad.unpack_dual(out).tangent
    x = torchless.tensor(x0, requires_grad=True)
    w = torchless.tensor(w0, requires_grad=True)
    y = RECORDED[name](x, w)
    g = _draw(tuple(y.shape), 7)
    gx, gw = torchless.autograd.grad(y, (x, w), torchless.tensor(g), allow_unused=True)
    want = (gx.numpy() * tx).sum() + (0 if gw is None else (gw.numpy() * tw).sum())
    got = 0.0 if tangent is None else (tangent.numpy() * g).sum()
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def _ulps(x, y):
    """How many float32 values lie between x and y, elementwise (same signs assumed)."""
    return np.abs(x.view(np.int32).astype(np.int64) - y.view(np.int32).astype(np.int64))


@requires_torch
@pytest.mark.parametrize("size", [4, 1000, 20000])  # below and above the size where exp2 and atan2 round from float64
@pytest.mark.parametrize("R", list(TORCH_OPS), ids=lambda R: R.__name__)
def test_float32_values_within_a_few_ulps_of_pytorchs(R, size):
    """Bit equality is not specified: PyTorch's float32 kernels depend on the CPU's vector width
    (ATEN_CPU_CAPABILITY). exp2, hypot, atan2, copysign: within 4 ulps of the result; logaddexp, whose
    result may cancel to near 0, within 2 ulps of its larger input."""
    import torch
    rng = np.random.default_rng(size)
    a = (rng.standard_normal(size) * 4).astype(np.float32)
    b = (rng.standard_normal(size) * 4).astype(np.float32)
    args = (a,) if R is E.Exp2Backward0 else (a, -2.0) if R is E.CopysignBackward1 else (a, b)
    ours = R.forward(None, NP, *args)
    theirs = TORCH_OPS[R](torch, torch.from_numpy(a), torch.from_numpy(b)).numpy()
    assert ours.dtype == theirs.dtype == np.float32
    if R is E.LogaddexpBackward0:
        scale = np.maximum(np.maximum(np.abs(a), np.abs(b)), 1)
        assert np.all(np.abs(ours - theirs) <= 2 * np.finfo(np.float32).eps * scale)
    else:
        assert _ulps(ours, theirs).max() <= 4
