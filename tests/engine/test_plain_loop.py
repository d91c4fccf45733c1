"""backward() runs a lean loop (engine/backward.py `_run_plain`) while no hook, no multi-output node
and no anomaly mode exist in the process, and the general loop otherwise. The two must give the same
gradients bit for bit, in the same accumulation order, on any graph: chains, diamonds, a node used
twice by one op (y * y), fan-out to leaves, and broadcasting."""
import sys

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import torchless
from torchless.engine import backward as engine
from torchless.engine.node import graph_features

UNARY = [lambda t: t.tanh(), lambda t: t * t, lambda t: t.exp() * 0.5, lambda t: -t, lambda t: t * 1.0001]
BINARY = [lambda a, b: a + b, lambda a, b: a * b, lambda a, b: a - b * 0.5, lambda a, b: a / (1 + b * b)]
SHAPES = [(3,), (), (2, 1)]


@st.composite
def graphs(draw):
    steps = []
    for i in range(draw(st.integers(1, 12))):
        n = len(SHAPES) + i
        if draw(st.booleans()):
            steps.append((0, draw(st.integers(0, len(UNARY) - 1)), draw(st.integers(0, n - 1)), None))
        else:
            steps.append((1, draw(st.integers(0, len(BINARY) - 1)), draw(st.integers(0, n - 1)),
                          draw(st.integers(0, n - 1))))
    seed = draw(st.integers(0, 2 ** 16))
    return steps, seed


def _grads(steps, seed):
    rng = np.random.default_rng(seed)
    xs = [torchless.tensor(rng.uniform(-1, 1, s), requires_grad=True) for s in SHAPES]
    pool = list(xs)
    for kind, which, i, j in steps:
        pool.append(UNARY[which](pool[i]) if kind == 0 else BINARY[which](pool[i], pool[j]))
    loss = sum((v * (k + 1)).sum() for k, v in enumerate(pool))
    loss.backward()
    return [x.grad.numpy().copy() for x in xs]


def _general_loop(monkeypatch):
    """Make the process look as if a hook had been registered: backward takes the general loop."""
    monkeypatch.setattr(graph_features, "hooks", True)


@settings(max_examples=80, deadline=None)
@given(graphs())
def test_plain_and_general_loops_agree_bit_for_bit(graph):
    steps, seed = graph
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(graph_features, "hooks", False)
        mp.setattr(graph_features, "multi_output", False)
        calls = []
        plain = engine._run_plain
        mp.setattr(engine, "_run_plain", lambda *a: (calls.append(1), plain(*a))[1])
        fast = _grads(steps, seed)
        assert calls, "the plain loop did not run"
    with pytest.MonkeyPatch.context() as mp:
        _general_loop(mp)
        mp.setattr(engine, "_run_plain", None)  # would raise if called
        slow = _grads(steps, seed)
    for a, b in zip(fast, slow):
        assert a.dtype == b.dtype and a.shape == b.shape
        assert a.tobytes() == b.tobytes()


def test_plain_loop_y_times_y_sums_both_edges():
    # both edges of y * y lead to the node that is waiting to run next
    x = torchless.tensor([1.5, -2.0], requires_grad=True)
    y = x * 3.0
    (y * y).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), (2 * 3.0 * 3.0 * np.array([1.5, -2.0])).astype(np.float32))


def test_plain_loop_second_backward_without_retain_raises():
    x = torchless.tensor([1.0, 2.0], requires_grad=True)
    y = (x * 2.0).tanh().sum()
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_plain_loop_checks_saved_tensors_modified_in_place():
    x = torchless.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1.0
    z = y.sin()  # (sin saves its input; tanh, its result, would not mind)
    y.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()


def test_plain_loop_accumulates_into_held_grad():
    # PyTorch adds into the existing .grad in place: a reference held to it sees the sum
    x = torchless.tensor([1.0, 2.0], requires_grad=True)
    (x * 2.0).sum().backward()
    held = x.grad
    (x * 3.0).sum().backward()
    assert held is x.grad
    np.testing.assert_array_equal(held.numpy(), np.array([5.0, 5.0], np.float32))


