"""F.pad in every mode and the padding modules: values, dtypes, grad_fn names, gradients and errors
against PyTorch; closed forms; gradcheck and gradgradcheck in float64."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import torchless
import torchless.nn as nn
import torchless.nn.functional as F
from torchless.autograd import gradcheck, gradgradcheck

from ..conftest import assert_same, requires_torch, to_numpy

# (mode, input shape, pad): zero, asymmetric and negative pads, batched and unbatched inputs of
# every rank each mode accepts, empty batches
CASES = [
    ("reflect", (2, 3), (1, 1)),
    ("reflect", (1, 2, 4), (2, 0)),
    ("reflect", (1, 2, 4), (0, 3)),
    ("reflect", (1, 2, 4), (-1, 2)),
    ("reflect", (1, 2, 4), (2, -2)),
    ("reflect", (2, 3, 4), (1, 2, 0, 1)),
    ("reflect", (1, 2, 3, 4), (1, 1, 2, 2)),
    ("reflect", (1, 2, 3, 4), (0, 0, 0, 0)),
    ("reflect", (1, 2, 3, 4), (-1, 2, 1, -1)),
    ("reflect", (1, 3, 3, 4), (2, 1, 0, 2, 1, 1)),
    ("reflect", (2, 1, 2, 3, 4), (1, 0, 2, 1, 1, 1)),
    ("reflect", (0, 2, 3), (1, 1)),
    ("replicate", (2, 3), (1, 1)),
    ("replicate", (1, 2, 3), (5, 5)),
    ("replicate", (1, 2, 3), (-1, 3)),
    ("replicate", (1, 2, 3), (3, -1)),
    ("replicate", (1, 2, 3), (0, 0)),
    ("replicate", (2, 3, 4), (1, 2, 3, 0)),
    ("replicate", (1, 2, 3, 4), (2, 2, -1, 1)),
    ("replicate", (1, 2, 3, 4), (1, 2, 3, 4, 0, 1)),
    ("replicate", (1, 1, 2, 3, 4), (1, -1, 2, 0, 1, 2)),
    ("replicate", (1, 1, 2, 3, 4), (0, 0, 0, 0, -2, 0)),
    ("circular", (2, 3), (1, 1)),
    ("circular", (1, 2, 4), (4, 0)),
    ("circular", (1, 2, 4), (0, 2)),
    ("circular", (1, 2, 3), (-1, 2)),
    ("circular", (1, 2, 3), (-2, -1)),
    ("circular", (2, 3, 4), (1, 2, 3, 0)),
    ("circular", (1, 2, 3, 4), (1, 1, 2, 2)),
    ("circular", (1, 2, 3, 4), (2, 1, 1, 0, 1, 1)),
    ("circular", (1, 1, 2, 3, 4), (1, -1, 2, 0, -1, 1)),
    ("circular", (0, 2, 3), (1, 1)),
    ("circular", (1, 0, 3), (1, 1)),
    ("constant", (3,), (1, 2)),
    ("constant", (2, 3), (-1, 2, 0, 1)),
    ("constant", (1, 2, 3, 4), (1, 0, 0, 2, 1, 1, 0, 1)),
    ("constant", (2, 3), ()),
]


def _ids(case):
    mode, shape, pad = case
    return f"{mode}-{'x'.join(map(str, shape)) or '0d'}-{pad}"


def _both(torch_ref, shape, dtype="float32", requires_grad=False):
    data = (np.arange(int(np.prod(shape))).reshape(shape) * 0.7 - 1.3).astype(dtype)
    ours = torchless.tensor(data, requires_grad=requires_grad)
    theirs = torch_ref.tensor(data, requires_grad=requires_grad)
    return ours, theirs


# ============================================================================ against PyTorch
@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_pad_matches_torch(torch_ref, case):
    """values, dtype, shape, grad_fn name and the input's gradient under a non-uniform upstream grad"""
    mode, shape, pad = case
    x, tx = _both(torch_ref, shape, requires_grad=True)
    y = F.pad(x, pad, mode=mode)
    ty = torch_ref.nn.functional.pad(tx, pad, mode=mode)
    assert_same(y, ty)
    assert type(y.grad_fn).__name__ == type(ty.grad_fn).__name__
    g = np.cos(np.arange(ty.numel())).reshape(tuple(ty.shape)).astype("float32")
    y.backward(torchless.tensor(g))
    ty.backward(torch_ref.tensor(g))
    assert_same(x.grad, tx.grad, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dtype", ["float64", "float16", "int64", "int32", "uint8", "bool"])
@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_pad_keeps_dtype_like_torch(torch_ref, mode, dtype):
    x, tx = _both(torch_ref, (2, 3, 4), dtype="float32")
    x, tx = x.to(getattr(torchless, dtype)), tx.to(getattr(torch_ref, dtype))
    try:
        expected = torch_ref.nn.functional.pad(tx, (1, 2, 2, 1), mode=mode)
    except Exception as e:  # bool has no reflect/replicate kernel
        with pytest.raises(type(e)) as info:
            F.pad(x, (1, 2, 2, 1), mode=mode)
        assert str(info.value).startswith(str(e))
        return
    assert_same(F.pad(x, (1, 2, 2, 1), mode=mode), expected)


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular", "constant"])
def test_pad_printed_like_torch(torch_ref, mode):
    x, tx = _both(torch_ref, (1, 2, 3), requires_grad=True)
    text = repr(F.pad(x, (2, 1), mode=mode)).replace("torchless", "torch")
    assert text == repr(torch_ref.nn.functional.pad(tx, (2, 1), mode=mode))


# ============================================================================ closed forms
def test_pad_closed_forms():
    x = torchless.tensor([[[1.0, 2.0, 3.0]]], requires_grad=True)
    assert F.pad(x, (2, 2), mode="reflect").tolist() == [[[3.0, 2.0, 1.0, 2.0, 3.0, 2.0, 1.0]]]
    assert F.pad(x, (2, 2), mode="replicate").tolist() == [[[1.0, 1.0, 1.0, 2.0, 3.0, 3.0, 3.0]]]
    assert F.pad(x, (2, 2), mode="circular").tolist() == [[[2.0, 3.0, 1.0, 2.0, 3.0, 1.0, 2.0]]]
    # every output reads one input: the gradient of the sum counts how often each input is read
    F.pad(x, (2, 2), mode="reflect").sum().backward()
    assert x.grad.tolist() == [[[2.0, 3.0, 2.0]]]
    x.grad = None
    F.pad(x, (2, 1), mode="replicate").sum().backward()
    assert x.grad.tolist() == [[[3.0, 1.0, 2.0]]]
    x.grad = None
    F.pad(x, (-1, 2), mode="circular").sum().backward()  # crops to [2, 3], then wraps it
    assert x.grad.tolist() == [[[0.0, 2.0, 2.0]]]


@pytest.mark.parametrize("pad", [(-2, 2), (-1, 3)])
def test_circular_pad_longer_than_the_cropped_dim_values_like_torch(torch_ref, pad):
    """pads longer than what a negative pad left wrap it again. PyTorch gets these values from
    overlapping copies, so its gradients there are not those of its values; ours are (gradcheck)."""
    x, tx = _both(torch_ref, (1, 2, 3), requires_grad=True)
    assert_same(F.pad(x, pad, mode="circular"), torch_ref.nn.functional.pad(tx, pad, mode="circular"))
    x64 = x.detach().double().requires_grad_()
    assert gradcheck(lambda t: F.pad(t, pad, mode="circular"), (x64,))


def test_circular_pad_where_torch_reads_uninitialized_memory():
    """PyTorch returns uninitialized memory here; the periodic continuation is the defined answer,
    and padding a dim that the other side cropped away entirely is an error"""
    x = torchless.tensor([[[0.0, 1.0, 2.0]]])
    assert F.pad(x, (3, -1), mode="circular").tolist() == [[[1.0, 0.0, 1.0, 0.0, 1.0]]]
    assert F.pad(x, (2, -2), mode="circular").tolist() == [[[0.0, 0.0, 0.0]]]
    with pytest.raises(RuntimeError, match="wrapping around more than once"):
        F.pad(x, (-3, 1), mode="circular")


def test_pad_2d_corners_reflect_both_dims():
    x = torchless.arange(4.0).reshape(1, 2, 2)
    assert F.pad(x, (1, 0, 1, 0), mode="reflect").tolist() == [[[3.0, 2.0, 3.0], [1.0, 0.0, 1.0],
                                                                [3.0, 2.0, 3.0]]]


# ============================================================================ finite differences
GRAD_CASES = [c for c in CASES if 0 not in c[1] and c[2]]


@pytest.mark.parametrize("case", GRAD_CASES, ids=_ids)
def test_pad_gradcheck(case):
    mode, shape, pad = case
    x = torchless.tensor(np.sin(np.arange(int(np.prod(shape)))).reshape(shape), dtype=torchless.float64,
                         requires_grad=True)
    assert gradcheck(lambda t: F.pad(t, pad, mode=mode), (x,))


@pytest.mark.parametrize("case", GRAD_CASES[::3], ids=_ids)
def test_pad_gradgradcheck(case):
    mode, shape, pad = case
    x = torchless.tensor(np.sin(np.arange(int(np.prod(shape)))).reshape(shape), dtype=torchless.float64,
                         requires_grad=True)
    # squared so that the second derivative is not zero
    assert gradgradcheck(lambda t: F.pad(t, pad, mode=mode) ** 2, (x,))


# ============================================================================ errors
# (mode, shape, pad, kwargs, compare): "prefix" = our message starts with PyTorch's (ours may add
# what to do); "type" = only the exception type (PyTorch's own message is an internal one there)
ERRORS = [
    ("reflect", (3,), (1, 1), {}, "prefix"),                    # 1D input: not a supported rank
    ("replicate", (2, 3), (1, 1, 1, 1), {}, "prefix"),
    ("circular", (1, 2, 3, 4), (1, 1), {}, "prefix"),
    ("reflect", (1, 1, 2, 3, 4), (1, 1, 1, 1), {}, "prefix"),
    ("replicate", (1, 1, 1, 2, 3, 4), (1, 1, 1, 1, 1, 1), {}, "prefix"),
    ("reflect", (3,), (1, 1, 1, 1), {}, "prefix"),               # longer than twice the rank
    ("reflect", (), (1, 1), {}, "prefix"),
    ("reflect", (1, 2, 3), (1,), {}, "prefix"),                  # odd length
    ("reflect", (1, 2, 3), (), {}, "prefix"),
    ("reflect", (1, 2, 3), (3, 0), {}, "prefix"),                # reflect pad >= size
    ("reflect", (2, 3), (0, 3), {}, "prefix"),
    ("reflect", (1, 2, 3), (-1, 3), {}, "prefix"),
    ("reflect", (1, 1, 2, 3), (0, 0, 2, 0), {}, "prefix"),
    ("reflect", (1, 1, 2, 3), (3, 0, 2, 0), {}, "prefix"),
    ("reflect", (1, 2, 3, 4), (4, 0, 3, 0, 2, 0), {}, "prefix"),
    ("reflect", (1, 1, 2, 3, 4), (0, 0, 0, 0, 2, 0), {}, "prefix"),
    ("reflect", (1, 2, 3), (-3, 0), {}, "prefix"),               # output too small
    ("reflect", (1, 2, 3), (-5, 0), {}, "prefix"),
    ("replicate", (1, 2, 3), (-3, -3), {}, "prefix"),
    ("reflect", (1, 1, 2, 3), (-3, 0, -2, 0), {}, "prefix"),
    ("replicate", (1, 1, 2, 3), (-3, 0, -2, 0), {}, "prefix"),
    ("replicate", (1, 1, 2, 3), (-4, 0, -3, 0), {}, "prefix"),
    ("reflect", (1, 1, 2, 3, 4), (-4, 0, -3, 0, -2, 0), {}, "prefix"),
    ("replicate", (1, 1, 2, 3), (-4, 0, 0, 0), {}, "prefix"),    # one dim negative
    ("replicate", (1, 1, 2, 3, 4), (0, 0, 0, 0, -3, 0), {}, "prefix"),
    ("reflect", (1, 1, 2, 3), (-4, 0, 0, 0), {}, "type"),
    ("reflect", (1, 2, 0), (1, 1), {}, "prefix"),                # empty non-batch dims
    ("replicate", (1, 0, 3), (1, 1), {}, "prefix"),
    ("reflect", (0, 3), (1, 1), {}, "prefix"),
    ("replicate", (0, 2, 3), (1, 1, 1, 1), {}, "prefix"),
    ("reflect", (1, 0, 2, 3, 4), (1, 1, 1, 1, 1, 1), {}, "prefix"),
    ("circular", (1, 2, 3), (4, 0), {}, "prefix"),               # wraps more than once
    ("circular", (1, 2, 3), (-4, 4), {}, "prefix"),
    ("circular", (1, 2, 0), (1, 1), {}, "prefix"),
    ("circular", (1, 1, 2, 3), (0, 0, 3, 0), {}, "prefix"),
    ("circular", (1, 2, 3), (-5, 0), {}, "prefix"),              # negative output size
    ("circular", (1, 1, 2, 3), (0, 0, -3, 0), {}, "prefix"),
    ("reflect", (1, 2, 3), (1, 1), {"value": 2.0}, "prefix"),    # value with a copying mode
    ("circular", (3,), (1, 1), {"value": 1.0}, "prefix"),
    ("foo", (1, 2, 3), (1, 1), {}, "prefix"),                    # unknown mode
    ("foo", (1, 3), (1,), {}, "prefix"),
    ("reflect", (1, 2, 3), (1.0, 1), {}, "prefix"),              # not ints
    ("constant", (1, 2, 3), (1, 1.5), {}, "type"),
    ("constant", (1, 2, 3), 1, {}, "prefix"),
    ("constant", (1, 2, 3), (1, 1), {"value": "a"}, "prefix"),
    (None, (1, 2, 3), (1, 1), {}, "prefix"),
    ("constant", (1, 2, 3), (-2, -2), {}, "type"),  # PyTorch: "narrow(): length must be ..."
    ("constant", (2, 3), (1, 1, 1, 1, 1, 1), {}, "prefix"),
]


@pytest.mark.parametrize("case", ERRORS, ids=lambda c: f"{c[0]}-{c[1]}-{c[2]}-{sorted(c[3])}")
def test_pad_errors_like_torch(torch_ref, case):
    mode, shape, pad, kwargs, compare = case
    x, tx = _both(torch_ref, shape)
    with pytest.raises(Exception) as expected:
        torch_ref.nn.functional.pad(tx, pad, mode=mode, **kwargs)
    with pytest.raises(type(expected.value)) as got:
        F.pad(x, pad, mode=mode, **kwargs)
    assert type(got.value) is type(expected.value)
    if compare == "prefix":
        assert str(got.value).startswith(str(expected.value)), (str(got.value), str(expected.value))


def test_pad_input_must_be_a_tensor(torch_ref):
    with pytest.raises(TypeError) as expected:
        torch_ref.nn.functional.pad([1.0, 2.0], (1, 1), mode="reflect")
    with pytest.raises(TypeError) as got:
        F.pad([1.0, 2.0], (1, 1), mode="reflect")
    assert str(got.value) == str(expected.value)


def test_pad_accepts_lists_and_int_tensors_as_amounts(torch_ref):
    x, tx = _both(torch_ref, (1, 2, 3))
    assert_same(F.pad(x, [1, torchless.tensor(2)], mode="reflect"),
                torch_ref.nn.functional.pad(tx, [1, torch_ref.tensor(2)], mode="reflect"))
    assert_same(F.pad(x, (1, 1), mode="replicate", value=0), F.pad(x, (1, 1), mode="replicate"))


# ============================================================================ modules
MODULES = [
    ("ZeroPad1d", (2,), (2, 3)), ("ZeroPad2d", ((1, 1, 2, 0),), (1, 2, 3)), ("ZeroPad3d", (1,), (1, 2, 3, 2)),
    ("ConstantPad1d", (2, 3.5), (2, 3)), ("ConstantPad2d", ((1, 2, 3, 4), 0), (2, 3)),
    ("ConstantPad3d", (1, -1), (1, 2, 2, 2)), ("ConstantPad2d", (1, True), (2, 2)),
    ("ReflectionPad1d", (2,), (1, 2, 3)), ("ReflectionPad2d", ((1, 1, 2, 0),), (1, 3, 3)),
    ("ReflectionPad3d", (1,), (1, 1, 2, 2, 2)), ("ReplicationPad1d", ((1, 2),), (2, 3)),
    ("ReplicationPad2d", (1,), (1, 1, 2, 3)), ("ReplicationPad3d", ((1, 2, 0, 1, 2, 0),), (1, 2, 3, 2)),
    ("CircularPad1d", (1,), (2, 3)), ("CircularPad2d", ((1, 1, 2, 0),), (1, 1, 2, 3)),
    ("CircularPad3d", (1,), (1, 2, 2, 2)), ("ReflectionPad2d", ([1, 0, 1, 0],), (1, 2, 3)),
]


@pytest.mark.parametrize("name, args, shape", MODULES, ids=[f"{m[0]}{m[1]}" for m in MODULES])
def test_padding_modules_like_torch(torch_ref, name, args, shape):
    ours, theirs = getattr(nn, name)(*args), getattr(torch_ref.nn, name)(*args)
    assert repr(ours) == repr(theirs)
    assert ours.padding == theirs.padding
    assert getattr(ours, "value", None) == getattr(theirs, "value", None)
    x, tx = _both(torch_ref, shape, requires_grad=True)
    y, ty = ours(x), theirs(tx)
    assert_same(y, ty)
    assert type(y.grad_fn).__name__ == type(ty.grad_fn).__name__
    y.sum().backward()
    ty.sum().backward()
    assert_same(x.grad, tx.grad)


@pytest.mark.parametrize("name", ["CircularPad1d", "CircularPad2d", "CircularPad3d", "ReflectionPad1d",
                                  "ReplicationPad2d"])
@pytest.mark.parametrize("rank", [1, 2, 3, 4, 5, 6])
def test_padding_modules_reject_ranks_like_torch(torch_ref, name, rank):
    ours, theirs = getattr(nn, name)(1), getattr(torch_ref.nn, name)(1)
    x, tx = _both(torch_ref, (2,) * rank)
    try:
        expected = theirs(tx)
    except Exception as e:
        with pytest.raises(type(e)) as got:
            ours(x)
        assert str(got.value).startswith(str(e))
        return
    assert_same(ours(x), expected)


def test_padding_module_in_a_model_trains():
    """a padding layer inside Sequential passes gradients to the layer before it"""
    torchless.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReflectionPad1d(2), nn.Linear(8, 1))
    x = torchless.randn(5, 3)
    loss = model(x).pow(2).mean()
    loss.backward()
    assert model[0].weight.grad is not None
    assert to_numpy(model[0].weight.grad).any()


