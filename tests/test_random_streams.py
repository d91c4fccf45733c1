"""Issue 14, random streams: after manual_seed(s) torchless draws PyTorch's CPU numbers.

Every random function is run in both libraries from the same seed, at sizes 1, 7, 15, 16, 17, 1000
and 10**5 (the normal kernel changes path at 16, and works in blocks of 16) and in float32 and
float64; the results must agree, and so must the generators' 5056-byte states afterwards (which
proves the same number of raw words was drawn).

Agreement: bit for bit for uniform, integer, permutation and bernoulli draws and for float32
transforms, normals included (PyTorch's AVX2/AVX-512 vector kernel, with its Cephes log, sin and
cos, is reproduced exactly; its scalar kernel, ATEN_CPU_CAPABILITY=default, within SCALAR_ULPS);
within a few ULP for float64 transforms, whose log/sin/cos/tan/exp come from the C library
in PyTorch and from NumPy here (and which cancellation against a mean can magnify near zero: those
are compared with an absolute tolerance as well)."""
import functools
import math

import numpy as np
import pytest

import torchless
from torchless import _random

from .conftest import requires_torch

pytestmark = requires_torch

SIZES = (1, 7, 15, 16, 17, 1000, 10 ** 5)
DTYPES = ("float32", "float64")


@pytest.fixture(scope="module")
def torch():
    import torch as _t
    return _t


def _ulps(a: np.ndarray, b: np.ndarray) -> int:
    """The largest distance in units in the last place between equal-shaped float arrays."""
    if a.size == 0:
        return 0
    it = {np.dtype(np.float16): np.int16, np.dtype(np.float32): np.int32}.get(a.dtype, np.int64)
    d = np.abs(a.view(it).astype(np.int64) - b.view(it).astype(np.int64))
    d[(a == b) | (np.isnan(a) & np.isnan(b))] = 0
    return int(d.max())


def _vector_normals_match(torch) -> bool:
    """Whether both libraries use the same float32 normal kernel (PyTorch's x86 vector one)."""
    return _random.VECTOR_NORMALS == (torch.backends.cpu.get_cpu_capability() in ("AVX2", "AVX512"))


SCALAR_ULPS = 4


def _scalar_kernels(torch) -> bool:
    """Whether PyTorch runs its scalar (not AVX2/AVX-512) CPU kernels here."""
    return torch.backends.cpu.get_cpu_capability() not in ("AVX2", "AVX512")


def _equal_draws(torch, mine, theirs):
    """Equal float draws: bit for bit on PyTorch's vector kernels, within SCALAR_ULPS of the values'
    scale on its scalar ones."""
    if _scalar_kernels(torch):
        scale = float(np.abs(theirs).max(initial=1.0))
        np.testing.assert_allclose(mine, theirs, rtol=0, atol=SCALAR_ULPS * float(np.finfo(theirs.dtype).eps) * scale)
    else:
        np.testing.assert_array_equal(mine, theirs)


def _same(torch, fn, exact=True, max_ulp=0, atol=0.0):
    """fn(library) in both libraries from seed 0: equal values (within max_ulp ULP, or within a
    relative max_ulp * eps and atol when atol is given) and equal generator states afterwards."""
    torch.manual_seed(0)
    torchless.manual_seed(0)
    theirs = fn(torch)
    mine = fn(torchless)
    t = theirs.numpy() if hasattr(theirs, "numpy") else np.asarray(theirs)
    m = mine.numpy() if hasattr(mine, "numpy") else np.asarray(mine)
    assert m.dtype == t.dtype and m.shape == t.shape
    if m.dtype.kind == "f" and _scalar_kernels(torch) and max_ulp < SCALAR_ULPS:
        # PyTorch's scalar kernels (ATEN_CPU_CAPABILITY=default, or no AVX2) transform the same
        # uniform draws without fused multiply-adds: within a few ULP of torchless (docs/random.md),
        # of the values' scale where a transform cancels (uniform_(-0.3, 2.5) near 0)
        eps = float(np.finfo(m.dtype).eps)
        scale = float(np.abs(t).max(initial=1.0)) if t.size else 1.0
        exact, max_ulp, atol = False, SCALAR_ULPS, max(atol, SCALAR_ULPS * eps * scale)
    if m.dtype.kind == "f" and not exact:
        if atol:
            np.testing.assert_allclose(m, t, rtol=max_ulp * np.finfo(m.dtype).eps, atol=atol)
        else:
            assert _ulps(m, t) <= max_ulp, _ulps(m, t)
    else:
        np.testing.assert_array_equal(m, t)
    assert np.array_equal(torchless.get_rng_state().numpy(), torch.get_rng_state().numpy())


