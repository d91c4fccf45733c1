"""Whole objects in checkpoints (issue 14, files): torch.save(model) pickles the module as PyTorch does,
naming PyTorch's classes (torchless.nn.modules.linear.Linear is written torch.nn.modules.linear.Linear)
with PyTorch's attribute layout, so real torch.load(f, weights_only=False) returns a working torch module
with the same weights and outputs, and torchless loads real PyTorch's pickled modules, optimizers and
schedulers back as its own. weights_only=True refuses such files in both libraries with the same
exception type, naming the global, unless the classes are allowed (torch.serialization.safe_globals)."""
import copy
import os
import io
import pickle
import sys
import types
import warnings

import numpy as np
import pytest

import torchless
from torchless import _torch_format as TF
from torchless import nn, serialization


from tests.test_checkpoints_torch import _load, _save  # noqa: E402 - the same byte helpers


def _layer_pairs(torch, skip_missing=False):
    """(name, torch layer, torchless layer) for every nn layer class both build from one of a few
    small argument lists (lazy layers left out)."""
    for name in sorted(dir(nn)):
        cls = getattr(nn, name)
        if (not (isinstance(cls, type) and issubclass(cls, nn.Module)) or name.startswith("Lazy")
                or (skip_missing and not hasattr(torch.nn, name))):
            continue
        for args in ((), (3,), (3, 4), (4, 2), (3, 4, 3), (8, 2), (2, 3, 4)):
            try:
                yield name, getattr(torch.nn, name)(*args), cls(*args)
                break
            except Exception:
                continue


def _layers(lib):
    """name -> (module, its input spec): the layers issue 14 names, and a few more."""
    n = lib.nn
    return {
        "Sequential(Linear, BatchNorm1d, ReLU)": (n.Sequential(n.Linear(3, 4), n.BatchNorm1d(4), n.ReLU()), (5, 3)),
        "Conv2d stack": (n.Sequential(n.Conv2d(2, 3, 3, padding=1), n.ReLU(), n.MaxPool2d(2), n.Flatten(),
                                      n.Linear(12, 2)), (4, 2, 4, 4)),
        "LSTM": (n.LSTM(3, 5, num_layers=2, batch_first=True, bidirectional=True), (2, 4, 3)),
        "GRU": (n.GRU(3, 5), (4, 2, 3)),
        "Embedding": (n.Embedding(10, 4, padding_idx=0), "indices"),
        "EmbeddingBag": (n.EmbeddingBag(10, 3, mode="mean"), "indices"),
        "LayerNorm": (n.LayerNorm(6), (2, 6)),
        "GroupNorm": (n.GroupNorm(2, 4), (2, 4, 3)),
        "BatchNorm2d": (n.BatchNorm2d(3), (2, 3, 4, 4)),
        "ConvTranspose2d": (n.ConvTranspose2d(2, 3, 3, stride=2), (1, 2, 3, 3)),
        "MultiheadAttention": (n.MultiheadAttention(8, 2, batch_first=True), "qkv"),
        "TransformerEncoderLayer": (n.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0,
                                                              batch_first=True), (2, 5, 8)),
        "TransformerEncoderLayer(gelu)": (n.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0,
                                                                    activation="gelu", batch_first=True), (2, 5, 8)),
        "TransformerDecoderLayer": (n.TransformerDecoderLayer(8, 2, dim_feedforward=16, dropout=0.0), "tgt_memory"),
        "Dropout, GELU, PReLU": (n.Sequential(n.Linear(3, 3), n.Dropout(0.5), n.GELU(), n.PReLU()), (2, 3)),
    }


def _inputs(lib, spec, seed=1):
    rng = np.random.default_rng(seed)
    if spec == "indices":
        return (lib.tensor(rng.integers(0, 10, (3, 4))),)
    if spec == "qkv":
        x = lib.tensor(rng.standard_normal((2, 5, 8)).astype(np.float32))
        return (x, x, x)
    if spec == "tgt_memory":
        return (lib.tensor(rng.standard_normal((4, 2, 8)).astype(np.float32)),
                lib.tensor(rng.standard_normal((5, 2, 8)).astype(np.float32)))
    return (lib.tensor(rng.standard_normal(spec).astype(np.float32)),)