def test_plain_loop_read_only_grad_is_replaced_not_written():
    x = torchless.tensor([1.0, 2.0], requires_grad=True)
    frozen = np.ones(2, np.float32)
    frozen.flags.writeable = False
    x.grad = torchless.from_numpy(frozen) if hasattr(torchless, "from_numpy") else torchless.tensor(frozen)
    (x * 2.0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.array([3.0, 3.0], np.float32))
    np.testing.assert_array_equal(frozen, np.ones(2, np.float32))


def test_plain_loop_gives_leaves_their_gradient_arrays_without_a_copy(monkeypatch):
    # A gradient array held by nobody else becomes .grad as it is (a copy of every weight's gradient
    # would cost a big model a pass over its parameters per step).
    seen = []
    accumulate = engine._accumulate_array
    monkeypatch.setattr(graph_features, "hooks", False)
    monkeypatch.setattr(graph_features, "multi_output", False)
    monkeypatch.setattr(engine, "_accumulate_array", lambda node, g, fresh: (seen.append(fresh), accumulate(node, g, fresh)))
    w = torchless.ones(3, 2, requires_grad=True)
    b = torchless.zeros(2, requires_grad=True)
    x = torchless.ones(4, 3)
    ((x @ w + b).relu() * 2.0).sum().backward()
    assert seen == [True, True]
    np.testing.assert_array_equal(w.grad.numpy(), np.full((3, 2), 8.0, np.float32))
    np.testing.assert_array_equal(b.grad.numpy(), np.full(2, 8.0, np.float32))


def _hook_registered_during_backward(T):
    """A custom backward registers a hook on a tensor whose node has not run yet: PyTorch runs it."""
    calls = []
    x = T.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3.0

    class Doubling(T.autograd.Function):
        @staticmethod
        def forward(ctx, t):
            return t * 2

        @staticmethod
        def backward(ctx, g):
            y.register_hook(lambda grad: calls.append(grad.tolist()) or grad * 10)
            return g * 2

    Doubling.apply(y).sum().backward()
    return calls, x.grad.tolist()


@pytest.mark.parametrize("hooks_before", [False, True])
def test_hook_registered_while_backward_runs_is_applied(monkeypatch, hooks_before):
    # from the plain loop (no hook anywhere yet) and from the general loop (hooks exist already)
    monkeypatch.setattr(graph_features, "hooks", hooks_before)
    calls, grad = _hook_registered_during_backward(torchless)
    assert calls == [[2.0, 2.0]]
    assert grad == [60.0, 60.0]


def test_hook_registered_while_backward_runs_matches_torch(torch_ref):
    assert _hook_registered_during_backward(torchless) == _hook_registered_during_backward(torch_ref)


def test_the_plain_loop_hands_a_large_fresh_gradient_over_for_writing_in_place(monkeypatch):
    # ReLU's vjp writes into its incoming gradient when nothing but the loop's frames hold it
    # (backend grad_where_, which counts references). The loop must not hold an extra one, or that
    # never happens; and a gradient someone else holds must never be written into.
    from torchless.backend import numpy as backend
    seen = []
    counting = backend._getrefcount

    def spy(a):
        seen.append(counting(a) - 1)  # (less this frame's own reference)
        return seen[-1]
    monkeypatch.setattr(backend, "_getrefcount", spy)
    x = torchless.linspace(-1, 1, 5000, requires_grad=True)
    (x.relu() * 2.0).sum().backward()
    if sys.version_info >= (3, 11):  # (3.10's frames hold more references: it never writes in place)
        assert seen == [backend._HANDED_OVER_REFS]  # only the vjp's callers hold it: written in place
    np.testing.assert_array_equal(x.grad.numpy(), np.where(np.linspace(-1, 1, 5000) > 0, 2.0, 0.0))

    kept = []
    x.grad = None
    r = x.relu()
    r.register_hook(lambda g: kept.append(g) or None)  # a hook holds ReLU's gradient: not written into
    (r * 2.0).sum().backward()
    assert kept[0].tolist() == [2.0] * 5000
    np.testing.assert_array_equal(x.grad.numpy(), np.where(np.linspace(-1, 1, 5000) > 0, 2.0, 0.0))


