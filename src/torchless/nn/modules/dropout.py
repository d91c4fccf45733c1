"""nn.Dropout: zeroes elements with probability p in training mode (survivors scaled by 1/(1-p))."""
from .. import functional as F
from ..._tensor import Tensor
from .module import Module

__all__ = ["Dropout"]


class Dropout(Module):
    """Dropout(p=0.5, inplace=False): random zeroing while training, the identity in eval mode.

    p: the probability that an element is zeroed (the others are scaled by 1/(1-p), so the
    expected value is unchanged); inplace: overwrite the input."""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """input with random elements zeroed (training mode), or input itself (eval mode)."""
        return F.dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        """p and inplace."""
        return f"p={self.p}, inplace={self.inplace}"
