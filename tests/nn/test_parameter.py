"""nn.Parameter as a real Tensor subclass: its type, repr, construction, ops on it (plain-Tensor
results, gradients flowing to the parameter), modules, copies, state_dict, optimizers, torch.save;
each compared with PyTorch where the behaviour is PyTorch's."""
import copy
import io
import operator
import pickle

import numpy as np
import pytest

import torchless
from torchless import nn
from torchless.autograd import gradcheck

from ..conftest import assert_same, requires_torch, to_numpy


def _pair(lib, values=(1.0, -2.0, 3.0), dtype=None):
    return lib.nn.Parameter(lib.tensor(values, dtype=dtype or lib.float32))


# ---------------------------------------------------------------- type, repr, construction
@requires_torch
def test_type_isinstance_and_repr_match_torch(torch_ref):
    for lib in (torchless, torch_ref):
        p = _pair(lib)
        assert type(p) is lib.nn.Parameter and type(p) == lib.nn.Parameter
        assert isinstance(p, lib.nn.Parameter) and isinstance(p, lib.Tensor)
        assert not isinstance(lib.ones(2), lib.nn.Parameter)
        assert issubclass(lib.nn.Parameter, lib.Tensor)
        assert p.is_leaf and p.requires_grad and p.grad_fn is None
    ours, theirs = _pair(torchless), _pair(torch_ref)
    assert repr(ours) == repr(theirs) and str(ours) == str(theirs)
    assert repr(type(ours)).replace("torchless", "torch") == repr(type(theirs))
    frozen = (torchless.nn.Parameter(torchless.ones(2, 2), requires_grad=False),
              torch_ref.nn.Parameter(torch_ref.ones(2, 2), requires_grad=False))
    assert repr(frozen[0]) == repr(frozen[1]) and frozen[0].requires_grad is False
    assert repr(torchless.nn.Parameter()) == repr(torch_ref.nn.Parameter())
    ints = torchless.nn.Parameter(torchless.tensor([1, 2]), requires_grad=False)
    assert repr(ints) == repr(torch_ref.nn.Parameter(torch_ref.tensor([1, 2]), requires_grad=False))


def test_shares_storage_and_is_a_fresh_leaf():
    t = torchless.tensor([1.0, 2.0])
    p = nn.Parameter(t)
    assert p.data_ptr() == t.data_ptr()
    with torchless.no_grad():
        t[0] = 5.0
    assert p.tolist() == [5.0, 2.0]
    x = torchless.ones(2, requires_grad=True)
    q = nn.Parameter(x * 3)  # built from a computed tensor: a leaf of its own
    assert q.is_leaf and q.grad_fn is None and q.requires_grad
    (q * 2).sum().backward()
    assert x.grad is None and q.grad.tolist() == [2.0, 2.0]


@requires_torch
def test_construction_errors_match_torch(torch_ref):
    for lib in (torchless, torch_ref):
        with pytest.raises(RuntimeError, match="floating point and complex dtype"):
            lib.nn.Parameter(lib.tensor([1, 2]))
    with pytest.raises(TypeError, match="must be a Tensor"):
        nn.Parameter([1.0, 2.0])


@requires_torch
@pytest.mark.parametrize("expr", [
    "p * 2", "2 * p", "p + p", "p - 1", "1 - p", "p / 2", "2 / p", "p ** 2", "2 ** p", "-p", "abs(p)",
    "p[0]", "p[1:]", "p[[0, 2]]", "p.detach()", "p.data", "p.clone()", "p.view(3)", "p.reshape(1, 3)",
    "p.unsqueeze(0)", "p.expand(2, 3)", "p.sum()", "p.mean()", "p.exp()", "p.relu()", "p.double()",
    "p.view_as(p)", "p.t()", "lib.cat([p, p])", "lib.stack([p, p])", "p @ p", "p.max()",
    "p.float()", "p.to(lib.float32)", "p.cpu()", "p.contiguous()", "p.requires_grad_()",
    "p.flatten()", "lib.atleast_1d(p)",
])
def test_result_types_match_torch(torch_ref, expr):
    """What an op on a parameter returns: a plain Tensor, except where PyTorch returns self."""
    names = []
    for lib in (torchless, torch_ref):
        p = _pair(lib)
        out = eval(expr, {"lib": lib, "p": p})
        names.append((type(out).__name__, out is p))
    assert names[0] == names[1]


