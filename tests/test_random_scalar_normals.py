"""PyTorch's scalar normal path, bit for bit (issue 14): tensors of fewer than 16 elements, or not
contiguous, draw pairs of float64 uniforms and take C's log1p, sqrt, cos and sin; `* std + mean` is
one fused multiply-add in PyTorch's AVX2/AVX512 builds and two roundings in its scalar build
(ATEN_CPU_CAPABILITY=default); log_normal_ takes C's exp of that. Up to 64 draws torchless computes
these number by number with the math module (the C library's functions), so they must equal PyTorch's
exactly, under whatever ATEN_CPU_CAPABILITY the test runs with. Beyond 64, NumPy's vectorised
functions serve, within a few ULP (tests/test_random_streams.py)."""
import numpy as np
import pytest

import torchless
from torchless import _random

torch = pytest.importorskip("torch")

CASES = {
    "randn float64, odd and even sizes": lambda T: T.cat([T.randn(n, dtype=T.float64) for n in (1, 2, 3, 7, 15)]),
    "randn float32 below 16": lambda T: T.randn(13),
    "strided normal_ (63 draws)": lambda T: T.empty(21, 3, dtype=T.float64).t().normal_(),
    "normal_ with std 2": lambda T: T.empty(9, dtype=T.float64).normal_(0.5, 2.0),
    "normal(mean, std, size), fused": lambda T: T.normal(2.0, 3.0, (7,), dtype=T.float64),
    "normal_ float32 with mean and std": lambda T: T.empty(5).normal_(-0.75, 3.5),
    "log_normal_": lambda T: T.empty(11, dtype=T.float64).log_normal_(0.25, 1.5),
    "tensor mean": lambda T: T.normal(T.arange(5.0, dtype=T.float64), 2.0),
    "the cached sine across calls": lambda T: T.cat([T.randn(3, dtype=T.float64), T.randn(1, dtype=T.float64),
                                                     T.randn(4, dtype=T.float64)]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_scalar_path_is_pytorchs_bit_for_bit(name):
    fn = CASES[name]
    for seed in range(40):
        torch.manual_seed(seed)
        torchless.manual_seed(seed)
        theirs, mine = np.ascontiguousarray(fn(torch).numpy()), np.ascontiguousarray(fn(torchless).numpy())
        assert mine.dtype == theirs.dtype
        assert np.array_equal(mine.view(np.uint8), theirs.view(np.uint8)), (seed, mine - theirs)
        np.testing.assert_array_equal(torchless.get_rng_state().numpy(), torch.get_rng_state().numpy())


def test_fused_only_where_pytorch_fuses():
    """std 3 makes the product round, so fused and unfused results differ for some draws; which one
    torchless gives follows the kernel PyTorch would run (_random.VECTOR_NORMALS)."""
    stream = _random.Stream(7)
    z = stream.normal_doubles(64)
    fused = _random._fma64(z, 3.0, 2.0)
    plain = z * 3.0 + 2.0
    assert not np.array_equal(fused, plain)
    again = _random.Stream(7).normal_doubles(64, 2.0, 3.0)
    assert np.array_equal(again, fused if _random.VECTOR_NORMALS else plain)


def test_rand_is_the_unit_draw():
    """rand takes the words' uniforms as they are (no `* 1 + 0`, no check for 1.0: u < 1 always)."""
    torchless.manual_seed(3)
    a = torchless.rand(1000).numpy()
    b = _random.Stream(3).unit(1000, np.float32)
    assert np.array_equal(a, b) and a.max() < 1.0
    torchless.manual_seed(3)
    c = torchless.empty(1000).uniform_(0.0, 1.0).numpy()
    assert np.array_equal(a, c)


def test_default_generator_starts_from_a_random_seed():
    """PyTorch 2.13 seeds its default CPU generator from the OS at startup; a new Generator() starts
    from 67280421310721. Two fresh processes therefore draw different numbers, as PyTorch's do."""
    import os
    import subprocess
    import sys
    src = os.path.dirname(os.path.dirname(os.path.abspath(torchless.__file__)))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (src, os.environ.get("PYTHONPATH")) if p))
    code = "import torchless; print(torchless.initial_seed(), torchless.rand(1).item(), torchless.Generator().initial_seed())"
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env=env).stdout.split() for _ in range(2)]
    assert runs[0][0] != runs[1][0] and runs[0][1] != runs[1][1]
    assert runs[0][2] == runs[1][2] == "67280421310721"
    seed = int(runs[0][0])
    assert 0 <= seed < 2 ** 64
    torchless.manual_seed(seed)   # the seed initial_seed() reports replays that run's numbers
    assert repr(torchless.rand(1).item()) == runs[0][1]
