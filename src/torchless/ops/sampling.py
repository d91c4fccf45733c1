"""Sampling at coordinates and alignment losses, forward beside vjp: grid_sample (the rules
GridSampler2DBackward0 and GridSampler3DBackward0), affine_grid (AffineGridGeneratorBackward0) and
the CTC loss (CtcLossBackward0).

grid_sample reads an input (N, C, *S) at the points of a grid (N, *O, d) of normalized coordinates
in [-1, 1] (x first: x runs along the last spatial dim). Each output point is a weighted sum of a
few input elements, its taps: 2^d neighbours (bilinear), the nearest one, or a 4 x 4 block
(bicubic). The forward plans the taps once from the grid's values: per spatial axis, the taps'
integer positions (after the padding mode: zero outside, clamp to the border, or reflect), whether
each is inside, and the fractional position t of the point, an affine function t = A·grid + B of
its coordinate (A is the unnormalizing scale times the padding's slope: 0 where clamped, -1 where
reflected an odd number of times). A tap's weight is a product over axes of a polynomial in t:
1 - t and t (linear), the cubic convolution kernel (bicubic, A = -0.75), 1 (nearest). So

    out[n, c, q] = Σ_k  w_k(t[n, q]) · input[n, c, idx_k[n, q]]
    ∂/∂input:  g · w_k scattered back to idx_k        ∂/∂grid_j:  Σ_k Σ_c g · input[idx_k] · ∂w_k/∂t_j · A_j

Both are written over `xp`, so under create_graph they run on Tensors and record (the tap plan is
constant: it is piecewise constant in the grid).

The CTC loss is the negative log-likelihood of a target sequence under per-frame class scores,
summed over every alignment (blanks between and around the labels, repeats merged), computed in log
space by the forward (alpha) recursion over time, vectorized over the batch and the extended label
positions. Its gradient follows PyTorch's convention (ATen's ctc_loss_backward): for a frame
t < input_length, exp(lp[t, c]) - exp(log Σ_{s: l'_s = c} alpha_t(s) beta_t(s) + nll - lp[t, c]),
which is the gradient through a log_softmax that made the scores (the first term is what that
log_softmax's vjp cancels); frames past the input length get 0.
"""
import math

import numpy as np

from ._rule import Explain, Rule

__all__ = ["GridSampler2DBackward0", "GridSampler3DBackward0", "AffineGridGeneratorBackward0", "CtcLossBackward0",
           "grid_plan", "affine_base_grid"]


# ============================================================================ coordinates
def _reflect(x, twice_low, twice_high):
    """x reflected into [twice_low/2, twice_high/2], and the slope (±1) of that map."""
    if twice_low == twice_high:
        return np.zeros_like(x), np.zeros_like(x)
    lo = twice_low / 2
    span = (twice_high - twice_low) / 2
    d = x - lo
    slope = np.where(d < 0, -1.0, 1.0)
    d = np.abs(d)
    extra = np.fmod(d, span)
    flips = np.floor(d / span)
    odd = np.fmod(flips, 2) != 0
    return np.where(odd, span - extra + lo, extra + lo).astype(x.dtype, copy=False), np.where(odd, -slope, slope)


def _clip(x, size):
    """x clamped to [0, size - 1], and the slope (1 strictly inside, 0 elsewhere)."""
    hi = size - 1
    slope = ((x > 0) & (x < hi)).astype(np.float64)
    return np.clip(x, 0, hi).astype(x.dtype, copy=False), slope


def _padded(x, size, padding, align):
    """The coordinate x after the padding mode (1 border, 2 reflection; 0 zeros leaves it), and the slope."""
    if padding == 0:
        return x, np.ones(x.shape)
    slope = np.ones(x.shape)
    if padding == 2:
        x, slope = _reflect(x, 0, 2 * (size - 1)) if align else _reflect(x, -1, 2 * size - 1)
    x, s2 = _clip(x, size)
    return x, slope * s2


# polynomial tap weights in t and their derivatives (they take arrays or Tensors)
_CUBIC_A = -0.75


def _cc1(x):
    return ((_CUBIC_A + 2) * x - (_CUBIC_A + 3)) * x * x + 1


def _cc2(x):
    return ((_CUBIC_A * x - 5 * _CUBIC_A) * x + 8 * _CUBIC_A) * x - 4 * _CUBIC_A


def _dcc1(x):
    return (3 * (_CUBIC_A + 2) * x - 2 * (_CUBIC_A + 3)) * x


