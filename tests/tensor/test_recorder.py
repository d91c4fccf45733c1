"""_core.record, the one place a node enters the graph: its documented contract (edges, empty edges,
grad mode, node.inputs only when the rule saved, multi-output and aux-output rules, a forward
passed in place of the rule's, tangents) checked on real rules against closed forms; and custom
autograd.Function nodes, which come from the same function (stamps, saved-tensor hooks, anomaly
mode's stack, grad mode, their own jvp)."""
import warnings

import numpy as np
import pytest

import torchless
from torchless._tensor._core import EMPTY_EDGE, record
from torchless.autograd import forward_ad
from torchless.autograd import function as function_module
from torchless.ops.elementwise import AddBackward0, ExpBackward0, MulBackward0
from torchless.ops.reduction import MaxBackward0
from torchless.ops.shape import SplitBackward0


def _leaf(values):
    return torchless.tensor(values, dtype=torchless.float64, requires_grad=True)


def test_a_recorded_result_has_one_edge_per_entry_and_is_stamped_after_its_inputs():
    x, y = _leaf([1.0, 2.0]), _leaf([3.0, 4.0])
    first = record(MulBackward0, (x, y), (x._data, y._data), (x, y), None, MulBackward0.forward)
    second = record(AddBackward0, (first, 2.0), (first._data, np.float64(2.0)), (first, EMPTY_EDGE), None,
                    AddBackward0.forward)
    assert first.requires_grad and type(first.grad_fn).__name__ == "MulBackward0"
    assert [e[0] for e in first.grad_fn.next_functions] == [x.grad_fn or x._edge[0], y._edge[0]]
    assert second.grad_fn.next_functions[1] == (None, 0)  # the number's empty slot
    assert second.grad_fn.stamp > first.grad_fn.stamp
    np.testing.assert_allclose(second.detach().numpy(), [5.0, 10.0])
    second.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 4.0])  # d(xy + 2)/dx = y
    np.testing.assert_allclose(y.grad.numpy(), [1.0, 2.0])


def test_nothing_is_recorded_without_grad_mode_or_a_tensor_that_requires_grad():
    x = _leaf([0.0, 1.0])
    with torchless.no_grad():
        out = record(ExpBackward0, (x,), (x._data,), (x,), None, ExpBackward0.forward)
    assert not out.requires_grad and out.grad_fn is None
    plain = torchless.tensor([0.0, 1.0], dtype=torchless.float64)
    out = record(ExpBackward0, (plain,), (plain._data,), (plain,), None, ExpBackward0.forward)
    assert not out.requires_grad
    np.testing.assert_allclose(out.numpy(), [1.0, np.e])


def test_inputs_are_kept_only_when_the_rule_saved_something():
    x, y = _leaf([1.0]), _leaf([2.0])
    saved = record(MulBackward0, (x, y), (x._data, y._data), (x, y), True, MulBackward0.forward)
    assert saved.grad_fn.inputs == (x, y)
    not_saved = record(AddBackward0, (x, y), (x._data, y._data), (x, y), True, AddBackward0.forward)
    assert not_saved.grad_fn.saved is None and not_saved.grad_fn.inputs is None


def test_multi_output_and_aux_output_rules():
    x = _leaf([[1.0, 5.0], [4.0, 2.0]])
    pieces = record(SplitBackward0, (x, 0, (1, 1)), (x._data, 0, (1, 1)), (x,), None, SplitBackward0.forward)
    assert isinstance(pieces, tuple) and [p.grad_fn.__class__.__name__ for p in pieces] == ["SplitBackward0"] * 2
    assert [p.output_nr for p in pieces] == [0, 1]
    values, indices = record(MaxBackward0, (x, 1, False), (x._data, 1, False), (x,), None, MaxBackward0.forward)
    np.testing.assert_allclose(values.detach().numpy(), [5.0, 4.0])
    assert values.requires_grad and not indices.requires_grad
    np.testing.assert_array_equal(indices.numpy(), [1, 0])
    values.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[0.0, 1.0], [1.0, 0.0]])


def test_a_forward_passed_in_place_of_the_rules():
    x = _leaf([1.0, 2.0])
    calls = []

    def forward(node, xp, a):
        calls.append(node is not None)
        return ExpBackward0.forward(node, xp, a)
    out = record(ExpBackward0, (x,), (x._data,), (x,), True, forward)
    out.sum().backward()
    assert calls == [True]
    np.testing.assert_allclose(x.grad.numpy(), np.exp([1.0, 2.0]))


