"""Linear algebra: dot, mm, mv, bmm and matmul's other cases, each forward beside its vjp.

All of them are one rule, `a @ b`, with one vjp: treat a 1-D `a` as a row (1, k) and a 1-D `b` as a
column (k, 1), then

    grad_a = sum_to(g @ b^T, a's shape)        grad_b = sum_to(a^T @ g, b's shape)

(sum_to removes the batch dims that broadcasting added). The subclasses differ only in their name,
which is PyTorch's grad_fn for that case: PyTorch runs batched and mixed-rank matmuls as a chain
(expand, reshape, bmm/mm, view), and the last node of that chain is what users see
(`UnsafeViewBackward0` for batched products, `SqueezeBackward4` for vector @ matrix ...). Here the
chain is a single node carrying that name.
"""
import numpy as np

from ._rule import Explain, Rule, sum_of_elements


def _product_tangent(xp, t, out, a, b):
    """d(a @ b) = da @ b + a @ db (either tangent may be None: zero)."""
    ta, tb = t
    if tb is None:
        return None if ta is None else xp.matmul(ta, b)
    return xp.matmul(a, tb) if ta is None else xp.matmul(ta, b) + xp.matmul(a, tb)


class _Matmul(Rule):
    """a @ b for any ranks >= 1, batch dims broadcast."""
    holomorphic = True
    batching = "matmul"
    explain = Explain("{a} @ {b}", "∂(a @ b)/∂a = g bᵀ,  ∂(a @ b)/∂b = aᵀ g (summed over broadcast batch dims)",
                      symbolic=lambda sp, a, b: np.matmul(a, b))
    saved_inputs = "others"  # a's gradient needs b, b's needs a

    @staticmethod
    def forward(node, xp, a, b):
        if type(a) is np.ndarray and len(a.shape) > 2 and len(b.shape) == 2 and a.size and b.size:
            # (…, k) @ (k, n): all rows as one (rows, k) matrix, one GEMM (NumPy would loop over the
            # leading dims with one small GEMM each; a non-contiguous a is copied once by reshape)
            out = np.matmul(a.reshape(-1, a.shape[-1]), b).reshape(a.shape[:-1] + (b.shape[-1],))
        else:
            out = xp.matmul(a, b)
        if node is not None:
            node.saved = (a, b)
            # the gradient's shape with the 1-D operands' unit dims put back (see the module doc)
            gshape = tuple(out.shape)
            if len(b.shape) == 1:
                gshape = gshape + (1,)
            if len(a.shape) == 1:
                gshape = gshape[:-1] + (1,) + gshape[-1:]
            node.gshape = gshape
        return out

    jvp = staticmethod(_product_tangent)

    def vjp(self, g, xp):
        a, b = self.saved
        (need_a, _), (need_b, _) = self.next_functions
        ashape, bshape = a.shape, b.shape
        a2 = a if len(ashape) > 1 else a.reshape((1,) + tuple(ashape))
        b2 = b if len(bshape) > 1 else b.reshape(tuple(bshape) + (1,))
        g = g.reshape(self.gshape)
        ga = gb = None
        # A product over a dim of size 1 is an outer product: broadcasting multiplies it 4x faster
        # than matmul (vector @ matrix, and per-example products under vmap)
        rows = type(g) is np.ndarray and len(b2.shape) == 2 and len(a2.shape) > 2 and g.size and a2.size
        if need_a is not None and rows and b2.shape[-1] != 1 and len(g.shape) == len(a2.shape):
            # a batch of rows times one matrix (see forward): one GEMM over all rows
            ga = np.matmul(g.reshape(-1, g.shape[-1]), b2.T).reshape(tuple(g.shape[:-1]) + (b2.shape[0],))
            ga = xp.sum_to(ga, tuple(a2.shape)).reshape(ashape)
        elif need_a is not None:
            bt = xp.swapaxes(b2, -1, -2)
            ga = xp.sum_to(g * bt if b2.shape[-1] == 1 else xp.matmul(g, bt),
                           tuple(a2.shape)).reshape(ashape)
        if need_b is not None and rows and a2.shape[-2] != 1 and len(g.shape) == len(a2.shape):
            # the weight's gradient summed over every row at once: (k, rows) @ (rows, n), one GEMM
            # instead of a GEMM per leading index and a sum over them
            gb = np.matmul(a2.reshape(-1, a2.shape[-1]).T, g.reshape(-1, g.shape[-1])).reshape(bshape)
        elif need_b is not None:
            at = xp.swapaxes(a2, -1, -2)
            gb = xp.sum_to(at * g if a2.shape[-2] == 1 else xp.matmul(at, g), tuple(b2.shape)).reshape(bshape)
        return ga, gb


