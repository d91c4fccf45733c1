"""Linear algebra as Tensor methods and torch functions (rules: ops/linalg.py).

Shapes and dtypes are checked here, in PyTorch's words, before any NumPy call: no promotion between
the operands (matmul of float32 and float64 is an error in PyTorch), shape errors name both shapes.
"""
from __future__ import annotations

import math
import sys
import types
from typing import TYPE_CHECKING, Any, Optional, Sequence, Tuple, Union

import numpy as np

from ._core import _plain, apply, apply_pair
if TYPE_CHECKING:  # annotations name the final class, assembled in _tensor/__init__.py from the mixins
    from . import Tensor
else:  # at run time: _core's name, rebound to the final class by bind_tensor_class
    from ._core import Tensor
from ._reduction import Dims, scalar_type_name as _title, vector_norm
from ..ops.linalg import (BmmBackward0, CloneBackward0, DotBackward0, MmBackward0, MvBackward0,
                         SqueezeBackward4, UnsafeViewBackward0, VdotBackward0)

__all__ = ["dot", "vdot", "matmul", "mm", "mv", "bmm", "outer", "ger", "inner", "linalg"]

# PyTorch's C++ type names, used in its "same dtype" errors
_C_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half", "bfloat16": "c10::BFloat16",
            "int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
            "uint8": "unsigned char", "bool": "bool", "complex64": "c10::complex<float>",
            "complex128": "c10::complex<double>"}


def _c_name(t: Tensor) -> str:
    """The C++ name of a tensor's element type ('float', 'long int' ...)."""
    return _C_NAMES.get(t.dtype.name, t.dtype.name)


def _need_tensor(x: Any, fname: str, arg: str, pos: int) -> None:
    """PyTorch's TypeError for an argument that is not a tensor."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{fname}(): argument '{arg}' (position {pos}) must be Tensor, not "
                        f"{type(x).__name__}")


def _shape_x(shape: Sequence[int]) -> str:
    """2x3: a shape as PyTorch's matmul errors write it."""
    return "x".join(str(s) for s in shape)


def _check_kind(a: np.ndarray, fname: str) -> None:
    """NumPy multiplies bool matrices; PyTorch's CPU kernels don't."""
    if a.dtype.kind == "b":
        raise NotImplementedError(f"\"{fname}\" not implemented for 'Bool' (convert first, e.g. x.int())")


def _for_dtype(R: Any, a: np.ndarray) -> Any:
    """Rule R, or for complex operands its complex rule (ops/_rule.py: the conjugating twin of a
    holomorphic rule). Only the checked paths call it: the fast paths take real floats alone."""
    return R.complex_rule() if a.dtype.kind == "c" else R


def _mm_checks(input: Any, mat2: Tensor) -> None:
    """mm's dtype and shape checks, in PyTorch's words."""
    a, b = input._data, mat2._data
    if a.dtype != b.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {_c_name(input)} != "
                           f"{_c_name(mat2)} (convert one, e.g. b.to(a.dtype))")
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({_shape_x(a.shape)} and "
                           f"{_shape_x(b.shape)})")
    _check_kind(a, "addmm_impl_cpu_")


def _mv_checks(input: Tensor, vec: Tensor, mat_shape: Tuple[int, ...]) -> None:
    """mv's checks, on the (n, k) shape matmul folds the matrix (or batch) to."""
    a, v = input._data, vec._data
    if a.dtype != v.dtype:
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got {_title(vec)}, "
                           f"{_title(input)}, and {_title(vec)} (convert one, e.g. v.to(m.dtype))")
    if mat_shape[1] != v.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({mat_shape[0]}), mat ({_shape_x(mat_shape)}), "
                           f"vec ({v.shape[0]})")
    _check_kind(a, "addmv_impl_cpu")


def _batch_checks(input: Any, other: Tensor, batch1: Tuple[int, ...], batch2: Tuple[int, ...]) -> None:
    """bmm's checks, on the (batch, n, k) and (batch, k, m) shapes matmul folds to."""
    if input._data.dtype != other._data.dtype:
        raise RuntimeError(f"expected scalar type {_title(input)} but found {_title(other)} "
                           "(convert one, e.g. b.to(a.dtype))")
    if batch2[0] != batch1[0] or batch2[1] != batch1[2]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{batch1[0]}, {batch1[2]}] but got: [{batch2[0]}, {batch2[1]}].")
    _check_kind(input._data, "bmm")


_prod = math.prod


