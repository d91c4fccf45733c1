"""Complex autograd against PyTorch: every rule whose vjp follows the complex convention through
Rule.complex_rule (ops/_rule.py), in complex64 and complex128.

Each check runs one function in torchless and in PyTorch on the same complex inputs, backpropagates
the real loss sum(Re(out) * w1 + Im(out) * w2) (real weights: no complex multiplication in the loss
itself) and compares values, gradients, their dtypes and the grad_fn's name. Then: double backward
(create_graph), forward-mode tangents (t · f'(z), never conjugated), reverse mode through a
forward-mode tangent, vmap of grad, real operands meeting complex ones (their gradients are real),
vdot / linalg.vecdot (which conjugate their first operand), and the real path recording the real
rules. Closed forms (NumPy) back the values that do not need PyTorch.
"""
import numpy as np
import pytest

import torchless
import torchless.autograd.forward_ad as fwAD
from torchless.ops.elementwise import MulBackward0, TanhBackward0
from torchless.ops.linalg import MmBackward0

from ..conftest import requires_torch

COMPLEX = [np.complex64, np.complex128]
TOLERANCE = {np.complex64: 2e-4, np.complex128: 1e-9}


def _inputs(shapes, dtype, seed=0):
    """Complex arrays of `shapes` in `dtype`; a shape starting with "r" is a real array."""
    rng = np.random.default_rng(seed)
    real = np.float32 if dtype == np.complex64 else np.float64
    arrays = []
    for shape in shapes:
        if shape and shape[0] == "r":
            arrays.append(rng.standard_normal(shape[1:]).astype(real))
        else:
            arrays.append((rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype))
    return arrays


def _loss(T, out, dtype):
    """A real loss of `out` with fixed real weights (the same in both libraries)."""
    rng = np.random.default_rng(5)
    real = np.float32 if dtype == np.complex64 else np.float64
    w1 = T.tensor(rng.standard_normal(tuple(out.shape)).astype(real))
    w2 = T.tensor(rng.standard_normal(tuple(out.shape)).astype(real))
    if out.is_complex():
        return (out.real * w1 + out.imag * w2).sum()
    return (out * w1).sum()


