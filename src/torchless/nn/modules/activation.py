"""nn activation modules: thin wrappers over torch.nn.functional."""
import warnings

from .. import functional as F
from ..._tensor import Tensor
from .module import Module

__all__ = ["ReLU", "Sigmoid", "Tanh", "LeakyReLU", "GELU", "Softmax", "LogSoftmax"]


class ReLU(Module):
    """ReLU(inplace=False): max(0, x), elementwise.

    inplace: overwrite the input instead of returning a new tensor."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """max(0, input), elementwise."""
        return F.relu(input, inplace=self.inplace)

    def extra_repr(self) -> str:
        """'inplace=True' when the module works in place."""
        return "inplace=True" if self.inplace else ""


class Sigmoid(Module):
    """Sigmoid(): the logistic function 1 / (1 + exp(-x)), elementwise."""

    def forward(self, input: Tensor) -> Tensor:
        """1 / (1 + exp(-input)), elementwise."""
        return input.sigmoid()


class Tanh(Module):
    """Tanh(): the hyperbolic tangent, elementwise."""

    def forward(self, input: Tensor) -> Tensor:
        """tanh(input), elementwise."""
        return input.tanh()


class LeakyReLU(Module):
    """LeakyReLU(negative_slope=0.01, inplace=False): x where x >= 0, negative_slope * x elsewhere.

    negative_slope: the slope left of zero; inplace: overwrite the input."""

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """input where it is >= 0, negative_slope * input elsewhere."""
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self) -> str:
        """The slope, and 'inplace=True' when set."""
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class GELU(Module):
    """GELU(approximate='none'): x * Phi(x), Phi the standard normal CDF.

    approximate: 'none' for the exact form through erf, 'tanh' for the tanh approximation."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = approximate

    def forward(self, input: Tensor) -> Tensor:
        """input * Phi(input), exact or tanh-approximated as configured."""
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self) -> str:
        """The approximation used."""
        return f"approximate={self.approximate!r}"


class Softmax(Module):
    """Softmax(dim=None): exp(x) / sum(exp(x)) along `dim`, so each slice sums to 1.

    dim: the dimension normalised (None picks one as PyTorch's legacy rule does, with a warning)."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        """The softmax of input along the module's dim."""
        return F.softmax(input, self.dim)

    def extra_repr(self) -> str:
        """The dim normalised."""
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """LogSoftmax(dim=None): log(softmax(x)) along `dim`, computed without overflow.

    dim: the dimension normalised (None picks one as PyTorch's legacy rule does, with a warning)."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        """The log-softmax of input along the module's dim."""
        return F.log_softmax(input, self.dim)

    def extra_repr(self) -> str:
        """The dim normalised."""
        return f"dim={self.dim}"


# ============================================================================ issue 12: more activations
# (the nn.functional family; each module holds PyTorch's attributes and calls its F function)
from typing import Any  # noqa: E402

__all__ += ["ELU", "CELU", "SELU", "SiLU", "Mish", "Hardtanh", "ReLU6", "Hardsigmoid", "Hardswish",
            "LogSigmoid", "Softplus", "Softshrink", "Hardshrink", "Tanhshrink", "Softsign", "Threshold",
            "GLU", "PReLU", "RReLU", "Softmin", "Softmax2d", "CosineSimilarity", "PairwiseDistance"]


def _inplace_repr(inplace: bool) -> str:
    return "inplace=True" if inplace else ""


class ELU(Module):
    """ELU(alpha=1.0, inplace=False): x where x > 0, alpha * (exp(x) - 1) elsewhere."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """elu(input), elementwise."""
        return F.elu(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        """alpha, and 'inplace=True' when set."""
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class CELU(ELU):
    """CELU(alpha=1.0, inplace=False): max(0, x) + min(0, alpha * (exp(x / alpha) - 1))."""

    def forward(self, input: Tensor) -> Tensor:
        """celu(input), elementwise."""
        return F.celu(input, self.alpha, self.inplace)


class _InplaceActivation(Module):
    """An activation whose only option is `inplace`."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def extra_repr(self) -> str:
        """'inplace=True' when set."""
        return _inplace_repr(self.inplace)


