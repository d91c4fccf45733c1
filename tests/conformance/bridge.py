"""The bridge between PyTorch's test databases and torchless: each sample's objects carried across
(built fresh in torchless from copies of PyTorch's values), the torchless callable for a database
entry, and the comparisons of results, gradients and tangents.

PyTorch's entries call `op(sample.input, *sample.args, **sample.kwargs)`, where `op` is a torch
function, a Tensor method, or a small lambda of the database (`lambda x, shape: x.view(shape)`).
A lambda runs here unchanged with its module's `torch` (and `F`) bound to torchless: the same code
in both libraries, as a user's program would be.
"""
from __future__ import annotations

import types
from typing import Any, Callable, Iterator, Optional

import numpy as np

import torchless
import torchless.nn.functional

torch: Any
try:
    import torch
    import torch.nn.functional
except ImportError:  # pragma: no cover - the suite skips
    torch = None


class Unsupported(Exception):
    """A sample holds something torchless has no counterpart for (bfloat16, a Generator ...): the
    sample is left out, and counted."""


# ---------------------------------------------------------------------------- names
def resolve(module: Any, dotted: str) -> Any:
    """module.a.b.c for "a.b.c", or None where a part is missing."""
    obj = module
    for part in dotted.split("."):
        try:
            obj = getattr(obj, part)
        except Exception:  # AttributeError, or a lazy submodule that fails to load
            return None
    return obj


def entry_id(entry: Any) -> str:
    """An OpInfo entry's name with its variant: "max.reduction_with_dim"."""
    return entry.name + ("." + entry.variant_test_name if entry.variant_test_name else "")


