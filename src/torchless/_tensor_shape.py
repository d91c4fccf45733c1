"""Shape ops as Tensor methods and torch functions (rules: ops/shape.py)."""
from ._tensor import Tensor, apply, _norm_dim
from .ops.shape import (ExpandBackward0, PermuteBackward0, SqueezeBackward0, SqueezeBackward1,
                        TBackward0, TransposeBackward0, UnsqueezeBackward0, ViewBackward0)

__all__ = []


def _shape_arg(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    return tuple(int(s) for s in shape)


def view(self, *shape):
    return apply(ViewBackward0, self, _infer(self, _shape_arg(shape)))


def _infer(t, shape):
    n = t._data.size
    if shape.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = 1
    for s in shape:
        if s != -1:
            known *= s
    if -1 in shape:
        if known == 0 or n % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {n}")
        shape = tuple(n // known if s == -1 else s for s in shape)
    elif known != n:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {n}")
    return shape


Tensor.view = view
Tensor.reshape = view


def t(self):
    if self._data.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {self._data.ndim}D")
    return apply(TBackward0, self)


def transpose(self, dim0, dim1):
    nd = self._data.ndim
    return apply(TransposeBackward0, self, _norm_dim(dim0, nd), _norm_dim(dim1, nd))


def permute(self, *dims):
    dims = _shape_arg(dims)
    nd = self._data.ndim
    return apply(PermuteBackward0, self, tuple(_norm_dim(d, nd) for d in dims))


Tensor.t = t
Tensor.transpose = transpose
Tensor.permute = permute
Tensor.T = property(lambda self: apply(PermuteBackward0, self, tuple(range(self._data.ndim - 1, -1, -1))))


def expand(self, *sizes):
    sizes = _shape_arg(sizes)
    lead = len(sizes) - self._data.ndim
    shape = tuple(self._data.shape[i - lead] if s == -1 else s for i, s in enumerate(sizes))
    return apply(ExpandBackward0, self, shape)


Tensor.expand = expand
Tensor.expand_as = lambda self, other: expand(self, other.shape)


def unsqueeze(self, dim):
    return apply(UnsqueezeBackward0, self, _norm_dim(dim, self._data.ndim + 1))


def squeeze(self, dim=None):
    if dim is None:
        return apply(SqueezeBackward0, self, None)
    dims = dim if isinstance(dim, (tuple, list)) else (dim,)
    nd = self._data.ndim
    dims = tuple(d for d in (_norm_dim(d, nd) for d in dims) if self._data.shape[d] == 1)
    return apply(SqueezeBackward1, self, dims)


Tensor.unsqueeze = unsqueeze
Tensor.squeeze = squeeze