# name: (function of (library, *tensors), input shapes)
OPS = {
    "mul": (lambda T, a, b: a * b, [(3,), (3,)]),
    "mul_broadcast": (lambda T, a, b: a * b, [(2, 3), (3,)]),
    "mul_number": (lambda T, a: a * (2 - 1j), [(3,)]),
    "number_mul": (lambda T, a: (2 - 1j) * a, [(3,)]),
    "mul_real_number": (lambda T, a: a * 2.5, [(3,)]),
    "mul_": (lambda T, a, b: (a * 1).mul_(b), [(3,), (3,)]),
    "div": (lambda T, a, b: a / b, [(3,), (3,)]),
    "div_number": (lambda T, a: a / (2 - 1j), [(3,)]),
    "number_div": (lambda T, a: (2 - 1j) / a, [(3,)]),
    "pow_2": (lambda T, a: a ** 2, [(3,)]),
    "pow_complex_number": (lambda T, a: a ** (1.5 - 0.5j), [(3,)]),
    "pow_tensors": (lambda T, a, b: a ** b, [(3,), (3,)]),
    "number_pow": (lambda T, a: (2 - 1j) ** a, [(3,)]),
    "real_number_pow": (lambda T, a: 2.0 ** a, [(3,)]),
    "square": (lambda T, a: a.square(), [(3,)]),
    "reciprocal": (lambda T, a: a.reciprocal(), [(3,)]),
    "exp": (lambda T, a: a.exp(), [(3,)]),
    "exp2": (lambda T, a: a.exp2(), [(3,)]),
    "expm1": (lambda T, a: a.expm1(), [(3,)]),
    "log": (lambda T, a: a.log(), [(3,)]),
    "log2": (lambda T, a: a.log2(), [(3,)]),
    "log10": (lambda T, a: a.log10(), [(3,)]),
    "log1p": (lambda T, a: a.log1p(), [(3,)]),
    "sqrt": (lambda T, a: a.sqrt(), [(3,)]),
    "rsqrt": (lambda T, a: a.rsqrt(), [(3,)]),
    "sin": (lambda T, a: a.sin(), [(3,)]),
    "cos": (lambda T, a: a.cos(), [(3,)]),
    "tan": (lambda T, a: a.tan(), [(3,)]),
    "sinh": (lambda T, a: a.sinh(), [(3,)]),
    "cosh": (lambda T, a: a.cosh(), [(3,)]),
    "tanh": (lambda T, a: a.tanh(), [(3,)]),
    "asin": (lambda T, a: a.asin(), [(3,)]),
    "acos": (lambda T, a: a.acos(), [(3,)]),
    "atan": (lambda T, a: a.atan(), [(3,)]),
    "sigmoid": (lambda T, a: a.sigmoid(), [(3,)]),
    "exp_": (lambda T, a: (a * 1).exp_(), [(3,)]),
    "abs": (lambda T, a: a.abs(), [(3,)]),
    "add_sub_neg": (lambda T, a, b: -(a + b) - b, [(3,), (3,)]),
    "sum": (lambda T, a: a.sum(0), [(2, 3)]),
    "mean": (lambda T, a: a.mean(1), [(2, 3)]),
    "prod": (lambda T, a: a.prod(), [(4,)]),
    "prod_dim": (lambda T, a: a.prod(1), [(2, 3)]),
    "cumsum": (lambda T, a: a.cumsum(0), [(4,)]),
    "cumprod": (lambda T, a: a.cumprod(0), [(4,)]),
    "norm": (lambda T, a: a.norm(), [(4,)]),
    "vector_norm": (lambda T, a: T.linalg.vector_norm(a, dim=1), [(2, 3)]),
    "var": (lambda T, a: a.var(), [(4,)]),
    "var_dim": (lambda T, a: a.var(1, keepdim=True), [(2, 3)]),
    "std": (lambda T, a: a.std(), [(4,)]),
    "std_dim": (lambda T, a: a.std(0, correction=0), [(3, 2)]),
    "logsumexp": (lambda T, a: T.logsumexp(a, 0), [(4,)]),
    "matmul_mm": (lambda T, a, b: a @ b, [(2, 3), (3, 4)]),
    "matmul_mv": (lambda T, a, b: a @ b, [(2, 3), (3,)]),
    "matmul_vm": (lambda T, a, b: a @ b, [(3,), (3, 2)]),
    "matmul_vv": (lambda T, a, b: a @ b, [(3,), (3,)]),
    "matmul_batch_matrix": (lambda T, a, b: a @ b, [(2, 2, 3), (3, 2)]),
    "matmul_matrix_batch": (lambda T, a, b: a @ b, [(2, 3), (4, 3, 2)]),
    "matmul_batches": (lambda T, a, b: a @ b, [(2, 2, 3), (2, 3, 2)]),
    "matmul_vector_batch": (lambda T, a, b: a @ b, [(3,), (2, 3, 2)]),
    "matmul_batch_vector": (lambda T, a, b: a @ b, [(2, 2, 3), (3,)]),
    "mm": (lambda T, a, b: T.mm(a, b), [(2, 3), (3, 4)]),
    "mv": (lambda T, a, b: T.mv(a, b), [(2, 3), (3,)]),
    "bmm": (lambda T, a, b: T.bmm(a, b), [(2, 2, 3), (2, 3, 2)]),
    "dot": (lambda T, a, b: T.dot(a, b), [(3,), (3,)]),
    "vdot": (lambda T, a, b: T.vdot(a, b), [(3,), (3,)]),
    "vecdot": (lambda T, a, b: T.linalg.vecdot(a, b), [(2, 3), (3,)]),
    "outer": (lambda T, a, b: T.outer(a, b), [(3,), (2,)]),
    "linear_2d": (lambda T, x, w, b: T.nn.functional.linear(x, w, b), [(2, 3), (4, 3), (4,)]),
    "linear_1d": (lambda T, x, w: T.nn.functional.linear(x, w), [(3,), (4, 3)]),
    "linear_3d": (lambda T, x, w, b: T.nn.functional.linear(x, w, b), [(2, 2, 3), (4, 3), (4,)]),
    "where": (lambda T, a, b: T.where(a.real > 0, a * b, b), [(4,), (4,)]),
    "real_times_complex": (lambda T, a, b: (b * 2) * a, [(3,), ("r", 3)]),
    "complex_plus_real": (lambda T, a, b: ((b * 2) + a).exp(), [(3,), ("r", 3)]),
    "real_div_complex": (lambda T, a, b: (b * 2) / a, [(3,), ("r", 3)]),
    "real_pow_complex_number": (lambda T, a, b: (b.abs() + 1) ** (1 - 1j) * a, [(3,), ("r", 3)]),
    "complex_number_pow_real": (lambda T, a, b: (2 - 1j) ** (b * 1) + a, [(3,), ("r", 3)]),
    "real_plus_complex_number": (lambda T, a, b: ((b * 2) + 1j).sin() * a, [(3,), ("r", 3)]),
    "real_from_complex_times": (lambda T, a, b: a.var() * a + b.sum(), [(3,), ("r", 3)]),
}