def _dcc2(x):
    return (3 * _CUBIC_A * x - 10 * _CUBIC_A) * x + 8 * _CUBIC_A


_LINEAR = ((lambda t: 1 - t, lambda t: -1 + 0 * t), (lambda t: t, lambda t: 1 + 0 * t))
_NEAREST = ((None, None),)
_CUBIC = ((lambda t: _cc2(t + 1), lambda t: _dcc2(t + 1)), (_cc1, _dcc1),
          (lambda t: _cc1(1 - t), lambda t: -_dcc1(1 - t)), (lambda t: _cc2(2 - t), lambda t: -_dcc2(2 - t)))


class GridPlan:
    """The taps of grid_sample for one grid's values (see the module docstring).

    axes: per spatial axis (in the input's order), (taps, t, A, B): taps a list of (position, inside)
      int/bool arrays of shape (N, Q); t the fractional coordinate (N, Q) in the grid's dtype (None
      for nearest); t = grid[..., i] * A + B with A, B arrays (the affine form for Tensors).
    kernel: the per-tap weight polynomials and their derivatives (_LINEAR, _CUBIC, _NEAREST).
    """

    __slots__ = ("S", "O", "N", "Q", "axes", "kernel", "flat", "inside", "poison")

    def __init__(self, S, O, N, Q, axes, kernel, poison=None):
        self.S, self.O, self.N, self.Q, self.axes, self.kernel = S, O, N, Q, axes, kernel
        self.poison = poison  # (N, Q) points whose value is NaN (a non-finite coordinate where PyTorch gives NaN)
        # every combination of one tap per axis: its flat position in the plane and whether it is inside
        strides = [math.prod(S[j + 1:]) for j in range(len(S))]
        flat, inside = [], []
        for combo in np.ndindex(*[len(ax[0]) for ax in axes]):
            f = 0
            ok = True
            for j, k in enumerate(combo):
                pos, valid = axes[j][0][k]
                f = f + pos * strides[j]
                ok = ok & valid
            flat.append(np.where(ok, f, 0))
            inside.append(ok)
        self.flat, self.inside = flat, inside

    def combos(self):
        return np.ndindex(*[len(ax[0]) for ax in self.axes])


def grid_plan(grid, S, mode, padding, align):
    """The GridPlan of a grid array (N, *O, d) over spatial sizes S; mode 0 bilinear, 1 nearest,
    2 bicubic; padding 0 zeros, 1 border, 2 reflection; align: align_corners."""
    N = grid.shape[0]
    O = grid.shape[1:-1]
    d = len(S)
    Q = math.prod(O)
    G = grid.reshape(N, Q, d)
    axes = []
    # Non-finite coordinates follow PyTorch's CPU kernels: in 2-D, bilinear with zeros padding and
    # bicubic give NaN, and a NaN clamped to the border or reflected reads index 0; in 3-D such a
    # point reads nothing (zeros) or, clamped, the last index.
    poison = None
    for j in range(d):
        size = S[j]
        g = G[:, :, d - 1 - j]
        one = g.dtype.type(1)
        if align:
            scale = g.dtype.type((size - 1) / 2)
            raw = (g + one) * scale
        else:
            scale = g.dtype.type(size / 2)
            raw = (g + one) * scale - g.dtype.type(0.5)
        finite = np.isfinite(raw)
        if (mode == 2 or (mode == 0 and padding == 0 and d == 2)) and not finite.all():
            poison = ~finite if poison is None else poison | ~finite
        if mode == 2:  # bicubic: the taps are padded, the point is not
            safe = np.where(finite, raw, -100.0).astype(g.dtype, copy=False)
            base = np.floor(safe)
            t = safe - base
            taps = []
            for i in range(-1, 3):
                p = base + i
                if padding == 0:
                    inside = (p >= 0) & (p <= size - 1) & finite
                    pos = np.where(inside, p, 0).astype(np.int64)
                else:
                    pp, _ = _padded(p, size, padding, align)
                    pos = pp.astype(np.int64)
                    inside = np.ones(p.shape, bool)
                taps.append((pos, inside))
            A = np.where(finite, float(scale), 0.0)
            axes.append((taps, t, A, t - A * g))
            continue
        c, slope = _padded(raw, size, padding, align)
        if padding and not finite.all():
            c = np.where(np.isnan(c), 0 if d == 2 else size - 1, c).astype(g.dtype, copy=False)
        finite = np.isfinite(c)
        c = np.where(finite, c, -100.0).astype(g.dtype, copy=False)
        if mode == 1:
            pos = np.rint(c)
            inside = (pos >= 0) & (pos <= size - 1)
            axes.append(([(np.where(inside, pos, 0).astype(np.int64), inside)], None, None, None))
            continue
        base = np.floor(c)
        t = c - base
        taps = []
        for i in (0, 1):
            p = base + i
            inside = (p >= 0) & (p <= size - 1) & finite
            taps.append((np.where(inside, p, 0).astype(np.int64), inside))
        A = np.where(finite, slope * float(scale), 0.0)
        axes.append((taps, t, A, t - A * g))
    return GridPlan(tuple(S), tuple(O), N, Q, axes, (_LINEAR, _NEAREST, _CUBIC)[mode], poison)


