"""torch.nn.functional's sampling at coordinates and sequence losses: grid_sample, affine_grid,
ctc_loss and linear_cross_entropy, with their torch-level forms (torch.grid_sampler,
torch.grid_sampler_2d/3d with ATen's integer mode codes, torch.affine_grid_generator,
torch.ctc_loss). The rules are in ops/sampling.py. linear_cross_entropy is linear followed by
cross_entropy, as PyTorch's reference path is: its checks are here, the function in functional.py
(which this module may not import)."""
from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._tensor import Tensor
from .._tensor._core import apply
from ..ops import sampling as S
from ..overrides import handle_torch_function, has_torch_function

__all__ = ["grid_sample", "affine_grid", "ctc_loss"]

_TYPE_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
               "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool", "complex64": "ComplexFloat",
               "complex128": "ComplexDouble"}
_MODES = {"bilinear": 0, "nearest": 1, "bicubic": 2}
_PADDINGS = {"zeros": 0, "border": 1, "reflection": 2}


def _type_name(t: Tensor) -> str:
    return _TYPE_NAMES.get(str(t._data.dtype), str(t._data.dtype))


def _tensor(fn: str, name: str, position: int, value: Any) -> Tensor:
    if not isinstance(value, Tensor):
        raise TypeError(f"{fn}(): argument '{name}' (position {position}) must be Tensor, not {type(value).__name__}")
    return value


# ============================================================================ grid_sample
def _grid_sampler_checks(input: Tensor, grid: Tensor, mode: int, dims: tuple[int, ...]) -> None:
    """ATen's checks of grid_sampler: `dims` the input dims allowed (4, 5 or both)."""
    x, g = input._data, grid._data
    sizes = f"input with sizes {list(x.shape)} and grid with sizes {list(g.shape)}"
    if x.ndim not in dims or g.ndim != x.ndim:
        if dims == (4, 5):
            raise RuntimeError(f"grid_sampler(): expected {g.ndim - 1 if g.ndim > 0 else 0}D input and grid with same "
                               f"number of dimensions, but got {sizes}")
        raise RuntimeError(f"grid_sampler(): expected {dims[0]}D input and grid with same number of dimensions, but "
                           f"got {sizes}")
    if x.shape[0] != g.shape[0]:
        raise RuntimeError(f"grid_sampler(): expected grid and input to have same batch size, but got {sizes}")
    if g.shape[-1] != x.ndim - 2:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {x.ndim - 2} in last dimension, but got grid "
                           f"with sizes {list(g.shape)}")
    for i in range(2, x.ndim):
        if x.shape[i] == 0:
            raise RuntimeError(f"grid_sampler(): expected input to have non-empty spatial dimensions, but input has "
                               f"sizes {list(x.shape)} with dimension {i} being empty")
    if mode == 2 and x.ndim == 5:
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    if mode not in (0, 1, 2):
        raise RuntimeError(f"grid_sampler(): expected interpolation mode 0 (bilinear), 1 (nearest) or 2 (bicubic), "
                           f"but got {mode}")
    if x.dtype != g.dtype:
        raise RuntimeError(f"expected scalar type {_type_name(input)} but found {_type_name(grid)}")
    if x.dtype.kind != "f":
        kernel = "grid_sampler_2d_cpu_kernel_impl" if x.ndim == 4 else "grid_sampler_3d_cpu"
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{_type_name(input)}' (grid_sample needs "
                                  "floating point input and grid; convert them first, e.g. x.float())")


def _grid_sampler(fn: str, input: Any, grid: Any, interpolation_mode: int, padding_mode: int, align_corners: bool,
                  dims: tuple[int, ...]) -> Tensor:
    if (type(input) is not Tensor or type(grid) is not Tensor) and has_torch_function((input, grid)):
        return handle_torch_function(getattr(_TORCH_LEVEL, fn), (input, grid), input, grid, interpolation_mode,
                                     padding_mode, align_corners)
    _tensor(fn, "input", 1, input)
    _tensor(fn, "grid", 2, grid)
    for name, value, position in (("interpolation_mode", interpolation_mode, 3), ("padding_mode", padding_mode, 4)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"{fn}(): argument '{name}' (position {position}) must be int, not {type(value).__name__}")
    if not isinstance(align_corners, (bool, np.bool_)):
        raise TypeError(f"{fn}(): argument 'align_corners' (position 5) must be bool, not "
                        f"{type(align_corners).__name__}")
    _grid_sampler_checks(input, grid, int(interpolation_mode), dims)
    rule = S.GridSampler2DBackward0 if input._data.ndim == 4 else S.GridSampler3DBackward0
    return apply(rule, input, grid, int(interpolation_mode), int(padding_mode), bool(align_corners))


