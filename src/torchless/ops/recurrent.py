"""Recurrent layers (nn.RNN, nn.GRU, nn.LSTM): one node per layer and direction, its backward through
time written by hand.

A layer runs over the whole sequence x (T, B, I), time first, from the initial state h0 (B, Hout)
(and c0 (B, H) for an LSTM) with PyTorch's weights: w_ih (G, I), w_hh (G, Hout), the biases b_ih and
b_hh (G,) or None, and for an LSTM with projections w_hr (Hout, H). Its outputs are every step's
hidden state (T, B, Hout), the last hidden state (B, Hout) and, for an LSTM, the last cell state.
`reverse` runs the sequence from its end (the backward direction of a bidirectional layer).

The input's share of every gate, x W_ihᵀ + b, is one matrix product for all steps; each step then
adds h W_hhᵀ and does its gate arithmetic. PyTorch's gate order and formulas:

    RNN:  h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh)      (or relu)
    LSTM: i, f, g, o = σ, σ, tanh, σ of the four quarters of x W_ihᵀ + b_ih + h W_hhᵀ + b_hh
          c' = f c + i g,   h' = o tanh(c')   (then h' W_hrᵀ with projections)
    GRU:  r, z = σ of the first two thirds of x W_ihᵀ + b_ih + h W_hhᵀ + b_hh
          n = tanh(x W_inᵀ + b_in + r (h W_hnᵀ + b_hn)),   h' = (1 − z) n + z h

The vjp walks the steps backwards (backpropagation through time), collecting each step's gradient
of the gate pre-activations; the weights' gradients are then one matrix product each over all
steps, and the input's gradient one product with W_ih.

Two versions of the same arithmetic: `_forward`/`_backward` are written over `xp`, so they run on
arrays and, under create_graph, on Tensors (the vjp records, and a second derivative goes through
it); `_lstm_forward_np`/`_lstm_backward_np` and `_gru_forward_np`/`_gru_backward_np` are the LSTM's
and the GRU's on arrays, in place in preallocated buffers (the hot path of a language model's
training step). The Elman RNN's few ops per step take the xp version on arrays too.
"""
import numpy as np

from ._rule import Explain, Rule

__all__ = ["MkldnnRnnLayerBackward0", "GruLayerBackward0", "RnnTanhLayerBackward0", "RnnReluLayerBackward0",
           "MODES"]

MODES = ("LSTM", "GRU", "RNN_TANH", "RNN_RELU")


# ================================================================================ over xp (any namespace)
def _forward(xp, mode, x, h, c, w_ih, w_hh, b_ih, b_hh, w_hr, reverse, keep):
    """Run the layer; returns (out, h_n, c_n, steps) where steps (when `keep`) lists each step's
    saved values in the order the steps ran."""
    T = x.shape[0]
    H = w_hh.shape[0] // (4 if mode == "LSTM" else 3 if mode == "GRU" else 1)
    w_hhT = xp.swapaxes(w_hh, 0, 1)
    xw = xp.matmul(x, xp.swapaxes(w_ih, 0, 1))
    if b_ih is not None:
        xw = xw + (b_ih if mode == "GRU" else b_ih + b_hh)
    w_hrT = None if w_hr is None else xp.swapaxes(w_hr, 0, 1)
    outs = [None] * T
    steps = []
    for t in (range(T - 1, -1, -1) if reverse else range(T)):
        gx = xw[t]
        gh = xp.matmul(h, w_hhT)
        if mode == "LSTM":
            a = gx + gh
            i = xp.sigmoid(a[:, :H])
            f = xp.sigmoid(a[:, H:2 * H])
            g = xp.tanh(a[:, 2 * H:3 * H])
            o = xp.sigmoid(a[:, 3 * H:])
            c_prev = c
            c = f * c + i * g
            tc = xp.tanh(c)
            hpre = o * tc
            h_prev = h
            h = hpre if w_hrT is None else xp.matmul(hpre, w_hrT)
            if keep:
                steps.append((i, f, g, o, c_prev, tc, hpre, h_prev))
        elif mode == "GRU":
            if b_hh is not None:
                gh = gh + b_hh
            r = xp.sigmoid(gx[:, :H] + gh[:, :H])
            z = xp.sigmoid(gx[:, H:2 * H] + gh[:, H:2 * H])
            ghn = gh[:, 2 * H:]
            n = xp.tanh(gx[:, 2 * H:] + r * ghn)
            h_prev = h
            h = n + z * (h - n)
            if keep:
                steps.append((r, z, n, ghn, h_prev))
        else:
            h_prev = h
            a = gx + gh
            h = xp.tanh(a) if mode == "RNN_TANH" else xp.relu(a)
            if keep:
                steps.append((h, h_prev))
        outs[t] = h
    return xp.stack(outs, 0), h, c, steps


