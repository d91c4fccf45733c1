"""Forward-mode tangents of log_prob/entropy against PyTorch's, and second derivatives
(gradgradcheck, float64)."""
import numpy as np
import pytest

import torchless
from tests.conftest import _torch as torch

L = torchless
D = torchless.distributions


def _dists(lib, loc, scale):
    d = lib.distributions
    tril = lib.tensor([[1.0, 0.0], [0.3, 0.8]], dtype=lib.float64)
    return [d.Normal(loc, scale), d.Gamma(loc.exp(), scale), d.Beta(loc.exp(), scale),
            d.StudentT(loc.exp() + 2, loc, scale), d.MultivariateNormal(loc, scale_tril=tril),
            d.Laplace(loc, scale), d.Dirichlet(loc.exp()), d.LogNormal(loc, scale), d.Gumbel(loc, scale),
            d.Bernoulli(logits=loc), d.Categorical(logits=loc), d.Poisson(loc.exp()), d.VonMises(loc, scale)]


@pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
def test_forward_ad_against_torch():
    out = []
    for lib in (torch, L):
        fa = lib.autograd.forward_ad
        with fa.dual_level():
            loc = fa.make_dual(lib.tensor([0.3, -1.0], dtype=lib.float64), lib.tensor([1.0, 0.5], dtype=lib.float64))
            scale = lib.tensor([1.2, 0.7], dtype=lib.float64)
            res = []
            for d in _dists(lib, loc, scale):
                value = lib.tensor([1.0, 0.0], dtype=lib.float64)
                if isinstance(d, lib.distributions.Dirichlet):
                    value = lib.tensor([0.3, 0.7], dtype=lib.float64)
                elif isinstance(d, lib.distributions.Categorical):
                    value = lib.tensor(1)
                elif isinstance(d, (lib.distributions.Gamma, lib.distributions.LogNormal)):
                    value = lib.tensor([0.4, 0.6], dtype=lib.float64)
                elif isinstance(d, lib.distributions.Beta):
                    value = lib.tensor([0.4, 0.6], dtype=lib.float64)
                for r in (d.log_prob(value), d.entropy() if not isinstance(
                        d, (lib.distributions.Poisson, lib.distributions.VonMises)) else d.mean):
                    t = fa.unpack_dual(r).tangent
                    res.append(None if t is None else t.numpy().copy())
        out.append(res)
    for a, b in zip(*out):
        assert (a is None) == (b is None)
        if a is not None:  # VonMises: PyTorch's Bessel approximation (~1e-7); the rest to rounding
            np.testing.assert_allclose(b, a, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", ["Normal", "Gamma", "Beta", "StudentT", "MVN", "Dirichlet", "Bernoulli",
                                  "Categorical", "Binomial", "LowRankMVN"])
def test_gradgradcheck_log_prob(name):
    x = L.tensor([0.4, 0.6], dtype=L.float64)

    def f(a, b):
        d = {"Normal": lambda: D.Normal(a, b), "Gamma": lambda: D.Gamma(a, b), "Beta": lambda: D.Beta(a, b),
             "StudentT": lambda: D.StudentT(a + 2, a, b),
             "MVN": lambda: D.MultivariateNormal(a, scale_tril=L.diag(b) + L.tensor([[0.0, 0.0], [0.2, 0.0]],
                                                                                   dtype=L.float64)),
             "Dirichlet": lambda: D.Dirichlet(a * b),
             "Bernoulli": lambda: D.Bernoulli(logits=a - b),
             "Categorical": lambda: D.Categorical(logits=a * b),
             "Binomial": lambda: D.Binomial(5, logits=a - b),
             "LowRankMVN": lambda: D.LowRankMultivariateNormal(a, b.unsqueeze(-1), b * b + 0.5)}[name]()
        value = {"Categorical": L.tensor(1), "Bernoulli": L.tensor([1.0, 0.0], dtype=L.float64),
                 "Binomial": L.tensor([2.0, 5.0], dtype=L.float64)}.get(name, x)
        if name == "Dirichlet":
            value = L.tensor([0.3, 0.7], dtype=L.float64)
        out = d.log_prob(value)
        try:
            return out, d.entropy()
        except NotImplementedError:
            return out

    a = L.tensor([0.8, 1.3], dtype=L.float64, requires_grad=True)
    b = L.tensor([1.1, 0.6], dtype=L.float64, requires_grad=True)
    assert L.autograd.gradgradcheck(f, (a, b))
