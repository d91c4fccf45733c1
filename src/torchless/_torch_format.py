"""PyTorch's checkpoint format (the zip files torch.save writes since PyTorch 1.6), read and written
without PyTorch and without running code from the file.

A checkpoint is a zip archive whose entries all sit under one folder (``archive/`` for streams, the
file's stem for paths):

    data.pkl              the object, pickled (protocol 2); every tensor is a call of
                          torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad,
                          OrderedDict()) whose storage is a persistent id
                          ('storage', torch.FloatStorage, key, 'cpu', numel)
    .format_version       b'1'
    .storage_alignment    b'64': each storage's bytes start at a multiple of 64 in the file
    byteorder             b'little' (storages are raw elements in this byte order)
    data/<key>            one storage's raw bytes (numel * element size)
    version               b'3\\n'
    .data/serialization_id

Entries are stored (not compressed). Tensors that share memory (a view and its base) are written
with one storage, so they share again after loading. Objects other than tensors and plain data (a
whole nn.Module, an optimizer) are pickled as PyTorch pickles them, torchless's classes under the
names of their PyTorch twins (global_name), so real PyTorch unpickles them as its own.

The legacy format (torch.save before PyTorch 1.6, or with _use_new_zipfile_serialization=False) is
read and written too: a run of pickles followed by the raw storages (read_legacy, write_legacy).

Reading: the zip is checked entry by entry (names, local headers, sizes against the file's real
length, CRC-32 of everything read), and data.pkl is read by `RestrictedUnpickler`, an allow-list
unpickler like PyTorch's ``weights_only=True``: only containers, numbers, strings, torch.Size,
dtypes, devices, tensors, storages and nn.Parameter can be built; any other global raises
pickle.UnpicklingError naming it, and nothing from the file runs. ``weights_only=False`` uses
`TrustingUnpickler` instead, which maps ``torch.*`` classes onto torchless's and otherwise unpickles
as Python does (it runs whatever the file says: only for files you trust).
"""
from __future__ import annotations

import collections
import copyreg
import importlib
import io
import mmap as _mmap
import os
import pickle
import struct
import sys
import types
import zlib
from collections.abc import Callable
from typing import Any, BinaryIO

import numpy as np

from . import _dtype as D
from ._tensor import Tensor
from ._tensor._core import Size, _plain, device

# ============================================================================ dtypes and storages
# torch's legacy storage class (the name data.pkl uses) for each dtype torchless has
STORAGE_OF = {"float32": "FloatStorage", "float64": "DoubleStorage", "float16": "HalfStorage",
              "int64": "LongStorage", "int32": "IntStorage", "int16": "ShortStorage", "int8": "CharStorage",
              "uint8": "ByteStorage", "bool": "BoolStorage", "complex64": "ComplexFloatStorage",
              "complex128": "ComplexDoubleStorage"}
_DTYPE_OF_STORAGE = {v: k for k, v in STORAGE_OF.items()}
# storages and dtypes PyTorch has and torchless does not: named in the error
_FOREIGN_STORAGES = {"BFloat16Storage": "bfloat16", "QInt8Storage": "qint8", "QUInt8Storage": "quint8",
                     "QInt32Storage": "qint32", "QUInt4x2Storage": "quint4x2", "QUInt2x4Storage": "quint2x4",
                     "ComplexHalfStorage": "complex32"}
_FOREIGN_DTYPES = ("bfloat16", "complex32", "chalf", "uint16", "uint32", "uint64", "float8_e4m3fn",
                   "float8_e5m2", "float8_e4m3fnuz", "float8_e5m2fnuz", "float8_e8m0fnu", "qint8", "quint8",
                   "qint32", "quint4x2", "quint2x4", "bits8", "bits16", "bits1x8", "bits2x4", "bits4x2",
                   "int1", "int2", "int3", "int4", "int5", "int6", "int7", "uint1", "uint2", "uint3", "uint4",
                   "uint5", "uint6", "uint7", "float4_e2m1fn_x2", "half", "cfloat", "cdouble", "float",
                   "double", "long", "int", "short")
_DTYPE_ALIASES = {"half": "float16", "float": "float32", "double": "float64", "long": "int64", "int": "int32",
                  "short": "int16", "cfloat": "complex64", "cdouble": "complex128"}
_NP_LE = {name: np.dtype(name).newbyteorder("<") for name in STORAGE_OF}
ALIGNMENT = 64


class StorageType:
    """What a file's ``torch.FloatStorage`` (& co.) global becomes: the element dtype of a storage."""

    __slots__ = ("name", "dtype")

    def __init__(self, name: str, dtype: str | None) -> None:
        self.name = name
        self.dtype = dtype      # None: UntypedStorage (bytes)

    def __repr__(self) -> str:
        return f"torch.{self.name}"


_STORAGE_TYPES = {name: StorageType(name, dt) for name, dt in _DTYPE_OF_STORAGE.items()}
_UNTYPED = StorageType("UntypedStorage", None)


