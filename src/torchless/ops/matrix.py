"""Matrix ops beyond the product: einsum, the fused products (addmm, addmv, addr, addbmm, baddbmm),
cross, and the decompositions and solvers of torch.linalg (det, slogdet, inv, solve, cholesky, qr,
eigh, svd, pinv, solve_triangular, matrix_exp), each forward beside its vjp.

Conventions. Matrices are the last two dims; the dims before are a batch. `mH` below is the
conjugate transpose. The vjps are written for complex numbers directly (PyTorch's convention: the
gradient of a real loss L with respect to z is dL/dRe z + i dL/dIm z), so none of these rules is
`holomorphic` except where said; for real tensors the conjugations are no-ops.

Every vjp runs over `xp`: on arrays (NumPy) or, under create_graph, on Tensors, where the matrix
functions it needs (einsum, solve, inverse ...) are these same rules applied as recorded ops
(`_call`), so higher derivatives come from the same formulas. Under create_graph the engine also
re-runs a rule's forward on Tensors to get its saved values as Tensors (engine/node.py `lifted`):
the forwards here then record the op itself (`_outputs`) instead of computing on arrays.
"""
import string

import numpy as np

from ._rule import Explain, Rule

_LETTERS = string.ascii_letters


# ============================================================================ helpers over xp
def _on_arrays(xp):
    return xp.apply_rule is None


def _call(xp, R, array_fn, *args):
    """array_fn(*args) on arrays; on Tensors, rule R applied as a recorded op."""
    if xp.apply_rule is None:
        return array_fn(*args)
    return xp.apply_rule(R, *args)


def _mT(xp, x):
    return xp.swapaxes(x, -1, -2)


def _mH(xp, x):
    return xp.conj(xp.swapaxes(x, -1, -2))


def _const(xp, arr):
    """A constant array (a mask, an identity) in xp's kind."""
    return arr if xp.apply_rule is None else xp.broadcast_to(arr, arr.shape)  # (a Tensor of it)


def _einsum_arrays(eq, *ops):
    if ops[0].dtype == np.float16:  # summed in float32 and rounded once, as PyTorch's kernels do
        return _einsum_arrays(eq, *[o.astype(np.float32) for o in ops]).astype(np.float16)
    return np.einsum(eq, *ops, optimize=len(ops) > 2 or max(o.size for o in ops) > 4096)


def einsum(xp, eq, *ops):
    """np.einsum on arrays; the recorded EinsumBackward0 on Tensors."""
    if xp.apply_rule is None:
        return _einsum_arrays(eq, *ops)
    complex_ = any(o.is_complex() for o in ops)
    if "." in eq:
        eq = _explicit(eq, [len(o.shape) for o in ops])
    return xp.apply_rule(EinsumBackward0.complex_rule() if complex_ else EinsumBackward0, eq, *ops)


def _explicit(eq, ndims):
    """A valid explicit equation ("...ij,...jk->...ik") with its ellipsis written out as letters,
    as EinsumBackward0 takes it."""
    lhs, out = eq.split("->")
    terms = lhs.split(",")
    fresh = [c for c in _LETTERS if c not in eq]
    n_ell = max([nd - len(t.replace("...", "")) for t, nd in zip(terms, ndims) if "..." in t] or [0])
    ell = "".join(fresh[:n_ell])
    terms = [t.replace("...", ell[n_ell - (nd - len(t.replace("...", ""))):]) for t, nd in zip(terms, ndims)]
    return ",".join(terms) + "->" + out.replace("...", ell)


def _diag_embed(xp, v):
    """(..., n) -> (..., n, n) with v on the diagonal."""
    n = v.shape[-1]
    eye = _const(xp, np.eye(n, dtype=_dtype_of(v)))
    return einsum(xp, "...i,ij->...ij", v, eye)


def _diagonal(xp, a):
    return einsum(xp, "...ii->...i", a)


def _dtype_of(x):
    d = x.dtype
    return d if isinstance(d, np.dtype) else np.dtype(d.name if hasattr(d, "name") else str(d))


def _mask(xp, g, mask):
    """g * mask (a boolean/0-1 constant of g's trailing shape)."""
    return g * _const(xp, mask.astype(_dtype_of(g).type(0).real.dtype))


def _tril_mask(n, m, k=0):
    return np.tri(n, m, k, dtype=bool)


def _sum_to(xp, g, shape):
    shape = tuple(shape)
    return g if tuple(g.shape) == shape else xp.sum_to(g, shape)


# ============================================================================ einsum
class EinsumBackward0(Rule):
    """einsum over explicit subscripts (the Tensor layer writes the ellipsis out as letters): the
    gradient of each operand is the einsum of g with the other operands, into that operand's
    subscripts; a label repeated in the operand (a diagonal) gets an identity factor, a label
    summed inside that operand alone a ones factor, and a size-1 dim that broadcast is summed back.
    (PyTorch runs einsum as permutes, sums and one bmm; its grad_fn is the last of those.)"""
    batching = "batch_dims"
    holomorphic = True  # multilinear: complex operands record the conjugating twin
    explain = Explain(None, "∂ einsum/∂ operand k = einsum of g with the other operands, into k's subscripts")

    @staticmethod
    def forward(node, xp, eq, *ops):
        if node is not None:
            node.saved = ops
            node.eq = eq
        if not _on_arrays(xp):
            return None  # (re-run under create_graph for its saved operands only)
        return _einsum_arrays(eq, *ops)

    @staticmethod
    def jvp(xp, t, out, eq, *ops):
        total = None
        for k, tk in enumerate(t[1:]):
            if tk is None:
                continue
            args = list(ops)
            args[k] = tk
            term = einsum(xp, eq, *args)
            total = term if total is None else total + term
        return total

    def vjp(self, g, xp):
        ops = self.saved
        ins, out = self.eq.split("->")
        subs = ins.split(",")
        used = set(self.eq)
        fresh = (c for c in _LETTERS if c not in used)
        grads = []
        for k, (nxt, _) in enumerate(self.next_functions):
            if nxt is None:
                grads.append(None)
                continue
            sk, op = subs[k], ops[k]
            operands, terms = [g], [out]
            for j, o in enumerate(ops):
                if j != k:
                    operands.append(o)
                    terms.append(subs[j])
            target, seen = [], {}
            dt = _dtype_of(op)
            for pos, c in enumerate(sk):
                if c in seen:
                    f = next(fresh)
                    target.append(f)
                    operands.append(_const(xp, np.eye(op.shape[pos], dtype=dt)))
                    terms.append(c + f)
                else:
                    seen[c] = pos
                    target.append(c)
            present = set(out).union(*[subs[j] for j in range(len(subs)) if j != k])
            for c, pos in seen.items():
                if c not in present:
                    operands.append(_const(xp, np.ones(op.shape[pos], dtype=dt)))
                    terms.append(c)
            gk = einsum(xp, ",".join(terms) + "->" + "".join(target), *operands)
            if tuple(gk.shape) != tuple(op.shape):  # a size-1 dim broadcast against a longer one
                axes = tuple(i for i, (a, b) in enumerate(zip(gk.shape, op.shape)) if a != b and b == 1)
                if axes:
                    gk = gk.sum(axes, keepdims=True) if _on_arrays(xp) else gk.sum(axes, keepdim=True)
                if tuple(gk.shape) != tuple(op.shape):  # (the other operand's dim was the size-1 one)
                    gk = xp.broadcast_to(gk, tuple(op.shape))
                    gk = gk.copy() if _on_arrays(xp) else gk
            grads.append(gk)
        return tuple(grads)


# ============================================================================ fused products
def _conj_scalar(v):
    """A Python number's conjugate, still a Python number (a NumPy float64 scalar would promote
    float32 arrays under NumPy 2's rules)."""
    return v.conjugate() if isinstance(v, complex) else v


def _product(eq):
    return lambda a, b: _einsum_arrays(eq, a, b)


class _AddProduct(Rule):
    """beta * input + alpha * product(m1, m2), the product an einsum `eq` (mm, mv, outer, a summed
    or batched bmm); input broadcasts to the result:
    d/dinput = sum_to(conj(beta) g),  d/dm1 = conj(alpha) g m2ᴴ,  d/dm2 = conj(alpha) m1ᴴ g."""
    batching = "matmul"  # (vmap: beta * input + alpha * the batched product, func/batching.py)
    eq = ""

    @classmethod
    def forward(cls, node, xp, c, m1, m2, beta, alpha):
        if node is not None:
            node.saved = (m1, m2)
            node.cshape = tuple(c.shape)
            node.beta, node.alpha = beta, alpha
        if not _on_arrays(xp):
            return None
        if m1.dtype == np.float16:  # computed in float32 and rounded once, as PyTorch's kernels do
            return cls.forward(None, xp, c.astype(np.float32), m1.astype(np.float32), m2.astype(np.float32),
                               beta, alpha).astype(np.float16)
        prod = cls.product(m1, m2)
        if alpha != 1:
            prod = prod * alpha
        if beta == 0:  # PyTorch ignores input then (its nan and inf too)
            return np.ascontiguousarray(np.broadcast_to(prod, prod.shape)).astype(prod.dtype, copy=False)
        return (c * beta if beta != 1 else c) + prod

    @classmethod
    def jvp(cls, xp, t, out, c, m1, m2, beta, alpha):
        tc, t1, t2 = t[:3]
        total = None
        if tc is not None and beta != 0:
            total = tc * beta if beta != 1 else tc
        for term in ((None if t1 is None else einsum(xp, cls.eq, t1, m2)),
                     (None if t2 is None else einsum(xp, cls.eq, m1, t2))):
            if term is not None:
                term = term * alpha if alpha != 1 else term
                total = term if total is None else total + term
        return total

    def vjp(self, g, xp):
        m1, m2 = self.saved
        (nc, _), (n1, _), (n2, _) = self.next_functions
        ins, out = self.eq.split("->")
        s1, s2 = ins.split(",")
        beta, alpha = self.beta, self.alpha
        gc = g1 = g2 = None
        if nc is not None:
            gc = _sum_to(xp, g * _conj_scalar(beta) if beta != 1 else g, self.cshape)
            if beta == 0:
                gc = gc * 0
        ga = g * _conj_scalar(alpha) if alpha != 1 else g
        if n1 is not None:
            g1 = einsum(xp, f"{out},{s2}->{s1}", ga, xp.conj(m2))
        if n2 is not None:
            g2 = einsum(xp, f"{s1},{out}->{s2}", xp.conj(m1), ga)
        return gc, g1, g2


