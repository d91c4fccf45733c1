"""Complex conjugation and complex parts: conj, conj_physical(_), resolve_conj, is_conj,
resolve_neg, is_neg, the conjugate transposes mH, H and adjoint(), and real / imag.

Oracles: closed forms, central finite differences of real-valued losses (PyTorch's convention: the
gradient of a real L with respect to z = x + iy is dL/dx + i dL/dy), and PyTorch where installed.

The known difference from PyTorch, by design: torchless conjugates at once. conj(), mH, H and
adjoint() of a complex tensor are new tensors, never views with the conjugate bit set, so
is_conj() is False for them (PyTorch: True), and writing into them leaves their input alone.
"""
import warnings

import numpy as np
import pytest

import torchless
import torchless.autograd.forward_ad as fwAD
from torchless.func import vmap

from ..conftest import requires_torch

Z = [[1 + 2j, 3 - 1j, -0.5j], [2.0, -1.5 + 0.25j, 4 + 4j]]
V = [[0.5 - 1j, 2 + 1j, 1j], [-3.0, 0.75 - 2j, 1 + 0j]]
COMPLEX = ["complex64", "complex128"]


def _z(dtype="complex128", data=Z, requires_grad=False):
    return torchless.tensor(data, dtype=getattr(torchless, dtype), requires_grad=requires_grad)


def _numerical_gradient(loss, z, eps=1e-6):
    """dL/dx + i dL/dy of a real loss at every element of the complex array z (central differences)."""
    z = np.array(z, dtype=np.complex128)
    grad = np.zeros_like(z)
    for index in np.ndindex(z.shape):
        for direction in (1, 1j):
            up, down = z.copy(), z.copy()
            up[index] += eps * direction
            down[index] -= eps * direction
            grad[index] += direction * (loss(up) - loss(down)) / (2 * eps)
    return grad


def _loss_gradient(f, z):
    """The gradient torchless's backward gives for the real loss sum(|f(z)|), and its finite
    differences (|.| is the one complex op whose vjp this file does not test, and it is right:
    d|w| = Re(conj(w / |w|) dw))."""
    def loss(array):
        return float(f(torchless.tensor(array)).abs().sum())
    t = torchless.tensor(np.array(z, dtype=np.complex128), requires_grad=True)
    f(t).abs().sum().backward()
    return t.grad.numpy(), _numerical_gradient(loss, z)


# ---------------------------------------------------------------------------- conj
@pytest.mark.parametrize("dtype", COMPLEX)
def test_conj_negates_the_imaginary_part(dtype):
    z = _z(dtype)
    expected = np.conj(np.array(Z, dtype=dtype))
    for result in (z.conj(), torchless.conj(z), z.conj_physical(), torchless.conj_physical(z)):
        assert result.dtype == z.dtype and result is not z
        np.testing.assert_array_equal(result.numpy(), expected)
        assert not result.is_conj() and not torchless.is_conj(result)
        assert result.resolve_conj() is result and torchless.resolve_conj(result) is result


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "uint8", "bool"])
def test_conj_of_a_tensor_that_is_not_complex_is_the_tensor_itself(dtype):
    x = torchless.tensor([1, 0, 2]).to(getattr(torchless, dtype))
    for f in (lambda t: t.conj(), torchless.conj, lambda t: t.conj_physical(), torchless.conj_physical,
              lambda t: t.resolve_conj(), torchless.resolve_conj, lambda t: t.resolve_neg(), torchless.resolve_neg):
        assert f(x) is x
    assert not x.is_conj() and not x.is_neg() and not torchless.is_neg(x)
    w = torchless.tensor([1.0, 2.0], requires_grad=True)
    assert w.conj() is w and torchless.conj(w) is w


def test_the_vjp_of_conj_is_the_conjugate_of_g():
    z = _z(requires_grad=True)
    v = _z(data=V)
    for f in (torchless.conj, torchless.conj_physical):
        (g,) = torchless.autograd.grad(f(z), z, v)
        np.testing.assert_array_equal(g.numpy(), np.conj(np.array(V)))
    ours, numerical = _loss_gradient(lambda t: (t.conj() - torchless.tensor(V)), Z)
    np.testing.assert_allclose(ours, numerical, rtol=1e-6, atol=1e-7)


