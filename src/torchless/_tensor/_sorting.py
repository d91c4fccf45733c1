"""Sorting, selecting and NaN-aware reductions as Tensor methods and torch functions (rules:
ops/sorting.py): sort, argsort, msort, topk, kthvalue, mode, nanmedian, cummax, cummin,
logcumsumexp, aminmax, var_mean, std_mean, nansum, nanmean, quantile, nanquantile.

`SortingMethods`, at the end, names the functions that are also Tensor methods in its class body.
"""
from __future__ import annotations

import builtins
import math
from typing import TYPE_CHECKING, Any, Optional, Tuple, Union

import numpy as np

from .._dtype import dtype as DType
from ._core import _norm_dim, _plain, apply
from ..overrides import not_a_tensor
from .. import _args
from .._args import bool_arg, type_name
from ._inplace import inplace
from ._reduction import (Dims, _dims, _keep, _no_bool, _one_dim, _return_type, _spread, return_types,
                         scalar_type_name)
if TYPE_CHECKING:
    from . import Tensor
else:
    from ._core import Tensor
from ..ops.sorting import (
    AminmaxBackward0, CummaxBackward0, CumminBackward0, KthvalueBackward0, LogcumsumexpBackward0, ModeBackward0,
    NanmedianBackward0, NanmedianBackward1, NansumBackward0, SortBackward0, StdMeanBackward0, TopkBackward0,
    VarMeanBackward0, sort_order, DistBackward0, RenormBackward0, Unique2Backward0, UniqueConsecutiveBackward0,
    UniqueDimBackward0,
)

__all__ = ["sort", "argsort", "msort", "topk", "kthvalue", "mode", "nanmedian", "cummax", "cummin",
           "logcumsumexp", "aminmax", "var_mean", "std_mean", "nansum", "nanmean", "quantile", "nanquantile",
           "unique", "unique_consecutive", "searchsorted", "bucketize", "isin", "histc", "histogram", "bincount", "diff",
           "trapezoid", "trapz", "cumulative_trapezoid", "cov", "corrcoef", "dist", "renorm", "unravel_index"]

return_types.__dict__.update({"nanmedian": _return_type("nanmedian", ("values", "indices")),
                             "histogram": _return_type("histogram", ("hist", "bin_edges"))})
_Sort, _Topk, _Kth, _Mode = return_types.sort, return_types.topk, return_types.kthvalue, return_types.mode
_Nanmedian, _Cummax, _Cummin, _Aminmax = (return_types.nanmedian, return_types.cummax, return_types.cummin,
                                          return_types.aminmax)


# PyTorch's kernels that refuse complex tensors with NotImplementedError (sort and topk: RuntimeError)
_KERNELS = {"kthvalue": "kthvalue_cpu", "mode": "mode_cpu", "nanmedian": "median_cpu", "aminmax": "aminmax_cpu",
            "cummax": "cummax_cpu", "cummin": "cummin_cpu"}


def _no_complex(input: Tensor, what: str) -> None:
    if input._data.dtype.kind == "c":
        if what in _KERNELS:
            raise NotImplementedError(f"\"{_KERNELS[what]}\" not implemented for '{scalar_type_name(input)}' "
                                      "(compare real and imaginary parts, or the abs, instead)")
        raise RuntimeError(f"{what} does not support complex dtypes on CPU (got {input.dtype}; "
                           "compare real and imaginary parts, or the abs, instead)")


def _require_int(value: Any, fname: str, name: str, position: int) -> int:
    if isinstance(value, builtins.bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{fname}(): argument '{name}' (position {position}) must be int, not "
                        f"{type(value).__name__}")
    return int(value)


def _dim_of(input: Tensor, dim: Any, fname: str) -> int:
    return _one_dim(input, dim, None, fname)


def _nonempty_dim(input: Tensor, d: int, fname: str) -> None:
    if input._data.ndim and input._data.shape[d] == 0:
        raise IndexError(f"{fname}(): Expected reduction dim {d} to have non-zero size.")


def _into_outs(input: Tensor, result: Any, out: Any) -> Any:
    """Write each result into the user's `out=` tensors (resized as PyTorch does) and return the
    same kind of tuple holding them; PyTorch's error when one shares memory with the input."""
    if out is None:
        return result
    if not isinstance(out, (tuple, list)) or len(out) != len(result):
        raise TypeError(f"out= must be a tuple of {len(result)} tensors")
    for o in out:
        if np.shares_memory(o._data, input._data):
            raise RuntimeError("unsupported operation: some elements of the input tensor and the written-to "
                               "tensor refer to a single memory location. Please clone() the tensor before "
                               "performing the operation.")
    if any(r.requires_grad for r in result):
        raise RuntimeError("functions with out=... arguments don't support automatic differentiation, but one of "
                           "the arguments requires grad (detach the input, or leave out= out).")
    for o, r in zip(out, result):
        if o._data.dtype != r._data.dtype:
            raise RuntimeError(f"Expected out tensor to have dtype {r.dtype}, but got {o.dtype} instead")
        if o._data.shape == r._data.shape:
            np.copyto(o._data, r._data)
        else:
            o._data = r._data.copy()
    return type(result)(out)


def _copied_out(result: Tensor, out: Optional[Tensor]) -> Tensor:
    """The result copied into `out=` (resized first) by copy_, so that a gradient flows through the
    copy, as PyTorch's out= forms of composite ops (quantile) do."""
    if out is None:
        return result
    if out._data.dtype != result._data.dtype:
        raise RuntimeError(f"Expected out tensor to have dtype {result.dtype}, but got {out.dtype} instead")
    if out._data.shape != result._data.shape:
        out._data = np.empty(result._data.shape, out._data.dtype)
    return out.copy_(result)


def _into_out(input: Tensor, result: Tensor, out: Optional[Tensor]) -> Tensor:
    """The one result written into the user's `out=` tensor (as _into_outs)."""
    return result if out is None else _into_outs(input, (result,), (out,))[0]


