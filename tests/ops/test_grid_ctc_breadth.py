"""grid_sample, affine_grid, ctc_loss and linear_cross_entropy (issue 12, breadth): values and
gradients against PyTorch (every mode, padding and alignment, points far outside the input),
gradcheck and gradgradcheck in float64, closed forms, PyTorch's errors, and the CTC gradient's
convention (the gradient through the log_softmax that made the log-probabilities)."""
import itertools
import math

import numpy as np
import pytest

import torchless as tl
import torchless.nn as nn
import torchless.nn.functional as F
from torchless.autograd import gradcheck, gradgradcheck

from tests.conftest import requires_torch

RNG = np.random.default_rng(2026)


def _same(torch, fn_ours, fn_theirs, arrays, dtype="float64", atol=1e-10, rtol=1e-7, grad=True):
    """The same function in both libraries on the same arrays: values, dtype and the gradients of
    Σ out·w for every array (which requires grad)."""
    ours = [tl.tensor(a.astype(dtype), requires_grad=grad) for a in arrays]
    theirs = [torch.tensor(a.astype(dtype), requires_grad=grad) for a in arrays]
    o = fn_ours(*ours)
    t = fn_theirs(*theirs)
    assert tuple(o.shape) == tuple(t.shape)
    assert str(o.dtype) == str(t.dtype)
    np.testing.assert_allclose(o.detach().numpy(), t.detach().numpy(), atol=atol, rtol=rtol)
    if grad:
        w = RNG.standard_normal(tuple(t.shape)).astype(dtype)
        (o * tl.tensor(w)).sum().backward()
        (t * torch.tensor(w)).sum().backward()
        for a, b in zip(ours, theirs):
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), atol=atol * 10, rtol=rtol * 10)
    return o


MODES = ("bilinear", "nearest", "bicubic")
PADDINGS = ("zeros", "border", "reflection")


# ============================================================================ grid_sample
@requires_torch
@pytest.mark.parametrize("mode,padding,align", list(itertools.product(MODES, PADDINGS, (False, True))))
def test_grid_sample_2d_matches_torch_inside_and_far_outside(mode, padding, align):
    import torch
    x = RNG.standard_normal((2, 3, 4, 6))
    grid = RNG.uniform(-2.6, 2.6, (2, 5, 3, 2))  # many points outside: every padding mode is exercised
    _same(torch, lambda a, g: F.grid_sample(a, g, mode, padding, align),
          lambda a, g: torch.nn.functional.grid_sample(a, g, mode, padding, align), [x, grid])


@requires_torch
@pytest.mark.parametrize("mode,padding,align", list(itertools.product(("bilinear", "nearest"), PADDINGS,
                                                                       (False, True))))
def test_grid_sample_3d_matches_torch(mode, padding, align):
    import torch
    x = RNG.standard_normal((2, 2, 3, 4, 5))
    grid = RNG.uniform(-2.2, 2.2, (2, 3, 2, 4, 3))
    _same(torch, lambda a, g: F.grid_sample(a, g, mode, padding, align),
          lambda a, g: torch.nn.functional.grid_sample(a, g, mode, padding, align), [x, grid])


@requires_torch
def test_grid_sample_float32_and_torch_level_forms(torch_ref):
    torch = torch_ref
    x = RNG.standard_normal((1, 2, 5, 5))
    grid = RNG.uniform(-1.2, 1.2, (1, 3, 4, 2))
    for mode, pad in itertools.product(range(3), range(3)):
        _same(torch, lambda a, g: tl.grid_sampler_2d(a, g, mode, pad, False),
              lambda a, g: torch.grid_sampler_2d(a, g, mode, pad, False), [x, grid], dtype="float32", atol=1e-5,
              rtol=1e-5)
        _same(torch, lambda a, g: tl.grid_sampler(a, g, mode, pad, True),
              lambda a, g: torch.grid_sampler(a, g, mode, pad, True), [x, grid], atol=1e-10)
    x3 = RNG.standard_normal((1, 1, 3, 3, 3))
    g3 = RNG.uniform(-1, 1, (1, 2, 2, 2, 3))
    _same(torch, lambda a, g: tl.grid_sampler_3d(a, g, 0, 2, False),
          lambda a, g: torch.grid_sampler_3d(a, g, 0, 2, False), [x3, g3])