def test_conj_twice_is_differentiable_twice():
    z = _z(requires_grad=True)
    v = _z(data=V, requires_grad=True)
    (g,) = torchless.autograd.grad(z.conj(), z, v, create_graph=True)  # g = conj(v)
    assert g.grad_fn is not None and type(g.grad_fn).__name__ == "ConjBackward0"
    (gg,) = torchless.autograd.grad(g, v, _z(data=Z))  # the vjp of conj again: conj(z)
    np.testing.assert_array_equal(gg.numpy(), np.conj(np.array(Z)))


def test_forward_mode_conjugates_the_tangent():
    z, t = _z(), _z(data=V)
    with fwAD.dual_level():
        dual = fwAD.make_dual(z, t)
        for f in (torchless.conj, torchless.conj_physical):
            out = fwAD.unpack_dual(f(dual))
            np.testing.assert_array_equal(out.primal.numpy(), np.conj(np.array(Z)))
            np.testing.assert_array_equal(out.tangent.numpy(), np.conj(np.array(V)))


def test_vmap_of_conj():
    z = _z()
    for f in (torchless.conj, lambda t: t.conj_physical()):
        np.testing.assert_array_equal(vmap(f)(z).numpy(), np.conj(np.array(Z)))
        np.testing.assert_array_equal(vmap(f, in_dims=1)(z).numpy(), np.conj(np.array(Z)).T)


