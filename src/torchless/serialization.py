"""torch.save / torch.load in PyTorch's own checkpoint format, read without running code.

torch.save writes the zip archive PyTorch writes (see _torch_format.py): real PyTorch loads it with
torch.load(weights_only=True), with the same keys, dtypes, values, strides and storage sharing.
Other objects (a whole nn.Module, an optimizer) are pickled as PyTorch pickles them, under PyTorch's
class names, so real PyTorch loads them with weights_only=False as its own objects.
torch.load reads those files, whether torchless or PyTorch wrote them (PyTorch's legacy format of
before 1.6 too), through an allow-list unpickler like PyTorch's weights_only=True (the default): a
file naming any global beyond tensors, containers, numbers, strings, torch.Size, dtypes and devices
(and what add_safe_globals allowed) raises pickle.UnpicklingError naming it, and nothing in the file
runs. weights_only=False trusts the file (it can run any code): use it only for files from a trusted
source, e.g. to load a whole pickled nn.Module.

Files in torchless's earlier format of its own (below, "legacy") still load:

    MAGIC (16 bytes)  header length (uint64)  header CRC-32 (uint32)
    header: UTF-8 JSON {"format": 1, "obj": <encoded object>, "arrays": [[dtype, shape, nbytes, crc32], ...]}
    the arrays' raw bytes, one after another, C order, little-endian

That format holds no pickle: its object is JSON with tagged containers and each tensor is an index
into the arrays; every section carries a CRC-32.
"""
import collections
import contextlib
import io
import json
import enum
import math
import mmap as _mmap_module
import os
import shutil
import tempfile
import pickle
import re
import struct
import zlib
from collections.abc import Iterator
from typing import Any, BinaryIO

import numpy as np

from . import _dtype as D
from ._tensor import Tensor
from . import _torch_format as TF
from ._tensor._core import Size, _plain, device, require_cpu

__all__ = ["save", "load", "add_safe_globals", "get_safe_globals", "clear_safe_globals", "safe_globals",
           "get_unsafe_globals_in_checkpoint", "set_crc32_options", "get_crc32_options", "skip_data",
           "SourceChangeWarning", "mkdtemp", "LoadEndianness", "get_default_load_endianness",
           "set_default_load_endianness", "get_default_mmap_options", "set_default_mmap_options", "location_tag",
           "default_restore_location"]

_PICKLE_STARTS = (b"\x80", b"(", b"]", b"}", b"c")

MAGIC = b"TORCHLESS-SAVE\x00\x01"
_PREFIX = struct.Struct("<QI")        # header length, header CRC-32
_MAX_HEADER = 1 << 31
_FORMAT = 1

# dtype name <-> NumPy dtype: the only dtypes a file may hold
_NP_BY_NAME = {name: np.dtype(name).newbyteorder("<") for name in (
    "bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64",
    "complex64", "complex128")}

_SUPPORTED = ("tensors (and nn.Parameters), NumPy arrays, lists, tuples, dicts, OrderedDicts, str, int, "
              "float, complex, bool, None, torch.Size, torch.dtype and torch.device")


def _corrupt(detail: str) -> RuntimeError:
    """The error for a file that is not what torch.save wrote (`detail` says where)."""
    return RuntimeError(f"torch.load: the file is truncated or corrupt ({detail}); save it again with "
                        "torch.save")


