"""Reductions as Tensor methods and torch functions (rules: ops/reduction.py).

`dim` may be an int, a tuple/list of ints, or None; like PyTorch, NumPy's `axis`/`keepdims` are
accepted as aliases. Arguments are checked here, so NumPy errors never reach the user.

Each function below is both the torch function (`torch.sum(x)`) and the Tensor method (`x.sum()`):
`ReductionMethods`, at the end, names them in its class body.
"""
from __future__ import annotations

import builtins
import numbers
import operator
import sys
import types
import warnings
from typing import TYPE_CHECKING, Any, Optional, Sequence, Tuple, Union

import numpy as np

from .. import _args
from .._dtype import dtype as DType, get_default_dtype, int64 as _int64
from ._core import _norm_dim, _plain, apply, apply_one
from ._inplace import inplace, write_out
if TYPE_CHECKING:  # annotations name the final class, assembled in _tensor/__init__.py from the mixins
    from . import Tensor
else:  # at run time: _core's name, rebound to the final class by bind_tensor_class
    from ._core import Tensor
from ..ops.reduction import (
    AmaxBackward0, AminBackward0, CumprodBackward0, CumsumBackward0, LinalgVectorNormBackward0,
    LogsumexpBackward0, MaxBackward0, MaxBackward1, MeanBackward0, MeanBackward1, MedianBackward0,
    MedianBackward1, MinBackward0, MinBackward1, ProdBackward0, ProdBackward1, StdBackward0,
    SumBackward0, SumBackward1, VarBackward0,
)

__all__ = ["sum", "mean", "prod", "max", "min", "amax", "amin", "argmax", "argmin", "norm", "var",
           "std", "logsumexp", "cumsum", "cumprod", "all", "any", "count_nonzero", "median",
           "return_types"]

Dims = Union[int, Sequence[int], None]
"""A `dim` argument: one dim, several, or None for all of them."""

_builtin_any = builtins.any  # (a plain `any` would name the torch function defined below, for mypy)
_INT64 = np.dtype(np.int64)


# ============================================================================ torch.return_types
def _reduce_named_tuple(self: tuple) -> Tuple[type, Tuple[tuple]]:
    """Pickle support: rebuild from the plain tuple of items."""
    return type(self), (tuple(self),)


def _return_type(name: str, fields: Tuple[str, ...]) -> type:
    """A tuple with named fields that prints like PyTorch's `torch.return_types.max(...)`."""
    def __new__(cls: type, items: Any) -> Any:
        return tuple.__new__(cls, items)

    def __repr__(self: tuple) -> str:
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(fields, self))
        return f"torch.return_types.{name}(\n{body})"

    namespace = {"__slots__": (), "__new__": __new__, "__repr__": __repr__, "__str__": __repr__,
                 "_fields": fields, "n_fields": len(fields), "n_sequence_fields": len(fields),
                 "__reduce__": _reduce_named_tuple,
                 "__doc__": f"torch.return_types.{name}: a tuple ({', '.join(fields)}) whose items "
                            "are also attributes."}
    for i, f in enumerate(fields):
        namespace[f] = property(operator.itemgetter(i), doc=f"Item {i} of the tuple.")
    cls = type(name, (tuple,), namespace)
    cls.__module__ = "torch.return_types"
    cls.__qualname__ = name
    return cls


return_types = types.ModuleType("torchless.return_types",
                                "Named-tuple results of reductions (torch.return_types).")
return_types.__dict__.update(
    {name: _return_type(name, fields) for name, fields in (
        ("max", ("values", "indices")), ("min", ("values", "indices")),
        ("median", ("values", "indices")), ("aminmax", ("min", "max")),
        ("mode", ("values", "indices")), ("sort", ("values", "indices")),
        ("topk", ("values", "indices")), ("kthvalue", ("values", "indices")),
        ("cummax", ("values", "indices")), ("cummin", ("values", "indices")))})
sys.modules["torchless.return_types"] = return_types
_MaxResult, _MinResult, _MedianResult = return_types.max, return_types.min, return_types.median