def test_conj_physical_in_place():
    z = _z()
    version = z._version
    assert z.conj_physical_() is z and z._version == version + 1
    np.testing.assert_array_equal(z.numpy(), np.conj(np.array(Z)))
    leaf = _z(requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        leaf.conj_physical_()
    w = leaf * 1
    w.conj_physical_()
    assert type(w.grad_fn).__name__ == "ConjPhysicalBackward1"
    (g,) = torchless.autograd.grad(w, leaf, _z(data=V))
    np.testing.assert_array_equal(g.numpy(), np.conj(np.array(V)))
    x = torchless.tensor([1.0, -2.0])
    assert x.conj_physical_() is x and x._version == 1 and x.tolist() == [1.0, -2.0]


# ---------------------------------------------------------------------------- conjugate transposes
@pytest.mark.parametrize("dtype", COMPLEX)
def test_mH_H_and_adjoint_conjugate_and_transpose(dtype):
    m = _z(dtype)
    expected = np.conj(np.array(Z, dtype=dtype)).T
    for result in (m.mH, m.H, m.adjoint(), torchless.adjoint(m)):
        assert result.dtype == m.dtype
        np.testing.assert_array_equal(result.numpy(), expected)
    batch = torchless.stack([m, m * 2])
    np.testing.assert_array_equal(batch.mH.numpy(), np.conj(batch.numpy()).swapaxes(-1, -2))
    np.testing.assert_array_equal(batch.adjoint().numpy(), batch.mH.numpy())
    real = torchless.tensor([[1.0, 2.0, 3.0]])
    for result in (real.mH, real.H, real.adjoint()):
        np.testing.assert_array_equal(result.numpy(), [[1.0], [2.0], [3.0]])


def test_gradients_through_mH_and_adjoint():
    for f in (lambda t: t.mH, lambda t: t.H, lambda t: t.adjoint()):
        ours, numerical = _loss_gradient(lambda t: f(t) - torchless.tensor(np.array(V).T), Z)
        np.testing.assert_allclose(ours, numerical, rtol=1e-6, atol=1e-7)
    m = _z(requires_grad=True)
    assert type(m.mH.grad_fn).__name__ == "ConjBackward0"
    assert type(m.mH.grad_fn.next_functions[0][0]).__name__ == "TransposeBackward0"


def test_conjugate_transposes_of_0d_and_1d_tensors():
    c = torchless.tensor(1 + 1j)
    for name, f in (("Tensor.mH", lambda t: t.mH), ("Tensor.H", lambda t: t.H), ("adjoint()", lambda t: t.adjoint())):
        with pytest.warns(UserWarning, match=rf"^{name.replace('(', '[(]').replace(')', '[)]')} is deprecated on "
                                             r"0-D tensors. Consider using x.conj\(\).$"):
            assert f(c).item() == 1 - 1j
    with pytest.warns(UserWarning, match="Tensor.mT is deprecated on 0-D tensors. This function is the identity"):
        assert c.mT is c
    with pytest.raises(RuntimeError, match=r"^tensor.mH is only supported on matrices or batches of matrices. "
                                           r"Got 1-D tensor.$"):
        torchless.tensor([1j]).mH
    with pytest.raises(RuntimeError, match=r"^tensor.adjoint\(\) is only supported on matrices or batches of "
                                           r"matrices. Got 1-D tensor.$"):
        torchless.tensor([1.0]).adjoint()
    with pytest.raises(RuntimeError, match=r"^tensor.H is only supported on matrices \(2-D tensors\). Got 1-D"):
        torchless.tensor([1j]).H


# ---------------------------------------------------------------------------- real and imag
@pytest.mark.parametrize("dtype, part", [("complex64", "float32"), ("complex128", "float64")])
def test_real_and_imag_are_views_of_the_parts(dtype, part):
    z = _z(dtype)
    array = np.array(Z, dtype=dtype)
    for real in (z.real, torchless.real(z)):
        assert str(real.dtype) == "torch." + part
        np.testing.assert_array_equal(real.numpy(), array.real)
    for imag in (z.imag, torchless.imag(z)):
        assert str(imag.dtype) == "torch." + part
        np.testing.assert_array_equal(imag.numpy(), array.imag)
    z.real.mul_(2)  # writes show through, as in PyTorch
    z.imag[0, 0] = 7.0
    z.imag = z.imag + 1
    array.real *= 2
    array.imag[0, 0] = 7.0
    array.imag += 1
    np.testing.assert_array_equal(z.numpy(), array)
    z.real = 0.5
    assert (z.real == 0.5).all()
    with pytest.raises(TypeError, match=f"can't assign a list to a {z.real.type()}"):
        z.real = [1.0, 2.0, 3.0]


def test_real_of_a_real_tensor_is_itself_and_it_has_no_imag():
    x = torchless.tensor([1.0, 2.0])
    assert x.real is x and torchless.real(x) is x
    with pytest.raises(RuntimeError, match="^imag is not implemented for tensors with non-complex dtypes.$"):
        x.imag


def test_gradients_of_real_and_imag():
    z = _z(requires_grad=True)
    (g,) = torchless.autograd.grad(z.real.sum(), z)
    np.testing.assert_array_equal(g.numpy(), np.ones((2, 3), complex))
    (g,) = torchless.autograd.grad(z.imag.sum(), z)
    np.testing.assert_array_equal(g.numpy(), np.full((2, 3), 1j))
    assert g.dtype == torchless.complex128
    weights = np.array([[1.0, -2.0, 0.5], [3.0, 0.25, -1.0]])

    def loss(t):
        return ((t.real * torchless.tensor(weights)) ** 2 + t.imag * 3).sum()
    t = _z(requires_grad=True)
    loss(t).backward()
    numerical = _numerical_gradient(lambda a: float(loss(torchless.tensor(a))), Z)
    np.testing.assert_allclose(t.grad.numpy(), numerical, rtol=1e-6, atol=1e-6)


def test_forward_mode_through_real_and_imag():
    with fwAD.dual_level():
        dual = fwAD.make_dual(_z(), _z(data=V))
        np.testing.assert_array_equal(fwAD.unpack_dual(dual.real).tangent.numpy(), np.array(V).real)
        np.testing.assert_array_equal(fwAD.unpack_dual(dual.imag).tangent.numpy(), np.array(V).imag)


def test_a_recorded_write_into_a_complex_part_raises():
    z = _z(requires_grad=True)
    with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad"):
        z.real.mul_(2)
    w = z * 1
    with pytest.raises(RuntimeError, match="cannot record an in-place write into the real or imaginary part"):
        w.imag.mul_(2)


# ---------------------------------------------------------------------------- against PyTorch
SAME_LAMBDAS = {
    "conj": lambda m, z: z.conj(),
    "conj_fn": lambda m, z: m.conj(z),
    "conj_physical": lambda m, z: m.conj_physical(z),
    "mH": lambda m, z: z.mH,
    "H": lambda m, z: z.H,
    "adjoint": lambda m, z: m.adjoint(z),
    "adjoint_batch": lambda m, z: m.stack([z, z * 2]).adjoint(),
    "real": lambda m, z: z.real,
    "imag": lambda m, z: z.imag,
    "real_fn": lambda m, z: m.real(z) * 2 - m.imag(z),
    "mixed": lambda m, z: (z.conj() * 2 + z.mH.mT).real,
}


@requires_torch
@pytest.mark.parametrize("name", SAME_LAMBDAS)
@pytest.mark.parametrize("dtype", COMPLEX)
def test_values_and_gradients_match_pytorch(torch_ref, name, dtype):
    f = SAME_LAMBDAS[name]
    ours_in = _z(dtype, requires_grad=True)
    theirs_in = torch_ref.tensor(Z, dtype=getattr(torch_ref, dtype), requires_grad=True)
    ours, theirs = f(torchless, ours_in), f(torch_ref, theirs_in)
    assert str(ours.dtype) == str(theirs.dtype) and tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().resolve_conj().numpy())
    assert ours.is_conj() is False  # PyTorch's conj-bit views are new tensors here (module docstring)
    v = _cotangent(tuple(ours.shape), ours.detach().numpy().dtype)
    (g_ours,) = torchless.autograd.grad(ours, ours_in, torchless.tensor(v))
    (g_theirs,) = torch_ref.autograd.grad(theirs, theirs_in, torch_ref.tensor(v))
    assert str(g_ours.dtype) == str(g_theirs.dtype)
    np.testing.assert_allclose(g_ours.numpy(), g_theirs.resolve_conj().numpy(), rtol=1e-6)