def _coef(xp, plan, combo, ts, skip=None):
    """The weight of one tap combination (None: 1), leaving axis `skip` out."""
    w = None
    for j, k in enumerate(combo):
        if j == skip:
            continue
        f = plan.kernel[k][0]
        if f is None:
            continue
        v = f(ts[j])
        w = v if w is None else w * v
    return w


def _ts(xp, plan, grid):
    """The fractional coordinates per axis: the plan's arrays, or on Tensors A·grid + B (recorded)."""
    if xp.apply_rule is None or grid is None:
        return [ax[1] for ax in plan.axes]
    d = len(plan.S)
    G = grid.reshape((plan.N, plan.Q, d))
    out = []
    for j, (taps, t, A, B) in enumerate(plan.axes):
        if t is None:
            out.append(None)
            continue
        out.append(G[:, :, d - 1 - j] * _const(xp, A.astype(t.dtype)) + _const(xp, B.astype(t.dtype)))
    return out


def _const(xp, arr):
    """A constant array in xp's kind: itself, or (under create_graph) a Tensor of it."""
    return arr if xp.apply_rule is None else xp.broadcast_to(arr, arr.shape)


def _np_dtype(x):
    """The NumPy dtype of an array or a Tensor."""
    dt = x.dtype
    return getattr(dt, "np", dt)


def _rows(plan):
    return np.arange(plan.N)[:, None]


def grid_sample_forward(xp, a, plan, ts):
    """out (N, Q, C) = Σ_k w_k · input[n, idx_k, c] from aT (N, P, C)."""
    out = None
    rows = _rows(plan)
    for k, combo in enumerate(plan.combos()):
        vals = a[rows, plan.flat[k]]
        w = _coef(xp, plan, combo, ts)
        inside = plan.inside[k]
        if w is None:
            w = inside.astype(vals.dtype) if xp.apply_rule is None else _const(xp, inside.astype(vals.dtype))
        else:
            w = w * inside if xp.apply_rule is None else w * _const(xp, inside.astype(vals.dtype))
        term = vals * xp.expand_dims(w, -1)
        out = term if out is None else out + term
    return out


def _scatter(P, plan, gT, dtype):
    """Σ_k (g · w_k) added at idx_k: an (N, P, C) array, one bincount per channel over every tap."""
    N, Q, C = gT.shape
    rows = _rows(plan)
    idx, ws = [], []
    for k, combo in enumerate(plan.combos()):
        w = _coef(np, plan, combo, [ax[1] for ax in plan.axes])
        ws.append(plan.inside[k] if w is None else w * plan.inside[k])
        idx.append(rows * P + plan.flat[k])
    index = np.stack(idx).reshape(-1)
    W = np.stack(ws).astype(np.float64, copy=False)  # (K, N, Q)
    gC = np.moveaxis(gT, 2, 0)
    out = np.empty((C, N * P), dtype)
    for c in range(C):
        out[c] = np.bincount(index, (W * gC[c]).reshape(-1), minlength=N * P)
    return np.ascontiguousarray(np.moveaxis(out.reshape(C, N, P), 0, 2))


