"""RMSprop: steps scaled by a running root-mean-square of the gradients."""
from collections.abc import Callable

import numpy as np

from .._tensor._core import _bump_version
from ..engine.grad_mode import no_grad
from ._functional import (_add_scaled_, _addcdiv_, _addcmul_, _check_eps, _check_lr, _check_nonneg,
                          _decay_square_avg_, _effective_grad, _grads, _lerp_, _next_step, _real,
                          _step_counter, _zeros_like)
from .optimizer import Optimizer, ParamsT

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop(params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
    maximize=False).

    Per step: v = alpha * v + (1 - alpha) * g * g; centered: a = lerp(a, g, 1 - alpha) and
    v - a * a is used instead of v; d = sqrt(.) + eps; p -= lr * g / d, or with momentum,
    buf = momentum * buf + g / d and p -= lr * buf.
    """

    def __init__(self, params: ParamsT, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False,
                 capturable: bool = False, foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False) -> None:
        _check_lr(lr)
        _check_eps(eps)
        _check_nonneg(momentum, "momentum")
        _check_nonneg(weight_decay, "weight_decay")
        _check_nonneg(alpha, "alpha")
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach,
                        maximize=maximize, differentiable=differentiable)
        super().__init__(params, defaults)

    @no_grad()
    def step(self, closure: Callable[[], float] | None = None) -> float | None:
        """One RMSprop update of every parameter that has a gradient; closure: as in Optimizer.step."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, alpha, eps = group["lr"], group["alpha"], group["eps"]
            momentum, centered = group["momentum"], group["centered"]
            weight_decay, maximize = group["weight_decay"], group["maximize"]
            for p, grad in _grads(group):
                data, grad = _real(p._data), _real(grad)
                state = self.state[p]
                if not state:
                    state["step"] = _step_counter()
                    state["square_avg"] = _zeros_like(p)
                    if momentum > 0:
                        state["momentum_buffer"] = _zeros_like(p)
                    if centered:
                        state["grad_avg"] = _zeros_like(p)
                _next_step(state)
                g = _effective_grad(data, grad, maximize, weight_decay)
                square_avg = _real(state["square_avg"]._data)
                _decay_square_avg_(square_avg, g, alpha)
                if centered:
                    grad_avg = _real(state["grad_avg"]._data)
                    _lerp_(grad_avg, g, 1 - alpha)
                    avg = square_avg.copy()
                    _addcmul_(avg, grad_avg, grad_avg, -1)
                    np.sqrt(avg, out=avg)
                else:
                    avg = np.sqrt(square_avg)
                np.add(avg, eps, out=avg)
                if momentum > 0:
                    buf = _real(state["momentum_buffer"]._data)
                    np.multiply(buf, momentum, out=buf)
                    _addcdiv_(buf, g, avg, 1)
                    _add_scaled_(data, buf, -lr)
                else:
                    _addcdiv_(data, g, avg, -lr)
                _bump_version(p)
        return loss
