"""Pooling and resampling, forward beside vjp.

Max pools (fixed or adaptive windows) pick one element per window: a gather from each (n, c)
plane at the window's argmax, so their gradient is the adjoint scatter (one np.bincount) and their
jvp the same gather of the tangent. Average pools and interpolation are linear maps: avg_pool sums
the window's strided slices (a loop over the kernel positions only) and divides; adaptive average
pooling and interpolation multiply each spatial dim by a small (out, in) matrix.

Every linear map here is a `LinearOp` that knows its adjoint; one rule shape (`_LinearRule`) runs
it forward, its vjp applies the adjoint and its jvp the map itself. On Tensors (create_graph) both
are recorded rules of the same shape, so derivatives of any order come without more formulas.
"""
import math

import numpy as np

from ._rule import Explain, Rule


# ============================================================================ linear maps and their adjoints
class LinearOp:
    """A linear map of arrays with its adjoint (`adjoint()`, made once) and the rule that records it."""

    __slots__ = ("_adjoint",)
    rule: type = None  # type: ignore[assignment]  # set below, per class

    def run(self, a):
        raise NotImplementedError

    def make_adjoint(self):
        raise NotImplementedError

    def adjoint(self):
        try:
            return self._adjoint
        except AttributeError:
            adj = self.make_adjoint()
            adj._adjoint = self
            self._adjoint = adj
            return adj


def linear(xp, op, a):
    """op applied to a: on arrays its kernel; on Tensors a recorded rule (differentiable)."""
    if xp.apply_rule is None:
        return op.run(a)
    return xp.apply_rule(op.rule, a, op)


class _LinearRule(Rule):
    """out = L(a) for a linear L (a LinearOp):  vjp g -> Lᵀ(g),  jvp t -> L(t)."""
    explain = Explain("L({a})", "linear: ∂L(a)/∂a = Lᵀ(g)")
    batching = "batch_first"

    @staticmethod
    def forward(node, xp, a, op):
        if node is not None:
            node.op = op
        return op.run(a)

    @staticmethod
    def jvp(xp, t, out, a, op):
        return linear(xp, op, t[0])

    def vjp(self, g, xp):
        return (linear(xp, self.op.adjoint(), g),)


class PlaneGather(LinearOp):
    """out[..., j] = a[..., idx[..., j]] over the flattened spatial dims of each (n, c) plane:
    a (*lead, *S) -> (*lead, *Y); idx (*lead, ΠY) holds flat positions in ΠS."""

    __slots__ = ("idx", "S", "Y")

    def __init__(self, idx, S, Y):
        self.idx, self.S, self.Y = idx, S, Y

    def run(self, a):
        lead = a.shape[:a.ndim - len(self.S)]
        flat = a.reshape((-1, math.prod(self.S)))
        out = np.take_along_axis(flat, self.idx.reshape(flat.shape[0], -1), 1)
        return out.reshape(lead + self.Y)

    def make_adjoint(self):
        return PlaneScatter(self.idx, self.S, self.Y)


class PlaneScatter(LinearOp):
    """The adjoint of PlaneGather: each value added at its plane's position idx (repeats add up)."""

    __slots__ = ("idx", "S", "Y")

    def __init__(self, idx, S, Y):
        self.idx, self.S, self.Y = idx, S, Y

    def run(self, g):
        lead = g.shape[:g.ndim - len(self.Y)]
        planes = math.prod(lead)
        size = math.prod(self.S)
        idx = self.idx.reshape(planes, -1)
        where = (idx + (np.arange(planes) * size)[:, None]).reshape(-1)
        values = g.reshape(-1)
        if g.dtype.kind == "c":
            out = np.bincount(where, values.real, planes * size) + 1j * np.bincount(where, values.imag, planes * size)
        else:
            out = np.bincount(where, values, planes * size)
        return out.astype(g.dtype, copy=False).reshape(lead + self.S)

    def make_adjoint(self):
        return PlaneGather(self.idx, self.S, self.Y)


