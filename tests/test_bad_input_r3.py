"""Bad input, round 3 (issue 12): the shared argument checks of `torchless._args` and the mechanisms
built on them, in PyTorch's words.

- `_args`: bool / int / float / Number / tuple-of-ints arguments checked by type before any value
  (an exact int, bool or float passes at once), with PyTorch's TypeError text;
- `OMITTED`: an argument left out told apart from None, which PyTorch refuses (`x.max(None)`);
- the torch function made from a Tensor method counts positions as PyTorch's function does;
- the named bitwise ops refuse an operand of the wrong type, while the operators still hand over;
- the dim normaliser refuses a dim of another type than int.

The same calls run in PyTorch where it is installed: exception type and message must be identical.
"""
import numpy as np
import pytest

import torchless
from torchless import _args

try:
    import torch
except ImportError:  # the PyTorch comparisons skip; the literal checks still run
    torch = None


# ----------------------------------------------------------------------------- the helpers alone
def test_bool_arg_takes_only_true_and_false():
    assert _args.bool_arg(True, "qr", "some", 2) is True
    for bad, name in ((1, "int"), (None, "NoneType"), ("a", "str"), (np.bool_(True), "numpy.bool")):
        with pytest.raises(TypeError, match=rf"^qr\(\): argument 'some' \(position 2\) must be bool, not {name}$"):
            _args.bool_arg(bad, "qr", "some", 2)


def test_int_arg_takes_integers_and_one_element_integer_tensors():
    assert _args.int_arg(3, "f", "n") == 3
    assert _args.int_arg(np.int64(3), "f", "n") == 3 and type(_args.int_arg(np.int64(3), "f", "n")) is int
    assert _args.int_arg(torchless.tensor(3), "f", "n") == 3
    for bad, name in ((True, "bool"), (1.5, "float"), ("a", "str"), (None, "NoneType"), ([1], "list"),
                      (np.float64(3), "numpy.float64"), (torchless.tensor(3.0), "Tensor"),
                      (torchless.tensor([1, 2]), "Tensor")):
        with pytest.raises(TypeError, match=rf"^randperm\(\): argument 'n' \(position 1\) must be int, not {name}$"):
            _args.int_arg(bad, "randperm", "n", 1)


def test_float_and_number_args():
    assert _args.float_arg(1, "logit", "eps") == 1 and _args.float_arg(True, "logit", "eps") == 1.0
    assert _args.float_arg(np.float32(0.5), "logit", "eps") == 0.5
    assert _args.float_arg(torchless.tensor(0.25), "logit", "eps") == 0.25
    for bad in ("a", None, [1.0], 1j, torchless.ones(2)):
        with pytest.raises(TypeError, match=r"^logit\(\): argument 'eps' must be float, not "):
            _args.float_arg(bad, "logit", "eps")
    assert _args.number_arg(1j, "full", "fill_value") == 1j
    for bad, name in (("a", "str"), (None, "NoneType"), ([1], "list"), (torchless.ones(2), "Tensor")):
        with pytest.raises(TypeError, match=rf"argument 'fill_value' \(position 2\) must be Number, not {name}$"):
            _args.number_arg(bad, "full", "fill_value", 2)


def test_int_list_arg_names_the_first_element_that_is_no_int():
    assert _args.int_list_arg(3, "f", "size") == (3,)
    assert _args.int_list_arg([2, np.int64(3), True, torchless.tensor(4)], "f", "size") == (2, 3, 1, 4)
    assert _args.int_list_arg(torchless.Size([2, 3]), "f", "size") == (2, 3)
    with pytest.raises(TypeError, match=r"^f\(\): argument 'size' \(position 1\) must be tuple of ints, but found "
                                        r"element of type float at pos 1$"):
        _args.int_list_arg([2, 1.5], "f", "size", 1)
    for bad, name in (("a", "str"), ({}, "dict"), (None, "NoneType"), (1.5, "float"), (True, "bool"),
                      (torchless.ones(2, dtype=torchless.int64), "Tensor")):
        with pytest.raises(TypeError, match=rf"^f\(\): argument 'size' must be tuple of ints, not {name}$"):
            _args.int_list_arg(bad, "f", "size")
    assert _args.size_args((2, 3), "view") == _args.size_args(((2, 3),), "view") == (2, 3)
    assert _args.size_args(([2, 3],), "view") == (2, 3)


