"""ASGD: averaged stochastic gradient descent."""
from collections.abc import Callable

import numpy as np

from .._tensor._core import _bump_version, _plain
from ..engine.grad_mode import no_grad
from ._functional import (_add_scaled_, _check_lr, _check_nonneg, _effective_grad, _grads, _next_step, _real,
                          _step_counter)
from .optimizer import Optimizer, ParamsT

__all__ = ["ASGD"]


class ASGD(Optimizer):
    """ASGD(params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0, maximize=False).

    Per step t: p *= 1 - lambd * eta; p -= eta * g; the running average 'ax' of p starts at step
    t0 (before, ax = p); eta = lr / (1 + lambd * lr * t)**alpha and mu = 1 / max(1, t - t0) are
    kept as float tensors in the state, as in PyTorch.
    """

    def __init__(self, params: ParamsT, lr: float = 1e-2, lambd: float = 1e-4, alpha: float = 0.75,
                 t0: float = 1e6, weight_decay: float = 0, foreach: bool | None = None,
                 maximize: bool = False, differentiable: bool = False, capturable: bool = False) -> None:
        _check_lr(lr)
        _check_nonneg(weight_decay, "weight_decay")
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    @no_grad()
    def step(self, closure: Callable[[], float] | None = None) -> float | None:
        """One ASGD update of every parameter that has a gradient; closure: as in Optimizer.step."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, lambd, alpha, t0 = group["lr"], group["lambd"], group["alpha"], group["t0"]
            weight_decay, maximize = group["weight_decay"], group["maximize"]
            for p, grad in _grads(group):
                state = self.state[p]
                if not state:
                    state["step"] = _step_counter()
                    scalar = state["step"]._data.dtype
                    state["eta"] = _plain(np.array(lr, dtype=scalar))
                    state["mu"] = _plain(np.ones((), dtype=scalar))
                    state["ax"] = _plain(np.zeros_like(p._data))
                step_t = _next_step(state)
                data = _real(p._data)
                g = _real(_effective_grad(p._data, grad, maximize, weight_decay))
                eta, mu, ax = state["eta"]._data, state["mu"]._data, _real(state["ax"]._data)
                eta_value = float(eta)
                np.multiply(data, 1 - lambd * eta_value, out=data)
                _add_scaled_(data, g, -eta_value)
                if float(mu) != 1:
                    diff = np.subtract(data, ax)
                    np.multiply(diff, mu.item(), out=diff)
                    np.add(ax, diff, out=ax)
                else:
                    np.copyto(ax, data)
                step = float(step_t)
                eta[()] = lr / ((1 + lambd * lr * step) ** alpha)
                mu[()] = 1 / max(1, step - t0)
                _bump_version(p)
        return loss
