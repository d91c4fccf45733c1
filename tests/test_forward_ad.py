"""Forward-mode AD: dual tensors, and every jvp rule checked against its own vjp through the identity
<J v, u> = <v, J^T u> (random v, u, float64), plus PyTorch's values, printing and errors."""
import numpy as np
import pytest

import torchless
import torchless.autograd.forward_ad as fwAD

RNG = np.random.default_rng(4)


def _t(shape, positive=False, low=None):
    a = RNG.standard_normal(shape)
    if positive:
        a = np.abs(a) + 0.5
    if low is not None:
        a = np.clip(a, low, -low) * 0.9
    return torchless.tensor(a)


M = _t((3, 4))
P = _t((3, 4), positive=True)
V = _t((4,))
INDEX = torchless.tensor([2, 0, 1])

# op name -> (function of its tensor inputs, the inputs). One entry per rule with a jvp.
OPS = {
    "add": (lambda a, b: a + b, (M, V)),
    "sub": (lambda a, b: a - b, (M, V)),
    "rsub": (lambda a: 2 - a, (M,)),
    "mul": (lambda a, b: a * b, (M, V)),
    "div": (lambda a, b: a / b, (M, P)),
    "neg": (lambda a: -a, (M,)),
    "reciprocal": (lambda a: a.reciprocal(), (P,)),
    "pow_scalar": (lambda a: a ** 3, (M,)),
    "pow_tensor": (lambda a, b: a ** b, (P, M)),
    "pow_base": (lambda b: 2.5 ** b, (M,)),
    "maximum": (lambda a, b: torchless.maximum(a, b), (M, P - 1)),
    "minimum": (lambda a, b: torchless.minimum(a, b), (M, P - 1)),
    "abs": (lambda a: a.abs(), (M,)),
    "exp": (lambda a: a.exp(), (M,)),
    "expm1": (lambda a: a.expm1(), (M,)),
    "log": (lambda a: a.log(), (P,)),
    "log2": (lambda a: a.log2(), (P,)),
    "log10": (lambda a: a.log10(), (P,)),
    "log1p": (lambda a: a.log1p(), (P,)),
    "sqrt": (lambda a: a.sqrt(), (P,)),
    "rsqrt": (lambda a: a.rsqrt(), (P,)),
    "sin": (lambda a: a.sin(), (M,)),
    "cos": (lambda a: a.cos(), (M,)),
    "tan": (lambda a: a.tan(), (M * 0.3,)),
    "sinh": (lambda a: a.sinh(), (M,)),
    "cosh": (lambda a: a.cosh(), (M,)),
    "asin": (lambda a: a.asin(), (_t((3, 4), low=-0.9),)),
    "acos": (lambda a: a.acos(), (_t((3, 4), low=-0.9),)),
    "atan": (lambda a: a.atan(), (M,)),
    "tanh": (lambda a: a.tanh(), (M,)),
    "sigmoid": (lambda a: a.sigmoid(), (M,)),
    "relu": (lambda a: a.relu(), (M,)),
    "floor": (lambda a: a.floor(), (M,)),
    "clamp": (lambda a: a.clamp(-0.5, 0.5), (M,)),
    "clamp_min": (lambda a: a.clamp_min(0.1), (M,)),
    "clamp_max": (lambda a: a.clamp_max(0.1), (M,)),
    "clone": (lambda a: a.clone(), (M,)),
    "to_float32_and_back": (lambda a: a.float().double(), (M,)),
    "view": (lambda a: a.view(2, 6), (M,)),
    "permute": (lambda a: a[None].permute(2, 0, 1), (M,)),
    "transpose": (lambda a: a.transpose(0, 1), (M,)),
    "T": (lambda a: a.T, (M,)),
    "expand": (lambda a: a.expand(2, 3, 4), (M,)),
    "unsqueeze_squeeze": (lambda a: a.unsqueeze(1).squeeze(1), (M,)),
    "narrow": (lambda a: a.narrow(1, 1, 2), (M,)),
    "repeat": (lambda a: a.repeat(2, 1), (M,)),
    "flip": (lambda a: a.flip(0), (M,)),
    "roll": (lambda a: a.roll(1, 1), (M,)),
    "split": (lambda a: a.split([1, 3], dim=1)[1], (M,)),
    "unbind": (lambda a: a.unbind(0)[2], (M,)),
    "cat": (lambda a, b: torchless.cat([a, b[None]], 0), (M, V)),
    "stack": (lambda a, b: torchless.stack([a, b]), (M, P)),
    "select_slice_index": (lambda a: a[1, 1:3], (M,)),
    "unsqueeze_index": (lambda a: a[:, None], (M,)),
    "advanced_index": (lambda a: a[INDEX], (M,)),
    "gather": (lambda a: a.gather(1, INDEX[:, None]), (M,)),
    "take": (lambda a: a.take(INDEX), (M,)),
    "masked_select": (lambda a: a.masked_select(a > 0), (M,)),
    "sum": (lambda a: a.sum(), (M,)),
    "sum_dim": (lambda a: a.sum(1, keepdim=True), (M,)),
    "mean": (lambda a: a.mean(), (M,)),
    "mean_dim": (lambda a: a.mean(0), (M,)),
    "cumsum": (lambda a: a.cumsum(1), (M,)),
    "logsumexp": (lambda a: a.logsumexp(1), (M,)),
    "max": (lambda a: a.max(), (M,)),
    "min": (lambda a: a.min(), (M,)),
    "amax": (lambda a: a.amax(0), (M,)),
    "amin": (lambda a: a.amin(1, keepdim=True), (M,)),
    "mm": (lambda a, b: a @ b, (M, M.T.clone())),
    "mv": (lambda a, b: a @ b, (M, V)),
    "dot": (lambda a, b: a @ b, (V, V * 2)),
    "matmul_batched": (lambda a, b: a[None] @ b, (M, M.T.clone())),
    "softmax": (lambda a: torchless.softmax(a, dim=1), (M,)),
    "log_softmax": (lambda a: torchless.log_softmax(a, dim=0), (M,)),
    "linear": (lambda a, w, b: torchless.nn.functional.linear(a, w, b), (M, _t((2, 4)), _t((2,)))),
    "where": (lambda a, b: torchless.where(a > 0, a, b), (M, P)),
    "div_floor": (lambda a, b: torchless.div(a, b, rounding_mode="floor"), (M, P)),
    "fmod_number": (lambda a: torchless.fmod(a, 0.7), (M,)),
    "fmod_tensor": (lambda a, b: torchless.fmod(a, b), (M, P)),
    "remainder_tensor": (lambda a, b: a % b, (M, P)),
    "masked_fill": (lambda a: a.masked_fill(a > 0.5, 2.0), (M,)),
    "masked_fill_tensor": (lambda a, v: a.masked_fill(a > 0.5, v), (M, _t(()))),
    "leaky_relu": (lambda a: torchless.nn.functional.leaky_relu(a, 0.1), (M,)),
    "mse_loss": (lambda a, b: torchless.nn.functional.mse_loss(a, b), (M, P)),
    "var": (lambda a: a.var(1), (M,)),
    "std": (lambda a: a.std(0, keepdim=True), (M,)),
    "cumprod": (lambda a: a.cumprod(1), (M,)),
    "prod": (lambda a: a.prod(), (M,)),
    "prod_dim": (lambda a: a.prod(1, keepdim=True), (M,)),
    "max_dim": (lambda a: a.max(1).values, (M,)),
    "min_dim": (lambda a: a.min(0, keepdim=True).values, (M,)),
    "median": (lambda a: a.median(), (M,)),
    "median_dim": (lambda a: a.median(1).values, (M,)),
    "norm": (lambda a: a.norm(), (M,)),
    "norm_dim": (lambda a: torchless.linalg.vector_norm(a, 3, dim=0), (M,)),
    "huber": (lambda a, b: torchless.nn.functional.huber_loss(a, b, delta=0.5), (M, P)),
    "smooth_l1_none": (lambda a, b: torchless.nn.functional.smooth_l1_loss(a, b, reduction="none"), (M, P)),
    "gelu": (lambda a: torchless.nn.functional.gelu(a), (M,)),
    "gelu_tanh": (lambda a: torchless.nn.functional.gelu(a, approximate="tanh"), (M,)),
    "clamp_tensors": (lambda a, lo, hi: a.clamp(lo, hi), (M, _t((4,)) - 0.5, _t((3, 1)) + 0.5)),
    "clamp_min_tensor": (lambda a, lo: a.clamp_min(lo), (M, _t((4,)))),
    "clamp_max_tensor": (lambda a, hi: a.clamp_max(hi), (M, _t((4,)))),
    "pad_constant": (lambda a: torchless.nn.functional.pad(a, (1, 2), value=3.0), (M,)),
    "nll_loss": (lambda a: torchless.nn.functional.nll_loss(a, INDEX), (M,)),
    "cross_entropy": (lambda a: torchless.nn.functional.cross_entropy(a, INDEX, label_smoothing=0.1), (M,)),
    "cross_entropy_none": (lambda a: torchless.nn.functional.cross_entropy(a, INDEX, reduction="none"), (M,)),
    "bce": (lambda a, b: torchless.nn.functional.binary_cross_entropy(a.sigmoid(), b.sigmoid()), (M, P)),
    "scatter": (lambda a, s: a.scatter(1, INDEX[:, None], s), (M, _t((3, 1)))),
    "scatter_value": (lambda a: a.scatter(1, INDEX[:, None], 2.0), (M,)),
    "scatter_add": (lambda a, s: a.scatter_add(1, INDEX[:, None], s), (M, _t((3, 1)))),
    "index_add": (lambda a, s: a.index_add(0, INDEX, s), (M, _t((3, 4)))),
    "bce_logits": (lambda a, b: torchless.nn.functional.binary_cross_entropy_with_logits(a, b.sigmoid()), (M, P)),
}


