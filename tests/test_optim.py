"""torch.optim and torch.optim.lr_scheduler, against PyTorch: the same problem, the same initial
weights, gradients from each library's own autograd, 100 steps; then schedules, state_dict round
trips, zero_grad, reprs and errors."""
import copy
import importlib
import math
import warnings

import numpy as np
import pytest

import torchless
from torchless.optim import lr_scheduler

from .conftest import requires_torch, to_numpy

OPTIMIZER_CASES = [
    ("SGD", dict(lr=0.05)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.8, dampening=0.3, maximize=True)),
    ("Adam", dict()),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.99), weight_decay=0.05)),
    ("Adam", dict(lr=0.01, amsgrad=True, maximize=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.01, weight_decay=0.1, amsgrad=True)),
    ("Adagrad", dict()),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.01, initial_accumulator_value=0.1)),
    ("Adagrad", dict(lr=0.1, maximize=True)),
    ("RMSprop", dict()),
    ("RMSprop", dict(lr=0.001, momentum=0.9, centered=True)),
    ("RMSprop", dict(lr=0.001, alpha=0.9, weight_decay=0.1, centered=True, maximize=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, eps=1e-5, weight_decay=0.01, maximize=True)),
    ("Adamax", dict()),
    ("Adamax", dict(lr=0.01, weight_decay=0.05, maximize=True)),
    ("NAdam", dict()),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, momentum_decay=0.01)),
    ("RAdam", dict()),
    ("RAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("Rprop", dict()),
    ("Rprop", dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-3, 0.2), maximize=True)),
    ("ASGD", dict(lr=0.05)),
    ("ASGD", dict(lr=0.05, t0=10, weight_decay=0.05, lambd=0.01, maximize=True)),
]


def _initial_weights(dtype=np.float32):
    rng = np.random.default_rng(0)
    return {"w1": rng.standard_normal((3, 4)).astype(dtype), "b1": rng.standard_normal(4).astype(dtype),
            "w2": rng.standard_normal((4, 2)).astype(dtype), "b2": np.zeros(2, dtype)}


def _data(dtype=np.float32):
    rng = np.random.default_rng(1)
    return rng.standard_normal((8, 3)).astype(dtype), rng.standard_normal((8, 2)).astype(dtype)


def _params(lib, weights):
    return [lib.tensor(weights[k]).requires_grad_() for k in ("w1", "b1", "w2", "b2")]


def _loss(lib, params, x, y):
    w1, b1, w2, b2 = params
    out = lib.tanh(x @ w1 + b1) @ w2 + b2
    return ((out - y) ** 2).mean()


def _train(lib, name, options, steps, params=None, opt=None, dtype=np.float32, skip_b2=False):
    """Train the small tanh network; returns (params, optimizer, losses)."""
    xs, ys = _data(dtype)
    x, y = lib.tensor(xs), lib.tensor(ys)
    if params is None:
        params = _params(lib, _initial_weights(dtype))
    if opt is None:
        opt = getattr(lib.optim, name)(params, **options)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = _loss(lib, params, x, y)
        # maximize=True climbs: give it -loss so that it converges instead of diverging chaotically
        (-loss if opt.defaults.get("maximize") or opt.param_groups[0]["maximize"] else loss).backward()
        if skip_b2:
            params[3].grad = None  # a parameter without a gradient is left alone
        opt.step()
        losses.append(loss.item())
    return params, opt, losses


# Gradients come from each library's own autograd, and PyTorch fuses some multiply-adds (one
# rounding where NumPy has two): ulp-level differences, which Adam-like steps amplify a little.
def _assert_params_close(ours, theirs, rtol=1e-5, atol=1e-5):
    for a, b in zip(ours, theirs):
        assert str(a.dtype) == str(b.dtype)
        np.testing.assert_allclose(to_numpy(a), to_numpy(b), rtol=rtol, atol=atol)


def _assert_state_close(ours, theirs):
    """Two optimizers' state_dict()s hold the same state (tensor values, step counts)."""
    so, st = ours.state_dict(), theirs.state_dict()
    assert list(so["state"]) == list(st["state"])
    for k in st["state"]:
        assert list(so["state"][k]) == list(st["state"][k])
        for key, value in st["state"][k].items():
            assert str(so["state"][k][key].dtype) == str(value.dtype), key
            scale = max(float(np.abs(to_numpy(value)).max()), 1.0)
            np.testing.assert_allclose(to_numpy(so["state"][k][key]), to_numpy(value), rtol=1e-5, atol=2e-5 * scale)
    assert so["param_groups"] == st["param_groups"]


