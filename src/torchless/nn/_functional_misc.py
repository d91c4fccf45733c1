"""Breadth, round 3 (issue 12): fractional max pooling, antialiased bilinear resampling, and ATen's
operators that PyTorch code and its tests call by their ATen names (torch._softmax_backward_data,
torch._chunk_cat, torch.segment_reduce, torch.ops.aten.slice ...).

Fractional max pooling and the antialiased resampling are rules of ops/fractional_pool.py (with
ops/pool.py's linear maps); the ATen operators are composites of differentiable Tensor ops, so
their gradients, tangents and higher derivatives come from their parts.
"""
from __future__ import annotations

import builtins
import math
from typing import Any, Optional, Sequence, Union

import numpy as np

from .._tensor import Tensor
from .._tensor._core import apply
from ..ops import fractional_pool as FP
from ..ops import pool as P
from ..overrides import handle_torch_function, has_torch_function
from .parameter import Parameter

__all__ = ["fractional_max_pool2d", "fractional_max_pool3d", "fractional_max_pool2d_with_indices",
           "fractional_max_pool3d_with_indices"]

_PLAIN = (Tensor, Parameter)
_py_slice = builtins.slice  # (this module defines torch.ops.aten.slice)
_NAMES = {2: "fractional_max_pool2d", 3: "fractional_max_pool3d"}
_RULES = {2: FP.FractionalMaxPool2DBackward0, 3: FP.FractionalMaxPool3DBackward0}


def _tuple(value: Any, d: int, fn: str, name: str) -> tuple[Any, ...]:
    if isinstance(value, Tensor):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        t = tuple(value)
        if len(t) == 1:
            return t * d
        if len(t) != d:
            raise RuntimeError(f"{fn}(): {name} must either be a single int, or a tuple of {d} ints")
        return t
    return (value,) * d


