"""Winograd's F(2x2, 3x3) path of 3x3 stride-1 convolutions, and the stride-2 form for their input
gradient (ops/winograd.py, dispatched from ops/conv.py).

Small convolutions keep the direct path; here the thresholds (ops.conv.WINOGRAD_BYTES, WINOGRAD_CHANNELS,
WINOGRAD2_TILES) are lowered so that small inputs take the Winograd path, and its forward, input
gradient, weight gradient and bias gradient are compared with the direct path in float64 (to ~1e-12 relative: the transforms are
exact algebra, only rounding differs), with PyTorch in float32 (at float32's tolerance, scaled to the
magnitude of the result), and checked by gradcheck and gradgradcheck (create_graph runs the same rule on
Tensors). ops.winograd.BLOCK_BYTES is lowered too in some cases, so that the examples go in several
blocks, the last one short.
"""
import numpy as np
import pytest

import torchless as torch
import torchless.nn.functional as F
from torchless.autograd import gradcheck, gradgradcheck
from torchless.ops import conv as conv_ops
from torchless.ops import winograd

# (batch, in channels, out channels, height, width, padding)
CASES = [
    (1, 3, 4, 6, 6, 1),    # even output
    (2, 2, 3, 7, 9, 1),    # odd output both ways
    (3, 4, 2, 8, 5, 0),    # no padding: 6x3
    (2, 3, 3, 5, 6, 2),    # padding 2: output bigger than the input
    (4, 2, 5, 3, 3, 0),    # one output pixel
    (1, 1, 1, 4, 11, (0, 2)),
]


@pytest.fixture
def forced(monkeypatch):
    """Every 3x3 stride-1 float convolution goes through Winograd, and every stride-2 one's input gradient."""
    monkeypatch.setattr(conv_ops, "WINOGRAD_BYTES", -1)
    monkeypatch.setattr(conv_ops, "WINOGRAD_CHANNELS", 1)
    monkeypatch.setattr(conv_ops, "WINOGRAD2_TILES", 0)


def _run(lib, xa, wa, ba, gya, padding, stride=1):
    x, w = lib.tensor(xa, requires_grad=True), lib.tensor(wa, requires_grad=True)
    b = None if ba is None else lib.tensor(ba, requires_grad=True)
    y = lib.nn.functional.conv2d(x, w, b, padding=padding, stride=stride)
    y.backward(lib.tensor(gya))
    out = [y.detach().numpy(), x.grad.numpy(), w.grad.numpy()]
    return out + ([b.grad.numpy()] if b is not None else [])


def _direct_and_winograd(monkeypatch, xa, wa, ba, gya, padding, stride=1, block_bytes=None):
    monkeypatch.setattr(conv_ops, "WINOGRAD_BYTES", 1 << 62)
    direct = _run(torch, xa, wa, ba, gya, padding, stride)
    monkeypatch.setattr(conv_ops, "WINOGRAD_BYTES", -1)
    monkeypatch.setattr(conv_ops, "WINOGRAD_CHANNELS", 1)
    monkeypatch.setattr(conv_ops, "WINOGRAD2_TILES", 0)
    if block_bytes is not None:
        monkeypatch.setattr(winograd, "BLOCK_BYTES", block_bytes)
    return direct, _run(torch, xa, wa, ba, gya, padding, stride)


