"""vmap over the breadth ops (issue 12, round 3): every rule with a batching kind runs batched.

For each case below, vmap(f) over a few examples must equal the per-example loop (values, dtypes,
shapes) without falling back to the loop, and per-example gradients (vmap of grad) must equal the
loop's where the op is differentiable. The cases together record every rule that declares one of the
kinds these ops use (a coverage test walks their graphs); the rules that still run per example are
declared "loop" with a reason, and their count may not grow. A sample is compared with torch.vmap.
"""
import importlib
import pkgutil

import numpy as np
import pytest

import torchless
import torchless.nn.functional as F
from torchless.func import batching as _batching
from torchless.func import grad, vmap
from torchless.ops._rule import Rule

pytestmark = pytest.mark.filterwarnings("ignore:There is a performance drop")

B = 3
D = torchless.float64


def _rand(*shape, seed=0, dtype=D):
    rng = np.random.default_rng(seed + 7 * len(shape) + sum(shape))
    return torchless.tensor(rng.standard_normal(shape), dtype=dtype)


def _spd(n, seed=0):
    """B symmetric positive-definite n x n matrices."""
    a = _rand(B, n, n, seed=seed)
    return a @ a.mT + n * torchless.eye(n, dtype=D)


def _index(*values):
    return torchless.tensor(values, dtype=torchless.int64)


# name -> (f, batched inputs (dim 0 is the batch), inputs every example shares, whether to check grads)
CASES = {}


def case(name, f, batched, shared=(), grads=True):
    CASES[name] = (f, tuple(batched), tuple(shared), grads)


W = _rand(4, 2, 3, 3, seed=1)
W1 = _rand(4, 2, 3, seed=2)
W3 = _rand(4, 2, 2, 2, 2, seed=3)
IMG = _rand(B, 2, 2, 6, 6, seed=4)          # each example (N=2, C=2, 6, 6)
IMG_C = _rand(B, 2, 6, 6, seed=5)           # each example (C=2, 6, 6), no N
VOL = _rand(B, 2, 2, 4, 4, 4, seed=6)
SEQ = _rand(B, 2, 2, 8, seed=7)
M = _rand(B, 4, 5, seed=8)
SQ = _spd(4, seed=9)
VEC = _rand(B, 4, seed=10)

# ---------------------------------------------------------------- batch_first: convolution, pooling, norms
case("conv1d", lambda x, w: F.conv1d(x, w, padding=1), [SEQ], [W1])
case("conv2d", lambda x, w: F.conv2d(x, w, stride=2), [IMG], [W])
case("conv2d_no_n", lambda x, w: F.conv2d(x, w), [IMG_C], [W])
case("conv3d", lambda x, w: F.conv3d(x, w), [VOL], [W3])
case("conv_transpose2d", lambda x, w: F.conv_transpose2d(x, w.transpose(0, 1)), [IMG], [W])
case("max_pool1d", lambda x: F.max_pool1d(x, 2), [SEQ])
case("max_pool2d", lambda x: F.max_pool2d(x, 3, 2, 1), [IMG])
case("max_pool2d_no_n", lambda x: F.max_pool2d(x, 2), [IMG_C])
case("max_pool3d", lambda x: F.max_pool3d(x, 2), [VOL])
case("max_pool2d_indices", lambda x: F.max_pool2d(x, 2, return_indices=True), [IMG])
case("avg_pool1d", lambda x: F.avg_pool1d(x, 2), [SEQ])
case("avg_pool2d", lambda x: F.avg_pool2d(x, 2, padding=1, count_include_pad=False), [IMG])
case("avg_pool3d", lambda x: F.avg_pool3d(x, 2), [VOL])
case("adaptive_avg_pool2d", lambda x: F.adaptive_avg_pool2d(x, (4, 3)), [IMG])
case("adaptive_avg_pool3d", lambda x: F.adaptive_avg_pool3d(x, 3), [VOL])
case("adaptive_max_pool2d", lambda x: F.adaptive_max_pool2d(x, 4), [IMG])
case("adaptive_max_pool3d", lambda x: F.adaptive_max_pool3d(x, 3, return_indices=True), [VOL])
case("lp_pool2d", lambda x: F.lp_pool2d(x, 2, 2), [IMG])
case("max_unpool2d", lambda x: F.max_unpool2d(*F.max_pool2d(x, 2, return_indices=True), 2), [IMG])
case("max_unpool3d", lambda x: F.max_unpool3d(*F.max_pool3d(x, 2, return_indices=True), 2), [VOL])
case("group_norm", lambda x, w: F.group_norm(x, 2, w[0, 0, 0, :2], w[1, 0, 0, :2]), [IMG], [W])
case("instance_norm", lambda x: F.instance_norm(x), [IMG])
case("instance_norm_eval", lambda x: F.instance_norm(x, torchless.zeros(2, dtype=D), torchless.ones(2, dtype=D),
                                                     use_input_stats=False), [IMG])