# ============================================================================ fractional max pooling
def _fractional(d: int, input: Any, kernel_size: Any, output_size: Any, output_ratio: Any,
                samples: Optional[Tensor]) -> tuple[Tensor, Tensor]:
    fn = _NAMES[d]
    if not isinstance(input, Tensor):
        raise TypeError(f"{fn}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    a = input._data
    if output_size is None and output_ratio is None:
        raise ValueError(f"{fn} requires specifying either an output_size or an output_ratio")
    if a.ndim not in (d + 1, d + 2):
        raise RuntimeError(f"{fn}(): Expected {d + 1}D or {d + 2}D tensor, but got: {list(a.shape)}")
    if output_size is None:
        if d == 2 and not isinstance(output_ratio, (list, tuple)):
            raise TypeError(f"object of type '{type(output_ratio).__name__}' has no len()")  # (PyTorch's len() check)
        if d == 2 and len(output_ratio) > 2:
            raise ValueError("fractional_max_pool2d requires output_ratio to either be a single Int or tuple of Ints.")
        ratio = _tuple(output_ratio, d, fn, "output_ratio")
        output_size = [int(a.shape[a.ndim - d + i] * float(ratio[i])) for i in range(d)]
    K = tuple(int(k) for k in _tuple(kernel_size, d, fn, "kernel_size"))
    Y = tuple(int(y) for y in _tuple(output_size, d, fn, "output_size"))
    S = tuple(a.shape[a.ndim - d:])
    if a.dtype.kind != "f":
        raise RuntimeError(f"\"{fn}_out_frame\" not implemented for '{_type_name(a.dtype)}'")
    if any(s == 0 for s in a.shape[a.ndim - d - 1:]):
        raise RuntimeError(f"{fn}(): Expected input to have non-zero size for non-batch dimensions, but got "
                           f"input of size {list(a.shape)}")
    dims = ("time", "height", "width")[3 - d:]
    for name, k, y, s in zip(dims, K, Y, S):  # (PyTorch's 3-d check is strict, its 2-d one not)
        if y + k - 1 > s or (d == 3 and y + k - 1 == s):
            where = f"{fn}()" if d == 2 else f"{fn}_out()"
            raise RuntimeError(f"{where}: pool {name} {k} too large relative to input {name} {s}")
    batch = 1 if a.ndim == d + 1 else a.shape[0]
    channels = a.shape[-d - 1]
    if samples is None:
        from .._tensor.creation import rand
        samples = rand(batch, channels, d, dtype=input.dtype)
    elif not isinstance(samples, Tensor):
        raise TypeError(f"{fn}(): argument 'random_samples' (position 4) must be Tensor, not "
                        f"{type(samples).__name__}")
    u = samples._data
    if u.ndim != 3:
        raise RuntimeError(f"Expect _random_samples to have 3 dimensions, got {u.ndim}")
    if u.shape[0] < batch:
        raise RuntimeError("Expect _random_samples.size(0) no less then input batch size.")
    if u.shape[1] != channels:
        raise RuntimeError("Expect _random_samples.size(1) equals to input channel size.")
    if u.shape[2] != d:
        raise RuntimeError(f"Expect _random_samples.size(2) equals to {d}; got {u.shape[2]}.")
    if u.dtype != a.dtype:
        raise RuntimeError("Expect _random_samples to have the same dtype as input")
    u = np.ascontiguousarray(u[:batch].reshape(batch * channels, d))
    # PyTorch's samples run (width, height) in 2-d and (time, height, width) in 3-d
    order = u[:, ::-1] if d == 2 else u
    cand = FP.fractional_candidates(np.ascontiguousarray(order), S, Y, K)
    values, idx = apply(_RULES[d], input, (S, Y, cand))
    return values, idx


def _type_name(dt: np.dtype) -> str:
    return {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
            "complex64": "ComplexFloat", "complex128": "ComplexDouble", "float16": "Half"}.get(str(dt), str(dt))


def fractional_max_pool2d_with_indices(input: Tensor, kernel_size: Any, output_size: Any = None,
                                       output_ratio: Any = None, return_indices: bool = False,
                                       _random_samples: Optional[Tensor] = None) -> tuple[Tensor, Tensor]:
    """fractional_max_pool2d with its indices: (values, flat positions in H·W)."""
    if type(input) not in _PLAIN and has_torch_function((input, _random_samples)):
        return handle_torch_function(fractional_max_pool2d_with_indices, (input, _random_samples), input,
                                     kernel_size, output_size=output_size, output_ratio=output_ratio,
                                     return_indices=return_indices, _random_samples=_random_samples)
    return _fractional(2, input, kernel_size, output_size, output_ratio, _random_samples)


def fractional_max_pool2d(input: Tensor, kernel_size: Any, output_size: Any = None, output_ratio: Any = None,
                          return_indices: bool = False, _random_samples: Optional[Tensor] = None) -> Any:
    """fractional_max_pool2d(input, kernel_size, output_size=None, output_ratio=None,
    return_indices=False, _random_samples=None): fractional max pooling of input (N, C, H, W) or
    (C, H, W): the max over kernel_size windows placed pseudo-randomly so that the output has
    output_size (or input size · output_ratio, floored). _random_samples (N, C, 2) in [0, 1) fix
    the windows (drawn with torch.rand when None). return_indices: also each max's flat position."""
    values, idx = fractional_max_pool2d_with_indices(input, kernel_size, output_size, output_ratio, return_indices,
                                                     _random_samples)
    return (values, idx) if return_indices else values


def fractional_max_pool3d_with_indices(input: Tensor, kernel_size: Any, output_size: Any = None,
                                       output_ratio: Any = None, return_indices: bool = False,
                                       _random_samples: Optional[Tensor] = None) -> tuple[Tensor, Tensor]:
    """fractional_max_pool3d with its indices: (values, flat positions in T·H·W)."""
    if type(input) not in _PLAIN and has_torch_function((input, _random_samples)):
        return handle_torch_function(fractional_max_pool3d_with_indices, (input, _random_samples), input,
                                     kernel_size, output_size=output_size, output_ratio=output_ratio,
                                     return_indices=return_indices, _random_samples=_random_samples)
    return _fractional(3, input, kernel_size, output_size, output_ratio, _random_samples)


def fractional_max_pool3d(input: Tensor, kernel_size: Any, output_size: Any = None, output_ratio: Any = None,
                          return_indices: bool = False, _random_samples: Optional[Tensor] = None) -> Any:
    """fractional_max_pool3d(input, kernel_size, output_size=None, output_ratio=None,
    return_indices=False, _random_samples=None): fractional max pooling of input (N, C, T, H, W)
    or (C, T, H, W); _random_samples (N, C, 3). See fractional_max_pool2d."""
    values, idx = fractional_max_pool3d_with_indices(input, kernel_size, output_size, output_ratio, return_indices,
                                                     _random_samples)
    return (values, idx) if return_indices else values


def _aten_fractional_max_pool2d(input: Tensor, kernel_size: Any, output_size: Any,
                                random_samples: Tensor) -> tuple[Tensor, Tensor]:
    """torch.ops.aten.fractional_max_pool2d(input, kernel_size, output_size, random_samples) ->
    (values, indices)."""
    return _fractional(2, input, kernel_size, output_size, None, random_samples)


def _aten_fractional_max_pool3d(input: Tensor, kernel_size: Any, output_size: Any,
                                random_samples: Tensor) -> tuple[Tensor, Tensor]:
    """torch.ops.aten.fractional_max_pool3d(input, kernel_size, output_size, random_samples) ->
    (values, indices)."""
    return _fractional(3, input, kernel_size, output_size, None, random_samples)


# ============================================================================ antialiased bilinear resampling
def _area_scale(s: int, y: int, align_corners: bool, scale: Optional[float]) -> float:
    """PyTorch's area_pixel_compute_scale: input size per output size along one dim."""
    if align_corners:
        return (s - 1) / (y - 1) if y > 1 else 0.0
    if scale is not None and scale > 0:
        return 1.0 / float(scale)
    return s / y


_AA_RULE = P.upsample_rule("UpsampleBilinear2DAaBackward0")
_AA_PLANS: dict[tuple[Any, ...], Any] = {}


def _upsample_bilinear2d_aa(input: Tensor, output_size: Optional[Sequence[int]], align_corners: bool,
                            scale_factors: Optional[Sequence[float]] = None, *, scales_h: Optional[float] = None,
                            scales_w: Optional[float] = None) -> Tensor:
    """torch.ops.aten._upsample_bilinear2d_aa(input, output_size, align_corners, scale_factors)
    (or ..., scales_h=None, scales_w=None): bilinear resampling of input (N, C, H, W) with
    antialiasing (F.interpolate(mode='bilinear', antialias=True)): when downsampling, each output
    averages the inputs under a triangle filter widened by the scale."""
    if not isinstance(input, Tensor):
        raise TypeError(f"_upsample_bilinear2d_aa(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    a = input._data
    if a.ndim != 4:
        raise RuntimeError(f"It is expected input_size equals to 4, but got size {a.ndim}")
    S = (int(a.shape[2]), int(a.shape[3]))
    scales: list[Optional[float]]
    if output_size is not None:
        if scale_factors is not None:
            raise RuntimeError("Must specify exactly one of output_size and scale_factors")
        Y = tuple(int(v) for v in output_size)
        scales = [scales_h, scales_w]
    elif scale_factors is not None:
        factors = [float(v) for v in scale_factors]
        scales = list(factors)
        Y = tuple(int(math.floor(s * f)) for s, f in zip(S, factors))
    else:
        raise RuntimeError("Must specify exactly one of output_size and scale_factors")
    if len(Y) != 2:
        raise RuntimeError(f"It is expected output_size equals to 2, but got size {len(Y)}")
    if any(s <= 0 for s in S + Y):
        raise RuntimeError(f"Input and output sizes should be greater than 0, but got input (H: {S[0]}, W: {S[1]}) "
                           f"output (H: {Y[0]}, W: {Y[1]})")
    if a.dtype.kind != "f" and a.dtype != np.uint8:
        raise RuntimeError(f"\"upsample_bilinear2d_aa\" not implemented for '{_type_name(a.dtype)}'")
    key = (S, Y, bool(align_corners), tuple(scales), a.dtype == np.float64)
    op = _AA_PLANS.get(key)
    if op is None:
        wdt = np.float32 if a.dtype in (np.float32, np.float16) else np.float64
        mats = tuple(FP.antialias_matrix(s, y, bool(align_corners), _area_scale(s, y, bool(align_corners), sc), wdt)
                     for s, y, sc in zip(S, Y, scales))
        op = P.Separable(mats, _AA_RULE)
        if len(_AA_PLANS) > 256:
            _AA_PLANS.clear()
        _AA_PLANS[key] = op
    if a.dtype == np.uint8:
        out = a
        for axis, (s, y) in ((3, (S[1], Y[1])), (2, (S[0], Y[0]))):  # width first, as PyTorch's kernel
            if s != y:
                out = _fixed_point_pass(out, op.mats[axis - 2], axis)
        return _from_array(np.ascontiguousarray(out) if out is not a else a.copy())
    return apply(_AA_RULE, input, op)


def _fixed_point_pass(a: np.ndarray, m: np.ndarray, axis: int) -> np.ndarray:
    """One dim of PyTorch's uint8 antialiased resampling: the weights m (out, in) scaled to int16
    with as many fraction bits as the largest weight allows, the sums taken in integers with
    rounding, shifted back and saturated to 0..255 (each pass rounds to uint8)."""
    precision = 0
    while precision < 22 and int(0.5 + float(m.max()) * (1 << (precision + 1))) < (1 << 15):
        precision += 1
    scaled = m * (1 << precision)
    weights = np.trunc(np.where(scaled < 0, scaled - 0.5, scaled + 0.5)).astype(np.int64)
    moved = np.moveaxis(a.astype(np.int64), axis, -1)
    total = (1 << (precision - 1)) + moved @ weights.T
    return np.moveaxis(np.clip(total >> precision, 0, 255).astype(np.uint8), -1, axis)


def _from_array(arr: np.ndarray) -> Tensor:
    from .._tensor._core import _wrap_tensor
    return _wrap_tensor(arr)


# ============================================================================ ATen operators as composites
def _check_tensor(fn: str, name: str, position: int, value: Any) -> Tensor:
    if not isinstance(value, Tensor):
        raise TypeError(f"{fn}(): argument '{name}' (position {position}) must be Tensor, not {type(value).__name__}")
    return value


def slice(input: Tensor, dim: int = 0, start: Optional[int] = None, end: Optional[int] = None,  # noqa: A001
          step: int = 1) -> Tensor:
    """torch.ops.aten.slice(input, dim=0, start=None, end=None, step=1) -> Tensor: the view of
    input[..., start:end:step, ...] along dim (start and end clamped to the dim's size, as Python's
    slices are; step must be positive)."""
    _check_tensor("slice", "self", 1, input)
    nd = input.dim()
    if nd == 0:
        raise IndexError("slice() cannot be applied to a 0-dim tensor.")
    if not -nd <= dim < nd:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-nd}, {nd - 1}], but got {dim})")
    if step <= 0:
        raise RuntimeError("slice step must be positive")
    key: list[Any] = [_py_slice(None)] * nd
    key[dim % nd] = _py_slice(start, end, step)
    return input[tuple(key)]


