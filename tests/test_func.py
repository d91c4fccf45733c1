"""torch.func: grad, grad_and_value, vjp, jvp, jacrev, jacfwd, hessian, functional_call — closed
forms, nesting, pytrees, composition with ordinary autograd, and PyTorch's results and errors."""
import numpy as np
import pytest

import torchless
from torchless import func

from .conftest import assert_same_pytree

X0 = np.array([0.3, -1.2, 2.0])
A = np.random.default_rng(11).standard_normal((3, 3))


def _x(**kw):
    return torchless.tensor(X0, **kw)


# ---------------------------------------------------------------- closed forms
def test_grad_hessian_and_jacobians_of_known_functions():
    a = torchless.tensor(A)
    np.testing.assert_allclose(func.grad(lambda x: x @ a @ x)(_x()).numpy(), (A + A.T) @ X0, rtol=1e-12)
    np.testing.assert_allclose(func.hessian(lambda x: x @ a @ x)(_x()).numpy(), A + A.T, rtol=1e-12)
    np.testing.assert_allclose(func.jacrev(lambda x: a @ x)(_x()).numpy(), A, rtol=1e-12)
    np.testing.assert_allclose(func.jacfwd(lambda x: x.sin())(_x()).numpy(), np.diag(np.cos(X0)), rtol=1e-12)
    out, tangent = func.jvp(lambda x: a @ x.exp(), (_x(),), (torchless.ones(3, dtype=torchless.float64),))
    np.testing.assert_allclose(tangent.numpy(), A @ np.exp(X0), rtol=1e-12)
    out, vjp_fn = func.vjp(lambda x: a @ x.exp(), _x())
    (ct,) = vjp_fn(torchless.ones(3, dtype=torchless.float64))
    np.testing.assert_allclose(ct.numpy(), np.ones(3) @ A * np.exp(X0), rtol=1e-12)


def test_nested_grads_are_higher_derivatives():
    third = func.grad(lambda x: func.grad(lambda y: func.grad(lambda z: z.sin())(y))(x))
    assert third(torchless.tensor(0.7, dtype=torchless.float64)).item() == pytest.approx(-np.cos(0.7), rel=1e-12)
    second = func.grad(lambda x: func.grad(lambda y: (y ** 3).sum())(x).sum())(_x())
    np.testing.assert_allclose(second.numpy(), 6 * X0, rtol=1e-12)


def test_top_level_results_are_plain_unless_something_outside_needs_the_graph():
    g = func.grad(lambda x: (x ** 3).sum())(_x())
    assert not g.requires_grad and g.grad_fn is None
    x = _x(requires_grad=True)
    g = func.grad(lambda x: (x ** 3).sum())(x)
    assert g.requires_grad  # composes with ordinary autograd: d/dx sum(3 x^2) = 6 x
    (d,) = torchless.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(d.numpy(), 6 * X0, rtol=1e-12)
    w = torchless.ones(3, dtype=torchless.float64, requires_grad=True)
    g = func.grad(lambda x: (x * w * x).sum())(_x())  # captured w: the gradient depends on it
    g.sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), 2 * X0, rtol=1e-12)


def test_pytrees_argnums_and_aux():
    x, y = _x(), torchless.tensor([1.0, 2.0, 3.0], dtype=torchless.float64)
    gx, gy = func.grad(lambda x, y: (x * y).sum(), argnums=(0, 1))(x, y)
    np.testing.assert_array_equal(gx.numpy(), y.numpy())
    np.testing.assert_array_equal(gy.numpy(), x.numpy())
    g = func.grad(lambda d: (d["a"] * d["b"][0]).sum())({"a": x, "b": [y]})
    assert set(g) == {"a", "b"} and isinstance(g["b"], list)
    np.testing.assert_array_equal(g["b"][0].numpy(), x.numpy())
    g, aux = func.grad(lambda x: ((x ** 2).sum(), x.mean()), has_aux=True)(x)
    assert aux.item() == pytest.approx(X0.mean()) and not aux.requires_grad
    g, (value, aux) = func.grad_and_value(lambda x: ((x ** 2).sum(), "label"), has_aux=True)(x)
    assert aux == "label" and value.item() == pytest.approx((X0 ** 2).sum())