case("batch_norm_train", lambda x, w: F.batch_norm(x, None, None, w[0, 0, 0, :2], w[1, 0, 0, :2], training=True),
     [IMG], [W])
case("batch_norm_eval", lambda x: F.batch_norm(x, torchless.zeros(2, dtype=D), torchless.ones(2, dtype=D),
                                               training=False), [IMG])
case("local_response_norm", lambda x: F.local_response_norm(x, 2), [IMG])
case("interpolate", lambda x: F.interpolate(x, scale_factor=2, mode="bilinear"), [IMG])
# (interpolate makes one rule per mode and rank on first use: every one is a case here)
for _mode, _x in (("nearest", IMG), ("nearest-exact", IMG), ("bicubic", IMG), ("linear", SEQ), ("trilinear", VOL),
                  ("nearest", SEQ), ("nearest-exact", SEQ), ("nearest", VOL), ("nearest-exact", VOL)):
    case(f"interpolate_{_mode}_{_x.ndim - 3}d", lambda x, _mode=_mode: F.interpolate(x, scale_factor=2, mode=_mode), [_x])
case("grid_sample", lambda x, g: F.grid_sample(x, g, align_corners=False), [IMG, _rand(B, 2, 3, 5, 2, seed=12)])
case("grid_sample_3d", lambda x, g: F.grid_sample(x, g, align_corners=True), [VOL, _rand(B, 2, 2, 3, 2, 3, seed=13)])
case("interpolate_antialias", lambda x: F.interpolate(x, scale_factor=0.5, mode="bilinear", antialias=True), [IMG])
case("channel_shuffle", lambda x: F.channel_shuffle(x, 2), [IMG])
case("unfold", lambda x: F.unfold(x, 2), [IMG_C])
case("fold", lambda x: F.fold(x, (3, 3), 2), [_rand(B, 8, 4, seed=11)])
case("pad_reflect", lambda x: F.pad(x, (1, 2), mode="reflect"), [SEQ])
case("pad_replicate", lambda x: F.pad(x, (1, 1, 2, 0), mode="replicate"), [IMG])
case("pad_circular", lambda x: F.pad(x, (1, 1), mode="circular"), [SEQ])
case("pad_reflect_2d", lambda x: F.pad(x, (1, 2, 2, 1), mode="reflect"), [IMG_C])
case("pad_reflect_3d", lambda x: F.pad(x, (1, 1, 1, 1, 1, 1), mode="reflect"), [VOL])
case("pad_replicate_1d", lambda x: F.pad(x, (2, 1), mode="replicate"), [SEQ])
case("pad_replicate_3d", lambda x: F.pad(x, (1, 0, 0, 1, 1, 1), mode="replicate"), [VOL])
case("prelu", lambda x, w: F.prelu(x, w[0, 0, 0, :2]), [IMG], [W])
case("multi_margin_loss", lambda x: F.multi_margin_loss(x, _index(1, 0, 4, 2)), [M])
case("multilabel_margin_loss", lambda x: F.multilabel_margin_loss(
    x, torchless.tensor([[1, 2, -1, 0, 0]] * 4)), [M])

# ---------------------------------------------------------------- batch_dims: linalg, fft, dims, indices
case("det", torchless.linalg.det, [SQ])
case("det_method", lambda a: a.det(), [SQ])
case("slogdet", torchless.linalg.slogdet, [SQ])
case("inv", torchless.linalg.inv, [SQ])
case("inv_ex", torchless.linalg.inv_ex, [SQ], grads=False)
case("solve", torchless.linalg.solve, [SQ, _rand(B, 4, 2, seed=12)])
case("solve_vector", torchless.linalg.solve, [SQ, VEC])
case("solve_shared", torchless.linalg.solve, [SQ], [_rand(4, 2, seed=13)])
case("solve_triangular", lambda a, b: torchless.linalg.solve_triangular(a.tril(), b, upper=False),
     [SQ, _rand(B, 4, 2, seed=14)])
