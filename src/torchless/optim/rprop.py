"""Rprop: per-coordinate step sizes that grow while the gradient keeps its sign and shrink when it flips."""
from collections.abc import Callable

import numpy as np

from .._tensor._core import _bump_version, _plain
from ..engine.grad_mode import no_grad
from ._functional import (_check_lr, _effective_grad, _grads, _next_step, _real, _step_counter)
from .optimizer import Optimizer, ParamsT

__all__ = ["Rprop"]


class Rprop(Optimizer):
    """Rprop(params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), maximize=False).

    Per step: where g * g_prev > 0 the step size is multiplied by etas[1], where < 0 by etas[0]
    (and that coordinate's gradient is taken as 0), clamped to step_sizes; p -= sign(g) * step_size.
    """

    def __init__(self, params: ParamsT, lr: float = 1e-2, etas: tuple[float, float] = (0.5, 1.2),
                 step_sizes: tuple[float, float] = (1e-6, 50), *, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False, differentiable: bool = False) -> None:
        _check_lr(lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = dict(lr=lr, etas=etas, step_sizes=step_sizes, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    @no_grad()
    def step(self, closure: Callable[[], float] | None = None) -> float | None:
        """One Rprop update of every parameter that has a gradient; closure: as in Optimizer.step."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            (etaminus, etaplus), (smallest, largest) = group["etas"], group["step_sizes"]
            maximize = group["maximize"]
            for p, grad in _grads(group):
                state = self.state[p]
                if not state:
                    state["step"] = _step_counter()
                    state["prev"] = _plain(np.zeros_like(p._data))
                    lr = group["lr"]
                    start = complex(lr, lr) if p._data.dtype.kind == "c" else lr
                    state["step_size"] = _plain(np.full_like(grad, start))
                _next_step(state)
                data = _real(p._data)
                g = _real(_effective_grad(p._data, grad, maximize, 0))
                prev, step_size = _real(state["prev"]._data), _real(state["step_size"]._data)
                factor = np.sign(np.multiply(g, prev))
                flipped = factor < 0
                factor[factor > 0] = etaplus
                factor[flipped] = etaminus
                factor[factor == 0] = 1
                np.multiply(step_size, factor, out=step_size)
                np.clip(step_size, smallest, largest, out=step_size)
                g = g.copy()
                g[flipped] = 0  # after a sign flip, no step on that coordinate this time
                move = np.sign(g)
                np.multiply(move, step_size, out=move)
                np.subtract(data, move, out=data)
                np.copyto(prev, g)
                _bump_version(p)
        return loss
