"""nn.Module and the containers: registration, tree walks, state_dict, conversion, hooks, reprs.

Most tests build the same model in torchless and in PyTorch (from one factory taking the library)
and compare what both print, name and compute.
"""
import copy
from collections import OrderedDict

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import torchless
from torchless import nn

from ..conftest import requires_torch, to_numpy

try:
    import torch as _torch
except ImportError:  # pragma: no cover
    _torch = None


# ---------------------------------------------------------------- models from D2L, for either library
def d2l_models(lib):
    """D2L's model-construction and parameter-management classes, written once against `lib`."""
    lnn = lib.nn
    F = lib.nn.functional

    class MLP(lnn.Module):
        def __init__(self):
            super().__init__()
            self.hidden = lnn.Linear(20, 256)
            self.out = lnn.Linear(256, 10)

        def forward(self, X):
            return self.out(F.relu(self.hidden(X)))

    class MySequential(lnn.Module):
        def __init__(self, *args):
            super().__init__()
            for idx, module in enumerate(args):
                self.add_module(str(idx), module)

        def forward(self, X):
            for module in self.children():
                X = module(X)
            return X

    class FixedHiddenMLP(lnn.Module):
        def __init__(self):
            super().__init__()
            self.rand_weight = lib.ones((20, 20)) * 0.05  # a constant, not a parameter
            self.linear = lnn.Linear(20, 20)

        def forward(self, X):
            X = self.linear(X)
            X = F.relu(X @ self.rand_weight + 1)
            X = self.linear(X)
            while X.abs().sum() > 1:
                X /= 2
            return X.sum()

    class NestMLP(lnn.Module):
        def __init__(self):
            super().__init__()
            self.net = lnn.Sequential(lnn.Linear(20, 64), lnn.ReLU(), lnn.Linear(64, 32), lnn.ReLU())
            self.linear = lnn.Linear(32, 16)

        def forward(self, X):
            return self.linear(self.net(X))

    def block1():
        return lnn.Sequential(lnn.Linear(4, 8), lnn.ReLU(), lnn.Linear(8, 4), lnn.ReLU())

    def block2():
        net = lnn.Sequential()
        for i in range(4):
            net.add_module(f"block {i}", block1())
        return net

    return {
        "mlp": MLP,
        "my_sequential": lambda: MySequential(lnn.Linear(20, 256), lnn.ReLU(), lnn.Linear(256, 10)),
        "fixed_hidden": FixedHiddenMLP,
        "nest": NestMLP,
        "chimera": lambda: lnn.Sequential(NestMLP(), lnn.Linear(16, 20), FixedHiddenMLP()),
        "rgnet": lambda: lnn.Sequential(block2(), lnn.Linear(4, 1)),
        "seq_of_seq": lambda: lnn.Sequential(lnn.Sequential(lnn.Linear(2, 3), lnn.Tanh()),
                                             lnn.Sequential(lnn.Sequential(lnn.Linear(3, 1, bias=False))),
                                             lnn.Flatten(0)),
        "module_list": lambda: lnn.ModuleList([lnn.Linear(2, 2) for _ in range(3)]
                                              + [lnn.ReLU(), lnn.ReLU(), lnn.Linear(2, 3)]),
        "module_dict": lambda: lnn.ModuleDict({"act": lnn.LeakyReLU(0.2), "lin": lnn.Linear(2, 2),
                                               "seq": lnn.Sequential(lnn.Dropout(0.1), lnn.Softmax(dim=1))}),
    }


MODEL_NAMES = list(d2l_models(torchless))
INPUT_WIDTH = {"mlp": 20, "my_sequential": 20, "fixed_hidden": 20, "nest": 20, "chimera": 20,
               "rgnet": 4, "seq_of_seq": 2}


def copy_into_torch(ours, theirs):
    """Load our model's values into the PyTorch twin (so outputs and gradients can be compared)."""
    theirs.load_state_dict({k: _torch.from_numpy(to_numpy(v).copy()) for k, v in ours.state_dict().items()})


def both(name):
    ours = d2l_models(torchless)[name]()
    theirs = d2l_models(_torch)[name]()
    copy_into_torch(ours, theirs)
    return ours, theirs


# ---------------------------------------------------------------- printing and naming
@requires_torch
@pytest.mark.parametrize("name", MODEL_NAMES)
def test_repr_matches_torch(name):
    ours, theirs = both(name)
    assert repr(ours) == repr(theirs)
    assert str(ours) == str(theirs)