case("cholesky", torchless.linalg.cholesky, [SQ])
case("cholesky_ex", lambda a: torchless.linalg.cholesky_ex(a)[0], [SQ])
case("cholesky_solve", lambda b, a: torchless.cholesky_solve(b, torchless.linalg.cholesky(a)),
     [_rand(B, 4, 2, seed=15), SQ])
case("cholesky_inverse", lambda a: torchless.cholesky_inverse(torchless.linalg.cholesky(a)), [SQ])
case("qr", torchless.linalg.qr, [M])
case("eigh", lambda a: torchless.linalg.eigh(a)[0], [SQ])
case("eig", lambda a: torchless.linalg.eigvals(a), [SQ], grads=False)
case("svd", lambda a: torchless.linalg.svd(a, full_matrices=False)[1], [M])
case("svd_uv", lambda a: torchless.linalg.svd(a, full_matrices=False)[0].abs(), [M])
case("pinv", torchless.linalg.pinv, [M])
case("matrix_exp", torchless.linalg.matrix_exp, [M[:, :, :4] * 0.3])
case("matrix_power", lambda a: torchless.linalg.matrix_power(a, 3), [SQ * 0.1])
case("matrix_norm", lambda a: torchless.linalg.matrix_norm(a, dim=(0, 1)), [M])
case("lu_factor", lambda a: torchless.linalg.lu_factor(a)[0], [SQ])
case("lu", lambda a: torchless.linalg.lu(a)[2], [SQ])
case("lu_solve", lambda a, b: torchless.linalg.lu_solve(*torchless.linalg.lu_factor(a), b),
     [SQ, _rand(B, 4, 2, seed=16)])
case("linalg_cross", lambda a, b: torchless.linalg.cross(a, b, dim=0),
     [_rand(B, 3, 4, seed=17), _rand(B, 3, 4, seed=18)])
case("fft", lambda x: torchless.fft.fft(x, dim=0), [M])
case("fft_n", lambda x: torchless.fft.fft(x, n=7), [M])
case("fft_cut", lambda x: torchless.fft.ifft(x, n=3), [M])
case("fftn", torchless.fft.fftn, [M])
case("fft_complex", lambda x: torchless.fft.ifft(torchless.fft.fft(x), dim=0), [M])
case("fftn_s", lambda x: torchless.fft.fftn(x, s=(3,)), [M])
case("rfft2", torchless.fft.rfft2, [M])
case("irfft", torchless.fft.irfft, [M])
case("hfft", torchless.fft.hfft, [M])
case("fftshift", torchless.fft.fftshift, [M])
case("topk", lambda x: x.topk(2, 0), [M])
case("topk_function", lambda x: torchless.topk(x, 3), [M])
case("kthvalue", lambda x: torchless.kthvalue(x, 2, dim=0), [M])
case("index_add", lambda x, s: x.index_add(1, _index(0, 2), s), [M, _rand(B, 4, 2, seed=19)])
case("index_copy", lambda x, s: x.index_copy(0, _index(3, 1), s), [M, _rand(B, 2, 5, seed=20)])
case("index_fill", lambda x: x.index_fill(1, _index(0, 4), -1.0), [M])
case("index_fill_tensor", lambda x, v: x.index_fill(1, _index(0, 4), v), [M], [torchless.tensor(2.0, dtype=D)])
case("index_reduce", lambda x, s: x.index_reduce(0, _index(0, 0, 2), s, "amax"), [M, _rand(B, 3, 5, seed=21)])
case("scatter", lambda x, s: x.scatter(1, _index([0, 1], [2, 3], [4, 0], [1, 1]), s), [M, _rand(B, 4, 2, seed=22)])
case("scatter_value", lambda x: x.scatter(1, _index([0], [2], [4], [1]), 5.0), [M])
case("scatter_reduce_arg", lambda x: x.scatter(1, _index([0], [2], [4], [1]), 2.0, reduce="multiply"), [M],
     grads=False)
