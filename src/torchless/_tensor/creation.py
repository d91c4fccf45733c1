"""Tensor creation: tensor, as_tensor, from_numpy, arange, zeros, ones, full, eye, linspace, the
*_like forms, the random ones and the random streams' torch face (Generator, manual_seed ...).
Sizes may be given as ints, a tuple, a list or a torch.Size."""
from __future__ import annotations

import math
import numbers
import warnings
from typing import Any, Optional, Sequence, Tuple, Union

import numpy as np

from .. import _args
from .._dtype import (FROM_NP, SCALAR_TYPE_NAMES, bool as bool_, check_data_fits, check_number_fits, defaults,
                      dtype as DType, float32, float64, from_np,
                      get_default_dtype, int64, promote_types, to_np)
from .._random import Stream, default_stream, rng as _rng
from ._inplace import write_out
from ._core import (Size, Tensor, _bump_version, _check_inplace, _plain, _snapshot, _write_into, device,
                    require_cpu)

__all__ = [
    "tensor", "as_tensor", "from_numpy", "asarray", "arange", "range", "zeros", "ones", "full",
    "empty", "eye", "linspace", "logspace", "zeros_like", "ones_like", "full_like", "empty_like",
    "rand", "randn", "randint", "randperm", "normal", "rand_like", "randn_like", "randint_like",
    "bernoulli", "multinomial", "scalar_tensor", "Generator", "default_generator", "manual_seed", "seed",
    "initial_seed", "get_rng_state", "set_rng_state",
]

Number = Union[int, float, bool, complex]
Scalar = Any
"""A Python number or a one-element tensor (the ends and steps of ranges)."""
DeviceArg = Union[str, device, None]

_builtin_range = range


def _finish(arr: np.ndarray, requires_grad: bool, dev: DeviceArg = None) -> Tensor:
    """Wrap a fresh array as the result: check the device, set requires_grad."""
    if dev is not None:
        require_cpu(dev)
    t = _plain(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _given_size(size_args: tuple, size: Any, fn: str) -> Tuple[Any, ...]:
    """The sizes of zeros(*size) and the like, given as arguments or as size=: PyTorch's TypeError when
    neither is there (torch.zeros() has no shape; torch.zeros(()) is a 0-d tensor)."""
    if size is not None:
        return (size,)
    if not size_args:
        if fn in ("rand", "randn"):
            raise TypeError(f"{fn}() received an invalid combination of arguments - got (), but expected one of: "
                            "(tuple of ints size, *, torch.Generator generator, ...)")
        raise TypeError(f"{fn}() missing 1 required positional arguments: \"size\"")
    return size_args


def _parse_size(size: Sequence[Any], fn: str = "zeros") -> Tuple[int, ...]:
    """(2, 3) | ((2, 3),) | ([2, 3],) | (Size,) -> a tuple of non-negative ints."""
    if len(size) == 1 and not isinstance(size[0], numbers.Integral) and not (
            isinstance(size[0], Tensor) and size[0].dim() == 0):
        size = size[0]
    dims = _args.int_list_arg(size, fn, "size", 1)
    for s in dims:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(dims)}")
    return dims


def _float_dtype(dtype: Optional[DType]) -> Any:
    """The NumPy dtype for `dtype`, the default float when None."""
    return defaults.float if dtype is None else to_np(dtype)


# ---------------------------------------------------------------------------------- from data
def _to_array(data: Any, dtype: Any) -> np.ndarray:
    """Python data -> ndarray with PyTorch's inferred dtype (floats: default float; ints: int64;
    tensors and NumPy scalars inside a list take part with their own dtype)."""
    if isinstance(data, Tensor):
        arr = data._data
        return arr if dtype is None else arr.astype(dtype)
    if isinstance(data, np.ndarray):
        if data.dtype not in FROM_NP:
            from_np(data.dtype)  # raises TypeError for unsupported NumPy types
        return data if dtype is None else data.astype(dtype)
    typed: Optional[set] = None
    if isinstance(data, (list, tuple)):
        typed = set()
        data = _unwrap_nested(data, typed, dtype)
    elif isinstance(data, np.generic):
        return np.asarray(data) if dtype is None else np.asarray(data, dtype=dtype)
    elif isinstance(data, str):
        raise TypeError("new(): invalid data type 'str'")
    elif not isinstance(data, numbers.Number):
        raise _not_data(data, dtype)
    try:
        arr = np.array(data)
    except ValueError:  # ragged: PyTorch's error is raised outside, so that NumPy's is not chained to it
        arr = None
    if arr is None or arr.dtype == object:
        _raise_ragged(data)
    if arr.dtype == np.uint64:  # beyond int64: PyTorch's error, not a wrapped-around value
        raise ValueError("Overflow when unpacking long long (the numbers must fit in int64)")
    if dtype is not None:
        if arr.dtype.kind == "c" and np.dtype(dtype).kind in "iuf":   # Python's own conversion refuses it
            raise _not_data(complex(), dtype)
        check_data_fits(arr, np.dtype(dtype), lambda: _leaves(data))
        return arr.astype(dtype)
    if typed:  # some leaves carry their own dtype: promote them with the Python numbers' kinds
        return arr.astype(_promote_leaves(data, typed), copy=False)
    kind = arr.dtype.kind
    if kind == "f":
        return arr.astype(defaults.float)
    if kind == "c":
        return arr.astype(get_default_dtype().to_complex().np)
    if kind in "iu":
        return arr.astype(np.int64)
    if kind == "b":
        return arr
    raise TypeError(f"Could not infer dtype of {type(data).__name__}")


_PY_LEAF = (bool, int, float, complex)


def _leaves(data: Any) -> Any:
    """The numbers of nested Python data, in order."""
    if isinstance(data, (list, tuple)):
        for x in data:
            yield from _leaves(x)
    else:
        yield data


def _not_data(x: Any, dtype: Any) -> Exception:
    """PyTorch's error for an element `x` that is no number, no tensor and no list (None, a dict ...):
    without a dtype, a RuntimeError (no dtype to infer); with one, the TypeError of converting x to
    it ("must be real number, not NoneType"; for an integer dtype, "cannot be interpreted as an
    integer")."""
    name = type(x).__name__
    if dtype is None:
        return RuntimeError(f"Could not infer dtype of {name}")
    if np.dtype(dtype).kind in "iu":
        return TypeError(f"'{name}' object cannot be interpreted as an integer")
    return TypeError(f"must be real number, not {name}")


def _unwrap_nested(data: Sequence[Any], typed: set, dtype: Any = None) -> list:
    """Nested lists with tensors replaced by their values; the dtypes of tensors, NumPy scalars and
    arrays found inside are added to `typed`."""
    out = []
    for x in data:
        tx = type(x)
        if tx in _PY_LEAF:
            out.append(x)
        elif tx is list or tx is tuple:
            out.append(_unwrap_nested(x, typed, dtype))
        elif isinstance(x, Tensor):
            typed.add(x._data.dtype)
            out.append(x._data.tolist() if x._data.ndim else x._data.item())
        elif isinstance(x, (np.generic, np.ndarray)):
            from_np(x.dtype)
            typed.add(x.dtype)
            out.append(x)
        elif isinstance(x, str):
            raise TypeError("new(): invalid data type 'str'")
        elif isinstance(x, numbers.Number):
            out.append(x)
        elif isinstance(x, (list, tuple)):
            out.append(_unwrap_nested(x, typed, dtype))
        else:
            raise _not_data(x, dtype)
    return out


