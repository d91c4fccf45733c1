"""torch.autograd.functional: Jacobians, Hessians and their products with vectors, for a function of
tensors, with PyTorch's argument handling, strict-mode errors and output nesting.

Everything is reverse mode over `autograd.grad`, as PyTorch does it without vectorize:
- vjp is one backward pass; jacobian is one per output element; hessian is the jacobian of the
  gradient (built with create_graph);
- jvp and hvp use the double-backward trick: u -> (d out / d x)^T u is linear in u, so
  differentiating it with respect to a zero-valued u that requires grad, against v, gives J v.
`vectorize=True` computes a Jacobian's rows in one backward pass with batched cotangents (vmap over
the vjp, as torch.func.jacrev does), the same values as the loop.

Tuples: a function of several tensors takes them as a tuple; results nest as PyTorch nests them,
[output][input], with the tuple levels dropped where the caller gave a single Tensor.
"""
from typing import Any, Callable, Tuple

from .._tensor import creation as C
from .._tensor import Tensor
from ._passes import grad_of_recorded as _grad, jacobian_rows as _jacobian_rows
from ..engine.grad_mode import enable_grad, is_grad_enabled, set_grad_enabled

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]

_STRATEGIES = ("forward-mode", "reverse-mode")


# ---------------------------------------------------------------------------------- arguments
def _as_tensors(value, what, fn):
    """(given as a tuple?, the tensors as a tuple); TypeError for anything but Tensors."""
    is_tuple = isinstance(value, tuple)
    items = value if is_tuple else (value,)
    for i, item in enumerate(items):
        if not isinstance(item, Tensor):
            where = f"value at index {i}" if is_tuple else f"given {what}"
            raise TypeError(f"The {what} given to {fn} must be either a Tensor or a tuple of Tensors but "
                            f"the {where} has type {type(item)}.")
    return is_tuple, items


def _unnest(result, is_tuple):
    """Drop the tuple levels the caller did not use: `is_tuple` is one flag, or (outputs, inputs)."""
    if isinstance(is_tuple, tuple):
        outputs_tuple, inputs_tuple = is_tuple
        if not inputs_tuple:
            result = tuple(r[0] for r in result)
        return result if outputs_tuple else result[0]
    return result if is_tuple else result[0]


def _prepare(inputs, create_graph, need_graph):
    """Fresh tensors to differentiate with respect to: detached copies, or (when the result must be
    differentiable further) views that stay connected to the caller's graph."""
    if create_graph:
        return tuple(t.view_as(t) if t.requires_grad else t.detach().requires_grad_(need_graph) for t in inputs)
    return tuple(t.detach().requires_grad_(need_graph) for t in inputs)


def _finish(tensors, create_graph):
    """Results leave detached unless a graph was asked for (nested tuples too)."""
    if isinstance(tensors, Tensor):
        return tensors if create_graph else tensors.detach()
    return tuple(_finish(t, create_graph) for t in tensors)


def _check_v(v, refs, refs_tuple, create_graph, fn):
    _, v = _as_tensors(v, "v", fn)
    v = _prepare(v, create_graph, need_graph=False)
    if len(v) != len(refs):
        if refs_tuple:
            raise RuntimeError(f"v is a tuple of invalid length: should be {len(refs)} but got {len(v)}.")
        raise RuntimeError("The given v should contain a single Tensor.")
    for i, (vi, ref) in enumerate(zip(v, refs)):
        if vi.shape != ref.shape:
            where = f"Entry {i} in " if refs_tuple else ""
            raise RuntimeError(f"{where}v has invalid size: should be {ref.shape} but got {vi.shape}.")
    return v


def _v_for_single_element(refs, what):
    """v=None is only allowed when there is one element, whose v is then 1."""
    if len(refs) != 1 or refs[0].numel() != 1:
        raise RuntimeError(f"The vector v can only be None if {what} a single Tensor with a single element.")
    return None


def _v_like_inputs(v, inputs, inputs_tuple, create_graph, fn):
    """v checked against the inputs (jvp, hvp, vhp); None only for a single-element input."""
    if v is None:
        return _v_for_single_element(inputs, "the input to the user-provided function is")
    return _check_v(v, inputs, inputs_tuple, create_graph, fn)


