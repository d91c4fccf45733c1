"""Normalization, embedding, dropout variants, bilinear and attention (ops/normalization.py,
nn/_functional_norm.py, nn/modules/normalization.py ...): values against closed forms, gradients
by gradcheck and gradgradcheck in float64, forward AD against the vjp, and the same programs run
in PyTorch and torchless (values, dtypes, grad_fn names, gradients, running statistics, state_dict
keys, reprs, errors)."""
import numpy as np
import pytest

import torchless
import torchless.nn.functional as F
from torchless.autograd import gradcheck, gradgradcheck

try:
    import torch
except ImportError:  # pragma: no cover - depends on the environment
    torch = None

requires_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")


def _t(a, requires_grad=False, dtype=np.float64):
    return torchless.tensor(np.asarray(a, dtype=dtype), requires_grad=requires_grad)


def _rand(*shape, seed=0, requires_grad=True):
    return _t(np.random.RandomState(seed).randn(*shape), requires_grad)


def _np(t):
    return None if t is None else np.array(t.detach().numpy())


def _both(fn, *arrays, grad=True, names=True):
    """fn(lib, *tensors) in torchless and PyTorch on the same float64 arrays: values, dtypes,
    grad_fn names and the gradients of (out * w).sum() compared."""
    mine = [torchless.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
    theirs = [torch.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
    out_l, out_t = fn(torchless, *mine), fn(torch, *theirs)
    assert str(out_l.dtype) == str(out_t.dtype)
    assert tuple(out_l.shape) == tuple(out_t.shape)
    np.testing.assert_allclose(_np(out_l), _np(out_t), rtol=1e-7, atol=1e-9)
    if grad and out_t.requires_grad:
        if names:
            assert type(out_l.grad_fn).__name__ == type(out_t.grad_fn).__name__
        w = np.random.RandomState(7).randn(*out_t.shape)
        (out_l * torchless.tensor(w)).sum().backward()
        (out_t * torch.tensor(w)).sum().backward()
        for a, b in zip(mine, theirs):
            if b.requires_grad and (a.grad is not None or b.grad is not None):
                np.testing.assert_allclose(_np(a.grad), _np(b.grad), rtol=1e-6, atol=1e-9)
    return out_l, out_t


# ============================================================================ normalization: closed forms
def test_batch_norm_closed_form():
    x = np.arange(12.0).reshape(3, 4)
    out = F.batch_norm(_t(x), None, None, training=True, eps=0.0 + 1e-300)
    expect = (x - x.mean(0)) / x.std(0)
    np.testing.assert_allclose(_np(out), expect, rtol=1e-12)


def test_layer_and_group_norm_closed_form():
    x = np.random.RandomState(1).randn(2, 4, 3)
    out = F.layer_norm(_t(x), (4, 3), eps=0.0)
    flat = x.reshape(2, -1)
    expect = ((flat - flat.mean(1, keepdims=True)) / flat.std(1, keepdims=True)).reshape(x.shape)
    np.testing.assert_allclose(_np(out), expect, rtol=1e-12)
    np.testing.assert_allclose(_np(F.group_norm(_t(x), 1, eps=0.0)), expect, rtol=1e-12)
    rms = _np(F.rms_norm(_t(x), (3,), eps=0.0))
    np.testing.assert_allclose(rms, x / np.sqrt((x * x).mean(-1, keepdims=True)), rtol=1e-12)


# ============================================================================ normalization: gradients
NORM_CASES = {
    "batch_norm_train": lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
    "batch_norm_eval": lambda x, w, b: F.batch_norm(x, _t(np.full(4, 0.3)), _t(np.full(4, 2.0)), w, b),
    "instance_norm": lambda x, w, b: F.instance_norm(x, None, None, w, b),
    "group_norm": lambda x, w, b: F.group_norm(x, 2, w, b),
    "layer_norm": lambda x, w, b: F.layer_norm(x, (4, 5), w.reshape(4, 1).expand(4, 5), b.reshape(4, 1).expand(4, 5)),
    "rms_norm": lambda x, w, b: F.rms_norm(x, (5,), w.sum() * x.new_ones(5) + b[0]),
    "local_response_norm": lambda x, w, b: F.local_response_norm(x * w.reshape(4, 1) + b.reshape(4, 1), 3, 0.1, 0.75, 2.0),
}


@pytest.mark.parametrize("name", sorted(NORM_CASES))
def test_norm_gradcheck(name):
    f = NORM_CASES[name]
    x, w, b = _rand(3, 4, 5), _rand(4, seed=1), _rand(4, seed=2)
    assert gradcheck(f, (x, w, b))
    assert gradgradcheck(f, (x, w, b))


@pytest.mark.parametrize("name", sorted(NORM_CASES))
def test_norm_jvp_matches_vjp(name):
    from torchless.func import jvp, vjp
    f = NORM_CASES[name]
    args = (_rand(3, 4, 5, requires_grad=False), _rand(4, seed=1, requires_grad=False),
            _rand(4, seed=2, requires_grad=False))
    tangents = tuple(_rand(*a.shape, seed=10 + i, requires_grad=False) for i, a in enumerate(args))
    _, jt = jvp(f, args, tangents)
    out, pull = vjp(f, *args)
    u = _rand(*out.shape, seed=20, requires_grad=False)
    lhs = float((jt * u).sum())
    rhs = sum(float((g * t).sum()) for g, t in zip(pull(u), tangents))
    assert abs(lhs - rhs) < 1e-9 * max(1.0, abs(lhs))


def test_norm_vmap_falls_back_per_example():
    from torchless.func import vmap
    x = _rand(5, 3, 4, requires_grad=False)
    np.testing.assert_allclose(_np(vmap(lambda t: F.layer_norm(t, (4,)))(x)), _np(F.layer_norm(x, (4,))), atol=1e-14)
    per = torchless.stack([F.group_norm(t.unsqueeze(0), 3).squeeze(0) for t in x])
    np.testing.assert_allclose(_np(vmap(lambda t: F.group_norm(t.unsqueeze(0), 3).squeeze(0))(x)), _np(per), atol=1e-14)


# ============================================================================ normalization: against PyTorch
@requires_torch
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_against_torch(training):
    x = np.random.RandomState(3).randn(4, 3, 2, 2)
    w, b = np.random.RandomState(4).randn(3), np.random.RandomState(5).randn(3)
    stats = {}

    def run(lib, x, w, b):
        rm = lib.zeros(3, dtype=lib.float64)
        rv = lib.ones(3, dtype=lib.float64)
        out = lib.nn.functional.batch_norm(x, rm, rv, w, b, training=training, momentum=0.3)
        stats[lib.__name__] = (_np(rm), _np(rv))
        return out
    _both(run, x, w, b)
    np.testing.assert_allclose(stats["torchless"][0], stats["torch"][0], rtol=1e-12)
    np.testing.assert_allclose(stats["torchless"][1], stats["torch"][1], rtol=1e-12)


@requires_torch
def test_norms_against_torch():
    x = np.random.RandomState(6).randn(2, 6, 3)
    w, b = np.random.RandomState(7).randn(6), np.random.RandomState(8).randn(6)
    _both(lambda lib, x, w, b: lib.nn.functional.group_norm(x, 3, w, b, eps=1e-3), x, w, b)
    _both(lambda lib, x, w, b: lib.nn.functional.instance_norm(x, None, None, w, b), x, w, b)
    _both(lambda lib, x: lib.nn.functional.layer_norm(x, (6, 3)), x)
    _both(lambda lib, x: lib.nn.functional.rms_norm(x, (3,)), x)
    _both(lambda lib, x: lib.nn.functional.local_response_norm(x, 4), x)
    _both(lambda lib, x: lib.nn.functional.local_response_norm(x.reshape(2, 3, 3, 2), 2), x)
    _both(lambda lib, x, w, b: lib.native_batch_norm(x, w, b, None, None, True, 0.1, 1e-5)[0], x, w, b)
    _both(lambda lib, x: lib.native_layer_norm(x, [3], None, None, 1e-5)[2], x)
    _both(lambda lib, x: lib.native_group_norm(x, None, None, 2, 6, 3, 2, 1e-5)[0], x)
    _both(lambda lib, x: lib.layer_norm(x, [3]), x)


@requires_torch
@pytest.mark.parametrize("call", [
    lambda lib: lib.nn.functional.batch_norm(lib.randn(1, 3), None, None, training=True),
    lambda lib: lib.nn.functional.batch_norm(lib.randn(2, 3), lib.zeros(2), lib.ones(3), training=True),
    lambda lib: lib.nn.functional.batch_norm(lib.randn(2, 3), None, None, training=False),
    lambda lib: lib.nn.functional.batch_norm(lib.randn(2, 3), None, None, training=True, eps=0.0),
    lambda lib: lib.nn.functional.batch_norm(lib.randn(3), None, None, training=True),
    lambda lib: lib.nn.functional.layer_norm(lib.randn(2, 3), (2,)),
    lambda lib: lib.nn.functional.group_norm(lib.randn(2, 3), 2),
    lambda lib: lib.nn.functional.local_response_norm(lib.randn(2, 3), 2),
    lambda lib: lib.nn.BatchNorm2d(3)(lib.randn(2, 3)),
    lambda lib: lib.nn.InstanceNorm1d(3, affine=True)(lib.randn(2, 4, 5)),
    lambda lib: lib.nn.GroupNorm(3, 4),
])
def test_norm_errors_match_torch(call):
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(type(theirs.value)):
        call(torchless)


# ============================================================================ normalization modules
def _module_trace(lib):
    """What a short training run of each normalization module shows: reprs, state_dict keys,
    running statistics, eval outputs."""
    rs = np.random.RandomState(0)
    lines = []
    for cls, kwargs, shape in [("BatchNorm1d", {"momentum": None}, (4, 3)), ("BatchNorm2d", {}, (4, 3, 2, 2)),
                               ("BatchNorm3d", {"affine": False}, (2, 3, 2, 2, 2)),
                               ("LazyBatchNorm1d", {"momentum": None}, (4, 3, 2)),
                               ("LazyBatchNorm2d", {"bias": False}, (4, 3, 2, 2)),
                               ("InstanceNorm1d", {"track_running_stats": True, "affine": True}, (4, 3, 5)),
                               ("InstanceNorm2d", {}, (3, 2, 2)),
                               ("BatchNorm1d", {"track_running_stats": False}, (4, 3))]:
        args = () if cls.startswith("Lazy") else (3,)
        m = getattr(lib.nn, cls)(*args, **kwargs)
        lines.append(sorted(m.state_dict()))
        for _ in range(3):
            y = m(lib.tensor(rs.randn(*shape).astype(np.float32)))
        lines.append(repr(m))
        lines.append(np.round(_np(y), 4).tolist())
        if m.running_mean is not None:
            lines.append((np.round(_np(m.running_mean), 5).tolist(), np.round(_np(m.running_var), 5).tolist(),
                          int(m.num_batches_tracked)))
        m.eval()
        lines.append(np.round(_np(m(lib.tensor(rs.randn(*shape).astype(np.float32)))), 4).tolist())
    for m in [lib.nn.LayerNorm([2, 3], bias=False), lib.nn.LayerNorm(3, elementwise_affine=False),
              lib.nn.GroupNorm(2, 4, affine=False), lib.nn.RMSNorm([2, 3], eps=1e-5), lib.nn.LocalResponseNorm(2)]:
        lines.append((repr(m), sorted(m.state_dict()), [(k, _np(v).tolist()) for k, v in m.state_dict().items()]))
    return lines


@requires_torch
def test_norm_modules_against_torch():
    ours, theirs = _module_trace(torchless), _module_trace(torch)
    for a, b in zip(ours, theirs):
        assert a == b


def test_lazy_batch_norm_loads_a_state_dict():
    m = torchless.nn.LazyBatchNorm2d()
    m.load_state_dict(torchless.nn.BatchNorm2d(5).state_dict())
    assert m.running_mean.shape == (5,)
    m(torchless.randn(2, 5, 3, 3))
    assert type(m) is torchless.nn.BatchNorm2d and m.num_features == 5


# ============================================================================ embedding
def test_embedding_gradients():
    w = _rand(6, 3)
    idx = torchless.tensor([[1, 2, 1], [0, 5, 1]])
    assert gradcheck(lambda w: F.embedding(idx, w), (w,))  # (padding_idx and scale_grad_by_freq change
    # the gradient on purpose: they are compared with PyTorch's below)
    assert gradgradcheck(lambda w: F.embedding(idx, w) ** 2, (w,))
    out = F.embedding(idx, w, padding_idx=1)
    assert type(out.grad_fn).__name__ == "EmbeddingBackward0"
    out.sum().backward()
    np.testing.assert_allclose(_np(w.grad)[:, 0], [1, 0, 1, 0, 0, 1])
    with pytest.raises(RuntimeError):  # a second backward without retain_graph
        out.sum().backward()


def test_embedding_bag_and_bilinear_gradients():
    w = _rand(6, 3)
    idx = torchless.tensor([1, 2, 4, 5, 0, 2])
    offsets = torchless.tensor([0, 2, 2, 5])
    psw = _rand(6, seed=3)
    for mode in ("sum", "mean", "max"):
        assert gradcheck(lambda w: F.embedding_bag(idx, w, offsets, mode=mode), (w,))
    assert gradgradcheck(lambda w, p: F.embedding_bag(idx, w, offsets, mode="sum", per_sample_weights=p) ** 2, (w, psw))
    x1, x2, wb, b = _rand(2, 3, 4), _rand(2, 3, 5, seed=1), _rand(2, 4, 5, seed=2), _rand(2, seed=3)
    assert gradgradcheck(F.bilinear, (x1, x2, wb, b))


@requires_torch
def test_embedding_against_torch():
    w = np.random.RandomState(0).randn(6, 3) * 2
    idx = np.array([[1, 2, 1], [0, 5, 1]])
    out_l, out_t = _both(lambda lib, w, i: lib.nn.functional.embedding(i, w, padding_idx=-1, scale_grad_by_freq=True),
                         w, idx)
    # max_norm renormalises the looked-up rows of the weight in place
    wl, wt = torchless.tensor(w), torch.tensor(w)
    F.embedding(torchless.tensor(idx), wl, max_norm=1.5, norm_type=3)
    torch.nn.functional.embedding(torch.tensor(idx), wt, max_norm=1.5, norm_type=3)
    np.testing.assert_allclose(_np(wl), _np(wt), rtol=1e-12)
    _both(lambda lib, w, i: lib.embedding(w, i), w, idx)
    for mode in ("sum", "mean", "max"):
        for last in (False, True):
            _both(lambda lib, w, i, o: lib.nn.functional.embedding_bag(i, w, o, mode=mode, include_last_offset=last,
                                                                      padding_idx=2),
                  w, np.array([1, 2, 4, 5, 0, 2]), np.array([0, 2, 2, 5]), names=False)
    _both(lambda lib, w, i, p: lib.nn.functional.embedding_bag(i, w, mode="sum", per_sample_weights=p),
          w, idx, np.random.RandomState(1).randn(2, 3), names=False)
    x1, x2 = np.random.RandomState(2).randn(4, 3), np.random.RandomState(3).randn(4, 2)
    _both(lambda lib, x1, x2, w, b: lib.nn.functional.bilinear(x1, x2, w, b), x1, x2,
          np.random.RandomState(4).randn(5, 3, 2), np.random.RandomState(5).randn(5), names=False)


@requires_torch
@pytest.mark.parametrize("call", [
    lambda lib: lib.nn.functional.embedding(lib.tensor([1.0]), lib.randn(4, 3)),
    lambda lib: lib.nn.functional.embedding(lib.tensor([4]), lib.randn(4, 3)),
    lambda lib: lib.nn.functional.embedding(lib.tensor([1]), lib.randn(4, 3), padding_idx=4),
    lambda lib: lib.nn.functional.embedding(lib.tensor([1]), lib.randn(4)),
    lambda lib: lib.nn.functional.embedding_bag(lib.tensor([1, 2]), lib.randn(4, 3)),
    lambda lib: lib.nn.functional.embedding_bag(lib.tensor([1, 2]), lib.randn(4, 3), lib.tensor([0]), mode="x"),
    lambda lib: lib.nn.functional.embedding_bag(lib.tensor([[1, 2]]), lib.randn(4, 3), lib.tensor([0])),
    lambda lib: lib.nn.functional.embedding_bag(lib.tensor([1, 2]), lib.randn(4, 3), lib.tensor([0]),
                                                per_sample_weights=lib.ones(2), mode="mean"),
    lambda lib: lib.nn.functional.embedding_bag(lib.tensor([1, 2]), lib.randn(4, 3), lib.tensor([1])),
    lambda lib: lib.nn.functional.bilinear(lib.randn(2, 3), lib.randn(2, 4), lib.randn(5, 3, 3)),
    lambda lib: lib.nn.Embedding(3, 2, padding_idx=3),
    lambda lib: lib.nn.Embedding.from_pretrained(lib.randn(3)),
    lambda lib: lib.nn.Dropout1d()(lib.randn(2, 3, 4, 5)),
    lambda lib: lib.nn.functional.alpha_dropout(lib.randn(2), p=1.5),
])
def test_embedding_errors_match_torch(call):
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(type(theirs.value)):
        call(torchless)


def _embedding_modules(lib):
    lib.manual_seed(0)
    lines = []
    for m in [lib.nn.Embedding(5, 3, padding_idx=-2, max_norm=1.0, norm_type=1.0, scale_grad_by_freq=True),
              lib.nn.Embedding(5, 3, sparse=True), lib.nn.EmbeddingBag(5, 3, mode="max", padding_idx=0),
              lib.nn.EmbeddingBag(5, 3, max_norm=2.0, scale_grad_by_freq=True), lib.nn.Bilinear(2, 3, 4, bias=False),
              lib.nn.Dropout1d(0.2), lib.nn.Dropout2d(), lib.nn.Dropout3d(inplace=True), lib.nn.AlphaDropout(0.1),
              lib.nn.FeatureAlphaDropout()]:
        lines.append((repr(m), sorted(m.state_dict()), [tuple(p.shape) for p in m.parameters()]))
    e = lib.nn.Embedding(5, 3, padding_idx=2)
    lines.append(_np(e.weight)[2].tolist())
    pre = lib.nn.Embedding.from_pretrained(lib.tensor([[1.0, 2.0], [3.0, 4.0]]))
    lines.append((pre.weight.requires_grad, _np(pre(lib.tensor([1, 0]))).tolist()))
    lines.append(lib.nn.Embedding.from_pretrained(lib.ones(2, 2), freeze=False).weight.requires_grad)
    lines.append(lib.nn.EmbeddingBag.from_pretrained(lib.ones(2, 2)).weight.requires_grad)
    return lines


@requires_torch
def test_embedding_modules_against_torch():
    for a, b in zip(_embedding_modules(torchless), _embedding_modules(torch)):
        assert a == b


# ============================================================================ dropout variants
def test_feature_dropout_distribution():
    torchless.manual_seed(0)
    x = torchless.ones(400, 50, 3, 2)
    out = _np(F.dropout2d(x, 0.3))
    per_channel = out.reshape(400, 50, -1)
    assert np.all(per_channel.min(-1) == per_channel.max(-1))  # one draw per (sample, channel)
    assert set(np.unique(per_channel)) <= {0.0, np.float32(1 / 0.7)}
    assert abs((per_channel[..., 0] == 0).mean() - 0.3) < 0.01
    out1 = _np(F.dropout1d(torchless.ones(50, 7), 0.5))  # unbatched (C, L)
    assert np.all(out1.min(-1) == out1.max(-1))
    out3 = _np(F.dropout3d(torchless.ones(2, 300, 2, 2, 2), 0.4)).reshape(2, 300, -1)
    assert np.all(out3.min(-1) == out3.max(-1)) and abs((out3[..., 0] == 0).mean() - 0.4) < 0.05


def test_alpha_dropout_keeps_mean_and_variance():
    torchless.manual_seed(1)
    x = torchless.randn(200000, dtype=torchless.float64)
    out = _np(F.alpha_dropout(x, 0.2, training=True))
    assert abs(out.mean()) < 0.01 and abs(out.var() - 1) < 0.02
    a = 1 / np.sqrt((1.7580993408473766 ** 2 * 0.2 + 1) * 0.8)
    dropped_value = -1.7580993408473766 * a + 1.7580993408473766 * a * 0.2
    assert abs((np.isclose(out, dropped_value)).mean() - 0.2) < 0.01
    fa = _np(F.feature_alpha_dropout(torchless.randn(1000, 20, 4, dtype=torchless.float64), 0.5, training=True))
    assert abs(np.isclose(fa, -1.7580993408473766 * np.sqrt(2 / (1.7580993408473766 ** 2 * 0.5 + 1)) * 0.5).all(-1).mean()
               - 0.5) < 0.02


def test_dropout_variants_identity_when_not_training():
    x = torchless.randn(2, 3, 4, 5, requires_grad=True)
    for f in (F.dropout2d, F.alpha_dropout, F.feature_alpha_dropout):
        assert f(x, 0.5, training=False) is x
    # (dropout3d of a 4-D input works on it unsqueezed, as PyTorch's: a view comes back)
    assert type(F.dropout3d(x, 0.5, training=False).grad_fn).__name__ == "SqueezeBackward1"
    assert F.alpha_dropout(x, 0.5) is x  # training defaults to False for the alpha forms
    assert F.dropout1d(x[0], 0.0) is not None
    for m in (torchless.nn.Dropout1d(), torchless.nn.Dropout2d(), torchless.nn.Dropout3d(),
              torchless.nn.AlphaDropout(), torchless.nn.FeatureAlphaDropout()):
        m.eval()
        y = m(x[0] if isinstance(m, torchless.nn.Dropout1d) else x)
        np.testing.assert_array_equal(_np(y), _np(x[0] if isinstance(m, torchless.nn.Dropout1d) else x))
    assert torch is None or np.all(_np(F.dropout2d(x, 1.0)) == 0)


def test_dropout_gradients_follow_the_mask():
    torchless.manual_seed(3)
    x = torchless.ones(20, 10, 3, requires_grad=True)
    out = F.feature_alpha_dropout(x, 0.3, training=True)
    out.sum().backward()
    kept = _np(out)[..., 0] > 0
    g = _np(x.grad)[..., 0]
    assert np.all(g[~kept] == 0) and np.all(g[kept] > 0)


# ============================================================================ attention
def test_sdpa_closed_form_and_gradients():
    q, k, v = _rand(2, 3, 4), _rand(2, 5, 4, seed=1), _rand(2, 5, 2, seed=2)
    out = F.scaled_dot_product_attention(q, k, v)
    s = _np(q) @ _np(k).transpose(0, 2, 1) / 2.0
    p = np.exp(s - s.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    np.testing.assert_allclose(_np(out), p @ _np(v), rtol=1e-12)
    mask = torchless.tensor(np.random.RandomState(3).rand(3, 5) > 0.3)
    assert gradgradcheck(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=mask), (q, k, v))
    assert gradcheck(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True, scale=0.3), (q, k, v))


@requires_torch
def test_sdpa_against_torch():
    rs = np.random.RandomState(0)
    q, k, v = rs.randn(2, 4, 3, 8), rs.randn(2, 2, 5, 8), rs.randn(2, 2, 5, 6)
    bool_mask = rs.rand(3, 5) > 0.4
    bool_mask[1] = False  # a query that may attend to nothing: zeros
    float_mask = rs.randn(2, 1, 3, 5)
    sdpa = "nn.functional.scaled_dot_product_attention"

    def f(lib):
        return lib.nn.functional.scaled_dot_product_attention
    _both(lambda lib, q, k, v: f(lib)(q, k, v, enable_gqa=True), q, k, v, names=False)
    _both(lambda lib, q, k, v, m: f(lib)(q, k.repeat_interleave(2, 1), v.repeat_interleave(2, 1), attn_mask=m),
          q, k, v, bool_mask, names=False)
    _both(lambda lib, q, k, v, m: f(lib)(q, k.repeat_interleave(2, 1), v.repeat_interleave(2, 1), attn_mask=m,
                                         scale=0.5), q, k, v, float_mask, names=False)
    _both(lambda lib, q, k, v: f(lib)(q, q, v[:, :, :3].repeat_interleave(2, 1), is_causal=True), q, k, v, names=False)
    assert sdpa


def _mha_case(lib, state, batch_first, kwargs, call_kwargs, x, y, training=False):
    m = lib.nn.MultiheadAttention(4, 2, batch_first=batch_first, **kwargs).double()
    m.load_state_dict({k: lib.tensor(v) for k, v in state.items()})
    m.train(training)
    xq, xk = lib.tensor(x, requires_grad=True), lib.tensor(y, requires_grad=True)
    out, w = m(xq, xk, xk, **call_kwargs)
    total = out.sum() + (0 if w is None else (w * w).sum())
    total.backward()
    return [_np(out), None if w is None else _np(w), _np(xq.grad), _np(xk.grad)] + \
        [_np(p.grad) for _, p in sorted(m.named_parameters())]


@requires_torch
@pytest.mark.parametrize("kwargs", [{}, {"bias": False}, {"add_bias_kv": True}, {"add_zero_attn": True},
                                    {"kdim": 3, "vdim": 3}])
@pytest.mark.parametrize("call", ["plain", "masks", "no_weights", "per_head"])
def test_multihead_attention_against_torch(kwargs, call):
    rs = np.random.RandomState(1)
    torch_m = torch.nn.MultiheadAttention(4, 2, **kwargs).double()
    state = {k: v.detach().numpy() for k, v in torch_m.state_dict().items()}
    kdim = kwargs.get("kdim", 4)
    x, y = rs.randn(2, 3, 4), rs.randn(2, 5, kdim)
    if kdim != 4:
        x_y = (x, y)
    else:
        x_y = (x, y)
    kpm = np.zeros((2, 5), dtype=bool)
    kpm[0, 3:] = True
    attn = np.where(rs.rand(3, 5) > 0.8, -np.inf, 0.0)
    call_kwargs = {"plain": {}, "masks": {"key_padding_mask": kpm, "attn_mask": attn},
                   "no_weights": {"need_weights": False, "key_padding_mask": kpm},
                   "per_head": {"average_attn_weights": False, "attn_mask": attn < 0}}[call]
    results = []
    for lib in (torchless, torch):
        ck = {k: lib.tensor(v) if isinstance(v, np.ndarray) else v for k, v in call_kwargs.items()}
        results.append(_mha_case(lib, state, True, kwargs, ck, *x_y))
    for a, b in zip(*results):
        if b is None:
            assert a is None
        else:
            np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-9)


