"""Tensor creation: tensor, as_tensor, from_numpy, arange, zeros, ones, full, eye, linspace, the
*_like forms and the random ones. Sizes may be given as ints, a tuple, a list or a torch.Size."""
import math
import numbers

import numpy as np

from .. import _dtype as D
from .._random import rng as _rng
from ._core import Size, Tensor, _plain, device, require_cpu

__all__ = [
    "tensor", "as_tensor", "from_numpy", "asarray", "arange", "range", "zeros", "ones", "full",
    "empty", "eye", "linspace", "logspace", "zeros_like", "ones_like", "full_like", "empty_like",
    "rand", "randn", "randint", "randperm", "normal", "rand_like", "randn_like", "randint_like",
    "bernoulli", "scalar_tensor",
]

_builtin_range = range


def _finish(arr, requires_grad, dev=None):
    if dev is not None:
        require_cpu(dev)
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
    """Python data -> ndarray with PyTorch's inferred dtype (floats: default float; ints: int64;
    tensors and NumPy scalars inside a list take part with their own dtype)."""
    if isinstance(data, Tensor):
        arr = data._data
        return arr if dtype is None else arr.astype(dtype)
    if isinstance(data, np.ndarray):
        if data.dtype not in D.FROM_NP:
            D.from_np(data.dtype)  # raises TypeError for unsupported NumPy types
        return data if dtype is None else data.astype(dtype)
    typed = None
    if isinstance(data, (list, tuple)):
        typed = set()
        data = _unwrap_nested(data, typed)
    elif isinstance(data, np.generic):
        return np.asarray(data) if dtype is None else np.asarray(data, dtype=dtype)
    elif isinstance(data, str):
        raise TypeError("new(): invalid data type 'str'")
    elif not isinstance(data, numbers.Number):
        raise RuntimeError(f"Could not infer dtype of {type(data).__name__}")
    try:
        arr = np.array(data)
    except ValueError:
        _raise_ragged(data)
    if arr.dtype == object:
        _raise_ragged(data)
    if dtype is not None:
        return arr.astype(dtype)
    if typed:  # some leaves carry their own dtype: promote them with the Python numbers' kinds
        return arr.astype(_promote_leaves(data, typed), copy=False)
    kind = arr.dtype.kind
    if kind == "f":
        return arr.astype(D.defaults.float)
    if kind == "c":
        return arr.astype(D.get_default_dtype().to_complex().np)
    if kind in "iu":
        return arr.astype(np.int64)
    if kind == "b":
        return arr
    raise TypeError(f"Could not infer dtype of {type(data).__name__}")


_PY_LEAF = (bool, int, float, complex)


def _unwrap_nested(data, typed):
    """Nested lists with tensors replaced by their values; the dtypes of tensors, NumPy scalars and
    arrays found inside are added to `typed`."""
    out = []
    for x in data:
        tx = type(x)
        if tx in _PY_LEAF:
            out.append(x)
        elif tx is list or tx is tuple:
            out.append(_unwrap_nested(x, typed))
        elif isinstance(x, Tensor):
            typed.add(x._data.dtype)
            out.append(x._data.tolist() if x._data.ndim else x._data.item())
        elif isinstance(x, (np.generic, np.ndarray)):
            D.from_np(x.dtype)
            typed.add(x.dtype)
            out.append(x)
        elif isinstance(x, str):
            raise TypeError("new(): invalid data type 'str'")
        elif isinstance(x, numbers.Number):
            out.append(x)
        elif isinstance(x, (list, tuple)):
            out.append(_unwrap_nested(x, typed))
        else:
            raise RuntimeError(f"Could not infer dtype of {tx.__name__}")
    return out


def _promote_leaves(data, typed):
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
    py = {bool: D.bool.np, int: D.int64.np, float: D.defaults.float,
          complex: D.get_default_dtype().to_complex().np}
    result = None
    for dt in list(typed) + [py[k] for k in kinds]:
        result = dt if result is None else D.promote_types(result, dt).np
    return result