def _dt(lib, name):
    return getattr(lib, name)


# ------------------------------------------------------------------------- the generator itself
@pytest.mark.parametrize("seed", [0, 1, 42, 2 ** 32 + 7, 67280421310721, -5])
def test_seeded_state_is_pytorchs_byte_for_byte(torch, seed):
    torch.manual_seed(seed)
    torchless.manual_seed(seed)
    state = torchless.get_rng_state()
    assert state.dtype is torchless.uint8 and state.numel() == torch.get_rng_state().numel() == 5056
    np.testing.assert_array_equal(state.numpy(), torch.get_rng_state().numpy())
    assert torchless.initial_seed() == torch.initial_seed()
    for n in (5, 700, 3):  # across the 624-word refill too
        torch.rand(n)
        torchless.rand(n)
        np.testing.assert_array_equal(torchless.get_rng_state().numpy(), torch.get_rng_state().numpy())


def test_normal_cache_is_in_the_state(torch):
    # an odd number of scalar-path normals leaves PyTorch's next_double_normal_sample set
    _same(torch, lambda T: T.randn(3))       # bit for bit: tests/test_random_scalar_normals.py
    _same(torch, lambda T: T.cat([T.randn(3), T.randn(5, dtype=T.float64).float()]))


def test_state_from_torch_continues_its_stream(torch):
    torch.manual_seed(3)
    torch.randn(7)
    torch.rand(1000)
    state = torch.get_rng_state()
    torchless.set_rng_state(torchless.tensor(state.numpy()))
    np.testing.assert_array_equal(torchless.get_rng_state().numpy(), state.numpy())
    np.testing.assert_array_equal(torchless.rand(50).numpy(), torch.rand(50).numpy())
    np.testing.assert_allclose(torchless.randn(5, dtype=torchless.float64).numpy(),
                               torch.randn(5, dtype=torch.float64).numpy(), rtol=1e-15)


def test_bad_state_is_refused():
    with pytest.raises(RuntimeError):
        torchless.set_rng_state(torchless.zeros(10, dtype=torchless.uint8))
    with pytest.raises(RuntimeError):
        torchless.set_rng_state(torchless.zeros(5056, dtype=torchless.uint8))  # not seeded


def test_generator_objects(torch):
    g_t, g_l = torch.Generator().manual_seed(5), torchless.Generator().manual_seed(5)
    assert g_l.initial_seed() == g_t.initial_seed() == 5
    np.testing.assert_array_equal(g_l.get_state().numpy(), g_t.get_state().numpy())
    _equal_draws(torch, torchless.randn(40, generator=g_l).numpy(), torch.randn(40, generator=g_t).numpy())
    np.testing.assert_array_equal(torchless.randperm(30, generator=g_l).numpy(),
                                  torch.randperm(30, generator=g_t).numpy())
    np.testing.assert_array_equal(g_l.get_state().numpy(), g_t.get_state().numpy())
    saved = g_l.get_state()
    a = torchless.rand(9, generator=g_l)
    g_l.set_state(saved)
    assert torchless.rand(9, generator=g_l).tolist() == a.tolist()
    s = torchless.Generator().seed()
    assert 0 <= s < 2 ** 64
    assert torchless.Generator().initial_seed() == torch.Generator().initial_seed() == 67280421310721


