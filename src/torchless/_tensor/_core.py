"""class Tensor: a NumPy array plus what autograd needs (requires_grad, the graph edge, .grad).

Every differentiable method applies a rule from `torchless.ops` through one of the appliers below
(`_unary`, `_binary`, `apply`), which compute the forward on arrays and, when grad mode is on and an
input requires grad, record the rule's node with one edge per input.

Hot-path habits (see DESIGN.md): `type(x) is Tensor` checks, grad mode read once, no per-call dict
building, results wrapped without copies. An nn.Parameter operand (a Tensor subclass) is recognised
after the common cases (see _Parameter), so plain tensors and numbers pay next to nothing for it.
"""
from __future__ import annotations

import builtins
import math
import numbers
import operator
import sys
import warnings
import weakref
from typing import Any, Callable, Iterator, NoReturn

import numpy as np

from .. import _dtype as D
from .._messages import norm_dim
from .. import _args
from .._args import type_name
from ..engine import backward as _engine
from ..engine.grad_mode import grad_off as _grad_off, state as _grad  # grad mode: `not _grad_off or _grad.enabled`
from ..engine import forward_ad as _forward_ad
from ..engine.node import (NO_EDGE, AccumulateGrad, graph_features as _graph_features, inplace as _inplace,
                           next_stamp as _next_stamp, own_copy)
from .printing import tensor_repr
from ..backend import numpy as NP
from ..overrides import handle_torch_function, has_torch_function, not_a_tensor
from ..ops.nn import LogSoftmaxBackward0, SoftmaxBackward0
from ..ops.elementwise import (
    AbsBackward0, AcosBackward0, AddBackward0, AsinBackward0, AtanBackward0, CeilBackward0,
    ClampBackward0, ClampBackward1, ClampMaxBackward0, ClampMaxBackward1, ClampMinBackward0,
    ClampMinBackward1, DivBackward2, FmodBackward0, FmodBackward1, RemainderBackward1, RoundBackward1, CosBackward0, CoshBackward0, DivBackward0, ExpBackward0, Expm1Backward0,
    FloorBackward0, Log1PBackward0, Log2Backward0, Log10Backward0, LogBackward0, MaximumBackward0,
    MinimumBackward0, MulBackward0, NegBackward0, NotImplementedBackward, PowBackward0, PowBackward1,
    PowBackward2, ReciprocalBackward0, ReluBackward0, RemainderBackward0, RoundBackward0,
    RsqrtBackward0, RsubBackward1, SigmoidBackward0, SignBackward0, SinBackward0, SinhBackward0,
    SqrtBackward0, SubBackward0, TanBackward0, TanhBackward0, TruncBackward0, WhereBackward0, ZeroBackward0,
)

ndarray = np.ndarray
_asarray = np.asarray
_F = D.defaults            # _F.float: the NumPy dtype of the default float
_BOOL_NP = D.bool.np
_INT64_NP = D.int64.np
_from_np = D.FROM_NP
_pyfloat, _pyint, _pybool = float, int, bool

__all__ = ["Tensor", "Size", "device"]

NONLEAF_GRAD_MSG = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute "
    "won't be populated during autograd.backward(). If you indeed want the .grad field to be populated "
    "for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor "
    "by mistake, make sure you access the leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 "
    "for more information."
)


class Size(tuple):
    """torch.Size: the shape of a tensor, a tuple of ints that prints as `torch.Size([2, 3])`."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"torch.Size({list(self)})"

    __str__ = __repr__

    def numel(self) -> int:
        """numel() -> int

        How many elements a tensor of this shape holds: the product of the sizes (1 for `Size([])`)."""
        return math.prod(self)

    def __getitem__(self, i: Any) -> Any:
        r = tuple.__getitem__(self, i)
        return Size(r) if type(i) is slice else r

    def __add__(self, other: Any) -> Size:  # type: ignore[override]  # (a Size, not a plain tuple)
        return Size(tuple(self) + tuple(other))

    def __reduce__(self) -> tuple[type, tuple[tuple[int, ...]]]:
        return (Size, (tuple(self),))


_DEVICE_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve", "fpga",
                 "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone")


class device:
    """torch.device(type, index=None), or torch.device('type:index'): where a tensor lives.

    Any of PyTorch's device types can be named (D2L prints torch.device('cuda')), but only the CPU
    exists: putting a tensor anywhere else raises (see require_cpu)."""

    __slots__ = ("type", "index")

    def __init__(self, type: str | device = "cpu", index: int | None = None) -> None:
        if isinstance(type, device):
            index = type.index
            type = type.type
        if not isinstance(type, str):
            raise TypeError(f"device() received an invalid combination of arguments - got ({type!r})")
        name, _, idx = type.partition(":")
        if name not in _DEVICE_TYPES:
            raise RuntimeError(f"Expected one of {', '.join(_DEVICE_TYPES)} device type at start of "
                               f"device string: {type}")
        self.type: str = name
        self.index: int | None = _pyint(idx) if idx else index

    def __repr__(self) -> str:
        return f"device(type='{self.type}')" if self.index is None else \
            f"device(type='{self.type}', index={self.index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other: object) -> builtins.bool:  # like PyTorch, a device never equals a string
        return isinstance(other, device) and other.type == self.type and other.index == self.index

    def __hash__(self) -> builtins.int:
        return hash(self.type)


_Device = device  # the class, for annotations where a `device` attribute shadows it
CPU = device("cpu")


def require_cpu(dev: str | device) -> device:
    """Check a device argument: torchless has only the CPU."""
    d = dev if isinstance(dev, device) else device(dev)
    if d.type != "cpu":
        raise RuntimeError(f"torchless runs on the CPU only: device '{d}' is not available "
                           "(use device='cpu', or leave the device out).")
    return d


def _converter(name: str, dtype: D.dtype) -> Callable[..., Tensor]:
    """x.float(), x.long() ...: each the same as x.to(dtype)."""
    def convert(self: TensorBase, *, memory_format: Any = None) -> Tensor:
        return self.to(dtype)
    convert.__name__ = name
    convert.__qualname__ = "Tensor." + name
    convert.__doc__ = f"{name}(memory_format=torch.preserve_format) -> Tensor\n\nThis tensor as torch.{dtype.name}: the same as self.to(torch.{dtype.name})."
    convert.__annotations__ = {"memory_format": "Any", "return": "Tensor"}
    return convert


def _dim_argument(fname: str, dim: Any) -> builtins.int:
    """A `dim` that is not an int: an integer-like value (a NumPy int) as an int, anything else
    (None, a bool, a float, a string) PyTorch's TypeError."""
    if not isinstance(dim, _pybool) and hasattr(dim, "__index__"):
        return operator.index(dim)
    raise TypeError(f"{fname}(): argument 'dim' (position 1) must be int, not {type(dim).__name__}")


def _softmax_family(rule: type, fname: str, input: TensorBase, dim: Any, dtype: D.dtype | None) -> Tensor:
    """softmax and log_softmax along `dim` (after casting to `dtype`): the checks they share in
    PyTorch's order (the dim's type, its range, a floating dtype), then `rule` (ops/nn.py)."""
    if dtype is not None:
        input = input.to(dtype)
    data = input._data
    ndim = data.ndim
    if type(dim) is not _pyint:
        dim = _dim_argument(fname, dim)
    dim = _norm_dim(dim, ndim)
    if data.dtype.kind != "f":
        kernel = f"{fname}_lastdim_kernel_impl" if dim >= ndim - 1 else f"{fname}_kernel_impl"
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{D.SCALAR_TYPE_NAMES[data.dtype.name]}' "
                                  f"({fname} needs a floating point tensor; convert it first, e.g. x.float())")
    return apply(rule, input, dim if ndim else None)  # 0-d: reduce over "all" (the one element)


# ============================================================================ the class
# nn.Parameter, the Tensor subclass the ops meet on hot paths (set by nn/parameter.py: this layer
# cannot import nn). The appliers test `type(x) is Tensor` first and `is _Parameter` only after the
# common cases, so plain tensors and numbers pay one identity test at most (`isinstance` on a number
# costs a generic `__class__` lookup; a set lookup twice an identity test). Colder code uses
# isinstance(x, Tensor).
_Parameter: type | None = None

# What Tensor.explain runs: torch.autograd's explain, registered by the autograd package when it
# loads (set_explainer), since this layer sits below autograd and cannot import it.
_explainer: Callable[..., Any] | None = None


def set_explainer(explainer: Callable[..., Any]) -> None:
    """Called once by torch.autograd: `explainer(output, inputs, gradient, _frame=frame)` derives
    output's gradient (autograd/derivation.py), `frame` being the caller's, to name its variables."""
    global _explainer
    _explainer = explainer



# float() and complex() of a tensor that requires grad warn once per process, as PyTorch's do
# (item(), int() and bool() do not)
_scalar_of_grad_warned = False


def _warn_scalar_of_grad() -> None:
    global _scalar_of_grad_warned
    _scalar_of_grad_warned = True
    warnings.warn("Converting a tensor with requires_grad=True to a scalar may lead to unexpected behavior.\n"
                  "Consider using tensor.detach() first.", UserWarning, stacklevel=3)


