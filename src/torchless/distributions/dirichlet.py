"""torch.distributions.dirichlet: the Dirichlet distribution over the probability simplex."""
from typing import Any, Optional

from . import constraints
from ._ops import Size, Tensor, dirichlet_sample, where, xlogy
from .exp_family import ExponentialFamily
from .utils import _size

__all__ = ["Dirichlet"]


class Dirichlet(ExponentialFamily):
    """Dirichlet(concentration, validate_args=None): the Dirichlet distribution of concentration
    vectors (last dim, all > 0); the leading dims are a batch.

    rsample normalizes Gamma(concentration, 1) draws, each differentiable by implicit
    reparameterization, so gradients flow to the concentration (the pathwise gradient PyTorch's
    has, computed through the normalization rather than by its closed form)."""

    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, concentration: Tensor, validate_args: Optional[bool] = None) -> None:
        if concentration.dim() < 1:
            raise ValueError("`concentration` parameter must be at least one-dimensional.")
        self.concentration = concentration
        batch_shape, event_shape = concentration.shape[:-1], concentration.shape[-1:]
        super().__init__(batch_shape, event_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> "Dirichlet":
        """This distribution with concentration expanded to `batch_shape` + event_shape."""
        new = self._get_checked_instance(Dirichlet, _instance)
        batch_shape = _size(batch_shape)
        new.concentration = self.concentration.expand(tuple(batch_shape) + tuple(self.event_shape))
        super(Dirichlet, new).__init__(batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def rsample(self, sample_shape: Any = Size()) -> Tensor:
        """Points of the simplex of shape sample_shape + batch_shape + event_shape."""
        shape = self._extended_shape(sample_shape)
        return dirichlet_sample(self.concentration.expand(shape))

    def log_prob(self, value: Tensor) -> Tensor:
        """sum((a - 1) log value) + lgamma(sum a) - sum lgamma(a)."""
        if self._validate_args:
            self._validate_sample(value)
        c = self.concentration
        return xlogy(c - 1.0, value).sum(-1) + c.sum(-1).lgamma() - c.lgamma().sum(-1)

    @property
    def mean(self) -> Tensor:
        """concentration / concentration.sum(-1)."""
        return self.concentration / self.concentration.sum(-1, True)

    @property
    def mode(self) -> Tensor:
        """(a - 1)+ normalized; where every a < 1, the vertex of the largest a."""
        concm1 = (self.concentration - 1).clamp(min=0.0)
        mode = concm1 / concm1.sum(-1, True)
        mask = (self.concentration < 1).all(-1, keepdim=True)
        k = concm1.shape[-1]
        from ._ops import arange
        vertex = (arange(k) == mode.argmax(-1, keepdim=True)).to(mode.dtype)
        return where(mask, vertex, mode)

    @property
    def variance(self) -> Tensor:
        """a (a0 - a) / (a0^2 (a0 + 1)), a0 = sum a."""
        con0 = self.concentration.sum(-1, True)
        return self.concentration * (con0 - self.concentration) / (con0.pow(2) * (con0 + 1))

    def entropy(self) -> Tensor:
        """sum lgamma(a) - lgamma(a0) - (k - a0) digamma(a0) - sum((a - 1) digamma(a))."""
        k = self.concentration.size(-1)
        a0 = self.concentration.sum(-1)
        return (self.concentration.lgamma().sum(-1) - a0.lgamma() - (k - a0) * a0.digamma()
                - ((self.concentration - 1.0) * self.concentration.digamma()).sum(-1))

    @property
    def _natural_params(self) -> tuple[Tensor, ...]:
        return (self.concentration,)

    def _log_normalizer(self, *params: Any) -> Tensor:
        (x,) = params
        return x.lgamma().sum(-1) - x.sum(-1).lgamma()
