"""Reductions, sorting and searching (issue 12, breadth): sort, argsort, msort, topk, kthvalue, mode,
nanmedian, cummax, cummin, logcumsumexp, aminmax, var_mean, std_mean, nansum, nanmean, quantile,
nanquantile ... Closed forms and NumPy first, then finite differences (gradcheck, gradgradcheck),
then PyTorch where installed: the same lambdas, and every OpInfo sample of each op."""
import math

import numpy as np
import pytest

import torchless as tl
from torchless.autograd import gradcheck, gradgradcheck

pytestmark = [pytest.mark.filterwarnings("ignore:.*degrees of freedom:UserWarning"),
              pytest.mark.filterwarnings("ignore:.*non-contiguous:UserWarning"),
              pytest.mark.filterwarnings("ignore::DeprecationWarning"),
              pytest.mark.filterwarnings("ignore:.*performance drop:UserWarning")]

NAN = float("nan")
RNG = np.random.default_rng(1234)
X = RNG.standard_normal((3, 5))


# ============================================================================ closed forms
def test_sort_is_stable_and_puts_nan_last():
    x = tl.tensor([3., 1, 3, 2, 1, 3, NAN, 1])
    values, indices = x.sort()
    assert indices.tolist() == [1, 4, 7, 3, 0, 2, 5, 6]
    assert np.isnan(values[-1].item()) and values[:-1].tolist() == [1, 1, 1, 2, 3, 3, 3]
    values, indices = tl.sort(x, descending=True)
    assert indices.tolist() == [6, 0, 2, 5, 3, 1, 4, 7]
    assert tl.argsort(x, descending=True).tolist() == [6, 0, 2, 5, 3, 1, 4, 7]
    assert values.grad_fn is None


def test_sort_result_is_a_named_tuple():
    r = tl.tensor([[2., 1], [0, 5]]).sort(0)
    assert r.values.tolist() == [[0, 1], [2, 5]] and r.indices.tolist() == [[1, 0], [0, 1]]
    assert repr(r).startswith("torch.return_types.sort(\nvalues=tensor(")
    assert tl.msort(tl.tensor([[2., 1], [0, 5]])).tolist() == [[0, 1], [2, 5]]


def test_sort_zero_dim_and_integers():
    v, i = tl.tensor(2.5).sort()
    assert v.item() == 2.5 and i.item() == 0 and i.dtype is tl.int64
    v, i = tl.tensor([3, 1, 2]).sort(descending=True)
    assert v.dtype is tl.int64 and v.tolist() == [3, 2, 1] and i.tolist() == [0, 2, 1]


def test_sort_gradient_goes_back_to_each_place():
    x = tl.tensor([3., 1, 2], requires_grad=True)
    v, _ = x.sort()
    (v * tl.tensor([1., 10, 100])).sum().backward()
    assert x.grad.tolist() == [100, 1, 10]
    assert type(v.grad_fn).__name__ == "SortBackward0"


def test_second_backward_through_sort_raises():
    x = tl.tensor([3., 1, 2], requires_grad=True)
    v = x.sort()[0].sum()
    v.backward()
    with pytest.raises(RuntimeError, match="second time"):
        v.backward()


def test_topk_and_kthvalue():
    x = tl.tensor([[1., 5, 3, 4], [8, 6, 7, 2]], requires_grad=True)
    v, i = x.topk(2)
    assert v.tolist() == [[5, 4], [8, 7]] and i.tolist() == [[1, 3], [0, 2]]
    v, i = x.topk(2, dim=0, largest=False)
    assert v.tolist() == [[1, 5, 3, 2], [8, 6, 7, 4]]
    v.sum().backward()
    assert x.grad.tolist() == [[1, 1, 1, 1], [1, 1, 1, 1]]
    v, i = tl.kthvalue(x, 3, 1)
    assert v.tolist() == [4, 7] and i.tolist() == [3, 2]
    v, i = x.kthvalue(1, 0, keepdim=True)
    assert v.shape == (1, 4) and i.tolist() == [[0, 0, 0, 1]]


def test_topk_and_kthvalue_errors():
    x = tl.tensor([1., 2])
    with pytest.raises(RuntimeError, match="selected index k out of range"):
        x.topk(3)
    with pytest.raises(RuntimeError, match="selected number k out of range"):
        x.kthvalue(0)
    with pytest.raises(RuntimeError, match="bool"):
        tl.tensor([True]).topk(1)
    with pytest.raises(NotImplementedError, match="kthvalue_cpu"):
        tl.tensor([True]).kthvalue(1)
    with pytest.raises(RuntimeError, match="complex"):
        tl.tensor([1j]).sort()
    with pytest.raises(IndexError, match="Dimension out of range"):
        x.sort(2)


