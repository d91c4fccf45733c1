"""torch.distributions.multinomial: counts of `total_count` independent draws from a categorical distribution."""
import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._random import rng as _rng
from .._tensor import Tensor
from .._tensor._core import Size, _plain

__all__ = ["Multinomial"]


def _invalid(name: str, value: Tensor, dist: str) -> ValueError:
    """PyTorch's error for parameters outside the probability simplex."""
    return ValueError(f"Expected parameter {name} (Tensor of shape {tuple(value.shape)}) of distribution {dist} "
                      f"to satisfy the constraint Simplex(), but found invalid values:\n{value}\n"
                      "(probabilities must be non-negative, finite, and not all zero)")


class Multinomial:
    """Multinomial(total_count=1, probs=None, logits=None, validate_args=None): the counts of
    total_count independent draws from a categorical distribution.

    probs: non-negative event weights over the last dim (normalised here); logits: their
    unnormalised logarithms instead (give exactly one of the two). The leading dims are a batch of
    distributions. sample() gives float counts that sum to total_count; log_prob(counts) is
    differentiable in the parameters. validate_args=False skips the checks on the parameters."""

    has_rsample = False

    def __init__(self, total_count: int = 1, probs: Tensor | None = None, logits: Tensor | None = None,
                 validate_args: bool | None = None) -> None:
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if not isinstance(total_count, numbers.Number) or isinstance(total_count, bool):
            raise NotImplementedError("inhomogeneous total_count is not supported")
        self.total_count = total_count
        if probs is not None:
            if not isinstance(probs, Tensor):
                raise TypeError(f"probs must be a Tensor, got {type(probs).__name__}")
            if probs.dim() < 1:
                raise ValueError("`probs` parameter must be at least one-dimensional.")
            p = probs._data
            if validate_args is not False and not (np.isfinite(p).all() and (p >= 0).all()
                                                   and (p.sum(-1) > 0).all()):
                raise _invalid("probs", probs, "Multinomial()")
            self.probs = probs / probs.sum(-1, keepdim=True)
            eps = np.finfo(p.dtype).eps if p.dtype.kind == "f" else 1e-7
            self.logits = self.probs.clamp(eps, 1 - eps).log()
        else:
            if not isinstance(logits, Tensor):
                raise TypeError(f"logits must be a Tensor, got {type(logits).__name__}")
            if logits.dim() < 1:
                raise ValueError("`logits` parameter must be at least one-dimensional.")
            if validate_args is not False and np.isnan(logits._data).any():
                raise ValueError(f"Expected parameter logits (Tensor of shape {tuple(logits.shape)}) of "
                                 f"distribution Multinomial() to satisfy the constraint IndependentConstraint"
                                 f"(Real(), 1), but found invalid values:\n{logits}")
            self.logits = logits - logits.logsumexp(-1, keepdim=True)
            self.probs = self.logits.exp()
        shape = self.probs.shape
        self.batch_shape = Size(shape[:-1])
        self.event_shape = Size(shape[-1:])

    @property
    def param_shape(self) -> Size:
        """The shape of probs (batch_shape + event_shape)."""
        return self.probs.shape

    @property
    def mean(self) -> Tensor:
        """The expected counts, total_count * probs."""
        return self.probs * self.total_count

    @property
    def variance(self) -> Tensor:
        """The variance of each count, total_count * probs * (1 - probs)."""
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape: int | Sequence[int] = Size()) -> Tensor:
        """Counts of shape sample_shape + batch_shape + event_shape, in the dtype of probs."""
        shape: tuple[Any, ...] = (sample_shape,) if isinstance(sample_shape, (int, numbers.Integral)) \
            else tuple(sample_shape)
        p = self.probs._data.astype(np.float64)
        p = p / p.sum(-1, keepdims=True)        # exactly normalized, as NumPy's sampler requires
        size = shape + tuple(self.batch_shape)
        counts = _rng().multinomial(int(self.total_count), p, size=size)
        return _plain(counts.astype(self.probs._data.dtype, copy=False))

    def log_prob(self, value: Tensor) -> Tensor:
        """log P(value): differentiable in the parameters (the factorial terms are constants)."""
        v = value._data if isinstance(value, Tensor) else np.asarray(value)
        lgamma = np.vectorize(math.lgamma, otypes=[np.float64])
        log_factorials = lgamma(self.total_count + 1.0) - lgamma(v + 1.0).sum(-1)
        logits = self.logits
        if not np.isfinite(logits._data).all():   # a zero probability with a zero count adds nothing
            logits = logits.clamp(min=float(np.finfo(logits._data.dtype).min))
        return (logits * value).sum(-1) + _plain(log_factorials.astype(logits._data.dtype))

    def __repr__(self) -> str:
        return "Multinomial()"
