"""The tensor functions the distributions compute with (torch.* of floor 2, gathered here), and
the random draws they share. Private to torchless.distributions."""
import math
from typing import Any

import numpy as np

from .._random import rng as _rng
from .._tensor import Tensor, where
from .._tensor._core import Size, _plain
from .._tensor._linalg import linalg
from .._tensor._matrix import cholesky_inverse, cholesky_solve
from .._tensor._shape import broadcast_shapes, broadcast_tensors, cat, flip, stack
from .._tensor._special import xlogy
from .._tensor.creation import arange, eye, full, ones, tensor, zeros
from .._tensor.functions import softmax
from ..backend import special as _S

__all__ = ["Tensor", "Size", "where", "linalg", "cholesky_inverse", "cholesky_solve", "broadcast_shapes",
           "broadcast_tensors", "cat", "flip", "stack", "xlogy", "arange", "eye", "full", "ones", "tensor",
           "zeros", "softmax",
           "draw", "standard_normal", "standard_gamma", "np_dtype", "tiny", "eps", "softplus", "constant",
           "lgamma_np", "LOG_2PI"]

LOG_2PI = math.log(2 * math.pi)


def np_dtype(t: Tensor) -> Any:
    """The NumPy dtype of `t`'s values."""
    return t._data.dtype


def tiny(t: Tensor) -> float:
    """The smallest positive normal number of `t`'s dtype."""
    return float(np.finfo(np_dtype(t)).tiny)


def eps(t: Tensor) -> float:
    """The machine epsilon of `t`'s dtype."""
    return float(np.finfo(np_dtype(t)).eps)


def constant(array: Any, like: Tensor) -> Tensor:
    """An array as a tensor (no gradient) of `like`'s dtype."""
    return _plain(np.asarray(array).astype(np_dtype(like), copy=False))


def draw(fn: Any, shape: Any, like: Tensor) -> Tensor:
    """A tensor of `shape`, in `like`'s dtype, drawn from the default stream: fn(Generator, shape)."""
    return constant(fn(_rng().draws(np_dtype(like)), tuple(shape)), like)


def standard_normal(shape: Any, like: Tensor) -> Tensor:
    """Draws from N(0, 1) of `shape`, in `like`'s dtype."""
    return draw(lambda g, s: g.standard_normal(s), shape, like)


def softplus(x: Tensor) -> Tensor:
    """log(1 + exp(x)), stably (its derivative is sigmoid(x), also at 0)."""
    return x.new_zeros(()).expand(x.shape).logaddexp(x) if x.dim() else x.new_zeros(()).logaddexp(x)


def lgamma_np(a: Any) -> Any:
    """log|Gamma(a)| on arrays (float64)."""
    return _S.lgamma(np.asarray(a, dtype=np.float64))


def _standard_gamma_grad(alpha: Any, x: Any) -> Any:
    """d x / d alpha for x ~ Gamma(alpha, 1) held at the same quantile (implicit reparameterization:
    -(dP/dalpha)(alpha, x) / density(x)), P the regularized lower incomplete gamma function. The
    alpha-derivative of P is a central difference (float64); where the density underflows (x far
    in the left tail) the small-x form -x (log x - digamma(alpha + 1)) / alpha is used."""
    a = np.asarray(alpha, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    h = 1e-5 * np.maximum(a, 1.0)
    lo = np.maximum(a - h, a * 0.5)
    hi = a + h
    dp = (_S.igamma(hi, x) - _S.igamma(lo, x)) / (hi - lo)
    with np.errstate(all="ignore"):
        log_pdf = (a - 1) * np.log(x) - x - _S.lgamma(a)
        pdf = np.exp(log_pdf)
        general = -dp / pdf
        small = -x * (np.log(x) - _S.digamma(a + 1)) / a
    use_small = (pdf < 1e-280) | ~np.isfinite(general) | (x < 1e-8 * a)
    out = np.where(use_small, small, general)
    return np.where(np.isfinite(out), out, 0.0)


def standard_gamma(alpha: Tensor) -> Tensor:
    """Draws from Gamma(alpha, 1), one per element of alpha (at least the smallest normal number
    of the dtype), differentiable in alpha by implicit reparameterization: the result is
    x + (alpha - alpha.detach()) * dx/dalpha, whose value is x and whose gradient is dx/dalpha."""
    a = alpha._data.astype(np.float64)
    x = _rng().gamma(alpha._data) if a.size else np.zeros(a.shape, np_dtype(alpha))  # PyTorch's sampler and draws
    sample = constant(x, alpha)
    if not alpha.requires_grad:
        return sample
    grad = constant(_standard_gamma_grad(a, x.astype(np.float64)), alpha)
    return sample + (alpha - alpha.detach()) * grad