class TensorBase:
    """What every tensor is before its methods: the array, the graph attributes, metadata, the
    Python protocol and conversions. The final class `Tensor` (in _tensor/__init__.py) adds the
    method families as mixins; see bind_tensor_class. (The constructor, `torch.Tensor(2, 3)`, and
    new_zeros & co. are CreationMethods', in creation.py.)"""

    __slots__ = ("_data", "_rg", "_edge", "__dict__", "__weakref__")
    # _data: the np.ndarray; _rg: requires_grad; _edge: (node, output_index) this tensor's gradient
    # flows into. (None, 0) for tensors that need no gradient; for a leaf that requires grad, its
    # AccumulateGrad, made on first use (None until then).
    _data: ndarray
    _rg: builtins.bool
    _edge: tuple[Any, builtins.int] | None

    # Rarely set; live in the instance __dict__ when they are.
    _grad: Tensor | None = None
    _base: Tensor | None = None    # the tensor this one is a view of (shares storage and version counter)
    _vc = 0                 # version counter (on the base when this is a view)
    _stamp = 0              # the in-place counter's value at this storage's last in-place op
    _retains_grad = False
    _post_acc_hooks: list[Callable[[Tensor], None]] | None = None
    _view_fn: Callable[[ndarray], ndarray] | None = None  # for views: the same view of another array (grads)
    _nograd = 0             # 1: a view made under no_grad of a tensor that requires grad; 2: a view of such a view
    _is_param = False       # an nn.Parameter (see nn/parameter.py)
    name: str | None = None

    __array_priority__ = 1000  # NumPy binary operators defer to ours: ndarray * Tensor -> Tensor

    # ------------------------------------------------------------------ graph attributes
    @property
    def requires_grad(self) -> builtins.bool:
        """True when autograd records the operations on this tensor, so that a gradient can flow
        back to it. Settable on leaves (`x.requires_grad = True`), as requires_grad_() does."""
        return self._rg

    @requires_grad.setter
    def requires_grad(self, flag: builtins.bool) -> None:
        self.requires_grad_(flag)

    def requires_grad_(self, requires_grad: builtins.bool = True) -> Tensor:
        """requires_grad_(requires_grad=True) -> Tensor

        Switch gradient recording for this tensor on or off, in place, and return it. Only leaves
        can change (a computed tensor may be asked to keep requiring grad, nothing else), and only
        floating point or complex tensors can require grad.

        requires_grad: whether autograd should record operations on this tensor."""
        flag = requires_grad if type(requires_grad) is _pybool else _args.bool_arg(
            requires_grad, "requires_grad_", "requires_grad", 1)
        if not self.is_leaf:
            if flag:
                return self  # type: ignore[return-value]  # (self is a Tensor: TensorBase is abstract)
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a "
                "computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach()."
            )
        if flag and self._data.dtype.kind not in "fc":
            raise RuntimeError(
                "only Tensors of floating point and complex dtype can require gradients "
                f"(this one is {self.dtype}; convert it first, e.g. x.float().requires_grad_())"
            )
        if flag != self._rg:
            self._rg = flag
            self._edge = None if flag else NO_EDGE
        return self  # type: ignore[return-value]

    @property
    def grad_fn(self) -> Any:
        """The graph node (e.g. `<MulBackward0>`) of the operation that computed this tensor, which
        backward() runs to pass the gradient on to that operation's inputs; None for a leaf."""
        e = self._edge
        if e is None:
            if "_leaf_edge" in self.__dict__:  # a no-grad view whose storage was written since
                self._leaf_edge()
            return None
        node = e[0]
        return None if node is None or type(node) is AccumulateGrad else node

    @property
    def is_leaf(self) -> builtins.bool:
        """True for a tensor no recorded operation computed: one that does not require grad, or
        one made by the user with requires_grad=True. Only leaves get a .grad from backward()
        (unless retain_grad() was called)."""
        return self.grad_fn is None

    @property
    def output_nr(self) -> builtins.int:
        """Which output of its grad_fn this tensor is (0 unless the op has several, like unbind)."""
        e = self._edge
        return 0 if e is None else e[1]

    def _leaf_edge(self) -> tuple[Any, builtins.int]:
        """The edge into this leaf's AccumulateGrad, made on first use and cached."""
        e = self._edge = (AccumulateGrad(self), 0)
        return e

    @property
    def grad(self) -> Tensor | None:
        """The accumulated gradient (leaves, and non-leaves that retain_grad())."""
        g = self._grad
        if g is None and self._rg and not self._retains_grad:
            e = self._edge
            if e is not None and e[0] is not None and type(e[0]) is not AccumulateGrad:
                warnings.warn(NONLEAF_GRAD_MSG, UserWarning, stacklevel=2)
        return g

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type "
                                f"{type(value).__name__}")
            if value._data.shape != self._data.shape:
                raise RuntimeError("assigned grad has data of a different size")
            if value._data.dtype != self._data.dtype:
                raise RuntimeError("assigned grad has data of a different type")
        self._grad = value

    @grad.deleter
    def grad(self) -> None:
        self._grad = None

    def retain_grad(self) -> None:
        """retain_grad() -> None

        Keep this non-leaf tensor's gradient in its .grad when backward() passes through it (by
        default only leaves keep theirs). A no-op on a leaf; an error when it does not require grad."""
        if not self._rg:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.is_leaf or self._retains_grad:
            return
        self._retains_grad = True
        retain_on_current_edge(self)

    @property
    def retains_grad(self) -> builtins.bool:
        """True for a non-leaf tensor whose retain_grad() was called (its .grad gets filled)."""
        return self._retains_grad

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> Any:
        """register_hook(hook) -> RemovableHandle

        hook(grad) runs when this tensor's gradient is computed; a returned tensor replaces it.
        The handle's remove() takes the hook off again."""
        if not self._rg:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        node, idx = self._edge or self._leaf_edge()
        if node is None:  # a view taken under no_grad: no gradient ever reaches it
            from ..engine.hooks import RemovableHandle
            return RemovableHandle([hook], item=hook)
        handle = node._add_pre_hook(idx, hook)
        if self._base is not None:  # an in-place op through this view drops it (copy_into_view), as in PyTorch
            self.__dict__.setdefault("_view_hooks", []).append(handle)
        return handle

    def register_post_accumulate_grad_hook(self, hook: Callable[[Tensor], None]) -> Any:
        """register_post_accumulate_grad_hook(hook) -> RemovableHandle

        hook(tensor) runs on this leaf after backward() has added a gradient into its .grad (an
        optimizer can step the parameter there). Its return value is ignored. The handle's
        remove() takes the hook off again; non-leaf tensors refuse."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if not self.is_leaf:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        if self._post_acc_hooks is None:
            self._post_acc_hooks = []
        self._post_acc_hooks.append(hook)
        from ..engine.hooks import RemovableHandle
        return RemovableHandle(self._post_acc_hooks, item=hook)

    def backward(self, gradient: Any = None, retain_graph: builtins.bool | None = None,
                 create_graph: builtins.bool = False, inputs: Any = None) -> None:
        """Accumulate the gradient of this tensor into the .grad of the leaves it depends on."""
        if gradient is None and inputs is None and not create_graph and self._rg and self._data.size == 1:
            # loss.backward(), the common case, without the general argument handling
            edge = self._edge or self._leaf_edge()
            if edge[0] is not None:
                _engine.run_one(edge, _ones_like(self._data), bool(retain_graph))
                return
        _engine.backward(self, gradient, retain_graph, create_graph, inputs)

    def explain(self, inputs: Any = None, gradient: Any = None) -> Any:
        """explain(inputs=None, gradient=None)

        The derivation of this tensor's gradient with respect to `inputs` (default: the leaves it
        depends on), node by node with the numbers: the same as torch.autograd.explain(self, ...).

        inputs: {name: tensor}, to name the tensors (default: the caller's variable names);
        gradient: the gradient of this tensor, as for backward(), when it is not a scalar."""
        if _explainer is None:
            raise RuntimeError("Tensor.explain needs torch.autograd, which registers it when it loads "
                               "(import torchless, not torchless._tensor alone)")
        return _explainer(self, inputs, gradient, _frame=sys._getframe(1))

    def detach(self) -> Tensor:
        """detach() -> Tensor

        The same values, outside the graph: a new tensor sharing this one's storage (writes to one
        show in the other) that does not require grad and has no grad_fn."""
        out = _plain(self._data)
        if self._base is None:
            out._base = self
        else:  # a view's detached twin is the same view of the same base (views of it compose from there)
            out._base = self._base
            out._view_fn = self._view_fn
        return out

    def detach_(self) -> Tensor:
        """detach_() -> Tensor

        Cut this tensor out of the graph in place, making it a leaf that does not require grad,
        and return it. Views of a tensor that requires grad refuse (use detach())."""
        if self._base is not None and self._base._rg:
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        self._rg = False
        self._edge = NO_EDGE
        return self  # type: ignore[return-value]

    @property
    def data(self) -> Tensor:
        """This tensor's values as a tensor outside the graph (like detach(), sharing storage).
        Assigning a tensor to .data swaps in its values without autograd seeing it."""
        out = _plain(self._data)
        if self._base is None:
            out._base = self
        else:  # a view's detached twin is the same view of the same base (views of it compose from there)
            out._base = self._base
            out._view_fn = self._view_fn
        return out

    @data.setter
    def data(self, value: Tensor) -> None:
        if not isinstance(value, Tensor):
            raise TypeError(f"data must be a Tensor, not {type(value).__name__}")
        self._data = value._data

    @property
    def _version(self) -> builtins.int:
        base = self._base
        return (self if base is None else base)._vc

    # ------------------------------------------------------------------ metadata
    @property
    def dtype(self) -> D.dtype:
        """The element type of this tensor: a torch.dtype such as torch.float32."""
        return _from_np[self._data.dtype]

    @property
    def shape(self) -> Size:
        """The size of each dimension, as a torch.Size (the same as size())."""
        return Size(self._data.shape)

    def size(self, dim: builtins.int | None = None) -> Any:
        """size(dim=None) -> torch.Size or int

        The shape of this tensor as a torch.Size, or with `dim`, the size of that one dimension
        (negative dims count from the end)."""
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_norm_dim(dim, self._data.ndim)]

    def dim(self) -> builtins.int:
        """dim() -> int

        The number of dimensions of this tensor (0 for a scalar)."""
        return self._data.ndim

    @property
    def ndim(self) -> builtins.int:
        """The number of dimensions of this tensor, like dim()."""
        return self._data.ndim

    def ndimension(self) -> builtins.int:
        """ndimension() -> int

        The number of dimensions of this tensor: another name for dim()."""
        return self._data.ndim

    def numel(self) -> builtins.int:
        """numel() -> int

        The number of elements in this tensor: the product of its sizes."""
        return self._data.size

    def nelement(self) -> builtins.int:
        """nelement() -> int

        The number of elements in this tensor: another name for numel()."""
        return self._data.size

    def element_size(self) -> builtins.int:
        """element_size() -> int

        The size in bytes of one element (4 for float32, 8 for int64)."""
        return self._data.itemsize

    @property
    def itemsize(self) -> builtins.int:
        """The size in bytes of one element, like element_size()."""
        return self._data.itemsize

    @property
    def nbytes(self) -> builtins.int:
        """The bytes the tensor's elements take: numel() * element_size()."""
        return self._data.nbytes

    @property
    def device(self) -> _Device:
        """The torch.device this tensor is on: always the CPU in torchless."""
        return CPU

    is_cuda = False
    is_cpu = True
    is_sparse = False
    is_quantized = False
    is_meta = False
    layout = "torch.strided"

    def is_signed(self) -> builtins.bool:
        """is_signed() -> bool

        True when this tensor's dtype holds negative numbers (every dtype but bool and uint8)."""
        return self._data.dtype.kind not in "bu"

    def is_same_size(self, other: Any) -> builtins.bool:
        """is_same_size(other) -> bool

        True when `other` (a tensor) has this tensor's shape."""
        if not isinstance(other, TensorBase):
            raise TypeError(f"is_same_size(): argument 'other' (position 1) must be Tensor, not {type(other).__name__}")
        return self._data.shape == other._data.shape

    def is_nonzero(self) -> builtins.bool:
        """is_nonzero() -> bool

        Whether the single element of this one-element tensor is nonzero; a RuntimeError for any
        other number of elements."""
        if self._data.size != 1:
            raise RuntimeError(f"Boolean value of Tensor with {'no values' if self._data.size == 0 else 'more than one value'} "
                               "is ambiguous")
        return builtins.bool(self._data.reshape(()))

    def is_floating_point(self) -> builtins.bool:
        """is_floating_point() -> bool

        True when this tensor's dtype is a floating point type (float16, float32, float64)."""
        return self._data.dtype.kind == "f"

    def is_complex(self) -> builtins.bool:
        """is_complex() -> bool

        True when this tensor's dtype is a complex type (complex64, complex128)."""
        return self._data.dtype.kind == "c"

    def is_contiguous(self, *, memory_format: Any = None) -> builtins.bool:
        """is_contiguous(memory_format=torch.contiguous_format) -> bool

        True when the elements lie in memory in row-major order without gaps (as a fresh tensor's
        do); views such as transposes or strided slices often do not."""
        return self._data.flags.c_contiguous

    def stride(self, dim: builtins.int | None = None) -> Any:
        """stride(dim=None) -> tuple or int

        How many elements apart in memory consecutive entries along each dimension are, as a
        tuple; with `dim`, that dimension's stride alone."""
        a = self._data
        if a.flags.c_contiguous:  # PyTorch's strides of a contiguous layout (NumPy's differ at size-1 dims)
            st_list, step = [], 1
            for n in reversed(a.shape):
                st_list.append(step)
                step *= max(n, 1)
            st = tuple(reversed(st_list))
        else:
            st = tuple(s // a.itemsize for s in a.strides)
        return st if dim is None else st[_norm_dim(dim, a.ndim)]

    def data_ptr(self) -> builtins.int:
        """data_ptr() -> int

        The memory address of this tensor's first element."""
        return self._data.__array_interface__["data"][0]

    def get_device(self) -> builtins.int:
        """get_device() -> Device ordinal (Integer)

        The index of the GPU holding this tensor; -1, the CPU's answer, in torchless."""
        return -1

    # ------------------------------------------------------------------ Python protocol
    def __repr__(self, *, tensor_contents: str | None = None) -> str:
        if self._is_param:
            if self.__dict__.get("_uninitialized"):  # a LazyLinear placeholder before its first call
                return "<UninitializedParameter>"
            return "Parameter containing:\n" + tensor_repr(self, tensor_contents)
        return tensor_repr(self, tensor_contents)

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        if self._data.ndim == 0:
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    def __len__(self) -> builtins.int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))  # type: ignore[attr-defined]  # (ShapeMethods.unbind)

    def __bool__(self) -> builtins.bool:
        if self._data.size != 1:
            if self._data.size == 0:
                raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
            raise RuntimeError(
                "Boolean value of Tensor with more than one value is ambiguous "
                "(use .any() or .all() to reduce it to one value)"
            )
        return bool(self._data)

    def _scalar_value(self, what: str) -> Any:
        if self._data.size != 1:
            raise ValueError(f"only one element tensors can be converted to Python scalars "
                             f"(this one has {self._data.size}; {what})")
        return self._data.reshape(()).item()

    def __float__(self) -> builtins.float:
        if self._rg and not _scalar_of_grad_warned:
            _warn_scalar_of_grad()
        return _pyfloat(self._scalar_value("use .tolist() or index it first"))

    def __int__(self) -> builtins.int:
        return _pyint(self._scalar_value("use .tolist() or index it first"))

    def __complex__(self) -> complex:
        if self._rg and not _scalar_of_grad_warned:
            _warn_scalar_of_grad()
        return complex(self._scalar_value("use .tolist() or index it first"))

    def __index__(self) -> builtins.int:
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return _pyint(self._data.reshape(()).item())

    __hash__ = object.__hash__

    def __array__(self, dtype: Any = None, copy: builtins.bool | None = None) -> ndarray:
        arr = self.numpy()
        if dtype is not None:
            arr = arr.astype(dtype, copy=False)
        return arr.copy() if copy else arr

    def __reduce_ex__(self, proto: Any) -> tuple[Callable[..., Tensor], tuple[ndarray, builtins.bool]]:
        return (_rebuild, (self._data, self._rg))

    def __deepcopy__(self, memo: dict[builtins.int, Any]) -> Tensor:
        if not self.is_leaf:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support "
                               "the deepcopy protocol at the moment. Use .detach() first.")
        out = _plain(self._data.copy())
        if self._rg:
            out.requires_grad_(True)
        if self.grad is not None:
            out._grad = _plain(self._grad._data.copy())  # type: ignore[union-attr]  # (grad is set)
        memo[id(self)] = out
        return out

    # ------------------------------------------------------------------ conversion
    def item(self) -> Any:
        """item() -> number

        The value of a one-element tensor as a Python number (float, int, bool or complex, after
        its dtype). Tensors of any other size refuse."""
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar "
                "(item() needs exactly one element: index the tensor or reduce it first)"
            )
        return self._data.reshape(()).item()

    def tolist(self) -> Any:
        """tolist() -> list or number

        The values as nested Python lists of Python numbers (a number alone for a 0-d tensor)."""
        return self._data.tolist()

    def numpy(self, *, force: builtins.bool = False) -> ndarray:
        """numpy(*, force=False) -> numpy.ndarray

        The values as a NumPy array sharing this tensor's memory (writes to one show in the other).
        A tensor that requires grad refuses unless force=True (or detach() it first)."""
        if self._rg and not force and (not _grad_off or _grad.enabled):  # (no_grad: allowed, as PyTorch)
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead."
            )
        return self._data

    def cpu(self, *, memory_format: Any = None) -> Tensor:
        """cpu(memory_format=torch.preserve_format) -> Tensor

        This tensor on the CPU: itself, since torchless tensors are always there."""
        return self  # type: ignore[return-value]

    def cuda(self, device: Any = None, non_blocking: builtins.bool = False, memory_format: Any = None) -> Tensor:
        """cuda(device=None, non_blocking=False, memory_format=torch.preserve_format) -> Tensor

        A copy on a CUDA GPU in PyTorch; torchless runs on the CPU only, so this always raises."""
        if device is not None and not isinstance(device, (_Device, str, builtins.int)):
            raise _args.wrong_type("cuda", "device", 1, "torch.device", device)
        raise RuntimeError("torchless runs on the CPU only: there is no CUDA device.")

    def to(self, *args: Any, **kwargs: Any) -> Tensor:
        """to(dtype), to(device), to(device, dtype), to(other): a converted tensor (self if unchanged)."""
        dt = kwargs.pop("dtype", None)
        copy = kwargs.pop("copy", False)
        kwargs.pop("non_blocking", None)
        kwargs.pop("memory_format", None)
        dev = kwargs.pop("device", None)
        if kwargs:
            raise TypeError(f"to() got an unexpected keyword argument '{next(iter(kwargs))}'")
        for a in args:
            if isinstance(a, D.dtype):
                dt = a
            elif isinstance(a, Tensor):
                dt = a.dtype
            elif isinstance(a, (str, device)):
                dev = a
            elif isinstance(a, numbers.Integral) and not isinstance(a, _pybool):  # a device index
                raise RuntimeError(f"torchless runs on the CPU only: there is no device {a} "
                                   "(use .to('cpu') or leave the device out)")
            elif a is not None:
                raise TypeError(f"to() received an invalid argument of type {type(a).__name__}")
        if dev is not None:
            require_cpu(dev)
        if dt is None or dt.np == self._data.dtype:
            return self.clone() if copy else self  # type: ignore[return-value]
        return _to_dtype(self, dt.np)

    def type(self, dtype: Any = None, non_blocking: builtins.bool = False) -> Any:
        """type(dtype=None, non_blocking=False) -> str or Tensor

        Without `dtype`, the name of this tensor's legacy type, e.g. 'torch.FloatTensor'. With
        one (a torch.dtype, a name like 'torch.LongTensor', or the class torch.LongTensor), this
        tensor converted to it (itself when it already has that type)."""
        if dtype is None:
            return _TYPE_NAMES.get(self.dtype.name, "torch.Tensor")
        if isinstance(dtype, str):
            if dtype not in _TYPE_BY_NAME:
                raise ValueError(f"invalid type: '{dtype}'")
            dtype = _TYPE_BY_NAME[dtype]
        elif isinstance(dtype, type) and isinstance(getattr(dtype, "dtype", None), D.dtype):
            dtype = getattr(dtype, "dtype")  # torch.LongTensor and friends
        return self.to(dtype)

    def type_as(self, tensor: Tensor) -> Tensor:
        """type_as(tensor) -> Tensor

        This tensor converted to the dtype of `tensor` (itself when the dtypes already match):
        self.to(tensor.dtype)."""
        try:
            return self.to(tensor.dtype)
        except AttributeError:
            if isinstance(tensor, TensorBase):
                raise
            raise not_a_tensor("type_as", "other", tensor) from None

    def clone(self, *, memory_format: Any = None) -> Tensor:
        """clone(*, memory_format=torch.preserve_format) -> Tensor

        A copy of this tensor with storage of its own, in the same memory layout (a transposed
        tensor's clone is transposed too). Unlike detach(), the copy stays in the graph: gradients
        flowing into it reach this tensor."""
        return apply(CloneBackward0, self, "K")

    def contiguous(self, *, memory_format: Any = None) -> Tensor:
        """contiguous(memory_format=torch.contiguous_format) -> Tensor

        This tensor with its elements in row-major order in memory: itself when it already is
        (see is_contiguous()), otherwise a copy (recorded like clone())."""
        if self._data.flags.c_contiguous:
            return self  # type: ignore[return-value]
        return apply(CloneBackward0, self)

    # x.float(), x.long() ...: last in the body, since these names shadow the builtins below them
    float = _converter("float", D.float32)
    double = _converter("double", D.float64)
    half = _converter("half", D.float16)
    long = _converter("long", D.int64)
    int = _converter("int", D.int32)
    short = _converter("short", D.int16)
    char = _converter("char", D.int8)
    byte = _converter("byte", D.uint8)
    bool = _converter("bool", D.bool)


