"""Misc breadth, round 3 (issue 12): fractional max pooling (functions and modules), antialiased
bilinear resampling, torch.ops.aten (slice, native_dropout_backward,
max_pool2d_with_indices_backward, _safe_softmax, _batch_norm_with_update ...) and torch's private
operators (_softmax_backward_data, _chunk_cat, segment_reduce, _unsafe_masked_index ...).

Closed forms and gradcheck/gradgradcheck in float64 always; the same calls in PyTorch where it is
installed (values, dtypes, gradients, tangents, exception types)."""
import math

import numpy as np
import pytest

import torchless as tl
import torchless.nn as nn
import torchless.nn.functional as F
from torchless.autograd import forward_ad as fwad
from torchless.autograd import gradcheck, gradgradcheck

from tests.conftest import requires_torch

RNG = np.random.default_rng(2026)
aten = tl.ops.aten


def _t(a, grad=False):
    return tl.tensor(np.array(a), requires_grad=grad)


def _both(torch, a, grad=False):
    a = np.array(a)
    return tl.tensor(a, requires_grad=grad), torch.tensor(a, requires_grad=grad)


def _close(ours, theirs, atol=1e-10, rtol=1e-7):
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert str(ours.dtype) == str(theirs.dtype)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), atol=atol, rtol=rtol)


def _grads_agree(torch, ours_out, theirs_out, ours_in, theirs_in, atol=1e-9):
    w = RNG.standard_normal(tuple(theirs_out.shape))
    gl = tl.autograd.grad((ours_out * tl.tensor(w).to(ours_out.dtype)).sum(), ours_in, allow_unused=True)
    gt = torch.autograd.grad((theirs_out * torch.tensor(w).to(theirs_out.dtype)).sum(), theirs_in, allow_unused=True)
    for a, b, leaf in zip(gl, gt, theirs_in):
        a = np.zeros(tuple(leaf.shape)) if a is None else a.numpy()
        b = np.zeros(tuple(leaf.shape)) if b is None else b.numpy()
        np.testing.assert_allclose(a, b, atol=atol)


# ============================================================================ fractional max pooling
def _fractional_reference(x, k, y, u):
    """A direct loop over PyTorch's window rule (one plane: x (S...), u (d,) in the dims' order)."""
    d = x.ndim
    starts = []
    for i in range(d):
        s = x.shape[i]
        if y[i] == 1:
            starts.append([s - k[i]])
            continue
        alpha = (s - k[i]) / (y[i] - 1)
        seq = [int((j + u[i]) * alpha) - int(u[i] * alpha) for j in range(y[i] - 1)] + [s - k[i]]
        starts.append(seq)
    out = np.empty(y)
    for pos in np.ndindex(*y):
        window = x[tuple(slice(starts[i][pos[i]], starts[i][pos[i]] + k[i]) for i in range(d))]
        out[pos] = window.max()
    return out


def test_fractional_max_pool2d_matches_a_direct_loop():
    x = RNG.standard_normal((2, 3, 9, 8))
    u = RNG.random((2, 3, 2))
    out = F.fractional_max_pool2d(_t(x), (3, 2), output_size=(4, 5), _random_samples=_t(u))
    for n in range(2):
        for c in range(3):
            ref = _fractional_reference(x[n, c], (3, 2), (4, 5), u[n, c, ::-1])  # samples run (w, h)
            np.testing.assert_array_equal(out.numpy()[n, c], ref)


def test_fractional_max_pool3d_matches_a_direct_loop():
    x = RNG.standard_normal((1, 2, 7, 6, 8))
    u = RNG.random((1, 2, 3))
    out = F.fractional_max_pool3d(_t(x), 2, output_size=(3, 4, 3), _random_samples=_t(u))
    for c in range(2):
        np.testing.assert_array_equal(out.numpy()[0, c], _fractional_reference(x[0, c], (2, 2, 2), (3, 4, 3), u[0, c]))


def test_fractional_max_pool_indices_point_at_the_values():
    x = _t(RNG.standard_normal((2, 2, 10, 10)))
    values, idx = F.fractional_max_pool2d(x, 3, output_ratio=(0.5, 0.5), return_indices=True)
    assert tuple(values.shape) == (2, 2, 5, 5) and idx.dtype == tl.int64
    flat = x.flatten(-2)
    np.testing.assert_array_equal(flat.gather(-1, idx.flatten(-2)).numpy(), values.flatten(-2).numpy())


def test_fractional_max_pool_gradcheck_and_gradgradcheck():
    u2 = _t(RNG.random((2, 2, 2)))
    x = _t(RNG.standard_normal((2, 2, 7, 6)), grad=True)
    assert gradcheck(lambda a: F.fractional_max_pool2d(a, 2, output_size=3, _random_samples=u2), (x,))
    assert gradgradcheck(lambda a: F.fractional_max_pool2d(a, 2, output_size=3, _random_samples=u2), (x,))
    u3 = _t(RNG.random((1, 2, 3)))
    x3 = _t(RNG.standard_normal((2, 5, 6, 5)), grad=True)  # unbatched
    assert gradcheck(lambda a: F.fractional_max_pool3d(a, (2, 3, 2), output_size=2, _random_samples=u3), (x3,))