# ---------------------------------------------------------------- ops: gradients to the parameter
@requires_torch
@pytest.mark.parametrize("op", ["add", "sub", "mul", "truediv", "pow", "maximum", "minimum", "mod"])
@pytest.mark.parametrize("side", ["param_left", "param_right", "both"])
@pytest.mark.parametrize("shapes", [((3,), (3,)), ((2, 3), (3,)), ((), (2, 2)), ((2, 1), (1, 3))])
def test_binary_ops_record_the_parameter_edge(torch_ref, op, side, shapes):
    rng = np.random.default_rng(0)
    a = rng.uniform(0.5, 2.0, shapes[0])
    b = rng.uniform(0.5, 2.0, shapes[1])
    results = []
    for lib in (torchless, torch_ref):
        fn = {"maximum": lib.maximum, "minimum": lib.minimum}.get(op) or getattr(operator, op)
        left = lib.tensor(a, dtype=lib.float64)
        right = lib.tensor(b, dtype=lib.float64)
        left = lib.nn.Parameter(left) if side != "param_right" else left.requires_grad_()
        right = lib.nn.Parameter(right) if side != "param_left" else right.requires_grad_()
        out = fn(left, right)
        out.sum().backward()
        results.append((out, type(out).__name__, type(out.grad_fn).__name__, left.grad, right.grad,
                        [type(n).__name__ for n, _ in out.grad_fn.next_functions]))
    ours, theirs = results
    assert_same(ours[0], theirs[0])
    assert ours[1:3] == theirs[1:3] == ("Tensor", theirs[2])
    assert_same(ours[3], theirs[3])
    assert_same(ours[4], theirs[4])
    assert ours[5] == theirs[5]


@pytest.mark.parametrize("op", [operator.add, operator.sub, operator.mul, operator.truediv])
@pytest.mark.parametrize("shapes", [((3,), (3,)), ((2, 3), (3,)), ((), (2,))])
def test_binary_ops_gradcheck_with_parameters(op, shapes):
    rng = np.random.default_rng(1)
    p = nn.Parameter(torchless.tensor(rng.uniform(0.5, 2, shapes[0]), dtype=torchless.float64))
    q = nn.Parameter(torchless.tensor(rng.uniform(0.5, 2, shapes[1]), dtype=torchless.float64))
    x = torchless.tensor(rng.uniform(0.5, 2, shapes[1]), dtype=torchless.float64, requires_grad=True)
    assert gradcheck(lambda p, x: op(p, x), (p, x))
    assert gradcheck(lambda x, q: op(x, q), (x, q))
    assert gradcheck(lambda p, q: op(p, q) * p, (p, q))


def test_number_and_comparison_operands():
    p = nn.Parameter(torchless.tensor([1.0, 2.0, 3.0]))
    x = torchless.tensor([2.0, 2.0, 2.0])
    assert (x < p).tolist() == [False, False, True] and (p == x).tolist() == [False, True, False]
    assert (x >= p).tolist() == [True, True, False]
    out = 3.0 - p * 2 + 1 / p
    out.sum().backward()
    np.testing.assert_allclose(to_numpy(p.grad), -2 - 1 / np.array([1.0, 4.0, 9.0]), rtol=1e-6)


