"""matmul and friends: finite differences (float64), PyTorch's values/grads/grad_fn names/errors."""
import numpy as np
import pytest

import torchless
from torchless.autograd import gradcheck, gradgradcheck

from ..conftest import assert_same

# (a shape, b shape): every rank combination matmul takes, with batch broadcasting
MATMUL_SHAPES = [
    ((3,), (3,)), ((2, 3), (3, 4)), ((2, 3), (3,)), ((3,), (3, 4)), ((4, 2, 3), (4, 3, 5)),
    ((4, 2, 3), (3, 5)), ((2, 3), (4, 3, 5)), ((3,), (4, 3, 5)), ((4, 2, 3), (3,)),
    ((2, 1, 2, 3), (4, 3, 5)), ((1, 2, 3), (4, 3, 5)), ((4, 2, 3), (1, 3, 5)), ((1, 2, 3), (1, 3, 5)),
    ((2, 4, 2, 3), (2, 4, 3, 5)), ((3,), (2, 4, 3, 5)), ((2, 4, 2, 3), (3,)),
]
IDS = [f"{a}@{b}" for a, b in MATMUL_SHAPES]


def _data(shape, seed):
    return np.random.default_rng(seed).standard_normal(shape)


@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES, ids=IDS)
def test_matmul_gradcheck(sa, sb):
    a = torchless.tensor(_data(sa, 0), requires_grad=True)
    b = torchless.tensor(_data(sb, 1), requires_grad=True)
    assert gradcheck(lambda x, y: x @ y, (a, b))


@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES[:9], ids=IDS[:9])
def test_matmul_gradgradcheck(sa, sb):
    a = torchless.tensor(_data(sa, 0), requires_grad=True)
    b = torchless.tensor(_data(sb, 1), requires_grad=True)
    assert gradgradcheck(lambda x, y: torchless.matmul(x, y), (a, b))