class AddmmBackward0(_AddProduct):
    """addmm: beta * input + alpha * (mat1 @ mat2)"""
    eq = "ij,jk->ik"
    product = staticmethod(np.matmul)
    explain = Explain("β·{c} + α·{a} @ {b}", "∂/∂c = β g,  ∂/∂A = α g Bᵀ,  ∂/∂B = α Aᵀ g")


class AddmvBackward0(_AddProduct):
    """addmv: beta * input + alpha * (mat @ vec)"""
    explain = Explain("β·{c} + α·{a} @ {b}", "∂/∂c = β g,  ∂/∂A = α g vᵀ,  ∂/∂v = α Aᵀ g")
    eq = "ij,j->i"
    product = staticmethod(np.matmul)


class AddrBackward0(_AddProduct):
    """addr: beta * input + alpha * outer(vec1, vec2)"""
    explain = Explain("β·{c} + α·{a} ⊗ {b}", "∂/∂c = β g,  ∂/∂u = α g v,  ∂/∂v = α gᵀ u")
    eq = "i,j->ij"
    product = staticmethod(np.multiply.outer)


class AddbmmBackward0(_AddProduct):
    """addbmm: beta * input + alpha * sum_b(batch1[b] @ batch2[b])"""
    explain = Explain("β·{c} + α·Σ_b {a}_b @ {b}_b", "∂/∂c = β g,  ∂/∂A_b = α g B_bᵀ,  ∂/∂B_b = α A_bᵀ g")
    eq = "bij,bjk->ik"
    product = staticmethod(_product("bij,bjk->ik"))


class BaddbmmBackward0(_AddProduct):
    """baddbmm: beta * input + alpha * (batch1 @ batch2), batch by batch"""
    explain = Explain("β·{c} + α·{a} @ {b}", "∂/∂c = β g,  ∂/∂A = α g Bᵀ,  ∂/∂B = α Aᵀ g (batch by batch)")
    eq = "bij,bjk->bik"
    product = staticmethod(np.matmul)


# ============================================================================ cross
def _cross_arrays(a, b, dim):
    return np.cross(a, b, axis=dim)


class LinalgCrossBackward0(Rule):
    """cross(a, b, dim) of 3-vectors along dim (a and b broadcast): bilinear, so
    d/da = sum_to(b × g),  d/db = sum_to(g × a)  (conjugated for complex)."""
    batching = "batch_dims"
    explain = Explain("{a} × {b}", "∂(a × b)/∂a = b × g,  ∂(a × b)/∂b = g × a")

    @staticmethod
    def forward(node, xp, a, b, dim):
        if node is not None:
            node.saved = (a, b)
            node.dim = dim
        if not _on_arrays(xp):
            return None
        return _cross_arrays(a, b, dim)

    @staticmethod
    def jvp(xp, t, out, a, b, dim):
        ta, tb = t[:2]
        x = None if ta is None else _call(xp, LinalgCrossBackward0, _cross_arrays, ta, b, dim)
        y = None if tb is None else _call(xp, LinalgCrossBackward0, _cross_arrays, a, tb, dim)
        return y if x is None else x if y is None else x + y

    def vjp(self, g, xp):
        a, b = self.saved
        dim = self.dim
        (na, _), (nb, _) = self.next_functions
        ga = gb = None
        if na is not None:
            ga = _sum_to(xp, _call(xp, LinalgCrossBackward0, _cross_arrays, xp.conj(b), g, dim), a.shape)
        if nb is not None:
            gb = _sum_to(xp, _call(xp, LinalgCrossBackward0, _cross_arrays, g, xp.conj(a), dim), b.shape)
        return ga, gb


# ============================================================================ inverse, solve
def _inv_arrays(a):
    return np.linalg.inv(a)


def inverse(xp, a):
    return _call(xp, LinalgInvExBackward0, _inv_arrays, a)


def _solve_arrays(a, b, vec=False):
    if vec:
        return np.linalg.solve(a, b[..., None])[..., 0]
    return np.linalg.solve(a, b)


def solve(xp, a, b):
    """a⁻¹ b for a matrix (or batch) b of matching batch dims (b has at least 2 dims)."""
    return _call(xp, LinalgSolveExBackward0, _solve_arrays, a, b)


def _unsqueeze_last(xp, x):
    return x[..., None] if _on_arrays(xp) else x.unsqueeze(-1)


def _squeeze_last(xp, x):
    return x[..., 0] if _on_arrays(xp) else x.squeeze(-1)


class LinalgInvExBackward0(Rule):
    """inv(A) = X:  dX = -X dA X,  d/dA = -Xᴴ g Xᴴ  (saves the output, as PyTorch does)."""
    batching = "batch_dims"
    saves_output = True
    explain = Explain("{a}⁻¹", "∂A⁻¹: g ↦ -A⁻ᴴ g A⁻ᴴ")

    @staticmethod
    def forward(node, xp, a):
        out = _call(xp, LinalgInvExBackward0, _inv_arrays, a)
        if node is not None:
            node.saved = (out,)
        return out

    @staticmethod
    def jvp(xp, t, out, a):
        return -xp.matmul(out, xp.matmul(t[0], out))

    def vjp(self, g, xp):
        x, = self.saved
        xh = _mH(xp, x)
        return (-xp.matmul(xh, xp.matmul(g, xh)),)


class LinalgSolveExBackward0(Rule):
    """solve(A, B) = X = A⁻¹B (`vec`: B a batch of vectors; the batch dims broadcast):
    d/dB = A⁻ᴴ g,  d/dA = -(d/dB) Xᴴ (each summed back over the broadcast batch dims)."""
    batching = "batch_dims"
    explain = Explain("{a}⁻¹ {b}", "∂/∂B = A⁻ᴴ g,  ∂/∂A = -A⁻ᴴ g Xᴴ")

    @staticmethod
    def forward(node, xp, a, b, vec=False):
        out = _call(xp, LinalgSolveExBackward0, _solve_arrays, a, b, vec)
        if node is not None:
            node.saved = (a, out)
            node.vec = vec
            node.shapes = (tuple(a.shape), tuple(b.shape))
        return out

    @staticmethod
    def jvp(xp, t, out, a, b, vec=False):
        ta, tb = t[:2]
        rhs = None
        if tb is not None:
            rhs = _unsqueeze_last(xp, tb) if vec else tb
        if ta is not None:
            r = -xp.matmul(ta, _unsqueeze_last(xp, out) if vec else out)
            rhs = r if rhs is None else rhs + r
        res = solve(xp, a, rhs)
        return _squeeze_last(xp, res) if vec else res

    def vjp(self, g, xp):
        a, x = self.saved
        (na, _), (nb, _) = self.next_functions
        ashape, bshape = self.shapes
        if self.vec:
            g = _unsqueeze_last(xp, g)
            x = _unsqueeze_last(xp, x)
        gb = solve(xp, _mH(xp, a), g)
        ga = None
        if na is not None:
            ga = _sum_to(xp, -xp.matmul(gb, _mH(xp, x)), ashape)
        if nb is None:
            return ga, None
        if self.vec:
            gb = _squeeze_last(xp, gb)
        return ga, _sum_to(xp, gb, bshape)


def _tri(a, upper, unit):
    out = np.triu(a) if upper else np.tril(a)
    if unit:
        n = a.shape[-1]
        out = out.copy()
        idx = np.arange(n)
        out[..., idx, idx] = 1
    return out


def _solve_tri_arrays(a, b, upper, left, unit):
    t = _tri(a, upper, unit)
    if not left:
        return np.swapaxes(_solve_tri_arrays(np.swapaxes(t, -1, -2), np.swapaxes(b, -1, -2), not upper, True, unit),
                           -1, -2)
    try:
        return np.linalg.solve(t, b)
    except np.linalg.LinAlgError:  # a zero on the diagonal: substitution gives PyTorch's inf and nan
        return _substitute(t, b, upper)


