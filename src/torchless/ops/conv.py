"""Convolution, forward beside vjp: im2col windows (a strided view, no loop over pixels) and one
batched matmul per call; the gradients likewise, the input's by col2im (a loop over the kernel
positions only, each a strided slice add).

One trilinear form underlies every convolution: T(x, w, y) = Σ y[n, o, p] · x[n, c, s·p + d·k - lo]
· w[o, c, k] (within each group). Its three partial derivatives are three linear maps:

    conv(x, w)         = ∂T/∂y   (the convolution: F.conv2d)
    input_grad(y, w)   = ∂T/∂x   (col2im of wᵀ y: F.conv_transpose2d is this with y the input)
    weight_grad(x, y)  = ∂T/∂w   (x's windows against y)

and the vjp of each is the other two: the gradient of conv(x, w) for x is input_grad(g, w), for w
weight_grad(x, g), and so on around. So one rule, `ConvolutionBackward0` (PyTorch's grad_fn name
for every convolution, transposed ones included), computes whichever partial its `ConvSpec` names;
its vjp applies the same rule for the other partials, so that under create_graph (xp the Tensor
namespace) the gradient is itself a recorded convolution and double backward needs nothing more.

Big inputs (ungrouped, columns over BLOCK_BYTES) go through the convolution and the weight's
gradient in blocks of examples whose columns stay in cache, and keep no columns from the forward to
the backward (see BLOCK_BYTES): less memory traffic, and a LeNet step's peak memory at PyTorch's.
"""
import math

import numpy as np
from numpy.lib.stride_tricks import as_strided

from . import winograd
from ._rule import Explain, Rule

# each partial's operands, by role (x: the convolution's input, w: its weight, y: its output)
OPERANDS = {"y": ("x", "w"), "x": ("y", "w"), "w": ("x", "y")}


class ConvSpec:
    """The geometry of one convolution x (N, C, *S) * w (O, C/groups, *K) -> y (N, O, *Y), and the
    partial (`target`: "y", "x" or "w") that a ConvolutionBackward0 node computes. Immutable; the
    specs of the other two partials are made once and kept (`sibling`)."""

    __slots__ = ("target", "stride", "dilation", "lo", "hi", "groups", "S", "K", "Y", "_siblings")

    def __init__(self, target, stride, dilation, lo, hi, groups, S, K, Y, siblings=None):
        self.target = target
        self.stride, self.dilation, self.lo, self.hi = stride, dilation, lo, hi
        self.groups = groups
        self.S, self.K, self.Y = S, K, Y
        self._siblings = siblings if siblings is not None else {}
        self._siblings[target] = self

    def sibling(self, target):
        s = self._siblings.get(target)
        if s is None:
            s = ConvSpec(target, self.stride, self.dilation, self.lo, self.hi, self.groups, self.S, self.K,
                         self.Y, self._siblings)
        return s


# ============================================================================ kernels on arrays
def _padded(x, lo, hi):
    """x with zeros added before (lo) and after (hi) each spatial dim (x itself when none)."""
    if not any(lo) and not any(hi):
        return x
    d = len(lo)
    shape = x.shape[:2] + tuple(n + a + b for n, a, b in zip(x.shape[2:], lo, hi))
    out = np.zeros(shape, x.dtype)
    out[(slice(None), slice(None)) + tuple(slice(a, a + n) for a, n in zip(lo, x.shape[2:]))] = x
    return out


def _windows(xp_, spec):
    """The strided view (C, *K, N, *Y) of the padded input: [c, k, n, p] = xpad[n, c, s·p + d·k]
    (channels and kernel positions first: the matmuls then run as one GEMM over all N·ΠY columns)."""
    d = len(spec.K)
    st = xp_.strides
    shape = (xp_.shape[1],) + spec.K + (xp_.shape[0],) + spec.Y
    strides = (st[1],) + tuple(st[2 + i] * spec.dilation[i] for i in range(d)) + (st[0],) + \
        tuple(st[2 + i] * spec.stride[i] for i in range(d))
    return as_strided(xp_, shape, strides, writeable=False)


