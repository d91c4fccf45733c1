"""PyTorch's legacy checkpoint format (torch.save(obj, f, _use_new_zipfile_serialization=False), and
every torch.save before PyTorch 1.6): torch.load reads it as PyTorch does, with weights_only=True's
allow-list on every pickle in it, storages shared between views, and no allocation beyond the file's
real size; hostile or broken files give a clean error of PyTorch's type."""
import io
import os
import pickle
import struct

import numpy as np
import pytest

import torchless
from torchless import nn

CLEAN = (RuntimeError, pickle.UnpicklingError)


def _legacy(torch, obj, protocol=2):
    buf = io.BytesIO()
    torch.save(obj, buf, _use_new_zipfile_serialization=False, pickle_protocol=protocol)
    return buf.getvalue()


def _load(raw, **kw):
    return torchless.load(io.BytesIO(raw), **kw)


def _objects(torch):
    torch.manual_seed(0)
    base = torch.arange(24.0).reshape(4, 6)
    net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4))
    tensors = {str(dt): (torch.arange(3) + 1).to(dt) for dt in (
        torch.float32, torch.float64, torch.float16, torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8,
        torch.bool, torch.complex64, torch.complex128)}
    return {"base": base, "t": base.t(), "slice": base[1:, ::2], "tensors": tensors, "sd": net.state_dict(),
            "param": torch.nn.Parameter(torch.ones(2)), "empty": torch.zeros(0, 3), "size": torch.Size([2]),
            "values": [1, "a", None, (2.5, True)], "dtype": torch.float16}


@pytest.mark.parametrize("protocol", [2, 3, 4])
def test_legacy_files_load_with_weights_only(torch_ref, protocol):
    obj = _objects(torch_ref)
    back = _load(_legacy(torch_ref, obj, protocol))
    for key in ("base", "t", "slice", "empty"):
        assert back[key].stride() == obj[key].stride() and back[key].tolist() == obj[key].tolist()
    for name, t in obj["tensors"].items():
        assert str(back["tensors"][name].dtype) == name and back["tensors"][name].tolist() == t.tolist()
    assert list(back["sd"]) == list(obj["sd"]) and back["sd"]._metadata == obj["sd"]._metadata
    assert back["sd"]["1.num_batches_tracked"].dtype == torchless.int64
    assert isinstance(back["param"], nn.Parameter) and back["param"].requires_grad
    assert back["size"] == (2,) and back["values"] == obj["values"] and back["dtype"] is torchless.float16
    back["base"][2, 2] = -1.0                 # the views share the base's storage, as in PyTorch
    assert back["t"][2, 2].item() == -1.0 and back["slice"][1, 1].item() == -1.0
    net = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    net.load_state_dict(back["sd"])