# ============================================================================ argument helpers
def _dim_index(d: Any, what: str = "dim") -> int:
    """One dim as an int; PyTorch's TypeError for floats, strings ..."""
    if type(d) is int:
        return d
    if isinstance(d, (int, np.integer)) and not isinstance(d, bool):
        return int(d)
    raise TypeError(f"{what} must be an int (or a tuple of ints), not {type(d).__name__}")


def _dims(t: Tensor, dim: Dims, axis: Dims = None) -> Optional[Tuple[int, ...]]:
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


def _one_dim(t: Tensor, dim: Any, axis: Any, fname: str) -> int:
    """A single dim (int) for ops that take one: max(dim), cumsum, argmax ..."""
    if axis is not None:
        if dim is not None:
            raise TypeError("got both 'dim' and its alias 'axis': pass only one of them")
        dim = axis
    if isinstance(dim, (tuple, list)):
        raise TypeError(f"{fname}(): argument 'dim' must be int, not {type(dim).__name__}")
    return _norm_dim(_dim_index(dim), t._data.ndim)


def _keep(keepdim: bool, keepdims: Optional[bool]) -> bool:
    """keepdim, or NumPy's spelling keepdims when that was given."""
    return bool(keepdims) if keepdims is not None else bool(keepdim)


def _cast_input(input: Tensor, dtype: Optional[DType]) -> Tensor:
    """The input converted to `dtype` first (PyTorch's dtype= on prod, cumsum, norm ...)."""
    if dtype is None or dtype is input.dtype:
        return input
    return input.to(dtype)


def _into_out(fname: str, result: Tensor, out: Optional[Tensor], input: Tensor) -> Tensor:
    """`result`, or, given `out=`, the result written into it (_inplace.write_out: PyTorch's
    casting, resizing, gradient and overlap rules)."""
    if out is None:
        return result
    return write_out(fname, result, out, (input,))


# PyTorch's ScalarType names, as its error messages spell dtypes
_SCALAR_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16",
                 "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
                 "bool": "Bool", "complex64": "ComplexFloat", "complex128": "ComplexDouble"}


def scalar_type_name(t: Tensor) -> str:
    """'Float', 'Long' ... for a tensor's dtype."""
    name = t.dtype.name
    return _SCALAR_NAMES.get(name, name.capitalize())


# ============================================================================ sum, mean, prod
def sum(input: Tensor, dim: Dims = None, keepdim: bool = False, *, dtype: Optional[DType] = None,
        axis: Dims = None, keepdims: Optional[bool] = None, out: Optional[Tensor] = None) -> Tensor:
    """sum(input, dim=None, keepdim=False, *, dtype=None) -> Tensor

    The sum of all elements, or over the dim(s) given by `dim` (an int or a tuple of ints).
    `keepdim=True` keeps each reduced dim with size 1. Integer and bool tensors sum to int64
    unless `dtype` names the result's dtype (the input is converted to it first).
    """
    if dim is None and axis is None and dtype is None and out is None and not keepdim and not keepdims:
        # x.sum(), the common case: no argument to sort out
        if input._data.dtype.kind in "biu":
            return apply_one(SumBackward0, input, None, False, _INT64)
        return apply_one(SumBackward0, input)  # forward's defaults: all dims, no keepdim, own dtype
    dims = _dims(input, dim, axis)
    keep = _keep(keepdim, keepdims)
    np_dtype: np.dtype | None
    if dtype is not None:
        np_dtype = dtype.np
    else:
        np_dtype = _INT64 if input._data.dtype.kind in "biu" else None
    if dims is None and not keep and dim is None and axis is None:
        res = apply(SumBackward0, input, None, False, np_dtype)
    else:
        res = apply(SumBackward1, input, dims, keep, np_dtype)
    return res if out is None else _into_out("sum", res, out, input)


