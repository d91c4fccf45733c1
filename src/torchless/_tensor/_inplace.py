"""In-place Tensor methods: the factories that make `exp_` from `exp`, and zero_, fill_, copy_.

An in-place op on a tensor that is part of a graph runs out of place on a snapshot of the tensor
and writes the result back (_core._write_into), so the recorded node sees the values it saved.
When nothing is recorded, a binary op writes straight into the array with NumPy's `out=`.
"""
import numbers
import warnings

import numpy as np

from .. import _args, _dtype as D
from . import _core
from ._core import (
    Tensor, _bump_version, _carries_tangent, _check_inplace, _fw, _inplace_result_dtype, _raise_cast,
    _raise_out_shape, _snapshot, _unsupported, _write_into, apply, refuse_bool_subtraction, writable_data,
)
from ..backend import numpy as NP
from ..engine.grad_mode import is_grad_enabled
from ..ops.elementwise import CopyBackwards, SubBackward0, ZeroBackward0
from ..ops.shape import is_dense

ndarray = np.ndarray
_from_np = D.FROM_NP
_SCALAR_TYPES = (float, int, bool)

__all__ = ["InplaceMethods", "inplace", "inplace_binary", "write_out"]


# Ops whose out= must have the input's dtype (PyTorch's message for each), and ops that refuse an out=
# sharing any memory with an input (elementwise ops accept an out that is exactly an input).
_OUT_SAME_DTYPE = {
    "gather": "Expected out tensor to have dtype {ours}, but got {theirs} instead",
    "index_select": "index_select(): self and result must have the same scalar type",
    "masked_select": "masked_select(): self and result must have the same scalar type",
    "take": "take(): self and out expected to have the same dtype, but got self.dtype = {Ours} and "
            "out.dtype = {Theirs}",
}
_OUT_NO_OVERLAP = frozenset(("gather", "index_select", "masked_select", "take", "cat", "concat", "concatenate",
                             # in-place indexing ops whose source may not overlap the tensor written
                             "put_", "index_add_", "index_copy_", "scatter_", "scatter_add_", "index_put_",
                             "scatter_reduce_", "index_reduce_"))
# ops that resize out= before they look at it (the others refuse an out that repeats elements first)
_OUT_RESIZED_FIRST = frozenset(("gather", "bernoulli", "cat", "concat", "concatenate", "stack", "cumsum", "cumprod", "sum", "prod", "mean",
                                "logsumexp", "amax", "amin", "argmax", "argmin", "nonzero"))
_OVERLAP = ("unsupported operation: some elements of the input tensor and the written-to tensor refer to a single "
            "memory location. Please clone() the tensor before performing the operation.")


def _check_out_aliasing(fname, out, inputs):
    """PyTorch's refusal of an out= that overlaps an input: any overlap for the ops that gather or
    concatenate, a partial one (not the input itself, element for element) for the others."""
    dst = out._data
    for operand in inputs:
        if not isinstance(operand, Tensor):
            if isinstance(operand, (list, tuple)):
                _check_out_aliasing(fname, out, operand)
            continue
        src = operand._data
        # (PyTorch compares only tensors that are dense, without gaps: others it lets through)
        shared = operand is out or (is_dense(dst) and is_dense(src) and np.may_share_memory(dst, src))
        if shared and (fname in _OUT_NO_OVERLAP or src.__array_interface__["data"][0]
                       != dst.__array_interface__["data"][0] or src.strides != dst.strides or src.shape != dst.shape):
            raise RuntimeError(_OVERLAP)


