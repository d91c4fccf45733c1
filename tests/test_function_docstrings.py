"""A torch function speaks of its tensor argument as `input`, as PyTorch's signatures do
(`exp(input, *, out=None) -> Tensor`), even when it is a Tensor method behind a
`__torch_function__` check (overrides.function_of_method): its docstring, its signature (what
help() and inspect.signature show) and its keyword. The method keeps `self`."""
import inspect
import re

import pytest

import torchless
from torchless.overrides import function_doc

from .conftest import requires_torch

SELF = re.compile(r"\bself\b")


def _public_functions(module):
    for name in sorted(dir(module)):
        if name.startswith("_"):
            continue
        value = getattr(module, name)
        if inspect.ismodule(value) or isinstance(value, (type, torchless.dtype)) or not callable(value):
            continue
        yield name, value


def _functions_everywhere():
    import torchless.nn.functional as F
    for prefix, module in (("torch", torchless), ("torch.nn.functional", F), ("torch.linalg", torchless.linalg),
                           ("torch.autograd", torchless.autograd), ("torch.func", torchless.func)):
        for name, value in _public_functions(module):
            yield f"{prefix}.{name}", value


FUNCTIONS = list(_functions_everywhere())
METHOD_FUNCTIONS = [(name, f) for name, f in _public_functions(torchless)
                    if getattr(f, "__wrapped__", None) is not None
                    and getattr(torchless.Tensor, name, None) is f.__wrapped__]


def test_there_are_functions_made_from_methods():
    names = {name for name, _ in METHOD_FUNCTIONS}
    assert {"exp", "add", "clamp", "clone", "numel", "sum", "hypot"} <= names and len(names) > 100


@pytest.mark.parametrize("name, function", FUNCTIONS, ids=[n for n, _ in FUNCTIONS])
def test_no_torch_function_calls_its_argument_self(name, function):
    first_line = (inspect.getdoc(function) or "").split("\n", 1)[0]
    assert not SELF.search(first_line), first_line
    try:
        parameters = list(inspect.signature(function).parameters)
    except (TypeError, ValueError):  # a builtin without a signature
        return
    assert "self" not in parameters, (name, parameters)


@pytest.mark.parametrize("name, function", METHOD_FUNCTIONS, ids=[n for n, _ in METHOD_FUNCTIONS])
def test_a_function_made_from_a_method_names_input_everywhere(name, function):
    doc = inspect.getdoc(function) or ""
    assert not SELF.search(doc), doc
    method = function.__wrapped__
    first = list(inspect.signature(function).parameters)[0]
    method_first = list(inspect.signature(method).parameters)[0]
    assert first == ("input" if method_first == "self" else method_first)
    # the signature line of the docstring names the same first parameter as the function takes
    match = re.match(r"\s*\w+\((\w+)", doc)
    assert match is not None and match.group(1) == first, doc.split("\n", 1)[0]
    # and the method's own text is untouched
    assert function.__doc__ == function_doc(method.__doc__)


def test_the_method_keeps_self():
    assert torchless.Tensor.exp.__doc__.startswith("exp(self) -> Tensor")
    assert list(inspect.signature(torchless.Tensor.add).parameters)[:2] == ["self", "other"]
    assert torchless.exp.__doc__.startswith("exp(input) -> Tensor")
    assert torchless.add.__doc__.split("\n", 1)[0] == "add(input, other, *, alpha=1) -> Tensor"
    assert "input + alpha * other" in torchless.add.__doc__
    assert list(inspect.signature(torchless.add).parameters) == ["input", "other", "alpha", "out"]  # out=: issue 12


def test_a_method_doc_that_leaves_the_tensor_out_gets_input_first():
    assert function_doc("clone(*, memory_format=torch.preserve_format) -> Tensor") == \
        "clone(input, *, memory_format=torch.preserve_format) -> Tensor"
    assert function_doc("numel() -> int\n\nHow many elements self has.") == \
        "numel(input) -> int\n\nHow many elements input has."
    assert function_doc("view(*shape) -> Tensor") == "view(*shape) -> Tensor"
    assert function_doc("itself and selfish: self.") == "itself and selfish: input."
    assert function_doc(None) is None
    assert torchless.clone.__doc__.startswith("clone(input, *")
    assert torchless.numel.__doc__.startswith("numel(input) -> int")


@requires_torch
def test_keywords_are_pytorchs(torch_ref):
    x = [1.0, 2.0, 3.0, 4.0]
    ours, theirs = torchless.tensor(x), torch_ref.tensor(x)
    assert torchless.exp(input=ours).tolist() == pytest.approx(torch_ref.exp(input=theirs).tolist())
    assert torchless.add(input=ours, other=ours, alpha=2).tolist() == \
        torch_ref.add(input=theirs, other=theirs, alpha=2).tolist()
    assert [t.tolist() for t in torchless.split(tensor=ours, split_size_or_sections=3)] == \
        [t.tolist() for t in torch_ref.split(tensor=theirs, split_size_or_sections=3)]
    with pytest.raises(TypeError):
        torch_ref.exp(self=theirs)
    with pytest.raises(TypeError):
        torchless.exp(self=ours)
