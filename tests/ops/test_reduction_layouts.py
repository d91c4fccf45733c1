"""Reductions of batch-shaped 2-d arrays, which take their own paths (backend/numpy.py `_reduce`): a short
last axis reduced over a transposed copy, a first-axis sum as a product with ones. Each path is
checked against exact float64 sums, NumPy's max and PyTorch, beside shapes just outside it."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import torchless
from torchless.autograd import gradcheck
from torchless.backend import numpy as xp

from ..conftest import assert_same, to_numpy

# (rows, cols): on the fast paths (>= 32 rows; <= 16 columns for the last axis), and just outside
BATCH_SHAPES = [(32, 1), (256, 10), (300, 16), (64, 512), (31, 10), (256, 17), (5, 3)]


def _values(shape, dtype, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("shape", BATCH_SHAPES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("dim", [0, 1, -1, -2])
@pytest.mark.parametrize("keepdim", [False, True])
def test_sum_matches_the_exact_sum(shape, dtype, dim, keepdim):
    a = _values(shape, dtype)
    out = torchless.tensor(a).sum(dim, keepdim=keepdim)
    exact = a.astype(np.float64).sum(axis=dim, keepdims=keepdim)
    assert out.shape == exact.shape and out.dtype == torchless.tensor(a).dtype
    tol = 1e-5 if dtype == np.float32 else 1e-13
    np.testing.assert_allclose(out.numpy(), exact, rtol=tol, atol=tol * shape[dim])


def test_first_axis_sum_is_more_accurate_than_row_by_row():
    """The product with ones accumulates a bias gradient with less error than NumPy's axis-0 loop."""
    a = np.random.default_rng(1).random((100000, 4), dtype=np.float32)
    exact = a.astype(np.float64).sum(axis=0)
    ours = np.abs(torchless.tensor(a).sum(0).numpy() - exact).max()
    assert ours < np.abs(a.sum(axis=0) - exact).max()


@pytest.mark.parametrize("shape", BATCH_SHAPES)
@pytest.mark.parametrize("dim", [0, 1])
def test_amax_with_nan_and_inf_equals_numpy(shape, dim):
    a = _values(shape, np.float32, seed=2)
    a[0, 0] = np.nan
    a[-1, -1] = np.inf
    a[shape[0] // 2, :] = -np.inf
    out = torchless.tensor(a).amax(dim, keepdim=True).numpy()
    np.testing.assert_array_equal(out, np.max(a, axis=dim, keepdims=True))
    values, indices = torchless.tensor(a).max(dim)
    np.testing.assert_array_equal(values.numpy(), np.max(a, axis=dim))


def test_reductions_leave_their_input_and_give_fresh_arrays():
    a = _values((256, 10), np.float32)
    before = a.copy()
    for out in (xp.sum_dims(a, 1, True), xp.sum_dims(a, 0, False), xp.amax(a, -1, True)):
        assert out.base is None and out.flags.writeable and out.flags.c_contiguous
    np.testing.assert_array_equal(a, before)


@pytest.mark.parametrize("shape", [(256, 10), (8, 10)])
def test_logsumexp_of_rows_with_infinities_and_nan(shape):
    a = _values(shape, np.float32, seed=3) * 50
    a[1, :] = -np.inf            # log(0)
    a[2, 4] = np.inf             # dominated by +inf
    a[3, 0] = np.nan
    a[4, :] = [1e30] * shape[1]  # large but finite: shifted by the max, no overflow
    out = torchless.tensor(a).logsumexp(1).numpy()
    assert out[1] == -np.inf and out[2] == np.inf and np.isnan(out[3])
    np.testing.assert_allclose(out[4], np.float32(1e30), rtol=1e-6)
    rest = np.delete(np.arange(shape[0]), [1, 2, 3, 4])
    exact = np.log(np.exp(a[rest].astype(np.float64)).sum(axis=1))
    np.testing.assert_allclose(out[rest], exact, rtol=1e-6)


def test_logsumexp_and_sums_agree_with_torch(torch_ref):
    a = _values((256, 10), np.float32, seed=4) * 10
    a[5, 3] = np.inf
    a[6, :] = -np.inf
    for call in (lambda m, t: m.logsumexp(t, 1, keepdim=True), lambda m, t: t.sum(0), lambda m, t: t.sum(1),
                 lambda m, t: t.mean(0), lambda m, t: t.mean(-1, keepdim=True), lambda m, t: t.amax(1)):
        assert_same(call(torchless, torchless.tensor(a)), call(torch_ref, torch_ref.tensor(a)), rtol=2e-6, atol=1e-5)


def test_logsumexp_of_a_0d_tensor_is_itself():
    for v in (2.5, float("inf"), float("-inf")):
        assert torchless.tensor(v).logsumexp(0).item() == v
    assert np.isnan(torchless.tensor(float("nan")).logsumexp(0).item())


def test_mean_is_the_sum_over_the_count():
    a = _values((256, 10), np.float32, seed=5)
    t = torchless.tensor(a)
    assert t.mean().item() == np.float32(np.add.reduce(a, axis=None) / a.size)
    np.testing.assert_array_equal(t.mean(1).numpy(), xp.sum_dims(a, 1, False) / 10)
    half = torchless.tensor(a.astype(np.float16))  # float16 keeps NumPy's float32 accumulation
    assert half.mean().dtype == torchless.float16
    assert half.mean().item() == np.float16(a.astype(np.float16).mean())


def test_gradients_through_batch_reductions_by_finite_differences():
    rng = np.random.default_rng(6)
    z = torchless.tensor(rng.standard_normal((40, 6)), requires_grad=True)
    b = torchless.tensor(rng.standard_normal(6), requires_grad=True)
    assert gradcheck(lambda z: z - z.logsumexp(1, keepdim=True), (z,))
    assert gradcheck(lambda z, b: ((z + b).relu() * 2).sum(0), (z, b))
    assert gradcheck(lambda z: z.amax(1).mean() + z.mean(0).sum(), (z,))


def test_bias_gradient_of_a_batch_is_the_column_sum():
    g = _values((256, 512), np.float32, seed=7)
    x = torchless.randn(256, 512)
    b = torchless.zeros(512, requires_grad=True)
    (x + b).backward(torchless.tensor(g))
    np.testing.assert_allclose(b.grad.numpy(), g.astype(np.float64).sum(0), rtol=1e-5, atol=1e-4)


# ---------------------------------------------------------------- broadcasting into an operand
@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(1, 3), max_size=4), st.lists(st.integers(1, 3), max_size=4))
def test_fits_into_agrees_with_numpy(bshape, ashape):
    bshape, ashape = tuple(bshape), tuple(ashape)
    try:
        expected = np.broadcast_shapes(ashape, bshape) == ashape
    except ValueError:
        expected = False
    assert xp.fits_into(bshape, ashape) == expected


