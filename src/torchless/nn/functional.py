"""torch.nn.functional: stateless ops on tensors (rules: ops/nn.py).

Each function checks its arguments the way PyTorch does (same exception types, messages close to
PyTorch's) and then applies one rule; a few (l1_loss, dropout, cross_entropy with probabilities)
are compositions of Tensor ops, as they are in PyTorch.
"""
import math
import numbers
import warnings
from collections.abc import Sequence
from typing import Any, NoReturn, cast

import numpy as np

from .._random import rng as _rng
from .._tensor import Tensor
from .._tensor.creation import _in_memory_order
from .._tensor._core import _COMPLEX, _F32, _plain, apply, _norm_dim
from ..ops import nn as R
from ..backend import numpy as NP
from ..overrides import handle_torch_function, has_torch_function
from .parameter import Parameter

__all__ = [
    "relu", "relu_", "sigmoid", "tanh", "softmax", "log_softmax", "gelu", "leaky_relu", "dropout",
    "linear", "mse_loss", "l1_loss", "cross_entropy", "nll_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "huber_loss", "smooth_l1_loss", "one_hot", "pad",
]

_REDUCTIONS = ("none", "mean", "sum")
_PLAIN = (Tensor, Parameter)  # the types that take no __torch_function__ detour
_C_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int",
            "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
            "bool": "bool"}
_TORCH_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
                "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


# ============================================================================ argument checks
_POSITIONS = {"input": 1, "weight": 2, "target": 2}


def _tensor_arg(fn: str, name: str, value: Any) -> Tensor:
    if not isinstance(value, Tensor):
        raise TypeError(f"{fn}(): argument '{name}' (position {_POSITIONS[name]}) must be Tensor, not "
                        f"{type(value).__name__}")
    return value


def _float_input(fn: str, kernel: str, t: Tensor) -> None:
    if t._data.dtype.kind not in "fc":
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{_TORCH_NAMES.get(str(t._data.dtype), t._data.dtype)}'"
                                  f" ({fn} needs a floating point tensor; convert it first, e.g. x.float())")


def _reduction(size_average: bool | None, reduce: bool | None, reduction: str) -> str:
    """The reduction string, from the deprecated size_average/reduce pair when either is given."""
    if size_average is not None or reduce is not None:
        warnings.warn("size_average and reduce args will be deprecated, please use reduction='"
                      f"{_legacy(size_average, reduce)}' instead.", UserWarning, stacklevel=3)
        return _legacy(size_average, reduce)
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _legacy(size_average: bool | None, reduce: bool | None) -> str:
    """The reduction PyTorch's deprecated size_average/reduce flags stand for."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if not reduce:
        return "none"
    return "mean" if size_average else "sum"


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    """The elementwise losses reduced as `reduction` ('none', 'mean' or 'sum') says."""
    if reduction == "none":
        return loss
    return loss.mean() if reduction == "mean" else loss.sum()


def _promoted(a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    """Both tensors in their common dtype, by PyTorch's promotion (a float tensor and an integer
    target give the float dtype), as its pointwise losses compute."""
    if a._data.dtype == b._data.dtype:
        return a, b
    from .._tensor.functions import result_type
    dt = result_type(a, b)
    return (a if a.dtype == dt else a.to(dt)), (b if b.dtype == dt else b.to(dt))


def _target_size_check(input: Tensor, target: Tensor) -> None:
    """PyTorch's warning when a pointwise loss's target has another shape than its input."""
    if tuple(input.shape) != tuple(target.shape):
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input size "
                      f"({input.shape}). This will likely lead to incorrect results due to "
                      "broadcasting. Please ensure they have the same size.", UserWarning, stacklevel=3)


def _array_or_none(t: Any, dtype: np.dtype) -> np.ndarray | None:
    """The array of a tensor (or array-like) in `dtype`; None stays None."""
    if t is None:
        return None
    return _array_in(t, dtype)


def _array_in(t: Any, dtype: np.dtype) -> np.ndarray:
    """The array of a tensor (or array-like) in `dtype` (itself when it has that dtype)."""
    arr = t._data if isinstance(t, Tensor) else np.asarray(t)
    return arr if arr.dtype == dtype else arr.astype(dtype)


# ============================================================================ activations
def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """relu(input, inplace=False) -> Tensor: max(0, x), elementwise.

    inplace: overwrite input and return it."""
    if inplace:
        return relu_(input)
    return input.relu()


def relu_(input: Tensor) -> Tensor:
    """relu_(input) -> Tensor: max(0, x), written into input (returned)."""
    return input.relu_()


def sigmoid(input: Tensor) -> Tensor:
    """sigmoid(input) -> Tensor: the logistic function 1 / (1 + exp(-x)), elementwise."""
    return input.sigmoid()


def tanh(input: Tensor) -> Tensor:
    """tanh(input) -> Tensor: the hyperbolic tangent, elementwise."""
    return input.tanh()


def _implicit_dim(name: str, ndim: int) -> int:
    """PyTorch's legacy choice of dim for softmax without one (with its deprecation warning)."""
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to "
                  "include dim=X as an argument.", UserWarning, stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Tensor:
    """softmax(input, dim=None, dtype=None) -> Tensor: exp(x) / sum(exp(x)) along `dim`.

    Each slice along dim becomes positive and sums to 1 (computed with the maximum subtracted first,
    so large inputs do not overflow). dim: the dimension normalised (None: PyTorch's legacy choice,
    with a warning); dtype: cast the input to it first."""
    if type(input) is not Tensor and has_torch_function((input,)):  # a tensor-like input takes the call
        return handle_torch_function(softmax, (input,), input, dim, _stacklevel, dtype)
    _tensor_arg("softmax", "input", input)
    if dim is None:
        dim = _implicit_dim("softmax", input._data.ndim)
    return input.softmax(dim, dtype)  # the Tensor layer's softmax: checks, then the rule


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Tensor:
    """log_softmax(input, dim=None, dtype=None) -> Tensor: x - log(sum(exp(x))) along `dim`.

    The logarithm of softmax, computed without forming softmax (stable for large and very
    negative inputs). Arguments as softmax."""
    if type(input) is not Tensor and has_torch_function((input,)):  # a tensor-like input takes the call
        return handle_torch_function(log_softmax, (input,), input, dim, _stacklevel, dtype)
    _tensor_arg("log_softmax", "input", input)
    if dim is None:
        dim = _implicit_dim("log_softmax", input._data.ndim)
    return input.log_softmax(dim, dtype)  # the Tensor layer's log_softmax: checks, then the rule


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """gelu(input, approximate='none') -> Tensor: x * Phi(x), Phi the standard normal CDF.

    approximate: 'none' computes Phi through erf; 'tanh' uses
    0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x**3)))."""
    if type(input) is not Tensor and has_torch_function((input,)):  # a tensor-like input takes the call
        return handle_torch_function(gelu, (input,), input, approximate=approximate)
    _tensor_arg("gelu", "input", input)
    if approximate not in ("none", "tanh"):
        raise RuntimeError(f"approximate argument must be either none or tanh (got '{approximate}')")
    _float_input("gelu", "GeluKernelImpl", input)
    if input._data.dtype.kind == "c":
        _real_float_input("gelu", "GeluKernelImpl", input)
    return apply(R.GeluBackward0, input, approximate)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """leaky_relu(input, negative_slope=0.01, inplace=False) -> Tensor: x where x >= 0,
    negative_slope * x elsewhere.

    inplace: overwrite input and return it."""
    if type(input) is not Tensor and has_torch_function((input,)):  # a tensor-like input takes the call
        return handle_torch_function(leaky_relu, (input,), input, negative_slope, inplace=inplace)
    _tensor_arg("leaky_relu", "input", input)
    _float_input("leaky_relu", "leaky_relu_cpu", input)
    if input._data.dtype.kind == "c":
        _real_float_input("leaky_relu", "leaky_relu_cpu", input)
    if inplace:
        return _leaky_relu_(input, negative_slope)
    return apply(R.LeakyReluBackward0, input, negative_slope)


def _leaky_relu_(input: Tensor, negative_slope: float) -> Tensor:
    """leaky_relu written into input: recorded when autograd needs it, else done on the array."""
    from .._tensor._core import _bump_version, _check_inplace, _snapshot, _write_into
    if _check_inplace(input):
        if negative_slope < 0:
            raise RuntimeError("In-place leakyReLu backward calculation is triggered with a negative "
                               "slope which is not supported. This is caused by calling in-place "
                               "forward function with a negative slope, please call out-of-place "
                               "version instead.")
        return _write_into(input, apply(R.LeakyReluBackward1, _snapshot(input), negative_slope))
    arr = input._data
    np.copyto(arr, R.LeakyReluBackward0.forward(None, NP, arr, negative_slope))
    _bump_version(input)
    return input


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """dropout(input, p=0.5, training=True, inplace=False) -> Tensor: random zeroing.

    While training, each element is zeroed with probability p and the others are scaled by
    1/(1-p), so the expected value is unchanged; with training=False (or p == 0) input comes back
    as it is. inplace: overwrite input."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0:
        return input
    arr = input._data
    dt = arr.dtype if arr.dtype.kind == "f" else np.dtype(np.float32)
    if p == 1:
        mask = np.zeros(arr.shape, dt)
    else:  # keep with probability 1 - p, scaled so the expectation is unchanged
        # PyTorch: noise = empty_like(input).bernoulli_(1 - p) (one float64 uniform per element, kept
        # below 1 - p), then noise.div_(1 - p) in the input's dtype
        keep = _in_memory_order(arr, _rng().unit(arr.size, np.float64)) < 1.0 - p  # empty_like keeps strides
        mask = keep.astype(dt) / dt.type(1.0 - p)
    if inplace:
        return input.mul_(_plain(mask))
    return input * _plain(mask)


# ============================================================================ linear
def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """linear(input, weight, bias=None) -> Tensor: input @ weight.T + bias.

    input: (*, in_features); weight: (out_features, in_features); bias: (out_features,) or None.
    The result has shape (*, out_features)."""
    if (type(input) is not Tensor or type(weight) not in _PLAIN or bias is not None and type(bias) not in _PLAIN) \
            and has_torch_function((input, weight, bias)):  # a tensor-like argument takes the call (vmap's)
        return handle_torch_function(linear, (input, weight, bias), input, weight, bias)
    _tensor_arg("linear", "input", input)
    _tensor_arg("linear", "weight", weight)
    x, w = input._data, weight._data
    if w.ndim != 2:
        raise RuntimeError(f"linear(): weight must be 2-D (out_features, in_features), got shape "
                           f"{list(w.shape)}")
    if x.ndim == 0:
        raise RuntimeError("both arguments to linear need to be at least 1D, but they are 0D and 2D")
    if x.shape[-1] != w.shape[1]:
        rows = math.prod(x.shape[:-1])
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{x.shape[-1]} and "
                           f"{w.shape[1]}x{w.shape[0]}) (the input's last dim must equal "
                           f"weight.shape[1] = in_features)")
    dt = x.dtype  # (identity first: cheaper than comparing dtypes, and pays for the complex check below)
    if (dt is not w.dtype and dt != w.dtype) or (bias is not None and bias._data.dtype != dt):
        other = w.dtype if x.dtype != w.dtype or bias is None else bias._data.dtype
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{_C_NAMES.get(str(x.dtype), x.dtype)} != {_C_NAMES.get(str(other), other)}")
    if bias is not None:
        bshape = bias._data.shape
        if bshape not in ((w.shape[0],), (), (1,)):
            raise RuntimeError(f"The expanded size of the tensor ({w.shape[0]}) must match the existing "
                               f"size ({bshape[-1] if bshape else 1}) at non-singleton dimension "
                               f"{max(x.ndim - 1, 0)}.  Target sizes: {[*x.shape[:-1], w.shape[0]]}.  "
                               f"Tensor sizes: {list(bshape)}")
    rule: type
    if x.ndim == 2:
        rule = R.MmBackward0 if bias is None else R.AddmmBackward0
    elif x.ndim == 1:
        rule = R.SqueezeBackward4 if bias is None else R.ViewBackward0
    else:
        rule = R.ViewBackward0 if bias is not None else R.UnsafeViewBackward0
    if dt is not _F32 and dt in _COMPLEX:  # complex operands record the rule's conjugating twin (ops/_rule.py)
        rule = rule.complex_rule()
    if bias is None:
        return apply(rule, input, weight)
    return apply(rule, input, weight, bias)


# ============================================================================ regression losses
_KERNELS = {"mse_loss": "mse_cpu", "huber_loss": "huber_cpu", "smooth_l1_loss": "smooth_l1_cpu"}


def _pointwise_loss(rule: type, name: str, input: Tensor, target: Tensor, reduction: str,
                    *extra: Any) -> Tensor:
    """A loss with its own rule: PyTorch's argument checks and dtype promotion, then the rule."""
    _tensor_arg(name, "input", input)
    if not isinstance(target, Tensor):
        raise TypeError(f"{name}(): argument 'target' (position 2) must be Tensor, not "
                        f"{type(target).__name__}")
    _target_size_check(input, target)
    try:
        np.broadcast_shapes(input._data.shape, target._data.shape)
    except ValueError as e:
        from .._tensor._core import _broadcast_error  # PyTorch's "The size of tensor a ..." message
        raise _broadcast_error(input._data, target._data, e) from None
    if name == "huber_loss" and input._data.dtype != target._data.dtype:
        target = target.to(input.dtype)  # PyTorch's huber computes in the input's dtype
    input, target = _promoted(input, target)
    _float_input(name, _KERNELS[name], input)
    return apply(rule, input, target, reduction, *extra)