def _backward(xp, mode, x, w_ih, w_hh, w_hr, has_bias, reverse, steps, g_out, g_h, g_c, needs):
    """The gradients (x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr) from the steps _forward kept; those
    not in `needs` (a set of names) are None."""
    T = x.shape[0]
    H = w_hh.shape[0] // (4 if mode == "LSTM" else 3 if mode == "GRU" else 1)
    ref = steps[0][-1]  # an h of the right shape and dtype
    dh = g_h if g_h is not None else xp.zeros_like(ref)
    dc = None
    if mode == "LSTM":
        dc = g_c if g_c is not None else xp.zeros_like(steps[0][4])
    d_in = [None] * T   # each step's gradient of the input's share of the gates (time order)
    d_rec = [None] * T  # ... of h W_hhᵀ + b_hh's
    d_proj = [None] * T
    order = list(range(T - 1, -1, -1)) if reverse else list(range(T))
    for k in range(T - 1, -1, -1):
        t = order[k]
        if g_out is not None:
            dh = dh + g_out[t]
        if mode == "LSTM":
            i, f, g, o, c_prev, tc, hpre, h_prev = steps[k]
            if w_hr is not None:
                d_proj[t] = dh
                dh = xp.matmul(dh, w_hr)
            dc = dc + dh * o * (1 - tc * tc)
            da = xp.concatenate([dc * g * i * (1 - i), dc * c_prev * f * (1 - f), dc * i * (1 - g * g),
                                 dh * tc * o * (1 - o)], 1)
            dc = dc * f
            d_in[t] = d_rec[t] = da
            dh = xp.matmul(da, w_hh)
        elif mode == "GRU":
            r, z, n, ghn, h_prev = steps[k]
            dn = dh * (1 - z) * (1 - n * n)
            dz = dh * (h_prev - n) * z * (1 - z)
            dr = dn * ghn * r * (1 - r)
            d_in[t] = xp.concatenate([dr, dz, dn], 1)
            d_rec[t] = xp.concatenate([dr, dz, dn * r], 1)
            dh = dh * z + xp.matmul(d_rec[t], w_hh)
        else:
            hn, h_prev = steps[k]
            da = dh * (1 - hn * hn) if mode == "RNN_TANH" else xp.where(hn > 0, dh, 0 * dh)
            d_in[t] = d_rec[t] = da
            dh = xp.matmul(da, w_hh)
    grads = dict.fromkeys(("x", "h0", "c0", "w_ih", "w_hh", "b_ih", "b_hh", "w_hr"))
    grads["h0"] = dh
    grads["c0"] = dc
    G = w_hh.shape[0]
    dA = xp.stack(d_in, 0)
    if "x" in needs:
        grads["x"] = xp.matmul(dA, w_ih)
    if "w_ih" in needs:
        grads["w_ih"] = xp.matmul(xp.swapaxes(dA.reshape(T * x.shape[1], G), 0, 1), x.reshape(T * x.shape[1], -1))
    dR = dA if mode != "GRU" else xp.stack(d_rec, 0)
    if "w_hh" in needs:
        h_prev_all = xp.stack([s[-1] for s in (steps if not reverse else steps[::-1])], 0)
        grads["w_hh"] = xp.matmul(xp.swapaxes(dR.reshape(-1, G), 0, 1), h_prev_all.reshape(-1, w_hh.shape[1]))
    if has_bias:
        grads["b_ih"] = xp.sum_dims(dA.reshape(-1, G), 0, False) if "b_ih" in needs else None
        grads["b_hh"] = xp.sum_dims(dR.reshape(-1, G), 0, False) if "b_hh" in needs else None
    if w_hr is not None and "w_hr" in needs:
        hpre_all = xp.stack([s[6] for s in (steps if not reverse else steps[::-1])], 0)
        dP = xp.stack(d_proj, 0)
        grads["w_hr"] = xp.matmul(xp.swapaxes(dP.reshape(-1, dP.shape[-1]), 0, 1), hpre_all.reshape(-1, H))
    return grads


