"""Custom autograd.Function and gradcheck / gradgradcheck."""
import gc
import weakref

import numpy as np
import pytest

import torchless
from torchless.autograd.gradcheck import GradcheckError
from tests.conftest import to_numpy


def leaf(T, values):
    return T.tensor(values, dtype=T.float64, requires_grad=True)


def define(T):
    """The same Function classes defined against either library."""
    class Cube(T.autograd.Function):
        @staticmethod
        def forward(ctx, x, k):
            ctx.save_for_backward(x)
            ctx.k = k  # a non-tensor argument kept on ctx
            return x ** 3 * k

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * x ** 2 * ctx.k, None  # differentiable ops: double backward works

    class MulAdd(T.autograd.Function):  # two outputs
        @staticmethod
        def forward(ctx, x, y):
            ctx.save_for_backward(x, y)
            return x * y, x + y

        @staticmethod
        def backward(ctx, ga, gb):
            x, y = ctx.saved_tensors
            return ga * y + gb, ga * x + gb

    class Flags(T.autograd.Function):
        @staticmethod
        def forward(ctx, x, y, n):
            ctx.flags = ctx.needs_input_grad
            return x * y * n

        @staticmethod
        def backward(ctx, g):
            return g * 2, None, None

    class WithIndex(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            idx = (x * 0).long()
            ctx.mark_non_differentiable(idx)
            return x * 2, idx

        @staticmethod
        def backward(ctx, gv, gi):
            return gv * 2

    class NoMaterialize(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 1, x * 2

        @staticmethod
        def backward(ctx, ga, gb):
            ctx.seen = (ga is None, gb is None)
            return ga if gb is None else ga + 2 * gb

    class Wrong(T.autograd.Function):  # backward off by a factor
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 3

    class WrongSecond(T.autograd.Function):  # right first derivative, wrong second (detached)
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 2

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 2 * x.detach()

    return locals()


@pytest.fixture(params=["torchless", "torch"])
def T(request):
    """Each library in turn (torchless's run needs no PyTorch installed)."""
    return torchless if request.param == "torchless" else request.getfixturevalue("torch_ref")


@pytest.fixture
def F(T):
    return define(T)


def test_save_for_backward_and_grad_fn_name(T, F):
    x = leaf(T, [1.0, 2.0])
    y = F["Cube"].apply(x, 2.0)
    assert type(y.grad_fn).__name__ == "CubeBackward"
    assert [type(n).__name__ for n, _ in y.grad_fn.next_functions] == ["AccumulateGrad"]
    y.sum().backward()
    np.testing.assert_allclose(to_numpy(x.grad), [6.0, 24.0])
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.grad_fn.saved_tensors


def test_double_backward_through_function(T, F):
    x = leaf(T, [1.0, 2.0])
    (g,) = T.autograd.grad(F["Cube"].apply(x, 2.0).sum(), x, create_graph=True)
    (g2,) = T.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(to_numpy(g), [6.0, 24.0])
    np.testing.assert_allclose(to_numpy(g2), [12.0, 24.0])


def test_multiple_outputs(T, F):
    x, w = leaf(T, [1.0, 2.0]), leaf(T, [3.0, 4.0])
    a, b = F["MulAdd"].apply(x, w)
    assert a.grad_fn is b.grad_fn and (a.output_nr, b.output_nr) == (0, 1)
    (a.sum() + 2 * b.sum()).backward()
    np.testing.assert_allclose(to_numpy(x.grad), [5.0, 6.0])
    np.testing.assert_allclose(to_numpy(w.grad), [3.0, 4.0])
    x, w = leaf(T, [1.0, 2.0]), leaf(T, [3.0, 4.0])
    a, _ = F["MulAdd"].apply(x, w)
    a.sum().backward()  # the unused output's gradient is materialized as zeros
    np.testing.assert_allclose(to_numpy(x.grad), [3.0, 4.0])


def test_set_materialize_grads_false(T, F):
    x = leaf(T, [1.0, 2.0])
    a, _ = F["NoMaterialize"].apply(x)
    a.sum().backward()
    assert a.grad_fn.seen == (False, True)
    np.testing.assert_allclose(to_numpy(x.grad), [1.0, 1.0])


def test_needs_input_grad_and_non_tensor_args(T, F):
    x, w = leaf(T, [1.0]), T.tensor([2.0], dtype=T.float64)
    out = F["Flags"].apply(x, w, 3)
    assert out.grad_fn.flags == (True, False, False)
    np.testing.assert_allclose(to_numpy(out), [6.0])
    out.sum().backward()
    np.testing.assert_allclose(to_numpy(x.grad), [2.0])


def test_mark_non_differentiable(T, F):
    x = leaf(T, [1.0, 2.0])
    v, idx = F["WithIndex"].apply(x)
    assert v.requires_grad and not idx.requires_grad and idx.grad_fn is None
    v.sum().backward()
    np.testing.assert_allclose(to_numpy(x.grad), [2.0, 2.0])


def test_apply_under_no_grad(T, F):
    x = leaf(T, [1.0, 2.0])
    with T.no_grad():
        y = F["Cube"].apply(x, 1.0)
    assert not y.requires_grad and y.grad_fn is None
    np.testing.assert_allclose(to_numpy(y), [1.0, 8.0])


@pytest.mark.parametrize("returned, expected", [(1, 2), (3, 1)])
def test_wrong_number_of_gradients_raises(T, returned, expected):
    class Bad(T.autograd.Function):
        @staticmethod
        def forward(ctx, *xs):
            return xs[0] * 2

        @staticmethod
        def backward(ctx, g):
            return (g,) * returned

    xs = [leaf(T, [1.0]) for _ in range(expected)]
    with pytest.raises(RuntimeError, match=rf"incorrect number of gradients \(expected {expected}, got {returned}\)"):
        Bad.apply(*xs).sum().backward()


def test_trailing_none_gradients_allowed(T):
    class Extra(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2, None, None

    x = leaf(T, [1.0])
    Extra.apply(x).sum().backward()
    np.testing.assert_allclose(to_numpy(x.grad), [2.0])


def test_returned_gradient_shape_and_dtype_checked(T):
    class Shaped(T.autograd.Function):
        @staticmethod
        def forward(ctx, x, shape):
            ctx.shape = shape
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return T.ones(ctx.shape, dtype=T.float32), None

    x = leaf(T, [1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"invalid gradient at index 0 - got \[3\] but expected shape compatible with \[2\]"):
        Shaped.apply(x, (3,)).sum().backward()
    Shaped.apply(x, (3, 2)).sum().backward()  # broadcastable: summed back to the input's shape
    assert str(x.grad.dtype) == "torch.float64"  # cast to the input's dtype
    np.testing.assert_allclose(to_numpy(x.grad), [3.0, 3.0])


def test_non_tensor_gradient_raises(T):
    class Num(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return 3.0

    with pytest.raises(RuntimeError, match=r"expected Variable or None \(got float\)"):
        Num.apply(leaf(T, [1.0])).sum().backward()


def test_function_graph_freed_without_cyclic_gc():
    F = define(torchless)
    gc.collect()
    gc.disable()
    try:
        x = leaf(torchless, [1.0, 2.0])
        y = F["Cube"].apply(x, 2.0)
        a, b = F["MulAdd"].apply(y, x)
        refs = [weakref.ref(o) for o in (y, y.grad_fn, a, a.grad_fn)]
        (a + b).sum().backward()
        del y, a, b
        assert [r() for r in refs] == [None] * 4
    finally:
        gc.enable()


# ---------------------------------------------------------------------------- gradcheck
def test_gradcheck_and_gradgradcheck_pass_for_correct_functions(T, F):
    x = T.tensor([0.3, -1.2, 0.8], dtype=T.float64, requires_grad=True)
    assert T.autograd.gradcheck(lambda a: F["Cube"].apply(a, 2.0), (x,))
    assert T.autograd.gradgradcheck(lambda a: F["Cube"].apply(a, 2.0), (x,))
    w = T.tensor([[0.5], [2.0]], dtype=T.float64, requires_grad=True)
    assert T.autograd.gradcheck(lambda a, b: F["MulAdd"].apply(a, b), (x, w))
    assert T.autograd.gradcheck(lambda a, b: (a * b).sin().exp(), (x, w))
    assert T.autograd.gradgradcheck(lambda a, b: (a * b).sin() / (1 + a * a), (x, w))


def test_gradcheck_catches_wrong_backward(T, F):
    x = T.tensor([0.3, -1.2], dtype=T.float64, requires_grad=True)
    with pytest.raises(RuntimeError, match="Jacobian mismatch") as info:
        T.autograd.gradcheck(F["Wrong"].apply, (x,))
    assert type(info.value).__name__ == "GradcheckError"
    assert T.autograd.gradcheck(F["Wrong"].apply, (x,), raise_exception=False) is False


def test_gradgradcheck_catches_wrong_second_derivative(T, F):
    x = T.tensor([0.3, -1.2], dtype=T.float64, requires_grad=True)
    assert T.autograd.gradcheck(F["WrongSecond"].apply, (x,))
    with pytest.raises(RuntimeError, match="Jacobian mismatch"):
        T.autograd.gradgradcheck(F["WrongSecond"].apply, (x,))


def test_gradcheck_error_is_runtime_error():
    assert issubclass(GradcheckError, RuntimeError)
    with pytest.raises(GradcheckError):
        torchless.autograd.gradcheck(define(torchless)["Wrong"].apply, (leaf(torchless, [1.0]),))


def test_gradcheck_needs_an_input_requiring_grad(T):
    with pytest.raises(ValueError, match="at least one input tensor to require gradient"):
        T.autograd.gradcheck(lambda a: a * 2, (T.ones(2, dtype=T.float64),))


def _exp_saving_output(T):
    class Exp(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)  # its own output
            return y

        @staticmethod
        def backward(ctx, g):
            (y,) = ctx.saved_tensors
            return g * y
    return Exp


def test_saved_output_gives_gradients_and_second_order(T):
    Exp = _exp_saving_output(T)
    x = leaf(T, [0.5, 1.0])
    y = Exp.apply(x)
    (saved,) = y.grad_fn.saved_tensors
    assert saved.grad_fn is y.grad_fn  # unpacked with its grad_fn, as PyTorch does
    (g,) = T.autograd.grad(y.sum(), x, create_graph=True)
    (g2,) = T.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(to_numpy(g), np.exp([0.5, 1.0]))
    np.testing.assert_allclose(to_numpy(g2), np.exp([0.5, 1.0]))
    y = Exp.apply(x)
    y.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_saved_output_makes_no_reference_cycle():
    Exp = _exp_saving_output(torchless)
    gc.collect()
    gc.disable()
    try:
        x = leaf(torchless, [1.0, 2.0])
        y = Exp.apply(x)
        ref = weakref.ref(y.grad_fn)
        del y  # no backward: only reference counting can free it
        assert ref() is None
    finally:
        gc.enable()


# ---------------------------------------------------------------------------- outputs, as PyTorch links them
class _Identity:
    """Functions that return (or modify) their input, defined against either library."""

    def __init__(self, T):
        class Same(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x

            @staticmethod
            def backward(ctx, g):
                return g

        class Doubled(T.autograd.Function):  # in place, marked dirty
            @staticmethod
            def forward(ctx, x):
                x.mul_(2)
                ctx.mark_dirty(x)
                return x

            @staticmethod
            def backward(ctx, g):
                return g * 2

        class NonDiffInput(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.mark_non_differentiable(x)
                return x

            @staticmethod
            def backward(ctx, g):
                return g

        self.Same, self.Doubled, self.NonDiffInput = Same, Doubled, NonDiffInput


def test_an_input_returned_as_is_is_a_new_tensor_sharing_its_data(T):
    fns = _Identity(T)
    x = leaf(T, [1.0, 2.0])
    y = fns.Same.apply(x)
    assert y is not x and y.requires_grad and type(y.grad_fn).__name__ == "SameBackward"
    plain = T.tensor([1.0, 2.0], dtype=T.float64)
    z = fns.Same.apply(plain)
    assert z is not plain and not z.requires_grad
    z.mul_(3)  # the same storage
    assert plain.tolist() == [3.0, 6.0] and plain._version == z._version == 1
    with T.no_grad():
        w = fns.Same.apply(x)
    assert w is not x and not w.requires_grad and w.grad_fn is None and x.requires_grad


def test_a_returned_input_marked_non_differentiable_is_detached(T):
    x = leaf(T, [1.0, 2.0])
    y = _Identity(T).NonDiffInput.apply(x)
    assert y is not x and not y.requires_grad and x.requires_grad
    assert y.tolist() == [1.0, 2.0]


def test_mark_dirty_keeps_the_object_and_bumps_its_version(T):
    fns = _Identity(T)
    x = leaf(T, [1.0, 2.0])
    z = x.clone()
    y = fns.Doubled.apply(z)
    assert y is z and type(z.grad_fn).__name__ == "DoubledBackward"
    assert z._version == 2  # the in-place op, then mark_dirty
    y.sum().backward()
    np.testing.assert_allclose(to_numpy(x.grad), [2.0, 2.0])
    plain = T.tensor([1.0, 2.0])
    assert fns.Doubled.apply(plain) is plain and plain._version == 2 and not plain.requires_grad
    z = x.clone()
    with T.no_grad():
        w = fns.Doubled.apply(z)
    assert w is not z and not w.requires_grad and z._version == 2
    np.testing.assert_allclose(to_numpy(z), [2.0, 4.0])


def test_mark_dirty_on_a_leaf_that_requires_grad_raises_after_forward(T):
    x = leaf(T, [1.0, 2.0])
    message = "^a leaf Variable that requires grad has been used in an in-place operation.$"
    with pytest.raises(RuntimeError, match=message):
        _Identity(T).Doubled.apply(x)
    assert to_numpy(x).tolist() == [2.0, 4.0] and x._version == 2  # as in PyTorch: forward ran


def test_mark_dirty_of_a_tensor_that_is_not_an_input_warns(T):
    class NotInput(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            t = x * 2
            ctx.mark_dirty(t)
            return t

        @staticmethod
        def backward(ctx, g):
            return g * 2

    with pytest.warns(UserWarning, match=r"ctx.mark_dirty\(\) received a tensor that was not an input. Only input "
                                         r"Tensors that have been mutated should be passed to ctx.mark_dirty\(\)."):
        y = NotInput.apply(leaf(T, [1.0]))
    assert type(y.grad_fn).__name__ == "NotInputBackward"


def test_mark_dirty_of_a_view_with_several_outputs_raises(T):
    class TwoOut(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            x.add_(1)
            ctx.mark_dirty(x)
            return x, x * 2

        @staticmethod
        def backward(ctx, a, b):
            return a + 2 * b

    base = leaf(T, [1.0, 2.0, 3.0]).clone()
    with pytest.raises(RuntimeError, match="^If your Function modifies inplace an input that is a view of another "
                                           "Tensor, your Function cannot return more than one Tensor"):
        TwoOut.apply(base[:2])


def test_saved_tensors_inside_forward_is_empty(T):
    class Peek(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * 2, len(ctx.saved_tensors)

        @staticmethod
        def backward(ctx, g, _):
            return g * 2

    assert Peek.apply(leaf(T, [1.0]))[1] == 0
    assert Peek.apply(T.tensor([1.0]))[1] == 0


def test_saved_tensors_are_the_inputs_themselves(T):
    class Mul(T.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            out = x * y
            ctx.save_for_backward(x, None, out)
            return out

        @staticmethod
        def backward(ctx, g):
            x, nothing, out = ctx.saved_tensors
            return g * out / x, g * x

    x, y = leaf(T, [1.0, 2.0]), leaf(T, [3.0, 4.0])
    out = Mul.apply(x, y)
    a, nothing, b = out.grad_fn.saved_tensors
    assert a is x and nothing is None and b.grad_fn is out.grad_fn and b.requires_grad
    out.sum().backward()
    np.testing.assert_allclose(to_numpy(x.grad), [3.0, 4.0])
    np.testing.assert_allclose(to_numpy(y.grad), [1.0, 2.0])


def test_only_saved_inputs_are_version_checked(T):
    class SavesFirst(T.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            ctx.save_for_backward(x)
            return x * y

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g, g * x

    x, y = leaf(T, [1.0, 2.0]), leaf(T, [3.0, 4.0])
    a, b = x * 1, y * 1
    out = SavesFirst.apply(a, b)
    b.add_(1)  # not saved: backward does not care
    out.sum().backward()
    np.testing.assert_allclose(to_numpy(y.grad), [1.0, 2.0])
    a = x * 1
    out = SavesFirst.apply(a, y)
    a.add_(1)
    with pytest.raises(RuntimeError, match="one of the variables needed for gradient computation has been modified"):
        out.sum().backward()


def test_save_for_backward_refuses_a_non_tensor(T):
    class SavesNumber(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x, 3)
            return x * 2

    with pytest.raises(TypeError, match="^save_for_backward can only save variables, but argument 1 is of type int$"):
        SavesNumber.apply(leaf(T, [1.0, 2.0]))


def test_grad_fn_repr_names_the_function_module(T, F):
    y = F["Cube"].apply(leaf(T, [1.0]), 2.0)
    assert repr(y.grad_fn).startswith("<torch.autograd.function.CubeBackward object at 0x")
    assert repr(y) == "tensor([2.], dtype=torch.float64, grad_fn=<CubeBackward>)"


def test_setup_context_style(T):
    class Scale(T.autograd.Function):
        @staticmethod
        def forward(x, k, shift=0.0):
            return x * k + shift

        @staticmethod
        def setup_context(ctx, inputs, output):
            x, k, shift = inputs
            ctx.k = k
            ctx.save_for_backward(x)

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * ctx.k + 0 * x, None, None

    class Sub(Scale):  # inherits the style
        pass

    x = leaf(T, [1.0, 2.0])
    y = Scale.apply(x, 3.0, shift=1.0)
    np.testing.assert_allclose(to_numpy(y), [4.0, 7.0])
    y.sum().backward()
    np.testing.assert_allclose(to_numpy(x.grad), [3.0, 3.0])
    np.testing.assert_allclose(to_numpy(Sub.apply(x, 2.0)), [2.0, 4.0])


def _mul_saving_its_output(T):
    """x * y as a Function that saves an input and its own output (the gradient reads both)."""
    class Mul(T.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            out = x * y
            ctx.save_for_backward(x, out)
            return out

        @staticmethod
        def backward(ctx, g):
            x, out = ctx.saved_tensors
            return g * out / x, g * x

    return Mul


def test_saved_tensor_hooks_see_what_save_for_backward_saved(T):
    Mul = _mul_saving_its_output(T)
    x, y = leaf(T, [1.0, 2.0]), leaf(T, [3.0, 4.0])
    seen = []

    def pack(t):
        seen.append((t is x, None if t.grad_fn is None else type(t.grad_fn).__name__))
        return t.detach().clone()  # other data: backward must use what unpack gives back

    def unpack(t):
        seen.append("unpack")
        return t

    with T.autograd.graph.saved_tensors_hooks(pack, unpack):
        out = Mul.apply(x, y)
    out.sum().backward()
    assert seen == [(True, None), (False, "MulBackward"), "unpack", "unpack"]
    np.testing.assert_allclose(to_numpy(x.grad), [3.0, 4.0])
    np.testing.assert_allclose(to_numpy(y.grad), [1.0, 2.0])


def test_double_backward_through_unpacked_saved_tensors(T, F):
    x = leaf(T, [1.0, 2.0])
    with T.autograd.graph.saved_tensors_hooks(lambda t: t.detach().clone(), lambda t: t):
        y = F["Cube"].apply(x, 1.0)
    (g,) = T.autograd.grad(y.sum(), x, create_graph=True)
    (g2,) = T.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(to_numpy(g), [3.0, 12.0])
    np.testing.assert_allclose(to_numpy(g2), [6.0, 12.0])  # d(3x²)/dx through the unpacked copy of x


def test_missing_gradients_are_zeros_for_tensor_outputs_and_none_for_others(T):
    class Mixed(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, 3, (x > 0).long(), x * 3

        @staticmethod
        def backward(ctx, a, b, c, d):
            ctx.seen = [None if t is None else (tuple(t.shape), str(t.dtype), to_numpy(t).tolist())
                        for t in (a, b, c, d)]
            return a * 2 + d * 3

    x = T.ones(2, requires_grad=True)
    a, number, flags, d = Mixed.apply(x)
    assert number == 3 and not flags.requires_grad
    a.sum().backward()
    assert a.grad_fn.seen == [((2,), "torch.float32", [1.0, 1.0]), None, ((2,), "torch.int64", [0, 0]),
                              ((2,), "torch.float32", [0.0, 0.0])]
    np.testing.assert_allclose(to_numpy(x.grad), [2.0, 2.0])


def _dirty_doubling(T):
    class DoubledSaved(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            ctx.save_for_backward(x)
            return x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 2
    return DoubledSaved


def test_mark_dirty_on_a_view_writes_through_to_its_base(T):
    Doubled = _dirty_doubling(T)
    x = T.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    z = x.clone()
    v = z[:2]
    y = Doubled.apply(v)
    assert y is v and type(v.grad_fn).__name__ == "AsStridedBackward0" and type(z.grad_fn).__name__ == "CopySlices"
    assert z._version == 2 and to_numpy(z).tolist() == [2.0, 4.0, 3.0, 4.0]
    (z * T.tensor([1.0, 10.0, 100.0, 1000.0])).sum().backward()  # the base's gradient sees the Function
    np.testing.assert_allclose(to_numpy(x.grad), [2.0, 20.0, 100.0, 1000.0])
    x.grad = None
    v = x.clone()[1:]
    (Doubled.apply(v) * T.tensor([1.0, 10.0, 100.0])).sum().backward()
    np.testing.assert_allclose(to_numpy(x.grad), [0.0, 2.0, 20.0, 200.0])


def test_mark_dirty_on_a_view_of_a_leaf_that_requires_grad_raises(T):
    x = T.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="^a view of a leaf Variable that requires grad is being used in an "
                                           "in-place operation."):
        _dirty_doubling(T).apply(x[:2])
    plain = T.tensor([1.0, 2.0, 3.0])
    v = plain[:2]
    assert _dirty_doubling(T).apply(v) is v and plain._version == 2
    assert to_numpy(plain).tolist() == [2.0, 4.0, 3.0]


def test_forward_ad_through_mark_dirty_needs_the_tangent_modified_in_place(T):
    def doubling(in_place_jvp):
        class Doubled(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                x.mul_(2)
                ctx.mark_dirty(x)
                return x

            @staticmethod
            def backward(ctx, g):
                return g * 2

            @staticmethod
            def jvp(ctx, t):
                return t.mul_(2) if in_place_jvp else t * 2
        return Doubled

    fw = T.autograd.forward_ad
    with fw.dual_level():
        x = fw.make_dual(T.tensor([1.0, 2.0]), T.tensor([1.0, -1.0]))
        y = doubling(True).apply(x)
        assert y is x and to_numpy(fw.unpack_dual(y).tangent).tolist() == [2.0, -2.0]
        x = fw.make_dual(T.tensor([1.0, 2.0]), T.tensor([1.0, -1.0]))
        message = ("^An inplace custom Function is not modifying the forward mode gradients inplace. If the "
                   "forward is modifying an input inplace, then the jvp function must modify the corresponding "
                   "gradient inplace.$")
        with pytest.raises(RuntimeError, match=message):
            doubling(False).apply(x)


def test_vmap_over_a_function_that_generates_its_vmap_rule(T):
    class Cubed(T.autograd.Function):
        generate_vmap_rule = True

        @staticmethod
        def forward(x):
            return x ** 3

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(inputs[0])

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 3 * x ** 2 * g

    x = T.tensor([[1.0, 2.0], [3.0, -1.0]], dtype=T.float64)
    np.testing.assert_allclose(to_numpy(T.func.vmap(Cubed.apply)(x)), to_numpy(x) ** 3)
    grads = T.func.vmap(T.func.grad(lambda row: Cubed.apply(row).sum()))(x)
    np.testing.assert_allclose(to_numpy(grads), 3 * to_numpy(x) ** 2)


def test_an_output_that_is_a_view_refuses_in_place_ops_with_grad(T):
    fns = _Identity(T)

    class ViewOf(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x.view(-1)

        @staticmethod
        def backward(ctx, g):
            return g.view(2, 2)

    class Rows(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x[0], x[1]

        @staticmethod
        def backward(ctx, g, h):
            return T.stack([g, h])

    custom = ("is a view and is being modified inplace. This view was created inside a custom Function (or because "
              "an input was returned as-is) and the autograd logic to handle view+inplace would override the custom "
              "backward associated with the custom Function, leading to incorrect gradients. This behavior is "
              "forbidden. You can fix this by cloning the output of the custom Function.")
    x = leaf(T, [1.0, 2.0])
    for y in (fns.Same.apply(x), fns.Same.apply(x * 1)):
        assert y._base is not None and y._version == 0
        with pytest.raises(RuntimeError) as info:
            y.mul_(2)
        assert str(info.value) == "Output 0 of Same " + custom
    with pytest.raises(RuntimeError) as info:
        ViewOf.apply(leaf(T, [[1.0, 2.0], [3.0, 4.0]]) * 1).add_(1)
    assert str(info.value) == "Output 0 of ViewOf " + custom
    with pytest.raises(RuntimeError) as info:
        Rows.apply(leaf(T, [[1.0, 2.0], [3.0, 4.0]]) * 1)[1].add_(1)
    assert str(info.value) == ("Output 1 of Rows is a view and is being modified inplace. This view is the output of "
                               "a function that returns multiple views. Such functions do not allow the output views "
                               "to be modified inplace. You should replace the inplace operation by an out-of-place "
                               "one.")
    a = x * 1
    y = fns.Same.apply(a)
    with T.no_grad():  # without grad nothing is rewritten: allowed, and the input sees it
        y.mul_(2)
    assert to_numpy(a).tolist() == [2.0, 4.0] and a._version == y._version == 1


def test_hooks_on_a_functions_outputs_and_node(T, F):
    x = leaf(T, [1.0, 2.0])
    y = F["Cube"].apply(x, 1.0)
    seen = []
    y.register_hook(lambda g: g * 10)  # the output's gradient, before the Function's backward
    y.grad_fn.register_prehook(lambda grads: seen.append(("pre", to_numpy(grads[0]).tolist())))
    y.grad_fn.register_hook(lambda grad_inputs, grad_outputs: seen.append(("post", to_numpy(grad_inputs[0]).tolist())))
    y.sum().backward()
    assert seen == [("pre", [10.0, 10.0]), ("post", [30.0, 120.0])]
    np.testing.assert_allclose(to_numpy(x.grad), [30.0, 120.0])


def test_every_tensor_marked_dirty_must_be_returned(T):
    class Hidden(T.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            x.mul_(2)
            ctx.mark_dirty(x)
            return y * 2

        @staticmethod
        def backward(ctx, g):
            return None, g * 2

    message = ("^Some elements marked as dirty during the forward method were not returned as output. The inputs "
               "that are modified inplace must all be outputs of the Function.$")
    with pytest.raises(RuntimeError, match=message):
        Hidden.apply(leaf(T, [1.0]).clone(), leaf(T, [1.0]))
    with T.no_grad(), pytest.raises(RuntimeError, match=message):
        Hidden.apply(T.ones(1), T.ones(1))


def test_reading_saved_tensors_checks_their_versions(T):
    Mul = _mul_saving_its_output(T)
    x = leaf(T, [1.0, 2.0])
    a = x * 1
    y = Mul.apply(a, x)
    assert len(y.grad_fn.saved_tensors) == 2
    a.add_(1)
    with pytest.raises(RuntimeError, match="^one of the variables needed for gradient computation has been modified "
                                           "by an inplace operation"):
        y.grad_fn.saved_tensors
