"""Adadelta: steps sized by the ratio of running RMS of past updates to that of the gradients."""
from collections.abc import Callable

import numpy as np

from .._tensor._core import _bump_version
from ..engine.grad_mode import no_grad
from ._functional import (_add_scaled_, _addcmul_, _check_eps, _check_lr, _check_nonneg, _decay_square_avg_,
                          _effective_grad, _grads, _next_step, _real, _step_counter, _zeros_like)
from .optimizer import Optimizer, ParamsT

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """Adadelta(params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, maximize=False).

    Per step: v = rho * v + (1 - rho) * g * g; d = sqrt(u + eps) / sqrt(v + eps) * g;
    u = rho * u + (1 - rho) * d * d; p -= lr * d.
    """

    def __init__(self, params: ParamsT, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0, foreach: bool | None = None, *, capturable: bool = False,
                 maximize: bool = False, differentiable: bool = False) -> None:
        _check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        _check_eps(eps)
        _check_nonneg(weight_decay, "weight_decay")
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        capturable=capturable, foreach=foreach, differentiable=differentiable)
        super().__init__(params, defaults)

    @no_grad()
    def step(self, closure: Callable[[], float] | None = None) -> float | None:
        """One Adadelta update of every parameter that has a gradient; closure: as in Optimizer.step."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, rho, eps = group["lr"], group["rho"], group["eps"]
            weight_decay, maximize = group["weight_decay"], group["maximize"]
            for p, grad in _grads(group):
                data, grad = _real(p._data), _real(grad)
                state = self.state[p]
                if not state:
                    state["step"] = _step_counter()
                    state["square_avg"] = _zeros_like(p)
                    state["acc_delta"] = _zeros_like(p)
                _next_step(state)
                g = _effective_grad(data, grad, maximize, weight_decay)
                square_avg, acc_delta = _real(state["square_avg"]._data), _real(state["acc_delta"]._data)
                _decay_square_avg_(square_avg, g, rho)
                std = np.add(square_avg, eps)
                np.sqrt(std, out=std)
                delta = np.add(acc_delta, eps)
                np.sqrt(delta, out=delta)
                np.divide(delta, std, out=delta)
                np.multiply(delta, g, out=delta)
                np.multiply(acc_delta, rho, out=acc_delta)
                _addcmul_(acc_delta, delta, delta, 1 - rho)
                _add_scaled_(data, delta, -lr)
                _bump_version(p)
        return loss
