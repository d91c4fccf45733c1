"""torch.nn.functional's convolutions (conv1d/2d/3d, conv_transpose1d/2d/3d, unfold, fold): PyTorch's
argument checks, in its order and with its messages, then one ConvolutionBackward0 (ops/conv.py).

Geometry checks depend on shapes and arguments only, so a training loop (the same shapes every
step) finds its ConvSpec in a small cache after the first call.
"""
from __future__ import annotations

from typing import Any

from .._tensor import Tensor
from .._tensor._core import _COMPLEX, apply
from ..ops import conv as C
from ..overrides import handle_torch_function, has_torch_function
from .parameter import Parameter

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"]

_PLAIN = (Tensor, Parameter)
_C_TYPES = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int",
            "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
            "bool": "bool", "complex64": "c10::complex<float>", "complex128": "c10::complex<double>",
            "bfloat16": "c10::BFloat16"}
_SCALAR = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
           "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool", "complex64": "ComplexFloat",
           "complex128": "ComplexDouble"}
_SPECS: dict[tuple[Any, ...], Any] = {}


def _ints(name: str, value: Any, d: int) -> tuple[int, ...]:
    """An int-or-sequence argument as d ints (a one-element sequence repeats, as in PyTorch)."""
    if type(value) is int:
        return (value,) * d
    if isinstance(value, Tensor):
        value = value.tolist()
    if not isinstance(value, (tuple, list)):
        if hasattr(value, "__index__"):
            return (int(value),) * d
        raise TypeError(f"argument '{name}' must be tuple of ints, not {type(value).__name__}")
    t = tuple(int(v) for v in value)
    if len(t) == 1:
        return t * d
    if len(t) != d:
        raise RuntimeError(f"expected {name} to be a single integer value or a list of {d} values to match "
                           f"the convolution dimensions, but got {name}={list(t)}")
    return t


def _dims(shape: tuple[int, ...]) -> str:
    return " x ".join(str(s) for s in shape)


def _conv(fn: str, d: int, input: Any, weight: Any, bias: Any, stride: Any, padding: Any, dilation: Any,
          groups: Any, transposed: bool = False, output_padding: Any = 0) -> Tensor:
    if not isinstance(input, Tensor):
        raise TypeError(f"{fn}() received an invalid combination of arguments - got ({type(input).__name__}, ...): "
                        "argument 'input' (position 1) must be Tensor")
    if not isinstance(weight, Tensor):
        raise TypeError(f"{fn}() received an invalid combination of arguments: argument 'weight' (position 2) "
                        f"must be Tensor, not {type(weight).__name__}")
    x, w = input._data, weight._data
    b = None if bias is None else bias._data
    if x.dtype != w.dtype:
        raise RuntimeError(f"expected scalar type {_SCALAR.get(str(x.dtype), x.dtype)} but found "
                           f"{_SCALAR.get(str(w.dtype), w.dtype)} (convert the weight or the input, e.g. "
                           "x.to(weight.dtype))")
    if b is not None and b.dtype != x.dtype:
        raise RuntimeError(f"Input type ({_C_TYPES.get(str(x.dtype), x.dtype)}) and bias type "
                           f"({_C_TYPES.get(str(b.dtype), b.dtype)}) should be the same")
    key: Any = (fn, x.shape, w.shape, None if b is None else b.shape, stride if type(stride) is not list else tuple(stride),
           padding if type(padding) is not list else tuple(padding),
           dilation if type(dilation) is not list else tuple(dilation), groups,
           output_padding if type(output_padding) is not list else tuple(output_padding))
    try:
        plan = _SPECS.get(key)
    except TypeError:  # an unhashable argument: no cache
        key, plan = None, None
    if plan is None:
        plan = _plan(fn, d, x.shape, w.shape, None if b is None else b.shape, stride, padding, dilation, groups,
                     transposed, output_padding)
        if key is not None:
            if len(_SPECS) > 512:
                _SPECS.clear()
            _SPECS[key] = plan
    spec, unbatched = plan
    rule: Any = C.ConvolutionBackward0
    if x.dtype in _COMPLEX:
        rule = rule.complex_rule()
    if unbatched:
        input = input.unsqueeze(0)
    out = apply(rule, input, weight, bias, spec)
    return out.squeeze(0) if unbatched else out


