"""Issue 14: after manual_seed, torch.poisson, torch.binomial and the torch.distributions samplers draw
PyTorch's exact CPU numbers, and leave the generator where PyTorch leaves it (the next torch.rand agrees).
Integer draws are compared exactly; VonMises (cos, arccos, log on the draws) within a few ULP."""
import warnings

import numpy as np
import pytest

import torchless

torch = pytest.importorskip("torch")

SHAPES = [(1,), (7,), (16,), (17,), (1000,)]
DTYPES = ["float32", "float64"]


def _pair(name):
    return getattr(torch, name), getattr(torchless, name)


def _both(fn, seed=0):
    """fn(module) after manual_seed(seed) in each library: (result, next 3 float64 uniforms) for each."""
    out = []
    for m in (torch, torchless):
        m.manual_seed(seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = fn(m)
        out.append((np.asarray(r.detach().numpy()), m.rand(3, dtype=m.float64).numpy(), str(r.dtype).split(".")[-1]))
    return out


def _same(fn, seed=0, exact=True, rtol=0.0, atol=0.0):
    (a, na, da), (b, nb, db) = _both(fn, seed)
    assert da == db
    assert a.shape == b.shape
    if exact:
        np.testing.assert_array_equal(a, b)
    else:
        np.testing.assert_allclose(b, a, rtol=rtol, atol=atol)
    np.testing.assert_array_equal(na, nb)  # the generator is where PyTorch leaves it


def _rates(kind, n, rng):
    return {
        "zero": np.zeros(n),
        "tiny": np.full(n, 1e-7),
        "small": rng.uniform(0.0, 10.0, n),
        "near10": np.resize([9.999999, 10.0, 10.000001], n),
        "ptrs": rng.uniform(10.0, 60.0, n),
        "large": rng.uniform(1e4, 1e9, n),
        "mixed": rng.choice([0.0, 1e-3, 0.5, 3.0, 9.5, 12.0, 300.0, 5e6], n),
    }[kind]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("kind", ["zero", "tiny", "small", "near10", "ptrs", "large", "mixed"])
def test_poisson_draws_pytorchs_numbers(kind, shape, dtype):
    rates = _rates(kind, int(np.prod(shape)), np.random.default_rng(len(kind) * 31 + shape[0])).reshape(shape)
    _same(lambda m: m.poisson(m.tensor(rates, dtype=getattr(m, dtype))), seed=shape[0])


def _binomial_case(kind, n, rng):
    if kind == "zero_count":
        return np.zeros(n), rng.uniform(0, 1, n)
    if kind == "p0_p1":
        return rng.integers(0, 50, n).astype(float), np.resize([0.0, 1.0], n)
    if kind == "inversion":
        return rng.integers(0, 30, n).astype(float), rng.uniform(0, 0.3, n)
    if kind == "btrs":
        return rng.integers(100, 5000, n).astype(float), rng.uniform(0.05, 0.95, n)
    if kind == "edge_half":
        return rng.integers(1, 200, n).astype(float), np.resize([0.5, np.nextafter(0.5, 0), np.nextafter(0.5, 1)], n)
    if kind == "large":
        return rng.uniform(1e6, 1e9, n).round(), rng.uniform(0, 1, n)
    if kind == "outside":  # PyTorch does not check: p <= 0 gives 0, p >= 1 gives count, count <= 0 gives 0
        return np.resize([5.0, -3.0, 7.0, 4.0], n), np.resize([-0.5, 0.5, 1.5, 0.25], n)
    return rng.integers(0, 300, n).astype(float), rng.uniform(0, 1, n)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("kind", ["zero_count", "p0_p1", "inversion", "btrs", "edge_half", "large", "outside",
                                  "mixed"])
def test_binomial_draws_pytorchs_numbers(kind, shape, dtype):
    c, p = _binomial_case(kind, int(np.prod(shape)), np.random.default_rng(len(kind) * 7 + shape[0]))
    _same(lambda m: m.binomial(m.tensor(c.reshape(shape), dtype=getattr(m, dtype)),
                               m.tensor(p.reshape(shape), dtype=getattr(m, dtype))), seed=shape[0] + 1)


def test_binomial_nan_prob_and_broadcast_count():
    _same(lambda m: m.binomial(m.tensor([5.0, 50.0, 3.0]), m.tensor([float("nan"), 0.5, 0.5])))
    _same(lambda m: m.binomial(m.tensor([[40.0], [3.0]]), m.tensor([0.5, 0.1, 0.9])).expand(2, 3) if m is torch
          else m.binomial(m.tensor([[40.0], [3.0]]).expand(2, 3), m.tensor([0.5, 0.1, 0.9])))


def test_poisson_infinite_rate_and_order_of_a_transposed_input():
    _same(lambda m: m.poisson(m.tensor([float("inf"), 3.0, 20.0])))
    x = np.arange(12.0).reshape(3, 4) * 2.5
    _same(lambda m: m.poisson(m.tensor(x).t()))
    _same(lambda m: m.poisson(m.tensor(x)[:, ::2]))


def test_poisson_half_and_generator_argument():
    _same(lambda m: m.poisson(m.tensor([0.5, 12.0, 3000.0], dtype=m.float16)))
    for m in (torch, torchless):
        m.manual_seed(0)
    g_t = torch.Generator().manual_seed(123)
    g_l = torchless.Generator().manual_seed(123)
    r = np.array([1.0, 15.0, 0.2, 80.0])
    a = torch.poisson(torch.tensor(r), generator=g_t)
    b = torchless.poisson(torchless.tensor(r), generator=g_l)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    np.testing.assert_array_equal(torch.rand(2, generator=g_t).numpy(), torchless.rand(2, generator=g_l).numpy())
    # the default generator was not touched
    np.testing.assert_array_equal(torch.rand(2).numpy(), torchless.rand(2).numpy())
    a = torch.binomial(torch.tensor([30.0, 4.0]), torch.tensor([0.4, 0.2]), generator=g_t)
    b = torchless.binomial(torchless.tensor([30.0, 4.0]), torchless.tensor([0.4, 0.2]), generator=g_l)
    np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_a_bad_rate_raises_after_the_earlier_elements_drew():
    for m in (torch, torchless):
        m.manual_seed(4)
        with pytest.raises(RuntimeError, match="invalid Poisson rate"):
            m.poisson(m.tensor([3.0, 25.0, -1.0, 2.0]))
    np.testing.assert_array_equal(torch.rand(3).numpy(), torchless.rand(3).numpy())
    for m in (torch, torchless):
        with pytest.raises(RuntimeError, match="invalid Poisson rate"):
            m.poisson(m.tensor([float("nan")]))


@pytest.mark.parametrize("call, error", [
    (lambda m: m.poisson(m.tensor([1, 2])), NotImplementedError),
    (lambda m: m.poisson(m.tensor([1 + 1j])), NotImplementedError),
    (lambda m: m.poisson([1.0]), TypeError),
    (lambda m: m.poisson(m.tensor([1.0]), generator=3), TypeError),
    (lambda m: m.binomial(m.tensor([5]), m.tensor([0.5])), ValueError),
    (lambda m: m.binomial(m.tensor([5.0]), m.tensor([1])), ValueError),
    (lambda m: m.binomial(m.tensor([5.0]), 0.5), TypeError),
    (lambda m: m.binomial(m.tensor([5.0]), m.tensor([0.5], dtype=m.float64)), RuntimeError),
    (lambda m: m.binomial(m.tensor([5.0], dtype=m.float16), m.tensor([0.5], dtype=m.float16)), NotImplementedError),
    (lambda m: m.distributions.Poisson(m.tensor([-1.0]), validate_args=True), ValueError),
    (lambda m: m.distributions.Binomial(5, m.tensor([1.5]), validate_args=True), ValueError),
    (lambda m: m.distributions.Binomial(m.tensor([-2.0]), m.tensor([0.5]), validate_args=True), ValueError),
    (lambda m: m.distributions.NegativeBinomial(m.tensor([2.0]), m.tensor([1.0]), validate_args=True), ValueError),
    (lambda m: m.distributions.VonMises(m.tensor([0.0]), m.tensor([-1.0]), validate_args=True), ValueError),
    (lambda m: m.distributions.Poisson(m.tensor([1.0])).rsample(), NotImplementedError),
    (lambda m: m.distributions.VonMises(m.tensor([0.0]), m.tensor([1.0])).rsample(), NotImplementedError),
])
def test_errors_have_pytorchs_types(call, error):
    for m in (torch, torchless):
        with pytest.raises(error):
            call(m)


def test_gradients_where_pytorch_defines_them():
    for m in (torch, torchless):
        x = m.tensor([1.0, 20.0, 0.0], dtype=m.float64, requires_grad=True)
        y = m.poisson(x)
        assert type(y.grad_fn).__name__ == "PoissonBackward0"
        (y * m.tensor([1.0, 2.0, 3.0], dtype=m.float64)).sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), np.zeros(3))
        c = m.tensor([5.0, 30.0], requires_grad=True)
        p = m.tensor([0.5, 0.2], requires_grad=True)
        z = m.binomial(c, p)
        assert z.requires_grad and type(z.grad_fn).__name__ == "NotImplemented"
        with pytest.raises(RuntimeError, match="derivative for aten::binomial is not implemented"):
            z.sum().backward()
        # sample() runs without grad
        assert not m.distributions.Poisson(x).sample().requires_grad


