"""The in-place NumPy kernels the optimizers' updates share: argument checks, gradients with weight
decay, and `dst op= ...` updates written with `out=`, so a step allocates little and keeps the
parameter's dtype."""
from typing import Any

import numpy as np

from .._dtype import get_default_dtype
from .._tensor import Tensor
from .._tensor._core import _plain


def _check_lr(lr: float) -> None:
    """PyTorch's error for a negative learning rate."""
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")


def _check_nonneg(value: float, what: str) -> None:
    """PyTorch's error for a negative option (`what` names it)."""
    if not 0.0 <= value:
        raise ValueError(f"Invalid {what} value: {value}")


def _check_betas(betas: tuple[float, ...]) -> None:
    """PyTorch's error for a beta outside [0, 1)."""
    for i, beta in enumerate(betas[:2]):
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {beta}")


def _check_eps(eps: float) -> None:
    """PyTorch's error for a negative epsilon."""
    if not 0.0 <= eps:
        raise ValueError(f"Invalid epsilon value: {eps}")


def _grads(group: dict[str, Any]) -> list[tuple[Tensor, np.ndarray]]:
    """(parameter, its gradient array) for the parameters of `group` that have a gradient."""
    out = []
    for p in group["params"]:
        g = p._grad
        if g is not None:
            out.append((p, g._data))
    return out


def _real(arr: np.ndarray) -> np.ndarray:
    """A complex array seen as real (re, im) pairs, as PyTorch's view_as_real: the adaptive optimizers
    treat the two parts as separate coordinates. Real arrays pass through."""
    if arr.dtype.kind != "c":
        return arr
    return arr[..., None].view(arr.real.dtype)


def _effective_grad(param: np.ndarray, grad: np.ndarray, maximize: bool, weight_decay: float) -> np.ndarray:
    """The gradient the update uses: negated for maximize, plus weight_decay * param (L2).
    A new array whenever it differs from the stored gradient, which is never written."""
    if maximize:
        grad = np.negative(grad)
    if weight_decay != 0:
        decayed = np.multiply(param, weight_decay)
        grad = np.add(grad, decayed, out=decayed)
    return grad


def _decayed_grad(param: np.ndarray, grad: np.ndarray, maximize: bool, weight_decay: float, decoupled: bool,
                  lr: float) -> np.ndarray:
    """_effective_grad, or with decoupled weight decay (AdamW's): param shrunk by lr * weight_decay
    in place, and the gradient left without the L2 term."""
    if not decoupled:
        return _effective_grad(param, grad, maximize, weight_decay)
    if weight_decay != 0:
        np.multiply(param, 1 - lr * weight_decay, out=param)
    return _effective_grad(param, grad, maximize, 0)


def _next_step(state: dict[str, Any]) -> np.ndarray:
    """Count one more step in state["step"] (in place); the 0-d counter array."""
    step_t = state["step"]._data
    step_t += 1
    return step_t


def _step_counter() -> Tensor:
    """The 'step' state entry: a 0-d tensor of the default float dtype, as in PyTorch."""
    return _plain(np.zeros((), dtype=get_default_dtype().np))


def _zeros_like(p: Tensor) -> Tensor:
    """A zero tensor shaped and typed like p (a fresh state buffer)."""
    return _plain(np.zeros_like(p._data))


def _lerp_(dst: np.ndarray, end: np.ndarray, weight: float) -> None:
    """dst += weight * (end - dst), in place (PyTorch's lerp for weight < 0.5), else its other form."""
    diff = np.subtract(end, dst)
    if abs(weight) < 0.5:
        np.multiply(diff, weight, out=diff)
        np.add(dst, diff, out=dst)
    else:
        np.multiply(diff, 1 - weight, out=diff)
        np.subtract(end, diff, out=dst)


def _decay_square_avg_(avg: np.ndarray, g: np.ndarray, beta: float) -> None:
    """avg = beta * avg + (1 - beta) * g^2, in place: the running mean of squared gradients."""
    np.multiply(avg, beta, out=avg)
    _addcmul_(avg, g, g, 1 - beta)


def _addcmul_(dst: np.ndarray, a: np.ndarray, b: np.ndarray, value: float) -> None:
    """dst += value * a * b, in place."""
    tmp = np.multiply(a, value) if value != 1 else a.copy()
    np.multiply(tmp, b, out=tmp)
    np.add(dst, tmp, out=dst)


def _addcdiv_(dst: np.ndarray, a: np.ndarray, b: np.ndarray, value: float) -> None:
    """dst += value * a / b, in place."""
    tmp = np.multiply(a, value) if value != 1 else a.copy()
    np.divide(tmp, b, out=tmp)
    np.add(dst, tmp, out=dst)


def _add_scaled_(dst: np.ndarray, a: np.ndarray, alpha: float) -> None:
    """dst += alpha * a, in place."""
    tmp = np.multiply(a, alpha)
    np.add(dst, tmp, out=dst)