def _plan(fn: str, d: int, xs: tuple[int, ...], ws: tuple[int, ...], bs: Any, stride: Any, padding: Any,
          dilation: Any, groups: Any, transposed: bool, output_padding: Any) -> tuple[Any, bool]:
    """The ConvSpec of a call and whether its input is unbatched, after PyTorch's checks."""
    if len(ws) < 3:
        raise RuntimeError("weight should have at least three dimensions")
    if type(groups) is not int and not hasattr(groups, "__index__"):
        raise TypeError(f"{fn}(): argument 'groups' must be int, not {type(groups).__name__}")
    groups = int(groups)
    if len(xs) not in (d + 1, d + 2):
        raise RuntimeError(f"Expected {d + 1}D (unbatched) or {d + 2}D (batched) input to {fn}, but got input of "
                           f"size: {list(xs)}")
    unbatched = len(xs) == d + 1
    if unbatched:
        xs = (1,) + xs
    stride_t = _ints("stride", stride, d)
    dil = _ints("dilation", dilation, d)
    same = False
    if isinstance(padding, str):
        if transposed:
            raise TypeError(f"{fn}(): argument 'padding' must be tuple of ints, not str")
        if padding == "valid":
            pad = (0,) * d
        elif padding == "same":
            same = True
            pad = (0,) * d
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}'")
    else:
        pad = _ints("padding", padding, d)
    opad = _ints("output_padding", output_padding, d)
    if any(s <= 0 for s in stride_t):
        raise RuntimeError("non-positive stride is not supported")
    if any(p < 0 for p in pad):
        raise RuntimeError("negative padding is not supported")
    if any(p < 0 for p in opad):
        raise RuntimeError("negative output_padding is not supported")
    if any(v <= 0 for v in dil):
        raise RuntimeError("dilation should be greater than zero")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if len(ws) != len(xs):
        raise RuntimeError(f"Expected {len(ws)}-dimensional input for {len(ws)}-dimensional weight{list(ws)}, but "
                           f"got {len(xs) - unbatched}-dimensional input of size {list(xs[unbatched:])} instead")
    if ws[0] < groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be at least {groups} at dimension 0, but got "
                           f"weight of size {list(ws)} instead")
    if ws[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but "
                           f"got weight of size [{list(ws)}] instead")
    K = tuple(ws[2:])
    shown = list(xs[1:]) if unbatched else list(xs)
    if not transposed:
        if xs[1] != ws[1] * groups:
            raise RuntimeError(f"Given groups={groups}, weight of size {list(ws)}, expected input{shown} to have "
                               f"{ws[1] * groups} channels, but got {xs[1]} channels instead")
        if bs is not None and (len(bs) != 1 or bs[0] != ws[0]):
            raise RuntimeError(f"Given weight of size {list(ws)}, expected bias to be 1-dimensional with {ws[0]} "
                               f"elements, but got bias of size {list(bs)} instead")
        S = tuple(xs[2:])
        if same:
            if any(s != 1 for s in stride_t):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            total = tuple(dl * (k - 1) for dl, k in zip(dil, K))
            lo = tuple(t // 2 for t in total)
            hi = tuple(t - t // 2 for t in total)
        else:
            lo = hi = pad
        padded = tuple(s + a + c for s, a, c in zip(S, lo, hi))
        span = tuple(dl * (k - 1) + 1 for dl, k in zip(dil, K))
        if any(p < sp for p, sp in zip(padded, span)):
            raise RuntimeError(f"Calculated padded input size per channel: ({_dims(padded)}). Kernel size: "
                               f"({_dims(span)}). Kernel size can't be greater than actual input size")
        Y = tuple((p - sp) // s + 1 for p, sp, s in zip(padded, span, stride_t))
        return C.ConvSpec("y", stride_t, dil, lo, hi, groups, S, K, Y), unbatched
    # transposed: the input plays the convolution's output y; the result is its input x
    if xs[1] != ws[0]:
        raise RuntimeError(f"Given transposed=1, weight of size {list(ws)}, expected input{shown} to have {ws[0]} "
                           f"channels, but got {xs[1]} channels instead")
    cout = ws[1] * groups
    if bs is not None and (len(bs) != 1 or bs[0] != cout):
        raise RuntimeError(f"Given transposed=1, weight of size {list(ws)}, expected bias to be 1-dimensional with "
                           f"{cout} elements, but got bias of size {list(bs)} instead")
    if any(op >= max(s, dl) for op, s, dl in zip(opad, stride_t, dil)):
        names = ("depth", "height", "width")[3 - d:] if d > 1 else ("",)
        parts = [f"output_padding_{n}: {v}" if n else f"output_padding: {v}" for n, v in zip(names, opad)]
        parts += [f"stride_{n}: {v}" if n else f"stride: {v}" for n, v in zip(names, stride_t)]
        parts += [f"dilation_{n}: {v}" if n else f"dilation: {v}" for n, v in zip(names, dil)]
        raise RuntimeError("output padding must be smaller than either stride or dilation, but got " + " ".join(parts))
    Y = tuple(xs[2:])
    S = tuple((y - 1) * s - 2 * p + dl * (k - 1) + op + 1 for y, s, p, dl, k, op in zip(Y, stride_t, pad, dil, K, opad))
    if any(s <= 0 for s in S):
        raise RuntimeError(f"Given input size per channel: ({_dims(Y)}). Calculated output size per channel: "
                           f"({_dims(S)}). Output size is too small")
    return C.ConvSpec("x", stride_t, dil, pad, pad, groups, S, K, Y), unbatched


def _dispatch(f: Any, input: Any, weight: Any, bias: Any, args: tuple[Any, ...]) -> Any:
    if (type(input) not in _PLAIN or type(weight) not in _PLAIN or bias is not None and type(bias) not in _PLAIN) \
            and has_torch_function((input, weight, bias)):
        return handle_torch_function(f, (input, weight, bias), input, weight, bias, *args)
    return NotImplemented


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0,
           dilation: Any = 1, groups: int = 1) -> Tensor:
    """conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor: a 1-D
    convolution (cross-correlation) of input (N, C_in, L) or (C_in, L) with weight (C_out, C_in/groups, k).

    padding: an int, a tuple, 'valid' (none) or 'same' (output as long as the input; stride 1)."""
    r = _dispatch(conv1d, input, weight, bias, (stride, padding, dilation, groups))
    if r is not NotImplemented:
        return r
    return _conv("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0,
           dilation: Any = 1, groups: int = 1) -> Tensor:
    """conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor: a 2-D
    convolution (cross-correlation) of input (N, C_in, H, W) or (C_in, H, W) with weight
    (C_out, C_in/groups, kH, kW).

    padding: an int, a tuple, 'valid' (none) or 'same' (output as large as the input; stride 1)."""
    r = _dispatch(conv2d, input, weight, bias, (stride, padding, dilation, groups))
    if r is not NotImplemented:
        return r
    return _conv("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0,
           dilation: Any = 1, groups: int = 1) -> Tensor:
    """conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor: a 3-D
    convolution (cross-correlation) of input (N, C_in, D, H, W) or (C_in, D, H, W) with weight
    (C_out, C_in/groups, kD, kH, kW).

    padding: an int, a tuple, 'valid' (none) or 'same' (output as large as the input; stride 1)."""
    r = _dispatch(conv3d, input, weight, bias, (stride, padding, dilation, groups))
    if r is not NotImplemented:
        return r
    return _conv("conv3d", 3, input, weight, bias, stride, padding, dilation, groups)


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0,
                     output_padding: Any = 0, groups: int = 1, dilation: Any = 1) -> Tensor:
    """conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
    dilation=1) -> Tensor: the transposed 1-D convolution (the gradient of conv1d for its input) of
    input (N, C_in, L) with weight (C_in, C_out/groups, k). Output length:
    (L - 1)·stride - 2·padding + dilation·(k - 1) + output_padding + 1."""
    r = _dispatch(conv_transpose1d, input, weight, bias, (stride, padding, output_padding, groups, dilation))
    if r is not NotImplemented:
        return r
    return _conv("conv_transpose1d", 1, input, weight, bias, stride, padding, dilation, groups, True, output_padding)


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0,
                     output_padding: Any = 0, groups: int = 1, dilation: Any = 1) -> Tensor:
    """conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
    dilation=1) -> Tensor: the transposed 2-D convolution ("deconvolution": the gradient of conv2d
    for its input) of input (N, C_in, H, W) with weight (C_in, C_out/groups, kH, kW)."""
    r = _dispatch(conv_transpose2d, input, weight, bias, (stride, padding, output_padding, groups, dilation))
    if r is not NotImplemented:
        return r
    return _conv("conv_transpose2d", 2, input, weight, bias, stride, padding, dilation, groups, True, output_padding)


def conv_transpose3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0,
                     output_padding: Any = 0, groups: int = 1, dilation: Any = 1) -> Tensor:
    """conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
    dilation=1) -> Tensor: the transposed 3-D convolution of input (N, C_in, D, H, W) with weight
    (C_in, C_out/groups, kD, kH, kW)."""
    r = _dispatch(conv_transpose3d, input, weight, bias, (stride, padding, output_padding, groups, dilation))
    if r is not NotImplemented:
        return r
    return _conv("conv_transpose3d", 3, input, weight, bias, stride, padding, dilation, groups, True, output_padding)

