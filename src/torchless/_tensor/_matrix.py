"""einsum, tensordot, the fused products (addmm ...), cross and torch.linalg's decompositions and
solvers, as torch functions and Tensor methods (rules: ops/matrix.py).

Checks come first, in PyTorch's words; the functions that PyTorch composes from other ops
(matrix_power, matrix_norm, cond, multi_dot, lstsq, vander, tensorinv ...) are composed here too,
from recorded ops, so their gradients need no rule of their own.
"""
from __future__ import annotations

import builtins
import math
import operator
from typing import TYPE_CHECKING, Any, List, Optional, Sequence, Tuple, Union

import numpy as np

from .. import _dtype as D
from ._core import _plain, apply
from ..overrides import not_a_tensor
from .. import _args
from .._args import bool_arg
if TYPE_CHECKING:
    from . import Tensor
else:
    from ._core import Tensor
from ._inplace import inplace
from ._linalg import _need_tensor, linalg, matmul
from . import _reduction
from ._reduction import _return_type, return_types, scalar_type_name as _title, vector_norm
from ..ops import matrix as M

__all__ = ["einsum", "tensordot", "addmm", "addmv", "addr", "addbmm", "baddbmm", "cross", "det", "logdet",
           "slogdet", "inverse", "pinverse", "cholesky", "svd", "qr", "matrix_power", "matrix_exp", "chain_matmul",
           "cholesky_solve", "cholesky_inverse", "triangular_solve", "lu", "lu_unpack", "lu_solve",
           "geqrf", "ormqr", "orgqr"]

_abs = builtins.abs

for _name, _fields in (("linalg_slogdet", ("sign", "logabsdet")), ("slogdet", ("sign", "logabsdet")),
                       ("linalg_inv_ex", ("inverse", "info")), ("linalg_solve_ex", ("result", "info")),
                       ("linalg_cholesky_ex", ("L", "info")), ("linalg_qr", ("Q", "R")), ("qr", ("Q", "R")),
                       ("linalg_eigh", ("eigenvalues", "eigenvectors")),
                       ("linalg_eig", ("eigenvalues", "eigenvectors")), ("linalg_svd", ("U", "S", "Vh")),
                       ("svd", ("U", "S", "V")),
                       ("linalg_lstsq", ("solution", "residuals", "rank", "singular_values")),
                       ("triangular_solve", ("solution", "cloned_coefficient")),
                       ("linalg_lu_factor", ("LU", "pivots")), ("linalg_lu_factor_ex", ("LU", "pivots", "info")),
                       ("linalg_lu", ("P", "L", "U")), ("lu_unpack", ("P", "L", "U")), ("geqrf", ("a", "tau")),
                       ("linalg_ldl_factor", ("LD", "pivots")), ("linalg_ldl_factor_ex", ("LD", "pivots", "info"))):
    setattr(return_types, _name, _return_type(_name, _fields))
del _name, _fields


class LinAlgError(RuntimeError):
    """torch.linalg.LinAlgError: a linear-algebra function met a matrix it cannot handle (singular,
    not positive-definite ...). A RuntimeError, so `except RuntimeError` catches it too."""


LinAlgError.__module__ = "torch.linalg"


def _rule_for(R: Any, *arrays: np.ndarray) -> Any:
    for a in arrays:
        if a.dtype.kind == "c":
            return R.complex_rule()
    return R


