"""Large storages have their CRC-32 computed on a second thread while their data is written, and
written into their zip headers afterwards (_torch_format.ZipWriter). Every way a file can be given
must still end with correct CRC-32s: a path, a file object already holding other bytes, a BytesIO,
a file opened for appending (no seeking back: computed first), and an unseekable pipe-like stream."""
import collections
import io
import zipfile

import numpy as np
import pytest

import torchless as torch
from torchless import _torch_format

from .conftest import WritePipe

BIG = _torch_format._CRC_THREAD_BYTES // 4 + 3  # float32 elements: just over the thread's threshold


def _state():
    rng = np.random.default_rng(0)
    sd = collections.OrderedDict()
    for i in range(3):
        sd[f"layer{i}.weight"] = torch.from_numpy(rng.random(BIG + i, dtype=np.float32))
    sd["small"] = torch.arange(5.0)
    sd["view"] = sd["layer0.weight"][7:100]    # shares layer0's storage
    return sd


def _check_zip(data: bytes, sd):
    z = zipfile.ZipFile(io.BytesIO(data))
    assert z.testzip() is None               # every entry's CRC-32 matches its data
    crcs = [i.CRC for i in z.infolist() if "/data/" in i.filename and i.file_size >= 4 * BIG]
    assert len(crcs) == 3 and all(crcs)
    loaded = torch.load(io.BytesIO(data))
    assert list(loaded) == list(sd)
    for k in sd:
        np.testing.assert_array_equal(loaded[k].numpy(), sd[k].numpy())


def test_path(tmp_path):
    sd = _state()
    path = tmp_path / "m.pt"
    torch.save(sd, path)
    _check_zip(path.read_bytes(), sd)


def test_file_object_with_bytes_before(tmp_path):
    sd = _state()
    path = tmp_path / "m.bin"
    with open(path, "wb") as f:
        f.write(b"header bytes of the user's own")
        torch.save(sd, f)
        f.write(b"and after")
    data = path.read_bytes()
    _check_zip(data[len(b"header bytes of the user's own"):-len(b"and after")], sd)


def test_bytesio_at_an_offset():
    sd = _state()
    buf = io.BytesIO()
    buf.write(b"xyz")
    torch.save(sd, buf)
    _check_zip(buf.getvalue()[3:], sd)


def test_append_mode(tmp_path):
    sd = _state()
    path = tmp_path / "m.bin"
    path.write_bytes(b"0123")
    with open(path, "ab") as f:
        torch.save(sd, f)
    _check_zip(path.read_bytes()[4:], sd)


def test_unseekable_stream():
    sd = _state()
    pipe = WritePipe()
    torch.save(sd, pipe)
    _check_zip(b"".join(pipe.chunks), sd)


def test_real_torch_reads_it(tmp_path):
    torch_ref = pytest.importorskip("torch")
    sd = _state()
    path = tmp_path / "m.pt"
    torch.save(sd, path)
    loaded = torch_ref.load(path, weights_only=True)
    for k in sd:
        np.testing.assert_array_equal(loaded[k].numpy(), sd[k].numpy())
    assert loaded["view"].untyped_storage().data_ptr() == loaded["layer0.weight"].untyped_storage().data_ptr()


def test_a_failing_write_stops_the_thread(tmp_path):
    import threading
    sd = _state()

    class Full(io.BytesIO):
        def write(self, b):
            if len(b) > 1000:
                raise OSError(28, "No space left on device")
            return super().write(b)

    before = threading.active_count()
    with pytest.raises(OSError):
        torch.save(sd, Full())
    assert threading.active_count() == before
    assert not any(t.name == "torchless-save-crc32" for t in threading.enumerate())
