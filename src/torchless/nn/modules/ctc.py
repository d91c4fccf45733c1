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


# ============================================================================ LinearCrossEntropyLoss
import dataclasses  # noqa: E402
import math  # noqa: E402

from .linear import Linear  # noqa: E402
from .loss import _WeightedLoss  # noqa: E402

__all__ += ["LinearCrossEntropyLoss", "LinearCrossEntropyOptions"]


@dataclasses.dataclass
class LinearCrossEntropyOptions:
    """LinearCrossEntropyOptions(allow_retain_graph=False, batch_chunk_size=None,
    chunking_method='auto', acc_policy='auto', acc_dtype=None): PyTorch's settings for computing
    linear_cross_entropy a chunk of the batch at a time (to save memory). torchless accepts them and
    computes the whole batch at once: the result is the same."""
    allow_retain_graph: bool = False
    batch_chunk_size: int | None = None
    chunking_method: str | None = "auto"
    acc_policy: str = "auto"
    acc_dtype: Any = None


class LinearCrossEntropyLoss(_WeightedLoss):
    """LinearCrossEntropyLoss(in_features, num_classes, *, out_features=(), bias=False, device=None,
    dtype=None, reduction='mean', weight=None, ignore_index=None, label_smoothing=0.0,
    options=None): cross entropy of the logits of a learned linear map (F.linear_cross_entropy).

    The map is held as `self.linear`, a Linear(in_features, num_classes · Π out_features) whose
    weight forward reshapes to (num_classes, *out_features, in_features) (a K-dimensional loss for
    a non-empty out_features). weight: a rescaling weight per class; ignore_index: a class index
    that adds nothing (None: -100); label_smoothing: in [0, 1]."""

    def __init__(self, in_features: int, num_classes: int, *, out_features: tuple[int, ...] = (), bias: bool = False,
                 device: Any = None, dtype: Any = None, reduction: str = "mean", weight: Tensor | None = None,
                 ignore_index: int | None = None, label_smoothing: float = 0.0, options: Any = None) -> None:
        if weight is not None and tuple(weight.shape) != (num_classes,):
            raise RuntimeError(f"expected weight shape to be {(num_classes,)}, got {tuple(weight.shape)}")
        if label_smoothing < 0 or label_smoothing > 1.0:
            raise RuntimeError(f"expected label_smoothing to be in range [0, 1], got {label_smoothing}")
        super().__init__(weight=weight, reduction=reduction)
        self.num_classes = num_classes
        self.out_features = out_features
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing
        self.linear = Linear(in_features, math.prod(out_features, start=num_classes), bias=bias, device=device,
                             dtype=dtype)
        self.options = options

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The cross entropy of linear(input) (input (N, in_features) or (in_features,)) against
        target: class indices, or class probabilities shaped like the logits."""
        linear_weight = self.linear.weight.reshape((self.num_classes, *self.out_features, self.linear.in_features))
        bias = self.linear.bias
        linear_bias = bias.reshape((self.num_classes, *self.out_features)) if bias is not None else None
        return F.linear_cross_entropy(input, linear_weight, target, linear_bias=linear_bias, weight=self.weight,
                                      reduction=self.reduction, ignore_index=self.ignore_index,
                                      label_smoothing=self.label_smoothing, options=self.options)

    def extra_repr(self) -> str:
        """The settings, as PyTorch prints them."""
        return (f"in_features={self.linear.in_features}, num_classes={self.num_classes}, "
                f"out_features={self.out_features}, bias={self.linear.bias is not None}, reduction={self.reduction}, "
                f"ignore_index={self.ignore_index}, label_smoothing={self.label_smoothing}, options={self.options}")
