"""The reduction, linalg and creation families of Tensor methods: declared in their mixins' class
bodies (never attached afterwards), each the same function as the torch function of its name, with a
docstring of its own; the random streams on floor 0 (arrays only) and their torch face
(Generator, get_rng_state ...) in the Tensor layer."""
import ast
import inspect
import pathlib

import numpy as np
import pytest

import torchless
from torchless import _random
from torchless._tensor import creation, functions
from torchless._tensor._linalg import LinalgMethods
from torchless._tensor._reduction import ReductionMethods
from torchless._tensor.creation import CreationMethods

from .conftest import assert_same, requires_torch

REDUCTIONS = ["sum", "mean", "prod", "max", "min", "amax", "amin", "argmax", "argmin", "median", "norm",
              "var", "std", "logsumexp", "cumsum", "cumprod", "all", "any", "count_nonzero"]
PRODUCTS = ["dot", "vdot", "matmul", "mm", "mv", "bmm", "outer", "ger", "inner"]
FILLS = ["normal_", "uniform_", "random_", "bernoulli_", "exponential_"]
NEW = ["new_tensor", "new_zeros", "new_ones", "new_full", "new_empty"]
FAMILY_FILES = ["_tensor/_reduction.py", "_tensor/_linalg.py", "_tensor/creation.py", "_tensor/printing.py",
                "_tensor/functions.py", "_random.py"]
PACKAGE = pathlib.Path(torchless.__file__).parent


@pytest.mark.parametrize("mixin, names", [(ReductionMethods, REDUCTIONS + ["sum_to_size"]),
                                          (LinalgMethods, PRODUCTS + ["__matmul__", "__rmatmul__"]),
                                          (CreationMethods, FILLS + NEW + ["__init__"])])
def test_each_method_is_in_its_mixins_class_body_with_a_docstring(mixin, names):
    assert mixin.__slots__ == ()
    for name in names:
        method = vars(mixin)[name]
        assert getattr(torchless.Tensor, name) is method
        doc = inspect.getdoc(method) or ""
        assert doc and "Backward" not in doc, name
        if not name.startswith("__"):
            assert doc.startswith(name + "("), (name, doc.splitlines()[0])


@pytest.mark.parametrize("name", REDUCTIONS + PRODUCTS)
def test_the_method_is_the_torch_function(name):
    function = getattr(torchless, name)  # the method, behind the __torch_function__ check (overrides.py)
    assert getattr(function, "__wrapped__", function) is getattr(torchless.Tensor, name)


