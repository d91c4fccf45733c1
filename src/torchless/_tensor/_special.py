"""Tensor methods for elementwise math and special functions (their rules: ops/special.py).

Inverse hyperbolics, deg2rad, sgn, frac, xlogy, sinc, logit, nan_to_num, float_power, lerp,
addcmul/addcdiv, ldexp, gcd/lcm, the shifts, angle, frexp, and the error and gamma function
families; `__all__` lists the torch functions that are not simply Tensor methods (torch.rsub,
torch.polygamma(n, x), torch.xlogy(number, x) ...). torch.special is built on these (special.py).
"""
from typing import TYPE_CHECKING

import numbers

import numpy as np

from .. import _args, _dtype as D
from ._core import (
    _as_operand, _binary, _broadcast_error, _by_operand, _no_grad_binary, _pair_dtype, _plain_out, _scalar_operand,
    _SCALAR_TYPE_NAMES,
    apply, record, refuse_bool_subtraction, wrong_operand,
)
from ._elementwise import declared, tensor_binary, unary
from ._inplace import inplace
from ._reduction import _return_type, return_types
from ..ops import special as SP
from ..ops.elementwise import RsubBackward1

if TYPE_CHECKING:  # annotations name the final class, assembled in _tensor/__init__.py from the mixins
    from . import Tensor
else:  # at run time: _core's name, rebound to the final class by bind_tensor_class
    from ._core import Tensor

_F = D.defaults
_from_np = D.FROM_NP
_pyfloat = float

# the torch functions this module adds (the mixin SpecialMethods is taken by _tensor/__init__.py)
__all__ = ["rsub", "polygamma", "mvlgamma", "xlogy", "float_power", "frexp"]

setattr(return_types, "frexp", _return_type("frexp", ("mantissa", "exponent")))


def _opmath(np_dtype):
    """The dtype PyTorch computes a number operand in: float32 for float16 tensors, else the tensor's."""
    return np.dtype(np.float32) if np_dtype == np.float16 else np_dtype


_C_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half", "bfloat16": "c10::BFloat16",
            "complex64": "c10::complex<float>", "complex128": "c10::complex<double>"}


def _c_name(t):
    """The C type PyTorch's messages name a tensor's dtype by (float, double ...)."""
    return _C_NAMES.get(t.dtype.name, t.dtype.name)


def _check_broadcast(*arrays):
    """PyTorch's error for operands whose shapes do not broadcast (the first pair that fails)."""
    shape = arrays[0].shape
    for b in arrays[1:]:
        try:
            shape = np.broadcast_shapes(shape, b.shape)
        except ValueError as e:
            raise _broadcast_error(np.broadcast_to(0, shape), b, e) from None


def _kind_name(np_dtype):
    return _SCALAR_TYPE_NAMES[_from_np[np.dtype(np_dtype)].name]


def _float_only(name, a):
    if a.dtype.kind != "f":
        raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{_kind_name(a.dtype)}' (convert the "
                                  "tensor to a floating dtype first, e.g. x.float())")


def _apply_unary(R, self, *constants, to_float=True):
    """Rule R on self (integers first cast to the default float when `to_float`), with constant
    arguments after it (logit's eps, polygamma's n): recorded when self requires grad."""
    a = self._data
    if to_float and a.dtype.kind in "biu":
        a = a.astype(_F.float)
    edges = (self,)
    return record(R, (self,) + constants, (a,) + constants, edges, None, R.forward)


def _reflected_number(R, number, other, to_float=True):
    """R(number, tensor) with PyTorch's promotion: the number takes the tensor's dtype (its float
    default for a float number and an integer tensor); only the tensor is an edge."""
    b = _scalar_operand(other._data, number, to_float)
    a = np.asarray(number, b.dtype)
    return record(R, (number, other), (a, b), (other,), None, R.forward)