# ============================================================================ the functions
def dot(input: Tensor, other: Tensor) -> Tensor:
    """dot(input, other) -> Tensor

    The inner product sum(input * other) of two 1-D tensors with the same size and dtype (no
    broadcasting, no promotion).
    """
    _need_tensor(input, "dot", "input", 1)
    _need_tensor(other, "dot", "tensor", 2)
    a, b = input._data, other._data
    if a.ndim == 1 and a.shape == b.shape and a.dtype is b.dtype and a.dtype.kind == "f":
        return apply_pair(DotBackward0, input, other, a, b)  # checked: the common case, recorded directly
    _check_vectors(input, other, "dot")
    return apply(_for_dtype(DotBackward0, a), input, other)


def _check_vectors(input: Tensor, other: Tensor, fname: str) -> None:
    """dot's and vdot's checks, in PyTorch's words: two 1-D tensors, one size, one dtype, not bool."""
    a, b = input._data, other._data
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    if a.shape[0] != b.shape[0]:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{a.shape[0]}] and src "
                           f"[{b.shape[0]}] to have the same number of elements, but got "
                           f"{a.shape[0]} and {b.shape[0]} elements respectively")
    if a.dtype != b.dtype:
        raise RuntimeError(f"{fname} : expected both vectors to have same dtype, but found "
                           f"{_title(input)} and {_title(other)}")
    _check_kind(a, fname)


def vdot(input: Tensor, other: Tensor) -> Tensor:
    """vdot(input, other) -> Tensor

    The inner product of two 1-D tensors with the first one conjugated: sum(conj(input) * other)
    (for real tensors the same value as dot). Same size and dtype, as for dot.
    """
    _need_tensor(input, "vdot", "input", 1)
    _need_tensor(other, "vdot", "other", 2)
    _check_vectors(input, other, "vdot")
    return apply(VdotBackward0, input, other)


def mm(input: Tensor, mat2: Tensor) -> Tensor:
    """mm(input, mat2) -> Tensor

    The matrix product of an (n, k) and a (k, m) tensor of the same dtype: an (n, m) tensor. No
    broadcasting (torch.matmul broadcasts).
    """
    _need_tensor(input, "mm", "input", 1)
    _need_tensor(mat2, "mm", "mat2", 2)
    if input._data.ndim != 2:
        raise RuntimeError(f"self must be a matrix (got a {input._data.ndim}-D tensor; torch.matmul "
                           "handles other ranks)")
    if mat2._data.ndim != 2:
        raise RuntimeError(f"mat2 must be a matrix (got a {mat2._data.ndim}-D tensor; torch.matmul "
                           "handles other ranks)")
    _mm_checks(input, mat2)
    return apply(_for_dtype(MmBackward0, input._data), input, mat2)


def mv(input: Tensor, vec: Tensor) -> Tensor:
    """mv(input, vec) -> Tensor

    The product of an (n, k) matrix and a length-k vector of the same dtype: a length-n vector.
    """
    _need_tensor(input, "mv", "input", 1)
    _need_tensor(vec, "mv", "vec", 2)
    if input._data.ndim != 2 or vec._data.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {input._data.ndim}, "
                           f"{vec._data.ndim}")
    _mv_checks(input, vec, input._data.shape)
    return apply(_for_dtype(MvBackward0, input._data), input, vec)


def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    """bmm(input, mat2) -> Tensor

    Batched matrix product: (b, n, k) times (b, k, m) gives (b, n, m), one mm per batch entry.
    Both must be 3-D with the same batch size and dtype (no broadcasting).
    """
    _need_tensor(input, "bmm", "input", 1)
    _need_tensor(mat2, "bmm", "mat2", 2)
    if input._data.ndim != 3:
        raise RuntimeError(f"batch1 must be a 3D tensor (got {input._data.ndim}-D)")
    if mat2._data.ndim != 3:
        raise RuntimeError(f"batch2 must be a 3D tensor (got {mat2._data.ndim}-D)")
    _batch_checks(input, mat2, input._data.shape, mat2._data.shape)
    return apply(_for_dtype(BmmBackward0, input._data), input, mat2)