def _first(out):
    return (out[0] if isinstance(out, tuple) else out).detach().numpy()


def _check_same_module(ours, theirs, spec, torch_mod):
    """Same class name, same state_dict (keys, dtypes, values), same forward output (eval mode)."""
    assert type(ours).__name__ == type(theirs).__name__
    sd_a, sd_b = ours.state_dict(), theirs.state_dict()
    assert list(sd_a) == list(sd_b)
    for k in sd_a:
        assert str(sd_a[k].dtype) == str(sd_b[k].dtype), k
        np.testing.assert_array_equal(sd_a[k].numpy(), sd_b[k].numpy(), err_msg=k)
    ours.eval()
    theirs.eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.testing.assert_allclose(_first(ours(*_inputs(torchless, spec))), _first(theirs(*_inputs(torch_mod, spec))),
                                   rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", sorted(_layers(torchless)))
def test_a_torchless_module_loads_in_torch_as_its_own(name, torch_ref):
    torchless.manual_seed(0)
    model, spec = _layers(torchless)[name]
    model(*_inputs(torchless, spec))          # (batch norms: running statistics moved once)
    raw = _save(model)
    theirs = _load(raw, torch_ref, weights_only=False)
    assert type(theirs).__module__.startswith("torch.nn.modules.")
    assert isinstance(theirs, torch_ref.nn.Module)
    _check_same_module(model, theirs, spec, torch_ref)
    with pytest.raises(pickle.UnpicklingError, match=r"GLOBAL torch\.nn\.modules\.[a-z]+\.\w+"):
        _load(raw, torch_ref)                 # PyTorch's weights_only=True refuses it, as torchless does
    back = _load(raw, weights_only=False)      # and torchless reads its own file back as its own module
    assert type(back) is type(model)
    _check_same_module(back, theirs, spec, torch_ref)


@pytest.mark.parametrize("name", sorted(_layers(torchless)))
def test_a_torch_module_loads_in_torchless_as_its_own(name, torch_ref):
    torch_ref.manual_seed(0)
    theirs, spec = _layers(torch_ref)[name]
    raw = _save(theirs, torch_ref)
    with pytest.raises(pickle.UnpicklingError, match=r"Unsupported global: GLOBAL torch\.nn\.modules\."):
        _load(raw)
    ours = _load(raw, weights_only=False)
    assert type(ours).__module__.startswith("torchless.nn.")
    _check_same_module(ours, theirs, spec, torch_ref)
    ours.train()                               # it trains: gradients reach every parameter
    out = ours(*_inputs(torchless, spec))
    (out[0] if isinstance(out, tuple) else out).float().sum().backward()
    assert all(p.grad is not None for p in ours.parameters() if p.requires_grad)


def test_the_pickled_layout_is_pytorchs(torch_ref):
    """Each layer's pickled attributes (its _torch_pickle_state) are the ones PyTorch's own layer pickles."""
    torch = torch_ref
    checked = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, theirs, ours in _layer_pairs(torch):
            state = theirs.__getstate__() if hasattr(theirs, "__getstate__") else theirs.__dict__
            mine = ours._torch_pickle_state()
            assert set(mine) == set(state), (name, set(state) ^ set(mine))
            for key, value in state.items():
                if isinstance(value, (bool, int, float, str, tuple)) and not key.endswith("hooks"):
                    assert type(mine[key]) is type(value) and mine[key] == value, (name, key)
            checked += 1
    assert checked > 100


# ---------------------------------------------------------------------------- user subclasses, by reference
_USER_CODE = '''
import {lib} as torch


class TinyNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(1, 2, 3)
        self.head = torch.nn.Linear(8, 3)
        self.register_buffer("scale", torch.tensor(2.0))
        self.tag = "v1"

    def forward(self, x):
        return self.head(torch.relu(self.conv(x)).flatten(1)) * self.scale
'''


def _user_module(lib_name):
    """The user's module `userzoo`, written once against `import torchless as torch` and once against
    `import torch` (the issue's one changed import)."""
    mod = types.ModuleType("userzoo")
    exec(compile(_USER_CODE.format(lib=lib_name), "userzoo.py", "exec"), mod.__dict__)
    return mod


@pytest.mark.parametrize("direction", ["torchless to torch", "torch to torchless"])
def test_a_user_subclass_pickles_by_reference(direction, torch_ref, monkeypatch):
    src, dst = (torchless, torch_ref) if direction == "torchless to torch" else (torch_ref, torchless)
    monkeypatch.setitem(sys.modules, "userzoo", _user_module(src.__name__))
    src.manual_seed(0)
    model = sys.modules["userzoo"].TinyNet()
    raw = _save(model, src)
    assert b"cuserzoo\nTinyNet\n" in raw
    monkeypatch.setitem(sys.modules, "userzoo", _user_module(dst.__name__))    # the one import changed
    for lib in (torchless, torch_ref):
        with pytest.raises(pickle.UnpicklingError, match="GLOBAL userzoo.TinyNet"):
            _load(raw, lib)
    back = _load(raw, dst, weights_only=False)
    assert type(back) is sys.modules["userzoo"].TinyNet and back.tag == "v1"
    x = np.random.default_rng(0).standard_normal((2, 1, 4, 4)).astype(np.float32)
    np.testing.assert_allclose(back(dst.tensor(x)).detach().numpy(), model(src.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)


def test_safe_globals_let_weights_only_load_a_whole_module(torch_ref):
    """Allowed classes may be built by weights_only=True (as in PyTorch): torchless's classes are
    allowed under the names the file uses (PyTorch's)."""
    torchless.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 2), nn.ReLU())
    raw = _save(model)
    with serialization.safe_globals([nn.Sequential, nn.Linear, nn.ReLU]):
        back = _load(raw)
    assert type(back) is nn.Sequential and torchless.equal(back[0].weight, model[0].weight)
    with torch_ref.serialization.safe_globals([torch_ref.nn.Sequential, torch_ref.nn.Linear, torch_ref.nn.ReLU]):
        theirs = _load(raw, torch_ref)
    assert type(theirs) is torch_ref.nn.Sequential
    with pytest.raises(pickle.UnpicklingError, match="GLOBAL torch.nn.modules.activation.ReLU"):
        with serialization.safe_globals([nn.Sequential, nn.Linear]):
            _load(raw)


