"""torch.nn.functional's normalization ops (re-exported by nn/functional.py): batch, instance,
layer, group, RMS and local response norm. batch_norm, layer_norm, group_norm and instance_norm
apply the fused rules of ops/normalization.py; rms_norm and local_response_norm are compositions of
Tensor ops, as PyTorch's are (their grad_fn is the last part: MulBackward0, DivBackward0).
"""
import math
from typing import Any, Sequence

import numpy as np

from .._tensor import Tensor
from .._tensor._core import apply
from ..engine.grad_mode import no_grad
from ..ops import normalization as N
from ..overrides import handle_torch_function, has_torch_function
from .parameter import Parameter

__all__ = ["batch_norm", "instance_norm", "layer_norm", "group_norm", "rms_norm", "local_response_norm"]

_PLAIN = (Tensor, Parameter)


def _size(shape: Sequence[int]) -> str:
    return f"torch.Size([{', '.join(str(int(s)) for s in shape)}])"


def _check_tensor(fn: str, name: str, position: int, value: Any) -> None:
    if not isinstance(value, Tensor):
        raise TypeError(f"{fn}(): argument '{name}' (position {position}) must be Tensor, not {type(value).__name__}")


def _check_float(fn: str, input: Tensor) -> None:
    if input._data.dtype.kind not in "f":
        kind = {"c": "complex"}.get(input._data.dtype.kind, "integer")
        raise RuntimeError(f"{fn}: expected a floating point input, got {kind} dtype {input.dtype} "
                           f"(convert it first, e.g. x.float())")


def _channel_param(name: str, t: Any, c: int) -> None:
    """PyTorch's check that a per-channel tensor has c elements."""
    if t is not None and t.numel() != c:
        raise RuntimeError(f"{name} should contain {c} elements not {t.numel()}")


def _same_dtype(input: Tensor, *params: Any) -> None:
    for p in params:
        if p is not None and p._data.dtype != input._data.dtype:
            raise RuntimeError(f"expected scalar type {_scalar_name(input)} but found {_scalar_name(p)} "
                               f"(give the weights the input's dtype, e.g. module.to(x.dtype))")


def _scalar_name(t: Tensor) -> str:
    return {"float32": "Float", "float64": "Double", "float16": "Half"}.get(str(t._data.dtype), str(t._data.dtype))


def _dispatch(f: Any, tensors: tuple, *args: Any, **kwargs: Any) -> Any:
    return handle_torch_function(f, tensors, *args, **kwargs)


def _needs_dispatch(tensors: tuple) -> bool:
    for t in tensors:
        if t is not None and type(t) not in _PLAIN:
            return has_torch_function(tuple(x for x in tensors if x is not None))
    return False


def _flat(t: Any) -> Any:
    """A per-channel weight as a 1-D tensor (PyTorch accepts any shape with C elements)."""
    return t if t is None or t._data.ndim == 1 else t.reshape(-1)


def _update_running(running_mean: Any, running_var: Any, mean: np.ndarray, var_unbiased: np.ndarray,
                    momentum: float) -> None:
    """running = (1 − momentum) · running + momentum · batch statistic, in place (no graph)."""
    with no_grad():
        if running_mean is not None:
            rm = running_mean._data
            new = (1 - momentum) * rm + momentum * mean.reshape(rm.shape).astype(rm.dtype)
            running_mean.copy_(_wrap(new.astype(rm.dtype)))
        if running_var is not None:
            rv = running_var._data
            new = (1 - momentum) * rv + momentum * var_unbiased.reshape(rv.shape).astype(rv.dtype)
            running_var.copy_(_wrap(new.astype(rv.dtype)))


def _wrap(arr: np.ndarray) -> Tensor:
    from .._tensor._core import _plain
    return _plain(arr)