def test_functional_call_swaps_for_one_call_and_enables_per_example_gradients():
    torchless.manual_seed(0)
    model = torchless.nn.Linear(3, 1).double()
    original = model.weight.detach().clone()
    params = {k: v.detach() for k, v in model.named_parameters()}
    zeros = {"weight": torchless.zeros(1, 3, dtype=torchless.float64)}
    out = func.functional_call(model, zeros, (_x()[None],))
    assert out.item() == pytest.approx(model.bias.item())
    assert model.weight.equal(original) and isinstance(model.weight, torchless.nn.Parameter)
    batch = torchless.tensor(np.random.default_rng(2).standard_normal((5, 3)))
    targets = torchless.tensor(np.random.default_rng(3).standard_normal(5))

    def loss(p, xi, ti):
        return ((func.functional_call(model, p, (xi[None],)) - ti) ** 2).sum()
    per_example = [func.grad(loss)(params, batch[i], targets[i]) for i in range(5)]
    for i, g in enumerate(per_example):
        model.zero_grad()
        ((model(batch[i][None]) - targets[i]) ** 2).sum().backward()
        np.testing.assert_allclose(g["weight"].numpy(), model.weight.grad.numpy(), rtol=1e-12)
        np.testing.assert_allclose(g["bias"].numpy(), model.bias.grad.numpy(), rtol=1e-12)


def test_functional_call_ties_weights_and_checks_keys():
    shared = torchless.nn.Linear(2, 2, bias=False).double()
    net = torchless.nn.Sequential(shared, shared)
    eye = {"0.weight": torchless.eye(2, dtype=torchless.float64)}
    x = torchless.tensor([[1.0, 2.0]], dtype=torchless.float64)
    assert func.functional_call(net, eye, x).tolist() == [[1.0, 2.0]]  # both uses see the identity
    with pytest.raises(ValueError, match="appeared in multiple dictionaries"):
        func.functional_call(net, (eye, eye), x)
    with pytest.raises(RuntimeError, match="Error\\(s\\) in reparametrizing for Linear:\n\tMissing key\\(s\\): 'bias'."):
        func.functional_call(torchless.nn.Linear(2, 2), {"weight": torchless.zeros(2, 2)}, torchless.ones(1, 2),
                             strict=True)


@pytest.mark.parametrize("call, message", [
    (lambda: func.grad(lambda x: x)(_x()), "Expected f\\(\\*args\\) to return a scalar Tensor, got tensor with 1 dims"),
    (lambda: func.grad(lambda x: 3.0)(_x()), "Expected f\\(\\*args\\) to return a Tensor, got <class 'float'>"),
    (lambda: func.grad(lambda x: x.sum(), has_aux=True)(_x()), "should be a tuple: \\(output, aux\\)"),
    (lambda: func.grad(lambda x: x.sum(), argnums=2)(_x()), "Got argnum=2, but only 1 positional inputs"),
    (lambda: func.jvp(lambda x: x, [_x()], [_x()]), "Expected primals to be a tuple"),
])
def test_bad_calls_get_pytorchs_errors(call, message):
    with pytest.raises(RuntimeError, match=message):
        call()


# ---------------------------------------------------------------- against PyTorch
def _cases(m):
    F = m.func
    x = m.tensor(X0)
    y = m.tensor([1.0, 2.0, 3.0], dtype=m.float64)
    a = m.tensor(A)
    return {
        "grad": lambda: F.grad(lambda x: (x.sin() * x).sum())(x),
        "grad_argnums": lambda: F.grad(lambda x, y: (x * y.exp()).sum(), argnums=(0, 1))(x, y),
        "grad_dict": lambda: F.grad(lambda d: (d["a"] ** 2 * d["b"]).sum())({"a": x, "b": y}),
        "grad_and_value": lambda: F.grad_and_value(lambda x: (x ** 3).sum())(x),
        "vjp": lambda: F.vjp(lambda x, y: (x * y, x.sum()), x, y)[1]((m.ones(3, dtype=m.float64), m.tensor(2.0, dtype=m.float64))),
        "jvp": lambda: F.jvp(lambda x: (x.tanh(), x.sum()), (x,), (y,)),
        "jacrev": lambda: F.jacrev(lambda x: a @ x.sin())(x),
        "jacrev_tuple": lambda: F.jacrev(lambda x, y: (x * y, x.sum()), argnums=(0, 1))(x, y),
        "jacfwd": lambda: F.jacfwd(lambda x: x.exp() * x.sum())(x),
        "hessian": lambda: F.hessian(lambda x: (x.sin() * x.exp()).sum())(x),
        "nested": lambda: F.grad(lambda x: F.grad(lambda z: (z ** 4).sum())(x).sum())(x),
    }


