"""torch.masked, torch.signal.windows and the misc ops of issue 12 (masked / misc family): values
against closed forms, gradients by gradcheck, and the same code run in PyTorch and torchless."""
import math

import numpy as np
import pytest

import torchless
from torchless.autograd import gradcheck, gradgradcheck

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")  # PyTorch warns of stft/istft defaults


def _t(a, dtype=torchless.float64, rg=False):
    return torchless.tensor(np.asarray(a), dtype=dtype, requires_grad=rg)


X = np.array([[1.0, -2.0, 3.0, 0.5], [4.0, 0.25, -1.0, 2.0], [-3.0, 1.5, 2.5, -0.5]])
M = np.array([[True, False, True, True], [False, False, False, False], [True, True, False, True]])


# ---------------------------------------------------------------------------- torch.masked: values
def test_masked_sum_mean_closed_forms():
    x, m = _t(X), torchless.tensor(M)
    s = torchless.masked.sum(x, 1, mask=m)
    np.testing.assert_allclose(s.numpy(), np.where(M, X, 0).sum(1))
    mean = torchless.masked.mean(x, 1, mask=m)
    assert math.isnan(mean[1].item())  # a fully masked-out row
    np.testing.assert_allclose(mean[[0, 2]].numpy(), [4.5 / 3, -2.0 / 3])
    assert torchless.masked.sum(x).item() == pytest.approx(X.sum())


def test_masked_identities_of_fully_masked_rows():
    x, m = _t(X), torchless.tensor(M)
    assert torchless.masked.amax(x, 1, mask=m)[1].item() == -math.inf
    assert torchless.masked.amin(x, 1, mask=m)[1].item() == math.inf
    assert torchless.masked.prod(x, 1, mask=m)[1].item() == 1.0
    assert torchless.masked.logsumexp(x, 1, mask=m)[1].item() == -math.inf
    xi = torchless.tensor([[1, 5], [3, 2]], dtype=torchless.int32)
    mi = torchless.tensor([[False, False], [True, False]])
    assert torchless.masked.amax(xi, 1, mask=mi).tolist() == [np.iinfo(np.int32).min, 3]
    assert torchless.masked.sum(xi, mask=mi).dtype == torchless.int64


def test_masked_softmax_zero_at_masked_out():
    x, m = _t(X), torchless.tensor(M)
    p = torchless.masked.softmax(x, 1, mask=m).numpy()
    e = np.where(M, np.exp(X), 0)[[0, 2]]
    np.testing.assert_allclose(p[[0, 2]], e / e.sum(1, keepdims=True))
    assert np.isnan(p[1]).all()


def test_masked_var_std_and_argmax_dtype():
    x, m = _t(X), torchless.tensor(M)
    v = torchless.masked.var(x, 1, mask=m)
    np.testing.assert_allclose(v[0].item(), np.var(X[0][M[0]], ddof=1))
    np.testing.assert_allclose(torchless.masked.std(x, 1, mask=m, correction=0)[2].item(), np.std(X[2][M[2]]))
    a = torchless.masked.argmax(x, 1, mask=m)
    assert a.dtype == torchless.float64 and a.tolist()[0] == 2.0


def test_masked_errors():
    x = _t(X)
    with pytest.raises(IndexError):
        torchless.masked.sum(x, 5)
    with pytest.raises(RuntimeError, match="multiple times"):
        torchless.masked.sum(x, (1, 1))
    with pytest.raises(ValueError, match="floating point or complex"):
        torchless.masked.mean(torchless.tensor([1, 2]))
    with pytest.raises(IndexError, match="broadcastable"):
        torchless.masked.sum(torchless.ones(3), mask=torchless.ones(2, 3, dtype=torchless.bool))


