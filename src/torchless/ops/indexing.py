"""Indexing ops: reading parts of a tensor (views and gathers) and writing into parts of one.

Keys arrive from the Tensor layer already checked and in NumPy's form: `idx` is a tuple NumPy can
index with (ints, slices, None, Ellipsis for views; integer arrays and slices for gathers). A key
never holds a NumPy bool mask: masks arrive as the integer arrays of their nonzero positions.

Two ways to send a gradient back into a zero tensor of the input's shape:
  * `_scatter_unique` writes it with `z[idx] = g`: fast, right when no position repeats (views,
    masks, nonzero positions);
  * `xp.index_add` adds it (np.add.at): right when positions repeat (x[[0, 0]], gather).
Both also run on Tensors (item assignment on a Tensor is a recorded op), so create_graph works.
"""
from typing import ClassVar, Optional

import numpy as np

from ..engine.node import LINEAR_JVP, linear_through
from ._rule import Explain, Rule
from ..overrides import handle_torch_function, has_torch_function


def _scatter_unique(xp, shape, dtype, idx, g):
    """zeros(shape) with g written at idx (positions must not repeat)."""
    if type(g) is not xp.ndarray and has_torch_function((g,)):  # vmap over a backward: the write per example
        return handle_torch_function(_scatter_unique, (g,), xp, shape, dtype, idx, g)
    z = xp.zeros(shape, dtype)
    z[idx] = g
    return z


# ============================================================================ views
class _BasicIndex(Rule):
    """a[idx] for ints, slices, None and Ellipsis: a view. The gradient is g written into zeros
    at the same place (a view never repeats a position)."""
    explain = Explain("{a}[key]", "∂a[key]/∂a = g written into zeros at key")
    batching = "index"

    @staticmethod
    def forward(node, xp, a, idx):
        if node is not None:
            node.shape = a.shape
            node.idx = idx
        return a[idx]

    jvp = LINEAR_JVP  # linear in a: the tangent goes through forward

    def vjp(self, g, xp):
        return (_scatter_unique(xp, self.shape, g.dtype, self.idx, g),)


class SelectBackward0(_BasicIndex):
    """x[i] (the last basic step was an int)"""
    explain = Explain("{a}[i]", "∂a[i]/∂a = g written into zeros at index i")


class SliceBackward0(_BasicIndex):
    """x[a:b:c] (the last basic step was a slice)"""
    explain = Explain("{a}[i:j:k]", "∂a[i:j:k]/∂a = g written into zeros at the slice")


class UnsqueezeBackward0(_BasicIndex):
    """x[None] (the last basic step inserted a dim)"""
    explain = Explain("{a}[None]", "a new size-1 dim: the gradient is reshaped back")


class AliasBackward0(Rule):
    """x[...], x[:, :]: the same elements, a new view"""
    explain = Explain("{a}[...]", "∂a[...]/∂a = 1 (the same elements)")
    batching = "index"

    @staticmethod
    def forward(node, xp, a, idx):
        return a[idx]

    jvp = LINEAR_JVP  # linear in a: the tangent goes through forward

    def vjp(self, g, xp):
        return (g,)


class AsStridedBackward0(Rule):
    """A view re-derived from its base after an in-place write into the base (what a view's
    grad_fn becomes then). `pos` holds, for each element of the view, its flat position in the base."""
    explain = Explain("as_strided({a})",
                      "a view of the base's storage: ∂/∂base = g written back at the strided positions")
    batching = "loop"  # a view of storage by strides: no per-example form

    @staticmethod
    def jvp(xp, t, out, pos):  # the base's tangent at the view's places
        return t[0].reshape(-1)[pos.reshape(-1)].reshape(pos.shape)

    def vjp(self, g, xp):
        flat = xp.index_add((self.numel,), g.dtype, self.pos, g)
        return (flat.reshape(self.base_shape),)