# ============================================================================ save
class _Encoder:
    def __init__(self) -> None:
        self.arrays: list[np.ndarray] = []          # contiguous little-endian ndarrays, in file order
        self.tensor_ids: dict[int, dict[str, Any]] = {}      # id(tensor) -> its encoded entry, so one object is saved once
        self.keep: list[Tensor] = []            # keep encoded tensors alive so ids stay unique during save
        self.active: set[int] = set()       # ids of containers being encoded (self-reference check)

    def add_array(self, arr: np.ndarray) -> int:
        """Queue arr's bytes for the file (contiguous, little-endian); its index among the arrays."""
        name = arr.dtype.name
        if name not in _NP_BY_NAME:
            raise TypeError(f"torch.save: cannot save a NumPy array of dtype {arr.dtype}; only bool, integer, float and "
                            "complex arrays can be saved")
        arr = np.asarray(arr, dtype=_NP_BY_NAME[name], order="C")   # (ascontiguousarray makes 0-d 1-d)
        self.arrays.append(arr)
        return len(self.arrays) - 1

    def encode(self, obj: Any) -> Any:
        """obj as JSON-ready data: plain values as they are, everything else as a tagged dict."""
        kind = type(obj)
        if obj is None or kind is bool or kind is str:
            return obj
        if kind is int:
            return obj
        if kind is float:
            return obj if math.isfinite(obj) else {"float": repr(obj)}
        if kind is Tensor or isinstance(obj, Tensor):  # nn.Parameter too (marked in the entry)
            return self.tensor(obj)
        if kind is Size:
            return {"size": [int(n) for n in obj]}
        if isinstance(obj, D.dtype):
            return {"dtype": obj.name}
        if kind is device:
            return {"device": str(obj)}
        if kind is complex:
            return {"complex": [repr(obj.real), repr(obj.imag)]}
        if kind is np.ndarray:
            return {"ndarray": self.add_array(obj)}
        if isinstance(obj, np.generic) and obj.dtype.name in _NP_BY_NAME:
            return {"npscalar": self.add_array(np.asarray(obj))}
        if kind in (list, tuple, dict, collections.OrderedDict):
            if id(obj) in self.active:
                raise ValueError("torch.save: the object contains itself (a self-referencing container); "
                                 "it cannot be saved")
            self.active.add(id(obj))
            try:
                if kind is list:
                    return {"list": [self.encode(v) for v in obj]}
                if kind is tuple:
                    return {"tuple": [self.encode(v) for v in obj]}
                items = [[self.encode(k), self.encode(v)] for k, v in obj.items()]
                if kind is dict:
                    return {"dict": items}
                entry = {"odict": items}
                meta = getattr(obj, "_metadata", None)   # state_dict version info, as PyTorch keeps it
                if meta is not None:
                    entry["metadata"] = self.encode(meta)
                return entry
            finally:
                self.active.discard(id(obj))
        if isinstance(obj, (int, float, str)):   # subclasses (np.float64, IntEnum ...) as the builtin
            return self.encode(_builtin(obj))
        raise TypeError(f"torch.save: cannot save an object of type {kind.__module__}.{kind.__qualname__}; "
                        f"torchless saves only {_SUPPORTED} (save a model's state_dict(), not the model)")

    def tensor(self, t: Tensor) -> dict[str, Any]:
        """A tensor's entry (its array, requires_grad, whether a Parameter); a reference when seen before."""
        entry = self.tensor_ids.get(id(t))
        if entry is not None:
            return {"ref": entry["tensor"]}
        entry = {"tensor": self.add_array(t._data), "requires_grad": bool(t._rg)}
        if t._is_param:
            entry["param"] = True
        self.tensor_ids[id(t)] = entry
        self.keep.append(t)
        return entry


def _builtin(obj: Any) -> Any:
    """A subclass of bool/int/float/str as the builtin value."""
    for base in (bool, int, float, str):
        if isinstance(obj, base):
            return base(obj)
    return obj


def _save_legacy(obj: Any, f: str | os.PathLike[str] | BinaryIO) -> None:
    """Write obj in torchless's earlier format (JSON + raw arrays), which load() still reads."""
    enc = _Encoder()
    encoded = enc.encode(obj)
    arrays = enc.arrays
    header = json.dumps({
        "format": _FORMAT,
        "obj": encoded,
        "arrays": [[a.dtype.name, list(a.shape), a.nbytes, zlib.crc32(a.data if a.ndim else a.tobytes())]
                   for a in arrays],
    }, separators=(",", ":"), allow_nan=False).encode()

    def write(out: BinaryIO) -> None:
        out.write(MAGIC)
        out.write(_PREFIX.pack(len(header), zlib.crc32(header)))
        out.write(header)
        for a in arrays:
            if a.nbytes:
                out.write(a.data if a.ndim else a.tobytes())

    _write_to(f, write)


