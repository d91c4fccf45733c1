"""User-facing autograd semantics: leaves and non-leaves, backward/grad arguments, higher order,
hooks, version counters. Each program runs on torchless and, where installed, on PyTorch."""
import math
import warnings

import numpy as np
import pytest

import torchless
from tests.conftest import assert_same, to_numpy


def leaf(T, values, dtype=None):
    return T.tensor(values, dtype=dtype or T.float64, requires_grad=True)


def graph_names(fn):
    """(depth, class name) along grad_fn.next_functions, depth first; None for empty edges."""
    out, stack = [], [(fn, 0)]
    while stack:
        node, depth = stack.pop()
        out.append((depth, None if node is None else type(node).__name__))
        if node is not None:
            stack.extend((n, depth + 1) for n, _ in reversed(node.next_functions))
    return out


# ---------------------------------------------------------------------------- leaves, .grad
def test_leaf_grad_accumulates_over_backward_calls():
    x = leaf(torchless, [1.0, 2.0, 3.0])
    (x * x).sum().backward()
    first = x.grad
    (x * x).sum().backward()
    np.testing.assert_allclose(to_numpy(x.grad), [4.0, 8.0, 12.0])
    assert first is x.grad  # accumulated in place, as PyTorch does: held references see the sum
    x.grad = None
    (x * 3).sum().backward()
    np.testing.assert_allclose(to_numpy(x.grad), [3.0, 3.0, 3.0])


def test_nonleaf_grad_is_none_and_leaf_flags():
    x = leaf(torchless, [1.0, 2.0])
    y = x * 2
    y.sum().backward()
    assert x.is_leaf and not y.is_leaf
    assert x.grad_fn is None and type(y.grad_fn).__name__ == "MulBackward0"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert y.grad is None
    c = torchless.ones(2)
    assert c.is_leaf and c.grad is None and not c.requires_grad


def test_nonleaf_grad_warns():
    x = leaf(torchless, [1.0, 2.0])
    y = x * 2
    with pytest.warns(UserWarning, match="The .grad attribute of a Tensor that is not a leaf Tensor is being accessed"):
        assert y.grad is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # leaves and retained non-leaves do not warn
        assert x.grad is None
        y.retain_grad()
        assert y.grad is None


def test_retain_grad(torch_ref):
    for T in (torchless, torch_ref):
        x = leaf(T, [1.0, 2.0])
        y = x * x
        y.retain_grad()
        y.retain_grad()  # twice is harmless
        (y * 3).sum().backward()
        assert y.retains_grad and not x.retains_grad
        np.testing.assert_allclose(to_numpy(y.grad), [3.0, 3.0])
        np.testing.assert_allclose(to_numpy(x.grad), [6.0, 12.0])
    with pytest.raises(RuntimeError, match="requires_grad=False"):
        torchless.ones(2).retain_grad()


def test_retain_grad_accumulates_over_two_backwards():
    x = leaf(torchless, [1.0, 2.0])
    y = x * x
    y.retain_grad()
    z = (y * 3).sum()
    z.backward(retain_graph=True)
    z.backward()
    np.testing.assert_allclose(to_numpy(y.grad), [6.0, 6.0])


EXPRESSIONS = {
    "exp_mul_plus_sin_div": lambda a, b: ((a * b).exp() + a.sin() / b).sum(),
    "pow_sub_mean": lambda a, b: (a ** 2 - 3 * a).mean(),
    "sigmoid_tanh": lambda a, b: (a.sigmoid() * 2 + 1).tanh().sum(),
    "rsub_relu": lambda a, b: (1 - a / 2).relu().sum(),
    "pow_tensor_neg": lambda a, b: (-(a ** b)).sum(),
    "diamond": lambda a, b: (a * a + a * b).sum() * a.sum(),
}


@pytest.mark.parametrize("name", sorted(EXPRESSIONS))
def test_grad_fn_graph_matches_pytorch(name, torch_ref):
    f = EXPRESSIONS[name]
    graphs, grads = [], []
    for T in (torchless, torch_ref):
        a, b = leaf(T, [0.5, 1.5]), leaf(T, 2.0)
        out = f(a, b)
        graphs.append(graph_names(out.grad_fn))
        out.backward()
        grads.append((a.grad, b.grad))
    assert graphs[0] == graphs[1]
    for ours, theirs in zip(*grads):
        if theirs is None:
            assert ours is None
        else:
            assert_same(ours, theirs)


