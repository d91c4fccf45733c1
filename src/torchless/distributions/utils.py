"""torch.distributions.utils: helpers the distributions share (broadcasting of parameters, the
probs <-> logits maps, a cached property)."""
import numbers
from functools import update_wrapper
from typing import Any, Callable, Generic, TypeVar, overload

import numpy as np

from .._dtype import get_default_dtype
from .._tensor import Tensor
from .._tensor._core import Size, _plain
from .._tensor._shape import broadcast_tensors
from .._tensor.creation import tensor as _tensor
from .._tensor.functions import softmax as _softmax

__all__ = ["broadcast_all", "logits_to_probs", "probs_to_logits", "clamp_probs", "lazy_property",
           "tril_matrix_to_vec", "vec_to_tril_matrix", "euler_constant"]

euler_constant = 0.57721566490153286060  # Euler-Mascheroni constant


def broadcast_all(*values: Any) -> tuple[Tensor, ...]:
    """Broadcast numbers and tensors to one shape: numbers become tensors of the tensors' dtype
    (the default dtype when all are numbers)."""
    tensors = [v for v in values if isinstance(v, Tensor)]
    for v in values:
        if not isinstance(v, (Tensor, numbers.Number)) and not hasattr(v, "__torch_function__"):
            raise ValueError("Input arguments must all be instances of numbers.Number, torch.Tensor or "
                             "objects implementing __torch_function__.")
    if len(tensors) == len(values):
        return tuple(broadcast_tensors(*values))
    dtype = tensors[0].dtype if tensors else get_default_dtype()
    converted = [v if isinstance(v, Tensor) else _tensor(v, dtype=dtype) for v in values]
    return tuple(broadcast_tensors(*converted))


def _np_dtype(t: Tensor) -> Any:
    return t._data.dtype


def _eps(t: Tensor) -> float:
    return float(np.finfo(_np_dtype(t)).eps)


def _tiny(t: Tensor) -> float:
    return float(np.finfo(_np_dtype(t)).tiny)


def logits_to_probs(logits: Tensor, is_binary: bool = False) -> Tensor:
    """Probabilities from logits: the sigmoid when `is_binary`, else a softmax over the last dim."""
    if is_binary:
        return logits.sigmoid()
    return _softmax(logits, -1)


def clamp_probs(probs: Tensor) -> Tensor:
    """Clamp probabilities into [eps, 1 - eps] of their dtype."""
    eps = _eps(probs)
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs: Tensor, is_binary: bool = False) -> Tensor:
    """Logits from probabilities (clamped away from 0 and 1): log(p) - log1p(-p) when `is_binary`,
    else log(p)."""
    ps = clamp_probs(probs)
    if is_binary:
        return ps.log() - (-ps).log1p()
    return ps.log()


T = TypeVar("T")
R = TypeVar("R")


class lazy_property(Generic[T, R]):
    """A property computed on first access and then stored on the instance (under no_grad if the
    instance is being built lazily by another, as PyTorch's)."""

    def __init__(self, wrapped: Callable[[T], R]) -> None:
        self.wrapped = wrapped
        update_wrapper(self, wrapped)  # type: ignore[arg-type]

    @overload
    def __get__(self, instance: None, obj_type: Any = None) -> "lazy_property[T, R]": ...

    @overload
    def __get__(self, instance: T, obj_type: Any = None) -> R: ...

    def __get__(self, instance: Any, obj_type: Any = None) -> Any:
        if instance is None:
            return self
        value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value


def tril_matrix_to_vec(mat: Tensor, diag: int = 0) -> Tensor:
    """The lower-triangular entries (below diagonal `diag`) of the last two dims, row by row."""
    n = mat.shape[-1]
    if not (-n <= diag < n):
        raise ValueError(f"diag ({diag}) provided is outside [{-n}, {n - 1}].")
    rows, cols = np.tril_indices(n, k=diag)
    flat = mat.reshape(*mat.shape[:-2], n * n)
    return flat[..., _plain(rows * n + cols)]


def vec_to_tril_matrix(vec: Tensor, diag: int = 0) -> Tensor:
    """The inverse of tril_matrix_to_vec: a square lower-triangular matrix from its entries."""
    m = vec.shape[-1]
    n = int((-(1 + 2 * diag) + ((1 + 2 * diag) ** 2 + 8 * m + 4 * abs(diag) * (diag + 1)) ** 0.5) / 2)
    eps = float(np.finfo(np.float32).eps)
    if not round(n) - eps <= n <= round(n) + eps:
        raise ValueError(f"The size of last dimension is {m} which cannot be expressed as "
                         "the lower triangular part of a square D x D matrix.")
    n = round(n)
    rows, cols = np.tril_indices(n, k=diag)
    from .._tensor.creation import zeros
    out = zeros(*vec.shape[:-1], n * n, dtype=vec.dtype)
    idx = _plain(rows * n + cols).expand(*vec.shape[:-1], len(rows))
    out = out.scatter(-1, idx, vec)
    return out.reshape(*vec.shape[:-1], n, n)


def _size(shape: Any) -> Size:
    """sample_shape as a torch.Size (an int is one dim)."""
    if isinstance(shape, Size):
        return shape
    if isinstance(shape, numbers.Integral):
        return Size((int(shape),))
    return Size(tuple(shape))
