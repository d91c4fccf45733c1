"""Shape and indexing ops of issue 12's breadth, as Tensor methods and torch functions (rules:
ops/shape_index.py): triangles (tril, triu), diagonals (diagonal, diag, diag_embed, diagflat,
trace), rot90, unfold, tensor_split and the h/v/dsplits, block_diag, cartesian_prod, combinations,
repeat_interleave, take_along_dim, kron, the complex views, the *_copy forms of the views, and the
writes into a copy (index_fill, index_copy, index_put, put, masked_scatter, select/slice/diagonal
_scatter, scatter_reduce, index_reduce) with their in-place forms.

Views (diagonal, unfold, view_as_real, view_as_complex, the pieces of tensor_split) share storage
and version counter with their input, through _shape's view machinery.
"""
from __future__ import annotations

import itertools
import numbers
import operator
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import _args, _dtype as D
from ._core import _norm_dim, _plain, _plain_out, apply, apply_one, record
if TYPE_CHECKING:  # annotations name the final class, assembled in _tensor/__init__.py from the mixins
    from . import Tensor
else:  # at run time: _core's name, rebound to the final class by bind_tensor_class
    from ._core import Tensor
from ._indexing import (_advanced_key, _along_key, _check_along, _inplace_form, _parse, _positions,
                        _raise_advanced, index_select)
from ._shape import (_expanded_shape, _infer, _no_position_map, _sizes, _view, narrow,
                     permute, split, squeeze, stack, t as _t, unsqueeze)
from ..ops.shape import UnsafeViewBackward0
from ..ops.shape_index import (AliasBackward0_copy, BlockDiagBackward0, DiagEmbedBackward0,
                               DiagonalBackward0, DiagonalBackward0_copy, DiagonalScatterBackward0,
                               ExpandBackward0_copy, IndexCopyBackward0, IndexFillBackward0,
                               IndexFillBackward1, IndexPutBackward0, IndexReduceBackward0,
                               MaskedScatterBackward0, NarrowCopyBackward0, PermuteBackward0_copy,
                               PutBackward0, Rot90Backward0, ScatterReduceBackward0,
                               SelectScatterBackward0, SliceScatterBackward0, SqueezeBackward0_copy,
                               SqueezeBackward1_copy, SqueezeBackward2_copy, TBackward0_copy,
                               TraceBackward0, TransposeBackward0_copy, TrilBackward0, TriuBackward0,
                               UnbindBackward0_copy, UnfoldBackward0, UnfoldBackward0_copy,
                               UnsafeSplitBackward0, UnsafeSplitWithSizesBackward0,
                               UnsqueezeBackward0_copy, ViewAsComplexBackward0, ViewAsRealBackward0,
                               ViewBackward0_copy, diagonal_view, unfold_view, SelectBackward0_copy,
                               SliceBackward0_copy, SplitBackward0_copy, SplitWithSizesBackward0_copy,
                               DetachCopyBackward, AsStridedBackward0, AsStridedBackward0_copy,
                               AsStridedScatterBackward0, strided_view)

__all__ = [
    "tril", "triu", "diagonal", "diag", "diag_embed", "diagflat", "trace", "rot90", "tensor_split",
    "hsplit", "vsplit", "dsplit", "block_diag", "cartesian_prod", "combinations", "repeat_interleave",
    "take_along_dim", "tril_indices", "triu_indices", "unravel_index", "kron", "view_as_real",
    "view_as_complex", "split_with_sizes", "unsafe_chunk", "unsafe_split", "unsafe_split_with_sizes",
    "narrow_copy", "alias_copy", "diagonal_copy", "expand_copy", "permute_copy", "squeeze_copy", "t_copy",
    "transpose_copy", "unbind_copy", "unsqueeze_copy", "view_copy", "unfold_copy", "select_copy", "slice_copy",
    "detach_copy", "split_copy", "split_with_sizes_copy", "nonzero_static", "as_strided", "as_strided_copy",
    "as_strided_scatter",
    "index_fill", "index_copy", "index_put", "index_put_", "put", "masked_scatter", "select_scatter",
    "slice_scatter", "diagonal_scatter", "scatter_reduce", "index_reduce",
]

ndarray = np.ndarray
_LONG = np.dtype(np.int64)
_INTS = (np.dtype(np.int64), np.dtype(np.int32))


def _name(arr: ndarray) -> str:
    return D.SCALAR_TYPE_NAMES[D.FROM_NP[arr.dtype].name]


def _int_arg(value: Any, fn: str, arg: str, pos: int) -> int:
    """An int argument, or PyTorch's TypeError naming it."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Integral, Tensor)):
        raise TypeError(f"{fn}(): argument '{arg}' (position {pos}) must be int, not {type(value).__name__}")
    return operator.index(value)


def _check_tensor(x: Any, fn: str, arg: str) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}(): argument '{arg}' must be Tensor, not {type(x).__name__}")


# ============================================================================ triangles
def tril(input: Tensor, diagonal: int = 0, *, out: Tensor | None = None) -> Tensor:
    """tril(input, diagonal=0, *, out=None) -> Tensor

    The lower triangle of each matrix of input (its last two dims): the elements on and below the
    `diagonal`-th diagonal (0 the main one, > 0 above it, < 0 below it), zeros elsewhere."""
    if input._data.ndim < 2:
        raise RuntimeError("tril: input tensor must have at least 2 dimensions")
    return _into(out, apply_one(TrilBackward0, input, _int_arg(diagonal, "tril", "diagonal", 2)))


def triu(input: Tensor, diagonal: int = 0, *, out: Tensor | None = None) -> Tensor:
    """triu(input, diagonal=0, *, out=None) -> Tensor

    The upper triangle of each matrix of input (its last two dims): the elements on and above the
    `diagonal`-th diagonal (0 the main one, > 0 above it, < 0 below it), zeros elsewhere."""
    if input._data.ndim < 2:
        raise RuntimeError("triu: input tensor must have at least 2 dimensions")
    return _into(out, apply_one(TriuBackward0, input, _int_arg(diagonal, "triu", "diagonal", 2)))


def _into(out: Tensor | None, result: Tensor) -> Tensor:
    if out is None:
        return result
    if out._data.shape != result._data.shape:
        out._data = np.empty(result._data.shape, out._data.dtype)
    return out.copy_(result)


# ============================================================================ diagonals
def _diag_dims(nd: int, dim1: int, dim2: int) -> tuple[int, int]:
    d1, d2 = _norm_dim(dim1, nd), _norm_dim(dim2, nd)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return d1, d2


def _vf_diagonal(offset: int, d1: int, d2: int) -> Any:
    return lambda a: diagonal_view(a, offset, d1, d2) if type(a) is ndarray else a.diagonal(offset, d1, d2)


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """diagonal(input, offset=0, dim1=0, dim2=1) -> Tensor

    A view of the diagonal of input over dims dim1 and dim2 (offset > 0: above the main diagonal,
    < 0: below it). Those two dims are removed and the diagonal becomes the last dim; writes into
    the view change input."""
    d1, d2 = _diag_dims(input._data.ndim, dim1, dim2)
    offset = operator.index(offset)
    return _view(input, apply_one(DiagonalBackward0, input, offset, d1, d2), _vf_diagonal(offset, d1, d2))


def diagonal_copy(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1, *,
                  out: Tensor | None = None) -> Tensor:
    """diagonal_copy(input, offset=0, dim1=0, dim2=1, *, out=None) -> Tensor

    torch.diagonal as a new tensor (a copy that shares no memory with input)."""
    d1, d2 = _diag_dims(input._data.ndim, dim1, dim2)
    return _into(out, apply_one(DiagonalBackward0_copy, input, operator.index(offset), d1, d2))


def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """diag_embed(input, offset=0, dim1=-2, dim2=-1) -> Tensor

    Matrices with input's last dim on their `offset`-th diagonal and zeros elsewhere, the matrix
    dims placed at dim1 and dim2 of the result (one dim more than input)."""
    d1, d2 = _diag_dims(input._data.ndim + 1, dim1, dim2)
    return apply_one(DiagEmbedBackward0, input, operator.index(offset), d1, d2)


def diag(input: Tensor, diagonal: int = 0, *, out: Tensor | None = None) -> Tensor:
    """diag(input, diagonal=0, *, out=None) -> Tensor

    For a vector: the square matrix with it on the `diagonal`-th diagonal. For a matrix: its
    `diagonal`-th diagonal as a new vector. Other ranks are refused."""
    nd = input._data.ndim
    k = operator.index(diagonal)
    if nd == 1:
        return _into(out, apply_one(DiagEmbedBackward0, input, k, 0, 1))
    if nd == 2:
        return _into(out, apply_one(DiagonalBackward0_copy, input, k, 0, 1))
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {nd}D")


def diagflat(input: Tensor, offset: int = 0) -> Tensor:
    """diagflat(input, offset=0) -> Tensor

    The square matrix with input's elements (flattened) on its `offset`-th diagonal."""
    return apply_one(DiagEmbedBackward0, input.reshape(-1), operator.index(offset), 0, 1)