# ============================================================================ einsum
def _parse_einsum(equation: str, shapes: List[Tuple[int, ...]]) -> str:
    """The equation with the ellipsis written out as letters and the output made explicit."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) > len(shapes):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the equation")
    if len(terms) < len(shapes):
        raise RuntimeError("einsum(): more operands were provided than specified in the equation")
    for i, ch in enumerate(eq):
        if not (ch.isalpha() and ch.isascii()) and ch not in ".,->":
            raise RuntimeError(f"einsum(): invalid subscript given at index {i} in the equation string, "
                               "subscripts must be in [a-zA-Z]")
    used = set(c for c in eq if c.isalpha())
    fresh = [c for c in M._LETTERS if c not in used]
    n_ell = 0
    parsed: List[Tuple[str, Optional[int]]] = []
    for i, (term, shape) in enumerate(zip(terms, shapes)):
        if term.count("...") > 1 or (term.replace("...", "").count(".")):
            raise RuntimeError("einsum(): found '.' for operand " f"{i} that is not part of any ellipsis")
        letters = term.replace("...", "")
        if "..." in term:
            if len(letters) > len(shape):
                raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(letters)}) is "
                                   f"more than the number of dimensions ({len(shape)}) for operand {i}")
            e = len(shape) - len(letters)
            n_ell = builtins.max(n_ell, e)
            parsed.append((term, e))
        else:
            if len(letters) != len(shape):
                raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(letters)}) does "
                                   f"not match the number of dimensions ({len(shape)}) for operand {i} and no "
                                   "ellipsis was given")
            parsed.append((term, None))
    ell = "".join(fresh[:n_ell])
    ins = [t.replace("...", ell[n_ell - e:] if e else "") if e is not None else t for t, e in parsed]
    sizes: dict = {}
    for i, (term, shape) in enumerate(zip(ins, shapes)):
        for c, s in zip(term, shape):
            prev = sizes.get(c)
            if prev is None or prev == 1:
                sizes[c] = s
            elif s != 1 and s != prev:
                raise RuntimeError(f"einsum(): subscript {c} has size {s} for operand {i} which does not "
                                   f"broadcast with previously seen size {prev}")
    if arrow:
        if rhs.count("...") > 1:
            raise RuntimeError("einsum(): found '.' for output that is not part of any ellipsis")
        out = rhs.replace("...", ell)
        seen = set()
        for c in rhs.replace("...", ""):
            if not c.isalpha():
                raise RuntimeError("einsum(): invalid subscript given in the output, subscripts must be in "
                                   "[a-zA-Z]")
            if c in seen:
                raise RuntimeError(f"einsum(): output subscript {c} appears more than once in the output")
            if c not in lhs:
                raise RuntimeError(f"einsum(): output subscript {c} does not appear in the equation for any "
                                   "input operand")
            seen.add(c)
    else:
        counts: dict = {}
        for t, _ in parsed:
            for c in t.replace("...", ""):
                counts[c] = counts.get(c, 0) + 1
        out = ell + "".join(sorted(c for c, k in counts.items() if k == 1))
    return ",".join(ins) + "->" + out


def einsum(*args: Any) -> Tensor:
    """einsum(equation, *operands) -> Tensor

    Sums of products of the operands' elements over the subscripts the equation names, Einstein
    style: "ij,jk->ik" is a matrix product, "ii->i" a diagonal, "bij->bji" a transpose. An
    ellipsis "..." stands for the dims not named (they broadcast); without "->" the output is the
    subscripts that appear once, in alphabetical order. Also einsum(op1, sublist1, op2, sublist2,
    ..., [out_sublist]) with lists of ints as subscripts.
    """
    if len(args) < 2:  # (PyTorch's ValueError: an equation alone, or an operand alone, is not a call)
        raise ValueError("einsum(): must specify the equation string and at least one operand, or at "
                         "least one operand and its subscripts list")
    if not isinstance(args[0], str):  # the sublist format
        ops_l, subs = list(args[0::2]), list(args[1::2])
        out_sub = None
        if len(args) % 2 == 1:
            out_sub = args[-1]
            ops_l = ops_l[:-1]

        def letters(sub: Sequence[Any]) -> str:
            return "".join("..." if s is Ellipsis else M._LETTERS[operator.index(s)] for s in sub)
        equation = ",".join(letters(s) for s in subs) + ("" if out_sub is None else "->" + letters(out_sub))
        operands: Sequence[Any] = ops_l
    else:
        equation = args[0]
        operands = args[1:]
        if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
            operands = operands[0]
    for i, o in enumerate(operands):
        if not isinstance(o, Tensor):
            raise TypeError(f"einsum(): argument 'operands' must be tuple of Tensors, but found element of "
                            f"type {type(o).__name__} at pos {i}")
    if not operands:
        raise ValueError("einsum(): must specify the equation string and at least one operand, or at "
                         "least one operand and its subscripts list")
    eq = _parse_einsum(equation, [tuple(o._data.shape) for o in operands])
    dt = operands[0]._data.dtype
    for o in operands[1:]:
        if o._data.dtype != dt:
            raise RuntimeError(f"expected scalar type {_title(operands[0])} but found {_title(o)} "
                               "(convert the operands to one dtype first)")
    return apply(_rule_for(M.EinsumBackward0, *[o._data for o in operands]), eq, *operands)


def tensordot(a: Tensor, b: Tensor, dims: Any = 2, out: Optional[Tensor] = None) -> Tensor:
    """tensordot(a, b, dims=2) -> Tensor

    Sums of products over the last `dims` dims of a and the first `dims` of b (an int), or over
    the dims listed in dims=([dims of a], [dims of b]).
    """
    _need_tensor(a, "tensordot", "a", 1)
    _need_tensor(b, "tensordot", "b", 2)
    na, nb = a._data.ndim, b._data.ndim
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > na or dims > nb:
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        da, db = list(range(na - dims, na)), list(range(dims))
    else:
        da, db = list(dims[0]), list(dims[1])
        if isinstance(dims[0], int):
            da, db = [dims[0]], [dims[1]]
        if len(da) != len(db):
            raise RuntimeError(f"both dimension lists should have same length, but got {len(da)} and {len(db)}")
    da = [d % na if na else d for d in da]
    db = [d % nb if nb else d for d in db]
    for x, y in zip(da, db):
        sa, sb = a._data.shape[x], b._data.shape[y]
        if sa != sb and sa != 1 and sb != 1:
            raise RuntimeError(f"contracted dimensions need to match, but first has size {sa} in dim {x} and "
                               f"second has size {sb} in dim {y}")
    letters = M._LETTERS
    la = [letters[i] for i in range(na)]
    lb = [letters[na + i] for i in range(nb)]
    for x, y in zip(da, db):
        lb[y] = la[x]
    out_l = [c for i, c in enumerate(la) if i not in da] + [c for i, c in enumerate(lb) if i not in db]
    res = einsum("".join(la) + "," + "".join(lb) + "->" + "".join(out_l), a, b)
    return res if out is None else out.copy_(res)


# ============================================================================ fused products
def _scalar(v: Any) -> Any:
    return v.item() if isinstance(v, Tensor) else v


def _add_product(R: Any, fname: str, input: Tensor, m1: Tensor, m2: Tensor, beta: Any, alpha: Any,
                 ranks: Tuple[int, int], out_shape: Tuple[int, ...]) -> Tensor:
    _need_tensor(input, fname, "input", 1)
    names = {(2, 2): ("mat1", "mat2"), (2, 1): ("mat", "vec"), (1, 1): ("vec1", "vec2"), (3, 3): ("batch1", "batch2")}
    _need_tensor(m1, fname, names[ranks][0], 2)
    _need_tensor(m2, fname, names[ranks][1], 3)
    a, b, c = m1._data, m2._data, input._data
    if a.dtype != b.dtype or c.dtype != a.dtype:
        bad = m2 if a.dtype != b.dtype else input
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {_title(m1)} != {_title(bad)}"
                           if fname in ("addmm",) else
                           f"expected scalar type {_title(m1)} but found {_title(bad)}")
    try:
        np.broadcast_shapes(c.shape, out_shape)
        if len(c.shape) > len(out_shape):
            raise ValueError
    except ValueError:
        raise RuntimeError(f"The expanded size of the tensor ({out_shape[-1] if out_shape else 0}) must match "
                           f"the existing size ({c.shape[-1] if c.shape else 0}) at non-singleton dimension "
                           f"{len(out_shape) - 1}.  Target sizes: {list(out_shape)}.  Tensor sizes: "
                           f"{list(c.shape)}") from None
    if a.dtype.kind == "b":
        raise RuntimeError(f"\"{fname}\" not implemented for 'Bool'")
    beta, alpha = _scalar(beta), _scalar(alpha)
    if a.dtype.kind in "iu":  # the scalars are truncated to integers (addr refuses floats instead)
        if fname == "addr" and (isinstance(beta, float) or isinstance(alpha, float)):
            raise RuntimeError("For integral input tensors, argument beta must not be a floating point number.")
        beta, alpha = int(beta), int(alpha)
    return apply(R, input, m1, m2, beta, alpha)


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta: Any = 1, alpha: Any = 1,
          out: Optional[Tensor] = None) -> Tensor:
    """addmm(input, mat1, mat2, *, beta=1, alpha=1) -> Tensor

    beta * input + alpha * (mat1 @ mat2), for an (n, m) mat1 and an (m, p) mat2; input broadcasts
    to (n, p). With beta=0 input is ignored (nan and inf in it too).
    """
    for t, name, pos in ((mat1, "mat1", 2), (mat2, "mat2", 3)):
        _need_tensor(t, "addmm", name, pos)
    if mat1._data.ndim != 2:
        raise RuntimeError(f"mat1 must be a matrix, got {mat1._data.ndim}-D tensor")
    if mat2._data.ndim != 2:
        raise RuntimeError(f"mat2 must be a matrix, got {mat2._data.ndim}-D tensor")
    (n, k), (k2, p) = mat1._data.shape, mat2._data.shape
    if k != k2:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({n}x{k} and {k2}x{p})")
    res = _add_product(M.AddmmBackward0, "addmm", input, mat1, mat2, beta, alpha, (2, 2), (n, p))
    return res if out is None else out.copy_(res)


def addmv(input: Tensor, mat: Tensor, vec: Tensor, *, beta: Any = 1, alpha: Any = 1,
          out: Optional[Tensor] = None) -> Tensor:
    """addmv(input, mat, vec, *, beta=1, alpha=1) -> Tensor

    beta * input + alpha * (mat @ vec), for an (n, m) mat and a length-m vec; input broadcasts to (n,).
    """
    _need_tensor(mat, "addmv", "mat", 2)
    _need_tensor(vec, "addmv", "vec", 3)
    if mat._data.ndim != 2 or vec._data.ndim != 1:
        rank = input._data.ndim if isinstance(input, Tensor) else 0
        raise RuntimeError(f"vector + matrix @ vector expected, got {rank}, "
                           f"{mat._data.ndim}, {vec._data.ndim}")
    n, m = mat._data.shape
    if vec._data.shape[0] != m:
        raise RuntimeError(f"size mismatch, got input ({n}), mat ({n}x{m}), vec ({vec._data.shape[0]})")
    res = _add_product(M.AddmvBackward0, "addmv", input, mat, vec, beta, alpha, (2, 1), (n,))
    return res if out is None else out.copy_(res)


def addr(input: Tensor, vec1: Tensor, vec2: Tensor, *, beta: Any = 1, alpha: Any = 1,
         out: Optional[Tensor] = None) -> Tensor:
    """addr(input, vec1, vec2, *, beta=1, alpha=1) -> Tensor

    beta * input + alpha * outer(vec1, vec2); input broadcasts to (len(vec1), len(vec2)).
    """
    _need_tensor(vec1, "addr", "vec1", 2)
    _need_tensor(vec2, "addr", "vec2", 3)
    if vec1._data.ndim != 1:
        raise RuntimeError(f"addr: Expected 1-D argument vec1, but got {vec1._data.ndim}-D")
    if vec2._data.ndim != 1:
        raise RuntimeError(f"addr: Expected 1-D argument vec2, but got {vec2._data.ndim}-D")
    if isinstance(input, Tensor) and input._data.dtype.kind == "b" and vec1._data.dtype.kind == "b":
        return (input if beta else input & False) | (vec1.reshape(-1, 1) & vec2) if alpha else input
    res = _add_product(M.AddrBackward0, "addr", input, vec1, vec2, beta, alpha, (1, 1),
                       (vec1._data.shape[0], vec2._data.shape[0]))
    return res if out is None else out.copy_(res)


def _batch_shapes(fname: str, b1: Tensor, b2: Tensor) -> Tuple[int, int, int, int]:
    _need_tensor(b1, fname, "batch1", 2)
    _need_tensor(b2, fname, "batch2", 3)
    if b1._data.ndim != 3:
        raise RuntimeError(f"batch1 must be a 3D tensor")
    if b2._data.ndim != 3:
        raise RuntimeError(f"batch2 must be a 3D tensor")
    (bs, n, k), (bs2, k2, p) = b1._data.shape, b2._data.shape
    if bs != bs2:
        raise RuntimeError(f"batch1 and batch2 must have same number of batches, got {bs} and {bs2}")
    if k != k2:
        raise RuntimeError(f"Incompatible matrix sizes for bmm ({n}x{k} and {k2}x{p})")
    return bs, n, k, p


def addbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta: Any = 1, alpha: Any = 1,
           out: Optional[Tensor] = None) -> Tensor:
    """addbmm(input, batch1, batch2, *, beta=1, alpha=1) -> Tensor

    beta * input + alpha * sum over b of batch1[b] @ batch2[b] (a (b, n, m) and a (b, m, p)
    batch); input broadcasts to (n, p).
    """
    _, n, _, p = _batch_shapes("addbmm", batch1, batch2)
    res = _add_product(M.AddbmmBackward0, "addbmm", input, batch1, batch2, beta, alpha, (3, 3), (n, p))
    return res if out is None else out.copy_(res)


def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta: Any = 1, alpha: Any = 1,
            out: Optional[Tensor] = None) -> Tensor:
    """baddbmm(input, batch1, batch2, *, beta=1, alpha=1) -> Tensor

    beta * input + alpha * (batch1 @ batch2), batch by batch; input broadcasts to (b, n, p).
    """
    bs, n, _, p = _batch_shapes("baddbmm", batch1, batch2)
    res = _add_product(M.BaddbmmBackward0, "baddbmm", input, batch1, batch2, beta, alpha, (3, 3), (bs, n, p))
    return res if out is None else out.copy_(res)


def _linalg_cross(input: Tensor, other: Tensor, *, dim: int = -1, out: Optional[Tensor] = None) -> Tensor:
    """linalg.cross(input, other, *, dim=-1) -> Tensor

    The cross product of the 3-vectors along `dim` of input and other (their other dims broadcast).
    """
    _need_tensor(input, "linalg_cross", "input", 1)
    _need_tensor(other, "linalg_cross", "other", 2)
    a, b = input._data, other._data
    if a.ndim != b.ndim:
        raise RuntimeError(f"linalg.cross: inputs must have the same number of dimensions.")
    nd = a.ndim
    if not -nd <= dim < nd:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-nd}, {nd - 1}], but got {dim})")
    if a.shape[dim] != 3 or b.shape[dim] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got {a.shape[dim]} and "
                           f"{b.shape[dim]}")
    try:
        np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise RuntimeError(f"linalg.cross: inputs must be broadcastable (got {list(a.shape)} and "
                           f"{list(b.shape)})") from None
    if a.dtype != b.dtype:
        input, other = _promoted(input, other)
    res = apply(M.LinalgCrossBackward0, input, other, dim % nd)
    return res if out is None else out.copy_(res)


def _promoted(a: Tensor, b: Tensor) -> Tuple[Tensor, Tensor]:
    dt = D.promote_types(a.dtype, b.dtype)
    return a.to(dt), b.to(dt)


def cross(input: Tensor, other: Tensor, dim: Optional[int] = None, *, out: Optional[Tensor] = None) -> Tensor:
    """cross(input, other, dim=None) -> Tensor

    The cross product of 3-vectors along `dim`; without dim, along the first dim of size 3
    (torch.linalg.cross's default is the last dim).
    """
    _need_tensor(input, "cross", "input", 1)
    _need_tensor(other, "cross", "other", 2)
    if dim is None:
        shape = np.broadcast_shapes(input._data.shape, other._data.shape) if input._data.ndim == other._data.ndim \
            else input._data.shape
        dim = next((i for i, s in enumerate(shape) if s == 3), None)
        if dim is None:
            raise RuntimeError(f"no dimension of size 3 in input")
    return _linalg_cross(input, other, dim=dim, out=out)


# ============================================================================ checks
def _check_matrix(A: Any, fname: str, square: bool = True, arg: str = "A") -> np.ndarray:
    if not isinstance(A, Tensor):
        raise TypeError(f"{fname}(): argument '{arg}' (position 1) must be Tensor, not {type(A).__name__}")
    a = A._data
    if a.ndim < 2:
        raise RuntimeError(f"{fname}: The input tensor {arg} must have at least 2 dimensions.")
    if a.dtype.kind not in "fc":
        raise RuntimeError(f"{fname}: Expected a floating point or complex tensor as input. Got {_title(A)}")
    if a.dtype == np.float16:
        raise RuntimeError(f"{fname}: Low precision dtypes not supported. Got Half")
    if square and a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"{fname}: {arg} must be batches of square matrices, but they are {a.shape[-2]} by "
                           f"{a.shape[-1]} matrices")
    return a


def _batch_prefix(a: np.ndarray, i: int) -> str:
    return f"(Batch element {i}): " if a.ndim > 2 else ""


def _first_zero_pivot(m: np.ndarray) -> int:
    """1-based index of the first zero pivot of m's LU factorization with partial pivoting (0: none)."""
    u = m.astype(np.complex128 if m.dtype.kind == "c" else np.float64, copy=True)
    n = u.shape[0]
    for k in range(n):
        p = k + int(np.argmax(np.abs(u[k:, k])))
        if u[p, k] == 0:
            return k + 1
        if p != k:
            u[[k, p]] = u[[p, k]]
        u[k + 1:, k:] -= np.outer(u[k + 1:, k] / u[k, k], u[k, k:])
    return 0


def _singular_info(a: np.ndarray) -> np.ndarray:
    flat = a.reshape((-1,) + a.shape[-2:])
    return np.array([_first_zero_pivot(m) for m in flat], dtype=np.int32).reshape(a.shape[:-2])


def _raise_singular(fname: str, a: np.ndarray) -> None:
    info = _singular_info(a).reshape(-1)
    for i, k in enumerate(info):
        if k:
            raise LinAlgError(f"{fname}: {_batch_prefix(a, i)}The diagonal element {k} is zero, the inversion "
                              "could not be completed because the input matrix is singular.")
    raise LinAlgError(f"{fname}: The input matrix is singular.")


def _pd_order(a: np.ndarray) -> np.ndarray:
    flat = a.reshape((-1,) + a.shape[-2:])
    out = []
    for m in flat:
        k = 0
        for j in range(1, m.shape[0] + 1):
            try:
                np.linalg.cholesky(m[:j, :j])
            except np.linalg.LinAlgError:
                k = j
                break
        out.append(k)
    return np.array(out, dtype=np.int32).reshape(a.shape[:-2])


# ============================================================================ inverse, det
def _inv_ex(A: Tensor, check_errors: bool, fname: str) -> Tuple[Tensor, Tensor]:
    a = _check_matrix(A, fname)
    try:
        res = apply(M.LinalgInvExBackward0, A)
        info = np.zeros(a.shape[:-2], np.int32)
    except np.linalg.LinAlgError:
        if check_errors:
            _raise_singular(fname, a)
        info = _singular_info(a)
        res = apply(M.LinalgInvExBackward0, A + _plain(_nan_where(a, info)))
    return res, _plain(info)


def _nan_where(a: np.ndarray, info: np.ndarray) -> np.ndarray:
    """An addend that makes the singular matrices of a batch nan (their results are undefined)."""
    return np.where((info != 0)[..., None, None], np.nan, 0).astype(a.dtype)


def _linalg_inv(A: Tensor, *, out: Optional[Tensor] = None) -> Tensor:
    """linalg.inv(A) -> Tensor

    The inverse of each square matrix of A (batches (..., n, n)); raises torch.linalg.LinAlgError
    for a singular one.
    """
    res = _inv_ex(A, True, "linalg.inv")[0]
    return res if out is None else out.copy_(res)


def _linalg_inv_ex(A: Tensor, *, check_errors: bool = False, out: Any = None) -> Any:
    """linalg.inv_ex(A, *, check_errors=False) -> (inverse, info)

    linalg.inv without the error: info is 0 where the matrix was inverted, else the index of the
    zero pivot (the inverse is then not meaningful).
    """
    return return_types.linalg_inv_ex(_inv_ex(A, check_errors, "linalg.inv_ex"))


def inverse(input: Tensor, *, out: Optional[Tensor] = None) -> Tensor:
    """inverse(input) -> Tensor

    The inverse of each square matrix (torch.linalg.inv).
    """
    res = _inv_ex(input, True, "linalg.inv")[0]
    return res if out is None else out.copy_(res)


def _linalg_det(A: Tensor, *, out: Optional[Tensor] = None) -> Tensor:
    """linalg.det(A) -> Tensor

    The determinant of each square matrix of A (batches (..., n, n) give (...)).
    """
    _check_matrix(A, "linalg.det")
    res = apply(M.LinalgDetBackward0, A)
    return res if out is None else out.copy_(res)


def det(input: Tensor) -> Tensor:
    """det(input) -> Tensor

    The determinant of each square matrix (torch.linalg.det).
    """
    return _linalg_det(input)


def _linalg_slogdet(A: Tensor, *, out: Any = None) -> Any:
    """linalg.slogdet(A) -> (sign, logabsdet)

    The sign (a unit complex number for complex A) and the log of the absolute value of the
    determinant, det = sign * exp(logabsdet), without the overflow of det itself.
    """
    _check_matrix(A, "linalg.slogdet")
    return return_types.linalg_slogdet(apply(M.LinalgSlogdetBackward0, A))


def slogdet(input: Tensor) -> Any:
    """slogdet(input) -> (sign, logabsdet)

    The sign and log-absolute-value of each determinant (torch.linalg.slogdet).
    """
    return return_types.slogdet(tuple(_linalg_slogdet(input)))


def logdet(input: Tensor) -> Tensor:
    """logdet(input) -> Tensor

    The log of each determinant: nan where a real determinant is negative, -inf where it is 0;
    complex for complex input.
    """
    _check_matrix(input, "logdet")
    sign, labs = apply(M.LinalgSlogdetBackward0, input)
    if input._data.dtype.kind == "c":
        return sign.log() + labs
    from ._core import where
    return where(_plain(sign._data < 0), _plain(np.array(np.nan, labs._data.dtype)), labs)


# ============================================================================ solve
def _solve_ex(A: Tensor, B: Tensor, left: bool, check_errors: bool, fname: str) -> Tuple[Tensor, Tensor]:
    a = _check_matrix(A, fname)
    if not isinstance(B, Tensor):
        raise TypeError(f"{fname}(): argument 'B' (position 2) must be Tensor, not {type(B).__name__}")
    b = B._data
    if b.dtype != a.dtype:
        raise RuntimeError(f"{fname}: Expected A and B to have the same dtype, but found A of type "
                           f"{_title(A)} and B of type {_title(B)} instead")
    vec = b.ndim == 1 or (b.ndim == a.ndim - 1 and b.shape == a.shape[:-1])
    if not left:
        A = A.mT
        a = A._data
        if not vec:
            B = B.mT
    bb = b[..., None] if vec else (B._data)
    n = a.shape[-1]
    if bb.shape[-2] != n:
        shape = (n, 1) if vec else bb.shape[-2:]
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({n}x{n} and {shape[0]}x{shape[1]})")
    try:
        np.broadcast_shapes(a.shape[:-2], bb.shape[:-2])
    except ValueError:
        raise RuntimeError(f"{fname}: Incompatible shapes of A and B: batch dims {list(a.shape[:-2])} and "
                           f"{list(bb.shape[:-2])} do not broadcast") from None
    info = np.zeros(np.broadcast_shapes(a.shape[:-2], bb.shape[:-2]), np.int32)
    try:
        res = apply(M.LinalgSolveExBackward0, A, B, vec)
    except np.linalg.LinAlgError:
        if check_errors:
            raise LinAlgError("torch.linalg.solve: The solver failed because the input matrix is singular.") \
                from None
        info = np.broadcast_to(_singular_info(a), info.shape).copy()
        res = apply(M.LinalgSolveExBackward0, A + _plain(_nan_where(a, _singular_info(a))), B, vec)
    if not left and not vec:
        res = res.mT
    return res, _plain(info)


def _linalg_solve(A: Tensor, B: Tensor, *, left: bool = True, out: Optional[Tensor] = None) -> Tensor:
    """linalg.solve(A, B, *, left=True) -> Tensor

    X with A X = B (left=False: X A = B), for square A (..., n, n) and B (..., n, k) or a batch
    of vectors (..., n); the batch dims broadcast. Raises torch.linalg.LinAlgError for singular A.
    """
    res = _solve_ex(A, B, left, True, "linalg.solve")[0]
    return res if out is None else out.copy_(res)


def _linalg_solve_ex(A: Tensor, B: Tensor, *, left: bool = True, check_errors: bool = False,
                     out: Any = None) -> Any:
    """linalg.solve_ex(A, B, *, left=True, check_errors=False) -> (result, info)

    linalg.solve without the error for singular A: info is nonzero there.
    """
    return return_types.linalg_solve_ex(_solve_ex(A, B, left, check_errors, "linalg.solve_ex"))


def _linalg_solve_triangular(A: Tensor, B: Tensor, *, upper: bool, left: bool = True,
                             unitriangular: bool = False, out: Optional[Tensor] = None) -> Tensor:
    """linalg.solve_triangular(A, B, *, upper, left=True, unitriangular=False) -> Tensor

    X with T X = B (left=False: X T = B), T the upper or lower triangle of A (with ones on the
    diagonal when unitriangular); A's other triangle is never read. Batch dims broadcast.
    """
    a = _check_matrix(A, "linalg.solve_triangular")
    if not isinstance(B, Tensor):
        raise TypeError(f"linalg.solve_triangular(): argument 'B' (position 2) must be Tensor, not "
                        f"{type(B).__name__}")
    b = B._data
    if b.ndim < 2:
        raise RuntimeError("linalg.solve_triangular: The input tensor B must have at least 2 dimensions.")
    if b.dtype != a.dtype:
        raise RuntimeError(f"linalg.solve_triangular: Expected A and B to have the same dtype, but found A of "
                           f"type {_title(A)} and B of type {_title(B)} instead")
    n = a.shape[-1]
    if (b.shape[-2] if left else b.shape[-1]) != n:
        raise RuntimeError(f"linalg.solve_triangular: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({n}x{n} and {b.shape[-2]}x{b.shape[-1]})")
    res = apply(M.LinalgSolveTriangularBackward0, A, B, bool(upper), bool(left), bool(unitriangular))
    return res if out is None else out.copy_(res)


# ============================================================================ cholesky
def _cholesky_ex(A: Tensor, upper: bool, check_errors: bool, fname: str) -> Tuple[Tensor, Tensor]:
    a = _check_matrix(A, fname)
    try:
        res = apply(M.LinalgCholeskyExBackward0, A, bool(upper))
        info = np.zeros(a.shape[:-2], np.int32)
    except np.linalg.LinAlgError:
        orders = _pd_order(a)
        if check_errors:
            flat = orders.reshape(-1)
            for i, k in enumerate(flat):
                if k:
                    raise LinAlgError(f"{fname}: {_batch_prefix(a, i)}The factorization could not be completed "
                                      f"because the input is not positive-definite (the leading minor of order "
                                      f"{k} is not positive-definite).") from None
        info = orders
        safe = np.where((orders != 0)[..., None, None], np.eye(a.shape[-1], dtype=a.dtype), a)
        res = apply(M.LinalgCholeskyExBackward0, A * _plain((orders == 0)[..., None, None].astype(a.dtype))
                    + _plain(safe * (orders != 0)[..., None, None]), bool(upper))
    return res, _plain(info)


def _linalg_cholesky(A: Tensor, *, upper: bool = False, out: Optional[Tensor] = None) -> Tensor:
    """linalg.cholesky(A, *, upper=False) -> Tensor

    The lower-triangular L with A = L Lᴴ for Hermitian positive-definite A (upper=True: the
    upper-triangular U = Lᴴ). Raises torch.linalg.LinAlgError where A is not positive-definite.
    """
    res = _cholesky_ex(A, upper, True, "linalg.cholesky")[0]
    return res if out is None else out.copy_(res)


def _linalg_cholesky_ex(A: Tensor, *, upper: bool = False, check_errors: bool = False, out: Any = None) -> Any:
    """linalg.cholesky_ex(A, *, upper=False, check_errors=False) -> (L, info)

    linalg.cholesky without the error: info is the order of the first leading minor that is not
    positive-definite (0 where the factorization succeeded).
    """
    return return_types.linalg_cholesky_ex(_cholesky_ex(A, upper, check_errors, "linalg.cholesky_ex"))


def cholesky(input: Tensor, upper: bool = False, *, out: Optional[Tensor] = None) -> Tensor:
    """cholesky(input, upper=False) -> Tensor

    The Cholesky factor (deprecated in PyTorch in favour of torch.linalg.cholesky).
    """
    if type(upper) is not bool:
        bool_arg(upper, "cholesky", "upper", 2)
    res = _cholesky_ex(input, upper, True, "linalg.cholesky")[0]
    return res if out is None else out.copy_(res)


def cholesky_solve(input: Tensor, input2: Tensor, upper: bool = False, *, out: Optional[Tensor] = None) -> Tensor:
    """cholesky_solve(input, input2, upper=False) -> Tensor

    X with A X = input, given A's Cholesky factor input2 = L (A = L Lᴴ; upper=True: A = Uᴴ U): two
    triangular solves. Batch dims broadcast.
    """
    _check_matrix(input, "cholesky_solve", square=False, arg="B")
    _check_matrix(input2, "cholesky_solve", arg="A")
    if input._data.dtype != input2._data.dtype:
        raise RuntimeError(f"Expected b and A to have the same dtype, but found b of type {_title(input)} and A of "
                           f"type {_title(input2)} instead.")
    try:
        np.broadcast_shapes(input._data.shape[:-2], input2._data.shape[:-2])
    except ValueError:
        raise RuntimeError(f"cholesky_solve: Incompatible batch shapes {list(input._data.shape[:-2])} and "
                           f"{list(input2._data.shape[:-2])}") from None
    if input._data.shape[-2] != input2._data.shape[-1]:
        raise RuntimeError(f"Incompatible matrix sizes for cholesky_solve: each A matrix is "
                           f"{input2._data.shape[-1]} by {input2._data.shape[-1]} but each b matrix is "
                           f"{input._data.shape[-2]} by {input._data.shape[-1]}")
    res = apply(M.CholeskySolveBackward0, input, input2, bool(upper))
    return res if out is None else out.copy_(res)


def cholesky_inverse(input: Tensor, upper: bool = False, *, out: Optional[Tensor] = None) -> Tensor:
    """cholesky_inverse(input, upper=False) -> Tensor

    A⁻¹ from A's Cholesky factor input = L (A = L Lᴴ; upper=True: A = Uᴴ U).
    """
    _check_matrix(input, "cholesky_inverse")
    if type(upper) is not bool:
        bool_arg(upper, "cholesky_inverse", "upper", 2)
    res = apply(M.CholeskyInverseBackward0, input, upper)
    return res if out is None else out.copy_(res)


def triangular_solve(b: Tensor, A: Tensor, upper: bool = True, transpose: bool = False,
                     unitriangular: bool = False, *, out: Any = None) -> Any:
    """triangular_solve(b, A, upper=True, transpose=False, unitriangular=False) -> (solution, cloned_coefficient)

    X with T X = b (transpose: Tᵀ X = b), T the upper or lower triangle of A (ones on the diagonal
    when unitriangular), and a copy of A (torch.linalg.solve_triangular is the newer form).
    """
    _check_matrix(b, "triangular_solve", square=False, arg="b")
    _check_matrix(A, "triangular_solve", arg="A")
    T = A.mT if transpose else A
    x = _linalg_solve_triangular(T, b, upper=bool(upper) != bool(transpose), unitriangular=unitriangular)
    return return_types.triangular_solve((x, A.clone()))


# ============================================================================ LU
def _lu_checks(A: Tensor, fname: str, pivot: bool) -> np.ndarray:
    a = _check_matrix(A, fname, square=False)
    if not pivot:
        raise RuntimeError(f"{fname}: LU without pivoting is not implemented on the CPU")
    return a


def _lu_factor_ex(A: Tensor, pivot: bool, check_errors: bool, fname: str) -> Tuple[Tensor, Tensor, Tensor]:
    a = _lu_checks(A, fname, pivot)
    lu, piv, info = apply(M.LinalgLuFactorExBackward0, A)
    if check_errors:
        for i, k in enumerate(info._data.reshape(-1)):
            if k:
                raise RuntimeError(f"torch.{fname}: {_batch_prefix(a, i)}U[{k},{k}] is zero and using it on lu_solve "
                                  "would result in a division by zero. If you still want to perform the "
                                  "factorization, consider calling linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)")
    return lu, piv, info


def _linalg_lu_factor(A: Tensor, *, pivot: bool = True, out: Any = None) -> Any:
    """linalg.lu_factor(A, *, pivot=True) -> (LU, pivots)

    The LU decomposition with partial pivoting, packed: A = P L U with L (unit lower-triangular,
    its ones not stored) and U in one matrix LU, and the row interchanges as LAPACK's 1-based
    pivots (int32). Raises where U has a zero on its diagonal (linalg.lu_factor_ex does not).
    """
    lu, piv, _ = _lu_factor_ex(A, pivot, True, "linalg.lu_factor")
    return return_types.linalg_lu_factor((lu, piv))


def _linalg_lu_factor_ex(A: Tensor, *, pivot: bool = True, check_errors: bool = False, out: Any = None) -> Any:
    """linalg.lu_factor_ex(A, *, pivot=True, check_errors=False) -> (LU, pivots, info)

    linalg.lu_factor without the error: info is the 1-based index of the first zero on U's
    diagonal (0 where there is none).
    """
    return return_types.linalg_lu_factor_ex(_lu_factor_ex(A, pivot, check_errors, "linalg.lu_factor_ex"))


def _linalg_lu(A: Tensor, *, pivot: bool = True, out: Any = None) -> Any:
    """linalg.lu(A, *, pivot=True) -> (P, L, U)

    The LU decomposition with partial pivoting, A = P L U: P a permutation matrix, L (m, k) unit
    lower-triangular, U (k, n) upper-triangular, k = min(m, n).
    """
    a = _lu_checks(A, "linalg.lu", pivot)
    factors = M.lu_outputs(a)
    lower, upper = apply(M.LinalgLuBackward0, A, factors)
    return return_types.linalg_lu((_plain(factors[0]), lower, upper))


def lu_unpack(LU_data: Tensor, LU_pivots: Tensor, unpack_data: bool = True, unpack_pivots: bool = True, *,
              out: Any = None) -> Any:
    """lu_unpack(LU_data, LU_pivots, unpack_data=True, unpack_pivots=True) -> (P, L, U)

    P, L and U from linalg.lu_factor's packed result (empty tensors for the parts not unpacked).
    """
    a = LU_data._data
    m, n = a.shape[-2:]
    k = min(m, n)
    from .creation import tensor
    empty = tensor([], dtype=LU_data.dtype)
    if unpack_data:
        lower = LU_data[..., :, :k] * _plain(np.tri(m, k, -1, dtype=a.dtype)) + _plain(np.eye(m, k, dtype=a.dtype))
        upper = LU_data[..., :k, :] * _plain(np.tri(k, n, -1, dtype=a.dtype) == 0)
    else:
        lower = upper = empty
    p = _plain(M._permutation(LU_pivots._data, m).astype(a.dtype)) if unpack_pivots else empty
    return return_types.lu_unpack((p, lower, upper))


def _linalg_lu_solve(LU: Tensor, pivots: Tensor, B: Tensor, *, left: bool = True, adjoint: bool = False,
                     out: Optional[Tensor] = None) -> Tensor:
    """linalg.lu_solve(LU, pivots, B, *, left=True, adjoint=False) -> Tensor

    X with A X = B from A's packed LU factorization (left=False: X A = B; adjoint: with Aᴴ).
    """
    a = _check_matrix(LU, "linalg.lu_solve", arg="LU")
    if B._data.dtype != a.dtype:
        raise RuntimeError(f"linalg.lu_solve: Expected LU and B to have the same dtype, but found LU of type "
                           f"{_title(LU)} and B of type {_title(B)} instead")
    n = a.shape[-1]
    if (B._data.shape[-2] if left else B._data.shape[-1]) != n:
        raise RuntimeError(f"linalg.lu_solve: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({n}x{n} and {B._data.shape[-2]}x{B._data.shape[-1]})")
    p, lower, upper = lu_unpack(LU, pivots)
    p = p.to(LU.dtype)
    tri = _linalg_solve_triangular
    if left and not adjoint:  # U⁻¹ L⁻¹ Pᵀ B
        res = tri(upper, tri(lower, matmul(p.mT, B), upper=False, unitriangular=True), upper=True)
    elif left:  # P L⁻ᴴ U⁻ᴴ B
        res = matmul(p, tri(lower.mH, tri(upper.mH, B, upper=False), upper=True, unitriangular=True))
    elif not adjoint:  # B U⁻¹ L⁻¹ Pᵀ
        res = matmul(tri(lower, tri(upper, B, upper=True, left=False), upper=False, left=False,
                         unitriangular=True), p.mT)
    else:  # B P L⁻ᴴ U⁻ᴴ
        res = tri(upper.mH, tri(lower.mH, matmul(B, p), upper=True, left=False, unitriangular=True),
                  upper=False, left=False)
    return res if out is None else out.copy_(res)


def lu(A: Tensor, pivot: bool = True, get_infos: bool = False, out: Any = None) -> Any:
    """lu(A, pivot=True, get_infos=False) -> (A_LU, pivots[, infos])

    The packed LU factorization (torch.linalg.lu_factor_ex), infos only when asked for.
    """
    if type(pivot) is not bool:
        bool_arg(pivot, "_lu_with_info", "pivot")
    lu_, piv, info = _lu_factor_ex(A, pivot, False, "lu")
    return (lu_, piv, info) if get_infos else (lu_, piv)


def lu_solve(b: Tensor, LU_data: Tensor, LU_pivots: Tensor, *, out: Optional[Tensor] = None) -> Tensor:
    """lu_solve(b, LU_data, LU_pivots) -> Tensor

    X with A X = b from A's packed LU factorization (torch.linalg.lu_solve).
    """
    return _linalg_lu_solve(LU_data, LU_pivots, b, out=out)


# ============================================================================ LDL
def _ldl(A: Tensor, hermitian: bool, check_errors: bool, fname: str) -> Tuple[Tensor, Tensor, Tensor]:
    a = _check_matrix(A, fname)
    ld, piv, info = M.ldl_factor_arrays(a, bool(hermitian))
    if check_errors and info.any():
        i = int(np.flatnonzero(info.reshape(-1))[0])
        raise LinAlgError(f"torch.{fname}: {_batch_prefix(a, i)}The factorization could not be completed because "
                          f"the input is singular (D[{info.reshape(-1)[i]}] is zero).")
    return _plain(ld), _plain(piv), _plain(info)


def _linalg_ldl_factor(A: Tensor, *, hermitian: bool = False, out: Any = None) -> Any:
    """linalg.ldl_factor(A, *, hermitian=False) -> (LD, pivots)

    The LDL factorization of a symmetric (hermitian=True: Hermitian) matrix with Bunch-Kaufman
    pivoting, in LAPACK's compact form: L's multipliers below the diagonal of LD, the 1x1 and 2x2
    blocks of D on and next to it, the interchanges in pivots (negative pairs: a 2x2 block). Only
    the lower triangle of A is read. Not differentiable (as in PyTorch).
    """
    ld, piv, _ = _ldl(A, hermitian, False, "linalg.ldl_factor")
    return return_types.linalg_ldl_factor((ld, piv))


def _linalg_ldl_factor_ex(A: Tensor, *, hermitian: bool = False, check_errors: bool = False, out: Any = None) -> Any:
    """linalg.ldl_factor_ex(A, *, hermitian=False, check_errors=False) -> (LD, pivots, info)

    linalg.ldl_factor with info: the 1-based index of the first zero block of D (0 where none).
    """
    return return_types.linalg_ldl_factor_ex(_ldl(A, hermitian, check_errors, "linalg.ldl_factor_ex"))


def _linalg_ldl_solve(LD: Tensor, pivots: Tensor, B: Tensor, *, hermitian: bool = False,
                      out: Optional[Tensor] = None) -> Tensor:
    """linalg.ldl_solve(LD, pivots, B, *, hermitian=False) -> Tensor

    X with A X = B from linalg.ldl_factor's (LD, pivots) of A. Not differentiable (as in PyTorch).
    """
    a = _check_matrix(LD, "torch.linalg.ldl_solve", arg="LD")
    if B._data.ndim < 2:
        raise RuntimeError("torch.linalg.ldl_solve: Expected B to have at least 2 dimensions, but it has "
                           f"{B._data.ndim} dimensions instead")
    if B._data.dtype != a.dtype:
        raise RuntimeError(f"torch.linalg.ldl_solve: Expected LD and B to have the same dtype, but found LD of type "
                           f"{_title(LD)} and B of type {_title(B)} instead")
    res = _plain(M.ldl_solve_arrays(a, pivots._data, B._data, bool(hermitian)).astype(a.dtype))
    return res if out is None else out.copy_(res)


# ============================================================================ Householder
def _householder_q(A: Tensor, tau: Tensor, full: bool) -> Tensor:
    """Q = H_1 H_2 ... H_k, H_i = I - tau_i v_i v_iᴴ, v_i column i of A below the diagonal with a
    1 on it (LAPACK's geqrf storage): the first n columns (all m when `full`). Recorded ops."""
    a = A._data
    m, n = a.shape[-2:]
    k = tau._data.shape[-1]
    from .creation import eye
    q = eye(m, dtype=A.dtype).expand(a.shape[:-2] + (m, m))
    for i in range(k):
        mask = np.zeros(m, a.dtype)
        mask[i + 1:] = 1
        unit = np.zeros(m, a.dtype)
        unit[i] = 1
        v = A[..., :, i] * _plain(mask) + _plain(unit)
        qv = matmul(q, v.unsqueeze(-1))
        q = q - (tau[..., i].unsqueeze(-1).unsqueeze(-1) * qv) * v.conj().unsqueeze(-2)
    return q if full else q[..., :, :n]


def _linalg_householder_product(A: Tensor, tau: Tensor, *, out: Optional[Tensor] = None) -> Tensor:
    """linalg.householder_product(A, tau) -> Tensor

    The first n columns of the product of Householder reflectors H_i = I - tau_i v_i v_iᴴ stored
    as geqrf stores them (v_i below the diagonal of column i of A, with an implicit 1 on it).
    """
    a = _check_matrix(A, "torch.linalg.householder_product", square=False, arg="input")
    if a.shape[-2] < a.shape[-1]:
        raise RuntimeError("torch.linalg.householder_product: input.shape[-2] must be greater than or equal to "
                           "input.shape[-1]")
    if tau._data.shape[-1] > a.shape[-1]:
        raise RuntimeError("torch.linalg.householder_product: input.shape[-1] must be greater than or equal to "
                           "tau.shape[-1]")
    if tau._data.dtype != a.dtype:
        raise RuntimeError(f"torch.linalg.householder_product: tau dtype {_title(tau)} does not match input dtype "
                           f"{_title(A)}")
    res = _householder_q(A, tau, False)
    if tau._data.shape[-1] == 0:  # no reflector: the identity, still a function of A and tau (zero gradients)
        res = res + A * 0 + (tau.sum(-1) * 0).unsqueeze(-1).unsqueeze(-1)
    return res if out is None else out.copy_(res)


def orgqr(input: Tensor, tau: Tensor) -> Tensor:
    """orgqr(input, tau) -> Tensor

    The explicit Q of a QR decomposition stored as geqrf stores it (torch.linalg.householder_product).
    """
    if not isinstance(tau, Tensor):
        raise not_a_tensor("orgqr", "input2", tau, 2)
    return _linalg_householder_product(input, tau)


def geqrf(input: Tensor, *, out: Any = None) -> Any:
    """geqrf(input) -> (a, tau)

    LAPACK's QR decomposition in compact form: R on and above the diagonal of a, the Householder
    vectors below it, and their scale factors tau (see householder_product and ormqr). Not
    differentiable (as in PyTorch).
    """
    a = _check_matrix(input, "geqrf", square=False)
    h, tau = np.linalg.qr(a, mode="raw")
    return return_types.geqrf((_plain(np.ascontiguousarray(np.swapaxes(h, -1, -2)).astype(a.dtype)),
                               _plain(tau.astype(a.dtype))))


def ormqr(input: Tensor, input2: Tensor, input3: Tensor, left: bool = True, transpose: bool = False, *,
          out: Optional[Tensor] = None) -> Tensor:
    """ormqr(input, tau, other, left=True, transpose=False) -> Tensor

    other multiplied by the full Q of a geqrf factorization (input, tau): Q @ other (left) or
    other @ Q, with Qᴴ instead of Q when transpose.
    """
    _check_matrix(input, "ormqr", square=False)
    q = _householder_q(input, input2, True)
    if transpose:
        q = q.mH
    res = matmul(q, input3) if left else matmul(input3, q)
    return res if out is None else out.copy_(res)


# ============================================================================ qr, eigh, svd
def _linalg_qr(A: Tensor, mode: str = "reduced", *, out: Any = None) -> Any:
    """linalg.qr(A, mode='reduced') -> (Q, R)

    A = Q R with Q's columns orthonormal and R upper-triangular. mode 'reduced': Q (m, k), R
    (k, n), k = min(m, n); 'complete': Q (m, m), R (m, n); 'r': R only (Q empty).
    """
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), "
                           "'r', or 'complete'")
    _check_matrix(A, "linalg.qr", square=False)
    return return_types.linalg_qr(apply(M.LinalgQrBackward0, A, mode))


