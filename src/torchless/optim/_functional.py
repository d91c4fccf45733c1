"""The in-place NumPy kernels the optimizers' updates share: argument checks, gradients with weight
decay, and `dst op= ...` updates written with `out=`, so a step allocates little and keeps the
parameter's dtype."""
import numpy as np

from .._dtype import get_default_dtype
from .._tensor._core import _plain


def _check_lr(lr):
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")


def _check_nonneg(value, what):
    if not 0.0 <= value:
        raise ValueError(f"Invalid {what} value: {value}")


def _check_betas(betas):
    for i, beta in enumerate(betas[:2]):
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {beta}")


def _check_eps(eps):
    if not 0.0 <= eps:
        raise ValueError(f"Invalid epsilon value: {eps}")


def _grads(group):
    """(parameter, its gradient array) for the parameters of `group` that have a gradient."""
    out = []
    for p in group["params"]:
        g = p._grad
        if g is not None:
            out.append((p, g._data))
    return out


def _real(arr):
    """A complex array seen as real (re, im) pairs, as PyTorch's view_as_real: the adaptive optimizers
    treat the two parts as separate coordinates. Real arrays pass through."""
    if arr.dtype.kind != "c":
        return arr
    return arr[..., None].view(arr.real.dtype)


def _effective_grad(param, grad, maximize, weight_decay):
    """The gradient the update uses: negated for maximize, plus weight_decay * param (L2).
    A new array whenever it differs from the stored gradient, which is never written."""
    if maximize:
        grad = np.negative(grad)
    if weight_decay != 0:
        decayed = np.multiply(param, weight_decay)
        grad = np.add(grad, decayed, out=decayed)
    return grad


def _decayed_grad(param, grad, maximize, weight_decay, decoupled, lr):
    """_effective_grad, or with decoupled weight decay (AdamW's): param shrunk by lr * weight_decay
    in place, and the gradient left without the L2 term."""
    if not decoupled:
        return _effective_grad(param, grad, maximize, weight_decay)
    if weight_decay != 0:
        np.multiply(param, 1 - lr * weight_decay, out=param)
    return _effective_grad(param, grad, maximize, 0)


def _next_step(state):
    """Count one more step in state["step"] (in place); the 0-d counter array."""
    step_t = state["step"]._data
    step_t += 1
    return step_t


def _step_counter():
    """The 'step' state entry: a 0-d tensor of the default float dtype, as in PyTorch."""
    return _plain(np.zeros((), dtype=get_default_dtype().np))


def _zeros_like(p):
    return _plain(np.zeros_like(p._data))


def _lerp_(dst, end, weight):
    """dst += weight * (end - dst), in place (PyTorch's lerp for weight < 0.5), else its other form."""
    diff = np.subtract(end, dst)
    if abs(weight) < 0.5:
        np.multiply(diff, weight, out=diff)
        np.add(dst, diff, out=dst)
    else:
        np.multiply(diff, 1 - weight, out=diff)
        np.subtract(end, diff, out=dst)


def _decay_square_avg_(avg, g, beta):
    """avg = beta * avg + (1 - beta) * g^2, in place: the running mean of squared gradients."""
    np.multiply(avg, beta, out=avg)
    _addcmul_(avg, g, g, 1 - beta)


def _addcmul_(dst, a, b, value):
    """dst += value * a * b, in place."""
    tmp = np.multiply(a, value) if value != 1 else a.copy()
    np.multiply(tmp, b, out=tmp)
    np.add(dst, tmp, out=dst)


def _addcdiv_(dst, a, b, value):
    """dst += value * a / b, in place."""
    tmp = np.multiply(a, value) if value != 1 else a.copy()
    np.divide(tmp, b, out=tmp)
    np.add(dst, tmp, out=dst)


def _add_scaled_(dst, a, alpha):
    """dst += alpha * a, in place."""
    tmp = np.multiply(a, alpha)
    np.add(dst, tmp, out=dst)