class TensorType:
    """What a file's torch.Tensor / torch.nn.Parameter global becomes: a name only (calling it is not
    allowed; it only tells _rebuild_from_type_v2 which type to rebuild)."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


_TYPE_TENSOR, _TYPE_PARAMETER = TensorType("torch.Tensor"), TensorType("torch.nn.Parameter")


def _ours(error: Exception) -> Exception:
    """Mark an error torch.load raises on purpose (the unpickler passes it on as it is)."""
    error.__dict__["torchless_load"] = True
    return error


def unpickling_error(message: str) -> pickle.UnpicklingError:
    """The error PyTorch gives for a file its weights-only unpickler refuses."""
    return pickle.UnpicklingError(
        "Weights only load failed. " + message + "\ntorchless's torch.load(weights_only=True) builds only "
        "tensors, nn.Parameters, containers, numbers, strings, torch.Size, dtypes and devices, and runs no "
        "code from the file. Re-running torch.load with weights_only=False will likely succeed, but it can "
        "result in arbitrary code execution: do it only if you got the file from a trusted source.")


def corrupt(detail: str) -> RuntimeError:
    """The error for a zip archive that is not a well-formed checkpoint (PyTorch's type: RuntimeError)."""
    error = RuntimeError(f"torch.load: the file is truncated or corrupt ({detail}); PytorchStreamReader failed "
                         "reading zip archive. Save it again with torch.save")
    _ours(error)
    return error


# ============================================================================ writing: the pickle
_EMPTY_DICT, _EMPTY_LIST, _EMPTY_TUPLE, _MARK = b"}", b"]", b")", b"("
_SETITEMS, _APPENDS, _TUPLE, _REDUCE, _BUILD, _BINPERSID = b"u", b"e", b"t", b"R", b"b", b"Q"
_TUPLES = (b")", b"\x85", b"\x86", b"\x87")
_NONE, _TRUE, _FALSE, _STOP = b"N", b"\x88", b"\x89", b"."
_NEWOBJ, _POP = b"\x81", b"0"
_NEWOBJ_FUNC = getattr(copyreg, "__newobj__")   # what object.__reduce_ex__(2) names for cls.__new__(cls, *args)
_GLOBAL_KINDS = (type, types.FunctionType)     # named as globals (C functions and methods: by their __reduce__)


# torchless's nn classes whose PyTorch twin lives in another module of torch.nn.modules (torchless
# groups some layers differently); every other torchless.X.Y name is torch.X.Y
_TORCH_NN_HOMES = {
    "batchnorm": ("BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "LazyBatchNorm1d", "LazyBatchNorm2d",
                  "LazyBatchNorm3d", "SyncBatchNorm"),
    "instancenorm": ("InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d", "LazyInstanceNorm1d",
                     "LazyInstanceNorm2d", "LazyInstanceNorm3d"),
    "dropout": ("Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout"),
    "linear": ("Identity", "Linear", "Bilinear", "LazyLinear", "NonDynamicallyQuantizableLinear"),
    "loss": ("CTCLoss", "LinearCrossEntropyLoss"),
    "linear_cross_entropy_options": ("LinearCrossEntropyOptions",),
    "channelshuffle": ("ChannelShuffle",),
    "distance": ("CosineSimilarity", "PairwiseDistance"),
    "fold": ("Fold", "Unfold"),
    "pooling": ("FractionalMaxPool2d", "FractionalMaxPool3d"),
    "upsampling": ("Upsample", "UpsamplingBilinear2d", "UpsamplingNearest2d"),
}
_TORCH_INDEX: dict[int, tuple[str, str]] = {}        # id(torchless object) -> (torch module, name)
_FROM_TORCH: dict[tuple[str, str], Any] = {}         # (torch module, name) -> torchless object


def _torch_index() -> dict[int, tuple[str, str]]:
    """The PyTorch name of each public class and function of torchless.nn, nn.functional, optim and
    optim.lr_scheduler (built on first use)."""
    if _TORCH_INDEX:
        return _TORCH_INDEX
    from . import nn, optim
    from .nn import functional
    from .optim import lr_scheduler
    from .nn.modules import transformer
    homes = {name: "torch.nn.modules." + home for home, names in _TORCH_NN_HOMES.items() for name in names}
    spaces = ((functional, "torch.nn.functional"), (nn, None), (optim, None), (lr_scheduler, None))
    for space, fixed in spaces + ((transformer, None),):      # (MultiheadAttention's out_proj class)
        for name, obj in vars(space).items():
            if (name.startswith("_") or not isinstance(obj, _GLOBAL_KINDS) or id(obj) in _TORCH_INDEX
                    or fixed is not None and isinstance(obj, type)):     # (F's functions, not its classes)
                continue
            module = getattr(obj, "__module__", None) or ""
            own = getattr(obj, "__name__", None)
            if not module.startswith("torchless.") or own != name and (
                    fixed is None or getattr(space, str(own), None) is obj):   # (F's aliases of other objects kept)
                continue
            if fixed is not None:             # F.relu & co: torch.nn.functional.relu
                torch_module = fixed
            elif module.startswith("torchless.nn.modules.") and name in homes:
                torch_module = homes[name]
            else:
                torch_module = "torch" + module[len("torchless"):]
            _TORCH_INDEX[id(obj)] = (torch_module, name)
            _FROM_TORCH[(torch_module, name)] = obj
    return _TORCH_INDEX


def from_torch_name(module: str, name: str) -> Any:
    """The torchless object written under PyTorch's name module.name by torch.save, or None."""
    _torch_index()
    found = _FROM_TORCH.get((module, name))
    if found is None and module == "torch.nn.functional" and not name.startswith("_"):
        from .nn import functional
        found = getattr(functional, name, None)
    return found


def global_name(obj: Any, given: tuple[str, str] | None = None) -> tuple[str, str]:
    """How a pickle names the class or function obj: (module, qualified name), checked to lead back to
    obj as pickle checks it; torchless's public classes and functions by their PyTorch twins' names
    (torchless.nn.modules.linear.Linear is torch.nn.modules.linear.Linear), so real PyTorch loads the
    file as its own objects."""
    known = _torch_index().get(id(obj))
    if known is not None:
        return known
    from .nn import functional
    fname = getattr(obj, "__name__", None)
    if (isinstance(fname, str) and not isinstance(obj, type) and not fname.startswith("_")
            and getattr(functional, fname, None) is obj):    # an F function wrapped after the index was built
        return "torch.nn.functional", fname
    if given is None:
        name = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
        module = getattr(obj, "__module__", None)
        if module is None and isinstance(name, str):
            module = getattr(pickle, "whichmodule")(obj, name)
    else:
        module, name = given
    if isinstance(name, str) and "<locals>" in name:     # (pickle's own error and type)
        raise AttributeError(f"Can't pickle local object {name!r} (torch.save pickles classes and functions by "
                             "name: define it at the top level of a module)")
    if not isinstance(name, str) or not isinstance(module, str):
        raise pickle.PicklingError(f"Can't pickle {obj!r}: it has no importable name")
    try:
        target: Any = importlib.import_module(module)
        for part in name.split("."):
            target = getattr(target, part)
    except (ImportError, AttributeError):
        target = None
    if target is not obj:
        raise pickle.PicklingError(f"Can't pickle {obj!r}: attribute lookup {name} on {module} failed (torch.save "
                                   "pickles classes and functions by name: define it at the top level of a module)")
    if "." in name:
        raise pickle.PicklingError(f"Can't pickle {obj!r}: a nested class or function ({module}.{name}) cannot "
                                   "be named by pickle protocol 2; define it at the top level of its module")
    if module == "torchless" or module.startswith("torchless."):
        top = sys.modules.get("torchless")
        if getattr(top, name, None) is obj:        # a torch.<function> (torch.tanh ...)
            return "torch", name
        return "torch" + module[len("torchless"):], name
    return module, name


def _encode_long(x: int) -> bytes:
    """x as pickle's LONG1/LONG4 payload: little-endian two's complement, as short as possible."""
    if x == 0:
        return b""
    n = (x.bit_length() >> 3) + 1
    out = x.to_bytes(n, "little", signed=True)
    if x < 0 and n > 1 and out[-1] == 0xFF and out[-2] & 0x80:
        out = out[:-1]
    return out


class _Storage:
    """One storage to write: its key, its flat little-endian array, its dtype name."""

    __slots__ = ("key", "flat", "dtype")

    def __init__(self, key: str, flat: np.ndarray, dtype: str) -> None:
        self.key, self.flat, self.dtype = key, flat, dtype


_SUPPORTED = ("tensors (and nn.Parameters), lists, tuples, dicts, OrderedDicts, sets, str, bytes, int, float, "
              "complex, bool, None, torch.Size, torch.dtype and torch.device")


class PickleWriter:
    """Writes an object as protocol-2 pickle opcodes the way torch.save does: tensors become
    torch._utils._rebuild_tensor_v2 calls over persistent storage ids; tensors sharing memory share
    one storage (a tensor viewing memory as another dtype, e.g. a complex tensor's .real, is written
    as a copy of its own, where PyTorch refuses to save the pair). Containers, numbers, strings,
    Size, dtypes and devices are written directly (what PyTorch's weights-only loader accepts); any
    other object by its __reduce_ex__ (reduce_), its classes named as PyTorch's (global_name)."""

    def __init__(self) -> None:
        self.out = bytearray(b"\x80\x02")
        self.memo: dict[Any, int] = {}       # id(obj) or a global's name -> memo index
        self.keep: list[Any] = []            # objects whose id is in memo, kept alive
        self.storages: list[_Storage] = []
        self.storage_of: dict[tuple[int, str], tuple[_Storage, np.ndarray]] = {}  # (id(root), dtype) ->
        self.tuples: set[int] = set()       # tuples being written (a tuple cannot contain itself)
        self.legacy = False                 # storage ids as the legacy format writes them (a sixth item, None)

    # ------------------------------------------------------------------ memo
    def put(self, key: Any, obj: Any) -> None:
        """Remember the object just written under `key`."""
        i = len(self.memo)
        self.memo[key] = i
        self.keep.append(obj)
        self.out += b"q" + bytes((i,)) if i < 256 else b"r" + struct.pack("<I", i)

    def get(self, key: Any) -> bool:
        """Write a reference to an object written before; False if it was not."""
        i = self.memo.get(key)
        if i is None:
            return False
        self.out += b"h" + bytes((i,)) if i < 256 else b"j" + struct.pack("<I", i)
        return True

    def global_(self, module: str, name: str) -> None:
        """Write the global module.name (once; later as a memo reference)."""
        key = module + " " + name
        if not self.get(key):
            self.out += b"c" + module.encode() + b"\n" + name.encode() + b"\n"
            self.put(key, key)

    # ------------------------------------------------------------------ values
    def save(self, obj: Any) -> None:
        """Append obj's opcodes."""
        kind = type(obj)
        out = self.out
        if obj is None:
            out += _NONE
        elif kind is bool:
            out += _TRUE if obj else _FALSE
        elif kind is int:
            self.int_(obj)
        elif kind is float:
            out += b"G" + struct.pack(">d", obj)
        elif kind is str:
            self.str_(obj)
        elif kind is Tensor or isinstance(obj, Tensor):
            self.tensor(obj)
        elif kind is tuple or kind is Size:
            self.tuple_(obj)
        elif kind is list:
            if self.get(id(obj)):
                return
            out += _EMPTY_LIST
            self.put(id(obj), obj)
            self.batch(obj, _APPENDS)
        elif kind is dict or kind is collections.OrderedDict:
            self.dict_(obj)
        elif isinstance(obj, D.dtype):
            self.global_("torch", obj.name)
        elif kind is device:
            self.global_("torch", "device")
            self.str_(str(obj))
            out += b"\x85" + _REDUCE
        elif kind is complex:
            self.global_("builtins", "complex")
            out += b"G" + struct.pack(">d", obj.real) + b"G" + struct.pack(">d", obj.imag) + b"\x86" + _REDUCE
        elif kind is bytes:
            self.global_("_codecs", "encode")
            self.str_(obj.decode("latin1"))
            self.str_("latin1")
            out += b"\x86" + _REDUCE
        elif kind is set or kind is frozenset:
            self.global_("builtins", kind.__name__)
            out += _EMPTY_LIST
            self.batch(list(obj), _APPENDS)
            out += b"\x85" + _REDUCE
        elif isinstance(obj, (bool, int, float, str)):   # subclasses (np.float64, IntEnum ...) as the builtin
            for base in (bool, int, float, str):
                if isinstance(obj, base):
                    self.save(base(obj))
                    return
        elif isinstance(obj, _GLOBAL_KINDS):
            self.global_(*global_name(obj))
        else:
            self.reduce_(obj)

    def reduce_(self, obj: Any) -> None:
        """Any other object as pickle writes it (PyTorch pickles whatever torch.save is given): by its
        __reduce_ex__(2), a NEWOBJ of its class for copyreg.__newobj__ reductions (a Module, an
        optimizer, any plain class), a REDUCE otherwise, then its items and its state. Classes and
        functions are named by global_name, so torchless's own are written as PyTorch's twins. A file
        holding such objects loads only with weights_only=False (or with their classes allowed)."""
        if self.get(id(obj)):
            return
        reduce = copyreg.dispatch_table.get(type(obj))
        rv = reduce(obj) if reduce is not None else obj.__reduce_ex__(2)
        if isinstance(rv, str):
            module = getattr(obj, "__module__", None) or getattr(pickle, "whichmodule")(obj, rv)
            self.global_(*global_name(obj, (module, rv)))
            return
        if type(rv) is not tuple or not 2 <= len(rv) <= 6:
            raise pickle.PicklingError(f"torch.save: {type(obj).__name__}.__reduce__ must return a string or a "
                                       "tuple of 2 to 6 items")
        func, args, state, listitems, dictitems, setter = rv + (None,) * (6 - len(rv))
        torch_state = getattr(type(obj), "_torch_pickle_state", None)
        if torch_state is not None and state is not None:     # an nn.Module: its attributes in PyTorch's layout
            state = torch_state(obj)
        if type(args) is not tuple:
            raise pickle.PicklingError(f"torch.save: the arguments {type(obj).__name__}.__reduce__ gives must be "
                                       "a tuple")
        if func is _NEWOBJ_FUNC:
            if not args or not isinstance(args[0], type):
                raise pickle.PicklingError("torch.save: copyreg.__newobj__ needs a class as its first argument")
            self.save(args[0])
            self.save(args[1:])
            self.out += _NEWOBJ
        else:
            self.save(func)
            self.save(args)
            self.out += _REDUCE
        if id(obj) in self.memo:       # its arguments held it: drop this copy, keep the one they built
            self.out += _POP
            self.get(id(obj))
        else:
            self.put(id(obj), obj)
        if listitems is not None:
            self.batch(listitems, _APPENDS)
        if dictitems is not None:
            self.out += _MARK
            for k, v in dictitems:
                self.save(k)
                self.save(v)
            self.out += _SETITEMS
        if state is not None:
            if setter is None:
                self.save(state)
                self.out += _BUILD
            else:
                self.save(setter)
                self.save((obj, state))
                self.out += _REDUCE + _POP

    def int_(self, x: int) -> None:
        """An int as BININT1/BININT2/BININT or LONG1/LONG4."""
        if 0 <= x < 256:
            self.out += b"K" + bytes((x,))
        elif 0 <= x < 65536:
            self.out += b"M" + struct.pack("<H", x)
        elif -0x80000000 <= x < 0x80000000:
            self.out += b"J" + struct.pack("<i", x)
        else:
            data = _encode_long(x)
            self.out += (b"\x8a" + bytes((len(data),)) if len(data) < 256 else b"\x8b" + struct.pack("<i", len(data)))
            self.out += data

    def str_(self, s: str) -> None:
        """A str as BINUNICODE (UTF-8; lone surrogates kept, as pickle keeps them)."""
        data = s.encode("utf-8", "surrogatepass")
        self.out += b"X" + struct.pack("<I", len(data)) + data

    def batch(self, items: Any, op: bytes) -> None:
        """MARK items op (APPENDS of a list's items; SETITEMS of flattened key/value pairs)."""
        self.out += _MARK
        for item in items:
            self.save(item)
        self.out += op

    def tuple_(self, t: tuple[Any, ...]) -> None:
        """A tuple (a torch.Size as torch.Size(tuple))."""
        if type(t) is Size:
            self.global_("torch", "Size")
            self.tuple_(tuple(int(n) for n in t))
            self.out += b"\x85" + _REDUCE
            return
        if id(t) in self.tuples:
            raise ValueError("torch.save: the object contains itself through a tuple; it cannot be saved")
        if len(t) <= 3:
            self.tuples.add(id(t))
            try:
                for item in t:
                    self.save(item)
            finally:
                self.tuples.discard(id(t))
            self.out += _TUPLES[len(t)]
            return
        self.tuples.add(id(t))
        try:
            self.out += _MARK
            for item in t:
                self.save(item)
            self.out += _TUPLE
        finally:
            self.tuples.discard(id(t))

    def dict_(self, d: dict[Any, Any]) -> None:
        """A dict, or an OrderedDict (with a state_dict's _metadata as PyTorch writes it)."""
        if self.get(id(d)):
            return
        ordered = type(d) is collections.OrderedDict
        if ordered:
            self.global_("collections", "OrderedDict")
            self.out += _EMPTY_TUPLE + _REDUCE
        else:
            self.out += _EMPTY_DICT
        self.put(id(d), d)
        if d:
            self.out += _MARK
            for k, v in d.items():
                self.save(k)
                self.save(v)
            self.out += _SETITEMS
        meta = getattr(d, "_metadata", None) if ordered else None
        if meta is not None:
            self.out += _EMPTY_DICT
            self.str_("_metadata")
            self.save(meta)
            self.out += b"s" + _BUILD

    # ------------------------------------------------------------------ tensors
    def storage(self, arr: np.ndarray) -> tuple[_Storage, int, tuple[int, ...]]:
        """The storage holding arr's elements (shared with other tensors over the same memory), arr's
        offset into it and its strides, in elements."""
        name = arr.dtype.name
        if name not in STORAGE_OF:
            raise TypeError(f"torch.save: cannot save a tensor of NumPy dtype {arr.dtype}")
        root = arr
        while isinstance(root.base, np.ndarray):
            root = root.base
        item = arr.itemsize
        if (root.dtype == arr.dtype and root.dtype.isnative and root.flags.c_contiguous and arr.dtype.byteorder in "=|<"
                and sys.byteorder == "little"):
            start = arr.__array_interface__["data"][0] - root.__array_interface__["data"][0]
            if start % item == 0 and all(s >= 0 and s % item == 0 for s in arr.strides):
                entry = self.storage_of.get((id(root), name))
                if entry is None:
                    st = _Storage(str(len(self.storages)), root.reshape(-1), name)
                    self.storages.append(st)
                    self.storage_of[(id(root), name)] = (st, root)
                else:
                    st = entry[0]
                return st, start // item, tuple(s // item for s in arr.strides)
        flat = np.ascontiguousarray(arr, dtype=_NP_LE[name]).reshape(-1)
        st = _Storage(str(len(self.storages)), flat, name)
        self.storages.append(st)
        self.keep.append(flat)
        steps, step = [], 1
        for n in reversed(arr.shape):
            steps.append(step)
            step *= max(n, 1)
        return st, 0, tuple(reversed(steps))

    def tensor(self, t: Tensor) -> None:
        """A tensor as _rebuild_tensor_v2(...); an nn.Parameter as _rebuild_parameter(tensor, ...)."""
        if self.get(id(t)):
            return
        param = t._is_param
        if param:
            self.global_("torch._utils", "_rebuild_parameter")
            self.out += _MARK
        arr = t._data
        st, offset, strides = self.storage(arr)
        if arr.flags.c_contiguous and arr.ndim:  # PyTorch's strides for a contiguous layout
            strides = tuple(t.stride())
        self.global_("torch._utils", "_rebuild_tensor_v2")
        self.out += _MARK + _MARK
        self.str_("storage")
        self.global_("torch", STORAGE_OF[st.dtype])
        self.str_(st.key)
        self.str_("cpu")
        self.int_(st.flat.size)
        if self.legacy:
            self.out += _NONE
        self.out += _TUPLE + _BINPERSID
        self.int_(offset)
        self.tuple_(tuple(arr.shape))
        self.tuple_(strides)
        self.out += (_TRUE if t._rg and not param else _FALSE)
        self.global_("collections", "OrderedDict")
        self.out += _EMPTY_TUPLE + _REDUCE + _TUPLE + _REDUCE
        if param:
            self.out += _TRUE if t._rg else _FALSE
            self.global_("collections", "OrderedDict")
            self.out += _EMPTY_TUPLE + _REDUCE + _TUPLE + _REDUCE
        self.put(id(t), t)


# ============================================================================ writing: the zip
COMPUTE_CRC32 = True          # torch.serialization.set_crc32_options
SKIP_DATA = False             # torch.serialization.skip_data: storages' bytes neither written nor read
LOAD_ENDIANNESS: str | None = None   # set_default_load_endianness: "little", "big", "native" or None (little)
MMAP_FLAGS: int | None = getattr(_mmap, "MAP_PRIVATE", None)   # set_default_mmap_options
_DOS_DATE, _DOS_TIME = (0 << 9) | (1 << 5) | 1, 0     # 1980-01-01 00:00, as PyTorch writes
_MAX32 = 0xFFFFFFFF
ZIP64_AT = _MAX32             # sizes and offsets from here on are written in zip64 fields (4 GiB)
_CRC_FIELD = 14               # the CRC-32's offset in a local file header
# Entries from this size on have their CRC-32 computed on a second thread while the data is written:
# zlib.crc32 and the file's write both release the GIL, so on two cores saving costs about the write
# alone (a 100 MB state_dict: the CRC-32 is 14 ms, the write 19 ms). Below it a thread is not worth
# its hand-off.
_CRC_THREAD_BYTES = 1 << 20


class _CrcThread:
    """One background thread computing zlib.crc32 of the buffers handed to it, one at a time."""

    def __init__(self) -> None:
        import queue
        import threading
        self.jobs: Any = queue.SimpleQueue()
        self.results: Any = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._run, name="torchless-save-crc32", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while True:
            view = self.jobs.get()
            if view is None:
                return
            try:
                self.results.put(zlib.crc32(view))
            except BaseException as error:  # handed back to the writer, raised there
                self.results.put(error)

    def start(self, view: memoryview) -> None:
        self.jobs.put(view)

    def result(self) -> int:
        value = self.results.get()
        if isinstance(value, BaseException):
            raise value
        return int(value)

    def stop(self) -> None:
        self.jobs.put(None)
        self.thread.join()


class ZipWriter:
    """A minimal zip writer for checkpoints: stored entries, each one's data aligned to 64 bytes
    (as PyTorch aligns them, so storages can be memory-mapped), zip64 where sizes need it, and
    nothing but sequential writes (it works on pipes)."""

    def __init__(self, out: BinaryIO) -> None:
        self.f = out
        self.pos = 0
        self.entries: list[tuple[bytes, int, int, int]] = []    # (name, crc, size, header offset)
        self.crcs: _CrcThread | None = None
        self.seekable = True

    def write(self, name: str, data: Any, crc: int | None = None) -> None:
        """Add one entry holding `data` (any contiguous buffer; `crc`: its CRC-32 if known). A large
        entry's CRC-32 is computed on the background thread while its data is written, then written
        into its header (seekable files only; see _CrcThread)."""
        view = memoryview(data).cast("B") if not isinstance(data, bytes) else memoryview(data)
        size = view.nbytes
        later = False
        if not COMPUTE_CRC32:
            crc = 0
        elif crc is None:
            later = size >= _CRC_THREAD_BYTES and self._crc_thread() is not None
            crc = 0 if later else zlib.crc32(view)
        raw = name.encode()
        zip64 = size >= ZIP64_AT
        extra = struct.pack("<HHQQ", 1, 16, size, size) if zip64 else b""
        start = self.pos + 30 + len(raw) + len(extra) + 4
        extra += struct.pack("<HH", 0x4246, (-start) % ALIGNMENT) + bytes((-start) % ALIGNMENT)
        header = struct.pack("<IHHHHHIIIHH", 0x04034B50, 45 if zip64 else 20, 0, 0, _DOS_TIME, _DOS_DATE, crc,
                             _MAX32 if zip64 else size, _MAX32 if zip64 else size, len(raw), len(extra))
        if later:
            assert self.crcs is not None
            self.crcs.start(view)
            header_at = self.f.tell()
        self.f.write(header + raw + extra)
        if size:
            self.f.write(view)
        if later:
            assert self.crcs is not None
            crc = self.crcs.result()
            end = self.f.tell()
            self.f.seek(header_at + _CRC_FIELD)
            self.f.write(struct.pack("<I", crc))
            self.f.seek(end)
        self.entries.append((raw, crc, size, self.pos))
        self.pos += len(header) + len(raw) + len(extra) + size

    def _crc_thread(self) -> _CrcThread | None:
        """The writer's CRC thread, started on first use; None where the file cannot seek back to
        a header (a pipe), or no thread can be started."""
        if self.crcs is None and self.seekable:
            try:
                # (a file opened for appending writes at its end whatever the seek)
                self.seekable = (bool(self.f.seekable()) and "a" not in str(getattr(self.f, "mode", ""))
                                 and self.f.tell() >= 0)
                if self.seekable:
                    self.crcs = _CrcThread()
            except (OSError, AttributeError, ValueError, RuntimeError):
                self.seekable = False
        return self.crcs

    def finish(self) -> None:
        """Stop the CRC thread (if one was started)."""
        if self.crcs is not None:
            self.crcs.stop()
            self.crcs = None

    def close(self) -> None:
        """Write the central directory and its end records (zip64 ones where counts or offsets need them)."""
        cd_start = self.pos
        parts = []
        for raw, crc, size, offset in self.entries:
            big = [v for v in (size, size) if v >= ZIP64_AT] + ([offset] if offset >= ZIP64_AT else [])
            extra = struct.pack("<HH", 1, 8 * len(big)) + struct.pack(f"<{len(big)}Q", *big) if big else b""
            small_size = _MAX32 if size >= ZIP64_AT else size
            parts.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45 if big else 20, 45 if big else 20, 0, 0,
                                     _DOS_TIME, _DOS_DATE, crc, small_size, small_size, len(raw), len(extra), 0, 0,
                                     0, 0, _MAX32 if offset >= ZIP64_AT else offset) + raw + extra)
        cd = b"".join(parts)
        n = len(self.entries)
        tail = b""
        zip64 = n >= 0xFFFF or cd_start >= ZIP64_AT or len(cd) >= ZIP64_AT
        if zip64:
            z64 = cd_start + len(cd)
            tail += struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, n, n, len(cd), cd_start)
            tail += struct.pack("<IIQI", 0x07064B50, 0, z64, 1)
        tail += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF if zip64 else n, 0xFFFF if zip64 else n,
                            _MAX32 if zip64 else len(cd), _MAX32 if zip64 else cd_start, 0)
        self.f.write(cd + tail)
        self.pos += len(cd) + len(tail)


