"""Reductions as Tensor methods and torch functions (rules: ops/reduction.py).

`dim` may be an int, a tuple/list of ints, or None; like PyTorch, NumPy's `axis`/`keepdims` are
accepted as aliases. Arguments are checked here, so NumPy errors never reach the user.
"""
import sys
import types
import warnings

import numpy as np

from .. import _dtype as D
from ._core import Tensor, _norm_dim, _plain, apply
from ..ops.reduction import (
    AmaxBackward0, AminBackward0, CumprodBackward0, CumsumBackward0, LinalgVectorNormBackward0,
    LogsumexpBackward0, MaxBackward0, MaxBackward1, MeanBackward0, MeanBackward1, MedianBackward0,
    MedianBackward1, MinBackward0, MinBackward1, ProdBackward0, ProdBackward1, StdBackward0,
    SumBackward0, SumBackward1, VarBackward0,
)

__all__ = ["sum", "mean", "prod", "max", "min", "amax", "amin", "argmax", "argmin", "norm", "var",
           "std", "logsumexp", "cumsum", "cumprod", "all", "any", "count_nonzero", "median",
           "return_types"]

_builtin_sum, _builtin_max, _builtin_all, _builtin_any = sum, max, all, any
_INT64 = np.dtype(np.int64)
_INF = float("inf")


# ============================================================================ torch.return_types
def _return_type(name, fields):
    """A tuple with named fields that prints like PyTorch's `torch.return_types.max(...)`."""
    def __new__(cls, items):
        return tuple.__new__(cls, items)

    def __repr__(self):
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(fields, self))
        return f"torch.return_types.{name}(\n{body})"

    namespace = {"__slots__": (), "__new__": __new__, "__repr__": __repr__, "__str__": __repr__,
                 "_fields": fields, "n_fields": len(fields), "n_sequence_fields": len(fields),
                 "__reduce__": lambda self: (type(self), (tuple(self),))}
    for i, f in enumerate(fields):
        namespace[f] = property(lambda self, i=i: tuple.__getitem__(self, i))
    cls = type(name, (tuple,), namespace)
    cls.__module__ = "torch.return_types"
    cls.__qualname__ = name
    return cls


return_types = types.ModuleType("torchless.return_types",
                                "Named-tuple results of reductions (torch.return_types).")
for _name, _fields in (("max", ("values", "indices")), ("min", ("values", "indices")),
                       ("median", ("values", "indices")), ("aminmax", ("min", "max")),
                       ("mode", ("values", "indices")), ("sort", ("values", "indices")),
                       ("topk", ("values", "indices")), ("kthvalue", ("values", "indices")),
                       ("cummax", ("values", "indices")), ("cummin", ("values", "indices"))):
    setattr(return_types, _name, _return_type(_name, _fields))
sys.modules["torchless.return_types"] = return_types


# ============================================================================ argument helpers
def _dim_index(d, what="dim"):
    """One dim as an int; PyTorch's TypeError for floats, strings ..."""
    if type(d) is int:
        return d
    if isinstance(d, (int, np.integer)) and not isinstance(d, bool):
        return int(d)
    raise TypeError(f"{what} must be an int (or a tuple of ints), not {type(d).__name__}")


def _dims(t, dim, axis=None):
    """Normalize dim/axis to None (all dims) or a tuple of non-negative ints."""
    if axis is not None:
        if dim is not None:
            raise TypeError("got both 'dim' and its alias 'axis': pass only one of them")
        dim = axis
    if dim is None:
        return None
    nd = t._data.ndim
    if isinstance(dim, (tuple, list)):
        dims = tuple(_norm_dim(_dim_index(d), nd) for d in dim)
        if len(set(dims)) != len(dims):
            seen = set()
            for d in dims:
                if d in seen:
                    raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
                seen.add(d)
        if nd == 0:  # a 0-d tensor's dim 0 / -1 is "all of it"
            return None
        return dims if dims else None
    d = _norm_dim(_dim_index(dim), nd)
    return (d,) if nd else None


def _one_dim(t, dim, axis, fname):
    """A single dim (int) for ops that take one: max(dim), cumsum, argmax ..."""
    if axis is not None:
        if dim is not None:
            raise TypeError("got both 'dim' and its alias 'axis': pass only one of them")
        dim = axis
    if isinstance(dim, (tuple, list)):
        raise TypeError(f"{fname}(): argument 'dim' must be int, not {type(dim).__name__}")
    return _norm_dim(_dim_index(dim), t._data.ndim)


