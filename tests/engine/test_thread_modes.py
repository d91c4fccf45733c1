"""Modes and threads, four threads at a time (engine/state.py). Each test lets every thread set its
mode, waits on a barrier until all have, then lets each check what it sees: grad mode, saved-tensor
hooks, the backward "capturing" flag and vmap levels are the thread's own; the forward-AD level and
anomaly mode are shared by the process. Each is run on PyTorch too (the same function, `m` standing
for the module), so the split between the two kinds is PyTorch's, not ours."""
import threading

import numpy as np
import pytest

import torchless
from torchless.engine.node import Node
from torchless.engine.state import modes, shared

THREADS = 4
WAIT_S = 20  # a barrier that times out fails the test instead of hanging it


def run_in_threads(work, count=THREADS):
    """work(index, barrier) in `count` threads at once; their results in index order. An exception
    in any thread is raised here (the barrier is broken so that the others stop waiting)."""
    barrier = threading.Barrier(count, timeout=WAIT_S)
    results, errors = [None] * count, []

    def run(i):
        try:
            results[i] = work(i, barrier)
        except BaseException as e:  # noqa: BLE001 - handed to the main thread
            errors.append(e)
            barrier.abort()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    real = [e for e in errors if not isinstance(e, threading.BrokenBarrierError)]
    if real or errors:
        raise (real or errors)[0]
    return results


def on_both(torch_ref, program):
    """program(module) on torchless, and on PyTorch when it is installed; torchless's result."""
    ours = program(torchless)
    if torch_ref is not None:
        assert ours == program(torch_ref)
    return ours


@pytest.fixture
def torch_or_none():
    try:
        import torch
    except ImportError:  # pragma: no cover - depends on the environment
        return None
    return torch


# ---------------------------------------------------------------------------------- per thread
def test_grad_and_inference_mode_are_per_thread(torch_or_none):
    def program(m):
        def work(i, barrier):
            started = (m.is_grad_enabled(), m.is_inference_mode_enabled())
            context = [m.no_grad(), m.enable_grad(), m.inference_mode(), m.set_grad_enabled(True)][i]
            with context:
                barrier.wait()  # every thread is inside its own block now
                x = m.ones(2, requires_grad=True)
                seen = (m.is_grad_enabled(), m.is_inference_mode_enabled(), (x * 2).requires_grad)
                barrier.wait()
            return started, seen
        with m.no_grad():  # the main thread's mode is not a new thread's
            results = run_in_threads(work)
            assert not m.is_grad_enabled()
        return results

    results = on_both(torch_or_none, program)
    assert [started for started, _ in results] == [(True, False)] * THREADS
    assert [seen for _, seen in results] == [(False, False, False), (True, False, True),
                                             (False, True, False), (True, False, True)]
    assert modes.enabled and not modes.inference


# Every kind of op reads grad mode through the shortcut `not grad_off or modes.enabled`: each must
# see its own thread's mode while other threads have theirs on (grad_off then holds one thread only).
OP_KINDS = {
    "binary with a tensor": lambda m, x: x * x,
    "binary with a number": lambda m, x: x * 2.0,
    "unary": lambda m, x: x.exp(),
    "reduction": lambda m, x: x.sum(),
    "shape": lambda m, x: x.reshape(2, 1),
    "indexing": lambda m, x: x[0],
    "matmul": lambda m, x: x @ x,
    "function": lambda m, x: m.cat([x, x]),
}