def _promote_leaves(data: list, typed: set) -> Any:
    """PyTorch's inference for mixed leaves: promote_types over every leaf's own type."""
    kinds = set()

    def walk(x):
        for e in x:
            te = type(e)
            if te is list:
                walk(e)
            elif te in _PY_LEAF:
                kinds.add(te)
    walk(data)
    py = {bool: bool_.np, int: int64.np, float: defaults.float,
          complex: get_default_dtype().to_complex().np}
    result = None
    for dt in list(typed) + [py[k] for k in kinds]:
        result = dt if result is None else promote_types(result, dt).np
    return result


def _raise_ragged(data: Any) -> None:
    """PyTorch's error for data that is not a rectangular nest of numbers: every sequence at depth d
    must have the length of the first one there."""
    shape = []
    x = data
    while isinstance(x, (list, tuple, np.ndarray)):
        shape.append(len(x))
        if not len(x):
            break
        x = x[0]

    def walk(x, dim):
        seq = isinstance(x, (list, tuple, np.ndarray))
        if dim == len(shape):
            if seq:
                raise TypeError(f"'{type(x).__name__}' object cannot be interpreted as an integer "
                                f"(a sequence at dim {dim} where a number was expected)")
            return
        if not seq:
            raise TypeError(f"not a sequence (a number at dim {dim} where a sequence of length "
                            f"{shape[dim]} was expected)")
        if len(x) != shape[dim]:
            raise ValueError(f"expected sequence of length {shape[dim]} at dim {dim} (got {len(x)})")
        for e in x:
            walk(e, dim + 1)
    walk(data, 0)
    raise TypeError("tensor(): could not convert the data to a tensor (elements must be numbers)")


