"""torch.distributions.inverse_gamma: 1 / X for X ~ Gamma(concentration, rate)."""
from typing import Any, Optional

from . import constraints
from ._ops import Tensor, full, where
from .gamma import Gamma
from .transformed_distribution import TransformedDistribution
from .transforms import PowerTransform
from .utils import _size

__all__ = ["InverseGamma"]


class InverseGamma(TransformedDistribution):
    """InverseGamma(concentration, rate, validate_args=None): the distribution of 1 / X,
    X ~ Gamma(concentration, rate)."""

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.positive  # type: ignore[assignment]
    has_rsample = True  # type: ignore[assignment]

    def __init__(self, concentration: Any, rate: Any, validate_args: Optional[bool] = None) -> None:
        base_dist = Gamma(concentration, rate, validate_args=validate_args)
        neg_one = -base_dist.rate.new_ones(())
        super().__init__(base_dist, PowerTransform(neg_one), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> "InverseGamma":
        """This distribution with its parameters expanded to `batch_shape`."""
        new = self._get_checked_instance(InverseGamma, _instance)
        return super().expand(_size(batch_shape), _instance=new)  # type: ignore[return-value]

    @property
    def concentration(self) -> Tensor:
        """The gamma's concentration."""
        return self.base_dist.concentration  # type: ignore[attr-defined, no-any-return]

    @property
    def rate(self) -> Tensor:
        """The gamma's rate."""
        return self.base_dist.rate  # type: ignore[attr-defined, no-any-return]

    @property
    def mean(self) -> Tensor:
        """rate / (concentration - 1) (inf for concentration <= 1)."""
        result = self.rate / (self.concentration - 1)
        return where(self.concentration > 1, result, full((), float("inf"), dtype=result.dtype))

    @property
    def mode(self) -> Tensor:
        """rate / (concentration + 1)."""
        return self.rate / (self.concentration + 1)

    @property
    def variance(self) -> Tensor:
        """rate^2 / ((a - 1)^2 (a - 2)) (inf for a <= 2)."""
        result = self.rate.square() / ((self.concentration - 1).square() * (self.concentration - 2))
        return where(self.concentration > 2, result, full((), float("inf"), dtype=result.dtype))

    def entropy(self) -> Tensor:
        """a + log(rate) + lgamma(a) - (1 + a) digamma(a)."""
        a = self.concentration
        return a + self.rate.log() + a.lgamma() - (1 + a) * a.digamma()
