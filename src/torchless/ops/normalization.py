"""Normalization ops (batch, layer, group and instance norm), forward beside vjp and jvp.

One fused rule normalises: the input, viewed as `stat_shape` (None: as it is), has its mean and
variance (biased) taken over `axes`; each element becomes x̂ = (x − mean) · invstd, with
invstd = 1/sqrt(var + eps); then x̂ · w + b, where w and b (each optional) are reshaped to `wshape`
so that they broadcast against the input. PyTorch's grad_fn names for each use are subclasses.

With N the number of elements a mean is taken over, and ĝ = g · w (in the stats view):

    ∂/∂x = invstd · (ĝ − mean(ĝ) − x̂ · mean(ĝ · x̂))
    ∂/∂w = Σ g · x̂   (over everything w is broadcast along)
    ∂/∂b = Σ g

The forward returns the result alone, or, in the `_NormalizeStats` variants, (out, mean, invstd)
(the last two plain: aux_outputs), so that batch norm's running statistics are updated from the
same numbers and the native_* forms return them. The eval-mode rule takes the mean and invstd
as constants (from the running statistics): it is affine in x.
"""
import math

import numpy as np

from ._rule import Explain, Rule


def _affine(xp, xh, w, b, wshape):
    if type(xh) is np.ndarray:  # the result is a new array, never x̂ itself (which the node saves)
        if w is not None:
            out = xh * w.reshape(wshape)
            if b is not None:
                out += b.reshape(wshape)
            return out
        return xh + b.reshape(wshape) if b is not None else xh.copy()
    out = xh
    if w is not None:
        out = out * w.reshape(wshape)
    if b is not None:
        out = out + b.reshape(wshape)
    return out


_ONES: dict = {}  # (length, dtype) -> a vector of ones, reused


def _ones(n, dtype):
    v = _ONES.get((n, dtype))
    if v is None:
        v = np.ones(n, dtype)
        v.flags.writeable = False
        if len(_ONES) < 64:
            _ONES[(n, dtype)] = v
    return v


def _trailing_rows(a, axes, n):
    """How many rows of n elements a is, when `axes` are its last dims and it is C-contiguous and
    floating (its sums over them are then BLAS products); else None."""
    nd = a.ndim
    k = len(axes)
    if a.dtype.kind != "f" or a.dtype.itemsize < 4 or not a.flags.c_contiguous or axes[0] != nd - k \
            or axes[-1] != nd - 1:
        return None
    return a.size // n


def _stats(xp, x, stat_shape, axes, eps):
    """(x̂ in the stats view, mean, invstd) of x."""
    xv = x if stat_shape is None else x.reshape(stat_shape)
    n = 1
    for a in axes:
        n *= xv.shape[a]
    if type(xv) is np.ndarray and n:  # on arrays: the same steps, with fewer temporaries
        rows = _trailing_rows(xv, axes, n)
        if rows is not None:  # the statistics of contiguous rows: sums as BLAS products (layer, group norm)
            kshape = xv.shape[:xv.ndim - len(axes)] + (1,) * len(axes)
            x2 = xv.reshape(rows, n)
            mean = (x2 @ _ones(n, xv.dtype)).reshape(kshape)
            mean *= 1.0 / n
            d = xv - mean
            d3 = d.reshape(rows, 1, n)
            var = (d3 @ d3.reshape(rows, n, 1)).reshape(kshape)
        else:
            mean = np.add.reduce(xv, axes, keepdims=True)
            mean *= 1.0 / n
            d = xv - mean
            var = np.add.reduce(np.square(d), axes, keepdims=True)
        var *= 1.0 / n
        var += eps
        invstd = 1.0 / np.sqrt(var)
        d *= invstd  # (d is ours: x̂ in place)
        return d, mean, invstd
    mean = xp.sum_dims(xv, axes, True) * (1.0 / n) if n else xp.sum_dims(xv, axes, True) * math.nan
    d = xv - mean
    var = xp.sum_dims(d * d, axes, True) * (1.0 / n) if n else mean
    invstd = xp.rsqrt(var + eps)
    return d * invstd, mean, invstd


def _centred(xp, gv, xhat, axes, n):
    """ĝ − mean(ĝ) − x̂ · mean(ĝ · x̂), means over `axes` (of n elements)."""
    inv_n = 1.0 / n if n else 0.0
    return gv - xp.sum_dims(gv, axes, True) * inv_n - xhat * (xp.sum_dims(gv * xhat, axes, True) * inv_n)


