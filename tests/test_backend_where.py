"""The NumPy backend's `where` (backend/numpy.py) selects big masks by bits instead of np.where's
per-element branch; it must be np.where exactly: values bit for bit (NaN payloads, -0.0), dtype,
shape and C order, for every dtype, broadcast and operand kind the rules pass it."""
import numpy as np
import pytest

from torchless.backend import numpy as NP

N = 5000  # above the bit-select threshold (4,096 mask elements)
rng = np.random.default_rng(7)


def _values(dt, shape):
    dt = np.dtype(dt)
    if dt.kind == "b":
        return rng.random(shape) < 0.5
    if dt.kind in "iu":
        info = np.iinfo(dt)
        return rng.integers(info.min, info.max, size=shape, dtype=dt, endpoint=True)
    x = rng.standard_normal(shape) * 3
    if dt.kind == "c":
        x = x + 1j * rng.standard_normal(shape)
    x = x.astype(dt)
    flat = x.reshape(-1)
    if dt.kind == "f" and flat.size >= 4:
        flat[:4] = [np.nan, -0.0, np.inf, -np.inf]
    return x


def _same(got, want):
    assert got.dtype == want.dtype and got.shape == want.shape
    assert got.flags.c_contiguous == want.flags.c_contiguous
    np.testing.assert_array_equal(got.view(np.uint8), want.view(np.uint8))  # bit for bit


@pytest.mark.parametrize("dt", ["float16", "float32", "float64", "complex64", "complex128", "int8", "int16",
                                "int32", "int64", "uint16", "uint64", "bool"])
def test_arrays_of_every_dtype(dt):
    cond = rng.random(N) < 0.5
    a, b = _values(dt, N), _values(dt, N)
    _same(NP.where(cond, a, b), np.where(cond, a, b))


@pytest.mark.parametrize("case", ["scalar_b", "scalar_a", "python_scalars", "mixed_dtypes", "broadcast_b",
                                  "broadcast_cond", "transposed", "zero_d"])
def test_operand_kinds(case):
    cond = rng.random((50, 100)) < 0.5
    a, b = _values("float32", (50, 100)), _values("float32", (50, 100))
    if case == "scalar_b":
        args = (cond, a, np.float32(0))
    elif case == "scalar_a":
        args = (cond, 2.5, b)
    elif case == "python_scalars":
        args = (cond, 1.0, 0.0)
    elif case == "mixed_dtypes":
        args = (cond, a, b.astype(np.float64))
    elif case == "broadcast_b":
        args = (cond, a, b[:1])
    elif case == "broadcast_cond":
        args = (cond[:1], a, b)
    elif case == "transposed":
        args = (cond.T, a.T, np.ascontiguousarray(b.T))
    else:
        args = (cond, np.array(3.0, np.float32), b)
    _same(NP.where(*args), np.where(*args))


def test_one_argument_form_and_small_masks():
    cond = rng.random(N) < 0.5
    for got, want in zip(NP.where(cond), np.where(cond)):
        np.testing.assert_array_equal(got, want)
    small = cond[:10]
    _same(NP.where(small, np.arange(10.0), -1.0), np.where(small, np.arange(10.0), -1.0))


def test_a_big_mask_broadcast_against_bigger_operands():
    cond = rng.random((1, N)) < 0.5
    a, b = _values("float64", (3, N)), _values("float64", (3, 1))
    _same(NP.where(cond, a, b), np.where(cond, a, b))
    _same(NP.where(cond, b, a), np.where(cond, b, a))
