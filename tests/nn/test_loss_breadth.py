"""The nn.functional family (issue 12): the losses kl_div, poisson_nll, gaussian_nll, margin ranking,
hinge embedding, soft margin, multilabel soft margin, multilabel margin, multi margin, cosine
embedding and the triplet losses, and their modules: values against closed forms and PyTorch,
gradcheck/gradgradcheck, forward AD and vmap against PyTorch, errors, module options and reprs, and
every OpInfo and ModuleInfo sample (tests/nn/_oracle_breadth.py)."""
import math
import warnings

import numpy as np
import pytest

import torchless
import torchless.nn as nn
import torchless.nn.functional as F
from torchless.autograd import gradcheck, gradgradcheck

from ._oracle_breadth import moduleinfo_problems, opinfo_problems

RS = np.random.RandomState(0)
X = RS.randn(4, 5)
T = RS.randn(4, 5)
Y = RS.randn(4, 5)
S = np.sign(RS.randn(4, 5))
W = RS.rand(5) + 0.5
REDUCTIONS = ("none", "mean", "sum")


def cases(M):
    """name -> f(x) written the same way in torch and torchless."""
    Fn = M.nn.functional
    y, s, w = M.tensor(Y), M.tensor(S), M.tensor(W)
    tg = M.tensor([0, 2, 4, 1])
    ml = M.tensor([[1, 3, -1, 0, 0], [0, 1, 2, 3, 4], [-1, 0, 0, 0, 0], [4, 4, -1, 0, 0]])
    out = {}
    for r in REDUCTIONS:
        out.update({
            f"soft_margin_{r}": lambda a, r=r: Fn.soft_margin_loss(a, s, reduction=r),
            f"multi_margin_{r}": lambda a, r=r: Fn.multi_margin_loss(a, tg, reduction=r),
            f"multi_margin_p2_{r}": lambda a, r=r: Fn.multi_margin_loss(a, tg, p=2, margin=0.7, weight=w.to(a.dtype), reduction=r),
            f"multi_margin_1d_{r}": lambda a, r=r: Fn.multi_margin_loss(a[0], tg[1], reduction=r),
            f"multilabel_margin_{r}": lambda a, r=r: Fn.multilabel_margin_loss(a, ml, reduction=r),
            f"multilabel_margin_1d_{r}": lambda a, r=r: Fn.multilabel_margin_loss(a[0], ml[0], reduction=r),
            f"kl_div_{r}": lambda a, r=r: Fn.kl_div(a, y.softmax(1), reduction=r),
            f"kl_div_target_{r}": lambda a, r=r: Fn.kl_div(y, a.softmax(1), reduction=r),
            f"kl_div_log_target_{r}": lambda a, r=r: Fn.kl_div(y, a, reduction=r, log_target=True),
            f"poisson_nll_{r}": lambda a, r=r: Fn.poisson_nll_loss(a, y.abs() * 3, reduction=r),
            f"poisson_nll_full_{r}": lambda a, r=r: Fn.poisson_nll_loss(a.exp(), y.abs() * 3, log_input=False,
                                                                        full=True, reduction=r),
            f"gaussian_nll_{r}": lambda a, r=r: Fn.gaussian_nll_loss(a, y, a.exp(), reduction=r),
            f"gaussian_nll_full_{r}": lambda a, r=r: Fn.gaussian_nll_loss(y, a, (a[:, 0] * 2).exp(), full=True,
                                                                          reduction=r),
            f"margin_ranking_{r}": lambda a, r=r: Fn.margin_ranking_loss(a, y, s, 0.3, reduction=r),
            f"hinge_embedding_{r}": lambda a, r=r: Fn.hinge_embedding_loss(a, s, 0.5, reduction=r),
            f"multilabel_soft_margin_{r}": lambda a, r=r: Fn.multilabel_soft_margin_loss(a, (s > 0).double(), w,
                                                                                         reduction=r),
            f"cosine_embedding_{r}": lambda a, r=r: Fn.cosine_embedding_loss(a, y, s[:, 0], 0.1, reduction=r),
            f"triplet_margin_{r}": lambda a, r=r: Fn.triplet_margin_loss(a, y, a.flip(0), reduction=r, swap=True),
            f"triplet_margin_p1_{r}": lambda a, r=r: Fn.triplet_margin_loss(y, a, a.flip(0), 0.5, 1.0, reduction=r),
            f"triplet_distance_{r}": lambda a, r=r: Fn.triplet_margin_with_distance_loss(
                a, y, a.flip(0), distance_function=lambda u, v: 1 - Fn.cosine_similarity(u, v), reduction=r),
        })
    out["kl_div_batchmean"] = lambda a: Fn.kl_div(a, y.softmax(1), reduction="batchmean")
    out["torch_kl_div"] = lambda a: M.kl_div(a, y.softmax(1))
    out["torch_poisson_nll_loss"] = lambda a: M.poisson_nll_loss(a, y.abs(), True, False, 1e-8, 1)
    out["torch_margin_ranking_loss"] = lambda a: M.margin_ranking_loss(a, y, s, 0.1, 1)
    out["torch_hinge_embedding_loss"] = lambda a: M.hinge_embedding_loss(a, s, 1.0, 1)
    out["torch_cosine_embedding_loss"] = lambda a: M.cosine_embedding_loss(a, y, s[:, 0], 0.0, 1)
    out["torch_triplet_margin_loss"] = lambda a: M.triplet_margin_loss(a, y, a.flip(0), 1.0, 2.0, 1e-6, False, 1)
    return out


