"""Winograd's minimal filtering F(2x2, 3x3) for big 3x3, stride-1 convolutions (Lavin & Gray, "Fast
Algorithms for Convolutional Neural Networks", CVPR 2016): 2.25x fewer multiplications than the
direct (im2col) method, which on NumPy's BLAS is 2.25x fewer GEMM flops.

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
once into a zero buffer of whole tiles, channels first, (C, N, 2·th + 2, 2·tw + 2): the padding, and
an odd output size rounded up to whole tiles (the extra row/column is cropped from the result).

The three partials of the convolution (see ops/conv.py) all use it:
- y = x ⋆ w: `correlate(x, w, lo, Y)` as above;
- ∂/∂x of a 3x3 stride-1 convolution is itself a 3x3 stride-1 correlation, of the gradient padded by
  2 - lo (before) with the weight flipped in space and with its channels swapped: `correlate` again;
- ∂/∂w: the adjoint of the forward's algebra, dM[ξ] = A dY Aᵀ per output tile, dU[ξ] = dM[ξ] (O, P)
  @ V[ξ]ᵀ (P, C) (V recomputed from x here, not kept from the forward), then dg = Gᵀ dU G.
All three run in blocks of examples (about BLOCK_BYTES of transformed tiles each), so that the
temporaries stay in cache and their memory bounded.
"""
import numpy as np

# transformed tiles (16 · C · tiles values) per block of examples
BLOCK_BYTES = 1 << 22

# G with its last row negated: the weight gradient builds dM with A's last row (0, -1) negated to
# (0, 1) (two copies rather than two negations); negating G's last row undoes it in dg = Gᵀ dU G
_G = np.array([[1.0, 0.0, 0.0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0.0, 0.0, 1.0]])
_G_NEG = _G * np.array([[1.0], [1.0], [1.0], [-1.0]])
_GG_NEG = np.kron(_G_NEG, _G_NEG)


def _tiles(Y):
    """Tiles per spatial dim for an output of size Y: ceil(Y / 2) each."""
    return (Y[0] + 1) // 2, (Y[1] + 1) // 2


def _examples_per_block(n, c, th, tw, itemsize):
    return max(1, min(n, BLOCK_BYTES // max(16 * c * th * tw * itemsize, 1)))


# G ⊗ G as a (16, 9) matrix: U[ξ = 4a + b] = Σ_{k, l} G[a, k] G[b, l] g[3k + l], all (o, c) in one GEMM
_GG = np.kron(_G, _G)


def weight_transform(w, flipped=False):
    """U = G g Gᵀ for every (o, c): (O, C, 3, 3) -> (16, O, C), as one (16, 9) @ (9, O·C) GEMM.
    flipped: of the kernel turned by 180 degrees, g[2 - k, 2 - l] (the input gradient's)."""
    o, c = w.shape[:2]
    gg = _GG[:, ::-1] if flipped else _GG
    return np.matmul(gg.astype(w.dtype), w.reshape(o * c, 9).T).reshape(16, o, c)


def _tile_buffer(x, lo, th, tw):
    """x (n, C, H, W) placed at offset lo (cropped where it falls outside) in a zero (n, 2·th + 2,
    2·tw + 2, C) buffer: the padded input of th x tw tiles, channels last (so that the transforms'
    slices move runs of whole pixels, C values each, rather than a few values of one image row)."""
    n, c, h, w = x.shape
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


def _output_adjoint(dy, th, tw):
    """dM = A dY Aᵀ per 2x2 tile of dy (n, O, Y0, Y1) (an odd size padded with zeros to whole
    tiles) -> (16, O, n·th·tw), with A's last row negated (see _G_NEG): rows (y0, y0 + y1, y0 - y1, y1)."""
    n, o, y0, y1 = dy.shape
    if (y0, y1) != (2 * th, 2 * tw):
        full = np.zeros((n, o, 2 * th, 2 * tw), dy.dtype)
        full[:, :, :y0, :y1] = dy
        dy = full
    e = dy.reshape(n, o, th, 2, tw, 2).transpose(3, 5, 1, 0, 2, 4)  # [a, b, o, n, i, j]
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