def test_tensor_elements_and_omitted():
    x = torchless.ones(2)
    _args.tensor_elements([x, x], torchless.Tensor)
    with pytest.raises(TypeError, match=r"^expected Tensor as element 1 in argument 0, but got str$"):
        _args.tensor_elements([x, "a"], torchless.Tensor)
    assert repr(_args.OMITTED) == "<omitted>"
    with pytest.raises(TypeError, match=r"max\(\): argument 'dim' must be int, not NoneType \(leave dim out"):
        raise _args.none_refused("max", "dim", "int", "leave dim out to reduce over all elements")


# ----------------------------------------------------------------------------- against PyTorch
# Each: the same call in both libraries must raise the same exception type with the same text.
SAME_MESSAGE = [
    'T.qr(x, "a")', "T.svd(x, 1)", "T.cholesky(x, None)", 'T.unique(x, "a")', 'T.lu(x, "a")',
    "x.requires_grad_(1)", "x.requires_grad_(np.bool_(True))",
    "T.randperm(2.0)", "T.randperm(np.bool_(True))", "T.randperm(np.float64(3))", "T.randperm(T.tensor(3.0))",
    'T.zeros("a")', "T.zeros(None)", "T.zeros({})", "T.ones(1.5)",
    'T.logit(x, "a")', 'x.logit("a")', "T.logit(x, 1j)", 'T.hypot(x, "a")', 'x.hypot("a")',
    "T.multinomial(x, 1.5)", 'T.full_like(x, "a")', "T.full_like(x, [1.0])", 'T.full((2,), "a")',
    'T.pinverse(x, "a")', "x.sum_to_size([1.5])", "x.sum_to_size(None)", 'x.resize_("a")', 'x.resize_(["a"])',
    "T.pixel_shuffle(x, 1.5)", 'T.channel_shuffle(x, "a")', 'T.nn.functional.layer_norm(x, "a")',
    "T.nn.functional.group_norm(x, 1.5)", "T.nn.functional.adaptive_avg_pool1d(x, {})",
    "T.nn.functional.max_pool1d(x, [1.0, 2.0])",
    'T.meshgrid(x, "a", indexing="ij")', "T.cartesian_prod(x, None)", "T.combinations(x, 1.5)",
    "T.split_with_sizes(x, {})", 'T.split_with_sizes(x, "a")', 'x.fill_diagonal_("a")',
    "T.nan_to_num(x, [1.0])", 'x.nan_to_num("a")', 'T.scalar_tensor("a")', "T.scalar_tensor(None)",
    'x.istft("a")', 'T.bincount(x, "a")', "T.empty_strided(x, (1,))", "T.tril_indices(x, 2)",
    "T.tril_indices(1.5, 2)", "T.hann_window(1.5)", 'T.range(1.5)', "T.as_tensor([1.0], T.float64)",
    "T.tensor(None, dtype=T.float32)", "T.tensor([None], dtype=T.float32)", "T.tensor({}, dtype=T.int64)",
    'x.backward("a")', "x.backward([1.0])", "x.cuda({})", 'x.type("a")', 'T.einsum("ij")', "T.einsum(x)",
    "T.broadcast_shapes(1.5)", 'x.long() & "a"', "x.long() << None", "x.norm({})", 'x.softmax("a")',
    "T.histogramdd(x, [1.0, 2.0])",
]


def _outcome(lib, expression):
    x = lib.tensor([[1.0, 2.0], [3.0, 4.0]])
    try:
        return "ok", type(eval(expression, {"T": lib, "np": np, "x": x})).__name__
    except Exception as e:  # noqa: BLE001 (the exception is what is compared)
        return type(e).__name__, str(e)


@pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
@pytest.mark.parametrize("expression", SAME_MESSAGE)
def test_the_same_error_as_pytorch(expression):
    theirs, ours = _outcome(torch, expression), _outcome(torchless, expression)
    assert ours == theirs