def tensor(data: Any, *, dtype: Optional[DType] = None, device: DeviceArg = None,
           requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """tensor(data, *, dtype=None, device=None, requires_grad=False) -> Tensor

    A new tensor holding a copy of `data`: a number, nested lists or tuples of numbers, a NumPy
    array or a tensor. Without `dtype`, floats give the default float dtype, ints int64, bools
    bool; NumPy arrays and tensors keep their own dtype. `requires_grad=True` makes it a leaf
    that records operations for autograd.
    """
    if type(data) is float and dtype is None and device is None:  # torch.tensor(0.5): the common 0-d case
        return _finish(np.array(data, dtype=defaults.float), requires_grad)
    if isinstance(data, Tensor):
        warnings.warn("To copy construct from a tensor, it is recommended to use "
                      "sourceTensor.detach().clone() or sourceTensor.detach().clone()"
                      ".requires_grad_(True), rather than torch.tensor(sourceTensor).",
                      UserWarning, stacklevel=2)
    arr = _to_array(data, to_np(dtype))
    if arr is getattr(data, "_data", None) or arr is data or (isinstance(data, np.ndarray) and np.shares_memory(arr, data)):
        arr = arr.copy()
    return _finish(arr, requires_grad, device)


def as_tensor(data: Any, *, dtype: Optional[DType] = None, device: DeviceArg = None) -> Tensor:
    """as_tensor(data, *, dtype=None, device=None) -> Tensor

    Like torch.tensor, but without a copy where one is not needed: a tensor of the same dtype is
    returned itself, and a NumPy array of the same dtype is shared (writes show through).
    """
    np_dtype = to_np(dtype)
    if isinstance(data, Tensor) and (np_dtype is None or np_dtype == data._data.dtype):
        return data
    return _finish(_to_array(data, np_dtype), False, device)


def asarray(obj: Any, *, dtype: Optional[DType] = None, device: DeviceArg = None, copy: Optional[bool] = None,
            requires_grad: bool = False) -> Tensor:
    """asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=False) -> Tensor

    `obj` as a tensor. A tensor or a NumPy array of the requested dtype is shared (a tensor is
    returned itself) unless copy=True; copy=False refuses to copy (a ValueError where the dtype
    differs, or for other data such as lists); copy=None copies only where it must. With
    requires_grad=True the result requires grad (a shared tensor is set to, as PyTorch does).
    """
    np_dtype = to_np(dtype)
    require_cpu(device or "cpu")
    result: Tensor
    if isinstance(obj, (Tensor, np.ndarray)):
        arr = obj._data if isinstance(obj, Tensor) else obj
        if isinstance(obj, np.ndarray) and arr.dtype not in FROM_NP:
            from_np(arr.dtype)  # raises TypeError for unsupported NumPy types
        same = np_dtype is None or np_dtype == arr.dtype
        if copy is False and np_dtype is not None and not same:
            raise ValueError(f"can't alias tensor with dtype '{SCALAR_TYPE_NAMES[FROM_NP[arr.dtype].name]}' into "
                             f"dtype '{SCALAR_TYPE_NAMES[FROM_NP[np_dtype].name]}'. (pass copy=None to convert)")
        if isinstance(obj, Tensor):
            result = obj.clone() if copy else obj
            if np_dtype is not None and not same:
                result = result.to(FROM_NP[np_dtype])
        else:
            result = _plain(arr.astype(np_dtype or arr.dtype, copy=bool(copy)))
    else:
        if copy is False:
            raise ValueError("can't alias arbitrary sequence into a tensor. (pass copy=None to let it copy)")
        result = tensor(obj, dtype=dtype)
    if requires_grad:
        result.requires_grad_(True)
    return result


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """from_numpy(ndarray) -> Tensor

    A tensor that shares memory with `ndarray`: writes to either show in the other. The array's
    dtype must be one torchless has.
    """
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    from_np(ndarray.dtype)
    return _plain(ndarray)


def scalar_tensor(value: Number, *, dtype: Optional[DType] = None, requires_grad: bool = False, device: Any = None,
                  layout: Any = None, pin_memory: bool = False) -> Tensor:
    """scalar_tensor(value, *, dtype=None, device=None, requires_grad=False) -> Tensor

    A 0-d tensor holding `value`, of the default float dtype unless `dtype` says otherwise.
    """
    if device is not None:
        require_cpu(device)
    value = _num(value, "scalar_tensor", "s", 1)
    return _finish(np.asarray(value, dtype=_float_dtype(dtype)), requires_grad)


# ---------------------------------------------------------------------------------- ranges
# The largest count whose integers 0..n-1 every float dtype holds exactly (2 ** mantissa bits)
_EXACT_COUNT = {np.dtype(np.float16): 2048.0, np.dtype(np.float32): 16777216.0,
                np.dtype(np.float64): 9007199254740992.0}


def _num(x: Any, fn: str = "arange", name: str = "end", position: Optional[int] = None) -> Any:
    """A Python number from a number or a one-element tensor; PyTorch's TypeError for anything else
    (a str, None, a list, a tensor of more elements), naming the argument `name` of `fn`."""
    if type(x) is int or type(x) is float:
        return x
    if isinstance(x, Tensor):
        if x._data.size != 1:
            raise _args.wrong_type(fn, name, position, "Number", x)
        return x.item()
    return _args.number_arg(x, fn, name, position)


def arange(start: Scalar = 0, end: Optional[Scalar] = None, step: Scalar = 1, *,
           dtype: Optional[DType] = None, device: DeviceArg = None, requires_grad: bool = False,
           out: Optional[Tensor] = None) -> Tensor:
    """arange(start=0, end, step=1, *, dtype=None, device=None, requires_grad=False) -> Tensor

    The values start, start + step, ... up to `end`, which is excluded (`arange(n)` counts 0 to
    n - 1). Integer arguments give int64; any float argument gives the default float dtype. Float
    values equal PyTorch's bit for bit.
    """
    if end is None and type(step) is int and step == 1 and dtype is None and out is None and device is None:
        # arange(n) and arange(n.0): 0, 1, ..., n - 1 are exact in any float dtype up to the limit
        # (so every formula gives PyTorch's values), and need none of the checks below
        kind = type(start)
        if kind is int and start >= 0:
            return _finish(np.arange(start, dtype=np.int64), requires_grad)
        if kind is float and 0.0 <= start <= _EXACT_COUNT.get(defaults.float, -1.0):
            return _finish(np.arange(math.ceil(start), dtype=defaults.float), requires_grad)
    if end is None:
        start, end = 0, start
    start, end, step = _num(start, "arange", "start"), _num(end, "arange", "end"), _num(step, "arange", "step")
    if dtype is None and isinstance(out, Tensor):
        dtype = out.dtype  # the values are computed in out's dtype
    if dtype is None:
        floating = (isinstance(start, (float, np.floating)) or isinstance(end, (float, np.floating))
                    or isinstance(step, (float, np.floating)))
        np_dtype = np.dtype(defaults.float if floating else np.int64)
    else:
        np_dtype = np.dtype(to_np(dtype))
        if np_dtype.kind == "b":
            raise NotImplementedError("\"arange_cpu\" not implemented for 'Bool'")
    first = by = None
    if np_dtype.kind in "iu":  # the values step from the arguments' integer parts
        first, by = int(start), int(step)
        if np_dtype == np.int64:   # int64 also counts with them (other integer types count with the arguments)
            if by == 0 and step != 0:
                raise ValueError(f"step must be nonzero (the step {step} is 0 in the integer dtype "
                                 f"{SCALAR_TYPE_NAMES[FROM_NP[np_dtype].name]})")
            start, end, step = first, int(end), by
    if step == 0:
        raise RuntimeError("step must be nonzero")
    for v in (start, end):
        if not math.isfinite(v):
            raise RuntimeError(f"unsupported range: {start} -> {end}")
    if (end - start) * step < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    if first is not None and by is not None:
        if all(type(v) is int for v in (start, end, step)):
            arr = np.arange(start, end, step, dtype=np_dtype)
        else:   # the count from the float arguments, the values from their integer parts
            n = math.ceil((float(end) - float(start)) / float(step))
            arr = (first + np.arange(n, dtype=np.int64) * by).astype(np_dtype)
    else:
        n = math.ceil((float(end) - float(start)) / float(step))
        arr = _arange_float(float(start), float(step), n, np_dtype)
    if out is not None:
        return write_out("arange", _finish(arr, requires_grad, device), out)
    return _finish(arr, requires_grad, device)


# ---- PyTorch-exact float ranges
# PyTorch's CPU kernels compute `start + step * i` with a fused multiply-add, and arange fills whole
# SIMD vectors from one base value. Reproducing that arithmetic makes the values equal bit for bit.
def _split(x: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Veltkamp split: x == hi + lo with each half exactly multipliable."""
    t = 134217729.0 * x
    hi = t - (t - x)
    return hi, x - hi


def _fma(a: Any, b: Any, c: Any) -> np.ndarray:
    """a * b + c rounded once (a fused multiply-add) on float64 arrays, by error-free transforms."""
    a, b, c = np.asarray(a, np.float64), np.asarray(b, np.float64), np.asarray(c, np.float64)
    p = a * b
    ah, al = _split(a)
    bh, bl = _split(b)
    p_err = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    s = p + c
    back = s - p
    s_err = (p - (s - back)) + (c - back)
    return s + (p_err + s_err)


# PyTorch's range kernels fill 256-bit vectors, in its AVX2 build and in its AVX-512 build alike
# (measured with ATEN_CPU_CAPABILITY=avx2 and =avx512); its unvectorized build differs from both by
# at most an ulp of the range's largest value.
_SIMD_BYTES = 32


def _arange_float(start: float, step: float, n: int, np_dtype: np.dtype) -> np.ndarray:
    """start + step * i for i < n (accumulated in float64, as PyTorch does for float types): whole
    pairs of SIMD vectors start from a base value rounded to the dtype, the tail is per element."""
    work = np.float32 if np_dtype == np.float16 else np_dtype  # half is computed in float
    w = _SIMD_BYTES // np.dtype(work).itemsize if np_dtype != np.float16 else 16
    n_vec = (n // (2 * w)) * (2 * w)
    out = np.empty(n, np.float64)
    if n_vec:
        bases = _fma(step, np.arange(0, n_vec, w, dtype=np.float64), start).astype(work)
        lanes = np.arange(w, dtype=np.float64)
        out[:n_vec] = _fma(lanes[None, :], step, bases.astype(np.float64)[:, None]).reshape(-1)
    out[n_vec:] = _fma(step, np.arange(n_vec, n, dtype=np.float64), start)
    return out.astype(work).astype(np_dtype, copy=False)


def range(start: Scalar = 0, end: Optional[Scalar] = None, step: Scalar = 1, *,
          dtype: Optional[DType] = None, device: DeviceArg = None, requires_grad: bool = False) -> Tensor:
    """range(start, end, step=1, *, dtype=None, device=None, requires_grad=False) -> Tensor

    Like arange, but `end` is included (and required), and the result is floating (deprecated in
    PyTorch in favour of arange).
    """
    if end is None:  # (PyTorch's range takes both ends, unlike arange)
        raise TypeError('range() missing 1 required positional arguments: "end"')
    start, end, step = _num(start, "range", "start"), _num(end, "range", "end"), _num(step, "range", "step")
    n = int(math.floor((end - start) / step)) + 1
    arr = (start + np.arange(n, dtype=np.float64) * step).astype(_float_dtype(dtype))
    return _finish(arr, requires_grad, device)


def linspace(start: Scalar, end: Scalar, steps: int, *, dtype: Optional[DType] = None,
             device: DeviceArg = None, requires_grad: bool = False) -> Tensor:
    """linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False) -> Tensor

    `steps` values evenly spaced from `start` to `end`, both included. Equal to PyTorch's bit for
    bit (the first half counts up from start, the second half down from end).
    """
    # (PyTorch's linspace has a Tensor overload: a tensor of more elements is its RuntimeError, from item())
    start = start.item() if isinstance(start, Tensor) else _num(start, "linspace", "start")
    end = end.item() if isinstance(end, Tensor) else _num(end, "linspace", "end")
    if not isinstance(steps, numbers.Integral):
        raise TypeError(f"linspace(): argument 'steps' must be int, not {type(steps).__name__}")
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    np_dtype = np.dtype(_float_dtype(dtype))
    if np_dtype.kind == "b":
        raise NotImplementedError("\"linspace_cpu\" not implemented for 'Bool'")
    return _finish(_linspace(start, end, steps, np_dtype), requires_grad, device)


def _linspace(start: Any, end: Any, steps: int, np_dtype: np.dtype) -> np.ndarray:
    """linspace's values as an array of `np_dtype`."""
    work: Any
    if np_dtype.kind in "iu":  # integer ends, a float64 step, truncated results
        work = np.float64
        s, e = np.float64(int(start)), np.float64(int(end))
    else:
        work = np.float32 if np_dtype == np.float16 else np_dtype.type
        s, e = work(start), work(end)
    if steps <= 1:
        return np.full(steps, s).astype(np_dtype)
    step = (e - s) / work(steps - 1)  # in the dtype's own precision, as PyTorch does
    k = np.arange(steps, dtype=np.float64)
    half = steps // 2
    up = _fma(step, k[:half], s)
    down = _fma(-np.float64(step), (steps - 1) - k[half:], e)
    return np.concatenate([up, down]).astype(work).astype(np_dtype, copy=False)


def logspace(start: Scalar, end: Scalar, steps: int, base: float = 10.0, *,
             dtype: Optional[DType] = None, device: DeviceArg = None, requires_grad: bool = False) -> Tensor:
    """logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False) -> Tensor

    `steps` values spaced evenly on a log scale: base ** linspace(start, end, steps).
    """
    lin = linspace(start, end, steps, dtype=float64)._data
    return _finish((base ** lin).astype(_float_dtype(dtype)), requires_grad, device)


# ---------------------------------------------------------------------------------- filled
def zeros(*size_args: Any, size: Any = None, dtype: Optional[DType] = None, device: DeviceArg = None,
          requires_grad: bool = False, out: Optional[Tensor] = None, layout: Any = None) -> Tensor:
    """zeros(*size, *, dtype=None, device=None, requires_grad=False) -> Tensor

    A tensor of the given size filled with 0 (the default float dtype unless `dtype` is given).
    The size may be given as separate ints or as one tuple, list or torch.Size.
    """
    return _finish(np.zeros(_parse_size(_given_size(size_args, size, "zeros"), "zeros"), _float_dtype(dtype)), requires_grad, device)


def ones(*size_args: Any, size: Any = None, dtype: Optional[DType] = None, device: DeviceArg = None,
         requires_grad: bool = False, out: Optional[Tensor] = None, layout: Any = None) -> Tensor:
    """ones(*size, *, dtype=None, device=None, requires_grad=False) -> Tensor

    A tensor of the given size filled with 1 (the default float dtype unless `dtype` is given).
    The size may be given as separate ints or as one tuple, list or torch.Size.
    """
    return _finish(np.ones(_parse_size(_given_size(size_args, size, "ones"), "ones"), _float_dtype(dtype)), requires_grad, device)


def empty(*size_args: Any, size: Any = None, dtype: Optional[DType] = None, device: DeviceArg = None,
          requires_grad: bool = False, out: Optional[Tensor] = None, layout: Any = None,
          memory_format: Any = None) -> Tensor:
    """empty(*size, *, dtype=None, device=None, requires_grad=False) -> Tensor

    A tensor of the given size whose values are whatever the fresh memory held (not
    initialized): fill it before reading it.
    """
    return _finish(np.empty(_parse_size(_given_size(size_args, size, "empty"), "empty"), _float_dtype(dtype)), requires_grad, device)


def full(size: Sequence[int], fill_value: Number, *, dtype: Optional[DType] = None,
         device: DeviceArg = None, requires_grad: bool = False, out: Optional[Tensor] = None) -> Tensor:
    """full(size, fill_value, *, dtype=None, device=None, requires_grad=False) -> Tensor

    A tensor of the given size (a tuple or list) with every element `fill_value`. Without
    `dtype` the value's kind decides: bool, int64, the default float or complex.
    """
    np_dtype: Any
    fill_value = _num(fill_value, "full", "fill_value", 2)
    if dtype is None:
        if isinstance(fill_value, bool):
            np_dtype = np.bool_
        elif isinstance(fill_value, numbers.Integral):
            np_dtype = np.int64
        elif isinstance(fill_value, complex):
            np_dtype = get_default_dtype().to_complex().np
        else:
            np_dtype = defaults.float
    else:
        np_dtype = to_np(dtype)
    if isinstance(size, numbers.Integral):
        raise TypeError(f"full(): argument 'size' (position 1) must be tuple of ints, not int "
                        f"(write full(({size},), value))")
    shape = _parse_size((size,), "full")
    fill_value = check_number_fits(fill_value, np.dtype(np_dtype))
    return _finish(np.full(shape, fill_value, np_dtype), requires_grad, device)


def eye(n: int, m: Optional[int] = None, *, dtype: Optional[DType] = None, device: DeviceArg = None,
        requires_grad: bool = False) -> Tensor:
    """eye(n, m=None, *, dtype=None, device=None, requires_grad=False) -> Tensor

    The n x m (n x n when m is None) matrix with ones on the diagonal and zeros elsewhere.
    """
    if type(n) is not int or (m is not None and type(m) is not int):
        n = _args.int_arg(n, "eye", "n", 1)
        m = None if m is None else _args.int_arg(m, "eye", "m", 2)
    for name, v in (("n", n), ("m", m)):
        if v is not None and v < 0:
            raise RuntimeError(f"{name} must be greater or equal to 0, got {v}")
    return _finish(np.eye(n, n if m is None else m, dtype=_float_dtype(dtype)), requires_grad, device)


def _like(t: Any, dtype: Optional[DType]) -> Tuple[Tuple[int, ...], Any]:
    """(shape, NumPy dtype) of a *_like result."""
    if not isinstance(t, Tensor):
        raise TypeError(f"expected a Tensor as the first argument (got {type(t).__name__})")
    if type(t) is not Tensor:  # a subclass may show another shape than its array's (vmap's BatchedTensor:
        # one example's; one unbatched result then serves every example)
        return tuple(t.shape), (t.dtype.np if dtype is None else to_np(dtype))
    return t._data.shape, (t._data.dtype if dtype is None else to_np(dtype))


def zeros_like(input: Tensor, *, dtype: Optional[DType] = None, device: DeviceArg = None,
               requires_grad: bool = False, memory_format: Any = None) -> Tensor:
    """zeros_like(input, *, dtype=None, device=None, requires_grad=False) -> Tensor

    A tensor with the size of `input` (and its dtype, unless `dtype` is given), filled with 0.
    """
    shape, dt = _like(input, dtype)
    return _finish(np.zeros(shape, dt), requires_grad, device)


def ones_like(input: Tensor, *, dtype: Optional[DType] = None, device: DeviceArg = None,
              requires_grad: bool = False, memory_format: Any = None) -> Tensor:
    """ones_like(input, *, dtype=None, device=None, requires_grad=False) -> Tensor

    A tensor with the size of `input` (and its dtype, unless `dtype` is given), filled with 1.
    """
    shape, dt = _like(input, dtype)
    return _finish(np.ones(shape, dt), requires_grad, device)


def empty_like(input: Tensor, *, dtype: Optional[DType] = None, device: DeviceArg = None,
               requires_grad: bool = False, memory_format: Any = None) -> Tensor:
    """empty_like(input, *, dtype=None, device=None, requires_grad=False) -> Tensor

    A tensor with the size of `input` (and its dtype, unless `dtype` is given), not initialized (whatever the fresh memory held).
    """
    shape, dt = _like(input, dtype)
    return _finish(np.empty(shape, dt), requires_grad, device)


def full_like(input: Tensor, fill_value: Number, *, dtype: Optional[DType] = None,
              device: DeviceArg = None, requires_grad: bool = False, memory_format: Any = None) -> Tensor:
    """full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False) -> Tensor

    A tensor with the size of `input` (and its dtype, unless `dtype` is given), every element
    `fill_value`.
    """
    shape, dt = _like(input, dtype)
    return _finish(np.full(shape, _num(fill_value, "full_like", "fill_value", 2), dt), requires_grad, device)


# ---------------------------------------------------------------------------------- random streams
class Generator:
    """Generator(device='cpu') -> Generator

    A random stream of its own: pass it as `generator=` to random functions to draw from it
    instead of the default stream. `torch.Generator().manual_seed(0)` gives a seeded one.
    """

    __slots__ = ("_stream", "device")

    def __init__(self, device: DeviceArg = "cpu", *, _stream: Optional[Stream] = None) -> None:
        self._stream = Stream() if _stream is None else _stream
        self.device = device

    def manual_seed(self, seed: int) -> "Generator":
        """manual_seed(seed) -> Generator

        Restart this stream from `seed`, so the draws after it are reproducible; returns self.
        """
        self._stream.manual_seed(seed)
        return self

    def seed(self) -> int:
        """seed() -> int

        Restart this stream from a fresh non-deterministic seed, and return that seed.
        """
        return self._stream.seed()

    def initial_seed(self) -> int:
        """initial_seed() -> int

        The seed this stream was last started from.
        """
        return self._stream.initial

    def get_state(self) -> Tensor:
        """get_state() -> Tensor

        The stream's position as a uint8 tensor, for set_state to return to later.
        """
        return _plain(self._stream.get_state())

    def set_state(self, new_state: Tensor) -> "Generator":
        """set_state(new_state) -> Generator

        Return the stream to a position get_state gave; returns self.
        """
        self._stream.set_state(new_state._data if isinstance(new_state, Tensor) else new_state)
        return self


default_generator = Generator(_stream=default_stream)


def manual_seed(seed: int) -> Generator:
    """manual_seed(seed) -> Generator

    Seed the default random stream, so the random numbers after it are reproducible; returns
    torch.default_generator.
    """
    return default_generator.manual_seed(seed)


def seed() -> int:
    """seed() -> int

    Seed the default random stream from a fresh non-deterministic seed, and return that seed.
    """
    return default_generator.seed()


def initial_seed() -> int:
    """initial_seed() -> int

    The seed the default random stream was last started from.
    """
    return default_generator.initial_seed()


def get_rng_state() -> Tensor:
    """get_rng_state() -> Tensor

    The default random stream's position as a uint8 tensor, for set_rng_state.
    """
    return default_generator.get_state()


def set_rng_state(new_state: Tensor) -> None:
    """set_rng_state(new_state) -> None

    Return the default random stream to a position get_rng_state gave.
    """
    default_generator.set_state(new_state)


# ---------------------------------------------------------------------------------- random
# PyTorch's ScalarType names, as its error messages spell dtypes
_SCALAR_TYPE_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
                      "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
                      "complex64": "ComplexFloat", "complex128": "ComplexDouble"}


