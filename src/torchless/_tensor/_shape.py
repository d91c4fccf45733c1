"""Shape ops as Tensor methods and torch functions (rules: ops/shape.py).

Views (view, reshape when possible, transpose, permute, squeeze, expand, narrow, split pieces ...)
share memory with their input, as in PyTorch: the result's `_base` is the input's base (so the
version counter is shared and in-place writes show through), and `_view_fn(array)` redoes the same
view on an array (or Tensor) shaped like that base, for in-place writes through views in a graph.
A recorded view of a non-leaf is also registered with its base (_register_view), so that a later
write into the base re-derives it from the new history (_indexing.py: refresh_views).

Every op records through _core.record; the hot views keep their no-grad path inline.
"""
from __future__ import annotations

import operator
import warnings
import weakref
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import _args
from .._dtype import _promote_np, dtype as DType
from ._inplace import write_out
from ._core import (Size, _broadcast_error, _bump_version, _check_inplace, _fw, _norm_dim, _plain_out, apply_one,
                    mark_nograd_view, record)
if TYPE_CHECKING:  # annotations name the final class, assembled in _tensor/__init__.py from the mixins
    from . import Tensor
else:  # at run time: _core's name, rebound to the final class by bind_tensor_class
    from ._core import Tensor
from ..engine.node import NO_EDGE, AccumulateGrad
from ..engine.grad_mode import grad_off as _grad_off, state as _grad
from ..backend import numpy as NP
from ..overrides import handle_torch_function, has_torch_function, not_a_tensor
from ..ops.elementwise import ImagBackward0, RealBackward0
from ..ops.shape import (CatBackward0, CloneBackward0, ExpandBackward0, FlipBackward0,
                        PermuteBackward0, RepeatBackward0, RollBackward0, SliceBackward0,
                        SplitBackward0, SplitWithSizesBackward0, SqueezeBackward0, SqueezeBackward1,
                        SqueezeBackward2, StackBackward0, TBackward0, TransposeBackward0,
                        UnbindBackward0, UnsafeViewBackward0, UnsqueezeBackward0, ViewBackward0)

__all__ = [
    "reshape", "flatten", "unflatten", "ravel", "squeeze", "unsqueeze", "transpose", "swapaxes",
    "swapdims", "t", "permute", "movedim", "moveaxis", "broadcast_to", "broadcast_tensors",
    "broadcast_shapes", "tile", "cat", "concat", "concatenate", "stack", "hstack", "vstack",
    "row_stack", "dstack", "column_stack", "split", "chunk", "unbind", "flip", "fliplr", "flipud",
    "roll", "narrow", "atleast_1d", "atleast_2d", "atleast_3d", "adjoint",
    "real", "imag",
]

ndarray = np.ndarray
_int = int

# What a size argument may be: ints (x.view(2, 3)) or one sequence of them (x.view((2, 3))).
_SizeLike = int | Sequence[int]
_SizeOrDtype = int | Sequence[int] | DType


# ============================================================================ appliers
# Every recorded op goes through _core.record; one-tensor ops through _core.apply_one, whose no-grad
# path is inline (a call to the recorder costs about what a tiny view costs).
def _view(x, out, fn):
    """Mark `out` as a view of x: it shares x's base (storage, version counter), and `fn` redoes
    the view on an array shaped like x (composed with x's own, when x is itself a view)."""
    base = x._base
    if base is None:
        out._base = base = x
        out._view_fn = fn
    else:
        out._base = base
        prev = x._view_fn
        out._view_fn = fn if prev is None else (lambda a: fn(prev(a)))
    if out._rg:
        e = base._edge
        if e is not None and e[0] is not None and type(e[0]) is not AccumulateGrad:
            _register_view(base, out)
        if x._nograd:
            mark_nograd_view(out, base, 2)
    elif x._rg:  # taken under no_grad
        mark_nograd_view(out, base)
    return out


def _register_view(root, view):
    """Remember a differentiable view of a non-leaf root, weakly: after an in-place write into the
    root's storage (through any view), every such view becomes a view of the new root (PyTorch
    regenerates a view's grad_fn when its base's version moved)."""
    views = root.__dict__.get("_views")
    if views is None:
        views = root._views = []
    elif len(views) >= 32 and len(views) & (len(views) - 1) == 0:  # now and then, drop dead ones
        views[:] = [r for r in views if r() is not None]
    views.append(weakref.ref(view))


_new = object.__new__


def _viewed(R, x, fn, inputs, arrays):
    """_view(x, apply_one(R, x, ...), fn) for the hot one-output view ops, whose forward always
    returns an ndarray view. The caller spells out forward's arguments, `inputs` = (x, constants...)
    and `arrays` = (x's array, the same constants...): building them costs less than joining
    tuples here. The no-grad result and the view marking are inline."""
    recorded = x._rg and (not _grad_off or _grad.enabled)
    if recorded or _fw.level >= 0:
        t = record(R, inputs, arrays, (x,), recorded, R.forward)
    else:
        t = _new(Tensor)
        t._data = R.forward(None, NP, *arrays)
        t._rg = False
        t._edge = NO_EDGE
        if x._rg:  # taken under no_grad
            base = x if x._base is None else x._base
            mark_nograd_view(t, base)
    base = x._base
    if base is None:
        t._base = base = x
        t._view_fn = fn
    else:
        t._base = base
        prev = x._view_fn
        t._view_fn = fn if prev is None else (lambda a: fn(prev(a)))
    if recorded:  # a view of a non-leaf: a later write into the base must re-derive it
        e = base._edge
        if e is not None and e[0] is not None and type(e[0]) is not AccumulateGrad:
            _register_view(base, t)
        if x._nograd:
            mark_nograd_view(t, base, 2)
    return t


# View functions: each works on an ndarray and on a Tensor.
def _vf_reshape(shape):
    return lambda a: a.reshape(shape)


def _vf_swap(d0, d1):
    if d0 == d1:
        return _identity
    return lambda a: a.swapaxes(d0, d1)


def _identity(a):
    return a


_SWAP_01 = _vf_swap(0, 1)  # a matrix's transpose, made once: t() is among the hottest views


def _vf_permute(dims):
    return lambda a: a.transpose(dims) if type(a) is ndarray else a.permute(dims)


def _vf_expand(shape):
    return lambda a: np.broadcast_to(a, shape) if type(a) is ndarray else a.expand(shape)


def _vf_slice(dim, start, stop):
    lead = (slice(None),) * dim
    return lambda a: a[lead + (slice(start, stop),)] if type(a) is ndarray \
        else a.narrow(dim, start, stop - start)


