"""Torch-level functions that belong to no op family: dtype questions (result_type, can_cast), type
tests (is_tensor ...), the thread and determinism switches, the torch.cuda and torch.compile stubs,
meshgrid, the legacy typed constructors (torch.FloatTensor ...), torch.softmax / log_softmax
(torch.multinomial, re-exported here, lives with the other random draws in creation).

They use Tensors and creation but no rule of their own, so they sit on the Tensor floor, above
_core and creation; nothing in the Tensor layer imports them.
"""
from __future__ import annotations

import numbers
import warnings
from typing import TYPE_CHECKING, Any, Callable, Optional, Tuple, TypeVar, Union

import numpy as np

from .._dtype import (DIM, FROM_NP, SCALAR, ZERO_DIM, bool as bool_, dtype as DType, float16, float32,
                      float64, int8, int16, int32, int64, result_np_dtype, scalar_np_dtype, uint8)
from .. import _args
from .._random import rng as _rng
from . import _core
from ._core import _plain
from ._inplace import write_out
from ..overrides import not_a_tensor
if TYPE_CHECKING:  # annotations name the final class, assembled in _tensor/__init__.py from the mixins
    from . import Tensor
else:  # at run time: _core's name, rebound to the final class by bind_tensor_class
    from ._core import Tensor
from .creation import Generator, _legacy_constructor, multinomial

__all__ = ["result_type", "can_cast", "is_tensor", "is_floating_point", "is_complex", "is_nonzero",
           "set_num_threads", "get_num_threads", "cuda", "typename", "is_storage",
           "set_num_interop_threads", "get_num_interop_threads", "use_deterministic_algorithms",
           "compile", "meshgrid", "FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor",
           "IntTensor", "ShortTensor", "CharTensor", "ByteTensor", "BoolTensor", "softmax",
           "log_softmax", "multinomial", "pow"]

Operand = Union[Tensor, int, float, bool, complex]
_Model = TypeVar("_Model")


# ============================================================================ dtypes and types
def _promotion_operand(x: Operand) -> Tuple[np.dtype, int]:
    """(NumPy dtype, operand class) of a tensor or Python number, for PyTorch's result-type rule."""
    if isinstance(x, Tensor):
        return x._data.dtype, (DIM if x._data.ndim else ZERO_DIM)
    return scalar_np_dtype(x), SCALAR


def result_type(tensor: Operand, other: Operand) -> DType:
    """result_type(tensor1, tensor2) -> dtype

    The dtype an arithmetic op on the two operands (tensors or Python numbers) gives, by
    PyTorch's promotion rules: dims-carrying tensors outrank 0-d ones, which outrank numbers,
    unless a lower one is of a higher kind (bool < integer < floating < complex).
    """
    return FROM_NP[result_np_dtype(*_promotion_operand(tensor), *_promotion_operand(other))]


def can_cast(from_: DType, to: DType) -> bool:
    """can_cast(from_, to) -> bool

    Whether PyTorch's casting rules allow converting dtype `from_` to `to` in an op's output: never
    to a lower kind (no floating -> integer, no integer -> bool).
    """
    for name, value, position in (("from_", from_, 1), ("to", to, 2)):
        if not isinstance(value, DType):
            raise TypeError(f"can_cast(): argument '{name}' (position {position}) must be torch.dtype, not "
                            f"{type(value).__name__}")
    return FROM_NP[from_.np].category <= FROM_NP[to.np].category


def is_tensor(obj: Any) -> bool:
    """is_tensor(obj) -> bool

    Whether `obj` is a tensor (a Tensor or an instance of a subclass such as nn.Parameter).
    """
    return isinstance(obj, Tensor)


def is_storage(obj: Any) -> bool:
    """is_storage(obj) -> bool

    Whether `obj` is a storage object; torchless has none, so always False.
    """
    return False


def is_floating_point(input: Tensor) -> bool:
    """is_floating_point(input) -> bool

    Whether the tensor's dtype is a floating-point one (float16, float32, float64).
    """
    if not isinstance(input, _core.TensorBase):
        raise not_a_tensor("is_floating_point", "input", input)
    return input.is_floating_point()


def is_complex(input: Tensor) -> bool:
    """is_complex(input) -> bool

    Whether the tensor's dtype is a complex one (complex64, complex128).
    """
    if not isinstance(input, _core.TensorBase):
        raise not_a_tensor("is_complex", "input", input)
    return input.is_complex()


def is_nonzero(input: Tensor) -> bool:
    """is_nonzero(input) -> bool

    Whether the single element of a one-element tensor is nonzero; a RuntimeError for any other
    number of elements.
    """
    if not isinstance(input, _core.TensorBase):
        raise not_a_tensor("is_nonzero", "input", input)
    if input.numel() != 1:
        raise RuntimeError(f"Boolean value of Tensor with {'no values' if input.numel() == 0 else 'more than one value'} is ambiguous")
    return bool(input)


def typename(obj: Any) -> str:
    """typename(obj) -> str

    The type's name: 'torch.FloatTensor' and the like for a tensor, the class name otherwise.
    """
    return obj.type() if isinstance(obj, Tensor) else type(obj).__name__


# ============================================================================ switches and stubs
_threads = [1]


def set_num_threads(n: int) -> None:
    """set_num_threads(int)

    Accepted for compatibility and remembered for get_num_threads; NumPy's BLAS threads are set
    by the OMP_NUM_THREADS / OPENBLAS_NUM_THREADS environment variables instead.
    """
    _threads[0] = int(n)


