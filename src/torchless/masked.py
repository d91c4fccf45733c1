"""torch.masked: reductions and normalizations that ignore the masked-out elements of a strided tensor
(`import torchless as torch; torch.masked.sum(x, 1, mask=m)`).

Each function takes a boolean `mask` broadcastable to the input (None: every element counts). The
masked-out elements are replaced by the identity of the operation (0 for sums, 1 for products, -inf
for maxima ...) and the plain operation runs on the result, so gradients flow to the masked-in
elements only (through `where`), and a fully masked-out slice gives the identity (sum, prod, amax
...) or NaN (mean, median, var, std, softmax ...) as PyTorch gives.
"""
from typing import Any, Optional, Sequence, Union

import numpy as np

from . import _dtype as D
from ._tensor import Tensor
from ._tensor._core import where as _where
from ._tensor._reduction import vector_norm as _vector_norm
from ._tensor._sorting import nanmedian as _nanmedian
from ._tensor.creation import tensor as _tensor

__all__ = ["sum", "prod", "cumsum", "cumprod", "amax", "amin", "argmax", "argmin", "mean", "median", "logsumexp",
           "logaddexp", "norm", "var", "std", "softmax", "log_softmax", "softmin", "normalize"]

DimOrDims = Union[None, int, Sequence[int]]

# Integer inputs whose sums and products widen to int64, as torch.sum's do.
_WIDENED = (D.bool, D.uint8, D.int8, D.int16, D.int32)


def _canonical_dim(dim: DimOrDims, ndim: int) -> tuple[int, ...]:
    """The reduced dims as a sorted tuple of non-negative ints (None or (): all of them)."""
    if dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0):
        return tuple(range(ndim))
    ndim = max(ndim, 1)
    dims: list[int] = []
    for d in ((dim,) if isinstance(dim, int) else dim):
        if d in dims:
            raise RuntimeError(f"dim={d} appears multiple times in the list of dims")
        if d >= ndim or d < -ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-ndim}, {ndim - 1}], but got {d})")
        dims.append(d % ndim)
    return tuple(sorted(dims))


def _input_mask(input: Tensor, mask: Tensor) -> Tensor:
    """The mask as a bool tensor of the input's shape (broadcast where it is smaller)."""
    if tuple(mask.shape) != tuple(input.shape):
        if mask.ndim > input.ndim:
            raise IndexError("_input_mask expected broadcastable mask (got mask dimensionality higher than of the input)")
        mask = mask.clone().broadcast_to(input.shape)
    return mask.to(dtype=D.bool)


def _identity(op: str, input: Tensor, ord: Any = 2) -> Tensor:
    """The 0-d tensor that leaves `op`'s result unchanged (masked-out elements become it)."""
    dtype = input.dtype
    floating = dtype.is_floating_point
    integral = not floating and not dtype.is_complex and dtype is not D.bool
    if op in ("sum", "cumsum"):
        return _tensor(0, dtype=dtype)
    if op in ("prod", "cumprod"):
        return _tensor(1, dtype=dtype)
    if op in ("amax", "argmax", "logaddexp", "logsumexp"):
        if floating:
            return _tensor(-float("inf"), dtype=dtype)
        if op == "logsumexp" and dtype.is_complex:
            return _tensor(complex(-float("inf"), 0), dtype=dtype)
        if integral:
            return _tensor(int(np.iinfo(dtype.np).min), dtype=dtype)
    elif op in ("amin", "argmin"):
        if floating:
            return _tensor(float("inf"), dtype=dtype)
        if integral:
            return _tensor(int(np.iinfo(dtype.np).max), dtype=dtype)
    elif op == "norm":
        if ord == -float("inf"):
            if not floating:
                raise AssertionError(f"input must be floating point, got {dtype}")
            return _tensor(float("inf"), dtype=dtype)
        return _tensor(0, dtype=dtype)
    elif op == "median":
        return _tensor(float("nan"), dtype=dtype if floating else D.float32)
    raise NotImplementedError(f"identity of {op} on {dtype} input")


def _combine(op: str, input: Tensor, mask: Optional[Tensor], ord: Any = 2) -> Tensor:
    """The input with its masked-out elements replaced by `op`'s identity."""
    if mask is None:
        return input
    return _where(_input_mask(input, mask), input, _identity(op, input, ord))


def _sum_dtype(input: Tensor, dtype: Optional[D.dtype]) -> D.dtype:
    if dtype is not None:
        return dtype
    return D.int64 if input.dtype in _WIDENED else input.dtype