def _integer_only(ufunc, name, kernel):
    """A method for integer tensors only (bool refused, as PyTorch does), never recorded: gcd, lcm."""
    check = _no_grad_binary(ufunc, name)

    def method(self, other):
        if not isinstance(other, Tensor):
            raise TypeError(f"{name}(): argument 'other' (position 1) must be Tensor, not {type(other).__name__}")
        # (bool is refused where the promoted dtype is bool: both operands bool)
        allowed = "iu" if self._data.dtype.kind == "b" == other._data.dtype.kind else "biu"
        for t in (self, other):
            if isinstance(t, Tensor) and t._data.dtype.kind not in allowed:
                raise NotImplementedError(f"\"{kernel}_cpu\" not implemented for '{_kind_name(t._data.dtype)}' "
                                          f"({name} takes integer tensors)")
        if type(other) is _pyfloat:
            raise NotImplementedError(f"\"{kernel}_cpu\" not implemented for 'Float' ({name} takes integer tensors)")
        return check(self, other)
    return method


def _shift(left, named=False):
    """Bitwise shift on integer tensors with PyTorch's out-of-range rule: a left shift by a negative
    amount or by the bit width or more gives 0; a right shift by those fills with the sign bit."""
    kernel = "lshift" if left else "rshift"

    def compute(a, b):
        a, b = np.asarray(a), np.asarray(b)
        bits = a.dtype.itemsize * 8
        out_of_range = (b < 0) | (b >= bits)
        safe = np.where(out_of_range, 0, b).astype(a.dtype, copy=False)
        if left:
            out = np.left_shift(a, safe)
            return np.where(out_of_range, np.zeros((), a.dtype), out)
        out = np.right_shift(a, safe)
        return np.where(out_of_range, np.right_shift(a, np.asarray(bits - 1, a.dtype)) if a.dtype.kind == "i"
                        else np.zeros((), a.dtype), out)

    name = "bitwise_left_shift" if left else "bitwise_right_shift"
    check = _no_grad_binary(compute, name if named else kernel, named)

    def method(self, other):
        bad = [t for t in (self, other) if isinstance(t, Tensor) and t._data.dtype.kind not in "biu"]
        if bad or type(other) is _pyfloat:
            if named and not isinstance(other, Tensor) and _as_operand(other) is None:
                raise wrong_operand(name, other)
            kind = _kind_name(bad[0]._data.dtype) if bad else "Float"
            raise NotImplementedError(f"\"{kernel}_cpu\" not implemented for '{kind}' (shifts take integer tensors)")
        return check(self, other)
    return method


_xlogy_pair = _by_operand(_binary(SP.XlogyBackward0, to_float=True),
                          _binary(SP.XlogyBackward2, to_float=True, scalar_edge=False), "xlogy")
_xlog1py_pair = _by_operand(_binary(SP.SpecialXlog1PyBackward0, to_float=True),
                            _binary(SP.SpecialXlog1PyBackward2, to_float=True, scalar_edge=False), "xlog1py")
_zeta_pair = _by_operand(_binary(SP.SpecialZetaBackward0, to_float=True),
                         _binary(SP.SpecialZetaBackward2, to_float=True, scalar_edge=False), "zeta")
_ldexp_pair = _binary(SP.LdexpBackward0, to_float=True)
_logaddexp2 = tensor_binary(SP.Logaddexp2Backward0, "logaddexp2", "", float_only=True)
_nextafter = tensor_binary(SP.NextafterBackward0, "nextafter", "", float_only=True)
_igamma = tensor_binary(SP.IgammaBackward0, "igamma", "", float_only=True)
_igammac = tensor_binary(SP.IgammacBackward0, "igammac", "", float_only=True)


def _binary_special(pair, reflected_rule, name):
    """f(input, other) where either may be a number (xlogy, xlog1py, zeta)."""
    def function(input, other):
        if not isinstance(input, Tensor):
            if not isinstance(other, Tensor):
                raise TypeError(f"{name}(): at least one of 'input' and 'other' must be a Tensor")
            return _reflected_number(reflected_rule, input, other)
        return pair(input, other)
    return function


xlogy_function = _binary_special(_xlogy_pair, SP.XlogyBackward1, "xlogy")
xlog1py_function = _binary_special(_xlog1py_pair, SP.SpecialXlog1PyBackward1, "xlog1py")
zeta_function = _binary_special(_zeta_pair, SP.SpecialZetaBackward1, "zeta")