@requires_torch
def test_repr_of_extra_repr_lines_and_none_children():
    def build(lib):
        class Custom(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.a = lib.nn.Linear(1, 1)
                self.b = None
                self.register_module("c", None)

            def extra_repr(self):
                return "first line\nsecond line"
        return Custom()
    assert repr(build(torchless)) == repr(build(_torch))


@requires_torch
@pytest.mark.parametrize("name", MODEL_NAMES)
def test_parameter_names_shapes_counts_match_torch(name):
    ours, theirs = both(name)
    assert [(n, tuple(p.shape)) for n, p in ours.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in theirs.named_parameters()]
    assert sum(p.numel() for p in ours.parameters()) == sum(p.numel() for p in theirs.parameters())
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in ours.parameters())
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]
    assert [type(m).__name__ for m in ours.modules()] == [type(m).__name__ for m in theirs.modules()]


@requires_torch
@pytest.mark.parametrize("name", MODEL_NAMES)
def test_state_dict_keys_match_torch(name):
    ours, theirs = both(name)
    sd = ours.state_dict()
    assert type(sd) is OrderedDict
    assert list(sd) == list(theirs.state_dict())
    for k, v in sd.items():
        np.testing.assert_array_equal(to_numpy(v), to_numpy(theirs.state_dict()[k]))


def test_named_parameters_prefix_and_recurse():
    net = nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.Linear(3, 1)))
    assert [n for n, _ in net.named_parameters(prefix="model")] == \
        ["model.0.weight", "model.0.bias", "model.1.0.weight", "model.1.0.bias"]
    assert list(net.named_parameters(recurse=False)) == []
    lin = net[0]
    assert [n for n, _ in lin.named_parameters(recurse=False)] == ["weight", "bias"]
    assert [n for n, _ in net.named_modules(prefix="m")] == ["m", "m.0", "m.1", "m.1.0"]


@requires_torch
@pytest.mark.parametrize("name", ["nest", "chimera", "rgnet", "seq_of_seq"])
def test_forward_and_gradients_match_torch_after_copying_weights(name):
    ours, theirs = both(name)
    x = np.random.default_rng(0).standard_normal((5, INPUT_WIDTH[name])).astype(np.float32)
    out_ours = ours(torchless.tensor(x))
    out_theirs = theirs(_torch.tensor(x))
    np.testing.assert_allclose(to_numpy(out_ours), to_numpy(out_theirs), rtol=1e-5, atol=1e-6)
    (out_ours ** 2).sum().backward()
    (out_theirs ** 2).sum().backward()
    for (n1, p1), (n2, p2) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert n1 == n2
        assert p1.grad is not None, n1  # gradients reach every parameter
        np.testing.assert_allclose(to_numpy(p1.grad), to_numpy(p2.grad), rtol=1e-4, atol=1e-5)


# ---------------------------------------------------------------- state_dict and loading
def test_state_dict_is_detached_and_shares_storage():
    lin = nn.Linear(2, 2)
    sd = lin.state_dict()
    assert not sd["weight"].requires_grad and sd["weight"].grad_fn is None
    with torchless.no_grad():
        lin.weight.fill_(3.0)
    assert float(sd["weight"][0, 0]) == 3.0
    kept = lin.state_dict(keep_vars=True)
    assert kept["weight"] is lin.weight and kept["weight"].requires_grad


def test_state_dict_prefix_and_metadata():
    net = nn.Sequential(nn.Linear(1, 1))
    sd = net.state_dict(prefix="p.")
    assert list(sd) == ["p.0.weight", "p.0.bias"]
    assert "" in net.state_dict()._metadata and "0" in net.state_dict()._metadata


@pytest.mark.parametrize("name", ["mlp", "nest", "chimera", "rgnet", "seq_of_seq"])
def test_round_trip_into_fresh_model_gives_identical_outputs(name):
    build = d2l_models(torchless)[name]
    net, clone = build(), build()
    x = torchless.randn(3, INPUT_WIDTH.get(name, 20))
    assert not np.array_equal(to_numpy(net(x)), to_numpy(clone(x)))
    result = clone.load_state_dict(net.state_dict())
    assert repr(result) == "<All keys matched successfully>"
    assert result.missing_keys == [] and result.unexpected_keys == []
    np.testing.assert_array_equal(to_numpy(net(x)), to_numpy(clone(x)))
    # values were copied, not shared: the clone keeps its own storage
    with torchless.no_grad():
        next(net.parameters()).add_(1.0)
    assert not np.array_equal(to_numpy(next(net.parameters())), to_numpy(next(clone.parameters())))