def matmul(input: Tensor, other: Tensor) -> Tensor:
    """matmul(input, other) -> Tensor

    The matrix product for operands of any rank (also `input @ other`): 1-D @ 1-D is a dot
    product; a 1-D operand is taken as a row vector (on the left) or a column vector (on the
    right) whose dim is dropped from the result; the dims before the last two are batch dims,
    broadcast against each other. Both operands must have the same dtype.
    """
    if type(input) is Tensor and type(other) is Tensor:
        a, b = input._data, other._data
        if (len(a.shape) == 2 and len(b.shape) == 2 and a.shape[1] == b.shape[0] and a.dtype is b.dtype
                and a.dtype.kind == "f"):  # matrix @ matrix of one real float dtype: nothing to check
            return apply_pair(MmBackward0, input, other, a, b)
    else:
        _need_tensor(input, "matmul", "input", 1)
        _need_tensor(other, "matmul", "other", 2)
        a, b = input._data, other._data
    na, nb = a.ndim, b.ndim
    if na == 2 and nb == 2:  # the common case first
        _mm_checks(input, other)
        return apply(_for_dtype(MmBackward0, a), input, other)
    if na == 0 or nb == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {na}D "
                           f"and {nb}D")
    if na == 1 and nb == 1:
        return dot(input, other)
    if nb == 1:  # matrix (or batch of them) @ vector
        _mv_checks(input, other, (_prod(a.shape[:-1]), a.shape[-1]))
        return apply(_for_dtype(MvBackward0 if na == 2 else UnsafeViewBackward0, a), input, other)
    if na == 1:  # vector @ matrix (or batch of them)
        if nb == 2:
            _mm_checks(_Shaped(input, (1, a.shape[0])), other)
            return apply(_for_dtype(SqueezeBackward4, a), input, other)
        nbatch = _prod(b.shape[:-2])
        _batch_checks(input, other, (nbatch, 1, a.shape[0]), (nbatch,) + b.shape[-2:])
        return apply(_for_dtype(UnsafeViewBackward0, a), input, other)
    if nb == 2:  # batch of matrices @ matrix: folded to one mm
        _mm_checks(_Shaped(input, (_prod(a.shape[:-1]), a.shape[-1])), other)
        return apply(_for_dtype(UnsafeViewBackward0, a), input, other)
    # both have a batch (or a is a matrix): broadcast the batch dims, then a bmm
    try:
        batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        raise RuntimeError(_batch_mismatch(a.shape[:-2], b.shape[:-2])) from None
    nbatch = _prod(batch)
    _batch_checks(input, other, (nbatch,) + a.shape[-2:], (nbatch,) + b.shape[-2:])
    # PyTorch folds matrix @ batch into a transposed mm and copies (CloneBackward0) when the matrix
    # needs a gradient; a 3-D batch of one counts as a matrix there
    lhs_matrix = na == 2 or (na == 3 and a.shape[0] == 1 and not (nb == 3 and b.shape[0] == 1))
    rule = CloneBackward0 if lhs_matrix and input._rg else UnsafeViewBackward0
    return apply(_for_dtype(rule, a), input, other)


class _Shaped:
    """A tensor seen with another shape, for checks that speak of the folded shapes."""

    __slots__ = ("_data", "dtype")

    def __init__(self, t: Tensor, shape: Tuple[int, ...]) -> None:
        self._data = np.broadcast_to(np.zeros((), t._data.dtype), shape)
        self.dtype = t.dtype


def _batch_mismatch(sa: Tuple[int, ...], sb: Tuple[int, ...]) -> str:
    """PyTorch's message for batch dims that do not broadcast."""
    n = max(len(sa), len(sb))
    pa = (1,) * (n - len(sa)) + tuple(sa)
    pb = (1,) * (n - len(sb)) + tuple(sb)
    for i in range(n - 1, -1, -1):
        if pa[i] != pb[i] and pa[i] != 1 and pb[i] != 1:
            return (f"The size of tensor a ({pa[i]}) must match the size of tensor b ({pb[i]}) at "
                    f"non-singleton dimension {i}")
    return f"batch dims {list(sa)} and {list(sb)} do not broadcast"


def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """outer(input, vec2) -> Tensor

    The outer product of two 1-D tensors: out[i, j] = input[i] * vec2[j]. The dtypes promote as
    in multiplication.
    """
    _need_tensor(input, "outer", "input", 1)
    _need_tensor(vec2, "outer", "vec2", 2)
    if input._data.ndim != 1:
        raise RuntimeError(f"outer: Expected 1-D argument self, but got {input._data.ndim}-D")
    if vec2._data.ndim != 1:
        raise RuntimeError(f"outer: Expected 1-D argument vec2, but got {vec2._data.ndim}-D")
    return input.reshape(input._data.shape[0], 1) * vec2


