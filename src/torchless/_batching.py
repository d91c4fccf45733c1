"""vmap's vectorized path: BatchedTensor, one tensor standing for a whole batch of examples.

Inside vmap(f), each mapped input reaches f as a BatchedTensor. It shows f the shape of one example
(its logical shape) and holds every example in `_phys`, an ordinary Tensor whose dim 0 is the batch.
An op on BatchedTensors runs once, on `_phys`, with its dims moved past the batch dim (the batching
rules below), and its result is batched again. Autograd records the ops on `_phys` like any others;
as examples never mix, one example's output reaches only that example's rows, so backward needs no
rules of its own. Gradients with respect to a tensor every example shares must still come out per
example: grad() inside vmap differentiates a copy of it per example (see `expand_to_active`).

Only the ops below have batching rules. Any other use of a BatchedTensor reads `_data`, which
raises _Unbatchable: vmap then runs f once per example instead, which gives the same results,
slower. So a missing rule costs speed, never correctness.

Nested vmaps: a level-2 BatchedTensor's `_phys` may itself be a level-1 BatchedTensor, so the
physical tensor's leading dims are the batches, outermost level first.
"""
import operator

from ._tensor._core import Tensor, Size, CPU
from .engine.state import modes as _modes

__all__ = ["BatchedTensor", "vectorized_call", "FALLBACK"]

# The vmap levels are per thread (engine/state.py): _modes.vmap_active holds (level, batch size) of
# each vmap running vectorized in this thread, outermost first; _modes.vmap_live their levels.

_ESCAPED_MSG = ("vmap: a tensor from inside vmap(f) was used after vmap returned (stored in a global or a "
                "closure). Return it from f instead.")


class _Unbatchable(BaseException):
    """An op without a batching rule met a BatchedTensor. A BaseException, so that no
    `except Exception` on the way swallows it before vmap falls back to its loop."""

    def __init__(self, level):
        super().__init__(level)
        self.level = level


def _no_rule(self):
    level = object.__getattribute__(self, "_level")
    if level not in _modes.vmap_live:
        raise RuntimeError(_ESCAPED_MSG)
    raise _Unbatchable(level)


class BatchedTensor(Tensor):
    """One example's view of a batch (see the module docstring). `_phys`: all examples, batch at
    dim 0; `_level`: which vmap it belongs to."""

    __slots__ = ("_phys", "_level")
    _is_batched = True
    __hash__ = Tensor.__hash__

    # Tensor's own code reads these; here they mean "no batching rule": fall back to the loop.
    _data = property(_no_rule)
    _rg = property(_no_rule)
    _edge = property(_no_rule)

    # ------------------------------------------------------------------ what f sees
    @property
    def shape(self):
        return Size(self._phys.shape[1:])

    def size(self, dim=None):
        shape = self._phys.shape[1:]
        return Size(shape) if dim is None else shape[_dim(dim, len(shape))]

    def dim(self):
        return self._phys.dim() - 1

    ndim = property(dim)
    ndimension = dim

    def numel(self):
        n = 1
        for s in self._phys.shape[1:]:
            n *= s
        return n

    nelement = numel

    @property
    def dtype(self):
        return self._phys.dtype

    @property
    def device(self):
        return CPU

    @property
    def requires_grad(self):
        return self._phys.requires_grad

    @property
    def grad_fn(self):
        return self._phys.grad_fn

    @property
    def is_leaf(self):
        return self._phys.is_leaf

    @property
    def grad(self):
        return None

    def __len__(self):
        if self.dim() == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._phys.shape[1]

    def __repr__(self, *, tensor_contents=None):
        levels = [lv for lv, _ in _modes.vmap_active]
        depth = 1 + levels.index(self._level) if self._level in _modes.vmap_live else "?"
        return f"BatchedTensor(lvl={depth}, bdim=0, value=\n{_indent(repr(self._phys))}\n)"

    __str__ = __repr__

    # ------------------------------------------------------------------ autograd bookkeeping
    def requires_grad_(self, requires_grad=True):
        self._phys.requires_grad_(requires_grad)
        return self

    def detach(self):
        return _make(self._phys.detach(), self._level)

    def view_as(self, other):
        return self.reshape(tuple(other.shape))

    def type_as(self, other):
        return self.to(other.dtype)