def _unseeded(op: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return op(*args, **kwargs)


def rebind(fn: Callable[..., Any], library: Any = None) -> Callable[..., Any]:
    """A Python function of PyTorch's test code with its globals `torch` and `F` bound to torchless
    (the same code, run on the other library); other callables as they are. With `library=torch`,
    the function keeps PyTorch but loses the database's `wrapper_set_seed`, which reseeds before
    every call (random ops then draw new numbers each time)."""
    if not isinstance(fn, types.FunctionType):
        return fn
    g = dict(fn.__globals__)
    if "wrapper_set_seed" in g:
        g["wrapper_set_seed"] = _unseeded
    if library is None:
        g["torch"] = torchless
        if "F" in g:
            g["F"] = torchless.nn.functional
    return types.FunctionType(fn.__code__, g, fn.__name__, fn.__defaults__, fn.__closure__)


def torchless_op(entry: Any) -> Optional[Callable[..., Any]]:
    """torchless's callable for an OpInfo entry, or None where torchless lacks the op."""
    name = entry.name
    ours = None if name.startswith("__") else resolve(torchless, name)
    if ours is None and (name.startswith("__") or not name.startswith("_")):
        ours = getattr(torchless.Tensor, name, None)
    if ours is None:
        ours = _aten_op(entry)
        if ours is not None:
            if not isinstance(entry.op, types.FunctionType):
                return ours
            return rebind(entry.op)  # a function of the database around torch.ops.aten.<name>
        # Random streams (issue 14): entries named after an in-place sampler only (cauchy, uniform ...)
        # whose op is a lambda over torch.Tensor.<name>_: the same lambda, run on torchless
        inplace = getattr(entry, "inplace_variant", None)
        if isinstance(entry.op, types.FunctionType) and inplace is not None and \
                getattr(torchless.Tensor, getattr(inplace, "__name__", ""), None) is not None:
            return rebind(entry.op)
        return None
    op = entry.op
    if op is resolve(torch, name):
        return ours  # torch.add -> torchless.add
    if op is getattr(torch.Tensor, name, None):
        return getattr(torchless.Tensor, name, None)  # torch.Tensor.__radd__ -> torchless.Tensor.__radd__
    if isinstance(op, types.FunctionType):
        return rebind(op)
    return ours


def _aten_op(entry: Any) -> Optional[Callable[..., Any]]:
    """torchless.ops.aten's counterpart of an entry whose op is an ATen operator with no torch.*
    name (torch.ops.aten.slice.Tensor, aten._upsample_bilinear2d_aa), or of an entry named after
    one (max_pool2d_with_indices_backward); None where torchless.ops.aten lacks it."""
    op = entry.op
    packet = getattr(op, "_overloadpacket", op)
    name = getattr(packet, "__name__", None)
    if not isinstance(name, str) or type(packet).__name__ != "OpOverloadPacket":
        return resolve(torchless, f"ops.aten.{entry.name}")
    ours = resolve(torchless, f"ops.aten.{name}")
    if ours is not None and packet is not op:
        ours = getattr(ours, getattr(op, "_overloadname", "default"), None)
    return ours


# ---------------------------------------------------------------------------- carrying values across
_DTYPES: dict[Any, Any] = {}


def tl_dtype(dt: Any) -> Any:
    """torchless's dtype of PyTorch's name, or Unsupported."""
    if not _DTYPES:
        for name in ("bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64",
                     "complex64", "complex128", "uint64"):
            _DTYPES[getattr(torch, name)] = getattr(torchless, name)
    try:
        return _DTYPES[dt]
    except KeyError:
        raise Unsupported(f"dtype {dt}") from None


def to_numpy(t: Any) -> np.ndarray:
    """A NumPy copy of a PyTorch tensor's values (conjugate and negative bits resolved)."""
    t = t.detach()
    if t.is_conj():
        t = t.resolve_conj()
    if t.is_neg():
        t = t.resolve_neg()
    tl_dtype(t.dtype)  # Unsupported for bfloat16, complex32 ...
    if t.layout != torch.strided:
        raise Unsupported(f"layout {t.layout}")
    try:
        return np.array(t.numpy(), copy=True)
    except (ValueError, TypeError, RuntimeError) as e:  # NumPy's 64-dim limit ...
        raise Unsupported(str(e)) from None


def _storage_key(t: Any) -> tuple[int, Any]:
    return t.untyped_storage().data_ptr(), t.dtype


def _aliased_storages(obj: Any) -> dict[tuple[int, Any], Any]:
    """The storages of obj's PyTorch tensors that must be rebuilt as storages, not as values: those
    two different tensors share, and those a tensor repeats elements of (an expanded tensor, with a
    stride of 0). Each maps to the torchless tensor of the storage's elements."""
    seen: dict[tuple[int, Any], set[int]] = {}
    repeated = set()
    for t in tensors_in(obj):
        if t.layout != torch.strided or t.untyped_storage().nbytes() == 0:
            continue
        key = _storage_key(t)
        seen.setdefault(key, set()).add(id(t))
        if any(stride == 0 and size > 1 for size, stride in zip(t.shape, t.stride())):
            repeated.add(key)
    storages = {}
    for t in tensors_in(obj):
        key = _storage_key(t) if t.layout == torch.strided and t.untyped_storage().nbytes() else None
        if key is not None and key not in storages and (len(seen[key]) > 1 or key in repeated):
            count = t.untyped_storage().nbytes() // t.element_size()
            whole = torch.empty(0, dtype=t.dtype).set_(t.untyped_storage(), 0, (count,), (1,))
            storages[key] = torchless.from_numpy(to_numpy(whole))
    return storages


def to_torchless(obj: Any, memo: Optional[dict[int, Any]] = None, keep_storage: bool = False) -> Any:
    """A PyTorch sample's object rebuilt in torchless: tensors as fresh torchless tensors of the same
    values, dtype and requires_grad (one tensor met twice becomes one torchless tensor); containers
    rebuilt around their items.

    `keep_storage`: tensors that share memory with each other, or repeat elements (expanded ones),
    are rebuilt as views (as_strided) of one torchless storage, so that an op sees the same aliasing
    (error inputs that pass an input as `out=`). Their requires_grad is not kept."""
    if memo is None:
        memo = {}
    if keep_storage and torch is not None:
        storages = _aliased_storages(obj)
        for t in tensors_in(obj):
            if t.layout == torch.strided and t.untyped_storage().nbytes() and _storage_key(t) in storages:
                memo[id(t)] = storages[_storage_key(t)].as_strided(tuple(t.shape), t.stride(), t.storage_offset())
    if torch is not None and isinstance(obj, torch.Tensor):
        if id(obj) not in memo:
            t = torchless.from_numpy(to_numpy(obj))
            if obj.requires_grad:
                t.requires_grad_(True)
            memo[id(obj)] = t
        return memo[id(obj)]
    if torch is not None:
        if isinstance(obj, torch.dtype):
            return tl_dtype(obj)
        if isinstance(obj, torch.Size):
            return torchless.Size(obj)
        if isinstance(obj, torch.device):
            return torchless.device(str(obj))
        if isinstance(obj, (torch.Generator, torch.memory_format, torch.layout)):
            raise Unsupported(type(obj).__name__)
        if isinstance(obj, torch.nn.Module):  # a module argument (distance_function=PairwiseDistance())
            return _module_to_torchless(obj)
        name = getattr(obj, "__name__", None)
        if callable(obj) and isinstance(name, str) and getattr(torch.nn.functional, name, None) is obj:
            return getattr(torchless.nn.functional, name, obj)  # a function argument (activation=F.gelu)
    if isinstance(obj, list):
        return [to_torchless(x, memo) for x in obj]
    if isinstance(obj, tuple):
        items = [to_torchless(x, memo) for x in obj]
        return type(obj)(*items) if hasattr(obj, "_fields") else tuple(items)
    if isinstance(obj, dict):
        return {k: to_torchless(v, memo) for k, v in obj.items()}
    if isinstance(obj, slice):
        return slice(to_torchless(obj.start, memo), to_torchless(obj.stop, memo), to_torchless(obj.step, memo))
    return obj


def _module_to_torchless(module: Any) -> Any:
    """torchless's module of the same class and settings, for a PyTorch module without parameters."""
    cls = getattr(torchless.nn, type(module).__name__, None)
    if cls is None or any(True for _ in module.parameters()):
        raise Unsupported(f"module {type(module).__name__}")
    ours = cls.__new__(cls)
    torchless.nn.Module.__init__(ours)
    for key, value in vars(module).items():
        if not key.startswith("_"):
            setattr(ours, key, value)
    return ours


def replace_tensors(obj: Any, fn: Callable[[Any], Any]) -> Any:
    """obj with every tensor t replaced by fn(t) (either library's; containers rebuilt)."""
    if isinstance(obj, torchless.Tensor) or (torch is not None and isinstance(obj, torch.Tensor)):
        return fn(obj)
    if isinstance(obj, list):
        return [replace_tensors(x, fn) for x in obj]
    if isinstance(obj, tuple):
        items = [replace_tensors(x, fn) for x in obj]
        return type(obj)(*items) if hasattr(obj, "_fields") else tuple(items)
    if isinstance(obj, dict):
        return {k: replace_tensors(v, fn) for k, v in obj.items()}
    return obj


def tensors_in(obj: Any) -> Iterator[Any]:
    """The tensors of a (nested) object, in order (either library's)."""
    if isinstance(obj, (torchless.Tensor,)) or (torch is not None and isinstance(obj, torch.Tensor)):
        yield obj
    elif isinstance(obj, (list, tuple)):
        for x in obj:
            yield from tensors_in(x)
    elif isinstance(obj, dict):
        for x in obj.values():
            yield from tensors_in(x)


# ---------------------------------------------------------------------------- comparing
TOLERANCE = {  # (rtol, atol) by dtype name: forward values; gradients get GRAD_FACTOR times more
    "float16": (1e-3, 1e-3), "float32": (1.3e-5, 1e-5), "float64": (1e-7, 1e-7),
    "complex64": (1.3e-5, 1e-5), "complex128": (1e-7, 1e-7),
}
GRAD_FACTOR = 10.0


class Mismatch(AssertionError):
    """torchless's result differs from PyTorch's."""


def _dtype_name(dt: Any) -> str:
    return str(dt).rsplit(".", 1)[-1]


def compare(ours: Any, theirs: Any, path: str = "out", scale: float = 1.0,
            tolerance: Optional[tuple[float, float]] = None, values: bool = True) -> None:
    """Raise Mismatch where `ours` (torchless) and `theirs` (PyTorch) differ: the same nesting, and
    tensors of the same shape, dtype and values (within the dtype's tolerance times `scale`; exact
    for integers and bools). `values=False` compares shapes and dtypes only (random ops)."""
    if torch is not None and isinstance(theirs, torch.Tensor):
        if not isinstance(ours, torchless.Tensor):
            raise Mismatch(f"{path}: torchless gave {type(ours).__name__}, PyTorch a Tensor")
        if tuple(ours.shape) != tuple(theirs.shape):
            raise Mismatch(f"{path}: shape {tuple(ours.shape)} != PyTorch's {tuple(theirs.shape)}")
        if _dtype_name(ours.dtype) != _dtype_name(theirs.dtype):
            raise Mismatch(f"{path}: dtype {_dtype_name(ours.dtype)} != PyTorch's {_dtype_name(theirs.dtype)}")
        if not values:
            return
        try:
            expected = to_numpy(theirs)
        except Unsupported:
            return
        got = np.asarray(ours.detach().numpy())
        if expected.dtype.kind in "biu":
            if not np.array_equal(got, expected):
                raise Mismatch(f"{path}: values differ\n ours:   {got!r}\n theirs: {expected!r}")
            return
        rtol, atol = tolerance or TOLERANCE.get(_dtype_name(theirs.dtype), (1e-7, 1e-7))
        if not np.allclose(got, expected, rtol=rtol * scale, atol=atol * scale, equal_nan=True):
            with np.errstate(all="ignore"):
                err = np.nanmax(np.abs(got - expected)) if got.size else 0
            raise Mismatch(f"{path}: values differ (max abs error {err:.3g})\n ours:   {got!r}\n theirs: {expected!r}")
        return
    if isinstance(theirs, (tuple, list)):
        if not isinstance(ours, (tuple, list)) or len(ours) != len(theirs):
            raise Mismatch(f"{path}: torchless gave {type(ours).__name__} of "
                           f"{len(ours) if isinstance(ours, (tuple, list)) else '-'}, PyTorch "
                           f"{type(theirs).__name__} of {len(theirs)}")
        for i, (a, b) in enumerate(zip(ours, theirs)):
            compare(a, b, f"{path}[{i}]", scale, tolerance, values)
        return
    if theirs is None:
        if ours is not None:
            raise Mismatch(f"{path}: torchless gave {type(ours).__name__}, PyTorch None")
        return
    if isinstance(theirs, (bool, int, float, complex)):
        if isinstance(ours, torchless.Tensor) or not isinstance(ours, (bool, int, float, complex)):
            raise Mismatch(f"{path}: torchless gave {type(ours).__name__}, PyTorch {type(theirs).__name__}")
        if values and not (ours == theirs or (ours != ours and theirs != theirs)
                           or (isinstance(theirs, float) and np.isclose(ours, theirs, rtol=1e-6 * scale))):
            raise Mismatch(f"{path}: {ours!r} != PyTorch's {theirs!r}")
        return
    if torch is not None and isinstance(theirs, (torch.dtype, torch.Size)):
        if str(ours).replace("torchless", "torch") != str(theirs):
            raise Mismatch(f"{path}: {ours} != PyTorch's {theirs}")
        return
    if str(ours) != str(theirs):
        raise Mismatch(f"{path}: {ours!r} != PyTorch's {theirs!r}")


def differentiable(outputs: Any) -> list[Any]:
    """The floating or complex tensors among outputs that carry a gradient."""
    return [t for t in tensors_in(outputs) if t.requires_grad and (t.is_floating_point() or t.is_complex())]


def weights_like(outputs: list[Any], seed: int) -> list[np.ndarray]:
    """Fixed random weights w for the loss Σ out·w, one array per output (real parts for complex)."""
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(tuple(o.shape)) for o in outputs]