def test_generator_keyword_everywhere(torch):
    def run(T):
        g = T.Generator().manual_seed(11)
        parts = [T.rand(17, generator=g), T.randn(17, generator=g), T.randn(3, generator=g),
                 T.randint(0, 9, (17,), generator=g).float(), T.randperm(17, generator=g).float(),
                 T.normal(0.0, 2.0, (17,), generator=g), T.normal(T.zeros(5), T.ones(5), generator=g),
                 T.bernoulli(T.full((17,), 0.4), generator=g),
                 T.multinomial(T.ones(6), 4, generator=g).float(),
                 T.empty(17).uniform_(-1, 1, generator=g), T.empty(17).normal_(generator=g),
                 T.empty(17).random_(0, 5, generator=g), T.empty(17).bernoulli_(0.5, generator=g),
                 T.empty(17).exponential_(generator=g), T.empty(17).cauchy_(generator=g),
                 T.empty(17).geometric_(0.3, generator=g), T.empty(17).log_normal_(generator=g),
                 T.rand_like(T.ones(4), generator=g), T.randn_like(T.ones(4), generator=g),
                 T.randint_like(T.ones(4), 3, 9, generator=g)]
        return T.cat(parts)
    _same(torch, run)


def test_fork_rng(torch):
    torchless.manual_seed(1)
    torch.manual_seed(1)
    with torchless.random.fork_rng():
        torchless.rand(100)
    with torch.random.fork_rng():
        torch.rand(100)
    np.testing.assert_array_equal(torchless.rand(4).numpy(), torch.rand(4).numpy())
    with torchless.random.fork_rng(enabled=False):
        torchless.rand(1)
    assert torchless.random.initial_seed() == 1


# ------------------------------------------------------------------------- every function, every size
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dt", DTYPES)
def test_uniform_draws(torch, n, dt):
    _same(torch, lambda T: T.rand(n, dtype=_dt(T, dt)))
    _same(torch, lambda T: T.rand_like(T.ones(n, dtype=_dt(T, dt))))
    _same(torch, lambda T: T.empty(n, dtype=_dt(T, dt)).uniform_(-0.3, 2.5))
    _same(torch, lambda T: T.empty(n, 3, dtype=_dt(T, dt)).t().uniform_(-2, 3))  # memory order


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dt", DTYPES)
def test_normal_draws(torch, n, dt):
    f32 = dt == "float32"
    if f32 and not _vector_normals_match(torch):
        pytest.skip("PyTorch and torchless use different float32 normal kernels here")
    std = {} if f32 else dict(exact=False, max_ulp=4)
    _same(torch, lambda T: T.randn(n, dtype=_dt(T, dt)), **std)
    _same(torch, lambda T: T.randn_like(T.ones(n, dtype=_dt(T, dt))), **std)
    _same(torch, lambda T: T.randn(3, n, dtype=_dt(T, dt)), **std)
    # the scalar path (strided): float64 Box-Muller, rounded to float32 (the same in both kernels)
    _same(torch, lambda T: T.empty(n, 3, dtype=_dt(T, dt)).t().normal_(), exact=f32, max_ulp=0 if f32 else 4)

    # a mean and std: fused multiply-adds; cancellation near zero magnifies float64's last-bit differences
    def tol(mean):
        return {} if f32 else dict(exact=False, max_ulp=8, atol=1e-14)
    _same(torch, lambda T: T.empty(n, dtype=_dt(T, dt)).normal_(0.5, 2.0), **tol(0.5))
    _same(torch, lambda T: T.normal(2.0, 3.0, (n,), dtype=_dt(T, dt)), **tol(2.0))
    _same(torch, lambda T: T.normal(T.arange(float(n), dtype=_dt(T, dt)), 2.0), **tol(n))
    _same(torch, lambda T: T.normal(1.0, T.arange(float(n), dtype=_dt(T, dt))), **tol(1.0))
    _same(torch, lambda T: T.normal(T.ones(n, dtype=_dt(T, dt)), T.arange(float(n), dtype=_dt(T, dt))), **tol(1.0))