def get_num_threads() -> int:
    """get_num_threads() -> int

    The number last given to set_num_threads (1 until then).
    """
    return _threads[0]


def set_num_interop_threads(n: int) -> None:
    """set_num_interop_threads(int)

    Accepted for compatibility; torchless runs no inter-op thread pool.
    """


def get_num_interop_threads() -> int:
    """get_num_interop_threads() -> int

    Always 1: torchless runs no inter-op thread pool.
    """
    return 1


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """use_deterministic_algorithms(mode, *, warn_only=False)

    Accepted for compatibility: torchless's operations are deterministic already.
    """


def compile(model: Optional[_Model] = None, **kwargs: Any) -> Union[_Model, Callable[[_Model], _Model]]:
    """compile(model=None, **kwargs)

    torch.compile: there is nothing to compile here, so the model (or function) comes back
    unchanged; called without one, a decorator that does the same.
    """
    if model is None:
        return lambda m: m
    return model


class _Cuda:
    """torch.cuda on a CPU-only library: nothing is available."""

    @staticmethod
    def is_available() -> bool:
        """Whether a CUDA device can be used: never, in torchless."""
        return False

    @staticmethod
    def device_count() -> int:
        """How many CUDA devices there are: 0."""
        return 0

    @staticmethod
    def manual_seed(seed: int) -> None:
        """Seeds the CUDA streams: there are none, so nothing happens."""

    @staticmethod
    def manual_seed_all(seed: int) -> None:
        """Seeds every CUDA device's stream: there are none, so nothing happens."""

    @staticmethod
    def synchronize(device: Any = None) -> None:
        """Waits for CUDA work to finish: there is none."""


cuda = _Cuda()


# ============================================================================ meshgrid
def meshgrid(*tensors: Any, indexing: Optional[str] = None) -> Tuple[Tensor, ...]:
    """meshgrid(*tensors, indexing=None) -> tuple of Tensors

    Coordinate grids from N 0-d or 1-D tensors: N tensors, each with the shape of all the inputs'
    lengths, the k-th repeating input k along its dim. With indexing='ij' input k varies along
    dim k; with 'xy' the first two dims are swapped (Cartesian, as NumPy's default). Without
    `indexing`, 'ij' with a warning. The outputs are expanded views of the inputs.
    """
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
    _args.tensor_elements(tensors, Tensor)
    for t in tensors:
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

    dtype: DType

    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, Tensor) and obj._data.dtype == cls.dtype.np

    def __call__(cls, *args: Any, **kwargs: Any) -> Tensor:
        if "dtype" in kwargs:
            raise TypeError(f"{cls.__name__}() got an unexpected keyword argument 'dtype' (its dtype is "
                            f"{cls.dtype}; use torch.tensor(data, dtype=...) for another)")
        return _legacy_constructor(*args, dtype=cls.dtype, **kwargs)

    def __repr__(cls) -> str:
        return f"<class 'torch.{cls.__name__}'>"


def _legacy_type(name: str, dtype: DType) -> _LegacyTensorType:
    """The class torch.<name>: a constructor of `dtype` tensors and an isinstance test."""
    cls = _LegacyTensorType(name, (), {"dtype": dtype, "__module__": "torch"})
    cls.__doc__ = f"torch.{name}(data) or torch.{name}(*sizes): a {dtype} tensor."
    return cls


FloatTensor = _legacy_type("FloatTensor", float32)
DoubleTensor = _legacy_type("DoubleTensor", float64)
HalfTensor = _legacy_type("HalfTensor", float16)
LongTensor = _legacy_type("LongTensor", int64)
IntTensor = _legacy_type("IntTensor", int32)
ShortTensor = _legacy_type("ShortTensor", int16)
CharTensor = _legacy_type("CharTensor", int8)
ByteTensor = _legacy_type("ByteTensor", uint8)
BoolTensor = _legacy_type("BoolTensor", bool_)


# ============================================================================ torch.softmax & co.
def _need_tensor(fname: str, input: Any) -> None:
    """The TypeError PyTorch gives when `input` is not a tensor."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{fname}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")


def softmax(input: Tensor, dim: int, dtype: Optional[DType] = None) -> Tensor:
    """softmax(input, dim, *, dtype=None) -> Tensor

    exp(x) / sum(exp(x)) along `dim`: each slice along that dim becomes positive and sums to 1.
    `dtype` converts the input first. The same function as torch.nn.functional.softmax.
    """
    _need_tensor("softmax", input)
    return input.softmax(dim, dtype=dtype)


def log_softmax(input: Tensor, dim: int, dtype: Optional[DType] = None) -> Tensor:
    """log_softmax(input, dim, *, dtype=None) -> Tensor

    log(softmax(x)) along `dim`, computed as x - logsumexp(x) without overflow. `dtype` converts
    the input first. The same function as torch.nn.functional.log_softmax.
    """
    _need_tensor("log_softmax", input)
    return input.log_softmax(dim, dtype=dtype)




def pow(input: Any, exponent: Any) -> Tensor:  # noqa: A001 - torch.pow
    """pow(input, exponent) -> Tensor

    input ** exponent, elementwise and broadcast. Either may be a Python number, as long as the
    other is a tensor: torch.pow(2, x) raises 2 to each element of x."""
    if isinstance(input, Tensor):
        return input.pow(exponent)
    if isinstance(exponent, Tensor) and isinstance(input, numbers.Number):
        return exponent.__rpow__(input)
    raise TypeError(f"pow() received an invalid combination of arguments - got ({type(input).__name__}, "
                    f"{type(exponent).__name__}): give a Tensor input or a Tensor exponent")
