"""torch.nn.functional's rearrangements and resampling: pixel_shuffle, pixel_unshuffle,
channel_shuffle, unfold, fold, interpolate (nearest, nearest-exact, linear, bilinear, bicubic,
trilinear, area), upsample, upsample_nearest, upsample_bilinear. Each is one linear rule of
ops/pool.py (its vjp the adjoint map), after PyTorch's checks."""
from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from .. import _args
from .._tensor import Tensor
from .._tensor._core import apply
from ..ops import conv as C
from ..ops import pool as P

__all__ = ["pixel_shuffle", "pixel_unshuffle", "channel_shuffle", "native_channel_shuffle", "unfold", "fold",
           "interpolate", "upsample", "upsample_nearest", "upsample_bilinear"]

_PLANS: dict[tuple[Any, ...], Any] = {}


def _cached(key: Any, make: Any) -> Any:
    plan = _PLANS.get(key)
    if plan is None:
        plan = make()
        if len(_PLANS) > 512:
            _PLANS.clear()
        _PLANS[key] = plan
    return plan


def _tensor(fn: str, input: Any) -> Tensor:
    if not isinstance(input, Tensor):
        raise TypeError(f"{fn}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    return input


# ============================================================================ rearrangements
def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """pixel_shuffle(input, upscale_factor) -> Tensor: (*, C·r², H, W) -> (*, C, H·r, W·r), each
    group of r² channels spread over an r x r block of pixels."""
    _tensor("pixel_shuffle", input)
    r = upscale_factor if type(upscale_factor) is int else _args.int_arg(upscale_factor, "pixel_shuffle",
                                                                          "upscale_factor", 2)
    shape = input._data.shape
    if len(shape) < 3:
        raise RuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but got input with "
                           f"{len(shape)} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    c, h, w = shape[-3:]
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
                           f"upscale_factor, but input.size(-3)={c} is not divisible by {r * r}")
    op = _cached(("ps", c, h, w, r), lambda: P.Rearrange((c, h, w), (c // (r * r), r, r, h, w), (0, 3, 1, 4, 2),
                                                         (c // (r * r), h * r, w * r), P.PixelShuffleBackward0))
    return apply(P.PixelShuffleBackward0, input, op)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """pixel_unshuffle(input, downscale_factor) -> Tensor: (*, C, H·r, W·r) -> (*, C·r², H, W),
    the inverse of pixel_shuffle."""
    _tensor("pixel_unshuffle", input)
    r = downscale_factor if type(downscale_factor) is int else _args.int_arg(downscale_factor, "pixel_unshuffle",
                                                                              "downscale_factor", 2)
    shape = input._data.shape
    if len(shape) < 3:
        raise RuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but got input with "
                           f"{len(shape)} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    c, h, w = shape[-3:]
    if h % r:
        raise RuntimeError(f"pixel_unshuffle expects height to be divisible by downscale_factor, but input.size(-2)="
                           f"{h} is not divisible by {r}")
    if w % r:
        raise RuntimeError(f"pixel_unshuffle expects width to be divisible by downscale_factor, but input.size(-1)="
                           f"{w} is not divisible by {r}")
    op = _cached(("pu", c, h, w, r), lambda: P.Rearrange((c, h, w), (c, h // r, r, w // r, r), (0, 2, 4, 1, 3),
                                                         (c * r * r, h // r, w // r), P.PixelUnshuffleBackward0))
    return apply(P.PixelUnshuffleBackward0, input, op)


def channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """channel_shuffle(input, groups) -> Tensor: input (N, C, *) with its channels, seen as
    (groups, C/groups), transposed (ShuffleNet's shuffle)."""
    _tensor("channel_shuffle", input)
    g = groups if type(groups) is int else _args.int_arg(groups, "channel_shuffle", "groups", 2)
    shape = input._data.shape
    if len(shape) < 3:
        raise RuntimeError(f"channel_shuffle expects input to have at least 3 dimensions, but got input with "
                           f"{len(shape)} dimension(s)")
    if g <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of groups:{g}")
    c = shape[1]
    if c % g:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels and {g} groups.")
    tail = tuple(shape[1:])
    rest = tail[1:]
    k = len(rest)
    op = _cached(("cs", tail, g), lambda: P.Rearrange(tail, (g, c // g) + rest, (1, 0) + tuple(range(2, 2 + k)), tail,
                                                      P.ChannelShuffleBackward0))
    return apply(P.ChannelShuffleBackward0, input, op)


native_channel_shuffle = channel_shuffle


# ============================================================================ unfold and fold
def _pair(fn: str, name: str, v: Any) -> tuple[int, int]:
    if isinstance(v, (tuple, list)):
        if len(v) == 1:
            return (int(v[0]), int(v[0]))
        if len(v) != 2:
            raise RuntimeError(f"{fn}(): argument '{name}' must be an int or a pair of ints, got {list(v)}")
        return (int(v[0]), int(v[1]))
    return (int(v), int(v))


def _window_args(fn: str, kernel_size: Any, dilation: Any, padding: Any, stride: Any) -> tuple[tuple[int, int], ...]:
    K, dil, pad, st = (_pair(fn, "kernel_size", kernel_size), _pair(fn, "dilation", dilation),
                       _pair(fn, "padding", padding), _pair(fn, "stride", stride))
    if any(k <= 0 for k in K):
        raise RuntimeError(f"kernel size should be greater than zero, but got kernel_height: {K[0]} kernel_width: {K[1]}")
    if any(s <= 0 for s in st):
        raise RuntimeError(f"stride should be greater than zero, but got stride_height: {st[0]} stride_width: {st[1]}")
    if any(d <= 0 for d in dil):
        raise RuntimeError(f"dilation should be greater than zero, but got dilation_height: {dil[0]} "
                           f"dilation_width: {dil[1]}")
    if any(p < 0 for p in pad):
        raise RuntimeError(f"padding should be non-negative, but got pad_height: {pad[0]} pad_width: {pad[1]}")
    return K, dil, pad, st


def unfold(input: Tensor, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1) -> Tensor:
    """unfold(input, kernel_size, dilation=1, padding=0, stride=1) -> Tensor: im2col: input
    (N, C, H, W) or (C, H, W) -> (N, C·kH·kW, L), one column per sliding window (L windows)."""
    _tensor("unfold", input)
    a = input._data
    if a.ndim not in (3, 4):
        raise NotImplementedError(f"Input Error: Only 3D or 4D input Tensors are supported (got {a.ndim}D)")
    K, dil, pad, st = _window_args("unfold", kernel_size, dilation, padding, stride)
    unbatched = a.ndim == 3
    if unbatched:
        input = input.unsqueeze(0)
        a = input._data
    if a.shape[1] == 0 or a.shape[2] == 0 or a.shape[3] == 0:
        raise RuntimeError(f"Expected non-empty 3D or 4D input tensor, but got input of size {list(a.shape)}")
    S = tuple(a.shape[2:])
    Y = tuple((s + 2 * p - d * (k - 1) - 1) // t + 1 for s, p, d, k, t in zip(S, pad, dil, K, st))
    if any(y < 1 for y in Y):
        raise RuntimeError(f"Given input with spatial size ({S[0]}, {S[1]}), kernel_size=({K[0]}, {K[1]}), dilation=("
                           f"{dil[0]}, {dil[1]}), padding=({pad[0]}, {pad[1]}), calculated shape of the array of sliding "
                           f"blocks as ({Y[0]}, {Y[1]}), but its components must be at least one.")
    op = _cached(("unfold", S, K, dil, pad, st), lambda: P.Unfold(C.ConvSpec("y", st, dil, pad, pad, 1, S, K, Y),
                                                                  P.Im2ColBackward0))
    out = apply(P.Im2ColBackward0, input, op)
    return out.squeeze(0) if unbatched else out


def fold(input: Tensor, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
         stride: Any = 1) -> Tensor:
    """fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor: col2im:
    input (N, C·kH·kW, L) or (C·kH·kW, L) -> (N, C, *output_size), each column added back onto its
    window (overlaps summed): the adjoint of unfold."""
    _tensor("fold", input)
    a = input._data
    if a.ndim not in (2, 3):
        raise NotImplementedError(f"Input Error: Only unbatched (2D) or batched (3D) input Tensors are supported "
                                  f"(got {a.ndim}D)")
    S = _pair("fold", "output_size", output_size)
    K, dil, pad, st = _window_args("fold", kernel_size, dilation, padding, stride)
    if any(s <= 0 for s in S):
        raise RuntimeError(f"Expected output spatial size to be positive, but got: output_size=({S[0]}, {S[1]}).")
    unbatched = a.ndim == 2
    if unbatched:
        input = input.unsqueeze(0)
        a = input._data
    kp = K[0] * K[1]
    if a.shape[1] % kp:
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the product of kernel_size, but "
                           f"got input.size(1)={a.shape[1]} and kernel_size=({K[0]}, {K[1]})")
    Y = tuple((s + 2 * p - d * (k - 1) - 1) // t + 1 for s, p, d, k, t in zip(S, pad, dil, K, st))
    if any(y < 1 for y in Y):
        raise RuntimeError(f"Given output_size=({S[0]}, {S[1]}), kernel_size=({K[0]}, {K[1]}), dilation=({dil[0]}, "
                           f"{dil[1]}), padding=({pad[0]}, {pad[1]}), stride=({st[0]}, {st[1]}), calculated shape of "
                           f"the array of sliding blocks as ({Y[0]}, {Y[1]}), but its components must be at least one.")
    if a.shape[2] != Y[0] * Y[1]:
        raise RuntimeError(f"Given output_size=({S[0]}, {S[1]}), kernel_size=({K[0]}, {K[1]}), dilation=({dil[0]}, "
                           f"{dil[1]}), padding=({pad[0]}, {pad[1]}), stride=({st[0]}, {st[1]}), expected size of "
                           f"input's dimension 2 to match the calculated number of sliding blocks {Y[0]} * {Y[1]} = "
                           f"{Y[0] * Y[1]}, but got input.size(2)={a.shape[2]}.")
    op = _cached(("fold", S, K, dil, pad, st), lambda: P.Fold(C.ConvSpec("y", st, dil, pad, pad, 1, S, K, Y),
                                                              P.Col2ImBackward0))
    out = apply(P.Col2ImBackward0, input, op)
    return out.squeeze(0) if unbatched else out


# ============================================================================ interpolate
_MODES = ("nearest", "linear", "bilinear", "bicubic", "trilinear", "area", "nearest-exact")
_MODE_DIMS = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}
_RULE_NAMES = {"nearest": "UpsampleNearest{d}DBackward0", "nearest-exact": "UpsampleNearestExact{d}DBackward0",
               "linear": "UpsampleLinear1DBackward0", "bilinear": "UpsampleBilinear2DBackward0",
               "bicubic": "UpsampleBicubic2DBackward0", "trilinear": "UpsampleTrilinear3DBackward0"}
_KERNEL_MODE = {"nearest": "nearest", "nearest-exact": "nearest-exact", "linear": "linear", "bilinear": "linear",
                "trilinear": "linear", "bicubic": "cubic"}


def interpolate(input: Tensor, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Tensor:
    """interpolate(input, size=None, scale_factor=None, mode='nearest', align_corners=None,
    recompute_scale_factor=None, antialias=False) -> Tensor: input (N, C, *spatial) resampled to
    `size` (or spatial · scale_factor, floored). mode: 'nearest', 'nearest-exact', 'linear' (3-D),
    'bilinear', 'bicubic' (4-D), 'trilinear' (5-D) or 'area' (adaptive average pooling);
    align_corners (linear modes): the corner pixels' centres line up."""
    _tensor("interpolate", input)
    a = input._data
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: "
                             "linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    dim = a.ndim - 2
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError("Input and output must have the same number of spatial dimensions, but got input "
                                 f"with spatial dimensions of {list(a.shape[2:])} and output size of {size}. Please "
                                 "provide input tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, "
                                 "...,oK) format.")
            sizes = [int(s) for s in size]
        else:
            sizes = [int(size)] * dim
        scales: list[Any] = [None] * dim
    elif scale_factor is not None:
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != dim:
                raise ValueError("Input and scale_factor must have the same number of spatial dimensions, but got "
                                 f"input with spatial dimensions of {list(a.shape[2:])} and scale_factor of shape "
                                 f"{scale_factor}. Please provide input tensor in (N, C, d1, d2, ...,dK) format and "
                                 "scale_factor in (s1, s2, ...,sK) format.")
            scales = [float(s) for s in scale_factor]
        else:
            scales = [float(scale_factor)] * dim
        sizes = [int(math.floor(float(a.shape[i + 2]) * scales[i])) for i in range(dim)]
        if recompute_scale_factor:
            scales = [None] * dim
    else:
        raise ValueError("either size or scale_factor should be defined")
    if antialias and not (mode in ("bilinear", "bicubic") and a.ndim == 4):
        raise ValueError("Anti-alias option is restricted to bilinear and bicubic modes and requires a 4-D tensor "
                         "as input")
    if antialias and mode == "bilinear":  # (issue 12, misc breadth round 3)
        from ._functional_misc import _upsample_bilinear2d_aa
        return _upsample_bilinear2d_aa(input, sizes, bool(align_corners), None, scales_h=scales[0],
                                       scales_w=scales[1])
    if antialias:
        raise NotImplementedError("interpolate(mode='bicubic', antialias=True) is not supported by torchless yet")
    if mode not in _MODES or a.ndim not in (3, 4, 5):
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {a.ndim}D) for the "
                                  f"modes: nearest | linear | bilinear | bicubic | trilinear | area | nearest-exact "
                                  f"(got {mode})")
    need = _MODE_DIMS.get(mode)
    if need is not None and need != dim:
        raise NotImplementedError(f"Got {a.ndim}D input, but {mode} mode needs {need + 2}D input")
    if mode == "area":
        from ._functional_pool import adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d
        pool = (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d)[dim - 1]
        return pool(input, tuple(sizes) if dim > 1 else sizes[0])
    if a.dtype.kind not in "f":
        raise NotImplementedError(f"\"upsample_{mode}{dim}d_out_frame\" not implemented for '{a.dtype}'")
    if any(s <= 0 for s in sizes):
        raise RuntimeError(f"Input and output sizes should be greater than 0, but got input ({', '.join(map(str, a.shape[2:]))}) "
                           f"and output ({', '.join(map(str, sizes))})")
    if a.shape[1] == 0 or any(s == 0 for s in a.shape[2:]):
        raise RuntimeError(f"Non-empty {a.ndim}D data tensor expected but got a tensor with sizes {list(a.shape)}")
    name = _RULE_NAMES[mode].format(d=dim)
    rule = P.upsample_rule(name)
    kernel = _KERNEL_MODE[mode]
    S = tuple(a.shape[2:])
    key = ("interp", name, S, tuple(sizes), tuple(scales), bool(align_corners), a.dtype)

    def make() -> Any:
        mats = tuple(P.interpolation_matrix(kernel, s, o, align_corners, sc, a.dtype if a.dtype != np.float16 else
                                            np.float32) for s, o, sc in zip(S, sizes, scales))
        return P.Separable(mats, rule)
    return apply(rule, input, _cached(key, make))


def upsample(input: Tensor, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
             align_corners: bool | None = None) -> Tensor:
    """upsample(...): the deprecated name of interpolate (same arguments, with PyTorch's warning)."""
    warnings.warn("nn.functional.upsample is deprecated. Use nn.functional.interpolate instead.", UserWarning,
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size: Any = None, scale_factor: Any = None) -> Tensor:
    """upsample_nearest(input, size=None, scale_factor=None): interpolate(mode='nearest') (deprecated)."""
    warnings.warn("nn.functional.upsample_nearest is deprecated. Use nn.functional.interpolate instead.",
                  UserWarning, stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size: Any = None, scale_factor: Any = None) -> Tensor:
    """upsample_bilinear(input, size=None, scale_factor=None): interpolate(mode='bilinear',
    align_corners=True) (deprecated)."""
    warnings.warn("nn.functional.upsample_bilinear is deprecated. Use nn.functional.interpolate instead.",
                  UserWarning, stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


_ = np