# ============================================================================ sort, argsort, topk ...
def sort(input: Tensor, dim: int = -1, descending: bool = False, stable: Optional[bool] = False, *,
         out: Any = None) -> Any:
    """sort(input, dim=-1, descending=False, stable=False) -> (values, indices)

    The elements along `dim` in ascending order (descending with `descending=True`), and the index
    each came from, as `torch.return_types.sort(values, indices)`. NaN sorts as the largest value.
    The sort is stable here whatever `stable` says: equal elements keep their order (PyTorch's CPU
    sort with stable=False does so for up to 16 elements along dim, and leaves their order open
    beyond).
    """
    _no_complex(input, "Sort")
    d = _dim_of(input, dim, "sort")
    return _into_outs(input, _Sort(apply(SortBackward0, input, d, builtins.bool(descending))), out)


def argsort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
    """argsort(input, dim=-1, descending=False, stable=False) -> Tensor

    The indices (int64) that sort `input` along `dim`: sort(input, dim, descending).indices.
    """
    _no_complex(input, "Sort")
    d = _dim_of(input, dim, "argsort")
    a = input._data
    if a.ndim == 0:
        return _plain(np.zeros((), np.int64))
    return _plain(np.ascontiguousarray(sort_order(a, d, builtins.bool(descending)), dtype=np.int64))


def msort(input: Tensor, *, out: Any = None) -> Tensor:
    """msort(input) -> Tensor

    The input sorted along its first dim (ascending): sort(input, dim=0).values.
    """
    return _into_out(input, sort(input, 0)[0], out)


def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True, *,
         out: Any = None) -> Any:
    """topk(input, k, dim=-1, largest=True, sorted=True) -> (values, indices)

    The `k` largest elements along `dim` (the smallest with `largest=False`), in order, and their
    indices, as `torch.return_types.topk(values, indices)`. Of equal elements, the lower index comes
    first here (PyTorch's choice among ties follows its selection algorithm).
    """
    _no_complex(input, "topk")
    if input._data.dtype.kind == "b":
        raise RuntimeError("topk does not support bool dtypes on CPU (convert it first, e.g. x.int())")
    k = _require_int(k, "topk", "k", 2)
    d = _dim_of(input, dim, "topk")
    size = input._data.shape[d] if input._data.ndim else 1
    if not 0 <= k <= size:
        raise RuntimeError("selected index k out of range")
    return _into_outs(input, _Topk(apply(TopkBackward0, input, d, k, builtins.bool(largest))), out)


def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False, *, out: Any = None) -> Any:
    """kthvalue(input, k, dim=-1, keepdim=False) -> (values, indices)

    The k-th smallest element along `dim` (k counts from 1) and its index, as
    `torch.return_types.kthvalue(values, indices)`: that of the stable ascending sort, where equal
    elements tie (PyTorch's choice among ties follows its selection algorithm).
    """
    _no_complex(input, "kthvalue")
    _no_bool(input, "kthvalue_cpu")
    k = _require_int(k, "kthvalue", "k", 2)
    d = _dim_of(input, dim, "kthvalue")
    size = input._data.shape[d] if input._data.ndim else 1
    if not 1 <= k <= size:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    return _into_outs(input, _Kth(apply(KthvalueBackward0, input, d, k, builtins.bool(keepdim))), out)


def mode(input: Tensor, dim: int = -1, keepdim: bool = False, *, out: Any = None) -> Any:
    """mode(input, dim=-1, keepdim=False) -> (values, indices)

    The most frequent value along `dim` (the smallest of those tied) and the index of its last
    occurrence, as `torch.return_types.mode(values, indices)`.
    """
    _no_complex(input, "mode")
    d = _dim_of(input, dim, "mode")
    _nonempty_dim(input, d, "mode")
    return _into_outs(input, _Mode(apply(ModeBackward0, input, d, builtins.bool(keepdim))), out)


def nanmedian(input: Tensor, dim: Optional[int] = _args.OMITTED, keepdim: bool = False, *, out: Any = None) -> Any:
    """nanmedian(input) -> Tensor, nanmedian(input, dim, keepdim=False) -> (values, indices)

    median that ignores NaNs: the lower median of the elements that are not NaN (NaN where all are),
    of everything or along `dim` as `torch.return_types.nanmedian(values, indices)`.
    """
    if dim is _args.OMITTED:
        dim = None
    elif dim is None:
        raise _args.none_refused("nanmedian", "dim", "int", "leave dim out to reduce over all elements")
    _no_complex(input, "nanmedian")
    _no_bool(input, "median_cpu" if dim is None else "median_out")
    if dim is None:
        return apply(NanmedianBackward0, input)
    d = _dim_of(input, dim, "nanmedian")
    _nonempty_dim(input, d, "nanmedian")
    return _into_outs(input, _Nanmedian(apply(NanmedianBackward1, input, d, builtins.bool(keepdim))), out)


def _cum_extreme(input: Tensor, dim: Any, fname: str, rule: Any, result: Any, out: Any) -> Any:
    return _into_outs(input, _cum_extreme_result(input, dim, fname, rule, result), out)


def _cum_extreme_result(input: Tensor, dim: Any, fname: str, rule: Any, result: Any) -> Any:
    _no_complex(input, fname)
    d = _dim_of(input, dim, fname)
    if input._data.size == 0:
        return result((_plain(input._data.copy()), _plain(np.zeros(input._data.shape, np.int64))))
    return result(apply(rule, input, d))


def cummax(input: Tensor, dim: int, *, out: Any = None) -> Any:
    """cummax(input, dim) -> (values, indices)

    The running maximum along `dim` and the index of the element it came from (the latest of equal
    ones; a NaN, once met, stays), as `torch.return_types.cummax(values, indices)`.
    """
    return _cum_extreme(input, dim, "cummax", CummaxBackward0, _Cummax, out)


def cummin(input: Tensor, dim: int, *, out: Any = None) -> Any:
    """cummin(input, dim) -> (values, indices)

    The running minimum along `dim` and the index of the element it came from (the latest of equal
    ones; a NaN, once met, stays), as `torch.return_types.cummin(values, indices)`.
    """
    return _cum_extreme(input, dim, "cummin", CumminBackward0, _Cummin, out)


def logcumsumexp(input: Tensor, dim: int, *, out: Any = None) -> Tensor:
    """logcumsumexp(input, dim) -> Tensor

    log(cumsum(exp(input))) along `dim`, computed without overflow. Needs a floating input.
    """
    a = input._data
    d = _dim_of(input, _require_int(dim, "logcumsumexp", "dim", 2), "logcumsumexp")   # (before the dtype, as PyTorch)
    if a.dtype.kind not in "fc":
        raise NotImplementedError(f"\"logcumsumexp_out_cpu\" not implemented for '{scalar_type_name(input)}' "
                                  "(convert the input to a floating dtype first, e.g. x.float())")
    return _into_out(input, apply(LogcumsumexpBackward0, input, d), out)