def test_every_op_kind_reads_its_own_threads_grad_mode(torch_or_none):
    def program(m):
        def work(i, barrier):
            context = m.no_grad() if i % 2 else m.enable_grad()
            with context:
                barrier.wait()  # two threads have grad mode off, two on
                x = m.ones(2, requires_grad=True)
                # (recorded or not: grad_fn, since PyTorch's views made under no_grad still
                # require grad, which torchless does not do yet)
                seen = tuple(op(m, x).grad_fn is not None for op in OP_KINDS.values())
                barrier.wait()
            return seen
        return run_in_threads(work)

    results = on_both(torch_or_none, program)
    kinds = len(OP_KINDS)
    assert results == [(True,) * kinds, (False,) * kinds] * (THREADS // 2)


def test_grad_off_holds_exactly_the_threads_whose_mode_is_off():
    from torchless.engine.state import grad_off

    def work(i, barrier):
        me = threading.get_ident()
        with torchless.no_grad():
            with torchless.enable_grad():
                inner_on = me not in grad_off and torchless.is_grad_enabled()
            barrier.wait()
            all_off = len(grad_off) == THREADS and me in grad_off
            barrier.wait()
        try:
            with torchless.no_grad():
                raise KeyError("leaves the block")
        except KeyError:
            pass
        return inner_on, all_off, me not in grad_off

    assert not grad_off  # nothing is off before
    assert run_in_threads(work) == [(True, True, True)] * THREADS
    assert not grad_off
    with torchless.no_grad():
        assert grad_off == {threading.get_ident()}
        x = torchless.ones(2, requires_grad=True)
        assert not (x * 2.0).requires_grad and not x.exp().requires_grad
    assert not grad_off and (torchless.ones(2, requires_grad=True) * 2.0).requires_grad


def test_saved_tensor_hooks_fire_only_in_their_thread(torch_or_none):
    def program(m):
        logs = [[] for _ in range(THREADS)]

        def work(i, barrier):
            x = m.tensor([0.5, -1.0, 2.0], dtype=m.float64, requires_grad=True)
            w = m.tensor([1.5, 0.3, -0.7], dtype=m.float64, requires_grad=True)

            def pack(t):
                logs[i].append(("pack", i, threading.get_ident() == me))
                return t

            def unpack(t):
                logs[i].append(("unpack", i, threading.get_ident() == me))
                return t

            me = threading.get_ident()
            if i < 2:  # threads 0 and 1 set hooks; 2 and 3 run the same ops without any
                with m.autograd.graph.saved_tensors_hooks(pack, unpack):
                    barrier.wait()
                    y = (x * w).exp().sum()
                    barrier.wait()  # everybody has recorded (the hooks are still set here)
            else:
                barrier.wait()
                y = (x * w).exp().sum()
                barrier.wait()
            y.backward()
            return x.grad.tolist(), w.grad.tolist()

        grads = run_in_threads(work)
        return grads, logs

    grads, logs = on_both(torch_or_none, program)
    assert all(g == grads[0] for g in grads)
    for i in (0, 1):  # x and w for the product, exp's output; each unpacked once; all in thread i
        assert logs[i] == [("pack", i, True)] * 3 + [("unpack", i, True)] * 3
    assert logs[2] == logs[3] == []
    assert Node.__dict__.get("saved") is None  # no thread has hooks: a plain attribute again


def test_disabling_saved_tensor_hooks_is_per_thread(torch_or_none):
    def program(m):
        def work(i, barrier):
            graph = m.autograd.graph
            if i == 0:
                with graph.disable_saved_tensors_hooks("off in thread 0"):
                    barrier.wait()
                    try:
                        with graph.saved_tensors_hooks(lambda t: t, lambda t: t):
                            pass
                    except RuntimeError as e:
                        result = str(e)
                    barrier.wait()
                return result
            barrier.wait()
            with graph.saved_tensors_hooks(lambda t: t, lambda t: t):  # allowed here
                x = m.ones(2, requires_grad=True)
                (x * x).sum().backward()
            barrier.wait()
            return x.grad.tolist()
        return run_in_threads(work)

    assert on_both(torch_or_none, program) == ["off in thread 0"] + [[2.0, 2.0]] * 3


def test_backward_capture_is_per_thread(torch_or_none):
    """While threads 0 and 1 are inside autograd.grad (held there by a Function whose backward
    waits), threads 2 and 3 backpropagate through a reentrant checkpoint, which a capturing
    backward in their own thread would refuse."""
    def program(m):
        held = {}

        class Held(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 3

            @staticmethod
            def backward(ctx, g):
                held["barrier"].wait()  # 2 and 3 start their backward now ...
                held["barrier"].wait()  # ... and have finished it
                return g * 3

        def work(i, barrier):
            x = m.tensor([1.0, 2.0], requires_grad=True)
            if i < 2:
                held["barrier"] = barrier
                y = Held.apply(x).sum()
                return m.autograd.grad(y, x)[0].tolist()
            y = m.utils.checkpoint.checkpoint(lambda v: (v * v).sum(), x, use_reentrant=True)
            barrier.wait()
            y.backward()
            barrier.wait()
            return x.grad.tolist()
        return run_in_threads(work)

    assert on_both(torch_or_none, program) == [[3.0, 3.0]] * 2 + [[2.0, 4.0]] * 2
    assert not modes.capturing


def test_capture_flag_is_set_in_the_capturing_thread_only():
    seen = []

    def work(i, barrier):
        x = torchless.ones(2, requires_grad=True)
        if i == 0:
            y = x.exp().sum()

            def hold(grads):
                barrier.wait()
                seen.append(modes.capturing)
                barrier.wait()
            y.grad_fn.register_prehook(hold)
            torchless.autograd.grad(y, x)
            return modes.capturing
        barrier.wait()
        flag = modes.capturing
        barrier.wait()
        return flag

    assert run_in_threads(work) == [False] * THREADS
    assert seen == [True]


def test_vmap_levels_are_per_thread(torch_or_none):
    def program(m):
        def work(i, barrier):
            first = []

            def f(x):
                if not first:  # (a loop over examples would call f again: wait once only)
                    barrier.wait()  # all four vmaps are running now
                    first.append(repr(x).splitlines()[0])
                    if m is torchless:
                        first.append(len(modes.vmap_active))
                    barrier.wait()
                return x.sin() * (i + 1)
            out = m.func.vmap(f)(m.arange(3.0, dtype=m.float64).reshape(3, 1))
            return first, out.numpy()
        return run_in_threads(work)

    results = program(torchless)
    expected = np.sin(np.arange(3.0)).reshape(3, 1)
    for i, (first, values) in enumerate(results):
        assert first == ["BatchedTensor(lvl=1, bdim=0, value=", 1]  # one level: its own
        np.testing.assert_allclose(values, expected * (i + 1), rtol=1e-15)
    if torch_or_none is not None:
        theirs = program(torch_or_none)
        assert [r[0][0] for r in theirs] == [r[0][0] for r in results]
        for (_, values), (_, their_values) in zip(results, theirs):
            np.testing.assert_allclose(values, their_values, rtol=1e-15)
    assert modes.vmap_active == [] and not modes.vmap_live


def test_a_new_thread_starts_from_the_defaults():
    def work(i, barrier):
        return (modes.enabled, modes.inference, modes.capturing, modes.saved_hooks, modes.pending_packs,
                modes.vmap_active, modes.vmap_live)

    with torchless.no_grad(), torchless.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t):
        results = run_in_threads(work)
    assert results == [(True, False, False, [], [], [], set())] * THREADS


# ---------------------------------------------------------------------------------- process-wide
def test_forward_ad_level_is_shared_by_the_process(torch_or_none):
    """As in PyTorch: a level opened in thread 0 is open in every thread (opening another raises),
    and a dual tensor made in thread 0 carries its tangent through ops run elsewhere."""
    def program(m):
        fwAD = m.autograd.forward_ad
        box = {}

        def work(i, barrier):
            if i == 0:
                with fwAD.dual_level():
                    box["dual"] = fwAD.make_dual(m.tensor([1.0, 2.0]), m.tensor([0.5, -1.0]))
                    barrier.wait()
                    seen = fwAD.unpack_dual(box["dual"] * 2).tangent.tolist()
                    barrier.wait()
                return seen
            barrier.wait()
            try:
                fwAD.enter_dual_level()
                refused = None
            except RuntimeError as e:
                refused = str(e)
            seen = fwAD.unpack_dual(box["dual"] * (i + 2)).tangent.tolist()
            barrier.wait()
            return refused, seen
        return run_in_threads(work)

    results = on_both(torch_or_none, program)
    nested = "Nested forward mode AD is not supported at the moment"
    assert results == [[1.0, -2.0], (nested, [1.5, -3.0]), (nested, [2.0, -4.0]), (nested, [2.5, -5.0])]
    assert shared.level == -1


def test_anomaly_mode_is_shared_by_the_process(torch_or_none):
    def program(m):
        def work(i, barrier):
            if i == 0:
                m.autograd.set_detect_anomaly(True, check_nan=False)
            barrier.wait()
            seen = (m.is_anomaly_enabled(), m.is_anomaly_check_nan_enabled())
            barrier.wait()
            if i == 0:
                m.autograd.set_detect_anomaly(False)
            barrier.wait()
            return seen, m.is_anomaly_enabled()
        return run_in_threads(work)

    assert on_both(torch_or_none, program) == [((True, False), False)] * THREADS
    assert not shared.anomaly_enabled and shared.anomaly_check_nan
