"""Issue 3: the same small nn model, seeded with the same weights (copied from torchless into
PyTorch), trained for 20 steps with real optimizer and loss modules in both libraries: the loss
agrees at every step, and at the end every parameter and the optimizer state agree to float32
tolerance. Covers every loss configuration x SGD(momentum), every optimizer configuration x
CrossEntropyLoss, some mixed pairs, and learning-rate schedulers in the loop.

Each library computes its own forward and backward (NumPy's float32 kernels round differently
from PyTorch's fused ones), so agreement is to float32 tolerance, not bit-exact."""
import numpy as np
import pytest

import torchless

from .conftest import requires_torch, to_numpy
from .nn.test_layers import copy_weights
from .test_optim import _assert_state_close

pytestmark = requires_torch

STEPS = 20
N_SAMPLES, N_FEATURES, N_CLASSES = 24, 12, 4

_rng = np.random.default_rng(2024)
INPUTS = _rng.standard_normal((N_SAMPLES, N_FEATURES)).astype(np.float32)
CLASS_INDICES = _rng.integers(0, N_CLASSES, N_SAMPLES)
_raw = _rng.random((N_SAMPLES, N_CLASSES)).astype(np.float32) + 0.05
CLASS_PROBABILITIES = _raw / _raw.sum(1, keepdims=True)
REGRESSION_TARGETS = (_rng.standard_normal((N_SAMPLES, N_CLASSES)) * 1.5).astype(np.float32)
BINARY_TARGETS = (_rng.random((N_SAMPLES, N_CLASSES)) > 0.6).astype(np.float32)
CLASS_WEIGHTS = np.array([1.0, 2.5, 0.5, 1.5], np.float32)
POS_WEIGHTS = np.array([2.0, 0.5, 3.0, 1.0], np.float32)


def _build_model(lib, head):
    """Linear-ReLU-Linear with an optional output head (LogSoftmax for NLLLoss, Sigmoid for BCELoss)."""
    layers = [lib.nn.Linear(N_FEATURES, 16), lib.nn.ReLU(), lib.nn.Linear(16, N_CLASSES)]
    if head == "log_softmax":
        layers.append(lib.nn.LogSoftmax(dim=1))
    elif head == "sigmoid":
        layers.append(lib.nn.Sigmoid())
    return lib.nn.Sequential(*layers)


def _models(torch, head=None, seed=0):
    torchless.manual_seed(seed)
    ours, theirs = _build_model(torchless, head), _build_model(torch, head)
    copy_weights(ours, theirs)
    return ours, theirs


