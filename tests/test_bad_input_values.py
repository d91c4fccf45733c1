"""Bad input, everywhere (issue 12): values PyTorch refuses (out of range, NaN where it matters, NumPy's
wording), compared with PyTorch 2.13 call by call: the same exception type, or the same result."""
import math

import numpy as np
import pytest

import torchless

torch = pytest.importorskip("torch")


def _run(lib, source):
    try:
        return None, eval(source, {"torch": lib, "np": np, "nan": math.nan, "inf": math.inf})
    except Exception as e:  # noqa: BLE001 (the exception type is what is compared)
        return e, None


def _same(source):
    """The call fails with PyTorch's exception type, or gives PyTorch's value (and dtype)."""
    theirs, expected = _run(torch, source)
    ours, got = _run(torchless, source)
    if theirs is not None:
        assert type(ours) is type(theirs), f"{source}: torch {theirs!r}, torchless {ours!r}"
        for text in ("numpy", "ufunc", "ndarray", "broadcast together"):
            assert text not in str(ours), f"{source}: NumPy's wording reaches the user: {ours}"
        assert ours.__cause__ is None or "numpy" not in type(ours.__cause__).__module__
        return ours
    assert ours is None, f"{source}: torch gives {expected!r}, torchless raises {ours!r}"
    if isinstance(expected, torch.Tensor):
        assert str(got.dtype) == str(expected.dtype)
        np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-6, equal_nan=True)
    else:
        assert got == expected
    return got


# ----------------------------------------------------------------------------- out-of-range values
@pytest.mark.parametrize("source", [
    "torch.tensor([300], dtype=torch.int8)", "torch.tensor(300, dtype=torch.int8)",
    "torch.tensor([300.5], dtype=torch.int8)", "torch.tensor([70000], dtype=torch.int16)",
    "torch.tensor([[1, 2], [3, 300]], dtype=torch.int8)", "torch.tensor([True, 300], dtype=torch.int8)",
    "torch.tensor([torch.tensor(300)], dtype=torch.int8)", "torch.tensor([nan], dtype=torch.int8)",
    "torch.tensor([-1], dtype=torch.uint8)", "torch.tensor([-256], dtype=torch.uint8)",
    "torch.tensor([127, -128], dtype=torch.int8)", "torch.tensor([300], dtype=torch.bool)",
    "torch.tensor(np.array([300]), dtype=torch.int8)", "torch.tensor([2**63])",
    "torch.full((2,), 300, dtype=torch.int8)", "torch.full((2,), -129, dtype=torch.int8)",
    "torch.full((2,), 1e10, dtype=torch.int8)", "torch.full((2,), 256, dtype=torch.uint8)",
    "torch.full((2,), -1, dtype=torch.uint8)", "torch.full((2,), 1e40, dtype=torch.float32)",
    "torch.full((2,), inf, dtype=torch.float32)", "torch.full((2,), 3.7, dtype=torch.int8)",
    "torch.full((1,), 300, dtype=torch.bool)", "torch.zeros(2, dtype=torch.int8).fill_(300)",
    "torch.zeros(2, dtype=torch.uint8).fill_(-3)",
])
def test_numbers_that_do_not_fit_the_dtype(source):
    _same(source)


def test_the_overflow_message_says_what_to_do():
    with pytest.raises(RuntimeError, match="value cannot be converted to type int8 without overflow"):
        torchless.tensor([300], dtype=torchless.int8)
    with pytest.raises(RuntimeError, match="value cannot be converted to type int8_t without overflow"):
        torchless.full((2,), 300, dtype=torchless.int8)


@pytest.mark.parametrize("source", [
    "torch.bernoulli(torch.tensor([1.5]))", "torch.bernoulli(torch.tensor([-0.5]))",
    "torch.bernoulli(torch.tensor([nan]))", "torch.bernoulli(torch.tensor([1, 0]))",
    "torch.bernoulli(torch.tensor([0.0, 1.0]))", "torch.bernoulli(torch.tensor([0.5]), p=1.5)",
    "torch.zeros(2).bernoulli_(1.5)", "torch.zeros(2).bernoulli_(torch.tensor([0.5, -0.1]))",
    "torch.zeros(2).bernoulli_(torch.tensor([1.0, 0.0]))",
    "torch.nn.BCELoss()(torch.tensor([1.5]), torch.tensor([1.0]))",
    "torch.nn.BCELoss()(torch.tensor([0.5]), torch.tensor([2.0]))",
    "torch.nn.BCELoss()(torch.tensor([0.5]), torch.tensor([-0.1]))",
    "torch.nn.BCELoss()(torch.tensor([0.5]), torch.tensor([nan]))",
    "torch.nn.BCELoss()(torch.tensor([0.25, 0.5]), torch.tensor([0.0, 1.0]))",
    "torch.isclose(torch.tensor([1.0]), torch.tensor([1.0]), rtol=-1)",
    "torch.allclose(torch.tensor([1.0]), torch.tensor([1.0]), rtol=-1)",
    "torch.allclose(torch.tensor([1.0]), torch.tensor([1.0]), atol=-1)",
])
def test_probabilities_and_tolerances_out_of_range(source):
    _same(source)
