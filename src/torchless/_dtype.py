"""dtype objects (torch.float32 ...), PyTorch's type promotion, and the default float dtype.

Internally a tensor keeps a NumPy array, so every rule here works on NumPy dtypes and the
`dtype` objects below are the user-facing names for them.
"""
from __future__ import annotations

import builtins
from typing import Any, Callable, Optional

import numpy as np

# This module defines `float`, `int` and `bool` as torch dtypes (torch.float ...), so the Python
# types are captured first.
_py_float, _py_int, _py_bool, _py_complex, _py_type = float, int, bool, complex, type

__all__ = [
    "dtype", "float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "uint64", "bool",
    "complex64", "complex128", "float", "double", "half", "long", "int", "short", "cfloat", "cdouble",
    "get_default_dtype", "set_default_dtype", "promote_types",
]

# Categories order the kinds of number: a higher category always wins a promotion.
BOOL, INT, FLOAT, COMPLEX = 0, 1, 2, 3


class dtype:
    """A tensor element type; `torch.float32` is one of these."""

    __slots__ = ("name", "np", "category", "itemsize", "is_floating_point", "is_complex", "is_signed")

    name: str
    np: np.dtype
    category: builtins.int
    itemsize: builtins.int
    is_floating_point: builtins.bool
    is_complex: builtins.bool
    is_signed: builtins.bool

    def __init__(self, name: str, np_dtype: Any, category: builtins.int) -> None:
        self.name = name
        self.np = np.dtype(np_dtype)
        self.category = category
        self.itemsize = self.np.itemsize
        self.is_floating_point = category == FLOAT
        self.is_complex = category == COMPLEX
        self.is_signed = self.np.kind in "fic"

    def __repr__(self) -> str:
        return "torch." + self.name

    def __reduce__(self) -> tuple[Callable[[str], dtype], tuple[str]]:  # pickled dtypes: the same singletons
        return (_by_name, (self.name,))

    def to_real(self) -> dtype:
        """to_real() -> dtype

        The real dtype of the same precision for a complex one (complex64 -> float32); any other
        dtype itself."""
        return {"complex64": float32, "complex128": float64}.get(self.name, self)

    def to_complex(self) -> dtype:
        """to_complex() -> dtype

        The complex dtype of the same precision for a floating one (float32 -> complex64); any
        other dtype itself."""
        return {"float32": complex64, "float64": complex128, "float16": complex64}.get(self.name, self)


float32 = dtype("float32", np.float32, FLOAT)
float64 = dtype("float64", np.float64, FLOAT)
float16 = dtype("float16", np.float16, FLOAT)
complex64 = dtype("complex64", np.complex64, COMPLEX)
complex128 = dtype("complex128", np.complex128, COMPLEX)
int64 = dtype("int64", np.int64, INT)
int32 = dtype("int32", np.int32, INT)
int16 = dtype("int16", np.int16, INT)
int8 = dtype("int8", np.int8, INT)
uint8 = dtype("uint8", np.uint8, INT)
# PyTorch's "limited support" unsigned type (issue 12, misc breadth round 3: torch.hash_tensor's result):
# it holds values, prints, converts and compares with itself; promotion with another integer type is
# PyTorch's RuntimeError (_promote_np), and NumPy's uint64 arrays convert to it (from_numpy)
uint64 = dtype("uint64", np.uint64, INT)
bool = dtype("bool", np.bool_, BOOL)  # noqa: A001 - torch.bool is the public name

float, double, half = float32, float64, float16  # noqa: A001
long, int, short = int64, int32, int16  # noqa: A001
cfloat, cdouble = complex64, complex128

ALL = (float32, float64, float16, complex64, complex128, int64, int32, int16, int8, uint8, bool, uint64)
_NAMES = {d.name: d for d in ALL}

# NumPy dtype -> torch dtype. Keyed by np.dtype objects (hash + eq are cheap for builtin dtypes).
FROM_NP = {d.np: d for d in ALL}


# PyTorch's own names for each dtype, by torch dtype name: the scalar type its error messages use
# ("Float", "Long") and the legacy tensor type name (x.type(): "torch.FloatTensor"). The one table;
# bfloat16 appears in messages only (torchless has no such dtype).
SCALAR_TYPE_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16",
                     "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
                     "uint64": "UInt64", "bool": "Bool", "complex64": "ComplexFloat", "complex128": "ComplexDouble"}
TENSOR_TYPE_NAMES = {name: f"torch.{scalar}Tensor" for name, scalar in SCALAR_TYPE_NAMES.items()
                     if name not in ("bfloat16", "complex64", "complex128", "uint64")}


def _by_name(name: str) -> dtype:
    return _NAMES[name]


