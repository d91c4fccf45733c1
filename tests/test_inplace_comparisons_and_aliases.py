"""The in-place forms PyTorch's Tensor has and torchless lacked: trigonometric and logarithmic ones
(acos_, sinh_, log2_ ...), fmod_, true_divide_, the comparisons (eq_, lt_ ... and their aliases
greater_, less_equal_ ...), the logical and bitwise ones (and &=, |=, ^= in place). Checked against
PyTorch on every dtype with number, float and tensor operands, with and without a history: the same
values, dtype, identity, grad_fn and error types. A comparison written into a tensor that requires
grad records PyTorch's EqBackward0/1 ... whose gradient is zero; a logical one keeps the old history,
as PyTorch's does."""
import numpy as np
import pytest

import torchless

UNARY = "absolute_ fix_ acos_ arccos_ asin_ arcsin_ atan_ arctan_ sinh_ cosh_ log2_ log10_ logical_not_ bitwise_not_".split()
BINARY = ("fmod_ true_divide_ eq_ ne_ not_equal_ lt_ less_ le_ less_equal_ gt_ greater_ ge_ greater_equal_ "
          "logical_and_ logical_or_ logical_xor_ bitwise_and_ bitwise_or_ bitwise_xor_").split()


def _run(T, name, dt, operand, with_history):
    if dt in ("int64", "bool"):
        x = T.tensor([3, -2, 0, 5]).to(getattr(T, dt))
    else:
        x = T.tensor([0.5, -0.25, 2.0, 0.0]).to(getattr(T, dt))
        if with_history:
            x = x.requires_grad_() * 1.0
    args = ()
    if name in BINARY:
        other = T.tensor([True, False, True, False]) if dt == "bool" else T.tensor([1, 0, 2, 5]).to(getattr(T, dt))
        args = ({"number": 2, "float": 1.5, "tensor": other}[operand],)
    r = getattr(x, name)(*args)
    grad_fn = type(r.grad_fn).__name__ if r.grad_fn is not None else None
    return r is x, str(r.dtype), str(np.asarray(r.detach().numpy(), dtype=np.float64).round(6).tolist()), grad_fn


def _outcome(T, *args):
    try:
        return ("ok",) + _run(T, *args)
    except Exception as e:   # the error's type is what must agree
        return (type(e).__name__,)


@pytest.mark.parametrize("name", UNARY + BINARY)
def test_same_as_pytorch(torch_ref, name):
    for dt in ("float32", "float64", "int64", "bool"):
        for operand in (("number", "float", "tensor") if name in BINARY else ("none",)):
            for with_history in (False, True):
                args = (name, dt, operand, with_history)
                assert _outcome(torchless, *args) == _outcome(torch_ref, *args), args


def test_comparison_in_place_gives_a_zero_gradient():
    x = torchless.tensor([0.5, -1.0, 2.0], requires_grad=True)
    y = x * 2
    y.gt_(0.5)
    assert y.tolist() == [1.0, 0.0, 1.0] and type(y.grad_fn).__name__ == "GtBackward0"
    (y * 3).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]        # not 6: the old history is gone
    z = x * 1
    z.eq_(torchless.tensor([0.5, 0.0, 0.0]))
    assert type(z.grad_fn).__name__ == "EqBackward1" and z.tolist() == [1.0, 0.0, 0.0]


def test_in_place_operators_keep_the_tensor():
    a = torchless.tensor([5, 3, 6])
    same = a
    a &= torchless.tensor([1, 1, 2])
    a |= 8
    a ^= torchless.tensor([1, 0, 0])
    assert a is same and a.tolist() == [8, 9, 10]
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type Long"):
        a &= 1.5
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        torchless.ones(2, requires_grad=True).eq_(1.0)


def test_refusals_are_pytorchs():
    with pytest.raises(NotImplementedError, match="\"fmod_cpu\" not implemented for 'Bool'"):
        torchless.tensor([True, False]).fmod(torchless.tensor([True, True]))
    with pytest.raises(NotImplementedError, match="\"remainder_cpu\" not implemented for 'Bool'"):
        torchless.tensor([True, False]).remainder(torchless.tensor([True, True]))
    with pytest.raises(NotImplementedError, match="\"bitwise_not_cpu\" not implemented for 'Float'"):
        torchless.ones(2).bitwise_not()
    assert torchless.tensor([True, False]).fmod(2).tolist() == [1, 0]   # bool with a number: int64