def test_mode_smallest_of_the_most_frequent_at_its_last_occurrence():
    v, i = tl.tensor([3., 1, 3, 2, 1, 3, 1]).mode()
    assert v.item() == 1 and i.item() == 6
    v, i = tl.mode(tl.tensor([[2, 1, 2, 1], [5, 5, 4, 4]]), 1, keepdim=True)
    assert v.tolist() == [[1], [4]] and i.tolist() == [[3], [3]]


def test_nanmedian_ignores_nans():
    x = tl.tensor([[1., NAN, 3], [NAN, NAN, NAN], [4, 2, NAN]])
    v, i = x.nanmedian(1)
    assert v[0].item() == 1 and math.isnan(v[1].item()) and v[2].item() == 2
    assert i.tolist() == [0, 0, 1]
    assert x.nanmedian().item() == 2  # non-NaN 1, 2, 3, 4: the lower middle
    assert tl.tensor([NAN, NAN]).nanmedian().isnan().item()


def test_cummax_cummin_take_the_latest_tie_and_keep_nans():
    v, i = tl.tensor([3., 1, 3, 2, 1, 3, 1]).cummax(0)
    assert v.tolist() == [3] * 7 and i.tolist() == [0, 0, 2, 2, 2, 5, 5]
    v, i = tl.cummin(tl.tensor([3., 1, 3, 2, 1, 3, 1]), 0)
    assert v.tolist() == [3, 1, 1, 1, 1, 1, 1] and i.tolist() == [0, 1, 1, 1, 4, 4, 6]
    v, i = tl.tensor([1., NAN, 5]).cummax(0)
    assert i.tolist() == [0, 1, 1] and math.isnan(v[2].item())
    x = tl.tensor([1., 3, 2], requires_grad=True)
    x.cummax(0)[0].sum().backward()  # the max 3 is picked twice: its gradient adds up
    assert x.grad.tolist() == [1, 2, 0]


def test_logcumsumexp_does_not_overflow():
    x = tl.tensor([1000., 1000, -1000])
    out = x.logcumsumexp(0)
    np.testing.assert_allclose(out.numpy(), [1000, 1000 + math.log(2), 1000 + math.log(2)])
    x = tl.tensor([1000., 1000, -1000], dtype=tl.float64, requires_grad=True)
    x.logcumsumexp(0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2, 1, 0], atol=1e-12)  # Σ_{k≥i} exp(a_i - out_k)
    with pytest.raises(NotImplementedError, match="Long"):
        tl.tensor([1, 2]).logcumsumexp(0)


def test_aminmax_shares_ties_evenly():
    x = tl.tensor([[1., 1, 2], [3, 3, 3]], requires_grad=True)
    lo, hi = tl.aminmax(x)
    assert (lo.item(), hi.item()) == (1, 3)
    (lo + 2 * hi).backward()
    np.testing.assert_allclose(x.grad.numpy(), [[.5, .5, 0], [2 / 3, 2 / 3, 2 / 3]])
    r = x.aminmax(dim=1, keepdim=True)
    assert r.min.shape == (2, 1) and r.max.tolist() == [[2], [3]]
    assert type(r.min.grad_fn).__name__ == "AminmaxBackward0" and r.min.grad_fn is r.max.grad_fn
    with pytest.raises(RuntimeError, match="empty"):
        tl.aminmax(tl.zeros(0))


def test_var_mean_std_mean():
    x = tl.tensor(X)
    v, m = tl.var_mean(x, 1)
    np.testing.assert_allclose(v.numpy(), X.var(1, ddof=1))
    np.testing.assert_allclose(m.numpy(), X.mean(1))
    s, m = tl.std_mean(x, correction=0)
    np.testing.assert_allclose(s.numpy(), X.std())
    s, m = tl.std_mean(x, 0, unbiased=False, keepdim=True)
    assert s.shape == (1, 5)
    with pytest.raises(RuntimeError, match="floating point"):
        tl.var_mean(tl.tensor([1, 2]))


def test_nansum_nanmean():
    x = tl.tensor([[1., NAN], [2, 3]], requires_grad=True)
    assert tl.nansum(x).item() == 6
    assert x.nansum(0).tolist() == [3, 3]
    assert tl.nanmean(x, 1).tolist() == [1, 2.5]
    x.nansum().backward()
    assert x.grad.tolist() == [[1, 0], [1, 1]]
    assert tl.tensor([1, 2]).nansum().dtype is tl.int64
    with pytest.raises(RuntimeError, match="floating point"):
        tl.tensor([1, 2]).nanmean()


@pytest.mark.parametrize("interpolation", ["linear", "lower", "higher", "midpoint", "nearest"])
def test_quantile_matches_numpy(interpolation):
    q = np.array([0.0, 0.1, 0.5, 0.77, 1.0])
    got = tl.quantile(tl.tensor(X), tl.tensor(q), dim=1, interpolation=interpolation)
    np.testing.assert_allclose(got.numpy(), np.quantile(X, q, axis=1, method=interpolation), rtol=1e-12)
    got = tl.tensor(X).quantile(0.3, interpolation=interpolation, keepdim=True)
    assert got.shape == (1, 1)
    np.testing.assert_allclose(got.numpy().item(), np.quantile(X, 0.3, method=interpolation))