def _write_to(f: str | os.PathLike[str] | BinaryIO, write: Any) -> None:
    """Call write(stream) on f opened for binary writing (a path), or on f itself (a binary file object)."""
    if isinstance(f, (str, os.PathLike)):
        with open(f, "wb") as out:
            write(out)
    elif hasattr(f, "write"):
        if isinstance(f, io.TextIOBase):
            raise TypeError("torch.save: the file object must be opened in binary mode ('wb'), not text mode")
        write(f)
    else:
        raise TypeError(f"torch.save: f must be a path (str or os.PathLike) or a binary file object, "
                        f"got {type(f).__name__}")


def _archive_name(f: Any) -> str:
    """The folder a checkpoint's entries lie in: the file's stem for a path (as PyTorch names it),
    'archive' for a stream."""
    if isinstance(f, (str, os.PathLike)):
        stem = os.path.splitext(os.path.basename(os.fspath(f)))[0]
        if stem and re.fullmatch(r"[A-Za-z0-9_.\-]+", stem) and not stem.startswith("."):
            return stem
    return "archive"


def save(obj: Any, f: str | os.PathLike[str] | BinaryIO, pickle_module: Any = None, pickle_protocol: int = 2,
         _use_new_zipfile_serialization: bool = True, _disable_byteorder_record: bool = False) -> None:
    """save(obj, f) -> None: write obj to a file in PyTorch's checkpoint format (a zip archive).

    obj: anything picklable, as in PyTorch. Tensors (and nn.Parameters), numbers, strings, bytes,
    None, torch.Size, dtypes, devices, and lists, tuples, dicts, OrderedDicts and sets of them (a
    state_dict, an optimizer's state_dict, a checkpoint dict) make a file that torch.load reads with
    weights_only=True, here and in real PyTorch, with the same keys, dtypes, values and strides;
    tensors that share memory (a view and its base, tied weights) are written once and share again
    after loading. Any other object is pickled by its __reduce_ex__ as PyTorch pickles it: a whole
    nn.Module, optimizer or scheduler is written under PyTorch's class names
    (torch.nn.modules.linear.Linear) with PyTorch's attribute layout, so real PyTorch's
    torch.load(f, weights_only=False) returns its own working module, and torchless's returns
    torchless's; your own classes are named by reference (module and name), as pickle names them.
    f: a path or a binary file object. _use_new_zipfile_serialization=False writes PyTorch's legacy
    format (before 1.6) instead. pickle_module and pickle_protocol are accepted for compatibility and
    unused (the pickle is written by torchless, protocol 2, as PyTorch writes it). In the zip format,
    storages of 1 MiB and more have their CRC-32 computed on a helper thread while they are written
    (f seekable, not opened for appending)."""
    if TF.SKIP_DATA and not _use_new_zipfile_serialization:
        raise RuntimeError("Cannot use skip_data=True with _use_new_zipfile_serialization=False")
    # the pickle is built before the file is opened, so an object that cannot be saved leaves no file
    writer = TF.PickleWriter()
    writer.legacy = not _use_new_zipfile_serialization
    try:
        writer.save(obj)
    except RecursionError:
        raise ValueError("torch.save: the object is nested too deeply to be saved") from None
    if TF.SKIP_DATA:                 # the records keep their sizes; their bytes are zeros
        for st in writer.storages:
            st.flat = np.zeros(st.flat.size, dtype=st.flat.dtype)
    if writer.legacy:
        _write_to(f, lambda out: TF.write_legacy(writer, out))
        return
    archive = _archive_name(f)
    _write_to(f, lambda out: TF.write_archive(writer, out, archive))


# ============================================================================ load
def _read_exact(src: BinaryIO, n: int, what: str) -> bytes:
    """n bytes from src, or the 'truncated' error naming `what` was being read."""
    data = src.read(n)
    if data is None or len(data) != n:
        raise _corrupt(f"it ends inside the {what}")
    return data