@pytest.mark.parametrize("module", ["torchless", "torch"])
def test_a_post_hook_sees_the_gradient_the_vjp_received(module):
    # The node's vjp must not write into a gradient its post hooks still read (ReLU's vjp writes into
    # a large fresh gradient that only the loop holds).
    m = pytest.importorskip(module)
    x = m.linspace(-1, 1, 5000, requires_grad=True)
    r = x.relu()
    seen = []
    r.grad_fn.register_hook(lambda grad_inputs, grad_outputs: seen.append(grad_outputs[0].clone()) or None)
    (r * 2.0).sum().backward()
    assert seen[0].tolist() == [2.0] * 5000
    assert x.grad.tolist() == np.where(np.linspace(-1, 1, 5000) > 0, 2.0, 0.0).tolist()


@pytest.mark.parametrize("module", ["torchless", "torch"])
@pytest.mark.parametrize("grad_mode", [True, False])
def test_calling_a_grad_fn_leaves_the_callers_gradient_alone(module, grad_mode):
    m = pytest.importorskip(module)
    x = m.linspace(-1, 1, 5000, requires_grad=True)
    node = x.relu().grad_fn
    g = m.full((5000,), 2.0)
    with m.set_grad_enabled(grad_mode):
        out = node(g)
    assert g.tolist() == [2.0] * 5000
    assert out.tolist() == np.where(np.linspace(-1, 1, 5000) > 0, 2.0, 0.0).tolist()


# Nodes that keep index arrays (PyTorch saves them as index tensors) are freed by a backward without
# retain_graph, in both loops, so that a second backward raises instead of adding into .grad again.
INDEX_OPS = {
    "x[list]": lambda m, x: x[[0, 1, 1]],
    "x[tensor]": lambda m, x: x[m.tensor([0, 2])],
    "x[mask]": lambda m, x: x[x > 0],
    "x[:, list]": lambda m, x: x.view(1, 3)[:, [0, 2]],
    "max(dim)": lambda m, x: x.view(1, 3).max(1)[0],
    "min(dim)": lambda m, x: x.view(1, 3).min(1)[0],
    "median(dim)": lambda m, x: x.view(1, 3).median(1)[0],
    "gather": lambda m, x: x.gather(0, m.tensor([0, 0])),
    "index_select": lambda m, x: x.index_select(0, m.tensor([1])),
    "masked_fill": lambda m, x: x.masked_fill(x > 1.5, 0.0),
    "scatter": lambda m, x: x.scatter(0, m.tensor([0]), m.tensor([5.0])),
    "masked_select": lambda m, x: x.masked_select(x > 1.5),
    "take": lambda m, x: x.take(m.tensor([0, 2])),
    "x[1:] (a view: nothing kept)": lambda m, x: x[1:],
    "scatter_add (PyTorch keeps nothing)": lambda m, x: x.scatter_add(0, m.tensor([0]), m.tensor([5.0])),
}


def _second_backward(m, op, hooked):
    x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = op(m, x)
    if hooked:  # a hook sends backward through the general loop
        y.register_hook(lambda g: None)
    out = y.sum()
    out.backward(retain_graph=True)
    out.backward()  # the graph was retained: no error
    try:
        out.backward()
    except RuntimeError as e:
        assert "backward through the graph a second time" in str(e)
        return "raises", x.grad.tolist()
    return "adds", x.grad.tolist()


@pytest.mark.parametrize("hooked", [False, True], ids=["plain loop", "general loop"])
@pytest.mark.parametrize("op", list(INDEX_OPS))
def test_a_second_backward_through_an_index_node_raises_as_pytorch(torch_ref, op, hooked):
    assert _second_backward(torchless, INDEX_OPS[op], hooked) == _second_backward(torch_ref, INDEX_OPS[op], hooked)


@pytest.mark.parametrize("op, one_backward", [("x[list]", [1.0, 2.0, 0.0]), ("max(dim)", [0.0, 0.0, 1.0]),
                                               ("gather", [2.0, 0.0, 0.0]), ("masked_fill", [1.0, 0.0, 0.0])])
def test_a_second_backward_through_an_index_node_does_not_add_again(op, one_backward):
    state, grad = _second_backward(torchless, INDEX_OPS[op], False)
    assert state == "raises"
    assert grad == [2 * g for g in one_backward]  # the two retained backwards' worth, not three
