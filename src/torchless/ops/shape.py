"""Shape ops: views, copies, expansion, joining and splitting; each forward beside its vjp.

View rules return NumPy views (no copy), as PyTorch's views share storage. `dim` arguments arrive
normalized (non-negative ints) from the Tensor layer.
"""
from ..engine.node import Node


class CloneBackward0(Node):
    @staticmethod
    def forward(node, xp, a):
        return a.copy() if hasattr(a, "copy") else a.clone()

    def vjp(self, g, xp):
        return (g,)


class ToCopyBackward0(Node):
    """a converted to another dtype: the gradient converts back"""

    @staticmethod
    def forward(node, xp, a, np_dtype):
        if node is not None:
            node.src = a.dtype
        return xp.to_dtype(a, np_dtype)

    def vjp(self, g, xp):
        return (xp.to_dtype(g, self.src),)


class ViewBackward0(Node):
    """view/reshape: the gradient is reshaped back"""

    @staticmethod
    def forward(node, xp, a, shape):
        if node is not None:
            node.shape = a.shape
        return a.reshape(shape)

    def vjp(self, g, xp):
        return (g.reshape(self.shape),)


class UnsafeViewBackward0(ViewBackward0):
    """reshape that had to copy"""


class PermuteBackward0(Node):
    """permute(dims): the gradient is permuted by the inverse permutation"""

    @staticmethod
    def forward(node, xp, a, dims):
        if node is not None:
            node.dims = dims
        return xp.permute(a, dims)

    def vjp(self, g, xp):
        inverse = [0] * len(self.dims)
        for i, d in enumerate(self.dims):
            inverse[d] = i
        return (xp.permute(g, tuple(inverse)),)


class TransposeBackward0(Node):
    """transpose(d0, d1): swapping the same two dims back"""

    @staticmethod
    def forward(node, xp, a, d0, d1):
        if node is not None:
            node.dims = (d0, d1)
        return xp.swapaxes(a, d0, d1)

    def vjp(self, g, xp):
        return (xp.swapaxes(g, *self.dims),)


class TBackward0(Node):
    """t() of a tensor with at most 2 dims"""

    @staticmethod
    def forward(node, xp, a):
        return xp.swapaxes(a, 0, 1) if len(a.shape) == 2 else a

    def vjp(self, g, xp):
        return (xp.swapaxes(g, 0, 1) if len(g.shape) == 2 else g,)


class ExpandBackward0(Node):
    """expand(shape): a broadcast view; the gradient is summed back"""

    @staticmethod
    def forward(node, xp, a, shape):
        if node is not None:
            node.shape = a.shape
        return xp.broadcast_to(a, shape)

    def vjp(self, g, xp):
        return (xp.sum_to(g, self.shape),)


class UnsqueezeBackward0(Node):
    @staticmethod
    def forward(node, xp, a, dim):
        if node is not None:
            node.dim = dim
        return xp.expand_dims(a, dim)

    def vjp(self, g, xp):
        return (xp.squeeze(g, self.dim),)


class SqueezeBackward0(Node):
    """squeeze(): all size-1 dims; squeeze(dims): those of them that are size 1"""

    @staticmethod
    def forward(node, xp, a, dims):
        if node is not None:
            node.shape = a.shape
        return xp.squeeze(a, dims)

    def vjp(self, g, xp):
        return (g.reshape(self.shape),)


class SqueezeBackward1(SqueezeBackward0):
    pass