def test_nanquantile_ignores_nans_and_quantile_does_not():
    x = tl.tensor([[1., NAN, 3, 2], [NAN, NAN, NAN, NAN]])
    got = x.nanquantile(0.5, dim=1)
    assert got[0].item() == 2 and math.isnan(got[1].item())
    assert tl.quantile(x[0], 0.5).isnan().item()


def test_quantile_errors():
    x = tl.tensor([1., 2])
    with pytest.raises(RuntimeError, match="range"):
        x.quantile(1.5)
    with pytest.raises(RuntimeError, match="float or double"):
        tl.tensor([1, 2]).quantile(0.5)
    with pytest.raises(RuntimeError, match="interpolation"):
        x.quantile(0.5, interpolation="cubic")
    with pytest.raises(RuntimeError, match="same dtype"):
        x.quantile(tl.tensor([0.5], dtype=tl.float64))
    with pytest.raises(RuntimeError, match="non-empty"):
        tl.zeros(0).quantile(0.5)


def test_out_arguments():
    x = tl.tensor([3., 1, 2])
    values, indices = tl.zeros(3), tl.zeros(3, dtype=tl.int64)
    r = tl.sort(x, out=(values, indices))
    assert r.values is values and values.tolist() == [1, 2, 3] and indices.tolist() == [1, 2, 0]
    with pytest.raises(RuntimeError, match="single memory location"):
        tl.kthvalue(x, 1, out=(x, indices))