def _keep(keepdim, keepdims):
    return bool(keepdims) if keepdims is not None else bool(keepdim)


def _check_tensor(input, fname):
    if not isinstance(input, Tensor):
        raise TypeError(f"{fname}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")


def _cast_input(input, dtype):
    """The input converted to `dtype` first (PyTorch's dtype= on prod, cumsum, norm ...)."""
    if dtype is None or dtype is input.dtype:
        return input
    return input.to(dtype)


def _into_out(result, out):
    """Write `result` into the user's `out=` tensor (resized as PyTorch does) and return it."""
    if out is None:
        return result
    if out._data.shape == result._data.shape:
        np.copyto(out._data, result._data, casting="unsafe")
    else:
        out._data = result._data.astype(out._data.dtype, copy=True)
    return out


# PyTorch's ScalarType names, as its error messages spell dtypes
_SCALAR_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16",
                 "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
                 "bool": "Bool", "complex64": "ComplexFloat", "complex128": "ComplexDouble"}


def scalar_type_name(t):
    """'Float', 'Long' ... for a tensor's dtype."""
    name = t.dtype.name
    return _SCALAR_NAMES.get(name, name.capitalize())


# ============================================================================ sum, mean, prod
def sum(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None, out=None):
    """Sum of all elements, or over dim(s). Integer and bool tensors sum to int64."""
    dims = _dims(input, dim, axis)
    keep = _keep(keepdim, keepdims)
    if dtype is not None:
        np_dtype = dtype.np
    else:
        np_dtype = _INT64 if input._data.dtype.kind in "biu" else None
    if dims is None and not keep and dim is None and axis is None:
        res = apply(SumBackward0, input, None, False, np_dtype)
    else:
        res = apply(SumBackward1, input, dims, keep, np_dtype)
    return res if out is None else _into_out(res, out)


def mean(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None, out=None):
    """Mean of all elements, or over dim(s); floating (or complex) tensors only, or give dtype=."""
    if dtype is None and input._data.dtype.kind not in "fc":
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or "
            f"complex dtype. Got: {scalar_type_name(input)} (convert first, e.g. x.float().mean(), or "
            "pass dtype=torch.float32)"
        )
    dims = _dims(input, dim, axis)
    keep = _keep(keepdim, keepdims)
    np_dtype = dtype.np if dtype is not None else None
    rule = MeanBackward0 if dims is None and not keep and dim is None and axis is None else MeanBackward1
    if input._data.size:
        res = apply(rule, input, dims, keep, np_dtype)
    else:  # the mean of nothing is NaN, without NumPy's warning
        with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            res = apply(rule, input, dims, keep, np_dtype)
    return res if out is None else _into_out(res, out)


