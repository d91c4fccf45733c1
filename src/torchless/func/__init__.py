"""torch.func: function transforms (grad, grad_and_value, vjp, jvp, jacrev, jacfwd, hessian) and
functional_call.

Each transform runs the function on fresh tensors that require grad, then asks autograd.grad.
Arguments and results may be pytrees: tensors inside tuples, lists and dicts, nested.

Nesting (grad(grad(f))) works because a transform called inside another one builds its gradient
with create_graph=True. At the top level the gradient is built as a graph only when something
outside the transform needs it: an argument that requires grad, or a tensor the function closed over
that does (PyTorch's transforms compose with ordinary autograd in the same way). Otherwise results
come back as plain tensors.

jvp runs forward-mode AD (dual tensors); where an op has no jvp rule yet, jvp falls back to reverse
mode (the double-backward trick: J v is the derivative of u -> J^T u along v). jacfwd is vmap over
jvp. vmap runs the function once on batched tensors (see func/batching.py), or once per example when an
op on the way has no batching rule.
"""
from typing import Any, Callable, Dict, Optional, Tuple, Union

from .._tensor import creation as C
from .._tensor import Tensor
from .._tensor._core import _norm_dim
from ..engine.grad_mode import enable_grad
from ..autograd._passes import grad_of_recorded as _autograd_grad, jacobian_rows as _jacobian_rows
from ..engine import forward_ad as _forward_ad
from ..engine.state import modes as _modes
from ..engine.node import AccumulateGrad, reachable
from . import batching as _batching
from ._pytree import all_values as _all_values, fill as _fill, leaves as _leaves, out_dims_per_leaf as _out_dims_per_leaf
from ._pytree import tree_map as _map

__all__ = ["grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian", "functional_call", "vmap"]

ArgNums = Union[int, Tuple[int, ...]]  # which positional arguments a transform differentiates

_depth = [0]  # how many transforms are running their function right now


# ---------------------------------------------------------------------------------- shared steps
def _fresh(t):
    """A tensor to differentiate with respect to: connected to t's graph when t requires grad, and
    keeping t's tangent when an enclosing forward-mode transform gave it one (jacfwd(jacrev(f))).
    Inside a vectorized vmap it is batched at every level (one copy per example, so that its
    gradient comes out per example), and the physical tensor is the one made fresh."""
    if _modes.vmap_active:
        t = _batching.expand_to_active(t)
        if type(t) is _batching.BatchedTensor:
            return _batching.wrap_like(_fresh_plain(_batching.physical(t)), _batching.levels_of(t))
    return _fresh_plain(t)


def _fresh_plain(t):
    if t.requires_grad:
        return t.view_as(t)
    fresh = t.detach().requires_grad_(True)
    tangent = _forward_ad.tangent(t)
    if tangent is not None:
        _forward_ad.set_tangent(fresh, tangent)
    return fresh


def _argnums(argnums, args, fn):
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    if not nums:
        raise RuntimeError(f"{fn}: argnums must be non-empty")
    for n in nums:
        if not isinstance(n, int):
            raise RuntimeError(f"{fn}: argnums must be int or Tuple[int, ...], got: {type(n)}")
        if not -len(args) <= n < len(args):
            raise RuntimeError(f"Got argnum={n}, but only {len(args)} positional inputs")
    return nums


def _run(func, args, kwargs, argnums, fn):
    """func on args with the argnums ones replaced by fresh tensors: (output, the fresh trees, whether
    any original of them required grad)."""
    nums = _argnums(argnums, args, fn)
    new_args = list(args)
    originals = []
    for n in nums:
        originals.extend(_leaves(args[n]))
        new_args[n] = _map(_fresh, args[n])
    with enable_grad():
        _depth[0] += 1
        try:
            output = func(*new_args, **kwargs)
        finally:
            _depth[0] -= 1
    trees = [new_args[n] for n in nums]
    return output, trees, any(t.requires_grad for t in originals)


