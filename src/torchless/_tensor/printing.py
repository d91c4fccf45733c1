"""repr/str of tensors, identical to PyTorch's.

The rules, in the order they apply:

* A tensor over `threshold` elements is *summarized*: along every dimension longer than
  `2 * edgeitems` only the first and last `edgeitems` entries are shown, with `...` between.
* One formatter per tensor looks at every element that will be shown and picks a mode and a common
  width, so that columns line up:
    - integer dtypes and bool: `str(value)`;
    - floats whose finite non-zero values are all whole numbers: `4.` (no decimals);
    - otherwise `precision` decimals (`0.5000`);
    - scientific (`1.0000e+10`) when the largest/smallest finite non-zero magnitude exceeds 1000,
      the largest exceeds 1e8 or the smallest is under 1e-4 (`sci_mode` overrides this choice).
  Values are formatted as Python floats (float32 values converted exactly to double).
* A 1-d row is cut into lines of as many elements as fit in `linewidth` after the indent.
* Nested dimensions are joined with `,` plus one newline per remaining dimension, indented one
  column per bracket.
* Suffixes follow: `size=` (empty non-1-d tensors, or edgeitems == 0), `dtype=` (non-default
  dtypes; every dtype but the default float for empty tensors), then `grad_fn=<...>` or
  `requires_grad=True`, then `tangent=...` for a dual tensor (forward AD). A suffix that would pass
  `linewidth` goes on a new line.
"""
from __future__ import annotations

import math
from typing import Any, Dict, List, Optional, Union

import numpy as np

from .._dtype import FROM_NP, dtype as DType, get_default_dtype, int64 as _int64, bool as _bool
from ..engine import forward_ad as _forward_ad


class _PrintOptions:
    """The options torch.set_printoptions sets (one instance, PRINT_OPTS)."""

    __slots__ = ("precision", "threshold", "edgeitems", "linewidth", "sci_mode")

    def __init__(self) -> None:
        self.precision: int
        self.threshold: float
        self.edgeitems: int
        self.linewidth: int
        self.sci_mode: Optional[bool]
        self.precision = 4
        self.threshold = 1000
        self.edgeitems = 3
        self.linewidth = 80
        self.sci_mode = None


PRINT_OPTS = _PrintOptions()

# profile name -> (precision, threshold, edgeitems, linewidth)
_PROFILES = {
    "default": (4, 1000, 3, 80),
    "short": (2, 1000, 2, 80),
    "full": (4, math.inf, 3, 80),
}


def set_printoptions(precision: Optional[int] = None, threshold: Optional[float] = None,
                     edgeitems: Optional[int] = None, linewidth: Optional[int] = None,
                     profile: Optional[str] = None, sci_mode: Optional[bool] = None) -> None:
    """set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, sci_mode=None)

    How tensors print: `precision` decimals for floats (4), `threshold` elements before a tensor
    is summarized with `...` (1000), `edgeitems` shown at each end of a summarized dim (3),
    `linewidth` characters per line (80). A `profile` ('default', 'short' or 'full') sets those
    four first, the explicit options then apply on top of it. `sci_mode` True or False forces
    scientific notation on or off; it is reset on every call, and None lets each tensor choose.
    """
    if profile in _PROFILES:  # like PyTorch, an unknown profile name changes nothing
        (PRINT_OPTS.precision, PRINT_OPTS.threshold,
         PRINT_OPTS.edgeitems, PRINT_OPTS.linewidth) = _PROFILES[profile]
    if precision is not None:
        PRINT_OPTS.precision = precision
    if threshold is not None:
        PRINT_OPTS.threshold = threshold
    if edgeitems is not None:
        PRINT_OPTS.edgeitems = edgeitems
    if linewidth is not None:
        PRINT_OPTS.linewidth = linewidth
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions() -> Dict[str, Any]:
    """get_printoptions() -> dict

    The current print options, as keyword arguments for set_printoptions.
    """
    return {"precision": PRINT_OPTS.precision, "threshold": PRINT_OPTS.threshold,
            "edgeitems": PRINT_OPTS.edgeitems, "linewidth": PRINT_OPTS.linewidth,
            "sci_mode": PRINT_OPTS.sci_mode}


