"""torch.nn.functional's pooling: max_pool, avg_pool, adaptive_avg_pool, adaptive_max_pool (1d, 2d,
3d), lp_pool1d/2d and max_unpool1d/2d/3d: PyTorch's argument checks, then one rule of ops/pool.py.
The 1-d forms run the 2-d rule on a size-1 height, as PyTorch's do (their grad_fn is a squeeze).
A plan (the windows, the divisors) depends on shapes and arguments only and is cached."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import _args
from .._tensor import Tensor
from .._tensor._core import apply
from ..ops import pool as P
from ..overrides import handle_torch_function, has_torch_function
from .parameter import Parameter

__all__ = ["max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d",
           "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d", "adaptive_max_pool1d",
           "adaptive_max_pool2d", "adaptive_max_pool3d", "max_pool1d_with_indices", "max_pool2d_with_indices",
           "max_pool3d_with_indices", "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices",
           "adaptive_max_pool3d_with_indices", "lp_pool1d", "lp_pool2d", "lp_pool3d", "max_unpool1d",
           "max_unpool2d", "max_unpool3d"]

_PLAIN = (Tensor, Parameter)
_PLANS: dict[tuple[Any, ...], Any] = {}
_TYPE_NAMES = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
               "float16": "Half", "complex64": "ComplexFloat", "complex128": "ComplexDouble"}


def _cached(key: Any, make: Any) -> Any:
    try:
        plan = _PLANS.get(key)
    except TypeError:
        return make()
    if plan is None:
        plan = make()
        if len(_PLANS) > 512:
            _PLANS.clear()
        _PLANS[key] = plan
    return plan


def _hashable(v: Any) -> Any:
    return tuple(v) if isinstance(v, list) else v


_POOL_POSITIONS = {"kernel_size": 2, "stride": 3, "padding": 4, "dilation": 5}  # (in PyTorch's messages)


def _ints(fn: str, name: str, value: Any, d: int, what: str = "") -> tuple[int, ...]:
    if isinstance(value, Tensor):
        value = value.tolist()
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return (int(value),) * d
    if not isinstance(value, (tuple, list)):
        raise TypeError(f"{fn}(): argument '{name}' must be tuple of ints, not {type(value).__name__}")
    t = _args.int_list_arg(value, fn, name, _POOL_POSITIONS.get(name))
    if len(t) == 1:
        return t * d
    if len(t) != d:
        many = {2: "two", 3: "three"}.get(d, str(d))
        raise RuntimeError(f"{fn}: {name} must either be a single int, or a tuple of {many} ints" + what)
    return t


def _input(fn: str, input: Any) -> Tensor:
    if not isinstance(input, Tensor):
        raise TypeError(f"{fn}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    return input


def _out_size(s: int, k: int, p: int, st: int, dl: int, ceil: bool) -> int:
    num = s + 2 * p - dl * (k - 1) - 1 + (st - 1 if ceil else 0)
    out = num // st + 1
    if ceil and (out - 1) * st >= s + p:
        out -= 1
    return out


def _window_plan(fn: str, d: int, shape: tuple[int, ...], kernel_size: Any, stride: Any, padding: Any,
                 dilation: Any, ceil_mode: bool) -> tuple[tuple[int, ...], ...]:
    """PyTorch's checks of a pooling call; (K, stride, padding, dilation, S, Y)."""
    K = _ints(fn, "kernel_size", kernel_size, d)
    st = K if stride is None or (isinstance(stride, (list, tuple)) and len(stride) == 0) else \
        _ints(fn, "stride", stride, d, " or empty list" if False else "")
    pad = _ints(fn, "padding", padding, d)
    dil = _ints(fn, "dilation", dilation, d)
    if any(k <= 0 for k in K):
        raise RuntimeError("kernel size should be greater than zero, but got " +
                           " ".join(f"k{n}: {v}" for n, v in zip("TDHW"[-d:] if d < 3 else "THW", K)))
    if any(s <= 0 for s in st):
        raise RuntimeError("stride should not be zero")
    if any(v <= 0 for v in dil):
        names = ("dilationT", "dilationH", "dilationW")[3 - d:]
        raise RuntimeError("dilation should be greater than zero, but got " +
                           " ".join(f"{n}: {v}" for n, v in zip(names, dil)))
    for p, k, dl in zip(pad, K, dil):
        if p < 0:
            raise RuntimeError(f"pad must be non-negative, but got pad: {p}")
        if p > ((k - 1) * dl + 1) // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={p}, kernel_size={k}"
                               f" and dilation={dl}")
    if len(shape) not in (d + 1, d + 2) or any(n == 0 for n in shape[-d - 1:]) and len(shape) == d + 1 or \
            (len(shape) == d + 2 and any(n == 0 for n in shape[1:])):
        raise RuntimeError(f"Expected {d + 1}D or {d + 2}D (batch mode) tensor with optional 0 dim batch size for "
                           f"input, but got: {list(shape)}")
    S = tuple(shape[-d:])
    Y = tuple(_out_size(s, k, p, stv, dl, ceil_mode) for s, k, p, stv, dl in zip(S, K, pad, st, dil))
    if any(y < 1 for y in Y):
        c = shape[-d - 1]
        raise RuntimeError(f"Given input size: ({'x'.join(str(v) for v in (c,) + S)}). Calculated output size: "
                           f"({'x'.join(str(v) for v in (c,) + Y)}). Output size is too small")
    return K, st, pad, dil, S, Y