# ============================================================================ batch norm
def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None, weight: Tensor | None = None,
               bias: Tensor | None = None, training: bool = False, momentum: float = 0.1,
               eps: float = 1e-5) -> Tensor:
    """batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
    momentum=0.1, eps=1e-05) -> Tensor: normalise each channel (dim 1) by its statistics.

    training=True: the batch's mean and biased variance over every dim but dim 1, and (when given)
    running_mean/running_var are moved towards the batch's mean and unbiased variance in place:
    running = (1 - momentum) running + momentum batch. training=False: the running statistics.
    The result is (x - mean) / sqrt(var + eps) * weight + bias."""
    tensors = (input, running_mean, running_var, weight, bias)
    if _needs_dispatch(tensors):
        return _dispatch(batch_norm, tuple(t for t in tensors if t is not None), input, running_mean, running_var,
                         weight, bias, training, momentum, eps)
    _check_tensor("batch_norm", "input", 1, input)
    if momentum is None:
        raise TypeError("batch_norm(): argument 'momentum' (position 7) must be float, not NoneType")
    if training and not eps > 0:
        raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
    shape = input._data.shape
    if len(shape) < 2:
        if input._data.size == 0:
            return input.clone()
        raise IndexError(f"Dimension out of range (expected to be in range of [{-max(len(shape), 1)}, "
                         f"{max(len(shape), 1) - 1}], but got 1)")
    if training:
        size = shape[0] if shape else 1
        for s in shape[2:]:
            size *= s
        if size == 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size {_size(shape)}")
    c = shape[1]
    _channel_param("weight", weight, c)
    _channel_param("bias", bias, c)
    _channel_param("running_mean", running_mean, c)
    _channel_param("running_var", running_var, c)
    _check_float("batch_norm", input)
    weight, bias = _flat(weight), _flat(bias)
    _same_dtype(input, weight, bias)
    wshape = (c,) + (1,) * (len(shape) - 2)
    if training or running_mean is None or running_var is None:
        if not training:
            which = "running_mean" if running_mean is None else "running_var"
            raise RuntimeError(f"{which} must be defined in evaluation mode")
        axes = (0,) + tuple(range(2, len(shape)))
        out, mean, invstd = apply(N.NativeBatchNormBackward0, input, weight, bias, None, axes, wshape, eps)
        if (running_mean is not None or running_var is not None) and input._data.size:
            n = math.prod(shape) // c
            m = mean._data.reshape(-1)
            var = 1.0 / (invstd._data.reshape(-1).astype(np.float64) ** 2) - eps
            _update_running(running_mean, running_var, m, var * (n / max(n - 1, 1)), momentum)
        return out
    rm = running_mean._data.reshape(wshape).astype(input._data.dtype)
    invstd_arr = (1.0 / np.sqrt(running_var._data.astype(np.float64) + eps)).astype(input._data.dtype).reshape(wshape)
    return apply(N.NativeBatchNormEval, input, weight, bias, rm, invstd_arr, wshape)


