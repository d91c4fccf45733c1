"""Shape ops: views, copies, expansion, joining and splitting; each forward beside its vjp.

View rules return NumPy views (no copy), as PyTorch's views share storage. `dim` arguments arrive
normalized (non-negative ints) and sizes checked from the Tensor layer.

Every rule here is linear, so none saves an array: backward needs only shapes, dims and dtypes, and
forward is never re-run on Tensors (create_graph re-runs forward only for rules with `saved`). The
vjps are written against `xp`; where a vjp needs a structural op that the namespaces lack (slicing
along a dim, flip, roll), the small helpers below do it on either an ndarray or a Tensor.
"""
import numpy as np

from ..engine.node import LINEAR_JVP, linear_through
from ._rule import Explain, Rule

ndarray = np.ndarray


# ---------------------------------------------------------------------------- array-or-Tensor helpers
def _is_array(g):
    """NumPy (plain backward; NumPy scalars included), not a Tensor (create_graph)."""
    return type(g) is ndarray or isinstance(g, np.generic)


def _slice_along(g, dim, start, stop):
    """g[..., start:stop, ...] (the slice on axis `dim`); a view for arrays."""
    if _is_array(g):
        return g[(slice(None),) * dim + (slice(start, stop),)]
    return g.narrow(dim, start, stop - start)


def _pieces(g, dim):
    """The slices g[..., i, ...] along `dim`, as a tuple."""
    if _is_array(g):
        lead = (slice(None),) * dim
        return tuple(g[lead + (i,)] for i in range(g.shape[dim]))
    return g.unbind(dim)


def _flip(g, dims):
    return np.flip(g, dims).copy() if _is_array(g) else g.flip(dims)


def _roll(g, shifts, dims):
    return np.roll(g, shifts, dims) if _is_array(g) else g.roll(shifts, dims)


def _dtype_of(g):
    return g.dtype if _is_array(g) else g.dtype.np


def _pad_along(xp, g, shape, dim, start):
    """An array of `shape`, zero except g placed at [start:start+len] along `dim` (vjp of slicing)."""
    if _is_array(g):
        out = np.zeros(shape, g.dtype)
        out[(slice(None),) * dim + (slice(start, start + g.shape[dim]),)] = g
        return out
    parts = []
    after = shape[dim] - start - g.shape[dim]
    dt = _dtype_of(g)
    if start:
        parts.append(xp.zeros(shape[:dim] + (start,) + shape[dim + 1:], dt))
    parts.append(g)
    if after:
        parts.append(xp.zeros(shape[:dim] + (after,) + shape[dim + 1:], dt))
    return parts[0] if len(parts) == 1 else xp.concatenate(parts, dim)


# ============================================================================ copies
def is_dense(a):
    """Whether an array's elements fill its memory without gaps or repeats, in some order of dims."""
    expected = a.itemsize
    for stride, n in sorted((abs(st), n) for st, n in zip(a.strides, a.shape) if n != 1):
        if stride != expected:
            return False
        expected *= n
    return True


class CloneBackward0(Rule):
    """clone(a), a copy:  d/da = 1"""
    batching = "elementwise"
    explain = Explain("clone({a})", "∂a/∂a = 1", symbolic=lambda sp, a: a)

    @staticmethod
    def forward(node, xp, a, order="C"):  # order "K": the copy keeps a's memory layout (clone())
        if not hasattr(a, "copy"):
            return a.clone()
        if order == "K" and not (a.flags.c_contiguous or is_dense(a)):
            order = "C"  # PyTorch keeps the layout of a dense tensor only (an expand's clone is contiguous)
        return a.copy(order)

    jvp = LINEAR_JVP  # linear in a: the tangent goes through forward

    def vjp(self, g, xp):
        return (g,)


class ToCopyBackward0(Rule):
    """a converted to another dtype: the gradient converts back"""
    explain = Explain("{a}.to(dtype)", "∂a/∂a = 1: the gradient is converted back to a's dtype",
                      symbolic=lambda sp, a: a)
    batching = "elementwise"

    @staticmethod
    def forward(node, xp, a, np_dtype):
        if node is not None:
            node.src = a.dtype
        return xp.to_dtype(a, np_dtype)

    jvp = LINEAR_JVP  # linear in a: the tangent goes through forward

    def vjp(self, g, xp):
        return (xp.to_dtype(g, self.src),)