def qr(input: Tensor, some: bool = True, *, out: Any = None) -> Any:
    """qr(input, some=True) -> (Q, R)

    The QR decomposition; some=False gives the complete Q (torch.linalg.qr's mode='complete').
    """
    if type(some) is not bool:
        bool_arg(some, "qr", "some", 2)
    return return_types.qr(tuple(_linalg_qr(input, "reduced" if some else "complete")))


def _linalg_eigh(A: Tensor, UPLO: str = "L", *, out: Any = None) -> Any:
    """linalg.eigh(A, UPLO='L') -> (eigenvalues, eigenvectors)

    The eigenvalues (ascending, real) and orthonormal eigenvectors (the columns) of Hermitian A,
    reading only its lower ('L') or upper ('U') triangle. Each eigenvector is unique up to sign
    (or phase).
    """
    if UPLO not in ("L", "U", "l", "u"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    _check_matrix(A, "linalg.eigh")
    return return_types.linalg_eigh(apply(M.LinalgEighBackward0, A, UPLO.upper()))


def _linalg_eigvalsh(A: Tensor, UPLO: str = "L", *, out: Optional[Tensor] = None) -> Tensor:
    """linalg.eigvalsh(A, UPLO='L') -> Tensor

    The eigenvalues of Hermitian A, ascending (linalg.eigh's first result).
    """
    if UPLO not in ("L", "U", "l", "u"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    _check_matrix(A, "linalg.eigvalsh")
    w = apply(M.LinalgEighBackward0, A, UPLO.upper())[0]
    return w if out is None else out.copy_(w)


def _linalg_eig(A: Tensor, *, out: Any = None) -> Any:
    """linalg.eig(A) -> (eigenvalues, eigenvectors)

    The eigenvalues and eigenvectors (columns of norm 1) of a general square matrix: complex, also
    for real A. Each eigenvector is unique up to a phase; a loss must not depend on it.
    """
    _check_matrix(A, "linalg.eig")
    return return_types.linalg_eig(apply(M.LinalgEigBackward0, A))


def _linalg_eigvals(A: Tensor, *, out: Optional[Tensor] = None) -> Tensor:
    """linalg.eigvals(A) -> Tensor

    The eigenvalues of a general square matrix (complex), linalg.eig's first result.
    """
    _check_matrix(A, "linalg.eigvals")
    w = apply(M.LinalgEigvalsBackward, A)
    return w if out is None else out.copy_(w)


def _svd(A: Tensor, full_matrices: bool, fname: str) -> Tuple[Tensor, Tensor, Tensor]:
    _check_matrix(A, fname, square=False)
    return apply(M.LinalgSvdBackward0, A, bool(full_matrices), True)


def _linalg_svd(A: Tensor, full_matrices: bool = True, *, driver: Optional[str] = None, out: Any = None) -> Any:
    """linalg.svd(A, full_matrices=True, *, driver=None) -> (U, S, Vh)

    A = U diag(S) Vh, S descending and real; full_matrices=False gives the reduced U (m, k) and
    Vh (k, n), k = min(m, n). U's columns and Vh's rows are unique up to sign (or phase).
    """
    return return_types.linalg_svd(_svd(A, full_matrices, "linalg.svd"))


def _linalg_svdvals(A: Tensor, *, driver: Optional[str] = None, out: Optional[Tensor] = None) -> Tensor:
    """linalg.svdvals(A, *, driver=None) -> Tensor

    The singular values of A, descending.
    """
    _check_matrix(A, "linalg.svdvals", square=False)
    s = apply(M.LinalgSvdvalsBackward, A, False, False)
    return s if out is None else out.copy_(s)


def svd(input: Tensor, some: bool = True, compute_uv: bool = True, *, out: Any = None) -> Any:
    """svd(input, some=True, compute_uv=True) -> (U, S, V)

    The SVD in PyTorch's older form: V (not Vh), some=False for the full U and V, and with
    compute_uv=False U and V are zero-filled.
    """
    if type(some) is not bool or type(compute_uv) is not bool:
        bool_arg(some, "svd", "some", 2)
        bool_arg(compute_uv, "svd", "compute_uv", 3)
    a = _check_matrix(input, "linalg.svd", square=False)
    if not compute_uv:
        s = _linalg_svdvals(input)
        m, n = a.shape[-2:]
        from .creation import zeros
        dt = D.FROM_NP[a.dtype]
        return return_types.svd((zeros(a.shape[:-2] + (m, m), dtype=dt), s, zeros(a.shape[:-2] + (n, n), dtype=dt)))
    u, s, vh = _svd(input, not some, "linalg.svd")
    return return_types.svd((u, s, vh.mH))


# ============================================================================ pinv, rank
def _tol_array(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, Tensor):
        return v._data
    return float(v)


def _linalg_pinv(A: Tensor, rcond: Any = None, hermitian: bool = False, *, atol: Any = None, rtol: Any = None,
                 out: Optional[Tensor] = None) -> Tensor:
    """linalg.pinv(A, *, atol=None, rtol=None, hermitian=False) -> Tensor

    The Moore-Penrose pseudoinverse, from the SVD with singular values below max(atol, rtol *
    largest) taken as zero (default rtol: eps * max(m, n) when atol is unset). `rcond` is the
    older name of rtol.
    """
    _check_matrix(A, "linalg.pinv", square=False)
    if rcond is not None:
        rtol = rcond
    res = apply(M.LinalgPinvBackward0, A, _tol_array(atol), _tol_array(rtol), bool(hermitian))
    return res if out is None else out.copy_(res)


def pinverse(input: Tensor, rcond: float = 1e-15) -> Tensor:
    """pinverse(input, rcond=1e-15) -> Tensor

    The pseudoinverse (torch.linalg.pinv with rtol=rcond).
    """
    if type(rcond) is not float:
        rcond = _args.float_arg(rcond, "pinverse", "rcond", 2)
    return _linalg_pinv(input, rtol=rcond)


def _linalg_matrix_rank(A: Tensor, tol: Any = None, hermitian: bool = False, *, atol: Any = None,
                        rtol: Any = None, out: Optional[Tensor] = None) -> Tensor:
    """linalg.matrix_rank(A, *, atol=None, rtol=None, hermitian=False) -> Tensor

    How many singular values of A exceed max(atol, rtol * the largest one) (an int64 tensor);
    rtol defaults to eps * max(m, n) when atol is unset. `tol` is the older name of atol.
    """
    a = _check_matrix(A, "linalg.matrix_rank", square=False)
    if tol is not None:
        atol, rtol = tol, 0.0
    if a.shape[-1] == 0 or a.shape[-2] == 0:
        return _plain(np.zeros(a.shape[:-2], np.int64))
    s = np.linalg.svd(a, compute_uv=False, hermitian=bool(hermitian))
    atol_a = _tol_array(atol)
    rtol_a = _tol_array(rtol)
    if rtol_a is None:
        rtol_a = (np.finfo(s.dtype).eps * max(a.shape[-2:])) if atol_a is None or np.all(np.asarray(atol_a) == 0) \
            else 0.0
    atol_a = np.asarray(0.0 if atol_a is None else atol_a)
    rtol_a = np.asarray(rtol_a)
    tol_v = np.maximum(atol_a[..., None] if atol_a.ndim else atol_a,
                       (rtol_a[..., None] if rtol_a.ndim else rtol_a) * s.max(axis=-1, keepdims=True))
    res = _plain(np.asarray((s > tol_v).sum(axis=-1), dtype=np.int64))
    return res if out is None else out.copy_(res)


# ============================================================================ composites
def matrix_power(input: Tensor, n: int) -> Tensor:
    """matrix_power(input, n) -> Tensor

    The n-th power of each square matrix: repeated products (by squaring); n = 0 the identity,
    n < 0 the power of the inverse.
    """
    a = input._data if isinstance(input, Tensor) else None
    if a is None or a.ndim < 2:
        raise RuntimeError(f"linalg.matrix_power: The input tensor A must have at least 2 dimensions.")
    if a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"linalg.matrix_power: A must be batches of square matrices, but they are "
                           f"{a.shape[-2]} by {a.shape[-1]} matrices")
    if not isinstance(n, int) or isinstance(n, bool):
        raise TypeError(f"linalg_matrix_power(): argument 'n' (position 2) must be int, not {type(n).__name__}")
    if n == 0:
        from .creation import eye
        e = eye(a.shape[-1], dtype=input.dtype)
        return (e.expand(a.shape) + input * 0).detach() if not input.requires_grad else e.expand(a.shape) + input * 0
    x = input
    if n < 0:
        x = _linalg_inv(input)
        n = -n
    result: Optional[Tensor] = None
    base = x
    while n:
        if n & 1:
            result = base if result is None else matmul(result, base)
        n >>= 1
        if n:
            base = matmul(base, base)
    assert result is not None
    return result


def _linalg_matrix_exp(A: Tensor) -> Tensor:
    """linalg.matrix_exp(A) -> Tensor

    The matrix exponential sum_k A^k / k! of each square matrix (scaling and squaring with a
    Padé approximant).
    """
    _check_matrix(A, "linalg.matrix_exp")
    return apply(M.LinalgMatrixExpBackward0, A)


def matrix_exp(input: Tensor) -> Tensor:
    """matrix_exp(input) -> Tensor

    The matrix exponential of each square matrix (torch.linalg.matrix_exp).
    """
    return _linalg_matrix_exp(input)


def _matrix_norm(A: Tensor, ord: Any = "fro", dim: Sequence[int] = (-2, -1), keepdim: bool = False, *,
                 dtype: Any = None, out: Optional[Tensor] = None, fname: str = "linalg.matrix_norm") -> Tensor:
    """linalg.matrix_norm(A, ord='fro', dim=(-2, -1), keepdim=False, *, dtype=None) -> Tensor

    A matrix norm over the two dims `dim`: 'fro' (Frobenius), 'nuc' (sum of singular values),
    2 / -2 (largest / smallest singular value), 1 / -1 (largest / smallest column sum of |A|),
    inf / -inf (largest / smallest row sum of |A|).
    """
    if not isinstance(A, Tensor):
        raise TypeError(f"linalg_matrix_norm(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(A).__name__}")
    a = A._data
    if a.ndim < 2:
        raise RuntimeError(f"{fname}: The input tensor A must have at least 2 dimensions.")
    if a.dtype.kind not in "fc":
        raise RuntimeError(f"{fname}: Expected a floating point or complex tensor as input. Got {_title(A)}")
    dim = tuple(dim)
    if len(dim) != 2:
        raise RuntimeError(f"{fname}: dim must be a 2-tuple. Got {' '.join(str(d) for d in dim)}")
    nd = a.ndim
    for d in dim:
        if not -nd <= d < nd:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-nd}, {nd - 1}], but got {d})")
    d0, d1 = dim[0] % nd, dim[1] % nd
    if d0 == d1:
        raise RuntimeError(f"{fname}: dims must be different. Got ({dim[0]}, {dim[1]})")
    if dtype is not None:
        A = A.to(dtype)
    if isinstance(ord, str):
        if ord not in ("fro", "nuc"):
            raise RuntimeError(f"{fname}: Order {ord} not supported.")
        if ord == "fro":
            return vector_norm(A, 2, (d0, d1), keepdim, out=out)
        res = _linalg_svdvals(A.movedim((d0, d1), (-2, -1))).sum(-1)
    else:
        if ord not in (1, -1, 2, -2, math.inf, -math.inf):
            raise RuntimeError(f"{fname}: Order {ord} not supported.")
        if ord > 0 and (A._data.shape[d0] == 0 or A._data.shape[d1] == 0):  # max over nothing: 0
            res = A.abs().sum((d0, d1), keepdim=keepdim)
            return res if out is None else out.copy_(res)
        if ord in (2, -2):
            if a.size == 0:
                raise IndexError("amin(): Expected reduction dim -1 to have non-zero size.")
            s = _linalg_svdvals(A.movedim((d0, d1), (-2, -1)))
            res = s.amax(-1) if ord == 2 else s.amin(-1)
        else:
            sum_dim, red_dim = (d0, d1) if _abs(ord) == 1 else (d1, d0)
            absA = A.abs()
            sums = absA.sum(sum_dim, keepdim=True)
            res = sums.amax(red_dim, keepdim=True) if ord > 0 else sums.amin(red_dim, keepdim=True)
            res = res.squeeze((d0, d1)) if not keepdim else res
            return res if out is None else out.copy_(res)
    if keepdim:
        res = res.unsqueeze(min(d0, d1)).unsqueeze(max(d0, d1))
    return res if out is None else out.copy_(res)


