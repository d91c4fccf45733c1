"""Shape and indexing ops of issue 12's breadth: triangles, diagonals, rotations, unfolding windows,
complex views, block diagonals, the *_copy forms of views, and the writes that build a new tensor
(index_fill, index_copy, index_put, put, masked_scatter, the *_scatter ops, scatter_reduce and
index_reduce). Each forward beside its vjp.

Most of these ops are linear. A linear op's vjp is its adjoint, itself a linear rule here, applied
through `linear_through`: on arrays (plain backward) that is the adjoint's forward; on Tensors
(create_graph) it records the adjoint as an op, whose vjp is the first rule again, so gradients of
any order follow. Keys and parameters arrive checked and normalized from the Tensor layer
(_tensor/_shape_index.py).
"""
import numpy as np

from ..engine.node import LINEAR_JVP, linear_through
from ..overrides import handle_torch_function, has_torch_function
from ._rule import Explain, Rule
from .indexing import IndexPutBackward0 as _IndexPutRule, SelectBackward0, SliceBackward0 as _KeySliceBackward0
from .shape import (ExpandBackward0, PermuteBackward0, SliceBackward0, SplitBackward0,
                    SplitWithSizesBackward0, SqueezeBackward0, TBackward0, TransposeBackward0,
                    UnbindBackward0, UnsqueezeBackward0, ViewBackward0)

ndarray = np.ndarray
_as_strided = np.lib.stride_tricks.as_strided


def _is_array(g):
    """NumPy (plain backward; NumPy scalars included), not a Tensor (create_graph)."""
    return type(g) is ndarray or isinstance(g, np.generic)


def _np_dtype(g):
    return g.dtype if _is_array(g) else g.dtype.np


def _through(R, xp, *args):
    """linear_through(R, xp, *args): rule R on arrays, or recorded on Tensors. A tensor-like argument
    (vmap's BatchedTensor, when jacrev batches a backward) takes the call through its
    __torch_function__ instead: with no batching rule there, vmap runs it once per example."""
    if xp.apply_rule is not None and has_torch_function(args):
        return handle_torch_function(_through, args, R, xp, *args)
    return linear_through(R, xp, *args)


def _or_zeros(xp, tangent, like):
    """A tangent, or zeros for an input that has none (for rules linear in several inputs)."""
    return xp.zeros_like(like) if tangent is None else tangent


# ---------------------------------------------------------------------------- strided views on arrays
def diagonal_view(a, offset, d1, d2):
    """The diagonal of `a` over dims d1, d2 (shifted by offset) as a writable view: the other dims
    first, in order, then the diagonal (PyTorch's layout, and NumPy's, whose view is read-only
    until told otherwise)."""
    out = np.diagonal(a, offset, d1, d2)
    if a.flags.writeable:
        out.flags.writeable = True
    return out


def unfold_view(a, dim, size, step):
    """Every window of `size` elements along `dim`, `step` apart, as a view: dim becomes the
    window count and a last dim of length `size` runs inside each window."""
    shape, strides = a.shape, a.strides
    count = (shape[dim] - size) // step + 1
    shape = shape[:dim] + (count,) + shape[dim + 1:] + (size,)
    strides = strides[:dim] + (strides[dim] * step,) + strides[dim + 1:] + (strides[dim],)
    if a.flags.c_contiguous and a.flags.writeable:  # its buffer: a view made without as_strided's detour
        return ndarray(shape, a.dtype, a, 0, strides)
    return _as_strided(a, shape, strides, writeable=a.flags.writeable)


_MASKS: dict = {}  # (rows, cols, k, lower) -> the read-only bool mask of that triangle


def _triangle(a, k, lower):
    """a's lower (or upper) triangle from diagonal k on, zeros elsewhere, over its last two dims."""
    m, n = a.shape[-2], a.shape[-1]
    mask = _MASKS.get((m, n, k, lower))
    if mask is None:
        if len(_MASKS) > 256:
            _MASKS.clear()
        mask = np.tri(m, n, k, dtype=bool) if lower else ~np.tri(m, n, k - 1, dtype=bool)
        mask.flags.writeable = False
        _MASKS[(m, n, k, lower)] = mask
    return np.where(mask, a, a.dtype.type(0))


def _copying(R, name):
    """The copying twin of view rule R, named `name` (PyTorch's *_copy ops and their nodes): the
    same vjp, a forward that returns fresh C-ordered arrays instead of views."""
    fwd = R.forward

    def forward(node, xp, a, *rest):
        out = fwd(node, xp, a, *rest)
        if type(out) is tuple:
            return tuple([np.array(o) for o in out])
        return np.array(out)

    return type(name, (R,), {"forward": staticmethod(forward), "__module__": __name__,
                             "__doc__": f"{name}: {R.__name__} as a copy",
                             "jvp": LINEAR_JVP})