def _float_random_dtype(dtype: Optional[DType], fn: str) -> np.dtype:
    """The floating NumPy dtype to draw in; PyTorch's error for any other."""
    dt = np.dtype(_float_dtype(dtype))
    if dt.kind != "f":
        kernel = {"uniform": "check_uniform_bounds", "normal": "normal_kernel_cpu"}.get(fn, fn)
        name = _SCALAR_TYPE_NAMES[from_np(dt).name]
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{name}' "
                                  f"(random floats need a floating dtype, e.g. dtype=torch.float32)")
    return dt


def _draw(fn: str, shape: Tuple[int, ...], dt: np.dtype, generator: Optional[Generator]) -> np.ndarray:
    """PyTorch's draws for a new (contiguous) tensor: "uniform" in [0, 1) or "normal" N(0, 1), in
    dtype `dt` (float32 or float64; other floating dtypes draw in float32 and round)."""
    stream = _rng(generator)
    n = math.prod(shape)
    flat = stream.uniform(n, dt, 0.0, 1.0) if fn == "uniform" else stream.normal(n, dt)
    return flat.reshape(shape).astype(dt, copy=False)


def rand(*size_args: Any, size: Any = None, generator: Optional[Generator] = None,
         dtype: Optional[DType] = None, device: DeviceArg = None, requires_grad: bool = False,
         out: Optional[Tensor] = None) -> Tensor:
    """rand(*size, *, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor

    A tensor of the given size with values drawn uniformly from [0, 1), of a floating dtype (the
    default float unless `dtype` is given).
    """
    dt = _float_random_dtype(dtype, "uniform")
    return _finish(_draw("uniform", _parse_size(_given_size(size_args, size, "rand"), "rand"), dt, generator), requires_grad, device)