# ---------------------------------------------------------------------------- updates vs PyTorch
# Rprop steps by the sign of the gradient, so an ulp of difference in a near-zero gradient flips a
# step: it is compared on a quadratic below, whose gradients both libraries compute exactly alike.
SMOOTH_CASES = [(n, o) for n, o in OPTIMIZER_CASES if n != "Rprop"]


@requires_torch
@pytest.mark.parametrize("name,options", SMOOTH_CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(SMOOTH_CASES)])
def test_hundred_steps_match_torch(torch_ref, name, options):
    ours, our_opt, our_losses = _train(torchless, name, options, 100)
    theirs, their_opt, their_losses = _train(torch_ref, name, options, 100)
    _assert_params_close(ours, theirs)
    np.testing.assert_allclose(our_losses, their_losses, rtol=1e-5, atol=1e-7)
    _assert_state_close(our_opt, their_opt)
    assert our_losses[-1] < our_losses[0]  # it trains


@requires_torch
@pytest.mark.parametrize("name,options", [OPTIMIZER_CASES[i] for i in (2, 6, 10, 14, 16)])
def test_float64_and_missing_grad_match_torch(torch_ref, name, options):
    ours, _, _ = _train(torchless, name, options, 30, dtype=np.float64, skip_b2=True)
    theirs, _, _ = _train(torch_ref, name, options, 30, dtype=np.float64, skip_b2=True)
    _assert_params_close(ours, theirs, rtol=1e-12, atol=1e-13)
    assert ours[3].dtype == torchless.float64
    np.testing.assert_array_equal(ours[3].detach().numpy(), 0.0)  # never had a gradient: untouched


@requires_torch
@pytest.mark.parametrize("name,options", [c for c in OPTIMIZER_CASES if c[0] in ("Rprop", "SGD", "Adam")])
def test_hundred_steps_on_a_quadratic_match_torch(torch_ref, name, options):
    rng = np.random.default_rng(3)
    start, target = rng.standard_normal(10).astype(np.float32), rng.standard_normal(10).astype(np.float32)
    scale = np.linspace(0.5, 3, 10).astype(np.float32)
    results = []
    for lib in (torchless, torch_ref):
        w = lib.tensor(start.copy()).requires_grad_()
        t, c = lib.tensor(target), lib.tensor(scale)
        opt = getattr(lib.optim, name)([w], **options)
        for _ in range(100):
            opt.zero_grad()
            loss = (c * (w - t) ** 2).sum()
            (-loss if options.get("maximize") else loss).backward()
            opt.step()
        results.append(w.detach().numpy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-5, atol=1e-6)
    assert np.abs(results[0] - target).max() < np.abs(start - target).max()  # it got closer


@requires_torch
@pytest.mark.parametrize("dtype", [np.float32, np.complex64])
@pytest.mark.parametrize("name,options", OPTIMIZER_CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(OPTIMIZER_CASES)])
def test_same_gradients_give_same_updates(torch_ref, name, options, dtype):
    """Fed identical gradients, the update formulas alone are compared (complex parameters are
    updated as (re, im) pairs by the adaptive optimizers, as in PyTorch)."""
    rng = np.random.default_rng(2)

    def sample(shape):
        x = rng.standard_normal(shape)
        return (x + 1j * rng.standard_normal(shape) if dtype is np.complex64 else x).astype(dtype)

    start, grads = sample((3, 4)), [sample((3, 4)) for _ in range(25)]
    results = []
    for lib in (torchless, torch_ref):
        p = lib.tensor(start.copy()).requires_grad_()
        opt = getattr(lib.optim, name)([p], **options)
        for g in grads:
            p.grad = lib.tensor(g.copy())
            opt.step()
        results.append(p.detach().numpy())
    assert results[0].dtype == results[1].dtype
    np.testing.assert_allclose(results[0], results[1], rtol=1e-5, atol=2e-6)


@requires_torch
def test_param_groups_with_own_options_match_torch(torch_ref):
    results = []
    for lib in (torchless, torch_ref):
        params = _params(lib, _initial_weights())
        opt = lib.optim.SGD([{"params": params[:2]}, {"params": params[2:], "lr": 0.2, "nesterov": True}],
                            lr=0.05, momentum=0.9)
        results.append(_train(lib, None, None, 50, params=params, opt=opt))
    _assert_params_close(results[0][0], results[1][0])
    assert [g["lr"] for g in results[0][1].param_groups] == [0.05, 0.2]
    assert results[0][1].param_groups[1]["nesterov"] is True
    assert results[0][1].param_groups[0]["nesterov"] is False