class SELU(_InplaceActivation):
    """SELU(inplace=False): scale * elu(x, alpha) with PyTorch's self-normalizing constants."""

    def forward(self, input: Tensor) -> Tensor:
        """selu(input), elementwise."""
        return F.selu(input, self.inplace)


class SiLU(_InplaceActivation):
    """SiLU(inplace=False): x * sigmoid(x)."""

    def forward(self, input: Tensor) -> Tensor:
        """silu(input), elementwise."""
        return F.silu(input, inplace=self.inplace)


class Mish(_InplaceActivation):
    """Mish(inplace=False): x * tanh(softplus(x))."""

    def forward(self, input: Tensor) -> Tensor:
        """mish(input), elementwise."""
        return F.mish(input, inplace=self.inplace)


class Hardsigmoid(_InplaceActivation):
    """Hardsigmoid(inplace=False): 0 below -3, 1 above 3, x / 6 + 1/2 between."""

    def forward(self, input: Tensor) -> Tensor:
        """hardsigmoid(input), elementwise."""
        return F.hardsigmoid(input, self.inplace)


class Hardswish(_InplaceActivation):
    """Hardswish(inplace=False): x * hardsigmoid(x)."""

    def forward(self, input: Tensor) -> Tensor:
        """hardswish(input), elementwise."""
        return F.hardswish(input, self.inplace)


class Hardtanh(Module):
    """Hardtanh(min_val=-1.0, max_val=1.0, inplace=False): x clamped to [min_val, max_val]."""

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False,
                 min_value: float | None = None, max_value: float | None = None) -> None:
        super().__init__()
        if min_value is not None:
            warnings.warn("keyword argument `min_value` is deprecated and rename to `min_val`",
                          FutureWarning, stacklevel=2)
            min_val = min_value
        if max_value is not None:
            warnings.warn("keyword argument `max_value` is deprecated and rename to `max_val`",
                          FutureWarning, stacklevel=2)
            max_val = max_value
        self.min_val = min_val
        self.max_val = max_val
        self.inplace = inplace
        if self.max_val <= self.min_val:
            raise AssertionError(f"max_val ({self.max_val}) must be greater than min_val ({self.min_val})")

    def forward(self, input: Tensor) -> Tensor:
        """input clamped to [min_val, max_val]."""
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self) -> str:
        """The bounds, and 'inplace=True' when set."""
        return f"min_val={self.min_val}, max_val={self.max_val}" + (", inplace=True" if self.inplace else "")


class ReLU6(Hardtanh):
    """ReLU6(inplace=False): min(max(0, x), 6)."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self) -> str:
        """'inplace=True' when set."""
        return _inplace_repr(self.inplace)


class LogSigmoid(Module):
    """LogSigmoid(): log(sigmoid(x))."""

    def forward(self, input: Tensor) -> Tensor:
        """logsigmoid(input), elementwise."""
        return F.logsigmoid(input)


class Softplus(Module):
    """Softplus(beta=1.0, threshold=20.0): log(1 + exp(beta x)) / beta (x where beta x > threshold)."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, input: Tensor) -> Tensor:
        """softplus(input), elementwise."""
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        """beta and threshold."""
        return f"beta={self.beta}, threshold={self.threshold}"


class Softshrink(Module):
    """Softshrink(lambd=0.5): x - lambd above lambd, x + lambd below -lambd, 0 between."""

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = lambd

    def forward(self, input: Tensor) -> Tensor:
        """softshrink(input), elementwise."""
        return F.softshrink(input, self.lambd)

    def extra_repr(self) -> str:
        """lambd."""
        return str(self.lambd)


class Hardshrink(Softshrink):
    """Hardshrink(lambd=0.5): 0 where |x| <= lambd, x elsewhere."""

    def forward(self, input: Tensor) -> Tensor:
        """hardshrink(input), elementwise."""
        return F.hardshrink(input, self.lambd)