# ============================================================================ gathers (copies)
class IndexBackward0(Rule):
    """a[idx] with integer arrays (advanced indexing): a copy. Repeated positions add up in the
    gradient unless the key came from masks (`unique`)."""
    explain = Explain("{a}[index]", "∂a[idx]/∂a = g added into zeros at idx (repeated indices add up)")
    batching: ClassVar[Optional[str]] = "index"  # (declared wide: padding's gathers derive from it, unbatched)
    keeps_indices = True

    @staticmethod
    def forward(node, xp, a, idx, unique=False):
        if node is not None:
            node.shape = a.shape
            node.idx = idx
            node.unique = unique
        out = a[idx]
        if type(out) is np.ndarray and not out.flags.c_contiguous:
            # NumPy puts the indexed dims first when a slice comes before them (x[:, idx]) and
            # returns a transposed copy; PyTorch's result is contiguous (x[:, idx].view(-1) works)
            out = np.ascontiguousarray(out)
        return out

    jvp = LINEAR_JVP  # linear in a: the tangent goes through forward

    def vjp(self, g, xp):
        if self.unique:
            return (_scatter_unique(xp, self.shape, g.dtype, self.idx, g),)
        return (xp.index_add(self.shape, g.dtype, self.idx, g),)


class IndexSelectBackward0(IndexBackward0):
    """index_select(dim, index): `idx` is (:, ..., index) with the index at `dim`"""
    explain = Explain("index_select({a}, dim, index)", "∂/∂a = g index-added into zeros at index along dim")


class GatherBackward0(IndexBackward0):
    """gather(dim, index): `idx` holds the index at `dim` and broadcast aranges elsewhere"""
    explain = Explain("gather({a}, dim, index)", "∂/∂a = g scatter-added into zeros at index along dim")


class TakeBackward0(Rule):
    """take(index): elements of the flattened input"""
    explain = Explain("take({a}, index)", "∂/∂a = g added into zeros at the flat index")
    batching = "index"
    keeps_indices = True

    @staticmethod
    def forward(node, xp, a, index):
        if node is not None:
            node.shape = a.shape
            node.numel = a.size
            node.index = index
        return a.reshape(-1)[index]

    jvp = LINEAR_JVP  # linear in a: the tangent goes through forward

    def vjp(self, g, xp):
        return (xp.index_add((self.numel,), g.dtype, self.index, g).reshape(self.shape),)


class MaskedSelectBackward0(Rule):
    """masked_select(mask): the elements where the (broadcast) mask holds, as a vector.
    `idx` is the nonzero positions of the mask broadcast to `bshape`."""
    explain = Explain("{a}[mask]", "∂/∂a = g written into zeros where the mask holds")
    batching = "index"
    keeps_indices = True

    @staticmethod
    def forward(node, xp, a, bshape, idx):
        if node is not None:
            node.shape = a.shape
            node.bshape = bshape
            node.idx = idx
        return xp.broadcast_to(a, bshape)[idx]

    jvp = LINEAR_JVP  # linear in a: the tangent goes through forward

    def vjp(self, g, xp):
        return (xp.sum_to(_scatter_unique(xp, self.bshape, g.dtype, self.idx, g), self.shape),)


# ============================================================================ writes
def _written_tangent(xp, base_t, value_t, like, key):
    """The tangent after a write: the written tensor's tangent (zeros if none) with the value's
    tangent (zero if none) at the written places."""
    new = xp.zeros_like(like) if base_t is None else xp.copy(base_t)
    new[key] = 0.0 if value_t is None else value_t
    return new