def write_archive(writer: PickleWriter, out: BinaryIO, archive: str = "archive") -> None:
    """Write the object `writer` pickled (and its storages) to the binary stream `out` as PyTorch's
    zip checkpoint, its entries in the folder `archive`."""
    writer.out += _STOP
    z = ZipWriter(out)
    try:
        z.write(archive + "/data.pkl", bytes(writer.out))
        z.write(archive + "/.format_version", b"1")
        z.write(archive + "/.storage_alignment", b"64")
        z.write(archive + "/byteorder", b"little")
        for st in writer.storages:
            z.write(f"{archive}/data/{st.key}", st.flat.view(np.uint8) if st.flat.size else b"")
        z.write(archive + "/version", b"3\n")
        z.write(archive + "/.data/serialization_id",
                str(int.from_bytes(os.urandom(16), "little")).zfill(40)[:40].encode())
        z.close()
    finally:
        z.finish()


def write_legacy(writer: PickleWriter, out: BinaryIO) -> None:
    """Write the object `writer` pickled (with legacy=True) in PyTorch's legacy format (torch.save's
    _use_new_zipfile_serialization=False): the magic number, the protocol version and the system
    facts, the object, its storage keys (sorted), then each storage's element count and bytes."""
    writer.out += _STOP
    info = {"protocol_version": LEGACY_PROTOCOL, "little_endian": True, "type_sizes": {"short": 2, "int": 4, "long": 4}}
    storages = sorted(writer.storages, key=lambda st: st.key)
    for head in (LEGACY_MAGIC, LEGACY_PROTOCOL, info):
        out.write(pickle.dumps(head, protocol=2))
    out.write(bytes(writer.out))
    out.write(pickle.dumps([st.key for st in storages], protocol=2))
    for st in storages:
        out.write(struct.pack("<q", st.flat.size))
        if st.flat.size:
            out.write(st.flat.view(np.uint8).data)