def _linalg_norm(A: Tensor, ord: Any = None, dim: Any = None, keepdim: bool = False, *, dtype: Any = None,
                 out: Optional[Tensor] = None) -> Tensor:
    """linalg.norm(A, ord=None, dim=None, keepdim=False, *, dtype=None) -> Tensor

    A vector norm (dim an int, or A 1-D) or a matrix norm (dim a 2-tuple, or A 2-D), by `ord` as
    in linalg.vector_norm and linalg.matrix_norm. With ord=None: the 2-norm of A flattened (dim
    None) or of the vectors, the Frobenius norm of the matrices.
    """
    if not isinstance(A, Tensor):
        raise TypeError(f"linalg_norm(): argument 'input' (position 1) must be Tensor, not {type(A).__name__}")
    nd = A._data.ndim
    if isinstance(dim, int):
        dim = (dim,)
    if dim is not None:
        dim = tuple(dim)
        if len(dim) == 1:
            if isinstance(ord, str):
                raise RuntimeError(f"linalg.vector_norm: ord must be a number, got {ord}")
            return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype, out=out)
        if len(dim) == 2:
            return _matrix_norm(A, "fro" if ord is None else ord, dim, keepdim, dtype=dtype, out=out,
                                fname="linalg.matrix_norm")
        raise RuntimeError(f"linalg.norm: If dim is specified, it mut be of length 1 or 2. Got {list(dim)}")
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype, out=out)
    if nd == 2:
        return _matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype, out=out)
    if nd == 1:
        if isinstance(ord, str):
            raise RuntimeError(f"linalg.vector_norm: ord must be a number, got {ord}")
        return vector_norm(A, ord, None, keepdim, dtype=dtype, out=out)
    raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got {nd}D.")


