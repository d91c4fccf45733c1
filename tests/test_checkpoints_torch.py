"""Checkpoints in PyTorch's own format (issue 14, files): files real torch.save writes load in torchless;
files torchless writes load in real torch (weights_only=True) with the same keys, dtypes, values,
strides and storage sharing; round trips of every dtype and of views; and hostile files (a global
outside the allow-list, __reduce__ payloads, crafted zips, zip bombs, every truncation, byte flips,
deep nesting) give a clean error of PyTorch's type and run nothing."""
import collections
import io
import mmap
import os
import pickle
import struct
import subprocess
import sys
import zipfile

import numpy as np
import pytest

import torchless
from torchless import _torch_format as TF  # noqa: F401 (monkeypatched)

from .conftest import WritePipe
from torchless import nn

DTYPES = ["float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool", "complex64",
          "complex128"]
CLEAN = (RuntimeError, pickle.UnpicklingError)   # PyTorch's types: a broken archive, a refused pickle


def _values(dtype, shape=(3, 4), seed=0):
    rng = np.random.default_rng(seed)
    arr = rng.standard_normal(shape) * 50
    if dtype.startswith("complex"):
        arr = arr + 1j * rng.standard_normal(shape)
    return np.asarray(arr).astype(dtype)


def _save(obj, lib=torchless):
    buf = io.BytesIO()
    lib.save(obj, buf)
    return buf.getvalue()


def _load(raw, lib=torchless, **kw):
    return lib.load(io.BytesIO(raw), **kw)


def _same_storage(a, b):
    """Whether two torchless tensors share memory."""
    return np.shares_memory(a._data, b._data)


# ============================================================================ torchless alone
@pytest.mark.parametrize("dtype", DTYPES)
def test_every_dtype_roundtrips(dtype):
    t = torchless.from_numpy(_values(dtype))
    back = _load(_save({"t": t, "scalar": torchless.from_numpy(_values(dtype, ())), "empty": t[:0]}))
    for key, ref in (("t", t), ("empty", t[:0])):
        assert back[key].dtype == ref.dtype and back[key].shape == ref.shape
        np.testing.assert_array_equal(back[key].numpy(), ref.numpy())
    assert back["scalar"].shape == () and back["scalar"].dtype == t.dtype


def test_views_share_storage_after_loading():
    base = torchless.arange(24.0).reshape(4, 6)
    views = {"base": base, "t": base.t(), "slice": base[1:, ::2], "row": base[2], "flat": base.reshape(-1),
             "other": torchless.ones(3)}
    back = _load(_save(views))
    for key, v in views.items():
        assert back[key].stride() == v.stride() and back[key].shape == v.shape
        np.testing.assert_array_equal(back[key].numpy(), v.numpy())
    back["base"][2, 2] = -1.0            # a write through the base shows in every view of it
    assert back["t"][2, 2].item() == -1.0 and back["slice"][1, 1].item() == -1.0
    assert back["row"][2].item() == -1.0 and back["flat"][14].item() == -1.0
    assert not _same_storage(back["other"], back["base"])
    with zipfile.ZipFile(io.BytesIO(_save(views))) as z:    # one storage for the five views
        assert sorted(n for n in z.namelist() if "/data/" in n) == ["archive/data/0", "archive/data/1"]


def test_parameters_requires_grad_ties_and_python_values():
    w = nn.Parameter(torchless.randn(3, 2))
    frozen = nn.Parameter(torchless.ones(2), requires_grad=False)
    obj = {"w": w, "tied": w, "frozen": frozen, "x": torchless.ones(2, requires_grad=True),
           "size": torchless.Size([2, 3]), "dtypes": [torchless.float16, torchless.bool, torchless.complex128],
           "device": torchless.device("cpu"), "values": (None, True, 2 ** 80, -3, 0.5, float("inf"), "é", b"\x00")}
    back = _load(_save(obj))
    assert isinstance(back["w"], nn.Parameter) and back["w"].requires_grad and back["tied"] is back["w"]
    assert isinstance(back["frozen"], nn.Parameter) and not back["frozen"].requires_grad
    assert back["x"].requires_grad and back["x"].is_leaf and not isinstance(back["x"], nn.Parameter)
    assert type(back["size"]) is torchless.Size and back["size"] == (2, 3)
    assert back["dtypes"] == obj["dtypes"] and back["dtypes"][0] is torchless.float16
    assert back["device"] == torchless.device("cpu") and back["values"] == obj["values"]


