"""Graph nodes: what `tensor.grad_fn` is.

A Node is one recorded op. It holds `next_functions` (one edge `(node, output_index)` per input,
`(None, 0)` where the input needs no gradient), whatever its rule saved for backward, and a stamp of
the in-place counter at the time it was recorded. Each op's rule is a Node subclass named like
PyTorch's (`MulBackward0`), with its forward and its `vjp` side by side, in `torchless/ops/`.

Leaves that require grad end in an `AccumulateGrad` node, which adds into `.grad`.
"""
import itertools
import types
import weakref
from typing import Any, Callable, Iterable, Iterator, List, Optional, Sequence, Tuple

from ..backend import numpy as NP
from .api import api, as_tensor
from .hooks import RemovableHandle
from .state import modes, shared

__all__ = ["Node", "AccumulateGrad", "inplace", "next_stamp", "NO_EDGE", "SAVED_FREED_MSG", "LINEAR_JVP", "own_copy",
           "jvp_by_partials", "linear_through", "restore_before_use", "reachable", "lifted", "lifted_twin", "graph_features"]


class _InplaceState:
    """`last`: the clock value of the latest in-place op anywhere. A node stamped after it cannot
    have had a saved tensor modified, so backward checks saved tensors one by one only for nodes
    stamped before it."""

    __slots__ = ("last",)

    def __init__(self) -> None:
        self.last: int = 0


inplace = _InplaceState()


class _GraphFeatures:
    """Rare graph features, each flagged once it first appears (and never unflagged): until then
    backward skips the per-node attribute read that looks for it (a class attribute, so a slow
    lookup). `hooks`: a hook was registered on some node. `multi_output`: a node with several
    outputs was recorded (record() and custom Functions set it)."""

    __slots__ = ("hooks", "multi_output")

    def __init__(self) -> None:
        self.hooks: bool = False
        self.multi_output: bool = False


graph_features = _GraphFeatures()

# One clock stamps every node when it is recorded and every in-place op when it runs. A node is
# always recorded after the nodes of its inputs, so stamps order the graph topologically: backward
# runs nodes from the highest stamp down and never needs to count dependencies.
next_stamp: Callable[[], int] = itertools.count(1).__next__

NO_EDGE: Tuple[Any, int] = (None, 0)

SAVED_FREED_MSG = (
    "Trying to backward through the graph a second time (or directly access saved tensors after they "
    "have already been freed). Saved intermediate values of the graph are freed when you call "
    ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
    "graph a second time or if you need to access saved tensors after calling backward."
)


def own_copy(function: Callable[..., Any]) -> Callable[..., Any]:
    """A copy of `function` with its own code object. CPython (3.11 and later) specialises each call
    and attribute site of a code object for one type: one class, one function. A site that sees
    nodes of many rule classes in turn (a loop over the graph, or the recorder called for every
    op) misses on most calls and takes the generic path. Where one caller, or one class, calls
    its own copy, the sites inside stay specialised for it. Same source, same behaviour: the copy
    is the function itself."""
    copy = types.FunctionType(function.__code__.replace(), function.__globals__, function.__name__,
                              function.__defaults__, function.__closure__)
    copy.__doc__, copy.__qualname__ = function.__doc__, function.__qualname__
    copy.__kwdefaults__ = function.__kwdefaults__
    return copy


