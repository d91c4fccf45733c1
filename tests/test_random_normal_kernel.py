"""Issue 14: the fast float32 vector normal kernel against its step-by-step emulation (no PyTorch needed).

PyTorch's AVX2/AVX512 float32 normal kernel turns each block of 16 uniforms u = k * 2**-24 into
radius(k1) * cos(theta(k2)) and radius(k1) * sin(theta(k2)). `_random._box_muller_chunk` emulates it
step by step, bit for bit (checked against PyTorch in tests/test_random_streams.py's reference test);
`_random._fast_box_muller_chunk`, the default, must give the same sine, cosine and radius bit for bit
(its radius comes from NumPy's float64 logarithm rounded, moved one ULP where the table
`_random._radius_marks()`, built from the emulation, says). Both factors depend on one 24-bit integer each, so all 2**24 inputs are compared
(test_every_input_of_both_factors, a few seconds); the other tests take a strided sample plus the hard
places: the zeros of sine and cosine (k2 near 2**22, 2**23, 3 * 2**22), the ends of the range, and
the logarithm's switch at sqrt(1/2)."""
import numpy as np
import pytest

from torchless import _random

N = 1 << 24
RADIUS_ONE = 6601320   # a k1 whose radius is exactly 1.0 in both kernels: the outputs are then cos and sin


def _run(chunk, k1, k2):
    k1, k2 = np.array(k1, np.int32), np.array(k2, np.int32)   # copies: the fast kernel overwrites them
    oc, os_ = np.empty(k1.size, np.float32), np.empty(k1.size, np.float32)
    ws = _random._FastScratch(k1.size) if chunk is _random._fast_box_muller_chunk else _random._Scratch(k1.size)
    chunk(k1, k2, oc, os_, ws)
    return oc, os_


def _hard_ks():
    near = np.arange(-64, 65)
    specials = [0, 1, 2, 3, N - 1, N - 2, 1 << 23, (1 << 22), 3 << 22]
    ks = [np.arange(0, N, 97), np.array(specials)]
    ks += [c + near for c in (1 << 22, 1 << 23, 3 << 22, 1 << 21, 3 << 21, 5 << 21, 7 << 21)]
    # 1 - u1 = K * 2**-24 with K's mantissa at or next to sqrt(1/2)'s: the logarithm's switch
    ks.append(np.array([N - (int(0.7071067811865476 * 2 ** (e + 1)) + d) for e in range(24) for d in (-1, 0, 1)]))
    k = np.concatenate(ks)
    return np.unique(k[(k >= 0) & (k < N)]).astype(np.int32)


@pytest.fixture(scope="module")
def ks():
    return _hard_ks()


def test_sine_and_cosine_are_the_kernels_bit_for_bit(ks):
    one = np.full(ks.size, RADIUS_ONE, np.int32)
    fc, fs = _run(_random._fast_box_muller_chunk, one, ks)
    ec, es = _run(_random._box_muller_chunk, one, ks)
    assert np.array_equal(fc.view(np.int32), ec.view(np.int32))   # signs of zero too
    assert np.array_equal(fs.view(np.int32), es.view(np.int32))


def test_radius_is_the_kernels_bit_for_bit(ks):
    zero = np.zeros(ks.size, np.int32)          # theta = 0: cos 1, sin 0, so the first output is the radius
    fr, fz = _run(_random._fast_box_muller_chunk, ks, zero)
    er, ez = _run(_random._box_muller_chunk, ks, zero)
    one = np.array([RADIUS_ONE], np.int32)
    fast_one = _run(_random._fast_box_muller_chunk, one, one * 0)[0][0]
    assert fast_one == _run(_random._box_muller_chunk, one, one * 0)[0][0] == 1.0
    assert not fz.any() and not ez.any()
    assert np.array_equal(fr.view(np.int32), er.view(np.int32))


def test_outputs_bit_for_bit():
    rng = np.random.default_rng(1)
    k1 = rng.integers(0, N, 1 << 18)
    k2 = rng.integers(0, N, 1 << 18)
    fc, fs = _run(_random._fast_box_muller_chunk, k1, k2)
    ec, es = _run(_random._box_muller_chunk, k1, k2)
    assert np.array_equal(fc.view(np.int32), ec.view(np.int32))
    assert np.array_equal(fs.view(np.int32), es.view(np.int32))


@pytest.mark.parametrize("mean,std", [(0.0, 1.0), (-0.75, 3.5), (100.0, 0.01)])
def test_vector_normals_fast_against_exact(mean, std):
    """The chunked driver (gather, both kernels, scatter, mean and std), on words given and drawn."""
    n = 2 * max(_random._CHUNK, _random._FAST_CHUNK) + 16 * 37
    k = np.random.default_rng(2).integers(0, N, n).astype(np.int32)
    fast, exact = np.empty(n, np.float32), np.empty(n, np.float32)
    _random._vector_normals(k, fast, mean, std, exact=False)
    _random._vector_normals(k, exact, mean, std, exact=True)
    assert np.array_equal(fast.view(np.int32), exact.view(np.int32))
    drawn = np.empty(n, np.float32)
    pos = [0]

    def draw(count):
        pos[0] += count
        return k[pos[0] - count:pos[0]].copy()
    _random._vector_normals(None, drawn, mean, std, draw=draw, exact=False)
    assert pos[0] == n and np.array_equal(drawn, fast)