def sum(input: Tensor, dim: DimOrDims = None, *, keepdim: Optional[bool] = False, dtype: Optional[D.dtype] = None,
        mask: Optional[Tensor] = None) -> Tensor:
    """sum(input, dim, *, keepdim=False, dtype=None, mask=None) -> Tensor: the sum over dim of the masked-in
    elements (0 where a slice is fully masked out)."""
    dtype = _sum_dtype(input, dtype)
    dims = _canonical_dim(dim, input.ndim)
    return _combine("sum", input, mask).sum(dims, bool(keepdim), dtype=dtype)


def prod(input: Tensor, dim: DimOrDims = None, *, keepdim: Optional[bool] = False, dtype: Optional[D.dtype] = None,
         mask: Optional[Tensor] = None) -> Tensor:
    """prod(input, dim, *, keepdim=False, dtype=None, mask=None) -> Tensor: the product over dim of the
    masked-in elements (1 where a slice is fully masked out)."""
    dtype = _sum_dtype(input, dtype)
    dims = _canonical_dim(dim, input.ndim)
    result = _combine("prod", input, mask).to(dtype=dtype)
    for d in reversed(dims):
        result = result.prod(dim=d, keepdim=bool(keepdim))
    return result


def cumsum(input: Tensor, dim: int, *, dtype: Optional[D.dtype] = None, mask: Optional[Tensor] = None) -> Tensor:
    """cumsum(input, dim, *, dtype=None, mask=None) -> Tensor: the running sum along dim, masked-out elements
    counting as 0."""
    dtype = input.dtype if dtype is None else dtype
    d = _canonical_dim(dim, input.ndim)[0]
    return _combine("sum", input, mask).cumsum(d, dtype=dtype).to(dtype=dtype)


def cumprod(input: Tensor, dim: int, *, dtype: Optional[D.dtype] = None, mask: Optional[Tensor] = None) -> Tensor:
    """cumprod(input, dim, *, dtype=None, mask=None) -> Tensor: the running product along dim, masked-out
    elements counting as 1."""
    dtype = input.dtype if dtype is None else dtype
    d = _canonical_dim(dim, input.ndim)[0]
    return _combine("prod", input, mask).cumprod(d, dtype=dtype).to(dtype=dtype)


def amax(input: Tensor, dim: DimOrDims = None, *, keepdim: Optional[bool] = False, dtype: Optional[D.dtype] = None,
         mask: Optional[Tensor] = None) -> Tensor:
    """amax(input, dim, *, keepdim=False, dtype=None, mask=None) -> Tensor: the largest masked-in element over
    dim (-inf, or the dtype's minimum, where a slice is fully masked out)."""
    dtype = input.dtype if dtype is None else dtype
    masked = _combine("amax", input, mask)
    return masked.amax(_canonical_dim(dim, masked.ndim), bool(keepdim)).to(dtype=dtype)


def amin(input: Tensor, dim: DimOrDims = None, *, keepdim: Optional[bool] = False, dtype: Optional[D.dtype] = None,
         mask: Optional[Tensor] = None) -> Tensor:
    """amin(input, dim, *, keepdim=False, dtype=None, mask=None) -> Tensor: the smallest masked-in element over
    dim (inf, or the dtype's maximum, where a slice is fully masked out)."""
    dtype = input.dtype if dtype is None else dtype
    masked = _combine("amin", input, mask)
    return masked.amin(_canonical_dim(dim, masked.ndim), bool(keepdim)).to(dtype=dtype)


def argmax(input: Tensor, dim: Optional[int] = None, *, keepdim: Optional[bool] = False,
           dtype: Optional[D.dtype] = None, mask: Optional[Tensor] = None) -> Tensor:
    """argmax(input, dim=None, *, keepdim=False, dtype=None, mask=None) -> Tensor: the index of the largest
    masked-in element along dim, in the input's dtype unless `dtype` is given (as torch.masked.argmax)."""
    dtype = input.dtype if dtype is None else dtype
    return _combine("argmax", input, mask).argmax(dim, bool(keepdim)).to(dtype=dtype)


def argmin(input: Tensor, dim: Optional[int] = None, *, keepdim: Optional[bool] = False,
           dtype: Optional[D.dtype] = None, mask: Optional[Tensor] = None) -> Tensor:
    """argmin(input, dim=None, *, keepdim=False, dtype=None, mask=None) -> Tensor: the index of the smallest
    masked-in element along dim, in the input's dtype unless `dtype` is given (as torch.masked.argmin)."""
    dtype = input.dtype if dtype is None else dtype
    return _combine("argmin", input, mask).argmin(dim, bool(keepdim)).to(dtype=dtype)


