"""Tensor.is_cpu, is_signed(), is_same_size() and is_nonzero(): PyTorch's answers and errors."""
import pytest

import torchless

CASES = ["L.ones(2).is_cpu", "L.tensor([1], dtype=L.uint8).is_signed()", "L.tensor([True]).is_signed()",
         "L.ones(2).is_signed()", "L.tensor([1], dtype=L.int8).is_signed()", "L.ones(2, 3).is_same_size(L.zeros(2, 3))",
         "L.ones(2).is_same_size(L.ones(3))", "L.tensor([0.0]).is_nonzero()", "L.tensor([[2]]).is_nonzero()",
         "L.tensor(float('nan')).is_nonzero()", "L.ones(2).is_nonzero()", "L.ones(0).is_nonzero()",
         "L.ones(2).is_same_size(3)"]


def _outcome(L, code):
    try:
        return repr(eval(code, {"L": L}))
    except Exception as e:   # the error's type and message must agree
        return f"{type(e).__name__}: {str(e).split('(')[0]}"


@pytest.mark.parametrize("code", CASES)
def test_same_as_pytorch(torch_ref, code):
    assert _outcome(torchless, code) == _outcome(torch_ref, code)


def test_values_without_torch():
    assert torchless.ones(1).is_cpu and not torchless.tensor([1], dtype=torchless.uint8).is_signed()
    assert torchless.tensor([3]).is_nonzero() and not torchless.tensor([0]).is_nonzero()
    with pytest.raises(RuntimeError, match="more than one value is ambiguous"):
        torchless.ones(3).is_nonzero()
