"""Torch-level functions the D2L chapters call that live nowhere else: meshgrid, the legacy typed
constructors (torch.FloatTensor ...), torch.softmax / torch.log_softmax, torch.multinomial."""
import numbers
import warnings

import numpy as np

from . import _dtype as D
from . import _random
from ._tensor.creation import _legacy_constructor
from ._tensor._core import Tensor, _plain

__all__ = ["meshgrid", "FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor", "ShortTensor",
           "CharTensor", "ByteTensor", "BoolTensor", "softmax", "log_softmax", "multinomial"]


# ============================================================================ meshgrid
def meshgrid(*tensors, indexing=None):
    """Coordinate grids from 1-D tensors: with indexing='ij' output k varies along dim k; with 'xy'
    the first two dims are swapped (Cartesian, as NumPy's default). Outputs are expanded views."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the indexing "
                      "argument (pass indexing='ij' for the current behaviour, or indexing='xy').",
                      UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}')
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    for t in tensors:
        if not isinstance(t, Tensor):
            raise TypeError(f"meshgrid(): expected Tensor arguments, got {type(t).__name__}")
        if t.dim() > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got a "
                               f"{t.dim()}-D tensor of shape {tuple(t.shape)} (flatten it first)")
    if any(t.dtype != tensors[0].dtype for t in tensors):
        raise RuntimeError("meshgrid expects all tensors to have the same dtype (convert them first, "
                           "e.g. with .to(dtype))")
    n = len(tensors)
    dims = list(range(n))
    if indexing == "xy" and n >= 2:
        dims[0], dims[1] = 1, 0          # first input varies along columns, second along rows
    grid = [0] * n
    for t, d in zip(tensors, dims):
        grid[d] = t.numel()
    grids = []
    for t, d in zip(tensors, dims):
        shape = [1] * n
        shape[d] = grid[d]
        grids.append(t.reshape(shape).expand(grid))
    return tuple(grids)


# ============================================================================ legacy typed constructors
class _LegacyTensorType(type):
    """torch.FloatTensor and friends: calling one builds a tensor of that dtype (from data, or
    uninitialized from sizes); isinstance(t, torch.FloatTensor) checks the dtype."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj._data.dtype == cls.dtype.np

    def __call__(cls, *args, **kwargs):
        if "dtype" in kwargs:
            raise TypeError(f"{cls.__name__}() got an unexpected keyword argument 'dtype' (its dtype is "
                            f"{cls.dtype}; use torch.tensor(data, dtype=...) for another)")
        return _legacy_constructor(*args, dtype=cls.dtype, **kwargs)

    def __repr__(cls):
        return f"<class 'torch.{cls.__name__}'>"


def _legacy_type(name, dtype):
    cls = _LegacyTensorType(name, (), {"dtype": dtype, "__module__": "torch"})
    cls.__doc__ = f"torch.{name}(data) or torch.{name}(*sizes): a {dtype} tensor."
    return cls


FloatTensor = _legacy_type("FloatTensor", D.float32)
DoubleTensor = _legacy_type("DoubleTensor", D.float64)
HalfTensor = _legacy_type("HalfTensor", D.float16)
LongTensor = _legacy_type("LongTensor", D.int64)
IntTensor = _legacy_type("IntTensor", D.int32)
ShortTensor = _legacy_type("ShortTensor", D.int16)
CharTensor = _legacy_type("CharTensor", D.int8)
ByteTensor = _legacy_type("ByteTensor", D.uint8)
BoolTensor = _legacy_type("BoolTensor", D.bool)


# ============================================================================ torch.softmax & co.
def softmax(input, dim, dtype=None):
    """torch.softmax: the same function as torch.nn.functional.softmax."""
    from .nn import functional as F
    return F.softmax(input, dim, dtype=dtype)


def log_softmax(input, dim, dtype=None):
    """torch.log_softmax: the same function as torch.nn.functional.log_softmax."""
    from .nn import functional as F
    return F.log_softmax(input, dim, dtype=dtype)


# ============================================================================ torch.multinomial
def multinomial(input, num_samples, replacement=False, *, generator=None, out=None):
    """Category indices (int64) drawn with probabilities proportional to the rows of `input` (1-D or 2-D).
    Without replacement each row gives distinct indices; zero-weight categories come only after all others."""
    if not isinstance(input, Tensor):
        raise TypeError(f"multinomial(): argument 'input' must be Tensor, not {type(input).__name__}")
    w = input._data
    if w.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if w.dtype.kind not in "fc":
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: {input.dtype}")
    if not isinstance(num_samples, numbers.Integral) or num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    rows = w.reshape(-1, w.shape[-1]).astype(np.float64)
    k = rows.shape[1]
    if not replacement and num_samples > k:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    if not np.isfinite(rows).all() or (rows < 0).any():
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    totals = rows.sum(1)
    if (totals <= 0).any():
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    rng = _random.rng(generator)
    if replacement:
        cdf = np.cumsum(rows / totals[:, None], axis=1)
        u = rng.random((rows.shape[0], num_samples))
        picks = np.stack([np.searchsorted(c, r, side="right") for c, r in zip(cdf, u)])
        picks = np.minimum(picks, k - 1)     # guard against rounding at the top of the cdf
    else:
        # exponential race: the smallest Exp(1)/w wins; sorting gives draws without replacement
        with np.errstate(divide="ignore"):
            keys = rng.exponential(size=rows.shape) / rows
        picks = np.argsort(keys, axis=1, kind="stable")[:, :num_samples]
    picks = picks.astype(np.int64)
    return _plain(picks.reshape(num_samples) if w.ndim == 1 else picks)
