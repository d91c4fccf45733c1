"""randperm's Fisher-Yates replay (issue 14): `_random._apply_swaps` must give what the swap loop
`for i: swap(r[i], r[z[i]])` gives, for every kind of step sequence (random draws, steps aimed at
themselves, at the last position, at one position many times, long chains), and randperm must equal
PyTorch's at sizes where chains are long (1e6 when torch is installed)."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import torchless
from torchless import _random


def _loop(z):
    r = list(range(len(z)))
    for i, j in enumerate(z.tolist()):
        r[i], r[j] = r[j], r[i]
    return np.array(r, dtype=np.int64)


def _draws(n, seed):
    """A Fisher-Yates step sequence as PyTorch's randperm makes it: z[i] = i + word % (n - i)."""
    words = np.random.default_rng(seed).integers(0, 2 ** 32, max(n - 1, 0), dtype=np.uint64)
    z = (words % (n - np.arange(n - 1, dtype=np.uint64))).astype(np.int64) + np.arange(n - 1)
    return np.append(z, n - 1).astype(np.int64)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 16, 17, 100, 1000, 4097, 60000])
def test_random_steps_match_the_loop(n):
    for seed in range(3):
        z = _draws(n, seed)
        assert np.array_equal(_random._apply_swaps(z), _loop(z))


@pytest.mark.parametrize("kind", ["self", "last", "next", "chain_to_end", "alternate"])
@pytest.mark.parametrize("n", [1, 2, 3, 7, 64, 1001])
def test_structured_steps_match_the_loop(kind, n):
    i = np.arange(n, dtype=np.int64)
    z = {"self": i,                                   # every swap a no-op: the identity
         "last": np.full(n, n - 1, np.int64),         # all aimed at one position: a rotation
         "next": np.minimum(i + 1, n - 1),            # each moves the previous value on: one long chain
         "chain_to_end": np.where(i % 2 == 0, n - 1, i),
         "alternate": np.where(i % 3 == 0, np.minimum(i + 2, n - 1), i)}[kind]
    assert np.array_equal(_random._apply_swaps(z.astype(np.int64)), _loop(z))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 10 ** 6), min_size=1, max_size=60))
def test_any_steps_match_the_loop(raw):
    n = len(raw)
    z = np.array([i + r % (n - i) for i, r in enumerate(raw)], dtype=np.int64)
    assert np.array_equal(_random._apply_swaps(z), _loop(z))


def test_randperm_is_a_permutation_and_replays_its_words():
    torchless.manual_seed(5)
    words = _random.Stream(5).u32(99_999)
    z = (words % (100_000 - np.arange(99_999, dtype=np.uint64))).astype(np.int64) + np.arange(99_999)
    p = torchless.randperm(100_000).numpy()
    assert np.array_equal(p, _loop(np.append(z, 99_999)))
    assert np.array_equal(np.sort(p), np.arange(100_000))


def test_randperm_million_equals_torch():
    torch = pytest.importorskip("torch")
    torch.manual_seed(11)
    torchless.manual_seed(11)
    assert np.array_equal(torchless.randperm(10 ** 6).numpy(), torch.randperm(10 ** 6).numpy())
    assert torchless.rand(3).tolist() == torch.rand(3).tolist()   # the generator ends where torch's does
