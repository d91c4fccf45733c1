"""torch.signal.windows: window functions of length M (SciPy's names and parameters).

Each window is computed as PyTorch computes it: the sample positions from `linspace` in the requested
dtype, then a few elementwise ops (so `requires_grad=True` gives a result in a graph whose leaf is
the positions, as PyTorch's). `sym=True` gives a symmetric window (filter design); `sym=False` the
periodic one (spectral analysis: the symmetric window of length M + 1 without its last sample).
"""
import math
from collections.abc import Iterable
from typing import Any, Optional

from .. import _dtype as D
from .._tensor import Tensor
from .._tensor.creation import empty, linspace, ones, tensor, arange

__all__ = ["bartlett", "blackman", "cosine", "exponential", "gaussian", "general_cosine", "general_hamming",
           "hamming", "hann", "kaiser", "nuttall"]


def _checks(name: str, M: int, dtype: Optional[D.dtype], layout: Any) -> D.dtype:
    """The dtype to compute in, after the checks every window makes."""
    if dtype is None:
        dtype = D.get_default_dtype()
    if M < 0:
        raise ValueError(f"{name} requires non-negative window length, got M={M}")
    if layout is not None and str(layout) != "torch.strided":
        raise ValueError(f"{name} is implemented for strided tensors only, got: {layout}")
    if dtype not in (D.float32, D.float64):
        raise ValueError(f"{name} expects float32 or float64 dtypes, got: {dtype}")
    return dtype


def _positions(start: float, constant: float, M: int, dtype: D.dtype, device: Any, requires_grad: bool) -> Tensor:
    """linspace(start * constant, (start + M - 1) * constant, M)."""
    return linspace(start * constant, (start + (M - 1)) * constant, M, dtype=dtype, device=device,
                    requires_grad=requires_grad)


def _length(M: int, sym: bool) -> int:
    """The span the window's formula divides by: M - 1 (symmetric) or M (periodic)."""
    return M if not sym and M > 1 else M - 1


def exponential(M: int, *, center: Optional[float] = None, tau: float = 1.0, sym: bool = True,
                dtype: Optional[D.dtype] = None, layout: Any = None, device: Any = None,
                requires_grad: bool = False) -> Tensor:
    """exponential(M, *, center=None, tau=1.0, sym=True, dtype=None, ...) -> Tensor: the exponential
    (Poisson) window exp(-|n - center| / tau)."""
    dtype = _checks("exponential", M, dtype, layout)
    if tau <= 0:
        raise ValueError(f"Tau must be positive, got: {tau} instead.")
    if sym and center is not None:
        raise ValueError("Center must be None for symmetric windows")
    if M == 0:
        return empty((0,), dtype=dtype, device=device, requires_grad=requires_grad)
    if center is None:
        center = _length(M, sym) / 2.0
    k = _positions(-center, 1 / tau, M, dtype, device, requires_grad)
    return (-k.abs()).exp()


def cosine(M: int, *, sym: bool = True, dtype: Optional[D.dtype] = None, layout: Any = None, device: Any = None,
           requires_grad: bool = False) -> Tensor:
    """cosine(M, *, sym=True, dtype=None, ...) -> Tensor: the cosine (sine) window sin(pi (n + 0.5) / M)."""
    dtype = _checks("cosine", M, dtype, layout)
    if M == 0:
        return empty((0,), dtype=dtype, device=device, requires_grad=requires_grad)
    constant = math.pi / (M + 1 if not sym and M > 1 else M)
    return _positions(0.5, constant, M, dtype, device, requires_grad).sin()


def gaussian(M: int, *, std: float = 1.0, sym: bool = True, dtype: Optional[D.dtype] = None, layout: Any = None,
             device: Any = None, requires_grad: bool = False) -> Tensor:
    """gaussian(M, *, std=1.0, sym=True, dtype=None, ...) -> Tensor: the gaussian window
    exp(-(n / (2 std))**2) centred on the window."""
    dtype = _checks("gaussian", M, dtype, layout)
    if std <= 0:
        raise ValueError(f"Standard deviation must be positive, got: {std} instead.")
    if M == 0:
        return empty((0,), dtype=dtype, device=device, requires_grad=requires_grad)
    k = _positions(-_length(M, sym) / 2.0, 1 / (std * math.sqrt(2)), M, dtype, device, requires_grad)
    return (-(k ** 2)).exp()


def kaiser(M: int, *, beta: float = 12.0, sym: bool = True, dtype: Optional[D.dtype] = None, layout: Any = None,
           device: Any = None, requires_grad: bool = False) -> Tensor:
    """kaiser(M, *, beta=12.0, sym=True, dtype=None, ...) -> Tensor: the Kaiser window
    I0(beta sqrt(1 - ((n - N/2) / (N/2))**2)) / I0(beta), N = M - 1 (sym) or M."""
    dtype = _checks("kaiser", M, dtype, layout)
    if beta < 0:
        raise ValueError(f"beta must be non-negative, got: {beta} instead.")
    if M == 0:
        return empty((0,), dtype=dtype, device=device, requires_grad=requires_grad)
    if M == 1:
        return ones((1,), dtype=dtype, device=device, requires_grad=requires_grad)
    work = dtype.np.type
    b = work(beta)  # the ends in the window's dtype (a float32 beta, as PyTorch's)
    constant = work(2.0) * b / work(M if not sym else M - 1)
    end = min(b, work(-b + work(M - 1) * constant))
    k = linspace(float(-b), float(end), M, dtype=dtype, device=device, requires_grad=requires_grad)
    bt = tensor(float(b), dtype=dtype)
    return (bt * bt - k.pow(2)).sqrt().i0() / bt.i0()


