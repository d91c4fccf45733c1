"""torch.autograd.functional: closed forms, finite differences, and PyTorch's values, nesting,
requires_grad flags and errors."""
import numpy as np
import pytest

import torchless
from torchless.autograd import functional as F

from .conftest import assert_same_pytree

RNG = np.random.default_rng(7)
A = RNG.standard_normal((4, 4))
B = RNG.standard_normal((3, 4))
X0 = RNG.standard_normal(4)
Y0 = RNG.standard_normal((2, 3))


def _t(a, **kw):
    return torchless.tensor(a, **kw)


# ---------------------------------------------------------------- closed forms
def test_jacobian_of_a_linear_map_is_its_matrix():
    jac = F.jacobian(lambda x: _t(B) @ x, _t(X0))
    np.testing.assert_allclose(jac.numpy(), B, rtol=1e-12)
    assert not jac.requires_grad


def test_hessian_of_a_quadratic_form_is_a_plus_a_transpose():
    hess = F.hessian(lambda x: x @ _t(A) @ x, _t(X0))
    np.testing.assert_allclose(hess.numpy(), A + A.T, rtol=1e-12)


def test_products_with_vectors_equal_the_matrices_times_vectors():
    x, v = _t(X0), _t(RNG.standard_normal(4))
    cube = lambda x: (x ** 3).sum() + x @ _t(A) @ x  # noqa: E731
    hess = A + A.T + np.diag(6 * X0)
    value, hv = F.hvp(cube, x, v)
    _, vh = F.vhp(cube, x, v)
    np.testing.assert_allclose(hv.numpy(), hess @ v.numpy(), rtol=1e-10)
    np.testing.assert_allclose(vh.numpy(), v.numpy() @ hess, rtol=1e-10)
    assert value.item() == pytest.approx((X0 ** 3).sum() + X0 @ A @ X0)
    u = _t(RNG.standard_normal(3))
    out, uj = F.vjp(lambda x: _t(B) @ x.sin(), x, u)
    np.testing.assert_allclose(uj.numpy(), (u.numpy() @ B) * np.cos(X0), rtol=1e-10)
    out, jv = F.jvp(lambda x: _t(B) @ x.sin(), x, v)
    np.testing.assert_allclose(jv.numpy(), B @ (np.cos(X0) * v.numpy()), rtol=1e-10)
    np.testing.assert_allclose(out.numpy(), B @ np.sin(X0), rtol=1e-12)


def test_jacobian_agrees_with_finite_differences():
    f = lambda x: (x.exp() * x.sum()).tanh()  # noqa: E731
    jac = F.jacobian(f, _t(X0)).numpy()
    eps = 1e-6
    fd = np.stack([(f(_t(X0 + eps * e)).numpy() - f(_t(X0 - eps * e)).numpy()) / (2 * eps)
                   for e in np.eye(4)], axis=1)
    np.testing.assert_allclose(jac, fd, rtol=1e-6, atol=1e-8)


def test_unused_inputs_get_zeros_and_strict_mode_refuses_them():
    jac = F.jacobian(lambda x, y: x * 2, (_t(X0), _t(Y0)))
    assert jac[1].shape == (4, 2, 3) and not jac[1].numpy().any()
    with pytest.raises(RuntimeError, match="Output 0 of the user-provided function is independent of input 1"):
        F.jacobian(lambda x, y: x * 2, (_t(X0), _t(Y0)), strict=True)


def test_create_graph_keeps_results_differentiable():
    x = _t(X0, requires_grad=True)
    jac = F.jacobian(lambda x: x ** 3, x, create_graph=True)
    assert jac.requires_grad
    jac.sum().backward()  # d/dx sum(diag(3 x^2)) = 6 x
    np.testing.assert_allclose(x.grad.numpy(), 6 * X0, rtol=1e-12)
    assert not F.jacobian(lambda x: x ** 3, x).requires_grad


