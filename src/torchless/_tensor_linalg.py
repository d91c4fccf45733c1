"""Linear algebra as Tensor methods and torch functions (rules: ops/linalg.py)."""
from ._tensor import Tensor, apply
from .ops.linalg import DotBackward0

__all__ = ["dot"]


def dot(input, other):
    """Inner product of two 1-D tensors of the same size and dtype."""
    if type(other) is not Tensor:
        raise TypeError(f"dot(): argument 'tensor' must be Tensor, not {type(other).__name__}")
    a, b = input._data, other._data
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    if a.shape[0] != b.shape[0]:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{a.shape[0]}] and src "
                           f"[{b.shape[0]}] to have the same number of elements, but got "
                           f"{a.shape[0]} and {b.shape[0]} elements respectively")
    if a.dtype != b.dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found "
                           f"{input.dtype.name.capitalize()} and {other.dtype.name.capitalize()}")
    return apply(DotBackward0, input, other)


Tensor.dot = dot
