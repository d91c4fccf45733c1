"""Elementwise ops: each one's forward and its derivative (vjp), side by side.

A rule is a Rule subclass (ops/_rule.py) named after PyTorch's grad_fn. `forward(node, xp, *args)`
computes the result from arrays (`node` is None when no graph is recorded) and keeps in
`node.saved` what the vjp needs. `vjp(self, g, xp)` returns one gradient per input edge, None where
that input needs none; `jvp(xp, tangents, out, *args)` the output's tangent. Broadcasting inputs get
their gradient summed back with `xp.sum_to`. Each class also declares its batching kind and, where
explain() knows it, its explain template.
Operands arrive already promoted to the result dtype (the Tensor layer does PyTorch's promotion).
A few rules also have `forward_into(node, a, ...)`: the same forward, written into the array `a` of
an operand that is a dying temporary (NumPy arrays only; see _tensor._RefProbe).
"""
import cmath as _cmath
import math as _math
from typing import Any

import numpy as np

from ..backend import numpy as _np_backend
from ._rule import Explain, Rule, elementwise_symbolic, with_number
from .._dtype import FROM_NP
from ..engine.node import LINEAR_JVP


def _sum_tangents(x, y):
    """The sum of two tangents, either of which may be None (zero)."""
    if x is None:
        return y
    return x if y is None else x + y


def _shape(v):
    return getattr(v, "shape", ())


def _int_scalar_like(scalar, a):
    """A Python int meeting an integer array `a`, as PyTorch casts it: to a's dtype, wrapping
    around (`-3 - uint8_tensor`); NumPy 2 raises OverflowError for an out-of-range Python int.
    Integer tensors never require grad, so `a` is an ndarray whenever this converts."""
    if type(scalar) is int and getattr(a.dtype, "kind", "f") in "iu":
        info = np.iinfo(a.dtype)
        if not info.min <= scalar <= info.max:
            return np.array(scalar).astype(a.dtype)
    return scalar


# ============================================================================ arithmetic
class AddBackward0(Rule):
    """a + b"""
    exact_on_scalars = True
    dtypes = "promote"
    batching = "elementwise"
    explain = Explain("{a} + {b}", "∂(a + b)/∂a = 1,  ∂(a + b)/∂b = 1", infix="+",
                      symbolic=lambda sp, a, b: a + b)

    @staticmethod
    def forward(node, xp, a, b):
        if node is not None:
            node.shapes = (a.shape, getattr(b, "shape", ()))
        return a + b

    @staticmethod
    def forward_into(node, a, b):  # a is a dying temporary's array (see _tensor._RefProbe)
        if node is not None:
            node.shapes = (a.shape, b.shape)
        return np.add(a, b, out=a)

    @staticmethod
    def jvp(xp, t, out, a, b):
        return _sum_tangents(t[0], t[1])

    def vjp(self, g, xp):
        sa, sb = self.shapes
        (na, _), (nb, _) = self.next_functions
        gs = g.shape  # an input of this shape needs no reduction (no broadcasting happened)
        return (None if na is None else g if gs == sa else xp.sum_to(g, sa),
                None if nb is None else g if gs == sb else xp.sum_to(g, sb))


@with_number(AddBackward0)
class _AddNumber(AddBackward0):
    """a + a number: the result has a's shape, so the gradient is g itself; nothing is kept."""
    __slots__ = ()

    @staticmethod
    def forward(node, xp, a, b):
        return a + b

    def vjp(self, g, xp):
        return g, None


class SubBackward0(Rule):
    """a - b"""
    exact_on_scalars = True
    dtypes = "promote"
    batching = "elementwise"
    explain = Explain("{a} − {b}", "∂(a − b)/∂a = 1,  ∂(a − b)/∂b = −1", infix="−",
                      symbolic=lambda sp, a, b: a - b)

    @staticmethod
    def forward(node, xp, a, b):
        if node is not None:
            node.shapes = (a.shape, getattr(b, "shape", ()))
        return a - b

    @staticmethod
    def forward_into(node, a, b):
        if node is not None:
            node.shapes = (a.shape, b.shape)
        return np.subtract(a, b, out=a)

    @staticmethod
    def jvp(xp, t, out, a, b):
        return _sum_tangents(t[0], None if t[1] is None else -t[1])

    def vjp(self, g, xp):
        sa, sb = self.shapes
        (na, _), (nb, _) = self.next_functions
        gs = g.shape
        return (None if na is None else g if gs == sa else xp.sum_to(g, sa),
                None if nb is None else -g if gs == sb else -xp.sum_to(g, sb))


class RsubBackward1(Rule):
    """scalar - alpha * a (the reflected `2 - x`)"""
    explain = Explain("n − α·{a}", "∂(n − α·a)/∂a = −α")
    holomorphic = True
    dtypes = "promote"
    batching = "elementwise"

    @staticmethod
    def forward(node, xp, a, scalar, alpha=1):
        if node is not None:
            node.alpha = alpha
        scalar = _int_scalar_like(scalar, a)
        return scalar - a if alpha == 1 else scalar - alpha * a

    @staticmethod
    def jvp(xp, t, out, a, scalar, alpha=1):
        return -alpha * t[0]

    def vjp(self, g, xp):
        return (-g if self.alpha == 1 else g * -self.alpha,)


class MulBackward0(Rule):
    """a * b"""
    exact_on_scalars = True
    holomorphic = True
    dtypes = "promote"
    batching = "elementwise"
    explain = Explain("{a} · {b}", "∂(a · b)/∂a = b,  ∂(a · b)/∂b = a", infix="·",
                      symbolic=lambda sp, a, b: a * b)
    saved_inputs = "others"  # a's gradient needs b, b's needs a

    @staticmethod
    def forward(node, xp, a, b):
        if node is not None:
            node.saved = (a, b)
        return a * b

    @staticmethod
    def jvp(xp, t, out, a, b):
        return _sum_tangents(None if t[0] is None else t[0] * b, None if t[1] is None else a * t[1])

    def vjp(self, g, xp):
        a, b = self.saved
        (na, _), (nb, _) = self.next_functions
        if nb is None:  # b needs no gradient (a constant tensor; a number under forward AD)
            ga = g * b
            return (ga if ga.shape == a.shape else xp.sum_to(ga, a.shape)), None
        ga = None if na is None else g * b
        gb = g * a
        sa, sb = a.shape, b.shape
        if sa != sb:  # broadcast (g has the output's shape, which is sa when sa == sb)
            if ga is not None and ga.shape != sa:
                ga = xp.sum_to(ga, sa)
            if gb.shape != sb:
                gb = xp.sum_to(gb, sb)
        return ga, gb


@with_number(MulBackward0)
class _MulNumber(MulBackward0):
    """a * a number b (a 0-d array in a's dtype, or a NumPy scalar when a is 0-d): PyTorch keeps
    only b, which saved-tensor hooks do not see (b is not a tuple of saved tensors); b never
    broadcasts a, so the gradient is g · b with no reduction."""
    __slots__ = ()
    relift = False  # under create_graph, g · b records as it is (b needs no gradient)

    @staticmethod
    def forward(node, xp, a, b):
        if node is not None:
            node.saved = b
        return a * b

    def vjp(self, g, xp):
        return g * self.saved, None


class DivBackward0(Rule):
    """a / b:  d/da = g / b,  d/db = -g * a / b^2"""
    exact_on_scalars = True
    holomorphic = True
    dtypes = "to_float"
    batching = "elementwise"
    explain = Explain("{a} / {b}", "∂(a / b)/∂a = 1/b,  ∂(a / b)/∂b = −a/b²", infix="/",
                      symbolic=lambda sp, a, b: a / b)

    @staticmethod
    def forward(node, xp, a, b):
        if node is not None:
            node.saved = (a, b)
        return a / b

    @staticmethod
    def jvp(xp, t, out, a, b):
        return _sum_tangents(None if t[0] is None else t[0] / b, None if t[1] is None else -t[1] * out / b)

    def vjp(self, g, xp):
        a, b = self.saved
        (na, _), (nb, _) = self.next_functions
        return (None if na is None else xp.sum_to(g / b, a.shape),
                None if nb is None else xp.sum_to(-g * a / (b * b), b.shape))


class ZeroBackward0(Rule):
    """a.zero_(): zeros, whatever a was:  d/da = 0"""
    explain = Explain("0·{a}", "∂0/∂a = 0", symbolic=elementwise_symbolic(lambda sp, a: sp.Integer(0)))
    dtypes = "promote"
    batching = "elementwise"

    @staticmethod
    def forward(node, xp, a):
        return xp.zeros_like(a)

    @staticmethod
    def jvp(xp, t, out, a):
        return t[0] * 0

    def vjp(self, g, xp):
        return (g * 0,)