def _vf_select(dim, i):
    lead = (slice(None),) * dim
    return lambda a: a[lead + (i, Ellipsis)] if type(a) is ndarray \
        else a.narrow(dim, i, 1).squeeze(dim)


# ============================================================================ argument parsing
def _sizes(args: tuple[Any, ...], what: str = "size") -> tuple[int, ...]:
    """Sizes given as ints, or as one tuple/list/Size: a tuple of Python ints."""
    if len(args) == 1 and type(args[0]) is not _int:
        args = args[0]
        if not isinstance(args, (tuple, list)):
            args = (args,)
    for s in args:
        if type(s) is not _int:
            return _sizes_slow(args, what)
    return tuple(args)


def _sizes_slow(args: Sequence[Any], what: str) -> tuple[int, ...]:
    out = []
    for i, s in enumerate(args):
        if isinstance(s, bool) or isinstance(s, float) or (isinstance(s, Tensor) and s._data.dtype.kind not in "iu"):
            raise TypeError(f"{what} must be a tuple of ints, but found element of type "
                            f"{type(s).__name__ if not isinstance(s, Tensor) else 'Tensor (' + str(s.dtype) + ')'} "
                            f"at pos {i} (pass whole numbers, e.g. int(n))")
        try:
            out.append(operator.index(s))
        except TypeError:
            raise TypeError(f"{what} must be a tuple of ints, but found element of type "
                            f"{type(s).__name__} at pos {i}") from None
    return tuple(out)


def _dim_list(dims: Any, ndim: int) -> tuple[int, ...]:
    """An int or a sequence of ints: a tuple of normalized dims."""
    if isinstance(dims, (tuple, list)):
        return tuple(_norm_dim(operator.index(d), ndim) for d in dims)
    return (_norm_dim(operator.index(dims), ndim),)


def _infer(n: int, shape: tuple[int, ...]) -> tuple[int, ...]:
    """`shape` with its one -1 filled in so that it holds n elements; PyTorch's errors otherwise."""
    infer = -1
    known = 1
    for i, s in enumerate(shape):
        if s == -1:
            if infer >= 0:
                raise RuntimeError("only one dimension can be inferred")
            infer = i
        elif s < 0:
            raise RuntimeError(f"invalid shape dimension {s} at index {i} of shape {list(shape)}")
        else:
            known *= s
    if infer >= 0:
        if known == 0:
            if n == 0:
                raise RuntimeError(
                    f"cannot reshape tensor of 0 elements into shape {list(shape)} because the "
                    "unspecified dimension size -1 can be any value and is ambiguous")
        elif n % known == 0:
            return shape[:infer] + (n // known,) + shape[infer + 1:]
    elif known == n:
        return shape
    raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {n}")


def _viewable(a: ndarray, shape: tuple[int, ...]) -> bool:
    """Whether a (not C-contiguous) array can take `shape` without a copy: NumPy's own check."""
    try:
        np.reshape(a, shape, copy=False)
        return True
    except ValueError:
        return False


VIEW_MSG = ("view size is not compatible with input tensor's size and stride (at least one dimension "
            "spans across two contiguous subspaces). Use .reshape(...) instead.")


# ============================================================================ view and reshape
def _required(args: tuple, fn: str, name: str) -> None:
    """PyTorch's TypeError for a sizes argument left out altogether (x.reshape()): an explicit empty
    tuple is a size, nothing at all is not."""
    if not args:
        raise TypeError(f"{fn}() missing 1 required positional arguments: \"{name}\"")


def view(self: Tensor, *shape: _SizeOrDtype, size: _SizeLike | None = None,
         dtype: DType | None = None) -> Tensor:
    """view(*shape) -> Tensor, or view(dtype) -> Tensor

    The same elements in another shape, sharing this tensor's storage (writes to either show in
    both). One size may be -1: it is worked out from the number of elements. The strides must
    allow the new shape without a copy, else RuntimeError (reshape copies when it must). Given a
    dtype instead of sizes, the same bytes are reinterpreted as that dtype (not differentiable)."""
    if size is not None:
        shape = (size,)
    if not shape and dtype is None:
        raise TypeError("view() received an invalid combination of arguments - got (), but expected one of: "
                        "(torch.dtype dtype) or (tuple of ints size)")
    if dtype is not None or (len(shape) == 1 and isinstance(shape[0], DType)):
        return _view_dtype(self, dtype if dtype is not None else shape[0])
    a = self._data
    shape = _infer(a.size, _sizes(shape, "view(): argument 'size'"))
    if not a.flags.c_contiguous and not _viewable(a, shape):
        raise RuntimeError(VIEW_MSG)
    return _viewed(ViewBackward0, self, _vf_reshape(shape), (self, shape), (a, shape))


def _view_dtype(self, dtype):
    """view(dtype): the same bytes read as another dtype (not differentiable)."""
    a = self._data
    if dtype.np == a.dtype:
        return _view(self, apply_one(ViewBackward0, self, a.shape), _vf_reshape(a.shape))
    if self._rg:
        raise RuntimeError("view(dtype) of a tensor that requires grad is not differentiable here "
                           "(use .detach().view(dtype))")
    try:
        out = a.view(dtype.np)
    except ValueError:
        raise RuntimeError(f"self.stride(-1) must be 1 and the last dimension's size must be divisible "
                           f"to view {self.dtype} as {dtype} (make it contiguous first)") from None
    return _view(self, _plain_out(out), lambda b: b.view(dtype.np) if type(b) is ndarray else b.view(dtype))


def _reshape_to(x: Tensor, shape: tuple[int, ...]) -> Tensor:
    """reshape to a resolved shape: a view when the strides allow, else a copy (clone, then an
    unsafe view of the clone, as PyTorch records it)."""
    a = x._data
    if a.flags.c_contiguous or _viewable(a, shape):
        return _viewed(ViewBackward0, x, _vf_reshape(shape), (x, shape), (a, shape))
    return apply_one(UnsafeViewBackward0, apply_one(CloneBackward0, x), shape)


def reshape(input: Tensor, *shape: _SizeLike, **kwargs: _SizeLike) -> Tensor:
    """reshape(input, shape) -> Tensor (method: x.reshape(*shape))

    The elements of input, in C order, arranged in `shape` (ints, or one tuple; one entry may be
    -1, inferred from the element count). A view when input's strides allow it, else a copy;
    code should not rely on either."""
    if "shape" in kwargs:
        shape = (kwargs.pop("shape"),)
    if kwargs:
        raise TypeError(f"reshape() got an unexpected keyword argument '{next(iter(kwargs))}'")
    _required(shape, "reshape", "shape")
    return _reshape_to(input, _infer(input._data.size, _sizes(shape, "reshape(): argument 'shape'")))


def view_as(self: Tensor, other: Tensor) -> Tensor:
    """view_as(other) -> Tensor

    self.view(other.shape): a view of this tensor in the shape of `other`."""
    try:
        shape = other.shape
    except AttributeError:
        raise not_a_tensor("view_as", "other", other) from None
    return view(self, shape)


def reshape_as(self: Tensor, other: Tensor) -> Tensor:
    """reshape_as(other) -> Tensor

    self.reshape(other.shape): this tensor's elements in the shape of `other` (a view if possible)."""
    try:
        shape = other.shape
    except AttributeError:
        raise not_a_tensor("reshape_as", "other", other) from None
    return _reshape_to(self, _infer(self._data.size, tuple(shape)))


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """flatten(input, start_dim=0, end_dim=-1) -> Tensor

    Merges the dims from start_dim to end_dim (both included) into one. A 0-d input gives a
    1-element 1-d tensor. A view when the strides allow, like reshape."""
    a = input._data
    nd = a.ndim
    if nd == 0:
        return _reshape_to(input, (1,))
    if start_dim == 0 and end_dim == -1 and nd > 1:  # the common flatten(): everything
        return _reshape_to(input, (a.size,))
    s, e = _norm_dim(start_dim, nd), _norm_dim(end_dim, nd)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return input
    n = 1
    for k in a.shape[s:e + 1]:
        n *= k
    return _reshape_to(input, a.shape[:s] + (n,) + a.shape[e + 1:])


def unflatten(input: Tensor, dim: int, sizes: Sequence[int]) -> Tensor:
    """unflatten(input, dim, sizes) -> Tensor

    Splits dim `dim` into several dims of the given sizes, whose product must equal its length
    (one size may be -1, inferred). The inverse of flatten."""
    a = input._data
    d = _norm_dim(dim, a.ndim)
    sizes = _sizes((sizes,), "unflatten(): argument 'sizes'")
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    n = a.shape[d]
    if sizes.count(-1) > 1:
        raise RuntimeError("unflatten: only one dimension can be inferred (-1 appears more than once)")
    try:
        resolved = _infer(n, sizes)
    except RuntimeError:
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of "
                           f"dim {dim} ({n}) in the input tensor") from None
    return _reshape_to(input, a.shape[:d] + resolved + a.shape[d + 1:])