def _needs_graph(outputs, fresh, args_need_grad):
    """Must the gradient itself be recorded? Inside another transform, or when it depends on
    something outside: an argument that requires grad, or a captured tensor that does."""
    if _depth[0] > 0 or args_need_grad:
        return True
    mine = {id(_batching.physical(t)) for t in fresh}
    roots = [t.grad_fn for t in outputs if isinstance(t, Tensor)]
    return any(type(node) is AccumulateGrad and id(node.variable) not in mine for node in reachable(roots))


def _gradients(outputs, inputs, cotangents, create_graph):
    """The gradients of the outputs (those that require grad) against the cotangents, zeros for
    inputs nothing reaches; the graph is kept for the next call."""
    grads = _autograd_grad(outputs, inputs, cotangents, create_graph=create_graph, retain_graph=True)
    return [C.zeros_like(t) if g is None else g for g, t in zip(grads, inputs)]


def _detached(tree, keep_graph):
    """The tree's tensors detached, unless the caller needs their graph."""
    return tree if keep_graph else _map(lambda t: t.detach(), tree)


def _split_aux(output, has_aux, fn):
    if not has_aux:
        return output, None
    if not (isinstance(output, tuple) and len(output) == 2):
        raise RuntimeError(f"{fn}: output of function f should be a tuple: (output, aux) if has_aux is True")
    return output


# ---------------------------------------------------------------------------------- grad
def grad_and_value(func: Callable[..., Any], argnums: ArgNums = 0, has_aux: bool = False) -> Callable[..., Any]:
    """A function returning (gradient of func with respect to args[argnums], func's value); with
    has_aux, func returns (value, aux) and this returns (gradient, (value, aux))."""
    def wrapper(*args, **kwargs):
        fn = "grad_and_value(f)(*args)"
        output, trees, args_need_grad = _run(func, args, kwargs, argnums, fn)
        value, aux = _split_aux(output, has_aux, fn)
        if not isinstance(value, Tensor):
            raise RuntimeError(f"{fn}: Expected f(*args) to return a Tensor, got {type(value)}")
        if value.dim() != 0:
            raise RuntimeError(f"{fn}: Expected f(*args) to return a scalar Tensor, got tensor with {value.dim()} "
                               "dims. Maybe you wanted to use the vjp or jacrev APIs instead?")
        fresh = [leaf for tree in trees for leaf in _leaves(tree)]
        keep = _needs_graph([value], fresh, args_need_grad)
        grads = _gradients([value], fresh, [None], keep)
        it = iter(grads)
        grad_trees = [_map(lambda _: next(it), tree) for tree in trees]
        result = grad_trees[0] if isinstance(argnums, int) else tuple(grad_trees)
        value = _detached(value, keep)
        if has_aux:
            return result, (value, _detached(aux, keep))
        return result, value
    return wrapper


def grad(func: Callable[..., Any], argnums: ArgNums = 0, has_aux: bool = False) -> Callable[..., Any]:
    """A function returning the gradient of func (a scalar) with respect to args[argnums]."""
    both = grad_and_value(func, argnums, has_aux)

    def wrapper(*args, **kwargs):
        g, value = both(*args, **kwargs)
        return (g, value[1]) if has_aux else g
    return wrapper