def test_load_keeps_parameter_objects_and_does_not_record_graph():
    lin = nn.Linear(2, 2)
    w = lin.weight
    lin.load_state_dict({"weight": torchless.ones(2, 2), "bias": torchless.zeros(2)})
    assert lin.weight is w and w.is_leaf and w.requires_grad
    np.testing.assert_array_equal(to_numpy(w), np.ones((2, 2), np.float32))


@requires_torch
@pytest.mark.parametrize("strict", [True, False])
@pytest.mark.parametrize("case", ["missing", "unexpected", "both", "size", "nested_unexpected", "non_tensor"])
def test_load_state_dict_errors_match_torch(case, strict):
    def attempt(lib):
        net = lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.ReLU(), lib.nn.Sequential(lib.nn.Linear(3, 1)))
        sd = dict(net.state_dict())
        if case in ("missing", "both"):
            del sd["0.bias"], sd["2.0.weight"]
        if case in ("unexpected", "both"):
            sd["extra"] = lib.zeros(1)
            sd["0.more"] = lib.zeros(1)
        if case == "size":
            sd["0.weight"] = lib.zeros(3, 3)
        if case == "nested_unexpected":
            sd["5.weight"] = lib.zeros(1)
            sd["2.0.0.x"] = lib.zeros(1)
        if case == "non_tensor":
            sd["0.bias"] = [1.0, 2.0, 3.0]
        try:
            return "ok", repr(net.load_state_dict(sd, strict=strict))
        except Exception as exc:  # noqa: BLE001 - the exception itself is what is compared
            return type(exc).__name__, str(exc)
    assert attempt(torchless) == attempt(_torch)


def test_load_state_dict_assign_takes_the_given_tensors():
    lin = nn.Linear(2, 2)
    w = torchless.ones(2, 2, dtype=torchless.float64)
    assert repr(lin.load_state_dict({"weight": w, "bias": torchless.zeros(2)}, assign=True)) == \
        "<All keys matched successfully>"
    assert isinstance(lin.weight, nn.Parameter) and lin.weight.requires_grad
    assert lin.weight.dtype == torchless.float64 and lin.weight.data_ptr() == w.data_ptr()
    lin.requires_grad_(False)
    lin.load_state_dict({"weight": w, "bias": torchless.zeros(2)}, assign=True)
    assert not lin.weight.requires_grad


def test_load_state_dict_rejects_non_mapping():
    with pytest.raises(TypeError, match="Expected state_dict to be dict-like, got <class 'list'>."):
        nn.Linear(1, 1).load_state_dict([1])


def test_incompatible_keys_named_tuple():
    res = nn.Linear(1, 1).load_state_dict({"weight": torchless.ones(1, 1), "x": torchless.ones(1)},
                                          strict=False)
    assert res.missing_keys == ["bias"] and res.unexpected_keys == ["x"]
    missing, unexpected = res
    assert (missing, unexpected) == (["bias"], ["x"])
    assert repr(res) == "_IncompatibleKeys(missing_keys=['bias'], unexpected_keys=['x'])"


# ---------------------------------------------------------------- registration
def test_setattr_registers_parameters_modules_buffers_and_plain_attributes():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(torchless.ones(2))
            self.sub = nn.Linear(2, 2)
            self.register_buffer("running", torchless.zeros(2))
            self.register_buffer("scratch", torchless.zeros(1), persistent=False)
            self.plain = torchless.ones(3)  # a plain tensor is just an attribute
            self.k = 5

    net = Net()
    assert list(net._parameters) == ["w"] and list(net._modules) == ["sub"]
    assert list(net._buffers) == ["running", "scratch"]
    assert "plain" in net.__dict__ and "w" not in net.__dict__
    assert [n for n, _ in net.named_buffers()] == ["running", "scratch"]
    assert list(net.state_dict()) == ["w", "running", "sub.weight", "sub.bias"]
    assert net.running is net._buffers["running"]
    net.running = torchless.ones(2)  # reassigning a buffer keeps it a buffer
    assert float(net._buffers["running"].sum()) == 2.0
    net.w = None
    assert net.w is None and list(net.named_parameters())[0][0] == "sub.weight"
    net.sub = None
    assert list(net.children()) == []
    assert {"running", "sub"} <= set(dir(net))
    # like PyTorch, a parameter slot takes only a Parameter or None; a Parameter replacing a
    # module moves registries
    with pytest.raises(TypeError, match="as parameter 'w' \\(torch.nn.Parameter or None expected\\)"):
        net.w = nn.ReLU()
    net.sub = nn.Parameter(torchless.ones(1))
    assert "sub" in net._parameters and "sub" not in net._modules
    del net.w
    net.w = nn.ReLU()
    assert "w" in net._modules and "w" not in net._parameters