def test_fractional_max_pool_errors():
    x = _t(RNG.standard_normal((1, 1, 4, 4)))
    with pytest.raises(ValueError, match="either an output_size or an output_ratio"):
        F.fractional_max_pool2d(x, 2)
    with pytest.raises(RuntimeError, match="pool height 3 too large relative to input height 4"):
        F.fractional_max_pool2d(x, 3, output_size=3)
    with pytest.raises(RuntimeError, match="pool time 3 too large"):
        F.fractional_max_pool3d(_t(RNG.standard_normal((1, 1, 4, 4, 4))), 3, output_size=2)
    with pytest.raises(RuntimeError, match="Expected 3D or 4D tensor"):
        F.fractional_max_pool2d(_t(np.zeros(4)), 2, output_size=1)
    with pytest.raises(TypeError):
        F.fractional_max_pool2d("x", 2, output_size=1)
    with pytest.raises(ValueError, match="either an output size, or a pooling ratio"):
        nn.FractionalMaxPool2d(2)
    with pytest.raises(ValueError, match="only one of output_size and output_ratio"):
        nn.FractionalMaxPool3d(2, output_size=2, output_ratio=0.5)
    with pytest.raises(ValueError, match="output_ratio must be between 0 and 1"):
        nn.FractionalMaxPool2d(2, output_ratio=1.5)


def test_fractional_max_pool_modules():
    u = _t(RNG.random((1, 3, 2)))
    m = nn.FractionalMaxPool2d(2, output_ratio=0.5, _random_samples=u)
    assert m.kernel_size == (2, 2) and m.output_ratio == (0.5, 0.5) and m.output_size is None
    assert "_random_samples" in dict(m.named_buffers())
    x = _t(RNG.standard_normal((1, 3, 6, 8)))
    out = m(x)
    assert tuple(out.shape) == (1, 3, 3, 4)
    np.testing.assert_array_equal(out.numpy(), F.fractional_max_pool2d(x, 2, output_ratio=(0.5, 0.5),
                                                                       _random_samples=u).numpy())
    v, i = nn.FractionalMaxPool3d(2, output_size=(2, 2, 2), return_indices=True)(_t(RNG.standard_normal((2, 4, 4, 4))))
    assert tuple(v.shape) == tuple(i.shape) == (2, 2, 2, 2)
    assert repr(nn.FractionalMaxPool2d(2, output_size=3)) == "FractionalMaxPool2d()"


def test_fractional_max_pool_draws_its_windows():
    tl.manual_seed(3)
    x = _t(np.arange(100.0).reshape(1, 1, 10, 10))
    outs = {tuple(F.fractional_max_pool2d(x, 2, output_size=4).numpy().ravel()) for _ in range(20)}
    assert len(outs) > 1  # random windows
    tl.manual_seed(3)
    a = F.fractional_max_pool2d(x, 2, output_size=4)
    tl.manual_seed(3)
    np.testing.assert_array_equal(a.numpy(), F.fractional_max_pool2d(x, 2, output_size=4).numpy())


@requires_torch
@pytest.mark.parametrize("d", [2, 3])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_fractional_max_pool_against_torch(torch_ref, d, dtype):
    torch = torch_ref
    fn = "fractional_max_pool2d" if d == 2 else "fractional_max_pool3d"
    for trial in range(12):
        batched = trial % 3 != 0
        S = [int(RNG.integers(4, 11)) for _ in range(d)]
        K = [int(RNG.integers(1, 4)) for _ in range(d)]
        Y = [int(RNG.integers(1, s - k + (2 if d == 2 else 1))) for s, k in zip(S, K)]
        shape = ([2] if batched else []) + [3] + S
        x = RNG.standard_normal(shape).astype(dtype)
        u = RNG.random((2 if batched else 1, 3, d)).astype(dtype)
        xl, xt = _both(torch, x, grad=True)
        ul, ut = _both(torch, u)
        vl, il = getattr(F, fn)(xl, K, output_size=Y, return_indices=True, _random_samples=ul)
        vt, it = getattr(torch.nn.functional, fn)(xt, K, output_size=Y, return_indices=True, _random_samples=ut)
        _close(vl, vt, atol=0)
        np.testing.assert_array_equal(il.numpy(), it.numpy())
        _grads_agree(torch, vl, vt, [xl], [xt], atol=1e-5 if dtype == "float32" else 1e-12)  # (repeats add up)
        assert type(vl.grad_fn).__name__ == type(vt.grad_fn).__name__


