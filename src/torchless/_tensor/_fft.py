"""torch.fft: discrete Fourier transforms and their helpers (rules: ops/fft.py).

Each function reads its arguments as PyTorch does (n / s for the signal lengths, dim, norm), pads
or trims the signal to those lengths as a separate recorded op, then records one of the three
transforms. Integer inputs are transformed as the default float dtype; float32 and complex64 give
complex64 (or float32), float64 and complex128 give complex128 (or float64).
"""
from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any, List, Optional, Sequence, Tuple

import numpy as np

from .. import _dtype as D
from ._core import apply
from ._inplace import write_out
if TYPE_CHECKING:
    from . import Tensor
else:
    from ._core import Tensor
from ._reduction import scalar_type_name as _title
from ..ops import fft as F

__all__ = ["fft"]

_NORMS = (None, "backward", "forward", "ortho")


def _norm(norm: Optional[str]) -> str:
    if norm not in _NORMS:
        raise RuntimeError(f"Invalid normalization mode: \"{norm}\"")
    return "backward" if norm is None else norm


def _need(x: Any, fname: str) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"fft_{fname}(): argument 'input' (position 1) must be Tensor, not {type(x).__name__}")
    return x


def _as_float(x: Tensor, fname: str, real_only: bool = False) -> Tensor:
    """Integers and bools as the default float; half is not supported (as on PyTorch's CPU)."""
    k = x._data.dtype.kind
    if k in "biu":
        return x.to(D.get_default_dtype())
    if x._data.dtype == np.float16:
        raise RuntimeError(f"Unsupported dtype Half")
    if real_only and k == "c":
        raise RuntimeError(f"{fname} expects a real input tensor, but got {_title(x)}")
    return x


def _as_complex(x: Tensor) -> Tensor:
    if x._data.dtype.kind == "c":
        return x
    return x.to(D.complex64 if x._data.dtype == np.float32 else D.complex128)


def _wrap(d: int, nd: int) -> int:
    if not -nd <= d < max(nd, 1):
        raise IndexError(f"Dimension out of range (expected to be in range of [{-nd}, {nd - 1}], but got {d})")
    return d % nd if nd else 0


def _dims_sizes(x: Tensor, s: Any, dim: Any, fname: str, c2r: bool = False) -> Tuple[Tuple[int, ...], List[int]]:
    """PyTorch's reading of (s, dim) for an n-dimensional transform: the dims and the signal
    lengths along them (None entries: the input's own, or for c2r the last one 2 * (m - 1))."""
    nd = x._data.ndim
    if isinstance(dim, int):
        dim = (dim,)
    if s is not None and not isinstance(s, (list, tuple)):
        s = (int(s),)
    if dim is not None:
        dims = tuple(_wrap(d, nd) for d in dim)
        if len(set(dims)) != len(dims):
            raise RuntimeError("FFT dims must be unique")
        if s is not None and len(s) != len(dims):
            raise RuntimeError("When given, dim and shape arguments must have the same length")
    elif s is not None:
        if len(s) > nd:
            raise RuntimeError(f"Got shape with {len(s)} values but input tensor only has {nd} dimensions.")
        dims = tuple(range(nd - len(s), nd))
    else:
        dims = tuple(range(nd))
    sizes: List[int] = []
    for i, d in enumerate(dims):
        n = None if s is None else s[i]
        if n is None or n == -1:
            n = x._data.shape[d]
            if c2r and i == len(dims) - 1:
                n = 2 * (n - 1)
        if n < 1:
            raise RuntimeError(f"Invalid number of data points ({n}) specified")
        sizes.append(int(n))
    return dims, sizes


def _resized(x: Tensor, dims: Sequence[int], sizes: Sequence[int]) -> Tensor:
    old = [x._data.shape[d] for d in dims]
    if list(old) == list(sizes):
        return x
    R = F.SliceBackward0 if all(n <= o for n, o in zip(sizes, old)) else F.ConstantPadNdBackward0
    return apply(R, x, tuple(dims), tuple(sizes))


def _c2c_or_r2c(x: Tensor, dims: Tuple[int, ...], sizes: List[int], norm: str, forward: bool) -> Tensor:
    x = _resized(x, dims, sizes)
    if not dims:
        return _as_complex(x).clone()
    if x._data.dtype.kind == "c":
        return apply(F.FftC2CBackward0, x, dims, norm, forward)
    return apply(F.FftR2CBackward0, x, dims, norm, False, forward)


def _r2c_onesided(x: Tensor, dims: Tuple[int, ...], sizes: List[int], norm: str, forward: bool,
                  fname: str) -> Tensor:
    x = _as_float(x, fname, real_only=True)
    x = _resized(x, dims, sizes)
    return apply(F.FftR2CBackward0, x, dims, norm, True, forward)