# ---------------------------------------------------------------------------------- strict mode
_NEEDS_GRAD_MSG = {
    "outputs": ("Output {i} of the user-provided function does not require gradients. The outputs must "
                "be computed in a differentiable manner from the input when running in strict mode."),
    "grad_inputs": ("The gradient with respect to input {i} is independent of the inputs of the "
                    "user-provided function. This is not allowed in strict mode."),
    "jacobian": ("While computing the hessian, found that the jacobian of the user-provided function "
                 "with respect to input {i} is independent of the input. This is not allowed in strict "
                 "mode. You should ensure that your function is twice differentiable and that the "
                 "jacobian depends on the inputs (this would be violated by a linear function for "
                 "example)."),
    "hessian": ("The hessian of the user-provided function with respect to input {i} is independent of "
                "the input. This is not allowed in strict mode. You should ensure that your function is "
                "thrice differentiable and that the hessian depends on the inputs."),
}


def _check_requires_grad(tensors, kind, strict):
    if not strict:
        return
    for i, t in enumerate(tensors):
        if t is None:
            raise RuntimeError(f"The output of the user-provided function is independent of input {i}. "
                               "This is not allowed in strict mode.")
        if not t.requires_grad:
            raise RuntimeError(_NEEDS_GRAD_MSG[kind].format(i=i))


_INDEPENDENT_MSG = {  # stage -> strict-mode error for a gradient that is missing (None)
    "back": ("The output of the user-provided function is independent of input {i}. This is not allowed "
             "in strict mode."),
    "back_trick": ("The gradient with respect to the input is independent of entry {i} in the "
                   "grad_outputs when using the double backward trick to compute forward mode gradients. "
                   "This is not allowed in strict mode."),
    "double_back": ("The jacobian of the user-provided function is independent of input {i}. This is not "
                    "allowed in strict mode."),
    "double_back_trick": ("The hessian of the user-provided function is independent of entry {i} in the "
                          "grad_jacobian. This is not allowed in strict mode as it prevents from using "
                          "the double backward trick to replace forward mode AD."),
}


def _zeros_for_missing(grads, refs, strict, create_graph, stage):
    """Missing gradients (the input was not used) become zeros, or strict mode's error."""
    out = []
    for i, (g, ref) in enumerate(zip(grads, refs)):
        if g is None:
            if strict:
                raise RuntimeError(_INDEPENDENT_MSG[stage].format(i=i))
            g = C.zeros_like(ref)
        elif strict and create_graph and not g.requires_grad:
            what = "hessian" if "double" in stage else "jacobian"
            raise RuntimeError(f"The {what} of the user-provided function is independent of input {i}. "
                               "This is not allowed in strict mode when create_graph=True.")
        out.append(g)
    return tuple(out)


# ---------------------------------------------------------------------------------- the pass
def _gradients_or_zeros(outputs, wrt, v, refs, create_graph, strict, stage):
    """The gradients of `outputs` against v with respect to `wrt` (recorded when create_graph, or
    when grad mode is on), with zeros (or strict mode's error) for the ones nothing reaches."""
    with set_grad_enabled(create_graph or is_grad_enabled()):
        grads = _grad(outputs, wrt, v, create_graph=create_graph)
        return _zeros_for_missing(grads, refs, strict, create_graph, stage)


def _double_backward(outputs, wrt, v, refs, create_graph, strict, stage, check):
    """J v for J = d outputs / d wrt, by the double-backward trick: u -> J^T u is linear in u (a zero
    that requires grad, shaped like the outputs), so its derivative along v is J v. `check` sees
    J^T u first (strict mode's test)."""
    u = tuple(C.zeros_like(o, requires_grad=True) for o in outputs)
    transposed = _grad(outputs, wrt, u, create_graph=True)
    check(transposed)
    return _gradients_or_zeros(transposed, u, v, refs, create_graph, strict, stage)


def _run(func, inputs, fn):
    outputs = func(*inputs)
    is_tuple, outputs = _as_tensors(outputs, "outputs of the user-provided function", fn)
    return is_tuple, outputs


def _single_output(outputs, is_tuple, fn):
    if is_tuple or not isinstance(outputs[0], Tensor):
        raise RuntimeError(f"The function given to {fn} should return a single Tensor")
    if outputs[0].numel() != 1:
        raise RuntimeError(f"The Tensor returned by the function given to {fn} should contain a single element")


