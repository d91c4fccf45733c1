"""optim.lr_scheduler.CyclicLR against PyTorch: the learning rates and momenta (or Adam's beta1) of
every step, for each mode, uneven up/down steps, per-group bounds, a custom scale_fn, resuming from
a state_dict, and the errors."""
import numpy as np
import pytest

import torchless

torch = pytest.importorskip("torch")


def schedule(lib, make, optimizer="sgd", steps=14, groups=1):
    params = [lib.zeros(2, requires_grad=True) for _ in range(groups)]
    param_groups = [{"params": [p]} for p in params]
    opt = (lib.optim.SGD(param_groups, lr=0.5, momentum=0.9) if optimizer == "sgd"
           else lib.optim.Adam(param_groups, lr=0.5))
    sched = make(lib, opt)
    record = []
    for _ in range(steps):
        opt.step()
        sched.step()
        g = opt.param_groups
        record.append((sched.get_last_lr(), [grp["momentum"] if optimizer == "sgd" else grp["betas"][0] for grp in g]))
    return record


CASES = {
    "triangular": lambda lib, o: lib.optim.lr_scheduler.CyclicLR(o, 0.01, 0.1, step_size_up=3),
    "triangular2": lambda lib, o: lib.optim.lr_scheduler.CyclicLR(o, 0.01, 0.1, step_size_up=2, mode="triangular2"),
    "exp_range": lambda lib, o: lib.optim.lr_scheduler.CyclicLR(o, 0.01, 0.1, step_size_up=2, mode="exp_range",
                                                                gamma=0.9),
    "uneven": lambda lib, o: lib.optim.lr_scheduler.CyclicLR(o, 0.01, 0.1, step_size_up=1, step_size_down=4,
                                                             base_momentum=0.7, max_momentum=0.95),
    "no_momentum": lambda lib, o: lib.optim.lr_scheduler.CyclicLR(o, 0.001, 0.1, step_size_up=3,
                                                                  cycle_momentum=False),
    "scale_fn": lambda lib, o: lib.optim.lr_scheduler.CyclicLR(o, 0.01, 0.1, step_size_up=2,
                                                               scale_fn=lambda x: 1 / (1 + x), scale_mode="iterations"),
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_schedule_matches_pytorch(case, optimizer):
    ours = schedule(torchless, CASES[case], optimizer)
    theirs = schedule(torch, CASES[case], optimizer)
    for (lr_a, m_a), (lr_b, m_b) in zip(ours, theirs):
        assert lr_a == pytest.approx(lr_b, rel=1e-12, abs=1e-15)
        assert m_a == pytest.approx(m_b, rel=1e-12)


def test_per_group_bounds():
    make = lambda lib, o: lib.optim.lr_scheduler.CyclicLR(o, [0.01, 0.02], [0.1, 0.3], step_size_up=2,
                                                          base_momentum=[0.8, 0.5], max_momentum=[0.9, 0.6])
    ours, theirs = schedule(torchless, make, groups=2), schedule(torch, make, groups=2)
    np.testing.assert_allclose(np.array(ours, dtype=float), np.array(theirs, dtype=float), rtol=1e-12, atol=1e-15)


def test_starts_at_base_lr_and_max_momentum():
    p = torchless.zeros(1, requires_grad=True)
    opt = torchless.optim.SGD([p], lr=1.0, momentum=0.5)
    torchless.optim.lr_scheduler.CyclicLR(opt, 0.01, 0.1, step_size_up=4)
    assert opt.param_groups[0]["lr"] == 0.01 and opt.param_groups[0]["momentum"] == 0.9
    assert opt.param_groups[0]["initial_lr"] == 0.01


def test_state_dict_resumes_the_schedule():
    def make(lib):
        p = lib.zeros(1, requires_grad=True)
        opt = lib.optim.SGD([p], lr=1.0, momentum=0.5)
        return opt, lib.optim.lr_scheduler.CyclicLR(opt, 0.01, 0.1, step_size_up=3, mode="triangular2")
    opt, sched = make(torchless)
    for _ in range(5):
        opt.step()
        sched.step()
    state = sched.state_dict()
    assert state["_scale_fn_custom"] is None and "optimizer" not in state
    opt2, sched2 = make(torchless)
    sched2.load_state_dict(state)
    opt.step(), sched.step(), opt2.step(), sched2.step()
    assert sched2.get_last_lr() == sched.get_last_lr()
    assert sorted(state) == sorted(k for k in make(torch)[1].state_dict() if not k.startswith("_scale_fn_ref"))


def test_errors():
    p = torchless.zeros(1, requires_grad=True)
    with pytest.raises(ValueError, match="mode is invalid"):
        torchless.optim.lr_scheduler.CyclicLR(torchless.optim.SGD([p], lr=1.0, momentum=0.9), 0.1, 1.0, mode="sine")
    with pytest.raises(ValueError, match="optimizer must support momentum"):
        torchless.optim.lr_scheduler.CyclicLR(torchless.optim.Adagrad([p], lr=1.0), 0.1, 1.0)
    with pytest.raises(ValueError, match="base_lr must have the same length"):
        torchless.optim.lr_scheduler.CyclicLR(torchless.optim.SGD([p], lr=1.0, momentum=0.9), [0.1, 0.2], 1.0)
    with pytest.raises(TypeError):
        torchless.optim.lr_scheduler.CyclicLR(object(), 0.1, 1.0)
