"""torch.distributions.von_mises: the von Mises (circular normal) distribution."""
import math
from typing import Any, Optional

import numpy as np

from .._random import rng as _rng
from ..engine.grad_mode import no_grad
from . import constraints
from ._ops import Size, Tensor, constant
from .distribution import Distribution
from .utils import _size, broadcast_all, lazy_property

__all__ = ["VonMises"]


def _log_i0(k: Tensor) -> Tensor:
    """log I0(k) = log(i0e(k)) + k: exact to float64 rounding (PyTorch evaluates a polynomial
    approximation, good to ~6e-7 relative near 0 and ~1e-8 elsewhere)."""
    from ..special import i0e
    return i0e(k).log() + k  # type: ignore[no-any-return]


def _log_i1(k: Tensor) -> Tensor:
    """log I1(k) = log(i1e(k)) + k."""
    from ..special import i1e
    return i1e(k).log() + k  # type: ignore[no-any-return]


def _rejection_sample(loc: np.ndarray, kappa: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Best and Fisher's (1979) wrapped-Cauchy envelope rejection sampler, in float64, with PyTorch's
    draws: each round draws three float64 uniforms for every element (torch.rand((3,) + shape)), done
    or not, and every element accepted in a round takes that round's value (a later acceptance
    overwrites an earlier one, as PyTorch's torch.where does), until every element has been accepted."""
    stream = _rng()
    kappa = np.broadcast_to(kappa, shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        tau = 1 + np.sqrt(1 + 4 * (kappa * kappa))
        rho = (tau - np.sqrt(2 * tau)) / (2 * kappa)
        r = np.where(kappa < 1e-5, 1 / kappa + kappa, (1 + rho * rho) / (2 * rho))
    n = int(np.prod(shape, dtype=np.int64))
    x = np.zeros(shape)
    done = np.zeros(shape, dtype=bool)
    while not done.all():
        u1, u2, u3 = stream.unit(3 * n, np.float64).reshape((3,) + shape)
        z = np.cos(math.pi * u1)
        with np.errstate(divide="ignore", invalid="ignore"):
            f = (1 + r * z) / (r + z)
            c = kappa * (r - f)
            accept = ((c * (2 - c) - u2) > 0) | (np.log(c / u2) + 1 - c >= 0)
            if accept.any():
                x = np.where(accept, np.sign(u3 - 0.5) * np.arccos(f), x)
                done |= accept
    a = x + math.pi + loc
    period = 2 * math.pi       # PyTorch's remainder: fmod, moved by the period where the signs differ
    m = np.fmod(a, period)
    m = np.where((m != 0) & (m < 0), m + period, m)
    return m - math.pi  # type: ignore[no-any-return]


class VonMises(Distribution):
    """VonMises(loc, concentration, validate_args=None): the circular distribution of density
    exp(concentration cos(x - loc)) / (2 pi I0(concentration)), draws in [-pi, pi). mean and
    variance are the circular ones."""

    arg_constraints = {"loc": constraints.real, "concentration": constraints.positive}
    support = constraints.real
    has_rsample = False

    def __init__(self, loc: Any, concentration: Any, validate_args: Optional[bool] = None) -> None:
        self.loc, self.concentration = broadcast_all(loc, concentration)
        batch_shape = self.loc.shape
        super().__init__(batch_shape, Size(), validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> "VonMises":
        """This distribution with its parameters expanded to `batch_shape`."""
        batch_shape = _size(batch_shape)
        validate_args = self.__dict__.get("_validate_args")
        return type(self)(self.loc.expand(batch_shape), self.concentration.expand(batch_shape),
                          validate_args=validate_args)

    def log_prob(self, value: Tensor) -> Tensor:
        """concentration cos(value - loc) - log(2 pi) - log I0(concentration)."""
        if self._validate_args:
            self._validate_sample(value)
        return self.concentration * (value - self.loc).cos() - math.log(2 * math.pi) - _log_i0(self.concentration)

    def sample(self, sample_shape: Any = Size()) -> Tensor:
        """Draws in [-pi, pi) by rejection sampling (in float64, then the parameters' dtype)."""
        shape = tuple(self._extended_shape(sample_shape))
        with no_grad():
            loc = self.loc.detach()._data.astype(np.float64)
            kappa = self.concentration.detach()._data.astype(np.float64)
            return constant(_rejection_sample(loc, kappa, shape), self.loc)

    @property
    def mean(self) -> Tensor:
        """loc (the circular mean)."""
        return self.loc

    @property
    def mode(self) -> Tensor:
        """loc."""
        return self.loc

    @lazy_property
    def variance(self) -> Tensor:  # type: ignore[override]
        """1 - I1(k) / I0(k) (the circular variance)."""
        return 1 - (_log_i1(self.concentration) - _log_i0(self.concentration)).exp()