def mean(input: Tensor, dim: Dims = None, keepdim: bool = False, *, dtype: Optional[DType] = None,
         axis: Dims = None, keepdims: Optional[bool] = None, out: Optional[Tensor] = None) -> Tensor:
    """mean(input, dim=None, keepdim=False, *, dtype=None) -> Tensor

    The arithmetic mean of all elements, or over the dim(s) in `dim`; `keepdim=True` keeps the
    reduced dims with size 1. The input must be floating or complex, unless `dtype` gives the
    dtype to compute in. The mean of no elements is nan.
    """
    if dtype is not None and dtype.np.kind not in "fc":
        raise RuntimeError("mean(): could not infer output dtype. Optional dtype must be either a floating point "
                           f"or complex dtype. Got: {_SCALAR_NAMES.get(dtype.name, dtype.name)}")
    if dtype is None and input._data.dtype.kind not in "fc":
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or "
            f"complex dtype. Got: {scalar_type_name(input)} (convert first, e.g. x.float().mean(), or "
            "pass dtype=torch.float32)"
        )
    if dim is None and axis is None and dtype is None and out is None and not keepdim and not keepdims \
            and input._data.size:  # x.mean(), the common case: no argument to sort out
        return apply(MeanBackward0, input, None, False, None)
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
    return res if out is None else _into_out("mean", res, out, input)


def prod(input: Tensor, dim: Optional[int] = _args.OMITTED, keepdim: bool = False, *,
         dtype: Optional[DType] = None, axis: Optional[int] = None,
         keepdims: Optional[bool] = None) -> Tensor:
    """prod(input, dim=None, keepdim=False, *, dtype=None) -> Tensor

    The product of all elements, or along the one dim `dim`. Integer and bool tensors multiply
    in int64; `dtype` converts the input first.
    """
    if dim is _args.OMITTED:
        dim = None
    elif dim is None:
        raise _args.none_refused("prod", "dim", "int", "leave dim out to reduce over all elements")
    if dtype is None and input._data.dtype.kind in "biu":
        dtype = _int64
    input = _cast_input(input, dtype)
    complex_input = input._data.dtype.kind == "c"  # records the rule's complex twin (ops/_rule.py)
    if dim is None and axis is None:
        return apply(ProdBackward0.complex_rule() if complex_input else ProdBackward0, input, None,
                     _keep(keepdim, keepdims))
    d = _one_dim(input, dim, axis, "prod")
    return apply(ProdBackward1.complex_rule() if complex_input else ProdBackward1, input,
                 (d,) if input._data.ndim else None, _keep(keepdim, keepdims))


def _prod_dims(x: Tensor, axis: Dims = None, keepdims: bool = False) -> Tensor:
    """prod over several dims (the Tensor namespace's xp.prod, for create_graph)."""
    complex_input = x._data.dtype.kind == "c"
    if axis is None:
        return apply(ProdBackward0.complex_rule() if complex_input else ProdBackward0, x, None, keepdims)
    return apply(ProdBackward1.complex_rule() if complex_input else ProdBackward1, x,
                 tuple(axis) if isinstance(axis, (tuple, list)) else (axis,), keepdims)


# ============================================================================ max, min, median
def _empty_check(input: Tensor, dims: Optional[Tuple[int, ...]], fname: str) -> None:
    """PyTorch refuses to take the max of nothing."""
    shape = input._data.shape
    if input._data.size == 0:
        if dims is None:
            raise RuntimeError(f"{fname}(): Expected reduction dim to be specified for "
                               "input.numel() == 0. Specify the reduction dim with the 'dim' argument.")
        for d in dims:
            if shape[d] == 0:
                raise IndexError(f"{fname}(): Expected reduction dim {d} to have non-zero size.")


def _extreme(input: Tensor, dim: Any, keepdim: bool, axis: Any, keepdims: Optional[bool],
             fname: str, whole_rule: type, dim_rule: type, result_type: type) -> Any:
    """max / min of everything, or along one dim as (values, indices)."""
    if dim is None and axis is None:
        _empty_check(input, None, fname)
        return apply(whole_rule, input)
    d = _one_dim(input, dim, axis, fname)
    if input._data.ndim:
        _empty_check(input, (d,), fname)
    return result_type(apply(dim_rule, input, d, _keep(keepdim, keepdims)))


