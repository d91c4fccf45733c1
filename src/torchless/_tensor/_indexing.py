"""Indexing as Tensor methods and torch functions (rules: ops/indexing.py).

x[key] follows PyTorch, which differs from NumPy in one place: ints, slices, None and `...` are
applied first, as a view (SelectBackward0 / SliceBackward0 / UnsqueezeBackward0 / AliasBackward0,
named after the last step); integer tensors, lists and bool masks are then applied to that view
as one advanced-indexing copy (IndexBackward0). So `x[0, :, [0, 1]]` has shape [3, 2] on a
[2, 3, 4] tensor, where NumPy gives [2, 3].

Writes (x[key] = v, and in-place ops on views) happen in the storage. When they must be recorded,
the base tensor's graph is rebased (CopySlices, as PyTorch does): outside the written region the
gradient flows to the base as it was, inside it flows to the written value. The view itself then
gets a node re-deriving it from the new base (AsStridedBackward0).
"""
from __future__ import annotations

import numbers
import operator
import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .._dtype import C_TYPE_NAMES, SCALAR_TYPE_NAMES, check_number_fits, dtype as DType
from ._core import (EMPTY_EDGE, LEAF_INPLACE_MSG, _broadcast_error, _families, _bump_version, _check_inplace,
                    _fw, _norm_dim, _plain, _plain_out, _snapshot, _write_into, apply, record)
if TYPE_CHECKING:  # annotations name the final class, assembled in _tensor/__init__.py from the mixins
    from . import Tensor
else:  # at run time: _core's name, rebound to the final class by bind_tensor_class
    from ._core import Tensor
from ._core import (writable_data, _NOGRAD_VIEW_ADVICE, INPLACE_ON_NOGRAD_VIEW, _nograd_view_message,
                    mark_nograd_view, retain_on_current_edge)
from ._shape import _register_view
from ._inplace import _OUT_NO_OVERLAP, _check_out_aliasing
from ..engine import forward_ad as _forward_ad
from ..engine.grad_mode import grad_off as _grad_off, no_grad, state as _grad
from ..engine.node import AccumulateGrad
from ..backend import numpy as NP
from ..ops.shape_index import ScatterWithReduce
from ..ops.indexing import (AliasBackward0, AsStridedBackward0, CopySlices, GatherBackward0,
                           IndexAddBackward0, IndexBackward0, IndexPutBackward0,
                           IndexSelectBackward0, MaskedFillBackward0, MaskedFillBackward1,
                           MaskedSelectBackward0, ScatterAddBackward0, ScatterBackward0,
                           ScatterBackward1, SelectBackward0, SliceBackward0, TakeBackward0,
                           UnsqueezeBackward0)

__all__ = ["select", "index_select", "gather", "scatter", "scatter_add", "masked_fill", "masked_select",
           "take", "nonzero", "argwhere", "index_add"]

ndarray = np.ndarray
_INDEX_INTS = (np.dtype(np.int64), np.dtype(np.int32))
_BASIC_RULES = {"select": SelectBackward0, "slice": SliceBackward0,
                "unsqueeze": UnsqueezeBackward0, None: AliasBackward0}

VIEW_LEAF_INPLACE_MSG = ("a view of a leaf Variable that requires grad is being used in an in-place "
                         "operation. (Wrap the write in `with torch.no_grad():`, or write into a clone.)")
_BAD_INDEX_TENSOR = "tensors used as indices must be long, int, byte or bool tensors"


def _root(t):
    b = t._base
    return t if b is None else b


# ============================================================================ parsing a key
def _classify(item):
    """One item of a key -> (kind, value); kinds: int, slice, none, ellipsis, bool, mask, array."""
    ti = type(item)
    if ti is int:
        return "int", item
    if ti is slice:
        return "slice", _check_slice(item)
    if item is None:
        return "none", None
    if item is Ellipsis:
        return "ellipsis", None
    if ti is bool or ti is np.bool_:
        return "bool", bool(item)
    if ti is Tensor or ti is ndarray or isinstance(item, Tensor):
        arr = item if ti is ndarray else item._data
        dt = arr.dtype
        if dt.kind == "b" or dt == np.uint8:
            return ("bool", bool(arr)) if arr.ndim == 0 else ("mask", arr.astype(bool, copy=False))
        if dt in _INDEX_INTS or (ti is ndarray and dt.kind in "iu"):
            return ("int", int(arr)) if arr.ndim == 0 else ("array", arr)
        raise IndexError(_BAD_INDEX_TENSOR)
    if ti is range:  # the book's y_hat[range(len(y_hat)), y]
        return "array", np.arange(item.start, item.stop, item.step, dtype=np.int64)
    if isinstance(item, (list, tuple)):
        try:
            arr = np.asarray([_plain_number(e) for e in item] if _has_tensor(item) else item)
        except ValueError:
            raise IndexError("an index list must be rectangular (all rows of the same length)") from None
        if arr.dtype.kind == "b":
            return "mask", arr
        if arr.size == 0:
            return "array", arr.astype(np.int64)
        if arr.dtype.kind in "iu":
            return "array", arr
        raise IndexError(_BAD_INDEX_TENSOR)
    if isinstance(item, numbers.Integral):  # np.int64 and friends
        return "int", operator.index(item)
    if isinstance(item, str):
        raise TypeError(f"new(): invalid data type 'str' (index with ints, slices, None, ... or "
                        f"integer/bool tensors)")
    raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables "
                     f"are valid indices (got {type(item).__name__})")


def _has_tensor(seq):
    return any(isinstance(e, Tensor) for e in seq)


def _plain_number(e):
    return e.item() if isinstance(e, Tensor) else e