@requires_torch
@pytest.mark.parametrize("shapes", [((2, 3), (3, 4)), ((3,), (3, 2)), ((2, 3), (3,)), ((2, 2, 3), (3, 2))])
@pytest.mark.parametrize("side", ["param_left", "param_right"])
def test_matmul_both_ways(torch_ref, shapes, side):
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal(shapes[0]), rng.standard_normal(shapes[1])
    results = []
    for lib in (torchless, torch_ref):
        left, right = lib.tensor(a), lib.tensor(b)
        if side == "param_left":
            left, right = lib.nn.Parameter(left), right.requires_grad_()
        else:
            left, right = left.requires_grad_(), lib.nn.Parameter(right)
        out = left @ right
        (out * out).sum().backward()
        results.append((out, type(out.grad_fn).__name__, left.grad, right.grad))
    assert_same(results[0][0], results[1][0])
    assert results[0][1] == results[1][1]
    assert_same(results[0][2], results[1][2])
    assert_same(results[0][3], results[1][3])
    left, right = torchless.tensor(a), torchless.tensor(b)
    if side == "param_left":
        left, right = nn.Parameter(left), right.requires_grad_()
    else:
        left, right = left.requires_grad_(), nn.Parameter(right)
    assert gradcheck(lambda l, r: l @ r, (left, right))


@requires_torch
def test_linear_layer_style_forward(torch_ref):
    """x @ W.T + b with parameters on both sides of ops, as in D2L's from-scratch models."""
    rng = np.random.default_rng(3)
    w, bias, x = rng.standard_normal((4, 3)), rng.standard_normal(4), rng.standard_normal((5, 3))
    grads = []
    for lib in (torchless, torch_ref):
        W, b = lib.nn.Parameter(lib.tensor(w)), lib.nn.Parameter(lib.tensor(bias))
        out = (lib.tensor(x) @ W.T + b).relu()
        out2 = lib.nn.functional.linear(lib.tensor(x), W, b)
        (out.sum() + (out2 ** 2).mean()).backward()
        grads.append((out, W.grad, b.grad))
    for o, t in zip(*grads):
        assert_same(o, t)
    W = nn.Parameter(torchless.tensor(w))
    b = nn.Parameter(torchless.tensor(bias))
    assert gradcheck(lambda W, b: torchless.tensor(x) @ W.T + b, (W, b))
    assert gradcheck(lambda W, b: nn.functional.linear(torchless.tensor(x), W, b), (W, b))


@requires_torch
def test_indexing_cat_stack_of_parameters(torch_ref):
    rng = np.random.default_rng(4)
    a = rng.standard_normal((3, 4))
    results = []
    for lib in (torchless, torch_ref):
        p = lib.nn.Parameter(lib.tensor(a))
        q = lib.nn.Parameter(lib.tensor(a[0]))
        idx = lib.tensor([2, 0])
        out = (p[0] * 2 + p[1:, 1].sum() + p[idx].sum(0) + p[p > 0].sum()
               + lib.cat([p, q.unsqueeze(0)]).sum(0) + lib.stack([q, p[2]]).prod(0)
               + lib.where(p[0] > 0, p[1], q))
        out.sum().backward()
        results.append((out, p.grad, q.grad, type(lib.cat([p, p]).grad_fn).__name__,
                        type(lib.stack([q, q]).grad_fn).__name__))
    for o, t in zip(results[0][:3], results[1][:3]):
        assert_same(o, t)
    assert results[0][3:] == results[1][3:]
    p = nn.Parameter(torchless.tensor(a))
    q = nn.Parameter(torchless.tensor(a[0]))
    assert gradcheck(lambda p, q: torchless.cat([p, q.unsqueeze(0)]) * 2, (p, q))
    assert gradcheck(lambda p, q: torchless.stack([q, p[1]]), (p, q))
    assert gradcheck(lambda p: p[torchless.tensor([1, 1, 0])], (p,))


def test_parameter_used_as_index_and_in_reductions():
    w = nn.Parameter(torchless.tensor([[1.0, 5.0], [3.0, 2.0]]))
    m = torchless.max(w, dim=1)
    assert m.values.tolist() == [5.0, 3.0] and m.indices.tolist() == [1, 0]
    m.values.sum().backward()
    assert w.grad.tolist() == [[0.0, 1.0], [1.0, 0.0]]
    ix = nn.Parameter(torchless.tensor([1, 0]), requires_grad=False)
    assert w[ix].tolist() == [[3.0, 2.0], [1.0, 5.0]]
    assert torchless.clamp(w, min=nn.Parameter(torchless.tensor(2.0))).tolist() == [[2.0, 5.0], [3.0, 2.0]]


