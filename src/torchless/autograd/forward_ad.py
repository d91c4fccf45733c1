"""torch.autograd.forward_ad: forward-mode AD with dual tensors.

    with forward_ad.dual_level():
        x = forward_ad.make_dual(primal, tangent)
        y = f(x)
        value, jvp = forward_ad.unpack_dual(y)    # jvp = J_f(primal) @ tangent

Every op pushes tangents through its rule's jvp as it runs (engine/forward_ad.py); leaving the
level drops them.
"""
from typing import Any, NamedTuple, Optional, cast

from .._dtype import COMPLEX, FLOAT
from .._tensor import Tensor  # the final class (its methods visible to type checkers)
from ..engine import forward_ad as _fw
from ..engine.grad_mode import is_grad_enabled
from ..overrides import handle_torch_function, has_torch_function

__all__ = ["dual_level", "enter_dual_level", "exit_dual_level", "make_dual", "unpack_dual", "UnpackedDualTensor"]

class UnpackedDualTensor(NamedTuple):
    """What unpack_dual returns: the primal (a view without the tangent) and the tangent (or None)."""

    primal: Any
    tangent: Any


def enter_dual_level() -> int:
    """Open a dual level and return its index (0). One level at a time, for the whole process, as
    in PyTorch: opening a second one raises."""
    if _fw.state.level >= 0:
        raise RuntimeError("Nested forward mode AD is not supported at the moment")
    _fw.state.generation += 1
    _fw.state.level = 0
    return 0


def exit_dual_level(*, level: Optional[int] = None) -> None:
    """Close the open dual level (`level`, when given, must be it): every tangent made in it is gone."""
    if _fw.state.level < 0 or (level is not None and level != _fw.state.level):
        raise RuntimeError("Trying to exit a forward AD level that was not the last one that was created. This is "
                           "not supported.")
    _fw.state.level = -1


class dual_level:
    """Context manager: dual tensors made inside carry tangents until the block ends. `with
    dual_level() as level` gives the level's index."""

    def __enter__(self) -> int:
        return enter_dual_level()

    def __exit__(self, *exc: Any) -> None:
        exit_dual_level()


def make_dual(tensor: Tensor, tangent: Tensor, *, level: Optional[int] = None) -> Tensor:
    """make_dual(tensor, tangent, *, level=None) -> Tensor

    A view of `tensor` that carries `tangent` (a floating or complex Tensor of the same shape) as
    its forward gradient at the open level; ops on it carry J tangent along."""
    if _fw.state.level < 0:
        raise RuntimeError("Trying to create a dual Tensor for forward AD but no level exists, make sure to "
                           "enter_dual_level() first.")
    if not isinstance(tensor, Tensor) or not isinstance(tangent, Tensor):
        raise TypeError("make_dual(): expected both the primal and the tangent to be Tensors")
    if tensor.dtype.category not in (FLOAT, COMPLEX):
        raise ValueError(f"Expected primal to be floating point or complex, but got: {tensor.dtype}")
    if tangent.dtype.category not in (FLOAT, COMPLEX):
        raise ValueError(f"Expected tangent to be floating point or complex, but got: {tangent.dtype}")
    if tangent.shape != tensor.shape:
        raise RuntimeError("Trying to set a forward gradient that has a different size than that of the original "
                           f"Tensor, this is not supported. Tensor is of size {list(tensor.shape)} while the given "
                           f"forward gradient is of size {list(tangent.shape)}.")
    if has_torch_function((tensor, tangent)):  # a tensor-like argument takes the call (vmap's BatchedTensor)
        return handle_torch_function(make_dual, (tensor, tangent), tensor, tangent, level=level)
    dual = tensor.view_as(tensor)
    if tangent.requires_grad and is_grad_enabled():  # a tangent to differentiate: kept recorded
        _fw.set_tangent(dual, tangent if tangent.dtype == tensor.dtype else tangent.to(tensor.dtype))
    else:
        _fw.set_tangent(dual, tangent._data.astype(tensor._data.dtype, copy=False))
    return cast(Tensor, dual)  # (the Tensor layer's functions are typed with its base class)


def unpack_dual(tensor: Any, *, level: Optional[int] = None) -> UnpackedDualTensor:
    """unpack_dual(tensor, *, level=None) -> UnpackedDualTensor(primal, tangent)

    A view of `tensor` without its tangent, and the tangent (None when it has none)."""
    if has_torch_function((tensor,)):  # a tensor-like argument takes the call (vmap's BatchedTensor)
        return handle_torch_function(unpack_dual, (tensor,), tensor, level=level)
    tangent = _fw.tangent(tensor) if isinstance(tensor, Tensor) else None
    if tangent is None:
        return UnpackedDualTensor(tensor, None)
    primal = tensor.view_as(tensor)
    _fw.clear_tangent(primal)
    from .._tensor._core import _plain
    return UnpackedDualTensor(primal, tangent if isinstance(tangent, Tensor) else _plain(tangent))
