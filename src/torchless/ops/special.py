"""Elementwise math and special functions: inverse hyperbolics, xlogy, sinc, logit, lerp, addcmul,
the error and gamma function families, modified Bessel functions, the normal distribution's
functions and Hurwitz zeta; each one's forward and derivative side by side (see ops/elementwise.py
for the conventions).

The numerics NumPy lacks live in backend/special.py. A forward computes on arrays; under
create_graph the engine re-runs it on Tensors (xp is then the Tensor namespace), where it records
itself through `xp.apply_rule` (`_on`, below), so that these rules need no names of their own in
the Tensor namespace. Derivatives that are themselves special functions (digamma's is polygamma's)
are applied the same way, as recorded ops of the rule that computes them.
"""
import math as _math
from typing import Any, Callable, ClassVar, Optional

import numpy as np

from ._rule import Explain, Rule, elementwise_symbolic
from ..backend import special as S
from ..engine.node import LINEAR_JVP

_PI = _math.pi
_LN2 = _math.log(2.0)
_F64 = np.dtype(np.float64)
_F16 = np.dtype(np.float16)


def _widened(*arrays):
    """float16 arrays as float32 (PyTorch computes half-precision arithmetic in float32, rounding once)."""
    return tuple([a.astype(np.float32) if getattr(a, "dtype", None) == _F16 else a for a in arrays])


def _on(xp, R, *args):
    """Rule R's value on args: its `compute` on arrays, or the op recorded on Tensors (create_graph)."""
    if xp.apply_rule is None:
        return R.compute(*args)
    return xp.apply_rule(R, *args)


_COMPLEX_NAMES = {"complex64": "ComplexFloat", "complex128": "ComplexDouble"}


def refuse_complex(kernel, a):
    """PyTorch's NotImplementedError for a kernel that has no complex form, when array `a` is complex."""
    if a.dtype.kind == "c":
        name = _COMPLEX_NAMES.get(a.dtype.name, a.dtype.name)
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{name}'")


def _sum_tangents(x, y):
    if x is None:
        return y
    return x if y is None else x + y


def _shape(v):
    return getattr(v, "shape", ())


def _is_complex(a):
    """Is a (an array or a Tensor) complex?"""
    test = getattr(a, "is_complex", None)
    return test() if test is not None else np.asarray(a).dtype.kind == "c"


def _via_float64(ufunc):
    """ufunc on a real float32/float16 array computed in float64 and rounded once (PyTorch's float
    kernels are correctly rounded nearly always; NumPy's SIMD ones are off by an ulp at times)."""
    def function(x):
        dt = x.dtype
        if dt.char in "fe":
            return ufunc(x, dtype=_F64).astype(dt)
        return ufunc(x)
    return function


def _via_float64_binary(ufunc):
    def function(a, b):
        dt = np.result_type(a, b)
        if dt.char in "fe":
            return ufunc(a, b, dtype=_F64).astype(dt)
        return ufunc(a, b)
    return function


_arccosh, _arcsinh, _arctanh, _log, _log1p, _sin = map(
    _via_float64, (np.arccosh, np.arcsinh, np.arctanh, np.log, np.log1p, np.sin))
_logaddexp2 = _via_float64_binary(np.logaddexp2)


class _Pointwise(Rule):
    """A one-input elementwise rule: `compute(a, *constants)` on arrays, its derivative
    `derivative(xp, a, out, *constants)` (on arrays or Tensors); `saves`: what the node keeps
    ("input", "output" or "both", as PyTorch's node does)."""
    dtypes = "to_float"
    batching = "elementwise"
    saves = "input"

    compute: Callable[..., Any]  # each rule's own: its value on arrays
    derivative: Callable[..., Any]  # each rule's own: d out / d a, on arrays or Tensors
    kernel: ClassVar[Optional[str]] = None  # PyTorch's kernel name, for rules that refuse complex tensors

    @classmethod
    def forward(cls, node, xp, a, *constants):
        if cls.kernel is not None and xp.apply_rule is None:
            refuse_complex(cls.kernel, a)
        out = _on(xp, cls, a, *constants)
        if node is not None:
            saves = cls.saves
            node.saved = (a,) if saves == "input" else (out,) if saves == "output" else (a, out)
            if constants:
                node.constants = constants
        return out

    @classmethod
    def jvp(cls, xp, t, out, a, *constants):
        return t[0] * cls.derivative(xp, a, out, *constants)

    def vjp(self, g, xp):
        saves = self.saves
        if saves == "input":
            (a,), out = self.saved, None
        elif saves == "output":
            a, (out,) = None, self.saved
        else:
            a, out = self.saved
        constants = getattr(self, "constants", ())
        return (g * self.derivative(xp, a, out, *constants),)


# ============================================================================ inverse hyperbolic functions
class AcoshBackward0(_Pointwise):
    """acosh a:  d/da = 1 / (√(a − 1) √(a + 1)) (= 1/√(a² − 1) for real a; the product keeps the
    principal branch for complex a, as PyTorch's gradient does)"""
    holomorphic = True
    op_name = "acosh"
    explain = Explain("acosh({a})", "∂acosh(a)/∂a = 1/√(a² − 1)",
                      symbolic=elementwise_symbolic(lambda sp, a: sp.acosh(a)))
    compute = staticmethod(_arccosh)

    @staticmethod
    def derivative(xp, a, out):
        return 1 / (xp.sqrt(a - 1) * xp.sqrt(a + 1))


class AsinhBackward0(_Pointwise):
    """asinh a:  d/da = 1 / √(a² + 1)"""
    holomorphic = True
    op_name = "asinh"
    explain = Explain("asinh({a})", "∂asinh(a)/∂a = 1/√(a² + 1)",
                      symbolic=elementwise_symbolic(lambda sp, a: sp.asinh(a)))
    compute = staticmethod(_arcsinh)

    @staticmethod
    def derivative(xp, a, out):
        return 1 / xp.sqrt(a * a + 1)