class CopyBackwards(Rule):
    """a.copy_(b): b, broadcast to a's shape and cast to a's dtype, whatever a was:
    d/da = 0,  d/db = g summed to b's shape, in b's dtype"""
    explain = Explain("copy_({a}, {b})", "∂/∂a = 0 (overwritten),  ∂/∂b = g summed to b's shape")
    batching = "elementwise"

    @staticmethod
    def forward(node, xp, a, b):
        if node is not None:
            node.src = (_shape(b), b.dtype)
        out = xp.broadcast_to(b, _shape(a)).astype(a.dtype)  # (astype copies: the result is a's own)
        return out

    @staticmethod
    def jvp(xp, t, out, a, b):
        return xp.zeros_like(out) if t[1] is None else xp.broadcast_to(t[1], out.shape).astype(out.dtype)

    def vjp(self, g, xp):
        shape, dtype = self.src
        (na, _), (nb, _) = self.next_functions
        gb = None
        if nb is not None:
            gb = xp.sum_to(g, shape)
            gb = gb.astype(dtype, copy=False) if type(gb) is np.ndarray else gb.to(FROM_NP[dtype])
        return (None if na is None else g * 0, gb)


class NegBackward0(Rule):
    """-a"""
    dtypes = "promote"
    batching = "elementwise"
    explain = Explain("−{a}", "∂(−a)/∂a = −1", symbolic=lambda sp, a: -a)

    @staticmethod
    def forward(node, xp, a):
        try:
            return -a
        except TypeError:  # NumPy refuses -bool
            raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are trying "
                               "to invert a mask, use the `~` or `logical_not()` operator instead.") from None

    @staticmethod
    def jvp(xp, t, out, a):
        return -t[0]

    def vjp(self, g, xp):
        return (-g,)


class ReciprocalBackward0(Rule):
    """1 / a:  d/da = -g * out^2"""
    explain = Explain("1/{a}", "∂(1/a)/∂a = −1/a²", symbolic=elementwise_symbolic(lambda sp, a: 1 / a))
    holomorphic = True
    dtypes = "to_float"
    batching = "elementwise"
    saves_output = True
    saved_inputs = ()
    lift_output = True

    @staticmethod
    def forward(node, xp, a):
        out = xp.reciprocal(a)
        if node is not None:
            node.saved = (out,)
        return out

    @staticmethod
    def jvp(xp, t, out, a):
        return -t[0] * out * out

    def vjp(self, g, xp):
        (out,) = self.saved
        return (-g * out * out,)


class PowBackward0(Rule):
    """a ** p for a number p:  d/da = g * p * a^(p-1)"""
    holomorphic = True
    dtypes = "promote"
    batching = "elementwise"
    explain = Explain("{a}^{p}", "∂(aᵖ)/∂a = p·aᵖ⁻¹", symbolic=elementwise_symbolic(lambda sp, a, p: a ** p))

    @staticmethod
    def forward(node, xp, a, p):
        if node is not None:
            node.saved = (a, p)
        out = a ** p
        # NumPy turns bool ** bool into int8; PyTorch keeps the tensor's dtype
        return out if out.dtype == a.dtype else out.astype(a.dtype)

    @staticmethod
    def jvp(xp, t, out, a, p):
        return t[0] * 0 if p == 0 else t[0] * (p * a ** (p - 1))

    def vjp(self, g, xp):
        a, p = self.saved
        if p == 0:
            return (xp.zeros_like(g),)
        return (g * (p * a ** (p - 1)),)


class PowBackward1(Rule):
    """a ** b for tensors:  d/da = g * b * a^(b-1),  d/db = g * a^b * log(a)"""
    saves_output = True  # its saved values include its result: a write into it is an error
    holomorphic = True
    dtypes = "promote"
    batching = "elementwise"
    explain = Explain("{a}^{b}", "∂(aᵇ)/∂a = b·aᵇ⁻¹,  ∂(aᵇ)/∂b = aᵇ·ln a",
                      symbolic=elementwise_symbolic(lambda sp, a, b: a ** b))

    @staticmethod
    def forward(node, xp, a, b):
        _refuse_bools(a, b, "pow")
        integers = isinstance(a, np.ndarray) and a.dtype.kind in "iu" and np.asarray(b).dtype.kind in "iu"
        out = _int_pow(a, b) if integers else a ** b
        if node is not None:
            node.saved = (a, b, out)
        return out

    @staticmethod
    def jvp(xp, t, out, a, b):
        ta = None if t[0] is None else t[0] * (b * a ** (b - 1))
        tb = None if t[1] is None else t[1] * out * xp.log(xp.where(a == 0, 1, a))
        return _sum_tangents(ta, tb)

    def vjp(self, g, xp):
        a, b, out = self.saved
        (na, _), (nb, _) = self.next_functions
        ga = gb = None
        if na is not None:
            ga = xp.sum_to(g * b * xp.where(b == 0, 0, a ** (b - 1)), a.shape)
        if nb is not None:  # log(a) is -inf at a == 0; PyTorch takes the limit 0 there
            # (a complex b: PyTorch's condition is a real, non-negative b; complex numbers have no order)
            nonneg = ((b.imag == 0) & (b.real >= 0)) if getattr(b.dtype, "np", b.dtype).kind == "c" else b >= 0
            gb = xp.sum_to(g * xp.where((a == 0) & nonneg, 0, out * xp.log(a)), b.shape)
        return ga, gb


class PowBackward2(Rule):
    """p ** b for a number p:  d/db = g * p^b * log(p)"""
    explain = Explain("n^{b}", "∂(pᵇ)/∂b = pᵇ·ln p")
    saves_output = True  # its saved values include its result: a write into it is an error
    holomorphic = True
    batching = "elementwise"

    @staticmethod
    def forward(node, xp, p, b):
        if type(p) is bool and getattr(b.dtype, "kind", "f") == "b":
            raise NotImplementedError("\"pow\" not implemented for 'Bool' (convert the tensor first, "
                                      "e.g. t.long())")
        out = _int_scalar_like(p, b) ** b
        if node is not None:
            node.saved = (p, out)
        return out

    @staticmethod
    def jvp(xp, t, out, p, b):
        return t[1] * out * _log(p)

    def vjp(self, g, xp):
        p, out = self.saved
        if p == 0:  # 0 ** b: PyTorch's gradient is 0 where b >= 0 and g · out · ln 0 = g · -inf where b < 0
            if type(p) is complex:
                return (xp.zeros_like(g),)
            return (xp.where(out == _math.inf, g * -_math.inf, g * 0),)
        return (g * out * _log(p),)


def _log(p):
    """ln p of a number base: complex for a complex p (its principal value), NaN for p <= 0."""
    if type(p) is complex:
        return _cmath.log(p) if p else complex("nan+nanj")
    return _math.log(p) if p > 0 else float("nan")


class MaximumBackward0(Rule):
    """maximum(a, b): the larger input gets the gradient; ties split it in half"""
    explain = Explain("max({a}, {b})", "∂max(a, b)/∂a = 1 where a > b, ½ where a = b, 0 elsewhere (∂/∂b the rest)",
                      symbolic=elementwise_symbolic(lambda sp, a, b: sp.Max(a, b)))
    refuses = {"c": (RuntimeError, "maximum not implemented for complex tensors.")}
    dtypes = "promote"
    batching = "elementwise"

    @staticmethod
    def forward(node, xp, a, b):
        if node is not None:
            node.saved = (a, b)
        return xp.maximum(a, b)

    @staticmethod
    def jvp(xp, t, out, a, b):
        ta = xp.zeros_like(out) if t[0] is None else t[0]
        tb = xp.zeros_like(out) if t[1] is None else t[1]
        return xp.where(a > b, ta, xp.where(a == b, (ta + tb) / 2, tb))  # (NaN: b's tangent, as PyTorch)

    def vjp(self, g, xp):
        a, b = self.saved
        return _split_by_mask(self, g, xp, a, b, a < b, a > b)


class MinimumBackward0(Rule):
    """minimum(a, b): the smaller input gets the gradient; ties split it in half"""
    explain = Explain("min({a}, {b})", "∂min(a, b)/∂a = 1 where a < b, ½ where a = b, 0 elsewhere (∂/∂b the rest)",
                      symbolic=elementwise_symbolic(lambda sp, a, b: sp.Min(a, b)))
    refuses = {"c": (RuntimeError, "minimum not implemented for complex tensors.")}
    dtypes = "promote"
    batching = "elementwise"

    @staticmethod
    def forward(node, xp, a, b):
        if node is not None:
            node.saved = (a, b)
        return xp.minimum(a, b)

    @staticmethod
    def jvp(xp, t, out, a, b):
        ta = xp.zeros_like(out) if t[0] is None else t[0]
        tb = xp.zeros_like(out) if t[1] is None else t[1]
        return xp.where(a < b, ta, xp.where(a == b, (ta + tb) / 2, tb))  # (NaN: b's tangent, as PyTorch)

    def vjp(self, g, xp):
        a, b = self.saved
        return _split_by_mask(self, g, xp, a, b, a > b, a < b)


