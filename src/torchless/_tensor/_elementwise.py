"""Elementwise Tensor methods: arithmetic, math functions, comparisons, logic and bitwise ops.

Each method is declared by one line in the class body of `ElementwiseMethods`, naming its rule
(ops/elementwise.py) and its docstring; the appliers of _core.py compute and record it. Methods
whose arguments need sorting out first (pow's tensor or number exponent, div's rounding mode,
clamp's bounds) are written out below the factories.
"""
import numbers
import warnings
from typing import TYPE_CHECKING

import numpy as np

from .. import _args, _dtype as D
from . import _core
from ._core import (
    EMPTY_EDGE, _as_operand, _binary, _broadcast_error, _by_operand, _no_grad_binary, _operands, _pair_dtype,
    _norm_dim, _plain_out, _reflected, _softmax_family, _scalar_operand, _SCALAR_TYPE_NAMES, _unary, apply, record, where,
    not_self, wrong_operand,
)
if TYPE_CHECKING:  # annotations name the final class, assembled in _tensor/__init__.py from the mixins
    from . import Tensor
else:  # at run time: _core's name, rebound to the final class by bind_tensor_class
    from ._core import Tensor
from ._inplace import inplace, inplace_binary
from ..overrides import not_a_tensor
from ..ops.nn import LogSoftmaxBackward0, SoftmaxBackward0
from ..ops.elementwise import (
    AbsBackward0, AcosBackward0, AddBackward0, AsinBackward0, AtanBackward0, CeilBackward0,
    ClampBackward0, ClampBackward1, ClampMaxBackward0, ClampMaxBackward1, ClampMinBackward0,
    ClampMinBackward1, CosBackward0, CoshBackward0, DivBackward0, DivBackward2, ExpBackward0,
    Atan2Backward0, CopysignBackward0, CopysignBackward1, Exp2Backward0, HypotBackward0, LogaddexpBackward0,
    ConjBackward0, ConjPhysicalBackward0, ConjPhysicalBackward1,
    Expm1Backward0, FloorBackward0, FmodBackward0, FmodBackward1, Log1PBackward0, Log2Backward0,
    FmaxBackward0, FminBackward0, Log10Backward0, LogBackward0, MaximumBackward0, MinimumBackward0, MulBackward0, NegBackward0,
    NotImplementedBackward, PowBackward0, PowBackward1, PowBackward2, ReciprocalBackward0,
    ReluBackward0, RemainderBackward0, RemainderBackward1, RoundBackward0, RoundBackward1,
    RsqrtBackward0, RsubBackward1, SigmoidBackward0, SignBackward0, SinBackward0, SinhBackward0,
    SqrtBackward0, SubBackward0, TanBackward0, TanhBackward0, TruncBackward0,
    EqBackward1, GeBackward1, GtBackward1, LeBackward1, LtBackward1, NeBackward1,
)

_F = D.defaults
_from_np = D.FROM_NP
_pyfloat, _pyint = float, int
_asarray = np.asarray

__all__ = ["ElementwiseMethods"]


# ============================================================================ declaring a method
def declared(method, name, doc, rule=None):
    """Give a generated method its public identity: `name`, `Tensor.name` as qualified name, the
    docstring `doc` (its first line the signature, as help() shows it), and a Tensor return; `rule`:
    the op rule it applies, kept as `method.rule` (vmap batches the method by the rule's kind)."""
    if rule is not None:
        method.rule = rule
    method.__name__ = name
    method.__qualname__ = "Tensor." + name
    method.__module__ = __name__
    method.__doc__ = doc
    method.__annotations__ = {"return": "Tensor"}
    return method


def unary(R, name, doc, to_float=True):
    """A method `name(self) -> Tensor` applying the one-input rule R (see _core._unary)."""
    return declared(_unary(R, to_float), name, doc, R)


def binary(R, name, doc, to_float=False, scalar_edge=True):
    """A method `name(self, other) -> Tensor` applying the two-input rule R (see _core._binary). A
    name that is not a dunder makes the named form, which raises PyTorch's TypeError for an operand of
    the wrong type (an operator returns NotImplemented there, for Python to try the other operand)."""
    return declared(_binary(R, to_float, scalar_edge, None if name.startswith("__") else name), name, doc, R)


def comparison(ufunc, name, doc):
    """A method `name(self, other) -> Tensor` computing a bool (or logic) result: never recorded.
    As for binary(), a name that is not a dunder makes the named form."""
    return declared(_no_grad_binary(ufunc, name, not name.startswith("__")), name, doc)


def _operator(ufunc, name, doc):
    """comparison()'s operator form (__eq__ ...), `name` the op's own name (eq), as errors print it."""
    return declared(_no_grad_binary(ufunc, name), "__" + name + "__", doc)


def logical(ufunc, name, doc):
    """A logic method of two tensors (logical_and ...): `other` must be a Tensor, as in PyTorch."""
    check = _no_grad_binary(ufunc, name)

    def method(self, other):
        if not isinstance(other, Tensor):
            raise TypeError(f"{name}(): argument 'other' (position 1) must be Tensor, not {type(other).__name__}")
        return check(self, other)
    return declared(method, name, doc)


def _named_like(wrapper, method):
    """`wrapper` given the name, docstring and signature of the in-place method it checks or picks."""
    for attr in ("__name__", "__qualname__", "__module__", "__doc__", "__wrapped__", "__annotations__"):
        setattr(wrapper, attr, getattr(method, attr))
    return wrapper