def test_delattr_removes_registered_entries():
    lin = nn.Linear(2, 2)
    del lin.bias
    assert "bias" not in lin._parameters
    with pytest.raises(AttributeError, match="'Linear' object has no attribute 'bias'"):
        lin.bias
    lin.x = 1
    del lin.x
    assert not hasattr(lin, "x")


@requires_torch
@pytest.mark.parametrize("action", [
    lambda lib, m: setattr(m, "weight", lib.zeros(3, 2)),
    lambda lib, m: m.foo,
    lambda lib, m: m.add_module("a.b", lib.nn.ReLU()),
    lambda lib, m: m.add_module("weight", lib.nn.ReLU()),
    lambda lib, m: m.add_module("q", 3),
    lambda lib, m: m.add_module(3, lib.nn.ReLU()),
    lambda lib, m: m.register_buffer("x", 3),
    lambda lib, m: m.register_buffer("", lib.zeros(1)),
    lambda lib, m: m.register_buffer("a.b", lib.zeros(1)),
    lambda lib, m: m.register_parameter("y", lib.zeros(2)),
    lambda lib, m: m.register_parameter("z", lib.nn.Parameter(lib.zeros(2)) * 2),
    lambda lib, m: m.register_parameter("in_features", lib.nn.Parameter(lib.zeros(2))),
    lambda lib, m: setattr(lib.nn.Sequential(lib.nn.ReLU()), "0", 3),
    lambda lib, m: lib.nn.Sequential()[0],
    lambda lib, m: lib.nn.Sequential(lib.nn.ReLU())[-2],
    lambda lib, m: lib.nn.ModuleList()[1],
    lambda lib, m: m.to(lib.int64),
    lambda lib, m: lib.nn.Dropout(1.5),
])
def test_registration_errors_match_torch(action):
    def attempt(lib):
        try:
            action(lib, lib.nn.Linear(2, 3))
        except Exception as exc:  # noqa: BLE001
            return type(exc).__name__, str(exc)
        return None
    ours, theirs = attempt(torchless), attempt(_torch)
    assert ours == theirs


def test_forward_missing_and_module_init_order_errors():
    with pytest.raises(NotImplementedError, match='Module \\[Module\\] is missing the required "forward"'):
        nn.Module()(1)

    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(torchless.ones(1))  # before super().__init__()

    with pytest.raises(AttributeError, match="before Module.__init__\\(\\) call"):
        Early()


def test_parameter_assigned_non_leaf_raises_value_error():
    m = nn.Module()
    p = nn.Parameter(torchless.ones(1))
    with pytest.raises(ValueError, match="Cannot assign non-leaf Tensor to parameter 'q'"):
        # a parameter that is the output of an op (made a Parameter by hand) is not a leaf
        q = p * 2
        q.__class__ = nn.Parameter
        m.register_parameter("q", q)


# ---------------------------------------------------------------- sharing, walking, apply
@requires_torch
def test_shared_parameters_are_deduplicated_and_accumulate_grads():
    def build(lib):
        shared = lib.nn.Linear(8, 8)
        return lib.nn.Sequential(lib.nn.Linear(4, 8), lib.nn.ReLU(), shared, lib.nn.ReLU(), shared,
                                 lib.nn.ReLU(), lib.nn.Linear(8, 1))
    ours, theirs = build(torchless), build(_torch)
    copy_into_torch(ours, theirs)
    assert len(list(ours.parameters())) == len(list(theirs.parameters())) == 6
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert list(ours.state_dict()) == list(theirs.state_dict())  # both aliases stay in state_dict
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert ours[2].weight is ours[4].weight
    assert len(list(ours.named_parameters(remove_duplicate=False))) == 8
    x = np.random.default_rng(1).standard_normal((3, 4)).astype(np.float32)
    ours(torchless.tensor(x)).sum().backward()
    theirs(_torch.tensor(x)).sum().backward()
    np.testing.assert_allclose(to_numpy(ours[2].weight.grad), to_numpy(theirs[2].weight.grad),
                               rtol=1e-4, atol=1e-6)


