"""Running backward: walk the graph from the outputs, without recursion.

Every node carries a stamp from one global clock, taken when it was recorded. A node's inputs were
always recorded before it, so running nodes from the highest stamp down is a topological order:
when a node is popped from the max-heap, every node that feeds it a gradient has already run, and
its gradient buffer is complete. A node enters the heap with its first gradient; buffers are dropped
as soon as they are consumed; leaves (AccumulateGrad) run last.

Two modes share this loop. Plain backward runs the rules on NumPy arrays. With create_graph=True it
runs them on Tensors, so the gradient computation is itself recorded (higher-order gradients).
"""
import sys
import warnings
from heapq import heappop, heappush
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple

from ..backend import numpy as NP
from .anomaly import checked_vjp
from .api import api, as_tensor as _as_tensor, set_tensor_api
from .node import AccumulateGrad, Node, inplace, lifted as _lift, graph_features, reachable
from .state import modes as state, set_grad_mode, shared

__all__ = ["run_backward", "run_one", "set_tensor_api", "backward", "root_grads", "input_edges", "as_tuple"]

_getrefcount = sys.getrefcount


# ---------------------------------------------------------------------------------- graph walk
Edge = Tuple[Optional[Node], int]  # (node, which of its outputs); (None, 0): needs no gradient


def _needed_nodes(roots: List[Node], targets: Set[Node]) -> Set[Node]:
    """Nodes from which some target node can be reached: only those need to run (autograd.grad,
    backward(inputs=...))."""
    needed = set()
    for n in sorted(reachable(roots), key=lambda n: abs(n.stamp)):  # a node's inputs come before it
        if n in targets or any(nxt in needed for nxt, _ in n.next_functions):
            needed.add(n)
    return needed


# ---------------------------------------------------------------------------------- the loop
def run_backward(roots: Sequence[Edge], grads: Sequence[Any], retain_graph: bool = False, create_graph: bool = False,
                 inputs: Optional[Sequence[Edge]] = None, accumulate: bool = True) -> Optional[List[Any]]:
    """Backpropagate `grads` (arrays, or Tensors under create_graph) from the edges `roots`.

    inputs: edges to stop at. With accumulate=True (backward(inputs=...)) only those leaves get
    .grad; with accumulate=False (autograd.grad) their gradients are returned instead, in order.

    Nodes run from the highest stamp down (a max-heap on the stamp): every consumer of a node was
    recorded after it, so by the time a node is popped its gradient is complete. A node enters the
    heap when its first gradient arrives; nodes that receive none never run.
    """
    if (inputs is None and not create_graph and len(roots) == 1 and not graph_features.hooks
            and not graph_features.multi_output and not shared.anomaly_enabled):
        _run_plain(roots[0][0], grads[0], retain_graph)  # loss.backward(), the common case
        return None
    buffers: Dict[Node, Any] = {}
    heap: List[Tuple[int, Node]] = []  # (-stamp, node)
    leaves: List[Node] = []  # AccumulateGrad nodes: no outgoing edges, so they run last (see below)
    for (node, idx), g in zip(roots, grads):
        if node is None:
            continue
        if node not in buffers:
            _enqueue(node, heap, leaves)
        _add_to_buffer(buffers, node, idx, g)

    needed: Optional[Set[Node]] = None  # with inputs: the nodes worth running
    targets: Set[Node] = set()  # with inputs: their nodes, whose gradients are `captured`
    captured: Dict[Node, Any] = {}
    if inputs is not None:
        targets = {e[0] for e in inputs if e[0] is not None}
        needed = _needed_nodes([e[0] for e in roots if e[0] is not None], targets)
    was_capturing = state.capturing
    state.capturing = inputs is not None

    prev_mode = state.enabled
    set_grad_mode(create_graph)  # the rules themselves record only under create_graph
    try:
        _walk(buffers, heap, leaves, None, retain_graph, create_graph, needed, targets, captured, accumulate)
    finally:
        set_grad_mode(prev_mode)
        state.capturing = was_capturing

    if inputs is not None:
        return [_captured_grad(captured, e) for e in inputs]
    return None