def comparison_in_place(plain, R, name):
    """The in-place form of a comparison (eq_ from eq): 1 or 0 written in this tensor's dtype. Where
    this tensor requires grad, the write records R (EqBackward1, or its number form EqBackward0), a
    zero gradient, as PyTorch's does, instead of leaving the old history on the new values."""
    unrecorded = inplace(plain, name)
    recorded = inplace(_by_operand(_binary(R, name=name), _binary(R.number_rule, scalar_edge=False), name), name)

    def method(self, other):
        return (recorded if self._rg else unrecorded)(self, other)
    return _named_like(method, unrecorded)


def clamp_in_place(plain, name):
    """clamp_ / clip_: clamp written into this tensor, its argument errors naming the in-place form."""
    method = inplace(plain, name)

    def checked(self, min=None, max=None):
        if min is not None and max is not None and isinstance(min, Tensor) != isinstance(max, Tensor):
            min, max = (_bound_number(bound, min, max, name + "_") for bound in (min, max))
        return method(self, min, max)
    return _named_like(checked, method)


def bitwise_in_place(plain):
    """The in-place form of a bitwise op (bitwise_and_ ...): as PyTorch, a float operand on an integer
    or bool tensor is refused as a cast of the result first."""
    method = inplace(plain)

    def checked(self, other):
        if self._data.dtype.kind in "biu" and (type(other) is float or (
                isinstance(other, Tensor) and other._data.dtype.kind in "fc")):
            _core._raise_cast(_core._inplace_result_dtype(self._data, other), _from_np[self._data.dtype])
        return method(self, other)
    return _named_like(checked, method)


def _clamp_bound(a, bound):
    """clamp's number bound as PyTorch converts it into the tensor's own dtype: an integer out of that
    dtype's range is an error (for an unsigned dtype, negatives down to -max wrap around: -1 is 255 for
    uint8), a finite float beyond a float dtype's range too. Bounds that promote (1.5 for an integer
    tensor) pass unchanged."""
    number = type(bound)
    if bound is None or number is bool:
        return bound
    plain = number is int or number is float   # (tested first: the ABC checks below cost more than the rest)
    kind = a.dtype.kind
    if kind in "iu" and (number is int or (not plain and isinstance(bound, numbers.Integral))):
        return int(D.check_number_fits(int(bound), a.dtype))
    if kind == "f" and (plain or isinstance(bound, (numbers.Integral, float))):
        D.check_number_fits(bound if plain else float(bound), a.dtype)
    return bound


def _refuse_bool_bounds(a, min, max):
    """A bool tensor clamped by bool numbers (the result stays bool): PyTorch has no such kernel."""
    if a.dtype.kind == "b" and all(b is None or type(b) is bool for b in (min, max)):
        kernel = "clamp_scalar_cpu" if min is not None and max is not None else (
            "clamp_min_scalar_cpu" if min is not None else "clamp_max_scalar_cpu")
        raise NotImplementedError(f"\"{kernel}\" not implemented for 'Bool'")


def _bound_number(bound, min, max, name):
    """A clamp bound beside a number bound: PyTorch's argument parser takes a 0-d tensor there as the
    number it holds (and refuses any other tensor)."""
    if not isinstance(bound, Tensor):
        return bound
    if bound._data.ndim:
        raise TypeError(f"{name}() received an invalid combination of arguments - got ({type(min).__name__}, "
                        f"{type(max).__name__}), but expected one of: (Tensor min, Tensor max) or (Number min, "
                        "Number max)")
    return bound.item()


def _check_tolerances(rtol, atol):
    if rtol < 0:
        raise RuntimeError(f"rtol must be greater than or equal to zero, but got {rtol}")
    if atol < 0:
        raise RuntimeError(f"atol must be greater than or equal to zero, but got {atol}")


def _check_close_operands(name, self, other):
    """isclose/allclose take two tensors of one dtype whose shapes broadcast (PyTorch's errors)."""
    if not isinstance(other, Tensor):
        raise not_a_tensor(name, "other", other, 1)  # (the method's position: the function adds one)
    a, b = self._data, other._data
    if a.dtype != b.dtype:
        raise RuntimeError(f"{_SCALAR_TYPE_NAMES[self.dtype.name]} did not match "
                           f"{_SCALAR_TYPE_NAMES[other.dtype.name]} (convert one, e.g. b.to(a.dtype))")
    if a.shape != b.shape:
        try:
            np.broadcast_shapes(a.shape, b.shape)
        except ValueError as e:
            raise _broadcast_error(a, b, e) from None


def bitwise(ufunc, name, doc, named=False):
    """A comparison-like method for integer and bool tensors only (PyTorch's error otherwise).
    `named`: the named form (x.bitwise_and(y)), which raises PyTorch's TypeError for an operand of
    the wrong type, before it looks at dtypes, where the operator (x & y) returns NotImplemented."""
    check = _no_grad_binary(ufunc, name, named)

    def method(self, other):
        try:
            kind = self._data.dtype.kind
        except AttributeError:  # called unbound on a non-tensor: Tensor.__rand__(2, x)
            raise not_self(method, self) from None
        if kind not in "biu" or (isinstance(other, Tensor) and other._data.dtype.kind not in "biu") \
                or type(other) is _pyfloat or type(other) is complex:
            if named and not isinstance(other, Tensor) and _as_operand(other) is None:
                raise wrong_operand(name, other)
            bad = self if self._data.dtype.kind not in "biu" else other
            kind = _SCALAR_TYPE_NAMES[bad.dtype.name] if isinstance(bad, Tensor) else (
                "ComplexFloat" if type(other) is complex else "Float")
            raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{kind}' (bitwise ops take integer "
                                      "or bool tensors)")
        return check(self, other)
    return declared(method, name, doc)