def instance_norm(input: Tensor, running_mean: Tensor | None = None, running_var: Tensor | None = None,
                  weight: Tensor | None = None, bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
    use_input_stats=True, momentum=0.1, eps=1e-05) -> Tensor: normalise each channel of each
    sample by its own statistics over the spatial dims (dims 2, ...). With use_input_stats and
    running statistics given, these move towards the batch's average in place; without
    use_input_stats the running statistics are used."""
    tensors = (input, running_mean, running_var, weight, bias)
    if _needs_dispatch(tensors):
        return _dispatch(instance_norm, tuple(t for t in tensors if t is not None), input, running_mean, running_var,
                         weight, bias, use_input_stats, momentum, eps)
    _check_tensor("instance_norm", "input", 1, input)
    shape = input._data.shape
    if len(shape) < 2:
        raise RuntimeError(f"instance_norm: expected an input of 2 or more dims (N, C, ...), got shape {list(shape)}")
    if use_input_stats:
        size = 1
        for s in shape[2:]:
            size *= s
        if size == 1:
            raise ValueError(f"Expected more than 1 spatial element when training, got input size {_size(shape)}")
    n, c = shape[0], shape[1]
    _channel_param("weight", weight, c)
    _channel_param("bias", bias, c)
    _channel_param("running_mean", running_mean, c)
    _channel_param("running_var", running_var, c)
    _check_float("instance_norm", input)
    weight, bias = _flat(weight), _flat(bias)
    _same_dtype(input, weight, bias)
    wshape = (c,) + (1,) * (len(shape) - 2)
    if use_input_stats or running_mean is None or running_var is None:
        if not use_input_stats:
            which = "running_mean" if running_mean is None else "running_var"
            raise RuntimeError(f"Expected {which} to be defined when use_input_stats is false")
        axes = tuple(range(2, len(shape)))
        out, mean, invstd = apply(N.InstanceNormBackward, input, weight, bias, None, axes, wshape, eps)
        if (running_mean is not None or running_var is not None) and input._data.size:
            k = math.prod(shape[2:])
            m = mean._data.reshape(n, c).mean(axis=0)
            var = 1.0 / (invstd._data.reshape(n, c).astype(np.float64) ** 2) - eps
            _update_running(running_mean, running_var, m, (var * (k / max(k - 1, 1))).mean(axis=0), momentum)
        return out
    bshape = (1, c) + (1,) * (len(shape) - 2)
    rm = running_mean._data.reshape(bshape).astype(input._data.dtype)
    invstd_arr = (1.0 / np.sqrt(running_var._data.astype(np.float64) + eps)).astype(input._data.dtype).reshape(bshape)
    return apply(N.InstanceNormEval, input, weight, bias, rm, invstd_arr, wshape)


# ============================================================================ layer and group norm
def _normalized_shape(normalized_shape: Any) -> tuple[int, ...]:
    if isinstance(normalized_shape, int):
        return (normalized_shape,)
    return tuple(int(s) for s in normalized_shape)


def _check_normalized(input: Tensor, ns: tuple[int, ...], weight: Any, bias: Any) -> None:
    shape = tuple(input._data.shape)
    if len(ns) == 0:
        raise RuntimeError("Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one "
                           "element, but got normalized_shape = []")
    for name, p in (("weight", weight), ("bias", bias)):
        if p is not None and tuple(p._data.shape) != ns:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but got {name} of shape "
                               f"{list(p._data.shape)} and normalized_shape = {list(ns)}")
    if len(shape) < len(ns) or shape[len(shape) - len(ns):] != ns:
        raise RuntimeError(f"Given normalized_shape={list(ns)}, expected input with shape [*, "
                           f"{', '.join(str(s) for s in ns)}], but got input of size{list(shape)}")


def layer_norm(input: Tensor, normalized_shape: Sequence[int], weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-05) -> Tensor: normalise
    over the trailing dims `normalized_shape` (mean and biased variance there), then
    * weight + bias (each of shape normalized_shape)."""
    tensors = (input, weight, bias)
    if _needs_dispatch(tensors):
        return _dispatch(layer_norm, tuple(t for t in tensors if t is not None), input, normalized_shape, weight,
                         bias, eps)
    _check_tensor("layer_norm", "input", 1, input)
    ns = _normalized_shape(normalized_shape)
    _check_normalized(input, ns, weight, bias)
    _check_float("layer_norm", input)
    _same_dtype(input, weight, bias)
    nd = input._data.ndim
    axes = tuple(range(nd - len(ns), nd))
    return apply(N.NativeLayerNormBackward0, input, weight, bias, None, axes, ns, eps)[0]


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """group_norm(input, num_groups, weight=None, bias=None, eps=1e-05) -> Tensor: the channels
    (dim 1) split into num_groups groups; each sample's group (with its spatial dims) normalised by
    its own mean and biased variance, then * weight + bias per channel."""
    tensors = (input, weight, bias)
    if _needs_dispatch(tensors):
        return _dispatch(group_norm, tuple(t for t in tensors if t is not None), input, num_groups, weight, bias, eps)
    _check_tensor("group_norm", "input", 1, input)
    shape = tuple(input._data.shape)
    if len(shape) < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {len(shape)}")
    n, c = shape[0], shape[1]
    if num_groups <= 0 or c % num_groups != 0:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, but got input "
                           f"of shape {list(shape)} and num_groups={num_groups}")
    for name, p in (("weight", weight), ("bias", bias)):
        if p is not None and (p._data.ndim != 1 or p.numel() != c):
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number of channels in input, "
                               f"but got {name} of shape {list(p._data.shape)} and input of shape {list(shape)}")
    _check_float("group_norm", input)
    _same_dtype(input, weight, bias)
    wshape = (c,) + (1,) * (len(shape) - 2)
    stat_shape = (n, num_groups, math.prod(shape[1:]) // num_groups)
    return apply(N.NativeGroupNormBackward0, input, weight, bias, stat_shape, (2,), wshape, eps)[0]


def rms_norm(input: Tensor, normalized_shape: Sequence[int], weight: Tensor | None = None,
             eps: float | None = None) -> Tensor:
    """rms_norm(input, normalized_shape, weight=None, eps=None) -> Tensor:
    x / sqrt(mean(x², over the trailing normalized_shape dims) + eps) * weight; eps None is the
    machine epsilon of input's dtype."""
    tensors = (input, weight)
    if _needs_dispatch(tensors):
        return _dispatch(rms_norm, tuple(t for t in tensors if t is not None), input, normalized_shape, weight, eps)
    _check_tensor("rms_norm", "input", 1, input)
    ns = _normalized_shape(normalized_shape)
    _check_normalized(input, ns, weight, None)
    _check_float("rms_norm", input)
    if eps is None:
        eps = float(np.finfo(input._data.dtype).eps)
    nd = input._data.ndim
    dims = list(range(nd - len(ns), nd))
    out = input * (input.pow(2).mean(dims, keepdim=True) + eps).rsqrt()
    if weight is not None:
        out = out * weight
    return out


def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> Tensor:
    """local_response_norm(input, size, alpha=0.0001, beta=0.75, k=1.0) -> Tensor: each element
    divided by (k + alpha · mean of the squares over `size` neighbouring channels)^beta (the
    channel window zero-padded: size//2 before, (size-1)//2 after)."""
    if type(input) not in _PLAIN and has_torch_function((input,)):
        return handle_torch_function(local_response_norm, (input,), input, size, alpha, beta, k)
    _check_tensor("local_response_norm", "input", 1, input)
    dim = input.dim()
    if dim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {dim} dimensions)")
    if input.numel() == 0:
        return input
    from .._tensor._shape import cat
    from .._tensor.creation import zeros
    sq = input * input
    c = input.shape[1]
    before, after = size // 2, (size - 1) // 2
    parts = []
    rest = tuple(input.shape[2:])
    if before:
        parts.append(zeros((input.shape[0], before) + rest, dtype=input.dtype))
    parts.append(sq)
    if after:
        parts.append(zeros((input.shape[0], after) + rest, dtype=input.dtype))
    padded = cat(parts, 1) if len(parts) > 1 else sq
    total: Any = None
    for i in range(size):  # the window's sum: shifted slices of the padded squares
        part = padded[:, i:i + c]  # (the padded dim has c + size - 1 channels)
        total = part if total is None else total + part
    div = (total * (alpha / size) + k).pow(beta)
    return input / div