def _transformer_run(lib, state, training_seed=None):
    model = lib.nn.Transformer(d_model=4, nhead=2, num_encoder_layers=2, num_decoder_layers=1, dim_feedforward=6,
                               dropout=0.0, batch_first=True, norm_first=True, activation="gelu").double()
    model.load_state_dict({k: lib.tensor(v) for k, v in state.items()})
    model.eval()
    rs = np.random.RandomState(2)
    src, tgt = lib.tensor(rs.randn(2, 5, 4), requires_grad=True), lib.tensor(rs.randn(2, 3, 4))
    mask = lib.nn.Transformer.generate_square_subsequent_mask(3, dtype=lib.float64)
    out = model(src, tgt, tgt_mask=mask, tgt_is_causal=True)
    out.pow(2).sum().backward()
    return _np(out), _np(src.grad), _np(mask)


@requires_torch
def test_transformer_against_torch():
    ref = torch.nn.Transformer(d_model=4, nhead=2, num_encoder_layers=2, num_decoder_layers=1, dim_feedforward=6,
                               dropout=0.0, batch_first=True, norm_first=True, activation="gelu").double()
    state = {k: v.detach().numpy() for k, v in ref.state_dict().items()}
    assert sorted(state) == sorted(torchless.nn.Transformer(d_model=4, nhead=2, num_encoder_layers=2,
                                                            num_decoder_layers=1, dim_feedforward=6).state_dict())
    for a, b in zip(_transformer_run(torchless, state), _transformer_run(torch, state)):
        np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-9)