class PlaneAssign(PlaneScatter):
    """max_unpool: each value written at its plane's position idx (zeros elsewhere; where indices
    repeat, the last write stays, as in PyTorch's loop). Its vjp is the gather at idx."""

    __slots__ = ()

    def run(self, g):
        lead = g.shape[:g.ndim - len(self.Y)]
        planes = math.prod(lead)
        size = math.prod(self.S)
        idx = self.idx.reshape(planes, -1)
        out = np.zeros((planes, size), g.dtype)
        np.put_along_axis(out, idx, g.reshape(planes, -1), 1)
        return out.reshape(lead + self.S)


class Separable(LinearOp):
    """Each of the last len(mats) dims multiplied by its (out, in) matrix (adaptive average pooling,
    interpolation); the adjoint multiplies by the transposes."""

    __slots__ = ("mats", "rule")

    def __init__(self, mats, rule=None):
        self.mats = mats
        self.rule = rule or PoolAdjointBackward

    def run(self, a):
        d = len(self.mats)
        for i, m in enumerate(self.mats):
            axis = a.ndim - d + i
            m = m.astype(a.dtype, copy=False)
            if axis == a.ndim - 1:
                a = np.matmul(a, m.T)
            else:
                a = np.moveaxis(np.matmul(np.moveaxis(a, axis, -1), m.T), -1, axis)
        return np.ascontiguousarray(a)

    def make_adjoint(self):
        return Separable(tuple(m.T for m in self.mats))  # (recorded as PoolAdjointBackward)


class AvgWindows(LinearOp):
    """avg_pool: each output the sum of its window (strided slices of the zero-padded input, one per
    kernel position) divided by `divisor` (an array over the output's spatial dims)."""

    __slots__ = ("K", "stride", "lo", "S", "Y", "divisor", "padded", "rule", "tiles")

    def __init__(self, K, stride, lo, S, Y, divisor, rule):
        self.rule = rule
        if divisor.size and (divisor == divisor.flat[0]).all():
            divisor = divisor.flat[0]  # one number: divide by a scalar
        self.K, self.stride, self.lo, self.S, self.Y, self.divisor = K, stride, lo, S, Y, divisor
        # windows that tile the input (stride = kernel, no padding): the adjoint is a broadcast
        self.tiles = K == stride and not any(lo) and all(y * k <= s for y, k, s in zip(Y, K, S))
        # the padded extent the windows reach (ceil_mode windows may pass the right padding)
        self.padded = tuple(max(s + p, (y - 1) * st + k) for s, p, y, st, k in zip(S, lo, Y, stride, K))

    def _slices(self, k):
        return tuple(slice(k[i], k[i] + (self.Y[i] - 1) * self.stride[i] + 1, self.stride[i]) for i in range(len(k)))

    def run(self, a):
        d = len(self.K)
        lead = a.shape[:a.ndim - d]
        full = (slice(None),) * len(lead)
        if any(self.lo) or self.padded != self.S:
            xp_ = np.zeros(lead + self.padded, a.dtype)
            xp_[full + tuple(slice(p, p + s) for p, s in zip(self.lo, self.S))] = a
        else:
            xp_ = a
        out = first = None
        for k in np.ndindex(*self.K):
            part = xp_[full + self._slices(k)]
            if a.dtype.kind != "f" and out is None:
                out = part.astype(np.result_type(a.dtype, np.float64))
            elif out is not None:
                out += part
            elif first is None:  # floats: the first two slices added into a new array (no copy pass)
                first = part
            else:
                out = np.add(first, part)
        if out is None:  # a one-position window
            out = first.copy()
        assert out is not None
        if a.dtype.kind in "iub":
            return (out / self.divisor).astype(a.dtype) if a.dtype.kind != "b" else out  # (PyTorch truncates)
        out /= np.asarray(self.divisor, out.dtype)
        return out

    def make_adjoint(self):
        return _AvgWindowsAdjoint(self)


