"""Samples: torchless cannot draw PyTorch's random numbers, so the draws are checked by their
distribution: the mean and variance of many draws against the distribution's, within a few
standard errors, with a fixed seed (deterministic). rsample's gradients: exact for location-scale
families, and for Gamma/Beta/Dirichlet (implicit reparameterization) the mean of the pathwise
gradient against the gradient of the mean."""
import math

import numpy as np
import pytest

import torchless as torch
from torchless import distributions as D

N = 20000


def _tensor(*v):
    return torch.tensor(list(v), dtype=torch.float64)


DISTS = [
    ("Normal", lambda: D.Normal(_tensor(0.5, -1.0), _tensor(1.0, 2.5))),
    ("Uniform", lambda: D.Uniform(_tensor(-1.0, 2.0), _tensor(1.0, 5.0))),
    ("Exponential", lambda: D.Exponential(_tensor(0.5, 3.0))),
    ("Laplace", lambda: D.Laplace(_tensor(0.5, -1.0), _tensor(1.0, 0.3))),
    ("LogNormal", lambda: D.LogNormal(_tensor(0.0, 0.5), _tensor(0.3, 0.5))),
    ("Gamma", lambda: D.Gamma(_tensor(0.3, 4.0), _tensor(1.0, 2.0))),
    ("Chi2", lambda: D.Chi2(_tensor(1.0, 5.0))),
    ("Beta", lambda: D.Beta(_tensor(0.5, 3.0), _tensor(2.0, 1.5))),
    ("Dirichlet", lambda: D.Dirichlet(torch.tensor([[0.5, 1.0, 2.0], [3.0, 3.0, 0.2]], dtype=torch.float64))),
    ("StudentT", lambda: D.StudentT(_tensor(5.0, 9.0), _tensor(0.0, 1.0), _tensor(1.0, 2.0))),
    ("Bernoulli", lambda: D.Bernoulli(_tensor(0.2, 0.9))),
    ("Binomial", lambda: D.Binomial(_tensor(10.0, 3.0), _tensor(0.3, 0.8))),
    ("Poisson", lambda: D.Poisson(_tensor(0.5, 7.0))),
    ("Geometric", lambda: D.Geometric(_tensor(0.3, 0.8))),
    ("Multinomial", lambda: D.Multinomial(5, torch.tensor([[0.2, 0.3, 0.5], [0.9, 0.05, 0.05]],
                                                           dtype=torch.float64))),
    ("HalfNormal", lambda: D.HalfNormal(_tensor(0.5, 2.0))),
    ("Gumbel", lambda: D.Gumbel(_tensor(0.5, -1.0), _tensor(1.0, 2.5))),
    ("Weibull", lambda: D.Weibull(_tensor(1.0, 2.0), _tensor(0.8, 3.0))),
    ("Pareto", lambda: D.Pareto(_tensor(1.0, 2.0), _tensor(9.0, 12.0))),
    ("InverseGamma", lambda: D.InverseGamma(_tensor(9.0, 12.0), _tensor(1.0, 2.0))),
    ("Kumaraswamy", lambda: D.Kumaraswamy(_tensor(0.8, 3.0), _tensor(2.0, 0.5))),
    ("OneHotCategorical", lambda: D.OneHotCategorical(torch.tensor([0.2, 0.3, 0.5], dtype=torch.float64))),
    ("NegativeBinomial", lambda: D.NegativeBinomial(_tensor(3.0, 0.7), _tensor(0.4, 0.8))),
    ("FisherSnedecor", lambda: D.FisherSnedecor(_tensor(5.0, 12.0), _tensor(20.0, 30.0))),
    ("LowRankMVN", lambda: D.LowRankMultivariateNormal(_tensor(1.0, -1.0), torch.tensor([[1.0], [0.5]],
                                                       dtype=torch.float64), _tensor(0.5, 2.0))),
    ("MVN", lambda: D.MultivariateNormal(_tensor(1.0, -1.0), torch.tensor([[2.0, 0.6], [0.6, 0.5]],
                                                                           dtype=torch.float64))),
]


@pytest.mark.parametrize("name,make", DISTS, ids=[d[0] for d in DISTS])
def test_sample_moments(name, make):
    torch.manual_seed(2024)
    d = make()
    x = d.sample((N,)).numpy()
    mean, var = d.mean.numpy(), d.variance.numpy()
    se_mean = np.sqrt(var / N)
    assert np.all(np.abs(x.mean(0) - mean) < 5 * se_mean), (x.mean(0), mean)
    # the variance of the sample variance needs the fourth moment: bound it by the empirical one
    centered = (x - mean) ** 2
    se_var = centered.std(0) / math.sqrt(N)
    assert np.all(np.abs(centered.mean(0) - var) < 5 * se_var + 1e-12), (centered.mean(0), var)
    assert bool(d.support.check(torch.tensor(x)).all())