@requires_torch
def test_inplace_and_setitem_under_no_grad(torch_ref):
    results = []
    for lib in (torchless, torch_ref):
        p = lib.nn.Parameter(lib.tensor([1.0, 2.0, 3.0]))
        (p * p).sum().backward()
        with lib.no_grad():
            p -= 0.1 * p.grad
            p.mul_(2)
            p.add_(lib.nn.Parameter(lib.ones(3)))
            p[0] = 10.0
            p[1:] = lib.nn.Parameter(lib.tensor([7.0, 8.0]))
        results.append((p, type(p).__name__, p.requires_grad, p.is_leaf, p._version))
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            p.add_(1)
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            p[0] = 1.0
    assert_same(results[0][0], results[1][0])
    assert results[0][1:4] == results[1][1:4] == ("Parameter", True, True)
    assert results[0][4] > 0


def test_setitem_of_a_parameter_into_a_tensor_records_the_edge():
    p = nn.Parameter(torchless.tensor([1.0, 2.0]))
    x = torchless.zeros(3)
    x[1:] = p * 3
    y = torchless.zeros(3)
    y[:2] = p
    (x * torchless.tensor([1.0, 2.0, 4.0]) + y).sum().backward()
    assert p.grad.tolist() == [7.0, 13.0]


# ---------------------------------------------------------------- modules
@requires_torch
def test_module_registration_and_assignment_errors(torch_ref):
    for lib in (torchless, torch_ref):
        m = lib.nn.Linear(2, 3)
        assert type(m.weight) is lib.nn.Parameter and type(m.bias) is lib.nn.Parameter
        m.extra = lib.nn.Parameter(lib.zeros(2))
        assert [n for n, _ in m.named_parameters()] == ["weight", "bias", "extra"]
        with pytest.raises(TypeError) as err:
            m.weight = lib.ones(3, 2)
        assert "cannot assign 'torch.FloatTensor' as parameter 'weight'" in str(err.value)
        m.weight = lib.nn.Parameter(lib.ones(3, 2))
        assert m.weight.sum().item() == 6.0
        m.plain = lib.ones(2)  # a plain tensor is an ordinary attribute
        assert "plain" not in dict(m.named_parameters())
        m.register_buffer("buf", lib.nn.Parameter(lib.ones(1), requires_grad=False))
        assert "buf" in dict(m.named_buffers())
        plist = lib.nn.ParameterList([lib.ones(2), lib.nn.Parameter(lib.zeros(2))])
        assert all(type(q) is lib.nn.Parameter for q in plist)


def test_non_leaf_parameter_is_refused():
    m = nn.Module()
    q = nn.Parameter(torchless.ones(1)) * 2
    q.__class__ = nn.Parameter  # a non-leaf made a Parameter by hand
    with pytest.raises(ValueError, match="Cannot assign non-leaf Tensor to parameter 'q'"):
        m.register_parameter("q", q)


@requires_torch
def test_deepcopy_copy_and_pickle(torch_ref):
    for lib in (torchless, torch_ref):
        p = lib.nn.Parameter(lib.tensor([1.0, 2.0]))
        p.grad = lib.ones(2)
        d = copy.deepcopy(p)
        assert type(d) is lib.nn.Parameter and d.requires_grad and d.grad is None  # PyTorch drops it
        assert d.data_ptr() != p.data_ptr() and d.tolist() == p.tolist()
        c = copy.copy(p)
        assert type(c) is lib.nn.Parameter
        f = lib.nn.Parameter(lib.ones(2), requires_grad=False)
        for q in (copy.deepcopy(f), pickle.loads(pickle.dumps(f))):
            assert type(q) is lib.nn.Parameter and not q.requires_grad
        r = pickle.loads(pickle.dumps(p))
        assert type(r) is lib.nn.Parameter and r.requires_grad and r.tolist() == [1.0, 2.0]
        shared = {"a": p, "b": p}
        dd = copy.deepcopy(shared)
        assert dd["a"] is dd["b"]
        m = lib.nn.Sequential(lib.nn.Linear(2, 2), lib.nn.ReLU())
        m2 = copy.deepcopy(m)
        assert type(m2[0].weight) is lib.nn.Parameter
        assert m2[0].weight.data_ptr() != m[0].weight.data_ptr()


