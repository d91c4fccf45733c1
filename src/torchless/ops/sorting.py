"""Sorting, selecting and NaN-aware reductions: sort, topk, kthvalue, mode, nanmedian, cummax/cummin,
logcumsumexp, aminmax, var_mean/std_mean, nansum, dist, renorm ... forward beside vjp.

`dim` arrives normalized from the Tensor layer (a non-negative int, or a tuple of them / None for
the reductions over several dims).

The ops that return (values, indices) along a dim pick, for each output element, one element of
the input: `_Picking` holds the full advanced-index key of the picked elements (the indices at
`dim`, aranges elsewhere) and sends the gradient back there (added up where an index repeats, as
cummax's do). The key is a step function of the input: a plain array, also under create_graph.
"""
from typing import ClassVar, Optional

import numpy as np

from ._rule import Explain, Rule
from .indexing import _scatter_unique
from .reduction import (LinalgVectorNormBackward0, StdBackward0, VarBackward0, _count, _is_complex, _Selection,
                        _unreduce, _with_kept_dims)


def _along_key(idx, dim):
    """The advanced-index key that reads, along `dim`, the positions in `idx` (aranges elsewhere):
    a[_along_key(idx, dim)] is np.take_along_axis(a, idx, dim)."""
    nd = idx.ndim
    key = []
    for d in range(nd):
        if d == dim:
            key.append(idx)
        else:
            shape = [1] * nd
            shape[d] = idx.shape[d]
            key.append(np.arange(idx.shape[d]).reshape(shape))
    return tuple(key)


# ============================================================================ picking along a dim
class _Picking(Rule):
    """(values, indices) along one dim, values[...] = a[... indices ...]: the gradient goes to the
    picked elements (added up where an index repeats: `repeats`). forward's second argument is
    the dim; `indices` comes back without `dim` where keepdim is False."""
    explain = Explain("pick({a}, dim)", "∂/∂a = g scattered back to the picked indices, else 0")
    aux_outputs = True
    keeps_indices = True
    batching: ClassVar[Optional[str]] = "dimwise"
    repeats: ClassVar[bool] = False

    def vjp(self, g, xp):
        key = self.key
        if key is None:  # a 0-d input is its own pick
            return (g,)
        g = g.reshape(key[0].shape if len(key) == 1 else self.kept)
        if self.repeats:
            if xp.apply_rule is None:  # arrays
                return (xp.index_add(self.shape, g.dtype, key, g),)
            # Tensors (create_graph): a sum of g over a constant one-hot mask, through which forward AD
            # differentiates too (a hessian by jacfwd(jacrev(...)))
            dim = self.dim
            idx = key[dim]
            targets = np.arange(self.shape[dim]).reshape((-1,) + (1,) * (len(self.shape) - dim - 1))
            onehot = np.expand_dims(idx, dim + 1) == targets  # [..., i, j, ...]: output i came from input j
            return (xp.sum_dims(xp.where(onehot, g.unsqueeze(dim + 1), 0.0), (dim,), False),)
        return (_scatter_unique(xp, self.shape, g.dtype, key, g),)

    @staticmethod
    def jvp(xp, t, out, a, dim, *rest):
        values, indices = out[0], out[1]
        if indices.ndim == 0 and a.ndim == 0:
            return t[0]
        idx = indices if indices.ndim == a.ndim else np.expand_dims(indices, dim)
        return t[0][_along_key(idx, dim)].reshape(tuple(values.shape))


def _picked(node, a, dim, idx, keepdim=True):
    """(values, indices) for positions `idx` (int64, with `dim` kept) along `dim` of `a`; the node
    (when recording) keeps the key its vjp scatters through. The indices come back C-contiguous, as
    PyTorch's (`idx` may be a reversed or sliced view)."""
    if not idx.flags.c_contiguous:
        idx = np.ascontiguousarray(idx)
    key = _along_key(idx, dim)
    values = a[key]
    if node is not None:
        node.shape = a.shape
        node.key = key
        node.kept = idx.shape
        node.dim = dim
    if keepdim:
        return values, idx
    return np.squeeze(values, dim), np.squeeze(idx, dim)


def _scalar_pick(node, a):
    """A 0-d tensor along dim 0 / -1: itself, index 0."""
    if node is not None:
        node.key = None
    return a.copy(), np.zeros((), np.int64)