class _AvgWindowsAdjoint(LinearOp):
    """The adjoint of AvgWindows: g / divisor added onto every window's positions, then cropped."""

    __slots__ = ("of",)

    def __init__(self, of):
        self.of = of

    def run(self, g):
        f = self.of
        d = len(f.K)
        lead = g.shape[:g.ndim - d]
        full = (slice(None),) * len(lead)
        h = g / np.asarray(f.divisor, g.dtype)
        if f.tiles:  # each gradient spread over its own K block: one np.repeat per spatial dim
            # (contiguous runs; a reshape of a stride-0 broadcast view copies element by element,
            # 3-4x slower on a LeNet's activations)
            n = len(lead)
            spread = h
            for i, k in enumerate(f.K):
                if k != 1:
                    spread = np.repeat(spread, k, axis=n + i)
            covered = spread.shape
            if covered == lead + f.S:
                return spread
            out = np.zeros(lead + f.S, g.dtype)
            out[(slice(None),) * n + tuple(slice(0, c) for c in covered[n:])] = spread
            return out
        out = np.zeros(lead + f.padded, g.dtype)
        for k in np.ndindex(*f.K):
            out[full + f._slices(k)] += h
        if any(f.lo) or f.padded != f.S:
            out = out[full + tuple(slice(p, p + s) for p, s in zip(f.lo, f.S))]
        return out

    def make_adjoint(self):
        return self.of


# ============================================================================ windows for the max pools
def window_candidates(S, K, stride, dilation, lo, Y):
    """For each output position (flattened, ΠY) the flat input positions of its window (ΠK), and a
    mask of those in the padding (None when none is)."""
    pos, valid = [], []
    d = len(S)
    for i in range(d):
        p = np.arange(Y[i])[:, None] * stride[i] - lo[i] + np.arange(K[i])[None, :] * dilation[i]
        pos.append(p)
        valid.append((p >= 0) & (p < S[i]))
    return _combine(S, pos, valid)


