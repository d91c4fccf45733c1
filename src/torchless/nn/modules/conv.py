"""The convolution modules: Conv1d/2d/3d, ConvTranspose1d/2d/3d and their lazy forms (in_channels
taken from the first input), with PyTorch's constructor arguments, checks, attributes, default
initialisation and repr."""
import math
from collections.abc import Mapping
from typing import Any, Optional

from ..._tensor import Tensor
from ..._tensor.creation import empty
from ...engine.grad_mode import no_grad
from .. import functional as F
from ..parameter import Parameter
from .linear import _is_uninitialized, _uninitialized_parameter
from .module import Module

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d",
           "LazyConv1d", "LazyConv2d", "LazyConv3d", "LazyConvTranspose1d", "LazyConvTranspose2d",
           "LazyConvTranspose3d"]

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _ntuple(value: Any, d: int) -> tuple[Any, ...]:
    """An int (or a sequence of d) as a d-tuple, as PyTorch's _single/_pair/_triple."""
    if isinstance(value, (tuple, list)):
        return tuple(value)
    return (value,) * d


class _ConvNd(Module):
    """What every convolution module shares: the arguments, the parameters, their initialisation
    (PyTorch's kaiming_uniform_(a=sqrt(5)): U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weight and bias)."""

    _dims = 0
    _transposed = False

    in_channels: int
    out_channels: int
    weight: Parameter
    bias: Optional[Parameter]

    def _setup(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any, padding: Any,
               dilation: Any, output_padding: Any, groups: int, bias: bool, padding_mode: str,
               device: Any, dtype: Any, lazy: bool = False) -> None:
        d = self._dims
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        kernel_size = _ntuple(kernel_size, d)
        stride = _ntuple(stride, d)
        dilation = _ntuple(dilation, d)
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of {{'valid', 'same'}}")
            if padding == "same" and any(s != 1 for s in stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
        else:
            padding = _ntuple(padding, d)
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"padding_mode must be one of {set(_PADDING_MODES)}, but got "
                             f"padding_mode='{padding_mode}'")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.transposed = self._transposed
        self.output_padding = _ntuple(output_padding, d)
        self.groups = groups
        self.padding_mode = padding_mode
        self._reversed_padding_repeated_twice: Any
        if isinstance(padding, str):
            twice = [0, 0] * d
            if padding == "same":
                for i, (dl, k) in enumerate(zip(dilation, kernel_size)):
                    total = dl * (k - 1)
                    left = total // 2
                    twice[2 * (d - 1 - i)] = left
                    twice[2 * (d - 1 - i) + 1] = total - left
            self._reversed_padding_repeated_twice = twice
        else:
            self._reversed_padding_repeated_twice = tuple(p for p in reversed(padding) for _ in range(2))
        factory = {"device": device, "dtype": dtype}
        if lazy:  # empty placeholders, sized by the first input (_LazyConvMixin)
            self.weight = _uninitialized_parameter(factory)
        else:
            self.weight = Parameter(empty(self._weight_shape(), **factory))
        if bias:
            self.bias = _uninitialized_parameter(factory) if lazy else Parameter(empty(out_channels, **factory))
        else:
            self.register_parameter("bias", None)
        if not lazy:
            self.reset_parameters()

    def _weight_shape(self) -> tuple[int, ...]:
        if self._transposed:
            return (self.in_channels, self.out_channels // self.groups) + tuple(self.kernel_size)
        return (self.out_channels, self.in_channels // self.groups) + tuple(self.kernel_size)

    def reset_parameters(self) -> None:
        """Draw new weight and bias values from U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in =
        weight.shape[1] · Π kernel_size (PyTorch's kaiming_uniform_ with a=sqrt(5))."""
        w = self.weight
        fan_in = w.shape[1] * math.prod(w.shape[2:]) if len(w.shape) > 1 else 0
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        with no_grad():
            if w.numel():
                w.uniform_(-bound, bound)
            if self.bias is not None and fan_in > 0:
                self.bias.uniform_(-bound, bound)

    def extra_repr(self) -> str:
        """PyTorch's: channels, kernel_size, stride, then what differs from the defaults."""
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * len(self.padding):
            s += f", padding={self.padding}"
        if self.dilation != (1,) * len(self.dilation):
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * len(self.output_padding):
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


_FUNCTIONS = {1: "conv1d", 2: "conv2d", 3: "conv3d"}
_T_FUNCTIONS = {1: "conv_transpose1d", 2: "conv_transpose2d", 3: "conv_transpose3d"}


class _Conv(_ConvNd):
    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 dilation: Any = 1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self._setup(in_channels, out_channels, kernel_size, stride, padding, dilation, 0, groups, bias,
                    padding_mode, device, dtype)

    def _conv_forward(self, input: Tensor, weight: Tensor, bias: Optional[Tensor]) -> Tensor:
        conv = getattr(F, _FUNCTIONS[self._dims])
        if self.padding_mode != "zeros":
            padded = F.pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            return conv(padded, weight, bias, self.stride, 0, self.dilation, self.groups)
        return conv(input, weight, bias, self.stride, self.padding, self.dilation, self.groups)

    def forward(self, input: Tensor) -> Tensor:
        """The convolution of input with the module's weight (and bias)."""
        return self._conv_forward(input, self.weight, self.bias)


class Conv1d(_Conv):
    """Conv1d(in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
    bias=True, padding_mode='zeros', device=None, dtype=None): F.conv1d with a learned weight
    (out_channels, in_channels/groups, k) and bias; padding_mode 'reflect', 'replicate' or
    'circular' pads by F.pad first."""
    _dims = 1


class Conv2d(_Conv):
    """Conv2d(in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
    bias=True, padding_mode='zeros', device=None, dtype=None): F.conv2d with a learned weight
    (out_channels, in_channels/groups, kH, kW) and bias; padding may be an int, a pair, 'valid' or
    'same'; padding_mode 'reflect', 'replicate' or 'circular' pads by F.pad first."""
    _dims = 2


class Conv3d(_Conv):
    """Conv3d(in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
    bias=True, padding_mode='zeros', device=None, dtype=None): F.conv3d with a learned weight
    (out_channels, in_channels/groups, kD, kH, kW) and bias."""
    _dims = 3


class _ConvTranspose(_ConvNd):
    _transposed = True

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 output_padding: Any = 0, groups: int = 1, bias: bool = True, dilation: Any = 1,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {type(self).__name__}')
        super().__init__()
        self._setup(in_channels, out_channels, kernel_size, stride, padding, dilation, output_padding, groups,
                    bias, padding_mode, device, dtype)

    def _output_padding(self, input: Tensor, output_size: Any, stride: Any, padding: Any, kernel_size: Any,
                        num_spatial_dims: int, dilation: Any = None) -> tuple[int, ...]:
        """The output_padding that makes the result `output_size` (PyTorch's checks and messages)."""
        if output_size is None:
            return tuple(self.output_padding)
        batched = input.dim() == num_spatial_dims + 2
        non_spatial = 2 if batched else 1
        output_size = [int(s) for s in output_size]
        if len(output_size) == non_spatial + num_spatial_dims:
            output_size = output_size[non_spatial:]
        if len(output_size) != num_spatial_dims:
            raise ValueError(f"ConvTranspose{num_spatial_dims}D: for {input.dim()}D input, output_size must have "
                             f"{num_spatial_dims} or {non_spatial + num_spatial_dims} elements (got {len(output_size)})")
        lows, highs = [], []
        for i in range(num_spatial_dims):
            dl = dilation[i] if dilation is not None else 1
            low = (input.shape[i + non_spatial] - 1) * stride[i] - 2 * padding[i] + dl * (kernel_size[i] - 1) + 1
            lows.append(low)
            highs.append(low + stride[i] - 1)
        for i in range(num_spatial_dims):
            if not lows[i] <= output_size[i] <= highs[i]:
                raise ValueError(f"requested an output size of {output_size}, but valid sizes range from {lows} to "
                                 f"{highs} (for an input of {list(input.shape[non_spatial:])})")
        return tuple(output_size[i] - lows[i] for i in range(num_spatial_dims))

    def forward(self, input: Tensor, output_size: Optional[list[int]] = None) -> Tensor:
        """The transposed convolution of input; output_size (optional) picks the output_padding."""
        if self.padding_mode != "zeros":
            raise ValueError(f"Only `zeros` padding mode is supported for {type(self).__name__}")
        d = self._dims
        opad = self._output_padding(input, output_size, self.stride, self.padding, self.kernel_size, d,
                                    self.dilation)
        conv = getattr(F, _T_FUNCTIONS[d])
        return conv(input, self.weight, self.bias, self.stride, self.padding, opad, self.groups, self.dilation)


class ConvTranspose1d(_ConvTranspose):
    """ConvTranspose1d(in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0,
    groups=1, bias=True, dilation=1, padding_mode='zeros', device=None, dtype=None):
    F.conv_transpose1d with a learned weight (in_channels, out_channels/groups, k) and bias."""
    _dims = 1


class ConvTranspose2d(_ConvTranspose):
    """ConvTranspose2d(in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0,
    groups=1, bias=True, dilation=1, padding_mode='zeros', device=None, dtype=None):
    F.conv_transpose2d with a learned weight (in_channels, out_channels/groups, kH, kW) and bias."""
    _dims = 2


class ConvTranspose3d(_ConvTranspose):
    """ConvTranspose3d(in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0,
    groups=1, bias=True, dilation=1, padding_mode='zeros', device=None, dtype=None):
    F.conv_transpose3d with a learned weight (in_channels, out_channels/groups, kD, kH, kW) and bias."""
    _dims = 3


# ============================================================================ lazy forms
class _LazyConvMixin:
    """in_channels from the first input (or a loaded state_dict); then the module becomes the
    plain class (`_becomes`), as PyTorch's lazy modules do."""

    _becomes: type
    _dims: int
    _transposed: bool

    def _lazy_setup(self: Any, out_channels: int, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
                    output_padding: Any, groups: int, bias: bool, padding_mode: str, device: Any, dtype: Any) -> None:
        self._setup(0, out_channels, kernel_size, stride, padding, dilation, output_padding, groups, bias,
                    padding_mode, device, dtype, lazy=True)
        self._factory = {"device": device, "dtype": dtype}
        self._init_hook = self.register_forward_pre_hook(_LazyConvMixin._infer_parameters)

    def reset_parameters(self: Any) -> None:
        """Draw new values as the plain module does, once the parameters have their shapes."""
        if not _is_uninitialized(self.weight) and self.in_channels != 0:
            _ConvNd.reset_parameters(self)

    def _fill(self: Any, name: str, shape: tuple[int, ...]) -> None:
        param = self._parameters[name]
        param.data = empty(shape, **self._factory)
        del param._uninitialized

    @staticmethod
    def _infer_parameters(module: Any, args: tuple[Any, ...]) -> None:
        if _is_uninitialized(module.weight):
            input = args[0]
            d = module._dims
            if input.dim() not in (d + 1, d + 2):
                raise RuntimeError(f"Expected {d + 1}D (unbatched) or {d + 2}D (batched) input to "
                                   f"{type(module).__name__}, but got input of size: {list(input.shape)}")
            module.in_channels = input.shape[1] if input.dim() == d + 2 else input.shape[0]
            if module.in_channels % module.groups != 0:
                raise ValueError("in_channels must be divisible by groups")
            with no_grad():
                module._fill("weight", module._weight_shape())
                if module.bias is not None:
                    module._fill("bias", (module.out_channels,))
            module.reset_parameters()
        else:  # values came from load_state_dict
            w = module.weight
            module.in_channels = w.shape[0] if module._transposed else w.shape[1] * module.groups
        module._init_hook.remove()
        del module._init_hook, module._factory
        module.__class__ = module._becomes

    def _load_from_state_dict(self: Any, state_dict: Mapping[str, Any], prefix: str, missing_keys: list[str],
                              unexpected_keys: list[str], error_msgs: list[str], assign: bool = False) -> None:
        for name, param in self._parameters.items():
            value = state_dict.get(prefix + name)
            if _is_uninitialized(param) and isinstance(value, Tensor):
                with no_grad():
                    self._fill(name, value.shape)
        Module._load_from_state_dict(self, state_dict, prefix, missing_keys, unexpected_keys, error_msgs, assign)


def _lazy_conv(plain: type, doc: str) -> type:
    def __init__(self: Any, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 dilation: Any = 1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device: Any = None, dtype: Any = None) -> None:
        Module.__init__(self)
        self._lazy_setup(out_channels, kernel_size, stride, padding, dilation, 0, groups, bias, padding_mode,
                         device, dtype)

    cls = type("Lazy" + plain.__name__, (_LazyConvMixin, plain), {"__init__": __init__, "_becomes": plain,
                                                                   "__doc__": doc, "__module__": __name__})
    return cls


def _lazy_conv_transpose(plain: type, doc: str) -> type:
    def __init__(self: Any, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 output_padding: Any = 0, groups: int = 1, bias: bool = True, dilation: Any = 1,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {type(self).__name__}')
        Module.__init__(self)
        self._lazy_setup(out_channels, kernel_size, stride, padding, dilation, output_padding, groups, bias,
                         padding_mode, device, dtype)

    cls = type("Lazy" + plain.__name__, (_LazyConvMixin, plain), {"__init__": __init__, "_becomes": plain,
                                                                   "__doc__": doc, "__module__": __name__})
    return cls


_LAZY_DOC = ("{0}(out_channels, kernel_size, ...): a {1} whose in_channels is taken from the first input "
             "(or a loaded state_dict); its parameters exist (empty) from the start, and after the first call "
             "it is a plain {1}.")
LazyConv1d: Any = _lazy_conv(Conv1d, _LAZY_DOC.format("LazyConv1d", "Conv1d"))
LazyConv2d: Any = _lazy_conv(Conv2d, _LAZY_DOC.format("LazyConv2d", "Conv2d"))
LazyConv3d: Any = _lazy_conv(Conv3d, _LAZY_DOC.format("LazyConv3d", "Conv3d"))
LazyConvTranspose1d: Any = _lazy_conv_transpose(ConvTranspose1d, _LAZY_DOC.format("LazyConvTranspose1d",
                                                                                  "ConvTranspose1d"))
LazyConvTranspose2d: Any = _lazy_conv_transpose(ConvTranspose2d, _LAZY_DOC.format("LazyConvTranspose2d",
                                                                                  "ConvTranspose2d"))
LazyConvTranspose3d: Any = _lazy_conv_transpose(ConvTranspose3d, _LAZY_DOC.format("LazyConvTranspose3d",
                                                                                  "ConvTranspose3d"))
