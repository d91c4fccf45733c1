"""Sorting, selecting and NaN-aware reductions as Tensor methods and torch functions (rules:
ops/sorting.py): sort, argsort, msort, topk, kthvalue, mode, nanmedian, cummax, cummin,
logcumsumexp, aminmax, var_mean, std_mean, nansum, nanmean, quantile, nanquantile.

`SortingMethods`, at the end, names the functions that are also Tensor methods in its class body.
"""
from __future__ import annotations

import builtins
from typing import TYPE_CHECKING, Any, Optional, Tuple, Union

import numpy as np

from .._dtype import dtype as DType
from ._core import _norm_dim, _plain, apply
from ._reduction import (Dims, _dims, _keep, _one_dim, _return_type, _spread, return_types, scalar_type_name)
if TYPE_CHECKING:
    from . import Tensor
else:
    from ._core import Tensor
from ..ops.sorting import (
    AminmaxBackward0, CummaxBackward0, CumminBackward0, KthvalueBackward0, LogcumsumexpBackward0, ModeBackward0,
    NanmedianBackward0, NanmedianBackward1, NansumBackward0, SortBackward0, StdMeanBackward0, TopkBackward0,
    VarMeanBackward0, sort_order,
)

__all__ = ["sort", "argsort", "msort", "topk", "kthvalue", "mode", "nanmedian", "cummax", "cummin",
           "logcumsumexp", "aminmax", "var_mean", "std_mean", "nansum", "nanmean", "quantile", "nanquantile"]

return_types.__dict__.update({"nanmedian": _return_type("nanmedian", ("values", "indices"))})
_Sort, _Topk, _Kth, _Mode = return_types.sort, return_types.topk, return_types.kthvalue, return_types.mode
_Nanmedian, _Cummax, _Cummin, _Aminmax = (return_types.nanmedian, return_types.cummax, return_types.cummin,
                                          return_types.aminmax)


def _no_complex(input: Tensor, what: str) -> None:
    if input._data.dtype.kind == "c":
        raise RuntimeError(f"{what} does not support complex dtypes on CPU (got {input.dtype}; "
                           "compare real and imaginary parts, or the abs, instead)")


def _no_bool(input: Tensor, kernel: str) -> None:
    if input._data.dtype.kind == "b":
        raise NotImplementedError(f"\"{kernel}\" not implemented for 'Bool' (convert it first, e.g. x.int())")


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
    for o, r in zip(out, result):
        if o._data.dtype != r._data.dtype:
            raise RuntimeError(f"Expected out tensor to have dtype {r.dtype}, but got {o.dtype} instead")
        if o._data.shape == r._data.shape:
            np.copyto(o._data, r._data)
        else:
            o._data = r._data.copy()
    return type(result)(out)


# ============================================================================ sort, argsort, topk ...
def sort(input: Tensor, dim: int = -1, descending: bool = False, stable: Optional[bool] = False, *,
         out: Any = None) -> Any:
    """sort(input, dim=-1, descending=False, stable=False) -> (values, indices)

    The elements along `dim` in ascending order (descending with `descending=True`), and the index
    each came from, as `torch.return_types.sort(values, indices)`. NaN sorts as the largest value.
    The sort is stable here whatever `stable` says: equal elements keep their order.
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
    return _plain(sort_order(a, d, builtins.bool(descending)).astype(np.int64, copy=False))


def msort(input: Tensor, *, out: Any = None) -> Tensor:
    """msort(input) -> Tensor

    The input sorted along its first dim (ascending): sort(input, dim=0).values.
    """
    return sort(input, 0)[0]


def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True, *,
         out: Any = None) -> Any:
    """topk(input, k, dim=-1, largest=True, sorted=True) -> (values, indices)

    The `k` largest elements along `dim` (the smallest with `largest=False`), in order, and their
    indices, as `torch.return_types.topk(values, indices)`. Ties go to the lower index here.
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
    `torch.return_types.kthvalue(values, indices)`.
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


def nanmedian(input: Tensor, dim: Optional[int] = None, keepdim: bool = False, *, out: Any = None) -> Any:
    """nanmedian(input) -> Tensor, nanmedian(input, dim, keepdim=False) -> (values, indices)

    median that ignores NaNs: the lower median of the elements that are not NaN (NaN where all are),
    of everything or along `dim` as `torch.return_types.nanmedian(values, indices)`.
    """
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
    if a.dtype.kind not in "f":
        if a.dtype.kind == "c":
            raise NotImplementedError("logcumsumexp of complex tensors is not supported by torchless")
        raise NotImplementedError(f"\"logcumsumexp_out_cpu\" not implemented for '{scalar_type_name(input)}' "
                                  "(convert the input to a floating dtype first, e.g. x.float())")
    d = _dim_of(input, dim, "logcumsumexp")
    return apply(LogcumsumexpBackward0, input, d)


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
             correction: Optional[float] = None, out: Any = None) -> Tuple[Tensor, Tensor]:
    """var_mean(input, dim=None, *, correction=1, keepdim=False) -> (Tensor, Tensor)

    The variance (as var, with the same `correction` / `unbiased`) and the mean of all elements, or
    over the dim(s) in `dim`, as a tuple.
    """
    return _spread_mean(input, dim, unbiased, keepdim, correction, "var_mean", VarMeanBackward0)


def std_mean(input: Tensor, dim: Dims = None, unbiased: Optional[bool] = None, keepdim: bool = False, *,
             correction: Optional[float] = None, out: Any = None) -> Tuple[Tensor, Tensor]:
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
    return apply(NansumBackward0, input, dims, builtins.bool(keepdim))


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
    return nansum(input, dim, keepdim) / count


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
        elif isinstance(q, Tensor) and q.requires_grad:  # q's gradient flows through the weight
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
    return _quantile(input, q, dim, keepdim, interpolation, "quantile", False)


def nanquantile(input: Tensor, q: Union[float, Tensor], dim: Optional[int] = None, keepdim: bool = False, *,
                interpolation: str = "linear", out: Any = None) -> Tensor:
    """nanquantile(input, q, dim=None, keepdim=False, *, interpolation='linear') -> Tensor

    quantile that ignores NaNs: the quantiles of the elements that are not NaN (NaN where all are).
    """
    return _quantile(input, q, dim, keepdim, interpolation, "nanquantile", True)


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