def general_cosine(M: int, *, a: Iterable[float], sym: bool = True, dtype: Optional[D.dtype] = None,
                   layout: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """general_cosine(M, *, a, sym=True, dtype=None, ...) -> Tensor: the generic weighted sum of cosines
    sum_i (-1)**i a[i] cos(2 pi i n / N)."""
    dtype = _checks("general_cosine", M, dtype, layout)
    if M == 0:
        return empty((0,), dtype=dtype, device=device, requires_grad=requires_grad)
    if M == 1:
        return ones((1,), dtype=dtype, device=device, requires_grad=requires_grad)
    if not isinstance(a, Iterable):
        raise TypeError("Coefficients must be a list/tuple")
    if not a:
        raise ValueError("Coefficients cannot be empty")
    k = _positions(0.0, 2 * math.pi / (M if not sym else M - 1), M, dtype, device, requires_grad)
    a_i = tensor([(-1) ** i * w for i, w in enumerate(a)], dtype=dtype, requires_grad=requires_grad)
    i = arange(a_i.shape[0], dtype=dtype, requires_grad=requires_grad)
    return (a_i.unsqueeze(-1) * (i.unsqueeze(-1) * k).cos()).sum(0)


def general_hamming(M: int, *, alpha: float = 0.54, sym: bool = True, dtype: Optional[D.dtype] = None,
                    layout: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """general_hamming(M, *, alpha=0.54, sym=True, dtype=None, ...) -> Tensor: the generalized Hamming
    window alpha - (1 - alpha) cos(2 pi n / N)."""
    return general_cosine(M, a=[alpha, 1.0 - alpha], sym=sym, dtype=dtype, layout=layout, device=device,
                          requires_grad=requires_grad)


def hamming(M: int, *, sym: bool = True, dtype: Optional[D.dtype] = None, layout: Any = None, device: Any = None,
            requires_grad: bool = False) -> Tensor:
    """hamming(M, *, sym=True, dtype=None, ...) -> Tensor: the Hamming window 0.54 - 0.46 cos(2 pi n / N)."""
    return general_hamming(M, sym=sym, dtype=dtype, layout=layout, device=device, requires_grad=requires_grad)


def hann(M: int, *, sym: bool = True, dtype: Optional[D.dtype] = None, layout: Any = None, device: Any = None,
         requires_grad: bool = False) -> Tensor:
    """hann(M, *, sym=True, dtype=None, ...) -> Tensor: the Hann window 0.5 - 0.5 cos(2 pi n / N)."""
    return general_hamming(M, alpha=0.5, sym=sym, dtype=dtype, layout=layout, device=device,
                           requires_grad=requires_grad)


def blackman(M: int, *, sym: bool = True, dtype: Optional[D.dtype] = None, layout: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """blackman(M, *, sym=True, dtype=None, ...) -> Tensor: the Blackman window
    0.42 - 0.5 cos(2 pi n / N) + 0.08 cos(4 pi n / N)."""
    dtype = _checks("blackman", M, dtype, layout)
    return general_cosine(M, a=[0.42, 0.5, 0.08], sym=sym, dtype=dtype, layout=layout, device=device,
                          requires_grad=requires_grad)


def bartlett(M: int, *, sym: bool = True, dtype: Optional[D.dtype] = None, layout: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """bartlett(M, *, sym=True, dtype=None, ...) -> Tensor: the triangular Bartlett window
    1 - |2 n / N - 1|."""
    dtype = _checks("bartlett", M, dtype, layout)
    if M == 0:
        return empty((0,), dtype=dtype, device=device, requires_grad=requires_grad)
    if M == 1:
        return ones((1,), dtype=dtype, device=device, requires_grad=requires_grad)
    k = linspace(-1.0, -1.0 + (M - 1) * (2 / (M if not sym else M - 1)), M, dtype=dtype, device=device,
                 requires_grad=requires_grad)
    return 1 - k.abs()


def nuttall(M: int, *, sym: bool = True, dtype: Optional[D.dtype] = None, layout: Any = None, device: Any = None,
            requires_grad: bool = False) -> Tensor:
    """nuttall(M, *, sym=True, dtype=None, ...) -> Tensor: the minimum 4-term Blackman-Harris window of
    Nuttall."""
    return general_cosine(M, a=[0.3635819, 0.4891775, 0.1365995, 0.0106411], sym=sym, dtype=dtype,
                          layout=layout, device=device, requires_grad=requires_grad)