# ================================================================================ the LSTM on arrays, in place
def _sigmoid_(a):
    """σ(a) in place, as ½ + ½ tanh(a/2) (no overflow for any a)."""
    a *= 0.5
    np.tanh(a, out=a)
    a *= 0.5
    a += 0.5


def _lstm_forward_np(x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, reverse):
    """The LSTM layer on arrays. Returns (out, h_n, c_n, saved). The gates are kept gate first,
    (4, T, B, H), so that every gate of a step is one contiguous block (NumPy's vectorised loops
    need that: on the columns of a (B, 4H) matrix they run several times slower). saved holds the
    activated gates, tanh(c) (T, B, H), and the hidden and cell states (T+1, B, ·), all indexed by
    time: for a forward run state[t] comes before step t and state[t+1] after it; reversed, the
    other way round."""
    T, B, I = x.shape
    G = w_hh.shape[0]
    H = G // 4
    Hout = w_hh.shape[1]
    dtype = x.dtype
    x2 = x.reshape(T * B, I)
    acts = np.empty((4, T, B, H), dtype)
    bias = None if b_ih is None else (b_ih + b_hh).reshape(4, 1, H)
    for k in range(4):
        np.matmul(x2, w_ih[k * H:(k + 1) * H].T, out=acts[k].reshape(T * B, H))
        if bias is not None:
            acts[k] += bias[k]
    hs = np.empty((T + 1, B, Hout), dtype)
    cs = np.empty((T + 1, B, H), dtype)
    tcs = np.empty((T, B, H), dtype)
    hpres = None if w_hr is None else np.empty((T, B, H), dtype)
    start = T if reverse else 0
    hs[start] = h0
    cs[start] = c0
    w4T = w_hh.reshape(4, H, Hout).transpose(0, 2, 1)  # (4, Hout, H): h @ w4T[k] is gate k's share
    w_hrT = None if w_hr is None else w_hr.T
    gh = np.empty((4, B, H), dtype)
    tmp = np.empty((B, H), dtype)
    step = -1 if reverse else 1
    for t in (range(T - 1, -1, -1) if reverse else range(T)):
        before = t + 1 if reverse else t
        after = before + step
        a = acts[:, t]
        np.matmul(hs[before], w4T, out=gh)
        a += gh
        _sigmoid_(a[:2])
        _sigmoid_(a[3])
        np.tanh(a[2], out=a[2])
        c = cs[after]
        np.multiply(a[1], cs[before], out=c)
        np.multiply(a[0], a[2], out=tmp)
        c += tmp
        tc = tcs[t]
        np.tanh(c, out=tc)
        if w_hrT is None:
            np.multiply(a[3], tc, out=hs[after])
        else:
            np.multiply(a[3], tc, out=hpres[t])
            np.matmul(hpres[t], w_hrT, out=hs[after])
    out = hs[:T].copy() if reverse else hs[1:].copy()
    end = 0 if reverse else T
    return out, hs[end].copy(), cs[end].copy(), (acts, tcs, hs, cs, hpres)


def _input_side_grads(grads, needs, flat, x, w_ih, H):
    """The gradients of x (T, B, in) and w_ih from the gates' pre-activation gradients `flat`
    (gates, T * B, H): the input side is one product per gate for the whole sequence."""
    T, B = x.shape[:2]
    if "x" in needs:
        dx = flat[0] @ w_ih[:H]
        for k in range(1, flat.shape[0]):
            dx += flat[k] @ w_ih[k * H:(k + 1) * H]
        grads["x"] = dx.reshape(T, B, -1)
    if "w_ih" in needs:
        x2 = x.reshape(T * B, -1)
        grads["w_ih"] = np.concatenate([flat[k].T @ x2 for k in range(flat.shape[0])], 0)