def test_module_optimizer_and_scheduler_state_roundtrip():
    torchless.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 1))
    opt = torchless.optim.Adam(net.parameters(), lr=0.01)
    sched = torchless.optim.lr_scheduler.StepLR(opt, 2)
    x = torchless.randn(8, 3)
    for _ in range(3):
        opt.zero_grad()
        net(x).square().mean().backward()
        opt.step()
        sched.step()
    back = _load(_save({"model": net.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict()}))
    assert back["model"]["1.num_batches_tracked"].dtype == torchless.int64
    assert back["model"]["1.num_batches_tracked"].item() == 3
    assert back["model"]._metadata == net.state_dict()._metadata
    net2 = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 1))
    net2.load_state_dict(back["model"])
    opt2 = torchless.optim.Adam(net2.parameters(), lr=0.01)
    opt2.load_state_dict(back["opt"])
    sched2 = torchless.optim.lr_scheduler.StepLR(opt2, 2)
    sched2.load_state_dict(back["sched"])
    for o, n in ((opt, net), (opt2, net2)):
        o.zero_grad()
        n(x).square().mean().backward()
        o.step()
    for p, q in zip(net.parameters(), net2.parameters()):
        assert torchless.equal(p, q)


def test_mmap_and_map_location(tmp_path):
    path = tmp_path / "m.pt"
    base = torchless.arange(10.0)
    torchless.save({"base": base, "view": base[2:5]}, path)
    back = torchless.load(path, mmap=True)
    root = back["view"]._data
    while isinstance(root.base, np.ndarray):
        root = root.base
    assert isinstance(getattr(root.base, "obj", root.base), mmap.mmap)     # the storage is the mapped file
    back["base"][3] = 7.0                          # copy-on-write: the loaded tensors share, the file is unchanged
    assert back["view"][1].item() == 7.0 and torchless.load(path)["base"][3].item() == 3.0
    for ml in ("cpu", torchless.device("cpu"), {"cpu": "cpu"}, lambda storage, loc: storage):
        assert torchless.load(path, map_location=ml)["view"].tolist() == [2.0, 3.0, 4.0]
    with pytest.raises(ValueError, match="needs a file name"):
        torchless.load(io.BytesIO(path.read_bytes()), mmap=True)


def _relocated(raw, location):
    """A checkpoint whose storages claim to live on `location` (as a file saved on a GPU does)."""
    src = zipfile.ZipFile(io.BytesIO(raw))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            if name.endswith("data.pkl"):
                new = location.encode()
                data = data.replace(b"X\x03\x00\x00\x00cpu", b"X" + struct.pack("<I", len(new)) + new)
            dst.writestr(name, data)
    return out.getvalue()


def test_a_gpu_checkpoint_needs_map_location():
    raw = _relocated(_save({"w": torchless.ones(2)}), "cuda:0")
    with pytest.raises(RuntimeError, match="map_location=torch.device\\('cpu'\\)"):
        _load(raw)
    for ml in ("cpu", {"cuda:0": "cpu"}, lambda storage, loc: storage):
        assert _load(raw, map_location=ml)["w"].tolist() == [1.0, 1.0]


def test_archives_written_to_files_and_pipes_are_valid_zips():
    """The writer only appends (it works on pipes), and zip tools accept what it writes."""
    obj = {"a": torchless.arange(1000.0), "b": torchless.ones(3, dtype=torchless.int8), "e": torchless.zeros(0)}

    pipe = WritePipe()
    torchless.save(obj, pipe)
    for raw in (_save(obj), b"".join(pipe.chunks)):
        with zipfile.ZipFile(io.BytesIO(raw)) as z:
            assert z.testzip() is None
        back = _load(raw)
        assert back["a"].tolist() == obj["a"].tolist() and back["b"].dtype == torchless.int8