def randn(*size_args: Any, size: Any = None, generator: Optional[Generator] = None,
          dtype: Optional[DType] = None, device: DeviceArg = None, requires_grad: bool = False,
          out: Optional[Tensor] = None) -> Tensor:
    """randn(*size, *, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor

    A tensor of the given size with values drawn from the standard normal distribution (mean 0,
    variance 1), of a floating dtype (the default float unless `dtype` is given).
    """
    dt = _float_random_dtype(dtype, "normal")
    return _finish(_draw("normal", _parse_size(_given_size(size_args, size, "randn"), "randn"), dt, generator), requires_grad, device)


def randint(low: int = 0, high: Any = None, size: Any = None, *, generator: Optional[Generator] = None,
            dtype: Optional[DType] = None, device: DeviceArg = None, requires_grad: bool = False) -> Tensor:
    """randint(low=0, high, size, *, generator=None, dtype=torch.int64, device=None) -> Tensor

    A tensor of the given size (a tuple) with integers drawn uniformly from [low, high);
    `randint(high, size)` draws from [0, high).
    """
    if size is None:
        if high is None or isinstance(high, (int, np.integer)):
            raise TypeError("randint() missing required argument 'size'")
        low, high, size = 0, low, high
    if high is None:
        raise TypeError("randint() missing required argument 'high'")
    if type(low) is not int or type(high) is not int:
        low, high = _args.int_arg(low, "randint", "low"), _args.int_arg(high, "randint", "high", 1)
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    shape = _parse_size((size,), "randint")
    np_dtype = np.int64 if dtype is None else to_np(dtype)
    n = int(np.prod(shape, dtype=np.int64))
    return _finish(_rng(generator).ints(n, low, high).reshape(shape).astype(np_dtype), requires_grad, device)


def randperm(n: int, *, generator: Optional[Generator] = None, dtype: Optional[DType] = None,
             device: DeviceArg = None, requires_grad: bool = False) -> Tensor:
    """randperm(n, *, generator=None, dtype=torch.int64, device=None, requires_grad=False) -> Tensor

    A random permutation of the integers 0 to n - 1.
    """
    if type(n) is not int:
        n = _args.int_arg(n, "randperm", "n", 1)
    np_dtype = np.int64 if dtype is None else to_np(dtype)
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    return _finish(_rng(generator).perm(int(n)).astype(np_dtype), requires_grad, device)