def mse_loss(input: Tensor, target: Tensor, size_average: bool | None = None, reduce: bool | None = None,
             reduction: str = "mean", weight: Tensor | None = None) -> Tensor:
    """mse_loss(input, target, reduction='mean', weight=None) -> Tensor: the squared error
    (input - target)**2, reduced.

    reduction: 'mean', 'sum' or 'none' (size_average and reduce are its deprecated spellings);
    weight: multiplies each element's loss before the reduction."""
    if (type(input) is not Tensor or type(target) is not Tensor) and has_torch_function((input, target, weight)):
        return handle_torch_function(mse_loss, (input, target, weight), input, target, size_average=size_average,
                                     reduce=reduce, reduction=reduction, weight=weight)
    reduction = _reduction(size_average, reduce, reduction)
    if weight is not None:
        _target_size_check(input, target)
        loss = (input - target) ** 2 * weight
        return _reduce(loss, reduction)
    return _pointwise_loss(R.MseLossBackward0, "mse_loss", input, target, reduction)


def l1_loss(input: Tensor, target: Tensor, size_average: bool | None = None, reduce: bool | None = None,
            reduction: str = "mean", weight: Tensor | None = None) -> Tensor:
    """l1_loss(input, target, reduction='mean', weight=None) -> Tensor: the absolute error
    |input - target|, reduced.

    reduction: 'mean', 'sum' or 'none'; weight: multiplies each element's loss."""
    reduction = _reduction(size_average, reduce, reduction)
    _tensor_arg("l1_loss", "input", input)
    _target_size_check(input, target)
    loss = (input - target).abs()
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0,
               weight: Tensor | None = None) -> Tensor:
    """huber_loss(input, target, reduction='mean', delta=1.0, weight=None) -> Tensor.

    With x = input - target: 0.5 x**2 where |x| < delta, delta (|x| - 0.5 delta) beyond; reduced.
    delta: where the loss turns linear (positive); weight: multiplies each element's loss."""
    if (type(input) is not Tensor or type(target) is not Tensor) and has_torch_function((input, target, weight)):
        return handle_torch_function(huber_loss, (input, target, weight), input, target, reduction=reduction,
                                     delta=delta, weight=weight)
    reduction = _reduction(None, None, reduction)
    if delta <= 0:
        raise RuntimeError(f"huber_loss does not support non-positive values for delta (got {delta}).")
    if weight is not None:
        loss = _pointwise_loss(R.HuberLossBackward0, "huber_loss", input, target, "none", delta) * weight
        return _reduce(loss, reduction)
    return _pointwise_loss(R.HuberLossBackward0, "huber_loss", input, target, reduction, delta)


def smooth_l1_loss(input: Tensor, target: Tensor, size_average: bool | None = None,
                   reduce: bool | None = None, reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """smooth_l1_loss(input, target, reduction='mean', beta=1.0) -> Tensor.

    With x = input - target: 0.5 x**2 / beta where |x| < beta, |x| - 0.5 beta beyond; reduced.
    beta: where the loss turns linear (0 gives l1_loss)."""
    if (type(input) is not Tensor or type(target) is not Tensor) and has_torch_function((input, target)):
        return handle_torch_function(smooth_l1_loss, (input, target), input, target, size_average=size_average,
                                     reduce=reduce, reduction=reduction, beta=beta)
    reduction = _reduction(size_average, reduce, reduction)
    if beta < 0:
        raise RuntimeError(f"smooth_l1_loss does not support negative values for beta (got {beta}).")
    if beta == 0:  # PyTorch computes the l1 loss then (and its graph shows so)
        return l1_loss(input, target, reduction=reduction)
    return _pointwise_loss(R.SmoothL1LossBackward0, "smooth_l1_loss", input, target, reduction, float(beta))


# ============================================================================ binary cross entropy
def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                         size_average: bool | None = None, reduce: bool | None = None,
                         reduction: str = "mean") -> Tensor:
    """binary_cross_entropy(input, target, weight=None, reduction='mean') -> Tensor.

    -(t log p + (1 - t) log(1 - p)) for probabilities p = input in [0, 1] and targets t of the same
    shape and dtype, reduced (each log is clamped at -100, as in PyTorch). weight: multiplies each
    element's loss (broadcast against input)."""
    if (type(input) is not Tensor or type(target) is not Tensor) and has_torch_function((input, target, weight)):
        return handle_torch_function(binary_cross_entropy, (input, target, weight), input, target, weight=weight,
                                     size_average=size_average, reduce=reduce, reduction=reduction)
    reduction = _reduction(size_average, reduce, reduction)
    _tensor_arg("binary_cross_entropy", "input", input)
    _tensor_arg("binary_cross_entropy", "target", target)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input size "
                         f"({input.shape}) is deprecated. Please ensure they have the same size.")
    x = input._data
    if x.dtype != target._data.dtype:
        raise RuntimeError(f"Found dtype {_TORCH_NAMES.get(str(target._data.dtype))} but expected "
                           f"{_TORCH_NAMES.get(str(x.dtype))} (give input and target the same dtype, "
                           "e.g. target.float())")
    _float_input("binary_cross_entropy", "binary_cross_entropy", input)
    if x.size and not ((x >= 0) & (x <= 1)).all():
        raise RuntimeError("all elements of input should be between 0 and 1 (pass probabilities, "
                           "e.g. torch.sigmoid(logits), or use binary_cross_entropy_with_logits)")
    t = target._data
    if t.size and not ((t >= 0) & (t <= 1)).all():
        raise RuntimeError("all elements of target should be between 0 and 1 (targets are probabilities: "
                           "labels 0 or 1, or soft labels in [0, 1])")
    w = _array_or_none(weight, x.dtype)
    if w is not None:
        np.broadcast_shapes(w.shape, x.shape)
    return apply(R.BinaryCrossEntropyBackward0, input, target, w, reduction)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                     size_average: bool | None = None, reduce: bool | None = None,
                                     reduction: str = "mean", pos_weight: Tensor | None = None) -> Tensor:
    """binary_cross_entropy_with_logits(input, target, weight=None, reduction='mean',
    pos_weight=None) -> Tensor.

    binary_cross_entropy of sigmoid(input), computed from the logits directly so it stays finite
    for large |input|. weight: multiplies each element's loss; pos_weight: multiplies the positive
    (t log p) term, per class (broadcast along the last dim)."""
    if (type(input) is not Tensor or type(target) is not Tensor) and has_torch_function((input, target, weight)):
        return handle_torch_function(binary_cross_entropy_with_logits, (input, target, weight), input, target,
                                     weight=weight, size_average=size_average, reduce=reduce, reduction=reduction,
                                     pos_weight=pos_weight)
    reduction = _reduction(size_average, reduce, reduction)
    _tensor_arg("binary_cross_entropy_with_logits", "input", input)
    _tensor_arg("binary_cross_entropy_with_logits", "target", target)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    if target._data.dtype.kind not in "fc" and input._data.dtype.kind in "fc":
        raise RuntimeError(f"result type {_TORCH_NAMES.get(str(input._data.dtype))} can't be cast to "
                           f"the desired output type {_TORCH_NAMES.get(str(target._data.dtype))} "
                           "(give the target a floating point dtype, e.g. target.float())")
    input, target = _promoted(input, target)
    _float_input("binary_cross_entropy_with_logits", "log_sigmoid_cpu", input)
    dt = input._data.dtype
    return apply(R.BinaryCrossEntropyWithLogitsBackward0, input, target, _array_or_none(weight, dt),
                 _array_or_none(pos_weight, dt), reduction)