# ============================================================================ views
class ViewBackward0(Rule):
    """view/reshape: the gradient is reshaped back"""
    batching = "view"
    explain = Explain("{a}.view(shape)", "a reshape: the gradient is reshaped back")

    @staticmethod
    def forward(node, xp, a, shape):
        if node is not None:
            node.shape = a.shape
        return a.reshape(shape)

    jvp = LINEAR_JVP  # linear in a: the tangent goes through forward

    def vjp(self, g, xp):
        return (g.reshape(self.shape),)


class UnsafeViewBackward0(ViewBackward0):
    """reshape of a fresh copy (reshape of a tensor that could not be viewed: clone, then this)"""


class PermuteBackward0(Rule):
    """permute(dims): the gradient is permuted by the inverse permutation"""
    batching = "view"
    explain = Explain("{a}.permute(dims)", "a permutation: the gradient is permuted back")

    @staticmethod
    def forward(node, xp, a, dims):
        if node is not None:
            node.dims = dims
        return a.transpose(dims)  # forward runs on arrays only (nothing saved); the method is fastest

    jvp = LINEAR_JVP  # linear in a: the tangent goes through forward

    def vjp(self, g, xp):
        inverse = [0] * len(self.dims)
        for i, d in enumerate(self.dims):
            inverse[d] = i
        return (xp.permute(g, tuple(inverse)),)


class TransposeBackward0(Rule):
    """transpose(d0, d1): swapping the same two dims back (d0 == d1, as on 0-d tensors: identity)"""
    explain = Explain("{a}ᵀ", "a transpose: the gradient is transposed back")
    batching = "view"

    @staticmethod
    def forward(node, xp, a, d0, d1):
        if node is not None:
            node.dims = (d0, d1)
        return a.view() if d0 == d1 else a.swapaxes(d0, d1)

    jvp = LINEAR_JVP  # linear in a: the tangent goes through forward

    def vjp(self, g, xp):
        d0, d1 = self.dims
        return (g if d0 == d1 else xp.swapaxes(g, d0, d1),)


class TBackward0(Rule):
    """t() of a tensor with at most 2 dims"""
    batching = "view"
    explain = Explain("{a}ᵀ", "a transpose: the gradient is transposed back", symbolic=lambda sp, a: a.T)

    @staticmethod
    def forward(node, xp, a):
        return a.swapaxes(0, 1) if a.ndim == 2 else a.view()

    jvp = LINEAR_JVP  # linear in a: the tangent goes through forward

    def vjp(self, g, xp):
        return (xp.swapaxes(g, 0, 1) if len(g.shape) == 2 else g,)


class ExpandBackward0(Rule):
    """expand(shape): a broadcast view; the gradient is summed back"""
    batching = "view"
    explain = Explain("{a}.expand(shape)", "a broadcast: the gradient is summed over the broadcast dims")

    @staticmethod
    def forward(node, xp, a, shape):
        if node is not None:
            node.shape = a.shape
        n = 1
        for s in shape:
            n *= s
        if n == a.size:  # nothing repeats (only size-1 dims added): a plain, writable view
            return a.reshape(shape)
        return xp.broadcast_to(a, shape)  # read-only, as writing into it would be ambiguous

    jvp = LINEAR_JVP  # linear in a: the tangent goes through forward

    def vjp(self, g, xp):
        return (xp.sum_to(g, self.shape),)


class UnsqueezeBackward0(Rule):
    """unsqueeze(dim): a reshape that inserts a size-1 dim (reshape is NumPy's fastest way)"""
    explain = Explain("unsqueeze({a})", "a size-1 dim inserted: the gradient is reshaped back")
    batching = "view"

    @staticmethod
    def forward(node, xp, a, dim):
        shape = a.shape
        if node is not None:
            node.shape = shape
        return a.reshape(shape[:dim] + (1,) + shape[dim:])

    jvp = LINEAR_JVP  # linear in a: the tangent goes through forward

    def vjp(self, g, xp):
        return (g.reshape(self.shape),)


class SqueezeBackward0(Rule):
    """squeeze(): all size-1 dims. The gradient is reshaped back."""
    explain = Explain("squeeze({a})", "size-1 dims removed: the gradient is reshaped back")
    batching = "view"

    @staticmethod
    def forward(node, xp, a, dims):
        if node is not None:
            node.shape = a.shape
        return a.squeeze(dims)

    jvp = LINEAR_JVP  # linear in a: the tangent goes through forward

    def vjp(self, g, xp):
        return (g.reshape(self.shape),)