# ============================================================================ torch-level forms (ATen's signatures)
def native_batch_norm(input: Tensor, weight: Tensor | None, bias: Tensor | None, running_mean: Tensor | None,
                      running_var: Tensor | None, training: bool, momentum: float, eps: float) -> tuple:
    """native_batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps)
    -> (Tensor, Tensor, Tensor): batch_norm's result with the batch's mean and 1/sqrt(var + eps)
    per channel (while training; in eval mode both are empty)."""
    _check_tensor("native_batch_norm", "input", 1, input)
    if training or running_mean is None or running_var is None:
        shape = input._data.shape
        c = shape[1]
        _channel_param("weight", weight, c)
        _channel_param("bias", bias, c)
        axes = (0,) + tuple(range(2, len(shape)))
        wshape = (c,) + (1,) * (len(shape) - 2)
        out, mean, invstd = apply(N.NativeBatchNormBackward0, input, _flat(weight), _flat(bias), None, axes, wshape,
                                  eps)
        if (running_mean is not None or running_var is not None) and input._data.size:
            n = math.prod(shape) // c
            var = 1.0 / (invstd._data.reshape(-1).astype(np.float64) ** 2) - eps
            _update_running(running_mean, running_var, mean._data.reshape(-1), var * (n / max(n - 1, 1)), momentum)
        return out, mean.reshape(-1), invstd.reshape(-1)
    out = batch_norm(input, running_mean, running_var, weight, bias, False, momentum, eps)
    from .._tensor.creation import empty
    return out, empty(0, dtype=input.dtype), empty(0, dtype=input.dtype)


def native_layer_norm(input: Tensor, normalized_shape: Sequence[int], weight: Tensor | None, bias: Tensor | None,
                      eps: float) -> tuple:
    """native_layer_norm(input, normalized_shape, weight, bias, eps) -> (Tensor, Tensor, Tensor):
    layer_norm's result with the mean and 1/sqrt(var + eps) of each normalised slice (size-1 dims
    in place of normalized_shape)."""
    _check_tensor("native_layer_norm", "input", 1, input)
    ns = _normalized_shape(normalized_shape)
    _check_normalized(input, ns, weight, bias)
    nd = input._data.ndim
    axes = tuple(range(nd - len(ns), nd))
    out, mean, invstd = apply(N.NativeLayerNormBackward0, input, weight, bias, None, axes, ns, eps)
    return out, mean, invstd  # (PyTorch's mean and rstd here carry no gradient)