def _data(rng, n, c, o, h, w, padding, dtype, bias=True, stride=1):
    p = padding if isinstance(padding, tuple) else (padding, padding)
    xa = rng.standard_normal((n, c, h, w)).astype(dtype)
    wa = rng.standard_normal((o, c, 3, 3)).astype(dtype)
    ba = rng.standard_normal(o).astype(dtype) if bias else None
    gya = rng.standard_normal((n, o, (h + 2 * p[0] - 3) // stride + 1, (w + 2 * p[1] - 3) // stride + 1)).astype(dtype)
    return xa, wa, ba, gya


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("stride", [1, 2])
def test_float64_matches_direct(monkeypatch, case, bias, stride):
    n, c, o, h, w, padding = case
    rng = np.random.default_rng(sum(case[:5]))
    args = _data(rng, n, c, o, h, w, padding, np.float64, bias, stride)
    direct, wino = _direct_and_winograd(monkeypatch, *args, padding, stride)
    assert len(direct) == len(wino) == (4 if bias else 3)
    for a, b in zip(direct, wino):
        assert a.dtype == b.dtype == np.float64 and a.shape == b.shape
        np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-12 * np.abs(a).max())


@pytest.mark.parametrize("block_bytes", [1, 16 * 3 * 4 * 8 * 2])  # one example a block; two (a short last)
@pytest.mark.parametrize("stride", [1, 2])
def test_blocks_of_examples(monkeypatch, block_bytes, stride):
    rng = np.random.default_rng(5)
    args = _data(rng, 5, 3, 4, 7, 8, 1, np.float64, stride=stride)
    direct, wino = _direct_and_winograd(monkeypatch, *args, 1, stride, block_bytes=block_bytes)
    for a, b in zip(direct, wino):
        np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-12 * np.abs(a).max())


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("stride", [1, 2])
def test_float32_against_torch(forced, case, stride):
    pt = pytest.importorskip("torch")
    n, c, o, h, w, padding = case
    rng = np.random.default_rng(10 + sum(case[:5]))
    args = _data(rng, n, c, o, h, w, padding, np.float32, stride=stride)
    ours, theirs = _run(torch, *args, padding, stride), _run(pt, *args, padding, stride)
    for a, b in zip(ours, theirs):
        assert a.dtype == b.dtype == np.float32 and a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4 * max(1.0, np.abs(b).max()))


@pytest.mark.parametrize("stride, n, h, w", [(1, 6, 13, 14), (2, 24, 27, 28)])
def test_float32_big_against_torch(monkeypatch, stride, n, h, w):
    """Convolutions big enough for the default thresholds (64 channels): the paths models take."""
    pt = pytest.importorskip("torch")
    c = o = 64
    calls = []

    def counting(name):
        real = getattr(winograd, name)

        def f(*args, **kw):
            calls.append(name)
            return real(*args, **kw)
        monkeypatch.setattr(winograd, name, f)
    for name in ("correlate", "input_grad", "weight_grad", "input_grad2"):
        counting(name)
    rng = np.random.default_rng(11)
    args = _data(rng, n, c, o, h, w, 1, np.float32, stride=stride)
    assert n * c * 9 * args[3].shape[2] * args[3].shape[3] * 4 > conv_ops.WINOGRAD_BYTES
    ours = _run(torch, *args, 1, stride)
    # stride 1: the forward, the input's gradient (itself a correlation) and the weight's; stride 2: the
    # input's gradient only
    assert sorted(calls) == (["correlate", "correlate", "input_grad", "weight_grad"] if stride == 1 else
                             ["input_grad2"])
    theirs = _run(pt, *args, 1, stride)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4 * max(1.0, np.abs(b).max()))


def test_small_and_other_convolutions_keep_the_direct_path(monkeypatch):
    def fail(*args, **kw):
        raise AssertionError("Winograd used")
    for name in ("correlate", "weight_grad", "input_grad2"):
        monkeypatch.setattr(winograd, name, fail)
    rng = np.random.default_rng(12)
    cases = [((2, 3, 8, 8), (4, 3, 3, 3), {}),                            # small
             ((4, 32, 16, 16), (32, 32, 3, 3), {"padding": 1}),             # big, too few channels
             ((4, 64, 16, 16), (64, 64, 3, 3), {"padding": 1, "stride": 3}),
             ((8, 64, 32, 32), (64, 64, 3, 3), {"padding": 1, "stride": 2}),  # 512 tiles of output
             ((4, 64, 16, 16), (64, 64, 3, 3), {"padding": 2, "dilation": 2}),
             ((4, 64, 16, 16), (64, 32, 3, 3), {"padding": 1, "groups": 2}),
             ((4, 64, 16, 16), (64, 64, 5, 5), {"padding": 2})]
    for xs, ws, kw in cases:
        x = torch.tensor(rng.standard_normal(xs).astype(np.float32), requires_grad=True)
        w = torch.tensor(rng.standard_normal(ws).astype(np.float32), requires_grad=True)
        F.conv2d(x, w, **kw).sum().backward()