case("scatter_add", lambda x, s: x.scatter_add(0, _index([0, 1, 2, 3, 0]), s), [M, _rand(B, 1, 5, seed=23)])
case("scatter_reduce", lambda x, s: x.scatter_reduce(1, _index([0, 1], [2, 3], [4, 0], [1, 1]), s, "sum"),
     [M, _rand(B, 4, 2, seed=24)])
case("select_scatter", lambda x, s: x.select_scatter(s, 1, 2), [M, VEC])
case("slice_scatter", lambda x, s: x.slice_scatter(s, 1, 1, 3), [M, _rand(B, 4, 2, seed=25)])
case("diagonal_scatter", lambda x, s: x.diagonal_scatter(s, 1), [M, VEC])
case("detach_copy", lambda x: torchless.detach_copy(x) * x, [M], grads=False)
case("glu", lambda x: F.glu(x, 0), [M])
case("cdist", torchless.cdist, [M, _rand(B, 3, 5, seed=26)])
case("layer_norm", lambda x, w: F.layer_norm(x, (5,), w[0], w[1]), [M], [_rand(2, 5, seed=27)])
case("layer_norm_2d", lambda x: F.layer_norm(x, (4, 5)), [M])
case("rms_norm", lambda x: F.rms_norm(x, (5,)), [M])
case("embedding", lambda i, w: F.embedding(i, w), [torchless.tensor([[0, 2], [1, 1], [3, 0]])],
     [_rand(4, 3, seed=28)])
case("pixel_shuffle", lambda x: F.pixel_shuffle(x, 2), [_rand(B, 8, 2, 3, seed=29)])
case("pixel_unshuffle", lambda x: F.pixel_unshuffle(x, 2), [IMG])
case("pad_constant", lambda x: F.pad(x, (1, 2, 0, 1), value=0.5), [M])
case("einsum", lambda a, b: torchless.einsum("ij,kj->ik", a, b), [M, _rand(B, 3, 5, seed=30)])
case("einsum_shared_implicit", lambda a, b: torchless.einsum("ij,jk", a, b), [M], [_rand(5, 2, seed=31)])
case("einsum_ellipsis", lambda a: torchless.einsum("...i->...", a), [M])

# ---------------------------------------------------------------- rules of their own
case("take", lambda x: x.take(_index([0, -1], [7, 3])), [M])
case("put", lambda x, s: x.put(_index(0, -1, 7), s), [M, _rand(B, 3, seed=32)])
case("put_accumulate", lambda x, s: x.put(_index(1, 1), s, accumulate=True), [M, _rand(B, 2, seed=33)])
case("index_put", lambda x, v: x.index_put((_index(0, 2), _index(1, 4)), v), [M, _rand(B, 2, seed=34)])
case("index_put_shared", lambda x: x.index_put((_index(3),), torchless.tensor(7.0, dtype=D)), [M])
case("masked_select_shared_mask", lambda x: x.masked_select(torchless.arange(20).reshape(4, 5) % 3 == 0), [M])
case("masked_scatter", lambda x, s: x.masked_scatter(torchless.arange(20).reshape(4, 5) % 3 == 0, s),
     [M, _rand(B, 9, seed=35)])
case("setitem", lambda x, v: _set(x, (slice(1, 3), 0), v), [M, _rand(B, 2, seed=36)])
case("setitem_number", lambda x: _set(x, (0, _index(1, 3)), 2.0), [M])
case("renorm", lambda x: x.renorm(2, 0, 1.0), [M])
case("dist", lambda a, b: a.dist(b, 3), [M, _rand(B, 4, 5, seed=37)])
case("vdot", torchless.vdot, [VEC, _rand(B, 4, seed=38)])
case("addmm", lambda c, a, b: torchless.addmm(c, a, b, beta=0.5, alpha=2), [_rand(B, 4, 2, seed=39), M],
     [_rand(5, 2, seed=40)])
case("addmm_method", lambda c, a: c.addmm(a, a.mT), [_rand(B, 4, 4, seed=41), M])
case("addmv", lambda c, a, v: torchless.addmv(c, a, v), [VEC, M, _rand(B, 5, seed=42)])
case("addr", lambda c, a, b: torchless.addr(c, a, b, beta=0), [M, VEC, _rand(B, 5, seed=43)])
case("baddbmm", lambda c, a, b: torchless.baddbmm(c, a, b), [_rand(B, 2, 4, 3, seed=44), _rand(B, 2, 4, 5, seed=45),
                                                            _rand(B, 2, 5, 3, seed=46)])
