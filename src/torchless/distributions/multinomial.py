"""torch.distributions.multinomial: counts of `total_count` independent draws from a categorical
distribution."""
import numbers
from typing import Any, Optional

import numpy as np

from .._random import rng as _rng
from . import constraints
from ._ops import Size, Tensor, broadcast_tensors, constant, tensor, where
from .binomial import Binomial
from .categorical import Categorical
from .distribution import Distribution
from .utils import _size

__all__ = ["Multinomial"]


class Multinomial(Distribution):
    """Multinomial(total_count=1, probs=None, logits=None, validate_args=None): the counts of
    `total_count` independent draws from Categorical(probs or logits), over the last dim.

    total_count must be an int (the same for the whole batch); sample() gives counts in the
    parameter's dtype that sum to total_count; log_prob is differentiable in the parameters."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.independent(constraints.real, 1)}
    total_count: int
    _categorical: Categorical
    _binomial: Binomial

    @property
    def mean(self) -> Tensor:
        """total_count * probs."""
        return self.probs * self.total_count

    @property
    def variance(self) -> Tensor:
        """total_count * probs * (1 - probs)."""
        return self.total_count * self.probs * (1 - self.probs)

    def __init__(self, total_count: int = 1, probs: Optional[Tensor] = None, logits: Optional[Tensor] = None,
                 validate_args: Optional[bool] = None) -> None:
        if not isinstance(total_count, numbers.Integral):
            raise NotImplementedError("inhomogeneous total_count is not supported")
        self.total_count = total_count
        self._categorical = Categorical(probs=probs, logits=logits)
        self._binomial = Binomial(total_count=total_count, probs=self.probs)
        batch_shape = self._categorical.batch_shape
        event_shape = self._categorical.param_shape[-1:]
        super().__init__(batch_shape, event_shape, validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> "Multinomial":
        """This distribution with its parameter expanded to `batch_shape` + event_shape."""
        new = self._get_checked_instance(Multinomial, _instance)
        batch_shape = _size(batch_shape)
        new.total_count = self.total_count
        new._categorical = self._categorical.expand(batch_shape)
        super(Multinomial, new).__init__(batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def _new(self, *args: Any, **kwargs: Any) -> Tensor:
        return self._categorical._new(*args, **kwargs)

    @constraints.dependent_property(is_discrete=True, event_dim=1)
    def support(self) -> Any:
        """multinomial(total_count): non-negative integer vectors summing to at most total_count."""
        return constraints.multinomial(self.total_count)

    @property
    def logits(self) -> Tensor:
        """The categorical's normalized logits."""
        return self._categorical.logits

    @property
    def probs(self) -> Tensor:
        """The categorical's normalized probabilities."""
        return self._categorical.probs

    @property
    def param_shape(self) -> Size:
        """batch_shape + event_shape."""
        return self._categorical.param_shape

    def sample(self, sample_shape: Any = Size()) -> Tensor:
        """Counts of shape sample_shape + batch_shape + event_shape, in the parameter's dtype."""
        sample_shape = _size(sample_shape)
        # as PyTorch: total_count categorical draws per sample (torch.multinomial with replacement on
        # the batch's rows), counted per category
        probs = self.probs.detach()._data
        k = probs.shape[-1]
        rows = probs.reshape(-1, k)
        n = int(self.total_count) * int(np.prod(tuple(sample_shape), dtype=np.int64))
        draws = _rng().multinomial(rows, n, True) if n else np.zeros((rows.shape[0], 0), np.int64)
        size = tuple(sample_shape) + tuple(self.batch_shape)
        # draws[r, i]: draw i (total_count outermost, then the sample shape) of batch row r
        draws = draws.reshape((rows.shape[0], int(self.total_count)) + tuple(sample_shape))
        draws = np.moveaxis(draws, 0, -1).reshape((int(self.total_count),) + size)
        counts = np.zeros(size + (k,), np.int64)
        for one in draws:
            np.put_along_axis(counts, one[..., None], np.take_along_axis(counts, one[..., None], -1) + 1, -1)
        return constant(counts, self.probs)

    def entropy(self) -> Tensor:
        """The entropy, summed over the binomial marginals' supports."""
        n = self.total_count
        support = self._binomial.enumerate_support()
        binomial_probs = self._binomial.log_prob(support).exp()
        weights = (support + 1).lgamma()
        first = n * self._categorical.entropy() - tensor(float(n + 1)).lgamma().to(self.probs.dtype)
        return first + (binomial_probs * weights).sum(0).sum(-1)

    def log_prob(self, value: Tensor) -> Tensor:
        """lgamma(sum(value) + 1) - sum lgamma(value + 1) + sum(value * logits) (0 * -inf counts 0)."""
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_tensors(self.logits, value)
        log_factorial_n = (value.sum(-1) + 1).lgamma()
        log_factorial_xs = (value + 1).lgamma().sum(-1)
        logits = where((value == 0) & (logits == -float("inf")), logits.new_zeros(()), logits)
        log_powers = (logits * value).sum(-1)
        return log_factorial_n - log_factorial_xs + log_powers