def _linalg_cond(A: Tensor, p: Any = None, *, out: Optional[Tensor] = None) -> Tensor:
    """linalg.cond(A, p=None) -> Tensor

    The condition number of each matrix for the norm `p`: for None, 2 and -2 the ratio of the
    largest and smallest singular values (any shape), else norm(A) * norm(A⁻¹) (square A; inf
    where A is singular).
    """
    a = _check_matrix(A, "linalg.cond", square=False)
    if p is None or p in (2, -2):
        s = _linalg_svdvals(A)
        res = s.amax(-1) / s.amin(-1) if p != -2 else s.amin(-1) / s.amax(-1)
        return res if out is None else out.copy_(res)
    if a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"linalg.cond(ord={p}): A must be batches of square matrices, but they are "
                           f"{a.shape[-2]} by {a.shape[-1]} matrices")
    inv, info = _inv_ex(A, False, "linalg.cond")
    res = _matrix_norm(A, p, fname="linalg.cond") * _matrix_norm(inv, p, fname="linalg.cond")
    if info._data.any():
        from ._core import where
        res = where(_plain(info._data != 0), _plain(np.array(np.inf, res._data.dtype)), res)
    return res if out is None else out.copy_(res)


def _linalg_multi_dot(tensors: Sequence[Tensor], *, out: Optional[Tensor] = None) -> Tensor:
    """linalg.multi_dot(tensors) -> Tensor

    The product of a chain of matrices (the first may be a 1-D row, the last a 1-D column).
    """
    n = len(tensors)
    if n < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {n}")
    first, last = tensors[0]._data.ndim, tensors[-1]._data.ndim
    if first not in (1, 2):
        raise RuntimeError(f"multi_dot(): the first tensor must be 1D or 2D but got {first}D")
    if last not in (1, 2):
        raise RuntimeError(f"multi_dot(): the last tensor must be 1D or 2D but got {last}D")
    for i, t in enumerate(tensors[1:-1], 1):
        if t._data.ndim != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {t._data.ndim}D")
    dt = tensors[0]._data.dtype
    for i, t in enumerate(tensors):
        if t._data.dtype != dt:
            raise RuntimeError(f"multi_dot(): all tensors must have be the same dtype but tensor 0 is "
                               f"{_title(tensors[0])} and tensor {i} {_title(t)}")
    mats = list(tensors)
    if first == 1:
        mats[0] = mats[0].unsqueeze(0)
    if last == 1:
        mats[-1] = mats[-1].unsqueeze(-1)
    for i in range(len(mats) - 1):
        if mats[i]._data.shape[1] != mats[i + 1]._data.shape[0]:
            a, b = mats[i]._data.shape, mats[i + 1]._data.shape
            raise RuntimeError(f"multi_dot(): tensors {i} and {i + 1} with shapes {list(a)} and {list(b)} "
                               "cannot be multiplied")
    res = mats[0]
    for m in mats[1:]:
        res = matmul(res, m)
    if first == 1 and last == 1:
        res = res.reshape(())
    elif first == 1:
        res = res.squeeze(0)
    elif last == 1:
        res = res.squeeze(-1)
    return res if out is None else out.copy_(res)