case("addbmm", lambda c, a, b: torchless.addbmm(c, a, b), [_rand(B, 4, 3, seed=47), _rand(B, 2, 4, 5, seed=48)],
     [_rand(2, 5, 3, seed=49)])
case("block_diag", lambda a, b: torchless.block_diag(a, b, torchless.tensor(1.0, dtype=D)), [M, VEC])
case("rrelu_eval", lambda x: F.rrelu(x), [M])
case("fill_tensor", lambda x, v: x.clone().fill_(v) * x, [M, _rand(B, seed=50)])
case("trace", lambda x: x.trace(), [SQ])
case("unfold_method", lambda x: x.unfold(1, 2, 1), [M])


def _set(x, key, value):
    y = x.clone()
    y[key] = value
    return y


def _loop(f, batched, shared):
    outs = [f(*[x[i] for x in batched], *shared) for i in range(B)]
    if isinstance(outs[0], tuple):
        return tuple(torchless.stack([o[k] for o in outs]) for k in range(len(outs[0])))
    return torchless.stack(outs)


def _same(got, want):
    got = got if isinstance(got, tuple) else (got,)
    want = want if isinstance(want, tuple) else (want,)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert tuple(g.shape) == tuple(w.shape) and g.dtype == w.dtype, (g.shape, w.shape, g.dtype, w.dtype)
        np.testing.assert_allclose(g.detach().numpy(), w.detach().numpy(), rtol=1e-9, atol=1e-10)


def _vmapped(f, batched, shared):
    return vmap(f, in_dims=(0,) * len(batched) + (None,) * len(shared))(*batched, *shared)


@pytest.mark.parametrize("name", list(CASES))
def test_vmap_runs_the_op_once_and_equals_the_loop(name):
    f, batched, shared, _ = CASES[name]
    before = _batching.fallbacks[0]
    got = _vmapped(f, batched, shared)
    assert _batching.fallbacks[0] == before, f"{name} fell back to the per-example loop"
    _same(got, _loop(f, batched, shared))


def _loss(f):
    def loss(*xs):
        out = f(*xs)
        total = 0
        for k, o in enumerate(out if isinstance(out, tuple) else (out,)):
            if o.dtype.is_complex:
                o = o.real * 0.5 + o.imag
            if o.dtype.is_floating_point:
                total = total + (o * (1.0 + 0.25 * k)).sin().sum()
        return total
    return loss


@pytest.mark.parametrize("name", [n for n, c in CASES.items() if c[3] and c[1][0].dtype.is_floating_point])
def test_per_example_gradients_equal_the_loop(name):
    f, batched, shared, _ = CASES[name]
    g = grad(_loss(f))
    before = _batching.fallbacks[0]
    got = _vmapped(g, batched, shared)
    assert _batching.fallbacks[0] == before, f"the gradient of {name} fell back to the per-example loop"
    _same(got, _loop(g, batched, shared))


# ---------------------------------------------------------------- every rule with a kind is exercised
def _all_rules():
    for info in pkgutil.iter_modules(importlib.import_module("torchless.ops").__path__):
        importlib.import_module("torchless.ops." + info.name)

    def subclasses(c):
        for s in c.__subclasses__():
            yield s
            yield from subclasses(s)
    return set(subclasses(Rule))


def _recorded(out, found):
    stack = [o.grad_fn for o in (out if isinstance(out, tuple) else (out,)) if getattr(o, "grad_fn", None)]
    while stack:
        node = stack.pop()
        if node is None or node in found:
            continue
        found.add(node)
        stack.extend(n for n, _ in getattr(node, "next_functions", ()))


# The kinds this round gave the breadth rules, and the rules of those kinds no case records: bases whose
# subclasses are the recorded nodes, and nodes that only a backward of a backward records.
NEW_KINDS = ("batch_dims", "batch_first")
NOT_RECORDED_BY_A_FORWARD = {
    "_Normalize", "_NormalizeStats", "_NormalizeBy", "_LinearRule", "_MaxPool",  # bases of the recorded rules
    "PoolAdjointBackward", "MaxPoolGatherBackward", "_PadBlock", "UnfoldBackwardBackward0",  # double backward
    "_GatherPad", "_WriteInto", "_GridSampler",  # the bases of the padding rules, of index_copy's and the scatters'
}


