"""Reductions: sum, mean, prod, max/min, norm, var/std, logsumexp, cumsum ... forward beside vjp.

`dim` arrives normalized from the Tensor layer: None (all dims) or a tuple of non-negative ints.
A reduced gradient is brought back to the input's shape by `_unreduce`: re-insert the reduced dims
(when keepdim=False), then broadcast.

Selection reductions (max, amax, median ...) store the weights their gradient is spread with as a
plain constant array: which elements were selected is a step function of the input, so those
weights have zero derivative and need no graph under create_graph.
"""
from typing import Any, ClassVar

import numpy as np

from ..engine.node import LINEAR_JVP, jvp_by_partials
from ._rule import Explain, Rule, sum_of_elements


def _unreduce(g, xp, shape, dim, keepdim):
    """Broadcast a reduced gradient back over the input's shape."""
    return xp.broadcast_to(_with_kept_dims(g, shape, dim, keepdim), shape)


def _with_kept_dims(g, shape, dim, keepdim):
    """A reduced value with the reduced dims back in place as 1s: it broadcasts against the input."""
    if keepdim:
        return g
    if dim is None:
        return g.reshape((1,) * len(shape))
    return g.reshape(tuple(1 if i in dim else n for i, n in enumerate(shape)))


def _count(shape, dim):
    """How many elements each output element reduces over."""
    n = 1
    for d in (range(len(shape)) if dim is None else dim):
        n *= shape[d]
    return n


def _mean(xp, a, dim, keepdim, dtype):
    """a.mean(dim): for float32/float64 the sum divided by the count, as NumPy's mean computes it,
    without the Python layer of ndarray.mean. NumPy's own mean for the rest (float16 sums in float32)."""
    if dtype is None and a.dtype.itemsize >= 4 and a.dtype.kind == "f":
        return xp.sum_dims(a, dim, keepdim) / _count(a.shape, dim)
    return a.mean(axis=dim, keepdims=keepdim, dtype=dtype)


def _cast_back(g, xp, src):
    """The gradient in the input's dtype when the op was asked for another (sum(dtype=...))."""
    return g if src is None else xp.to_dtype(g, src)


# ============================================================================ sum, mean
_add_reduce = np.add.reduce


class SumBackward0(Rule):
    """sum of all elements:  d/da = g broadcast"""
    batching = "reduction"
    explain = Explain("Σ {a}", "∂(Σᵢ aᵢ)/∂aᵢ = 1", symbolic=lambda sp, a: sum_of_elements(a))

    @staticmethod
    def forward(node, xp, a, dim=None, keepdim=False, dtype=None):
        if node is not None:
            node.shape = a.shape
            node.src = a.dtype if dtype is not None and dtype != a.dtype else None
        if type(a) is np.ndarray:  # ndarray.sum's own Python layer costs a fifth of a tiny sum
            return _add_reduce(a, dim, dtype, None, keepdim)
        return a.sum(axis=dim, keepdims=keepdim, dtype=dtype)

    jvp = LINEAR_JVP  # linear in a: the tangent goes through forward

    def vjp(self, g, xp):
        return (_cast_back(xp.broadcast_to(g, self.shape), xp, self.src),)


class SumBackward1(Rule):
    """sum over dims:  d/da = g with the reduced dims re-inserted, broadcast"""
    batching = "reduction"
    explain = Explain("Σ {a} (over some dims)", "∂(Σ a)/∂aᵢ = 1 for the summed elements")

    @staticmethod
    def forward(node, xp, a, dim, keepdim=False, dtype=None):
        if node is not None:
            node.args = (a.shape, dim, keepdim)
            node.src = a.dtype if dtype is not None and dtype != a.dtype else None
        return a.sum(axis=dim, keepdims=keepdim, dtype=dtype) if dtype is not None else xp.sum_dims(a, dim, keepdim)

    jvp = LINEAR_JVP  # linear in a: the tangent goes through forward

    def vjp(self, g, xp):
        return (_cast_back(_unreduce(g, xp, *self.args), xp, self.src),)


