"""One RemovableHandle (engine/hooks.py) for every kind of hook, with PyTorch's interface: a unique
`id`, `remove()` (twice is harmless) and `with handle:` removing the hook at the end of the block."""
import copy

import pytest

import torchless
from torchless.engine.hooks import RemovableHandle


def _handles(m):
    """One handle of each kind of hook, and a function that says which hooks still fire."""
    fired = []
    x = m.ones(2, requires_grad=True)
    y = x * 2
    layer = m.nn.Linear(2, 1)
    opt = m.optim.SGD(layer.parameters(), lr=0.1)
    handles = {
        "tensor": x.register_hook(lambda g: fired.append("tensor")),
        "grad_fn": y.grad_fn.register_hook(lambda gi, go: fired.append("grad_fn")),
        "grad_fn_pre": y.grad_fn.register_prehook(lambda go: fired.append("grad_fn_pre")),
        "module": layer.register_forward_hook(lambda mod, i, o: fired.append("module")),
        "optimizer": opt.register_step_pre_hook(lambda o, a, k: fired.append("optimizer")),
    }

    def run():
        fired.clear()
        y.sum().backward(retain_graph=True)
        layer(m.ones(1, 2)).sum().backward()
        opt.step()
        return sorted(fired)
    return handles, run


def test_every_register_hook_returns_the_one_handle_class(torch_ref):
    ours, _ = _handles(torchless)
    theirs, _ = _handles(torch_ref)
    assert all(type(h) is RemovableHandle for h in ours.values())
    assert {type(h).__name__ for h in theirs.values()} == {"RemovableHandle"}
    ids = [h.id for h in ours.values()]
    assert len(set(ids)) == len(ids) and all(isinstance(i, int) for i in ids)


@pytest.mark.parametrize("kind", ["tensor", "grad_fn", "grad_fn_pre", "module", "optimizer"])
def test_remove_unregisters_only_its_hook_and_twice_is_harmless(torch_ref, kind):
    def program(m):
        handles, run = _handles(m)
        before = run()
        handles[kind].remove()
        handles[kind].remove()
        return before, run()

    ours = program(torchless)
    assert ours == program(torch_ref)
    before, after = ours
    assert kind in before and kind not in after and len(after) == len(before) - 1


def test_handle_as_context_manager_removes_at_the_end(torch_ref):
    def program(m):
        handles, run = _handles(m)
        with handles["module"] as h:
            inside = run()
            same = h is handles["module"]
        return "module" in inside, same, "module" in run()

    assert program(torchless) == program(torch_ref) == (True, True, False)


def test_keyed_registry_and_extra_dicts_as_pytorch():
    hooks, flags, more = {}, {}, {}
    handle = RemovableHandle(hooks, extra_dict=[flags, more])
    hooks[handle.id], flags[handle.id], more[handle.id] = print, True, 1
    other = RemovableHandle(hooks, extra_dict=flags)
    hooks[other.id] = len
    handle.remove()
    assert hooks == {other.id: len} and flags == {} and more == {}
    assert other.id > handle.id


def test_a_copied_handle_removes_from_the_copied_registry():
    owner = {"hooks": {}}
    handle = RemovableHandle(owner["hooks"])
    owner["hooks"][handle.id] = print
    owner["handle"] = handle
    twin = copy.deepcopy(owner)
    twin["handle"].remove()
    assert twin["hooks"] == {} and owner["hooks"] == {handle.id: print}
    listed = {"hooks": [print]}
    listed["handle"] = RemovableHandle(listed["hooks"], item=print)
    twin = copy.deepcopy(listed)
    twin["handle"].remove()
    assert twin["hooks"] == [] and listed["hooks"] == [print]


# ---------------------------------------------------------------------------------- hook results
class _ObjectHook:
    def __call__(self, g):
        return g.new_ones(1)


def _larger(g):
    return g.new_ones((2,) + tuple(g.shape))


HOOK_RESULTS = {  # name -> (how to register on y = x * 2.5, PyTorch's message or None for no error)
    "tensor hook, smaller": (lambda m, y: y.register_hook(lambda g: m.ones(1)),
                             "hook '<lambda>' has changed the size of value"),
    "tensor hook, larger": (lambda m, y: y.register_hook(_larger), "hook '_larger' has changed the size of value"),
    "tensor hook, double": (lambda m, y: y.register_hook(lambda g: g.double()),
                            "hook '<lambda>' has changed the type of value (was torch.FloatTensor got "
                            "torch.DoubleTensor)"),
    "tensor hook, an object": (lambda m, y: y.register_hook(_ObjectHook()),
                               "hook '<unknown>' has changed the size of value"),
    "tensor hook, same shape": (lambda m, y: y.register_hook(lambda g: g * 3), None),
    "leaf hook, smaller": (lambda m, y: y.grad_fn.next_functions[0][0].register_prehook(lambda go: (m.ones(1),)),
                           "hook '<lambda>' has changed the size of value"),
    "prehook, size": (lambda m, y: y.grad_fn.register_prehook(lambda go: (m.ones(3),)),
                      "hook '<lambda>' has changed the size of value"),
    "prehook, count": (lambda m, y: y.grad_fn.register_prehook(lambda go: (m.ones(4), m.ones(4))),
                       "hook '<lambda>' has returned an incorrect number of values (got 2, but expected 1)"),
    "post hook, count": (lambda m, y: y.grad_fn.register_hook(lambda gi, go: (m.ones(4),)),
                         "hook '<lambda>' has returned an incorrect number of values (got 1, but expected 2)"),
    "post hook, size": (lambda m, y: y.grad_fn.register_hook(lambda gi, go: (m.ones(3), None)),
                        "hook '<lambda>' has changed the size of value"),
    "post hook, type": (lambda m, y: y.grad_fn.register_hook(lambda gi, go: (m.ones(4).double(), None)),
                        "hook '<lambda>' has changed the type of value (was torch.FloatTensor got "
                        "torch.DoubleTensor)"),
    "post hook, same shape": (lambda m, y: y.grad_fn.register_hook(lambda gi, go: (gi[0] * 2, None)), None),
}


def _hook_outcome(m, register):
    x = m.ones(4, requires_grad=True)
    y = x * 2.5
    register(m, y)
    try:
        y.sum().backward()
    except RuntimeError as e:
        return str(e)
    return x.grad.tolist()


@pytest.mark.parametrize("case", list(HOOK_RESULTS))
def test_a_hook_may_not_change_the_size_type_or_number_of_gradients(case):
    register, message = HOOK_RESULTS[case]
    outcome = _hook_outcome(torchless, register)
    if message is None:
        assert isinstance(outcome, list) and len(outcome) == 4
    else:
        assert outcome == message


@pytest.mark.parametrize("case", list(HOOK_RESULTS))
def test_hook_results_are_checked_as_pytorch_checks_them(torch_ref, case):
    register = HOOK_RESULTS[case][0]
    assert _hook_outcome(torchless, register) == _hook_outcome(torch_ref, register)