def test_every_rule_of_the_new_kinds_is_recorded_by_a_case():
    nodes = set()
    for name, (f, batched, shared, _) in CASES.items():
        args = [x[0].detach().requires_grad_(x.dtype.is_floating_point) for x in batched]
        args += [x.detach().requires_grad_(x.dtype.is_floating_point) for x in shared]
        _recorded(f(*args), nodes)
    recorded = {type(n).__name__ for n in nodes}
    missing = sorted(r.__name__ for r in _all_rules() if r.batching in NEW_KINDS
                     and r.__name__ not in recorded and r.__name__ not in NOT_RECORDED_BY_A_FORWARD)
    assert not missing, missing


# ---------------------------------------------------------------- what still runs per example
# Rules whose op has no batched form ("loop", each with its reason beside it in ops/). None of them may
# come back to None ("nobody looked"), and the loop list may not grow.
MAX_LOOP = 21  # 9, then the fused recurrent layers (5), fractional pooling (3), an aten-only op (1), affine_grid
# and ctc_loss (3)


def test_no_rule_is_left_without_a_kind_and_the_loop_list_does_not_grow():
    rules = _all_rules()
    unmarked = sorted(f"{r.__module__}.{r.__name__}" for r in rules if r.batching is None)
    assert not unmarked, unmarked
    loops = sorted(f"{r.__module__}.{r.__name__}" for r in rules if r.batching == "loop")
    assert len(loops) <= MAX_LOOP, loops


@pytest.mark.parametrize("f, message", [
    (lambda x: x.unique(), "aten::_unique2"),
    (lambda x: torchless.unique(x, dim=0), "aten::unique_dim"),
    (lambda x: x.unique_consecutive(), "aten::unique_consecutive"),
    (lambda x: x.nonzero(), "aten::nonzero"),
    (lambda x: torchless.masked_select(x, x > 0), "Attempted to vmap over `mask`"),
    (lambda x: F.batch_norm(x, torchless.zeros(2, dtype=D), torchless.ones(2, dtype=D), training=True),
     "running_mean or running_var"),
    (lambda x: F.instance_norm(x, torchless.zeros(2, dtype=D), torchless.ones(2, dtype=D)),
     "running_mean or running_var"),
])
def test_ops_pytorchs_vmap_refuses_raise_its_error(f, message):
    before = _batching.fallbacks[0]
    with pytest.raises(RuntimeError, match=message.replace("(", r"\(").replace("`", "`")) as info:
        vmap(f)(IMG)
    assert type(info.value) is RuntimeError and _batching.fallbacks[0] == before


def test_running_statistics_are_not_updated_by_a_refused_vmap():
    mean = torchless.zeros(2, dtype=D)
    with pytest.raises(RuntimeError):
        vmap(lambda x: F.batch_norm(x, mean, torchless.ones(2, dtype=D), training=True))(IMG)
    assert mean.abs().sum().item() == 0


def test_per_example_weights_run_per_example_and_agree():
    before = _batching.fallbacks[0]
    weights = torchless.stack([W, W * 2, W * 3])
    got = vmap(lambda x, w: F.conv2d(x, w))(IMG, weights)
    assert _batching.fallbacks[0] == before + 1
    _same(got, torchless.stack([F.conv2d(IMG[i], weights[i]) for i in range(B)]))


# ---------------------------------------------------------------- the same results as torch.vmap
SAMPLE = ["conv2d", "conv2d_no_n", "max_pool2d", "avg_pool3d", "group_norm", "batch_norm_train", "batch_norm_eval",
          "instance_norm", "layer_norm", "interpolate", "pad_reflect", "det", "slogdet", "solve", "solve_vector",
          "cholesky", "fftn", "fft_n", "rfft2", "topk", "kthvalue", "index_add", "scatter", "scatter_add", "einsum",
          "einsum_shared_implicit", "take", "put", "addmm", "block_diag", "renorm", "dist", "cdist", "glu",
          "embedding", "masked_scatter", "multi_margin_loss", "unfold", "fold"]


def _to_torch(torch, v):
    if isinstance(v, torchless.Tensor):
        return torch.from_numpy(v.detach().numpy().copy())
    return v


