"""nn.functional's activations and distances, forward beside vjp (issue 12, the nn.functional family).

Each elementwise activation saves its input (or, where PyTorch's node does, its output) and writes
its derivative over `xp`, so the same vjp runs on Tensors under create_graph. Numbers (alpha, the
thresholds, the slopes) are node attributes, never edges.
"""
import math

import numpy as np

from ._rule import Explain, Rule, elementwise_symbolic
from .reduction import LinalgVectorNormBackward0

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


class _Pointwise(Rule):
    """An activation of one tensor and numbers: subclasses give `f(xp, a, *params)` and
    `df(xp, a, *params)` (the derivative at a); forward saves the input and the numbers."""
    batching = "elementwise"

    @classmethod
    def forward(cls, node, xp, a, *params):
        if node is not None:
            node.saved = (a,)
            node.params = params
        return cls.f(xp, a, *params)

    @classmethod
    def jvp(cls, xp, t, out, a, *params):
        return t[0] * cls.df(xp, a, *params)

    def vjp(self, g, xp):
        (a,) = self.saved
        return (g * self.df(xp, a, *self.params),)


class EluBackward0(_Pointwise):
    """elu(a) = scale a where a > 0, else scale alpha (exp(a input_scale) - 1) (selu and celu too):
    d/da = scale where a > 0, else scale alpha input_scale exp(a input_scale)"""
    explain = Explain("elu({a})", "∂elu/∂x = 1 where x > 0, α·eˣ elsewhere (selu: both times its scale)")

    @staticmethod
    def f(xp, a, alpha, scale, input_scale):
        neg = xp.minimum(a, 0)
        neg = xp.expm1(neg if input_scale == 1 else neg * input_scale)  # (no product by 1: elu's default)
        if alpha * scale != 1:
            neg = neg * (alpha * scale)
        return xp.where(a > 0, a if scale == 1 else a * scale, neg)

    @staticmethod
    def df(xp, a, alpha, scale, input_scale):
        return xp.where(a > 0, xp.ones_like(a) * scale,
                        xp.exp(xp.minimum(a, 0) * input_scale) * (alpha * scale * input_scale))


class CeluBackward0(EluBackward0):
    """celu(a) = max(0, a) + min(0, alpha (exp(a / alpha) - 1)): elu with input_scale 1/alpha"""
    explain = Explain("celu({a})", "∂celu/∂x = 1 where x > 0, e^(x/α) elsewhere")


class EluBackward1(Rule):
    """elu_ (in place): saves its output, as PyTorch's node does; with alpha >= 0 the output's sign
    is the input's, and exp(a input_scale) = out / (scale alpha) + 1 where a <= 0."""
    explain = Explain("elu_({a})",
                      "∂elu/∂x = 1 where out > 0, out + α elsewhere (from the saved output; selu: times its scale)")
    batching = "elementwise"
    saves_output = True
    saved_inputs = ()  # (the engine's: only the output is saved, as in PyTorch)
    lift_output = True

    @staticmethod
    def forward(node, xp, a, alpha, scale, input_scale):
        out = EluBackward0.f(xp, a, alpha, scale, input_scale)
        if node is not None:
            node.saved = (out,)
            node.params = (alpha, scale, input_scale)
        return out

    @staticmethod
    def _df(xp, out, alpha, scale, input_scale):
        return xp.where(out > 0, xp.ones_like(out) * scale, (out + alpha * scale) * input_scale)

    @staticmethod
    def jvp(xp, t, out, a, alpha, scale, input_scale):
        return t[0] * EluBackward1._df(xp, out, alpha, scale, input_scale)

    def vjp(self, g, xp):
        return (g * self._df(xp, self.saved[0], *self.params),)


class CeluBackward1(EluBackward1):
    """celu_ (in place): saves its output (see EluBackward1)."""


class SiluBackward0(_Pointwise):
    """silu(a) = a sigmoid(a):  d/da = s (1 + a (1 - s)), s = sigmoid(a)"""
    explain = Explain("silu({a})", "∂(x·σ(x))/∂x = σ(x)·(1 + x·(1 − σ(x)))",
                      symbolic=elementwise_symbolic(lambda sp, a: a / (1 + sp.exp(-a))))

    @staticmethod
    def f(xp, a):
        return a * xp.sigmoid(a)

    @staticmethod
    def df(xp, a):
        s = xp.sigmoid(a)
        return s * (1 + a * (1 - s))