# ============================================================================ triangles
class TrilBackward0(Rule):
    """tril(a, k): the lower triangle (j - i <= k) of each matrix, zeros above; the gradient is
    the lower triangle of g (the op is a projection)"""
    op_name = "tril"
    batching = "view"
    explain = Explain("tril({a})", "a projection onto the lower triangle: the gradient is g's lower triangle")

    @staticmethod
    def forward(node, xp, a, k):
        if node is not None:
            node.k = k
        return _triangle(a, k, True)

    jvp = LINEAR_JVP

    def vjp(self, g, xp):
        return (_through(TrilBackward0, xp, g, self.k),)


class TriuBackward0(Rule):
    """triu(a, k): the upper triangle (j - i >= k) of each matrix; the gradient is g's upper triangle"""
    op_name = "triu"
    batching = "view"
    explain = Explain("triu({a})", "a projection onto the upper triangle: the gradient is g's upper triangle")

    @staticmethod
    def forward(node, xp, a, k):
        if node is not None:
            node.k = k
        return _triangle(a, k, False)

    jvp = LINEAR_JVP

    def vjp(self, g, xp):
        return (_through(TriuBackward0, xp, g, self.k),)


# ============================================================================ diagonals
class DiagonalBackward0(Rule):
    """diagonal(offset, dim1, dim2): a view of the diagonal; the gradient is g placed on the
    diagonal of zeros"""
    explain = Explain("diagonal({a})", "∂/∂a = g placed on the diagonal of zeros")
    op_name = "diagonal"
    batching = "view"

    @staticmethod
    def forward(node, xp, a, offset, d1, d2):
        if node is not None:
            node.shape = a.shape
            node.params = (offset, d1, d2)
        return diagonal_view(a, offset, d1, d2)

    jvp = LINEAR_JVP

    def vjp(self, g, xp):
        return (_through(DiagonalBackwardBackward0, xp, g, self.shape, *self.params),)


DiagonalBackward0_copy = _copying(DiagonalBackward0, "DiagonalBackward0_copy")


class DiagonalBackwardBackward0(Rule):
    """g placed on the diagonal of zeros of `shape` (diagonal's vjp, as an op); its own gradient is
    the diagonal of g"""
    explain = Explain("diag_place({a})", "∂/∂a = the diagonal of g")
    batching = "view"

    @staticmethod
    def forward(node, xp, a, shape, offset, d1, d2):
        if node is not None:
            node.params = (offset, d1, d2)
        out = np.zeros(shape, a.dtype)
        diagonal_view(out, offset, d1, d2)[...] = a
        return out

    jvp = LINEAR_JVP

    def vjp(self, g, xp):
        return (_through(DiagonalBackward0_copy, xp, g, *self.params),)


class DiagEmbedBackward0(Rule):
    """diag_embed(a, offset, dim1, dim2): a's last dim placed on the diagonals of new matrices over
    dims dim1, dim2 of the result; the gradient is the diagonal of g"""
    explain = Explain("diag_embed({a})", "∂/∂a = the diagonal of g")
    op_name = "diag_embed"
    batching = "view"

    @staticmethod
    def forward(node, xp, a, offset, d1, d2):
        if node is not None:
            node.params = (offset, d1, d2)
        n = a.shape[-1] + abs(offset) if a.ndim else 1 + abs(offset)
        rest = list(a.shape[:-1])
        shape = []
        for i in range(len(rest) + 2):
            shape.append(n if i == d1 or i == d2 else rest.pop(0))
        out = np.zeros(tuple(shape), a.dtype)
        diagonal_view(out, offset, d1, d2)[...] = a
        return out

    jvp = LINEAR_JVP

    def vjp(self, g, xp):
        return (_through(DiagonalBackward0_copy, xp, g, *self.params),)


class TraceBackward0(Rule):
    """trace(a): the sum of a matrix's diagonal; the gradient is g on the diagonal, zeros elsewhere"""
    op_name = "trace"
    batching = "reduction"
    explain = Explain("trace({a})", "∂trace(a)/∂a = I (ones on the diagonal)")

    @staticmethod
    def forward(node, xp, a):
        if node is not None:
            node.shape = a.shape
        if a.dtype.kind in "biu":
            return np.asarray(a.trace(dtype=np.int64))
        return np.asarray(a.trace())

    jvp = LINEAR_JVP

    def vjp(self, g, xp):
        n = min(self.shape)
        return (_through(DiagonalBackwardBackward0, xp, xp.broadcast_to(g, (n,)), self.shape, 0, 0, 1),)