def _substitute(t, b, upper):
    """T⁻¹ B by back (upper) or forward substitution, row by row, batched; divisions by zero give
    inf and nan as in LAPACK's trsm."""
    shape = np.broadcast_shapes(t.shape[:-2], b.shape[:-2])
    t = np.broadcast_to(t, shape + t.shape[-2:])
    x = np.array(np.broadcast_to(b, shape + b.shape[-2:]), dtype=np.result_type(t, b))
    n = t.shape[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        for i in (range(n - 1, -1, -1) if upper else range(n)):
            rest = slice(i + 1, n) if upper else slice(0, i)
            acc = x[..., i, :] - np.einsum("...j,...jk->...k", t[..., i, rest], x[..., rest, :])
            x[..., i, :] = acc / t[..., i, i, None]
    return x


def solve_triangular(xp, a, b, upper, left=True, unit=False):
    return _call(xp, LinalgSolveTriangularBackward0, _solve_tri_arrays, a, b, upper, left, unit)


class LinalgSolveTriangularBackward0(Rule):
    """X = T⁻¹B (left) or B T⁻¹ (right), T the upper or lower triangle of A (unit diagonal when
    unitriangular):  d/dB = T⁻ᴴ g (or g T⁻ᴴ),  d/dA = the triangle of -(d/dB) Xᴴ (or -Xᴴ (d/dB))."""
    batching = "batch_dims"
    explain = Explain("solve_triangular({A}, {B})", "∂/∂B = T⁻ᴴ g,  ∂/∂A = the triangle of -T⁻ᴴ g Xᴴ")

    @staticmethod
    def forward(node, xp, a, b, upper, left, unit):
        out = _call(xp, LinalgSolveTriangularBackward0, _solve_tri_arrays, a, b, upper, left, unit)
        if node is not None:
            node.saved = (a, out)
            node.opts = (upper, left, unit)
            node.bshape = tuple(b.shape)
        return out

    @staticmethod
    def jvp(xp, t, out, a, b, upper, left, unit):
        ta, tb = t[:2]
        rhs = tb
        if ta is not None:
            n = a.shape[-1]
            m = _tril_mask(n, n, -1 if unit else 0)
            ta = _mask(xp, ta, m.T if upper else m)
            r = -(xp.matmul(ta, out) if left else xp.matmul(out, ta))
            rhs = r if rhs is None else rhs + r
        return solve_triangular(xp, a, rhs, upper, left, unit)

    def vjp(self, g, xp):
        a, x = self.saved
        upper, left, unit = self.opts
        (na, _), (nb, _) = self.next_functions
        gb = solve_triangular(xp, _mH(xp, a), g, not upper, left, unit)
        ga = None
        if na is not None:
            ga = -(xp.matmul(gb, _mH(xp, x)) if left else xp.matmul(_mH(xp, x), gb))
            n = a.shape[-1]
            m = _tril_mask(n, n, -1 if unit else 0)
            ga = _sum_to(xp, _mask(xp, ga, m.T if upper else m), a.shape)
        return ga, None if nb is None else _sum_to(xp, gb, self.bshape)


# ============================================================================ determinants
def _det_arrays(a):
    return np.linalg.det(a)


class LinalgDetBackward0(Rule):
    """det(A):  d/dA = g · conj(det A) · A⁻ᴴ, i.e. g times the conjugated cofactor matrix, taken from
    the SVD (A = U S Vᴴ, adj A = det(Vᴴ) det(U) V adj(S) Uᴴ) where A is singular."""
    batching = "batch_dims"
    saves_output = True
    explain = Explain("det {a}", "∂ det A/∂A = det(A) A⁻ᵀ")

    @staticmethod
    def forward(node, xp, a):
        out = _call(xp, LinalgDetBackward0, _det_arrays, a)
        if node is not None:
            node.saved = (a, out)
        return out

    @staticmethod
    def jvp(xp, t, out, a):
        # d det = tr(adj(A) dA)
        return einsum(xp, "...ij,...ji->...", _adjugate(xp, a, out), t[0])

    def vjp(self, g, xp):
        a, d = self.saved
        adj = _adjugate(xp, a, d)
        return (g[..., None, None] * _mH(xp, adj) if _on_arrays(xp) else
                g.unsqueeze(-1).unsqueeze(-1) * _mH(xp, adj),)


def _adjugate(xp, a, d):
    """adj(A) = det(A) A⁻¹; by the SVD where some matrix of the batch is singular (arrays only)."""
    if not _on_arrays(xp):
        return d.unsqueeze(-1).unsqueeze(-1) * inverse(xp, a)
    n = a.shape[-1]
    if n == 0:
        return np.zeros_like(a)
    if np.all(d != 0) and np.all(np.isfinite(d)):
        try:
            return d[..., None, None] * np.linalg.inv(a)
        except np.linalg.LinAlgError:
            pass
    u, s, vh = np.linalg.svd(a)
    # adj(S)_ii = prod_{j != i} s_j
    prods = np.empty_like(s)
    for i in range(n):
        prods[..., i] = np.prod(np.delete(s, i, axis=-1), axis=-1)
    phase = np.linalg.det(u) * np.linalg.det(vh)
    v = np.conj(np.swapaxes(vh, -1, -2))
    return phase[..., None, None] * np.matmul(v * prods[..., None, :], np.conj(np.swapaxes(u, -1, -2)))


def _slogdet_arrays(a):
    s, l = np.linalg.slogdet(a)
    return s, l


class LinalgSlogdetBackward0(Rule):
    """slogdet(A) = (sign, log|det A|):  d/dA = (g_logabs + i Im(g_sign conj(sign))) A⁻ᴴ (the sign
    part only for complex A; a real sign is piecewise constant)."""
    batching = "batch_dims"
    explain = Explain("slogdet({A})", "∂ log|det A|/∂A = A⁻ᴴ")
    multi_output = True

    @staticmethod
    def forward(node, xp, a):
        outs = _call(xp, LinalgSlogdetBackward0, _slogdet_arrays, a)
        if node is not None:
            node.num_outputs = 2
            node.saved = (a, outs[0])
        return outs

    @staticmethod
    def jvp(xp, t, out, a):
        sign = out[0]
        z = einsum(xp, "...ij,...ji->...", inverse(xp, a), t[0])  # d log det
        if _dtype_of(a).kind == "c":
            return sign * (z.imag * 1j if _on_arrays(xp) else z.imag * 1j), z.real
        return xp.zeros_like(sign), z

    def vjp(self, grads, xp):
        a, sign = self.saved
        gs, gl = grads
        c = gl
        if _dtype_of(a).kind == "c":
            part = None if gs is None else (gs * xp.conj(sign)).imag * 1j
            c = part if c is None else c if part is None else c + part
        if c is None:
            return (xp.zeros_like(a),)
        c = c[..., None, None] if _on_arrays(xp) else c.unsqueeze(-1).unsqueeze(-1)
        return (c * _mH(xp, inverse(xp, a)),)


# ============================================================================ cholesky
def _phi(xp, x):
    """The lower triangle of x with its diagonal halved."""
    n = x.shape[-1]
    m = np.tril(np.ones((n, n))) - 0.5 * np.eye(n)
    return x * _const(xp, m.astype(_dtype_of(x).type(0).real.dtype))


def _cholesky_arrays(a, upper):
    L = np.linalg.cholesky(a)
    return np.conj(np.swapaxes(L, -1, -2)) if upper else L


class LinalgCholeskyExBackward0(Rule):
    """cholesky(A) = L (A = L Lᴴ):  with X = tril(Lᴴ gL), d/dA = L⁻ᴴ (X + tril(X, -1)ᴴ)/2 L⁻¹ (for
    real A the symmetric part of L⁻ᴴ Φ(Lᴴ gL) L⁻¹, Φ the lower triangle with the diagonal
    halved; PyTorch's form); upper=True returns U = Lᴴ (gL = gUᴴ)."""
    batching = "batch_dims"
    explain = Explain("cholesky({A})", "∂/∂A = L⁻ᴴ Φ(Lᴴ g) L⁻¹, Φ: the lower triangle, diagonal halved, Hermitian")
    saves_output = True

    @staticmethod
    def forward(node, xp, a, upper):
        out = _call(xp, LinalgCholeskyExBackward0, _cholesky_arrays, a, upper)
        if node is not None:
            node.saved = (out,)
            node.upper = upper
        return out

    @staticmethod
    def jvp(xp, t, out, a, upper):
        L = _mH(xp, out) if upper else out
        # dL = L Φ(L⁻¹ dA L⁻ᴴ)
        y = solve_triangular(xp, L, t[0], False, True, False)
        c = solve_triangular(xp, L, _mH(xp, y), False, True, False)  # L⁻¹ (L⁻¹ dA)ᴴ = L⁻¹ dAᴴ L⁻ᴴ
        dL = xp.matmul(L, _phi(xp, _mH(xp, c)))
        return _mH(xp, dL) if upper else dL

    def vjp(self, g, xp):
        out, = self.saved
        L = _mH(xp, out) if self.upper else out
        gL = _mH(xp, g) if self.upper else g
        n = L.shape[-1]
        x = _mask(xp, xp.matmul(_mH(xp, L), gL), _tril_mask(n, n))
        p = (x + _mH(xp, _mask(xp, x, _tril_mask(n, n, -1)))) * 0.5
        # L⁻ᴴ P L⁻¹: solve Lᴴ Y = P, then Y L⁻¹ = (L⁻ᴴ Yᴴ)ᴴ
        y = solve_triangular(xp, _mH(xp, L), p, True, True, False)
        return (_mH(xp, solve_triangular(xp, _mH(xp, L), _mH(xp, y), True, True, False)),)


# ============================================================================ qr
def _qr_arrays(a, mode):
    q, r = np.linalg.qr(a, mode="complete" if mode == "complete" else "reduced")
    if mode == "r":
        return np.zeros((0,), a.dtype), r
    return q, r


def _copyltu(xp, m):
    """tril(M, -1) + tril(M, -1)ᴴ + Re(diag M) as a Hermitian matrix from M's lower triangle."""
    n = m.shape[-1]
    lower = _mask(xp, m, _tril_mask(n, n, -1))
    d = _diagonal(xp, m)
    d = d.real if _dtype_of(m).kind == "c" else d
    return lower + _mH(xp, lower) + _diag_embed(xp, d.astype(_dtype_of(m)) if _on_arrays(xp) else
                                                 d.to(m.dtype))


def _qr_square_jvp(xp, q, r, da, tall):
    """dQ, dR of A = QR (m >= n, reduced): C = Qᴴ dA R⁻¹, Ω = tril(C, -1) - tril(C, -1)ᴴ + i Im diag(C),
    dR = (C - Ω) R, dQ = Q Ω (+ (I - Q Qᴴ) dA R⁻¹ when m > n)."""
    n = r.shape[-1]
    dar = solve_triangular(xp, r, da, True, False, False)  # dA R⁻¹
    c = xp.matmul(_mH(xp, q), dar)
    low = _mask(xp, c, _tril_mask(n, n, -1))
    omega = low - _mH(xp, low)
    if _dtype_of(c).kind == "c":
        omega = omega + _diag_embed(xp, _diagonal(xp, c).imag * 1j)
    dr = xp.matmul(c - omega, r)
    dq = xp.matmul(q, omega)
    if tall:
        dq = dq + dar - xp.matmul(q, c)
    return dq, dr


class LinalgQrBackward0(Rule):
    """qr(A) = (Q, R). For m >= n (reduced): M = R gRᴴ - gQᴴ Q, d/dA = (gQ + Q copyltu(M)) R⁻ᴴ;
    for m < n, A = Q [X | Y] with X square: the same for X with gQ + Y gVᴴ, and Q gV for Y."""
    batching = "batch_dims"
    explain = Explain("qr({A})", "∂/∂A = (gQ + Q copyltu(R gRᴴ - gQᴴ Q)) R⁻ᴴ")
    multi_output = True

    @staticmethod
    def forward(node, xp, a, mode):
        outs = _call(xp, LinalgQrBackward0, _qr_arrays, a, mode)
        if node is not None:
            node.num_outputs = 2
            node.saved = (outs[0], outs[1])
            node.mode = mode
            node.shape = tuple(a.shape)
        return outs

    @staticmethod
    def jvp(xp, t, out, a, mode):
        q, r = out
        da = t[0]
        m, n = a.shape[-2:]
        if mode == "r" or (mode == "complete" and m > n):
            raise NotImplementedError(f"linalg.qr: forward-mode AD is not implemented for mode='{mode}' here")
        if m >= n:
            return _qr_square_jvp(xp, q, r, da, m > n)
        r1, r2 = r[..., :, :m], r[..., :, m:]
        dq, dr1 = _qr_square_jvp(xp, q, r1, da[..., :, :m], False)
        dr2 = xp.matmul(_mH(xp, q), da[..., :, m:] - xp.matmul(dq, r2))
        return dq, xp.concatenate([dr1, dr2], -1)

    def vjp(self, grads, xp):
        q, r = self.saved
        gq, gr = grads
        m, n = self.shape[-2:]
        if self.mode == "r":
            raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed when "
                               "mode='r'. Please use linalg.qr(A, mode='reduced') if you are going to "
                               "differentiate through linalg.qr.")
        if self.mode == "complete" and m > n:
            raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and "
                               "nrows > ncols.")
        if gq is None:
            gq = xp.zeros_like(q)
        if gr is None:
            gr = xp.zeros_like(r)
        if m >= n:
            mm = xp.matmul(r, _mH(xp, gr)) - xp.matmul(_mH(xp, gq), q)
            b = gq + xp.matmul(q, _copyltu(xp, mm))
            # B R⁻ᴴ = (R⁻¹ Bᴴ)ᴴ
            return (_mH(xp, solve_triangular(xp, r, _mH(xp, b), True, True, False)),)
        x_r, v_r = r[..., :, :m], r[..., :, m:]
        y = xp.matmul(q, v_r)
        gv = gr[..., :, m:]
        gq2 = gq + xp.matmul(y, _mH(xp, gv))
        gu = gr[..., :, :m]
        mm = xp.matmul(x_r, _mH(xp, gu)) - xp.matmul(_mH(xp, gq2), q)
        b = gq2 + xp.matmul(q, _copyltu(xp, mm))
        gx = _mH(xp, solve_triangular(xp, x_r, _mH(xp, b), True, True, False))
        gy = xp.matmul(q, gv)
        return (xp.concatenate([gx, gy], -1),)


