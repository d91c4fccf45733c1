"""exp2, logaddexp, hypot, atan2 (arctan2) and copysign as Tensor methods, torch functions and
in-place methods: values, dtypes and errors against PyTorch; gradients by finite differences
(gradcheck) and against PyTorch; forward-mode tangents against PyTorch's; vmap; explain."""
import inspect

import numpy as np
import pytest

import torchless
from torchless.autograd import forward_ad

from ..conftest import assert_same, requires_torch

TWO_TENSOR_OPS = ["logaddexp", "hypot", "atan2", "arctan2", "copysign"]
IN_PLACE = ["exp2_", "hypot_", "atan2_", "arctan2_", "copysign_"]
A = [0.5, -1.25, 2.0, -0.75]
B = [1.5, 0.25, -3.0, -2.0]


def _pair(lib, dtype="float64", requires_grad=False):
    dt = getattr(lib, dtype)
    a = lib.tensor(A, dtype=dt).reshape(2, 2).requires_grad_(requires_grad)
    b = lib.tensor(B, dtype=dt).reshape(2, 2).requires_grad_(requires_grad)
    return a, b


def _call(lib, name, *args):
    return getattr(lib, name)(*args)


def test_each_op_is_declared_with_its_own_name_and_docstring():
    for name in ["exp2"] + TWO_TENSOR_OPS + IN_PLACE:
        method = getattr(torchless.Tensor, name)
        doc = inspect.getdoc(method) or ""
        assert doc and "Backward" not in doc, name
        assert method.__qualname__.startswith("Tensor."), name
    for name in ["exp2"] + TWO_TENSOR_OPS:
        assert inspect.getdoc(getattr(torchless, name)), name
    assert torchless.Tensor.arctan2 is torchless.Tensor.atan2


def test_closed_forms():
    a = torchless.tensor([0.0, 1.0, 3.0], dtype=torchless.float64)
    b = torchless.tensor([4.0, -1.0, 0.0], dtype=torchless.float64)
    np.testing.assert_allclose(a.exp2().numpy(), [1.0, 2.0, 8.0])
    np.testing.assert_allclose(torchless.hypot(torchless.tensor([3.0]), torchless.tensor([4.0])).numpy(), [5.0])
    np.testing.assert_allclose(torchless.logaddexp(a, b).numpy(), np.log(np.exp(a.numpy()) + np.exp(b.numpy())))
    np.testing.assert_allclose(torchless.atan2(a, b).numpy(), [0.0, 3 * np.pi / 4, np.pi / 2])
    np.testing.assert_allclose(torchless.copysign(a + 1, b).numpy(), [1.0, -2.0, 4.0])


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", TWO_TENSOR_OPS)
def test_two_tensor_ops_match_torch(torch_ref, name, dtype):
    ours = _call(torchless, name, *_pair(torchless, dtype))
    theirs = _call(torch_ref, name, *_pair(torch_ref, dtype))
    assert_same(ours, theirs)
    method = getattr(_pair(torchless, dtype)[0], name)(_pair(torchless, dtype)[1])
    assert_same(method, theirs)


@requires_torch
@pytest.mark.parametrize("lhs, rhs", [("int64", "int64"), ("int64", "float32"), ("bool", "float64"),
                                      ("float32", "float64"), ("int32", "bool")])
@pytest.mark.parametrize("name", ["exp2"] + TWO_TENSOR_OPS)
def test_dtypes_and_errors_match_torch(torch_ref, name, lhs, rhs):
    def run(lib):
        a = lib.tensor([1, 0, 1]).to(getattr(lib, lhs))
        b = lib.tensor([0, 1, 1]).to(getattr(lib, rhs))
        try:
            return getattr(lib, name)(a) if name == "exp2" else getattr(lib, name)(a, b)
        except Exception as error:  # the same error type and message in both
            return error
    ours, theirs = run(torchless), run(torch_ref)
    if isinstance(theirs, Exception):
        assert type(ours) is type(theirs) and str(ours) == str(theirs), (ours, theirs)
    else:
        assert_same(ours, theirs)


@requires_torch
@pytest.mark.parametrize("name", ["logaddexp", "hypot", "atan2"])
def test_a_number_operand_is_refused_as_torch_does(torch_ref, name):
    def run(lib):
        with pytest.raises(TypeError) as info:
            getattr(lib.tensor([1.0]), name)(2.0)
        return str(info.value)
    assert run(torchless) == run(torch_ref)


@requires_torch
@pytest.mark.parametrize("number", [-2.0, 3, 0.0, -0.0])
def test_copysign_with_a_number_matches_torch(torch_ref, number):
    def run(lib):
        x = lib.tensor([1.5, -2.0, 0.0], requires_grad=True)
        out = lib.copysign(x, number)
        out.sum().backward()
        return out, x.grad, len(out.grad_fn.next_functions), type(out.grad_fn).__name__
    ours, theirs = run(torchless), run(torch_ref)
    assert_same(ours[0], theirs[0])
    assert_same(ours[1], theirs[1])
    assert ours[2:] == theirs[2:]


@requires_torch
@pytest.mark.parametrize("name", ["exp2"] + TWO_TENSOR_OPS)
def test_gradients_match_torch(torch_ref, name):
    def run(lib):
        a, b = _pair(lib, "float64", requires_grad=True)
        out = getattr(lib, name)(a) if name == "exp2" else getattr(lib, name)(a, b)
        (out * lib.tensor([[1.0, -2.0], [0.5, 3.0]], dtype=lib.float64)).sum().backward()
        return out, a.grad, b.grad, type(out.grad_fn).__name__
    ours, theirs = run(torchless), run(torch_ref)
    for o, t in zip(ours[:2], theirs[:2]):
        assert_same(o, t, rtol=1e-12, atol=1e-12)
    if theirs[2] is None:
        assert ours[2] is None
    else:
        assert_same(ours[2], theirs[2], rtol=1e-12, atol=1e-12)
    assert ours[3] == theirs[3]