def test_poisson_forward_ad_tangent_is_zero():
    import torchless.autograd.forward_ad as fl
    with fl.dual_level():
        d = fl.make_dual(torchless.tensor([1.0, 20.0], dtype=torchless.float64), torchless.ones(2, dtype=torchless.float64))
        out = fl.unpack_dual(torchless.poisson(d))
    np.testing.assert_array_equal(out.tangent.numpy(), np.zeros(2))


# ---------------------------------------------------------------------------------- distributions
def _dist_cases(dtype):
    def T(m, v):
        return m.tensor(v, dtype=getattr(m, dtype))
    D = lambda m: m.distributions  # noqa: E731
    return {
        "Poisson": lambda m: D(m).Poisson(T(m, [0.0, 1e-6, 2.5, 9.9, 10.0, 45.0, 1e5])),
        "Poisson scalar": lambda m: D(m).Poisson(T(m, 12.5)),
        "Binomial probs": lambda m: D(m).Binomial(T(m, [0.0, 5.0, 40.0, 1000.0, 7.0]), T(m, [0.3, 0.9, 0.5, 0.01, 1.0])),
        "Binomial logits": lambda m: D(m).Binomial(60, logits=T(m, [-1.0, 2.0])),
        "NegativeBinomial": lambda m: D(m).NegativeBinomial(T(m, [0.5, 3.0, 40.0]), T(m, [0.2, 0.5, 0.9])),
        "NegativeBinomial logits": lambda m: D(m).NegativeBinomial(T(m, 5.0), logits=T(m, 1.5)),
    }


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("sample_shape", [(), (1,), (7,), (17,), (1000,)])
@pytest.mark.parametrize("name", list(_dist_cases("float32")))
def test_counting_distributions_sample_pytorchs_numbers(name, sample_shape, dtype):
    make = _dist_cases(dtype)[name]
    _same(lambda m: make(m).sample(sample_shape), seed=len(sample_shape) + 11)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("sample_shape", [(), (1,), (7,), (16,), (17,), (1000,)])
