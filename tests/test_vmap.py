"""torch.func.vmap: equal to the Python loop over the batch for every kind of op; in_dims/out_dims,
pytrees, nesting, randomness, per-example gradients; PyTorch's shapes and errors."""
import numpy as np
import pytest

import torchless
from torchless.func import grad, vmap

from .conftest import to_numpy

RNG = np.random.default_rng(21)
BATCH = torchless.tensor(RNG.standard_normal((5, 3, 4)))
OTHER = torchless.tensor(RNG.standard_normal((5, 4)))
INDEX = torchless.tensor([2, 0, 1])

# one example of each kind of op: elementwise, broadcasting, reductions, shapes, indexing, linalg,
# nn functions, in-place on a copy, creation from the example
OPS = {
    "exp_sin": lambda x: x.exp().sin(),
    "broadcast_other": lambda x: x * OTHER[0] + 1,
    "sum_dim": lambda x: x.sum(1),
    "mean_keepdim": lambda x: x.mean(0, keepdim=True),
    "max_values": lambda x: x.max(dim=1).values,
    "argmax": lambda x: x.argmax(),
    "logsumexp": lambda x: x.logsumexp(-1),
    "softmax": lambda x: torchless.softmax(x, dim=-1),
    "transpose_reshape": lambda x: x.T.reshape(2, 6),
    "view_flatten": lambda x: x.flatten(),
    "index": lambda x: x[INDEX, 1:3],
    "mask": lambda x: x.masked_fill(x > 0, 0.0),
    "matmul": lambda x: x @ x.T,
    "cat": lambda x: torchless.cat([x, x * 2], dim=0),
    "cumsum": lambda x: x.cumsum(1),
    "where": lambda x: torchless.where(x > 0, x, -x),
    "inplace_on_clone": lambda x: x.clone().mul_(3).add_(1),
    "zeros_like": lambda x: torchless.zeros_like(x) + x.norm(),
    "linear": lambda x: torchless.nn.functional.linear(x, torchless.ones(2, 4, dtype=torchless.float64)),
    "cross_entropy": lambda x: torchless.nn.functional.cross_entropy(x, torchless.tensor([0, 3, 1])),
}


@pytest.mark.parametrize("name", list(OPS))
def test_vmap_equals_the_loop_over_the_batch(name):
    op = OPS[name]
    got = vmap(op)(BATCH)
    want = torchless.stack([op(BATCH[i]) for i in range(BATCH.shape[0])])
    assert got.shape == want.shape and got.dtype == want.dtype
    # one vectorized call may sum in another order than each example alone: equal to rounding
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-13, atol=1e-15)


def test_in_dims_out_dims_and_pytrees():
    x = BATCH
    assert vmap(lambda a: a.sum(0), in_dims=1)(x).shape == (3, 4)
    assert vmap(lambda a: a * 2, out_dims=1)(x).shape == (3, 5, 4)
    got = vmap(lambda a, b: a @ b, in_dims=(0, None))(x, OTHER[0])
    np.testing.assert_allclose(got.numpy(), x.numpy() @ OTHER[0].numpy())
    out = vmap(lambda d: {"double": d["u"] * 2, "pair": (d["u"].sum(), d["v"])})({"u": x, "v": OTHER})
    assert out["double"].shape == (5, 3, 4) and out["pair"][0].shape == (5,) and out["pair"][1].shape == (5, 4)
    s, t = vmap(lambda a: (a.sum(), a), out_dims=(0, 2))(x)
    assert s.shape == (5,) and t.shape == (3, 4, 5)
    assert vmap(lambda a: OTHER.sum(), out_dims=None)(x).shape == ()
    empty = vmap(lambda a: (a.sum(), a * 2), out_dims=(0, 1))(torchless.zeros(0, 2))
    assert empty[0].shape == (0,) and empty[1].shape == (2, 0)


def test_nested_vmap_and_autograd_through_it():
    x = torchless.tensor(RNG.standard_normal((2, 3, 4)), requires_grad=True)
    y = vmap(vmap(lambda a: (a * a).sum()))(x)
    assert y.shape == (2, 3)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * x.detach().numpy())


def test_per_example_gradients_equal_one_backward_per_example():
    torchless.manual_seed(0)
    w = torchless.randn(4, 3, dtype=torchless.float64)
    xs = torchless.tensor(RNG.standard_normal((6, 4)))
    ys = torchless.tensor(RNG.standard_normal((6, 3)))

    def loss(w, x, y):
        return ((x @ w).tanh() - y).pow(2).sum()

    per_example = vmap(grad(loss), in_dims=(None, 0, 0))(w, xs, ys)
    for i in range(6):
        wi = w.clone().requires_grad_()
        loss(wi, xs[i], ys[i]).backward()
        np.testing.assert_allclose(per_example[i].numpy(), wi.grad.numpy(), rtol=1e-12)


def test_randomness_modes():
    x = torchless.zeros(4)
    with pytest.raises(RuntimeError, match="vmap: called random operation while in randomness error mode"):
        vmap(lambda a: torchless.rand(()))(x)
    same = vmap(lambda a: torchless.rand(()), randomness="same")(x)
    assert len(set(same.tolist())) == 1
    different = vmap(lambda a: torchless.rand(()), randomness="different")(x)
    assert len(set(different.tolist())) == 4
    torchless.rand(())  # random ops work again after the map


@pytest.mark.parametrize("call, error, message", [
    (lambda: vmap(lambda a, b: a + b)(BATCH, torchless.zeros(4, 2)), ValueError,
     r"vmap: Expected all tensors to have the same size in the mapped dimension, got sizes \[5, 4\]"),
    (lambda: vmap(lambda a: a, in_dims=None)(BATCH), ValueError, "expected `in_dims` to be int or a"),
    (lambda: vmap(lambda a: 3.0)(BATCH), ValueError, "must only return Tensors, got type <class 'float'>"),
    (lambda: vmap(lambda a: a, in_dims=3)(BATCH), ValueError,
     "Got in_dim=3 for some input, but that input is a Tensor of dimensionality 3"),
    (lambda: vmap(lambda a: a, in_dims=(None,))(BATCH), ValueError, "vmap: Expected at least one Tensor to vmap over"),
    (lambda: vmap(lambda a: a)(), ValueError, "got no inputs"),
    (lambda: vmap(lambda a: a, randomness="x")(BATCH), RuntimeError, "Only allowed values for randomness"),
])
def test_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


def _torch_cases(m):
    x = m.tensor(BATCH.numpy())
    o = m.tensor(OTHER.numpy())
    V = m.func.vmap
    return [
        V(lambda a: a.exp().sum(-1))(x),
        V(lambda a, b: a @ b, in_dims=(0, 0))(x, o),
        V(lambda a: a.T, in_dims=2, out_dims=1)(x),
        V(V(lambda a: a.max()))(x),
        V(lambda a, b: (a * b).sum(), in_dims=(1, None))(x, o[0]),
    ]


def test_same_results_as_torch(torch_ref):
    for ours, theirs in zip(_torch_cases(torchless), _torch_cases(torch_ref)):
        assert tuple(ours.shape) == tuple(theirs.shape)
        np.testing.assert_allclose(to_numpy(ours), to_numpy(theirs), rtol=1e-12)