def _not_ours(start: bytes) -> Exception:
    """The error for a file that is neither a zip checkpoint nor torchless's legacy format."""
    if start[:1] in _PICKLE_STARTS:
        return pickle.UnpicklingError(
            "torch.load: this file looks like a bare Python pickle of protocol 0 or 1 (a file of pickle.dump), not "
            "a checkpoint torch.save writes (a zip archive, or PyTorch's legacy format, which begins with a "
            "protocol-2 pickle); in PyTorch, load it and save it again with torch.save")
    if len(start) < len(MAGIC) and MAGIC.startswith(start):
        return _corrupt("it ends inside the file signature")
    return RuntimeError("torch.load: not a checkpoint (unknown file signature); PytorchStreamReader failed "
                        "reading zip archive: not a ZIP archive")


class _Decoder:
    def __init__(self, arrays: list[np.ndarray]) -> None:
        self.arrays = arrays
        self.tensors: dict[int, Tensor] = {}     # array index -> the Tensor made for it (shared references)

    def array(self, index: Any) -> np.ndarray:
        """The array at a (checked) index."""
        if type(index) is not int or not 0 <= index < len(self.arrays):
            raise _corrupt("an array reference is out of range")
        return self.arrays[index]

    def decode(self, e: Any) -> Any:
        """The object an encoded entry stands for (checking every part of it)."""
        if e is None or type(e) in (bool, int, float, str):
            return e
        if type(e) is not dict or len(e) == 0:
            raise _corrupt(f"unexpected entry of type {type(e).__name__}")
        if "tensor" in e:
            return self.tensor(e)
        if len(e) == 2 and "odict" in e and "metadata" in e:
            od = self.odict(e["odict"])
            setattr(od, "_metadata", self.decode(e["metadata"]))  # as state_dict() sets it
            return od
        if len(e) != 1:
            raise _corrupt("unexpected entry keys")
        (tag, v), = e.items()
        if tag == "list":
            return [self.decode(x) for x in self.seq(v)]
        if tag == "tuple":
            return tuple(self.decode(x) for x in self.seq(v))
        if tag == "dict":
            return {self.key(k): self.decode(x) for k, x in self.pairs(v)}
        if tag == "odict":
            return self.odict(v)
        if tag == "ref":
            if v not in self.tensors:
                raise _corrupt("a tensor reference points to no tensor")
            return self.tensors[v]
        if tag == "size":
            if not all(type(n) is int for n in self.seq(v)):
                raise _corrupt("bad torch.Size entry")
            return Size(v)
        if tag == "dtype":
            dt = getattr(D, str(v), None)
            if not isinstance(dt, D.dtype):
                raise _corrupt(f"unknown dtype {v!r}")
            return dt
        if tag == "device":
            return device(str(v))
        if tag == "float":
            if v not in ("nan", "inf", "-inf"):
                raise _corrupt("bad float entry")
            return float(v)
        if tag == "complex":
            re, im = self.seq(v)
            return complex(float(re), float(im))
        if tag == "ndarray":
            return self.array(v)
        if tag == "npscalar":
            return self.array(v)[()]
        raise _corrupt(f"unknown entry tag {tag!r}")

    def seq(self, v: Any) -> list[Any]:
        """v, checked to be a list."""
        if type(v) is not list:
            raise _corrupt("a container entry is not a list")
        return v

    def pairs(self, v: Any) -> Iterator[list[Any]]:
        """The [key, value] pairs of a dict entry, checked."""
        for kv in self.seq(v):
            if type(kv) is not list or len(kv) != 2:
                raise _corrupt("a dict entry is not a key/value pair")
            yield kv

    def key(self, k: Any) -> Any:
        """A decoded dict key, checked to be hashable."""
        key = self.decode(k)
        try:
            hash(key)
        except TypeError:
            raise _corrupt("a dict key is not hashable") from None
        return key

    def odict(self, v: Any) -> "collections.OrderedDict[Any, Any]":
        """An OrderedDict from its entry."""
        return collections.OrderedDict((self.key(k), self.decode(x)) for k, x in self.pairs(v))

    def tensor(self, e: dict[str, Any]) -> Tensor:
        """A tensor (or nn.Parameter) from its entry, sharing the loaded array."""
        index = e["tensor"]
        if index in self.tensors:
            raise _corrupt("an array is used by two tensors")
        t = _plain(self.array(index))
        if e.get("requires_grad"):
            if t._data.dtype.kind not in "fc":
                raise _corrupt("an integer tensor is marked requires_grad")
            t.requires_grad_(True)
        if e.get("param"):  # a saved nn.Parameter loads as one (sharing the loaded array)
            from .nn.parameter import Parameter
            t = Parameter(t, requires_grad=t._rg)
        self.tensors[index] = t
        return t