@pytest.mark.parametrize("loc, kappa", [(0.5, 1.0), (-2.0, 1e-6), (3.0, 50.0), ([0.0, 1.0, -3.0], [0.1, 5.0, 1e3])])
def test_von_mises_samples_pytorchs_numbers(loc, kappa, sample_shape, dtype):
    def draw(m):
        return m.distributions.VonMises(m.tensor(loc, dtype=getattr(m, dtype)),
                                        m.tensor(kappa, dtype=getattr(m, dtype))).sample(sample_shape)
    # cos, arccos and log of NumPy and of PyTorch may differ in the last bit
    _same(draw, seed=3, exact=False, rtol=1e-6 if dtype == "float32" else 1e-13, atol=1e-13)


# The other samplers of torch.distributions: every one draws the same numbers in the same order (the
# generator state afterwards agrees); values agree to the rounding of their transforms (log, pow, matmul),
# magnified where a transform cancels (Kumaraswamy's 1 - u**(1/b), LKJ's sqrt(1 - |w|**2)).
def _other_cases(dtype):
    def T(m, v):
        return m.tensor(v, dtype=getattr(m, dtype))
    D = lambda m: m.distributions  # noqa: E731
    return [
        ("Geometric", lambda m: D(m).Geometric(T(m, [0.3, 0.9])), "sample", 0),
        ("Exponential", lambda m: D(m).Exponential(T(m, [0.5, 2.0])), "rsample", 1),
        ("Laplace", lambda m: D(m).Laplace(T(m, [0.5, 2.0]), T(m, [1.0, 3.0])), "rsample", 1),
        ("Cauchy", lambda m: D(m).Cauchy(T(m, [0.5, 2.0]), T(m, [1.0, 3.0])), "rsample", 1),
        ("Uniform", lambda m: D(m).Uniform(T(m, [0.5, 2.0]), T(m, [1.0, 3.0])), "rsample", 0),
        ("Normal", lambda m: D(m).Normal(T(m, [0.5, 2.0]), T(m, [1.0, 3.0])), "rsample", 1),
        ("LogNormal", lambda m: D(m).LogNormal(T(m, [0.5, 2.0]), T(m, [1.0, 0.3])), "rsample", 1),
        ("Bernoulli", lambda m: D(m).Bernoulli(T(m, [0.3, 0.9])), "sample", 0),
        ("Categorical", lambda m: D(m).Categorical(T(m, [[0.1, 0.2, 0.7], [0.5, 0.5, 0.0]])), "sample", 0),
        ("OneHotCategorical", lambda m: D(m).OneHotCategorical(T(m, [0.1, 0.2, 0.7])), "sample", 0),
        ("Multinomial", lambda m: D(m).Multinomial(10, T(m, [0.1, 0.2, 0.7])), "sample", 0),
        ("MultivariateNormal", lambda m: D(m).MultivariateNormal(T(m, [0.0, 1.0]), T(m, [[2.0, 0.5], [0.5, 1.0]])),
         "rsample", 1),
        ("RelaxedBernoulli", lambda m: D(m).RelaxedBernoulli(T(m, 0.5), T(m, [0.3, 0.9])), "rsample", 1),
        ("Gumbel", lambda m: D(m).Gumbel(T(m, [0.5, 2.0]), T(m, [1.0, 3.0])), "rsample", 1),
        ("Weibull", lambda m: D(m).Weibull(T(m, [0.5, 2.0]), T(m, [1.0, 3.0])), "rsample", 1),
        ("Pareto", lambda m: D(m).Pareto(T(m, [0.5, 2.0]), T(m, [1.0, 3.0])), "rsample", 1),
        ("HalfNormal", lambda m: D(m).HalfNormal(T(m, [0.5, 2.0])), "rsample", 1),
        ("Kumaraswamy", lambda m: D(m).Kumaraswamy(T(m, [0.5, 2.0]), T(m, [1.0, 3.0])), "rsample", 300),
        ("LKJCholesky", lambda m: D(m).LKJCholesky(3, T(m, 0.5)), "sample", 10 ** 4),
        ("Wishart", lambda m: D(m).Wishart(T(m, 4.0), covariance_matrix=T(m, [[2.0, 0.5], [0.5, 1.0]])), "rsample", 8),
        ("Gamma", lambda m: D(m).Gamma(T(m, [0.5, 2.0]), T(m, [1.0, 3.0])), "rsample", 2),
        ("Dirichlet", lambda m: D(m).Dirichlet(T(m, [0.5, 2.0, 1.0])), "rsample", 8),
    ]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", range(len(_other_cases("float32"))),
                         ids=[c[0] for c in _other_cases("float32")])