def test_next_functions_structure(torch_ref):
    for T in (torchless, torch_ref):
        a = leaf(T, [1.0, 2.0])
        y = a * 2
        (acc, i0), (none, i1) = y.grad_fn.next_functions
        assert type(acc).__name__ == "AccumulateGrad" and acc.variable is a and i0 == 0
        assert none is None and i1 == 0
        z = y + a
        assert z.grad_fn.next_functions[0][0] is y.grad_fn
        assert z.grad_fn.next_functions[1][0] is acc  # one AccumulateGrad per leaf


def test_requires_grad_flag_changes(torch_ref):
    for T in (torchless, torch_ref):
        c = T.ones(2)
        assert c.requires_grad_() is c and c.requires_grad and c.is_leaf
        c.requires_grad = False
        assert not c.requires_grad
        y = leaf(T, [1.0]) * 2
        assert y.requires_grad_(True) is y
        with pytest.raises(RuntimeError, match="only change requires_grad flags of leaf variables"):
            y.requires_grad_(False)


def test_detach_shares_storage_and_version(torch_ref):
    for T in (torchless, torch_ref):
        x = leaf(T, [1.0, 2.0])
        d = x.detach()
        assert not d.requires_grad and d.grad_fn is None and d.is_leaf
        d.add_(1)  # allowed: d does not require grad
        np.testing.assert_allclose(to_numpy(x), [2.0, 3.0])
        assert x._version == d._version == 1


def test_detach_inplace(torch_ref):
    for T in (torchless, torch_ref):
        x = leaf(T, [1.0, 2.0])
        y = x * 2
        assert y.detach_() is y
        assert not y.requires_grad and y.grad_fn is None and y.is_leaf
        z = (y * x).sum()
        z.backward()
        np.testing.assert_allclose(to_numpy(x.grad), [2.0, 4.0])  # no path through y


# ---------------------------------------------------------------------------- backward arguments
def test_backward_with_gradient_for_nonscalar(torch_ref):
    for T in (torchless, torch_ref):
        x = leaf(T, [[1.0, 2.0], [3.0, 4.0]])
        y = x * x
        y.backward(gradient=T.tensor([[1.0, 0.5], [2.0, 0.0]], dtype=T.float64))
        np.testing.assert_allclose(to_numpy(x.grad), [[2.0, 2.0], [12.0, 0.0]])


def test_retain_graph_allows_second_backward():
    x = leaf(torchless, [1.0, 2.0])
    y = x.exp().sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(to_numpy(x.grad), 2 * np.exp([1.0, 2.0]))


def test_second_backward_through_freed_graph_raises(torch_ref):
    for T in (torchless, torch_ref):
        x = leaf(T, [1.0, 2.0])
        y = x.exp().sum()
        y.backward()
        with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
            y.backward()


def test_second_backward_without_saved_tensors_works(torch_ref):
    for T in (torchless, torch_ref):  # add and sum save nothing: PyTorch allows this
        x = leaf(T, [1.0, 2.0])
        y = (x + 1).sum()
        y.backward()
        y.backward()
        np.testing.assert_allclose(to_numpy(x.grad), [2.0, 2.0])


def test_backward_inputs_restricts_accumulation(torch_ref):
    for T in (torchless, torch_ref):
        x, w = leaf(T, [1.0, 2.0]), leaf(T, [3.0, 4.0])
        (x * w).sum().backward(inputs=[x])
        np.testing.assert_allclose(to_numpy(x.grad), [3.0, 4.0])
        assert w.grad is None
        m = x * 2
        (m * m).sum().backward(inputs=[m])
        np.testing.assert_allclose(to_numpy(m.grad), [4.0, 8.0])
        np.testing.assert_allclose(to_numpy(x.grad), [3.0, 4.0])  # unchanged
        with pytest.raises(RuntimeError):
            (x * 2).sum().backward(inputs=[])


def test_autograd_backward_function_with_several_roots():
    x = leaf(torchless, [1.0, 2.0])
    a, b = x * 2, x * x
    torchless.autograd.backward([a, b], [torchless.ones(2, dtype=torchless.float64),
                                         torchless.full((2,), 0.5, dtype=torchless.float64)])
    np.testing.assert_allclose(to_numpy(x.grad), [3.0, 4.0])