@pytest.mark.parametrize("exact", [False, True])
@pytest.mark.parametrize("n", [2 * _random._CHUNK, 5 * 2 * _random._CHUNK + 16 * 37 + 9,
                               3 * 2 * _random._FAST_CHUNK + 16 * 5 + 3])
def test_float32_vector_normals_over_several_chunks(torch, n, exact, monkeypatch):
    """The float32 vector kernels (the fast one with its table, and the step-by-step reference) work on
    chunks of _FAST_CHUNK (_CHUNK) pairs: whole and partial chunks, and a partial last block of 16,
    still give PyTorch's numbers bit for bit, and draw as many words."""
    if not _vector_normals_match(torch):
        pytest.skip("PyTorch and torchless use different float32 normal kernels here")
    monkeypatch.setattr(_random, "_vector_normals", functools.partial(_random._vector_normals, exact=exact))
    _same(torch, lambda T: T.randn(n))
    _same(torch, lambda T: T.empty(n).normal_(-0.75, 3.5))


@pytest.mark.parametrize("n", [16, 17, 1000, 2 * _random._CHUNK + 16 * 37 + 9])
def test_float32_vector_normals_reference(torch, n, monkeypatch):
    """The step-by-step emulation the tests take as reference (_vector_normals(exact=True), which
    tests/test_random_normal_kernel.py compares the default kernel with): PyTorch's numbers bit for bit."""
    if not _vector_normals_match(torch):
        pytest.skip("PyTorch and torchless use different float32 normal kernels here")
    monkeypatch.setattr(_random, "_vector_normals", functools.partial(_random._vector_normals, exact=True))
    _same(torch, lambda T: T.randn(n))
    _same(torch, lambda T: T.empty(n).normal_(-0.75, 3.5))
    _same(torch, lambda T: T.nn.init.kaiming_normal_(T.empty(n, 3)))

def test_a_zero_radius_is_plus_zero(torch):
    """Seed 12's randn(10**6 + 5) meets u1 = 0 in its block 25706: a radius of zero, whose output
    PyTorch's `* 1 + 0` makes +0 (bit for bit, not merely equal as -0 == +0)."""
    torch.manual_seed(12)
    torchless.manual_seed(12)
    theirs, mine = torch.randn(10 ** 6 + 5).numpy(), torchless.randn(10 ** 6 + 5).numpy()
    assert mine[411302] == 0 and not np.signbit(theirs[411302])
    if _vector_normals_match(torch) and not _scalar_kernels(torch):
        assert np.array_equal(mine.view(np.int32), theirs.view(np.int32))
    assert not np.signbit(mine[411302])


