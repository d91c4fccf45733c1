"""The layer modules (Linear, Flatten, activations, Dropout, losses) against PyTorch and closed forms."""
import math

import numpy as np
import pytest

import torchless
from torchless import nn

from ..conftest import requires_torch, to_numpy

try:
    import torch as _torch
except ImportError:  # pragma: no cover
    _torch = None

RNG = np.random.default_rng(1234)


def pair(arr, requires_grad=False):
    """The same array as a torchless tensor and a PyTorch tensor."""
    arr = np.asarray(arr)
    return (torchless.tensor(arr, requires_grad=requires_grad),
            _torch.tensor(arr, requires_grad=requires_grad))


def copy_weights(ours, theirs):
    theirs.load_state_dict({k: _torch.from_numpy(to_numpy(v).copy()) for k, v in ours.state_dict().items()})


# ---------------------------------------------------------------- Linear
def test_linear_shapes_dtype_and_repr():
    lin = nn.Linear(3, 5)
    assert lin.weight.shape == (5, 3) and lin.bias.shape == (5,)
    assert lin.weight.dtype == torchless.float32 and lin.weight.requires_grad and lin.weight.is_leaf
    assert repr(lin) == "Linear(in_features=3, out_features=5, bias=True)"
    no_bias = nn.Linear(2, 1, bias=False)
    assert no_bias.bias is None and [n for n, _ in no_bias.named_parameters()] == ["weight"]
    assert repr(no_bias) == "Linear(in_features=2, out_features=1, bias=False)"
    assert nn.Linear(2, 2, dtype=torchless.float64).weight.dtype == torchless.float64
    assert nn.Linear(2, 2, device="cpu")(torchless.ones(2)).shape == (2,)


def test_linear_default_init_is_uniform_with_bound_one_over_sqrt_fan_in():
    torchless.manual_seed(0)
    lin = nn.Linear(64, 2000)
    bound = 1 / math.sqrt(64)
    w, b = to_numpy(lin.weight), to_numpy(lin.bias)
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    # U(-a, a): std a/sqrt(3), and it fills the interval (not a normal, not a smaller bound)
    assert abs(w.std() - bound / math.sqrt(3)) < 0.02 * bound
    assert np.abs(w).max() > 0.99 * bound and abs(w.mean()) < 0.01 * bound
    assert abs(b.std() - bound / math.sqrt(3)) < 0.1 * bound
    # reset_parameters draws again, seeded runs repeat
    before = w.copy()
    lin.reset_parameters()
    assert not np.array_equal(before, to_numpy(lin.weight))
    torchless.manual_seed(0)
    np.testing.assert_array_equal(before, to_numpy(nn.Linear(64, 2000).weight))


