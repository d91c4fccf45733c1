"""The training stack's public API (nn, nn.functional, nn.init, optim, lr_scheduler, utils.data,
save/load, distributions) is documented and typed: every public class, function and method defined
there has a docstring of its own and annotated parameters and return."""
import importlib
import inspect

import pytest

MODULES = ["torchless.nn.functional", "torchless.nn.init", "torchless.nn.modules.module",
           "torchless.nn.modules.container", "torchless.nn.modules.linear", "torchless.nn.modules.activation",
           "torchless.nn.modules.dropout", "torchless.nn.modules.flatten", "torchless.nn.modules.loss",
           "torchless.nn.modules.padding", "torchless.optim.optimizer", "torchless.optim.lr_scheduler",
           "torchless.optim.sgd", "torchless.optim.adam", "torchless.optim.adamw", "torchless.optim.adagrad",
           "torchless.optim.rmsprop", "torchless.optim.adadelta", "torchless.optim.adamax",
           "torchless.optim.nadam", "torchless.optim.radam", "torchless.optim.rprop", "torchless.optim.asgd",
           "torchless.utils.data", "torchless.serialization", "torchless.distributions.multinomial"]


def _public_callables():
    """(qualified name, function) for each public function, class and method the modules define."""
    for module_name in MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            value = getattr(module, name)
            yield f"{module_name}.{name}", value
            if not inspect.isclass(value):
                continue
            for attr, member in vars(value).items():
                if attr.startswith("_") and attr not in ("__init__", "__call__"):
                    continue
                if isinstance(member, (staticmethod, classmethod)):
                    member = member.__func__
                if isinstance(member, property):
                    member = member.fget
                if inspect.isfunction(member):
                    yield f"{module_name}.{name}.{attr}", member


def test_every_public_name_is_listed_and_found():
    names = [name for name, _ in _public_callables()]
    assert len(names) > 200  # modules, their classes and methods
    assert "torchless.nn.modules.linear.Linear.forward" in names
    assert "torchless.optim.adam.Adam.step" in names


def test_every_public_class_function_and_method_has_its_own_docstring():
    missing = [name for name, value in _public_callables()
               if not name.endswith(".__init__") and not (value.__doc__ or "").strip()]
    assert not missing, f"{len(missing)} without a docstring: {missing}"


def test_every_public_function_and_method_is_annotated():
    missing = []
    for name, value in _public_callables():
        if inspect.isclass(value):
            continue
        signature = inspect.signature(inspect.unwrap(value))
        unannotated = [p.name for p in signature.parameters.values()
                       if p.annotation is inspect.Parameter.empty and p.name not in ("self", "cls")]
        if unannotated or signature.return_annotation is inspect.Signature.empty:
            missing.append((name, unannotated))
    assert not missing, f"{len(missing)} not fully annotated: {missing}"


@pytest.mark.parametrize("cls_name", ["Linear", "ReLU", "CrossEntropyLoss", "Sequential", "ZeroPad2d"])
def test_help_on_a_module_names_its_arguments(cls_name):
    import torchless.nn as nn
    cls = getattr(nn, cls_name)
    doc = inspect.getdoc(cls) or ""
    assert doc.startswith(cls_name + "("), doc  # the constructor's signature comes first
    forward = inspect.getdoc(cls.forward) or ""
    assert forward and "Backward" not in forward
