"""Winograd's minimal filtering F(2x2, 3x3) for big 3x3, stride-1 convolutions (Lavin & Gray, "Fast
Algorithms for Convolutional Neural Networks", CVPR 2016): 2.25x fewer multiplications than the
direct (im2col) method, which on NumPy's BLAS is 2.25x fewer GEMM flops. At the end of the module, a
stride-2 form of the same idea for the input gradient of 3x3 stride-2 convolutions.

The one-dimensional algorithm F(2, 3) computes two outputs of a 3-tap correlation,
y0 = d0·g0 + d1·g1 + d2·g2 and y1 = d1·g0 + d2·g1 + d3·g2, from a 4-sample input tile d with four
products instead of six:

    m0 = (d0 - d2)·g0            m1 = (d1 + d2)·(g0 + g1 + g2)/2
    m3 = (d1 - d3)·g2            m2 = (d2 - d1)·(g0 - g1 + g2)/2
    y0 = m0 + m1 + m2            y1 = m1 - m2 - m3

In matrix form y = Aᵀ[(G g) ⊙ (Bᵀ d)], with

    Bᵀ = [[1, 0, -1, 0],   G = [[1,    0,   0],   Aᵀ = [[1, 1,  1,  0],
          [0, 1,  1, 0],        [1/2, 1/2, 1/2],         [0, 1, -1, -1]]
          [0, -1, 1, 0],        [1/2, -1/2, 1/2],
          [0, 1,  0, -1]]       [0,    0,   1]]

and nesting it over both spatial dims gives F(2x2, 3x3): a 2x2 output tile of a 3x3 correlation is
Y = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A, from the 4x4 input tile d at the same place (tiles step by 2, so they
overlap by 2). Over channels the elementwise product becomes a sum, which is what makes it fast: for
each of the 16 positions ξ of the 4x4 transformed tile,

    M[ξ] (O, P) = U[ξ] (O, C) @ V[ξ] (C, P),   U = G g Gᵀ per (o, c),  V = Bᵀ d B per (c, tile),

one batched matmul of 16 GEMMs with P = N · tiles columns, where the direct method has one GEMM with
C·9 rows per output pixel (16/4 = 4 products per output against 9: 2.25x). The transforms use only
0, ±1 and ±1/2, so the float32 rounding error is a small multiple of the direct method's.

Here the transforms are a handful of strided-slice adds over whole arrays (no loop over pixels or
tiles): the rows of every tile at once (a slice with step 2), then the columns. The input is copied
once into a zero buffer of whole tiles, channels last, (N, 2·th + 2, 2·tw + 2, C): the padding, and
an odd output size rounded up to whole tiles (the extra row/column is cropped from the result). V is
stored as (16, P, C) and the GEMMs read it transposed; M comes out (16, O, P).

The three partials of the convolution (see ops/conv.py) all use it:
- y = x ⋆ w: `correlate(x, weight_transform(w), lo, Y)` as above;
- ∂/∂x of a 3x3 stride-1 convolution is itself a 3x3 stride-1 correlation, of the gradient padded by
  2 - lo (before) with the weight flipped in space and with its channels swapped: `correlate` again;
- ∂/∂w: the adjoint of the forward's algebra, dM[ξ] = A dY Aᵀ per output tile, dU[ξ] = dM[ξ] (O, P)
  @ V[ξ]ᵀ (P, C) (V recomputed from x here, not kept from the forward), then dg = Gᵀ dU G.
All three run in blocks of examples (about BLOCK_BYTES of transformed tiles each), so that the
temporaries stay in cache and their memory bounded.
"""
import numpy as np

# transformed tiles (16 · C · tiles values) per block of examples ...
BLOCK_BYTES = 1 << 22
# ... but at least this many tiles per block: the GEMMs' other dimension (few tiles of many channels
# would make them thin and slow)
MIN_TILES = 512

# G with its last row negated: the weight gradient builds dM with A's last row (0, -1) negated to
# (0, 1) (two copies rather than two negations); negating G's last row undoes it in dg = Gᵀ dU G
_G = np.array([[1.0, 0.0, 0.0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0.0, 0.0, 1.0]])
_G_NEG = _G * np.array([[1.0], [1.0], [1.0], [-1.0]])
_GG_NEG = np.kron(_G_NEG, _G_NEG)


def _tiles(Y):
    """Tiles per spatial dim for an output of size Y: ceil(Y / 2) each."""
    return (Y[0] + 1) // 2, (Y[1] + 1) // 2