@requires_torch
@pytest.mark.parametrize("shape", [(4, 3), (3,), (2, 5, 3), (0, 3)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_forward_and_grads_match_torch(shape, bias):
    ours, theirs = nn.Linear(3, 2, bias=bias), _torch.nn.Linear(3, 2, bias=bias)
    copy_weights(ours, theirs)
    x, tx = pair(RNG.standard_normal(shape).astype(np.float32), requires_grad=True)
    y, ty = ours(x), theirs(tx)
    np.testing.assert_allclose(to_numpy(y), to_numpy(ty), rtol=1e-5, atol=1e-6)
    assert y.shape == ty.shape
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    np.testing.assert_allclose(to_numpy(x.grad), to_numpy(tx.grad), rtol=1e-5, atol=1e-6)
    for p, tp in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(to_numpy(p.grad), to_numpy(tp.grad), rtol=1e-5, atol=1e-5)


@requires_torch
@pytest.mark.parametrize("shape, bias", [
    ((4, 3), True), ((4, 3), False), ((3,), True), ((3,), False), ((2, 5, 3), True),
    ((2, 5, 3), False),
])
def test_linear_grad_fn_name_matches_torch(shape, bias):
    ours, theirs = nn.Linear(3, 2, bias=bias), _torch.nn.Linear(3, 2, bias=bias)
    x, tx = pair(np.ones(shape, np.float32), requires_grad=True)
    assert type(ours(x).grad_fn).__name__ == type(theirs(tx).grad_fn).__name__


@requires_torch
@pytest.mark.parametrize("shape", [(2, 5), (5,), (2, 2, 5)])
def test_linear_wrong_input_shape_names_both_shapes(shape):
    with pytest.raises(RuntimeError) as ours:
        nn.Linear(3, 4)(torchless.zeros(shape))
    with pytest.raises(RuntimeError) as theirs:
        _torch.nn.Linear(3, 4)(_torch.zeros(shape))
    assert str(theirs.value) in str(ours.value)  # PyTorch's text, plus what to do


def test_lazy_linear_takes_in_features_from_first_input():
    lazy = nn.LazyLinear(3)
    assert repr(lazy) == "LazyLinear(in_features=0, out_features=3, bias=True)"
    y = lazy(torchless.ones(2, 5))
    assert y.shape == (2, 3) and lazy.weight.shape == (3, 5) and type(lazy) is nn.Linear
    assert repr(lazy) == "Linear(in_features=5, out_features=3, bias=True)"
    y.sum().backward()
    assert lazy.weight.grad.shape == (3, 5)


def test_lazy_linear_keeps_parameter_objects_for_optimizers_built_early():
    net = nn.Sequential(nn.LazyLinear(4), nn.ReLU(), nn.LazyLinear(2))
    early = list(net.parameters())
    net(torchless.ones(2, 3))
    assert all(p is q for p, q in zip(early, net.parameters()))
    assert [tuple(p.shape) for p in early] == [(4, 3), (4,), (2, 4), (2,)]
    bound = 1 / math.sqrt(3)
    assert 0 < float(early[0].abs().max()) <= bound


@requires_torch
def test_lazy_linear_loads_state_dict_before_first_call_like_torch():
    def run(lib):
        lib.manual_seed(0)
        lnn = lib.nn
        net = lnn.Sequential(lnn.LazyLinear(4), lnn.ReLU(), lnn.LazyLinear(2))
        X = lib.ones(2, 3)
        Y = net(X)
        clone = lnn.Sequential(lnn.LazyLinear(4), lnn.ReLU(), lnn.LazyLinear(2))
        out = [repr(clone.load_state_dict(net.state_dict())), repr(clone.eval())]
        out.append(bool((clone(X) == Y).all()))
        out.append(repr(clone))
        try:
            lnn.LazyLinear(3).load_state_dict({"weight": lib.ones(3, 2)})
        except RuntimeError as exc:
            out.append(str(exc))
        no_bias = lnn.LazyLinear(3, bias=False)
        no_bias(lib.ones(1, 5))
        out.append(repr(no_bias))
        return out
    assert run(torchless) == run(_torch)


def test_identity_passes_input_through():
    x = torchless.ones(2)
    assert nn.Identity(54, unused="x")(x) is x
    assert repr(nn.Identity()) == "Identity()"


# ---------------------------------------------------------------- Flatten, Unflatten
@requires_torch
@pytest.mark.parametrize("make, shape", [
    (lambda lib: lib.nn.Flatten(), (2, 3, 4)),
    (lambda lib: lib.nn.Flatten(0), (2, 3, 4)),
    (lambda lib: lib.nn.Flatten(1, 2), (2, 3, 4, 5)),
    (lambda lib: lib.nn.Flatten(-3, -2), (2, 3, 4, 5)),
    (lambda lib: lib.nn.Unflatten(1, (2, 3)), (4, 6)),
    (lambda lib: lib.nn.Unflatten(-1, (1, 28, 28)), (2, 784)),
    (lambda lib: lib.nn.Unflatten(0, [2, -1]), (6, 2)),
])
def test_flatten_unflatten_match_torch(make, shape):
    ours, theirs = make(torchless), make(_torch)
    assert repr(ours) == repr(theirs)
    x, tx = pair(np.arange(np.prod(shape), dtype=np.float32).reshape(shape))
    y, ty = ours(x), theirs(tx)
    assert tuple(y.shape) == tuple(ty.shape)
    np.testing.assert_array_equal(to_numpy(y), to_numpy(ty))


# ---------------------------------------------------------------- activations
ACTIVATIONS = {
    "ReLU": lambda lib: lib.nn.ReLU(),
    "Sigmoid": lambda lib: lib.nn.Sigmoid(),
    "Tanh": lambda lib: lib.nn.Tanh(),
    "LeakyReLU": lambda lib: lib.nn.LeakyReLU(),
    "LeakyReLU(0.2)": lambda lib: lib.nn.LeakyReLU(0.2),
    "GELU": lambda lib: lib.nn.GELU(),
    "GELU(tanh)": lambda lib: lib.nn.GELU(approximate="tanh"),
    "Softmax(1)": lambda lib: lib.nn.Softmax(dim=1),
    "Softmax(-1)": lambda lib: lib.nn.Softmax(-1),
    "LogSoftmax(1)": lambda lib: lib.nn.LogSoftmax(dim=1),
    "LogSoftmax(0)": lambda lib: lib.nn.LogSoftmax(0),
}


@requires_torch
@pytest.mark.parametrize("name", list(ACTIVATIONS))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_activation_values_grads_repr_match_torch(name, dtype):
    ours, theirs = ACTIVATIONS[name](torchless), ACTIVATIONS[name](_torch)
    assert repr(ours) == repr(theirs)
    x, tx = pair(RNG.standard_normal((3, 4)).astype(dtype) * 3, requires_grad=True)
    y, ty = ours(x), theirs(tx)
    assert str(y.dtype) == str(ty.dtype)
    tol = 1e-6 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(to_numpy(y), to_numpy(ty), rtol=tol * 10, atol=tol)
    w = RNG.standard_normal((3, 4)).astype(dtype)
    (y * torchless.tensor(w)).sum().backward()
    (ty * _torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(to_numpy(x.grad), to_numpy(tx.grad), rtol=tol * 10, atol=tol * 10)


@requires_torch
def test_activation_reprs_with_options():
    for make in (lambda lib: lib.nn.ReLU(inplace=True), lambda lib: lib.nn.LeakyReLU(0.1, inplace=True),
                 lambda lib: lib.nn.Softmax(), lambda lib: lib.nn.LogSoftmax()):
        assert repr(make(torchless)) == repr(make(_torch))


def test_relu_inplace_writes_into_input():
    x = torchless.tensor([-1.0, 2.0])
    y = nn.ReLU(inplace=True)(x)
    assert to_numpy(x).tolist() == [0.0, 2.0] and to_numpy(y).tolist() == [0.0, 2.0]


# ---------------------------------------------------------------- Dropout
def test_dropout_train_mask_is_scaled_and_eval_is_identity():
    torchless.manual_seed(0)
    drop = nn.Dropout(0.25)
    assert repr(drop) == "Dropout(p=0.25, inplace=False)" and repr(nn.Dropout()) == "Dropout(p=0.5, inplace=False)"
    x = torchless.ones(200, 100, requires_grad=True)
    y = drop(x)
    out = to_numpy(y)
    kept = out != 0
    np.testing.assert_allclose(out[kept], 1 / 0.75, rtol=1e-6)  # survivors scaled by 1/(1-p)
    assert abs((~kept).mean() - 0.25) < 0.02
    y.sum().backward()
    np.testing.assert_allclose(to_numpy(x.grad), out, rtol=1e-6)  # gradient flows through the same mask
    drop.eval()
    assert np.array_equal(to_numpy(drop(x)), to_numpy(x))
    drop.train()
    assert not np.array_equal(to_numpy(drop(x)), to_numpy(x))


def test_dropout_extremes_and_model_mode():
    x = torchless.randn(4, 5)
    assert np.array_equal(to_numpy(nn.Dropout(0.0)(x)), to_numpy(x))
    assert float(nn.Dropout(1.0)(x).abs().sum()) == 0.0
    net = nn.Sequential(nn.Linear(5, 5), nn.Dropout(0.9), nn.Linear(5, 1))
    net.eval()
    first = to_numpy(net(x))
    np.testing.assert_array_equal(first, to_numpy(net(x)))  # deterministic in eval mode
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got -0.1"):
        nn.Dropout(-0.1)


# ---------------------------------------------------------------- losses
def _regression(shape=(4, 3)):
    return RNG.standard_normal(shape).astype(np.float32) * 2, RNG.standard_normal(shape).astype(np.float32) * 2


def _class_logits(n=6, c=5, big=False):
    logits = RNG.standard_normal((n, c)).astype(np.float32) * (1000 if big else 2)
    return logits, RNG.integers(0, c, n)


def _probs_target(n=6, c=5):
    p = RNG.random((n, c)).astype(np.float32)
    return RNG.standard_normal((n, c)).astype(np.float32), p / p.sum(1, keepdims=True)


def _binary(n=8):
    return RNG.random(n).astype(np.float32) * 0.98 + 0.01, (RNG.random(n) > 0.5).astype(np.float32)


def _binary_logits(n=8):
    return RNG.standard_normal(n).astype(np.float32) * 3, (RNG.random(n) > 0.5).astype(np.float32)


def _log_probs():
    logits, target = _class_logits()
    shifted = logits - logits.max(1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(1, keepdims=True)), target


LOSSES = {
    "MSELoss": (lambda lib, r: lib.nn.MSELoss(reduction=r), _regression),
    "L1Loss": (lambda lib, r: lib.nn.L1Loss(reduction=r), _regression),
    "HuberLoss": (lambda lib, r: lib.nn.HuberLoss(reduction=r), _regression),
    "HuberLoss(delta=0.5)": (lambda lib, r: lib.nn.HuberLoss(reduction=r, delta=0.5), _regression),
    "SmoothL1Loss": (lambda lib, r: lib.nn.SmoothL1Loss(reduction=r), _regression),
    "SmoothL1Loss(beta=2)": (lambda lib, r: lib.nn.SmoothL1Loss(reduction=r, beta=2.0), _regression),
    "CrossEntropyLoss": (lambda lib, r: lib.nn.CrossEntropyLoss(reduction=r), _class_logits),
    "CrossEntropyLoss(large logits)": (lambda lib, r: lib.nn.CrossEntropyLoss(reduction=r),
                                       lambda: _class_logits(big=True)),
    "CrossEntropyLoss(weight)": (lambda lib, r: lib.nn.CrossEntropyLoss(
        weight=lib.tensor([1.0, 2.0, 0.5, 1.0, 3.0]), reduction=r), _class_logits),
    "CrossEntropyLoss(ignore_index)": (lambda lib, r: lib.nn.CrossEntropyLoss(ignore_index=2, reduction=r),
                                       _class_logits),
    "CrossEntropyLoss(label_smoothing)": (lambda lib, r: lib.nn.CrossEntropyLoss(label_smoothing=0.1,
                                                                                 reduction=r), _class_logits),
    "CrossEntropyLoss(probabilities)": (lambda lib, r: lib.nn.CrossEntropyLoss(reduction=r), _probs_target),
    "NLLLoss": (lambda lib, r: lib.nn.NLLLoss(reduction=r), _log_probs),
    "NLLLoss(weight)": (lambda lib, r: lib.nn.NLLLoss(weight=lib.tensor([1.0, 2.0, 0.5, 1.0, 3.0]),
                                                      reduction=r), _log_probs),
    "BCELoss": (lambda lib, r: lib.nn.BCELoss(reduction=r), _binary),
    "BCEWithLogitsLoss": (lambda lib, r: lib.nn.BCEWithLogitsLoss(reduction=r), _binary_logits),
    "BCEWithLogitsLoss(pos_weight)": (lambda lib, r: lib.nn.BCEWithLogitsLoss(
        pos_weight=lib.tensor(2.0), reduction=r), _binary_logits),
}


@requires_torch
@pytest.mark.parametrize("name", list(LOSSES))
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_loss_values_and_grads_match_torch(name, reduction):
    make, data = LOSSES[name]
    ours, theirs = make(torchless, reduction), make(_torch, reduction)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    inp, target = data()
    x, tx = pair(inp, requires_grad=True)
    t, tt = pair(target)
    loss, tloss = ours(x, t), theirs(tx, tt)
    assert tuple(loss.shape) == tuple(tloss.shape) and str(loss.dtype) == str(tloss.dtype)
    np.testing.assert_allclose(to_numpy(loss), to_numpy(tloss), rtol=1e-5, atol=1e-5)
    assert np.all(np.isfinite(to_numpy(loss)))
    w = RNG.standard_normal(tuple(tloss.shape)).astype(np.float32)
    (loss * torchless.tensor(w)).sum().backward()
    (tloss * _torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(to_numpy(x.grad), to_numpy(tx.grad), rtol=1e-4, atol=1e-5)


@requires_torch
def test_cross_entropy_class_out_of_range_raises_like_torch():
    logits, _ = _class_logits()
    x, tx = pair(logits)
    t, tt = pair(np.array([0, 1, 5, 0, 1, 2]))
    with pytest.raises(Exception) as theirs:
        _torch.nn.CrossEntropyLoss()(tx, tt)
    with pytest.raises(type(theirs.value)):
        nn.CrossEntropyLoss()(x, t)


def test_loss_bad_reduction_raises_when_called():
    loss = nn.MSELoss(reduction="average")  # like PyTorch, accepted at construction
    with pytest.raises(ValueError, match="average is not a valid value for reduction"):
        loss(torchless.ones(2), torchless.ones(2))


def test_legacy_size_average_and_reduce_flags():
    with pytest.warns(UserWarning, match="please use reduction='sum' instead"):
        assert nn.MSELoss(size_average=False).reduction == "sum"
    with pytest.warns(UserWarning, match="please use reduction='none' instead"):
        assert nn.L1Loss(reduce=False).reduction == "none"
    with pytest.warns(UserWarning, match="please use reduction='mean' instead"):
        assert nn.CrossEntropyLoss(size_average=True, reduce=True).reduction == "mean"


def test_mse_loss_closed_form():
    loss = nn.MSELoss()(torchless.tensor([1.0, 2.0, 4.0]), torchless.tensor([1.0, 0.0, 1.0]))
    assert float(loss) == pytest.approx((0 + 4 + 9) / 3)


# ---------------------------------------------------------------- a model trained in both libraries
@requires_torch
def test_twenty_sgd_steps_match_torch():
    def build(lib):
        return lib.nn.Sequential(lib.nn.Flatten(), lib.nn.Linear(12, 16), lib.nn.ReLU(),
                                 lib.nn.Dropout(0.0), lib.nn.Linear(16, 8), lib.nn.Tanh(), lib.nn.Linear(8, 3))
    ours, theirs = build(torchless), build(_torch)
    copy_weights(ours, theirs)
    X = RNG.standard_normal((32, 3, 4)).astype(np.float32)
    y = RNG.integers(0, 3, 32)
    x, tx = pair(X)
    t, tt = pair(y)
    loss_fn, tloss_fn = nn.CrossEntropyLoss(), _torch.nn.CrossEntropyLoss()
    losses, tlosses = [], []
    for _ in range(20):
        for model, inp, tgt, fn, record, lib in ((ours, x, t, loss_fn, losses, torchless),
                                                (theirs, tx, tt, tloss_fn, tlosses, _torch)):
            model.zero_grad()
            loss = fn(model(inp), tgt)
            loss.backward()
            with lib.no_grad():
                for p in model.parameters():
                    p -= 0.1 * p.grad
            record.append(loss.item())
    np.testing.assert_allclose(losses, tlosses, rtol=1e-4, atol=1e-5)
    assert losses[-1] < losses[0]
    for (n, p), (tn, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert n == tn
        np.testing.assert_allclose(to_numpy(p), to_numpy(tp), rtol=1e-4, atol=1e-5)


def test_lazy_parameter_prints_like_torch_before_and_after_its_first_call(torch_ref):
    texts = []
    for lib in (torchless, torch_ref):
        net = lib.nn.Sequential(lib.nn.LazyLinear(4), lib.nn.ReLU())
        before = repr(net[0].weight)
        net(lib.ones(2, 3))
        texts.append((before, tuple(net[0].weight.shape)))
    assert texts[0] == texts[1] == ("<UninitializedParameter>", (4, 3))