def _raise_ragged(data):
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
    any float argument gives the default float dtype. Float values equal PyTorch's bit for bit."""
    if end is None:
        start, end = 0, start
    start, end, step = _num(start), _num(end), _num(step)
    if dtype is None:
        floating = any(isinstance(v, (float, np.floating)) for v in (start, end, step))
        np_dtype = np.dtype(D.defaults.float if floating else np.int64)
    else:
        np_dtype = np.dtype(D.to_np(dtype))
        if np_dtype.kind == "b":
            raise NotImplementedError("\"arange_cpu\" not implemented for 'Bool'")
    if np_dtype.kind in "iu":  # PyTorch converts the arguments to the integer type first
        start, end, step = int(start), int(end), int(step)
    if step == 0:
        raise RuntimeError("step must be nonzero")
    for v in (start, end):
        if not math.isfinite(v):
            raise RuntimeError(f"unsupported range: {start} -> {end}")
    if (end - start) * step < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    if np_dtype.kind in "iu":
        arr = np.arange(start, end, step, dtype=np_dtype)
    else:
        n = math.ceil((float(end) - float(start)) / float(step))
        arr = _arange_float(float(start), float(step), n, np_dtype)
    return _finish(arr, requires_grad, device)


# ---- PyTorch-exact float ranges
# PyTorch's CPU kernels compute `start + step * i` with a fused multiply-add, and arange fills whole
# SIMD vectors from one base value. Reproducing that arithmetic makes the values equal bit for bit.
def _split(x):
    """Veltkamp split: x == hi + lo with each half exactly multipliable."""
    t = 134217729.0 * x
    hi = t - (t - x)
    return hi, x - hi


def _fma(a, b, c):
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


def _simd_width(np_dtype):
    """Elements per SIMD vector in PyTorch's CPU kernels: 512-bit with AVX-512, else 256-bit."""
    global _SIMD_BYTES
    if _SIMD_BYTES is None:
        try:
            from numpy._core._multiarray_umath import __cpu_features__ as feats
        except ImportError:  # pragma: no cover - older NumPy
            feats = {}
        avx512 = all(feats.get(f) for f in ("AVX512F", "AVX512BW", "AVX512VL", "AVX512DQ"))
        _SIMD_BYTES = 64 if avx512 else 32
    return _SIMD_BYTES // np_dtype.itemsize


_SIMD_BYTES = None


def _arange_float(start, step, n, np_dtype):
    """start + step * i for i < n (accumulated in float64, as PyTorch does for float types): whole
    pairs of SIMD vectors start from a base value rounded to the dtype, the tail is per element."""
    work = np.float32 if np_dtype == np.float16 else np_dtype  # half is computed in float
    w = _simd_width(np.dtype(work)) if np_dtype != np.float16 else 16
    n_vec = (n // (2 * w)) * (2 * w)
    out = np.empty(n, np.float64)
    if n_vec:
        bases = _fma(step, np.arange(0, n_vec, w, dtype=np.float64), start).astype(work)
        lanes = np.arange(w, dtype=np.float64)
        out[:n_vec] = _fma(lanes[None, :], step, bases.astype(np.float64)[:, None]).reshape(-1)
    out[n_vec:] = _fma(step, np.arange(n_vec, n, dtype=np.float64), start)
    return out.astype(work).astype(np_dtype, copy=False)


def range(start=0, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
    """Deprecated in PyTorch: like arange but includes `end`."""
    if end is None:
        start, end = 0, start
    n = int(math.floor((end - start) / step)) + 1
    arr = (start + np.arange(n, dtype=np.float64) * step).astype(_float_dtype(dtype))
    return _finish(arr, requires_grad, device)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False):
    """`steps` values evenly spaced from start to end, both included; equal to PyTorch's bit for bit
    (the first half counts up from start, the second half down from end)."""
    start, end = _num(start), _num(end)
    if not isinstance(steps, numbers.Integral):
        raise TypeError(f"linspace(): argument 'steps' must be int, not {type(steps).__name__}")
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    np_dtype = np.dtype(_float_dtype(dtype))
    if np_dtype.kind == "b":
        raise NotImplementedError("\"linspace_cpu\" not implemented for 'Bool'")
    return _finish(_linspace(start, end, steps, np_dtype), requires_grad, device)


def _linspace(start, end, steps, np_dtype):
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
    if isinstance(size, numbers.Integral):
        raise TypeError(f"full(): argument 'size' (position 1) must be tuple of ints, not int "
                        f"(write full(({size},), value))")
    shape = _parse_size((size,), "full")
    return _finish(np.full(shape, fill_value, np_dtype), requires_grad, device)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False):
    for name, v in (("n", n), ("m", m)):
        if v is not None and v < 0:
            raise RuntimeError(f"{name} must be greater or equal to 0, got {v}")
    return _finish(np.eye(n, n if m is None else m, dtype=_float_dtype(dtype)), requires_grad, device)