def test_other_samplers_draw_the_same_numbers(case, dtype):
    name, make, method, ulps = _other_cases(dtype)[case]
    eps = float(np.finfo(dtype).eps)
    for shape in [(7,), (17,), (300,)]:
        _same(lambda m: getattr(make(m), method)(shape), seed=9, exact=ulps == 0,
              rtol=4 * ulps * eps, atol=4 * ulps * eps)


# ---------------------------------------------------------------------------------- private samplers
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_standard_gamma_and_sample_dirichlet(shape, dtype):
    rng = np.random.default_rng(shape[0])
    alpha = rng.choice([0.0, 1e-3, 0.3, 1.0, 2.5, 40.0], int(np.prod(shape))).reshape(shape)
    exact = dtype == "float32"  # float64: pow, log and the row sums may round differently in the last bit
    _same(lambda m: m._standard_gamma(m.tensor(alpha, dtype=getattr(m, dtype))), seed=2, exact=exact,
          rtol=1e-14, atol=1e-300)
    conc = rng.uniform(0.05, 5.0, (shape[0], 3))
    _same(lambda m: m._sample_dirichlet(m.tensor(conc, dtype=getattr(m, dtype))), seed=2, exact=exact,
          rtol=1e-14, atol=1e-300)
    _same(lambda m: m.distributions.Dirichlet(m.tensor(conc, dtype=getattr(m, dtype))).rsample(), seed=3,
          exact=exact, rtol=1e-14, atol=1e-300)
    _same(lambda m: m.distributions.Beta(m.tensor(conc[:, 0], dtype=getattr(m, dtype)),
                                         m.tensor(conc[:, 1], dtype=getattr(m, dtype))).rsample(), seed=3,
          exact=exact, rtol=1e-14, atol=1e-300)


def test_standard_gamma_of_a_negative_or_nan_alpha_is_the_smallest_normal():
    _same(lambda m: m._standard_gamma(m.tensor([-1.0, float("nan"), 0.5, -0.25, 3.0] * 4)))


