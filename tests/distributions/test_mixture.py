"""MixtureSameFamily against PyTorch: shapes, repr, mean/variance, log_prob/cdf and their
gradients; its errors; and its samples' moments."""
import numpy as np
import pytest

import torchless
from tests.conftest import _torch as torch

pytestmark = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")

R = np.random.RandomState(3)
W = R.uniform(0.2, 1.0, (2, 3))
LOC = R.normal(0, 2, (2, 3))
SCALE = R.uniform(0.5, 1.5, (2, 3))
LOC2 = R.normal(0, 1, (2, 3, 2))


def _build(lib, kind, dtype_name):
    dt = getattr(lib, dtype_name)
    D = lib.distributions  # noqa: N806
    w = lib.tensor(W, dtype=dt, requires_grad=True)
    loc = lib.tensor(LOC if kind == "normal" else LOC2, dtype=dt, requires_grad=True)
    scale = lib.tensor(SCALE, dtype=dt, requires_grad=True)
    if kind == "normal":
        comp = D.Normal(loc, scale)
    else:
        comp = D.Independent(D.Normal(loc, scale.unsqueeze(-1).expand(2, 3, 2)), 1)
    return D.MixtureSameFamily(D.Categorical(probs=w), comp), [w, loc, scale]


@pytest.mark.parametrize("kind", ["normal", "independent"])
@pytest.mark.parametrize("dtype_name", ["float32", "float64"])
def test_mixture_against_torch(kind, dtype_name):
    results = []
    value = R.normal(0, 1, (4, 2)) if kind == "normal" else np.ones((4, 2, 2)) * 0.3
    for lib in (torchless, torch):
        d, leaves = _build(lib, kind, dtype_name)
        dt = getattr(lib, dtype_name)
        v = lib.tensor(value, dtype=dt)
        outs = [d.mean, d.variance, d.log_prob(v)]
        if kind == "normal":
            outs.append(d.cdf(v))
        grads = lib.autograd.grad(sum(o.sum() for o in outs), leaves)
        results.append(([o.detach().numpy() for o in outs], [g.numpy() for g in grads],
                        (tuple(d.batch_shape), tuple(d.event_shape), repr(d), d.sample((5,)).shape)))
    (oa, ga, ia), (ob, gb, ib) = results
    rtol = 1e-10 if dtype_name == "float64" else 2e-5
    for a, b in zip(oa + ga, ob + gb):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol)
    assert ia[:3] == ib[:3] and tuple(ia[3]) == tuple(ib[3])


def test_mixture_errors_as_torch():
    cases = ["D.MixtureSameFamily(D.Normal(L.zeros(3), 1.0), D.Normal(L.zeros(3), 1.0))",
             "D.MixtureSameFamily(D.Categorical(L.ones(3)), 3)",
             "D.MixtureSameFamily(D.Categorical(L.ones(2, 3)), D.Normal(L.zeros(4, 3), 1.0))",
             "D.MixtureSameFamily(D.Categorical(L.ones(4)), D.Normal(L.zeros(3), 1.0))"]
    for source in cases:
        errs = []
        for lib in (torch, torchless):
            with pytest.raises(ValueError) as info:
                eval(source, {"D": lib.distributions, "L": lib})
            errs.append(str(info.value))
        assert errs[0] == errs[1]


def test_mixture_sample_moments():
    torchless.manual_seed(4)
    d, _ = _build(torchless, "normal", "float64")
    x = d.sample((20000,)).numpy()
    mean, var = d.mean.detach().numpy(), d.variance.detach().numpy()
    assert np.all(np.abs(x.mean(0) - mean) < 5 * np.sqrt(var / 20000))
    assert np.all(np.abs(x.var(0) - var) < 0.1 * var)