def max(input: Tensor, dim: Union[int, Tensor, None] = _args.OMITTED, keepdim: bool = False, *,
        axis: Optional[int] = None, keepdims: Optional[bool] = None, out: Any = None) -> Any:
    """max(input) -> Tensor, max(input, dim, keepdim=False) -> (values, indices), max(input, other)

    With no dim: the largest element (nan if any element is nan). With `dim`: the largest value
    along that dim and the index of one of them, as `torch.return_types.max(values, indices)`.
    With a tensor as the second argument: the elementwise maximum, as torch.maximum.
    """
    if dim is _args.OMITTED:
        dim = None
    elif dim is None:
        raise _args.none_refused("max", "dim", "int", "leave dim out to reduce over all elements")
    elif isinstance(dim, Tensor):
        return input.maximum(dim)
    return _extreme(input, dim, keepdim, axis, keepdims, "max", MaxBackward1, MaxBackward0, _MaxResult)


def min(input: Tensor, dim: Union[int, Tensor, None] = _args.OMITTED, keepdim: bool = False, *,
        axis: Optional[int] = None, keepdims: Optional[bool] = None, out: Any = None) -> Any:
    """min(input) -> Tensor, min(input, dim, keepdim=False) -> (values, indices), min(input, other)

    With no dim: the smallest element (nan if any element is nan). With `dim`: the smallest value
    along that dim and the index of one of them, as `torch.return_types.min(values, indices)`.
    With a tensor as the second argument: the elementwise minimum, as torch.minimum.
    """
    if dim is _args.OMITTED:
        dim = None
    elif dim is None:
        raise _args.none_refused("min", "dim", "int", "leave dim out to reduce over all elements")
    elif isinstance(dim, Tensor):
        return input.minimum(dim)
    return _extreme(input, dim, keepdim, axis, keepdims, "min", MinBackward1, MinBackward0, _MinResult)


def _extreme_over(input: Tensor, dim: Dims, keepdim: bool, axis: Dims, keepdims: Optional[bool],
                  fname: str, rule: type, out: Optional[Tensor] = None) -> Tensor:
    """amax / amin over dims (all when dim=())."""
    dims = _dims(input, dim, axis)
    _empty_check(input, dims, fname)  # (no dims: over everything, which must not be empty)
    if out is not None and out._data.dtype != input._data.dtype:
        raise RuntimeError(f"Expected the dtype for input and out to match, but got {scalar_type_name(input)} for "
                           f"input's dtype and {scalar_type_name(out)} for out's dtype.")
    return _into_out(fname, apply(rule, input, dims, _keep(keepdim, keepdims)), out, input)


def amax(input: Tensor, dim: Dims = (), keepdim: bool = False, *, axis: Dims = None,
         keepdims: Optional[bool] = None, out: Optional[Tensor] = None) -> Tensor:
    """amax(input, dim=(), keepdim=False) -> Tensor

    The largest value over the dim(s) in `dim` (every dim when it is empty). Unlike max, no
    indices are returned, and the gradient is shared equally between elements tied for the max.
    """
    return _extreme_over(input, dim, keepdim, axis, keepdims, "amax", AmaxBackward0, out)


def amin(input: Tensor, dim: Dims = (), keepdim: bool = False, *, axis: Dims = None,
         keepdims: Optional[bool] = None, out: Optional[Tensor] = None) -> Tensor:
    """amin(input, dim=(), keepdim=False) -> Tensor

    The smallest value over the dim(s) in `dim` (every dim when it is empty). Unlike min, no
    indices are returned, and the gradient is shared equally between elements tied for the min.
    """
    return _extreme_over(input, dim, keepdim, axis, keepdims, "amin", AminBackward0, out)


def _arg_extreme(input: Tensor, dim: Optional[int], keepdim: bool, axis: Optional[int],
                 keepdims: Optional[bool], fname: str, pick: Any) -> Tensor:
    """argmax / argmin: int64 indices, never differentiable; flat index when dim is None."""
    a = input._data
    if a.dtype.kind in "bc":
        raise RuntimeError(f"{fname}(): does not support {'bool' if a.dtype.kind == 'b' else 'complex'} input "
                           f"(convert it first, e.g. x.int(), or compare x.abs() or x.real)")
    keep = _keep(keepdim, keepdims)
    if dim is None and axis is None:
        _empty_check(input, None, fname)
        idx = pick(a.reshape(-1), axis=0)
        return _plain(np.asarray(idx, dtype=np.int64).reshape((1,) * a.ndim if keep else ()))
    d = _one_dim(input, dim, axis, fname)
    if a.ndim == 0:
        return _plain(np.zeros((), np.int64))
    _empty_check(input, (d,), fname)
    idx = pick(a, axis=d).astype(np.int64, copy=False)
    return _plain(np.expand_dims(idx, d) if keep else idx)


