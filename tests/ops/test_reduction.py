"""Reductions: closed forms, finite differences (float64 gradcheck) and PyTorch, side by side."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import torchless
from torchless.autograd import gradcheck, gradgradcheck

from ..conftest import assert_same, to_numpy

SHAPES = [(), (5,), (2, 3), (2, 3, 4)]


def _distinct(shape, seed=0):
    """Values without ties (max/min/median gradients are then unambiguous), away from 0."""
    n = int(np.prod(shape))
    rng = np.random.default_rng(seed)
    vals = rng.permutation(n).astype(np.float64) / n + 0.5
    vals *= rng.choice([-1.0, 1.0], size=n)
    return vals.reshape(shape)


def _dim_specs(shape, single=False):
    """None (all), first dim, last dim (negative), and a tuple of two dims where there are two."""
    nd = len(shape)
    specs = [None, 0, -1]
    if nd >= 2 and not single:
        specs.append((0, -1))
    if nd == 3 and not single:
        specs.append([-2, 0])
    return specs


def _call(name, x, dim, keepdim):
    """The same reduction call, written as user code, for torchless and torch alike."""
    if name == "sum":
        return x.sum() if dim is None else x.sum(dim, keepdim=keepdim)
    if name == "mean":
        return x.mean() if dim is None else x.mean(dim, keepdim=keepdim)
    if name == "prod":
        return x.prod() if dim is None else x.prod(dim, keepdim=keepdim)
    if name == "max":
        return x.max() if dim is None else x.max(dim, keepdim=keepdim).values
    if name == "min":
        return x.min() if dim is None else x.min(dim=dim, keepdim=keepdim)[0]
    if name == "median":
        return x.median() if dim is None else x.median(dim, keepdim=keepdim).values
    if name == "amax":
        return x.amax() if dim is None else x.amax(dim, keepdim=keepdim)
    if name == "amin":
        return x.amin() if dim is None else x.amin(dim, keepdim=keepdim)
    if name.startswith("norm"):
        p = {"norm": 2, "norm1": 1, "norm3": 3, "norminf": float("inf"), "norm-inf": float("-inf"),
             "normfro": "fro", "norm0.5": 0.5}[name]
        return x.norm(p) if dim is None else x.norm(p, dim=dim, keepdim=keepdim)
    if name in ("var", "std"):
        f = getattr(x, name)
        return f() if dim is None else f(dim, keepdim=keepdim)
    if name == "var0":
        return x.var(correction=0) if dim is None else x.var(dim, unbiased=False, keepdim=keepdim)
    if name == "logsumexp":
        return x.logsumexp(tuple(range(x.dim())) if dim is None else dim, keepdim=keepdim)
    raise AssertionError(name)


MULTI_DIM = ["sum", "mean", "amax", "amin", "norm", "norm1", "norm3", "norminf", "norm-inf",
             "normfro", "norm0.5", "var", "std", "var0", "logsumexp"]
ONE_DIM = ["prod", "max", "min", "median"]


def _grid():
    for name in MULTI_DIM + ONE_DIM:
        for shape in SHAPES:
            if name in ("var", "std") and shape == ():
                continue  # no degrees of freedom
            for dim in _dim_specs(shape, single=name in ONE_DIM):
                if name in ("var", "std") and dim is not None:
                    continue  # covered below with enough elements per slice
                for keepdim in ((False, True) if dim is not None else (False,)):
                    yield name, shape, dim, keepdim
    for name in ("var", "std"):
        for dim, keepdim in ((1, False), (-1, True), ((0, 2), False), (0, True)):
            yield name, (2, 3, 4), dim, keepdim


GRID = list(_grid())


@pytest.mark.parametrize("name,shape,dim,keepdim", GRID)
def test_gradcheck(name, shape, dim, keepdim):
    x = torchless.tensor(_distinct(shape), dtype=torchless.float64, requires_grad=True)
    assert gradcheck(lambda t: _call(name, t, dim, keepdim), (x,))


@pytest.mark.parametrize("name,shape,dim,keepdim", GRID)
def test_matches_torch(name, shape, dim, keepdim, torch_ref):
    """Values, dtype, shape, grad_fn name and gradient (with a non-uniform upstream grad)."""
    data = _distinct(shape).astype(np.float32)
    ours_x = torchless.tensor(data, requires_grad=True)
    ref_x = torch_ref.tensor(data, requires_grad=True)
    ours, ref = _call(name, ours_x, dim, keepdim), _call(name, ref_x, dim, keepdim)
    assert_same(ours, ref, rtol=1e-5, atol=1e-6)
    assert type(ours.grad_fn).__name__ == type(ref.grad_fn).__name__
    w = np.arange(1, ref.numel() + 1, dtype=np.float32).reshape(tuple(ref.shape))
    (ours * torchless.tensor(w)).sum().backward()
    (ref * torch_ref.tensor(w)).sum().backward()
    assert_same(ours_x.grad, ref_x.grad, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("f", [
    lambda x: x.sum(1), lambda x: x.mean((0, -1), keepdim=True), lambda x: x.prod(1),
    lambda x: x.prod(), lambda x: x.max(), lambda x: x.max(1)[0], lambda x: x.amax(-1),
    lambda x: x.norm(), lambda x: x.norm(3, dim=0), lambda x: x.norm(float("inf")), lambda x: x.var(1),
    lambda x: x.std(), lambda x: x.logsumexp(1), lambda x: x.cumsum(1), lambda x: x.cumprod(1),
    lambda x: x.median(0).values,
], ids=["sum", "mean", "prod_dim", "prod", "max", "max_dim", "amax", "norm", "norm3", "norminf",
        "var", "std", "logsumexp", "cumsum", "cumprod", "median_dim"])
def test_gradgradcheck(f):
    x = torchless.tensor(_distinct((2, 3), seed=1), dtype=torchless.float64, requires_grad=True)
    assert gradgradcheck(f, (x,))


# ---------------------------------------------------------------------------- sum, mean
def test_sum_dtypes_and_aliases(torch_ref):
    cases = [
        lambda T: T.tensor([[1, 2], [3, 4]]).sum(),
        lambda T: T.tensor([[1, 2], [3, 4]], dtype=T.int32).sum(0),
        lambda T: T.tensor([True, False, True]).sum(),
        lambda T: T.tensor([[1., 2.], [3., 4.]]).sum(dtype=T.float64),
        lambda T: T.tensor([[1., 2.], [3., 4.]]).sum(axis=1, keepdims=True),
        lambda T: T.sum(T.tensor([[1., 2.], [3., 4.]]), [0, 1]),
        lambda T: T.tensor(3.).sum(-1, keepdim=True),
        lambda T: T.tensor([[1., 2.], [3., 4.]]).sum(()),
        lambda T: T.tensor([]).sum(),
        lambda T: T.tensor([[1., 2.], [3., 4.]]).mean(dtype=T.float64),
        lambda T: T.tensor([[1, 2], [3, 4]]).mean(dtype=T.float32),
        lambda T: T.tensor([[1., 2.], [3., 4.]]).mean(axis=0, keepdims=True),
        lambda T: T.mean(T.tensor([[1., 2.], [3., 4.]]), (-1, 0)),
    ]
    for case in cases:
        ours, ref = case(torchless), case(torch_ref)
        assert_same(ours, ref)
        assert repr(ours) == repr(ref)


def test_sum_dtype_keeps_input_grad_dtype(torch_ref):
    for T in (torchless, torch_ref):
        x = T.ones(2, 3, dtype=T.float64, requires_grad=True)
        y = x.sum(dtype=T.float32)
        assert y.dtype == T.float32 and type(y.grad_fn).__name__ == "SumBackward0"
        (y * 2).backward()
        assert x.grad.dtype == T.float64
        assert np.array_equal(to_numpy(x.grad), np.full((2, 3), 2.0))


@pytest.mark.parametrize("case,exc", [
    (lambda T: T.tensor([[1, 2], [3, 4]]).mean(), RuntimeError),
    (lambda T: T.tensor([True]).mean(0), RuntimeError),
    (lambda T: T.ones(2, 3).sum((0, 0)), RuntimeError),
    (lambda T: T.ones(2, 3).sum((1, -1)), RuntimeError),
    (lambda T: T.ones(2, 3).sum(2), IndexError),
    (lambda T: T.ones(2, 3).mean(-3), IndexError),
    (lambda T: T.tensor(1.).sum(1), IndexError),
    (lambda T: T.ones(2, 3).sum(1.0), TypeError),
    (lambda T: T.ones(2, 3).sum("a"), TypeError),
    (lambda T: T.ones(2, 3).prod((0, 1)), TypeError),
    (lambda T: T.ones(2, 3).max((0, 1)), TypeError),
    (lambda T: T.tensor([]).max(), RuntimeError),
    (lambda T: T.zeros(0, 3).max(0), IndexError),
    (lambda T: T.tensor([True, False]).argmax(), RuntimeError),
    (lambda T: T.tensor([1, 2]).norm(), RuntimeError),
    (lambda T: T.tensor([1, 2]).var(), RuntimeError),
    (lambda T: T.tensor([1, 2]).std(0), RuntimeError),
    (lambda T: T.ones(2).logsumexp(), TypeError),
    (lambda T: T.ones(2).cumsum(), TypeError),
    (lambda T: T.ones(2, 3).argmax((0, 1)), TypeError),
])
def test_errors_match_torch(case, exc, torch_ref):
    with pytest.raises(exc) as ref_err:
        case(torch_ref)
    with pytest.raises(exc) as ours_err:
        case(torchless)
    if exc is not TypeError:  # PyTorch's TypeErrors print its whole overload list
        assert str(ours_err.value).startswith(str(ref_err.value).split(" (")[0][:60])


def test_mean_int_message():
    with pytest.raises(RuntimeError, match="Got: Long"):
        torchless.tensor([1, 2]).mean()


# ---------------------------------------------------------------------------- prod
@pytest.mark.parametrize("values", [
    [2., 0., 3., 4.],        # one zero
    [0., 5., 0., 2.],        # two zeros
    [0., 0., 0., 0.],
    [1.5, -2., 3., 0.5],     # none
])
def test_prod_gradient_with_zeros(values, torch_ref):
    expected = [np.prod(values[:i] + values[i + 1:]) for i in range(len(values))]
    x = torchless.tensor(values, dtype=torchless.float64, requires_grad=True)
    x.prod().backward()
    np.testing.assert_allclose(x.grad.numpy(), expected)
    t = torch_ref.tensor(values, dtype=torch_ref.float64, requires_grad=True)
    t.prod().backward()
    assert_same(x.grad, t.grad)
    assert gradcheck(lambda a: a.prod(), (torchless.tensor(values, dtype=torchless.float64,
                                                           requires_grad=True),))


def test_prod_dim_with_zeros(torch_ref):
    data = [[0., 0., 2.], [3., 0., 1.], [1., 2., 3.]]
    for dim in (0, 1, -1):
        for keepdim in (False, True):
            x = torchless.tensor(data, dtype=torchless.float64, requires_grad=True)
            t = torch_ref.tensor(data, dtype=torch_ref.float64, requires_grad=True)
            ours, ref = x.prod(dim, keepdim=keepdim), t.prod(dim, keepdim=keepdim)
            assert_same(ours, ref)
            assert type(ours.grad_fn).__name__ == type(ref.grad_fn).__name__ == "ProdBackward1"
            ours.sum().backward()
            ref.sum().backward()
            assert_same(x.grad, t.grad)
            assert gradcheck(lambda a: a.prod(dim, keepdim=keepdim),
                             (torchless.tensor(data, dtype=torchless.float64, requires_grad=True),))


def test_prod_single_zero_second_order():
    x = torchless.tensor([[1., 0., 3.], [2., -1., 4.]], dtype=torchless.float64, requires_grad=True)
    assert gradgradcheck(lambda a: a.prod(1), (x,))
    assert gradgradcheck(lambda a: a.prod(), (x,))


def test_prod_dtypes(torch_ref):
    for case in (lambda T: T.tensor([[1, 2], [3, 4]]).prod(), lambda T: T.tensor([True, False]).prod(),
                 lambda T: T.tensor([1, 2, 3]).prod(dtype=T.float32),
                 lambda T: T.tensor([[1., 2.], [3., 4.]]).prod(1, keepdim=True)):
        assert_same(case(torchless), case(torch_ref))


# ---------------------------------------------------------------------------- max, min, arg*
def test_max_ties_split_evenly(torch_ref):
    data = [[1., 3., 3.], [3., 2., 0.]]
    for name, call in [("max", lambda x: x.max()), ("amax", lambda x: x.amax()),
                       ("amax_dim", lambda x: x.amax(1)), ("amax_tuple", lambda x: x.amax((0, 1))),
                       ("min", lambda x: -((-x).min())), ("max_dim", lambda x: x.max(1).values),
                       ("max_dim0", lambda x: x.max(0).values), ("median", lambda x: x.median()),
                       ("norminf", lambda x: x.norm(float("inf")))]:
        x = torchless.tensor(data, requires_grad=True)
        t = torch_ref.tensor(data, requires_grad=True)
        call(x).sum().backward()
        call(t).sum().backward()
        assert_same(x.grad, t.grad), name
    x = torchless.tensor(data, requires_grad=True)
    x.max().backward()
    assert np.allclose(x.grad.numpy(), [[0, 1 / 3, 1 / 3], [1 / 3, 0, 0]])


def test_max_dim_named_tuple(torch_ref):
    data = [[1., 5., 3.], [4., 2., 6.]]
    for T in (torchless, torch_ref):
        x = T.tensor(data)
        r = x.max(1)
        values, indices = r
        assert r.values is values and r.indices is indices and r[0] is values
        assert indices.dtype == T.int64
        assert type(r).__name__ == "max"
    ours, ref = torchless.tensor(data).max(1), torch_ref.tensor(data).max(1)
    assert repr(ours) == repr(ref) and str(ours) == str(ref)
    for call in (lambda T, x: x.max(1, keepdim=True), lambda T, x: x.min(0),
                 lambda T, x: T.max(x, dim=-1), lambda T, x: T.min(x, 1, True),
                 lambda T, x: x.median(1), lambda T, x: x.max(axis=0)):
        ours = call(torchless, torchless.tensor(data, requires_grad=True))
        ref = call(torch_ref, torch_ref.tensor(data, requires_grad=True))
        assert repr(ours) == repr(ref)
        assert type(ours.values.grad_fn).__name__ == type(ref.values.grad_fn).__name__
        assert ours.indices.grad_fn is None and not ours.indices.requires_grad


def test_max_dim_gradient_goes_to_argmax(torch_ref):
    data = [[1., 5., 5.], [7., 2., 7.]]
    x = torchless.tensor(data, requires_grad=True)
    values, indices = x.max(1)
    values.backward(torchless.tensor([10., 20.]))
    assert np.array_equal(x.grad.numpy(), [[0, 10, 0], [20, 0, 0]])
    t = torch_ref.tensor(data, requires_grad=True)
    t.max(1).values.backward(torch_ref.tensor([10., 20.]))
    assert_same(x.grad, t.grad)


def test_max_min_of_two_tensors(torch_ref):
    a, b = [[1., 5.], [3., 2.]], [[2., 4.], [3., 1.]]
    for name in ("max", "min"):
        x, y = torchless.tensor(a, requires_grad=True), torchless.tensor(b, requires_grad=True)
        tx, ty = torch_ref.tensor(a, requires_grad=True), torch_ref.tensor(b, requires_grad=True)
        ours, ref = getattr(torchless, name)(x, y), getattr(tx, name)(ty)
        assert_same(ours, ref)
        assert type(ours.grad_fn).__name__ == type(ref.grad_fn).__name__
        ours.sum().backward()
        ref.sum().backward()
        assert_same(x.grad, tx.grad)
        assert_same(y.grad, ty.grad)


@pytest.mark.parametrize("call", [
    lambda T, x: x.argmax(), lambda T, x: x.argmin(), lambda T, x: x.argmax(1),
    lambda T, x: x.argmin(0, keepdim=True), lambda T, x: x.argmax(keepdim=True),
    lambda T, x: T.argmax(x, dim=-1), lambda T, x: T.argmin(x.int(), 1),
    lambda T, x: x.max(), lambda T, x: x.int().max(), lambda T, x: (x > 2).min(), lambda T, x: x.amin(0),
    lambda T, x: T.tensor([1., 0., 0.]).argmin(), lambda T, x: T.tensor(2.).argmax(0),
    lambda T, x: T.tensor(2.).max(0), lambda T, x: T.zeros(0, 3).max(1),
])
def test_selection_values_match_torch(call, torch_ref):
    data = [[3., 1., 4.], [1., 5., 9.]]
    ours, ref = call(torchless, torchless.tensor(data)), call(torch_ref, torch_ref.tensor(data))
    assert repr(ours) == repr(ref)


# ---------------------------------------------------------------------------- norms
def test_norm_variants_match_torch(torch_ref):
    data = [[3., -4., 0.], [1., 2., -2.]]
    for call in (lambda T, x: x.norm(), lambda T, x: T.norm(x, "fro", dim=1),
                 lambda T, x: x.norm(p="fro", dim=(0, 1), keepdim=True), lambda T, x: x.norm(1, dim=0),
                 lambda T, x: x.norm(float("inf")), lambda T, x: x.norm(float("-inf"), dim=1),
                 lambda T, x: x.norm(3), lambda T, x: x.norm(-1, dim=0), lambda T, x: x.norm(0),
                 lambda T, x: x.norm(dtype=T.float64), lambda T, x: T.linalg.vector_norm(x, ord=1, dim=1),
                 lambda T, x: T.linalg.vector_norm(x, 2, (0, 1)), lambda T, x: T.linalg.norm(x[0])):
        x = torchless.tensor(data, requires_grad=True)
        t = torch_ref.tensor(data, requires_grad=True)
        ours, ref = call(torchless, x), call(torch_ref, t)
        assert_same(ours, ref, rtol=1e-5)
        assert type(ours.grad_fn).__name__ == type(ref.grad_fn).__name__
        ours.sum().backward()
        ref.sum().backward()
        if t.grad is not None:
            assert_same(x.grad, t.grad, rtol=1e-5)


@pytest.mark.parametrize("p", [2, "fro", 1, 3, 0.5, float("inf")])
def test_norm_of_zero_vector_has_zero_grad(p):
    x = torchless.zeros(4, requires_grad=True)
    x.norm(p).backward()
    assert np.array_equal(x.grad.numpy(), np.zeros(4))


# ---------------------------------------------------------------------------- var, std
def test_var_std_signatures_match_torch(torch_ref):
    data = [[1., 2., 4.], [4., 5., 7.]]
    calls = [lambda x: x.var(), lambda x: x.var(1), lambda x: x.var(1, unbiased=False),
             lambda x: x.var(1, correction=0, keepdim=True), lambda x: x.var(correction=2),
             lambda x: x.var(1, False), lambda x: x.var(False), lambda x: x.std(),
             lambda x: x.std(0, keepdim=True), lambda x: x.std((0, 1), correction=0),
             lambda x: x.std(unbiased=True)]
    for call in calls:
        x, t = torchless.tensor(data, requires_grad=True), torch_ref.tensor(data, requires_grad=True)
        ours, ref = call(x), call(t)
        assert_same(ours, ref, rtol=1e-5)
        assert type(ours.grad_fn).__name__ == type(ref.grad_fn).__name__
        ours.sum().backward()
        ref.sum().backward()
        assert_same(x.grad, t.grad, rtol=1e-5)


def test_std_of_constant_has_zero_grad(torch_ref):
    x = torchless.tensor([2., 2., 2.], requires_grad=True)
    x.std().backward()
    t = torch_ref.tensor([2., 2., 2.], requires_grad=True)
    t.std().backward()
    assert_same(x.grad, t.grad)


def test_var_without_degrees_of_freedom_warns():
    with pytest.warns(UserWarning, match="degrees of freedom"):
        v = torchless.tensor([1.]).var()
    assert np.isnan(v.item())


# ---------------------------------------------------------------------------- logsumexp, cum*
def test_logsumexp_is_stable_and_matches_torch(torch_ref):
    for data, dim in (([1000., 1000.], 0), ([[-1000., 0.], [1e4, 1e4 - 1]], 1),
                      ([-float("inf"), -float("inf")], 0), ([[1, 2], [3, 4]], 1)):
        x, t = torchless.tensor(data), torch_ref.tensor(data)
        ours, ref = x.logsumexp(dim), t.logsumexp(dim)
        assert_same(ours, ref)
    x = torchless.tensor([1000., 1000.], dtype=torchless.float64, requires_grad=True)
    x.logsumexp(0).backward()
    assert np.allclose(x.grad.numpy(), [0.5, 0.5])
    x, t = torchless.tensor([1000., 1000.], requires_grad=True), torch_ref.tensor([1000., 1000.], requires_grad=True)
    x.logsumexp(0).backward()
    t.logsumexp(0).backward()
    assert_same(x.grad, t.grad)
    assert np.isclose(torchless.tensor([1000., 1000.]).logsumexp(0).item(), 1000 + np.log(2))


@pytest.mark.parametrize("call", [
    lambda T, x: x.cumsum(1), lambda T, x: x.cumsum(-2), lambda T, x: T.cumsum(x, dim=0, dtype=T.float64),
    lambda T, x: x.cumprod(1), lambda T, x: x.cumprod(0), lambda T, x: x[0, 0].cumsum(0),
])
def test_cumulative_match_torch(call, torch_ref):
    data = [[1., 0., 3.], [-2., 5., 0.]]
    x, t = torchless.tensor(data, requires_grad=True), torch_ref.tensor(data, requires_grad=True)
    ours, ref = call(torchless, x), call(torch_ref, t)
    assert_same(ours, ref)
    w = np.arange(1, ref.numel() + 1, dtype=np.float32).reshape(tuple(ref.shape))
    (ours * torchless.tensor(w).to(ours.dtype)).sum().backward()
    (ref * torch_ref.tensor(w).to(ref.dtype)).sum().backward()
    assert_same(x.grad, t.grad)


def test_cumulative_dtypes(torch_ref):
    for case in (lambda T: T.tensor([1, 2], dtype=T.int32).cumsum(0), lambda T: T.tensor([True, True]).cumsum(0),
                 lambda T: T.tensor([[1, 2], [3, 4]]).cumprod(1)):
        assert_same(case(torchless), case(torch_ref))


@pytest.mark.parametrize("values", [[2., 0., 3., 4.], [0., 5., 0., 2.], [1.5, -2., 3., 0.5]])
def test_cumprod_gradient_with_zeros(values, torch_ref):
    x = torchless.tensor(values, dtype=torchless.float64, requires_grad=True)
    assert gradcheck(lambda a: a.cumprod(0), (x,))
    x.cumprod(0).backward(torchless.tensor([1., 2., 3., 4.], dtype=torchless.float64))
    t = torch_ref.tensor(values, dtype=torch_ref.float64, requires_grad=True)
    t.cumprod(0).backward(torch_ref.tensor([1., 2., 3., 4.], dtype=torch_ref.float64))
    assert_same(x.grad, t.grad)


# ---------------------------------------------------------------------------- logical, counts
@pytest.mark.parametrize("call", [
    lambda T, x: x.all(), lambda T, x: x.any(), lambda T, x: x.all(1), lambda T, x: x.any(0, keepdim=True),
    lambda T, x: T.all(x, dim=(0, 1)), lambda T, x: (x > 0).all(-1), lambda T, x: x.int().any(),
    lambda T, x: x.to(T.uint8).all(0), lambda T, x: x.count_nonzero(), lambda T, x: x.count_nonzero(0),
    lambda T, x: T.count_nonzero(x, dim=(0, 1)), lambda T, x: x.median(), lambda T, x: x.median(0),
])
def test_logical_and_counts_match_torch(call, torch_ref):
    data = [[1., 0., 3.], [2., 0., 0.]]
    ours, ref = call(torchless, torchless.tensor(data)), call(torch_ref, torch_ref.tensor(data))
    assert repr(ours) == repr(ref)


# ---------------------------------------------------------------------------- properties
@st.composite
def _array_and_dims(draw):
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=0, max_size=4)))
    data = draw(st.integers(0, 2 ** 16)).__index__()
    arr = np.random.default_rng(data).standard_normal(shape)
    nd = len(shape)
    if nd == 0:
        return arr, None
    dims = draw(st.lists(st.integers(-nd, nd - 1), unique_by=lambda d: d % nd, max_size=nd))
    return arr, tuple(dims)


@settings(max_examples=60, deadline=None)
@given(_array_and_dims(), st.booleans())
def test_sum_mean_over_dims_match_numpy(case, keepdim):
    arr, dims = case
    x = torchless.tensor(arr, requires_grad=True)
    axis = None if not dims else tuple(d % arr.ndim for d in dims)
    s = x.sum(dims, keepdim=keepdim) if dims is not None else x.sum()
    m = x.mean(dims, keepdim=keepdim) if dims is not None else x.mean()
    keep = keepdim and dims is not None
    np.testing.assert_allclose(s.detach().numpy(), arr.sum(axis=axis, keepdims=keep), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(m.detach().numpy(), arr.mean(axis=axis, keepdims=keep), rtol=1e-12, atol=1e-12)
    s.sum().backward()
    assert x.grad.shape == x.shape
    assert np.array_equal(x.grad.numpy(), np.ones(arr.shape))


@settings(max_examples=40, deadline=None)
@given(_array_and_dims())
def test_amax_grad_sums_to_one_per_slice(case):
    arr, dims = case
    arr = np.round(arr, 0)  # ties on purpose
    x = torchless.tensor(arr, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = x.amax(dims if dims is not None else ())
    out.sum().backward()
    axis = None if not dims else tuple(d % arr.ndim for d in dims)
    np.testing.assert_allclose(x.grad.numpy().sum(axis=axis), np.ones(out.shape))
    assert np.all(x.grad.numpy()[arr != arr.max(axis=axis, keepdims=True)] == 0)