def _check_slice(s):
    start, stop, step = s.start, s.stop, s.step
    if step is not None:
        step = operator.index(step)
        if step == 0:
            raise ValueError("slice step cannot be zero")
        if step < 0:
            raise ValueError("step must be greater than zero (PyTorch slices cannot step backwards; "
                             "use torch.flip for a reversed copy)")
    if type(start) is not int and start is not None:
        start = operator.index(start)
    if type(stop) is not int and stop is not None:
        stop = operator.index(stop)
    return slice(start, stop, step)


def _is_legacy_sequence(index):
    """PyTorch reads x[[0, [1]]] or x[[slice, ...]] as x[(0, [1])], with a deprecation warning."""
    for e in index:
        if type(e) in (list, tuple, slice, Tensor, ndarray) or e is None or e is Ellipsis:
            return True
    return False


def _parse(t, index):
    """Split a key into its basic part and its advanced part.

    Returns (basic, last, advanced): `basic` is a NumPy key (ends with Ellipsis, so an all-int key
    still gives a 0-d view); `last` names the last basic step (None: nothing but full slices and
    `...`); `advanced` is None or a list of (kind, position, array) applied afterwards to the basic
    result, position counted in the basic result's dims."""
    ti = type(index)
    if ti is tuple:
        items = index
        single = False
    elif ti is list and _is_legacy_sequence(index):
        warnings.warn("Using a non-tuple sequence for multidimensional indexing is deprecated; use "
                      "x[tuple(seq)] instead of x[seq].", UserWarning, stacklevel=3)
        items = tuple(index)
        single = False
    else:
        items = (index,)
        single = True
    parts = [_classify(i) for i in items]

    shape = t._data.shape
    ndim = len(shape)
    consumed = 0
    for kind, v in parts:
        if kind == "int" or kind == "slice" or kind == "array":
            consumed += 1
        elif kind == "mask":
            consumed += v.ndim
    if consumed > ndim:
        if ndim == 0 and parts[0][0] == "int":
            raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                             "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number")
        raise IndexError(f"too many indices for tensor of dimension {ndim}")

    basic = []
    advanced = None
    last = None
    in_dim = 0   # the dim of t the next item applies to
    pos = 0      # the dim of the basic result it produces
    real = 0     # PyTorch's dim counter for error messages (every item but `...`)
    for kind, v in parts:
        if kind == "int":
            n = shape[in_dim]
            if not -n <= v < n:
                raise IndexError(f"index {v} is out of bounds for dimension {real} with size {n}")
            basic.append(v)
            last = "select"
            in_dim += 1
        elif kind == "slice":
            basic.append(v)
            if single or not (v.start in (None, 0) and v.step in (None, 1)
                              and (v.stop is None or v.stop >= shape[in_dim])):
                last = "slice"
            in_dim += 1
            pos += 1
        elif kind == "none":
            basic.append(None)
            last = "unsqueeze"
            pos += 1
        elif kind == "ellipsis":  # PyTorch accepts several; the first takes all the spare dims
            k = ndim - consumed
            consumed = ndim
            basic.extend([slice(None)] * k)
            in_dim += k
            pos += k
            real += k
            continue
        elif kind == "bool":  # x[True]: a new dim of size 1, then all (True) or none (False) of it
            basic.append(None)
            last = "unsqueeze"
            advanced = advanced or []
            advanced.append(("array", pos, np.zeros(1 if v else 0, np.intp)))
            pos += 1
        elif kind == "mask":
            k = v.ndim
            basic.extend([slice(None)] * k)
            advanced = advanced or []
            advanced.append(("mask", pos, v))
            in_dim += k
            pos += k
            real += k
            continue
        else:  # integer array
            basic.append(slice(None))
            advanced = advanced or []
            advanced.append(("array", pos, v))
            in_dim += 1
            pos += 1
        real += 1
    basic.append(Ellipsis)
    return tuple(basic), last, advanced


def _advanced_key(shape, advanced):
    """The NumPy key for the advanced part of a key, applied to an array of `shape`; and whether
    its positions are all distinct (masks only). Index bounds are left to NumPy, whose IndexError
    `_raise_advanced` turns into PyTorch's."""
    key = [slice(None)] * (max(p + (a.ndim if k == "mask" else 1) for k, p, a in advanced))
    unique = True
    for k, p, a in advanced:
        if k == "mask":
            if a.shape != shape[p:p + a.ndim]:
                _raise_mask_shape(shape, p, a)
            key[p:p + a.ndim] = a.nonzero()
        else:
            key[p] = a
            if a.size > 1:
                unique = False
    return tuple(key), unique


def _raise_mask_shape(shape, p, a):
    for j, m in enumerate(a.shape):
        if p + j >= len(shape) or m != shape[p + j]:
            raise IndexError(f"The shape of the mask {list(a.shape)} at index {j} does not match "
                             f"the shape of the indexed tensor {list(shape)} at index {p + j}")


def _raise_advanced(shape, advanced, error):
    """NumPy refused an advanced key: raise PyTorch's error for it."""
    arrays = []
    for k, p, a in advanced:
        if k == "mask":
            arrays.extend(a.nonzero())
            continue
        n = shape[p]
        flat = a.reshape(-1)
        bad = (flat >= n) | (flat < -n)
        if bad.any():
            raise IndexError(f"index {flat[bad.argmax()]} is out of bounds for dimension {len(arrays)} "
                             f"with size {n}") from None
        arrays.append(a)
    shapes = ", ".join(str(list(a.shape)) for a in arrays)
    raise IndexError(f"shape mismatch: indexing tensors could not be broadcast together with "
                     f"shapes {shapes}") from error


def _index(t, advanced):
    """t[advanced part]: a copy (IndexBackward0)."""
    shape = t._data.shape
    key, unique = _advanced_key(shape, advanced)
    try:
        return apply(IndexBackward0, t, key, unique)
    except IndexError as e:
        _raise_advanced(shape, advanced, e)