class MeanBackward0(Rule):
    """mean of all elements:  d/da = g / n"""
    batching = "reduction"
    explain = Explain("mean({a})", "∂mean(a)/∂aᵢ = 1/n", symbolic=lambda sp, a: sum_of_elements(a) / a.size)

    @staticmethod
    def forward(node, xp, a, dim=None, keepdim=False, dtype=None):
        if node is not None:
            node.shape = a.shape
            node.src = a.dtype if dtype is not None and dtype != a.dtype else None
        return _mean(xp, a, dim, keepdim, dtype)

    jvp = LINEAR_JVP  # linear in a: the tangent goes through forward

    def vjp(self, g, xp):
        return (_cast_back(xp.broadcast_to(g / _count(self.shape, None), self.shape), xp, self.src),)


class MeanBackward1(Rule):
    """mean over dims:  d/da = g / n, re-inserted and broadcast"""
    batching = "reduction"
    explain = Explain("mean({a}) (over some dims)", "∂mean(a)/∂aᵢ = 1/n for the averaged elements")

    @staticmethod
    def forward(node, xp, a, dim, keepdim=False, dtype=None):
        if node is not None:
            node.args = (a.shape, dim, keepdim)
            node.src = a.dtype if dtype is not None and dtype != a.dtype else None
        return _mean(xp, a, dim, keepdim, dtype)

    jvp = LINEAR_JVP  # linear in a: the tangent goes through forward

    def vjp(self, g, xp):
        shape, dim, keepdim = self.args
        return (_cast_back(_unreduce(g / _count(shape, dim), xp, shape, dim, keepdim), xp, self.src),)


# ============================================================================ prod
class ProdBackward0(Rule):
    """product of all elements (or over dims):  d/da_i = g * prod_{j != i} a_j

    For a non-zero a_i that is g * out / a_i (still right, and differentiable, when another element
    is 0). At a zero it is the product of the non-zero others when that is the slice's only zero,
    else 0 (second derivatives are exact up to one zero per slice).
    """
    explain = Explain("Π {a}", "∂(Π a)/∂aᵢ = Π_{j ≠ i} a_j",
                      symbolic=lambda sp, a: np.array(sp.Mul(*np.asarray(a).reshape(-1)), dtype=object))
    holomorphic = True
    batching = "reduction"
    saves_output = True

    @staticmethod
    def forward(node, xp, a, dim=None, keepdim=False):
        out = xp.prod(a, dim, keepdim)
        if node is not None:
            # the product of the non-zero elements, kept with the reduced dims
            node.saved = (a, out, xp.prod(xp.where(a == 0, 1, a), dim, True))
            node.args = (dim, keepdim)
        return out

    @staticmethod
    def jvp(xp, t, out, a, dim=None, keepdim=False):
        return jvp_by_partials(ProdBackward0, xp, t, out, (a, dim, keepdim), (0,), lambda p: xp.sum_dims(p, dim, keepdim))

    def vjp(self, g, xp):
        a, out, prod_nonzero = self.saved
        dim, keepdim = self.args
        g = _unreduce(g, xp, a.shape, dim, keepdim)
        zero = a == 0
        zeros = zero.sum(axis=dim, keepdims=True)
        others = xp.where(zero, xp.where(zeros == 1, prod_nonzero, 0),
                          _unreduce(out, xp, a.shape, dim, keepdim) / xp.where(zero, 1, a))
        return (g * others,)


class ProdBackward1(ProdBackward0):
    """product over one dim (same rule)"""
    explain = Explain("Π {a} (over a dim)", "∂(Π a)/∂aᵢ = Π_{j ≠ i} a_j along the dim")


