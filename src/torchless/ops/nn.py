"""Neural-network ops: activations, softmax, the linear layer and the losses, forward beside vjp.

Losses take their targets (class indices, weights) as plain arrays, never as edges: they are
constants of the graph, so re-running forward under create_graph sees them unchanged. `reduction`
is one of "none", "mean", "sum" (checked by nn.functional before a rule runs).
"""
import math

import numpy as np

from ..engine.node import jvp_by_partials, linear_through
from ._rule import Explain, Rule, elementwise_symbolic
from .elementwise import _sum_tangents

_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


def _numel(v):
    return math.prod(v.shape)


def _loss_total(xp, reduction):
    """How a loss's per-element values reach its output: as they are, or summed (mean: the 1/n is in
    the partial derivatives already)."""
    return (lambda p: p) if reduction == "none" else (lambda p: xp.sum_dims(p, None, False))


def _class_loss_total(xp, reduction, cdim):
    """_loss_total for losses over a class dim: per entry, the partials sum over the classes."""
    return (lambda p: xp.sum_dims(p, cdim, False)) if reduction == "none" else (lambda p: xp.sum_dims(p, None, False))


def _reduce(xp, loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _unreduce(g, reduction, n):
    """The incoming gradient of a reduced loss, as a factor for each element."""
    if reduction == "mean":
        return g / n
    return g


def _weighted_element_grad(node, g, x):
    """The gradient reaching each element of a loss that was weighted by node.w and reduced."""
    gl = _unreduce(g, node.reduction, _numel(x))
    return gl if node.w is None else gl * node.w


# ============================================================================ activations
class NdtrBackward0(Rule):
    """The normal cdf Phi(a):  d/da = g * exp(-a^2 / 2) / sqrt(2 pi)"""
    explain = Explain("Φ({a})", "∂Φ(a)/∂a = e^(−a²/2)/√(2π)",
                      symbolic=elementwise_symbolic(lambda sp, a: (1 + sp.erf(a / sp.sqrt(2))) / 2))
    batching = "elementwise"

    @staticmethod
    def forward(node, xp, a):
        if node is not None:
            node.saved = (a,)
        return xp.ndtr(a)

    @staticmethod
    def jvp(xp, t, out, a):
        return t[0] * (xp.exp(-0.5 * (a * a)) * _INV_SQRT_2PI)

    def vjp(self, g, xp):
        (a,) = self.saved
        return (g * (xp.exp(-0.5 * (a * a)) * _INV_SQRT_2PI),)


def _nonempty(a):
    """Whether an array or Tensor has elements."""
    return a.size > 0 if type(a) is np.ndarray else a.numel() > 0


class SoftmaxBackward0(Rule):
    """softmax(a, dim):  d/da = out * (g - sum(g * out, dim))"""
    batching = "dimwise"
    explain = Explain("softmax({z})", "∂/∂z = s·(g − Σ g·s), s = softmax(z) along dim")
    saves_output = True
    saved_inputs = ()
    lift_output = True

    @staticmethod
    def forward(node, xp, a, dim):
        e = xp.exp(a - xp.amax(a, dim, True) if _nonempty(a) else a)  # minus the max: exp never overflows
        out = e / xp.sum_dims(e, dim, True)
        if node is not None:
            node.saved = (out,)
            node.dim = dim
        return out

    @staticmethod
    def jvp(xp, t, out, a, dim):
        return out * (t[0] - xp.sum_dims(out * t[0], dim, True))

    def vjp(self, g, xp):
        (out,) = self.saved
        go = g * out
        return (go - out * xp.sum_dims(go, self.dim, True),)


class LogSoftmaxBackward0(Rule):
    """log_softmax(a, dim) = a - max - log(sum(exp(a - max))):  d/da = g - exp(out) * sum(g, dim)"""
    batching = "dimwise"
    explain = Explain("log_softmax({z})", "∂/∂z = g − softmax(z)·Σg along dim")
    saves_output = True
    saved_inputs = ()
    lift_output = True

    @staticmethod
    def forward(node, xp, a, dim):
        shifted = a - xp.amax(a, dim, True) if _nonempty(a) else a  # (an empty tensor has no max)
        out = shifted - xp.log(xp.sum_dims(xp.exp(shifted), dim, True))
        if node is not None:
            node.saved = (out,)
            node.dim = dim
        return out

    @staticmethod
    def jvp(xp, t, out, a, dim):
        return t[0] - xp.sum_dims(xp.exp(out) * t[0], dim, True)

    def vjp(self, g, xp):
        (out,) = self.saved
        return (g - xp.exp(out) * xp.sum_dims(g, self.dim, True),)


class GeluBackward0(Rule):
    """gelu(a) = a * Phi(a) (Phi: the normal cdf), or its tanh approximation."""
    explain = Explain("gelu({a})", "∂(x·Φ(x))/∂x = Φ(x) + x·φ(x) (tanh approximation: its derivative)")
    batching = "elementwise"

    @staticmethod
    def forward(node, xp, a, approximate):
        if node is not None:
            node.saved = (a,)
            node.approximate = approximate
        if approximate == "tanh":
            return 0.5 * a * (1 + xp.tanh(_SQRT_2_OVER_PI * (a + 0.044715 * a * a * a)))
        return a * xp.ndtr(a)

    @staticmethod
    def jvp(xp, t, out, a, approximate):
        return jvp_by_partials(GeluBackward0, xp, t, out, (a, approximate), (0,), lambda p: p)

    def vjp(self, g, xp):
        (a,) = self.saved
        if self.approximate == "tanh":
            a2 = a * a
            th = xp.tanh(_SQRT_2_OVER_PI * (a + 0.044715 * a2 * a))
            dinner = _SQRT_2_OVER_PI * (1 + 3 * 0.044715 * a2)
            return (g * (0.5 * (1 + th) + 0.5 * a * (1 - th * th) * dinner),)
        cdf = xp.ndtr(a)
        pdf = xp.exp(-0.5 * (a * a)) * _INV_SQRT_2PI
        return (g * (cdf + a * pdf),)


class LeakyReluBackward0(Rule):
    """leaky_relu(a) = a where a > 0 else slope * a:  d/da = g where a > 0 else slope * g"""
    explain = Explain("leaky_relu({a})", "∂leaky_relu(a)/∂a = 1 where a > 0, the slope elsewhere")
    batching = "elementwise"

    @staticmethod
    def forward(node, xp, a, slope):
        if node is not None:
            node.saved = (a,)
            node.slope = slope
        return xp.where(a > 0, a, a * slope)

    @staticmethod
    def jvp(xp, t, out, a, slope):
        return xp.where(a > 0, t[0], t[0] * slope)

    def vjp(self, g, xp):
        (a,) = self.saved
        return (xp.where(a > 0, g, g * self.slope),)


class LeakyReluBackward1(Rule):
    """leaky_relu_ (in place): saves its output, whose sign is the input's (slope >= 0)."""
    explain = Explain("leaky_relu_({a})",
                      "∂leaky_relu(a)/∂a = 1 where out > 0, the slope elsewhere (from the saved output)")
    batching = "elementwise"
    saves_output = True

    @staticmethod
    def forward(node, xp, a, slope):
        out = xp.where(a > 0, a, a * slope)
        if node is not None:
            node.saved = (out,)
            node.slope = slope
        return out

    @staticmethod
    def jvp(xp, t, out, a, slope):
        return xp.where(out > 0, t[0], t[0] * slope)

    def vjp(self, g, xp):
        (out,) = self.saved
        return (xp.where(out > 0, g, g * self.slope),)


# ============================================================================ linear
class _Linear(Rule):
    """x @ W^T (+ b), x of any rank >= 1: one matmul, the bias added into its result.
    The subclasses carry PyTorch's grad_fn name for each case (mm, addmm, batched view)."""
    holomorphic = True
    batching = "matmul"
    explain = Explain("linear({x}, {W})",
                      "x Wᵀ + b (a linear layer):  ∂/∂x = G W,  ∂/∂W = Gᵀ x,  ∂/∂b = Σ over rows of G")

    @staticmethod
    def forward(node, xp, x, w, b=None):
        if type(x) is np.ndarray and x.ndim > 2 and x.flags.c_contiguous and x.shape[-1]:
            # (…, in) rows as one (rows, in) matrix: one GEMM rather than NumPy's loop of one per batch
            out = np.matmul(x.reshape(-1, x.shape[-1]), w.T).reshape(x.shape[:-1] + (w.shape[0],))
        else:
            out = xp.matmul(x, w.T)  # w is 2-D: .T is the cheap way to its transpose (arrays and Tensors)
        if b is not None:
            if type(out) is np.ndarray and out.dtype == b.dtype:
                np.add(out, b, out=out)  # the matmul's result is ours: add the bias in place
            else:
                out = out + b
        if node is not None:
            node.saved = (x, w)
        return out

    @staticmethod
    def jvp(xp, t, out, x, w, b=None):
        tx, tw = t[0], t[1]
        tb = t[2] if len(t) > 2 else None
        parts = [xp.matmul(tx, w.T) if tx is not None else None, xp.matmul(x, tw.T) if tw is not None else None, tb]
        total = None
        for p in parts:
            if p is not None:
                total = p if total is None else total + p
        return total

    def vjp(self, g, xp):
        x, w = self.saved
        edges = self.next_functions
        n_out = w.shape[0]
        gw = gb = None
        g2 = g.reshape((-1, n_out)) if len(g.shape) != 2 else g
        if edges[0][0] is None:
            gx = None
        elif type(g2) is np.ndarray and len(g.shape) > 2:  # one GEMM over all rows (see forward)
            gx = np.matmul(g2, w).reshape(g.shape[:-1] + (w.shape[1],))
        else:
            gx = xp.matmul(g, w)
        if edges[1][0] is not None:
            x2 = x.reshape((-1, w.shape[1])) if len(x.shape) != 2 else x
            gw = xp.matmul(g2.T, x2)
        if len(edges) > 2 and edges[2][0] is not None:
            gb = xp.sum_dims(g2, 0, False)
        return gx, gw, gb


class MmBackward0(_Linear):
    """F.linear(x, W) of a 2-D x without bias: x @ W^T (PyTorch's mm)"""
    explain = Explain("{a} @ {b}ᵀ", "∂(A Bᵀ)/∂A = G B,  ∂(A Bᵀ)/∂B = Gᵀ A", symbolic=lambda sp, a, b: a.dot(b.T))


class AddmmBackward0(_Linear):
    """F.linear(x, W, b) of a 2-D x: b + x @ W^T (PyTorch's addmm)"""
    explain = Explain("{x} @ {W}ᵀ + {b}", "∂(x Wᵀ + b)/∂x = G W,  ∂/∂W = Gᵀ x,  ∂/∂b = Σ over rows of G",
                      symbolic=lambda sp, x, w, b: x.dot(w.T) + b)


class ViewBackward0(_Linear):
    """F.linear with bias of a 1-D x or of an x of rank >= 3 (PyTorch's chain ends with a view)"""


class UnsafeViewBackward0(_Linear):
    """F.linear of an x of rank >= 3 without bias (PyTorch ends the chain with an unsafe view)"""


class SqueezeBackward4(_Linear):
    """F.linear of a 1-D x without bias (PyTorch: unsqueeze, mm, squeeze)"""


# ============================================================================ regression losses
class MseLossBackward0(Rule):
    """mean/sum/none of (a - b)^2:  d/da = 2 (a - b) g,  d/db = -d/da"""
    batching = "pointwise_loss"
    explain = Explain("mse_loss({a}, {b})", "mean((a − b)²):  ∂/∂a = 2(a − b)/n")

    @staticmethod
    def forward(node, xp, a, b, reduction):
        d = a - b
        if node is not None:
            node.saved = (a, b)
            node.reduction = reduction
        return _reduce(xp, d * d, reduction)

    @staticmethod
    def jvp(xp, t, out, a, b, reduction):
        d = a - b
        td = _sum_tangents(t[0], None if t[1] is None else -t[1])
        return _reduce(xp, 2 * d * td, reduction)

    def vjp(self, g, xp):
        a, b = self.saved
        d = a - b
        gd = (2 * _unreduce(g, self.reduction, _numel(d))) * d
        (na, _), (nb, _) = self.next_functions
        return (None if na is None else xp.sum_to(gd, a.shape),
                None if nb is None else xp.sum_to(-gd, b.shape))


class HuberLossBackward0(Rule):
    """0.5 d^2 where |d| < delta, else delta (|d| - delta/2);  d = a - b.
    Its derivative in d is d clipped to [-delta, delta]."""
    explain = Explain("huber({a}, {b})",
                      "d = a − b:  ∂/∂a = d where |d| < δ, δ·sign(d) elsewhere;  ∂/∂b = its negative")
    batching = "pointwise_loss"

    @staticmethod
    def forward(node, xp, a, b, reduction, delta):
        d = a - b
        if node is not None:
            node.saved = (a, b)
            node.reduction = reduction
            node.delta = delta
        ad = xp.abs(d)
        loss = xp.where(ad < delta, 0.5 * d * d, delta * (ad - 0.5 * delta))
        return _reduce(xp, loss, reduction)

    def _slope(self, d, xp):
        return xp.clip(d, -self.delta, self.delta)

    @staticmethod
    def jvp(xp, t, out, a, b, reduction, delta):
        return jvp_by_partials(HuberLossBackward0, xp, t, out, (a, b, reduction, delta), (0, 1), _loss_total(xp, reduction))

    def vjp(self, g, xp):
        a, b = self.saved
        d = a - b
        gd = _unreduce(g, self.reduction, _numel(d)) * self._slope(d, xp)
        (na, _), (nb, _) = self.next_functions
        return (None if na is None else xp.sum_to(gd, a.shape),
                None if nb is None else xp.sum_to(-gd, b.shape))


class SmoothL1LossBackward0(HuberLossBackward0):
    """huber(delta=beta) / beta; beta == 0 is the l1 loss. Derivative: clip(d, -beta, beta) / beta."""
    explain = Explain("smooth_l1({a}, {b})", "d = a − b:  ∂/∂a = clip(d, −β, β)/β;  ∂/∂b = its negative")

    @staticmethod
    def forward(node, xp, a, b, reduction, beta):
        d = a - b
        if node is not None:
            node.saved = (a, b)
            node.reduction = reduction
            node.delta = beta
        ad = xp.abs(d)
        if beta == 0:
            return _reduce(xp, ad, reduction)
        loss = xp.where(ad < beta, (0.5 / beta) * d * d, ad - 0.5 * beta)
        return _reduce(xp, loss, reduction)

    def _slope(self, d, xp):
        if self.delta == 0:
            return xp.sign(d)
        return xp.clip(d, -self.delta, self.delta) * (1.0 / self.delta)

    @staticmethod
    def jvp(xp, t, out, a, b, reduction, beta):
        return jvp_by_partials(SmoothL1LossBackward0, xp, t, out, (a, b, reduction, beta), (0, 1), _loss_total(xp, reduction))


# ============================================================================ binary cross entropy
class BinaryCrossEntropyBackward0(Rule):
    """-w (t log x + (1 - t) log(1 - x)), each log clamped at -100 as PyTorch does.
    d/dx = g w (x - t) / max(x (1 - x), 1e-12);  d/dt = g w (log(1 - x) - log x)"""
    explain = Explain("bce({x}, {t})", "∂/∂x = w·(x − t)/(x·(1 − x)),  ∂/∂t = w·ln((1 − x)/x)")
    batching = "pointwise_loss"

    @staticmethod
    def forward(node, xp, x, t, w, reduction):
        if node is not None:
            node.saved = (x, t)
            node.w = w
            node.reduction = reduction
        log_x = xp.maximum(xp.log(x), -100)
        log_1mx = xp.maximum(xp.log(1 - x), -100)
        loss = -(t * log_x + (1 - t) * log_1mx)
        if w is not None:
            loss = loss * w
        return _reduce(xp, loss, reduction)

    @staticmethod
    def jvp(xp, t, out, x, target, w, reduction):
        return jvp_by_partials(BinaryCrossEntropyBackward0, xp, t, out, (x, target, w, reduction), (0, 1),
                               _loss_total(xp, reduction))

    def vjp(self, g, xp):
        x, t = self.saved
        gl = _weighted_element_grad(self, g, x)
        (nx, _), (nt, _) = self.next_functions
        gx = gt = None
        if nx is not None:
            gx = gl * (x - t) / xp.maximum(x * (1 - x), 1e-12)
        if nt is not None:
            gt = xp.sum_to(gl * (xp.maximum(xp.log(1 - x), -100) - xp.maximum(xp.log(x), -100)), t.shape)
        return gx, gt


class BinaryCrossEntropyWithLogitsBackward0(Rule):
    """w ((1 - t) x + l softplus(-x)), l = 1 + (pos_weight - 1) t; softplus(-x) written
    log1p(exp(-|x|)) + max(-x, 0) so it never overflows.
    d/dx = g w ((1 - t) - l sigmoid(-x));  d/dt = g w (-x + (pos_weight - 1) softplus(-x))"""
    explain = Explain("bce_with_logits({x}, {t})",
                      "∂/∂x = w·((1 + (pw − 1)t)·σ(x) − pw·t),  ∂/∂t = −w·(pw·ln σ(x) − ln(1 − σ(x)))")
    batching = "pointwise_loss"

    @staticmethod
    def forward(node, xp, x, t, w, pos_weight, reduction):
        if node is not None:
            node.saved = (x, t)
            node.w = w
            node.pos_weight = pos_weight
            node.reduction = reduction
        softplus_neg = xp.log1p(xp.exp(-xp.abs(x))) + xp.maximum(-x, 0)
        if pos_weight is None:
            loss = (1 - t) * x + softplus_neg
        else:
            loss = (1 - t) * x + (1 + (pos_weight - 1) * t) * softplus_neg
        if w is not None:
            loss = loss * w
        return _reduce(xp, loss, reduction)

    @staticmethod
    def jvp(xp, t, out, x, target, w, pos_weight, reduction):
        return jvp_by_partials(BinaryCrossEntropyWithLogitsBackward0, xp, t, out, (x, target, w, pos_weight, reduction),
                               (0, 1), _loss_total(xp, reduction))

    def vjp(self, g, xp):
        x, t = self.saved
        gl = _weighted_element_grad(self, g, x)
        pw = self.pos_weight
        (nx, _), (nt, _) = self.next_functions
        gx = gt = None
        sig_neg = xp.sigmoid(-x)
        if nx is not None:
            if pw is None:
                gx = gl * ((1 - t) - sig_neg)
            else:
                gx = gl * ((1 - t) - (1 + (pw - 1) * t) * sig_neg)
        if nt is not None:
            if pw is None:
                gt = gl * -x
            else:
                gt = gl * ((pw - 1) * (xp.log1p(xp.exp(-xp.abs(x))) + xp.maximum(-x, 0)) - x)
            gt = xp.sum_to(gt, t.shape)
        return gx, gt


# ============================================================================ class-index losses
_ARANGES: dict = {}  # length -> np.arange(length), reused


def _arange(n):
    r = _ARANGES.get(n)
    if r is None:
        r = np.arange(n)
        if len(_ARANGES) < 64:
            _ARANGES[n] = r
    return r


def _class_key(target, cdim):
    """An advanced-indexing key picking, for each target entry, its class along `cdim` of the
    input (input shape = target shape with the class dim inserted at cdim)."""
    shape = target.shape
    if len(shape) == 1:
        return (_arange(shape[0]), target)
    key = []
    for i, n in enumerate(shape):
        shape_i = [1] * len(shape)
        shape_i[i] = n
        key.append(_arange(n).reshape(shape_i))
    key.insert(cdim, target)
    return tuple(key)


def _sample_weights(target, weight, ignore_index, reduction):
    """Per-entry weight of each target (0 where ignored; None when all weigh 1), the targets made
    safe to index with, and the reduction's divisor. ignore_index is None when no target equals it."""
    if ignore_index is None:
        safe = target
        wt = None if weight is None else weight[target]
    else:
        ignored = target == ignore_index
        safe = np.where(ignored, 0, target)
        wt = (~ignored).astype(np.float64) if weight is None else np.where(ignored, 0, weight[safe])
    if reduction == "mean":
        denom = float(wt.sum()) if wt is not None else float(target.size)
    else:
        denom = 1.0
    return safe, wt, denom


class NllLossBackward0(Rule):
    """-w[t] x[t] per entry (class dim `cdim`), reduced. d/dx: -g w[t] / divisor at each target."""
    batching = "class_loss"
    explain = Explain("nll_loss({x}, target)",
                      "−mean over rows of the input at the target class: ∂/∂input = −1/N there, 0 elsewhere")

    @staticmethod
    def forward(node, xp, x, target, weight, ignore_index, reduction, cdim):
        safe, wt, denom = _sample_weights(target, weight, ignore_index, reduction)
        key = _class_key(safe, cdim)
        picked = x[key]
        loss = -picked if wt is None else picked * (-wt).astype(x.dtype)
        if node is not None:
            node.shape = x.shape
            node.dtype = x.dtype
            node.key = key
            node.tshape = target.shape
            node.wt = wt
            node.inv = 1.0 / denom if denom else 0.0
            node.reduction = reduction
        if reduction == "none":
            return loss
        total = loss.sum()
        if reduction == "mean":  # a mean over no entries (all ignored) is nan; its gradient 0
            return total / denom if denom else total * float("nan")
        return total

    @staticmethod
    def jvp(xp, t, out, x, target, weight, ignore_index, reduction, cdim):
        return jvp_by_partials(NllLossBackward0, xp, t, out, (x, target, weight, ignore_index, reduction, cdim), (0,),
                               _class_loss_total(xp, reduction, cdim))

    def vjp(self, g, xp):
        scale = -g * self.inv if self.reduction == "mean" else -g
        if self.wt is not None:
            scale = scale * self.wt.astype(self.dtype)
        if tuple(scale.shape) != self.tshape:  # a reduced loss: one factor for every entry
            scale = scale * np.ones(self.tshape, self.dtype)
        return (xp.index_add(self.shape, self.dtype, self.key, scale),)


class CrossEntropyLossBackward0(Rule):
    """cross_entropy with class indices, fused: log_softmax, pick the target, weight, reduce, and
    label smoothing, in one node whose backward is  (softmax - onehot) * scale  (no log_softmax node).
    Applied under PyTorch's grad_fn name for the case (see class_loss_rule).

    Per entry i (class dim `cdim`), with p = softmax(x), a_i = w[t_i] / divisor (0 where ignored),
    b_i = [not ignored] / divisor, eps = label_smoothing, C classes, W = sum of the class weights:
        loss_i = (1 - eps) a_i (-log p_i[t_i]) + (eps / C) b_i (-sum_c w_c log p_ic)
        d/dx_i = (1 - eps) a_i (p_i - onehot_i) + (eps / C) b_i (W p_i - w)"""
    batching = "class_loss"
    explain = Explain("cross_entropy({z}, target)", "∂/∂z = (softmax(z) − one_hot(target)) / N")

    @staticmethod
    def forward(node, xp, x, target, weight, ignore_index, reduction, cdim, smoothing):
        if type(x) is not np.ndarray:  # under create_graph: only the softmax, as a Tensor, is needed
            e = xp.exp(x - xp.amax(x, cdim, True))
            node.saved = (e / e.sum(axis=cdim, keepdims=True),)
            return None
        safe, wt, denom = _sample_weights(target, weight, ignore_index, reduction)
        dt = x.dtype
        tshape = target.shape
        shifted = x - xp.amax(x, cdim, True)  # minus the max: exp never overflows
        e = np.exp(shifted)
        s = xp.sum_dims(e, cdim, True)
        log_s = np.log(s)
        key = _class_key(safe, cdim)
        neg_picked = log_s.reshape(tshape) - shifted[key]  # -log p at each target
        inv = 1.0 / denom if denom else 0.0  # all entries ignored: gradient 0, the mean nan (below)
        a = None if wt is None else (wt * inv if reduction == "mean" else wt).astype(dt)
        if a is not None:
            loss = neg_picked * a
        elif reduction == "mean":
            loss = neg_picked * dt.type(inv)
        else:
            loss = neg_picked
        b = c_w = None
        if smoothing:
            n_cls = x.shape[cdim]
            logp = shifted - log_s
            if weight is None:
                smooth = -logp.sum(axis=cdim)
                if wt is not None:  # some targets ignored: b is the not-ignored mask over the divisor
                    b = wt * inv
            else:
                c_w = weight.reshape([-1 if i == cdim else 1 for i in range(x.ndim)])
                smooth = -(logp * c_w.astype(dt)).sum(axis=cdim)
                b = (np.full(tshape, inv) if ignore_index is None
                     else (target != ignore_index).astype(np.float64) * inv)
            if b is not None:
                smooth = smooth * b.astype(dt)
            elif reduction == "mean":
                smooth = smooth * dt.type(inv)
            loss = loss * dt.type(1 - smoothing) + smooth * dt.type(smoothing / n_cls)
        if node is not None:
            np.divide(e, s, out=e)  # e is ours: the softmax, in place
            node.saved = (e,)
            node.key = key
            node.tshape = tshape
            node.kshape = s.shape[:cdim] + (1,) + s.shape[cdim + 1:] if len(tshape) else ()
            node.np_dtype = dt
            node.a = a
            node.inv = inv
            node.b = b
            node.c_w = c_w
            node.reduction = reduction
            node.cdim = cdim
            node.smoothing = smoothing
        if reduction == "none":
            return loss
        return loss.sum() if denom else loss.sum() * float("nan")

    @staticmethod
    def jvp(xp, t, out, x, target, weight, ignore_index, reduction, cdim, smoothing):
        return jvp_by_partials(CrossEntropyLossBackward0, xp, t, out,
                               (x, target, weight, ignore_index, reduction, cdim, smoothing), (0,),
                               _class_loss_total(xp, reduction, cdim))

    def vjp(self, g, xp):
        (p,) = self.saved
        dt = self.np_dtype
        # the per-entry factor of (p - onehot): incoming gradient times a_i (one number for all
        # entries when the loss was reduced and unweighted)
        if self.a is not None:
            coef = g * self.a
        elif self.reduction == "mean":
            coef = g * self.inv
        else:
            coef = g
        eps = self.smoothing
        if eps:
            coef = coef * (1 - eps)
        per_entry = len(getattr(coef, "shape", ())) != 0
        grad = xp.index_sub_(p * (coef.reshape(self.kshape) if per_entry else coef), self.key, coef)
        if eps:
            n_cls = p.shape[self.cdim]
            if self.b is not None:
                bg = g * self.b.astype(dt)
            elif self.reduction == "mean":
                bg = g * self.inv
            else:
                bg = g
            bg = bg * (eps / n_cls)
            if len(getattr(bg, "shape", ())):
                bg = bg.reshape(self.kshape)
            if self.c_w is None:
                grad = grad + bg * (p * n_cls - 1)
            else:
                grad = grad + bg * (p * float(self.c_w.sum()) - self.c_w.astype(dt))
        return (grad,)


def _named(base, name):
    return type(name, (base,), {"__doc__": base.__doc__, "__module__": __name__})


# PyTorch's grad_fn for these losses depends on the input's rank and the options: the same rule
# under each of those names. {(base, name): rule}
_CLASS_LOSS_RULES = {(base, name): _named(base, name)
                     for base in (NllLossBackward0, CrossEntropyLossBackward0)
                     for name in ("NllLossBackward0", "NllLoss2DBackward0", "ViewBackward0", "AddBackward0")}


def class_loss_rule(base, ndim, reduction, smoothing=0.0):
    """The rule to apply for an nll/cross-entropy of an input of rank `ndim`, named as PyTorch's."""
    if smoothing:
        name = "AddBackward0"
    elif ndim <= 2:
        name = "NllLossBackward0"
    elif reduction == "none" and ndim != 4:
        name = "ViewBackward0"
    else:
        name = "NllLoss2DBackward0"
    return _CLASS_LOSS_RULES[(base, name)]


class DivBackward1(Rule):
    """a / number, as PyTorch's C++ losses divide (the mean of cross_entropy with probabilities):
    d/da = g / number"""
    explain = Explain("{a} / n", "∂(a / n)/∂a = 1/n")
    batching = "elementwise"

    @staticmethod
    def forward(node, xp, a, number):
        if node is not None:
            node.number = number
        return a / number

    @staticmethod
    def jvp(xp, t, out, a, number):
        return t[0] / number

    def vjp(self, g, xp):
        return (g / self.number,)


# ============================================================================ padding
class ConstantPadNdBackward0(Rule):
    """constant pad: the input written into a block of `value`; its gradient is that block of g.
    `slices` picks the input's region from the output (negative pads crop: `pre_slices`)."""
    explain = Explain("pad({a})", "∂pad(a)/∂a = g's block where a was written (the padding gets none)")
    batching = "batch_dims"

    @staticmethod
    def forward(node, xp, a, out_shape, dst, src, value):
        if node is not None:
            node.shape = a.shape
            node.dst = dst
            node.src = src
        out = np.full(out_shape, value, dtype=a.dtype)
        out[dst] = a[src]
        return out

    @staticmethod
    def jvp(xp, t, out, a, out_shape, dst, src, value):  # linear in a; the padding is constant
        return linear_through(ConstantPadNdBackward0, xp, t[0], out_shape, dst, src, 0)

    def vjp(self, g, xp):
        region = g[self.dst]
        if all(s.start in (None, 0) and (s.stop is None or s.stop >= n)
               for s, n in zip(self.src, self.shape)):  # nothing cropped: the region is the gradient
            return (region,)
        return (xp.index_add(self.shape, region.dtype, self.src, region),)