class DiagonalScatterBackward0(Rule):
    """diagonal_scatter(a, src, offset, dim1, dim2): a copy of a with src on the diagonal. The
    gradient of a is g with that diagonal zeroed; of src, g's diagonal."""
    explain = Explain("diagonal_scatter({a}, {src})", "∂/∂a = g with the diagonal zeroed,  ∂/∂src = g's diagonal")
    op_name = "diagonal_scatter"
    batching = "batch_dims"

    @staticmethod
    def forward(node, xp, a, src, offset, d1, d2):
        if node is not None:
            node.params = (offset, d1, d2)
            node.src_shape = src.shape
        out = np.array(a)
        diagonal_view(out, offset, d1, d2)[...] = src
        return out

    @staticmethod
    def jvp(xp, t, out, a, src, offset, d1, d2):
        return _through(DiagonalScatterBackward0, xp, _or_zeros(xp, t[0], a), _or_zeros(xp, t[1], src),
                              offset, d1, d2)

    def vjp(self, g, xp):
        (na, _), (ns, _) = self.next_functions
        ga = gs = None
        if na is not None:
            ga = _through(DiagonalScatterBackward0, xp, g, xp.zeros(self.src_shape, _np_dtype(g)),
                                *self.params)
        if ns is not None:
            gs = _through(DiagonalBackward0_copy, xp, g, *self.params)
        return ga, gs


# ============================================================================ rotations and windows
class Rot90Backward0(Rule):
    """rot90(a, k, dims): a copy turned k quarter turns from dims[0] towards dims[1]; the gradient
    is g turned back"""
    op_name = "rot90"
    batching = "view"
    explain = Explain("rot90({a})", "a rotation: the gradient is rotated back")

    @staticmethod
    def forward(node, xp, a, k, dims):
        if node is not None:
            node.k, node.dims = k, dims
        return np.ascontiguousarray(np.rot90(a, k, dims))

    jvp = LINEAR_JVP

    def vjp(self, g, xp):
        return (_through(Rot90Backward0, xp, g, -self.k, self.dims),)


class UnfoldBackward0(Rule):
    """unfold(dim, size, step): a view of every window along dim; the gradient adds each window's
    gradient back at its place (overlapping windows add up)"""
    explain = Explain("{a}.unfold(dim, size, step)", "every window along dim: ∂/∂a = each window's gradient added back")
    op_name = "unfold"
    batching = "view"

    @staticmethod
    def forward(node, xp, a, dim, size, step):
        if node is not None:
            node.shape = a.shape
            node.params = (dim, size, step)
        return unfold_view(a, dim, size, step)

    jvp = LINEAR_JVP

    def vjp(self, g, xp):
        return (_through(UnfoldBackwardBackward0, xp, g, self.shape, *self.params),)


UnfoldBackward0_copy = _copying(UnfoldBackward0, "UnfoldBackward0_copy")


class UnfoldBackwardBackward0(Rule):
    """The windows' values `a` (unfold's output shape) added back into zeros of `shape`: unfold's
    vjp as an op; its own gradient is unfold of g"""
    explain = Explain("unfold_backward({a})", "the windows added back: ∂/∂a = g unfolded into windows again")
    batching = "view"

    @staticmethod
    def forward(node, xp, a, shape, dim, size, step):
        if node is not None:
            node.params = (dim, size, step)
        out = np.zeros(shape, a.dtype)
        count = a.shape[dim]
        lead = (slice(None),) * dim
        starts = np.arange(count) * step
        for j in range(size):  # element j of every window: distinct places, so += adds each once
            out[lead + (starts + j,)] += a[..., j]
        return out

    jvp = LINEAR_JVP

    def vjp(self, g, xp):
        return (_through(UnfoldBackward0_copy, xp, g, *self.params),)


# ============================================================================ complex views
class ViewAsRealBackward0(Rule):
    """view_as_real(a): each complex element as its (real, imaginary) pair along a new last dim, a
    view; the gradient is g's pairs read back as complex numbers"""
    explain = Explain("view_as_real({a})", "each x + iy as (x, y): the gradient is view_as_complex(g)")
    op_name = "view_as_real"
    batching = "view"

    @staticmethod
    def forward(node, xp, a):
        real = np.float32 if a.dtype == np.complex64 else np.float64
        return a[..., None].view(real)

    jvp = LINEAR_JVP

    def vjp(self, g, xp):
        return (_through(ViewAsComplexBackward0, xp, g),)


class ViewAsComplexBackward0(Rule):
    """view_as_complex(a): pairs along the last dim (of size 2) read as complex numbers, a view;
    the gradient is g's real and imaginary parts as pairs"""
    explain = Explain("view_as_complex({a})", "pairs read as x + iy: the gradient is view_as_real(g)")
    op_name = "view_as_complex"
    batching = "view"

    @staticmethod
    def forward(node, xp, a):
        if a.strides[-1] != a.itemsize or a.shape[-1] != 2:  # (a gradient: the Tensor layer checked inputs)
            a = np.ascontiguousarray(a)
        cplx = np.complex64 if a.dtype == np.float32 else np.complex128
        return a.view(cplx)[..., 0]

    jvp = LINEAR_JVP

    def vjp(self, g, xp):
        return (_through(ViewAsRealBackward0, xp, g),)