def ravel(input: Tensor) -> Tensor:
    """ravel(input) -> Tensor

    The elements of input as a 1-d tensor in C order: a view when input is contiguous, else a
    contiguous copy."""
    c = input.contiguous()
    shape = (c._data.size,)
    return _view(c, apply_one(ViewBackward0, c, shape), _vf_reshape(shape))


# ============================================================================ squeeze / unsqueeze
def squeeze(input: Tensor, dim: int | tuple[int, ...] | list[int] | None = _args.OMITTED) -> Tensor:
    """squeeze(input, dim=None) -> Tensor

    A view of input without its dims of size 1: all of them when dim is None, else only those
    among `dim` (an int or a tuple of ints) whose size is 1; other dims named are left alone."""
    a = input._data
    if dim is _args.OMITTED:
        dim = None
    elif dim is None:
        raise _args.none_refused("squeeze", "dim", "int or tuple of ints",
                                 "leave dim out to remove every dim of size 1")
    if dim is None:
        out = apply_one(SqueezeBackward0, input, None)
    else:
        nd = a.ndim
        R: type[SqueezeBackward1] | type[SqueezeBackward2]
        if isinstance(dim, (tuple, list)):
            R = SqueezeBackward2
            dims = _dim_list(dim, nd)
            if len(set(dims)) != len(dims):
                d = next(d for d in dims if dims.count(d) > 1)
                raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
        else:
            R = SqueezeBackward1
            dims = (_norm_dim(dim, nd),)
        dims = tuple(d for d in dims if nd and a.shape[d] == 1)
        out = apply_one(R, input, dims)
    return _view(input, out, _vf_reshape(out._data.shape))


def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """unsqueeze(input, dim) -> Tensor

    A view of input with a new dim of size 1 inserted at position `dim` (from -input.dim()-1 to
    input.dim())."""
    a = input._data
    nd = a.ndim
    d = _norm_dim(dim, nd + 1) if not 0 <= dim <= nd else dim
    shape = a.shape
    fn = _vf_reshape(shape[:d] + (1,) + shape[d:])
    return _viewed(UnsqueezeBackward0, input, fn, (input, d), (a, d))


# ============================================================================ transposes and permutations
def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """transpose(input, dim0, dim1) -> Tensor (aliases: swapaxes, swapdims)

    A view of input with dims dim0 and dim1 exchanged."""
    a = input._data
    nd = a.ndim
    d0, d1 = _norm_dim(dim0, nd), _norm_dim(dim1, nd)
    fn = _SWAP_01 if d0 + d1 == 1 and d0 != d1 else _vf_swap(d0, d1)
    return _viewed(TransposeBackward0, input, fn, (input, d0, d1), (a, d0, d1))


def t(input: Tensor) -> Tensor:
    """t(input) -> Tensor

    The transpose of a matrix, as a view; 0-d and 1-d inputs come back as they are. Inputs with
    more than 2 dims are refused (use transpose or .mT)."""
    a = input._data
    nd = a.ndim
    if nd > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {nd}D "
                           "(use .transpose(dim0, dim1) or .mT for batches of matrices)")
    return _viewed(TBackward0, input, _SWAP_01 if nd == 2 else _identity, (input,), (a,))


def permute(input: Tensor, *dims: _SizeLike, **kwargs: _SizeLike) -> Tensor:
    """permute(input, dims) -> Tensor (method: x.permute(*dims))

    A view of input with its dims reordered: dim i of the result is dim dims[i] of input. `dims`
    must name every dim exactly once."""
    if "dims" in kwargs:
        dims = (kwargs.pop("dims"),)
    if kwargs:
        raise TypeError(f"permute() got an unexpected keyword argument '{next(iter(kwargs))}'")
    if not dims:
        raise TypeError('permute() missing 1 required positional arguments: "dims"')
    order = _sizes(dims, "permute(): argument 'dims'")
    nd = input._data.ndim
    if len(order) != nd:
        raise RuntimeError(
            "permute(): number of dimensions in the tensor input does not match the length of the "
            f"desired ordering of dimensions i.e. input.dim() = {nd} is not equal to len(dims) = {len(order)}")
    order = tuple(d if 0 <= d < nd else _norm_dim(d, nd) for d in order)
    if len(set(order)) != nd:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return _permute(input, order)


