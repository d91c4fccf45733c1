"""In-place ops: random fills, and the in-place writes PyTorch refuses (same exception type)."""
import numpy as np
import pytest

import torchless


@pytest.mark.parametrize("fill, check", [
    (lambda t: t.normal_(2.0, 0.5), lambda a: abs(a.mean() - 2.0) < 0.05 and abs(a.std() - 0.5) < 0.05),
    (lambda t: t.uniform_(-3.0, -1.0), lambda a: a.min() >= -3.0 and a.max() < -1.0 and abs(a.mean() + 2) < 0.05),
    (lambda t: t.exponential_(4.0), lambda a: a.min() >= 0 and abs(a.mean() - 0.25) < 0.02),
    (lambda t: t.bernoulli_(0.3), lambda a: set(np.unique(a)) <= {0.0, 1.0} and abs(a.mean() - 0.3) < 0.03),
])
def test_random_fills_write_in_place_with_the_right_distribution(fill, check):
    torchless.manual_seed(0)
    t = torchless.empty(100, 100)
    data = t._data
    out = fill(t)
    assert out is t and t._data is data  # same tensor, same storage
    assert t.dtype == torchless.float32 and t._version == 1
    assert check(t.numpy())


def test_random_fill_is_reproducible_with_manual_seed():
    torchless.manual_seed(7)
    a = torchless.empty(5).normal_()
    torchless.manual_seed(7)
    b = torchless.empty(5).normal_()
    assert torchless.equal(a, b)


def test_random_int_fill_stays_in_range():
    torchless.manual_seed(1)
    t = torchless.zeros(1000, dtype=torchless.int64).random_(3, 7)
    assert t.dtype == torchless.int64 and set(t.tolist()) == {3, 4, 5, 6}


def test_random_fill_on_a_leaf_that_requires_grad(torch_ref):
    for lib in (torchless, torch_ref):
        w = lib.zeros(3, requires_grad=True)
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            w.normal_()
        with lib.no_grad():
            w.uniform_(-1, 1)  # how nn.init works
        assert w.requires_grad and w.is_leaf and float(w.abs().max()) <= 1


def test_normal_on_an_integer_tensor_raises_like_torch(torch_ref):
    for lib in (torchless, torch_ref):
        with pytest.raises(RuntimeError, match="not implemented for 'Long'"):
            lib.zeros(3, dtype=lib.int64).normal_()


def test_writing_an_expanded_view_raises_like_torch(torch_ref):
    for lib in (torchless, torch_ref):
        x = lib.ones(3, 1)
        with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
            x.expand(3, 4).add_(1)


def test_in_place_on_a_split_piece_in_a_graph_raises_like_torch(torch_ref):
    for lib in (torchless, torch_ref):
        a = lib.ones(2, 3, requires_grad=True)
        piece = (a * 1).split(1)[0]
        with pytest.raises(RuntimeError, match="function that returns multiple views"):
            piece.mul_(2)


def test_random_fill_of_a_non_leaf_cuts_the_gradient_to_the_old_values(torch_ref):
    x = torchless.ones(3, requires_grad=True)
    y = x * 2
    y.uniform_()
    (y * 3).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]


# ---------------------------------------------------------------------------------- written results
# An op whose backward needs its own result (PyTorch saves it) must refuse a backward after the
# result was written in place: pow's gradient would otherwise be computed from the new values.
RESULT_USERS = {
    "2 ** x": lambda m, x: 2.0 ** x,
    "x ** w": lambda m, x: x ** m.tensor([2.0, 0.5, 3.0]),
    "max()": lambda m, x: x.max(),
    "min()": lambda m, x: x.min(),
    "amax": lambda m, x: x.view(1, 3).amax(1),
    "amin": lambda m, x: x.view(1, 3).amin(1),
    "amax keepdim": lambda m, x: x.view(1, 3).amax(1, keepdim=True),
    "median()": lambda m, x: x.median(),
    "cumprod": lambda m, x: x.cumprod(0),
    "exp": lambda m, x: x.exp(),
    "tanh": lambda m, x: x.tanh(),
    "sqrt": lambda m, x: x.sqrt(),
    "x ** 2 (keeps x only)": lambda m, x: x ** 2,
    "x * 2.0 (keeps the number)": lambda m, x: x * 2.0,
    "x + 1 (keeps nothing)": lambda m, x: x + 1,
}


def _backward_after_writing_the_result(m, op):
    x = m.tensor([1.0, 3.0, 2.0], requires_grad=True)
    y = op(m, x)
    y.add_(1)
    try:
        y.sum().backward()
    except RuntimeError as e:
        assert "modified by an inplace operation" in str(e)
        return "raises"
    return [round(v, 4) for v in x.grad.tolist()]


@pytest.mark.parametrize("op", list(RESULT_USERS))
def test_writing_a_result_its_backward_needs_raises_as_in_pytorch(torch_ref, op):
    assert (_backward_after_writing_the_result(torchless, RESULT_USERS[op])
            == _backward_after_writing_the_result(torch_ref, RESULT_USERS[op]))


def test_writing_the_result_of_pow_raises_instead_of_a_wrong_gradient():
    assert _backward_after_writing_the_result(torchless, RESULT_USERS["2 ** x"]) == "raises"
    assert _backward_after_writing_the_result(torchless, RESULT_USERS["x ** 2 (keeps x only)"]) == [2.0, 6.0, 4.0]


# ---------------------------------------------------------------------------------- x[:, idx]
ADVANCED_KEYS = {
    "[:, idx]": lambda m, x: x[:, [0, 2]],
    "[:, :, idx]": lambda m, x: x[:, :, [1, 3]],
    "[idx]": lambda m, x: x[[1, 0]],
    "[:, idx, idx]": lambda m, x: x[:, [0, 1], [2, 3]],
    "[idx, :, idx]": lambda m, x: x[[0, 1], :, [2, 3]],
    "[mask]": lambda m, x: x[x > 5],
    "[:, mask]": lambda m, x: x[:, m.tensor([True, False, True])],
}


@pytest.mark.parametrize("requires_grad", [False, True])
@pytest.mark.parametrize("key", list(ADVANCED_KEYS))
def test_advanced_indexing_gives_a_contiguous_tensor_as_pytorch(torch_ref, key, requires_grad):
    # NumPy returns x[:, idx] as a transposed copy; PyTorch's is contiguous, so .view(-1) works
    def result(m):
        x = m.arange(24.0).view(2, 3, 4).clone().requires_grad_(requires_grad)
        y = ADVANCED_KEYS[key](m, x)
        return y.is_contiguous(), tuple(y.stride()), y.view(-1).tolist()
    ours = result(torchless)
    assert ours[0] and ours == result(torch_ref)