# ---------------------------------------------------------------------------- optimizers and schedulers
@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop"])
@pytest.mark.parametrize("direction", ["torchless to torch", "torch to torchless"])
def test_whole_optimizers_and_schedulers_cross_over(name, direction, torch_ref):
    src, dst = (torchless, torch_ref) if direction == "torchless to torch" else (torch_ref, torchless)
    src.manual_seed(0)
    model = src.nn.Linear(3, 2)
    opt = getattr(src.optim, name)(model.parameters(), lr=0.1, **({"momentum": 0.9} if name == "SGD" else {}))
    sched = src.optim.lr_scheduler.StepLR(opt, 2)
    x = src.ones(4, 3)
    model(x).sum().backward()
    opt.step()
    sched.step()
    back = _load(_save({"model": model, "opt": opt, "sched": sched}, src), dst, weights_only=False)
    b_model, b_opt, b_sched = back["model"], back["opt"], back["sched"]
    assert type(b_opt).__name__ == name and type(b_opt).__module__.startswith(dst.__name__ + ".optim")
    assert b_opt.param_groups[0]["params"][0] is b_model.weight       # shared objects stay shared
    assert b_sched.optimizer is b_opt and b_sched.last_epoch == 1
    for o, m, inp in ((opt, model, x), (b_opt, b_model, dst.ones(4, 3))):
        o.zero_grad()
        m(inp).sum().backward()
        o.step()
    np.testing.assert_allclose(b_model.weight.detach().numpy(), model.weight.detach().numpy(), rtol=1e-6)


