"""vmap's vectorized path: BatchedTensor, one tensor standing for a whole batch of examples.

Inside vmap(f), each mapped input reaches f as a BatchedTensor. It shows f the shape of one example
(its logical shape) and holds every example in `_phys`, an ordinary Tensor whose dim 0 is the batch.
An op on BatchedTensors runs once, on `_phys`, with its dims moved past the batch dim (the batching
rules below), and its result is batched again. Autograd records the ops on `_phys` like any others;
as examples never mix, one example's output reaches only that example's rows, so backward needs no
rules of its own. Gradients with respect to a tensor every example shares must still come out per
example: grad() inside vmap differentiates a copy of it per example (see `expand_to_active`).

How an op reaches its rule:
  * a method (x.exp(), x.sum(1), x[0]): BatchedTensor's own method, made from the rule of the
    method's batching kind (`KINDS`; which method has which kind: `_METHOD_KINDS`);
  * a torch function (torch.stack, torch.where, F.linear, autograd.grad ...): the function finds a
    BatchedTensor among its arguments on its slow path and hands the call to
    `BatchedTensor.__torch_function__` (PyTorch's protocol, torchless/overrides.py), which looks the
    rule up by the function (or by the kind the function declares as its `batching` attribute).

The breadth ops (issue 12) are batched by two general kinds (ops/_rule.py): "batch_dims" for ops that
take leading batch dims (the batch in front, dims counted from the end), "batch_first" for ops whose
input's first dim is already a batch (the vmap batch folded into it); a torch function declares its kind
and the names of its dim parameters (`declare_batching`), a method's are in _BATCH_DIMS_METHODS. Ops
that PyTorch's vmap refuses (a batch of dynamic shapes: unique, nonzero, masked_select over a batched
mask; batch norm's running statistics) raise its RuntimeError at once (VmapRefusal), without a loop.

An op without a rule reads the BatchedTensor's `_data` (or finds no entry in the table), which raises
_Unbatchable, the "no batching rule" signal: vmap then runs f once per example instead, which gives
the same results, slower. Nothing else makes vmap loop. An error raised inside a rule by the op it
runs (a shape or dtype mistake in f: its message would name the batched shapes) also makes vmap run
the loop, which raises the example's own error as PyTorch does; if the loop then raises nothing, the
rule was wrong, and vmap raises that first error instead of hiding it (func.vmap). Any other error
propagates as it is.

Nested vmaps: a level-2 BatchedTensor's `_phys` may itself be a level-1 BatchedTensor, so the
physical tensor's leading dims are the batches, outermost level first.
"""
import operator
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Set, Tuple

from .._tensor import Tensor
from .._tensor._core import CPU, Size, _norm_dim
from ..engine.state import modes as _modes
from ..overrides import Overridden
from ._pytree import all_values, out_dims_per_leaf

__all__ = ["BatchedTensor", "KINDS", "vectorized_call", "Fallback", "physical", "levels_of",
           "wrap_like", "expand_to_active"]

# The vmap levels are per thread (engine/state.py): _modes.vmap_active holds (level, batch size) of
# each vmap running vectorized in this thread, outermost first; _modes.vmap_live the levels whose
# tensors are still valid; _modes.vmap_next_level the last level handed out.

_ESCAPED_MSG = ("vmap: a tensor from inside vmap(f) was used after vmap returned (stored in a global or a "
                "closure). Return it from f instead.")


class _Unbatchable(Overridden):
    """The "no batching rule" signal: an op met a BatchedTensor of `level` and cannot run batched,
    so that vmap must run f once per example. `cause`: the error the op raised on the batch, when
    that is why (the loop must then raise an error too). A BaseException, so that no
    `except Exception` on the way swallows it before vmap falls back to its loop."""

    def __init__(self, level: int, cause: Optional[BaseException] = None) -> None:
        super().__init__(level)
        self.level = level
        self.cause = cause


def _no_rule(self: "BatchedTensor") -> Any:
    """What Tensor's own code gets when it reads a BatchedTensor's array or graph fields."""
    level = object.__getattribute__(self, "_level")
    if level not in _modes.vmap_live:
        raise RuntimeError(_ESCAPED_MSG)
    raise _Unbatchable(level)


class BatchedTensor(Tensor):
    """One example's view of a batch (see the module docstring). `_phys`: all examples, batch at
    dim 0; `_level`: which vmap it belongs to."""

    __slots__ = ("_phys", "_level")
    __hash__ = Tensor.__hash__
    _phys: Any
    _level: int

    # Tensor's own code reads these; here they mean "no batching rule": fall back to the loop.
    _data = property(_no_rule)  # type: ignore[assignment]
    _rg = property(_no_rule)  # type: ignore[assignment]
    _edge = property(_no_rule)  # type: ignore[assignment]

    @classmethod
    def __torch_function__(cls, func: Callable[..., Any], types: Tuple[type, ...], args: Sequence[Any] = (),
                           kwargs: Optional[Dict[str, Any]] = None) -> Any:
        """A torch function called with a BatchedTensor: its batching rule, found by the function
        (see _function_rule); no rule raises the signal that makes vmap loop."""
        rule = _FUNCTION_RULES.get(func)
        if rule is None:
            rule = _function_rule(func)
        return rule(*args, **(kwargs or {}))

    # ------------------------------------------------------------------ what f sees
    @property
    def shape(self) -> Size:  # type: ignore[override]
        """The shape of one example."""
        return Size(self._phys.shape[1:])

    def size(self, dim: Optional[int] = None) -> Any:
        """The shape of one example, or its size along dim."""
        shape = self._phys.shape[1:]
        return Size(shape) if dim is None else shape[_dim(dim, len(shape))]

    def dim(self) -> int:
        """The number of dims of one example."""
        return int(self._phys.dim()) - 1

    ndim = property(dim)  # type: ignore[assignment]
    ndimension = dim

    def numel(self) -> int:
        """The number of elements of one example."""
        n = 1
        for s in self._phys.shape[1:]:
            n *= s
        return n

    nelement = numel

    @property
    def dtype(self) -> Any:  # type: ignore[override]
        """The examples' dtype."""
        return self._phys.dtype

    @property
    def device(self) -> Any:  # type: ignore[override]
        """The CPU, where every tensor lives."""
        return CPU

    @property  # type: ignore[misc]
    def requires_grad(self) -> bool:  # type: ignore[override]
        """Whether the batch requires grad."""
        return bool(self._phys.requires_grad)

    @property
    def grad_fn(self) -> Any:  # type: ignore[override]
        """The node that made the batch."""
        return self._phys.grad_fn

    @property
    def is_leaf(self) -> bool:  # type: ignore[override]
        """Whether the batch is a leaf of the graph."""
        return bool(self._phys.is_leaf)

    @property  # type: ignore[misc]
    def grad(self) -> None:  # type: ignore[override]
        """Always None: gradients come out of vmap per example, not through .grad."""
        return None

    def __len__(self) -> int:
        if self.dim() == 0:
            raise TypeError("len() of a 0-d tensor")
        return int(self._phys.shape[1])

    def __repr__(self, *, tensor_contents: Any = None) -> Any:  # type: ignore[override]
        levels = [lv for lv, _ in _modes.vmap_active]
        depth = 1 + levels.index(self._level) if self._level in _modes.vmap_live else "?"
        return f"BatchedTensor(lvl={depth}, bdim=0, value=\n{_indent(repr(self._phys))}\n)"

    __str__ = __repr__  # type: ignore[assignment]

    # ------------------------------------------------------------------ autograd bookkeeping
    def requires_grad_(self, requires_grad: bool = True) -> "BatchedTensor":
        """Make the batch require grad (or not)."""
        self._phys.requires_grad_(requires_grad)
        return self

    def detach(self) -> "BatchedTensor":
        """The batch, cut from the graph."""
        return _make(self._phys.detach(), self._level)

    def view_as(self, other: Any) -> Any:
        """Each example reshaped like other."""
        return self.reshape(tuple(other.shape))

    def type_as(self, other: Any) -> Any:
        """Each example converted to other's dtype."""
        return self.to(other.dtype)


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())


def _make(phys: Any, level: int) -> BatchedTensor:
    if level not in _modes.vmap_live:
        raise RuntimeError(_ESCAPED_MSG)
    t = object.__new__(BatchedTensor)
    t._phys = phys
    t._level = level
    return t


def _dim(d: Any, nd: int) -> int:
    """Normalize a logical dim (PyTorch's range check, the Tensor layer's: a 0-d tensor takes dims -1 and 0)."""
    return int(_norm_dim(operator.index(d), nd))


def _top_level(values: Iterable[Any]) -> int:
    """The highest vmap level among the BatchedTensors in values (and in lists or tuples among them)."""
    level = -1
    for v in values:
        tv = type(v)
        if tv is BatchedTensor:
            if v._level > level:
                level = v._level
        elif tv is list or tv is tuple:
            level = max(level, _top_level(v))
    return level


def _size_of(level: int) -> int:
    for lv, size in _modes.vmap_active:
        if lv == level:
            return size
    raise RuntimeError(_ESCAPED_MSG)


def _phys_at(x: Any, level: int) -> Optional[Any]:
    """x's physical tensor if x is batched at `level`, else None."""
    return x._phys if type(x) is BatchedTensor and x._level == level else None


def _expanded(x: Any, level: int) -> Any:
    """x (not batched at `level`) as a physical tensor with that level's batch dim in front."""
    size = _size_of(level)
    return x.unsqueeze(0).expand((size,) + tuple(x.shape))


def _physical_at(x: Any, level: int) -> Any:
    """x's physical tensor at `level`: its own if it is batched there, else x repeated per example."""
    p = _phys_at(x, level)
    return _expanded(x, level) if p is None else p


def physical(t: Any) -> Any:
    """The plain Tensor under every batching level of t."""
    while type(t) is BatchedTensor:
        t = t._phys
    return t


def levels_of(t: Any) -> List[int]:
    """t's vmap levels, outermost wrapper (highest level) first."""
    out = []
    while type(t) is BatchedTensor:
        out.append(t._level)
        t = t._phys
    return out


def wrap_like(phys: Any, levels: Sequence[int]) -> Any:
    """phys wrapped in the given levels (highest first), as levels_of reports them."""
    for level in reversed(levels):
        phys = _make(phys, level)
    return phys


def expand_to_active(t: Any) -> Any:
    """t made batched at every active level: one copy per example (for grad inside vmap, whose
    gradient with respect to a shared tensor must come out per example)."""
    return _expand_to_levels(t, [lv for lv, _ in _modes.vmap_active])


