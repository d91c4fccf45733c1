"""torch.nn.functional's normalization ops (re-exported by nn/functional.py): batch, instance,
layer, group, RMS and local response norm. batch_norm, layer_norm, group_norm and instance_norm
apply the fused rules of ops/normalization.py; rms_norm and local_response_norm are compositions of
Tensor ops, as PyTorch's are (their grad_fn is the last part: MulBackward0, DivBackward0).
"""
import math
from typing import Any, Sequence

import numpy as np

from .. import _args
from .._tensor import Tensor
from .._tensor._core import _bump_version, apply
from ..engine.grad_mode import no_grad
from ..ops import normalization as N
from ..ops._rule import declare_batching
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
    if t is not None and t._data.size != c:
        raise RuntimeError(f"{name} should contain {c} elements not {t._data.size}")


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
        if t is not None and type(t) is not Tensor and type(t) is not Parameter:
            return has_torch_function(tuple(x for x in tensors if x is not None))
    return False


def _flat(t: Any) -> Any:
    """A per-channel weight as a 1-D tensor (PyTorch accepts any shape with C elements)."""
    return t if t is None or t._data.ndim == 1 else t.reshape(-1)


def _update_running(running_mean: Any, running_var: Any, mean: np.ndarray, var_unbiased: np.ndarray,
                    momentum: float) -> None:
    """running = (1 − momentum) · running + momentum · batch statistic, in place (no graph)."""
    for running, stat in ((running_mean, mean), (running_var, var_unbiased)):
        if running is None:
            continue
        arr = running._data
        if running._rg or not arr.flags.writeable or arr.dtype.kind != "f":  # (rare: through the Tensor API)
            new = (1 - momentum) * arr + momentum * stat.reshape(arr.shape)
            with no_grad():
                running.copy_(_wrap(new.astype(arr.dtype)))
        else:
            arr *= 1 - momentum
            arr += (momentum * stat).reshape(arr.shape)
            _bump_version(running)


def _wrap(arr: np.ndarray) -> Tensor:
    from .._tensor._core import _plain
    return _plain(arr)


# ============================================================================ batch norm
_BN_AXES = {n: (0,) + tuple(range(2, n)) for n in range(2, 6)}  # the dims batch norm's statistics cover


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
        axes = _BN_AXES[len(shape)] if len(shape) < 6 else (0,) + tuple(range(2, len(shape)))
        if running_mean is None and running_var is None:
            return apply(N.BatchNormNoStats, input, weight, bias, None, axes, wshape, eps)
        out, mean, invstd = apply(N.NativeBatchNormBackward0, input, weight, bias, None, axes, wshape, eps)
        if input._data.size:
            n = input._data.size // c
            inv = invstd._data
            if inv.dtype != np.float64:
                inv = inv.astype(np.float64)
            # the batch's unbiased variance, from 1/sqrt(var + eps)
            var = (1.0 / (inv * inv) - eps) * (n / max(n - 1, 1))
            _update_running(running_mean, running_var, mean._data, var, momentum)
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
def _normalized_shape(normalized_shape: Any, fn: str = "layer_norm") -> tuple[int, ...]:
    if type(normalized_shape) is int:
        return (normalized_shape,)
    return _args.int_list_arg(normalized_shape, fn, "normalized_shape", 2)


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


_LN_AXES: dict = {}  # (ndim, len(normalized_shape)) -> the trailing dims