# ============================================================================ finite differences
CASES = {
    "sort": lambda m, t: m.sort(t, 1)[0],
    "sort_descending": lambda m, t: m.sort(t, 0, descending=True)[0],
    "msort": lambda m, t: m.msort(t),
    "topk": lambda m, t: m.topk(t, 2, 1)[0],
    "topk_smallest": lambda m, t: m.topk(t, 2, 0, largest=False)[0],
    "kthvalue": lambda m, t: m.kthvalue(t, 2, 1)[0],
    "kthvalue_keepdim": lambda m, t: m.kthvalue(t, 2, 0, keepdim=True)[0],
    "mode": lambda m, t: m.mode(t, 1)[0],
    "nanmedian": lambda m, t: m.nanmedian(t, 1)[0],
    "nanmedian_all": lambda m, t: m.nanmedian(t),
    "cummax": lambda m, t: m.cummax(t, 1)[0],
    "cummin": lambda m, t: m.cummin(t, 0)[0],
    "logcumsumexp": lambda m, t: m.logcumsumexp(t, 1),
    "aminmax": lambda m, t: m.aminmax(t, dim=1)[0] * 2 + m.aminmax(t, dim=1)[1],
    "aminmax_all": lambda m, t: m.stack(list(m.aminmax(t))),
    "var_mean": lambda m, t: m.var_mean(t, 1)[0] + 3 * m.var_mean(t, 1)[1],
    "std_mean": lambda m, t: m.std_mean(t, 0, correction=0)[0] * 2 + m.std_mean(t, 0)[1],
    "nansum": lambda m, t: m.nansum(t, 1),
    "nanmean": lambda m, t: m.nanmean(t, 0),
    "quantile": lambda m, t: m.quantile(t, 0.3, dim=1),
    "nanquantile": lambda m, t: m.nanquantile(t, 0.7),
    "diff": lambda m, t: m.diff(t, 2, 1, prepend=t[:, :1] * 2),
    "trapezoid": lambda m, t: m.trapezoid(t, dx=0.5, dim=0),
    "trapezoid_x": lambda m, t: m.trapezoid(t, m.arange(5.0, dtype=m.float64) ** 2),
    "trapz": lambda m, t: m.trapz(t, dim=0),
    "cumulative_trapezoid": lambda m, t: m.cumulative_trapezoid(t, dx=2.0),
    "cov": lambda m, t: m.cov(t),
    "cov_weights": lambda m, t: m.cov(t, correction=0, fweights=m.tensor([1, 2, 1, 3, 1]),
                                      aweights=m.tensor([.5, 1, 2, 1, 1], dtype=m.float64)),
    "corrcoef": lambda m, t: m.corrcoef(t),
    "dist": lambda m, t: m.dist(t, t[:1] * 2),
    "dist_3": lambda m, t: m.dist(t, t.flip(0), 3),
    "dist_inf": lambda m, t: m.dist(t, t.flip(1), float("inf")),
    "renorm": lambda m, t: m.renorm(t, 2, 0, 1.5),
    "renorm_p1": lambda m, t: m.renorm(t, 1, 1, 1.0),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradcheck(name):
    f = CASES[name]
    x = tl.tensor(X, requires_grad=True)
    assert gradcheck(lambda t: f(tl, t), (x,))
    assert gradgradcheck(lambda t: f(tl, t), (x,))


# ============================================================================ against PyTorch
GRAD_FN_NAMES = {"sort": "SortBackward0", "msort": "SortBackward0", "topk": "TopkBackward0",
                 "kthvalue": "KthvalueBackward0", "mode": "ModeBackward0", "nanmedian": "NanmedianBackward1",
                 "nanmedian_all": "NanmedianBackward0", "cummax": "CummaxBackward0", "cummin": "CumminBackward0",
                 "logcumsumexp": "LogcumsumexpBackward0", "aminmax_all": "StackBackward0",
                 "nansum": "NansumBackward0", "nanmean": "DivBackward0", "diff": "SubBackward0",
                 "cumulative_trapezoid": "CumsumBackward0", "cov": "SqueezeBackward0", "corrcoef": "ClampBackward1",
                 "dist": "DistBackward0", "renorm": "RenormBackward0"}


@pytest.mark.parametrize("name", sorted(CASES))
def test_against_torch(name, torch_ref):
    torch = torch_ref
    f = CASES[name]
    xt = torch.tensor(X, requires_grad=True)
    xo = tl.tensor(X, requires_grad=True)
    ot, oo = f(torch, xt), f(tl, xo)
    np.testing.assert_allclose(oo.detach().numpy(), ot.detach().numpy(), rtol=1e-12, atol=1e-12)
    assert str(oo.dtype) == str(ot.dtype).replace("torch.", "torchless.") or oo.dtype is tl.float64
    if name in GRAD_FN_NAMES:
        assert type(oo.grad_fn).__name__ == type(ot.grad_fn).__name__ == GRAD_FN_NAMES[name]
    w = RNG.standard_normal(tuple(ot.shape))
    (ot * torch.tensor(w)).sum().backward()
    (oo * tl.tensor(w)).sum().backward()
    np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    v = RNG.standard_normal(X.shape)  # forward mode
    _, jt = torch.func.jvp(lambda t: f(torch, t), (torch.tensor(X),), (torch.tensor(v),))
    _, jo = tl.func.jvp(lambda t: f(tl, t), (tl.tensor(X),), (tl.tensor(v),))
    np.testing.assert_allclose(jo.numpy(), jt.numpy(), rtol=1e-10, atol=1e-12)
    xb = RNG.standard_normal((2,) + X.shape)  # vmap
    np.testing.assert_allclose(tl.func.vmap(lambda t: f(tl, t))(tl.tensor(xb)).numpy(),
                               np.stack([f(torch, torch.tensor(b)).numpy() for b in xb]), rtol=1e-12)


OPINFO_OPS = ["sort", "argsort", "msort", "topk", "kthvalue", "mode", "nanmedian", "cummax", "cummin",
              "logcumsumexp", "aminmax", "var_mean", "var_mean:unbiased", "std_mean", "std_mean:unbiased",
              "nansum", "nanmean", "count_nonzero", "quantile", "nanquantile", "unique", "unique_consecutive",
              "searchsorted", "bucketize", "isin", "histc", "histogram", "bincount", "diff", "trapezoid", "trapz",
              "cumulative_trapezoid", "cov", "corrcoef", "dist", "renorm"]
# NumPy holds at most 64 dims: aminmax's error inputs of 65 dims cannot be made here
OPINFO_KNOWN = {"aminmax": 2}


@pytest.mark.parametrize("op_name", OPINFO_OPS)
def test_opinfo_samples(op_name, torch_ref):
    pytest.importorskip("expecttest")
    from tests.ops.opinfo_check import check_op
    name, _, variant = op_name.partition(":")
    problems = check_op(name, variant)
    if name == "aminmax":
        assert all("64 dims" in p for p in problems), problems
        assert len(problems) == OPINFO_KNOWN[name]
    elif name == "cov":  # torchless.autograd.grad hands a float32 aweights a float64 gradient (its values
        # agree): the engine's, not cov's (backward() casts it; see the report of issue 12)
        assert all("grad 1: dtype torch.float64 != torch.float32" in p for p in problems), problems[:3]
    else:
        assert not problems, "\n".join(problems[:10])


# ============================================================================ group 2: closed forms
def test_unique_sorted_with_inverse_and_counts():
    x = tl.tensor([3., 1, 2, 3, 1, 5])
    assert tl.unique(x).tolist() == [1, 2, 3, 5]
    v, inv, cnt = x.unique(return_inverse=True, return_counts=True)
    assert inv.tolist() == [2, 0, 1, 2, 0, 3] and cnt.tolist() == [2, 1, 2, 1]
    assert inv.dtype is tl.int64
    v, cnt = tl.unique(tl.tensor([NAN, 1, NAN]), return_counts=True)  # each NaN is its own value
    assert v[0].item() == 1 and v[1:].isnan().all().item() and cnt.tolist() == [1, 1, 1]
    v, inv = tl.unique(tl.tensor([[1, 2], [1, 2], [0, 5]]), dim=0, return_inverse=True)
    assert v.tolist() == [[0, 5], [1, 2]] and inv.tolist() == [1, 1, 0]


def test_unique_records_a_node_without_a_derivative():
    x = tl.tensor([3., 1, 3], requires_grad=True)
    u = x.unique()
    assert u.requires_grad and type(u.grad_fn).__name__ == "Unique2Backward0"
    with pytest.raises(NotImplementedError, match="the derivative for '_unique2' is not implemented"):
        u.sum().backward()
    c = tl.unique_consecutive(x)
    assert type(c.grad_fn).__name__ == "UniqueConsecutiveBackward0"


def test_unique_consecutive():
    v, inv, cnt = tl.unique_consecutive(tl.tensor([1, 1, 2, 2, 3, 1, 1]), return_inverse=True, return_counts=True)
    assert v.tolist() == [1, 2, 3, 1] and inv.tolist() == [0, 0, 1, 1, 2, 3, 3] and cnt.tolist() == [2, 2, 1, 2]
    assert tl.tensor([[1, 1], [1, 1], [2, 2]]).unique_consecutive(dim=0).tolist() == [[1, 1], [2, 2]]


def test_searchsorted_and_bucketize():
    seq = tl.tensor([1, 3, 5, 7])
    assert tl.searchsorted(seq, tl.tensor([[3, 6], [9, 0]])).tolist() == [[1, 3], [4, 0]]
    assert tl.searchsorted(seq, 5, right=True).item() == 3
    assert tl.searchsorted(seq, tl.tensor([5]), side="right", out_int32=True).dtype is tl.int32
    rows = tl.tensor([[1., 3, 5], [2, 4, 6]])
    assert tl.searchsorted(rows, tl.tensor([[3.], [3]]), side="right").tolist() == [[2], [1]]
    unsorted = tl.tensor([5, 1, 3])
    assert tl.searchsorted(unsorted, tl.tensor([2, 4]), sorter=tl.tensor([1, 2, 0])).tolist() == [1, 2]
    assert tl.bucketize(tl.tensor([3, 6, 9]), seq, right=True).tolist() == [2, 3, 4]
    with pytest.raises(RuntimeError, match="opposites"):
        tl.searchsorted(seq, 1, right=True, side="left")
    with pytest.raises(RuntimeError, match="1 dimension"):
        tl.bucketize(tl.tensor([1]), tl.tensor([[1, 2]]))


def test_isin_histc_bincount():
    assert tl.isin(tl.tensor([1, 2, 3]), tl.tensor([2, 9])).tolist() == [False, True, False]
    assert tl.isin(tl.tensor([1, 2, 3]), 2, invert=True).tolist() == [True, False, True]
    assert tl.histc(tl.tensor([1., 2, 1]), bins=4, min=0, max=3).tolist() == [0, 2, 1, 0]
    assert tl.tensor([1., 1, 1]).histc(bins=3).tolist() == [0, 3, 0]  # one value: the range widened by 1
    assert tl.histc(tl.tensor([0., 1, 2, 3, 4]), bins=4, min=1, max=3).tolist() == [1, 0, 1, 1]
    i = tl.tensor([0, 1, 1, 3])
    assert i.bincount().tolist() == [1, 2, 0, 1]
    r = tl.bincount(i, tl.tensor([.5, 1, 1, 2]), minlength=6)
    assert r.tolist() == [.5, 2, 0, 2, 0, 0] and r.dtype is tl.float32
    assert tl.bincount(i, tl.tensor([1, 2, 3, 4])).dtype is tl.float64
    with pytest.raises(RuntimeError, match="non-negative"):
        tl.bincount(tl.tensor([-1, 2]))


def test_diff_trapezoid_cov():
    assert tl.diff(tl.tensor([True, False, False, True])).tolist() == [True, False, True]
    assert tl.diff(tl.tensor([[1, 4, 9], [2, 2, 2]]), n=2, dim=1, prepend=tl.tensor([[0], [0]])).tolist() == \
        [[2, 2], [-2, 0]]
    with pytest.raises(RuntimeError, match="at least one-dimensional"):
        tl.diff(tl.tensor(1.))
    assert tl.trapezoid(tl.tensor([1, 2, 3])).item() == 4.0
    assert tl.trapezoid(tl.tensor([1., 2, 3]), tl.tensor([0., 1, 3])).item() == 6.5
    assert tl.cumulative_trapezoid(tl.tensor([1., 2, 3])).tolist() == [1.5, 4.0]
    c = tl.cov(tl.tensor([[1., 2, 4], [3, 1, 0]]))
    np.testing.assert_allclose(c.numpy(), np.cov([[1., 2, 4], [3, 1, 0]]), rtol=1e-6)
    r = tl.corrcoef(tl.tensor([[1., 2, 4], [3, 1, 0]]))
    np.testing.assert_allclose(r.numpy(), np.corrcoef([[1., 2, 4], [3, 1, 0]]), rtol=1e-6)
    np.testing.assert_allclose(tl.tensor(X).dist(tl.tensor(X[::-1].copy()), 3).item(),
                               (np.abs(X - X[::-1]) ** 3).sum() ** (1 / 3))
    r = tl.renorm(tl.tensor([[3., 4], [0.3, 0.4]]), 2, 0, 1.0)
    np.testing.assert_allclose(r.numpy(), [[0.6, 0.8], [0.3, 0.4]], rtol=1e-6)


def test_histogram():
    h, edges = tl.histogram(tl.tensor([1., 2, 1, 4]), 3)
    assert h.tolist() == [2, 1, 1] and edges.tolist() == [1, 2, 3, 4]
    r = tl.tensor([1., 2, 1, 4]).histogram(tl.tensor([0., 1.5, 5]))
    assert r.hist.tolist() == [2, 2] and repr(r).startswith("torch.return_types.histogram(\nhist=")
    h, _ = tl.histogram(tl.tensor([1., 2, 1, 4]), 3, range=(0., 3.), weight=tl.tensor([1., 2, 3, 4]), density=True)
    np.testing.assert_allclose(h.numpy(), [0, 2 / 3, 1 / 3], rtol=1e-6)
    assert tl.histogram(tl.tensor([2., 2]), 2).bin_edges.tolist() == [1.5, 2, 2.5]


def test_renorm_in_place_against_torch(torch_ref):
    torch = torch_ref
    xt = torch.tensor(X, requires_grad=True)
    xo = tl.tensor(X, requires_grad=True)
    yt, yo = xt * 1, xo * 1
    assert yo.renorm_(2, 1, 0.8) is yo
    yt.renorm_(2, 1, 0.8)
    np.testing.assert_allclose(yo.detach().numpy(), yt.detach().numpy(), rtol=1e-12)
    w = RNG.standard_normal(X.shape)
    (yt * torch.tensor(w)).sum().backward()
    (yo * tl.tensor(w)).sum().backward()
    np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), rtol=1e-10)