# ============================================================================ eigh
def _eigh_arrays(a, uplo):
    w, v = np.linalg.eigh(a, UPLO=uplo)
    return w, v


class LinalgEighBackward0(Rule):
    """eigh(A) = (L, V), A = V diag(L) Vᴴ (only the `uplo` triangle read):
    d/dA = V (diag(gL) + F ∘ skew(Vᴴ gV)) Vᴴ,  F_ij = 1/(L_j - L_i) off the diagonal, 0 on it,
    skew(X) = (X - Xᴴ)/2: a Hermitian gradient, as PyTorch's."""
    batching = "batch_dims"
    explain = Explain("eigh({A})", "∂/∂A = V (diag(gL) + F ∘ skew(Vᴴ gV)) Vᴴ,  F_ij = 1/(λ_j - λ_i)")
    multi_output = True

    @staticmethod
    def forward(node, xp, a, uplo):
        outs = _call(xp, LinalgEighBackward0, _eigh_arrays, a, uplo)
        if node is not None:
            node.num_outputs = 2
            node.saved = (outs[0], outs[1])
        return outs

    @staticmethod
    def jvp(xp, t, out, a, uplo):
        w, v = out
        c = xp.matmul(_mH(xp, v), xp.matmul(t[0], v))
        dw = _diagonal(xp, c).real
        f = _eig_f(xp, w)
        dv = xp.matmul(v, c * f)
        return dw, dv

    def vjp(self, grads, xp):
        w, v = self.saved
        gw, gv = grads
        inner = None
        if gv is not None:
            x = xp.matmul(_mH(xp, v), gv)
            inner = _eig_f(xp, w) * ((x - _mH(xp, x)) * 0.5)
        if gw is not None:
            dg = _diag_embed(xp, gw.astype(_dtype_of(v)) if _on_arrays(xp) else gw.to(v.dtype))
            inner = dg if inner is None else inner + dg
        if inner is None:
            return (None,)
        return (xp.matmul(v, xp.matmul(inner, _mH(xp, v))),)


def _eig_f(xp, w):
    """F_ij = 1/(w_j - w_i) off the diagonal, 0 on it."""
    diff = w[..., None, :] - w[..., :, None] if _on_arrays(xp) else w.unsqueeze(-2) - w.unsqueeze(-1)
    n = w.shape[-1]
    eye = np.eye(n, dtype=bool)
    if _on_arrays(xp):
        with np.errstate(divide="ignore", invalid="ignore"):
            f = 1.0 / np.where(eye, 1.0, diff)
        return np.where(eye, 0.0, f).astype(diff.dtype)
    off = _const(xp, (~eye).astype(_dtype_of(w)))
    return off / (diff + _const(xp, eye.astype(_dtype_of(w))))


# ============================================================================ svd
def _svd_arrays(a, full, compute_uv):
    if not compute_uv:
        return np.linalg.svd(a, compute_uv=False)
    u, s, vh = np.linalg.svd(a, full_matrices=full)
    return u, s, vh


def _svd_backward(xp, u, s, vh, gu, gs, gvh, m, n):
    """The gradient of A = U diag(S) Vᴴ (reduced: k = min(m, n) columns), PyTorch's convention."""
    k = s.shape[-1]
    cdt = _dtype_of(u)
    if gu is None and gvh is None:
        if gs is None:
            return None
        return xp.matmul(u * (gs.astype(cdt)[..., None, :] if _on_arrays(xp) else gs.to(u.dtype).unsqueeze(-2)), vh)
    v = _mH(xp, vh)
    gv = None if gvh is None else _mH(xp, gvh)
    s_c = s.astype(cdt) if _on_arrays(xp) else s.to(u.dtype)
    s_row = s_c[..., None, :] if _on_arrays(xp) else s_c.unsqueeze(-2)  # S as a row: X * s_row = X S
    s_col = s_c[..., :, None] if _on_arrays(xp) else s_c.unsqueeze(-1)  # S X = s_col * X
    s2 = s * s
    f = _eig_f(xp, s2)  # 1/(s_j² - s_i²)
    f = f.astype(cdt) if _on_arrays(xp) else f.to(u.dtype)
    inner = None
    if gs is not None:
        inner = _diag_embed(xp, gs.astype(cdt) if _on_arrays(xp) else gs.to(u.dtype))
    if gu is not None:
        uhgu = xp.matmul(_mH(xp, u), gu)
        j = f * (uhgu - _mH(xp, uhgu))
        term = j * s_row
        inner = term if inner is None else inner + term
        if cdt.kind == "c":
            im = _diagonal(xp, uhgu).imag
            im = (im / s) * 1j
            inner = inner + _diag_embed(xp, im)
    if gv is not None:
        vhgv = xp.matmul(vh, gv)
        kk = f * (vhgv - _mH(xp, vhgv))
        term = s_col * kk
        inner = term if inner is None else inner + term
    ga = xp.matmul(u, xp.matmul(inner, vh))
    if gu is not None and m > k:
        proj = gu - xp.matmul(u, xp.matmul(_mH(xp, u), gu))
        ga = ga + xp.matmul(proj / s_row, vh)
    if gv is not None and n > k:
        proj = gv - xp.matmul(v, xp.matmul(vh, gv))
        ga = ga + xp.matmul(u, _mH(xp, proj) / s_col)
    return ga


