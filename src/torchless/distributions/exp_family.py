"""torch.distributions.exp_family: the ExponentialFamily base class."""
from typing import Any

from .._tensor import Tensor
from .distribution import Distribution

__all__ = ["ExponentialFamily"]


class ExponentialFamily(Distribution):
    """A distribution whose density is exp(<t(x), theta> - F(theta) + k(x)): `_natural_params`
    gives theta, `_log_normalizer(*theta)` gives F, `_mean_carrier_measure` gives E[k(x)].
    entropy() comes from these (by autograd of F), and so does the KL divergence between two
    members of the same family."""

    @property
    def _natural_params(self) -> tuple[Tensor, ...]:
        raise NotImplementedError

    def _log_normalizer(self, *natural_params: Any) -> Tensor:
        raise NotImplementedError

    @property
    def _mean_carrier_measure(self) -> Any:
        raise NotImplementedError

    def entropy(self) -> Tensor:
        """-E[k(x)] + F(theta) - <theta, grad F(theta)>, by autograd of the log normalizer."""
        from ..autograd import grad as _grad
        result: Any = -self._mean_carrier_measure
        nparams = [p.detach().requires_grad_() for p in self._natural_params]
        lg_normal = self._log_normalizer(*nparams)
        gradients = _grad(lg_normal.sum(), nparams, create_graph=True)
        result = result + lg_normal
        for np_, g in zip(nparams, gradients):
            result = result - (np_ * g).reshape(*self._batch_shape, -1).sum(-1)
        return result