# ============================================================================ class-index losses
def _class_target(fn: str, input: Tensor, target: Any, weight: Any,
                  ignore_index: int) -> tuple[np.ndarray, np.ndarray | None, int, int | None]:
    """Check a class-index target against input (N, C, d1...) / (C,); return (target array,
    weight array or None, class dim, ignore_index or None when no target equals it)."""
    _tensor_arg(fn, "input", input)
    if not isinstance(target, Tensor):
        raise TypeError(f"{fn}(): argument 'target' (position 2) must be Tensor, not {type(target).__name__}")
    x, t = input._data, target._data
    if x.ndim == 0:
        raise ValueError("Expected 1 or more dimensions (got 0)")
    if x.ndim == 1:
        if t.ndim != 0:
            raise RuntimeError(f"Expected target to be a 0-D tensor for a 1-D input, got target of "
                               f"shape {list(t.shape)}")
        cdim = 0
    else:
        cdim = 1
        if t.ndim == 0 or t.shape[0] != x.shape[0]:
            raise ValueError(f"Expected input batch_size ({x.shape[0]}) to match target batch_size "
                             f"({t.shape[0] if t.ndim else 0}).")
        expected = x.shape[:1] + x.shape[2:]
        if t.shape != expected:
            raise RuntimeError(f"Expected target size {list(expected)}, got {list(t.shape)}")
    # (after the batch-size check, as PyTorch: a float target of another batch size is a ValueError)
    if t.dtype not in (np.int64, np.uint8):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got "
                           f"{_TORCH_NAMES.get(str(t.dtype), t.dtype)} (class indices must be int64, "
                           "e.g. target.long())")
    n_cls = x.shape[cdim]
    t = t.astype(np.int64, copy=False)
    if t.size:
        lo, hi = int(t.min()), int(t.max())
        if lo < 0 or hi >= n_cls:
            bad = ((t < 0) | (t >= n_cls)) & (t != ignore_index)
            if bad.any():
                raise IndexError(f"Target {int(t[bad].flat[0])} is out of bounds.")
        ignored = ignore_index if lo <= ignore_index <= hi else None  # None: the rules skip the masking
    else:
        ignored = None
    w = None
    if weight is not None:
        if isinstance(weight, Tensor) and weight._data.dtype != x.dtype:
            raise RuntimeError(f"expected scalar type {_TORCH_NAMES.get(str(x.dtype), x.dtype)} but found "
                               f"{_TORCH_NAMES.get(str(weight._data.dtype), weight._data.dtype)} (give weight "
                               "the dtype of input)")
        w = _array_in(weight, x.dtype)
        if w.shape != (n_cls,):
            raise RuntimeError(f"weight tensor should be defined either for all {n_cls} classes or no "
                               f"classes but got weight tensor of shape: {list(w.shape)}")
    return t, w, cdim, ignored


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average: bool | None = None,
             ignore_index: int = -100, reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """nll_loss(input, target, weight=None, ignore_index=-100, reduction='mean') -> Tensor.

    The negative log likelihood -input[n, target[n]] of log-probabilities `input` (N, C, d1, ...)
    or (C,) at class indices `target` (N, d1, ...) or (), reduced. weight: a weight per class (the
    mean divides by the summed weights); ignore_index: a target value that adds nothing."""
    if (type(input) is not Tensor or type(target) is not Tensor) and has_torch_function((input, target, weight)):
        return handle_torch_function(nll_loss, (input, target, weight), input, target, weight=weight,
                                     size_average=size_average, ignore_index=ignore_index, reduce=reduce,
                                     reduction=reduction)
    reduction = _reduction(size_average, reduce, reduction)
    t, w, cdim, ignored = _class_target("nll_loss", input, target, weight, ignore_index)
    _float_input("nll_loss", "nll_loss_forward_reduce_cuda_kernel_2d_index", input)
    rule = R.class_loss_rule(R.NllLossBackward0, input._data.ndim, reduction)
    return apply(rule, input, t, w, ignored, reduction, cdim)


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                  size_average: bool | None = None, ignore_index: int = -100, reduce: bool | None = None,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """cross_entropy(input, target, weight=None, ignore_index=-100, reduction='mean',
    label_smoothing=0.0) -> Tensor.

    log_softmax over the class dim (1, or 0 for a 1-D input) followed by nll_loss, for class-index
    targets; or the cross entropy -sum(target * log_softmax(input)) against class probabilities
    (a floating-point target shaped like input). weight: a weight per class; ignore_index: a class
    index that adds nothing; label_smoothing: in [0, 1], the share of probability spread evenly over
    the classes in the target."""
    if (type(input) is not Tensor or type(target) is not Tensor) and has_torch_function((input, target, weight)):
        return handle_torch_function(cross_entropy, (input, target, weight), input, target, weight=weight,
                                     size_average=size_average, ignore_index=ignore_index, reduce=reduce,
                                     reduction=reduction, label_smoothing=label_smoothing)
    reduction = _reduction(size_average, reduce, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    _tensor_arg("cross_entropy", "input", input)
    if isinstance(target, Tensor) and target._data.dtype.kind == "f" and target.shape == input.shape:
        if ignore_index >= 0:  # (PyTorch's check: a negative index never names a class)
            raise RuntimeError("ignore_index is not supported for floating point target")
        return _cross_entropy_probs(input, target, weight, reduction, label_smoothing)
    t, w, cdim, ignored = _class_target("cross_entropy", input, target, weight, ignore_index)
    _float_input("cross_entropy", "log_softmax_lastdim_kernel_impl", input)
    rule = R.class_loss_rule(R.CrossEntropyLossBackward0, input._data.ndim, reduction, label_smoothing)
    return apply(rule, input, t, w, ignored, reduction, cdim, float(label_smoothing))


def _cross_entropy_probs(input: Tensor, target: Tensor, weight: Any, reduction: str,
                         label_smoothing: float) -> Tensor:
    """cross_entropy against class probabilities, composed of Tensor ops as in PyTorch."""
    _float_input("cross_entropy", "log_softmax_lastdim_kernel_impl", input)
    if input._data.dtype != target._data.dtype:
        raise RuntimeError(f"expected scalar type {_TORCH_NAMES.get(str(input._data.dtype))} but found "
                           f"{_TORCH_NAMES.get(str(target._data.dtype))}")
    cdim = 1 if input.dim() >= 2 else 0
    n_cls = input.shape[cdim]
    logp = log_softmax(input, cdim)
    if label_smoothing:
        target = target * (1 - label_smoothing) + label_smoothing / n_cls
    prod = logp * target
    if weight is not None:
        w = _array_in(weight, input._data.dtype)
        if w.shape != (n_cls,):
            raise RuntimeError(f"weight tensor should be defined either for all {n_cls} classes or no "
                               f"classes but got weight tensor of shape: {list(w.shape)}")
        prod = prod * _plain(w.reshape([-1 if i == cdim else 1 for i in range(input.dim())]))
    if reduction == "none":
        return -prod.sum(cdim)
    if reduction == "sum":
        return -prod.sum()
    n = input.numel() // n_cls if n_cls else 0
    return apply(R.DivBackward1, -prod.sum(), n if n else float("nan"))


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """one_hot(tensor, num_classes=-1) -> Tensor: class indices as one-hot int64 rows.

    The result has shape (*tensor.shape, num_classes), with 1 at each index and 0 elsewhere.
    num_classes: the row length (-1: one more than the largest index)."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"one_hot(): argument 'input' (position 1) must be Tensor, not {type(tensor).__name__}")
    t = tensor._data
    if t.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor. (convert "
                           "it first, e.g. t.long())")
    if t.size and t.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    if num_classes == -1:
        if t.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(t.max()) + 1
    elif t.size and t.max() >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    return _plain((t[..., None] == np.arange(num_classes)).astype(np.int64))


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant", value: float | None = None) -> Tensor:
    """pad(input, pad, mode='constant', value=None) -> Tensor: input grown (or cropped) at its edges.

    pad: amounts for the last len(pad)//2 dims, last dim first: (left, right, top, bottom, front,
    back). mode='constant' fills with `value` (0 by default; negative amounts crop); 'reflect'
    mirrors the input at its edges, 'replicate' repeats the edge values, 'circular' wraps around
    (rules: ops/padding.py). The last three pad 1, 2 or 3 dims of a batched or unbatched input, as
    PyTorch's do."""
    _tensor_arg("pad", "input", input)
    pad = _pad_amounts(pad)
    if type(mode) is not str:
        raise TypeError(f"pad(): argument 'mode' (position 3) must be str, not {type(mode).__name__}")
    if mode != "constant":
        return _pad_by_copying(input, pad, mode, value)
    if isinstance(value, Tensor) and value._data.ndim == 0:
        value = value._data.item()  # a number, never an edge of the graph
    elif value is not None and not isinstance(value, (int, float, np.number)):
        raise TypeError(f"pad(): argument 'value' (position 4) must be float, not {type(value).__name__}")
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    ndim = input._data.ndim
    if len(pad) // 2 > ndim:
        raise RuntimeError(f"Padding length should be less than or equal to two times the input "
                           f"dimension but got padding length {len(pad)} and input of dimension {ndim}")
    shape = input._data.shape
    out_shape, dst, src = list(shape), [slice(None)] * ndim, [slice(None)] * ndim
    for k in range(len(pad) // 2):
        d = ndim - 1 - k
        lo, hi = pad[2 * k], pad[2 * k + 1]
        n = shape[d]
        size = n + lo + hi
        if size < 0 or n - max(-lo, 0) - max(-hi, 0) < 0:
            raise RuntimeError(f"The input size {n}, plus negative padding {lo} and {hi} resulted in a "
                               f"negative output size, which is invalid. Check dimension {d} of your input.")
        out_shape[d] = size
        kept = n - max(-lo, 0) - max(-hi, 0)
        dst[d] = slice(max(lo, 0), max(lo, 0) + kept)
        src[d] = slice(max(-lo, 0), max(-lo, 0) + kept)
    return apply(R.ConstantPadNdBackward0, input, tuple(out_shape), tuple(dst), tuple(src),
                 0 if value is None else value)


def _pad_amounts(pad: Any) -> tuple[int, ...]:
    """F.pad's `pad` as a tuple of Python ints (0-d integer tensors count as ints, as in PyTorch)."""
    if type(pad) is tuple:  # the common case, checked cheaply
        for p in pad:
            if type(p) is not int:
                break
        else:
            return pad
    if not isinstance(pad, (tuple, list)):
        raise TypeError(f"pad(): argument 'pad' (position 2) must be tuple of ints, not {type(pad).__name__}")
    amounts = []
    for i, p in enumerate(pad):
        if isinstance(p, Tensor) and p._data.ndim == 0 and p._data.dtype.kind in "iu":
            p = int(p._data)
        elif not isinstance(p, (int, np.integer)) or isinstance(p, bool):
            raise TypeError(f"pad(): argument 'pad' (position 2) must be tuple of ints, but found element "
                            f"of type {type(p).__name__} at pos {i}")
        amounts.append(int(p))
    return tuple(amounts)


_PAD_KERNELS = {"reflect": "reflection_pad", "replicate": "replication_pad"}  # for dtype errors
_COPYING_MODES = ("reflect", "replicate", "circular")
_PAD_PLANS: dict[tuple[Any, ...], tuple[type, Any]] = {}  # (shape, dtype, pad, mode) -> (rule, index), for arguments that passed the checks


def _pad_by_copying(input: Tensor, pad: tuple[int, ...], mode: str, value: Any) -> Tensor:
    """F.pad for 'reflect', 'replicate' and 'circular': PyTorch's checks, in its order, then one
    gather rule (ops/padding.py). Checks and index depend on shapes only, so they are done once
    per (shape, dtype, pad, mode): a training loop pads the same shapes every step."""
    if value is not None and value != 0 and mode in _COPYING_MODES:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument (only mode='
                           "'constant' fills with a value)")
    a = input._data
    key = (a.shape, a.dtype, pad, mode)
    plan = _PAD_PLANS.get(key)
    if plan is None:
        plan = _check_pad_by_copying(input, pad, mode)
        if len(_PAD_PLANS) >= 256:
            _PAD_PLANS.clear()
        _PAD_PLANS[key] = plan
    return apply(plan[0], input, plan[1])


def _check_pad_by_copying(input: Tensor, pad: tuple[int, ...], mode: str) -> tuple[type, np.ndarray]:
    """PyTorch's argument errors for the copying modes; the rule and index to apply otherwise."""
    from ..ops import padding as P
    if mode not in P.INDEX_OF_MODE:
        raise NotImplementedError(f"Unrecognised padding mode {mode} (use 'constant', 'reflect', "
                                  "'replicate' or 'circular')")
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    shape = input._data.shape
    ndim, k = len(shape), len(pad) // 2
    if k > ndim:
        raise RuntimeError(f"Padding length should be less than or equal to two times the input "
                           f"dimension but got padding length {len(pad)} and input of dimension {ndim}")
    if k not in (1, 2, 3) or ndim not in (k + 1, k + 2):
        raise NotImplementedError(
            f"Padding size {len(pad)} is not supported for {ndim}D input tensor.\n"
            "Supported combinations for non-constant padding:\n"
            "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
            "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
            "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")
    lows, highs = pad[0::2], pad[1::2]  # per padded dim, last dim first
    sizes = [shape[ndim - 1 - i] for i in range(k)]
    outs = [sizes[i] + lows[i] + highs[i] for i in range(k)]
    dims = ", ".join(map(str, shape))  # for the messages
    if mode == "circular":
        for i in range(k):
            n, lo, hi = sizes[i], lows[i], highs[i]
            kept = n - max(-lo, 0) - max(-hi, 0)
            # Negative pads crop first; a cropped-away dim has nothing left to wrap (PyTorch reads
            # uninitialized memory there). Pads beyond the cropped size wrap it again (periodic).
            if lo > n or hi > n or (kept <= 0 and outs[i] > 0):
                raise RuntimeError("Padding value causes wrapping around more than once. (circular "
                                   "padding copies at most the whole dimension to each side)")
            if outs[i] < 0:
                raise RuntimeError("Negative padding value is resulting in an empty dimension")
    else:
        first = 1 if ndim == k + 2 else 0  # a batched input may have 0 samples, nothing else empty
        if any(n == 0 for n in shape[first:]):
            raise RuntimeError(f"Expected {k + 1}D or {k + 2}D (batch mode) tensor with possibly 0 batch "
                               f"size and other non-zero dimensions for input, but got: [{dims}]")
        if mode == "reflect":
            for i in range(k):
                if lows[i] >= sizes[i] or highs[i] >= sizes[i]:
                    raise RuntimeError(
                        f"Argument #{4 + 2 * i}: Padding size should be less than the corresponding "
                        f"input dimension, but got: padding ({lows[i]}, {highs[i]}) at dimension "
                        f"{ndim - 1 - i} of input [{dims}] (reflect mirrors at most size-1 elements; "
                        "use a smaller pad, or mode='replicate' or 'circular')")
        if all(o < 1 for o in outs):
            _pad_too_small(mode, k, sizes, outs)
        for o in outs:
            if o < 0:
                out_shape = list(shape[:ndim - k]) + outs[::-1]
                raise RuntimeError(f"Trying to create tensor with negative dimension {o}: "
                                   f"[{', '.join(str(n) for n in out_shape)}]")
        if input._data.dtype == np.bool_:
            raise NotImplementedError(f"\"{_PAD_KERNELS[mode]}{k}d\" not implemented for 'Bool' "
                                      "(convert it first, e.g. x.to(torch.uint8))")
    return P.RULES[mode, k], P.pad_index(shape, pad, mode)


def _pad_too_small(mode: str, k: int, sizes: list[int], outs: list[int]) -> NoReturn:
    """PyTorch's 'input is too small' error of reflect/replicate, worded (and spaced) as it is."""
    w, ow = sizes[0], outs[0]
    if k == 1:
        text = f"input (W: {w}) is too small. Calculated output W: {ow}"
    elif k == 2:
        space = " " if mode == "replicate" else ""
        text = (f"input (H: {sizes[1]}, W: {w}{space}) is too small. "
                f"Calculated output H: {outs[1]} W: {ow}")
    else:
        text = (f"input (D: {sizes[2]} H: {sizes[1]}, W: {w}) is too small. "
                f"Calculated output D: {outs[2]} H: {outs[1]} W: {ow}")
    raise RuntimeError(text + " (negative padding crops; crop less)")


# vmap's batching kind of each function that hands BatchedTensors to it (torchless/func/batching.py,
# FUNCTION_KINDS); the others reach their rules through the Tensor methods they call.
for _function, _kind in ((linear, "linear"), (softmax, "softmax"), (log_softmax, "softmax"), (gelu, "activation"),
                         (leaky_relu, "activation"), (mse_loss, "pointwise_loss"), (huber_loss, "pointwise_loss"),
                         (smooth_l1_loss, "pointwise_loss"), (binary_cross_entropy, "pointwise_loss"),
                         (binary_cross_entropy_with_logits, "pointwise_loss"), (nll_loss, "class_loss"),
                         (cross_entropy, "class_loss")):
    setattr(_function, "batching", _kind)
del _function, _kind


# ============================================================================ issue 12: more activations
# (the nn.functional family: rules in ops/activation.py; composites where PyTorch's graph shows its parts)
from ..ops import activation as A  # noqa: E402

_COMPLEX_OK = (A.SiluBackward0,)  # the activations PyTorch computes for complex tensors too

__all__ += [
    "elu", "elu_", "celu", "celu_", "selu", "selu_", "silu", "mish", "hardtanh", "hardtanh_", "relu6",
    "hardsigmoid", "hardswish", "logsigmoid", "softplus", "softshrink", "hardshrink", "tanhshrink",
    "softsign", "threshold", "threshold_", "glu", "prelu", "rrelu", "rrelu_", "softmin", "normalize",
    "cosine_similarity", "pairwise_distance", "pdist",
]


def _dispatching(f: Any) -> Any:
    """f(input, ...) with a tensor-like input (vmap's BatchedTensor) handed to its __torch_function__."""
    import functools

    @functools.wraps(f)
    def function(input: Any, *args: Any, **kwargs: Any) -> Any:
        if type(input) is not Tensor and has_torch_function((input,)):
            return handle_torch_function(function, (input,), input, *args, **kwargs)
        return f(input, *args, **kwargs)
    return function


def _activation(fn: str, kernel: str, rule: type, input: Any, *params: Any) -> Tensor:
    """PyTorch's checks of an activation's input (a Tensor of a floating dtype), then the rule."""
    if type(input) is not Tensor:
        _tensor_arg(fn, "input", input)
    if input._data.dtype.kind != "f" and (input._data.dtype.kind != "c" or rule not in _COMPLEX_OK):
        _real_float_input(fn, kernel, input)
    return apply(rule, input, *params)


_COMPLEX_NAMES = {"complex64": "ComplexFloat", "complex128": "ComplexDouble"}


def _real_float_input(fn: str, kernel: str, t: Tensor) -> None:
    """PyTorch's NotImplementedError for an activation of an integer, bool or complex tensor."""
    dt = str(t._data.dtype)
    if t._data.dtype.kind != "f":
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{_COMPLEX_NAMES.get(dt) or _TORCH_NAMES.get(dt, dt)}'"
                                  f" ({fn} needs a real floating point tensor; convert it first, e.g. x.float())")