# ============================================================================ reading: the zip
def mapped_storage(map_location: Any, arr: np.ndarray, location: str) -> np.ndarray:
    """A loaded storage after a callable map_location(storage, location) (other kinds of
    map_location are applied to the tensors' devices, not here)."""
    if map_location is None or not callable(map_location) or isinstance(map_location, (str, device, dict)):
        return arr
    moved = map_location(_plain(arr), location)
    if not isinstance(moved, Tensor):
        raise RuntimeError("torch.load: map_location(storage, location) must return the storage (a tensor) "
                           "it was given, e.g. lambda storage, loc: storage")
    return moved._data.reshape(-1)


_LOCAL = struct.Struct("<IHHHHHIIIHH")


class Entry:
    """One zip entry, checked: where its data starts in the file and how it is stored."""

    __slots__ = ("name", "data_offset", "size", "csize", "crc", "method")

    def __init__(self, name: str, data_offset: int, size: int, csize: int, crc: int, method: int) -> None:
        self.name, self.data_offset, self.size, self.csize, self.crc, self.method = (
            name, data_offset, size, csize, crc, method)


class ZipReader:
    """The entries of a checkpoint archive read from a seekable binary stream, checked against the
    stream's real length so that no declared size can make a read or an allocation larger than the
    file. Every error is RuntimeError (PyTorch's type for a broken archive)."""

    def __init__(self, f: BinaryIO, length: int) -> None:
        import zipfile
        self.f, self.length = f, length
        start = f.tell()
        end = start + length
        try:
            with zipfile.ZipFile(f) as z:
                infos = z.infolist()
        except zipfile.BadZipFile as e:
            raise corrupt(f"{e}".rstrip(".") or "not a zip archive") from None
        except (ValueError, struct.error, OverflowError, EOFError, OSError, UnicodeDecodeError,
                NotImplementedError, KeyError, IndexError) as e:
            raise corrupt(f"bad zip directory: {type(e).__name__}") from None
        f.seek(start)
        if not infos:
            raise corrupt("the archive is empty")
        self.entries: dict[str, Entry] = {}
        prefix = infos[0].filename.partition("/")[0]
        for info in infos:
            name = info.filename
            top, slash, rest = name.partition("/")
            if not slash or top != prefix or not rest:
                raise corrupt(f"unexpected entry name {name!r} (every entry must lie in one folder)")
            if rest in self.entries:
                raise corrupt(f"the entry {rest!r} appears twice")
            if info.flag_bits & 0x1:
                raise corrupt(f"the entry {rest!r} is encrypted")
            if info.compress_type not in (0, 8):
                raise corrupt(f"the entry {rest!r} uses an unsupported compression method {info.compress_type}")
            offset = info.header_offset
            if not start <= offset <= end - _LOCAL.size:
                raise corrupt(f"the entry {rest!r} lies outside the file")
            f.seek(offset)
            head = f.read(_LOCAL.size)
            if len(head) != _LOCAL.size:
                raise corrupt(f"the entry {rest!r} is cut short")
            sig, _, _, method, _, _, _, _, _, n_name, n_extra = _LOCAL.unpack(head)
            raw_name = f.read(n_name)
            if sig != 0x04034B50 or method != info.compress_type or raw_name != info.orig_filename.encode(
                    "utf-8" if info.flag_bits & 0x800 else "cp437", "replace"):
                raise corrupt(f"the local header of entry {rest!r} does not match the zip directory")
            data_offset = offset + _LOCAL.size + n_name + n_extra
            if data_offset + info.compress_size > end:
                raise corrupt(f"the entry {rest!r} declares more data than the file holds")
            if info.compress_type == 0 and info.compress_size != info.file_size:
                raise corrupt(f"the stored entry {rest!r} has two different sizes")
            self.entries[rest] = Entry(rest, data_offset, info.file_size, info.compress_size,
                                       info.CRC, info.compress_type)
        if min(info.header_offset for info in infos) != start:
            raise corrupt("there are bytes before the archive (is it two files written to one stream?)")
        spans = sorted((e.data_offset, e.data_offset + e.csize) for e in self.entries.values())
        if any(nxt[0] < prev[1] for prev, nxt in zip(spans, spans[1:])):  # overlapping entries: a zip bomb's trick
            raise corrupt("two entries share the same bytes of the file")
        inflated = sum(e.size for e in self.entries.values() if e.method == 8)
        if inflated > length:
            raise corrupt(f"its compressed entries would expand to {inflated} bytes, more than the file's own "
                          f"{length} (a zip bomb?); torch.save writes entries uncompressed")

    def entry(self, name: str) -> Entry:
        """The entry `name` (relative to the archive's folder), or the 'corrupt' error."""
        e = self.entries.get(name)
        if e is None:
            raise corrupt(f"the archive has no entry {name!r}")
        return e

    def read_into(self, e: Entry, out: memoryview) -> None:
        """Read entry e's data into `out` (exactly e.size bytes), checking its CRC-32."""
        f = self.f
        f.seek(e.data_offset)
        if e.method == 0:
            got = 0
            while got < e.size:
                n = f.readinto(out[got:]) if hasattr(f, "readinto") else None
                if n is None:
                    chunk = f.read(e.size - got)
                    n = len(chunk)
                    out[got:got + n] = chunk
                if not n:
                    raise corrupt(f"the file ends inside entry {e.name!r}")
                got += n
        else:
            d = zlib.decompressobj(-15)
            left, got = e.csize, 0
            while left and got < e.size:
                chunk = f.read(min(left, 1 << 20))
                if not chunk:
                    raise corrupt(f"the file ends inside entry {e.name!r}")
                left -= len(chunk)
                try:
                    part = d.decompress(chunk, e.size - got)
                except zlib.error:
                    raise corrupt(f"the compressed entry {e.name!r} is damaged") from None
                out[got:got + len(part)] = part
                got += len(part)
                if d.unconsumed_tail:   # more output than declared
                    raise corrupt(f"the compressed entry {e.name!r} holds more than its declared size")
            if got != e.size:
                raise corrupt(f"the compressed entry {e.name!r} holds less than its declared size")
        # (a CRC-32 of 0: not recorded, as torch.save writes them after set_crc32_options(False))
        if e.crc and zlib.crc32(out) != e.crc:
            raise corrupt(f"the CRC-32 of entry {e.name!r} does not match")

    def read(self, name: str, limit: int | None = None) -> bytes:
        """A small entry's bytes."""
        e = self.entry(name)
        if limit is not None and e.size > limit:
            raise corrupt(f"the entry {name!r} is too large")
        buf = bytearray(e.size)
        self.read_into(e, memoryview(buf))
        return bytes(buf)