class LinalgSvdBackward0(Rule):
    """svd(A) = (U, S, Vh): d/dA = U [(F∘(UᴴgU - gUᴴU)) S + diag(gS) + S (F∘(VᴴgV - gVᴴV))] Vᴴ
    + (I - UUᴴ) gU S⁻¹ Vᴴ + U S⁻¹ gVᴴ (I - VVᴴ), F_ij = 1/(s_j² - s_i²) (and for complex A the
    phase term i Im(diag(UᴴgU)) / S, for a loss that does not depend on the phases; PyTorch checks that,
    this rule does not, as eig's docstring says). full_matrices: only the first min(m, n) columns count."""
    batching = "batch_dims"
    explain = Explain("svd({A})", "∂/∂A = U [diag(gS) + (F∘(UᴴgU - gUᴴU)) S + S (F∘(VᴴgV - gVᴴV))] Vᴴ + …")
    multi_output = True

    @staticmethod
    def forward(node, xp, a, full, compute_uv):
        outs = _call(xp, LinalgSvdBackward0, _svd_arrays, a, full, True)
        if node is not None:
            if compute_uv:
                node.num_outputs = 3
            node.saved = outs
            node.full, node.shape, node.compute_uv = full, tuple(a.shape), compute_uv
        return outs if compute_uv else outs[1]

    @staticmethod
    def jvp(xp, t, out, a, full, compute_uv):
        m, n = a.shape[-2:]
        k = min(m, n)
        if compute_uv:
            u, s, vh = out
        else:  # svdvals: U and Vh are not outputs; recompute them
            u, s, vh = _call(xp, LinalgSvdBackward0, _svd_arrays, a, False, True)
        # full_matrices on a non-square matrix: U's last m - k columns (or Vh's last n - k rows) are any
        # orthonormal completion, not a function of A; their tangents are zero, as in PyTorch
        padding = None
        if full and m != n and compute_uv:
            padding = (u[..., :, k:] * 0, vh[..., k:, :] * 0)
            u, vh = u[..., :, :k], vh[..., :k, :]
        da = t[0]
        v = _mH(xp, vh)
        dp = xp.matmul(_mH(xp, u), xp.matmul(da, v))  # Uᴴ dA V
        diag = _diagonal(xp, dp)
        ds = diag.real
        if not compute_uv:
            return ds
        cdt = _dtype_of(u)
        s_c = s.astype(cdt) if _on_arrays(xp) else s.to(u.dtype)
        s_row = s_c[..., None, :] if _on_arrays(xp) else s_c.unsqueeze(-2)
        s_col = s_c[..., :, None] if _on_arrays(xp) else s_c.unsqueeze(-1)
        f = _eig_f(xp, s * s)
        f = f.astype(cdt) if _on_arrays(xp) else f.to(u.dtype)
        dph = _mH(xp, dp)
        j = f * (dp * s_row + s_col * dph)
        kk = f * (s_col * dp + dph * s_row)
        if cdt.kind == "c":
            j = j + _diag_embed(xp, (diag.imag / s) * 1j)
        du = xp.matmul(u, j)
        dv = xp.matmul(v, kk)
        if m > k:
            du = du + (xp.matmul(da, v) - xp.matmul(u, dp)) / s_row
        if n > k:
            dv = dv + (xp.matmul(_mH(xp, da), u) - xp.matmul(v, dph)) / s_row
        if padding is not None:
            return xp.concatenate([du, padding[0]], -1), ds, xp.concatenate([_mH(xp, dv), padding[1]], -2)
        return du, ds, _mH(xp, dv)

    def vjp(self, grads, xp):
        u, s, vh = self.saved
        m, n = self.shape[-2:]
        k = min(m, n)
        if not self.compute_uv:
            grads = (None, grads if not isinstance(grads, (list, tuple)) else grads[0], None)
        gu, gs, gvh = grads
        if self.full:
            u = u[..., :, :k]
            vh = vh[..., :k, :]
            if gu is not None:
                gu = gu[..., :, :k]
            if gvh is not None:
                gvh = gvh[..., :k, :]
        ga = _svd_backward(xp, u, s, vh, gu, gs, gvh, m, n)
        if ga is None:
            return (None,)
        return (ga,)


# ============================================================================ pinv
def _pinv_arrays(a, atol, rtol, hermitian):
    if a.shape[-1] == 0 or a.shape[-2] == 0:
        return np.zeros(a.shape[:-2] + (a.shape[-1], a.shape[-2]), a.dtype)
    u, s, vh = np.linalg.svd(a, full_matrices=False, hermitian=hermitian)
    smax = s.max(axis=-1, keepdims=True) if s.size else s
    atol_a = np.asarray(0.0 if atol is None else atol, dtype=s.dtype)
    if rtol is None:
        rtol_v = (np.finfo(s.dtype).eps * max(a.shape[-2:])) if atol is None or np.all(atol_a == 0) else 0.0
    else:
        rtol_v = rtol
    rtol_a = np.asarray(rtol_v, dtype=s.dtype)
    if atol_a.ndim:
        atol_a = atol_a[..., None]
    if rtol_a.ndim:
        rtol_a = rtol_a[..., None]
    tol = np.maximum(atol_a, rtol_a * smax)
    keep = s > tol
    with np.errstate(divide="ignore"):
        sinv = np.where(keep, 1.0 / np.where(keep, s, 1.0), 0.0).astype(s.dtype)
    v = np.conj(np.swapaxes(vh, -1, -2))
    uh = np.conj(np.swapaxes(u, -1, -2))
    return np.matmul(v * sinv[..., None, :].astype(a.dtype), uh)


class LinalgPinvBackward0(Rule):
    """pinv(A) = P (constant rank): dP = -P dA P + P Pᴴ dAᴴ (I - A P) + (I - P A) dAᴴ Pᴴ P, so
    d/dA = -Pᴴ g Pᴴ + (I - A P) gᴴ P Pᴴ + Pᴴ P gᴴ (I - P A)."""
    batching = "batch_dims"
    explain = Explain("pinv({A})", "∂/∂A = -Pᴴ g Pᴴ + (I - A P) gᴴ P Pᴴ + Pᴴ P gᴴ (I - P A)")
    saves_output = True

    @staticmethod
    def forward(node, xp, a, atol, rtol, hermitian):
        out = _call(xp, LinalgPinvBackward0, _pinv_arrays, a, atol, rtol, hermitian)
        if node is not None:
            node.saved = (a, out)
        return out

    @staticmethod
    def jvp(xp, t, out, a, atol, rtol, hermitian):
        p, da = out, t[0]
        dah = _mH(xp, da)
        ap = xp.matmul(a, p)
        pa = xp.matmul(p, a)
        d = -xp.matmul(p, xp.matmul(da, p))
        d = d + xp.matmul(xp.matmul(p, _mH(xp, p)), dah - xp.matmul(dah, ap))
        d = d + xp.matmul(dah - xp.matmul(pa, dah), xp.matmul(_mH(xp, p), p))
        return d

    def vjp(self, g, xp):
        a, p = self.saved
        ph, gh = _mH(xp, p), _mH(xp, g)
        ga = -xp.matmul(ph, xp.matmul(g, ph))
        # (I - A P) gᴴ P Pᴴ
        x = xp.matmul(gh, xp.matmul(p, ph))
        ga = ga + x - xp.matmul(a, xp.matmul(p, x))
        # Pᴴ P gᴴ (I - P A)
        y = xp.matmul(ph, xp.matmul(p, gh))
        ga = ga + y - xp.matmul(xp.matmul(y, p), a)
        return (ga,)


# ============================================================================ matrix_exp
# Padé [13/13] coefficients (Higham 2005), computed from their closed form b_j =
# (26 - j)! 13! / (26! j! (13 - j)!), and scaling and squaring.
def _pade_coefficients(p):
    from math import factorial
    return [factorial(2 * p - j) * factorial(p) / (factorial(2 * p) * factorial(j) * factorial(p - j))
            for j in range(p + 1)]


_B13 = _pade_coefficients(13)


def _expm_one(a):
    """exp of one batch of square matrices (..., n, n) by scaling and squaring with Padé 13."""
    n = a.shape[-1]
    norm1 = np.abs(a).sum(axis=-2).max() if a.size else 0.0
    s = max(0, int(np.ceil(np.log2(norm1 / 5.371920351148152)))) if norm1 > 5.371920351148152 else 0
    a = a / (2.0 ** s)
    eye = np.broadcast_to(np.eye(n, dtype=a.dtype), a.shape)
    a2 = a @ a
    a4 = a2 @ a2
    a6 = a4 @ a2
    b = _B13
    u = a @ (a6 @ (b[13] * a6 + b[11] * a4 + b[9] * a2) + b[7] * a6 + b[5] * a4 + b[3] * a2 + b[1] * eye)
    v = a6 @ (b[12] * a6 + b[10] * a4 + b[8] * a2) + b[6] * a6 + b[4] * a4 + b[2] * a2 + b[0] * eye
    r = np.linalg.solve(v - u, v + u)
    for _ in range(s):
        r = r @ r
    return r


def _expm_arrays(a):
    if a.shape[-1] == 0:
        return a.copy()
    work = a.astype(np.complex128 if a.dtype.kind == "c" else np.float64)
    return _expm_one(work).astype(a.dtype)


def matrix_exp(xp, a):
    return _call(xp, LinalgMatrixExpBackward0, _expm_arrays, a)


class LinalgMatrixExpBackward0(Rule):
    """matrix_exp(A):  d/dA = the upper-right block of exp([[Aᴴ, g], [0, Aᴴ]]) (the Fréchet
    derivative's adjoint), and the jvp the same block of exp([[A, dA], [0, A]])."""
    batching = "batch_dims"
    explain = Explain("matrix_exp({a})", "∂/∂A = the upper-right block of exp([[Aᴴ, g], [0, Aᴴ]])")

    @staticmethod
    def forward(node, xp, a):
        if node is not None:
            node.saved = (a,)
        if not _on_arrays(xp):
            return None
        return _expm_arrays(a)

    @staticmethod
    def jvp(xp, t, out, a):
        return _block_exp(xp, a, t[0])

    def vjp(self, g, xp):
        a, = self.saved
        return (_block_exp(xp, _mH(xp, a), g),)