def _permute(input: Tensor, dims: tuple[int, ...]) -> Tensor:
    return _viewed(PermuteBackward0, input, _vf_permute(dims), (input, dims), (input._data, dims))


def movedim(input: Tensor, source: int | Sequence[int],
            destination: int | Sequence[int]) -> Tensor:
    """movedim(input, source, destination) -> Tensor (alias: moveaxis)

    A view of input with dim(s) `source` moved to position(s) `destination`; the other dims keep
    their relative order."""
    nd = input._data.ndim
    src = source if isinstance(source, (tuple, list)) else (source,)
    dst = destination if isinstance(destination, (tuple, list)) else (destination,)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(src)} dims) "
                           f"should contain the same number of dims as destination ({list(dst)} dims)")
    s = tuple(_norm_dim(operator.index(d), nd) for d in src)
    d = tuple(_norm_dim(operator.index(k), nd) for k in dst)
    for name, given, normed in (("source", src, s), ("destination", dst, d)):
        if len(set(normed)) != len(normed):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({list(given)})")
    placed = [-1] * nd
    for a, b in zip(s, d):
        placed[b] = a
    rest = iter(i for i in range(nd) if i not in s)
    return _permute(input, tuple(o if o >= 0 else next(rest) for o in placed))


def _T(self: Tensor) -> Tensor:
    """T -> Tensor

    This tensor with its dims in reverse order (a view); for a matrix, its transpose. PyTorch
    deprecates it for tensors that are not 2-d (and warns): use .mT or permute."""
    nd = self._data.ndim
    if nd != 2:
        if nd == 0:
            warnings.warn("Tensor.T is deprecated on 0-D tensors. This function is the identity in "
                          "these cases.", UserWarning, stacklevel=2)
        else:
            warnings.warn("The use of `x.T` on tensors of dimension other than 2 to reverse their shape "
                          "is deprecated and it will throw an error in a future release. Consider `x.mT` "
                          "to transpose batches of matrices or `x.permute(*torch.arange(x.ndim - 1, -1, -1))` "
                          "to reverse the dimensions of a tensor.", UserWarning, stacklevel=2)
    return _permute(self, tuple(range(nd - 1, -1, -1)))


_MATRIX_TRANSPOSE_DOCS = {
    "mT": """mT -> Tensor

    A view with the last two dims exchanged: each matrix of a batch transposed.""",
    "mH": """mH -> Tensor

    Each matrix of a batch conjugate-transposed: the last two dims exchanged and, for a complex
    tensor, each element conjugated (for real tensors, the same as mT). PyTorch gives a lazily
    conjugated view; torchless conjugates at once, so a complex result is a new tensor.""",
}

# PyTorch's warnings for the matrix transposes of a 0-d tensor (the tensor itself, or its conjugate)
_ZERO_D_WARNINGS = {
    "mT": "Tensor.mT is deprecated on 0-D tensors. This function is the identity in these cases.",
    "mH": "Tensor.mH is deprecated on 0-D tensors. Consider using x.conj().",
    "H": "Tensor.H is deprecated on 0-D tensors. Consider using x.conj().",
    "adjoint": "adjoint() is deprecated on 0-D tensors. Consider using x.conj().",
}


def _last_two_exchanged(self: Tensor, name: str, conjugate: bool) -> Tensor:
    """mT, mH and adjoint(): the last two dims exchanged (conjugated too for mH and adjoint)."""
    nd = self._data.ndim
    if nd == 0:  # PyTorch: deprecated; the tensor itself (or its conjugate)
        warnings.warn(_ZERO_D_WARNINGS[name], UserWarning, stacklevel=3)
        return self.conj() if conjugate else self  # conj() of a real tensor is the tensor itself
    if nd < 2:
        what = "adjoint()" if name == "adjoint" else name
        raise RuntimeError(f"tensor.{what} is only supported on matrices or batches of matrices. "
                           f"Got {nd}-D tensor.")
    out = transpose(self, -2, -1)
    return out.conj() if conjugate else out


def _matrix_transpose(name: str) -> property:
    """The property `name` ("mT" or "mH"): the last two dims exchanged (and conjugated for mH)."""
    conjugate = name == "mH"

    def prop(self: Tensor) -> Tensor:
        return _last_two_exchanged(self, name, conjugate)
    prop.__name__ = name
    prop.__doc__ = _MATRIX_TRANSPOSE_DOCS[name]
    return property(prop)


def adjoint(input: Tensor) -> Tensor:
    """adjoint(input) -> Tensor

    Each matrix of a batch conjugate-transposed, as `input.mH`: the last two dims exchanged and,
    for a complex tensor, each element conjugated (for real tensors, `transpose(-2, -1)`). A
    tensor of fewer than 2 dims is refused (a 0-d one comes back conjugated, with PyTorch's
    deprecation warning). PyTorch gives a lazily conjugated view; torchless conjugates at once."""
    return _last_two_exchanged(input, "adjoint", True)


def _H(self: Tensor) -> Tensor:
    """H -> Tensor

    The conjugate transpose of a matrix (for real tensors, the transpose); a 0-d tensor comes
    back conjugated, with PyTorch's deprecation warning."""
    nd = self._data.ndim
    if nd == 0:
        warnings.warn(_ZERO_D_WARNINGS["H"], UserWarning, stacklevel=2)
        return self.conj()
    if nd != 2:
        raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got {nd}-D tensor."
                           + (" For batches of matrices, consider using tensor.mH" if nd > 2 else ""))
    return transpose(self, 0, 1).conj()


# ============================================================================ complex parts
def _no_position_map(a: Any) -> Any:
    raise RuntimeError("torchless cannot record an in-place write into the real or imaginary part of a "
                       "tensor that is part of a graph (a view of half of each element); write into a "
                       "clone instead.")


def _complex_part(R: Any, self: Tensor) -> Tensor:
    """The real or imaginary part (rule R) of a complex tensor, as a view: it shares self's memory
    and version counter, so writes made outside a graph show through, as in PyTorch. Its elements
    are halves of self's, which torchless's view machinery (positions of whole elements) cannot
    map: an in-place write into it that must be recorded raises instead of recording a wrong
    gradient, and it is not re-derived when self is later written in place."""
    out = apply_one(R, self)
    base = self._base
    out._base = self if base is None else base
    out._view_fn = _no_position_map
    return out


