"""The padding modules: F.pad with its padding (and mode, and fill value) fixed at construction.

`padding` is an int (the same amount on every side of the padded dims) or a tuple given as F.pad
takes it: (left, right), then (top, bottom), then (front, back).
"""
import torchless.nn.functional as F  # not `from .. import`, which would import the nn package from inside it
from .module import Module

__all__ = [
    "ZeroPad1d", "ZeroPad2d", "ZeroPad3d", "ConstantPad1d", "ConstantPad2d", "ConstantPad3d",
    "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d",
    "ReplicationPad2d", "ReplicationPad3d", "CircularPad1d", "CircularPad2d", "CircularPad3d",
]


def _sides(padding, dims):
    """An int becomes the same amount on all 2*dims sides; a sequence is kept as given."""
    if isinstance(padding, int):
        return (padding,) * (2 * dims)
    return tuple(padding)


class _PadNd(Module):
    """F.pad(input, self.padding, mode) for one mode and one number of padded dims."""
    mode = None
    dims = 1

    def __init__(self, padding):
        super().__init__()
        self.padding = _sides(padding, self.dims)

    def forward(self, input):
        return F.pad(input, self.padding, self.mode)

    def extra_repr(self):
        return f"{self.padding}"


# ---------------------------------------------------------------------------- constant
class _ConstantPadNd(_PadNd):
    mode = "constant"

    def __init__(self, padding, value):
        super().__init__(padding)
        self.value = value

    def forward(self, input):
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pads the last dim with `value`."""
    dims = 1


class ConstantPad2d(_ConstantPadNd):
    """Pads the last 2 dims with `value`."""
    dims = 2


class ConstantPad3d(_ConstantPadNd):
    """Pads the last 3 dims with `value`."""
    dims = 3


class ZeroPad1d(ConstantPad1d):
    """Pads the last dim with zeros."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    """Pads the last 2 dims with zeros."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ZeroPad3d(ConstantPad3d):
    """Pads the last 3 dims with zeros."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


# ---------------------------------------------------------------------------- reflect
class ReflectionPad1d(_PadNd):
    """Mirrors the last dim at its edges of a (C, W) or (N, C, W) input."""
    mode, dims = "reflect", 1


class ReflectionPad2d(_PadNd):
    """Mirrors the last 2 dims of a (C, H, W) or (N, C, H, W) input."""
    mode, dims = "reflect", 2


class ReflectionPad3d(_PadNd):
    """Mirrors the last 3 dims of a (C, D, H, W) or (N, C, D, H, W) input."""
    mode, dims = "reflect", 3


# ---------------------------------------------------------------------------- replicate
class ReplicationPad1d(_PadNd):
    """Repeats the edge values of the last dim of a (C, W) or (N, C, W) input."""
    mode, dims = "replicate", 1


class ReplicationPad2d(_PadNd):
    """Repeats the edge values of the last 2 dims of a (C, H, W) or (N, C, H, W) input."""
    mode, dims = "replicate", 2


class ReplicationPad3d(_PadNd):
    """Repeats the edge values of the last 3 dims of a (C, D, H, W) or (N, C, D, H, W) input."""
    mode, dims = "replicate", 3


# ---------------------------------------------------------------------------- circular
class _CircularPadNd(_PadNd):
    mode = "circular"

    def forward(self, input):
        n = input.dim()
        if n not in (self.dims + 1, self.dims + 2):
            raise ValueError(f"expected {self.dims + 1}D or {self.dims + 2}D input (got {n}D input)")
        return F.pad(input, self.padding, "circular")


class CircularPad1d(_CircularPadNd):
    """Wraps the last dim around, of a (C, W) or (N, C, W) input."""
    dims = 1


class CircularPad2d(_CircularPadNd):
    """Wraps the last 2 dims around, of a (C, H, W) or (N, C, H, W) input."""
    dims = 2


class CircularPad3d(_CircularPadNd):
    """Wraps the last 3 dims around, of a (C, D, H, W) or (N, C, D, H, W) input."""
    dims = 3