@pytest.mark.parametrize("needs", [(True, True), (True, False), (False, True)], ids=["both", "a", "b"])
@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES, ids=IDS)
def test_matmul_matches_torch(sa, sb, needs, torch_ref):
    """Values, dtype, the final grad_fn's name, and gradients of a non-linear loss."""
    da, db = _data(sa, 0).astype(np.float32), _data(sb, 1).astype(np.float32)
    a, b = torchless.tensor(da, requires_grad=needs[0]), torchless.tensor(db, requires_grad=needs[1])
    ta, tb = torch_ref.tensor(da, requires_grad=needs[0]), torch_ref.tensor(db, requires_grad=needs[1])
    ours, ref = a @ b, ta @ tb
    assert_same(ours, ref, rtol=1e-5, atol=1e-6)
    assert type(ours.grad_fn).__name__ == type(ref.grad_fn).__name__
    (ours * ours).sum().backward()
    (ref * ref).sum().backward()
    for g, tg in ((a.grad, ta.grad), (b.grad, tb.grad)):
        assert (g is None) == (tg is None)
        if tg is not None:
            assert_same(g, tg, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("call,shapes,name", [
    (lambda T, a, b: T.mm(a, b), ((2, 3), (3, 4)), "MmBackward0"),
    (lambda T, a, b: a.mm(b), ((2, 3), (3, 4)), "MmBackward0"),
    (lambda T, a, b: T.mv(a, b), ((2, 3), (3,)), "MvBackward0"),
    (lambda T, a, b: a.mv(b), ((2, 3), (3,)), "MvBackward0"),
    (lambda T, a, b: T.bmm(a, b), ((4, 2, 3), (4, 3, 5)), "BmmBackward0"),
    (lambda T, a, b: a.bmm(b), ((4, 2, 3), (4, 3, 5)), "BmmBackward0"),
    (lambda T, a, b: T.dot(a, b), ((3,), (3,)), "DotBackward0"),
    (lambda T, a, b: a.dot(b), ((3,), (3,)), "DotBackward0"),
    (lambda T, a, b: a.matmul(b), ((2, 3), (3, 4)), "MmBackward0"),
    (lambda T, a, b: a.__matmul__(b), ((2, 3), (3,)), "MvBackward0"),
    (lambda T, a, b: T.outer(a, b), ((2,), (3,)), "MulBackward0"),
    (lambda T, a, b: T.ger(a, b), ((2,), (3,)), "MulBackward0"),
    (lambda T, a, b: a.outer(b), ((2,), (3,)), "MulBackward0"),
    (lambda T, a, b: T.inner(a, b), ((2, 3), (4, 3)), None),
    (lambda T, a, b: T.inner(a, b), ((3,), (3,)), None),  # PyTorch: ViewBackward0
])
def test_named_products_match_torch(call, shapes, name, torch_ref):
    da, db = _data(shapes[0], 2), _data(shapes[1], 3)
    a, b = torchless.tensor(da, requires_grad=True), torchless.tensor(db, requires_grad=True)
    ta, tb = torch_ref.tensor(da, requires_grad=True), torch_ref.tensor(db, requires_grad=True)
    ours, ref = call(torchless, a, b), call(torch_ref, ta, tb)
    assert_same(ours, ref)
    if name is not None:
        assert type(ours.grad_fn).__name__ == type(ref.grad_fn).__name__ == name
    (ours * ours).sum().backward()
    (ref * ref).sum().backward()
    assert_same(a.grad, ta.grad)
    assert_same(b.grad, tb.grad)
    assert gradcheck(lambda x, y: call(torchless, x, y), (torchless.tensor(da, requires_grad=True),
                                                          torchless.tensor(db, requires_grad=True)))


def test_closed_forms():
    a = torchless.tensor([[1., 2.], [3., 4.]], requires_grad=True)
    b = torchless.tensor([[5., 6.], [7., 8.]], requires_grad=True)
    c = a @ b
    assert c.tolist() == [[19., 22.], [43., 50.]]
    c.sum().backward()
    assert a.grad.tolist() == [[11., 15.], [11., 15.]]  # row sums of b, per row of a
    assert b.grad.tolist() == [[4., 4.], [6., 6.]]      # column sums of a
    v = torchless.tensor([1., 2.])
    assert (v @ v).item() == 5.0
    assert torchless.outer(v, torchless.tensor([1., 0., -1.])).tolist() == [[1., 0., -1.], [2., 0., -2.]]


@pytest.mark.parametrize("call", [
    lambda T: T.tensor([[1, 2], [3, 4]]) @ T.tensor([[1, 0], [0, 1]]),
    lambda T: T.mm(T.tensor([[1, 2]], dtype=T.int32), T.tensor([[3], [4]], dtype=T.int32)),
    lambda T: T.tensor([1, 2]) @ T.tensor([3, 4]),
    lambda T: T.outer(T.tensor([1., 2.]), T.tensor([1., 2.], dtype=T.float64)),
    lambda T: T.outer(T.tensor([1, 2]), T.tensor([1, 2], dtype=T.int32)),
    lambda T: T.ones(2, 3) @ np.ones((3, 2), dtype=np.float32),
    lambda T: T.linalg.matmul(T.ones(2, 3), T.ones(3)),
    lambda T: T.ones(0, 3) @ T.ones(3, 2),
    lambda T: T.ones(2, 0) @ T.ones(0, 2),
])
def test_values_and_dtypes_match_torch(call, torch_ref):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # torch's __array_wrap__ with NumPy 2
        ref = call(torch_ref)
    ours = call(torchless)
    assert repr(ours) == repr(ref)


ERRORS = [
    (lambda T: T.mm(T.ones(2, 3), T.ones(4, 5)), RuntimeError),
    (lambda T: T.mm(T.ones(3), T.ones(3, 5)), RuntimeError),
    (lambda T: T.mm(T.ones(2, 3), T.ones(3)), RuntimeError),
    (lambda T: T.mm(T.ones(2, 3), T.ones(3, 5, dtype=T.float64)), RuntimeError),
    (lambda T: T.mm(T.ones(2, 3), T.ones(3, 5, dtype=T.int64)), RuntimeError),
    (lambda T: T.ones(2, 3) @ T.ones(4, 5), RuntimeError),
    (lambda T: T.ones(3) @ T.ones(4), RuntimeError),
    (lambda T: T.ones(2, 3) @ T.ones(4), RuntimeError),
    (lambda T: T.ones(3) @ T.ones(4, 5), RuntimeError),
    (lambda T: T.ones(2, 2, 3) @ T.ones(2, 4, 5), RuntimeError),
    (lambda T: T.ones(2, 2, 3) @ T.ones(3, 3, 5), RuntimeError),
    (lambda T: T.ones(2, 2, 3) @ T.ones(4, 5), RuntimeError),
    (lambda T: T.ones(3) @ T.ones(2, 4, 5), RuntimeError),
    (lambda T: T.ones(2, 3) @ T.ones(3, 5, dtype=T.float64), RuntimeError),
    (lambda T: T.ones(3) @ T.ones(3, dtype=T.float64), RuntimeError),
    (lambda T: T.ones(2, 2, 3) @ T.ones(2, 3, 5, dtype=T.float64), RuntimeError),
    (lambda T: T.ones(2, 3, dtype=T.int64) @ T.ones(3), RuntimeError),
    (lambda T: T.ones(()) @ T.ones(3), RuntimeError),
    (lambda T: T.ones(3) @ 2, TypeError),
    (lambda T: 2 @ T.ones(3), TypeError),
    (lambda T: T.ones(2, 3) @ [[1.0]], TypeError),
    (lambda T: T.ones(2, 3, dtype=T.bool) @ T.ones(3, 2, dtype=T.bool), NotImplementedError),
    (lambda T: T.mv(T.ones(2, 3), T.ones(4)), RuntimeError),
    (lambda T: T.mv(T.ones(2, 3), T.ones(3, 1)), RuntimeError),
    (lambda T: T.mv(T.ones(2, 3), T.ones(3, dtype=T.float64)), RuntimeError),
    (lambda T: T.bmm(T.ones(2, 3), T.ones(3, 2)), RuntimeError),
    (lambda T: T.bmm(T.ones(2, 2, 3), T.ones(3, 3, 2)), RuntimeError),
    (lambda T: T.bmm(T.ones(2, 2, 3), T.ones(2, 4, 2)), RuntimeError),
    (lambda T: T.bmm(T.ones(2, 2, 3), T.ones(2, 3, 2, dtype=T.float64)), RuntimeError),
    (lambda T: T.outer(T.ones(2, 3), T.ones(3)), RuntimeError),
    (lambda T: T.dot(T.ones(2), T.ones(3)), RuntimeError),
    (lambda T: T.dot(T.ones(2, 2), T.ones(3)), RuntimeError),
    (lambda T: T.dot(T.ones(2), T.ones(2, dtype=T.float64)), RuntimeError),
    (lambda T: T.inner(T.ones(2, 3), T.ones(4, 2)), RuntimeError),
    (lambda T: T.mm(T.ones(2, 3), [[1.0]]), TypeError),
]


@pytest.mark.parametrize("call,exc", ERRORS)
def test_errors_match_torch(call, exc, torch_ref):
    """Same exception type; our message starts with PyTorch's (we may add what to do)."""
    with pytest.raises(exc) as ref_err:
        call(torch_ref)
    with pytest.raises(exc) as ours_err:
        call(torchless)
    theirs = str(ref_err.value).splitlines()[0]
    if exc is TypeError and "argument" not in theirs:
        assert str(ours_err.value) == theirs  # Python's own operator message
    else:
        assert str(ours_err.value).startswith(theirs), (str(ours_err.value), theirs)


def test_matmul_shape_message_names_both_shapes():
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)"):
        torchless.ones(2, 3) @ torchless.ones(4, 5)
    with pytest.raises(RuntimeError, match="expected m1 and m2 to have the same dtype, but got: float != double"):
        torchless.ones(2, 3).mm(torchless.ones(3, 2, dtype=torchless.float64))


def test_matmul_under_no_grad_and_in_graph():
    a = torchless.ones(2, 3, requires_grad=True)
    with torchless.no_grad():
        c = a @ torchless.ones(3, 2)
    assert c.grad_fn is None and not c.requires_grad
    w = torchless.ones(3, 2, requires_grad=True)
    loss = ((a @ w).relu() @ torchless.ones(2)).sum()
    loss.backward()
    assert a.grad.tolist() == [[2.0] * 3] * 2
    assert w.grad.tolist() == [[2.0, 2.0]] * 3
