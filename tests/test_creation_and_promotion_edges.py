"""Edge cases a creation/promotion fuzz against PyTorch found: data that does not fit the dtype (a
float never wraps into an unsigned type, an int does; complex data into a real dtype), arange with
float arguments and an integer dtype (int64 counts with the arguments' integer parts, the other
integer types with the arguments themselves), torch.where of two numbers and of a number that does
not fit, the sign of a zero remainder (the dividend's), and ~ on a float tensor."""
import pytest

import torchless

from .conftest import outcome

CASES = [
    "L.tensor([-0.5], dtype=L.uint8)", "L.tensor([-1.0], dtype=L.uint8)", "L.tensor([-0.0], dtype=L.uint8)",
    "L.tensor([255.9], dtype=L.uint8)", "L.tensor([-128.9], dtype=L.int8)", "L.tensor([True, -1.5], dtype=L.uint8)",
    "L.tensor(-1.5, dtype=L.uint8)", "L.tensor([-1], dtype=L.uint8)", "L.tensor([255.0], dtype=L.uint8)",
    "L.tensor([3j, 1], dtype=L.int32)", "L.tensor([3j], dtype=L.float32)", "L.tensor([0j, 2j], dtype=L.bool)",
    "L.full((1,), -1.5, dtype=L.uint8)", "L.full((1,), -1, dtype=L.uint8)", "L.full((1,), 255.5, dtype=L.uint8)",
    "L.ones(2, dtype=L.uint8).fill_(-1.0)", "L.full((1,), -0.5, dtype=L.int8)",
    "L.arange(2.5, dtype=L.uint8)", "L.arange(-0.5, 3, dtype=L.int32)", "L.arange(0.5, 3.7, 1.5, dtype=L.int64)",
    "L.arange(0, 2.5, 0.5, dtype=L.int64)", "L.arange(3.9, -1, -1.5, dtype=L.int64)",
    "L.arange(0.0, 1.0, 0.3, dtype=L.int32)", "L.arange(-2.7, 2.7, dtype=L.int64)", "L.arange(1, 10, 3, dtype=L.int8)",
    "L.where(L.tensor([True, False]), 1, 2.5)", "L.where(L.tensor([True, False]), True, 2)",
    "L.where(L.tensor([True, False]), 1j, 2)", "L.where(L.tensor([True, False]), False, False)",
    "L.where(L.tensor([True, False]), 2 ** 63 - 1, 10 ** 10)",
    "L.where(L.tensor([True, False]), L.ones(2, dtype=L.int32), 2 ** 63 - 1)",
    "L.where(L.tensor([True, False]), L.ones(2, dtype=L.uint8), -1)",
    "L.where(L.tensor([[True], [False]]), 1.5, L.ones(3))",
    "L.tensor([-4., 4.]) % 2", "L.tensor([4., -4.]) % -2", "L.tensor([-4.]).remainder(L.tensor([2.]))",
    "L.tensor(-4.) % 2", "L.tensor([-4.], dtype=L.float16) % 2", "L.tensor([float('nan'), -6.]) % 3",
    "L.tensor([5, -5]) % 3",
    "L.tensor([[2.5], [-2]], dtype=L.uint8)", "L.tensor([[2.5], [-2.0]], dtype=L.uint8)", "L.tensor([-0.5, 1], dtype=L.uint8)",
    "L.full((2,), 10**10, dtype=L.float16)", "L.full((2,), 3j, dtype=L.uint8)", "L.full((2,), 3j, dtype=L.float16)",
    "L.full((2,), 3+0j, dtype=L.float32)", "L.full((2,), 3j, dtype=L.bool)", "L.full((2,), 70000, dtype=L.float16)",
    "L.ones(2).fill_(1e39)", "L.ones(2, dtype=L.float16).fill_(100000)",
    "L.tensor([1, 2], dtype=L.uint8) & 3j", "L.tensor([1, 2], dtype=L.bool) | 3j", "~L.tensor([1.])",
    # a size left out altogether is PyTorch's TypeError (an explicit () is a 0-d shape)
    "L.ones()", "L.zeros()", "L.empty()", "L.rand()", "L.randn()", "L.zeros(())", "L.zeros(size=(1,))",
    "L.ones(2, 3).reshape()", "L.ones(2, 3).view()", "L.ones(2, 3).expand()", "L.ones(2, 3).repeat()",
    "L.ones(2, 3).tile()", "L.ones(2, 3).flip()", "L.ones(2, 3).tile(())", "L.ones(2, 3).flip(())", "~L.tensor([1])", "~L.tensor([True])", "L.tensor([1.5]).bitwise_not()",
]


@pytest.mark.parametrize("code", CASES)
def test_same_as_pytorch(torch_ref, code):
    assert outcome(torchless, code) == outcome(torch_ref, code)


def test_without_torch():
    assert torchless.arange(-0.5, 3, dtype=torchless.int32).tolist() == [0, 1, 2, 3]
    assert str((torchless.tensor([-4.0]) % 2).tolist()) == "[-0.0]"
    with pytest.raises(RuntimeError, match="without overflow"):
        torchless.tensor([-0.5], dtype=torchless.uint8)
    assert torchless.where(torchless.tensor([True, False]), 1, 2.5).tolist() == [1.0, 2.5]


def test_histc_bins_as_pytorch_in_the_input_dtype(torch_ref):
    """histc's edges and bin positions are computed in the input's dtype, step by step: an element
    near a bin edge falls where PyTorch's falls (a single -7.9 in float32 goes to bin 1 of 4)."""
    import numpy as np
    rs = np.random.RandomState(1)
    for dt in ("float16", "float32", "float64"):
        for trial in range(300):
            v = np.round(rs.randn(rs.randint(1, 6)) * 5, rs.randint(0, 3))
            bins = int(rs.randint(1, 9))
            lo, hi = (0.0, 0.0) if trial % 2 else sorted((float(rs.randn()), float(rs.randn() + 3)))
            ours = torchless.tensor(v, dtype=getattr(torchless, dt)).histc(bins, lo, hi).tolist()
            assert ours == torch_ref.tensor(v, dtype=getattr(torch_ref, dt)).histc(bins, lo, hi).tolist(), (dt, v, bins)
    assert torchless.tensor([[-7.9]]).histc(4).tolist() == [0.0, 1.0, 0.0, 0.0]
