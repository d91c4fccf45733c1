"""nn.Linear (y = x W^T + b), nn.Identity and nn.LazyLinear."""
import math
from collections.abc import Mapping
from typing import Any

from ..._tensor.creation import empty
from ..._tensor import Tensor
from ...engine.grad_mode import no_grad
from .. import functional as F
from ..parameter import Parameter
from .module import Module

__all__ = ["Identity", "Linear", "LazyLinear"]


class Identity(Module):
    """Returns its input unchanged; accepts (and ignores) any constructor arguments."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        """input itself."""
        return input


class Linear(Module):
    """Linear(in_features, out_features, bias=True, device=None, dtype=None): y = x W^T + b.

    in_features: the size of each input's last dim; out_features: the size of each output's last
    dim; bias: whether to add the learned bias b. The weight W (out_features, in_features) and
    bias (out_features,) are drawn from U(-1/sqrt(in_features), 1/sqrt(in_features)) as PyTorch
    draws them; dtype: theirs (the default dtype if None)."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(empty((out_features, in_features), device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_features, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw new weight and bias values from U(-1/sqrt(in_features), 1/sqrt(in_features))."""
        # PyTorch's kaiming_uniform_(a=sqrt(5)) on the weight has bound sqrt(6/((1+5) fan_in)),
        # i.e. 1/sqrt(fan_in): the same bound as the bias gets.
        bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0
        with no_grad():
            if self.weight.numel():
                self.weight.uniform_(-bound, bound)
            if self.bias is not None:
                self.bias.uniform_(-bound, bound)

    def forward(self, input: Tensor) -> Tensor:
        """input @ weight.T + bias, for input of shape (*, in_features)."""
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        """in_features, out_features and whether there is a bias."""
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


def _uninitialized_parameter(factory: dict[str, Any]) -> Parameter:
    """A placeholder parameter (no elements) that a lazy module fills in place later, so that
    optimizers built before the first forward hold the final parameter object."""
    p = Parameter(empty(0, **factory))
    p.__dict__["_uninitialized"] = True
    return p


def _is_uninitialized(p: Parameter | None) -> bool:
    return p is not None and p.__dict__.get("_uninitialized", False)


class LazyLinear(Linear):
    """LazyLinear(out_features, bias=True, device=None, dtype=None): a Linear whose in_features is
    taken from the first input it sees (or from a loaded state_dict).

    Its parameters exist from the start (so an optimizer can hold them) but are empty until
    then; after its first call it is a plain Linear, as in PyTorch."""

    def __init__(self, out_features: int, bias: bool = True, device: Any = None, dtype: Any = None) -> None:
        Module.__init__(self)
        self.in_features = 0
        self.out_features = out_features
        self._factory = {"device": device, "dtype": dtype}
        self.weight = _uninitialized_parameter(self._factory)
        if bias:
            self.bias = _uninitialized_parameter(self._factory)
        else:
            self.register_parameter("bias", None)
        self._init_hook = self.register_forward_pre_hook(LazyLinear._infer_parameters)

    def reset_parameters(self) -> None:
        """Draw new values as Linear does, once the parameters have their shapes (else nothing)."""
        if not _is_uninitialized(self.weight) and self.in_features != 0:
            super().reset_parameters()

    def _fill(self, name: str, shape: tuple[int, ...]) -> None:
        param = self._parameters[name]
        param.data = empty(shape, **self._factory)
        del param._uninitialized

    @staticmethod
    def _infer_parameters(module: "LazyLinear", args: tuple[Any, ...]) -> None:
        """On the first call: size the parameters from the input, initialise, become a Linear."""
        if _is_uninitialized(module.weight):
            module.in_features = args[0].shape[-1]
            with no_grad():
                module._fill("weight", (module.out_features, module.in_features))
                if module.bias is not None:
                    module._fill("bias", (module.out_features,))
            module.reset_parameters()
        else:  # values came from load_state_dict
            module.in_features = module.weight.shape[1]
        module._init_hook.remove()
        del module._init_hook, module._factory
        module.__class__ = Linear  # type: ignore[assignment]  # it is one now, as in PyTorch

    def _load_from_state_dict(self, state_dict: Mapping[str, Any], prefix: str, missing_keys: list[str],
                              unexpected_keys: list[str], error_msgs: list[str], assign: bool = False) -> None:
        # a loaded tensor gives an uninitialised parameter its shape (the values are copied next)
        for name, param in self._parameters.items():
            value = state_dict.get(prefix + name)
            if _is_uninitialized(param) and isinstance(value, Tensor):
                with no_grad():
                    self._fill(name, value.shape)
        super()._load_from_state_dict(state_dict, prefix, missing_keys, unexpected_keys, error_msgs,
                                      assign)