# fmax, fmin (bad input, issue 12): NaN is a missing value here, the other operand wins; ties and
# NaN-NaN send the whole gradient to the first input, as PyTorch's derivatives do.
class FmaxBackward0(Rule):
    """fmax(a, b): the larger input, ignoring NaN:  d/da = [a ≥ b or b is NaN],  d/db = the rest"""
    refuses = {"c": (RuntimeError, "fmax not implemented for complex tensors.")}
    dtypes = "promote"
    batching = "elementwise"
    explain = Explain("fmax({a}, {b})", "∂fmax(a, b)/∂a = [a ≥ b or b = NaN],  ∂fmax(a, b)/∂b = 1 − that",
                      symbolic=elementwise_symbolic(lambda sp, a, b: sp.Max(a, b)))

    @staticmethod
    def forward(node, xp, a, b):
        if node is not None:
            node.saved = (a, b)
        return xp.where((a >= b) | (b != b), a, b)

    @staticmethod
    def jvp(xp, t, out, a, b):
        return _pick_tangent(xp, t, out, (a > b) | (b != b))  # (a tie takes b's tangent, as PyTorch)

    def vjp(self, g, xp):
        a, b = self.saved
        return _pick_gradient(self, g, xp, a, b, (a >= b) | (b != b))


class FminBackward0(Rule):
    """fmin(a, b): the smaller input, ignoring NaN:  d/da = [a ≤ b or b is NaN],  d/db = the rest"""
    refuses = {"c": (RuntimeError, "fmin not implemented for complex tensors.")}
    dtypes = "promote"
    batching = "elementwise"
    explain = Explain("fmin({a}, {b})", "∂fmin(a, b)/∂a = [a ≤ b or b = NaN],  ∂fmin(a, b)/∂b = 1 − that",
                      symbolic=elementwise_symbolic(lambda sp, a, b: sp.Min(a, b)))

    @staticmethod
    def forward(node, xp, a, b):
        if node is not None:
            node.saved = (a, b)
        return xp.where((a <= b) | (b != b), a, b)

    @staticmethod
    def jvp(xp, t, out, a, b):
        return _pick_tangent(xp, t, out, (a <= b) | (b != b))  # (a tie takes a's tangent here, as PyTorch)

    def vjp(self, g, xp):
        a, b = self.saved
        return _pick_gradient(self, g, xp, a, b, (a <= b) | (b != b))


def _pick_tangent(xp, t, out, a_wins):
    ta = xp.zeros_like(out) if t[0] is None else t[0]
    tb = xp.zeros_like(out) if t[1] is None else t[1]
    return xp.where(a_wins, ta, tb)


def _pick_gradient(node, g, xp, a, b, a_wins):
    """The gradient g to a where a_wins, to b elsewhere (each summed to its own shape)."""
    (na, _), (nb, _) = node.next_functions
    return (None if na is None else xp.sum_to(xp.where(a_wins, g, 0 * g), a.shape),
            None if nb is None else xp.sum_to(xp.where(a_wins, 0 * g, g), b.shape))


def _split_by_mask(node, g, xp, a, b, a_loses, b_loses):
    """maximum/minimum's gradients: half each at a tie, none to the input that loses, all of it to
    both where neither wins (a NaN), as PyTorch's derivatives give."""
    tie = a == b
    half = g / 2
    (na, _), (nb, _) = node.next_functions
    ga = gb = None
    if na is not None:
        ga = xp.sum_to(xp.where(tie, half, xp.where(a_loses, 0 * g, g)), a.shape)
    if nb is not None:
        gb = xp.sum_to(xp.where(tie, half, xp.where(b_loses, 0 * g, g)), b.shape)
    return ga, gb


def _int_pow(a, b):
    """Integer a ** b elementwise as C's integer loop computes it, which PyTorch's tensor-tensor pow does:
    a negative exponent gives 1 for a base of 1, ±1 for -1 and 0 otherwise (NumPy refuses it)."""
    negative = b < 0
    if not negative.any():
        return a ** b
    out = a ** np.where(negative, 0, b)
    tiny = np.where(a == 1, 1, np.where(a == -1, np.where(b % 2 == 0, 1, -1), 0)).astype(out.dtype)
    return np.where(negative, tiny, out)


def _refuse_bools(a, b, kernel):
    """An op of two bools PyTorch has no kernel for (fmod, remainder, floor division, pow): its error
    naming the kernel, where NumPy would answer in int8."""
    if isinstance(a, np.ndarray) and a.dtype.kind == "b" and np.asarray(b).dtype.kind == "b":
        raise NotImplementedError(f"\"{kernel}\" not implemented for 'Bool'")


def _check_int_divisor(b):
    """Integer division by zero is an error in PyTorch (NumPy would warn and return 0)."""
    kind = getattr(getattr(b, "dtype", None), "kind", "f")
    if kind in "iub" and (b == 0).any():
        raise RuntimeError("ZeroDivisionError")


class RemainderBackward0(Rule):
    """a % number (Python's sign convention):  d/da = g"""
    explain = Explain("{a} mod n", "∂(a mod n)/∂a = 1")
    dtypes = "promote"
    batching = "elementwise"

    @staticmethod
    def forward(node, xp, a, b):
        if node is not None:
            node.saved = (a, b)
        _refuse_bools(a, b, "remainder_cpu")
        _check_int_divisor(b)
        out = a % b
        if type(out) is np.ndarray and out.dtype.kind == "f" and np.count_nonzero(out) != out.size:
            # a zero remainder keeps the dividend's sign, as PyTorch's fmod-based kernel (NumPy: the divisor's)
            out = np.where(out == 0, np.copysign(out, a), out)
        elif isinstance(out, np.floating) and out == 0:   # (0-d operands give a NumPy scalar)
            out = np.copysign(out, a)
        return out

    @staticmethod
    def jvp(xp, t, out, a, b):  # a - floor(a / b) b
        tb = t[1] if len(t) > 1 else None
        return _sum_tangents(t[0], None if tb is None else -tb * xp.floor(a / b))

    def vjp(self, g, xp):
        a, b = self.saved
        edges = self.next_functions
        ga = None if edges[0][0] is None else xp.sum_to(g, a.shape)
        if len(edges) == 1:
            return (ga,)
        gb = None if edges[1][0] is None else xp.sum_to(-g * xp.floor(a / b), b.shape)
        return ga, gb


class RemainderBackward1(RemainderBackward0):
    """a % b for two tensors:  d/da = g,  d/db = -g * floor(a / b)"""
    explain = Explain("{a} mod {b}", "∂(a mod b)/∂a = 1,  ∂/∂b = −floor(a/b)")


class FmodBackward0(Rule):
    """fmod(a, number) (the sign of a, like C's fmod):  d/da = g"""
    explain = Explain("fmod({a}, n)", "∂fmod(a, n)/∂a = 1")
    dtypes = "promote"
    batching = "elementwise"

    @staticmethod
    def forward(node, xp, a, b):
        _refuse_bools(a, b, "fmod_cpu")
        _check_int_divisor(b)
        return _fmod(a, b)

    @staticmethod
    def jvp(xp, t, out, a, b):
        return t[0]

    def vjp(self, g, xp):
        return (g,)


class FmodBackward1(Rule):
    """fmod(a, b) for two tensors:  d/da = g,  d/db = -g * trunc(a / b).
    trunc(a / b) is piecewise constant, so it is kept as a constant array (its own derivative is
    zero): the vjp needs no re-run forward under create_graph."""
    explain = Explain("fmod({a}, {b})", "∂fmod(a, b)/∂a = 1,  ∂/∂b = −trunc(a/b)")
    dtypes = "promote"
    batching = "elementwise"
    relift = False

    @staticmethod
    def forward(node, xp, a, b):
        _refuse_bools(a, b, "fmod_cpu")
        _check_int_divisor(b)
        out = _fmod(a, b)
        if node is not None:
            node.saved = (a, b)
            node.shapes = (_shape(a), _shape(b))
            node.quotient = _trunc_div(a, b) if node is not None else None
        return out

    @staticmethod
    def jvp(xp, t, out, a, b):  # a - trunc(a / b) b; trunc(a / b) is a constant (on Tensors too)
        return _sum_tangents(t[0], None if t[1] is None else -t[1] * _trunc_div(getattr(a, "_data", a),
                                                                                getattr(b, "_data", b)))

    def vjp(self, g, xp):
        sa, sb = self.shapes
        (na, _), (nb, _) = self.next_functions
        return (None if na is None else xp.sum_to(g, sa),
                None if nb is None else xp.sum_to(-g * self.quotient, sb))