def _in_place(input: Tensor, rule: type, *params: Any) -> Tensor:
    """`rule` applied to input and written into it (recorded on a snapshot when autograd needs it)."""
    from .._tensor._core import _check_inplace, _snapshot, _write_into
    if _check_inplace(input):
        return _write_into(input, apply(rule, _snapshot(input), *params))
    return _write_into(input, apply(rule, input, *params))


def _elu(fn: str, input: Tensor, rule: type, alpha: float, scale: float, input_scale: float,
         inplace: bool) -> Tensor:
    if type(input) is not Tensor:
        _tensor_arg(fn, "input", input)
    if input._data.dtype.kind != "f":
        _real_float_input(fn, "elu_cpu", input)
    if inplace:
        if alpha < 0 and input._rg:
            raise RuntimeError("In-place elu backward calculation is triggered with a negative slope which "
                               "is not supported. This is caused by calling in-place forward function with "
                               "a negative slope, please call out-of-place version instead.")
        return _in_place(input, A.CeluBackward1 if rule is A.CeluBackward0 else A.EluBackward1,
                         float(alpha), float(scale), float(input_scale))
    return apply(rule, input, alpha if type(alpha) is float else float(alpha), scale, input_scale)


@_dispatching
def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """elu(input, alpha=1.0, inplace=False) -> Tensor: x where x > 0, alpha * (exp(x) - 1) elsewhere.

    inplace: overwrite input and return it."""
    return _elu("elu", input, A.EluBackward0, alpha, 1.0, 1.0, inplace)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """elu_(input, alpha=1.0) -> Tensor: elu written into input (returned)."""
    return elu(input, alpha, inplace=True)


@_dispatching
def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """selu(input, inplace=False) -> Tensor: scale * elu(x, alpha), with PyTorch's constants
    alpha = 1.6732632423543772 and scale = 1.0507009873554805 (self-normalizing networks)."""
    return _elu("selu", input, A.EluBackward0, A._SELU_ALPHA, A._SELU_SCALE, 1.0, inplace)


def selu_(input: Tensor) -> Tensor:
    """selu_(input) -> Tensor: selu written into input (returned)."""
    return selu(input, inplace=True)


@_dispatching
def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """celu(input, alpha=1.0, inplace=False) -> Tensor: max(0, x) + min(0, alpha * (exp(x / alpha) - 1))."""
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError")
    return _elu("celu", input, A.CeluBackward0, alpha, 1.0, 1.0 / alpha, inplace)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """celu_(input, alpha=1.0) -> Tensor: celu written into input (returned)."""
    return celu(input, alpha, inplace=True)


def _maybe_in_place(fn: str, kernel: str, rule: type, input: Tensor, inplace: bool, *params: Any) -> Tensor:
    if inplace:
        _tensor_arg(fn, "input", input)
        if input._data.dtype.kind != "f" and (input._data.dtype.kind != "c" or rule not in _COMPLEX_OK):
            _real_float_input(fn, kernel, input)
        return _in_place(input, rule, *params)
    return _activation(fn, kernel, rule, input, *params)