class AtanhBackward0(_Pointwise):
    """atanh a:  d/da = 1 / (1 − a²)"""
    holomorphic = True
    op_name = "atanh"
    explain = Explain("atanh({a})", "∂atanh(a)/∂a = 1/(1 − a²)",
                      symbolic=elementwise_symbolic(lambda sp, a: sp.atanh(a)))
    compute = staticmethod(_arctanh)

    @staticmethod
    def derivative(xp, a, out):
        return 1 / (1 - a * a)


# ============================================================================ scalings, sign, fractional part
class Deg2RadBackward0(Rule):
    """a · π/180:  d/da = π/180"""
    op_name = "deg2rad"
    dtypes = "to_float"
    batching = "elementwise"
    explain = Explain("deg2rad({a})", "∂(a·π/180)/∂a = π/180",
                      symbolic=elementwise_symbolic(lambda sp, a: a * sp.pi / 180))
    factor = _PI / 180

    @classmethod
    def forward(cls, node, xp, a):
        if _is_complex(a):
            raise RuntimeError(f"{cls.op_name} is not supported for complex tensors.")
        return a * cls.factor

    jvp = LINEAR_JVP

    def vjp(self, g, xp):
        return (g * self.factor,)


class Rad2DegBackward0(Deg2RadBackward0):
    """a · 180/π:  d/da = 180/π"""
    op_name = "rad2deg"
    explain = Explain("rad2deg({a})", "∂(a·180/π)/∂a = 180/π",
                      symbolic=elementwise_symbolic(lambda sp, a: a * 180 / sp.pi))
    factor = 180 / _PI


class SgnBackward0(Rule):
    """sgn(a): sign(a) for real a (a zero gradient), a/|a| for complex a (0 at 0):
    vjp (g − conj(g)·sgn(a)²) / (2|a|), PyTorch's convention"""
    explain = Explain("sgn({a})", "real a: 0;  complex a: ∂(a/|a|) = (g − Re(g·conj(sgn a))·sgn a)/|a|, 0 at 0")
    op_name = "sgn"
    dtypes = "promote"
    batching = "elementwise"

    @staticmethod
    def forward(node, xp, a):
        if not _is_complex(a):
            return _on(xp, SgnBackward0, a)
        out = _on(xp, SgnBackward0, a)
        if node is not None:
            node.saved = (a, out)
        return out

    @staticmethod
    def compute(a):
        if a.dtype.kind != "c":
            return np.sign(a) if a.dtype.kind != "b" else a.copy()
        magnitude = np.abs(a)
        return np.where(magnitude == 0, 0, a / np.where(magnitude == 0, 1, magnitude)).astype(a.dtype)

    @staticmethod
    def jvp(xp, t, out, a):
        if not _is_complex(a):  # (a dtype on arrays and Tensors alike)
            return t[0] * 0
        magnitude = xp.abs(a)
        safe = xp.where(magnitude == 0, 1, magnitude)
        # d(a/|a|) = (da − sgn · Re(conj(sgn) da)) / |a|
        return xp.where(magnitude == 0, 0 * t[0], (t[0] - out * (out.conj() * t[0]).real) / safe)

    def vjp(self, g, xp):
        if self.saved is None:  # real: piecewise constant
            return (g * 0,)
        a, out = self.saved
        magnitude = xp.abs(a)
        safe = xp.where(magnitude == 0, 1, magnitude)
        return (xp.where(magnitude == 0, 0 * g, (g - out * (out.conj() * g).real) / safe),)


class FracBackward0(_Pointwise):
    """frac(a) = a − trunc(a):  d/da = 1"""
    op_name = "frac"
    dtypes = "float_only"
    saves = "none"
    explain = Explain("frac({a})", "∂(a − trunc a)/∂a = 1")

    @classmethod
    def forward(cls, node, xp, a):
        return a - xp.trunc(a)

    @staticmethod
    def jvp(xp, t, out, a):
        return t[0]

    def vjp(self, g, xp):
        return (g,)


class SincBackward0(_Pointwise):
    """sinc(a) = sin(πa)/(πa) (1 at 0):  d/da = (πa cos(πa) − sin(πa)) / (πa²) (0 at 0)"""
    holomorphic = True
    op_name = "sinc"
    explain = Explain("sinc({a})", "∂(sin(πa)/(πa))/∂a = (πa·cos(πa) − sin(πa))/(πa²)",
                      symbolic=elementwise_symbolic(lambda sp, a: sp.sin(sp.pi * a) / (sp.pi * a)))

    @staticmethod
    def compute(a):
        product = a * np.asarray(_PI, a.dtype)  # in a's precision, as PyTorch computes it
        with np.errstate(invalid="ignore", divide="ignore"):
            out = _sin(product) / product
        return np.where(a == 0, np.asarray(1, out.dtype), out)

    @staticmethod
    def derivative(xp, a, out):
        pa = a * _PI
        safe = xp.where(a == 0, 1 + 0 * a, a)
        ps = safe * _PI
        value = (ps * xp.cos(ps) - xp.sin(ps)) / (ps * safe)
        return xp.where(a == 0, 0 * pa, value)


class LogitBackward0(_Pointwise):
    """logit(a) = ln(a / (1 − a)), a clamped to [eps, 1 − eps] first when eps is given:
    d/da = 1 / (a (1 − a)); NaN outside [0, 1] without eps, 0 outside [eps, 1 − eps] with it"""
    kernel = "logit_cpu"
    op_name = "logit"
    explain = Explain("logit({a})", "∂ln(a/(1 − a))/∂a = 1/(a(1 − a))")  # (no closed form: eps clamps)

    @staticmethod
    def compute(a, eps=None):
        if eps is not None:
            a = np.clip(a, np.asarray(eps, a.dtype), np.asarray(1 - eps, a.dtype))
        with np.errstate(invalid="ignore", divide="ignore"):
            return _log(a / (1 - a))

    @staticmethod
    def derivative(xp, a, out, eps=None):
        value = 1 / (a * (1 - a))
        if eps is None:
            return xp.where((a < 0) | (a > 1), float("nan"), value)
        return xp.where((a < eps) | (a > 1 - eps), 0 * value, value)