# ============================================================================ the methods
class SpecialMethods:
    """Elementwise math and special functions (ops/special.py)."""

    __slots__ = ()

    # ------------------------------------------------------------------ inverse hyperbolic functions
    acosh = arccosh = unary(SP.AcoshBackward0, "acosh", "acosh(self) -> Tensor\n\nThe inverse hyperbolic cosine of "
                            "each element (NaN below 1).")
    asinh = arcsinh = unary(SP.AsinhBackward0, "asinh", "asinh(self) -> Tensor\n\nThe inverse hyperbolic sine of each "
                            "element.")
    atanh = arctanh = unary(SP.AtanhBackward0, "atanh", "atanh(self) -> Tensor\n\nThe inverse hyperbolic tangent of "
                            "each element (±inf at ±1, NaN beyond).")
    deg2rad = unary(SP.Deg2RadBackward0, "deg2rad", "deg2rad(self) -> Tensor\n\nEach element converted from degrees "
                    "to radians (times π/180).")
    rad2deg = unary(SP.Rad2DegBackward0, "rad2deg", "rad2deg(self) -> Tensor\n\nEach element converted from radians "
                    "to degrees (times 180/π).")
    sgn = unary(SP.SgnBackward0, "sgn", "sgn(self) -> Tensor\n\nThe sign of each element: sign(x) for real tensors, "
                "x / |x| (0 at 0) for complex ones.", to_float=False)

    def signbit(self):
        """signbit(self) -> Tensor

        True where the element's sign bit is set (negative numbers, -0.0, and NaNs with the bit set)."""
        a = self._data
        if a.dtype.kind == "c":
            raise NotImplementedError("signbit is not implemented for complex tensors.")
        if a.dtype.kind == "b":
            return _plain_out(np.zeros(a.shape, bool))
        return _plain_out(np.signbit(a))

    def frac(self):
        """frac(self) -> Tensor

        The fractional part of each element, x - trunc(x) (with x's sign)."""
        _float_only("frac", self._data)
        return _apply_unary(SP.FracBackward0, self, to_float=False)

    def positive(self):
        """positive(self) -> Tensor

        The tensor itself (+x); an error for bool tensors, as in PyTorch."""
        if self._data.dtype.kind == "b":
            raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
        return self

    def isposinf(self):
        """isposinf(self) -> Tensor

        True where the element is +inf."""
        if self._data.dtype.kind == "c":
            raise RuntimeError("isposinf does not support complex inputs.")
        return _plain_out(np.isposinf(self._data) if self._data.dtype.kind == "f" else np.zeros(self._data.shape, bool))

    def isneginf(self):
        """isneginf(self) -> Tensor

        True where the element is -inf."""
        if self._data.dtype.kind == "c":
            raise RuntimeError("isneginf does not support complex inputs.")
        return _plain_out(np.isneginf(self._data) if self._data.dtype.kind == "f" else np.zeros(self._data.shape, bool))

    def isreal(self):
        """isreal(self) -> Tensor

        True where the element has no imaginary part (everywhere, for a real tensor)."""
        a = self._data
        return _plain_out(a.imag == 0 if a.dtype.kind == "c" else np.ones(a.shape, bool))

    def logaddexp2(self, other):
        """logaddexp2(self, other) -> Tensor

        log2(2**self + 2**other) for each pair of elements (broadcast), without overflow."""
        return _logaddexp2(self, other)

    def xlogy(self, other):
        """xlogy(self, other) -> Tensor

        self * log(other) for each pair of elements (broadcast; other may be a number), 0 where
        self is 0 unless other is NaN."""
        return _xlogy_pair(self, other)

    sinc = unary(SP.SincBackward0, "sinc", "sinc(self) -> Tensor\n\nThe normalized sinc function sin(pi x) / (pi x) "
                 "of each element (1 at 0).")

    def logit(self, eps=None):
        """logit(self, eps=None) -> Tensor

        log(x / (1 - x)) for each element; with `eps`, x is first clamped to [eps, 1 - eps]."""
        if eps is not None and type(eps) is not float:
            eps = _args.float_arg(eps, "logit", "eps", 1)
        return _apply_unary(SP.LogitBackward0, self, eps)

    def nan_to_num(self, nan=0.0, posinf=None, neginf=None):
        """nan_to_num(self, nan=0.0, posinf=None, neginf=None) -> Tensor

        Each NaN replaced by `nan`, +inf by `posinf` and -inf by `neginf` (by default the largest
        and the lowest finite value of the dtype)."""
        if type(nan) is not float or posinf is not None or neginf is not None:
            nan = 0.0 if nan is None else _args.float_arg(nan, "nan_to_num", "nan", 1)
            posinf = None if posinf is None else _args.float_arg(posinf, "nan_to_num", "posinf", 2)
            neginf = None if neginf is None else _args.float_arg(neginf, "nan_to_num", "neginf", 3)
        return _apply_unary(SP.NanToNumBackward0, self, nan, posinf, neginf, to_float=False)

    def float_power(self, exponent):
        """float_power(self, exponent) -> Tensor

        self ** exponent computed in double precision (float64, or complex128 for complex operands)."""
        return float_power(self, exponent)

    def heaviside(self, values):
        """heaviside(self, values) -> Tensor

        The Heaviside step function of each element: 0 below 0, 1 above, `values` (broadcast) at 0."""
        if not isinstance(values, Tensor):
            raise TypeError(f"heaviside(): argument 'values' (position 1) must be Tensor, not {type(values).__name__}")
        a, v = self._data, values._data
        if a.dtype.kind == "c" or v.dtype.kind == "c":
            raise RuntimeError("heaviside is not yet implemented for complex tensors.")
        if a.dtype != v.dtype:
            raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")
        return apply(SP.HeavisideBackward0, self, values)

    def lerp(self, end, weight):
        """lerp(self, end, weight) -> Tensor

        The linear interpolation self + weight * (end - self), broadcast (weight a number or a tensor)."""
        if not isinstance(end, Tensor):
            raise TypeError(f"lerp(): argument 'end' (position 1) must be Tensor, not {type(end).__name__}")
        a, e = self._data, end._data
        weight_tensor = isinstance(weight, Tensor)
        kernel = "lerp_kernel_tensor" if weight_tensor else "lerp_kernel_scalar"
        if a.dtype != e.dtype:
            raise RuntimeError(f"expected dtype {_c_name(self)} for `end` but got dtype {_c_name(end)}")
        if a.dtype.kind not in "fc":
            raise NotImplementedError(f"\"{kernel}\" not implemented for '{_kind_name(a.dtype)}'")
        if weight_tensor:
            if weight._data.dtype != a.dtype:
                raise RuntimeError(f"expected dtype {_c_name(self)} for `weight` but got dtype {_c_name(weight)}")
            _check_broadcast(a, e, weight._data)
            return apply(SP.LerpBackward1, self, end, weight)
        _check_broadcast(a, e)
        w = np.asarray(weight, _opmath(a.dtype)) if not isinstance(weight, complex) or a.dtype.kind == "c" else weight
        return record(SP.LerpBackward0, (self, end, w), (a, e, w), (self, end), None, SP.LerpBackward0.forward)

    def addcmul(self, tensor1, tensor2, *, value=1):
        """addcmul(self, tensor1, tensor2, *, value=1) -> Tensor

        self + value * tensor1 * tensor2, broadcast."""
        return _addc(SP.AddcmulBackward0, "addcmul", self, tensor1, tensor2, value)

    def addcdiv(self, tensor1, tensor2, *, value=1):
        """addcdiv(self, tensor1, tensor2, *, value=1) -> Tensor

        self + value * tensor1 / tensor2, broadcast (floating tensors only)."""
        if (isinstance(tensor1, Tensor) and isinstance(tensor2, Tensor) and tensor1._data.dtype.kind in "biu"
                and tensor2._data.dtype.kind in "biu"):
            raise RuntimeError(
                "Integer division with addcdiv is no longer supported, and in a future  release addcdiv will perform a "
                "true division of tensor1 and tensor2. The historic addcdiv behavior can be implemented as (input + "
                "value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for integer inputs and as (input + value * "
                "tensor1 / tensor2) for float inputs. The future addcdiv behavior is just the latter implementation: "
                "(input + value * tensor1 / tensor2), for all dtypes.")
        return _addc(SP.AddcdivBackward0, "addcdiv", self, tensor1, tensor2, value)

    def ldexp(self, other):
        """ldexp(self, other) -> Tensor

        self * 2 ** other for each pair of elements (broadcast), as a floating tensor."""
        if not isinstance(other, Tensor):
            raise TypeError(f"ldexp(): argument 'other' (position 1) must be Tensor, not {type(other).__name__}")
        return _ldexp_pair(self, other)

    def nextafter(self, other):
        """nextafter(self, other) -> Tensor

        The next floating-point value after self in the direction of other, elementwise (broadcast)."""
        return _nextafter(self, other)

    def igamma(self, other):
        """igamma(self, other) -> Tensor

        The regularized lower incomplete gamma function P(self, other) = gamma(a, x) / Gamma(a),
        broadcast (differentiable in other only, as in PyTorch)."""
        return _igamma(self, other)

    def igammac(self, other):
        """igammac(self, other) -> Tensor

        The regularized upper incomplete gamma function Q(self, other) = 1 - P(self, other), broadcast."""
        return _igammac(self, other)

    gcd = declared(_integer_only(np.gcd, "gcd", "gcd"), "gcd", "gcd(self, other) -> Tensor\n\nThe greatest common "
                   "divisor of each pair of elements (integer tensors; gcd(0, 0) = 0).")
    lcm = declared(_integer_only(np.lcm, "lcm", "lcm"), "lcm", "lcm(self, other) -> Tensor\n\nThe least common "
                   "multiple of each pair of elements (integer tensors).")
    __lshift__ = declared(
        _shift(True), "bitwise_left_shift", "bitwise_left_shift(self, other) -> Tensor\n\nself shifted left by other "
        "bits (integer tensors; 0 for shifts outside [0, bit width)).")
    __rshift__ = declared(
        _shift(False), "bitwise_right_shift", "bitwise_right_shift(self, other) -> Tensor\n\nself shifted right by "
        "other bits, arithmetic for signed integers (integer tensors).")
    # the named forms: a TypeError for an operand of the wrong type (the operators return NotImplemented)
    bitwise_left_shift = declared(_shift(True, named=True), "bitwise_left_shift", __lshift__.__doc__)
    bitwise_right_shift = declared(_shift(False, named=True), "bitwise_right_shift", __rshift__.__doc__)

    def __rlshift__(self, other):
        """__rlshift__(self, other) -> Tensor\n\nother << self, for a number on the left."""
        from .creation import as_tensor
        return as_tensor(other, dtype=self.dtype).bitwise_left_shift(self)

    def __rrshift__(self, other):
        """__rrshift__(self, other) -> Tensor\n\nother >> self, for a number on the left."""
        from .creation import as_tensor
        return as_tensor(other, dtype=self.dtype).bitwise_right_shift(self)

    angle = unary(SP.AngleBackward0, "angle", "angle(self) -> Tensor\n\nThe angle (argument) of each element in "
                  "radians: atan2(imag, real) for complex tensors, 0 or pi for real ones.")

    def frexp(self):
        """frexp(self) -> (Tensor mantissa, Tensor exponent)

        Each element split as mantissa * 2 ** exponent, with |mantissa| in [0.5, 1) (0 for 0) and an
        int32 exponent."""
        if self._data.dtype.kind != "f":
            raise RuntimeError("torch.frexp() only supports floating-point dtypes")
        mantissa, exponent = apply(SP.FrexpBackward0, self)
        return return_types.frexp((mantissa, exponent))

    # ------------------------------------------------------------------ error functions
    erf = unary(SP.ErfBackward0, "erf", "erf(self) -> Tensor\n\nThe error function 2/sqrt(pi) * integral of "
                "exp(-t**2) from 0 to x, for each element.")
    erfc = unary(SP.ErfcBackward0, "erfc", "erfc(self) -> Tensor\n\nThe complementary error function 1 - erf(x) of "
                 "each element (accurate where erf(x) is near 1).")
    erfinv = unary(SP.ErfinvBackward0, "erfinv", "erfinv(self) -> Tensor\n\nThe inverse error function of each "
                   "element (±inf at ±1, NaN outside [-1, 1]).")

    # ------------------------------------------------------------------ gamma function family
    lgamma = unary(SP.LgammaBackward0, "lgamma", "lgamma(self) -> Tensor\n\nThe natural logarithm of the absolute "
                   "value of the gamma function, for each element.")
    digamma = unary(SP.DigammaBackward0, "digamma", "digamma(self) -> Tensor\n\nThe logarithmic derivative of the "
                    "gamma function, Gamma'(x) / Gamma(x), for each element.")

    def polygamma(self, n):
        """polygamma(self, n) -> Tensor

        The n-th derivative of digamma at each element (n = 0: digamma itself)."""
        return polygamma(n, self)

    def mvlgamma(self, p):
        """mvlgamma(self, p) -> Tensor

        The multivariate log-gamma function of dimension p at each element (defined for elements
        greater than (p - 1) / 2)."""
        return mvlgamma(self, p)

    i0 = unary(SP.I0Backward0, "i0", "i0(self) -> Tensor\n\nThe modified Bessel function of the first kind of order "
               "0, for each element.")

    # ------------------------------------------------------------------ in place
    acosh_ = inplace(acosh)
    arccosh_ = inplace(acosh, "arccosh")
    asinh_ = inplace(asinh)
    arcsinh_ = inplace(asinh, "arcsinh")
    atanh_ = inplace(atanh)
    arctanh_ = inplace(atanh, "arctanh")
    deg2rad_ = inplace(deg2rad)
    rad2deg_ = inplace(rad2deg)
    sgn_ = inplace(sgn)
    frac_ = inplace(frac)
    xlogy_ = inplace(xlogy)
    sinc_ = inplace(sinc)
    logit_ = inplace(logit)
    nan_to_num_ = inplace(nan_to_num)
    heaviside_ = inplace(heaviside)
    lerp_ = inplace(lerp)
    addcmul_ = inplace(addcmul)
    addcdiv_ = inplace(addcdiv)
    ldexp_ = inplace(ldexp)
    nextafter_ = inplace(nextafter)
    igamma_ = inplace(igamma)
    igammac_ = inplace(igammac)
    gcd_ = inplace(gcd)
    lcm_ = inplace(lcm)
    bitwise_left_shift_ = __ilshift__ = inplace(bitwise_left_shift)
    bitwise_right_shift_ = __irshift__ = inplace(bitwise_right_shift)
    erf_ = inplace(erf)
    erfc_ = inplace(erfc)
    erfinv_ = inplace(erfinv)
    lgamma_ = inplace(lgamma)
    digamma_ = inplace(digamma)
    polygamma_ = inplace(polygamma)
    mvlgamma_ = inplace(mvlgamma)
    i0_ = inplace(i0)

    def float_power_(self, exponent):
        """float_power_(self, exponent) -> Tensor

        In-place version of float_power(): self must be float64 (or complex128)."""
        if not isinstance(exponent, (Tensor, numbers.Number)):
            raise wrong_operand("float_power_", exponent, "exponent")
        dt = self._data.dtype
        if dt not in (np.dtype(np.float64), np.dtype(np.complex128)):
            other = exponent._data.dtype if isinstance(exponent, Tensor) else None
            wanted = "ComplexDouble" if dt.kind == "c" or (other is not None and other.kind == "c") or \
                isinstance(exponent, complex) else "Double"
            raise RuntimeError(f"the base given to float_power_ has dtype {_kind_name(dt)} but the operation's "
                               f"result requires dtype {wanted}")
        return _float_power_inplace(self, exponent)