def adaptive_candidates(S, Y):
    """window_candidates for adaptive pooling: output y's window along a dim is
    [floor(y·S/Y), ceil((y+1)·S/Y)), padded to the longest window with masked positions."""
    pos, valid = [], []
    for s, y in zip(S, Y):
        ys = np.arange(y)
        start = (ys * s) // y
        end = -((-(ys + 1) * s) // y)
        length = int((end - start).max()) if y else 1
        p = start[:, None] + np.arange(length)[None, :]
        v = p < end[:, None]
        pos.append(np.minimum(p, s - 1))
        valid.append(v)
    return _combine(S, pos, valid)


def _combine(S, pos, valid):
    d = len(S)
    flat = np.zeros((1,) * (2 * d), np.int64)
    ok = np.ones((1,) * (2 * d), bool)
    step = 1
    for i in range(d - 1, -1, -1):
        shape = [1] * (2 * d)
        shape[i] = pos[i].shape[0]
        shape[d + i] = pos[i].shape[1]
        # output dims first, then window dims
        flat = flat + np.clip(pos[i], 0, max(S[i] - 1, 0)).reshape(shape) * step
        ok = ok & valid[i].reshape(shape)
        step *= S[i]
    ny = math.prod(p.shape[0] for p in pos)
    nk = math.prod(p.shape[1] for p in pos)
    flat = np.ascontiguousarray(np.broadcast_to(flat, tuple(p.shape[0] for p in pos) + tuple(p.shape[1] for p in pos)))
    ok = np.broadcast_to(ok, flat.shape)
    flat = flat.reshape(ny, nk)
    ok = ok.reshape(ny, nk)
    return flat, (None if ok.all() else ~ok)


def _lowest(dtype):
    if dtype.kind == "f":
        return -np.inf
    if dtype.kind == "b":
        return False
    return np.iinfo(dtype).min


def max_windows(a, nspatial, cand, pad_mask):
    """(values, flat indices) of the max of every window: a (*lead, *S); cand (ΠY, ΠK)."""
    lead = a.shape[:a.ndim - nspatial]
    flat = a.reshape((math.prod(lead), -1))
    vals = np.take(flat, cand, axis=1)  # (planes, ΠY, ΠK)
    if pad_mask is not None:
        vals[:, pad_mask] = _lowest(a.dtype)
    if vals.shape[2] == 0 or vals.shape[1] == 0:
        am = np.zeros(vals.shape[:2], np.int64)
    else:
        am = vals.argmax(axis=2)
    out = np.take_along_axis(vals, am[:, :, None], 2)[:, :, 0]
    idx = np.take_along_axis(np.broadcast_to(cand, vals.shape), am[:, :, None], 2)[:, :, 0] if vals.shape[2] \
        else np.zeros(vals.shape[:2], np.int64)
    return out, idx


class _MaxPool(Rule):
    """max over each window -> (values, indices): the gradient goes to each window's argmax
    (a scatter of g); the tangent is the gather of t at the same positions."""
    explain = Explain("max_pool({a})", "∂max(window)/∂aᵢ = 1 at each window's argmax, else 0")
    aux_outputs = True
    batching = "batch_first"

    @staticmethod
    def forward(node, xp, a, spec):
        S, Y, cand, mask = spec
        out, idx = max_windows(a, len(S), cand, mask)
        lead = a.shape[:a.ndim - len(S)]
        if node is not None:
            node.op = PlaneGather(idx, S, Y)
        return out.reshape(lead + Y), idx.reshape(lead + Y)

    @staticmethod
    def jvp(xp, t, out, a, spec):
        S, Y = spec[0], spec[1]
        idx = out[1]
        idx = idx if type(idx) is np.ndarray else idx._data
        return linear(xp, PlaneGather(idx, S, Y), t[0])

    def vjp(self, g, xp):
        return (linear(xp, self.op.adjoint(), g),)


class MaxPool2DWithIndicesBackward0(_MaxPool):
    """max_pool2d (and max_pool1d, through a size-1 dim): the max of each window"""
    explain = Explain("max_pool2d({a})", "∂max(window)/∂aᵢ = 1 at each window's argmax, else 0: g goes to the argmax")
    batching = "batch_first"


class MaxPool3DWithIndicesBackward0(_MaxPool):
    """max_pool3d: the max of each window"""
    explain = Explain("max_pool3d({a})", "∂max(window)/∂aᵢ = 1 at each window's argmax, else 0: g goes to the argmax")
    batching = "batch_first"


class AdaptiveMaxPool2DBackward0(_MaxPool):
    """adaptive_max_pool1d/2d: the max of each adaptive window"""
    explain = Explain("adaptive_max_pool2d({a})", "∂max(window)/∂aᵢ = 1 at each adaptive window's argmax, else 0")
    batching = "batch_first"


class AdaptiveMaxPool3DBackward0(_MaxPool):
    """adaptive_max_pool3d: the max of each adaptive window"""
    explain = Explain("adaptive_max_pool3d({a})", "∂max(window)/∂aᵢ = 1 at each adaptive window's argmax, else 0")
    batching = "batch_first"


class AvgPool2DBackward0(_LinearRule):
    """avg_pool2d (and avg_pool1d through a size-1 dim): window sums / divisor; vjp spreads g / divisor back"""
    explain = Explain("avg_pool2d({a})",
                      "∂mean(window)/∂aᵢ = 1/divisor for each window holding aᵢ: g / divisor spread back")
    batching = "batch_first"


class AvgPool3DBackward0(_LinearRule):
    """avg_pool3d: window sums / divisor; vjp spreads g / divisor back"""
    explain = Explain("avg_pool3d({a})",
                      "∂mean(window)/∂aᵢ = 1/divisor for each window holding aᵢ: g / divisor spread back")
    batching = "batch_first"


class AdaptiveAvgPool2DBackward0(_LinearRule):
    """adaptive_avg_pool1d/2d: each dim multiplied by its averaging matrix"""
    explain = Explain("adaptive_avg_pool2d({a})", "∂mean(window)/∂aᵢ = 1/|window| for each adaptive window holding aᵢ")
    batching = "batch_first"


class AdaptiveAvgPool3DBackward0(_LinearRule):
    """adaptive_avg_pool3d: each dim multiplied by its averaging matrix"""
    explain = Explain("adaptive_avg_pool3d({a})", "∂mean(window)/∂aᵢ = 1/|window| for each adaptive window holding aᵢ")
    batching = "batch_first"


class MaxUnpool2DBackward0(_LinearRule):
    """max_unpool1d/2d: each value scattered to its index; vjp gathers g there"""
    explain = Explain("max_unpool2d({a})", "∂/∂a = g gathered at the indices")
    batching = "batch_first"


class MaxUnpool3DBackward0(_LinearRule):
    """max_unpool3d: each value scattered to its index; vjp gathers g there"""
    explain = Explain("max_unpool3d({a})", "∂/∂a = g gathered at the indices")
    batching = "batch_first"


class PoolAdjointBackward(_LinearRule):
    """The adjoint of a pooling or resampling map (the gradient of a gradient, under create_graph)"""
    explain = Explain("Lᵀ({g})", "linear: ∂Lᵀ(g)/∂g = L, the pooling map itself")
    batching = "batch_first"


class MaxPoolGatherBackward(_LinearRule):
    """The gather at a max pool's indices (its tangent, and its gradient's gradient)"""
    explain = Explain("{g}[argmax]", "linear: ∂/∂g = the scatter back to the argmax positions")
    batching = "batch_first"


for _op in (PlaneGather,):
    _op.rule = MaxPoolGatherBackward
PlaneScatter.rule = PoolAdjointBackward
_AvgWindowsAdjoint.rule = PoolAdjointBackward


def adaptive_matrix(s, y):
    """The (y, s) matrix averaging adaptive windows [floor(i·s/y), ceil((i+1)·s/y))."""
    m = np.zeros((y, s))
    for i in range(y):
        lo = (i * s) // y
        hi = -((-(i + 1) * s) // y)
        m[i, lo:hi] = 1.0 / (hi - lo)
    return m


# ============================================================================ rearrangements
class Rearrange(LinearOp):
    """A reshape, a permutation of dims, a reshape (pixel_shuffle, pixel_unshuffle, channel_shuffle):
    the trailing dims `tail_in` of a become `split`, are permuted by `perm`, and merge to `tail_out`.
    The adjoint is the inverse rearrangement."""

    __slots__ = ("tail_in", "split", "perm", "tail_out", "rule")

    def __init__(self, tail_in, split, perm, tail_out, rule):
        self.tail_in, self.split, self.perm, self.tail_out, self.rule = tail_in, split, perm, tail_out, rule

    def run(self, a):
        lead = a.shape[:a.ndim - len(self.tail_in)]
        k = len(lead)
        perm = tuple(range(k)) + tuple(k + p for p in self.perm)
        return np.ascontiguousarray(a.reshape(lead + self.split).transpose(perm)).reshape(lead + self.tail_out)

    def make_adjoint(self):
        inverse = tuple(int(i) for i in np.argsort(self.perm))
        permuted = tuple(self.split[p] for p in self.perm)
        return Rearrange(self.tail_out, permuted, inverse, self.tail_in, PoolAdjointBackward)


class PixelShuffleBackward0(_LinearRule):
    """pixel_shuffle: (C·r², H, W) -> (C, H·r, W·r), a rearrangement; vjp: the inverse one"""
    explain = Explain("pixel_shuffle({a})",
                      "a rearrangement (C·r², H, W) → (C, H·r, W·r): the gradient is pixel_unshuffle(g)")


class PixelUnshuffleBackward0(_LinearRule):
    """pixel_unshuffle: (C, H·r, W·r) -> (C·r², H, W), a rearrangement; vjp: the inverse one"""
    explain = Explain("pixel_unshuffle({a})",
                      "a rearrangement (C, H·r, W·r) → (C·r², H, W): the gradient is pixel_shuffle(g)")


class ChannelShuffleBackward0(_LinearRule):
    """channel_shuffle: the channels (g, C/g) transposed to (C/g, g); vjp: the inverse"""
    explain = Explain("channel_shuffle({a})", "a permutation of the channels: the gradient is permuted back")
    batching = "batch_first"


# ============================================================================ unfold and fold
class Unfold(LinearOp):
    """F.unfold (im2col): (N, C, *S) -> (N, C·ΠK, L); the adjoint is F.fold (col2im)."""

    __slots__ = ("spec", "rule")

    def __init__(self, spec, rule):
        self.spec, self.rule = spec, rule

    def run(self, a):
        from .conv import cols_of
        n = a.shape[0]
        cols = cols_of(a, self.spec)  # (1, C·ΠK, N·L)
        return np.ascontiguousarray(np.swapaxes(cols.reshape(cols.shape[1], n, math.prod(self.spec.Y)), 0, 1))

    def make_adjoint(self):
        return Fold(self.spec, PoolAdjointBackward)


class Fold(LinearOp):
    """F.fold (col2im): (N, C·ΠK, L) -> (N, C, *S), overlapping positions summed; adjoint: unfold."""

    __slots__ = ("spec", "rule")

    def __init__(self, spec, rule):
        self.spec, self.rule = spec, rule

    def run(self, a):
        from .conv import col2im
        n = a.shape[0]
        K, Y = self.spec.K, self.spec.Y
        cols = np.moveaxis(a, 0, -1).reshape((a.shape[1] // math.prod(K),) + K + Y + (n,))
        return col2im(cols, self.spec)

    def make_adjoint(self):
        return Unfold(self.spec, PoolAdjointBackward)


class Im2ColBackward0(_LinearRule):
    """unfold (im2col): every window as a column; vjp: fold (col2im) of g"""
    explain = Explain("unfold({a})", "every window as a column: ∂/∂a = fold(g), each column added back onto its window")
    batching = "batch_first"


class Col2ImBackward0(_LinearRule):
    """fold (col2im): columns summed back onto their windows; vjp: unfold (im2col) of g"""
    explain = Explain("fold({a})", "columns summed onto their windows: ∂/∂a = unfold(g)")
    batching = "batch_first"


# ============================================================================ interpolation
_CUBIC_A = -0.75


def _cubic_weights(t):
    """The four cubic-convolution weights (A = -0.75) of taps at offsets -1, 0, 1, 2 from floor(x)."""
    def near(x):  # |x| <= 1
        return ((_CUBIC_A + 2) * x - (_CUBIC_A + 3)) * x * x + 1

    def far(x):  # 1 < |x| < 2
        return ((_CUBIC_A * x - 5 * _CUBIC_A) * x + 8 * _CUBIC_A) * x - 4 * _CUBIC_A
    return far(t + 1), near(t), near(1 - t), far(2 - t)


def interpolation_matrix(mode, n_in, n_out, align_corners, scale, dtype):
    """The (n_out, n_in) matrix that resamples one dim as F.interpolate's `mode` does; `scale` is
    the scale_factor the user gave for this dim (None: from the sizes). Coordinates are computed in
    `dtype` (float32 for float32 inputs), as PyTorch's kernels compute them."""
    ft = np.dtype(dtype).type
    dst = np.arange(n_out)
    m = np.zeros((n_out, n_in))
    if mode in ("nearest", "nearest-exact"):
        ratio = ft(1.0 / scale) if scale is not None and scale > 0 else ft(n_in) / ft(n_out)
        if mode == "nearest":
            src = np.floor(dst.astype(dtype) * ratio)
        else:
            src = np.floor((dst.astype(dtype) + ft(0.5)) * ratio)
        src = np.minimum(src.astype(np.int64), n_in - 1)
        m[dst, src] = 1.0
        return m
    if align_corners:
        ratio = ft(n_in - 1) / ft(n_out - 1) if n_out > 1 else ft(0)
        src = dst.astype(dtype) * ratio
    else:
        ratio = ft(1.0 / scale) if scale is not None and scale > 0 else ft(n_in) / ft(n_out)
        src = ratio * (dst.astype(dtype) + ft(0.5)) - ft(0.5)
    if mode == "linear":
        src = np.maximum(src, ft(0))
        i0 = src.astype(np.int64)
        lam = (src - i0.astype(dtype)).astype(np.float64)
        i1 = np.minimum(i0 + 1, n_in - 1)
        np.add.at(m, (dst, np.minimum(i0, n_in - 1)), 1 - lam)
        np.add.at(m, (dst, i1), lam)
        return m
    i0 = np.floor(src).astype(np.int64)
    t = (src - i0.astype(dtype)).astype(np.float64)
    for off, w in zip((-1, 0, 1, 2), _cubic_weights(t)):
        np.add.at(m, (dst, np.clip(i0 + off, 0, n_in - 1)), w)
    return m


_UPSAMPLE_RULES: dict = {}


def upsample_rule(name):
    """The rule named `name` (UpsampleBilinear2DBackward0 ...), made once."""
    rule = _UPSAMPLE_RULES.get(name)
    if rule is None:
        mode = name[len("Upsample"):name.index("Backward")]
        rule = type(name, (_LinearRule,), {"__doc__": "F.interpolate: each spatial dim multiplied by its resampling "
                                                      "matrix; vjp: by the transposes", "__module__": __name__,
                                           "__slots__": (), "explain": Explain(
                                               f"upsample_{mode.lower()}({{a}})",
                                               "linear: each spatial dim multiplied by its resampling matrix M; "
                                               "∂/∂a = g multiplied by each Mᵀ")})
        _UPSAMPLE_RULES[name] = rule
    return rule