def _softplus(xp, a):
    """log(1 + exp(a)) without overflow: max(a, 0) + log1p(exp(-|a|))."""
    return xp.maximum(a, 0) + xp.log1p(xp.exp(-xp.abs(a)))


class MishBackward0(_Pointwise):
    """mish(a) = a tanh(softplus(a)):  d/da = t + a sigmoid(a) (1 - t²), t = tanh(softplus(a))"""
    explain = Explain("mish({a})", "∂(x·tanh(softplus(x)))/∂x = t + x·σ(x)·(1 − t²)",
                      symbolic=elementwise_symbolic(lambda sp, a: a * sp.tanh(sp.log(1 + sp.exp(a)))))

    @staticmethod
    def f(xp, a):
        return a * xp.tanh(_softplus(xp, a))

    @staticmethod
    def df(xp, a):
        t = xp.tanh(_softplus(xp, a))
        return t + a * xp.sigmoid(a) * (1 - t * t)


class HardtanhBackward0(_Pointwise):
    """hardtanh(a) = a clamped to [min_val, max_val]:  d/da = 1 strictly inside, 0 elsewhere"""
    explain = Explain("hardtanh({a})", "∂hardtanh/∂x = 1 where min < x < max, 0 elsewhere")

    @staticmethod
    def f(xp, a, lo, hi):
        if type(a) is np.ndarray and a.dtype.kind in "iu":  # integer tensors clamp with integer bounds
            return xp.clip(a, math.ceil(lo), math.floor(hi)).astype(a.dtype)
        return xp.clip(a, lo, hi)

    @staticmethod
    def df(xp, a, lo, hi):
        return xp.where((a > lo) & (a < hi), xp.ones_like(a), xp.zeros_like(a))

    def vjp(self, g, xp):
        (a,) = self.saved
        lo, hi = self.params
        return (xp.where((a > lo) & (a < hi), g, xp.zeros_like(g)),)


class HardsigmoidBackward0(_Pointwise):
    """hardsigmoid(a) = clamp(a / 6 + 1/2, 0, 1):  d/da = 1/6 where -3 < a < 3, 0 elsewhere"""
    explain = Explain("hardsigmoid({a})", "∂hardsigmoid/∂x = 1/6 where −3 < x < 3, 0 elsewhere",
                      symbolic=elementwise_symbolic(lambda sp, a: sp.Min(sp.Max(0, a + 3), 6) / 6))

    @staticmethod
    def f(xp, a):
        return xp.clip(a + 3, 0, 6) / 6

    @staticmethod
    def df(xp, a):
        return xp.where((a > -3) & (a < 3), xp.ones_like(a) * _SIXTH_F32, xp.zeros_like(a))


_SIXTH_F32 = float(np.float32(1.0 / 6.0))  # PyTorch's backward multiplies by 1/6 rounded to float32


class HardswishBackward0(_Pointwise):
    """hardswish(a) = a clamp(a + 3, 0, 6) / 6:  d/da = 0 up to -3, a/3 + 1/2 strictly between, 1 from 3"""
    explain = Explain("hardswish({a})", "∂hardswish/∂x = 0 (x ≤ −3), x/3 + 1/2 (−3 < x < 3), 1 (x ≥ 3)",
                      symbolic=elementwise_symbolic(lambda sp, a: a * sp.Min(sp.Max(0, a + 3), 6) / 6))

    @staticmethod
    def f(xp, a):
        return a * xp.clip(a + 3, 0, 6) / 6

    @staticmethod
    def df(xp, a):
        return xp.where(a <= -3, xp.zeros_like(a), xp.where(a < 3, a / 3 + 0.5, xp.ones_like(a)))


class LogSigmoidBackward0(_Pointwise):
    """logsigmoid(a) = -softplus(-a):  d/da = sigmoid(-a)"""
    explain = Explain("logsigmoid({a})", "∂log σ(x)/∂x = σ(−x)",
                      symbolic=elementwise_symbolic(lambda sp, a: -sp.log(1 + sp.exp(-a))))

    @staticmethod
    def f(xp, a):
        return xp.minimum(a, 0) - xp.log1p(xp.exp(-xp.abs(a)))

    @staticmethod
    def df(xp, a):
        return xp.sigmoid(-a)


