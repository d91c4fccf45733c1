"""torch.utils.checkpoint: trade compute for memory. The activations a function's ops save for
backward are not kept; backward runs the function again to get them back.

Two variants, as in PyTorch:
- use_reentrant=False: `function` runs normally, so its outputs carry its real grad_fn chain. Then the
  values its nodes saved are dropped, and each of those nodes is marked to check its saved values
  before use (the engine asks every node recorded before `inplace.last` to `check_saved()`). The
  first such check in backward re-runs `function` on the saved inputs (with the saved RNG state),
  and hands every original node the saved values of its twin in the rerun, matched by recording
  order.
- use_reentrant=True (PyTorch's default, with a warning when not chosen explicitly): one custom
  Function, CheckpointFunction, runs `function` without recording; its backward re-runs it with
  recording and backpropagates through that fresh graph.
"""
import warnings
from typing import Any, Callable, List, Optional, Tuple

from .._random import get_rng_state, set_rng_state
from .._tensor import Tensor
from ..autograd.function import Function
from ..engine.grad_mode import enable_grad, no_grad
from ..engine.state import modes
from ..engine.node import AccumulateGrad, inplace, next_stamp, reachable, restore_before_use

__all__ = ["checkpoint", "checkpoint_sequential"]


_PREFER_NON_REENTRANT = ("use_reentrant=False is recommended, but if you need to preserve the current default "
                         "behavior, you can pass use_reentrant=True. Refer to docs for more details on the "
                         "differences between the two variants.")


def checkpoint(function: Callable[..., Any], *args: Any, use_reentrant: Optional[bool] = None,
               context_fn: Optional[Callable[..., Any]] = None, determinism_check: str = "default",
               debug: bool = False, preserve_rng_state: bool = True, **kwargs: Any) -> Any:
    """checkpoint(function, *args, use_reentrant=None, preserve_rng_state=True, **kwargs)

    function(*args, **kwargs), keeping none of its intermediate activations for backward: backward
    runs it again to get them (with the RNG state of the first run when preserve_rng_state).
    use_reentrant: which of PyTorch's two variants (see the module doc); not passing it warns, as
    PyTorch does, and picks True. context_fn and debug work with use_reentrant=False only."""
    if use_reentrant is None:
        warnings.warn("torch.utils.checkpoint: the use_reentrant parameter should be passed explicitly. "
                      "Starting in PyTorch 2.9, calling checkpoint without use_reentrant will raise an "
                      "exception. " + _PREFER_NON_REENTRANT, UserWarning, stacklevel=2)
        use_reentrant = True
    if determinism_check not in ("default", "none"):
        raise ValueError(f"determinism_check should be one of ['default', 'none'], but got {determinism_check}")
    if use_reentrant:
        if context_fn is not None or debug:
            raise ValueError("Passing `context_fn` or `debug` is only supported when use_reentrant=False.")
        if kwargs:
            raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
        return CheckpointFunction.apply(function, preserve_rng_state, *args)
    return _checkpoint_without_reentrant(function, preserve_rng_state, args, kwargs)


def checkpoint_sequential(functions: Any, segments: int, input: Any, use_reentrant: Optional[bool] = None,
                          **kwargs: Any) -> Any:
    """checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs)

    Run a Sequential (or a list of modules or functions) on `input` in `segments` pieces, each
    checkpointed but the last, which runs normally, as in PyTorch."""
    if use_reentrant is None:
        warnings.warn("torch.utils.checkpoint.checkpoint_sequential: the use_reentrant parameter should be "
                      "passed explicitly. In version 2.9 we will raise an exception if use_reentrant is not "
                      "passed. " + _PREFER_NON_REENTRANT, UserWarning, stacklevel=2)
        use_reentrant = True
    functions = list(functions.children()) if hasattr(functions, "children") else list(functions)
    size = len(functions) // segments
    end = -1

    def run(start: int, stop: int) -> Callable[[Any], Any]:
        def forward(x: Any) -> Any:
            for f in functions[start:stop + 1]:
                x = f(x)
            return x
        return forward

    for start in range(0, size * (segments - 1), size):
        end = start + size - 1
        input = checkpoint(run(start, end), input, use_reentrant=use_reentrant, **kwargs)
    return run(end + 1, len(functions) - 1)(input)


