"""How ops reach vmap's batching rules, and when vmap loops instead.

* torch functions hand tensor-like arguments to their type's __torch_function__ (torchless/overrides.py,
  PyTorch's protocol): checked with a class of our own, against PyTorch's behaviour;
* vmap runs f once per example only on the "no batching rule" signal; an error from f propagates as
  it is (f is not run again), and a rule that raises where the loop does not is reported, not hidden.
"""
import numpy as np
import pytest

import torchless
import torchless.nn.functional as F
from torchless.func import batching, grad, vmap
from torchless.overrides import handle_torch_function, has_torch_function


# ---------------------------------------------------------------------------------- the protocol
def _logging_type(m):
    """A tensor-like class (not a Tensor) whose __torch_function__ records the call and answers 'handled'."""
    class Logged:
        calls = []

        @classmethod
        def __torch_function__(cls, func, types, args=(), kwargs=None):
            cls.calls.append((func, types, args, kwargs or {}))
            return "handled"
    return Logged


def _calls(m, logged):
    x = m.ones(2, 3)
    y = logged()
    return {
        "where": m.where(x > 0, y, x),
        "exp": m.exp(y),
        "add": m.add(y, x),
        "linear": m.nn.functional.linear(y, x),
        "softmax": m.nn.functional.softmax(y, dim=1),
        "mse_loss": m.nn.functional.mse_loss(y, x),
        "cross_entropy": m.nn.functional.cross_entropy(y, m.tensor([0, 1])),
    }


def test_torch_functions_hand_tensor_likes_to_torch_function(torch_ref):
    for m in (torchless, torch_ref):
        logged = _logging_type(m)
        calls = _calls(m, logged)
        assert set(calls.values()) == {"handled"}
        funcs = [func for func, _, _, _ in logged.calls]
        assert [func.__name__ for func in funcs] == list(calls)
        assert funcs[:3] == [m.where, m.exp, m.add]
        assert all(types[0] is logged for _, types, _, _ in logged.calls)
        where_args = logged.calls[0][2]
        assert len(where_args) == 3 and type(where_args[1]) is logged


def test_tensor_lists_hand_a_tensor_subclass_to_torch_function():
    """torch.stack and torch.cat take tensors only: a Tensor subclass with __torch_function__ gets the call."""
    class Logged(torchless.nn.Parameter):
        @classmethod
        def __torch_function__(cls, func, types, args=(), kwargs=None):
            return func, types, args, kwargs

    x, y = torchless.ones(2), Logged(torchless.ones(2))
    func, types, args, kwargs = torchless.stack([x, y], 1)
    assert func is torchless.stack and types == (Logged,) and args[0][1] is y and args[1] == 1
    func, _, args, kwargs = torchless.cat((y, x))
    assert func is torchless.cat and args[0] == (y, x) and kwargs == {"out": None}


def test_every_handler_returning_not_implemented_is_pytorchs_type_error(torch_ref):
    messages = []
    for m in (torchless, torch_ref):
        class Refuses:
            @classmethod
            def __torch_function__(cls, func, types, args=(), kwargs=None):
                return NotImplemented
        with pytest.raises(TypeError) as info:
            m.exp(Refuses())
        messages.append(str(info.value).replace("torchless", "torch"))
    assert messages[0].split("<class")[0] == messages[1].split("<class")[0]
    assert messages[0].startswith("Multiple dispatch failed for 'torch.exp'; all __torch_function__ handlers "
                                  "returned NotImplemented")


def test_subclasses_are_asked_before_their_bases():
    order = []

    class Base:
        @classmethod
        def __torch_function__(cls, func, types, args=(), kwargs=None):
            order.append(cls.__name__)
            return NotImplemented if cls.__name__ == "Sub" else cls.__name__

    class Sub(Base):
        pass

    assert handle_torch_function(torchless.stack, [Base(), Sub()], [Base(), Sub()]) == "Base"
    assert order == ["Sub", "Base"]


def test_plain_tensors_and_parameters_do_not_dispatch():
    x = torchless.ones(2)
    p = torchless.nn.Parameter(torchless.ones(2))
    assert not has_torch_function([x, p, None, 1.5, [x, (p,)]])
    assert has_torch_function([x, [x, (_logging_type(torchless)(),)]])


# ---------------------------------------------------------------------------------- when vmap loops
def test_an_op_without_a_rule_falls_back_and_gives_the_loops_result():
    x = torchless.tensor(np.random.default_rng(0).standard_normal((4, 5)))

    def f(r):
        return r.median() * 2  # (median has no batching rule)

    before = batching.fallbacks[0]
    got = vmap(f)(x)
    assert batching.fallbacks[0] == before + 1
    np.testing.assert_array_equal(got.numpy(), np.sort(x.numpy(), axis=1)[:, 2] * 2)


def test_an_error_raised_by_f_propagates_without_running_f_again():
    runs = []

    def f(a):
        runs.append(a.shape)
        raise KeyError("from f")

    before = batching.fallbacks[0]
    with pytest.raises(KeyError, match="from f"):
        vmap(f)(torchless.ones(3, 2))
    assert runs == [(2,)] and batching.fallbacks[0] == before


def test_a_shape_error_in_f_is_the_examples_own_error(torch_ref):
    messages = []
    for m in (torchless, torch_ref):
        with pytest.raises(RuntimeError) as info:
            m.func.vmap(lambda a: a.reshape(5))(m.ones(3, 2, 4))
        messages.append(str(info.value))
    assert messages[0] == "shape '[5]' is invalid for input of size 8"