@requires_torch
@pytest.mark.parametrize("name", ["nest", "chimera", "rgnet", "module_dict"])
def test_apply_visits_children_first_like_torch(name):
    def order(lib):
        seen = []
        net = d2l_models(lib)[name]()
        assert net.apply(lambda m: seen.append(type(m).__name__)) is net
        return seen
    assert order(torchless) == order(_torch)


def test_apply_initialises_parameters():
    net = d2l_models(torchless)["nest"]()

    def init_constant(m):
        if type(m) is nn.Linear:
            nn.init.constant_(m.weight, 1) if hasattr(nn.init, "constant_") else m.weight.data.fill_(1)
            m.bias.data.fill_(0)
    net.apply(init_constant)
    assert float(net.linear.weight.min()) == 1.0 and float(net.net[0].bias.abs().max()) == 0.0


def test_children_and_modules_deduplicate():
    a = nn.ReLU()
    net = nn.Sequential(a, a, nn.Tanh())
    assert len(list(net.children())) == 2
    assert len(list(net.modules())) == 3
    assert len(list(net.named_modules(remove_duplicate=False))) == 4


def test_get_submodule_parameter_buffer():
    net = d2l_models(torchless)["nest"]()
    net.net[0].register_buffer("stat", torchless.ones(1))
    assert net.get_submodule("net.2") is net.net[2]
    assert net.get_parameter("net.0.bias") is net.net[0].bias
    assert net.get_buffer("net.0.stat") is net.net[0].stat
    with pytest.raises(AttributeError):
        net.get_submodule("net.9")


# ---------------------------------------------------------------- modes, grads, conversion
def test_train_eval_propagate():
    net = d2l_models(torchless)["chimera"]()
    assert net.training and all(m.training for m in net.modules())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    net.train(False)
    assert not net[0].net[1].training
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        net.train("yes")


def test_zero_grad_set_to_none_and_zeroing():
    net = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    net(torchless.ones(1, 3)).sum().backward()
    grads = [p.grad for p in net.parameters()]
    assert all(g is not None for g in grads)
    net.zero_grad(set_to_none=False)
    assert all(p.grad is g for p, g in zip(net.parameters(), grads))
    assert all(float(g.abs().sum()) == 0 for g in grads)
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_requires_grad_freezes():
    net = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    assert net[0].requires_grad_(False) is net[0]
    net(torchless.ones(1, 3)).sum().backward()
    assert net[0].weight.grad is None and net[1].weight.grad is not None


def test_to_double_float_keep_parameter_objects():
    net = nn.Sequential(nn.Linear(3, 2))
    w = net[0].weight
    net.register_buffer("count", torchless.tensor([1]))
    assert net.to(torchless.float64) is net
    assert net[0].weight is w and w.dtype == torchless.float64 and w.requires_grad
    assert net.count.dtype == torchless.int64  # integer buffers are left alone
    assert net(torchless.ones(1, 3, dtype=torchless.float64)).dtype == torchless.float64
    net.float()
    assert w.dtype == torchless.float32
    net.double()
    assert w.dtype == torchless.float64
    assert net.to("cpu") is net and net.to(torchless.device("cpu"), torchless.float32) is net
    assert w.dtype == torchless.float32 and net.cpu() is net
    assert net.to(torchless.ones(1, dtype=torchless.float64)) is net and w.dtype == torchless.float64
    with pytest.raises(RuntimeError):
        net.cuda()


def test_to_converts_existing_grads():
    lin = nn.Linear(2, 1)
    lin(torchless.ones(1, 2)).sum().backward()
    lin.double()
    assert lin.weight.grad.dtype == torchless.float64


