"""SGD: stochastic gradient descent with optional momentum, dampening, Nesterov and weight decay."""
from collections.abc import Callable
from typing import Any

import numpy as np

from .._tensor._core import _bump_version, _plain
from ..engine.grad_mode import no_grad
from ._functional import (_add_scaled_, _check_lr, _check_nonneg, _effective_grad, _grads)
from .optimizer import Optimizer, ParamsT

__all__ = ["SGD"]


class SGD(Optimizer):
    """SGD(params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, maximize=False).

    Per step: g = grad (+ weight_decay * p); with momentum, buf = momentum * buf + (1 - dampening) * g
    (buf = g on the first step), and g = g + momentum * buf (Nesterov) or buf; then p -= lr * g.
    """

    def __init__(self, params: ParamsT, lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None, differentiable: bool = False,
                 fused: bool | None = None) -> None:
        _check_lr(lr)
        _check_nonneg(momentum, "momentum")
        _check_nonneg(weight_decay, "weight_decay")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize, foreach=foreach,
                        differentiable=differentiable, fused=fused)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("nesterov", False)
            group.setdefault("maximize", False)

    @no_grad()
    def step(self, closure: Callable[[], float] | None = None) -> float | None:
        """One SGD update of every parameter that has a gradient; closure: as in Optimizer.step."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, momentum, dampening = group["lr"], group["momentum"], group["dampening"]
            nesterov, maximize, weight_decay = group["nesterov"], group["maximize"], group["weight_decay"]
            for p, grad in _grads(group):
                data = p._data
                g = _effective_grad(data, grad, maximize, weight_decay)
                if momentum != 0:
                    state = self.state[p]
                    buf = state.get("momentum_buffer")
                    if buf is None:
                        state["momentum_buffer"] = _plain(g.copy())
                        buf = state["momentum_buffer"]._data
                    else:
                        buf = buf._data
                        np.multiply(buf, momentum, out=buf)
                        _add_scaled_(buf, g, 1 - dampening)
                    if nesterov:
                        scaled = np.multiply(buf, momentum)
                        g = np.add(g, scaled, out=scaled)
                    else:
                        g = buf
                _add_scaled_(data, g, -lr)
                _bump_version(p)
        return loss