# ============================================================================ complex inputs
COMPLEX_CASES = {
    "logcumsumexp": lambda m, t: m.logcumsumexp(t, 1),
    "renorm": lambda m, t: m.renorm(t, 2, 0, 1.0),
    "var_mean": lambda m, t: m.var_mean(t, 1)[1] * 2 + m.var_mean(t, 1)[0],
    "std_mean": lambda m, t: m.std_mean(t, 0)[1] * 2 + m.std_mean(t, 0)[0],
    "cov": lambda m, t: m.cov(t),
    "corrcoef": lambda m, t: m.corrcoef(t),
    "dist": lambda m, t: m.dist(t, t * 0.5j),
    "diff": lambda m, t: m.diff(t, dim=0),
    "cumulative_trapezoid": lambda m, t: m.cumulative_trapezoid(t, t.real * 2),
}
Z = RNG.standard_normal((3, 4)) + 1j * RNG.standard_normal((3, 4))


@pytest.mark.parametrize("name", sorted(COMPLEX_CASES))
def test_complex_gradcheck(name):
    f = COMPLEX_CASES[name]
    z = tl.tensor(Z, requires_grad=True)
    assert gradcheck(lambda t: f(tl, t), (z,))
    assert gradgradcheck(lambda t: f(tl, t), (z,))


