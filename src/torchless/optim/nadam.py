"""NAdam: Adam with Nesterov momentum (and a momentum schedule)."""
from collections.abc import Callable

import numpy as np

from .._tensor._core import _bump_version, _plain
from ..engine.grad_mode import no_grad
from ._functional import (_addcdiv_, _check_betas, _check_eps, _check_lr, _check_nonneg, _decay_square_avg_,
                          _decayed_grad, _grads, _lerp_, _next_step, _real, _step_counter, _zeros_like)
from .optimizer import Optimizer, ParamsT

__all__ = ["NAdam"]


class NAdam(Optimizer):
    """NAdam(params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
    decoupled_weight_decay=False, maximize=False).

    Per step t: mu_t = beta1 * (1 - 0.5 * 0.96**(t * momentum_decay)); the product of the mu's is
    kept in the state ('mu_product', a float tensor like 'step'); m and v as in Adam;
    d = sqrt(v / (1 - beta2**t)) + eps; p -= lr * (1 - mu_t) / (1 - prod_t) * g / d
    + lr * mu_{t+1} / (1 - prod_t * mu_{t+1}) * m / d.
    """

    def __init__(self, params: ParamsT, lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, foreach: bool | None = None, maximize: bool = False,
                 capturable: bool = False, differentiable: bool = False) -> None:
        _check_lr(lr)
        _check_eps(eps)
        _check_betas(betas)
        _check_nonneg(weight_decay, "weight_decay")
        _check_nonneg(momentum_decay, "momentum_decay")
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize, foreach=foreach,
                        capturable=capturable, differentiable=differentiable)
        super().__init__(params, defaults)

    @no_grad()
    def step(self, closure: Callable[[], float] | None = None) -> float | None:
        """One NAdam update of every parameter that has a gradient; closure: as in Optimizer.step."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
            weight_decay, maximize = group["weight_decay"], group["maximize"]
            momentum_decay, decoupled = group["momentum_decay"], group["decoupled_weight_decay"]
            for p, grad in _grads(group):
                state = self.state[p]
                if not state:
                    state["step"] = _step_counter()
                    state["mu_product"] = _plain(np.ones((), state["step"]._data.dtype))
                    state["exp_avg"] = _zeros_like(p)
                    state["exp_avg_sq"] = _zeros_like(p)
                step_t = _next_step(state)
                step = float(step_t)
                bias_correction2 = 1 - beta2 ** step
                g = _decayed_grad(p._data, grad, maximize, weight_decay, decoupled, lr)
                data, g = _real(p._data), _real(g)
                mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * momentum_decay))
                mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * momentum_decay))
                mu_product = state["mu_product"]._data
                mu_product *= mu  # in the state's float dtype, as PyTorch keeps it
                exp_avg, exp_avg_sq = _real(state["exp_avg"]._data), _real(state["exp_avg_sq"]._data)
                _lerp_(exp_avg, g, 1 - beta1)
                _decay_square_avg_(exp_avg_sq, g, beta2)
                denom = np.divide(exp_avg_sq, bias_correction2)
                np.sqrt(denom, out=denom)
                np.add(denom, eps, out=denom)
                product = float(mu_product)
                _addcdiv_(data, g, denom, -lr * (1.0 - mu) / (1.0 - product))
                _addcdiv_(data, exp_avg, denom, (-lr * mu_next) / (1.0 - product * mu_next))
                _bump_version(p)
        return loss
