"""Views taken under no_grad (issue 12, A1 and A2): PyTorch keeps requires_grad=True on them, as
leaves through which no gradient flows, refuses to write them in place with grad mode on, and refuses
to use them in a recorded op once their storage was written in place. Each program runs in both
libraries; what it reports must be the same."""
import pytest

import torchless


def _outcome(f):
    try:
        r = f()
    except Exception as e:  # the error's type and the start of its message
        return f"{type(e).__name__}: {str(e)[:50]}"
    if hasattr(r, "requires_grad"):
        return (r.requires_grad, r.is_leaf, type(r.grad_fn).__name__, r.tolist())
    return r


def _view_made_under_no_grad(T):
    x = T.ones(3, requires_grad=True)
    with T.no_grad():
        v = x[:2]
    return [v.requires_grad, v.is_leaf, v.grad_fn, v._base is x, repr(v)]


def _gradient_is_dropped(T):
    x = T.ones(3, requires_grad=True)
    with T.no_grad():
        v = x[:2]
    s = (v * 2).sum()
    s.backward()
    u = v[:1]  # a view of it, taken with grad on, is recorded (and still leads nowhere)
    (u * 3).sum().backward()
    return [type(s.grad_fn).__name__, x.grad, v.grad, u.requires_grad, u.is_leaf, type(u.grad_fn).__name__]


def _every_view_op(T):
    x = T.ones(3, requires_grad=True)
    with T.no_grad():
        views = [x.view(3, 1), x.reshape(3), x.t(), x.expand(2, 3), x.split(2)[0], x.unbind(0)[0], x.narrow(0, 0, 2),
                 x.transpose(0, 0), x.unsqueeze(0), x[None], x[1], x.squeeze(), x.permute(0), x.view_as(x)]
        others = [x.clone(), x.exp(), x.detach(), x * 1]
    return [v.requires_grad for v in views] + [o.requires_grad for o in others]


def _in_place_with_grad_on(T):
    x = T.ones(3, requires_grad=True)
    with T.no_grad():
        v = x[:2]
        a = x.split(2)[0]
        w = (x * 1)[:2]
    return [_outcome(lambda: v.add_(1)), _outcome(lambda: a.mul_(2)), _outcome(lambda: w.mul_(2)),
            _outcome(lambda: v.__setitem__(0, 5.0))]


def _in_place_under_no_grad_is_fine(T):
    x = T.ones(3, requires_grad=True)
    with T.no_grad():
        v = x[:2]
        v.add_(1)
    z = T.ones(3)
    with T.no_grad():
        zv = z[:2]
    zv.add_(1)  # the base does not require grad: an ordinary view
    return [x.tolist(), z.tolist(), zv.requires_grad]


def _written_since(T):
    x = T.ones(3, requires_grad=True)
    out = []
    y = x * 1
    with T.no_grad():
        w = y[:2]
    y.mul_(2)  # written with grad on
    out += [_outcome(lambda: w.grad_fn), _outcome(lambda: w + 1), _outcome(lambda: w.is_leaf)]
    with T.no_grad():
        out.append(_outcome(lambda: (w * 1).requires_grad))  # under no_grad it is an ordinary tensor
    out.append(_outcome(lambda: (w.detach(), w.shape)[1]))
    y = x * 1
    with T.no_grad():
        w = y[:2]
    u = w[:1]
    y.mul_(2)
    out.append(_outcome(lambda: u.grad_fn))  # a view of a no-grad view
    with T.no_grad():
        v = x[:2]
        x.mul_(2)  # the leaf base written under no_grad
    out.append(_outcome(lambda: v.grad_fn))
    with T.no_grad():
        v = x[:2]
        v.mul_(2)  # the view itself written
    out.append(_outcome(lambda: (v * 1).sum()))
    y = x * 1
    with T.no_grad():
        w = y[:2]
    y[2:].mul_(2)  # through a sibling view
    out.append(_outcome(lambda: w.grad_fn))
    y = x * 1
    with T.no_grad():
        w = y[:2]
    u = w[:1]
    out.append(_outcome(lambda: u.mul_(2)))
    return out


def _backward_hooks_and_grad(T):
    x = T.ones(3, requires_grad=True)
    with T.no_grad():
        v = x[:2]
    calls = []
    handle = v.register_hook(lambda g: calls.append(1))
    v.retain_grad()
    (v * 2).sum().backward()
    return [type(handle).__name__, calls, v.grad, x.grad,
            _outcome(lambda: v.backward(T.ones(2))),
            _outcome(lambda: T.autograd.grad(v.sum(), v)),
            _outcome(lambda: T.autograd.grad((v * 2).sum(), x, allow_unused=True)),
            _outcome(lambda: v.detach_())]


def _inference_mode(T):
    x = T.ones(3, requires_grad=True)
    with T.inference_mode():
        v = x[:2]
    return v.requires_grad


PROGRAMS = [_view_made_under_no_grad, _gradient_is_dropped, _every_view_op, _in_place_with_grad_on,
            _in_place_under_no_grad_is_fine, _written_since, _backward_hooks_and_grad, _inference_mode]


def _normalise(value):
    text = repr(value).replace("torchless", "torch")
    return text.replace("<torch.autograd.graph.Node object", "<node").split(" at 0x")[0]


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.__name__.strip("_"))
def test_no_grad_views_behave_as_in_pytorch(program, torch_ref):
    ours, theirs = program(torchless), program(torch_ref)
    assert _normalise(ours) == _normalise(theirs)


def test_the_messages_say_what_to_do():
    x = torchless.ones(3, requires_grad=True)
    with torchless.no_grad():
        v = x[:2]
    with pytest.raises(RuntimeError, match="A view was created in no_grad mode and is being modified inplace with "
                                           "grad mode enabled.*moving both the view and the inplace"):
        v.add_(1)
    y = x * 1
    with torchless.no_grad():
        w = y[:2]
    u = w[:1]
    y.mul_(2)
    with pytest.raises(RuntimeError, match="A view was created in no_grad mode and its base or another view of its "
                                           "base has been modified inplace"):
        w.sum()
    with pytest.raises(RuntimeError, match="Output 0 of Slice is a view of a view which was created in no_grad mode"):
        u.grad_fn


def test_a_no_grad_view_stays_usable_where_nothing_is_recorded():
    x = torchless.ones(3, requires_grad=True)
    with torchless.no_grad():
        v = x[:2]
        x.mul_(3)
        assert (v * 2).tolist() == [6.0, 6.0]
    assert v.detach().tolist() == [3.0, 3.0]