def test_a_rule_that_raises_where_the_loop_does_not_surfaces_its_error(monkeypatch):
    def broken(self, *args, **kwargs):
        raise RuntimeError("broken rule")
    monkeypatch.setattr(batching.BatchedTensor, "exp", batching._guarded(broken))
    x = torchless.ones(3, 2)
    with pytest.raises(RuntimeError, match="a batching rule raised RuntimeError: broken rule") as info:
        vmap(lambda a: a.exp())(x)
    assert str(info.value.__cause__) == "broken rule"


def test_a_rule_with_a_bug_propagates_its_error(monkeypatch):
    def buggy(self, *args, **kwargs):
        return {}["missing"]
    monkeypatch.setattr(batching.BatchedTensor, "sin", batching._guarded(buggy))
    before = batching.fallbacks[0]
    with pytest.raises(KeyError, match="missing"):
        vmap(lambda a: a.sin())(torchless.ones(3, 2))
    assert batching.fallbacks[0] == before


def test_a_broken_torch_function_rule_surfaces_too(monkeypatch):
    def broken(tensors, dim=0, *, out=None):
        raise ValueError("broken stack rule")
    monkeypatch.setitem(batching._FUNCTION_RULES, torchless.stack, batching._guarded(broken, any_operand=True))
    with pytest.raises(RuntimeError, match="broken stack rule"):
        vmap(lambda a: torchless.stack([a, a]))(torchless.ones(3, 2))


# ---------------------------------------------------------------------------------- rules by kind
def test_every_batched_method_is_a_tensor_method_with_a_known_kind():
    for name, kind in batching._METHOD_KINDS.items():
        assert hasattr(torchless.Tensor, name), name
        assert kind in batching.KINDS, (name, kind)
        assert name in vars(batching.BatchedTensor), name


def test_functions_declaring_a_kind_take_its_rule():
    x = torchless.tensor(np.random.default_rng(1).standard_normal((3, 4)))
    t = torchless.tensor(np.random.default_rng(2).standard_normal((3, 4)))
    before = batching.fallbacks[0]
    got = vmap(lambda a, b: (F.gelu(a) + F.leaky_relu(a, 0.2)).sum() + F.huber_loss(a, b, delta=0.5)
               + F.binary_cross_entropy_with_logits(a, b.sigmoid()) + F.log_softmax(a, dim=0)[1])(x, t)
    assert batching.fallbacks[0] == before
    want = torchless.stack([(F.gelu(a) + F.leaky_relu(a, 0.2)).sum() + F.huber_loss(a, b, delta=0.5)
                            + F.binary_cross_entropy_with_logits(a, b.sigmoid()) + F.log_softmax(a, dim=0)[1]
                            for a, b in zip(x, t)])
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)


def test_method_calls_with_a_plain_self_and_a_batched_operand_take_the_rule():
    x = torchless.tensor([1.0, 2.0])
    ys = torchless.tensor([[1.0, -1.0], [0.5, 3.0], [2.0, 2.0]])
    before = batching.fallbacks[0]
    got = vmap(lambda y: x.add(y, alpha=2) + x.mul(y) - torchless.div(x, y) + torchless.sub(x, y))(ys)
    assert batching.fallbacks[0] == before
    np.testing.assert_allclose(got.numpy(), (x + 2 * ys + x * ys - x / ys + (x - ys)).numpy())


def test_per_example_gradients_through_functions_with_rules():
    w = torchless.tensor(np.random.default_rng(3).standard_normal((3, 4)))
    xs = torchless.tensor(np.random.default_rng(4).standard_normal((5, 4)))
    ys = torchless.tensor([0, 2, 1, 1, 0])

    def loss(w, x, y):
        return F.cross_entropy(F.linear(x, w).unsqueeze(0), y.unsqueeze(0)) + F.mse_loss(F.gelu(x), x)

    before = batching.fallbacks[0]
    got = vmap(grad(loss), in_dims=(None, 0, 0))(w, xs, ys)
    assert batching.fallbacks[0] == before
    for i in range(5):
        np.testing.assert_allclose(got[i].numpy(), grad(loss)(w, xs[i], ys[i]).numpy(), rtol=1e-12)


def _declared_with_rules():
    """The Tensor methods declared with their op rule (method.rule), and the rule's batching kind."""
    found = {}
    for cls in torchless.Tensor.__mro__:
        for name, value in vars(cls).items():
            rule = getattr(value, "rule", None)
            if rule is not None and name not in found:
                found[name] = rule.batching
    return found


def test_methods_declared_with_an_elementwise_rule_are_batched_by_their_kind():
    declared = _declared_with_rules()
    assert len(declared) >= 30
    x = torchless.tensor(np.random.default_rng(5).uniform(0.1, 0.9, (3, 4)))
    for name, kind in declared.items():
        if kind != "elementwise" or name.startswith("__r"):
            continue
        assert batching._METHOD_KINDS[name] in ("elementwise", "in_place"), name
        unary = getattr(torchless.Tensor, name).__code__.co_argcount == 1
        f = (lambda a, n=name: getattr(a, n)()) if unary else (lambda a, n=name: getattr(a, n)(a + 1))
        before = batching.fallbacks[0]
        got = vmap(f)(x)
        assert batching.fallbacks[0] == before, name
        np.testing.assert_allclose(got.numpy(), torchless.stack([f(r) for r in x]).numpy(), rtol=1e-12, err_msg=name)


def test_a_new_declaration_gets_its_batching_rule_from_its_rule(monkeypatch):
    """An op added with one rule block and one declaration line batches without a line in batching.py."""
    from torchless._tensor._elementwise import unary
    from torchless.ops.elementwise import ExpBackward0
    monkeypatch.setattr(torchless.Tensor, "exp_again", unary(ExpBackward0, "exp_again", "exp_again(self) -> Tensor"),
                        raising=False)
    assert batching._method_kinds()["exp_again"] == "elementwise"