def _walk(buffers: Dict[Node, Any], heap: List[Tuple[int, Node]], leaves: List[Node], following: Optional[Node],
          retain_graph: bool, create_graph: bool, needed: Optional[Set[Node]], targets: Set[Node],
          captured: Dict[Node, Any], accumulate: bool) -> None:
    """run_backward's loop, from the pending nodes on: those in `heap` and `following` (the next to
    run when it is the only one pending; chains skip the heap), with their gradients in `buffers`,
    and the leaves reached so far. `needed`: the nodes worth running (inputs=); `captured`: the
    gradients of the `targets` nodes, filled in here."""
    take, peek = buffers.pop, buffers.get
    last_inplace = inplace.last
    xp = api.TX if create_graph else NP
    out: Any  # a node's input gradients (a sequence; dropped to None once passed on)
    checking = shared.anomaly_enabled
    plain = not checking and not create_graph  # the common case: the node's own vjp on arrays
    multi_exist = graph_features.multi_output  # none yet: no node of this graph has several outputs
    while following is not None or heap:
        if following is not None:
            node, following = following, None
        else:
            node = heappop(heap)[1]
        g = take(node)
        # hooks exist at all (read per node: one registered while backward runs counts), and on this
        # node (read once: hooks its own vjp registers wait for the next backward)
        hooked = graph_features.hooks and node._hooked
        if hooked and node._pre_hooks:
            g = _run_pre_hooks(node, g, create_graph)
        if needed is not None:
            if node in targets:
                captured[node] = g
            if node not in needed:
                continue
        if node.stamp < last_inplace:  # recorded before the latest in-place op, or freed
            node.check_saved()
        # post hooks read g after the vjp: a second holder keeps a vjp from writing into it (they
        # write into a gradient only the loop holds, told by its reference count: grad_where_)
        kept = g if hooked else None
        if plain:
            out = node.vjp(g, xp)
        elif checking:
            out = checked_vjp(_lift(node) if create_graph else node, node, g, xp)
        else:
            out = _lift(node).vjp(g, xp)
        if hooked and node._hooks:
            out = _run_post_hooks(node, out, g)
        kept = None
        if not retain_graph and (node.saved is not None or node.keeps_indices):  # free the saved values
            node.saved = node.inputs = None
            node.stamp = -node.stamp  # negative: freed
        g = None
        for (nxt, idx), gi in zip(node.next_functions, out):
            if nxt is None or gi is None:
                continue
            prev = peek(nxt)
            if prev is None:  # nxt's first gradient: it now waits to run
                if multi_exist and nxt.multi_output:
                    _add_to_buffer(buffers, nxt, idx, gi)
                else:
                    buffers[nxt] = gi
                if type(nxt) is AccumulateGrad:
                    leaves.append(nxt)
                elif following is None and not heap:
                    following = nxt
                else:
                    if following is not None:  # two or more pending: let the heap order them
                        heappush(heap, (-following.stamp, following))
                        following = None
                    heappush(heap, (-nxt.stamp, nxt))
            elif type(prev) is list:  # a multi-output node's buffer: one slot per output
                prev[idx] = gi if prev[idx] is None else prev[idx] + gi
            else:
                buffers[nxt] = prev + gi
        out = gi = prev = None

    # By now the arrays reaching the leaves are held by nobody else: they become .grad without a copy.
    for node in leaves:
        g = take(node)
        if node._hooked and node._pre_hooks:
            g = _run_pre_hooks(node, g, create_graph)
        if needed is not None:
            if node in targets:
                captured[node] = g
            if not accumulate or node not in needed:
                continue
        if g is not None:
            fresh = _getrefcount(g) <= 2  # held only by `g` and getrefcount's argument
            _accumulate(node, g, create_graph, fresh)
            g = None


def run_one(root: Edge, grad: Any, retain_graph: bool = False) -> None:
    """run_backward from one edge with its gradient (an array): what loss.backward() runs."""
    if graph_features.hooks or graph_features.multi_output or shared.anomaly_enabled:
        run_backward([root], [grad], retain_graph)
    else:
        _run_plain(root[0], grad, retain_graph)


