"""nn activation modules: thin wrappers over torch.nn.functional."""
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
