"""nn loss modules: each holds its options and calls the torch.nn.functional loss.

The shared options: reduction is 'mean' (the default), 'sum' or 'none' (one loss per element);
size_average and reduce are PyTorch's deprecated spellings of it (a warning names the reduction
they mean)."""
import warnings

from .. import functional as F
from ..._tensor import Tensor
from .module import Module

__all__ = ["MSELoss", "L1Loss", "CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss",
           "HuberLoss", "SmoothL1Loss"]


class _Loss(Module):
    def __init__(self, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean") -> None:
        super().__init__()
        if size_average is not None or reduce is not None:  # PyTorch's deprecated flags
            reduction = F._legacy(size_average, reduce)
            warnings.warn("size_average and reduce args will be deprecated, please use "
                          f"reduction='{reduction}' instead.", UserWarning, stacklevel=3)
        # like PyTorch, an unknown reduction is reported when the loss is called (by F)
        self.reduction = reduction


class _WeightedLoss(_Loss):
    def __init__(self, weight: Tensor | None = None, size_average: bool | None = None,
                 reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)


class MSELoss(_Loss):
    """MSELoss(size_average=None, reduce=None, reduction='mean'): the squared error
    (input - target)**2, reduced (the mean by default)."""

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The reduced squared error between input and target (same shape, or broadcastable)."""
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """L1Loss(size_average=None, reduce=None, reduction='mean'): the absolute error
    |input - target|, reduced (the mean by default)."""

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The reduced absolute error between input and target."""
        return F.l1_loss(input, target, reduction=self.reduction)


class CrossEntropyLoss(_WeightedLoss):
    """CrossEntropyLoss(weight=None, size_average=None, ignore_index=-100, reduce=None,
    reduction='mean', label_smoothing=0.0): the cross entropy of logits against class indices or
    class probabilities (log_softmax and nll_loss in one).

    weight: a rescaling weight per class; ignore_index: a target index that adds nothing (and is
    left out of the mean); label_smoothing: in [0, 1], the share of probability spread evenly over
    all classes in the target."""

    def __init__(self, weight: Tensor | None = None, size_average: bool | None = None,
                 ignore_index: int = -100, reduce: bool | None = None, reduction: str = "mean",
                 label_smoothing: float = 0.0) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The loss of logits `input` (N, C, ...) or (C,) against `target`: class indices (N, ...)
        or probabilities shaped like input."""
        return F.cross_entropy(input, target, weight=self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)


class NLLLoss(_WeightedLoss):
    """NLLLoss(weight=None, size_average=None, ignore_index=-100, reduce=None, reduction='mean'):
    the negative log likelihood, -input[n, target[n]], for log-probabilities `input`.

    weight: a rescaling weight per class; ignore_index: a target index that adds nothing."""

    def __init__(self, weight: Tensor | None = None, size_average: bool | None = None,
                 ignore_index: int = -100, reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The loss of log-probabilities `input` (N, C, ...) at the class indices `target` (N, ...)."""
        return F.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)


class BCELoss(_WeightedLoss):
    """BCELoss(weight=None, size_average=None, reduce=None, reduction='mean'): the binary cross
    entropy -(t log p + (1 - t) log(1 - p)) of probabilities p in [0, 1] against targets t.

    weight: a rescaling weight for each element (broadcast against input)."""

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The reduced binary cross entropy of probabilities `input` against `target`."""
        return F.binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """BCEWithLogitsLoss(weight=None, size_average=None, reduce=None, reduction='mean',
    pos_weight=None): the binary cross entropy of sigmoid(logits), fused so it stays finite for
    large logits.

    weight: a rescaling weight per element; pos_weight: a weight on the positive term per class
    (above 1 favours recall)."""

    def __init__(self, weight: Tensor | None = None, size_average: bool | None = None,
                 reduce: bool | None = None, reduction: str = "mean", pos_weight: Tensor | None = None) -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The reduced binary cross entropy of logits `input` against `target`."""
        return F.binary_cross_entropy_with_logits(input, target, self.weight, pos_weight=self.pos_weight,
                                                  reduction=self.reduction)


class HuberLoss(_Loss):
    """HuberLoss(reduction='mean', delta=1.0): 0.5 x**2 where |x| < delta, delta (|x| - 0.5 delta)
    beyond, with x = input - target; reduced.

    delta: where the loss turns from quadratic to linear (positive)."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The reduced Huber loss between input and target."""
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class SmoothL1Loss(_Loss):
    """SmoothL1Loss(size_average=None, reduce=None, reduction='mean', beta=1.0): 0.5 x**2 / beta
    where |x| < beta, |x| - 0.5 beta beyond, with x = input - target; reduced.

    beta: where the loss turns from quadratic to linear (0 gives the L1 loss)."""

    def __init__(self, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The reduced smooth L1 loss between input and target."""
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)