def test_save_errors():
    with pytest.raises(pickle.UnpicklingError, match="GLOBAL .*_Unknown"):   # saved as PyTorch would; loads only trusted
        _load(_save({"x": [_Unknown()]}))
    assert type(_load(_save({"x": [_Unknown()]}), weights_only=False)["x"][0]) is _Unknown
    loop = ()
    for _ in range(3):
        loop = (loop,)
    assert _load(_save(loop)) == loop


class _Unknown:
    pass


# ============================================================================ against real PyTorch
def _torch_objects(torch):
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4))
    opt = torch.optim.Adam(net.parameters(), lr=0.1)
    net(torch.randn(5, 3)).sum().backward()
    opt.step()
    sched = torch.optim.lr_scheduler.StepLR(opt, 2)
    base = torch.arange(24.0).reshape(4, 6)
    tensors = {dt: torch.from_numpy(_values(dt, seed=i)) for i, dt in enumerate(DTYPES)}
    return {"model": net.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict(), "tensors": tensors,
            "base": base, "t": base.t(), "slice": base[1:, ::2], "row": base[2], "scalar": torch.tensor(3.5),
            "param": torch.nn.Parameter(torch.ones(2)), "frozen": torch.nn.Parameter(torch.ones(2), False),
            "rg": torch.ones(2, requires_grad=True), "size": torch.Size([2, 3]), "device": torch.device("cpu"),
            "dtypes": [torch.float32, torch.int64, torch.bool, torch.complex64], "set": {1, 2}, "bytes": b"ab",
            "values": [None, True, 2 ** 70, -1, 1.5, "text", (1, 2), 1 + 2j]}


def _compare(ours, theirs, torch, path="obj"):
    """ours (torchless) holds what theirs (torch) holds: types, values, dtypes, strides."""
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, torchless.Tensor), path
        assert isinstance(ours, nn.Parameter) == isinstance(theirs, torch.nn.Parameter), path
        assert str(ours.dtype) == str(theirs.dtype) and tuple(ours.shape) == tuple(theirs.shape), path
        assert ours.requires_grad == theirs.requires_grad, path
        if theirs.numel() > 1:
            assert ours.stride() == theirs.stride(), path
        np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy(), err_msg=path)
    elif isinstance(theirs, dict):
        assert type(ours).__name__ == type(theirs).__name__ and list(ours) == list(theirs), path
        for k in theirs:
            _compare(ours[k], theirs[k], torch, f"{path}[{k!r}]")
    elif isinstance(theirs, (list, tuple)) and not isinstance(theirs, torch.Size):
        assert type(ours) is type(theirs) and len(ours) == len(theirs), path
        for i, (a, b) in enumerate(zip(ours, theirs)):
            _compare(a, b, torch, f"{path}[{i}]")
    elif isinstance(theirs, (torch.dtype, torch.device, torch.Size)):
        assert str(ours) == str(theirs) and type(ours).__name__ == type(theirs).__name__, path
    else:
        assert type(ours) is type(theirs) and ours == theirs, path


def test_files_written_by_torch_load_in_torchless(torch_ref, tmp_path):
    torch = torch_ref
    obj = _torch_objects(torch)
    path = tmp_path / "from_torch.pt"
    torch.save(obj, path)
    for kw in ({}, {"weights_only": True}, {"mmap": True}, {"map_location": "cpu"}):
        back = torchless.load(path, **kw)
        _compare(back, obj, torch)
        assert back["model"]._metadata == obj["model"]._metadata
        back["base"][2, 2] = -1.0
        assert back["t"][2, 2].item() == -1.0 and back["slice"][1, 1].item() == -1.0
    # the state_dicts drive torchless's own module, optimizer and scheduler
    net = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    net.load_state_dict(back["model"])
    opt = torchless.optim.Adam(net.parameters(), lr=0.1)
    opt.load_state_dict(back["opt"])
    torchless.optim.lr_scheduler.StepLR(opt, 2).load_state_dict(back["sched"])
    assert opt.state_dict()["param_groups"][0]["betas"] == (0.9, 0.999)