# ============================================================================ aminmax, var_mean, std_mean
def aminmax(input: Tensor, *, dim: Optional[int] = None, keepdim: bool = False, out: Any = None) -> Any:
    """aminmax(input, *, dim=None, keepdim=False) -> (min, max)

    The smallest and largest elements, of everything or along `dim`, as
    `torch.return_types.aminmax(min, max)`. Elements tied for either share its gradient evenly.
    """
    _no_complex(input, "aminmax")
    a = input._data
    if dim is None:
        if a.size == 0:
            raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the operation "
                               "has no identity.")
        return _into_outs(input, _Aminmax(apply(AminmaxBackward0, input, None, builtins.bool(keepdim))), out)
    d = _dim_of(input, dim, "aminmax")
    if a.ndim and a.shape[d] == 0:
        raise IndexError(f"aminmax(): Expected reduction dim {d} to have non-zero size.")
    return _into_outs(input, _Aminmax(apply(AminmaxBackward0, input, (d,) if a.ndim else None,
                                            builtins.bool(keepdim))), out)


def _spread_mean(input: Tensor, dim: Any, unbiased: Optional[bool], keepdim: bool, correction: Optional[float],
                 fname: str, rule: Any) -> Tuple[Tensor, Tensor]:
    """var_mean / std_mean: the checks and warning of var / std, then one node for both results."""
    # (the rule is its own complex rule: its forward tells complex inputs apart)
    return tuple(_spread(input, dim, unbiased, keepdim, correction, None, None, None, fname, rule))  # type: ignore


def var_mean(input: Tensor, dim: Dims = None, unbiased: Optional[bool] = None, keepdim: bool = False, *,
             correction: Optional[float] = None) -> Tuple[Tensor, Tensor]:
    """var_mean(input, dim=None, *, correction=1, keepdim=False) -> (Tensor, Tensor)

    The variance (as var, with the same `correction` / `unbiased`) and the mean of all elements, or
    over the dim(s) in `dim`, as a tuple.
    """
    return _spread_mean(input, dim, unbiased, keepdim, correction, "var_mean", VarMeanBackward0)


def std_mean(input: Tensor, dim: Dims = None, unbiased: Optional[bool] = None, keepdim: bool = False, *,
             correction: Optional[float] = None) -> Tuple[Tensor, Tensor]:
    """std_mean(input, dim=None, *, correction=1, keepdim=False) -> (Tensor, Tensor)

    The standard deviation (as std, with the same `correction` / `unbiased`) and the mean of all
    elements, or over the dim(s) in `dim`, as a tuple.
    """
    return _spread_mean(input, dim, unbiased, keepdim, correction, "std_mean", StdMeanBackward0)


# ============================================================================ nansum, nanmean
def nansum(input: Tensor, dim: Dims = None, keepdim: bool = False, *, dtype: Optional[DType] = None,
           out: Any = None) -> Tensor:
    """nansum(input, dim=None, keepdim=False, *, dtype=None) -> Tensor

    sum that treats NaN as zero, of everything or over the dim(s) in `dim`. Integer and bool
    tensors sum to int64 unless `dtype` is given.
    """
    a = input._data
    if a.dtype.kind == "c":
        raise RuntimeError("nansum does not support complex inputs")
    if dtype is not None:
        input = input.to(dtype)
    elif a.dtype.kind in "biu":
        input = input.long()
    dims = _dims(input, dim)
    return _into_out(input, apply(NansumBackward0, input, dims, builtins.bool(keepdim)), out)


def nanmean(input: Tensor, dim: Dims = None, keepdim: bool = False, *, dtype: Optional[DType] = None,
            out: Any = None) -> Tensor:
    """nanmean(input, dim=None, keepdim=False, *, dtype=None) -> Tensor

    mean of the elements that are not NaN (NaN where none is), of everything or over the dim(s) in
    `dim`: nansum divided by the count of non-NaN elements.
    """
    if dtype is None and input._data.dtype.kind not in "fc":
        raise RuntimeError("nanmean(): expected input to have floating point or complex dtype but got "
                           f"{scalar_type_name(input)}")
    if dtype is not None:
        input = input.to(dtype)
    count = (~input.isnan()).sum(dim, keepdim)  # type: ignore[arg-type]
    return _into_out(input, nansum(input, dim, keepdim) / count, out)