# ---------------------------------------------------------------------------------- public API
def vjp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> Tuple[Any, Any]:
    """vjp(func, inputs, v=None, create_graph=False, strict=False) -> (outputs, vjp)

    func(*inputs) and the vector-Jacobian product v^T J at `inputs`, shaped like the inputs. `v`
    is shaped like the outputs (None only for a single-element output).
    func: a function of Tensors returning a Tensor or a tuple of Tensors. inputs: a Tensor or a
    tuple of Tensors. create_graph: make the result differentiable further (recorded). strict: raise
    when an output is independent of an input instead of giving zeros."""
    with enable_grad():
        inputs_tuple, inputs = _as_tensors(inputs, "inputs", "vjp")
        inputs = _prepare(inputs, create_graph, need_graph=True)
        outputs_tuple, outputs = _run(func, inputs, "vjp")
        _check_requires_grad(outputs, "outputs", strict)
        if v is not None:
            v = _check_v(v, outputs, outputs_tuple, create_graph, "vjp")
        else:
            _v_for_single_element(outputs, "the user-provided function returns")
        result = _gradients_or_zeros(outputs, inputs, v, inputs, create_graph, strict, "back")
    return (_unnest(_finish(outputs, create_graph), outputs_tuple),
            _unnest(_finish(result, create_graph), inputs_tuple))


def jvp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> Tuple[Any, Any]:
    """jvp(func, inputs, v=None, create_graph=False, strict=False) -> (outputs, jvp)

    func(*inputs) and the Jacobian-vector product J v at `inputs`, shaped like the outputs (by the
    double-backward trick, as PyTorch computes it). `v` is shaped like the inputs (None only for a
    single-element input).
    func: a function of Tensors returning a Tensor or a tuple of Tensors. inputs: a Tensor or a
    tuple of Tensors. create_graph: make the result differentiable further (recorded). strict: raise
    when an output is independent of an input instead of giving zeros."""
    with enable_grad():
        inputs_tuple, inputs = _as_tensors(inputs, "inputs", "jvp")
        inputs = _prepare(inputs, create_graph, need_graph=True)
        v = _v_like_inputs(v, inputs, inputs_tuple, create_graph, "jvp")
        outputs_tuple, outputs = _run(func, inputs, "jvp")
        _check_requires_grad(outputs, "outputs", strict)
        result = _double_backward(outputs, inputs, v, outputs, create_graph, strict, "back_trick",
                                  lambda grad_inputs: _check_requires_grad(grad_inputs, "grad_inputs", strict))
    return (_unnest(_finish(outputs, create_graph), outputs_tuple),
            _unnest(_finish(result, create_graph), outputs_tuple))


def jacobian(func: Callable[..., Any], inputs: Any, create_graph: bool = False, strict: bool = False,
             vectorize: bool = False, strategy: str = "reverse-mode") -> Any:
    """jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy='reverse-mode')

    d func(inputs) / d inputs: for output i and input j a tensor of shape out_i.shape + in_j.shape,
    nested [output][input] where func returns a tuple and inputs is one. vectorize=True computes all
    rows in one backward pass with batched cotangents (same values); strategy='forward-mode' needs
    vectorize=True.
    func: a function of Tensors returning a Tensor or a tuple of Tensors. inputs: a Tensor or a
    tuple of Tensors. create_graph: make the result differentiable further (recorded). strict: raise
    when an output is independent of an input instead of giving zeros."""
    if strategy not in _STRATEGIES:
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode". Hint: If your '
                             'function has more outputs than inputs, "forward-mode" tends to be more '
                             'performant. Otherwise, prefer to use "reverse-mode".')
    if strategy == "forward-mode":
        if create_graph:
            raise NotImplementedError("torch.autograd.functional.jacobian: `create_graph=True` and "
                                      '`strategy="forward-mode"` are not supported together (yet). Please '
                                      'either set `create_graph=False` or `strategy="reverse-mode"`.')
        if not vectorize:
            raise NotImplementedError("Computing Jacobian using forward-AD or forward-over-reverse Hessian "
                                      "isonly implemented for `vectorize=True`.")
    with enable_grad():
        inputs_tuple, inputs = _as_tensors(inputs, "inputs", "jacobian")
        inputs = _prepare(inputs, create_graph, need_graph=True)
        outputs_tuple, outputs = _run(func, inputs, "jacobian")
        _check_requires_grad(outputs, "outputs", strict)
        if vectorize and strict:
            raise RuntimeError("torch.autograd.functional.jacobian: `strict=True` and `vectorized=True` are "
                               "not supported together. Please either set `strict=False` or "
                               "`vectorize=False`.")
        sizes = [out.numel() for out in outputs]
        if vectorize and sum(sizes) > 1:
            from ..func import _jacobian_by_vmap
            blocks = _jacobian_by_vmap(list(outputs), sizes, list(inputs), create_graph)
            rows = tuple(tuple(row) for row in blocks)
        else:
            rows = tuple(_jacobian_rows(i, out, inputs, create_graph, strict) for i, out in enumerate(outputs))
    return _unnest(_finish(rows, create_graph), (outputs_tuple, inputs_tuple))