def tensor_binary(R, name, doc, to_float=False, float_only=False):
    """A method `name(self, other) -> Tensor` for a two-tensor rule R: `other` must be a Tensor
    (PyTorch's TypeError otherwise), and with `float_only` the promoted dtype must be floating
    (PyTorch's NotImplementedError for integer and bool operands)."""
    apply_rule = _binary(R, to_float)

    def method(self, other):
        if not isinstance(other, Tensor):
            raise TypeError(f"{name}(): argument 'other' (position 1) must be Tensor, not {type(other).__name__}")
        if float_only and _pair_dtype(self._data, other._data).kind not in "fc":
            kind = _SCALAR_TYPE_NAMES[_from_np[_pair_dtype(self._data, other._data)].name]
            raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{kind}'")
        return apply_rule(self, other)
    return declared(method, name, doc)


def complex_only(R, name, doc):
    """A method `name(self) -> Tensor` applying the one-input rule R to a complex tensor; a tensor
    of any other dtype comes back as it is (PyTorch's conj of a real tensor is the tensor itself)."""
    apply_rule = _unary(R, to_float=False)

    def method(self):
        if self._data.dtype.kind != "c":
            return self
        return apply_rule(self)
    return declared(method, name, doc, R)


def _array_or_none(t):
    return None if t is None else t._data


def _edge_or_empty(t):
    return EMPTY_EDGE if t is None else t


def _raise_type(fn, arg, value):
    raise TypeError(f"{fn}(): argument '{arg}' must be Tensor or Number, not {type(value).__name__}")


_pow_scalar = declared(_binary(PowBackward0, scalar_edge=False), "pow", "pow(self, exponent) -> Tensor")
_pow_tensor = binary(PowBackward1, "pow", "pow(self, exponent) -> Tensor")
_round_half_even = unary(RoundBackward0, "round", "round(self) -> Tensor", to_float=False)
_conj_physical_recorded_in_place = complex_only(ConjPhysicalBackward1, "conj_physical",
                                                "conj_physical(self) -> Tensor")
_max_binary = _binary(MaximumBackward0)
_min_binary = _binary(MinimumBackward0)
_fmax_binary = _binary(FmaxBackward0)
_fmin_binary = _binary(FminBackward0)
_clamp_min_tensor = _binary(ClampMinBackward1)
_clamp_max_tensor = _binary(ClampMaxBackward1)