def _run_plain(node: Optional[Node], g: Any, retain_graph: bool) -> None:
    """run_backward for one root on arrays, when no hook, no node with several outputs and no
    anomaly mode exist anywhere yet and no `inputs` are given: the same walk in the same order, with
    none of the checks those features need (this is the loop loss.backward() runs). Should a hook
    be registered while it runs, the general loop (_walk) takes over from the node that runs next."""
    if node is None:
        return
    # The node to run next, when it is the only one pending, waits in `following` with its gradient
    # in `held` (a chain never touches the heap or the buffers); all others wait in the heap with
    # their gradients in `buffers`. `held` is a one-item list that the node's backward_step empties:
    # while a vjp runs, nothing here holds its gradient (grad_where_ counts the references).
    buffers: Dict[Node, Any] = {}
    heap: List[Tuple[int, Node]] = []
    leaves: List[Node] = []
    following: Optional[Node] = None
    held: List[Any] = [None]
    if type(node) is AccumulateGrad:
        leaves.append(node)
        buffers[node] = g
    else:
        following, held[0] = node, g
    g = None
    take, peek = buffers.pop, buffers.get
    features, np_namespace = graph_features, NP  # (locals: read on every node)
    last_inplace = inplace.last
    free = not retain_graph
    # custom backwards record nothing, and a checkpoint inside may run its own backward (the modes are
    # per-thread, and each write costs: they are written only when they change)
    was_capturing, prev_mode = state.capturing, state.enabled
    if was_capturing:
        state.capturing = False
    if prev_mode:
        set_grad_mode(False)
    try:
        while True:
            if following is not None:
                node = following
                following = None
            elif heap:
                node = heappop(heap)[1]
                held[0] = take(node)
            else:
                break
            if features.hooks:  # a hook was registered while this backward runs (by a custom
                buffers[node] = held[0]  # backward or a hook): the general loop takes the rest over
                held[0] = None
                _walk(buffers, heap, leaves, node, retain_graph, False, None, set(), {}, True)
                return
            # The check, the vjp and the release of saved values, in the node's class's own copy of
            # backward_step: this site sees every rule's class in turn, the sites there one each.
            for (nxt, idx), gi in node.backward_step(held, np_namespace, last_inplace, free):
                if nxt is None or gi is None:
                    continue
                # A leaf's AccumulateGrad gathers its gradients in `buffers` and runs after every
                # other node. (Told by its type: reading nxt.stamp here would cost more, since this
                # site sees every rule's class and CPython specialises an attribute read for one.)
                if type(nxt) is AccumulateGrad:
                    prev = peek(nxt)
                    if prev is None:
                        buffers[nxt] = gi
                        leaves.append(nxt)
                    else:
                        buffers[nxt] = prev + gi
                elif following is None and not heap:  # the only node pending: no lookup, no heap
                    following = nxt
                    held[0] = gi
                elif nxt is following:  # a second edge into the pending node (y * y)
                    held[0] = held[0] + gi
                else:
                    prev = peek(nxt)
                    if prev is not None:
                        buffers[nxt] = prev + gi
                    else:
                        if following is not None:  # two or more pending: let the heap order them
                            buffers[following] = held[0]
                            held[0] = None
                            heappush(heap, (-following.stamp, following))
                            following = None
                        buffers[nxt] = gi
                        heappush(heap, (-nxt.stamp, nxt))
            # (a vjp may write into a large gradient nobody else holds, told by its reference count:
            # the previous node's outputs must not be held here while the next vjp runs)
            gi = None
        g = prev = None
        for node in leaves:  # their arrays are held by nobody else now: .grad takes them as they are
            g = take(node)
            fresh = _getrefcount(g) <= 2  # held only by `g` and getrefcount's argument (not in the call)
            _accumulate_array(node, g, fresh)
            g = None
    finally:
        set_grad_mode(prev_mode)
        if was_capturing:
            state.capturing = True


def _enqueue(node: Node, heap: List[Tuple[int, Node]], leaves: List[Node]) -> None:
    if type(node) is AccumulateGrad:
        leaves.append(node)
    else:
        heappush(heap, (-node.stamp, node))


def _add_to_buffer(buffers: Dict[Node, Any], node: Node, idx: int, g: Any) -> None:
    if node.multi_output:
        buf = buffers.get(node)
        if buf is None:
            buf = buffers[node] = [None] * node.num_outputs
        buf[idx] = g if buf[idx] is None else buf[idx] + g
        return
    prev = buffers.get(node)
    buffers[node] = g if prev is None else prev + g


def _captured_grad(captured: Dict[Node, Any], edge: Edge) -> Any:
    node, idx = edge
    if node is None:
        return None
    g = captured.get(node)
    if g is not None and node.multi_output:
        g = g[idx]
    if g is None:
        return None
    return g if api.is_tensor(g) else api.wrap(_owned(g, False))


# ---------------------------------------------------------------------------------- leaves
def _owned(g: Any, fresh: bool) -> Any:
    """An array that nobody else holds, to become a .grad. `fresh` says g already is one."""
    if type(g) is not NP.ndarray:
        return NP.asarray(g)
    if fresh and g.base is None and g.flags.writeable:
        return g
    return g.copy()