@requires_torch
def test_fractional_max_pool_jvp_against_torch(torch_ref):
    torch = torch_ref
    x = RNG.standard_normal((2, 3, 8, 7))
    t = RNG.standard_normal(x.shape)
    u = RNG.random((2, 3, 2))
    with fwad.dual_level():
        out = F.fractional_max_pool2d(fwad.make_dual(_t(x), _t(t)), 3, output_size=(3, 4), _random_samples=_t(u))
        ours = fwad.unpack_dual(out).tangent.numpy()
    import torch.autograd.forward_ad as tfwad
    with tfwad.dual_level():
        out = torch.nn.functional.fractional_max_pool2d(tfwad.make_dual(torch.tensor(x), torch.tensor(t)), 3,
                                                        output_size=(3, 4), _random_samples=torch.tensor(u))
        theirs = tfwad.unpack_dual(out).tangent.numpy()
    np.testing.assert_allclose(ours, theirs)


# ============================================================================ antialiased bilinear
def test_antialias_rows_sum_to_one_and_identity_when_sizes_match():
    x = _t(RNG.standard_normal((1, 2, 6, 7)))
    same = F.interpolate(x, size=(6, 7), mode="bilinear", antialias=True)
    np.testing.assert_allclose(same.numpy(), x.numpy(), atol=1e-12)
    ones = F.interpolate(tl.ones(1, 1, 12, 9, dtype=tl.float64), size=(5, 4), mode="bilinear", antialias=True)
    np.testing.assert_allclose(ones.numpy(), 1.0, atol=1e-12)


def test_antialias_gradcheck():
    x = _t(RNG.standard_normal((1, 2, 9, 7)), grad=True)
    assert gradcheck(lambda a: F.interpolate(a, size=(4, 10), mode="bilinear", antialias=True), (x,))
    assert gradgradcheck(lambda a: aten._upsample_bilinear2d_aa(a, None, False, [0.5, 1.3]), (x,))


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_antialias_against_torch(torch_ref, dtype):
    torch = torch_ref
    x = RNG.standard_normal((2, 3, 13, 17)).astype(dtype)
    tol = 2e-6 if dtype == "float32" else 1e-12
    for kwargs in ({"size": (5, 6)}, {"size": (20, 7)}, {"scale_factor": 0.37}, {"scale_factor": (1.7, 0.45)},
                   {"size": (4, 30), "align_corners": True}, {"scale_factor": 0.6, "recompute_scale_factor": True}):
        xl, xt = _both(torch, x, grad=True)
        ol = F.interpolate(xl, mode="bilinear", antialias=True, **kwargs)
        ot = torch.nn.functional.interpolate(xt, mode="bilinear", antialias=True, **kwargs)
        _close(ol, ot, atol=tol, rtol=tol)
        _grads_agree(torch, ol, ot, [xl], [xt], atol=10 * tol)
        assert type(ol.grad_fn).__name__ == type(ot.grad_fn).__name__
    xl, xt = _both(torch, x)
    _close(aten._upsample_bilinear2d_aa.default(xl, [6, 5], False, scales_h=2.0, scales_w=None),
           torch.ops.aten._upsample_bilinear2d_aa.default(xt, [6, 5], False, scales_h=2.0, scales_w=None),
           atol=tol, rtol=tol)


def test_antialias_bicubic_is_refused_plainly():
    with pytest.raises(NotImplementedError, match="bicubic"):
        F.interpolate(_t(np.zeros((1, 1, 4, 4))), size=2, mode="bicubic", antialias=True)
    with pytest.raises(ValueError, match="Anti-alias option"):
        F.interpolate(_t(np.zeros((1, 1, 4))), size=2, mode="linear", antialias=True)


# ============================================================================ torch.ops.aten
def test_aten_namespace():
    assert repr(aten.slice) == "aten.slice" and repr(aten.slice.Tensor) == "aten.slice.Tensor"
    assert "slice" in dir(aten) and aten.slice.overloads() == ["Tensor"]
    with pytest.raises(AttributeError):
        aten.no_such_operator
    with pytest.raises(AttributeError):
        aten.slice.nope
    assert aten._safe_softmax is aten._safe_softmax  # loaded once


def test_slice():
    x = _t(np.arange(24.0).reshape(2, 3, 4), grad=True)
    np.testing.assert_array_equal(aten.slice(x, 2, 1, -1, 2).detach().numpy(), np.arange(24.0).reshape(2, 3, 4)[:, :, 1:-1:2])
    np.testing.assert_array_equal(aten.slice.Tensor(x, -2, -10, 100).detach().numpy(), x.detach().numpy())
    np.testing.assert_array_equal(aten.slice(x).detach().numpy(), x.detach().numpy())
    y = aten.slice(x, 1, 1)
    assert y._base is x or y.data_ptr() == x.data_ptr() + 4 * 8 or tuple(y.shape) == (2, 2, 4)
    with pytest.raises(RuntimeError, match="slice step must be positive"):
        aten.slice(x, 0, 0, 2, 0)
    with pytest.raises(IndexError, match="Dimension out of range"):
        aten.slice(x, 3)
    assert gradcheck(lambda a: aten.slice(a, 1, 0, 3, 2), (_t(RNG.standard_normal((3, 4)), grad=True),))


