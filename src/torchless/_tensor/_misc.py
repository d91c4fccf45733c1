"""Misc ops of issue 12's masked / signal / misc family, as Tensor methods and torch functions:
the torch-level window functions (hann_window ...), complex numbers from parts (complex, polar),
the out-of-place fill, the complex casts (cfloat, cdouble; chalf and bfloat16 have no NumPy dtype),
tensors of given strides or layout (empty_strided, empty_permuted, new_empty_strided), resize_ and
resize_as_, constant_pad_nd, and torch.gradient (built from differentiable slices, as PyTorch's
composite is).
"""
from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Optional

import numpy as np

from .. import _args, _dtype as D
from ._core import _bump_version, _plain, apply, device as D_device
if TYPE_CHECKING:  # annotations name the final class, assembled in _tensor/__init__.py from the mixins
    from . import Tensor
else:  # at run time: _core's name, rebound to the final class by bind_tensor_class
    from ._core import Tensor
from ._shape import cat
from .creation import _finish, _linspace, empty
from ._reduction import _return_type, return_types
from ..overrides import handle_torch_function, has_torch_function
from ..ops.misc import ComplexBackward0, FillBackward0, FillBackward1, PolarBackward0
from ..ops.nn import ConstantPadNdBackward0

__all__ = ["hann_window", "hamming_window", "blackman_window", "bartlett_window", "kaiser_window", "complex",
           "polar", "fill", "empty_strided", "empty_permuted", "resize_as_", "constant_pad_nd", "gradient",
           "histogramdd", "stft", "istft", "svd_lowrank", "pca_lowrank"]

_SCALAR = D.SCALAR_TYPE_NAMES


# ---------------------------------------------------------------------------- window functions
def _window_dtype(name: str, length: int, dtype: Optional[D.dtype], layout: Any, periodic: Any = True) -> np.dtype:
    if type(length) is not int or type(periodic) is not bool:
        _args.int_arg(length, name, "window_length", 1)
        _args.bool_arg(periodic, name, "periodic", 2)
    if dtype is None:
        dtype = D.get_default_dtype()
    if layout is not None and str(layout) != "torch.strided":
        raise RuntimeError(f"{name} is not implemented for sparse types, got: {layout}")
    if not dtype.is_floating_point:
        raise RuntimeError(f"{name} expects floating point dtypes, got: {dtype}")
    if length < 0:
        raise RuntimeError(f"{name} requires non-negative window_length, got window_length={length}")
    return dtype.np


def _window(values: Any, length: int, periodic: bool, np_dtype: np.dtype, device: Any, requires_grad: bool) -> Tensor:
    """The window `values(n)` (n = the sample count of the symmetric window) as a tensor: empty for
    length 0, [1.] for length 1, the symmetric window of length + 1 less its last sample if periodic."""
    if length == 0:
        arr = np.zeros(0, np_dtype)
    elif length == 1:
        arr = np.ones(1, np_dtype)
    else:
        n = length + 1 if periodic else length
        work = np.float32 if np_dtype == np.float16 else np_dtype.type
        arr = np.asarray(values(n, work), dtype=work)[:length].astype(np_dtype)
    return _finish(arr, requires_grad, device)


def _cosine_sum(coefficients: Sequence[float]) -> Any:
    def values(n: int, work: Any) -> np.ndarray:
        k = np.arange(n, dtype=work) * work(2 * math.pi / (n - 1))
        out = np.full(n, work(coefficients[0]), dtype=work)
        for i, c in enumerate(coefficients[1:], 1):
            out = out + work(c) * np.cos(work(i) * k)
        return out
    return values


def hann_window(window_length: int, periodic: bool = True, *, dtype: Optional[D.dtype] = None, layout: Any = None,
                device: Any = None, requires_grad: bool = False) -> Tensor:
    """hann_window(window_length, periodic=True, *, dtype=None, ...) -> Tensor: the Hann window
    0.5 - 0.5 cos(2 pi n / (N - 1)), N = window_length + 1 if periodic (its last sample dropped)."""
    np_dtype = _window_dtype("hann_window", window_length, dtype, layout, periodic)
    return _window(_cosine_sum((0.5, -0.5)), window_length, periodic, np_dtype, device, requires_grad)


def hamming_window(window_length: int, periodic: bool = True, alpha: float = 0.54, beta: float = 0.46, *,
                   dtype: Optional[D.dtype] = None, layout: Any = None, device: Any = None,
                   requires_grad: bool = False) -> Tensor:
    """hamming_window(window_length, periodic=True, alpha=0.54, beta=0.46, *, dtype=None, ...) -> Tensor:
    the Hamming window alpha - beta cos(2 pi n / (N - 1))."""
    np_dtype = _window_dtype("hamming_window", window_length, dtype, layout, periodic)
    return _window(_cosine_sum((alpha, -beta)), window_length, periodic, np_dtype, device, requires_grad)