def test_files_written_by_torchless_load_in_torch(torch_ref):
    torch = torch_ref
    torchless.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    opt = torchless.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    net(torchless.randn(5, 3)).sum().backward()
    opt.step()
    sched = torchless.optim.lr_scheduler.StepLR(opt, 2)
    base = torchless.arange(24.0).reshape(4, 6)
    ours = {"model": net.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict(),
            "tensors": {dt: torchless.from_numpy(_values(dt, seed=i)) for i, dt in enumerate(DTYPES)},
            "base": base, "t": base.t(), "slice": base[1:, ::2], "row": base[2], "scalar": torchless.tensor(3.5),
            "param": nn.Parameter(torchless.ones(2)), "frozen": nn.Parameter(torchless.ones(2), False),
            "rg": torchless.ones(2, requires_grad=True), "size": torchless.Size([2, 3]),
            "device": torchless.device("cpu"), "dtypes": [torchless.float32, torchless.int64, torchless.bool],
            "set": {1, 2}, "bytes": b"ab", "values": [None, True, 2 ** 70, -1, 1.5, "text", (1, 2), 1 + 2j]}
    theirs = torch.load(io.BytesIO(_save(ours)), weights_only=True)
    _compare(ours, theirs, torch)
    assert theirs["model"]._metadata == net.state_dict()._metadata
    assert theirs["slice"].storage_offset() == 6 and theirs["row"].storage_offset() == 12
    ptr = theirs["base"].untyped_storage().data_ptr()
    assert all(theirs[k].untyped_storage().data_ptr() == ptr for k in ("t", "slice", "row"))
    theirs["base"][2, 2] = -1.0
    assert theirs["t"][2, 2].item() == -1.0
    tnet = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4))
    tnet.load_state_dict(theirs["model"])
    topt = torch.optim.SGD(tnet.parameters(), lr=0.1, momentum=0.9)
    topt.load_state_dict(theirs["opt"])
    torch.optim.lr_scheduler.StepLR(topt, 2).load_state_dict(theirs["sched"])
    x = np.random.default_rng(1).standard_normal((5, 3)).astype(np.float32)
    net.eval()
    tnet.eval()
    np.testing.assert_allclose(net(torchless.tensor(x)).detach().numpy(),
                               tnet(torch.tensor(x)).detach().numpy(), rtol=1e-6, atol=1e-6)


def test_a_pickled_torch_module_needs_weights_only_false(torch_ref, tmp_path):
    torch = torch_ref
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    path = tmp_path / "model.pt"
    torch.save(model, path)
    with pytest.raises(pickle.UnpicklingError, match="GLOBAL torch.nn.modules.container.Sequential"):
        torchless.load(path)
    loaded = torchless.load(path, weights_only=False)        # trusts the file, maps torch.* to torchless
    assert type(loaded) is nn.Sequential and type(loaded[0]) is nn.Linear
    x = np.ones((2, 3), dtype=np.float32)
    np.testing.assert_allclose(loaded(torchless.tensor(x)).detach().numpy(),
                               model(torch.tensor(x)).detach().numpy(), rtol=1e-6)


def test_torch_refuses_the_same_hostile_globals_with_the_same_type(torch_ref):
    raw = _save({"w": torchless.ones(2)})
    evil = _with_pickle(raw, pickle.dumps({"x": _Evil()}, protocol=2))
    for lib in (torch_ref, torchless):
        with pytest.raises(pickle.UnpicklingError, match="posix.system|os.system"):
            _load(evil, lib)


# ============================================================================ hostile files
class _Evil:
    def __reduce__(self):
        return (os.system, ("touch /tmp/torchless-pwned",))


def _with_pickle(raw, pkl):
    """The checkpoint `raw` with data.pkl replaced (the zip rewritten with valid checksums)."""
    src = zipfile.ZipFile(io.BytesIO(raw))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            dst.writestr(name, pkl if name.endswith("/data.pkl") else src.read(name))
    return out.getvalue()


def _pkl(body):
    return b"\x80\x02" + body + b"."


