"""Arithmetic PyTorch refuses on bool operands, where NumPy would count True as 1 (a silent answer):
subtraction with any bool operand (a tensor or a Python bool; PyTorch's two messages), floor and
trunc division, fmod, remainder and pow of two bool tensors, median of a bool tensor; and integer pow
of two tensors with negative exponents, which PyTorch computes where NumPy refuses. Every form: operators, named ops, torch functions,
in place, reflected."""
import pytest

import torchless

from .conftest import outcome

EXPRESSIONS = [
    "L.tensor([1.]) - True", "L.tensor([1.]) - False", "L.sub(L.tensor([1]), True)", "L.tensor([True]) - 1",
    "L.tensor([True]) - L.tensor([1])", "L.tensor([1.]).sub(L.tensor([True]))", "L.rsub(L.tensor([1.]), True)",
    "True - L.tensor([1.])", "L.tensor([1.]).sub_(True)", "L.tensor([True]) - True", "L.tensor([True]).sub_(True)",
    "L.tensor([True]).sub(L.tensor([True]))", "L.tensor([1]).sub_(L.tensor([True]))",
    "L.rsub(L.tensor([1]), L.tensor([True]))", "L.tensor([1.]) - L.tensor(True)", "L.subtract(L.tensor([2]), True)",
    "L.tensor([2.]) - 1", "L.tensor([3]) - L.tensor([1.])", "5 - L.tensor([1])", "L.rsub(L.tensor([1]), 3)",
    "L.tensor([True]) // L.tensor([True])", "L.tensor([True]).floor_divide(True)", "L.tensor([True]) // 2",
    "L.tensor([2, 3]) // L.tensor([True, True])", "L.tensor([True]).div(L.tensor([True]), rounding_mode='floor')",
    "L.tensor([True]).div(L.tensor([True]), rounding_mode='trunc')", "L.tensor([True]).div(L.tensor([True]))",
    "L.tensor([True, False]).fmod(L.tensor([True, True]))", "L.tensor([True, False]).remainder(True)",
    "L.tensor([True, False]).fmod(2)", "L.tensor([True, False]).pow(L.tensor([True, True]))",
    "L.tensor([True, False]) ** L.tensor([False, True])", "L.tensor([True, False]).pow(2)",
    "L.tensor([True, False]).pow(True)", "L.pow(2, L.tensor([True, False]))", "L.tensor([True, False]).median()",
    "L.tensor([True, False]).median(0).values", "L.tensor([[True], [False]]).nanmedian()",
    # integer pow of two tensors: a negative exponent as C's integer loop gives it (NumPy refuses)
    "L.tensor([0, 2, -2, 1, -1, 3]).pow(L.tensor([-1, -1, -3, -5, -3, 2]))",
    "L.tensor([0, 2, -2, 1, -1, 3], dtype=L.int32).pow(L.tensor([-1, -1, -3, -5, -4, 2]))",
    "L.tensor([2], dtype=L.uint8).pow(L.tensor([-1], dtype=L.int8))", "L.tensor([2]).pow(-1)",
    "L.logcumsumexp(L.tensor([1, 2]), None)",
    # addcdiv of two integer (or bool) tensors: PyTorch's error, not an integer division
    "L.tensor([1.]).addcdiv(L.tensor([3]), L.tensor([2]))", "L.tensor([1.]).addcdiv(L.tensor([3.]), L.tensor([2]))",
    "L.addcdiv(L.tensor([1.]), L.tensor([True]), L.tensor([True]))", "L.tensor([1.]).addcdiv_(L.tensor([3]), L.tensor([2]))",
]


@pytest.mark.parametrize("code", EXPRESSIONS)
def test_same_as_pytorch(torch_ref, code):
    assert outcome(torchless, code) == outcome(torch_ref, code)


def test_messages_without_torch():
    with pytest.raises(RuntimeError, match="with a bool tensor is not supported"):
        torchless.tensor([1.0]) - True
    with pytest.raises(RuntimeError, match="with two bool tensors is not supported"):
        torchless.tensor([True]) - torchless.tensor([False])
    with pytest.raises(NotImplementedError, match="\"div_floor_cpu\" not implemented for 'Bool'"):
        torchless.tensor([True]) // torchless.tensor([True])
