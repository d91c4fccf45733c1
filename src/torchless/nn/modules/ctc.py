"""nn.CTCLoss (the grid-sample / CTC family of issue 12): the Connectionist Temporal Classification
loss module, holding its options and calling torch.nn.functional.ctc_loss."""
from typing import Any

from .. import functional as F
from ..._tensor import Tensor
from .loss import _Loss

__all__ = ["CTCLoss"]


class CTCLoss(_Loss):
    """CTCLoss(blank=0, reduction='mean', zero_infinity=False): the negative log-likelihood of each
    target sequence summed over all its alignments to the input frames (see F.ctc_loss).

    blank: the class index of the blank label; reduction: 'none', 'mean' (each loss divided by its
    target length, then the batch mean) or 'sum'; zero_infinity: infinite losses (and their
    gradients) become 0."""

    def __init__(self, blank: int = 0, reduction: str = "mean", zero_infinity: bool = False) -> None:
        super().__init__(reduction=reduction)
        self.blank = blank
        self.zero_infinity = zero_infinity

    def forward(self, log_probs: Tensor, targets: Tensor, input_lengths: Any, target_lengths: Any) -> Tensor:
        """The loss of log-probabilities (T, N, C) or (T, C) against targets (N, S) or concatenated,
        with the lengths as Tensors or tuples of ints."""
        return F.ctc_loss(log_probs, targets, input_lengths, target_lengths, self.blank, self.reduction,
                          self.zero_infinity)