def _run(T, name, arrays):
    f, _ = OPS[name]
    tensors = [T.tensor(x, requires_grad=True) for x in arrays]
    out = f(T, *tensors)
    grads = T.autograd.grad(_loss(T, out, arrays[0].dtype.type), tensors, allow_unused=True)
    return out, grads


@requires_torch
@pytest.mark.parametrize("dtype", COMPLEX, ids=["complex64", "complex128"])
@pytest.mark.parametrize("name", OPS)
def test_complex_gradient_matches_pytorch(torch_ref, name, dtype):
    arrays = _inputs(OPS[name][1], dtype)
    expected_out, expected = _run(torch_ref, name, arrays)
    out, grads = _run(torchless, name, arrays)
    tol = TOLERANCE[dtype]
    np.testing.assert_allclose(out.detach().numpy(), expected_out.detach().numpy(), rtol=tol, atol=tol)
    assert str(out.dtype) == str(expected_out.dtype)
    assert type(out.grad_fn).__name__ == type(expected_out.grad_fn).__name__
    for got, want in zip(grads, expected):
        assert (got is None) == (want is None)
        if want is not None:
            assert str(got.dtype) == str(want.dtype)
            np.testing.assert_allclose(got.numpy(), want.resolve_conj().numpy(), rtol=tol, atol=tol)


# ---------------------------------------------------------------------------- second order
SECOND_ORDER = {
    "mul": (lambda T, a, b: a * b * a, [(3,), (3,)]),
    "exp": (lambda T, a, b: (a * b).exp(), [(3,), (3,)]),
    "tanh": (lambda T, a, b: (a * b).tanh(), [(3,), (3,)]),
    "sigmoid": (lambda T, a, b: (a * b).sigmoid(), [(3,), (3,)]),
    "div": (lambda T, a, b: a / b, [(3,), (3,)]),
    "pow": (lambda T, a, b: a ** b, [(3,), (3,)]),
    "log": (lambda T, a, b: (a * b).log(), [(3,), (3,)]),
    "matmul": (lambda T, a, b: (a @ b) * a.sum(), [(2, 2), (2, 2)]),
    "prod": (lambda T, a, b: (a * b).prod(), [(3,), (3,)]),
    "cumprod": (lambda T, a, b: (a * b).cumprod(0), [(3,), (3,)]),
    "dot": (lambda T, a, b: T.dot(a, b) * a, [(3,), (3,)]),
    "vdot": (lambda T, a, b: T.vdot(a, b) * a, [(3,), (3,)]),
    "var": (lambda T, a, b: (a * b).var() * a, [(3,), (3,)]),
    "std": (lambda T, a, b: (a * b).std() * a, [(3,), (3,)]),
    "logsumexp": (lambda T, a, b: T.logsumexp(a * b, 0) * a, [(3,), (3,)]),
    "linear": (lambda T, a, b: T.nn.functional.linear(a, b) * a.sum(), [(2, 2), (2, 2)]),
    "exp2": (lambda T, a, b: (a * b).exp2(), [(3,), (3,)]),
    "abs": (lambda T, a, b: (a * b).abs() * a, [(3,), (3,)]),
    "norm": (lambda T, a, b: (a * b).norm() * a, [(3,), (3,)]),
    "vector_norm_1": (lambda T, a, b: T.linalg.vector_norm(a * b, 1) * a, [(3,), (3,)]),
    "vector_norm_3": (lambda T, a, b: T.linalg.vector_norm(a * b, 3) * a, [(3,), (3,)]),
}


def _second_order(T, name, arrays, directions):
    """The gradient (create_graph=True), the gradient of a real function of it, and the forward-mode
    tangent along `directions`."""
    f, _ = SECOND_ORDER[name]
    tensors = [T.tensor(x, requires_grad=True) for x in arrays]
    grads = T.autograd.grad(_loss(T, f(T, *tensors), arrays[0].dtype.type), tensors, create_graph=True)
    second = sum((g * T.tensor(v).conj()).real.sum() for g, v in zip(grads, directions))
    seconds = T.autograd.grad(second, tensors)
    with T.autograd.forward_ad.dual_level():
        duals = [T.autograd.forward_ad.make_dual(T.tensor(x), T.tensor(v)) for x, v in zip(arrays, directions)]
        tangent = T.autograd.forward_ad.unpack_dual(f(T, *duals)).tangent
    return [g.detach().numpy() for g in grads], [g.numpy() for g in seconds], tangent.numpy()