class NanToNumBackward0(_Pointwise):
    """nan_to_num(a): NaN and ±inf replaced by numbers:  d/da = 1 where a is finite, else 0"""
    explain = Explain("nan_to_num({a})", "∂/∂a = 1 where a is finite, 0 where it was replaced")
    op_name = "nan_to_num"
    dtypes = "promote"

    @staticmethod
    def compute(a, nan=0.0, posinf=None, neginf=None):
        if a.dtype.kind not in "fc":
            return a.copy()
        return np.nan_to_num(a, nan=nan, posinf=posinf, neginf=neginf)

    @staticmethod
    def jvp(xp, t, out, a, *bounds):
        return xp.where((a - a) == 0, t[0], 0 * t[0])  # (a − a is NaN for ±inf and NaN)

    def vjp(self, g, xp):
        (a,) = self.saved
        return (xp.where((a - a) == 0, g, 0 * g),)


# ============================================================================ ops of two operands
class Logaddexp2Backward0(Rule):
    """log₂(2^a + 2^b):  d/da = 1 / (1 + 2^(b − a)),  d/db = 1 / (1 + 2^(a − b))"""
    op_name = "logaddexp2"
    dtypes = "float_only"
    batching = "elementwise"
    explain = Explain("logaddexp2({a}, {b})",
                      "∂log₂(2ᵃ + 2ᵇ)/∂a = 1/(1 + 2ᵇ⁻ᵃ),  ∂log₂(2ᵃ + 2ᵇ)/∂b = 1/(1 + 2ᵃ⁻ᵇ)",
                      symbolic=elementwise_symbolic(lambda sp, a, b: sp.log(sp.Integer(2) ** a + sp.Integer(2) ** b, 2)))

    @staticmethod
    def forward(node, xp, a, b):
        if node is not None:
            node.saved = (a, b)
        if xp.apply_rule is None:
            refuse_complex("logaddexp2_cpu", a)
        return _on(xp, Logaddexp2Backward0, a, b)

    compute = staticmethod(_logaddexp2)

    @staticmethod
    def jvp(xp, t, out, a, b):
        return _sum_tangents(None if t[0] is None else t[0] / (1 + xp.exp2(b - a)),
                             None if t[1] is None else t[1] / (1 + xp.exp2(a - b)))

    def vjp(self, g, xp):
        a, b = self.saved
        (na, _), (nb, _) = self.next_functions
        return (None if na is None else xp.sum_to(g / (1 + xp.exp2(b - a)), a.shape),
                None if nb is None else xp.sum_to(g / (1 + xp.exp2(a - b)), b.shape))


def _xlog(log):
    """x · log(y), 0 where x is 0 (unless y is NaN): PyTorch's xlogy and xlog1py."""
    def compute(x, y):
        if type(x) is not np.ndarray:  # a number (re-run under create_graph): in y's dtype
            x = np.asarray(x, y.dtype)
        if type(y) is not np.ndarray:
            y = np.asarray(y, x.dtype)
        with np.errstate(invalid="ignore", divide="ignore"):
            out = x * log(y.astype(np.result_type(x, y), copy=False))
        return np.where((x == 0) & ~np.isnan(y), np.asarray(0, out.dtype), out)
    return compute


def _xlog_grad_x(xp, g, x, y, log, number_log, pole):
    """PyTorch's gradient of x·log(y) for x: xlogy(g, y) (g·log y, 0 where g is 0 unless y is NaN),
    masked to 0 where x is 0 and y is at or below the log's pole (0 for log, −1 for log1p)."""
    if type(y) is float or type(y) is int:  # a number operand (a re-run under create_graph)
        if y != y:
            return g * float("nan")
        value = g * number_log(y)
        if y > pole:
            return xp.where(g == 0, 0 * g, value)
        return xp.where((g == 0) | (x == 0), 0 * g, value)
    value = g * log(y)
    return xp.where(((g == 0) & (y == y)) | ((x == 0) & (y <= pole)), 0 * value, value)


def _number_log(y):
    return _math.log(y) if y > 0 else -float("inf") if y == 0 else float("nan")


def _number_log1p(y):
    return _math.log1p(y) if y > -1 else -float("inf") if y == -1 else float("nan")


class XlogyBackward0(Rule):
    """x · ln y (0 where x is 0):  d/dx = ln y (PyTorch: 0 where x is 0 and y ≤ 0),  d/dy = x / y"""
    op_name = "xlogy"
    dtypes = "to_float"
    batching = "elementwise"
    explain: ClassVar[Optional[Explain]] = Explain("{a}·ln({b})", "∂(a·ln b)/∂a = ln b,  ∂(a·ln b)/∂b = a/b",
                      symbolic=elementwise_symbolic(lambda sp, a, b: a * sp.log(b)))
    log = staticmethod(lambda xp, y: xp.log(y))
    compute = staticmethod(_xlog(_log))

    kernel = "xlogy_cpu"

    @classmethod
    def forward(cls, node, xp, a, b):
        if node is not None:
            node.saved = (a, b)
        if xp.apply_rule is None:
            refuse_complex(cls.kernel, np.asarray(a))
            refuse_complex(cls.kernel, np.asarray(b))
        return _on(xp, cls, a, b)

    @classmethod
    def _gx(cls, xp, g, a, b):
        return _xlog_grad_x(xp, g, a, b, xp.log, _number_log, 0)

    @classmethod
    def _dy(cls, xp, a, b):
        return a / b

    @classmethod
    def jvp(cls, xp, t, out, a, b):
        return _sum_tangents(None if t[0] is None else cls._gx(xp, t[0], a, b),
                             None if len(t) < 2 or t[1] is None else t[1] * cls._dy(xp, a, b))

    def vjp(self, g, xp):
        a, b = self.saved
        (na, _), (nb, _) = self.next_functions
        return (None if na is None else xp.sum_to(self._gx(xp, g, a, b), a.shape),
                None if nb is None else xp.sum_to(g * self._dy(xp, a, b), b.shape))


class XlogyBackward2(XlogyBackward0):
    """x · ln(number):  d/dx = ln y"""

    @classmethod
    def jvp(cls, xp, t, out, a, b):
        return cls._gx(xp, t[0], a, b)

    def vjp(self, g, xp):
        a, b = self.saved
        return (self._gx(xp, g, a, b),)


