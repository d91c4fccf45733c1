"""Bad inputs raise PyTorch's exception type, with a message that says what went wrong (and what to
do), and never leak NumPy's wording. Each case runs on torchless and PyTorch."""
import pytest

import torchless


def _nonscalar_backward(T):
    (T.ones(2, requires_grad=True) * 2).backward()


def _second_backward(T):
    y = T.ones(2, requires_grad=True).exp().sum()
    y.backward()
    y.backward()


def _backward_without_grad(T):
    T.ones(2).sum().backward()


def _inplace_leaf(T):
    T.ones(2, requires_grad=True).add_(1)


def _int_requires_grad(T):
    T.tensor([1, 2], requires_grad=True)


def _int_requires_grad_(T):
    T.tensor([1, 2]).requires_grad_()


def _broadcast(T):
    T.ones(2, 3) + T.ones(4)


def _matmul(T):
    T.ones(2, 3) @ T.ones(4, 5)


def _numpy_requires_grad(T):
    T.ones(2, requires_grad=True).numpy()


def _item_many(T):
    T.ones(3).item()


def _index_out_of_range(T):
    T.ones(2)[5]


def _index_out_of_range_dim1(T):
    T.ones(2, 3)[0, 7]


def _float_index_tensor(T):
    T.ones(3)[T.tensor([0.0])]


def _grad_output_shape(T):
    x = T.ones(2, requires_grad=True)
    T.autograd.grad(x * 2, x, grad_outputs=T.ones(3))


def _grad_input_not_requiring_grad(T):
    x = T.ones(2, requires_grad=True)
    T.autograd.grad((x * 2).sum(), T.ones(2))


def _retain_grad_no_grad(T):
    T.ones(2).retain_grad()


def _nonleaf_requires_grad_false(T):
    (T.ones(2, requires_grad=True) * 2).requires_grad_(False)


def _hook_on_no_grad_tensor(T):
    T.ones(2).register_hook(lambda g: g)


CASES = {
    # name: (program, words the message must contain)
    "nonscalar_backward": (_nonscalar_backward, ["grad can be implicitly created only for scalar outputs"]),
    "second_backward": (_second_backward, ["Trying to backward through the graph a second time", "retain_graph=True"]),
    "backward_without_grad": (_backward_without_grad, ["does not require grad and does not have a grad_fn"]),
    "inplace_leaf": (_inplace_leaf, ["a leaf Variable that requires grad is being used in an in-place operation"]),
    "int_requires_grad": (_int_requires_grad, ["floating point", "dtype can require gradients"]),
    "int_requires_grad_": (_int_requires_grad_, ["floating point", "can require gradients"]),
    "broadcast": (_broadcast, ["size of tensor a (3)", "size of tensor b (4)", "non-singleton dimension 1"]),
    "matmul": (_matmul, ["2x3", "4x5"]),
    "numpy_requires_grad": (_numpy_requires_grad, ["Can't call numpy() on Tensor that requires grad", "detach()"]),
    "item_many": (_item_many, ["a Tensor with 3 elements cannot be converted to Scalar"]),
    "index_out_of_range": (_index_out_of_range, ["index 5 is out of bounds for dimension 0 with size 2"]),
    "index_out_of_range_dim1": (_index_out_of_range_dim1, ["index 7 is out of bounds for dimension 1 with size 3"]),
    "float_index_tensor": (_float_index_tensor, ["tensors used as indices must be long, int, byte or bool tensors"]),
    "grad_output_shape": (_grad_output_shape, ["Mismatch in shape", "grad_output[0]"]),
    "grad_input_not_requiring_grad": (_grad_input_not_requiring_grad, ["does not require grad"]),
    "retain_grad_no_grad": (_retain_grad_no_grad, ["retain_grad", "requires_grad=False"]),
    "nonleaf_requires_grad_false": (_nonleaf_requires_grad_false, ["only change requires_grad flags of leaf variables"]),
    "hook_on_no_grad_tensor": (_hook_on_no_grad_tensor, ["hook", "doesn't require gradient"]),
}


def _raised(program, T):
    try:
        program(T)
    except Exception as e:  # noqa: BLE001 - the exception itself is what is compared
        return e
    return None


@pytest.mark.parametrize("name", sorted(CASES))
def test_error_type_and_message(name, torch_ref):
    program, words = CASES[name]
    theirs = _raised(program, torch_ref)
    ours = _raised(program, torchless)
    assert theirs is not None, "the case must be an error in PyTorch"
    assert ours is not None, f"torchless accepted what PyTorch rejects with {type(theirs).__name__}: {theirs}"
    assert type(ours).__name__ == type(theirs).__name__, (ours, theirs)
    message = str(ours)
    # NumPy's own wording must not leak; the method name `.numpy()` may be named
    assert "numpy" not in message.lower().replace("numpy()", ""), message
    assert "Traceback" not in message
    for w in words:
        assert w in message, (w, message)


@pytest.mark.parametrize("name", sorted(CASES))
def test_error_is_not_chained_to_a_numpy_exception(name):
    """`raise ... from None`: a user's traceback shows one error, not NumPy's underneath."""
    ours = _raised(CASES[name][0], torchless)
    if ours is None:
        pytest.fail("no error raised")
    cause = ours.__cause__ or (None if ours.__suppress_context__ else ours.__context__)
    assert cause is None or type(cause).__module__.split(".")[0] != "numpy", repr(cause)