class DotBackward0(Rule):
    """dot(a, b) of two 1-D tensors:  d/da = g * b,  d/db = g * a"""
    holomorphic = True
    batching = "matmul"
    explain = Explain("{a}ᵀ{b}", "∂(aᵀb)/∂a = b,  ∂(aᵀb)/∂b = a", symbolic=lambda sp, a, b: sum_of_elements(a * b))
    saved_inputs = "others"  # a's gradient needs b, b's needs a

    @staticmethod
    def forward(node, xp, a, b):  # both operands kept; no shapes to note
        if node is not None:
            node.saved = (a, b)
        # ndarray.dot computes the same BLAS dot as matmul with a third of its call overhead (the
        # whole cost of a short vectors' dot)
        return a.dot(b) if type(a) is np.ndarray else xp.matmul(a, b)

    jvp = staticmethod(_product_tangent)

    def vjp(self, g, xp):
        a, b = self.saved
        (na, _), (nb, _) = self.next_functions
        return (None if na is None else g * b, None if nb is None else g * a)


class VdotBackward0(Rule):
    """vdot(a, b) = sum(conj(a) * b) of two 1-D tensors. It is antiholomorphic in a and
    holomorphic in b, so its vjp is written for complex numbers directly (no conjugating twin):
    d/da = conj(g) * b,  d/db = g * a  (for real tensors, dot's)."""
    explain = Explain("{a}ᴴ{b}", "∂(Σ conj(a)·b)/∂a = b·conj(g),  ∂/∂b = a·g",
                      symbolic=lambda sp, a, b: sum_of_elements(np.vectorize(sp.conjugate, otypes=[object])(a) * b))
    batching = "matmul"

    @staticmethod
    def forward(node, xp, a, b):
        if node is not None:
            node.saved = (a, b)
        return xp.matmul(xp.conj(a), b)

    @staticmethod
    def jvp(xp, t, out, a, b):
        ta, tb = t
        ca = None if ta is None else xp.matmul(xp.conj(ta), b)
        cb = None if tb is None else xp.matmul(xp.conj(a), tb)
        return cb if ca is None else ca if cb is None else ca + cb

    def vjp(self, g, xp):
        a, b = self.saved
        (na, _), (nb, _) = self.next_functions
        return (None if na is None else xp.conj(g) * b, None if nb is None else g * a)


class MmBackward0(_Matmul):
    """matrix @ matrix:  d/da = g @ b^T,  d/db = a^T @ g"""
    explain = Explain("{a} @ {b}", "∂(A B)/∂A = G Bᵀ,  ∂(A B)/∂B = Aᵀ G", symbolic=lambda sp, a, b: a.dot(b))

    @staticmethod
    def forward(node, xp, a, b):  # both operands kept; no shapes to note
        if node is not None:
            node.saved = (a, b)
        return xp.matmul(a, b)

    def vjp(self, g, xp):
        a, b = self.saved
        (na, _), (nb, _) = self.next_functions
        return (None if na is None else xp.matmul(g, b.T),   # 2-D: .T, the cheap transpose
                None if nb is None else xp.matmul(a.T, g))


class MvBackward0(_Matmul):
    """matrix @ vector (batched matrices too, when named so by the caller)"""
    explain = Explain("{a} @ {b}", "∂(A v)/∂A = g vᵀ,  ∂(A v)/∂v = Aᵀ g", symbolic=lambda sp, a, b: a.dot(b))


class BmmBackward0(_Matmul):
    """batch of matrices @ batch of matrices (same batch size)"""


class SqueezeBackward4(_Matmul):
    """vector @ matrix (PyTorch: unsqueeze, mm, squeeze)"""


class UnsafeViewBackward0(_Matmul):
    """batched matmul (PyTorch: expand, reshape, bmm or mm, then a view back)"""


class CloneBackward0(_Matmul):
    """matrix @ batch of matrices (PyTorch folds it as a transposed mm, then copies)"""