def _real(self: Tensor) -> Tensor:
    """real -> Tensor

    The real part of each element of a complex tensor, as a view that shares its memory (writing
    into it changes the tensor); a real tensor is its own real part (the tensor itself). Setting
    `x.real = value` copies value into the real parts."""
    if self._data.dtype.kind != "c":
        return self
    return _complex_part(RealBackward0, self)


def _imag(self: Tensor) -> Tensor:
    """imag -> Tensor

    The imaginary part of each element of a complex tensor, as a view that shares its memory
    (writing into it changes the tensor). A tensor that is not complex has none: RuntimeError.
    Setting `x.imag = value` copies value into the imaginary parts."""
    if self._data.dtype.kind != "c":
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return _complex_part(ImagBackward0, self)


def real(input: Tensor) -> Tensor:
    """real(input) -> Tensor

    The real part of each element of a complex tensor, as a view that shares its memory; a real
    tensor is its own real part (input itself). The same as `input.real`."""
    return _real(input)


def imag(input: Tensor) -> Tensor:
    """imag(input) -> Tensor

    The imaginary part of each element of a complex tensor, as a view that shares its memory; a
    tensor that is not complex has none (RuntimeError). The same as `input.imag`."""
    return _imag(input)


def _assign(part: Tensor, value: Any) -> None:
    """`x.real = value` / `x.imag = value`: a tensor (broadcast) or a number, copied into the part."""
    if isinstance(value, Tensor):
        part.copy_(value)
    elif isinstance(value, (int, float)):  # bool is an int
        part.fill_(value)
    else:
        raise TypeError(f"can't assign a {type(value).__name__} to a {part.type()}")


def _set_real(self: Tensor, value: Any) -> None:
    _assign(_real(self), value)


def _set_imag(self: Tensor, value: Any) -> None:
    _assign(_imag(self), value)


swapaxes = swapdims = transpose
moveaxis = movedim


# ============================================================================ expand and repeat
def expand(self: Tensor, *sizes: _SizeLike, size: _SizeLike | None = None) -> Tensor:
    """expand(*sizes) -> Tensor

    A view of this tensor broadcast to `sizes`, without copying: dims of size 1 may grow (their
    one element repeated), new leading dims may be added, and -1 keeps a dim's size. Several
    elements of the result share one memory location, so write into a clone instead."""
    if size is not None:
        sizes = (size,)
    _required(sizes, "expand", "size")
    target = _sizes(sizes, "expand(): argument 'size'")
    if target != self._data.shape:
        target = _expanded_shape(self, target)
    out = apply_one(ExpandBackward0, self, target)
    n = 1
    for s in target:
        n *= s
    return _view(self, out, _vf_reshape(target) if n == self._data.size else _vf_expand(target))


def _expanded_shape(x: Tensor, sizes: tuple[int, ...]) -> tuple[int, ...]:
    shape = x._data.shape
    nd, n = len(shape), len(sizes)
    if n < nd:
        raise RuntimeError(
            f"expand({x.type()}{{{list(shape)}}}, size={list(sizes)}): the number of sizes provided "
            f"({n}) must be greater or equal to the number of dimensions in the tensor ({nd})")
    lead = n - nd
    out = []
    for i, s in enumerate(sizes):
        if i < lead:
            if s < 0:
                raise RuntimeError(f"The expanded size of the tensor ({s}) isn't allowed in a leading, "
                                   f"non-existing dimension {i}")
        else:
            cur = shape[i - lead]
            if s == -1:
                s = cur
            elif s != cur and (cur != 1 or s < 0):
                raise RuntimeError(
                    f"The expanded size of the tensor ({s}) must match the existing size ({cur}) at "
                    f"non-singleton dimension {i}.  Target sizes: {list(sizes)}.  Tensor sizes: {list(shape)}")
        out.append(s)
    return tuple(out)


def expand_as(self: Tensor, other: Tensor) -> Tensor:
    """expand_as(other) -> Tensor

    self.expand(other.shape)."""
    try:
        shape = other.shape
    except AttributeError:
        raise not_a_tensor("expand_as", "other", other) from None
    return expand(self, shape)


def broadcast_to(input: Tensor, size: Sequence[int]) -> Tensor:
    """broadcast_to(input, shape) -> Tensor

    input broadcast to `shape`, as a view (the same as input.expand(shape))."""
    return expand(input, size)


def _shape_like(s: Any) -> bool:
    """An argument of broadcast_shapes: an int or a tuple/list/Size; PyTorch's RuntimeError otherwise."""
    if isinstance(s, (_int, tuple, list)):
        return True
    if isinstance(s, str):
        raise TypeError(f"broadcast_shapes(): a shape is an int or a sequence of ints, not str ({s!r})")
    raise RuntimeError(f"Input shapes should be of type ints, a tuple of ints, or a list of ints, got {s}")


def broadcast_shapes(*shapes: int | Sequence[int]) -> Size:
    """broadcast_shapes(*shapes) -> Size

    The shape that tensors of the given shapes broadcast to, without making any tensor.
    RuntimeError when they do not broadcast."""
    given = [(s,) if isinstance(s, _int) else tuple(s) for s in shapes
             if s is not None and _shape_like(s)]  # (None: no dims, as PyTorch's)
    try:
        return Size(np.broadcast_shapes(*given))
    except ValueError:
        n = max(len(s) for s in given)
        result = [1] * n
        for k, s in enumerate(given):
            for i, v in enumerate(s):
                j = n - len(s) + i
                if v != 1 and result[j] != 1 and v != result[j]:
                    raise RuntimeError(
                        f"Attempting to broadcast a dimension of length {v} at {i - len(s)}! Mismatching "
                        f"argument at index {k} had {tuple(s)}; but expected shape should be "
                        f"broadcastable to {result}") from None
                if v != 1:
                    result[j] = v
        raise


def broadcast_tensors(*tensors: Tensor) -> tuple[Tensor, ...]:
    """broadcast_tensors(*tensors) -> tuple of Tensors

    The tensors, each expanded (as a view) to their common broadcast shape."""
    first: Any = tensors[0] if len(tensors) == 1 else None
    given: tuple[Tensor, ...] = tuple(first) if isinstance(first, (tuple, list)) else tensors
    shape: tuple[int, ...] = ()
    for t in given:
        other = t._data.shape
        try:
            shape = np.broadcast_shapes(shape, other)
        except ValueError:
            raise _broadcast_error(np.empty(shape), t._data, ValueError("broadcast")) from None
    return tuple(expand(t, shape) for t in given)