def _expand_to_levels(t: Any, levels: Iterable[int]) -> Any:
    """t batched (by expanding: one copy per example) at each of `levels` it is not batched at."""
    have = set(levels_of(t))
    missing = sorted(lv for lv in levels if lv not in have)
    if not missing:
        return t
    phys = physical(t)
    # Physical dims hold the batches in level order (outermost, the lowest level, first).
    current = sorted(have)  # the levels phys has, in physical order
    for lv in missing:
        pos = sum(1 for c in current if c < lv)
        phys = phys.unsqueeze(pos)
        shape = list(phys.shape)
        shape[pos] = _size_of(lv)
        phys = phys.expand(tuple(shape))
        current.insert(pos, lv)
    return wrap_like(phys, current[::-1])


# ============================================================================ rules and their guard
# The errors an op raises for a mistake in its arguments (PyTorch's RuntimeError, IndexError,
# ValueError). Raised by the physical op inside a rule, such an error names the batch's shapes, not
# the example's: vmap runs the loop, which raises the example's own error.
_OP_ERRORS = (RuntimeError, IndexError, ValueError)


def _no_rule_for(values: Iterable[Any]) -> Any:
    """Raise the "no batching rule" signal for an op on values."""
    level = _top_level(values)
    if level not in _modes.vmap_live:
        raise RuntimeError(_ESCAPED_MSG)
    raise _Unbatchable(level)


def _guarded(rule: Callable[..., Any], any_operand: bool = False) -> Callable[..., Any]:
    """The rule as BatchedTensor's method (and the entry for the same function called as a torch
    function): an op error inside it becomes the signal to loop, carrying the error (see _OP_ERRORS).
    any_operand: the rule takes a batched tensor in any position (else only as self)."""
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        if not any_operand and type(self) is not BatchedTensor:
            return _no_rule_for((self,) + args + tuple(kwargs.values()))
        try:
            return rule(self, *args, **kwargs)
        except _OP_ERRORS as error:
            if type(error) is VmapRefusal:  # PyTorch's vmap refuses the op: its RuntimeError, no loop
                raise RuntimeError(*error.args) from None
            level = _top_level((self,) + args + tuple(kwargs.values()))
            if level not in _modes.vmap_live:
                raise
            if isinstance(error, NotImplementedError):  # a path the op lacks batched (forward AD of
                raise _Unbatchable(level) from error    # scatter_reduce's prod): the loop's answer stands
            raise _Unbatchable(level, error) from error
    method.__name__ = method.__qualname__ = getattr(rule, "__name__", "rule")
    method.__doc__ = rule.__doc__
    return method


# ---------------------------------------------------------------- elementwise
def _to_rank(phys: Any, rank: int) -> Any:
    """A physical tensor (batch first) with size-1 dims after the batch dim, so that its example
    has `rank` dims (at least its own)."""
    missing = rank - (phys.dim() - 1)
    return phys.reshape(phys.shape[:1] + (1,) * missing + phys.shape[1:]) if missing > 0 else phys


def _aligned(args: Sequence[Any], level: int) -> List[Any]:
    """Physical operands for an elementwise op: each tensor batched at `level` gets size-1 dims
    after its batch dim up to the op's logical rank, so NumPy-style broadcasting lines examples up;
    the others broadcast from the right as before."""
    rank = 0
    dtypes = set()
    scalar_batched = False  # a batched 0-d tensor: physically 1-d, so it would promote like one
    for a in args:
        if isinstance(a, Tensor):
            n = a.dim()
            rank = max(rank, n)
            if a.dtype.name != "bool":  # (bool is alone in its kind: it never promotes by rank)
                dtypes.add(a.dtype)
            scalar_batched = scalar_batched or (n == 0 and _phys_at(a, level) is not None)
    if len(dtypes) > 1 and scalar_batched:
        raise _Unbatchable(level)  # PyTorch promotes by the logical rank: let the loop do it
    return [a if _phys_at(a, level) is None else _to_rank(a._phys, rank) for a in args]


def _has_tensor(args: Sequence[Any], kwargs: Dict[str, Any]) -> bool:
    for v in args:
        if isinstance(v, Tensor):
            return True
    for v in kwargs.values():
        if isinstance(v, Tensor):
            return True
    return False


def _elementwise(name: str) -> Callable[..., Any]:
    """Kind "elementwise": an op of each element of its tensor operands (broadcast), with numbers
    and options beside them. Alone, self's physical tensor takes the op as it is; with other tensors,
    the operands are lined up first (_aligned)."""
    def rule(self: Any, *args: Any, **kwargs: Any) -> Any:
        if type(self) is BatchedTensor and not _has_tensor(args, kwargs):
            return _make(getattr(self._phys, name)(*args, **kwargs), self._level)
        level = _top_level((self,) + args + tuple(kwargs.values()))
        keys = list(kwargs)
        phys = _aligned((self,) + args + tuple(kwargs[k] for k in keys), level)
        n = 1 + len(args)
        return _make(getattr(phys[0], name)(*phys[1:n], **dict(zip(keys, phys[n:]))), level)
    rule.__name__ = name
    return rule


def _reflected(name: str) -> Callable[..., Any]:
    """Kind "reflected": `other op self` with self batched (__radd__ ...): the forward op with the
    operands swapped (Tensor's own reflected methods take numbers only)."""
    forward = _elementwise("__" + name[3:])

    def rule(self: Any, other: Any) -> Any:
        if isinstance(other, Tensor):
            return forward(other, self)
        return _make(getattr(self._phys, name)(other), self._level)
    rule.__name__ = name
    return rule


def _in_place(name: str) -> Callable[..., Any]:
    """Kind "in_place": self.op_(...) on a batched self: the same in-place op on its physical tensor
    (the other operands lined up as for the out-of-place op). A self not batched here cannot take
    every example's result: the loop (as PyTorch refuses it)."""
    def rule(self: Any, *args: Any, **kwargs: Any) -> Any:
        level = self._level
        values = (self,) + args + tuple(kwargs.values())
        if _top_level(values) != level:
            raise _Unbatchable(_top_level(values))
        keys = list(kwargs)
        phys = _aligned(values, level)
        if phys[0] is not self._phys:  # self would need broadcasting: PyTorch's error, from the loop
            raise _Unbatchable(level)
        n = 1 + len(args)
        getattr(self._phys, name)(*phys[1:n], **dict(zip(keys, phys[n:])))
        return self
    rule.__name__ = name
    return rule


# ---------------------------------------------------------------- reductions and dim-wise ops
def _shift_dims(dim: Any, nd: int) -> Any:
    if isinstance(dim, (tuple, list)):
        return tuple(_dim(d, nd) + 1 for d in dim)
    return _dim(dim, nd) + 1


def _reduction(name: str, all_dims: bool = True) -> Callable[..., Any]:
    """Kinds "reduction" (all_dims) and "dimwise": ops with a `dim` (first positional argument or
    keyword), which moves past the batch dim. With no dim, a reduction over everything becomes one
    over every dim but the batch; a dim-wise op needs its dim."""
    def rule(self: Any, *args: Any, **kwargs: Any) -> Any:
        phys = self._phys
        nd = phys.dim() - 1
        if args and (isinstance(args[0], (int, tuple, list)) and not isinstance(args[0], bool)):
            args = (_shift_dims(args[0], nd),) + args[1:]
        elif "dim" in kwargs and kwargs["dim"] is not None:
            kwargs = dict(kwargs, dim=_shift_dims(kwargs["dim"], nd))
        elif all_dims and not args and not kwargs.get("keepdim"):
            kwargs = {k: v for k, v in kwargs.items() if k != "dim"}
            if nd == 0:
                return _make(getattr(phys.unsqueeze(1), name)(1, **kwargs), self._level)
            return _make(getattr(phys.reshape((phys.shape[0], -1)), name)(1, **kwargs), self._level)
        else:
            raise _Unbatchable(self._level)
        out = getattr(phys, name)(*args, **kwargs)
        if isinstance(out, tuple):  # (values, indices): torch.return_types take one sequence
            return type(out)([_make(o, self._level) for o in out])
        return _make(out, self._level)
    rule.__name__ = name
    return rule


def _max_like(name: str) -> Callable[..., Any]:
    """Kind "max_min": max/min over everything, along a dim (values and indices), or of two tensors."""
    by_dim = _reduction(name, all_dims=False)
    pair = _elementwise("maximum" if name == "max" else "minimum")

    def rule(self: Any, *args: Any, **kwargs: Any) -> Any:
        if not args and not kwargs:  # the largest element of each example
            phys = self._phys
            return _make(getattr(phys.reshape((phys.shape[0], -1)), "amax" if name == "max" else "amin")(1),
                         self._level)
        if args and isinstance(args[0], Tensor):
            return pair(self, args[0])
        return by_dim(self, *args, **kwargs)
    rule.__name__ = name
    return rule


def _norm(self: Any, p: Any = "fro", dim: Any = None, keepdim: bool = False, dtype: Any = None) -> Any:
    """Kind "norm": the norm of each example, over all or the given dims."""
    if dim is None:
        phys = self._phys
        flat = phys.reshape((phys.shape[0], -1))
        return _make(flat.norm(2 if p == "fro" else p, 1), self._level)
    return _make(self._phys.norm(p, _shift_dims(dim, self.dim()), keepdim), self._level)


# ---------------------------------------------------------------- shapes and views
def _sizes(args: Sequence[Any]) -> Tuple[Any, ...]:
    return tuple(args[0]) if len(args) == 1 and isinstance(args[0], (tuple, list)) else tuple(args)


def _reshape(self: Any, *shape: Any) -> Any:
    phys = self._phys
    return _make(phys.reshape((phys.shape[0],) + _sizes(shape)), self._level)


def _unsqueeze(self: Any, dim: int) -> Any:
    return _make(self._phys.unsqueeze(_dim(dim, self.dim() + 1) + 1), self._level)


def _squeeze(self: Any, dim: Any = None) -> Any:
    phys = self._phys
    if dim is None:
        return _make(phys.reshape(phys.shape[:1] + tuple(s for s in phys.shape[1:] if s != 1)), self._level)
    return _make(phys.squeeze(_shift_dims(dim, self.dim())), self._level)


def _transpose(self: Any, dim0: int, dim1: int) -> Any:
    nd = self.dim()
    return _make(self._phys.transpose(_dim(dim0, nd) + 1, _dim(dim1, nd) + 1), self._level)


def _t(self: Any) -> Any:
    nd = self.dim()
    if nd > 2:
        raise _Unbatchable(self._level)
    return self if nd < 2 else _make(self._phys.transpose(1, 2), self._level)


def _permute(self: Any, *dims: Any) -> Any:
    nd = self.dim()
    return _make(self._phys.permute((0,) + tuple(_dim(d, nd) + 1 for d in _sizes(dims))), self._level)


def _movedim(self: Any, source: Any, destination: Any) -> Any:
    nd = self.dim()
    return _make(self._phys.movedim(_shift_dims(source, nd), _shift_dims(destination, nd)), self._level)