# ---------------------------------------------------------------------------- torch.masked: gradients
@pytest.mark.parametrize("name", ["sum", "prod", "amax", "amin", "mean", "logsumexp", "var", "std", "norm"])
def test_masked_reduction_gradcheck(name):
    x = _t(X, rg=True)
    m = torchless.tensor(M)
    m[1, 0] = True  # every row keeps one element (no NaN results)
    fn = getattr(torchless.masked, name)
    if name in ("var", "std"):
        m[1, 3] = True
    assert gradcheck(lambda a: fn(a, 1, mask=m), (x,))
    assert gradgradcheck(lambda a: fn(a, 1, mask=m), (x,))


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin", "cumsum", "cumprod"])
def test_masked_normalization_gradcheck(name):
    x = _t(X, rg=True)
    m = torchless.tensor(M)
    m[1, 0] = True
    fn = getattr(torchless.masked, name)
    if name == "log_softmax":  # -inf at masked-out elements: check the masked-in ones
        assert gradcheck(lambda a: fn(a, 1, mask=m)[m], (x,))
    else:
        assert gradcheck(lambda a: fn(a, 1, mask=m), (x,))
    assert gradcheck(lambda a: torchless.masked.normalize(a, 2.0, 1, mask=m), (x,))


# ---------------------------------------------------------------------------- against PyTorch
MASKED_CASES = [
    ("sum", lambda lib, x, m: lib.masked.sum(x, (0, 1), keepdim=True, mask=m)),
    ("prod", lambda lib, x, m: lib.masked.prod(x, 1, mask=m)),
    ("amax", lambda lib, x, m: lib.masked.amax(x, 0, mask=m)),
    ("mean", lambda lib, x, m: lib.masked.mean(x, 1, mask=m)),
    ("median", lambda lib, x, m: lib.masked.median(x, 1, mask=m)),
    ("var", lambda lib, x, m: lib.masked.var(x, 1, unbiased=False, mask=m)),
    ("norm", lambda lib, x, m: lib.masked.norm(x, -math.inf, 1, mask=m)),
    ("softmin", lambda lib, x, m: lib.masked.softmin(x, 0, mask=m)),
    ("normalize", lambda lib, x, m: lib.masked.normalize(x, 1.0, 1, mask=m)),
    ("logaddexp", lambda lib, x, m: lib.masked.logaddexp(x, x * 2, input_mask=m, other_mask=m[0])),
]


@pytest.mark.parametrize("name,fn", MASKED_CASES, ids=[c[0] for c in MASKED_CASES])
def test_masked_against_torch(torch_ref, name, fn):
    results = []
    for lib in (torch_ref, torchless):
        x = lib.tensor(X, requires_grad=True)
        out = fn(lib, x, lib.tensor(M))
        w = lib.tensor(np.arange(out.numel(), dtype=np.float64).reshape(tuple(out.shape)))
        loss = lib.where(out.isfinite(), out * w, lib.zeros_like(out)).sum()
        (g,) = lib.autograd.grad(loss, x)
        results.append((out.detach().numpy(), str(out.dtype)[6:], g.numpy()))
    (ot, dt, gt), (ol, dl, gl) = results
    assert dl == dt
    np.testing.assert_allclose(ol, ot, rtol=1e-12, equal_nan=True)
    np.testing.assert_allclose(gl, gt, rtol=1e-12, atol=1e-14, equal_nan=True)


# ---------------------------------------------------------------------------- windows
WINDOWS = ["bartlett", "blackman", "cosine", "exponential", "gaussian", "hamming", "hann", "kaiser", "nuttall"]


@pytest.mark.parametrize("name", WINDOWS)
@pytest.mark.parametrize("sym", [True, False])
def test_signal_windows_against_torch(torch_ref, name, sym):
    for M in (0, 1, 2, 5, 10):
        for dt in ("float32", "float64"):
            ours = getattr(torchless.signal.windows, name)(M, sym=sym, dtype=getattr(torchless, dt))
            theirs = getattr(torch_ref.signal.windows, name)(M, sym=sym, dtype=getattr(torch_ref, dt))
            assert str(ours.dtype) == str(theirs.dtype) and tuple(ours.shape) == tuple(theirs.shape)
            np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5 if dt == "float32" else 1e-12,
                                       atol=1e-6 if dt == "float32" else 1e-14)