def grid_sampler(input: Tensor, grid: Tensor, interpolation_mode: int, padding_mode: int,
                 align_corners: bool) -> Tensor:
    """torch.grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners) -> Tensor:
    grid_sample with ATen's integer codes (mode 0 bilinear, 1 nearest, 2 bicubic; padding 0 zeros,
    1 border, 2 reflection), for 4-D or 5-D input."""
    return _grid_sampler("grid_sampler", input, grid, interpolation_mode, padding_mode, align_corners, (4, 5))


def grid_sampler_2d(input: Tensor, grid: Tensor, interpolation_mode: int, padding_mode: int,
                    align_corners: bool) -> Tensor:
    """torch.grid_sampler_2d(input, grid, interpolation_mode, padding_mode, align_corners) -> Tensor:
    grid_sample of a 4-D input (N, C, H, W) at a grid (N, H_out, W_out, 2), ATen's integer codes."""
    return _grid_sampler("grid_sampler_2d", input, grid, interpolation_mode, padding_mode, align_corners, (4,))


def grid_sampler_3d(input: Tensor, grid: Tensor, interpolation_mode: int, padding_mode: int,
                    align_corners: bool) -> Tensor:
    """torch.grid_sampler_3d(input, grid, interpolation_mode, padding_mode, align_corners) -> Tensor:
    grid_sample of a 5-D input (N, C, D, H, W) at a grid (N, D_out, H_out, W_out, 3), ATen's codes."""
    return _grid_sampler("grid_sampler_3d", input, grid, interpolation_mode, padding_mode, align_corners, (5,))


def grid_sample(input: Tensor, grid: Tensor, mode: str = "bilinear", padding_mode: str = "zeros",
                align_corners: bool | None = None) -> Tensor:
    """grid_sample(input, grid, mode='bilinear', padding_mode='zeros', align_corners=None) -> Tensor.

    input (N, C, H_in, W_in) or (N, C, D_in, H_in, W_in) read at the points of grid
    (N, H_out, W_out, 2) or (N, D_out, H_out, W_out, 3): normalized coordinates, (-1, -1) the
    top-left of the input and (1, 1) its bottom-right, x (along W) first. The result is
    (N, C, H_out, W_out) or (N, C, D_out, H_out, W_out).

    mode: 'bilinear' (trilinear for 5-D), 'nearest' or 'bicubic' (4-D only). padding_mode: what
    points outside the input read: 'zeros', 'border' (the nearest edge value) or 'reflection' (the
    input mirrored at its edges). align_corners: True puts -1 and 1 at the centres of the corner
    pixels, False (the default) at their outer edges. Differentiable in input and grid."""
    if (type(input) is not Tensor or type(grid) is not Tensor) and has_torch_function((input, grid)):
        return handle_torch_function(grid_sample, (input, grid), input, grid, mode=mode, padding_mode=padding_mode,
                                     align_corners=align_corners)
    if mode not in _MODES:
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', but "
                         f"got: '{mode}'")
    if padding_mode not in _PADDINGS:
        raise ValueError("nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: '{padding_mode}'")
    if align_corners is None:
        warnings.warn("Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0. "
                      "Please specify align_corners=True if the old behavior is desired. See the documentation of "
                      "grid_sample for details.", UserWarning, stacklevel=2)
        align_corners = False
    return _grid_sampler("grid_sampler", input, grid, _MODES[mode], _PADDINGS[padding_mode], bool(align_corners),
                         (4, 5))