@pytest.mark.parametrize("n", SIZES)
def test_integer_draws(torch, n):
    _same(torch, lambda T: T.randint(-5, 10, (n,)))
    _same(torch, lambda T: T.randint(0, 2 ** 40, (n,)))       # a range of 2**28 or more: 64-bit words
    _same(torch, lambda T: T.randint(3, (n,), dtype=T.int32))
    _same(torch, lambda T: T.randperm(n))
    for name in ("float32", "float64", "int64", "int32", "int16", "uint8", "bool"):
        _same(torch, lambda T: T.empty(n, dtype=_dt(T, name)).random_())
    _same(torch, lambda T: T.empty(n, dtype=T.float64).random_(7))
    _same(torch, lambda T: T.empty(n).random_(-4, 9))
    _same(torch, lambda T: T.empty(n, dtype=T.int64).random_(-2 ** 63, None))
    _same(torch, lambda T: T.empty(n, dtype=T.int32).random_(5, None))


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dt", DTYPES)
def test_bernoulli_draws(torch, n, dt):
    _same(torch, lambda T: T.bernoulli(T.rand(n, dtype=_dt(T, dt))))
    _same(torch, lambda T: T.bernoulli(T.rand(n, dtype=_dt(T, dt)), 0.3))
    _same(torch, lambda T: T.empty(n, dtype=_dt(T, dt)).bernoulli_(0.3))
    _same(torch, lambda T: T.empty(n, dtype=_dt(T, dt)).bernoulli_(T.rand(n, dtype=_dt(T, dt))))
    _same(torch, lambda T: T.empty(n, dtype=T.int64).bernoulli_(T.full((n,), 0.7, dtype=_dt(T, dt))))


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dt", DTYPES)
def test_other_distributions(torch, n, dt):
    # float64: the C library's log1p/tan/exp against NumPy's; cauchy's median + sigma * tan cancels near 0
    tol = {} if dt == "float32" else dict(exact=False, max_ulp=16, atol=1e-14)
    _same(torch, lambda T: T.empty(n, dtype=_dt(T, dt)).exponential_(2.5), **tol)
    _same(torch, lambda T: T.empty(n, dtype=_dt(T, dt)).cauchy_(1.0, 2.0), **tol)
    _same(torch, lambda T: T.empty(n, dtype=_dt(T, dt)).geometric_(0.2))
    _same(torch, lambda T: T.empty(n, dtype=_dt(T, dt)).log_normal_(0.5, 0.7), **tol)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dt", DTYPES)
def test_multinomial(torch, n, dt):
    k = min(n, 5)
    _same(torch, lambda T: T.multinomial(T.rand(4, n, dtype=_dt(T, dt)), 6, True))
    _same(torch, lambda T: T.multinomial(T.rand(n, dtype=_dt(T, dt)), 1))
    _same(torch, lambda T: T.multinomial(T.rand(3, n, dtype=_dt(T, dt)), k))


# ------------------------------------------------------------------------- users of the generator
def test_linear_init_equals_pytorch(torch):
    torch.manual_seed(0)
    torchless.manual_seed(0)
    a, b = torch.nn.Linear(20, 30), torchless.nn.Linear(20, 30)
    _equal_draws(torch, b.weight.detach().numpy(), a.weight.detach().numpy())   # uniform draws
    _equal_draws(torch, b.bias.detach().numpy(), a.bias.detach().numpy())


@pytest.mark.parametrize("spec", ["Conv2d(3, 8, 3)", "Conv1d(3, 4, 5)", "ConvTranspose2d(3, 4, 3)", "Embedding(10, 4)",
                                  "Bilinear(3, 4, 5)", "MultiheadAttention(8, 2)",
                                  "TransformerEncoderLayer(8, 2, 16)", "Sequential(Linear(4, 8), ReLU(), Linear(8, 2))"])
def test_module_default_init_equals_pytorch(torch, spec):
    torch.manual_seed(0)
    torchless.manual_seed(0)
    theirs = eval(spec, {k: getattr(torch.nn, k) for k in dir(torch.nn)})
    mine = eval(spec, {k: getattr(torchless.nn, k) for k in dir(torchless.nn)})
    pt, pl = list(theirs.parameters()), list(mine.parameters())
    assert len(pt) == len(pl)
    for x, y in zip(pt, pl):
        np.testing.assert_allclose(y.detach().numpy(), x.detach().numpy(), rtol=1e-6, atol=1e-7)
    assert np.array_equal(torchless.get_rng_state().numpy(), torch.get_rng_state().numpy())


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("name,kwargs", [("uniform_", {}), ("normal_", {}), ("xavier_uniform_", {}),
                                         ("xavier_normal_", {}), ("kaiming_uniform_", {"a": math.sqrt(5)}),
                                         ("kaiming_normal_", {}), ("trunc_normal_", {}),
                                         ("trunc_normal_", {"a": 0.5, "b": 1.0}),
                                         ("trunc_normal_", {"mean": 1.0, "std": 0.5, "a": 0.0, "b": 1.0})])