def _c2r(x: Tensor, dims: Tuple[int, ...], sizes: List[int], norm: str, forward: bool) -> Tensor:
    x = _as_complex(x)
    bins = list(sizes[:-1]) + [sizes[-1] // 2 + 1]
    x = _resized(x, dims, bins)
    return apply(F.FftC2RBackward0, x, dims, norm, sizes[-1], forward)


# ============================================================================ the transforms
def _fft(input: Tensor, n: Optional[int] = None, dim: int = -1, norm: Optional[str] = None, *,
         out: Optional[Tensor] = None) -> Tensor:
    """fft.fft(input, n=None, dim=-1, norm=None) -> Tensor

    The one-dimensional discrete Fourier transform along `dim` (the signal padded with zeros or
    trimmed to n points first). norm: "backward" (default, unscaled), "forward" (scaled by 1/n)
    or "ortho" (by 1/sqrt(n)). Real input gives the full (Hermitian) spectrum.
    """
    x = _as_float(_need(input, "fft"), "fft")
    dims, sizes = _dims_sizes(x, n, dim, "fft")
    return _done(_c2c_or_r2c(x, dims, sizes, _norm(norm), True), out)


def _ifft(input: Tensor, n: Optional[int] = None, dim: int = -1, norm: Optional[str] = None, *,
          out: Optional[Tensor] = None) -> Tensor:
    """fft.ifft(input, n=None, dim=-1, norm=None) -> Tensor

    The one-dimensional inverse discrete Fourier transform along `dim` ("backward": scaled by 1/n).
    """
    x = _as_float(_need(input, "ifft"), "ifft")
    dims, sizes = _dims_sizes(x, n, dim, "ifft")
    return _done(_c2c_or_r2c(x, dims, sizes, _norm(norm), False), out)


def _rfft(input: Tensor, n: Optional[int] = None, dim: int = -1, norm: Optional[str] = None, *,
          out: Optional[Tensor] = None) -> Tensor:
    """fft.rfft(input, n=None, dim=-1, norm=None) -> Tensor

    The Fourier transform of a real signal, one-sided: the n // 2 + 1 non-negative frequencies
    (the others are their conjugates).
    """
    x = _as_float(_need(input, "rfft"), "rfft", real_only=True)
    dims, sizes = _dims_sizes(x, n, dim, "rfft")
    return _done(_r2c_onesided(x, dims, sizes, _norm(norm), True, "rfft"), out)


def _irfft(input: Tensor, n: Optional[int] = None, dim: int = -1, norm: Optional[str] = None, *,
           out: Optional[Tensor] = None) -> Tensor:
    """fft.irfft(input, n=None, dim=-1, norm=None) -> Tensor

    The inverse of rfft: the real signal of n points (default 2 * (m - 1)) whose one-sided
    spectrum is input (trimmed or padded to n // 2 + 1 bins).
    """
    x = _as_float(_need(input, "irfft"), "irfft")
    dims, sizes = _dims_sizes(x, n, dim, "irfft", c2r=True)
    return _done(_c2r(x, dims, sizes, _norm(norm), False), out)


def _hfft(input: Tensor, n: Optional[int] = None, dim: int = -1, norm: Optional[str] = None, *,
          out: Optional[Tensor] = None) -> Tensor:
    """fft.hfft(input, n=None, dim=-1, norm=None) -> Tensor

    The Fourier transform of a Hermitian-symmetric signal given by its one-sided half: a real
    result of n points (default 2 * (m - 1)).
    """
    x = _as_float(_need(input, "hfft"), "hfft")
    dims, sizes = _dims_sizes(x, n, dim, "hfft", c2r=True)
    return _done(_c2r(x, dims, sizes, _norm(norm), True), out)


def _ihfft(input: Tensor, n: Optional[int] = None, dim: int = -1, norm: Optional[str] = None, *,
           out: Optional[Tensor] = None) -> Tensor:
    """fft.ihfft(input, n=None, dim=-1, norm=None) -> Tensor

    The inverse of hfft: the one-sided inverse transform of a real signal (n // 2 + 1 bins).
    """
    x = _as_float(_need(input, "ihfft"), "ihfft", real_only=True)
    dims, sizes = _dims_sizes(x, n, dim, "ihfft")
    return _done(_r2c_onesided(x, dims, sizes, _norm(norm), False, "ihfft"), out)


def _nd(fname: str, forward: bool, default_dim: Any) -> Any:
    def transform(input: Tensor, s: Optional[Sequence[int]] = None, dim: Any = default_dim,
                  norm: Optional[str] = None, *, out: Optional[Tensor] = None) -> Tensor:
        x = _as_float(_need(input, fname), fname)
        dims, sizes = _dims_sizes(x, s, dim, fname)
        return _done(_c2c_or_r2c(x, dims, sizes, _norm(norm), forward), out)
    return transform


def _rnd(fname: str, default_dim: Any, forward: bool = True) -> Any:
    def transform(input: Tensor, s: Optional[Sequence[int]] = None, dim: Any = default_dim,
                  norm: Optional[str] = None, *, out: Optional[Tensor] = None) -> Tensor:
        x = _as_float(_need(input, fname), fname, real_only=True)
        dims, sizes = _dims_sizes(x, s, dim, fname)
        if not dims:
            raise RuntimeError(f"{fname} must transform at least one axis")
        return _done(_r2c_onesided(x, dims, sizes, _norm(norm), forward, fname), out)
    return transform


def _irnd(fname: str, default_dim: Any, forward: bool = False) -> Any:
    def transform(input: Tensor, s: Optional[Sequence[int]] = None, dim: Any = default_dim,
                  norm: Optional[str] = None, *, out: Optional[Tensor] = None) -> Tensor:
        x = _as_float(_need(input, fname), fname)
        dims, sizes = _dims_sizes(x, s, dim, fname, c2r=True)
        if not dims:
            raise RuntimeError(f"{fname} must transform at least one axis")
        return _done(_c2r(x, dims, sizes, _norm(norm), forward), out)
    return transform


def _done(res: Tensor, out: Optional[Tensor]) -> Tensor:
    """The transform, or, given `out=`, the transform written into it (_inplace.write_out)."""
    return res if out is None else write_out("fft", res, out)


def _doc(f: Any, name: str, text: Optional[str]) -> Any:
    f.__name__ = f.__qualname__ = name
    f.__doc__ = text
    return f


_2D = (-2, -1)
_fft2 = _doc(_nd("fft2", True, _2D), "fft2", """fft.fft2(input, s=None, dim=(-2, -1), norm=None) -> Tensor

    The two-dimensional discrete Fourier transform over `dim` (each padded or trimmed to s).
    """)
_ifft2 = _doc(_nd("ifft2", False, _2D), "ifft2", """fft.ifft2(input, s=None, dim=(-2, -1), norm=None) -> Tensor

    The two-dimensional inverse discrete Fourier transform over `dim`.
    """)
_fftn = _doc(_nd("fftn", True, None), "fftn", """fft.fftn(input, s=None, dim=None, norm=None) -> Tensor

    The n-dimensional discrete Fourier transform over `dim` (default: the last len(s) dims, or all).
    """)
_ifftn = _doc(_nd("ifftn", False, None), "ifftn", """fft.ifftn(input, s=None, dim=None, norm=None) -> Tensor

    The n-dimensional inverse discrete Fourier transform over `dim`.
    """)
_rfft2 = _doc(_rnd("rfft2", _2D), "rfft2", """fft.rfft2(input, s=None, dim=(-2, -1), norm=None) -> Tensor

    The two-dimensional transform of a real signal, one-sided along the last of `dim`.
    """)
_rfftn = _doc(_rnd("rfftn", None), "rfftn", """fft.rfftn(input, s=None, dim=None, norm=None) -> Tensor

    The n-dimensional transform of a real signal, one-sided along the last of `dim`.
    """)
_irfft2 = _doc(_irnd("irfft2", _2D), "irfft2", """fft.irfft2(input, s=None, dim=(-2, -1), norm=None) -> Tensor

    The inverse of rfft2: a real signal (the last dim 2 * (m - 1) long unless s says otherwise).
    """)
_irfftn = _doc(_irnd("irfftn", None), "irfftn", """fft.irfftn(input, s=None, dim=None, norm=None) -> Tensor

    The inverse of rfftn: a real signal (the last dim 2 * (m - 1) long unless s says otherwise).
    """)
_hfft2 = _doc(_irnd("hfft2", _2D, True), "hfft2", """fft.hfft2(input, s=None, dim=(-2, -1), norm=None) -> Tensor

    The two-dimensional transform of a Hermitian signal given by its one-sided half: real.
    """)
_hfftn = _doc(_irnd("hfftn", None, True), "hfftn", """fft.hfftn(input, s=None, dim=None, norm=None) -> Tensor

    The n-dimensional transform of a Hermitian signal given by its one-sided half: real.
    """)
_ihfft2 = _doc(_rnd("ihfft2", _2D, False), "ihfft2", """fft.ihfft2(input, s=None, dim=(-2, -1), norm=None) -> Tensor

    The inverse of hfft2: the one-sided inverse transform of a real signal.
    """)
_ihfftn = _doc(_rnd("ihfftn", None, False), "ihfftn", """fft.ihfftn(input, s=None, dim=None, norm=None) -> Tensor

    The inverse of hfftn: the one-sided inverse transform of a real signal.
    """)


# ============================================================================ helpers
def _freq_dtype(dtype: Any) -> Any:
    return D.get_default_dtype() if dtype is None else dtype


def _fftfreq(n: int, d: float = 1.0, *, dtype: Any = None, layout: Any = None, device: Any = None,
             requires_grad: bool = False, out: Optional[Tensor] = None) -> Tensor:
    """fft.fftfreq(n, d=1.0, *, dtype=None) -> Tensor

    The sample frequencies of an n-point transform with sample spacing d:
    [0, 1, ..., (n - 1) // 2, -(n // 2), ..., -1] / (d * n).
    """
    from .creation import tensor
    k = np.concatenate([np.arange(0, (n - 1) // 2 + 1), np.arange(-(n // 2), 0)]).astype(np.float64)
    return _done(tensor(k / (d * n), dtype=_freq_dtype(dtype), requires_grad=requires_grad), out)


def _rfftfreq(n: int, d: float = 1.0, *, dtype: Any = None, layout: Any = None, device: Any = None,
              requires_grad: bool = False, out: Optional[Tensor] = None) -> Tensor:
    """fft.rfftfreq(n, d=1.0, *, dtype=None) -> Tensor

    The non-negative sample frequencies of an rfft of n points: [0, 1, ..., n // 2] / (d * n).
    """
    from .creation import tensor
    k = np.arange(0, n // 2 + 1).astype(np.float64)
    return _done(tensor(k / (d * n), dtype=_freq_dtype(dtype), requires_grad=requires_grad), out)


def _shift_dims(x: Tensor, dim: Any) -> Tuple[int, ...]:
    nd = x._data.ndim
    if dim is None:
        return tuple(range(nd))
    if isinstance(dim, int):
        dim = (dim,)
    return tuple(_wrap(d, nd) for d in dim)


def _fftshift(input: Tensor, dim: Any = None) -> Tensor:
    """fft.fftshift(input, dim=None) -> Tensor

    The zero frequency moved to the middle: each dim in `dim` (default all) rolled by n // 2.
    """
    dims = _shift_dims(input, dim)
    if not dims:
        return input.clone()
    return input.roll(tuple(input._data.shape[d] // 2 for d in dims), dims)


def _ifftshift(input: Tensor, dim: Any = None) -> Tensor:
    """fft.ifftshift(input, dim=None) -> Tensor

    The inverse of fftshift: each dim in `dim` (default all) rolled by -(n // 2).
    """
    dims = _shift_dims(input, dim)
    if not dims:
        return input.clone()
    return input.roll(tuple((input._data.shape[d] + 1) // 2 for d in dims), dims)


fft = types.ModuleType("torchless.fft", "torch.fft: discrete Fourier transforms.")
fft.__dict__.update(
    fft=_doc(_fft, "fft", _fft.__doc__), ifft=_doc(_ifft, "ifft", _ifft.__doc__),
    rfft=_doc(_rfft, "rfft", _rfft.__doc__), irfft=_doc(_irfft, "irfft", _irfft.__doc__),
    hfft=_doc(_hfft, "hfft", _hfft.__doc__), ihfft=_doc(_ihfft, "ihfft", _ihfft.__doc__),
    fft2=_fft2, ifft2=_ifft2, fftn=_fftn, ifftn=_ifftn, rfft2=_rfft2, rfftn=_rfftn, irfft2=_irfft2,
    irfftn=_irfftn, hfft2=_hfft2, hfftn=_hfftn, ihfft2=_ihfft2, ihfftn=_ihfftn,
    fftfreq=_doc(_fftfreq, "fftfreq", _fftfreq.__doc__), rfftfreq=_doc(_rfftfreq, "rfftfreq", _rfftfreq.__doc__),
    fftshift=_doc(_fftshift, "fftshift", _fftshift.__doc__),
    ifftshift=_doc(_ifftshift, "ifftshift", _ifftshift.__doc__))
sys.modules["torchless.fft"] = fft

# vmap (issue 12, round 3): every transform takes leading batch dims, so vmap runs it once on the whole
# batch ("batch_dims", ops/_rule.py), its dims counted from the end of each example; fftn's and
# fftshift's dim=None (every dim) is written out as the example's dims.
from ..ops._rule import declare_batching as _declare  # noqa: E402
from ..overrides import dispatching as _dispatching  # noqa: E402

for _name in ("fft", "ifft", "rfft", "irfft", "hfft", "ihfft", "fft2", "ifft2", "rfft2", "irfft2", "hfft2", "ihfft2",
              "fftn", "ifftn", "rfftn", "irfftn", "hfftn", "ihfftn", "fftshift", "ifftshift"):
    _every = _name.endswith("n") or _name.endswith("shift")  # (dim=None: every dim, unless s is given)
    _spec = {"all_dims": ("dim",), "unless": "s"} if _every else {"dims": ("dim",)}
    setattr(fft, _name, _dispatching(_declare(getattr(fft, _name), "batch_dims", **_spec)))
del _name, _spec, _every