# ============================================================================ affine_grid
def affine_grid_generator(theta: Tensor, size: Sequence[int], align_corners: bool) -> Tensor:
    """torch.affine_grid_generator(theta, size, align_corners) -> Tensor: affine_grid without
    its argument checks."""
    if type(theta) is not Tensor and has_torch_function((theta,)):
        return handle_torch_function(affine_grid_generator, (theta,), theta, size, align_corners)
    _tensor("affine_grid_generator", "theta", 1, theta)
    size = tuple(int(s) for s in size)
    th = theta._data
    d = len(size) - 2
    if d not in (2, 3):
        raise RuntimeError(f"AffineGridGenerator needs 4d (spatial) or 5d (volumetric) inputs, got size {list(size)}")
    if th.ndim != 3 or th.shape[0] != size[0] or th.shape[1:] != (d, d + 1):
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{size[0]}, {d + 1}] but "
                           f"got: [{th.shape[0] if th.ndim else 0}, {th.shape[2] if th.ndim > 2 else 0}].")
    return apply(S.AffineGridGeneratorBackward0, theta, size, bool(align_corners))


def affine_grid(theta: Tensor, size: Sequence[int], align_corners: bool | None = None) -> Tensor:
    """affine_grid(theta, size, align_corners=None) -> Tensor: the sampling grid of a batch of
    affine maps, for grid_sample.

    theta: (N, 2, 3) for 2-D (size (N, C, H, W); the result is (N, H, W, 2)) or (N, 3, 4) for 3-D
    (size (N, C, D, H, W); the result is (N, D, H, W, 3)): each output point is theta applied to
    the normalized coordinates (x, y[, z], 1) of an output pixel. align_corners as in grid_sample.
    Differentiable in theta."""
    if type(theta) is not Tensor and has_torch_function((theta,)):
        return handle_torch_function(affine_grid, (theta,), theta, size, align_corners=align_corners)
    _tensor("affine_grid", "theta", 1, theta)
    if align_corners is None:
        warnings.warn("Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0. "
                      "Please specify align_corners=True if the old behavior is desired. See the documentation of "
                      "grid_sample for details.", UserWarning, stacklevel=2)
        align_corners = False
    th = theta._data
    if th.dtype.kind != "f":
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    size = tuple(size)
    spatial: tuple[int, ...]
    if len(size) == 4:
        if th.ndim != 3 or th.shape[-2:] != (2, 3):
            raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size {size}. Got "
                             f"{theta.shape}.")
        spatial = size[-2:]
    elif len(size) == 5:
        if th.ndim != 3 or th.shape[-2:] != (3, 4):
            raise ValueError(f"Expected a batch of 3D affine matrices of shape Nx3x4 for size {size}. Got "
                             f"{theta.shape}.")
        spatial = size[-3:]
    else:
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
                                  f"respectively. Got size {size}.")
    if align_corners and min(spatial) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size grids when "
                      "align_corners=True. This is not an intended use case of affine_grid. See the documentation "
                      "of affine_grid for details.", UserWarning, stacklevel=2)
    elif min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    return affine_grid_generator(theta, size, bool(align_corners))


# ============================================================================ ctc_loss
_REDUCTION_CODES = {"none": 0, "mean": 1, "sum": 2}


def _lengths(fn: str, name: str, position: int, value: Any) -> np.ndarray:
    """input_lengths / target_lengths as an int64 array: a Tensor of integers, or a sequence of ints."""
    if isinstance(value, Tensor):
        return np.asarray(value._data).reshape(-1).astype(np.int64)
    if isinstance(value, (list, tuple)) and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                                                for v in value):
        return np.asarray(value, np.int64).reshape(-1)
    raise TypeError(f"{fn}(): argument '{name}' (position {position}) must be tuple of ints or Tensor, not "
                    f"{type(value).__name__}")