def _fmod(a, b):
    # C fmod, exact for floats; only ever called on arrays (FmodBackward1 is not re-run on Tensors)
    return np.fmod(a, b).astype(a.dtype, copy=False)


def _trunc_div(a, b):
    """a / b rounded toward zero; exact for integers (no detour through floats)."""
    if a.dtype.kind in "iub":
        q = a // b
        return q + ((a % b != 0) & ((a < 0) != (b < 0)))
    return np.trunc(a / b)


class DivBackward2(Rule):
    """div(a, b, rounding_mode='trunc' | 'floor'): piecewise constant, so the gradient is zero."""
    explain = Explain("div({a}, b, rounding_mode)", "piecewise constant: ∂/∂a = 0,  ∂/∂b = 0")
    dtypes = "promote"
    batching = "elementwise"

    @staticmethod
    def forward(node, xp, a, b, rounding_mode):
        _refuse_bools(a, b, f"div_{rounding_mode}_cpu")
        _check_int_divisor(b)
        if node is not None:
            node.shapes = (_shape(a), _shape(b))
        if rounding_mode == "floor":
            return a // b
        out = _trunc_div(np.asarray(a), b)
        return out.astype(np.result_type(a, b), copy=False)

    @staticmethod
    def jvp(xp, t, out, a, b, rounding_mode):
        return xp.zeros_like(out)  # piecewise constant

    def vjp(self, g, xp):
        sa, sb = self.shapes
        (na, _), (nb, _) = self.next_functions
        zero = 0 * g
        return (None if na is None else xp.sum_to(zero, sa),
                None if nb is None else xp.sum_to(zero, sb))


class NotImplementedBackward(Rule):
    """Ops PyTorch does not differentiate (floor_divide, `a // b`): recorded, but backward through
    them is an error."""
    dtypes = "promote"
    batching = "elementwise"
    op_name = "floor_divide"

    @staticmethod
    def forward(node, xp, a, b):
        _refuse_bools(a, b, "div_floor_cpu")
        _check_int_divisor(b)
        return a // b

    def vjp(self, g, xp):
        raise RuntimeError(f"derivative for aten::{self.op_name} is not implemented "
                           "(use div(a, b, rounding_mode='floor') for a zero gradient, or "
                           "detach the result)")


NotImplementedBackward.__name__ = NotImplementedBackward.__qualname__ = "NotImplemented"


# ============================================================================ unary math
class AbsBackward0(Rule):
    """|a|:  d/da = sign(a) (0 at a = 0)"""
    refuses = {"b": (NotImplementedError, "\"abs_cpu\" not implemented for '{type}'")}
    dtypes = "promote"
    batching = "elementwise"
    explain = Explain("|{a}|", "∂|a|/∂a = sign(a)", symbolic=elementwise_symbolic(lambda sp, a: sp.Abs(a)))

    @staticmethod
    def forward(node, xp, a):
        if node is not None:
            node.saved = (a,)
        return xp.abs(a)

    @staticmethod
    def jvp(xp, t, out, a):  # complex a: d|a| = Re(conj(sign a) da); conj and .real are no-ops on reals
        return (t[0] * xp.sign(a).conj()).real

    def vjp(self, g, xp):
        (a,) = self.saved
        return (g * xp.sign(a),)


class ExpBackward0(Rule):
    """e^a:  d/da = e^a (the saved output)"""
    holomorphic = True
    dtypes = "to_float"
    batching = "elementwise"
    explain = Explain("exp({a})", "∂exp(a)/∂a = exp(a)", symbolic=elementwise_symbolic(lambda sp, a: sp.exp(a)))
    saves_output = True
    saved_inputs = ()
    lift_output = True

    @staticmethod
    def forward(node, xp, a):
        out = xp.exp(a)
        if node is not None:
            node.saved = (out,)
        return out

    @staticmethod
    def jvp(xp, t, out, a):
        return t[0] * out

    def vjp(self, g, xp):
        return (g * self.saved[0],)


class Expm1Backward0(Rule):
    """e^a − 1, accurate near 0:  d/da = out + 1"""
    explain = Explain("exp({a}) − 1", "∂(eᵃ − 1)/∂a = eᵃ", symbolic=elementwise_symbolic(lambda sp, a: sp.exp(a) - 1))
    holomorphic = True
    dtypes = "to_float"
    batching = "elementwise"
    saves_output = True
    saved_inputs = ()
    lift_output = True

    @staticmethod
    def forward(node, xp, a):
        out = xp.expm1(a)
        if node is not None:
            node.saved = (out,)
        return out

    @staticmethod
    def jvp(xp, t, out, a):
        return t[0] * (out + 1)

    def vjp(self, g, xp):
        return (g * (self.saved[0] + 1),)


class LogBackward0(Rule):
    """ln a:  d/da = 1 / a"""
    holomorphic = True
    dtypes = "to_float"
    batching = "elementwise"
    explain = Explain("ln({a})", "∂ln(a)/∂a = 1/a", symbolic=elementwise_symbolic(lambda sp, a: sp.log(a)))

    @staticmethod
    def forward(node, xp, a):
        if node is not None:
            node.saved = (a,)
        return xp.log(a)

    @staticmethod
    def jvp(xp, t, out, a):
        return t[0] / a

    def vjp(self, g, xp):
        return (g / self.saved[0],)


class Log2Backward0(Rule):
    """log₂ a:  d/da = 1 / (a ln 2)"""
    explain = Explain("log₂({a})", "∂log₂(a)/∂a = 1/(a·ln 2)",
                      symbolic=elementwise_symbolic(lambda sp, a: sp.log(a, 2)))
    holomorphic = True
    dtypes = "to_float"
    batching = "elementwise"

    @staticmethod
    def forward(node, xp, a):
        if node is not None:
            node.saved = (a,)
        return xp.log2(a)

    @staticmethod
    def jvp(xp, t, out, a):
        return t[0] / (a * _math.log(2))

    def vjp(self, g, xp):
        return (g / (self.saved[0] * 0.6931471805599453),)


class Log10Backward0(Rule):
    """log₁₀ a:  d/da = 1 / (a ln 10)"""
    explain = Explain("log₁₀({a})", "∂log₁₀(a)/∂a = 1/(a·ln 10)",
                      symbolic=elementwise_symbolic(lambda sp, a: sp.log(a, 10)))
    holomorphic = True
    dtypes = "to_float"
    batching = "elementwise"

    @staticmethod
    def forward(node, xp, a):
        if node is not None:
            node.saved = (a,)
        return xp.log10(a)

    @staticmethod
    def jvp(xp, t, out, a):
        return t[0] / (a * _math.log(10))

    def vjp(self, g, xp):
        return (g / (self.saved[0] * 2.302585092994046),)


class Log1PBackward0(Rule):
    """ln(1 + a), accurate near 0:  d/da = 1 / (1 + a)"""
    explain = Explain("ln(1 + {a})", "∂ln(1 + a)/∂a = 1/(1 + a)",
                      symbolic=elementwise_symbolic(lambda sp, a: sp.log(1 + a)))
    holomorphic = True
    dtypes = "to_float"
    batching = "elementwise"

    @staticmethod
    def forward(node, xp, a):
        if node is not None:
            node.saved = (a,)
        return xp.log1p(a)

    @staticmethod
    def jvp(xp, t, out, a):
        return t[0] / (1 + a)

    def vjp(self, g, xp):
        return (g / (self.saved[0] + 1),)


class SqrtBackward0(Rule):
    """√a:  d/da = 1 / (2 out)"""
    holomorphic = True
    dtypes = "to_float"
    batching = "elementwise"
    explain = Explain("√{a}", "∂√a/∂a = 1/(2√a)", symbolic=elementwise_symbolic(lambda sp, a: sp.sqrt(a)))
    saves_output = True
    saved_inputs = ()
    lift_output = True

    @staticmethod
    def forward(node, xp, a):
        out = xp.sqrt(a)
        if node is not None:
            node.saved = (out,)
        return out

    @staticmethod
    def jvp(xp, t, out, a):
        return t[0] / (2 * out)

    def vjp(self, g, xp):
        return (g / (2 * self.saved[0]),)