@_dispatching
def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """silu(input, inplace=False) -> Tensor: x * sigmoid(x) (the swish function)."""
    return _maybe_in_place("silu", "silu_cpu", A.SiluBackward0, input, inplace)


@_dispatching
def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """mish(input, inplace=False) -> Tensor: x * tanh(softplus(x))."""
    return _maybe_in_place("mish", "mish_cpu", A.MishBackward0, input, inplace)


@_dispatching
def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False) -> Tensor: x clamped to
    [min_val, max_val]; its gradient is 1 strictly inside, 0 elsewhere."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    _tensor_arg("hardtanh", "input", input)
    kind = input._data.dtype.kind
    if kind == "b":
        raise RuntimeError("Bool inputs not supported for hardtanh")
    if kind == "c":
        raise NotImplementedError("clamp is not supported for complex types")
    if kind == "u" and (min_val < 0 or max_val < 0):
        raise RuntimeError("cannot do hardtanh on an unsigned type with negative limits")
    if inplace:
        return _in_place(input, A.HardtanhBackward0, min_val, max_val)
    return apply(A.HardtanhBackward0, input, min_val, max_val)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """hardtanh_(input, min_val=-1.0, max_val=1.0) -> Tensor: hardtanh written into input (returned)."""
    return hardtanh(input, min_val, max_val, inplace=True)


@_dispatching
def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """relu6(input, inplace=False) -> Tensor: min(max(0, x), 6) (hardtanh to [0, 6])."""
    return hardtanh(input, 0.0, 6.0, inplace)


@_dispatching
def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """hardsigmoid(input, inplace=False) -> Tensor: 0 below -3, 1 above 3, x / 6 + 1/2 between."""
    return _maybe_in_place("hardsigmoid", "hardsigmoid_cpu", A.HardsigmoidBackward0, input, inplace)


@_dispatching
def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """hardswish(input, inplace=False) -> Tensor: x * hardsigmoid(x): 0 below -3, x above 3,
    x (x + 3) / 6 between."""
    return _maybe_in_place("hardswish", "hardswish_cpu", A.HardswishBackward0, input, inplace)


@_dispatching
def logsigmoid(input: Tensor) -> Tensor:
    """logsigmoid(input) -> Tensor: log(sigmoid(x)) = -softplus(-x), computed without overflow."""
    return _activation("logsigmoid", "log_sigmoid_cpu", A.LogSigmoidBackward0, input)


@_dispatching
def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """softplus(input, beta=1.0, threshold=20.0) -> Tensor: log(1 + exp(beta x)) / beta, and x
    itself where beta x > threshold (numerical stability)."""
    return _activation("softplus", "softplus_cpu", A.SoftplusBackward0, input, beta, threshold)


_FLOAT_MAX = {"float32": "3.40282e+38", "float64": "1.79769e+308", "float16": "65504"}


@_dispatching
def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """softshrink(input, lambd=0.5) -> Tensor: x - lambd above lambd, x + lambd below -lambd, 0 between."""
    _tensor_arg("softshrink", "input", input)
    _real_float_input("softshrink", "softshrink_check", input)
    if lambd < 0:
        dt = str(input._data.dtype)
        raise RuntimeError(f"lambda must be in range [0, {_FLOAT_MAX.get(dt, 'inf')}] for input dtype "
                           f"{_TORCH_NAMES.get(dt, dt)}, but found {lambd:g}")
    return apply(A.SoftshrinkBackward0, input, lambd)


@_dispatching
def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """hardshrink(input, lambd=0.5) -> Tensor: 0 where |x| <= lambd, x elsewhere."""
    if not isinstance(lambd, numbers.Real) or isinstance(lambd, Tensor):
        raise TypeError(f"hardshrink(): argument 'lambd' (position 2) must be Number, not {type(lambd).__name__}")
    return _activation("hardshrink", "hardshrink_cpu", A.HardshrinkBackward0, input, lambd)


def tanhshrink(input: Tensor) -> Tensor:
    """tanhshrink(input) -> Tensor: x - tanh(x)."""
    if isinstance(input, Tensor) and input._data.dtype == np.bool_:
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. If you are "
                           "trying to invert a mask, use the `~` or `logical_not()` operator instead.")
    return input - input.tanh()


def softsign(input: Tensor) -> Tensor:
    """softsign(input) -> Tensor: x / (1 + |x|)."""
    if isinstance(input, Tensor) and input._data.dtype == np.bool_:
        raise NotImplementedError("\"abs_cpu\" not implemented for 'Bool' (convert it first, e.g. x.float())")
    return input / (input.abs() + 1)


@_dispatching
def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """threshold(input, threshold, value, inplace=False) -> Tensor: `value` where x <= threshold, x
    elsewhere."""
    _tensor_arg("threshold", "input", input)
    if input._data.dtype.kind in "bc":
        _real_float_input("threshold", "threshold_cpu", input)
    if inplace:
        return _in_place(input, A.ThresholdBackward1, threshold, value)
    return apply(A.ThresholdBackward0, input, threshold, value)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    """threshold_(input, threshold, value) -> Tensor: threshold written into input (returned)."""
    return globals()["threshold"](input, threshold, value, inplace=True)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """glu(input, dim=-1) -> Tensor: a * sigmoid(b), a and b the two halves of input along dim
    (whose size must be even)."""
    _tensor_arg("glu", "input", input)
    if input._data.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = _norm_dim(dim, input._data.ndim)
    if input._data.shape[d] % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {input._data.shape[d]}")
    _real_float_input("glu", "glu_cpu", input)
    return apply(A.GluBackward0, input, d)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """prelu(input, weight) -> Tensor: x where x > 0, weight * x elsewhere; weight holds one slope,
    or one per channel (dim 1 of input)."""
    _tensor_arg("prelu", "input", input)
    _tensor_arg("prelu", "weight", weight)
    x, w = input._data, weight._data
    if w.ndim > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = {w.ndim}")
    if w.size != 1:
        if x.ndim == 0:
            raise RuntimeError("Not allow zero-dim input tensor.")
        channels = x.shape[1] if x.ndim >= 2 else 1
        if w.size != channels:
            raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found parameter "
                               f"numbers = {w.size} and channel size = {channels}.")
    _real_float_input("prelu", "prelu_cpu", input)
    if x.dtype != w.dtype:
        raise RuntimeError(f"prelu: Type promoting not supported. Got {_TORCH_NAMES.get(str(x.dtype))} and "
                           f"{_TORCH_NAMES.get(str(w.dtype))}")
    if w.ndim == 1 and x.ndim >= 2 and w.size != 1:
        weight = weight.reshape([-1] + [1] * (x.ndim - 2))
    elif w.ndim == 1 and x.ndim == 0:
        weight = weight.reshape(())
    return apply(A.PreluKernelBackward0, input, weight)


@_dispatching
def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
          inplace: bool = False) -> Tensor:
    """rrelu(input, lower=1/8, upper=1/3, training=False, inplace=False) -> Tensor: x where x >= 0,
    a * x elsewhere, with a drawn uniformly from [lower, upper] for each element while training,
    and a = (lower + upper) / 2 otherwise."""
    return _rrelu(input, lower, upper, training, inplace, None)


def _rrelu(input: Tensor, lower: float, upper: float, training: bool, inplace: bool, generator: Any) -> Tensor:
    _tensor_arg("rrelu", "input", input)
    _real_float_input("rrelu", "leaky_relu_cpu", input)
    if lower > upper:
        raise RuntimeError("Lower bound should be less than or equal to the upper bound")
    x = input._data
    if training:
        # PyTorch: one float64 uniform in [lower, upper) per element <= 0, in order; 1 elsewhere
        neg = ~(x > 0)
        slopes = np.ones(x.shape, np.float64)
        lo, hi = float(x.dtype.type(lower)), float(x.dtype.type(upper))  # the bounds in the input's dtype
        slopes[neg] = _rng(generator).uniform(int(neg.sum()), np.float64, lo, hi, fused=False)
        noise = slopes.astype(x.dtype)
    else:
        noise = np.where(x > 0, x.dtype.type(1), x.dtype.type((lower + upper) / 2))
    if inplace:
        return _in_place(input, A.RreluWithNoiseBackward1, noise)
    return apply(A.RreluWithNoiseBackward0, input, noise)


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False) -> Tensor:
    """rrelu_(input, lower=1/8, upper=1/3, training=False) -> Tensor: rrelu written into input."""
    return rrelu(input, lower, upper, training, inplace=True)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Tensor:
    """softmin(input, dim=None, dtype=None) -> Tensor: softmax(-x) along dim: each slice positive,
    summing to 1, the smallest entries weighing most."""
    _tensor_arg("softmin", "input", input)
    if dim is None:
        dim = _implicit_dim("softmin", input._data.ndim)
    if input._data.dtype == np.bool_:
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are trying "
                           "to invert a mask, use the `~` or `logical_not()` operator instead.")
    return (-input).softmax(dim, dtype)


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out: Tensor | None = None) -> Tensor:
    """normalize(input, p=2.0, dim=1, eps=1e-12, out=None) -> Tensor: input / max(||input||_p, eps),
    the p-norm taken along dim (each slice gets norm 1)."""
    _tensor_arg("normalize", "input", input)
    if input._data.dtype.kind not in "fc":
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
                           f"{_TORCH_NAMES.get(str(input._data.dtype), input._data.dtype)}")
    denom = input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)
    if out is not None:
        return out.copy_(input / denom)
    return input / denom


def _clamped_norm(x: Tensor, dim: int, eps: float) -> Tensor:
    """||x||_2 along dim (keepdim), raised to at least eps without touching its gradient (PyTorch
    clamps it in place under no_grad)."""
    n = x.norm(2, dim, keepdim=True)
    arr = n._data
    if arr.size and arr.min() < eps:
        n = n + _plain(np.maximum(arr, arr.dtype.type(eps)) - arr)
    return n


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """cosine_similarity(x1, x2, dim=1, eps=1e-8) -> Tensor: x1 · x2 / (max(||x1||, eps) max(||x2||, eps))
    along dim (x1 and x2 broadcast)."""
    _tensor_arg("cosine_similarity", "input", x1)
    if not isinstance(x2, Tensor):
        raise TypeError(f"cosine_similarity(): argument 'x2' (position 2) must be Tensor, not {type(x2).__name__}")
    try:
        shape = np.broadcast_shapes(x1._data.shape, x2._data.shape)
    except ValueError as e:
        from .._tensor._core import _broadcast_error
        raise _broadcast_error(x1._data, x2._data, e) from None
    if x1._data.dtype.kind not in "fc" or x2._data.dtype.kind not in "fc":
        raise RuntimeError("cosine_similarity requires both inputs to be floating point or complex "
                           "(convert them first, e.g. x.float())")
    x1, x2 = _promoted(x1, x2)
    if tuple(x1.shape) != shape:
        x1 = x1.expand(shape)
    if tuple(x2.shape) != shape:
        x2 = x2.expand(shape)
    d = _norm_dim(dim, len(shape))
    return ((x1 / _clamped_norm(x1, d, eps)) * (x2 / _clamped_norm(x2, d, eps))).sum(d)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    """pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False) -> Tensor: ||x1 - x2 + eps||_p over
    the last dim (x1 and x2 broadcast)."""
    _tensor_arg("pairwise_distance", "input", x1)
    if not isinstance(x2, Tensor):
        raise TypeError(f"pairwise_distance(): argument 'x2' (position 2) must be Tensor, not "
                        f"{type(x2).__name__}")
    out_dim = max(x1._data.ndim, x2._data.ndim)
    diff = x1 - x2 + eps
    if out_dim == 0:
        return diff.abs() if p != 0 else (diff != 0).to(diff.dtype)
    if type(diff) is not Tensor or diff._data.dtype.kind != "f" or isinstance(p, bool) \
            or not isinstance(p, (int, float)):  # (vmap's batched tensors; the norm's own errors)
        return diff.norm(p, out_dim - 1, keepdim=keepdim)
    return apply(A.NormBackward1, diff, float(p) if p not in (1, 2) else int(p), (out_dim - 1,), bool(keepdim))