class XlogyBackward1(XlogyBackward0):
    """number · ln y:  d/dy = x / y"""
    explain = Explain("n·ln {y}", "∂(n·ln y)/∂y = n/y")

    @classmethod
    def jvp(cls, xp, t, out, a, b):
        return t[1] * cls._dy(xp, a, b)

    def vjp(self, g, xp):
        a, b = self.saved
        return (g * self._dy(xp, a, b),)


class SpecialXlog1PyBackward0(XlogyBackward0):
    """x · ln(1 + y) (0 where x is 0):  d/dx = ln(1 + y) (PyTorch: 0 where x is 0 and y ≤ −1),
    d/dy = x / (1 + y)"""
    op_name = "special.xlog1py"
    explain: ClassVar[Optional[Explain]] = Explain(
        "{a}·ln(1 + {b})", "∂(a·ln(1 + b))/∂a = ln(1 + b),  ∂(a·ln(1 + b))/∂b = a/(1 + b)",
                      symbolic=elementwise_symbolic(lambda sp, a, b: a * sp.log(1 + b)))
    log = staticmethod(lambda xp, y: xp.log1p(y))
    compute = staticmethod(_xlog(_log1p))
    kernel = "xlog1py_cpu"

    @classmethod
    def _gx(cls, xp, g, a, b):
        return _xlog_grad_x(xp, g, a, b, xp.log1p, _number_log1p, -1)

    @classmethod
    def _dy(cls, xp, a, b):
        return a / (b + 1)


class SpecialXlog1PyBackward2(SpecialXlog1PyBackward0):
    """x · ln(1 + number):  d/dx = ln(1 + y)"""
    jvp = XlogyBackward2.jvp
    vjp = XlogyBackward2.vjp


class SpecialXlog1PyBackward1(SpecialXlog1PyBackward0):
    """number · ln(1 + y):  d/dy = x / (1 + y)"""
    explain = Explain("n·ln(1 + {y})", "∂(n·ln(1 + y))/∂y = n/(1 + y)")
    jvp = XlogyBackward1.jvp
    vjp = XlogyBackward1.vjp


class LerpBackward0(Rule):
    """lerp(s, e, w) = s + w (e − s) for a number w:  d/ds = 1 − w,  d/de = w"""
    op_name = "lerp"
    batching = "elementwise"
    explain = Explain("lerp({s}, {e}, {w})", "∂/∂s = 1 − w,  ∂/∂e = w",
                      symbolic=elementwise_symbolic(lambda sp, s, e, w: s + w * (e - s)))

    @staticmethod
    def forward(node, xp, s, e, w):
        if node is not None:
            node.shapes = (_shape(s), _shape(e))
            node.weight = w
        return _on(xp, LerpBackward0, s, e, w)

    @staticmethod
    def compute(s, e, w):
        if s.dtype == _F16:
            return LerpBackward0.compute(*_widened(s, e, w)).astype(_F16)
        w = np.asarray(w)
        diff = e - s
        # PyTorch's two forms, exact at both ends: s + w·(e − s) below 1/2, e − (e − s)(1 − w) above
        return np.where(np.abs(w) < 0.5, s + w * diff, e - diff * (1 - w)).astype(np.result_type(s, e))

    @staticmethod
    def jvp(xp, t, out, s, e, w):
        return _sum_tangents(None if t[0] is None else t[0] * (1 - w), None if t[1] is None else t[1] * w)

    def vjp(self, g, xp):
        ss, se = self.shapes
        w = self.weight
        (ns, _), (ne, _) = self.next_functions
        return (None if ns is None else xp.sum_to(g * (1 - w), ss),
                None if ne is None else xp.sum_to(g * w, se))


class LerpBackward1(Rule):
    """lerp(s, e, w) = s + w (e − s) for a tensor w:  d/ds = 1 − w,  d/de = w,  d/dw = e − s"""
    op_name = "lerp"
    batching = "elementwise"
    explain = LerpBackward0.explain

    @staticmethod
    def forward(node, xp, s, e, w):
        if node is not None:
            node.saved = (s, e, w)
        return _on(xp, LerpBackward1, s, e, w)

    compute = staticmethod(LerpBackward0.compute)

    @staticmethod
    def jvp(xp, t, out, s, e, w):
        total = None if t[0] is None else t[0] * (1 - w)
        total = _sum_tangents(total, None if t[1] is None else t[1] * w)
        return _sum_tangents(total, None if t[2] is None else t[2] * (e - s))

    def vjp(self, g, xp):
        s, e, w = self.saved
        (ns, _), (ne, _), (nw, _) = self.next_functions
        return (None if ns is None else xp.sum_to(g * (1 - w), s.shape),
                None if ne is None else xp.sum_to(g * w, e.shape),
                None if nw is None else xp.sum_to(g * (e - s), w.shape))


class AddcmulBackward0(Rule):
    """addcmul(x, t1, t2, value) = x + value · t1 · t2:  d/dx = 1,  d/dt1 = value · t2,  d/dt2 = value · t1"""
    op_name = "addcmul"
    dtypes = "promote"
    batching = "elementwise"
    explain = Explain("{x} + {a}·{b}·{v}", "∂/∂x = 1,  ∂/∂a = v·b,  ∂/∂b = v·a")

    @staticmethod
    def forward(node, xp, x, t1, t2, value):
        if node is not None:
            node.saved = (t1, t2)
            node.shapes = (_shape(x), value)
        if getattr(x, "dtype", None) == _F16:  # float16: computed in float32 and rounded, as PyTorch does
            return AddcmulBackward0.forward(None, xp, *_widened(x, t1, t2), value).astype(_F16)
        return x + value * (t1 * t2) if value != 1 else x + t1 * t2

    @staticmethod
    def jvp(xp, t, out, x, t1, t2, value):
        total = t[0]
        total = _sum_tangents(total, None if t[1] is None else t[1] * t2 * value)
        return _sum_tangents(total, None if t[2] is None else t[2] * t1 * value)

    def vjp(self, g, xp):
        t1, t2 = self.saved
        sx, value = self.shapes
        (nx, _), (n1, _), (n2, _) = self.next_functions
        return (None if nx is None else xp.sum_to(g, sx),
                None if n1 is None else xp.sum_to(g * t2 * value, t1.shape),
                None if n2 is None else xp.sum_to(g * t1 * value, t2.shape))


