"""repr/str of tensors, identical to PyTorch's.

One formatter per tensor decides, from all the (shown) values, the mode — integers (`4.`), fixed
(4 decimals) or scientific — and a common width, so columns align. Tensors over `threshold`
elements show `edgeitems` at each end of every dimension, with `...` between.
"""
import math

import numpy as np

from . import _dtype as D


class _PrintOptions:
    precision = 4
    threshold = 1000
    edgeitems = 3
    linewidth = 80
    sci_mode = None


PRINT_OPTS = _PrintOptions()


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None,
                     sci_mode=None):
    """torch.set_printoptions: same arguments and profiles as PyTorch."""
    if profile == "default":
        PRINT_OPTS.precision, PRINT_OPTS.threshold = 4, 1000
        PRINT_OPTS.edgeitems, PRINT_OPTS.linewidth = 3, 80
    elif profile == "short":
        PRINT_OPTS.precision, PRINT_OPTS.threshold = 2, 1000
        PRINT_OPTS.edgeitems, PRINT_OPTS.linewidth = 2, 80
    elif profile == "full":
        PRINT_OPTS.precision, PRINT_OPTS.threshold = 4, math.inf
        PRINT_OPTS.edgeitems, PRINT_OPTS.linewidth = 3, 80
    if precision is not None:
        PRINT_OPTS.precision = precision
    if threshold is not None:
        PRINT_OPTS.threshold = threshold
    if edgeitems is not None:
        PRINT_OPTS.edgeitems = edgeitems
    if linewidth is not None:
        PRINT_OPTS.linewidth = linewidth
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions():
    return {"precision": PRINT_OPTS.precision, "threshold": PRINT_OPTS.threshold,
            "edgeitems": PRINT_OPTS.edgeitems, "linewidth": PRINT_OPTS.linewidth,
            "sci_mode": PRINT_OPTS.sci_mode}


class _Formatter:
    def __init__(self, values, floating):
        """values: a 1-D float64 (or int/bool) array of every element that will be shown."""
        self.floating = floating
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        if not floating:
            for v in values.tolist():
                self.max_width = max(self.max_width, len(_plain_str(v)))
            return
        finite = values[np.isfinite(values) & (values != 0)]
        if finite.size == 0:
            return
        absval = np.abs(finite)
        lo, hi = float(absval.min()), float(absval.max())
        p = PRINT_OPTS.precision
        if np.all(finite == np.ceil(finite)):
            if hi / lo > 1000.0 or hi > 1.0e8:
                self.sci_mode = True
                self.int_mode = False
                for v in finite.tolist():
                    self.max_width = max(self.max_width, len(f"{v:.{p}e}"))
            else:
                for v in finite.tolist():
                    self.max_width = max(self.max_width, len(f"{v:.0f}") + 1)
        else:
            self.int_mode = False
            if hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4:
                self.sci_mode = True
                for v in finite.tolist():
                    self.max_width = max(self.max_width, len(f"{v:.{p}e}"))
            else:
                for v in finite.tolist():
                    self.max_width = max(self.max_width, len(f"{v:.{p}f}"))
        if PRINT_OPTS.sci_mode is not None:
            self.sci_mode = PRINT_OPTS.sci_mode

    def width(self):
        return self.max_width

    def format(self, value):
        p = PRINT_OPTS.precision
        if self.floating:
            if self.sci_mode:
                s = f"{value:{self.max_width}.{p}e}"
            elif self.int_mode:
                s = f"{value:.0f}"
                if not (math.isinf(value) or math.isnan(value)):
                    s += "."
            else:
                s = f"{value:.{p}f}"
        else:
            s = _plain_str(value)
        return (self.max_width - len(s)) * " " + s


def _plain_str(v):
    return str(v)