_float_power_inplace = inplace(SpecialMethods.float_power)


def _addc(R, name, self, tensor1, tensor2, value):
    for arg, t in (("tensor1", tensor1), ("tensor2", tensor2)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}(): argument '{arg}' (position {1 if arg == 'tensor1' else 2}) must be Tensor, "
                            f"not {type(t).__name__}")
    rt = D.result_np_dtype(_pair_dtype(self._data, tensor1._data),
                           D.DIM if (self._data.ndim or tensor1._data.ndim) else D.ZERO_DIM,
                           tensor2._data.dtype, D.DIM if tensor2._data.ndim else D.ZERO_DIM)
    if rt.kind in "biu":
        if R is SP.AddcdivBackward0:
            raise RuntimeError("Integer division with addcdiv is no longer supported, and in a future release "
                               "addcdiv will perform a true division of tensor1 and tensor2. The historic "
                               "addcdiv behavior can be implemented as (input + value * torch.trunc(tensor1 / "
                               "tensor2)).to(input.dtype) for integer inputs and as (input + value * tensor1 / "
                               "tensor2) for float inputs. The future addcdiv behavior is just the latter "
                               "implementation: (input + value * tensor1 / tensor2), for all dtypes.")
        if type(value) is _pyfloat:
            raise RuntimeError("For integral input tensors, argument value must not be a floating point number.")
    if rt.kind != "c" and type(value) is complex:
        raise RuntimeError("For non-complex input tensors, argument value must not be a complex number.")
    _check_broadcast(self._data, tensor1._data, tensor2._data)
    ts = [t if t._data.dtype == rt else t.to(_from_np[rt]) for t in (self, tensor1, tensor2)]
    v = np.asarray(value, _opmath(rt))[()] if rt.kind in "fc" else value
    return record(R, (ts[0], ts[1], ts[2], v), (ts[0]._data, ts[1]._data, ts[2]._data, v), tuple(ts), None, R.forward)


