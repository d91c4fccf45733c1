"""Tensor creation: tensor, as_tensor, from_numpy, arange, zeros, ones, full, eye, linspace, the
*_like forms and the random ones. Sizes may be given as ints, a tuple, a list or a torch.Size."""
import math
import numbers

import numpy as np

from . import _dtype as D
from ._random import rng as _rng
from ._tensor import Size, Tensor, _plain, device

__all__ = [
    "tensor", "as_tensor", "from_numpy", "asarray", "arange", "range", "zeros", "ones", "full",
    "empty", "eye", "linspace", "logspace", "zeros_like", "ones_like", "full_like", "empty_like",
    "rand", "randn", "randint", "randperm", "normal", "rand_like", "randn_like", "randint_like",
    "bernoulli", "scalar_tensor",
]

_builtin_range = range


def _finish(arr, requires_grad, dev=None):
    if dev is not None:
        device(dev)
    t = _plain(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _parse_size(size, fn="zeros"):
    """(2, 3) | ((2, 3),) | ([2, 3],) | (Size,) -> a tuple of non-negative ints."""
    if len(size) == 1 and not isinstance(size[0], numbers.Integral) and not (
            isinstance(size[0], Tensor) and size[0].dim() == 0):
        size = size[0]
    try:
        dims = tuple(int(s.__index__()) for s in size)
    except (AttributeError, TypeError):
        raise TypeError(f"{fn}(): argument 'size' must be tuple of ints, but found element of type "
                        f"{next(type(s).__name__ for s in size if not hasattr(s, '__index__'))}") from None
    for s in dims:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(dims)}")
    return dims


def _float_dtype(dtype):
    return D.defaults.float if dtype is None else D.to_np(dtype)


# ---------------------------------------------------------------------------------- from data
def _to_array(data, dtype):
    """Python data -> ndarray with PyTorch's inferred dtype (floats: default float; ints: int64)."""
    if isinstance(data, Tensor):
        arr = data._data
        return arr if dtype is None else arr.astype(dtype)
    if isinstance(data, np.ndarray):
        if data.dtype not in D.FROM_NP:
            D.from_np(data.dtype)  # raises TypeError for unsupported NumPy types
        return data if dtype is None else data.astype(dtype)
    if isinstance(data, (list, tuple)):
        data = _unwrap_nested(data)
    elif isinstance(data, np.generic):
        return np.asarray(data) if dtype is None else np.asarray(data, dtype=dtype)
    elif not isinstance(data, numbers.Number):
        raise TypeError(f"Could not infer dtype of {type(data).__name__}")
    try:
        arr = np.array(data)
    except ValueError:
        _raise_ragged(data)
    if arr.dtype == object:
        _raise_ragged(data)
    if dtype is not None:
        return arr.astype(dtype)
    kind = arr.dtype.kind
    if kind == "f":
        return arr.astype(D.defaults.float) if _all_python(data) else arr
    if kind == "c":
        return arr.astype(D.get_default_dtype().to_complex().np)
    if kind in "iu":
        return arr.astype(np.int64)
    if kind == "b":
        return arr
    raise TypeError(f"Could not infer dtype of {type(data).__name__}")


def _all_python(data):
    """True unless the data holds NumPy float scalars (which keep their own precision)."""
    if isinstance(data, np.floating):
        return False
    if isinstance(data, (list, tuple)):
        return all(_all_python(x) for x in data[:1]) if data else True
    return True


def _unwrap_nested(data):
    out = []
    for x in data:
        if isinstance(x, Tensor):
            out.append(x._data.tolist() if x.dim() else x._data.item())
        elif isinstance(x, (list, tuple)):
            out.append(_unwrap_nested(x))
        else:
            out.append(x)
    return out


def _raise_ragged(data):
    def walk(x, dim):
        if not isinstance(x, (list, tuple)):
            return
        lens = {len(e) if isinstance(e, (list, tuple)) else -1 for e in x}
        if len(lens) > 1:
            first = len(x[0]) if isinstance(x[0], (list, tuple)) else None
            bad = next(len(e) if isinstance(e, (list, tuple)) else None for e in x
                       if (len(e) if isinstance(e, (list, tuple)) else None) != first)
            if first is None or bad is None:
                raise TypeError("tensor(): nested sequences mix numbers and lists")
            raise ValueError(f"expected sequence of length {first} at dim {dim} (got {bad})")
        for e in x:
            walk(e, dim + 1)
    walk(data, 1)
    raise TypeError("tensor(): could not convert the data to a tensor (elements must be numbers)")


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor holding a copy of `data` (nested lists of numbers, a NumPy array, a tensor)."""
    if isinstance(data, Tensor):
        import warnings
        warnings.warn("To copy construct from a tensor, it is recommended to use "
                      "sourceTensor.detach().clone() or sourceTensor.detach().clone()"
                      ".requires_grad_(True), rather than torch.tensor(sourceTensor).",
                      UserWarning, stacklevel=2)
    arr = _to_array(data, D.to_np(dtype))
    if arr is getattr(data, "_data", None) or arr is data or (isinstance(data, np.ndarray) and np.shares_memory(arr, data)):
        arr = arr.copy()
    return _finish(arr, requires_grad, device)


def as_tensor(data, dtype=None, device=None):
    """Like tensor(), but shares memory with a NumPy array or tensor of the same dtype."""
    if isinstance(data, Tensor) and (dtype is None or dtype.np == data._data.dtype):
        return data
    return _finish(_to_array(data, D.to_np(dtype)), False, device)


asarray = as_tensor


def from_numpy(ndarray):
    """A tensor sharing memory with `ndarray` (writes through both ways)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    D.from_np(ndarray.dtype)
    return _plain(ndarray)