def test_a_legacy_whole_module_needs_weights_only_false(torch_ref, tmp_path):
    torch = torch_ref
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(8, 2))
    raw = _legacy(torch, model)
    with pytest.raises(pickle.UnpicklingError, match="GLOBAL torch.nn.modules.container.Sequential"):
        _load(raw)
    ours = _load(raw, weights_only=False)
    assert type(ours) is nn.Sequential
    x = np.random.default_rng(0).standard_normal((2, 1, 4, 4)).astype(np.float32)
    np.testing.assert_allclose(ours(torchless.tensor(x)).detach().numpy(), model(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)
    path = tmp_path / "legacy.pt"
    path.write_bytes(raw)
    with pytest.raises(RuntimeError, match="mmap can only be used with files saved with"):
        torchless.load(path, mmap=True)
    assert torchless.load(path, map_location="cpu", weights_only=False)[3].weight.shape == (2, 8)


class _Evil:
    def __reduce__(self):
        return (os.system, ("touch /tmp/torchless-pwned-legacy",))


def test_hostile_legacy_files_are_refused(torch_ref):
    marker = "/tmp/torchless-pwned-legacy"
    if os.path.exists(marker):
        os.remove(marker)
    with pytest.raises(pickle.UnpicklingError, match="system"):
        _load(_legacy(torch_ref, {"x": _Evil(), "w": torch_ref.ones(2)}))
    # the evil object in the header pickles (before the object), too
    evil = pickle.dumps(_Evil(), protocol=2)
    raw = _legacy(torch_ref, {"w": torch_ref.ones(2)})
    magic = pickle.dumps(0x1950A86A20F9469CFC6C, protocol=2)
    assert raw.startswith(magic)
    with pytest.raises(pickle.UnpicklingError, match="system"):
        _load(magic + evil + raw[len(magic):])
    for weights_only in (True, False):     # a file that does not begin with the magic number is never unpickled
        with pytest.raises(pickle.UnpicklingError, match="bare Python pickle"):
            _load(evil + raw, weights_only=weights_only)
    assert not os.path.exists(marker)
    # a storage that declares more elements than the file holds: refused before anything is allocated
    big = raw.replace(b"K\x02N", b"J\x00\x00\x00\x40N", 1)
    assert big != raw
    with pytest.raises(RuntimeError, match="more than the rest of the file holds"):
        _load(big)
    # a storage record whose element count disagrees with its tensor
    at = raw.rindex(struct.pack("<q", 2))
    with pytest.raises(RuntimeError, match="different number of elements"):
        _load(raw[:at] + struct.pack("<q", 3) + raw[at + 8:])
    with pytest.raises(pickle.UnpicklingError, match="bare Python pickle"):
        _load(pickle.dumps({"a": 1}, protocol=2))


def test_pickle_opcodes_declaring_huge_lengths_allocate_nothing(tmp_path):
    """Read from a real file (not a BytesIO), a BINBYTES8 of 2**40 bytes must not ask the file for 2**40."""
    head = b"".join(pickle.dumps(x, protocol=2) for x in (0x1950A86A20F9469CFC6C, 1001, {"little_endian": True}))
    for body in (b"\x80\x04\x8e" + struct.pack("<Q", 1 << 40) + b".", b"\x80\x02X" + struct.pack("<I", 2 ** 31) + b".",
                 b"\x80\x04\x8d" + struct.pack("<Q", 1 << 40) + b"."):
        path = tmp_path / "huge.pt"
        path.write_bytes(head + body)
        with pytest.raises(pickle.UnpicklingError, match="ends early"):
            torchless.load(path)


def test_every_truncation_and_byte_flip_of_a_legacy_file_is_clean(torch_ref):
    torch = torch_ref
    base = torch.arange(6.0).reshape(2, 3)
    raw = _legacy(torch, {"w": base, "v": base.t(), "p": torch.nn.Parameter(torch.ones(2)), "n": [1, "a"]})
    original = _load(raw)
    for n in range(len(raw)):
        with pytest.raises(CLEAN):
            _load(raw[:n])
    assert original["v"].tolist() == [[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]]
    rng = np.random.default_rng(14)
    refused = 0
    for pos in rng.integers(0, len(raw), 300).tolist():
        for x in (0x01, 0x80):
            bad = bytearray(raw)
            bad[pos] ^= x
            try:              # the legacy format has no checksums: a flip may load other keys or numbers
                _load(bytes(bad))
            except CLEAN:
                refused += 1
    assert refused > 100


def test_torchless_writes_the_legacy_format_when_asked(torch_ref):
    """torch.save(obj, f, _use_new_zipfile_serialization=False) writes the legacy format: real PyTorch
    loads it (weights_only=True), and so does torchless."""
    torchless.manual_seed(0)
    base = torchless.arange(24.0).reshape(4, 6)
    net = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    obj = {"base": base, "t": base.t(), "slice": base[1:, ::2], "sd": net.state_dict(),
           "i": torchless.tensor([1, 2], dtype=torchless.int16), "p": nn.Parameter(torchless.ones(2)),
           "values": [1, "a", None, (2.5, True)], "size": torchless.Size([3])}
    buf = io.BytesIO()
    torchless.save(obj, buf, _use_new_zipfile_serialization=False)
    raw = buf.getvalue()
    assert not raw.startswith(b"PK")
    for lib in (torch_ref, torchless):
        back = lib.load(io.BytesIO(raw), weights_only=True)
        assert back["slice"].tolist() == obj["slice"].tolist() and back["t"].stride() == (1, 6)
        assert list(back["sd"]) == list(obj["sd"]) and back["sd"]._metadata == obj["sd"]._metadata
        assert str(back["i"].dtype).endswith("int16") and back["values"] == obj["values"] and back["size"] == (3,)
        back["base"][2, 2] = -1.0
        assert back["t"][2, 2].item() == -1.0
    model = _load(_save_legacy(net), weights_only=False)
    assert type(model) is nn.Sequential
    theirs = torch_ref.load(io.BytesIO(_save_legacy(net)), weights_only=False)
    assert type(theirs) is torch_ref.nn.Sequential
    x = np.ones((2, 3), dtype=np.float32)
    net.eval()
    theirs.eval()
    np.testing.assert_allclose(theirs(torch_ref.tensor(x)).detach().numpy(), net(torchless.tensor(x)).detach().numpy(),
                               rtol=1e-6)


def _save_legacy(obj):
    buf = io.BytesIO()
    torchless.save(obj, buf, _use_new_zipfile_serialization=False)
    return buf.getvalue()


_DEEP = """
import io, pickle, sys
import torchless
sys.setrecursionlimit(10**6)
head = b"".join(pickle.dumps(x, protocol=2) for x in (0x1950A86A20F9469CFC6C, 1001, {"little_endian": True}))
depth = 1_000_000
deep = b"\\x80\\x02" + b"]" * depth + b"a" * (depth - 1) + b"."
out = torchless.load(io.BytesIO(head + deep + pickle.dumps([], protocol=2)))
print(type(out).__name__)
"""


def test_a_deeply_nested_legacy_file_cannot_crash_the_interpreter():
    import subprocess
    import sys
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    done = subprocess.run([sys.executable, "-c", _DEEP], capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "list"