# JSON nesting the header may have: the parsers recurse once per level, and a program that raised the
# recursion limit (sys.setrecursionlimit(10**6)) would let a crafted file overflow the C stack, killing
# the interpreter. torch.save's own files nest two levels per container.
_MAX_DEPTH = 2000
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')


def _check_depth(header: bytes) -> None:
    """The 'corrupt' error for a header nested deeper than _MAX_DEPTH (strings left out of the count)."""
    if header.count(b"[") + header.count(b"{") <= _MAX_DEPTH:
        return
    codes = np.frombuffer(_JSON_STRING.sub(b'""', header), dtype=np.uint8)
    steps = (codes == ord("[")).astype(np.int64) + (codes == ord("{")) - (codes == ord("]")) - (codes == ord("}"))
    if steps.size and int(np.cumsum(steps).max()) > _MAX_DEPTH:
        raise _corrupt(f"the object is nested too deeply (more than {_MAX_DEPTH} levels)")


def _bytes_left(src: Any) -> int | None:
    """How many bytes follow the current position of `src`, or None where the stream cannot tell."""
    try:
        if not src.seekable():
            return None
        here = src.tell()
        end = src.seek(0, io.SEEK_END)
        src.seek(here)
        return int(end - here)
    except (AttributeError, OSError, ValueError):
        return None


def _load_from(src: Any) -> Any:
    """Read and check the whole file from a binary stream; the object it holds."""
    start = src.read(len(MAGIC))
    if start is None or start != MAGIC:
        if not start:
            raise _corrupt("the file is empty")
        raise _not_ours(start)
    header_len, header_crc = _PREFIX.unpack(_read_exact(src, _PREFIX.size, "header"))
    if header_len > _MAX_HEADER:
        raise _corrupt("the header length is impossible")
    header = _read_exact(src, header_len, "header")
    if zlib.crc32(header) != header_crc:
        raise _corrupt("the header checksum does not match")
    _check_depth(header)
    try:
        meta = json.loads(header.decode("utf-8"))
    except (ValueError, RecursionError):
        raise _corrupt("the header is not valid JSON") from None
    if type(meta) is not dict or meta.get("format") != _FORMAT or "obj" not in meta:
        raise _corrupt("unknown header layout")
    arrays = []
    specs = meta.get("arrays", ())
    left = _bytes_left(src)
    if left is not None and type(specs) is list:  # no allocation for data the file does not hold
        declared = sum(spec[2] for spec in specs if type(spec) is list and len(spec) == 4 and type(spec[2]) is int)
        if declared > left:
            raise _corrupt(f"its header declares {declared} bytes of tensor data, but only {left} follow")
    for spec in specs:
        if type(spec) is not list or len(spec) != 4:
            raise _corrupt("bad array description")
        name, shape, nbytes, crc = spec
        np_dtype = _NP_BY_NAME.get(name)
        if np_dtype is None or type(shape) is not list or not all(type(n) is int and n >= 0 for n in shape):
            raise _corrupt("bad array description")
        if nbytes != math.prod(shape) * np_dtype.itemsize:
            raise _corrupt("an array's byte count does not match its shape")
        try:
            arr = np.empty(shape, dtype=np_dtype)
        except (MemoryError, ValueError):  # (a stream whose length is unknown: the shape decides)
            raise _corrupt(f"an array of shape {shape} is too large to allocate") from None
        if nbytes:
            view = arr.reshape(-1).data.cast("B")
            got = src.readinto(view) if hasattr(src, "readinto") else None
            if got is None:
                data = _read_exact(src, nbytes, "tensor data")
                view[:] = data
                got = len(data)
            while 0 < got < nbytes:      # raw streams may return short reads
                more = src.readinto(view[got:])
                if not more:
                    break
                got += more
            if got != nbytes:
                raise _corrupt("it ends inside the tensor data")
            if zlib.crc32(view) != crc:
                raise _corrupt("a tensor's data checksum does not match")
        if np_dtype != np_dtype.newbyteorder("="):
            arr = arr.astype(np_dtype.newbyteorder("="))
        arrays.append(arr)
    try:
        return _Decoder(arrays).decode(meta["obj"])
    except RecursionError:
        raise _corrupt("the object is nested too deeply") from None
    except (ValueError, TypeError, KeyError) as e:
        raise _corrupt(f"bad entry: {e}") from None