def normal(mean: Any = 0.0, std: Any = 1.0, size: Any = None, *, generator: Optional[Generator] = None,
           dtype: Optional[DType] = None, device: DeviceArg = None, requires_grad: bool = False,
           out: Optional[Tensor] = None) -> Tensor:
    """normal(mean, std, size=None, *, generator=None, dtype=None, ...) -> Tensor

    Draws from normal distributions N(mean, std**2). With numbers for mean and std, `size` gives
    the shape; with tensors (either or both), one draw per element of their broadcast shape, each
    with its own mean and std.
    """
    for name, value in (("mean", mean), ("std", std)):
        if not isinstance(value, (Tensor, numbers.Real)):
            raise TypeError(f"normal(): argument '{name}' must be Tensor or float, not {type(value).__name__}")
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        m = mean._data if isinstance(mean, Tensor) else mean
        s = std._data if isinstance(std, Tensor) else std
        ref = mean if isinstance(mean, Tensor) else std
        if np.any(np.asarray(s) < 0):
            raise RuntimeError("normal expects all elements of std >= 0.0")
        try:
            shape = np.broadcast_shapes(np.shape(m), np.shape(s))
        except ValueError:
            sa, sb = np.shape(m), np.shape(s)
            n = max(len(sa), len(sb))
            pa, pb = (1,) * (n - len(sa)) + sa, (1,) * (n - len(sb)) + sb
            d = max(i for i in _builtin_range(n) if pa[i] != pb[i] and 1 not in (pa[i], pb[i]))
            raise RuntimeError(f"The size of tensor a ({pa[d]}) must match the size of tensor b "
                               f"({pb[d]}) at non-singleton dimension {d} (mean has shape {list(sa)}, "
                               f"std has shape {list(sb)})") from None
        dt = ref._data.dtype
        # PyTorch: out.normal_(0, std) then += mean for a number std; else normal_(0, 1), *= std, += mean
        if isinstance(std, Tensor):
            z = _rng(generator).normal(int(np.prod(shape, dtype=np.int64)), dt).reshape(shape)
            z = (z * np.asarray(s, dt)).astype(dt, copy=False)
        else:
            z = _rng(generator).normal(int(np.prod(shape, dtype=np.int64)), dt, 0.0, float(std)).reshape(shape)
        return _finish((z + np.asarray(m, dt)).astype(dt, copy=False), requires_grad, device)
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    if size is None:
        raise TypeError("normal() with number mean and std needs a size")
    dt = _float_random_dtype(dtype, "normal")
    shape = _parse_size((size,), "normal")
    z = _rng(generator).normal(int(np.prod(shape, dtype=np.int64)), dt, float(mean), float(std))
    return _finish(z.reshape(shape).astype(dt, copy=False), requires_grad, device)


def rand_like(input: Tensor, *, dtype: Optional[DType] = None, device: DeviceArg = None,
              requires_grad: bool = False, generator: Optional[Generator] = None) -> Tensor:
    """rand_like(input, *, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor

    Uniform draws from [0, 1) with the size of `input` (and its dtype, unless `dtype` is given).
    """
    shape, dt = _like(input, dtype)
    return rand(shape, dtype=from_np(dt), requires_grad=requires_grad, generator=generator)


def randn_like(input: Tensor, *, dtype: Optional[DType] = None, device: DeviceArg = None,
               requires_grad: bool = False, generator: Optional[Generator] = None) -> Tensor:
    """randn_like(input, *, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor

    Standard normal draws with the size of `input` (and its dtype, unless `dtype` is given).
    """
    shape, dt = _like(input, dtype)
    return randn(shape, dtype=from_np(dt), requires_grad=requires_grad, generator=generator)


def randint_like(input: Tensor, low: int = 0, high: Optional[int] = None, *, generator: Optional[Generator] = None,
                 dtype: Optional[DType] = None, device: DeviceArg = None, requires_grad: bool = False) -> Tensor:
    """randint_like(input, low=0, high, *, generator=None, dtype=None, device=None) -> Tensor

    Integers drawn uniformly from [low, high) with the size of `input` (and its dtype, unless
    `dtype` is given); `randint_like(input, high)` draws from [0, high).
    """
    if high is None:
        low, high = 0, low
    shape, dt = _like(input, dtype)
    return randint(low, high, shape, dtype=from_np(dt), generator=generator)


def bernoulli(input: Tensor, p: Optional[float] = _args.OMITTED, *, generator: Optional[Generator] = None,
              out: Optional[Tensor] = None) -> Tensor:
    """bernoulli(input, p=None, *, generator=None, out=None) -> Tensor

    Draws of 0 or 1, with the size and dtype of `input`: each element is 1 with the probability
    given by the matching element of `input` (or by the number `p` when given). With `out=`, the
    draws are written into `out`.
    """
    if p is _args.OMITTED:
        p = None
    elif type(p) is not float:
        p = _args.float_arg(p, "bernoulli", "p", 2)
    if p is None:
        if input._data.dtype.kind not in "fc":
            raise NotImplementedError(f"\"bernoulli_tensor_cpu_p_\" not implemented for "
                                      f"'{_SCALAR_NAMES.get(input.dtype.name, input.dtype.name)}' (the "
                                      "probabilities must be a floating tensor)")
        _check_probabilities(input._data)
    else:
        _check_probability(p)
    probs = input._data if p is None else np.full(input._data.shape, float(p))
    if probs.dtype.kind == "c":
        probs = probs.real
    draw = _rng(generator).bernoulli(np.asarray(probs))
    result = _plain(draw.astype(input._data.dtype))
    return result if out is None else write_out("bernoulli", result, out, (input,))


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *,
                generator: Optional[Generator] = None, out: Optional[Tensor] = None) -> Tensor:
    """multinomial(input, num_samples, replacement=False, *, generator=None) -> LongTensor

    `num_samples` category indices (int64) per row of `input` (1-D, or 2-D for one draw set per
    row), category i drawn with probability proportional to input[..., i] (the weights need not
    sum to 1). Without replacement a row's indices are distinct, and zero-weight categories come
    only after all the others.
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"multinomial(): argument 'input' must be Tensor, not {type(input).__name__}")
    if type(num_samples) is not int:
        num_samples = _args.int_arg(num_samples, "multinomial", "num_samples", 2)
    w = input._data
    if w.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if w.dtype.kind not in "fc":
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: {input.dtype}")
    if not isinstance(num_samples, numbers.Integral) or num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    rows = w.reshape(-1, w.shape[-1])
    if rows.dtype.kind == "c":
        rows = rows.real
    k = rows.shape[1]
    if not replacement and num_samples > k:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    if not np.isfinite(rows).all() or (rows < 0).any():
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    totals = rows.astype(np.float64).sum(1)
    if (totals <= 0).any():
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    rng = _rng(generator)
    picks = rng.multinomial(rows, num_samples, replacement)
    picks = picks.astype(np.int64)
    result = _plain(picks.reshape(num_samples) if w.ndim == 1 else picks)
    if out is None:
        return result
    if isinstance(out, Tensor) and out._data.dtype != np.int64:
        raise RuntimeError(f"multinomial expects Long tensor out, got: {out.dtype}")
    return write_out("multinomial", result, out)


def _check_probability(p: Any) -> None:
    """PyTorch's error for a probability p outside [0, 1] (bernoulli's number p)."""
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")


def _check_probabilities(probs: np.ndarray) -> None:
    """PyTorch's error for a tensor of probabilities with an element outside [0, 1] (NaN included)."""
    if probs.size and not np.all((probs >= 0) & (probs <= 1)):
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false. (Each probability "
                           "must lie in [0, 1]: clamp them, or pass torch.sigmoid(logits).)")


_SCALAR_NAMES = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


# ---------------------------------------------------------------------------------- legacy
def _legacy_constructor(*args: Any, dtype: Optional[DType] = None, **kwargs: Any) -> Tensor:
    """torch.Tensor(2, 3) (uninitialized, float32) or torch.Tensor([1, 2]) (data, float32)."""
    np_dtype = float32.np if dtype is None else to_np(dtype)
    if not args:
        return _plain(np.empty((0,), np_dtype))
    if len(args) == 1 and not isinstance(args[0], numbers.Integral):
        a = args[0]
        if isinstance(a, Size):
            return _plain(np.empty(tuple(a), np_dtype))
        return _plain(np.array(_to_array(a, None), dtype=np_dtype))
    return _plain(np.empty(_parse_size(args, "Tensor"), np_dtype))