def from_np(np_dtype: Any) -> dtype:
    """The torch dtype for a NumPy dtype; TypeError for NumPy types PyTorch has no name for."""
    try:
        return FROM_NP[np_dtype]
    except KeyError:
        raise TypeError(
            f"can't convert np.ndarray of type numpy.{np.dtype(np_dtype).name}. The only supported types are: "
            "float64, float32, float16, complex64, complex128, int64, int32, int16, int8, uint8, and bool."
        ) from None


def to_np(d: Any) -> np.dtype | None:
    """Accept a torch dtype, a NumPy dtype, or a Python type; return the NumPy dtype."""
    if type(d) is dtype:
        return d.np
    if d is None:
        return None
    if d is _py_float:
        return float64.np
    if d is _py_int:
        return int64.np
    if d is _py_bool:
        return bool.np
    if not isinstance(d, (np.dtype, type)):  # a str, a number, a list ...: no dtype
        raise TypeError(f"argument 'dtype' must be torch.dtype, not {_py_type(d).__name__}")
    return from_np(np.dtype(d)).np


# ---------------------------------------------------------------------------------- default float
class _Defaults:
    __slots__ = ("float",)
    float: np.dtype


defaults = _Defaults()
on_default_dtype_change: list[Callable[[], None]] = []  # caches that depend on the default float
defaults.float = float32.np  # NumPy dtype of torch.get_default_dtype()


def get_default_dtype() -> dtype:
    """get_default_dtype() -> torch.dtype

    The floating point dtype tensors get when nothing else decides it: torch.tensor(1.5),
    torch.zeros(2), integer inputs of float functions. torch.float32 unless set_default_dtype
    changed it."""
    return FROM_NP[defaults.float]


def set_default_dtype(d: dtype) -> None:
    """set_default_dtype(d) -> None

    Make the floating point dtype `d` (torch.float16, float32 or float64) the default for new
    tensors made from Python floats and for float results of integer inputs (see
    get_default_dtype). Python complex numbers then become the matching complex dtype.

    d: the new default; any dtype that is not floating point raises a TypeError."""
    if type(d) is not dtype or d.category != FLOAT:
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    defaults.float = d.np
    _result_cache.clear()
    for clear in on_default_dtype_change:
        clear()


# ---------------------------------------------------------------------------------- promotion
_U64_NP = np.dtype(np.uint64)


def promote_types(a: Any, b: Any) -> dtype:
    """torch.promote_types: the smallest dtype both a and b convert to without losing their kind."""
    a_np, b_np = to_np(a), to_np(b)
    if a_np is None or b_np is None:
        raise TypeError(f"promote_types(): argument 'type{1 if a_np is None else 2}' (position "
                        f"{1 if a_np is None else 2}) must be torch.dtype, not NoneType")
    return FROM_NP[_promote_np(a_np, b_np)]


def _promote_np(a: np.dtype, b: np.dtype) -> np.dtype:
    if a is b:
        return a
    ca, cb = FROM_NP[a].category, FROM_NP[b].category
    if (a == _U64_NP or b == _U64_NP) and a != b and ca in (INT, BOOL) and cb in (INT, BOOL):
        raise RuntimeError(f"Promotion for uint16, uint32, uint64 types is not supported, attempted to promote "
                           f"{SCALAR_TYPE_NAMES[a.name]} and {SCALAR_TYPE_NAMES[b.name]}")
    if ca != cb:
        hi, lo = (a, b) if ca > cb else (b, a)
        if FROM_NP[hi].category == COMPLEX and lo.kind == "f":  # complex64 + float64 -> complex128
            return np.promote_types(hi, lo)
        return hi
    return np.promote_types(a, b)


# Operand classes in PyTorch's result-type rule: tensors with dimensions outrank 0-d tensors, which
# outrank Python numbers. A lower class can only raise the category, never the size, of the result.
DIM, ZERO_DIM, SCALAR = 0, 1, 2


def _combine(higher: np.dtype | None, lower: np.dtype | None) -> np.dtype | None:
    """Merge the result of a higher operand class with a lower one (PyTorch's combine_categories)."""
    if higher is None:
        return lower
    if lower is None:
        return higher
    hc, lc = FROM_NP[higher].category, FROM_NP[lower].category
    if hc == COMPLEX:
        return higher
    if lc == COMPLEX:  # a complex 0-d tensor or number keeps the float precision of the tensor
        return FROM_NP[higher].to_complex().np if hc == FLOAT else lower
    if hc == FLOAT:
        return higher
    if hc == BOOL or lc == FLOAT:
        return _promote_np(higher, lower)
    return higher


_result_cache: dict[tuple[np.dtype, builtins.int, np.dtype, builtins.int], np.dtype] = {}


