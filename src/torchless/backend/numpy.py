"""The array namespace rules run on in plain backward: NumPy, plus a few helpers.

Every rule's forward and vjp is written against an `xp` handed to it, never against NumPy directly,
so that the same formula also runs on Tensors (`torchless._tensor.xp`, used under create_graph).
Both namespaces provide the names in `NAMES`; operators (+ - * / ** < ...) and the methods
`.sum(axis, keepdims)`, `.reshape`, `.transpose`, `.astype` work on arrays and Tensors alike.
"""
import math as _math
import sys as _sys

import numpy as np
from numpy import (  # noqa: F401 - re-exported as the namespace
    abs, arccos, arcsin, arctan, ceil, clip, cos, floor,
    log, log2, matmul, maximum, minimum, ndarray, ndim, negative, rint, shape, sign,
    sin, sqrt, square, tan, zeros_like, ones_like, asarray, add, moveaxis, copy,
    swapaxes, expand_dims, squeeze, concatenate, stack, trunc, logaddexp, hypot, copysign, conj,
)

# Hooks only the Tensor namespace has (None here; rules test them): apply a rule as a recorded op
# (a linear rule's jvp on recorded tangents, engine/node.py).
apply_rule = None
TENSOR_ONLY = ("apply_rule",)

NAMES = (
    "abs", "arccos", "arcsin", "arctan", "broadcast_to", "ceil", "clip", "cos", "cosh", "cumsum",
    "exp", "expm1", "floor", "log", "log1p", "log2", "log10", "matmul", "maximum", "minimum", "sign",
    "sin", "sinh", "sqrt", "square", "tan", "tanh", "where", "zeros_like", "ones_like", "sum_to",
    "sigmoid", "rsqrt", "reciprocal", "relu", "trunc", "moveaxis", "swapaxes", "expand_dims",
    "squeeze", "concatenate", "stack", "rint", "flip_cumsum", "zeros", "index_add",
    "logsumexp", "to_dtype", "permute", "one_minus_", "mul_", "tanh_grad", "prod", "amax", "amin", "cumprod",
    "ndtr", "index_sub_", "grad_where_", "grad_zero_where_", "zero_where", "sum_dims", "exp_", "copy",
    "exp2", "logaddexp", "hypot", "arctan2", "copysign", "conj",
)

_getrefcount = _sys.getrefcount
_SAME_SIZE_INT = {2: np.int16, 4: np.int32, 8: np.int64}  # the integer of each float's size, for bit selects


def where(cond, a=None, b=None):
    """np.where(cond, a, b); a big boolean mask selects by bits, (a & m) | (b & ~m) with m all ones
    where cond holds: np.where branches per element and runs about nine times slower on a mask
    that is not sorted (950 against 110 us for 262,144 float32), which is every activation's mask.
    Same values, dtype (a and b promoted as np.where promotes them), shape and C order."""
    if a is None and b is None:
        return np.where(cond)
    if type(cond) is np.ndarray and cond.dtype == np.bool_ and cond.size >= 4096:
        dt = np.result_type(a, b)
        ints = _SAME_SIZE_INT.get(dt.itemsize) if dt.kind in "fiuc" else None
        if ints is not None:
            a_bits = np.asarray(a, dt).view(ints)
            b_bits = np.asarray(b, dt).view(ints)
            out = np.empty(np.broadcast_shapes(cond.shape, a_bits.shape, b_bits.shape), dt)
            bits = out.view(ints)
            mask = cond.astype(ints)
            np.negative(mask, out=mask)                     # all ones where cond
            np.bitwise_and(a_bits, mask, out=bits)
            np.invert(mask, out=mask)                       # all ones where not
            if np.broadcast_shapes(mask.shape, b_bits.shape) == mask.shape:
                np.bitwise_and(b_bits, mask, out=mask)
                np.bitwise_or(bits, mask, out=bits)
            else:
                np.bitwise_or(bits, np.bitwise_and(b_bits, mask), out=bits)
            return out
    return np.where(cond, a, b)