@pytest.mark.parametrize("name", sorted(COMPLEX_CASES))
def test_complex_against_torch(name, torch_ref):
    torch = torch_ref
    f = COMPLEX_CASES[name]
    zt, zo = torch.tensor(Z, requires_grad=True), tl.tensor(Z, requires_grad=True)
    ot, oo = f(torch, zt), f(tl, zo)
    np.testing.assert_allclose(oo.detach().numpy(), ot.detach().resolve_conj().numpy(), rtol=1e-10, atol=1e-12)
    w = RNG.standard_normal(tuple(ot.shape))
    (ot * torch.tensor(w)).real.sum().backward()
    (oo * tl.tensor(w)).real.sum().backward()
    np.testing.assert_allclose(zo.grad.numpy(), zt.grad.resolve_conj().numpy(), rtol=1e-9, atol=1e-12)
    v = RNG.standard_normal(Z.shape) + 1j * RNG.standard_normal(Z.shape)
    _, jt = torch.func.jvp(lambda t: f(torch, t), (torch.tensor(Z),), (torch.tensor(v),))
    _, jo = tl.func.jvp(lambda t: f(tl, t), (tl.tensor(Z),), (tl.tensor(v),))
    np.testing.assert_allclose(jo.numpy(), jt.resolve_conj().numpy(), rtol=1e-9, atol=1e-12)