def result_np_dtype(a: np.dtype, a_class: builtins.int, b: np.dtype, b_class: builtins.int) -> np.dtype:
    """Result NumPy dtype of a binary op between operands (dtype, class) under PyTorch's rules."""
    key = (a, a_class, b, b_class)
    r = _result_cache.get(key)
    if r is None:
        slots: list[np.dtype | None] = [None, None, None]
        for d, c in ((a, a_class), (b, b_class)):
            held = slots[c]
            slots[c] = d if held is None else _promote_np(held, d)
        r = _combine(slots[DIM], _combine(slots[ZERO_DIM], slots[SCALAR]))
        assert r is not None  # (two operands fill at least one slot)
        _result_cache[key] = r
    return r


_BOOL_NP, _INT64_NP, _F64_NP, _C128_NP = bool.np, int64.np, float64.np, complex128.np


def scalar_np_dtype(value: Any) -> np.dtype:
    """The dtype class a Python number takes part in promotion with (bool, int64, default float)."""
    t = type(value)
    if t is _py_float:
        return defaults.float
    if t is _py_int:
        return _INT64_NP
    if t is _py_bool:
        return _BOOL_NP
    if t is _py_complex:
        return complex64.np if defaults.float != _F64_NP else _C128_NP
    if isinstance(value, np.generic):
        return value.dtype
    raise TypeError(f"unsupported scalar type {t.__name__}")


PY_SCALARS = (_py_int, _py_float, _py_bool, _py_complex)


# ---------------------------------------------------------------------------------- overflow checks
# PyTorch converts a Python number to a tensor's dtype with a range check (c10's checked_convert): a
# number out of range is an error, not a wrapped-around value. Its messages name the C type.
C_TYPE_NAMES = {"int8": "int8_t", "uint8": "uint8_t", "uint64": "uint64_t", "int16": "int16_t", "int32": "int", "int64": "int64_t",
                 "float16": "c10::Half", "float32": "float", "float64": "double", "bfloat16": "c10::BFloat16"}


def _range_of(np_dtype: np.dtype) -> tuple[Any, Any]:
    """The numbers np_dtype takes as PyTorch checks them: an unsigned type also takes the negatives
    down to -max (they wrap around, as C's conversion does)."""
    info = np.iinfo(np_dtype)
    return (info.min if np_dtype.kind == "i" else -_py_int(info.max)), info.max


# the Python numbers each dtype takes as they are (check_number_fits returns them at once): its
# whole range, but for an unsigned dtype only the non-negative part (negatives wrap around)
_NUMBERS_AS_IS: dict[np.dtype, tuple[Any, Any]] = {
    np.dtype(t): (0 if np.dtype(t).kind == "u" else _py_int(np.iinfo(t).min), _py_int(np.iinfo(t).max))
    for t in (np.int8, np.int16, np.int32, np.int64, np.uint8)}
_NUMBERS_AS_IS.update({np.dtype(t): (-_py_float(np.finfo(t).max), _py_float(np.finfo(t).max))
                      for t in (np.float16, np.float32, np.float64)})


def check_number_fits(value: Any, np_dtype: np.dtype) -> Any:
    """PyTorch's RuntimeError where the Python number `value` (full's fill value, fill_'s) does not fit
    np_dtype: `torch.full((2,), 300, dtype=torch.int8)`. Booleans and complex targets take anything.
    Returns the value to store (a negative integer wrapped around for an unsigned dtype)."""
    plain = _NUMBERS_AS_IS.get(np_dtype)
    number = _py_type(value)
    if plain is not None and (number is _py_int or number is _py_float) and plain[0] <= value <= plain[1]:
        return value   # the common case, kept off the checks below (x[i] = v, where, clamp ask per call)
    kind = np_dtype.kind
    if kind in "iu" and _py_type(value) is not _py_bool and isinstance(value, (_py_int, _py_float)):
        # an integer wraps around into an unsigned type (-1 is 255 for uint8), a float does not
        low, high = _range_of(np_dtype) if isinstance(value, _py_int) else (np.iinfo(np_dtype).min, np.iinfo(np_dtype).max)
        fits = low <= value <= high
        if fits and value < 0 and kind == "u":
            return np.array(value, np.int64).astype(np_dtype)[()]
    elif kind == "f" and isinstance(value, (_py_float, _py_int)) and _py_type(value) is not _py_bool and \
            value - value == 0:  # finite
        fits = abs(value) <= np.finfo(np_dtype).max
    elif kind in "iuf" and isinstance(value, complex) and value.imag != 0:   # no real type holds it
        fits = False
    else:
        return value
    if not fits:
        raise RuntimeError(f"value cannot be converted to type {C_TYPE_NAMES.get(np_dtype.name, np_dtype.name)} "
                           f"without overflow (pick a dtype wide enough for it, e.g. torch.int64 or torch.float32)")
    return value