def _accumulate_array(node: Any, g: Any, fresh: bool) -> None:
    """Add gradient g (an array or NumPy scalar) into the .grad of node's leaf, without create_graph;
    `fresh` says nobody else holds g, so it can become .grad without a copy. Checked in the order
    that costs least when the leaf's .grad is a same-shaped array."""
    var = node._ref()
    if var is None:  # the leaf is gone: nobody can read its .grad
        return
    data = var._data
    if type(g) is not NP.ndarray:  # a NumPy scalar (a 0-d op's gradient) becomes a new array
        fresh = not api.is_tensor(g)
        g = NP.asarray(g) if fresh else g._data
    if g.shape != data.shape:
        g = _match_shape(g, data.shape, var)
    if g.dtype != data.dtype:
        g = g.astype(data.dtype)
        fresh = True
    old = var._grad
    if old is None:
        var._grad = api.wrap(_owned(g, fresh))
    elif old._rg or old._data.shape != g.shape:
        var._grad = old + api.wrap(g)
    else:
        try:  # in place, as PyTorch does: a held reference to .grad sees the sum
            NP.add(old._data, g, out=old._data)
        except ValueError:  # a read-only .grad (set by the user): a new one
            var._grad = old + api.wrap(g)
    if var._post_acc_hooks is not None:
        for hook in var._post_acc_hooks:
            hook(var)


def _accumulate(node: Any, g: Any, create_graph: bool, fresh: bool) -> None:
    """Add gradient g into the .grad of node's leaf; under create_graph g is a Tensor and the sum is
    recorded."""
    if not create_graph:
        _accumulate_array(node, g, fresh)
        return
    var = node._ref()
    if var is None:  # the leaf is gone: nobody can read its .grad
        return
    if g.shape != var._data.shape:
        g = _match_shape(g, var._data.shape, var)
    g = g if api.is_tensor(g) else api.wrap(g)
    if g.dtype != var.dtype:
        g = g.to(var.dtype)
    var._grad = g if var._grad is None else var._grad + g
    for hook in var._post_acc_hooks or ():
        hook(var)


def _match_shape(g: Any, shape: Tuple[int, ...], var: Any) -> Any:
    try:
        return NP.sum_to(g, shape) if NP.ndim(g) >= len(shape) else NP.broadcast_to(g, shape).copy()
    except ValueError:
        raise RuntimeError(
            f"Function AccumulateGrad returned an invalid gradient - got {list(NP.shape(g))} but "
            f"expected shape compatible with {list(shape)}"
        ) from None


# ---------------------------------------------------------------------------------- hooks
def _back(g: Any, create_graph: bool) -> Any:
    return g if create_graph else g._data


def _run_pre_hooks(node: Node, g: Any, create_graph: bool) -> Any:
    multi = node.multi_output
    for index, fn in list(node._pre_hooks or ()):
        if index == -1:  # node-level prehook: gets and returns the tuple of output grads
            grads = tuple(_as_tensor(x) if x is not None else None for x in (g if multi else [g]))
            res = fn(grads)
            if res is not None:
                res = [_back(x, create_graph) if x is not None else None for x in _hook_results(fn, grads, res)]
                g = res if multi else res[0]
            continue
        cur = g[index] if multi else g
        if cur is None:
            continue
        before = _as_tensor(cur)
        res = fn(before)
        if res is not None:
            new = _back(_hook_result(fn, before, _as_tensor(res)), create_graph)
            if multi:
                g[index] = new
            else:
                g = new
    return g


def _run_post_hooks(node: Node, out: Sequence[Any], g: Any) -> Tuple[Any, ...]:
    outs = tuple(_as_tensor(x) if x is not None else None for x in out)
    gouts = tuple(_as_tensor(x) if x is not None else None for x in (g if node.multi_output else [g]))
    for fn in list(node._hooks or ()):
        res = fn(outs, gouts)
        if res is not None:
            outs = _hook_results(fn, outs, res)
    return tuple(None if x is None else (x if state.enabled else x._data) for x in outs)


def _hook_name(fn: Any) -> str:
    return getattr(fn, "__name__", "<unknown>")


def _hook_result(fn: Any, before: Any, after: Any) -> Any:
    """`after`, what hook `fn` gave in place of the gradient `before` (both Tensors); PyTorch's error
    when it has another size or dtype (a gradient of another shape would otherwise be summed or
    broadcast into a wrong one)."""
    if before is not None and after is not None:
        if tuple(after.shape) != tuple(before.shape):
            raise RuntimeError(f"hook '{_hook_name(fn)}' has changed the size of value")
        if after.dtype != before.dtype:
            raise RuntimeError(f"hook '{_hook_name(fn)}' has changed the type of value "
                               f"(was {before.type()} got {after.type()})")
    return after