def repeat(self: Tensor, *sizes: _SizeLike) -> Tensor:
    """repeat(*repeats) -> Tensor

    A copy of this tensor tiled repeats[i] times along dim i. There must be at least as many
    repeats as dims; extra leading repeats add new leading dims."""
    _required(sizes, "repeat", "repeats")
    reps = _sizes(sizes, "repeat(): argument 'repeats'")
    shape = self._data.shape
    if len(reps) < len(shape):
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of "
                           "dimensions of tensor")
    padded = (1,) * (len(reps) - len(shape)) + shape
    target = [r * s for r, s in zip(reps, padded)]
    for v in target:
        if v < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {v}: {target}")
    return apply_one(RepeatBackward0, self, reps)


def tile(input: Tensor, *dims: _SizeLike) -> Tensor:
    """tile(input, dims) -> Tensor

    Like repeat, but `dims` may be shorter than input.dim(): it is then padded with leading ones."""
    _required(dims, "tile", "dims")
    reps = _sizes(dims, "tile(): argument 'dims'")
    nd = input._data.ndim
    if len(reps) < nd:
        reps = (1,) * (nd - len(reps)) + reps
    return repeat(input, reps)


# ============================================================================ joining
def _tensor_list(tensors: Any, fname: str) -> tuple[Tensor, ...]:
    if isinstance(tensors, Tensor) or not isinstance(tensors, (tuple, list)):
        raise TypeError(f"{fname}(): argument 'tensors' (position 1) must be tuple of Tensors, "
                        f"not {type(tensors).__name__}")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}")
    return tuple(tensors)


def _joined_dtype(tensors):
    """The promoted NumPy dtype of the inputs, or None when they all share one."""
    dt = tensors[0]._data.dtype
    mixed = False
    for t in tensors:
        if t._data.dtype is not dt:
            mixed = True
            dt = _promote_np(dt, t._data.dtype)
    return dt if mixed else None


def _join(R, tensors, *consts):
    """Apply a joining rule: forward(node, xp, *consts, *arrays), one edge per tensor."""
    return record(R, consts + tensors, consts + tuple([t._data for t in tensors]), tensors, None, R.forward)


def cat(tensors: Sequence[Tensor], dim: int = 0, *, out: Tensor | None = None) -> Tensor:
    """cat(tensors, dim=0, *, out=None) -> Tensor (aliases: concat, concatenate)

    Joins the tensors end to end along the existing dim `dim`. They must have the same shape
    except in that dim (1-d empty tensors are skipped, as in PyTorch); mixed dtypes are promoted.
    The result is written into `out` when given."""
    tensors = _tensor_list(tensors, "cat")
    for t in tensors:
        if type(t) is not Tensor and has_torch_function(tensors):  # a tensor-like takes the call (vmap's)
            return handle_torch_function(cat, tensors, tensors, dim, out=out)
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    shape = tensors[0]._data.shape
    skip = ()
    if not shape or any(t._data.shape != shape for t in tensors):
        shape, skip = _check_cat_shapes(tensors, dim)
    dim = _norm_dim(dim, len(shape))
    if skip or any(t._data.shape != shape for t in tensors):
        _check_cat_sizes(tensors, shape, dim)
    return _into("cat", out, _join(CatBackward0, tensors, dim, _joined_dtype(tensors), skip), tensors)


def _check_cat_shapes(tensors, dim):
    """The reference shape of a cat, and the positions of legacy empty tensors it skips."""
    ref = None
    for i, t in enumerate(tensors):
        if t._data.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
        if ref is None and t._data.shape != (0,):
            ref = t._data.shape
    if ref is None or len(ref) == 1:
        return ref or (0,), ()
    return ref, tuple(i for i, t in enumerate(tensors) if t._data.shape == (0,))


def _check_cat_sizes(tensors, shape, dim):
    nd = len(shape)
    for i, t in enumerate(tensors):
        s = t._data.shape
        if s == (0,) and nd > 1:
            continue  # PyTorch's legacy empty tensor: skipped
        if len(s) != nd:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {nd} and {len(s)}")
        for d in range(nd):
            if d != dim and s[d] != shape[d]:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {dim}. Expected size {shape[d]} "
                    f"but got size {s[d]} for tensor number {i} in the list.")


def concatenate(tensors: Sequence[Tensor], axis: int = 0, out: Tensor | None = None, *,
                dim: int | None = None) -> Tensor:
    """concatenate(tensors, axis=0, out=None) -> Tensor

    torch.cat under NumPy's name: joins the tensors along dim `axis` (or `dim`)."""
    return cat(tensors, axis if dim is None else dim, out=out)


def concat(tensors: Sequence[Tensor], dim: int = 0, *, out: Tensor | None = None) -> Tensor:
    """concat(tensors, dim=0, *, out=None) -> Tensor

    Another name for torch.cat: joins the tensors along dim `dim`."""
    return cat(tensors, dim, out=out)


def stack(tensors: Sequence[Tensor], dim: int = 0, *, out: Tensor | None = None) -> Tensor:
    """stack(tensors, dim=0, *, out=None) -> Tensor

    Joins tensors of one shape along a new dim inserted at `dim`: the result's index i along it
    is tensors[i]. Mixed dtypes are promoted; the result goes into `out` when given."""
    tensors = _tensor_list(tensors, "stack")
    for t in tensors:
        if type(t) is not Tensor and has_torch_function(tensors):  # a tensor-like takes the call (vmap's)
            return handle_torch_function(stack, tensors, tensors, dim, out=out)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    shape = tensors[0]._data.shape
    for i, t in enumerate(tensors):
        if t._data.shape != shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(shape)} at "
                               f"entry 0 and {list(t._data.shape)} at entry {i}")
    dim = _norm_dim(dim, len(shape) + 1)
    return _into("stack", out, _join(StackBackward0, tensors, dim, _joined_dtype(tensors)), tensors)


def _into(fname: str, out: Tensor | None, result: Tensor, tensors: Sequence[Tensor]) -> Tensor:
    """The result of cat or stack, or, given `out=`, the result written into it (_inplace.write_out)."""
    if out is None:
        return result
    return write_out(fname, result, out, tensors)


def atleast_1d(*tensors: Tensor | Sequence[Tensor]) -> Tensor | tuple[Tensor, ...]:
    """atleast_1d(*tensors) -> Tensor or tuple of Tensors

    Each tensor with at least 1 dim, unit dims added where it has fewer (a 0-d tensor becomes
    shape (1,)); tensors with enough dims come back as they are. One tensor in, one out; several
    (or one sequence) in, a tuple out."""
    return _atleast(tensors, 1)