def chain_matmul(*matrices: Tensor, out: Optional[Tensor] = None) -> Tensor:
    """chain_matmul(*matrices) -> Tensor

    The product of a chain of 2-D matrices (torch.linalg.multi_dot).
    """
    if len(matrices) == 1:
        return matrices[0].clone()
    return _linalg_multi_dot(matrices, out=out)


def _linalg_lstsq(A: Tensor, B: Tensor, rcond: Optional[float] = None, *, driver: Optional[str] = None) -> Any:
    """linalg.lstsq(A, B, rcond=None, *, driver=None) -> (solution, residuals, rank, singular_values)

    The least-squares solution X minimising ||A X - B|| (the minimum-norm one where A is rank
    deficient), batch dims broadcast. residuals (squared, per column) only for m > n, full rank
    and a driver other than 'gelsy' (the default); rank unless driver='gels'; singular_values for
    'gelsd' and 'gelss'.
    """
    a = _check_matrix(A, "linalg.lstsq", square=False)
    if not isinstance(B, Tensor):
        raise TypeError(f"linalg_lstsq(): argument 'B' (position 2) must be Tensor, not {type(B).__name__}")
    if driver is not None and driver not in ("gels", "gelsy", "gelsd", "gelss"):
        raise RuntimeError(f"torch.linalg.lstsq: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)")
    driver = driver or "gelsy"
    b = B._data
    if b.dtype != a.dtype:
        raise RuntimeError(f"torch.linalg.lstsq: Expected input and other to have the same dtype, but got "
                           f"input's dtype {_title(A)} and other's dtype {_title(B)}")
    vec = b.ndim == a.ndim - 1
    if b.ndim < 1 or (vec and b.shape[-1] != a.shape[-2]) or (not vec and b.shape[-2] != a.shape[-2]):
        raise RuntimeError(f"torch.linalg.lstsq: input.size(-2) should match other.size(-2)")
    m, n = a.shape[-2:]
    rtol = rcond if rcond is not None else None
    if rtol is None or rtol < 0:
        rtol = np.finfo(a.dtype).eps * max(m, n)
    pinvA = _linalg_pinv(A, rtol=rtol)
    Bm = B.unsqueeze(-1) if vec else B
    sol = matmul(pinvA, Bm)
    if vec:
        sol = sol.squeeze(-1)
    real = np.finfo(a.dtype).dtype if a.dtype.kind == "f" else np.dtype(a.dtype.char.lower())
    s: np.ndarray = np.linalg.svd(a, compute_uv=False) if a.size else np.zeros(tuple(a.shape[:-2]) + (0,), real)
    smax = s.max(axis=-1, keepdims=True) if s.shape[-1] else s
    ranks = (s > rtol * smax).sum(axis=-1).astype(np.int64) if s.shape[-1] else np.zeros(s.shape[:-1], np.int64)
    empty = np.zeros((0,), real)
    # no residuals: empty, yet in the graph when the solution is, as PyTorch's (its gradient is empty)
    residuals: Any = sol.reshape(-1)[:0].abs() if sol.requires_grad else _plain(empty)
    if driver != "gelsy" and m > n and np.all(ranks == n):
        r = matmul(A, sol.unsqueeze(-1) if vec else sol) - Bm
        residuals = (r.abs() ** 2).sum(-2)
        if vec:
            residuals = residuals.squeeze(-1)
    rank = _plain(empty.astype(np.int64)) if driver == "gels" else _plain(ranks)
    sv = _plain(s.astype(real)) if driver in ("gelsd", "gelss") else _plain(empty)
    return return_types.linalg_lstsq((sol, residuals, rank, sv))