COMPLEX_OPINFO = ["logcumsumexp", "renorm", "var_mean", "var_mean:unbiased", "std_mean", "std_mean:unbiased",
                  "count_nonzero", "diff", "trapezoid", "cumulative_trapezoid", "cov", "corrcoef", "dist"]


@pytest.mark.parametrize("op_name", COMPLEX_OPINFO)
def test_opinfo_complex_samples(op_name, torch_ref):
    pytest.importorskip("expecttest")
    from tests.ops.opinfo_check import check_op
    name, _, variant = op_name.partition(":")
    problems = check_op(name, variant, dtypes=(torch_ref.complex64, torch_ref.complex128))
    if name == "cov":  # the float32 aweights' gradient dtype, as above
        problems = [p for p in problems if "grad 1: dtype torch.float64 != torch.float32" not in p]
    assert not problems, "\n".join(problems[:10])


# ============================================================================ existing reductions: fixes
def test_small_integer_products_keep_their_dtype(torch_ref):
    torch = torch_ref
    x = np.array([[1, 2], [3, 4]], np.uint8)
    for f in (lambda m, t: m.prod(t, 0, dtype=m.uint8), lambda m, t: m.cumsum(t, 0, dtype=m.uint8),
              lambda m, t: m.cumprod(t, 1, dtype=m.int32), lambda m, t: m.prod(t.bool(), 1, dtype=m.bool)):
        got, want = f(tl, tl.tensor(x)), f(torch, torch.tensor(x))
        assert str(got.dtype).split(".")[1] == str(want.dtype).split(".")[1]
        assert got.tolist() == want.tolist()


def test_complex_logsumexp_is_the_principal_log(torch_ref):
    torch = torch_ref
    z = np.array([[3 + 4j, 1 - 2j, 0.5 + 3j]])
    for dims in (1, (0, 1)):
        np.testing.assert_allclose(tl.logsumexp(tl.tensor(z), dims).numpy(), torch.logsumexp(torch.tensor(z), dims).numpy())
    np.testing.assert_allclose(tl.tensor(100 + 7j).logsumexp(0).item(), torch.tensor(100 + 7j).logsumexp(0).item())


def test_reduction_errors_and_out():
    assert tl.tensor([1j, 0]).norm(0).dtype is tl.float32
    with pytest.raises(RuntimeError, match="Expected reduction dim to be specified"):
        tl.zeros(5, 0, 5).amax()
    assert tl.zeros(5, 0, 5).amax((0, 2)).shape == (0,)
    with pytest.raises(RuntimeError, match="Optional dtype must be either a floating point"):
        tl.ones(3).mean(dtype=tl.int64)
    out = tl.zeros(2)
    assert tl.amin(tl.tensor([[1., 5], [3, 2]]), 0, out=out) is out and out.tolist() == [1, 2]
    with pytest.raises(RuntimeError, match="dtype for input and out to match"):
        tl.amax(tl.ones(2, 2), 0, out=tl.zeros(2, dtype=tl.int32))


EXISTING_OPINFO = ["median", "max:reduction_with_dim", "max:reduction_no_dim", "min:reduction_with_dim",
                   "min:reduction_no_dim", "amax", "amin", "argmax", "argmin", "sum", "mean", "prod", "var", "std",
                   "logsumexp", "cumsum", "cumprod", "all", "any", "norm"]


@pytest.mark.parametrize("op_name", EXISTING_OPINFO)
def test_opinfo_existing_reductions(op_name, torch_ref):
    pytest.importorskip("expecttest")
    from tests.ops.opinfo_check import check_op
    name, _, variant = op_name.partition(":")
    problems = [p for p in check_op(name, variant) if "64 dims" not in p]  # (NumPy holds 64 dims at most)
    assert not problems, "\n".join(problems[:10])


def test_cumsum_cumprod_in_place(torch_ref):
    torch = torch_ref
    for m in (tl, torch):
        x = m.tensor([1, 2, 3], dtype=m.int32)
        assert x.cumsum_(0) is x and x.tolist() == [1, 3, 6] and x.dtype is m.int32
    xo, xt = tl.tensor(X, requires_grad=True), torch.tensor(X, requires_grad=True)
    yo, yt = xo * 1, xt * 1
    yo.cumprod_(1)
    yt.cumprod_(1)
    assert type(yo.grad_fn).__name__ == "CumprodBackward0"
    yo.sum().backward()
    yt.sum().backward()
    np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), rtol=1e-10)
    with pytest.raises(RuntimeError, match="Bad in-place call"):
        tl.tensor([1., 2]).cumsum_(0, dtype=tl.float64)
    with pytest.raises(NotImplementedError, match="cumsum_out_cpu"):
        tl.tensor([True]).cumsum_(0)