_HOSTILE_PICKLES = {
    "os.system": pickle.dumps(_Evil(), protocol=2),
    "eval": _pkl(b"cbuiltins\neval\nX\x04\x00\x00\x001+1\x85R"),
    "getattr": _pkl(b"cbuiltins\ngetattr\ncbuiltins\nobject\nX\x09\x00\x00\x00__class__\x86R"),
    "protocol 4": pickle.dumps(_Evil(), protocol=4),
    "protocol 0": pickle.dumps(_Evil(), protocol=0),
    "Tensor class called": _pkl(b"ctorch\nTensor\nJ\x00\x00\x00\x40\x85R"),
    "Parameter class called": _pkl(b"ctorch.nn.parameter\nParameter\n)R"),
    "NEWOBJ of Tensor": _pkl(b"ctorch\nTensor\nJ\x00\x00\x00\x40\x85\x81"),
    "BUILD on a dtype": _pkl(b"ctorch\nfloat32\n}X\x04\x00\x00\x00nameX\x01\x00\x00\x00xsb"),
    "BUILD on a list": _pkl(b"]}X\x01\x00\x00\x00aKasb"),
    "setstate slot": _pkl(b"ccollections\nOrderedDict\n)RN}X\x09\x00\x00\x00__class__Ks\x86b"),
    "codecs other than latin1": _pkl(b"c_codecs\nencode\nX\x01\x00\x00\x00aX\x04\x00\x00\x00zlib\x86R"),
    "persistent id not a storage": _pkl(b"X\x01\x00\x00\x00xQ"),
    "storage of a missing key": _pkl(b"(X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x02\x00\x00\x0099"
                                     b"X\x03\x00\x00\x00cpuK\x01tQ"),
    "unknown opcode": _pkl(b"\xff"),
    "memo miss": _pkl(b"h\x05"),
    "empty stack": _pkl(b"R"),
    "bytearray8 of 2**60": b"\x80\x05\x96" + struct.pack("<Q", 1 << 60) + b".",
    "binbytes8 of 2**60": b"\x80\x04\x8e" + struct.pack("<Q", 1 << 60) + b".",
    "long4 of 2**31": b"\x80\x02\x8b" + struct.pack("<i", 2 ** 31 - 1) + b".",
    "frame of 2**60": b"\x80\x04\x95" + struct.pack("<Q", 1 << 60) + b"N.",
    "truncated": b"\x80\x02]",
    "SETITEM into a tensor": _pkl(b"ctorch\nSize\n)RK\x00K\x01s"),
    "SETITEMS into a dtype": _pkl(b"ctorch\nfloat32\n(K\x00K\x01u"),
    "APPENDS into a dict": _pkl(b"}(K\x00e"),
    "ADDITEMS into a list": b"\x80\x04](K\x00\x90.",
    "APPEND into a str": _pkl(b"X\x01\x00\x00\x00aK\x00a"),
    "bfloat16": _pkl(b"ctorch\nbfloat16\n"),
}


@pytest.mark.parametrize("name", sorted(_HOSTILE_PICKLES))
def test_hostile_pickles_give_clean_errors_and_run_nothing(name, tmp_path, monkeypatch):
    marker = "/tmp/torchless-pwned"
    if os.path.exists(marker):
        os.remove(marker)
    raw = _with_pickle(_save({"w": torchless.ones(2)}), _HOSTILE_PICKLES[name])
    before = (torchless.float32.name, torchless.float32.itemsize)
    with pytest.raises(CLEAN + (TypeError,)) as info:
        _load(raw)
    assert info.type is not TypeError or name == "bfloat16"
    if name in ("os.system", "protocol 4", "protocol 0"):
        assert info.type is pickle.UnpicklingError and "system" in str(info.value)
    assert not os.path.exists(marker)
    assert (torchless.float32.name, torchless.float32.itemsize) == before


def _tensor_pickle(offset=b"K\x00", size=b"K\x02\x85", stride=b"K\x01\x85", key=b"0", numel=b"K\x02"):
    return _pkl(b"ctorch._utils\n_rebuild_tensor_v2\n((X\x07\x00\x00\x00storagectorch\nFloatStorage\n"
                + b"X" + struct.pack("<I", len(key)) + key + b"X\x03\x00\x00\x00cpu" + numel + b"tQ"
                + offset + size + stride + b"\x89ccollections\nOrderedDict\n)RtR")