def _linalg_vander(x: Tensor, *, N: Optional[int] = None) -> Tensor:
    """linalg.vander(x, *, N=None) -> Tensor

    The Vandermonde matrix of the last dim of x: columns x**0, x**1, ..., x**(N-1) (N defaults
    to x.shape[-1]).
    """
    if not isinstance(x, Tensor):
        raise TypeError(f"linalg_vander(): argument 'x' (position 1) must be Tensor, not {type(x).__name__}")
    if x._data.ndim < 1:
        x = x.reshape(1)
    n = x._data.shape[-1] if N is None else N
    if n < 0:
        raise RuntimeError("N must be non-negative.")
    if x._data.dtype.kind == "b":
        x = x.long()
    from ._shape import cat
    from .creation import ones_like
    cols = [ones_like(x).unsqueeze(-1)] if n > 0 else []
    if n > 1:
        cur = x.unsqueeze(-1)
        cols.append(cur)
        for _ in range(n - 2):
            cur = cur * x.unsqueeze(-1)
            cols.append(cur)
    if not cols:
        from .creation import zeros
        return zeros(tuple(x.shape) + (0,), dtype=x.dtype)
    return cat(cols, -1)


def _linalg_diagonal(A: Tensor, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """linalg.diagonal(A, *, offset=0, dim1=-2, dim2=-1) -> Tensor

    The diagonals of the matrices A[..., :, :] (over dim1 and dim2; offset > 0 above the main
    diagonal, < 0 below), as the last dim.
    """
    if hasattr(A, "diagonal"):
        return A.diagonal(offset=offset, dim1=dim1, dim2=dim2)
    nd = A._data.ndim
    for d in (dim1, dim2):
        if not -nd <= d < nd:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-nd}, {nd - 1}], but got {d})")
    d1, d2 = dim1 % nd, dim2 % nd
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    x = A.movedim((d1, d2), (-2, -1))
    r, c = x._data.shape[-2:]
    if offset >= 0:
        length = max(0, min(r, c - offset))
        x = x.narrow(-2, 0, length).narrow(-1, min(offset, c), length)
    else:
        length = max(0, min(r + offset, c))
        x = x.narrow(-2, min(-offset, r), length).narrow(-1, 0, length)
    return einsum("...ii->...i", x)