@requires_torch
@pytest.mark.parametrize("name", SECOND_ORDER)
def test_double_backward_and_forward_mode_match_pytorch(torch_ref, name):
    shapes = SECOND_ORDER[name][1]
    arrays = _inputs(shapes, np.complex128, seed=1)
    directions = _inputs(shapes, np.complex128, seed=2)
    expected = _second_order(torch_ref, name, arrays, directions)
    got = _second_order(torchless, name, arrays, directions)
    for g, e in zip(got[0] + got[1] + [got[2]], expected[0] + expected[1] + [expected[2]]):
        np.testing.assert_allclose(g, e, rtol=1e-8, atol=1e-10)


@requires_torch
@pytest.mark.parametrize("name", ["prod", "prod_dim", "mul", "cumprod", "matmul", "var"])
def test_reverse_mode_through_a_forward_mode_tangent_matches_pytorch(torch_ref, name):
    f = {"prod": lambda x: x.prod(), "prod_dim": lambda x: x.reshape(1, 3).prod(1), "mul": lambda x: x * x,
         "cumprod": lambda x: x.cumprod(0), "matmul": lambda x: x.reshape(3, 1) @ x.reshape(1, 3),
         "var": lambda x: x.var()}[name]
    x0, t0 = _inputs([(3,), (3,)], np.complex128, seed=4)
    results = []
    for T in (torch_ref, torchless):
        x = T.tensor(x0, requires_grad=True)
        with T.autograd.forward_ad.dual_level():
            tangent = T.autograd.forward_ad.unpack_dual(f(T.autograd.forward_ad.make_dual(x, T.tensor(t0)))).tangent
        loss = (tangent.real * 2 + tangent.imag * 3).sum() if tangent.is_complex() else tangent.sum()
        results.append((tangent.detach().numpy(), T.autograd.grad(loss, x)[0].numpy()))
    for got, want in zip(results[1], results[0]):
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)


@requires_torch
@pytest.mark.parametrize("name", ["exp", "matmul", "prod", "var", "vdot"])
def test_vmap_of_grad_matches_pytorch(torch_ref, name):
    X, M = _inputs([(4, 3), (3, 3)], np.complex128, seed=3)
    c = M[0]
    f = {"exp": lambda T: lambda x: (x * T.tensor(c)).exp().abs().sum(),
         "matmul": lambda T: lambda x: (T.tensor(M) @ x).tanh().abs().sum(),
         "prod": lambda T: lambda x: x.prod().abs(),
         "var": lambda T: lambda x: x.sigmoid().var(),
         "vdot": lambda T: lambda x: T.vdot(x, T.tensor(c)).abs()}[name]
    expected = torch_ref.func.vmap(torch_ref.func.grad(f(torch_ref)))(torch_ref.tensor(X)).numpy()
    got = torchless.func.vmap(torchless.func.grad(f(torchless)))(torchless.tensor(X)).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)


# ---------------------------------------------------------------------------- closed forms
def test_vdot_conjugates_its_first_operand():
    a = torchless.tensor([1 + 2j, 3 - 1j], requires_grad=True)
    b = torchless.tensor([2 - 1j, 1j], requires_grad=True)
    out = torchless.vdot(a, b)
    assert out.item() == np.vdot(a.detach().numpy(), b.detach().numpy())
    assert type(out.grad_fn).__name__ == "VdotBackward0"
    out.real.backward()  # d Re(sum(conj(a) b)): d/da = b, d/db = a (dL/dx + i dL/dy)
    np.testing.assert_allclose(a.grad.numpy(), b.detach().numpy())
    np.testing.assert_allclose(b.grad.numpy(), a.detach().numpy())


def test_vdot_of_real_tensors_is_dot():
    a = torchless.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = torchless.tensor([4.0, -1.0, 0.5])
    out = torchless.vdot(a, b)
    assert out.item() == 3.5 and type(out.grad_fn).__name__ == "VdotBackward0"
    out.backward()
    np.testing.assert_array_equal(a.grad.numpy(), b.numpy())


def test_vdot_checks_its_operands():
    with pytest.raises(RuntimeError, match="1D tensors expected"):
        torchless.vdot(torchless.ones(2, 2), torchless.ones(2, 2))
    with pytest.raises(RuntimeError, match="inconsistent tensor size"):
        torchless.vdot(torchless.ones(2), torchless.ones(3))
    with pytest.raises(RuntimeError, match="vdot : expected both vectors to have same dtype"):
        torchless.vdot(torchless.ones(2), torchless.ones(2, dtype=torchless.float64))


