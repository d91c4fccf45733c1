"""torch.autograd: backward and grad over the engine, Function, gradcheck."""
from typing import Any, Callable, List, Optional, Sequence, Tuple

from ..engine.backward import as_tuple as _as_tuple, backward as _engine_backward, input_edges as _input_edges
from ..engine.backward import root_grads as _root_grads, run_backward
from ..engine.grad_mode import enable_grad, inference_mode, no_grad, set_grad_enabled  # noqa: F401
from .._tensor import Tensor
from .._tensor._core import set_explainer as _set_explainer
from ..overrides import handle_torch_function, has_torch_function

__all__ = ["backward", "grad", "Function", "gradcheck", "gradgradcheck", "no_grad", "enable_grad",
           "set_grad_enabled", "inference_mode", "detect_anomaly", "set_detect_anomaly", "explain", "draw"]

# grad(is_grads_batched=True) runs the vjp under torch.func.vmap, which sits above autograd (vmap
# itself differentiates through autograd), so autograd cannot import it: the package root, which
# sits above both, hands over how to reach it when it loads (see _set_vmap_loader).
_vmap_loader: Optional[Callable[[], Callable[..., Any]]] = None


def _set_vmap_loader(loader: Callable[[], Callable[..., Any]]) -> None:
    """Called once by the package root: `loader()` returns torch.func.vmap (loading torch.func on
    first use, so that importing torchless does not)."""
    global _vmap_loader
    _vmap_loader = loader


def backward(tensors: Any, grad_tensors: Any = None, retain_graph: Optional[bool] = None, create_graph: bool = False,
             grad_variables: Any = None, inputs: Any = None) -> None:
    """backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None)

    Accumulate the gradient of `tensors` (a Tensor or a sequence) into the .grad of the leaves they
    depend on. grad_tensors: the gradient each tensor starts with (None: 1, allowed for
    single-element tensors only). retain_graph: keep the saved values for another backward (default:
    create_graph). create_graph: record the gradient computation (higher-order gradients). inputs:
    only these tensors get .grad (non-leaves too)."""
    _engine_backward(tensors, grad_tensors if grad_tensors is not None else grad_variables, retain_graph,
                     create_graph, inputs, stacklevel=4)


def grad(outputs: Any, inputs: Any, grad_outputs: Any = None, retain_graph: Optional[bool] = None,
         create_graph: bool = False, only_inputs: bool = True, allow_unused: Optional[bool] = None,
         is_grads_batched: bool = False, materialize_grads: bool = False) -> Tuple[Any, ...]:
    """grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, ...) -> tuple

    The gradients of `outputs` with respect to each of `inputs`, returned (not accumulated into
    .grad). grad_outputs, retain_graph, create_graph: as in backward. allow_unused: give None for
    an input nothing reaches (else it raises); materialize_grads: give zeros instead.
    is_grads_batched: each grad_output has a leading batch dim; the result has it too (one backward
    pass with batched cotangents: vmap over the vjp)."""
    outputs = _as_tuple(outputs)
    single = isinstance(inputs, Tensor)
    inputs = _as_tuple(inputs)
    if not inputs:
        raise RuntimeError("`inputs` argument to `grad()` cannot be empty.")
    gouts = _as_tuple(grad_outputs) if grad_outputs is not None else (None,) * len(outputs)
    if not is_grads_batched and has_torch_function(outputs + inputs + gouts):  # a tensor-like argument takes it
        return handle_torch_function(grad, outputs + inputs + gouts, outputs, inputs, gouts, retain_graph,
                                     create_graph, only_inputs, allow_unused, is_grads_batched, materialize_grads)
    if is_grads_batched:
        return _batched_grad(outputs, inputs, _as_tuple(grad_outputs), retain_graph, create_graph, allow_unused,
                             materialize_grads)
    if allow_unused is None:
        allow_unused = materialize_grads
    if materialize_grads and allow_unused is False:
        raise ValueError("Expected allow_unused to be True or not passed when materialize_grads=True, "
                         "but got: allow_unused=False.")
    if retain_graph is None:
        retain_graph = create_graph
    edges, grads = _root_grads(outputs, _as_tuple(grad_outputs), create_graph, "grad()")
    in_edges = _input_edges(inputs, "grad()")
    result = run_backward(edges, grads, retain_graph, create_graph, in_edges, accumulate=False)
    out = []
    for i, (t, g) in enumerate(zip(inputs, result or ())):
        if g is None:
            if materialize_grads:
                from .._tensor.creation import zeros_like
                g = zeros_like(t)
            elif not allow_unused:
                raise RuntimeError(f"The differentiated Tensor at index {i} appears to not have been "
                                   "used in the graph. Set allow_unused=True if this is the desired "
                                   "behavior.")
        elif g.dtype != t.dtype and g.dtype.is_floating_point and t.dtype.is_floating_point:
            g = g.to(t.dtype)  # a mixed-dtype op's gradient comes in the wider dtype; the input's is wanted
        out.append(g)
    del single
    return tuple(out)