def test_sgd_closed_form():
    p = torchless.tensor([1.0, -2.0], requires_grad=True)
    opt = torchless.optim.SGD([p], lr=0.1, momentum=0.5)
    for expected in ([0.8, -1.6], [0.54, -1.08]):  # grad = 2p; buf = 2p, then 0.5*buf + 2p
        opt.zero_grad()
        (p * p).sum().backward()
        opt.step()
        np.testing.assert_allclose(p.detach().numpy(), expected, rtol=1e-6)
    assert p.is_leaf and p.requires_grad and p.grad_fn is None


def test_step_runs_closure_with_grad_enabled():
    p = torchless.tensor([3.0], requires_grad=True)
    opt = torchless.optim.SGD([p], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (p ** 2).sum()
        loss.backward()
        return loss

    with torchless.no_grad():
        loss = opt.step(closure)
    assert loss.item() == 9.0
    assert p.item() == 1.5  # 3 - 0.25 * 6


def test_step_bumps_version_of_parameter():
    p = torchless.tensor([1.0, 2.0], requires_grad=True)
    opt = torchless.optim.Adam([p])
    p.grad = torchless.ones(2)
    v = p._version
    opt.step()
    assert p._version == v + 1


# ---------------------------------------------------------------------------- state_dict
@requires_torch
@pytest.mark.parametrize("name,options", [OPTIMIZER_CASES[i] for i in (1, 6, 10, 13, 16)])
def test_state_dict_round_trip_continues_identically(torch_ref, name, options):
    params, opt, _ = _train(torchless, name, options, 10)
    saved = copy.deepcopy(opt.state_dict())
    weights = [p.detach().clone() for p in params]
    _train(torchless, name, options, 10, params=params, opt=opt)

    fresh = [w.clone().requires_grad_() for w in weights]
    opt2 = getattr(torchless.optim, name)(fresh, **options)
    opt2.load_state_dict(saved)
    _train(torchless, name, options, 10, params=fresh, opt=opt2)
    for a, b in zip(params, fresh):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())

    # and the saved format is PyTorch's: the same dict from PyTorch after the same 10 steps
    _, their_opt, _ = _train(torch_ref, name, options, 10)
    theirs = their_opt.state_dict()
    assert saved["param_groups"] == theirs["param_groups"]
    assert list(saved["state"]) == list(theirs["state"])
    assert {k: list(v) for k, v in saved["state"].items()} == {k: list(v) for k, v in theirs["state"].items()}


def test_load_state_dict_restores_options_and_casts_state():
    p = torchless.ones(3, dtype=torchless.float64, requires_grad=True)
    src_p = torchless.ones(3, requires_grad=True)
    src = torchless.optim.SGD([src_p], lr=0.3, momentum=0.9)
    src_p.grad = torchless.ones(3)
    src.step()
    opt = torchless.optim.SGD([p], lr=0.1, momentum=0.9)
    opt.load_state_dict(src.state_dict())
    assert opt.param_groups[0]["lr"] == 0.3
    assert opt.param_groups[0]["params"][0] is p
    assert opt.state[p]["momentum_buffer"].dtype == torchless.float64


def test_load_state_dict_errors_match_torch(torch_ref):
    for lib in (torchless, torch_ref):
        a, b = lib.ones(2, requires_grad=True), lib.ones(2, requires_grad=True)
        one_group = lib.optim.SGD([a, b]).state_dict()
        two_groups = lib.optim.SGD([{"params": [a]}, {"params": [b]}])
        with pytest.raises(ValueError, match="different number of parameter groups"):
            two_groups.load_state_dict(one_group)
        with pytest.raises(ValueError, match="doesn't match the size"):
            lib.optim.SGD([a]).load_state_dict(one_group)


def test_state_dict_packs_params_as_indices():
    a, b, c = (torchless.ones(1, requires_grad=True) for _ in range(3))
    opt = torchless.optim.Adam([{"params": [a, b]}, {"params": [c], "lr": 0.1}])
    sd = opt.state_dict()
    assert [g["params"] for g in sd["param_groups"]] == [[0, 1], [2]]
    assert sd["state"] == {}
    assert opt.param_groups[0]["params"][0] is a  # packing left the live groups alone


# ---------------------------------------------------------------------------- zero_grad
def test_zero_grad_sets_none_by_default():
    p = torchless.ones(2, requires_grad=True)
    opt = torchless.optim.SGD([p], lr=0.1)
    (p * 3).sum().backward()
    opt.zero_grad()
    assert p.grad is None