# ============================================================================ block diagonal
class BlockDiagBackward0(Rule):
    """block_diag(*tensors): each (as a matrix) a block on the diagonal of zeros. Arguments: the
    result's NumPy dtype, then the arrays; each gradient is g's block, in its input's shape and dtype."""
    explain = Explain(None, "block_diag: ∂/∂(input i) = g's i-th diagonal block")
    op_name = "block_diag"
    batching = "concat"

    @staticmethod
    def forward(node, xp, np_dtype, *arrays):
        mats = [a.reshape(1, -1) if a.ndim < 2 else a for a in arrays]
        rows = sum(m.shape[0] for m in mats)
        cols = sum(m.shape[1] for m in mats)
        out = np.zeros((rows, cols), np_dtype)
        places, r, c = [], 0, 0
        for m in mats:
            out[r:r + m.shape[0], c:c + m.shape[1]] = m
            places.append((r, r + m.shape[0], c, c + m.shape[1]))
            r, c = r + m.shape[0], c + m.shape[1]
        if node is not None:
            node.places = places
            node.shapes = tuple(a.shape for a in arrays)
            node.dtypes = tuple(a.dtype for a in arrays)
            node.out_dtype = np.dtype(np_dtype)
        return out

    @staticmethod
    def jvp(xp, t, out, np_dtype, *arrays):
        return _through(BlockDiagBackward0, xp, np_dtype,
                              *[_or_zeros(xp, ta, a) for ta, a in zip(t[1:], arrays)])

    def vjp(self, g, xp):
        grads = []
        for (n, _), (r0, r1, c0, c1), shape, dt in zip(self.next_functions, self.places, self.shapes, self.dtypes):
            if n is None:
                grads.append(None)
                continue
            piece = g[r0:r1, c0:c1].reshape(shape)
            grads.append(piece if dt == self.out_dtype else xp.to_dtype(piece, dt))
        return tuple(grads)


# ============================================================================ copies of views
AliasBackward0_copy = type("AliasBackward0_copy", (Rule,), {
    "__module__": __name__, "__doc__": "alias_copy(a): a copy; the gradient passes through",
    "explain": Explain("alias_copy({a})", "∂a/∂a = 1: the gradient passes through", symbolic=lambda sp, a: a),
    "batching": "elementwise",
    "forward": staticmethod(lambda node, xp, a: np.array(a)),
    "jvp": LINEAR_JVP,
    "vjp": lambda self, g, xp: (g,)})
ViewBackward0_copy = _copying(ViewBackward0, "ViewBackward0_copy")
PermuteBackward0_copy = _copying(PermuteBackward0, "PermuteBackward0_copy")
TransposeBackward0_copy = _copying(TransposeBackward0, "TransposeBackward0_copy")
TBackward0_copy = _copying(TBackward0, "TBackward0_copy")
ExpandBackward0_copy = _copying(ExpandBackward0, "ExpandBackward0_copy")
SqueezeBackward0_copy = _copying(SqueezeBackward0, "SqueezeBackward0_copy")
SqueezeBackward1_copy = _copying(SqueezeBackward0, "SqueezeBackward1_copy")
SqueezeBackward2_copy = _copying(SqueezeBackward0, "SqueezeBackward2_copy")
UnsqueezeBackward0_copy = _copying(UnsqueezeBackward0, "UnsqueezeBackward0_copy")
UnbindBackward0_copy = _copying(UnbindBackward0, "UnbindBackward0_copy")
NarrowCopyBackward0 = _copying(SliceBackward0, "NarrowCopyBackward0")
UnsafeSplitBackward0 = _copying(SplitBackward0, "UnsafeSplitBackward0")
SelectBackward0_copy = _copying(SelectBackward0, "SelectBackward0_copy")
SliceBackward0_copy = _copying(_KeySliceBackward0, "SliceBackward0_copy")
SplitBackward0_copy = _copying(SplitBackward0, "SplitBackward0_copy")
SplitWithSizesBackward0_copy = _copying(SplitWithSizesBackward0, "SplitWithSizesBackward0_copy")
UnsafeSplitWithSizesBackward0 = _copying(SplitWithSizesBackward0, "UnsafeSplitWithSizesBackward0")


# ============================================================================ writes into a copy
class IndexFillBackward0(Rule):
    """a copy of a with the number `value` at `key` (index_fill along a dim; also the projection
    that zeroes a key, which the write ops' vjps apply to g)"""
    explain = Explain("index_fill({a}, dim, index, value)", "∂/∂a = g with the filled slices zeroed")
    op_name = "index_fill"
    batching = "batch_dims"

    @staticmethod
    def forward(node, xp, a, key, value):
        if node is not None:
            node.key = key
        out = np.array(a)
        out[key] = value
        return out

    @staticmethod
    def jvp(xp, t, out, a, key, value):
        return _through(IndexFillBackward0, xp, t[0], key, 0)

    def vjp(self, g, xp):
        return (_through(IndexFillBackward0, xp, g, self.key, 0),)


