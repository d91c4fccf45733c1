"""torch.autograd.graph.saved_tensors_hooks: every saved tensor goes through pack at forward and
unpack at backward; gradients are unchanged by identity-like hooks; PyTorch's pack calls and errors."""
import numpy as np
import pytest

import torchless
from torchless.autograd.graph import disable_saved_tensors_hooks, save_on_cpu, saved_tensors_hooks
from torchless.engine.node import Node

X0 = np.array([0.5, -1.0, 2.0])
W0 = np.array([1.5, 0.3, -0.7])


def _program(m):
    x, w = m.tensor(X0, requires_grad=True), m.tensor(W0, requires_grad=True)
    return x, w, lambda: (x * w).exp().sum()


def test_pack_and_unpack_see_every_saved_tensor_and_gradients_are_unchanged():
    x, w, f = _program(torchless)
    f().backward()
    expected = [x.grad.numpy().copy(), w.grad.numpy().copy()]
    x.grad = w.grad = None
    log = []

    def pack(t):
        log.append(("pack", tuple(t.shape)))
        return t.detach().numpy().copy()  # kept outside torchless, as an offloading hook would

    def unpack(a):
        log.append(("unpack", a.shape))
        return torchless.tensor(a)

    with saved_tensors_hooks(pack, unpack):
        y = f()
    assert log == [("pack", (3,))] * 3  # x and w for the product, the output of exp
    y.backward()
    assert [e[0] for e in log[3:]] == ["unpack"] * 3
    np.testing.assert_array_equal(x.grad.numpy(), expected[0])
    np.testing.assert_array_equal(w.grad.numpy(), expected[1])
    assert "saved" not in Node.__dict__ or Node.__dict__["saved"] is None  # plain attribute again


def test_unpacked_values_are_what_backward_uses():
    x, w, _ = _program(torchless)
    with saved_tensors_hooks(lambda t: None, lambda packed: torchless.ones(3, dtype=torchless.float64)):
        y = (x * w).sum()
    y.backward()  # d/dx = saved w, which unpack replaced by ones
    assert x.grad.tolist() == [1.0, 1.0, 1.0] and w.grad.tolist() == [1.0, 1.0, 1.0]


def test_innermost_hooks_win_and_disable_refuses_new_hooks():
    outer, inner = [], []
    x, w, f = _program(torchless)
    with saved_tensors_hooks(lambda t: outer.append(1) or t, lambda t: t):
        with saved_tensors_hooks(lambda t: inner.append(1) or t, lambda t: t):
            f()
    assert inner == [1, 1, 1] and outer == []
    with disable_saved_tensors_hooks("hooks are off in this block"):
        with pytest.raises(RuntimeError, match="hooks are off in this block"):
            with saved_tensors_hooks(lambda t: t, lambda t: t):
                pass
    with save_on_cpu():
        y = f()
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), W0 * np.exp(X0 * W0))


def test_backward_twice_needs_retain_graph_and_bad_unpack_is_reported():
    x, w, f = _program(torchless)
    with saved_tensors_hooks(lambda t: t, lambda t: t):
        y = f()
    y.backward(retain_graph=True)
    y.backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        y.backward()
    with saved_tensors_hooks(lambda t: t, lambda t: torchless.zeros(2)):
        z = (x * w).sum()
    with pytest.raises(RuntimeError, match=r"unpack_hook returned a tensor of shape \[2\] for a saved tensor of shape \[3\]"):
        z.backward()


def test_same_pack_calls_and_gradients_as_torch(torch_ref):
    results = []
    for m in (torchless, torch_ref):
        x, w, f = _program(m)
        shapes = []
        with m.autograd.graph.saved_tensors_hooks(lambda t: shapes.append(tuple(t.shape)) or t, lambda t: t):
            y = f()
        y.backward()
        results.append((shapes, x.grad.detach().numpy(), w.grad.detach().numpy()))
    assert results[0][0] == results[1][0]
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-12)
    np.testing.assert_allclose(results[0][2], results[1][2], rtol=1e-12)


def test_forward_ad_inside_hooks_unpacks_what_its_rules_saved():
    import torchless.autograd.forward_ad as fwAD
    with saved_tensors_hooks(lambda t: t.detach().numpy().copy(), lambda a: torchless.tensor(a)):
        with fwAD.dual_level():
            d = fwAD.make_dual(torchless.tensor([1.0, 2.0, 3.0]), torchless.ones(3))
            assert fwAD.unpack_dual(d.prod()).tangent.item() == 11.0  # 2*3 + 1*3 + 1*2


def test_pack_hook_gets_the_saved_tensors_as_pytorch(torch_ref):
    """pack_hook receives the op's input tensor itself, and for a saved output a tensor with the
    output's grad_fn, as in PyTorch."""
    seen = {}
    for m in (torchless, torch_ref):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        got = []
        with m.autograd.graph.saved_tensors_hooks(lambda t: got.append(t) or t, lambda t: t):
            z = (x * x).exp()
        seen[m.__name__] = [(t is x, t.requires_grad, None if t.grad_fn is None else t.grad_fn.name()) for t in got]
        z.sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), 2 * np.array([1.0, 2.0]) * np.exp([1.0, 4.0]))
    assert seen["torchless"] == seen["torch"] == [(True, True, None), (True, True, None), (False, True, "ExpBackward0")]