def _batched_grad(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused, materialize_grads):
    from .._tensor._shape import stack
    if grad_outputs is None or len(grad_outputs) != len(outputs):
        raise RuntimeError("grad(is_grads_batched=True) needs one batched grad_output per output")
    for i, (g, out) in enumerate(zip(grad_outputs, outputs)):
        if not isinstance(g, Tensor) or g.dim() == 0 or tuple(g.shape[1:]) != tuple(out.shape):
            shape = g.shape[1:] if isinstance(g, Tensor) and g.dim() else ()
            from .._tensor._core import Size
            raise RuntimeError("If `is_grads_batched=True`, we interpret the first dimension of each grad_output as "
                               "the batch dimension. The sizes of the remaining dimensions are expected to match the "
                               "shape of corresponding output, but a mismatch was detected: grad_output"
                               f"[{i}] has a shape of {Size(shape)} and output[{i}] has a shape of {out.shape}. If "
                               "you only want some tensors in `grad_output` to be considered batched, consider "
                               "using vmap.")
    batch = grad_outputs[0].shape[0]
    if any(g.shape[0] != batch for g in grad_outputs):
        raise RuntimeError("grad(is_grads_batched=True): every grad_output needs the same batch size")
    if not allow_unused and not materialize_grads and _vmap_loader is not None:  # one pass: vmap over the vjp
        vmap = _vmap_loader()

        def one(*gs):
            return grad(outputs, inputs, list(gs), retain_graph=True, create_graph=create_graph)
        return tuple(vmap(one)(*grad_outputs))
    rows = []
    for b in range(batch):
        keep = True if b < batch - 1 else retain_graph
        rows.append(grad(outputs, inputs, [g[b] for g in grad_outputs], retain_graph=keep, create_graph=create_graph,
                         allow_unused=allow_unused, materialize_grads=materialize_grads))
    return tuple(None if column[0] is None else stack(list(column)) for column in zip(*rows))


def explain(output: Any, inputs: Any = None, gradient: Any = None) -> Any:
    """explain(output, inputs=None, gradient=None)

    The derivation of output's gradient with respect to `inputs` (default: the leaves it depends
    on), node by node with the numbers, and in closed form where SymPy is installed: see
    torchless/autograd/derivation.py. Also output.explain(...)."""
    import sys
    from .derivation import explain as run
    return run(output, inputs, gradient, _frame=sys._getframe(1))


def _explain_tensor(output: Tensor, inputs: Any, gradient: Any, *, _frame: Any) -> Any:
    """What Tensor.explain runs (the Tensor layer sits below autograd: see _core.set_explainer)."""
    from .derivation import explain as run
    return run(output, inputs, gradient, _frame=_frame)


_set_explainer(_explain_tensor)


def draw(output: Any, inputs: Any = None) -> Any:
    """draw(output, inputs=None)

    A picture of output's backward graph (the path to `inputs` when given): SVG in pure Python, PNG
    with Graphviz; see torchless/autograd/drawing.py."""
    import sys
    from .drawing import draw as run
    return run(output, inputs, _frame=sys._getframe(1))

from .function import Function  # noqa: E402
from .gradcheck import gradcheck, gradgradcheck, _set_grad as _hand_grad_to_gradcheck  # noqa: E402
from .anomaly_mode import detect_anomaly, set_detect_anomaly  # noqa: E402
from . import forward_ad, graph  # noqa: E402,F401

_hand_grad_to_gradcheck(grad)  # gradcheck runs grad, but cannot import this package (it imports gradcheck)


def __getattr__(name: str) -> Any:
    """torch.autograd.functional, loaded on first use: it builds on torch.func (vmap, for
    vectorize=True), which sits above autograd, so autograd cannot import it when it loads."""
    if name == "functional":
        import importlib
        return importlib.import_module(f"{__name__}.functional")  # importing sets the attribute too
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