class IndexPutBackward0(Rule):
    """a with `values` put at idx (x[idx] = v on integer/mask keys), or added there with
    `accumulate`. Edges: (a, values), either may be empty. `mask` marks the overwritten positions,
    whose old values get no gradient. The write itself happens in the Tensor layer (item assignment);
    forward AD asks jvp for the written tensor's tangent (`out`: its value; `key`: the user's key)."""
    explain = Explain("index_put({a}, index, {v})",
                      "∂/∂a = g with the written positions zeroed (all of g when accumulating),  ∂/∂v = g at index")
    batching = "index"

    @staticmethod
    def jvp(xp, t, out, key):
        return _written_tangent(xp, t[0], t[1], out, key)

    def vjp(self, g, xp):
        (na, _), (nv, _) = self.next_functions
        ga = gv = None
        if na is not None:
            ga = g if self.accumulate else xp.where(self.mask, 0.0, g)
        if nv is not None:
            gv = g[self.idx]
            if self.vdtype is not None:
                gv = xp.to_dtype(gv, self.vdtype)
            gv = xp.sum_to(gv, self.vshape)
        return ga, gv


class CopySlices(Rule):
    """A base tensor after something was written in place into one of its views. Edges: (the
    base before the write, the written value). Outside the view the gradient flows to the old base;
    inside it flows to the value. `pos`: the view's elements' flat positions in the base; `mask`:
    True inside the view. Forward AD asks jvp for the base's tangent after the write (`out`: the
    base's value; `pos` as above)."""
    explain = Explain("{base} with {src} written in",
                      "∂/∂base = g with the written positions zeroed,  ∂/∂src = g at those positions")
    batching = "index"

    @staticmethod
    def jvp(xp, t, out, pos):
        base_t, value_t = t
        flat = _written_tangent(xp, None if base_t is None else base_t.reshape(-1),
                                None if value_t is None else value_t.reshape(-1), out.reshape(-1), pos.reshape(-1))
        return flat.reshape(tuple(out.shape))

    def vjp(self, g, xp):
        (nb, _), (nv, _) = self.next_functions
        gb = gv = None
        if nb is not None:
            gb = xp.where(self.mask, 0.0, g)
        if nv is not None:
            gv = g.reshape(-1)[self.pos]
            if self.vdtype is not None:
                gv = xp.to_dtype(gv, self.vdtype)
            gv = xp.sum_to(gv, self.vshape)
        return gb, gv


class ScatterBackward0(Rule):
    """scatter(dim, index, src): a copy of a with src's leading block written at the gathered
    positions `idx` (index-shaped). Overwritten positions send no gradient to a."""
    explain = Explain("scatter({a}, dim, index, {src})",
                      "∂/∂a = g with the written positions zeroed,  ∂/∂src = g gathered at index")
    batching = "batch_dims"
    keeps_indices = True

    @staticmethod
    def forward(node, xp, a, src, idx, mask, block):
        if node is not None:
            node.idx, node.mask, node.block = idx, mask, block
            node.src_shape = src.shape
        out = a.copy()
        out[idx] = src[block]
        return out

    @staticmethod
    def jvp(xp, t, out, a, src, idx, mask, block):  # linear in (a, src) together
        return linear_through(ScatterBackward0, xp, _or_zeros(xp, t[0], a), _or_zeros(xp, t[1], src), idx, mask, block)

    def vjp(self, g, xp):
        (na, _), (ns, _) = self.next_functions
        ga = None if na is None else xp.where(self.mask, 0.0, g)
        gs = None if ns is None else _pad_block(xp, g[self.idx], self.src_shape, self.block)
        return ga, gs


class ScatterBackward1(Rule):
    """scatter(dim, index, value) with a number"""
    explain = Explain("scatter({a}, dim, index, value)", "∂/∂a = g with the written positions zeroed")
    batching = "batch_dims"

    @staticmethod
    def forward(node, xp, a, value, idx, mask):
        if node is not None:
            node.mask = mask
        out = a.copy()
        out[idx] = value
        return out

    @staticmethod
    def jvp(xp, t, out, a, value, idx, mask):  # the written value is a constant
        return linear_through(ScatterBackward1, xp, t[0], 0, idx, mask)

    def vjp(self, g, xp):
        return (xp.where(self.mask, 0.0, g),)