# ---------------------------------------------------------------------------- names and copies
def test_every_public_class_and_function_is_named_as_its_pytorch_twin(torch_ref):
    import importlib
    from torchless.nn import functional as F
    from torchless.optim import lr_scheduler
    spaces = ((nn, torch_ref.nn), (F, torch_ref.nn.functional), (torchless.optim, torch_ref.optim),
              (lr_scheduler, torch_ref.optim.lr_scheduler))
    checked = 0
    for ours, theirs in spaces:
        for name, obj in vars(ours).items():
            if name.startswith("_") or not isinstance(obj, (type, types.FunctionType)) or not hasattr(theirs, name):
                continue
            if not getattr(obj, "__module__", "").startswith("torchless."):
                continue
            module, qualname = TF.global_name(obj)
            assert getattr(importlib.import_module(module), qualname) is getattr(theirs, name), (name, module)
            assert TF.from_torch_name(module, qualname) is obj
            checked += 1
    assert checked > 250


def test_copies_and_plain_pickles_of_modules_still_work():
    for lib in (torchless,):          # a shallow copy shares the registries, as in PyTorch
        m = lib.nn.Linear(2, 3)
        assert copy.copy(m)._parameters is m._parameters
    torchless.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.LSTM(4, 2))
    model[0].register_forward_hook(_hook)
    for copied in (copy.deepcopy(model), pickle.loads(pickle.dumps(model)), _load(_save(model), weights_only=False)):
        assert type(copied._parameters) is type(model._parameters)
        assert list(copied.state_dict()) == list(model.state_dict())
        assert copied[0]._forward_hooks and "_flat_weights" not in copied[1].__dict__
        assert set(copied[0].__dict__) == set(model[0].__dict__)
        x = torchless.ones(2, 3)
        assert torchless.equal(copied[0](x), model[0](x))


def _hook(module, args, output):
    return None


# ---------------------------------------------------------------------------- torch.serialization's allow-list API
class Config:
    def __init__(self, lr=0.5):
        self.lr = lr


class Other:
    pass


@pytest.fixture
def clean_safe_globals(torch_ref):
    for lib in (torchless, torch_ref):
        lib.serialization.clear_safe_globals()
    yield
    for lib in (torchless, torch_ref):
        lib.serialization.clear_safe_globals()


def test_the_safe_globals_api_behaves_as_pytorchs(torch_ref, clean_safe_globals):
    raw = _save({"cfg": Config(), "w": torchless.ones(1)})
    for lib in (torchless, torch_ref):
        ser = lib.serialization
        assert ser.get_safe_globals() == []
        ser.add_safe_globals([Config, (Other, "elsewhere.Other")])
        assert set(ser.get_safe_globals()) == {Config, (Other, "elsewhere.Other")}   # as given
        assert _load(raw, lib)["cfg"].lr == 0.5
        with ser.safe_globals([Other]):
            assert Other in ser.get_safe_globals()
        assert Other not in ser.get_safe_globals() and (Other, "elsewhere.Other") in ser.get_safe_globals()
        with ser.safe_globals([Config]):    # leaving the block removes it, even though it was allowed before
            pass
        assert Config not in ser.get_safe_globals()
        with pytest.raises(pickle.UnpicklingError, match=r"GLOBAL tests?\.?\w*\.?Config|GLOBAL \w+\.Config"):
            _load(raw, lib)
        with pytest.raises(TypeError, match="unhashable"):
            ser.add_safe_globals([[Config]])
        ser.clear_safe_globals()
        assert ser.get_safe_globals() == []
        ser.add_safe_globals([(Config,)])     # a malformed pair: accepted, refused when a load needs it
        assert _load(_save({"w": torchless.ones(1)}), lib)["w"].tolist() == [1.0]
        with pytest.raises(ValueError, match="Expected tuple of length 2"):
            _load(raw, lib)
        ser.clear_safe_globals()