@pytest.mark.parametrize("case", [
    {"offset": b"K\x05"}, {"size": b"J\x00\x00\x00\x40\x85"}, {"size": b"K\x02K\x02\x86", "stride": b"K\x01\x85"},
    {"stride": b"J\xff\xff\xff\xff\x85"}, {"numel": b"J\x00\x00\x00\x40"}, {"offset": b"]" * 50 + b"a" * 49},
    {"size": b"\x8a\x09" + b"\xff" * 8 + b"\x7f\x85"}, {"key": b"../../etc/passwd"},
])
def test_crafted_tensor_headers_are_refused(case):
    raw = _with_pickle(_save(torchless.ones(2)), _tensor_pickle(**case))
    with pytest.raises(CLEAN):
        _load(raw)
    assert _load(_with_pickle(_save(torchless.ones(2)), _tensor_pickle())).tolist() == [1.0, 1.0]


def _patch_central_sizes(raw, name, size):
    """raw with the central directory's sizes of entry `name` set to `size` (no allocation may follow it)."""
    data = bytearray(raw)
    at = data.index(b"PK\x01\x02")
    while True:
        n_name = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46:at + 46 + n_name] == name.encode():
            struct.pack_into("<II", data, at + 20, size, size)
            return bytes(data)
        n_extra, n_comment = struct.unpack_from("<HH", data, at + 30)
        at += 46 + n_name + n_extra + n_comment


def test_zip_bombs_and_lying_sizes_are_refused():
    raw = _save({"w": torchless.ones(1000)})
    with pytest.raises(RuntimeError, match="truncated or corrupt"):
        _load(_patch_central_sizes(raw, "archive/data/0", 0xFFFFFFF0))       # declares ~4 GB
    # a compressed storage that inflates far beyond the file's size
    src = zipfile.ZipFile(io.BytesIO(_save({"w": torchless.zeros(4 << 20)})))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            dst.writestr(name, src.read(name))
    assert len(out.getvalue()) < 100_000
    with pytest.raises(RuntimeError, match="zip bomb"):
        _load(out.getvalue())
    # compressed entries that do not expand beyond the file load (as PyTorch loads them)
    src = zipfile.ZipFile(io.BytesIO(_save({"w": torchless.from_numpy(_values("float64", (100,)))})))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            dst.writestr(name, src.read(name))
    assert _load(out.getvalue())["w"].tolist() == _values("float64", (100,)).tolist()
    # two entries over the same bytes (the overlapping-files bomb)
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        infos = {i.filename: i for i in z.infolist()}
    data = bytearray(raw)
    at = data.index(b"PK\x01\x02")
    while data[at + 46:at + 46 + 14] != b"archive/data/0":
        at += 46 + sum(struct.unpack_from("<HHH", data, at + 28))
    struct.pack_into("<I", data, at + 42, infos["archive/version"].header_offset)
    with pytest.raises(RuntimeError, match="truncated or corrupt"):
        _load(bytes(data))


def test_foreign_zip_layouts_are_refused():
    for entries in ({"archive/version": b"3"}, {"a/data.pkl": _pkl(b"N"), "b/version": b"3"},
                    {"archive/data.pkl": _pkl(b"N"), "archive/byteorder": b"middle"}):
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as z:
            for name, data in entries.items():
                z.writestr(name, data)
        with pytest.raises(RuntimeError, match="truncated or corrupt"):
            _load(out.getvalue())
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:          # no byteorder record: little-endian, as PyTorch assumes
        z.writestr("archive/data.pkl", _pkl(b"K\x07"))
    assert _load(out.getvalue()) == 7


def _fuzz_base():
    base = torchless.arange(6.0).reshape(2, 3)
    return {"w": base, "v": base.t(), "p": nn.Parameter(torchless.ones(2)), "i": torchless.tensor([1, 2]),
            "n": [1, "a", None, (2.5, True)], "d": torchless.float16, "s": torchless.Size([2])}


