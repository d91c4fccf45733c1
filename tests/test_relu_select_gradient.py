"""relu's gradient selects (PyTorch's threshold_backward: 0 where the output is <= 0, else the
incoming gradient) rather than multiplying by a mask: a NaN output passes the gradient, and an
infinite or NaN incoming gradient where relu was off gives 0, not NaN. Small and large (in-place
backward) arrays, create_graph and forward mode alike."""
import numpy as np
import pytest

import torchless as torch
from torchless.func import jvp

nan, inf = float("nan"), float("inf")


@pytest.mark.parametrize("dt", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("n", [4, 6000])
def test_backward_selects(n, dt):
    x = np.full(n, -1.0, dt)
    x[:4] = [nan, -1.0, 2.0, 0.0]
    x[-1] = 5.0
    g = np.full(n, inf, dt)
    g[:4] = [1.0, inf, 3.0, nan]
    g[-1] = -7.0
    t = torch.tensor(x, requires_grad=True)
    torch.relu(t * 1).backward(torch.tensor(g))
    want = np.zeros(n, dt)
    want[:4] = [1.0, 0.0, 3.0, 0.0]
    want[-1] = -7.0
    np.testing.assert_array_equal(t.grad.numpy(), want)
    assert t.grad.dtype == t.dtype
    assert not np.signbit(t.grad.numpy()[1:-1][np.asarray(want[1:-1]) == 0]).any()  # +0, as PyTorch's


def test_big_double_backward_selects():
    x = np.full(6000, -1.0)
    x[:3] = [nan, 2.0, 3.0]
    t = torch.tensor(x, requires_grad=True)
    (gx,) = torch.autograd.grad(torch.relu(t).sum(), t, create_graph=True)
    w = np.full(6000, inf)
    w[:3] = [2.0, 3.0, 4.0]
    (gw,) = torch.autograd.grad(gx, t, grad_outputs=torch.tensor(w), allow_unused=True)
    np.testing.assert_array_equal(gw.numpy(), np.zeros(6000))
    np.testing.assert_array_equal(gx.detach().numpy()[:4], [1.0, 1.0, 1.0, 0.0])


def test_create_graph_and_double_backward():
    x = torch.tensor([nan, -1.0, 2.0], requires_grad=True)
    (gx,) = torch.autograd.grad(torch.relu(x).sum(), x, create_graph=True)
    np.testing.assert_array_equal(gx.detach().numpy(), [1.0, 0.0, 1.0])
    (ggx,) = torch.autograd.grad((gx * torch.tensor([1.0, inf, 1.0])).sum(), x, allow_unused=True)
    np.testing.assert_array_equal(ggx.numpy(), [0.0, 0.0, 0.0])


def test_forward_mode():
    out, tangent = jvp(torch.relu, (torch.tensor([nan, -1.0, 2.0]),), (torch.tensor([1.0, inf, 1.0]),))
    np.testing.assert_array_equal(tangent.numpy(), [1.0, 0.0, 1.0])


def test_same_as_pytorch():
    torch_ref = pytest.importorskip("torch")
    x = [nan, -1.0, 2.0, 0.0, -inf, inf]
    g = [1.0, inf, 3.0, nan, 5.0, 6.0]
    a = torch.tensor(x, requires_grad=True)
    torch.relu(a).backward(torch.tensor(g))
    b = torch_ref.tensor(x, requires_grad=True)
    torch_ref.relu(b).backward(torch_ref.tensor(g))
    np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())
