"""nn.Linear (y = x W^T + b), nn.Identity and nn.LazyLinear."""
import math

from ..._creation import empty
from ...engine.grad_mode import no_grad
from .. import functional as F
from ..parameter import Parameter
from .module import Module

__all__ = ["Identity", "Linear", "LazyLinear"]


class Identity(Module):
    """Returns its input unchanged; accepts (and ignores) any constructor arguments."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input


class Linear(Module):
    """Linear(in_features, out_features, bias=True): weight (out, in) and bias (out,), both drawn
    from U(-1/sqrt(in_features), 1/sqrt(in_features)) as PyTorch does."""

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(empty((out_features, in_features), device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_features, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        # PyTorch's kaiming_uniform_(a=sqrt(5)) on the weight has bound sqrt(6/((1+5) fan_in)),
        # i.e. 1/sqrt(fan_in): the same bound as the bias gets.
        bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0
        with no_grad():
            if self.weight.numel():
                self.weight.uniform_(-bound, bound)
            if self.bias is not None:
                self.bias.uniform_(-bound, bound)

    def forward(self, input):
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class LazyLinear(Linear):
    """A Linear whose in_features is taken from the first input it sees."""

    def __init__(self, out_features, bias=True, device=None, dtype=None):
        Module.__init__(self)
        self.in_features = 0
        self.out_features = out_features
        self._factory = {"device": device, "dtype": dtype}
        self.weight = Parameter(empty(0, device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(0, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.register_forward_pre_hook(LazyLinear._materialize)

    @staticmethod
    def _materialize(module, args):
        """On the first call: size the parameters from the input, initialise, become a Linear."""
        module.in_features = args[0].shape[-1]
        with no_grad():
            module.weight.data = empty((module.out_features, module.in_features), **module._factory)
            if module.bias is not None:
                module.bias.data = empty(module.out_features, **module._factory)
        module.reset_parameters()
        module._forward_pre_hooks.clear()
        del module._factory
        module.__class__ = Linear
