"""The padding modules: F.pad with its padding (and mode, and fill value) fixed at construction.

`padding` is an int (the same amount on every side of the padded dims) or a tuple given as F.pad
takes it: (left, right), then (top, bottom), then (front, back).
"""
from collections.abc import Sequence

from .. import functional as F
from ..._tensor import Tensor
from .module import Module

__all__ = [
    "ZeroPad1d", "ZeroPad2d", "ZeroPad3d", "ConstantPad1d", "ConstantPad2d", "ConstantPad3d",
    "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d",
    "ReplicationPad2d", "ReplicationPad3d", "CircularPad1d", "CircularPad2d", "CircularPad3d",
]


def _sides(padding: int | Sequence[int], dims: int) -> tuple[int, ...]:
    """An int becomes the same amount on all 2*dims sides; a sequence is kept as given."""
    if isinstance(padding, int):
        return (padding,) * (2 * dims)
    return tuple(padding)


class _PadNd(Module):
    """F.pad(input, self.padding, mode) for one mode and one number of padded dims."""
    mode: str = "constant"
    dims: int = 1

    def __init__(self, padding: int | Sequence[int]) -> None:
        super().__init__()
        self.padding = _sides(padding, self.dims)

    def forward(self, input: Tensor) -> Tensor:
        """input padded on the sides of its last `dims` dims, as the module's mode says."""
        return F.pad(input, self.padding, self.mode)

    def extra_repr(self) -> str:
        """The padding, as a tuple of sides."""
        return f"{self.padding}"


# ---------------------------------------------------------------------------- constant
class _ConstantPadNd(_PadNd):
    def __init__(self, padding: int | Sequence[int], value: float) -> None:
        super().__init__(padding)
        self.value = value

    def forward(self, input: Tensor) -> Tensor:
        """input with `value` added on the sides of its last `dims` dims."""
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        """The padding and the fill value."""
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """ConstantPad1d(padding, value): pads the last dim with `value`."""
    dims = 1


class ConstantPad2d(_ConstantPadNd):
    """ConstantPad2d(padding, value): pads the last 2 dims with `value`."""
    dims = 2


class ConstantPad3d(_ConstantPadNd):
    """ConstantPad3d(padding, value): pads the last 3 dims with `value`."""
    dims = 3


class _ZeroPad(_ConstantPadNd):
    """A constant pad whose value is 0 (its repr shows the padding only)."""

    def __init__(self, padding: int | Sequence[int]) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        """The padding, as a tuple of sides."""
        return f"{self.padding}"


class ZeroPad1d(_ZeroPad, ConstantPad1d):
    """ZeroPad1d(padding): pads the last dim with zeros."""


class ZeroPad2d(_ZeroPad, ConstantPad2d):
    """ZeroPad2d(padding): pads the last 2 dims with zeros."""


class ZeroPad3d(_ZeroPad, ConstantPad3d):
    """ZeroPad3d(padding): pads the last 3 dims with zeros."""


# ---------------------------------------------------------------------------- reflect
class ReflectionPad1d(_PadNd):
    """ReflectionPad1d(padding): mirrors the last dim of a (C, W) or (N, C, W) input at its edges
    (the edge value itself is not repeated)."""
    mode, dims = "reflect", 1


class ReflectionPad2d(_PadNd):
    """ReflectionPad2d(padding): mirrors the last 2 dims of a (C, H, W) or (N, C, H, W) input."""
    mode, dims = "reflect", 2


class ReflectionPad3d(_PadNd):
    """ReflectionPad3d(padding): mirrors the last 3 dims of a (C, D, H, W) or (N, C, D, H, W) input."""
    mode, dims = "reflect", 3


# ---------------------------------------------------------------------------- replicate
class ReplicationPad1d(_PadNd):
    """ReplicationPad1d(padding): repeats the edge values of the last dim of a (C, W) or (N, C, W)
    input."""
    mode, dims = "replicate", 1


class ReplicationPad2d(_PadNd):
    """ReplicationPad2d(padding): repeats the edge values of the last 2 dims of a (C, H, W) or
    (N, C, H, W) input."""
    mode, dims = "replicate", 2


class ReplicationPad3d(_PadNd):
    """ReplicationPad3d(padding): repeats the edge values of the last 3 dims of a (C, D, H, W) or
    (N, C, D, H, W) input."""
    mode, dims = "replicate", 3


# ---------------------------------------------------------------------------- circular
class _CircularPadNd(_PadNd):
    mode = "circular"

    def forward(self, input: Tensor) -> Tensor:
        """input padded with the values from its opposite side (as if it wrapped around)."""
        n = input.dim()
        if n not in (self.dims + 1, self.dims + 2):
            raise ValueError(f"expected {self.dims + 1}D or {self.dims + 2}D input (got {n}D input)")
        return F.pad(input, self.padding, "circular")


class CircularPad1d(_CircularPadNd):
    """CircularPad1d(padding): wraps the last dim of a (C, W) or (N, C, W) input around."""
    dims = 1


class CircularPad2d(_CircularPadNd):
    """CircularPad2d(padding): wraps the last 2 dims of a (C, H, W) or (N, C, H, W) input around."""
    dims = 2


class CircularPad3d(_CircularPadNd):
    """CircularPad3d(padding): wraps the last 3 dims of a (C, D, H, W) or (N, C, D, H, W) input
    around."""
    dims = 3
