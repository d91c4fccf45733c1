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