def write_out(fname, result, out, inputs=()):
    """Write `result` into the user's `out=` tensor as PyTorch does, and return `out`: `out` must be a
    tensor; no gradient flows through out= (an error where grad mode is on and the result or `out`
    requires grad); the result is cast to out's dtype where PyTorch's casting allows (never to a
    lower kind: float into an integer out is an error; some ops take no cast at all); an `out` of
    another shape is resized (with PyTorch's warning unless it is empty). `inputs`: the op's
    arguments, for PyTorch's refusal of an out= that overlaps one of them."""
    if not isinstance(out, Tensor):
        raise TypeError(f"{fname}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if (result._rg or out._rg) and is_grad_enabled():
        raise RuntimeError(f"{fname}(): functions with out=... arguments don't support automatic differentiation, "
                           "but one of the arguments requires grad. (Compute without out=, or under "
                           "torch.no_grad().)")
    src, dst = result._data, out._data
    if inputs:
        _check_out_aliasing(fname, out, inputs)
    if fname in _OUT_SAME_DTYPE and src.dtype != dst.dtype:
        ours, theirs = D.C_TYPE_NAMES[_from_np[src.dtype].name], D.C_TYPE_NAMES[_from_np[dst.dtype].name]
        raise RuntimeError(_OUT_SAME_DTYPE[fname].format(ours=ours, theirs=theirs, Ours=D.SCALAR_TYPE_NAMES[
            _from_np[src.dtype].name], Theirs=D.SCALAR_TYPE_NAMES[_from_np[dst.dtype].name]))
    if src.dtype != dst.dtype and _from_np[dst.dtype].category < _from_np[src.dtype].category:
        raise RuntimeError(f"result type {D.SCALAR_TYPE_NAMES[_from_np[src.dtype].name]} can't be cast to the "
                           f"desired output type {D.SCALAR_TYPE_NAMES[_from_np[dst.dtype].name]}")
    if dst.shape != src.shape:
        if not dst.flags.writeable and fname not in _OUT_RESIZED_FIRST:
            writable_data(out)  # PyTorch refuses an out that repeats elements before resizing it
        if dst.size:
            warnings.warn(f"An output with one or more elements was resized since it had shape {list(dst.shape)}, "
                          f"which does not match the required output shape {list(src.shape)}. This behavior is "
                          "deprecated, and in a future PyTorch release outputs will not be resized unless they have "
                          "zero elements. You can explicitly reuse an out tensor t by resizing it, inplace, to zero "
                          "elements with t.resize_(0).", UserWarning, stacklevel=3)
        out._data = src.astype(dst.dtype, copy=True)
    else:
        np.copyto(writable_data(out), src, casting="unsafe")
    _bump_version(out)
    return out


def _describe(method, out_of_place, name):
    """Name and document the in-place form `name_` of the method `out_of_place`."""
    base = name or out_of_place.__name__
    first = (out_of_place.__doc__ or base).split("\n", 1)[0]
    signature = first.replace(out_of_place.__name__ + "(", base + "_(", 1)
    method.__name__ = base + "_"
    method.__qualname__ = "Tensor." + base + "_"
    method.__module__ = __name__
    method.__doc__ = f"{signature}\n\nIn-place version of {base}(): writes the result into this tensor and returns it."
    method.__wrapped__ = out_of_place  # help() and inspect.signature show its parameters
    method.__annotations__ = {"return": "Tensor"}
    return method


def inplace(out_of_place, name=None):
    """The in-place form of a method with one tensor operand (exp_ from exp, clamp_ from clamp):
    the op out of place, its result written back. `name`: the out-of-place name, when the method
    is shared by aliases (clip is clamp)."""
    def method(self, *args, **kwargs):
        if _check_inplace(self):
            return _write_into(self, out_of_place(_snapshot(self), *args, **kwargs))
        return _write_into(self, out_of_place(self, *args, **kwargs))
    return _describe(method, out_of_place, name)


def inplace_binary(out_of_place, ufunc=None):
    """The in-place form of a binary op (add_ from add): NumPy's `out=` through `ufunc` when nothing
    is recorded, else the op out of place and the result written back."""
    def method(self, other, **kwargs):
        if _check_inplace(self, other):
            return _write_into(self, out_of_place(_snapshot(self), other, **kwargs))
        if ufunc is not None and not kwargs and (_fw.level < 0 or not _carries_tangent(self, other)):
            to = type(other)
            b = other._data if to is Tensor or to is _core._Parameter else other
            if type(b) is ndarray or type(b) in _SCALAR_TYPES:
                dst = self._data
                if type(b) is not ndarray or b.dtype is not dst.dtype:  # same dtype: nothing to check
                    if ufunc is np.subtract:
                        refuse_bool_subtraction(dst.dtype.kind == "b", type(b) is bool or (
                            type(b) is ndarray and b.dtype.kind == "b"))
                    rt = _inplace_result_dtype(dst, other)
                    if _from_np[dst.dtype].category < rt.category:
                        _raise_cast(rt, _from_np[dst.dtype])
                try:
                    ufunc(dst, b, out=dst, casting="unsafe")
                except OverflowError:   # a Python int beyond an integer dtype's range: PyTorch wraps it
                    if type(b) is not int or dst.dtype.kind not in "iu":
                        raise
                    ufunc(dst, np.array(b, np.int64).astype(dst.dtype), out=dst, casting="unsafe")
                except TypeError:
                    if ufunc is np.subtract and dst.dtype.kind == "b":
                        raise _unsupported(SubBackward0, dst, b) from None
                    _raise_cast(_inplace_result_dtype(dst, other), _from_np[dst.dtype])
                except ValueError:
                    if not dst.flags.writeable:
                        writable_data(self)  # (raises where elements repeat)
                        return method(self, other, **kwargs)
                    _raise_out_shape(dst.shape, NP.shape(b))
                _bump_version(self)
                return self
        return _write_into(self, out_of_place(self, other, **kwargs))
    return _describe(method, out_of_place, None)


class InplaceMethods:
    """In-place methods that are not the in-place form of an elementwise op."""

    __slots__ = ()

    def zero_(self):
        """zero_(self) -> Tensor

        Fill this tensor with zeros, in place."""
        if (self._rg and _check_inplace(self)) or (_fw.level >= 0 and _carries_tangent(self)):
            return _write_into(self, apply(ZeroBackward0, self))  # recorded, or a tangent to zero
        data = self._data
        (data if data.flags.writeable else writable_data(self, repeats_ok=True)).fill(0)
        _bump_version(self)
        return self

    def fill_(self, value):
        """fill_(self, value) -> Tensor

        Fill this tensor with `value` (a number or a one-element tensor), in place."""
        tv = type(value)
        if tv is not float and tv is not int and tv is not bool and not isinstance(value, Tensor):
            _args.number_arg(value, "fill_", "value", 1)
        if _check_inplace(self, value) or (_fw.level >= 0 and _carries_tangent(self, value)):
            return _write_into(self, self * 0 + value)
        data = self._data
        if not data.flags.writeable:  # a view of an expand
            data = writable_data(self, repeats_ok=True)
        value = value.item() if isinstance(value, Tensor) else value
        value = D.check_number_fits(value, data.dtype)
        data.fill(value)
        _bump_version(self)
        return self

    def copy_(self, src, non_blocking=False):
        """copy_(self, src, non_blocking=False) -> Tensor

        Copy the elements of `src` (broadcast, cast to this dtype) into this tensor; a number is
        copied into every element (as PyTorch takes it)."""
        if not isinstance(src, Tensor):
            if isinstance(src, numbers.Number):
                return self.copy_(_core._plain(np.asarray(src)))
            raise TypeError(f"copy_(): argument 'src' must be Tensor, not {type(src).__name__}")
        if _check_inplace(self, src) or (_fw.level >= 0 and _carries_tangent(self, src)):
            try:
                np.broadcast_shapes(src._data.shape, self._data.shape)
            except ValueError:
                _raise_out_shape(self._data.shape, src._data.shape)
            return _write_into(self, apply(CopyBackwards, _snapshot(self), src))
        data = self._data
        if not data.flags.writeable:  # a view of an expand
            data = writable_data(self)
        try:
            np.copyto(data, src._data, casting="unsafe")
        except ValueError:
            raise RuntimeError(f"The size of tensor a ({list(self.shape)}) must match the size of tensor b "
                               f"({list(src.shape)}): copy_ needs a source that broadcasts to the target") from None
        _bump_version(self)
        return self
