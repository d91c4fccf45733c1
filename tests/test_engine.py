"""Engine invariants: deep graphs, memory released as backward goes, no reference cycles, diamonds,
random DAGs against finite differences, and grad modes (thread-local, context manager, decorator)."""
import gc
import resource
import threading
import tracemalloc
import weakref

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import torchless
from torchless.engine.grad_mode import state as grad_state
from tests.conftest import to_numpy


def leaf(values, dtype=torchless.float64):
    return torchless.tensor(values, dtype=dtype, requires_grad=True)


@pytest.fixture
def no_cyclic_gc():
    """Objects must die by reference counting alone: the cyclic GC is off for the test."""
    was = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


# ---------------------------------------------------------------------------- deep graphs
def _chain(n):
    x = leaf([1.0, 2.0])
    y = x
    for _ in range(n):
        y = y * 1.000001
    y.sum().backward()
    return x


def test_100k_op_chain_backward():
    x = _chain(100_000)
    np.testing.assert_allclose(to_numpy(x.grad), [1.000001 ** 100_000] * 2, rtol=1e-9)


@pytest.mark.slow
def test_1m_op_chain_backward_within_memory():
    # ru_maxrss is the process's peak resident size (KiB on Linux): it can only grow, so the
    # growth across the test bounds what the chain needed (tracemalloc would take minutes here).
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    x = _chain(1_000_000)
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    np.testing.assert_allclose(to_numpy(x.grad), [1.000001 ** 1_000_000] * 2, rtol=1e-8)
    assert grown * 1024 < 2 * 2 ** 30


def test_deep_graph_is_freed_without_recursion_error(no_cyclic_gc):
    x = leaf([1.0])
    y = x
    for _ in range(50_000):
        y = y.sin()
    ref = weakref.ref(y.grad_fn)
    del y  # a recursive destructor would overflow the C stack here
    assert ref() is None


# ---------------------------------------------------------------------------- memory


def test_gradient_buffers_and_saved_values_are_freed_during_backward():
    n, depth = 1_000_000, 30
    array = 8 * n  # bytes per float64 array
    x = leaf(np.linspace(0, 1, n).tolist())
    tracemalloc.start()
    try:
        y = x
        for _ in range(depth):
            y = y.sin()  # saves its input: `depth` arrays held by the graph (y * 1.0001 keeps only the number)
        loss = y.sum()
        del y
        before, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        loss.backward()
        after, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert before > (depth - 2) * array  # the saved inputs
    assert peak - before < 6 * array     # only a few gradient buffers alive at any time
    assert after < before - (depth - 4) * array  # saved inputs released (only x.grad added)


def test_saved_tensors_released_after_backward_unless_retained(no_cyclic_gc):
    x = leaf([1.0, 2.0])
    y = x.exp()
    loss = (y * y).sum()
    node, ref = loss.grad_fn.next_functions[0][0], weakref.ref(y)
    del y
    assert ref() is not None  # the mul node saved y
    loss.backward(retain_graph=True)
    assert ref() is not None and node.saved is not None
    loss.backward()
    assert ref() is None  # released by the backward that did not retain the graph
    assert node.saved is None
    np.testing.assert_allclose(to_numpy(x.grad), 2 * 2 * np.exp(2 * np.array([1.0, 2.0])))


# ---------------------------------------------------------------------------- reference cycles
def _graph(x):
    y = (x.exp() * x).sin()
    return y, (y * 2).sum()


@pytest.mark.parametrize("run", ["none", "backward", "retain_graph", "grad", "create_graph", "hooks"])
def test_graph_collectable_without_cyclic_gc(run, no_cyclic_gc):
    x = leaf([1.0, 2.0])
    y, z = _graph(x)
    if run == "hooks":
        y.retain_grad()
        y.register_hook(lambda g: g * 1)
        z.grad_fn.register_hook(lambda gi, go: None)
        x.register_hook(lambda g: g)
    objects = [y, y.grad_fn, y.grad_fn.next_functions[0][0], z, z.grad_fn]
    refs = [weakref.ref(o) for o in objects]
    del objects
    if run in ("backward", "hooks"):
        z.backward()
    elif run == "retain_graph":
        z.backward(retain_graph=True)
    elif run == "grad":
        torchless.autograd.grad(z, x)
    elif run == "create_graph":
        (g,) = torchless.autograd.grad(z, x, create_graph=True)
        refs.append(weakref.ref(g.grad_fn))
        del g
    del y, z
    assert [r() is None for r in refs] == [True] * len(refs)
    acc, xref = weakref.ref(x._edge[0]), weakref.ref(x)
    del x
    assert xref() is None and acc() is None