def test_signal_windows_closed_forms_and_errors():
    n = np.arange(5)
    np.testing.assert_allclose(torchless.signal.windows.hann(5, dtype=torchless.float64).numpy(),
                               0.5 - 0.5 * np.cos(2 * np.pi * n / 4))
    np.testing.assert_allclose(torchless.signal.windows.general_cosine(5, a=[1.0], dtype=torchless.float64).numpy(),
                               np.ones(5))
    with pytest.raises(ValueError, match="non-negative window length"):
        torchless.signal.windows.hann(-1)
    with pytest.raises(ValueError, match="float32 or float64"):
        torchless.signal.windows.hann(3, dtype=torchless.int64)
    with pytest.raises(TypeError, match="list/tuple"):
        torchless.signal.windows.general_cosine(3, a=None)
    with pytest.raises(ValueError, match="Center must be None"):
        torchless.signal.windows.exponential(3, center=1.0)


@pytest.mark.parametrize("name", ["hann_window", "hamming_window", "blackman_window", "bartlett_window", "kaiser_window"])
def test_torch_windows_against_torch(torch_ref, name):
    for n in (0, 1, 2, 5, 8):
        for periodic in (True, False):
            for dt in ("float32", "float64"):
                ours = getattr(torchless, name)(n, periodic, dtype=getattr(torchless, dt))
                theirs = getattr(torch_ref, name)(n, periodic, dtype=getattr(torch_ref, dt))
                assert str(ours.dtype) == str(theirs.dtype) and tuple(ours.shape) == tuple(theirs.shape)
                np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5, atol=1e-6)
    w = getattr(torchless, name)(4, requires_grad=True)
    assert w.is_leaf and w.requires_grad
    with pytest.raises(RuntimeError, match="floating point dtypes"):
        getattr(torchless, name)(3, dtype=torchless.int64)
    with pytest.raises(RuntimeError, match="non-negative window_length"):
        getattr(torchless, name)(-1)


def test_hamming_and_kaiser_parameters(torch_ref):
    np.testing.assert_allclose(torchless.hamming_window(6, True, 0.5, 0.3, dtype=torchless.float64).numpy(),
                               torch_ref.hamming_window(6, True, 0.5, 0.3, dtype=torch_ref.float64).numpy())
    np.testing.assert_allclose(torchless.kaiser_window(7, False, 3.0, dtype=torchless.float64).numpy(),
                               torch_ref.kaiser_window(7, False, 3.0, dtype=torch_ref.float64).numpy(), rtol=1e-12)


# ---------------------------------------------------------------------------- complex, polar, fill
def test_complex_and_polar_values_and_grads():
    re, im = _t([1.0, -2.0, 0.5], rg=True), _t([0.25, 3.0, -1.0], rg=True)
    z = torchless.complex(re, im)
    assert z.dtype == torchless.complex128 and type(z.grad_fn).__name__ == "ComplexBackward0"
    np.testing.assert_allclose(z.detach().numpy(), [1 + 0.25j, -2 + 3j, 0.5 - 1j])
    assert gradcheck(lambda a, b: torchless.view_as_real(torchless.complex(a, b)), (re, im))
    r = _t([1.0, 2.0, 0.5], rg=True)
    p = torchless.polar(r, im)
    np.testing.assert_allclose(p.detach().numpy(), r.detach().numpy() * np.exp(1j * im.detach().numpy()))
    assert gradcheck(lambda a, b: torchless.view_as_real(torchless.polar(a, b)), (r, im))
    assert gradgradcheck(lambda a, b: torchless.view_as_real(torchless.polar(a, b)), (r, im))
    with pytest.raises(RuntimeError, match="Half, Float or Double"):
        torchless.complex(torchless.ones(2), torchless.ones(2, dtype=torchless.int32))
    with pytest.raises(RuntimeError, match="scalar type Float but got scalar type Double"):
        torchless.complex(torchless.ones(2), torchless.ones(2, dtype=torchless.float64))


def test_fill_out_of_place():
    x = _t([[1.0, 2.0], [3.0, 4.0]], rg=True)
    y = torchless.fill(x, 7)
    assert y.tolist() == [[7.0, 7.0], [7.0, 7.0]] and x.tolist()[0] == [1.0, 2.0]
    assert type(y.grad_fn).__name__ == "FillBackward0"
    v = _t(2.5, rg=True)
    out = torchless.fill(x, v)
    assert type(out.grad_fn).__name__ == "FillBackward1"
    gx, gv = torchless.autograd.grad(out.sum() * 3, (x, v))
    assert gx.tolist() == [[0.0, 0.0], [0.0, 0.0]] and gv.item() == 12.0
    with pytest.raises(RuntimeError, match="0-dimension"):
        torchless.fill(x, _t([1.0, 2.0]))