class _GridSampler(Rule):
    """grid_sample: out[n, c, q] = Σ_k w_k(grid) · input[n, c, idx_k(grid)] (see the module docstring)"""
    explain = Explain("grid_sample({a}, {grid})",
                      "out = Σ_k w_k(grid)·a[idx_k(grid)]:  ∂/∂a = g scattered with the weights w_k,  ∂/∂grid = Σ_k "
                      "g·a[idx_k]·∂w_k/∂grid")
    batching = "batch_first"  # vmap folds its batch into N, of the input and the grid alike
    dtypes = "float_only"

    @staticmethod
    def forward(node, xp, a, grid, mode, padding, align):
        if xp.apply_rule is not None:  # create_graph re-runs forward on Tensors only for `saved`
            node.saved = (a, grid)
            return None
        N, C = a.shape[:2]
        S = a.shape[2:]
        plan = grid_plan(grid, S, mode, padding, align)
        aT = np.ascontiguousarray(a.reshape(N, C, math.prod(S)).transpose(0, 2, 1))
        out = grid_sample_forward(xp, aT, plan, [ax[1] for ax in plan.axes])
        if plan.poison is not None:
            out[plan.poison] = np.nan
        out = np.ascontiguousarray(out.transpose(0, 2, 1)).reshape((N, C) + plan.O)
        if node is not None:
            node.saved = (a, grid)
            node.plan = plan
        return out

    def vjp(self, g, xp):
        a, grid = self.saved
        plan = self.plan
        (na, _), (ng, _) = self.next_functions
        N, C = plan.N, a.shape[1]
        P = math.prod(plan.S)
        d = len(plan.S)
        gT = xp.swapaxes(g.reshape((N, C, plan.Q)), 1, 2)
        aT = xp.swapaxes(a.reshape((N, C, P)), 1, 2)
        ga = gg = None
        tensors = xp.apply_rule is not None
        ts = _ts(xp, plan, grid if ng is not None else None)
        if na is not None:
            if not tensors:
                ga = _scatter(P, plan, gT, a.dtype)
            else:
                rows = _rows(plan)
                for k, combo in enumerate(plan.combos()):
                    w = _coef(xp, plan, combo, ts)
                    inside = _const(xp, plan.inside[k].astype(_np_dtype(a)))
                    w = inside if w is None else w * inside
                    part = xp.index_add((N, P, C), a.dtype, (rows, plan.flat[k]), gT * xp.expand_dims(w, -1))
                    ga = part if ga is None else ga + part
            ga = xp.swapaxes(ga, 1, 2).reshape(tuple(a.shape))
        if ng is not None:
            rows = _rows(plan)
            comps = [None] * d
            if plan.axes[0][1] is not None:  # nearest: the gradient is zero
                for k, combo in enumerate(plan.combos()):
                    inside = plan.inside[k].astype(_np_dtype(a))
                    dot = (gT * aT[rows, plan.flat[k]]).sum(-1) * (_const(xp, inside) if tensors else inside)
                    for j in range(d):
                        rest = _coef(xp, plan, combo, ts, skip=j)
                        term = plan.kernel[combo[j]][1](ts[j]) * dot
                        term = term if rest is None else term * rest
                        comps[j] = term if comps[j] is None else comps[j] + term
            parts = []
            for i in range(d):  # grid component i is axis d - 1 - i
                j = d - 1 - i
                c = comps[j]
                if c is None:
                    c = xp.zeros((N, plan.Q), grid.dtype)
                else:
                    A = plan.axes[j][2].astype(_np_dtype(grid))
                    c = c * (_const(xp, A) if tensors else A)
                parts.append(c)
            gg = xp.stack(parts, -1).reshape(tuple(grid.shape))
        return ga, gg


class GridSampler2DBackward0(_GridSampler):
    """grid_sampler_2d: input (N, C, H, W) read at grid (N, H_out, W_out, 2)"""
    op_name = "grid_sampler_2d"


class GridSampler3DBackward0(_GridSampler):
    """grid_sampler_3d: input (N, C, D, H, W) read at grid (N, D_out, H_out, W_out, 3)"""
    op_name = "grid_sampler_3d"


# ============================================================================ affine_grid
def _steps(n, align, dtype):
    """n normalized coordinates across a dim: -1 .. 1 (align_corners) or the pixel centres."""
    if n <= 1:
        return np.zeros(n, dtype)
    v = np.linspace(-1, 1, n, dtype=np.float64)
    if not align:
        v = v * ((n - 1) / n)
    return v.astype(dtype)


def affine_base_grid(spatial, align, dtype):
    """The (ΠS, d + 1) homogeneous coordinates (x, y[, z], 1) of every output pixel, x along the last dim."""
    d = len(spatial)
    base = np.ones(tuple(spatial) + (d + 1,), dtype)
    for i in range(d):  # component i varies along spatial dim d - 1 - i
        shape = [1] * d
        shape[d - 1 - i] = spatial[d - 1 - i]
        base[..., i] = _steps(spatial[d - 1 - i], align, dtype).reshape(shape)
    return base.reshape(-1, d + 1)