def _indent(text):
    return "\n".join("    " + line for line in text.splitlines())


def _make(phys, level):
    if level not in _modes.vmap_live:
        raise RuntimeError(_ESCAPED_MSG)
    t = object.__new__(BatchedTensor)
    t._phys = phys
    t._level = level
    return t


def _dim(d, nd):
    """Normalize a logical dim (PyTorch's range check: a 0-d tensor takes dims -1 and 0)."""
    d = operator.index(d)
    top = max(nd, 1)
    if not -top <= d < top:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-top}, {top - 1}], but got {d})")
    return d % top


def _is_batched(x):
    return type(x) is BatchedTensor


def _top_level(values):
    """The highest vmap level among the BatchedTensors in values."""
    level = -1
    for v in values:
        if type(v) is BatchedTensor and v._level > level:
            level = v._level
    return level


def _size_of(level):
    for lv, size in _modes.vmap_active:
        if lv == level:
            return size
    raise RuntimeError(_ESCAPED_MSG)


def _phys_at(x, level):
    """x's physical tensor if x is batched at `level`, else None."""
    return x._phys if type(x) is BatchedTensor and x._level == level else None


def _expanded(x, level):
    """x (not batched at `level`) as a physical tensor with that level's batch dim in front."""
    size = _size_of(level)
    return x.unsqueeze(0).expand((size,) + tuple(x.shape))


def physical(t):
    """The plain Tensor under every batching level of t."""
    while type(t) is BatchedTensor:
        t = t._phys
    return t


def levels_of(t):
    """t's vmap levels, outermost wrapper (highest level) first."""
    out = []
    while type(t) is BatchedTensor:
        out.append(t._level)
        t = t._phys
    return out


def wrap_like(phys, levels):
    """phys wrapped in the given levels (highest first), as levels_of reports them."""
    for level in reversed(levels):
        phys = _make(phys, level)
    return phys


def expand_to_active(t):
    """t made batched at every active level: one copy per example (for grad inside vmap, whose
    gradient with respect to a shared tensor must come out per example)."""
    return _expand_to_levels(t, [lv for lv, _ in _modes.vmap_active])


def _expand_to_levels(t, levels):
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


# ============================================================================ batching rules
def _to_rank(phys, rank):
    """A physical tensor (batch first) with size-1 dims after the batch dim, so that its example
    has `rank` dims (at least its own)."""
    missing = rank - (phys.dim() - 1)
    return phys.reshape(phys.shape[:1] + (1,) * missing + phys.shape[1:]) if missing > 0 else phys


def _aligned(args, level):
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


def _elementwise(name):
    def method(self, *args, **kwargs):
        level = _top_level((self,) + args + tuple(kwargs.values()))
        keys = list(kwargs)
        phys = _aligned((self,) + args + tuple(kwargs[k] for k in keys), level)
        n = 1 + len(args)
        return _make(getattr(phys[0], name)(*phys[1:n], **dict(zip(keys, phys[n:]))), level)
    method.__name__ = name
    return method


def _reflected(name, forward):
    """`other op self` with self batched: the forward op with the operands swapped (Tensor's own
    reflected methods take numbers only)."""
    def method(self, other):
        if isinstance(other, Tensor):
            return _BINARY_RULES[forward](other, self)
        return _make(getattr(self._phys, name)(other), self._level)
    method.__name__ = name
    return method


def _unary(name):
    def method(self, *args, **kwargs):
        for v in args + tuple(kwargs.values()):
            if isinstance(v, Tensor):
                return _elementwise(name)(self, *args, **kwargs)
        return _make(getattr(self._phys, name)(*args, **kwargs), self._level)
    method.__name__ = name
    return method