class AddcdivBackward0(Rule):
    """addcdiv(x, t1, t2, value) = x + value · t1 / t2:  d/dx = 1,  d/dt1 = value / t2,
    d/dt2 = −value · t1 / t2²"""
    op_name = "addcdiv"
    dtypes = "promote"
    batching = "elementwise"
    explain = Explain("{x} + ({a}/{b})·{v}", "∂/∂x = 1,  ∂/∂a = v/b,  ∂/∂b = −v·a/b²")

    @staticmethod
    def forward(node, xp, x, t1, t2, value):
        if node is not None:
            node.saved = (t1, t2)
            node.shapes = (_shape(x), value)
        if getattr(x, "dtype", None) == _F16:
            return AddcdivBackward0.forward(None, xp, *_widened(x, t1, t2), value).astype(_F16)
        return x + value * (t1 / t2) if value != 1 else x + t1 / t2

    @staticmethod
    def jvp(xp, t, out, x, t1, t2, value):
        total = t[0]
        total = _sum_tangents(total, None if t[1] is None else t[1] * value / t2)
        return _sum_tangents(total, None if t[2] is None else -t[2] * t1 * value / (t2 * t2))

    def vjp(self, g, xp):
        t1, t2 = self.saved
        sx, value = self.shapes
        (nx, _), (n1, _), (n2, _) = self.next_functions
        return (None if nx is None else xp.sum_to(g, sx),
                None if n1 is None else xp.sum_to(g * value / t2, t1.shape),
                None if n2 is None else xp.sum_to(-g * t1 * value / (t2 * t2), t2.shape))


class RsubBackward0(Rule):
    """rsub(a, b, alpha) = b − alpha · a for two tensors:  d/da = −alpha,  d/db = 1"""
    explain = Explain("−α·{a} + {b}", "∂(b − α·a)/∂a = −α,  ∂/∂b = 1")
    op_name = "rsub"
    dtypes = "promote"
    batching = "elementwise"

    @staticmethod
    def forward(node, xp, a, b, alpha=1):
        if node is not None:
            node.shapes = (_shape(a), _shape(b), alpha)
        if alpha == 1:
            return b - a
        if type(alpha) is int and getattr(a, "dtype", _F64).kind in "iu":  # wraps around, as PyTorch's cast
            alpha = np.array(alpha).astype(a.dtype)
        return b - alpha * a

    @staticmethod
    def jvp(xp, t, out, a, b, alpha=1):
        return _sum_tangents(None if t[0] is None else -alpha * t[0], t[1])

    def vjp(self, g, xp):
        sa, sb, alpha = self.shapes
        (na, _), (nb, _) = self.next_functions
        return (None if na is None else xp.sum_to(g * -alpha, sa),
                None if nb is None else xp.sum_to(g, sb))


class LdexpBackward0(Rule):
    """ldexp(a, b) = a · 2^b:  d/da = 2^b,  d/db = a · 2^b · ln 2"""
    op_name = "ldexp"
    dtypes = "to_float"
    batching = "elementwise"
    explain = Explain("{a}·2^{b}", "∂(a·2ᵇ)/∂a = 2ᵇ,  ∂(a·2ᵇ)/∂b = a·2ᵇ·ln 2",
                      symbolic=elementwise_symbolic(lambda sp, a, b: a * sp.Integer(2) ** b))

    @staticmethod
    def forward(node, xp, a, b):
        if node is not None:
            node.saved = (a, b)
        return a * xp.exp2(b)

    @staticmethod
    def jvp(xp, t, out, a, b):
        return _sum_tangents(None if t[0] is None else t[0] * xp.exp2(b),
                             None if t[1] is None else t[1] * out * _LN2)

    def vjp(self, g, xp):
        a, b = self.saved
        (na, _), (nb, _) = self.next_functions
        scale = xp.exp2(b)
        return (None if na is None else xp.sum_to(g * scale, a.shape),
                None if nb is None else xp.sum_to(g * a * scale * _LN2, b.shape))


class _NotDifferentiable(Rule):
    """An op PyTorch records but does not differentiate: backward through it raises PyTorch's error."""
    batching = "elementwise"

    def vjp(self, g, xp):
        raise RuntimeError(f"the derivative for '{self.op_name}' is not implemented.")


class NextafterBackward0(Rule):
    """nextafter(a, b): the next float after a toward b:  d/da = 1,  d/db = 0 (PyTorch's choice)"""
    explain = Explain("nextafter({a}, {b})", "∂/∂a = 1,  ∂/∂b = 0 (PyTorch's choice)")
    op_name = "nextafter"
    dtypes = "float_only"
    batching = "elementwise"

    @staticmethod
    def forward(node, xp, a, b):
        if node is not None:
            node.shapes = (_shape(a), _shape(b))
        if xp.apply_rule is None:
            refuse_complex("nextafter_cpu", a)
        return _on(xp, NextafterBackward0, a, b)

    compute = staticmethod(np.nextafter)

    @staticmethod
    def jvp(xp, t, out, a, b):
        return t[0] if t[0] is not None else t[1] * 0

    def vjp(self, g, xp):
        sa, sb = self.shapes
        (na, _), (nb, _) = self.next_functions
        return (None if na is None else xp.sum_to(g, sa), None if nb is None else xp.sum_to(g * 0, sb))


class HeavisideBackward0(_NotDifferentiable):
    """heaviside(a, v): 0 for a < 0, v where a is 0, 1 for a > 0 (not differentiable)"""
    op_name = "heaviside"
    dtypes = "promote"

    @staticmethod
    def forward(node, xp, a, v):
        return np.where(a == 0, v, (a > 0)).astype(np.result_type(a, v), copy=False)

    def vjp(self, g, xp):
        raise RuntimeError("derivative for aten::heaviside is not implemented")