def layer_norm(input: Tensor, normalized_shape: Sequence[int], weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-05) -> Tensor: normalise
    over the trailing dims `normalized_shape` (mean and biased variance there), then
    * weight + bias (each of shape normalized_shape)."""
    if type(input) is Tensor and type(normalized_shape) is tuple:  # the common case, checked cheaply
        arr = input._data
        k = len(normalized_shape)
        if k and arr.dtype.kind == "f" and arr.shape[arr.ndim - k:] == normalized_shape and arr.ndim >= k \
                and (weight is None or type(weight) is Parameter and weight._data.shape == normalized_shape
                     and weight._data.dtype == arr.dtype) \
                and (bias is None or type(bias) is Parameter and bias._data.shape == normalized_shape
                     and bias._data.dtype == arr.dtype):
            axes = _LN_AXES.get((arr.ndim, k))
            if axes is None:
                axes = _LN_AXES[(arr.ndim, k)] = tuple(range(arr.ndim - k, arr.ndim))
            return apply(N.NativeLayerNormBackward0, input, weight, bias, None, axes, normalized_shape, eps)
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
    return apply(N.NativeLayerNormBackward0, input, weight, bias, None, axes, ns, eps)


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """group_norm(input, num_groups, weight=None, bias=None, eps=1e-05) -> Tensor: the channels
    (dim 1) split into num_groups groups; each sample's group (with its spatial dims) normalised by
    its own mean and biased variance, then * weight + bias per channel."""
    tensors = (input, weight, bias)
    if _needs_dispatch(tensors):
        return _dispatch(group_norm, tuple(t for t in tensors if t is not None), input, num_groups, weight, bias, eps)
    _check_tensor("group_norm", "input", 1, input)
    if type(num_groups) is not int:
        num_groups = _args.int_arg(num_groups, "group_norm", "num_groups", 2)
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
    return apply(N.NativeGroupNormBackward0, input, weight, bias, stat_shape, (2,), wshape, eps)


def rms_norm(input: Tensor, normalized_shape: Sequence[int], weight: Tensor | None = None,
             eps: float | None = None) -> Tensor:
    """rms_norm(input, normalized_shape, weight=None, eps=None) -> Tensor:
    x / sqrt(mean(x², over the trailing normalized_shape dims) + eps) * weight; eps None is the
    machine epsilon of input's dtype."""
    tensors = (input, weight)
    if _needs_dispatch(tensors):
        return _dispatch(rms_norm, tuple(t for t in tensors if t is not None), input, normalized_shape, weight, eps)
    _check_tensor("rms_norm", "input", 1, input)
    ns = _normalized_shape(normalized_shape, "rms_norm")
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
    out, mean, invstd = apply(N.NativeLayerNormStats, input, weight, bias, None, axes, ns, eps)
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
    out = apply(N.NativeGroupNormBackward0, input, weight, bias, stat_shape, (2,), wshape, eps)
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


# ============================================================================ embedding
__all__ += ["embedding", "embedding_bag"]


def _indices(fn: str, input: Any) -> np.ndarray:
    if not isinstance(input, Tensor):
        raise TypeError(f"{fn}(): argument 'indices' must be Tensor, not {type(input).__name__}")
    arr = input._data
    if arr.dtype not in (np.int64, np.int32):
        kind = {"float32": "Float", "float64": "Double", "bool": "Bool", "int16": "Short", "int8": "Char",
                "uint8": "Byte", "float16": "Half"}.get(str(arr.dtype), str(arr.dtype))
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got torch.{kind}Tensor instead (while checking arguments for {fn})")
    return arr


def _padding_idx(padding_idx: int | None, num: int) -> int | None:
    if padding_idx is None:
        return None
    if padding_idx > 0:
        assert padding_idx < num, "Padding_idx must be within num_embeddings"
    elif padding_idx < 0:
        assert padding_idx >= -num, "Padding_idx must be within num_embeddings"
        padding_idx += num
    return padding_idx


def _renorm_rows(weight: Tensor, idx: np.ndarray, max_norm: float, norm_type: float) -> None:
    """The rows of weight at idx whose norm_type-norm exceeds max_norm scaled to max_norm, in place
    (as PyTorch's embedding_renorm_: scale max_norm / (norm + 1e-7))."""
    rows = np.unique(idx.reshape(-1))
    w = weight._data
    sub = w[rows].astype(np.float64)
    if norm_type == float("inf"):
        norms = np.abs(sub).max(axis=1) if sub.size else np.zeros(len(rows))
    elif norm_type == 0:
        norms = (sub != 0).sum(axis=1).astype(np.float64)
    else:
        norms = (np.abs(sub) ** norm_type).sum(axis=1) ** (1.0 / norm_type)
    big = norms > max_norm
    if big.any():
        with no_grad():
            new = w.copy()
            new[rows[big]] = (sub[big] * (max_norm / (norms[big] + 1e-7))[:, None]).astype(w.dtype)
            weight.copy_(_wrap(new))


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None, max_norm: float | None = None,
              norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
    scale_grad_by_freq=False, sparse=False) -> Tensor: the rows of weight (num_embeddings,
    embedding_dim) at the integer indices input; the result has shape input.shape + (embedding_dim,).

    padding_idx: that row gets no gradient. max_norm: the rows looked up whose norm_type-norm
    exceeds it are first rescaled to max_norm, in weight itself (in place, as PyTorch does).
    scale_grad_by_freq: each row's gradient divided by how often it occurs in input."""
    if _needs_dispatch((input, weight)):
        return _dispatch(embedding, (input, weight), input, weight, padding_idx, max_norm, norm_type,
                         scale_grad_by_freq, sparse)
    if not isinstance(weight, Tensor):
        raise TypeError(f"embedding(): argument 'weight' (position 2) must be Tensor, not {type(weight).__name__}")
    if weight._data.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    num = weight._data.shape[0]
    pad = _padding_idx(padding_idx, num)
    idx = _indices("embedding", input)
    if idx.size and (idx.min() < 0 or idx.max() >= num):
        raise IndexError("index out of range in self")
    # sparse=True: torchless has no sparse tensors; the gradient is the same rows, dense
    if max_norm is not None:
        _renorm_rows(weight, idx, max_norm, norm_type)
    return apply(N.EmbeddingBackward0, weight, input, pad, bool(scale_grad_by_freq))