VIEWS = ["x.unsqueeze_(0)", "x.unsqueeze_(-1)", "x.squeeze_()", "x.squeeze_(0)", "x.squeeze_((0, 2))", "x.t_()",
         "x.transpose_(0, 2)", "x.swapaxes_(1, 2)", "x.swapdims_(0, 1)", "x.unsqueeze_(5)", "x.t_()"]


@pytest.mark.parametrize("code", VIEWS)
def test_in_place_views_are_pytorchs(torch_ref, code):
    def outcome(L, shape):
        x = L.arange(float(np.prod(shape))).reshape(shape)
        try:
            r = eval(code, {"x": x})
        except Exception as e:
            return type(e).__name__
        strides = tuple(st for st, n in zip(x.stride(), x.shape) if n != 1)   # (a size-1 dim's is arbitrary)
        return r is x, tuple(x.shape), strides, x._version, x.tolist()
    for shape in ((1, 3, 1), (2, 3, 4), (3, 2)):
        assert outcome(torchless, shape) == outcome(torch_ref, shape), shape


def test_in_place_views_share_memory_and_refuse_recorded_tensors():
    c = torchless.arange(3.0)
    d = c[1:]
    d.unsqueeze_(0)
    d.add_(1)                               # still a view of c's memory
    assert c.tolist() == [0.0, 2.0, 3.0] and d.tolist() == [[2.0, 3.0]]
    x = torchless.ones(3, requires_grad=True)
    w = torchless.full((3,), 2.0)
    y = (x * w).sum()
    w.unsqueeze_(0)                         # w was saved for backward: its version moved on
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        torchless.ones(2, requires_grad=True).unsqueeze_(0)
    with pytest.raises(RuntimeError, match="cannot change the shape of a tensor that requires grad in place"):
        (torchless.ones(2, 3, requires_grad=True) * 2).t_()
    with torchless.no_grad():
        p = torchless.ones(2, 3, requires_grad=True)
        assert p.t_().shape == (3, 2) and p.requires_grad


OVERLAPS = ["x.put_(L.tensor([0]), x.flatten()[:1])", "x.put_(L.tensor([0, 1]), x.flatten()[2:4])",
            "x.index_add_(0, L.tensor([0]), x[1:])", "x.index_copy_(0, L.tensor([0]), x[1:])",
            "x.masked_scatter_(x > 2, x.flatten())", "x.scatter_(0, L.tensor([[1, 0, 1]]), x[:1])",
            "x.scatter_add_(0, L.tensor([[1, 0, 1]]), x[:1])", "x.index_fill_(0, L.tensor([0]), x[0, 0])",
            "x.masked_fill_(x > 2, x[0, 0])", "x.put_(L.tensor([0]), x.flatten()[:1].clone())",
            "x.index_put_((L.tensor([0]),), x[1])", "x.index_add_(0, L.tensor([0, 1]), x)",
            "x.scatter_reduce_(0, L.tensor([[1, 0, 1]]), x[:1], 'sum')",
            "x.index_reduce_(0, L.tensor([0]), x[1:], 'prod')", "x.index_add_(0, L.tensor([0]), L.ones(1, 3))"]


@pytest.mark.parametrize("code", OVERLAPS)
def test_in_place_indexing_refuses_an_overlapping_source_as_pytorch(torch_ref, code):
    """put_, index_add_, index_copy_, scatter_(add_/reduce_), index_put_ and index_reduce_ refuse a source
    that shares memory with the tensor written (masked_scatter_, index_fill_, masked_fill_ do not)."""
    def outcome(L):
        x = L.arange(6.0).reshape(2, 3)
        try:
            exec(code, {"x": x, "L": L})
        except RuntimeError as e:
            return "RuntimeError", str(e).split(" (")[0]
        return x.tolist()
    assert outcome(torchless) == outcome(torch_ref)


def test_a_bool_source_overlapping_is_refused_too(torch_ref):
    for L in (torchless, torch_ref):
        x = L.tensor([True, False, True])
        with pytest.raises(RuntimeError, match="refer to a single memory location"):
            x.put_(L.tensor([0]), x[1:2])