@pytest.mark.parametrize("path", FAMILY_FILES)
def test_no_method_is_attached_to_tensor_after_the_fact(path):
    tree = ast.parse((PACKAGE / path).read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                assert not (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
                            and target.value.id in ("Tensor", "TensorBase")), (path, node.lineno)
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "setattr":
            assert getattr(node.args[0], "id", None) not in ("Tensor", "TensorBase"), (path, node.lineno)


def test_random_streams_are_floor_zero_and_return_arrays():
    source = (PACKAGE / "_random.py").read_text()
    imported = {n.module or "" for n in ast.walk(ast.parse(source)) if isinstance(n, ast.ImportFrom)}
    assert all(not m.startswith(".") and "tensor" not in m for m in imported), imported
    stream = _random.Stream(5)
    state = stream.get_state()
    assert type(state) is np.ndarray and state.dtype == np.uint8
    first = stream.unit(3, np.float64)
    stream.set_state(state)
    np.testing.assert_array_equal(stream.unit(3, np.float64), first)
    assert stream.initial == 5


def test_generator_wraps_a_stream_and_speaks_tensors():
    g = torchless.Generator().manual_seed(11)
    assert g.initial_seed() == 11
    state = g.get_state()
    assert isinstance(state, torchless.Tensor) and state.dtype is torchless.uint8 and state.dim() == 1
    a = torchless.rand(3, generator=g)
    assert g.set_state(state) is g
    assert torchless.rand(3, generator=g).tolist() == a.tolist()
    g.set_state(state.numpy())  # the bare array is accepted too
    assert torchless.rand(3, generator=g).tolist() == a.tolist()


def test_default_generator_is_the_default_stream():
    assert isinstance(torchless.default_generator, torchless.Generator)
    assert torchless.manual_seed(21) is torchless.default_generator
    assert torchless.initial_seed() == 21 == _random.default_stream.initial
    state = torchless.get_rng_state()
    assert isinstance(state, torchless.Tensor)
    np.testing.assert_array_equal(state.numpy(), _random.get_rng_state())
    a = torchless.randn(4)
    _random.set_rng_state(state)  # vmap and checkpoint restore through the array-level functions
    assert torchless.randn(4).tolist() == a.tolist()
    torchless.set_rng_state(state)
    assert torchless.randn(4).tolist() == a.tolist()


@requires_torch
def test_rng_state_and_generator_types_match_torch(torch_ref):
    assert str(torchless.get_rng_state().dtype) == str(torch_ref.get_rng_state().dtype)
    assert torchless.get_rng_state().dim() == torch_ref.get_rng_state().dim() == 1
    assert type(torchless.seed()) is type(torch_ref.seed()) is int
    assert str(torchless.Generator().device) == str(torch_ref.Generator().device)


@requires_torch
@pytest.mark.parametrize("make", [
    lambda m: m.tensor([1, 2]).new_zeros(2, 3),
    lambda m: m.tensor([1.5]).new_ones((2,), dtype=m.float64),
    lambda m: m.tensor([1.5]).new_full((2, 2), 7),
    lambda m: m.tensor([1, 2], dtype=m.int32).new_tensor([3, 4]),
    lambda m: m.tensor([1.5]).new_zeros(2, device="cpu", requires_grad=True),
    lambda m: m.tensor([1.5]).new_empty(0),
])
def test_new_tensors_take_this_tensors_dtype(torch_ref, make):
    ours, theirs = make(torchless), make(torch_ref)
    assert ours.requires_grad == theirs.requires_grad
    if ours.numel():
        assert_same(ours, theirs)
    else:
        assert (ours.shape, str(ours.dtype)) == (tuple(theirs.shape), str(theirs.dtype))


@requires_torch
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_torch_softmax_is_the_tensor_method_with_torchs_errors(torch_ref, name):
    x = [[1.0, 2.0, 4.0], [0.5, -1.0, 3.0]]
    for dim in (0, 1, -1):
        assert_same(getattr(torchless, name)(torchless.tensor(x), dim),
                    getattr(torch_ref, name)(torch_ref.tensor(x), dim))
    assert_same(getattr(torchless, name)(torchless.tensor(x), 1, dtype=torchless.float64),
                getattr(torch_ref, name)(torch_ref.tensor(x), 1, dtype=torch_ref.float64))
    with pytest.raises(TypeError) as ours:
        getattr(torchless, name)(3, 0)
    with pytest.raises(TypeError) as theirs:
        getattr(torch_ref, name)(3, 0)
    assert str(ours.value) == str(theirs.value)


def test_torch_level_functions_live_in_the_tensor_layer():
    for name in functions.__all__:
        assert getattr(torchless, name) is getattr(functions, name)
    for name in ("Generator", "default_generator", "manual_seed", "get_rng_state", "set_rng_state"):
        assert getattr(torchless, name) is getattr(creation, name)


def test_printing_a_dual_tensor_shows_its_tangent():  # the text PyTorch 2.13 prints
    import torchless.autograd.forward_ad as fwAD
    with fwAD.dual_level():
        dual = fwAD.make_dual(torchless.tensor([1.0, 2.0]), torchless.tensor([0.5, 0.25]))
        assert repr(dual) == "tensor([1., 2.], tangent=tensor([0.5000, 0.2500]))"
