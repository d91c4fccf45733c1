"""Adagrad: per-coordinate steps scaled by the root of the summed squared gradients."""
from collections.abc import Callable

import numpy as np

from .._tensor._core import _bump_version, _plain
from ..engine.grad_mode import no_grad
from ._functional import (_addcdiv_, _addcmul_, _check_eps, _check_lr, _check_nonneg, _effective_grad,
                          _grads, _next_step, _real, _step_counter)
from .optimizer import Optimizer, ParamsT

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad(params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
    maximize=False).

    Per step t: sum += g * g; p -= lr / (1 + (t - 1) * lr_decay) * g / (sqrt(sum) + eps).
    The state ('step', 'sum') of every parameter exists from construction on, as in PyTorch.
    """

    def __init__(self, params: ParamsT, lr: float = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10, foreach: bool | None = None, *,
                 maximize: bool = False, differentiable: bool = False, fused: bool | None = None) -> None:
        _check_lr(lr)
        _check_nonneg(lr_decay, "lr_decay")
        _check_nonneg(weight_decay, "weight_decay")
        _check_nonneg(initial_accumulator_value, "initial_accumulator_value")
        _check_eps(eps)
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                state = self.state[p]
                state["step"] = _step_counter()
                init = group["initial_accumulator_value"]
                if p._data.dtype.kind == "c":  # both parts of each coordinate start at init
                    init = complex(init, init)
                state["sum"] = _plain(np.full_like(p._data, init))

    @no_grad()
    def step(self, closure: Callable[[], float] | None = None) -> float | None:
        """One Adagrad update of every parameter that has a gradient; closure: as in Optimizer.step."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, lr_decay, eps = group["lr"], group["lr_decay"], group["eps"]
            weight_decay, maximize = group["weight_decay"], group["maximize"]
            for p, grad in _grads(group):
                data, grad = _real(p._data), _real(grad)
                state = self.state[p]
                step_t = _next_step(state)
                step = float(step_t)
                g = _effective_grad(data, grad, maximize, weight_decay)
                clr = lr / (1 + (step - 1) * lr_decay)
                total = _real(state["sum"]._data)
                _addcmul_(total, g, g, 1)
                std = np.sqrt(total)
                np.add(std, eps, out=std)
                _addcdiv_(data, g, std, -clr)
                _bump_version(p)
        return loss
