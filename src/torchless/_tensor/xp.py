"""The Tensor namespace handed to rules under create_graph: the same names as `backend/numpy.py` (NumPy),
each done with recorded Tensor ops, so a rule's vjp run on Tensors builds a differentiable graph."""
from .. import _dtype as D
from ._core import Tensor, _plain, apply
from ..backend import numpy as NP
from ..ops.elementwise import (Atan2Backward0, CopysignBackward0, CopysignBackward1, Exp2Backward0, HypotBackward0,
                               LogaddexpBackward0)


def _t(x, like):
    """Numbers and arrays inside formulas become tensors of `like`'s dtype."""
    if isinstance(x, Tensor):
        return x
    from .creation import as_tensor
    return as_tensor(x, dtype=like.dtype if like is not None else None)


class TensorNamespace:
    ndarray = Tensor
    arrays = NP  # the NumPy namespace, for forwards that take arrays only

    copy = staticmethod(lambda x: x.clone())

    @staticmethod
    def apply_rule(R, *args):
        """Rule R on Tensors as a recorded op (a linear rule's jvp on a recorded tangent)."""
        from ._core import apply
        return apply(R, *args)

    abs = staticmethod(lambda x: x.abs())
    arccos = staticmethod(lambda x: x.acos())
    arcsin = staticmethod(lambda x: x.asin())
    arctan = staticmethod(lambda x: x.atan())
    ceil = staticmethod(lambda x: x.ceil())
    cos = staticmethod(lambda x: x.cos())
    cosh = staticmethod(lambda x: x.cosh())
    exp = staticmethod(lambda x: x.exp())
    expm1 = staticmethod(lambda x: x.expm1())
    floor = staticmethod(lambda x: x.floor())
    log = staticmethod(lambda x: x.log())
    log1p = staticmethod(lambda x: x.log1p())
    log2 = staticmethod(lambda x: x.log2())
    log10 = staticmethod(lambda x: x.log10())

    @staticmethod
    def sign(x):
        """x.sign(); for a complex x the recorded x / |x| (0 at 0), whose derivative is not zero
        (abs's and the norms' vjps use it: their double backward differentiates it)."""
        if not x.is_complex():
            return x.sign()
        magnitude = x.abs()
        from ._core import where
        return x / where(magnitude == 0, 1.0, magnitude)

    sin = staticmethod(lambda x: x.sin())
    sinh = staticmethod(lambda x: x.sinh())
    sqrt = staticmethod(lambda x: x.sqrt())
    square = staticmethod(lambda x: x.square())
    tan = staticmethod(lambda x: x.tan())
    tanh = staticmethod(lambda x: x.tanh())
    sigmoid = staticmethod(lambda x: x.sigmoid())
    rsqrt = staticmethod(lambda x: x.rsqrt())
    reciprocal = staticmethod(lambda x: x.reciprocal())
    relu = staticmethod(lambda x: x.relu())
    trunc = staticmethod(lambda x: x.trunc())
    conj = staticmethod(lambda x: x.conj())
    rint = staticmethod(lambda x: x.round())

    @staticmethod
    def clip(x, lo, hi):
        return x.clamp(lo, hi)

    @staticmethod
    def broadcast_to(x, shape):
        return _t(x, None).expand(shape)

    @staticmethod
    def cumsum(x, axis):
        return x.cumsum(axis)

    @staticmethod
    def flip_cumsum(g, axis):
        return g.flip(axis).cumsum(axis).flip(axis)

    @staticmethod
    def matmul(a, b):
        return a @ b  # the operator: a batched b (vmap) takes over through its reflected method

    @staticmethod
    def maximum(a, b):
        return a.maximum(_t(b, a))

    @staticmethod
    def minimum(a, b):
        return a.minimum(_t(b, a))

    @staticmethod
    def where(cond, a, b):
        from ._core import where
        cond = cond if isinstance(cond, Tensor) else _plain(cond)
        return where(cond, a, b)

    @staticmethod
    def zeros_like(x):
        from .creation import zeros_like
        return zeros_like(x)

    @staticmethod
    def ones_like(x):
        from .creation import ones_like
        return ones_like(x)

    @staticmethod
    def zeros(shape, dtype):
        from .creation import zeros
        return zeros(shape, dtype=D.FROM_NP[dtype] if not isinstance(dtype, D.dtype) else dtype)

    sum_to = staticmethod(NP.sum_to)  # one function for both namespaces (backend/numpy.py)

    @staticmethod
    def moveaxis(x, src, dst):
        return x.movedim(src, dst)

    @staticmethod
    def swapaxes(x, a, b):
        return x.transpose(a, b)

    @staticmethod
    def permute(x, dims):
        return x.permute(tuple(dims))

    @staticmethod
    def expand_dims(x, dim):
        if isinstance(dim, (tuple, list)):  # NumPy's meaning: positions in the result
            n = x.dim() + len(dim)
            for d in sorted(d % n for d in dim):
                x = x.unsqueeze(d)
            return x
        return x.unsqueeze(dim)

    @staticmethod
    def squeeze(x, dim=None):
        return x.squeeze() if dim is None else x.squeeze(dim)

    @staticmethod
    def concatenate(xs, axis=0):
        from ._shape import cat
        return cat(list(xs), axis)

    @staticmethod
    def stack(xs, axis=0):
        from ._shape import stack
        return stack(list(xs), axis)

    @staticmethod
    def index_add(shape, dtype, index, values):
        from ._indexing import index_add_zeros
        return index_add_zeros(shape, dtype, index, values)

    @staticmethod
    def logsumexp(x, axis, keepdims):
        return x.logsumexp(tuple(range(x.ndim)) if axis is None else axis, keepdims)

    @staticmethod
    def prod(x, axis=None, keepdims=False):
        from ._reduction import _prod_dims
        return _prod_dims(x, axis, keepdims)

    @staticmethod
    def amax(x, axis=None, keepdims=False):
        return x.amax(() if axis is None else axis, keepdims)

    @staticmethod
    def amin(x, axis=None, keepdims=False):
        return x.amin(() if axis is None else axis, keepdims)

    @staticmethod
    def cumprod(x, axis):
        return x.cumprod(axis)

    @staticmethod
    def to_dtype(x, np_dtype):
        return x.to(D.FROM_NP[np_dtype] if not isinstance(np_dtype, D.dtype) else np_dtype)

    @staticmethod
    def one_minus_(t):
        return 1 - t

    @staticmethod
    def exp_(t):
        return t.exp()

    @staticmethod
    def sum_dims(x, axis, keepdims):
        return x.sum(axis, keepdims)

    @staticmethod
    def mul_(t, g):
        return t * g

    @staticmethod
    def tanh_grad(out, g):
        return (1 - out * out) * g

    @staticmethod
    def grad_where_(g, keep):
        return g * keep

    @staticmethod
    def grad_zero_where_(g, drop):
        return TensorNamespace.zero_where(g, drop)

    @staticmethod
    def zero_where(g, drop, in_place=False):
        from ._core import where
        return where(_plain(drop) if not isinstance(drop, Tensor) else drop, g.new_zeros(()), g)

    @staticmethod
    def ndtr(x):
        from ._core import apply
        from ..ops.nn import NdtrBackward0
        return apply(NdtrBackward0, x)

    @staticmethod
    def index_sub_(t, index, values):
        import numpy as np
        from ._indexing import index_add_zeros
        values = _t(values, t).expand(np.broadcast_shapes(*[np.shape(k) for k in index]))
        return t - index_add_zeros(tuple(t.shape), t.dtype, index, values)

    @staticmethod
    def exp2(x):
        return apply(Exp2Backward0.complex_rule() if x.is_complex() else Exp2Backward0, x)

    @staticmethod
    def logaddexp(a, b):
        return apply(LogaddexpBackward0, a, _t(b, a))

    @staticmethod
    def hypot(a, b):
        return apply(HypotBackward0, a, _t(b, a))

    @staticmethod
    def arctan2(a, b):
        return apply(Atan2Backward0, a, _t(b, a))

    @staticmethod
    def copysign(a, b):
        if isinstance(b, Tensor):
            return apply(CopysignBackward0, a, b)
        return apply(CopysignBackward1, a, b)

    @staticmethod
    def shape(x):
        return tuple(x.shape)

    @staticmethod
    def ndim(x):
        return x.dim()

    @staticmethod
    def asarray(x):
        return _t(x, None)


TX = TensorNamespace()