# ============================================================================ reading: x[key]
def _view(t, key, last):
    """t[key] for a basic key: a view sharing t's storage, recorded as `last`'s rule."""
    data = t._data
    recorded = t._rg and (not _grad_off or _grad.enabled)
    if recorded or _fw.level >= 0:
        R = _BASIC_RULES[last]
        out = record(R, (t, key), (data, key), (t,), recorded, R.forward)
    else:
        out = _plain(data[key])
    base = t._base
    if base is None:
        out._base = base = t
        out._view_fn = lambda a: a[key]
    else:
        out._base = base
        f = t._view_fn
        out._view_fn = None if f is None else (lambda a: f(a)[key])
    if out._rg:
        e = base._edge
        if e is not None and e[0] is not None and type(e[0]) is not AccumulateGrad:
            _register_view(base, out)  # a later in-place write into base must re-derive this view
        if t._nograd:
            mark_nograd_view(out, base, 2)
    elif t._rg:  # taken under no_grad
        mark_nograd_view(out, base)
    return out


def refresh_views(root: Tensor, skip: Tensor | None = None, skip_too: Tensor | None = None) -> None:
    """Re-derive every live recorded view of `root` from root's current graph edge (call after
    root's edge changed because its storage was written in place), except `skip` and `skip_too`
    (views the caller re-derives itself, or drops)."""
    views = root.__dict__.get("_views")
    if not views:
        return
    live = []
    for r in views:
        v = r()
        if v is None:
            continue
        live.append(r)
        if v is not skip and v is not skip_too and v._rg and not v._nograd:  # (no-grad views refuse use)
            _refresh_view(v, _positions(v, root))
    views[:] = live


_FULL_SLICE = slice(None)


def _is_unsqueeze_key(index, ndim):
    """Is the key full slices and None only, with a None among them (x[:, None])? Then it is a
    view with new unit dims, which _parse would find out the long way."""
    nones = slices = 0
    for e in index:
        if e is None:
            nones += 1
        elif type(e) is slice and e == _FULL_SLICE:
            slices += 1
        else:
            return False
    return nones > 0 and slices <= ndim


def __getitem__(self: Tensor, index: Any) -> Tensor:
    """self[index] -> Tensor

    PyTorch's indexing. Ints, slices (steps > 0), None and `...` give a view sharing this tensor's
    storage; integer tensors or lists, bool masks and bools then pick elements as a copy (see the
    module docstring for how the two parts combine)."""
    ti = type(index)
    if ti is int:  # the common forms first: x[i], x[a:b], x[index_tensor]
        shape = self._data.shape
        if shape:
            n = shape[0]
            if -n <= index < n:
                return _view(self, (index, Ellipsis), "select")
    elif ti is slice and self._data.ndim:
        return _view(self, (_check_slice(index), Ellipsis), "slice")
    elif ti is Tensor and index._data.ndim and index._data.dtype in _INDEX_INTS and self._data.ndim:
        arr = index._data
        try:
            if (self._rg and _grad.enabled) or _fw.level >= 0:
                return apply(IndexBackward0, self, (arr,), arr.size <= 1)
            return _plain(self._data[arr])
        except IndexError as e:
            _raise_advanced(self._data.shape, (("array", 0, arr),), e)
    elif ti is tuple and _is_unsqueeze_key(index, self._data.ndim):
        return _view(self, index + (Ellipsis,), "unsqueeze")
    basic, last, advanced = _parse(self, index)
    if advanced is None:
        return _view(self, basic, last)
    return _index(self if last is None else _view(self, basic, last), advanced)


# ============================================================================ writing: x[key] = v
def _type_name(v):
    t = type(v)
    return t.__name__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


def _assign(target, key, value, advanced):
    """target[key] = value on arrays, with PyTorch's errors for bad keys and values that do not
    broadcast. `advanced`: the advanced part the key came from (False for a basic key)."""
    try:
        target[key] = value
    except IndexError as e:
        _raise_advanced(target.shape, advanced, e)
    except ValueError:
        vshape = list(np.shape(value))
        tshape = list(target[key].shape)
        if advanced:
            raise RuntimeError(f"shape mismatch: value tensor of shape {vshape} cannot be broadcast to "
                               f"indexing result of shape {tshape}") from None
        dim, size = _first_mismatch(tshape, vshape)
        raise RuntimeError(f"The expanded size of the tensor ({tshape[dim] if dim < len(tshape) else 1}) "
                           f"must match the existing size ({size}) at non-singleton dimension {dim}.  "
                           f"Target sizes: {tshape}.  Tensor sizes: {vshape}") from None


def _first_mismatch(tshape, vshape):
    for i in range(1, len(vshape) + 1):
        tv = tshape[-i] if i <= len(tshape) else 1
        if vshape[-i] != tv and vshape[-i] != 1:
            return max(len(tshape) - i, 0), vshape[-i]
    return 0, vshape[0] if vshape else 1


def _fits_indexed(t: Tensor, basic: Any, last: Any, advanced: Any, shape: tuple) -> bool:
    """Whether a value of `shape` broadcasts to what t[key] selects (the parsed key's parts)."""
    data = t._data if last is None else t._data[basic]
    try:
        target = data[_advanced_key(data.shape, advanced)[0]].shape
        return np.broadcast_shapes(shape, target) == target
    except (ValueError, IndexError):
        return False