def _zeroed(xp, g, key):
    """g with zeros at key (the gradient of what a write overwrote)."""
    return _through(IndexFillBackward0, xp, g, key, 0)


class IndexFillBackward1(Rule):
    """index_fill with a 0-d tensor value: the value's gradient is the sum of g over the filled places"""
    explain = Explain("index_fill({a}, dim, index, {v})",
                      "∂/∂a = g with the filled slices zeroed,  ∂/∂v = Σ g over them")
    op_name = "index_fill"
    batching = "batch_dims"

    @staticmethod
    def forward(node, xp, a, value, key):
        if node is not None:
            node.key = key
        out = np.array(a)
        out[key] = value
        return out

    @staticmethod
    def jvp(xp, t, out, a, value, key):
        return _through(IndexFillBackward1, xp, _or_zeros(xp, t[0], a), _or_zeros(xp, t[1], value), key)

    def vjp(self, g, xp):
        (na, _), (nv, _) = self.next_functions
        return (None if na is None else _zeroed(xp, g, self.key),
                None if nv is None else g[self.key].sum())


class _WriteInto(Rule):
    """A copy of a with src written at `key` (src already shaped as a[key]). The gradient of a is
    g with the key zeroed; of src, g at the key."""
    explain = Explain("{a} with {src} written at key",
                      "∂/∂a = g with the written positions zeroed,  ∂/∂src = g at them")
    batching = "batch_dims"

    @staticmethod
    def forward(node, xp, a, src, key):
        if node is not None:
            node.key = key
        out = np.array(a)
        out[key] = src
        return out

    @classmethod
    def _jvp(cls, xp, t, out, a, src, key):
        return _through(cls, xp, _or_zeros(xp, t[0], a), _or_zeros(xp, t[1], src), key)

    def vjp(self, g, xp):
        (na, _), (ns, _) = self.next_functions
        return (None if na is None else _zeroed(xp, g, self.key),
                None if ns is None else g[self.key])


class IndexCopyBackward0(_WriteInto):
    """index_copy(dim, index, source): source's slices written at index along dim"""
    explain = Explain("index_copy({a}, dim, index, {src})",
                      "∂/∂a = g with the copied slices zeroed,  ∂/∂src = g selected at index")
    batching = "batch_dims"
    op_name = "index_copy"

    @staticmethod
    def jvp(xp, t, out, a, src, key):
        return IndexCopyBackward0._jvp(xp, t, out, a, src, key)


class SelectScatterBackward0(_WriteInto):
    """select_scatter(src, dim, index): src written at position index along dim"""
    explain = Explain("select_scatter({a}, {src})", "∂/∂a = g with that slice zeroed,  ∂/∂src = g at that slice")
    batching = "batch_dims"
    op_name = "select_scatter"

    @staticmethod
    def jvp(xp, t, out, a, src, key):
        return SelectScatterBackward0._jvp(xp, t, out, a, src, key)


class SliceScatterBackward0(_WriteInto):
    """slice_scatter(src, dim, start, end, step): src written at that slice along dim"""
    explain = Explain("slice_scatter({a}, {src})", "∂/∂a = g with that slice zeroed,  ∂/∂src = g at that slice")
    batching = "batch_dims"
    op_name = "slice_scatter"

    @staticmethod
    def jvp(xp, t, out, a, src, key):
        return SliceScatterBackward0._jvp(xp, t, out, a, src, key)


class PutBackward0(Rule):
    """put(index, source, accumulate): source's elements written (or added) at the flat positions
    `index` of a copy of a; `key` is those positions as a NumPy key in a's shape"""
    explain = Explain("put({a}, index, {src})",
                      "∂/∂a = g with the written positions zeroed (all of g when accumulating),  ∂/∂src = g at the "
                      "flat index")
    op_name = "put"
    batching = "index"

    @staticmethod
    def forward(node, xp, a, src, key, accumulate):
        if node is not None:
            node.key, node.accumulate = key, accumulate
            node.src_shape = src.shape
        out = np.array(a)
        if accumulate:
            np.add.at(out, key, src.reshape(-1))
        else:
            out[key] = src.reshape(-1)
        return out

    @staticmethod
    def jvp(xp, t, out, a, src, key, accumulate):
        return _through(PutBackward0, xp, _or_zeros(xp, t[0], a), _or_zeros(xp, t[1], src), key, accumulate)

    def vjp(self, g, xp):
        (na, _), (ns, _) = self.next_functions
        ga = gs = None
        if na is not None:
            ga = g if self.accumulate else _zeroed(xp, g, self.key)
        if ns is not None:
            gs = g[self.key].reshape(self.src_shape)
        return ga, gs