class Node:
    """Base of every grad_fn. Subclasses define `vjp(self, g, xp)` and usually `forward`."""

    __slots__ = ("next_functions", "stamp", "__dict__", "__weakref__")

    next_functions: Tuple[Tuple[Any, int], ...]  # one edge (node or None, output index) per input
    stamp: int            # the clock value when recorded; negative once backward freed `saved`

    # Set per instance only when used; reading them costs one attribute lookup otherwise.
    saved: Any = None     # what the rule's forward kept for backward (arrays, shapes, numbers)
    inputs: Any = None    # the op's arguments (Tensors and constants), kept while `saved` is
    _hooked = False       # any hook registered: the engine looks at the two lists below only then
    # [(output_index, fn)] run on incoming gradients (Tensor.register_hook; index -1: register_prehook)
    _pre_hooks: Optional[List[Tuple[int, Callable[..., Any]]]] = None
    _hooks: Optional[List[Callable[..., Any]]] = None  # [fn] run after vjp: fn(grad_inputs, grad_outputs)
    _out_dirty = False    # an output this node saved was modified in place
    multi_output = False  # True for nodes with several differentiable outputs (split, Function)
    num_outputs = 1       # how many outputs a multi_output node has
    saves_output = False  # True when `saved` holds the op's own output
    relift = True         # under create_graph, rebuild `saved` as Tensors by re-running forward
    # which of `inputs` the op saves, as PyTorch's node does (only those are checked for in-place
    # writes): None, all; a tuple of positions; or "others": input i is saved when another input
    # needs a gradient (a product's gradient for a is g times b)
    saved_inputs: Any = None
    # `saved` is (output, constants...) and nothing of the inputs: create_graph re-attaches the
    # saved output to this node (PyTorch's saved output) instead of re-running forward on inputs
    # that may have been written in place since
    lift_output = False
    adopts_outputs = False  # forward returns Tensors that record() hands to adopt_outputs (autograd.Function)
    # the node keeps index arrays (not in `saved`) where PyTorch saves index tensors: a backward
    # without retain_graph frees it all the same, so that a second one raises as PyTorch's does
    keeps_indices = False

    # ------------------------------------------------------------------ the rule's interface
    @staticmethod
    def forward(node: Any, xp: Any, *args: Any) -> Any:
        """The op itself on `args` (arrays, or Tensors when xp is the Tensor namespace); stores in
        `node.saved` what vjp needs. `node` is None when only the value is wanted (a jvp)."""
        raise NotImplementedError

    def vjp(self, g: Any, xp: Any) -> Sequence[Any]:
        """Gradients for each input, given the gradient `g` of the output. `g` and the saved values
        are NumPy arrays (xp is the NumPy namespace) or, under create_graph, Tensors."""
        raise NotImplementedError

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "backward_step" not in cls.__dict__:
            step = own_copy(Node.backward_step)  # (see backward_step)
            step.__defaults__ = (bool(cls.keeps_indices),)  # read once here, not per node
            setattr(cls, "backward_step", step)

    def backward_step(self, held: List[Any], xp: Any, last_inplace: int, free: bool,
                      keeps_indices: bool = False) -> Iterator[Tuple[Tuple[Any, int], Any]]:
        """This node's part of a plain backward (engine/backward.py): its gradient taken out of
        `held` (a one-item list, so that while the vjp runs only the vjp's callers here hold it:
        backend.numpy's grad_where_ counts the references), the saved-value check when the node
        was recorded before `last_inplace` (or was freed), the vjp, then, when `free`, its saved
        values released (and the node marked freed when its class `keeps_indices`, given here as a
        default argument). Returns its (edge, gradient) pairs.
        Every subclass has its own copy (own_copy): the loop that calls this sees every rule's class
        in turn, and the reads and writes of the node's attributes here stay specialised for one."""
        g = held[0]
        held[0] = None
        stamp = self.stamp
        if stamp < last_inplace:  # recorded before the latest in-place op, or freed
            self.check_saved()
        out = self.vjp(g, xp)
        if free and (self.saved is not None or keeps_indices):
            self.saved = self.inputs = None
            self.stamp = -stamp
        return zip(self.next_functions, out)

    # ------------------------------------------------------------------ PyTorch's grad_fn API
    def name(self) -> str:
        """The node's class name, as PyTorch's grad_fn.name() gives it (e.g. 'MulBackward0')."""
        return type(self).__name__

    def __repr__(self) -> str:
        return f"<{type(self).__name__} object at {id(self):#x}>"

    @property
    def _freed(self) -> bool:
        """backward without retain_graph released `saved` (marked by a negative stamp)"""
        return self.stamp < 0

    def register_hook(self, fn: Callable[..., Any]) -> RemovableHandle:
        """fn(grad_inputs, grad_outputs) runs after this node's backward; may return new grad_inputs."""
        self._hooked = graph_features.hooks = True
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(fn)
        return RemovableHandle(self._hooks, item=fn)

    def register_prehook(self, fn: Callable[..., Any]) -> RemovableHandle:
        """fn(grad_outputs) runs before this node's backward; may return new grad_outputs."""
        return self._add_pre_hook(-1, fn)

    def _add_pre_hook(self, index: int, fn: Callable[..., Any]) -> RemovableHandle:
        self._hooked = graph_features.hooks = True
        if self._pre_hooks is None:
            self._pre_hooks = []
        entry = (index, fn)
        self._pre_hooks.append(entry)
        return RemovableHandle(self._pre_hooks, item=entry)

    def __call__(self, *grads: Any) -> Any:
        """grad_fn(grad) runs this node's backward alone, on Tensors, as in PyTorch (recorded when
        grad mode is on)."""
        g = grads[0] if len(grads) == 1 else list(grads)
        if modes.enabled:
            outs = lifted(self).vjp(g, api.TX)
        else:
            data = as_tensor(g)._data  # (held here too: a vjp writes only into a gradient nobody else holds)
            outs = self.vjp(data, NP)
        res = tuple(None if x is None else as_tensor(x) for x in outs)
        return res if len(res) != 1 else res[0]

    # ------------------------------------------------------------------ saved-value checks
    def check_saved(self) -> None:
        """Raise PyTorch's error if a saved tensor was modified in place since this node recorded."""
        if self._freed:
            raise RuntimeError(SAVED_FREED_MSG)
        stamp = self.stamp
        if self._out_dirty:
            self._raise_modified(None)
        inputs = self.inputs or ()
        which = self.saved_inputs
        if which is not None and inputs:
            if which == "others":
                needed = [e[0] is not None for e in self.next_functions]
                which = [i for i in range(len(inputs)) if any(needed[:i] + needed[i + 1:len(inputs)])]
            inputs = [inputs[i] for i in which if i < len(inputs)]
        for v in inputs:
            if hasattr(v, "_stamp"):  # Tensors only
                base = v._base  # never `v._base or v`: that would call Tensor.__bool__
                if (v if base is None else base)._stamp > stamp:
                    self._raise_modified(v)

    def _raise_modified(self, tensor: Any) -> None:
        what = "an output" if tensor is None else f"a tensor of shape {list(tensor.shape)}"
        version = "" if tensor is None else f" is at version {tensor._version}"
        raise RuntimeError(
            "one of the variables needed for gradient computation has been modified by an inplace "
            f"operation: [{what}]{version}, which is output 0 of {type(self).__name__}. "
            "Hint: the operation that modified it ran after this node was recorded; clone the tensor "
            "before modifying it in place, or do the in-place op out of place."
        )


