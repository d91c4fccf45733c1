"""clamp's bounds converted as PyTorch converts them (issue-12-style edge cases found by a dtype fuzz):
a number bound goes into the tensor's own dtype, with PyTorch's overflow error out of range (an
unsigned dtype wraps negatives down to -max: uint8's clamp(-1) clamps at 255), and beside a number
bound a 0-d tensor bound is taken as its number (any other tensor is refused). Also in-place
arithmetic with a Python int beyond an integer dtype's range, which wraps (NumPy raised OverflowError)."""
import pytest

import torchless

from .conftest import outcome

CASES = [
    "L.tensor([0, 100, 200], dtype=L.uint8).clamp(min=10, max=300)", "L.tensor([5, -3]).clamp(-1, L.tensor(4))",
    "L.tensor([5., -3]).clamp(L.tensor(-1.), 2)", "L.tensor([0, 100], dtype=L.int8).clamp(-1, 300)",
    "L.tensor([0, 100], dtype=L.int8).clamp(-200)", "L.tensor([0, 100], dtype=L.uint8).clamp(-255)",
    "L.tensor([0, 100], dtype=L.uint8).clamp(-256)", "L.tensor([0.5]).clamp(-1, 1e40)",
    "L.tensor([0, 100], dtype=L.uint8).clamp(max=-1)", "L.tensor([0, 100], dtype=L.uint8).clamp(1.5)",
    "L.tensor([0, 100], dtype=L.uint8).clamp_(-1)", "L.tensor([0, 100], dtype=L.uint8).clamp_min(-1)",
    "L.tensor([0.5], dtype=L.float16).clamp(-1, 1e5)", "L.tensor([0.5], dtype=L.float64).clamp(-1, 1e400)",
    "L.tensor([1], dtype=L.int16).clamp(-40000)", "L.tensor([1], dtype=L.int32).clamp(2 ** 31)",
    "L.tensor([1]).clamp(2 ** 63)", "L.tensor([1], dtype=L.int16).clamp_max(-40000)",
    "L.tensor([5, -3]).clamp(L.tensor(-1), 2.5)", "L.tensor([1.]).clamp(float('inf'))",
    "L.tensor([3], dtype=L.uint8).clamp(min=True)", "L.tensor([5., -3], dtype=L.float64).clamp(-1, L.tensor(2.))",
    "L.tensor([5, -3], dtype=L.uint8).clamp(L.tensor(1), 2.5)", "L.tensor([0, 255], dtype=L.uint8).clamp(0, 255)",
    # beside a number bound, a 0-d tensor is taken as its number, any other tensor refused
    "L.tensor([1, 2, 3], dtype=L.uint8).clamp_(1, L.tensor(2))", "L.tensor([1., 2]).clip_(L.tensor(1.), 2)",
    "L.tensor([5, -3]).clamp(-1, L.tensor([4, 4]))", "L.tensor([5, -3]).clamp_(-1, L.tensor([4, 4]))",
    "L.tensor([5, -3]).clamp(L.tensor(-1.5), 2)", "L.tensor([5, -3]).clamp(L.tensor(-1.5))",
    # a bool tensor clamped by bool numbers: PyTorch has no kernel
    "L.tensor([True, False]).clamp(min=True)", "L.tensor([True, False]).clamp(True, True)",
    "L.tensor([True, False]).clamp_max(True)", "L.tensor([True, False]).clamp_min_(True)", "L.tensor([True, False]).clamp(0)",
    # in-place arithmetic with a Python int beyond an integer dtype's range wraps, as PyTorch's does
    "L.tensor([1, 2, 3], dtype=L.uint8).add_(-1)", "L.tensor([1, 2, 3], dtype=L.uint8).add_(300)",
    "L.tensor([1, 2, 3], dtype=L.uint8).add_(-300)", "L.tensor([1, 2, 3], dtype=L.uint8).mul_(-1)",
    "L.tensor([1], dtype=L.int8).add_(200)", "L.tensor([1, 2, 3], dtype=L.uint8).sub_(-1)",
]


@pytest.mark.parametrize("code", CASES)
def test_same_as_pytorch(torch_ref, code):
    assert outcome(torchless, code) == outcome(torch_ref, code)


def test_without_torch():
    assert torchless.tensor([0, 100], dtype=torchless.uint8).clamp(-1).tolist() == [255, 255]
    with pytest.raises(RuntimeError, match="value cannot be converted to type int8_t without overflow"):
        torchless.tensor([1], dtype=torchless.int8).clamp(-200)
    assert torchless.tensor([5, -3]).clamp(-1, torchless.tensor(4)).tolist() == [4, -1]
    with pytest.raises(TypeError, match="invalid combination of arguments"):
        torchless.tensor([5, -3]).clamp(-1, torchless.tensor([4, 4]))