def argmax(input: Tensor, dim: Optional[int] = None, keepdim: bool = False, *,
           axis: Optional[int] = None, keepdims: Optional[bool] = None) -> Tensor:
    """argmax(input, dim=None, keepdim=False) -> Tensor

    The index (int64) of the largest element: into the flattened input when `dim` is None, else
    along `dim`. The first such index wins ties.
    """
    return _arg_extreme(input, dim, keepdim, axis, keepdims, "argmax", np.argmax)


def argmin(input: Tensor, dim: Optional[int] = None, keepdim: bool = False, *,
           axis: Optional[int] = None, keepdims: Optional[bool] = None) -> Tensor:
    """argmin(input, dim=None, keepdim=False) -> Tensor

    The index (int64) of the smallest element: into the flattened input when `dim` is None, else
    along `dim`. The first such index wins ties.
    """
    return _arg_extreme(input, dim, keepdim, axis, keepdims, "argmin", np.argmin)


def _no_bool(input: Tensor, kernel: str) -> None:
    """PyTorch's error for a bool tensor where its `kernel` has no bool version (median, kthvalue ...)."""
    if input._data.dtype.kind == "b":
        raise NotImplementedError(f"\"{kernel}\" not implemented for 'Bool' (convert it first, e.g. x.int())")


def median(input: Tensor, dim: Optional[int] = _args.OMITTED, keepdim: bool = False, *,
           axis: Optional[int] = None, keepdims: Optional[bool] = None) -> Any:
    """median(input) -> Tensor, median(input, dim, keepdim=False) -> (values, indices)

    The median of all elements, or along `dim` as `torch.return_types.median(values, indices)`.
    For an even count it is the lower of the two middle values (no averaging).
    """
    if dim is _args.OMITTED:
        dim = None
    elif dim is None:
        raise _args.none_refused("median", "dim", "int", "leave dim out to reduce over all elements")
    _no_bool(input, "median_cpu" if dim is None and axis is None else "median_out")
    if dim is None and axis is None:
        if input._data.size == 0:
            return _plain(np.asarray(np.nan, dtype=input._data.dtype))
        return apply(MedianBackward0, input)
    d = _one_dim(input, dim, axis, "median")
    if input._data.ndim:
        _empty_check(input, (d,), "median")
    return _MedianResult(apply(MedianBackward1, input, d, _keep(keepdim, keepdims)))


# ============================================================================ norms
def _vector_norm(input: Tensor, p: Any, dims: Optional[Tuple[int, ...]], keepdim: bool,
                 dtype: Optional[DType], fname: str = "linalg.vector_norm") -> Tensor:
    """The p-norm over dims (already normalized), after PyTorch's checks."""
    if input._data.dtype.kind not in "fc":
        raise RuntimeError(f"{fname}: Expected a floating point or complex tensor as input. "
                           f"Got {scalar_type_name(input)} (convert it first, e.g. x.float())")
    if isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)):
        if not isinstance(p, (str, numbers.Number)):  # not a number at all: PyTorch's parser refuses its type
            raise _args.wrong_type("linalg_vector_norm", "ord", 2, "Number", p)
        raise RuntimeError(f"{fname}: the order must be a number or 'fro', got {p!r}")
    p = float(p) if p not in (1, 2) else int(p)
    # negative p at a zero gives inf, as in PyTorch (NumPy's warning is filtered in __init__)
    return apply(LinalgVectorNormBackward0, _cast_input(input, dtype), p, dims, bool(keepdim))