class AffineGridGeneratorBackward0(Rule):
    """affine_grid: out[n, p] = theta[n] · base[p] (base the pixels' homogeneous coordinates):
    linear in theta, so d/dtheta[n] = Σ_p g[n, p] ⊗ base[p] and the tangent is the map of t"""
    explain = Explain("affine_grid({θ})", "out[n, p] = θ[n]·base[p]:  ∂/∂θ[n] = Σ_p g[n, p] base[p]ᵀ")
    batching = "loop"  # the output size names N: the function would need its size argument rewritten
    op_name = "affine_grid_generator"

    @staticmethod
    def forward(node, xp, theta, size, align):
        spatial = size[2:]
        base = affine_base_grid(spatial, align, _np_dtype(theta))
        if node is not None:
            node.base = base
            node.saved = ()
        out = xp.matmul(_const(xp, base) if xp.apply_rule is not None else base, xp.swapaxes(theta, 1, 2))
        return out.reshape((size[0],) + tuple(spatial) + (len(spatial),))

    @staticmethod
    def jvp(xp, t, out, theta, size, align):
        return AffineGridGeneratorBackward0.forward(None, xp, t[0], size, align)

    def vjp(self, g, xp):
        base = self.base
        n = g.shape[0]
        g2 = g.reshape((n, base.shape[0], base.shape[1] - 1))
        return (xp.matmul(xp.swapaxes(g2, 1, 2), _const(xp, base) if xp.apply_rule is not None else base),)


# ============================================================================ CTC loss
_NEG_INF = -np.inf


def _lse3(a, b, c):
    """log(e^a + e^b + e^c) elementwise, -inf where all three are."""
    m = np.maximum(np.maximum(a, b), c)
    safe = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(divide="ignore"):
        return np.where(m == _NEG_INF, _NEG_INF, safe + np.log(np.exp(a - safe) + np.exp(b - safe) + np.exp(c - safe)))


def _shift(a, k):
    """a moved k places right along the last axis, -inf filling the start."""
    out = np.full_like(a, _NEG_INF)
    out[..., k:] = a[..., :a.shape[-1] - k]
    return out


def _unshift(a, k):
    """a moved k places left along the last axis, -inf filling the end."""
    out = np.full_like(a, _NEG_INF)
    out[..., :a.shape[-1] - k] = a[..., k:]
    return out


def ctc_extended(targets, tgt_lens, blank, classes):
    """The extended label sequences (N, 2·S + 1): blank, l1, blank, l2, ..., blank (padded with
    blanks), and where a label may be reached from two places back (it differs from that label)."""
    N, Smax = targets.shape
    ext = np.full((N, 2 * Smax + 1), blank, np.int64)
    ext[:, 1::2] = np.clip(targets, 0, classes - 1)
    skip = np.zeros(ext.shape, bool)
    if ext.shape[1] > 2:
        skip[:, 2:] = (ext[:, 2:] != blank) & (ext[:, 2:] != ext[:, :-2])
    return ext, skip