def _lstm_backward_np(x, w_ih, w_hh, w_hr, has_bias, reverse, saved, g_out, g_h, g_c, needs):
    """The gradients of _lstm_forward_np's layer (the same dict as _backward's)."""
    acts, tcs, hs, cs, hpres = saved
    _, T, B, H = acts.shape
    Hout = w_hh.shape[1]
    dtype = acts.dtype
    dh = np.zeros((B, Hout), dtype) if g_h is None else g_h.astype(dtype, copy=True)
    dc = np.zeros((B, H), dtype) if g_c is None else g_c.astype(dtype, copy=True)
    dA = np.empty((4, T, B, H), dtype)
    dP = None if w_hr is None else np.empty((T, B, Hout), dtype)
    w4 = w_hh.reshape(4, H, Hout)
    tmp = np.empty((B, H), dtype)
    s = np.empty((2, B, H), dtype)
    part = np.empty((B, Hout), dtype)
    for t in (range(T) if reverse else range(T - 1, -1, -1)):
        before = t + 1 if reverse else t
        if g_out is not None:
            dh += g_out[t]
        if w_hr is not None:
            dP[t] = dh
            dh = dh @ w_hr
        a = acts[:, t]
        i, f, g, o = a[0], a[1], a[2], a[3]
        tc = tcs[t]
        # dc += dh · o · (1 − tanh(c)²)
        np.multiply(tc, tc, out=tmp)
        np.subtract(1, tmp, out=tmp)
        tmp *= o
        tmp *= dh
        dc += tmp
        da = dA[:, t]
        # i: dc · g · σ'(i);  f: dc · c_prev · σ'(f);  g: dc · i · (1 − g²);  o: dh · tanh(c) · σ'(o)
        np.multiply(a[:2], a[:2], out=s)
        np.subtract(a[:2], s, out=s)
        np.multiply(dc, g, out=da[0])
        np.multiply(dc, cs[before], out=da[1])
        da[:2] *= s
        np.multiply(g, g, out=tmp)
        np.subtract(1, tmp, out=tmp)
        tmp *= i
        np.multiply(dc, tmp, out=da[2])
        np.multiply(o, o, out=tmp)
        np.subtract(o, tmp, out=tmp)
        tmp *= tc
        np.multiply(dh, tmp, out=da[3])
        dc *= f
        dh = da[0] @ w4[0]
        for k in range(1, 4):
            np.matmul(da[k], w4[k], out=part)
            dh += part
    grads = dict.fromkeys(("x", "h0", "c0", "w_ih", "w_hh", "b_ih", "b_hh", "w_hr"))
    grads["h0"], grads["c0"] = dh, dc
    flat = dA.reshape(4, T * B, H)
    _input_side_grads(grads, needs, flat, x, w_ih, H)
    if "w_hh" in needs:
        h_prev = (hs[1:] if reverse else hs[:T]).reshape(T * B, Hout)
        grads["w_hh"] = np.concatenate([flat[k].T @ h_prev for k in range(4)], 0)
    if has_bias and ("b_ih" in needs or "b_hh" in needs):
        db = np.add.reduce(flat, 1).reshape(4 * H)
        grads["b_ih"] = db if "b_ih" in needs else None
        grads["b_hh"] = db.copy() if "b_hh" in needs else None
    if w_hr is not None and "w_hr" in needs:
        grads["w_hr"] = dP.reshape(T * B, Hout).T @ hpres.reshape(T * B, H)
    return grads