# name -> (make the loss module from a library, target array, model head)
LOSS_CASES = {
    "MSELoss": (lambda lib: lib.nn.MSELoss(), REGRESSION_TARGETS, None),
    "MSELoss(sum)": (lambda lib: lib.nn.MSELoss(reduction="sum"), REGRESSION_TARGETS, None),
    "L1Loss": (lambda lib: lib.nn.L1Loss(), REGRESSION_TARGETS, None),
    "L1Loss(sum)": (lambda lib: lib.nn.L1Loss(reduction="sum"), REGRESSION_TARGETS, None),
    "HuberLoss": (lambda lib: lib.nn.HuberLoss(), REGRESSION_TARGETS, None),
    "HuberLoss(delta=0.5,sum)": (lambda lib: lib.nn.HuberLoss(delta=0.5, reduction="sum"), REGRESSION_TARGETS, None),
    "SmoothL1Loss": (lambda lib: lib.nn.SmoothL1Loss(), REGRESSION_TARGETS, None),
    "SmoothL1Loss(beta=0.5)": (lambda lib: lib.nn.SmoothL1Loss(beta=0.5), REGRESSION_TARGETS, None),
    "CrossEntropyLoss": (lambda lib: lib.nn.CrossEntropyLoss(), CLASS_INDICES, None),
    "CrossEntropyLoss(sum)": (lambda lib: lib.nn.CrossEntropyLoss(reduction="sum"), CLASS_INDICES, None),
    "CrossEntropyLoss(ignore_index)": (lambda lib: lib.nn.CrossEntropyLoss(ignore_index=1), CLASS_INDICES, None),
    "CrossEntropyLoss(ignore_index,sum)": (lambda lib: lib.nn.CrossEntropyLoss(ignore_index=1, reduction="sum"),
                                           CLASS_INDICES, None),
    "CrossEntropyLoss(label_smoothing)": (lambda lib: lib.nn.CrossEntropyLoss(label_smoothing=0.2),
                                          CLASS_INDICES, None),
    "CrossEntropyLoss(weight)": (lambda lib: lib.nn.CrossEntropyLoss(weight=lib.tensor(CLASS_WEIGHTS)),
                                 CLASS_INDICES, None),
    "CrossEntropyLoss(weight,sum)": (lambda lib: lib.nn.CrossEntropyLoss(weight=lib.tensor(CLASS_WEIGHTS),
                                                                         reduction="sum"), CLASS_INDICES, None),
    "CrossEntropyLoss(weight,ignore_index,label_smoothing)": (
        lambda lib: lib.nn.CrossEntropyLoss(weight=lib.tensor(CLASS_WEIGHTS), ignore_index=2, label_smoothing=0.1),
        CLASS_INDICES, None),
    "CrossEntropyLoss(probabilities)": (lambda lib: lib.nn.CrossEntropyLoss(), CLASS_PROBABILITIES, None),
    "CrossEntropyLoss(probabilities,sum)": (lambda lib: lib.nn.CrossEntropyLoss(reduction="sum"),
                                            CLASS_PROBABILITIES, None),
    "CrossEntropyLoss(probabilities,label_smoothing)": (lambda lib: lib.nn.CrossEntropyLoss(label_smoothing=0.1),
                                                        CLASS_PROBABILITIES, None),
    "CrossEntropyLoss(probabilities,weight)": (lambda lib: lib.nn.CrossEntropyLoss(weight=lib.tensor(CLASS_WEIGHTS)),
                                               CLASS_PROBABILITIES, None),
    "NLLLoss": (lambda lib: lib.nn.NLLLoss(), CLASS_INDICES, "log_softmax"),
    "NLLLoss(weight,ignore_index)": (lambda lib: lib.nn.NLLLoss(weight=lib.tensor(CLASS_WEIGHTS), ignore_index=0),
                                     CLASS_INDICES, "log_softmax"),
    "NLLLoss(sum)": (lambda lib: lib.nn.NLLLoss(reduction="sum"), CLASS_INDICES, "log_softmax"),
    "BCELoss": (lambda lib: lib.nn.BCELoss(), BINARY_TARGETS, "sigmoid"),
    "BCELoss(weight,sum)": (lambda lib: lib.nn.BCELoss(weight=lib.tensor(CLASS_WEIGHTS), reduction="sum"),
                            BINARY_TARGETS, "sigmoid"),
    "BCEWithLogitsLoss": (lambda lib: lib.nn.BCEWithLogitsLoss(), BINARY_TARGETS, None),
    "BCEWithLogitsLoss(pos_weight)": (lambda lib: lib.nn.BCEWithLogitsLoss(pos_weight=lib.tensor(POS_WEIGHTS)),
                                      BINARY_TARGETS, None),
    "BCEWithLogitsLoss(weight,pos_weight,sum)": (
        lambda lib: lib.nn.BCEWithLogitsLoss(weight=lib.tensor(CLASS_WEIGHTS), pos_weight=lib.tensor(POS_WEIGHTS),
                                             reduction="sum"), BINARY_TARGETS, None),
}