class CtcLossBackward0(Rule):
    """ctc_loss per sample: nll = -log Σ over alignments Π_t p_t(label) (the alpha recursion, in
    log space). vjp: PyTorch's convention (module docstring): exp(lp) - exp(log αβ by class + nll -
    lp), times g, for the frames inside each input length; 0 where zero_infinity zeroed an
    infinite loss"""
    explain = Explain("ctc_loss({lp})",
                      "∂(−ln Σ_alignments Π p)/∂lp_t(k) = exp(lp_t(k)) − (α·β occupancy of k at t)/p (the "
                      "forward-backward recursion)")
    batching = "loop"  # its lengths are per-sample Python values and its reductions span N
    op_name = "_ctc_loss"

    @staticmethod
    def forward(node, xp, lp, targets, in_lens, tgt_lens, blank, zero_infinity):
        if xp.apply_rule is not None:  # create_graph re-runs forward on Tensors only for `saved`
            node.saved = (lp,)
            return None
        T, N, C = lp.shape
        lp64 = lp.astype(np.float64)
        ext, skip = ctc_extended(targets, tgt_lens, blank, C)
        L = ext.shape[1]
        rows = np.arange(N)[:, None]
        lpe = lp64[:, rows, ext]  # (T, N, L): each frame's score of each extended label
        ends = 2 * tgt_lens + 1  # L_n
        alpha = np.full((max(T, 1), N, L), _NEG_INF)
        if T:
            alpha[0, :, 0] = lpe[0, :, 0]
            if L > 1:
                alpha[0, :, 1] = np.where(tgt_lens > 0, lpe[0, :, 1], _NEG_INF)
            neg = np.full((N, L), _NEG_INF)
            for t in range(1, T):
                a = alpha[t - 1]
                alpha[t] = _lse3(a, _shift(a, 1), np.where(skip, _shift(a, 2), neg)) + lpe[t]
        last = np.clip(in_lens - 1, 0, None)
        fin = alpha[last, np.arange(N)]  # (N, L) at each sample's last frame
        e1 = np.take_along_axis(fin, (ends - 1)[:, None], 1)[:, 0]
        e2 = np.where(ends >= 2, np.take_along_axis(fin, np.clip(ends - 2, 0, None)[:, None], 1)[:, 0], _NEG_INF)
        with np.errstate(invalid="ignore"):
            nll = -np.logaddexp(e1, e2)
        nll = np.where(in_lens == 0, np.where(tgt_lens == 0, -0.0, np.inf), nll)
        if node is not None:
            node.saved = (lp,)
            node.ctc = (alpha, lpe, ext, skip, in_lens, tgt_lens, nll, zero_infinity)
        return nll.astype(lp.dtype)

    def vjp(self, g, xp):
        (lp,) = self.saved
        tensors = xp.apply_rule is not None
        garr = np.asarray(getattr(g, "_data", g), np.float64)
        grad = ctc_gradient(np.asarray(getattr(lp, "_data", lp)), garr, *self.ctc)
        if tensors:
            return (xp.apply_rule(CtcLossBackwardBackward, g, lp, grad),)
        return (grad,)


def ctc_gradient(lp, g, alpha, lpe, ext, skip, in_lens, tgt_lens, nll, zero_infinity):
    """PyTorch's gradient of the per-sample CTC losses wrt the log-probabilities (module docstring)."""
    T, N, C = lp.shape
    L = ext.shape[1]
    lp64 = lp.astype(np.float64)
    ends = 2 * tgt_lens + 1
    n_idx = np.arange(N)
    s_idx = np.arange(L)[None, :]
    beta = np.full((max(T, 1), N, L), _NEG_INF)
    last = in_lens - 1
    init = np.full((N, L), _NEG_INF)  # beta at each sample's last frame
    at_last = lpe[np.clip(last, 0, None), n_idx]
    init = np.where((s_idx == (ends - 1)[:, None]) | (s_idx == (ends - 2)[:, None]), at_last, init)
    skip_next = _unshift(skip.astype(np.float64), 2) > 0  # may jump from s to s + 2
    neg = np.full((N, L), _NEG_INF)
    nxt = neg
    for t in range(T - 1, -1, -1):
        rec = _lse3(nxt, _unshift(nxt, 1), np.where(skip_next, _unshift(nxt, 2), neg)) + lpe[t]
        cur = np.where((t == last)[:, None], init, np.where((t < last)[:, None], rec, neg))
        beta[t] = cur
        nxt = cur
    ab = alpha[:T] + beta[:T]  # (T, N, L)
    m = ab.max(axis=2, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    e = np.exp(ab - m)
    flat = ((np.arange(T)[:, None, None] * N + n_idx[None, :, None]) * C + ext[None, :, :]).reshape(-1)
    sums = np.bincount(flat, e.reshape(-1), minlength=T * N * C).reshape(T, N, C)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        lcab = np.log(sums) + m
        grad = np.exp(lp64) - np.exp(lcab + nll[None, :, None] - lp64)
    grad = grad * g[None, :, None]
    keep = np.arange(T)[:, None] < in_lens[None, :]
    if zero_infinity:
        keep = keep & ~np.isinf(nll)[None, :]
    return np.where(keep[:, :, None], grad, 0.0).astype(lp.dtype)


class CtcLossBackwardBackward(Rule):
    """The gradient of ctc_loss, under create_graph: PyTorch has no derivative of it, nor has this"""
    explain = Explain("ctc_loss_backward({g})",
                      "PyTorch has no derivative of ctc_loss's gradient: backward through it raises")
    batching = "loop"  # raises: PyTorch has no derivative of ctc_loss's gradient
    op_name = "_ctc_loss_backward"
    relift = False

    @staticmethod
    def forward(node, xp, g, lp, grad):
        return grad

    def vjp(self, g, xp):
        raise RuntimeError("derivative for aten::_ctc_loss_backward is not implemented (the CTC loss is "
                           "differentiable once: compute its gradient without create_graph)")