def _block_exp(xp, a, e):
    n = a.shape[-1]
    z = xp.zeros_like(a)
    top = xp.concatenate([a, e], -1)
    bottom = xp.concatenate([z, a], -1)
    big = matrix_exp(xp, xp.concatenate([top, bottom], -2))
    return big[..., :n, n:]


class LinalgSvdvalsBackward(LinalgSvdBackward0):
    """svdvals(A): LinalgSvdBackward0 with S its one output (U and Vh kept for the gradient)."""
    multi_output = False


LinalgSvdvalsBackward.__name__ = LinalgSvdvalsBackward.__qualname__ = "LinalgSvdBackward0"


# ============================================================================ cholesky_solve, cholesky_inverse
def _cholesky_solve_arrays(b, l, upper):
    """A⁻¹ B for A = L Lᴴ (upper: A = Uᴴ U), by two triangular solves reading L's triangle."""
    if upper:
        y = _solve_tri_arrays(np.conj(np.swapaxes(l, -1, -2)), b, False, True, False)
        return _solve_tri_arrays(l, y, True, True, False)
    y = _solve_tri_arrays(l, b, False, True, False)
    return _solve_tri_arrays(np.conj(np.swapaxes(l, -1, -2)), y, True, True, False)


def cholesky_solve(xp, b, l, upper):
    return _call(xp, CholeskySolveBackward0, _cholesky_solve_arrays, b, l, upper)


class CholeskySolveBackward0(Rule):
    """cholesky_solve(B, L) = X = (L Lᴴ)⁻¹ B:  d/dB = cholesky_solve(g, L),  d/dL = -(C + Cᴴ) L
    (upper: -U (C + Cᴴ)) with C = (d/dB) Xᴴ: PyTorch's formula, L taken as a full matrix."""
    batching = "batch_dims"
    explain = Explain("cholesky_solve({B}, {L})", "∂/∂B = A⁻¹ g,  ∂/∂L = -(C + Cᴴ) L, C = A⁻¹ g Xᴴ")

    @staticmethod
    def forward(node, xp, b, l, upper):
        out = _call(xp, CholeskySolveBackward0, _cholesky_solve_arrays, b, l, upper)
        if node is not None:
            node.saved = (l, out)
            node.upper = upper
            node.shapes = (tuple(b.shape), tuple(l.shape))
        return out

    @staticmethod
    def jvp(xp, t, out, b, l, upper):
        tb, tl = t[:2]
        rhs = tb
        if tl is not None:  # dA = dL Lᴴ + L dLᴴ (upper: dUᴴ U + Uᴴ dU)
            da = (xp.matmul(_mH(xp, tl), l) + xp.matmul(_mH(xp, l), tl) if upper else
                  xp.matmul(tl, _mH(xp, l)) + xp.matmul(l, _mH(xp, tl)))
            r = -xp.matmul(da, out)
            rhs = r if rhs is None else rhs + r
        return cholesky_solve(xp, rhs, l, upper)

    def vjp(self, g, xp):
        l, x = self.saved
        bshape, lshape = self.shapes
        (nb, _), (nl, _) = self.next_functions
        gb = cholesky_solve(xp, g, l, self.upper)
        gl = None
        if nl is not None:
            c = xp.matmul(gb, _mH(xp, x))
            c = c + _mH(xp, c)
            gl = _sum_to(xp, -(xp.matmul(l, c) if self.upper else xp.matmul(c, l)), lshape)
        return (None if nb is None else _sum_to(xp, gb, bshape)), gl


def _cholesky_inverse_arrays(l, upper):
    eye = np.broadcast_to(np.eye(l.shape[-1], dtype=l.dtype), l.shape)
    return _cholesky_solve_arrays(eye, l, upper)


class CholeskyInverseBackward0(Rule):
    """cholesky_inverse(L) = A⁻¹ for A = L Lᴴ:  d/dL = -A⁻¹ (g + gᴴ) A⁻¹ L
    (upper, A = Uᴴ U: -U A⁻¹ (g + gᴴ) A⁻¹)."""
    batching = "batch_dims"
    explain = Explain("cholesky_inverse({L})", "∂/∂L = -A⁻¹ (g + gᴴ) A⁻¹ L")
    saves_output = True

    @staticmethod
    def forward(node, xp, l, upper):
        out = _call(xp, CholeskyInverseBackward0, _cholesky_inverse_arrays, l, upper)
        if node is not None:
            node.saved = (l, out)
            node.upper = upper
        return out

    @staticmethod
    def jvp(xp, t, out, l, upper):
        tl = t[0]
        da = (xp.matmul(_mH(xp, tl), l) + xp.matmul(_mH(xp, l), tl) if upper else
              xp.matmul(tl, _mH(xp, l)) + xp.matmul(l, _mH(xp, tl)))
        return -xp.matmul(out, xp.matmul(da, out))

    def vjp(self, g, xp):
        l, inv = self.saved
        c = xp.matmul(inv, xp.matmul(g + _mH(xp, g), inv))
        return (-(xp.matmul(l, c) if self.upper else xp.matmul(c, l)),)


# ============================================================================ eig (general matrices)
def _eig_arrays(a):
    w, v = np.linalg.eig(a)
    c = np.complex64 if a.dtype in (np.float32, np.complex64) else np.complex128
    return w.astype(c, copy=False), v.astype(c, copy=False)


class LinalgEigBackward0(Rule):
    """eig(A) = (L, V), A V = V diag(L), V's columns of norm 1 (complex results for real A too):
    d/dA = V⁻ᴴ (diag(gL) + (Vᴴ gV - Vᴴ V Re diag(Vᴴ gV)) / conj(L_j - L_i)) Vᴴ, its real part for
    real A (the projection keeps the columns' norm; a loss must not depend on their phases, which
    PyTorch checks and this rule does not: under create_graph its gradient reaches the eigenvectors
    through two nodes, each of them phase-dependent, though not their sum)."""
    batching = "batch_dims"
    multi_output = True
    explain = Explain("eig({A})", "∂/∂A = V⁻ᴴ (diag(gL) + P(Vᴴ gV) / conj(E)) Vᴴ,  E_ij = λ_j - λ_i")

    @staticmethod
    def forward(node, xp, a):
        outs = _call(xp, LinalgEigBackward0, _eig_arrays, a)
        if node is not None:
            node.num_outputs = 2
            node.saved = (outs[0], outs[1])
            node.real_input = _dtype_of(a).kind != "c"
        return outs

    @staticmethod
    def jvp(xp, t, out, a):
        w, v = out
        da = t[0]
        if _dtype_of(da).kind != "c":
            da = da.astype(_dtype_of(v)) if _on_arrays(xp) else da.to(v.dtype)
        f = solve(xp, v, xp.matmul(da, v))  # V⁻¹ dA V
        dw = _diagonal(xp, f)
        e = _eig_e(xp, w, conj=False)
        n = w.shape[-1]
        off = _const(xp, (~np.eye(n, dtype=bool)).astype(_dtype_of(v)))
        dv = xp.matmul(v, f * off / e)
        dv = dv - v * _row(xp, _diagonal(xp, xp.matmul(_mH(xp, v), dv)).real)
        return dw, dv

    def vjp(self, grads, xp):
        w, v = self.saved
        gw, gv = grads
        cdt = _dtype_of(v)
        if gv is None:
            if gw is None:
                return (None,)
            inner = _diag_embed(xp, gw)
        else:
            vhgv = xp.matmul(_mH(xp, v), gv)
            re = _diagonal(xp, vhgv).real
            vhgv = vhgv - xp.matmul(_mH(xp, v), v * _row(xp, re))
            n = w.shape[-1]
            inner = vhgv / _eig_e(xp, w, conj=True)
            eye = _const(xp, np.eye(n, dtype=cdt))
            inner = inner * (1 - eye) + (0 if gw is None else _diag_embed(xp, gw))
        ga = solve(xp, _mH(xp, v), xp.matmul(inner, _mH(xp, v)))
        if self.real_input:
            ga = ga.real
        return (ga,)


def _row(xp, x):
    """x (..., n) as a row (..., 1, n), cast to complex for products with V."""
    x = x.astype(np.complex128 if _dtype_of(x) == np.float64 else np.complex64) if _on_arrays(xp) else x
    return x[..., None, :] if _on_arrays(xp) else x.unsqueeze(-2)


def _eig_e(xp, w, conj):
    """E_ij = w_j - w_i (conjugated when conj), with ones on the diagonal (a safe divisor)."""
    wc = xp.conj(w) if conj else w
    e = (wc[..., None, :] - wc[..., :, None]) if _on_arrays(xp) else wc.unsqueeze(-2) - wc.unsqueeze(-1)
    n = w.shape[-1]
    return e + _const(xp, np.eye(n, dtype=_dtype_of(w)))


class LinalgEigvalsBackward(LinalgEigBackward0):
    """eigvals(A): LinalgEigBackward0 with L its one output."""
    multi_output = False

    @staticmethod
    def forward(node, xp, a):
        outs = LinalgEigBackward0.forward(node, xp, a)
        return None if outs is None else outs[0]

    @staticmethod
    def jvp(xp, t, out, a):
        w, v = _call(xp, LinalgEigBackward0, _eig_arrays, a)
        return LinalgEigBackward0.jvp(xp, t, (w, v), a)[0]

    def vjp(self, g, xp):
        return LinalgEigBackward0.vjp(self, (g, None), xp)