@pytest.mark.parametrize("name", ["exp2"] + TWO_TENSOR_OPS)
def test_gradcheck_finite_differences(name):
    a, b = _pair(torchless, "float64", requires_grad=True)
    if name == "exp2":
        assert torchless.autograd.gradcheck(torchless.exp2, (a,))
    elif name == "copysign":  # smooth in a away from 0; b only picks the sign
        assert torchless.autograd.gradcheck(lambda x: torchless.copysign(x, b.detach()), (a,))
    else:
        assert torchless.autograd.gradcheck(getattr(torchless, name), (a, b))
        assert torchless.autograd.gradgradcheck(getattr(torchless, name), (a, b))


def test_broadcast_gradients_are_summed_back():
    a = torchless.tensor([[0.5], [-1.0]], dtype=torchless.float64, requires_grad=True)
    b = torchless.tensor([1.0, 2.0, -3.0], dtype=torchless.float64, requires_grad=True)
    assert torchless.autograd.gradcheck(torchless.hypot, (a, b))
    assert torchless.autograd.gradcheck(torchless.atan2, (a, b))
    assert torchless.autograd.gradcheck(torchless.logaddexp, (a, b))


@requires_torch
@pytest.mark.parametrize("name", ["exp2"] + TWO_TENSOR_OPS)
def test_forward_mode_tangents_match_torch(torch_ref, name):
    def run(lib):
        a, b = _pair(lib, "float64")
        ta = lib.tensor([[0.3, -0.1], [1.0, 0.5]], dtype=lib.float64)
        tb = lib.tensor([[-0.2, 0.4], [0.7, -1.0]], dtype=lib.float64)
        fwd = lib.autograd.forward_ad
        with fwd.dual_level():
            da, db = fwd.make_dual(a, ta), fwd.make_dual(b, tb)
            out = getattr(lib, name)(da) if name == "exp2" else getattr(lib, name)(da, db)
            return fwd.unpack_dual(out).tangent
    assert_same(run(torchless), run(torch_ref), rtol=1e-12, atol=1e-12)


def test_forward_mode_through_the_in_place_form():
    a, b = _pair(torchless, "float64")
    with forward_ad.dual_level():
        x = forward_ad.make_dual(a.clone(), torchless.ones(2, 2, dtype=torchless.float64))
        x.hypot_(b)
        tangent = forward_ad.unpack_dual(x).tangent
    np.testing.assert_allclose(tangent.numpy(), (a / torchless.hypot(a, b)).numpy())


@requires_torch
@pytest.mark.parametrize("name", IN_PLACE)
def test_in_place_forms_match_torch(torch_ref, name):
    def run(lib):
        a, b = _pair(lib, "float32")
        leaf = a.clone().requires_grad_(True)
        x = leaf * 1
        out = getattr(x, name)() if name == "exp2_" else getattr(x, name)(b)
        out.sum().backward()
        return out, x, leaf.grad, out is x, x._version if hasattr(x, "_version") else None
    ours, theirs = run(torchless), run(torch_ref)
    assert_same(ours[0], theirs[0])
    assert_same(ours[2], theirs[2])
    assert ours[3] and theirs[3]
    assert ours[4] == theirs[4]


@requires_torch
@pytest.mark.parametrize("name", ["exp2_", "atan2_", "copysign_"])
def test_in_place_on_an_integer_tensor_is_refused_as_torch_does(torch_ref, name):
    def run(lib):
        x = lib.tensor([1, 2])
        with pytest.raises(RuntimeError) as info:
            getattr(x, name)() if name == "exp2_" else getattr(x, name)(x)
        return str(info.value)
    assert run(torchless) == run(torch_ref)


@pytest.mark.parametrize("name", ["exp2"] + TWO_TENSOR_OPS)
def test_vmap_applies_the_op_per_example(name):
    a, b = _pair(torchless, "float64")
    fn = getattr(torchless, name)
    if name == "exp2":
        batched = torchless.func.vmap(fn)(a)
        expected = torchless.stack([fn(row) for row in a])
    else:
        batched = torchless.func.vmap(fn, in_dims=(0, None))(a, b[0])
        expected = torchless.stack([fn(row, b[0]) for row in a])
    np.testing.assert_allclose(batched.numpy(), expected.numpy())


@pytest.mark.parametrize("name", ["exp2"] + TWO_TENSOR_OPS)
def test_explain_names_the_op(name):
    a, b = _pair(torchless, "float64", requires_grad=True)
    out = getattr(torchless, name)(a) if name == "exp2" else getattr(torchless, name)(a, b)
    text = str(torchless.autograd.explain(out.sum(), [a]))
    assert type(out.grad_fn).__name__ in text


@requires_torch
def test_negative_zero_is_not_taken_for_zero(torch_ref):
    """Number operands are cached by value, and -0.0 == 0.0: the sign must survive the cache."""
    def run(lib):
        x = lib.tensor([1.0, -2.0])
        return [x * 0.0, x * -0.0, lib.copysign(x, 0.0), lib.copysign(x, -0.0), x + -0.0]
    for ours, theirs in zip(run(torchless), run(torch_ref)):
        assert_same(ours, theirs)
        np.testing.assert_array_equal(np.signbit(ours.numpy()), np.signbit(theirs.numpy()))