def trace(input: Tensor) -> Tensor:
    """trace(input) -> Tensor

    The sum of the main diagonal of a matrix (integers sum as int64)."""
    a = input._data
    if a.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {a.ndim}")
    if a.dtype == np.bool_:
        raise NotImplementedError("\"trace\" not implemented for 'Bool'")
    return apply_one(TraceBackward0, input)


def diagonal_scatter(input: Tensor, src: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """diagonal_scatter(input, src, offset=0, dim1=0, dim2=1) -> Tensor

    A copy of input with src written on its diagonal (the one torch.diagonal(input, offset, dim1,
    dim2) views); src has that diagonal's shape."""
    _check_tensor(src, "diagonal_scatter", "src")
    d1, d2 = _diag_dims(input._data.ndim, dim1, dim2)
    offset = operator.index(offset)
    shape = diagonal_view(input._data, offset, d1, d2).shape
    _check_slice_shape(src, shape)
    return apply(DiagonalScatterBackward0, input, _same_dtype(src, input), offset, d1, d2)


def _check_slice_shape(src: Tensor, shape: tuple[int, ...]) -> None:
    if src._data.shape != shape:
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size = "
                           f"{list(src._data.shape)}, slice size = {list(shape)}")


def _same_dtype(src: Tensor, like: Tensor) -> Tensor:
    return src if src._data.dtype == like._data.dtype else src.to(like.dtype)


# ============================================================================ rotation, windows
def rot90(input: Tensor, k: int = 1, dims: Sequence[int] = (0, 1)) -> Tensor:
    """rot90(input, k=1, dims=(0, 1)) -> Tensor

    A copy of input rotated by k quarter turns in the plane of `dims`, from the first dim towards
    the second (k < 0 turns the other way)."""
    dims = tuple(dims)
    nd = input._data.ndim
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if nd < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {nd}")
    d0, d1 = _norm_dim(dims[0], nd), _norm_dim(dims[1], nd)
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}")
    return apply_one(Rot90Backward0, input, operator.index(k) % 4, (d0, d1))


def _unfold_args(input: Tensor, dimension: int, size: int, step: int) -> tuple[Tensor, int, int, int]:
    a = input._data
    d = _norm_dim(dimension, a.ndim)
    n = a.shape[d] if a.ndim else 1
    if size > n:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {n} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    return input, d, operator.index(size), operator.index(step)


def _vf_unfold(d: int, size: int, step: int) -> Any:
    return lambda a: unfold_view(a, d, size, step) if type(a) is ndarray else a.unfold(d, size, step)


def unfold(self: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """unfold(dimension, size, step) -> Tensor

    A view of every window of `size` consecutive elements along `dimension`, windows `step`
    apart: that dim becomes the number of windows, and a new last dim of length `size` runs
    inside each window."""
    x, d, size, step = _unfold_args(self, dimension, size, step)
    if self._data.ndim == 0:
        return self.reshape(1).unfold(0, size, step).reshape(size)
    return _view(x, apply_one(UnfoldBackward0, x, d, size, step), _vf_unfold(d, size, step))


def unfold_copy(input: Tensor, dimension: int, size: int, step: int, *, out: Tensor | None = None) -> Tensor:
    """unfold_copy(input, dimension, size, step, *, out=None) -> Tensor

    Tensor.unfold as a new tensor (a copy that shares no memory with input)."""
    x, d, size, step = _unfold_args(input, dimension, size, step)
    if input._data.ndim == 0:
        return _into(out, unfold_copy(input.reshape(1), 0, size, step).reshape(size))
    return _into(out, apply_one(UnfoldBackward0_copy, x, d, size, step))


# ============================================================================ splitting
def tensor_split(input: Tensor, indices_or_sections: Any = None, dim: int = 0, *, sections: Any = None,
                 indices: Any = None, tensor_indices_or_sections: Any = None) -> tuple[Tensor, ...]:
    """tensor_split(input, indices_or_sections, dim=0) -> tuple of Tensors

    Views of input cut along `dim`: into `n` pieces of near-equal length when given an int n (the
    first length % n pieces one longer), or at the given indices when given a list (x[:i0],
    x[i0:i1], ..., x[ik:]). A 0-d int64 tensor counts as n, a 1-d one as the indices. (PyTorch's
    keyword names work too: sections=, indices=, tensor_indices_or_sections=.)"""
    for given in (sections, indices, tensor_indices_or_sections):
        if given is not None:
            indices_or_sections = given
    if indices_or_sections is None:
        raise TypeError("tensor_split() missing required argument 'indices_or_sections' (or sections=, indices=)")
    a = input._data
    if a.ndim == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims")
    ios = indices_or_sections
    if isinstance(ios, Tensor):
        if ios._data.dtype != _LONG:
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to have dtype of long, but got "
                               f"{_name(ios._data)}")
        if ios._data.ndim > 1:
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to be a zero-dimensional or "
                               f"one-dimensional tensor, but got a tensor with {ios._data.ndim} dims")
        ios = int(ios._data) if ios._data.ndim == 0 else [int(i) for i in ios._data]
    d = _norm_dim(dim, a.ndim)
    n = a.shape[d]
    bounds: list[tuple[int, int]] = []
    if isinstance(ios, (list, tuple)):
        start = 0
        for i in list(ios) + [None]:
            lo, hi, _ = slice(start, i).indices(n)
            bounds.append((lo, max(lo, hi)))
            if i is not None:
                start = operator.index(i)
    else:
        sections = operator.index(ios)
        if sections <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {sections}")
        base, extra = divmod(n, sections)
        start = 0
        for k in range(sections):
            length = base + (1 if k < extra else 0)
            bounds.append((start, start + length))
            start += length
    return tuple(narrow(input, d, lo, hi - lo) for lo, hi in bounds)


def _dim_split(input: Tensor, indices_or_sections: Any, name: str, dim: int, need: int) -> tuple[Tensor, ...]:
    if type(indices_or_sections) is not int and not isinstance(indices_or_sections, Tensor):
        _args.int_list_arg(indices_or_sections, name, "indices", 2)  # an int or a list of ints, as PyTorch
    nd = input._data.ndim
    if nd < need:
        raise RuntimeError(f"torch.{name} requires a tensor with at least {need} dimension, but got a tensor "
                           f"with {nd} dimensions!")
    if isinstance(indices_or_sections, numbers.Integral) and not isinstance(indices_or_sections, bool):
        size = input._data.shape[dim]
        s = operator.index(indices_or_sections)
        if s == 0 or size % s:
            raise RuntimeError(f"torch.{name} attempted to split along dimension {dim}, but the size of the "
                               f"dimension {size} is not divisible by the split_size {s}!")
    return tensor_split(input, indices_or_sections, dim)


def hsplit(input: Tensor, indices_or_sections: Any) -> tuple[Tensor, ...]:
    """hsplit(input, indices_or_sections) -> tuple of Tensors

    tensor_split along dim 1 (dim 0 for a 1-d input); an int must divide that dim's length."""
    return _dim_split(input, indices_or_sections, "hsplit", 1 if input._data.ndim > 1 else 0, 1)


