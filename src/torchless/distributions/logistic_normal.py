"""torch.distributions.logistic_normal: a normal vector mapped onto the simplex by stick breaking."""
from typing import Any, Optional

from . import constraints
from ._ops import Tensor
from .normal import Normal
from .transformed_distribution import TransformedDistribution
from .transforms import StickBreakingTransform
from .utils import _size

__all__ = ["LogisticNormal"]


class LogisticNormal(TransformedDistribution):
    """LogisticNormal(loc, scale, validate_args=None): StickBreakingTransform of Normal(loc, scale)
    draws: points of the simplex with one more coordinate than loc."""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.simplex  # type: ignore[assignment]
    has_rsample = True  # type: ignore[assignment]

    def __init__(self, loc: Any, scale: Any, validate_args: Optional[bool] = None) -> None:
        base_dist: Any = Normal(loc, scale, validate_args=validate_args)
        if not base_dist.batch_shape:
            base_dist = base_dist.expand([1])
        super().__init__(base_dist, StickBreakingTransform(), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> "LogisticNormal":
        """This distribution with its parameters expanded to `batch_shape`."""
        new = self._get_checked_instance(LogisticNormal, _instance)
        return super().expand(_size(batch_shape), _instance=new)  # type: ignore[return-value]

    @property
    def loc(self) -> Tensor:
        """The underlying normal's mean."""
        return self.base_dist.base_dist.loc  # type: ignore[attr-defined, no-any-return]

    @property
    def scale(self) -> Tensor:
        """The underlying normal's standard deviation."""
        return self.base_dist.base_dist.scale  # type: ignore[attr-defined, no-any-return]