@requires_torch
def test_grid_sample_non_finite_points_and_empty_shapes_as_torch(torch_ref):
    torch = torch_ref

    def run(m, v, mode, pad, three_d):
        if three_d:
            x, g = m.arange(8.0).reshape(1, 1, 2, 2, 2) + 1, m.tensor([[[[[v, 0.2, 0.1]]]]])
        else:
            x, g = m.arange(4.0).reshape(1, 1, 2, 2) + 1, m.tensor([[[[v, 0.2]]]])
        return m.nn.functional.grid_sample(x, g, mode=mode, padding_mode=pad, align_corners=False).item()
    for v, mode, pad, three_d in itertools.product((math.nan, math.inf, -math.inf, 7.3), MODES, PADDINGS,
                                                   (False, True)):
        if three_d and mode == "bicubic":
            continue
        theirs, ours = run(torch, v, mode, pad, three_d), run(tl, v, mode, pad, three_d)
        assert ours == pytest.approx(theirs, nan_ok=True), (v, mode, pad, three_d)
    for x, g in (((1, 2, 3, 3), (1, 0, 2, 2)), ((0, 2, 3, 3), (0, 1, 2, 2)), ((1, 0, 3, 3), (1, 1, 2, 2))):
        out = F.grid_sample(tl.ones(*x), tl.zeros(*g), align_corners=False)
        assert tuple(out.shape) == tuple(torch.nn.functional.grid_sample(torch.ones(*x), torch.zeros(*g),
                                                                          align_corners=False).shape)


def test_grid_sample_closed_forms():
    x = tl.arange(12.0, dtype=tl.float64).reshape(1, 1, 3, 4)
    # align_corners=True puts -1 and 1 at the corner pixels' centres: the identity grid reads x back
    ys, xs = np.meshgrid(np.linspace(-1, 1, 3), np.linspace(-1, 1, 4), indexing="ij")
    grid = tl.tensor(np.stack([xs, ys], -1)[None])
    for mode in MODES:
        out = F.grid_sample(x, grid, mode=mode, align_corners=True)
        np.testing.assert_allclose(out.numpy(), x.numpy(), atol=1e-12)
    # halfway between two pixels along x, bilinear gives their mean; far outside, zeros padding gives 0
    g = tl.tensor([[[[-1 + 1 / 3, -1.0], [5.0, 5.0]]]], dtype=tl.float64)
    out = F.grid_sample(x, g, align_corners=True)
    assert out.numpy().reshape(-1).tolist() == pytest.approx([0.5, 0.0])
    border = F.grid_sample(x, g, padding_mode="border", align_corners=True)
    assert border.numpy().reshape(-1)[1] == 11.0


def test_grid_sample_gradcheck_and_gradgradcheck():
    x = tl.tensor(RNG.standard_normal((1, 2, 3, 4)), requires_grad=True)
    grid = tl.tensor(RNG.uniform(-1.4, 1.4, (1, 2, 3, 2)), requires_grad=True)
    for mode, padding, align in itertools.product(MODES, PADDINGS, (False, True)):
        def f(a, g):
            return F.grid_sample(a, g, mode=mode, padding_mode=padding, align_corners=align)
        assert gradcheck(f, (x, grid))
        if mode != "nearest":
            assert gradgradcheck(f, (x, grid))
    x3 = tl.tensor(RNG.standard_normal((1, 1, 2, 3, 3)), requires_grad=True)
    g3 = tl.tensor(RNG.uniform(-1.2, 1.2, (1, 2, 1, 2, 3)), requires_grad=True)
    for padding in PADDINGS:
        assert gradcheck(lambda a, g: F.grid_sample(a, g, padding_mode=padding, align_corners=False), (x3, g3))
        assert gradgradcheck(lambda a, g: F.grid_sample(a, g, padding_mode=padding, align_corners=False), (x3, g3))