def test_nn_init_equals_pytorch(torch, dt, name, kwargs):
    if dt == "float64":
        tol = dict(exact=False, max_ulp=4, atol=1e-15)
    elif "normal" in name:
        tol = {}
    else:
        tol = dict(exact=False, max_ulp=0, atol=1e-15)
    _same(torch, lambda T: getattr(T.nn.init, name)(T.empty(30, 20, dtype=_dt(T, dt)), **kwargs), **tol)


def test_dropout_masks_equal_pytorch(torch):
    x = np.random.default_rng(0).random((8, 4, 5, 10)).astype(np.float32)
    F_t, F_l = torch.nn.functional, torchless.nn.functional
    for fn, kw in (("dropout", {"p": 0.3}), ("dropout2d", {"p": 0.3}), ("alpha_dropout", {"p": 0.2, "training": True}),
                   ("feature_alpha_dropout", {"p": 0.2, "training": True}), ("rrelu", {"training": True})):
        arg = x - 0.5 if fn == "rrelu" else x
        _same(torch, lambda T: getattr(F_t if T is torch else F_l, fn)(T.tensor(arg), **kw),
              exact=False, max_ulp=1)
    _same(torch, lambda T: T.nn.Dropout(0.5)(T.ones(1000)))


def test_dataloader_shuffle_and_random_split(torch):
    from torch.utils.data import DataLoader, RandomSampler, TensorDataset, WeightedRandomSampler, random_split
    D = torchless.utils.data
    torch.manual_seed(0)
    torchless.manual_seed(0)
    x = np.arange(100, dtype=np.float32)
    lt = DataLoader(TensorDataset(torch.from_numpy(x)), batch_size=7, shuffle=True)
    ll = D.DataLoader(D.TensorDataset(torchless.tensor(x)), batch_size=7, shuffle=True)
    for _ in range(3):  # each epoch reseeds its sampler from the default generator
        for bt, bl in zip(lt, ll):
            np.testing.assert_array_equal(bl[0].numpy(), bt[0].numpy())
        np.testing.assert_array_equal(torchless.get_rng_state().numpy(), torch.get_rng_state().numpy())
    assert [list(s) for s in D.random_split(range(10), [3, 7])] == [list(s) for s in random_split(range(10), [3, 7])]
    assert list(D.RandomSampler(range(20), replacement=True, num_samples=50)) == \
        list(RandomSampler(range(20), replacement=True, num_samples=50))
    assert list(D.RandomSampler(range(20), num_samples=45)) == list(RandomSampler(range(20), num_samples=45))
    g_t, g_l = torch.Generator().manual_seed(2), torchless.Generator().manual_seed(2)
    assert list(D.RandomSampler(range(20), generator=g_l)) == list(RandomSampler(range(20), generator=g_t))
    assert list(D.WeightedRandomSampler([0.1, 0.5, 0.2, 0.2], 30)) == list(WeightedRandomSampler([0.1, 0.5, 0.2, 0.2], 30))
    assert list(D.SubsetRandomSampler([3, 5, 8, 13])) == list(torch.utils.data.SubsetRandomSampler([3, 5, 8, 13]))
    np.testing.assert_array_equal(torchless.get_rng_state().numpy(), torch.get_rng_state().numpy())