def test_zero_grad_in_place_keeps_the_tensor():
    p = torchless.ones(2, requires_grad=True)
    opt = torchless.optim.SGD([p], lr=0.1)
    (p * 3).sum().backward()
    g = p.grad
    opt.zero_grad(set_to_none=False)
    assert p.grad is g
    np.testing.assert_array_equal(g.numpy(), [0.0, 0.0])
    (p * 2).sum().backward()  # accumulates into the zeroed tensor
    np.testing.assert_array_equal(p.grad.numpy(), [2.0, 2.0])


def test_zero_grad_detaches_a_grad_with_history():
    p = torchless.ones(2, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the reference-cycle warning of backward(create_graph=True)
        (p * p).sum().backward(create_graph=True)
    assert p.grad.requires_grad
    torchless.optim.SGD([p]).zero_grad(set_to_none=False)
    assert not p.grad.requires_grad and p.grad.grad_fn is None
    np.testing.assert_array_equal(p.grad.numpy(), [0.0, 0.0])


# ---------------------------------------------------------------------------- repr and construction
@requires_torch
@pytest.mark.parametrize("name,options", OPTIMIZER_CASES[::2])
def test_repr_matches_torch(torch_ref, name, options):
    texts = []
    for lib in (torchless, torch_ref):
        a, b = lib.ones(2, requires_grad=True), lib.ones(3, requires_grad=True)
        opt = getattr(lib.optim, name)([{"params": [a]}, {"params": [b], "lr": 0.5}], **options)
        texts.append(repr(opt))
        lib.optim.lr_scheduler.StepLR(opt, 3)  # adds initial_lr to the groups
        texts.append(repr(opt))
    assert texts[0] == texts[2] and texts[1] == texts[3]


@requires_torch
@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "Adagrad", "RMSprop", "Adadelta", "Adamax", "NAdam",
                                  "RAdam", "Rprop", "ASGD"])
def test_defaults_match_torch(torch_ref, name):
    ours = getattr(torchless.optim, name)([torchless.ones(1, requires_grad=True)])
    theirs = getattr(torch_ref.optim, name)([torch_ref.ones(1, requires_grad=True)])
    assert ours.defaults == theirs.defaults
    assert list(ours.param_groups[0]) == list(theirs.param_groups[0])
    assert type(ours).__module__.replace("torchless", "torch") == type(theirs).__module__


def test_named_parameters_are_accepted():
    a, b = torchless.ones(1, requires_grad=True), torchless.ones(1, requires_grad=True)
    opt = torchless.optim.SGD([("a", a), ("b", b)], lr=0.1)
    assert opt.param_groups[0]["params"] == [a, b]
    assert opt.param_groups[0]["param_names"] == ["a", "b"]


def test_add_param_group():
    a, b = torchless.ones(1, requires_grad=True), torchless.ones(1, requires_grad=True)
    opt = torchless.optim.SGD([a], lr=0.1, momentum=0.5)
    opt.add_param_group({"params": b, "lr": 0.01})
    assert opt.param_groups[1]["params"] == [b]
    assert opt.param_groups[1]["lr"] == 0.01 and opt.param_groups[1]["momentum"] == 0.5
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})
    with pytest.raises(TypeError, match="must be a dict"):
        opt.add_param_group([a])
    with pytest.raises(TypeError, match="ordered collections"):
        opt.add_param_group({"params": {torchless.ones(1)}})


ERROR_CASES = [
    ("SGD", dict(lr=-1)), ("SGD", dict(momentum=-1)), ("SGD", dict(weight_decay=-1)),
    ("SGD", dict(nesterov=True)), ("SGD", dict(momentum=0.9, dampening=0.1, nesterov=True)),
    ("Adam", dict(lr=-1)), ("Adam", dict(eps=-1)), ("Adam", dict(betas=(1.0, 0.9))),
    ("Adam", dict(betas=(0.9, -1))), ("Adam", dict(weight_decay=-1)), ("AdamW", dict(lr=-0.5)),
    ("Adagrad", dict(lr=-1)), ("Adagrad", dict(lr_decay=-1)), ("Adagrad", dict(weight_decay=-1)),
    ("Adagrad", dict(initial_accumulator_value=-1)), ("Adagrad", dict(eps=-1)),
    ("RMSprop", dict(lr=-1)), ("RMSprop", dict(eps=-1)), ("RMSprop", dict(momentum=-1)),
    ("RMSprop", dict(weight_decay=-1)), ("RMSprop", dict(alpha=-1)),
    ("Adadelta", dict(lr=-1)), ("Adadelta", dict(rho=2)), ("Adadelta", dict(eps=-1)),
    ("Adadelta", dict(weight_decay=-1)),
    ("Adamax", dict(betas=(1, 0.5))), ("Adamax", dict(eps=-1)), ("NAdam", dict(momentum_decay=-1)),
    ("NAdam", dict(betas=(0.5, 1))), ("RAdam", dict(lr=-1)), ("RAdam", dict(weight_decay=-1)),
    ("Rprop", dict(etas=(0.5, 0.9))), ("Rprop", dict(lr=-1)), ("ASGD", dict(weight_decay=-1)),
]