def test_standard_gamma_gradient_and_errors():
    a = torchless.tensor([0.3, 1.0, 2.5, 10.0], dtype=torchless.float64, requires_grad=True)
    x = torchless._standard_gamma(a)
    assert type(x.grad_fn).__name__ == "StandardGammaBackward0"
    x.sum().backward()
    expected = torchless._standard_gamma_grad(a.detach(), x.detach())
    np.testing.assert_allclose(a.grad.numpy(), expected.numpy())
    # PyTorch's kernel is an approximation (about 1e-4 relative); torchless's is the derivative itself
    ref = torch._standard_gamma_grad(torch.tensor(a.detach().numpy()), torch.tensor(x.detach().numpy()))
    np.testing.assert_allclose(expected.numpy(), ref.numpy(), rtol=1e-3)
    for m in (torch, torchless):
        with pytest.raises(NotImplementedError):
            m._standard_gamma(m.tensor([1.0], dtype=m.float16))
        with pytest.raises(NotImplementedError):
            m._sample_dirichlet(m.tensor([1.0, 2.0], dtype=m.float16))
        with pytest.raises(TypeError):
            m._standard_gamma([1.0])


# ---------------------------------------------------------------------------------- one set of parameters
# (the array paths: every element with the same rate, or the same count and probability)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", [48, 49, 100, 1000, 4000])
@pytest.mark.parametrize("rate", [0.7, 10.0, 13.5, 50.0, 1e3, 1e6, 1e13, 3e15, float("inf")])
def test_poisson_of_one_rate(rate, n, dtype):
    _same(lambda m: m.poisson(m.full((n,), rate, dtype=getattr(m, dtype))), seed=n)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", [48, 100, 1000])
@pytest.mark.parametrize("count, prob", [(20.0, 0.5), (100.0, 0.95), (1e6, 0.3), (1e9, 0.7), (3e7, 0.2), (5.0, 0.3),
                                         (19.0, 0.5), (1000.0, 0.001), (50.0, 0.99), (1e12, 1e-12), (7.0, 0.0),
                                         (4.0, 1.0), (2.0, float("nan")), (float("inf"), 0.5)])
def test_binomial_of_one_count_and_probability(count, prob, n, dtype):
    _same(lambda m: m.binomial(m.full((n,), count, dtype=getattr(m, dtype)),
                               m.full((n,), prob, dtype=getattr(m, dtype))), seed=n + 3)


def test_poisson_of_huge_rates_element_by_element():
    # PTRS's test at rates beyond ~1e12 depends on the last bits of the C library's lgamma
    r = np.resize([1e13, 1e13 * (1 + 1e-15), 3e15, 1e16], 200)
    _same(lambda m: m.poisson(m.tensor(r)), seed=1)


def test_distribution_samples_of_one_parameter_set_take_the_array_paths():
    _same(lambda m: m.distributions.Binomial(m.tensor(300.0), m.tensor(0.25)).sample((2000,)), seed=8)
    _same(lambda m: m.distributions.Binomial(m.tensor(12.0), m.tensor(0.3)).sample((2000,)), seed=8)
    _same(lambda m: m.distributions.Poisson(m.tensor(25.0)).sample((3000,)), seed=8)


# ---------------------------------------------------------------------------------- a batch of parameters
# repeated over a sample shape (the parameters repeat with a short period: the array paths for the tries)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", [48, 100, 1001])
@pytest.mark.parametrize("pattern", [[10.0, 30.0], [0.0, 15.0, 200.0], [1e6, 20.0, 0.0, 33.0, 11.0], [3e15, 11.0],
                                     [2.0, 30.0]])
def test_poisson_of_repeating_rates(pattern, n, dtype):
    _same(lambda m: m.poisson(m.tensor(np.resize(pattern, n), dtype=getattr(m, dtype))), seed=n)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", [48, 100, 1001])
@pytest.mark.parametrize("counts, probs", [([100.0, 50.0], [0.5, 0.3]), ([0.0, 100.0, 30.0], [0.5, 0.9, 0.5]),
                                           ([40.0, 40.0, 40.0, 7.0], [0.5, 0.5, 0.6, 1.0]), ([1e9, 2e3], [0.7, 0.5]),
                                           ([100.0] * 3, [0.2, 0.5, 0.9]), ([10.0] * 3, [0.2, 0.5, 0.9]),
                                           ([20.0, 20.0], [float("nan"), 0.5])])
def test_binomial_of_repeating_parameters(counts, probs, n, dtype):
    _same(lambda m: m.binomial(m.tensor(np.resize(counts, n), dtype=getattr(m, dtype)),
                               m.tensor(np.resize(probs, n), dtype=getattr(m, dtype))), seed=n)
    _same(lambda m: m.distributions.Binomial(m.tensor(counts, dtype=getattr(m, dtype)),
                                             m.tensor(probs, dtype=getattr(m, dtype)),
                                             validate_args=False).sample((n // len(counts),)), seed=n + 1)