def test_linalg_vecdot_conjugates_its_first_operand():
    x = np.array([[1 + 2j, 3 - 1j], [0.5j, 2.0]])
    y = np.array([2 - 1j, 1j])
    got = torchless.linalg.vecdot(torchless.tensor(x), torchless.tensor(y)).numpy()
    np.testing.assert_allclose(got, (np.conj(x) * y).sum(-1))


def test_complex_sigmoid_var_and_std_values():
    z = np.array([1 + 2j, 3 - 1j, -0.5 + 0.5j, 2j])
    t = torchless.tensor(z)
    np.testing.assert_allclose(t.sigmoid().numpy(), 1 / (1 + np.exp(-z)))
    variance = (np.abs(z - z.mean()) ** 2).sum() / 3
    assert t.var().dtype is torchless.float64 and t.std().dtype is torchless.float64
    np.testing.assert_allclose(t.var().item(), variance)
    np.testing.assert_allclose(t.std().item(), np.sqrt(variance))
    small = torchless.tensor(z.astype(np.complex64))
    assert small.var().dtype is torchless.float32


def test_real_operands_get_real_gradients():
    """A real tensor meeting a complex one is cast by a recorded to(): its gradient is the real
    part of the complex one (PyTorch's rule), also through autograd.grad on a non-leaf path."""
    x = torchless.tensor([1.0, 2.0], requires_grad=True)
    y = torchless.tensor([1 + 2j, 3 - 1j])
    out = (x * 2) * y  # d/dx of Re(out) * 3 + Im(out) * 5 = 2 (3 Re y + 5 Im y)
    (g,) = torchless.autograd.grad((out.real * 3 + out.imag * 5).sum(), x)
    assert g.dtype is torchless.float32
    np.testing.assert_allclose(g.numpy(), 2 * (3 * y.numpy().real + 5 * y.numpy().imag))


def test_complex_rules_keep_pytorchs_names_and_real_tensors_record_the_real_rules():
    x = torchless.tensor([0.5, 1.0], requires_grad=True)
    z = torchless.tensor([0.5 + 1j, 1.0 - 2j], requires_grad=True)
    m = torchless.ones(2, 2, requires_grad=True)
    assert type((x * x).grad_fn) is MulBackward0 and type(x.tanh().grad_fn) is TanhBackward0
    assert type((m @ m).grad_fn) is MmBackward0
    for out, rule in ((z * z, MulBackward0), (z.tanh(), TanhBackward0), (z * 2, MulBackward0),
                      (m.to(torchless.complex128) @ m.to(torchless.complex128), MmBackward0)):
        node = out.grad_fn
        assert type(node) is rule.complex_rule() and isinstance(node, rule)
        assert type(node).__name__ == node.name() == rule.__name__
    assert MulBackward0.complex_rule().complex_rule() is MulBackward0.complex_rule()
    from torchless.ops.elementwise import AddBackward0
    assert AddBackward0.complex_rule() is AddBackward0  # not holomorphic: its own


def test_forward_mode_of_a_holomorphic_op_is_not_conjugated():
    z0, t0 = np.array([1 + 2j, -0.5 + 1j]), np.array([0.25 - 1j, 2 + 0.5j])
    with fwAD.dual_level():
        out = fwAD.make_dual(torchless.tensor(z0), torchless.tensor(t0)).exp()
        tangent = fwAD.unpack_dual(out).tangent.numpy()
    np.testing.assert_allclose(tangent, t0 * np.exp(z0))


def test_complex_arrays_with_an_equal_but_distinct_dtype_object_take_the_complex_rules():
    """An unpickled array's complex128 dtype equals NumPy's but is another object: the appliers'
    identity shortcuts must not send it down the real path (x * x: one array, one dtype object)."""
    import pickle
    array = pickle.loads(pickle.dumps(np.array([1 + 2j, 3 - 1j, -0.5j])))
    assert array.dtype == np.complex128 and array.dtype is not np.dtype(np.complex128)
    x = torchless.from_numpy(array).requires_grad_()
    (x * x).real.sum().backward()  # d Re(z²) = 2 conj(z) in dL/dx + i dL/dy
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.conj(array))
    x.grad = None
    x.tanh().imag.sum().backward()  # d Im(tanh z) = i conj(1 - tanh² z)
    np.testing.assert_allclose(x.grad.numpy(), 1j * np.conj(1 - np.tanh(array) ** 2))
