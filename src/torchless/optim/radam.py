"""RAdam: Adam with the variance of the adaptive step rectified (plain momentum SGD early on)."""
import math
from collections.abc import Callable

import numpy as np

from .._tensor._core import _bump_version
from ..engine.grad_mode import no_grad
from ._functional import (_check_betas, _check_eps, _check_lr, _check_nonneg, _decay_square_avg_,
                          _decayed_grad, _grads, _lerp_, _next_step, _real, _step_counter, _zeros_like)
from .optimizer import Optimizer, ParamsT

__all__ = ["RAdam"]


class RAdam(Optimizer):
    """RAdam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, decoupled_weight_decay=False,
    maximize=False).

    m and v as in Adam; with rho_inf = 2 / (1 - beta2) - 1 and
    rho_t = rho_inf - 2 t beta2**t / (1 - beta2**t): while rho_t <= 5, p -= lr * m / (1 - beta1**t);
    after, that step is scaled by sqrt(1 - beta2**t) / (sqrt(v) + eps) and the rectification
    sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t)).
    """

    def __init__(self, params: ParamsT, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, decoupled_weight_decay: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        _check_lr(lr)
        _check_eps(eps)
        _check_betas(betas)
        _check_nonneg(weight_decay, "weight_decay")
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        foreach=foreach, capturable=capturable, decoupled_weight_decay=decoupled_weight_decay,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    @no_grad()
    def step(self, closure: Callable[[], float] | None = None) -> float | None:
        """One RAdam update of every parameter that has a gradient; closure: as in Optimizer.step."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
            weight_decay, maximize = group["weight_decay"], group["maximize"]
            decoupled = group["decoupled_weight_decay"]
            for p, grad in _grads(group):
                state = self.state[p]
                if not state:
                    state["step"] = _step_counter()
                    state["exp_avg"] = _zeros_like(p)
                    state["exp_avg_sq"] = _zeros_like(p)
                step_t = _next_step(state)
                step = float(step_t)
                g = _decayed_grad(p._data, grad, maximize, weight_decay, decoupled, lr)
                data, g = _real(p._data), _real(g)
                exp_avg, exp_avg_sq = _real(state["exp_avg"]._data), _real(state["exp_avg_sq"]._data)
                _lerp_(exp_avg, g, 1 - beta1)
                _decay_square_avg_(exp_avg_sq, g, beta2)

                bias_correction1 = 1 - beta1 ** step
                bias_correction2 = 1 - beta2 ** step
                update = np.divide(exp_avg, bias_correction1)
                np.multiply(update, lr, out=update)
                rho_inf = 2 / (1 - beta2) - 1
                rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
                if rho_t > 5.0:
                    adaptive = np.sqrt(exp_avg_sq)
                    np.add(adaptive, eps, out=adaptive)
                    np.divide(bias_correction2 ** 0.5, adaptive, out=adaptive)
                    np.multiply(update, adaptive, out=update)
                    rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
                    np.multiply(update, rect, out=update)
                np.subtract(data, update, out=data)
                _bump_version(p)
        return loss
