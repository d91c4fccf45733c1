"""Argument checks in the words of PyTorch's argument parser (floor 0: knows no Tensor and no rule).

PyTorch checks every argument's TYPE before it looks at a value: `torch.qr(x, "a")` is a TypeError
("qr(): argument 'some' (position 2) must be bool, not str"), never a result or a RuntimeError about
the matrix. These helpers give the same answer for one argument each; the callers use them where an
argument is not a tensor (a flag, a count, a size, an epsilon), cheaply: an exact `type(v) is int`
(or bool, float) passes at once, and only the other values are looked at further.

`position` is the argument's 1-based position as PyTorch counts it (the method form counts from the
argument after self: `x.qr(some)` is position 1, `torch.qr(x, some)` position 2); None for an
argument PyTorch names without a position (keyword-only ones, or ones its message gives none for).
"""
from __future__ import annotations

import numbers
import operator
from typing import Any, Optional, Tuple

import numpy as np

__all__ = ["OMITTED", "none_refused", "type_name", "wrong_type", "bool_arg", "int_arg", "float_arg", "number_arg",
           "int_list_arg", "size_args", "tensor_elements"]

_bool, _int, _float = bool, int, float
_BOOLS = (bool, np.bool_)


class _Omitted:
    """The default of an argument that PyTorch's signature gives no default value: `x.max()` leaves
    `dim` out, while `x.max(None)` is PyTorch's TypeError; OMITTED tells the two apart."""
    __slots__ = ()

    def __repr__(self) -> str:
        return "<omitted>"


OMITTED: Any = _Omitted()


def none_refused(fn: str, name: str, expected: str, hint: str) -> TypeError:
    """PyTorch's TypeError for None given for an argument that may only be left out, e.g.
    "max(): argument 'dim' must be int, not NoneType (leave dim out to reduce over all elements)"."""
    return TypeError(f"{fn}(): argument '{name}' must be {expected}, not NoneType ({hint})")


def type_name(value: Any) -> str:
    """The name PyTorch gives a value's type in its messages: `str`, `NoneType`, `Tensor`, and for
    NumPy's scalars `numpy.float64`, `numpy.bool`."""
    cls = type(value)
    module = cls.__module__
    return f"numpy.{cls.__name__}" if module == "numpy" else cls.__name__


def wrong_type(fn: Optional[str], name: str, position: Optional[int], expected: str, value: Any) -> TypeError:
    """PyTorch's TypeError for an argument of the wrong type, e.g.
    "qr(): argument 'some' (position 2) must be bool, not str" (without "qr(): " where `fn` is None:
    a shared check that does not know its caller's name)."""
    where = f" (position {position})" if position is not None else ""
    head = f"{fn}(): " if fn is not None else ""
    return TypeError(f"{head}argument '{name}'{where} must be {expected}, not {type_name(value)}")


def bool_arg(value: Any, fn: Optional[str], name: str, position: Optional[int] = None) -> bool:
    """A bool argument: only True and False (PyTorch refuses 0, 1, NumPy's bool and tensors)."""
    if type(value) is _bool:
        return value
    raise wrong_type(fn, name, position, "bool", value)


def int_arg(value: Any, fn: Optional[str], name: str, position: Optional[int] = None) -> int:
    """An int argument: an int (not a bool), a NumPy integer, or a one-element integer tensor (what
    `__index__` takes); anything else (a float, a str, None, a bigger tensor) PyTorch's TypeError."""
    if type(value) is _int:
        return value
    if not isinstance(value, _BOOLS):
        try:
            return operator.index(value)
        except (TypeError, ValueError, RuntimeError):
            pass
    raise wrong_type(fn, name, position, "int", value)


def float_arg(value: Any, fn: Optional[str], name: str, position: Optional[int] = None) -> float:
    """A float argument: a real number (bool and int included, as PyTorch takes them) or a
    one-element tensor; a str, None, a list, a complex number: PyTorch's TypeError."""
    if type(value) is _float or type(value) is _int:
        return value
    if isinstance(value, numbers.Real):
        return _float(value)
    if hasattr(value, "numel") and hasattr(value, "item"):  # a tensor
        try:
            if value.numel() == 1 and not value.is_complex():
                return _float(value.item())
        except (TypeError, ValueError, RuntimeError, AttributeError):
            pass
    raise wrong_type(fn, name, position, "float", value)


def number_arg(value: Any, fn: Optional[str], name: str, position: Optional[int] = None) -> Any:
    """A Number argument (bool, int, float, complex, a NumPy scalar, a one-element tensor): the value
    as given; a str, None, a list: PyTorch's TypeError ("must be Number, not str")."""
    if isinstance(value, numbers.Number):
        return value
    if hasattr(value, "numel") and hasattr(value, "item"):  # a tensor
        try:
            if value.numel() == 1:
                return value
        except (TypeError, ValueError, RuntimeError, AttributeError):
            pass
    raise wrong_type(fn, name, position, "Number", value)


def int_list_arg(value: Any, fn: Optional[str], name: str, position: Optional[int] = None) -> Tuple[int, ...]:
    """A "tuple of ints" argument (a size, a dim list, a pad): one int, or a tuple/list/Size of ints
    (NumPy ints, one-element integer tensors and, inside the list, bools count, as in PyTorch);
    PyTorch's TypeError for anything else, naming the first element that is not an int."""
    if type(value) is tuple or type(value) is list or isinstance(value, tuple):
        out = []
        for i, v in enumerate(value):
            if type(v) is _int:
                out.append(v)
                continue
            try:
                out.append(_int(v) if type(v) is _bool else int_arg(v, fn, name, position))
            except TypeError:
                head = f"{fn}(): " if fn is not None else ""
                where = f" (position {position})" if position is not None else ""
                raise TypeError(f"{head}argument '{name}'{where} must be tuple of ints, but found element "
                                f"of type {type_name(v)} at pos {i}") from None
        return tuple(out)
    if type(value) is not _bool:
        try:
            return (int_arg(value, fn, name, position),)
        except TypeError:
            pass
    raise wrong_type(fn, name, position, "tuple of ints", value)


def size_args(args: tuple, fn: str, name: str = "size", position: Optional[int] = 1) -> Tuple[int, ...]:
    """The sizes of a method that takes them either way, `f(2, 3)` or `f((2, 3))` / `f([2, 3])` /
    `f(torch.Size(...))`: a tuple of ints, or PyTorch's TypeError ("must be tuple of ints, not str")."""
    if len(args) == 1 and type(args[0]) is not _int:
        return int_list_arg(args[0], fn, name, position)
    return int_list_arg(args, fn, name, position)


def tensor_elements(values: Any, tensor_type: type, argument: int = 0) -> None:
    """PyTorch's TypeError for a list of tensors with something else among them, e.g.
    "expected Tensor as element 1 in argument 0, but got str" (`argument`: the list's position)."""
    for i, value in enumerate(values):
        if not isinstance(value, tensor_type):
            raise TypeError(f"expected Tensor as element {i} in argument {argument}, but got {type_name(value)}")