# NumPy's float32 exp, sinh ... are fast SIMD approximations, off by an ulp for a third of inputs;
# PyTorch's are correctly rounded nearly always, and an ulp shows in printed digits
# (exp(12.) prints 162754.7969, not 162754.7812). Small float32/float16 arrays are computed in float64
# and rounded once, which matches. Big ones keep NumPy's kernels: there speed is what counts, and an
# ulp is below anything printed of them. tanh keeps NumPy's kernel at every size: its values lie in
# [-1, 1], where an ulp is below the five digits printed, and the round trip would cost tiny-tensor
# programs (a tanh in every layer) 9% of their time.
_ROUND_VIA_FLOAT64 = 1 << 14  # elements
_F64 = np.dtype(np.float64)


def _rounded_from_float64(ufunc):
    def function(x):
        if x.dtype.char in "fe" and x.size <= _ROUND_VIA_FLOAT64:
            return ufunc(x, dtype=_F64).astype(x.dtype)
        return ufunc(x)
    function.__name__ = ufunc.__name__
    return function


def _rounded_from_float64_binary(ufunc):
    """The same for an op of two operands (of one dtype, as rules receive them)."""
    def function(a, b):
        dt = a.dtype
        if dt.char in "fe" and a.size <= _ROUND_VIA_FLOAT64 and np.size(b) <= _ROUND_VIA_FLOAT64:
            return ufunc(a, b, dtype=_F64).astype(dt)
        return ufunc(a, b)
    function.__name__ = ufunc.__name__
    return function


exp, exp2, expm1, sinh, cosh, log1p, log10 = map(
    _rounded_from_float64, (np.exp, np.exp2, np.expm1, np.sinh, np.cosh, np.log1p, np.log10))
# atan2 likewise (logaddexp and hypot are not: NumPy's float32 kernels already agree with PyTorch's)
arctan2 = _rounded_from_float64_binary(np.arctan2)
tanh = np.tanh


_FILL_MAX = 4096  # elements: below this, broadcasting a 0-d array fills a new array instead


def broadcast_to(x, shape):
    """x broadcast to `shape`, as np.broadcast_to: a read-only view built directly for 0-d and
    contiguous arrays (np.broadcast_to's own checks cost several microseconds on a 4-element
    gradient), or, for a 0-d x and a small shape, a new array filled with x."""
    if type(x) is not np.ndarray or not x.flags.c_contiguous:
        x = np.asarray(x)
        if not x.flags.c_contiguous:
            return np.broadcast_to(x, shape)
    xshape = x.shape
    if not xshape:  # one number repeated (the gradient of a full reduction)
        if _math.prod(shape) <= _FILL_MAX:  # small: a filled array costs a quarter of a view to make,
            out = np.empty(shape, x.dtype)  # and a leaf's .grad can take it without a copy
            out.fill(x)
            return out
        out = np.ndarray(shape, x.dtype, buffer=x, strides=(0,) * len(shape))
        out.flags.writeable = False
        return out
    lead = len(shape) - len(xshape)
    if lead < 0:
        return np.broadcast_to(x, shape)  # raises NumPy's error; callers never get here
    strides = [0] * lead
    for i, n in enumerate(xshape):
        if n == shape[lead + i]:
            strides.append(x.strides[i])
        elif n == 1:
            strides.append(0)
        else:
            return np.broadcast_to(x, shape)
    out = np.ndarray(shape, x.dtype, buffer=x, strides=strides)
    out.flags.writeable = False
    return out


def fits_into(bshape, ashape):
    """Does an operand of bshape broadcast against ashape without growing it? (np.broadcast_shapes
    answers too, at several microseconds a call)"""
    n = len(bshape)
    if n > len(ashape):
        return False
    tail = ashape[len(ashape) - n:]
    if bshape == tail:
        return True
    for nb, na in zip(bshape, tail):
        if nb != na and nb != 1:
            return False
    return True


