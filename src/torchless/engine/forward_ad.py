"""Forward-mode AD, the engine's side: tangents ride along with tensors and every op pushes them
through its rule's `jvp`.

Inside a dual level (torch.autograd.forward_ad.dual_level), a tensor may carry a tangent: an array
of its shape, kept in `tensor.__dict__["_tangent"]` with the level it belongs to. The appliers in
the Tensor layer (_tensor/_core.py) ask `tangent_of_result(R, tangents, args, out)` after running
an op while a level is open; if any input tensor carries a tangent, the rule's jvp gives the
output's:

    R.jvp(xp, tangents, out, *args)   tangents[i]: the tangent of args[i], or None (zero / constant)

`args` are the forward's own arguments (arrays and constants), so a jvp reads the same values its
forward did. A rule without a jvp raises PyTorch's "not implemented" error rather than silently
dropping the tangent. Outside a level nothing here runs: the appliers test one flag.

Tangents are differentiable, as PyTorch's are: when an input requires grad (or carries a tangent
that does), the appliers run the jvp on Tensors (xp is then the Tensor namespace, as for vjps under
create_graph), and the tangent is a recorded Tensor. `state.differentiable` off skips that where
nothing can differentiate the tangents (torch.func.jvp whose results are detached).
"""
from typing import Any, Callable, Optional, Sequence

import numpy as np

from ..backend import numpy as NP
from .state import shared

__all__ = ["state", "tangent", "set_tangent", "tangent_of_result", "JVP_MISSING_MSG"]


# The level, its generation and the differentiable flag are process-wide, as PyTorch's forward-AD
# levels are (engine/state.py): the Tensor layer reads `state.level` once per op.
state = shared

JVP_MISSING_MSG = ("Trying to use forward AD with {name} that does not support it because it has not been "
                   "implemented yet (torchless has no jvp rule for it; reverse mode works: use vjp or jacrev).")


def tangent(t: Any) -> Any:
    """t's tangent at the open level (an array, or a Tensor when it was recorded), or None."""
    entry = t.__dict__.get("_tangent")
    if entry is None or entry[0] != state.generation or state.level < 0:
        return None
    return entry[1]


def set_tangent(t: Any, value: Any) -> None:
    """Give t the tangent `value` (an array, or a recorded Tensor) at the open level."""
    t.__dict__["_tangent"] = (state.generation, value)


def clear_tangent(t: Any) -> None:
    """Drop t's tangent, if it has one."""
    t.__dict__.pop("_tangent", None)


def tangent_of_result(R: Any, tangents: Sequence[Any], args: Sequence[Any], out: Any, xp: Any = NP,
                      lift: Optional[Callable[[Any], Any]] = None) -> Any:
    """The output tangent of rule R applied to forward arguments `args` (giving `out`), where
    `tangents` holds, per argument, the tangent of the Tensor it came from (None for constants and
    tensors without one). None when no input carries a tangent. For a rule with several outputs
    (multi_output) `out` and the result are tuples; for one with auxiliary outputs (aux_outputs:
    max's indices) `out` is the tuple and the result is the first output's tangent.
    On Tensors (the recorded path): xp is the Tensor namespace, args and out hold Tensors, and
    `lift` makes a Tensor of an array."""
    if all(x is None for x in tangents):
        return None
    jvp = getattr(R, "jvp", None)
    if jvp is None:
        raise NotImplementedError(JVP_MISSING_MSG.format(name=_op_name(R)))
    shaped: Callable[[Any, Any], Any]
    if lift is None:
        tangents = [x if x is None or type(x) is np.ndarray else x._data for x in tangents]
        shaped = _shaped
    else:
        to_tensor = lift
        tangents = [None if x is None else to_tensor(x) for x in tangents]

        def shaped(value: Any, o: Any) -> Any:
            return _shaped_tensor(value, o, to_tensor)
    result = jvp(xp, tuple(tangents), out, *args)
    if R.multi_output:
        return tuple(shaped(r, o) for r, o in zip(result, out))
    return shaped(result, out[0] if R.aux_outputs else out)


def _shaped(value: Any, out: Any) -> Any:
    """A tangent as an array of the output's shape and dtype (rules may return a broadcastable one)."""
    if value is None:
        return None
    out = np.asarray(out)
    value = np.asarray(value)
    if value.shape != out.shape:
        value = np.broadcast_to(value, out.shape)
    if value.dtype != out.dtype and out.dtype.kind in "fc":
        value = value.astype(out.dtype)
    return value


def _shaped_tensor(value: Any, out: Any, lift: Callable[[Any], Any]) -> Any:
    """_shaped for a recorded tangent: a Tensor of out's shape and dtype."""
    if value is None:
        return None
    value = lift(value)
    if tuple(value.shape) != tuple(out.shape):
        value = value.expand(tuple(out.shape))
    if value.dtype != out.dtype and (out.dtype.is_floating_point or out.dtype.is_complex):
        value = value.to(out.dtype)
    return value


def _op_name(R: Any) -> str:
    name = R.__name__
    for suffix in ("Backward0", "Backward1", "Backward2", "Backward"):
        if name.endswith(suffix):
            return name[: -len(suffix)].lower()
    return name