HeavisideBackward0.__name__ = HeavisideBackward0.__qualname__ = "NotImplemented"


class AngleBackward0(Rule):
    """angle(a): the argument of a (0 or π for real a, a zero gradient there);
    for complex a the vjp is g · i·a / |a|² (0 at 0)"""
    explain = Explain("arg({a})", "∂arg(a)/∂a = 0 for real a;  i·a/|a|²·g's real part for complex a")
    op_name = "angle"
    batching = "elementwise"

    @staticmethod
    def forward(node, xp, a):
        if node is not None:
            node.saved = (a,)
        return _on(xp, AngleBackward0, a)

    @staticmethod
    def compute(a):
        if a.dtype.kind == "c":
            return np.angle(a)
        return np.where(np.isnan(a), a, np.where(a < 0, np.asarray(_PI, a.dtype), np.asarray(0, a.dtype)))

    @staticmethod
    def jvp(xp, t, out, a):
        if not _is_complex(a):
            return t[0] * 0
        magnitude2 = (a * a.conj()).real
        safe = xp.where(magnitude2 == 0, 1 + 0 * magnitude2, magnitude2)
        return xp.where(magnitude2 == 0, 0 * magnitude2, (t[0] * a.conj()).imag / safe)

    def vjp(self, g, xp):
        (a,) = self.saved
        if not _is_complex(a):
            return (g * 0,)
        magnitude2 = (a * a.conj()).real
        safe = xp.where(magnitude2 == 0, 1 + 0 * magnitude2, magnitude2)
        return (xp.where(magnitude2 == 0, 0 * a, g * a / safe * 1j),)


class FrexpBackward0(Rule):
    """frexp(a) = (mantissa, exponent) with a = mantissa · 2^exponent:  d mantissa/da = 2^−exponent"""
    explain = Explain("frexp({a})", "∂mantissa/∂a = 2^−exponent (the exponent is piecewise constant)")
    op_name = "frexp"
    batching = "elementwise"
    aux_outputs = True
    relift = False  # the vjp reads the exponent only: a constant array

    @staticmethod
    def forward(node, xp, a):
        mantissa, exponent = np.frexp(a)
        exponent = exponent.astype(np.int32, copy=False)
        if node is not None:
            node.saved = (np.ldexp(np.ones((), a.dtype), -exponent).astype(a.dtype, copy=False),)
        return mantissa, exponent

    @staticmethod
    def jvp(xp, t, out, a):
        a = np.asarray(getattr(a, "_data", a))
        return t[0] * np.ldexp(np.ones((), a.dtype), -np.frexp(a)[1]).astype(a.dtype, copy=False)

    def vjp(self, g, xp):
        (scale,) = self.saved  # 2^−exponent, in a's dtype (a constant)
        return (g * scale,)


# ============================================================================ error functions
_TWO_OVER_SQRT_PI = 2 / _math.sqrt(_PI)
_INV_SQRT_2PI = 1 / _math.sqrt(2 * _PI)


class ErfBackward0(_Pointwise):
    """erf(a):  d/da = 2/√π · e^(−a²)"""
    kernel = "erf_vml_cpu"
    op_name = "erf"
    explain = Explain("erf({a})", "∂erf(a)/∂a = (2/√π)·e^(−a²)", symbolic=elementwise_symbolic(lambda sp, a: sp.erf(a)))
    compute = staticmethod(S.erf)

    @staticmethod
    def derivative(xp, a, out):
        return xp.exp(-(a * a)) * _TWO_OVER_SQRT_PI


class ErfcBackward0(_Pointwise):
    """erfc(a) = 1 − erf(a):  d/da = −2/√π · e^(−a²)"""
    kernel = "erfc_vml_cpu"
    op_name = "erfc"
    explain = Explain("erfc({a})", "∂erfc(a)/∂a = −(2/√π)·e^(−a²)",
                      symbolic=elementwise_symbolic(lambda sp, a: sp.erfc(a)))
    compute = staticmethod(S.erfc)

    @staticmethod
    def derivative(xp, a, out):
        return xp.exp(-(a * a)) * -_TWO_OVER_SQRT_PI


class ErfinvBackward0(_Pointwise):
    """erfinv(a):  d/da = √π/2 · e^(erfinv(a)²) (PyTorch keeps a, and recomputes erfinv(a))"""
    kernel = "erfinv_vml_cpu"
    op_name = "erfinv"
    explain = Explain("erfinv({a})", "∂erfinv(a)/∂a = (√π/2)·e^(erfinv(a)²)",
                      symbolic=elementwise_symbolic(lambda sp, a: sp.erfinv(a)))
    compute = staticmethod(S.erfinv)

    @staticmethod
    def derivative(xp, a, out):
        y = _on(xp, ErfinvBackward0, a)
        return xp.exp(y * y) * (_math.sqrt(_PI) / 2)


class SpecialErfcxBackward0(_Pointwise):
    """erfcx(a) = e^(a²) erfc(a):  d/da = 2a·erfcx(a) − 2/√π"""
    kernel = "erfcx_cpu"
    op_name = "special.erfcx"
    saves = "both"
    saves_output = True
    explain = Explain("erfcx({a})", "∂erfcx(a)/∂a = 2a·erfcx(a) − 2/√π",
                      symbolic=elementwise_symbolic(lambda sp, a: sp.exp(a ** 2) * sp.erfc(a)))
    compute = staticmethod(S.erfcx)

    @staticmethod
    def derivative(xp, a, out):
        return 2 * a * out - _TWO_OVER_SQRT_PI


class SpecialNdtrBackward0(_Pointwise):
    """Φ(a), the standard normal cdf:  d/da = e^(−a²/2)/√(2π)"""
    kernel = "erf_vml_cpu"
    op_name = "special.ndtr"
    explain = Explain("Φ({a})", "∂Φ(a)/∂a = e^(−a²/2)/√(2π)",
                      symbolic=elementwise_symbolic(lambda sp, a: (1 + sp.erf(a / sp.sqrt(2))) / 2))
    compute = staticmethod(S.ndtr)

    @staticmethod
    def derivative(xp, a, out):
        return xp.exp(-0.5 * (a * a)) * _INV_SQRT_2PI