def _flatten(self: Any, start_dim: int = 0, end_dim: int = -1) -> Any:
    nd = self.dim()
    phys = self._phys
    if nd == 0:
        return _make(phys.reshape((phys.shape[0], 1)), self._level)
    return _make(phys.flatten(_dim(start_dim, nd) + 1, _dim(end_dim, nd) + 1), self._level)


def _padded_to(self: Any, sizes: Sequence[int]) -> Any:
    """self's physical tensor with size-1 dims after the batch dim up to len(sizes) logical dims
    (expand and repeat add new dims in front of the example's)."""
    if len(sizes) < self.dim():
        raise _Unbatchable(self._level)  # the loop raises PyTorch's error
    return _to_rank(self._phys, len(sizes))


def _expand(self: Any, *sizes: Any) -> Any:
    sizes = _sizes(sizes)
    phys = _padded_to(self, sizes)
    return _make(phys.expand((phys.shape[0],) + sizes), self._level)


def _expand_as(self: Any, other: Any) -> Any:
    return _expand(self, *other.shape)


def _select(self: Any, dim: int, index: Any) -> Any:
    if isinstance(index, Tensor):
        raise _Unbatchable(self._level)
    return _make(self._phys.select(_dim(dim, self.dim()) + 1, index), self._level)


def _narrow(self: Any, dim: int, start: int, length: int) -> Any:
    return _make(self._phys.narrow(_dim(dim, self.dim()) + 1, start, length), self._level)


def _pieces(name: str) -> Callable[..., Any]:
    """Kind "pieces": split/chunk along a dim; each piece batched."""
    def rule(self: Any, split: Any, dim: int = 0) -> Any:
        parts = getattr(self._phys, name)(split, _dim(dim, self.dim()) + 1)
        return tuple(_make(p, self._level) for p in parts)
    rule.__name__ = name
    return rule


def _unbind(self: Any, dim: int = 0) -> Any:
    return tuple(_make(p, self._level) for p in self._phys.unbind(_dim(dim, self.dim()) + 1))


def _T(self: Any) -> Any:
    nd = self.dim()
    if nd != 2:
        raise _Unbatchable(self._level)  # the loop gives PyTorch's warning
    return _make(self._phys.transpose(1, 2), self._level)


def _mT(self: Any) -> Any:
    nd = self.dim()
    if nd < 2:
        raise _Unbatchable(self._level)
    return _make(self._phys.transpose(-2, -1), self._level)


_BASIC_INDEX = (int, slice, type(None), type(Ellipsis))


def _getitem(self: Any, key: Any) -> Any:
    items = key if type(key) is tuple else (key,)
    level = self._level
    advanced = []
    for i, k in enumerate(items):
        if type(k) not in _BASIC_INDEX:
            if type(k) is bool or _top_level((k,)) >= 0 or not isinstance(k, (Tensor, list)):
                raise _Unbatchable(level)  # a batched index, a bool: the loop indexes each example
            advanced.append(i)
    if advanced and advanced[-1] - advanced[0] != len(advanced) - 1:
        raise _Unbatchable(level)  # apart, the indexed dims would move in front of the batch dim
    return _make(self._phys[(slice(None),) + items], level)


def _flip(self: Any, *dims: Any) -> Any:
    nd = self.dim()
    return _make(self._phys.flip(tuple(_dim(d, nd) + 1 for d in _sizes(dims))), self._level)


def _roll(self: Any, shifts: Any, dims: Any = None) -> Any:
    phys = self._phys
    if dims is None:  # the flattened example rolls
        return _make(phys.reshape((phys.shape[0], -1)).roll(shifts, 1).reshape(tuple(phys.shape)), self._level)
    return _make(phys.roll(shifts, _shift_dims(dims, self.dim())), self._level)


def _repeat(self: Any, *sizes: Any) -> Any:
    sizes = _sizes(sizes)
    return _make(_padded_to(self, sizes).repeat((1,) + sizes), self._level)


def _gather(self: Any, dim: int, index: Any, *, sparse_grad: bool = False) -> Any:
    level = _top_level((self, index))
    return _make(_physical_at(self, level).gather(_dim(dim, self.dim()) + 1, _physical_at(index, level)), level)


def _masked_fill(self: Any, mask: Any, value: Any) -> Any:
    level = _top_level((self, mask, value))
    m = _phys_at(mask, level)
    mask = mask if m is None else _to_rank(m, self.dim())
    v = _phys_at(value, level) if isinstance(value, Tensor) else None
    if v is not None:  # a 0-d value per example: each example's value where its mask holds
        if value.dim() != 0 or value.dtype.name == "bool" and self.dtype.name != "bool":
            raise _Unbatchable(level)  # the loop raises PyTorch's error
        from .._tensor._core import where
        base = _physical_at(self, level)
        v = v.to(base.dtype).reshape((v.shape[0],) + (1,) * self.dim())
        return _make(where(mask, v, base), level)
    return _make(_physical_at(self, level).masked_fill(mask, value), level)


# ---------------------------------------------------------------- matrix products
def _matmul(a: Any, b: Any) -> Any:
    """a @ b with either operand batched: 1-d operands become matrices for the product, batched
    operands get size-1 dims up to the other's rank, then NumPy's matmul broadcasting lines
    examples up; the added matrix dims come off the result."""
    level = _top_level((a, b))
    if not (isinstance(a, Tensor) and isinstance(b, Tensor)) or a.dtype is not b.dtype:
        raise _Unbatchable(level)
    na, nb = a.dim(), b.dim()
    if na == 0 or nb == 0:
        raise _Unbatchable(level)  # the loop raises PyTorch's error
    pa, pb = _phys_at(a, level), _phys_at(b, level)
    if pa is not None and pb is None and na == 1 and nb == 2:
        return _make(pa @ b, level)  # the common x @ W: the batch is the product's rows
    rank = max(na, nb, 2)

    def lift(x: Any, p: Optional[Any], n: int, vector_shape: Tuple[int, ...]) -> Any:
        x_shape = vector_shape if n == 1 else None
        if p is None:
            return x if x_shape is None else x.reshape(x_shape)
        logical = tuple(p.shape[1:]) if x_shape is None else x_shape
        pad = rank - len(logical)
        return p.reshape(p.shape[:1] + (1,) * pad + logical)

    ma = lift(a, pa, na, (1,) + tuple(a.shape))
    mb = lift(b, pb, nb, tuple(b.shape) + (1,))
    out = ma @ mb
    if nb == 1:
        out = out.squeeze(-1)
    if na == 1:
        out = out.squeeze(-1 if nb == 1 else -2)
    return _make(out, level)


def _rmatmul(self: Any, other: Any) -> Any:
    if not isinstance(other, Tensor):
        raise _Unbatchable(self._level)
    return _matmul(other, self)


_MATRIX_RANKS = {"mm": (2, 2), "mv": (2, 1), "dot": (1, 1), "inner": (1, 1)}


def _matrix_op(name: str) -> Callable[..., Any]:
    """Kind "matrix": mm, mv, dot: matmul on operands of the ranks the op takes."""
    rank_a, rank_b = _MATRIX_RANKS[name]

    def rule(self: Any, other: Any) -> Any:
        if not isinstance(other, Tensor) or self.dim() != rank_a or other.dim() != rank_b:
            raise _Unbatchable(_top_level((self, other)))  # the loop raises PyTorch's error
        return _matmul(self, other)
    rule.__name__ = name
    return rule


def _one(rule: Callable[..., Any]) -> Callable[[str], Callable[..., Any]]:
    """A kind whose one rule serves every method of it (whatever the name)."""
    return lambda name: rule


# ============================================================================ the registry
# Each batching kind: how to make the rule of a method of that kind from its name, and whether the
# rule takes a batched tensor in any position (or as self only).
KINDS: Dict[str, Tuple[Callable[[str], Callable[..., Any]], bool]] = {
    "elementwise": (_elementwise, True),
    "reflected": (_reflected, False),
    "in_place": (_in_place, False),
    "reduction": (_reduction, False),
    "dimwise": (lambda name: _reduction(name, all_dims=False), False),
    "max_min": (_max_like, False),
    "norm": (_one(_norm), False),
    "reshape": (_one(_reshape), False),
    "unsqueeze": (_one(_unsqueeze), False),
    "squeeze": (_one(_squeeze), False),
    "transpose": (_one(_transpose), False),
    "t": (_one(_t), False),
    "permute": (_one(_permute), False),
    "movedim": (_one(_movedim), False),
    "flatten": (_one(_flatten), False),
    "expand": (_one(_expand), False),
    "expand_as": (_one(_expand_as), False),
    "select": (_one(_select), False),
    "narrow": (_one(_narrow), False),
    "pieces": (_pieces, False),
    "unbind": (_one(_unbind), False),
    "getitem": (_one(_getitem), False),
    "flip": (_one(_flip), False),
    "roll": (_one(_roll), False),
    "repeat": (_one(_repeat), False),
    "gather": (_one(_gather), True),
    "masked_fill": (_one(_masked_fill), True),
    "matmul": (_one(_matmul), True),
    "rmatmul": (_one(_rmatmul), False),
    "matrix": (_matrix_op, True),
}

# The kinds that op rules declare (`Rule.batching`, ops/_rule.py BATCHING_KINDS) and that batch a
# method by its name alone: a method declared with its rule (Tensor.exp: `exp.rule` is ExpBackward0)
# gets the rule of its rule's kind. ("view", "index", "matmul", "concat" and the losses need a rule
# per op: the table below, and FUNCTION_KINDS for the losses.)
_DECLARED_KINDS = {"elementwise": "elementwise", "reduction": "reduction", "dimwise": "dimwise"}

# The batching kind of the methods that need a rule of their own (views, indexing, products, max/min,
# reflected operators) or are not declared with their rule yet (written out in the Tensor layer). A
# name that is no Tensor method is an error at import. This table comes before the declared kinds.
_OWN_KINDS: Dict[str, str] = {}
for _kind, _names in {
    "elementwise": """
        __pos__ round square isnan isinf isfinite logical_not bitwise_not __invert__ float double half int long short
        bool byte char clone contiguous to clamp clip clamp_min clamp_max add sub subtract div divide pow remainder
        fmod maximum minimum fmax fmin eq ne not_equal lt less le less_equal gt greater ge greater_equal
        logical_and logical_or logical_xor bitwise_and bitwise_or bitwise_xor __mod__ __pow__ __eq__ __ne__ __lt__
        __le__ __gt__ __ge__ __and__ __or__ __xor__""",
    "reflected": "__radd__ __rsub__ __rmul__ __rtruediv__ __rfloordiv__ __rmod__ __rpow__ __rand__ __ror__ __rxor__",
    "in_place": "zero_ fill_ copy_ masked_fill_",
    "reduction": "sum mean prod amax amin std var all any count_nonzero",
    "dimwise": "logsumexp softmax log_softmax cumsum cumprod argmax argmin",
    "max_min": "max min",
    "norm": "norm",
    "reshape": "reshape view",
    "unsqueeze": "unsqueeze",
    "squeeze": "squeeze",
    "transpose": "transpose swapaxes swapdims",
    "t": "t",
    "permute": "permute",
    "movedim": "movedim moveaxis",
    "flatten": "flatten",
    "expand": "expand",
    "expand_as": "expand_as",
    "select": "select",
    "narrow": "narrow",
    "pieces": "split chunk",
    "unbind": "unbind",
    "getitem": "__getitem__",
    "flip": "flip",
    "roll": "roll",
    "repeat": "repeat",
    "gather": "gather",
    "masked_fill": "masked_fill",
    "matmul": "matmul __matmul__",
    "rmatmul": "__rmatmul__",
    "matrix": "mm mv dot inner",
}.items():
    for _name in _names.split():
        _OWN_KINDS[_name] = _kind