@requires_torch
@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
def test_grid_sample_double_backward_matches_torch(mode, torch_ref):
    torch = torch_ref
    x, g, w = RNG.standard_normal((1, 2, 3, 4)), RNG.uniform(-1.3, 1.3, (1, 2, 3, 2)), RNG.standard_normal((1, 2, 2, 3))
    for padding, align in itertools.product(PADDINGS, (False, True)):
        results = []
        for m in (torch, tl):
            a, b = m.tensor(x, requires_grad=True), m.tensor(g, requires_grad=True)
            out = m.nn.functional.grid_sample(a, b, mode=mode, padding_mode=padding, align_corners=align)
            ga, gb = m.autograd.grad((out * m.tensor(w)).sum(), (a, b), create_graph=True)
            results.append([t.detach().numpy() for t in m.autograd.grad((ga ** 2).sum() + (gb ** 3).sum(), (a, b))])
        for ours, theirs in zip(results[1], results[0]):
            np.testing.assert_allclose(ours, theirs, atol=1e-10)


def test_grid_sample_grad_fn_names_and_no_forward_ad():
    x = tl.randn(1, 1, 3, 3, requires_grad=True)
    g = tl.rand(1, 2, 2, 2) * 2 - 1
    assert type(F.grid_sample(x, g, align_corners=False).grad_fn).__name__ == "GridSampler2DBackward0"
    x3 = tl.randn(1, 1, 2, 2, 2, requires_grad=True)
    assert type(F.grid_sample(x3, tl.zeros(1, 1, 1, 1, 3), align_corners=False).grad_fn).__name__ == \
        "GridSampler3DBackward0"
    import torchless.autograd.forward_ad as fwAD
    with fwAD.dual_level():
        dual = fwAD.make_dual(x.detach(), tl.ones_like(x))
        with pytest.raises(NotImplementedError):
            F.grid_sample(dual, g, align_corners=False)


@requires_torch
def test_grid_sample_errors_match_torch(torch_ref):
    torch = torch_ref
    cases = [
        lambda m: m.nn.functional.grid_sample(m.zeros(1, 1, 3, 3), m.zeros(1, 2, 2, 2, dtype=m.float64),
                                              align_corners=False),
        lambda m: m.nn.functional.grid_sample(m.zeros(1, 1, 3, 3), m.zeros(2, 2, 2, 2), align_corners=False),
        lambda m: m.nn.functional.grid_sample(m.zeros(1, 1, 3, 3), m.zeros(1, 2, 2, 3), align_corners=False),
        lambda m: m.nn.functional.grid_sample(m.zeros(1, 1, 0, 3), m.zeros(1, 2, 2, 2), align_corners=False),
        lambda m: m.nn.functional.grid_sample(m.zeros(1, 1, 3, 3, 3), m.zeros(1, 2, 2, 2, 3), mode="bicubic",
                                              align_corners=False),
        lambda m: m.nn.functional.grid_sample(m.zeros(1, 1, 3, 3), m.zeros(1, 2, 2, 2), mode="linear"),
        lambda m: m.nn.functional.grid_sample(m.zeros(1, 1, 3, 3), m.zeros(1, 2, 2, 2), padding_mode="wrap"),
        lambda m: m.nn.functional.grid_sample(m.zeros(1, 1, 3, 3, dtype=m.int64), m.zeros(1, 2, 2, 2, dtype=m.int64),
                                              align_corners=False),
        lambda m: m.grid_sampler_2d(m.zeros(1, 1, 3, 3, 3), m.zeros(1, 2, 2, 2, 3), 0, 0, False),
        lambda m: m.grid_sampler_2d(m.zeros(1, 1, 3, 3), m.zeros(1, 2, 2, 2), "bilinear", 0, False),
    ]
    for case in cases:
        with pytest.raises(Exception) as theirs:
            case(torch)
        with pytest.raises(Exception) as ours:
            case(tl)
        assert type(ours.value) is type(theirs.value), (str(theirs.value), str(ours.value))


def test_grid_sample_align_corners_none_warns():
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        F.grid_sample(tl.zeros(1, 1, 2, 2), tl.zeros(1, 1, 1, 2))


# ============================================================================ affine_grid
@requires_torch
@pytest.mark.parametrize("size,align", [((2, 3, 4, 5), False), ((2, 3, 4, 5), True), ((1, 1, 1, 3), False),
                                        ((2, 1, 2, 3, 4), False), ((2, 1, 2, 3, 4), True)])