@pytest.mark.parametrize("stride", [1, 2])
def test_gradcheck_and_gradgradcheck(forced, stride):
    rng = np.random.default_rng(13)
    x = torch.tensor(rng.standard_normal((2, 2, 5, 6)), requires_grad=True)
    w = torch.tensor(rng.standard_normal((3, 2, 3, 3)), requires_grad=True)
    b = torch.tensor(rng.standard_normal(3), requires_grad=True)
    for padding in (0, 1, 2):
        assert gradcheck(lambda x, w, b: F.conv2d(x, w, b, padding=padding, stride=stride), (x, w, b))
        assert gradgradcheck(lambda x, w, b: F.conv2d(x, w, b, padding=padding, stride=stride), (x, w, b))


@pytest.mark.parametrize("padding, stride, output_padding", [(0, 1, 0), (1, 1, 0), (2, 1, 0), (3, 1, 0),
                                                             (0, 2, 0), (1, 2, 1), (2, 2, 1), (3, 2, 0)])
def test_conv_transpose_against_torch(forced, padding, stride, output_padding):
    """conv_transpose2d with a 3x3 kernel is the input gradient's kernel: at stride 1 a correlation with
    the flipped weight, padded by 2 - padding (negative, a crop, at padding 3); at stride 2 the
    stride-2 algorithm's scatter (output_padding: a last row and column no output reads)."""
    pt = pytest.importorskip("torch")
    rng = np.random.default_rng(14 + padding)
    xa = rng.standard_normal((2, 3, 7, 8)).astype(np.float32)
    wa = rng.standard_normal((3, 4, 3, 3)).astype(np.float32)
    ba = rng.standard_normal(4).astype(np.float32)
    outs = []
    for lib in (torch, pt):
        x, w, b = (lib.tensor(a, requires_grad=True) for a in (xa, wa, ba))
        y = lib.nn.functional.conv_transpose2d(x, w, b, padding=padding, stride=stride,
                                               output_padding=output_padding)
        (y * lib.arange(y.numel(), dtype=lib.float32).reshape(y.shape).cos()).sum().backward()
        outs.append([t.detach().numpy() for t in (y, x.grad, w.grad, b.grad)])
    for a, b in zip(*outs):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4 * max(1.0, np.abs(b).max()))


def test_kernels_on_arrays_match_direct():
    """correlate, input_grad and weight_grad against plain sums over the 9 taps, offsets lo including a
    negative one (a crop) and asymmetric ones."""
    rng = np.random.default_rng(15)
    x = rng.standard_normal((2, 3, 6, 7))
    w = rng.standard_normal((4, 3, 3, 3))
    for lo, Y in [((0, 0), (4, 5)), ((1, 2), (6, 9)), ((-1, 0), (3, 5)), ((2, 1), (7, 6))]:
        big = np.zeros((2, 3, Y[0] + 2 + 4, Y[1] + 2 + 4))  # x at offset lo (+2 margin each side)
        r0, c0 = 2 + lo[0], 2 + lo[1]
        big[:, :, max(r0, 0):r0 + 6, max(c0, 0):c0 + 7] = x[:, :, max(-r0, 0):, max(-c0, 0):]
        xp = big[:, :, 2:2 + Y[0] + 2, 2:2 + Y[1] + 2]
        want = sum(np.einsum("ncij,oc->noij", xp[:, :, k:k + Y[0], l:l + Y[1]], w[:, :, k, l])
                   for k in range(3) for l in range(3))
        got = winograd.correlate(x, winograd.weight_transform(w), lo, Y)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
        gy = rng.standard_normal(want.shape)
        want_w = np.stack([np.stack([np.einsum("ncij,noij->oc", xp[:, :, k:k + Y[0], l:l + Y[1]], gy)
                                     for l in range(3)], -1) for k in range(3)], -2)
        np.testing.assert_allclose(winograd.weight_grad(x, gy, lo), want_w, rtol=1e-12, atol=1e-12)
        if lo[0] >= 0 and lo[1] >= 0:  # the forward of a convolution pads, never crops
            # <correlate(x), gy> = <x, input_grad(gy)>
            gx = winograd.input_grad(gy, w, lo, x.shape[2:])
            assert gx.shape == x.shape
            np.testing.assert_allclose((got * gy).sum(), (x * gx).sum(), rtol=1e-12)