def __setitem__(self: Tensor, index: Any, value: Any) -> None:
    """self[index] = value

    Writes `value` (a number, or a tensor broadcast to the indexed shape) into this tensor's
    storage where `index` points, in place. Recorded for autograd when either side requires grad:
    gradients for the overwritten places then flow to `value`, the others to the old contents."""
    tv = type(value)
    if tv is not Tensor:
        if isinstance(value, Tensor):  # a Tensor subclass (nn.Parameter): a tensor value
            tv = Tensor
        elif not isinstance(value, (numbers.Number, np.generic)):
            raise TypeError(f"can't assign a {_type_name(value)} to a {self.type()} "
                            "(assign a number or a tensor, e.g. torch.tensor(values))")
    if not self._data.flags.writeable:  # a view of an expand: writable where no element repeats
        writable_data(self, repeats_ok=tv is not Tensor)
    if _fw.level >= 0:
        tangent = _written_tangent(self, index, value, tv is Tensor)
    basic, last, advanced = _parse(self, index)
    if tv is not Tensor:   # PyTorch's overflow error for a number the dtype cannot hold (-1 wraps into
        dt = self._data.dtype     # uint8); float16 takes inf (going through double first, which is what a
        if dt != np.float16:      # complex number is refused for)
            value = check_number_fits(value, dt)
        elif isinstance(value, complex):
            value = check_number_fits(value, np.dtype(np.float64))
    elif (advanced is not None and value._data.dtype != self._data.dtype
          and (value._data.size != 1 or any(kind == "array" for kind, _, _ in advanced))
          and _fits_indexed(self, basic, last, advanced, value._data.shape)):
        # an index put (a mask with a one-element value is a masked fill, which casts); PyTorch checks the
        # value's shape first, so a value that does not broadcast gets the shape error below instead
        raise RuntimeError(f"Index put requires the source and destination dtypes match, got "
                           f"{SCALAR_TYPE_NAMES[self.dtype.name]} for the destination and "
                           f"{SCALAR_TYPE_NAMES[value.dtype.name]} for the source. (Convert the value first, "
                           f"e.g. value.to(x.dtype).)")
    root = _root(self)
    if _fw.level >= 0 and tangent is not None:
        _forward_ad.set_tangent(self, tangent)
        if self._base is not None:
            tangent_into_base(self)
    if not (_grad.enabled and (self._rg or (tv is Tensor and value._rg))):
        data = self._data if (advanced is not None and last is None) else self._data[basic]
        v = value._data if tv is Tensor else value
        if advanced is None:
            _assign(data, Ellipsis, v, False)
        else:
            _assign(data, _advanced_key(data.shape, advanced)[0], v, advanced)
        _bump_version(root)
        return

    if self._nograd:  # a view taken under no_grad: PyTorch writes through a view of it (x[0] = v: Select)
        name = "Select" if last is not None and type(index) is int else "Slice" if last is not None else None
        raise RuntimeError(_nograd_view_message(self, INPLACE_ON_NOGRAD_VIEW) if name is None else
                           f"Output 0 of {name} is a view of a view which was created in no_grad mode and "
                           f"{INPLACE_ON_NOGRAD_VIEW}. {_NOGRAD_VIEW_ADVICE}")
    if (self._rg and self.is_leaf) or (root._rg and root.is_leaf):
        # PyTorch names the view when the key makes one (x[0] = 1), else the leaf (x[mask] = 1)
        plain_leaf = (self._base is None or self.is_leaf) and last is None
        raise RuntimeError(LEAF_INPLACE_MSG if plain_leaf else VIEW_LEAF_INPLACE_MSG)
    if tv is not Tensor:
        value = _plain(np.asarray(value).astype(self._data.dtype))
    elif value._data.dtype != self._data.dtype:
        value = value.to(self.dtype)

    if advanced is not None and last is None and self._base is None:
        # x[ints or mask] = v: IndexPutBackward0 on x itself
        key, _ = _advanced_key(self._data.shape, advanced)
        _assign(self._data, key, value._data, advanced)
        _bump_version(self)
        edge = _index_put(self, value, key)._edge
        self._rg = True
        self._edge = edge
        refresh_views(self)
        return

    view = _view(self, basic, last)  # where the write goes; dropped after it
    kept = self if self._base is not None else None  # a view written through keeps its place
    if advanced is None:
        _assign(view._data, Ellipsis, value._data, False)
        _bump_version(root)
        _rebase(view, value, value._data.shape, None, kept)
    else:
        key, _ = _advanced_key(view._data.shape, advanced)
        _assign(view._data, key, value._data, advanced)
        _bump_version(root)
        _rebase(view, _index_put(view, value, key), view._data.shape, None, kept)


def _written_tangent(target, index, value, value_is_tensor):
    """Forward AD: target's tangent after `target[index] = value` (IndexPutBackward0's jvp), or None
    when neither carries one."""
    mine = _forward_ad.tangent(target)
    theirs = _forward_ad.tangent(value) if value_is_tensor else None
    if mine is None and theirs is None:
        return None
    return _write_tangent(IndexPutBackward0, mine, theirs, target, index)


# ---------------------------------------------------------------- nodes grafted onto written tensors
# A write changes the history of tensors that already exist (the written tensor, its base, the
# base's views). The nodes recording it (IndexPutBackward0, CopySlices, AsStridedBackward0) compute
# nothing: their forward, run by the recorder, sets the node's fields and hands back the array
# already written, and the written tensor takes the recorded result's edge. Callers record them
# only with grad mode on and an edge that requires grad; their tangents are set apart (forward AD
# of writes: _written_tangent, tangent_into_base), so no input is given for the recorder's.
def _put_fields(node, xp, data, key, mask, vshape):
    node.accumulate = False
    node.idx = key
    node.mask = mask
    node.vshape = vshape
    node.vdtype = None
    return data


def _index_put(target, value, key):
    """Record `target[key] = value` (already written) as IndexPutBackward0 over (target, value):
    a tensor holding target's array, whose edge target (or the view rebased on it) takes."""
    mask = np.zeros(target._data.shape, bool)
    mask[key] = True
    return record(IndexPutBackward0, (), (target._data, key, mask, value._data.shape),
                  (target, value), True, _put_fields)


