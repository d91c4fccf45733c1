"""torch.nn.init: in-place initialisers. Each fills the tensor under no_grad (so it works on
Parameters that require grad) and returns it."""
import math
import warnings
from typing import Any

import numpy as np

from .._tensor.creation import Generator, empty_like, randperm
from .._tensor import Tensor
from .._tensor._core import _plain, where
from ..engine.grad_mode import no_grad

__all__ = [
    "calculate_gain", "uniform_", "normal_", "trunc_normal_", "constant_", "zeros_", "ones_", "eye_",
    "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_",
]
# Random streams (issue 14): the remaining random initialisers, drawn as PyTorch draws them
__all__ += ["orthogonal_", "sparse_"]

_LINEAR_LIKE = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                "conv_transpose3d")


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """calculate_gain(nonlinearity, param=None) -> float: the recommended gain for a nonlinearity.

    The factor by which an initialiser's std should grow so the nonlinearity keeps its outputs'
    scale: 1 for linear, conv and sigmoid; 5/3 for tanh; sqrt(2) for relu; sqrt(2 / (1 +
    slope**2)) for leaky_relu (param: its negative slope, 0.01 by default); 3/4 for selu."""
    if nonlinearity in _LINEAR_LIKE or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif not isinstance(param, bool) and isinstance(param, (int, float)):
            slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _check(fn: str, tensor: Any) -> None:
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{fn}(): expected a Tensor, got {type(tensor).__name__}")


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """fan_in = size(1) * receptive field, fan_out = size(0) * receptive field, where the receptive
    field is the product of the dims after the first two (1 for a Linear weight)."""
    dims = tensor.dim()
    if dims < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")
    shape = tensor.shape
    receptive = math.prod(shape[2:]) if dims > 2 else 1
    return shape[1] * receptive, shape[0] * receptive


def _calculate_correct_fan(tensor: Tensor, mode: str) -> int:
    """fan_in or fan_out of `tensor`, as mode names it."""
    mode = mode.lower()
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: Generator | None = None) -> Tensor:
    """uniform_(tensor, a=0.0, b=1.0, generator=None) -> Tensor: fill with draws from U(a, b).

    generator: the random stream to draw from (the default generator if None)."""
    _check("uniform_", tensor)
    with no_grad():
        return tensor.uniform_(a, b, generator=generator)


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0,
            generator: Generator | None = None) -> Tensor:
    """normal_(tensor, mean=0.0, std=1.0, generator=None) -> Tensor: fill with draws from
    N(mean, std**2)."""
    _check("normal_", tensor)
    with no_grad():
        return tensor.normal_(mean, std, generator=generator)


def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0,
                  generator: Generator | None = None) -> Tensor:
    """trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None) -> Tensor: fill with
    draws from N(mean, std**2) restricted to [a, b].

    Drawn as PyTorch 2.13 draws it, so seeded runs give its numbers. When [a, b] holds more than
    30% of N(mean, std**2): normal_ draws, and while any falls outside [a, b], a whole fresh tensor
    of normal draws of which only the outside places are taken. Otherwise rejection from U(a, b):
    a candidate x is kept when log(u) <= -((x - mean) / std)**2 / 2 - log_peak (u ~ U(0, 1), a
    whole tensor of candidates and one of u per round, the first round written into `tensor`)."""
    _check("trunc_normal_", tensor)
    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. "
                      "The distribution of values may be incorrect.", stacklevel=2)

    def cdf(v: float) -> float:
        return (1.0 + math.erf(v / math.sqrt(2.0))) / 2.0

    with no_grad():
        if cdf((b - mean) / std) - cdf((a - mean) / std) > 0.3:
            lo, hi = tensor.new_tensor(a).item(), tensor.new_tensor(b).item()
            out = tensor.normal_(mean, std, generator=generator)
            while True:
                outside = (out < lo) | (out > hi)
                if not bool(outside.any()):
                    break
                out = where(outside, empty_like(out).normal_(mean, std, generator=generator), out)
            if out is not tensor:
                tensor.copy_(out)
            return tensor
        mode = max(a, min(mean, b))
        log_peak = -0.5 * ((mode - mean) / std) ** 2
        cand, u = empty_like(tensor), empty_like(tensor)

        def rejected() -> Tensor:
            cand.sub_(mean).div_(std).pow_(2).mul_(-0.5).sub_(log_peak)
            return u.uniform_(generator=generator).log_().gt(cand)
        tensor.uniform_(a, b, generator=generator)
        cand.copy_(tensor)
        pending = rejected()
        if bool(pending.any()):
            out = tensor
            while True:
                cand.uniform_(a, b, generator=generator)
                out = where(pending, cand, out)
                pending = where(pending, rejected(), pending)
                if not bool(pending.any()):
                    break
            tensor.copy_(out)
        return tensor


def _as_tensor(values: Any, like: Tensor) -> Tensor:
    """values as a tensor of like's dtype."""
    return _plain(np.asarray(values, dtype=like._data.dtype))