def test_unsafe_globals_in_checkpoints_are_listed_as_pytorch_lists_them(torch_ref, clean_safe_globals):
    torch = torch_ref
    files = {
        "module": _save(nn.Sequential(nn.Linear(2, 3), nn.ReLU())),
        "torch module": _save(torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU()), torch),
        "state_dict": _save(nn.Linear(2, 3).state_dict()),
        "numpy": _save({"a": np.arange(3), "s": np.float32(1.0)}),
        "user class": _save({"cfg": Config(), "c": 1 + 2j, "b": b"x", "set": {1}}),
        "optimizer": _save(torch.optim.SGD(torch.nn.Linear(2, 2).parameters(), lr=0.1), torch),
    }
    for name, raw in files.items():
        for allowed in ([], [Config, nn.ReLU, torch.nn.ReLU]):
            with torchless.serialization.safe_globals(allowed), torch.serialization.safe_globals(allowed):
                ours = torchless.serialization.get_unsafe_globals_in_checkpoint(io.BytesIO(raw))
                theirs = torch.serialization.get_unsafe_globals_in_checkpoint(io.BytesIO(raw))
            assert sorted(ours) == sorted(theirs), (name, allowed)
    assert sorted(torchless.serialization.get_unsafe_globals_in_checkpoint(io.BytesIO(files["module"]))) == [
        "torch.nn.modules.activation.ReLU", "torch.nn.modules.container.Sequential", "torch.nn.modules.linear.Linear"]
    for lib in (torchless, torch):
        with pytest.raises(ValueError, match="Expected input to be a checkpoint returned by torch.save"):
            lib.serialization.get_unsafe_globals_in_checkpoint(io.BytesIO(b"not a zip"))


# ---------------------------------------------------------------------------- the rest of torch.serialization
def test_torch_serialization_names_torchless_has(torch_ref):
    """Every public name of torch.serialization torchless has; the ones it lacks are about storage
    classes and device back-ends torchless does not have."""
    lacking = set(torch_ref.serialization.__all__) - set(torchless.serialization.__all__)
    assert lacking == {"register_package", "check_module_version_greater_or_equal", "validate_cuda_device",
                       "validate_hpu_device", "normalize_storage_type", "storage_to_tensor_type", "StorageType"}
    assert all(hasattr(torchless.serialization, name) for name in torchless.serialization.__all__)


def test_skip_data_saves_sizes_without_bytes_and_loads_without_reading(torch_ref, tmp_path):
    ser = torchless.serialization
    obj = {"a": torchless.arange(4.0), "b": torchless.ones(2, dtype=torchless.int16)}
    with ser.skip_data():
        raw = _save(obj)
        with pytest.raises(RuntimeError, match="Cannot use skip_data=True with _use_new_zipfile_serialization=False"):
            torchless.save(obj, io.BytesIO(), _use_new_zipfile_serialization=False)
    for lib in (torchless, torch_ref):          # the records are there, full of zeros (as PyTorch writes them)
        back = _load(raw, lib)
        assert back["a"].tolist() == [0.0] * 4 and back["b"].tolist() == [0, 0]
    full = _save(obj)
    with ser.skip_data():
        back = _load(full)
    assert back["a"].shape == (4,) and back["a"].dtype == torchless.float32
    assert _load(full)["a"].tolist() == [0.0, 1.0, 2.0, 3.0]