@requires_torch
@pytest.mark.parametrize("name,options", ERROR_CASES)
def test_invalid_options_raise_like_torch(torch_ref, name, options):
    messages = []
    for lib in (torchless, torch_ref):
        with pytest.raises(ValueError) as info:
            getattr(lib.optim, name)([lib.ones(1, requires_grad=True)], **options)
        messages.append(str(info.value))
    assert messages[0] == messages[1]


@requires_torch
def test_bad_params_raise_like_torch(torch_ref):
    for lib in (torchless, torch_ref):
        p = lib.ones(2, requires_grad=True)
        with pytest.raises(ValueError, match="empty parameter list"):
            lib.optim.SGD([])
        with pytest.raises(TypeError, match="iterable of Tensors or dicts, but got torch.FloatTensor"):
            lib.optim.SGD(p)
        with pytest.raises(ValueError, match="more than one parameter group"):
            lib.optim.SGD([{"params": [p]}, {"params": [p]}])
        with pytest.raises(TypeError, match="can only optimize Tensors, but one of the params is int"):
            lib.optim.SGD([1])
        with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
            lib.optim.SGD([p * 2])
        with pytest.warns(UserWarning, match="duplicate parameters"):
            lib.optim.SGD([p, p])


def test_base_step_is_abstract():
    opt = torchless.optim.Optimizer([torchless.ones(1, requires_grad=True)], {"lr": 0.1})
    with pytest.raises(NotImplementedError):
        opt.step()


# ---------------------------------------------------------------------------- lr_scheduler
SCHEDULER_CASES = [
    ("StepLR", dict(step_size=4, gamma=0.5)),
    ("StepLR", dict(step_size=1)),
    ("MultiStepLR", dict(milestones=[3, 7, 7, 20], gamma=0.3)),
    ("ExponentialLR", dict(gamma=0.9)),
    ("CosineAnnealingLR", dict(T_max=7, eta_min=0.01)),
    ("CosineAnnealingLR", dict(T_max=30)),
    ("LambdaLR", dict(lr_lambda=lambda epoch: 0.95 ** epoch)),
    ("LambdaLR", dict(lr_lambda=[lambda epoch: 1 / (epoch + 1), lambda epoch: math.cos(epoch)])),
    ("MultiplicativeLR", dict(lr_lambda=lambda epoch: 0.9 if epoch % 2 else 1.05)),
    ("ConstantLR", dict(factor=0.5, total_iters=4)),
    ("LinearLR", dict(start_factor=0.25, end_factor=0.9, total_iters=10)),
    ("PolynomialLR", dict(total_iters=12, power=2.0)),
]


def _lr_sequence(lib, name, options, epochs=30):
    a, b = lib.ones(2, requires_grad=True), lib.ones(2, requires_grad=True)
    opt = lib.optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1, momentum=0.9)
    sched = getattr(lib.optim.lr_scheduler, name)(opt, **options)
    lrs = [sched.get_last_lr()]
    for _ in range(epochs):
        opt.step()
        sched.step()
        lrs.append(sched.get_last_lr())
        assert lrs[-1] == [g["lr"] for g in opt.param_groups]
    return lrs, sched


@requires_torch
@pytest.mark.parametrize("name,options", SCHEDULER_CASES)
def test_schedule_equals_torch(torch_ref, name, options):
    ours, sched = _lr_sequence(torchless, name, options)
    theirs, their_sched = _lr_sequence(torch_ref, name, options)
    assert ours == theirs  # exactly: the same formulas in the same order
    assert sched.last_epoch == 30
    assert type(sched).__module__ == "torchless.optim.lr_scheduler"
    ours_sd, theirs_sd = sched.state_dict(), their_sched.state_dict()
    assert list(ours_sd) == list(theirs_sd)
    assert {k: v for k, v in ours_sd.items() if k != "lr_lambdas"} == \
        {k: v for k, v in theirs_sd.items() if k != "lr_lambdas"}