OPTIMIZER_CASES = {
    "SGD": ("SGD", dict(lr=0.1)),
    "SGD(momentum)": ("SGD", dict(lr=0.05, momentum=0.9)),
    "SGD(momentum,dampening)": ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.5)),
    "SGD(nesterov)": ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
    "SGD(weight_decay)": ("SGD", dict(lr=0.1, weight_decay=0.05)),
    "SGD(momentum,nesterov,weight_decay)": ("SGD", dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.01)),
    "Adam": ("Adam", dict(lr=0.01)),
    "Adam(amsgrad)": ("Adam", dict(lr=0.01, amsgrad=True)),
    "Adam(weight_decay)": ("Adam", dict(lr=0.01, betas=(0.8, 0.99), weight_decay=0.05)),
    "Adam(amsgrad,weight_decay)": ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.01)),
    "AdamW": ("AdamW", dict(lr=0.01)),
    "AdamW(weight_decay,amsgrad)": ("AdamW", dict(lr=0.01, weight_decay=0.1, amsgrad=True)),
    "Adagrad": ("Adagrad", dict(lr=0.05)),
    "Adagrad(lr_decay,weight_decay,initial_accumulator_value)": (
        "Adagrad", dict(lr=0.05, lr_decay=0.01, weight_decay=0.01, initial_accumulator_value=0.1)),
    "RMSprop": ("RMSprop", dict(lr=0.005)),
    "RMSprop(centered)": ("RMSprop", dict(lr=0.005, centered=True)),
    "RMSprop(momentum)": ("RMSprop", dict(lr=0.002, momentum=0.9)),
    "RMSprop(centered,momentum,weight_decay)": ("RMSprop", dict(lr=0.002, alpha=0.9, momentum=0.5, centered=True,
                                                                weight_decay=0.01)),
    "Adadelta": ("Adadelta", dict()),
    "Adadelta(lr,rho,weight_decay)": ("Adadelta", dict(lr=0.5, rho=0.8, eps=1e-5, weight_decay=0.01)),
}

MIXED_CASES = [
    ("Adam", "BCEWithLogitsLoss(pos_weight)"),
    ("RMSprop(centered)", "HuberLoss"),
    ("AdamW", "MSELoss"),
    ("Adagrad", "NLLLoss"),
    ("Adadelta", "BCELoss"),
    ("Adam(amsgrad)", "SmoothL1Loss(beta=0.5)"),
    ("RMSprop(momentum)", "L1Loss"),
    ("SGD(nesterov)", "CrossEntropyLoss(probabilities,label_smoothing)"),
]


def _run(lib, model, optimizer, loss_fn, target, scheduler=None):
    """The ordinary training loop for STEPS steps; returns the loss of each step and the lr after each."""
    x, y = lib.tensor(INPUTS), lib.tensor(target)
    losses, lrs = [], []
    for _ in range(STEPS):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        if scheduler is not None:
            if type(scheduler).__name__ == "ReduceLROnPlateau":
                scheduler.step(loss.item())
            else:
                scheduler.step()
            lrs.append(scheduler.get_last_lr())
    return losses, lrs


def _train_both(torch, optimizer_case, loss_case, make_scheduler=None):
    make_loss, target, head = LOSS_CASES[loss_case]
    opt_name, options = OPTIMIZER_CASES[optimizer_case]
    if "sum" in loss_case and "lr" in options:  # a summed loss has a gradient N times larger: keep steps stable
        options = dict(options, lr=options["lr"] / N_SAMPLES)
    ours, theirs = _models(torch, head)
    results = []
    for lib, model in ((torchless, ours), (torch, theirs)):
        optimizer = getattr(lib.optim, opt_name)(model.parameters(), **options)
        scheduler = make_scheduler(lib, optimizer) if make_scheduler else None
        losses, lrs = _run(lib, model, optimizer, make_loss(lib), target, scheduler)
        results.append((model, optimizer, losses, lrs))
    return results