def test_unravel_index(torch_ref):
    torch = torch_ref
    for idx, shape in (([4, 1, -1, 6, -7], (2, 3)), ([[5, 0]], 6), (5, torch.Size([2, 3])), ([0], ())):
        want = torch.unravel_index(torch.tensor(idx), shape)
        got = tl.unravel_index(tl.tensor(idx), shape)
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert g.tolist() == w.tolist() and g.dtype is tl.int64
    with pytest.raises(TypeError, match="integer dtype"):
        tl.unravel_index(tl.tensor([1.]), (2, 3))
    with pytest.raises(ValueError, match="negative"):
        tl.unravel_index(tl.tensor([1]), (2, -3))


@pytest.mark.parametrize("call", [
    lambda m, x, o: m.msort(x, out=o), lambda m, x, o: m.logcumsumexp(x, 0, out=o),
    lambda m, x, o: m.nansum(x, out=o), lambda m, x, o: m.nanmean(x, 0, out=o),
    lambda m, x, o: m.quantile(x, 0.3, out=o), lambda m, x, o: m.nanquantile(x, 0.3, 0, out=o),
    lambda m, x, o: m.histc(x, 4, out=o), lambda m, x, o: m.diff(x, out=o),
    lambda m, x, o: m.renorm(x.reshape(2, 2), 2, 0, 0.5, out=o)])
def test_out_for_single_results(call, torch_ref):
    torch = torch_ref
    x = np.array([0.5, 3.0, -1.0, 2.0], np.float32)
    want = call(torch, torch.tensor(x), torch.empty(0))
    out = tl.zeros(0)
    assert call(tl, tl.tensor(x), out) is out
    np.testing.assert_allclose(out.numpy(), want.numpy(), rtol=1e-6)
    try:  # with an input that requires grad: PyTorch's error where it raises one
        call(torch, torch.tensor(x, requires_grad=True), torch.empty(0))
    except RuntimeError:
        with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
            call(tl, tl.tensor(x, requires_grad=True), tl.zeros(0))
    else:
        call(tl, tl.tensor(x, requires_grad=True), tl.zeros(0))


@pytest.mark.parametrize("call", [lambda x: x.sort(descending=True), lambda x: x.topk(2), lambda x: x.sort(0),
                                  lambda x: x.kthvalue(2, 0, keepdim=True), lambda x: x.cummax(1),
                                  lambda x: (x.argsort(descending=True),)])
def test_indices_are_contiguous(call):
    x = tl.tensor([[3., 1, 2], [0, 5, 4]])
    for t in call(x):
        assert t.is_contiguous()
        t.view(-1)


def test_explain_templates():
    x = tl.tensor([1., 2], requires_grad=True)
    y = tl.tensor([0., 4], requires_grad=True)
    assert "‖x − y‖" in str(tl.dist(x, y).explain([x, y]))
    assert "log cumsum(exp(x))" in str(x.logcumsumexp(0).sum().explain([x]))
    assert "NaNs skipped" in str(x.nansum().explain([x]))


HESSIAN_CASES = {
    "sort": lambda m, t: ((m.sort(t)[0] * m.arange(5.0, dtype=m.float64)) ** 3).sum(),
    "topk": lambda m, t: (m.topk(t, 3)[0] ** 3).sum(),
    "kthvalue": lambda m, t: m.kthvalue(t ** 3, 2)[0] ** 2,
    "cummax": lambda m, t: (m.cummax(t, 0)[0] ** 3).sum(),
    "cummin": lambda m, t: (m.cummin(t, 0)[0] ** 3).sum(),
    "logcumsumexp": lambda m, t: (m.logcumsumexp(t, 0) ** 2).sum(),
    "quantile": lambda m, t: m.quantile(t ** 3, 0.3),
    "nanmedian": lambda m, t: m.nanmedian(t * t, 0)[0] ** 2,
    "aminmax": lambda m, t: m.aminmax(t ** 3)[1] ** 2,
    "std_mean": lambda m, t: m.std_mean(t ** 2)[0] * m.std_mean(t ** 2)[1],
    "nansum": lambda m, t: m.nansum(t ** 3) ** 2,
    "dist": lambda m, t: m.dist(t ** 2, t.flip(0)),
    "renorm": lambda m, t: (m.renorm(t.reshape(1, 5) ** 2, 2, 0, 1.) ** 2).sum(),
}


@pytest.mark.parametrize("name", sorted(HESSIAN_CASES))
def test_hessian_forward_over_reverse(name, torch_ref):
    """tl.func.hessian is jacfwd(jacrev(f)): the jvps of the vjps, recorded on Tensors."""
    torch = torch_ref
    f = HESSIAN_CASES[name]
    x = RNG.standard_normal(5)
    want = torch.func.hessian(lambda t: f(torch, t))(torch.tensor(x)).numpy()
    np.testing.assert_allclose(tl.func.hessian(lambda t: f(tl, t))(tl.tensor(x)).numpy(), want, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(tl.func.jacrev(tl.func.jacrev(lambda t: f(tl, t)))(tl.tensor(x)).numpy(), want,
                               rtol=1e-9, atol=1e-12)