@requires_torch
@pytest.mark.parametrize("call", [
    lambda lib: lib.nn.MultiheadAttention(5, 2),
    lambda lib: lib.nn.MultiheadAttention(0, 2),
    lambda lib: lib.nn.MultiheadAttention(4, 2)(lib.randn(3, 2, 4), lib.randn(3, 2, 4), lib.randn(3, 2, 4),
                                                 attn_mask=lib.zeros(2, 2)),
    lambda lib: lib.nn.MultiheadAttention(4, 2)(lib.randn(3, 2, 4), lib.randn(3, 2, 4), lib.randn(3, 2, 4),
                                                 is_causal=True),
    lambda lib: lib.nn.functional.scaled_dot_product_attention(lib.randn(2, 3, 4), lib.randn(2, 3, 4),
                                                               lib.randn(2, 3, 4), attn_mask=lib.ones(3, 3),
                                                               is_causal=True),
    lambda lib: lib.nn.TransformerEncoderLayer(4, 2, activation="tanh"),
])
def test_attention_errors_match_torch(call):
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(type(theirs.value)):
        call(torchless)


def test_attention_dropout_only_while_training():
    torchless.manual_seed(0)
    m = torchless.nn.MultiheadAttention(4, 2, dropout=0.5)
    x = torchless.randn(3, 2, 4)
    m.eval()
    a = _np(m(x, x, x)[0])
    np.testing.assert_array_equal(a, _np(m(x, x, x)[0]))
    m.train()
    assert not np.allclose(_np(m(x, x, x)[1]), _np(m(x, x, x)[1]))