# --------------------------------------------------------------------------------------- formatters
class _Formatter:
    """Formats one real element; the mode and width come from all the elements shown."""

    __slots__ = ("floating", "int_mode", "sci_mode", "max_width", "spec")

    def __init__(self, shown: np.ndarray) -> None:
        """shown: a flat ndarray of every element that will be printed."""
        self.floating = shown.dtype.kind == "f"
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        self.spec = ".0f"  # the spec of the chosen mode (int mode until shown otherwise)
        # Plain Python numbers (float32 becomes the exact double): cheaper than NumPy calls on the
        # few values a repr usually shows, and the text is what Python's format() makes of them.
        values = shown.tolist()
        if not self.floating:
            self.max_width = max(len(str(v)) for v in set(values))
            return
        nonzero_finite = {v for v in values if v != 0 and math.isfinite(v)}  # distinct suffice
        if not nonzero_finite:  # only zeros, nan and inf: `0.`, `nan`, `inf`, width 1
            return
        smallest = min(abs(v) for v in nonzero_finite)
        largest = max(abs(v) for v in nonzero_finite)
        self.int_mode = all(v.is_integer() for v in nonzero_finite)
        if PRINT_OPTS.sci_mode is None:
            self.sci_mode = largest / smallest > 1000.0 or largest > 1.0e8 or smallest < 1.0e-4
        else:
            self.sci_mode = PRINT_OPTS.sci_mode
        p = PRINT_OPTS.precision
        if self.sci_mode:
            self.spec = f".{p}e"
        elif not self.int_mode:
            self.spec = f".{p}f"
        width = max(len(format(v, self.spec)) for v in nonzero_finite)
        if self.int_mode and not self.sci_mode:
            width += 1  # the "." of `4.`
        self.max_width = max(self.max_width, width)

    def width(self) -> int:
        """The width every element is padded to."""
        return self.max_width

    def format(self, value: Any) -> str:
        """One element's text, padded on the left to the common width."""
        if not self.floating:
            text = str(value)
        else:
            text = format(value, self.spec)
            if self.int_mode and not self.sci_mode and math.isfinite(value):
                text += "."  # `4.`: whole numbers, yet a floating tensor
        return (self.max_width - len(text)) * " " + text


class _ComplexFormatter:
    """Formats `real+imagj`, each part with its own formatter (`1.+2.j`, `0.5000-1.2500j`)."""

    __slots__ = ("real", "imag", "max_width")

    def __init__(self, shown: np.ndarray) -> None:
        self.real = _Formatter(shown.real)
        self.imag = _Formatter(shown.imag)
        self.max_width = self.real.max_width + self.imag.max_width + 1  # + the "j"

    def width(self) -> int:
        """The width every element is padded to."""
        return self.max_width

    def format(self, value: Any) -> str:
        """One element's text: the real part padded, then the signed imaginary part."""
        real = self.real.format(value.real)
        imag = (self.imag.format(value.imag) + "j").lstrip()
        if imag[0] in "+-":  # the sign of the imaginary part joins the two
            return real + imag
        return real + "+" + imag


# --------------------------------------------------------------------------------------- layout
def _shown_elements(arr: np.ndarray, summarize: bool) -> np.ndarray:
    """Every element that will be printed, flat: what the formatter measures."""
    if not summarize or arr.ndim == 0:
        return arr.reshape(-1)
    e = PRINT_OPTS.edgeitems
    if e == 0:
        # PyTorch's edge case: a 1-d tensor measures all of itself (x[-0:] is all of x); deeper
        # tensors measure nothing.
        return arr.reshape(-1) if arr.ndim == 1 else arr.reshape(-1)[:0]
    index = [np.r_[0:e, n - e:n] if n > 2 * e else np.arange(n) for n in arr.shape]
    return arr[np.ix_(*index)].reshape(-1)


Formatter = Union[_Formatter, _ComplexFormatter]


def _vector_str(arr: np.ndarray, indent: int, summarize: bool, fmt: Formatter) -> str:
    """A 1-d array's bracketed elements, cut into lines."""
    e = PRINT_OPTS.edgeitems
    element_length = fmt.width() + 2  # the element, its comma and a space
    per_line = max(1, math.floor((PRINT_OPTS.linewidth - indent) / element_length))
    n = arr.shape[0]
    if summarize and e == 0:
        items = ["..."]
    elif summarize and n > 2 * e:
        items = ([fmt.format(v) for v in arr[:e].tolist()] + [" ..."] +
                 [fmt.format(v) for v in arr[n - e:].tolist()])
    else:
        items = [fmt.format(v) for v in arr.tolist()]
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested_str(arr: np.ndarray, indent: int, summarize: bool, fmt: Formatter) -> str:
    """An array of any rank, one bracket level per dim."""
    dim = arr.ndim
    if dim == 0:
        return fmt.format(arr.item())
    if dim == 1:
        return _vector_str(arr, indent, summarize, fmt)
    e = PRINT_OPTS.edgeitems
    n = arr.shape[0]
    if summarize and n > 2 * e:
        rows: Any = [*range(e), None, *range(n - e, n)]  # None marks the `...`
    else:
        rows = range(n)
    blocks = ["..." if i is None else _nested_str(arr[i], indent + 1, summarize, fmt) for i in rows]
    # one newline per dimension left below: 2-d rows touch, 3-d blocks get a blank line between
    return "[" + ("," + "\n" * (dim - 1) + " " * (indent + 1)).join(blocks) + "]"