# ============================================================================ reading: the pickle
def _check_int(x: Any, what: str) -> int:
    if type(x) is not int or x < 0:
        raise unpickling_error(f"the {what} is a {type(x).__name__}, not a non-negative int")
    return x


def _check_ints(xs: Any, what: str) -> tuple[int, ...]:
    if type(xs) not in (tuple, list, Size) or len(xs) > 64:
        raise unpickling_error(f"the {what} is not a tuple of ints")
    return tuple(_check_int(x, what) for x in xs)


class _Loader:
    """What one load needs while unpickling: the archive, the storages read so far, the tensors built."""

    def __init__(self, zipped: ZipReader, map_location: Any, mmap_file: Any) -> None:
        self.zip = zipped
        self.map_location = map_location
        self.mmap = mmap_file
        self.storages: dict[str, np.ndarray] = {}
        self.big_endian = False

    def storage(self, pid: Any) -> np.ndarray:
        """The flat array a persistent id ('storage', type, key, location, numel) names (read once)."""
        if type(pid) is not tuple or len(pid) != 5 or pid[0] != "storage":
            raise unpickling_error(f"unsupported persistent id {type(pid).__name__} (only storages can be loaded)")
        _, stype, key, location, numel = pid
        if type(stype) is not StorageType or type(key) is not str or type(location) is not str:
            raise unpickling_error("a storage's persistent id is malformed")
        numel = _check_int(numel, "storage size")
        location = self.location(location)
        dtype = stype.dtype or "uint8"
        known = self.storages.get(key)
        if known is not None:
            if known.dtype.name != dtype:
                raise unpickling_error(f"storage {key} is used with two dtypes")
            return known
        e = self.zip.entry("data/" + key)
        item = _NP_LE[dtype].itemsize
        if e.size != numel * item:
            raise corrupt(f"storage {key} holds {e.size} bytes, not {numel} elements of {item} bytes")
        np_dtype = _NP_LE[dtype].newbyteorder(">" if self.big_endian else "<")
        if SKIP_DATA:                 # torch.serialization.skip_data: the storage made, its bytes not read
            arr = np.zeros(numel, dtype=np_dtype)
        elif self.mmap is not None and e.method == 0:
            arr = np.frombuffer(self.mmap, dtype=np_dtype, count=numel, offset=e.data_offset)
        else:
            arr = np.empty(numel, dtype=np_dtype)
            self.zip.read_into(e, arr.view(np.uint8).data if numel else memoryview(bytearray(0)))
        if self.big_endian:
            arr = arr.astype(np_dtype.newbyteorder("="))
        self.storages[key] = arr = mapped_storage(self.map_location, arr, location)
        return arr

    def location(self, location: str) -> str:
        """The device a storage goes to: map_location applied; only the CPU exists here."""
        where = location
        ml = self.map_location
        if isinstance(ml, dict):
            where = ml.get(location, location)
        elif isinstance(ml, (str, device)):
            where = str(ml)
        elif callable(ml):
            return location
        try:
            kind = device(str(where)).type
        except (RuntimeError, ValueError, TypeError):
            raise unpickling_error("a storage names an unknown device") from None
        if kind != "cpu":
            raise _ours(RuntimeError(
                f"Attempting to deserialize object on a {kind.upper()} device but torchless runs on the CPU only. "
                "If you are running on a CPU-only machine, please use torch.load with "
                "map_location=torch.device('cpu') to map your storages to the CPU."))
        return "cpu"

    # ------------------------------------------------------------------ the allowed callables
    def rebuild_tensor(self, storage: Any, offset: Any, size: Any, stride: Any, requires_grad: Any = False,
                       backward_hooks: Any = None, metadata: Any = None, dtype: Any = None) -> Tensor:
        """torch._utils._rebuild_tensor_v2 (and v1, v3): a tensor over `storage` at offset/size/stride.
        The view must lie within the storage; NumPy checks that when the array is made."""
        if type(storage) is not np.ndarray:
            raise unpickling_error("a tensor's storage is not a storage")
        offset = _check_int(offset, "storage offset")
        shape, strides = _check_ints(size, "tensor size"), _check_ints(stride, "tensor stride")
        if len(shape) != len(strides) or type(requires_grad) is not bool:
            raise unpickling_error("a tensor's size, stride or requires_grad is malformed")
        if backward_hooks not in (None, {}) and not (type(backward_hooks) is collections.OrderedDict
                                                     and not backward_hooks):
            raise unpickling_error("a tensor has backward hooks; torch.load never restores hooks")
        arr = storage
        if dtype is not None:          # v3: an untyped (byte) storage viewed as dtype
            if not isinstance(dtype, D.dtype) or dtype.name not in _NP_LE:
                raise unpickling_error("a tensor's dtype is malformed")
            if arr.size % _NP_LE[dtype.name].itemsize:
                raise corrupt("a byte storage's size is not a multiple of its tensor's element size")
            arr = arr.view(_NP_LE[dtype.name])
        item = arr.itemsize
        n = 1
        for d in shape:
            n *= d
        if n == 0:
            data = np.empty(shape, dtype=arr.dtype)
        else:
            end = offset + sum((d - 1) * s for d, s in zip(shape, strides)) + 1
            if end > arr.size:
                raise corrupt(f"a tensor of size {list(shape)} reaches past the end of its storage "
                              f"({arr.size} elements)")
            data = np.ndarray(shape, dtype=arr.dtype, buffer=arr, offset=offset * item,
                              strides=tuple(s * item for s in strides))
        t = _plain(data)
        if requires_grad:
            if data.dtype.kind not in "fc":
                raise unpickling_error("only floating point and complex tensors can require gradients")
            t.requires_grad_(True)
        return t

    def rebuild_tensor_v1(self, storage: Any, offset: Any, size: Any, stride: Any) -> Tensor:
        """torch._utils._rebuild_tensor."""
        return self.rebuild_tensor(storage, offset, size, stride)

    def rebuild_tensor_v3(self, storage: Any, offset: Any, size: Any, stride: Any, requires_grad: Any,
                          backward_hooks: Any, dtype: Any, metadata: Any = None) -> Tensor:
        """torch._utils._rebuild_tensor_v3 (an untyped storage and the tensor's dtype)."""
        return self.rebuild_tensor(storage, offset, size, stride, requires_grad, backward_hooks, dtype=dtype)

    def rebuild_parameter(self, data: Any, requires_grad: Any, backward_hooks: Any = None,
                          state: Any = None) -> Tensor:
        """torch._utils._rebuild_parameter(_with_state): an nn.Parameter over the loaded tensor."""
        if type(data) is not Tensor or type(requires_grad) is not bool:
            raise unpickling_error("an nn.Parameter is malformed")
        if state not in (None, {}) or backward_hooks not in (None, {}) and not (
                type(backward_hooks) is collections.OrderedDict and not backward_hooks):
            raise unpickling_error("an nn.Parameter carries state or hooks that torch.load does not restore")
        if requires_grad and data._data.dtype.kind not in "fc":
            raise unpickling_error("only floating point and complex tensors can require gradients")
        from .nn.parameter import Parameter
        return Parameter(data.detach(), requires_grad=requires_grad)

    def rebuild_from_type_v2(self, func: Any, new_type: Any, args: Any, state: Any) -> Any:
        """torch._tensor._rebuild_from_type_v2 for plain tensors and parameters (no Python state)."""
        from .nn.parameter import Parameter
        if func not in self.rebuilders or new_type not in (_TYPE_TENSOR, _TYPE_PARAMETER) or type(args) is not tuple:
            raise unpickling_error("a tensor of an unsupported subclass cannot be loaded")
        if state not in (None, {}) and not (type(state) is tuple and all(s in (None, {}) for s in state)):
            raise unpickling_error("a tensor carries Python attributes that torch.load does not restore")
        t = func(*args)
        if new_type is _TYPE_PARAMETER and not isinstance(t, Parameter):
            t = Parameter(t, requires_grad=t.requires_grad)
        return t

    @property
    def rebuilders(self) -> tuple[Callable[..., Any], ...]:
        """The rebuild functions a _rebuild_from_type_v2 may call."""
        return (self.rebuild_tensor, self.rebuild_tensor_v1, self.rebuild_tensor_v3, self.rebuild_parameter)

    def globals(self) -> dict[tuple[str, str], Any]:
        """The allow-list: (module, name) -> what that global becomes."""
        allowed: dict[tuple[str, str], Any] = {
            ("collections", "OrderedDict"): collections.OrderedDict,
            ("collections", "Counter"): collections.Counter,
            ("torch._utils", "_rebuild_tensor_v2"): self.rebuild_tensor,
            ("torch._utils", "_rebuild_tensor"): self.rebuild_tensor_v1,
            ("torch._utils", "_rebuild_tensor_v3"): self.rebuild_tensor_v3,
            ("torch._utils", "_rebuild_parameter"): self.rebuild_parameter,
            ("torch._utils", "_rebuild_parameter_with_state"): self.rebuild_parameter,
            ("torch._tensor", "_rebuild_from_type_v2"): self.rebuild_from_type_v2,
            ("torch.nn.parameter", "Parameter"): _TYPE_PARAMETER,
            ("torch", "Tensor"): _TYPE_TENSOR,
            ("torch", "Size"): _make_size,
            ("torch", "device"): _make_device,
            ("_codecs", "encode"): _latin1_encode,
            ("builtins", "set"): set,
            ("builtins", "frozenset"): frozenset,
            ("builtins", "bytearray"): _make_bytearray,
            ("builtins", "complex"): _make_complex,
            ("torch", "UntypedStorage"): _UNTYPED,
            ("torch.storage", "UntypedStorage"): _UNTYPED,
        }
        for name, st in _STORAGE_TYPES.items():
            allowed[("torch", name)] = st
        for name in STORAGE_OF:
            allowed[("torch", name)] = getattr(D, name)
        for alias, name in _DTYPE_ALIASES.items():
            allowed[("torch", alias)] = getattr(D, name)
        return allowed