def test_deepcopy_gives_independent_parameters():
    net = nn.Sequential(nn.Linear(2, 2))
    clone = copy.deepcopy(net)
    assert isinstance(clone[0].weight, nn.Parameter) and clone[0].weight is not net[0].weight
    np.testing.assert_array_equal(to_numpy(clone[0].weight), to_numpy(net[0].weight))
    with torchless.no_grad():
        clone[0].weight.zero_()
    assert float(net[0].weight.abs().sum()) > 0


# ---------------------------------------------------------------- hooks
def test_forward_hooks_replace_args_and_output_and_can_be_removed():
    lin = nn.Linear(2, 2)
    calls = []
    pre = lin.register_forward_pre_hook(lambda m, args: (args[0] * 0,))
    post = lin.register_forward_hook(lambda m, args, out: calls.append(out.shape) or out + 1)
    out = lin(torchless.ones(1, 2))
    np.testing.assert_allclose(to_numpy(out), to_numpy(lin.bias + 1)[None], rtol=1e-6)
    assert calls == [(1, 2)]
    pre.remove()
    post.remove()
    np.testing.assert_allclose(to_numpy(lin(torchless.zeros(1, 2))), to_numpy(lin.bias)[None])


# ---------------------------------------------------------------- containers
@requires_torch
def test_sequential_indexing_slicing_and_editing_like_torch():
    def run(lib):
        lnn = lib.nn
        net = lnn.Sequential(lnn.Linear(2, 3), lnn.ReLU(), lnn.Linear(3, 4), lnn.Tanh())
        out = [len(net), type(net[-1]).__name__, type(net[1]).__name__, repr(net[1:3]),
               type(net[::2]).__name__, [type(m).__name__ for m in net]]
        net.append(lnn.Sigmoid())
        out.append(repr(net))
        del net[1]
        out.append(list(net._modules))
        net[0] = lnn.Identity()
        out.append(repr(net))
        net.insert(1, lnn.ReLU())
        out.append(repr(net))
        out.append(repr(net + lnn.Sequential(lnn.Identity())))
        out.append(repr(lnn.Sequential(OrderedDict([("fc", lnn.Linear(1, 1)), ("act", lnn.ReLU())]))))
        return out
    assert run(torchless) == run(_torch)


def test_sequential_named_access_and_forward_order():
    net = nn.Sequential(OrderedDict([("scale", nn.Linear(1, 1, bias=False)), ("act", nn.ReLU())]))
    net.scale.weight.data.fill_(-2.0)
    assert float(net(torchless.ones(1, 1))) == 0.0
    assert net[0] is net.scale


@requires_torch
def test_module_list_and_dict_like_torch():
    def run(lib):
        lnn = lib.nn
        ml = lnn.ModuleList([lnn.Linear(1, 1)])
        ml.append(lnn.ReLU())
        ml.extend([lnn.Tanh(), lnn.Tanh()])
        ml.insert(0, lnn.Identity())
        out = [repr(ml), len(ml), type(ml[-1]).__name__, repr(ml[1:3]), [n for n, _ in ml.named_parameters()]]
        del ml[0]
        out.append(list(ml._modules))
        md = lnn.ModuleDict([("b", lnn.ReLU()), ("a", lnn.Linear(2, 1))])
        md["c"] = lnn.Tanh()
        out += [repr(md), list(md), list(md.keys()), "a" in md, len(md),
                [n for n, _ in md.named_parameters()]]
        md.pop("b")
        out.append(list(md))
        return out
    assert run(torchless) == run(_torch)
    with pytest.raises(NotImplementedError):
        nn.ModuleList([nn.ReLU()])(torchless.ones(1))
    with pytest.raises(TypeError, match="should be called with an iterable"):
        nn.ModuleList(nn.ReLU())


# ---------------------------------------------------------------- properties
@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 6), data=st.data())
def test_sequential_indexing_behaves_like_a_list(n, data):
    mods = [nn.Linear(1, 1) for _ in range(n)]
    net = nn.Sequential(*mods)
    ref = list(mods)
    idx = data.draw(st.integers(-8, 8))
    if -n <= idx < n:
        assert net[idx] is ref[idx]
    else:
        with pytest.raises(IndexError, match=f"index {idx} is out of range"):
            net[idx]
    sl = slice(data.draw(st.none() | st.integers(-8, 8)), data.draw(st.none() | st.integers(-8, 8)),
               data.draw(st.none() | st.sampled_from([1, 2, -1, 3])))
    part = net[sl]
    assert type(part) is nn.Sequential and list(part) == ref[sl]
    del net[sl]
    del ref[sl]
    assert list(net) == ref and list(net._modules) == [str(i) for i in range(len(ref))]
    assert [n for n, _ in net.named_parameters()] == [f"{i}.{w}" for i in range(len(ref)) for w in ("weight", "bias")]