# ---------------------------------------------------------------------------- higher order
def nth_grads(f, values, n):
    x = leaf(torchless, values)
    out, g = [], f(x).sum()
    for k in range(n):
        (g,) = torchless.autograd.grad(g, x, create_graph=k < n - 1)
        out.append(to_numpy(g))
        g = g.sum()
    return out


X = np.array([0.5, 1.5, -0.7])


@pytest.mark.parametrize("f, derivs", [
    (lambda x: x ** 3, [3 * X ** 2, 6 * X, 6 + 0 * X]),
    (lambda x: x.sin(), [np.cos(X), -np.sin(X), -np.cos(X)]),
    (lambda x: x.exp() * x, [np.exp(X) * (X + 1), np.exp(X) * (X + 2), np.exp(X) * (X + 3)]),
    (lambda x: x.tanh(), [1 - np.tanh(X) ** 2, -2 * np.tanh(X) * (1 - np.tanh(X) ** 2),
                          (1 - np.tanh(X) ** 2) * (6 * np.tanh(X) ** 2 - 2)]),
], ids=["cube", "sin", "x_exp", "tanh"])
def test_first_second_third_derivatives(f, derivs):
    for got, want in zip(nth_grads(f, X.tolist(), 3), derivs):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_mixed_partials():
    a, b = leaf(torchless, 2.0), leaf(torchless, 3.0)
    f = a * a * b + b.sin() * a
    (ga,) = torchless.autograd.grad(f, a, create_graph=True)
    assert math.isclose(ga.item(), 2 * 2 * 3 + math.sin(3))
    (gab,) = torchless.autograd.grad(ga, b, retain_graph=True)
    assert math.isclose(gab.item(), 2 * 2 + math.cos(3))
    (gaa,) = torchless.autograd.grad(ga, a)
    assert math.isclose(gaa.item(), 2 * 3)


def test_backward_create_graph_gives_differentiable_grad():
    x = leaf(torchless, [1.0, 2.0])
    with pytest.warns(UserWarning, match="reference cycle"):
        (x ** 3).sum().backward(create_graph=True)
    g = x.grad
    assert g.requires_grad
    (g2,) = torchless.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(to_numpy(g2), [6.0, 12.0])


# ---------------------------------------------------------------------------- autograd.grad
def test_grad_non_leaf_inputs_and_multiple_outputs(torch_ref):
    for T in (torchless, torch_ref):
        x = leaf(T, [1.0, 2.0])
        y = x * 3
        z = (y ** 2).sum()
        gy, gx = T.autograd.grad(z, [y, x])
        np.testing.assert_allclose(to_numpy(gy), [6.0, 12.0])
        np.testing.assert_allclose(to_numpy(gx), [18.0, 36.0])
        assert x.grad is None  # grad() never accumulates
        x = leaf(T, [1.0, 2.0])
        (g,) = T.autograd.grad([(x * 2).sum(), (x ** 2).sum()], x)
        np.testing.assert_allclose(to_numpy(g), [4.0, 6.0])
        y = x * 2
        (g,) = T.autograd.grad(y, x, grad_outputs=T.tensor([1.0, 10.0], dtype=T.float64))
        np.testing.assert_allclose(to_numpy(g), [2.0, 20.0])


def test_grad_unused_inputs(torch_ref):
    for T in (torchless, torch_ref):
        x, w = leaf(T, [1.0, 2.0]), leaf(T, [1.0, 1.0])
        y = (x * 2).sum()
        with pytest.raises(RuntimeError, match="at index 1 appears to not have been used"):
            T.autograd.grad(y, [x, w], retain_graph=True)
        gx, gw = T.autograd.grad(y, [x, w], allow_unused=True, retain_graph=True)
        assert gw is None
        gx, gw = T.autograd.grad(y, [x, w], materialize_grads=True)
        assert str(gw.dtype) == str(T.float64)
        np.testing.assert_allclose(to_numpy(gw), [0.0, 0.0])
        with pytest.raises(ValueError):
            T.autograd.grad((x * 2).sum(), [w], materialize_grads=True, allow_unused=False)


def test_grad_retain_graph_default_frees():
    x = leaf(torchless, [1.0, 2.0])
    y = x.exp().sum()
    torchless.autograd.grad(y, x)
    with pytest.raises(RuntimeError, match="second time"):
        torchless.autograd.grad(y, x)
    y = x.exp().sum()
    torchless.autograd.grad(y, x, retain_graph=True)
    (g,) = torchless.autograd.grad(y, x)
    np.testing.assert_allclose(to_numpy(g), np.exp([1.0, 2.0]))