def _jvp(f, inputs, tangents):
    with fwAD.dual_level():
        duals = [fwAD.make_dual(x, t) for x, t in zip(inputs, tangents)]
        out = f(*duals)
        primal, tangent = fwAD.unpack_dual(out)
    return primal, tangent


@pytest.mark.parametrize("name", list(OPS))
def test_jvp_agrees_with_vjp(name):
    f, inputs = OPS[name]
    tangents = [torchless.tensor(RNG.standard_normal(tuple(x.shape))) for x in inputs]
    primal, jv = _jvp(f, inputs, tangents)
    np.testing.assert_allclose(primal.numpy(), f(*inputs).numpy(), rtol=1e-12)
    assert jv is not None and jv.shape == primal.shape and jv.dtype == primal.dtype
    u = torchless.tensor(RNG.standard_normal(tuple(primal.shape)))
    leaves = [x.detach().requires_grad_() for x in inputs]
    grads = torchless.autograd.grad(f(*leaves), leaves, u, allow_unused=True, materialize_grads=True)
    lhs = float((jv * u).sum())
    rhs = sum(float((t * g).sum()) for t, g in zip(tangents, grads))
    rel = 1e-6 if "float32" in name else 1e-9  # that one rounds its tangent to float32 on the way
    assert lhs == pytest.approx(rhs, rel=rel, abs=1e-12)