def pdist(input: Tensor, p: float = 2) -> Tensor:
    """pdist(input, p=2) -> Tensor: the p-norm distance between every pair of rows i < j of the
    (N, M) input, as a vector of N (N - 1) / 2 entries."""
    _tensor_arg("pdist", "input", input)
    if input._data.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input._data.ndim}D")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    if input._data.dtype.kind != "f":
        raise RuntimeError("pdist only supports floating-point dtypes")
    if input._data.dtype == np.float16:
        raise NotImplementedError("\"pdist\" not implemented for 'Half' (convert it first, e.g. x.float())")
    return apply(A.PdistBackward0, input, float(p))


def cdist(x1: Tensor, x2: Tensor, p: float = 2.0, compute_mode: str = "use_mm_for_euclid_dist_if_necessary") -> Tensor:
    """cdist(x1, x2, p=2.0, compute_mode='use_mm_for_euclid_dist_if_necessary') -> Tensor: the
    p-norm distance between each row of x1 (..., P, M) and each row of x2 (..., R, M): (..., P, R),
    the batch dims broadcast. compute_mode is accepted (the distances are computed directly)."""
    _tensor_arg("cdist", "input", x1)
    if not isinstance(x2, Tensor):
        raise TypeError(f"cdist(): argument 'x2' (position 2) must be Tensor, not {type(x2).__name__}")
    a, b = x1._data, x2._data
    if a.ndim < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X1 got: {a.ndim}D")
    if b.ndim < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X2 got: {b.ndim}D")
    if a.shape[-1] != b.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {a.shape[-1]} X2: {b.shape[-1]}")
    if a.dtype.kind != "f":
        raise RuntimeError(f"cdist only supports floating-point dtypes, X1 got: "
                           f"{_TORCH_NAMES.get(str(a.dtype), a.dtype)}")
    if b.dtype.kind != "f":
        raise RuntimeError(f"cdist only supports floating-point dtypes, X2 got: "
                           f"{_TORCH_NAMES.get(str(b.dtype), b.dtype)}")
    if a.dtype != b.dtype:
        raise RuntimeError(f"expected scalar type {_TORCH_NAMES.get(str(a.dtype))} but found "
                           f"{_TORCH_NAMES.get(str(b.dtype))} (give x1 and x2 the same dtype)")
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    if compute_mode not in ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
                            "donot_use_mm_for_euclid_dist"):
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    try:
        np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError as e:
        from .._tensor._core import _broadcast_error
        raise _broadcast_error(a, b, e) from None
    return apply(A.CdistBackward0, x1, x2, float(p))


for _function in (elu, selu, celu, silu, mish, hardtanh, relu6, hardsigmoid, hardswish, logsigmoid, softplus,
                  softshrink, hardshrink, threshold, rrelu):
    setattr(_function, "batching", "activation")
del _function


# ============================================================================ issue 12: more losses
# (the nn.functional family: composites of Tensor ops where PyTorch's graph shows its parts; the
# soft margin, multi margin and multilabel margin losses have their own nodes, in ops/loss.py)
from ..ops import loss as L  # noqa: E402

__all__ += [
    "kl_div", "poisson_nll_loss", "gaussian_nll_loss", "margin_ranking_loss", "hinge_embedding_loss",
    "soft_margin_loss", "multilabel_soft_margin_loss", "multilabel_margin_loss", "multi_margin_loss",
    "cosine_embedding_loss", "triplet_margin_loss", "triplet_margin_with_distance_loss",
]


def _dispatching_many(count: int) -> Any:
    """_dispatching for a function whose first `count` arguments are tensors."""
    import functools

    def decorate(f: Any) -> Any:
        @functools.wraps(f)
        def function(*args: Any, **kwargs: Any) -> Any:
            tensors = args[:count]
            for t in tensors:
                if type(t) is not Tensor and type(t) is not Parameter:
                    if has_torch_function(tensors):
                        return handle_torch_function(function, tensors, *args, **kwargs)
                    break
            return f(*args, **kwargs)
        return function
    return decorate


def _legacy_reduction(size_average: bool | None, reduce: bool | None, reduction: str) -> str:
    """`reduction`, or what the deprecated size_average/reduce pair stands for (with PyTorch's warning)."""
    if size_average is not None or reduce is not None:
        return _reduction(size_average, reduce, reduction)
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _no_complex_clamp(*tensors: Any) -> None:
    """PyTorch's error for the losses that clamp (margin ranking, hinge and cosine embedding) of complex tensors."""
    for t in tensors:
        if isinstance(t, Tensor) and t._data.dtype.kind == "c":
            raise NotImplementedError("clamp is not supported for complex types")


def _xlogy(x: Tensor, y: Tensor) -> Tensor:
    x, y = _promoted(x, y)
    return apply(L.XlogyBackward0, x, y)


@_dispatching_many(2)
def kl_div(input: Tensor, target: Tensor, size_average: bool | None = None, reduce: bool | None = None,
           reduction: str = "mean", log_target: bool = False) -> Tensor:
    """kl_div(input, target, reduction='mean', log_target=False) -> Tensor: the Kullback-Leibler
    divergence target * (log(target) - input) of log-probabilities `input` from `target`
    (log-probabilities too with log_target=True).

    reduction: 'batchmean' (the sum divided by the batch size: the true KL divergence), 'sum',
    'mean' (over every element; warns) or 'none'."""
    if size_average is not None or reduce is not None:
        reduction = _reduction(size_average, reduce, reduction)
    else:
        if reduction == "mean":
            warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support "
                          "size.'batchmean' divides only by the batch size, and aligns with the KL div math "
                          "definition.'mean' will be changed to behave the same as 'batchmean' in the next "
                          "major release.", UserWarning, stacklevel=3)
        if reduction not in ("none", "mean", "sum", "batchmean"):
            raise ValueError(f"{reduction} is not a valid value for reduction")
    _tensor_arg("kl_div", "input", input)
    _tensor_arg("kl_div", "target", target)
    if input._data.dtype.kind in "biu" or target._data.dtype.kind in "biu":
        raise RuntimeError("kl_div: Integral inputs not supported. (convert them first, e.g. x.float())")
    if input._data.dtype.kind == "c" or target._data.dtype.kind == "c":
        raise RuntimeError("kl_div: Complex inputs not supported.")
    if log_target:
        loss = target.exp() * (target - input)
    else:
        loss = _xlogy(target, target) - target * input
    if reduction == "batchmean":
        total = loss.sum()
        return total / input.shape[0] if input.dim() != 0 else total
    return _reduce(loss, reduction)


@_dispatching_many(2)
def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool = True, full: bool = False,
                     size_average: bool | None = None, eps: float = 1e-8, reduce: bool | None = None,
                     reduction: str = "mean") -> Tensor:
    """poisson_nll_loss(input, target, log_input=True, full=False, eps=1e-8, reduction='mean') -> Tensor:
    the negative log likelihood of `target` under a Poisson distribution of rate exp(input)
    (log_input=True: exp(input) - target * input) or of rate input (input - target * log(input + eps)).

    full: add Stirling's approximation of log(target!) where target > 1."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _tensor_arg("poisson_nll_loss", "input", input)
    _tensor_arg("poisson_nll_loss", "target", target)
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        stirling = target * target.log() - target + (target * (2 * math.pi)).log() * 0.5
        loss = loss + stirling.masked_fill(target <= 1, 0)
    return _reduce(loss, reduction)


@_dispatching_many(3)
def gaussian_nll_loss(input: Tensor, target: Tensor, var: Tensor | float, full: bool = False, eps: float = 1e-6,
                      reduction: str = "mean") -> Tensor:
    """gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction='mean') -> Tensor:
    0.5 * (log(var) + (input - target)**2 / var), the negative log likelihood of target under
    normal distributions of mean input and variance var (clamped to at least eps).

    var: a tensor shaped like input (or one dim short, or with one dim of size 1), or a float;
    full: add the constant 0.5 * log(2 pi)."""
    from ..engine.grad_mode import no_grad
    var_t: Tensor
    if isinstance(var, float):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        from .._tensor.creation import ones_like
        var_t = var * ones_like(input)
    elif isinstance(var, Tensor):
        if bool((var._data < 0).any()):
            raise ValueError("var has negative entry/entries")
        var_t = var
    else:
        raise TypeError(f"gaussian_nll_loss(): var must be a Tensor or a float, not {type(var).__name__}")
    if tuple(var_t.shape) != tuple(input.shape):
        if tuple(input.shape[:-1]) == tuple(var_t.shape):
            var_t = var_t.unsqueeze(-1)
        elif not (input.dim() == var_t.dim()
                  and sum(b for a, b in zip(input.shape, var_t.shape) if a != b) == 1):
            raise ValueError("var is of incorrect size")
    if reduction not in _REDUCTIONS:
        raise ValueError(reduction + " is not valid")
    var_t = var_t.clone()
    with no_grad():
        var_t.clamp_(min=eps)
    loss = 0.5 * (var_t.log() + (input - target) ** 2 / var_t)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


@_dispatching_many(3)
def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0,
                        size_average: bool | None = None, reduce: bool | None = None,
                        reduction: str = "mean") -> Tensor:
    """margin_ranking_loss(input1, input2, target, margin=0, reduction='mean') -> Tensor:
    max(0, -target * (input1 - input2) + margin): target 1 wants input1 ranked higher, -1 input2."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _no_complex_clamp(input1, input2, target)
    if input1.dim() != input2.dim() or input1.dim() != target.dim():
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension but got sizes: "
                           f"input1: {input1.size()}, input2: {input2.size()}, target: {target.size()} ")
    return _reduce((-target * (input1 - input2) + margin).clamp_min(0), reduction)