_TYPE_NAMES = D.TENSOR_TYPE_NAMES
_TYPE_BY_NAME = {v: D._NAMES[k] for k, v in _TYPE_NAMES.items()}


_ONES: dict[tuple[np.dtype, tuple[builtins.int, ...]], ndarray] = {}


def _ones_like(arr: ndarray) -> ndarray:
    """A read-only array of ones shaped like `arr` (cached: the seed gradient of every backward)."""
    key = (arr.dtype, arr.shape)
    ones = _ONES.get(key)
    if ones is None:
        ones = np.ones(arr.shape, arr.dtype)
        ones.flags.writeable = False
        if len(_ONES) < 64:
            _ONES[key] = ones
    return ones


def _rebuild(data: ndarray, requires_grad: builtins.bool) -> Tensor:
    """Unpickling: a tensor of `data`, requiring grad again when the pickled one did."""
    t = _plain(data)
    if requires_grad:
        t.requires_grad_(True)
    return t


# ============================================================================ appliers
_new = object.__new__


def _plain(arr):
    """Wrap an ndarray as a tensor that needs no gradient (no copy)."""
    t = _new(Tensor)
    t._data = arr
    t._rg = False
    t._edge = NO_EDGE
    return t


def _plain_out(out):
    if type(out) is not ndarray:
        out = _asarray(out)
    t = _new(Tensor)
    t._data = out
    t._rg = False
    t._edge = NO_EDGE
    return t


