"""Module backward hooks: what they see, when they run, what their results replace; against PyTorch."""
import warnings

import numpy as np
import pytest

import torchless

W = np.random.default_rng(1).standard_normal((2, 3))
B = np.random.default_rng(2).standard_normal(2)
X = np.random.default_rng(3).standard_normal((4, 3))


def _linear(m):
    lin = m.nn.Linear(3, 2).double()
    with m.no_grad():
        lin.weight.copy_(m.tensor(W))
        lin.bias.copy_(m.tensor(B))
    return lin


def _arrays(grads):
    return [None if g is None else g.detach().numpy().copy() for g in grads]


def _scenario(m, name):
    """Run one hook scenario; returns the hooks' log and the resulting gradients."""
    lin = _linear(m)
    log = []
    x = m.tensor(X, requires_grad=name != "input_without_grad")
    if name in ("observe", "input_without_grad"):
        lin.register_full_backward_pre_hook(lambda mod, go: log.append(("pre", _arrays(go))))
        lin.register_full_backward_hook(lambda mod, gi, go: log.append(("hook", _arrays(gi), _arrays(go))))
    elif name == "replace_grad_input":
        lin.register_full_backward_hook(lambda mod, gi, go: (gi[0] * 3,))
    elif name == "replace_grad_output":
        lin.register_full_backward_pre_hook(lambda mod, go: (go[0] * -2,))
    elif name == "removed":
        lin.register_full_backward_hook(lambda mod, gi, go: (gi[0] * 3,)).remove()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        y = lin(x)
        (y * m.tensor([[1.0, -1.0]], dtype=m.float64)).sum().backward()
    grads = _arrays([x.grad, lin.weight.grad, lin.bias.grad])
    return type(y.grad_fn).__name__, log, grads


SCENARIOS = ["observe", "input_without_grad", "replace_grad_input", "replace_grad_output", "removed"]


@pytest.mark.parametrize("name", SCENARIOS)
def test_hooks_match_torch(name, torch_ref):
    ours, theirs = _scenario(torchless, name), _scenario(torch_ref, name)
    assert ours[0] == theirs[0]
    assert [entry[0] for entry in ours[1]] == [entry[0] for entry in theirs[1]]
    for a, b in zip(ours[1], theirs[1]):
        for xs, ys in zip(a[1:], b[1:]):
            assert len(xs) == len(ys)
            for u, v in zip(xs, ys):
                assert (u is None) == (v is None)
                if u is not None:
                    np.testing.assert_allclose(u, v, rtol=1e-12)
    for u, v in zip(ours[2], theirs[2]):
        assert (u is None) == (v is None)
        if u is not None:
            np.testing.assert_allclose(u, v, rtol=1e-12)


def test_closed_forms_of_what_the_hooks_see():
    grad_fn, log, grads = _scenario(torchless, "observe")
    assert grad_fn == "BackwardHookFunctionBackward"
    (pre, go), (hook, gi, go2) = log
    upstream = np.tile([1.0, -1.0], (4, 1))
    np.testing.assert_array_equal(go[0], upstream)
    np.testing.assert_array_equal(go2[0], upstream)
    np.testing.assert_allclose(gi[0], upstream @ W, rtol=1e-12)  # d/dx of x W^T + b
    _, _, replaced = _scenario(torchless, "replace_grad_input")
    np.testing.assert_allclose(replaced[0], 3 * (upstream @ W), rtol=1e-12)
    np.testing.assert_allclose(replaced[1], grads[1], rtol=1e-12)  # the weight's gradient is untouched
    _, _, scaled = _scenario(torchless, "replace_grad_output")
    np.testing.assert_allclose(scaled[1], -2 * grads[1], rtol=1e-12)  # everything after the pre-hook


def test_hook_without_input_gradients_warns_and_sees_none():
    lin = _linear(torchless)
    seen = []
    lin.register_full_backward_hook(lambda mod, gi, go: seen.append(gi))
    with pytest.warns(UserWarning, match="Full backward hook is firing when gradients are computed with respect to module outputs"):
        lin(torchless.tensor(X)).sum().backward()
    assert seen == [(None,)]


def test_a_hook_returning_the_wrong_number_of_gradients_is_refused():
    lin = _linear(torchless)
    lin.register_full_backward_hook(lambda mod, gi, go: (gi[0], gi[0]))
    with pytest.raises(RuntimeError, match="Backward hook returned an invalid number of grad_input, got 2, but expected 1"):
        lin(torchless.tensor(X, requires_grad=True)).sum().backward()


def test_no_hooks_no_extra_node():
    lin = _linear(torchless)
    assert type(lin(torchless.tensor(X, requires_grad=True)).grad_fn).__name__ == "AddmmBackward0"