# ---------------------------------------------------------------- gather's cached positions
def test_gather_with_changing_batch_sizes_and_bad_indices():
    for n in (4, 256, 7, 256):
        z = torchless.arange(n * 3, dtype=torchless.float32).reshape(n, 3)
        idx = torchless.tensor(np.arange(n) % 3)[:, None]
        np.testing.assert_array_equal(z.gather(1, idx).numpy()[:, 0], np.arange(n) * 3 + np.arange(n) % 3)
    z = torchless.zeros(4, 3)
    for bad in (3, -1):
        with pytest.raises(RuntimeError, match=f"index {bad} is out of bounds for dimension 1 with size 3"):
            z.gather(1, torchless.tensor([[0], [bad], [1], [2]]))


def test_scatter_after_gather_does_not_touch_shared_positions():
    idx = torchless.tensor([[1], [0]])
    a = torchless.zeros(2, 3).scatter(1, idx, torchless.ones(2, 1))
    b = torchless.zeros(2, 3).scatter(1, idx, torchless.full((2, 1), 2.0))
    assert to_numpy(a).tolist() == [[0, 1, 0], [1, 0, 0]]
    assert to_numpy(b).tolist() == [[0, 2, 0], [2, 0, 0]]
    assert to_numpy(torchless.tensor([[5., 6., 7.], [8., 9., 10.]]).gather(1, idx)).tolist() == [[6], [8]]


# ---------------------------------------------------------------- in-place, same dtype
def test_inplace_same_dtype_updates_and_bumps_the_version():
    p = torchless.ones(3)
    v = p._version
    p -= torchless.tensor([0.5, 1.0, 1.5])
    assert p.tolist() == [0.5, 0.0, -0.5] and p._version == v + 1


def test_inplace_errors_keep_pytorchs_messages():
    a = torchless.tensor([True, False])
    with pytest.raises(RuntimeError, match="Subtraction, the `-` operator, with two bool tensors is not supported"):
        a -= torchless.tensor([True, True])
    i = torchless.ones(3, dtype=torchless.int64)
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type Long"):
        i -= torchless.ones(3)
    e = torchless.zeros(1).expand(3)
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        e += torchless.ones(3)


# ---------------------------------------------------------------- x[:, None]
@pytest.mark.parametrize("key", [(slice(None), None), (None,), (None, slice(None)), (None, None),
                                 (slice(None), slice(None), None), (slice(None), None, slice(None))])
def test_unsqueeze_keys_match_torch(key, torch_ref):
    a = np.arange(6.0).reshape(2, 3)
    ours = torchless.tensor(a, requires_grad=True)
    theirs = torch_ref.tensor(a, requires_grad=True)
    y, yt = ours[key], theirs[key]
    assert y.grad_fn.name() == yt.grad_fn.name() == "UnsqueezeBackward0"
    assert_same(y, yt)
    assert y._base is ours  # a view: writes show through
    (y * torchless.tensor(np.arange(y.numel()).reshape(tuple(y.shape)))).sum().backward()
    (yt * torch_ref.arange(yt.numel()).reshape(yt.shape)).sum().backward()
    assert_same(ours.grad, theirs.grad)


def test_unsqueeze_key_with_too_many_slices_is_refused():
    with pytest.raises(IndexError, match="too many indices for tensor of dimension 1"):
        torchless.zeros(3)[:, :, None]