# ============================================================================ the methods
class ElementwiseMethods:
    """Tensor methods that act element by element (broadcasting two operands to one shape)."""

    __slots__ = ()

    # ------------------------------------------------------------------ arithmetic
    __add__ = __radd__ = binary(AddBackward0, "__add__", "__add__(self, other) -> Tensor\n\nself + other, broadcast.")
    __sub__ = binary(SubBackward0, "__sub__", "__sub__(self, other) -> Tensor\n\nself - other, broadcast.")
    # (operators and named forms are separate methods: see binary())
    __mul__ = __rmul__ = binary(
        MulBackward0, "__mul__", "__mul__(self, other) -> Tensor\n\nThe product self * other, broadcast.")
    mul = multiply = binary(
        MulBackward0, "mul", "mul(self, other) -> Tensor\n\nThe product self * other, broadcast.")
    __truediv__ = binary(
        DivBackward0, "__truediv__", "__truediv__(self, other) -> Tensor\n\nThe quotient self / other, broadcast; "
        "integer operands give the default float dtype.", to_float=True)
    true_divide = binary(
        DivBackward0, "true_divide", "true_divide(self, other) -> Tensor\n\nThe quotient self / other, broadcast; "
        "integer operands give the default float dtype.", to_float=True)
    __mod__ = declared(
        _by_operand(_binary(RemainderBackward1), _binary(RemainderBackward0, scalar_edge=False)), "__mod__",
        "__mod__(self, other) -> Tensor\n\nself % other: the remainder with the sign of the divisor.")
    remainder = declared(
        _by_operand(_binary(RemainderBackward1), _binary(RemainderBackward0, scalar_edge=False), "remainder"),
        "remainder", "remainder(self, other) -> Tensor\n\nThe remainder of self / other with the sign of the "
        "divisor (Python's %).")
    __rmod__ = declared(_reflected(RemainderBackward1), "__rmod__",
                        "__rmod__(self, other) -> Tensor\n\nother % self, for a number on the left.")
    __floordiv__ = binary(
        NotImplementedBackward, "__floordiv__",
        "__floordiv__(self, other) -> Tensor\n\nself // other (not differentiable).")
    floor_divide = binary(
        NotImplementedBackward, "floor_divide",
        "floor_divide(self, other) -> Tensor\n\nself / other rounded down to an integer value (not differentiable).")
    __rfloordiv__ = declared(_reflected(NotImplementedBackward), "__rfloordiv__",
                             "__rfloordiv__(self, other) -> Tensor\n\nother // self, for a number on the left.")
    fmod = declared(_by_operand(_binary(FmodBackward1), _binary(FmodBackward0, scalar_edge=False), "fmod"), "fmod",
                    "fmod(self, other) -> Tensor\n\nThe remainder of self / other with the sign of the dividend "
                    "(C's fmod).")

    def __rsub__(self, other):
        """__rsub__(self, other) -> Tensor\n\nother - self, for a number on the left."""
        other = _as_operand(other)
        if other is None:
            return NotImplemented
        if isinstance(other, Tensor):
            return other.__sub__(self)
        _core.refuse_bool_subtraction(type(other) is bool, self._data.dtype.kind == "b")
        return record(RsubBackward1, (self, other), (_scalar_operand(self._data, other, False), other), (self,),
                      None, RsubBackward1.forward)

    def __rtruediv__(self, other):
        """__rtruediv__(self, other) -> Tensor\n\nother / self, for a number on the left."""
        if not isinstance(self, Tensor):  # called unbound on a number: PyTorch's (a Python method) error
            raise AttributeError(f"'{type(self).__name__}' object has no attribute 'reciprocal' "
                                 "(Tensor.__rtruediv__ takes a tensor first)")
        other = _as_operand(other)
        if other is None:
            return NotImplemented
        if isinstance(other, Tensor):
            return other.__truediv__(self)
        return self.reciprocal() * other

    __rdiv__ = __rtruediv__

    def pow(self, exponent):
        """pow(self, exponent) -> Tensor

        self raised to the power `exponent` (a number or a tensor, broadcast)."""
        te = type(exponent)
        if te is Tensor or te is _core._Parameter:
            return _pow_tensor(self, exponent)
        if self._data.dtype.kind in "iu" and type(exponent) is _pyint and exponent < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        result = _pow_scalar(self, exponent)
        if result is NotImplemented:
            raise wrong_operand("pow", exponent, "exponent")
        return result

    def __pow__(self, exponent):
        """__pow__(self, exponent) -> Tensor\n\nself ** exponent."""
        te = type(exponent)
        if te is Tensor or te is _core._Parameter:
            return _pow_tensor(self, exponent)
        if self._data.dtype.kind in "iu" and type(exponent) is _pyint and exponent < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        return _pow_scalar(self, exponent)

    def __rpow__(self, base):
        """__rpow__(self, base) -> Tensor\n\nbase ** self, for a number on the left."""
        base = _as_operand(base)
        if base is None:
            return NotImplemented
        if isinstance(base, Tensor):
            return _pow_tensor(base, self)
        exponent = _scalar_operand(self._data, base, False)
        rule = PowBackward2
        if exponent.dtype.kind == "c":  # the complex rule (ops/_rule.py), on a complex tensor
            rule = PowBackward2.complex_rule()
            if self._data.dtype != exponent.dtype:
                self = self.to(_from_np[exponent.dtype])
                exponent = self._data
        return record(rule, (base, self), (base, exponent), (self,), None, PowBackward2.forward)

    def add(self, other, *, alpha=1):
        """add(self, other, *, alpha=1) -> Tensor

        self + alpha * other, broadcast."""
        result = self.__add__(other if alpha == 1 else other * alpha)
        if result is NotImplemented:  # (the operator's answer: the named op raises)
            raise wrong_operand("add", other)
        return result

    def sub(self, other, *, alpha=1):
        """sub(self, other, *, alpha=1) -> Tensor

        self - alpha * other, broadcast."""
        result = self.__sub__(other if alpha == 1 else other * alpha)
        if result is NotImplemented:
            raise wrong_operand("sub", other)
        return result

    subtract = sub

    def div(self, other, *, rounding_mode=None):
        """div(self, other, *, rounding_mode=None) -> Tensor

        self / other, broadcast: the true quotient, or rounded toward zero (rounding_mode='trunc')
        or down (rounding_mode='floor')."""
        if rounding_mode is None:
            result = self.__truediv__(other)
            if result is NotImplemented:
                raise wrong_operand("div", other)
            return result
        if rounding_mode not in ("floor", "trunc"):
            raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but "
                               f"found '{rounding_mode}'")
        if isinstance(other, Tensor):
            a, b = _operands(self._data, other._data, False)
            return record(DivBackward2, (self, other, rounding_mode), (a, b, rounding_mode), (self, other), None,
                          DivBackward2.forward)
        other = _as_operand(other)
        if other is None or isinstance(other, Tensor):
            return ElementwiseMethods.div(self, other if other is not None else _raise_type("div", "other", other),
                                          rounding_mode=rounding_mode)
        return record(DivBackward2, (self, other, rounding_mode),
                      (_scalar_operand(self._data, other, False), other, rounding_mode), (self, EMPTY_EDGE),
                      None, DivBackward2.forward)

    divide = div

    def square(self):
        """square(self) -> Tensor

        Each element times itself."""
        return _pow_scalar(self, 2)

    __neg__ = neg = negative = unary(NegBackward0, "neg", "neg(self) -> Tensor\n\nThe negation -x of each element.",
                                     to_float=False)

    def __pos__(self):
        """__pos__(self) -> Tensor\n\n+self: the tensor itself."""
        return self

    __abs__ = abs = absolute = unary(AbsBackward0, "abs", "abs(self) -> Tensor\n\nThe absolute value |x| of each "
                                     "element.", to_float=False)
    reciprocal = unary(ReciprocalBackward0, "reciprocal", "reciprocal(self) -> Tensor\n\n1 / x for each element.")

    # ------------------------------------------------------------------ exponentials and logarithms
    exp = unary(ExpBackward0, "exp", "exp(self) -> Tensor\n\nThe exponential e**x of each element.")
    expm1 = unary(Expm1Backward0, "expm1", "expm1(self) -> Tensor\n\ne**x - 1 for each element, exact even "
                  "for x near 0.")
    log = unary(LogBackward0, "log", "log(self) -> Tensor\n\nThe natural logarithm of each element.")
    log2 = unary(Log2Backward0, "log2", "log2(self) -> Tensor\n\nThe base-2 logarithm of each element.")
    log10 = unary(Log10Backward0, "log10", "log10(self) -> Tensor\n\nThe base-10 logarithm of each element.")
    log1p = unary(Log1PBackward0, "log1p", "log1p(self) -> Tensor\n\nlog(1 + x) for each element, exact even "
                  "for x near 0.")
    sqrt = unary(SqrtBackward0, "sqrt", "sqrt(self) -> Tensor\n\nThe square root of each element.")
    rsqrt = unary(RsqrtBackward0, "rsqrt", "rsqrt(self) -> Tensor\n\n1 / sqrt(x) for each element.")

    # ------------------------------------------------------------------ trigonometry
    sin = unary(SinBackward0, "sin", "sin(self) -> Tensor\n\nThe sine of each element (in radians).")
    cos = unary(CosBackward0, "cos", "cos(self) -> Tensor\n\nThe cosine of each element (in radians).")
    tan = unary(TanBackward0, "tan", "tan(self) -> Tensor\n\nThe tangent of each element (in radians).")
    sinh = unary(SinhBackward0, "sinh", "sinh(self) -> Tensor\n\nThe hyperbolic sine of each element.")
    cosh = unary(CoshBackward0, "cosh", "cosh(self) -> Tensor\n\nThe hyperbolic cosine of each element.")
    tanh = unary(TanhBackward0, "tanh", "tanh(self) -> Tensor\n\nThe hyperbolic tangent of each element.")
    asin = arcsin = unary(AsinBackward0, "asin", "asin(self) -> Tensor\n\nThe inverse sine of each element "
                          "(nan outside [-1, 1]).")
    acos = arccos = unary(AcosBackward0, "acos", "acos(self) -> Tensor\n\nThe inverse cosine of each element "
                          "(nan outside [-1, 1]).")
    atan = arctan = unary(AtanBackward0, "atan", "atan(self) -> Tensor\n\nThe inverse tangent of each element, "
                          "in (-pi/2, pi/2).")

    exp2 = unary(Exp2Backward0, "exp2", "exp2(self) -> Tensor\n\n2**x for each element.")
    logaddexp = tensor_binary(
        LogaddexpBackward0, "logaddexp", "logaddexp(self, other) -> Tensor\n\nlog(e**self + e**other) "
        "for each pair of elements (broadcast), without overflow for large inputs.", float_only=True)
    hypot = tensor_binary(
        HypotBackward0, "hypot", "hypot(self, other) -> Tensor\n\nsqrt(self**2 + other**2) for each pair of "
        "elements (broadcast): the length of the hypotenuse.", float_only=True)
    atan2 = arctan2 = tensor_binary(
        Atan2Backward0, "atan2", "atan2(self, other) -> Tensor\n\nThe angle in (-pi, pi] of the point "
        "(x=other, y=self), for each pair of elements (broadcast).", to_float=True)
    copysign = declared(_by_operand(_binary(CopysignBackward0, to_float=True),
                                    _binary(CopysignBackward1, to_float=True, scalar_edge=False), "copysign"), "copysign",
                        "copysign(self, other) -> Tensor\n\nThe magnitude of self with the sign of other (a "
                        "tensor, broadcast, or a number), for each element.")

    # ------------------------------------------------------------------ complex numbers
    conj = complex_only(ConjBackward0, "conj", "conj(self) -> Tensor\n\nThe complex conjugate of each element "
                        "(its imaginary part negated); a tensor that is not complex comes back as it is.\n\n"
                        "PyTorch returns a lazily conjugated view (is_conj() True, sharing memory with self); "
                        "torchless conjugates at once: the result is a new tensor with is_conj() False.")
    conj_physical = complex_only(
        ConjPhysicalBackward0, "conj_physical", "conj_physical(self) -> Tensor\n\nThe complex conjugate of "
        "each element, computed into a new tensor; a tensor that is not complex comes back as it is.")

    def resolve_conj(self) -> "Tensor":
        """resolve_conj(self) -> Tensor

        This tensor with a pending lazy conjugation carried out. torchless never leaves one
        pending (conj() computes at once), so this is self."""
        return self  # type: ignore[return-value]  # the mixin's self is always the final Tensor

    def is_conj(self) -> bool:
        """is_conj(self) -> bool

        Whether this tensor is a lazily conjugated view (PyTorch's conjugate bit). torchless
        conjugates at once and never sets it: always False, even for the result of conj()."""
        return False

    def resolve_neg(self) -> "Tensor":
        """resolve_neg(self) -> Tensor

        This tensor with a pending lazy negation carried out. torchless never leaves one pending,
        so this is self."""
        return self  # type: ignore[return-value]  # the mixin's self is always the final Tensor

    def is_neg(self) -> bool:
        """is_neg(self) -> bool

        Whether this tensor is a lazily negated view (PyTorch's negative bit). torchless never
        sets it: always False."""
        return False

    # ------------------------------------------------------------------ activations
    sigmoid = unary(SigmoidBackward0, "sigmoid", "sigmoid(self) -> Tensor\n\nThe logistic function "
                    "1 / (1 + e**-x) of each element.")
    relu = unary(ReluBackward0, "relu", "relu(self) -> Tensor\n\nEach element, with negative values replaced "
                 "by zero.", to_float=False)

    def softmax(self, dim: int, dtype: "D.dtype | None" = None) -> "Tensor":
        """softmax(self, dim, dtype=None) -> Tensor

        e**x / sum(e**x) along `dim`: each slice becomes positive and sums to 1 (computed with the
        slice's maximum subtracted, so large values do not overflow). dtype: cast to it first."""
        # the mixin's self is always the final Tensor, which a mixin's annotations cannot say
        return _softmax_family(SoftmaxBackward0, "softmax", self, dim, dtype)  # type: ignore[arg-type]

    def log_softmax(self, dim: int, dtype: "D.dtype | None" = None) -> "Tensor":
        """log_softmax(self, dim, dtype=None) -> Tensor

        x - log(sum(e**x)) along `dim`: the logarithm of softmax, computed without forming it
        (stable for large and for very negative values). dtype: cast to it first."""
        # the mixin's self is always the final Tensor, which a mixin's annotations cannot say
        return _softmax_family(LogSoftmaxBackward0, "log_softmax", self, dim, dtype)  # type: ignore[arg-type]

    # ------------------------------------------------------------------ rounding and sign
    sign = unary(SignBackward0, "sign", "sign(self) -> Tensor\n\n-1, 0 or 1 for negative, zero and positive "
                 "elements.", to_float=False)
    floor = unary(FloorBackward0, "floor", "floor(self) -> Tensor\n\nEach element rounded down to an integer "
                  "value.", to_float=False)
    ceil = unary(CeilBackward0, "ceil", "ceil(self) -> Tensor\n\nEach element rounded up to an integer value.",
                 to_float=False)
    trunc = fix = unary(TruncBackward0, "trunc", "trunc(self) -> Tensor\n\nEach element rounded toward zero to "
                        "an integer value.", to_float=False)

    def round(self, *, decimals=0):
        """round(self, *, decimals=0) -> Tensor

        Each element rounded to `decimals` decimal places, halves to the even neighbour."""
        if type(decimals) is not _pyint:
            decimals = _args.int_arg(decimals, "round", "decimals")
        if decimals == 0:
            return _round_half_even(self)
        a = self._data if self._data.dtype.kind in "fc" else self._data.astype(_F.float)
        return record(RoundBackward1, (self, decimals), (a, decimals), (self,), None, RoundBackward1.forward)

    # ------------------------------------------------------------------ bounds
    def maximum(self, other):
        """maximum(self, other) -> Tensor

        The larger of self and other at each position (broadcast); nan if either is nan."""
        if not isinstance(other, Tensor):
            raise TypeError(f"maximum(): argument 'other' must be Tensor, not {type(other).__name__}")
        return _max_binary(self, other)

    def minimum(self, other):
        """minimum(self, other) -> Tensor

        The smaller of self and other at each position (broadcast); nan if either is nan."""
        if not isinstance(other, Tensor):
            raise TypeError(f"minimum(): argument 'other' must be Tensor, not {type(other).__name__}")
        return _min_binary(self, other)

    def fmax(self, other):
        """fmax(self, other) -> Tensor

        The larger of self and other at each position (broadcast), ignoring NaN: where one is NaN,
        the other; NaN only where both are."""
        if not isinstance(other, Tensor):
            raise not_a_tensor("fmax", "other", other)
        return _fmax_binary(self, other)

    def fmin(self, other):
        """fmin(self, other) -> Tensor

        The smaller of self and other at each position (broadcast), ignoring NaN: where one is NaN,
        the other; NaN only where both are."""
        if not isinstance(other, Tensor):
            raise not_a_tensor("fmin", "other", other)
        return _fmin_binary(self, other)

    def clamp(self, min=None, max=None):
        """clamp(self, min=None, max=None) -> Tensor

        Each element limited to [min, max] (either bound may be left out; numbers or tensors)."""
        if min is None and max is None:
            raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
        if self._data.dtype.kind == "c":
            raise NotImplementedError("clamp is not supported for complex types")
        if min is not None and max is not None and isinstance(min, Tensor) != isinstance(max, Tensor):
            min, max = (_bound_number(bound, min, max, "clamp") for bound in (min, max))
        if isinstance(min, Tensor) or isinstance(max, Tensor):
            dt = self._data
            for bound in (min, max):
                if bound is not None:
                    dt = _asarray(0, _pair_dtype(dt, bound._data))
            target = _from_np[dt.dtype]
            x, lo, hi = (None if t is None else t.to(target) for t in (self, min, max))
            try:
                return record(ClampBackward0, (x, lo, hi), (x._data, _array_or_none(lo), _array_or_none(hi)),
                              (x, _edge_or_empty(lo), _edge_or_empty(hi)), None, ClampBackward0.forward)
            except ValueError as e:
                raise _broadcast_error(self._data, (min if min is not None else max)._data, e) from None
        a = self._data
        _refuse_bool_bounds(a, min, max)
        min, max = _clamp_bound(a, min), _clamp_bound(a, max)
        for bound in (min, max):
            if bound is not None:
                a = _scalar_operand(a, bound, False)
        return record(ClampBackward1, (self, min, max), (a, min, max), (self,), None, ClampBackward1.forward)

    clip = clamp

    def clamp_min(self, min):
        """clamp_min(self, min) -> Tensor

        Each element raised to at least `min` (a number or a tensor)."""
        if isinstance(min, Tensor):
            return _clamp_min_tensor(self, min)
        _refuse_bool_bounds(self._data, min, None)
        min = _clamp_bound(self._data, min)
        return record(ClampMinBackward0, (self, min), (_scalar_operand(self._data, min, False), min), (self,), None,
                      ClampMinBackward0.forward)

    def clamp_max(self, max):
        """clamp_max(self, max) -> Tensor

        Each element lowered to at most `max` (a number or a tensor)."""
        if isinstance(max, Tensor):
            return _clamp_max_tensor(self, max)
        _refuse_bool_bounds(self._data, None, max)
        max = _clamp_bound(self._data, max)
        return record(ClampMaxBackward0, (self, max), (_scalar_operand(self._data, max, False), max), (self,), None,
                      ClampMaxBackward0.forward)

    def where(self, condition, other):
        """where(self, condition, other) -> Tensor

        self where `condition` holds, else `other` (see torch.where)."""
        return where(condition, self, other)

    # ------------------------------------------------------------------ comparisons and logic
    __eq__ = _operator(np.equal, "eq", "eq(self, other) -> Tensor\n\nTrue where self == other (broadcast).")
    eq = comparison(np.equal, "eq", "eq(self, other) -> Tensor\n\nTrue where self == other (broadcast).")
    __ne__ = _operator(np.not_equal, "ne", "ne(self, other) -> Tensor\n\nTrue where "
                                         "self != other (broadcast).")
    ne = not_equal = comparison(np.not_equal, "ne", "ne(self, other) -> Tensor\n\nTrue where "
                                         "self != other (broadcast).")
    __lt__ = _operator(np.less, "lt", "lt(self, other) -> Tensor\n\nTrue where self < other "
                                    "(broadcast).")
    lt = less = comparison(np.less, "lt", "lt(self, other) -> Tensor\n\nTrue where self < other "
                                    "(broadcast).")
    __le__ = _operator(np.less_equal, "le", "le(self, other) -> Tensor\n\nTrue where "
                                          "self <= other (broadcast).")
    le = less_equal = comparison(np.less_equal, "le", "le(self, other) -> Tensor\n\nTrue where "
                                          "self <= other (broadcast).")
    __gt__ = _operator(np.greater, "gt", "gt(self, other) -> Tensor\n\nTrue where self > other "
                                       "(broadcast).")
    gt = greater = comparison(np.greater, "gt", "gt(self, other) -> Tensor\n\nTrue where self > other "
                                       "(broadcast).")
    __ge__ = _operator(np.greater_equal, "ge", "ge(self, other) -> Tensor\n\nTrue where "
                                             "self >= other (broadcast).")
    ge = greater_equal = comparison(np.greater_equal, "ge", "ge(self, other) -> Tensor\n\nTrue where "
                                             "self >= other (broadcast).")
    # Defining __eq__ in a class body sets its __hash__ to None; tensors hash by identity, as in PyTorch.
    __hash__ = object.__hash__
    logical_and = logical(np.logical_and, "logical_and", "logical_and(self, other) -> Tensor\n\nTrue where "
                             "both self and other are nonzero.")
    logical_or = logical(np.logical_or, "logical_or", "logical_or(self, other) -> Tensor\n\nTrue where "
                            "self or other (or both) are nonzero.")
    logical_xor = logical(np.logical_xor, "logical_xor", "logical_xor(self, other) -> Tensor\n\nTrue where "
                             "exactly one of self and other is nonzero.")

    def logical_not(self):
        """logical_not(self) -> Tensor

        True where the element is zero (a bool tensor)."""
        return _plain_out(np.logical_not(self._data))

    def isnan(self):
        """isnan(self) -> Tensor

        True where the element is nan."""
        return _plain_out(np.isnan(self._data))

    def isinf(self):
        """isinf(self) -> Tensor

        True where the element is +inf or -inf."""
        return _plain_out(np.isinf(self._data))

    def isfinite(self):
        """isfinite(self) -> Tensor

        True where the element is neither nan nor infinite."""
        return _plain_out(np.isfinite(self._data))

    def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        """allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool

        Whether |self - other| <= atol + rtol * |other| holds everywhere (broadcast)."""
        _check_tolerances(rtol, atol)
        _check_close_operands("allclose", self, other)
        return bool(np.allclose(self._data, other._data, rtol, atol, equal_nan))

    def isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        """isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> Tensor

        True where |self - other| <= atol + rtol * |other| (broadcast)."""
        if not isinstance(other, Tensor):
            raise TypeError(f"isclose(): argument 'other' (position 1) must be Tensor, not {type(other).__name__}")
        _check_tolerances(rtol, atol)
        _check_close_operands("isclose", self, other)
        return _plain_out(np.isclose(self._data, other._data, rtol, atol, equal_nan))

    def equal(self, other):
        """equal(self, other) -> bool

        Whether self and other have the same shape and the same elements."""
        if not isinstance(other, Tensor):
            raise not_a_tensor("equal", "other", other)
        return bool(self._data.shape == other._data.shape and np.array_equal(self._data, other._data))

    # ------------------------------------------------------------------ bitwise (integer and bool tensors)
    __and__ = __rand__ = bitwise(np.bitwise_and, "bitwise_and", "bitwise_and(self, other) -> "
                                 "Tensor\n\nThe bitwise AND of self and other (logical AND for bool).")
    __or__ = __ror__ = bitwise(np.bitwise_or, "bitwise_or", "bitwise_or(self, other) -> Tensor\n\n"
                               "The bitwise OR of self and other (logical OR for bool).")
    __xor__ = __rxor__ = bitwise(np.bitwise_xor, "bitwise_xor", "bitwise_xor(self, other) -> "
                                 "Tensor\n\nThe bitwise XOR of self and other (logical XOR for bool).")
    # the named forms: a TypeError for an operand of the wrong type (the operators return NotImplemented)
    bitwise_and = bitwise(np.bitwise_and, "bitwise_and", __and__.__doc__, named=True)
    bitwise_or = bitwise(np.bitwise_or, "bitwise_or", __or__.__doc__, named=True)
    bitwise_xor = bitwise(np.bitwise_xor, "bitwise_xor", __xor__.__doc__, named=True)

    def bitwise_not(self):
        """bitwise_not(self) -> Tensor

        Each element's bits inverted (logical NOT for bool)."""
        if self._data.dtype.kind not in "biu":
            raise NotImplementedError(f"\"bitwise_not_cpu\" not implemented for "
                                      f"'{_SCALAR_TYPE_NAMES[self.dtype.name]}' (bitwise ops take integer or bool "
                                      "tensors)")
        return _plain_out(np.invert(self._data))

    def __invert__(self):
        """__invert__(self) -> Tensor (~x)

        bitwise_not: each element's bits inverted (logical NOT for bool)."""
        if self._data.dtype.kind not in "biu":
            raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type tensors "
                            "(for a float mask, compare instead: x == 0)")
        return _plain_out(np.invert(self._data))

    # ------------------------------------------------------------------ in place
    add_ = __iadd__ = inplace_binary(add, np.add)
    sub_ = subtract_ = __isub__ = inplace_binary(sub, np.subtract)
    mul_ = multiply_ = __imul__ = inplace_binary(mul, np.multiply)
    div_ = divide_ = __itruediv__ = inplace_binary(div)
    pow_ = __ipow__ = inplace_binary(pow)
    remainder_ = __imod__ = inplace_binary(remainder)
    floor_divide_ = __ifloordiv__ = inplace_binary(floor_divide)
    neg_ = negative_ = inplace(neg)
    abs_ = inplace(abs)
    exp_ = inplace(exp)
    expm1_ = inplace(expm1)
    log_ = inplace(log)
    log1p_ = inplace(log1p)
    sqrt_ = inplace(sqrt)
    rsqrt_ = inplace(rsqrt)
    sin_ = inplace(sin)
    cos_ = inplace(cos)
    tan_ = inplace(tan)
    tanh_ = inplace(tanh)
    sigmoid_ = inplace(sigmoid)
    relu_ = inplace(relu)
    reciprocal_ = inplace(reciprocal)
    sign_ = inplace(sign)
    floor_ = inplace(floor)
    ceil_ = inplace(ceil)
    round_ = inplace(round)
    trunc_ = inplace(trunc)
    clamp_ = clamp_in_place(clamp, "clamp")
    clip_ = clamp_in_place(clip, "clip")
    clamp_min_ = inplace(clamp_min)
    clamp_max_ = inplace(clamp_max)
    square_ = inplace(square)
    exp2_ = inplace(exp2)
    hypot_ = inplace(hypot)
    atan2_ = inplace(atan2)
    arctan2_ = inplace(atan2, "arctan2")
    copysign_ = inplace(copysign)
    conj_physical_ = inplace(_conj_physical_recorded_in_place)
    absolute_ = inplace(abs, "absolute")
    fix_ = inplace(trunc, "fix")
    acos_ = inplace(acos)
    arccos_ = inplace(acos, "arccos")
    asin_ = inplace(asin)
    arcsin_ = inplace(asin, "arcsin")
    atan_ = inplace(atan)
    arctan_ = inplace(atan, "arctan")
    sinh_ = inplace(sinh)
    cosh_ = inplace(cosh)
    log2_ = inplace(log2)
    log10_ = inplace(log10)
    fmod_ = inplace(fmod)
    true_divide_ = inplace(true_divide)
    # comparisons and logical ops write 1 or 0 in this tensor's dtype (logical ones record nothing,
    # as in PyTorch)
    eq_ = comparison_in_place(eq, EqBackward1, "eq")
    ne_ = comparison_in_place(ne, NeBackward1, "ne")
    not_equal_ = comparison_in_place(ne, NeBackward1, "not_equal")
    lt_ = comparison_in_place(lt, LtBackward1, "lt")
    less_ = comparison_in_place(lt, LtBackward1, "less")
    le_ = comparison_in_place(le, LeBackward1, "le")
    less_equal_ = comparison_in_place(le, LeBackward1, "less_equal")
    gt_ = comparison_in_place(gt, GtBackward1, "gt")
    greater_ = comparison_in_place(gt, GtBackward1, "greater")
    ge_ = comparison_in_place(ge, GeBackward1, "ge")
    greater_equal_ = comparison_in_place(ge, GeBackward1, "greater_equal")
    logical_and_ = inplace(logical_and)
    logical_or_ = inplace(logical_or)
    logical_xor_ = inplace(logical_xor)
    logical_not_ = inplace(logical_not)
    bitwise_and_ = __iand__ = bitwise_in_place(bitwise_and)
    bitwise_or_ = __ior__ = bitwise_in_place(bitwise_or)
    bitwise_xor_ = __ixor__ = bitwise_in_place(bitwise_xor)
    bitwise_not_ = inplace(bitwise_not)