_UNARY = (
    "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "rsqrt", "sin", "cos", "tan", "asin", "acos",
    "atan", "arcsin", "arccos", "arctan", "sinh", "cosh", "asinh", "acosh", "atanh", "tanh", "sigmoid", "relu",
    "abs", "absolute", "neg", "negative", "__neg__", "__abs__", "__pos__", "reciprocal", "sign", "sgn", "floor",
    "ceil", "round", "trunc", "fix", "frac", "square", "erf", "erfc", "erfinv", "logit", "isnan", "isinf",
    "isfinite", "logical_not", "bitwise_not", "__invert__", "float", "double", "half", "bfloat16", "int", "long",
    "short", "bool", "byte", "char", "clone", "contiguous", "to", "clamp", "clip", "clamp_min",
    "clamp_max", "nan_to_num", "deg2rad", "rad2deg", "softplus", "conj", "real", "imag",
)
_BINARY = (
    "add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "floor_divide", "pow",
    "remainder", "fmod", "maximum", "minimum", "fmax", "fmin", "atan2", "arctan2", "hypot", "copysign",
    "xlogy", "eq", "ne", "not_equal", "lt", "less", "le", "less_equal", "gt", "greater", "ge", "greater_equal",
    "logical_and", "logical_or", "logical_xor", "bitwise_and", "bitwise_or", "bitwise_xor", "lerp",
    "__add__", "__sub__", "__mul__", "__truediv__", "__floordiv__", "__mod__", "__pow__", "__eq__", "__ne__",
    "__lt__", "__le__", "__gt__", "__ge__", "__and__", "__or__", "__xor__",
)
_REFLECTED = {"__radd__": "__add__", "__rsub__": "__sub__", "__rmul__": "__mul__", "__rtruediv__": "__truediv__",
              "__rfloordiv__": "__floordiv__", "__rmod__": "__mod__", "__rpow__": "__pow__",
              "__rand__": "__and__", "__ror__": "__or__", "__rxor__": "__xor__"}
_BINARY_RULES = {}

for _name in _UNARY:
    if hasattr(Tensor, _name):
        setattr(BatchedTensor, _name, _unary(_name))
for _name in _BINARY:
    if hasattr(Tensor, _name):
        _BINARY_RULES[_name] = _elementwise(_name)
        setattr(BatchedTensor, _name, _BINARY_RULES[_name])
for _name, _forward in _REFLECTED.items():
    if hasattr(Tensor, _name):
        setattr(BatchedTensor, _name, _reflected(_name, _forward))


def _in_place(name):
    """self.op_(...) on a batched self: the same in-place op on its physical tensor (the other
    operands lined up as for the out-of-place op). A self not batched here cannot take every
    example's result: the loop (as PyTorch refuses it)."""
    def method(self, *args, **kwargs):
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
    method.__name__ = name
    return method


for _name in _UNARY + _BINARY + ("zero_", "fill_", "copy_", "masked_fill_", "__iadd__", "__isub__", "__imul__",
                                 "__itruediv__", "__ipow__", "__ifloordiv__", "__imod__"):
    _inplace_name = _name if _name.endswith("_") else _name + "_"
    if not _name.startswith("__") and hasattr(Tensor, _inplace_name):
        setattr(BatchedTensor, _inplace_name, _in_place(_inplace_name))
    elif _name.startswith("__i") and hasattr(Tensor, _name):
        setattr(BatchedTensor, _name, _in_place(_name))


# ---------------------------------------------------------------- reductions and dim-wise ops
def _shift_dims(dim, nd):
    if isinstance(dim, (tuple, list)):
        return tuple(_dim(d, nd) + 1 for d in dim)
    return _dim(dim, nd) + 1


def _reduction(name, all_dims=True):
    """Ops with a `dim` (first positional argument or keyword): the dim moves past the batch dim.
    With no dim, a reduction over everything becomes one over every dim but the batch."""
    def method(self, *args, **kwargs):
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
    method.__name__ = name
    return method


for _name in ("sum", "mean", "prod", "amax", "amin", "nansum", "nanmean", "std", "var", "all", "any",
              "count_nonzero"):
    if hasattr(Tensor, _name):
        setattr(BatchedTensor, _name, _reduction(_name))