def test_affine_grid_matches_torch(size, align):
    import torch
    theta = RNG.standard_normal((size[0], len(size) - 2, len(size) - 1))
    _same(torch, lambda t: F.affine_grid(t, size, align_corners=align),
          lambda t: torch.nn.functional.affine_grid(t, size, align_corners=align), [theta])


def test_affine_grid_identity_gradcheck_and_jvp():
    theta = tl.tensor([[[1.0, 0, 0], [0, 1.0, 0]]], dtype=tl.float64)
    grid = F.affine_grid(theta, (1, 1, 2, 3), align_corners=True)
    np.testing.assert_allclose(grid[0, :, :, 0].numpy(), [[-1, 0, 1], [-1, 0, 1]])
    np.testing.assert_allclose(grid[0, :, :, 1].numpy(), [[-1, -1, -1], [1, 1, 1]])
    th = tl.tensor(RNG.standard_normal((2, 3, 4)), requires_grad=True)
    assert gradcheck(lambda t: F.affine_grid(t, (2, 1, 2, 2, 3), align_corners=False), (th,))
    assert gradgradcheck(lambda t: F.affine_grid(t, (2, 1, 2, 2, 3), align_corners=False), (th,))
    assert type(F.affine_grid(th, (2, 1, 2, 2, 3), align_corners=False).grad_fn).__name__ == \
        "AffineGridGeneratorBackward0"
    import torchless.autograd.forward_ad as fwAD
    tangent = tl.tensor(RNG.standard_normal((2, 3, 4)))
    with fwAD.dual_level():
        out = F.affine_grid(fwAD.make_dual(th.detach(), tangent), (2, 1, 2, 2, 3), align_corners=False)
        jvp = fwAD.unpack_dual(out).tangent
    np.testing.assert_allclose(jvp.numpy(), F.affine_grid(tangent, (2, 1, 2, 2, 3), align_corners=False).numpy())


@requires_torch
def test_affine_grid_errors_match_torch(torch_ref):
    torch = torch_ref
    cases = [
        lambda m: m.nn.functional.affine_grid(m.zeros(1, 2, 3), (1, 1, 2, 2, 2), align_corners=False),
        lambda m: m.nn.functional.affine_grid(m.zeros(2, 3), (1, 1, 2, 2), align_corners=False),
        lambda m: m.nn.functional.affine_grid(m.zeros(1, 2, 3), (1, 1, 2), align_corners=False),
        lambda m: m.nn.functional.affine_grid(m.zeros(1, 2, 3, dtype=m.int64), (1, 1, 2, 2), align_corners=False),
        lambda m: m.nn.functional.affine_grid(m.zeros(2, 2, 3), (1, 1, 2, 2), align_corners=False),
    ]
    for case in cases:
        with pytest.raises(Exception) as theirs:
            case(torch)
        with pytest.raises(Exception) as ours:
            case(tl)
        assert type(ours.value) is type(theirs.value), (str(theirs.value), str(ours.value))


# ============================================================================ ctc_loss
def _ctc_brute(lp, target, blank):
    """-log Σ over every path of length T that collapses to target of Π p: by enumeration."""
    T, C = lp.shape
    total = 0.0
    for path in itertools.product(range(C), repeat=T):
        collapsed = []
        prev = None
        for c in path:
            if c != prev and c != blank:
                collapsed.append(c)
            prev = c
        if collapsed == list(target):
            total += math.exp(sum(lp[t, c] for t, c in enumerate(path)))
    return -math.log(total) if total else math.inf