def atleast_2d(*tensors: Tensor | Sequence[Tensor]) -> Tensor | tuple[Tensor, ...]:
    """atleast_2d(*tensors) -> Tensor or tuple of Tensors

    Each tensor with at least 2 dims, unit dims added where it has fewer (0-d becomes (1, 1),
    (k,) becomes (1, k)); tensors with enough dims come back as they are. One tensor in, one
    out; several (or one sequence) in, a tuple out."""
    return _atleast(tensors, 2)


def atleast_3d(*tensors: Tensor | Sequence[Tensor]) -> Tensor | tuple[Tensor, ...]:
    """atleast_3d(*tensors) -> Tensor or tuple of Tensors

    Each tensor with at least 3 dims, unit dims added where it has fewer (0-d becomes (1, 1, 1),
    (k,) becomes (1, k, 1), (a, b) becomes (a, b, 1)); tensors with enough dims come back as
    they are. One tensor in, one out; several (or one sequence) in, a tuple out."""
    return _atleast(tensors, 3)


def _atleast(tensors: tuple[Any, ...], n: int) -> Tensor | tuple[Tensor, ...]:
    """atleast_<n>d: one tensor in, one out; several, or one sequence, in: a tuple out."""
    if len(tensors) == 1 and isinstance(tensors[0], Tensor):
        return _lift_dims(tensors[0], n)
    if len(tensors) == 1 and not isinstance(tensors[0], (list, tuple)):
        raise not_a_tensor(f"atleast_{n}d", "tensors", tensors[0])
    return _lifted(tuple(tensors[0]) if len(tensors) == 1 else tensors, n)


def _lifted(tensors: tuple[Tensor, ...], n: int) -> tuple[Tensor, ...]:
    """Each tensor with at least n dims (a tuple, even of one tensor: what the stacks join)."""
    return tuple(_lift_dims(t, n) for t in tensors)


def _stacked_list(tensors: Any, fname: str) -> tuple[Tensor, ...]:
    """The tensors that hstack, vstack, dstack or column_stack join: a non-empty tuple."""
    given = _tensor_list(tensors, fname)
    if not given:
        raise RuntimeError(f"{fname} expects a non-empty TensorList")
    return given


def _lift_dims(t: Tensor, n: int) -> Tensor:
    nd = t._data.ndim
    if nd >= n:
        return t
    if nd == 0:
        return _reshape_to(t, (1,) * n)
    if n == 2 or nd == 2:  # (k,) -> (1, k); (a, b) -> (a, b, 1)
        t = unsqueeze(t, 0 if nd == 1 else -1)
        return t
    return unsqueeze(unsqueeze(t, 0), -1)  # (k,) -> (1, k, 1)


def hstack(tensors: Sequence[Tensor], *, out: Tensor | None = None) -> Tensor:
    """hstack(tensors, *, out=None) -> Tensor

    Joins the tensors column-wise: along dim 1, or along dim 0 when they are 1-d (0-d tensors
    count as 1-d)."""
    lifted = _lifted(_stacked_list(tensors, "hstack"), 1)
    return cat(lifted, 0 if lifted[0]._data.ndim == 1 else 1, out=out)


def vstack(tensors: Sequence[Tensor], *, out: Tensor | None = None) -> Tensor:
    """vstack(tensors, *, out=None) -> Tensor (alias: row_stack)

    Joins the tensors row-wise, along dim 0, after making each at least 2-d (a 1-d tensor of
    length k becomes one row of shape (1, k))."""
    return cat(_lifted(_stacked_list(tensors, "vstack"), 2), 0, out=out)


row_stack = vstack


def dstack(tensors: Sequence[Tensor], *, out: Tensor | None = None) -> Tensor:
    """dstack(tensors, *, out=None) -> Tensor

    Joins the tensors depth-wise, along dim 2, after making each at least 3-d (see atleast_3d)."""
    return cat(_lifted(_stacked_list(tensors, "dstack"), 3), 2, out=out)


def column_stack(tensors: Sequence[Tensor], *, out: Tensor | None = None) -> Tensor:
    """column_stack(tensors, *, out=None) -> Tensor

    Joins the tensors as columns: 0-d and 1-d tensors become columns of shape (n, 1), then all
    are joined along dim 1 (hstack)."""
    cols = tuple(_reshape_to(t, (t._data.size, 1)) if t._data.ndim <= 1 else t
                 for t in _stacked_list(tensors, "column_stack"))
    return hstack(cols, out=out)


# ============================================================================ splitting
def _mark_pieces(x, pieces, dim, sizes):
    start = 0
    for p, s in zip(pieces, sizes):
        _view(x, p, _vf_slice(dim, start, start + s))
        start += s
    return pieces