def reachable(roots: Iterable[Optional[Node]], expand: Optional[Callable[[Node], bool]] = None) -> Iterator[Node]:
    """Every node reachable from `roots` (None entries skipped), each once, depth first; a node's
    inputs are visited only when expand(node) is true (default: always). AccumulateGrad nodes come
    too: they end the walk there, having no inputs."""
    seen = set()
    stack = [n for n in roots if n is not None]
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        yield node
        if expand is None or expand(node):
            stack.extend(n for n, _ in node.next_functions if n is not None)


class _LinearInFirst:
    """The jvp of a rule that is linear in its first argument (views, reshapes, sums, indexing):
    the tangent goes through the rule's own forward. `jvp = LINEAR_JVP` in the class body; a
    subclass gets its own forward. A recorded tangent (a Tensor: xp is then the Tensor namespace)
    goes through the rule as a recorded op, so its derivative is the rule's vjp."""

    def __get__(self, node: Any, cls: Any) -> Callable[..., Any]:
        forward = cls.forward

        def jvp(xp, t, out, a, *rest):
            if xp.apply_rule is None:  # NumPy: arrays
                return forward(None, xp, t[0], *rest)
            return xp.apply_rule(cls, t[0], *rest)
        return jvp


def linear_through(R: Any, xp: Any, *args: Any) -> Any:
    """The jvp of a rule linear in its differentiable arguments: the rule itself applied to the
    tangents (`args`: the forward's arguments with tangents in place of those inputs). On arrays,
    its forward; on recorded tangents (Tensors), a recorded op, so its derivative is R's vjp."""
    if xp.apply_rule is None:
        return R.forward(None, xp, *args)
    return xp.apply_rule(R, *args)


LINEAR_JVP = _LinearInFirst()


def restore_before_use(node: Node, restore: Callable[[], None]) -> None:
    """For a node whose saved values are elsewhere for now (packed by saved-tensor hooks, dropped by
    checkpoint): backward calls check_saved() on every node recorded before inplace.last, so the
    node's check_saved becomes: the class's check again (it raises if backward already freed the
    node), then restore(), which must put the saved values back. The caller moves inplace.last past
    the node."""
    def check() -> None:
        del node.__dict__["check_saved"]
        if getattr(node, "stamp", 0) < 0:
            node.check_saved()
        restore()
    node.__dict__["check_saved"] = check  # (the instance's own: it hides the class's method)