def test_closed_form_and_tangents_of_inputs_without_one():
    x = torchless.tensor([1.0, 2.0], dtype=torchless.float64)
    w = torchless.tensor([3.0, -1.0], dtype=torchless.float64)
    with fwAD.dual_level():
        d = fwAD.make_dual(x, torchless.tensor([1.0, 0.0], dtype=torchless.float64))
        y = (d * w).exp()
        _, t = fwAD.unpack_dual(y)
        np.testing.assert_allclose(t.numpy(), [3 * np.exp(3.0), 0.0])
        assert fwAD.unpack_dual(w * 2).tangent is None  # no dual input, no tangent
    assert fwAD.unpack_dual(y).tangent is None  # the level is closed: tangents are gone


def test_in_place_ops_update_the_tangent():
    with fwAD.dual_level():
        d = fwAD.make_dual(torchless.tensor([1.0, 2.0]), torchless.tensor([1.0, 1.0]))
        y = d.clone()
        y.mul_(3).add_(d)
        assert fwAD.unpack_dual(y).tangent.tolist() == [4.0, 4.0]


def test_printing_shows_the_tangent_like_torch():
    with fwAD.dual_level():
        d = fwAD.make_dual(torchless.tensor([1.0, 2.0]), torchless.tensor([1.0, 0.0]))
        assert repr(d) == "tensor([1., 2.], tangent=tensor([1., 0.]))"
        assert repr(d * 2) == "tensor([2., 4.], tangent=tensor([2., 0.]))"


class Twice(torchless.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, g):
        return g * 2


