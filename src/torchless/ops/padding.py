"""Padding by copying the input's own values (F.pad's 'reflect', 'replicate' and 'circular' modes).

Every such pad is a gather: along each padded dim, output position j reads input position idx[j]
(reflected, clamped, or wrapped). So one rule does all three: forward indexes the input with an
open mesh of those per-dim index vectors, and the vjp adds each output gradient back onto the
position it was read from (borders fold back onto the input; repeats add up). The classes below
differ only in name, which is PyTorch's grad_fn name for that mode and rank. (mode='constant'
is ConstantPadNdBackward0 in ops/nn.py.)

`pad_index` builds the index; the argument checks (PyTorch's errors) live in nn.functional.pad.
"""
import numpy as np

from ._rule import Explain
from .indexing import IndexBackward0


def reflect_index(n, lo, hi):
    """Input positions for output positions -lo .. n-1+hi mirrored at the edges (edge not repeated):
    ... 2 1 | 0 1 2 .. n-1 | n-2 n-3 ...  Needs lo, hi < n (one reflection at most)."""
    c = np.abs(np.arange(-lo, n + hi))
    return np.where(c > n - 1, 2 * (n - 1) - c, c)


def replicate_index(n, lo, hi):
    """Input positions for output positions -lo .. n-1+hi clamped to the edges: 0 0 | 0 1 .. | n-1 n-1."""
    return np.clip(np.arange(-lo, n + hi), 0, n - 1)


def circular_index(n, lo, hi):
    """Negative pads crop first; the kept part [start, start+kept) is then repeated periodically:
    the lo positions before it read its tail, the hi after it its head (wrapping again where a pad
    is longer than the kept part, as PyTorch does when it is well defined)."""
    start = max(-lo, 0)
    kept = n - start - max(-hi, 0)
    out = kept + max(lo, 0) + max(hi, 0)
    if kept <= 0:
        return np.arange(0)  # cropped away entirely (F.pad checked no pad asks for a value)
    return start + (np.arange(out) - max(lo, 0)) % kept


INDEX_OF_MODE = {"reflect": reflect_index, "replicate": replicate_index, "circular": circular_index}


def pad_index(shape, pad, mode):
    """The index that pads the last len(pad)//2 dims of an array of `shape`: a tuple of full slices
    for the leading dims, then one integer vector per padded dim shaped to broadcast as an open
    mesh (like np.ix_), so that a[index] is the padded array. Read-only: callers may cache it."""
    index_of = INDEX_OF_MODE[mode]
    k = len(pad) // 2
    ndim = len(shape)
    vectors = []
    for i in range(k):  # i-th padded dim counted from the first padded one (pad lists it last)
        d = ndim - k + i
        j = k - 1 - i
        v = index_of(shape[d], pad[2 * j], pad[2 * j + 1])
        v = v.reshape((-1,) + (1,) * (k - 1 - i))
        v.flags.writeable = False
        vectors.append(v)
    return (slice(None),) * (ndim - k) + tuple(vectors)


# ============================================================================ the rule
class _GatherPad(IndexBackward0):
    """out = a[index] (index from pad_index): an advanced-indexing gather, whose gradient adds g
    back at index (border positions repeat, so repeats add up)."""
    explain = Explain("pad({a})", "∂pad(a)/∂a = g added back into the positions each padded element was read from")
    batching = "batch_first"  # (vmap: F.pad folds the batch into N for these modes, func/batching.py)


class ReflectionPad1DBackward0(_GatherPad):
    """F.pad(mode='reflect') of the last dim"""


class ReflectionPad2DBackward0(_GatherPad):
    """F.pad(mode='reflect') of the last 2 dims"""


class ReflectionPad3DBackward0(_GatherPad):
    """F.pad(mode='reflect') of the last 3 dims"""


class ReplicationPad1DBackward0(_GatherPad):
    """F.pad(mode='replicate') of the last dim"""


class ReplicationPad2DBackward0(_GatherPad):
    """F.pad(mode='replicate') of the last 2 dims"""


class ReplicationPad3DBackward0(_GatherPad):
    """F.pad(mode='replicate') of the last 3 dims"""


class CopySlices(_GatherPad):
    """circular pad. PyTorch builds it from slice writes into a new tensor, so its grad_fn is the
    CopySlices of the last write; here it is one gather like the other modes, under that name."""


RULES = {
    ("reflect", 1): ReflectionPad1DBackward0, ("reflect", 2): ReflectionPad2DBackward0,
    ("reflect", 3): ReflectionPad3DBackward0, ("replicate", 1): ReplicationPad1DBackward0,
    ("replicate", 2): ReplicationPad2DBackward0, ("replicate", 3): ReplicationPad3DBackward0,
    ("circular", 1): CopySlices, ("circular", 2): CopySlices, ("circular", 3): CopySlices,
}