def native_dropout_backward(grad_output: Tensor, mask: Tensor, scale: float) -> Tensor:
    """torch.ops.aten.native_dropout_backward(grad_output, mask, scale) -> Tensor: dropout's
    gradient, grad_output · mask · scale (scale = 1/(1-p))."""
    _check_tensor("native_dropout_backward", "grad_output", 1, grad_output)
    _check_tensor("native_dropout_backward", "mask", 2, mask)
    return grad_output * mask * scale


def max_pool2d_with_indices_backward(grad_output: Tensor, input: Tensor, kernel_size: Any, stride: Any,
                                     padding: Any, dilation: Any, ceil_mode: bool, indices: Tensor) -> Tensor:
    """torch.ops.aten.max_pool2d_with_indices_backward(grad_output, input, kernel_size, stride,
    padding, dilation, ceil_mode, indices) -> Tensor: max_pool2d's gradient, grad_output added
    into a zero tensor shaped like input at each window's argmax (indices, flat in H·W)."""
    _check_tensor("max_pool2d_with_indices_backward", "grad_output", 1, grad_output)
    _check_tensor("max_pool2d_with_indices_backward", "self", 2, input)
    _check_tensor("max_pool2d_with_indices_backward", "indices", 8, indices)
    if input.dim() not in (3, 4):
        raise RuntimeError(f"non-empty 3D or 4D (batch mode) tensor expected for input, but got {list(input.shape)}")
    if tuple(grad_output.shape) != tuple(indices.shape):
        raise RuntimeError(f"Expected grad_output and indices of the same size, but got {list(grad_output.shape)} "
                           f"and {list(indices.shape)}")
    S = tuple(input.shape[-2:])
    Y = tuple(indices.shape[-2:])
    op = P.PlaneScatter(np.asarray(indices._data, np.int64), S, Y)
    return apply(FP.MaxPool2DWithIndicesBackwardBackward0, grad_output, input, op)