def embedding_bag(input: Tensor, weight: Tensor, offsets: Tensor | None = None, max_norm: float | None = None,
                  norm_type: float = 2, scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                  per_sample_weights: Tensor | None = None, include_last_offset: bool = False,
                  padding_idx: int | None = None) -> Tensor:
    """embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False,
    mode='mean', sparse=False, per_sample_weights=None, include_last_offset=False, padding_idx=None)
    -> Tensor: the sum, mean or max of the embedding rows of each bag, without the intermediate rows.

    A 2-D input is a batch of bags of equal length (offsets None); a 1-D input is cut into bags at
    offsets (include_last_offset: offsets has one more entry, the end). per_sample_weights (mode
    'sum' only) weighs each row. Entries equal to padding_idx are left out (and not counted by the
    mean); an empty bag gives zeros."""
    if _needs_dispatch((input, weight, offsets, per_sample_weights)):
        return _dispatch(embedding_bag, tuple(t for t in (input, weight, offsets, per_sample_weights) if t is not None),
                         input, weight, offsets, max_norm, norm_type, scale_grad_by_freq, mode, sparse,
                         per_sample_weights, include_last_offset, padding_idx)
    if weight._data.ndim != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension {weight._data.ndim}")
    if not input.dtype.is_floating_point and input._data.ndim == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated is a mini-batch of "
                             f"fixed length sequences. However, found offsets of type {type(offsets)}")
        b, length = input._data.shape
        flat = input.reshape(-1)
        starts = np.arange(0, b * length, length, dtype=np.int64)
        psw = None if per_sample_weights is None else per_sample_weights.reshape(-1)
        include_last = False
    elif input._data.ndim == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        if offsets._data.ndim != 1:
            raise ValueError("offsets has to be a 1D Tensor")
        flat = input
        starts = offsets._data.astype(np.int64)
        psw = per_sample_weights
        include_last = include_last_offset
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {input._data.ndim}")
    if mode not in ("sum", "mean", "max"):
        raise ValueError("mode has to be one of sum, mean or max")
    if max_norm is not None:
        _renorm_rows(weight, _indices("embedding_bag", flat), max_norm, norm_type)
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(f"embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                                  f"supported for mode='sum' (got mode='{mode}'). Please open a feature request on "
                                  "GitHub.")
    idx = _indices("embedding_bag", flat)
    num = weight._data.shape[0]
    pad = _padding_idx(padding_idx, num)
    if idx.size and (idx.min() < 0 or idx.max() >= num):
        raise IndexError("index out of range in self")
    if starts.size and starts[0] != 0:
        raise RuntimeError(f"offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start from "
                           f"position 0. However, got {int(starts[0])}")
    n = idx.shape[0]
    if include_last:
        bounds = list(starts)
    else:
        bounds = list(starts) + [n]
    from .._tensor._shape import stack
    from .._tensor.creation import zeros
    rows = apply(N.EmbeddingBackward0, weight, flat, pad, bool(scale_grad_by_freq))
    if psw is not None:
        rows = rows * psw.unsqueeze(-1)
    dim = weight._data.shape[1]
    bags = []
    for i in range(len(bounds) - 1):
        lo, hi = int(bounds[i]), min(int(bounds[i + 1]), n)
        keep = [j for j in range(lo, hi) if pad is None or idx[j] != pad]
        if not keep:
            bags.append(zeros(dim, dtype=weight.dtype))
            continue
        part = rows[lo:hi] if len(keep) == hi - lo else rows[keep]
        if mode == "sum":
            bags.append(part.sum(0))
        elif mode == "mean":
            bags.append(part.sum(0) / len(keep))
        else:
            bags.append(part.max(0).values)
    if not bags:
        return zeros((0, dim), dtype=weight.dtype)
    return stack(bags)


# ============================================================================ dropout variants
__all__ += ["dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout"]

_SELU_ALPHA = 1.7580993408473766  # -(SELU's scale · alpha): the value a dropped SELU unit takes