def _assert_training_agrees(ours, theirs):
    our_model, our_opt, our_losses, _ = ours
    their_model, their_opt, their_losses, _ = theirs
    for step, (a, b) in enumerate(zip(our_losses, their_losses)):
        assert a == pytest.approx(b, rel=1e-5, abs=1e-6), f"loss differs at step {step}: {a} vs {b}"
    assert our_losses[-1] < our_losses[0]  # it actually trained
    our_params, their_params = dict(our_model.named_parameters()), dict(their_model.named_parameters())
    assert list(our_params) == list(their_params)
    for name, p in our_params.items():
        q = their_params[name]
        assert str(p.dtype) == str(q.dtype) == "torch.float32"
        np.testing.assert_allclose(to_numpy(p), to_numpy(q), rtol=2e-5, atol=1e-5, err_msg=name)
    _assert_state_close(our_opt, their_opt)


@pytest.mark.parametrize("loss_case", list(LOSS_CASES))
def test_every_loss_with_sgd_momentum_matches_torch(torch_ref, loss_case):
    ours, theirs = _train_both(torch_ref, "SGD(momentum)", loss_case)
    _assert_training_agrees(ours, theirs)


@pytest.mark.parametrize("optimizer_case", list(OPTIMIZER_CASES))
def test_every_optimizer_with_cross_entropy_matches_torch(torch_ref, optimizer_case):
    ours, theirs = _train_both(torch_ref, optimizer_case, "CrossEntropyLoss")
    _assert_training_agrees(ours, theirs)


@pytest.mark.parametrize("optimizer_case,loss_case", MIXED_CASES)
def test_mixed_optimizer_and_loss_pairs_match_torch(torch_ref, optimizer_case, loss_case):
    ours, theirs = _train_both(torch_ref, optimizer_case, loss_case)
    _assert_training_agrees(ours, theirs)


SCHEDULER_CASES = [
    ("SGD(momentum)", "CrossEntropyLoss", lambda lib, opt: lib.optim.lr_scheduler.StepLR(opt, step_size=5, gamma=0.5)),
    ("Adam", "CrossEntropyLoss", lambda lib, opt: lib.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=STEPS,
                                                                                         eta_min=1e-3)),
    ("SGD(momentum)", "MSELoss", lambda lib, opt: lib.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=7)),
    ("RMSprop", "BCEWithLogitsLoss", lambda lib, opt: lib.optim.lr_scheduler.ExponentialLR(opt, gamma=0.9)),
    ("SGD(momentum)", "HuberLoss", lambda lib, opt: lib.optim.lr_scheduler.MultiStepLR(opt, [3, 8, 15], gamma=0.3)),
    ("Adam", "NLLLoss", lambda lib, opt: lib.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.05, total_steps=STEPS)),
    ("SGD(nesterov)", "CrossEntropyLoss", lambda lib, opt: lib.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=0.1, total_steps=STEPS, anneal_strategy="linear")),
    ("AdamW", "CrossEntropyLoss", lambda lib, opt: lib.optim.lr_scheduler.LinearLR(opt, start_factor=0.2,
                                                                                 total_iters=10)),
    ("SGD(momentum)", "L1Loss", lambda lib, opt: lib.optim.lr_scheduler.ReduceLROnPlateau(
        opt, factor=0.5, patience=1, threshold=0.05)),  # a 5% threshold: the slow L1 descent counts as a plateau
]


@pytest.mark.parametrize("optimizer_case,loss_case,make_scheduler", SCHEDULER_CASES,
                         ids=[f"{o}-{l}-{i}" for i, (o, l, _) in enumerate(SCHEDULER_CASES)])
def test_schedulers_in_the_loop_match_torch(torch_ref, optimizer_case, loss_case, make_scheduler):
    ours, theirs = _train_both(torch_ref, optimizer_case, loss_case, make_scheduler)
    our_lrs, their_lrs = ours[3], theirs[3]
    assert len(our_lrs) == len(their_lrs) == STEPS
    for step, (a, b) in enumerate(zip(our_lrs, their_lrs)):
        assert a == pytest.approx(b, rel=1e-12, abs=1e-15), f"lr differs after step {step}: {a} vs {b}"
    assert len(set(map(tuple, their_lrs))) > 1  # the schedule did change the rate
    _assert_training_agrees(ours, theirs)