# ---------------------------------------------------------------------------------- vjp, jvp
def vjp(func: Callable[..., Any], *primals: Any, has_aux: bool = False) -> Tuple[Any, ...]:
    """(func(*primals), vjp_fn[, aux]); vjp_fn(cotangents) gives one gradient per primal."""
    output, trees, args_need_grad = _run(func, primals, {}, tuple(range(len(primals))), "vjp(f, *primals)")
    output, aux = _split_aux(output, has_aux, "vjp(f, *primals)")
    outputs = _leaves(output)
    fresh = [leaf for tree in trees for leaf in _leaves(tree)]

    def vjp_fn(cotangents):
        cts = _leaves(cotangents)
        if len(cts) != len(outputs):
            raise RuntimeError(f"Expected pytree structure of cotangents to be the same as pytree structure of "
                               f"outputs to the function: {len(cts)} tensors for {len(outputs)} outputs")
        for c, o in zip(cts, outputs):
            if c.shape != o.shape:
                raise RuntimeError(f"Mismatch in shape: grad_output[0] has a shape of {c.shape} and output[0] has "
                                   f"a shape of {o.shape}.")
        keep = _needs_graph(outputs, fresh, args_need_grad) or any(c.requires_grad for c in cts)
        grads = _gradients(outputs, fresh, cts, keep)
        return tuple(_fill(tree, grads[sum(len(_leaves(t)) for t in trees[:i]):]) for i, tree in enumerate(trees))

    keep = _needs_graph(outputs, fresh, args_need_grad)
    result = (_detached(output, keep), vjp_fn)
    return result + (_detached(aux, keep),) if has_aux else result


def jvp(func: Callable[..., Any], primals: Any, tangents: Any, *, strict: bool = False,
        has_aux: bool = False) -> Tuple[Any, ...]:
    """(func(*primals), J tangents): the Jacobian-vector product, by forward-mode AD (dual tensors).
    If an op on the way has no jvp rule yet, the same values come from reverse mode instead."""
    if not isinstance(primals, tuple):
        raise RuntimeError("jvp(f, primals, tangents): Expected primals to be a tuple. E.g. it should be valid "
                           "to call f(*primals).")
    if not isinstance(tangents, tuple) or len(tangents) != len(primals):
        raise RuntimeError("jvp(f, primals, tangents): Expected primals and tangents to have the same python "
                           "structure. For example, if primals is a tuple of 3 tensors, tangents also must be. "
                           f"Got primals with structure {_structure(primals)} and tangents with structure "
                           f"{_structure(tangents)}")
    for p, t in zip(_leaves(primals), _leaves(tangents)):
        if p.shape != t.shape:
            raise RuntimeError(f"jvp(f, primals, tangents): Expected primals and tangents to have the same shape, "
                               f"but got {list(p.shape)} and {list(t.shape)}")
    try:
        return _forward_jvp(func, primals, tangents, has_aux)
    except _NoForwardRule:
        return _reverse_jvp(func, primals, tangents, has_aux)


class _NoForwardRule(Exception):
    pass


def _forward_jvp(func, primals, tangents, has_aux):
    from ..autograd import forward_ad
    from ..engine.forward_ad import state
    if state.level >= 0:  # inside a dual level already: nested forward mode is not supported
        raise _NoForwardRule
    # Results that keep no graph need no recorded tangents (the fast path, e.g. in hessian's jacfwd)
    keep = _depth[0] > 0 or any(t.requires_grad for t in _leaves(primals) + _leaves(tangents))
    with forward_ad.dual_level():
        pairs = iter(list(zip(_leaves(primals), _leaves(tangents))))
        duals = _map(lambda _: forward_ad.make_dual(*next(pairs)), primals)
        _depth[0] += 1
        was, state.differentiable = state.differentiable, keep
        try:
            output = func(*duals)
        except NotImplementedError as e:
            if "Trying to use forward AD with" in str(e):
                raise _NoForwardRule from None
            raise
        finally:
            _depth[0] -= 1
            state.differentiable = was
        output, aux = _split_aux(output, has_aux, "jvp(f, primals, tangents)")
        unpacked = [forward_ad.unpack_dual(o) for o in _leaves(output)]
        values = [u.primal for u in unpacked]
        slopes = [C.zeros_like(u.primal) if u.tangent is None else u.tangent for u in unpacked]
    result = (_detached(_fill(output, values), keep), _detached(_fill(output, slopes), keep))
    return result + (_detached(aux, keep),) if has_aux else result