LinalgEigvalsBackward.__name__ = LinalgEigvalsBackward.__qualname__ = "LinalgEigBackward0"


# ============================================================================ LU
def _lu_arrays(a):
    """LU with partial pivoting (LAPACK getrf's choices): (LU packed, pivots 1-based int32, info int32),
    batched; info is the first zero pivot (1-based; 0 when none)."""
    lu = a.astype(np.complex128 if a.dtype.kind == "c" else np.float64, copy=True)
    m, n = lu.shape[-2:]
    k = min(m, n)
    batch = lu.shape[:-2]
    lu = lu.reshape((int(np.prod(batch)), m, n))
    rows = np.arange(lu.shape[0])
    piv = np.zeros((lu.shape[0], k), np.int32)
    info = np.zeros(lu.shape[0], np.int32)
    for j in range(k):
        col = lu[:, j:, j]
        # LAPACK's i?amax: the largest |Re| + |Im| for complex numbers, not the modulus
        p = j + np.argmax(np.abs(col.real) + np.abs(col.imag) if col.dtype.kind == "c" else np.abs(col), axis=-1)
        piv[:, j] = p + 1
        top = lu[rows, j].copy()
        lu[rows, j] = lu[rows, p]
        lu[rows, p] = top
        pivot = lu[:, j, j]
        zero = pivot == 0
        info[(info == 0) & zero] = j + 1
        safe = np.where(zero, 1, pivot)
        factors = np.where(zero[:, None], 0, lu[:, j + 1:, j] / safe[:, None])
        lu[:, j + 1:, j] = factors
        lu[:, j + 1:, j + 1:] -= factors[:, :, None] * lu[:, j, None, j + 1:]
    return (lu.reshape(batch + (m, n)).astype(a.dtype, copy=False), piv.reshape(batch + (k,)),
            info.reshape(batch))


def _permutation(piv, m):
    """P (..., m, m) with A = P L U, from LAPACK's row interchanges (1-based pivots)."""
    batch = piv.shape[:-1]
    count = int(np.prod(batch))
    flat = piv.reshape((count, piv.shape[-1]))
    perm = np.tile(np.arange(m), (count, 1))
    rows = np.arange(flat.shape[0])
    for j in range(flat.shape[1]):
        p = flat[:, j] - 1
        top = perm[rows, j].copy()
        perm[rows, j] = perm[rows, p]
        perm[rows, p] = top
    eye = np.eye(m)
    # (Pᵀ A)[i] = A[perm[i]]: Pᵀ = I[perm], P = I[perm]ᵀ
    return np.swapaxes(eye[perm], -1, -2).reshape(batch + (m, m))


def _unpack(xp, lu, m, n):
    """L (m, k) unit lower and U (k, n) upper from the packed LU."""
    k = min(m, n)
    dt = _dtype_of(lu)
    lower = _mask(xp, lu[..., :, :k], _tril_mask(m, k, -1)) + _const(xp, np.eye(m, k, dtype=dt))
    upper = _mask(xp, lu[..., :k, :], _tril_mask(k, n, -1) == 0)
    return lower, upper


def _lu_backward(xp, p, lower, upper, gl, gu, m, n):
    """The gradient of A = P L U (PyTorch's convention), any m, n."""
    k = min(m, n)
    if gl is None:
        gl = xp.zeros_like(lower)
    if gu is None:
        gu = xp.zeros_like(upper)
    p = p.astype(_dtype_of(lower))
    tri_l, tri_u = _tril_mask(k, k, -1), _tril_mask(k, k, -1) == 0
    if m == n:
        gr = _mask(xp, xp.matmul(_mH(xp, lower), gl), tri_l) + _mask(xp, xp.matmul(gu, _mH(xp, upper)), tri_u)
        x = solve_triangular(xp, _mH(xp, lower), gr, True, True, True)
        return xp.matmul(_const(xp, p), solve_triangular(xp, _mH(xp, upper), x, False, False, False))
    if m < n:
        u1, u2 = upper[..., :, :m], upper[..., :, m:]
        gu1, gu2 = gu[..., :, :m], gu[..., :, m:]
        gr = (_mask(xp, xp.matmul(_mH(xp, lower), gl) - xp.matmul(gu2, _mH(xp, u2)), tri_l)
              + _mask(xp, xp.matmul(gu1, _mH(xp, u1)), tri_u))
        left = xp.concatenate([solve_triangular(xp, _mH(xp, u1), gr, False, False, False), gu2], -1)
        return xp.matmul(_const(xp, p), solve_triangular(xp, _mH(xp, lower), left, True, True, True))
    l1, l2 = lower[..., :n, :], lower[..., n:, :]
    gl1, gl2 = gl[..., :n, :], gl[..., n:, :]
    gr = (_mask(xp, xp.matmul(_mH(xp, l1), gl1), tri_l)
          + _mask(xp, xp.matmul(gu, _mH(xp, upper)) - xp.matmul(_mH(xp, l2), gl2), tri_u))
    top = solve_triangular(xp, _mH(xp, l1), gr, True, True, True)
    both = xp.concatenate([top, gl2], -2)
    return xp.matmul(_const(xp, p), solve_triangular(xp, _mH(xp, upper), both, False, False, False))


def _lu_jvp(xp, p, lower, upper, da, m, n):
    """dL, dU of A = P L U for the tangent dA."""
    k = min(m, n)
    da = xp.matmul(_const(xp, np.swapaxes(p, -1, -2).astype(_dtype_of(da))), da)  # Pᵀ dA
    tri_l, tri_u = _tril_mask(k, k, -1), _tril_mask(k, k, -1) == 0
    l1 = lower[..., :k, :]
    u1 = upper[..., :, :k]
    x = solve_triangular(xp, l1, da[..., :k, :k], False, True, True)
    x = solve_triangular(xp, u1, x, True, False, False)
    dl1 = xp.matmul(l1, _mask(xp, x, tri_l))
    du1 = xp.matmul(_mask(xp, x, tri_u), u1)
    if m == n:
        return dl1, du1
    if m < n:
        du2 = solve_triangular(xp, l1, da[..., :, m:] - xp.matmul(dl1, upper[..., :, m:]), False, True, True)
        return dl1, xp.concatenate([du1, du2], -1)
    dl2 = solve_triangular(xp, u1, da[..., n:, :] - xp.matmul(lower[..., n:, :], du1), True, False, False)
    return xp.concatenate([dl1, dl2], -2), du1


def _lu_factor_outputs(a):
    lu, piv, info = _lu_arrays(a)
    return lu, piv, info


class LinalgLuFactorExBackward0(Rule):
    """lu_factor(A) = (LU, pivots, info), A = P L U packed in LU (L unit lower, U upper):
    d/dA = P L⁻ᴴ (tril(Lᴴ gL, -1) + triu(gU Uᴴ)) U⁻ᴴ with gL, gU the strict lower and upper parts
    of g (and the extra blocks of a non-square A)."""
    batching = "batch_dims"
    aux_outputs = True
    explain = Explain("lu_factor({A})", "∂/∂A = P L⁻ᴴ (tril(Lᴴ gL, -1) + triu(gU Uᴴ)) U⁻ᴴ")

    @staticmethod
    def forward(node, xp, a):
        outs = _call(xp, LinalgLuFactorExBackward0, _lu_factor_outputs, a)
        if node is not None:
            piv = outs[1] if _on_arrays(xp) else outs[1]._data
            node.saved = (outs[0],)
            node.perm = _permutation(np.asarray(piv), a.shape[-2])
            node.mn = tuple(a.shape[-2:])
        return outs

    @staticmethod
    def jvp(xp, t, out, a):
        lu, piv = out[0], out[1]
        piv = piv if type(piv) is np.ndarray else piv._data
        m, n = a.shape[-2:]
        lower, upper = _unpack(xp, lu, m, n)
        dl, du = _lu_jvp(xp, _permutation(piv, m), lower, upper, t[0], m, n)
        k = min(m, n)
        dlow = _mask(xp, dl, _tril_mask(m, k, -1))
        dup = _mask(xp, du, _tril_mask(k, n, -1) == 0)
        if m > n:
            dup = xp.concatenate([dup, xp.zeros_like(dlow[..., n:, :])], -2)
        elif m < n:
            dlow = xp.concatenate([dlow, xp.zeros_like(dup[..., :, m:])], -1)
        return dlow + dup

    def vjp(self, g, xp):
        lu, = self.saved
        m, n = self.mn
        k = min(m, n)
        lower, upper = _unpack(xp, lu, m, n)
        gl = _mask(xp, g[..., :, :k], _tril_mask(m, k, -1))
        gu = _mask(xp, g[..., :k, :], _tril_mask(k, n, -1) == 0)
        return (_lu_backward(xp, self.perm, lower, upper, gl, gu, m, n),)


def lu_outputs(a):
    lu, piv, info = _lu_arrays(a)
    m, n = a.shape[-2:]
    k = min(m, n)
    lower = np.tril(lu[..., :, :k], -1) + np.eye(m, k, dtype=a.dtype)
    upper = np.triu(lu[..., :k, :])
    return _permutation(piv, m).astype(a.dtype), lower, upper