for _name in ("logsumexp", "softmax", "log_softmax", "cumsum", "cumprod", "argmax", "argmin", "max", "min", "norm"):
    if hasattr(Tensor, _name):
        setattr(BatchedTensor, _name, _reduction(_name, all_dims=False))


def _max_like(name):
    by_dim = _reduction(name, all_dims=False)

    def method(self, *args, **kwargs):
        if not args and not kwargs:  # the largest element of each example
            phys = self._phys
            return _make(getattr(phys.reshape((phys.shape[0], -1)), "amax" if name == "max" else "amin")(1),
                         self._level)
        if args and isinstance(args[0], Tensor):
            return _BINARY_RULES["maximum" if name == "max" else "minimum"](self, args[0])
        return by_dim(self, *args, **kwargs)
    return method


BatchedTensor.max = _max_like("max")
BatchedTensor.min = _max_like("min")


def _norm(self, p="fro", dim=None, keepdim=False, dtype=None):
    if dim is None:
        phys = self._phys
        flat = phys.reshape((phys.shape[0], -1))
        return _make(flat.norm(2 if p == "fro" else p, 1), self._level)
    return _make(self._phys.norm(p, _shift_dims(dim, self.dim()), keepdim), self._level)


BatchedTensor.norm = _norm


# ---------------------------------------------------------------- shapes and views
def _sizes(args):
    return tuple(args[0]) if len(args) == 1 and isinstance(args[0], (tuple, list)) else tuple(args)


def _reshape(self, *shape):
    phys = self._phys
    return _make(phys.reshape((phys.shape[0],) + _sizes(shape)), self._level)


def _unsqueeze(self, dim):
    return _make(self._phys.unsqueeze(_dim(dim, self.dim() + 1) + 1), self._level)


def _squeeze(self, dim=None):
    phys = self._phys
    if dim is None:
        return _make(phys.reshape(phys.shape[:1] + tuple(s for s in phys.shape[1:] if s != 1)), self._level)
    return _make(phys.squeeze(_shift_dims(dim, self.dim())), self._level)


def _transpose(self, dim0, dim1):
    nd = self.dim()
    return _make(self._phys.transpose(_dim(dim0, nd) + 1, _dim(dim1, nd) + 1), self._level)


def _t(self):
    nd = self.dim()
    if nd > 2:
        raise _Unbatchable(self._level)
    return self if nd < 2 else _make(self._phys.transpose(1, 2), self._level)


def _permute(self, *dims):
    nd = self.dim()
    return _make(self._phys.permute((0,) + tuple(_dim(d, nd) + 1 for d in _sizes(dims))), self._level)


def _movedim(self, source, destination):
    nd = self.dim()
    return _make(self._phys.movedim(_shift_dims(source, nd), _shift_dims(destination, nd)), self._level)


def _flatten(self, start_dim=0, end_dim=-1):
    nd = self.dim()
    phys = self._phys
    if nd == 0:
        return _make(phys.reshape((phys.shape[0], 1)), self._level)
    return _make(phys.flatten(_dim(start_dim, nd) + 1, _dim(end_dim, nd) + 1), self._level)


def _padded_to(self, sizes):
    """self's physical tensor with size-1 dims after the batch dim up to len(sizes) logical dims
    (expand and repeat add new dims in front of the example's)."""
    if len(sizes) < self.dim():
        raise _Unbatchable(self._level)  # the loop raises PyTorch's error
    return _to_rank(self._phys, len(sizes))


def _expand(self, *sizes):
    sizes = _sizes(sizes)
    phys = _padded_to(self, sizes)
    return _make(phys.expand((phys.shape[0],) + sizes), self._level)


def _expand_as(self, other):
    return _expand(self, *other.shape)


def _select(self, dim, index):
    if isinstance(index, Tensor):
        raise _Unbatchable(self._level)
    return _make(self._phys.select(_dim(dim, self.dim()) + 1, index), self._level)


def _narrow(self, dim, start, length):
    return _make(self._phys.narrow(_dim(dim, self.dim()) + 1, start, length), self._level)