def _same(a, b):
    if isinstance(a, torchless.Tensor):
        return (isinstance(b, torchless.Tensor) and a.dtype == b.dtype and a.shape == b.shape
                and a.stride() == b.stride() and a.requires_grad == b.requires_grad
                and type(a) is type(b) and np.array_equal(a.detach().numpy(), b.detach().numpy()))
    if isinstance(a, dict):
        return type(a) is type(b) and list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def _fuzz(raw, positions, xors):
    """Each corrupted copy either loads exactly the original or raises a clean error of PyTorch's type."""
    original = _load(raw)
    loaded = refused = 0
    for pos in positions:
        for x in xors:
            bad = bytearray(raw)
            bad[pos] ^= x
            try:
                back = _load(bytes(bad))
            except CLEAN:
                refused += 1
                continue
            assert _same(original, back), f"byte {pos} ^ {x:#x} loaded different data"
            loaded += 1
    return loaded, refused


def test_every_truncation_gives_a_clean_error():
    raw = _save(_fuzz_base())
    for n in range(len(raw)):
        with pytest.raises(CLEAN):
            _load(raw[:n])


def test_random_byte_flips_give_a_clean_error_or_the_same_data():
    raw = _save(_fuzz_base())
    rng = np.random.default_rng(14)
    loaded, refused = _fuzz(raw, rng.integers(0, len(raw), 400).tolist(), [0x01, 0x5A])
    assert refused > 0


@pytest.mark.slow
def test_every_byte_flip_gives_a_clean_error_or_the_same_data(torch_ref):
    for raw in (_save(_fuzz_base()), _save({"w": torch_ref.arange(6.0).reshape(2, 3)}, torch_ref)):
        _fuzz(raw, range(len(raw)), [0x01, 0x80, 0xFF])


_DEEP = """
import io, sys, zipfile
import torchless
sys.setrecursionlimit(10**6)
def wrap(pkl):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("archive/data.pkl", pkl)
    return io.BytesIO(out.getvalue())
depth = 1_000_000
deep_list = b"\\x80\\x02" + b"]" * depth + b"a" * (depth - 1) + b"."
out = torchless.load(wrap(deep_list))
print("list", type(out).__name__)
del out
tensor = (b"\\x80\\x02ctorch._utils\\n_rebuild_tensor_v2\\n((X\\x07\\x00\\x00\\x00storagectorch\\nFloatStorage\\n"
          b"X\\x01\\x00\\x00\\x000X\\x03\\x00\\x00\\x00cpuK\\x01tQ" + b"]" * depth + b"a" * (depth - 1)
          + b")K\\x01\\x85\\x89ccollections\\nOrderedDict\\n)RtR.")
try:
    torchless.load(wrap(tensor))
except Exception as e:
    print("tensor", type(e).__name__)
"""


