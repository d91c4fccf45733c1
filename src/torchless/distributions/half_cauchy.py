"""torch.distributions.half_cauchy: |X| for X ~ Cauchy(0, scale)."""
import math
from typing import Any, Optional

from . import constraints
from ._ops import Tensor, full, tensor, where
from .cauchy import Cauchy
from .transformed_distribution import TransformedDistribution
from .transforms import AbsTransform
from .utils import _size

__all__ = ["HalfCauchy"]


class HalfCauchy(TransformedDistribution):
    """HalfCauchy(scale, validate_args=None): the distribution of |X|, X ~ Cauchy(0, scale)."""

    arg_constraints = {"scale": constraints.positive}
    support = constraints.nonnegative  # type: ignore[assignment]
    has_rsample = True  # type: ignore[assignment]

    def __init__(self, scale: Any, validate_args: Optional[bool] = None) -> None:
        base_dist = Cauchy(0, scale, validate_args=False)
        super().__init__(base_dist, AbsTransform(), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> "HalfCauchy":
        """This distribution with scale expanded to `batch_shape`."""
        new = self._get_checked_instance(HalfCauchy, _instance)
        return super().expand(_size(batch_shape), _instance=new)  # type: ignore[return-value]

    @property
    def scale(self) -> Tensor:
        """The scale of the underlying Cauchy distribution."""
        return self.base_dist.scale  # type: ignore[attr-defined, no-any-return]

    @property
    def mean(self) -> Tensor:
        """inf."""
        return full(tuple(self._extended_shape()), float("inf"), dtype=self.scale.dtype)

    @property
    def mode(self) -> Tensor:
        """0."""
        return self.scale.new_zeros(()).expand(self.scale.shape).clone()

    @property
    def variance(self) -> Tensor:
        """The Cauchy's (infinite) variance."""
        return self.base_dist.variance

    def log_prob(self, value: Any) -> Tensor:
        """The Cauchy log density + log 2 on value >= 0, -inf below."""
        if self._validate_args:
            self._validate_sample(value)
        if not isinstance(value, Tensor):
            value = tensor(value, dtype=self.scale.dtype)
        log_prob = self.base_dist.log_prob(value) + math.log(2)
        return where(value >= 0, log_prob, full((), float("-inf"), dtype=log_prob.dtype))

    def cdf(self, value: Tensor) -> Tensor:
        """2 F(value) - 1, F the Cauchy cdf."""
        if self._validate_args:
            self._validate_sample(value)
        return 2 * self.base_dist.cdf(value) - 1

    def icdf(self, prob: Tensor) -> Tensor:
        """The Cauchy icdf at (prob + 1) / 2."""
        return self.base_dist.icdf((prob + 1) / 2)

    def entropy(self) -> Tensor:
        """The Cauchy entropy - log 2."""
        return self.base_dist.entropy() - math.log(2)