_ALL = slice(None)
_BACKWARDS = slice(None, None, -1)


def _along(dim, part):
    """The index that takes `part` (a slice) along dim and everything elsewhere."""
    return (_ALL,) * dim + (part,)


def sort_order(a, dim, descending):
    """The stable sorting permutation along dim (int64): ascending puts NaN last; descending puts NaN
    first; equal elements keep their order (as PyTorch's CPU sort gives them)."""
    if not descending:
        return np.argsort(a, axis=dim, kind="stable")
    backwards = _along(dim, _BACKWARDS)  # the stable ascending order of the reversed slices, reversed
    order = np.argsort(a[backwards], axis=dim, kind="stable")
    return (a.shape[dim] - 1 - order)[backwards]


class SortBackward0(_Picking):
    """sort along dim -> (values, indices): the gradient goes back to each value's original place"""
    explain = Explain("sort({a}, dim)",
                      "a permutation of each slice: ∂/∂a = g scattered back to each value's original index")

    @staticmethod
    def forward(node, xp, a, dim, descending=False):
        if a.ndim == 0:
            return _scalar_pick(node, a)
        return _picked(node, a, dim, sort_order(a, dim, descending).astype(np.int64, copy=False))


class TopkBackward0(_Picking):
    """the k largest (smallest) along dim -> (values, indices): the gradient goes to those elements"""
    explain = Explain("topk({a}, k, dim)", "∂/∂a = g scattered back to the k chosen indices, 0 elsewhere")
    batching = "batch_dims"

    @staticmethod
    def forward(node, xp, a, dim, k, largest=True):
        if a.ndim == 0:
            return _scalar_pick(node, a)
        idx = sort_order(a, dim, largest)[_along(dim, slice(0, k))].astype(np.int64, copy=False)
        return _picked(node, a, dim, idx)


class KthvalueBackward0(_Picking):
    """the k-th smallest along dim -> (values, indices): the gradient goes to that element"""
    explain = Explain("kthvalue({a}, k, dim)", "∂/∂a = g at each slice's k-th smallest element, else 0")
    batching = "batch_dims"

    @staticmethod
    def forward(node, xp, a, dim, k, keepdim=False):
        if a.ndim == 0:
            return _scalar_pick(node, a)
        idx = sort_order(a, dim, False)[_along(dim, slice(k - 1, k))].astype(np.int64, copy=False)
        return _picked(node, a, dim, idx, keepdim)


def _mode_index(a, dim):
    """Index (dim kept) of the most frequent value along dim (the smallest of those tied for most
    frequent), at its last occurrence, as PyTorch picks it."""
    order = sort_order(a, dim, False)
    s = np.take_along_axis(a, order, dim)
    moved = np.moveaxis(s, dim, -1)
    n = moved.shape[-1]
    positions = np.arange(n)
    new_run = np.ones(moved.shape, bool)
    new_run[..., 1:] = moved[..., 1:] != moved[..., :-1]
    start = np.maximum.accumulate(np.where(new_run, positions, 0), axis=-1)
    length = positions - start  # (one less than the run's length so far)
    last = np.argmax(length, axis=-1)  # the first run to reach the longest: the smallest value
    return np.take_along_axis(order, np.expand_dims(last, dim), dim)


class ModeBackward0(_Picking):
    """the most frequent value along dim -> (values, indices): the gradient goes to that element"""
    explain = Explain("mode({a}, dim)", "∂/∂a = g at each slice's index of its mode, else 0")

    @staticmethod
    def forward(node, xp, a, dim, keepdim=False):
        if a.ndim == 0:
            return _scalar_pick(node, a)
        return _picked(node, a, dim, _mode_index(a, dim).astype(np.int64, copy=False), keepdim)


def _nan_lower_median_index(a, dim):
    """Index (dim kept) of the lower median of the non-NaN elements along dim (of a NaN-only slice:
    its first element)."""
    order = sort_order(a, dim, False)
    count = (~np.isnan(a)).sum(axis=dim, keepdims=True) if a.dtype.kind in "fc" else \
        np.full(tuple(1 if d == dim else n for d, n in enumerate(a.shape)), a.shape[dim])
    pos = np.maximum(count - 1, 0) // 2
    return np.take_along_axis(order, pos, dim)