@pytest.mark.parametrize("name", list(_cases(torchless)))
def test_same_results_as_torch_func(name, torch_ref):
    assert_same_pytree(_cases(torchless)[name](), _cases(torch_ref)[name]())


def test_jvp_runs_forward_mode_and_falls_back_for_ops_without_a_rule(monkeypatch):
    from torchless.engine import forward_ad
    seen = []
    real = forward_ad.tangent_of_result

    def spy(R, *args):
        seen.append(R.__name__)
        return real(R, *args)
    monkeypatch.setattr(forward_ad, "tangent_of_result", spy)
    x = _x()
    _, t = func.jvp(lambda x: x.sin() * 2, (x,), (torchless.ones(3, dtype=torchless.float64),))
    np.testing.assert_allclose(t.numpy(), 2 * np.cos(X0), rtol=1e-12)
    assert "SinBackward0" in seen  # the tangent went through sin's jvp rule
    from torchless.ops.elementwise import SinBackward0
    monkeypatch.delattr(SinBackward0, "jvp")  # an op without a jvp rule: the same values by reverse mode
    _, t = func.jvp(lambda x: x.sin() * 2, (x,), (torchless.ones(3, dtype=torchless.float64),))
    np.testing.assert_allclose(t.numpy(), 2 * np.cos(X0), rtol=1e-12)
    np.testing.assert_allclose(func.jacfwd(lambda x: x.prod())(x).numpy(),
                               [np.prod(np.delete(X0, i)) for i in range(3)], rtol=1e-12)


def test_functional_call_adds_a_missing_attribute_for_the_call_only(torch_ref):
    results = []
    for m in (torchless, torch_ref):
        class Scaled(m.nn.Module):
            def __init__(self):
                super().__init__()
                self.lin = m.nn.Linear(2, 2)
                self.ratio = 1.0

            def forward(self, x):
                return self.lin(x) * getattr(self, "scale", 1.0)
        model = Scaled()
        out = m.func.functional_call(model, {"scale": m.tensor(0.0)}, m.ones(1, 2))
        with pytest.raises(TypeError, match="attribute `ratio`: 1.0 is not an instance of torch.Tensor"):
            m.func.functional_call(model, {"ratio": m.tensor(0.0)}, m.ones(1, 2))
        results.append((out.abs().tolist(), hasattr(model, "scale"), model.ratio))
    assert results[0] == results[1] == ([[0.0, 0.0]], False, 1.0)


def test_reverse_over_forward_compositions_are_second_derivatives():
    """jacrev(jacfwd(f)) and grad of a jvp differentiate recorded tangents: both give the Hessian
    (they gave zeros while tangents were plain arrays)."""
    x = torchless.tensor([0.3, -1.2, 2.0], dtype=torchless.float64)
    xs = x.numpy()

    def f(x):
        return (x.sin() * x.pow(3)).sum()

    exact = np.diag(6 * xs * np.sin(xs) + 6 * xs ** 2 * np.cos(xs) - xs ** 3 * np.sin(xs))
    for h in (torchless.func.hessian(f)(x), torchless.func.jacrev(torchless.func.jacfwd(f))(x),
              torchless.func.jacfwd(torchless.func.jacfwd(f))(x)):
        np.testing.assert_allclose(h.numpy(), exact, rtol=1e-12, atol=1e-12)
    v = torchless.tensor([1.0, -2.0, 0.5], dtype=torchless.float64)
    hv = torchless.func.grad(lambda x: torchless.func.jvp(f, (x,), (v,))[1])(x)
    np.testing.assert_allclose(hv.numpy(), exact @ v.numpy(), rtol=1e-12)


def test_pow_takes_a_number_base_as_pytorch(torch_ref):
    for m in (torchless, torch_ref):
        assert m.pow(2.0, m.tensor([1.0, 3.0])).tolist() == [2.0, 8.0]
        assert m.pow(2, m.tensor([1, 3])).dtype == m.int64
        with pytest.raises(TypeError, match="pow\\(\\) received an invalid combination of arguments"):
            m.pow(2.0, 3.0)