def norm(input: Tensor, p: Union[float, str, None] = "fro", dim: Dims = None, keepdim: bool = False,
         dtype: Optional[DType] = None) -> Tensor:
    """norm(input, p='fro', dim=None, keepdim=False, dtype=None) -> Tensor

    The p-norm (sum of |x|**p)**(1/p) of all elements, or over the dim(s) in `dim`. 'fro' and
    None mean p=2; inf and -inf give the largest and smallest magnitude; p=0 counts the nonzero
    elements. `dtype` converts the input first. Matrix norms by name are not supported.
    """
    if p == "fro" or p is None:
        if dim is None and not keepdim and dtype is None and input._data.dtype.kind == "f":
            return apply_one(LinalgVectorNormBackward0, input)  # x.norm(): forward's defaults, p=2 over all
        p = 2
    elif isinstance(p, str):
        if p != "nuc" or matrix_norm is None:
            raise RuntimeError(f"norm with p='{p}' is not supported: use 'fro', 'nuc' or a number")
        return matrix_norm(input, "nuc", (-2, -1) if dim is None else dim, keepdim, dtype=dtype)
    return _vector_norm(input, p, _dims(input, dim), keepdim, dtype)


# torch.linalg.matrix_norm, for norm(p='nuc'): set by _matrix.py, which defines it (it imports this module)
matrix_norm: Any = None


def vector_norm(x: Tensor, ord: float = 2, dim: Dims = None, keepdim: bool = False, *,
                dtype: Optional[DType] = None, out: Optional[Tensor] = None) -> Tensor:
    """torch.linalg.vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None) -> Tensor

    The ord-norm of x taken as one flat vector, or over the dim(s) in `dim`.
    """
    return _into_out("linalg_vector_norm", _vector_norm(x, ord, _dims(x, dim), keepdim, dtype), out, x)


# ============================================================================ var, std
def _spread(input: Tensor, dim: Any, unbiased: Optional[bool], keepdim: bool,
            correction: Optional[float], axis: Dims, keepdims: Optional[bool], out: Optional[Tensor],
            fname: str, rule: Any) -> Tensor:
    """var / std with PyTorch's two signatures: (dim, unbiased, keepdim) and (dim, *, correction)."""
    if type(dim) is bool:  # x.var(False): the first positional argument was `unbiased`
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise RuntimeError(f"{fname}(): pass either unbiased or correction, not both")
    if correction is None:
        correction = 0 if unbiased is False else 1
    if input._data.dtype.kind != "f":
        if input._data.dtype.kind != "c":
            raise RuntimeError("std and var only support floating point and complex dtypes "
                               f"(got {input.dtype}; convert first, e.g. x.float())")
        rule = rule.complex_rule()  # |x - mean|², a real result (ops/reduction.py)
    dims = _dims(input, dim, axis)
    keep = _keep(keepdim, keepdims)
    shape = input._data.shape
    n = 1
    for d in (range(len(shape)) if dims is None else dims):
        n *= shape[d]
    if n - correction <= 0:
        warnings.warn(f"{fname}(): degrees of freedom is <= 0. Correction should be strictly less "
                      "than the reduction factor (input numel divided by output numel).",
                      UserWarning, stacklevel=3)
    return _into_out(fname, apply(rule, input, dims, correction, keep), out, input)


def var(input: Tensor, dim: Dims = None, unbiased: Optional[bool] = None, keepdim: bool = False, *,
        correction: Optional[float] = None, axis: Dims = None, keepdims: Optional[bool] = None,
        out: Optional[Tensor] = None) -> Tensor:
    """var(input, dim=None, *, correction=1, keepdim=False) -> Tensor

    The variance sum((x - mean)**2) / (N - correction) of all elements, or over the dim(s) in
    `dim`. The default correction=1 is Bessel's (the sample variance); `unbiased=False` (the
    older spelling) means correction=0.
    """
    return _spread(input, dim, unbiased, keepdim, correction, axis, keepdims, out, "var", VarBackward0)