def test_complex_casts_and_missing_dtypes():
    x = _t([1.0, 2.0], dtype=torchless.float32)
    assert x.cfloat().dtype == torchless.complex64 and x.cdouble().dtype == torchless.complex128
    with pytest.raises(TypeError, match="torchless cannot represent"):
        x.chalf()
    with pytest.raises(TypeError, match="torchless cannot represent"):
        x.bfloat16()


# ---------------------------------------------------------------------------- strided creation, resize, pad
def test_empty_strided_permuted_and_resize():
    e = torchless.empty_strided((2, 3), (1, 2))
    assert tuple(e.shape) == (2, 3) and e.stride() == (1, 2)
    p = torchless.empty_permuted((2, 3, 4), (2, 0, 1))
    assert tuple(p.shape) == (2, 3, 4) and p.stride() == (3, 1, 6)
    with pytest.raises(RuntimeError, match="Duplicate dim"):
        torchless.empty_permuted((2, 3), (0, 0))
    n = _t([1.0, 2.0]).new_empty_strided((2, 2), (2, 1), dtype=torchless.float32)
    assert n.dtype == torchless.float32 and tuple(n.shape) == (2, 2)
    a = torchless.arange(6.0)
    assert a.resize_(2, 2) is a and a.tolist() == [[0.0, 1.0], [2.0, 3.0]]
    b = torchless.resize_as_(torchless.arange(6.0), torchless.zeros(3))
    assert b.tolist() == [0.0, 1.0, 2.0]
    with pytest.raises(RuntimeError, match="require grad"):
        torchless.ones(2, requires_grad=True).resize_(3)


def test_constant_pad_nd(torch_ref):
    x = _t(X, rg=True)
    y = torchless.constant_pad_nd(x, (1, -1, 0, 2), 3.0)
    yt = torch_ref.constant_pad_nd(torch_ref.tensor(X), (1, -1, 0, 2), 3.0)
    np.testing.assert_allclose(y.detach().numpy(), yt.numpy())
    assert type(y.grad_fn).__name__ == "ConstantPadNdBackward0"
    assert gradcheck(lambda a: torchless.constant_pad_nd(a, (2, 1), -1.0), (x,))


# ---------------------------------------------------------------------------- gradient
def test_gradient_closed_forms():
    f = _t([1.0, 4.0, 9.0, 16.0, 25.0])
    np.testing.assert_allclose(torchless.gradient(f)[0].numpy(), [3, 4, 6, 8, 9])
    np.testing.assert_allclose(torchless.gradient(f, edge_order=2)[0].numpy(), [2, 4, 6, 8, 10])
    np.testing.assert_allclose(torchless.gradient(f, spacing=2.0)[0].numpy(), [1.5, 2, 3, 4, 4.5])
    x = np.array([0.0, 1.0, 3.0, 4.0, 7.0])
    g = torchless.gradient(_t(x ** 2), spacing=(_t(x),), edge_order=2)[0]
    np.testing.assert_allclose(g.numpy(), 2 * x, atol=1e-12)  # exact for a quadratic
    assert torchless.gradient(torchless.tensor([1, 4, 9]))[0].dtype == torchless.float32
    with pytest.raises(RuntimeError, match="edge_order=1 and edge_order=2"):
        torchless.gradient(f, edge_order=3)
    with pytest.raises(RuntimeError, match="at least edge_order"):
        torchless.gradient(_t([1.0, 2.0]), edge_order=2)