def scalar_tensor(value, dtype=None, requires_grad=False):
    return _finish(np.asarray(value, dtype=_float_dtype(dtype)), requires_grad)


# ---------------------------------------------------------------------------------- ranges
def _num(x):
    return x.item() if isinstance(x, Tensor) else x


def arange(start=0, end=None, step=1, *, dtype=None, device=None, requires_grad=False, out=None):
    """Values from start (inclusive) to end (exclusive) by step. Integer arguments give int64;
    any float argument gives the default float dtype."""
    if end is None:
        start, end = 0, start
    start, end, step = _num(start), _num(end), _num(step)
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    if dtype is None:
        floating = any(isinstance(v, float) or isinstance(v, np.floating) for v in (start, end, step))
        np_dtype = D.defaults.float if floating else np.int64
    else:
        np_dtype = D.to_np(dtype)
    n = math.ceil((end - start) / step)
    arr = (start + np.arange(n, dtype=np.float64) * step).astype(np_dtype) if (
        np.dtype(np_dtype).kind == "f" or isinstance(step, float) or isinstance(start, float)) else \
        np.arange(start, end, step, dtype=np_dtype)
    return _finish(arr, requires_grad, device)


def range(start=0, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
    """Deprecated in PyTorch: like arange but includes `end`."""
    if end is None:
        start, end = 0, start
    n = int(math.floor((end - start) / step)) + 1
    arr = (start + np.arange(n, dtype=np.float64) * step).astype(_float_dtype(dtype))
    return _finish(arr, requires_grad, device)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False):
    """`steps` values evenly spaced from start to end, both included."""
    start, end = _num(start), _num(end)
    if not isinstance(steps, numbers.Integral) or steps < 0:
        raise RuntimeError("linspace(): number of steps must be non-negative")
    np_dtype = _float_dtype(dtype)
    work = np_dtype if np.dtype(np_dtype).kind == "f" else np.float64
    if steps == 1:
        arr = np.array([start], dtype=work)
    else:
        # PyTorch fills the first half from start and the second half from end.
        step = (np.asarray(end, work) - np.asarray(start, work)) / np.asarray(steps - 1, work)
        idx = np.arange(steps, dtype=work)
        half = steps // 2
        arr = np.empty(steps, dtype=work)
        arr[:half] = np.asarray(start, work) + step * idx[:half]
        arr[half:] = np.asarray(end, work) - step * (np.asarray(steps - 1, work) - idx[half:])
    return _finish(arr.astype(np_dtype, copy=False), requires_grad, device)


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False):
    lin = linspace(start, end, steps, dtype=D.float64)._data
    return _finish((base ** lin).astype(_float_dtype(dtype)), requires_grad, device)


# ---------------------------------------------------------------------------------- filled
def zeros(*size_args, size=None, dtype=None, device=None, requires_grad=False, out=None, layout=None):
    return _finish(np.zeros(_parse_size(size_args if size is None else (size,), "zeros"), _float_dtype(dtype)), requires_grad, device)


def ones(*size_args, size=None, dtype=None, device=None, requires_grad=False, out=None, layout=None):
    return _finish(np.ones(_parse_size(size_args if size is None else (size,), "ones"), _float_dtype(dtype)), requires_grad, device)


def empty(*size_args, size=None, dtype=None, device=None, requires_grad=False, out=None, layout=None,
          memory_format=None):
    return _finish(np.empty(_parse_size(size_args if size is None else (size,), "empty"), _float_dtype(dtype)), requires_grad, device)


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False, out=None):
    fill_value = _num(fill_value)
    if dtype is None:
        if isinstance(fill_value, bool):
            np_dtype = np.bool_
        elif isinstance(fill_value, numbers.Integral):
            np_dtype = np.int64
        elif isinstance(fill_value, complex):
            np_dtype = D.get_default_dtype().to_complex().np
        else:
            np_dtype = D.defaults.float
    else:
        np_dtype = D.to_np(dtype)
    shape = _parse_size((size,) if not isinstance(size, numbers.Integral) else ((size,),), "full")
    return _finish(np.full(shape, fill_value, np_dtype), requires_grad, device)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False):
    return _finish(np.eye(n, n if m is None else m, dtype=_float_dtype(dtype)), requires_grad, device)


def _like(t, dtype):
    if not isinstance(t, Tensor):
        raise TypeError(f"expected a Tensor as the first argument (got {type(t).__name__})")
    return t._data.shape, (t._data.dtype if dtype is None else D.to_np(dtype))