def test_categorical_frequencies():
    torch.manual_seed(3)
    p = np.array([[0.1, 0.0, 0.6, 0.3], [0.25, 0.25, 0.25, 0.25]])
    d = D.Categorical(torch.tensor(p))
    x = d.sample((N,))
    assert str(x.dtype) == "torch.int64" and tuple(x.shape) == (N, 2)
    for row in range(2):
        freq = np.bincount(x[:, row].numpy(), minlength=4) / N
        se = np.sqrt(p[row] * (1 - p[row]) / N)
        assert np.all(np.abs(freq - p[row]) <= 5 * se + 1e-12)
    assert (x[:, 0] != 1).all()  # a zero-probability category is never drawn


def test_cauchy_median_and_quartiles():
    torch.manual_seed(5)
    d = D.Cauchy(torch.tensor(1.0), torch.tensor(2.0))
    x = d.sample((N,)).numpy()
    q = np.quantile(x, [0.25, 0.5, 0.75])
    assert np.allclose(q, [-1.0, 1.0, 3.0], atol=0.15)


def test_seed_makes_draws_reproducible():
    d = D.Normal(torch.zeros(3), torch.ones(3))
    torch.manual_seed(11)
    a = d.sample((4,))
    torch.manual_seed(11)
    b = d.sample((4,))
    assert torch.equal(a, b)
    assert not d.sample((4,)).requires_grad


def test_sample_has_no_grad_and_rsample_has():
    loc = torch.tensor([0.0, 1.0], requires_grad=True)
    d = D.Normal(loc, 1.0)
    assert not d.sample().requires_grad and d.rsample().requires_grad
    assert d.sample((2, 3)).shape == (2, 3, 2) and d.sample(4).shape == (4, 2)


@pytest.mark.parametrize("name", ["Normal", "Laplace", "Cauchy", "Uniform", "Exponential", "LogNormal"])
def test_location_scale_rsample_gradients_are_exact(name):
    torch.manual_seed(1)
    a = torch.tensor([0.3, -0.7], dtype=torch.float64, requires_grad=True)
    b = torch.tensor([1.5, 0.6], dtype=torch.float64, requires_grad=True)
    d = {"Normal": lambda: D.Normal(a, b), "Laplace": lambda: D.Laplace(a, b), "Cauchy": lambda: D.Cauchy(a, b),
         "Uniform": lambda: D.Uniform(a, a + b), "Exponential": lambda: D.Exponential(b),
         "LogNormal": lambda: D.LogNormal(a, b)}[name]()
    x = d.rsample((7,))
    ga, gb = torch.autograd.grad(x.sum(), [a, b], allow_unused=True)
    xs = x.detach().numpy()
    an, bn = a.detach().numpy(), b.detach().numpy()
    if name in ("Normal", "Laplace", "Cauchy"):  # x = a + b eps: dx/da = 1, dx/db = eps
        np.testing.assert_allclose(ga.numpy(), 7.0)
        np.testing.assert_allclose(gb.numpy(), ((xs - an) / bn).sum(0), rtol=1e-12)
    elif name == "Uniform":  # x = a + u b: dx/da = 1, dx/db = u
        np.testing.assert_allclose(ga.numpy(), 7.0)
        np.testing.assert_allclose(gb.numpy(), ((xs - an) / bn).sum(0), rtol=1e-12)
    elif name == "Exponential":  # x = e / rate
        assert ga is None
        np.testing.assert_allclose(gb.numpy(), (-xs / bn).sum(0), rtol=1e-12)
    else:  # x = exp(a + b eps)
        np.testing.assert_allclose(ga.numpy(), xs.sum(0), rtol=1e-12)
        np.testing.assert_allclose(gb.numpy(), (xs * (np.log(xs) - an) / bn).sum(0), rtol=1e-12)


def test_mvn_rsample_gradient():
    torch.manual_seed(1)
    loc = torch.tensor([0.3, -0.7], dtype=torch.float64, requires_grad=True)
    L = torch.tensor([[1.5, 0.0], [0.4, 0.6]], dtype=torch.float64, requires_grad=True)
    x = D.MultivariateNormal(loc, scale_tril=L).rsample((5,))
    gl, gL = torch.autograd.grad(x.sum(), [loc, L])
    np.testing.assert_allclose(gl.numpy(), 5.0)
    eps = np.linalg.solve(L.detach().numpy(), (x.detach().numpy() - loc.detach().numpy()).T).T
    np.testing.assert_allclose(gL.numpy(), np.ones((2, 1)) * eps.sum(0)[None, :], rtol=1e-10)  # as PyTorch: no tril