# ---------------------------------------------------------------------------------- in-place random fills
def _random_fill(self: Tensor, values: np.ndarray) -> Tensor:
    """Write `values` into self in place, as the random fills (normal_, uniform_ ...) do.

    `values` is either self's shape, or flat: the draws in the order PyTorch's kernel visits the
    elements (memory order: innermost stride first), placed by `_in_memory_order`."""
    if values.ndim == 1 and values.shape != self._data.shape:
        values = _in_memory_order(self._data, values)
    if _check_inplace(self):  # a non-leaf in a graph: the new values no longer depend on the old ones
        return _write_into(self, _snapshot(self) * 0 + _plain(values.astype(self._data.dtype, copy=False)))
    np.copyto(self._data, values, casting="unsafe")
    _bump_version(self)
    return self


def _in_memory_order(arr: np.ndarray, flat: np.ndarray) -> np.ndarray:
    """Arrange `flat` (one value per element) into arr's shape so the values follow arr's memory
    order, the order PyTorch's serial random kernels write a strided tensor in."""
    if arr.flags.c_contiguous or arr.ndim < 2:
        return flat.reshape(arr.shape)
    order = sorted(_builtin_range(arr.ndim), key=lambda d: -abs(arr.strides[d]) if arr.shape[d] > 1 else 0)
    vals = flat.reshape([arr.shape[d] for d in order])
    return np.transpose(vals, np.argsort(order))


def _is_contiguous(arr: np.ndarray) -> bool:
    """PyTorch's is_contiguous for the normal kernel's choice of path."""
    return bool(arr.flags.c_contiguous)


def _float_fill_dtype(self: Tensor, fn: str) -> Any:
    """The tensor's floating NumPy dtype; PyTorch's error for an integer or bool tensor."""
    if self._data.dtype.kind != "f":
        raise RuntimeError(f"\"{fn}\" not implemented for '{_SCALAR_TYPE_NAMES[self.dtype.name]}'")
    return self._data.dtype


# how Cauchy's error spells a dtype (the C++ type's name; Exponential's uses PyTorch's ScalarType names)
_CXX_TYPE_NAMES = {"int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
                   "uint8": "unsigned char", "bool": "bool"}


def _continuous_dtype(self: Tensor, name: str) -> None:
    """PyTorch's error for a continuous distribution's in-place sampler on an integer or bool tensor."""
    if self._data.dtype.kind != "f":
        dt = self.dtype.name
        spelled = _CXX_TYPE_NAMES.get(dt, dt) if name == "Cauchy" else _SCALAR_TYPE_NAMES.get(dt, dt)
        raise RuntimeError(f"{name} distribution is a continuous probability distribution. dtype must be a "
                           f"floating point but you specified {spelled}")


def normal_(self: Tensor, mean: float = 0.0, std: float = 1.0, *,
            generator: Optional[Generator] = None) -> Tensor:
    """normal_(mean=0, std=1, *, generator=None) -> Tensor

    Fills this floating tensor in place with draws from the normal distribution N(mean, std**2);
    returns it.
    """
    for name, value, position in (("mean", mean, 1), ("std", std, 2)):
        if not isinstance(value, numbers.Real):
            raise TypeError(f"normal_(): argument '{name}' (position {position}) must be float, not "
                            f"{type(value).__name__}")
    dt = _float_fill_dtype(self, "normal_kernel_cpu")
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    z = _rng(generator).normal(self._data.size, dt, float(mean), float(std), _is_contiguous(self._data))
    return _random_fill(self, z)


def uniform_(self: Tensor, a: float = 0.0, b: float = 1.0, *, from_: Any = None, to: Any = None,
             generator: Optional[Generator] = None) -> Tensor:
    """uniform_(from=0, to=1, *, generator=None) -> Tensor

    Fills this floating tensor in place with draws from the uniform distribution on [from, to);
    returns it.
    """
    if from_ is not None:
        a = from_
    if to is not None:
        b = to
    dt = _float_fill_dtype(self, "uniform_kernel_cpu")
    if a > b:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={a} > to={b}")
    return _random_fill(self, _rng(generator).uniform(self._data.size, dt, float(a), float(b)))


_NOT_GIVEN: Any = object()
# random_(from, None): the largest value each dtype's draws may take (floats: integers exactly representable)
_RANDOM_TOP = {"float32": 1 << 24, "float64": 1 << 53, "float16": 1 << 11, "bool": 1}


def random_(self: Tensor, low: Any = _NOT_GIVEN, high: Any = _NOT_GIVEN, *,
            generator: Optional[Generator] = None) -> Tensor:
    """random_(from=0, to=None, *, generator=None) -> Tensor

    Fills this tensor in place with integers drawn uniformly from [from, to); `random_(to)` draws
    from [0, to), `random_(from, None)` from `from` up to the dtype's largest value, and
    `random_()` from [0, 2**mantissa] for floating tensors, [0, max] for integer ones. Returns it.
    """
    stream, arr = _rng(generator), self._data
    n = arr.size
    if low is _NOT_GIVEN and high is _NOT_GIVEN:
        return _random_fill(self, stream.default_ints(n, arr.dtype))
    if high is _NOT_GIVEN:
        if type(low) is not int:  # random_(to): None is no `to` here
            low = _args.int_arg(low, "random_", "to", 1)
        low, high = 0, low
    if type(low) is not int or (high is not None and type(high) is not int):
        low = _args.int_arg(low, "random_", "from", 1)
        high = None if high is None else _args.int_arg(high, "random_", "to", 2)
    if high is None:
        top = _RANDOM_TOP.get(arr.dtype.name)
        top = int(np.iinfo(arr.dtype).max) if top is None else top
        if int(low) > top:
            raise RuntimeError(f"random_ expects 'from' casted to dtype to be less than or equal to 'to_inc' "
                               f"casted to dtype, but got from={low} > to_inc={top}")
        if top - int(low) + 1 >= 1 << 64:
            return _random_fill(self, stream.full_range(n))
        return _random_fill(self, stream.ints(n, int(low), top + 1))
    if int(low) >= int(high):
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    return _random_fill(self, stream.ints(n, int(low), int(high)))


def bernoulli_(self: Tensor, p: Union[float, Tensor] = 0.5, *,
               generator: Optional[Generator] = None) -> Tensor:
    """bernoulli_(p=0.5, *, generator=None) -> Tensor

    Fills this tensor in place with draws of 0 or 1, each 1 with probability `p` (a number, or a
    tensor of per-element probabilities broadcast to this one). Returns it.
    """
    stream = _rng(generator)
    if isinstance(p, Tensor):
        _check_probabilities(p._data)
        try:
            fits = np.broadcast_shapes(p._data.shape, self._data.shape) == self._data.shape
        except ValueError:
            fits = False
        if not fits:
            raise RuntimeError(f"The expanded size of the tensor ({list(self.shape)}) must match the existing size "
                               f"{list(p.shape)} (p must broadcast to the shape of the tensor filled)")
        work = np.float64 if p._data.dtype == np.float64 else np.float32
        u = _in_memory_order(self._data, stream.unit(self._data.size, work))
        return _random_fill(self, u < np.broadcast_to(p._data, self._data.shape).astype(work))
    _check_probability(p)
    return _random_fill(self, stream.unit(self._data.size, np.float64) < float(p))


def exponential_(self: Tensor, lambd: float = 1.0, *, generator: Optional[Generator] = None) -> Tensor:
    """exponential_(lambd=1, *, generator=None) -> Tensor

    Fills this floating tensor in place with draws from the exponential distribution of rate
    `lambd` (mean 1 / lambd); returns it.
    """
    if type(lambd) is not float:
        lambd = _args.float_arg(lambd, "exponential_", "lambd", 1)
    _continuous_dtype(self, "Exponential")
    if not (lambd > 0 and math.isfinite(lambd)):
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
    return _random_fill(self, _rng(generator).exponential(self._data.size, lambd))