def _softmax_backward_data(grad_output: Tensor, output: Tensor, dim: int, input_dtype: Any) -> Tensor:
    """_softmax_backward_data(grad_output, output, dim, input_dtype) -> Tensor: softmax's gradient
    from its output y: y · (g − Σ_dim g·y), in input_dtype."""
    _check_tensor("_softmax_backward_data", "grad_output", 1, grad_output)
    _check_tensor("_softmax_backward_data", "output", 2, output)
    if grad_output.dtype != input_dtype:  # (PyTorch's half-to-float form runs on CUDA only)
        raise RuntimeError(f"expected scalar type {_scalar_name(grad_output.dtype)} but found "
                           f"{_scalar_name(input_dtype)}")
    gy = grad_output * output
    result = gy - output * gy.sum(dim, keepdim=True)
    return result


def _scalar_name(dt: Any) -> str:
    return {"float16": "Half", "float32": "Float", "float64": "Double", "bfloat16": "BFloat16"}.get(
        str(dt).rsplit(".", 1)[-1], str(dt))


def _safe_softmax(input: Tensor, dim: int, dtype: Any = None) -> Tensor:
    """torch.ops.aten._safe_softmax(input, dim, dtype=None) -> Tensor: softmax along dim, except
    that a slice whose elements are all -inf gives zeros (not NaN), as masked attention wants."""
    _check_tensor("_safe_softmax", "self", 1, input)
    masked = (input == -math.inf).all(dim, keepdim=True)
    # (the fully masked slices are zeroed before softmax too, so that no NaN reaches the gradient)
    out = input.masked_fill(masked, 0).softmax(dim, dtype=dtype)
    return out.masked_fill(masked, 0.0)


