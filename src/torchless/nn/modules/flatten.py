"""nn.Flatten and nn.Unflatten."""
from collections.abc import Sequence

from ..._tensor import Tensor
from .module import Module

__all__ = ["Flatten", "Unflatten"]


class Flatten(Module):
    """Flatten(start_dim=1, end_dim=-1): merges dims start_dim..end_dim into one.

    The defaults keep the batch dim and flatten the rest: (N, C, H, W) becomes (N, C*H*W)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: Tensor) -> Tensor:
        """input with dims start_dim..end_dim merged (a view when it can be)."""
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        """start_dim and end_dim."""
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Unflatten(dim, unflattened_size): splits dim `dim` into the shape `unflattened_size`.

    dim: the dimension split; unflattened_size: the sizes it becomes (their product is its size,
    one of them may be -1)."""

    def __init__(self, dim: int, unflattened_size: Sequence[int]) -> None:
        super().__init__()
        if isinstance(dim, str):
            raise TypeError("torchless tensors have no named dims: give Unflatten an int dim")
        if not isinstance(unflattened_size, (tuple, list)) or \
                not all(isinstance(s, int) for s in unflattened_size):
            raise TypeError("unflattened_size must be tuple of ints, but found type "
                            f"{type(unflattened_size).__name__}")
        self.dim = dim
        self.unflattened_size = unflattened_size

    def forward(self, input: Tensor) -> Tensor:
        """input with dim `dim` split into unflattened_size."""
        return input.unflatten(self.dim, self.unflattened_size)

    def extra_repr(self) -> str:
        """dim and unflattened_size."""
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