# ============================================================================ torch functions
def rsub(input, other, *, alpha=1):
    """rsub(input, other, *, alpha=1) -> Tensor

    other - alpha * input, broadcast (the reflected subtraction; other may be a number)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"rsub(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if isinstance(other, Tensor):
        a, b = input._data, other._data
        rt = _pair_dtype(a, b)
        refuse_bool_subtraction(a.dtype.kind == "b", b.dtype.kind == "b")
        if type(alpha) is _pyfloat and rt.kind in "biu":
            raise RuntimeError("For integral input tensors, argument alpha must not be a floating point number.")
        x = input if a.dtype == rt else input.to(_from_np[rt])
        y = other if b.dtype == rt else other.to(_from_np[rt])
        _check_broadcast(y._data, x._data)  # (PyTorch computes other - input)
        return record(SP.RsubBackward0, (x, y, alpha), (x._data, y._data, alpha), (x, y), None,
                      SP.RsubBackward0.forward)
    refuse_bool_subtraction(input._data.dtype.kind == "b", type(other) is bool)
    a = _scalar_operand(input._data, other, False)
    if alpha != 1:
        a = _scalar_operand(a, alpha, False)
    if type(alpha) is int and alpha != 1 and a.dtype.kind in "iu":  # wraps around, as PyTorch's cast does
        alpha = np.array(alpha).astype(a.dtype)
    return record(RsubBackward1, (input, other, alpha), (a, other, alpha), (input,), None, RsubBackward1.forward)


def polygamma(n, input):
    """polygamma(n, input) -> Tensor

    The n-th derivative of the digamma function at each element of input (n = 0: digamma)."""
    if not isinstance(n, int) or isinstance(n, bool):
        raise TypeError(f"polygamma(): argument 'n' (position 1) must be int, not {type(n).__name__}")
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    return _apply_unary(SP.PolygammaBackward0, input, n)


def mvlgamma(input, p):
    """mvlgamma(input, p) -> Tensor

    The multivariate log-gamma function of dimension p, p(p-1)/4 log(pi) + sum over j < p of
    lgamma(x - j/2), at each element (inf or NaN where an element is at most (p - 1) / 2)."""
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    return _apply_unary(SP.MvlgammaBackward0, input, p)


def xlogy(input, other):
    """xlogy(input, other) -> Tensor

    input * log(other), 0 where input is 0 (unless other is NaN); either may be a number."""
    return xlogy_function(input, other)


def float_power(input, exponent):
    """float_power(input, exponent) -> Tensor

    input ** exponent in double precision: both are cast to float64 (complex128 if either is
    complex) first; either may be a number."""
    if not isinstance(exponent, (Tensor, numbers.Number)):
        raise wrong_operand("float_power", exponent, "exponent")
    if not isinstance(input, Tensor):
        if not isinstance(exponent, Tensor):
            raise TypeError("float_power(): at least one of 'input' and 'exponent' must be a Tensor")
        complex_ = isinstance(input, complex) or exponent._data.dtype.kind == "c"
        target = D.complex128 if complex_ else D.float64
        base = complex(input) if complex_ else float(input)
        return exponent.to(target).__rpow__(base)
    complex_ = input._data.dtype.kind == "c" or isinstance(exponent, complex) or \
        (isinstance(exponent, Tensor) and exponent._data.dtype.kind == "c")
    target = D.complex128 if complex_ else D.float64
    if isinstance(exponent, Tensor):
        return input.to(target).pow(exponent.to(target))
    return input.to(target).pow(complex(exponent) if complex_ else float(exponent))


def frexp(input):
    """frexp(input) -> (Tensor mantissa, Tensor exponent)

    Each element split as mantissa * 2 ** exponent, |mantissa| in [0.5, 1), exponent int32."""
    return input.frexp()