# ============================================================================ quantile
_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(input: Tensor, q: Any, dim: Optional[int], keepdim: bool, interpolation: str, fname: str,
              ignore_nan: bool) -> Tensor:
    a = input._data
    if a.size == 0:
        raise RuntimeError(f"{fname}() input tensor must be non-empty")
    if a.dtype.kind != "f" or a.dtype.itemsize < 4:
        raise RuntimeError(f"{fname}() input tensor must be either float or double dtype")
    if isinstance(q, Tensor):
        if q._data.ndim > 1:
            raise RuntimeError(f"{fname}() q must be a scalar or 1D tensor")
        if q._data.dtype != a.dtype:
            raise RuntimeError(f"{fname}() q tensor must be same dtype as the input tensor")
        qv = q._data
    elif isinstance(q, (int, float, np.integer, np.floating)) and not isinstance(q, builtins.bool):
        qv = np.asarray(q, dtype=a.dtype)
    else:
        raise TypeError(f"{fname}(): argument 'q' must be a number or a Tensor, not {type(q).__name__}")
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(f"{fname}() interpolation must be one of linear, lower, higher, midpoint or "
                           f"nearest. Got {interpolation}")
    if qv.size and not ((qv >= 0) & (qv <= 1)).all():
        raise RuntimeError(f"{fname}() q values must be in the range [0, 1]")
    scalar_q = qv.ndim == 0
    qflat = qv.reshape(-1)
    if dim is None:
        x = input.reshape(-1)
        d = 0
    else:
        d = _norm_dim(dim, a.ndim)
        x = input.reshape(1) if a.ndim == 0 else input
    x = x.movedim(d, -1)
    s = x.sort(-1)[0]  # NaN last
    sa = s._data
    n = sa.shape[-1]
    nan = np.isnan(sa)
    if ignore_nan:
        count = (~nan).sum(-1, keepdims=True)
        last = np.maximum(count - 1, 0).astype(a.dtype)
    else:
        last = np.where(nan[..., -1:], np.nan, np.asarray(n - 1, a.dtype)).astype(a.dtype)
    ranks = qflat.reshape((-1,) + (1,) * sa.ndim) * last  # (Q, ..., 1)
    if not ignore_nan:  # a slice holding a NaN: its quantiles are NaN (the last sorted element)
        ranks = np.where(np.isnan(ranks), n - 1, ranks).astype(a.dtype)
    if interpolation == "lower":
        ranks = np.floor(ranks)
    elif interpolation == "higher":
        ranks = np.ceil(ranks)
    elif interpolation == "nearest":
        ranks = np.round(ranks)
    below = np.floor(ranks).astype(np.int64)
    above = np.minimum(below + 1, n - 1)
    full = (qflat.size,) + sa.shape
    expanded = s.unsqueeze(0).expand(full)
    lo = expanded.gather(-1, _plain(below))
    if interpolation in ("lower", "higher", "nearest"):
        res = lo
    else:
        hi = expanded.gather(-1, _plain(above))
        if interpolation == "midpoint":
            weight: Any = _plain(np.where(ranks > below, 0.5, 0.0).astype(a.dtype))
        elif isinstance(q, Tensor):  # q's gradient (or tangent) flows through the weight
            weight = q.reshape((-1,) + (1,) * sa.ndim) * _plain(last) - _plain(below.astype(a.dtype))
            if not ignore_nan:
                weight = weight.masked_fill(_plain(np.broadcast_to(nan[..., -1:], weight.shape)), 0.0)
        else:
            weight = _plain(np.asarray(ranks - below, a.dtype))
        res = lo + (hi - lo) * weight
    res = res.squeeze(-1)  # (Q, ...) over the kept dims
    if keepdim:
        if dim is None:
            res = res.reshape((qflat.size,) + (1,) * a.ndim)
        elif a.ndim:
            res = res.unsqueeze(d + 1)
    if scalar_q:
        res = res.squeeze(0)
    return res


def quantile(input: Tensor, q: Union[float, Tensor], dim: Optional[int] = None, keepdim: bool = False, *,
             interpolation: str = "linear", out: Any = None) -> Tensor:
    """quantile(input, q, dim=None, keepdim=False, *, interpolation='linear') -> Tensor

    The q-th quantiles (q in [0, 1], a number or a 1-d tensor) of all elements, or along `dim`. When a
    quantile falls between two elements, `interpolation` picks: 'linear', 'lower', 'higher',
    'midpoint' or 'nearest'. A 1-d q puts its dim first in the result. NaN where a slice holds a NaN.
    """
    return _copied_out(_quantile(input, q, dim, keepdim, interpolation, "quantile", False), out)


def nanquantile(input: Tensor, q: Union[float, Tensor], dim: Optional[int] = None, keepdim: bool = False, *,
                interpolation: str = "linear", out: Any = None) -> Tensor:
    """nanquantile(input, q, dim=None, keepdim=False, *, interpolation='linear') -> Tensor

    quantile that ignores NaNs: the quantiles of the elements that are not NaN (NaN where all are).
    """
    return _copied_out(_quantile(input, q, dim, keepdim, interpolation, "nanquantile", True), out)


# ============================================================================ unique
def _unique_result(values: Tensor, inverse: Tensor, counts: Tensor, return_inverse: bool,
                   return_counts: bool) -> Any:
    if not return_inverse and not return_counts:
        return values
    res = (values,) + ((inverse,) if return_inverse else ()) + ((counts,) if return_counts else ())
    return res


def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False,
           dim: Optional[int] = None) -> Any:
    """unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None) -> Tensor or tuple

    The distinct elements of input (of its slices along `dim` when given), sorted. With
    `return_inverse`, also where each input element (slice) went in the result; with
    `return_counts`, how often each distinct value occurs. Each NaN counts as distinct.
    """
    if type(sorted) is not bool or type(return_inverse) is not bool or type(return_counts) is not bool:
        for name, flag in (("sorted", sorted), ("return_inverse", return_inverse), ("return_counts", return_counts)):
            bool_arg(flag, "_unique2", name)
    if input._data.dtype.kind == "c":
        raise NotImplementedError(f"\"unique\" not implemented for '{scalar_type_name(input)}' (compare x.real, "
                                  "or x.abs())")
    if dim is None:
        v, i, c = apply(Unique2Backward0, input)
    else:
        d = _norm_dim(dim, input._data.ndim)
        if input._data.ndim == 0:
            raise IndexError(f"Dimension out of range (expected to be in range of [-1, 0], but got {dim})")
        if input._data.size == 0 and input._data.shape[d] != 0:
            raise RuntimeError(f"Number of zero sized dimensions is more than one, so unique cannot be applied "
                               f"(dim {d} has size {input._data.shape[d]})")
        v, i, c = apply(UniqueDimBackward0, input, d)
    return _unique_result(v, i, c, return_inverse, return_counts)


def unique_consecutive(input: Tensor, return_inverse: bool = False, return_counts: bool = False,
                       dim: Optional[int] = None) -> Any:
    """unique_consecutive(input, return_inverse=False, return_counts=False, dim=None) -> Tensor or tuple

    Each run of equal consecutive elements (of the flattened input, or of slices along `dim`)
    collapsed into one, as itertools.groupby; `return_inverse` and `return_counts` as for unique.
    """
    if input._data.dtype.kind == "c":
        raise NotImplementedError(f"\"unique\" not implemented for '{scalar_type_name(input)}' (compare x.real, "
                                  "or x.abs())")
    if type(return_inverse) is not bool or type(return_counts) is not bool:
        bool_arg(return_inverse, "unique_consecutive", "return_inverse")
        bool_arg(return_counts, "unique_consecutive", "return_counts")
    d = None if dim is None else _norm_dim(dim, input._data.ndim)
    a = input._data
    if d is not None and a.ndim == 0:
        raise IndexError(f"Dimension out of range (expected to be in range of [-1, 0], but got {dim})")
    v, i, c = apply(UniqueConsecutiveBackward0, input, d)
    return _unique_result(v, i, c, return_inverse, return_counts)


