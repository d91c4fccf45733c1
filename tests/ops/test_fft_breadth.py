"""torch.fft: closed forms, finite differences (float64, through real-valued compositions), forward
mode, and every transform, norm and length run in PyTorch too (values, dtypes, gradients)."""
import numpy as np
import pytest

import torchless
from torchless.autograd import gradcheck, gradgradcheck

FFT = torchless.fft


def _r(*shape, seed=0, c=False):
    r = np.random.default_rng(seed)
    return r.standard_normal(shape) + (1j * r.standard_normal(shape) if c else 0)


def test_closed_forms():
    x = torchless.tensor([1.0, 0.0, 0.0, 0.0])
    out = FFT.fft(x)
    assert out.dtype == torchless.complex64
    np.testing.assert_allclose(out.numpy(), np.ones(4))
    np.testing.assert_allclose(FFT.fft(x, norm="ortho").numpy(), np.full(4, 0.5))
    np.testing.assert_allclose(FFT.fft(x, norm="forward").numpy(), np.full(4, 0.25))
    assert FFT.rfft(torchless.ones(8, dtype=torchless.float64)).shape == (5,)
    np.testing.assert_allclose(FFT.irfft(FFT.rfft(torchless.arange(6.0))).numpy(), np.arange(6.0), atol=1e-6)
    np.testing.assert_allclose(FFT.fftfreq(4).numpy(), [0, 0.25, -0.5, -0.25])
    np.testing.assert_allclose(FFT.rfftfreq(5, d=0.5).numpy(), [0, 0.4, 0.8])
    np.testing.assert_allclose(FFT.fftshift(torchless.arange(5)).numpy(), [3, 4, 0, 1, 2])
    np.testing.assert_allclose(FFT.ifftshift(FFT.fftshift(torchless.arange(5))).numpy(), np.arange(5))
    assert FFT.fft(torchless.arange(4)).dtype == torchless.complex64  # integers: the default float


def test_errors():
    with pytest.raises(RuntimeError, match="real input"):
        FFT.rfft(torchless.ones(3, dtype=torchless.complex64))
    with pytest.raises(RuntimeError, match="normalization"):
        FFT.fft(torchless.ones(3), norm="twice")
    with pytest.raises(RuntimeError, match="data points"):
        FFT.fft(torchless.ones(3), n=0)
    with pytest.raises(IndexError):
        FFT.fft(torchless.ones(3), dim=2)


REAL_VALUED = {
    "fft abs": lambda x: FFT.fft(x, n=7).abs(),
    "ifft ortho real": lambda x: FFT.ifft(x, norm="ortho").real,
    "rfft n": lambda x: FFT.rfft(x, n=4).imag,
    "irfft of rfft": lambda x: FFT.irfft(FFT.rfft(x) * FFT.rfft(x), n=6),
    "hfft of ihfft": lambda x: FFT.hfft(FFT.ihfft(x, norm="forward") * 2, n=5),
    "fft2 real": lambda x: FFT.fft2(x.reshape(2, 3)).real,
    "rfftn abs": lambda x: FFT.rfftn(x.reshape(2, 3), s=(3, 4)).abs(),
    "irfft2": lambda x: FFT.irfft2(FFT.fft2(x.reshape(2, 3), norm="ortho")),
    "fftshift": lambda x: FFT.fftshift(x),
}


@pytest.mark.parametrize("name", list(REAL_VALUED))
def test_gradcheck_and_gradgradcheck(name):
    x = torchless.tensor(_r(6), requires_grad=True)
    f = REAL_VALUED[name]
    assert gradcheck(f, (x,))
    assert gradgradcheck(f, (x,))


def test_forward_ad():
    import torchless.autograd.forward_ad as fwAD
    x = torchless.tensor(_r(6))
    t = torchless.tensor(_r(6, seed=1))
    for f in (lambda v: FFT.fft(v, n=8), lambda v: FFT.rfft(v), lambda v: FFT.irfft(FFT.fft(v)),
              lambda v: FFT.hfft(FFT.ifft(v), n=4)):
        with fwAD.dual_level():
            tangent = fwAD.unpack_dual(f(fwAD.make_dual(x, t))).tangent
        np.testing.assert_allclose(tangent.numpy(), f(t).numpy(), atol=1e-12)  # linear: f(t)