def cols_of(x, spec):
    """im2col: x's windows as a contiguous (groups, C/groups · ΠK, N · ΠY) array."""
    xpad = _padded(x, spec.lo, spec.hi)
    g = spec.groups
    cols = np.ascontiguousarray(_windows(xpad, spec))
    return cols.reshape(g, (x.shape[1] // g) * math.prod(spec.K), x.shape[0] * math.prod(spec.Y))


def _channels_first(y, g):
    """(N, O, *Y) -> contiguous (groups, O/groups, N · ΠY)."""
    n, o = y.shape[0], y.shape[1]
    return np.ascontiguousarray(np.swapaxes(y.reshape(n, o, -1), 0, 1)).reshape(g, o // g, -1)


# Above this many bytes of im2col columns, conv_y and conv_w work in blocks of examples whose columns
# stay in the CPU cache (about BLOCK_BYTES each) and keep none: the whole (C·ΠK, N·ΠY) matrix of a
# LeNet layer is 15-20 MB, written once and read twice from main memory, and held from the forward to
# the backward (more than the activations themselves). A block's columns are rebuilt in the backward.
BLOCK_BYTES = 1 << 21


def _block_size(x, spec):
    """Examples per block for x's columns (x.shape[0] or more: one block, the whole-matrix path)."""
    per_example = x.shape[1] * math.prod(spec.K) * math.prod(spec.Y) * x.dtype.itemsize
    return max(1, BLOCK_BYTES // max(per_example, 1))


def _block_cols(xpad, n0, n1, spec):
    """Contiguous columns of examples n0:n1 of the padded input, example-major: (n, C·ΠK, ΠY)."""
    d = len(spec.K)
    part = xpad[n0:n1]
    st = part.strides
    shape = part.shape[:2] + spec.K + spec.Y
    strides = st[:2] + tuple(st[2 + i] * spec.dilation[i] for i in range(d)) + \
        tuple(st[2 + i] * spec.stride[i] for i in range(d))
    cols = np.ascontiguousarray(as_strided(part, shape, strides, writeable=False))
    return cols.reshape(n1 - n0, -1, math.prod(spec.Y))


# Output images with fewer pixels than this go through the blocked forward and weight gradient as one
# GEMM per block rather than one per example (forward: 15.4 -> 12.7 ms for a 256 -> 512 channel
# 3x3/s2 layer with 4x4 outputs, 33.5 -> 26.5 ms for 512 -> 512 on 4x4; 2-5% slower for LeNet's and
# the residual block's layers, 10x10 and bigger, which keep the per-example GEMMs)
SMALL_IMAGE = 64


def _conv_y_blocked(x, w, spec, block, bias):
    """conv_y for groups == 1, one block of examples at a time: per block one batched GEMM
    W (O, C·ΠK) @ cols (n, C·ΠK, ΠY) written straight into the output's rows (images of fewer than
    SMALL_IMAGE pixels: one GEMM over the block's columns side by side, then copied)."""
    n, o = x.shape[0], w.shape[0]
    xpad = _padded(x, spec.lo, spec.hi)
    w2 = w.reshape(o, -1)
    out = np.empty((n, o, math.prod(spec.Y)), np.result_type(x.dtype, w.dtype))
    add_bias = bias is not None and bias.dtype == out.dtype
    b = bias.reshape(-1, 1) if add_bias else None
    py = out.shape[2]
    for n0 in range(0, n, block):
        n1 = min(n, n0 + block)
        part = out[n0:n1]
        if py >= SMALL_IMAGE:
            np.matmul(w2, _block_cols(xpad, n0, n1, spec), out=part)
            if add_bias:
                part += b  # while the block is in cache
            continue
        # few pixels (deep layers): per-example GEMMs would be thin; one GEMM over the block's
        # columns, then its (O, n, ΠY) result copied into batch-first order (the bias added then)
        cols = np.ascontiguousarray(_windows(xpad[n0:n1], spec)).reshape(-1, (n1 - n0) * py)
        r = np.matmul(w2, cols).reshape(o, n1 - n0, py).transpose(1, 0, 2)
        if add_bias:
            np.add(r, b, out=part)
        else:
            np.copyto(part, r)
    return out.reshape((n, o) + spec.Y)


def _conv_w_blocked(x, y, spec, block):
    """conv_w for groups == 1, one block of examples at a time: Σ over the block's examples of
    y[n] (O, ΠY) @ cols[n]ᵀ (ΠY, C·ΠK), accumulated into one (O, C·ΠK) array. Images of fewer than
    SMALL_IMAGE pixels: one GEMM y (O, n·ΠY) @ colsᵀ (n·ΠY, C·ΠK) per block instead (per-example
    GEMMs with an inner dimension of only ΠY, summed after, were 2-2.5x slower for deep layers' 4x4
    images: 28 -> 12 ms, 62 -> 27 ms; for LeNet's 10x10 and 28x28 ones 4-6% faster than one GEMM)."""
    n, o = x.shape[0], y.shape[1]
    xpad = _padded(x, spec.lo, spec.hi)
    y3 = y.reshape(n, o, -1)
    py = y3.shape[2]
    acc = None
    for n0 in range(0, n, block):
        n1 = min(n, n0 + block)
        if py >= SMALL_IMAGE:
            part = np.matmul(y3[n0:n1], np.swapaxes(_block_cols(xpad, n0, n1, spec), 1, 2)).sum(0)
        else:
            cols = np.ascontiguousarray(_windows(xpad[n0:n1], spec)).reshape(-1, (n1 - n0) * py)
            part = np.matmul(np.ascontiguousarray(np.swapaxes(y3[n0:n1], 0, 1)).reshape(o, -1), cols.T)
        if acc is None:
            acc = part
        else:
            acc += part
    return acc.reshape((o, x.shape[1]) + spec.K)


# Winograd's F(2x2, 3x3) (ops/winograd.py) takes over 3x3, stride-1, ungrouped float convolutions with at
# least WINOGRAD_CHANNELS channels in and out whose im2col columns would pass WINOGRAD_BYTES: 2.25x fewer
# GEMM flops, for a few passes over memory to transform the tiles. Measured on one core, it wins from
# 64 channels (1.3-2x on 14x14 to 56x56 images), breaks even at 32 and loses below (the transforms,
# per channel, then cost more than the GEMM they save); the small convolutions of tests, gradcheck and
# conformance samples keep the direct path.
WINOGRAD_BYTES = 1 << 21
WINOGRAD_CHANNELS = 64
# The input gradient of a 3x3 stride-2 convolution takes the stride-2 form of it (ops/winograd.py) by
# the same rules and with at least this many 2x2 output tiles in all (fewer: its per-call work on the
# weight, 25·O·C values, and the thin GEMMs outweigh the 1.44x fewer flops; measured, it lost at
# 32·4x4 and 32·7x7 outputs and won at 32·14x14: 13.6 -> 11.4 ms, and 32·28x28: 61 -> 32 ms).
WINOGRAD2_TILES = 1024
_WINOGRAD_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _winograd(spec, a, b, c, o, stride=(1, 1)):
    """Whether the partial of spec on arrays a, b (one of x, w, y each), for c input and o output
    channels, goes through Winograd's F(2x2, 3x3) (or, with stride=(2, 2), its stride-2 form)."""
    return spec.K == (3, 3) and spec.stride == stride and spec.dilation == (1, 1) and spec.groups == 1 \
        and c >= WINOGRAD_CHANNELS and o >= WINOGRAD_CHANNELS \
        and a.dtype == b.dtype and a.dtype in _WINOGRAD_DTYPES \
        and a.shape[0] * c * 9 * spec.Y[0] * spec.Y[1] * a.itemsize > WINOGRAD_BYTES


def conv_y(x, w, spec, cols=None, bias=None):
    """The convolution: (N, C, *S), (O, C/g, *K) -> (N, O, *Y): one GEMM W (O, C·ΠK) @ cols
    (+ bias, added while the result is copied into batch-first order)."""
    n = x.shape[0]
    o = w.shape[0]
    g = spec.groups
    if cols is None:
        if _winograd(spec, x, w, x.shape[1], o):
            return winograd.correlate(x, winograd.weight_transform(w), spec.lo, spec.Y,
                                      bias if bias is not None and bias.dtype == x.dtype else None)
        if g == 1:
            block = _block_size(x, spec)
            if block < n:
                return _conv_y_blocked(x, w, spec, block, bias)
        cols = cols_of(x, spec)
    w2 = w.reshape(g, o // g, -1)
    # one GEMM (O, C·ΠK) @ (C·ΠK, N·ΠY) per group, then one copy into batch-first order (the bias
    # added during that copy): faster than N small per-example GEMMs over strided columns
    out = np.matmul(w2[0], cols[0]) if g == 1 else np.matmul(w2, cols)
    out = np.swapaxes(out.reshape((o, n) + spec.Y), 0, 1)
    if bias is None or bias.dtype != out.dtype:
        return np.ascontiguousarray(out)
    result = np.empty(out.shape, out.dtype)
    np.add(out, bias.reshape(_bias_shape(len(spec.K))), out=result)
    return result


def conv_w(x, y, spec, cols=None):
    """The weight's partial: Σ over n and p of y[n, o, p] · window[c, k, n, p] -> (O, C/g, *K)."""
    o = y.shape[1]
    g = spec.groups
    if cols is None:
        if _winograd(spec, x, y, x.shape[1], o):
            return winograd.weight_grad(x, y, spec.lo)
        if g == 1:
            block = _block_size(x, spec)
            if block < x.shape[0]:
                return _conv_w_blocked(x, y, spec, block)
        cols = cols_of(x, spec)
    y2 = _channels_first(y, g)
    out = np.matmul(y2[0], cols[0].T) if g == 1 else np.matmul(y2, np.swapaxes(cols, 1, 2))
    return out.reshape((o, x.shape[1] // g) + spec.K)


def conv_x(y, w, spec):
    """The input's partial (col2im of wᵀ y): (N, O, *Y), (O, C/g, *K) -> (N, C, *S).
    Computed batch-last: g as (O, ΠY·N), the columns as (C, *K, *Y, N), so that each slice add of
    col2im moves runs of (row · N) contiguous elements rather than one short image row."""
    n, o = y.shape[0], y.shape[1]
    g = spec.groups
    if _winograd(spec, y, w, w.shape[1], o):
        return winograd.input_grad(y, w, spec.lo, spec.S)
    if _winograd(spec, y, w, w.shape[1], o, (2, 2)) and \
            n * ((spec.Y[0] + 1) // 2) * ((spec.Y[1] + 1) // 2) >= WINOGRAD2_TILES:
        return winograd.input_grad2(y, w, spec.lo, spec.S)
    if g == 1 and math.prod(spec.K) == 1:
        return _conv_x_pointwise(y, w, spec)
    c = w.shape[1] * g
    w2 = w.reshape(g, o // g, -1)
    perm = tuple(range(1, y.ndim)) + (0,)
    y2 = np.ascontiguousarray(y.transpose(perm)).reshape(g, o // g, -1)
    cols = np.matmul(w2[0].T, y2[0]) if g == 1 else np.matmul(np.swapaxes(w2, 1, 2), y2)
    return col2im(cols.reshape((c,) + spec.K + spec.Y + (n,)), spec)


def _conv_x_pointwise(y, w, spec):
    """conv_x for a 1x1 kernel (groups == 1): per example Wᵀ (C, O) @ y[n] (O, ΠY), batch-first
    throughout, placed at the strided positions of a zero input (no columns, no transposes)."""
    n, o = y.shape[0], y.shape[1]
    z = np.matmul(w.reshape(o, -1).T, y.reshape(n, o, -1)).reshape((n, w.shape[1]) + spec.Y)
    if spec.S == spec.Y:  # stride 1, no padding
        return z
    padded = tuple(s + a + b for s, a, b in zip(spec.S, spec.lo, spec.hi))
    out = np.zeros(z.shape[:2] + padded, z.dtype)
    out[(slice(None), slice(None)) + tuple(slice(0, (m - 1) * st + 1, st) for m, st in zip(spec.Y, spec.stride))] = z
    if any(spec.lo) or any(spec.hi):
        out = np.ascontiguousarray(out[(slice(None), slice(None)) +
                                       tuple(slice(a, a + m) for a, m in zip(spec.lo, spec.S))])
    return out


def col2im(cols, spec):
    """The adjoint of im2col: cols (C, *K, *Y, N) added onto the windows' positions of a zero
    (C, *S, N) array (one strided slice add per kernel position), the padding cropped; returned
    as a contiguous (N, C, *S) array."""
    K, Y, d = spec.K, spec.Y, len(spec.K)
    c, n = cols.shape[0], cols.shape[-1]
    padded = tuple(s + a + b for s, a, b in zip(spec.S, spec.lo, spec.hi))
    out = np.zeros((c,) + padded + (n,), cols.dtype)
    whole = (slice(None),)
    for k in np.ndindex(*K):
        dst = whole + tuple(slice(k[i] * spec.dilation[i], k[i] * spec.dilation[i] + (Y[i] - 1) * spec.stride[i] + 1,
                                  spec.stride[i]) for i in range(d))
        out[dst] += cols[whole + k]
    if any(spec.lo) or any(spec.hi):
        out = out[whole + tuple(slice(a, a + s) for a, s in zip(spec.lo, spec.S))]
    return np.ascontiguousarray(np.moveaxis(out, -1, 0))


KERNELS = {"y": conv_y, "x": conv_x, "w": conv_w}


# ============================================================================ the rule
def _partial(xp, spec, target, p, q):
    """The `target` partial of spec's trilinear form on operands p, q (in OPERANDS[target]'s
    order): on arrays the kernel; on Tensors a recorded ConvolutionBackward0 (differentiable)."""
    s = spec.sibling(target)
    if xp.apply_rule is None:
        return KERNELS[target](p, q, s)
    return xp.apply_rule(ConvolutionBackward0, p, q, None, s)


def _bias_shape(d):
    return (-1,) + (1,) * d


class ConvolutionBackward0(Rule):
    """A convolution's partial (see the module docstring) plus a bias on the channels:
    conv: y = x ⋆ w + b;  ∂/∂x = input_grad(G, w),  ∂/∂w = weight_grad(x, G),  ∂/∂b = Σ G over n, p.
    Transposed convolutions are input_grad(y, w) + b, with the roles turned around."""
    explain = Explain("conv({x}, {w})",
                      "∂(x ⋆ w + b)/∂x = g ⋆ᵀ w (the transposed convolution),  ∂/∂w = x ⋆ g (x correlated with g),  "
                      "∂/∂b = Σ g over batch and space (a transposed convolution: the roles turned around)")
    holomorphic = True
    batching = "batch_first"

    @staticmethod
    def forward(node, xp, a, b, bias, spec):
        if xp.apply_rule is not None:  # create_graph re-runs forward on Tensors only for `saved`
            node.saved = (a, b)
            return None
        if spec.target == "y":
            # small enough: keep the windows for the weight's gradient (big ones go in blocks, above)
            cols = cols_of(a, spec) if spec.groups != 1 or (_block_size(a, spec) >= a.shape[0]
                                                            and not _winograd(spec, a, b, a.shape[1], b.shape[0])) else None
            out = conv_y(a, b, spec, cols, bias)
            if node is not None and cols is not None:
                node.cols = cols
            if bias is not None and bias.dtype != out.dtype:
                out += bias.reshape(_bias_shape(len(spec.K)))
        else:
            out = KERNELS[spec.target](a, b, spec)
            if bias is not None:
                out += bias.reshape(_bias_shape(len(spec.K)))
        if node is not None:
            node.saved = (a, b)
            node.spec = spec
        return out

    @staticmethod
    def jvp(xp, t, out, a, b, bias, spec):
        r = spec.target
        total = None
        if t[0] is not None:
            total = _partial(xp, spec, r, t[0], b)
        if t[1] is not None:
            part = _partial(xp, spec, r, a, t[1])
            total = part if total is None else total + part
        if len(t) > 2 and t[2] is not None:
            part = t[2].reshape(_bias_shape(len(spec.K)))
            total = part if total is None else total + part
        return total

    def vjp(self, g, xp):
        a, b = self.saved
        spec = self.spec
        r = spec.target
        ra, rb = OPERANDS[r]
        edges = self.next_functions
        ga = gb = gbias = None
        if edges[0][0] is not None:  # a's partial, from g (in r's place) and b
            args = {r: g, rb: b}
            p, q = OPERANDS[ra]
            ga = _partial(xp, spec, ra, args[p], args[q])
        cols = self.__dict__.pop("cols", None)
        if edges[1][0] is not None and cols is not None and xp.apply_rule is None:
            gb = conv_w(a, g, spec.sibling("w"), cols)
        elif edges[1][0] is not None:
            args = {r: g, ra: a}
            p, q = OPERANDS[rb]
            gb = _partial(xp, spec, rb, args[p], args[q])
        if len(edges) > 2 and edges[2][0] is not None:
            gbias = xp.sum_dims(g, (0,) + tuple(range(2, 2 + len(spec.K))), False)
        return ga, gb, gbias
