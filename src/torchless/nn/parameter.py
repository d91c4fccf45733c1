"""nn.Parameter: a leaf tensor that a Module registers as a parameter.

A Parameter is a real Tensor subclass, as in PyTorch (`type(p)` is Parameter), sharing the storage
of the tensor it was made from. The ops take it through an `isinstance(x, Tensor)` check placed
after their `type(x) is Tensor` fast path, so it is an operand with its own autograd edge, and what
they return is a plain Tensor (p * 2, p[0], p.detach(), p.clone() ...).
"""
from .._tensor import _core as _tensor
from ..engine.node import NO_EDGE
from .._tensor._core import Tensor, _plain

__all__ = ["Parameter"]

_new = object.__new__


def _parameter(cls, data, requires_grad):
    """A `cls` over the same ndarray as tensor `data`: a fresh leaf, no copy."""
    p = _new(cls)
    p._data = data._data
    p._rg = False
    p._edge = NO_EDGE
    if requires_grad:
        p.requires_grad_(True)  # raises PyTorch's error for integer dtypes
    return p


class Parameter(Tensor):
    """Parameter(data=None, requires_grad=True): a leaf sharing data's storage (an empty tensor when
    no data is given); it requires grad unless told otherwise."""

    __slots__ = ()
    _is_param = True  # read by repr ("Parameter containing:") and torch.save

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            from .._tensor.creation import empty
            data = empty(0)
        elif not isinstance(data, Tensor):
            raise TypeError(f"Parameter(): data must be a Tensor, not {type(data).__name__} "
                            "(wrap the values first, e.g. nn.Parameter(torch.tensor(values)))")
        return _parameter(cls, data, requires_grad)

    def __init__(self, data=None, requires_grad=True):
        pass  # all done in __new__ (Tensor.__init__ would build a tensor from the arguments)

    def __deepcopy__(self, memo):
        # like PyTorch: the values and requires_grad are copied, the .grad is not
        done = memo.get(id(self))
        if done is not None:
            return done
        out = _parameter(type(self), Tensor.detach(self).clone(), self._rg)
        if self.__dict__.get("_uninitialized"):  # a lazy module's placeholder stays one
            out._uninitialized = True
        memo[id(self)] = out
        return out

    def __reduce_ex__(self, proto):
        return (_rebuild_parameter, (self._data, self._rg))


_tensor._Parameter = Parameter  # the appliers' fast identity test (see _tensor._Parameter)


def _rebuild_parameter(data, requires_grad):
    return Parameter(_plain(data), requires_grad)