def _hook_results(fn: Any, before: Sequence[Any], after: Sequence[Any]) -> Tuple[Any, ...]:
    """A node hook's sequence of gradients in place of `before`, each checked as _hook_result does."""
    after = tuple(after)
    if len(after) != len(before):
        raise RuntimeError(f"hook '{_hook_name(fn)}' has returned an incorrect number of values "
                           f"(got {len(after)}, but expected {len(before)})")
    return tuple(None if a is None else _hook_result(fn, b, _as_tensor(a)) for b, a in zip(before, after))


# ---------------------------------------------------------------------------------- on tensors
# The argument handling of torch.autograd.backward, here so that Tensor.backward reaches the engine
# without importing autograd (which sits above the Tensor layer).
def as_tuple(x: Any) -> Optional[Tuple[Any, ...]]:
    """A tensor, or a sequence of them, as a tuple (None stays None)."""
    if x is None:
        return None
    if api.is_tensor(x):
        return (x,)
    return tuple(x)


def root_grads(outputs: Sequence[Any], grad_outputs: Optional[Sequence[Any]], create_graph: bool,
               caller: str) -> Tuple[List[Edge], List[Any]]:
    """The edge of each output and the gradient it starts with: the one given (a Tensor; anything
    else but None is PyTorch's TypeError), or ones for a single-element output. Arrays, or Tensors under
    create_graph."""
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    elif len(grad_outputs) != len(outputs) or not all(g is None or api.is_tensor(g) for g in grad_outputs):
        for g in grad_outputs:  # each a tensor or None, before their count (PyTorch's order)
            if g is not None and not api.is_tensor(g):
                raise TypeError(f"gradients can be either Tensors or None, but got {type(g).__name__}")
        raise RuntimeError(f"{caller} got {len(grad_outputs)} tensors in grad_outputs but {len(outputs)} "
                           "outputs: give one gradient per output")
    edges, grads = [], []
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if not api.is_tensor(out):
            raise TypeError(f"{caller}: outputs must be Tensors, got {type(out).__name__}")
        if not out._rg:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
        if g is None:
            if out._data.size != 1:
                raise RuntimeError(
                    "grad can be implicitly created only for scalar outputs (this output has shape "
                    f"{list(out.shape)}: pass gradient=torch.ones_like(output) or reduce it, e.g. "
                    "output.sum().backward())"
                )
            g = api.wrap(NP.ones_like(out._data))
        if g._data.shape != out._data.shape:
            raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and "
                               f"output[{i}] has a shape of {out.shape}.")
        edge = out._edge or out._leaf_edge()
        if edge[0] is None:  # requires grad, yet leads nowhere (a view taken under no_grad)
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
        edges.append(edge)
        grads.append(g if create_graph else g._data)
    return edges, grads


def input_edges(inputs: Sequence[Any], caller: str) -> List[Edge]:
    """The edge of each tensor to differentiate with respect to (it must require grad)."""
    edges = []
    for t in inputs:
        if not api.is_tensor(t):
            raise TypeError(f"{caller}: inputs must be Tensors, got {type(t).__name__}")
        if not t._rg:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
        edges.append(t._edge or t._leaf_edge())
    return edges


def backward(tensors: Any, grad_tensors: Any = None, retain_graph: Optional[bool] = None,
             create_graph: bool = False, inputs: Any = None, stacklevel: int = 3) -> None:
    """torch.autograd.backward and Tensor.backward: accumulate the gradient of `tensors` into the
    .grad of the leaves they depend on (of `inputs` only, when given: non-leaves too).
    `stacklevel`: where create_graph's warning points (the caller's caller by default)."""
    outputs = as_tuple(tensors) or ()
    retain = create_graph if retain_graph is None else retain_graph
    edges, grads = root_grads(outputs, as_tuple(grad_tensors), create_graph, "backward()")
    if create_graph:
        warnings.warn(
            "Using backward() with create_graph=True will create a reference cycle between the "
            "parameter and its gradient which can cause a memory leak. We recommend using "
            "autograd.grad when creating the graph to avoid this. If you have to use this function, "
            "make sure to reset the .grad fields of your parameters to None after use to break the "
            "cycle and avoid the leak.", UserWarning, stacklevel=stacklevel)
    if inputs is not None:
        wrt = as_tuple(inputs)
        if not wrt:
            raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
        in_edges = input_edges(wrt, "backward()")
        captured = run_backward(edges, grads, retain, create_graph, in_edges, accumulate=True)
        for t, g in zip(wrt, captured or ()):  # non-leaf inputs get .grad too, as in PyTorch
            if not t.is_leaf and g is not None:
                t._grad = g if t._grad is None else t._grad + g
        return
    run_backward(edges, grads, retain, create_graph)