class SoftplusBackward0(_Pointwise):
    """softplus(a) = log(1 + exp(beta a)) / beta, or a where beta a > threshold:
    d/da = sigmoid(beta a), or 1 where beta a > threshold"""
    explain = Explain("softplus({a})", "∂softplus/∂x = σ(βx) (1 where βx > threshold)")

    @staticmethod
    def f(xp, a, beta, threshold):
        ba = a * beta
        return xp.where(ba > threshold, a, _softplus(xp, ba) / beta)

    @staticmethod
    def df(xp, a, beta, threshold):
        ba = a * beta
        return xp.where(ba > threshold, xp.ones_like(a), xp.sigmoid(ba))


class SoftshrinkBackward0(_Pointwise):
    """softshrink(a) = a - lambd above lambd, a + lambd below -lambd, 0 between:
    d/da = 0 where |a| <= lambd, 1 elsewhere"""
    explain = Explain("softshrink({a})", "∂softshrink/∂x = 0 where |x| ≤ λ, 1 elsewhere")

    @staticmethod
    def f(xp, a, lambd):
        return xp.where(a > lambd, a - lambd, xp.where(a < -lambd, a + lambd, xp.zeros_like(a)))

    @staticmethod
    def df(xp, a, lambd):
        return xp.where((a >= -lambd) & (a <= lambd), xp.zeros_like(a), xp.ones_like(a))

    def vjp(self, g, xp):
        (a,) = self.saved
        (lambd,) = self.params
        return (xp.where((a >= -lambd) & (a <= lambd), xp.zeros_like(g), g),)


class HardshrinkBackward0(SoftshrinkBackward0):
    """hardshrink(a) = 0 where |a| <= lambd, a elsewhere:  d/da = 0 where |a| <= lambd, 1 elsewhere"""
    explain = Explain("hardshrink({a})", "∂hardshrink/∂x = 0 where |x| ≤ λ, 1 elsewhere")

    @staticmethod
    def f(xp, a, lambd):
        return xp.where((a >= -lambd) & (a <= lambd), xp.zeros_like(a), a)


class ThresholdBackward0(_Pointwise):
    """threshold(a) = value where a <= threshold, a elsewhere:  d/da = 0 where a <= threshold, 1 elsewhere"""
    explain = Explain("threshold({a})", "∂threshold/∂x = 0 where x ≤ threshold, 1 elsewhere")

    @staticmethod
    def f(xp, a, threshold, value):
        if type(a) is not np.ndarray:  # (Tensors, under create_graph)
            return xp.where(a <= threshold, xp.ones_like(a) * value, a)
        out = xp.where(a <= threshold, value, a)
        return out if out.dtype == a.dtype else out.astype(a.dtype)

    @staticmethod
    def df(xp, a, threshold, value):
        return xp.where(a <= threshold, xp.zeros_like(a), xp.ones_like(a))

    def vjp(self, g, xp):
        (a,) = self.saved
        return (xp.where(a <= self.params[0], xp.zeros_like(g), g),)


class ThresholdBackward1(ThresholdBackward0):
    """threshold_ (in place): as ThresholdBackward0; PyTorch's node keeps a copy of the input, so
    writing into the result afterwards leaves backward valid (ours saves the snapshot it ran on)."""


class GluBackward0(Rule):
    """glu(x, dim) = a sigmoid(b), a and b the halves of x along dim:
    d/da = g sigmoid(b),  d/db = g a sigmoid(b) (1 - sigmoid(b))"""
    batching = "batch_dims"
    explain = Explain("glu({x})", "∂(a·σ(b))/∂a = σ(b),  ∂(a·σ(b))/∂b = a·σ(b)·(1 − σ(b))")

    @staticmethod
    def _halves(xp, x, dim):
        n = x.shape[dim] // 2
        index_a = [slice(None)] * len(x.shape)
        index_b = list(index_a)
        index_a[dim] = slice(0, n)
        index_b[dim] = slice(n, None)
        return x[tuple(index_a)], x[tuple(index_b)]

    @staticmethod
    def forward(node, xp, x, dim):
        a, b = GluBackward0._halves(xp, x, dim)
        if node is not None:
            node.saved = (x,)
            node.dim = dim
        return a * xp.sigmoid(b)

    @staticmethod
    def jvp(xp, t, out, x, dim):
        a, b = GluBackward0._halves(xp, x, dim)
        ta, tb = GluBackward0._halves(xp, t[0], dim)
        s = xp.sigmoid(b)
        return ta * s + tb * a * s * (1 - s)

    def vjp(self, g, xp):
        (x,) = self.saved
        a, b = self._halves(xp, x, self.dim)
        s = xp.sigmoid(b)
        gs = g * s
        return (xp.concatenate([gs, gs * a * (1 - s)], self.dim),)