# ---------------------------------------------------------------------------- accumulation
def test_diamond_accumulates_every_path():
    x = leaf([0.5, -1.5])
    uses = [x * k for k in range(1, 11)]  # x reaches the loss through 10 paths, plus one direct
    loss = sum(u.sin() for u in uses).sum() + (x * x).sum()
    loss.backward()
    xv = np.array([0.5, -1.5])
    want = sum(k * np.cos(k * xv) for k in range(1, 11)) + 2 * xv
    np.testing.assert_allclose(to_numpy(x.grad), want, rtol=1e-12)


def test_shared_subexpression_diamond():
    x = leaf(0.7)
    a = x.exp()
    b, c = a * 2, a.sin()
    (b * c).backward()
    e = np.exp(0.7)
    np.testing.assert_allclose(x.grad.item(), (2 * np.sin(e) + 2 * e * np.cos(e)) * e, rtol=1e-12)


def test_same_tensor_twice_in_one_op():
    x = leaf([1.0, 3.0])
    (x * x + x / x).sum().backward()
    np.testing.assert_allclose(to_numpy(x.grad), [2.0, 6.0])


# ---------------------------------------------------------------------------- random DAGs
UNARY = {
    "sin": (lambda t: t.sin(), np.sin),
    "tanh": (lambda t: t.tanh(), np.tanh),
    "exp_tanh": (lambda t: t.tanh().exp(), lambda a: np.exp(np.tanh(a))),
    "square": (lambda t: t * t, lambda a: a * a),
    "sigmoid": (lambda t: t.sigmoid(), lambda a: 1 / (1 + np.exp(-a))),
    "neg": (lambda t: -t, np.negative),
}
BINARY = {
    "add": (lambda a, b: a + b, np.add),
    "sub": (lambda a, b: a - b, np.subtract),
    "mul": (lambda a, b: a * b, np.multiply),
    "div": (lambda a, b: a / (1 + b * b), lambda a, b: a / (1 + b * b)),
}
INPUT_SHAPES = [(3,), (), (2, 1)]  # broadcasting between the inputs is part of the test


@st.composite
def dags(draw):
    steps = []
    for i in range(draw(st.integers(1, 8))):
        n_values = len(INPUT_SHAPES) + i
        if draw(st.booleans()):
            steps.append(("u", draw(st.sampled_from(sorted(UNARY))), draw(st.integers(0, n_values - 1))))
        else:
            steps.append(("b", draw(st.sampled_from(sorted(BINARY))),
                          draw(st.integers(0, n_values - 1)), draw(st.integers(0, n_values - 1))))
    values = [np.array(draw(st.lists(st.floats(-2, 2), min_size=int(np.prod(s)), max_size=int(np.prod(s)))),
                       dtype=np.float64).reshape(s) for s in INPUT_SHAPES]
    return steps, values


def _evaluate(steps, inputs, tensors):
    pool = list(inputs)
    for step in steps:
        if step[0] == "u":
            f = UNARY[step[1]][0 if tensors else 1]
            pool.append(f(pool[step[2]]))
        else:
            f = BINARY[step[1]][0 if tensors else 1]
            pool.append(f(pool[step[2]], pool[step[3]]))
    # every value reaches the loss, weighted so that paths do not cancel by symmetry
    total = 0.0
    for k, v in enumerate(pool):
        total = total + (v * (k + 1)).sum() if tensors else total + np.sum(v * (k + 1))
    return total


