"""Reductions as Tensor methods and torch functions: sum, mean, norm ... (rules: ops/reduction.py).

`dim` may be an int, a tuple/list of ints, or None; PyTorch also takes NumPy's `axis`/`keepdims`.
"""
import numpy as np

from ._tensor import Tensor, _norm_dim, apply
from .ops.reduction import (LinalgVectorNormBackward0, MeanBackward0, MeanBackward1, SumBackward0,
                            SumBackward1)

__all__ = ["sum", "mean", "norm"]

_builtin_sum = sum


def _dims(t, dim, axis=None):
    """Normalize dim/axis to None or a tuple of non-negative ints."""
    if axis is not None:
        if dim is not None:
            raise TypeError("got both 'dim' and its alias 'axis'")
        dim = axis
    if dim is None:
        return None
    nd = t._data.ndim
    if isinstance(dim, (tuple, list)):
        dims = tuple(_norm_dim(int(d), nd) for d in dim)
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"dim {dims[0]} appears multiple times in the list of dims")
        return dims if dims else None
    return (_norm_dim(int(dim), nd),)


def _keep(keepdim, keepdims):
    return bool(keepdims) if keepdims is not None else bool(keepdim)


def sum(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None, out=None):
    dims = _dims(input, dim, axis)
    keep = _keep(keepdim, keepdims)
    np_dtype = dtype.np if dtype is not None else (np.int64 if input._data.dtype.kind in "biu" else None)
    if dims is None and not keep:
        return apply(SumBackward0, input, None, False, np_dtype)
    return apply(SumBackward1, input, dims, keep, np_dtype)


def mean(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None, out=None):
    if dtype is None and input._data.dtype.kind not in "fc":
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or "
            f"complex dtype. Got: {input.dtype.name.capitalize()} (convert first, e.g. x.float().mean())"
        )
    dims = _dims(input, dim, axis)
    keep = _keep(keepdim, keepdims)
    np_dtype = dtype.np if dtype is not None else None
    if dims is None and not keep:
        return apply(MeanBackward0, input, None, False, np_dtype)
    return apply(MeanBackward1, input, dims, keep, np_dtype)


def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """Vector p-norm over all elements (or over dim); 'fro' is the 2-norm of all elements."""
    if p == "fro" or p is None:
        p = 2
    if input._data.dtype.kind not in "fc":
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. "
                           f"Got {input.dtype.name.capitalize()}")
    return apply(LinalgVectorNormBackward0, input, float(p) if p not in (1, 2) else p,
                 _dims(input, dim), bool(keepdim))


Tensor.sum = sum
Tensor.mean = mean
Tensor.norm = norm