def test_ctc_loss_against_enumerating_every_alignment():
    logits = RNG.standard_normal((5, 3, 3))
    lp = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    targets = [[1, 2], [1, 1], [2]]
    padded = tl.tensor([[1, 2], [1, 1], [2, 0]])
    out = F.ctc_loss(tl.tensor(lp), padded, (5, 4, 3), (2, 2, 1), reduction="none")
    expected = [_ctc_brute(lp[:5, 0], targets[0], 0), _ctc_brute(lp[:4, 1], targets[1], 0),
                _ctc_brute(lp[:3, 2], targets[2], 0)]
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12)
    # blank elsewhere, and an input too short for its target (1, 1 needs 3 frames): inf
    out = F.ctc_loss(tl.tensor(lp), tl.tensor([[0, 1], [0, 0], [1, 1]]), (4, 5, 2), (2, 1, 2), blank=2,
                     reduction="none")
    np.testing.assert_allclose(out.numpy()[:2], [_ctc_brute(lp[:4, 0], [0, 1], 2), _ctc_brute(lp[:5, 1], [0], 2)],
                               rtol=1e-12)
    assert out.numpy()[2] == math.inf


@requires_torch
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("zero_infinity", [False, True])
@pytest.mark.parametrize("as_tensors", [False, True])
def test_ctc_loss_matches_torch(reduction, zero_infinity, as_tensors):
    import torch
    T, N, C = 12, 4, 5
    logits = RNG.standard_normal((T, N, C))
    targets = RNG.integers(1, C, (N, 6))
    in_lens = [12, 10, 3, 12]  # the third is too short for 5 labels: an infinite loss
    tgt_lens = [6, 4, 5, 0]
    for concatenated in (False, True):
        tg = np.concatenate([targets[n, :tgt_lens[n]] for n in range(N)]) if concatenated else targets

        def run(m, x):
            lengths = (m.tensor(in_lens), m.tensor(tgt_lens)) if as_tensors else (tuple(in_lens), tuple(tgt_lens))
            return m.nn.functional.ctc_loss(x.log_softmax(2), m.tensor(tg), *lengths, reduction=reduction,
                                            zero_infinity=zero_infinity)
        if not zero_infinity and reduction != "none":  # an infinite loss: compare the values only
            _same(torch, lambda x: run(tl, x), lambda x: run(torch, x), [logits], grad=False)
            continue
        _same(torch, lambda x: run(tl, x), lambda x: run(torch, x), [logits], atol=1e-9)


@requires_torch
def test_ctc_loss_gradient_is_pytorchs_convention(torch_ref):
    torch = torch_ref
    lp = np.log(RNG.dirichlet(np.ones(4), (6, 2)))
    targets = np.array([[1, 2, 1], [3, 3, 0]])
    ours = tl.tensor(lp, requires_grad=True)
    theirs = torch.tensor(lp, requires_grad=True)
    F.ctc_loss(ours, tl.tensor(targets), (6, 5), (3, 2), reduction="sum").backward()
    torch.nn.functional.ctc_loss(theirs, torch.tensor(targets), (6, 5), (3, 2), reduction="sum").backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), atol=1e-12)
    assert np.all(ours.grad.numpy()[5, 1] == 0)  # frames past the input length
    # the convention: the gradient through the log_softmax that made the log-probabilities is the true one
    x = tl.tensor(RNG.standard_normal((6, 2, 4)), requires_grad=True)
    assert gradcheck(lambda x: F.ctc_loss(x.log_softmax(2), tl.tensor(targets), (6, 5), (3, 2), reduction="none"),
                     (x,))
    assert gradcheck(lambda x: F.ctc_loss(x.log_softmax(1), tl.tensor([1, 2]), (6,), (2,)), (x[:, 0].detach()
                                                                                              .requires_grad_(),))