class MaskedScatterBackward0(Rule):
    """masked_scatter(mask, source): source's first elements, in order, written where the mask
    holds (`key`: the mask's nonzero positions, or for a 0-d tensor the 0-d mask itself); source's
    other elements get zero gradient"""
    explain = Explain("masked_scatter({a}, mask, {src})",
                      "∂/∂a = g where the mask is false,  ∂/∂src = g's masked elements, in order, zeros after")
    op_name = "masked_scatter"
    batching = "index"

    @staticmethod
    def forward(node, xp, a, src, key):
        if node is not None:
            node.key = key
            node.src_shape = src.shape
        out = np.array(a)
        first = key[0]
        out[key] = src.reshape(-1)[:int(first) if first.dtype == np.bool_ else len(first)]
        return out

    @staticmethod
    def jvp(xp, t, out, a, src, key):
        return _through(MaskedScatterBackward0, xp, _or_zeros(xp, t[0], a), _or_zeros(xp, t[1], src), key)

    def vjp(self, g, xp):
        (na, _), (ns, _) = self.next_functions
        ga = gs = None
        if na is not None:
            ga = _zeroed(xp, g, self.key)
        if ns is not None:
            picked = g[self.key].reshape(-1)
            total = 1
            for s in self.src_shape:
                total *= s
            rest = total - picked.shape[0]
            if rest:
                picked = xp.concatenate([picked, xp.zeros((rest,), _np_dtype(g))], 0)
            gs = picked.reshape(self.src_shape)
        return ga, gs


class IndexPutBackward0(_IndexPutRule):
    """index_put(indices, values, accumulate): values written (or added) at the advanced key of a
    copy of a; the gradient of values is g at the key, summed over values' broadcast dims"""
    explain = Explain("index_put({a}, index, {v})",
                      "∂/∂a = g with the written positions zeroed (all of g when accumulating),  ∂/∂v = g at index")
    batching = "index"
    op_name = "index_put"

    @staticmethod
    def forward(node, xp, a, values, key, accumulate):
        out = np.array(a)
        if accumulate:
            np.add.at(out, key, np.broadcast_to(values, out[key].shape))
        else:
            out[key] = values
        if node is not None:
            node.idx = key
            node.accumulate = accumulate
            if not accumulate:
                mask = np.zeros(a.shape, bool)
                mask[key] = True
                node.mask = mask
            node.vshape = values.shape
            node.vdtype = None
        return out

    @staticmethod
    def jvp(xp, t, out, a, values, key, accumulate):  # type: ignore[override]
        return _through(IndexPutBackward0, xp, _or_zeros(xp, t[0], a), _or_zeros(xp, t[1], values),
                              key, accumulate)


# ============================================================================ scatter_reduce, index_reduce
def _reduce_identity(reduce, dtype):
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    if dtype.kind == "f":
        return -np.inf if reduce == "amax" else np.inf
    if dtype.kind == "b":
        return reduce != "amax"
    info = np.iinfo(dtype)
    return info.min if reduce == "amax" else info.max


_UFUNCS = {"sum": np.add, "mean": np.add, "prod": np.multiply, "amax": np.maximum, "amin": np.minimum}


