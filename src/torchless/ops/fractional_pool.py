"""Fractional max pooling (Graham, 2014), forward beside vjp, and the antialiased bilinear
resampling matrices.

Fractional max pooling takes the max over windows of a fixed size whose starts are spread
pseudo-randomly over the input: along a dim of input size s, output size y and window size k, with
one number u in [0, 1) per (batch, channel) plane and dim, output i's window starts at

    int((i + u)·α) − int(u·α),  α = (s − k) / (y − 1),   and the last window at s − k,

α and the products computed in the input's floating dtype, as PyTorch does. Every plane has its
own windows, so the op gathers each plane's candidates (planes, ΠY, ΠK) and keeps each window's
first maximum; its gradient scatters g back to those positions (pool.PlaneScatter) and its jvp
gathers the tangent there (pool.PlaneGather).
"""
import math

import numpy as np

from ._rule import Explain, Rule
from .pool import PlaneGather, _MaxPool, linear


def interval_starts(u, s, y, k):
    """The window starts along one dim for every plane: u (planes,) in the input's float dtype ->
    (planes, y) int64."""
    planes = u.shape[0]
    starts = np.empty((planes, y), np.int64)
    if y == 0:
        return starts
    if y > 1:
        dt = u.dtype.type
        alpha = dt(s - k) / dt(y - 1)
        i = np.arange(y - 1, dtype=u.dtype)
        starts[:, :-1] = ((i[None, :] + u[:, None]) * alpha).astype(np.int64) - (u * alpha).astype(np.int64)[:, None]
    starts[:, -1] = s - k
    return starts


def fractional_candidates(samples, S, Y, K):
    """(planes, ΠY, ΠK) flat positions in ΠS of every window of every plane; samples (planes, d)."""
    d = len(S)
    planes = samples.shape[0]
    flat = np.zeros((planes,) + (1,) * (2 * d), np.int64)
    step = 1
    for i in range(d - 1, -1, -1):
        starts = interval_starts(np.ascontiguousarray(samples[:, i]), S[i], Y[i], K[i])  # (planes, Y_i)
        pos = starts[:, :, None] + np.arange(K[i])[None, None, :]  # (planes, Y_i, K_i)
        shape = [planes] + [1] * (2 * d)
        shape[1 + i] = Y[i]
        shape[1 + d + i] = K[i]
        flat = flat + pos.reshape(shape) * step
        step *= S[i]
    flat = np.broadcast_to(flat, (planes,) + tuple(Y) + tuple(K))
    return np.ascontiguousarray(flat).reshape(planes, math.prod(Y), math.prod(K))


class _FractionalMaxPool(_MaxPool):
    """max over each plane's own windows -> (values, indices); its gradient and tangent are max
    pooling's (a scatter of g to each window's argmax, a gather of t from it)."""
    explain = Explain("fractional_max_pool({a})", "∂max(window)/∂aᵢ = 1 at each window's argmax, else 0")
    batching = "loop"  # each plane draws its own windows: vmap's randomness mode decides them per example

    @staticmethod
    def forward(node, xp, a, spec):
        S, Y, cand = spec
        lead = a.shape[:a.ndim - len(S)]
        planes = math.prod(lead)
        flat = a.reshape(planes, math.prod(S))
        if cand.shape[1] == 0 or cand.shape[2] == 0 or planes == 0:
            idx = np.zeros((planes, cand.shape[1]), np.int64)
            out = np.zeros((planes, cand.shape[1]), a.dtype)
        else:
            vals = np.take_along_axis(flat, cand.reshape(planes, -1), 1).reshape(cand.shape)
            am = vals.argmax(axis=2)[:, :, None]  # (the first maximum, as PyTorch's loop keeps it)
            nan = np.isnan(vals)
            if nan.any():  # PyTorch's loop takes every NaN it meets: the window's last one stays
                last = vals.shape[2] - 1 - nan[:, :, ::-1].argmax(axis=2)
                am = np.where(nan.any(axis=2), last, am[:, :, 0])[:, :, None]
            out = np.take_along_axis(vals, am, 2)[:, :, 0]
            idx = np.take_along_axis(cand, am, 2)[:, :, 0]
        if node is not None:
            node.op = PlaneGather(idx, S, Y)
        return out.reshape(lead + Y), idx.reshape(lead + Y)


class FractionalMaxPool2DBackward0(_FractionalMaxPool):
    """fractional_max_pool2d: the max of each plane's pseudo-random windows"""


class FractionalMaxPool3DBackward0(_FractionalMaxPool):
    """fractional_max_pool3d: the max of each plane's pseudo-random windows"""


# ============================================================================ antialiased bilinear weights
def antialias_matrix(s, y, align_corners, scale, dtype=np.float64):
    """The (y, s) matrix of antialiased bilinear resampling along one dim (PyTorch's
    `antialias=True`): output i averages the inputs within `support` of its centre with triangle
    weights stretched by the scale when downsampling, normalised to sum 1. `scale` is the input
    size per output size (PyTorch's area_pixel_compute_scale); the weights are computed in `dtype`
    (float32 for float32 inputs), as PyTorch's kernel computes them."""
    ft = np.dtype(dtype).type
    m = np.zeros((y, s))
    sc = ft(scale)
    one, half = ft(1.0), ft(0.5)
    support = sc if sc >= one else one
    inv = one / sc if sc >= one else one
    for i in range(y):
        center = sc * (ft(i) + half)
        lo = max(int(center - support + half), 0)
        hi = min(int(center + support + half), s)
        j = np.arange(hi - lo, dtype=dtype)
        w = one - np.abs((j + ft(lo) - center + half) * inv)
        w = np.where(w > 0, w, ft(0))
        total = ft(0)
        for v in w:  # (summed in order, in dtype)
            total = ft(total + v)
        if total != 0:
            w = w / total
        m[i, lo:hi] = w
    return m


# ============================================================================ max_pool2d's gradient as an op
class MaxPool2DWithIndicesBackwardBackward0(Rule):
    """max_pool2d_with_indices_backward(g, input, ..., indices): g added into zeros shaped like
    input at each window's argmax (a scatter, pool.PlaneScatter). Linear in g: its vjp gathers at
    the indices (PyTorch's max_pool_double_backward) and its jvp scatters the tangent; input only
    gives the shape (its gradient is zero)."""
    explain = Explain("scatter({g}, indices)", "linear in g: ∂/∂g = the gather of the incoming gradient at the indices")
    batching = "loop"  # reached only through torch.ops.aten, whose ops vmap runs per example

    @staticmethod
    def forward(node, xp, g, a, op):
        if node is not None:
            node.op = op
        return op.run(g)

    @staticmethod
    def jvp(xp, t, out, g, a, op):
        return None if t[0] is None else linear(xp, op, t[0])

    def vjp(self, g, xp):
        return (linear(xp, self.op.adjoint(), g), None)