# ============================================================================ max pools
_MAX_RULES = {2: P.MaxPool2DWithIndicesBackward0, 3: P.MaxPool3DWithIndicesBackward0}


def _max_pool(fn: str, d: int, input: Tensor, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
              ceil_mode: bool, return_indices: bool) -> Any:
    _input(fn, input)
    a = input._data
    if a.dtype.kind == "c":
        raise RuntimeError(f"\"{fn}\" not implemented for '{_TYPE_NAMES[str(a.dtype)]}'")
    if d == 1:
        if a.ndim not in (2, 3):
            raise RuntimeError(f"max_pool1d() Expected 2D or 3D input tensor, but got {list(a.shape)}")
        K = _ints(fn, "kernel_size", kernel_size, 1)
        st = K if stride is None or (isinstance(stride, (list, tuple)) and len(stride) == 0) else \
            _ints(fn, "stride", stride, 1)
        pad, dil = _ints(fn, "padding", padding, 1), _ints(fn, "dilation", dilation, 1)
        if a.shape[-1] == 0 or a.ndim == 3 and a.shape[1] == 0:
            raise RuntimeError(f"max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size "
                               f"for input, but got: {list(a.shape)}")
        out = _max_pool(fn, 2, input.unsqueeze(-2), (1,) + K, (1,) + st, (0,) + pad, (1,) + dil, ceil_mode, True)
        values, idx = out[0].squeeze(-2), out[1].squeeze(-2)
        return (values, idx) if return_indices else values
    key = ("max", d, a.shape, _hashable(kernel_size), _hashable(stride), _hashable(padding), _hashable(dilation),
           bool(ceil_mode))

    def make() -> Any:
        K, st, pad, dil, S, Y = _window_plan(fn, d, a.shape, kernel_size, stride, padding, dilation, ceil_mode)
        cand, mask = P.window_candidates(S, K, st, dil, pad, Y)
        return (S, Y, cand, mask)
    spec = _cached(key, make)
    values, idx = apply(_MAX_RULES[d], input, spec)
    return (values, idx) if return_indices else values


def _dispatch(f: Any, input: Any, *args: Any, **kwargs: Any) -> Any:
    if type(input) not in _PLAIN and has_torch_function((input,)):
        return handle_torch_function(f, (input,), input, *args, **kwargs)
    return NotImplemented


