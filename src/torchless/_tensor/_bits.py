"""Reductions over the bits of values (issue 12, misc breadth round 3): Tensor.hash_tensor and
torch.hash_tensor, the xor of every element's 64-bit pattern (floats widened to float64, integers
and bools to int64, then read as uint64). Not differentiable: the result is a uint64 tensor."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional, Sequence, Union

import numpy as np

from .. import _dtype as D
from ._core import _plain
if TYPE_CHECKING:  # annotations name the final class, assembled in _tensor/__init__.py from the mixins
    from . import Tensor
from ._reduction import _dims

__all__: list[str] = []

_U64 = np.dtype(np.uint64)


class BitsMethods:
    """Tensor methods that reduce the bits of values."""

    __slots__ = ()

    def hash_tensor(self: Any, dim: Union[int, Sequence[int], None] = None, *, keepdim: bool = False,
                    mode: int = 0) -> Tensor:
        """hash_tensor(self, dim=None, *, keepdim=False, mode=0) -> Tensor

        A hash of the elements (over dim, or all of them): with mode 0 (the only one) the xor of
        their 64-bit patterns, floats widened to float64 and integers to int64 first; a uint64
        tensor. dim: an int or a list of ints (None or [] reduce every dim); keepdim keeps the
        reduced dims with size 1."""
        if type(mode) is not int:
            raise TypeError(f"hash_tensor(): argument 'mode' must be int, not {type(mode).__name__}")
        if mode != 0:
            raise RuntimeError(f"Unknown hash_tensor mode: {mode}")
        if dim is not None and not isinstance(dim, (int, np.integer, list, tuple)) or isinstance(dim, bool):
            raise TypeError(f"hash_tensor(): argument 'dim' (position 2) must be tuple of ints, not "
                            f"{type(dim).__name__}")
        a = self._data
        if a.dtype.kind == "c" or a.dtype == _U64:
            raise NotImplementedError(f"\"xor_sum_cpu\" not implemented for '{D.SCALAR_TYPE_NAMES[a.dtype.name]}'")
        axes: Optional[tuple[int, ...]] = _dims(self, dim)
        if axes is None:
            if a.size == 0:
                raise RuntimeError("hash_tensor: Expected reduction dim to be specified for input.numel() == 0. "
                                   "Specify the reduction dim with the 'dim' argument.")
            axes = tuple(range(a.ndim))
        for d in axes:
            if a.shape[d] == 0:
                raise IndexError(f"hash_tensor: Expected reduction dim {d} to have non-zero size.")
        bits = a.astype(np.float64 if a.dtype.kind == "f" else np.int64).view(_U64)
        if a.ndim == 0:
            return _plain(bits.copy())
        xor: Any = np.bitwise_xor
        out = xor.reduce(bits, axis=axes, keepdims=bool(keepdim))
        return _plain(np.asarray(out, _U64))