def split(tensor: Tensor, split_size_or_sections: int | Sequence[int],
          dim: int = 0) -> tuple[Tensor, ...]:
    """split(tensor, split_size_or_sections, dim=0) -> tuple of Tensors

    Cuts the tensor along `dim` into views: pieces of split_size_or_sections elements each when it
    is an int (the last piece shorter if the length does not divide), or pieces of the listed
    sizes when it is a list (they must add up to the length)."""
    a = tensor._data
    if a.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = _norm_dim(dim, a.ndim)
    n = a.shape[d]
    sections: Any = split_size_or_sections
    if isinstance(sections, (tuple, list)):
        sizes = _sizes((sections,), "split_with_sizes(): argument 'split_sizes'")
        if any(s < 0 for s in sizes):
            raise RuntimeError("split_with_sizes expects split_sizes have only non-negative entries, "
                               f"but got split_sizes={list(sizes)}")
        if sum(sizes) != n:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input "
                               f"tensor's size at dimension {d}), but got split_sizes={list(sizes)}")
        R = SplitWithSizesBackward0
    else:
        size = operator.index(sections)
        if size < 0:
            raise RuntimeError(f"split expects split_size be non-negative, but got split_size={size}")
        if size == 0 and n != 0:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}")
        if n == 0:
            sizes = (0,)
        else:
            full, rest = divmod(n, size)
            sizes = (size,) * full + ((rest,) if rest else ())
        R = SplitBackward0
    return _mark_pieces(tensor, apply_one(R, tensor, d, sizes), d, sizes)


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """chunk(input, chunks, dim=0) -> tuple of Tensors

    Cuts input along `dim` into at most `chunks` views of ceil(length / chunks) elements each (the
    last one shorter; fewer pieces when the length runs out first)."""
    a = input._data
    if a.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    chunks = operator.index(chunks)
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = _norm_dim(dim, a.ndim)
    n = a.shape[d]
    if n == 0:  # every chunk is empty
        sizes = (0,) * chunks
        return _mark_pieces(input, apply_one(SplitWithSizesBackward0, input, d, sizes), d, sizes)
    return split(input, -(-n // chunks), d)


def unbind(input: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    """unbind(input, dim=0) -> tuple of Tensors

    The slices of input along `dim`, each a view without that dim: input.select(dim, i) for
    every i."""
    a = input._data
    if a.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    d = _norm_dim(dim, a.ndim)
    pieces = apply_one(UnbindBackward0, input, d)
    for i, p in enumerate(pieces):
        _view(input, p, _vf_select(d, i))
    return pieces


def narrow(input: Tensor, dim: int, start: int, length: int) -> Tensor:
    """narrow(input, dim, start, length) -> Tensor

    A view of input keeping, along `dim`, the `length` elements from `start` on (start may be
    negative, counted from the end)."""
    a = input._data
    if a.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = _norm_dim(dim, a.ndim)
    size = a.shape[d]
    if isinstance(start, Tensor) and (start._data.ndim != 0 or start._data.dtype.kind not in "iu"):
        raise RuntimeError("start must be an 0-dim integral Tensor.")
    start, length = operator.index(start), operator.index(length)
    if not -size <= start <= size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], but got {start})")
    if start < 0:
        start += size
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    stop = start + length
    return _view(input, apply_one(SliceBackward0, input, d, start, stop), _vf_slice(d, start, stop))


# ============================================================================ flip and roll (copies)
def flip(input: Tensor, *dims: _SizeLike, **kwargs: _SizeLike) -> Tensor:
    """flip(input, dims) -> Tensor (method: x.flip(*dims))

    A copy of input with the order of its elements reversed along each dim in `dims`."""
    if "dims" in kwargs:
        dims = (kwargs.pop("dims"),)
    if kwargs:
        raise TypeError(f"flip() got an unexpected keyword argument '{next(iter(kwargs))}'")
    _required(dims, "flip", "dims")
    nd = input._data.ndim
    dims = _sizes(dims, "flip(): argument 'dims'")
    dims = tuple(_norm_dim(d, nd) for d in dims)
    if len(set(dims)) != len(dims):
        d = next(d for d in dims if dims.count(d) > 1)
        raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    return apply_one(FlipBackward0, input, dims if nd else ())


def fliplr(input: Tensor) -> Tensor:
    """fliplr(input) -> Tensor

    A copy of input (at least 2-d) with its columns (dim 1) in reverse order."""
    if input._data.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, 1)


def flipud(input: Tensor) -> Tensor:
    """flipud(input) -> Tensor

    A copy of input (at least 1-d) with its rows (dim 0) in reverse order."""
    if input._data.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, 0)


def roll(input: Tensor, shifts: int | Sequence[int],
         dims: int | Sequence[int] | None = None) -> Tensor:
    """roll(input, shifts, dims=None) -> Tensor

    A copy of input with its elements shifted cyclically: by shifts[i] places along dims[i]
    (elements pushed off one end come back at the other). Without dims, the flattened tensor is
    rolled and the shape restored."""
    nd = input._data.ndim
    shifts = _sizes((shifts,), "roll(): argument 'shifts'")
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:0")
        return apply_one(RollBackward0, input, shifts[0], None)
    dims = dims if isinstance(dims, (tuple, list)) else (dims,)
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    if nd == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    dims = tuple(_norm_dim(operator.index(d), nd) for d in dims)
    return apply_one(RollBackward0, input, shifts, dims)


# ============================================================================ the Tensor methods
def _view_in_place(out_of_place: Any, name: str, signature: str) -> Any:
    """The in-place form of a view op (unsqueeze_ from unsqueeze): this tensor takes the view's shape
    and strides over the same memory (a view of a base stays one), and its version moves on, as
    PyTorch's does. A tensor that requires grad, with grad mode on, is refused: PyTorch records the
    change on the tensor itself, which torchless's views cannot (x = x.unsqueeze(0) records it)."""
    def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        if _check_inplace(self):   # (a leaf that requires grad gets PyTorch's leaf error here)
            raise RuntimeError(f"{name}_(): torchless cannot change the shape of a tensor that requires grad in "
                               f"place; write x = x.{name}(...) instead, or do it under torch.no_grad()")
        self._data = out_of_place(self, *args, **kwargs)._data
        _bump_version(self)
        return self
    method.__name__ = name + "_"
    method.__qualname__ = "Tensor." + name + "_"
    method.__doc__ = (f"{signature} -> Tensor\n\nIn-place version of {name}(): this tensor takes the new shape "
                      "(over the same memory) and is returned.")
    return method


class ShapeMethods:
    """The shape family of Tensor methods: views, reshapes, transposes, expansion, repetition,
    splitting and flips. Each is the torch function of the same name above, with the tensor as
    `self` (mixed into torch.Tensor by _tensor/__init__.py)."""

    __slots__ = ()

    # view and reshape
    view = view
    view_as = view_as
    reshape = reshape
    reshape_as = reshape_as
    flatten = flatten
    unflatten = unflatten
    ravel = ravel
    # squeeze / unsqueeze
    squeeze = squeeze
    unsqueeze = unsqueeze
    squeeze_ = _view_in_place(squeeze, "squeeze", "squeeze_(dim=None)")
    unsqueeze_ = _view_in_place(unsqueeze, "unsqueeze", "unsqueeze_(dim)")
    # transposes and permutations
    transpose = transpose
    swapaxes = transpose
    swapdims = transpose
    t = t
    transpose_ = _view_in_place(transpose, "transpose", "transpose_(dim0, dim1)")
    swapaxes_ = _view_in_place(transpose, "swapaxes", "swapaxes_(axis0, axis1)")
    swapdims_ = _view_in_place(transpose, "swapdims", "swapdims_(dim0, dim1)")
    t_ = _view_in_place(t, "t", "t_()")
    permute = permute
    movedim = movedim
    moveaxis = movedim
    T = property(_T)
    mT = _matrix_transpose("mT")
    mH = _matrix_transpose("mH")
    H = property(_H)
    adjoint = adjoint
    # complex parts
    real = property(_real, _set_real)
    imag = property(_imag, _set_imag)
    # expand and repeat
    expand = expand
    expand_as = expand_as
    broadcast_to = broadcast_to
    repeat = repeat
    tile = tile
    # splitting
    split = split
    chunk = chunk
    unbind = unbind
    narrow = narrow
    # flip and roll
    flip = flip
    fliplr = fliplr
    flipud = flipud
    roll = roll