# ============================================================================ searching, counting
def _index_dtype(out_int32: bool) -> Any:
    return np.int32 if out_int32 else np.int64


def _values_array(x: Any, fname: str) -> np.ndarray:
    if isinstance(x, Tensor):
        return x._data
    if isinstance(x, (builtins.bool, int, float, np.number)):
        return np.asarray(x)
    raise TypeError(f"{fname}(): argument 'input' must be Tensor or Number, not {type(x).__name__}")


def searchsorted(sorted_sequence: Tensor, input: Any, *, out_int32: bool = False, right: bool = False,
                 side: Optional[str] = None, sorter: Optional[Tensor] = None, out: Any = None) -> Tensor:
    """searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None, sorter=None) -> Tensor

    For each value of `input`, the index in `sorted_sequence` (sorted along its last dim) where it
    would be inserted to keep it sorted: before equal elements, or after them with `right=True`
    (`side='right'`). An N-d sorted_sequence searches row by row, its leading dims matching input's.
    `sorter` holds the indices that sort an unsorted sequence.
    """
    seq = sorted_sequence._data
    vals = _values_array(input, "searchsorted")
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, got side of left "
                               "while right was True")
        right = side == "right"
    if seq.dtype.kind == "c" or vals.dtype.kind == "c":
        raise NotImplementedError("\"searchsorted_out_cpu\" not implemented for complex tensors (search x.real, "
                                  "or x.abs())")
    if seq.ndim == 0:
        raise RuntimeError("torch.searchsorted(): boundaries tensor should have positive dimension, but got 0 "
                           "dimension")
    order = None
    if sorter is not None:
        order = sorter._data
        if order.dtype != np.int64:
            raise RuntimeError("torch.searchsorted(): sorter must be a tensor of long dtype but got dtype "
                               f"{sorter.dtype}")
        if order.shape != seq.shape:
            raise RuntimeError("torch.searchsorted(): boundary and sorter must have the same size, but got boundary "
                               f"tensor {list(seq.shape)}and got sorter tensor {list(order.shape)}")
        if order.size and (order.min() < 0 or order.max() >= seq.shape[-1]):
            raise RuntimeError("torch.searchsorted(): sorter index out of range")
    kind: Any = "right" if right else "left"
    if seq.ndim == 1:
        res = np.searchsorted(seq, vals, side=kind, sorter=order)
    else:
        if vals.ndim != seq.ndim or vals.shape[:-1] != seq.shape[:-1]:
            raise RuntimeError("torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
                               "dimensions of boundaries tensor and input value tensor must match, but we got "
                               f"boundaries tensor {list(seq.shape)} and input value tensor {list(vals.shape)}")
        lead = math.prod(seq.shape[:-1])
        rows = seq.reshape(lead, seq.shape[-1])
        vrows = vals.reshape(lead, vals.shape[-1])
        orows = None if order is None else order.reshape(rows.shape)
        res = np.stack([np.searchsorted(r, v, side=kind, sorter=None if orows is None else orows[k])
                        for k, (r, v) in enumerate(zip(rows, vrows))]).reshape(vals.shape) if rows.shape[0] \
            else np.zeros(vals.shape, np.int64)
    result = _plain(np.asarray(res, dtype=_index_dtype(out_int32)))
    return result if out is None else _into_out(sorted_sequence, result, out)


def bucketize(input: Any, boundaries: Tensor, *, out_int32: bool = False, right: bool = False,
              out: Any = None) -> Tensor:
    """bucketize(input, boundaries, *, out_int32=False, right=False) -> Tensor

    The index of the bucket each value of `input` falls in, the buckets set by the sorted 1-d
    `boundaries`: i such that boundaries[i-1] < x <= boundaries[i] (with `right=True`:
    boundaries[i-1] <= x < boundaries[i]). The same as searchsorted(boundaries, input, right=right).
    """
    if boundaries._data.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries._data.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right, out=out)


def isin(elements: Any, test_elements: Any, *, assume_unique: bool = False, invert: bool = False,
         out: Optional[Tensor] = None) -> Tensor:
    """isin(elements, test_elements, *, assume_unique=False, invert=False) -> Tensor

    A bool tensor of elements' shape: whether each element is among `test_elements` (either may be
    a number). `invert=True` asks whether it is not. `assume_unique` is a speed hint only.
    """
    if not isinstance(elements, Tensor) and not isinstance(test_elements, Tensor):
        raise TypeError("isin() received an invalid combination of arguments: one of elements and "
                        "test_elements must be a Tensor")
    a = _values_array(elements, "isin")
    b = _values_array(test_elements, "isin")
    if a.dtype.kind == "c" or b.dtype.kind == "c":
        raise NotImplementedError("isin of complex tensors is not supported")
    result = _plain(np.asarray(np.isin(a, b, invert=builtins.bool(invert))))
    return result if out is None else _into_out(result, result, out)


def histc(input: Tensor, bins: int = 100, min: float = 0, max: float = 0, *, out: Any = None) -> Tensor:
    """histc(input, bins=100, min=0, max=0) -> Tensor

    A histogram of input's elements: `bins` equal-width bins over [min, max] (over the data's own
    range when min == max), counted in input's dtype. Elements outside the range are left out; one
    equal to max goes in the last bin.
    """
    a = input._data
    if a.dtype.kind != "f":
        raise NotImplementedError(f"\"histogram_cpu\" not implemented for '{scalar_type_name(input)}' "
                                  "(convert it first, e.g. x.float())")
    if bins <= 0:
        raise RuntimeError(f"torch.histc: bins must be > 0, but got {bins} for dimension 0")
    if float(min) > float(max):
        raise RuntimeError(f"torch.histc: max must be larger than min")
    # PyTorch's kernel works in the input's dtype: the edges, and the bin as (x - lo) * bins / (hi - lo)
    # rounded step by step, so an element near an edge falls where PyTorch's falls
    work = a.dtype.type
    lo, hi = work(min), work(max)
    if lo == hi and a.size:
        lo, hi = a.min(), a.max()
    if lo == hi:
        lo, hi = work(lo - work(1)), work(hi + work(1))
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise RuntimeError(f"torch.histc: range of [{float(lo)}, {float(hi)}] is not finite")
    flat = a.reshape(-1)
    inside = flat[(flat >= lo) & (flat <= hi)]
    index = ((inside - lo) * work(bins) / (hi - lo)).astype(np.int64)
    index[index == bins] = bins - 1
    return _into_out(input, _plain(np.bincount(index, minlength=bins).astype(a.dtype)), out)