class PreluKernelBackward0(Rule):
    """prelu(x, w) = x where x > 0, w x elsewhere (w broadcast over the channel dim):
    d/dx = g where x > 0, g w elsewhere;  d/dw = the sum of g x where x <= 0"""
    batching = "batch_first"
    explain = Explain("prelu({x}, {w})", "∂prelu/∂x = 1 (x > 0), w (x ≤ 0);  ∂prelu/∂w = x where x ≤ 0")

    @staticmethod
    def forward(node, xp, x, w):
        if node is not None:
            node.saved = (x, w)
        return xp.where(x > 0, x, w * x)

    @staticmethod
    def jvp(xp, t, out, x, w):
        total = None
        if t[0] is not None:  # (PyTorch's forward AD takes slope 1 at x = 0, its backward w)
            total = xp.where(x >= 0, t[0], w * t[0])
        if t[1] is not None:
            tw = xp.where(x > 0, xp.zeros_like(x), t[1] * x)
            total = tw if total is None else total + tw
        return total

    def vjp(self, g, xp):
        x, w = self.saved
        (nx, _), (nw, _) = self.next_functions
        gx = gw = None
        if nx is not None:
            gx = xp.where(x > 0, g, w * g)
        if nw is not None:
            gw = xp.sum_to(xp.where(x > 0, xp.zeros_like(g), g * x), w.shape)
        return gx, gw


class RreluWithNoiseBackward0(Rule):
    """rrelu(x) = x where x > 0, noise x elsewhere; `noise` holds each element's slope (1 where x > 0):
    a constant array (random while training, (lower + upper) / 2 in evaluation).
    d/dx = g noise"""
    explain = Explain("rrelu({a})", "∂rrelu/∂x = 1 where x > 0, the sampled slope elsewhere")
    batching = "elementwise"

    @staticmethod
    def forward(node, xp, x, noise):
        if node is not None:
            node.noise = noise
        return x * noise

    @staticmethod
    def jvp(xp, t, out, x, noise):
        return t[0] * noise

    def vjp(self, g, xp):
        return (g * self.noise,)


class RreluWithNoiseBackward1(RreluWithNoiseBackward0):
    """rrelu_ (in place): as RreluWithNoiseBackward0, saving its output as PyTorch's node does (writing
    into the result again makes backward raise)."""
    batching = "elementwise"
    saves_output = True
    saved_inputs = ()
    lift_output = True

    @staticmethod
    def forward(node, xp, x, noise):
        out = x * noise
        if node is not None:
            node.saved = (out,)
            node.noise = noise
        return out


# ============================================================================ distances
class NormBackward1(LinalgVectorNormBackward0):
    """||a||_p over dims, recorded under the name of PyTorch's at::norm(a, p, dim) (the node
    pairwise_distance and the triplet losses show); the rule is linalg.vector_norm's."""


def _pnorm_grad(xp, diff, dist, p):
    """The derivative of ||diff||_p (over the last dim, `dist` that norm, keepdim) in diff;
    0 where the norm is 0, as PyTorch's distance backwards give."""
    zero = dist == 0
    if p == 0:
        return xp.zeros_like(diff)
    if p == 1:
        return xp.sign(diff) * xp.where(zero, xp.zeros_like(dist), xp.ones_like(dist))
    safe = xp.where(zero, xp.ones_like(dist), dist)
    if p == 2:
        return xp.where(zero, xp.zeros_like(diff), diff / safe)
    if math.isinf(p):
        return xp.where(zero | (xp.abs(diff) != dist), xp.zeros_like(diff), xp.sign(diff))
    r = xp.sign(diff) * xp.abs(diff) ** (p - 1) / safe ** (p - 1)
    return xp.where(zero, xp.zeros_like(diff), r)