def _reverse_jvp(func, primals, tangents, has_aux):
    """J v by the double-backward trick: the derivative of u -> J^T u along v."""
    output, trees, args_need_grad = _run(func, primals, {}, tuple(range(len(primals))), "jvp(f, primals, tangents)")
    output, aux = _split_aux(output, has_aux, "jvp(f, primals, tangents)")
    outputs = _leaves(output)
    fresh = [leaf for tree in trees for leaf in _leaves(tree)]
    keep = _needs_graph(outputs, fresh, args_need_grad)
    with enable_grad():
        us = [C.zeros_like(o, requires_grad=True) for o in outputs]
        transposed = _gradients(outputs, fresh, us, True)  # J^T u, linear in u
        directional = _gradients(transposed, us, _leaves(tangents), keep)
    result = (_detached(output, keep), _detached(_fill(output, directional), keep))
    return result + (_detached(aux, keep),) if has_aux else result


def _structure(tree):
    return type(tree).__name__ + f" of {len(tree)}" if isinstance(tree, (tuple, list)) else type(tree).__name__


# ---------------------------------------------------------------------------------- Jacobians
def jacrev(func: Callable[..., Any], argnums: ArgNums = 0, *, has_aux: bool = False, chunk_size: Optional[int] = None,
           _preallocate_and_copy: bool = False) -> Callable[..., Any]:
    """A function returning the Jacobian of func with respect to args[argnums], by reverse mode:
    for each output tensor, a tensor of shape output.shape + input.shape per input."""
    def wrapper(*args, **kwargs):
        fn = "jacrev(f)(*args)"
        output, trees, args_need_grad = _run(func, args, kwargs, argnums, fn)
        output, aux = _split_aux(output, has_aux, fn)
        outputs = _leaves(output)
        fresh = [leaf for tree in trees for leaf in _leaves(tree)]
        keep = _needs_graph(outputs, fresh, args_need_grad)
        sizes = [o.numel() for o in outputs]
        if sum(sizes) <= 1:  # one row: one backward pass
            per_output = [_jacobian_rows(0, o, fresh, keep, False) for o in outputs]
        else:
            per_output = _jacobian_by_vmap(outputs, sizes, fresh, keep)
        result = _fill(output, [_shape_like_args(blocks, trees, argnums) for blocks in per_output])
        return (result, _detached(aux, keep)) if has_aux else result
    return wrapper


def _jacobian_by_vmap(outputs, sizes, inputs, keep):
    """Every row of the Jacobians at once: the vjp of each basis cotangent (one per output element,
    all outputs stacked), under vmap. Returns, per output, one block per input (out.shape + in.shape)."""
    dtypes = [o.dtype if o.dtype.is_floating_point or o.dtype.is_complex else inputs[0].dtype for o in outputs]

    def rows(*cotangents):
        return tuple(_gradients(outputs, inputs, list(cotangents), keep))
    grads = vmap(rows)(*_identity_pieces(outputs, sizes, dtypes))
    row_blocks = [list(_pieces(g, sizes)) for g in grads]  # per input: its rows, cut per output
    return [[blocks[k].reshape(tuple(o.shape) + tuple(t.shape)) for blocks, t in zip(row_blocks, inputs)]
            for k, o in enumerate(outputs)]


def _identity_pieces(tensors, sizes, dtypes):
    """The identity over all the tensors' elements cut into one basis batch per tensor: piece k has
    shape (total,) + tensors[k].shape and dtype dtypes[k] (row r is 1 at element r, counting
    through the tensors in order)."""
    total = sum(sizes)
    eye = C.eye(total, dtype=dtypes[0])
    return [p.to(dt).reshape((total,) + tuple(t.shape))
            for p, t, dt in zip(_pieces(eye, sizes, dim=1), tensors, dtypes)]


def _pieces(t, sizes, dim=0):
    """t cut along dim into consecutive pieces of the given sizes."""
    start = 0
    for n in sizes:
        yield t.narrow(dim, start, n)
        start += n