def sum_to(g, shape):
    """Sum a broadcast gradient back to an input's shape: over the leading dims broadcasting added
    and over the dims where the input had size 1 (the one reduction every broadcasting op needs).
    `shape` is the input's shape; g has the broadcast shape. The one sum_to of both namespaces: g is
    an array here, or a Tensor under create_graph (the Tensor namespace hands this same function on),
    whose sum is then a recorded op."""
    gshape = g.shape
    if gshape == shape:
        return g
    lead = len(gshape) - len(shape)
    if type(g) is np.ndarray:
        floating = g.dtype.kind == "f"
        if lead == 1 and gshape[1:] == shape:  # a bias broadcast over a batch
            return _reduce(np.add, g, 0, False) if floating else g.sum(axis=0)
        axes = _broadcast_axes(gshape, shape, lead)
        if axes:
            g = _reduce(np.add, g, axes, True) if floating else g.sum(axis=axes, keepdims=True)
        return g.reshape(shape)
    axes = _broadcast_axes(gshape, shape, lead)
    if axes:  # (PyTorch's keywords: a BatchedTensor under vmap maps `dim` past its batch dim)
        g = g.sum(dim=axes, keepdim=True)
    return g.reshape(tuple(shape))


def _broadcast_axes(gshape, shape, lead):
    """The axes of a broadcast gradient (of gshape) that sum_to adds up for an input of shape."""
    return tuple(range(lead)) + tuple(i + lead for i, n in enumerate(shape) if n == 1 and gshape[i + lead] != 1)


def sigmoid(x):
    """1 / (1 + e^-x), without overflow for large |x|."""
    # split by sign so exp never overflows: 1/(1+e^-x) for x >= 0, e^x/(1+e^x) otherwise
    if x.dtype.char not in "fd" or x.size < _SIGMOID_IN_PLACE:
        e = np.exp(-np.abs(x))
        return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)
    # big arrays (a conv net's activations): 1 / (1 + e^-x) in one buffer, PyTorch's own formula,
    # 4 passes instead of 10; exact to the ulp except where e^-x overflows (x far below the
    # smallest normal's log), which keeps the split form
    if x.min() < _SIGMOID_SPLIT_BELOW[x.dtype.char]:
        e = np.abs(x)
        np.negative(e, out=e)
        np.exp(e, out=e)
        d = e + 1
        np.copyto(e, 1, where=x >= 0)
        np.divide(e, d, out=d)
        return d
    out = np.negative(x)
    np.exp(out, out=out)
    out += 1
    np.reciprocal(out, out=out)
    return out


_SIGMOID_IN_PLACE = 1 << 12  # elements
_SIGMOID_SPLIT_BELOW = {"f": -87.0, "d": -708.0}  # where e^-x would overflow


def rsqrt(x):
    """1 / √x."""
    return 1 / np.sqrt(x)


def reciprocal(x):
    """1 / x."""
    return 1 / x


_ZERO_ROWS: dict = {}  # (length, dtype) -> a read-only row of zeros (relu's)


def relu(x, out=None):
    """max(x, 0), into `out` when given. NumPy's vectorised loop for `maximum` takes two arrays, not
    an array and a scalar: a big contiguous float x goes as rows (its trailing dims, 64+ values)
    against one row of zeros, about 2x faster (0.11 against 0.24 ms for 800,000 float32)."""
    if type(x) is np.ndarray and x.size >= 4096 and x.dtype.kind == "f" and x.flags.c_contiguous:
        length = 1
        for d in reversed(x.shape):
            length *= d
            if length >= 64:
                break
        zeros = _ZERO_ROWS.get((length, x.dtype))
        if zeros is None:
            zeros = np.zeros(length, x.dtype)
            zeros.flags.writeable = False
            if len(_ZERO_ROWS) < 64:
                _ZERO_ROWS[(length, x.dtype)] = zeros
        rows = x.reshape(-1, length)
        if out is None:
            return np.maximum(rows, zeros).reshape(x.shape)
        if out.flags.c_contiguous and out.shape == x.shape:
            np.maximum(rows, zeros, out=out.reshape(-1, length))
            return out
    return np.maximum(x, 0, out=out)