# ============================================================================ random configurations
@st.composite
def _valid_pads(draw):
    """a copying mode, a batched or unbatched input of a rank it accepts, and pads it allows"""
    mode = draw(st.sampled_from(["reflect", "replicate", "circular"]))
    k = draw(st.integers(1, 3))
    lead = draw(st.sampled_from([(2,), (1, 2)]))
    sizes = [draw(st.integers(1, 4)) for _ in range(k)]
    pad = []
    for n in reversed(sizes):  # pad lists the last dim first
        if mode == "reflect":
            lo, hi = draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1))
        elif mode == "replicate":
            lo, hi = draw(st.integers(0, 5)), draw(st.integers(0, 5))
        else:
            lo, hi = draw(st.integers(0, n)), draw(st.integers(0, n))
        pad += [lo, hi]
    return mode, lead + tuple(sizes), tuple(pad)


@requires_torch
@settings(max_examples=60, deadline=None)
@given(_valid_pads())
def test_random_pads_match_torch(case):
    import torch as torch_ref
    mode, shape, pad = case
    x, tx = _both(torch_ref, shape, requires_grad=True)
    y, ty = F.pad(x, pad, mode=mode), torch_ref.nn.functional.pad(tx, pad, mode=mode)
    assert_same(y, ty)
    g = np.sin(np.arange(ty.numel())).reshape(tuple(ty.shape)).astype("float32")
    y.backward(torchless.tensor(g))
    ty.backward(torch_ref.tensor(g))
    assert_same(x.grad, tx.grad, rtol=1e-5, atol=1e-6)