class SpecialNdtriBackward0(_Pointwise):
    """Φ⁻¹(a), the standard normal quantile:  d/da = √(2π) · e^(out²/2)"""
    kernel = "ndtri_cpu"
    op_name = "special.ndtri"
    saves = "output"
    saves_output = True
    explain = Explain("Φ⁻¹({a})", "∂Φ⁻¹(a)/∂a = √(2π)·e^(Φ⁻¹(a)²/2)",
                      symbolic=elementwise_symbolic(lambda sp, a: sp.sqrt(2) * sp.erfinv(2 * a - 1)))
    compute = staticmethod(S.ndtri)

    @staticmethod
    def derivative(xp, a, out):
        return xp.exp(0.5 * (out * out)) * _math.sqrt(2 * _PI)


class SpecialLogNdtrBackward0(_Pointwise):
    """ln Φ(a):  d/da = e^(−a²/2 − out)/√(2π)"""
    kernel = "log_ndtr_cpu"
    op_name = "special.log_ndtr"
    saves = "both"
    saves_output = True
    explain = Explain("ln Φ({a})", "∂ln Φ(a)/∂a = e^(−a²/2)/(√(2π)·Φ(a))",
                      symbolic=elementwise_symbolic(lambda sp, a: sp.log((1 + sp.erf(a / sp.sqrt(2))) / 2)))
    compute = staticmethod(S.log_ndtr)

    @staticmethod
    def derivative(xp, a, out):
        return xp.exp(-(out + 0.5 * (a * a))) * _INV_SQRT_2PI


class SpecialEntrBackward0(_Pointwise):
    """entr(a) = −a ln a:  d/da = −(1 + ln a)"""
    kernel = "entr_cpu"
    op_name = "special.entr"
    explain = Explain("−{a}·ln({a})", "∂(−a ln a)/∂a = −(1 + ln a)",
                      symbolic=elementwise_symbolic(lambda sp, a: -a * sp.log(a)))
    compute = staticmethod(S.entr)

    @staticmethod
    def derivative(xp, a, out):
        return -(1 + xp.log(a))


# ============================================================================ gamma function family
class DigammaBackward0(_Pointwise):
    """ψ(a) = Γ'(a)/Γ(a):  d/da = ψ⁽¹⁾(a)"""
    kernel = "digamma"
    op_name = "digamma"
    explain = Explain("ψ({a})", "∂ψ(a)/∂a = ψ⁽¹⁾(a)", symbolic=elementwise_symbolic(lambda sp, a: sp.digamma(a)))
    compute = staticmethod(S.digamma)

    @staticmethod
    def derivative(xp, a, out):
        return _on(xp, PolygammaBackward0, a, 1)


class LgammaBackward0(_Pointwise):
    """ln |Γ(a)|:  d/da = ψ(a)"""
    kernel = "lgamma_vml_cpu"
    op_name = "lgamma"
    explain = Explain("lnΓ({a})", "∂lnΓ(a)/∂a = ψ(a)", symbolic=elementwise_symbolic(lambda sp, a: sp.loggamma(a)))
    compute = staticmethod(S.lgamma)

    @staticmethod
    def derivative(xp, a, out):
        return _on(xp, DigammaBackward0, a)


class PolygammaBackward0(_Pointwise):
    """ψ⁽ⁿ⁾(a), the n-th derivative of digamma:  d/da = ψ⁽ⁿ⁺¹⁾(a)"""
    kernel = "polygamma"
    op_name = "polygamma"
    explain = Explain("ψ⁽ⁿ⁾({a})", "∂ψ⁽ⁿ⁾(a)/∂a = ψ⁽ⁿ⁺¹⁾(a)")

    @staticmethod
    def compute(a, n):
        return S.polygamma(n, a)

    @staticmethod
    def derivative(xp, a, out, n):
        return _on(xp, PolygammaBackward0, a, n + 1)


class MvlgammaBackward0(_Pointwise):
    """The multivariate log-gamma of dimension p, p(p−1)/4 ln π + Σⱼ<ₚ lnΓ(a − j/2):
    d/da = Σⱼ<ₚ ψ(a − j/2)"""
    kernel = "mvlgamma"
    op_name = "mvlgamma"
    explain = Explain("lnΓₚ({a})", "∂lnΓₚ(a)/∂a = Σⱼ ψ(a − j/2)")

    @staticmethod
    def compute(a, p):
        total = np.zeros(a.shape, _F64) + p * (p - 1) / 4 * _math.log(_PI)
        a64 = a.astype(_F64)
        for j in range(p):
            total = total + S.lgamma(a64 - j / 2)
        return total.astype(a.dtype)

    @staticmethod
    def derivative(xp, a, out, p):
        total = _on(xp, DigammaBackward0, a)
        for j in range(1, p):
            total = total + _on(xp, DigammaBackward0, a - j / 2)
        return total


# ============================================================================ modified Bessel functions
class I0Backward0(_Pointwise):
    """I₀(a):  d/da = I₁(a)"""
    kernel = "i0_vml_cpu"
    op_name = "i0"
    explain = Explain("I₀({a})", "∂I₀(a)/∂a = I₁(a)", symbolic=elementwise_symbolic(lambda sp, a: sp.besseli(0, a)))
    compute = staticmethod(S.i0)

    @staticmethod
    def derivative(xp, a, out):
        return _on(xp, SpecialI1Backward0, a)


class SpecialI0EBackward0(_Pointwise):
    """i0e(a) = e^(−|a|) I₀(a):  d/da = i1e(a) − sgn(a)·i0e(a)"""
    kernel = "i0e_cpu"
    op_name = "special.i0e"
    saves = "both"
    saves_output = True
    explain = Explain("i0e({a})", "∂(e^(−|a|)I₀(a))/∂a = i1e(a) − sgn(a)·i0e(a)")
    compute = staticmethod(S.i0e)

    @staticmethod
    def derivative(xp, a, out):
        return _on(xp, SpecialI1EBackward0, a) - xp.sign(a) * out


