"""TensorBase (the array, graph attributes, metadata, conversions): softmax/log_softmax in the
Tensor layer, Tensor.explain's registration, and the attributes' signatures and docstrings."""
import inspect
import warnings

import numpy as np
import pytest

import torchless
import torchless.nn.functional as F
from torchless._tensor import _core

from ..architecture.test_structure import import_graph
from ..conftest import assert_same

X = [[1.0, 2.0, 4.0], [0.5, -1.0, 3.0]]


def _outcome(call):
    """(result, None) or (None, (exception type name, message)) of call()."""
    try:
        return call(), None
    except Exception as e:  # noqa: BLE001 - compared with PyTorch's
        return None, (type(e).__name__, str(e))


CASES = {
    "method_dim1": lambda m, x: x.softmax(1),
    "method_neg": lambda m, x: x.log_softmax(-2),
    "method_dtype": lambda m, x: x.softmax(0, dtype=m.float64),
    "method_positional_dtype": lambda m, x: x.log_softmax(1, m.float64),
    "functional": lambda m, x: m.nn.functional.softmax(x, 0),
    "functional_log_dtype": lambda m, x: m.nn.functional.log_softmax(x, 1, dtype=m.float64),
    "zero_dim": lambda m, x: m.tensor(3.0).softmax(0),
    "zero_dim_log": lambda m, x: m.tensor(3.0).log_softmax(-1),
    "long_last_dim": lambda m, x: x.long().softmax(1),
    "long_first_dim": lambda m, x: x.long().log_softmax(0),
    "bool_1d": lambda m, x: m.tensor([True]).softmax(0),
    "int_dtype_argument": lambda m, x: x.softmax(0, dtype=m.int64),
    "functional_long": lambda m, x: m.nn.functional.softmax(x.long(), 0),
    "dim_out_of_range_before_dtype": lambda m, x: x.long().softmax(5),
    "dim_none": lambda m, x: x.softmax(None),
    "dim_bool": lambda m, x: x.log_softmax(True),
    "dim_float": lambda m, x: x.softmax(1.0),
    "dim_str": lambda m, x: x.softmax("a"),
    "complex": lambda m, x: x.to(m.complex64).softmax(0),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_softmax_methods_match_pytorch(torch_ref, name):
    ours, our_error = _outcome(lambda: CASES[name](torchless, torchless.tensor(X)))
    theirs, their_error = _outcome(lambda: CASES[name](torch_ref, torch_ref.tensor(X)))
    assert (our_error is None) == (their_error is None), (our_error, their_error)
    if their_error is not None:  # PyTorch's words, and maybe a hint of ours after them
        assert our_error[0] == their_error[0] and our_error[1].startswith(their_error[1]), (our_error, their_error)
    else:
        assert_same(ours, theirs)


@pytest.mark.parametrize("method", ["softmax", "log_softmax"])
def test_softmax_gradients_and_grad_fn_match_pytorch(torch_ref, method):
    rng = np.random.default_rng(0)
    x, g = rng.standard_normal((3, 5)), rng.standard_normal((3, 5))
    for call in (lambda m, t: getattr(t, method)(1), lambda m, t: getattr(m.nn.functional, method)(t, 0)):
        ours, theirs = torchless.tensor(x, requires_grad=True), torch_ref.tensor(x, requires_grad=True)
        out_ours, out_theirs = call(torchless, ours), call(torch_ref, theirs)
        assert type(out_ours.grad_fn).__name__ == type(out_theirs.grad_fn).__name__
        out_ours.backward(torchless.tensor(g))
        out_theirs.backward(torch_ref.tensor(g))
        assert_same(out_ours, out_theirs.detach(), rtol=1e-12, atol=1e-14)
        assert_same(ours.grad, theirs.grad, rtol=1e-10, atol=1e-12)


def test_functional_softmax_is_the_methods_value_and_keeps_the_implicit_dim_warning():
    x = torchless.tensor(X)
    assert torchless.equal(F.softmax(x, 1), x.softmax(1))
    with pytest.warns(UserWarning, match="Implicit dimension choice for log_softmax") as record:
        out = F.log_softmax(x)
    assert record[0].filename == __file__  # the warning points at the caller
    assert torchless.equal(out, x.log_softmax(1))


def test_softmax_rows_sum_to_one_without_overflow():
    x = torchless.tensor([[1000.0, 1000.0, -1000.0]], dtype=torchless.float64)
    np.testing.assert_allclose(x.softmax(1).numpy(), [[0.5, 0.5, 0.0]])
    np.testing.assert_allclose(x.log_softmax(1).numpy(), [[-np.log(2), -np.log(2), -2000 - np.log(2)]])


def test_tensor_layer_imports_nothing_above_it():
    """softmax lives in the Tensor layer and explain is registered: no module of the layer imports
    nn or autograd (not even inside a function)."""
    graph = import_graph()
    for module, targets in graph.items():
        if module.startswith("torchless._tensor"):
            above = {t for t in targets if t.startswith(("torchless.nn", "torchless.autograd"))}
            assert not above, (module, above)


def test_explain_is_a_method_that_runs_what_autograd_registered(monkeypatch):
    assert "explain" in _core.TensorBase.__dict__
    assert list(inspect.signature(torchless.Tensor.explain).parameters) == ["self", "inputs", "gradient"]
    seen = []
    monkeypatch.setattr(_core, "_explainer", lambda out, inputs, gradient, _frame: seen.append(
        (out, inputs, gradient, _frame.f_code.co_name)) or "derivation")
    x = torchless.tensor(2.0, requires_grad=True)
    y = x * x
    assert y.explain(gradient=1.0) == "derivation"
    assert seen == [(y, None, 1.0, "test_explain_is_a_method_that_runs_what_autograd_registered")]
    monkeypatch.setattr(_core, "_explainer", None)
    with pytest.raises(RuntimeError, match="registers it when it loads"):
        y.explain()


def test_explain_still_derives_the_gradient():
    a = torchless.tensor(3.0, requires_grad=True)
    loss = a * a
    text = str(loss.explain())
    assert "6" in text


BASE_METHODS = ["clone", "contiguous", "cpu", "cuda", "data_ptr", "detach", "detach_", "dim", "element_size",
                "get_device", "is_complex", "is_contiguous", "is_floating_point", "item", "log_softmax",
                "ndimension", "nelement", "numel", "numpy", "register_post_accumulate_grad_hook",
                "requires_grad_", "retain_grad", "size", "softmax", "stride", "tolist", "type", "type_as"]


@pytest.mark.parametrize("name", BASE_METHODS)
def test_base_methods_document_their_pytorch_signature(torch_ref, name):
    ours = inspect.getdoc(getattr(torchless.Tensor, name))
    first = ours.splitlines()[0]
    assert first.startswith(name + "("), first
    assert len(ours.splitlines()) > 1  # the signature, then what it does
    assert "return" in inspect.get_annotations(getattr(torchless.Tensor, name))


def test_integer_like_dims_are_accepted():
    x = torchless.tensor(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert torchless.equal(x.softmax(np.int64(1)), x.softmax(1))