@requires_torch
def test_ctc_loss_unbatched_grad_fns_and_module(torch_ref):
    torch = torch_ref
    logits = RNG.standard_normal((7, 5))
    for reduction in ("none", "mean", "sum"):
        _same(torch, lambda x: F.ctc_loss(x.log_softmax(1), tl.tensor([1, 3, 3]), (7,), (3,), reduction=reduction),
              lambda x: torch.nn.functional.ctc_loss(x.log_softmax(1), torch.tensor([1, 3, 3]), (7,), (3,),
                                                     reduction=reduction), [logits])
    x = tl.tensor(RNG.standard_normal((5, 2, 4))).log_softmax(2).detach().requires_grad_()
    t = tl.tensor([[1, 2], [1, 1]])
    names = {(r, z): type(F.ctc_loss(x, t, (5, 5), (2, 2), reduction=r, zero_infinity=z).grad_fn).__name__
             for r in ("none", "mean", "sum") for z in (False, True)}
    assert names == {("none", False): "CtcLossBackward0", ("none", True): "WhereBackward0",
                     ("mean", False): "MeanBackward0", ("mean", True): "MeanBackward0",
                     ("sum", False): "SumBackward0", ("sum", True): "SumBackward0"}
    loss = nn.CTCLoss(blank=0, reduction="sum", zero_infinity=True)
    assert repr(loss) == "CTCLoss()"
    np.testing.assert_allclose(loss(x, t, tl.tensor([5, 5]), tl.tensor([2, 2])).item(),
                               F.ctc_loss(x, t, (5, 5), (2, 2), reduction="sum").item())
    np.testing.assert_allclose(tl.ctc_loss(x, t, (5, 5), (2, 2), 0, 2, False).item(),
                               F.ctc_loss(x, t, (5, 5), (2, 2), reduction="sum").item())
    g, = tl.autograd.grad(F.ctc_loss(x, t, (5, 5), (2, 2)), x, create_graph=True)
    with pytest.raises(RuntimeError, match="_ctc_loss_backward is not implemented"):
        g.sum().backward()


@requires_torch
def test_ctc_loss_errors_match_torch(torch_ref):
    torch = torch_ref

    def lp(m):
        return m.zeros(5, 2, 4).log_softmax(2)
    cases = [
        lambda m: m.nn.functional.ctc_loss(lp(m), m.tensor([[1, 2], [1, 1]]), [6, 5], [2, 2]),
        lambda m: m.nn.functional.ctc_loss(lp(m), m.tensor([[1, 2], [1, 1]]), [5, 5], [3, 2]),
        lambda m: m.nn.functional.ctc_loss(lp(m), m.tensor([[1, 2], [1, 1]]), [5], [2, 2]),
        lambda m: m.nn.functional.ctc_loss(lp(m), m.tensor([[1, 2], [1, 1]]), [5, 5], [2]),
        lambda m: m.nn.functional.ctc_loss(lp(m), m.tensor([[1, 2], [1, 1]]), [5, 5], [2, 2], blank=4),
        lambda m: m.nn.functional.ctc_loss(lp(m), m.tensor([[1, 2], [1, 1]]), [5, 5], [2, 2], reduction="avg"),
        lambda m: m.nn.functional.ctc_loss(lp(m), m.tensor([1, 2, 1, 1]), [5, 5], [2, 3]),
        lambda m: m.nn.functional.ctc_loss(lp(m), m.tensor([[1, 2], [1, 1]]), [5, 5], [-1, 2]),
        lambda m: m.nn.functional.ctc_loss(lp(m), m.tensor([[1, 2], [1, 1]]), m.tensor([5, 5]), [2, 2]),
        lambda m: m.nn.functional.ctc_loss(lp(m).long(), m.tensor([[1, 2], [1, 1]]), [5, 5], [2, 2]),
        lambda m: m.nn.functional.ctc_loss(lp(m), m.tensor([[1, 2], [1, 1]]), 5, 2),
        lambda m: m.nn.functional.ctc_loss(m.zeros(0, 2, 3), m.tensor([[1], [1]]), (0, 0), (0, 1)),
    ]
    for case in cases:
        with pytest.raises(Exception) as theirs:
            case(torch)
        with pytest.raises(Exception) as ours:
            case(tl)
        assert type(ours.value) is type(theirs.value), (str(theirs.value), str(ours.value))


# ============================================================================ linear_cross_entropy
@requires_torch
@pytest.mark.parametrize("kwargs", [{}, {"reduction": "none"}, {"reduction": "sum", "label_smoothing": 0.2},
                                    {"ignore_index": 1}, {"with_bias": True, "weighted": True}])
def test_linear_cross_entropy_matches_torch(kwargs):
    import torch
    kwargs = dict(kwargs)
    with_bias = kwargs.pop("with_bias", False)
    weighted = kwargs.pop("weighted", False)
    x, w, b, cw = (RNG.standard_normal((6, 4)), RNG.standard_normal((3, 4)), RNG.standard_normal(3),
                   RNG.uniform(0.5, 2, 3))
    target = RNG.integers(0, 3, 6)

    def run(m, x, w, b=None):
        extra = {"linear_bias": b} if with_bias else {}
        if weighted:
            extra["weight"] = m.tensor(cw)
        return m.nn.functional.linear_cross_entropy(x, w, m.tensor(target), **extra, **kwargs)
    _same(torch, lambda *a: run(tl, *a), lambda *a: run(torch, *a), [x, w, b] if with_bias else [x, w],
          atol=1e-10)