class SqueezeBackward1(SqueezeBackward0):
    """squeeze(dim)"""


class SqueezeBackward2(SqueezeBackward0):
    """squeeze(dims) with a tuple of dims"""


class SliceBackward0(Rule):
    """narrow(dim, start, length): a view of a range along one dim; the gradient is zero-padded"""
    explain = Explain("narrow({a}, dim, start, length)", "∂/∂a = g zero-padded back to a's size along dim")
    batching = "view"

    @staticmethod
    def forward(node, xp, a, dim, start, stop):
        if node is not None:
            node.shape = a.shape
            node.dim = dim
            node.start = start
        return a[(slice(None),) * dim + (slice(start, stop),)]

    jvp = LINEAR_JVP  # linear in a: the tangent goes through forward

    def vjp(self, g, xp):
        return (_pad_along(xp, g, self.shape, self.dim, self.start),)


# ============================================================================ copies that rearrange
class RepeatBackward0(Rule):
    """repeat(reps): tiled copies; the gradient sums the copies of each element"""
    explain = Explain("repeat({a})", "tiled copies: ∂/∂aᵢ = Σ g over aᵢ's copies")
    batching = "view"

    @staticmethod
    def forward(node, xp, a, reps):
        if node is not None:
            node.shape = a.shape
            node.reps = reps
        return np.tile(a, reps)

    jvp = LINEAR_JVP  # linear in a: the tangent goes through forward

    def vjp(self, g, xp):
        reps = self.reps
        padded = (1,) * (len(reps) - len(self.shape)) + tuple(self.shape)
        interleaved = []
        for r, s in zip(reps, padded):
            interleaved += (r, s)
        # g's axis i is (copy r, position s) flattened: split it and sum over the copies
        g = g.reshape(tuple(interleaved)).sum(axis=tuple(range(0, 2 * len(reps), 2)))
        return (g.reshape(self.shape),)


class FlipBackward0(Rule):
    """flip(a, dims), a copy reversed along dims: the gradient is flipped back"""
    explain = Explain("flip({a})", "a reversal: the gradient is flipped back")
    batching = "view"

    @staticmethod
    def forward(node, xp, a, dims):
        if node is not None:
            node.dims = dims
        return np.flip(a, dims).copy()  # NumPy's flip is a view; PyTorch's is a copy

    jvp = LINEAR_JVP  # linear in a: the tangent goes through forward

    def vjp(self, g, xp):
        return (_flip(g, self.dims) if self.dims else g,)


class RollBackward0(Rule):
    """roll(shifts, dims); dims None rolls the flattened tensor"""
    explain = Explain("roll({a})", "a rotation: the gradient is rolled back")
    batching = "view"

    @staticmethod
    def forward(node, xp, a, shifts, dims):
        if node is not None:
            node.shifts = shifts
            node.dims = dims
        return np.roll(a, shifts, dims)

    jvp = LINEAR_JVP  # linear in a: the tangent goes through forward

    def vjp(self, g, xp):
        back = tuple(-s for s in self.shifts) if type(self.shifts) is tuple else -self.shifts
        return (_roll(g, back, self.dims),)


# ============================================================================ joining
class CatBackward0(Rule):
    """cat(tensors, dim): the gradient is sliced back into the inputs' pieces (and dtypes).
    Arguments: dim, the result NumPy dtype (None when all inputs have it already), the positions of
    1-D empty tensors to leave out (PyTorch's legacy "no tensor"; usually none), then the arrays."""
    explain = Explain(None, "cat: ∂/∂(each input) = its slice of g along dim")
    batching = "concat"

    @staticmethod
    def forward(node, xp, dim, np_dtype, skip, *arrays):
        if node is not None:
            node.dim = dim
            node.sizes = tuple(a.shape[dim] for a in arrays) if not skip else \
                tuple(None if i in skip else a.shape[dim] for i, a in enumerate(arrays))
            node.dtypes = None if np_dtype is None else tuple(a.dtype for a in arrays)
            node.out_dtype = np_dtype
        if skip:
            arrays = [a for i, a in enumerate(arrays) if i not in skip]
        if np_dtype is None:
            return np.concatenate(arrays, dim)
        return np.concatenate(arrays, dim, dtype=np_dtype, casting="unsafe")

    @staticmethod
    def jvp(xp, t, out, dim, np_dtype, skip, *arrays):
        return linear_through(CatBackward0, xp, dim, np_dtype, skip,
                              *[xp.zeros_like(a) if ta is None else ta for ta, a in zip(t[3:], arrays)])

    def vjp(self, g, xp):
        dim, dtypes, out_dtype = self.dim, self.dtypes, self.out_dtype
        grads, start = [], 0
        for i, size in enumerate(self.sizes):
            dt = None if dtypes is None or dtypes[i] == out_dtype else dtypes[i]
            if size is None:
                grads.append(xp.zeros((0,), dt or _dtype_of(g)))
                continue
            piece = _slice_along(g, dim, start, start + size)
            grads.append(piece if dt is None else xp.to_dtype(piece, dt))
            start += size
        return tuple(grads)


