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