def _gru_forward_np(x, h0, w_ih, w_hh, b_ih, b_hh, reverse):
    """The GRU layer on arrays, gates gate first (3, T, B, H) as in _lstm_forward_np. Returns
    (out, h_n, saved): the activated gates r, z, n, each step's W_hn h + b_hn (T, B, H) and the hidden
    states (T+1, B, H) indexed by time as the LSTM's."""
    T, B, I = x.shape
    H = w_hh.shape[1]
    dtype = x.dtype
    x2 = x.reshape(T * B, I)
    acts = np.empty((3, T, B, H), dtype)
    for k in range(3):
        np.matmul(x2, w_ih[k * H:(k + 1) * H].T, out=acts[k].reshape(T * B, H))
        if b_ih is not None:
            acts[k] += b_ih[k * H:(k + 1) * H]
    hs = np.empty((T + 1, B, H), dtype)
    ghns = np.empty((T, B, H), dtype)
    hs[T if reverse else 0] = h0
    w3T = w_hh.reshape(3, H, H).transpose(0, 2, 1)
    b3 = None if b_hh is None else b_hh.reshape(3, 1, H)
    gh = np.empty((3, B, H), dtype)
    tmp = np.empty((B, H), dtype)
    step = -1 if reverse else 1
    for t in (range(T - 1, -1, -1) if reverse else range(T)):
        before = t + 1 if reverse else t
        after = before + step
        a = acts[:, t]
        h = hs[before]
        np.matmul(h, w3T, out=gh)
        if b3 is not None:
            gh += b3
        a[:2] += gh[:2]
        _sigmoid_(a[:2])
        ghns[t] = gh[2]
        np.multiply(a[0], gh[2], out=tmp)
        a[2] += tmp
        np.tanh(a[2], out=a[2])
        np.subtract(h, a[2], out=tmp)
        tmp *= a[1]
        np.add(a[2], tmp, out=hs[after])
    out = hs[:T].copy() if reverse else hs[1:].copy()
    return out, hs[0 if reverse else T].copy(), (acts, ghns, hs)


def _gru_backward_np(x, w_ih, w_hh, has_bias, reverse, saved, g_out, g_h, needs):
    """The gradients of _gru_forward_np's layer (the same dict as _backward's)."""
    acts, ghns, hs = saved
    _, T, B, H = acts.shape
    dtype = acts.dtype
    dh = np.zeros((B, H), dtype) if g_h is None else g_h.astype(dtype, copy=True)
    dA = np.empty((3, T, B, H), dtype)  # the gradients of the input's shares (r, z, n)
    dRn = np.empty((T, B, H), dtype)    # of W_hn h + b_hn (r, z: the same as the input's)
    w3 = w_hh.reshape(3, H, H)
    tmp = np.empty((B, H), dtype)
    part = np.empty((B, H), dtype)
    for t in (range(T) if reverse else range(T - 1, -1, -1)):
        before = t + 1 if reverse else t
        if g_out is not None:
            dh += g_out[t]
        a = acts[:, t]
        r, z, n = a[0], a[1], a[2]
        da = dA[:, t]
        # n: dh (1 − z)(1 − n²)
        np.multiply(n, n, out=tmp)
        np.subtract(1, tmp, out=tmp)
        np.subtract(1, z, out=da[2])
        da[2] *= tmp
        da[2] *= dh
        # z: dh (h − n) z (1 − z)
        np.multiply(z, z, out=tmp)
        np.subtract(z, tmp, out=tmp)
        np.subtract(hs[before], n, out=da[1])
        da[1] *= tmp
        da[1] *= dh
        # r: dn (W_hn h + b_hn) r (1 − r)
        np.multiply(r, r, out=tmp)
        np.subtract(r, tmp, out=tmp)
        tmp *= ghns[t]
        np.multiply(da[2], tmp, out=da[0])
        np.multiply(da[2], r, out=dRn[t])
        dh *= z
        np.matmul(da[0], w3[0], out=part)
        dh += part
        np.matmul(da[1], w3[1], out=part)
        dh += part
        np.matmul(dRn[t], w3[2], out=part)
        dh += part
    grads = dict.fromkeys(("x", "h0", "c0", "w_ih", "w_hh", "b_ih", "b_hh", "w_hr"))
    grads["h0"] = dh
    flat = dA.reshape(3, T * B, H)
    rec = (flat[0], flat[1], dRn.reshape(T * B, H))
    _input_side_grads(grads, needs, flat, x, w_ih, H)
    if "w_hh" in needs:
        h_prev = (hs[1:] if reverse else hs[:T]).reshape(T * B, H)
        grads["w_hh"] = np.concatenate([d.T @ h_prev for d in rec], 0)
    if has_bias:
        if "b_ih" in needs:
            grads["b_ih"] = np.add.reduce(flat, 1).reshape(3 * H)
        if "b_hh" in needs:
            grads["b_hh"] = np.concatenate([np.add.reduce(d, 0) for d in rec])
    return grads


