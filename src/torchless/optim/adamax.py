"""Adamax: Adam with the infinity norm in place of the second moment."""
from collections.abc import Callable

import numpy as np

from .._tensor._core import _bump_version
from ..engine.grad_mode import no_grad
from ._functional import (_addcdiv_, _check_betas, _check_eps, _check_lr, _check_nonneg, _effective_grad,
                          _grads, _lerp_, _next_step, _real, _step_counter, _zeros_like)
from .optimizer import Optimizer, ParamsT

__all__ = ["Adamax"]


class Adamax(Optimizer):
    """Adamax(params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, maximize=False).

    Per step t: m = lerp(m, g, 1 - beta1); u = max(beta2 * u, |g| + eps);
    p -= lr / (1 - beta1**t) * m / u.
    """

    def __init__(self, params: ParamsT, lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, foreach: bool | None = None, *,
                 maximize: bool = False, differentiable: bool = False, capturable: bool = False) -> None:
        _check_lr(lr)
        _check_eps(eps)
        _check_betas(betas)
        _check_nonneg(weight_decay, "weight_decay")
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    @no_grad()
    def step(self, closure: Callable[[], float] | None = None) -> float | None:
        """One Adamax update of every parameter that has a gradient; closure: as in Optimizer.step."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
            weight_decay, maximize = group["weight_decay"], group["maximize"]
            for p, grad in _grads(group):
                state = self.state[p]
                if not state:
                    state["step"] = _step_counter()
                    state["exp_avg"] = _zeros_like(p)
                    state["exp_inf"] = _zeros_like(p)
                step_t = _next_step(state)
                data = _real(p._data)
                g = _real(_effective_grad(p._data, grad, maximize, weight_decay))
                exp_avg, exp_inf = _real(state["exp_avg"]._data), _real(state["exp_inf"]._data)
                _lerp_(exp_avg, g, 1 - beta1)
                np.multiply(exp_inf, beta2, out=exp_inf)
                norm = np.abs(g)
                np.add(norm, eps, out=norm)
                np.maximum(exp_inf, norm, out=exp_inf)
                _addcdiv_(data, exp_avg, exp_inf, -lr / (1 - beta1 ** float(step_t)))
                _bump_version(p)
        return loss
