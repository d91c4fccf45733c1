"""Gradient clipping (torch.nn.utils.clip_grad_norm_ and friends), as PyTorch computes it: the norm of
the per-tensor norms, each gradient scaled in place by min(1, max_norm / (total + 1e-6))."""
from __future__ import annotations

import warnings
from typing import Any, Iterable, Optional, Union

from ..._tensor import Tensor
from ..._tensor._reduction import vector_norm
from ..._tensor._shape import stack
from ..._tensor.creation import tensor
from ...engine.grad_mode import no_grad

__all__ = ["clip_grad_norm", "clip_grad_norm_", "clip_grad_value_", "clip_grads_with_norm_", "get_total_norm"]

Tensors = Union[Tensor, Iterable[Tensor]]


def _listed(parameters: Any) -> list[Any]:
    return [parameters] if isinstance(parameters, Tensor) else list(parameters)


def get_total_norm(tensors: Tensors, norm_type: float = 2.0, error_if_nonfinite: bool = False,
                   foreach: Optional[bool] = None) -> Tensor:
    """The norm of the norms of `tensors` (of order norm_type; inf: the largest absolute value),
    as if they were one vector; RuntimeError for a non-finite result when error_if_nonfinite."""
    tensors = [t for t in _listed(tensors)]
    norm_type = float(norm_type)
    if len(tensors) == 0:
        return tensor(0.0)
    with no_grad():
        norms = [vector_norm(t, norm_type) for t in tensors]
        dtype = norms[0].dtype
        total = vector_norm(stack([n.to(dtype) for n in norms]), norm_type)
        if error_if_nonfinite and (bool(total.isnan()) or bool(total.isinf())):
            raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, "
                               "so it cannot be clipped. To disable this error and scale the gradients by the "
                               "non-finite norm anyway, set `error_if_nonfinite=False`")
    return total


def clip_grads_with_norm_(parameters: Tensors, max_norm: float, total_norm: Tensor,
                          foreach: Optional[bool] = None) -> None:
    """Scale every gradient of `parameters` in place by min(1, max_norm / (total_norm + 1e-6))."""
    grads = [p.grad for p in _listed(parameters) if p.grad is not None]
    if len(grads) == 0:
        return
    with no_grad():
        coef = (float(max_norm) / (total_norm + 1e-6)).clamp(max=1.0)
        for g in grads:
            g.mul_(coef.to(g.dtype))


def clip_grad_norm_(parameters: Tensors, max_norm: float, norm_type: float = 2.0, error_if_nonfinite: bool = False,
                    foreach: Optional[bool] = None) -> Tensor:
    """Scale the gradients of `parameters` in place so that their total norm (of order norm_type, as
    one vector) is at most max_norm; returns the total norm before clipping. `foreach` is accepted
    (there is one implementation)."""
    parameters = _listed(parameters)
    grads = [p.grad for p in parameters if p.grad is not None]
    total = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(parameters, max_norm, total, foreach)
    return total


def clip_grad_norm(parameters: Tensors, max_norm: float, norm_type: float = 2.0, error_if_nonfinite: bool = False,
                   foreach: Optional[bool] = None) -> Tensor:
    """Deprecated name of clip_grad_norm_ (PyTorch warns the same)."""
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of "
                  "`torch.nn.utils.clip_grad_norm_`.", FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(parameters: Tensors, clip_value: float, foreach: Optional[bool] = None) -> None:
    """Clamp every gradient of `parameters` in place to [-clip_value, clip_value]."""
    clip_value = float(clip_value)
    with no_grad():
        for p in _listed(parameters):
            if p.grad is not None:
                p.grad.clamp_(min=-clip_value, max=clip_value)