def _ctc_nll(log_probs: Tensor, targets: Tensor, input_lengths: Any, target_lengths: Any, blank: int,
             zero_infinity: bool, fn: str) -> tuple[Tensor, np.ndarray, bool]:
    """The per-sample losses (N,) (after zero_infinity), the target lengths, and whether the input was unbatched."""
    _tensor(fn, "log_probs", 1, log_probs)
    _tensor(fn, "targets", 2, targets)
    if isinstance(input_lengths, Tensor) != isinstance(target_lengths, Tensor):
        raise TypeError(f"{fn}(): input_lengths and target_lengths must both be Tensors or both be tuples of ints, "
                        f"got {type(input_lengths).__name__} and {type(target_lengths).__name__}")
    in_lens = _lengths(fn, "input_lengths", 3, input_lengths)
    tgt_lens = _lengths(fn, "target_lengths", 4, target_lengths)
    lp = log_probs._data
    if lp.dtype.kind != "f":
        raise NotImplementedError(f"\"ctc_loss_cpu\" not implemented for '{_type_name(log_probs)}' (ctc_loss needs "
                                  "floating point log-probabilities, e.g. x.log_softmax(2))")
    if lp.ndim not in (2, 3):
        raise RuntimeError(f"ctc_loss expects log_probs of 2 (unbatched) or 3 dimensions, got {lp.ndim}")
    if lp.size == 0:
        raise RuntimeError("log_probs tensor must not be empty")
    unbatched = lp.ndim == 2
    tg = np.asarray(targets._data)
    if unbatched:
        log_probs = log_probs.unsqueeze(1)
        if tg.ndim == 1:
            tg = tg[None, :]
    T, N, C = log_probs.shape
    if blank < 0 or blank >= C:
        raise RuntimeError("blank must be in label range")
    if in_lens.shape[0] != N:
        raise RuntimeError("input_lengths must be of size batch_size")
    if tgt_lens.shape[0] != N:
        raise RuntimeError("target_lengths must be of size batch_size")
    for name, lens in (("input_lengths", in_lens), ("target_lengths", tgt_lens)):
        if lens.size and lens.min() < 0:
            raise RuntimeError(f"Expected {name} to have value at least 0, but got value {int(lens.min())} (while "
                               "checking arguments for ctc_loss_allocate_outputs)")
    if in_lens.size and in_lens.max() > T:
        raise RuntimeError(f"Expected input_lengths to have value at most {T}, but got value {int(in_lens.max())} "
                           "(while checking arguments for ctc_loss_allocate_outputs)")
    smax = int(tgt_lens.max()) if tgt_lens.size else 0
    tg = tg.astype(np.int64)
    if tg.ndim == 1:  # the targets of every sample, concatenated
        total = int(tgt_lens.sum())
        if tg.shape[0] != total:
            raise RuntimeError(f"Expected tensor to have size {total} at dimension 0, but got size {tg.shape[0]} for "
                               "argument #2 'targets' (while checking arguments for ctc_loss_allocate_outputs)")
        padded = np.full((N, smax), blank, np.int64)
        starts = np.concatenate([[0], np.cumsum(tgt_lens)[:-1]]).astype(np.int64)
        for n in range(N):
            padded[n, :tgt_lens[n]] = tg[starts[n]:starts[n] + tgt_lens[n]]
        tg = padded
    else:
        if tg.shape[1] < smax:
            raise RuntimeError(f"Expected tensor to have size at least {smax} at dimension 1, but got size "
                               f"{tg.shape[1]} for argument #2 'targets' (while checking arguments for "
                               "ctc_loss_allocate_outputs)")
        tg = tg[:, :smax]
    res = apply(S.CtcLossBackward0, log_probs, tg, in_lens, tgt_lens, int(blank), bool(zero_infinity))
    if unbatched:
        res = res.squeeze(0)
    if zero_infinity:
        from .._tensor._core import where
        res = where(res == math.inf, 0.0, res)
    return res, tgt_lens, unbatched


def _ctc_reduce(res: Tensor, tgt_lens: np.ndarray, reduction: str) -> Tensor:
    if reduction == "mean":
        from .._tensor.creation import as_tensor
        divisor = as_tensor(np.maximum(tgt_lens, 1).reshape(res.shape).astype(res._data.dtype))
        return (res / divisor).mean()
    if reduction == "sum":
        return res.sum()
    return res


def ctc_loss(log_probs: Tensor, targets: Tensor, input_lengths: Any, target_lengths: Any, blank: int = 0,
             reduction: str = "mean", zero_infinity: bool = False) -> Tensor:
    """ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction='mean',
    zero_infinity=False) -> Tensor: the Connectionist Temporal Classification loss.

    log_probs: (T, N, C) or unbatched (T, C) log-probabilities of C classes per frame (e.g. from
    log_softmax); targets: (N, S) padded label sequences, or all of them concatenated (1-D); the
    lengths: a Tensor or tuple of ints each, one per sample. The loss of a sample is -log of the
    total probability of every alignment of its target (labels in order, repeats merged, `blank`
    anywhere between) to its input frames. reduction: 'none' (one loss per sample), 'mean' (each
    divided by its target length, then the batch mean) or 'sum'. zero_infinity: infinite losses
    (inputs too short for their targets) and their gradients become 0.

    The gradient wrt log_probs follows PyTorch's convention: it is the gradient through a
    log_softmax that produced them (see ops/sampling.py)."""
    tensors = tuple(t for t in (log_probs, targets, input_lengths, target_lengths) if isinstance(t, Tensor))
    if any(type(t) is not Tensor for t in tensors) and has_torch_function(tensors):
        return handle_torch_function(ctc_loss, tensors, log_probs, targets, input_lengths, target_lengths,
                                     blank=blank, reduction=reduction, zero_infinity=zero_infinity)
    if reduction not in _REDUCTION_CODES:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    res, tgt_lens, _ = _ctc_nll(log_probs, targets, input_lengths, target_lengths, blank, zero_infinity, "ctc_loss")
    return _ctc_reduce(res, tgt_lens, reduction)