def test_gamma_implicit_reparameterization():
    """E[dx/dalpha] = d E[x] / d alpha = 1 / rate, E[dx/drate] = -alpha / rate^2; and the pathwise
    gradient of each draw agrees with the quantile's finite difference."""
    torch.manual_seed(9)
    alpha = torch.tensor([0.4, 2.5, 30.0], dtype=torch.float64, requires_grad=True)
    rate = torch.tensor([1.0, 2.0, 0.5], dtype=torch.float64, requires_grad=True)
    x = D.Gamma(alpha, rate).rsample((N,))
    ga, gr = torch.autograd.grad(x.sum(), [alpha, rate])
    a, r = alpha.detach().numpy(), rate.detach().numpy()
    xs = x.detach().numpy()
    # per draw, dx/dalpha has spread; its mean is 1 / rate within a few standard errors
    x_std = np.sqrt(a) / r
    assert np.all(np.abs(ga.numpy() / N - 1 / r) < 5 * x_std / np.sqrt(N) / np.maximum(a, 1) ** 0.5 + 0.02 / r)
    np.testing.assert_allclose(gr.numpy(), (-xs / r).sum(0), rtol=1e-10)
    # one draw: d quantile / d alpha at fixed cdf value, by a finite difference of the cdf
    from torchless.distributions._ops import _standard_gamma_grad
    from torchless.backend import special as S
    for av, xv in [(0.4, 0.05), (2.5, 3.1), (30.0, 25.0), (0.02, 1e-30)]:
        g = float(_standard_gamma_grad(np.array(av), np.array(xv)))
        h = 1e-6
        # x(alpha + h) solves P(alpha + h, x) = P(alpha, xv): one Newton step from xv
        p0 = S.igamma(np.array(av), np.array(xv))
        pdf = math.exp((av + h - 1) * math.log(xv) - xv - math.lgamma(av + h))
        if pdf > 0:
            x1 = xv - (S.igamma(np.array(av + h), np.array(xv)) - p0) / pdf
            assert abs(g - (x1 - xv) / h) <= 1e-4 * abs(g) + 1e-12, (av, xv, g, (x1 - xv) / h)
        assert np.isfinite(g)


@pytest.mark.parametrize("name", ["Beta", "Dirichlet", "StudentT", "Chi2"])
def test_mean_of_pathwise_gradient_is_gradient_of_mean(name):
    torch.manual_seed(13)
    c = torch.tensor([0.8, 2.5], dtype=torch.float64, requires_grad=True)
    c0 = torch.tensor([1.5, 0.7], dtype=torch.float64, requires_grad=True)
    make = {"Beta": lambda: D.Beta(c, c0), "Dirichlet": lambda: D.Dirichlet(torch.stack([c, c0], -1)),
            "StudentT": lambda: D.StudentT(c + 3.0, c0, c), "Chi2": lambda: D.Chi2(c)}[name]
    d = make()
    x = d.rsample((N,))
    w = torch.tensor([1.0, -0.5], dtype=torch.float64)
    f = (x.mean(0)[..., 0] * w).sum() if name == "Dirichlet" else (x.mean(0) * w).sum()
    g_path = torch.autograd.grad(f, [c, c0], allow_unused=True, retain_graph=True)
    m = d.mean
    fm = (m[..., 0] * w).sum() if name == "Dirichlet" else (m * w).sum()
    g_mean = torch.autograd.grad(fm, [c, c0], allow_unused=True)
    for gp, gm in zip(g_path, g_mean):
        if gm is None:
            continue
        assert gp is not None
        np.testing.assert_allclose(gp.numpy(), gm.numpy(), atol=0.05)


