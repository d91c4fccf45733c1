"""Reverse-mode passes that torch.autograd.functional and torch.func both build on: autograd.grad
over the outputs that record, and a Jacobian's rows by one backward pass per output element.

They live here, below both, so that neither of the two imports the other for them
(autograd.functional uses torch.func's vmap for vectorize=True).
"""
from typing import Any, List, Optional, Sequence, Tuple

from .._tensor import creation as C
from .._tensor import Tensor

__all__ = ["grad_of_recorded", "jacobian_rows"]


def grad_of_recorded(outputs: Sequence[Any], inputs: Sequence[Tensor], grad_outputs: Optional[Sequence[Any]] = None,
                     create_graph: bool = False, retain_graph: Optional[bool] = None) -> Tuple[Any, ...]:
    """autograd.grad over the outputs that require grad (the others are skipped, with their
    grad_outputs); None for the inputs nothing reaches."""
    from . import grad
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o is not None and o.requires_grad]
    if not pairs:
        return (None,) * len(inputs)
    outs, gouts = zip(*pairs)
    return grad(outs, inputs, gouts, retain_graph=retain_graph, create_graph=create_graph, allow_unused=True)


def jacobian_rows(i: int, out: Tensor, inputs: Sequence[Tensor], create_graph: bool,
                  strict: bool) -> Tuple[Any, ...]:
    """d out / d each input (out.shape + input.shape), one backward pass per element of `out`,
    stacked; `i` is out's position among the function's outputs (for strict mode's errors)."""
    from .._tensor._shape import stack
    columns: List[List[Any]] = [[] for _ in inputs]
    flat: Any = out.reshape(-1)
    for k in range(out.numel()):
        grads = grad_of_recorded((flat[k],), inputs, retain_graph=True, create_graph=create_graph)
        for j, (g, inp) in enumerate(zip(grads, inputs)):
            if g is None:
                if strict:
                    raise RuntimeError(f"Output {i} of the user-provided function is independent of input "
                                       f"{j}. This is not allowed in strict mode.")
                g = C.zeros_like(inp)
            elif strict and create_graph and not g.requires_grad:
                raise RuntimeError(f"The jacobian of the user-provided function is independent of input {i}. "
                                   "This is not allowed in strict mode when create_graph=True.")
            columns[j].append(g)
    blocks = []
    for col, inp in zip(columns, inputs):
        shape = tuple(out.shape) + tuple(inp.shape)
        stacked: Any = stack(col) if col else None
        blocks.append(stacked.reshape(shape) if col else C.zeros(shape, dtype=inp.dtype))
    return tuple(blocks)