# ---------------------------------------------------------------------------- hooks
def test_tensor_hooks_observe_replace_and_remove(torch_ref):
    for T in (torchless, torch_ref):
        x = leaf(T, [1.0, 2.0])
        seen = []
        handle = x.register_hook(lambda g: seen.append(to_numpy(g)))
        (x * 2).sum().backward()
        handle.remove()
        (x * 2).sum().backward()
        assert len(seen) == 1
        np.testing.assert_allclose(seen[0], [2.0, 2.0])
        np.testing.assert_allclose(to_numpy(x.grad), [4.0, 4.0])

        x = leaf(T, [1.0, 2.0])
        x.register_hook(lambda g: g * 10)  # on a leaf: replaces what is accumulated
        y = x * 2
        y.register_hook(lambda g: g + 1)  # on a non-leaf: replaces what flows on
        y.sum().backward()
        np.testing.assert_allclose(to_numpy(x.grad), [40.0, 40.0])


def test_node_hooks(torch_ref):
    for T in (torchless, torch_ref):
        x = leaf(T, [1.0, 2.0])
        y = x * 3
        seen = []
        y.grad_fn.register_prehook(lambda go: seen.append(("pre", to_numpy(go[0]))))
        y.grad_fn.register_hook(lambda gi, go: seen.append(("post", to_numpy(gi[0]), gi[1], to_numpy(go[0]))))
        y.sum().backward()
        assert [s[0] for s in seen] == ["pre", "post"]
        np.testing.assert_allclose(seen[1][1], [3.0, 3.0])
        assert seen[1][2] is None

        x = leaf(T, [1.0, 2.0])
        y = x * 3
        y.grad_fn.register_prehook(lambda go: (go[0] * 2,))
        y.sum().backward()
        np.testing.assert_allclose(to_numpy(x.grad), [6.0, 6.0])
        x = leaf(T, [1.0, 2.0])
        y = x * 3
        handle = y.grad_fn.register_hook(lambda gi, go: (gi[0] * 0 + 7, None))
        y.sum().backward(retain_graph=True)
        np.testing.assert_allclose(to_numpy(x.grad), [7.0, 7.0])
        handle.remove()
        y.sum().backward()
        np.testing.assert_allclose(to_numpy(x.grad), [10.0, 10.0])


def test_post_accumulate_grad_hook(torch_ref):
    for T in (torchless, torch_ref):
        x = leaf(T, [1.0, 2.0])
        seen = []
        handle = x.register_post_accumulate_grad_hook(lambda p: seen.append(to_numpy(p.grad).copy()))
        (x * 3).sum().backward()
        (x * 3).sum().backward()
        handle.remove()
        (x * 3).sum().backward()
        assert len(seen) == 2
        np.testing.assert_allclose(seen[1], [6.0, 6.0])
        with pytest.raises(RuntimeError):
            (x * 2).register_post_accumulate_grad_hook(lambda p: None)


# ---------------------------------------------------------------------------- versions, in place
def test_version_counter_counts_inplace_ops(torch_ref):
    for T in (torchless, torch_ref):
        t = T.ones(3)
        versions = [t._version]
        t.add_(1)
        versions.append(t._version)
        t.mul_(2)
        versions.append(t._version)
        t += 1
        versions.append(t._version)
        t.zero_()
        versions.append(t._version)
        _ = t + 1  # out of place: no bump
        versions.append(t._version)
        assert versions == [0, 1, 2, 3, 4, 4]


def test_version_counter_shared_by_views(torch_ref):
    for T in (torchless, torch_ref):
        t = T.ones(2, 3)
        v = t.view(6)
        v.add_(1)
        assert t._version == v._version == 1
        t.mul_(2)
        assert v._version == 2
        np.testing.assert_allclose(to_numpy(v), [4.0] * 6)


@pytest.mark.parametrize("case", ["output_modified", "input_modified"])
def test_modified_saved_tensor_raises(case, torch_ref):
    for T in (torchless, torch_ref):
        x = leaf(T, [1.0, 2.0])
        if case == "output_modified":
            y = x.exp()  # saves its output
            loss = y.sum()
            y.add_(1)
        else:
            y = x * 2
            w = leaf(T, [1.0, 2.0])
            loss = (y * w).sum()  # saves y
            y.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            loss.backward()