class Tanhshrink(Module):
    """Tanhshrink(): x - tanh(x)."""

    def forward(self, input: Tensor) -> Tensor:
        """tanhshrink(input), elementwise."""
        return F.tanhshrink(input)


class Softsign(Module):
    """Softsign(): x / (1 + |x|)."""

    def forward(self, input: Tensor) -> Tensor:
        """softsign(input), elementwise."""
        return F.softsign(input)


class Threshold(Module):
    """Threshold(threshold, value, inplace=False): value where x <= threshold, x elsewhere."""

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__()
        self.threshold = threshold
        self.value = value
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """threshold(input), elementwise."""
        return F.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self) -> str:
        """threshold, value, and 'inplace=True' when set."""
        return f"threshold={self.threshold}, value={self.value}" + (", inplace=True" if self.inplace else "")


class GLU(Module):
    """GLU(dim=-1): a * sigmoid(b), a and b the halves of the input along dim."""

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        """glu(input, dim)."""
        return F.glu(input, self.dim)

    def extra_repr(self) -> str:
        """The dim halved."""
        return f"dim={self.dim}"


class PReLU(Module):
    """PReLU(num_parameters=1, init=0.25, device=None, dtype=None): x where x > 0, a * x elsewhere,
    with a learned slope `weight` (one, or one per channel: num_parameters = input.size(1))."""

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device: Any = None, dtype: Any = None) -> None:
        from ..._tensor.creation import empty
        from ..parameter import Parameter
        self.num_parameters = num_parameters
        super().__init__()
        self.init = init
        self.weight = Parameter(empty(num_parameters, device=device, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Fill the slopes with `init`."""
        from .. import init as I
        I.constant_(self.weight, self.init)

    def forward(self, input: Tensor) -> Tensor:
        """prelu(input, weight)."""
        return F.prelu(input, self.weight)

    def extra_repr(self) -> str:
        """The number of slopes."""
        return f"num_parameters={self.num_parameters}"


class RReLU(Module):
    """RReLU(lower=1/8, upper=1/3, inplace=False): x where x >= 0, a * x elsewhere, a drawn from
    U(lower, upper) per element while training, (lower + upper) / 2 in evaluation."""

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3, inplace: bool = False) -> None:
        super().__init__()
        self.lower = lower
        self.upper = upper
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """rrelu(input) with the module's training flag."""
        return F.rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self) -> str:
        """The bounds, and 'inplace=True' when set."""
        return f"lower={self.lower}, upper={self.upper}" + (", inplace=True" if self.inplace else "")


class Softmin(Module):
    """Softmin(dim=None): softmax(-x) along dim."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        """softmin(input, dim)."""
        return F.softmin(input, self.dim, _stacklevel=5)

    def extra_repr(self) -> str:
        """The dim normalised."""
        return f"dim={self.dim}"


class Softmax2d(Module):
    """Softmax2d(): softmax over the channels (dim -3) of a (C, H, W) or (N, C, H, W) input."""

    def forward(self, input: Tensor) -> Tensor:
        """softmax(input, -3)."""
        if input.dim() not in (3, 4):
            raise ValueError(f"Softmax2d: expected input to be 3D or 4D, got {input.dim()}D instead")
        return F.softmax(input, -3, _stacklevel=5)


class CosineSimilarity(Module):
    """CosineSimilarity(dim=1, eps=1e-8): the cosine of the angle between x1 and x2 along dim."""

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim = dim
        self.eps = eps

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        """cosine_similarity(x1, x2, dim, eps)."""
        return F.cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """PairwiseDistance(p=2.0, eps=1e-6, keepdim=False): ||x1 - x2 + eps||_p over the last dim."""

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm = p
        self.eps = eps
        self.keepdim = keepdim

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        """pairwise_distance(x1, x2, p, eps, keepdim)."""
        return F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)
