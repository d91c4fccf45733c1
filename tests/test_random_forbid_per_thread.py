"""vmap(randomness="error") forbids random ops in its own thread only: the count of open
forbidding blocks lives in the per-thread mode record (engine/state.py), as PyTorch keeps
functorch's layer stack, with each layer's randomness mode, per thread."""
import threading

import pytest

import torchless
from torchless import _random
from torchless.engine.state import modes
from torchless.func import vmap

ERROR = "vmap: called random operation while in randomness error mode"


def test_forbidding_in_one_thread_leaves_three_others_free():
    inside = threading.Event()   # the vmapped function is running in the forbidding thread
    done = threading.Event()     # the other threads have drawn
    results, errors = {}, []

    def forbidding():
        def f(a):
            inside.set()
            done.wait(10)
            return a + torchless.rand(())  # still forbidden here, after the others drew
        try:
            vmap(f, randomness="error")(torchless.ones(3))
        except RuntimeError as e:
            results["forbidding"] = str(e)

    def drawing(i):
        inside.wait(10)
        try:
            results[i] = torchless.rand(2).shape
        except Exception as e:  # before the fix: the other thread's vmap forbade this draw
            errors.append(e)

    threads = [threading.Thread(target=forbidding)] + [threading.Thread(target=drawing, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads[1:]:
        t.join(10)
    done.set()
    threads[0].join(10)
    assert errors == []
    assert [results[i] for i in range(3)] == [torchless.Size([2])] * 3
    assert results["forbidding"].startswith(ERROR)


def test_a_block_counts_in_its_own_thread_and_unwinds():
    seen = {}

    def other():
        seen["other"] = modes.random_forbidden
        seen["draw"] = torchless.rand(()).shape

    with _random.forbid_random(True):
        with _random.forbid_random(True):
            assert modes.random_forbidden == 2
            t = threading.Thread(target=other)
            t.start()
            t.join(10)
            with pytest.raises(RuntimeError, match=ERROR):
                torchless.rand(())
        with _random.forbid_random(False):  # randomness="same" / "different" forbid nothing more
            assert modes.random_forbidden == 1
    assert modes.random_forbidden == 0
    assert seen == {"other": 0, "draw": torchless.Size([])}
    torchless.rand(())  # allowed again


def test_the_count_unwinds_when_the_function_raises():
    with pytest.raises(RuntimeError, match=ERROR):
        vmap(lambda a: a + torchless.randn(()), randomness="error")(torchless.ones(2))
    assert modes.random_forbidden == 0
    assert vmap(lambda a: a + torchless.randn(()), randomness="different")(torchless.ones(2)).shape == (2,)