# ============================================================================ max, min, median
class _Selection(Rule):
    """A reduction whose gradient goes, weighted, to the selected elements: evenly among ties for
    the whole-tensor / amax forms, to one index for the dim forms. The weights are a step function
    of the input (zero derivative), so they are computed from the saved arrays with NumPy as plain
    constants, and the saved values need no re-lifting under create_graph."""
    explain = Explain("select({a})", "∂/∂aᵢ = 1/k for each of the k elements tied at the selected value, else 0")
    batching = "reduction"
    relift = False
    nan_selects = True  # a NaN result selects the NaN elements (max, min, median); amax/amin: none (NaN grads)

    def vjp(self, g, xp):
        shape, dim, keepdim = self.args
        return (_unreduce(g, xp, shape, dim, keepdim) * self.weights(),)

    def weights(self):
        """1/count on the elements equal to the (keepdim) result, 0 elsewhere."""
        a, out = self.saved
        hit = _hits(a, out) if self.nan_selects else a == out
        return (hit / hit.sum(axis=self.args[1], keepdims=True)).astype(a.dtype, copy=False)


def refuse(a, refuses):
    """Raise the error a rule's `refuses` (ops/_rule.py) declares for the dtype kind of array `a`:
    for the reductions NumPy would answer but PyTorch refuses (max of a complex tensor)."""
    refused = refuses.get(a.dtype.kind) if type(a) is np.ndarray else None
    if refused is not None:
        from .._dtype import FROM_NP, SCALAR_TYPE_NAMES
        raise refused[0](refused[1].format(type=SCALAR_TYPE_NAMES[FROM_NP[a.dtype].name]))


def _hits(a, out):
    """The elements of `a` that are the selected `out` (broadcast): equal to it, or NaN where it is
    NaN (a NaN max, min or median selects the NaNs, as PyTorch's gradient does)."""
    hit = a == out
    if getattr(a.dtype, "np", a.dtype).kind in "fc":  # (a Tensor under create_graph: its dtype's .np)
        hit = hit | ((a != a) & (out != out))
    return hit


def _selected_tangent(xp, t, a, out, dim, keepdim, nan_selects=True):
    """The tangent of a max/min over dims: the selected elements' tangents, ties sharing evenly (as
    they share the gradient)."""
    kept = _with_kept_dims(out, a.shape, dim, keepdim)
    hit = _hits(a, kept) if nan_selects else a == kept
    return xp.sum_dims(t * hit, dim, keepdim) / xp.sum_dims(hit * 1.0, dim, keepdim)


class MaxBackward1(_Selection):
    """max of all elements: the gradient is split evenly among the elements equal to the max"""
    explain = Explain("max({a})", "∂max(a)/∂aᵢ = 1/k for each of the k elements equal to the max, else 0",
                      symbolic=lambda sp, a: np.array(sp.Max(*np.asarray(a).reshape(-1)), dtype=object))
    refuses = {"c": (NotImplementedError, "\"max_all\" not implemented for '{type}'")}
    saves_output = True  # its saved values include its result: a write into it is an error

    @staticmethod
    def forward(node, xp, a):
        refuse(a, MaxBackward1.refuses)
        out = xp.amax(a, None, False)
        if node is not None:
            node.args = (a.shape, None, False)
            node.saved = (a, out)
        return out

    @staticmethod
    def jvp(xp, t, out, a):
        return _selected_tangent(xp, t[0], a, out, None, False)


class MinBackward1(_Selection):
    """min of all elements: the gradient is split evenly among the elements equal to the min"""
    explain = Explain("min({a})", "∂min(a)/∂aᵢ = 1/k for each of the k elements equal to the min, else 0",
                      symbolic=lambda sp, a: np.array(sp.Min(*np.asarray(a).reshape(-1)), dtype=object))
    refuses = {"c": (NotImplementedError, "\"min_all\" not implemented for '{type}'")}
    saves_output = True  # its saved values include its result: a write into it is an error

    @staticmethod
    def forward(node, xp, a):
        refuse(a, MinBackward1.refuses)
        out = xp.amin(a, None, False)
        if node is not None:
            node.args = (a.shape, None, False)
            node.saved = (a, out)
        return out

    @staticmethod
    def jvp(xp, t, out, a):
        return _selected_tangent(xp, t[0], a, out, None, False)