def test_errors():
    x = torchless.tensor([1.0, 2.0])
    with pytest.raises(RuntimeError, match="no level exists, make sure to enter_dual_level\\(\\) first"):
        fwAD.make_dual(x, x)
    with fwAD.dual_level():
        with pytest.raises(RuntimeError, match="Tensor is of size \\[2\\] while the given forward gradient is of size \\[3\\]"):
            fwAD.make_dual(x, torchless.ones(3))
        with pytest.raises(ValueError, match="Expected primal to be floating point or complex, but got: torch.int64"):
            fwAD.make_dual(torchless.tensor([1, 2]), torchless.tensor([1, 0]))
        with pytest.raises(RuntimeError, match="Nested forward mode AD is not supported at the moment"):
            with fwAD.dual_level():
                pass
        d = fwAD.make_dual(x, x)
        with pytest.raises(NotImplementedError, match="You must implement the jvp function for custom autograd.Function"):
            Twice.apply(d)
        with pytest.raises(NotImplementedError, match="Trying to use forward AD with .* that does not support it"):
            d // 2  # floor division has no derivative rule either way


def test_same_tangents_as_torch(torch_ref):
    a = RNG.standard_normal((3, 4))
    v = RNG.standard_normal((3, 4))
    w = RNG.standard_normal((4, 2))
    results = []
    for m in (torchless, torch_ref):
        fw = m.autograd.forward_ad
        with fw.dual_level():
            d = fw.make_dual(m.tensor(a), m.tensor(v))
            out = m.softmax((d.tanh() @ m.tensor(w)) * d.sum(), dim=1).log()
            results.append(fw.unpack_dual(out).tangent.numpy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-10)


def test_item_assignment_writes_the_tangent_too(torch_ref):
    results = []
    for m in (torchless, torch_ref):
        fw = m.autograd.forward_ad
        with fw.dual_level():
            d = fw.make_dual(m.tensor([1.0, 2.0, 3.0]), m.tensor([1.0, 1.0, 1.0]))
            y = d * 2
            y[1] = 5.0
            z = m.zeros(3)
            z[0:2] = d[1:] * 3
            z[m.tensor([2])] = d[0]
            results.append([fw.unpack_dual(y).tangent.tolist(), fw.unpack_dual(z).tangent.tolist()])
    assert results[0] == results[1] == [[2.0, 0.0, 2.0], [3.0, 3.0, 1.0]]


class ScaledProduct(torchless.autograd.Function):
    """x * y * k with its own jvp (forward's ops carry no tangents: the jvp gives them)."""

    @staticmethod
    def forward(ctx, x, y, k):
        ctx.save_for_forward(x, y)
        ctx.k = k
        return x * y * k

    @staticmethod
    def jvp(ctx, gx, gy, gk):
        x, y = ctx.saved_tensors
        assert gk is None  # not a tensor
        return (gx * y + x * gy) * ctx.k

    @staticmethod
    def backward(ctx, g):
        return None, None, None


def test_custom_function_jvp_like_torch(torch_ref):
    results = []
    for m in (torchless, torch_ref):
        class Fn(m.autograd.Function):
            forward = ScaledProduct.forward
            jvp = ScaledProduct.jvp
            backward = ScaledProduct.backward
        fw = m.autograd.forward_ad
        with fw.dual_level():
            d = fw.make_dual(m.tensor([1.0, 2.0]), m.tensor([1.0, 0.0]))
            out = Fn.apply(d, m.tensor([3.0, 4.0]), 2)
            results.append(fw.unpack_dual(out).tangent.tolist())
    assert results[0] == results[1] == [6.0, 0.0]


@pytest.mark.parametrize("name", [n for n in OPS if "float32" not in n and n not in ("floor", "div_floor")])
def test_tangents_are_differentiable(name):  # (floor's tangent is a constant zero: nothing to differentiate)
    """Reverse over forward: the tangent J(x) v, recorded, has the right gradient with respect to both
    the primal x and the tangent v (finite differences, float64), as PyTorch's tangents do."""
    f, inputs = OPS[name]
    n = len(inputs)

    def tangent(*xv):
        with fwAD.dual_level():
            duals = [fwAD.make_dual(x, v) for x, v in zip(xv[:n], xv[n:])]
            return fwAD.unpack_dual(f(*duals)).tangent

    xs = [x.detach().clone().requires_grad_() for x in inputs]
    vs = [torchless.tensor(RNG.standard_normal(tuple(x.shape))).requires_grad_() for x in inputs]
    assert tangent(*xs, *vs).requires_grad
    assert torchless.autograd.gradcheck(tangent, tuple(xs + vs))