def load(f: str | os.PathLike[str] | BinaryIO, map_location: Any = None, pickle_module: Any = None, *,
         weights_only: bool | None = None, mmap: bool | None = None, **pickle_load_args: Any) -> Any:
    """load(f, map_location=None, pickle_module=None, *, weights_only=True, mmap=None) -> object

    Read an object saved by torch.save: by torchless or by real PyTorch (its zip format, PyTorch
    1.6 and later, or its legacy format from before), or a file in torchless's earlier format.
    f: a path or a binary file object.

    weights_only=True (the default, as in PyTorch since 2.6) loads tensors, nn.Parameters,
    containers, numbers, strings, torch.Size, dtypes and devices (state_dicts, optimizer and
    scheduler state_dicts, checkpoint dicts), and the classes torch.serialization.add_safe_globals
    allowed, and runs no code from the file: any other global in it raises pickle.UnpicklingError
    naming that global. weights_only=False TRUSTS THE FILE: it unpickles anything, which can run
    arbitrary code, mapping torch.* classes to torchless's (so a whole pickled nn.Module of
    supported layers, an optimizer or a scheduler loads as torchless's); use it only for files from
    a trusted source.

    map_location: 'cpu', a torch.device, a dict {saved location: location} or a callable
    (storage, location) -> storage; everything loads onto the CPU (a file saved on a GPU needs
    map_location='cpu', as in PyTorch on a CPU-only machine). mmap=True memory-maps the storages
    (copy-on-write) instead of reading them; f must then be a path or a real file, and the
    storages' checksums are not verified. A truncated or corrupted archive raises RuntimeError."""
    if isinstance(map_location, (str, device)):
        require_cpu(map_location)
    if weights_only is None:
        weights_only = True
    if isinstance(f, (str, os.PathLike)):
        shared = mmap and TF.MMAP_FLAGS == getattr(_mmap_module, "MAP_SHARED", None)   # writes reach the file
        with open(f, "r+b" if shared else "rb") as src:
            return _load_stream(src, map_location, bool(weights_only), bool(mmap))
    if not hasattr(f, "read"):
        raise TypeError(f"torch.load: f must be a path (str or os.PathLike) or a binary file object, "
                        f"got {type(f).__name__}")
    if isinstance(f, io.TextIOBase):
        raise TypeError("torch.load: the file object must be opened in binary mode ('rb'), not text mode")
    return _load_stream(f, map_location, bool(weights_only), bool(mmap))


def _load_stream(f: Any, map_location: Any, weights_only: bool, mmap: bool) -> Any:
    """The object in a binary stream, in whichever format the first bytes announce."""
    left = _bytes_left(f)
    if left is None:                 # a pipe or socket: zip reading needs to seek, so read it all (only what it holds)
        start = f.read(len(MAGIC))
        if start is not None and start == MAGIC:
            return _load_from(_Prefixed(start, f))
        rest = f.read() if start else b""
        f = io.BytesIO((start or b"") + (rest or b""))
        left = len(f.getvalue())
        mmap = False
    here = f.tell()
    start = f.read(len(MAGIC))
    f.seek(here)
    if start is None or not start:
        raise _corrupt("the file is empty")
    if start == MAGIC:
        return _load_from(f)
    if start.startswith(b"PK\x03\x04"):
        mapped = TF.open_mmap(f) if mmap else None
        return TF.read_checkpoint(f, left, map_location, weights_only, mapped)
    if start[:1] == b"\x80":         # a pickle: PyTorch's legacy format (before 1.6) begins with one
        if mmap:
            raise RuntimeError("mmap can only be used with files saved with `torch.save(_use_new_zipfile_serialization="
                               "True)`, please torch.save your checkpoint with this option in order to use mmap.")
        return TF.read_legacy(f, left, map_location, weights_only)
    raise _not_ours(start)


