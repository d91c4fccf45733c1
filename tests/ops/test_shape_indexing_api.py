"""The public face of the shape and indexing families: each method and torch function carries its
own name and docstring, and the stacking functions take one tensor (or none) as PyTorch does.

Oracles: PyTorch (the same call in both: values, dtypes, gradients, error types and messages) and
closed forms (the joined values written out)."""
import inspect

import numpy as np
import pytest

import torchless
from torchless._tensor import _indexing, _shape

from ..conftest import assert_same, requires_torch, to_numpy

SHAPE_METHODS = ["view", "view_as", "reshape", "reshape_as", "flatten", "unflatten", "ravel", "squeeze",
                 "unsqueeze", "transpose", "swapaxes", "swapdims", "t", "permute", "movedim", "moveaxis",
                 "expand", "expand_as", "broadcast_to", "repeat", "tile", "split", "chunk", "unbind",
                 "narrow", "flip", "fliplr", "flipud", "roll"]
SHAPE_PROPERTIES = ["T", "mT", "mH", "H"]
INDEXING_METHODS = ["index_select", "select", "gather", "scatter", "scatter_add", "index_add",
                    "masked_fill", "masked_select", "take", "nonzero", "argwhere", "scatter_",
                    "scatter_add_", "index_add_", "masked_fill_", "__getitem__", "__setitem__"]


@pytest.mark.parametrize("name", SHAPE_METHODS + INDEXING_METHODS)
def test_each_method_documents_itself_under_its_own_name(name):
    method = inspect.getattr_static(torchless.Tensor, name)
    doc = inspect.getdoc(method) or ""
    first = doc.splitlines()[0] if doc else ""
    # the first line is the call (aliases name the function they share); never a rule's name
    assert "Backward" not in doc
    own = name.strip("_") if name.startswith("__") else name
    assert first.startswith(("self[", own + "(", method.__name__ + "(")), (name, first)


@pytest.mark.parametrize("name", SHAPE_PROPERTIES)
def test_transpose_properties_document_themselves(name):
    prop = inspect.getattr_static(torchless.Tensor, name)
    assert isinstance(prop, property)
    assert inspect.getdoc(prop.fget).startswith(name + " -> Tensor")


@pytest.mark.parametrize("name", _shape.__all__ + _indexing.__all__)
def test_each_torch_function_documents_itself(name):
    fn = getattr(torchless, name)
    doc = inspect.getdoc(fn) or ""
    assert doc.strip() and "Backward" not in doc
    assert doc.splitlines()[0].startswith((name + "(", fn.__name__ + "(")), doc.splitlines()[0]


def test_in_place_forms_carry_their_own_names():
    for name in ("scatter_", "scatter_add_", "index_add_", "masked_fill_"):
        method = getattr(torchless.Tensor, name)
        assert method.__name__ == name and method.__qualname__ == "Tensor." + name


def test_public_functions_are_annotated():
    for fn in (_shape.reshape, _shape.cat, _shape.split, _indexing.gather, _indexing.masked_fill):
        hints = inspect.signature(fn)
        assert hints.return_annotation is not inspect.Signature.empty, fn.__name__
        assert all(p.annotation is not inspect.Parameter.empty for p in hints.parameters.values()), fn


# ---------------------------------------------------------------------------- stacks of one tensor
STACKS = ["hstack", "vstack", "dstack", "column_stack"]
ONE_TENSOR = {  # a list holding one tensor, joined: closed forms
    "hstack": [[1.0, 2.0]],
    "vstack": [[[1.0, 2.0]]],
    "dstack": [[[[1.0], [2.0]]]],
    "column_stack": [[[1.0], [2.0]]],
}


@pytest.mark.parametrize("fn", STACKS)
def test_stack_of_one_tensor_closed_form(fn):
    x = torchless.tensor([1.0, 2.0], requires_grad=True)
    out = getattr(torchless, fn)([x])
    np.testing.assert_array_equal(to_numpy(out), np.array(ONE_TENSOR[fn][0]))
    out.sum().backward()
    np.testing.assert_array_equal(to_numpy(x.grad), [1.0, 1.0])


