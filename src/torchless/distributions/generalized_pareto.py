"""torch.distributions.generalized_pareto: the generalized Pareto distribution."""
import numbers
from typing import Any, Optional

from . import constraints
from ._ops import Size, Tensor, draw, full, where
from .distribution import Distribution
from .utils import _size, broadcast_all

__all__ = ["GeneralizedPareto"]


class GeneralizedPareto(Distribution):
    """GeneralizedPareto(loc, scale, concentration, validate_args=None): survival function
    (1 + c z)^(-1/c), z = (x - loc) / scale (exp(-z) at c = 0); bounded above by loc - scale / c
    when c < 0."""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive, "concentration": constraints.real}
    has_rsample = True

    def __init__(self, loc: Any, scale: Any, concentration: Any, validate_args: Optional[bool] = None) -> None:
        self.loc, self.scale, self.concentration = broadcast_all(loc, scale, concentration)
        if all(isinstance(v, numbers.Number) for v in (loc, scale, concentration)):
            batch_shape = Size()
        else:
            batch_shape = self.loc.size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> "GeneralizedPareto":
        """This distribution with its parameters expanded to `batch_shape`."""
        new = self._get_checked_instance(GeneralizedPareto, _instance)
        batch_shape = _size(batch_shape)
        new.loc = self.loc.expand(batch_shape)
        new.scale = self.scale.expand(batch_shape)
        new.concentration = self.concentration.expand(batch_shape)
        super(GeneralizedPareto, new).__init__(batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def _zero_and_safe(self) -> tuple[Tensor, Tensor]:
        """(c == 0 within isclose's default tolerance, c with those entries replaced by 1)."""
        c = self.concentration
        eq_zero = c.isclose(c.new_zeros(()).expand(c.shape))
        return eq_zero, where(eq_zero, c.new_ones(()), c)

    def rsample(self, sample_shape: Any = Size()) -> Tensor:
        """icdf(u), u ~ U(0, 1): differentiable in every parameter."""
        shape = self._extended_shape(sample_shape)
        return self.icdf(draw(lambda g, s: g.random(s), shape, self.loc))

    def log_prob(self, value: Tensor) -> Tensor:
        """-log(scale) - (1/c + 1) log1p(c z) (- z at c = 0)."""
        if self._validate_args:
            self._validate_sample(value)
        z = (value - self.loc) / self.scale
        eq_zero, safe = self._zero_and_safe()
        y = 1 / safe + z.new_ones(()).expand(z.shape)
        nonzero = where(y == 0, y, y * (safe * z).log1p())
        return -self.scale.log() - where(eq_zero, z, nonzero)

    def log_survival_function(self, value: Tensor) -> Tensor:
        """log P(X > value)."""
        if self._validate_args:
            self._validate_sample(value)
        z = (value - self.loc) / self.scale
        eq_zero, safe = self._zero_and_safe()
        return where(eq_zero, -z, -(safe * z).log1p() / safe)

    def log_cdf(self, value: Tensor) -> Tensor:
        """log P(X <= value)."""
        return (-self.log_survival_function(value).exp()).log1p()

    def cdf(self, value: Tensor) -> Tensor:
        """P(X <= value)."""
        return self.log_cdf(value).exp()

    def icdf(self, value: Tensor) -> Tensor:
        """loc + scale expm1(-c log(1 - value)) / c (loc - scale log(1 - value) at c = 0)."""
        eq_zero, safe = self._zero_and_safe()
        logu = (-value).log1p()
        return where(eq_zero, self.loc - self.scale * logu, self.loc + self.scale / safe * (-safe * logu).expm1())

    @property
    def mean(self) -> Tensor:
        """loc + scale / (1 - c) for c < 1, NaN otherwise."""
        c = self.concentration
        valid = c < 1
        safe = where(valid, c, c.new_tensor(0.5))
        return where(valid, self.loc + self.scale / (1 - safe), full((), float("nan"), dtype=c.dtype))

    @property
    def variance(self) -> Tensor:
        """scale^2 / ((1 - c)^2 (1 - 2c)) for c < 1/2, NaN otherwise."""
        c = self.concentration
        valid = c < 0.5
        safe = where(valid, c, c.new_tensor(0.25))
        result = self.scale ** 2 / ((1 - safe) ** 2 * (1 - 2 * safe))
        return where(valid, result, full((), float("nan"), dtype=c.dtype))

    def entropy(self) -> Tensor:
        """log(scale) + c + 1."""
        ans = self.scale.log() + self.concentration + 1
        return ans.broadcast_to(tuple(self._batch_shape))

    @property
    def mode(self) -> Tensor:
        """loc."""
        return self.loc

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self) -> Any:
        """[loc, loc - scale / c] for c < 0, [loc, inf] otherwise."""
        lower = self.loc
        upper = where(self.concentration < 0, lower - self.scale / self.concentration,
                      full((), float("inf"), dtype=lower.dtype))
        return constraints.interval(lower, upper)