class RsqrtBackward0(Rule):
    """a^(-1/2):  d/da = -g * out^3 / 2"""
    explain = Explain("1/√{a}", "∂a^(−1/2)/∂a = −a^(−3/2)/2",
                      symbolic=elementwise_symbolic(lambda sp, a: 1 / sp.sqrt(a)))
    holomorphic = True
    dtypes = "to_float"
    batching = "elementwise"
    saves_output = True
    saved_inputs = ()
    lift_output = True

    @staticmethod
    def forward(node, xp, a):
        out = xp.rsqrt(a)
        if node is not None:
            node.saved = (out,)
        return out

    @staticmethod
    def jvp(xp, t, out, a):
        return -0.5 * t[0] * out * out * out

    def vjp(self, g, xp):
        out = self.saved[0]
        return (g * out * out * out * -0.5,)


class SinBackward0(Rule):
    """sin a:  d/da = cos a"""
    holomorphic = True
    dtypes = "to_float"
    batching = "elementwise"
    explain = Explain("sin({a})", "∂sin(a)/∂a = cos(a)", symbolic=elementwise_symbolic(lambda sp, a: sp.sin(a)))

    @staticmethod
    def forward(node, xp, a):
        if node is not None:
            node.saved = (a,)
        return xp.sin(a)

    @staticmethod
    def jvp(xp, t, out, a):
        return t[0] * xp.cos(a)

    def vjp(self, g, xp):
        return (g * xp.cos(self.saved[0]),)


class CosBackward0(Rule):
    """cos a:  d/da = −sin a"""
    holomorphic = True
    dtypes = "to_float"
    batching = "elementwise"
    explain = Explain("cos({a})", "∂cos(a)/∂a = −sin(a)", symbolic=elementwise_symbolic(lambda sp, a: sp.cos(a)))

    @staticmethod
    def forward(node, xp, a):
        if node is not None:
            node.saved = (a,)
        return xp.cos(a)

    @staticmethod
    def jvp(xp, t, out, a):
        return -t[0] * xp.sin(a)

    def vjp(self, g, xp):
        return (g * -xp.sin(self.saved[0]),)


class TanBackward0(Rule):
    """d/da tan = 1 + tan^2"""
    explain = Explain("tan({a})", "∂tan(a)/∂a = 1 + tan²(a)", symbolic=elementwise_symbolic(lambda sp, a: sp.tan(a)))
    holomorphic = True
    dtypes = "to_float"
    batching = "elementwise"
    saves_output = True
    saved_inputs = ()
    lift_output = True

    @staticmethod
    def forward(node, xp, a):
        out = xp.tan(a)
        if node is not None:
            node.saved = (out,)
        return out

    @staticmethod
    def jvp(xp, t, out, a):
        return t[0] * (1 + out * out)

    def vjp(self, g, xp):
        out = self.saved[0]
        return (g * (1 + out * out),)


class SinhBackward0(Rule):
    """sinh a:  d/da = cosh a"""
    explain = Explain("sinh({a})", "∂sinh(a)/∂a = cosh(a)", symbolic=elementwise_symbolic(lambda sp, a: sp.sinh(a)))
    holomorphic = True
    dtypes = "to_float"
    batching = "elementwise"

    @staticmethod
    def forward(node, xp, a):
        if node is not None:
            node.saved = (a,)
        return xp.sinh(a)

    @staticmethod
    def jvp(xp, t, out, a):
        return t[0] * xp.cosh(a)

    def vjp(self, g, xp):
        return (g * xp.cosh(self.saved[0]),)


class CoshBackward0(Rule):
    """cosh a:  d/da = sinh a"""
    explain = Explain("cosh({a})", "∂cosh(a)/∂a = sinh(a)", symbolic=elementwise_symbolic(lambda sp, a: sp.cosh(a)))
    holomorphic = True
    dtypes = "to_float"
    batching = "elementwise"

    @staticmethod
    def forward(node, xp, a):
        if node is not None:
            node.saved = (a,)
        return xp.cosh(a)

    @staticmethod
    def jvp(xp, t, out, a):
        return t[0] * xp.sinh(a)

    def vjp(self, g, xp):
        return (g * xp.sinh(self.saved[0]),)


class AsinBackward0(Rule):
    """asin a:  d/da = 1 / √(1 − a²)"""
    explain = Explain("asin({a})", "∂asin(a)/∂a = 1/√(1 − a²)", symbolic=elementwise_symbolic(lambda sp, a: sp.asin(a)))
    holomorphic = True
    dtypes = "to_float"
    batching = "elementwise"

    @staticmethod
    def forward(node, xp, a):
        if node is not None:
            node.saved = (a,)
        return xp.arcsin(a)

    @staticmethod
    def jvp(xp, t, out, a):
        return t[0] / xp.sqrt(1 - a * a)

    def vjp(self, g, xp):
        a = self.saved[0]
        return (g / xp.sqrt(1 - a * a),)


class AcosBackward0(Rule):
    """acos a:  d/da = −1 / √(1 − a²)"""
    explain = Explain("acos({a})", "∂acos(a)/∂a = −1/√(1 − a²)",
                      symbolic=elementwise_symbolic(lambda sp, a: sp.acos(a)))
    holomorphic = True
    dtypes = "to_float"
    batching = "elementwise"

    @staticmethod
    def forward(node, xp, a):
        if node is not None:
            node.saved = (a,)
        return xp.arccos(a)

    @staticmethod
    def jvp(xp, t, out, a):
        return -t[0] / xp.sqrt(1 - a * a)

    def vjp(self, g, xp):
        a = self.saved[0]
        return (-g / xp.sqrt(1 - a * a),)


class AtanBackward0(Rule):
    """atan a:  d/da = 1 / (1 + a²)"""
    explain = Explain("atan({a})", "∂atan(a)/∂a = 1/(1 + a²)", symbolic=elementwise_symbolic(lambda sp, a: sp.atan(a)))
    holomorphic = True
    dtypes = "to_float"
    batching = "elementwise"

    @staticmethod
    def forward(node, xp, a):
        if node is not None:
            node.saved = (a,)
        return xp.arctan(a)

    @staticmethod
    def jvp(xp, t, out, a):
        return t[0] / (1 + a * a)

    def vjp(self, g, xp):
        a = self.saved[0]
        return (g / (1 + a * a),)


class TanhBackward0(Rule):
    """d/da tanh = 1 - tanh^2"""
    holomorphic = True
    dtypes = "to_float"
    batching = "elementwise"
    explain = Explain("tanh({a})", "∂tanh(a)/∂a = 1 − tanh²(a)",
                      symbolic=elementwise_symbolic(lambda sp, a: sp.tanh(a)))
    saves_output = True
    saved_inputs = ()
    lift_output = True

    @staticmethod
    def forward(node, xp, a):
        out = xp.tanh(a)
        if node is not None:
            node.saved = (out,)
        return out

    @staticmethod
    def jvp(xp, t, out, a):
        return t[0] * (1 - out * out)

    def vjp(self, g, xp):
        out = self.saved[0]
        return (xp.tanh_grad(out, g),)  # (1 - out^2) * g, in one temporary


class SigmoidBackward0(Rule):
    """d/da sigmoid = s * (1 - s)"""
    holomorphic = True
    dtypes = "to_float"
    batching = "elementwise"
    explain = Explain("σ({a})", "∂σ(a)/∂a = σ(a)·(1 − σ(a))",
                      symbolic=elementwise_symbolic(lambda sp, a: 1 / (1 + sp.exp(-a))))
    saves_output = True
    saved_inputs = ()
    lift_output = True

    @staticmethod
    def forward(node, xp, a):
        out = xp.sigmoid(a)
        if node is not None:
            node.saved = (out,)
        return out

    @staticmethod
    def complex_forward(node, xp, a):  # the twin's (ops/_rule.py): xp.sigmoid splits by sign, real only
        out = 1 / (1 + xp.exp(-a))
        if node is not None:
            node.saved = (out,)
        return out

    @staticmethod
    def jvp(xp, t, out, a):
        return t[0] * out * (1 - out)

    def vjp(self, g, xp):
        out = self.saved[0]
        return (xp.mul_(xp.mul_(xp.one_minus_(out * 1), out), g),)  # (1 - out) * out * g, one temporary


class ReluBackward0(Rule):
    """max(a, 0): the gradient passes where the output is positive"""
    refuses = {"b": (RuntimeError, "Boolean inputs not supported for relu"),
               "c": (NotImplementedError, "clamp is not supported for complex types")}
    dtypes = "promote"
    batching = "elementwise"
    explain = Explain("relu({a})", "∂relu(a)/∂a = 1 where a > 0, else 0",
                      symbolic=elementwise_symbolic(lambda sp, a: sp.Max(0, a)))
    saves_output = True
    saved_inputs = ()
    lift_output = True

    @staticmethod
    def forward(node, xp, a):
        out = xp.relu(a)
        if node is not None:
            node.saved = (out,)
        return out

    @staticmethod
    def forward_into(node, a):
        out = _np_backend.relu(a, out=a)
        if node is not None:
            node.saved = (out,)
        return out

    @staticmethod
    def jvp(xp, t, out, a):
        return xp.where(out <= 0, xp.zeros_like(t[0]), t[0])

    def vjp(self, g, xp):
        out = self.saved[0]
        if xp.apply_rule is not None:  # Tensors (create_graph): recorded, and connected to out
            return (xp.apply_rule(ThresholdBackwardBackward0, g, out),)
        return (xp.grad_zero_where_(g, out <= 0),)  # (called here: it counts g's references)