def flip_cumsum(g, axis):
    """Reverse cumulative sum along axis: the vjp of cumsum."""
    return np.flip(np.cumsum(np.flip(g, axis), axis), axis)


def zeros(shape, dtype):
    """An array of zeros of `shape` and the NumPy `dtype`."""
    return np.zeros(shape, dtype)


def index_add(shape, dtype, index, values):
    """An array of `shape` zeros with `values` added at `index` (repeated indices add up)."""
    out = np.zeros(shape, dtype)
    np.add.at(out, index, values)
    return out


def logsumexp(x, axis, keepdims):
    """ln Σ e^x over `axis`, shifted by the maximum so that no exp overflows."""
    if x.ndim == 0:  # a sum of one term: x itself (infinities and NaN too)
        if x.dtype.kind == "c":  # log(exp(x)): its imaginary part taken into (-π, π]
            return np.asarray(x.real + 1j * np.arctan2(np.sin(x.imag), np.cos(x.imag)), x.dtype)
        return x.copy()
    if x.size == 0:  # an empty sum: ln 0 = -inf (and no maximum to shift by)
        s = np.log(sum_dims(np.exp(x), axis, True))
        return s if keepdims else np.squeeze(s, axis)
    # (complex x: shifted by the largest real part only, so that the log gives the principal value)
    m = amax(x.real if x.dtype.kind == "c" else x, axis, True)
    if not np.isfinite(np.add.reduce(m, axis=None)):  # an infinite or NaN max: shift by 0 there
        m = np.where(np.isfinite(m), m, 0)
    shifted = x - m
    s = sum_dims(np.exp(shifted, out=shifted), axis, True)
    np.log(s, out=s)
    s += m
    return s if keepdims else np.squeeze(s, axis)


def ndtr(x):
    """The standard normal cdf, 0.5 erfc(-x / sqrt 2) (NumPy has no erf): float64 through
    math.erfc, exactly; other dtypes through a rational approximation of erfc (relative error
    ~1.2e-7), in float64. Written with erfc so the lower tail keeps its relative precision
    (PyTorch's float32 kernel, 0.5 (1 + erf), loses some there: values agree to ~2e-7 absolute)."""
    x = np.asarray(x)
    if x.dtype == np.float64:
        z = x * -_math.sqrt(0.5)
        if x.ndim == 0:
            return np.float64(0.5 * _math.erfc(z))
        return 0.5 * np.frompyfunc(_math.erfc, 1, 1)(z).astype(np.float64)
    flat = x.reshape(-1)        # (1-d: the steps below work in place, on arrays even for 0-d x)
    z = np.abs(flat).astype(np.float64)
    z *= _math.sqrt(0.5)
    t = z * 0.5                     # t = 1 / (1 + z / 2), then the polynomial in t by Horner, in place
    t += 1.0
    np.reciprocal(t, out=t)
    poly = t * 0.17087277
    for c in _ERFC_POLY:
        poly += c
        poly *= t
    poly += -1.26551223
    np.multiply(z, z, out=z)
    poly -= z
    half_erfc = np.exp(poly, out=poly)
    half_erfc *= t
    half_erfc *= 0.5                # the tail beyond |x|
    cdf = where(flat < 0, half_erfc, np.subtract(1.0, half_erfc, out=z)).astype(x.dtype, copy=False)
    return cdf.reshape(x.shape)


_ERFC_POLY = (-0.82215223, 1.48851587, -1.13520398, 0.27886807, -0.18628806, 0.09678418, 0.37409196, 1.00002368)


def to_dtype(x, np_dtype):
    """x as the NumPy dtype `np_dtype` (no copy when it already is)."""
    return x.astype(np_dtype, copy=False)




def permute(x, dims):
    """x with its axes in the order `dims`."""
    return np.transpose(x, dims)