def _result(out, node, index=0):
    """Wrap a forward result as the output `index` of the recorded `node`."""
    if type(out) is not ndarray:
        out = _asarray(out)
    t = _new(Tensor)
    t._data = out
    t._rg = True
    t._edge = (node, index)
    return t


_fw = _forward_ad.state  # _fw.level >= 0: a dual level is open, results may need tangents


def _dual(t, R, tensors, args):
    """Give t (rule R's result on forward arguments `args`) its tangent, when one of `tensors` (the
    Tensor behind each argument, or None) carries one (see engine/forward_ad.py)."""
    tangent = _tangent_of(R, tensors, args, t._data, t)
    if tangent is not None:
        _forward_ad.set_tangent(t, tangent)
    return t


def _tangent_of(R, tensors, args, out, result):
    """The result's tangent: on arrays, or recorded on Tensors when an input requires grad or
    carries a tangent that does (so that reverse mode can differentiate it: jacrev(jacfwd(f)))."""
    tangents = [None if x is None else _forward_ad.tangent(x) for x in tensors]
    if _fw.differentiable and _grad.enabled:
        for x, t in zip(tensors, tangents):
            if x is not None and (x._rg or getattr(t, "_rg", False)):
                return _recorded_tangent(R, tensors, args, out, result, tangents)
    return _forward_ad.tangent_of_result(R, tangents, args, out)


def _recorded_tangent(R, tensors, args, out, result, tangents):
    TX = _families.tensor_namespace
    targs = list(args)
    for i, x in enumerate(tensors):
        if x is not None and x._data is not args[i]:  # the applier cast it (type promotion)
            targs[i] = x.to(_from_np[args[i].dtype]) if x._data.shape == args[i].shape else _plain(args[i])
        elif x is not None:
            targs[i] = x
    if R.aux_outputs:  # max's indices and the like stay arrays, as the rule's forward made them
        result = (result[0],) + tuple(out[1:])
    level = _fw.level
    _fw.level = -1  # the tangent's own ops carry no tangents
    try:
        return _forward_ad.tangent_of_result(R, tangents, targs, result, TX, _lift_tangent)
    finally:
        _fw.level = level


def _lift_tangent(x):
    if isinstance(x, Tensor):
        return x
    return _plain(x if type(x) is ndarray else _asarray(x))


# ---------------------------------------------------------------- writing into a dying operand
# In `(x @ w + b).relu()`, the matmul's result and the sum are temporaries: nothing but the
# expression holds them. Like NumPy's own temporary elision, a rule with `forward_into` then writes
# its result into that operand's array instead of a fresh one (big arrays only: one allocation and
# one cold pass fewer). "Nothing else holds it" is read from reference counts, calibrated here on
# this interpreter: a temporary operand must show fewer references than a named one, else never.
_ELIDE_MIN_SIZE = 1 << 15  # elements
_getrefcount = sys.getrefcount


class _RefProbe:
    __slots__ = ("_data",)

    def __init__(self):
        self._data = np.empty(1)

    def __add__(self, other):  # what `method(self, other)` sees for a left operand
        a = self._data
        return _getrefcount(self), _array_refs(a)

    def unary(self):  # what `method(self)` sees for `operand.method()`
        a = self._data
        return _getrefcount(self), _array_refs(a)


def _array_refs(a):
    """References to a method's operand array `a`, counted as _array_alone counts them."""
    return _getrefcount(a)


def _array_alone(a):
    """Does the operand's array hold its own memory, writable, with no other holder than the tensor?"""
    return _getrefcount(a) == _OWN_DATA_REFS and a.base is None and a.flags.writeable


def _calibrate_elision():
    named = _RefProbe()
    temp_binary, own_data = _RefProbe() + None
    named_binary, _ = named + None
    temp_unary, _ = _RefProbe().unary()
    named_unary, _ = named.unary()
    if temp_binary < named_binary and temp_unary < named_unary:
        return temp_binary, temp_unary, own_data
    return -1, -1, -1  # cannot tell a temporary apart: never write into an operand


_TEMP_BINARY_REFS, _TEMP_UNARY_REFS, _OWN_DATA_REFS = _calibrate_elision()


# ============================================================================ the recorder
class _EmptyEdge:
    """What record() takes in `edges` for an argument without a gradient that still has an edge slot
    (a number operand of add or mul): it reads as a tensor that needs no gradient."""

    __slots__ = ("_edge", "_rg")  # instance slots: record() reads them faster than class attributes

    def __init__(self):
        self._edge = NO_EDGE
        self._rg = False


EMPTY_EDGE = _EmptyEdge()


def record(R, inputs, arrays, edges, requires_grad, forward):
    """Apply rule R to `arrays`; when `requires_grad`, record R's node. Every op enters the graph here.

    R              the rule: a Node subclass whose `forward(node, xp, *arrays)` computes on arrays
                   (node is None when nothing is recorded: nothing to save). `R.multi_output`:
                   forward returns a tuple, each entry an output of the node; `R.aux_outputs`: a
                   tuple whose first entry is the node's output, the rest plain tensors (max's
                   indices).
    inputs         forward's arguments as the node keeps them (`node.inputs`, set only when forward
                   saved something): a Tensor where its array is passed (promoted or not), constants
                   as they are. create_graph re-runs forward on them, saved-tensor hooks find the
                   tensors among them, and (when a forward-AD level is open) the Tensors among them
                   carry the tangents, except positions in R.nondiff.
    arrays         forward's arguments as it runs on them: the Tensors' arrays, promoted.
    edges          one entry per incoming edge, in the order R's vjp returns gradients: a Tensor (its
                   edge; a leaf's AccumulateGrad is made on first use) or EMPTY_EDGE (a number
                   operand PyTorch keeps a slot for). Arguments without a gradient are left out.
    requires_grad  whether to record: grad mode is on and one of `edges` requires grad (the
                   appliers know it from their type checks); None: find it out here.
    forward        R.forward, or a callable(node, xp, *arrays) to run instead (writing into a dying
                   operand). The appliers hold R.forward already: passing it saves a lookup per op.

    Returns the output Tensor (a tuple for multi_output or aux_outputs rules). A recorded result
    requires grad, and its node is stamped by the global clock, after its inputs' nodes. Anomaly
    mode (through the node's constructor) and saved-tensor hooks (through `node.saved`) act inside
    this call. A view op marks the result as a view of its input afterwards.

    autograd.Function comes through here too. Its rule (FunctionCtx) declares `adopts_outputs`:
    its forward returns a tuple holding Tensors the Function made, not arrays, and this call hands
    that tuple to `R.adopt_outputs(node, out)` (node None when nothing is recorded), which links
    them to the node itself. Only the tuple branches look at it, so ops that return one array pay
    nothing; and the tangent step leaves such rules alone (Function.apply runs the Function's jvp).
    """
    # One and two arrays and edges spelled out: *arrays or a comprehension costs a frame. Nothing
    # here may close over a local (a comprehension using `node` would make it a cell on every call).
    n = len(arrays)
    if requires_grad or (requires_grad is None and (not _grad_off or _grad.enabled) and _any_requires_grad(edges)):
        node = R()
        try:  # (a try costs nothing until it catches)
            if n == 2:
                out = forward(node, NP, arrays[0], arrays[1])
            elif n == 1:
                out = forward(node, NP, arrays[0])
            else:
                out = forward(node, NP, *arrays)
        except ValueError as error:
            if "broadcast together" not in str(error):
                raise
            raise _broadcast_error_of(arrays, error) from None
        if len(edges) == 2:
            e, f = edges
            # EMPTY_EDGE spelled out: reading its attributes here would make the site see two types
            # (CPython's attribute specialisation then misses on every other op)
            node.next_functions = (e._edge or e._leaf_edge(),
                                   NO_EDGE if f is EMPTY_EDGE else f._edge or f._leaf_edge())
        elif len(edges) == 1:
            e = edges[0]
            node.next_functions = (e._edge or e._leaf_edge(),)
        else:
            node.next_functions = _edges_of(edges)
        node.stamp = _next_stamp()
        if inputs is not None and node.saved is not None:  # (a number rule passes none)
            node.inputs = inputs
        if type(out) is ndarray:
            result = _new(Tensor)
            result._data = out
            result._rg = True
            result._edge = (node, 0)
        elif type(out) is not tuple:  # a 0-d result: NumPy returns a scalar
            result = _new(Tensor)
            result._data = _asarray(out)
            result._rg = True
            result._edge = (node, 0)
        else:  # several outputs (multi_output or aux_outputs)
            result = _recorded_outputs(R, node, out)
    else:
        try:
            if n == 2:
                out = forward(None, NP, arrays[0], arrays[1])
            elif n == 1:
                out = forward(None, NP, arrays[0])
            else:
                out = forward(None, NP, *arrays)
        except ValueError as error:
            if "broadcast together" not in str(error):
                raise
            raise _broadcast_error_of(arrays, error) from None
        if type(out) is ndarray:
            result = _new(Tensor)
            result._data = out
            result._rg = False
            result._edge = NO_EDGE
        elif type(out) is not tuple:
            result = _plain_out(out)
        else:
            result = R.adopt_outputs(None, out) if R.adopts_outputs else tuple([_plain_out(o) for o in out])
    if _fw.level >= 0:
        _dual_apply(result, R, inputs, arrays, out)
    return result


def _any_requires_grad(edges):
    """Does one of record()'s `edges` require grad?"""
    for e in edges:
        if e._rg:
            return True
    return False


def _edges_of(edges):
    """next_functions for record()'s `edges` (any number of them)."""
    return tuple([e._edge or e._leaf_edge() for e in edges])


