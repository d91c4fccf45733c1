"""torch.distributions.chi2: the chi-squared distribution."""
from typing import Any, Optional

from . import constraints
from ._ops import Tensor
from .gamma import Gamma
from .utils import _size

__all__ = ["Chi2"]


class Chi2(Gamma):
    """Chi2(df, validate_args=None): the chi-squared distribution with `df` degrees of freedom,
    Gamma(df / 2, 1 / 2)."""

    arg_constraints = {"df": constraints.positive}

    def __init__(self, df: Any, validate_args: Optional[bool] = None) -> None:
        from .utils import broadcast_all
        (df,) = broadcast_all(df)
        super().__init__(0.5 * df, df.new_tensor(0.5).expand(df.shape), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> "Chi2":
        """This distribution with df expanded to `batch_shape`."""
        new = self._get_checked_instance(Chi2, _instance)
        return super().expand(_size(batch_shape), new)  # type: ignore[return-value]

    @property
    def df(self) -> Tensor:
        """The degrees of freedom, 2 * concentration."""
        return self.concentration * 2