def _pieces(name):
    def method(self, split, dim=0):
        parts = getattr(self._phys, name)(split, _dim(dim, self.dim()) + 1)
        return tuple(_make(p, self._level) for p in parts)
    return method


def _T(self):
    nd = self.dim()
    if nd != 2:
        raise _Unbatchable(self._level)  # the loop gives PyTorch's warning
    return _make(self._phys.transpose(1, 2), self._level)


def _mT(self):
    nd = self.dim()
    if nd < 2:
        raise _Unbatchable(self._level)
    return _make(self._phys.transpose(-2, -1), self._level)


_BASIC_INDEX = (int, slice, type(None), type(Ellipsis))


def _getitem(self, key):
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


for _names, _rule in ((("reshape", "view"), _reshape), (("unsqueeze",), _unsqueeze), (("squeeze",), _squeeze),
                      (("transpose", "swapaxes", "swapdims"), _transpose), (("t",), _t),
                      (("permute",), _permute), (("movedim", "moveaxis"), _movedim), (("flatten",), _flatten),
                      (("expand",), _expand), (("expand_as",), _expand_as), (("select",), _select),
                      (("narrow",), _narrow), (("__getitem__",), _getitem)):
    for _name in _names:
        setattr(BatchedTensor, _name, _rule)
def _flip(self, *dims):
    nd = self.dim()
    return _make(self._phys.flip(tuple(_dim(d, nd) + 1 for d in _sizes(dims))), self._level)


def _roll(self, shifts, dims=None):
    phys = self._phys
    if dims is None:  # the flattened example rolls
        return _make(phys.reshape((phys.shape[0], -1)).roll(shifts, 1).reshape(tuple(phys.shape)), self._level)
    return _make(phys.roll(shifts, _shift_dims(dims, self.dim())), self._level)


def _repeat(self, *sizes):
    sizes = _sizes(sizes)
    return _make(_padded_to(self, sizes).repeat((1,) + sizes), self._level)


def _gather(self, dim, index):
    level = _top_level((self, index))
    src = _phys_at(self, level)
    idx = _phys_at(index, level)
    if src is None:
        src = _expanded(self, level)
    if idx is None:
        idx = _expanded(index, level)
    return _make(src.gather(_dim(dim, self.dim()) + 1, idx), level)


def _masked_fill(self, mask, value):
    level = _top_level((self, mask, value))
    if isinstance(value, Tensor) and _phys_at(value, level) is not None:
        raise _Unbatchable(level)
    src = _phys_at(self, level)
    src = _expanded(self, level) if src is None else src
    m = _phys_at(mask, level)
    return _make(src.masked_fill(mask if m is None else _to_rank(m, self.dim()), value), level)


BatchedTensor.flip = _flip
BatchedTensor.roll = _roll
BatchedTensor.repeat = _repeat
BatchedTensor.gather = _gather
BatchedTensor.masked_fill = _masked_fill
BatchedTensor.split = _pieces("split")
BatchedTensor.chunk = _pieces("chunk")
BatchedTensor.unbind = lambda self, dim=0: tuple(
    _make(p, self._level) for p in self._phys.unbind(_dim(dim, self.dim()) + 1))
BatchedTensor.T = property(_T)
BatchedTensor.mT = property(_mT)


# ---------------------------------------------------------------- matrix products
def _matmul(a, b):
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

    def lift(x, p, n, vector_shape):
        if n == 1:
            x_shape = vector_shape
        else:
            x_shape = None
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


def _matrix_op(rank_a, rank_b):
    def method(self, other):
        if not isinstance(other, Tensor) or self.dim() != rank_a or other.dim() != rank_b:
            raise _Unbatchable(getattr(self, "_level", -1))  # the loop raises PyTorch's error
        return _matmul(self, other)
    return method


BatchedTensor.__matmul__ = BatchedTensor.matmul = _matmul
BatchedTensor.__rmatmul__ = lambda self, other: _matmul(other, self) if isinstance(other, Tensor) \
    else _no_rule(self)
BatchedTensor.mm = _matrix_op(2, 2)
BatchedTensor.mv = _matrix_op(2, 1)
BatchedTensor.dot = BatchedTensor.inner = _matrix_op(1, 1)