class _Normalize(Rule):
    """(x − mean) / sqrt(var + eps) · w + b, the statistics over `axes` of x viewed as `stat_shape`."""
    batching = "batch_first"
    explain = Explain("normalize({x})",
                      "x̂ = (x − μ)/σ:  ∂/∂x = (ĝ − mean ĝ − x̂·mean(ĝ·x̂))/σ,  ∂/∂w = Σ g·x̂,  ∂/∂b = Σ g")

    @staticmethod
    def forward(node, xp, x, w, b, stat_shape, axes, wshape, eps):
        return _normalize(node, xp, x, w, b, stat_shape, axes, wshape, eps)[0]

    @staticmethod
    def jvp(xp, t, out, x, w, b, stat_shape, axes, wshape, eps):
        xhat, _, invstd = _stats(xp, x, stat_shape, axes, eps)
        xh = xhat if stat_shape is None else xhat.reshape(x.shape)
        total = None
        if t[0] is not None:
            tv = t[0] if stat_shape is None else t[0].reshape(xhat.shape)
            n = math.prod(xhat.shape[a] for a in axes)
            dx = _centred(xp, tv, xhat, axes, n) * invstd
            dx = dx if stat_shape is None else dx.reshape(x.shape)
            total = dx if w is None else dx * w.reshape(wshape)
        if w is not None and t[1] is not None:
            part = xh * t[1].reshape(wshape)
            total = part if total is None else total + part
        if b is not None and t[2] is not None:
            part = t[2].reshape(wshape)
            total = part if total is None else total + part
        return total

    def vjp(self, g, xp):
        xhat, invstd, w = self.saved
        shape, stat_shape, axes, wshape, bshape = self.layout
        edges = self.next_functions
        grads = []
        if edges[0][0] is not None:
            gh = g if w is None else g * w.reshape(wshape)
            gv = gh if stat_shape is None else gh.reshape(stat_shape)
            n = math.prod(xhat.shape[a] for a in axes)
            if type(gv) is np.ndarray and n:  # on arrays: the same formula, in place where we may
                inv_n = 1.0 / n
                rows = _trailing_rows(gv, axes, n) if xhat.flags.c_contiguous else None
                if rows is not None:
                    kshape = gv.shape[:gv.ndim - len(axes)] + (1,) * len(axes)
                    s1 = (gv.reshape(rows, n) @ _ones(n, gv.dtype)).reshape(kshape)
                    s2 = (gv.reshape(rows, 1, n) @ xhat.reshape(rows, n, 1)).reshape(kshape)
                    s2 *= inv_n
                    t = xhat * s2
                else:
                    t = gv * xhat
                    s2 = np.add.reduce(t, axes, keepdims=True)
                    s2 *= inv_n
                    s1 = np.add.reduce(gv, axes, keepdims=True)
                    np.multiply(xhat, s2, out=t)
                s1 *= inv_n
                gx = gv - s1 if w is None else gv  # (g * w is ours)
                if w is not None:
                    gx -= s1
                gx -= t
                gx *= invstd
            else:
                gx = _centred(xp, gv, xhat, axes, n) * invstd
            grads.append(gx if stat_shape is None else gx.reshape(shape))
        else:
            grads.append(None)
        i = 1
        if w is not None:
            if edges[1][0] is not None:
                xh = xhat if stat_shape is None else xhat.reshape(shape)
                grads.append(xp.sum_to(g * xh, wshape).reshape(w.shape))
            else:
                grads.append(None)
            i = 2
        if bshape is not None:
            grads.append(None if edges[i][0] is None else xp.sum_to(g, wshape).reshape(bshape))
        return tuple(grads)


def _normalize(node, xp, x, w, b, stat_shape, axes, wshape, eps):
    xhat, mean, invstd = _stats(xp, x, stat_shape, axes, eps)
    xh = xhat if stat_shape is None else xhat.reshape(x.shape)
    if node is not None:
        node.saved = (xhat, invstd, w)
        node.layout = (x.shape, stat_shape, axes, wshape, None if b is None else b.shape)
    return _affine(xp, xh, w, b, wshape), mean, invstd


class _NormalizeStats(_Normalize):
    """_Normalize returning (out, mean, invstd), the statistics as plain tensors."""
    batching = "batch_first"
    aux_outputs = True

    @staticmethod
    def forward(node, xp, x, w, b, stat_shape, axes, wshape, eps):
        return _normalize(node, xp, x, w, b, stat_shape, axes, wshape, eps)