# ---------------------------------------------------------------------------------- reentrant
class CheckpointFunction(Function):
    """checkpoint(use_reentrant=True) as one custom Function: its forward runs the function
    without recording; its backward runs it again with recording and backpropagates through it."""

    @staticmethod
    def forward(ctx: Any, run_function: Callable[..., Any], preserve_rng_state: bool, *args: Any) -> Any:
        """Run `run_function(*args)` without recording; keep the inputs (and the RNG state)."""
        ctx.run_function = run_function
        ctx.rng_state = get_rng_state() if preserve_rng_state else None
        ctx.tensor_positions = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        ctx.constants = [None if isinstance(a, Tensor) else a for a in args]
        ctx.save_for_backward(*[args[i] for i in ctx.tensor_positions])
        with no_grad():
            return run_function(*args)

    @staticmethod
    def backward(ctx: Any, *grads: Any) -> Tuple[Any, ...]:
        """Run the function again, recording, and backpropagate `grads` through that graph; the
        inputs' gradients come back (None for the two leading non-tensor arguments)."""
        if modes.capturing:  # the nested backward below accumulates into .grad: it cannot capture
            raise RuntimeError("When use_reentrant=True, torch.utils.checkpoint is incompatible with .grad() or "
                               "passing an `inputs` parameter to .backward(). To resolve this error, you can either "
                               "set use_reentrant=False, or call .backward() without passing the `inputs` argument.")
        args = list(ctx.constants)
        for i, t in zip(ctx.tensor_positions, ctx.saved_tensors):
            args[i] = t.detach().requires_grad_(t.requires_grad)
        with _rng_state(ctx.rng_state), enable_grad():
            outputs = ctx.run_function(*args)
        outputs = outputs if isinstance(outputs, tuple) else (outputs,)
        pairs = [(o, g) for o, g in zip(outputs, grads)
                 if isinstance(o, Tensor) and o.requires_grad and g is not None]
        if not pairs:
            raise RuntimeError("none of output has requires_grad=True, this checkpoint() is not necessary")
        from ..autograd import backward
        backward([o for o, _ in pairs], [g for _, g in pairs])
        return (None, None) + tuple(a.grad if isinstance(a, Tensor) else None for a in args)


class _rng_state:
    """Run a block with the RNG state `state` (None: as it is), then put the current one back."""

    def __init__(self, state: Any) -> None:
        self.state = state

    def __enter__(self) -> None:
        if self.state is not None:
            self.current = get_rng_state()
            set_rng_state(self.state)

    def __exit__(self, *exc: Any) -> None:
        if self.state is not None:
            set_rng_state(self.current)


# ---------------------------------------------------------------------------------- non-reentrant
def _checkpoint_without_reentrant(function: Callable[..., Any], preserve_rng_state: bool, args: Tuple[Any, ...],
                                  kwargs: Any) -> Any:
    rng_state = get_rng_state() if preserve_rng_state else None
    start = next_stamp()
    outputs = function(*args, **kwargs)
    end = next_stamp()
    nodes = [n for n in _recorded_between(outputs, start, end) if n.saved is not None]
    if nodes:
        rerun = _Recomputation(function, args, kwargs, rng_state, nodes)
        for node in nodes:
            node.saved = node.inputs = _DROPPED
            restore_before_use(node, rerun.restore)
        inplace.last = next_stamp()  # so that it does: every node recorded before now is checked
    return outputs


_DROPPED = ()  # what a node's saved values read as until the recomputation restores them


def _recorded_between(outputs: Any, start: int, end: int) -> List[Any]:
    """The nodes reachable from `outputs` that were recorded between the stamps start and end,
    in recording order."""
    outs = outputs if isinstance(outputs, (tuple, list)) else (outputs,)
    roots = [t._edge[0] for t in outs if isinstance(t, Tensor) and t._rg and t._edge]

    def inside(node: Any) -> bool:
        return type(node) is not AccumulateGrad and start < node.stamp < end
    return sorted((n for n in reachable(roots, inside) if inside(n)), key=lambda n: n.stamp)


class _Recomputation:
    """Holds what re-running the function needs, and gives the dropped nodes their values back."""

    def __init__(self, function: Callable[..., Any], args: Any, kwargs: Any, rng_state: Any,
                 nodes: Optional[List[Any]]) -> None:
        self.function, self.args, self.kwargs, self.rng_state = function, args, kwargs, rng_state
        self.nodes = nodes

    def restore(self) -> None:
        """Re-run the function and give every dropped node its twin's saved values (on the first
        dropped node backward reaches; later calls have nothing to do)."""
        if self.nodes is None:
            return
        args = [a.detach().requires_grad_(a.requires_grad) if isinstance(a, Tensor) else a for a in self.args]
        with _rng_state(self.rng_state), enable_grad():
            start = next_stamp()
            outputs = self.function(*args, **self.kwargs)
            end = next_stamp()
        twins = [n for n in _recorded_between(outputs, start, end) if n.saved is not None]
        if len(twins) != len(self.nodes) or any(type(a) is not type(b) for a, b in zip(self.nodes, twins)):
            raise RuntimeError("torch.utils.checkpoint: Recomputed values for the following tensors have different "
                               "metadata than during the forward pass: the function recorded "
                               f"{len(self.nodes)} ops that save tensors the first time and {len(twins)} when "
                               "run again (it must do the same ops on every call).")
        for node, twin in zip(self.nodes, twins):
            node.saved, node.inputs = twin.saved, twin.inputs
        self.nodes = self.args = self.kwargs = None