def _check_p(p: float) -> None:
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _noise(input: Tensor, p: float, feature: bool) -> np.ndarray:
    """Kept (1) or dropped (0) with probability 1 - p: one draw per element, or per (sample,
    channel) for the feature forms (broadcast over the other dims)."""
    from .._random import rng
    from .._tensor.creation import _in_memory_order
    arr = input._data
    if feature:
        if arr.ndim < 2:
            raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
        shape = arr.shape[:2] + (1,) * (arr.ndim - 2)
    else:
        shape = arr.shape
    dt = arr.dtype if arr.dtype.kind == "f" else np.dtype(np.float32)
    # PyTorch: noise.bernoulli_(1 - p), one float64 uniform per element kept below 1 - p
    draws = rng().unit(int(np.prod(shape, dtype=np.int64)), np.float64)
    u = draws.reshape(shape) if feature else _in_memory_order(arr, draws)  # empty_like keeps strides
    return (u < 1.0 - p).astype(dt)


def _dropout_impl(input: Tensor, p: float, training: bool, inplace: bool, feature: bool, alpha: bool) -> Tensor:
    """PyTorch's dropout family: x · noise / (1 - p), or for the alpha forms x · a·noise + b,
    with a = 1/sqrt((α² p + 1)(1 - p)) and b = α a (p − 1 + noise)... dropped units set to α a (p − 1)."""
    if p == 0 or not training or input.numel() == 0:
        return input
    if p == 1:
        zero = _wrap(np.zeros((), input._data.dtype))
        return input.mul_(zero) if inplace else input * zero
    noise = _noise(input, p, feature)
    if not alpha:
        noise /= noise.dtype.type(1 - p)
        return input.mul_(_wrap(noise)) if inplace else input * _wrap(noise)
    a = 1.0 / math.sqrt((_SELU_ALPHA * _SELU_ALPHA * p + 1) * (1 - p))
    b = ((noise - 1) * (_SELU_ALPHA * a) + _SELU_ALPHA * a * p).astype(noise.dtype)
    noise = noise * noise.dtype.type(a)
    if inplace:
        return input.mul_(_wrap(noise)).add_(_wrap(b))
    return input * _wrap(noise) + _wrap(b)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """dropout1d(input, p=0.5, training=True, inplace=False) -> Tensor: whole channels zeroed with
    probability p (the others scaled by 1/(1-p)), for (N, C, L) or (C, L) inputs."""
    if type(input) not in _PLAIN and has_torch_function((input,)):
        return handle_torch_function(dropout1d, (input,), input, p=p, training=training, inplace=inplace)
    _check_p(p)
    d = input.dim()
    if d not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {d}D input. Note that dropout1d "
                           "exists to provide channel-wise dropout on inputs with 1 spatial dimension, a channel "
                           "dimension, and an optional batch dimension (i.e. 2D or 3D inputs).")
    if d == 2:
        out = _dropout_impl(input.unsqueeze(0), p, training, inplace, True, False)
        return input if inplace else out.squeeze(0)  # (in place: written through the view)
    return _dropout_impl(input, p, training, inplace, True, False)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """dropout2d(input, p=0.5, training=True, inplace=False) -> Tensor: whole channels (dim 1)
    zeroed with probability p (the others scaled by 1/(1-p)), for (N, C, H, W) inputs (a 3-D input
    is taken as (N, C, L), with PyTorch's warning)."""
    import warnings
    if type(input) not in _PLAIN and has_torch_function((input,)):
        return handle_torch_function(dropout2d, (input,), input, p=p, training=training, inplace=inplace)
    _check_p(p)
    d = input.dim()
    if d not in (3, 4):
        warnings.warn(f"dropout2d: Received a {d}-D input to dropout2d, which is deprecated and will result in an "
                      "error in a future release. To retain the behavior and silence this warning, please use "
                      "dropout instead. Note that dropout2d exists to provide channel-wise dropout on inputs with 2 "
                      "spatial dimensions, a channel dimension, and an optional batch dimension (i.e. 3D or 4D "
                      "inputs).", stacklevel=2)
    if d == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
                      "behavior is desired - input is interpreted as shape (N, C, L), where C is the channel dim. "
                      "This behavior will change in a future release to interpret the input as one without a batch "
                      "dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout behavior, please "
                      "switch to using dropout1d instead.", stacklevel=2)
    return _dropout_impl(input, p, training, inplace, True, False)


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """dropout3d(input, p=0.5, training=True, inplace=False) -> Tensor: whole channels zeroed with
    probability p (the others scaled by 1/(1-p)), for (N, C, D, H, W) or (C, D, H, W) inputs."""
    import warnings
    if type(input) not in _PLAIN and has_torch_function((input,)):
        return handle_torch_function(dropout3d, (input,), input, p=p, training=training, inplace=inplace)
    _check_p(p)
    d = input.dim()
    if d not in (4, 5):
        warnings.warn(f"dropout3d: Received a {d}-D input to dropout3d, which is deprecated and will result in an "
                      "error in a future release. To retain the behavior and silence this warning, please use "
                      "dropout instead. Note that dropout3d exists to provide channel-wise dropout on inputs with 3 "
                      "spatial dimensions, a channel dimension, and an optional batch dimension (i.e. 4D or 5D "
                      "inputs).", stacklevel=2)
    if d != 5:
        out = _dropout_impl(input.unsqueeze(0), p, training, inplace, True, False)
        return input if inplace else out.squeeze(0)  # (in place: written through the view)
    return _dropout_impl(input, p, training, inplace, True, False)


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """alpha_dropout(input, p=0.5, training=False, inplace=False) -> Tensor: dropout for SELU
    networks: dropped elements take SELU's negative saturation value and the result is rescaled
    affinely so that a zero-mean, unit-variance input keeps its mean and variance."""
    if type(input) not in _PLAIN and has_torch_function((input,)):
        return handle_torch_function(alpha_dropout, (input,), input, p=p, training=training, inplace=inplace)
    _check_tensor("alpha_dropout", "input", 1, input)
    _check_p(p)
    return _dropout_impl(input, p, training, inplace, False, True)


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """feature_alpha_dropout(input, p=0.5, training=False, inplace=False) -> Tensor: alpha_dropout
    of whole channels (one draw per (sample, channel))."""
    if type(input) not in _PLAIN and has_torch_function((input,)):
        return handle_torch_function(feature_alpha_dropout, (input,), input, p=p, training=training, inplace=inplace)
    _check_tensor("feature_alpha_dropout", "input", 1, input)
    _check_p(p)
    return _dropout_impl(input, p, training, inplace, True, True)