# ============================================================================ torch functions
def scatter_batched(scatter, shape, dtype, idx, g):
    """A backward's write of g into zeros at idx (ops/indexing.py), for batched g: the same write on
    the physical tensor, one more leading dim."""
    from ._tensor.xp import TX
    phys = g._phys
    key = (slice(None),) + (idx if type(idx) is tuple else (idx,))
    return _make(scatter(TX, (phys.shape[0],) + tuple(shape), dtype, key, phys), g._level)



def stack(tensors, dim):
    level = _top_level(tensors)
    nd = tensors[0].dim()
    phys = [_phys_at(t, level) if _phys_at(t, level) is not None else _expanded(t, level) for t in tensors]
    from ._tensor._shape import stack as plain_stack
    return _make(plain_stack(phys, _dim(dim, nd + 1) + 1), level)


def cat(tensors, dim):
    level = _top_level(tensors)
    nd = tensors[0].dim()
    if nd == 0 or any(t.dim() != nd for t in tensors):
        raise _Unbatchable(level)
    phys = [_phys_at(t, level) if _phys_at(t, level) is not None else _expanded(t, level) for t in tensors]
    from ._tensor._shape import cat as plain_cat
    return _make(plain_cat(phys, _dim(dim, nd) + 1), level)


def linear(input, weight, bias):
    """F.linear with a batched operand: input @ weight^T + bias through the rules above."""
    level = _top_level((input, weight, bias))
    if weight.dim() != 2 or input.dim() == 0 or input.shape[-1] != weight.shape[1] or (
            bias is not None and not isinstance(bias, Tensor)):
        raise _Unbatchable(level)  # the loop raises PyTorch's error
    out = input @ weight.t()
    return out if bias is None else out + bias


def cross_entropy(input, target, weight, ignore_index, reduction, label_smoothing):
    """F.cross_entropy with class-index targets, batched: every example's rows in one call."""
    from .nn.functional import cross_entropy as plain
    return class_loss(plain, input, target, weight, ignore_index, reduction, label_smoothing=label_smoothing)


def class_loss(plain, input, target, weight, ignore_index, reduction, **options):
    """A loss of class scores (C) or (N, C) and class indices, batched (cross_entropy, nll_loss): the
    rows of every example in one call with reduction="none", then each example's reduction (the
    mean over its targets that are not ignore_index)."""
    level = _top_level((input, target))
    if (weight is not None or not isinstance(target, Tensor) or target.dtype.is_floating_point
            or input.dim() not in (1, 2) or target.dim() != input.dim() - 1
            or reduction not in ("mean", "sum", "none")):
        raise _Unbatchable(level)
    x = _phys_at(input, level)
    x = _expanded(input, level) if x is None else x
    t = _phys_at(target, level)
    t = _expanded(target, level) if t is None else t
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


def grad(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused, materialize_grads):
    """autograd.grad with batched tensors. A graph batched at some levels backpropagates on its
    physical tensors; cotangents batched at levels the graph is not (vjp_fn or jacrev inside vmap)
    go through _batched_backward. Every input must be batched wherever an output is (else its
    gradient would sum over examples): otherwise the loop runs."""
    from .autograd import grad as plain_grad
    out_levels, extra, every = set(), set(), set()
    for o in outputs:
        out_levels.update(levels_of(o))
    for g in grad_outputs:
        if g is not None:
            extra.update(set(levels_of(g)) - out_levels)
    for t in inputs:
        every.update(levels_of(t))
    top = max(out_levels | extra | every)
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
            from ._tensor.creation import ones_like
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


def _batched_backward(outputs, inputs, grad_outputs, extra, top, create_graph, allow_unused, materialize_grads):
    """Backward through the physical graph of the outputs with cotangents batched at the `extra`
    levels (above the graph's own): the engine runs the rules' vjps on Tensors (as under
    create_graph) with cotangents that are BatchedTensors at those levels, whose logical shape is
    the physical output's, so every cotangent's backward happens at once. The graph is kept
    (vjp_fn may be called again)."""
    from .autograd import _input_edges
    from .engine.backward import run_backward
    from ._tensor.creation import zeros_like
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
                          accumulate=False)
    out = []
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