def test_gradient_against_torch_and_gradcheck(torch_ref):
    a = np.random.default_rng(0).standard_normal((4, 5))
    coords = [np.array([0.0, 1.0, 2.5, 3.0]), np.array([1.0, 2.0, 4.0, 5.0, 9.0])]
    for kwargs in ({}, {"spacing": 2.0, "dim": 1}, {"spacing": [1.5, 0.5], "edge_order": 2}, {"spacing": "coords"},
                   {"spacing": "coords", "edge_order": 2}):
        def call(lib, x):
            kw = dict(kwargs)
            if kw.get("spacing") == "coords":
                kw["spacing"] = [lib.tensor(c) for c in coords]
            return lib.gradient(x, **kw)
        ours = call(torchless, _t(a))
        theirs = call(torch_ref, torch_ref.tensor(a))
        assert len(ours) == len(theirs)
        for o, t in zip(ours, theirs):
            np.testing.assert_allclose(o.numpy(), t.numpy(), rtol=1e-12)
        assert gradcheck(lambda x: call(torchless, x), (_t(a, rg=True),))


# ---------------------------------------------------------------------------- histogramdd
def test_histogramdd_against_torch(torch_ref):
    def run(lib):
        x = lib.tensor([[0.0, 1.0], [1.0, 2.0], [2.0, 3.0], [2.0, 2.0]])
        outs = [lib.histogramdd(x, [2, 3]), lib.histogramdd(x, bins=2, range=[0.0, 2.0, 0.0, 3.0], density=True),
                lib.histogramdd(x, bins=[lib.tensor([0.0, 1.0, 2.0]), lib.tensor([0.0, 5.0])],
                                weight=lib.tensor([1.0, 2.0, 3.0, 4.0])),
                lib.histogramdd(lib.ones(3, 2), bins=2), lib.histogramdd(lib.zeros(0, 2), bins=2)]
        return [(o.hist.numpy(), [e.numpy() for e in o.bin_edges]) for o in outs]
    for (ht, et), (hl, el) in zip(run(torch_ref), run(torchless)):
        np.testing.assert_allclose(hl, ht, rtol=1e-6)
        for a, b in zip(el, et):
            np.testing.assert_allclose(a, b, rtol=1e-6)
    with pytest.raises(RuntimeError, match="innermost dimension"):
        torchless.histogramdd(torchless.ones(3, 2), [1, 2, 3])
    with pytest.raises(NotImplementedError):
        torchless.histogramdd(torchless.ones(3, 2, dtype=torchless.int32), 2)


# ---------------------------------------------------------------------------- stft, istft
STFT_CASES = [dict(n_fft=8), dict(n_fft=8, hop_length=3, window="hann"), dict(n_fft=8, hop_length=2, center=False),
              dict(n_fft=8, length=45), dict(n_fft=8, length=20, normalized=True), dict(n_fft=8, onesided=False),
              dict(n_fft=8, onesided=False, return_complex=True), dict(n_fft=16, hop_length=4, window="hann"),
              dict(n_fft=10, win_length=8, window="hann", pad_mode="constant")]


@pytest.mark.parametrize("case", STFT_CASES, ids=[str(i) for i in range(len(STFT_CASES))])
def test_stft_istft_against_torch(torch_ref, case):
    sig = np.random.default_rng(0).standard_normal((2, 40))
    results = []
    for lib in (torch_ref, torchless):
        kw = dict(case)
        if kw.get("window") == "hann":
            kw["window"] = lib.hann_window(kw.get("win_length", kw["n_fft"]), dtype=lib.float64)
        pad_mode = kw.pop("pad_mode", "reflect")
        x = lib.tensor(sig, requires_grad=True)
        spec = lib.stft(x, kw["n_fft"], hop_length=kw.get("hop_length"), win_length=kw.get("win_length"),
                        window=kw.get("window"), center=kw.get("center", True), pad_mode=pad_mode,
                        normalized=kw.get("normalized", False), onesided=kw.get("onesided", True), return_complex=True)
        (gx,) = lib.autograd.grad((lib.view_as_real(spec) * 0.1).sum(), x)
        s2 = spec.detach().clone().requires_grad_(True)
        y = lib.istft(s2, **kw)
        w = lib.tensor(np.arange(y.numel()).reshape(tuple(y.shape)) * 0.01)
        (gs,) = lib.autograd.grad(((y * w).real if y.is_complex() else y * w).sum(), s2)
        results.append((spec.detach().numpy(), gx.numpy(), y.detach().numpy(), gs.numpy()))
    for ours, theirs in zip(results[1], results[0]):
        assert ours.shape == theirs.shape
        np.testing.assert_allclose(ours, theirs, atol=1e-12)


