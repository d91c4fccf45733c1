"""Adam: steps from bias-corrected running moments of the gradient (AdamW in adamw.py)."""
from collections.abc import Callable
from typing import Any

import numpy as np

from .._tensor import Tensor
from .._tensor._core import _bump_version
from ..engine.grad_mode import no_grad
from ._functional import (_addcdiv_, _check_betas, _check_eps, _check_lr, _check_nonneg, _decay_square_avg_,
                          _decayed_grad, _grads, _lerp_, _next_step, _real, _step_counter, _zeros_like)
from .optimizer import Optimizer, ParamsT

__all__ = ["Adam"]


class Adam(Optimizer):
    """Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, maximize=False).

    Per step t: m = lerp(m, g, 1 - beta1); v = beta2 * v + (1 - beta2) * g * g;
    p -= lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps), with v replaced by its
    running maximum under amsgrad. weight_decay adds weight_decay * p to g (L2), or, decoupled
    (AdamW), multiplies p by 1 - lr * weight_decay first.
    """

    def __init__(self, params: ParamsT, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, amsgrad: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False, fused: bool | None = None,
                 decoupled_weight_decay: bool = False) -> None:
        _check_lr(lr)
        _check_eps(eps)
        _check_betas(betas)
        _check_nonneg(weight_decay, "weight_decay")
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, foreach=foreach, capturable=capturable,
                        differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def _init_state(self, state: dict[str, Any], p: Tensor, amsgrad: bool) -> None:
        state["step"] = _step_counter()
        state["exp_avg"] = _zeros_like(p)
        state["exp_avg_sq"] = _zeros_like(p)
        if amsgrad:
            state["max_exp_avg_sq"] = _zeros_like(p)

    @no_grad()
    def step(self, closure: Callable[[], float] | None = None) -> float | None:
        """One Adam update of every parameter that has a gradient; closure: as in Optimizer.step."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
            weight_decay, amsgrad, maximize = group["weight_decay"], group["amsgrad"], group["maximize"]
            decoupled = group.get("decoupled_weight_decay", False)
            for p, grad in _grads(group):
                data, grad = _real(p._data), _real(grad)
                state = self.state[p]
                if not state:
                    self._init_state(state, p, amsgrad)
                step_t = _next_step(state)
                g = _decayed_grad(data, grad, maximize, weight_decay, decoupled, lr)
                exp_avg, exp_avg_sq = _real(state["exp_avg"]._data), _real(state["exp_avg_sq"]._data)
                _lerp_(exp_avg, g, 1 - beta1)
                _decay_square_avg_(exp_avg_sq, g, beta2)

                step = float(step_t)
                step_size = lr / (1 - beta1 ** step)
                bias_correction2_sqrt = (1 - beta2 ** step) ** 0.5
                if amsgrad:
                    running_max = _real(state["max_exp_avg_sq"]._data)
                    np.maximum(running_max, exp_avg_sq, out=running_max)
                    denom = np.sqrt(running_max)
                else:
                    denom = np.sqrt(exp_avg_sq)
                np.divide(denom, bias_correction2_sqrt, out=denom)
                np.add(denom, eps, out=denom)
                _addcdiv_(data, exp_avg, denom, -step_size)
                _bump_version(p)
        return loss
