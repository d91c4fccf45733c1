"""nn.Parameter: a leaf tensor that a Module registers as a parameter.

A Parameter is a plain `Tensor` marked `_is_param`, not a Tensor subclass: every op's fast path
checks `type(x) is Tensor`, and a subclass would be taken for a constant there (no gradient would
flow to it). `isinstance(p, nn.Parameter)` is answered from the mark.
"""
from .._tensor import Tensor, _plain

__all__ = ["Parameter"]


class _ParameterMeta(type):
    def __instancecheck__(cls, obj):
        return type(obj) is Tensor and obj._is_param


class Parameter(metaclass=_ParameterMeta):
    """Parameter(data, requires_grad=True): shares data's storage; requires grad by default."""

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            from .._creation import empty
            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter expects a Tensor as data, got {type(data).__name__}")
        p = _plain(data._data)
        p._is_param = True
        if requires_grad:
            p.requires_grad_(True)
        return p