NAMES = list(cases(torchless))
# PyTorch has no forward AD for these two (ours agrees with the gradients: test_jvp_agrees_with_vjp)
NO_TORCH_FORWARD_AD = ("multi_margin", "multilabel_margin")


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_matches_pytorch(torch_ref, name, dtype):
    """Values, dtype, shape, grad_fn and gradient, against PyTorch."""
    if name.startswith("torch_") and not hasattr(torch_ref, name[6:]):
        pytest.skip("not a torch function in this PyTorch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tf, lf = cases(torch_ref)[name], cases(torchless)[name]
        tx = torch_ref.tensor(X, dtype=getattr(torch_ref, dtype), requires_grad=True)
        lx = torchless.tensor(X, dtype=getattr(torchless, dtype), requires_grad=True)
        to, lo = tf(tx), lf(lx)
    assert str(to.dtype) == str(lo.dtype) and tuple(to.shape) == tuple(lo.shape)
    tol = 1e-11 if dtype == "float64" else 2e-5
    np.testing.assert_allclose(lo.detach().numpy(), to.detach().numpy(), rtol=tol, atol=tol)
    assert type(lo.grad_fn).__name__ == type(to.grad_fn).__name__
    w = np.random.RandomState(1).randn(*to.shape)
    (to * torch_ref.tensor(w, dtype=to.dtype)).sum().backward()
    (lo * torchless.tensor(w, dtype=lo.dtype)).sum().backward()
    np.testing.assert_allclose(lx.grad.numpy(), tx.grad.numpy(), rtol=tol * 10, atol=tol * 10)


@pytest.mark.parametrize("name", NAMES)
def test_gradcheck(name):
    f = cases(torchless)[name]
    x = torchless.tensor(X, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert gradcheck(f, (x,))
        assert gradgradcheck(f, (x,))


@pytest.mark.parametrize("name", [n for n in NAMES if n.startswith(NO_TORCH_FORWARD_AD)])
def test_jvp_agrees_with_vjp(name):
    """The rules' forward AD, where PyTorch has none: J t equals the vjp-built Jacobian times t."""
    f = cases(torchless)[name]
    x = torchless.tensor(X, requires_grad=True)
    out = f(x)
    jac = np.stack([torchless.autograd.grad(o, x, retain_graph=True)[0].numpy().ravel()
                    for o in out.reshape(-1)])
    _, tangent = torchless.func.jvp(f, (torchless.tensor(X),), (torchless.tensor(T),))
    np.testing.assert_allclose(tangent.numpy().ravel(), jac @ T.ravel(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", [n for n in NAMES if not n.startswith(NO_TORCH_FORWARD_AD)])
def test_forward_ad_and_vmap(torch_ref, name):
    tf, lf = cases(torch_ref)[name], cases(torchless)[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, tt = torch_ref.func.jvp(tf, (torch_ref.tensor(X),), (torch_ref.tensor(T),))
        _, lt = torchless.func.jvp(lf, (torchless.tensor(X),), (torchless.tensor(T),))
        np.testing.assert_allclose(lt.numpy(), tt.numpy(), rtol=1e-10, atol=1e-12)
        batch = np.stack([X, T])
        try:
            tv = torch_ref.func.vmap(tf)(torch_ref.tensor(batch))
        except RuntimeError:  # PyTorch's vmap cannot run it (gaussian_nll's data-dependent check)
            return
        lv = torchless.func.vmap(lf)(torchless.tensor(batch))
    np.testing.assert_allclose(lv.numpy(), tv.numpy(), rtol=1e-10, atol=1e-12)


def test_closed_forms():
    x = torchless.tensor([[0.5, -1.0, 2.0]], dtype=torchless.float64)
    v = x.numpy()[0]
    # multi margin, target 2: sum over i != 2 of max(0, 1 - x2 + xi) / 3
    expected = sum(max(0.0, 1 - v[2] + v[i]) for i in (0, 1)) / 3
    assert F.multi_margin_loss(x, torchless.tensor([2])).item() == pytest.approx(expected)
    expected = sum(max(0.0, 1 - v[0] + v[i]) ** 2 for i in (1, 2)) / 3
    assert F.multi_margin_loss(x, torchless.tensor([0]), p=2).item() == pytest.approx(expected)
    # multilabel margin, targets {0, 2}: pairs (j, i) with i = 1 only
    expected = (max(0.0, 1 - v[0] + v[1]) + max(0.0, 1 - v[2] + v[1])) / 3
    assert F.multilabel_margin_loss(x, torchless.tensor([[0, 2, -1]])).item() == pytest.approx(expected)
    assert F.multilabel_margin_loss(x, torchless.tensor([[-1, 2, 1]])).item() == 0.0  # no targets
    np.testing.assert_allclose(F.soft_margin_loss(x, torchless.ones(1, 3, dtype=torchless.float64),
                                                  reduction="none").numpy()[0], np.log1p(np.exp(-v)))
    p = torchless.tensor([0.2, 0.8], dtype=torchless.float64)
    q = torchless.tensor([0.5, 0.5], dtype=torchless.float64)
    kl = 0.2 * math.log(0.2 / 0.5) + 0.8 * math.log(0.8 / 0.5)
    assert F.kl_div(q.log(), p, reduction="sum").item() == pytest.approx(kl)
    assert F.kl_div(q.log(), p.log(), reduction="sum", log_target=True).item() == pytest.approx(kl)
    assert F.kl_div(q.log(), torchless.tensor([0.0, 1.0], dtype=torchless.float64), reduction="sum").item() \
        == pytest.approx(math.log(2))  # 0 log 0 counts 0
    assert F.gaussian_nll_loss(torchless.tensor([1.0]), torchless.tensor([3.0]), torchless.tensor([4.0]),
                               full=True).item() == pytest.approx(0.5 * (math.log(4) + 1) + 0.5 * math.log(2 * math.pi))
    assert F.poisson_nll_loss(torchless.tensor([0.0]), torchless.tensor([2.0])).item() == pytest.approx(1.0)
    full = F.poisson_nll_loss(torchless.tensor([0.0]), torchless.tensor([3.0]), full=True).item()
    assert full == pytest.approx(1 + 3 * math.log(3) - 3 + 0.5 * math.log(2 * math.pi * 3), rel=1e-6)


def test_errors():
    x = torchless.randn(3, 4)
    with pytest.raises(RuntimeError, match="inconsistent target size"):
        F.multilabel_margin_loss(x, torchless.zeros(2, 4, dtype=torchless.int64))
    with pytest.raises(RuntimeError, match="argument #2 'target' is out of range"):
        F.multilabel_margin_loss(x, torchless.tensor([[1, 5, -1, 0]] * 3))
    with pytest.raises(RuntimeError, match="Expected non-empty vector or matrix"):
        F.multi_margin_loss(torchless.randn(2, 3, 4), torchless.tensor([1, 2]))
    with pytest.raises(RuntimeError, match="target out of range"):
        F.multi_margin_loss(x, torchless.tensor([0, 1, 4]))
    with pytest.raises(RuntimeError, match="Expected target size \\[3\\], but got \\[2\\]"):
        F.multi_margin_loss(x, torchless.tensor([0, 1]))
    with pytest.raises(ValueError, match="only p == 1 and p == 2 supported"):
        F.multi_margin_loss(x, torchless.tensor([0, 1, 2]), p=3)
    with pytest.raises(RuntimeError, match="inconsistent weight size, expected 4 but got \\[3\\]"):
        F.multi_margin_loss(x, torchless.tensor([0, 1, 2]), weight=torchless.ones(3))
    with pytest.raises(RuntimeError, match="expected scalar type Long but found Float"):
        F.multi_margin_loss(x, torchless.tensor([0.0, 1.0, 2.0]))
    with pytest.raises(RuntimeError, match="not differentiable with respect to argument 'target'"):
        F.soft_margin_loss(x, torchless.ones(3, 4, requires_grad=True))
    with pytest.raises(RuntimeError, match="0D or 1D target tensor expected"):
        F.cosine_embedding_loss(x, x, torchless.ones(3, 1))
    with pytest.raises(RuntimeError, match="1D target tensor expects 2D input tensors"):
        F.cosine_embedding_loss(x[0], x[0], torchless.ones(1))
    with pytest.raises(RuntimeError, match="All input tensors should have same dimension"):
        F.margin_ranking_loss(x, x, torchless.ones(3))
    with pytest.raises(RuntimeError, match="kl_div: Integral inputs not supported"):
        F.kl_div(x, torchless.ones(3, 4, dtype=torchless.int64))
    with pytest.raises(ValueError, match="bad is not a valid value for reduction"):
        F.kl_div(x, x, reduction="bad")
    with pytest.raises(ValueError, match="var has negative entry"):
        F.gaussian_nll_loss(x, x, -torchless.ones(3, 4))
    with pytest.raises(ValueError, match="var is of incorrect size"):
        F.gaussian_nll_loss(x, x, torchless.ones(2))
    with pytest.raises(ValueError, match="margin must be greater than 0"):
        F.triplet_margin_loss(x, x, x, margin=0.0)
    with pytest.raises(RuntimeError, match="anchor 2D, positive 2D, and negative 1D"):
        F.triplet_margin_loss(x, x, x[0])
    with pytest.raises(ValueError, match="MultiMarginLoss: expected weight to be None or 1D tensor, got 2D"):
        nn.MultiMarginLoss(weight=torchless.ones(2, 2))
    with pytest.raises(ValueError, match="TripletMarginLoss: expected margin to be greater than 0"):
        nn.TripletMarginLoss(margin=-1.0)


def test_kl_div_mean_warns():
    x = torchless.randn(2, 3).log_softmax(1)
    with pytest.warns(UserWarning, match="'batchmean' divides only by the batch size"):
        F.kl_div(x, x.exp())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.kl_div(x, x.exp(), reduction="batchmean")


MODULES = [("KLDivLoss", (), {}), ("KLDivLoss", (), {"reduction": "batchmean", "log_target": True}),
           ("PoissonNLLLoss", (False, True), {"eps": 1e-3}), ("GaussianNLLLoss", (), {"full": True, "eps": 1e-3}),
           ("MarginRankingLoss", (0.5,), {}), ("HingeEmbeddingLoss", (2.0,), {"reduction": "sum"}),
           ("SoftMarginLoss", (), {}), ("MultiLabelSoftMarginLoss", (), {}), ("MultiLabelMarginLoss", (), {}),
           ("MultiMarginLoss", (2, 0.5), {}), ("CosineEmbeddingLoss", (0.2,), {}),
           ("TripletMarginLoss", (0.5, 1.0, 1e-3, True), {}), ("TripletMarginWithDistanceLoss", (), {"swap": True})]


@pytest.mark.parametrize("name, args, kwargs", MODULES)
def test_module_options_and_repr(torch_ref, name, args, kwargs):
    tm = getattr(torch_ref.nn, name)(*args, **kwargs)
    lm = getattr(nn, name)(*args, **kwargs)
    assert repr(lm) == repr(tm)
    public = {k: v for k, v in vars(tm).items() if not k.startswith("_") and k not in ("training", "distance_function")}
    assert {k: getattr(lm, k) for k in public} == public
    assert list(dict(lm.named_buffers())) == list(dict(tm.named_buffers()))


def test_weighted_modules_hold_their_weight():
    w = torchless.tensor([1.0, 2.0, 3.0])
    m = nn.MultiMarginLoss(weight=w)
    assert m.weight is w and "weight" in dict(m.named_buffers())
    x = torchless.randn(2, 3)
    t = torchless.tensor([0, 2])
    assert m(x, t).item() == pytest.approx(F.multi_margin_loss(x, t, weight=w).item())
    m2 = nn.MultiLabelSoftMarginLoss(weight=w)
    y = torchless.tensor([[0.0, 1.0, 1.0], [1.0, 0.0, 0.0]])
    assert m2(x, y).item() == pytest.approx(F.multilabel_soft_margin_loss(x, y, weight=w).item())
    with pytest.warns(UserWarning, match="reduction='sum'"):
        assert nn.SoftMarginLoss(size_average=False).reduction == "sum"


@pytest.mark.parametrize("name", ["nn.functional.kl_div", "nn.functional.poisson_nll_loss",
                                  "nn.functional.gaussian_nll_loss", "nn.functional.margin_ranking_loss",
                                  "nn.functional.hinge_embedding_loss", "nn.functional.soft_margin_loss",
                                  "nn.functional.multilabel_soft_margin_loss", "nn.functional.multilabel_margin_loss",
                                  "nn.functional.multi_margin_loss", "nn.functional.cosine_embedding_loss",
                                  "nn.functional.triplet_margin_loss",
                                  "nn.functional.triplet_margin_with_distance_loss"])
def test_opinfo_samples(torch_ref, name):
    """Every OpInfo sample (and error input) of the loss agrees with PyTorch."""
    pytest.importorskip("expecttest")
    assert opinfo_problems(name) == []


@pytest.mark.parametrize("name", ["KLDivLoss", "PoissonNLLLoss", "GaussianNLLLoss", "MarginRankingLoss",
                                  "HingeEmbeddingLoss", "SoftMarginLoss", "MultiLabelSoftMarginLoss",
                                  "MultiLabelMarginLoss", "MultiMarginLoss", "CosineEmbeddingLoss"])
def test_moduleinfo_samples(torch_ref, name):
    """Every ModuleInfo sample: same constructor arguments, outputs and gradients compared."""
    pytest.importorskip("expecttest")
    assert moduleinfo_problems(name) == []


def test_shapes_and_dtypes_at_the_edges(torch_ref):
    """A single-sample multi margin keeps the target's shape; hinge embedding keeps an integer
    input's dtype (truncating the margin part), as PyTorch does."""
    for M in (torch_ref, torchless):
        assert tuple(M.nn.functional.multi_margin_loss(M.zeros(1, 3), M.tensor(1), reduction="none").shape) == ()
        assert tuple(M.nn.functional.multi_margin_loss(M.zeros(3), M.tensor([1]), reduction="none").shape) == (1,)
    x = [[0, 1, 2], [-1, 3, 0]]
    t = [[1.0, -1, -1], [-1, 1, 1]]
    ours = F.hinge_embedding_loss(torchless.tensor(x), torchless.tensor(t), margin=1.5, reduction="none")
    theirs = torch_ref.nn.functional.hinge_embedding_loss(torch_ref.tensor(x), torch_ref.tensor(t), margin=1.5,
                                                          reduction="none")
    assert ours.dtype == torchless.int64 and ours.tolist() == theirs.tolist()


def test_torch_level_forms(torch_ref):
    """torch.kl_div and the other ATen forms: the reduction an int, 'none' by default."""
    x = np.log(np.array([[0.2, 0.8], [0.5, 0.5]]))
    p = np.array([[0.3, 0.7], [0.9, 0.1]])
    for r in (0, 1, 2):
        np.testing.assert_allclose(torchless.kl_div(torchless.tensor(x), torchless.tensor(p), r).numpy(),
                                   torch_ref.kl_div(torch_ref.tensor(x), torch_ref.tensor(p), r).numpy())
    assert tuple(torchless.margin_ranking_loss(torchless.ones(3), torchless.zeros(3), torchless.ones(3)).shape) == (3,)
    assert torchless.poisson_nll_loss(torchless.zeros(2), torchless.ones(2), True, False, 1e-8, 2).item() == 2.0


def _dtype_cases(M, dt, tdt):
    Fn = M.nn.functional
    if dt == "int64":
        x = M.tensor([[1, -1, 0], [2, 0, 1]])
    else:
        x = M.tensor([[0.5, -1.0, 0.3], [2.0, -0.25, 1.0]], dtype=getattr(M, dt))
    t = M.tensor([[1, -1, 1], [-1, 1, 1]], dtype=getattr(M, tdt))
    c = M.tensor([0, 2])
    ml = M.tensor([[0, 2, -1], [1, -1, 0]])
    var = M.ones(2, 3, dtype=x.dtype if x.dtype.is_floating_point else M.float32)
    return {
        "kl_div": lambda: Fn.kl_div(x, t.abs(), reduction="batchmean"),
        "poisson_nll": lambda: Fn.poisson_nll_loss(x, t),
        "gaussian_nll": lambda: Fn.gaussian_nll_loss(x, t, var),
        "margin_ranking": lambda: Fn.margin_ranking_loss(x, x * 0.5, t),
        "hinge_embedding": lambda: Fn.hinge_embedding_loss(x, t),
        "soft_margin": lambda: Fn.soft_margin_loss(x, t),
        "multilabel_soft_margin": lambda: Fn.multilabel_soft_margin_loss(x, t),
        "multi_margin": lambda: Fn.multi_margin_loss(x, c),
        "multilabel_margin": lambda: Fn.multilabel_margin_loss(x, ml),
        "cosine_embedding": lambda: Fn.cosine_embedding_loss(x, x * 0.5 + 1, t[:, 0]),
        "triplet_margin": lambda: Fn.triplet_margin_loss(x, x * 0.5, x + 1),
    }


@pytest.mark.parametrize("dt, tdt", [("float32", "int64"), ("float32", "float64"), ("float64", "float32"),
                                     ("float16", "float16"), ("int64", "float32"), ("complex64", "complex64")])
def test_dtypes(torch_ref, dt, tdt):
    """Mixed, half, integer and complex operands: PyTorch's result dtype and value, or its exception type."""
    theirs, ours = _dtype_cases(torch_ref, dt, tdt), _dtype_cases(torchless, dt, tdt)
    for name in theirs:
        outcomes = []
        for f in (theirs[name], ours[name]):
            try:
                r = f()
                outcomes.append((str(r.dtype).split(".")[-1], np.asarray(r.detach().numpy()).astype(complex)))
            except Exception as e:  # compared by type
                outcomes.append(type(e))
        if isinstance(outcomes[0], tuple) and isinstance(outcomes[1], tuple):
            assert outcomes[0][0] == outcomes[1][0], name
            np.testing.assert_allclose(outcomes[1][1], outcomes[0][1], rtol=2e-3, atol=2e-3, err_msg=name)
        else:
            assert outcomes[0] == outcomes[1], name


def test_ties_match_pytorch(torch_ref):
    """Margins met exactly: PyTorch's one-sided derivatives."""
    k = np.array([-1.0, 0.0, 0.0, 1.0])
    for make in (lambda M, a: M.nn.functional.multi_margin_loss((a * 0).reshape(1, 4), M.tensor([1])),
                 lambda M, a: M.nn.functional.multilabel_margin_loss(a[[1, 1, 1]].reshape(1, 3), M.tensor([[0, -1, 0]])),
                 lambda M, a: M.nn.functional.hinge_embedding_loss(a, -M.ones_like(a)),
                 lambda M, a: M.nn.functional.margin_ranking_loss(a, a, M.ones_like(a)),
                 lambda M, a: M.nn.functional.triplet_margin_loss(a.reshape(2, 2), a.reshape(2, 2), a.reshape(2, 2)),
                 lambda M, a: M.nn.functional.cosine_embedding_loss(a.reshape(2, 2), a.reshape(2, 2) * 0,
                                                                    M.tensor([1.0, -1.0]))):
        tx = torch_ref.tensor(k, requires_grad=True)
        lx = torchless.tensor(k, requires_grad=True)
        make(torch_ref, tx).sum().backward()
        make(torchless, lx).sum().backward()
        np.testing.assert_allclose(lx.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-12)