def _make_size(dims: Any = ()) -> Size:
    return Size(_check_ints(dims, "torch.Size"))


def _make_device(kind: Any, index: Any = None) -> device:
    if type(kind) is not str or (index is not None and type(index) is not int):
        raise unpickling_error("a torch.device is malformed")
    try:
        return device(kind) if index is None else device(kind, index)
    except (RuntimeError, ValueError, TypeError) as e:
        raise unpickling_error(f"a torch.device is malformed ({e})") from None


def _latin1_encode(text: Any, encoding: Any = "utf-8") -> bytes:
    """_codecs.encode as protocol 2 uses it for bytes: only str to latin-1 (no other codec is looked up)."""
    if type(text) is not str or encoding not in ("latin1", "latin-1"):
        raise unpickling_error("_codecs.encode is allowed only as pickle writes bytes (a str and 'latin1')")
    try:
        return text.encode("latin1")
    except UnicodeEncodeError:
        raise unpickling_error("a bytes value is malformed") from None


def _make_bytearray(data: Any = b"") -> bytearray:
    if type(data) not in (bytes, bytearray):
        raise unpickling_error("a bytearray is malformed")
    return bytearray(data)


def _make_complex(real: Any = 0.0, imag: Any = 0.0) -> complex:
    if type(real) not in (int, float) or type(imag) not in (int, float):
        raise unpickling_error("a complex number is malformed")
    return complex(real, imag)


# the globals the user allowed (torch.serialization.add_safe_globals), as given: objects, or
# (object, "module.name") pairs; a set, as PyTorch keeps them
MARKED_SAFE: set[Any] = set()


def user_globals() -> dict[str, Any]:
    """"module.name" -> object for every allowed global (PyTorch's rule: a pair's name, else the
    object's __module__.__qualname__); torchless's own classes and functions are allowed under their
    PyTorch names too, the names the files use."""
    allowed: dict[str, Any] = {}
    for entry in MARKED_SAFE:
        if isinstance(entry, tuple):
            if len(entry) != 2:
                raise _ours(ValueError(f"Expected tuple of length 2 (global, str of callable full path), but got "
                                       f"tuple of length: {len(entry)}"))
            if type(entry[1]) is not str:
                raise _ours(TypeError(f"Expected second item in tuple to be str of callable full path, but got: "
                                      f"{type(entry[1])}"))
            allowed[entry[1]] = entry[0]
            continue
        allowed[f"{entry.__module__}.{entry.__qualname__}"] = entry
        known = _torch_index().get(id(entry))
        if known is not None:
            allowed[".".join(known)] = entry
    return allowed


def default_globals() -> set[tuple[str, str]]:
    """The (module, name) of every global torch.load(weights_only=True) allows by default."""
    return set(_Loader(None, None, None).globals())  # type: ignore[arg-type]


def _python3_name(module: str, name: str) -> tuple[str, str]:
    """A global as Python 3 names it (protocol 2 pickles name builtins as Python 2 did: __builtin__.set)."""
    import _compat_pickle
    if (module, name) in _compat_pickle.NAME_MAPPING:
        return _compat_pickle.NAME_MAPPING[(module, name)]
    return _compat_pickle.IMPORT_MAPPING.get(module, module), name


_STRING_OPS = {"BINUNICODE", "SHORT_BINUNICODE", "BINUNICODE8", "UNICODE", "STRING", "BINSTRING", "SHORT_BINSTRING"}