# ============================================================================ bilinear
def _torch_alpha_dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """alpha_dropout(input, p, train) -> Tensor: nn.functional.alpha_dropout, all arguments required
    (PyTorch's torch-level form)."""
    return alpha_dropout(input, p, train)


def _torch_feature_alpha_dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """feature_alpha_dropout(input, p, train) -> Tensor: nn.functional.feature_alpha_dropout, all
    arguments required (PyTorch's torch-level form)."""
    return feature_alpha_dropout(input, p, train)


_torch_alpha_dropout.__name__ = _torch_alpha_dropout.__qualname__ = "alpha_dropout"
_torch_feature_alpha_dropout.__name__ = _torch_feature_alpha_dropout.__qualname__ = "feature_alpha_dropout"

__all__ += ["bilinear"]


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """bilinear(input1, input2, weight, bias=None) -> Tensor: y_o = x1ᵀ W_o x2 + b_o, for
    input1 (*, in1), input2 (*, in2), weight (out, in1, in2), bias (out,); result (*, out)."""
    tensors = (input1, input2, weight, bias)
    if _needs_dispatch(tensors):
        return _dispatch(bilinear, tuple(t for t in tensors if t is not None), input1, input2, weight, bias)
    for name, pos, t in (("input1", 1, input1), ("input2", 2, input2), ("weight", 3, weight)):
        _check_tensor("bilinear", name, pos, t)
    s1, s2, sw = tuple(input1.shape), tuple(input2.shape), tuple(weight.shape)
    if len(s1) != len(s2):
        raise RuntimeError(f"bilinear(): input dimensions do not match: got {len(s1)} and {len(s2)}")
    if s1[:-1] != s2[:-1]:
        for i, (a, b) in enumerate(zip(s1[:-1], s2[:-1])):
            if a != b:
                raise RuntimeError(f"bilinear(): input batch dimensions do not match: got {a} and {b}")
    if len(sw) != 3:
        raise RuntimeError(f"bilinear(): weight must be 3-dimensional, but got {len(sw)}")
    if s1[-1] != sw[1]:
        raise RuntimeError(f"bilinear(): input1 size does not match weight size: got {s1[-1]} but expected {sw[1]}")
    if s2[-1] != sw[2]:
        raise RuntimeError(f"bilinear(): input2 size does not match weight size: got {s2[-1]} but expected {sw[2]}")
    if bias is not None and (bias.dim() != 1 or bias.shape[0] != sw[0]):
        raise RuntimeError(f"bilinear(): bias size does not match weight size: got {bias.shape[-1] if bias.dim() else 1}"
                           f" but expected {sw[0]}")
    lead = s1[:-1]
    x1 = input1.reshape(-1, s1[-1])
    x2 = input2.reshape(-1, s2[-1])
    # (rows, in1) @ (in1, out*in2) -> (rows, out, in2), then each output's dot with x2
    t = (x1 @ weight.permute(1, 0, 2).reshape(sw[1], sw[0] * sw[2])).reshape(-1, sw[0], sw[2])
    out = (t * x2.unsqueeze(1)).sum(-1)
    if bias is not None:
        out = out + bias
    return out.reshape(*lead, sw[0])