@pytest.mark.parametrize("name", SAMPLE)
def test_same_results_as_torch_vmap(name, torch_ref):
    torch = torch_ref
    import torch.nn.functional as TF
    import types
    f, batched, shared, _ = CASES[name]
    # the same lambda, run with torch as `torchless`, `F` and the helpers
    namespace = dict(f.__globals__, torchless=torch, F=TF, D=torch.float64,
                     _index=lambda *v: torch.tensor(v, dtype=torch.int64), _set=_set)
    tf = types.FunctionType(f.__code__, namespace, f.__name__, f.__defaults__, f.__closure__) \
        if isinstance(f, types.FunctionType) and f.__name__ == "<lambda>" else _TORCH_FUNCTIONS[name](torch)
    want = torch.vmap(tf, in_dims=(0,) * len(batched) + (None,) * len(shared))(
        *[_to_torch(torch, x) for x in batched], *[_to_torch(torch, x) for x in shared])
    got = _vmapped(f, batched, shared)
    got = got if isinstance(got, tuple) else (got,)
    want = want if isinstance(want, tuple) else (want,)
    for g, w in zip(got, want):
        assert tuple(g.shape) == tuple(w.shape)
        np.testing.assert_allclose(g.detach().numpy(), w.detach().numpy(), rtol=1e-7, atol=1e-9)


_TORCH_FUNCTIONS = {
    "det": lambda torch: torch.linalg.det, "slogdet": lambda torch: torch.linalg.slogdet,
    "solve": lambda torch: torch.linalg.solve, "solve_vector": lambda torch: torch.linalg.solve,
    "cholesky": lambda torch: torch.linalg.cholesky, "fftn": lambda torch: torch.fft.fftn,
    "rfft2": lambda torch: torch.fft.rfft2, "cdist": lambda torch: torch.cdist,
}


# ---------------------------------------------------------------- nested vmaps and jacobians
NESTED = {
    "conv2d": lambda a: F.conv2d(a, W),
    "batch_norm_train": lambda a: F.batch_norm(a, None, None, training=True),
    "pad_reflect": lambda a: F.pad(a, (1, 1, 2, 0), mode="reflect"),
    "det": lambda a: torchless.linalg.det(a[0, 0, :4, :4]),
    "einsum": lambda a: torchless.einsum("ij,jk", a[0, 0], a[1, 1]),
    "topk": lambda a: a.topk(2, 1).values,
    "index_add": lambda a: a.index_add(0, _index(1, 1), a[:2]),
}


@pytest.mark.parametrize("name", list(NESTED))
def test_nested_vmaps_run_batched_and_equal_the_loop(name):
    f = NESTED[name]
    x = _rand(2, 3, 2, 2, 5, 5, seed=60)
    before = _batching.fallbacks[0]
    got = vmap(vmap(f))(x)
    assert _batching.fallbacks[0] == before
    _same(got, torchless.stack([torchless.stack([f(x[i, j]) for j in range(3)]) for i in range(2)]))


@pytest.mark.parametrize("name", ["conv2d", "group_norm", "layer_norm", "det", "inv", "cholesky", "fft_complex",
                                  "topk", "scatter_add", "einsum", "addmm", "max_pool2d", "interpolate"])
@pytest.mark.parametrize("transform", ["jacrev", "jacfwd"])
def test_per_example_jacobians_equal_the_loop(name, transform):
    from torchless import func
    f, batched, shared, _ = CASES[name]

    def scalar_or_small(*xs):
        out = f(*xs)
        out = out[0] if isinstance(out, tuple) else out
        out = out.real if out.dtype.is_complex else out
        return out.sin().sum() if out.numel() > 6 else out
    jac = getattr(func, transform)(scalar_or_small)
    before = _batching.fallbacks[0]
    got = _vmapped(jac, batched, shared)
    assert _batching.fallbacks[0] == before
    _same(got, _loop(jac, batched, shared))


@pytest.mark.parametrize("f", [
    lambda x: torchless.renorm(x, 2, 0, 1.0), lambda x: torchless.topk(x, 2),
    lambda x: torchless.addmm(x[:, :4], x, x.mT),
    lambda x: torchless.linalg.det(x[:, :4]),
])
def test_torch_functions_of_the_rules_take_their_default_keywords(f):
    before = _batching.fallbacks[0]
    _same(vmap(f)(M), _loop(f, [M], []))
    assert _batching.fallbacks[0] == before