class ThresholdBackwardBackward0(Rule):
    """relu's gradient as a recorded op (under create_graph): g, but 0 where out <= 0 (selected, not
    multiplied: an infinite g there gives 0, and a NaN output passes g, as PyTorch's
    threshold_backward); d/dg = the same selection; d/dout = 0 (the mask is constant almost
    everywhere). PyTorch records out as an input too, so that a second derivative reaching relu's
    input is zeros rather than none."""
    explain = Explain("{g}·[out > 0]", "∂(g·[out > 0])/∂g = [out > 0] (relu's gradient as an op)")
    batching = "elementwise"

    @staticmethod
    def forward(node, xp, g, out):
        drop = out <= 0
        if node is not None:
            node.saved = (drop,)
        return xp.zero_where(g, drop)

    @staticmethod
    def jvp(xp, t, result, g, out):
        return None if t[0] is None else xp.where(out <= 0, xp.zeros_like(t[0]), t[0])

    def vjp(self, gg, xp):
        (drop,) = self.saved
        return xp.zero_where(gg, drop), xp.zeros_like(gg)


class ClampBackward1(Rule):
    """clamp(a, lo, hi) with number bounds: the gradient passes where lo <= a <= hi"""
    explain = Explain("clamp({a}, min, max)", "∂clamp(a, lo, hi)/∂a = 1 where lo ≤ a ≤ hi, else 0")
    dtypes = "promote"
    batching = "elementwise"

    @staticmethod
    def forward(node, xp, a, lo, hi):
        if node is not None:
            node.saved = (a, lo, hi)
        return xp.clip(a, lo, hi)

    @staticmethod
    def jvp(xp, t, out, a, lo, hi):
        return t[0] * ((a >= (lo if lo is not None else a)) & (a <= (hi if hi is not None else a)))

    def vjp(self, g, xp):
        a, lo, hi = self.saved
        if lo is not None and hi is not None:
            mask = (a >= lo) & (a <= hi)
        elif lo is not None:
            mask = a >= lo
        else:
            mask = a <= hi
        return (xp.where(mask, g, xp.zeros_like(g)),)  # not g * mask: a NaN g stays out


class ClampMinBackward0(Rule):
    """clamp_min(a, number): the gradient passes where a >= lo"""
    explain = Explain("max({a}, min)", "∂max(a, lo)/∂a = 1 where a ≥ lo, else 0")
    dtypes = "promote"
    batching = "elementwise"

    @staticmethod
    def forward(node, xp, a, lo):
        if node is not None:
            node.saved = (a, lo)
        return xp.clip(a, lo, None)

    @staticmethod
    def jvp(xp, t, out, a, lo):
        return t[0] * (a >= lo)

    def vjp(self, g, xp):
        a, lo = self.saved
        return (xp.where(a >= lo, g, xp.zeros_like(g)),)


class ClampMaxBackward0(Rule):
    """clamp_max(a, number): the gradient passes where a <= hi"""
    explain = Explain("min({a}, max)", "∂min(a, hi)/∂a = 1 where a ≤ hi, else 0")
    dtypes = "promote"
    batching = "elementwise"

    @staticmethod
    def forward(node, xp, a, hi):
        if node is not None:
            node.saved = (a, hi)
        return xp.clip(a, None, hi)

    @staticmethod
    def jvp(xp, t, out, a, hi):
        return t[0] * (a <= hi)

    def vjp(self, g, xp):
        a, hi = self.saved
        return (xp.where(a <= hi, g, xp.zeros_like(g)),)


class ClampMinBackward1(Rule):
    """clamp_min(a, lo) with a tensor bound: a's gradient where a >= lo (ties go to a), lo's
    gradient where a < lo"""
    explain = Explain("max({a}, {lo})", "∂max(a, lo)/∂a = 1 where a ≥ lo,  ∂/∂lo = 1 where a < lo")
    dtypes = "promote"
    batching = "elementwise"

    @staticmethod
    def forward(node, xp, a, lo):
        if node is not None:
            node.saved = (a, lo)
        return xp.maximum(a, lo)

    @staticmethod
    def jvp(xp, t, out, a, lo):
        return _masked_pair_tangent(xp, t, a >= lo)

    def vjp(self, g, xp):
        a, lo = self.saved
        keep = a >= lo
        return _masked_pair(self, g, xp, keep, ~keep, a, lo)


class ClampMaxBackward1(Rule):
    """clamp_max(a, hi) with a tensor bound: a's gradient where a <= hi, hi's where a > hi"""
    explain = Explain("min({a}, {hi})", "∂min(a, hi)/∂a = 1 where a ≤ hi,  ∂/∂hi = 1 where a > hi")
    dtypes = "promote"
    batching = "elementwise"

    @staticmethod
    def forward(node, xp, a, hi):
        if node is not None:
            node.saved = (a, hi)
        return xp.minimum(a, hi)

    @staticmethod
    def jvp(xp, t, out, a, hi):
        return _masked_pair_tangent(xp, t, a <= hi)

    def vjp(self, g, xp):
        a, hi = self.saved
        keep = a <= hi
        return _masked_pair(self, g, xp, keep, ~keep, a, hi)


def _masked_pair_tangent(xp, t, keep):
    """The tangent of an op that takes a where `keep` holds and b elsewhere (clamp with a tensor bound)."""
    return _sum_tangents(None if t[0] is None else xp.where(keep, t[0], 0),
                         None if t[1] is None else xp.where(keep, 0, t[1]))


def _masked_pair(node, g, xp, mask_a, mask_b, a, b):
    zero = xp.zeros_like(g)
    (na, _), (nb, _) = node.next_functions
    return (None if na is None else xp.sum_to(xp.where(mask_a, g, zero), a.shape),
            None if nb is None else xp.sum_to(xp.where(mask_b, g, zero), b.shape))


class ClampBackward0(Rule):
    """clamp(a, lo, hi) with tensor bounds (either may be None), as min(max(a, lo), hi):
    a's gradient where lo <= a <= hi, lo's where a < lo <= hi, hi's where max(a, lo) > hi.
    Edges: (a, lo, hi), an empty edge for a missing bound."""
    explain = Explain("clamp({a}, min, max)",
                      "∂clamp(a, lo, hi)/∂a = 1 where lo ≤ a ≤ hi;  ∂/∂lo = 1 where a < lo;  ∂/∂hi = 1 where a > hi")
    dtypes = "promote"
    batching = "elementwise"

    @staticmethod
    def forward(node, xp, a, lo, hi):
        if node is not None:
            node.saved = (a, lo, hi)
        out = a
        if lo is not None:
            out = xp.maximum(out, lo)
        if hi is not None:
            out = xp.minimum(out, hi)
        return out

    @staticmethod
    def jvp(xp, t, out, a, lo, hi):  # the same three regions as the gradient below
        ta, tlo, thi = t
        total = xp.zeros_like(out)
        above_lo = None if lo is None else a >= lo
        keep = above_lo
        if hi is not None:
            keep = (a <= hi) if keep is None else keep & (a <= hi)
            if thi is not None:
                total = total + xp.where((a if lo is None else xp.maximum(a, lo)) > hi, thi, 0)
        if ta is not None:
            total = total + xp.where(keep, ta, 0)
        if lo is not None and tlo is not None:
            total = total + xp.where(~above_lo if hi is None else ~above_lo & (lo <= hi), tlo, 0)
        return total

    def vjp(self, g, xp):
        a, lo, hi = self.saved
        zero = xp.zeros_like(g)
        ga = glo = ghi = None
        above_lo = None if lo is None else a >= lo
        if hi is not None:
            raised = a if lo is None else xp.maximum(a, lo)
            capped = raised > hi
            ghi = xp.where(capped, g, zero)
        keep = None
        if above_lo is not None:
            keep = above_lo
        if hi is not None:
            keep = (a <= hi) if keep is None else keep & (a <= hi)
        ga = xp.where(keep, g, zero)
        if lo is not None:
            lifted = ~above_lo if hi is None else ~above_lo & (lo <= hi)
            glo = xp.where(lifted, g, zero)
        grads = []
        for (n, _), value, v in zip(self.next_functions, (ga, glo, ghi), (a, lo, hi)):
            grads.append(None if n is None or v is None else xp.sum_to(value, v.shape))
        return _align_to_edges(self, grads, (a, lo, hi))