def globals_in_pickle(data: bytes) -> list[str]:
    """The globals ("module.name") a pickle names, in order of first appearance, read statically
    (pickletools' opcode reader: nothing is built or run). STACK_GLOBAL's names are followed through
    the pushes and the memo; a name computed any other way is not seen."""
    import pickletools
    found: dict[str, None] = {}
    memo: dict[Any, Any] = {}
    last: list[Any] = [None, None]          # the last two values pushed (strings, else None)
    try:
        for op, arg, _ in pickletools.genops(io.BytesIO(data)):
            name = op.name
            if name == "GLOBAL" or name == "INST":
                module, _, attr = str(arg).partition(" ")
                found[".".join(_python3_name(module, attr))] = None
                value = None
            elif name == "STACK_GLOBAL":
                if type(last[-2]) is str and type(last[-1]) is str:
                    found[f"{last[-2]}.{last[-1]}"] = None
                value = None
            elif name in _STRING_OPS:
                value = arg if isinstance(arg, str) else None
            elif name in ("BINGET", "LONG_BINGET", "GET"):
                value = memo.get(arg)
            elif name in ("BINPUT", "LONG_BINPUT", "PUT"):
                memo[arg] = last[-1]
                continue
            elif name == "MEMOIZE":
                memo[len(memo)] = last[-1]
                continue
            elif name == "STOP":
                break
            else:
                value = None
            last = [last[-1], value]
    except ValueError as e:
        raise pickle.UnpicklingError(f"the pickle data is malformed ({e})") from None
    return list(found)


def _opcodes(*names: str) -> set[int]:
    return {getattr(pickle, name)[0] for name in names}


# the opcodes a checkpoint may use (protocols 2 to 4, no protocol-0 text forms, no out-of-band buffers,
# no extension registry); BUILD is checked by type
_ALLOWED_OPS = _opcodes(
    "PROTO", "STOP", "FRAME", "MARK", "POP", "POP_MARK", "DUP", "NONE", "NEWTRUE", "NEWFALSE", "BININT", "BININT1",
    "BININT2", "LONG1", "LONG4", "BINFLOAT", "BINUNICODE", "SHORT_BINUNICODE", "BINUNICODE8", "BINBYTES",
    "SHORT_BINBYTES", "BINBYTES8", "EMPTY_TUPLE", "TUPLE", "TUPLE1", "TUPLE2", "TUPLE3", "EMPTY_LIST", "APPEND",
    "APPENDS", "EMPTY_DICT", "SETITEM", "SETITEMS", "EMPTY_SET", "ADDITEMS", "FROZENSET", "BINGET", "LONG_BINGET",
    "BINPUT", "LONG_BINPUT", "MEMOIZE", "GLOBAL", "STACK_GLOBAL", "REDUCE", "BUILD", "NEWOBJ", "BINPERSID")


_MAPPINGS = (dict, collections.OrderedDict, collections.Counter)


def _only_into(load: Callable[[Any], None], kinds: tuple[type, ...]) -> Callable[[Any], None]:
    """An opcode handler that adds items to the container below the mark, only for containers of `kinds`
    (never a tensor's __setitem__ or any other object's methods)."""
    def checked(self: Any) -> None:
        stack = self.stack
        if load in _MARKED:           # SETITEMS/APPENDS/ADDITEMS: the container lies below the mark
            below = self.metastack[-1] if self.metastack else []
            target = below[-1] if below else None
        elif load is _SETITEM:        # SETITEM: below the key and the value
            target = stack[-3] if len(stack) >= 3 else None
        else:                         # APPEND: below the value
            target = stack[-2] if len(stack) >= 2 else None
        if type(target) not in kinds:
            raise unpickling_error(f"Tried to add items to an object of type {type(target).__name__}, "
                                   "which torch.load does not allow")
        load(self)
    return checked


# Python's pure-Python unpickler (the twin of the C pickle.Unpickler): its opcode table can be restricted
_PyUnpickler: Any = getattr(pickle, "_Unpickler")


_SETITEM = _PyUnpickler.dispatch[pickle.SETITEM[0]]
_MARKED = {_PyUnpickler.dispatch[op[0]] for op in (pickle.SETITEMS, pickle.APPENDS, pickle.ADDITEMS)}


class RestrictedUnpickler(_PyUnpickler):  # type: ignore[misc]
    """An allow-list unpickler, as PyTorch's weights_only=True: `find_class` answers only the globals
    a checkpoint of tensors needs (pickle.UnpicklingError naming any other), BUILD may set only an
    OrderedDict's attributes (a state_dict's _metadata), and only the opcodes of protocols 2-4 that
    build plain data are read.

    It is Python's own pure-Python unpickler (pickle._Unpickler, the twin of pickle.Unpickler) so that
    its opcode table can be restricted: the C unpickler calls any object's __setstate__ or setattr
    on BUILD and preallocates the lengths an opcode declares. It is iterative: nesting cannot
    overflow the stack."""

    def __init__(self, file: BinaryIO, loader: _Loader) -> None:
        super().__init__(file, encoding="utf-8")
        self.allowed = loader.globals()
        self.loader = loader
        base = _PyUnpickler.dispatch
        table = {op: base[op] for op in _ALLOWED_OPS}
        table[pickle.BUILD[0]] = RestrictedUnpickler.load_build_checked
        table[pickle.NEWOBJ[0]] = RestrictedUnpickler.load_newobj_checked
        table[pickle.FRAME[0]] = RestrictedUnpickler.load_frame_checked
        for op, kinds in ((pickle.SETITEM, _MAPPINGS), (pickle.SETITEMS, _MAPPINGS), (pickle.APPEND, (list,)),
                          (pickle.APPENDS, (list,)), (pickle.ADDITEMS, (set,))):
            table[op[0]] = _only_into(base[op[0]], kinds)
        self.stream = file
        self.dispatch = table
        self.user: dict[str, Any] | None = None         # the user's allowed globals (read at the first use)
        self.user_types: tuple[type, ...] = ()

    def find_class(self, module: str, name: str) -> Any:
        """The allowed object module.name stands for; UnpicklingError naming any other."""
        module, name = _python3_name(module, name)    # (protocol 2 names builtins as Python 2 did)
        found = self.allowed.get((module, name))
        if found is not None:
            return found
        if module == "torch" and (name in _FOREIGN_DTYPES or name in _FOREIGN_STORAGES):
            dt = _FOREIGN_STORAGES.get(name, name)
            raise _ours(TypeError(f"torch.load: the file holds data of dtype torch.{dt}, which torchless does not "
                                  "have (in PyTorch, convert it first, e.g. to float32 with tensor.float())"))
        if MARKED_SAFE:
            if self.user is None:
                self.user = user_globals()
                self.user_types = tuple({id(g): g for g in self.user.values() if isinstance(g, type)}.values())
            user = self.user.get(f"{module}.{name}")
            if user is not None:
                return user
        raise unpickling_error(
            f"Unsupported global: GLOBAL {module}.{name} was not an allowed global by default. If you trust "
            f"this global, allow it with torch.serialization.add_safe_globals([{name}]) or the "
            f"torch.serialization.safe_globals([{name}]) context manager.")

    def persistent_load(self, pid: Any) -> Any:
        """A storage's flat array."""
        return self.loader.storage(pid)

    def load_build_checked(self) -> None:
        """BUILD, only on an OrderedDict, only setting str-named attributes (state_dict()._metadata)."""
        stack = self.stack
        state = stack.pop()
        inst = stack[-1]
        if type(inst) in self.user_types:     # a class the user allowed: its own __setstate__, or its __dict__
            setstate = getattr(inst, "__setstate__", None)
            if setstate is not None and getattr(type(inst), "__setstate__", None) is not getattr(object, "__setstate__",
                                                                                                 None):
                setstate(state)
                return
            slots = None
            if type(state) is tuple and len(state) == 2:
                state, slots = state
            if state:
                inst.__dict__.update(state)
            for k, v in (slots or {}).items():
                setattr(inst, k, v)
            return
        if type(inst) is not collections.OrderedDict:
            raise unpickling_error(f"Tried to set the state of an object of type {type(inst).__name__}, "
                                   "which torch.load does not allow")
        if type(state) is tuple and len(state) == 2 and state[1] is None:
            state = state[0]
        if type(state) is not dict or not all(type(k) is str and k.isidentifier() for k in state):
            raise unpickling_error("an OrderedDict's state is malformed")
        inst.__dict__.update(state)

    def load_frame_checked(self) -> None:
        """FRAME (protocol 4), only for a frame the data really holds."""
        size = struct.unpack("<Q", self.read(8))[0]
        here = self.stream.tell()
        end = self.stream.seek(0, io.SEEK_END)
        self.stream.seek(here)
        if size > end - here:
            raise unpickling_error("a pickle frame is longer than the data that follows it")
        self._unframer.load_frame(size)

    def load_newobj_checked(self) -> None:
        """NEWOBJ (cls.__new__(cls, *args)), only for the allowed container classes."""
        args = self.stack.pop()
        cls = self.stack.pop()
        if (cls not in (collections.OrderedDict, collections.Counter, set, frozenset) and cls not in self.user_types
                or type(args) is not tuple):
            raise unpickling_error(f"Tried to instantiate an object of type {type(cls).__name__} with NEWOBJ, "
                                   "which torch.load does not allow")
        self.append(cls.__new__(cls, *args))

    def load(self) -> Any:
        """The unpickled object; every failure as pickle.UnpicklingError."""
        try:
            return super().load()
        except pickle.UnpicklingError:
            raise
        except EOFError:
            raise unpickling_error("the pickle data ends early (is the file truncated?)") from None
        except KeyError as e:
            if e.args and type(e.args[0]) is int and 0 <= e.args[0] < 256:
                raise unpickling_error(f"unsupported pickle opcode {bytes((e.args[0],))!r}") from None
            raise unpickling_error("the pickle data is malformed (KeyError)") from None
        except Exception as e:   # only the allowed callables and pickle's own code ran: their errors, as PyTorch's type
            if e.__dict__.get("torchless_load") if hasattr(e, "__dict__") else False:
                raise
            raise unpickling_error(f"the pickle data is malformed ({type(e).__name__})") from None