def test_relaxed_samples_lie_in_support_and_concentrate_at_low_temperature():
    torch.manual_seed(21)
    p = torch.tensor([0.2, 0.7], dtype=torch.float64)
    x = D.RelaxedBernoulli(torch.tensor(0.05, dtype=torch.float64), probs=p).rsample((N,))
    assert bool(((x >= 0) & (x <= 1)).all())
    assert np.all(np.abs((x.numpy() > 0.5).mean(0) - p.numpy()) < 0.02)
    probs = torch.tensor([0.2, 0.3, 0.5], dtype=torch.float64)
    y = D.RelaxedOneHotCategorical(torch.tensor(0.05, dtype=torch.float64), probs=probs).rsample((N,))
    assert bool(D.constraints.simplex.check(y).all())
    freq = np.bincount(y.numpy().argmax(-1), minlength=3) / N
    assert np.all(np.abs(freq - probs.numpy()) < 0.02)
    z = D.LogisticNormal(torch.zeros(2, dtype=torch.float64), torch.ones(2, dtype=torch.float64)).rsample((5,))
    assert z.shape == (5, 3) and bool(D.constraints.simplex.check(z).all())
    s = D.OneHotCategoricalStraightThrough(probs=probs.requires_grad_()).rsample((3,))
    assert s.requires_grad and bool(((s == 0) | (s == 1)).all())


def test_von_mises_circular_moments():
    torch.manual_seed(8)
    for kappa in (0.05, 1.0, 4.0, 30.0):
        d = D.VonMises(torch.tensor(1.0, dtype=torch.float64), torch.tensor(kappa, dtype=torch.float64))
        x = d.sample((N,)).numpy()
        assert np.all((x >= -math.pi) & (x < math.pi))
        resultant = np.mean(np.exp(1j * x))
        se = np.std(np.cos(x - 1.0)) / math.sqrt(N)
        assert abs((1 - abs(resultant)) - d.variance.item()) < 5 * se + 1e-3
        if kappa >= 1:
            assert abs(np.angle(resultant) - 1.0) < 0.05


def test_lkj_cholesky_marginal_correlation():
    """For LKJ(d, eta), each correlation is 2 Beta(a, a) - 1 with a = eta - 1 + d / 2: variance 1 / (2a + 1)."""
    torch.manual_seed(17)
    for d, eta in ((3, 0.7), (4, 2.0)):
        L = D.LKJCholesky(d, torch.tensor(eta, dtype=torch.float64)).sample((N,))
        C = (L @ L.transpose(-2, -1)).numpy()
        assert np.allclose(np.diagonal(C, axis1=-2, axis2=-1), 1.0)
        r = C[:, 0, 1]
        a = eta - 1 + d / 2
        expected = 1 / (2 * a + 1)
        se = np.std(r ** 2) / math.sqrt(N)
        assert abs(np.mean(r ** 2) - expected) < 5 * se, (np.mean(r ** 2), expected)
        assert abs(np.mean(r)) < 5 * np.std(r) / math.sqrt(N)


def test_wishart_moments_and_rsample_gradient():
    torch.manual_seed(19)
    V = torch.tensor([[2.0, 0.5], [0.5, 1.0]], dtype=torch.float64)
    df = torch.tensor(5.0, dtype=torch.float64, requires_grad=True)
    d = D.Wishart(df, covariance_matrix=V)
    x = d.rsample((N,))
    xs = x.detach().numpy()
    mean, var = d.mean.detach().numpy(), d.variance.detach().numpy()
    assert np.all(np.abs(xs.mean(0) - mean) < 5 * np.sqrt(var / N))
    assert np.all(np.abs(xs.var(0) - var) < 0.1 * var)
    assert bool(D.constraints.positive_definite.check(x[:100].detach()).all())
    (g,) = torch.autograd.grad(x.mean(0).sum(), [df])  # d E[X] / d df = sum(V)
    assert abs(g.item() - V.sum().item()) < 0.1


def test_categorical_many_draws_take_the_binary_search_path():
    torch.manual_seed(23)
    p = np.array([0.5, 0.0, 0.25, 0.25])
    x = D.Categorical(torch.tensor(p)).sample((400000,)).numpy()
    freq = np.bincount(x, minlength=4) / x.size
    assert freq[1] == 0 and np.all(np.abs(freq - p) < 5 * np.sqrt(p * (1 - p) / x.size) + 1e-12)


def test_standard_gamma_grad_against_mpmath():
    """dx/dalpha at fixed quantile, -(dP/dalpha)/density, against mpmath (30 digits). PyTorch's
    _standard_gamma_grad is an approximation off by up to ~1e-4 relative at these points."""
    from torchless.distributions._ops import _standard_gamma_grad
    points = [(1.0, 1.0, 1.17356302722472693494759058945), (0.4, 3.0, 3.3559207322514488762627953027),
              (2.5, 3.1, 1.1879638452119296360697324716), (30.0, 40.0, 1.15712742643313985901869722958)]
    for a, x, expected in points:
        assert abs(float(_standard_gamma_grad(np.array(a), np.array(x))) - expected) < 1e-8 * expected