@requires_torch
@pytest.mark.parametrize("grad", [False, True])
def test_transformer_encoder_padding_fast_path_against_torch(grad):
    """In eval mode without gradients PyTorch's encoder runs on nested tensors: padded positions
    come out as zeros (before the final norm); with gradients they are computed as any other."""
    import warnings
    x = np.random.RandomState(0).randn(2, 5, 4)
    kpm = np.zeros((2, 5), bool)
    kpm[0, 3:] = True
    outs = []
    state = None
    for lib in (torch, torchless):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            enc = lib.nn.TransformerEncoder(lib.nn.TransformerEncoderLayer(4, 2, 6, dropout=0.0, batch_first=True), 2,
                                            norm=lib.nn.LayerNorm(4)).double().eval()
        if state is None:
            state = {k: v.detach().numpy() for k, v in enc.state_dict().items()}
        enc.load_state_dict({k: lib.tensor(v) for k, v in state.items()})
        ctx = lib.enable_grad() if grad else lib.no_grad()
        with ctx:
            outs.append(_np(enc(lib.tensor(x), src_key_padding_mask=lib.tensor(kpm))))
    np.testing.assert_allclose(outs[1], outs[0], rtol=1e-7, atol=1e-9)


def test_vmap_over_embedding_and_attention():
    from torchless.func import vmap
    w = _rand(6, 3, requires_grad=False)
    idx = torchless.tensor([[1, 2], [5, 0], [3, 3]])
    np.testing.assert_array_equal(_np(vmap(lambda i: F.embedding(i, w))(idx)), _np(F.embedding(idx, w)))
    q = _rand(4, 3, 2, requires_grad=False)
    per = torchless.stack([F.scaled_dot_product_attention(t, t, t) for t in q])
    np.testing.assert_allclose(_np(vmap(lambda t: F.scaled_dot_product_attention(t, t, t))(q)), _np(per), atol=1e-14)


