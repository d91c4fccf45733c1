"""Reductions: sum, mean, norm ... each one's forward and vjp side by side.

`dim` arrives normalized: None (all dims) or a tuple of non-negative ints. A reduced gradient is
brought back to the input's shape by re-inserting the reduced dims (when keepdim=False) and
broadcasting.
"""
from ..engine.node import Node


def _unreduce(g, xp, shape, dim, keepdim):
    """Broadcast a reduced gradient back over the input's shape."""
    if dim is None:
        dim = tuple(range(len(shape)))
    if not keepdim and dim:
        g = g.reshape(tuple(1 if i in dim else n for i, n in enumerate(shape)))
    return xp.broadcast_to(g, shape)


class SumBackward0(Node):
    """sum of all elements"""

    @staticmethod
    def forward(node, xp, a, dim=None, keepdim=False, dtype=None):
        if node is not None:
            node.shape = a.shape
        return a.sum(axis=dim, keepdims=keepdim, dtype=dtype)

    def vjp(self, g, xp):
        return (xp.broadcast_to(g, self.shape),)


class SumBackward1(Node):
    """sum over dims"""

    @staticmethod
    def forward(node, xp, a, dim, keepdim=False, dtype=None):
        if node is not None:
            node.args = (a.shape, dim, keepdim)
        return a.sum(axis=dim, keepdims=keepdim, dtype=dtype)

    def vjp(self, g, xp):
        return (_unreduce(g, xp, *self.args),)


class MeanBackward0(Node):
    """mean of all elements"""

    @staticmethod
    def forward(node, xp, a, dim=None, keepdim=False, dtype=None):
        if node is not None:
            node.shape = a.shape
        return a.mean(axis=dim, keepdims=keepdim, dtype=dtype)

    def vjp(self, g, xp):
        shape = self.shape
        n = 1
        for s in shape:
            n *= s
        return (xp.broadcast_to(g / n, shape),)


class MeanBackward1(Node):
    """mean over dims"""

    @staticmethod
    def forward(node, xp, a, dim, keepdim=False, dtype=None):
        if node is not None:
            node.args = (a.shape, dim, keepdim)
        return a.mean(axis=dim, keepdims=keepdim, dtype=dtype)

    def vjp(self, g, xp):
        shape, dim, keepdim = self.args
        n = 1
        for d in (dim if dim is not None else range(len(shape))):
            n *= shape[d]
        return (_unreduce(g / n, xp, shape, dim, keepdim),)


class LinalgVectorNormBackward0(Node):
    """p-norm: for p=2, d/da = g * a / norm"""
    saves_output = True

    @staticmethod
    def forward(node, xp, a, p=2, dim=None, keepdim=False):
        if p == 2:
            out = xp.sqrt((a * a).sum(axis=dim, keepdims=keepdim))
        elif p == float("inf"):
            out = xp.abs(a).max(axis=dim, keepdims=keepdim)
        elif p == 1:
            out = xp.abs(a).sum(axis=dim, keepdims=keepdim)
        else:
            out = (xp.abs(a) ** p).sum(axis=dim, keepdims=keepdim) ** (1.0 / p)
        if node is not None:
            node.saved = (a, out)
            node.args = (p, dim, keepdim)
        return out

    def vjp(self, g, xp):
        a, out = self.saved
        p, dim, keepdim = self.args
        g = _unreduce(g, xp, a.shape, dim, keepdim)
        norm = _unreduce(out, xp, a.shape, dim, keepdim)
        if p == 2:  # 0/0 at a zero vector: PyTorch gives a zero gradient there
            return (xp.where(norm == 0, 0 * a, g * a / xp.where(norm == 0, 1, norm)),)
        if p == 1:
            return (g * xp.sign(a),)
        if p == float("inf"):
            mask = xp.abs(a) == norm
            count = _unreduce(mask.sum(axis=dim, keepdims=keepdim), xp, a.shape, dim, keepdim)
            return (g * xp.sign(a) * mask / count,)
        safe = xp.where(norm == 0, 1, norm)
        return (xp.where(norm == 0, 0 * a, g * xp.sign(a) * xp.abs(a) ** (p - 1) / safe ** (p - 1)),)
