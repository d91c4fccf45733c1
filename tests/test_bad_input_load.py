"""torch.load stays clean on hostile or unusual input (issue 12, bad input): a crafted header declaring a
huge tensor gives torchless's 'corrupt' RuntimeError (never NumPy's MemoryError), a deeply nested header
cannot crash a program that raised the recursion limit, and unbuffered streams load."""
import io
import json
import os
import subprocess
import sys
import zlib

import pytest

import torchless
from torchless import serialization as S


def _crafted(meta, data=b""):
    header = json.dumps(meta).encode()
    return S.MAGIC + S._PREFIX.pack(len(header), zlib.crc32(header)) + header + data


class _Unseekable(io.RawIOBase):
    """A raw stream that cannot tell its length (a pipe, a socket)."""

    def __init__(self, data):
        self._buffer = io.BytesIO(data)

    def readable(self):
        return True

    def seekable(self):
        return False

    def readinto(self, view):
        return self._buffer.readinto(view)


@pytest.mark.parametrize("shape, nbytes", [([1 << 20, 1 << 20], (1 << 40) * 8), ([1 << 62, 4], (1 << 64) * 8)])
@pytest.mark.parametrize("stream", [io.BytesIO, _Unseekable])
def test_a_huge_declared_tensor_is_reported_as_corrupt(shape, nbytes, stream):
    data = _crafted({"format": 1, "obj": {"tensor": 0}, "arrays": [["float64", shape, nbytes, 0]]})
    with pytest.raises(RuntimeError, match="truncated or corrupt"):
        torchless.load(stream(data))


def test_unbuffered_and_unseekable_streams_load(tmp_path):
    path = os.path.join(tmp_path, "a.pt")
    saved = {"w": torchless.arange(6.0).reshape(2, 3), "n": [1, (2, 3)]}
    torchless.save(saved, path)
    with open(path, "rb", buffering=0) as f:
        loaded = torchless.load(f)
    assert loaded["n"] == [1, (2, 3)] and loaded["w"].tolist() == saved["w"].tolist()
    with open(path, "rb") as f:
        assert torchless.load(_Unseekable(f.read()))["w"].tolist() == saved["w"].tolist()


_DEEP = """
import io, sys, zlib
import torchless
from torchless import serialization as S
sys.setrecursionlimit(10**6)
for depth in (100000, 990):
    s = '{"list": [' * depth + ']}' * depth
    h = ('{"format": 1, "arrays": [], "obj": ' + s + '}').encode()
    try:
        out = torchless.load(io.BytesIO(S.MAGIC + S._PREFIX.pack(len(h), zlib.crc32(h)) + h))
        print(depth, "loaded", type(out).__name__)
    except RuntimeError as e:
        print(depth, "refused", "nested too deeply" in str(e))
"""


def test_a_deeply_nested_header_cannot_crash_the_interpreter():
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    done = subprocess.run([sys.executable, "-c", _DEEP], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split("\n")[:2] == ["100000 refused True", "990 loaded list"]