def test_deepcopy_keeps_a_lazy_placeholder():
    m = nn.LazyLinear(3)
    m2 = copy.deepcopy(m)
    assert repr(m2.weight) == "<UninitializedParameter>"
    m2(torchless.ones(2, 4))
    assert m2.weight.shape == (3, 4) and type(m2.weight) is nn.Parameter
    assert repr(m.weight) == "<UninitializedParameter>"


@requires_torch
def test_state_dict_round_trip_and_save_load(torch_ref):
    for lib in (torchless, torch_ref):
        lib.manual_seed(0)
        m = lib.nn.Linear(3, 2)
        sd = m.state_dict()
        assert all(type(v) is lib.Tensor for v in sd.values())
        assert type(m.state_dict(keep_vars=True)["weight"]) is lib.nn.Parameter
        buf = io.BytesIO()
        lib.save(sd, buf)
        buf.seek(0)
        loaded = lib.load(buf)
        assert all(type(v) is lib.Tensor for v in loaded.values())
        m2 = lib.nn.Linear(3, 2)
        m2.load_state_dict(loaded)
        assert type(m2.weight) is lib.nn.Parameter and m2.weight.requires_grad
        assert m2.weight.tolist() == m.weight.tolist()
        m3 = lib.nn.Linear(3, 2)
        m3.load_state_dict(loaded, assign=True)
        assert type(m3.bias) is lib.nn.Parameter and m3.bias.tolist() == m.bias.tolist()
        buf = io.BytesIO()
        lib.save(lib.nn.Parameter(lib.ones(2), requires_grad=False), buf)
        buf.seek(0)
        p = lib.load(buf, weights_only=False) if lib is torch_ref else lib.load(buf)
        assert type(p) is lib.nn.Parameter and not p.requires_grad


@requires_torch
@pytest.mark.parametrize("opt", ["SGD", "Adam"])
def test_optimizer_steps_parameters(torch_ref, opt):
    results = []
    for lib in (torchless, torch_ref):
        lib.manual_seed(0)
        w = lib.nn.Parameter(lib.tensor([[0.5, -1.0], [2.0, 0.1]]))
        b = lib.nn.Parameter(lib.tensor([0.0, 1.0]))
        o = getattr(lib.optim, opt)([w, b], lr=0.1, **({"momentum": 0.9} if opt == "SGD" else {}))
        x = lib.tensor([[1.0, 2.0], [3.0, -1.0]])
        for _ in range(3):
            o.zero_grad()
            loss = ((x @ w + b) ** 2).mean()
            loss.backward()
            o.step()
        state = o.state_dict()
        results.append((w.detach().clone(), b.detach().clone(), type(w).__name__, sorted(state["state"])))
        o2 = getattr(lib.optim, opt)([w, b], lr=0.1)
        o2.load_state_dict(state)
    assert_same(results[0][0], results[1][0], rtol=1e-5)
    assert_same(results[0][1], results[1][1], rtol=1e-5)
    assert results[0][2:] == results[1][2:]


def test_create_graph_through_parameters():
    p = nn.Parameter(torchless.tensor([1.0, 2.0], dtype=torchless.float64))
    x = torchless.tensor([3.0, -1.0], dtype=torchless.float64, requires_grad=True)
    (g,) = torchless.autograd.grad((x * p * p).sum(), p, create_graph=True)
    assert type(g) is torchless.Tensor and g.tolist() == [6.0, -4.0]
    g.sum().backward()
    assert x.grad.tolist() == [2.0, 4.0] and p.grad.tolist() == [6.0, -2.0]
    assert torchless.autograd.gradgradcheck(lambda p, x: x * p * p, (p, x))
