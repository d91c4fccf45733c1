"""The training stack (floor 5: nn, optim, utils.data, serialization, distributions) imports only the
floors below it: never the torchless package itself or the top floor (not even inside a function),
and no import cycle runs through it. optim.optimizer holds the base class and imports no optimizer;
the optim package gathers them."""
import torchless
from tests.architecture.test_structure import cycles, import_graph

STACK = ("torchless.nn", "torchless.optim", "torchless.utils.data", "torchless.serialization",
         "torchless.distributions")
ABOVE = {"torchless", "torchless._torch_alias", "torchless._seed_demo", "torchless.__main__"}


def _in_stack(module):
    return module.startswith(STACK)


def test_the_training_stack_imports_nothing_above_it():
    graph = import_graph()
    stack = {m: targets for m, targets in graph.items() if _in_stack(m)}
    assert len(stack) >= 30
    upward = {m: sorted(targets & ABOVE) for m, targets in stack.items() if targets & ABOVE}
    assert not upward, upward


def test_no_cycle_inside_the_training_stack():
    graph = import_graph()
    stack = {m: {t for t in targets if _in_stack(t)} for m, targets in graph.items() if _in_stack(m)}
    assert cycles(stack) == []


def test_the_optimizer_base_imports_no_optimizer_and_the_package_has_them_all():
    graph = import_graph()
    assert not {t for t in graph["torchless.optim.optimizer"] if t.startswith("torchless.optim.")}
    names = ["SGD", "Adam", "AdamW", "Adagrad", "RMSprop", "Adadelta", "Adamax", "NAdam", "RAdam", "Rprop", "ASGD"]
    for name in names:
        cls = getattr(torchless.optim, name)
        assert issubclass(cls, torchless.optim.Optimizer) and cls.__name__ == name
    assert set(names) <= set(torchless.optim.__all__)