def test_differentiable_tangents_match_torch(torch_ref):
    x0, v0 = np.array([0.3, -1.2, 2.0]), np.array([1.0, 0.5, -2.0])

    def run(m):
        x = m.tensor(x0, requires_grad=True)
        v = m.tensor(v0, requires_grad=True)
        with m.autograd.forward_ad.dual_level():
            out = (m.autograd.forward_ad.make_dual(x, v).sin() * x.exp()).sum()
            t = m.autograd.forward_ad.unpack_dual(out).tangent
        gx, gv = m.autograd.grad(t, (x, v))
        return t.item(), gx.numpy(), gv.numpy()

    got, want = run(torchless), run(torch_ref)
    assert got[0] == pytest.approx(want[0], rel=1e-12)
    np.testing.assert_allclose(got[1], want[1], rtol=1e-12)
    np.testing.assert_allclose(got[2], want[2], rtol=1e-12)


# In-place writes and tangents: (program, the tangent PyTorch gives). The dual is [1, 2, 3, 4] with
# tangent [1, 0, 0, 1]; writes through a view reach the base's tangent, fills and copies replace it.
WRITES = {
    "mul_on_a_view": (lambda d: (lambda c: (c[1:3].mul_(2), c)[1])(d.clone()), [1, 0, 0, 1]),
    "setitem": (lambda d: (lambda c: (c.__setitem__(slice(0, 2), d[2:]), c)[1])(d.clone()), [0, 1, 0, 1]),
    "base_after_a_write_into_its_view": (lambda d: (lambda c: (c.view(2, 2)[0].mul_(3), c)[1])(d.clone()),
                                         [3, 0, 0, 1]),
    "setitem_on_a_view": (lambda d: (lambda c: (c.view(2, 2)[1].__setitem__(0, d[0] * 5), c)[1])(d.clone()),
                          [1, 0, 5, 1]),
    "copy_into_a_view_of_a_plain_tensor": (lambda d: (lambda c: (c[0:2].copy_(d[2:]), c)[1])(
        torchless.zeros(4, dtype=torchless.float64)), [0, 1, 0, 0]),
    "copy_into_a_plain_tensor": (lambda d: torchless.zeros(4, dtype=torchless.float64).copy_(d * 2), [2, 0, 0, 2]),
    "zero_": (lambda d: d.clone().zero_(), [0, 0, 0, 0]),
    "fill_": (lambda d: d.clone().fill_(2.0), [0, 0, 0, 0]),
}


@pytest.mark.parametrize("name", list(WRITES))
def test_in_place_writes_carry_tangents_as_pytorch(name):
    program, want = WRITES[name]
    x = torchless.tensor([1.0, 2.0, 3.0, 4.0], dtype=torchless.float64)
    with fwAD.dual_level():
        d = fwAD.make_dual(x, torchless.tensor([1.0, 0.0, 0.0, 1.0], dtype=torchless.float64))
        tangent = fwAD.unpack_dual(program(d)).tangent
    np.testing.assert_array_equal(tangent.numpy(), want)


def test_zero_on_a_non_leaf_is_recorded(torch_ref):
    for m in (torchless, torch_ref):
        y = m.tensor([1.0, 2.0], requires_grad=True) * 2
        y.zero_()
        assert y.grad_fn.name() == "ZeroBackward0"


def test_every_rule_has_its_jvp_beside_its_vjp():
    """Each differentiable op's rule (a Node subclass in torchless/ops) defines jvp next to vjp; only
    the op PyTorch does not differentiate (floor_divide) has neither."""
    import inspect

    from torchless.engine.node import Node
    from torchless.ops import elementwise, indexing, linalg, nn, padding, reduction, shape
    rules = {cls for module in (elementwise, indexing, linalg, nn, padding, reduction, shape)
             for _, cls in inspect.getmembers(module, inspect.isclass)
             if issubclass(cls, Node) and cls.__module__ == module.__name__ and cls.vjp is not Node.vjp
             and not cls.__name__.startswith("_")}  # (_Selection, _Picked: bases of rules, not rules)
    missing = sorted(cls.__name__ for cls in rules if getattr(cls, "jvp", None) is None)
    assert len(rules) > 130 and missing == ["NotImplemented"], (len(rules), missing)
    ap = torchless.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=torchless.float64)
    from torchless.ops.indexing import AsStridedBackward0
    np.testing.assert_array_equal(AsStridedBackward0.jvp(None, (ap.numpy(),), None, np.array([[3, 0]])), [[4.0, 1.0]])
