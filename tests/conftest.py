"""Shared test helpers: the PyTorch oracle (skips cleanly when torch is absent) and comparisons."""
import io
import os
import sys

import numpy as np
import pytest

import torchless

try:  # the reference implementation, for conformance tests
    import torch as _torch
    _torch.set_num_threads(1)
except ImportError:  # pragma: no cover - depends on the environment
    _torch = None

requires_torch = pytest.mark.skipif(_torch is None, reason="PyTorch is not installed")


@pytest.fixture
def torch_ref():
    """The real PyTorch module; the test is skipped when it is not installed."""
    if _torch is None:
        pytest.skip("PyTorch is not installed")
    return _torch


def count_calls(fn):
    """How many Python and C functions fn() calls: the cost of a call told without timing it (speed
    itself is the benchmarks' business), so that a test can require it not to grow with a size."""
    calls = [0]

    def profile(frame, event, arg):
        if event in ("call", "c_call"):
            calls[0] += 1
    sys.setprofile(profile)
    try:
        fn()
    finally:
        sys.setprofile(None)
    return calls[0]


def to_numpy(t):
    """A NumPy copy of a torchless or PyTorch tensor (or None)."""
    if t is None:
        return None
    return np.array(t.detach().numpy() if hasattr(t, "detach") else t)


def assert_same(ours, theirs, rtol=1e-6, atol=1e-7):
    """Values, shape and dtype of a torchless tensor equal those of a PyTorch tensor."""
    assert str(ours.dtype) == str(theirs.dtype), (ours.dtype, theirs.dtype)
    assert tuple(ours.shape) == tuple(theirs.shape), (ours.shape, theirs.shape)
    np.testing.assert_allclose(to_numpy(ours), to_numpy(theirs), rtol=rtol, atol=atol, equal_nan=True)


def pytree_leaves(result, path=""):
    """(path, tensor) for every tensor in nested tuples, lists and dicts (dict keys sorted)."""
    if hasattr(result, "shape"):
        yield path, result
    elif isinstance(result, dict):
        for k in sorted(result):
            yield from pytree_leaves(result[k], f"{path}[{k}]")
    else:
        for i, item in enumerate(result):
            yield from pytree_leaves(item, f"{path}[{i}]")


def assert_same_pytree(ours, theirs, rtol=1e-10, atol=1e-12):
    """Two results nest the same way, and their tensors agree in shape, dtype, requires_grad, values."""
    ours, theirs = list(pytree_leaves(ours)), list(pytree_leaves(theirs))
    assert [p for p, _ in ours] == [p for p, _ in theirs]
    for (path, a), (_, b) in zip(ours, theirs):
        assert tuple(a.shape) == tuple(b.shape), path
        assert a.requires_grad == b.requires_grad, path
        assert str(a.dtype) == str(b.dtype), path
        np.testing.assert_allclose(to_numpy(a), to_numpy(b), rtol=rtol, atol=atol, err_msg=path)


SEED_PATH = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "seeds")


def torch_vectorized():
    """Does PyTorch run its vectorized CPU kernels here (AVX2 or AVX-512), or its plain ones
    (ATEN_CPU_CAPABILITY=default, another architecture)? Their last bits differ."""
    return _torch is not None and _torch.backends.cpu.get_cpu_capability() in ("AVX2", "AVX512")


def ulp_distance(a, b):
    """Elementwise distance in units in the last place between two float arrays of one dtype:
    how many representable values lie between them (0 for equal values, +0 and -0 included)."""
    a, b = np.asarray(a), np.asarray(b)
    assert a.dtype == b.dtype and a.dtype.kind == "f", (a.dtype, b.dtype)
    signed = {2: np.int16, 4: np.int32, 8: np.int64}[a.dtype.itemsize]

    def ordered(x):  # the bit patterns, mapped so that integer order is float order
        bits = x.view(signed).astype(np.int64)
        return np.where(bits < 0, np.int64(np.iinfo(signed).min) - bits, bits)
    return np.abs(ordered(a) - ordered(b))


def outcome(lib, code):
    """What evaluating `code` (an expression in `L`) gives with L = lib, comparable across libraries:
    a tensor's dtype and values (repr, so -0.0 and nan count), or the error's type and PyTorch's
    message (torchless may add a hint in parentheses after it). Warnings are silenced."""
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            r = eval(code, {"L": lib})
        except Exception as e:
            return type(e).__name__, str(e).split(" (")[0]
    return str(r.dtype).replace("torchless", "torch"), repr(r.tolist())


class WritePipe(io.RawIOBase):
    """A write-only stream that cannot seek, like a pipe or socket: what it was given, in `chunks`."""

    def __init__(self):
        self.chunks = []

    def writable(self):
        return True

    def seekable(self):
        return False

    def write(self, b):
        self.chunks.append(bytes(b))
        return len(b)
