"""Small torch-level helpers: is_tensor, threads, the cuda stub."""
from . import _dtype as D
from ._tensor import Tensor

__all__ = ["is_tensor", "is_floating_point", "is_complex", "is_nonzero", "set_num_threads",
           "get_num_threads", "cuda", "typename", "is_storage", "set_num_interop_threads",
           "get_num_interop_threads", "use_deterministic_algorithms", "compile"]

_threads = [1]


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
del D