def mean(input: Tensor, dim: DimOrDims = None, *, keepdim: Optional[bool] = False, dtype: Optional[D.dtype] = None,
         mask: Optional[Tensor] = None) -> Tensor:
    """mean(input, dim, *, keepdim=False, dtype=None, mask=None) -> Tensor: the mean over dim of the masked-in
    elements (NaN where a slice is fully masked out)."""
    source = "Optional"
    if dtype is None:
        dtype, source = input.dtype, "Input"
    if not (dtype.is_floating_point or dtype.is_complex):
        raise ValueError(f"mean(): Could not infer output dtype. {source} dtype must be either a floating point or "
                         f"complex dtype. Got: {dtype}")
    if mask is None:
        count = sum(_ones(input), dim, keepdim=keepdim)
        total = sum(input, dim, keepdim=keepdim, dtype=dtype)
    else:
        inmask = _input_mask(input, mask)
        count = inmask.sum(_plain_dim(dim), keepdim=bool(keepdim))
        total = sum(input, dim, keepdim=keepdim, dtype=dtype, mask=inmask)
    return total / count


def _ones(input: Tensor) -> Tensor:
    from ._tensor.creation import ones
    return ones(tuple(input.shape), dtype=D.int64)


def _plain_dim(dim: DimOrDims) -> Any:
    """A dim argument for Tensor.sum (which reads None and () as every dim)."""
    if dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0):
        return None
    return dim


def median(input: Tensor, dim: int = -1, *, keepdim: bool = False, dtype: Optional[D.dtype] = None,
           mask: Optional[Tensor] = None) -> Tensor:
    """median(input, dim=-1, *, keepdim=False, dtype=None, mask=None) -> Tensor: the lower median of the
    masked-in elements along dim (NaN where a slice is fully masked out; a non-float input with such a slice
    raises ValueError)."""
    dtype = input.dtype if dtype is None else dtype
    d = _canonical_dim(dim, input.ndim)[0]
    is_float = input.dtype.is_floating_point
    if not is_float:
        input = input.to(dtype=D.float32)
    output = _nanmedian(_combine("median", input, mask), d, keepdim).values
    if is_float:
        return output
    if not bool(output.isnan().any()):
        return output.to(dtype=dtype)
    raise ValueError("masked median expects no fully masked out rows if dtype is not floating point")


def logsumexp(input: Tensor, dim: DimOrDims = None, *, keepdim: bool = False, dtype: Optional[D.dtype] = None,
              mask: Optional[Tensor] = None) -> Tensor:
    """logsumexp(input, dim, *, keepdim=False, dtype=None, mask=None) -> Tensor: log(sum(exp(x))) over dim of
    the masked-in elements (-inf where a slice is fully masked out)."""
    dtype = input.dtype if dtype is None else dtype
    dims = _canonical_dim(dim, input.ndim)
    return _combine("logsumexp", input, mask).logsumexp(dims, keepdim=keepdim).to(dtype=dtype)


def logaddexp(input: Tensor, other: Tensor, *, dtype: Optional[D.dtype] = None, input_mask: Optional[Tensor] = None,
              other_mask: Optional[Tensor] = None) -> Tensor:
    """logaddexp(input, other, *, dtype=None, input_mask=None, other_mask=None) -> Tensor: log(exp(input) +
    exp(other)), each operand's masked-out elements counting as -inf."""
    dtype = input.dtype if dtype is None else dtype
    a = _combine("logaddexp", input, input_mask)
    b = _combine("logaddexp", other, other_mask)
    return a.logaddexp(b).to(dtype=dtype)


def norm(input: Tensor, ord: Optional[float] = 2.0, dim: DimOrDims = None, *, keepdim: Optional[bool] = False,
         dtype: Optional[D.dtype] = None, mask: Optional[Tensor] = None) -> Tensor:
    """norm(input, ord=2.0, dim=None, *, keepdim=False, dtype=None, mask=None) -> Tensor: the vector ord-norm
    over dim of the masked-in elements (masked-out ones count as 0, as inf for ord=-inf)."""
    dtype = input.dtype if dtype is None else dtype
    masked = _combine("norm", input, mask, ord)
    return _vector_norm(masked, ord, _canonical_dim(dim, input.ndim), bool(keepdim),  # type: ignore[arg-type]
                        dtype=dtype)