def _pnorm(xp, diff, p):
    """||diff||_p over the last dim (p >= 0; 0 counts the nonzero entries)."""
    ad = xp.abs(diff)
    if p == 0:
        return xp.sum_dims(xp.where(ad != 0, xp.ones_like(ad), xp.zeros_like(ad)), -1, False)
    if p == 1:
        return xp.sum_dims(ad, -1, False)
    if p == 2:
        return xp.sqrt(xp.sum_dims(ad * ad, -1, False))
    if math.isinf(p):
        if diff.shape[-1] == 0:
            return xp.sum_dims(ad, -1, False)
        return xp.amax(ad, -1, False)
    return xp.sum_dims(ad ** p, -1, False) ** (1.0 / p)


class PdistBackward0(Rule):
    """pdist(x, p): ||x_i - x_j||_p for every pair of rows i < j (in row-major order):
    d/dx_i = Σ g_ij dn/d(x_i - x_j), d/dx_j = -the same"""
    batching = "loop"  # one (N, M) matrix per call, no batched form: PyTorch's vmap runs it per example too
    explain = Explain("pdist({x})", "∂‖xᵢ − xⱼ‖/∂xᵢ = (xᵢ − xⱼ)/‖xᵢ − xⱼ‖ (p = 2)")
    saves_output = True

    @staticmethod
    def forward(node, xp, x, p):
        n = x.shape[0]
        i, j = np.triu_indices(n, 1)
        out = _pnorm(xp, x[i] - x[j], p)
        if node is not None:
            node.saved = (x, out)
            node.p = p
            node.pairs = (i, j)
        return out

    @staticmethod
    def jvp(xp, t, out, x, p):
        i, j = np.triu_indices(x.shape[0], 1)
        gd = _pnorm_grad(xp, x[i] - x[j], xp.expand_dims(out, -1), p)
        return xp.sum_dims(gd * (t[0][i] - t[0][j]), -1, False)

    def vjp(self, g, xp):
        x, out = self.saved
        i, j = self.pairs
        gd = _pnorm_grad(xp, x[i] - x[j], xp.expand_dims(out, -1), self.p) * xp.expand_dims(g, -1)
        index = (np.concatenate([i, j]),)
        return (xp.index_add(x.shape, x.dtype, index, xp.concatenate([gd, -gd], 0)),)


class CdistBackward0(Rule):
    """cdist(x1, x2, p): ||x1[..., i, :] - x2[..., j, :]||_p for every i, j (batch dims broadcast):
    d/dx1_i = Σ_j g_ij dn/d(x1_i - x2_j),  d/dx2_j = -Σ_i the same"""
    batching = "batch_dims"
    explain = Explain("cdist({x1}, {x2})", "∂‖x1ᵢ − x2ⱼ‖/∂x1ᵢ = (x1ᵢ − x2ⱼ)/‖x1ᵢ − x2ⱼ‖ (p = 2)")
    saves_output = True

    @staticmethod
    def forward(node, xp, x1, x2, p):
        diff = xp.expand_dims(x1, -2) - xp.expand_dims(x2, -3)
        out = _pnorm(xp, diff, p)
        if node is not None:
            node.saved = (x1, x2, out)
            node.p = p
        return out

    @staticmethod
    def jvp(xp, t, out, x1, x2, p):
        diff = xp.expand_dims(x1, -2) - xp.expand_dims(x2, -3)
        gd = _pnorm_grad(xp, diff, xp.expand_dims(out, -1), p)
        total = None
        if t[0] is not None:
            total = xp.sum_dims(gd * xp.expand_dims(t[0], -2), -1, False)
        if t[1] is not None:
            term = -xp.sum_dims(gd * xp.expand_dims(t[1], -3), -1, False)
            total = term if total is None else total + term
        return total

    def vjp(self, g, xp):
        x1, x2, out = self.saved
        diff = xp.expand_dims(x1, -2) - xp.expand_dims(x2, -3)
        gd = _pnorm_grad(xp, diff, xp.expand_dims(out, -1), self.p) * xp.expand_dims(g, -1)
        (n1, _), (n2, _) = self.next_functions
        g1 = None if n1 is None else xp.sum_to(xp.sum_dims(gd, -2, False), x1.shape)
        g2 = None if n2 is None else xp.sum_to(-xp.sum_dims(gd, -3, False), x2.shape)
        return g1, g2
