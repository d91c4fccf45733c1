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
from .._tensor._samplers import _standard_gamma, dirichlet_draws, standard_gamma_grad_array

__all__ = ["Tensor", "Size", "where", "linalg", "cholesky_inverse", "cholesky_solve", "broadcast_shapes",
           "broadcast_tensors", "cat", "flip", "stack", "xlogy", "arange", "eye", "full", "ones", "tensor",
           "zeros", "softmax",
           "draw", "standard_normal", "standard_gamma", "dirichlet_sample", "np_dtype", "tiny", "eps", "softplus", "constant",
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


_standard_gamma_grad = standard_gamma_grad_array  # (its old name here)


def standard_gamma(alpha: Tensor) -> Tensor:
    """Draws from Gamma(alpha, 1), one per element of alpha (torch._standard_gamma: PyTorch's sampler
    and draws), differentiable in alpha by implicit reparameterization (StandardGammaBackward0)."""
    return _standard_gamma(alpha)


def dirichlet_sample(concentration: Tensor) -> Tensor:
    """Points of the simplex, one per row of `concentration`, with torch._sample_dirichlet's values
    (gammas drawn in float64, normalised in float64, rounded, kept inside (0, 1)); differentiable in
    the concentration through the gammas' implicit reparameterization and the normalisation."""
    x, gammas = dirichlet_draws(_rng(), concentration._data)
    exact = constant(x, concentration)
    if not concentration.requires_grad:
        return exact
    grad = constant(standard_gamma_grad_array(concentration._data, gammas), concentration)
    g = constant(gammas, concentration) + (concentration - concentration.detach()) * grad
    y = g / g.sum(-1, keepdim=True)
    return y + (exact - y.detach())