def make_dual(primal, tangent, make):
    """forward_ad.make_dual with a batched primal or tangent: both at the same levels, then the
    physical tensors paired."""
    levels = sorted(set(levels_of(primal)) | set(levels_of(tangent)), reverse=True)
    primal, tangent = _expand_to_levels(primal, levels), _expand_to_levels(tangent, levels)
    return wrap_like(make(physical(primal), physical(tangent)), levels)


def unpack_dual(tensor, unpack):
    primal, tangent = unpack(physical(tensor))
    levels = levels_of(tensor)
    return wrap_like(primal, levels), (None if tangent is None else wrap_like(tangent, levels))


# ============================================================================ torch.* while vmap runs
# torch.exp is Tensor.exp itself, and torch.sum a function that reads `_data`: called on a
# BatchedTensor they would make vmap fall back. Giving them a dispatch step would cost every plain
# call, so instead, while a vectorized vmap runs, the torch and torch.nn.functional attributes named
# below are swapped for versions that send BatchedTensors to their rules (and anything else to the
# original). Names bound before (`from torch import exp`) keep the original: those fall back.
_F_RULES = {
    "softmax": lambda input, dim=None, _stacklevel=3, dtype=None: input.softmax(dim, dtype=dtype),
    "log_softmax": lambda input, dim=None, _stacklevel=3, dtype=None: input.log_softmax(dim, dtype=dtype),
    "relu": lambda input, inplace=False: None if inplace else input.relu(),
    "sigmoid": lambda input: input.sigmoid(),
    "tanh": lambda input: input.tanh(),
}


def _activation(original):
    """An elementwise F function of one tensor (and numbers): the same call on the physical tensor."""
    def rule(input, *args, **kwargs):
        if args and isinstance(args[0], Tensor) or kwargs.get("inplace") or any(
                isinstance(v, Tensor) for v in kwargs.values()):
            return None
        return _make(original(input._phys, *args, **kwargs), input._level)
    return rule


def _pointwise_loss(original):
    """A loss of input and target of one shape (l1, mse, huber, ...): the elementwise losses of every
    example at once (reduction="none" on the physical tensors), then each example's reduction."""
    def rule(input, target, *args, reduction="mean", **kwargs):
        if args or not isinstance(target, Tensor) or input.shape != target.shape or reduction not in (
                "mean", "sum", "none") or any(v is not None for k, v in kwargs.items()
                                            if k in ("weight", "pos_weight", "size_average", "reduce")):
            return None
        level = _top_level((input, target))
        x, t = (_phys_at(a, level) if _phys_at(a, level) is not None else _expanded(a, level) for a in (input, target))
        losses = original(x, t, reduction="none", **kwargs)
        if reduction == "none":
            return _make(losses, level)
        flat = losses.reshape((losses.shape[0], -1))
        return _make(flat.mean(1) if reduction == "mean" else flat.sum(1), level)
    return rule


_F_ACTIVATIONS = ("gelu", "leaky_relu", "elu", "selu", "celu", "silu", "mish", "softplus", "softsign", "hardtanh",
                  "relu6", "logsigmoid", "hardsigmoid", "hardswish", "tanhshrink", "softshrink", "hardshrink")
_F_LOSSES = ("mse_loss", "l1_loss", "huber_loss", "smooth_l1_loss", "binary_cross_entropy",
             "binary_cross_entropy_with_logits")
_swaps_by_module = []  # (module's namespace, {name: batched version}, {name: original}), built on first use


def _dispatching(name, original, rule):
    """A torch-level function that gives BatchedTensors to `rule` (None from it: the original)."""
    def fn(*args, **kwargs):
        if args and any(type(a) is BatchedTensor for a in args):
            out = rule(*args, **kwargs)
            if out is not None:
                return out
        return original(*args, **kwargs)
    fn.__name__ = getattr(original, "__name__", name)
    fn.__doc__ = original.__doc__
    return fn