@requires_torch
@pytest.mark.parametrize("name,options", [SCHEDULER_CASES[i] for i in (0, 2, 3, 4, 9, 10, 11)])
def test_closed_form_with_epoch_argument_equals_torch(torch_ref, name, options):
    results = []
    for lib in (torchless, torch_ref):
        opt = lib.optim.SGD([lib.ones(1, requires_grad=True)], lr=0.1)
        sched = getattr(lib.optim.lr_scheduler, name)(opt, **options)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            results.append([(sched.step(e), sched.get_last_lr())[1] for e in (5, 9, 2, 14)])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-14)


def test_scheduler_closed_forms():
    opt = torchless.optim.SGD([torchless.ones(1, requires_grad=True)], lr=1.0)
    sched = lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    seen = []
    for _ in range(6):
        seen.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    assert seen == [1.0, 1.0, 0.5, 0.5, 0.25, 0.25]
    assert opt.param_groups[0]["initial_lr"] == 1.0


def test_scheduler_state_dict_resumes():
    def run(opt, sched, n):
        for _ in range(n):
            opt.step()
            sched.step()
        return sched.get_last_lr()

    opt = torchless.optim.SGD([torchless.ones(1, requires_grad=True)], lr=1.0)
    sched = lr_scheduler.CosineAnnealingLR(opt, T_max=10)
    run(opt, sched, 4)
    saved_opt, saved_sched = copy.deepcopy(opt.state_dict()), copy.deepcopy(sched.state_dict())
    expected = run(opt, sched, 5)

    opt2 = torchless.optim.SGD([torchless.ones(1, requires_grad=True)], lr=1.0)
    opt2.load_state_dict(saved_opt)
    sched2 = lr_scheduler.CosineAnnealingLR(opt2, T_max=10, last_epoch=3)
    sched2.load_state_dict(saved_sched)
    assert run(opt2, sched2, 5) == expected


def test_lambda_lr_saves_callable_objects_only():
    class Decay:
        def __init__(self):
            self.rate = 0.5

        def __call__(self, epoch):
            return self.rate ** epoch

    a, b = torchless.ones(1, requires_grad=True), torchless.ones(1, requires_grad=True)
    opt = torchless.optim.SGD([{"params": [a]}, {"params": [b]}], lr=1.0)
    decay = Decay()
    sched = lr_scheduler.LambdaLR(opt, [decay, lambda e: 1.0])
    sd = sched.state_dict()
    assert sd["lr_lambdas"] == [{"rate": 0.5}, None]
    decay.rate = 0.1
    sched.load_state_dict(sd)
    assert decay.rate == 0.5
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas, but got 1"):
        lr_scheduler.LambdaLR(opt, [decay])


def test_scheduler_errors_and_warnings():
    opt = torchless.optim.SGD([torchless.ones(1, requires_grad=True)], lr=1.0)
    with pytest.raises(TypeError, match="is not an Optimizer"):
        lr_scheduler.StepLR(object(), 2)
    with pytest.raises(KeyError, match="initial_lr"):
        lr_scheduler.StepLR(opt, 2, last_epoch=3)
    sched = lr_scheduler.ExponentialLR(opt, 0.5)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        sched.step()
    with pytest.warns(UserWarning, match="get_last_lr"):
        sched.get_lr()
    assert isinstance(sched, lr_scheduler.LRScheduler)


@requires_torch
@pytest.mark.parametrize("options", [dict(patience=2, cooldown=1, factor=0.5, min_lr=0.01),
                                     dict(mode="max", threshold_mode="abs", threshold=0.1, patience=1),
                                     dict(min_lr=[0.0, 0.2], patience=0)])
def test_reduce_on_plateau_equals_torch(torch_ref, options):
    results = []
    for lib in (torchless, torch_ref):
        a, b = lib.ones(1, requires_grad=True), lib.ones(1, requires_grad=True)
        opt = lib.optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1)
        sched = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, **options)
        lrs = []
        for epoch in range(40):
            opt.step()
            sched.step(math.sin(epoch / 3) + (epoch % 5) * 0.01)
            lrs.append(sched.get_last_lr())
        results.append((lrs, sched.state_dict()))
    assert results[0] == results[1]
    assert results[0][0][-1] != results[0][0][0]  # it did reduce