def hessian(func: Callable[..., Any], inputs: Any, create_graph: bool = False, strict: bool = False,
            vectorize: bool = False, outer_jacobian_strategy: str = "reverse-mode") -> Any:
    """hessian(func, inputs, create_graph=False, strict=False, vectorize=False, outer_jacobian_strategy=...)

    d^2 func / d inputs^2 for a func with a single-element output: shape in.shape + in.shape, or
    [i][j] blocks for a tuple of inputs (the Jacobian of the gradient).
    func: a function of Tensors returning a Tensor or a tuple of Tensors. inputs: a Tensor or a
    tuple of Tensors. create_graph: make the result differentiable further (recorded). strict: raise
    when an output is independent of an input instead of giving zeros."""
    inputs_tuple, inputs = _as_tensors(inputs, "inputs", "hessian")
    if outer_jacobian_strategy not in _STRATEGIES:
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode".')

    def scalar_func(*inp: Any) -> Any:
        out = func(*inp)
        out_tuple, outs = _as_tensors(out, "outputs of the user-provided function", "hessian")
        _check_requires_grad(outs, "outputs", strict)
        _single_output(outs, out_tuple, "hessian")
        return out.squeeze()

    def gradient(*inp: Any) -> Any:
        jac = jacobian(scalar_func, inp, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict)
        return jac

    result = jacobian(gradient, inputs, create_graph=create_graph, strict=strict, vectorize=vectorize,
                      strategy=outer_jacobian_strategy)
    return _unnest(result, (inputs_tuple, inputs_tuple))


def vhp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> Tuple[Any, Any]:
    """vhp(func, inputs, v=None, create_graph=False, strict=False) -> (output, vhp)

    func(*inputs) and the vector-Hessian product v^T H, for a func with a single-element output;
    `v` is shaped like the inputs.
    func: a function of Tensors returning a Tensor or a tuple of Tensors. inputs: a Tensor or a
    tuple of Tensors. create_graph: make the result differentiable further (recorded). strict: raise
    when an output is independent of an input instead of giving zeros."""
    return _hessian_product(func, inputs, v, create_graph, strict, "vhp")


def hvp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> Tuple[Any, Any]:
    """hvp(func, inputs, v=None, create_graph=False, strict=False) -> (output, hvp)

    func(*inputs) and the Hessian-vector product H v, for a func with a single-element output (by
    the double-backward trick; equal to vhp for twice continuously differentiable functions); `v`
    is shaped like the inputs.
    func: a function of Tensors returning a Tensor or a tuple of Tensors. inputs: a Tensor or a
    tuple of Tensors. create_graph: make the result differentiable further (recorded). strict: raise
    when an output is independent of an input instead of giving zeros."""
    return _hessian_product(func, inputs, v, create_graph, strict, "hvp")


def _hessian_product(func, inputs, v, create_graph, strict, fn):
    with enable_grad():
        inputs_tuple, inputs = _as_tensors(inputs, "inputs", fn)
        inputs = _prepare(inputs, create_graph, need_graph=True)
        v = _v_like_inputs(v, inputs, inputs_tuple, create_graph, fn)
        outputs_tuple, outputs = _run(func, inputs, fn)
        _check_requires_grad(outputs, "outputs", strict)
        _single_output(outputs, outputs_tuple, fn)
        jac = _grad(outputs, inputs, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict)
        if fn == "vhp":
            result = _gradients_or_zeros(jac, inputs, v, inputs, create_graph, strict, "double_back")
        else:
            result = _double_backward(jac, inputs, v, inputs, create_graph, strict, "double_back_trick",
                                      lambda _: _check_requires_grad(jac, "hessian", strict))
    return (_unnest(_finish(outputs, create_graph), outputs_tuple),
            _unnest(_finish(result, create_graph), inputs_tuple))