class _NormalizeBy(Rule):
    """(x − mean) · invstd · w + b with a constant mean and invstd (batch norm in eval mode)."""
    batching = "batch_first"
    explain = Explain("normalize({x}) (running statistics)",
                      "x̂ = (x − μ)·s, μ and s constants:  ∂/∂x = g·w·s,  ∂/∂w = Σ g·x̂,  ∂/∂b = Σ g")

    @staticmethod
    def forward(node, xp, x, w, b, mean, invstd, wshape):
        xh = (x - mean) * invstd
        if node is not None:
            node.saved = (xh, invstd, w)
            node.layout = (wshape, None if b is None else b.shape)
        return _affine(xp, xh, w, b, wshape)

    @staticmethod
    def jvp(xp, t, out, x, w, b, mean, invstd, wshape):
        total = None
        if t[0] is not None:
            total = t[0] * invstd if w is None else t[0] * (invstd * w.reshape(wshape))
        if w is not None and t[1] is not None:
            part = (x - mean) * invstd * t[1].reshape(wshape)
            total = part if total is None else total + part
        if b is not None and t[2] is not None:
            part = t[2].reshape(wshape)
            total = part if total is None else total + part
        return total

    def vjp(self, g, xp):
        xh, invstd, w = self.saved
        wshape, bshape = self.layout
        edges = self.next_functions
        grads = [None if edges[0][0] is None else (g * invstd if w is None else g * (invstd * w.reshape(wshape)))]
        i = 1
        if w is not None:
            grads.append(None if edges[1][0] is None else xp.sum_to(g * xh, wshape).reshape(w.shape))
            i = 2
        if bshape is not None:
            grads.append(None if edges[i][0] is None else xp.sum_to(g, wshape).reshape(bshape))
        return tuple(grads)


def _named(base, name, doc, expression):
    explain = Explain(expression, base.explain.rule if base.explain is not None else None)
    return type(name, (base,), {"__doc__": doc, "__module__": __name__, "__slots__": (), "explain": explain})


NativeBatchNormBackward0 = _named(_NormalizeStats, "NativeBatchNormBackward0",
                                  "batch_norm while training: statistics over every dim but the channels (dim 1).", "batch_norm({x})")
BatchNormNoStats = _named(_Normalize, "NativeBatchNormBackward0",
                          "batch_norm while training without running statistics to update.", "batch_norm({x})")
NativeBatchNormEval = _named(_NormalizeBy, "NativeBatchNormBackward0",
                             "batch_norm in eval mode: the running statistics, constants.", "batch_norm({x}) (running statistics)")
NativeLayerNormBackward0 = _named(_Normalize, "NativeLayerNormBackward0",
                                  "layer_norm: statistics over the trailing normalized_shape dims.", "layer_norm({x})")
NativeLayerNormStats = _named(_NormalizeStats, "NativeLayerNormBackward0",
                              "native_layer_norm: layer_norm with its mean and 1/std.", "layer_norm({x})")
NativeGroupNormBackward0 = _named(_Normalize, "NativeGroupNormBackward0",
                                  "group_norm: statistics over each group of channels and the spatial dims.", "group_norm({x})")
InstanceNormBackward = _named(_NormalizeStats, "ViewBackward0",
                              "instance_norm: statistics over the spatial dims of each (sample, channel).", "instance_norm({x})")
InstanceNormEval = _named(_NormalizeBy, "ViewBackward0",
                          "instance_norm with the running statistics, constants.", "instance_norm({x}) (running statistics)")
# (vmap: the norms fold its batch into N, "batch_first", but layer norm's statistics are over the last
# dims, which take any leading dims: "batch_dims")
NativeLayerNormBackward0.batching = NativeLayerNormStats.batching = "batch_dims"


# ============================================================================ embedding
class EmbeddingBackward0(Rule):
    """weight[indices]: rows of the table. ∂/∂weight = the rows of g added at their indices (the
    padding_idx row gets none; scale_grad_by_freq divides each by how often its index occurs)."""
    batching = "batch_dims"
    nondiff = (1,)
    keeps_indices = True  # (PyTorch saves the indices: a second backward without retain_graph raises)
    explain = Explain("{W}[indices]", "rows of W:  ∂/∂W = g's rows added into the rows they came from")

    @staticmethod
    def forward(node, xp, weight, indices, padding_idx, scale_grad_by_freq):
        if node is not None:
            node.layout = (weight.shape, weight.dtype, indices, padding_idx, scale_grad_by_freq)
        return weight[indices]

    @staticmethod
    def jvp(xp, t, out, weight, indices, padding_idx, scale_grad_by_freq):
        return t[0][indices]

    def vjp(self, g, xp):
        shape, dtype, indices, padding_idx, by_freq = self.layout
        dim = shape[1]
        flat = indices.reshape(-1)
        rows = g.reshape((-1, dim))
        if by_freq or padding_idx is not None:
            scale = np.ones(flat.shape, dtype=dtype)
            if by_freq:
                counts = np.bincount(flat, minlength=shape[0])
                scale = scale / counts[flat].astype(dtype)
            if padding_idx is not None:
                scale = scale * (flat != padding_idx)
            rows = rows * scale.reshape(-1, 1).astype(dtype)
        return (xp.index_add(shape, dtype, flat, rows),)