def _differentiable_stats(input: Tensor, view: Tensor, dims: list, eps: float) -> tuple:
    """The mean and 1/sqrt(biased var + eps) of `view` over dims (keepdim), as outputs of their own
    that carry gradients (PyTorch's native_group_norm returns them differentiable)."""
    mean = view.mean(dims, keepdim=True)
    d = view - mean
    return mean, ((d * d).mean(dims, keepdim=True) + eps).rsqrt()


def native_group_norm(input: Tensor, weight: Tensor | None, bias: Tensor | None, N_: int, C: int, HxW: int,
                      group: int, eps: float) -> tuple:
    """native_group_norm(input, weight, bias, N, C, HxW, group, eps) -> (Tensor, Tensor, Tensor):
    group_norm's result with the mean and 1/sqrt(var + eps) of each (sample, group), shape (N, group)."""
    _check_tensor("native_group_norm", "input", 1, input)
    shape = tuple(input._data.shape)
    if math.prod(shape) != N_ * C * HxW:
        raise RuntimeError(f"Expected input to have {N_ * C * HxW} elements (N * C * HxW), got shape {list(shape)}")
    if C % group:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, but got input of "
                           f"shape {list(shape)} and num_groups={group}")
    wshape = (C,) + (1,) * (len(shape) - 2)
    stat_shape = (N_, group, C * HxW // group)
    out = apply(N.NativeGroupNormBackward0, input, weight, bias, stat_shape, (2,), wshape, eps)[0]
    mean, invstd = _differentiable_stats(input, input.reshape(stat_shape), [2], eps)
    return out, mean.reshape(N_, group), invstd.reshape(N_, group)


def _torch_batch_norm(input: Tensor, weight: Tensor | None, bias: Tensor | None, running_mean: Tensor | None,
                      running_var: Tensor | None, training: bool, momentum: float, eps: float,
                      cudnn_enabled: bool = True) -> Tensor:
    """batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps, cudnn_enabled)
    -> Tensor: nn.functional.batch_norm in ATen's argument order."""
    return batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def _torch_instance_norm(input: Tensor, weight: Tensor | None, bias: Tensor | None, running_mean: Tensor | None,
                         running_var: Tensor | None, use_input_stats: bool, momentum: float, eps: float,
                         cudnn_enabled: bool = True) -> Tensor:
    """instance_norm(input, weight, bias, running_mean, running_var, use_input_stats, momentum, eps,
    cudnn_enabled) -> Tensor: nn.functional.instance_norm in ATen's argument order."""
    return instance_norm(input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps)


def _torch_layer_norm(input: Tensor, normalized_shape: Sequence[int], weight: Tensor | None = None,
                      bias: Tensor | None = None, eps: float = 1e-5, cudnn_enable: bool = True) -> Tensor:
    """layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-05, cudnn_enable=True) -> Tensor:
    nn.functional.layer_norm."""
    return layer_norm(input, normalized_shape, weight, bias, eps)


def _torch_group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None, bias: Tensor | None = None,
                      eps: float = 1e-5, cudnn_enabled: bool = True) -> Tensor:
    """group_norm(input, num_groups, weight=None, bias=None, eps=1e-05, cudnn_enabled=True) -> Tensor:
    nn.functional.group_norm."""
    return group_norm(input, num_groups, weight, bias, eps)


def _torch_rms_norm(input: Tensor, normalized_shape: Sequence[int], weight: Tensor | None = None,
                    eps: float | None = None) -> Tensor:
    """rms_norm(input, normalized_shape, weight=None, eps=None) -> Tensor: nn.functional.rms_norm."""
    return rms_norm(input, normalized_shape, weight, eps)


_aten_form: Any
for _aten_form in (_torch_batch_norm, _torch_instance_norm, _torch_layer_norm, _torch_group_norm, _torch_rms_norm):
    _aten_form.__name__ = _aten_form.__qualname__ = _aten_form.__name__[len("_torch_"):]
del _aten_form