@settings(max_examples=60, deadline=None)
@given(dags())
def test_random_dag_gradients_match_finite_differences(dag):
    steps, values = dag
    xs = [torchless.tensor(v, requires_grad=True) for v in values]
    loss = _evaluate(steps, xs, True)
    loss.backward(retain_graph=True)
    first = [to_numpy(x.grad).copy() for x in xs]
    eps = 1e-6
    for x, v, got in zip(xs, values, first):
        assert got.shape == v.shape
        numeric = np.zeros_like(v)
        for idx in np.ndindex(v.shape):
            plus, minus = v.copy(), v.copy()
            plus[idx] += eps
            minus[idx] -= eps
            vals_p = [plus if w is v else w for w in values]
            vals_m = [minus if w is v else w for w in values]
            numeric[idx] = (_evaluate(steps, vals_p, False) - _evaluate(steps, vals_m, False)) / (2 * eps)
        np.testing.assert_allclose(got, numeric, rtol=1e-5, atol=1e-6)
    loss.backward()  # a second backward accumulates the same gradient again
    for x, g in zip(xs, first):
        np.testing.assert_allclose(to_numpy(x.grad), 2 * g, rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------------------- grad modes
def _is_on(T):
    return T.is_grad_enabled()


def test_no_grad_results_do_not_require_grad(torch_ref):
    for T in (torchless, torch_ref):
        x = T.ones(2, requires_grad=True)
        with T.no_grad():
            a = x * 2
        with T.set_grad_enabled(False):
            b = x * 2
        with T.inference_mode():
            c = x * 2
        d = x * 2
        assert [t.requires_grad for t in (a, b, c, d)] == [False, False, False, True]
        assert a.grad_fn is None and a.is_leaf


def test_nested_modes_match_pytorch(torch_ref):
    def trace(T):
        out = []
        with T.no_grad():
            out.append(_is_on(T))
            with T.enable_grad():
                out.append(_is_on(T))
                with T.set_grad_enabled(False):
                    out.append(_is_on(T))
                out.append(_is_on(T))
            out.append(_is_on(T))
            with T.inference_mode(False):
                out.append((_is_on(T), T.is_inference_mode_enabled()))
        out.append(_is_on(T))
        with T.inference_mode():
            out.append((_is_on(T), T.is_inference_mode_enabled()))
            with T.inference_mode(False):
                out.append((_is_on(T), T.is_inference_mode_enabled()))
        out.append((_is_on(T), T.is_inference_mode_enabled()))
        return out
    assert trace(torchless) == trace(torch_ref)


def test_set_grad_enabled_plain_call_and_context():
    torchless.set_grad_enabled(False)
    try:
        assert not torchless.is_grad_enabled()
        assert not (torchless.ones(1, requires_grad=True) * 2).requires_grad
    finally:
        torchless.set_grad_enabled(True)
    assert torchless.is_grad_enabled()
    with torchless.set_grad_enabled(True):
        with torchless.set_grad_enabled(False):
            assert not torchless.is_grad_enabled()
        assert torchless.is_grad_enabled()


def test_mode_restored_after_exception():
    with pytest.raises(ValueError):
        with torchless.no_grad():
            raise ValueError
    assert torchless.is_grad_enabled()

    @torchless.no_grad()
    def boom():
        raise ValueError
    with pytest.raises(ValueError):
        boom()
    assert torchless.is_grad_enabled()


def test_decorators_match_pytorch(torch_ref):
    def trace(T):
        @T.no_grad
        def bare():
            return _is_on(T)

        @T.no_grad()
        def called():
            return _is_on(T)

        @T.enable_grad()
        def enabled():
            return _is_on(T)

        @T.set_grad_enabled(False)
        def disabled():
            return _is_on(T)

        after_definitions = _is_on(T)  # decorating must not change the current mode

        @T.inference_mode()
        def inference():
            return _is_on(T), T.is_inference_mode_enabled()

        @T.inference_mode
        def inference_bare():
            return _is_on(T)

        with T.no_grad():
            inside = enabled()
        return [bare(), called(), enabled(), disabled(), after_definitions, inference(),
                inference_bare(), inside, _is_on(T), bare.__name__]
    assert trace(torchless) == trace(torch_ref)


def test_grad_mode_is_thread_local():
    seen = {}

    def worker():
        seen["start"] = torchless.is_grad_enabled()
        x = torchless.ones(1, requires_grad=True)
        seen["records"] = (x * 2).requires_grad
        torchless.set_grad_enabled(False)  # must not leak into the main thread

    with torchless.no_grad():
        th = threading.Thread(target=worker)
        th.start()
        th.join()
        assert not torchless.is_grad_enabled()
    assert seen == {"start": True, "records": True}
    assert torchless.is_grad_enabled() and grad_state.enabled


def test_backward_restores_grad_mode_and_runs_under_no_grad():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    with torchless.no_grad():
        y.backward()  # backward of a graph recorded earlier still works under no_grad
        assert not torchless.is_grad_enabled()
    assert torchless.is_grad_enabled()
    np.testing.assert_allclose(to_numpy(x.grad), [2.0, 4.0])
    assert not x.grad.requires_grad


# ------------------------------------------------------ gradients written into the incoming array
# ReLU's vjp writes into the gradient handed to it when nothing else holds that array (big arrays
# only). Shared gradients must stay intact: one array sent down two edges, a hook that kept it, a
# retained .grad.
BIG = (100, 100)


def _relu_mask(x):
    return (x.detach().numpy() > 0).astype(np.float32)


def test_relu_gradient_shared_by_two_edges_stays_intact():
    x = torchless.randn(*BIG, requires_grad=True)
    a, b = x.relu(), x.relu()
    (a + b).sum().backward()  # add's vjp sends the same array to both relus
    np.testing.assert_array_equal(x.grad.numpy(), 2 * _relu_mask(x))


def test_relu_gradient_kept_by_a_hook_or_retain_grad_stays_intact():
    x = torchless.randn(*BIG, requires_grad=True)
    up = torchless.randn(*BIG)
    y = x * 1
    z = y.relu()
    kept = []
    z.register_hook(kept.append)
    y.retain_grad()
    (z * up).sum().backward()
    np.testing.assert_array_equal(kept[0].numpy(), up.numpy())  # the hook's array was not overwritten
    np.testing.assert_array_equal(y.grad.numpy(), up.numpy() * _relu_mask(y))
    np.testing.assert_array_equal(x.grad.numpy(), up.numpy() * _relu_mask(x))


def test_relu_gradient_with_retain_graph_twice():
    x = torchless.randn(*BIG, requires_grad=True)
    up = torchless.randn(*BIG)
    loss = ((x * 2).relu() * up).sum()
    loss.backward(retain_graph=True)
    loss.backward()
    np.testing.assert_allclose(x.grad.numpy(), 4 * up.numpy() * _relu_mask(x))


# ------------------------------------------------------ results written into a dying temporary
# `(x @ w + b).relu()`: the sum and the relu write into the matmul's array when nothing else holds
# it (big arrays). Named operands, shared arrays and saved values must never be written.
from torchless._tensor import _core as _tensor_module  # noqa: E402

ELIDES = _tensor_module._TEMP_BINARY_REFS > 0
N = 256  # N x N float32 > the size from which temporaries are reused


def test_expression_of_temporaries_allocates_one_result():
    if not ELIDES:
        pytest.skip("this interpreter's reference counts cannot tell a temporary apart")
    x = torchless.randn(N, N)
    w = torchless.randn(N, N, requires_grad=True)
    b = torchless.randn(N, requires_grad=True)
    tracemalloc.start()
    try:
        h = (x @ w + b).relu()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1.5 * N * N * 4  # one N x N result, not three
    expected = np.maximum(x.numpy() @ w.detach().numpy() + b.detach().numpy(), 0)
    np.testing.assert_allclose(h.detach().numpy(), expected, rtol=1e-5, atol=1e-5)
    h.sum().backward()
    np.testing.assert_allclose(b.grad.numpy(), (expected > 0).sum(0))


def test_named_and_shared_operands_are_never_written():
    x = torchless.randn(N, N)
    w = torchless.randn(N, N, requires_grad=True)
    b = torchless.randn(N)
    a = x @ w
    before = a.detach().numpy().copy()
    (a + b).relu()
    a.relu()
    np.testing.assert_array_equal(a.detach().numpy(), before)
    ts = [torchless.randn(N, N) for _ in range(3)]
    copies = [t.numpy().copy() for t in ts]
    total = sum(ts)  # sum() keeps a running result; the list's tensors stay as they were
    for t, c in zip(ts, copies):
        np.testing.assert_array_equal(t.numpy(), c)
    np.testing.assert_allclose(total.numpy(), sum(copies), rtol=1e-6)
    before_x = x.numpy().copy()
    (x[:, :] + b).relu()  # a temporary view: writing into its array would write into x
    (x.t() - b).relu()
    np.testing.assert_array_equal(x.numpy(), before_x)


def test_saved_outputs_are_never_written():
    y = torchless.randn(N, N, requires_grad=True)
    one = torchless.ones(N)
    (y.exp() + one).sum().backward()  # exp saved its output for backward: the add must not reuse it
    np.testing.assert_allclose(y.grad.numpy(), np.exp(y.detach().numpy()), rtol=1e-6)
    z = torchless.randn(N, N, requires_grad=True)
    ((z * 1).relu() - one).relu().sum().backward()  # relu saved its output: the sub must not reuse it
    zz = z.detach().numpy()
    np.testing.assert_array_equal(z.grad.numpy(), (zz > 1).astype(np.float32))