class _Prefixed(io.RawIOBase):
    """A stream that first gives back bytes already read from another, then the rest of it."""

    def __init__(self, head: bytes, rest: Any) -> None:
        self._head = head
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, view: Any) -> int:
        if self._head:
            n = min(len(view), len(self._head))
            view[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._rest.read(len(view))
        if not data:
            return 0
        view[:len(data)] = data
        return len(data)


# ============================================================================ the allow-list, extended by the user
def add_safe_globals(safe_globals: list[Any]) -> None:
    """add_safe_globals(safe_globals) -> None

    Allow more globals in torch.load(weights_only=True): classes and functions you trust, given as
    the objects themselves (named "{obj.__module__}.{obj.__qualname__}" in the file, and torchless's
    own classes also under their PyTorch names, which the files use) or as (object, "module.name")
    pairs where the file names them otherwise. An allowed class may be instantiated and given its
    state by the file, so allow only classes whose construction cannot do harm."""
    TF.MARKED_SAFE.update(safe_globals)


def get_safe_globals() -> list[Any]:
    """get_safe_globals() -> list: the globals add_safe_globals allowed, as they were given."""
    return list(TF.MARKED_SAFE)


def clear_safe_globals() -> None:
    """clear_safe_globals() -> None: forget every global add_safe_globals allowed."""
    TF.MARKED_SAFE.clear()


class safe_globals:
    """safe_globals(safe_globals): a context manager allowing these globals (as add_safe_globals)
    inside its block; on leaving it they are no longer allowed (even if they were before, as in
    PyTorch)."""

    def __init__(self, safe_globals: list[Any]) -> None:
        self.safe_globals = safe_globals

    def __enter__(self) -> None:
        add_safe_globals(self.safe_globals)

    def __exit__(self, *exc: Any) -> None:
        TF.MARKED_SAFE.difference_update(self.safe_globals)


def get_unsafe_globals_in_checkpoint(f: str | os.PathLike[str] | BinaryIO) -> list[str]:
    """get_unsafe_globals_in_checkpoint(f) -> list[str]

    The globals ("module.name") the checkpoint f names that torch.load(weights_only=True) would
    refuse: neither allowed by default nor by add_safe_globals / safe_globals. The pickle is read
    statically (nothing in it runs), so globals a file builds while unpickling are not seen."""
    if isinstance(f, (str, os.PathLike)):
        with open(f, "rb") as src:
            return get_unsafe_globals_in_checkpoint(src)
    left = _bytes_left(f)
    if left is None:
        f = io.BytesIO(f.read())
        left = len(f.getvalue())
    here = f.tell()
    start = f.read(4)
    f.seek(here)
    if start != b"PK\x03\x04":
        raise ValueError("Expected input to be a checkpoint returned by torch.save")
    names = TF.globals_in_pickle(TF.ZipReader(f, left).read("data.pkl"))
    default = {f"{m}.{n}" for m, n in TF.default_globals()}
    safe = default | set(TF.user_globals())
    return [name for name in names if name not in safe]


def set_crc32_options(compute_crc32: bool) -> None:
    """set_crc32_options(compute_crc32) -> None

    Whether torch.save computes the CRC-32 checksum of each record (the default, True). Without
    them (False) saving is faster, a zip tool reports the records as damaged, and torch.load (here
    and in PyTorch) loads the file without checking it for corruption."""
    TF.COMPUTE_CRC32 = bool(compute_crc32)


def get_crc32_options() -> bool:
    """get_crc32_options() -> bool: whether torch.save computes CRC-32 checksums (set_crc32_options)."""
    return TF.COMPUTE_CRC32


# ============================================================================ the rest of torch.serialization's settings
class SourceChangeWarning(Warning):
    """PyTorch warns with it when a pickled module's class source changed since it was saved
    (torchless does not compare sources, so it never warns with it)."""


@contextlib.contextmanager
def mkdtemp() -> Iterator[str]:
    """mkdtemp(): a context manager giving a new temporary folder, removed with everything in it on leaving."""
    path = tempfile.mkdtemp()
    try:
        yield path
    finally:
        shutil.rmtree(path)


class LoadEndianness(enum.Enum):
    """The byte order torch.load assumes for a file without a byteorder record."""
    NATIVE = 1
    LITTLE = 2
    BIG = 3


def get_default_load_endianness() -> LoadEndianness | None:
    """get_default_load_endianness() -> LoadEndianness or None: the byte order assumed for files without
    a byteorder record (None: little-endian, as PyTorch assumes)."""
    return None if TF.LOAD_ENDIANNESS is None else LoadEndianness[TF.LOAD_ENDIANNESS.upper()]


def set_default_load_endianness(endianness: LoadEndianness | None) -> None:
    """set_default_load_endianness(endianness) -> None: the byte order to assume for files without a
    byteorder record (a LoadEndianness, or None for little-endian)."""
    if not isinstance(endianness, LoadEndianness) and endianness is not None:
        raise TypeError("Invalid argument type in function set_default_load_endianness")
    TF.LOAD_ENDIANNESS = None if endianness is None else endianness.name.lower()


def get_default_mmap_options() -> int | None:
    """get_default_mmap_options() -> int: the flags torch.load(mmap=True) maps files with
    (mmap.MAP_PRIVATE by default: writes to the tensors stay in memory)."""
    return TF.MMAP_FLAGS


class set_default_mmap_options:
    """set_default_mmap_options(flags): set the flags torch.load(mmap=True) maps files with, now (as a
    function) or for a with-block (as a context manager): mmap.MAP_PRIVATE (copy-on-write, the
    default) or mmap.MAP_SHARED (writes to the loaded tensors go to the file)."""

    def __init__(self, flags: int) -> None:
        allowed = (getattr(_mmap_module, "MAP_PRIVATE", None), getattr(_mmap_module, "MAP_SHARED", None))
        if flags not in allowed or flags is None:
            raise ValueError("Invalid argument in function set_default_mmap_options, expected mmap.MAP_PRIVATE or "
                             f"mmap.MAP_SHARED, but got {flags}")
        self.prev = TF.MMAP_FLAGS
        TF.MMAP_FLAGS = flags

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc: Any) -> None:
        TF.MMAP_FLAGS = self.prev