def _torch_ctc_loss(log_probs: Tensor, targets: Tensor, input_lengths: Any, target_lengths: Any, blank: int = 0,
                    reduction: int = 1, zero_infinity: bool = False) -> Tensor:
    """torch.ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction=1,
    zero_infinity=False) -> Tensor: ctc_loss with ATen's reduction code (0 none, 1 mean, 2 sum)."""
    names = ("none", "mean", "sum")
    if isinstance(reduction, bool) or not isinstance(reduction, (int, np.integer)) or not 0 <= reduction <= 2:
        raise TypeError(f"ctc_loss(): argument 'reduction' (position 6) must be int 0 (none), 1 (mean) or 2 (sum), "
                        f"not {reduction!r}")
    return ctc_loss(log_probs, targets, input_lengths, target_lengths, blank, names[int(reduction)], zero_infinity)


# ============================================================================ linear_cross_entropy
def linear_cross_entropy_arguments(input: Any, linear_weight: Any, target: Any, linear_bias: Any,
                                   ignore_index: int | None) -> tuple[Tensor, Tensor | None, tuple[int, ...], int]:
    """PyTorch's checks of linear_cross_entropy's arguments; the weight and bias as linear takes them
    (a K-dimensional weight flattened to (C·d1···dK, in)), the logits' shape and the ignore_index."""
    _tensor("linear_cross_entropy", "input", 1, input)
    _tensor("linear_cross_entropy", "linear_weight", 2, linear_weight)
    _tensor("linear_cross_entropy", "target", 3, target)
    if input.dim() < 1 or input.dim() > 2:
        raise RuntimeError(f"expected input with dimensionality 1 or 2, got {input.dim()}")
    if linear_weight.dim() < 2:
        raise RuntimeError(f"expected linear_weight with dimensionality at least 2, got {linear_weight.dim()}")
    batches = tuple(input.shape[:-1])
    in_features = input.shape[-1]
    if in_features != linear_weight.shape[-1]:
        raise RuntimeError("expected equal input and linear_weight last dimensions (in_features), "
                           f"got {input.shape[-1]} and {linear_weight.shape[-1]}, respectively")
    classes = linear_weight.shape[0]
    out_features = tuple(linear_weight.shape[1:-1])
    if linear_bias is not None and tuple(linear_bias.shape) != (classes, *out_features):
        raise RuntimeError(f"expected linear_bias shape {(classes, *out_features)}, got {tuple(linear_bias.shape)}")
    if out_features and not batches:
        raise RuntimeError(f"K-dimensional loss defined by linear_weight shape {tuple(linear_weight.shape)} requires"
                           f" batched input, (N, {in_features}), got unbatched input with shape {tuple(input.shape)}")
    logits_shape = (*batches, classes, *out_features)
    if tuple(target.shape) == logits_shape and ignore_index is not None:
        raise RuntimeError("ignore_index cannot be specified when target contains probabilities")
    if out_features:
        linear_weight = linear_weight.reshape((math.prod(out_features, start=classes), in_features))
        if linear_bias is not None:
            linear_bias = linear_bias.reshape(math.prod(out_features, start=classes))
    return linear_weight, linear_bias, logits_shape, -100 if ignore_index is None else int(ignore_index)


class _TorchLevel:
    """The torch-level functions, looked up by name for __torch_function__."""
    grid_sampler = staticmethod(grid_sampler)
    grid_sampler_2d = staticmethod(grid_sampler_2d)
    grid_sampler_3d = staticmethod(grid_sampler_3d)


_TORCH_LEVEL = _TorchLevel