class SpecialI1Backward0(_Pointwise):
    """I₁(a):  d/da = I₀(a) − I₁(a)/a (1/2 at 0)"""
    kernel = "i1_cpu"
    op_name = "special.i1"
    saves = "both"
    saves_output = True
    explain = Explain("I₁({a})", "∂I₁(a)/∂a = I₀(a) − I₁(a)/a",
                      symbolic=elementwise_symbolic(lambda sp, a: sp.besseli(1, a)))
    compute = staticmethod(S.i1)

    @staticmethod
    def derivative(xp, a, out):
        safe = xp.where(a == 0, 1 + 0 * a, a)
        return xp.where(a == 0, 0.5 + 0 * a, _on(xp, I0Backward0, a) - out / safe)


class SpecialI1EBackward0(_Pointwise):
    """i1e(a) = e^(−|a|) I₁(a):  d/da = i0e(a) − i1e(a)·(sgn(a) + 1/a) (1/2 at 0)"""
    kernel = "i1e_cpu"
    op_name = "special.i1e"
    saves = "both"
    saves_output = True
    explain = Explain("i1e({a})", "∂(e^(−|a|)I₁(a))/∂a = i0e(a) − i1e(a)·(sgn(a) + 1/a)")
    compute = staticmethod(S.i1e)

    @staticmethod
    def derivative(xp, a, out):
        safe = xp.where(a == 0, 1 + 0 * a, a)
        return xp.where(a == 0, 0.5 + 0 * a, _on(xp, SpecialI0EBackward0, a) - out * (xp.sign(a) + 1 / safe))


# ============================================================================ Hurwitz zeta
class SpecialZetaBackward0(Rule):
    """ζ(x, q) = Σₖ (q + k)⁻ˣ:  d/dq = −x·ζ(x + 1, q); none for x (PyTorch raises NotImplementedError)"""
    op_name = "special.zeta"
    dtypes = "to_float"
    batching = "elementwise"
    explain: ClassVar[Optional[Explain]] = Explain("ζ({x}, {q})", "∂ζ(x, q)/∂q = −x·ζ(x + 1, q)")

    @classmethod
    def forward(cls, node, xp, x, q):
        if node is not None:
            node.saved = (x, q)
        if xp.apply_rule is None:
            refuse_complex("zeta_cpu", np.asarray(x))
            refuse_complex("zeta_cpu", np.asarray(q))
        return _on(xp, cls, x, q)

    @staticmethod
    def compute(x, q):
        return S.zeta(x, q)

    @classmethod
    def _dq(cls, xp, x, q):
        if type(x) is float or type(x) is int:  # a number (a re-run under create_graph)
            return -x * _on(xp, SpecialZetaBackward1, x + 1, q)
        return -x * _on(xp, SpecialZetaBackward0, x + 1, q)

    @staticmethod
    def jvp(xp, t, out, x, q):
        raise NotImplementedError("Trying to use forward AD with special_zeta that does not support it because it "
                                  "has not been implemented yet.")

    def vjp(self, g, xp):
        x, q = self.saved
        edges = self.next_functions
        if edges[0][0] is not None and type(self) is not SpecialZetaBackward1:
            raise NotImplementedError("the derivative for 'zeta' is not implemented.")
        nq = edges[-1][0]
        grad_q = None if nq is None else g * self._dq(xp, x, q)
        if grad_q is not None and type(self) is SpecialZetaBackward0:
            grad_q = xp.sum_to(grad_q, q.shape)
        return (None, grad_q) if len(edges) == 2 else (grad_q,)


class SpecialZetaBackward1(SpecialZetaBackward0):
    """ζ(number, q):  d/dq = −x·ζ(x + 1, q)"""
    explain = Explain("ζ(n, {q})", "∂ζ(n, q)/∂q = −n·ζ(n + 1, q)")


class SpecialZetaBackward2(SpecialZetaBackward0):
    """ζ(x, number): no gradient for x (PyTorch raises)"""


# ============================================================================ incomplete gamma
class IgammaBackward0(Rule):
    """P(a, x), the regularized lower incomplete gamma function:  d/dx = x^(a−1) e^(−x) / Γ(a);
    none for a (PyTorch raises NotImplementedError)"""
    op_name = "igamma"
    dtypes = "float_only"
    batching = "elementwise"
    sign = 1
    explain = Explain("P({a}, {x})", "∂P(a, x)/∂x = x^(a−1)·e^(−x)/Γ(a)")

    @classmethod
    def forward(cls, node, xp, a, x):
        if node is not None:
            node.saved = (a, x)
        if xp.apply_rule is None:
            refuse_complex(f"{cls.op_name}_cpu", np.asarray(a))
            refuse_complex(f"{cls.op_name}_cpu", np.asarray(x))
        return _on(xp, cls, a, x)

    compute = staticmethod(S.igamma)

    @classmethod
    def _dx(cls, xp, a, x):
        lg = _on(xp, LgammaBackward0, a)
        return xp.exp((a - 1) * xp.log(x) - x - lg) * cls.sign

    @classmethod
    def jvp(cls, xp, t, out, a, x):
        if t[0] is not None:
            raise NotImplementedError(f"the derivative for '{cls.op_name}: input' is not implemented.")
        return t[1] * cls._dx(xp, a, x)

    def vjp(self, g, xp):
        a, x = self.saved
        (na, _), (nx, _) = self.next_functions
        if na is not None:
            raise NotImplementedError(f"the derivative for '{self.op_name}: input' is not implemented.")
        return None, None if nx is None else xp.sum_to(g * self._dx(xp, a, x), x.shape)


class IgammacBackward0(IgammaBackward0):
    """Q(a, x) = 1 − P(a, x):  d/dx = −x^(a−1) e^(−x) / Γ(a); none for a"""
    op_name = "igammac"
    sign = -1
    explain = Explain("Q({a}, {x})", "∂Q(a, x)/∂x = −x^(a−1)·e^(−x)/Γ(a)")
    compute = staticmethod(S.igammac)