def _align_to_edges(node, grads, values):
    """Three gradients (a, lo, hi) matched to the node's edges: all three when it has three edges
    (PyTorch's layout), else only those for the bounds that were given."""
    if len(node.next_functions) == 3:
        return tuple(grads)
    return tuple(gr for gr, v in zip(grads, values) if v is not None)


class _ZeroGradient(Rule):
    """Piecewise-constant ops: the derivative is 0 wherever it exists."""
    dtypes = "promote"
    batching = "elementwise"

    @staticmethod
    def jvp(xp, t, out, a, *args):
        return xp.zeros_like(out)

    def vjp(self, g, xp):
        return (xp.zeros_like(g),)


class SignBackward0(_ZeroGradient):
    """sign(a): −1, 0 or 1 (a zero gradient); a bool tensor is its own sign"""
    explain = Explain("sign({a})", "∂sign(a)/∂a = 0 (piecewise constant)")
    refuses = {"c": (NotImplementedError, "Unlike NumPy, torch.sign is not intended to support complex numbers. "
                                          "Please use torch.sgn instead.")}

    @staticmethod
    def forward(node, xp, a):
        return a.copy() if a.dtype.kind == "b" else xp.sign(a)


class FloorBackward0(_ZeroGradient):
    """floor(a), the largest integer ≤ a (a zero gradient)"""
    explain = Explain("⌊{a}⌋", "∂⌊a⌋/∂a = 0 (piecewise constant)")
    refuses = {"b": (NotImplementedError, "\"floor_vml_cpu\" not implemented for '{type}'"),
               "c": (NotImplementedError, "floor is not supported for complex inputs")}

    @staticmethod
    def forward(node, xp, a):
        return xp.floor(a)


class CeilBackward0(_ZeroGradient):
    """ceil(a), the smallest integer ≥ a (a zero gradient)"""
    explain = Explain("⌈{a}⌉", "∂⌈a⌉/∂a = 0 (piecewise constant)")
    refuses = {"b": (NotImplementedError, "\"ceil_vml_cpu\" not implemented for '{type}'"),
               "c": (NotImplementedError, "ceil is not supported for complex inputs")}

    @staticmethod
    def forward(node, xp, a):
        return xp.ceil(a)


class RoundBackward0(_ZeroGradient):
    """Half to even, like PyTorch; integers are returned unchanged (NumPy's rint would make floats)"""
    explain = Explain("round({a})", "∂round(a)/∂a = 0 (piecewise constant)")
    refuses = {"b": (NotImplementedError, "\"round_vml_cpu\" not implemented for '{type}'"), "c": (NotImplementedError, "\"round_vml_cpu\" not implemented for '{type}'")}

    @staticmethod
    def forward(node, xp, a):
        out = xp.rint(a)
        return out if out.dtype == a.dtype else a + 0


class RoundBackward1(_ZeroGradient):
    """round(a, decimals=d): rint(a * 10^d) / 10^d (for d < 0: rint(a / 10^-d) * 10^-d, so the
    power of ten stays exact), computed in a's precision as PyTorch does"""
    explain = Explain("round({a}, decimals)", "∂round(a)/∂a = 0 (piecewise constant)")

    @staticmethod
    def forward(node, xp, a, decimals):
        if decimals >= 0:
            scale = 10.0 ** decimals
            return xp.rint(a * scale) / scale
        scale = 10.0 ** -decimals
        return xp.rint(a / scale) * scale


class TruncBackward0(_ZeroGradient):
    """trunc(a), a rounded toward zero (a zero gradient)"""
    explain = Explain("trunc({a})", "∂trunc(a)/∂a = 0 (piecewise constant)")
    refuses = {"b": (NotImplementedError, "\"trunc_vml_cpu\" not implemented for '{type}'"),
               "c": (NotImplementedError, "trunc is not supported for complex inputs")}

    @staticmethod
    def forward(node, xp, a):
        return xp.trunc(a)


# ============================================================================ comparisons written in place
class _CompareInPlace(Rule):
    """a ⋈ b as 1 or 0 in a's dtype: what eq_, lt_ ... record when they write into a tensor
    that requires grad (the out-of-place comparisons give bool and record nothing). Piecewise constant,
    so a zero gradient: PyTorch's EqBackward1 (two tensors) and EqBackward0 (a number)."""
    dtypes = "promote"
    batching = "elementwise"
    explain = Explain("({a} ⋈ {b})", "∂(a ⋈ b)/∂a = 0,  ∂/∂b = 0 (piecewise constant)")
    compare: Any = None

    @classmethod
    def forward(cls, node, xp, a, b):   # in a's dtype: the tensor written into
        return cls.compare(a, b).astype(a.dtype)

    @staticmethod
    def jvp(xp, t, out, a, b):
        return xp.zeros_like(out)

    def vjp(self, g, xp):
        return (xp.zeros_like(g), xp.zeros_like(g))


def _comparison_rules(name, ufunc, symbol):
    """The tensor and number forms of one in-place comparison (EqBackward1, EqBackward0 ...)."""
    explain = Explain(f"({{a}} {symbol} {{b}})", f"∂(a {symbol} b)/∂a = 0,  ∂/∂b = 0 (piecewise constant)")
    two = type(f"{name}Backward1", (_CompareInPlace,), {
        "__doc__": f"a {symbol} b for two tensors, written in place (a zero gradient)", "compare": staticmethod(ufunc),
        "explain": explain, "__module__": __name__})
    one = type(f"{name}Backward0", (_CompareInPlace,), {
        "__doc__": f"a {symbol} number, written in place (a zero gradient)", "compare": staticmethod(ufunc),
        "explain": Explain(f"({{a}} {symbol} n)", f"∂(a {symbol} n)/∂a = 0 (piecewise constant)"),
        "vjp": lambda self, g, xp: (xp.zeros_like(g),), "__module__": __name__})
    two.number_rule = one
    return two, one


EqBackward1, EqBackward0 = _comparison_rules("Eq", np.equal, "=")
NeBackward1, NeBackward0 = _comparison_rules("Ne", np.not_equal, "≠")
LtBackward1, LtBackward0 = _comparison_rules("Lt", np.less, "<")
LeBackward1, LeBackward0 = _comparison_rules("Le", np.less_equal, "≤")
GtBackward1, GtBackward0 = _comparison_rules("Gt", np.greater, ">")
GeBackward1, GeBackward0 = _comparison_rules("Ge", np.greater_equal, "≥")


# ============================================================================ exp2, and ops of two operands
class Exp2Backward0(Rule):
    """2^a:  d/da = 2^a · ln 2"""
    holomorphic = True
    op_name = "exp2"
    dtypes = "to_float"
    batching = "elementwise"
    explain = Explain("2^{a}", "∂(2ᵃ)/∂a = 2ᵃ·ln 2", symbolic=elementwise_symbolic(lambda sp, a: sp.Integer(2) ** a))
    saves_output = True
    saved_inputs = ()
    lift_output = True

    @staticmethod
    def forward(node, xp, a):
        out = xp.exp2(a)
        if node is not None:
            node.saved = (out,)
        return out

    @staticmethod
    def jvp(xp, t, out, a):
        return t[0] * out * _LN2

    def vjp(self, g, xp):
        return (g * self.saved[0] * _LN2,)


_LN2 = _math.log(2.0)


class LogaddexpBackward0(Rule):
    """ln(e^a + e^b):  d/da = 1 / (1 + e^(b − a)),  d/db = 1 / (1 + e^(a − b))"""
    op_name = "logaddexp"
    dtypes = "float_only"
    batching = "elementwise"
    explain = Explain("logaddexp({a}, {b})", "∂ln(eᵃ + eᵇ)/∂a = 1/(1 + eᵇ⁻ᵃ),  ∂ln(eᵃ + eᵇ)/∂b = 1/(1 + eᵃ⁻ᵇ)",
                      symbolic=elementwise_symbolic(lambda sp, a, b: sp.log(sp.exp(a) + sp.exp(b))))

    @staticmethod
    def forward(node, xp, a, b):
        if node is not None:
            node.saved = (a, b)
        return xp.logaddexp(a, b)

    @staticmethod
    def jvp(xp, t, out, a, b):
        return _sum_tangents(None if t[0] is None else t[0] / (1 + xp.exp(b - a)),
                             None if t[1] is None else t[1] / (1 + xp.exp(a - b)))

    def vjp(self, g, xp):
        a, b = self.saved
        (na, _), (nb, _) = self.next_functions
        return (None if na is None else xp.sum_to(g / (1 + xp.exp(b - a)), a.shape),
                None if nb is None else xp.sum_to(g / (1 + xp.exp(a - b)), b.shape))