def _summarize(arr):
    """The elements that will be shown: `edgeitems` from each end of every dim."""
    e = PRINT_OPTS.edgeitems
    if arr.ndim == 0:
        return arr.reshape(1)
    if arr.shape[0] > 2 * e:
        parts = [_summarize(arr[:e]), _summarize(arr[-e:])]
    else:
        parts = [_summarize(arr[i]) for i in range(arr.shape[0])] if arr.ndim > 1 else [arr]
    parts = [p.reshape(-1) for p in parts]
    return np.concatenate(parts) if parts else arr.reshape(-1)


def _format_nested(arr, indent, summarize, fmt):
    dim = arr.ndim
    e = PRINT_OPTS.edgeitems
    if dim == 0:
        return fmt.format(arr.item())
    if dim == 1:
        return _format_vector(arr, indent, summarize, fmt)
    n = arr.shape[0]
    if summarize and n > 2 * e:
        slices = ([_format_nested(arr[i], indent + 1, summarize, fmt) for i in range(e)] + ["..."] +
                  [_format_nested(arr[i], indent + 1, summarize, fmt) for i in range(n - e, n)])
    else:
        slices = [_format_nested(arr[i], indent + 1, summarize, fmt) for i in range(n)]
    sep = "," + "\n" * (dim - 1) + " " * (indent + 1)
    return "[" + sep.join(slices) + "]"


def _format_vector(arr, indent, summarize, fmt):
    e = PRINT_OPTS.edgeitems
    element_length = fmt.width() + 2
    per_line = max(1, int(math.floor((PRINT_OPTS.linewidth - indent) / element_length)))
    values = arr.tolist()
    if summarize and len(values) > 2 * e:
        items = [fmt.format(v) for v in values[:e]] + [" ..."] + [fmt.format(v) for v in values[-e:]]
    else:
        items = [fmt.format(v) for v in values]
    lines = [items[i:i + per_line] for i in range(0, len(items), per_line)]
    text = [", ".join(line) for line in lines]
    return "[" + ("," + "\n" + " " * (indent + 1)).join(text) + "]"


def array_str(arr, indent):
    """The bracketed values of an array, as PyTorch prints them (no `tensor(` or suffixes)."""
    if arr.size == 0:
        return "[]"
    summarize = arr.size > PRINT_OPTS.threshold
    shown = _summarize(arr) if summarize else arr.reshape(-1)
    kind = arr.dtype.kind
    floating = kind == "f"
    if floating:
        shown = shown.astype(np.float64)
        arr = arr.astype(np.float64)
    fmt = _Formatter(shown, floating)
    return _format_nested(arr, indent, summarize, fmt)


def tensor_repr(t):
    prefix = "tensor("
    indent = len(prefix)
    arr = t._data
    suffixes = []
    if arr.size == 0 and arr.shape != (0,):
        suffixes.append(f"size={tuple(arr.shape)}")
    dt = D.FROM_NP[arr.dtype]
    if dt not in (D.get_default_dtype(), D.int64, D.bool) and not (
            dt.is_complex and dt == D.get_default_dtype().to_complex()):
        suffixes.append(f"dtype={dt!r}")
    if arr.dtype.kind == "c":
        body = _complex_str(arr, indent)
    else:
        body = array_str(arr, indent)
    fn = t.grad_fn
    if fn is not None:
        suffixes.append(f"grad_fn=<{type(fn).__name__}>")
    elif t._rg:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + body, suffixes, indent)


def _add_suffixes(text, suffixes, indent):
    width = len(text) - text.rfind("\n") - 1 if "\n" in text else len(text)
    for s in suffixes:
        if width + len(s) + 2 > PRINT_OPTS.linewidth:
            text += ",\n" + " " * indent + s
            width = indent + len(s)
        else:
            text += ", " + s
            width += len(s) + 2
    return text + ")"


def _complex_str(arr, indent):
    real = array_str(arr.real, indent)
    imag = array_str(arr.imag, indent)
    if arr.ndim == 0:
        sign = "+" if arr.imag >= 0 else "-"
        return f"{real}{sign}{imag.lstrip('-')}j"
    return f"{real} + {imag}j"