@requires_torch
def test_slice_against_torch(torch_ref):
    torch = torch_ref
    x = RNG.standard_normal((5, 6, 7))
    for args in ((0,), (1, 1, -2), (2, -10, -2, 3), (0, None, None, 2), (-1, 3, 2)):
        xl, xt = _both(torch, x, grad=True)
        ol, ot = aten.slice(xl, *args), torch.ops.aten.slice(xt, *args)
        _close(ol, ot)
        _grads_agree(torch, ol, ot, [xl], [xt])


def test_native_dropout_backward():
    g = _t(np.array([1.0, 2.0, 3.0]), grad=True)
    mask = _t(np.array([True, False, True]))
    out = aten.native_dropout_backward(g, mask, 2.0)
    np.testing.assert_array_equal(out.detach().numpy(), [2.0, 0.0, 6.0])
    assert aten.native_dropout_backward(_t(np.array([1, 2])), _t(np.array([True, True])), 2.0).dtype == tl.float32
    assert aten.native_dropout_backward(_t(np.array([True])), _t(np.array([True])), 2.0).dtype == tl.float32
    assert gradcheck(lambda a: aten.native_dropout_backward(a, mask, 1.5), (g.detach().requires_grad_(),))


@requires_torch
def test_native_dropout_backward_against_torch(torch_ref):
    torch = torch_ref
    g = RNG.standard_normal((4, 5))
    mask = RNG.random((4, 5)) > 0.3
    for scale in (0.0, 1.0, 1.0 / 0.7):
        gl, gt = _both(torch, g, grad=True)
        ml, mt = _both(torch, mask)
        ol = aten.native_dropout_backward.default(gl, ml, scale)
        ot = torch.ops.aten.native_dropout_backward.default(gt, mt, scale)
        _close(ol, ot)
        _grads_agree(torch, ol, ot, [gl], [gt])
    for g in (np.array([1, 2, 3]), np.array([True, False, True])):
        _close(aten.native_dropout_backward(_t(g), _t(mask[0, :3]), 2.0),
               torch.ops.aten.native_dropout_backward(torch.tensor(g), torch.tensor(mask[0, :3]), 2.0))


def test_max_pool2d_with_indices_backward_is_max_pool2ds_gradient():
    x = _t(RNG.standard_normal((2, 3, 7, 6)), grad=True)
    out, idx = F.max_pool2d_with_indices(x, 3, 2, 1)
    g = RNG.standard_normal(tuple(out.shape))
    (expected,) = tl.autograd.grad((out * _t(g)).sum(), x)
    got = aten.max_pool2d_with_indices_backward.default(_t(g), x, [3, 3], [2, 2], [1, 1], [1, 1], False, idx)
    np.testing.assert_allclose(got.detach().numpy(), expected.numpy())
    assert got.requires_grad  # (input requires grad; its gradient is zero)
    gg = _t(g, grad=True)
    assert gradcheck(lambda a: aten.max_pool2d_with_indices_backward(a, x.detach(), 3, 2, 1, 1, False, idx), (gg,))
    assert gradgradcheck(lambda a: aten.max_pool2d_with_indices_backward(a, x.detach(), 3, 2, 1, 1, False, idx),
                         (gg,))
    (gx,) = tl.autograd.grad(got.sum(), x, allow_unused=True)
    assert gx is None or not gx.numpy().any()


@requires_torch
def test_max_pool2d_with_indices_backward_against_torch(torch_ref):
    torch = torch_ref
    x = RNG.standard_normal((2, 5, 6))  # unbatched (C, H, W)
    xl, xt = _both(torch, x)
    ol, il = F.max_pool2d_with_indices(xl, 2, 2, 1, ceil_mode=True)
    ot, it = torch.nn.functional.max_pool2d_with_indices(xt, 2, 2, 1, ceil_mode=True)
    g = RNG.standard_normal(tuple(ot.shape))
    gl, gt = _both(torch, g, grad=True)
    rl = aten.max_pool2d_with_indices_backward(gl, xl, [2, 2], [2, 2], [1, 1], [1, 1], True, il)
    rt = torch.ops.aten.max_pool2d_with_indices_backward(gt, xt, [2, 2], [2, 2], [1, 1], [1, 1], True, it)
    _close(rl, rt)
    _grads_agree(torch, rl, rt, [gl], [gt])