def max_pool1d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
               ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
    return_indices=False): the max of each window of input (N, C, L) or (C, L); stride defaults to
    kernel_size; padding counts as -inf. return_indices: also each max's position in L."""
    r = _dispatch(max_pool1d, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)
    if r is not NotImplemented:
        return r
    return _max_pool("max_pool1d", 1, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
               ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
    return_indices=False): the max of each window of input (N, C, H, W) or (C, H, W); stride
    defaults to kernel_size; padding counts as -inf. return_indices: also each max's flat position
    in H·W (for max_unpool2d)."""
    r = _dispatch(max_pool2d, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)
    if r is not NotImplemented:
        return r
    return _max_pool("max_pool2d", 2, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool3d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
               ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
    return_indices=False): the max of each window of input (N, C, D, H, W) or (C, D, H, W)."""
    r = _dispatch(max_pool3d, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)
    if r is not NotImplemented:
        return r
    return _max_pool("max_pool3d", 3, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool1d_with_indices(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
                            dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """max_pool1d with return_indices=True: (values, indices)."""
    return _max_pool("max_pool1d", 1, input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
                            dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """max_pool2d with return_indices=True: (values, indices)."""
    return _max_pool("max_pool2d", 2, input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool3d_with_indices(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
                            dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """max_pool3d with return_indices=True: (values, indices)."""
    return _max_pool("max_pool3d", 3, input, kernel_size, stride, padding, dilation, ceil_mode, True)


# ============================================================================ average pools
_AVG_RULES = {2: P.AvgPool2DBackward0, 3: P.AvgPool3DBackward0}


def _divisor(S: tuple[int, ...], K: tuple[int, ...], st: tuple[int, ...], pad: tuple[int, ...],
             Y: tuple[int, ...], count_include_pad: bool, divisor_override: Any) -> np.ndarray:
    if divisor_override is not None:
        return np.full(Y, float(divisor_override))
    div = np.ones(Y)
    for i, (s, k, stv, p, y) in enumerate(zip(S, K, st, pad, Y)):
        start = np.arange(y) * stv - p
        end = np.minimum(start + k, s + p)
        size = end - start
        if not count_include_pad:
            size = np.minimum(end, s) - np.maximum(start, 0)
        shape = [1] * len(Y)
        shape[i] = y
        div = div * size.reshape(shape)
    return div


def _avg_pool(fn: str, d: int, input: Tensor, kernel_size: Any, stride: Any, padding: Any, ceil_mode: bool,
              count_include_pad: bool, divisor_override: Any) -> Tensor:
    _input(fn, input)
    a = input._data
    if a.dtype.kind in "cb":
        raise RuntimeError(f"\"{fn}\" not implemented for '{_TYPE_NAMES[str(a.dtype)]}'")
    if d == 1:
        if a.ndim not in (2, 3):
            raise RuntimeError(f"avg_pool1d() Expected 2D or 3D input tensor, but got {list(a.shape)}")
        K = _ints(fn, "kernel_size", kernel_size, 1)
        st = K if stride is None or (isinstance(stride, (list, tuple)) and len(stride) == 0) else \
            _ints(fn, "stride", stride, 1)
        pad = _ints(fn, "padding", padding, 1)
        return _avg_pool(fn, 2, input.unsqueeze(-2), (1,) + K, (1,) + st, (0,) + pad, ceil_mode, count_include_pad,
                         None).squeeze(-2)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    key = ("avg", d, a.shape, _hashable(kernel_size), _hashable(stride), _hashable(padding), bool(ceil_mode),
           bool(count_include_pad), divisor_override)

    def make() -> Any:
        K, st, pad, dil, S, Y = _window_plan(fn, d, a.shape, kernel_size, stride, padding, 1, ceil_mode)
        if any(p > k // 2 for p, k in zip(pad, K)):
            raise RuntimeError(f"pad should be at most half of kernel size, but got pad={max(pad)} and "
                               f"kernel_size={K[0]}")
        div = _divisor(S, K, st, pad, Y, count_include_pad, divisor_override)
        return P.AvgWindows(K, st, pad, S, Y, div, _AVG_RULES[d])
    op = _cached(key, make)
    return apply(_AVG_RULES[d], input, op)


def avg_pool1d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:
    """avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    the mean of each window of input (N, C, L) or (C, L); count_include_pad: the zero padding counts
    in the divisor."""
    r = _dispatch(avg_pool1d, input, kernel_size, stride, padding, ceil_mode, count_include_pad)
    if r is not NotImplemented:
        return r
    return _avg_pool("avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode, count_include_pad, None)


def avg_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: Any = None) -> Tensor:
    """avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
    divisor_override=None): the mean of each window of input (N, C, H, W) or (C, H, W);
    divisor_override: divide every window's sum by this number instead."""
    r = _dispatch(avg_pool2d, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)
    if r is not NotImplemented:
        return r
    return _avg_pool("avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override)


def avg_pool3d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: Any = None) -> Tensor:
    """avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
    divisor_override=None): the mean of each window of input (N, C, D, H, W) or (C, D, H, W)."""
    r = _dispatch(avg_pool3d, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)
    if r is not NotImplemented:
        return r
    return _avg_pool("avg_pool3d", 3, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override)


# ============================================================================ adaptive pools
def _output_size(fn: str, d: int, a: np.ndarray, output_size: Any) -> tuple[int, ...]:
    if type(output_size) is not int and not isinstance(output_size, Tensor):  # its type first, as PyTorch
        if not isinstance(output_size, (list, tuple)):
            _args.int_list_arg(output_size, fn, "output_size", 2)
        else:
            _args.int_list_arg([v for v in output_size if v is not None or d == 1], fn, "output_size", 2)
    if d > 1 and isinstance(output_size, (list, tuple)) and a.ndim <= len(output_size):
        raise ValueError(f"Input dimension should be at least {len(output_size) + 1}")
    if a.ndim not in (d + 1, d + 2):
        raise RuntimeError(f"{fn}(): Expected {d + 1}D or {d + 2}D tensor, but got {list(a.shape)}")
    for i in range(1, a.ndim):
        if a.shape[i] == 0 and not (a.ndim == d + 2 and i == 0):
            raise RuntimeError(f"{fn}(): Expected input to have non-zero size for non-batch dimensions, but input "
                               f"has sizes {list(a.shape)} with dimension {i} being empty")
    if isinstance(output_size, Tensor):
        output_size = output_size.tolist()
    if isinstance(output_size, (int, np.integer)) and not isinstance(output_size, bool):
        sizes: list[Any] = [int(output_size)] * d
    else:
        sizes = list(output_size)
        if len(sizes) == 1 and d > 1:
            sizes = sizes * d
        if len(sizes) != d:
            raise RuntimeError(f"{fn}: output_size must be {d}")
    S = a.shape[-d:]
    out = tuple(S[i] if v is None else int(v) for i, v in enumerate(sizes))
    for v in out:
        if v < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {v}: {list(a.shape[:-d]) + list(out)}")
    return out


_ADAPTIVE_AVG = {2: P.AdaptiveAvgPool2DBackward0, 3: P.AdaptiveAvgPool3DBackward0}
_ADAPTIVE_MAX = {2: P.AdaptiveMaxPool2DBackward0, 3: P.AdaptiveMaxPool3DBackward0}


def _adaptive_avg(fn: str, d: int, input: Tensor, output_size: Any) -> Tensor:
    _input(fn, input)
    a = input._data
    if a.dtype.kind in "iub":
        raise NotImplementedError(f"\"{fn}\" not implemented for '{_TYPE_NAMES[str(a.dtype)]}'")
    if d == 1:
        if a.ndim not in (2, 3):
            raise RuntimeError(f"adaptive_avg_pool1d() Expected 2D or 3D input tensor, but got {list(a.shape)}")
        size = _output_size(fn, 1, a, output_size)
        return _adaptive_avg("adaptive_avg_pool2d", 2, input.unsqueeze(-2), (1,) + size).squeeze(-2)
    Y = _output_size(fn, d, a, output_size)
    S = a.shape[-d:]
    op = _cached(("aavg", d, S, Y), lambda: P.Separable(tuple(P.adaptive_matrix(s, y) for s, y in zip(S, Y)),
                                                         _ADAPTIVE_AVG[d]))
    return apply(_ADAPTIVE_AVG[d], input, op)


def adaptive_avg_pool1d(input: Tensor, output_size: Any) -> Tensor:
    """adaptive_avg_pool1d(input, output_size) -> Tensor: input (N, C, L) or (C, L) averaged over
    output_size windows [floor(i·L/out), ceil((i+1)·L/out))."""
    r = _dispatch(adaptive_avg_pool1d, input, output_size)
    if r is not NotImplemented:
        return r
    return _adaptive_avg("adaptive_avg_pool1d", 1, input, output_size)


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:
    """adaptive_avg_pool2d(input, output_size) -> Tensor: input (N, C, H, W) or (C, H, W) averaged
    to the spatial size output_size (an int, or a pair whose None entries keep the input's size)."""
    r = _dispatch(adaptive_avg_pool2d, input, output_size)
    if r is not NotImplemented:
        return r
    return _adaptive_avg("adaptive_avg_pool2d", 2, input, output_size)


def adaptive_avg_pool3d(input: Tensor, output_size: Any) -> Tensor:
    """adaptive_avg_pool3d(input, output_size) -> Tensor: input (N, C, D, H, W) or (C, D, H, W)
    averaged to the spatial size output_size."""
    r = _dispatch(adaptive_avg_pool3d, input, output_size)
    if r is not NotImplemented:
        return r
    return _adaptive_avg("adaptive_avg_pool3d", 3, input, output_size)


def _adaptive_max(fn: str, d: int, input: Tensor, output_size: Any, return_indices: bool) -> Any:
    _input(fn, input)
    a = input._data
    if a.dtype.kind in "iubc":
        raise NotImplementedError(f"\"{fn}\" not implemented for '{_TYPE_NAMES[str(a.dtype)]}'")
    if d == 1:
        if a.ndim not in (2, 3):
            raise RuntimeError(f"adaptive_max_pool1d() Expected 2D or 3D input tensor, but got {list(a.shape)}")
        size = _output_size(fn, 1, a, output_size)
        v, i = _adaptive_max("adaptive_max_pool2d", 2, input.unsqueeze(-2), (1,) + size, True)
        v, i = v.squeeze(-2), i.squeeze(-2)
        return (v, i) if return_indices else v
    Y = _output_size(fn, d, a, output_size)
    S = a.shape[-d:]

    def make() -> Any:
        cand, mask = P.adaptive_candidates(S, Y)
        return (S, Y, cand, mask)
    spec = _cached(("amax", d, S, Y), make)
    values, idx = apply(_ADAPTIVE_MAX[d], input, spec)
    return (values, idx) if return_indices else values


def adaptive_max_pool1d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """adaptive_max_pool1d(input, output_size, return_indices=False): the max over output_size
    adaptive windows of input (N, C, L) or (C, L)."""
    r = _dispatch(adaptive_max_pool1d, input, output_size, return_indices)
    if r is not NotImplemented:
        return r
    return _adaptive_max("adaptive_max_pool1d", 1, input, output_size, return_indices)


def adaptive_max_pool2d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """adaptive_max_pool2d(input, output_size, return_indices=False): the max over adaptive windows
    of input (N, C, H, W) or (C, H, W), to the spatial size output_size."""
    r = _dispatch(adaptive_max_pool2d, input, output_size, return_indices)
    if r is not NotImplemented:
        return r
    return _adaptive_max("adaptive_max_pool2d", 2, input, output_size, return_indices)


def adaptive_max_pool3d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """adaptive_max_pool3d(input, output_size, return_indices=False): the max over adaptive windows
    of input (N, C, D, H, W) or (C, D, H, W)."""
    r = _dispatch(adaptive_max_pool3d, input, output_size, return_indices)
    if r is not NotImplemented:
        return r
    return _adaptive_max("adaptive_max_pool3d", 3, input, output_size, return_indices)


def adaptive_max_pool1d_with_indices(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """adaptive_max_pool1d with return_indices=True: (values, indices)."""
    return _adaptive_max("adaptive_max_pool1d", 1, input, output_size, True)


def adaptive_max_pool2d_with_indices(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """adaptive_max_pool2d with return_indices=True: (values, indices)."""
    return _adaptive_max("adaptive_max_pool2d", 2, input, output_size, True)


def adaptive_max_pool3d_with_indices(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """adaptive_max_pool3d with return_indices=True: (values, indices)."""
    return _adaptive_max("adaptive_max_pool3d", 3, input, output_size, True)


def _torch_adaptive_max_pool1d(input: Tensor, output_size: Any) -> Any:
    """adaptive_max_pool1d(input, output_size) -> (Tensor, Tensor): torch.adaptive_max_pool1d, the
    values and their indices (ATen's form)."""
    return _adaptive_max("adaptive_max_pool1d", 1, input, output_size, True)


_torch_adaptive_max_pool1d.__name__ = _torch_adaptive_max_pool1d.__qualname__ = "adaptive_max_pool1d"


# ============================================================================ power-average pools
def _lp_pool(d: int, input: Tensor, norm_type: float, kernel_size: Any, stride: Any, ceil_mode: bool) -> Tensor:
    K = _ints(f"lp_pool{d}d", "kernel_size", kernel_size, d)
    pool = (avg_pool1d, avg_pool2d, avg_pool3d)[d - 1]
    if stride is not None:
        out = pool(input.pow(norm_type), K, stride, 0, ceil_mode)
    else:
        out = pool(input.pow(norm_type), K, padding=0, ceil_mode=ceil_mode)
    return (out.sign() * out.abs().relu()).mul(math.prod(K)).pow(1.0 / norm_type)


def lp_pool1d(input: Tensor, norm_type: float, kernel_size: Any, stride: Any = None, ceil_mode: bool = False) -> Tensor:
    """lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False) -> Tensor: (Σ x^p)^(1/p)
    over each window (p = norm_type)."""
    return _lp_pool(1, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool2d(input: Tensor, norm_type: float, kernel_size: Any, stride: Any = None, ceil_mode: bool = False) -> Tensor:
    """lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False) -> Tensor: (Σ x^p)^(1/p)
    over each window (p = norm_type)."""
    return _lp_pool(2, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool3d(input: Tensor, norm_type: float, kernel_size: Any, stride: Any = None, ceil_mode: bool = False) -> Tensor:
    """lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False) -> Tensor: (Σ x^p)^(1/p)
    over each window (p = norm_type)."""
    return _lp_pool(3, input, norm_type, kernel_size, stride, ceil_mode)


# ============================================================================ max_unpool
def _max_unpool(fn: str, d: int, input: Tensor, indices: Tensor, kernel_size: Any, stride: Any, padding: Any,
                output_size: Any) -> Tensor:
    _input(fn, input)
    K = _ints(fn, "kernel_size", kernel_size, d)
    st = K if stride is None else _ints(fn, "stride", stride, d)
    pad = _ints(fn, "padding", padding, d)
    a = input._data
    Yin = a.shape[-d:]
    default = tuple((y - 1) * s - 2 * p + k for y, s, p, k in zip(Yin, st, pad, K))
    if output_size is None:
        S = default
    else:
        sizes = [int(v) for v in output_size]
        if len(sizes) == d + 2:
            sizes = sizes[2:]
        elif len(sizes) == d + 1:
            sizes = sizes[1:]
        if len(sizes) != d:
            raise ValueError(f"output_size should be a sequence containing {d} or {d + 2} elements, but it has a "
                             f"length of '{len(sizes)}'")
        for i in range(d):
            lo, hi = default[i] - st[i], default[i] + st[i]
            if not lo < sizes[i] < hi:
                raise ValueError(f'invalid output_size "{sizes}" (dim {i} must be between {lo} and {hi})')
        S = tuple(sizes)
    idx = indices._data
    if idx.dtype != np.int64:
        raise RuntimeError(f"elements in indices should be type int64 but got: {indices.dtype}")
    if idx.shape != a.shape:
        raise RuntimeError(f"Expected shape of indices to be same as that of the input tensor ({list(a.shape)}) but "
                           f"got indices tensor with shape: {list(idx.shape)}")
    size = math.prod(S)
    if idx.size and (idx.min() < 0 or idx.max() >= size):
        bad = int(idx.max() if idx.max() >= size else idx.min())
        raise RuntimeError(f"Found an invalid max index: {bad} (output volumes are of size "
                           f"{'x'.join(str(s) for s in S)}")
    rule = P.MaxUnpool3DBackward0 if d == 3 else P.MaxUnpool2DBackward0
    return apply(rule, input, P.PlaneAssign(idx.reshape(idx.shape[:idx.ndim - d] + (-1,)), S, Yin))


def max_unpool1d(input: Tensor, indices: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 output_size: Any = None) -> Tensor:
    """max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None): the
    inverse of max_pool1d: each value put back at its index, zeros elsewhere."""
    return _max_unpool("max_unpool1d", 1, input, indices, kernel_size, stride, padding, output_size)


def max_unpool2d(input: Tensor, indices: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 output_size: Any = None) -> Tensor:
    """max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None): the
    inverse of max_pool2d: each value put back at its flat index in H·W, zeros elsewhere."""
    return _max_unpool("max_unpool2d", 2, input, indices, kernel_size, stride, padding, output_size)


def max_unpool3d(input: Tensor, indices: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 output_size: Any = None) -> Tensor:
    """max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None): the
    inverse of max_pool3d."""
    return _max_unpool("max_unpool3d", 3, input, indices, kernel_size, stride, padding, output_size)