def blackman_window(window_length: int, periodic: bool = True, *, dtype: Optional[D.dtype] = None,
                    layout: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """blackman_window(window_length, periodic=True, *, dtype=None, ...) -> Tensor: the Blackman window
    0.42 - 0.5 cos(2 pi n / (N - 1)) + 0.08 cos(4 pi n / (N - 1))."""
    np_dtype = _window_dtype("blackman_window", window_length, dtype, layout, periodic)
    return _window(_cosine_sum((0.42, -0.5, 0.08)), window_length, periodic, np_dtype, device, requires_grad)


def bartlett_window(window_length: int, periodic: bool = True, *, dtype: Optional[D.dtype] = None,
                    layout: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """bartlett_window(window_length, periodic=True, *, dtype=None, ...) -> Tensor: the triangular window
    1 - |2 n / (N - 1) - 1|."""
    np_dtype = _window_dtype("bartlett_window", window_length, dtype, layout, periodic)

    def values(n: int, work: Any) -> np.ndarray:
        k = np.arange(n, dtype=work) * work(2.0 / (n - 1))
        half = ((n - 1) >> 1) + 1
        k[half:] = work(2) - k[half:]
        return k
    return _window(values, window_length, periodic, np_dtype, device, requires_grad)


def kaiser_window(window_length: int, periodic: bool = True, beta: float = 12.0, *, dtype: Optional[D.dtype] = None,
                  layout: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """kaiser_window(window_length, periodic=True, beta=12.0, *, dtype=None, ...) -> Tensor: the Kaiser
    window I0(beta sqrt(1 - ((n - (N-1)/2) / ((N-1)/2))**2)) / I0(beta)."""
    np_dtype = _window_dtype("kaiser_window", window_length, dtype, layout, periodic)
    from ..backend.special import i0 as _i0

    def values(n: int, work: Any) -> np.ndarray:
        alpha = (n - 1) / 2.0
        ratio = (np.arange(n, dtype=np.float64) - alpha) / alpha
        arg = beta * np.sqrt(np.maximum(1 - ratio * ratio, 0.0))
        return _i0(arg) / _i0(np.array(float(beta)))
    return _window(values, window_length, periodic, np_dtype, device, requires_grad)


# ---------------------------------------------------------------------------- complex, polar
def _parts(name: str, a: Any, b: Any, names: tuple[str, str]) -> None:
    for i, (x, arg) in enumerate(zip((a, b), names)):
        if not isinstance(x, Tensor):
            raise TypeError(f"{name}(): argument '{arg}' (position {i + 1}) must be Tensor, not {type(x).__name__}")
    da, db = a.dtype, b.dtype
    if not (da in (D.float16, D.float32, D.float64) and db in (D.float16, D.float32, D.float64)):
        raise RuntimeError(f"Expected both inputs to be Half, Float or Double tensors but got "
                           f"{_SCALAR[da.name]} and {_SCALAR[db.name]}")
    if da is not db:
        raise RuntimeError(f"Expected object of scalar type {_SCALAR[da.name]} but got scalar type "
                           f"{_SCALAR[db.name]} for second argument")
    if da is D.float16:
        raise TypeError(f"{name}() of float16 tensors is complex32 (torch.chalf), a dtype torchless cannot "
                        "represent (its arrays have no such type); convert the parts to float32 first")


def _complex_out(result: Tensor, out: Optional[Tensor]) -> Tensor:
    if out is None:
        return result
    if out.dtype is not result.dtype:
        raise RuntimeError(f"Expected object of scalar type {_SCALAR[result.dtype.name]} but got scalar type "
                           f"{_SCALAR[out.dtype.name]} for argument 'out'")
    if tuple(out.shape) != tuple(result.shape):
        out._data = np.empty(result._data.shape, out._data.dtype)
    np.copyto(out._data, result._data)
    _bump_version(out)
    return out


def complex(real: Tensor, imag: Tensor, *, out: Optional[Tensor] = None) -> Tensor:
    """complex(real, imag, *, out=None) -> Tensor: the complex tensor real + i·imag (float32 parts give
    complex64, float64 parts complex128; the parts broadcast)."""
    if (type(real) is not Tensor or type(imag) is not Tensor) and has_torch_function((real, imag)):
        return handle_torch_function(complex, (real, imag), real, imag, out=out)  # a tensor-like (vmap's)
    _parts("complex", real, imag, ("real", "imag"))
    return _complex_out(apply(ComplexBackward0, real, imag), out)


def polar(abs: Tensor, angle: Tensor, *, out: Optional[Tensor] = None) -> Tensor:
    """polar(abs, angle, *, out=None) -> Tensor: the complex tensor abs·(cos(angle) + i·sin(angle))."""
    if (type(abs) is not Tensor or type(angle) is not Tensor) and has_torch_function((abs, angle)):
        return handle_torch_function(polar, (abs, angle), abs, angle, out=out)  # a tensor-like (vmap's)
    _parts("polar", abs, angle, ("abs", "angle"))
    return _complex_out(apply(PolarBackward0, abs, angle), out)


# ---------------------------------------------------------------------------- fill
def fill(input: Tensor, value: Any) -> Tensor:
    """fill(input, value) -> Tensor: a new tensor of input's shape and dtype with every element `value`
    (a number or a 0-d tensor; the out-of-place form of Tensor.fill_)."""
    if (type(input) is not Tensor or (isinstance(value, Tensor) and type(value) is not Tensor)) and \
            has_torch_function((input, value)):
        return handle_torch_function(fill, (input, value), input, value)  # a tensor-like (vmap's)
    if isinstance(value, Tensor):
        if value._data.ndim != 0:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                               f"{value._data.ndim} dimensions.")
        return apply(FillBackward1, input, value)
    if not isinstance(value, (numbers.Number, np.generic)):
        raise TypeError(f"fill(): argument 'value' (position 2) must be Number, not {type(value).__name__}")
    if isinstance(value, (builtins_complex, np.complexfloating)) and not input.is_complex():
        raise RuntimeError(f"value cannot be converted to type {input.dtype.name} without overflow")
    return apply(FillBackward0, input, value)


builtins_complex = type(1j)


# ---------------------------------------------------------------------------- strided creation
def _ints(name: str, seq: Any, what: str, position: Optional[int] = None) -> tuple[int, ...]:
    return _args.int_list_arg(seq, name, what, position)


def empty_strided(size: Sequence[int], stride: Sequence[int], *, dtype: Optional[D.dtype] = None, layout: Any = None,
                  device: Any = None, requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """empty_strided(size, stride, *, dtype=None, device=None, requires_grad=False) -> Tensor: an
    uninitialized tensor of `size` whose elements lie `stride` apart in a storage of its own."""
    shape, strides = _ints("empty_strided", size, "size", 1), _ints("empty_strided", stride, "stride", 2)
    if len(shape) != len(strides):
        raise RuntimeError(f"mismatch in length of strides and shape")
    if any(s < 0 for s in shape):
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(shape)}: {list(shape)}")
    if any(s < 0 for s in strides):
        raise RuntimeError("as_strided: Negative strides are not supported at the moment, got strides: "
                           f"{list(strides)}")
    storage = 0 if 0 in shape else 1 + sum((n - 1) * s for n, s in zip(shape, strides))
    np_dtype = (dtype or D.get_default_dtype()).np
    base = np.zeros(storage, np_dtype)
    arr = np.lib.stride_tricks.as_strided(base, shape, tuple(s * base.itemsize for s in strides))
    return _finish(arr, requires_grad, device)


def empty_permuted(size: Sequence[int], physical_layout: Sequence[int], *, dtype: Optional[D.dtype] = None,
                   layout: Any = None, device: Any = None, requires_grad: bool = False,
                   pin_memory: bool = False) -> Tensor:
    """empty_permuted(size, physical_layout, *, dtype=None, ...) -> Tensor: an uninitialized tensor of
    `size` whose dims lie in memory in the order `physical_layout` (outermost first)."""
    shape = _ints("empty_permuted", size, "size", 1)
    order = _ints("empty_permuted", physical_layout, "physical_layout", 2)
    if len(shape) != len(order):
        raise RuntimeError("Number of dimensions in size does not match the length of the physical_layout; "
                           f"i.e. len(size) = {len(shape)} is not equal to len(physical_layout) = {len(order)}")
    seen = set()
    for d in order:
        if d < -len(shape) or d >= max(len(shape), 1):
            raise RuntimeError(f"Dimension out of range (expected to be in range of [{-len(shape)}, "
                             f"{len(shape) - 1}], but got {d})")
        d = d % max(len(shape), 1)
        if d in seen:
            raise RuntimeError("Duplicate dim not allowed")
        seen.add(d)
    physical = empty([shape[d] for d in order], dtype=dtype, device=device)
    inverse = [0] * len(order)
    for i, d in enumerate(order):
        inverse[d % len(order)] = i
    out = _plain(physical._data.transpose(inverse) if inverse else physical._data)
    return out.requires_grad_(True) if requires_grad else out


def new_empty_strided(self: Tensor, size: Sequence[int], stride: Sequence[int], *, dtype: Optional[D.dtype] = None,
                      layout: Any = None, device: Any = None, requires_grad: bool = False,
                      pin_memory: bool = False) -> Tensor:
    """new_empty_strided(size, stride, *, dtype=None, device=None, requires_grad=False) -> Tensor: an
    uninitialized tensor of `size` and `stride`, of this tensor's dtype unless `dtype` is given."""
    return empty_strided(size, stride, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)


# ---------------------------------------------------------------------------- resize
def _resize(self: Tensor, shape: tuple[int, ...]) -> Tensor:
    if any(s < 0 for s in shape):
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(shape)}: {list(shape)}")
    if self._rg:
        raise RuntimeError("cannot resize variables that require grad")
    flat = np.ascontiguousarray(self._data).reshape(-1)
    n = int(np.prod(shape, dtype=np.int64))
    if n <= flat.size:
        data = flat[:n].reshape(shape)
    else:  # grown: the new elements are uninitialized in PyTorch (zeros here)
        data = np.zeros(n, flat.dtype)
        data[:flat.size] = flat
        data = data.reshape(shape)
    self._data = data
    _bump_version(self)
    return self


def resize_(self: Tensor, *sizes: Any, memory_format: Any = None) -> Tensor:
    """resize_(*sizes, memory_format=None) -> Tensor: this tensor made `sizes` in place, its elements
    read in row-major order (kept as far as they go; new ones uninitialized). Returns self."""
    return _resize(self, _args.size_args(sizes, "resize_"))


def resize_as_(input: Tensor, the_template: Tensor, *, memory_format: Any = None) -> Tensor:
    """resize_as_(input, the_template, *, memory_format=None) -> Tensor: input resized in place to the
    template's shape (as input.resize_(the_template.size()))."""
    if not isinstance(the_template, Tensor):
        raise TypeError(f"resize_as_(): argument 'the_template' (position 2) must be Tensor, not "
                        f"{type(the_template).__name__}")
    return _resize(input, tuple(the_template.shape))


# ---------------------------------------------------------------------------- constant_pad_nd
def constant_pad_nd(input: Tensor, pad: Sequence[int], value: Any = 0) -> Tensor:
    """constant_pad_nd(input, pad, value=0) -> Tensor: input grown (negative amounts: cropped) at the
    edges of its last len(pad) // 2 dims, last dim first (pad = (left, right, top, bottom, ...)), the
    new elements `value`. The op behind F.pad(mode='constant')."""
    if type(input) is not Tensor and has_torch_function((input,)):
        return handle_torch_function(constant_pad_nd, (input,), input, pad, value)  # a tensor-like (vmap's)
    if not isinstance(input, Tensor):
        raise TypeError(f"constant_pad_nd(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    amounts = _ints("constant_pad_nd", pad, "pad")
    if len(amounts) % 2:
        raise RuntimeError("Length of pad must be even but instead it equals " + str(len(amounts)))
    shape = input._data.shape
    ndim = len(shape)
    if len(amounts) // 2 > ndim:
        raise RuntimeError(f"Length of pad should be no more than twice the number of dimensions of the input. "
                           f"Pad length is {len(amounts)} while the input has {ndim} dimensions.")
    if isinstance(value, Tensor):
        value = value.item()
    out_shape, dst, src = list(shape), [slice(None)] * ndim, [slice(None)] * ndim
    for k in range(len(amounts) // 2):
        d = ndim - 1 - k
        lo, hi = amounts[2 * k], amounts[2 * k + 1]
        n = shape[d]
        size = n + lo + hi
        if size < 0:
            raise RuntimeError(f"The input size {n}, plus negative padding {lo} and {hi} resulted in a negative "
                               f"output size, which is invalid. Check dimension {d} of your input.")
        kept = max(n - max(-lo, 0) - max(-hi, 0), 0)
        out_shape[d] = size
        dst[d] = slice(max(lo, 0), max(lo, 0) + kept)
        src[d] = slice(max(-lo, 0), max(-lo, 0) + kept)
    return apply(ConstantPadNdBackward0, input, tuple(out_shape), tuple(dst), tuple(src), value)


# ---------------------------------------------------------------------------- gradient
def gradient(input: Tensor, *, spacing: Any = 1, dim: Any = None, edge_order: int = 1) -> tuple[Tensor, ...]:
    """gradient(input, *, spacing=1, dim=None, edge_order=1) -> tuple of Tensors: the derivative of the
    function sampled by `input` along each dim (every dim when dim is None), by central differences
    inside and one-sided differences of order `edge_order` (1 or 2) at the edges. `spacing`: one
    number for every dim, one number per dim, or one 1-D tensor of sample coordinates per dim."""
    ndim = input.ndim
    if dim is None:
        dims: list[int] = list(range(ndim))
        given = False
    else:
        given = True
        dims = [int(dim)] if isinstance(dim, numbers.Integral) else [int(d) for d in dim]
        for i, d in enumerate(dims):
            if d < -max(ndim, 1) or d >= max(ndim, 1):
                raise IndexError(f"Dimension out of range (expected to be in range of [{-max(ndim, 1)}, "
                                 f"{max(ndim, 1) - 1}], but got {d})")
            dims[i] = d % max(ndim, 1)
        for i, d in enumerate(dims):
            if d in dims[:i]:
                raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    if spacing is None:
        spacing = 1
    if isinstance(spacing, (list, tuple)):
        if len(spacing) != len(dims):
            if given:
                raise RuntimeError(f"torch.gradient expected spacing to be unspecified, a scalar or it's spacing "
                                   f"and dim arguments to have the same length, but got a spacing argument of "
                                   f"length {len(spacing)} and a dim argument of length {len(dims)}.")
            raise RuntimeError(f"torch.gradient expected spacing to be unspecified, a scalar, or a list of length "
                               f"equal to 'self.dim() = {ndim}', since dim argument was not given, but got a list "
                               f"of length {len(spacing)}")
        steps = list(spacing)
    else:
        steps = [spacing] * len(dims)
    if edge_order not in (1, 2):
        raise RuntimeError("torch.gradient only supports edge_order=1 and edge_order=2.")
    for d in dims:
        if input.shape[d] < edge_order + 1:
            raise RuntimeError("torch.gradient expected each dimension size to be at least edge_order+1")
    f = input
    if not (input.dtype.is_floating_point or input.dtype.is_complex):
        f = input.to(D.get_default_dtype())
    return tuple(_gradient_along(f, d, h, edge_order) for d, h in zip(dims, steps))


def _gradient_along(f: Tensor, d: int, h: Any, edge_order: int) -> Tensor:
    n = f.shape[d]

    def part(start: int, length: int) -> Tensor:
        return f.narrow(d, start, length)
    if isinstance(h, Tensor):
        if h.ndim != 1 or h.shape[0] != n:
            raise RuntimeError("torch.gradient expected each tensor to be on the same device, and to hold as "
                               f"many coordinates as dimension {d} has samples")
        view = [1] * f.ndim
        view[d] = -1
        x = h.to(f.dtype) if not (h.dtype.is_floating_point or h.dtype.is_complex) else h
        dx = (x[1:] - x[:-1]).reshape([n - 1] + [1] * (f.ndim - 1 - d)) if f.ndim else x[1:] - x[:-1]
        dx1, dx2 = dx[:-1], dx[1:]
        a = -dx2 / (dx1 * (dx1 + dx2))
        b = (dx2 - dx1) / (dx1 * dx2)
        c = dx1 / (dx2 * (dx1 + dx2))
        interior = a * part(0, n - 2) + b * part(1, n - 2) + c * part(2, n - 2)
        if edge_order == 1:
            first = (part(1, 1) - part(0, 1)) / dx[:1]
            last = (part(n - 1, 1) - part(n - 2, 1)) / dx[n - 2:]
        else:
            d1, d2 = dx[:1], dx[1:2]
            first = (-(2 * d1 + d2) / (d1 * (d1 + d2)) * part(0, 1) + (d1 + d2) / (d1 * d2) * part(1, 1)
                     - d1 / (d2 * (d1 + d2)) * part(2, 1))
            d1, d2 = dx[n - 3:n - 2], dx[n - 2:]
            last = (d2 / (d1 * (d1 + d2)) * part(n - 3, 1) - (d2 + d1) / (d1 * d2) * part(n - 2, 1)
                    + (2 * d2 + d1) / (d2 * (d1 + d2)) * part(n - 1, 1))
    else:
        if isinstance(h, (np.generic,)):
            h = h.item()
        interior = (part(2, n - 2) - part(0, n - 2)) / (2 * h)
        if edge_order == 1:
            first = (part(1, 1) - part(0, 1)) / h
            last = (part(n - 1, 1) - part(n - 2, 1)) / h
        else:
            first = (-1.5 * part(0, 1) + 2 * part(1, 1) - 0.5 * part(2, 1)) / h
            last = (0.5 * part(n - 3, 1) - 2 * part(n - 2, 1) + 1.5 * part(n - 1, 1)) / h
    return cat([first, interior, last], d)


# ---------------------------------------------------------------------------- histogramdd
return_types.__dict__.setdefault("histogramdd", _return_type("histogramdd", ("hist", "bin_edges")))


def histogramdd(input: Tensor, bins: Any = 10, *, range: Optional[Sequence[float]] = None,
                weight: Optional[Tensor] = None, density: bool = False) -> Any:
    """histogramdd(input, bins, *, range=None, weight=None, density=False) -> (hist, bin_edges)

    The D-dimensional histogram of the points in input's rows (its innermost dim holds each point's
    D coordinates), as `torch.return_types.histogramdd(hist, bin_edges)`. `bins`: one count for every
    dim, one count per dim (equal-width bins over `range`, given as (min0, max0, min1, max1 ...), or
    the data's own range), or one 1-D tensor of increasing edges per dim. Each bin holds
    [left, right) but the last, [left, right]; points outside are left out. `weight` (one per point)
    sums weights instead of counting; `density` scales hist to integrate to 1."""
    if not isinstance(bins, numbers.Integral):  # an int, a list of ints or a list of tensors (PyTorch's overloads)
        if not isinstance(bins, (list, tuple)):
            raise TypeError(f"histogramdd() received an invalid combination of arguments - got (Tensor, "
                            f"{_args.type_name(bins)}): bins must be an int, a list of ints or a list of tensors")
        if not all(isinstance(b, numbers.Integral) for b in bins):
            _args.tensor_elements(bins, Tensor, 1)
    a = input._data
    if a.dtype.kind != "f":
        raise NotImplementedError(f"\"histogramdd\" not implemented for '{_SCALAR[input.dtype.name]}'")
    if a.ndim < 1:
        raise RuntimeError("torch.histogramdd: input tensor should have at least 1 dimension")
    dims = a.shape[-1]
    points = a.reshape(-1, dims)
    if isinstance(bins, numbers.Integral):
        bins = [int(bins)] * dims
    bins = list(bins)
    if len(bins) != dims:
        raise RuntimeError("histogramdd: The size of bins must be equal to the innermost dimension of the input.")
    if range is not None and len(range) != 2 * dims:
        raise RuntimeError(f"torch.histogramdd: for a {dims}-dimensional histogram range should have {2 * dims} "
                           f"elements, but got {len(range)}")
    edges = []
    for d, b in enumerate(bins):
        if isinstance(b, Tensor):
            if range is not None:
                raise TypeError("histogramdd(): pass range only with numbers of bins, not with bin edges")
            e = b._data
            if e.dtype != a.dtype:
                raise RuntimeError(f"torch.histogramdd: input tensor and bins tensors should have the same dtype, "
                                   f"but got input {input.dtype.name} and bins {b.dtype.name}")
            if e.ndim != 1 or e.size < 1:
                raise RuntimeError("torch.histogramdd: bins tensor should have one dimension and at least 1 "
                                   f"element, but got {e.ndim} dimensions and {e.size} elements")
            edges.append(e.copy())
            continue
        n = int(b)
        if n <= 0:
            raise RuntimeError(f"torch.histogramdd(): bins must be > 0, but got {n} for dimension {d}")
        if range is not None:
            lo, hi = float(range[2 * d]), float(range[2 * d + 1])
        elif points.shape[0]:
            lo, hi = float(points[:, d].min()), float(points[:, d].max())
        else:
            lo, hi = 0.0, 0.0
        if lo > hi:
            raise RuntimeError(f"torch.histogramdd(): min should not exceed max, but got min {lo} max {hi} for "
                               f"dimension {d}")
        if not (math.isfinite(lo) and math.isfinite(hi)):
            raise RuntimeError(f"torch.histogramdd(): range of [{lo}, {hi}] is not finite for dimension {d}")
        if lo == hi and not points.shape[0] and range is None:
            lo, hi = 0.0, 1.0
        elif lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        edges.append(_linspace(lo, hi, n + 1, a.dtype))
    w = None
    if weight is not None:
        if tuple(weight.shape) != a.shape[:-1]:
            raise RuntimeError("torch.histogramdd: if weight tensor is provided it should have the same shape as "
                               "the input tensor excluding its innermost dimension, but got input with shape "
                               f"{list(a.shape)} and weight with shape {list(weight.shape)}")
        if weight._data.dtype != a.dtype:
            raise RuntimeError("torch.histogramdd: if weight tensor is provided it should have the same dtype as "
                               "the input tensor")
        w = weight._data.reshape(-1).astype(np.float64)
    counts = [e.size - 1 for e in edges]
    keep = np.ones(points.shape[0], bool)
    index = np.zeros(points.shape[0], np.int64)
    for d, e in enumerate(edges):
        x = points[:, d]
        keep &= (x >= e[0]) & (x <= e[-1])
        nb = counts[d]
        pos = np.minimum(np.searchsorted(e, x, side="right") - 1, max(nb - 1, 0)) if nb > 0 else np.zeros_like(index)
        index = index * nb + np.clip(pos, 0, None)
    total = int(np.prod(counts, dtype=np.int64))
    flat: np.ndarray = np.zeros(0)
    if total:
        flat = np.bincount(index[keep], weights=None if w is None else w[keep], minlength=total)[:total]
    hist = flat.reshape(counts).astype(a.dtype)
    if density:
        volume = np.ones(counts, np.float64)
        for d, e in enumerate(edges):
            shape = [1] * dims
            shape[d] = -1
            volume = volume * np.diff(e.astype(np.float64)).reshape(shape)
        hist = (hist / (hist.astype(np.float64).sum() * volume)).astype(a.dtype)
    return return_types.histogramdd((_plain(hist), tuple(_plain(e) for e in edges)))


# ---------------------------------------------------------------------------- stft, istft
def _stft_window(window: Optional[Tensor], win_length: int, n_fft: int, like: Tensor, where: str) -> Tensor:
    """The window of length n_fft: `window` (ones when None) centred with zeros on either side."""
    if window is None:
        from .creation import ones
        w = ones(win_length, dtype=like.dtype.to_real() if like.dtype.is_complex else like.dtype)
    else:
        if window.ndim != 1 or window.shape[0] != win_length:
            raise RuntimeError(f"{where}: expected a 1D window tensor of size equal to win_length={win_length}, but "
                               f"got window with size {list(window.shape)}")
        w = window
    if win_length < n_fft:
        left = (n_fft - win_length) // 2
        w = constant_pad_nd(w, (left, n_fft - win_length - left), 0)
    return w


def _pad_ends(x: Tensor, p: int, mode: str) -> Tensor:
    """x padded by p samples at both ends of its last dim (pad_mode of stft's center=True)."""
    n = x.shape[-1]
    if p == 0:
        return x
    if mode == "constant":
        return constant_pad_nd(x, (p, p), 0)
    if mode == "reflect":
        if p >= n:
            raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding input dimension, "
                               f"but got: padding ({p}, {p}) at dimension {x.ndim - 1} of input {list(x.shape)}")
        left, right = x.narrow(-1, 1, p).flip(-1), x.narrow(-1, n - 1 - p, p).flip(-1)
    elif mode == "replicate":
        left = x.narrow(-1, 0, 1).expand(*x.shape[:-1], p)
        right = x.narrow(-1, n - 1, 1).expand(*x.shape[:-1], p)
    elif mode == "circular":
        if p > n:
            raise RuntimeError("Padding value causes wrapping around more than once.")
        left, right = x.narrow(-1, n - p, p), x.narrow(-1, 0, p)
    else:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    return cat([left, x, right], -1)


def stft(input: Tensor, n_fft: int, hop_length: Optional[int] = None, win_length: Optional[int] = None,
         window: Optional[Tensor] = None, center: bool = True, pad_mode: str = "reflect", normalized: bool = False,
         onesided: Optional[bool] = None, return_complex: Optional[bool] = None,
         align_to_window: Optional[bool] = None) -> Tensor:
    """stft(input, n_fft, hop_length=None, win_length=None, window=None, center=True, pad_mode='reflect',
    normalized=False, onesided=None, return_complex=None) -> Tensor

    The short-time Fourier transform of a 1-D signal (or a batch of them, 2-D): the FFT of each frame
    of n_fft samples, hop_length (n_fft // 4) apart, multiplied by `window` (win_length long, centred in
    n_fft; rectangular by default), of shape (batch?, n_fft // 2 + 1 (onesided) or n_fft, frames).
    center=True pads the signal by n_fft // 2 at both ends (pad_mode) so that frame t is centred on
    sample t * hop_length; normalized scales by n_fft ** -0.5. A real input needs return_complex
    (False gives view_as_real of the result). Built from differentiable ops."""
    if type(n_fft) is not int:
        n_fft = _args.int_arg(n_fft, "stft", "n_fft", 2)
    if return_complex is None and not (input.is_complex() or (window is not None and window.is_complex())):
        raise RuntimeError("stft requires the return_complex parameter be given for real inputs, and will further "
                           "require that return_complex=True in a future PyTorch release.")
    if center:
        if input.ndim not in (1, 2):
            raise RuntimeError("stft: expected a 1D or 2D tensor")
        input = _pad_ends(input, n_fft // 2, pad_mode)
    if hop_length is None:
        hop_length = n_fft // 4
    if win_length is None:
        win_length = n_fft
    if align_to_window is not None and center:
        raise RuntimeError("stft: align_to_window should only be set when center = false")
    where = "stft"
    if input.ndim not in (1, 2):
        raise RuntimeError(f"{where}: expected a 1D or 2D tensor")
    batched = input.ndim == 2
    x = input if batched else input.unsqueeze(0)
    length = x.shape[-1]
    if not 0 < n_fft <= length:
        raise RuntimeError(f"{where}: expected 0 < n_fft < {length}, but got n_fft={n_fft}")
    if hop_length <= 0:
        raise RuntimeError(f"{where}: expected hop_length > 0, but got hop_length={hop_length}")
    if not 0 < win_length <= n_fft:
        raise RuntimeError(f"{where}: expected 0 < win_length <= n_fft, but got win_length={win_length}")
    w = _stft_window(window, win_length, n_fft, x, where)
    complex_case = x.is_complex() or w.is_complex()
    if onesided is None:
        onesided = not complex_case
    elif onesided and complex_case:
        raise RuntimeError("Cannot have onesided output if window or input is complex")
    if align_to_window:
        start = (n_fft - win_length) // 2
        x = x.narrow(-1, start, length - start)
    if x.dtype != w.dtype and not complex_case:
        w = w.to(x.dtype)
    frames = x.unfold(-1, n_fft, hop_length) * w  # (batch, frames, n_fft)
    from ._fft import fft as _fft_module
    norm = "ortho" if normalized else "backward"
    spectrum = _fft_module.rfft(frames, dim=-1, norm=norm) if onesided else _fft_module.fft(frames, dim=-1, norm=norm)
    out = spectrum.transpose(-1, -2)
    if not batched:
        out = out.squeeze(0)
    if return_complex is False:
        from ._shape_index import view_as_real
        return view_as_real(out)
    return out


def istft(input: Tensor, n_fft: int, hop_length: Optional[int] = None, win_length: Optional[int] = None,
          window: Optional[Tensor] = None, center: bool = True, normalized: bool = False,
          onesided: Optional[bool] = None, length: Optional[int] = None, return_complex: bool = False) -> Tensor:
    """istft(input, n_fft, hop_length=None, win_length=None, window=None, center=True, normalized=False,
    onesided=None, length=None, return_complex=False) -> Tensor

    The inverse of stft: each frame's inverse FFT, multiplied by the window, overlap-added and divided
    by the overlap-added squared window (which must not vanish anywhere). `input` is stft's complex
    output (batch?, freqs, frames); `length` trims or zero-pads the signal. Built from differentiable
    ops."""
    if type(n_fft) is not int:
        n_fft = _args.int_arg(n_fft, "istft", "n_fft", 2)
    if not input.is_complex():
        raise RuntimeError("istft requires a complex-valued input tensor matching the output from stft with "
                           "return_complex=True.")
    if hop_length is None:
        hop_length = n_fft // 4
    if win_length is None:
        win_length = n_fft
    where = "istft"
    if input.ndim not in (2, 3):
        raise RuntimeError(f"{where}: expected a tensor with 2 or 3 dimensions of complex dtype, but got "
                           f"{input.ndim}")
    batched = input.ndim == 3
    x = input if batched else input.unsqueeze(0)
    n_freq, n_frames = x.shape[-2], x.shape[-1]
    if onesided is None:
        onesided = n_freq != n_fft
    if onesided:
        if n_fft // 2 + 1 != n_freq:
            raise RuntimeError(f"{where}: expected the frequency dimension (3rd to the last) of the input tensor to "
                               f"match n_fft / 2 + 1 when onesided=True, but got {n_freq}")
    elif n_fft != n_freq:
        raise RuntimeError(f"{where}: expected the frequency dimension (3rd to the last) of the input tensor to "
                           f"match n_fft when onesided=False, but got {n_freq}")
    if not 0 < hop_length <= win_length:
        raise RuntimeError(f"{where}: expected 0 < hop_length <= win_length")
    if not 0 < win_length <= n_fft:
        raise RuntimeError(f"{where}: expected 0 < win_length <= n_fft")
    w = _stft_window(window, win_length, n_fft, x.real, where)
    if return_complex:
        if onesided:
            raise RuntimeError("Cannot have onesided output if window or input is complex")
    elif w.is_complex():
        raise RuntimeError("Complex windows are incompatible with return_complex=False")
    from ._fft import fft as _fft_module
    norm = "ortho" if normalized else "backward"
    spectra = x.transpose(-1, -2)  # (batch, frames, freqs)
    if return_complex:
        frames = _fft_module.ifft(spectra, n_fft, dim=-1, norm=norm)
    else:
        if not onesided:
            spectra = spectra.narrow(-1, 0, n_fft // 2 + 1)
        frames = _fft_module.irfft(spectra, n_fft, dim=-1, norm=norm)
    frames = frames * w
    expected = n_fft + hop_length * (n_frames - 1)
    from .creation import zeros, arange
    positions = (arange(n_frames).unsqueeze(-1) * hop_length + arange(n_fft)).reshape(-1)
    batch = frames.shape[0]
    signal = zeros(batch, expected, dtype=frames.dtype).index_add(-1, positions, frames.reshape(batch, -1))
    w2 = (w * w.conj()).real if w.is_complex() else w * w
    envelope = zeros(expected, dtype=w2.dtype).index_add(0, positions, w2.expand(n_frames, n_fft).reshape(-1))
    start = n_fft // 2 if center else 0
    if length is not None:
        end = start + length
    else:
        end = expected - n_fft // 2 if center else expected
    end = min(end, expected)
    signal = signal.narrow(-1, start, max(end - start, 0))
    envelope = envelope.narrow(0, start, max(end - start, 0))
    if envelope.numel() and float(envelope.abs().min()) < 1e-11:
        raise RuntimeError(f"{where} window overlap add min: {float(envelope.abs().min())}: the window's squares "
                           "overlap-added vanish somewhere, so the signal cannot be recovered (use a window that "
                           "overlaps, e.g. hann_window with hop_length <= n_fft // 2)")
    signal = signal / envelope
    if length is not None and signal.shape[-1] < length:
        signal = constant_pad_nd(signal, (0, length - signal.shape[-1]), 0)
    return signal if batched else signal.squeeze(0)


# ---------------------------------------------------------------------------- randomized low-rank SVD
def _approximate_basis(A: Tensor, q: int, niter: int, M: Optional[Tensor]) -> Tensor:
    """An orthonormal basis Q (m × q) of most of the range of A - M: a random projection refined by
    `niter` subspace (power) iterations, each re-orthonormalized by QR."""
    from .creation import randn
    from ._matrix import linalg

    def apply(X: Tensor, adjoint: bool) -> Tensor:
        op = A.mH if adjoint else A
        out = op @ X
        return out if M is None else out - (M.mH if adjoint else M) @ X
    R = randn(A.shape[-1], q, dtype=A.dtype)
    Q = linalg.qr(apply(R, False)).Q
    for _ in builtins_range(niter):
        Q = linalg.qr(apply(Q, True)).Q
        Q = linalg.qr(apply(Q, False)).Q
    return Q


builtins_range = range


def svd_lowrank(A: Tensor, q: Optional[int] = 6, niter: int = 2, M: Optional[Tensor] = None) -> tuple[Tensor, Tensor, Tensor]:
    """svd_lowrank(A, q=6, niter=2, M=None) -> (U, S, V)

    An approximate rank-q SVD of A - M (M: None, or a tensor of A's shape) by randomized range finding
    (Halko, Martinsson and Tropp): U (m × q), S (q), V (n × q) with A - M ≈ U diag(S) Vᴴ. Exact when
    A - M has rank at most q. The random projection is drawn from torchless's generator, so U and V
    match PyTorch's only where they are unique (up to the signs of their columns)."""
    from ._matrix import linalg
    q = 6 if q is None else q
    m, n = A.shape[-2], A.shape[-1]
    if m >= n:
        Q = _approximate_basis(A, q, niter, M)
        B = Q.mH @ (A if M is None else A - M)
        Ub, S, Vh = linalg.svd(B, full_matrices=False)
        return Q @ Ub, S, Vh.mH
    Q = _approximate_basis(A.mH, q, niter, None if M is None else M.mH)
    B = (A if M is None else A - M) @ Q
    U, S, Vh = linalg.svd(B, full_matrices=False)
    return U, S, Q @ Vh.mH


def pca_lowrank(A: Tensor, q: Optional[int] = None, center: bool = True, niter: int = 2) -> tuple[Tensor, Tensor, Tensor]:
    """pca_lowrank(A, q=None, center=True, niter=2) -> (U, S, V)

    The principal components of the rows of A by svd_lowrank of A less its column means (center=True):
    q (min(6, m, n) by default) components, V's columns the principal directions."""
    if not isinstance(A, Tensor):
        raise TypeError(f"input is expected to be a tensor, but got {type(A).__name__}")
    m, n = A.shape[-2], A.shape[-1]
    if q is None:
        q = min(6, m, n)
    elif not (q >= 0 and q <= min(m, n)):
        raise ValueError(f"q(={q}) must be non-negative integer and not greater than min(m, n)={min(m, n)}")
    if not niter >= 0:
        raise ValueError(f"niter(={niter}) must be non-negative integer")
    if center:
        A = A - A.mean(-2, keepdim=True)
    return svd_lowrank(A, q, niter=niter)


def _pinning_device(fn: str, device: Any) -> Optional[D_device]:
    """is_pinned's and pin_memory's deprecated `device` argument, checked as PyTorch checks it: None,
    a device or its name (returned as a device), or an accelerator's index (there is none)."""
    if device is None:
        return None
    warnings.warn(f"The argument 'device' of Tensor.{fn}() is deprecated. Please do not pass this argument.",
                  DeprecationWarning, stacklevel=3)
    if isinstance(device, (str, D_device)):
        return D_device(device)
    if isinstance(device, int) and not isinstance(device, bool):
        raise RuntimeError("Cannot access accelerator device when none is available.")
    raise TypeError(f"{fn}(): argument 'device' (position 1) must be torch.device, not {type(device).__name__}")


class MiscMethods:
    """Tensor methods of the masked / signal / misc family: the complex casts, new_empty_strided, resize_."""

    def cfloat(self, *, memory_format: Any = None) -> Tensor:
        """cfloat(memory_format=torch.preserve_format) -> Tensor: this tensor as complex64
        (self.to(torch.complex64))."""
        return self.to(D.complex64)  # type: ignore[attr-defined, no-any-return]

    def cdouble(self, *, memory_format: Any = None) -> Tensor:
        """cdouble(memory_format=torch.preserve_format) -> Tensor: this tensor as complex128
        (self.to(torch.complex128))."""
        return self.to(D.complex128)  # type: ignore[attr-defined, no-any-return]

    def chalf(self, memory_format: Any = None) -> Tensor:
        """chalf(): complex32 in PyTorch; NumPy has no complex32 dtype, so torchless raises TypeError."""
        raise TypeError("Tensor.chalf(): torch.complex32 (chalf) is a dtype torchless cannot "
                        "represent (its arrays have no such type); use .cfloat() (complex64) instead")

    def bfloat16(self, memory_format: Any = None) -> Tensor:
        """bfloat16(): bfloat16 in PyTorch; NumPy has no bfloat16 dtype, so torchless raises TypeError."""
        raise TypeError("Tensor.bfloat16(): torch.bfloat16 is a dtype torchless cannot represent (its "
                        "arrays have no such type); use .half() (float16) or .float() instead")

    new_empty_strided = new_empty_strided
    resize_ = resize_

    def dim_order(self, *, ambiguity_check: Any = False) -> tuple:
        """dim_order(*, ambiguity_check=False) -> tuple

        The dims from the outermost in memory to the innermost, by decreasing stride (a contiguous
        tensor gives 0, 1, ..., n - 1); dims that memory does not order (an expanded dim's stride 0)
        keep their place. With ambiguity_check=True, a RuntimeError where the order is not unique
        (equal strides, a dim of one element, an expanded dim)."""
        strides, shape = self.stride(), self._data.shape  # type: ignore[attr-defined]

        def outer(a: int, b: int) -> int:   # 1: dim a lies outside dim b, -1: inside, 0: no telling
            if strides[a] == 0 or strides[b] == 0:   # an expanded dim has no place in memory
                return 0
            if strides[a] != strides[b]:
                return 1 if strides[a] > strides[b] else -1
            return 1 if shape[a] > shape[b] else 0
        inner_first = list(reversed(range(len(strides))))
        for i in range(1, len(inner_first)):   # an insertion sort that leaves undecided pairs alone
            j = i
            for k in reversed(range(i)):
                step = outer(inner_first[k], inner_first[j])
                if step > 0:
                    inner_first[k], inner_first[j] = inner_first[j], inner_first[k]
                    j = k
                elif step < 0:
                    break
        order = tuple(reversed(inner_first))
        if ambiguity_check is True:
            if any(n == 1 for n in shape):   # PyTorch's two messages, as it tells the cases apart
                raise RuntimeError("The tensor does not have unique dim order, or cannot map to exact one of the "
                                   "given memory formats.")
            if len(set(strides)) != len(strides) or 0 in strides:
                raise RuntimeError("The tensor does not have unique dim order.")
        return order

    def to_dense(self, dtype: Any = None, *, masked_grad: Any = None) -> Tensor:
        """to_dense(dtype=None, *, masked_grad=None) -> Tensor

        A dense tensor of these values: this tensor itself (torchless's tensors are all dense and
        strided), or a copy in `dtype` when one is given."""
        if dtype is None:
            return self  # type: ignore[return-value]
        if not isinstance(dtype, D.dtype):
            raise TypeError(f"to_dense(): argument 'dtype' (position 1) must be torch.dtype, not {type(dtype).__name__}")
        return self.to(dtype)  # type: ignore[attr-defined, no-any-return]

    def const_data_ptr(self) -> int:
        """const_data_ptr() -> int

        The memory address of this tensor's first element (as data_ptr())."""
        return self.data_ptr()  # type: ignore[attr-defined, no-any-return]

    def is_pinned(self, device: Any = None) -> bool:
        """is_pinned() -> bool

        Whether this tensor sits in pinned (page-locked) memory for an accelerator: never in
        torchless, which has none."""
        _pinning_device("is_pinned", device)
        return False

    def pin_memory(self, device: Any = None) -> Tensor:
        """pin_memory() -> Tensor

        Pinned memory serves copies to an accelerator; with none available this raises PyTorch's
        RuntimeError, as a CPU-only PyTorch does (DataLoader(pin_memory=True) only warns)."""
        named = _pinning_device("pin_memory", device)
        if named is not None and named.type == "cpu":
            raise RuntimeError("CPU device type not an accelerator.")
        if named is not None:
            raise RuntimeError(f"pin_memory(): torchless runs on the CPU only: there is no {named.type} device.")
        raise RuntimeError("Cannot access accelerator device when none is available.")

    def stft(self, n_fft: int, hop_length: Optional[int] = None, win_length: Optional[int] = None,
             window: Optional[Tensor] = None, center: bool = True, pad_mode: str = "reflect", normalized: bool = False,
             onesided: Optional[bool] = None, return_complex: Optional[bool] = None,
             align_to_window: Optional[bool] = None) -> Tensor:
        """stft(n_fft, hop_length=None, win_length=None, window=None, center=True, pad_mode='reflect',
        normalized=False, onesided=None, return_complex=None) -> Tensor: torch.stft of this signal."""
        return stft(self, n_fft, hop_length, win_length, window, center, pad_mode,  # type: ignore[arg-type]
                    normalized, onesided, return_complex, align_to_window)

    def istft(self, n_fft: int, hop_length: Optional[int] = None, win_length: Optional[int] = None,
              window: Optional[Tensor] = None, center: bool = True, normalized: bool = False,
              onesided: Optional[bool] = None, length: Optional[int] = None, return_complex: bool = False) -> Tensor:
        """istft(n_fft, hop_length=None, win_length=None, window=None, center=True, normalized=False,
        onesided=None, length=None, return_complex=False) -> Tensor: torch.istft of this spectrogram."""
        return istft(self, n_fft, hop_length, win_length, window, center, normalized,  # type: ignore[arg-type]
                     onesided, length, return_complex)

    def resize_as_(self, the_template: Tensor, *, memory_format: Any = None) -> Tensor:
        """resize_as_(the_template, *, memory_format=None) -> Tensor: this tensor resized in place to the
        template's shape. Returns self."""
        return resize_as_(self, the_template)  # type: ignore[arg-type]