def test_inplace_on_unsaved_tensor_is_fine(torch_ref):
    for T in (torchless, torch_ref):
        x = leaf(T, [1.0, 2.0])
        y = x * 2
        z = y + 1  # add saves nothing
        y.mul_(3)
        z.sum().backward()
        np.testing.assert_allclose(to_numpy(x.grad), [2.0, 2.0])
        assert y.grad_fn.name() == "MulBackward0"


def test_inplace_nonleaf_is_recorded(torch_ref):
    for T in (torchless, torch_ref):
        x = leaf(T, [1.0, 2.0])
        y = x * 1
        y.mul_(x)
        y.sin_()
        y.sum().backward()
        xv = np.array([1.0, 2.0])
        np.testing.assert_allclose(to_numpy(x.grad), np.cos(xv * xv) * 2 * xv)


def test_sgd_step_inside_no_grad(torch_ref):
    for T in (torchless, torch_ref):
        p = leaf(T, [1.0, 2.0])
        (p * p).sum().backward()
        with T.no_grad():
            p -= 0.1 * p.grad
        assert p.requires_grad and p.is_leaf and p.grad_fn is None and p._version == 1
        np.testing.assert_allclose(to_numpy(p), [0.8, 1.6])
        p.grad.zero_()
        (p * p).sum().backward()
        np.testing.assert_allclose(to_numpy(p.grad), [1.6, 3.2])


def test_inplace_on_leaf_requiring_grad_raises(torch_ref):
    for T in (torchless, torch_ref):
        p = leaf(T, [1.0, 2.0])
        for op in (lambda: p.add_(1), lambda: p.mul_(2), lambda: p.sin_(), lambda: p.zero_()):
            with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place operation"):
                op()
        assert p._version == 0


# ---------------------------------------------------------------- grad(is_grads_batched=True)
def test_batched_grad_outputs_give_one_gradient_per_row(torch_ref):
    results = []
    for m in (torchless, torch_ref):
        x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x ** 2
        (rows,) = m.autograd.grad(y, x, m.eye(3), is_grads_batched=True, retain_graph=True)
        (again,) = m.autograd.grad(y.sum(), x, m.ones(4), is_grads_batched=True)
        results.append((rows.numpy(), again.numpy()))
    np.testing.assert_array_equal(results[0][0], np.diag([2.0, 4.0, 6.0]))  # the Jacobian, row by row
    for ours, theirs in zip(*results):
        np.testing.assert_array_equal(ours, theirs)


def test_batched_grad_output_of_the_wrong_shape_is_refused():
    x = torchless.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"grad_output\[0\] has a shape of torch.Size\(\[2\]\) and output\[0\] "
                                           r"has a shape of torch.Size\(\[3\]\)"):
        torchless.autograd.grad(x ** 2, x, torchless.eye(2), is_grads_batched=True)


# ---------------------------------------------------------------------------------- relu, twice
def _relu_orders(m):
    x = m.tensor([-1.0, 2.0, 0.5], dtype=m.float64, requires_grad=True)
    g, = m.autograd.grad((x.relu() * x).sum(), x, create_graph=True)  # 2x where x > 0
    first = (g.detach().tolist(), type(g.grad_fn).__name__)
    h, = m.autograd.grad(g.sum(), x, create_graph=True)
    second = h.detach().tolist()
    y = m.tensor([-1.0, 2.0], requires_grad=True)
    gy, = m.autograd.grad(y.relu().sum(), y, create_graph=True)
    gy.sum().backward()  # relu's own gradient, differentiated: zeros, not None
    return first, second, type(gy.grad_fn).__name__, y.grad.tolist()


def test_relus_gradient_stays_connected_under_create_graph():
    first, second, node, grad = _relu_orders(torchless)
    assert first == ([0.0, 4.0, 1.0], "AddBackward0") and second == [0.0, 2.0, 2.0]
    assert node == "ThresholdBackwardBackward0" and grad == [0.0, 0.0]


def test_relus_gradient_under_create_graph_matches_torch(torch_ref):
    assert _relu_orders(torchless) == _relu_orders(torch_ref)


def test_relus_double_backward_gradchecks():
    x = torchless.tensor([-1.3, 0.7, 2.1, -0.4], dtype=torchless.float64, requires_grad=True)
    assert torchless.autograd.gradgradcheck(lambda t: (t.relu() * t * t).sum(), (x,))