def _shape_like_args(blocks, trees, argnums):
    it = iter(blocks)
    filled = [_map(lambda _: next(it), tree) for tree in trees]
    return filled[0] if isinstance(argnums, int) else tuple(filled)


def jacfwd(func: Callable[..., Any], argnums: ArgNums = 0, has_aux: bool = False, *,
           randomness: str = "error") -> Callable[..., Any]:
    """The Jacobian of func with respect to args[argnums] by forward mode: the jvp along every
    input element's basis vector (a column of the Jacobian each), all at once under vmap."""
    if randomness not in ("error", "different", "same"):
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or 'same'. Got {randomness}")

    def wrapper(*args, **kwargs):
        nums = _argnums(argnums, args, "jacfwd(f)(*args)")
        inputs = [leaf for n in nums for leaf in _leaves(args[n])]

        def partial(*chosen):
            full = list(args)
            it = iter(chosen)
            for n in nums:
                full[n] = _fill(args[n], [next(it) for _ in _leaves(args[n])])
            return func(*full, **kwargs)

        sizes = [inp.numel() for inp in inputs]
        total = sum(sizes)
        basis = _identity_pieces(inputs, sizes, [inp.dtype for inp in inputs])

        def columns(*tangents):  # J t and f's value (the same in every row), for a batch of tangents
            result = jvp(partial, tuple(inputs), tangents, has_aux=has_aux)
            return (result[1], result[0]) + ((result[2],) if has_aux else ())

        mapped = vmap(columns, randomness=randomness)(*basis) if total else None
        if mapped is None:  # no input elements: f's value only, empty Jacobians
            result = jvp(partial, tuple(inputs), tuple(C.zeros_like(x) for x in inputs), has_aux=has_aux)
            output, aux = result[0], (result[2] if has_aux else None)
            slopes = _map(lambda o: C.zeros((0,) + tuple(o.shape), dtype=o.dtype), output)
        else:
            slopes, output = mapped[0], _map(lambda o: o[0], mapped[1])
            aux = _map(lambda a: a[0], mapped[2]) if has_aux else None
        per_output = [[(block.movedim(0, -1) if out.dim() else block).reshape(tuple(out.shape) + tuple(inp.shape))
                       for block, inp in zip(_pieces(col, sizes), inputs)]  # (n, *out.shape) columns per input
                      for out, col in zip(_leaves(output), _leaves(slopes))]
        trees = [args[n] for n in nums]
        result = _fill(output, [_shape_like_args(blocks, trees, argnums) for blocks in per_output])
        return (result, aux) if has_aux else result
    return wrapper


def hessian(func: Callable[..., Any], argnums: ArgNums = 0) -> Callable[..., Any]:
    """The Hessian of a scalar func with respect to args[argnums]: the Jacobian of its gradient."""
    return jacfwd(jacrev(func, argnums), argnums)