def ger(input: Tensor, vec2: Tensor) -> Tensor:
    """ger(input, vec2) -> Tensor

    The outer product of two 1-D tensors; an older name of torch.outer.
    """
    return outer(input, vec2)


def inner(input: Tensor, other: Tensor) -> Tensor:
    """inner(input, other) -> Tensor

    Sums of products over the last dim of both operands; the result has shape
    input.shape[:-1] + other.shape[:-1]. A 0-d operand multiplies the other elementwise.
    """
    _need_tensor(input, "inner", "input", 1)
    _need_tensor(other, "inner", "other", 2)
    a, b = input._data, other._data
    if a.ndim == 0 or b.ndim == 0:
        return input * other
    if a.shape[-1] != b.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but got "
                           f"shapes {list(a.shape)} and {list(b.shape)}")
    if a.ndim == 1 and b.ndim == 1:
        return dot(input, other)
    k = a.shape[-1]
    flat = input.reshape(-1, k).matmul(other.reshape(-1, k).t())
    return flat.reshape(a.shape[:-1] + b.shape[:-1])


# ============================================================================ Tensor methods
def __matmul__(self: Tensor, other: Any) -> Tensor:
    """self @ other: the matrix product (torch.matmul); a NumPy array operand is taken as a
    tensor, anything else is left to the other operand."""
    if not isinstance(other, Tensor):
        if not isinstance(other, np.ndarray):
            return NotImplemented
        other = _plain(other)
    a, b = self._data, other._data
    if (len(a.shape) == 2 and len(b.shape) == 2 and a.shape[1] == b.shape[0] and a.dtype is b.dtype
            and a.dtype.kind == "f"):  # matrix @ matrix of one real float dtype: nothing to check
        return apply_pair(MmBackward0, self, other, a, b)
    return matmul(self, other)


def __rmatmul__(self: Tensor, other: Any) -> Tensor:
    """array @ self, for a NumPy array on the left: the matrix product (torch.matmul)."""
    if isinstance(other, np.ndarray):
        return matmul(_plain(other), self)
    if isinstance(other, Tensor):  # called directly: x.__rmatmul__(y)
        return matmul(other, self)
    return NotImplemented


class LinalgMethods:
    """Tensor methods for products of vectors and matrices (matmul and `@`, mm, dot ...). Each is
    the torch function of the same name above, `self` as its first operand."""

    __slots__ = ()

    # the class body names the module's functions: `dot = dot` binds the function defined above
    dot = dot
    vdot = vdot
    matmul = matmul
    __matmul__ = __matmul__
    __rmatmul__ = __rmatmul__
    mm = mm
    mv = mv
    bmm = bmm
    outer = outer
    ger = ger
    inner = inner


# ============================================================================ torch.linalg
def _linalg_norm(input: Tensor, ord: Union[float, str, None] = None, dim: Dims = None,
                 keepdim: bool = False, *, dtype: Any = None, out: Optional[Tensor] = None) -> Tensor:
    """linalg.norm(input, ord=None, dim=None, keepdim=False, *, dtype=None) -> Tensor

    A vector norm of `input` (as torch.linalg.vector_norm), or the Frobenius norm of a matrix for
    ord=None or 'fro'. Other matrix norms are not supported.
    """
    if ord is None or ord == "fro":
        return vector_norm(input, 2, dim, keepdim, dtype=dtype, out=out)
    if isinstance(ord, str) or (input._data.ndim == 2 and dim is None) or \
            (isinstance(dim, (tuple, list)) and len(dim) == 2):
        raise RuntimeError(f"linalg.norm: matrix norms (ord={ord!r}) are not supported here; use "
                           "torch.linalg.vector_norm for vector norms")
    return vector_norm(input, ord, dim, keepdim, dtype=dtype, out=out)


def _vecdot(x: Tensor, y: Tensor, *, dim: int = -1) -> Tensor:
    """linalg.vecdot(x, y, *, dim=-1) -> Tensor

    Dot products of the vectors along `dim` of x and y (broadcast against each other), x
    conjugated where complex: sum(conj(x) * y).
    """
    return ((x.conj() if x.is_complex() else x) * y).sum(dim)


linalg = types.ModuleType("torchless.linalg", "torch.linalg: the parts torchless has.")
linalg.__dict__.update(vector_norm=vector_norm, norm=_linalg_norm, matmul=matmul, vecdot=_vecdot)
sys.modules["torchless.linalg"] = linalg

