"""torch.distributions.categorical: the categorical distribution over {0, ..., K-1}."""
from typing import Any, Optional

import numpy as np

from .._random import rng as _rng
from .._tensor._core import _plain
from . import constraints
from ._ops import Size, Tensor, arange, broadcast_tensors, full
from .distribution import Distribution
from .utils import _size, lazy_property, logits_to_probs, probs_to_logits

__all__ = ["Categorical"]


def _draw_categories(probs: np.ndarray, n: int) -> np.ndarray:
    """n category indices (int64) per row of `probs` (rows: event weights), shape (n, rows): as
    PyTorch draws them, torch.multinomial(probs, n, replacement=True).T."""
    return _rng().multinomial(probs, n, True).T


class Categorical(Distribution):
    """Categorical(probs=None, logits=None, validate_args=None): an index in {0, ..., K-1} drawn
    with weights `probs` (non-negative, normalized here over the last dim) or log-weights `logits`
    (give exactly one). Samples are int64."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.independent(constraints.real, 1)}
    has_enumerate_support = True

    def __init__(self, probs: Optional[Tensor] = None, logits: Optional[Tensor] = None,
                 validate_args: Optional[bool] = None) -> None:
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            if probs.dim() < 1:
                raise ValueError("`probs` parameter must be at least one-dimensional.")
            self.probs = probs / probs.sum(-1, keepdim=True)
            self._param = self.probs
        else:
            assert logits is not None
            if logits.dim() < 1:
                raise ValueError("`logits` parameter must be at least one-dimensional.")
            self.logits = logits - logits.logsumexp(dim=-1, keepdim=True)
            self._param = self.logits
        self._num_events = self._param.size()[-1]
        batch_shape = self._param.size()[:-1] if self._param.dim() > 1 else Size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> "Categorical":
        """This distribution with its parameter expanded to `batch_shape` + (K,)."""
        new = self._get_checked_instance(Categorical, _instance)
        batch_shape = _size(batch_shape)
        param_shape = tuple(batch_shape) + (self._num_events,)
        if "probs" in self.__dict__:
            new.probs = self.probs.expand(param_shape)
            new._param = new.probs
        if "logits" in self.__dict__:
            new.logits = self.logits.expand(param_shape)
            new._param = new.logits
        new._num_events = self._num_events
        super(Categorical, new).__init__(batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def _new(self, *args: Any, **kwargs: Any) -> Tensor:
        return self._param.new_empty(*args, **kwargs)

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self) -> Any:
        """integer_interval(0, K - 1)."""
        return constraints.integer_interval(0, self._num_events - 1)

    @lazy_property
    def logits(self) -> Tensor:
        """log(probs) (probs clamped away from 0)."""
        return probs_to_logits(self.probs)

    @lazy_property
    def probs(self) -> Tensor:
        """softmax(logits)."""
        return logits_to_probs(self.logits)

    @property
    def param_shape(self) -> Size:
        """The shape of the parameter given (batch_shape + (K,))."""
        return self._param.size()

    @property
    def mean(self) -> Tensor:
        """NaN (a categorical has no mean)."""
        return full(tuple(self._extended_shape()), float("nan"), dtype=self.probs.dtype)

    @property
    def mode(self) -> Tensor:
        """The most probable index."""
        return self.probs.argmax(-1)

    @property
    def variance(self) -> Tensor:
        """NaN (a categorical has no variance)."""
        return full(tuple(self._extended_shape()), float("nan"), dtype=self.probs.dtype)

    def sample(self, sample_shape: Any = Size()) -> Tensor:
        """int64 indices of shape sample_shape + batch_shape."""
        sample_shape = _size(sample_shape)
        probs_2d = self.probs.detach()._data.reshape(-1, self._num_events)
        n = int(np.prod(tuple(sample_shape), dtype=np.int64))
        samples = _draw_categories(probs_2d, n)
        return _plain(samples.reshape(tuple(self._extended_shape(sample_shape))))

    def log_prob(self, value: Tensor) -> Tensor:
        """logits[value] (normalized log-probabilities), broadcast over the batch."""
        if self._validate_args:
            self._validate_sample(value)
        value = value.long().unsqueeze(-1)
        value, log_pmf = broadcast_tensors(value, self.logits)
        value = value[..., :1]
        return log_pmf.gather(-1, value).squeeze(-1)

    def entropy(self) -> Tensor:
        """-sum(probs * logits) (logits clamped to the dtype's most negative finite value)."""
        min_real = float(np.finfo(self.logits._data.dtype).min)
        logits = self.logits.clamp(min=min_real)
        p_log_p = logits * self.probs
        return -p_log_p.sum(-1)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """arange(K) (int64) along dim 0, shaped (K,) + batch_shape when `expand`."""
        num_events = self._num_events
        values = arange(num_events).view((-1,) + (1,) * len(self._batch_shape))
        if expand:
            values = values.expand((-1,) + tuple(self._batch_shape))
        return values