class LinalgLuBackward0(Rule):
    """lu(A) = (P, L, U), A = P L U; L and U are this node's outputs (`factors`: the (P, L, U) the
    caller computed already, so that P, a constant, stays outside the graph):
    d/dA = P L⁻ᴴ (tril(Lᴴ gL, -1) + triu(gU Uᴴ)) U⁻ᴴ (with the extra blocks of a non-square A)."""
    batching = "batch_dims"
    multi_output = True
    nondiff = (1,)
    explain = Explain("lu({A})", "∂/∂A = P L⁻ᴴ (tril(Lᴴ gL, -1) + triu(gU Uᴴ)) U⁻ᴴ")

    @staticmethod
    def forward(node, xp, a, factors):
        if _on_arrays(xp):
            p, lower, upper = factors
            outs = (lower, upper)
        else:
            p = factors[0]
            outs = xp.apply_rule(LinalgLuBackward0, a, factors)
        if node is not None:
            node.num_outputs = 2
            node.saved = outs
            node.perm = p
            node.mn = tuple(a.shape[-2:])
        return outs

    @staticmethod
    def jvp(xp, t, out, a, factors):
        lower, upper = out
        m, n = a.shape[-2:]
        return _lu_jvp(xp, factors[0], lower, upper, t[0], m, n)

    def vjp(self, grads, xp):
        lower, upper = self.saved
        gl, gu = grads
        m, n = self.mn
        if gl is None and gu is None:
            return (None,)
        return (_lu_backward(xp, self.perm, lower, upper, gl, gu, m, n),)


# ============================================================================ LDL (Bunch-Kaufman), values only
_BK_ALPHA = (1 + np.sqrt(17.0)) / 8


def _cabs1(x):
    return np.abs(x.real) + np.abs(x.imag) if np.iscomplexobj(x) else np.abs(x)


def _ldl_one(a, hermitian):
    """LAPACK's ?sytf2 / ?hetf2 (lower): A = P L D Lᵀ P (Lᴴ for hermitian) with 1x1 and 2x2 blocks
    in D, Bunch-Kaufman pivoting; returns (LD with its upper triangle zero, 1-based pivots, info)."""
    a = np.tril(a).astype(np.complex128 if a.dtype.kind == "c" else np.float64)
    n = a.shape[0]
    cj = np.conj if hermitian else (lambda v: v)
    piv = np.zeros(n, np.int32)
    info = 0
    k = 0
    while k < n:
        kstep = 1
        absakk = abs(a[k, k].real) if hermitian else _cabs1(a[k, k])
        if k < n - 1:
            imax = k + 1 + int(np.argmax(_cabs1(a[k + 1:, k])))
            colmax = _cabs1(a[imax, k])
        else:
            imax, colmax = k, 0.0
        if max(absakk, colmax) == 0 or np.isnan(absakk):
            if info == 0:
                info = k + 1
            kp = k
            if hermitian:
                a[k, k] = a[k, k].real
        else:
            if absakk >= _BK_ALPHA * colmax:
                kp = k
            else:
                rowmax = np.max(_cabs1(a[imax, k:imax]))
                if imax < n - 1:
                    rowmax = max(rowmax, np.max(_cabs1(a[imax + 1:, imax])))
                akk_imax = abs(a[imax, imax].real) if hermitian else _cabs1(a[imax, imax])
                if absakk >= _BK_ALPHA * colmax * (colmax / rowmax):
                    kp = k
                elif akk_imax >= _BK_ALPHA * rowmax:
                    kp = imax
                else:
                    kp, kstep = imax, 2
            kk = k + kstep - 1
            if kp != kk:  # interchange rows and columns kk and kp of the trailing matrix
                if kp < n - 1:
                    a[kp + 1:, kk], a[kp + 1:, kp] = a[kp + 1:, kp].copy(), a[kp + 1:, kk].copy()
                mid = a[kk + 1:kp, kk].copy()
                a[kk + 1:kp, kk] = cj(a[kp, kk + 1:kp])
                a[kp, kk + 1:kp] = cj(mid)
                if hermitian:
                    a[kp, kk] = np.conj(a[kp, kk])
                a[kk, kk], a[kp, kp] = a[kp, kp], a[kk, kk]
                if kstep == 2:
                    a[k + 1, k], a[kp, k] = a[kp, k], a[k + 1, k]
            if kstep == 1:
                if hermitian:
                    a[k, k] = a[k, k].real
                if k < n - 1:
                    d11 = 1 / (a[k, k].real if hermitian else a[k, k])
                    x = a[k + 1:, k].copy()
                    a[k + 1:, k + 1:] -= np.tril(d11 * np.outer(x, cj(x)))
                    if hermitian:
                        idx = np.arange(k + 1, n)
                        a[idx, idx] = a[idx, idx].real
                    a[k + 1:, k] = x * d11
            else:
                if hermitian:
                    a[k, k] = a[k, k].real
                    a[k + 1, k + 1] = a[k + 1, k + 1].real
                if k < n - 2:
                    if hermitian:
                        d = abs(a[k + 1, k])
                        d11 = a[k + 1, k + 1].real / d
                        d22 = a[k, k].real / d
                        tt = 1 / (d11 * d22 - 1)
                        d21 = a[k + 1, k] / d
                        d = tt / d
                        wk = d * (d11 * a[k + 2:, k] - d21 * a[k + 2:, k + 1])
                        wkp1 = d * (d22 * a[k + 2:, k + 1] - np.conj(d21) * a[k + 2:, k])
                    else:
                        d21 = a[k + 1, k]
                        d11 = a[k + 1, k + 1] / d21
                        d22 = a[k, k] / d21
                        t = 1 / (d11 * d22 - 1)
                        d21 = t / d21
                        wk = d21 * (d11 * a[k + 2:, k] - a[k + 2:, k + 1])
                        wkp1 = d21 * (d22 * a[k + 2:, k + 1] - a[k + 2:, k])
                    colk, colk1 = a[k + 2:, k].copy(), a[k + 2:, k + 1].copy()
                    a[k + 2:, k + 2:] -= np.tril(np.outer(colk, cj(wk)) + np.outer(colk1, cj(wkp1)))
                    if hermitian:
                        idx = np.arange(k + 2, n)
                        a[idx, idx] = a[idx, idx].real
                    a[k + 2:, k] = wk
                    a[k + 2:, k + 1] = wkp1
        if kstep == 1:
            piv[k] = kp + 1
        else:
            piv[k] = piv[k + 1] = -(kp + 1)
        k += kstep
    return a, piv, info


def ldl_factor_arrays(a, hermitian):
    """_ldl_one over a batch: (LD, pivots int32, info int32)."""
    batch, n = a.shape[:-2], a.shape[-1]
    flat = a.reshape((int(np.prod(batch)), n, n))
    lds, pivs, infos = [], [], []
    for m in flat:
        ld, piv, info = _ldl_one(m, hermitian)
        lds.append(ld)
        pivs.append(piv)
        infos.append(info)
    ld = np.array(lds, dtype=a.dtype).reshape(a.shape) if lds else np.zeros(a.shape, a.dtype)
    piv = np.array(pivs, np.int32).reshape(batch + (n,))
    return ld, piv, np.array(infos, np.int32).reshape(batch)


def _ldl_solve_one(ld, piv, b, hermitian):
    """LAPACK's ?sytrs / ?hetrs (lower): A⁻¹ B from ldl_factor's (LD, pivots)."""
    b = b.astype(np.result_type(ld, b, np.float64), copy=True)
    n = ld.shape[0]
    cj = np.conj if hermitian else (lambda v: v)
    k = 0
    while k < n:  # L D X = B
        if piv[k] > 0:
            kp = piv[k] - 1
            if kp != k:
                b[[k, kp]] = b[[kp, k]]
            b[k + 1:] -= np.outer(ld[k + 1:, k], b[k])
            b[k] = b[k] / (ld[k, k].real if hermitian else ld[k, k])
            k += 1
        else:
            kp = -piv[k] - 1
            if kp != k + 1:
                b[[k + 1, kp]] = b[[kp, k + 1]]
            b[k + 2:] -= np.outer(ld[k + 2:, k], b[k]) + np.outer(ld[k + 2:, k + 1], b[k + 1])
            akm1k = ld[k + 1, k]
            akm1 = ld[k, k] / cj(akm1k)
            ak = ld[k + 1, k + 1] / akm1k
            denom = akm1 * ak - 1
            bkm1 = b[k] / cj(akm1k)
            bk = b[k + 1] / akm1k
            b[k] = (ak * bkm1 - bk) / denom
            b[k + 1] = (akm1 * bk - bkm1) / denom
            k += 2
    k = n - 1
    while k >= 0:  # Lᵀ X = B (Lᴴ)
        if piv[k] > 0:
            b[k] -= cj(ld[k + 1:, k]) @ b[k + 1:]
            kp = piv[k] - 1
            if kp != k:
                b[[k, kp]] = b[[kp, k]]
            k -= 1
        else:
            b[k] -= cj(ld[k + 1:, k]) @ b[k + 1:]
            b[k - 1] -= cj(ld[k + 1:, k - 1]) @ b[k + 1:]
            kp = -piv[k] - 1
            if kp != k:
                b[[k, kp]] = b[[kp, k]]
            k -= 2
    return b


def ldl_solve_arrays(ld, piv, b, hermitian):
    batch = np.broadcast_shapes(ld.shape[:-2], b.shape[:-2])
    count = int(np.prod(batch))
    ldb = np.broadcast_to(ld, batch + ld.shape[-2:]).reshape((count,) + ld.shape[-2:])
    pivb = np.broadcast_to(piv, batch + piv.shape[-1:]).reshape((count,) + piv.shape[-1:])
    bb = np.broadcast_to(b, batch + b.shape[-2:]).reshape((count,) + b.shape[-2:])
    out = [_ldl_solve_one(x, p, y, hermitian) for x, p, y in zip(ldb, pivb, bb)]
    dt = np.result_type(ld.dtype, b.dtype)
    return (np.array(out, dtype=dt) if out else np.zeros(bb.shape, dt)).reshape(batch + b.shape[-2:])