def _torch_embedding(weight: Tensor, indices: Tensor, padding_idx: int = -1, scale_grad_by_freq: bool = False,
                     sparse: bool = False) -> Tensor:
    """embedding(weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False) -> Tensor:
    ATen's form (weight first; padding_idx -1 means none)."""
    return embedding(indices, weight, None if padding_idx == -1 else padding_idx, None, 2.0, scale_grad_by_freq,
                     sparse)


_torch_embedding.__name__ = _torch_embedding.__qualname__ = "embedding"


# ============================================================================ attention
__all__ += ["scaled_dot_product_attention", "multi_head_attention_forward"]


def _float_mask(mask: Tensor, dtype: Any) -> Tensor:
    """A bool mask (True: may attend) as an additive float mask (0 or -inf); a float mask as it is."""
    if mask.dtype == _bool_dtype():
        from .._tensor.creation import zeros
        return zeros(tuple(mask.shape), dtype=dtype).masked_fill(mask.logical_not(), float("-inf"))
    return mask


def _bool_dtype() -> Any:
    from .. import _dtype as D
    return D.bool


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor, attn_mask: Tensor | None = None,
                                 dropout_p: float = 0.0, is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
    is_causal=False, scale=None, enable_gqa=False) -> Tensor:
    softmax(Q Kᵀ · scale + mask) V, scale 1/sqrt(E) by default, for Q (..., L, E), K (..., S, E),
    V (..., S, Ev); result (..., L, Ev).

    attn_mask: bool (True: the query may attend to that key) or float (added to the scores),
    broadcast to (..., L, S). is_causal: query i attends to keys j <= i only (no attn_mask then).
    dropout_p: dropout on the attention weights (always applied: pass 0.0 in eval). enable_gqa:
    key and value may have fewer heads (dim -3) than query, each shared by a group of query heads.
    A query that may attend to no key gets zeros."""
    tensors = (query, key, value, attn_mask)
    if _needs_dispatch(tensors):
        return _dispatch(scaled_dot_product_attention, tuple(t for t in tensors if t is not None), query, key, value,
                         attn_mask, dropout_p, is_causal, scale, enable_gqa)
    if is_causal and attn_mask is not None:
        raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True")
    if query.dim() < 2 or key.dim() < 2 or value.dim() < 2:
        raise RuntimeError("scaled_dot_product_attention: query, key and value need at least 2 dims (..., L, E)")
    if query.shape[-1] != key.shape[-1]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"{list(key.shape[:-2]) + [query.shape[-1]]} but got: {list(key.shape[:-2]) + [key.shape[-1]]}.")
    if not (query.dtype == key.dtype == value.dtype):
        raise RuntimeError(f"Expected query, key, and value to have the same dtype, but got query.dtype: "
                           f"{query.dtype} key.dtype: {key.dtype} and value.dtype: {value.dtype} instead.")
    L, S = query.shape[-2], key.shape[-2]
    factor = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    if enable_gqa and query.dim() >= 3 and key.shape[-3] != query.shape[-3]:
        key = key.repeat_interleave(query.shape[-3] // key.shape[-3], -3)
        value = value.repeat_interleave(query.shape[-3] // value.shape[-3], -3)
    scores = query @ key.transpose(-2, -1) * factor
    blocked = None  # where a query may attend to no key (as an array), to give it zeros
    if is_causal:
        allowed = np.tril(np.ones((L, S), dtype=bool))
        scores = scores.masked_fill(_wrap(~allowed), float("-inf"))
        blocked = ~allowed.any(-1, keepdims=True)
    elif attn_mask is not None:
        if attn_mask.dtype == _bool_dtype():
            allowed = attn_mask._data
            scores = scores.masked_fill(attn_mask.logical_not(), float("-inf"))
            blocked = ~allowed.any(-1, keepdims=True)
        else:
            scores = scores + attn_mask
            blocked = np.isneginf(attn_mask._data).all(-1, keepdims=True)
    if blocked is not None and blocked.any():
        full = _wrap(np.broadcast_to(blocked, tuple(scores.shape[:-1]) + (1,)).copy())
        attn = scores.masked_fill(full, 0.0).softmax(-1).masked_fill(full, 0.0)
    else:
        attn = scores.softmax(-1)
    if dropout_p > 0.0:
        attn = _dropout_impl(attn, dropout_p, True, False, False, False)
    return attn @ value


def _canonical(mask: Tensor | None, name: str, dtype: Any) -> Tensor | None:
    if mask is None:
        return None
    if mask.dtype == _bool_dtype():  # (here True marks a key NOT to attend to)
        from .._tensor.creation import zeros
        return zeros(tuple(mask.shape), dtype=dtype).masked_fill(mask, float("-inf"))
    if not mask.dtype.is_floating_point:
        raise AssertionError(f"only bool and floating types of {name} are supported")
    return mask


def _pad_last(t: Tensor) -> Tensor:
    """t with one more zero entry along its last dim."""
    from .._tensor._shape import cat
    from .._tensor.creation import zeros
    return cat([t, zeros(tuple(t.shape[:-1]) + (1,), dtype=t.dtype)], -1)


def _linear(x: Tensor, w: Tensor, b: Tensor | None) -> Tensor:
    out = x @ w.t()
    return out if b is None else out + b


# vmap (issue 13's op audit): attention takes any leading batch dims (..., L, E), so the vmap batch goes
# in front of query, key and value; a mask every example shares broadcasts from the right as it is
# (a per-example mask runs per example).
declare_batching(scaled_dot_product_attention, "batch_dims", shared=("attn_mask",))


def multi_head_attention_forward(query: Tensor, key: Tensor, value: Tensor, embed_dim_to_check: int,
                                 num_heads: int, in_proj_weight: Tensor | None, in_proj_bias: Tensor | None,
                                 bias_k: Tensor | None, bias_v: Tensor | None, add_zero_attn: bool,
                                 dropout_p: float, out_proj_weight: Tensor, out_proj_bias: Tensor | None,
                                 training: bool = True, key_padding_mask: Tensor | None = None,
                                 need_weights: bool = True, attn_mask: Tensor | None = None,
                                 use_separate_proj_weight: bool = False, q_proj_weight: Tensor | None = None,
                                 k_proj_weight: Tensor | None = None, v_proj_weight: Tensor | None = None,
                                 static_k: Tensor | None = None, static_v: Tensor | None = None,
                                 average_attn_weights: bool = True, is_causal: bool = False) -> tuple:
    """multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads,
    in_proj_weight, in_proj_bias, bias_k, bias_v, add_zero_attn, dropout_p, out_proj_weight,
    out_proj_bias, training=True, key_padding_mask=None, need_weights=True, attn_mask=None, ...)
    -> (Tensor, Tensor or None): nn.MultiheadAttention's computation on (L, N, E) inputs (or
    unbatched (L, E)): project, split into heads, attend, join the heads, project out. The second
    result is the attention weights (averaged over the heads when average_attn_weights) when
    need_weights, else None."""
    is_batched = query.dim() == 3
    if query.dim() not in (2, 3):
        raise AssertionError(f"query should be unbatched 2D or batched 3D tensor but received {query.dim()}-D "
                             "query tensor")
    if key.dim() != query.dim() or value.dim() != query.dim():
        raise AssertionError(f"For {'batched' if is_batched else 'unbatched'} (3-D) `query`, expected `key` and "
                             f"`value` to be {query.dim()}-D but found {key.dim()}-D and {value.dim()}-D tensors "
                             "respectively")
    if key_padding_mask is not None and key_padding_mask.dim() != (2 if is_batched else 1):
        raise AssertionError(f"For {'batched' if is_batched else 'unbatched'} `query`, expected `key_padding_mask` "
                             f"to be `None` or {2 if is_batched else 1}-D but found {key_padding_mask.dim()}-D "
                             "tensor instead")
    if not is_batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    src_len = key.shape[0]
    dtype = query.dtype
    if key_padding_mask is not None and attn_mask is not None and key_padding_mask.dtype != attn_mask.dtype:
        import warnings
        warnings.warn("Support for mismatched key_padding_mask and attn_mask is deprecated. Use same type for both "
                      "instead.", UserWarning, stacklevel=2)
    key_padding_mask = _canonical(key_padding_mask, "key_padding_mask", dtype)
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the Transformer module "
                           "method `generate_square_subsequent_mask` to create this mask.")
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None  # the is_causal hint alone is passed on
    else:
        attn_mask = _canonical(attn_mask, "attn_mask", dtype)
        if key_padding_mask is not None:
            is_causal = False
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if key.shape[:2] != value.shape[:2]:
            raise AssertionError(f"key's sequence and batch dims {tuple(key.shape[:2])} do not match value's "
                                 f"{tuple(value.shape[:2])}")
    elif tuple(key.shape) != tuple(value.shape):
        raise AssertionError(f"key shape {tuple(key.shape)} does not match value shape {tuple(value.shape)}")
    # in-projection
    if not use_separate_proj_weight:
        assert in_proj_weight is not None, "use_separate_proj_weight is False but in_proj_weight is None"
        w_q, w_k, w_v = in_proj_weight.chunk(3)
    else:
        assert q_proj_weight is not None and k_proj_weight is not None and v_proj_weight is not None
        w_q, w_k, w_v = q_proj_weight, k_proj_weight, v_proj_weight
    b_q = b_k = b_v = None
    if in_proj_bias is not None:
        b_q, b_k, b_v = in_proj_bias.chunk(3)
    q = _linear(query, w_q, b_q)
    k = _linear(key, w_k, b_k)
    v = _linear(value, w_v, b_v)
    if attn_mask is not None:
        if attn_mask.dim() == 2:
            if tuple(attn_mask.shape) != (tgt_len, src_len):
                raise RuntimeError(f"The shape of the 2D attn_mask is {_size(attn_mask.shape)}, but should be "
                                   f"{(tgt_len, src_len)}.")
            attn_mask = attn_mask.unsqueeze(0)
        elif attn_mask.dim() == 3:
            if tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):
                raise RuntimeError(f"The shape of the 3D attn_mask is {_size(attn_mask.shape)}, but should be "
                                   f"{(bsz * num_heads, tgt_len, src_len)}.")
        else:
            raise RuntimeError(f"attn_mask's dimension {attn_mask.dim()} is not supported")
    from .._tensor._shape import cat
    from .._tensor.creation import zeros
    if bias_k is not None and bias_v is not None:
        if static_k is not None or static_v is not None:
            raise AssertionError("bias cannot be added to static key/value.")
        k = cat([k, bias_k.repeat(1, bsz, 1)])
        v = cat([v, bias_v.repeat(1, bsz, 1)])
        if attn_mask is not None:
            attn_mask = _pad_last(attn_mask)
        if key_padding_mask is not None:
            key_padding_mask = _pad_last(key_padding_mask)
    q = q.reshape(tgt_len, bsz * num_heads, head_dim).transpose(0, 1)
    k = k.reshape(k.shape[0], bsz * num_heads, head_dim).transpose(0, 1) if static_k is None else static_k
    v = v.reshape(v.shape[0], bsz * num_heads, head_dim).transpose(0, 1) if static_v is None else static_v
    if add_zero_attn:
        k = cat([k, zeros((bsz * num_heads, 1, head_dim), dtype=k.dtype)], 1)
        v = cat([v, zeros((bsz * num_heads, 1, head_dim), dtype=v.dtype)], 1)
        if attn_mask is not None:
            attn_mask = _pad_last(attn_mask)
        if key_padding_mask is not None:
            key_padding_mask = _pad_last(key_padding_mask)
    src_len = k.shape[1]
    if key_padding_mask is not None:
        if tuple(key_padding_mask.shape) != (bsz, src_len):
            raise AssertionError(f"expecting key_padding_mask shape of {(bsz, src_len)}, but got "
                                 f"{_size(key_padding_mask.shape)}")
        kpm = key_padding_mask.reshape(bsz, 1, 1, src_len).expand(-1, num_heads, -1, -1).reshape(
            bsz * num_heads, 1, src_len)
        attn_mask = kpm if attn_mask is None else attn_mask + kpm
    if not training:
        dropout_p = 0.0
    if need_weights:
        scores = (q * math.sqrt(1.0 / head_dim)) @ k.transpose(-2, -1)
        if attn_mask is not None:
            scores = scores + attn_mask
        weights = scores.softmax(-1)
        if dropout_p > 0.0:
            weights = _dropout_impl(weights, dropout_p, True, False, False, False)
        out = (weights @ v).transpose(0, 1).reshape(tgt_len * bsz, embed_dim)
        out = _linear(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, embed_dim)
        weights = weights.reshape(bsz, num_heads, tgt_len, src_len)
        if average_attn_weights:
            weights = weights.mean(1)
        if not is_batched:
            out, weights = out.squeeze(1), weights.squeeze(0)
        return out, weights
    if attn_mask is not None:
        if attn_mask.shape[0] == 1 and attn_mask.dim() == 3:
            attn_mask = attn_mask.unsqueeze(0)
        else:
            attn_mask = attn_mask.reshape(bsz, num_heads, -1, src_len)
    q = q.reshape(bsz, num_heads, tgt_len, head_dim)
    k = k.reshape(bsz, num_heads, src_len, head_dim)
    v = v.reshape(bsz, num_heads, src_len, head_dim)
    out = scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal)
    out = out.permute(2, 0, 1, 3).reshape(bsz * tgt_len, embed_dim)
    out = _linear(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, embed_dim)
    if not is_batched:
        out = out.squeeze(1)
    return out, None


def _native_batch_norm_legit(input: Tensor, weight: Tensor | None, bias: Tensor | None, *args: Any) -> tuple:
    """_native_batch_norm_legit(input, weight, bias, running_mean, running_var, training, momentum,
    eps) or (input, weight, bias, training, momentum, eps) -> (Tensor, Tensor, Tensor):
    native_batch_norm (the second form without running statistics)."""
    if len(args) == 3:
        return native_batch_norm(input, weight, bias, None, None, *args)
    return native_batch_norm(input, weight, bias, *args)