class AmaxBackward0(_Selection):
    """amax over dims: ties share the gradient evenly"""
    explain = Explain("amax({a})", "∂max(a)/∂aᵢ = 1/k for each of the k elements equal to the max, else 0")
    refuses = {"c": (NotImplementedError, "\"max_values_cpu\" not implemented for '{type}'")}
    nan_selects = False
    saves_output = True  # its saved values include its result: a write into it is an error

    @staticmethod
    def forward(node, xp, a, dim, keepdim):
        refuse(a, AmaxBackward0.refuses)
        out = xp.amax(a, dim, keepdim)
        if node is not None:
            node.args = (a.shape, dim, keepdim)
            node.saved = (a, out if keepdim else xp.amax(a, dim, True))
        return out

    @staticmethod
    def jvp(xp, t, out, a, dim, keepdim):
        return _selected_tangent(xp, t[0], a, out, dim, keepdim, False)


class AminBackward0(_Selection):
    """amin over dims: ties share the gradient evenly"""
    explain = Explain("amin({a})", "∂min(a)/∂aᵢ = 1/k for each of the k elements equal to the min, else 0")
    refuses = {"c": (NotImplementedError, "\"min_values_cpu\" not implemented for '{type}'")}
    nan_selects = False
    saves_output = True  # its saved values include its result: a write into it is an error

    @staticmethod
    def forward(node, xp, a, dim, keepdim):
        refuse(a, AminBackward0.refuses)
        out = xp.amin(a, dim, keepdim)
        if node is not None:
            node.args = (a.shape, dim, keepdim)
            node.saved = (a, out if keepdim else xp.amin(a, dim, True))
        return out

    @staticmethod
    def jvp(xp, t, out, a, dim, keepdim):
        return _selected_tangent(xp, t[0], a, out, dim, keepdim, False)


class _Picked(_Selection):
    """(values, indices) along one dim: the gradient goes to the picked element of each slice."""
    explain = Explain("pick({a}, dim)", "∂/∂a = g at each slice's picked index, else 0")
    aux_outputs = True
    keeps_indices = True

    def weights(self):
        shape, dims, _ = self.args
        if dims is None:  # 0-d input
            return 1
        dim = dims[0]
        position = np.arange(shape[dim]).reshape((-1,) + (1,) * (len(shape) - dim - 1))
        return position == self.index


def _indexed(node, a, dim, keepdim, pick):
    """(values, indices) of a reduction along `dim` that picks, per slice, the element at
    pick(a, dim) (int64 indices); the gradient goes to exactly that element."""
    if a.ndim == 0:  # a 0-d tensor is its own max/min/median along dim 0
        if node is not None:
            node.args = ((), None, True)
        return a.copy(), np.zeros((), np.int64)
    indices = pick(a, dim).astype(np.int64, copy=False)
    idx = np.expand_dims(indices, dim)
    values = np.take_along_axis(a, idx, dim)
    if node is not None:
        node.args = (a.shape, (dim,), keepdim)
        node.index = idx
    if keepdim:
        return values, idx
    return values.reshape(indices.shape), indices


def _argmax(a, dim):
    return np.argmax(a, axis=dim)


def _argmin(a, dim):
    return np.argmin(a, axis=dim)