class ScatterReduceBackward0(Rule):
    """scatter_reduce(dim, index, src, reduce, include_self): src's (leading block's) elements
    reduced into a copy of a at the places `key` (index-shaped) by sum, prod, mean, amax or amin,
    a's own value taking part unless include_self is False. Gradients: sum and mean pass g (over the
    count for mean); prod passes g times the product of the others; amax and amin share g evenly
    among the elements equal to the result."""
    explain = Explain("scatter_reduce({a}, dim, index, {src})",
                      "sum: ∂ = g (gathered for src); prod: out/x; amax/amin: g shared among the ties; mean: divided "
                      "by the counts")
    op_name = "scatter_reduce"
    batching = "batch_dims"
    saves_output = True

    @staticmethod
    def forward(node, xp, a, src, key, block, reduce, include_self):
        if xp.apply_rule is not None:  # create_graph: the saved values again, as Tensors in the graph
            out = xp.apply_rule(type(node), a, src, key, block, reduce, include_self)
            node.saved = (a, src[block], out)
            return out
        vals = src[block]
        out = np.array(a)
        if not include_self:
            out[key] = _reduce_identity(reduce, out.dtype)
        _UFUNCS[reduce].at(out, key, vals)
        counts = None
        if reduce == "mean":
            counts = np.ones(a.shape, np.int64) if include_self else np.zeros(a.shape, np.int64)
            np.add.at(counts, key, 1)
            counts[counts == 0] = 1
            if out.dtype.kind in "iub":
                out = np.floor_divide(out, counts).astype(out.dtype)
            else:
                out = (out / counts).astype(out.dtype)
        if node is not None:
            node.key, node.block, node.reduce, node.include_self = key, block, reduce, include_self
            node.src_shape = src.shape
            node.counts = counts
            node.saved = (a, vals, out) if reduce in ("prod", "amax", "amin") else ()
        return out

    @staticmethod
    def jvp(xp, t, out, a, src, key, block, reduce, include_self):
        ta, ts = _or_zeros(xp, t[0], a), _or_zeros(xp, t[1], src)
        if reduce in ("sum", "mean"):  # linear in (a, src)
            return _through(ScatterReduceBackward0, xp, ta, ts, key, block, reduce, include_self)
        if reduce == "prod":
            raise NotImplementedError("Trying to use forward AD with scatter_reduce(reduce='prod') that does not "
                                      "support it (as in PyTorch); reverse mode works: use vjp or jacrev.")
        # amax/amin: the tangents of the elements equal to the result, averaged over ties
        dt = _np_dtype(ta)
        a_hit = a == out
        if not include_self:
            a_hit = a_hit * (_through(IndexFillBackward0, xp, xp.ones_like(out), key, 0) != 0)
        v_hit = src[block] == out[key]
        shape = tuple(a.shape)
        count = xp.index_add(shape, dt, key, v_hit) + a_hit
        total = ta * a_hit + xp.index_add(shape, dt, key, ts[block] * v_hit)
        return xp.where(count == 0, ta, total / xp.where(count == 0, 1.0, count))

    def vjp(self, g, xp):
        (na, _), (ns, _) = self.next_functions
        key, reduce = self.key, self.reduce
        if reduce == "sum":
            ga, gv = g, g[key]
        elif reduce == "mean":
            ga = g / self.counts.astype(_np_dtype(g))
            gv = ga[key]
        elif reduce == "prod":
            a, vals, out = self.saved
            ga, gv = _prod_grads(xp, g, a, vals, out, key, self.include_self)
        else:
            a, vals, out = self.saved
            a_hit = a == out
            v_hit = vals == out[key]
            share = g / (xp.index_add(tuple(a.shape), _np_dtype(g), key, v_hit) + a_hit)
            ga = a_hit * share
            gv = v_hit * share[key]
        if not self.include_self:
            ga = _zeroed(xp, ga, key)
        if ns is not None:
            gv = _padded(xp, gv, self.src_shape, self.block)
        return (None if na is None else ga), (None if ns is None else gv)


def _prod_grads(xp, g, a, vals, out, key, include_self):
    """The gradients of a product reduction: d out / d x = the product of the other factors, which
    is out / x where x != 0; where x is the only zero factor of its place, the product of the
    others is recomputed with x replaced by 1; where a place has several zeros, it is 0."""
    shape = tuple(a.shape)
    dt = _np_dtype(g)
    zeros_at = xp.index_add(shape, dt, key, vals == 0)
    if include_self:
        zeros_at = zeros_at + (a == 0)
    # products of the nonzero factors only
    a_nz = xp.where(a == 0, 1.0, a)
    v_nz = xp.where(vals == 0, 1.0, vals)
    prod_nz = _prod_at(xp, a_nz if include_self else xp.ones_like(a_nz), v_nz, key)
    safe_a = a_nz
    if include_self:
        ga = xp.where(zeros_at == 0, g * out / safe_a, xp.where((zeros_at == 1) * (a == 0), g * prod_nz, 0.0))
    else:  # a's places the reduction did not touch pass g; the touched ones are zeroed by the caller
        ga = g
    zeros_v = zeros_at[key]
    gk = g[key]
    gv = xp.where(zeros_v == 0, gk * out[key] / v_nz,
                  xp.where((zeros_v == 1) * (vals == 0), gk * prod_nz[key], 0.0))
    return ga, gv


def _prod_at(xp, base, vals, key):
    """base with vals multiplied in at key (repeats multiplying), on arrays or Tensors."""
    if xp.apply_rule is None:
        out = np.array(base)
        np.multiply.at(out, key, vals)
        return out
    return xp.apply_rule(ScatterReduceBackward0, base, vals, key, tuple(slice(None) for _ in vals.shape),
                         "prod", True)


def _padded(xp, gv, src_shape, block):
    """The gradient of src when only its leading `block` was used: zeros around it."""
    if tuple(gv.shape) == tuple(src_shape):
        return gv
    return _through(_PadBlock, xp, gv, src_shape, block)


class _PadBlock(Rule):
    """zeros of `shape` with a at `block` (the leading block of a larger tensor)"""
    explain = Explain("pad_block({a})", "∂/∂a = g's leading block where a was written")
    batching = "batch_dims"

    @staticmethod
    def forward(node, xp, a, shape, block):
        if node is not None:
            node.block = block
        out = np.zeros(shape, a.dtype)
        out[block] = a
        return out

    jvp = LINEAR_JVP

    def vjp(self, g, xp):
        return (g[self.block],)