def test_deep_nesting_cannot_crash_the_interpreter():
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    done = subprocess.run([sys.executable, "-c", _DEEP], capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split("\n")[:2] == ["list list", "tensor UnpicklingError"] or \
        done.stdout.split("\n")[:2] == ["list list", "tensor RuntimeError"]


def test_torch_files_of_other_protocols_and_the_legacy_format(torch_ref):
    torch = torch_ref
    obj = {"w": torch.arange(6.0).reshape(2, 3), "n": [1, "a"], "od": collections.OrderedDict(a=torch.ones(1)),
           "s": {1, 2}, "fs": frozenset({3}), "b": b"xy", "c": collections.Counter("aab")}
    for protocol in (2, 3, 4):
        buf = io.BytesIO()
        torch.save(obj, buf, pickle_protocol=protocol)
        back = _load(buf.getvalue())
        assert back["w"].tolist() == obj["w"].tolist() and back["n"] == [1, "a"]
        assert type(back["od"]) is collections.OrderedDict
        assert (back["s"], back["fs"], back["b"], back["c"]) == ({1, 2}, frozenset({3}), b"xy", {"a": 2, "b": 1})
    buf = io.BytesIO()
    torch.save(obj, buf, _use_new_zipfile_serialization=False)    # PyTorch < 1.6's format (test_checkpoints_legacy)
    back = _load(buf.getvalue())
    assert back["w"].tolist() == obj["w"].tolist() and back["c"] == {"a": 2, "b": 1}
    with pytest.raises(pickle.UnpicklingError, match="protocol 0 or 1"):
        _load(pickle.dumps(obj["n"], protocol=0))


def test_views_as_another_dtype_are_saved_as_copies(torch_ref):
    """PyTorch refuses to save two views of one memory as different dtypes; torchless saves copies."""
    c = torchless.complex(torchless.ones(3), torchless.arange(3.0))
    back = torch_ref.load(io.BytesIO(_save({"c": c, "re": c.real, "im": c.imag})), weights_only=True)
    assert back["im"].tolist() == [0.0, 1.0, 2.0] and back["c"].dtype == torch_ref.complex64


class Config:
    """A user class a checkpoint may hold (allowed only through add_safe_globals)."""

    def __init__(self, lr):
        self.lr = lr


def test_add_safe_globals_allows_a_trusted_class():
    from torchless import serialization
    raw = _with_pickle(_save(None), pickle.dumps({"cfg": Config(0.5), "w": 1}, protocol=2))
    with pytest.raises(pickle.UnpicklingError, match="GLOBAL .*Config was not an allowed global.*add_safe_globals"):
        _load(raw)
    with serialization.safe_globals([Config]):
        back = _load(raw)
        assert type(back["cfg"]) is Config and back["cfg"].lr == 0.5
        assert Config in serialization.get_safe_globals()
    with pytest.raises(pickle.UnpicklingError):
        _load(raw)
    serialization.add_safe_globals([(Config, f"{__name__}.Config")])
    try:
        assert _load(raw)["cfg"].lr == 0.5
    finally:
        serialization.clear_safe_globals()
    assert serialization.get_safe_globals() == []


def test_files_saved_without_checksums_load(torch_ref):
    """torch.serialization.set_crc32_options(False) writes 0 as every CRC-32; both libraries load such files."""
    from torchless import serialization
    assert serialization.get_crc32_options() is True
    torch_ref.serialization.set_crc32_options(False)
    serialization.set_crc32_options(False)
    try:
        theirs = io.BytesIO()
        torch_ref.save({"a": torch_ref.arange(5.0)}, theirs)
        ours = _save({"a": torchless.arange(5.0)})
    finally:
        torch_ref.serialization.set_crc32_options(True)
        serialization.set_crc32_options(True)
    with zipfile.ZipFile(io.BytesIO(ours)) as z:
        assert {i.CRC for i in z.infolist()} == {0}
    assert _load(theirs.getvalue())["a"].tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]
    assert _load(ours, torch_ref)["a"].tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]


def test_a_big_endian_checkpoint_loads():
    """A file whose byteorder record says 'big' (written on a big-endian machine) holds byte-swapped storages."""
    values = {"f": torchless.tensor([1.5, -2.0]), "i": torchless.tensor([1, 256], dtype=torchless.int32)}
    src = zipfile.ZipFile(io.BytesIO(_save(values)))
    dtypes = {"0": np.float32, "1": np.int32}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            if name.endswith("/byteorder"):
                data = b"big"
            elif "/data/" in name:
                data = np.frombuffer(data, dtypes[name.rsplit("/", 1)[1]]).byteswap().tobytes()
            dst.writestr(name, data)
    back = _load(out.getvalue())
    assert back["f"].tolist() == [1.5, -2.0] and back["i"].tolist() == [1, 256]


def test_zip64_records(torch_ref, monkeypatch):
    """Checkpoints over 4 GiB need zip64 fields: written here for every size (the threshold lowered), they
    read back in zipfile, PyTorch and torchless."""
    monkeypatch.setattr(TF, "ZIP64_AT", 64)
    obj = {"w": torchless.arange(100.0), "b": torchless.ones(3, dtype=torchless.int16)}
    raw = _save(obj)
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        assert z.testzip() is None
        assert any(i.file_size > 64 and i.extra.startswith(b"\x01\x00") for i in z.infolist())
    assert raw.count(b"PK\x06\x06") == 1          # the zip64 end of central directory record
    for lib in (torchless, torch_ref):
        back = _load(raw, lib)
        assert back["w"].tolist() == obj["w"].tolist() and back["b"].tolist() == [1, 1, 1]