class NanmedianBackward1(_Picking):
    """median of the non-NaN elements along dim -> (values, indices): the gradient goes to it"""
    explain = Explain("nanmedian({a}, dim)", "∂/∂a = g at each slice's median index, else 0")

    @staticmethod
    def forward(node, xp, a, dim, keepdim=False):
        if a.ndim == 0:
            return _scalar_pick(node, a)
        return _picked(node, a, dim, _nan_lower_median_index(a, dim).astype(np.int64, copy=False), keepdim)


class NanmedianBackward0(_Selection):
    """median of the non-NaN elements (the lower one for an even count): ties share the gradient"""
    explain = Explain("nanmedian({a})", "∂/∂aᵢ = 1/k for each of the k elements equal to the median, else 0")
    saves_output = True

    @staticmethod
    def forward(node, xp, a):
        flat = a.reshape(-1)
        if flat.dtype.kind in "fc":
            flat = flat[~np.isnan(flat)]
        if flat.size == 0:
            out = np.asarray(np.nan, a.dtype)
        else:
            out = np.asarray(np.sort(flat, kind="stable")[(flat.size - 1) // 2])
        if node is not None:
            node.args = (a.shape, None, False)
            node.saved = (a, out)
        return out

    @staticmethod
    def jvp(xp, t, out, a):
        hit = a == out
        return (t[0] * hit).sum() / hit.sum()


def _cumulative_extreme(a, dim, ufunc):
    """Running max (ufunc np.maximum) or min along dim and the index of the latest element equal to
    it (a NaN, once met, is kept with its index until the next NaN), as PyTorch's cummax/cummin."""
    values = ufunc.accumulate(a, axis=dim)
    hit = a == values
    if a.dtype.kind in "fc":
        hit |= np.isnan(a)
    positions = np.arange(a.shape[dim]).reshape((-1,) + (1,) * (a.ndim - dim - 1))
    idx = np.maximum.accumulate(np.where(hit, positions, 0), axis=dim)
    return idx.astype(np.int64, copy=False)


class CummaxBackward0(_Picking):
    """running max along dim -> (values, indices): each output's gradient goes to its index"""
    explain = Explain("cummax({a}, dim)",
                      "∂out_k/∂a_i = 1 where i is the running argmax at k: g added back at the indices")
    repeats = True

    @staticmethod
    def forward(node, xp, a, dim):
        if a.ndim == 0:
            return _scalar_pick(node, a)
        return _picked(node, a, dim, _cumulative_extreme(a, dim, np.maximum))


class CumminBackward0(_Picking):
    """running min along dim -> (values, indices): each output's gradient goes to its index"""
    explain = Explain("cummin({a}, dim)",
                      "∂out_k/∂a_i = 1 where i is the running argmin at k: g added back at the indices")
    repeats = True

    @staticmethod
    def forward(node, xp, a, dim):
        if a.ndim == 0:
            return _scalar_pick(node, a)
        return _picked(node, a, dim, _cumulative_extreme(a, dim, np.minimum))


# ============================================================================ logcumsumexp
def _flip_lcse(x, dim):
    """logcumsumexp from the end of dim (arrays)."""
    return np.flip(np.logaddexp.accumulate(np.flip(x, dim), axis=dim), dim)


def _signed_log_sum(w, logs, dim, accumulate):
    """Σ w_k exp(logs_k) accumulated along dim (accumulate: forward or from the end) without
    overflow, as exp(lse(log w⁺ + logs)) - exp(lse(log w⁻ + logs)) (arrays)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        pos = np.where(w > 0, np.log(np.where(w > 0, w, 1)), -np.inf) + logs
        neg = np.where(w < 0, np.log(np.where(w < 0, -w, 1)), -np.inf) + logs
    return accumulate(pos, dim), accumulate(neg, dim)


def _lcse(x, dim):
    return np.logaddexp.accumulate(x, axis=dim)


class LogcumsumexpBackward0(Rule):
    """log(cumsum(exp(a))) along dim:  d/da_i = Σ_{k≥i} g_k exp(a_i - out_k)"""
    batching = "dimwise"
    saves_output = True
    explain = Explain("log cumsum(exp({a}))", "∂out_k/∂a_i = exp(a_i − out_k) for i ≤ k")

    @staticmethod
    def forward(node, xp, a, dim):
        if type(a) is np.ndarray:
            out = a.copy() if not a.ndim else _complex_lcse(a, dim) if a.dtype.kind == "c" else _lcse(a, dim)
        else:
            out = a.logcumsumexp(dim)
        if node is not None:
            node.saved = (a, out)
            node.dim = dim
        return out

    @staticmethod
    def jvp(xp, t, out, a, dim):  # Σ_{j≤i} t_j exp(a_j - out_i)
        if a.ndim == 0:
            return t[0]
        if xp.apply_rule is None and not _is_complex(a):
            pos, neg = _signed_log_sum(t[0], a, dim, _lcse)
            return np.exp(pos - out) - np.exp(neg - out)
        shift = _real_max(xp, a, dim)
        return xp.cumsum(t[0] * xp.exp(a - shift), dim) * xp.exp(shift - out)

    def vjp(self, g, xp):  # Σ_{k≥i} g_k conj(exp(a_i - out_k))
        a, out = self.saved
        dim = self.dim
        if a.ndim == 0:
            return (g,)
        if xp.apply_rule is None and not _is_complex(a):
            pos, neg = _signed_log_sum(g, -out, dim, _flip_lcse)
            return (np.exp(a + pos) - np.exp(a + neg),)
        shift = _real_max(xp, out, dim)  # (for real a: out's last element, the largest)
        return (xp.flip_cumsum(g * xp.conj(xp.exp(shift - out)), dim) * xp.conj(xp.exp(a - shift)),)


def _real_max(xp, a, dim):
    """The largest real part along dim (kept), a constant: the shift that keeps exp from overflowing."""
    if type(a) is np.ndarray:
        return np.max(a.real, axis=dim, keepdims=True)
    return (a.real if a.is_complex() else a).amax(dim, keepdim=True).detach()


def _complex_lcse(a, dim):
    """logcumsumexp of complex a along dim: log(exp(x) + exp(y)) step by step, the term of larger real
    part taken out first."""
    moved = np.moveaxis(a, dim, 0)
    out = np.empty_like(moved)
    acc = moved[0].copy()
    out[0] = acc
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        for i in range(1, moved.shape[0]):
            x = moved[i]
            first = acc.real >= x.real
            hi, lo = np.where(first, acc, x), np.where(first, x, acc)
            acc = np.where(np.isneginf(hi.real), hi, hi + np.log1p(np.exp(lo - hi)))
            out[i] = acc
    return np.moveaxis(out, 0, dim)


# ============================================================================ aminmax
_min_reduce, _max_reduce = np.minimum.reduce, np.maximum.reduce

class AminmaxBackward0(Rule):
    """(min, max) over dims at once: each output's gradient is shared evenly among the elements tied
    for it (as amin's and amax's)"""
    explain = Explain("aminmax({a})", "each of min and max: ∂/∂aᵢ = 1/k for the k elements tied at it")
    batching = "reduction"
    multi_output = True
    saves_output = True
    relift = False  # the weights are constants (a step function of the input)

    @staticmethod
    def forward(node, xp, a, dim, keepdim):
        if type(a) is np.ndarray:  # (the ufuncs' own reduce: np.amin's Python layer costs more than it)
            lo, hi = _min_reduce(a, dim, None, None, keepdim), _max_reduce(a, dim, None, None, keepdim)
        else:
            lo, hi = xp.amin(a, dim, keepdim), xp.amax(a, dim, keepdim)
        if node is not None:
            node.num_outputs = 2
            node.args = (a.shape, dim, keepdim)
            node.saved = (a, _with_kept_dims(lo, a.shape, dim, keepdim), _with_kept_dims(hi, a.shape, dim, keepdim))
        return lo, hi

    @staticmethod
    def jvp(xp, t, out, a, dim, keepdim):
        res = []
        for o in out:
            hit = a == _with_kept_dims(o, a.shape, dim, keepdim)
            res.append(xp.sum_dims(t[0] * hit, dim, keepdim) / xp.sum_dims(hit * 1.0, dim, keepdim))
        return tuple(res)

    def vjp(self, grads, xp):
        a, lo, hi = self.saved
        shape, dim, keepdim = self.args
        total = None
        for g, o in zip(grads, (lo, hi)):
            if g is None:
                continue
            hit = a == o
            w = (hit / hit.sum(axis=dim, keepdims=True)).astype(a.dtype, copy=False)
            part = _unreduce(g, xp, shape, dim, keepdim) * w
            total = part if total is None else total + part
        return (total,)


# ============================================================================ var_mean, std_mean
class VarMeanBackward0(Rule):
    """(var, mean) over dims at once: d/da = g_var · 2 (a - mean) / (n - correction) + g_mean / n"""
    explain = Explain("var_mean({a})", "∂var/∂aᵢ = 2(aᵢ − mean)/(n − correction),  ∂mean/∂aᵢ = 1/n")
    batching = "reduction"
    multi_output = True
    spread: ClassVar[type[Rule]] = VarBackward0  # the rule of the first output (its vjp reads the same saved layout)

    @classmethod
    def forward(cls, node, xp, a, dim, correction, keepdim):
        spread = cls.spread.complex_rule() if _is_complex(a) else cls.spread
        first = spread.forward(None, xp, a, dim, correction, keepdim)
        mean = xp.sum_dims(a, dim, keepdim) / _count(a.shape, dim)
        if node is not None:
            node.num_outputs = 2
            node.saved = (a, first) if cls.spread is StdBackward0 else (a,)
            node.args = (dim, correction, keepdim)
        return first, mean

    @classmethod
    def jvp(cls, xp, t, out, a, dim, correction, keepdim):
        spread = cls.spread.complex_rule() if _is_complex(a) else cls.spread
        first = spread.jvp(xp, t, out[0], a, dim, correction, keepdim)
        return first, xp.sum_dims(t[0], dim, keepdim) / _count(a.shape, dim)

    def vjp(self, grads, xp):
        g_first, g_mean = grads
        dim, correction, keepdim = self.args
        a = self.saved[0]
        total = None
        if g_first is not None:
            total = type(self).spread.vjp(self, g_first, xp)[0]
        if g_mean is not None:
            part = _unreduce(g_mean / _count(a.shape, dim), xp, a.shape, dim, keepdim)
            total = part if total is None else total + part
        return (total,)


class StdMeanBackward0(VarMeanBackward0):
    """(std, mean) over dims at once: d/da = g_std · (a - mean) / ((n - correction) std) + g_mean / n"""
    explain = Explain("std_mean({a})", "∂std/∂aᵢ = (aᵢ − mean)/((n − correction)·std),  ∂mean/∂aᵢ = 1/n")
    saves_output = True
    spread = StdBackward0


# ============================================================================ nansum
class NansumBackward0(Rule):
    """sum ignoring NaNs:  d/da = g where a is not NaN, else 0"""
    batching = "reduction"
    explain = Explain("Σ {a} (NaNs skipped)", "∂/∂aᵢ = 1 where aᵢ is not NaN, else 0")

    @staticmethod
    def forward(node, xp, a, dim=None, keepdim=False, dtype=None):
        if node is not None:
            node.saved = (a,)
            node.args = (a.shape, dim, keepdim)
        if type(a) is np.ndarray:
            if dtype is None and a.dtype == np.float16:  # accumulated in float32, as PyTorch does
                return np.asarray(np.nansum(a, axis=dim, keepdims=keepdim, dtype=np.float32).astype(np.float16))
            out = np.add.reduce(a, dim, dtype, None, keepdim)
            if a.dtype.kind in "fc" and np.isnan(np.add.reduce(out, None)):  # a NaN met (or inf - inf): again,
                out = np.nansum(a, axis=dim, keepdims=keepdim, dtype=dtype)  # skipping NaNs (a plain sum has none)
            return np.asarray(out)
        return xp.sum_dims(xp.where(a != a, 0 * a, a), dim, keepdim)

    @staticmethod
    def jvp(xp, t, out, a, dim=None, keepdim=False, dtype=None):
        return xp.sum_dims(xp.where(a != a, 0 * t[0], t[0]), dim, keepdim)

    def vjp(self, g, xp):
        (a,) = self.saved
        shape, dim, keepdim = self.args
        g = _unreduce(g, xp, shape, dim, keepdim)
        return (xp.where(a != a, 0 * g, g),)


# ============================================================================ dist, renorm
class DistBackward0(Rule):
    """p-norm of a - b (broadcast):  d/da = the norm's gradient at a - b;  d/db = minus it"""
    batching = "reduction"
    saves_output = True
    explain = Explain("‖{a} − {b}‖", "∂‖a − b‖/∂a = (a − b)/‖a − b‖ for p = 2; ∂/∂b is its negative")

    @staticmethod
    def forward(node, xp, a, b, p):
        diff = a - b
        out = LinalgVectorNormBackward0.forward(None, xp, diff, p, None, False)
        if node is not None:
            node.saved = (a, b, out)
            node.args = (p,)
        return out

    @staticmethod
    def jvp(xp, t, out, a, b, p):
        ta = t[0] if t[0] is not None else 0
        tb = t[1] if t[1] is not None else 0
        tangent = xp.broadcast_to(ta - tb, np.broadcast_shapes(tuple(a.shape), tuple(b.shape)))
        diff = a - b
        return LinalgVectorNormBackward0.jvp(xp, (tangent,), out, diff, p, None, False)

    def vjp(self, g, xp):
        a, b, out = self.saved
        (p,) = self.args
        norm = LinalgVectorNormBackward0()
        norm.saved = (a - b, out)
        norm.args = (p, None, False)
        (gd,) = LinalgVectorNormBackward0.vjp(norm, g, xp)
        (na, _), (nb, _) = self.next_functions
        ga = xp.sum_to(gd, tuple(a.shape)) if na is not None else None
        gb = xp.sum_to(-gd, tuple(b.shape)) if nb is not None else None
        return ga, gb


class RenormBackward0(Rule):
    """each sub-tensor along dim scaled to p-norm at most maxnorm: out = a · s, with
    s = maxnorm / (norm + 1e-7) where norm > maxnorm, else 1;  d/da = g s + a · ds/dnorm · dnorm/da"""
    explain = Explain("renorm({a}, p, dim, maxnorm)",
                      "out = a·s, s = min(1, maxnorm/‖a‖ₚ) per slice:  ∂/∂a = g·s + a·Σ(g·a)·∂s/∂a")
    batching = "batch_dims"

    @staticmethod
    def forward(node, xp, a, p, dim, maxnorm):
        dims = tuple(d for d in range(a.ndim) if d != dim)
        norm = LinalgVectorNormBackward0.forward(None, xp, a, p, dims, True)
        over = norm > maxnorm
        scale = xp.where(over, maxnorm / (norm + 1e-7), 1.0)
        if node is not None:
            node.saved = (a,)
            node.args = (p, dims, maxnorm)
        return a * scale

    @staticmethod
    def jvp(xp, t, out, a, p, dim, maxnorm):
        dims = tuple(d for d in range(a.ndim) if d != dim)
        norm = LinalgVectorNormBackward0.forward(None, xp, a, p, dims, True)
        norm_t = LinalgVectorNormBackward0.jvp(xp, t, norm, a, p, dims, True)
        over = norm > maxnorm
        scale = xp.where(over, maxnorm / (norm + 1e-7), 1.0)
        dscale = xp.where(over, -maxnorm / ((norm + 1e-7) * (norm + 1e-7)), 0.0)
        return t[0] * scale + a * dscale * norm_t

    def vjp(self, g, xp):
        (a,) = self.saved
        p, dims, maxnorm = self.args
        normrule = LinalgVectorNormBackward0()
        norm = LinalgVectorNormBackward0.forward(normrule, xp, a, p, dims, True)
        over = norm > maxnorm
        scale = xp.where(over, maxnorm / (norm + 1e-7), 1.0)
        dscale = xp.where(over, -maxnorm / ((norm + 1e-7) * (norm + 1e-7)), 0.0)
        along = (g * xp.conj(a)).real if _is_complex(a) else g * a  # Re(g conj(a)): the part along a
        g_norm = xp.sum_dims(along * dscale, dims, True)
        (through_norm,) = LinalgVectorNormBackward0.vjp(normrule, g_norm, xp)
        return (g * scale + through_norm,)


__all__ = ["SortBackward0", "TopkBackward0", "KthvalueBackward0", "ModeBackward0", "NanmedianBackward0",
           "NanmedianBackward1", "CummaxBackward0", "CumminBackward0", "LogcumsumexpBackward0",
           "AminmaxBackward0", "VarMeanBackward0", "StdMeanBackward0", "NansumBackward0", "DistBackward0",
           "RenormBackward0", "sort_order"]


# ============================================================================ unique (not differentiable)
class _UniqueRule(Rule):
    """unique / unique_consecutive: (values, inverse, counts). PyTorch records the node (the values
    require grad) but has no derivative for it: backward through it raises."""
    aux_outputs = True
    batching = "loop"  # the output's shape depends on the values: PyTorch's vmap refuses it
    aten: ClassVar[str] = "_unique2"

    def vjp(self, g, xp):
        raise NotImplementedError(f"the derivative for '{self.aten}' is not implemented.")


def _unique_flat(a):
    """Sorted distinct elements of a (each NaN distinct, last), the inverse (a's shape), counts."""
    flat = a.reshape(-1)
    if flat.size == 0:
        return flat.copy(), np.zeros(a.shape, np.int64), np.zeros(0, np.int64)
    order = np.argsort(flat, kind="stable")
    s = flat[order]
    new = np.ones(s.shape, bool)
    new[1:] = s[1:] != s[:-1]
    group = np.cumsum(new) - 1
    inverse = np.empty(flat.shape, np.int64)
    inverse[order] = group
    starts = np.flatnonzero(new)
    counts = np.diff(np.append(starts, s.size)).astype(np.int64)
    return s[starts], inverse.reshape(a.shape), counts


class Unique2Backward0(_UniqueRule):
    """unique of all elements, sorted: no derivative"""
    batching = "loop"  # the output's shape depends on the values: PyTorch's vmap refuses it

    @staticmethod
    def forward(node, xp, a):
        return _unique_flat(a)


class UniqueDimBackward0(_UniqueRule):
    """unique slices along dim, sorted lexicographically: no derivative"""
    batching = "loop"  # the output's shape depends on the values: PyTorch's vmap refuses it
    aten = "unique_dim"

    @staticmethod
    def forward(node, xp, a, dim):
        moved = np.moveaxis(a, dim, 0)
        n = moved.shape[0]
        if n == 0:
            return a.copy(), np.zeros(0, np.int64), np.zeros(0, np.int64)
        rows = moved.reshape(n, -1)
        order = np.lexsort(rows.T[::-1]) if rows.shape[1] else np.arange(n)
        s = rows[order]
        new = np.ones(n, bool)
        new[1:] = (s[1:] != s[:-1]).any(axis=1)
        group = np.cumsum(new) - 1
        inverse = np.empty(n, np.int64)
        inverse[order] = group
        starts = np.flatnonzero(new)
        counts = np.diff(np.append(starts, n)).astype(np.int64)
        values = np.moveaxis(moved[order[starts]], 0, dim)
        return np.ascontiguousarray(values), inverse, counts


class UniqueConsecutiveBackward0(_UniqueRule):
    """runs of equal consecutive elements (dim None: of the flattened input) or slices along dim
    collapsed to one: no derivative"""
    batching = "loop"  # the output's shape depends on the values: PyTorch's vmap refuses it
    aten = "unique_consecutive"

    @staticmethod
    def forward(node, xp, a, dim):
        moved = a.reshape(-1) if dim is None else np.moveaxis(a, dim, 0)
        n = moved.shape[0]
        if n == 0:
            return a.copy() if dim is not None else moved.copy(), np.zeros(a.shape if dim is None else 0, np.int64), \
                np.zeros(0, np.int64)
        rows = moved.reshape(n, -1)
        new = np.ones(n, bool)
        new[1:] = (rows[1:] != rows[:-1]).any(axis=1)
        starts = np.flatnonzero(new)
        inverse = (np.cumsum(new) - 1).astype(np.int64)
        counts = np.diff(np.append(starts, n)).astype(np.int64)
        values = moved[starts]
        if dim is None:
            return values, inverse.reshape(a.shape), counts
        return np.ascontiguousarray(np.moveaxis(values, 0, dim)), inverse, counts


__all__ += ["Unique2Backward0", "UniqueDimBackward0", "UniqueConsecutiveBackward0"]