class IndexReduceBackward0(ScatterReduceBackward0):
    """index_reduce(dim, index, source, reduce, include_self): source's slices reduced into a copy of
    a at index along dim (scatter_reduce with index run along every other dim of source)"""
    batching = "batch_dims"
    op_name = "index_reduce"

    @staticmethod
    def jvp(xp, t, out, a, src, key, block, reduce, include_self):
        raise NotImplementedError("Trying to use forward AD with index_reduce that does not support it because it "
                                  "has not been implemented yet (as in PyTorch); reverse mode works: use vjp or "
                                  "jacrev.")


class ScatterWithReduce(Rule):
    """scatter(dim, index, src or value, reduce="add" | "multiply"): src's (leading block's) elements,
    or the number, added into (multiplied into) a copy of a at the places `key`. PyTorch has no
    derivative for it: recorded, and backward through it is PyTorch's error."""
    op_name = "scatter"
    batching = "batch_dims"

    @staticmethod
    def forward(node, xp, a, src, key, block, reduce):
        out = np.array(a)
        vals = src[block] if type(src) is ndarray and src.ndim else np.broadcast_to(src, key[0].shape)
        (np.add if reduce == "add" else np.multiply).at(out, key, vals)
        return out

    def vjp(self, g, xp):
        raise RuntimeError("derivative for aten::scatter is not implemented (scatter_reduce differentiates: "
                           "reduce='sum' or 'prod')")


ScatterWithReduce.__name__ = ScatterWithReduce.__qualname__ = "NotImplemented"


class DetachCopyBackward(Rule):
    """detach_copy(a): a copy that PyTorch records but cannot differentiate (backward raises)"""
    op_name = "detach_copy"
    batching = "batch_dims"

    @staticmethod
    def forward(node, xp, a):
        return np.array(a)

    def vjp(self, g, xp):
        raise RuntimeError("derivative for aten::detach_copy is not implemented (use clone() for a "
                           "differentiable copy, or detach() for none)")


DetachCopyBackward.__name__ = DetachCopyBackward.__qualname__ = "NotImplemented"


# ============================================================================ as_strided
def strided_view(storage, shape, strides, offset):
    """The elements of the flat, C-ordered `storage` at offset + sum(i_k * strides[k]) (strides in
    elements) as a view in `shape`: what as_strided reads."""
    item = storage.itemsize
    return ndarray(shape, storage.dtype, storage, offset * item, tuple(st * item for st in strides))


class AsStridedBackward0(Rule):
    """as_strided(size, stride, storage_offset): a view of the storage of a's base at the flat
    positions `p_out`; a's own elements are at `p_in`. The gradient adds g into zeros of the storage
    at p_out (repeated positions add up) and reads a's elements back from it."""
    explain = Explain("as_strided({a})", "∂/∂a = g added back into a's storage at the strided positions")
    op_name = "as_strided"
    batching = "loop"  # a view of storage by strides: no per-example form

    @staticmethod
    def forward(node, xp, a, storage, shape, strides, offset, p_out, p_in):
        if node is not None:
            node.p_out, node.p_in, node.numel = p_out, p_in, storage.size
        if storage.flags.c_contiguous:
            out = strided_view(storage, shape, strides, offset)
            if not storage.flags.writeable or np.unique(p_out).size < p_out.size:
                out.flags.writeable = False  # several elements at one place: writes are refused
            return out
        return storage.reshape(-1)[p_out]

    @staticmethod
    def jvp(xp, t, out, a, storage, shape, strides, offset, p_out, p_in):
        return xp.index_add((storage.size,), _np_dtype(t[0]), p_in, t[0])[p_out]

    def vjp(self, g, xp):
        return (xp.index_add((self.numel,), _np_dtype(g), self.p_out, g)[self.p_in],)


class AsStridedBackward0_copy(AsStridedBackward0):
    """as_strided_copy: as_strided as a new tensor"""
    batching = "loop"  # a copy of storage by strides: no per-example form

    @staticmethod
    def forward(node, xp, a, storage, shape, strides, offset, p_out, p_in):
        return np.array(AsStridedBackward0.forward(node, xp, a, storage, shape, strides, offset, p_out, p_in))


class AsStridedScatterBackward0(PutBackward0):
    """as_strided_scatter(src, size, stride, storage_offset): src written into a copy of a at the
    places as_strided would read (a's flat positions, as a NumPy key)"""
    explain = Explain("as_strided_scatter({a}, {src})",
                      "∂/∂a = g with the written positions zeroed,  ∂/∂src = g at them")
    batching = "loop"  # a write into storage by strides: no per-example form
    op_name = "as_strided_scatter"

    @staticmethod
    def jvp(xp, t, out, a, src, key, accumulate):
        return _through(AsStridedScatterBackward0, xp, _or_zeros(xp, t[0], a), _or_zeros(xp, t[1], src), key,
                        accumulate)