def _recorded_outputs(R, node, out):
    """record()'s result for a forward that did not return one array: the outputs of `node`."""
    if R.adopts_outputs:  # autograd.Function: its forward made Tensors; the rule links them itself
        return R.adopt_outputs(node, out)
    if R.multi_output:
        _graph_features.multi_output = True
        return tuple([_result(o, node, i) for i, o in enumerate(out)])
    return (_result(out[0], node),) + tuple([_plain_out(o) for o in out[1:]])  # R.aux_outputs


def _with_namespace(forward_into):
    """A rule's `forward_into(node, *arrays)` called as record() calls a forward: (node, xp, *arrays)."""
    return lambda node, xp, *arrays: forward_into(node, *arrays)


# The common real floating dtypes: float32 and float64 told by identity (cheaper than hashing a
# dtype), the others by one set lookup (a dtype outside still may be floating). Complex dtypes are
# outside, so that they take the branch that picks R's complex rule (_complex_method).
_F32, _F64 = np.dtype("f"), np.dtype("d")
_NATIVE_FLOATS = frozenset(np.dtype(c) for c in "fde")
_COMPLEX = frozenset(np.dtype(c) for c in "FD")
_INTEGERS = frozenset(np.dtype(c) for c in "?bBhHiIlLqQ")


def _unary(R, to_float=True):
    """A method for a one-input rule. to_float: integer inputs become the default float first.
    A complex input records R.complex_rule() (ops/_rule.py) when R is holomorphic (its rules are
    all to_float): the check sits in the branch real floating inputs skip (_complex_method)."""
    fwd = R.forward
    into = getattr(R, "forward_into", None)
    if into is not None:
        into = _with_namespace(into)
    record_r = own_copy(record)  # this method's own copy of record() (see engine.node.own_copy)
    # the dtypes a rule `refuses` (ops/_rule.py) are checked off the fast path of floating inputs:
    # `slow` sends the other dtypes there, for a rule that converts them or refuses some
    refuses = R.refuses
    slow = to_float or refuses is not None

    def method(self):
        a = self._data
        if slow and a.dtype is not _F32 and a.dtype is not _F64 and a.dtype not in _NATIVE_FLOATS:
            if refuses is not None:
                _refuse(refuses, self)
            if not to_float:
                pass
            elif a.dtype in _COMPLEX:
                if R.holomorphic and not R.conjugating:
                    return _complex_method(R, _unary, False)(self)
            elif a.dtype.kind != "f":
                a = a.astype(_F.float)
        if (into is not None and a.size >= _ELIDE_MIN_SIZE and _getrefcount(self) == _TEMP_UNARY_REFS
                and _array_alone(a) and _fw.level < 0):
            edges = (self,)
            return record(R, edges, (a,), edges, self._rg and (not _grad_off or _grad.enabled), into)
        if self._rg and (not _grad_off or _grad.enabled):
            edges = (self,)
            return record_r(R, edges, (a,), edges, True, fwd)
        # Nothing to record: the plain forward, inline (a call would cost a tenth of a tiny op).
        out = fwd(None, NP, a)
        if type(out) is not ndarray:
            out = _asarray(out)
        t = _new(Tensor)
        t._data = out
        t._rg = False
        t._edge = NO_EDGE
        return t if _fw.level < 0 else _dual(t, R, (self,), (a,))

    method.__name__ = R.__name__
    return method


def _refuse(refuses, t):
    """Raise the error a rule's `refuses` (ops/_rule.py) declares for the dtype of tensor t, if any:
    PyTorch's error for floor of a bool tensor, sign of a complex one, where NumPy would answer."""
    refused = refuses.get(t._data.dtype.kind)
    if refused is not None:
        raise refused[0](refused[1].format(type=_SCALAR_TYPE_NAMES[t.dtype.name]))


def apply_pair(R, self, other, a, b):
    """Rule R on two tensors whose arrays a, b the caller has checked: apply() without its loop over
    arguments (matmul's common case)."""
    edges = (self, other)
    return record(R, edges, (a, b), edges, (self._rg or other._rg) and (not _grad_off or _grad.enabled), R.forward)




def _scalar_operand(a, s, to_float):
    """Cast array `a` for an op with the Python number `s` (PyTorch's promotion: a number never
    widens a tensor within its kind, but a float makes an integer tensor the default float)."""
    ts = type(s)
    kind = a.dtype.kind
    if ts is _pyfloat:
        if kind not in "fc":
            a = a.astype(_F.float)
    elif ts is _pyint:
        if kind == "b":
            a = a.astype(_INT64_NP)
    elif ts is not _pybool:
        rt = D.result_np_dtype(a.dtype, D.DIM if a.ndim else D.ZERO_DIM, D.scalar_np_dtype(s), D.SCALAR)
        if rt != a.dtype:
            a = a.astype(rt)
    if to_float and a.dtype.kind in "biu":
        a = a.astype(_F.float)
    return a


def _pair_dtype(a, b):
    return D.result_np_dtype(a.dtype, D.DIM if a.ndim else D.ZERO_DIM,
                             b.dtype, D.DIM if b.ndim else D.ZERO_DIM)


def _operands(a, b, to_float):
    """Promote two arrays to their PyTorch result dtype."""
    rt = _pair_dtype(a, b)
    if to_float and rt.kind in "biu":
        rt = _F.float
    return a.astype(rt, copy=False), b.astype(rt, copy=False)


def _as_operand(other):
    """Turn a NumPy array or scalar into something the binary ops take (a Tensor stays itself);
    None if unsupported."""
    if isinstance(other, Tensor):  # (a reflected method called directly: x.__rsub__(y))
        return other
    if isinstance(other, np.ndarray):
        return _plain(other)
    if isinstance(other, np.generic):
        return other.item()
    if isinstance(other, numbers.Number):
        return other
    return None


def layout_like(a, out):
    """`out` laid out as its first operand `a` (PyTorch's rule for elementwise results), where `a` is
    a dense array of out's shape in another axis order and NumPy gave `out` C order."""
    if out.shape != a.shape or not out.flags.c_contiguous:
        return out
    if not is_dense(a):  # gaps or repeats: PyTorch too computes a fresh dense layout
        return out
    relaid = np.empty_like(a, dtype=out.dtype)  # (order "K": a's axis order)
    relaid[...] = out
    return relaid


def not_self(method, obj):
    """PyTorch's TypeError for a Tensor method called unbound on something that is not a tensor."""
    return TypeError(f"descriptor '{method.__name__}' for 'torch._C.TensorBase' objects doesn't apply to a "
                     f"'{type(obj).__name__}' object (call it on a tensor: x.{method.__name__}(other))")


def _binary(R, to_float=False, scalar_edge=True, name=None):
    """A method for a two-input rule (self op other). `to_float`: integer results become the
    default float (true division). `scalar_edge`: a Python-number operand still gets an empty
    edge in next_functions (PyTorch does this for add/sub/mul/div, not for pow/remainder).
    `name`: the method is the named form (x.add(y), torch.add), which raises PyTorch's TypeError for
    an operand that is neither a tensor nor a number; without it, it is an operator (__add__), which
    returns NotImplemented there, so that Python tries the other operand."""
    fwd = R.forward
    into = getattr(R, "forward_into", None)
    if into is not None:
        into = _with_namespace(into)
    # with a number operand, R's number_rule (declared on R itself: a complex twin has none)
    RN = R.__dict__.get("number_rule")
    fwd_n = None if RN is None else RN.forward
    record_r = own_copy(record)  # this method's own copies of record() (see engine.node.own_copy)
    record_n = None if RN is None else own_copy(record)
    scalars = {}  # (number, its type, tensor dtype) -> (0-d operand array, dtype to cast to or None)
    # the last (number, tensor dtype, entry) used: a loop repeats one number object (x * 0.5), and
    # identity tests cost less than hashing the key (one tuple, replaced whole: safe across threads)
    last = [(None, None, None)]
    D.on_default_dtype_change.append(scalars.clear)  # entries depend on the default float
    D.on_default_dtype_change.append(lambda: last.__setitem__(0, (None, None, None)))
    number = object()  # what `to` becomes for a number operand
    # A holomorphic R records its complex rule (ops/_rule.py) for complex operands (_complex_method);
    # the dtypes sent off the fast path: integers (to_float), complex (holomorphic). A real operand
    # meeting a complex one is cast by a recorded to() (_complex_operands).
    # (the method reads R's flags and to_float (_to_float) only off its fast path, and does not close
    # over them: each closure variable costs every call)
    slow = (_INTEGERS if to_float else frozenset()) | (_COMPLEX if R.holomorphic and not R.conjugating
                                                       or (R.refuses and "c" in R.refuses) else frozenset()) or None

    def method(self, other):
        try:
            a = self._data
        except AttributeError:  # called unbound on a non-tensor: Tensor.__radd__(2, x)
            raise not_self(method, self) from None
        to = type(other)
        if to is Tensor or to is _Parameter:  # (nn.Parameter tested second: a Tensor pays nothing for it)
            b = other._data
            dt = a.dtype
            if dt is not b.dtype or (dt is not _F32 and slow is not None and dt is not _F64 and dt in slow):
                if R is SubBackward0:
                    refuse_bool_subtraction(dt.kind == "b", b.dtype.kind == "b")
                a, b = _operands(a, b, _to_float(slow))
                if a.dtype in _COMPLEX:
                    redirected = _complex_pair(method, R, slow, scalar_edge, self, other, a.dtype)
                    if redirected is not None:
                        return redirected
            elif (into is not None and a.size >= _ELIDE_MIN_SIZE and _getrefcount(self) == _TEMP_BINARY_REFS
                  and _array_alone(a) and NP.fits_into(b.shape, a.shape) and _fw.level < 0):
                edges = (self, other)
                return record(R, edges, (a, b), edges, (self._rg or other._rg) and (not _grad_off or _grad.enabled), into)
            edges = (self, other)
            rg = self._rg or other._rg
            # PyTorch's result takes its first operand's layout (x.t() + y is laid out as x.t()); NumPy
            # picks C order when the operands disagree: such a result is laid out again below
            lay = a if a.ndim > 1 and not a.flags.c_contiguous else None
        elif to is _pyfloat or to is _pyint or to is _pybool or to is complex:
            # NumPy multiplies by a 0-d array twice as fast as by a Python number: convert once.
            dt = a.dtype
            hit = last[0]
            if hit[0] is other and hit[1] is dt:
                entry = hit[2]
            else:
                entry = scalars.get((other, to, dt))
                if entry is None:
                    if R is SubBackward0:
                        refuse_bool_subtraction(dt.kind == "b", to is _pybool)
                    entry = _scalar_entry(scalars, other, a, _to_float(slow), R.holomorphic and not R.conjugating,
                                          R.exact_on_scalars)
                last[0] = (other, dt, entry)
            b, cast, b_scalar = entry
            if cast is not None:
                if cast is _COMPLEX_RULE:
                    self = self if a.dtype == b.dtype else _to_dtype(self, b.dtype)
                    if R.holomorphic and not R.conjugating:
                        return _complex_method(R, _binary, _to_float(slow), scalar_edge)(self, other)
                    return method(self, other)
                a = a.astype(cast)
            if b_scalar is not None and not a.ndim:  # 0-d: NumPy scalars compute the same bits faster
                a = a[()]
                b = b_scalar
            edges = (self, EMPTY_EDGE) if scalar_edge else (self,)
            rg = self._rg
            lay = None
            if rg and RN is not None and (not _grad_off or _grad.enabled) and _fw.level < 0:
                # R's number rule (it keeps no inputs, which forward AD would read); NumPy has
                # nothing to refuse here: a tensor that requires grad is floating, the number 0-d
                return record_n(RN, None, (a, b), edges, True, fwd_n)
            to = number
        else:
            if has_torch_function((other,)):  # a tensor-like operand takes the call (vmap's BatchedTensor)
                return handle_torch_function(method, (self, other), self, other)
            operand = _as_operand(other)
            if operand is None:
                if name is not None:
                    raise wrong_operand(name, other)
                return NotImplemented
            return method(self, operand)
        try:
            if rg and (not _grad_off or _grad.enabled):
                if lay is None:
                    return record_r(R, (self, other) if to is number else edges, (a, b), edges, True, fwd)
                t = record_r(R, edges, (a, b), edges, True, fwd)
                t._data = layout_like(lay, t._data)
                return t
            out = fwd(None, NP, a, b)  # nothing to record: inline, as in _unary
        except ValueError as e:
            raise _broadcast_error(a, b, e) from None
        except TypeError:
            raise _unsupported(R, a, b) from None
        if type(out) is not ndarray:
            out = _asarray(out)
        t = _new(Tensor)
        t._data = out if lay is None else layout_like(lay, out)
        t._rg = False
        t._edge = NO_EDGE
        return t if _fw.level < 0 else _dual(t, R, (self, None if to is number else other), (a, b))

    method.__name__ = R.__name__
    return method