def _cotangent(shape, dtype):
    """A cotangent of the given shape with distinct values (imaginary parts too, when complex)."""
    n = int(np.prod(shape))
    values = np.arange(1, n + 1) * 0.5 - 2
    if np.dtype(dtype).kind == "c":
        values = values + 1j * (np.arange(n) % 3 - 1)
    return values.reshape(shape).astype(dtype)


@requires_torch
def test_behaviour_on_other_dtypes_matches_pytorch(torch_ref):
    for dtype in ("float32", "int64", "bool"):
        ours = torchless.tensor([1, 0, 2]).to(getattr(torchless, dtype))
        theirs = torch_ref.tensor([1, 0, 2]).to(getattr(torch_ref, dtype))
        for f in (lambda m, t: m.conj(t), lambda m, t: m.conj_physical(t), lambda m, t: m.resolve_conj(t),
                  lambda m, t: m.resolve_neg(t), lambda m, t: m.real(t)):
            assert (f(torchless, ours) is ours) == (f(torch_ref, theirs) is theirs) is True
        assert ours.is_conj() == theirs.is_conj() and ours.is_neg() == theirs.is_neg()
        with pytest.raises(RuntimeError) as e_ours:
            ours.imag
        with pytest.raises(RuntimeError) as e_theirs:
            theirs.imag
        assert str(e_ours.value) == str(e_theirs.value)


@requires_torch
def test_the_documented_difference_from_pytorch(torch_ref):
    ours, theirs = _z(), torch_ref.tensor(Z, dtype=torch_ref.complex128)
    assert theirs.conj().is_conj() and not ours.conj().is_conj()
    assert theirs.conj().resolve_conj().is_conj() == ours.conj().resolve_conj().is_conj() is False
    assert theirs.conj_physical().is_conj() == ours.conj_physical().is_conj() is False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert torchless.tensor(2.0).mH.item() == torch_ref.tensor(2.0).mH.item()


# ---------------------------------------------------------------------------- the rules alone
def test_the_rules_alone_on_arrays_and_on_tensors():
    from torchless._tensor.xp import TX
    from torchless.backend import numpy as NP
    from torchless.ops import elementwise as E
    a, g = np.array(Z), np.array(V)
    for R, forward, vjp in ((E.ConjBackward0, np.conj(a), np.conj(g)),
                            (E.ConjPhysicalBackward0, np.conj(a), np.conj(g)),
                            (E.RealBackward0, a.real, g.real + 0j),
                            (E.ImagBackward0, a.imag, 1j * g.real)):
        node = R()
        out = R.forward(node, NP, a)
        np.testing.assert_array_equal(out, forward)
        cotangent = g if out.dtype.kind == "c" else g.real
        (grad,) = node.vjp(cotangent, NP)
        assert grad.dtype == a.dtype
        np.testing.assert_array_equal(grad, vjp)
        (grad_t,) = node.vjp(torchless.tensor(cotangent), TX)  # the namespace create_graph uses
        np.testing.assert_array_equal(grad_t.numpy(), vjp)
        np.testing.assert_array_equal(R.jvp(NP, (g,), out, a), R.forward(None, NP, g))
    assert E.RealBackward0.forward(None, NP, a).base is a  # a view of the input's memory