def histogram(input: Tensor, bins: Any = 100, *, range: Optional[Tuple[float, float]] = None,
              weight: Optional[Tensor] = None, density: bool = False, out: Any = None) -> Any:
    """histogram(input, bins, *, range=None, weight=None, density=False) -> (hist, bin_edges)

    A histogram of input's elements as `torch.return_types.histogram(hist, bin_edges)`: `bins`
    equal-width bins over `range` (the data's own range by default), or the bins between the
    sorted edges of a 1-d tensor `bins`. Each bin holds [left, right) but the last, [left, right].
    `weight` sums the weights of the elements instead of counting them; `density` scales hist so
    that it integrates to 1.
    """
    a = input._data
    if a.dtype.kind != "f":
        raise NotImplementedError(f"\"histogram_cpu\" not implemented for '{scalar_type_name(input)}' "
                                  "(convert it first, e.g. x.float())")
    if isinstance(bins, Tensor):
        if range is not None:
            raise TypeError("histogram(): pass range only with a number of bins, not with bin edges")
        edges = bins._data
        if edges.dtype != a.dtype:
            raise RuntimeError(f"torch.histogram: input tensor and bins tensors should have the same dtype, but "
                               f"got input {input.dtype.name} and bins {bins.dtype.name}")
        if edges.ndim != 1 or edges.size < 1:
            raise RuntimeError("torch.histogram: bins tensor should have one dimension and at least 1 element")
        edges = edges.copy()
    else:
        n = _require_int(bins, "histogram", "bins", 2)
        if n <= 0:
            raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {n} for dimension 0")
        if range is not None:
            lo, hi = float(range[0]), float(range[1])
        elif a.size:
            lo, hi = float(a.min()), float(a.max())
        else:  # no data: the bins span [0, 1]
            lo, hi = 0.0, 1.0
        if lo > hi:
            raise RuntimeError(f"torch.histogram(): min should not exceed max, but got min {lo} max {hi}")
        if not (math.isfinite(lo) and math.isfinite(hi)):
            raise RuntimeError(f"torch.histogram(): range of [{lo}, {hi}] is not finite")
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        edges = np.linspace(lo, hi, n + 1).astype(a.dtype)
    w = None
    if weight is not None:
        if weight._data.shape != a.shape:
            raise RuntimeError("torch.histogram: if weight tensor is provided, it should have the same shape as "
                               "the input tensor")
        if weight._data.dtype != a.dtype:
            raise RuntimeError("torch.histogram: if weight tensor is provided it should have the same dtype as "
                               "the input tensor")
        w = weight._data.reshape(-1)
    flat = a.reshape(-1)
    nb = edges.size - 1
    inside = (flat >= edges[0]) & (flat <= edges[-1])
    index = np.minimum(np.searchsorted(edges, flat[inside], side="right") - 1, nb - 1) if nb > 0 else \
        np.zeros(0, np.int64)
    hist = np.bincount(index, weights=None if w is None else w[inside].astype(np.float64),
                       minlength=nb)[:nb].astype(a.dtype)
    if density:
        widths = np.diff(edges)
        hist = (hist / (hist.sum() * widths)).astype(a.dtype)
    return _into_outs(input, return_types.histogram((_plain(hist), _plain(edges))), out)


def bincount(input: Tensor, weights: Optional[Tensor] = None, minlength: int = 0) -> Tensor:
    """bincount(input, weights=None, minlength=0) -> Tensor

    How many times each value 0, 1, ... occurs in the 1-d non-negative integer `input` (the sum of
    the matching `weights` instead, when given), at least `minlength` long.
    """
    if weights is not None and not isinstance(weights, Tensor):
        raise not_a_tensor("bincount", "weights", weights, 2)
    if type(minlength) is not int:
        minlength = _args.int_arg(minlength, "bincount", "minlength", 3)
    a = input._data
    if a.dtype.kind not in "iu" or a.dtype == np.bool_:
        raise NotImplementedError(f"\"bincount_cpu\" not implemented for '{scalar_type_name(input)}'")
    if a.ndim != 1:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if a.size and a.min() < 0:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if weights is None:
        return _plain(np.bincount(a, minlength=minlength).astype(np.int64))
    w = weights._data
    if w.ndim != 1 or w.shape[0] != a.shape[0]:
        raise RuntimeError("weights should be 1-d and have the same length as input")
    dtype = np.float32 if w.dtype == np.float32 else np.float64
    return _plain(np.bincount(a, weights=w.astype(np.float64), minlength=minlength).astype(dtype))


