"""randperm above (2**32 - 1) // 20 elements (issue 14, random numbers): PyTorch switches from its
Fisher-Yates shuffle on 32-bit words to an inside-out shuffle on 64-bit words (out[i] = out[z];
out[z] = i with z = random64() % (i + 1)). A permutation that large (215 million int64, 1.7 GB, and
minutes of Python here) is too big for a test, so the switch is checked at its edge: the threshold is
PyTorch's, and the 64-bit path, run at small n by lowering the threshold, gives the permutation
PyTorch's algorithm makes from PyTorch's own 64-bit words (torch.Tensor.random_ over the full int64
range draws random64() as randperm does), leaving the generator where PyTorch leaves it."""
import numpy as np
import pytest

import torchless
from torchless import _random


def test_the_threshold_is_pytorchs():
    assert _random.PERM_64BIT_AT == (2 ** 32 - 1) // 20 == 214748364


def _inside_out(words):
    """PyTorch's 64-bit randperm, as its C++ loop states it, from given random64() words."""
    n = len(words)
    out = [0] * n
    for i, w in enumerate(words):
        z = int(w) % (i + 1)
        out[i] = out[z]
        out[z] = i
    return out


@pytest.mark.parametrize("n", [1, 2, 3, 10, 1000, 100_003])
def test_the_64_bit_path_is_pytorchs_inside_out_shuffle(n, torch_ref, monkeypatch):
    torch = torch_ref
    torch.manual_seed(1234)
    words = torch.empty(n, dtype=torch.int64).random_(-2 ** 63, None).numpy().view(np.uint64)
    after_torch = torch.rand(3)
    monkeypatch.setattr(_random, "PERM_64BIT_AT", 0)
    torchless.manual_seed(1234)
    ours = torchless.randperm(n)
    assert ours.dtype == torchless.int64
    assert ours.tolist() == _inside_out(words.tolist())
    assert sorted(ours.tolist()) == list(range(n))
    np.testing.assert_array_equal(torchless.rand(3).numpy(), after_torch.numpy())   # the same words consumed


def test_below_the_threshold_fisher_yates_matches_torch(torch_ref):
    for n in (2, 17, 4096):
        torch_ref.manual_seed(7)
        torchless.manual_seed(7)
        assert torchless.randperm(n).tolist() == torch_ref.randperm(n).tolist()