def test_load_endianness_and_mmap_options(torch_ref, tmp_path):
    import mmap
    import zipfile
    ser = torchless.serialization
    assert ser.get_default_load_endianness() is None and ser.get_default_mmap_options() == mmap.MAP_PRIVATE
    assert torch_ref.serialization.get_default_mmap_options() == mmap.MAP_PRIVATE
    src = zipfile.ZipFile(io.BytesIO(_save({"x": torchless.tensor([1.0, 2.0])})))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:     # a file with no byteorder record, its storage big-endian
        for name in src.namelist():
            if not name.endswith("/byteorder"):
                data = src.read(name)
                dst.writestr(name, np.frombuffer(data, "<f4").astype(">f4").tobytes() if "/data/" in name else data)
    raw = out.getvalue()
    assert _load(raw)["x"].tolist() != [1.0, 2.0]          # read as little-endian by default
    try:
        ser.set_default_load_endianness(ser.LoadEndianness.BIG)
        assert ser.get_default_load_endianness() is ser.LoadEndianness.BIG
        assert _load(raw)["x"].tolist() == [1.0, 2.0]
    finally:
        ser.set_default_load_endianness(None)
    with pytest.raises(TypeError, match="Invalid argument type"):
        ser.set_default_load_endianness("big")
    path = tmp_path / "w.pt"
    torchless.save({"w": torchless.zeros(3)}, path)
    with ser.set_default_mmap_options(mmap.MAP_SHARED):   # writes to the loaded tensors reach the file
        assert ser.get_default_mmap_options() == mmap.MAP_SHARED
        loaded = torchless.load(path, mmap=True)
        loaded["w"][1] = 5.0
        del loaded
    assert ser.get_default_mmap_options() == mmap.MAP_PRIVATE
    assert torchless.load(path, mmap=True)["w"].tolist() == [0.0, 5.0, 0.0]   # (mmap reads skip the CRC-32)
    with pytest.raises(ValueError, match="expected mmap.MAP_PRIVATE or mmap.MAP_SHARED"):
        ser.set_default_mmap_options(12345)


def test_small_helpers_of_torch_serialization(torch_ref):
    ser = torchless.serialization
    t = torchless.ones(2)
    assert ser.location_tag(t) == "cpu" and ser.default_restore_location(t, "cpu") is t
    with pytest.raises(RuntimeError, match="map_location=torch.device\\('cpu'\\)"):
        ser.default_restore_location(t, "cuda:0")
    with ser.mkdtemp() as folder:
        assert os.path.isdir(folder)
    assert not os.path.exists(folder)
    assert issubclass(ser.SourceChangeWarning, Warning)
    assert [e.name for e in ser.LoadEndianness] == [e.name for e in torch_ref.serialization.LoadEndianness]


def test_every_layer_crosses_over_both_ways_with_pytorchs_repr(torch_ref):
    """Every layer both libraries have (built with a few plain argument lists) pickles across: a torchless
    layer loads in PyTorch as PyTorch's class and prints as PyTorch's own layer prints, and back."""
    torch = torch_ref
    checked = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, theirs, ours in _layer_pairs(torch, skip_missing=True):  # (no uninitialized lazy layers)
            there = _load(_save(ours), torch, weights_only=False)
            assert type(there) is type(theirs) and repr(there) == repr(theirs), name
            back = _load(_save(theirs, torch), weights_only=False)
            assert type(back) is type(ours) and repr(back) == repr(ours), name
            checked += 1
    assert checked > 120


def test_functions_and_methods_are_pickled_by_name_as_pickle_does(torch_ref):
    import math
    from torchless.nn import functional as F
    items = [1, 2]
    obj = {"len": len, "sqrt": math.sqrt, "append": items.append, "relu": F.relu, "tanh": torchless.tanh,
           "adam": torchless.optim.Adam, "sched": torchless.optim.lr_scheduler.StepLR}
    raw = _save(obj)
    ours = _load(raw, weights_only=False)
    assert ours["len"] is len and ours["sqrt"] is math.sqrt and ours["append"].__self__ == [1, 2]
    assert ours["relu"] is F.relu and ours["tanh"] is torchless.tanh and ours["adam"] is torchless.optim.Adam
    theirs = _load(raw, torch_ref, weights_only=False)
    assert theirs["relu"] is torch_ref.nn.functional.relu and theirs["tanh"] is torch_ref.tanh
    assert theirs["adam"] is torch_ref.optim.Adam and theirs["sched"] is torch_ref.optim.lr_scheduler.StepLR