def cauchy_(self: Tensor, median: float = 0.0, sigma: float = 1.0, *,
            generator: Optional[Generator] = None) -> Tensor:
    """cauchy_(median=0, sigma=1, *, generator=None) -> Tensor

    Fills this floating tensor in place with draws from the Cauchy distribution of location
    `median` and scale `sigma`; returns it.
    """
    if type(median) is not float or type(sigma) is not float:
        median, sigma = _args.float_arg(median, "cauchy_", "median", 1), _args.float_arg(sigma, "cauchy_", "sigma", 2)
    _continuous_dtype(self, "Cauchy")
    if not sigma > 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma}")
    return _random_fill(self, _rng(generator).cauchy(self._data.size, median, sigma))


def geometric_(self: Tensor, p: float, *, generator: Optional[Generator] = None) -> Tensor:
    """geometric_(p, *, generator=None) -> Tensor

    Fills this tensor in place with draws from the geometric distribution: the number of Bernoulli
    trials of success probability `p` up to and including the first success (1, 2, ...); returns it.
    """
    if type(p) is not float:
        p = _args.float_arg(p, "geometric_", "p", 1)
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
    if self._data.dtype == np.bool_:
        raise NotImplementedError("\"geometric_cpu\" not implemented for 'Bool'")
    return _random_fill(self, _rng(generator).geometric(self._data.size, p))


def log_normal_(self: Tensor, mean: float = 1.0, std: float = 2.0, *,
                generator: Optional[Generator] = None) -> Tensor:
    """log_normal_(mean=1, std=2, *, generator=None) -> Tensor

    Fills this floating tensor in place with draws whose logarithm is normal N(mean, std**2);
    returns it.
    """
    if self._data.dtype.kind != "f":
        raise NotImplementedError(f"\"log_normal_cpu\" not implemented for '{_SCALAR_TYPE_NAMES[self.dtype.name]}'")
    if type(mean) is not float or type(std) is not float:
        mean, std = _args.float_arg(mean, "log_normal_", "mean", 1), _args.float_arg(std, "log_normal_", "std", 2)
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std}")
    return _random_fill(self, _rng(generator).log_normal(self._data.size, mean, std))


# ---------------------------------------------------------------------------------- new tensors like one
def _legacy_init(self: Tensor, *args: Any, **kwargs: Any) -> None:
    """Tensor(*sizes) or Tensor(data): the legacy constructor, float32 unless the data says
    otherwise (uninitialized values from sizes). torch.tensor(data) is the way to build one."""
    t = _legacy_constructor(*args, **kwargs)
    self._data, self._rg, self._edge = t._data, False, t._edge


def new_tensor(self: Tensor, data: Any, dtype: Optional[DType] = None, requires_grad: bool = False, *,
               device: DeviceArg = None) -> Tensor:
    """new_tensor(data, dtype=None, requires_grad=False) -> Tensor

    A new tensor holding a copy of `data` (as torch.tensor), of this tensor's dtype unless
    `dtype` is given.
    """
    return tensor(data, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)


def new_zeros(self: Tensor, *size: Any, dtype: Optional[DType] = None, requires_grad: bool = False,
              device: DeviceArg = None) -> Tensor:
    """new_zeros(*size, dtype=None, requires_grad=False) -> Tensor

    A tensor of the given size filled with 0, of this tensor's dtype unless `dtype` is given.
    """
    return zeros(*size, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)


def new_ones(self: Tensor, *size: Any, dtype: Optional[DType] = None, requires_grad: bool = False,
             device: DeviceArg = None) -> Tensor:
    """new_ones(*size, dtype=None, requires_grad=False) -> Tensor

    A tensor of the given size filled with 1, of this tensor's dtype unless `dtype` is given.
    """
    return ones(*size, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)


def new_full(self: Tensor, size: Sequence[int], fill_value: Number, dtype: Optional[DType] = None,
             requires_grad: bool = False, *, device: DeviceArg = None) -> Tensor:
    """new_full(size, fill_value, dtype=None, requires_grad=False) -> Tensor

    A tensor of the given size with every element `fill_value`, of this tensor's dtype unless
    `dtype` is given.
    """
    return full(size, fill_value, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)


def new_empty(self: Tensor, *size: Any, dtype: Optional[DType] = None, requires_grad: bool = False,
              device: DeviceArg = None) -> Tensor:
    """new_empty(*size, dtype=None, requires_grad=False) -> Tensor

    A tensor of the given size, not initialized, of this tensor's dtype unless `dtype` is given.
    """
    return empty(*size, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)


def new(self: Tensor, *args: Any, device: DeviceArg = None) -> Tensor:
    """new(*sizes) -> Tensor, new(data) -> Tensor, new(tensor) -> Tensor

    The legacy constructor of this tensor's dtype: sizes (ints, or a torch.Size) give an
    uninitialized tensor of that shape, a list or tuple is data (copied, as new_tensor), and a tensor
    of this dtype is returned itself. Prefer new_empty, new_tensor, new_zeros ...
    """
    require_cpu(device or "cpu")
    np_dtype = self._data.dtype
    if not args:
        return _plain(np.empty((0,), np_dtype))
    first = args[0]
    if len(args) == 1 and isinstance(first, Tensor):
        if first._data.dtype != np_dtype:
            raise TypeError(f"new(): expected a tensor of dtype {self.dtype}, got one of {first.dtype} "
                            f"(convert it first, e.g. other.to({self.dtype}))")
        return first
    if len(args) == 1 and not isinstance(first, (numbers.Integral, Size)):
        if isinstance(first, (list, tuple, np.ndarray)) or isinstance(first, numbers.Number):
            return _plain(np.array(_to_array(first, None), dtype=np_dtype))
        raise TypeError(f"new(): data must be a sequence (got {type(first).__name__})")
    return _plain(np.empty(_parse_size(args, "new"), np_dtype))


class CreationMethods:
    """Tensor methods that fill a tensor with random draws in place (normal_, uniform_ ...) or
    create a new tensor with this one's dtype (new_zeros, new_tensor ...)."""

    __slots__ = ()

    __init__ = _legacy_init

    # ------------------------------------------------------------------ random draws
    def bernoulli(self, p: Optional[float] = _args.OMITTED, *, generator: Optional[Generator] = None) -> Tensor:
        """bernoulli(p=None, *, generator=None) -> Tensor

        Draws of 0 or 1 with this tensor's size and dtype: each element is 1 with the probability
        this tensor's matching element gives (or the number `p`, when given). See torch.bernoulli.
        """
        return bernoulli(self, p, generator=generator)  # type: ignore[arg-type]

    def multinomial(self, num_samples: int, replacement: bool = False, *,
                    generator: Optional[Generator] = None) -> Tensor:
        """multinomial(num_samples, replacement=False, *, generator=None) -> LongTensor

        `num_samples` category indices per row of this tensor of weights (1-D, or 2-D for one draw
        set per row). See torch.multinomial.
        """
        return multinomial(self, num_samples, replacement, generator=generator)  # type: ignore[arg-type]

    # ------------------------------------------------------------------ random fills, in place
    normal_ = normal_
    uniform_ = uniform_
    random_ = random_
    bernoulli_ = bernoulli_
    exponential_ = exponential_
    cauchy_ = cauchy_
    geometric_ = geometric_
    log_normal_ = log_normal_

    # ------------------------------------------------------------------ new tensors like this one
    new_tensor = new_tensor
    new = new
    new_zeros = new_zeros
    new_ones = new_ones
    new_full = new_full
    new_empty = new_empty