# ============================================================================ softmax's helpers
def test_softmax_backward_data_is_softmaxs_gradient():
    x = _t(RNG.standard_normal((3, 5)), grad=True)
    y = x.softmax(1)
    g = _t(RNG.standard_normal((3, 5)))
    (expected,) = tl.autograd.grad((y * g).sum(), x)
    got = tl._softmax_backward_data(g, y.detach(), 1, tl.float64)
    np.testing.assert_allclose(got.numpy(), expected.numpy(), atol=1e-14)
    yy = y.detach().requires_grad_()
    gg = g.detach().requires_grad_()
    assert gradcheck(lambda a, b: tl._softmax_backward_data(a, b, -1, tl.float64), (gg, yy))
    assert gradgradcheck(lambda a, b: tl._softmax_backward_data(a, b, 0, tl.float64), (gg, yy))
    with pytest.raises(RuntimeError, match="expected scalar type"):
        tl._softmax_backward_data(g.float(), y.detach().float(), 1, tl.float64)


@requires_torch
def test_softmax_backward_data_against_torch(torch_ref):
    torch = torch_ref
    g, y = RNG.standard_normal((4, 3, 2)), RNG.random((4, 3, 2))
    for dtype in ("float32", "float64"):
        gl, gt = _both(torch, g.astype(dtype), grad=True)
        yl, yt = _both(torch, y.astype(dtype), grad=True)
        ol = tl._softmax_backward_data(gl, yl, 1, tl.float32 if dtype == "float32" else tl.float64)
        ot = torch._softmax_backward_data(gt, yt, 1, getattr(torch, dtype))
        _close(ol, ot, atol=1e-6)
        _grads_agree(torch, ol, ot, [gl, yl], [gt, yt], atol=1e-5)
    with pytest.raises(RuntimeError):
        torch._softmax_backward_data(torch.ones(3), torch.ones(3), 0, torch.float16)
    with pytest.raises(RuntimeError):
        tl._softmax_backward_data(tl.ones(3), tl.ones(3), 0, tl.float16)


def test_safe_softmax():
    inf = math.inf
    x = _t(np.array([[-inf, -inf, -inf], [1.0, 2.0, -inf], [0.0, 0.0, 0.0]]), grad=True)
    out = tl._safe_softmax(x, 1)
    np.testing.assert_allclose(out.detach().numpy()[0], 0.0)
    np.testing.assert_allclose(out.detach().numpy()[2], 1 / 3)
    np.testing.assert_allclose(out.detach().numpy()[1], [1 / (1 + math.e), math.e / (1 + math.e), 0.0])
    (g,) = tl.autograd.grad((out * _t(RNG.standard_normal((3, 3)))).sum(), x)
    assert np.isfinite(g.numpy()).all() and not g.numpy()[0].any()
    assert aten._safe_softmax.default(x, 0, dtype=tl.float32).dtype == tl.float32
    assert gradcheck(lambda a: aten._safe_softmax(a, -1), (_t(RNG.standard_normal((2, 4)), grad=True),))


# ============================================================================ _chunk_cat
@requires_torch
def test_chunk_cat_against_torch(torch_ref):
    torch = torch_ref
    cases = [([(1, 2, 3), (1, 2, 3)], -1, 5), ([(1, 2, 3), (1, 2, 3)], 1, 5),
             ([(3, 3, 2, 1), (1, 4, 2, 2), (2, 1, 3, 3)], 0, 2), ([(2, 3, 3), (2, 3, 1, 2), (2, 3)], 1, 3)]
    for shapes, dim, chunks in cases:
        arrays = [RNG.standard_normal(s) for s in shapes]
        _close(tl._chunk_cat([_t(a) for a in arrays], dim, chunks),
               torch._chunk_cat([torch.tensor(a) for a in arrays], dim, chunks))
    bad = [([(2, 3), (4,)], -1, 3), ([(2, 3), (4,)], 1, 3), ([(2, 3, 4), (4, 3)], 1, 3), ([(2,), (3,)], 0, 0),
           ([], 0, 1), ([(0,), (3,)], 0, 1)]
    for shapes, dim, chunks in bad:
        with pytest.raises(RuntimeError) as theirs:
            torch._chunk_cat([torch.zeros(s) for s in shapes], dim, chunks)
        with pytest.raises(RuntimeError) as ours:
            tl._chunk_cat([tl.zeros(s) for s in shapes], dim, chunks)
        assert str(ours.value) == str(theirs.value)


def test_chunk_cat_values_and_gradient():
    a = _t(np.arange(6.0).reshape(1, 2, 3))
    b = _t(np.arange(6.0, 12.0).reshape(1, 2, 3))
    out = tl._chunk_cat([a, b], -1, 5)
    assert tuple(out.shape) == (1, 2, 5, 2)
    np.testing.assert_array_equal(out.numpy()[0, 0], [[0, 6], [1, 7], [2, 8], [0, 0], [0, 0]])
    xs = (_t(RNG.standard_normal((2, 3)), grad=True), _t(RNG.standard_normal((2, 5)), grad=True))
    assert gradcheck(lambda p, q: tl._chunk_cat([p, q], 1, 2), xs)


