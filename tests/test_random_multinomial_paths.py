"""torch.multinomial's fast paths (issue 14) against their plain forms and against PyTorch:
with replacement, eight or more rows are binary-searched all at once instead of row by row; without
replacement, one sample is an argmax and a few samples from many categories a partition, instead of
a full stable sort of the keys. Each must give exactly what the plain form gives."""
import numpy as np
import pytest

import torchless
from torchless import _random


@pytest.mark.parametrize("rows,k,n", [(8, 1, 5), (8, 2, 7), (9, 7, 33), (64, 100, 50), (20, 1000, 3),
                                      (13, 64, 64), (10, 65, 1)])
@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_batched_search_equals_row_by_row(rows, k, n, dt):
    rng = np.random.default_rng(rows * 1000 + k)
    p = rng.random((rows, k)).astype(dt)
    p[:, ::3] = 0.0                      # zero-weight categories: repeated cumulative sums
    p[:, 0] += dt(0.5)
    fast = _random.Stream(4).multinomial_rows(p, n)
    plain_stream = _random.Stream(4)
    plain = []
    for row in p:                         # the row-by-row form, drawing each row's uniforms in turn
        cum = np.cumsum(row)
        cum = (cum / cum[-1]).astype(np.float64)
        u = plain_stream.unit(n, np.float64)
        plain.append(np.minimum(np.searchsorted(cum, u, side="left"), k - 1))
    assert np.array_equal(fast, np.array(plain))
    assert np.all(p[np.arange(rows)[:, None], fast] > 0)    # a zero-weight category is never drawn


def test_largest_first_equals_a_stable_sort():
    rng = np.random.default_rng(0)
    for trial in range(300):
        rows, k = int(rng.integers(1, 6)), int(rng.integers(2, 200))
        n = int(rng.integers(1, k + 1))
        keys = rng.integers(0, 4, (rows, k)).astype(np.float64)   # many ties, at the cut too
        if trial % 3:
            keys = keys * rng.random((rows, k)) if trial % 3 == 1 else keys
        if trial % 7 == 0:
            keys[0, -1] = np.inf
        expected = np.argsort(-keys, axis=1, kind="stable")[:, :n]
        assert np.array_equal(_random._largest_first(keys, n), expected)


@pytest.mark.parametrize("shape,n,replacement", [((12, 50), 20, True), ((300,), 100, True), ((3, 5000), 10, False),
                                                 ((100000,), 1000, False), ((9, 40), 1, False), ((30000,), 1, False),
                                                 ((16, 30), 30, False)])
def test_same_draws_as_torch(torch_ref, shape, n, replacement):
    for dtype in ("float32", "float64"):
        for seed in range(3):
            torch_ref.manual_seed(seed)
            torchless.manual_seed(seed)
            w_t = torch_ref.rand(shape, dtype=getattr(torch_ref, dtype)) + 0.01
            w_l = torchless.rand(shape, dtype=getattr(torchless, dtype)) + 0.01
            theirs = torch_ref.multinomial(w_t, n, replacement)
            ours = torchless.multinomial(w_l, n, replacement)
            assert ours.tolist() == theirs.tolist()
            assert torchless.rand(2).tolist() == torch_ref.rand(2).tolist()   # the same words used


def test_tensor_methods_bernoulli_and_multinomial(torch_ref):
    """Tensor.bernoulli() / .bernoulli(p) and Tensor.multinomial(...) are PyTorch's methods, with their
    generator= and the same draws as the torch functions."""
    for lib in (torchless, torch_ref):
        assert callable(lib.Tensor.bernoulli) and callable(lib.Tensor.multinomial)
    results = []
    for lib in (torchless, torch_ref):
        g = lib.Generator().manual_seed(9)
        lib.manual_seed(4)
        results.append([lib.full((2, 5), 0.5, dtype=lib.float64).bernoulli(generator=g).tolist(),
                        lib.ones(7).bernoulli(0.25).tolist(), lib.ones(3, 4).bernoulli(0.75, generator=g).dtype,
                        lib.tensor([0.1, 0.0, 0.5, 0.4]).multinomial(3, generator=g).tolist(),
                        lib.rand(3, 6).multinomial(5, True).tolist(), lib.rand(2, 9).multinomial(1).tolist()])
    ours, theirs = results
    assert str(ours[2]) == str(theirs[2])
    assert ours[:2] + ours[3:] == theirs[:2] + theirs[3:]
    with pytest.raises(RuntimeError, match="multinomial only supports floating-point dtypes"):
        torchless.tensor([1, 2]).multinomial(1)