# ================================================================================ the rules
_NAMES = ("x", "h0", "c0", "w_ih", "w_hh", "b_ih", "b_hh", "w_hr")


class _RecurrentLayer(Rule):
    """One recurrent layer in one direction over a whole sequence (see the module docstring).
    forward(x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, mode, reverse); c0, the biases and w_hr may be
    None. Outputs: (out, h_n) or, for an LSTM, (out, h_n, c_n)."""
    batching = "loop"  # vmap never meets this fused rule: under vmap the layer runs as recorded per-step ops
    multi_output = True
    explain = Explain("recurrent_layer({x}, {h0})",
                      "backpropagation through time: each step's gate gradients, then one product per weight")

    @staticmethod
    def forward(node, xp, x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, mode, reverse):
        lstm = mode == "LSTM"
        fast = (lstm or mode == "GRU") and type(x) is np.ndarray
        if fast and lstm:
            out, h_n, c_n, saved = _lstm_forward_np(x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, reverse)
        elif fast:
            out, h_n, saved = _gru_forward_np(x, h0, w_ih, w_hh, b_ih, b_hh, reverse)
            c_n = None
        else:
            out, h_n, c_n, saved = _forward(xp, mode, x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, reverse,
                                            node is not None)
            if type(x) is np.ndarray:  # outputs of their own (the steps keep theirs)
                h_n = h_n.copy()
                c_n = None if c_n is None else c_n.copy()
        if node is not None:
            node.num_outputs = 3 if lstm else 2
            node.saved = (saved, x, w_ih, w_hh, w_hr)
            node.layout = (mode, reverse, fast, b_ih is not None,
                           tuple(name for name, v in zip(_NAMES, (x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr))
                                 if v is not None))
        return (out, h_n, c_n) if lstm else (out, h_n)

    def vjp(self, grads, xp):
        saved, x, w_ih, w_hh, w_hr = self.saved
        mode, reverse, fast, has_bias, present = self.layout
        g_out, g_h = grads[0], grads[1]
        g_c = grads[2] if mode == "LSTM" else None
        needs = {name for name, (fn, _) in zip(present, self.next_functions) if fn is not None}
        if fast and type(x) is np.ndarray and mode == "LSTM":
            d = _lstm_backward_np(x, w_ih, w_hh, w_hr, has_bias, reverse, saved, g_out, g_h, g_c, needs)
        elif fast and type(x) is np.ndarray:
            d = _gru_backward_np(x, w_ih, w_hh, has_bias, reverse, saved, g_out, g_h, needs)
        else:
            d = _backward(xp, mode, x, w_ih, w_hh, w_hr, has_bias, reverse, saved, g_out, g_h, g_c, needs)
        return tuple([d[name] if name in needs else None for name in present])


def _named(name, doc, expression):
    explain = Explain(expression, _RecurrentLayer.explain.rule if _RecurrentLayer.explain is not None else None)
    return type(name, (_RecurrentLayer,), {"__doc__": doc, "__module__": __name__, "__slots__": (), "explain": explain})


MkldnnRnnLayerBackward0 = _named("MkldnnRnnLayerBackward0", "An LSTM layer in one direction (PyTorch's CPU name).",
                                 "lstm_layer({x}, {h0}, {c0})")
# (PyTorch's CPU GRU and Elman RNN record each step, so their outputs' grad_fn prints StackBackward0: the
# fused rules take that name; its LSTM has a fused node of its own, named as above)
GruLayerBackward0 = _named("StackBackward0", "A GRU layer in one direction.", "gru_layer({x}, {h0})")
RnnTanhLayerBackward0 = _named("StackBackward0", "An Elman RNN layer (tanh) in one direction.",
                               "rnn_tanh_layer({x}, {h0})")
RnnReluLayerBackward0 = _named("StackBackward0", "An Elman RNN layer (relu) in one direction.",
                               "rnn_relu_layer({x}, {h0})")
RULES = {"LSTM": MkldnnRnnLayerBackward0, "GRU": GruLayerBackward0, "RNN_TANH": RnnTanhLayerBackward0,
         "RNN_RELU": RnnReluLayerBackward0}