def jvp_by_partials(R: Any, xp: Any, tangents: Sequence[Any], out: Any, args: Sequence[Any],
                    edges: Sequence[int], to_output: Callable[[Any], Any]) -> Any:
    """J t for a rule in which every input element feeds one output element (reductions over dims,
    losses): the rule's own vjp of ones gives each element's partial derivative; the tangent is
    weighted by it and `to_output` sums each product into its output element. `edges`: the
    positions in args of the inputs the vjp differentiates (one per edge).
    On recorded tangents (xp the Tensor namespace, `out` the result Tensor), the partials come from
    the result's recorded node lifted as under create_graph, so they are differentiable; without a
    recorded node nothing that requires grad feeds them, and arrays serve."""
    marks = tuple((None if tangents[i] is None else True, 0) for i in edges)
    value = out[0] if R.aux_outputs else out
    recorded = getattr(value, "grad_fn", None) if xp.apply_rule is not None else None
    if isinstance(recorded, R):  # (specialised rules are subclasses: class_loss_rule, ProdBackward1)
        node = lifted_twin(recorded)
        node.next_functions = marks
        partials = node.vjp(xp.ones_like(value), xp)
        if getattr(node, "conjugating", False):  # a complex rule's vjp gives conj(f'(z)) (ops/_rule.py)
            partials = [None if p is None else xp.conj(p) for p in partials]
    else:
        if any(getattr(v, "_rg", False) for v in args):  # (then a node of R was recorded)
            raise RuntimeError(f"forward AD: no recorded {R.__name__} to differentiate its tangent through")
        vxp = xp if xp.apply_rule is None else xp.arrays
        node = R()
        result = R.forward(node, vxp, *[getattr(v, "_data", v) for v in args])
        if "check_saved" in node.__dict__:  # saved-tensor hooks packed what forward saved: unpack it
            node.check_saved()
        node.next_functions = marks
        partials = node.vjp(vxp.ones_like(result[0] if R.aux_outputs else result), vxp)
    # A holomorphic rule's partials are f'(z): the tangent is t f'(z). Any other rule's are PyTorch's
    # gradients of each output element (dy/dx + i dy/dy for complex z): the tangent is Re(conj(p) t)
    # for a real output (p.conj() is p itself for real arrays and tensors).
    holomorphic = getattr(R, "holomorphic", False)
    total = None
    for i, partial in zip(edges, partials):
        if tangents[i] is not None and partial is not None:
            term = to_output(tangents[i] * (partial if holomorphic else partial.conj()))
            total = term if total is None else total + term
    if total is not None and not holomorphic and _is_complex(total) and not _is_complex(value):
        total = total.real
    return total


def _is_complex(x: Any) -> bool:
    """Whether an array or a Tensor holds complex numbers."""
    dtype = getattr(x, "dtype", None)
    flag = getattr(dtype, "is_complex", None)  # a torch dtype's; a NumPy dtype has its kind
    return bool(flag) if flag is not None else getattr(dtype, "kind", "") == "c"


class AccumulateGrad(Node):
    """The node at a leaf that requires grad: adds incoming gradients into `variable.grad`.

    It holds its leaf weakly: the leaf holds it (as its cached edge), and a strong link back would
    be a reference cycle that only the cyclic GC could free."""

    __slots__ = ("_ref",)

    def __init__(self, variable: Any) -> None:
        self.next_functions = ()
        self.stamp = 0
        self._ref = weakref.ref(variable)

    @property
    def variable(self) -> Any:
        """The leaf tensor whose .grad this node accumulates into (None once it is gone)."""
        return self._ref()

    def check_saved(self) -> None:
        """A leaf saves nothing: nothing to check."""


# ---------------------------------------------------------------------------------- create_graph
def lifted(node: Node) -> Node:
    """A copy of `node` whose saved values are Tensors connected to the graph, so that its vjp,
    run on Tensors, records (create_graph). The forward is re-run on the saved inputs to get them.
    A node whose vjp reads only constants (shapes, dims) or Tensors saved as such is its own."""
    if node.saved is None or not node.relift:
        if node.stamp < 0:  # freed
            raise RuntimeError(SAVED_FREED_MSG)
        return node
    cls = type(node)
    twin = cls.__new__(cls)
    twin.__dict__.update(node.__dict__)
    twin.next_functions = node.next_functions
    twin.stamp = node.stamp
    if node.lift_output and shared.level < 0 and not modes.vmap_active:  # the saved output, as this node's own
        # (a forward-AD or vmap transform re-runs forward instead, for the output's tangent or batch)
        out = api.wrap(node.saved[0])
        out._rg = True
        out._edge = (node, 0)
        twin.saved = (out,) + tuple(node.saved[1:])
        return twin
    cls.forward(twin, api.TX, *node.inputs)
    return twin


def lifted_twin(node: Node) -> Node:
    """A copy of `node` (never the node itself) with its saved values as Tensors, as lifted gives."""
    twin = lifted(node)
    if twin is node:
        cls = type(node)
        twin = cls.__new__(cls)
        twin.__dict__.update(node.__dict__)
        twin.next_functions = node.next_functions
        twin.stamp = node.stamp
    return twin