# ============================================================================ masked indexing
@requires_torch
def test_unsafe_masked_index_against_torch(torch_ref):
    torch = torch_ref
    x = RNG.standard_normal((5, 6))
    mask = RNG.random((4, 7)) > 0.4
    rows = RNG.integers(-5, 9, (4, 1))
    cols = RNG.integers(-6, 9, (1, 7))
    mask &= (rows >= -5) & (rows < 5) & (cols >= -6) & (cols < 6)  # (out-of-range indices only where masked off)
    xl, xt = _both(torch, x, grad=True)
    ol = tl._unsafe_masked_index(xl, _t(mask), [_t(rows), _t(cols)], -2.5)
    ot = torch._unsafe_masked_index(xt, torch.tensor(mask), [torch.tensor(rows), torch.tensor(cols)], -2.5)
    _close(ol, ot)
    _grads_agree(torch, ol, ot, [xl], [xt])
    values = RNG.standard_normal((4, 7))
    xl, xt = _both(torch, x, grad=True)
    vl, vt = _both(torch, values, grad=True)
    ol = tl._unsafe_masked_index_put_accumulate(xl, _t(mask), [_t(rows), _t(cols)], vl)
    ot = torch._unsafe_masked_index_put_accumulate(xt, torch.tensor(mask), [torch.tensor(rows), torch.tensor(cols)], vt)
    _close(ol, ot)
    _grads_agree(torch, ol, ot, [xl, vl], [xt, vt])


def test_unsafe_masked_index_closed_form_and_gradcheck():
    x = _t(np.arange(5.0), grad=True)
    mask = _t(np.array([True, False, True]))
    idx = [_t(np.array([1, 7, -2]))]
    np.testing.assert_array_equal(tl._unsafe_masked_index(x, mask, idx, -1.0).detach().numpy(), [1.0, -1.0, 3.0])
    put = tl._unsafe_masked_index_put_accumulate(tl.zeros(5, dtype=tl.float64), mask, idx, _t(np.array([1.0, 2.0, 3.0])))
    np.testing.assert_array_equal(put.numpy(), [0.0, 1.0, 0.0, 3.0, 0.0])
    assert gradcheck(lambda a: tl._unsafe_masked_index(a, mask, idx, 0.5), (x,))
    v = _t(np.array([1.0, 2.0, 3.0]), grad=True)
    assert gradcheck(lambda a, b: tl._unsafe_masked_index_put_accumulate(a, mask, idx, b), (x, v))


# ============================================================================ _batch_norm_with_update
@requires_torch
def test_batch_norm_with_update_against_torch(torch_ref):
    torch = torch_ref
    x = RNG.standard_normal((4, 3, 5))
    w, b = RNG.standard_normal(3), RNG.standard_normal(3)
    xl, xt = _both(torch, x, grad=True)
    wl, wt = _both(torch, w, grad=True)
    bl, bt = _both(torch, b, grad=True)
    rml, rmt = _both(torch, np.zeros(3))
    rvl, rvt = _both(torch, np.ones(3))
    ours = aten._batch_norm_with_update(xl, wl, bl, rml, rvl, 0.3, 1e-5)
    theirs = torch.ops.aten._batch_norm_with_update(xt, wt, bt, rmt, rvt, 0.3, 1e-5)
    for o, t in zip(ours, theirs):
        _close(o, t)
    _close(rml, rmt)
    _close(rvl, rvt)
    assert ours[3].dtype == tl.uint8 and tuple(ours[3].shape) == (0,)
    _grads_agree(torch, ours[0], theirs[0], [xl, wl, bl], [xt, wt, bt])


def test_batch_norm_with_update_gradcheck():
    x = _t(RNG.standard_normal((5, 2)), grad=True)
    w = _t(RNG.standard_normal(2), grad=True)
    assert gradcheck(lambda a, b: aten._batch_norm_with_update(a, b, None, tl.zeros(2, dtype=tl.float64),
                                                                tl.ones(2, dtype=tl.float64), 0.1, 1e-5)[0], (x, w))


# ============================================================================ segment_reduce
def test_segment_reduce_closed_forms():
    d = _t(np.array([1.0, 2.0, 3.0, 4.0, 5.0]))
    lengths = _t(np.array([2, 0, 3, 0]))
    expect = {"max": [2, -math.inf, 5, -math.inf], "min": [1, math.inf, 3, math.inf], "sum": [3, 0, 12, 0],
              "prod": [2, 1, 60, 1], "mean": [1.5, math.nan, 4, math.nan]}
    for reduce, values in expect.items():
        np.testing.assert_allclose(tl.segment_reduce(d, reduce, lengths=lengths).numpy(), values)
        np.testing.assert_allclose(tl._segment_reduce(d, reduce, offsets=_t(np.array([0, 2, 2, 5, 5]))).numpy(),
                                   values)
    np.testing.assert_allclose(tl.segment_reduce(d, "mean", lengths=lengths, initial=2).numpy(), [2.5, 2, 14 / 3, 2])
    with pytest.raises(RuntimeError, match="reduce argument must be"):
        tl.segment_reduce(d, "median", lengths=lengths)
    with pytest.raises(TypeError):
        tl.segment_reduce(d, None, lengths=lengths)
    with pytest.raises(RuntimeError):
        tl.segment_reduce(d, "sum", lengths=_t(np.array([1, 1])))