def test_stft_errors_and_gradcheck():
    x = _t(np.random.default_rng(1).standard_normal(24), rg=True)
    with pytest.raises(RuntimeError, match="return_complex"):
        torchless.stft(x, 8)
    with pytest.raises(RuntimeError, match="hop_length > 0"):
        torchless.stft(x, 8, hop_length=0, return_complex=True)
    with pytest.raises(RuntimeError, match="win_length"):
        torchless.stft(x, 8, win_length=9, return_complex=True)
    with pytest.raises(RuntimeError, match="onesided"):
        torchless.stft(x, 8, window=torchless.ones(8, dtype=torchless.complex128), onesided=True, return_complex=True)
    with pytest.raises(RuntimeError, match="complex-valued"):
        torchless.istft(_t(np.ones((5, 3))), 8)
    assert x.stft(8, return_complex=False).shape == (5, 13, 2)
    assert gradcheck(lambda a: torchless.view_as_real(torchless.stft(a, 8, hop_length=3, return_complex=True)), (x,))


# ---------------------------------------------------------------------------- svd_lowrank, pca_lowrank
def test_lowrank_unique_parts_against_torch(torch_ref):
    rng = np.random.default_rng(2)
    for m, n in [(3, 3), (5, 3), (3, 5)]:
        A = rng.standard_normal((m, 2)) @ rng.standard_normal((n, 2)).T  # rank 2: q=2 recovers it exactly
        for fn, kwargs in (("svd_lowrank", {"q": 2}), ("pca_lowrank", {"q": 2, "center": True}),
                           ("pca_lowrank", {"q": 2, "center": False})):
            parts = []
            for lib in (torch_ref, torchless):
                a = lib.tensor(A, requires_grad=True)
                U, S, V = getattr(lib, fn)(a, **kwargs)
                P = U @ V.mH
                (g,) = lib.autograd.grad((P * lib.tensor(np.arange(m * n).reshape(m, n) * 0.1)).sum() + S.sum(), a)
                parts.append((S.detach().numpy(), P.detach().numpy(), g.numpy()))
            for ours, theirs in zip(parts[1], parts[0]):
                np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-10)
    with pytest.raises(ValueError, match="must be non-negative integer"):
        torchless.pca_lowrank(torchless.ones(3, 3), q=4)


# ---------------------------------------------------------------------------- vmap
def test_vmap_over_family():
    from torchless.func import vmap
    rng = np.random.default_rng(3)
    a, b = _t(rng.standard_normal((4, 12))), _t(rng.standard_normal((4, 12)))
    m = torchless.tensor(rng.random((4, 12)) > 0.3)
    v = _t(rng.standard_normal(4))
    pairs = [
        (vmap(torchless.complex)(a, b), torchless.complex(a, b)),
        (vmap(torchless.polar)(a.abs(), b), torchless.polar(a.abs(), b)),
        (vmap(lambda x: torchless.fill(x, 2.0))(a), torchless.fill(a, 2.0)),
        (vmap(lambda x, y: torchless.fill(x, y))(a, v), v[:, None].expand(4, 12)),
        (vmap(lambda x: torchless.constant_pad_nd(x, (1, 2), 3.0))(a), torchless.constant_pad_nd(a, (1, 2), 3.0)),
        (vmap(lambda x, k: torchless.masked.sum(x, 0, mask=k))(a, m), torchless.masked.sum(a, 1, mask=m)),
        (vmap(lambda x, k: torchless.masked.softmax(x, 0, mask=k))(a, m), torchless.masked.softmax(a, 1, mask=m)),
        (vmap(lambda x: torchless.gradient(x)[0])(a), torchless.gradient(a, dim=1)[0]),
        (vmap(lambda x: torchless.stft(x, 4, return_complex=True))(a), torchless.stft(a, 4, return_complex=True)),
    ]
    for got, want in pairs:
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12, equal_nan=True)