def _like(t, dtype):
    if not isinstance(t, Tensor):
        raise TypeError(f"expected a Tensor as the first argument (got {type(t).__name__})")
    if type(t) is not Tensor:  # a subclass may show another shape than its array's (vmap's BatchedTensor:
        # one example's; one unbatched result then serves every example)
        return tuple(t.shape), (t.dtype.np if dtype is None else D.to_np(dtype))
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
_SCALAR_TYPE_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
                      "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
                      "complex64": "ComplexFloat", "complex128": "ComplexDouble"}


def _float_random_dtype(dtype, fn):
    dt = np.dtype(_float_dtype(dtype))
    if dt.kind != "f":
        kernel = {"uniform": "check_uniform_bounds", "normal": "normal_kernel_cpu"}.get(fn, fn)
        name = _SCALAR_TYPE_NAMES[D.from_np(dt).name]
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{name}' "
                                  f"(random floats need a floating dtype, e.g. dtype=torch.float32)")
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


# ---------------------------------------------------------------------------------- in-place random fills
def _random_fill(self, values, fn):
    """Write `values` into self in place, as the random fills (normal_, uniform_ ...) do."""
    from ._core import _bump_version, _check_inplace, _snapshot, _write_into
    if _check_inplace(self):  # a non-leaf in a graph: the new values no longer depend on the old ones
        return _write_into(self, _snapshot(self) * 0 + _plain(values.astype(self._data.dtype, copy=False)))
    np.copyto(self._data, values, casting="unsafe")
    _bump_version(self)
    return self


def _float_fill_dtype(self, fn):
    if self._data.dtype.kind != "f":
        raise RuntimeError(f"\"{fn}\" not implemented for '{_SCALAR_NAMES.get(self.dtype.name, self.dtype.name)}'")
    return self._data.dtype


_SCALAR_NAMES = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
                 "bool": "Bool"}


def _normal_(self, mean=0.0, std=1.0, *, generator=None):
    """Fill with draws from N(mean, std^2)."""
    dt = _float_fill_dtype(self, "normal_kernel_cpu")
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    z = _draw("standard_normal", self._data.shape, np.dtype(dt), generator)
    return _random_fill(self, z * dt.type(std) + dt.type(mean), "normal_")


def _uniform_(self, a=0.0, b=1.0, *, from_=None, to=None, generator=None):
    """Fill with draws from U[a, b)."""
    dt = _float_fill_dtype(self, "uniform_kernel_cpu")
    if a > b:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={a} > to={b}")
    u = _draw("random", self._data.shape, np.dtype(dt), generator)
    return _random_fill(self, u * dt.type(b - a) + dt.type(a), "uniform_")


def _random_(self, low=0, high=None, *, generator=None):
    """Fill with integers uniform on [low, high) (random_(high) means [0, high))."""
    if high is None:
        low, high = 0, low if low else 2 ** 24
    return _random_fill(self, _rng(generator).integers(low, high, self._data.shape), "random_")


def _bernoulli_(self, p=0.5, *, generator=None):
    probs = p._data if isinstance(p, Tensor) else p
    return _random_fill(self, _rng(generator).random(self._data.shape) < probs, "bernoulli_")


def _exponential_(self, lambd=1.0, *, generator=None):
    _float_fill_dtype(self, "exponential_cpu")
    return _random_fill(self, _rng(generator).exponential(1.0 / lambd, self._data.shape), "exponential_")


Tensor.normal_ = _normal_
Tensor.uniform_ = _uniform_
Tensor.random_ = _random_
Tensor.bernoulli_ = _bernoulli_
Tensor.exponential_ = _exponential_