# ---------------------------------------------------------------- 1x1 kernels' input gradient (ops.conv._conv_x_pointwise)
POINTWISE = [((2, 3, 7, 8), (4, 3, 1, 1), dict(stride=2)),
             ((2, 3, 7, 8), (4, 3, 1, 1), dict(stride=(2, 3), padding=(1, 2))),
             ((2, 3, 7, 8), (4, 3, 1, 1), dict(padding=1)),
             ((2, 3, 7, 8), (4, 3, 1, 1), {}),
             ((2, 3, 9), (4, 3, 1), dict(stride=3, padding=2)),
             ((2, 3, 5, 6, 7), (4, 3, 1, 1, 1), dict(stride=2, padding=1)),
             ((3, 7, 8), (4, 3, 1, 1), dict(stride=2))]


@pytest.mark.parametrize("xs, ws, kw", POINTWISE)
def test_pointwise_input_grad_against_torch(xs, ws, kw):
    """A 1x1 convolution's input gradient is computed batch-first, without columns (and conv_transpose
    with a 1x1 kernel, whose forward it is, likewise)."""
    pt = pytest.importorskip("torch")
    rng = np.random.default_rng(21 + len(xs))
    xa, wa = rng.standard_normal(xs), rng.standard_normal(ws)
    outs = []
    for lib in (torch, pt):
        x, w = lib.tensor(xa, requires_grad=True), lib.tensor(wa, requires_grad=True)
        f = {3: lib.nn.functional.conv1d, 4: lib.nn.functional.conv2d, 5: lib.nn.functional.conv3d}[len(ws)]
        y = f(x, w, **kw)
        (y * y).sum().backward()
        outs.append([t.detach().numpy() for t in (y, x.grad, w.grad)])
    for a, b in zip(*outs):
        assert a.shape == b.shape and a.dtype == b.dtype
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)


def test_pointwise_conv_transpose_gradcheck():
    rng = np.random.default_rng(20)
    x = torch.tensor(rng.standard_normal((2, 3, 4, 5)), requires_grad=True)
    w = torch.tensor(rng.standard_normal((3, 2, 1, 1)), requires_grad=True)
    for kw in ({}, dict(stride=2), dict(stride=2, padding=1, output_padding=1), dict(stride=(3, 2), padding=(0, 1))):
        assert gradcheck(lambda x, w: F.conv_transpose2d(x, w, **kw), (x, w))
        assert gradgradcheck(lambda x, w: F.conv_transpose2d(x, w, **kw), (x, w))


# ---------------------------------------------------------------- relu against a row of zeros (backend.numpy.relu)
@pytest.mark.parametrize("shape", [(32, 16, 14, 14), (5000,), (2, 3, 4096), (70, 70, 3), (3,), (64, 1)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
def test_relu_rows_of_zeros(shape, dtype):
    """relu of big contiguous float arrays goes as rows against one row of zeros (NumPy's vectorised
    maximum needs two arrays): the same values as np.maximum(x, 0), NaN and infinities included,
    in place (F.relu(inplace=True), nn.ReLU(inplace=True)) and not, and non-contiguous inputs too."""
    from torchless.backend import numpy as backend
    rng = np.random.default_rng(30)
    a = rng.standard_normal(shape).astype(dtype)
    a.reshape(-1)[:3] = [np.nan, -np.inf, np.inf][:a.size]
    want = np.maximum(a, 0)
    got = backend.relu(a)
    assert got.dtype == a.dtype and got.shape == a.shape
    np.testing.assert_array_equal(got, want)
    b = a.copy()
    assert backend.relu(b, out=b) is b
    np.testing.assert_array_equal(b, want)
    np.testing.assert_array_equal(torch.relu(torch.tensor(a)).numpy(), want)
    t = torch.tensor(a.copy())
    F.relu(t, inplace=True)
    np.testing.assert_array_equal(t.numpy(), want)
    if a.ndim == 2:
        np.testing.assert_array_equal(backend.relu(a.T), want.T)