def test_results_get_tangents_when_a_dual_level_is_open():
    x = torchless.tensor([0.5, 1.5], dtype=torchless.float64)
    with forward_ad.dual_level():
        dual = forward_ad.make_dual(x, torchless.tensor([1.0, -2.0], dtype=torchless.float64))
        out = record(ExpBackward0, (dual,), (dual._data,), (dual,), None, ExpBackward0.forward)
        tangent = forward_ad.unpack_dual(out).tangent
    np.testing.assert_allclose(tangent.numpy(), np.exp([0.5, 1.5]) * [1.0, -2.0])


# ---------------------------------------------------------------------------- autograd.Function
class Scaled(torchless.autograd.Function):
    """x * k, saving x; its jvp counts its calls."""

    jvp_calls = 0

    @staticmethod
    def forward(ctx, x, k):
        ctx.save_for_backward(x)
        ctx.k = k
        return x * k

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * ctx.k + 0 * x, None

    @staticmethod
    def jvp(ctx, t, _):
        Scaled.jvp_calls += 1
        return t * ctx.k


def test_a_function_node_is_recorded_by_record(monkeypatch):
    calls = []

    def spy(R, inputs, arrays, edges, requires_grad, forward):
        result = record(R, inputs, arrays, edges, requires_grad, forward)
        calls.append((R, result))
        return result
    monkeypatch.setattr(function_module, "record", spy)
    x = _leaf([1.0, 2.0])
    y = Scaled.apply(x, 3.0)
    assert calls == [(Scaled._backward_cls, y)] and type(y.grad_fn) is Scaled._backward_cls
    assert y.grad_fn.next_functions == (x._edge,)


def test_a_function_node_is_stamped_after_its_inputs_and_before_what_uses_it():
    x = _leaf([1.0, 2.0])
    a = x * 2
    y = Scaled.apply(a, 3.0)
    z = y * 2
    assert a.grad_fn.stamp < y.grad_fn.stamp < z.grad_fn.stamp
    z.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [12.0, 12.0])


def test_saved_tensor_hooks_see_the_tensors_a_function_saved():
    x = _leaf([1.0, 2.0])
    packed, unpacked = [], []

    def pack(t):
        packed.append(t)
        return t.detach() * 1  # other data than x's: backward must read it through unpack

    def unpack(t):
        unpacked.append(t)
        return t
    with torchless.autograd.graph.saved_tensors_hooks(pack, unpack):
        y = Scaled.apply(x, 3.0)
    assert len(packed) == 1 and packed[0] is x and unpacked == []
    y.sum().backward()
    assert len(unpacked) == 1
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0])


def test_anomaly_mode_shows_where_a_failing_function_was_recorded():
    class Failing(torchless.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            raise ValueError("failing backward")

    x = _leaf([1.0])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with torchless.autograd.detect_anomaly():
            y = Failing.apply(x)  # the recording line
            with pytest.raises(ValueError, match="failing backward"):
                y.sum().backward()
    messages = [str(w.message) for w in caught if "Error detected in FailingBackward" in str(w.message)]
    assert messages and "y = Failing.apply(x)  # the recording line" in messages[0]


def test_no_grad_records_no_function_node():
    x = _leaf([1.0, 2.0])
    seen = []

    class Flags(torchless.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            seen.append(ctx.needs_input_grad)
            return x * 2

    with torchless.no_grad():
        y = Flags.apply(x)
    assert not y.requires_grad and y.grad_fn is None and seen == [(True,)]
    y = Flags.apply(torchless.tensor([1.0]))  # no input requires grad
    assert not y.requires_grad and y.grad_fn is None and seen[-1] == (False,)


def test_a_function_gets_tangents_from_its_own_jvp_only():
    Scaled.jvp_calls = 0
    x = torchless.tensor([0.5, 1.5], dtype=torchless.float64)
    with forward_ad.dual_level():
        dual = forward_ad.make_dual(x, torchless.tensor([1.0, -2.0], dtype=torchless.float64))
        out = Scaled.apply(dual, 3.0)
        tangent = forward_ad.unpack_dual(out).tangent
    assert Scaled.jvp_calls == 1
    np.testing.assert_allclose(tangent.numpy(), [3.0, -6.0])
