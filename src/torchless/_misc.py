"""Small torch-level helpers: is_tensor, threads, the cuda stub."""
from . import _dtype as D
from ._tensor._core import Tensor

__all__ = ["result_type", "can_cast", "is_tensor", "is_floating_point", "is_complex", "is_nonzero", "set_num_threads",
           "get_num_threads", "cuda", "typename", "is_storage", "set_num_interop_threads",
           "get_num_interop_threads", "use_deterministic_algorithms", "compile"]

_threads = [1]


def _promotion_operand(x):
    """(NumPy dtype, operand class) of a tensor or Python number, for PyTorch's result-type rule."""
    if isinstance(x, Tensor):
        return x._data.dtype, (D.DIM if x._data.ndim else D.ZERO_DIM)
    return D.scalar_np_dtype(x), D.SCALAR


def result_type(tensor, other):
    """The dtype an arithmetic op on `tensor` and `other` (a tensor or a number) produces."""
    return D.FROM_NP[D.result_np_dtype(*_promotion_operand(tensor), *_promotion_operand(other))]


def can_cast(from_, to):
    """Whether PyTorch's casting rules allow from_ -> to (no float -> int, no int/float -> bool)."""
    return D.FROM_NP[from_.np].category <= D.FROM_NP[to.np].category


def is_tensor(obj):
    return isinstance(obj, Tensor)


def is_storage(obj):
    return False


def is_floating_point(input):
    return input.is_floating_point()


def is_complex(input):
    return input.is_complex()


def is_nonzero(input):
    if input.numel() != 1:
        raise RuntimeError(f"Boolean value of Tensor with {'no values' if input.numel() == 0 else 'more than one value'} is ambiguous")
    return bool(input)


def typename(obj):
    return obj.type() if isinstance(obj, Tensor) else type(obj).__name__


def set_num_threads(n):
    """Accepted for compatibility: NumPy's BLAS threads are set by OMP/OPENBLAS_NUM_THREADS."""
    _threads[0] = int(n)


def get_num_threads():
    return _threads[0]


def set_num_interop_threads(n):
    pass


def get_num_interop_threads():
    return 1


def use_deterministic_algorithms(mode, *, warn_only=False):
    pass


def compile(model=None, **kwargs):
    """torch.compile: nothing to compile here; returns the model (or a decorator) unchanged."""
    if model is None:
        return lambda m: m
    return model


class _Cuda:
    """torch.cuda on a CPU-only library: nothing is available."""

    @staticmethod
    def is_available():
        return False

    @staticmethod
    def device_count():
        return 0

    @staticmethod
    def manual_seed(seed):
        pass

    @staticmethod
    def manual_seed_all(seed):
        pass

    @staticmethod
    def synchronize(device=None):
        pass


cuda = _Cuda()