def _std_var(input: Tensor, dim: DimOrDims, unbiased: Optional[bool], correction_opt: Optional[float],
             keepdim: Optional[bool], dtype: Optional[D.dtype], mask: Optional[Tensor], take_sqrt: bool) -> Tensor:
    if unbiased is not None and correction_opt is not None:
        raise AssertionError("Only one of unbiased and correction may be given")
    correction = 1.0
    if unbiased is not None:
        correction = 1.0 if unbiased else 0.0
    if correction_opt is not None:
        correction = float(correction_opt)
    if dtype is None:
        dtype = input.dtype
        if not (dtype.is_floating_point or dtype.is_complex):
            dtype = D.float32
    compute_dtype = dtype
    if not (compute_dtype.is_floating_point or compute_dtype.is_complex):
        compute_dtype = D.float32
    if mask is None:
        inmask = None
        count = sum(_ones(input), dim, keepdim=True)
        sample_total = sum(input, dim, keepdim=True, dtype=dtype)
    else:
        inmask = _input_mask(input, mask)
        count = inmask.sum(_plain_dim(dim), keepdim=True)
        sample_total = sum(input, dim, keepdim=True, dtype=dtype, mask=inmask)
    x = input - sample_total / count
    total = sum(x * x.conj(), dim, keepdim=keepdim, dtype=compute_dtype, mask=inmask)
    if not keepdim:
        count = count.reshape(total.shape)
    if correction != 0:
        real_dtype = compute_dtype.to_real() if compute_dtype.is_complex else compute_dtype
        count = count.to(real_dtype) - correction
        count = count.maximum(count.new_zeros([]))
    output = (total / count).to(dtype=dtype)
    return output.sqrt() if take_sqrt else output


def var(input: Tensor, dim: DimOrDims = None, unbiased: Optional[bool] = None, *,
        correction: Optional[float] = None, keepdim: Optional[bool] = False, dtype: Optional[D.dtype] = None,
        mask: Optional[Tensor] = None) -> Tensor:
    """var(input, dim=None, unbiased=None, *, correction=None, keepdim=False, dtype=None, mask=None) -> Tensor:
    the variance over dim of the masked-in elements, divided by max(count - correction, 0) (correction 1 by
    default; NaN where a slice is fully masked out)."""
    return _std_var(input, dim, unbiased, correction, keepdim, dtype, mask, False)


def std(input: Tensor, dim: DimOrDims = None, unbiased: Optional[bool] = None, *,
        correction: Optional[float] = None, keepdim: Optional[bool] = False, dtype: Optional[D.dtype] = None,
        mask: Optional[Tensor] = None) -> Tensor:
    """std(input, dim=None, unbiased=None, *, correction=None, keepdim=False, dtype=None, mask=None) -> Tensor:
    the standard deviation over dim of the masked-in elements (the square root of masked var)."""
    return _std_var(input, dim, unbiased, correction, keepdim, dtype, mask, True)


def softmax(input: Tensor, dim: int, *, dtype: Optional[D.dtype] = None, mask: Optional[Tensor] = None) -> Tensor:
    """softmax(input, dim, *, dtype=None, mask=None) -> Tensor: softmax along dim over the masked-in elements
    (masked-out ones get 0; a fully masked-out slice gives NaN)."""
    dtype = input.dtype if dtype is None else dtype
    d = _canonical_dim(dim, input.ndim)[0]
    return _combine("amax", input, mask).softmax(d, dtype)


def log_softmax(input: Tensor, dim: int, *, dtype: Optional[D.dtype] = None,
                mask: Optional[Tensor] = None) -> Tensor:
    """log_softmax(input, dim, *, dtype=None, mask=None) -> Tensor: log of masked softmax along dim (-inf at
    masked-out elements; NaN in a fully masked-out slice)."""
    dtype = input.dtype if dtype is None else dtype
    d = _canonical_dim(dim, input.ndim)[0]
    return _combine("amax", input, mask).log_softmax(d, dtype)


def softmin(input: Tensor, dim: int, *, dtype: Optional[D.dtype] = None, mask: Optional[Tensor] = None) -> Tensor:
    """softmin(input, dim, *, dtype=None, mask=None) -> Tensor: softmax(-x) along dim over the masked-in
    elements (masked-out ones get 0)."""
    dtype = input.dtype if dtype is None else dtype
    d = _canonical_dim(dim, input.ndim)[0]
    masked = _combine("amin", input, mask)
    if masked.dtype is D.bool:
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are trying "
                           "to invert a mask, use the `~` or `logical_not()` operator instead.")
    return (-masked).softmax(d, dtype)


def normalize(input: Tensor, ord: float, dim: int, *, eps: float = 1e-12, dtype: Optional[D.dtype] = None,
              mask: Optional[Tensor] = None) -> Tensor:
    """normalize(input, ord, dim, *, eps=1e-12, dtype=None, mask=None) -> Tensor: the masked-in elements
    divided by their ord-norm along dim (at least eps); masked-out elements give 0."""
    dtype = input.dtype if dtype is None else dtype
    masked = _combine("sum", input, mask)
    nrm = norm(input, ord, dim, keepdim=True, dtype=dtype, mask=mask)
    return masked / nrm.maximum(nrm.new_full([], eps))
