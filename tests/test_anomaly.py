"""Anomaly detection: the op behind a NaN gradient is named, with the forward line that recorded it."""
import warnings

import pytest

import torchless
from torchless.engine.node import Node


def _backward_with_warnings(fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            fn()
        except RuntimeError as e:
            return e, [str(w.message) for w in caught]
    return None, [str(w.message) for w in caught]


def test_sqrt_of_a_negative_number_is_found():
    def program():
        with torchless.autograd.detect_anomaly():
            x = torchless.tensor([-1.0, 4.0], requires_grad=True)
            y = x.sqrt()  # the culprit
            (y * 2).sum().backward()
    error, messages = _backward_with_warnings(program)
    assert str(error) == "Function 'SqrtBackward0' returned nan values in its 0th output."
    assert messages[0].startswith("Anomaly Detection has been enabled.")
    stack = [m for m in messages if m.startswith("Error detected in SqrtBackward0")]
    assert len(stack) == 1
    assert "Traceback of forward call that caused the error:" in stack[0]
    assert "test_anomaly.py" in stack[0] and "y = x.sqrt()  # the culprit" in stack[0]
    assert "torchless/" not in stack[0].replace("\\", "/")  # only the user's frames


def test_the_mode_is_off_again_after_the_block_and_costs_nothing():
    with pytest.warns(UserWarning):
        with torchless.autograd.detect_anomaly():
            assert torchless.is_anomaly_enabled() and "__init__" in Node.__dict__
    assert not torchless.is_anomaly_enabled() and "__init__" not in Node.__dict__
    x = torchless.tensor([-1.0], requires_grad=True)
    x.sqrt().sum().backward()  # no detection: NaN passes silently, as in PyTorch
    assert x.grad.isnan().all()


def test_check_nan_false_keeps_going():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the mode's own warning is checked above
        with torchless.autograd.detect_anomaly(check_nan=False):
            assert not torchless.is_anomaly_check_nan_enabled()
            x = torchless.tensor([-1.0], requires_grad=True)
            x.sqrt().sum().backward()
    assert x.grad.isnan().all()


def test_set_detect_anomaly_sets_now_and_restores_as_a_context():
    torchless.autograd.set_detect_anomaly(True)
    try:
        assert torchless.is_anomaly_enabled()
        with torchless.autograd.set_detect_anomaly(False):
            assert not torchless.is_anomaly_enabled()
        assert torchless.is_anomaly_enabled()
    finally:
        torchless.autograd.set_detect_anomaly(False)
    assert not torchless.is_anomaly_enabled()


def test_nodes_recorded_before_the_mode_have_no_stack():
    x = torchless.tensor([1.0], requires_grad=True)
    y = x * 2
    z = (y * float("nan")).sum()

    def program():
        with torchless.autograd.detect_anomaly():
            z.backward()
    error, messages = _backward_with_warnings(program)
    assert str(error) == "Function 'MulBackward0' returned nan values in its 0th output."
    assert any(m.startswith("Error detected in MulBackward0. No forward pass information available.")
               for m in messages)


def test_an_error_inside_backward_gets_the_forward_stack_and_propagates():
    class Broken(torchless.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, g):
            raise ValueError("broken backward")

    def program():
        with torchless.autograd.detect_anomaly():
            x = torchless.tensor([1.0], requires_grad=True)
            y = Broken.apply(x)  # recorded here
            y.sum().backward()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(ValueError, match="broken backward"):
            program()
    stack = [str(w.message) for w in caught if "Error detected in" in str(w.message)]
    assert stack and "y = Broken.apply(x)  # recorded here" in stack[0]


def test_gradients_under_create_graph_are_checked_too():
    def program():
        with torchless.autograd.detect_anomaly():
            x = torchless.tensor([0.0], requires_grad=True)
            (g,) = torchless.autograd.grad(x.sqrt().sum(), x, create_graph=True)  # inf, not NaN
            (g * 0).sum().backward()  # 0 * inf: NaN in MulBackward0's gradient for g
    error, messages = _backward_with_warnings(program)
    assert error is not None and "returned nan values" in str(error)


def test_same_error_as_torch(torch_ref):
    for m in (torchless, torch_ref):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with m.autograd.detect_anomaly():
                x = m.tensor([-1.0, 4.0], requires_grad=True)
                with pytest.raises(RuntimeError) as info:
                    x.sqrt().sum().backward()
        assert str(info.value) == "Function 'SqrtBackward0' returned nan values in its 0th output."