def check_data_fits(arr: np.ndarray, np_dtype: np.dtype, leaves: Any = None) -> None:
    """torch.tensor's check of its Python data (as an array of int64/float64) against an integer
    dtype: `torch.tensor([300], dtype=torch.int8)` is an error, as is NaN for any integer dtype. A float
    converts without wrapping around (-0.5 does not fit uint8), an int wraps (-1 is 255): where ints
    and floats were mixed into a float array, `leaves()` gives the Python numbers, each checked by its
    own kind."""
    if np_dtype.kind not in "iu" or arr.dtype.kind not in "iuf" or not arr.size:
        return
    low, high = _range_of(np_dtype)
    if arr.dtype.kind == "f":
        info = np.iinfo(np_dtype)
        fits = _py_bool(np.all((arr >= info.min) & (arr <= info.max)))  # (NaN compares False: it fails)
        if not fits and leaves is not None:
            fits = all((low <= x <= high) if isinstance(x, (_py_int, np.integer)) else
                       (not isinstance(x, (_py_float, np.floating)) or info.min <= x <= info.max) for x in leaves())
    else:
        fits = low <= arr.min() and arr.max() <= high
    if not fits:
        raise RuntimeError(f"value cannot be converted to type {np_dtype.name} without overflow (pick a dtype "
                           f"wide enough for the data, e.g. torch.int64)")


# ---------------------------------------------------------------------------------- finfo, iinfo
_DType = dtype  # (the classes below have a `dtype` field of their own)

class finfo:
    """torch.finfo(type=None): the numerical properties of a floating dtype (of the default dtype when
    none is given; a complex dtype gives those of its real part): bits, eps (the gap between 1 and the
    next number), max, min (the most negative), tiny = smallest_normal (the smallest positive normal
    number), resolution (10 ** -decimal digits of precision), and dtype (the dtype's name)."""

    __slots__ = ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype")
    bits: builtins.int
    eps: builtins.float
    max: builtins.float
    min: builtins.float
    tiny: builtins.float
    smallest_normal: builtins.float
    resolution: builtins.float
    dtype: str

    def __init__(self, type: Optional[_DType] = None) -> None:  # noqa: A002 (PyTorch's parameter name)
        if type is None:
            type = get_default_dtype()  # noqa: A001
        if not isinstance(type, _DType):
            raise TypeError(f"finfo(): argument 'type' (position 1) must be torch.dtype, not "
                            f"{_py_type(type).__name__}")
        if not (type.is_floating_point or type.is_complex):
            raise TypeError("torch.finfo() requires a floating point input type. Use torch.iinfo to handle "
                            "'torch.finfo'")
        real = type.to_real() if type.is_complex else type
        info = np.finfo(real.np)
        self.bits = builtins.int(info.bits)
        self.eps = builtins.float(info.eps)
        self.max = builtins.float(info.max)
        self.min = builtins.float(info.min)
        self.tiny = self.smallest_normal = builtins.float(info.smallest_normal)
        self.resolution = 10.0 ** -builtins.int(info.precision)
        self.dtype = real.name

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
                f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})")

    def __eq__(self, other: object) -> builtins.bool:
        return isinstance(other, finfo) and self.dtype == other.dtype

    def __hash__(self) -> builtins.int:
        return hash(("finfo", self.dtype))


class iinfo:
    """torch.iinfo(type): the numerical properties of an integer dtype: bits, max, min, and dtype
    (the dtype's name). bool is no integer type here, as in PyTorch."""

    __slots__ = ("bits", "max", "min", "dtype")
    bits: builtins.int
    max: builtins.int
    min: builtins.int
    dtype: str

    def __init__(self, type: _DType) -> None:  # noqa: A002 (PyTorch's parameter name)
        if not isinstance(type, _DType):
            raise TypeError(f"iinfo(): argument 'type' (position 1) must be torch.dtype, not "
                            f"{_py_type(type).__name__}")
        if type.np.kind == "b":
            raise TypeError("torch.bool is not supported by torch.iinfo")
        if type.np.kind not in "iu":
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo to handle "
                            "'torch.iinfo'")
        info = np.iinfo(type.np)
        self.bits, self.max, self.min, self.dtype = builtins.int(info.bits), builtins.int(info.max), builtins.int(info.min), type.name

    def __repr__(self) -> str:
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"

    def __eq__(self, other: object) -> builtins.bool:
        return isinstance(other, iinfo) and self.dtype == other.dtype

    def __hash__(self) -> builtins.int:
        return hash(("iinfo", self.dtype))