CASES = [
    ("fft", lambda T, a: T.fft.fft(a, n=7), _r(3, 5)),
    ("fft complex dim0", lambda T, a: T.fft.fft(a, dim=0, norm="ortho"), _r(3, 5, c=True)),
    ("ifft", lambda T, a: T.fft.ifft(a, n=3, norm="forward"), _r(3, 5)),
    ("rfft", lambda T, a: T.fft.rfft(a, n=8), _r(2, 5)),
    ("irfft", lambda T, a: T.fft.irfft(a, norm="ortho"), _r(2, 5, c=True)),
    ("irfft odd n", lambda T, a: T.fft.irfft(a, n=9), _r(2, 5, c=True)),
    ("hfft", lambda T, a: T.fft.hfft(a), _r(4, c=True)),
    ("ihfft", lambda T, a: T.fft.ihfft(a, n=6, norm="forward"), _r(2, 5)),
    ("fft2", lambda T, a: T.fft.fft2(a, s=(2, 6)), _r(3, 4, c=True)),
    ("ifft2", lambda T, a: T.fft.ifft2(a, norm="ortho"), _r(3, 4)),
    ("rfft2", lambda T, a: T.fft.rfft2(a), _r(2, 3, 4)),
    ("irfft2", lambda T, a: T.fft.irfft2(a, s=(3, 5)), _r(3, 4, c=True)),
    ("fftn", lambda T, a: T.fft.fftn(a, dim=(0, 2)), _r(2, 3, 4)),
    ("ifftn", lambda T, a: T.fft.ifftn(a), _r(2, 3, c=True)),
    ("rfftn", lambda T, a: T.fft.rfftn(a, norm="forward"), _r(2, 3, 4)),
    ("irfftn", lambda T, a: T.fft.irfftn(a), _r(2, 3, 4, c=True)),
    ("hfftn", lambda T, a: T.fft.hfftn(a, norm="ortho"), _r(2, 3, c=True)),
    ("ihfftn", lambda T, a: T.fft.ihfftn(a), _r(2, 3)),
    ("float32", lambda T, a: T.fft.rfft(a.float()), _r(5)),
    ("fftshift", lambda T, a: T.fft.fftshift(a, dim=(0,)), _r(3, 4)),
    ("ifftshift", lambda T, a: T.fft.ifftshift(a), _r(3, 5)),
]


@pytest.mark.parametrize("name,f,data", CASES, ids=[c[0] for c in CASES])
def test_matches_torch(name, f, data, torch_ref):
    tt = torch_ref.tensor(data, requires_grad=True)
    lt = torchless.tensor(data, requires_grad=True)
    rt, rl = f(torch_ref, tt), f(torchless, lt)
    assert str(rt.dtype) == str(rl.dtype) and tuple(rt.shape) == tuple(rl.shape)
    np.testing.assert_allclose(rl.detach().numpy(), rt.detach().resolve_conj().numpy(), rtol=1e-5, atol=1e-5)
    w = _r(*rt.shape, seed=3, c=rt.is_complex())
    gt, = torch_ref.autograd.grad((rt * torch_ref.tensor(w, dtype=rt.dtype)).real.sum(), tt)
    gl, = torchless.autograd.grad((rl * torchless.tensor(w, dtype=rl.dtype)).real.sum(), lt)
    np.testing.assert_allclose(gl.numpy(), gt.resolve_conj().numpy(), rtol=1e-5, atol=1e-5)


def test_grad_fn_names():
    x = torchless.tensor(_r(4), requires_grad=True)
    assert type(FFT.rfft(x).grad_fn).__name__ == "FftR2CBackward0"
    assert type(FFT.fft(x.to(torchless.complex128)).grad_fn).__name__ == "FftC2CBackward0"
    assert type(FFT.irfft(FFT.rfft(x)).grad_fn).__name__ == "FftC2RBackward0"