def prod(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
    """Product of all elements, or over one dim. Integer and bool tensors multiply in int64."""
    if dtype is None and input._data.dtype.kind in "biu":
        dtype = D.int64
    input = _cast_input(input, dtype)
    if dim is None and axis is None:
        return apply(ProdBackward0, input, None, _keep(keepdim, keepdims))
    d = _one_dim(input, dim, axis, "prod")
    return apply(ProdBackward1, input, (d,) if input._data.ndim else None, _keep(keepdim, keepdims))


def _prod_dims(x, axis=None, keepdims=False):
    """prod over several dims (the Tensor namespace's xp.prod, for create_graph)."""
    if axis is None:
        return apply(ProdBackward0, x, None, keepdims)
    return apply(ProdBackward1, x, tuple(axis) if isinstance(axis, (tuple, list)) else (axis,), keepdims)


# ============================================================================ max, min, median
def _empty_check(input, dims, fname):
    """PyTorch refuses to take the max of nothing."""
    shape = input._data.shape
    if input._data.size == 0:
        if dims is None:
            raise RuntimeError(f"{fname}(): Expected reduction dim to be specified for "
                               "input.numel() == 0. Specify the reduction dim with the 'dim' argument.")
        for d in dims:
            if shape[d] == 0:
                raise IndexError(f"{fname}(): Expected reduction dim {d} to have non-zero size.")


def _extreme(fname, whole_rule, dim_rule, pairwise):
    """max / min: of everything, along a dim (-> values, indices), or elementwise with a tensor."""
    result_type = getattr(return_types, fname)

    def reduce(input, dim=None, keepdim=False, *, axis=None, keepdims=None, out=None):
        if isinstance(dim, Tensor):
            return getattr(input, pairwise)(dim)
        if dim is None and axis is None:
            _empty_check(input, None, fname)
            return apply(whole_rule, input)
        d = _one_dim(input, dim, axis, fname)
        if input._data.ndim:
            _empty_check(input, (d,), fname)
        return result_type(apply(dim_rule, input, d, _keep(keepdim, keepdims)))

    reduce.__name__ = fname
    return reduce


max = _extreme("max", MaxBackward1, MaxBackward0, "maximum")
min = _extreme("min", MinBackward1, MinBackward0, "minimum")


def _extreme_over(fname, rule):
    """amax / amin: over dims (all when dim=()), ties sharing the gradient."""
    def reduce(input, dim=(), keepdim=False, *, axis=None, keepdims=None):
        dims = _dims(input, dim, axis)
        _empty_check(input, dims if dims is not None else tuple(range(input._data.ndim)) or None, fname)
        return apply(rule, input, dims, _keep(keepdim, keepdims))

    reduce.__name__ = fname
    return reduce


amax = _extreme_over("amax", AmaxBackward0)
amin = _extreme_over("amin", AminBackward0)


def _arg_extreme(fname, pick):
    """argmax / argmin: int64 indices, never differentiable; flat index when dim is None."""
    def reduce(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
        a = input._data
        if a.dtype.kind == "b":
            raise RuntimeError(f"{fname}(): does not support bool input (convert it first, e.g. x.int())")
        keep = _keep(keepdim, keepdims)
        if dim is None and axis is None:
            _empty_check(input, None, fname)
            idx = pick(a.reshape(-1), 0)
            return _plain(np.asarray(idx, dtype=np.int64).reshape((1,) * a.ndim if keep else ()))
        d = _one_dim(input, dim, axis, fname)
        if a.ndim == 0:
            return _plain(np.zeros((), np.int64))
        _empty_check(input, (d,), fname)
        idx = pick(a, d).astype(np.int64, copy=False)
        return _plain(np.expand_dims(idx, d) if keep else idx)

    reduce.__name__ = fname
    return reduce


argmax = _arg_extreme("argmax", lambda a, d: np.argmax(a, axis=d))
argmin = _arg_extreme("argmin", lambda a, d: np.argmin(a, axis=d))


def median(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """The lower median of all elements, or (values, indices) along a dim."""
    if dim is None and axis is None:
        if input._data.size == 0:
            return _plain(np.asarray(np.nan, dtype=input._data.dtype))
        return apply(MedianBackward0, input)
    d = _one_dim(input, dim, axis, "median")
    if input._data.ndim:
        _empty_check(input, (d,), "median")
    return return_types.median(apply(MedianBackward1, input, d, _keep(keepdim, keepdims)))


# ============================================================================ norms
def _vector_norm(input, p, dims, keepdim, dtype, fname="linalg.vector_norm"):
    if input._data.dtype.kind not in "fc":
        raise RuntimeError(f"{fname}: Expected a floating point or complex tensor as input. "
                           f"Got {scalar_type_name(input)} (convert it first, e.g. x.float())")
    if isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)):
        raise RuntimeError(f"{fname}: the order must be a number or 'fro', got {p!r}")
    p = float(p) if p not in (1, 2) else int(p)
    # negative p at a zero gives inf, as in PyTorch (NumPy's warning is filtered in __init__)
    return apply(LinalgVectorNormBackward0, _cast_input(input, dtype), p, dims, bool(keepdim))


def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """The p-norm of all elements, or over dim(s) ('fro' and None mean 2; inf and -inf: max and
    min magnitude)."""
    if p == "fro" or p is None:
        if dim is None and not keepdim and dtype is None and input._data.dtype.kind == "f":
            return apply(LinalgVectorNormBackward0, input, 2, None, False)  # x.norm(): no argument work
        p = 2
    elif isinstance(p, str):
        raise RuntimeError(f"norm with p='{p}' (a matrix norm) is not supported here; use p='fro' or a "
                           "number")
    return _vector_norm(input, p, _dims(input, dim), keepdim, dtype)


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None, out=None):
    """torch.linalg.vector_norm: the ord-norm of x flattened, or over dim(s)."""
    return _into_out(_vector_norm(x, ord, _dims(x, dim), keepdim, dtype), out)