class StackBackward0(Rule):
    """stack(tensors, dim): the gradient is unbound along dim. Arguments: dim, the result NumPy
    dtype (None when all inputs have it already), then the arrays."""
    explain = Explain(None, "stack: ∂/∂(input i) = g[i] along dim")
    batching = "concat"

    @staticmethod
    def forward(node, xp, dim, np_dtype, *arrays):
        if node is not None:
            node.dim = dim
            node.dtypes = None if np_dtype is None else tuple(a.dtype for a in arrays)
            node.out_dtype = np_dtype
        shape = arrays[0].shape
        shape = shape[:dim] + (1,) + shape[dim:]
        arrays = [a.reshape(shape) for a in arrays]  # then a concatenate: cheaper than np.stack
        if np_dtype is None:
            return np.concatenate(arrays, dim)
        return np.concatenate(arrays, dim, dtype=np_dtype, casting="unsafe")

    @staticmethod
    def jvp(xp, t, out, dim, np_dtype, *arrays):
        return linear_through(StackBackward0, xp, dim, np_dtype,
                              *[xp.zeros_like(a) if ta is None else ta for ta, a in zip(t[2:], arrays)])

    def vjp(self, g, xp):
        pieces = _pieces(g, self.dim)
        if self.dtypes is None:
            return pieces
        out_dtype = self.out_dtype
        return tuple(p if dt == out_dtype else xp.to_dtype(p, dt) for p, dt in zip(pieces, self.dtypes))


# ============================================================================ splitting (several outputs)
class SplitWithSizesBackward0(Rule):
    """split(sizes, dim): output i is the i-th piece (a view); the gradients are joined back, with
    zeros for pieces that got none."""
    explain = Explain("split({a})",
                      "output i is piece i: ∂/∂a = the pieces' gradients joined back (zeros for unused ones)")
    batching = "view"

    multi_output = True

    @staticmethod
    def forward(node, xp, a, dim, sizes):
        if node is not None:
            node.num_outputs = len(sizes)
            node.shape = a.shape
            node.dim = dim
            node.dtype = a.dtype
        lead = (slice(None),) * dim
        pieces, start = [], 0
        for s in sizes:
            pieces.append(a[lead + (slice(start, start + s),)])
            start += s
        if node is not None:
            node.sizes = sizes
        return tuple(pieces)

    jvp = LINEAR_JVP  # linear in a: the tangent goes through forward

    def vjp(self, grads, xp):
        dim, shape = self.dim, self.shape
        if len(grads) == 1 and grads[0] is not None:
            return (grads[0],)
        parts = []
        for g, s in zip(grads, self.sizes):
            parts.append(g if g is not None else xp.zeros(shape[:dim] + (s,) + shape[dim + 1:], self.dtype))
        return (xp.concatenate(parts, dim),)


class SplitBackward0(SplitWithSizesBackward0):
    """split(size, dim) and chunk"""


class UnbindBackward0(Rule):
    """unbind(dim): output i is a[..., i, ...] (a view); the gradients are stacked back."""
    explain = Explain("unbind({a})", "output i is a[i] along dim: ∂/∂a = the outputs' gradients stacked back")
    batching = "view"

    multi_output = True

    @staticmethod
    def forward(node, xp, a, dim):
        if node is not None:
            node.num_outputs = a.shape[dim]
            node.shape = a.shape
            node.dim = dim
            node.dtype = a.dtype
        lead = (slice(None),) * dim
        return tuple(a[lead + (i,)] for i in range(a.shape[dim]))

    jvp = LINEAR_JVP  # linear in a: the tangent goes through forward

    def vjp(self, grads, xp):
        dim, shape = self.dim, self.shape
        piece = shape[:dim] + shape[dim + 1:]
        parts = [g if g is not None else xp.zeros(piece, self.dtype) for g in grads]
        return (xp.stack(parts, dim),)