def _chunk_cat(tensors: Sequence[Tensor], dim: int, num_chunks: int) -> Tensor:
    """torch._chunk_cat(tensors, dim, num_chunks) -> Tensor: each tensor split into num_chunks
    chunks along dim (zero-padded so they divide evenly), each chunk flattened past dim, and the
    chunks of all tensors concatenated: shape (*sizes before dim, num_chunks, total)."""
    if not isinstance(tensors, (list, tuple)):
        raise TypeError(f"_chunk_cat(): argument 'tensors' (position 1) must be tuple of Tensors, not "
                        f"{type(tensors).__name__}")
    if len(tensors) == 0:
        raise RuntimeError("_chunk_cat expects a non-empty input tensor list")
    for t in tensors:
        _check_tensor("_chunk_cat", "tensors", 1, t)
    if num_chunks < 1:
        raise RuntimeError("_chunk_cat expects positive num_chunks")
    ndims = {t.dim() for t in tensors}
    if dim < 0:
        if len(ndims) > 1:
            raise RuntimeError("_chunk_cat expects non-negative dim when input tensors have different ndims")
        dim += tensors[0].dim()
    if any(dim >= t.dim() or dim < 0 for t in tensors):
        raise RuntimeError("_chunk_cat expects dim < ndim for all input tensors")
    lead = tuple(tensors[0].shape[:dim])
    for t in tensors:
        if t.numel() == 0:
            raise RuntimeError("_chunk_cat expects non-empty tensor")
        if tuple(t.shape[:dim]) != lead:
            raise RuntimeError("_chunk_cat expects same sizes of 0,...,dim-1 dimensions for all tensors")
        if t.dtype != tensors[0].dtype:
            raise RuntimeError("_chunk_cat expects all input tensors with the same dtype")
    from .._tensor._shape import cat
    parts = []
    for t in tensors:
        size = t.shape[dim]
        padded = -(-size // num_chunks) * num_chunks
        if padded != size:  # zeros after the last chunk's elements
            shape = list(t.shape)
            shape[dim] = padded - size
            t = cat([t, t.new_zeros(tuple(shape))], dim)
        parts.append(t.reshape(lead + (num_chunks, -1)))
    return cat(parts, dim + 1)


def _clamped(indices: Sequence[Optional[Tensor]], shape: tuple[int, ...]) -> list[Optional[Tensor]]:
    out: list[Optional[Tensor]] = []
    for i, index in enumerate(indices):
        out.append(None if index is None else index.clamp(-shape[i], shape[i] - 1))
    return out


def _unsafe_masked_index(input: Tensor, mask: Tensor, indices: Sequence[Optional[Tensor]], fill: Any) -> Tensor:
    """torch._unsafe_masked_index(input, mask, indices, fill) -> Tensor: input[indices] where mask
    is True and fill elsewhere (indices under a False mask may be out of range: they are clamped,
    never read)."""
    _check_tensor("_unsafe_masked_index", "self", 1, input)
    _check_tensor("_unsafe_masked_index", "mask", 2, mask)
    from .._tensor._core import where
    picked = input[tuple(_clamped(indices, tuple(input.shape)))]
    return where(mask, picked, fill)


def _unsafe_masked_index_put_accumulate(input: Tensor, mask: Tensor, indices: Sequence[Optional[Tensor]],
                                        values: Tensor) -> Tensor:
    """torch._unsafe_masked_index_put_accumulate(input, mask, indices, values) -> Tensor: a copy of
    input with values added at indices where mask is True (the masked-off ones add nothing)."""
    _check_tensor("_unsafe_masked_index_put_accumulate", "self", 1, input)
    _check_tensor("_unsafe_masked_index_put_accumulate", "mask", 2, mask)
    _check_tensor("_unsafe_masked_index_put_accumulate", "values", 4, values)
    masked = values.masked_fill(mask.logical_not(), 0)
    return input.index_put(tuple(_clamped(indices, tuple(input.shape))), masked, accumulate=True)


def _batch_norm_with_update(input: Tensor, weight: Optional[Tensor], bias: Optional[Tensor], running_mean: Tensor,
                            running_var: Tensor, momentum: float, eps: float) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """torch.ops.aten._batch_norm_with_update(input, weight, bias, running_mean, running_var,
    momentum, eps) -> (out, save_mean, save_invstd, reserve): training-mode batch norm that updates
    the running statistics in place; reserve is an empty uint8 tensor (a cuDNN workspace there)."""
    from ._functional_norm import native_batch_norm
    out, mean, invstd = native_batch_norm(input, weight, bias, running_mean, running_var, True, momentum, eps)
    from .._tensor.creation import empty
    from .._dtype import uint8
    return out, mean, invstd, empty(0, dtype=uint8)


_SEGMENT_REDUCTIONS = ("sum", "mean", "max", "min", "prod")


def _segment_reduce(data: Tensor, reduce: str, *, lengths: Optional[Tensor] = None, indices: Optional[Tensor] = None,
                    offsets: Optional[Tensor] = None, axis: int = 0, unsafe: bool = False,
                    initial: Union[int, float, None] = None) -> Tensor:
    """segment_reduce(data, reduce, *, lengths=None, indices=None, offsets=None, axis=0,
    unsafe=False, initial=None) -> Tensor: reduce ('sum', 'mean', 'max', 'min', 'prod') each
    segment of data along axis, the segments given by their lengths or by offsets (one more than
    segments). An empty segment gives `initial` (else 0, 1, -inf, inf or nan); with `initial`, it
    takes part in every segment's reduction (mean: added to the sum)."""
    _check_tensor("segment_reduce", "data", 1, data)
    if not isinstance(reduce, str):
        raise TypeError(f"segment_reduce(): argument 'reduce' (position 2) must be str, not {type(reduce).__name__}")
    for name, value in (("lengths", lengths), ("indices", indices), ("offsets", offsets)):
        if value is not None and not isinstance(value, Tensor):
            raise TypeError(f"segment_reduce(): argument '{name}' must be Tensor, not {type(value).__name__}")
    if reduce not in _SEGMENT_REDUCTIONS:
        raise RuntimeError(f"reduce argument must be either sum, max, min, mean or prod, not {reduce}")
    if indices is not None:
        raise RuntimeError("segment_reduce(): indices based reduction is not supported yet.")
    if lengths is None and offsets is None:
        raise RuntimeError("segment_reduce(): Either lengths or offsets must be defined")
    nd = data.dim()
    axis = axis + nd if axis < 0 else axis
    if not 0 <= axis < nd:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-nd}, {nd - 1}], but got {axis})")
    if lengths is not None:
        bounds = np.asarray(lengths._data, np.int64)
        if not unsafe and (bounds < 0).any():
            raise RuntimeError("lengths contains negative value!")
        if not unsafe and (bounds.sum(-1) != data.shape[axis]).any():
            raise RuntimeError("segment_reduce(): Expected all rows of lengths along axis to sum to data.size(lengths.dim()-1) "
                               "when !unsafe.")
        starts = np.concatenate([np.zeros(bounds.shape[:-1] + (1,), np.int64), np.cumsum(bounds, -1)], -1)
    else:
        starts = np.asarray(offsets._data, np.int64)  # type: ignore[union-attr]
    if starts.ndim - 1 != axis:
        raise RuntimeError(f"Expected lengths/offsets to have {axis + 1} dims (axis + 1), got {starts.ndim}")
    from .._tensor._shape import stack
    from .._tensor.creation import full
    lead = tuple(data.shape[:axis])
    trail = tuple(data.shape[axis + 1:])
    segments = starts.shape[-1] - 1
    empty_value = {"sum": 0.0, "prod": 1.0, "max": -math.inf, "min": math.inf, "mean": math.nan}[reduce] \
        if initial is None else float(initial)
    rows = []
    for pos in np.ndindex(*lead):
        row = data[pos] if pos else data
        outs = []
        for k in range(segments):
            lo, hi = int(starts[pos + (k,)]), int(starts[pos + (k + 1,)])
            if hi <= lo:
                outs.append(full(trail, empty_value, dtype=data.dtype))
                continue
            part = row[lo:hi]
            if reduce == "sum":
                v = part.sum(0)
                v = v if initial is None else v + initial
            elif reduce == "mean":
                v = part.sum(0) if initial is None else part.sum(0) + initial
                v = v / (hi - lo)
            elif reduce == "prod":
                v = part.prod(0)
                v = v if initial is None else v * initial
            elif reduce == "max":
                v = part.amax(0)
                v = v if initial is None else v.clamp_min(initial)
            else:
                v = part.amin(0)
                v = v if initial is None else v.clamp_max(initial)
            outs.append(v)
        rows.append(stack(outs, 0) if outs else data.new_zeros((0,) + trail))
    if not lead:
        return rows[0]
    return stack(rows, 0).reshape(lead + (segments,) + trail)