# Where PyTorch's own text is its overload list ("received an invalid combination of arguments"),
# torchless names the argument instead: the exception type must still be PyTorch's.
SAME_TYPE = [
    'x.qr("a")', "x.cholesky_inverse(1.5)", "T.stft(x, 1.5)", "T.hann_window(3, 1)", "T.round(x, decimals=1.5)",
    "x.round(1)", "x.float(1)", "x.cpu(None)", "x.is_contiguous(1)", 'T.arange("a")', "T.eye(2, 1.5)",
    "T.randint(5, 1.5, (2,))", "x.max(None)", "T.max(x, None)", "x.median(None)", "T.squeeze(x, None)",
    "T.squeeze_copy(x, None)", "x.prod(None)", "T.nanmedian(x, None)", "T.where(x > 1, None)",
    "T.where(x > 1, x, None)", "T.trapezoid(x, None)", "T.trapezoid(x, 1.5)", "T.cumulative_trapezoid(x, None)",
    "T.repeat_interleave(x, None)", "T.bernoulli(x, None)", 'x.bitwise_and("a")', "T.bitwise_left_shift(x, None)",
    'T.float_power(x, "a")', 'x.float_power_("a")', 'x.fill_("a")', "x.flatten(1.5)", "x.transpose(None, 1)",
    "T.dsplit(x, 1.5)", "x.random_(None)", "T.alpha_dropout(x, 0.5)", "T.alpha_dropout(None, 0.5, False)",
    'T.broadcast_shapes(None, (2,))', "x.clone().copy_(1.5)", 'T.histogramdd(x, "a")', "T.histogramdd(x, {})",
    "x.register_post_accumulate_grad_hook(print)",
]


@pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
@pytest.mark.parametrize("expression", SAME_TYPE)
def test_the_same_exception_type_as_pytorch(expression):
    assert _outcome(torchless, expression)[0] == _outcome(torch, expression)[0]


# ----------------------------------------------------------------------------- the mechanisms
def test_a_torch_function_counts_positions_as_pytorchs_function():
    x = torchless.ones(2)
    with pytest.raises(TypeError, match=r"^logit\(\): argument 'eps' \(position 1\) must be float, not str$"):
        x.logit("a")
    with pytest.raises(TypeError, match=r"^logit\(\): argument 'eps' \(position 2\) must be float, not str$"):
        torchless.logit(x, "a")
    with pytest.raises(TypeError, match=r"^isclose\(\): argument 'other' \(position 2\) must be Tensor, not str$"):
        torchless.isclose(x, "a")
    with pytest.raises(TypeError, match=r"^isclose\(\): argument 'other' \(position 1\) must be Tensor, not str$"):
        x.isclose("a")


def test_an_omitted_argument_is_not_none():
    x = torchless.tensor([[1.0, 5.0], [3.0, 4.0]])
    assert x.max().item() == 5.0 and torchless.max(x, 1).values.tolist() == [5.0, 4.0]
    assert x.prod().item() == 60.0 and x.median().item() == 3.0 and torchless.nanmedian(x).item() == 3.0
    assert x.unsqueeze(0).squeeze().shape == (2, 2) and torchless.squeeze_copy(x.unsqueeze(0)).shape == (2, 2)
    assert [t.tolist() for t in torchless.where(x > 3.5)] == [[0, 1], [1, 1]]
    assert torchless.trapezoid(x).tolist() == [3.0, 3.5] and torchless.trapz(x, dx=2.0).tolist() == [6.0, 7.0]
    assert torchless.cumulative_trapezoid(x).shape == (2, 1)
    assert torchless.repeat_interleave(torchless.tensor([1, 2])).tolist() == [0, 1, 1]
    assert torchless.bernoulli(torchless.ones(3)).tolist() == [1.0, 1.0, 1.0]
    for call in (lambda: x.max(None), lambda: torchless.min(x, None), lambda: x.prod(None), lambda: x.median(None),
                 lambda: torchless.nanmedian(x, None), lambda: x.squeeze(None), lambda: torchless.where(x > 1, None),
                 lambda: torchless.where(x > 1, x, None), lambda: torchless.trapezoid(x, None),
                 lambda: torchless.repeat_interleave(x, None), lambda: torchless.bernoulli(x, None)):
        with pytest.raises(TypeError, match="NoneType"):
            call()