def _examples_per_block(n, c, th, tw, itemsize, alpha=16):
    """Examples per block: about BLOCK_BYTES of transformed tiles (alpha values per tile and channel),
    and at least MIN_TILES tiles."""
    by_bytes = BLOCK_BYTES // max(alpha * c * th * tw * itemsize, 1)
    return max(1, min(n, max(by_bytes, -(-MIN_TILES // (th * tw)))))


# G ⊗ G as a (16, 9) matrix: U[ξ = 4a + b] = Σ_{k, l} G[a, k] G[b, l] g[3k + l], all (o, c) in one GEMM
_GG = np.kron(_G, _G)


def weight_transform(w, flipped=False):
    """U = G g Gᵀ for every (o, c): (O, C, 3, 3) -> (16, O, C), as one (16, 9) @ (9, O·C) GEMM.
    flipped: of the kernel turned by 180 degrees, g[2 - k, 2 - l] (the input gradient's)."""
    o, c = w.shape[:2]
    gg = _GG[:, ::-1] if flipped else _GG
    return np.matmul(gg.astype(w.dtype), w.reshape(o * c, 9).T).reshape(16, o, c)


def _tile_buffer(x, lo, th, tw, hp=None, wp=None):
    """x (n, C, H, W) placed at offset lo (cropped where it falls outside) in a zero (n, hp, wp, C)
    buffer (by default 2·th + 2 by 2·tw + 2): the padded input of th x tw tiles, channels last (so
    that the transforms' slices move runs of whole pixels, C values each, rather than a few values of
    one image row)."""
    n, c, h, w = x.shape
    if hp is None:
        hp, wp = 2 * th + 2, 2 * tw + 2
    buf = np.zeros((n, hp, wp, c), x.dtype)
    r0, r1 = max(0, -lo[0]), min(h, hp - lo[0])
    c0, c1 = max(0, -lo[1]), min(w, wp - lo[1])
    if r0 < r1 and c0 < c1:
        buf[:, r0 + lo[0]:r1 + lo[0], c0 + lo[1]:c1 + lo[1]] = x[:, :, r0:r1, c0:c1].transpose(0, 2, 3, 1)
    return buf


def _input_transform(d, th, tw):
    """V = Bᵀ d B for every 4x4 tile of the buffer d (n, 2·th + 2, 2·tw + 2, C) -> (16, n·th·tw, C).
    Rows of Bᵀ: (d0 - d2, d1 + d2, d2 - d1, d1 - d3); applied to the tiles' rows (slices with step 2
    pick row i of every tile), then to their columns."""
    n, _, wp, c = d.shape
    r = [d[:, i:i + 2 * th - 1:2] for i in range(4)]
    t = np.empty((4, n, th, wp, c), d.dtype)
    np.subtract(r[0], r[2], out=t[0])
    np.add(r[1], r[2], out=t[1])
    np.subtract(r[2], r[1], out=t[2])
    np.subtract(r[1], r[3], out=t[3])
    q = [t[:, :, :, j:j + 2 * tw - 1:2] for j in range(4)]
    v = np.empty((4, 4, n, th, tw, c), d.dtype)
    np.subtract(q[0], q[2], out=v[:, 0])
    np.add(q[1], q[2], out=v[:, 1])
    np.subtract(q[2], q[1], out=v[:, 2])
    np.subtract(q[1], q[3], out=v[:, 3])
    return v.reshape(16, n * th * tw, c)


def _output_transform(m, out, th, tw):
    """Y = Aᵀ M A per tile: m (16, O, n·th·tw) -> written into out (n, O, 2·th, 2·tw).
    Rows of Aᵀ: (m0 + m1 + m2, m1 - m2 - m3); over the tiles' columns, then their rows."""
    n, o = out.shape[:2]
    m = m.reshape(4, 4, o, n, th, tw)
    s = np.empty((4, 2, o, n, th, tw), m.dtype)
    np.add(m[:, 0], m[:, 1], out=s[:, 0])
    s[:, 0] += m[:, 2]
    np.subtract(m[:, 1], m[:, 2], out=s[:, 1])
    s[:, 1] -= m[:, 3]
    y = np.empty((2, 2, o, n, th, tw), m.dtype)
    np.add(s[0], s[1], out=y[0])
    y[0] += s[2]
    np.subtract(s[1], s[2], out=y[1])
    y[1] -= s[3]
    # out[n, o, 2i + a, 2j + b] = y[a, b, o, n, i, j]
    np.copyto(out.reshape(n, o, th, 2, tw, 2).transpose(3, 5, 1, 0, 2, 4), y)


def correlate(x, u, lo, Y, bias=None):
    """The 3x3 stride-1 correlation y[n, o, p] = Σ_c,k x[n, c, p + k - lo] · w[o, c, k] (x zero
    outside its bounds; lo may be negative: x cropped), of output size Y, from x (n, C, H, W) and
    the transformed weight u = weight_transform(w) (16, O, C) -> (n, O, *Y) contiguous, + bias[o]
    when given."""
    n, c = x.shape[:2]
    o = u.shape[1]
    th, tw = _tiles(Y)
    full = np.empty((n, o, 2 * th, 2 * tw), x.dtype)
    block = _examples_per_block(n, c, th, tw, x.dtype.itemsize)
    b = None if bias is None else bias.reshape(-1, 1)
    for n0 in range(0, n, block):
        n1 = min(n, n0 + block)
        v = _input_transform(_tile_buffer(x[n0:n1], lo, th, tw), th, tw)
        m = np.matmul(u, v.transpose(0, 2, 1))
        if b is not None:
            # Aᵀ e₅ A (e₅: 1 at ξ = (1, 1)) is all ones: a bias added to M[5] reaches each of the 4 outputs
            m[5] += b
        _output_transform(m, full[n0:n1], th, tw)
    if full.shape[2:] == Y:
        return full
    return np.ascontiguousarray(full[:, :, :Y[0], :Y[1]])


def input_grad(dy, w, lo, S):
    """∂/∂x of a 3x3 stride-1 convolution with padding lo before, input size S: dy (n, O, *Y),
    w (O, C, 3, 3) -> (n, C, *S). x[s] meets dy[s + lo - k] through w[k]: a correlation of dy, padded
    by 2 - lo, with the flipped, channel-swapped weight."""
    u = weight_transform(w, flipped=True).transpose(0, 2, 1)  # (16, C, O)
    return correlate(dy, u, (2 - lo[0], 2 - lo[1]), S)


def _tile_entries(dy, th, tw):
    """dy (n, O, Y0, Y1), padded with zeros to whole 2x2 tiles, as a view [a, b, o, n, i, j]: entry
    (a, b) of tile (i, j)."""
    n, o, y0, y1 = dy.shape
    if (y0, y1) != (2 * th, 2 * tw):
        full = np.zeros((n, o, 2 * th, 2 * tw), dy.dtype)
        full[:, :, :y0, :y1] = dy
        dy = full
    return dy.reshape(n, o, th, 2, tw, 2).transpose(3, 5, 1, 0, 2, 4)


def _output_adjoint(dy, th, tw):
    """dM = A dY Aᵀ per 2x2 tile of dy (n, O, Y0, Y1) (an odd size padded with zeros to whole
    tiles) -> (16, O, n·th·tw), with A's last row negated (see _G_NEG): rows (y0, y0 + y1, y0 - y1, y1)."""
    n, o = dy.shape[:2]
    e = _tile_entries(dy, th, tw)
    r = np.empty((4, 2, o, n, th, tw), dy.dtype)
    r[0] = e[0]
    np.add(e[0], e[1], out=r[1])
    np.subtract(e[0], e[1], out=r[2])
    r[3] = e[1]
    dm = np.empty((4, 4, o, n, th, tw), dy.dtype)
    dm[:, 0] = r[:, 0]
    np.add(r[:, 0], r[:, 1], out=dm[:, 1])
    np.subtract(r[:, 0], r[:, 1], out=dm[:, 2])
    dm[:, 3] = r[:, 1]
    return dm.reshape(16, o, n * th * tw)


def weight_grad(x, dy, lo):
    """∂/∂w of the correlation y = correlate(x, w, lo, Y): x (n, C, H, W), dy (n, O, *Y) ->
    (O, C, 3, 3): Σ over tiles of dM[ξ] V[ξ]ᵀ, then Gᵀ dU G."""
    n, c = x.shape[:2]
    o = dy.shape[1]
    th, tw = _tiles(dy.shape[2:])
    du = None
    block = _examples_per_block(n, max(c, o), th, tw, x.dtype.itemsize)
    for n0 in range(0, n, block):
        n1 = min(n, n0 + block)
        v = _input_transform(_tile_buffer(x[n0:n1], lo, th, tw), th, tw)
        part = np.matmul(_output_adjoint(dy[n0:n1], th, tw), v)
        if du is None:
            du = part
        else:
            du += part
    # dg[3k + l] = Σ_ξ GG'[ξ, 3k + l] dU[ξ]: one (9, 16) @ (16, O·C) GEMM, then (O, C, 3, 3) order
    dg = np.matmul(_GG_NEG.T.astype(du.dtype), du.reshape(16, o * c))
    return np.ascontiguousarray(dg.T).reshape(o, c, 3, 3)


# ============================================================================ stride 2
# A 3-tap correlation with stride 2 has no overlap between its taps' phases: y0 = d0·g0 + d1·g1 + d2·g2,
# y1 = d2·g0 + d3·g1 + d4·g2 from a 5-sample tile (tiles step by 4, overlapping by 1). The even taps
# (g0, g2) on the even samples (d0, d2, d4) are the 2-tap filter F(2, 2) (3 products for 4), the odd
# tap g1 on d1 and d3 two plain products: 5 products for 2 outputs instead of 6,
#
#     m0 = (d0 - d2)·g0,  m1 = d2·(g0 + g2),  m2 = (d4 - d2)·g2,  m3 = d1·g1,  m4 = d3·g1,
#     y0 = m0 + m1 + m3,  y1 = m1 + m2 + m4,
#
# and nested over both dims 25 products per 2x2 output tile against 36 (1.44x fewer flops). Every
# coefficient is 0 or ±1, so the rounding is as good as the direct method's. Each transform below is a
# list of rows, a row the (index, sign) terms of a sum; most rows are plain copies.
#
# In matrix form, the input's tile transform is Bᵀ = [[1, 0, -1, 0, 0], [0, 0, 1, 0, 0], [0, 0, -1, 0, 1],
# [0, 1, 0, 0, 0], [0, 0, 0, 1, 0]], the weight's G = [[1, 0, 0], [1, 0, 1], [0, 0, 1], [0, 1, 0],
# [0, 1, 0]] and the output's Aᵀ = [[1, 1, 0, 1, 0], [0, 1, 1, 0, 1]].
#
# Only the input's gradient uses it, the one partial of a stride-2 convolution where it measured
# faster (the direct method's col2im writes and scatters 9·C values per output pixel there; for the
# forward and the weight's gradient, whose direct GEMMs have the long K = 9·C or N·ΠY, it did not
# win). Per tile, the gradient is dx_tile = B [Σ_o U ⊙ (A dY Aᵀ)] Bᵀ (the forward's algebra
# transposed), added onto the overlapping 5x5 input windows. A's rows take just three values, dy0,
# dy0 + dy1 and dy1 (m0 and m3 see y0 only, m2 and m4 y1 only, m1 both): of dM = A dY Aᵀ's 25 entries
# per tile 9 are distinct. The 25 products are grouped by their dM (the classes below): per group one
# GEMM dM (P, O) @ [the group's U side by side] (O, members·C), so that dM is built 9 times, not 25.
_G2 = np.array([[1.0, 0.0, 0.0], [1.0, 0.0, 1.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0], [0.0, 1.0, 0.0]])
_GG2 = np.kron(_G2, _G2)  # (25, 9)
_B2 = (((0, 1),), ((3, 1),), ((1, 1), (0, -1), (2, -1)), ((4, 1),), ((2, 1),))  # dd = B dV (the adjoint)
_MEMBERS = ((0, 3), (1,), (2, 4))  # the products of each class of A's rows (dy0, dy0 + dy1, dy1)


def _mix(srcs, rows, outs):
    """outs[i] = Σ sign · srcs[j] over the (j, sign) terms of rows[i] (the first sign is +1)."""
    for out, terms in zip(outs, rows):
        j = terms[0][0]
        if len(terms) == 1:
            np.copyto(out, srcs[j])
            continue
        k, sign = terms[1]
        (np.add if sign > 0 else np.subtract)(srcs[j], srcs[k], out=out)
        for k, sign in terms[2:]:
            (np.add if sign > 0 else np.subtract)(out, srcs[k], out=out)


def _grouped_weight(w):
    """U = G g Gᵀ of the stride-2 algorithm, grouped by class: {(p, q): (O, |p|·|q|·C)}, the U of the
    products (a, b) of classes p (rows) and q (columns) side by side, a and b in _MEMBERS order."""
    o, c = w.shape[:2]
    u = np.matmul(_GG2.astype(w.dtype), w.reshape(o * c, 9).T).reshape(5, 5, o, c)
    return {(p, q): np.ascontiguousarray(u[np.ix_(_MEMBERS[p], _MEMBERS[q])].transpose(2, 0, 1, 3)).reshape(o, -1)
            for p in range(3) for q in range(3)}


def _output_adjoint2(dy, th, tw):
    """The 9 distinct rows of dM = A dY Aᵀ per 2x2 tile of dy (n, O, Y0, Y1) (padded with zeros to whole
    tiles): (3, 3, O, n·th·tw), [p, q] for the row classes p and q (dy0, dy0 + dy1, dy1)."""
    n, o = dy.shape[:2]
    e = _tile_entries(dy, th, tw)
    rows = (e[0], e[0] + e[1], e[1])  # [b, o, n, i, j] each
    dm = np.empty((3, 3, o, n, th, tw), dy.dtype)
    for p, r in enumerate(rows):
        np.copyto(dm[p, 0], r[0])
        np.add(r[0], r[1], out=dm[p, 1])
        np.copyto(dm[p, 2], r[1])
    return dm.reshape(3, 3, o, n * th * tw)


def _input_scatter2(dvv, n, th, tw, c, dtype):
    """The adjoint of the input transform: B dV Bᵀ per tile, added onto the tile's 5x5 place (step 4,
    overlapping by one row and column) of a (n, 4·th + 1, 4·tw + 1, C) buffer; dvv[a][b] (n, th, tw, C)."""
    hp, wp = 4 * th + 1, 4 * tw + 1
    t = np.empty((5, n, th, wp, c), dtype)  # columns first: tile columns 0..3 fill all but the last
    for a in range(5):
        _mix(dvv[a], _B2[:4], [t[a, :, :, j:j + 4 * tw - 3:4] for j in range(4)])
        t[a, :, :, wp - 1] = 0
        t[a, :, :, 4::4] += dvv[a][2]  # tile column 4 (B's row 4: dV2) is the next tile's column 0
    buf = np.empty((n, hp, wp, c), dtype)
    _mix(t, _B2[:4], [buf[:, i:i + 4 * th - 3:4] for i in range(4)])
    buf[:, hp - 1] = 0
    buf[:, 4::4] += t[2]
    return buf


def input_grad2(dy, w, lo, S):
    """∂/∂x of the 3x3 stride-2 correlation y[n, o, p] = Σ_c,k x[n, c, 2p + k - lo] · w[o, c, k] (input
    size S): dy (n, O, *Y), w (O, C, 3, 3) -> (n, C, *S): dV[ξ] = dM[ξ]ᵀ U[ξ] per tile, one GEMM per
    class of dM, scattered back through B."""
    n, o = dy.shape[:2]
    c = w.shape[1]
    th, tw = _tiles(dy.shape[2:])
    ug = _grouped_weight(w)
    dx = np.empty((n, c) + tuple(S), dy.dtype)
    r1, c1 = min(S[0], 4 * th + 1 - lo[0]), min(S[1], 4 * tw + 1 - lo[1])
    if r1 < S[0] or c1 < S[1]:  # input rows or columns that no output reads
        dx.fill(0)
    block = _examples_per_block(n, max(c, o), th, tw, dy.dtype.itemsize, 25)
    for n0 in range(0, n, block):
        n1 = min(n, n0 + block)
        dm = _output_adjoint2(dy[n0:n1], th, tw)
        dvv = [[None] * 5 for _ in range(5)]
        for (p, q), u in ug.items():
            dv = np.matmul(dm[p, q].T, u).reshape(n1 - n0, th, tw, len(_MEMBERS[p]), len(_MEMBERS[q]), c)
            for sa, a in enumerate(_MEMBERS[p]):
                for sb, b in enumerate(_MEMBERS[q]):
                    dvv[a][b] = dv[:, :, :, sa, sb]
        buf = _input_scatter2(dvv, n1 - n0, th, tw, c, dy.dtype)
        if r1 > 0 and c1 > 0:
            dx[n0:n1, :, :r1, :c1] = buf[:, lo[0]:lo[0] + r1, lo[1]:lo[1] + c1].transpose(0, 3, 1, 2)
    return dx