def test_segment_reduce_gradcheck():
    x = _t(RNG.standard_normal((6, 3)), grad=True)
    lengths = _t(np.array([2, 0, 4]))
    for reduce in ("sum", "mean", "prod", "max", "min"):
        assert gradcheck(lambda a: tl.segment_reduce(a, reduce, lengths=lengths, initial=0.5 if reduce != "max" else None)
                         .nan_to_num(posinf=0.0, neginf=0.0), (x,))
    y = _t(RNG.standard_normal((2, 5, 2)), grad=True)
    assert gradcheck(lambda a: tl.segment_reduce(a, "sum", lengths=_t(np.array([[2, 3], [5, 0]])), axis=1), (y,))


@requires_torch
def test_segment_reduce_against_torch(torch_ref):
    torch = torch_ref
    data = RNG.standard_normal((3, 7, 2))
    lengths = np.array([[2, 0, 5], [7, 0, 0], [1, 3, 3]])
    for reduce in ("sum", "mean", "max", "min", "prod"):
        for initial in (None, 1.5):
            xl, xt = _both(torch, data, grad=True)
            ol = tl.segment_reduce(xl, reduce, lengths=_t(lengths), axis=1, initial=initial)
            ot = torch.segment_reduce(xt, reduce, lengths=torch.tensor(lengths), axis=1, initial=initial)
            _close(ol, ot)
            if reduce in ("sum", "mean", "prod") or initial is not None:
                _grads_agree(torch, ol, ot, [xl], [xt])


# ============================================================================ hash_tensor and uint64
def test_hash_tensor_closed_forms():
    x = np.array([1.0, 2.0, 3.0], np.float32)
    expect = np.bitwise_xor.reduce(x.astype(np.float64).view(np.uint64))
    h = tl.hash_tensor(_t(x))
    assert h.dtype == tl.uint64 and h.shape == () and h.item() == int(expect)
    assert tl.hash_tensor(_t(np.array([-1, 5], np.int32))).item() == 2 ** 64 - 6
    assert tl.hash_tensor(_t(np.array([True, False, True]))).item() == 0
    m = _t(RNG.standard_normal((3, 4)))
    assert tuple(m.hash_tensor(1, keepdim=True).shape) == (3, 1)
    assert m.hash_tensor([0, 1]).item() == m.hash_tensor().item() == m.hash_tensor(dim=[]).item()
    assert tuple(tl.hash_tensor(tl.zeros(2, 0, 3), dim=2).shape) == (2, 0)
    assert not tl.hash_tensor(_t(RNG.standard_normal(3), grad=True)).requires_grad
    with pytest.raises(RuntimeError, match="Expected reduction dim to be specified"):
        tl.hash_tensor(tl.zeros(0))
    with pytest.raises(IndexError, match="to have non-zero size"):
        tl.hash_tensor(tl.zeros(0, 3), dim=0)
    with pytest.raises(RuntimeError, match="Unknown hash_tensor mode"):
        tl.hash_tensor(m, mode=1)
    with pytest.raises(NotImplementedError):
        tl.hash_tensor(tl.zeros(2, dtype=tl.complex64))
    with pytest.raises(TypeError):
        tl.hash_tensor(m, "a")


def test_uint64_dtype():
    a = tl.from_numpy(np.array([1, 2 ** 63 + 5], np.uint64))
    assert a.dtype == tl.uint64 and repr(tl.uint64) == "torch.uint64" and not tl.uint64.is_signed
    assert a.tolist() == [1, 2 ** 63 + 5]
    with pytest.raises(RuntimeError, match="Promotion for uint16, uint32, uint64 types is not supported"):
        a + tl.tensor([1])
    assert (a == a).all()


@requires_torch
def test_hash_tensor_against_torch(torch_ref):
    torch = torch_ref
    for dtype in ("float32", "float64", "float16", "int64", "int32", "int8", "uint8", "bool"):
        x = (RNG.standard_normal((3, 2, 4)) * 10).astype(dtype)
        for kwargs in ({}, {"dim": 0}, {"dim": -1, "keepdim": True}, {"dim": [0, 2]}):
            ours = tl.hash_tensor(_t(x), **kwargs)
            theirs = torch.hash_tensor(torch.tensor(x), **kwargs)
            assert str(ours.dtype) == str(theirs.dtype) == "torch.uint64"
            assert ours.tolist() == theirs.tolist()
    x = np.array([1, 2 ** 63 + 5], np.uint64)
    assert str(tl.from_numpy(x)) == str(torch.from_numpy(x))