def constant_(tensor: Tensor, val: float) -> Tensor:
    """constant_(tensor, val) -> Tensor: fill with the value val."""
    _check("constant_", tensor)
    with no_grad():
        return tensor.fill_(val)


def zeros_(tensor: Tensor) -> Tensor:
    """zeros_(tensor) -> Tensor: fill with zeros."""
    _check("zeros_", tensor)
    with no_grad():
        return tensor.zero_()


def ones_(tensor: Tensor) -> Tensor:
    """ones_(tensor) -> Tensor: fill with ones."""
    _check("ones_", tensor)
    with no_grad():
        return tensor.fill_(1)


def eye_(tensor: Tensor) -> Tensor:
    """eye_(tensor) -> Tensor: fill a 2-D tensor with the identity matrix (ones on the diagonal,
    zeros elsewhere; rectangular shapes allowed)."""
    _check("eye_", tensor)
    if tensor.dim() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    with no_grad():
        return tensor.copy_(_as_tensor(np.eye(*tensor.shape), tensor))


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator: Generator | None = None) -> Tensor:
    """xavier_uniform_(tensor, gain=1.0, generator=None) -> Tensor: Glorot's uniform initialisation.

    Fills with U(-bound, bound), bound = gain * sqrt(6 / (fan_in + fan_out)), which keeps the
    variance of activations and gradients alike through the layers."""
    _check("xavier_uniform_", tensor)
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    bound = gain * math.sqrt(6.0 / float(fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator: Generator | None = None) -> Tensor:
    """xavier_normal_(tensor, gain=1.0, generator=None) -> Tensor: Glorot's normal initialisation.

    Fills with N(0, std**2), std = gain * sqrt(2 / (fan_in + fan_out))."""
    _check("xavier_normal_", tensor)
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def _kaiming_std(fn: str, tensor: Tensor, a: float, mode: str, nonlinearity: str) -> float | None:
    """He's std, gain / sqrt(fan); None for a tensor without elements (with PyTorch's warning)."""
    _check(fn, tensor)
    if 0 in tuple(tensor.shape):
        warnings.warn("Initializing zero-element tensors is a no-op", UserWarning, stacklevel=3)
        return None
    fan = _calculate_correct_fan(tensor, mode)
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(tensor: Tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                     generator: Generator | None = None) -> Tensor:
    """kaiming_uniform_(tensor, a=0, mode='fan_in', nonlinearity='leaky_relu', generator=None) ->
    Tensor: He's uniform initialisation.

    Fills with U(-bound, bound), bound = gain * sqrt(3 / fan). a: the negative slope of the
    leaky_relu that follows; mode: 'fan_in' keeps the forward pass's scale, 'fan_out' the backward
    pass's; nonlinearity: the name calculate_gain takes."""
    std = _kaiming_std("kaiming_uniform_", tensor, a, mode, nonlinearity)
    if std is None:
        return tensor
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor: Tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                    generator: Generator | None = None) -> Tensor:
    """kaiming_normal_(tensor, a=0, mode='fan_in', nonlinearity='leaky_relu', generator=None) ->
    Tensor: He's normal initialisation.

    Fills with N(0, std**2), std = gain / sqrt(fan); arguments as kaiming_uniform_."""
    std = _kaiming_std("kaiming_normal_", tensor, a, mode, nonlinearity)
    if std is None:
        return tensor
    return normal_(tensor, 0.0, std, generator)


def orthogonal_(tensor: Tensor, gain: float = 1.0, generator: Generator | None = None) -> Tensor:
    """orthogonal_(tensor, gain=1.0, generator=None) -> Tensor: a (semi-)orthogonal matrix, times gain.

    As PyTorch: a (rows, numel / rows) matrix of N(0, 1) draws (transposed when wider than tall), its
    QR factorisation, Q with each column's sign set by R's diagonal, written into the tensor."""
    _check("orthogonal_", tensor)
    if tensor.dim() < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    flat = tensor.new_empty((rows, cols)).normal_(0, 1, generator=generator)._data
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q = q * np.sign(np.diagonal(r))
    if rows < cols:
        q = q.T
    with no_grad():
        tensor.copy_(_as_tensor(q.reshape(tensor.shape), tensor))
        return tensor.mul_(gain)


def sparse_(tensor: Tensor, sparsity: float, std: float = 0.01, generator: Generator | None = None) -> Tensor:
    """sparse_(tensor, sparsity, std=0.01, generator=None) -> Tensor: N(0, std**2) draws with a
    fraction `sparsity` of each column set to zero.

    As PyTorch: normal_ first, then per column the first ceil(sparsity * rows) rows of a randperm
    (drawn from the default generator, as PyTorch's is) are zeroed."""
    _check("sparse_", tensor)
    if tensor.dim() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    rows, cols = tensor.shape
    zeros = int(math.ceil(sparsity * rows))
    with no_grad():
        tensor.normal_(0, std, generator=generator)
        for col in range(cols):
            tensor[randperm(rows)[:zeros], col] = 0
    return tensor
