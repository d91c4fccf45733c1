"""The engine is the ground floor: it imports nothing of torchless but itself and the array backend
(not ops, not the Tensor layer, not even inside a function), has no import cycle inside it, and
sees tensors only through engine/api.py."""
import inspect

import torchless
from torchless.engine import api as engine_api
from torchless.engine.api import TensorLike
from tests.architecture.test_structure import cycles, import_graph

FLOOR_0 = ("torchless.engine", "torchless.backend")


def test_engine_imports_only_floor_0():
    graph = import_graph()
    engine = {m: targets for m, targets in graph.items()
              if m == "torchless.engine" or m.startswith("torchless.engine.")}
    assert len(engine) >= 10
    upward = {m: sorted(t for t in targets if not t.startswith(FLOOR_0)) for m, targets in engine.items()}
    assert not any(upward.values()), upward


def test_no_cycle_inside_the_engine():
    graph = import_graph()
    engine = {m: {t for t in targets if t.startswith("torchless.engine")}
              for m, targets in graph.items() if m.startswith("torchless.engine")}
    assert cycles(engine) == []


def test_the_tensor_layer_registered_itself_and_tensors_fit_the_protocol():
    api = engine_api.api
    t = api.wrap(torchless.ones(2)._data)
    assert type(t) is torchless.Tensor and api.is_tensor(t) and not api.is_tensor(t._data)
    assert engine_api.as_tensor(t) is t
    declared = [name for name in dir(TensorLike) if name in TensorLike.__annotations__
                or isinstance(inspect.getattr_static(TensorLike, name), property)
                or (inspect.isfunction(inspect.getattr_static(TensorLike, name)) and not name.startswith("__"))]
    x = torchless.ones(2, requires_grad=True)
    (x * x).sum().backward()
    for name in declared + ["__add__", "__dict__"]:
        assert hasattr(x, name), name


def test_tensor_backward_reaches_the_engine_without_autograd():
    assert not any(t.startswith("torchless.autograd") for t in import_graph()["torchless._tensor._core"])


def test_autograd_imports_nothing_above_it():
    """autograd (floor 3) reaches torch.func's vmap, for grad(is_grads_batched=True), through the
    loader the package root hands it; autograd.functional (floor 4, built on func) loads lazily."""
    above = ("torchless.func", "torchless.nn", "torchless.optim", "torchless.utils", "torchless.distributions")
    graph = import_graph()
    for module, targets in graph.items():
        if module.startswith("torchless.autograd") and module != "torchless.autograd.functional":
            assert not [t for t in targets if t.startswith(above) or t == "torchless"], module


def test_grad_with_batched_grad_outputs_does_not_need_func_loaded_by_hand():
    import subprocess
    import sys
    code = ("import sys, torchless as t\n"
            "assert 'torchless.func' not in sys.modules\n"
            "x = t.tensor([1.0, 2.0], requires_grad=True)\n"
            "(rows,) = t.autograd.grad(x * x, x, t.eye(2), is_grads_batched=True)\n"
            "print(rows.tolist())\n")
    import os
    import pathlib
    src = str(pathlib.Path(torchless.__file__).parent.parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[[2.0, 0.0], [0.0, 4.0]]"