class skip_data:
    """skip_data(materialize_fake_tensors=False): a context manager in which torch.save writes every
    storage's record with its size but zeros for its bytes (to be filled by another pass), and
    torch.load builds every tensor without reading its bytes (they read as zeros here)."""

    def __init__(self, materialize_fake_tensors: bool = False) -> None:
        self.materialize_fake_tensors = materialize_fake_tensors

    def __enter__(self) -> None:
        self.prev = TF.SKIP_DATA
        TF.SKIP_DATA = True

    def __exit__(self, *exc: Any) -> None:
        TF.SKIP_DATA = self.prev


def location_tag(storage: Any) -> str:
    """location_tag(storage) -> str: where a tensor or storage lives, as torch.save records it ('cpu')."""
    where = getattr(storage, "device", None)
    if where is None or str(where) != "cpu":
        raise RuntimeError(f"don't know how to determine data location of {type(storage).__name__}")
    return "cpu"


def default_restore_location(storage: Any, location: str) -> Any:
    """default_restore_location(storage, location): the storage, placed where `location` says (the CPU:
    torchless has no other device; any other location raises PyTorch's CPU-only RuntimeError)."""
    kind = device(str(location)).type
    if kind != "cpu":
        raise RuntimeError(f"Attempting to deserialize object on a {kind.upper()} device but torchless runs on the CPU "
                           "only. If you are running on a CPU-only machine, please use torch.load with "
                           "map_location=torch.device('cpu') to map your storages to the CPU.")
    return storage