def _lower_median_index(a, dim):
    """Index of the lower median along dim (of the middle two for an even count)."""
    order = np.argsort(a, axis=dim, kind="stable")
    index = np.take(order, (a.shape[dim] - 1) // 2, axis=dim)
    if a.dtype.kind in "fc" and a.size:  # NaN propagates: the first NaN is the median, as in PyTorch
        nan = np.isnan(a)
        has_nan = nan.any(axis=dim)
        if has_nan.any():
            index = np.where(has_nan, np.argmax(nan, axis=dim), index)
    return index


class MaxBackward0(_Picked):
    """max along a dim -> (values, indices): the gradient goes to each argmax"""
    explain = Explain("max({a}, dim)", "∂/∂a = g at each slice's argmax, else 0")
    refuses = {"c": (RuntimeError, "max(): does not support complex input")}

    @staticmethod
    def forward(node, xp, a, dim, keepdim):
        refuse(a, MaxBackward0.refuses)
        return _indexed(node, a, dim, keepdim, _argmax)

    @staticmethod
    def jvp(xp, t, out, a, dim, keepdim):
        return jvp_by_partials(MaxBackward0, xp, t, out, (a, dim, keepdim), (0,), lambda p: xp.sum_dims(p, dim, keepdim))


class MinBackward0(_Picked):
    """min along a dim -> (values, indices): the gradient goes to each argmin"""
    explain = Explain("min({a}, dim)", "∂/∂a = g at each slice's argmin, else 0")
    refuses = {"c": (RuntimeError, "min(): does not support complex input")}

    @staticmethod
    def forward(node, xp, a, dim, keepdim):
        refuse(a, MinBackward0.refuses)
        return _indexed(node, a, dim, keepdim, _argmin)

    @staticmethod
    def jvp(xp, t, out, a, dim, keepdim):
        return jvp_by_partials(MinBackward0, xp, t, out, (a, dim, keepdim), (0,), lambda p: xp.sum_dims(p, dim, keepdim))


class MedianBackward0(_Selection):
    """median of all elements (the lower one for an even count): ties share the gradient evenly"""
    explain = Explain("median({a})", "∂median(a)/∂aᵢ = 1/k for each of the k elements equal to the median, else 0")
    refuses = {"c": (NotImplementedError, "\"median_cpu\" not implemented for '{type}'")}
    saves_output = True  # its saved values include its result: a write into it is an error

    @staticmethod
    def forward(node, xp, a):
        refuse(a, MedianBackward0.refuses)
        flat = a.reshape(-1)
        out = flat[_lower_median_index(flat, 0)]
        if node is not None:
            node.args = (a.shape, None, False)
            node.saved = (a, out)
        return np.asarray(out)

    @staticmethod
    def jvp(xp, t, out, a):
        return jvp_by_partials(MedianBackward0, xp, t, out, (a,), (0,), lambda p: xp.sum_dims(p, None, False))


class MedianBackward1(_Picked):
    """median along a dim -> (values, indices): the gradient goes to the chosen element"""
    explain = Explain("median({a}, dim)", "∂/∂a = g at each slice's median index, else 0")
    refuses = {"c": (NotImplementedError, "\"median_out\" not implemented for '{type}'")}

    @staticmethod
    def forward(node, xp, a, dim, keepdim):
        refuse(a, MedianBackward1.refuses)
        return _indexed(node, a, dim, keepdim, _lower_median_index)

    @staticmethod
    def jvp(xp, t, out, a, dim, keepdim):
        return jvp_by_partials(MedianBackward1, xp, t, out, (a, dim, keepdim), (0,),
                               lambda p: xp.sum_dims(p, dim, keepdim))


# ============================================================================ norms
_INF = float("inf")


def _real_dtype(dtype):
    """The NumPy dtype of a's real numbers (float32 for complex64) from a NumPy or torch dtype."""
    np_dtype = getattr(dtype, "np", dtype)
    if np_dtype.kind != "c":
        return np_dtype
    return np.dtype(np.float32) if np_dtype == np.complex64 else np.dtype(np.float64)


def _is_complex(a):
    """Is array or Tensor `a` complex? (the two spell their dtypes differently)"""
    dt = a.dtype
    return getattr(dt, "kind", None) == "c" or getattr(dt, "is_complex", False) is True


class LinalgVectorNormBackward0(Rule):
    """vector p-norm over dims.  p=2: d/da = g * a / norm;  p=1: g * sign(a);  p=+-inf: the
    gradient, signed, goes to the elements of largest (smallest) magnitude, ties sharing evenly;
    other p: g * sign(a) * |a|^(p-1) / norm^(p-1).  Zero norms and zero elements get 0, not NaN."""
    batching = "reduction"
    explain = Explain("‖{a}‖", "∂‖a‖/∂a = a/‖a‖", symbolic=lambda sp, a: sp.sqrt(sum_of_elements(a * a)))
    saves_output = True

    @staticmethod
    def forward(node, xp, a, p=2, dim=None, keepdim=False):
        if a.ndim == 0 and p != 0:  # one element: its magnitude, without |a|**p's overflow (PyTorch's
            out = abs(a[()]) if type(a) is np.ndarray else xp.abs(a)  # value; a NumPy scalar's abs is quicker)
        elif p == 2:
            squares = a * a if not _is_complex(a) else xp.square(xp.abs(a))
            out = xp.sqrt(squares.sum(axis=dim, keepdims=keepdim))
        elif p == _INF:
            out = xp.amax(xp.abs(a), dim, keepdim)
        elif p == -_INF:
            out = xp.amin(xp.abs(a), dim, keepdim)
        elif p == 1:
            out = xp.abs(a).sum(axis=dim, keepdims=keepdim)
        elif p == 0:
            out = xp.to_dtype((a != 0).sum(axis=dim, keepdims=keepdim), _real_dtype(a.dtype))
        else:
            out = (xp.abs(a) ** p).sum(axis=dim, keepdims=keepdim) ** (1.0 / p)
        if node is not None:
            node.saved = (a, out)
            node.args = (p, dim, keepdim)
        return out

    @staticmethod
    def jvp(xp, t, out, a, p=2, dim=None, keepdim=False):
        return jvp_by_partials(LinalgVectorNormBackward0, xp, t, out, (a, p, dim, keepdim), (0,), lambda p: xp.sum_dims(p, dim, keepdim))

    def vjp(self, g, xp):
        a, out = self.saved
        p, dim, keepdim = self.args
        shape = a.shape
        g = _unreduce(g, xp, shape, dim, keepdim)
        if p == 1:
            return (g * xp.sign(a),)
        if p == 0:  # a count of nonzeros: PyTorch passes no gradient at all (None, not zeros)
            return (None,)
        norm = _unreduce(out, xp, shape, dim, keepdim)
        if p == 2:  # 0/0 at a zero vector: PyTorch gives a zero gradient there
            return (xp.where(norm == 0, 0 * a, g * a / xp.where(norm == 0, 1, norm)),)
        if p == _INF or p == -_INF:
            hit = xp.abs(a) == norm
            count = _unreduce(xp.to_dtype(hit.sum(axis=dim, keepdims=True), a.dtype), xp, shape, dim, True)  # (an int count would promote float32 to float64)
            return (xp.where(hit, g * xp.sign(a) / count, xp.zeros_like(a)),)
        safe_norm = xp.where(norm == 0, 1, norm)
        safe_a = xp.where(a == 0, 1, a)
        grad = g * xp.sign(a) * (xp.abs(safe_a) / safe_norm) ** (p - 1)
        return (xp.where((norm == 0) | (a == 0), 0 * a, grad),)


# ============================================================================ var, std
def _centered(xp, a, dim):
    return a - a.sum(axis=dim, keepdims=True) / _count(a.shape, dim)


class VarBackward0(Rule):
    """variance with `correction`:  d/da = g * 2 (a - mean) / (n - correction)"""
    explain = Explain("var({a})", "∂var(a)/∂aᵢ = 2(aᵢ − mean)/(n − correction)")
    batching = "reduction"

    @staticmethod
    def forward(node, xp, a, dim, correction, keepdim):
        d = _centered(xp, a, dim)
        out = (d * d).sum(axis=dim, keepdims=keepdim) / max(_count(a.shape, dim) - correction, 0)
        if node is not None:
            node.saved = (a,)
            node.args = (dim, correction, keepdim)
        return out

    @staticmethod
    def jvp(xp, t, out, a, dim, correction, keepdim):
        dof = max(_count(a.shape, dim) - correction, 0)
        return xp.sum_dims(_centered(xp, a, dim) * t[0], dim, keepdim) * (2.0 / dof if dof else np.inf)

    def vjp(self, g, xp):
        (a,) = self.saved
        dim, correction, keepdim = self.args
        dof = max(_count(a.shape, dim) - correction, 0)
        return (_unreduce(g, xp, a.shape, dim, keepdim) * (2.0 / dof if dof else np.inf)
                * _centered(xp, a, dim),)


def _abs_squared(xp, d):
    """|d|² of complex d, real: d · conj(d) has no imaginary part."""
    return (d * xp.conj(d)).real


def _complex_spread_tangent(xp, a, t, dim, keepdim):
    """The tangent of sum(|a - mean|²) for tangent t of complex a: sum(2 Re(conj(a - mean) t))."""
    return 2 * xp.sum_dims((xp.conj(_centered(xp, a, dim)) * t).real, dim, keepdim)


class ComplexVarBackward0(VarBackward0):
    """VarBackward0 for complex a (VarBackward0.complex_rule()): sum(|a - mean|²) / (n - correction),
    a real result. The vjp g * 2 (a - mean) / (n - correction) holds as it is (g is real)."""

    @staticmethod
    def forward(node, xp, a, dim, correction, keepdim):
        out = (_abs_squared(xp, _centered(xp, a, dim)).sum(axis=dim, keepdims=keepdim)
               / max(_count(a.shape, dim) - correction, 0))
        if node is not None:
            node.saved = (a,)
            node.args = (dim, correction, keepdim)
        return out

    @staticmethod
    def jvp(xp, t, out, a, dim, correction, keepdim):
        dof = max(_count(a.shape, dim) - correction, 0)
        return _complex_spread_tangent(xp, a, t[0], dim, keepdim) * (1.0 / dof if dof else np.inf)


class StdBackward0(Rule):
    """standard deviation:  d/da = g * (a - mean) / ((n - correction) * std);  0 where std is 0"""
    explain = Explain("std({a})", "∂std(a)/∂aᵢ = (aᵢ − mean)/((n − correction)·std)")
    batching = "reduction"
    saves_output = True
    variance: ClassVar[Any] = VarBackward0  # the rule whose value this is the square root of

    @classmethod
    def forward(cls, node, xp, a, dim, correction, keepdim):
        out = xp.sqrt(cls.variance.forward(None, xp, a, dim, correction, keepdim))
        if node is not None:
            node.saved = (a, out)
            node.args = (dim, correction, keepdim)
        return out

    @classmethod
    def jvp(cls, xp, t, out, a, dim, correction, keepdim):  # d√v = dv / (2 √v)
        var_t = cls.variance.jvp(xp, t, out, a, dim, correction, keepdim)
        return var_t / (2 * xp.where(out == 0, np.inf, out))

    def vjp(self, g, xp):
        a, out = self.saved
        dim, correction, keepdim = self.args
        dof = max(_count(a.shape, dim) - correction, 0)
        std = _unreduce(out, xp, a.shape, dim, keepdim)
        g = _unreduce(g, xp, a.shape, dim, keepdim)
        scaled = g * _centered(xp, a, dim) / ((dof if dof else np.nan) * xp.where(std == 0, 1, std))
        return (xp.where(std == 0, 0 * a, scaled),)


class ComplexStdBackward0(StdBackward0):
    """StdBackward0 for complex a (StdBackward0.complex_rule()): the square root of the complex
    variance (real). The vjp g * (a - mean) / ((n - correction) * std) holds as it is."""
    variance = ComplexVarBackward0


# PyTorch names these nodes as the real ones; they are the real rules' complex rules
for _real, _complex in ((VarBackward0, ComplexVarBackward0), (StdBackward0, ComplexStdBackward0)):
    _complex.__name__ = _complex.__qualname__ = _real.__name__
    _real._complex_twin = _complex._complex_twin = _complex


# ============================================================================ logsumexp
class LogsumexpBackward0(Rule):
    """log(sum(exp(a))) over dims, shifted by the max so large values do not overflow:
    d/da = g * exp(a - out)  (the softmax)"""
    explain = Explain("ln Σ exp({a})", "∂ln Σ eᵃ/∂aᵢ = e^(aᵢ − out) = softmax(a)ᵢ")
    holomorphic = True
    batching = "dimwise"
    saves_output = True

    @staticmethod
    def forward(node, xp, a, dim, keepdim):
        out = xp.logsumexp(a, dim, keepdim)
        if node is not None:
            node.saved = (a, out)
            node.args = (dim, keepdim)
        return out

    @staticmethod
    def jvp(xp, t, out, a, dim, keepdim):
        softmax = xp.exp(a - _with_kept_dims(out, a.shape, dim, keepdim))
        return xp.sum_dims(t[0] * softmax, dim, keepdim)

    def vjp(self, g, xp):
        a, out = self.saved
        dim, keepdim = self.args
        softmax = xp.exp_(a - _with_kept_dims(out, a.shape, dim, keepdim))
        return (xp.mul_(softmax, _with_kept_dims(g, a.shape, dim, keepdim)),)


# ============================================================================ cumulative
class CumsumBackward0(Rule):
    """running sum along dim:  d/da = reversed running sum of g"""
    explain = Explain("cumsum({a}, dim)", "∂out_k/∂a_i = 1 for i ≤ k: ∂/∂a = the reversed running sum of g")
    batching = "dimwise"

    @staticmethod
    def forward(node, xp, a, dim):
        if node is not None:
            node.dim = dim
        return xp.cumsum(a, dim)

    jvp = LINEAR_JVP  # linear in a: the tangent goes through forward

    def vjp(self, g, xp):
        return (xp.flip_cumsum(g, self.dim),)


class CumprodBackward0(Rule):
    """running product along dim:  d/da_i = sum_{k>=i} g_k * prod_{j<=k, j!=i} a_j.

    Before the first zero of a slice that is reversed-cumsum(g * out) / a_i; at the first zero it is
    reversed-cumsum(g * out') with out' the running product with that zero taken as 1; after it, 0.
    """
    explain = Explain("cumprod({a}, dim)", "∂out_k/∂a_i = Π_{j ≤ k, j ≠ i} a_j for i ≤ k")
    saves_output = True  # PyTorch saves its result too: a write into the result is an error there
    holomorphic = True
    batching = "dimwise"

    @staticmethod
    def forward(node, xp, a, dim):
        if node is not None:
            node.saved = (a,)
            node.dim = dim
        return xp.cumprod(a, dim)

    @staticmethod
    def jvp(xp, t, out, a, dim):  # sum_k<=i t_k prod_{j<=i, j!=k} a_j, written without dividing by a
        if not a.shape[dim]:  # nothing along dim: the tangent is as empty as the result
            return t[0] * 1
        moved_a, moved_t = xp.moveaxis(a, dim, 0), xp.moveaxis(t[0], dim, 0)
        if moved_a.shape[0] == 0:  # nothing to accumulate: the (empty) tangent is the result
            return t[0] * a
        rows = []
        running = xp.zeros_like(moved_a[0])   # d(prod_{j<=i} a_j) along t
        prod = xp.ones_like(moved_a[0])
        for i in range(moved_a.shape[0]):
            running = running * moved_a[i] + prod * moved_t[i]
            prod = prod * moved_a[i]
            rows.append(running)
        return xp.moveaxis(xp.stack(rows, 0), 0, dim)

    def vjp(self, g, xp):
        (a,) = self.saved
        dim = self.dim
        zero = a == 0
        zeros_so_far = xp.cumsum(zero, dim)
        before = zeros_so_far == 0
        first_zero = zero & (zeros_so_far == 1)
        out = xp.cumprod(a, dim)
        grad_before = xp.flip_cumsum(g * out, dim) / xp.where(zero, 1, a)
        grad_first = xp.flip_cumsum(g * xp.cumprod(xp.where(first_zero, 1, a), dim), dim)
        return (xp.where(before, grad_before, xp.where(first_zero, grad_first, 0 * a)),)