def _linalg_tensorinv(A: Tensor, ind: int = 2, *, out: Optional[Tensor] = None) -> Tensor:
    """linalg.tensorinv(A, ind=2) -> Tensor

    The tensor X with tensordot(X, A, ind) the identity: A reshaped to a square matrix by its first
    `ind` dims, inverted, and shaped back as A.shape[ind:] + A.shape[:ind].
    """
    if ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    shape = tuple(A._data.shape)
    rows, cols = math.prod(shape[:ind]), math.prod(shape[ind:])
    if rows != cols:
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[ind:]) == "
                           f"prod(self.shape[:ind]), but got {cols} != {rows}")
    res = _linalg_inv(A.reshape(rows, cols)).reshape(shape[ind:] + shape[:ind])
    return res if out is None else out.copy_(res)


def _linalg_tensorsolve(A: Tensor, B: Tensor, dims: Optional[Sequence[int]] = None, *,
                        out: Optional[Tensor] = None) -> Tensor:
    """linalg.tensorsolve(A, B, dims=None) -> Tensor

    X with tensordot(A, X, X.ndim) = B: A's dims in `dims` moved to the end first; X has shape
    A.shape[B.ndim:].
    """
    if dims is not None:
        nd = A._data.ndim
        dims = [d % nd for d in dims]
        A = A.movedim(tuple(dims), tuple(range(nd - len(dims), nd)))
    shape = tuple(A._data.shape)
    bshape = tuple(B._data.shape)
    rows = math.prod(bshape)
    rest = shape[len(bshape):]
    cols = math.prod(rest)
    if math.prod(shape[:len(bshape)]) != rows or rows != cols:
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[other.ndim:]) == "
                           f"prod(self.shape[:other.ndim]), but got {cols} != {math.prod(shape[:len(bshape)])}")
    res = _linalg_solve(A.reshape(rows, cols), B.reshape(rows)).reshape(rest)
    return res if out is None else out.copy_(res)


def _linalg_matrix_power(A: Tensor, n: int, *, out: Optional[Tensor] = None) -> Tensor:
    """linalg.matrix_power(A, n) -> Tensor

    The n-th power of each square matrix (n < 0: of the inverse; n = 0: the identity).
    """
    res = matrix_power(A, n)
    return res if out is None else out.copy_(res)


linalg.__dict__.update(
    LinAlgError=LinAlgError, det=_linalg_det, slogdet=_linalg_slogdet, inv=_linalg_inv, inv_ex=_linalg_inv_ex,
    solve=_linalg_solve, solve_ex=_linalg_solve_ex, cholesky=_linalg_cholesky, cholesky_ex=_linalg_cholesky_ex,
    qr=_linalg_qr, eigh=_linalg_eigh, eig=_linalg_eig, eigvals=_linalg_eigvals, eigvalsh=_linalg_eigvalsh,
    svd=_linalg_svd, svdvals=_linalg_svdvals,
    pinv=_linalg_pinv, matrix_power=_linalg_matrix_power, matrix_rank=_linalg_matrix_rank,
    matrix_norm=_matrix_norm, norm=_linalg_norm, cond=_linalg_cond, multi_dot=_linalg_multi_dot,
    lstsq=_linalg_lstsq, solve_triangular=_linalg_solve_triangular, matrix_exp=_linalg_matrix_exp,
    vander=_linalg_vander, diagonal=_linalg_diagonal, tensorinv=_linalg_tensorinv,
    tensorsolve=_linalg_tensorsolve, cross=_linalg_cross, lu_factor=_linalg_lu_factor,
    lu_factor_ex=_linalg_lu_factor_ex, lu=_linalg_lu, lu_solve=_linalg_lu_solve,
    householder_product=_linalg_householder_product, ldl_factor=_linalg_ldl_factor,
    ldl_factor_ex=_linalg_ldl_factor_ex, ldl_solve=_linalg_ldl_solve)
for _f in list(linalg.__dict__.values()):
    if callable(_f) and getattr(_f, "__name__", "").startswith("_linalg_"):
        _f.__name__ = _f.__name__[len("_linalg_"):]
        _f.__qualname__ = _f.__name__
_matrix_norm.__name__ = _matrix_norm.__qualname__ = "matrix_norm"
del _f


# ============================================================================ Tensor methods
def _method_addmm(self: Tensor, mat1: Tensor, mat2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """addmm(mat1, mat2, *, beta=1, alpha=1) -> Tensor: beta * self + alpha * (mat1 @ mat2)."""
    return addmm(self, mat1, mat2, beta=beta, alpha=alpha)


def _method_addmv(self: Tensor, mat: Tensor, vec: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """addmv(mat, vec, *, beta=1, alpha=1) -> Tensor: beta * self + alpha * (mat @ vec)."""
    return addmv(self, mat, vec, beta=beta, alpha=alpha)


def _method_addr(self: Tensor, vec1: Tensor, vec2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """addr(vec1, vec2, *, beta=1, alpha=1) -> Tensor: beta * self + alpha * outer(vec1, vec2)."""
    return addr(self, vec1, vec2, beta=beta, alpha=alpha)


def _method_addbmm(self: Tensor, batch1: Tensor, batch2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """addbmm(batch1, batch2, *, beta=1, alpha=1) -> Tensor: beta * self + alpha * sum_b batch1[b] @ batch2[b]."""
    return addbmm(self, batch1, batch2, beta=beta, alpha=alpha)


def _method_baddbmm(self: Tensor, batch1: Tensor, batch2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """baddbmm(batch1, batch2, *, beta=1, alpha=1) -> Tensor: beta * self + alpha * (batch1 @ batch2)."""
    return baddbmm(self, batch1, batch2, beta=beta, alpha=alpha)


for _f in (_method_addmm, _method_addmv, _method_addr, _method_addbmm, _method_baddbmm):
    _f.__name__ = _f.__name__[len("_method_"):]
    _f.__qualname__ = f"Tensor.{_f.__name__}"
del _f


class MatrixMethods:
    """Tensor methods of the matrix family beyond products: the fused products (addmm ...), cross,
    and the decompositions that PyTorch also offers as methods (det, inverse, svd ...)."""

    __slots__ = ()

    addmm = _method_addmm
    addmv = _method_addmv
    addr = _method_addr
    addbmm = _method_addbmm
    baddbmm = _method_baddbmm
    addmm_ = inplace(_method_addmm, "addmm")
    addmv_ = inplace(_method_addmv, "addmv")
    addr_ = inplace(_method_addr, "addr")
    addbmm_ = inplace(_method_addbmm, "addbmm")
    baddbmm_ = inplace(_method_baddbmm, "baddbmm")
    cross = cross
    det = det
    logdet = logdet
    slogdet = slogdet
    inverse = inverse
    pinverse = pinverse
    cholesky = cholesky
    svd = svd
    qr = qr
    matrix_power = matrix_power
    matrix_exp = matrix_exp
    cholesky_solve = cholesky_solve
    cholesky_inverse = cholesky_inverse
    triangular_solve = triangular_solve
    lu = lu
    lu_solve = lu_solve
    geqrf = geqrf
    ormqr = ormqr
    orgqr = orgqr



_reduction.matrix_norm = _matrix_norm  # Tensor.norm(p='nuc') reaches it (see _reduction.norm)


# vmap (issue 12, round 3): torch.linalg's functions take leading batch dims, so vmap runs each once on
# the whole batch ("batch_dims", ops/_rule.py); the Tensor methods of the same ops are batched by name
# (func/batching.py).
from ..ops._rule import declare_batching as _declare  # noqa: E402
from ..overrides import dispatching as _dispatching  # noqa: E402

for _name, _spec in (
        ("det", {}), ("slogdet", {}), ("inv", {}), ("inv_ex", {}), ("solve", {}), ("solve_ex", {}), ("cholesky", {}),
        ("cholesky_ex", {}), ("qr", {}), ("eigh", {}), ("eig", {}), ("eigvals", {}), ("eigvalsh", {}), ("svd", {}),
        ("svdvals", {}), ("pinv", {}), ("matrix_power", {}), ("matrix_rank", {}), ("matrix_exp", {}), ("cond", {}),
        ("matrix_norm", {"dims": ("dim",)}), ("cross", {"dims": ("dim",)}),
        ("diagonal", {"dims": ("dim1", "dim2")}), ("solve_triangular", {}), ("lu_factor", {}), ("lu_factor_ex", {}),
        ("lu", {}), ("lu_solve", {}), ("householder_product", {}), ("ldl_factor", {}), ("ldl_factor_ex", {}),
        ("ldl_solve", {}), ("vander", {}), ("lstsq", {})):
    setattr(linalg, _name, _dispatching(_declare(getattr(linalg, _name), "batch_dims", **_spec)))
del _name, _spec
_declare(lu_unpack, "batch_dims")
for _function in (addmm, addmv, addr, baddbmm, addbmm):
    setattr(_function, "batching", "add_product")
setattr(einsum, "batching", "einsum")
del _function