def test_low24_is_the_words_low_bits():
    a, b = _random.Stream(7), _random.Stream(7)
    assert np.array_equal(a.low24(1000), (b.u32(1000) & np.uint64(0xFFFFFF)).astype(np.int32))
    assert np.array_equal(a.get_state(), b.get_state())


def test_every_input_of_both_factors():
    """All 2**24 inputs of each factor (a few seconds, chunk by chunk): the sine, the cosine and the
    radius bit for bit."""
    step = 1 << 20
    one = np.full(step, RADIUS_ONE, np.int32)
    zero = np.zeros(step, np.int32)
    for lo in range(0, N, step):
        k = np.arange(lo, lo + step, dtype=np.int32)
        fc, fs = _run(_random._fast_box_muller_chunk, one, k)
        ec, es = _run(_random._box_muller_chunk, one, k)
        assert np.array_equal(fc.view(np.int32), ec.view(np.int32))
        assert np.array_equal(fs.view(np.int32), es.view(np.int32))
        fr, _ = _run(_random._fast_box_muller_chunk, k, zero)
        er, _ = _run(_random._box_muller_chunk, k, zero)
        assert np.array_equal(fr.view(np.int32), er.view(np.int32))


def test_radius_marks_table():
    """The table of radii to move: 615,409 of the 2**24 inputs (docs/random.md), and the rule that moves
    them holds on its own: the kernel's logarithm is the float32 neighbour of float32(log) across the
    rounding midpoint nearest the float64 logarithm (away from zero where float32(log) was rounded
    toward zero, that is where the float64's highest dropped bit is clear), wherever the two differ."""
    words = _random._radius_marks()
    assert words.dtype == np.int32 and words.size == N // 32
    marks = np.unpackbits(words.astype(">i4").view(np.uint8)).astype(bool)    # bit 31 - j of word i: input 32 i + j
    assert np.count_nonzero(marks) == 615409
    k = np.arange(0, N, 7, dtype=np.int32)
    ws = _random._Scratch(k.size)
    exact = _random._cephes_log(k, ws, np.empty(k.size, np.float32))
    d = np.log(1.0 - k * 2.0 ** -24)
    fast = d.astype(np.float32)
    toward_zero = (d.view(np.int64) >> 28) & 1 == 0
    step = exact.view(np.int32).astype(np.int64) - fast.view(np.int32)
    assert np.array_equal(step, np.where(exact != fast, np.where(toward_zero, 1, -1), 0))
    radius_moved = np.sqrt(exact * np.float32(-2)) != np.sqrt(fast * np.float32(-2))
    assert np.array_equal(radius_moved, marks[k])


def test_float64_log_is_far_from_float32_midpoints():
    """float32(NumPy's float64 log(1 - k1 * 2**-24)) is the correctly rounded float32 logarithm whatever
    the float64 log's last bits (every input lies 21 float64 ULP or more from a float32 midpoint), so the
    table built here holds on any NumPy."""
    d = np.log(1.0 - np.arange(1, N) * 2.0 ** -24)
    low = d.view(np.int64) & ((1 << 29) - 1)
    assert np.abs(low - (1 << 28)).min() >= 21


@pytest.mark.parametrize("exact", [False, True])
def test_a_zero_radius_gives_plus_zero(exact):
    """k1 = 0 (1 - u1 = 1) gives the radius -0 (sqrt(-2 * +0)); PyTorch's `* std + mean` turns every
    such -0 into +0 with mean 0 and std 1, on both outputs of the pair."""
    k = np.random.default_rng(3).integers(1, N, 64).astype(np.int32)
    k[[2, 16 + 5]] = 0                                # radii of pairs (2, 10) and (21, 29)
    k[10] = 0                                         # theta 0 there too: cos 1, sin 0
    out = np.empty(64, np.float32)
    _random._vector_normals(k, out, 0.0, 1.0, exact=exact)
    zeros = [2, 10, 21, 29]
    assert not out[zeros].any() and not np.signbit(out[zeros]).any()


def test_the_reference_kernel_runs_until_the_table_pays(monkeypatch):
    """exact=None: the reference kernel while the process has drawn few pairs and no table exists (a
    program drawing few normals never builds it), then the fast one; the numbers are the same."""
    monkeypatch.setattr(_random, "_RADIUS_MARKS", [])
    monkeypatch.setattr(_random, "_PAIRS_DRAWN", [0])
    monkeypatch.setattr(_random, "_TABLE_AFTER", 1000)
    k = np.random.default_rng(4).integers(0, N, 1600).astype(np.int32)
    first, second = np.empty(1600, np.float32), np.empty(1600, np.float32)
    _random._vector_normals(k[:800], first[:800], 0.0, 1.0)
    assert not _random._RADIUS_MARKS and _random._PAIRS_DRAWN[0] == 400
    _random._vector_normals(k, second, 0.0, 1.0)           # past 1000 pairs: the table is built
    assert _random._RADIUS_MARKS and _random._PAIRS_DRAWN[0] == 1200
    _random._vector_normals(k[800:], first[800:], 0.0, 1.0)
    assert np.array_equal(first.view(np.int32), second.view(np.int32))