class TrustingUnpickler(pickle.Unpickler):
    """The unpickler of weights_only=False: it trusts the file (it can run any code the file names).
    torch.* globals are mapped to torchless's objects of the same name; storages come from the archive."""

    def __init__(self, file: BinaryIO, loader: _Loader) -> None:
        super().__init__(file, encoding="utf-8")
        self.loader = loader
        self.allowed = loader.globals()

    def find_class(self, module: str, name: str) -> Any:
        """torchless's object for a torch.* global where it has one; any other global as pickle finds it."""
        found = self.allowed.get((module, name))
        if found is not None:
            return found
        if module == "torch" or module.startswith("torch."):
            found = from_torch_name(module, name)
            if found is not None:
                return found
            mapped = "torchless" + module[len("torch"):]
            if module == "torch._C._nn":        # PyTorch's F.gelu & co. are its C functions
                mapped = "torchless.nn.functional"
            for candidate in (mapped, mapped.rpartition(".")[0], "torchless.nn", "torchless"):
                if not candidate:
                    continue
                try:
                    obj = getattr(importlib.import_module(candidate), name)
                except (ImportError, AttributeError):
                    continue
                return obj
            raise pickle.UnpicklingError(f"torch.load: the file needs {module}.{name}, which torchless does not have")
        return super().find_class(module, name)

    def persistent_load(self, pid: Any) -> Any:
        """A storage's flat array."""
        return self.loader.storage(pid)


def read_checkpoint(f: BinaryIO, length: int, map_location: Any, weights_only: bool, mmap_file: Any) -> Any:
    """The object of the zip checkpoint in the seekable stream f (of `length` bytes from its position)."""
    z = ZipReader(f, length)
    loader = _Loader(z, map_location, mmap_file)
    if "byteorder" in z.entries:
        order = z.read("byteorder", 16)
        if order not in (b"little", b"big"):
            raise corrupt(f"unknown byte order {order!r}")
        loader.big_endian = order == b"big"
    else:           # no record: torch.serialization.set_default_load_endianness decides (little by default)
        loader.big_endian = LOAD_ENDIANNESS == "big" or LOAD_ENDIANNESS == "native" and sys.byteorder == "big"
    data = z.read("data.pkl")
    stream = io.BytesIO(data)
    if weights_only:
        return RestrictedUnpickler(stream, loader).load()
    return TrustingUnpickler(stream, loader).load()


# ============================================================================ reading: PyTorch's legacy format
# torch.save(obj, f, _use_new_zipfile_serialization=False) (and every torch.save before PyTorch 1.6):
# five pickles one after another -- the magic number, the protocol version, a dict of system facts,
# the object (whose storages are persistent ids ('storage', type, key, location, numel, view)), the
# list of storage keys -- then, for each key in that order, its element count (int64) and raw bytes.
LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
LEGACY_PROTOCOL = 1001


class _LegacyLoader(_Loader):
    """The storages of a legacy file: made empty while the object is unpickled (never more bytes than
    the rest of the file holds), filled from the records that follow it."""

    def __init__(self, f: BinaryIO, end: int, map_location: Any) -> None:
        super().__init__(None, map_location, None)  # type: ignore[arg-type]
        self.f, self.end = f, end
        self.declared = 0

    def storage(self, pid: Any) -> np.ndarray:
        """The (still empty) flat array of a persistent id ('storage', type, key, location, numel, view);
        the class of a ('module', class, source file, source) id (legacy files of whole modules: the
        class was unpickled, so the unpickler allowed it; its saved source is not compared)."""
        if type(pid) is tuple and len(pid) == 4 and pid[0] == "module" and isinstance(pid[1], type):
            return pid[1]  # type: ignore[return-value]
        if type(pid) is not tuple or len(pid) != 6 or pid[0] != "storage":
            raise unpickling_error(f"unsupported persistent id {type(pid).__name__} (only storages can be loaded)")
        _, stype, key, location, numel, view = pid
        if type(stype) is not StorageType or stype.dtype is None or type(key) is not str or type(location) is not str:
            raise unpickling_error("a storage's persistent id is malformed")
        if view is not None:
            raise unpickling_error("the file holds a storage view (PyTorch before 0.4), which torch.load does not "
                                   "read; load it in PyTorch and save it again with torch.save")
        numel = _check_int(numel, "storage size")
        location = self.location(location)
        known = self.storages.get(key)
        if known is not None:
            if known.dtype.name != stype.dtype or known.size != numel:
                raise unpickling_error(f"storage {key} is declared twice, differently")
            return known
        self.declared += 8 + numel * _NP_LE[stype.dtype].itemsize
        if self.declared > self.end - self.f.tell():
            raise corrupt(f"its storages would need {self.declared} bytes, more than the rest of the file holds")
        arr = np.zeros(numel, dtype=_NP_LE[stype.dtype].newbyteorder("="))
        self.storages[key] = arr = mapped_storage(self.map_location, arr, location)
        return arr

    def fill(self, keys: Any) -> None:
        """Read each storage's record, in the order of `keys` (the file's list of them)."""
        if type(keys) is not list or len(set(keys)) != len(keys) or set(keys) != set(self.storages):
            raise corrupt("the list of storages does not match the storages the object uses")
        order = ">" if self.big_endian else "<"
        for key in keys:
            arr = self.storages[key]
            if SKIP_DATA:
                continue
            head = self.f.read(8)
            if len(head) != 8:
                raise corrupt("it ends inside a storage record")
            if struct.unpack(order + "q", head)[0] != arr.size:
                raise corrupt(f"storage {key}'s record holds a different number of elements than its tensor declares")
            view = arr.view(np.uint8).data if arr.size else memoryview(bytearray(0))
            got = 0
            while got < arr.nbytes:
                n = self.f.readinto(view[got:])  # type: ignore[attr-defined]
                if not n:
                    raise corrupt("it ends inside a storage's data")
                got += n
            if self.big_endian:
                arr.byteswap(inplace=True)


class _Bounded:
    """A seekable stream whose reads never ask for more than the bytes left before `end` (a pickle
    opcode declaring 2**40 bytes makes no 2**40-byte buffer)."""

    def __init__(self, f: BinaryIO, end: int) -> None:
        self.f, self.end = f, end
        self.readline, self.tell, self.seek = f.readline, f.tell, f.seek

    def read(self, n: int = -1) -> bytes:
        left = max(self.end - self.f.tell(), 0)
        return self.f.read(left if n is None or n < 0 else min(n, left))

    def readinto(self, buf: Any) -> int:
        data = self.read(len(memoryview(buf).cast("B")))
        memoryview(buf).cast("B")[:len(data)] = data
        return len(data)


def read_legacy(f: BinaryIO, length: int, map_location: Any, weights_only: bool) -> Any:
    """The object of a legacy-format file in the seekable stream f (`length` bytes from its position);
    weights_only=True reads every pickle in it with the allow-list unpickler."""
    f = _Bounded(f, f.tell() + length)  # type: ignore[assignment]
    loader = _LegacyLoader(f, f.tell() + length, map_location)
    try:                 # (always through the allow-list: a bare pickle is not unpickled even with weights_only=False)
        magic = RestrictedUnpickler(f, loader).load()
    except pickle.UnpicklingError:
        magic = None
    if type(magic) is not int or magic != LEGACY_MAGIC:
        raise pickle.UnpicklingError(
            "torch.load: this file is a bare Python pickle (a file of pickle.dump, or a legacy checkpoint cut short), "
            "not a checkpoint torch.save wrote: it does not begin with PyTorch's magic number. Load it with "
            "pickle.load, and only if you trust it")
    if RestrictedUnpickler(f, loader).load() != LEGACY_PROTOCOL:
        raise corrupt("the legacy format's protocol version is not 1001")
    info = RestrictedUnpickler(f, loader).load()
    if type(info) is not dict or type(info.get("little_endian", True)) is not bool:
        raise corrupt("the legacy format's system information is malformed")
    loader.big_endian = not info.get("little_endian", True)
    unpickler = RestrictedUnpickler(f, loader) if weights_only else TrustingUnpickler(f, loader)
    obj = unpickler.load()
    keys = RestrictedUnpickler(f, loader).load()
    loader.fill(keys)
    return obj


def open_mmap(f: Any) -> Any:
    """A private (copy-on-write) memory map of the whole file behind f, as PyTorch maps storages."""
    try:
        fileno = f.fileno()
    except (AttributeError, OSError, io.UnsupportedOperation):
        raise ValueError("torch.load(mmap=True) needs a file name or a real file, not an in-memory stream") from None
    if os.fstat(fileno).st_size == 0:
        return None
    shared = MMAP_FLAGS == getattr(_mmap, "MAP_SHARED", None)     # (set_default_mmap_options)
    return _mmap.mmap(fileno, 0, access=_mmap.ACCESS_WRITE if shared else _mmap.ACCESS_COPY)

