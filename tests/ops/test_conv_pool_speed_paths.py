"""The fast paths of convolution and pooling (round 4, issue 13's speed work) against the general ones.

- Convolutions with groups == 1 whose im2col columns would pass `ops.conv.BLOCK_BYTES` run in blocks
  of examples (no columns kept from forward to backward); here BLOCK_BYTES is made tiny so that small
  inputs take that path, and their values and gradients are compared with the whole-matrix path and
  checked by gradcheck.
- avg_pool's adjoint for windows that tile the input (kernel == stride, no padding) spreads each
  gradient by np.repeat; checked by gradcheck (float64) and against the same pool called with
  explicit padding=0 and ceil_mode arguments.
"""
import numpy as np
import pytest

import torchless as torch
import torchless.nn.functional as F
from torchless.autograd import gradcheck, gradgradcheck
from torchless.ops import conv as conv_ops

CONV_CASES = [  # (input shape, weight shape, kwargs)
    ((5, 1, 9, 9), (3, 1, 3, 3), dict(padding=2)),
    ((4, 3, 8, 7), (4, 3, 3, 2), dict(stride=2, padding=1, dilation=(1, 2))),
    ((3, 2, 10), (5, 2, 4), dict(stride=3)),
    ((2, 2, 5, 4, 4), (3, 2, 2, 3, 2), dict(padding=(1, 0, 1))),
]


def _conv(x, w, b, kw):
    return {3: F.conv1d, 4: F.conv2d, 5: F.conv3d}[x.dim()](x, w, b, **kw)


@pytest.mark.parametrize("xs, ws, kw", CONV_CASES)
def test_blocked_conv_matches_whole(monkeypatch, xs, ws, kw):
    rng = np.random.default_rng(0)
    xa = rng.standard_normal(xs).astype(np.float32)
    wa = rng.standard_normal(ws).astype(np.float32)
    ba = rng.standard_normal(ws[0]).astype(np.float32)
    results, gy_np = [], None
    for block_bytes in (1 << 40, 1, 200):  # whole matrix; one example per block; a few per block
        monkeypatch.setattr(conv_ops, "BLOCK_BYTES", block_bytes)
        x, w, b = (torch.tensor(a, requires_grad=True) for a in (xa, wa, ba))
        y = _conv(x, w, b, kw)
        if gy_np is None:  # the same upstream gradient each time
            gy_np = rng.standard_normal(tuple(y.shape)).astype(np.float32)
        y.backward(torch.tensor(gy_np))
        results.append([t.detach().numpy() for t in (y, x.grad, w.grad, b.grad)])
    for other in results[1:]:
        for a, b in zip(results[0], other):
            assert a.dtype == b.dtype == np.float32 and a.shape == b.shape
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("xs, ws, kw", CONV_CASES[:3])
def test_blocked_conv_gradcheck(monkeypatch, xs, ws, kw):
    monkeypatch.setattr(conv_ops, "BLOCK_BYTES", 1)
    rng = np.random.default_rng(1)
    x, w, b = (torch.tensor(rng.standard_normal(s), requires_grad=True) for s in (xs, ws, ws[:1]))
    assert gradcheck(lambda x, w, b: _conv(x, w, b, kw), (x, w, b))
    assert gradgradcheck(lambda x, w, b: _conv(x, w, b, kw), (x, w, b))


def test_blocked_conv_against_torch(monkeypatch):
    pt = pytest.importorskip("torch")
    monkeypatch.setattr(conv_ops, "BLOCK_BYTES", 300)
    rng = np.random.default_rng(2)
    xa, wa, ba = (rng.standard_normal(s).astype(np.float32) for s in ((6, 2, 9, 9), (4, 2, 5, 5), (4,)))
    outs = []
    for lib in (torch, pt):
        x, w, b = (lib.tensor(a, requires_grad=True) for a in (xa, wa, ba))
        y = lib.nn.functional.conv2d(x, w, b, padding=2)
        (y.sigmoid() * lib.arange(y.numel()).reshape(y.shape)).sum().backward()
        outs.append([t.detach().numpy() for t in (y, x.grad, w.grad, b.grad)])
    for a, b in zip(*outs):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize("shape, k", [((3, 2, 8, 6), 2), ((2, 3, 7, 9), 2), ((2, 2, 9, 9, 6), 3), ((2, 3, 10), 2),
                                      ((2, 3, 9, 6), (3, 2))])
def test_avg_pool_tiling_adjoint(shape, k):
    rng = np.random.default_rng(3)
    xa = rng.standard_normal(shape)
    fn = {3: F.avg_pool1d, 4: F.avg_pool2d, 5: F.avg_pool3d}[len(shape)]
    x = torch.tensor(xa, requires_grad=True)
    y = fn(x, k, k)
    gy = torch.tensor(rng.standard_normal(tuple(y.shape)))
    y.backward(gy)
    # the general adjoint (slice adds), reached through ceil_mode with windows that still fit
    x2 = torch.tensor(xa, requires_grad=True)
    y2 = fn(x2, k, k, 0, True) if all(s % kk == 0 for s, kk in zip(shape[2:], np.broadcast_to(k, len(shape) - 2))) \
        else fn(x2, k, k, 0, False, False)
    y2.backward(gy)
    np.testing.assert_allclose(x.grad.numpy(), x2.grad.numpy(), rtol=1e-12)
    assert gradcheck(lambda t: fn(t, k, k), (x,))