class ScatterAddBackward0(Rule):
    """scatter_add(dim, index, src): src's leading block added at the positions `idx`"""
    explain = Explain("scatter_add({a}, dim, index, {src})", "∂/∂a = g,  ∂/∂src = g gathered at index along dim")
    batching = "batch_dims"

    @staticmethod
    def forward(node, xp, a, src, idx, block):
        if node is not None:
            node.idx, node.block = idx, block
            node.src_shape = src.shape
        return a + xp.index_add(a.shape, a.dtype, idx, src[block])

    @staticmethod
    def jvp(xp, t, out, a, src, idx, block):
        return linear_through(ScatterAddBackward0, xp, _or_zeros(xp, t[0], a), _or_zeros(xp, t[1], src), idx, block)

    def vjp(self, g, xp):
        (na, _), (ns, _) = self.next_functions
        return (None if na is None else g,
                None if ns is None else _pad_block(xp, g[self.idx], self.src_shape, self.block))


class IndexAddBackward0(Rule):
    """index_add(dim, index, source, alpha): alpha * source added along dim at index"""
    explain = Explain("index_add({a}, dim, index, {src})", "∂/∂a = g,  ∂/∂src = α·g selected at index along dim")
    batching = "batch_dims"

    @staticmethod
    def forward(node, xp, a, source, idx, alpha):
        if node is not None:
            node.idx, node.alpha = idx, alpha
        added = source if alpha == 1 else source * alpha
        return a + xp.index_add(a.shape, a.dtype, idx, added)

    @staticmethod
    def jvp(xp, t, out, a, source, idx, alpha):
        return linear_through(IndexAddBackward0, xp, _or_zeros(xp, t[0], a), _or_zeros(xp, t[1], source), idx, alpha)

    def vjp(self, g, xp):
        (na, _), (ns, _) = self.next_functions
        gs = None
        if ns is not None:
            gs = g[self.idx] if self.alpha == 1 else g[self.idx] * self.alpha
        return (None if na is None else g), gs


def _or_zeros(xp, tangent, like):
    """A tangent, or zeros for an input that has none (for rules linear in several inputs)."""
    return xp.zeros_like(like) if tangent is None else tangent


def _pad_block(xp, g_block, src_shape, block):
    """The gradient of src when only its leading `block` was used: zeros around it."""
    if tuple(g_block.shape) == tuple(src_shape):
        return g_block
    return _scatter_unique(xp, src_shape, g_block.dtype, block, g_block)


class MaskedFillBackward0(Rule):
    """masked_fill(mask, number): the filled positions send no gradient back"""
    explain = Explain("masked_fill({a}, mask, value)", "∂/∂a = g where the mask is false, 0 where it was filled")
    batching = "index"
    keeps_indices = True

    @staticmethod
    def forward(node, xp, a, mask, value):
        if node is not None:
            node.mask = mask
        return xp.where(mask, value, a)

    @staticmethod
    def jvp(xp, t, out, a, mask, value):
        return xp.where(mask, 0.0, t[0])

    def vjp(self, g, xp):
        return (xp.where(self.mask, 0.0, g),)


class MaskedFillBackward1(Rule):
    """masked_fill(mask, value) with a 0-d tensor value: it gets the sum of g over the mask"""
    explain = Explain("masked_fill({a}, mask, {v})",
                      "∂/∂a = g where the mask is false,  ∂/∂v = Σ g where the mask holds")
    batching = "index"

    @staticmethod
    def forward(node, xp, a, mask, value):
        if node is not None:
            node.mask = mask
            node.vshape = value.shape
        return xp.where(mask, value, a)

    @staticmethod
    def jvp(xp, t, out, a, mask, value):
        ta = xp.zeros_like(out) if t[0] is None else t[0]
        tv = 0.0 if t[2] is None else t[2]
        return xp.where(mask, tv, ta)

    def vjp(self, g, xp):
        (na, _), (nv, _) = self.next_functions
        ga = None if na is None else xp.where(self.mask, 0.0, g)
        gv = None if nv is None else xp.sum_to(xp.where(self.mask, g, 0.0), self.vshape)
        return ga, gv