def array_str(arr: np.ndarray, indent: int) -> str:
    """The bracketed values of an array, as PyTorch prints them (no `tensor(` or suffixes)."""
    if arr.size == 0:
        return "[]"
    summarize = arr.size > PRINT_OPTS.threshold
    shown = _shown_elements(arr, summarize)
    fmt: Formatter = _ComplexFormatter(shown) if arr.dtype.kind == "c" else _Formatter(shown)
    return _nested_str(arr, indent, summarize, fmt)


# ------------------------------------------------------------------------------------ the tensor
def _prefix(t: Any) -> str:
    """`tensor(` for Tensor and nn.Parameter, the class name for other subclasses. By name, so that
    this module needs nothing from nn."""
    cls = type(t)
    if cls.__name__ in ("Tensor", "Parameter"):
        return "tensor("
    return cls.__name__ + "("


def _is_default_kind(dt: DType, default_float: DType) -> bool:
    """dtypes a non-empty tensor's values already imply: int64, bool, the default float/complex."""
    if dt.is_complex:
        return dt is default_float.to_complex()
    return dt is default_float or dt is _int64 or dt is _bool


def tensor_repr(t: Any, tensor_contents: Optional[str] = None) -> str:
    """repr(t) == str(t): `tensor(<values>, <suffixes>)`; `tensor_contents` replaces the values."""
    tangent = _forward_ad.tangent(t) if _forward_ad.state.level >= 0 else None
    return _repr(_prefix(t), t._data, t.grad_fn, t.requires_grad, tangent, tensor_contents)


def _repr(prefix: str, arr: np.ndarray, grad_fn: Any, requires_grad: bool, tangent: Any,
          tensor_contents: Optional[str] = None) -> str:
    """The text of a tensor with these values and graph attributes (a forward-AD tangent, a tensor
    or a bare array, prints inside it as `tangent=tensor(...)`)."""
    indent = len(prefix)
    dt = FROM_NP[arr.dtype]
    default_float = get_default_dtype()
    suffixes = []
    if arr.size == 0:
        if arr.ndim != 1:
            suffixes.append(f"size={tuple(arr.shape)}")
        if dt is not default_float:  # nothing to guess the dtype from, so even int64 is named
            suffixes.append(f"dtype={dt!r}")
        body = "[]" if tensor_contents is None else tensor_contents
    else:
        if not PRINT_OPTS.edgeitems:
            suffixes.append(f"size={tuple(arr.shape)}")
        if not _is_default_kind(dt, default_float):
            suffixes.append(f"dtype={dt!r}")
        body = array_str(arr, indent) if tensor_contents is None else tensor_contents
    if grad_fn is not None:
        suffixes.append(f"grad_fn=<{type(grad_fn).__name__}>")
    elif requires_grad:
        suffixes.append("requires_grad=True")
    if tangent is not None:
        if hasattr(tangent, "_data"):
            suffixes.append("tangent=" + tensor_repr(tangent))
        else:
            suffixes.append("tangent=" + _repr("tensor(", tangent, None, False, None))
    return _add_suffixes(prefix + body, suffixes, indent)


def _add_suffixes(text: str, suffixes: List[str], indent: int) -> str:
    """Append the suffixes and the closing parenthesis, wrapping a suffix that would not fit."""
    # PyTorch counts the last line two columns longer than it is, on top of the ", " before a
    # suffix: a suffix goes on a new line once the line would pass `linewidth - 2`.
    line_length = len(text) - text.rfind("\n") + 1
    parts = [text]
    for suffix in suffixes:
        if line_length + len(suffix) + 2 > PRINT_OPTS.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            line_length = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            line_length += len(suffix) + 2
    parts.append(")")
    return "".join(parts)