def vmap(func: Callable[..., Any], in_dims: Any = 0, out_dims: Any = 0, randomness: str = "error", *,
         chunk_size: Optional[int] = None) -> Callable[..., Any]:
    """func mapped over a dimension of its inputs: vmap(f)(x)[i] == f(x[i]).

    f runs once, on BatchedTensors that hold the whole batch (torchless/func/batching.py): each op
    with a batching rule runs once for every example, autograd and forward AD included. When an op on
    the way has no rule, f runs again once per index instead, on views of each example's slice, and
    the outputs are stacked along out_dim: every op is batchable, with exactly the per-example results
    (and PyTorch's per-example errors). Errors that f raises otherwise propagate as they are.
    randomness: "error" (random ops raise), "different" (each example draws its own: always the
    loop), "same" (every example gets the same draw)."""
    if randomness not in ("error", "different", "same"):
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or 'same'. Got {randomness}")
    name = getattr(func, "__name__", repr(func))

    def wrapped(*args, **kwargs):
        if not args:
            raise ValueError(f"vmap({name})(<inputs>): got no inputs. Maybe you forgot to add inputs, or you are "
                             "trying to vmap over a function with no inputs. The latter is unsupported.")
        mapped = _mapped_inputs(args, in_dims, name)
        sizes = [t.shape[d] for t, d in mapped if d is not None]
        if not sizes:
            raise ValueError("vmap: Expected at least one Tensor to vmap over")
        if len(set(sizes)) > 1:
            raise ValueError("vmap: Expected all tensors to have the same size in the mapped dimension, got sizes "
                             f"{sizes} for the mapped dimension")
        from .. import _random
        if sizes[0] == 0:
            return _empty_outputs(func, args, kwargs, mapped, out_dims, name)
        start_state = _random.get_rng_state() if randomness == "same" else None
        if randomness != "different":  # one draw shared by every example is "same"
            with _random.forbid_random(randomness == "error"):
                out = _batching.vectorized_call(func, args, kwargs, mapped, sizes[0], out_dims, _fill, _leaves)
            if type(out) is not _batching.Fallback:
                return out
            cause = out.cause
        else:
            cause = None
        results = []
        for i in range(sizes[0]):
            slices = iter([t if d is None else t.select(d, i) for t, d in mapped])
            example = _map(lambda _: next(slices), args)
            if start_state is not None:
                _random.set_rng_state(start_state)
            with _random.forbid_random(randomness == "error"):
                results.append(func(*example, **kwargs))
        if cause is not None:  # the loop raised nothing: the rule, not f, was wrong
            raise RuntimeError(f"vmap: a batching rule raised {type(cause).__name__}: {cause} where {name} runs "
                               "on each example without error (a bug in the rule)") from cause
        return _stack_outputs(results, out_dims, name)
    return wrapped


def _empty_outputs(func, args, kwargs, mapped, out_dims, name):
    """A batch of zero examples: run func once on a zero-filled example to learn its outputs' shapes,
    then give each batched output zero rows along its out_dim."""
    examples = iter([t if d is None else C.zeros(t.shape[:d] + t.shape[d + 1:], dtype=t.dtype) for t, d in mapped])
    probe = func(*_map(lambda _: next(examples), args), **kwargs)
    one = _stack_outputs([probe], out_dims, name)  # a batch of one, laid out as the result must be
    dims = iter(_out_dims_per_leaf(probe, out_dims))
    return _map(lambda t: _no_rows(t, next(dims)), one)


def _no_rows(t, dim):
    return t if dim is None else t.narrow(dim, 0, 0)


def _mapped_inputs(args, in_dims, name):
    """[(tensor, its in_dim or None)] for every tensor in args, in order."""
    if isinstance(in_dims, int):
        dims = (in_dims,) * len(args)
    elif isinstance(in_dims, tuple):
        dims = in_dims
        if len(dims) != len(args):
            raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): in_dims is not compatible with the "
                             f"structure of `inputs`: {len(dims)} entries for {len(args)} inputs.")
    else:
        raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): expected `in_dims` to be int or a "
                         f"(potentially nested) tuple matching the structure of inputs, got: {type(in_dims)}.")
    pairs = []
    for arg, dim in zip(args, dims):
        if isinstance(dim, (tuple, list, dict)):
            subtrees = list(dim.values()) if isinstance(dim, dict) else list(dim)
            items = list(arg.values()) if isinstance(arg, dict) else list(arg)
            for a, d in zip(items, subtrees):
                pairs.extend(_mapped_inputs((a,), (d,), name))
            continue
        for t in _leaves(arg):
            if dim is not None and not -max(t.dim(), 0) <= dim < t.dim():
                raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): Got in_dim={dim} for some input, "
                                 f"but that input is a Tensor of dimensionality {t.dim()} so expected in_dim to "
                                 f"satisfy -{t.dim()} <= in_dim < {t.dim()}.")
            pairs.append((t, None if dim is None else dim % t.dim()))
    return pairs