# ============================================================================ views written into
def _positions(view, root):
    """For each element of `view`, its flat (C-order) position in root's storage."""
    rd = root._data
    f = view._view_fn
    if f is not None:
        return np.asarray(f(np.arange(rd.size).reshape(rd.shape)))
    # No recorded view function: read the position off the strides (the base must be C-ordered).
    vd = view._data
    item = rd.itemsize
    if not rd.flags.c_contiguous or any(s % item for s in vd.strides):
        raise RuntimeError("torchless cannot tell where this view lies in its base, so it cannot "
                           "record an in-place write into it; write into a clone instead.")
    offset = (vd.__array_interface__["data"][0] - rd.__array_interface__["data"][0]) // item
    flat = np.arange(rd.size)
    step = flat.itemsize
    return np.lib.stride_tricks.as_strided(flat[offset:], vd.shape,
                                           [s // item * step for s in vd.strides]).copy()


def tangent_into_base(view: Tensor) -> None:
    """Forward AD: after an in-place write into `view` changed its tangent, the base's tangent takes
    it at the view's places (the base's values changed there too): CopySlices' jvp."""
    root = view._base
    tangent = _write_tangent(CopySlices, _forward_ad.tangent(root), _forward_ad.tangent(view), root,
                             _positions(view, root))
    _forward_ad.set_tangent(root, tangent)


def _write_tangent(R, base_t, value_t, target, key):
    """R's jvp for a write into `target` (CopySlices, IndexPutBackward0), run on Tensors so that any
    key indexes (tensors in it included); an array again unless a tangent was a recorded Tensor."""
    TX = _families.tensor_namespace  # xp.TX, handed over by bind_tensor_class (xp imports this module)
    recorded = isinstance(base_t, Tensor) or isinstance(value_t, Tensor)
    lifted = [t if t is None or isinstance(t, Tensor) else _plain(np.asarray(t)) for t in (base_t, value_t)]
    new = R.jvp(TX, tuple(lifted), _plain(target._data), key)
    return new if recorded else new._data


def _copy_slices_fields(node, xp, data, pos, mask, vshape, vdtype):
    node.pos = pos
    node.mask = mask
    node.vshape = vshape
    node.vdtype = vdtype
    return data


def _rebase(view, value, vshape, vdtype, kept):
    """After view's storage was overwritten by `value` (a tensor whose edge the written values'
    gradient goes to), make the base's graph CopySlices(old base, value), and re-derive from it the
    base's registered views and `kept` (a view of the base the caller goes on using: `view`
    itself, another one, or None)."""
    root = view._base
    rd = root._data
    pos = _positions(view, root)
    mask = np.zeros(rd.size, bool)
    mask[pos.reshape(-1)] = True
    written = record(CopySlices, (), (rd, pos, mask.reshape(rd.shape), vshape, vdtype), (root, value),
                     True, _copy_slices_fields)
    root._rg = True
    root._edge = written._edge
    if root._retains_grad:
        retain_on_current_edge(root)
    if kept is not None:
        _refresh_view(kept, pos if kept is view else _positions(kept, root))
    refresh_views(root, view, kept)


def _as_strided_fields(node, xp, data, pos, base):
    node.pos = pos
    node.numel = base.size
    node.base_shape = base.shape
    return data


def _refresh_view(view, pos):
    """Make view's history AsStridedBackward0(its base's current history): the view re-read from
    the base at positions `pos`."""
    root = view._base
    view._rg = True
    view._edge = record(AsStridedBackward0, (), (view._data, pos, root._data), (root,), True,
                        _as_strided_fields)._edge
    if view._retains_grad:
        retain_on_current_edge(view)


def copy_into_view(view_tensor: Tensor, result_tensor: Tensor) -> Tensor:
    """Write result into view_tensor's storage (an in-place op on a view), recording it so that
    gradients of the base see the write (PyTorch's CopySlices)."""
    view, result = view_tensor, result_tensor
    root = view._base
    assert root is not None  # only views (tensors with a _base) are written through here
    if not view._rg and view._view_fn is None:  # an alias made by detach() or .data: a plain write
        np.copyto(view._data, result._data, casting="unsafe")
        _bump_version(root)
        view._rg = result._rg
        view._edge = result._edge
        return view
    if _grad.enabled and root._rg and root.is_leaf:
        raise RuntimeError(VIEW_LEAF_INPLACE_MSG)
    np.copyto(view._data, result._data, casting="unsafe")
    _bump_version(root)
    if _grad.enabled and (root._rg or result._rg):
        # hooks registered on the view before do not fire: in PyTorch they sit on the view's old
        # grad_fn, which the new history (CopySlices) no longer runs
        for handle in view.__dict__.pop("_view_hooks", ()):
            handle.remove()
        rd = result._data.dtype
        _rebase(view, result, result._data.shape, rd if rd != view._data.dtype else None, view)
    return view


def index_add_zeros(shape: Sequence[int], dtype: Any, index: Any, values: Any) -> Any:
    """zeros(shape) with `values` added at `index` (repeats add up), recorded: the Tensor form of
    `xp.index_add`, so that gradients of indexing are themselves differentiable."""
    npdt = dtype.np if isinstance(dtype, DType) else np.dtype(dtype)
    if isinstance(values, Tensor):
        # no input for forward AD: these run inside backward formulas, as before
        return record(IndexPutBackward0, (), (tuple(shape), npdt, index, values._data), (EMPTY_EDGE, values),
                      values._rg and _grad.enabled, _index_add_forward)
    return _plain_out(NP.index_add(tuple(shape), npdt, index, values))


def _index_add_forward(node, xp, shape, dtype, index, values):
    """IndexPutBackward0 with `accumulate`: zeros(shape) with values added at index."""
    if node is not None:
        node.accumulate = True
        node.idx = index
        node.vshape = values.shape
        node.vdtype = None
    return xp.index_add(shape, dtype, index, values)


# ============================================================================ named indexing ops
def _index_tensor(index, fn, allowed=_INDEX_INTS, what="int32 or int64"):
    if not isinstance(index, Tensor):
        raise TypeError(f"{fn}(): argument 'index' must be Tensor, not {type(index).__name__}")
    if index._data.dtype not in allowed and not (index._data.size == 0 and index._data.dtype.kind in "iu"):
        raise RuntimeError(f"{fn}(): Expected dtype {what} for index")  # (an empty index of any int type passes)
    return index._data


def select(input: Tensor, dim: int, index: int) -> Tensor:
    """select(input, dim, index) -> Tensor

    The slice of input at position `index` along `dim`, as a view without that dim: for dim 1,
    input[:, index]."""
    shape = input._data.shape
    if not shape:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = _norm_dim(dim, len(shape))
    n = shape[d]
    if not -n <= index < n:
        raise IndexError(f"select(): index {index} out of range for tensor of size {list(shape)} at dimension {d}")
    return _view(input, (slice(None),) * d + (index, Ellipsis), "select")


def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """index_select(input, dim, index) -> Tensor

    A copy of the slices of input along `dim` at the positions in `index` (a 1-d int64 or int32
    tensor; positions may repeat), in that order."""
    d = _norm_dim(dim, input._data.ndim)
    idx = _index_tensor(index, "index_select")
    if idx.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    idx = idx.reshape(-1)
    n = input._data.shape[d] if input._data.ndim else 1
    if idx.size and (idx.max() >= n or idx.min() < 0):
        raise IndexError("index out of range in self")
    if input._data.ndim == 0:  # a 0-d input gives a 0-d result, as PyTorch's does
        if idx.size != 1:
            raise RuntimeError(f"index_select(): Index to scalar can have only 1 value, got {idx.size} value(s)")
        return apply(IndexBackward0, input.reshape(1), (idx,), False).reshape(())
    return apply(IndexSelectBackward0, input, (slice(None),) * d + (idx,), False)


def _along_key(index, dim):
    """The NumPy key picking, for every position of `index`, the element at index[pos] along dim
    (and at pos along every other dim): what gather reads and scatter writes."""
    nd = index.ndim
    key = []
    for k in range(nd):
        key.append(index if k == dim else _position_index(nd, k, index.shape[k]))
    return tuple(key)


_POSITIONS: dict[tuple[int, int, int], ndarray] = {}  # (ndim, axis, length) -> read-only arange(length) shaped to run along axis


def _position_index(nd, axis, n):
    """arange(n) as an index running along `axis` of an nd-dim key (cached: every loss's gather
    picks one class per row of the same batch size)."""
    arr = _POSITIONS.get((nd, axis, n))
    if arr is None:
        if len(_POSITIONS) > 256:
            _POSITIONS.clear()
        shape = [1] * nd
        shape[axis] = n
        arr = _POSITIONS[(nd, axis, n)] = np.arange(n).reshape(shape)
        arr.flags.writeable = False
    return arr


_largest, _smallest = np.maximum.reduce, np.minimum.reduce  # without ndarray.max's Python layer


def _check_along(fn, input, dim, index, src=None):
    """dim normalized and the index array, checked as gather/scatter check them."""
    x = input._data
    d = _norm_dim(dim, x.ndim)
    idx = _index_tensor(index, fn, what="int64" if fn != "gather" else "int32/int64")
    if idx.ndim != x.ndim and not (idx.ndim <= 1 and x.ndim <= 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    xs = x.shape if x.ndim else (1,)
    ishape = idx.shape if idx.ndim else (1,)
    for k, (i, s) in enumerate(zip(ishape, xs)):
        if k != d and i > s:
            what = (f"Expected index {list(idx.shape)} to be no larger than self {list(x.shape)} apart from "
                    f"dimension {d}")
            if fn == "gather":
                raise RuntimeError(f"Size does not match at dimension {k} e{what[1:]}")
            raise RuntimeError(what + (f" and to be no larger size than src {list(src.shape)}"
                                       if src is not None else ""))
    if src is not None:
        sshape = src.shape if src.ndim else (1,)
        if any(i > s for i, s in zip(ishape, sshape)):
            raise RuntimeError(f"Expected index {list(idx.shape)} to be no larger than self {list(x.shape)} "
                               f"apart from dimension {d} and to be no larger size than src {list(src.shape)}")
    n = xs[d]
    if idx.size and (_largest(idx, axis=None) >= n or _smallest(idx, axis=None) < 0):
        flat = idx.reshape(-1)
        bad = flat[np.argmax((flat >= n) | (flat < 0))]
        raise RuntimeError(f"index {bad} is out of bounds for dimension {d} with size {n}")
    return d, idx


def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False) -> Tensor:
    """gather(input, dim, index, *, sparse_grad=False) -> Tensor

    Picks elements of input along `dim`: out[i][j][k] = input[index[i][j][k]][j][k] for dim 0
    (likewise for other dims). The result has index's shape; index has input's number of dims and
    is no larger than input outside `dim`. sparse_grad is accepted and has no effect here."""
    if isinstance(index, Tensor) and index._data.size == 0 and index._data.dtype.kind in "iu":
        return input.reshape(-1)[:0].reshape(index._data.shape)  # an empty index: an empty result, any ndim
    d, idx = _check_along("gather", input, dim, index)
    if input._data.ndim == 0 or idx.ndim == 0:
        return gather(input.reshape(-1), 0, index.reshape(-1)).reshape(idx.shape)
    # one index per row along dim (the loss-picking case): no position repeats, so backward scatters
    return apply(GatherBackward0, input, _along_key(idx, d), idx.shape[d] == 1)


def scatter(input: Tensor, dim: int, index: Tensor, src: Tensor | float | None = None,
            value: float | None = None, *, reduce: str | None = None) -> Tensor:
    """scatter(input, dim, index, src) -> Tensor

    A copy of input with values from `src` (a tensor, or one number) written along `dim` at the
    places `index` names: for dim 0, out[index[i][j]][j] = src[i][j]. The reverse of gather. When
    an index repeats, one of the written values wins. With reduce="add" or "multiply" the values
    are added into (multiplied into) the places instead, repeats adding up (not differentiable, as
    in PyTorch: scatter_reduce is)."""
    if src is None:
        src = value
    if src is None:
        raise TypeError("scatter() missing required argument 'src' (or 'value')")
    if reduce is not None:
        return _scatter_with_reduce(input, dim, index, src, reduce)
    if isinstance(src, Tensor):
        if src._data.dtype != input._data.dtype:
            raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
        d, idx = _check_along("scatter", input, dim, index, src._data)
        key = _along_key(idx, d)
        block = tuple(slice(0, s) for s in idx.shape)
        return apply(ScatterBackward0, input, src, key, _written_mask(input._data.shape, key), block)
    d, idx = _check_along("scatter", input, dim, index)
    key = _along_key(idx, d)
    v = np.asarray(src).astype(input._data.dtype)
    return apply(ScatterBackward1, input, v, key, _written_mask(input._data.shape, key))


def _scatter_with_reduce(input, dim, index, src, reduce):
    """scatter(..., reduce="add" | "multiply"): ScatterWithReduce (ops/shape_index.py)."""
    if reduce not in ("add", "multiply"):
        raise RuntimeError("reduce argument must be either add or multiply.")
    if isinstance(src, Tensor):
        if src._data.dtype != input._data.dtype:
            raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
        d, idx = _check_along("scatter", input, dim, index, src._data)
    else:
        d, idx = _check_along("scatter", input, dim, index)
        src = np.asarray(src).astype(input._data.dtype)
    if input._data.ndim == 0 or idx.ndim == 0:
        flat = src.reshape(-1) if isinstance(src, Tensor) else src
        return _scatter_with_reduce(input.reshape(-1), 0, index.reshape(-1), flat, reduce).reshape(input.shape)
    block = tuple(slice(0, s) for s in idx.shape)
    return apply(ScatterWithReduce, input, src, _along_key(idx, d), block, reduce)


def _written_mask(shape, key):
    mask = np.zeros(shape, bool)
    mask[key] = True
    return mask


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """scatter_add(input, dim, index, src) -> Tensor

    Like scatter, but adds: for dim 0, out[index[i][j]][j] += src[i][j], repeated indices adding
    up."""
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_add(): argument 'src' must be Tensor, not {type(src).__name__}")
    if src._data.dtype != input._data.dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    d, idx = _check_along("scatter_add", input, dim, index, src._data)
    block = tuple(slice(0, s) for s in idx.shape)
    return apply(ScatterAddBackward0, input, src, _along_key(idx, d), block)


def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *,
              alpha: float = 1) -> Tensor:
    """index_add(input, dim, index, source, *, alpha=1) -> Tensor

    A copy of input with alpha * source[i] added to the slice at index[i] along `dim`, for every i
    (repeated indices add up). source is shaped like input except that its size along `dim` is
    len(index)."""
    x = input._data
    d = _norm_dim(dim, x.ndim)
    idx = _index_tensor(index, "index_add").reshape(-1)
    if not isinstance(source, Tensor):
        raise TypeError(f"index_add(): argument 'source' must be Tensor, not {type(source).__name__}")
    expected = x.shape[:d] + (idx.size,) + x.shape[d + 1:] if x.ndim else (idx.size,)
    if source._data.shape != expected and not (x.ndim == 0 and source._data.size == idx.size):
        raise RuntimeError("source tensor shape must match self tensor shape, excluding the specified "
                           f"dimension. Got self.shape = {list(x.shape)} source.shape = "
                           f"{list(source._data.shape)}")
    n = x.shape[d] if x.ndim else 1
    if idx.size and (idx.max() >= n or idx.min() < 0):
        raise IndexError("index out of range in self")
    if source._data.dtype != x.dtype:
        source = source.to(input.dtype)
    if x.ndim == 0:
        return index_add(input.reshape(1), 0, index, source.reshape(-1), alpha=alpha).reshape(())
    return apply(IndexAddBackward0, input, source, (slice(None),) * d + (idx,), alpha)


def _mask_array(mask, shape, fn):
    if not isinstance(mask, Tensor):
        raise TypeError(f"{fn}(): argument 'mask' must be Tensor, not {type(mask).__name__}")
    m = mask._data
    if m.dtype != np.bool_:
        raise RuntimeError(f"{fn} only supports boolean masks, but got mask with dtype {mask.dtype}")
    return m


def _raise_complex_into_real(x: ndarray) -> None:
    raise RuntimeError(f"value cannot be converted to type {C_TYPE_NAMES.get(x.dtype.name, x.dtype.name)} without "
                       "overflow (a complex value into a real tensor: convert the tensor to a complex dtype first)")


def masked_fill(input: Tensor, mask: Tensor, value: float | Tensor) -> Tensor:
    """masked_fill(input, mask, value) -> Tensor

    A copy of input with `value` (a number or a 0-d tensor) wherever the bool tensor `mask`,
    broadcast with input, is True."""
    x = input._data
    m = _mask_array(mask, x.shape, "masked_fill_")
    if m.shape != x.shape:
        try:
            bshape = np.broadcast_shapes(m.shape, x.shape)
        except ValueError as e:
            raise _broadcast_error(x, m, e) from None
        if bshape != x.shape:  # out of place, the result takes the broadcast shape
            input = input.expand(bshape)
            x = input._data
    if isinstance(value, Tensor):
        if value._data.ndim != 0:
            raise RuntimeError("masked_fill_ only supports a 0-dimensional value tensor, but got tensor "
                               f"with {value._data.ndim} dimension(s).")
        if value._data.dtype.kind == "c" and x.dtype.kind != "c":
            _raise_complex_into_real(x)
        if value._data.dtype != x.dtype:
            value = value.to(input.dtype)
        return apply(MaskedFillBackward1, input, m, value)
    if not isinstance(value, (numbers.Number, np.generic)):
        raise TypeError(f"masked_fill(): argument 'value' must be Number or Tensor, not {type(value).__name__}")
    if isinstance(value, complex) and x.dtype.kind != "c":
        _raise_complex_into_real(x)
    return apply(MaskedFillBackward0, input, m, np.asarray(value).astype(x.dtype))


def masked_select(input: Tensor, mask: Tensor) -> Tensor:
    """masked_select(input, mask) -> Tensor

    The elements of input where the bool tensor `mask` is True (both broadcast to one shape), as a
    new 1-d tensor in C order."""
    x = input._data
    m = _mask_array(mask, x.shape, "masked_select")
    try:
        bshape = np.broadcast_shapes(m.shape, x.shape)
    except ValueError as e:
        raise _broadcast_error(x, m, e) from None
    if not bshape:  # 0-d: as 1-element tensors (NumPy has no nonzero of a 0-d array)
        return masked_select(input.reshape(1), mask.reshape(1))
    idx = np.broadcast_to(m, bshape).nonzero()
    return apply(MaskedSelectBackward0, input, bshape, idx)


def take(input: Tensor, index: Tensor) -> Tensor:
    """take(input, index) -> Tensor

    The elements of input, read as if flattened, at the (int64) positions in `index`; the result
    has index's shape. Negative positions count from the end."""
    idx = _index_tensor(index, "take", allowed=(np.dtype(np.int64),), what="int64")
    n = input._data.size
    if idx.size and (idx.max() >= n or idx.min() < -n):
        flat = idx.reshape(-1)
        bad = flat[np.argmax((flat >= n) | (flat < -n))]
        raise IndexError(f"out of range: tried to access index {bad} on a tensor of {n} elements.")
    return apply(TakeBackward0, input, idx)


def nonzero(input: Tensor, *, as_tuple: bool = False) -> Tensor | tuple[Tensor, ...]:
    """nonzero(input, *, as_tuple=False) -> Tensor or tuple of Tensors

    The indices of input's non-zero elements, in C order: an int64 tensor of shape (count,
    input.dim()), one row per element; with as_tuple=True, one 1-d index tensor per dim instead
    (a 0-d input counts as 1-d there)."""
    x = input._data
    if as_tuple:
        return tuple(_plain_out(i.astype(np.int64, copy=False)) for i in np.nonzero(np.atleast_1d(x)))
    return _plain_out(np.argwhere(x).astype(np.int64, copy=False))


def argwhere(input: Tensor) -> Tensor:
    """argwhere(input) -> Tensor

    The indices of input's non-zero elements, one row each: the same as nonzero(input)."""
    return _plain_out(np.argwhere(input._data).astype(np.int64, copy=False))


# ============================================================================ in place
def _inplace_form(out_of_place: Callable[..., Tensor], fn: str, doc: str) -> Callable[..., Tensor]:
    """The in-place form `fn` of an indexing op, documented by `doc`: recorded (out of place, then
    written back) when grad needs it, else computed and copied into the storage."""
    refuses_overlap = fn in _OUT_NO_OVERLAP

    def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        others = [a for a in args if isinstance(a, Tensor)] + [a for a in kwargs.values() if isinstance(a, Tensor)]
        if refuses_overlap:   # a source that shares memory with this tensor: PyTorch's error
            _check_out_aliasing(fn, self, others + [
                t for a in args if isinstance(a, (tuple, list)) for t in a if isinstance(t, Tensor)])
        if _check_inplace(self, *others):
            return _write_into(self, out_of_place(_snapshot(self), *args, **kwargs))
        with no_grad():  # (its result is only copied into storage)
            result = out_of_place(self, *args, **kwargs)
        if result._data.shape != self._data.shape:
            raise RuntimeError(f"output with shape {list(self._data.shape)} doesn't match the broadcast "
                               f"shape {list(result._data.shape)}")
        self._data[...] = result._data
        _bump_version(_root(self))
        return self
    method.__name__ = fn
    method.__qualname__ = "Tensor." + fn
    method.__doc__ = doc
    return method


# ============================================================================ the Tensor methods
class IndexingMethods:
    """The indexing family of Tensor methods: x[key], x[key] = value, and the named indexing ops
    (each the torch function of the same name above, with the tensor as `self`) with their in-place
    forms (mixed into torch.Tensor by _tensor/__init__.py)."""

    __slots__ = ()

    __getitem__ = __getitem__
    __setitem__ = __setitem__
    select = select
    index_select = index_select
    gather = gather
    scatter = scatter
    scatter_add = scatter_add
    index_add = index_add
    masked_fill = masked_fill
    masked_select = masked_select
    take = take
    nonzero = nonzero
    argwhere = argwhere

    # in place
    scatter_ = _inplace_form(scatter, "scatter_", """scatter_(dim, index, src) -> Tensor

        scatter in place: writes src's values (or one number) into this tensor along `dim` at the
        places `index` names, and returns this tensor.""")
    scatter_add_ = _inplace_form(scatter_add, "scatter_add_", """scatter_add_(dim, index, src) -> Tensor

        scatter_add in place: adds src's values into this tensor along `dim` at the places `index`
        names (repeats add up), and returns this tensor.""")
    index_add_ = _inplace_form(index_add, "index_add_", """index_add_(dim, index, source, *, alpha=1) -> Tensor

        index_add in place: adds alpha * source[i] to this tensor's slice index[i] along `dim`, for
        every i, and returns this tensor.""")
    masked_fill_ = _inplace_form(masked_fill, "masked_fill_", """masked_fill_(mask, value) -> Tensor

        masked_fill in place: sets this tensor to `value` wherever `mask` (broadcast to this tensor's
        shape) is True, and returns this tensor.""")