@requires_torch
@pytest.mark.parametrize("make", [
    lambda L, o: L.ReduceLROnPlateau(o, factor=1.0), lambda L, o: L.ReduceLROnPlateau(o, mode="up"),
    lambda L, o: L.ReduceLROnPlateau(o, threshold_mode="x"), lambda L, o: L.ReduceLROnPlateau(o, min_lr=[0, 1]),
    lambda L, o: L.ConstantLR(o, factor=2), lambda L, o: L.LinearLR(o, start_factor=0),
    lambda L, o: L.LinearLR(o, end_factor=1.5), lambda L, o: L.LambdaLR(o, [lambda e: 1, lambda e: 1]),
])
def test_scheduler_option_errors_match_torch(torch_ref, make):
    errors = []
    for lib in (torchless, torch_ref):
        opt = lib.optim.SGD([lib.ones(1, requires_grad=True)], lr=0.1)
        with pytest.raises(ValueError) as info:
            make(lib.optim.lr_scheduler, opt)
        errors.append(str(info.value))
    assert errors[0] == errors[1]


# ---------------------------------------------------------------------------- step hooks
@requires_torch
def test_step_hooks_run_like_torch(torch_ref):
    logs = []
    for lib in (torchless, torch_ref):
        log = []
        p = lib.ones(2, requires_grad=True)
        opt = lib.optim.SGD([p], lr=0.5)
        module = importlib.import_module(lib.__name__ + ".optim.optimizer")
        handles = [
            module.register_optimizer_step_pre_hook(lambda o, a, k: log.append("global pre")),
            module.register_optimizer_step_post_hook(lambda o, a, k: log.append("global post")),
            opt.register_step_pre_hook(lambda o, a, k: log.append(("pre", len(a), sorted(k)))),
            opt.register_step_post_hook(lambda o, a, k: log.append("post")),
        ]
        try:
            p.grad = lib.ones(2)
            opt.step()
            replaced = opt.register_step_pre_hook(lambda o, a, k: ((o,), {"closure": lambda: 7.0}))
            log.append(opt.step())
            replaced.remove()
        finally:
            for h in handles:
                h.remove()
        opt.step()  # no hooks left
        log.append(p.tolist())
        logs.append(log)
    assert logs[0] == logs[1]


@requires_torch
def test_step_pre_hook_with_a_bad_result_raises_like_torch(torch_ref):
    for lib in (torchless, torch_ref):
        opt = lib.optim.SGD([lib.ones(1, requires_grad=True)])
        opt.register_step_pre_hook(lambda o, a, k: 5)
        with pytest.raises(RuntimeError, match=r"must return None or a tuple of \(new_args, new_kwargs\)"):
            opt.step()


def _composite(lib, name, opt):
    sched = lib.optim.lr_scheduler
    if name == "sequential":
        return sched.SequentialLR(opt, [sched.LinearLR(opt, start_factor=0.1, total_iters=5),
                                        sched.CosineAnnealingLR(opt, T_max=10), sched.ExponentialLR(opt, 0.9)],
                                  milestones=[5, 15])
    if name == "chained":
        return sched.ChainedScheduler([sched.ConstantLR(opt, factor=0.5, total_iters=4),
                                       sched.ExponentialLR(opt, 0.9)])
    if name == "warm_restarts_mult2":
        return sched.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=2, eta_min=0.001)
    return sched.CosineAnnealingWarmRestarts(opt, T_0=4)


@requires_torch
@pytest.mark.parametrize("name", ["sequential", "chained", "warm_restarts_mult2", "warm_restarts"])
def test_composite_and_restart_schedules_equal_torch(torch_ref, name):
    results = []
    for lib in (torchless, torch_ref):
        a, b = lib.ones(1, requires_grad=True), lib.ones(1, requires_grad=True)
        opt = lib.optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.3}], lr=0.1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SequentialLR's inner schedulers warn in PyTorch too
            sched = _composite(lib, name, opt)
            lrs = [sched.get_last_lr()]
            for _ in range(30):
                opt.step()
                sched.step()
                lrs.append(sched.get_last_lr())
        results.append((lrs, str(sched.state_dict())))
    assert results[0] == results[1]


@requires_torch
def test_warm_restarts_fractional_epochs_equal_torch(torch_ref):
    results = []
    for lib in (torchless, torch_ref):
        opt = lib.optim.SGD([lib.ones(1, requires_grad=True)], lr=0.1)
        sched = lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=2)
        lrs = []
        for epoch in [0.5, 1.25, 2.9, 3.0, 7.5, 20.2, 2]:
            sched.step(epoch)
            lrs.append(sched.get_last_lr())
        with pytest.raises(ValueError, match="Expected non-negative epoch"):
            sched.step(-1)
        with pytest.raises(ValueError, match="Expected positive integer T_0"):
            lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=0)
        results.append(lrs)
    assert results[0] == results[1]