def _complex_pair(method, R, slow, scalar_edge, self, other, dtype):
    """_binary's method on two tensors promoted to the complex `dtype`, where it must go elsewhere: a
    real operand is cast first (by a recorded to()), and a holomorphic rule applies its complex form
    (ops/_rule.py). None: neither, the method goes on with the promoted arrays."""
    if R.refuses is not None and "c" in R.refuses:  # (maximum of complex tensors ...: PyTorch's error)
        _refuse(R.refuses, self if self._data.dtype.kind == "c" else other)
    if self._data.dtype != dtype or other._data.dtype != dtype:
        return method(*_complex_operands(self, other, dtype))
    if R.holomorphic and not R.conjugating:
        return _complex_method(R, _binary, _to_float(slow), scalar_edge)(self, other)
    return None


def _to_float(slow):
    """_binary's `to_float`, read back from its dtypes sent off the fast path (`slow`, or None):
    integer results become floats exactly where integers are among them."""
    return slow is not None and _BOOL_NP in slow


_COMPLEX_METHODS: dict = {}  # (R, applier, its options) -> the applier's method for R.complex_rule()


def _complex_method(R, applier, *options):
    """The method `applier(R.complex_rule(), *options)` for complex operands of a holomorphic R,
    made on first use (real programs never make the twin rules nor these methods)."""
    key = (R, applier) + options
    method = _COMPLEX_METHODS.get(key)
    if method is None:
        method = _COMPLEX_METHODS[key] = applier(R.complex_rule(), *options)
    return method


def _complex_operands(self, other, dtype):
    """self and other as tensors of the complex `dtype`, each cast by a recorded to() where it is
    not one already: the gradient reaching a real operand is then the real part of the complex
    one, as in PyTorch (the cast's vjp), never a complex array in a real tensor's graph."""
    if self._data.dtype != dtype:
        self = _to_dtype(self, dtype)
    if other._data.dtype != dtype:
        other = _to_dtype(other, dtype)
    return self, other


_COMPLEX_RULE = object()  # _scalar_entry's cast for a complex result: _binary casts and dispatches


def _scalar_entry(cache, value, a, to_float, complex_rule=False, exact_on_scalars=False):
    """How a Python number combines with array `a` (see _binary): the number as a read-only 0-d
    array of the result dtype; the dtype `a` must be cast to (None if it stays), or
    _COMPLEX_RULE for a complex result where `a` is real (it is cast by a recorded to(), see
    _complex_operands) or where `complex_rule` (the op records R's complex rule); and, for a
    floating result of a rule that is `exact_on_scalars`, the number as a NumPy scalar of that
    dtype (what a 0-d `a` computes with), else None."""
    if len(cache) > 256:  # numbers that change every call (x * random()) must not pile up
        cache.clear()
    cast_a = _scalar_operand(a, value, to_float)
    dt = cast_a.dtype
    b = np.array(value).astype(dt) if type(value) is _pyint else np.asarray(value, dtype=dt)
    b.flags.writeable = False
    entry = (b, _COMPLEX_RULE if dt.kind == "c" and (complex_rule or a.dtype.kind != "c")
             else None if dt == a.dtype else dt, b[()] if exact_on_scalars and dt.kind == "f" else None)
    # NaN never equals itself (it would be a new key each time), and -0.0 equals 0.0 (it would find
    # the other's entry, but copysign and division tell them apart): neither is kept.
    if value == value and (value or type(value) is not _pyfloat):
        cache[(value, type(value), a.dtype)] = entry
    return entry


def refuse_bool_subtraction(a_is_bool, b_is_bool):
    """PyTorch refuses a subtraction with a bool operand (a tensor or a Python bool), where NumPy would
    count True as 1: its two messages."""
    if a_is_bool and b_is_bool:
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                           "Use the `^` or `logical_xor()` operator instead.")
    if a_is_bool or b_is_bool:
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying "
                           "to invert a mask, use the `~` or `logical_not()` operator instead.")


def _unsupported(R, a, b):
    """NumPy refused the dtypes (e.g. bool - bool): PyTorch's error instead of NumPy's."""
    da, db = _from_np[a.dtype], _from_np[NP.asarray(b).dtype]
    if R is SubBackward0 and da.name == "bool" and db.name == "bool":
        return RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                            "Use the `^` or `logical_xor()` operator instead.")
    name = R.op_name or R.__name__[:-len("Backward0")].lower()
    kernel = _KERNEL_NAMES.get(name, name + "_cpu")
    bad = da if da.category >= db.category else db  # (the promoted dtype: what PyTorch's kernel runs on)
    return NotImplementedError(f"\"{kernel}\" not implemented for '{_SCALAR_TYPE_NAMES[bad.name]}' ({name} does "
                               f"not take {_SCALAR_TYPE_NAMES[da.name]} and {_SCALAR_TYPE_NAMES[db.name]} tensors)")


_KERNEL_NAMES = {"floor_divide": "div_floor_cpu"}  # PyTorch's kernel names, where not <op>_cpu


def _broadcast_error(a, b, e):
    sa, sb = NP.shape(a), NP.shape(b)
    if "broadcast" in str(e):
        return RuntimeError(
            f"The size of tensor a ({_mismatch(sa, sb)[0]}) must match the size of tensor b "
            f"({_mismatch(sa, sb)[1]}) at non-singleton dimension {_mismatch(sa, sb)[2]} "
            f"(shapes {list(sa)} and {list(sb)} do not broadcast)"
        )
    return RuntimeError(str(e))


def _broadcast_error_of(arrays, e):
    """PyTorch's error for the arrays of a rule's forward whose shapes do not broadcast (NumPy's
    "operands could not be broadcast together" must not reach the user): the first pair that clashes."""
    shaped = [a for a in arrays if type(a) is ndarray]
    for i, a in enumerate(shaped):
        for b in shaped[i + 1:]:
            try:
                np.broadcast_shapes(a.shape, b.shape)
            except ValueError:
                return _broadcast_error(a, b, e)
    return RuntimeError(f"the shapes of the operands do not broadcast ({', '.join(str(list(a.shape)) for a in shaped)})")


def _mismatch(sa, sb):
    n = max(len(sa), len(sb))
    pa = (1,) * (n - len(sa)) + tuple(sa)
    pb = (1,) * (n - len(sb)) + tuple(sb)
    for i in range(n - 1, -1, -1):
        if pa[i] != pb[i] and pa[i] != 1 and pb[i] != 1:
            return pa[i], pb[i], i
    return sa, sb, 0


def _reflected(R, to_float=False, scalar_edge=True):
    """other op self, for `2 * x` etc. Tensor-Tensor reflected calls never happen (Python calls the
    left operand's method), so the left operand here is a number or an array."""
    forward_method = _binary(R, to_float, scalar_edge)

    def method(self, other):
        other = _as_operand(other)
        if other is None:
            return NotImplemented
        left = other if isinstance(other, Tensor) else _scalar_tensor(other, self)
        return forward_method(left, self)

    return method


def _scalar_tensor(value, like):
    """A 0-d tensor for a Python number on the left of an op, typed as PyTorch's wrapped numbers
    promote (so `2 ** x` on a float32 x is float32)."""
    a = _scalar_operand(like._data, value, False)
    return _plain(_asarray(value, dtype=a.dtype if type(value) is not _pyfloat or a.dtype.kind in "fc"
                           else _F.float))


def apply(R, *args):
    """Apply rule R to args (Tensors and constants) through its forward; record a node whose edges
    are the Tensor args (except positions in R.nondiff). Returns the output Tensor(s)."""
    arrays = list(args)
    edges = []
    rg = False
    skip = R.nondiff
    i = 0
    for a in args:  # a plain loop: comprehensions cost a frame each
        ta = type(a)
        if ta is Tensor or ta is _Parameter:
            arrays[i] = a._data
            if not skip or i not in skip:
                edges.append(a)
                if a._rg:
                    rg = True
        i += 1
    return record(R, args, arrays, edges, rg and (not _grad_off or _grad.enabled), R.forward)