def test_inputs_are_not_modified_and_grad_mode_is_restored():
    x = _t(X0)
    with torchless.no_grad():
        out, g = F.vjp(lambda x: (x * x).sum(), x)
        assert not torchless.is_grad_enabled()
    np.testing.assert_allclose(g.numpy(), 2 * X0)
    assert x.grad is None and not x.requires_grad


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize("call, error, message", [
    (lambda: F.jacobian(lambda x: x, [1.0]), TypeError,
     "The inputs given to jacobian must be either a Tensor or a tuple of Tensors but the given inputs has type"),
    (lambda: F.jacobian(lambda x, y: x, (_t(X0), 3)), TypeError, "the value at index 1 has type <class 'int'>"),
    (lambda: F.vjp(lambda x: 3, _t(X0)), TypeError, "The outputs of the user-provided function given to vjp"),
    (lambda: F.vjp(lambda x: x * 2, _t(X0)), RuntimeError,
     "The vector v can only be None if the user-provided function returns a single Tensor with a single element."),
    (lambda: F.jvp(lambda x: x * 2, _t(X0), _t(np.ones(3))), RuntimeError,
     r"v has invalid size: should be torch.Size\(\[4\]\) but got torch.Size\(\[3\]\)."),
    (lambda: F.hessian(lambda x: x * 2, _t(X0)), RuntimeError,
     "The Tensor returned by the function given to hessian should contain a single element"),
    (lambda: F.hvp(lambda x: (x, x), _t(X0), _t(X0)), RuntimeError,
     "The function given to hvp should return a single Tensor"),
    (lambda: F.vjp(lambda x: x.detach().sum(), _t(X0), strict=True), RuntimeError,
     "Output 0 of the user-provided function does not require gradients"),
    (lambda: F.hessian(lambda x: x.sum(), _t(X0), strict=True), RuntimeError,
     "found that the jacobian of the user-provided function with respect to input 0 is independent"),
    (lambda: F.jacobian(lambda x: x, _t(X0), strategy="sideways"), AssertionError,
     'Expected strategy to be either "forward-mode" or "reverse-mode"'),
    (lambda: F.jacobian(lambda x: x, _t(X0), strategy="forward-mode"), NotImplementedError,
     "only implemented for `vectorize=True`"),
    (lambda: F.jacobian(lambda x: x, _t(X0), strict=True, vectorize=True), RuntimeError,
     "`strict=True` and `vectorized=True` are not supported together"),
])
def test_bad_input_gets_pytorchs_error(call, error, message):
    with pytest.raises(error, match=message):
        call()


# ---------------------------------------------------------------- against PyTorch
def _cases(m):
    a = m.tensor(A)
    x, y = m.tensor(X0), m.tensor(Y0)
    v4 = m.tensor(np.arange(4.0))
    quad = lambda x: x @ a @ x + x.sin().sum()  # noqa: E731
    two = lambda x, y: (x.exp() * 2, (y ** 2).sum() * x[0])  # noqa: E731
    F_ = m.autograd.functional
    return {
        "jacobian": lambda: F_.jacobian(lambda x: x ** 3, x),
        "jacobian_tuples": lambda: F_.jacobian(two, (x, y)),
        "jacobian_tuple_out": lambda: F_.jacobian(lambda x: (x * 2, x.sum()), x),
        "jacobian_vectorize": lambda: F_.jacobian(lambda x: x.tanh(), x, vectorize=True),
        "jacobian_create_graph": lambda: F_.jacobian(lambda x: x ** 3, x, create_graph=True),
        "hessian": lambda: F_.hessian(quad, x),
        "hessian_tuples": lambda: F_.hessian(lambda x, y: (x.sum() * y ** 2).sum(), (x, y)),
        "vjp": lambda: F_.vjp(lambda x: x ** 3, x, v4),
        "vjp_tuples": lambda: F_.vjp(two, (x, y), (m.ones(4), m.tensor(2.0))),
        "vjp_scalar": lambda: F_.vjp(lambda x: (x * x).sum(), x),
        "jvp": lambda: F_.jvp(lambda x: x ** 3, x, v4),
        "jvp_tuples": lambda: F_.jvp(two, (x, y), (v4, m.ones(2, 3))),
        "hvp": lambda: F_.hvp(quad, x, v4),
        "vhp": lambda: F_.vhp(quad, x, v4),
        "hvp_tuples": lambda: F_.hvp(lambda x, y: (x.sum() * y ** 2).sum(), (x, y), (v4, m.ones(2, 3))),
        "vhp_create_graph": lambda: F_.vhp(quad, x, v4, create_graph=True),
    }


@pytest.mark.parametrize("name", list(_cases(torchless)))
def test_values_nesting_and_flags_match_torch(name, torch_ref):
    assert_same_pytree(_cases(torchless)[name](), _cases(torch_ref)[name]())