def test_batch_norm_loads_a_state_dict_without_num_batches_tracked():
    m = torchless.nn.BatchNorm1d(3)
    state = {k: v for k, v in m.state_dict().items() if k != "num_batches_tracked"}
    m.load_state_dict(state)
    assert "num_batches_tracked" not in state and int(m.num_batches_tracked) == 0


def test_running_statistics_bump_the_version():
    m = torchless.nn.BatchNorm1d(3)
    v = m.running_mean._version
    m(torchless.randn(4, 3))
    assert m.running_mean._version > v and int(m.num_batches_tracked) == 1
    m.eval()
    before = _np(m.running_mean).copy()
    m(torchless.randn(4, 3))
    np.testing.assert_array_equal(_np(m.running_mean), before)


@requires_torch
def test_output_written_in_place_keeps_the_gradient():
    """An unaffine norm's result is a new array, not the x̂ its node saved for backward."""
    grads = []
    for lib in (torchless, torch):
        x = lib.tensor(np.random.RandomState(0).randn(3, 5), requires_grad=True)
        y = lib.nn.functional.layer_norm(x, (5,))
        z = lib.nn.functional.batch_norm(x, None, None, training=True)
        y.mul_(3)
        z.add_(1)
        (y * y * lib.arange(5.0, dtype=lib.float64) + z * z).sum().backward()
        grads.append(_np(x.grad))
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-10)