def std(input: Tensor, dim: Dims = None, unbiased: Optional[bool] = None, keepdim: bool = False, *,
        correction: Optional[float] = None, axis: Dims = None, keepdims: Optional[bool] = None,
        out: Optional[Tensor] = None) -> Tensor:
    """std(input, dim=None, *, correction=1, keepdim=False) -> Tensor

    The standard deviation: the square root of var with the same arguments (`correction=1`, the
    default, divides by N - 1; `unbiased=False` means correction=0).
    """
    return _spread(input, dim, unbiased, keepdim, correction, axis, keepdims, out, "std", StdBackward0)


# ============================================================================ logsumexp, cumulative
def logsumexp(input: Tensor, dim: Dims, keepdim: bool = False, *, axis: Dims = None,
              keepdims: Optional[bool] = None) -> Tensor:
    """logsumexp(input, dim, keepdim=False) -> Tensor

    log(sum(exp(x))) over the dim(s) in `dim`, computed without overflow (the max is taken out
    first). Integer inputs are computed in the default float dtype.
    """
    if dim is None and axis is None:  # PyTorch requires the dims (the internal namespace passes them all)
        raise TypeError("logsumexp(): argument 'dim' (position 1) must be tuple of ints, not NoneType (pass the "
                        "dims to reduce, e.g. x.logsumexp(0) or x.logsumexp(tuple(range(x.dim()))))")
    if input._data.dtype.kind not in "fc":
        input = input.to(get_default_dtype())
    dims = _dims(input, dim, axis)
    if dims is None:
        dims = tuple(range(input._data.ndim))
    rule = LogsumexpBackward0.complex_rule() if input._data.dtype.kind == "c" else LogsumexpBackward0
    return apply(rule, input, dims, _keep(keepdim, keepdims))


def _cumulative(input: Tensor, dim: Optional[int], dtype: Optional[DType], axis: Optional[int],
                fname: str, rule: Any) -> Tensor:
    """cumsum / cumprod along one dim; integers accumulate in int64."""
    if dim is None and axis is None:
        raise TypeError(f"{fname}() missing 1 required positional arguments: \"dim\"")
    d = _one_dim(input, dim, axis, fname)
    if dtype is None and input._data.dtype.kind in "biu":
        dtype = _int64
    input = _cast_input(input, dtype)
    if input._data.dtype.kind == "c":  # a holomorphic rule records its complex twin (ops/_rule.py)
        rule = rule.complex_rule()
    if input._data.ndim == 0:  # a 0-d running sum is the value itself
        return apply(rule, input.reshape(1), 0).reshape(())
    return apply(rule, input, d)


def cumsum(input: Tensor, dim: Optional[int] = None, *, dtype: Optional[DType] = None,
           axis: Optional[int] = None) -> Tensor:
    """cumsum(input, dim, *, dtype=None) -> Tensor

    Running sums along `dim`: out[i] = input[0] + ... + input[i]. Integer and bool tensors
    accumulate in int64; `dtype` converts the input first.
    """
    return _cumulative(input, dim, dtype, axis, "cumsum", CumsumBackward0)


def cumprod(input: Tensor, dim: Optional[int] = None, *, dtype: Optional[DType] = None,
            axis: Optional[int] = None) -> Tensor:
    """cumprod(input, dim, *, dtype=None) -> Tensor

    Running products along `dim`: out[i] = input[0] * ... * input[i]. Integer and bool tensors
    accumulate in int64; `dtype` converts the input first.
    """
    return _cumulative(input, dim, dtype, axis, "cumprod", CumprodBackward0)


# ============================================================================ logical reductions
def _logical(input: Tensor, dim: Dims, keepdim: bool, axis: Dims, keepdims: Optional[bool],
             out: Optional[Tensor], reduce: Any) -> Tensor:
    """all / any: bool results (uint8 stays uint8, as in PyTorch), never differentiable."""
    a = input._data
    dims = _dims(input, dim, axis)
    r = reduce(a, axis=dims, keepdims=_keep(keepdim, keepdims))
    if a.dtype == np.uint8:
        r = r.astype(np.uint8)
    return _into_out("all" if reduce is np.all else "any", _plain(np.asarray(r)), out, input)