@pytest.mark.parametrize("spec", ["Normal(T.zeros(20), T.ones(20))", "Uniform(T.zeros(20), T.ones(20))",
                                  "Bernoulli(T.full((20,), 0.3))", "Categorical(T.ones(5))", "OneHotCategorical(T.ones(5))",
                                  "Exponential(T.ones(20))", "Cauchy(T.zeros(20), T.ones(20))",
                                  "Laplace(T.zeros(20), T.ones(20))", "Geometric(T.full((20,), 0.3))",
                                  "LogNormal(T.zeros(20), T.ones(20))", "Gumbel(T.zeros(20), T.ones(20))",
                                  "MultivariateNormal(T.zeros(3), T.eye(3))",
                                  "Multinomial(10, T.tensor([0.2, 0.3, 0.5]))",
                                  "Multinomial(5, T.tensor([[0.2, 0.3, 0.5], [0.6, 0.2, 0.2]]))",
                                  "Multinomial(1, T.tensor([0.2, 0.8]))",
                                  "Gamma(T.full((20,), 0.7), T.full((20,), 2.0))", "Chi2(T.full((20,), 3.0))",
                                  "Dirichlet(T.tensor([0.5, 1.0, 2.0]))", "Beta(T.full((10,), 0.5), T.full((10,), 2.0))",
                                  "StudentT(T.full((10,), 3.0))", "FisherSnedecor(T.full((5,), 3.0), T.full((5,), 4.0))",
                                  "Weibull(T.full((5,), 3.0), T.full((5,), 4.0))", "HalfCauchy(T.full((5,), 3.0))",
                                  "RelaxedOneHotCategorical(T.tensor(0.5), T.ones(4))", "LKJCholesky(3, 0.5)"])
def test_distribution_samples_equal_pytorch(torch, spec):
    # the same draws; the transforms after them are each library's float32 math (Gumbel's log(-log u) ...)
    _same(torch, lambda T: eval("T.distributions." + spec, {"T": T}).sample((4,)), exact=False, max_ulp=16,
          atol=1e-6)


def test_seeded_training_loop_matches_pytorch(torch):
    """A D2L-style MLP (dropout) on shuffled minibatches, both libraries from manual_seed(0) with no
    weights copied: the same initial weights, masks and batch order give the same losses."""
    rng = np.random.default_rng(7)
    X = rng.standard_normal((96, 20)).astype(np.float32)
    y = rng.integers(0, 4, 96)

    def losses(T):
        T.manual_seed(0)
        D = T.utils.data
        net = T.nn.Sequential(T.nn.Linear(20, 32), T.nn.ReLU(), T.nn.Dropout(0.3), T.nn.Linear(32, 4))
        loader = D.DataLoader(D.TensorDataset(T.tensor(X), T.tensor(y)), batch_size=16, shuffle=True)
        opt = T.optim.SGD(net.parameters(), lr=0.1)
        loss_fn = T.nn.CrossEntropyLoss()
        out = []
        for _ in range(3):
            for xb, yb in loader:
                loss = loss_fn(net(xb), yb)
                opt.zero_grad()
                loss.backward()
                opt.step()
                out.append(loss.item())
        return np.array(out, np.float32)
    np.testing.assert_allclose(losses(torchless), losses(torch), rtol=2e-6, atol=1e-6)
    np.testing.assert_array_equal(torchless.get_rng_state().numpy(), torch.get_rng_state().numpy())


@pytest.mark.parametrize("n", (5, 16, 17, 40, 1000))
def test_half_precision_draws(torch, n):
    # float16 draws go through float32; its normals are drawn block by block (16 at a time)
    _same(torch, lambda T: T.rand(n, dtype=T.float16))
    _same(torch, lambda T: T.randn(n, dtype=T.float16))
    _same(torch, lambda T: T.empty(n, dtype=T.float16).normal_(1.0, 2.0))