# ============================================================================ var, std
def _spread(fname, rule):
    """var / std with PyTorch's two signatures: (dim, unbiased, keepdim) and (dim, *, correction)."""
    def reduce(input, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None,
               keepdims=None, out=None):
        if type(dim) is bool:  # x.var(False): the first positional argument was `unbiased`
            dim, unbiased = None, dim
        if unbiased is not None and correction is not None:
            raise RuntimeError(f"{fname}(): pass either unbiased or correction, not both")
        if correction is None:
            correction = 0 if unbiased is False else 1
        if input._data.dtype.kind not in "fc":
            raise RuntimeError("std and var only support floating point and complex dtypes "
                               f"(got {input.dtype}; convert first, e.g. x.float())")
        dims = _dims(input, dim, axis)
        keep = _keep(keepdim, keepdims)
        shape = input._data.shape
        n = 1
        for d in (range(len(shape)) if dims is None else dims):
            n *= shape[d]
        if n - correction <= 0:
            warnings.warn(f"{fname}(): degrees of freedom is <= 0. Correction should be strictly less "
                          "than the reduction factor (input numel divided by output numel).",
                          UserWarning, stacklevel=2)
        return _into_out(apply(rule, input, dims, correction, keep), out)

    reduce.__name__ = fname
    return reduce


var = _spread("var", VarBackward0)
std = _spread("std", StdBackward0)


# ============================================================================ logsumexp, cumulative
def logsumexp(input, dim, keepdim=False, *, axis=None, keepdims=None):
    """log(sum(exp(x))) over dim(s), computed without overflow. Integers become the default float."""
    if input._data.dtype.kind not in "fc":
        input = input.to(D.get_default_dtype())
    dims = _dims(input, dim, axis)
    if dims is None:
        dims = tuple(range(input._data.ndim))
    return apply(LogsumexpBackward0, input, dims, _keep(keepdim, keepdims))


def _cumulative(fname, rule):
    def run(input, dim=None, *, dtype=None, axis=None):
        if dim is None and axis is None:
            raise TypeError(f"{fname}() missing 1 required positional arguments: \"dim\"")
        d = _one_dim(input, dim, axis, fname)
        if dtype is None and input._data.dtype.kind in "biu":
            dtype = D.int64
        input = _cast_input(input, dtype)
        if input._data.ndim == 0:  # a 0-d running sum is the value itself
            return apply(rule, input.reshape(1), 0).reshape(())
        return apply(rule, input, d)

    run.__name__ = fname
    return run


cumsum = _cumulative("cumsum", CumsumBackward0)
cumprod = _cumulative("cumprod", CumprodBackward0)


# ============================================================================ logical reductions
def _logical(fname, f):
    """all / any: bool results (uint8 stays uint8, as in PyTorch), never differentiable."""
    def reduce(input, dim=None, keepdim=False, *, axis=None, keepdims=None, out=None):
        a = input._data
        dims = _dims(input, dim, axis)
        r = f(a, axis=dims, keepdims=_keep(keepdim, keepdims))
        if a.dtype == np.uint8:
            r = r.astype(np.uint8)
        return _into_out(_plain(np.asarray(r)), out)

    reduce.__name__ = fname
    return reduce


all = _logical("all", np.all)
any = _logical("any", np.any)


def count_nonzero(input, dim=None):
    """How many elements are not zero (int64), over all or the given dim(s)."""
    dims = _dims(input, dim)
    return _plain(np.asarray(np.count_nonzero(input._data, axis=dims), dtype=np.int64))


# ============================================================================ Tensor methods
for _name in __all__:
    if _name != "return_types":
        setattr(Tensor, _name, globals()[_name])
Tensor.sum_to_size = lambda self, *size: _sum_to_size(self, size)


def _sum_to_size(t, size):
    """Sum broadcast dims away so the result has `size` (Tensor.sum_to_size)."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    size = tuple(size)
    shape = t._data.shape
    lead = len(shape) - len(size)
    if lead < 0 or _builtin_any(s != 1 and s != shape[i + lead] for i, s in enumerate(size)):
        raise RuntimeError(f"size {list(size)} is not expandable to size {list(shape)}")
    dims = tuple(range(lead)) + tuple(i + lead for i, s in enumerate(size) if s == 1 and shape[i + lead] != 1)
    if not dims:
        return t
    return t.sum(dims, keepdim=True).reshape(size) if lead else t.sum(dims, keepdim=True)


class ReductionMethods:
    """Placeholder for the reduction methods of Tensor (still attached above until this file declares them here)."""

    __slots__ = ()