def zeros_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    shape, dt = _like(input, dtype)
    return _finish(np.zeros(shape, dt), requires_grad, device)


def ones_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    shape, dt = _like(input, dtype)
    return _finish(np.ones(shape, dt), requires_grad, device)


def empty_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    shape, dt = _like(input, dtype)
    return _finish(np.empty(shape, dt), requires_grad, device)


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    shape, dt = _like(input, dtype)
    return _finish(np.full(shape, _num(fill_value), dt), requires_grad, device)


# ---------------------------------------------------------------------------------- random
def _float_random_dtype(dtype, fn):
    dt = np.dtype(_float_dtype(dtype))
    if dt.kind != "f":
        raise RuntimeError(f"\"{fn}\" not implemented for '{D.from_np(dt).name.capitalize()}'")
    return dt


def _draw(fn, shape, dt, generator):
    rng = _rng(generator)
    if dt in (np.float32, np.float64):
        return getattr(rng, fn)(shape, dtype=dt)
    return getattr(rng, fn)(shape).astype(dt)


def rand(*size_args, size=None, generator=None, dtype=None, device=None, requires_grad=False, out=None):
    """Uniform on [0, 1)."""
    dt = _float_random_dtype(dtype, "uniform")
    return _finish(_draw("random", _parse_size(size_args if size is None else (size,), "rand"), dt, generator), requires_grad, device)


def randn(*size_args, size=None, generator=None, dtype=None, device=None, requires_grad=False, out=None):
    """Standard normal."""
    dt = _float_random_dtype(dtype, "normal")
    return _finish(_draw("standard_normal", _parse_size(size_args if size is None else (size,), "randn"), dt, generator), requires_grad, device)


def randint(low=0, high=None, size=None, *, generator=None, dtype=None, device=None, requires_grad=False):
    """Integers uniform on [low, high). randint(high, size) and randint(low, high, size)."""
    if size is None:
        if high is None or isinstance(high, (int, np.integer)):
            raise TypeError("randint() missing required argument 'size'")
        low, high, size = 0, low, high
    if high is None:
        raise TypeError("randint() missing required argument 'high'")
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    shape = _parse_size((size,), "randint")
    np_dtype = np.int64 if dtype is None else D.to_np(dtype)
    return _finish(_rng(generator).integers(low, high, shape).astype(np_dtype), requires_grad, device)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False):
    np_dtype = np.int64 if dtype is None else D.to_np(dtype)
    return _finish(_rng(generator).permutation(n).astype(np_dtype), requires_grad, device)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, device=None, requires_grad=False,
           out=None):
    """normal(mean, std, size) with numbers, or elementwise with tensor mean and/or std."""
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        m = mean._data if isinstance(mean, Tensor) else mean
        s = std._data if isinstance(std, Tensor) else std
        ref = mean if isinstance(mean, Tensor) else std
        if np.any(np.asarray(s) < 0):
            raise RuntimeError("normal expects all elements of std >= 0.0")
        shape = np.broadcast_shapes(np.shape(m), np.shape(s))
        z = _rng(generator).standard_normal(shape).astype(ref._data.dtype)
        return _finish((m + s * z).astype(ref._data.dtype), requires_grad, device)
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    if size is None:
        raise TypeError("normal() with number mean and std needs a size")
    dt = _float_random_dtype(dtype, "normal")
    z = _draw("standard_normal", _parse_size((size,), "normal"), dt, generator)
    return _finish((z * dt.type(std) + dt.type(mean)).astype(dt, copy=False), requires_grad, device)


def rand_like(input, *, dtype=None, device=None, requires_grad=False, generator=None):
    shape, dt = _like(input, dtype)
    return rand(shape, dtype=D.from_np(dt), requires_grad=requires_grad, generator=generator)


def randn_like(input, *, dtype=None, device=None, requires_grad=False, generator=None):
    shape, dt = _like(input, dtype)
    return randn(shape, dtype=D.from_np(dt), requires_grad=requires_grad, generator=generator)


def randint_like(input, low=0, high=None, *, dtype=None, device=None, requires_grad=False):
    if high is None:
        low, high = 0, low
    shape, dt = _like(input, dtype)
    return randint(low, high, shape, dtype=D.from_np(dt))


def bernoulli(input, p=None, *, generator=None):
    probs = input._data if p is None else np.full(input._data.shape, p)
    draw = _rng(generator).random(input._data.shape) < probs
    return _plain(draw.astype(input._data.dtype))


# ---------------------------------------------------------------------------------- legacy
def _legacy_constructor(*args, dtype=None, **kwargs):
    """torch.Tensor(2, 3) (uninitialized, float32) or torch.Tensor([1, 2]) (data, float32)."""
    np_dtype = D.float32.np if dtype is None else D.to_np(dtype)
    if not args:
        return _plain(np.empty((0,), np_dtype))
    if len(args) == 1 and not isinstance(args[0], numbers.Integral):
        a = args[0]
        if isinstance(a, Size):
            return _plain(np.empty(tuple(a), np_dtype))
        return _plain(np.array(_to_array(a, None), dtype=np_dtype))
    return _plain(np.empty(_parse_size(args, "Tensor"), np_dtype))
