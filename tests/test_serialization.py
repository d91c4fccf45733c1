"""torch.save / torch.load: round trips, and clear errors for foreign, hostile, truncated or corrupt files.

torch.save writes PyTorch's zip format (tests/test_checkpoints_torch.py checks it against real PyTorch
and fuzzes it); the hardening tests here on truncated, flipped and crafted files use torchless's
earlier format (serialization._save_legacy), which torch.load still reads."""
import collections
import io
import math
import os
import pathlib
import pickle
import zipfile

import numpy as np
import pytest

import torchless
from torchless import nn

from .conftest import assert_same


def _roundtrip(obj, where="bytes", tmp_path=None):
    if where == "bytes":
        buf = io.BytesIO()
        torchless.save(obj, buf)
        buf.seek(0)
        return torchless.load(buf)
    path = tmp_path / "obj.pt"
    torchless.save(obj, str(path) if where == "str" else path)
    return torchless.load(path if where == "str" else str(path))


def _assert_tensor_equal(a, b):
    assert type(a) is torchless.Tensor
    assert a.dtype == b.dtype and a.shape == b.shape and a.requires_grad == b.requires_grad
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


DTYPES = ["float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool", "complex64"]


@pytest.mark.parametrize("where", ["bytes", "str", "path"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_tensor_roundtrip_each_dtype(tmp_path, where, dtype):
    rng = np.random.default_rng(0)
    arr = (rng.standard_normal((3, 4)) * 5).astype(dtype)
    t = torchless.from_numpy(arr)
    back = _roundtrip(t, where, tmp_path)
    _assert_tensor_equal(back, t)
    before = arr.copy()
    back.fill_(0)          # loaded tensors are writable and independent of the saved one
    np.testing.assert_array_equal(arr, before)


@pytest.mark.parametrize("shape", [(), (0,), (5,), (2, 0, 3), (2, 3, 4)])
def test_shapes_and_views_roundtrip(shape):
    t = torchless.arange(float(math.prod(shape))).reshape(shape)
    _assert_tensor_equal(_roundtrip(t), t)
    m = torchless.arange(12.0).reshape(3, 4)
    for view in (m.t(), m[:, ::2], m[1]):
        back = _roundtrip(view)
        _assert_tensor_equal(back, view)


def test_requires_grad_parameters_and_shared_tensors_kept(torch_ref):
    w = nn.Parameter(torchless.randn(3, 2))
    frozen = nn.Parameter(torchless.ones(2), requires_grad=False)
    x = torchless.ones(2, requires_grad=True)
    back = _roundtrip({"w": w, "tied": w, "frozen": frozen, "x": x, "nonleaf": x * 2})
    assert isinstance(back["w"], nn.Parameter) and back["w"].requires_grad and back["w"].is_leaf
    assert back["tied"] is back["w"]                        # tied weights stay tied
    assert isinstance(back["frozen"], nn.Parameter) and not back["frozen"].requires_grad
    assert not isinstance(back["x"], nn.Parameter) and back["x"].requires_grad
    assert back["nonleaf"].requires_grad and back["nonleaf"].is_leaf and back["nonleaf"].tolist() == [2.0, 2.0]
    # PyTorch keeps requires_grad through save/load too
    buf = io.BytesIO()
    torch_ref.save(torch_ref.ones(2, requires_grad=True), buf)
    buf.seek(0)
    assert torch_ref.load(buf).requires_grad


def test_python_values_and_containers_roundtrip(tmp_path):
    obj = {
        "ints": [0, -1, 2 ** 70], "floats": (1.5, float("inf"), -float("inf")), "none": None,
        "flags": [True, False], "text": "héllo", 3: "int key", (1, "a"): "tuple key", 2.5: "float key",
        "size": torchless.Size([2, 3]), "dtype": torchless.int64, "device": torchless.device("cpu"),
        "complex": 1 - 2j, "nested": [{"a": [torchless.tensor([1, 2])]}], "empty": ([], {}, ()),
        "np64": np.float64(0.25), "bytes": b"\x00\xffab", "set": {1, 2}, "frozenset": frozenset({"a"}),
    }
    back = _roundtrip(obj, "path", tmp_path)
    assert back.keys() == obj.keys()
    for key in ("ints", "floats", "none", "flags", "text", 3, (1, "a"), 2.5, "complex", "empty", "bytes", "set",
                "frozenset"):
        assert back[key] == obj[key] and type(back[key]) is type(obj[key])
    assert back["np64"] == 0.25 and type(back["np64"]) is float    # a float subclass is saved as the float
    assert type(back["floats"]) is tuple and back["ints"][2] == 2 ** 70
    assert type(back["size"]) is torchless.Size and back["size"] == (2, 3)
    assert back["dtype"] is torchless.int64 and back["device"] == torchless.device("cpu")
    assert back["nested"][0]["a"][0].tolist() == [1, 2]
    nan = _roundtrip(float("nan"))
    assert math.isnan(nan)


def test_legacy_format_files_with_numpy_values_still_load():
    """Files of torchless's earlier format (NumPy arrays and scalars included) load as they did."""
    from torchless import serialization as S
    obj = {"np": np.arange(4, dtype=np.int16), "np_scalar": np.float32(2.5), "np64": np.float64(0.25),
           "w": nn.Parameter(torchless.ones(2)), "size": torchless.Size([2])}
    buf = io.BytesIO()
    S._save_legacy(obj, buf)
    buf.seek(0)
    back = torchless.load(buf)
    assert back["np"].dtype == np.int16 and back["np"].tolist() == [0, 1, 2, 3]
    assert back["np_scalar"] == np.float32(2.5) and back["np_scalar"].dtype == np.float32
    assert back["np64"] == 0.25 and type(back["np64"]) is np.float64
    assert isinstance(back["w"], nn.Parameter) and back["size"] == (2,)
    buf = io.BytesIO()          # the zip format pickles NumPy arrays as PyTorch does: loading them trusts the file
    torchless.save(np.arange(3), buf)
    with pytest.raises(pickle.UnpicklingError, match="GLOBAL numpy"):
        torchless.load(io.BytesIO(buf.getvalue()))
    assert torchless.load(io.BytesIO(buf.getvalue()), weights_only=False).tolist() == [0, 1, 2]


def test_state_dict_like_ordered_dict_roundtrip():
    sd = collections.OrderedDict([
        ("0.weight", torchless.randn(4, 3)), ("0.bias", torchless.zeros(4)),
        ("bn.num_batches_tracked", torchless.tensor(7)), ("mask", torchless.tensor([True, False, True])),
        ("steps", torchless.tensor([1, 2, 3], dtype=torchless.int64)),
    ])
    sd._metadata = collections.OrderedDict([("", {"version": 1})])
    back = _roundtrip(sd)
    assert type(back) is collections.OrderedDict and list(back) == list(sd)
    for key in sd:
        _assert_tensor_equal(back[key], sd[key])
    assert back["bn.num_batches_tracked"].dtype == torchless.int64 and back["mask"].dtype == torchless.bool
    assert back._metadata == {"": {"version": 1}}
    # (Python 3.12 writes an OrderedDict as OrderedDict({...}), earlier ones as OrderedDict([(...)]))
    assert repr(back).startswith(("OrderedDict([('0.weight', tensor(", "OrderedDict({'0.weight': tensor("))


def test_model_state_dict_roundtrip_gives_identical_outputs():
    if not hasattr(nn, "Linear"):
        pytest.skip("nn.Linear is not built yet")
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    buf = io.BytesIO()
    torchless.save(model.state_dict(), buf)
    clone = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    buf.seek(0)
    clone.load_state_dict(torchless.load(buf))
    x = torchless.randn(5, 4)
    assert torchless.equal(model(x), clone(x))


def test_several_objects_in_one_stream_and_d2l_file_usage(tmp_path, monkeypatch):
    from torchless import serialization as S
    buf = io.BytesIO()
    S._save_legacy(torchless.arange(3), buf)      # the legacy format can hold several objects in a stream
    S._save_legacy([1, 2], buf)
    buf.seek(0)
    assert torchless.load(buf).tolist() == [0, 1, 2] and torchless.load(buf) == [1, 2]
    buf = io.BytesIO()
    torchless.save(torchless.arange(3), buf)      # zip archives cannot (PyTorch's RuntimeError too)
    torchless.save([1, 2], buf)
    buf.seek(0)
    with pytest.raises(RuntimeError, match="before the archive"):
        torchless.load(buf)
    monkeypatch.chdir(tmp_path)        # D2L saves to bare file names in the working directory
    x, y = torchless.arange(4), torchless.zeros(4)
    torchless.save([x, y], "x-files")
    x2, y2 = torchless.load("x-files")
    assert torchless.equal(x, x2) and torchless.equal(y, y2)
    torchless.save({"x": x, "y": y}, "mydict")
    assert torchless.load("mydict", map_location="cpu", weights_only=True)["x"].tolist() == [0, 1, 2, 3]
    assert torchless.load(pathlib.Path("mydict"), map_location=torchless.device("cpu"))["y"].dtype == torchless.float32


# ============================================================================ any picklable object, as PyTorch
class _Model:
    weight = torchless.ones(2)


_LAMBDA = lambda: 0  # noqa: E731  (pickle cannot name it)


@pytest.mark.parametrize("obj", [object(), _Model(), np.array(["a"]), np.arange(2), np.float32(1)])
def test_any_picklable_object_saves_and_loads_only_when_trusted(obj):
    """torch.save pickles whatever it is given (as PyTorch does); such a file loads only with
    weights_only=False, and weights_only=True names the global it refuses."""
    buf = io.BytesIO()
    torchless.save({"ok": 1, "obj": [obj]}, buf)
    with pytest.raises(pickle.UnpicklingError, match="Unsupported global: GLOBAL "):
        torchless.load(io.BytesIO(buf.getvalue()))
    back = torchless.load(io.BytesIO(buf.getvalue()), weights_only=False)["obj"][0]
    assert type(back) is type(obj)
    if isinstance(obj, (np.ndarray, np.generic)):
        assert np.array_equal(back, obj) and back.dtype == obj.dtype


def test_what_pickle_cannot_name_is_refused_with_pickles_errors():
    def local():
        class Local:
            pass
        return Local()
    with pytest.raises(pickle.PicklingError, match="lambda"):
        torchless.save({"f": _LAMBDA}, io.BytesIO())
    with pytest.raises(AttributeError, match="Can't pickle local object"):
        torchless.save([local()], io.BytesIO())
    with pytest.raises(TypeError, match="generator"):
        torchless.save((x for x in ()), io.BytesIO())


def test_self_reference_and_text_files(tmp_path):
    loop = [1]
    loop.append({"me": loop})            # lists and dicts may contain themselves (pickle memoizes them)
    back = _roundtrip(loop)
    assert back[0] == 1 and back[1]["me"] is back
    with open(tmp_path / "t.txt", "w") as text:
        with pytest.raises(TypeError, match="binary mode"):
            torchless.save([1], text)
    with pytest.raises(TypeError, match="path .* or a binary file object"):
        torchless.save([1], 42)


# ============================================================================ hostile / foreign / broken files
class _Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned > /dev/null",))


def test_hostile_pickle_is_refused_without_running_it(tmp_path):
    marker = tmp_path / "ran"

    class Marker:
        def __reduce__(self):
            return (pathlib.Path.touch, (marker,))

    for payload in (pickle.dumps(Marker()), pickle.dumps(_Evil(), protocol=0), pickle.dumps({"a": 1}, protocol=2)):
        for weights_only in (True, False):     # a bare pickle is never unpickled (PyTorch's error type)
            with pytest.raises(pickle.UnpicklingError, match="bare Python pickle"):
                torchless.load(io.BytesIO(payload), weights_only=weights_only)
    assert not marker.exists()


def test_zip_archives_with_hostile_pickles_or_names_are_refused(tmp_path):
    marker = tmp_path / "ran"

    class Marker:
        def __reduce__(self):
            return (pathlib.Path.touch, (marker,))

    evil = io.BytesIO()
    with zipfile.ZipFile(evil, "w") as z:
        z.writestr("archive/data.pkl", pickle.dumps(Marker(), protocol=2))
    evil.seek(0)
    with pytest.raises(pickle.UnpicklingError, match="Unsupported global: GLOBAL (builtins.getattr|pathlib)"):
        torchless.load(evil)
    evil = io.BytesIO()
    with zipfile.ZipFile(evil, "w") as z:
        z.writestr("archive/data.pkl", pickle.dumps(_Evil()))
        z.writestr("../../etc/passwd", b"x")
    evil.seek(0)
    with pytest.raises(RuntimeError, match="unexpected entry name"):
        torchless.load(evil)
    assert not marker.exists()


def test_unknown_signature_is_refused():
    with pytest.raises(RuntimeError, match="not a checkpoint"):
        torchless.load(io.BytesIO(b"GIF89a" + b"\0" * 100))


def _saved_bytes():
    from torchless import serialization as S
    buf = io.BytesIO()
    S._save_legacy({"w": torchless.arange(100.0), "b": [torchless.tensor([1, 2]), "text"]}, buf)
    return buf.getvalue()


def test_every_truncation_gives_a_clear_runtime_error():
    raw = _saved_bytes()
    for n in sorted({0, 1, 8, 15, 16, 20, 27, 28, 40, len(raw) // 2, len(raw) - 401, len(raw) - 1}):
        with pytest.raises(RuntimeError, match="file is truncated or corrupt"):
            torchless.load(io.BytesIO(raw[:n]))


def test_flipped_bytes_give_a_clear_runtime_error():
    raw = _saved_bytes()
    rng = np.random.default_rng(0)
    positions = [16, 20, 24, 30, len(raw) // 3] + rng.integers(28, len(raw), 20).tolist()
    for pos in positions:
        bad = bytearray(raw)
        bad[pos] ^= 0x5A
        with pytest.raises(RuntimeError, match="file is truncated or corrupt"):
            torchless.load(io.BytesIO(bytes(bad)))


def test_crafted_headers_with_valid_checksums_are_rejected():
    """A file written by hand (right checksums, hostile content) still gives the corrupt-file error."""
    import json
    import struct
    import zlib
    from torchless import serialization as S

    def craft(header_obj, payload=b""):
        header = json.dumps(header_obj).encode()
        return io.BytesIO(S.MAGIC + struct.pack("<QI", len(header), zlib.crc32(header)) + header + payload)

    cases = [
        {"format": 1, "obj": {"tensor": 5}, "arrays": []},                                 # no such array
        {"format": 1, "obj": {"pickle": "cos\nsystem\n"}, "arrays": []},                  # unknown tag
        {"format": 1, "obj": {"tensor": 0}, "arrays": [["object", [1], 8, 0]]},            # bad dtype
        {"format": 1, "obj": {"tensor": 0}, "arrays": [["float32", [10 ** 12], 4, 0]]},    # lying size
        {"format": 1, "obj": {"dtype": "__class__"}, "arrays": []},
        {"format": 2, "obj": None, "arrays": []},
        {"format": 1, "obj": {"dict": [[{"list": []}, 1]]}, "arrays": []},                # unhashable key
        {"format": 1, "obj": {"tensor": 0, "requires_grad": True}, "arrays": [["int64", [1], 8, zlib.crc32(bytes(8))]]},
    ]
    for header in cases:
        with pytest.raises(RuntimeError, match="file is truncated or corrupt"):
            torchless.load(craft(header, bytes(8)))
    header = ("{\"format\":1,\"arrays\":[],\"obj\":" + "{\"list\":[" * 50000 + "]}" * 50000 + "}").encode()
    with pytest.raises(RuntimeError, match="file is truncated or corrupt"):
        torchless.load(io.BytesIO(S.MAGIC + struct.pack("<QI", len(header), zlib.crc32(header)) + header))


def test_load_argument_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        torchless.load(tmp_path / "missing.pt")
    with pytest.raises(TypeError, match="path .* or a binary file object"):
        torchless.load(3.5)
    with pytest.raises(RuntimeError, match="CPU only"):
        torchless.load(io.BytesIO(_saved_bytes()), map_location="cuda:0")


def test_saved_values_match_what_pytorch_holds(torch_ref):
    """The same data through both libraries' save/load gives the same tensors."""
    def trip(lib):
        sd = {"w": lib.linspace(-1, 1, 7).reshape(7, 1), "i": lib.tensor([3, -4]), "m": lib.tensor([True])}
        buf = io.BytesIO()
        lib.save(sd, buf)
        buf.seek(0)
        return lib.load(buf)

    ours, theirs = trip(torchless), trip(torch_ref)
    for key in ours:
        assert_same(ours[key], theirs[key])


def test_training_checkpoint_with_optimizer_state_roundtrip():
    """A D2L-style checkpoint (model + Adam state) saved, loaded and resumed gives identical steps."""
    if not hasattr(nn, "Linear") or not hasattr(torchless.optim, "Adam"):
        pytest.skip("nn.Linear / optim.Adam are not built yet")
    torchless.manual_seed(0)
    x, y = torchless.randn(8, 3), torchless.randn(8, 1)

    def make():
        net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
        return net, torchless.optim.Adam(net.parameters(), lr=0.05)

    def step(net, opt):
        opt.zero_grad()
        loss = ((net(x) - y) ** 2).mean()
        loss.backward()
        opt.step()
        return loss.item()

    net, opt = make()
    for _ in range(3):
        step(net, opt)
    buf = io.BytesIO()
    torchless.save({"model": net.state_dict(), "opt": opt.state_dict(), "epoch": 3}, buf)
    buf.seek(0)
    ckpt = torchless.load(buf)
    net2, opt2 = make()
    net2.load_state_dict(ckpt["model"])
    opt2.load_state_dict(ckpt["opt"])
    assert ckpt["epoch"] == 3 and ckpt["opt"]["param_groups"][0]["betas"] == (0.9, 0.999)
    for _ in range(3):
        assert step(net, opt) == step(net2, opt2)
    for p, q in zip(net.parameters(), net2.parameters()):
        assert torchless.equal(p, q)


# ============================================================================ property: any supported nesting round-trips
from hypothesis import given, settings, strategies as st  # noqa: E402

_leaves = st.one_of(
    st.none(), st.booleans(), st.integers(-2 ** 80, 2 ** 80), st.floats(allow_nan=False), st.text(max_size=5),
    st.sampled_from(DTYPES).flatmap(lambda dt: st.lists(st.integers(0, 3), max_size=3).map(
        lambda shape: torchless.from_numpy((np.arange(math.prod(shape)) % 3).astype(dt).reshape(shape)))),
)
_keys = st.one_of(st.text(max_size=4), st.integers(-5, 5), st.tuples(st.integers(0, 3), st.text(max_size=2)))
_objects = st.recursive(_leaves, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.tuples(inner, inner), st.dictionaries(_keys, inner, max_size=3),
    st.dictionaries(st.text(max_size=4), inner, max_size=3).map(collections.OrderedDict)), max_leaves=12)


def _same_structure(a, b):
    assert type(a) is type(b)
    if type(a) is torchless.Tensor:
        _assert_tensor_equal(b, a)
    elif isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            _same_structure(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _same_structure(x, y)
    else:
        assert a == b


@settings(max_examples=60, deadline=None)
@given(_objects)
def test_any_supported_nesting_roundtrips(obj):
    _same_structure(obj, _roundtrip(obj))