def _stack_outputs(results, out_dims, name):
    from .._tensor._shape import stack
    first = results[0]
    leaves_per_result = [_leaves(r) for r in results]
    if isinstance(out_dims, tuple) and not isinstance(first, tuple):
        raise ValueError(f"vmap({name}, ..., out_dims={out_dims})(<inputs>): out_dims is not compatible with the "
                         "structure of `outputs`.")
    dims = _out_dims_per_leaf(first, out_dims)
    for item in _all_values(first):
        if not isinstance(item, Tensor):
            raise ValueError(f"vmap({name}, ...): `{name}` must only return Tensors, got type {type(item)}. Did you "
                             "mean to set out_dims= to None for output?")
    stacked = []
    for k, dim in enumerate(dims):
        column = [leaves[k] for leaves in leaves_per_result]
        if dim is None:
            stacked.append(column[0])
        else:
            _norm_dim(dim, column[0].dim() + 1)  # (PyTorch checks the out_dim before stacking)
            stacked.append(stack(column, dim=dim))
    return _fill(first, stacked)


# ---------------------------------------------------------------------------------- modules
def functional_call(module: Any, parameter_and_buffer_dicts: Any, args: Any = None,
                    kwargs: Optional[Dict[str, Any]] = None, *, tie_weights: bool = True, strict: bool = False) -> Any:
    """module(*args, **kwargs) with some of its parameters and buffers replaced, for this call
    only, by the tensors given under their state_dict names."""
    dicts = parameter_and_buffer_dicts if isinstance(parameter_and_buffer_dicts, (tuple, list)) \
        else (parameter_and_buffer_dicts,)
    values = {}
    for d in dicts:
        repeated = [k for k in d if k in values]
        if repeated:
            raise ValueError(f"{repeated} appeared in multiple dictionaries; behavior of functional call is ambiguous")
        values.update(d)
    own = dict(module.named_parameters(remove_duplicate=False))
    own.update(dict(module.named_buffers(remove_duplicate=False)))
    if tie_weights:  # a tied tensor given under one of its names is used under all of them
        by_identity = {id(own[k]): v for k, v in values.items() if k in own}
        for name, t in own.items():
            if name not in values and id(t) in by_identity:
                values[name] = by_identity[id(t)]
    if strict:
        missing = [k for k in own if k not in values]
        unexpected = [k for k in values if k not in own]
        if missing or unexpected:
            lines = []
            if unexpected:
                lines.append("\tUnexpected key(s): " + ", ".join(f"'{k}'" for k in unexpected) + ".")
            if missing:
                lines.append("\tMissing key(s): " + ", ".join(f"'{k}'" for k in missing) + ".")
            raise RuntimeError(f"Error(s) in reparametrizing for {type(module).__name__}:\n" + "\n".join(lines))
    args = () if args is None else (args if isinstance(args, tuple) else (args,))
    swapped = [_swap_in(module, name, value) for name, value in values.items()]
    try:
        return module(*args, **(kwargs or {}))
    finally:
        for undo in reversed(swapped):
            undo()


def _swap_in(module, name, value):
    """Put value at the dotted name for now; returns the function that puts things back."""
    *path, attr = name.split(".")
    owner = module
    for part in path:
        owner = getattr(owner, part)
    for store in (owner._parameters, owner._buffers):
        if attr in store:
            old = store[attr]
            store[attr] = value

            def undo(store=store, old=old):
                store[attr] = old
            return undo
    had = attr in owner.__dict__
    old = owner.__dict__.get(attr)
    if had and not isinstance(old, Tensor):
        raise TypeError(f"attribute `{attr}`: {old!r} is not an instance of torch.Tensor")
    object.__setattr__(owner, attr, value)

    def undo_plain():
        if had:
            object.__setattr__(owner, attr, old)
        else:
            object.__delattr__(owner, attr)
    return undo_plain