def test_named_bitwise_ops_refuse_what_the_operators_hand_over():
    x = torchless.tensor([1, 2])
    for name in ("bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift", "bitwise_right_shift"):
        for bad in ("a", None, [1], {}):
            with pytest.raises(TypeError, match=rf"^{name}\(\): argument 'other' must be Tensor or Number"):
                getattr(x, name)(bad)
            with pytest.raises(TypeError, match=rf"^{name}\(\): argument 'other'"):
                getattr(torchless, name)(x.float(), bad)  # the operand's type before the dtype's
    for dunder in ("__and__", "__or__", "__xor__", "__lshift__", "__rshift__"):
        assert getattr(x, dunder)("a") is NotImplemented
    assert (x & 3).tolist() == [1, 2] and x.bitwise_and(torchless.tensor([3, 1])).tolist() == [1, 0]
    assert (x << 1).tolist() == [2, 4] and x.bitwise_left_shift(1).tolist() == [2, 4]
    with pytest.raises(NotImplementedError, match="bitwise_and_cpu"):
        x.float().bitwise_and(1)  # a number of the right type: the dtype error, as PyTorch


def test_the_dim_normaliser_refuses_a_dim_of_another_type():
    x = torchless.ones(2, 3)
    assert x.flatten(np.int64(0)).shape == (6,) and x.softmax(torchless.tensor(1)).shape == (2, 3)
    for bad, name in ((1.5, "float"), (None, "NoneType"), ("a", "str"), (True, "bool")):
        with pytest.raises(TypeError, match=rf"argument 'dim' must be int, not {name}"):
            x.transpose(bad, 1)


def test_methods_that_take_no_positional_arguments():
    x = torchless.ones(2)
    for name in ("float", "double", "half", "long", "int", "short", "char", "byte", "bool", "cfloat", "cdouble",
                 "cpu", "contiguous", "is_contiguous"):
        with pytest.raises(TypeError, match="positional argument"):
            getattr(x, name)(torchless.preserve_format if hasattr(torchless, "preserve_format") else None)
        getattr(x, name)(memory_format=None)
    assert x.round(decimals=1).tolist() == [1.0, 1.0]
    assert torchless.round(x, decimals=np.int64(1)).tolist() == [1.0, 1.0]
    with pytest.raises(TypeError, match="positional argument"):
        x.round(1)
    with pytest.raises(TypeError, match=r"^round\(\): argument 'decimals' must be int, not float$"):
        x.round(decimals=1.5)


def test_valid_arguments_of_other_types_still_work():
    x = torchless.ones(2, 2)
    assert torchless.zeros(np.int64(2), 3).shape == (2, 3) and torchless.zeros([torchless.tensor(2), 3]).shape == (2, 3)
    assert torchless.zeros((2, True)).shape == (2, 1)  # a bool in a size is an int, as in PyTorch
    assert torchless.randperm(torchless.tensor(3)).shape == (3,) and torchless.eye(np.int64(2)).shape == (2, 2)
    assert torchless.arange(torchless.tensor(3)).tolist() == [0, 1, 2]
    assert torchless.full((2,), torchless.tensor(1.5)).tolist() == [1.5, 1.5]
    assert torchless.logit(torchless.tensor([0.5]), 0).tolist() == [0.0] and x.nan_to_num(None).shape == (2, 2)
    assert x.clone().fill_(np.float32(2.0)).tolist() == [[2.0, 2.0], [2.0, 2.0]]
    assert x.clone().copy_(3).tolist() == [[3.0, 3.0], [3.0, 3.0]]
    assert torchless.multinomial(torchless.tensor([0.0, 1.0]), np.int64(1)).tolist() == [1]
    assert x.sum_to_size(torchless.Size([1, 2])).shape == (1, 2) and x.sum_to_size(1, 2).shape == (1, 2)
    assert torchless.hann_window(np.int64(4), periodic=False).shape == (4,)
    assert torchless.broadcast_shapes(None, (2,), 1) == torchless.Size([2])