def test_sequential_rejects_mismatched_pieces():
    opt = torchless.optim.SGD([torchless.ones(1, requires_grad=True)], lr=0.1)
    other = torchless.optim.SGD([torchless.ones(1, requires_grad=True)], lr=0.1)
    s1, s2 = lr_scheduler.ExponentialLR(opt, 0.9), lr_scheduler.StepLR(other, 2)
    with pytest.raises(ValueError, match="same optimizer"):
        lr_scheduler.SequentialLR(opt, [s1, s2], milestones=[3])
    with pytest.raises(ValueError, match="one more than the number of milestone"):
        lr_scheduler.SequentialLR(opt, [s1], milestones=[3])
    with pytest.raises(ValueError, match="ReduceLROnPlateau"):
        lr_scheduler.ChainedScheduler([s1, lr_scheduler.ReduceLROnPlateau(opt)])


ONE_CYCLE_CASES = [
    dict(max_lr=0.5, total_steps=30),
    dict(max_lr=[0.5, 1.0], epochs=3, steps_per_epoch=10, anneal_strategy="linear", three_phase=True),
    dict(max_lr=0.1, total_steps=31, pct_start=0.25, cycle_momentum=False),
]


@requires_torch
@pytest.mark.parametrize("optimizer", ["SGD", "Adam"])
@pytest.mark.parametrize("options", ONE_CYCLE_CASES)
def test_one_cycle_equals_torch(torch_ref, optimizer, options):
    results = []
    for lib in (torchless, torch_ref):
        a, b = lib.ones(1, requires_grad=True), lib.ones(1, requires_grad=True)
        extra = {"momentum": 0.9} if optimizer == "SGD" else {}
        opt = getattr(lib.optim, optimizer)([{"params": [a]}, {"params": [b]}], lr=0.1, **extra)
        sched = lib.optim.lr_scheduler.OneCycleLR(opt, **options)

        def momenta():
            return [g["momentum"] if optimizer == "SGD" else g["betas"] for g in opt.param_groups]

        seen = [(sched.get_last_lr(), momenta())]
        for _ in range(sched.total_steps - 1):
            opt.step()
            sched.step()
            seen.append((sched.get_last_lr(), momenta()))
        opt.step()
        sched.step()
        with pytest.raises(ValueError, match="Tried to step .* times"):
            sched.step()
        results.append((seen, opt.param_groups[0].keys() - {"params"}, str(sched.state_dict())))
    assert results[0] == results[1]


@requires_torch
@pytest.mark.parametrize("options", [dict(max_lr=0.1), dict(max_lr=0.1, total_steps=0),
                                     dict(max_lr=0.1, epochs=0, steps_per_epoch=3),
                                     dict(max_lr=0.1, total_steps=5, pct_start=1),
                                     dict(max_lr=0.1, total_steps=5, anneal_strategy="exp"),
                                     dict(max_lr=[0.1, 0.2], total_steps=5)])
def test_one_cycle_errors_match_torch(torch_ref, options):
    errors = []
    for lib in (torchless, torch_ref):
        opt = lib.optim.SGD([lib.ones(1, requires_grad=True)], lr=0.1, momentum=0.9)
        with pytest.raises(ValueError) as info:
            lib.optim.lr_scheduler.OneCycleLR(opt, **options)
        errors.append(str(info.value))
    assert errors[0] == errors[1]


@requires_torch
def test_user_defined_optimizer_subclass_works_like_torch(torch_ref):
    outcomes = []
    for lib in (torchless, torch_ref):
        class HalvingSGD(lib.optim.Optimizer):
            def __init__(self, params, lr=0.1):
                super().__init__(params, dict(lr=lr))

            @lib.no_grad()
            def step(self, closure=None):
                for group in self.param_groups:
                    for p in group["params"]:
                        if p.grad is not None:
                            state = self.state[p]
                            state["n"] = state.get("n", 0) + 1
                            p.add_(p.grad, alpha=-group["lr"])

        p = lib.tensor([1.0, -2.0], requires_grad=True)
        opt = HalvingSGD([p])
        sched = lib.optim.lr_scheduler.StepLR(opt, 1, gamma=0.5)
        for _ in range(3):
            opt.zero_grad()
            (p * p).sum().backward()
            opt.step()
            sched.step()
        outcomes.append((p.tolist(), repr(opt), str(opt.state_dict())))
    assert outcomes[0] == outcomes[1]