def _method_rule(name):
    binary = _BINARY_RULES.get(name)

    def rule(first, *args, **kwargs):
        if type(first) is BatchedTensor:
            return getattr(first, name)(*args, **kwargs)
        if binary is not None and isinstance(first, Tensor):
            return binary(first, *args, **kwargs)
        return None
    return rule


def _build_swaps():
    import types
    import torchless
    from .nn import functional
    rules = {}
    for name in list(vars(BatchedTensor)) + ["where"]:
        original = getattr(torchless, name, None) if not name.startswith("_") else None
        if type(original) is types.FunctionType:
            rules[name] = (lambda c, a=None, b=None: None if a is None or b is None else where(c, a, b)) \
                if name == "where" else _method_rule(name)
    _add_swaps(torchless, rules)
    rules = dict(_F_RULES)
    for name in _F_ACTIVATIONS + _F_LOSSES:
        original = getattr(functional, name, None)
        if original is not None:
            rules[name] = (_activation if name in _F_ACTIVATIONS else _pointwise_loss)(original)
    rules["nll_loss"] = lambda input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, \
        reduction="mean": None if size_average is not None or reduce is not None else class_loss(
            functional.nll_loss, input, target, weight, ignore_index, reduction)
    _add_swaps(functional, rules)


def _add_swaps(module, rules):
    originals = {name: getattr(module, name) for name in rules}
    batched = {name: _dispatching(name, originals[name], rule) for name, rule in rules.items()}
    _swaps_by_module.append((vars(module), batched, originals))


def _swap_in():
    if not _swaps_by_module:
        _build_swaps()
    for namespace, batched, _ in _swaps_by_module:
        namespace.update(batched)  # one dict update per module: cheaper than a setattr per name


def _swap_out():
    for namespace, _, originals in _swaps_by_module:
        namespace.update(originals)


def where(condition, input, other):
    """torch.where(condition, input, other) with batched operands: on the aligned physical ones."""
    level = _top_level((condition, input, other))
    from ._tensor._core import where as plain_where
    return _make(plain_where(*_aligned((condition, input, other), level)), level)


# ============================================================================ vmap's entry
FALLBACK = object()  # vectorized_call's answer when f must run once per example instead
fallbacks = [0]      # how many vmap calls fell back to the loop (tests read it)


def vectorized_call(func, args, kwargs, mapped, size, out_dims, fill, leaves_of):
    """Run func once on BatchedTensors; returns its outputs with the batch at out_dims, or FALLBACK
    when an op on the way has no batching rule or anything raised (the loop then runs f per
    example, and raises PyTorch's per-example error if there is one).
    `mapped`: [(tensor, in_dim or None)] for the tensors of args, in order."""
    _modes.vmap_next_level += 1
    level = _modes.vmap_next_level
    _modes.vmap_live.add(level)
    if not _modes.vmap_active:
        _swap_in()
    _modes.vmap_active.append((level, size))
    try:
        batched = iter([t if d is None else _make(t.movedim(d, 0) if d else t, level) for t, d in mapped])
        output = func(*fill(args, [next(batched) for _ in mapped]), **kwargs)
        return _unbatched_outputs(output, level, out_dims, fill, leaves_of)
    except _Unbatchable as e:
        if e.level < level:  # an enclosing vmap's tensor: that vmap must loop
            raise
    except Exception:
        pass
    finally:
        _modes.vmap_active.pop()
        _modes.vmap_live.discard(level)
        if not _modes.vmap_active:
            _swap_out()
    fallbacks[0] += 1
    return FALLBACK


def _unbatched_outputs(output, level, out_dims, fill, leaves_of):
    from .func import _out_dims_per_leaf, _all_values
    values = _all_values(output)
    if any(not isinstance(v, Tensor) for v in values) or (
            isinstance(out_dims, tuple) and not isinstance(output, tuple)):
        raise _Unbatchable(level)  # the loop raises PyTorch's error
    leaves = leaves_of(output)
    dims = _out_dims_per_leaf(output, out_dims)
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