@pytest.mark.parametrize("wrt", ["input", "parameters"])
def test_gradcheck_through_a_module_in_float64(wrt):
    torchless.manual_seed(3)
    net = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2), nn.Sigmoid()).double()
    x = torchless.randn(5, 3, dtype=torchless.float64, requires_grad=(wrt == "input"))
    if wrt == "input":
        assert torchless.autograd.gradcheck(lambda inp: net(inp), (x,))
    else:
        params = list(net.parameters())

        def run(*values):
            # the same network with the given parameter values, functionally
            h = (x @ values[0].t() + values[1]).tanh()
            return (h @ values[2].t() + values[3]).sigmoid()
        np.testing.assert_allclose(to_numpy(run(*params)), to_numpy(net(x)), rtol=1e-12)
        leaves = [p.detach().requires_grad_() for p in params]
        assert torchless.autograd.gradcheck(run, tuple(leaves))
        net(x).sum().backward()
        run(*leaves).sum().backward()
        for p, leaf in zip(params, leaves):
            np.testing.assert_allclose(to_numpy(p.grad), to_numpy(leaf.grad), rtol=1e-12)


@requires_torch
def test_eval_mode_model_with_dropout_matches_torch():
    def build(lib):
        return lib.nn.Sequential(lib.nn.Linear(6, 8), lib.nn.ReLU(), lib.nn.Dropout(0.5), lib.nn.Linear(8, 2))
    ours, theirs = build(torchless), build(_torch)
    copy_into_torch(ours, theirs)
    x = np.random.default_rng(2).standard_normal((4, 6)).astype(np.float32)
    ours.eval()
    theirs.eval()
    np.testing.assert_allclose(to_numpy(ours(torchless.tensor(x))), to_numpy(theirs(_torch.tensor(x))),
                               rtol=1e-5, atol=1e-6)
    ours.train()
    trained = to_numpy(ours(torchless.tensor(x)))
    assert not np.allclose(trained, to_numpy(theirs(_torch.tensor(x))), atol=1e-6)


@requires_torch
def test_parameter_list_and_dict_like_torch():
    def run(lib):
        lnn = lib.nn
        pl = lnn.ParameterList([lnn.Parameter(lib.ones(2, 3)), lnn.Parameter(lib.ones(3, dtype=lib.float64)),
                                lib.zeros(2), 5])
        out = [repr(pl), [n for n, _ in pl.named_parameters()], pl[2].requires_grad, len(pl),
               list(pl.state_dict()), repr(lnn.ParameterList([lnn.Parameter(lib.ones(1))]))]
        pl.append(lnn.Parameter(lib.ones(1)))
        out += [tuple(pl[-1].shape), len(pl[1:3])]
        pd = lnn.ParameterDict({"a": lnn.Parameter(lib.ones(2)), "b": lib.zeros(1, 2)})
        pd["c"] = lib.ones(3)
        out += [repr(pd), list(pd), "a" in pd, list(pd.state_dict()), pd["b"].requires_grad]
        out += [tuple(pd.pop("a").shape), list(pd), pd.popitem()[0], list(pd)]

        class Holder(lnn.Module):
            def __init__(self):
                super().__init__()
                self.ps = lnn.ParameterList([lnn.Parameter(lib.ones(2)) for _ in range(2)])
                self.lin = lnn.Linear(1, 1)
        out += [repr(Holder()), [n for n, _ in Holder().named_parameters()]]
        return out
    assert run(torchless) == run(_torch)


def test_parameter_list_params_get_gradients():
    pl = nn.ParameterList([nn.Parameter(torchless.ones(2)), torchless.full((2,), 3.0)])
    (pl[0] * pl[1]).sum().backward()
    assert to_numpy(pl[0].grad).tolist() == [3.0, 3.0] and to_numpy(pl[1].grad).tolist() == [1.0, 1.0]
    with pytest.raises(IndexError, match="index 2 is out of range"):
        pl[2]
