"""The Tensor layer: the Tensor class, its methods by family, and the torch functions built on them."""
from ._core import Size, Tensor, device, where

__all__ = ["Size", "Tensor", "device", "where"]