@requires_torch
@pytest.mark.parametrize("fn", STACKS)
@pytest.mark.parametrize("shape", [(), (3,), (2, 3)])
def test_stack_of_one_tensor_matches_torch(fn, shape):
    import torch
    data = np.arange(1.0, 1.0 + int(np.prod(shape))).reshape(shape)
    ours = torchless.tensor(data, requires_grad=True)
    theirs = torch.tensor(data, requires_grad=True)
    a, b = getattr(torchless, fn)([ours]), getattr(torch, fn)([theirs])
    assert_same(a, b)
    (a * a).sum().backward()
    (b * b).sum().backward()
    assert_same(ours.grad, theirs.grad)


@requires_torch
@pytest.mark.parametrize("fn", STACKS)
def test_stack_of_no_tensor_raises_as_torch(fn):
    import torch
    with pytest.raises(RuntimeError) as theirs:
        getattr(torch, fn)([])
    with pytest.raises(RuntimeError) as ours:
        getattr(torchless, fn)([])
    assert str(ours.value) == str(theirs.value)


# ---------------------------------------------------------------------------- declared in class bodies
def test_methods_live_in_their_family_class_bodies():
    """Tensor finds each shape and indexing method in its mixin's own class body (nothing is
    attached to the class after it exists)."""
    for family, names in ((_shape.ShapeMethods, SHAPE_METHODS + SHAPE_PROPERTIES),
                          (_indexing.IndexingMethods, INDEXING_METHODS)):
        assert family.__slots__ == ()
        for name in names:
            assert name in vars(family), (family.__name__, name)
            owner = next(k for k in torchless.Tensor.__mro__ if name in vars(k))
            assert owner is family, (name, owner)


def test_no_attachment_to_the_tensor_class_in_these_modules():
    import ast
    import pathlib
    for module in (_shape, _indexing):
        tree = ast.parse(pathlib.Path(module.__file__).read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    assert not (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
                                and target.value.id in ("Tensor", "T")), ast.unparse(node)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id != "setattr", ast.unparse(node)


# ---------------------------------------------------------------------------- views after a write
VIEWS = {  # views of a (2, 3) non-leaf x, of every kind the shape and indexing families make
    "t": lambda x: x.t(),
    "transpose": lambda x: x.transpose(0, 1),
    "view": lambda x: x.view(6),
    "reshape": lambda x: x.reshape(3, 2),
    "flatten": lambda x: x.flatten(),
    "unsqueeze": lambda x: x.unsqueeze(0),
    "squeeze": lambda x: x.unsqueeze(1).squeeze(1),
    "permute": lambda x: x.permute(1, 0),
    "narrow": lambda x: x.narrow(1, 0, 2),
    "expand": lambda x: x[:1].expand(4, 3),
    "getitem": lambda x: x[:, 1:],
    "select": lambda x: x.select(1, 0),
    "mT": lambda x: x.mT,
    "view_of_view": lambda x: x.t().unsqueeze(0),
}


@requires_torch
@pytest.mark.parametrize("kind", VIEWS)
@pytest.mark.parametrize("write", ["setitem", "inplace_on_view"])
def test_a_view_sees_a_later_write_into_its_base_in_its_gradient(kind, write):
    """A view taken before a write into its base (x[0, 0] = w, or an in-place op through another
    view) reads the written value, and its gradient reaches what was written: PyTorch re-derives
    the view from the new base."""
    import torch

    def run(T):
        a = T.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=T.float64, requires_grad=True)
        w = T.tensor(7.0, dtype=T.float64, requires_grad=True)
        x = a * 2
        v = VIEWS[kind](x)
        if write == "setitem":
            x[0, 0] = w
        else:
            x[0].mul_(w)
        (v * v).sum().backward()
        return v, a.grad, w.grad

    ours, theirs = run(torchless), run(torch)
    for o, t in zip(ours, theirs):
        assert_same(o, t)