def apply_one(R, input, *constants):
    """apply() for a rule whose one Tensor argument comes first, followed by constants (a reduction
    and its dims, a view and its shape): its edge is known without a loop over the arguments, and
    without grad mode or a dual level the forward runs inline (calling the recorder would cost
    about what a tiny view costs)."""
    recorded = input._rg and (not _grad_off or _grad.enabled)
    if recorded or _fw.level >= 0:
        edges = (input,)
        return record(R, edges + constants, (input._data,) + constants, edges, recorded, R.forward)
    out = R.forward(None, NP, input._data, *constants)
    return tuple([_plain_out(o) for o in out]) if type(out) is tuple else _plain_out(out)


def _dual_apply(result, R, args, arrays, out):
    """apply()'s results get their tangents (see _dual)."""
    if R.adopts_outputs:  # autograd.Function: Function.apply runs the Function's own jvp instead
        return
    skip = R.nondiff
    tensors = [a if isinstance(a, Tensor) and (not skip or i not in skip) else None for i, a in enumerate(args)]
    tangent = _tangent_of(R, tensors, arrays, out, result)
    if tangent is None:
        return
    if R.multi_output:
        for t, tan in zip(result, tangent):
            if tan is not None:
                _forward_ad.set_tangent(t, tan)
    else:
        _forward_ad.set_tangent(result[0] if R.aux_outputs else result, tangent)


_norm_dim = norm_dim  # the name the Tensor layer's modules import it by


def _to_dtype(t, np_dtype):
    from ..ops.shape import ToCopyBackward0
    return apply(ToCopyBackward0, t, np_dtype)


from ..ops.shape import CloneBackward0, is_dense  # noqa: E402


# Placeholder until _tensor/__init__.py builds the final class from TensorBase and the method
# families; bind_tensor_class then points this name (and each family module's) at it. mypy reads
# the final class instead, so the annotations here promise its methods.
from typing import TYPE_CHECKING  # noqa: E402
if TYPE_CHECKING:
    from . import Tensor
else:
    Tensor = TensorBase


class _Families:
    """What this module uses from the modules built on it (it cannot import them: they import it),
    handed over by _tensor/__init__.py through bind_tensor_class: the Tensor namespace (xp.TX, for
    tangents recorded on Tensors) and the writes through views (_indexing)."""

    __slots__ = ("tensor_namespace", "copy_into_view", "tangent_into_base", "refresh_views")


_families = _Families()


def bind_tensor_class(cls, modules, **families):
    """Make `cls` the class every hot path creates and tests with `type(x) is Tensor`: set the
    global `Tensor` of this module and of each module in `modules` (the one late binding)."""
    global Tensor
    Tensor = cls
    for name, value in families.items():
        setattr(_families, name, value)
    for module in modules:
        if getattr(module, "Tensor", None) is TensorBase:
            module.Tensor = cls


# ============================================================================ appliers with extra arguments
def _by_operand(for_tensor, for_number, name=None):
    """One method that picks the rule by the other operand: PyTorch names the tensor-tensor and
    tensor-number forms of some ops differently (RemainderBackward1 vs RemainderBackward0). `name`:
    the named form (see _binary), which refuses an operand that is neither a tensor nor a number."""
    def method(self, other):
        to = type(other)
        if to is Tensor or to is _Parameter:
            return for_tensor(self, other)
        result = for_number(self, other)
        if result is NotImplemented and name is not None:
            raise wrong_operand(name, other)
        return result
    return method


def wrong_operand(name, other, parameter="other", kinds="Tensor or Number"):
    """PyTorch's TypeError for a named op called with an operand of the wrong type (x.add(None),
    torch.mul(x, "a")): an operator (x + None) returns NotImplemented instead."""
    return TypeError(f"{name}(): argument '{parameter}' must be {kinds}, not {type(other).__name__} "
                     f"(pass a tensor, e.g. torch.tensor(...), or a Python number)")


def where(condition, input=_args.OMITTED, other=_args.OMITTED):
    """torch.where(cond, a, b): a where cond holds, else b (broadcast, differentiable in a and b)."""
    if input is _args.OMITTED and other is _args.OMITTED:
        if not isinstance(condition, Tensor):
            raise not_a_tensor("where", "condition", condition)
        return condition.nonzero(as_tuple=True)
    if input is None or other is None or input is _args.OMITTED or other is _args.OMITTED:
        # PyTorch takes where(condition) or where(condition, input, other), and no None
        got = ", ".join(type_name(v) for v in (condition, input, other) if v is not _args.OMITTED)
        raise TypeError(f"where() received an invalid combination of arguments - got ({got}), but expected one of: "
                        "(Tensor condition) or (Tensor condition, Tensor or Number input, Tensor or Number other)")
    if (type(condition) is not Tensor or type(input) is not Tensor or type(other) is not Tensor) and \
            has_torch_function((condition, input, other)):  # a tensor-like argument takes the call (vmap's)
        return handle_torch_function(where, (condition, input, other), condition, input, other)
    if not isinstance(condition, Tensor):
        raise TypeError(f"where(): argument 'condition' must be Tensor, not {type(condition).__name__}")
    if condition._data.dtype != _BOOL_NP:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with "
                           f"dtype {condition.dtype.name.capitalize()}")
    input_is_tensor, other_is_tensor = isinstance(input, Tensor), isinstance(other, Tensor)
    if not input_is_tensor and not other_is_tensor:   # two numbers: 0-d tensors of their promoted type
        for name, value in (("input", input), ("other", other)):
            if not isinstance(value, (_pybool, _pyint, _pyfloat, complex, np.generic)):
                raise TypeError(f"where(): argument '{name}' must be Tensor or Number, not {type(value).__name__}")
        rt = D.result_np_dtype(D.scalar_np_dtype(input), D.SCALAR, D.scalar_np_dtype(other), D.SCALAR)
        return where(condition, _plain(_asarray(input, rt)), _plain(_asarray(other, rt)))
    ref = input if input_is_tensor else other
    if not input_is_tensor or not other_is_tensor:  # a number: PyTorch's wrapped-number rule
        num = other if input_is_tensor else input
        rt = D.result_np_dtype(ref._data.dtype, D.DIM if ref._data.ndim else D.ZERO_DIM,
                               D.scalar_np_dtype(num), D.SCALAR)
        fitted = D.check_number_fits(num, rt)   # PyTorch's overflow error, not NumPy's; -1 wraps into uint8
        if fitted is not num:
            input, other = (fitted, other) if other_is_tensor else (input, fitted)
    else:
        rt = _pair_dtype(input._data, other._data)
    x = input if input_is_tensor else _scalar_tensor(input, ref)
    y = other if other_is_tensor else _scalar_tensor(other, ref)
    if x._data.dtype != rt or y._data.dtype != rt:
        x, y = x.to(_from_np[rt]), y.to(_from_np[rt])
    try:
        result = apply(WhereBackward0, condition, x, y)
    except ValueError as e:
        raise _broadcast_error(condition._data, NP.broadcast_to(x._data, NP.shape(x._data)), e) from None
    c = condition._data
    if c.ndim > 1 and not c.flags.c_contiguous:  # laid out as its first operand, as elementwise ops are
        result._data = layout_like(c, result._data)
    return result


WhereBackward0.nondiff = (0,)


# ---------------------------------------------------------------------------- comparisons, logic
_SCALAR_COMPARISONS = {np.less: operator.lt, np.less_equal: operator.le, np.greater: operator.gt,
                       np.greater_equal: operator.ge, np.equal: operator.eq, np.not_equal: operator.ne}


def _no_grad_binary(f, name, named=False):
    """Comparisons and logic ops: computed on arrays, never differentiable. `named`: the named form
    (x.eq(y)), which raises a TypeError where the operator (x == y) returns NotImplemented."""
    numbers = {}  # (number, its type, tensor dtype) -> the number as NumPy would convert it, or None
    scalar_op = _SCALAR_COMPARISONS.get(f)  # the same comparison on NumPy scalars (exact: same answer)
    # an ordering (lt, le, gt, ge) refuses complex operands (NumPy would order them lexicographically)
    ordered = f in (np.less, np.less_equal, np.greater, np.greater_equal)

    def method(self, other):
        a = self._data
        to = type(other)
        if to is Tensor:
            b = other._data
        elif to is _pyfloat or to is _pyint or to is _pybool:
            # NumPy compares with a 0-d array twice as fast as with a Python number: convert once
            b = numbers.get((other, to, a.dtype))
            if b is None:
                b = _comparison_operand(numbers, other, a.dtype)
            if not a.ndim and scalar_op is not None and type(b) is ndarray and a.dtype.kind in "fiub":
                return _plain(_asarray(scalar_op(a[()], b[()])))  # 0-d: NumPy scalars compare faster
        elif isinstance(other, Tensor):  # a Tensor subclass (nn.Parameter)
            b = other._data
        else:
            b = _as_operand(other)
            if b is None:
                if named:
                    raise wrong_operand(name, other)
                return NotImplemented
            if type(b) is Tensor:  # _as_operand wraps arrays as plain tensors
                b = b._data
        if ordered and (a.dtype.kind == "c" or type(b) is complex or getattr(b, "dtype", a.dtype).kind == "c"):
            raise NotImplementedError(f"\"{name}_cpu\" not implemented for 'ComplexFloat' (complex numbers have no "
                                      "order: compare x.real or x.abs())")
        try:
            out = f(a, b)
        except ValueError as e:
            raise _broadcast_error(a, b, e) from None
        if type(out) is not ndarray:
            out = _asarray(out)
        t = _new(Tensor)
        t._data = out
        t._rg = False
        t._edge = NO_EDGE
        return t
    method.__name__ = name
    return method


def _comparison_operand(cache, value, dtype):
    """A Python number for a comparison with an array of `dtype`: the read-only 0-d array NumPy
    would turn it into (kept in `cache`), or the number itself where that conversion is not exact
    (out of the type's range, or NaN): NumPy's own handling of such numbers then applies."""
    rt = np.result_type(dtype, value)  # NumPy's rule: a Python number takes the array's kind
    kind = rt.kind
    if value != value:
        return value
    if kind in "iu":
        info = np.iinfo(rt)
        if not info.min <= value <= info.max:
            if dtype.kind not in "iu" or type(value) is not _pyint:
                return value
            # PyTorch converts the number to the tensor's integer type, wrapping around as C does
            if value >= 1 << 64:
                raise OverflowError("int too big to convert")
            if value < -(1 << 63):
                raise OverflowError("can't convert negative int to unsigned")
            b = np.array(value, np.uint64 if value >= 1 << 63 else np.int64).astype(dtype)
            b.flags.writeable = False
            return b
    elif kind in "fc" and value - value == 0 and not abs(value) <= np.finfo(rt).max:  # finite, too big
        return value
    b = np.asarray(value, dtype=rt)
    b.flags.writeable = False
    if len(cache) > 256:  # numbers that change every call must not pile up
        cache.clear()
    cache[(value, type(value), dtype)] = b
    return b