@_dispatching_many(2)
def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0, size_average: bool | None = None,
                         reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """hinge_embedding_loss(input, target, margin=1.0, reduction='mean') -> Tensor: input where
    target is 1, max(0, margin - input) where target is -1 (input: distances, e.g. L1)."""
    from .._tensor._core import where
    from .._tensor.creation import zeros_like
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _tensor_arg("hinge_embedding_loss", "input", input)
    _tensor_arg("hinge_embedding_loss", "target", target)
    _no_complex_clamp(input)
    zeros = zeros_like(input)
    clamped = (margin - input).clamp_min(0)
    if input._data.dtype.kind in "iu" and clamped._data.dtype != input._data.dtype:
        clamped = clamped.to(input.dtype)  # PyTorch keeps an integer input's dtype (truncating)
    margin_part = where(target != 1, clamped, zeros)
    self_part = where(target != -1, input, zeros)
    return _reduce(margin_part + self_part, reduction)


@_dispatching_many(2)
def soft_margin_loss(input: Tensor, target: Tensor, size_average: bool | None = None, reduce: bool | None = None,
                     reduction: str = "mean") -> Tensor:
    """soft_margin_loss(input, target, reduction='mean') -> Tensor: log(1 + exp(-target * input)),
    the logistic loss of a two-class problem with targets 1 or -1."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _tensor_arg("soft_margin_loss", "input", input)
    _tensor_arg("soft_margin_loss", "target", target)
    x = input._data
    try:
        np.broadcast_shapes(x.shape, target._data.shape)
    except ValueError as e:
        from .._tensor._core import _broadcast_error
        raise _broadcast_error(x, target._data, e) from None
    if x.dtype.kind not in "fc":
        from .._tensor.functions import result_type
        rt = str(result_type(input, target)).split(".")[-1]
        raise RuntimeError(f"result type {_TORCH_NAMES.get(rt, rt)} can't be cast to the desired output type "
                           f"{_TORCH_NAMES.get(str(x.dtype))}")
    if target._rg:
        from ..engine.grad_mode import is_grad_enabled
        if is_grad_enabled():
            raise RuntimeError("The function 'soft_margin_loss' is not differentiable with respect to argument "
                               "'target'. This input cannot have requires_grad True.")
    return apply(L.SoftMarginLossBackward0, input, _array_in(target, x.dtype), reduction)


setattr(soft_margin_loss, "batching", "pointwise_loss")  # vmap: one call on the batch (func/batching.py)


@_dispatching_many(2)
def multilabel_soft_margin_loss(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                size_average: bool | None = None, reduce: bool | None = None,
                                reduction: str = "mean") -> Tensor:
    """multilabel_soft_margin_loss(input, target, weight=None, reduction='mean') -> Tensor: the
    binary cross entropy of sigmoid(input) against 0/1 targets, averaged over the classes (last dim).

    weight: multiplies each class's loss."""
    if size_average is not None or reduce is not None:
        reduction = _reduction(size_average, reduce, reduction)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.dim() - 1
    loss = loss.sum(class_dim) / input.size(class_dim)
    if reduction not in _REDUCTIONS:
        raise ValueError(reduction + " is not valid")
    return _reduce(loss, reduction)


def _margin_input(input: Tensor, target: Any, fn: str) -> tuple[int, int]:
    """The (rows, classes) of a margin loss's input (C,) or (N, C), after PyTorch's checks."""
    _tensor_arg(fn, "input", input)
    _tensor_arg(fn, "target", target)
    shape = input._data.shape
    if len(shape) > 2 or (len(shape) == 2 and shape[1] == 0) or (len(shape) == 1 and shape[0] == 0):
        raise RuntimeError(f"Expected non-empty vector or matrix with optional 0-dim batch size, but got: "
                           f"{list(shape)}")
    if target._data.dtype != np.int64:
        raise RuntimeError(f"expected scalar type Long but found "
                           f"{_TORCH_NAMES.get(str(target._data.dtype), target._data.dtype)} (class indices "
                           "must be int64, e.g. target.long())")
    if input._data.dtype.kind != "f" or input._data.dtype == np.float16:
        kernel = "multi_margin_loss_cpu_kernel" if fn == "multi_margin_loss" else "multilabel_margin_loss_forward_out_frame"
        dt = str(input._data.dtype)
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{_COMPLEX_NAMES.get(dt) or _TORCH_NAMES.get(dt, dt)}'"
                                  f" ({fn} needs a float32 or float64 input; convert it first, e.g. x.float())")
    if len(shape) == 2:
        return shape[0], shape[1]
    return 1, (shape[0] if shape else 1)


@_dispatching_many(2)
def multilabel_margin_loss(input: Tensor, target: Tensor, size_average: bool | None = None,
                           reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """multilabel_margin_loss(input, target, reduction='mean') -> Tensor: the hinge loss
    sum over targets j and non-targets i of max(0, 1 - (x[y_j] - x[i])) / C, per sample.

    target: int64, shaped like input; each row lists its target classes, ended by the first -1."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    n_rows, n_cls = _margin_input(input, target, "multilabel_margin_loss")
    x, t = input._data, target._data
    if t.shape != x.shape:
        raise RuntimeError(f"inconsistent target size: {list(t.shape)} for input of size: {list(x.shape)}")
    t2 = t.reshape(n_rows, n_cls)
    ended = t2 == -1
    length = np.where(ended.any(1), ended.argmax(1), n_cls)
    read = np.arange(n_cls)[None, :] < length[:, None]  # the entries before each row's first -1
    if read.any() and ((t2[read] < 0) | (t2[read] >= n_cls)).any():
        raise RuntimeError("argument #2 'target' is out of range")
    pick = np.zeros((n_rows, n_cls, n_cls), x.dtype)
    rows, js = np.nonzero(read)
    pick[rows, js, t2[rows, js]] = 1
    others = (pick.sum(1, keepdims=True) == 0).astype(x.dtype)  # (N, 1, C): the classes no target names
    mask = read[:, :, None].astype(x.dtype) * others  # (N, K, C): target j read, class i not a target
    out_shape = (n_rows,) if x.ndim == 2 else ()
    return apply(L.MultilabelMarginLossBackward0, input, pick, mask, reduction, out_shape)


@_dispatching_many(2)
def multi_margin_loss(input: Tensor, target: Tensor, p: int = 1, margin: float = 1.0,
                      weight: Tensor | None = None, size_average: bool | None = None,
                      reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """multi_margin_loss(input, target, p=1, margin=1.0, weight=None, reduction='mean') -> Tensor:
    the multi-class hinge loss sum over i != y of max(0, margin - x[y] + x[i])**p / C, per sample.

    p: 1 or 2; weight: a weight per class, multiplying the loss of samples of that class."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if p != 1 and p != 2:
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.dim() != 1:
        raise ValueError("weight must be one-dimensional")
    n_rows, n_cls = _margin_input(input, target, "multi_margin_loss")
    x, t = input._data, target._data
    if t.ndim > 1 or t.size != n_rows:
        raise RuntimeError(f"multi_margin_loss: target tensor should be 1-D with size equal to the number of "
                           f"input samples (batch size). Expected target size [{n_rows}], but got "
                           f"{list(t.shape)}. Input has shape {list(x.shape)}.")
    t1 = t.reshape(n_rows)
    if t1.size and (t1.min() < 0 or t1.max() >= n_cls):
        raise RuntimeError("target out of range")
    wy = None
    if weight is not None:
        w = weight._data
        if w.size != n_cls:
            raise RuntimeError(f"inconsistent weight size, expected {n_cls} but got {list(w.shape)}")
        if w.dtype != x.dtype:
            raise RuntimeError(f"expected scalar type {_TORCH_NAMES.get(str(x.dtype))} but found "
                               f"{_TORCH_NAMES.get(str(w.dtype))}")
        wy = w[t1][:, None].astype(x.dtype)
    onehot = np.zeros((n_rows, n_cls), x.dtype)
    onehot[np.arange(n_rows), t1] = 1
    out_shape = t.shape  # (N,), or () and (1,) for a single sample as the target has it
    return apply(L.MultiMarginLossBackward0, input, onehot, wy, p, float(margin), reduction, out_shape)


@_dispatching_many(3)
def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0,
                          size_average: bool | None = None, reduce: bool | None = None,
                          reduction: str = "mean") -> Tensor:
    """cosine_embedding_loss(input1, input2, target, margin=0, reduction='mean') -> Tensor:
    1 - cos(input1, input2) where target is 1, max(0, cos(input1, input2) - margin) where it is -1."""
    from .._tensor._core import where
    from .._tensor.creation import zeros_like
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _no_complex_clamp(input1, input2)
    td = target.dim()
    if td > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if td == 1 and input1.dim() != 2:
        raise RuntimeError(f"1D target tensor expects 2D input tensors, but found inputs with sizes "
                           f"{list(input1.shape)} and {list(input2.shape)}.")
    if td == 0 and input1.dim() != 1:
        raise RuntimeError(f"0D target tensor expects 1D input tensors, but found inputs with sizes "
                           f"{list(input1.shape)} and {list(input2.shape)}.")
    eps = 1e-12
    prod_sum = (input1 * input2).sum(td)
    mag1 = (input1 * input1).sum(td) + eps
    mag2 = (input2 * input2).sum(td) + eps
    cos = prod_sum / (mag1 * mag2).sqrt()
    zeros = zeros_like(cos)
    pos = where(target == 1, 1 - cos, zeros)
    neg = where(target == -1, (cos - margin).clamp_min(0), zeros)
    return _reduce(pos + neg, reduction)


def _triplet_dims(anchor: Tensor, positive: Tensor, negative: Tensor) -> None:
    a, p, n = anchor.dim(), positive.dim(), negative.dim()
    if not a == p == n:
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the same number "
                           f"of dimensions, but got: anchor {a}D, positive {p}D, and negative {n}D inputs")


@_dispatching_many(3)
def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0, p: float = 2,
                        eps: float = 1e-6, swap: bool = False, size_average: bool | None = None,
                        reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
    reduction='mean') -> Tensor: max(0, margin + d(anchor, positive) - d(anchor, negative)), d the
    pairwise p-norm distance; swap: use d(positive, negative) where it is smaller."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    _triplet_dims(anchor, positive, negative)
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = d_neg.minimum(pairwise_distance(positive, negative, p, eps))
    return _reduce((margin + d_pos - d_neg).clamp_min(0), reduction)


@_dispatching_many(3)
def triplet_margin_with_distance_loss(anchor: Tensor, positive: Tensor, negative: Tensor, *,
                                      distance_function: Any = None, margin: float = 1.0, swap: bool = False,
                                      reduction: str = "mean") -> Tensor:
    """triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None,
    margin=1.0, swap=False, reduction='mean') -> Tensor: triplet_margin_loss with any distance
    (pairwise_distance by default)."""
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    _triplet_dims(anchor, positive, negative)
    dist = pairwise_distance if distance_function is None else distance_function
    d_pos = dist(anchor, positive)
    d_neg = dist(anchor, negative)
    if swap:
        d_neg = d_neg.minimum(dist(positive, negative))
    return _reduce((margin + d_pos - d_neg).clamp_min(0), reduction)