# ============================================================================ vmap, and errors as PyTorch's
def test_vmap_runs_the_new_ops_per_example():
    x = tl.randn(3, 2, 2, 6, 6)
    u = tl.rand(2, 2, 2)
    out = tl.func.vmap(lambda a: F.fractional_max_pool2d(a, 2, output_size=3, _random_samples=u))(x)
    each = [F.fractional_max_pool2d(x[i], 2, output_size=3, _random_samples=u).numpy() for i in range(3)]
    np.testing.assert_array_equal(out.numpy(), np.stack(each))
    out = tl.func.vmap(lambda a: F.interpolate(a, size=(3, 4), mode="bilinear", antialias=True))(x)
    np.testing.assert_allclose(out.numpy()[1], F.interpolate(x[1], size=(3, 4), mode="bilinear",
                                                             antialias=True).numpy(), rtol=1e-6)
    assert tuple(tl.func.vmap(lambda a: aten.slice(a, 1, 0, 1))(x).shape) == (3, 2, 1, 6, 6)
    assert tuple(tl.func.vmap(tl.hash_tensor)(x).shape) == (3,)


@requires_torch
def test_errors_match_pytorchs_types(torch_ref):
    torch = torch_ref

    def calls(lib):
        F_ = lib.nn.functional
        x = lib.zeros(2, 2, 6, 6)
        return [
            lambda: F_.fractional_max_pool2d(x, 2, output_size=3, _random_samples=lib.rand(1, 2, 2)),
            lambda: F_.fractional_max_pool2d(x, 2, output_size=3, _random_samples=lib.rand(2, 3, 2)),
            lambda: F_.fractional_max_pool2d(x, 2, output_size=3, _random_samples=lib.rand(2, 2)),
            lambda: F_.fractional_max_pool2d(x, 2, output_size=3, _random_samples=lib.rand(2, 2, 2, dtype=lib.float64)),
            lambda: F_.fractional_max_pool2d(x, 2, output_ratio=0.5),
            lambda: F_.fractional_max_pool2d(x, 7, output_size=1),
            lambda: F_.fractional_max_pool3d(lib.zeros(1, 4, 4, 4), 3, output_size=2),
            lambda: F_.fractional_max_pool2d(lib.zeros(2, 2, 6, 6, dtype=lib.int64), 2, output_size=2,
                                             _random_samples=lib.rand(2, 2, 2)),
            lambda: lib.ops.aten.slice(x, 5),
            lambda: lib.ops.aten.slice(x, 0, 0, 1, -1),
            lambda: lib.segment_reduce(x, "median", lengths=lib.tensor([2])),
            lambda: lib.segment_reduce(x, 3, lengths=lib.tensor([2])),
            lambda: lib._chunk_cat([], 0, 1),
            lambda: lib.hash_tensor(lib.zeros(0)),
            lambda: lib.hash_tensor(x, mode=2),
            lambda: lib.hash_tensor("x"),
        ]
    for i, (ours, theirs) in enumerate(zip(calls(tl), calls(torch))):
        with pytest.raises(Exception) as t_err:
            theirs()
        with pytest.raises(Exception) as o_err:
            ours()
        assert isinstance(o_err.value, type(t_err.value)), (i, o_err.value, t_err.value)


@requires_torch
def test_antialias_uint8_against_torch(torch_ref):
    torch = torch_ref
    for _ in range(8):
        h, w = (int(v) for v in RNG.integers(3, 25, 2))
        size = [int(v) for v in RNG.integers(2, 25, 2)]
        x = RNG.integers(0, 256, (2, 3, h, w)).astype(np.uint8)
        ours = aten._upsample_bilinear2d_aa(tl.tensor(x), size, False, None)
        theirs = torch.ops.aten._upsample_bilinear2d_aa(torch.tensor(x), size, False, None)
        assert ours.dtype == tl.uint8
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@requires_torch
def test_fractional_max_pool_nan_as_pytorch(torch_ref):
    torch = torch_ref
    nan = math.nan
    a = np.array([[[[nan, 1.0, nan, 3.0], [0, 5, 0, nan], [0, 0, 0, 0], [0, 0, 9, 0]]]])
    u = RNG.random((1, 1, 2))
    vl, il = F.fractional_max_pool2d(_t(a), 4, output_size=1, return_indices=True, _random_samples=_t(u))
    vt, it = torch.nn.functional.fractional_max_pool2d(torch.tensor(a), 4, output_size=1, return_indices=True,
                                                       _random_samples=torch.tensor(u))
    assert math.isnan(vl.item()) and math.isnan(vt.item()) and il.item() == it.item() == 7