# reductions with keyword-free (x, axis, keepdims) signatures, as the Tensor namespace has them
# Two reductions NumPy runs slowly on the 2-d arrays of a training step (a batch of 256 rows):
# - a short last axis (256 rows of 10 logits) one row at a time, ~30 ns a row. Over a transposed
#   copy the same reduction runs down whole columns, 2-3x faster.
# - any sum over the first axis (a bias gradient) one row-add at a time. As a product with a vector
#   of ones, BLAS does it 2x faster, and more accurately (NumPy's error is 2-6x larger).
# Only 2-d C-contiguous float arrays with many rows take these paths.
_SHORT_AXIS = 16
_MANY_ROWS = 32
_LAST = {1, -1, (1,), (-1,)}
_FIRST = {0, -2, (0,), (-2,)}
_ONES_VECTORS: dict = {}  # (length, dtype) -> read-only vector of ones


def _ones_vector(n, dtype):
    ones = _ONES_VECTORS.get((n, dtype))
    if ones is None:
        if len(_ONES_VECTORS) > 64:
            _ONES_VECTORS.clear()
        ones = _ONES_VECTORS[(n, dtype)] = np.ones(n, dtype)
        ones.flags.writeable = False
    return ones


def _reduce(ufunc, x, axis, keepdims):
    if axis is None:
        return ufunc.reduce(x, axis=None, keepdims=keepdims)
    shape = x.shape
    if (len(shape) == 2 and shape[0] >= _MANY_ROWS and type(x) is np.ndarray and x.dtype.kind == "f"
            and x.flags.c_contiguous and shape[1] and type(axis) is not list):
        if axis in _FIRST:
            if ufunc is np.add and x.dtype.itemsize >= 4:
                out = _ones_vector(shape[0], x.dtype) @ x
            elif shape[1] <= _SHORT_AXIS:
                out = ufunc.reduce(x.T.copy(), axis=1)
            else:
                return ufunc.reduce(x, axis=axis, keepdims=keepdims)
            if keepdims:
                out.shape = (1, shape[1])
            return out
        if axis in _LAST and shape[1] <= _SHORT_AXIS:
            out = ufunc.reduce(x.T.copy(), axis=0)
            if keepdims:
                out.shape = (shape[0], 1)
            return out
    return ufunc.reduce(x, axis=axis, keepdims=keepdims)


def sum_dims(x, axis, keepdims):
    """x.sum(axis, keepdims=keepdims), for floating x (see _reduce)."""
    return _reduce(np.add, x, axis, keepdims)


def _own_int(x):
    """x's dtype where x holds small integers (NumPy's products and running sums of int8 ... uint32
    would widen them to its platform int; PyTorch's keep the dtype asked for), else None."""
    return x.dtype if x.dtype.kind in "iu" and x.dtype.itemsize < 8 else None


def prod(x, axis=None, keepdims=False):
    """The product over `axis` (all axes when None)."""
    return np.prod(x, axis=axis, keepdims=keepdims, dtype=x.dtype if x.dtype.kind == "b" else _own_int(x))


def amax(x, axis=None, keepdims=False):
    """The maximum over `axis` (all axes when None)."""
    return _reduce(np.maximum, x, axis, keepdims)


def amin(x, axis=None, keepdims=False):
    """The minimum over `axis` (all axes when None)."""
    return np.amin(x, axis=axis, keepdims=keepdims)


def cumprod(x, axis):
    """The cumulative product along `axis`."""
    return np.cumprod(x, axis=axis, dtype=_own_int(x))


def cumsum(x, axis):
    """The running sum along `axis`."""
    return np.cumsum(x, axis=axis, dtype=_own_int(x))


# In-place helpers: a vjp may pass arrays it created itself (never saved values or its input `g`),
# and the NumPy namespace then reuses their memory. The Tensor namespace computes out of place.
_ONES: dict = {}  # dtype -> 1 as a 0-d array of it: NumPy subtracts from it twice as fast as from 1