# torch-level forms of the losses (torch.kl_div ...): PyTorch's ATen signatures, the reduction an int
# (0 'none', 1 'mean', 2 'sum'; 'none' by default), reached as torch.<name> (torchless/__init__.py)
_REDUCTION_OF_ENUM = ("none", "mean", "sum")


def _enum_reduction(reduction: int) -> str:
    if type(reduction) is not int or not 0 <= reduction <= 2:
        raise RuntimeError(f"reduction must be 0 ('none'), 1 ('mean') or 2 ('sum'), got {reduction}")
    return _REDUCTION_OF_ENUM[reduction]


def _torch_kl_div(input: Tensor, target: Tensor, reduction: int = 0, *, log_target: bool = False) -> Tensor:
    """kl_div(input, target, reduction=0, *, log_target=False) -> Tensor: nn.functional.kl_div with
    the reduction as an int (0 'none', 1 'mean', 2 'sum')."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return kl_div(input, target, reduction=_enum_reduction(reduction), log_target=log_target)


def _torch_poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool, full: bool, eps: float,
                            reduction: int) -> Tensor:
    """poisson_nll_loss(input, target, log_input, full, eps, reduction) -> Tensor: nn.functional's,
    every argument given, the reduction an int."""
    return poisson_nll_loss(input, target, log_input, full, eps=eps, reduction=_enum_reduction(reduction))


def _torch_margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                               reduction: int = 0) -> Tensor:
    """margin_ranking_loss(input1, input2, target, margin=0.0, reduction=0) -> Tensor: nn.functional's,
    the reduction an int."""
    return margin_ranking_loss(input1, input2, target, margin, reduction=_enum_reduction(reduction))


def _torch_hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0, reduction: int = 0) -> Tensor:
    """hinge_embedding_loss(input, target, margin=1.0, reduction=0) -> Tensor: nn.functional's, the
    reduction an int."""
    return hinge_embedding_loss(input, target, margin, reduction=_enum_reduction(reduction))


def _torch_cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                                 reduction: int = 0) -> Tensor:
    """cosine_embedding_loss(input1, input2, target, margin=0.0, reduction=0) -> Tensor:
    nn.functional's, the reduction an int."""
    return cosine_embedding_loss(input1, input2, target, margin, reduction=_enum_reduction(reduction))


def _torch_triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0,
                               p: float = 2, eps: float = 1e-6, swap: bool = False, reduction: int = 0) -> Tensor:
    """triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
    reduction=0) -> Tensor: nn.functional's, the reduction an int."""
    return triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap, reduction=_enum_reduction(reduction))


def _torch_selu(input: Tensor) -> Tensor:
    """selu(input) -> Tensor: nn.functional.selu."""
    return selu(input)


def _torch_selu_(input: Tensor) -> Tensor:
    """selu_(input) -> Tensor: selu written into input."""
    return selu(input, inplace=True)


def _torch_celu(input: Tensor, alpha: float = 1.0) -> Tensor:
    """celu(input, alpha=1.0) -> Tensor: nn.functional.celu."""
    return celu(input, alpha)


def _torch_celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """celu_(input, alpha=1.0) -> Tensor: celu written into input."""
    return celu(input, alpha, inplace=True)


def _torch_rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
                 generator: Any = None) -> Tensor:
    """rrelu(input, lower=1/8, upper=1/3, training=False, generator=None) -> Tensor: nn.functional.rrelu,
    drawing its training slopes from `generator` when given."""
    return _rrelu(input, lower, upper, training, False, generator)


def _torch_rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
                  generator: Any = None) -> Tensor:
    """rrelu_(input, lower=1/8, upper=1/3, training=False, generator=None) -> Tensor: rrelu written into input."""
    return _rrelu(input, lower, upper, training, True, generator)


def _torch_threshold(input: Tensor, threshold: float, value: float) -> Tensor:
    """threshold(input, threshold, value) -> Tensor: nn.functional.threshold."""
    return globals()["threshold"](input, threshold, value)


_aten_form: Any
for _aten_form in (_torch_selu, _torch_selu_, _torch_celu, _torch_celu_, _torch_rrelu, _torch_rrelu_,
                   _torch_threshold, _torch_kl_div, _torch_poisson_nll_loss, _torch_margin_ranking_loss, _torch_hinge_embedding_loss,
                   _torch_cosine_embedding_loss, _torch_triplet_margin_loss):
    _aten_form.__name__ = _aten_form.__qualname__ = _aten_form.__name__[len("_torch_"):]
del _aten_form


# ============================================================================ issue 12: normalization, embedding, attention
# (ops-norm-embed family: the functions live in _functional_norm.py; this block re-exports them)
from ._functional_norm import *  # noqa: E402,F401,F403
from . import _functional_norm as _norm_family  # noqa: E402

__all__ += _norm_family.__all__

# ============================================================================ convolution and pooling (nn/_functional_conv.py)
from . import _functional_conv as _conv_family  # noqa: E402
from ._functional_conv import *  # noqa: E402,F401,F403
__all__ += _conv_family.__all__
from . import _functional_pool as _pool_family  # noqa: E402
from ._functional_pool import *  # noqa: E402,F401,F403
from ._functional_pool import _torch_adaptive_max_pool1d  # noqa: E402,F401
__all__ += _pool_family.__all__
from . import _functional_resample as _resample_family  # noqa: E402
from ._functional_resample import *  # noqa: E402,F401,F403
__all__ += _resample_family.__all__

# ============================================================================ issue 12, misc breadth round 3
# (fractional max pooling: nn/_functional_misc.py)
from . import _functional_misc as _misc_family  # noqa: E402
from ._functional_misc import *  # noqa: E402,F401,F403
__all__ += _misc_family.__all__

# ============================================================================ issue 12, round 3: vmap's kinds
# (the kind each function's rules batch by, ops/_rule.py; vmap makes its rule from it, func/batching.py). The
# functions that did not hand BatchedTensors on yet do so now (overrides.dispatching), off the hot path.
from ..ops._rule import declare_batching as _declare  # noqa: E402
from ..overrides import dispatching as _dispatching_all  # noqa: E402

_fn3: Any

for _d3 in (1, 2, 3):
    for _fn3 in (globals()[f"conv{_d3}d"], globals()[f"conv_transpose{_d3}d"], globals()[f"max_pool{_d3}d"],
                 globals()[f"max_pool{_d3}d_with_indices"], globals()[f"avg_pool{_d3}d"],
                 globals()[f"adaptive_avg_pool{_d3}d"], globals()[f"adaptive_max_pool{_d3}d"],
                 globals()[f"adaptive_max_pool{_d3}d_with_indices"], globals()[f"lp_pool{_d3}d"]):
        _declare(_fn3, "batch_first", rank=_d3 + 1)
    globals()[f"max_unpool{_d3}d"] = _dispatching_all(_declare(globals()[f"max_unpool{_d3}d"], "batch_first",
                                                               rank=_d3 + 1, folded=("indices",)))
for _fn3 in (group_norm, local_response_norm):  # noqa: F405
    _declare(_fn3, "batch_first")
for _fn3 in (layer_norm, rms_norm):  # noqa: F405
    _declare(_fn3, "batch_dims", shared=("weight", "bias"))
for _fn3, _kind3 in ((batch_norm, "batch_norm"), (instance_norm, "instance_norm"),  # noqa: F405
                     (multi_margin_loss, "margin_loss"), (multilabel_margin_loss, "margin_loss")):
    setattr(_fn3, "batching", _kind3)
for _name3, _kind3, _spec3 in (
        ("interpolate", "batch_first", {}), ("upsample", "batch_first", {}), ("channel_shuffle", "batch_first", {}),
        ("native_channel_shuffle", "batch_first", {}), ("unfold", "batch_first", {"rank": 3}),
        ("fold", "batch_first", {"rank": 2}), ("prelu", "batch_first", {"fold_from": 2}),
        ("pixel_shuffle", "batch_dims", {}), ("pixel_unshuffle", "batch_dims", {}),
        ("glu", "batch_dims", {"dims": ("dim",)}),
        ("cdist", "batch_dims", {}), ("embedding", "batch_dims", {"shared": ("weight",), "same_rank": False}),
        ("pad", "pad", {})):
    _fn3 = globals()[_name3]
    if _kind3 == "pad":
        setattr(_fn3, "batching", "pad")
    else:
        _declare(_fn3, _kind3, **_spec3)
    globals()[_name3] = _dispatching_all(_fn3)
del _d3, _fn3, _kind3, _name3, _spec3
# The grid-sample / CTC family (issue 12): grid_sample, affine_grid, ctc_loss, linear_cross_entropy.
from . import _functional_grid_ctc as _grid_ctc_family  # noqa: E402
from ._functional_grid_ctc import *  # noqa: E402,F401,F403
__all__ += _grid_ctc_family.__all__ + ["linear_cross_entropy"]
grid_sample = _dispatching_all(_declare(grid_sample, "batch_first", folded=("grid",)))  # noqa: F405


def linear_cross_entropy(input: Tensor, linear_weight: Tensor, target: Tensor, *, linear_bias: Tensor | None = None,
                         weight: Tensor | None = None, reduction: str = "mean", ignore_index: int | None = None,
                         label_smoothing: float = 0.0, options: Any = None) -> Tensor:
    """linear_cross_entropy(input, linear_weight, target, *, linear_bias=None, weight=None,
    reduction='mean', ignore_index=None, label_smoothing=0.0, options=None) -> Tensor.

    cross_entropy(linear(input, linear_weight, linear_bias), target, ...): input (N, in) or (in,);
    linear_weight (C, in), or (C, d1, ..., dK, in) for a K-dimensional loss (the logits are then
    (N, C, d1, ..., dK)); target class indices or class probabilities shaped like the logits.
    ignore_index None means -100 for class indices (and is refused with probabilities). `options`
    (PyTorch's LinearCrossEntropyOptions, for a chunked computation that saves memory) is accepted
    and ignored: the result is the same."""
    tensors = (input, linear_weight, target, linear_bias, weight)
    if any(t is not None and type(t) not in _PLAIN for t in tensors) and has_torch_function(tensors):
        return handle_torch_function(linear_cross_entropy, tensors, input, linear_weight, target,
                                     linear_bias=linear_bias, weight=weight, reduction=reduction,
                                     ignore_index=ignore_index, label_smoothing=label_smoothing, options=options)
    w, b, logits_shape, ignored = _grid_ctc_family.linear_cross_entropy_arguments(input, linear_weight, target,
                                                                                  linear_bias, ignore_index)
    logits = linear(input, w, b).reshape(logits_shape)
    return cross_entropy(logits, target, weight=weight, reduction=reduction, ignore_index=ignored,
                         label_smoothing=label_smoothing)