def vsplit(input: Tensor, indices_or_sections: Any) -> tuple[Tensor, ...]:
    """vsplit(input, indices_or_sections) -> tuple of Tensors

    tensor_split along dim 0 of an input of at least 2 dims; an int must divide that dim's length."""
    return _dim_split(input, indices_or_sections, "vsplit", 0, 2)


def dsplit(input: Tensor, indices_or_sections: Any) -> tuple[Tensor, ...]:
    """dsplit(input, indices_or_sections) -> tuple of Tensors

    tensor_split along dim 2 of an input of at least 3 dims; an int must divide that dim's length."""
    return _dim_split(input, indices_or_sections, "dsplit", 2, 3)


def split_with_sizes(input: Tensor, split_sizes: Sequence[int], dim: int = 0) -> tuple[Tensor, ...]:
    """split_with_sizes(input, split_sizes, dim=0) -> tuple of Tensors

    Views of input cut along `dim` into pieces of the listed lengths (which must add up to the
    dim's length): torch.split with a list."""
    return split(input, list(_args.int_list_arg(split_sizes, "split_with_sizes", "split_sizes", 2)), dim)


def _split_sizes(input: Tensor, how: Any, dim: int, chunks: bool = False) -> tuple[int, tuple[int, ...]]:
    """The dim and piece lengths that split (or chunk) would cut input into, with their errors."""
    plain = _plain(input._data)
    pieces = plain.chunk(how, dim) if chunks else split(plain, how, dim)
    d = _norm_dim(dim, input._data.ndim)
    return d, tuple(p._data.shape[d] for p in pieces)


def unsafe_split(input: Tensor, split_size: int, dim: int = 0) -> tuple[Tensor, ...]:
    """unsafe_split(input, split_size, dim=0) -> tuple of Tensors

    torch.split with an int, giving new tensors instead of views (nothing tracks them as views of
    input)."""
    d, sizes = _split_sizes(input, operator.index(split_size), dim)
    return apply_one(UnsafeSplitBackward0, input, d, sizes)


def unsafe_split_with_sizes(input: Tensor, split_sizes: Sequence[int], dim: int = 0) -> tuple[Tensor, ...]:
    """unsafe_split_with_sizes(input, split_sizes, dim=0) -> tuple of Tensors

    torch.split_with_sizes giving new tensors instead of views."""
    sizes_list = list(_args.int_list_arg(split_sizes, "unsafe_split_with_sizes", "split_sizes", 2))
    d, sizes = _split_sizes(input, sizes_list, dim)
    return apply_one(UnsafeSplitWithSizesBackward0, input, d, sizes)


def unsafe_chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """unsafe_chunk(input, chunks, dim=0) -> tuple of Tensors

    torch.chunk giving new tensors instead of views."""
    d, sizes = _split_sizes(input, chunks, dim, chunks=True)
    return apply_one(UnsafeSplitBackward0, input, d, sizes)


def narrow_copy(input: Tensor, dim: int, start: int, length: int, *, out: Tensor | None = None) -> Tensor:
    """narrow_copy(input, dim, start, length, *, out=None) -> Tensor

    torch.narrow as a new tensor: input's `length` elements from `start` on along `dim`, copied."""
    nd = input._data.ndim
    if nd and dim >= nd:  # (PyTorch's check, and its words, for a dim past the last)
        raise RuntimeError("Expected dim < static_cast<int64_t>(self_sizes.size()) to be true, but got false.")
    view = narrow(_plain(input._data), dim, start, length)  # (its errors, and the resolved start)
    d = _norm_dim(dim, input._data.ndim)
    start = operator.index(start)
    if start < 0:
        start += input._data.shape[d]
    return _into(out, apply_one(NarrowCopyBackward0, input, d, start, start + view._data.shape[d]))


# ============================================================================ joining and products
def block_diag(*tensors: Tensor) -> Tensor:
    """block_diag(*tensors) -> Tensor

    The block-diagonal matrix with the given tensors as its blocks, in order, zeros elsewhere (a 0-d
    tensor counts as a 1x1 block, a 1-d one as a row). Mixed dtypes are promoted."""
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}")
        if t._data.ndim > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {i} has "
                               f"{t._data.ndim} dimensions")
    if not tensors:
        return _plain_out(np.zeros((1, 0), D.defaults.float))
    dt = tensors[0]._data.dtype
    for t in tensors[1:]:
        dt = D._promote_np(dt, t._data.dtype)
    consts = (dt,)
    return record(BlockDiagBackward0, consts + tensors, consts + tuple(t._data for t in tensors), tensors, None,
                  BlockDiagBackward0.forward)


def cartesian_prod(*tensors: Tensor) -> Tensor:
    """cartesian_prod(*tensors) -> Tensor

    Every combination of one element from each of the 1-d tensors, one per row, in the order of
    nested loops (itertools.product); one tensor comes back as it is."""
    _args.tensor_elements(tensors, Tensor)
    for t in tensors:
        if t._data.ndim != 1:
            raise RuntimeError(f"Expect a 1D vector, but got shape {list(t._data.shape)}")
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    if any(t._data.dtype != tensors[0]._data.dtype for t in tensors):
        raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    if len(tensors) == 1:
        return tensors[0]
    shape = tuple(t._data.shape[0] for t in tensors)
    columns = []
    for i, t in enumerate(tensors):
        lifted = t.reshape(tuple(s if j == i else 1 for j, s in enumerate(shape)))
        columns.append(lifted.expand(shape).reshape(-1))
    return stack(columns, 1)


def combinations(input: Tensor, r: int = 2, with_replacement: bool = False) -> Tensor:
    """combinations(input, r=2, with_replacement=False) -> Tensor

    Every r-element combination of the 1-d input's elements (as itertools.combinations, or
    combinations_with_replacement), one per row of the result."""
    r = _int_arg(r, "combinations", "r", 2)
    a = input._data
    if a.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(a.shape)}")
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return _plain_out(np.empty((0,), a.dtype))
    make = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    rows = np.array(list(make(range(a.shape[0]), r)), dtype=np.int64).reshape(-1, r)
    return stack([index_select(input, 0, _plain(np.ascontiguousarray(rows[:, j]))) for j in range(r)], 1)