def all(input: Tensor, dim: Dims = None, keepdim: bool = False, *, axis: Dims = None,
        keepdims: Optional[bool] = None, out: Optional[Tensor] = None) -> Tensor:
    """all(input, dim=None, keepdim=False) -> Tensor

    Whether every element is nonzero (True for no elements), overall or over the dim(s) in `dim`.
    The result is bool (uint8 for a uint8 input).
    """
    return _logical(input, dim, keepdim, axis, keepdims, out, np.all)


def any(input: Tensor, dim: Dims = None, keepdim: bool = False, *, axis: Dims = None,
        keepdims: Optional[bool] = None, out: Optional[Tensor] = None) -> Tensor:
    """any(input, dim=None, keepdim=False) -> Tensor

    Whether some element is nonzero (False for no elements), overall or over the dim(s) in `dim`.
    The result is bool (uint8 for a uint8 input).
    """
    return _logical(input, dim, keepdim, axis, keepdims, out, np.any)


def count_nonzero(input: Tensor, dim: Dims = None) -> Tensor:
    """count_nonzero(input, dim=None) -> Tensor

    How many elements are not zero (an int64 count), overall or over the dim(s) in `dim`.
    """
    dims = _dims(input, dim)
    return _plain(np.asarray(np.count_nonzero(input._data, axis=dims), dtype=np.int64))


def sum_to_size(self: Tensor, *size: Any) -> Tensor:
    """sum_to_size(*size) -> Tensor

    Sums this tensor down to `size`, which it must broadcast from: summed over its leading extra
    dims and over the dims where `size` has 1. Returns the tensor itself when nothing is summed.
    """
    size = _args.size_args(size, "sum_to_size")
    shape = self._data.shape
    lead = len(shape) - len(size)
    if lead < 0 or _builtin_any(s != 1 and s != shape[i + lead] for i, s in enumerate(size)):
        raise RuntimeError(f"size {list(size)} is not expandable to size {list(shape)}")
    dims = tuple(range(lead)) + tuple(i + lead for i, s in enumerate(size) if s == 1 and shape[i + lead] != 1)
    if not dims:
        return self
    summed = self.sum(dims, keepdim=True)  # the method: vmap's BatchedTensor has its own
    return summed.reshape(size) if lead else summed


_C10_NAMES = {"float32": "float", "float64": "double", "float16": "half", "int64": "long", "int32": "int",
              "int16": "short", "int8": "signed char", "uint8": "unsigned char", "bool": "bool",
              "complex64": "complex<float>", "complex128": "complex<double>"}


def _same_dtype(function: Any) -> Any:
    """cumsum / cumprod for their in-place forms: a dtype= other than the tensor's is PyTorch's error."""
    def checked(input: Tensor, dim: Optional[int] = None, *, dtype: Optional[DType] = None) -> Tensor:
        if dtype is not None and dtype is not input.dtype:
            raise RuntimeError(f"Bad in-place call: input tensor dtype {_C10_NAMES.get(input.dtype.name)} and "
                               f"output tensor dtype {_C10_NAMES.get(dtype.name)} should match")
        if input._data.dtype.kind == "b":
            raise NotImplementedError(f"\"{function.__name__}_out_cpu\" not implemented for 'Bool'")
        return function(input, dim) if input._data.dtype.kind not in "biu" else \
            function(input, dim, dtype=input.dtype)
    checked.__name__, checked.__doc__ = function.__name__, function.__doc__
    return checked


# ============================================================================ Tensor methods
class ReductionMethods:
    """Tensor methods that reduce over dims (sum, mean, max, var, norm ...) or accumulate along one
    (cumsum, cumprod). Each is the torch function of the same name above, `self` as its input."""

    __slots__ = ()

    # the class body names the module's functions: `sum = sum` binds the function defined above
    sum = sum
    mean = mean
    prod = prod
    max = max
    min = min
    amax = amax
    amin = amin
    argmax = argmax
    argmin = argmin
    median = median
    norm = norm
    var = var
    std = std
    logsumexp = logsumexp
    cumsum = cumsum
    cumprod = cumprod
    cumsum_ = inplace(_same_dtype(cumsum))
    cumprod_ = inplace(_same_dtype(cumprod))
    all = all
    any = any
    count_nonzero = count_nonzero
    sum_to_size = sum_to_size