@requires_torch
def test_linear_cross_entropy_k_dimensional_probabilities_and_errors(torch_ref):
    torch = torch_ref
    x, w, b = RNG.standard_normal((4, 3)), RNG.standard_normal((2, 5, 3)), RNG.standard_normal((2, 5))
    target = RNG.integers(0, 2, (4, 5))
    _same(torch, lambda x, w, b: F.linear_cross_entropy(x, w, tl.tensor(target), linear_bias=b),
          lambda x, w, b: torch.nn.functional.linear_cross_entropy(x, w, torch.tensor(target), linear_bias=b),
          [x, w, b])
    probs = RNG.dirichlet(np.ones(3), 4)
    _same(torch, lambda x, w, p: F.linear_cross_entropy(x, w, p), lambda x, w, p:
          torch.nn.functional.linear_cross_entropy(x, w, p), [x, RNG.standard_normal((3, 3)), probs])
    xt = tl.tensor(x, requires_grad=True)
    wt = tl.tensor(RNG.standard_normal((3, 3)), requires_grad=True)
    assert gradcheck(lambda x, w: F.linear_cross_entropy(x, w, tl.tensor([0, 2, 1, 1])), (xt, wt))
    assert gradgradcheck(lambda x, w: F.linear_cross_entropy(x, w, tl.tensor([0, 2, 1, 1])), (xt, wt))
    for m in (torch, tl):
        for bad in (lambda: m.nn.functional.linear_cross_entropy(m.zeros(2, 2, 3), m.zeros(4, 3), m.zeros(2).long()),
                    lambda: m.nn.functional.linear_cross_entropy(m.zeros(3), m.zeros(4), m.zeros(()).long()),
                    lambda: m.nn.functional.linear_cross_entropy(m.zeros(2, 3), m.zeros(4, 2), m.zeros(2).long()),
                    lambda: m.nn.functional.linear_cross_entropy(m.zeros(2, 3), m.zeros(4, 3), m.zeros(2, 4),
                                                                 ignore_index=1),
                    lambda: m.nn.functional.linear_cross_entropy(m.zeros(3), m.zeros(2, 4, 3), m.zeros(4).long()),
                    lambda: m.nn.functional.linear_cross_entropy(m.zeros(2, 3), m.zeros(2, 3), m.zeros(2).long(),
                                                                 linear_bias=m.zeros(3))):
            with pytest.raises(RuntimeError):
                bad()


@requires_torch
def test_linear_cross_entropy_loss_module(torch_ref):
    torch = torch_ref
    kwargs = dict(out_features=(2,), bias=True, dtype=None, label_smoothing=0.1, ignore_index=1)
    ours, theirs = nn.LinearCrossEntropyLoss(3, 4, **kwargs), torch.nn.LinearCrossEntropyLoss(3, 4, **kwargs)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    x = RNG.standard_normal((5, 3)).astype("float32")
    target = RNG.integers(0, 4, (5, 2))
    np.testing.assert_allclose(ours(tl.tensor(x), tl.tensor(target)).item(),
                               theirs(torch.tensor(x), torch.tensor(target)).item(), rtol=1e-5)
    assert repr(nn.LinearCrossEntropyOptions()) == repr(torch.nn.LinearCrossEntropyOptions())
    for bad in (lambda m: m.nn.LinearCrossEntropyLoss(3, 2, weight=m.ones(3)),
                lambda m: m.nn.LinearCrossEntropyLoss(3, 2, label_smoothing=2.0),
                lambda m: m.nn.functional.cross_entropy(m.zeros(4, 2), m.zeros(5, 2))):
        with pytest.raises(Exception) as t_err:
            bad(torch)
        with pytest.raises(Exception) as o_err:
            bad(tl)
        assert type(o_err.value) is type(t_err.value)