def kron(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """kron(input, other, *, out=None) -> Tensor

    The Kronecker product: every element of input times all of other, as blocks (the tensors
    padded with leading unit dims to the same rank; each result dim has the product length)."""
    if not isinstance(other, Tensor):
        raise TypeError(f"kron(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}")
    sa, sb = input._data.shape, other._data.shape
    n = max(len(sa), len(sb))
    sa, sb = (1,) * (n - len(sa)) + sa, (1,) * (n - len(sb)) + sb
    left = input.reshape(tuple(v for s in sa for v in (s, 1)))
    right = other.reshape(tuple(v for s in sb for v in (1, s)))
    shape = tuple(p * q for p, q in zip(sa, sb))
    return _into(out, apply_one(UnsafeViewBackward0, left * right, shape))


# ============================================================================ repeating and picking
def repeat_interleave(input: Tensor, repeats: Any = _args.OMITTED, dim: int | None = None, *,
                      output_size: int | None = None) -> Tensor:
    """repeat_interleave(input, repeats, dim=None, *, output_size=None) -> Tensor

    Each element (or each slice along `dim`) of input repeated `repeats` times, the copies next to
    each other (repeats: an int, or a tensor of one count per slice). Without dim the flattened
    input is repeated. torch.repeat_interleave(counts) alone gives index i repeated counts[i] times."""
    if repeats is None:
        raise TypeError("repeat_interleave(): argument 'repeats' must be Tensor or int, not NoneType (leave it out "
                        "to repeat each index i counts[i] times)")
    if repeats is _args.OMITTED:  # torch.repeat_interleave(repeats): arange(len) repeated
        counts = input._data
        if counts.ndim != 1:
            raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
        if counts.size and counts.min() < 0:
            raise RuntimeError("repeats can not be negative")
        out = np.repeat(np.arange(counts.shape[0], dtype=np.int64), counts)
        _check_output_size(output_size, out.shape[0])
        return _plain_out(out)
    x = input.reshape(-1) if dim is None else input
    d = 0 if dim is None else _norm_dim(dim, x._data.ndim)
    n = x._data.shape[d] if x._data.ndim else 1
    if isinstance(repeats, Tensor):
        r = repeats._data
        if r.dtype.kind not in "iu":
            raise NotImplementedError(f"\"repeat_interleave_cpu\" not implemented for '{_name(r)}'")
        if r.ndim > 1:
            raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
        if r.size != 1 and r.shape != (n,):
            raise RuntimeError(f"repeats must have the same size as input along dim, but got repeats.size(0) = "
                               f"{r.size} and input.size({d}) = {n}")
        if r.size and r.min() < 0:
            raise RuntimeError("repeats can not be negative")
        counts = np.broadcast_to(r.reshape(-1), (n,))
    else:
        count = operator.index(repeats)
        if count < 0:
            raise RuntimeError("Repeats must be non-negative")
        _check_output_size(output_size, n * count)
        if x._data.ndim == 0:
            x = x.reshape(1)
        shape = x._data.shape
        copies = unsqueeze(x, d + 1).expand(shape[:d + 1] + (count,) + shape[d + 1:]).clone()
        return copies.view(shape[:d] + (n * count,) + shape[d + 1:])
    picks = np.repeat(np.arange(n, dtype=np.int64), counts)
    _check_output_size(output_size, picks.shape[0])
    if x._data.ndim == 0:
        x = x.reshape(1)
    return index_select(x, d, _plain(picks))


def _check_output_size(output_size: int | None, total: int) -> None:
    if output_size is not None and output_size != total:
        raise RuntimeError(f"repeat_interleave: Invalid output_size, expected {total} but got {output_size}")


def take_along_dim(input: Tensor, indices: Tensor, dim: int | None = None, *, out: Tensor | None = None) -> Tensor:
    """take_along_dim(input, indices, dim=None, *, out=None) -> Tensor

    The elements of input at `indices` along `dim` (input and indices broadcast against each other
    in the other dims), as gather does; without dim, the flattened input at the flat indices."""
    _check_tensor(indices, "take_along_dim", "indices")
    if indices._data.dtype != _LONG:
        raise RuntimeError(f"torch.take_along_dim(): dtype of indices should be Long but got "
                           f"{_name(indices._data)}")
    if dim is None:
        flat = input.reshape(-1)
        return _into(out, flat.gather(0, _wrapped(indices.reshape(-1), flat._data.shape[0])))
    a, i = input._data, indices._data
    if a.ndim != i.ndim:
        raise RuntimeError("torch.take_along_dim(): input and indices should have the same number of dimensions, "
                           f"but got {a.ndim} dimensions for input, and {i.ndim} dimensions for indices")
    d = _norm_dim(dim, a.ndim)
    wanted = list(a.shape)
    wanted[d] = i.shape[d] if i.ndim else 1
    try:
        shape = np.broadcast_shapes(tuple(wanted), i.shape)
    except ValueError:
        raise RuntimeError(f"The size of tensor a ({a.shape[d]}) must match the size of tensor b: input "
                           f"{list(a.shape)} and indices {list(i.shape)} do not broadcast outside dim {d}") from None
    in_shape = list(shape)
    if a.ndim:
        in_shape[d] = a.shape[d]
    return _into(out, input.expand(tuple(in_shape)).gather(d, _wrapped(indices, a.shape[d] if a.ndim else 1)
                                                            .expand(shape)))


def _wrapped(indices: Tensor, n: int) -> Tensor:
    """Negative indices (from -n) counted from the end, as take_along_dim reads them."""
    i = indices._data
    if i.size and i.min() < 0:
        return _plain(np.where((i < 0) & (i >= -n), i + n, i))
    return indices


def tril_indices(row: int, col: int, offset: int = 0, *, dtype: Any = None, device: Any = None,
                 layout: Any = None) -> Tensor:
    """tril_indices(row, col, offset=0, *, dtype=torch.long) -> Tensor

    The (row, column) indices of the lower triangle of a row x col matrix (on and below the
    `offset`-th diagonal), as a 2 x N tensor in row-major order."""
    return _triangle_indices(np.tril_indices, "tril_indices", row, col, offset, dtype)


def triu_indices(row: int, col: int, offset: int = 0, *, dtype: Any = None, device: Any = None,
                 layout: Any = None) -> Tensor:
    """triu_indices(row, col, offset=0, *, dtype=torch.long) -> Tensor

    The (row, column) indices of the upper triangle of a row x col matrix (on and above the
    `offset`-th diagonal), as a 2 x N tensor in row-major order."""
    return _triangle_indices(np.triu_indices, "triu_indices", row, col, offset, dtype)


def _triangle_indices(make: Any, name: str, row: int, col: int, offset: int, dtype: Any) -> Tensor:
    if type(row) is not int or type(col) is not int or type(offset) is not int:
        row, col = _args.int_arg(row, name, "row", 1), _args.int_arg(col, name, "col", 2)
        offset = _args.int_arg(offset, name, "offset", 3)
    np_dtype = _LONG if dtype is None else dtype.np
    if np_dtype.kind not in "iu":
        raise NotImplementedError(f"\"{name}\" not implemented for '{_name(np.empty(0, np_dtype))}'")
    if row < 0 or col < 0:
        raise RuntimeError(f"row must be non-negative, got{row}" if row < 0 else f"col must be non-negative, got{col}")
    rows, cols = make(row, offset, col)
    return _plain_out(np.stack([rows, cols]).astype(np_dtype).reshape(2, -1))


def unravel_index(indices: Tensor, shape: Any) -> tuple[Tensor, ...]:
    """unravel_index(indices, shape) -> tuple of Tensors

    The coordinates, in a tensor of `shape` (C order), of the given flat indices: one int64 tensor
    per dim of shape, each shaped like indices."""
    _check_tensor(indices, "unravel_index", "indices")
    i = indices._data
    if i.dtype.kind not in "iu":
        raise TypeError(f"expected 'indices' to be integer dtype, but got {indices.dtype}")
    dims = (shape,) if isinstance(shape, numbers.Integral) else tuple(shape)
    if any(s < 0 for s in dims):
        raise ValueError(f"'shape' cannot have negative values, but got {tuple(dims)}")
    if i.size and 0 in dims:
        raise RuntimeError("ZeroDivisionError")
    rest = i.astype(np.int64)
    coords = []
    for s in reversed(dims):
        coords.append(rest % s if s else rest * 0)
        rest = rest // s if s else rest * 0
    return tuple(_plain_out(np.asarray(c, np.int64)) for c in reversed(coords))


# ============================================================================ complex views
def _half_view(R: Any, x: Tensor) -> Tensor:
    """A view of x whose elements are halves (or pairs) of x's: it shares x's storage and version
    counter; torchless cannot map its places onto x's, so a recorded write into it raises."""
    out = apply_one(R, x)
    base = x._base
    out._base = x if base is None else base
    out._view_fn = _no_position_map
    return out


def view_as_real(input: Tensor) -> Tensor:
    """view_as_real(input) -> Tensor

    A view of a complex tensor as real numbers: each element becomes the pair (real, imaginary)
    along a new last dim of size 2."""
    if input._data.dtype.kind != "c":
        raise RuntimeError("view_as_real is only supported for complex tensors")
    return _half_view(ViewAsRealBackward0, input)


def view_as_complex(input: Tensor) -> Tensor:
    """view_as_complex(input) -> Tensor

    A view of a float tensor whose last dim has size 2 as complex numbers: each (real, imaginary)
    pair becomes one element. The last dim must be contiguous and the other strides even."""
    a = input._data
    if a.dtype not in (np.float32, np.float64):
        raise RuntimeError("view_as_complex is only supported for half, float and double tensors, but got a "
                           f"tensor of scalar type: {_name(a)}")
    if a.ndim == 0 or a.shape[-1] != 2:
        raise RuntimeError("Tensor must have a last dimension of size 2")
    item = a.itemsize
    if a.strides[-1] != item:
        raise RuntimeError("Tensor must have a last dimension with stride 1")
    if any((s // item) % 2 for s, n in zip(a.strides[:-1], a.shape[:-1]) if n > 1):
        raise RuntimeError("Tensor must have a stride divisible by 2 for all but last dimension")
    return _half_view(ViewAsComplexBackward0, input)


# ============================================================================ the *_copy forms of views
def alias_copy(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """alias_copy(input, *, out=None) -> Tensor

    A copy of input (torch.alias, a view of the whole tensor, as a new tensor)."""
    return _into(out, apply_one(AliasBackward0_copy, input))


def view_copy(input: Tensor, size: Any, *, out: Tensor | None = None) -> Tensor:
    """view_copy(input, size, *, out=None) -> Tensor

    input.view(size) as a new tensor (input's strides must still allow the view)."""
    if isinstance(size, D.dtype):
        return _into(out, input.view(size).clone())
    shape = _infer(input._data.size, _sizes((size,), "view_copy(): argument 'size'"))
    return _into(out, apply_one(ViewBackward0_copy, input, shape))


def permute_copy(input: Tensor, dims: Sequence[int], *, out: Tensor | None = None) -> Tensor:
    """permute_copy(input, dims, *, out=None) -> Tensor

    input.permute(dims) as a new tensor."""
    permute(_plain(input._data), dims)  # (its errors)
    nd = input._data.ndim
    return _into(out, apply_one(PermuteBackward0_copy, input, tuple(_norm_dim(d, nd) for d in dims)))


def transpose_copy(input: Tensor, dim0: int, dim1: int, *, out: Tensor | None = None) -> Tensor:
    """transpose_copy(input, dim0, dim1, *, out=None) -> Tensor

    input.transpose(dim0, dim1) as a new tensor."""
    nd = input._data.ndim
    return _into(out, apply_one(TransposeBackward0_copy, input, _norm_dim(dim0, nd), _norm_dim(dim1, nd)))


def t_copy(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """t_copy(input, *, out=None) -> Tensor

    input.t() as a new tensor (input has at most 2 dims)."""
    _t(_plain(input._data))  # (its error)
    return _into(out, apply_one(TBackward0_copy, input))


def expand_copy(input: Tensor, size: Sequence[int], *, implicit: bool = False,
                out: Tensor | None = None) -> Tensor:
    """expand_copy(input, size, *, implicit=False, out=None) -> Tensor

    input.expand(size) as a new tensor (each repeated element copied)."""
    target = _sizes((size,), "expand_copy(): argument 'size'")
    if target != input._data.shape:
        target = _expanded_shape(input, target)
    return _into(out, apply_one(ExpandBackward0_copy, input, target))


def squeeze_copy(input: Tensor, dim: Any = _args.OMITTED, *, out: Tensor | None = None) -> Tensor:
    """squeeze_copy(input, dim=None, *, out=None) -> Tensor

    input.squeeze(dim) as a new tensor."""
    if dim is _args.OMITTED:
        dim = None
    elif dim is None:
        raise _args.none_refused("squeeze_copy", "dim", "int or tuple of ints",
                                 "leave dim out to remove every dim of size 1")
    shape = squeeze(_plain(input._data), _args.OMITTED if dim is None else dim)._data.shape  # (its errors)
    a = input._data
    if dim is None:
        return _into(out, apply_one(SqueezeBackward0_copy, input, None))
    nd = a.ndim
    given = dim if isinstance(dim, (tuple, list)) else (dim,)
    dims = tuple(d for d in (_norm_dim(operator.index(k), nd) for k in given) if nd and a.shape[d] == 1)
    rule = SqueezeBackward2_copy if isinstance(dim, (tuple, list)) else SqueezeBackward1_copy
    result = apply_one(rule, input, dims)
    assert result._data.shape == shape
    return _into(out, result)


def unsqueeze_copy(input: Tensor, dim: int, *, out: Tensor | None = None) -> Tensor:
    """unsqueeze_copy(input, dim, *, out=None) -> Tensor

    input.unsqueeze(dim) as a new tensor."""
    return _into(out, apply_one(UnsqueezeBackward0_copy, input, _norm_dim(dim, input._data.ndim + 1)))


def unbind_copy(input: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    """unbind_copy(input, dim=0) -> tuple of Tensors

    input.unbind(dim) as new tensors."""
    if input._data.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    return apply_one(UnbindBackward0_copy, input, _norm_dim(dim, input._data.ndim))


def select_copy(input: Tensor, dim: int, index: int, *, out: Tensor | None = None) -> Tensor:
    """select_copy(input, dim, index, *, out=None) -> Tensor

    input.select(dim, index) as a new tensor."""
    shape = input._data.shape
    if not shape:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = _norm_dim(dim, len(shape))
    n = shape[d]
    if not -n <= index < n:
        raise IndexError(f"select(): index {index} out of range for tensor of size {list(shape)} at dimension {d}")
    return _into(out, apply_one(SelectBackward0_copy, input, (slice(None),) * d + (operator.index(index), Ellipsis)))


def slice_copy(input: Tensor, dim: int = 0, start: int | None = None, end: int | None = None, step: int = 1, *,
               out: Tensor | None = None) -> Tensor:
    """slice_copy(input, dim=0, start=None, end=None, step=1, *, out=None) -> Tensor

    input[..., start:end:step, ...] (the slice along `dim`) as a new tensor."""
    d = _norm_dim(dim, input._data.ndim)
    if step <= 0:
        raise RuntimeError("slice step must be positive")
    return _into(out, apply_one(SliceBackward0_copy, input, (slice(None),) * d + (slice(start, end, step), Ellipsis)))


def detach_copy(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """detach_copy(input, *, out=None) -> Tensor

    A copy of input's values. As in PyTorch, the copy is recorded when input requires grad, but
    backward through it is an error (use detach() for a tensor outside the graph)."""
    return _into(out, apply_one(DetachCopyBackward, input))


def split_copy(input: Tensor, split_size: int, dim: int = 0) -> tuple[Tensor, ...]:
    """split_copy(input, split_size, dim=0) -> tuple of Tensors

    torch.split with an int, giving new tensors instead of views."""
    d, sizes = _split_sizes(input, operator.index(split_size), dim)
    return apply_one(SplitBackward0_copy, input, d, sizes)


def split_with_sizes_copy(input: Tensor, split_sizes: Sequence[int], dim: int = 0) -> tuple[Tensor, ...]:
    """split_with_sizes_copy(input, split_sizes, dim=0) -> tuple of Tensors

    torch.split_with_sizes giving new tensors instead of views."""
    sizes_list = list(_args.int_list_arg(split_sizes, "split_with_sizes_copy", "split_sizes", 2))
    d, sizes = _split_sizes(input, sizes_list, dim)
    return apply_one(SplitWithSizesBackward0_copy, input, d, sizes)


def nonzero_static(input: Tensor, *, size: int, fill_value: int = -1) -> Tensor:
    """nonzero_static(input, *, size, fill_value=-1) -> Tensor

    nonzero(input) with exactly `size` rows: the first `size` indices of non-zero elements, then
    rows of fill_value when there are fewer."""
    if size < 0:
        raise RuntimeError(f"nonzero_static: 'size' must be an non-negative integer, but got size = {size}")
    found = np.argwhere(input._data).astype(np.int64)[:size]
    out = np.full((size, input._data.ndim), fill_value, np.int64)
    out[:found.shape[0]] = found
    return _plain_out(out)


# ============================================================================ as_strided
def _strided_positions(input: Tensor, size: Any, stride: Any, storage_offset: int | None,
                       storage: ndarray, own_offset: int) -> tuple[tuple[int, ...], tuple[int, ...], int, ndarray]:
    """as_strided's checked arguments (sizes, strides, offset) and the flat positions it reads."""
    shape = _sizes((size,), "as_strided(): argument 'size'")
    strides = _sizes((stride,), "as_strided(): argument 'stride'")
    if len(shape) != len(strides):
        raise RuntimeError("mismatch in length of strides and shape")
    if any(st < 0 for st in strides):
        raise RuntimeError("as_strided: Negative strides are not supported at the moment, got strides: "
                           f"{list(strides)}")
    if any(n < 0 for n in shape):
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(shape)}: {list(shape)}")
    offset = own_offset if storage_offset is None else operator.index(storage_offset)
    if offset < 0:
        raise RuntimeError(f"Tensor: invalid storage offset {offset}")
    need = offset + (1 + sum((n - 1) * st for n, st in zip(shape, strides)) if all(shape) else 0)
    if need > storage.size:
        item = storage.itemsize
        raise RuntimeError(f"setStorage: sizes {list(shape)}, strides {list(strides)}, storage offset {offset}, and "
                           f"itemsize {item} requiring a storage size of {need * item} are out of bounds for storage "
                           f"of size {storage.size * item}")
    positions = np.full(shape, offset, np.int64)
    for k, (n, st) in enumerate(zip(shape, strides)):
        positions += (np.arange(n, dtype=np.int64) * st).reshape((n,) + (1,) * (len(shape) - k - 1))
    return shape, strides, offset, positions


def _storage_of(input: Tensor) -> tuple[Tensor, ndarray, int, ndarray]:
    """The tensor owning input's storage, its flat storage, input's offset in it, and the flat
    positions of input's elements there."""
    root = input._base if input._base is not None else input
    r = root._data
    if not r.flags.c_contiguous:  # (a base from NumPy in another order: its copy stands for the storage)
        r = np.ascontiguousarray(r)
    flat = r.reshape(-1)
    if root is input:
        return root, flat, 0, np.arange(flat.size, dtype=np.int64).reshape(r.shape)
    positions = np.asarray(_positions(input, root), dtype=np.int64)
    own = int(positions.min()) if positions.size else 0
    return root, flat, own, positions


def storage_offset(self: Tensor) -> int:
    """storage_offset() -> int

    How many elements into its storage (that of the tensor it is a view of, if any) this tensor's
    first element lies."""
    if self._base is None:
        return 0
    return _storage_of(self)[2]


def as_strided(input: Tensor, size: Sequence[int], stride: Sequence[int], storage_offset: int | None = None) -> Tensor:
    """as_strided(input, size, stride, storage_offset=None) -> Tensor

    A view of input's storage (that of the tensor it is a view of, if any) in `size`, whose element
    [i0, i1, ...] is the storage's element storage_offset + i0 * stride[0] + i1 * stride[1] + ...
    (strides in elements; storage_offset defaults to input's own). Elements may overlap; such a view
    cannot be written into."""
    root, flat, own, p_in = _storage_of(input)
    shape, strides, offset, p_out = _strided_positions(input, size, stride, storage_offset, flat, own)
    out = apply(AsStridedBackward0, input, flat, shape, strides, offset, p_out, p_in)

    def redo(a: Any) -> Any:
        if type(a) is ndarray:
            return strided_view(a.reshape(-1), shape, strides, offset) if a.flags.c_contiguous else \
                a.reshape(-1)[p_out]
        return a.as_strided(shape, strides, offset)
    return _view(input, out, redo) if np.shares_memory(out._data, flat) else out


def as_strided_copy(input: Tensor, size: Sequence[int], stride: Sequence[int], storage_offset: int | None = None, *,
                    out: Tensor | None = None) -> Tensor:
    """as_strided_copy(input, size, stride, storage_offset=None, *, out=None) -> Tensor

    torch.as_strided as a new tensor (a copy that shares no memory with input)."""
    root, flat, own, p_in = _storage_of(input)
    shape, strides, offset, p_out = _strided_positions(input, size, stride, storage_offset, flat, own)
    return _into(out, apply(AsStridedBackward0_copy, input, flat, shape, strides, offset, p_out, p_in))


def as_strided_scatter(input: Tensor, src: Tensor, size: Sequence[int], stride: Sequence[int],
                       storage_offset: int | None = None) -> Tensor:
    """as_strided_scatter(input, src, size, stride, storage_offset=None) -> Tensor

    A copy of input with src written where input.as_strided(size, stride, storage_offset) would
    read, counting positions in input's elements in row-major order (src has shape `size`)."""
    _check_tensor(src, "as_strided_scatter", "src")
    x = input._data
    shape, strides, offset, p_out = _strided_positions(input, size, stride, storage_offset,
                                                       np.empty(x.size, np.int8), 0)
    _check_slice_shape(src, shape)
    key = np.unravel_index(p_out.reshape(-1), x.shape) if x.ndim else (np.zeros(p_out.size, np.int64),)
    if x.ndim == 0:
        return as_strided_scatter(input.reshape(1), src, size, stride, storage_offset).reshape(())
    return apply(AsStridedScatterBackward0, input, _same_dtype(src, input), key, False)


# ============================================================================ writes into a copy
def _dim_index(input: Tensor, dim: int, index: Any, fn: str) -> tuple[int, ndarray]:
    """dim normalized and the index as a 1-d int64 array, checked as index_fill/index_copy check."""
    _check_tensor(index, fn, "index")
    i = index._data
    if i.dtype != _LONG:
        if fn == "index_copy_":
            raise RuntimeError(f"index_copy_(): Expected a long tensor for index, but got {_name(i)}")
        raise IndexError(f"{fn}(): Expected dtype int64 for index.")
    if i.ndim > 1:
        raise RuntimeError("Index has to be a vector/scalar")
    x = input._data
    d = _norm_dim(dim, x.ndim)
    n = x.shape[d] if x.ndim else 1
    i = i.reshape(-1)
    if i.size and (i.max() >= n or i.min() < -n):
        bad = i[np.argmax((i >= n) | (i < -n))]
        raise IndexError(f"{fn + '(): ' if fn == 'index_copy_' else ''}index {bad} is out of bounds for dimension "
                         f"{d} with size {n}")
    return d, i


def index_fill(input: Tensor, dim: int, index: Tensor, value: Any) -> Tensor:
    """index_fill(input, dim, index, value) -> Tensor

    A copy of input with `value` (a number or a 0-d tensor) in the slices at `index` along `dim`."""
    d, i = _dim_index(input, dim, index, "index_fill_")
    if input._data.ndim == 0:
        return index_fill(input.reshape(1), 0, index, value).reshape(())
    if isinstance(value, Tensor):
        # filling a place twice is filling it once: the value's gradient counts each place once
        key = (slice(None),) * d + (np.unique(i % input._data.shape[d]) if i.size > 1 else i,)
        if value._data.ndim:
            raise RuntimeError("index_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                               f"{value._data.ndim} dimension(s).")
        return apply(IndexFillBackward1, input, _same_dtype(value, input), key)
    if not isinstance(value, (numbers.Number, np.generic)):
        raise TypeError(f"index_fill(): argument 'value' must be Number or Tensor, not {type(value).__name__}")
    return apply_one(IndexFillBackward0, input, (slice(None),) * d + (i,), np.asarray(value).astype(input._data.dtype))


def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    """index_copy(input, dim, index, source) -> Tensor

    A copy of input with source's slices written at `index` along `dim` (source[k] into the slice
    index[k]); source is shaped like input except len(index) along dim."""
    _check_tensor(source, "index_copy", "source")
    d, i = _dim_index(input, dim, index, "index_copy_")
    x, s = input._data, source._data
    if s.dtype != x.dtype:
        raise RuntimeError(f"index_copy_(): self and source expected to have the same dtype, but got (self) "
                           f"{_name(x)} and (source) {_name(s)}")
    if x.ndim == 0:
        return index_copy(input.reshape(1), 0, index, source.reshape(-1)).reshape(())
    expected = x.shape[:d] + (i.size,) + x.shape[d + 1:]
    if s.ndim == x.ndim and s.shape[d] != i.size:
        raise IndexError(f"index_copy_(): Number of indices ({i.size}) should be equal to source.size(dim) "
                         f"({s.shape[d]})")
    if s.shape != expected and not (s.ndim == 0 and i.size == 1):
        raise RuntimeError(f"index_copy_(): Source/destination tensor must have same slice shapes. Destination "
                           f"slice shape: {list(expected)} and source slice shape: {list(s.shape)}")
    if s.shape != expected:
        source = source.reshape(expected)
    return apply(IndexCopyBackward0, input, source, (slice(None),) * d + (i,))


def select_scatter(input: Tensor, src: Tensor, dim: int, index: int) -> Tensor:
    """select_scatter(input, src, dim, index) -> Tensor

    A copy of input with src written into input.select(dim, index) (src has that slice's shape)."""
    _check_tensor(src, "select_scatter", "src")
    x = input._data
    if x.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = _norm_dim(dim, x.ndim)
    n = x.shape[d]
    if not -n <= index < n:
        raise IndexError(f"select(): index {index} out of range for tensor of size {list(x.shape)} at dimension {d}")
    key = (slice(None),) * d + (operator.index(index) % n,)
    _check_slice_shape(src, x[key].shape)
    return apply(SelectScatterBackward0, input, _same_dtype(src, input), key)


def slice_scatter(input: Tensor, src: Tensor, dim: int = 0, start: int | None = None, end: int | None = None,
                  step: int = 1) -> Tensor:
    """slice_scatter(input, src, dim=0, start=None, end=None, step=1) -> Tensor

    A copy of input with src written into the slice start:end:step along `dim` (src has that
    slice's shape)."""
    _check_tensor(src, "slice_scatter", "src")
    x = input._data
    d = _norm_dim(dim, x.ndim)
    if step <= 0:
        raise RuntimeError("slice step must be positive")
    key = (slice(None),) * d + (slice(start, end, step),)
    _check_slice_shape(src, x[key].shape)
    return apply(SliceScatterBackward0, input, _same_dtype(src, input), key)


def index_put(input: Tensor, indices: Sequence[Any], values: Tensor, accumulate: bool = False) -> Tensor:
    """index_put(input, indices, values, accumulate=False) -> Tensor

    A copy of input with `values` written at input[indices] (a tuple of index tensors: integer
    tensors or bool masks, None for a whole dim), or added there when accumulate (repeated indices
    then add up)."""
    _check_tensor(values, "index_put", "values")
    if not isinstance(indices, (tuple, list)):
        raise TypeError(f"index_put(): argument 'indices' must be tuple of Tensors, not {type(indices).__name__}")
    x, v = input._data, values._data
    if v.dtype != x.dtype:
        raise RuntimeError(f"Index put requires the source and destination dtypes match, got {_name(x)} for the "
                           f"destination and {_name(v)} for the source.")
    if len(indices) > max(x.ndim, 1):
        raise IndexError(f"too many indices for tensor of dimension {x.ndim} (got {len(indices)})")
    key_items = tuple(slice(None) if k is None else k for k in indices)
    for k in key_items:
        if isinstance(k, Tensor) and k._data.dtype.kind not in "iub":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    if not key_items:
        key: tuple[Any, ...] = (Ellipsis,)
    else:
        basic, last, advanced = _parse(_plain(x), key_items)
        if advanced is None:
            key = basic
        else:
            key, _ = _advanced_key(x.shape, advanced)
            try:
                x[key]
            except IndexError as e:
                _raise_advanced(x.shape, advanced, e)
    target = x[key].shape
    try:
        np.broadcast_to(v, target)
    except ValueError:
        raise RuntimeError(f"shape mismatch: value tensor of shape {list(v.shape)} cannot be broadcast to indexing "
                           f"result of shape {list(target)}") from None
    return apply(IndexPutBackward0, input, values, key, bool(accumulate))


def put(input: Tensor, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
    """put(input, index, source, accumulate=False) -> Tensor

    A copy of input with source's elements written at the flat positions `index` (input read as
    if flattened; negative positions count from the end), or added there when accumulate."""
    _check_tensor(index, "put", "index")
    _check_tensor(source, "put", "source")
    x, i, s = input._data, index._data, source._data
    if i.dtype != _LONG:
        raise RuntimeError(f"put_(): Expected a long tensor for index, but got {_name(i)}")
    if s.dtype != x.dtype:
        raise RuntimeError(f"put_(): self and source expected to have the same dtype, but got self.dtype = "
                           f"{_name(x)} and source.dtype = {_name(s)}")
    if i.size != s.size:
        raise IndexError(f"put_(): Expected source and index to have the same number of elements, but got "
                           f"source.numel() = {s.size}, index.numel() = {i.size}")
    n = x.size
    flat = i.reshape(-1)
    if flat.size and (flat.max() >= n or flat.min() < -n):
        bad = flat[np.argmax((flat >= n) | (flat < -n))]
        raise IndexError(f"out of range: tried to access index {bad} on a tensor of {n} elements.")
    if x.ndim == 0:
        return put(input.reshape(1), index, source, accumulate).reshape(())
    key = np.unravel_index(flat % n if n else flat, x.shape)
    return apply(PutBackward0, input, source, key, bool(accumulate))


def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """masked_scatter(input, mask, source) -> Tensor

    A copy of input (broadcast with mask) with source's elements, in order, written where the bool
    `mask` holds; source needs at least as many elements as the mask has True values."""
    _check_tensor(mask, "masked_scatter", "mask")
    _check_tensor(source, "masked_scatter", "source")
    x, m, s = input._data, mask._data, source._data
    if m.dtype != np.bool_:
        raise RuntimeError(f"masked_scatter_ only supports boolean masks, but got mask with dtype {_name(m)}")
    if s.dtype != x.dtype:
        raise RuntimeError(f"masked_scatter: expected self and source to have same dtypes but got{_name(x)} and "
                           f"{_name(s)}")
    try:
        shape = np.broadcast_shapes(x.shape, m.shape)
    except ValueError:
        raise _mismatch(m.shape, x.shape) from None
    if shape != x.shape:
        input = input.expand(shape)
    if not shape:  # a 0-d tensor: its one place, or none
        if bool(m) and s.size < 1:
            raise RuntimeError("Number of elements of source < number of ones in mask")
        return apply(MaskedScatterBackward0, input, source, (np.array(bool(m)),))  # (a 0-d mask as the key)
    key = np.broadcast_to(m, shape).nonzero()
    count = len(key[0])
    if count > s.size:
        raise RuntimeError("Number of elements of source < number of ones in mask")
    return apply(MaskedScatterBackward0, input, source, key)


_SCATTER_REDUCES = ("sum", "prod", "mean", "amax", "amin")
_REDUCE_ALIASES = {"max": "amax", "min": "amin"}  # (PyTorch accepts these too)


def _mismatch(a: tuple[int, ...], b: tuple[int, ...]) -> RuntimeError:
    """PyTorch's error for shapes that do not broadcast, naming the first dim that differs."""
    n = max(len(a), len(b))
    pa, pb = (1,) * (n - len(a)) + tuple(a), (1,) * (n - len(b)) + tuple(b)
    for k in range(n - 1, -1, -1):
        if pa[k] != pb[k] and pa[k] != 1 and pb[k] != 1:
            return RuntimeError(f"The size of tensor a ({pa[k]}) must match the size of tensor b ({pb[k]}) at "
                                f"non-singleton dimension {k}")
    return RuntimeError(f"shapes {list(a)} and {list(b)} do not broadcast")


def scatter_reduce(input: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str, *,
                   include_self: bool = True) -> Tensor:
    """scatter_reduce(input, dim, index, src, reduce, *, include_self=True) -> Tensor

    A copy of input with src's values reduced into it along `dim` at the places `index` names (for
    dim 0, src[i][j] goes to out[index[i][j]][j]) by "sum", "prod", "mean", "amax" or "amin";
    input's own value takes part unless include_self=False."""
    _check_tensor(src, "scatter_reduce", "src")
    reduce = _REDUCE_ALIASES.get(reduce, reduce)
    if reduce not in _SCATTER_REDUCES:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    if src._data.dtype != input._data.dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    _check_tensor(index, "scatter_reduce", "index")
    if index._data.dtype not in _INTS:
        raise RuntimeError("scatter(): Expected dtype int32/int64 for index")
    d, idx = _check_along("scatter_reduce", input, dim, index, src._data)
    if input._data.ndim == 0 or idx.ndim == 0:
        out = scatter_reduce(input.reshape(-1), 0, index.reshape(-1), src.reshape(-1), reduce,
                             include_self=include_self)
        return out.reshape(input._data.shape)
    block = tuple(slice(0, s) for s in idx.shape)
    return apply(ScatterReduceBackward0, input, src, _along_key(idx, d), block, reduce, bool(include_self))


def index_reduce(input: Tensor, dim: int, index: Tensor, source: Tensor, reduce: str, *,
                 include_self: bool = True) -> Tensor:
    """index_reduce(input, dim, index, source, reduce, *, include_self=True) -> Tensor

    A copy of input with source's slices reduced into the slices at `index` along `dim` (source[k]
    into slice index[k]) by "prod", "mean", "amax" or "amin"; input's own values take part unless
    include_self=False."""
    _check_tensor(source, "index_reduce", "source")
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise RuntimeError(f"index_reduce(): Expected reduce to be one of prod, mean, amax or amin but got {reduce}.")
    _check_tensor(index, "index_reduce", "index")
    i = index._data
    if i.dtype not in _INTS:
        raise RuntimeError("index_reduce_(): Expected dtype int32/int64 for index but got: "
                           f"{_name(i)}")
    if i.ndim > 1:
        raise IndexError("index_reduce_(): Index is supposed to be a vector")
    x, s = input._data, source._data
    if s.dtype != x.dtype:
        raise RuntimeError(f"index_reduce_(): self ({_name(x)}) and source ({_name(s)}) must have the same "
                           "scalar type")
    if x.ndim == 0:
        if s.ndim:
            raise RuntimeError("source tensor shape must match self tensor shape, excluding the specified "
                               f"dimension. Got self.shape = [] source.shape = {list(s.shape)}")
        out = index_reduce(input.reshape(1), 0, index.reshape(-1), source.reshape(-1), reduce,
                           include_self=include_self)
        return out.reshape(())
    d = _norm_dim(dim, x.ndim)
    i = i.reshape(-1)
    if s.ndim == 0 and i.size == 1:
        source = source.reshape((1,) * x.ndim)
        s = source._data
    if s.ndim and s.shape[min(d, s.ndim - 1)] != i.size and s.ndim == x.ndim:
        raise RuntimeError(f"index_reduce_(): Number of indices ({i.size}) should be equal to source.size(dim): "
                           f"({s.shape[d]}), for dim: {dim}")
    if s.shape != x.shape[:d] + (i.size,) + x.shape[d + 1:]:
        raise RuntimeError("source tensor shape must match self tensor shape, excluding the specified dimension. "
                           f"Got self.shape = {list(x.shape)} source.shape = {list(s.shape)}")
    n = x.shape[d]
    if i.size and (i.max() >= n or i.min() < -n):
        raise IndexError("index out of range in self")
    run = [1] * x.ndim
    run[d] = i.size
    full = np.broadcast_to((i % n if n else i).reshape(run), s.shape)
    block = tuple(slice(None) for _ in s.shape)
    return apply(IndexReduceBackward0, input, source, _along_key(full, d), block, reduce, bool(include_self))


index_put_ = _inplace_form(index_put, "index_put_", """index_put_(self, indices, values, accumulate=False) -> Tensor

    index_put in place: writes (or adds) values at this tensor's [indices], and returns this tensor.""")


def fill_diagonal_(self: Tensor, fill_value: Any, wrap: bool = False) -> Tensor:
    """fill_diagonal_(fill_value, wrap=False) -> Tensor

    Writes fill_value on the main diagonal of this tensor (a matrix, or a tensor whose dims all have
    one length: the places [i, i, ..., i]), in place, and returns it. With wrap=True a tall
    matrix's diagonal starts again every cols + 1 rows, as NumPy's fill_diagonal does."""
    if not isinstance(fill_value, numbers.Number):
        _args.number_arg(fill_value, "fill_diagonal_", "fill_value", 1)
    a = self._data
    if a.ndim < 2:
        raise RuntimeError("dimensions must larger than 1")
    if a.ndim > 2 and any(n != a.shape[0] for n in a.shape):
        raise RuntimeError("all dimensions of input must be of equal length")
    if a.ndim == 2 and (not wrap or a.shape[0] <= a.shape[1]):
        self.diagonal().fill_(fill_value)  # a write through the diagonal view (CopySlices, as PyTorch)
        return self
    step = sum(int(np.prod(a.shape[k + 1:])) for k in range(a.ndim))
    positions = np.arange(0, a.size, step)
    self[np.unravel_index(positions, a.shape)] = fill_value
    return self


# ============================================================================ the Tensor methods
class ShapeIndexMethods:
    """Issue 12's shape and indexing methods (each the torch function of the same name above, with
    the tensor as `self`) and their in-place forms (mixed into torch.Tensor by _tensor/__init__.py)."""

    __slots__ = ()

    tril = tril
    triu = triu
    diagonal = diagonal
    diag = diag
    diag_embed = diag_embed
    diagflat = diagflat
    trace = trace
    rot90 = rot90
    unfold = unfold
    tensor_split = tensor_split
    hsplit = hsplit
    vsplit = vsplit
    dsplit = dsplit
    split_with_sizes = split_with_sizes
    unsafe_split = unsafe_split
    unsafe_split_with_sizes = unsafe_split_with_sizes
    unsafe_chunk = unsafe_chunk
    narrow_copy = narrow_copy
    kron = kron
    repeat_interleave = repeat_interleave
    take_along_dim = take_along_dim
    index_fill = index_fill
    index_copy = index_copy
    index_put = index_put
    put = put
    masked_scatter = masked_scatter
    select_scatter = select_scatter
    slice_scatter = slice_scatter
    diagonal_scatter = diagonal_scatter
    scatter_reduce = scatter_reduce
    index_reduce = index_reduce

    # in place
    tril_ = _inplace_form(tril, "tril_", """tril_(diagonal=0) -> Tensor

        tril in place: zeroes the elements above the `diagonal`-th diagonal of each matrix, and
        returns this tensor.""")
    triu_ = _inplace_form(triu, "triu_", """triu_(diagonal=0) -> Tensor

        triu in place: zeroes the elements below the `diagonal`-th diagonal of each matrix, and
        returns this tensor.""")
    index_fill_ = _inplace_form(index_fill, "index_fill_", """index_fill_(dim, index, value) -> Tensor

        index_fill in place: sets the slices at `index` along `dim` to `value`, and returns this
        tensor.""")
    index_copy_ = _inplace_form(index_copy, "index_copy_", """index_copy_(dim, index, source) -> Tensor

        index_copy in place: writes source's slices at `index` along `dim`, and returns this tensor.""")
    index_put_ = index_put_
    fill_diagonal_ = fill_diagonal_
    as_strided = as_strided
    storage_offset = storage_offset
    nonzero_static = nonzero_static
    as_strided_scatter = as_strided_scatter
    put_ = _inplace_form(put, "put_", """put_(index, source, accumulate=False) -> Tensor

        put in place: writes (or adds) source's elements at the flat positions `index`, and returns
        this tensor.""")
    masked_scatter_ = _inplace_form(masked_scatter, "masked_scatter_", """masked_scatter_(mask, source) -> Tensor

        masked_scatter in place: writes source's elements, in order, where `mask` holds, and returns
        this tensor.""")
    scatter_reduce_ = _inplace_form(scatter_reduce, "scatter_reduce_",
                                    """scatter_reduce_(dim, index, src, reduce, *, include_self=True) -> Tensor

        scatter_reduce in place: reduces src's values into this tensor along `dim` at the places
        `index` names, and returns this tensor.""")
    index_reduce_ = _inplace_form(index_reduce, "index_reduce_",
                                  """index_reduce_(dim, index, source, reduce, *, include_self=True) -> Tensor

        index_reduce in place: reduces source's slices into this tensor's slices at `index` along
        `dim`, and returns this tensor.""")


# vmap (issue 12, round 3): the kinds of the torch functions that are no Tensor method (func/batching.py
# makes their rules; the methods are batched there by name).
setattr(block_diag, "batching", "block_diag")
setattr(detach_copy, "batching", "batch_dims")