def unravel_index(indices: Tensor, shape: Any) -> Tuple[Tensor, ...]:
    """unravel_index(indices, shape) -> tuple of Tensors

    The coordinates, in a tensor of shape `shape`, of the flat (row-major) `indices`: one int64
    tensor of indices' shape per dim. Indices beyond the size wrap around, as PyTorch's do.
    """
    a = indices._data if isinstance(indices, Tensor) else np.asarray(indices)
    if a.dtype.kind not in "iu":
        name = indices.dtype if isinstance(indices, Tensor) else type(indices).__name__
        raise TypeError(f"expected 'indices' to be integer dtype, but got {name}")
    sizes = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    for n in sizes:
        if isinstance(n, builtins.bool) or not isinstance(n, (int, np.integer)):
            raise TypeError(f"expected 'shape' to be int or sequence of ints, but got {type(shape).__name__}")
    if any(n < 0 for n in sizes):
        raise ValueError(f"'shape' cannot have negative values, but got {tuple(sizes)}")
    idx = a.astype(np.int64)
    coords = []
    stride = 1
    for n in reversed(sizes):
        coords.append(_plain((idx // stride) % n if n else np.zeros(idx.shape, np.int64)))
        stride *= n
    return tuple(reversed(coords))


# ============================================================================ differences, integrals
def diff(input: Tensor, n: int = 1, dim: int = -1, prepend: Optional[Tensor] = None,
         append: Optional[Tensor] = None, *, out: Optional[Tensor] = None) -> Tensor:
    """diff(input, n=1, dim=-1, prepend=None, append=None) -> Tensor

    The n-th forward difference along `dim`: out[i] = input[i + 1] - input[i], applied n times
    (for bool tensors, input[i + 1] != input[i]). `prepend` / `append` are joined to input along
    dim first.
    """
    if input._data.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    d = _norm_dim(dim, input._data.ndim)
    if out is not None:
        return _into_out(input, diff(input, n, dim, prepend, append), out)
    if n == 0:  # nothing to difference: prepend and append are not joined either
        return input.clone()
    from ._shape import cat
    parts = [t if isinstance(t, Tensor) else None for t in (prepend, append)]
    for t in parts:
        if t is not None and t._data.ndim != input._data.ndim:
            raise RuntimeError("diff expects prepend or append to be the same dimension as input")
    if prepend is not None or append is not None:
        input = cat([t for t in (prepend, input, append) if t is not None], d)
    x = input
    for _ in range(n):
        size = x._data.shape[d]
        if size == 0:
            break
        later, earlier = x.narrow(d, 1, size - 1), x.narrow(d, 0, size - 1)
        x = later.logical_xor(earlier) if x._data.dtype.kind == "b" else later - earlier
    return x


def _dx_shape(x: Tensor, y: Tensor, d: int) -> Tensor:
    """x's differences along dim, shaped to broadcast against y's (x 1-d: along y's dim d)."""
    if x._data.ndim == 1:
        dx = diff(x)
        shape = [1] * y._data.ndim
        shape[d] = dx._data.shape[0]
        return dx.reshape(shape)
    return diff(x, dim=d)


def _trapezoid_args(y: Tensor, x: Any, dx: Any, dim: int, fname: str) -> Tuple[int, Any]:
    if x is _args.OMITTED:
        x = None
    elif x is None:
        raise TypeError(f"{fname}() received an invalid combination of arguments - got (Tensor, NoneType): x must "
                        "be a Tensor (leave it out for evenly spaced samples, or pass dx=)")
    if x is not None and dx is not None:
        raise TypeError(f"{fname}() received an invalid combination of arguments: pass x or dx, not both")
    if x is not None and not isinstance(x, Tensor):  # the sample points: a tensor (a spacing goes in dx=)
        raise TypeError(f"{fname}() received an invalid combination of arguments - got (Tensor, {type_name(x)}): "
                        f"x must be a Tensor (for evenly spaced samples pass dx=, a number)")
    if y._data.ndim == 0:
        raise IndexError(f"Dimension out of range (expected to be in range of [-1, 0], but got {dim})")
    d = _norm_dim(dim, y._data.ndim)
    if isinstance(x, Tensor):
        if x._data.ndim != 1 and x._data.ndim != y._data.ndim:
            raise RuntimeError(f"{fname}: x must be a 1-d tensor or have as many dims as y")
        if x._data.ndim == 1 and x._data.shape[0] != y._data.shape[d]:
            raise RuntimeError(f"{fname}: There must be one `x` value for each sample point")
    return d, x


def trapezoid(y: Tensor, x: Any = _args.OMITTED, *, dx: Any = None, dim: int = -1) -> Tensor:
    """trapezoid(y, x=None, *, dx=None, dim=-1) -> Tensor

    The integral of the samples `y` along `dim` by the trapezoidal rule: the sample points at `x`
    (a 1-d tensor, or one shaped as y), or `dx` apart (1 by default).
    """
    d, x = _trapezoid_args(y, x, dx, dim, "trapezoid")
    n = y._data.shape[d]
    if n == 0:
        from .creation import zeros
        shape = y._data.shape[:d] + y._data.shape[d + 1:]
        return zeros(shape, dtype=y.dtype if y._data.dtype.kind in "fc" else None)
    if isinstance(x, Tensor):
        if n == 1:
            return (y * 0).sum(d)
        pairs = y.narrow(d, 1, n - 1) + y.narrow(d, 0, n - 1)
        return (_dx_shape(x, y, d) * pairs).sum(d) / 2
    step = 1 if dx is None else (x if x is not None else dx)
    ends = y.select(d, 0) + y.select(d, -1)
    return (y.sum(d) - ends * 0.5) * step


def trapz(y: Tensor, x: Any = _args.OMITTED, *, dx: Any = None, dim: int = -1) -> Tensor:
    """trapz(y, x, *, dim=-1) -> Tensor, trapz(y, *, dx=1, dim=-1) -> Tensor

    trapezoid under its older name.
    """
    return trapezoid(y, x, dx=dx, dim=dim)


def cumulative_trapezoid(y: Tensor, x: Any = _args.OMITTED, *, dx: Any = None, dim: int = -1) -> Tensor:
    """cumulative_trapezoid(y, x=None, *, dx=None, dim=-1) -> Tensor

    The running integral of `y` along `dim` by the trapezoidal rule (one fewer element along dim
    than y): the sample points at `x`, or `dx` apart (1 by default).
    """
    d, x = _trapezoid_args(y, x, dx, dim, "cumulative_trapezoid")
    n = y._data.shape[d]
    if n == 0:
        return y * 1.0 if y._data.dtype.kind not in "fc" else y.clone()
    pairs = y.narrow(d, 1, n - 1) + y.narrow(d, 0, n - 1)
    if isinstance(x, Tensor):
        return (_dx_shape(x, y, d) * pairs / 2).cumsum(d)
    step = 1 if dx is None else (x if x is not None else dx)
    return (step * pairs / 2.0).cumsum(d)


# ============================================================================ cov, corrcoef, dist, renorm
def cov(input: Tensor, *, correction: int = 1, fweights: Optional[Tensor] = None,
        aweights: Optional[Tensor] = None) -> Tensor:
    """cov(input, *, correction=1, fweights=None, aweights=None) -> Tensor

    The covariance matrix of the variables in input's rows (a 1-d input is one variable), its
    columns the observations. `correction=1` divides by N - 1; `fweights` (integer counts) and
    `aweights` (importance) weigh the observations.
    """
    if input._data.ndim > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an input with "
                           f"{input._data.ndim} dimensions")
    x = input
    if x._data.dtype.kind not in "fc":
        from .._dtype import get_default_dtype
        x = x.to(get_default_dtype())
    if x._data.ndim < 2:
        x = x.reshape(1, -1)
    num = x._data.shape[1]
    w: Any = None
    if fweights is not None:
        f = fweights._data
        if f.ndim > 1:
            raise RuntimeError(f"cov(): expected fweights to have one or fewer dimensions but got fweights with "
                               f"{f.ndim} dimensions")
        if f.dtype.kind not in "iu":
            raise RuntimeError(f"cov(): expected fweights to have integral dtype but got fweights with "
                               f"{fweights.dtype.name.capitalize()} dtype")
        if f.size != num:
            raise RuntimeError(f"cov(): expected fweights to have the same numel as there are observations in the "
                               f"input but got {f.size} != {num}")
        if f.size and f.min() < 0:
            raise RuntimeError(f"cov(): fweights cannot be negative")
        w = fweights
    if aweights is not None:
        aw = aweights._data
        if aw.ndim > 1:
            raise RuntimeError(f"cov(): expected aweights to have one or fewer dimensions but got aweights with "
                               f"{aw.ndim} dimensions")
        if aw.dtype.kind not in "f":
            raise RuntimeError(f"cov(): expected aweights to have floating point dtype but got aweights with "
                               f"{scalar_type_name(aweights)} dtype")
        if aw.size != num:
            raise RuntimeError(f"cov(): expected aweights to have the same numel as there are observations in the "
                               f"input but got {aw.size} != {num}")
        if aw.size and aw.min() < 0:
            raise RuntimeError(f"cov(): aweights cannot be negative")
        w = aweights if w is None else w * aweights
    if w is None:
        w_sum: Any = num
        avg = x.mean(1) if num else x.sum(1) / 0.0
    else:
        w_sum = w.sum()
        avg = (x * w).sum(1) / w_sum
    if w is None:
        norm: Any = num - correction
    elif correction == 0:
        norm = w_sum
    elif aweights is None:
        norm = w_sum - correction
    else:
        norm = w_sum - correction * (w * aweights).sum() / w_sum
    if builtins.bool(norm <= 0):
        import warnings
        warnings.warn("cov(): degrees of freedom is <= 0. Correction should be strictly less than the number of "
                      "observations.", UserWarning, stacklevel=2)
        norm = norm * 0 if isinstance(norm, Tensor) else 0
    xm = x - avg.unsqueeze(1)
    weighted = xm if w is None else xm * w
    c = weighted.mm(xm.t().conj())
    return (c / norm).squeeze()


def corrcoef(input: Tensor) -> Tensor:
    """corrcoef(input) -> Tensor

    The Pearson correlation coefficients of the variables in input's rows (columns: observations):
    cov(input) scaled by the standard deviations, clipped to [-1, 1].
    """
    c = cov(input)
    if c._data.ndim == 0:
        return c / c
    from .creation import arange
    k = arange(c._data.shape[0])
    d = c[k, k]
    std = (d.real if c.is_complex() else d).sqrt()
    c = c / std.unsqueeze(1)
    c = c / std.unsqueeze(0)
    if c.is_complex():
        return c.real.clip(-1, 1) + c.imag.clip(-1, 1) * 1j
    return c.clip(-1, 1)


def dist(input: Tensor, other: Tensor, p: float = 2) -> Tensor:
    """dist(input, other, p=2) -> Tensor

    The p-norm of input - other (broadcast), as one number: ‖input - other‖_p.
    """
    if not isinstance(other, Tensor):
        raise not_a_tensor("dist", "other", other, 2)
    a, b = input._data, other._data
    if a.dtype.kind not in "fc" or b.dtype.kind not in "fc":
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
                           f"{scalar_type_name(input if a.dtype.kind not in 'fc' else other)}")
    if a.dtype != b.dtype:
        raise RuntimeError(f"expected both inputs to have same dtype, but got {scalar_type_name(input)} and "
                           f"{scalar_type_name(other)}")
    try:
        np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise RuntimeError(f"The size of tensor a ({a.shape[-1]}) must match the size of tensor b ({b.shape[-1]}) at "
                           "non-singleton dimension") from None
    p = float(p) if p not in (1, 2) else int(p)
    return apply(DistBackward0, input, other, p)


def renorm(input: Tensor, p: float, dim: int, maxnorm: float, *, out: Optional[Tensor] = None) -> Tensor:
    """renorm(input, p, dim, maxnorm) -> Tensor

    input with each sub-tensor along `dim` (input.select(dim, i)) whose p-norm exceeds `maxnorm`
    scaled down to norm maxnorm; the others unchanged.
    """
    if input._data.dtype.kind not in "fc":
        raise RuntimeError(f"\"renorm_cpu\" not implemented for '{scalar_type_name(input)}'")
    if p <= 0:
        raise RuntimeError(f"renorm: non-positive-norm not supported")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    if input._data.ndim <= 1:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {input._data.ndim} dimensions")
    d = _norm_dim(dim, input._data.ndim)
    p = float(p) if p not in (1, 2) else int(p)
    return _into_out(input, apply(RenormBackward0, input, p, d, float(maxnorm)), out)


# ============================================================================ Tensor methods
class SortingMethods:
    """Tensor methods that sort, select and reduce ignoring NaNs (sort, topk, kthvalue, mode, cummax,
    nansum, quantile ...). Each is the torch function of the same name above, `self` as its input."""

    __slots__ = ()

    sort = sort
    argsort = argsort
    msort = msort
    topk = topk
    kthvalue = kthvalue
    mode = mode
    nanmedian = nanmedian
    cummax = cummax
    cummin = cummin
    logcumsumexp = logcumsumexp
    aminmax = aminmax
    nansum = nansum
    nanmean = nanmean
    quantile = quantile
    nanquantile = nanquantile
    unique = unique
    unique_consecutive = unique_consecutive
    bincount = bincount
    histc = histc
    histogram = histogram
    diff = diff
    dist = dist
    renorm = renorm
    renorm_ = inplace(renorm)
    cov = cov
    corrcoef = corrcoef


# vmap batches these by their rule's kind (func/batching.py reads `method.rule`): one call on the whole
# batch, the dim moved past the batch dim. (topk and kthvalue take k first, aminmax its dim by keyword
# only: vmap runs them once per example.)
for _method, _rule in ((sort, SortBackward0), (mode, ModeBackward0), (nanmedian, NanmedianBackward1),
                       (cummax, CummaxBackward0), (cummin, CumminBackward0), (logcumsumexp, LogcumsumexpBackward0),
                       (nansum, NansumBackward0)):
    setattr(_method, "rule", _rule)
del _method, _rule