# ---------------------------------------------------------------------------- in place
LEAF_INPLACE_MSG = ("a leaf Variable that requires grad is being used in an in-place operation. "
                    "(Wrap the update in `with torch.no_grad():`, or operate on a clone.)")


def retain_on_current_edge(t: TensorBase) -> None:
    """Keep t's gradient in t.grad, from the node that now computes t: retain_grad(), and again
    after an in-place op gave t a new history (PyTorch's retained gradient is that of the tensor's
    current version; the hook on the old node is removed)."""
    old = t.__dict__.pop("_retain_handle", None)
    if old is not None:
        old.remove()
    ref = weakref.ref(t)

    def keep(grad: Tensor) -> None:
        kept = ref()
        if kept is not None:
            kept._grad = grad.detach().clone() if kept._grad is None else kept._grad + grad.detach()  # type: ignore[operator]
    edge = t._edge
    if edge is not None and edge[0] is not None:
        t.__dict__["_retain_handle"] = edge[0]._add_pre_hook(edge[1], keep)


def _bump_version(t):
    root = t if t._base is None else t._base
    root._vc += 1
    root._stamp = _inplace.last = _next_stamp()
    old = root._edge  # an op that saved this storage as its output can no longer use it
    if old is not None and old[0] is not None and old[0].saves_output:
        old[0]._out_dirty = True
    if "_nograd_views" in root.__dict__:
        _poison_nograd_views(root)


# ---------------------------------------------------------------------------- views made under no_grad
# PyTorch: a view taken under no_grad (or inference_mode) of a tensor that requires grad still
# requires grad, as a leaf without grad_fn through which no gradient flows. Writing it in place with
# grad mode on is refused, and once its storage is written in place (by any view, in any mode) it
# can no longer take part in a recorded op: whether that write should reach its history is ambiguous.
_NOGRAD_VIEW_ADVICE = (
    "Given that this use case is ambiguous and error-prone, it is forbidden. You can clarify your code by "
    "moving both the view and the inplace either both inside the no_grad block (if you don't want the "
    "inplace to be tracked) or both outside (if you want the inplace to be tracked).")


def _nograd_view_message(view: TensorBase, what: str) -> str:
    """PyTorch's text for a misuse of a no-grad view (`what`: how it was misused)."""
    if view._nograd == 1:
        return f"A view was created in no_grad mode and {what}. {_NOGRAD_VIEW_ADVICE}"
    e = view._edge
    name = type(e[0]).__name__ if e is not None and e[0] is not None else "a view"
    name = name.split("Backward")[0] if "Backward" in name else name
    return (f"Output {0 if e is None else e[1]} of {name} is a view of a view which was created in no_grad "
            f"mode and {what}. {_NOGRAD_VIEW_ADVICE}")


INPLACE_ON_NOGRAD_VIEW = "is being modified inplace with grad mode enabled"
WRITTEN_UNDER_NOGRAD_VIEW = "its base or another view of its base has been modified inplace with grad mode enabled"


def mark_nograd_view(out: TensorBase, base: TensorBase, level: int = 1) -> None:
    """Make `out`, a view of `base` taken where grad mode is off (level 1) or a recorded view of such
    a view (level 2), a no-grad view: level 1 requires grad as a leaf through which no gradient
    flows; both are remembered by their base, to be poisoned by its next in-place write."""
    if level == 1:
        out._rg = True
        out._edge = NO_EDGE
    out._nograd = level
    views = base.__dict__.get("_nograd_views")
    if views is None:
        views = base.__dict__["_nograd_views"] = []
    elif len(views) >= 32 and len(views) & (len(views) - 1) == 0:  # now and then, drop dead ones
        views[:] = [r for r in views if r() is not None]
    views.append(weakref.ref(out))


def _poison_nograd_views(root: TensorBase) -> None:
    """After an in-place write into root's storage: every no-grad view of it refuses to be used in
    a recorded op (its edge is made on use, by a _leaf_edge of its own that raises)."""
    for r in root.__dict__.pop("_nograd_views"):
        view = r()
        if view is not None and view._rg:
            message = _nograd_view_message(view, WRITTEN_UNDER_NOGRAD_VIEW)

            def refuse(message: str = message) -> NoReturn:
                raise RuntimeError(message)
            view._edge = None
            view.__dict__["_leaf_edge"] = refuse


def _check_inplace(self, *others):
    """Raise for in-place on a leaf that requires grad; say whether the op must be recorded."""
    if not _grad.enabled:
        return False
    if self._rg:
        if self._nograd:
            raise RuntimeError(_nograd_view_message(self, INPLACE_ON_NOGRAD_VIEW))
        if self.is_leaf:
            raise RuntimeError(LEAF_INPLACE_MSG)
        return True
    for o in others:
        to = type(o)
        if (to is Tensor or to is _Parameter) and o._rg:
            return True
    return False


def _write_into(self, result):
    """Store `result` (a Tensor computed out of place) into self's storage, and make self the
    output of result's node when it has one."""
    src = result._data
    dst = self._data
    if src.dtype != dst.dtype and _from_np[src.dtype].category > _from_np[dst.dtype].category:
        _raise_cast(_from_np[src.dtype], _from_np[dst.dtype])
    if src.shape != dst.shape:
        try:
            fits = np.broadcast_shapes(src.shape, dst.shape) == dst.shape
        except ValueError:
            fits = False
        if not fits:
            _raise_out_shape(dst.shape, src.shape)
    if not dst.flags.writeable:
        dst = writable_data(self)
    if _fw.level >= 0:  # the result's tangent becomes self's
        tangent = _forward_ad.tangent(result)
        if isinstance(tangent, Tensor):  # recorded: stays a Tensor
            _forward_ad.set_tangent(self, tangent.expand(dst.shape).to(_from_np[dst.dtype]).clone())
        elif tangent is not None:
            _forward_ad.set_tangent(self, np.array(np.broadcast_to(tangent, dst.shape), dtype=dst.dtype))
        if self._base is not None and (tangent is not None or _forward_ad.tangent(self._base) is not None):
            _families.tangent_into_base(self)
    if self._base is not None and result._rg:
        edge = self._edge
        if edge is not None and edge[0] is not None and edge[0].adopts_outputs:  # a custom Function's view
            raise edge[0].view_modified_error(edge[1])
        if edge is not None and edge[0] is not None and edge[0].multi_output:
            raise RuntimeError(
                f"Output {edge[1]} of {type(edge[0]).__name__} is a view and is being modified inplace. "
                "This view is the output of a function that returns multiple views. Such functions do not "
                "allow the output views to be modified inplace. You should replace the inplace operation "
                "by an out-of-place one.")
        _families.copy_into_view(self, result)
        return self
    np.copyto(dst, src, casting="unsafe")
    _bump_version(self)
    if result._rg:
        self._rg = True
        self._edge = result._edge
        if self._retains_grad:
            retain_on_current_edge(self)
        if "_views" in self.__dict__:  # views taken earlier must see the new history
            _families.refresh_views(self)
    return self


def _snapshot(t):
    """A tensor with t's current values and t's edge, for recording an in-place op on t (rules may
    save their input, which the write would otherwise overwrite)."""
    s = _new(Tensor)
    s._data = t._data.copy()
    s._rg = t._rg
    s._edge = t._edge or t._leaf_edge() if t._rg else NO_EDGE
    if _fw.level >= 0:
        tangent = _forward_ad.tangent(t)
        if tangent is not None:
            _forward_ad.set_tangent(s, tangent)
    return s


def _carries_tangent(*values):
    return any(isinstance(v, Tensor) and _forward_ad.tangent(v) is not None for v in values)


_SCALAR_TYPE_NAMES = D.SCALAR_TYPE_NAMES


def _raise_cast(result, target):
    raise RuntimeError(f"result type {_SCALAR_TYPE_NAMES[result.name]} can't be cast to the desired "
                       f"output type {_SCALAR_TYPE_NAMES[target.name]}")


def _inplace_result_dtype(dst, other):
    """The dtype PyTorch computes `dst op other` in (to check it fits back into dst)."""
    if isinstance(other, Tensor):
        return _from_np[_pair_dtype(dst, other._data)]
    if type(other) is ndarray:
        return _from_np[_pair_dtype(dst, other)]
    return _from_np[D.result_np_dtype(dst.dtype, D.DIM if dst.ndim else D.ZERO_DIM,
                                      D.scalar_np_dtype(other), D.SCALAR)]


_OVERLAP_MSG = ("unsupported operation: more than one element of the written-to tensor refers to a single memory "
                "location. Please clone() the tensor before performing the operation.")


class _WritableAlias:
    """The array interface of a read-only array's memory, marked writable (NumPy reads it)."""

    __slots__ = ("__array_interface__", "owner")

    def __init__(self, interface: dict[str, Any], owner: ndarray) -> None:
        self.__array_interface__ = interface
        self.owner = owner  # keeps the memory alive


def writable_data(t: TensorBase, repeats_ok: builtins.bool = False) -> ndarray:
    """t's array, ready to be written. NumPy marks every view of a broadcast (an expand) read-only;
    PyTorch writes one whose elements are distinct (expand(2, 3)[0]) and refuses one that repeats
    an element, unless every element gets the same value (`repeats_ok`: fill_, zero_, x[...] = 1).
    Such a view gets a writable array over the same memory (its base's, which must be writable
    itself); a refused one raises PyTorch's error."""
    a = t._data
    if a.flags.writeable:
        return a
    base = t._base
    if base is None or not base._data.flags.writeable:
        raise RuntimeError(_OVERLAP_MSG)
    if not repeats_ok:  # each dim, by increasing stride, must step past everything the smaller ones reach
        reach = a.itemsize
        for stride, n in sorted((abs(st), n) for st, n in zip(a.strides, a.shape) if n > 1):
            if stride < reach:
                raise RuntimeError(_OVERLAP_MSG)
            reach += stride * (n - 1)
    interface = dict(a.__array_interface__)
    interface["data"] = (interface["data"][0], False)
    t._data = alias = np.asarray(_WritableAlias(interface, base._data))
    return alias


def _raise_out_shape(out_shape, other_shape):
    try:
        shape = list(np.broadcast_shapes(out_shape, other_shape))
    except ValueError:
        raise RuntimeError(f"The size of tensor a ({list(out_shape)}) must match the size of tensor b "
                           f"({list(other_shape)}): shapes do not broadcast") from None
    raise RuntimeError(f"output with shape {list(out_shape)} doesn't match the broadcast shape {shape}")


def _wrap_tensor(arr):
    return _plain_out(arr)


def _is_tensor(x):
    return isinstance(x, Tensor)