def one_minus_(t):
    """1 - t, written into t."""
    if type(t) is not np.ndarray or t.size < 4096:  # 0-d results arrive as NumPy scalars
        one = _ONES.get(t.dtype)
        if one is None:
            one = _ONES[t.dtype] = np.ones((), t.dtype)
        return one - t
    return np.subtract(1, t, out=t)


# References to a gradient the backward loop handed to a vjp, which passed it straight here: the
# loop's variable, the vjp's parameter, this helper's parameter and getrefcount's argument. Any more,
# and someone else (another edge's buffer, a hook, a captured grad) holds the same array.
_HANDED_OVER_REFS = 4


def grad_where_(g, keep):
    """g where `keep` is true, 0 elsewhere; written into g when the backward loop handed g over and
    nothing else holds it (a large fresh array: no allocation, one pass fewer)."""
    if (type(g) is np.ndarray and g.size >= 4096 and _getrefcount(g) <= _HANDED_OVER_REFS
            and g.base is None and g.flags.writeable and g.shape == keep.shape):
        return np.multiply(g, keep, out=g)
    return g * keep


def grad_zero_where_(g, drop):
    """g with +0 where `drop` is true: selected, not multiplied, so an infinite or NaN g there gives
    0 (PyTorch's threshold_backward); written into g when the backward loop handed g over and
    nothing else holds it."""
    owned = (type(g) is np.ndarray and g.size >= 4096 and _getrefcount(g) <= _HANDED_OVER_REFS
             and g.base is None and g.flags.writeable)
    return zero_where(g, drop, owned)



def zero_where(g, drop, in_place=False):
    """g with +0 where `drop` is true (into g when in_place). A big float array is selected by its
    bits, g & (drop - 1): a vectorised pass where np.where and np.copyto(where=) branch per element
    and run ten times slower on a random mask."""
    if type(g) is np.ndarray and g.size >= 4096 and g.dtype.kind == "f" and g.shape == drop.shape:
        ints = _SAME_SIZE_INT[g.dtype.itemsize]
        keep_bits = drop.astype(ints)
        np.subtract(keep_bits, 1, out=keep_bits)        # 0 where dropped, all ones where kept
        out = g if in_place else np.empty(g.shape, g.dtype)
        np.bitwise_and(g.view(ints), keep_bits, out=out.view(ints))
        return out
    return np.where(drop, np.zeros((), np.result_type(g)), g)


def exp_(t):
    """exp(t), written into t (an array the rule made itself), with NumPy's own float32 kernel: for
    gradients (softmax weights), where an ulp is far below what anything compares or prints."""
    if type(t) is np.ndarray and t.ndim:
        return np.exp(t, out=t)
    return np.exp(t)


def tanh_grad(out, g):
    """(1 - out²) * g: the gradient through tanh, whose output is `out` (one helper call: tanh is a
    hot op; one_minus_ and mul_ spelled out inline for small arrays)."""
    t = out * out
    if t.size < 4096:  # a NumPy scalar (from 0-d arrays) has size 1 too
        one = _ONES.get(t.dtype)
        if one is None:
            one = _ONES[t.dtype] = np.ones((), t.dtype)
        return (one - t) * g
    return mul_(np.subtract(1, t, out=t), g)


def mul_(t, g):
    """t * g, written into t when the shapes allow; a gradient that is a broadcast 1 (the vjp of
    sum) leaves t as it is."""
    if type(t) is not np.ndarray or t.size < 4096 or t.dtype != g.dtype:
        return t * g  # small arrays: reusing memory saves nothing
    if fits_into(g.shape, t.shape):
        if isinstance(g, np.ndarray) and g.size and not any(g.strides) and g.flat[0] == 1:
            return t
        return np.multiply(t, g, out=t, casting="unsafe")
    return t * g


def index_sub_(t, index, values):
    """t with `values` subtracted at `index` (positions must not repeat), written into t."""
    t[index] -= values
    return t