_PROPERTY_RULES = {"T": _T, "mT": _mT, "real": lambda self: _make(self._phys.real, self._level),
                   "imag": lambda self: _make(self._phys.imag, self._level)}


# ---------------------------------------------------------------- issue 12: shape and indexing breadth
# (the ops of _tensor/_shape_index.py that act on dims of each example: the dims move one on; an
# argument the rule cannot batch sends the op to the per-example loop)
def _last_two(name: str) -> Callable[..., Any]:
    """Kind "last_two": an op on the last two dims of each example (tril, triu), with options: the
    physical tensor takes it as it is."""
    def rule(self: Any, *args: Any, **kwargs: Any) -> Any:
        if self.dim() < 2 or _has_tensor(args, kwargs):
            raise _Unbatchable(self._level)
        return _make(getattr(self._phys, name)(*args, **kwargs), self._level)
    rule.__name__ = name
    return rule


def _diagonal(self: Any, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Any:
    nd = self.dim()
    return _make(self._phys.diagonal(offset, _dim(dim1, nd) + 1, _dim(dim2, nd) + 1), self._level)


def _diag_embed(self: Any, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Any:
    nd = self.dim() + 1
    return _make(self._phys.diag_embed(offset, _dim(dim1, nd) + 1, _dim(dim2, nd) + 1), self._level)


def _trace(self: Any) -> Any:
    if self.dim() != 2 or self.dtype.name == "bool":
        raise _Unbatchable(self._level)  # the loop gives PyTorch's error
    return _make(self._phys.diagonal(0, 1, 2).sum(-1), self._level)


def _unfold(self: Any, dimension: int, size: int, step: int) -> Any:
    if self.dim() == 0:
        raise _Unbatchable(self._level)
    return _make(self._phys.unfold(_dim(dimension, self.dim()) + 1, size, step), self._level)


def _rot90(self: Any, k: int = 1, dims: Sequence[int] = (0, 1)) -> Any:
    nd = self.dim()
    if len(dims) != 2 or nd < 2:
        raise _Unbatchable(self._level)
    return _make(self._phys.rot90(k, [_dim(dims[0], nd) + 1, _dim(dims[1], nd) + 1]), self._level)


def _tensor_split(self: Any, indices_or_sections: Any = None, dim: int = 0, **kwargs: Any) -> Any:
    if kwargs or isinstance(indices_or_sections, Tensor) or self.dim() == 0:
        raise _Unbatchable(self._level)
    parts = self._phys.tensor_split(indices_or_sections, _dim(dim, self.dim()) + 1)
    return tuple(_make(p, self._level) for p in parts)


KINDS.update({"last_two": (_last_two, False), "diagonal": (_one(_diagonal), False),
              "diag_embed": (_one(_diag_embed), False), "trace": (_one(_trace), False),
              "unfold": (_one(_unfold), False), "rot90": (_one(_rot90), False),
              "tensor_split": (_one(_tensor_split), False)})
_OWN_KINDS.update({"tril": "last_two", "triu": "last_two", "diagonal": "diagonal", "diag_embed": "diag_embed",
                   "trace": "trace", "unfold": "unfold", "rot90": "rot90", "tensor_split": "tensor_split"})


# ---------------------------------------------------------------- issue 12, round 3: the breadth ops
# Two general kinds, for methods (by name) and torch functions (that declare them, ops/_rule.py
# `declare_batching`), plus the ops that need a rule of their own. Dims are made negative (counted from
# the end of each example), which a batch dim in front leaves meaning the same.
class VmapRefusal(RuntimeError):
    """An error vmap raises as it is, as PyTorch's vmap does (a batch of dynamic shapes, running
    statistics that every example would update): no per-example loop runs."""


def _negative(value: Any, nd: int, level: int) -> Any:
    """A dim (or dims) of an nd-dim example counted from its end (PyTorch's range check first)."""
    if value is None:
        return None
    if isinstance(value, (tuple, list)):
        return type(value)(_negative(v, nd, level) for v in value)
    if nd == 0:
        raise _Unbatchable(level)  # (dim -1 of a batched 0-d example would be the batch dim)
    return _dim(value, nd) - nd


def _positions(call: Callable[..., Any], names: Sequence[str]) -> Dict[str, int]:
    """The positional index of each of `names` among call's parameters (for a method: self is 0)."""
    import inspect
    try:
        params = list(inspect.signature(call).parameters)
    except (TypeError, ValueError):
        return {}
    return {n: params.index(n) for n in names if n in params}


def _defaults(call: Callable[..., Any], names: Sequence[str]) -> Dict[str, Any]:
    """The default of each of `names` that call's signature gives one other than None."""
    import inspect
    try:
        params = inspect.signature(call).parameters
    except (TypeError, ValueError):
        return {}
    return {n: params[n].default for n in names if n in params
            and params[n].default is not inspect.Parameter.empty and params[n].default is not None}


def _wrap_out(out: Any, level: int) -> Any:
    """A physical result (a tensor, or a tuple or return type of them) batched at level."""
    if isinstance(out, Tensor):
        return _make(out, level)
    if isinstance(out, tuple):
        items = [_make(o, level) if isinstance(o, Tensor) else o for o in out]
        return tuple(items) if type(out) is tuple else type(out)(items)
    raise _Unbatchable(level)


def _spec_of(call: Callable[..., Any],
             spec: Dict[str, Any]) -> Tuple[Dict[str, int], Dict[str, int], Set[str], Set[str]]:
    """A batch_dims spec read against call's signature: the positions of its dim parameters and of its
    shared ones, the dims whose None means every dim, the shared parameters' names."""
    dims = tuple(spec.get("dims", ())) + tuple(spec.get("all_dims", ()))
    shared = set(spec.get("shared", ()))
    return (_positions(call, dims), _positions(call, tuple(shared)), set(spec.get("all_dims", ())), shared)


def _batch_dims_rule(plain: Callable[..., Any], signature_of: Callable[..., Any],
                     spec: Dict[str, Any]) -> Callable[..., Any]:
    """Kind "batch_dims": an op that takes any number of leading batch dims (torch.linalg on
    (..., m, n), torch.fft over given dims, topk along a dim): its tensor operands with the batch in
    front (an unbatched one expanded), its dims counted from the end; a dims argument whose None
    means every dim (fftn, fftshift) gets the example's dims written out. spec: "dims", "all_dims"
    (names of dim parameters), "shared" (tensor parameters that every example shares, as index_add's
    index: never batched), "same_rank" (False: operands of other ranks are fine, as F.embedding's)."""
    positions, shared_at, all_dims, shared = _spec_of(signature_of, spec)
    same_rank = spec.get("same_rank", True)
    unless = spec.get("unless")
    unless_at = _positions(signature_of, (unless,)).get(unless, -1) if unless else -1
    defaults = _defaults(signature_of, tuple(positions))  # (a positive default dim must be counted too)

    def rule(*args: Any, **kwargs: Any) -> Any:
        level = _top_level(args + tuple(kwargs.values()))
        x = args[0]
        if not isinstance(x, Tensor) or kwargs.get("out") is not None:
            raise _Unbatchable(level)
        nd = x.dim()
        args_l = list(args)
        for name, pos in positions.items():
            if pos < len(args_l) and args_l[pos] is not None:
                args_l[pos] = _negative(args_l[pos], nd, level)
            elif kwargs.get(name) is not None:
                kwargs[name] = _negative(kwargs[name], nd, level)
            elif name in defaults and name not in kwargs:
                kwargs[name] = _negative(defaults[name], nd, level)
            elif name in all_dims and not (unless and (kwargs.get(unless) is not None or (
                    0 <= unless_at < len(args_l) and args_l[unless_at] is not None))):
                if pos < len(args_l):
                    args_l[pos] = tuple(range(-nd, 0))
                    continue
                if nd == 0:
                    raise _Unbatchable(level)
                kwargs[name] = tuple(range(-nd, 0))
        for name, pos in shared_at.items():
            v = args_l[pos] if pos < len(args_l) else kwargs.get(name)
            if _top_level((v,)) >= 0:
                raise _Unbatchable(level)  # a per-example index: the loop
        shared_positions = set(shared_at.values())
        rank = -1
        for i, a in enumerate(args_l):
            if isinstance(a, Tensor) and i not in shared_positions:
                if same_rank and rank >= 0 and a.dim() != rank and (rank > 2 or a.dim() > 2):
                    raise _Unbatchable(level)  # batch dims of other ranks would not line up
                rank = max(rank, a.dim())
                args_l[i] = _physical_at(a, level)
        for k, v in kwargs.items():
            if isinstance(v, Tensor) and k not in shared:
                kwargs[k] = _physical_at(v, level)
        return _wrap_out(plain(*args_l, **kwargs), level)
    return rule


def _batch_first_rule(plain: Callable[..., Any], signature_of: Callable[..., Any],
                      spec: Dict[str, Any]) -> Callable[..., Any]:
    """Kind "batch_first": an op whose input's first dim is already a batch N (convolution, pooling,
    group and instance norm, interpolate, fold): the vmap batch B is folded into N, (B, N, ...) ->
    (B*N, ...), and unfolded from the results; an example without N (spec "rank": the op's rank
    without it) takes B as its N. spec "folded": the tensor parameters beside input that carry the
    same N (max_unpool's indices); every other tensor (weight, bias) must be one all examples share."""
    rank = spec.get("rank")
    fold_from = spec.get("fold_from")  # (instead of rank: examples of fewer dims take the batch as N)
    folded_at = _positions(signature_of, tuple(spec.get("folded", ())))
    folded = set(folded_at.values()) | {0}

    def rule(*args: Any, **kwargs: Any) -> Any:
        level = _top_level(args + tuple(kwargs.values()))
        x = args[0]
        if not isinstance(x, Tensor) or _phys_at(x, level) is None or kwargs.get("out") is not None:
            raise _Unbatchable(level)
        for i, a in enumerate(args):
            if i not in folded and _top_level((a,)) == level:
                raise _Unbatchable(level)  # per-example weights: the loop
        for v in kwargs.values():
            if _top_level((v,)) == level:
                raise _Unbatchable(level)
        nd = x.dim()
        size = _size_of(level)
        if (rank is not None and nd == rank) or (fold_from is not None and nd < fold_from):  # no N: the batch is N
            out = plain(*[_physical_at(a, level) if i in folded else a for i, a in enumerate(args)], **kwargs)
            return _wrap_out(out, level)
        if nd == 0 or (rank is not None and nd != rank + 1):
            raise _Unbatchable(level)  # the loop raises PyTorch's error
        n = x.shape[0]
        phys_args = []
        for i, a in enumerate(args):
            if i in folded and isinstance(a, Tensor):
                p = _physical_at(a, level)
                a = p.reshape((size * n,) + tuple(p.shape[2:]))
            phys_args.append(a)
        out = plain(*phys_args, **kwargs)

        def unfold(t: Any) -> Any:
            return _make(t.reshape((size, n) + tuple(t.shape[1:])), level) if isinstance(t, Tensor) else t
        if isinstance(out, tuple):
            items = [unfold(o) for o in out]
            return tuple(items) if type(out) is tuple else type(out)(items)
        return unfold(out)
    return rule


def _method_call(name: str) -> Callable[..., Any]:
    def call(self: Any, *args: Any, **kwargs: Any) -> Any:
        return getattr(self, name)(*args, **kwargs)
    return call


def _method_kind(make: Callable[..., Any], specs: Dict[str, Dict[str, Any]]) -> Callable[[str], Callable[..., Any]]:
    """The method factory of a general kind: each method's rule from its spec (by name)."""
    def factory(name: str) -> Callable[..., Any]:
        rule = make(_method_call(name), getattr(Tensor, name), specs.get(name, {}))
        rule.__name__ = name
        return rule
    return factory


def _function_kind(make: Callable[..., Any]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The function factory of a general kind: the rule from the spec the function declares."""
    def factory(func: Callable[..., Any]) -> Callable[..., Any]:
        return make(func, func, getattr(func, "batching_spec", {}))
    return factory


# The methods of the general kinds, with the names of their dim (and shared index) parameters.
_BATCH_DIMS_METHODS: Dict[str, Dict[str, Any]] = {
    "topk": {"dims": ("dim",)}, "kthvalue": {"dims": ("dim",)},
    "det": {}, "logdet": {}, "slogdet": {}, "inverse": {}, "pinverse": {}, "cholesky": {}, "cholesky_solve": {},
    "cholesky_inverse": {}, "svd": {}, "qr": {}, "matrix_exp": {}, "matrix_power": {}, "lu_solve": {},
    "triangular_solve": {}, "index_add": {"dims": ("dim",), "shared": ("index",)},
    "index_copy": {"dims": ("dim",), "shared": ("index",)},
    "index_fill": {"dims": ("dim",), "shared": ("index", "value")},
    "index_reduce": {"dims": ("dim",), "shared": ("index",)}, "scatter": {"dims": ("dim",)},
    "scatter_add": {"dims": ("dim",)}, "scatter_reduce": {"dims": ("dim",)},
    "select_scatter": {"dims": ("dim",), "same_rank": False},
    "slice_scatter": {"dims": ("dim",)}, "diagonal_scatter": {"dims": ("dim1", "dim2"), "same_rank": False},
}
KINDS["batch_dims"] = (_method_kind(_batch_dims_rule, _BATCH_DIMS_METHODS), True)


def _loop_kind(func: Callable[..., Any]) -> Callable[..., Any]:
    """Kind "loop": no batched form. With a `refuse` message in its spec, vmap raises it (PyTorch's
    vmap refuses the op); else the per-example loop."""
    message = getattr(func, "batching_spec", {}).get("refuse")

    def rule(*args: Any, **kwargs: Any) -> Any:
        if message is not None:
            raise VmapRefusal(message)
        return _no_rule_for(tuple(args) + tuple(kwargs.values()))
    return rule


FUNCTION_KINDS_R3: Dict[str, Callable[[Callable[..., Any]], Callable[..., Any]]] = {
    "batch_dims": _function_kind(_batch_dims_rule), "batch_first": _function_kind(_batch_first_rule),
    "loop": _loop_kind}
for _name in _BATCH_DIMS_METHODS:
    _OWN_KINDS[_name] = "batch_dims"


_BATCH_NORM_STATS = ("Batch norm got a batched tensor as input while the running_mean or running_var, which will be "
                     "updated in place, were not batched.\nIf you are using a module and do not need eval mode, please "
                     "set `track_running_stats` to be False.If you are using a prebuilt module and do not need eval "
                     "mode, please see the functorch website for resources on how to patch your module to work with "
                     "vmap")


def _batch_norm(plain: Callable[..., Any]) -> Callable[..., Any]:
    """F.batch_norm ("batch_first"): with running statistics and training=False each channel is an
    affine map, so the batch folds into N; in training mode the statistics are over N, which must stay
    each example's own: the batch folds into the channels, (B, N, C, ...) -> (N, B*C, ...), with
    weight and bias repeated per example. Running statistics in training mode would be updated by
    every example: PyTorch's vmap refuses them, and so does this."""
    fold_n = _batch_first_rule(plain, plain, {})

    def rule(input: Any, running_mean: Any, running_var: Any, weight: Any = None, bias: Any = None,
             training: bool = False, momentum: float = 0.1, eps: float = 1e-5) -> Any:
        level = _top_level((input, running_mean, running_var, weight, bias))
        if _phys_at(input, level) is None or input.dim() < 2:
            raise _Unbatchable(level)
        stats = running_mean is not None or running_var is not None
        if stats and _top_level((running_mean, running_var)) == level:
            raise _Unbatchable(level)  # per-example statistics: the loop
        if not training:
            return fold_n(input, running_mean, running_var, weight, bias, training, momentum, eps)
        if stats:
            raise VmapRefusal(_BATCH_NORM_STATS)
        if _top_level((weight, bias)) == level:
            raise _Unbatchable(level)
        p = input._phys
        size, n, c = p.shape[0], p.shape[1], p.shape[2]
        rest = tuple(p.shape[3:])
        folded = p.movedim(0, 1).reshape((n, size * c) + rest)
        w = None if weight is None else weight.reshape(-1).repeat(size)
        b = None if bias is None else bias.reshape(-1).repeat(size)
        out = plain(folded, None, None, w, b, True, momentum, eps)
        return _make(out.reshape((n, size, c) + rest).movedim(1, 0), level)
    return rule


def _instance_norm(plain: Callable[..., Any]) -> Callable[..., Any]:
    """F.instance_norm ("batch_first"): each (example, channel) is normalized alone, so the batch
    folds into N; running statistics that input statistics would update are refused as in batch norm."""
    fold_n = _batch_first_rule(plain, plain, {})

    def rule(input: Any, running_mean: Any = None, running_var: Any = None, weight: Any = None, bias: Any = None,
             use_input_stats: bool = True, momentum: float = 0.1, eps: float = 1e-5) -> Any:
        level = _top_level((input, running_mean, running_var, weight, bias))
        if use_input_stats and (running_mean is not None or running_var is not None) \
                and _phys_at(input, level) is not None and _top_level((running_mean, running_var)) != level:
            raise VmapRefusal(_BATCH_NORM_STATS)
        return fold_n(input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps)
    return rule


def _pad(plain: Callable[..., Any]) -> Callable[..., Any]:
    """F.pad: constant padding of the last dims takes any leading dims ("batch_dims"); the other modes
    take (C, *spatial) or (N, C, *spatial), so the batch folds into N ("batch_first")."""
    def rule(input: Any, pad: Any, mode: str = "constant", value: Any = None) -> Any:
        level = _top_level((input, value))
        if _phys_at(input, level) is None or isinstance(value, Tensor) or not isinstance(pad, (tuple, list)):
            raise _Unbatchable(level)
        if mode == "constant":
            if len(pad) // 2 > input.dim():
                raise _Unbatchable(level)  # the loop raises PyTorch's error
            return _make(plain(input._phys, pad, mode, value), level)
        return _batch_first_rule(plain, plain, {"rank": len(pad) // 2 + 1})(input, pad, mode, value)
    return rule


def _margin_loss(plain: Callable[..., Any]) -> Callable[..., Any]:
    """F.multi_margin_loss, F.multilabel_margin_loss ("batch_first"): a loss of rows of scores (C) or
    (N, C) and their targets: every example's rows in one call with reduction "none", then each
    example's reduction."""
    def rule(input: Any, target: Any, *args: Any, reduction: str = "mean", **kwargs: Any) -> Any:
        level = _top_level((input, target) + args + tuple(kwargs.values()))
        if (reduction not in ("mean", "sum", "none") or kwargs.get("size_average") is not None
                or kwargs.get("reduce") is not None or _has_tensor(args, kwargs)
                or not isinstance(input, Tensor) or not isinstance(target, Tensor) or input.dim() not in (1, 2)):
            raise _Unbatchable(level)
        x, t = _physical_at(input, level), _physical_at(target, level)
        size, classes = x.shape[0], x.shape[-1]
        labels = (classes,) if t.dim() == x.dim() else ()  # (multilabel's targets have a row of C too)
        losses = plain(x.reshape((-1, classes)), t.reshape((-1,) + labels), *args, reduction="none",
                       **kwargs).reshape((size,) + tuple(input.shape[:-1]))
        if reduction == "none":
            return _make(losses, level)
        flat = losses.reshape((size, -1))
        return _make(flat.mean(1) if reduction == "mean" else flat.sum(1), level)
    return rule


FUNCTION_KINDS_R3.update({"batch_norm": _batch_norm, "instance_norm": _instance_norm, "pad": _pad,
                          "margin_loss": _margin_loss})


# The breadth methods with rules of their own (each takes its operands as the op documents them; an
# argument the rule cannot batch sends the op to the loop).
def _dynamic_shape(aten: str) -> Callable[..., Any]:
    message = (f"vmap: We do not support batching operators that can output dynamic shape. Attempted to vmap over "
               f"aten::{aten}. Please file an issue at https://github.com/pytorch/pytorch/issues if you need this "
               "feature.")

    def rule(self: Any, *args: Any, **kwargs: Any) -> Any:
        if aten == "_unique2" and (args[3:4] or kwargs.get("dim") is not None):
            raise VmapRefusal(message.replace("aten::_unique2", "aten::unique_dim"))
        raise VmapRefusal(message)
    return rule


_MASKED_SELECT = ("vmap: Attempted to vmap over `mask` in torch.masked_select(self, mask) We cannot support this "
                  "because for each batch this would return a differently shaped Tensor. Please file an issue at "
                  "https://github.com/pytorch/pytorch/issues if you need this feature.")


def _masked_select(self: Any, mask: Any) -> Any:
    level = _top_level((self, mask))
    if _top_level((mask,)) == level:
        raise VmapRefusal(_MASKED_SELECT)
    if not isinstance(mask, Tensor) or tuple(mask.shape) != tuple(self.shape) or mask.dtype.name != "bool":
        raise _Unbatchable(level)  # (a broadcast mask, a wrong dtype: the loop)
    return _make(self._phys[(slice(None), mask)], level)


def _take(self: Any, index: Any) -> Any:
    level = self._level
    if _top_level((index,)) == level or not isinstance(index, Tensor):
        raise _Unbatchable(level)
    phys = self._phys
    return _make(phys.reshape((phys.shape[0], -1))[(slice(None), index)], level)


def _put(self: Any, index: Any, source: Any, accumulate: bool = False) -> Any:
    level = _top_level((self, index, source))
    if _phys_at(self, level) is None or _top_level((index,)) == level or not isinstance(index, Tensor) \
            or not isinstance(source, Tensor) or index.numel() != source.numel() or index.dtype.name != "int64":
        raise _Unbatchable(level)
    numel = self.numel()
    flat_index = index.reshape(-1)
    if flat_index.numel() and (int(flat_index.max().item()) >= numel or int(flat_index.min().item()) < -numel):
        raise _Unbatchable(level)  # the loop raises PyTorch's error
    phys = self._phys
    size = phys.shape[0]
    from .._tensor.creation import arange
    offsets = (flat_index % numel).unsqueeze(0) + arange(size).unsqueeze(1) * numel
    src = _physical_at(source, level).reshape(-1)
    return _make(phys.reshape(-1).put(offsets.reshape(-1), src, accumulate).reshape(tuple(phys.shape)), level)


def _index_put(self: Any, indices: Any, values: Any, accumulate: bool = False) -> Any:
    level = _top_level((self, values) + tuple(indices))
    if (_phys_at(self, level) is None or not isinstance(values, Tensor) or not indices
            or _top_level(tuple(indices)) >= 0
            or any(not isinstance(i, Tensor) or i.dtype.name != "int64" for i in indices)):
        raise _Unbatchable(level)
    rank = max(i.dim() for i in indices) + self.dim() - len(indices)
    v = _phys_at(values, level)
    if v is not None:
        if values.dim() > rank:
            raise _Unbatchable(level)
        values = _to_rank(v, rank)
    return _make(self._phys.index_put((None,) + tuple(indices), values, accumulate), level)


def _setitem(self: Any, key: Any, value: Any) -> None:
    """x[key] = value on a batched x: the same write on its physical tensor (a batched value lined up
    after its batch dim); a batched key, or a value batched where x is not, runs the loop."""
    level = _top_level((self, value))
    items = key if type(key) is tuple else (key,)
    if _phys_at(self, level) is None or _top_level(items) >= 0:
        raise _Unbatchable(level)
    advanced = [i for i, k in enumerate(items) if type(k) not in _BASIC_INDEX]
    for i in advanced:
        k = items[i]
        if type(k) is bool or not isinstance(k, (Tensor, list)):
            raise _Unbatchable(level)
    if advanced and advanced[-1] - advanced[0] != len(advanced) - 1:
        raise _Unbatchable(level)
    phys_key = (slice(None),) + items
    v = _phys_at(value, level)
    if v is not None:
        target_rank = self._phys[phys_key].dim() - 1
        if value.dim() > target_rank:
            raise _Unbatchable(level)
        value = _to_rank(v, target_rank)
    self._phys[phys_key] = value


def _masked_scatter(self: Any, mask: Any, source: Any) -> Any:
    """masked_scatter with a mask every example shares: each example takes the first k elements of its
    source (k: the mask's count), so the physical write takes them example after example."""
    level = _top_level((self, mask, source))
    if (not isinstance(mask, Tensor) or not isinstance(source, Tensor) or _top_level((mask,)) == level
            or mask.dtype.name != "bool" or tuple(mask.shape) != tuple(self.shape) or self.dim() == 0
            or self.dtype is not source.dtype):
        raise _Unbatchable(level)
    k = int(mask.sum().item())
    if source.numel() < k:
        raise _Unbatchable(level)  # the loop raises PyTorch's error
    phys = _physical_at(self, level)
    size = phys.shape[0]
    src = _physical_at(source, level).reshape((size, -1))[:, :k].reshape(-1)
    return _make(phys.masked_scatter(mask.unsqueeze(0).expand(tuple(phys.shape)), src), level)


def _fill_(self: Any, value: Any) -> Any:
    """x.fill_(value) on a batched x: a number, or a 0-d tensor every example shares, fills the physical
    tensor; a batched 0-d value is copied in, each example's own (broadcast over the example)."""
    level = _top_level((self, value))
    if _phys_at(self, level) is None:
        raise _Unbatchable(level)
    v = _phys_at(value, level) if isinstance(value, Tensor) else None
    if v is None:
        self._phys.fill_(value)
    elif value.dim() != 0:
        raise _Unbatchable(level)  # the loop raises PyTorch's error
    else:
        self._phys.copy_(_to_rank(v, self.dim()))
    return self


def _renorm(self: Any, p: Any, dim: int, maxnorm: Any, *, out: Any = None) -> Any:
    nd = self.dim()
    if nd < 2 or out is not None:
        raise _Unbatchable(self._level)
    d = _dim(dim, nd) + 1
    moved = self._phys.movedim(d, 1)
    shape = tuple(moved.shape)
    out = moved.reshape((shape[0] * shape[1], -1)).renorm(p, 0, maxnorm).reshape(shape).movedim(1, d)
    return _make(out, self._level)


def _dist(self: Any, other: Any, p: Any = 2) -> Any:
    level = _top_level((self, other))
    if not isinstance(other, Tensor) or self.dtype is not other.dtype or not self.dtype.is_floating_point:
        raise _Unbatchable(level)
    a, b = _aligned((self, other), level)
    diff = a - b
    return _make(diff.reshape((diff.shape[0], -1)).norm(p, 1), level)


def _vdot(self: Any, other: Any) -> Any:
    level = _top_level((self, other))
    if not isinstance(other, Tensor) or self.dim() != 1 or other.dim() != 1 or self.dtype is not other.dtype:
        raise _Unbatchable(level)
    return _matmul(self.conj() if self.dtype.is_complex else self, other)


_PRODUCTS = {"addmm": (2, 2), "addmv": (2, 1), "addr": (1, 1), "baddbmm": (3, 3), "addbmm": (3, 3)}


def _add_product(name: str) -> Callable[..., Any]:
    """The fused products (addmm, addmv, addr, baddbmm, addbmm): beta * self + alpha * product, the
    product made by the batched matmul and the others by their rules."""
    ranks = _PRODUCTS[name]

    def rule(self: Any, m1: Any, m2: Any, *, beta: Any = 1, alpha: Any = 1, out: Any = None) -> Any:
        level = _top_level((self, m1, m2))
        if (out is not None or not isinstance(m1, Tensor) or not isinstance(m2, Tensor) or (m1.dim(), m2.dim()) != ranks
                or not isinstance(self, Tensor) or len({self.dtype, m1.dtype, m2.dtype}) != 1
                or isinstance(beta, Tensor) or isinstance(alpha, Tensor)):
            raise _Unbatchable(level)
        if name == "addr":
            product = m1.unsqueeze(-1) * m2.unsqueeze(-2)
        else:
            product = m1 @ m2
            if name == "addbmm":
                product = product.sum(0)
        if self.dim() > product.dim():
            raise _Unbatchable(level)  # the loop raises PyTorch's error
        scaled = product if alpha == 1 else product * alpha
        if beta == 0:  # (self is not read: its NaNs do not spread)
            return scaled
        return scaled + (self if beta == 1 else self * beta)
    rule.__name__ = name
    return rule


_ATEN_OF = {"unique": "_unique2", "unique_consecutive": "unique_consecutive", "nonzero": "nonzero"}
KINDS.update({"dynamic_shape": (lambda name: _dynamic_shape(_ATEN_OF[name]), True),
              "masked_select": (_one(_masked_select), True),
              "take": (_one(_take), False), "put": (_one(_put), False), "index_put": (_one(_index_put), False),
              "setitem": (_one(_setitem), False), "renorm": (_one(_renorm), False), "dist": (_one(_dist), True),
              "vdot": (_one(_vdot), True), "add_product": (_add_product, True),
              "masked_scatter": (_one(_masked_scatter), True), "fill": (_one(_fill_), False)})
_OWN_KINDS.update({"unique": "dynamic_shape", "unique_consecutive": "dynamic_shape", "nonzero": "dynamic_shape",
                   "masked_select": "masked_select", "take": "take", "put": "put", "index_put": "index_put",
                   "__setitem__": "setitem", "renorm": "renorm", "dist": "dist", "vdot": "vdot",
                   "addmm": "add_product", "addmv": "add_product", "addr": "add_product", "baddbmm": "add_product",
                   "addbmm": "add_product", "masked_scatter": "masked_scatter", "fill_": "fill"})


# ---------------------------------------------------------------- issue 13's tensor ops (the op audit, round 5)
def _argsort(self: Any, dim: int = -1, descending: bool = False, stable: bool = False) -> Any:
    """argsort along a dim of each example: the dim moves one on."""
    return _make(self._phys.argsort(dim=_dim(dim, self.dim()) + 1, descending=descending, stable=stable), self._level)


def _repeat_interleave(self: Any, repeats: Any = None, dim: Optional[int] = None, *,
                       output_size: Optional[int] = None) -> Any:
    """repeat_interleave of each example by counts every example shares (an int, or an unbatched
    tensor): along the dim moved one on, or over the flattened example; per-example counts (whose
    result shapes could differ) loop."""
    level = self._level
    if repeats is None or _top_level((repeats,)) >= 0:
        raise _Unbatchable(level)
    phys = self._phys
    if dim is None:
        phys, d = phys.reshape((phys.shape[0], -1)), 1
    else:
        d = _dim(dim, self.dim()) + 1
        if self.dim() == 0:
            phys = phys.reshape((phys.shape[0], 1))
    return _make(phys.repeat_interleave(repeats, d, output_size=output_size), level)


_MATRIX_RANKS["bmm"] = (3, 3)
KINDS.update({"argsort": (_one(_argsort), False), "repeat_interleave": (_one(_repeat_interleave), False)})
_OWN_KINDS.update({"argsort": "argsort", "repeat_interleave": "repeat_interleave", "bmm": "matrix"})


def _einsum(plain: Callable[..., Any]) -> Callable[..., Any]:
    """torch.einsum ("batch_dims"): the batched operands' subscripts and the output get one more
    letter, the batch's, in front (an implicit output written out first)."""
    def rule(*args: Any) -> Any:
        operands = list(args[1]) if len(args) == 2 and isinstance(args[1], (list, tuple)) else list(args[1:])
        level = _top_level(operands)
        equation = args[0] if args else None
        if not isinstance(equation, str) or any(not isinstance(o, Tensor) for o in operands):
            raise _Unbatchable(level)
        eq = equation.replace(" ", "")
        lhs, arrow, rhs = eq.partition("->")
        terms = lhs.split(",")
        if len(terms) != len(operands):
            raise _Unbatchable(level)
        letters = [c for c in eq if c.isalpha()]
        free = [c for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in letters]
        if not free:
            raise _Unbatchable(level)
        if not arrow:  # implicit: the letters used once, in order, after any ellipsis
            once = sorted(c for c in set(letters) if letters.count(c) == 1)
            rhs = ("..." if "..." in lhs else "") + "".join(once)
        b = free[0]
        physical_operands = []
        for i, o in enumerate(operands):
            p = _phys_at(o, level)
            if p is not None:
                terms[i] = b + terms[i]
                o = p
            physical_operands.append(o)
        return _make(plain(",".join(terms) + "->" + b + rhs, *physical_operands), level)
    return rule


def _block_diag(plain: Callable[..., Any]) -> Callable[..., Any]:
    """torch.block_diag ("batch_dims"): each block as a 2-d example, its rows padded with zeros to the
    full width (torch.cat with zeros every example shares), then the rows of every block joined."""
    def rule(*tensors: Any) -> Any:
        level = _top_level(tensors)
        if not tensors or any(not isinstance(t, Tensor) or t.dim() > 2 for t in tensors) \
                or len({t.dtype for t in tensors}) != 1:
            raise _Unbatchable(level)
        from .._tensor._shape import cat
        from .._tensor.creation import zeros
        blocks = [t.reshape((1, 1)) if t.dim() == 0 else t.unsqueeze(0) if t.dim() == 1 else t for t in tensors]
        width = sum(int(t.shape[1]) for t in blocks)
        rows, left = [], 0
        for t in blocks:
            r, c = int(t.shape[0]), int(t.shape[1])
            parts = [t]
            if left:
                parts.insert(0, zeros((r, left), dtype=t.dtype))
            if width - left - c:
                parts.append(zeros((r, width - left - c), dtype=t.dtype))
            rows.append(cat(parts, 1) if len(parts) > 1 else _physical_or_self(t, level))
            left += c
        return cat(rows, 0)
    return rule


def _physical_or_self(t: Any, level: int) -> Any:
    """t batched at level (expanded when it is not), as cat's rule wants at least one batched tensor."""
    return t if _phys_at(t, level) is not None else _make(_expanded(t, level), level)


FUNCTION_KINDS_R3.update({"einsum": _einsum, "block_diag": _block_diag,
                          "add_product": lambda func: _add_product(func.__name__)})


def _method_kinds() -> Dict[str, str]:
    """The batching kind of every Tensor method vmap batches: the table above, then every method
    declared with a rule of a kind in _DECLARED_KINDS, then the in-place variants Tensor has of the
    elementwise ones (exp -> exp_, __add__ -> __iadd__)."""
    kinds = dict(_OWN_KINDS)
    for cls in reversed(Tensor.__mro__):
        for name, value in vars(cls).items():
            kind = _DECLARED_KINDS.get(getattr(getattr(value, "rule", None), "batching", None) or "")
            if kind is not None and name not in kinds:
                kinds[name] = kind
    for name, kind in list(kinds.items()):
        if kind == "elementwise":
            variant = "__i" + name[2:] if name.startswith("__") else name + "_"
            if hasattr(Tensor, variant) and variant not in kinds:
                kinds[variant] = "in_place"
    return kinds


_METHOD_KINDS = _method_kinds()
_METHOD_RULES: Dict[str, Callable[..., Any]] = {}
for _name, _kind in _METHOD_KINDS.items():
    if not hasattr(Tensor, _name):
        raise AttributeError(f"vmap's batching table names Tensor.{_name}, which does not exist")
    _factory, _any_operand = KINDS[_kind]
    _METHOD_RULES[_name] = _guarded(_factory(_name), _any_operand)
    setattr(BatchedTensor, _name, _METHOD_RULES[_name])
for _name, _getter in _PROPERTY_RULES.items():
    setattr(BatchedTensor, _name, property(_guarded(_getter)))


# ============================================================================ torch functions
def _stack(tensors: Sequence[Any], dim: int = 0, *, out: Any = None) -> Any:
    """torch.stack of tensors some of which are batched: stacked per example, after the batch dim."""
    level = _top_level(tensors)
    if out is not None or not tensors:
        raise _Unbatchable(level)
    from .._tensor._shape import stack
    nd = tensors[0].dim()
    return _make(stack([_physical_at(t, level) for t in tensors], _dim(dim, nd + 1) + 1), level)


def _cat(tensors: Sequence[Any], dim: int = 0, *, out: Any = None) -> Any:
    """torch.cat of tensors some of which are batched: joined per example, after the batch dim."""
    level = _top_level(tensors)
    if out is not None or not tensors:
        raise _Unbatchable(level)
    nd = tensors[0].dim()
    if nd == 0 or any(t.dim() != nd for t in tensors):
        raise _Unbatchable(level)
    from .._tensor._shape import cat
    return _make(cat([_physical_at(t, level) for t in tensors], _dim(dim, nd) + 1), level)


def _where(condition: Any, input: Any = None, other: Any = None) -> Any:
    """torch.where(condition, input, other) with batched operands: on the aligned physical ones."""
    level = _top_level((condition, input, other))
    if input is None and other is None:
        raise _Unbatchable(level)  # (the nonzero form: a size per example)
    from .._tensor._core import where
    return _make(where(*_aligned((condition, input, other), level)), level)


def _linear(input: Any, weight: Any, bias: Optional[Any] = None) -> Any:
    """F.linear with a batched operand: input @ weight^T + bias through the rules above."""
    level = _top_level((input, weight, bias))
    if (not isinstance(input, Tensor) or not isinstance(weight, Tensor) or weight.dim() != 2 or input.dim() == 0
            or input.shape[-1] != weight.shape[1] or (bias is not None and not isinstance(bias, Tensor))):
        raise _Unbatchable(level)  # the loop raises PyTorch's error
    out = input @ weight.t()
    return out if bias is None else out + bias


def _class_loss(plain: Callable[..., Any]) -> Callable[..., Any]:
    """Kind "class_loss": a loss of class scores (C) or (N, C) and class indices, batched
    (cross_entropy, nll_loss): the rows of every example in one call with reduction="none", then each
    example's reduction (the mean over its targets that are not ignore_index)."""
    def rule(input: Any, target: Any, weight: Any = None, size_average: Any = None, ignore_index: int = -100,
             reduce: Any = None, reduction: str = "mean", **options: Any) -> Any:
        level = _top_level((input, target, weight))
        if (weight is not None or size_average is not None or reduce is not None or not isinstance(input, Tensor)
                or not isinstance(target, Tensor) or target.dtype.is_floating_point
                or input.dim() not in (1, 2) or target.dim() != input.dim() - 1
                or reduction not in ("mean", "sum", "none")):
            raise _Unbatchable(level)
        x, t = _physical_at(input, level), _physical_at(target, level)
        size = x.shape[0]
        classes = x.shape[-1]
        losses = plain(x.reshape((-1, classes)), t.reshape(-1), ignore_index=ignore_index, reduction="none",
                       **options).reshape(tuple(t.shape))
        if reduction == "none":
            return _make(losses, level)
        per_example = losses.reshape((size, -1)).sum(1)
        if reduction == "mean":
            per_example = per_example / (t.reshape((size, -1)) != ignore_index).sum(1)
        return _make(per_example, level)
    return rule


_LOSS_OPTIONS_WITHOUT_RULE = ("weight", "pos_weight", "size_average", "reduce")


def _pointwise_loss(plain: Callable[..., Any]) -> Callable[..., Any]:
    """Kind "pointwise_loss": a loss of input and target of one shape (mse, huber, binary cross
    entropy ...): the elementwise losses of every example at once (reduction="none" on the physical
    tensors), then each example's reduction."""
    def rule(input: Any, target: Any, *args: Any, reduction: str = "mean", **kwargs: Any) -> Any:
        level = _top_level((input, target) + args + tuple(kwargs.values()))
        if (args or not isinstance(input, Tensor) or not isinstance(target, Tensor) or input.shape != target.shape
                or reduction not in ("mean", "sum", "none")
                or any(kwargs.get(k) is not None for k in _LOSS_OPTIONS_WITHOUT_RULE)):
            raise _Unbatchable(level)
        options = {k: v for k, v in kwargs.items() if k not in _LOSS_OPTIONS_WITHOUT_RULE}
        losses = plain(_physical_at(input, level), _physical_at(target, level), reduction="none", **options)
        if reduction == "none":
            return _make(losses, level)
        flat = losses.reshape((losses.shape[0], -1))
        return _make(flat.mean(1) if reduction == "mean" else flat.sum(1), level)
    return rule


def _activation(plain: Callable[..., Any]) -> Callable[..., Any]:
    """Kind "activation": an elementwise function of one tensor and numbers (F.gelu, F.leaky_relu):
    the same call on the physical tensor."""
    def rule(input: Any, *args: Any, **kwargs: Any) -> Any:
        if type(input) is not BatchedTensor or _has_tensor(args, kwargs) or kwargs.get("inplace"):
            return _no_rule_for((input,) + args + tuple(kwargs.values()))
        return _make(plain(input._phys, *args, **kwargs), input._level)
    return rule


def _softmax(plain: Callable[..., Any]) -> Callable[..., Any]:
    """Kind "softmax": F.softmax, F.log_softmax along a dim, which moves past the batch dim (without
    one, the loop gives PyTorch's warning)."""
    def rule(input: Any, dim: Any = None, _stacklevel: int = 3, dtype: Any = None) -> Any:
        if type(input) is not BatchedTensor or dim is None:
            return _no_rule_for((input,))
        return _make(plain(input._phys, _dim(dim, input.dim()) + 1, dtype=dtype), input._level)
    return rule


# The kinds a torch function above this floor declares as its `batching` attribute
# (nn.functional): how to make its rule from the function itself.
FUNCTION_KINDS: Dict[str, Callable[[Callable[..., Any]], Callable[..., Any]]] = {
    "class_loss": _class_loss,
    "pointwise_loss": _pointwise_loss,
    "activation": _activation,
    "softmax": _softmax,
    "linear": lambda plain: _linear,
}
FUNCTION_KINDS.update(FUNCTION_KINDS_R3)


def _grad(outputs: Sequence[Any], inputs: Sequence[Any], grad_outputs: Sequence[Optional[Any]],
          retain_graph: Optional[bool] = None, create_graph: bool = False, only_inputs: bool = True,
          allow_unused: Optional[bool] = None, is_grads_batched: bool = False,
          materialize_grads: bool = False) -> Tuple[Any, ...]:
    """autograd.grad with batched tensors (its arguments as tuples). A graph batched at some levels
    backpropagates on its physical tensors; cotangents batched at levels the graph is not (vjp_fn or
    jacrev inside vmap) go through _batched_backward. Every input must be batched wherever an output
    is (else its gradient would sum over examples): otherwise the loop runs."""
    from ..autograd import grad as plain_grad
    out_levels: Set[int] = set()
    extra: Set[int] = set()
    every: Set[int] = set()
    for o in outputs:
        out_levels.update(levels_of(o))
    for g in grad_outputs:
        if g is not None:
            extra.update(set(levels_of(g)) - out_levels)
    for t in inputs:
        every.update(levels_of(t))
    top = max(out_levels | extra | every)
    if is_grads_batched:
        raise _Unbatchable(top)
    for t in inputs:
        have = set(levels_of(t))
        if not out_levels <= have or have & extra:
            raise _Unbatchable(top)
    if extra:
        if out_levels and min(extra) < max(out_levels):
            raise _Unbatchable(top)  # (the cotangent's batches would sit inside the graph's)
        return _batched_backward(outputs, inputs, grad_outputs, sorted(extra), top, create_graph, allow_unused,
                                 materialize_grads)
    phys_grads = []
    for o, g in zip(outputs, grad_outputs):
        po = physical(o)
        if g is None:
            if o.numel() != 1:
                raise _Unbatchable(top)  # the loop raises PyTorch's error
            from .._tensor.creation import ones_like
            phys_grads.append(ones_like(po))
        elif levels_of(g) == levels_of(o):
            phys_grads.append(physical(g))
        elif not levels_of(g) and tuple(g.shape) == tuple(o.shape):
            phys_grads.append(g.expand(tuple(po.shape)))
        else:
            raise _Unbatchable(top)
    result = plain_grad([physical(o) for o in outputs], [physical(t) for t in inputs], phys_grads,
                        retain_graph=retain_graph, create_graph=create_graph, allow_unused=allow_unused,
                        materialize_grads=materialize_grads)
    return tuple(None if g is None else wrap_like(g, levels_of(t)) for g, t in zip(result, inputs))


def _batched_backward(outputs: Sequence[Any], inputs: Sequence[Any], grad_outputs: Sequence[Any],
                      extra: List[int], top: int, create_graph: bool, allow_unused: Optional[bool],
                      materialize_grads: bool) -> Tuple[Any, ...]:
    """Backward through the physical graph of the outputs with cotangents batched at the `extra`
    levels (above the graph's own): the engine runs the rules' vjps on Tensors (as under
    create_graph) with cotangents that are BatchedTensors at those levels, whose logical shape is
    the physical output's, so every cotangent's backward happens at once. The graph is kept
    (vjp_fn may be called again)."""
    from ..autograd import _input_edges
    from ..engine.backward import run_backward
    from .._tensor.creation import zeros_like
    n_extra = len(extra)
    edges, grads = [], []
    for o, g in zip(outputs, grad_outputs):
        if g is None or not o.requires_grad or tuple(g.shape) != tuple(o.shape):
            raise _Unbatchable(top)  # the loop checks and raises PyTorch's error
        own = levels_of(o)
        g = _expand_to_levels(g, set(own) | set(extra))  # physical dims: own batches, extra, then g's
        phys = physical(g)
        if own:  # the extra batches first: logically, g then has the physical output's shape
            phys = phys.movedim(tuple(range(len(own), len(own) + n_extra)), tuple(range(n_extra)))
        g = wrap_like(phys, extra[::-1])
        po = physical(o)
        edges.append(po._edge or po._leaf_edge())
        grads.append(g if g.dtype == po.dtype else g.to(po.dtype))
    result = run_backward(edges, grads, True, True, _input_edges([physical(t) for t in inputs], "grad()"),
                          accumulate=False) or []
    out: List[Optional[Any]] = []
    for t, g in zip(inputs, result):
        if g is None:
            if not (allow_unused or materialize_grads):
                raise _Unbatchable(top)
            out.append(zeros_like(t) if materialize_grads else None)
            continue
        own = levels_of(t)
        phys = physical(_expand_to_levels(g, set(extra)))  # dims: extra batches, then t's physical dims
        if own:
            phys = phys.movedim(tuple(range(n_extra)), tuple(range(len(own), len(own) + n_extra)))
        g = wrap_like(phys, sorted(set(own) | set(extra), reverse=True))
        out.append(g if create_graph else g.detach())
    return tuple(out)


def _make_dual(tensor: Any, tangent: Any, *, level: Any = None) -> Any:
    """forward_ad.make_dual with a batched primal or tangent: both at the same levels, then the
    physical tensors paired."""
    from ..autograd.forward_ad import make_dual
    levels = sorted(set(levels_of(tensor)) | set(levels_of(tangent)), reverse=True)
    tensor, tangent = _expand_to_levels(tensor, levels), _expand_to_levels(tangent, levels)
    return wrap_like(make_dual(physical(tensor), physical(tangent), level=level), levels)


def _unpack_dual(tensor: Any, *, level: Any = None) -> Any:
    """forward_ad.unpack_dual of a batched tensor: the physical tensor's primal and tangent, batched."""
    from ..autograd.forward_ad import unpack_dual, UnpackedDualTensor
    primal, tangent = unpack_dual(physical(tensor), level=level)
    levels = levels_of(tensor)
    return UnpackedDualTensor(wrap_like(primal, levels), None if tangent is None else wrap_like(tangent, levels))


def _scatter_unique(xp: Any, shape: Tuple[int, ...], dtype: Any, idx: Any, g: Any) -> Any:
    """A backward's write of a batched g into zeros at idx (ops/indexing.py): the same write on the
    physical tensor, one more leading dim."""
    from ..ops.indexing import _scatter_unique as scatter
    level = _top_level((g,))
    if type(g) is not BatchedTensor or g._level != level:
        raise _Unbatchable(level)
    phys = g._phys
    key = (slice(None),) + (idx if type(idx) is tuple else (idx,))
    return _make(scatter(xp, (phys.shape[0],) + tuple(shape), dtype, key, phys), level)


def _function_rules() -> Dict[Any, Callable[..., Any]]:
    """The rule of each torch function below this floor, by the function: the Tensor methods (the
    forward names first, so that a method shared with its reflected name, __mul__ and __rmul__, is
    the forward op) and the functions with rules of their own."""
    from .._tensor._core import where
    from .._tensor._shape import cat, stack
    from ..autograd import grad
    from ..autograd.forward_ad import make_dual, unpack_dual
    from ..ops.indexing import _scatter_unique as scatter
    rules: Dict[Any, Callable[..., Any]] = {}
    for name, rule in _METHOD_RULES.items():
        if _METHOD_KINDS[name] != "reflected":
            rules.setdefault(vars(Tensor).get(name) or getattr(Tensor, name), rule)
    for fn, rule in ((stack, _stack), (cat, _cat), (where, _where), (grad, _grad), (make_dual, _make_dual),
                     (unpack_dual, _unpack_dual), (scatter, _scatter_unique)):
        rules[fn] = _guarded(rule, any_operand=True)
    return rules


_FUNCTION_RULES = _function_rules()


def _function_rule(func: Callable[..., Any]) -> Callable[..., Any]:
    """The rule of a torch function not in the table yet: that of the method it wraps (torch.exp
    wraps Tensor.exp), or one made from the batching kind it declares; none raises the signal to
    loop. Remembered for the next call."""
    wrapped = getattr(func, "__wrapped__", None)
    rule = _FUNCTION_RULES.get(wrapped) if wrapped is not None else None
    if rule is None:
        kind = getattr(func, "batching", None)
        if kind is None:
            return lambda *args, **kwargs: _no_rule_for(tuple(args) + tuple(kwargs.values()))
        rule = _guarded(FUNCTION_KINDS[kind](func), any_operand=True)
    _FUNCTION_RULES[func] = rule
    return rule


# ============================================================================ vmap's entry
class Fallback:
    """vectorized_call's answer when f must run once per example instead. `cause`: the error an op
    raised on the batch, if that is why (the loop must then raise an error too)."""

    __slots__ = ("cause",)

    def __init__(self, cause: Optional[BaseException]) -> None:
        self.cause = cause


fallbacks = [0]  # how many vmap calls fell back to the loop (tests read it)


def vectorized_call(func: Callable[..., Any], args: Tuple[Any, ...], kwargs: Dict[str, Any],
                    mapped: List[Tuple[Tensor, Optional[int]]], size: int, out_dims: Any,
                    fill: Callable[[Any, Iterable[Any]], Any], leaves_of: Callable[[Any], List[Any]]) -> Any:
    """Run func once on BatchedTensors; returns its outputs with the batch at out_dims, or a Fallback
    when an op on the way has no batching rule (the loop then runs f per example). Any other error
    propagates. `mapped`: [(tensor, in_dim or None)] for the tensors of args, in order."""
    _modes.vmap_next_level += 1
    level = _modes.vmap_next_level
    _modes.vmap_live.add(level)
    _modes.vmap_active.append((level, size))
    try:
        batched = iter([t if d is None else _make(t.movedim(d, 0) if d else t, level) for t, d in mapped])
        output = func(*fill(args, [next(batched) for _ in mapped]), **kwargs)
        return _unbatched_outputs(output, level, out_dims, fill, leaves_of)
    except _Unbatchable as e:
        if e.level < level:  # an enclosing vmap's tensor: that vmap must loop
            raise
        cause = e.cause
    finally:
        _modes.vmap_active.pop()
        _modes.vmap_live.discard(level)
    fallbacks[0] += 1
    return Fallback(cause)


def _unbatched_outputs(output: Any, level: int, out_dims: Any, fill: Callable[[Any, Iterable[Any]], Any],
                       leaves_of: Callable[[Any], List[Any]]) -> Any:
    values = all_values(output)
    if any(not isinstance(v, Tensor) for v in values) or (
            isinstance(out_dims, tuple) and not isinstance(output, tuple)):
        raise _Unbatchable(level)  # the loop raises PyTorch's error
    leaves = leaves_of(output)
    dims = out_dims_per_leaf(output, out_dims)
    results = []
    for t, d in zip(leaves, dims):
        p = _phys_at(t, level)
        if d is None:
            if p is not None:
                raise _Unbatchable(level)
            results.append(t)
            continue
        nd = t.dim() + 1
        if not -nd <= d < nd:
            raise _Unbatchable(level)
        d %= nd
        if p is None:
            p = _expanded(t, level)
        results.append(p.movedim(0, d) if d else p)
    return fill(output, results)