class HypotBackward0(Rule):
    """√(a² + b²):  d/da = a / out,  d/db = b / out (NaN at (0, 0), as PyTorch)"""
    op_name = "hypot"
    dtypes = "float_only"
    batching = "elementwise"
    explain = Explain("hypot({a}, {b})", "∂√(a² + b²)/∂a = a/√(a² + b²),  ∂√(a² + b²)/∂b = b/√(a² + b²)",
                      symbolic=elementwise_symbolic(lambda sp, a, b: sp.sqrt(a ** 2 + b ** 2)))
    saves_output = True

    @staticmethod
    def forward(node, xp, a, b):
        out = xp.hypot(a, b)
        if node is not None:
            node.saved = (a, b, out)
        return out

    @staticmethod
    def jvp(xp, t, out, a, b):
        return _sum_tangents(None if t[0] is None else t[0] * a / out,
                             None if t[1] is None else t[1] * b / out)

    def vjp(self, g, xp):
        a, b, out = self.saved
        (na, _), (nb, _) = self.next_functions
        return (None if na is None else xp.sum_to(g * a / out, a.shape),
                None if nb is None else xp.sum_to(g * b / out, b.shape))


class Atan2Backward0(Rule):
    """atan2(a, b), the angle of the point (b, a):  d/da = b / (a² + b²),  d/db = −a / (a² + b²)
    (0 where a² + b² is 0, as PyTorch's vjp; its jvp divides there, giving NaN)"""
    op_name = "atan2"
    dtypes = "to_float"
    batching = "elementwise"
    explain = Explain("atan2({a}, {b})", "∂atan2(a, b)/∂a = b/(a² + b²),  ∂atan2(a, b)/∂b = −a/(a² + b²)",
                      symbolic=elementwise_symbolic(lambda sp, a, b: sp.atan2(a, b)))

    @staticmethod
    def forward(node, xp, a, b):
        if node is not None:
            node.saved = (a, b)
        return xp.arctan2(a, b)

    @staticmethod
    def jvp(xp, t, out, a, b):
        denominator = a * a + b * b
        return _sum_tangents(None if t[0] is None else t[0] * b / denominator,
                             None if t[1] is None else -t[1] * a / denominator)

    def vjp(self, g, xp):
        a, b = self.saved
        (na, _), (nb, _) = self.next_functions
        denominator = a * a + b * b
        inverse = xp.where(denominator == 0, 0 * denominator, 1 / denominator)
        return (None if na is None else xp.sum_to(g * b * inverse, a.shape),
                None if nb is None else xp.sum_to(g * -a * inverse, b.shape))


def _copysign_ratio(xp, a, out):
    """out / a, the sign copysign gave a (±1), with +0 where a is 0 (PyTorch's subgradient)."""
    return xp.where(a == 0, 0.0, out / a)


class CopysignBackward0(Rule):
    """copysign(a, b): |a| with b's sign:  d/da = out / a (0 where a is 0),  d/db = 0"""
    op_name = "copysign"
    dtypes = "to_float"
    batching = "elementwise"
    explain = Explain("copysign({a}, {b})", "∂copysign(a, b)/∂a = ±1, the sign it gave a (0 at a = 0),  "
                      "∂copysign(a, b)/∂b = 0")
    saves_output = True

    @staticmethod
    def forward(node, xp, a, b):
        out = xp.copysign(a, b)
        if node is not None:
            node.saved = (a, out)
            node.shapes = (a.shape, _shape(b))
        return out

    @staticmethod
    def jvp(xp, t, out, a, b):  # b's tangent adds nothing: PyTorch gives none for it alone
        return None if t[0] is None else t[0] * _copysign_ratio(xp, a, out)

    def vjp(self, g, xp):
        a, out = self.saved
        sa, sb = self.shapes
        (na, _), (nb, _) = self.next_functions
        return (None if na is None else xp.sum_to(g * _copysign_ratio(xp, a, out), sa),
                None if nb is None else xp.zeros(sb, g.dtype))


class CopysignBackward1(Rule):
    """copysign(a, number): |a| with the number's sign:  d/da = out / a (0 where a is 0)"""
    op_name = "copysign"
    dtypes = "to_float"
    batching = "elementwise"
    explain = Explain("copysign({a}, {b})", "∂copysign(a, b)/∂a = ±1, the sign it gave a (0 at a = 0)")
    saves_output = True

    @staticmethod
    def forward(node, xp, a, number):
        out = xp.copysign(a, number)
        if node is not None:
            node.saved = (a, out)
        return out

    @staticmethod
    def jvp(xp, t, out, a, number):
        return t[0] * _copysign_ratio(xp, a, out)

    def vjp(self, g, xp):
        a, out = self.saved
        return (g * _copysign_ratio(xp, a, out),)


# ============================================================================ complex numbers
# PyTorch's convention for complex gradients: the vjp g of a real loss L with respect to z = x + iy
# is ∂L/∂x + i·∂L/∂y (the conjugate Wirtinger derivative, doubled). Under it, conj's vjp is conj(g),
# real's is g + 0i and imag's is 0 + g·i. Real tensors never reach these rules: conj is the identity
# on them and real returns the tensor itself (the Tensor layer checks the dtype).
class ConjBackward0(Rule):
    """conj(a), the complex conjugate x − iy of a = x + iy:  vjp conj(g)  (R-linear, not C-linear)"""
    op_name = "conj"
    dtypes = "promote"
    batching = "elementwise"
    explain = Explain("conj({a})", "conj's vjp conjugates g", symbolic=elementwise_symbolic(
        lambda sp, a: sp.conjugate(a)))

    @staticmethod
    def forward(node, xp, a):
        return xp.conj(a)

    jvp = LINEAR_JVP  # the tangent is conjugated too

    def vjp(self, g, xp):
        return (xp.conj(g),)


class ConjPhysicalBackward0(ConjBackward0):
    """conj_physical(a): conj(a) written out (torchless's conj always is)"""
    op_name = "conj_physical"


class ConjPhysicalBackward1(ConjBackward0):
    """conj_physical_(a), in place: PyTorch names the in-place form's node apart"""
    op_name = "conj_physical_"


class RealBackward0(Rule):
    """real(a), the real part x of a = x + iy (a view):  vjp g + 0i"""
    explain = Explain("Re({a})", "∂Re(a): the gradient g comes back as g + 0i")
    op_name = "real"
    batching = "elementwise"

    @staticmethod
    def forward(node, xp, a):
        if node is not None:
            node.src = a.dtype
        return a.real

    jvp = LINEAR_JVP  # the tangent's real part

    def vjp(self, g, xp):
        return (xp.to_dtype(g, self.src),)


class ImagBackward0(Rule):
    """imag(a), the imaginary part y of a = x + iy (a view):  vjp 0 + g·i"""
    explain = Explain("Im({a})", "∂Im(a): the gradient g comes back as g·i")
    op_name = "imag"
    batching = "elementwise"

    @staticmethod
    def forward(node, xp, a):
        if node is not None:
            node.src = a.dtype
        return a.imag

    jvp = LINEAR_JVP  # the tangent's imaginary part

    def vjp(self, g, xp):
        return (xp.to_dtype(g, self.src) * 1j,)


# ============================================================================ selection
class WhereBackward0(Rule):
    """where(cond, a, b): a's gradient where cond holds, b's elsewhere"""
    explain = Explain("where(cond, {a}, {b})", "∂where(c, a, b)/∂a = 1 where c holds,  ∂/∂b = 1 elsewhere")
    dtypes = "promote"
    batching = "elementwise"
    nondiff = (0,)  # the condition: never an edge
    saved_inputs = (0,)  # the condition alone (a and b only by their shapes)

    @staticmethod
    def forward(node, xp, cond, a, b):
        if node is not None:
            node.saved = (cond,)
            node.shapes = (_shape(a), _shape(b))
        return xp.where(cond, a, b)

    @staticmethod
    def jvp(xp, t, out, cond, a, b):
        ta = xp.zeros_like(out) if t[1] is None else t[1]
        tb = xp.zeros_like(out) if t[2] is None else t[2]
        return xp.where(cond, ta, tb)

    def vjp(self, g, xp):
        (cond,) = self.saved
        sa, sb = self.shapes
        (na, _), (nb, _) = self.next_functions
        zero = xp.zeros_like(g)  # a true 0 (not 0 * g: an inf or NaN gradient stays out, as PyTorch)
        return (None if na is None else xp.sum_to(xp.where(cond, g, zero), sa),
                None if nb is None else xp.sum_to(xp.where(cond, zero, g), sb))