def test_strided_fills_follow_memory_order(torch):
    _same(torch, lambda T: T.empty(4, 40)[:, ::2].normal_())                   # not contiguous: scalar path
    _same(torch, lambda T: T.empty(8, 8).t().bernoulli_(T.full((8, 8), 0.5)))
    _same(torch, lambda T: T.nn.functional.dropout(T.ones(4, 5).t(), 0.5))    # empty_like keeps the strides
    _same(torch, lambda T: T.nn.functional.alpha_dropout(T.ones(6, 5).t(), 0.5, True))


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("shape", [(30, 20), (20, 30), (4, 3, 5)])
def test_orthogonal_init(torch, dt, shape):
    # the same normal draws; the QR factorisation is each library's LAPACK call
    _same(torch, lambda T: T.nn.init.orthogonal_(T.empty(*shape, dtype=_dt(T, dt)), 1.5), exact=False,
          max_ulp=64, atol=1e-6 if dt == "float32" else 1e-14)


def test_sparse_init(torch):
    _same(torch, lambda T: T.nn.init.sparse_(T.empty(10, 6), 0.3))
    with pytest.raises(ValueError):
        torchless.nn.init.sparse_(torchless.empty(3), 0.1)
    with pytest.raises(ValueError):
        torchless.nn.init.orthogonal_(torchless.empty(3))


def _random_opinfo_entries():
    try:
        from .conformance import opinfo
        return [e for e in opinfo.load_op_db() if opinfo.is_random(e) and "empty" not in e.name]
    except Exception:  # no torch or no expecttest: the test below skips
        return []


@pytest.mark.parametrize("entry", _random_opinfo_entries(), ids=lambda e: e.name + "." + e.variant_test_name)
def test_random_opinfo_samples_draw_pytorchs_values(torch, entry):
    """Every sample of PyTorch's random OpInfo entries (rand, randn, normal, bernoulli, multinomial,
    the in-place samplers, dropout, rrelu ...), both libraries seeded alike: the same values."""
    from .conformance import opinfo
    from .conformance.bridge import rebind, replace_tensors, to_torchless, torchless_op
    ours = torchless_op(entry)
    if ours is None:
        pytest.skip("torchless has no such op")
    checked = 0
    for dt in (torch.float32, torch.float64):
        if dt not in entry.supported_dtypes("cpu"):
            continue
        torch.manual_seed(0)
        for sample in entry.sample_inputs("cpu", dt, requires_grad=False):
            fresh = replace_tensors((sample.input, sample.args, sample.kwargs), lambda t: t.detach().clone())
            try:
                mine = to_torchless(fresh)
                torch.manual_seed(1)
                expected = opinfo._call(rebind(entry.op, torch), fresh)
            except Exception:  # a sample torchless cannot take (bfloat16 ...) or PyTorch refuses
                continue
            torchless.manual_seed(1)
            got = opinfo._call(ours, mine)
            if not hasattr(expected, "shape"):
                continue
            np.testing.assert_allclose(got.detach().numpy().astype(np.float64),
                                       expected.detach().numpy().astype(np.float64), rtol=1e-5, atol=1e-6)
            checked += 1
    if not checked:
        pytest.skip("no sample to draw")


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("alphas", [[0.5, 1.0, 2.0, 0.1, 5.0, 0.0, 3.3], list(np.linspace(0.01, 4, 300)), [0.2] * 200])
def test_standard_gamma_sampler(torch, dt, alphas):
    """PyTorch's Marsaglia-Tsang sampler with its rejections (small alphas reject often), the normal
    cache shared with it, and alpha = 0 giving the dtype's tiny."""
    torch.randn(3)  # leave a cached normal behind first
    torchless.randn(3)
    torch.manual_seed(0)
    torchless.manual_seed(0)
    torch.randn(1)
    torchless.randn(1)
    theirs = torch._standard_gamma(torch.tensor(alphas, dtype=getattr(torch, dt))).numpy()
    mine = _random.default_stream.gamma(np.array(alphas, dtype=dt))
    assert mine.dtype == theirs.dtype
    np.testing.assert_allclose(mine, theirs, rtol=1e-13 if dt == "float64" else 0, atol=0)
    np.testing.assert_array_equal(torchless.get_rng_state().numpy(), torch.get_rng_state().numpy())
