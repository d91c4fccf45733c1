"""Saved-tensor hooks, the engine's side (torch.autograd.graph.saved_tensors_hooks).

While hooks are set, `saved` on Node is a property: when a rule's forward stores its saved values,
every array among them goes through pack_hook and the node keeps what pack returned. pack_hook gets
the tensor PyTorch gives it: the op's input tensor itself, or a tensor standing for its output (same
data, same grad_fn). The op's applier links those tensors to the node only after the forward, so
packing waits until then: until the next op saves, the hooks' block ends, or backward needs them.
The node is marked to check its saved values before use (the engine calls `check_saved()` on every
node recorded before `inplace.last`): that check runs unpack_hook on each packed value and puts the
arrays back. With no hooks set, `saved` is a plain attribute again and nothing changes.

The hook stack and the pending packs are per thread (engine/state.py), as in PyTorch: hooks set in
one thread never see the ops of another. `Node.saved` is one class attribute for all threads, so
the property stays while any thread has hooks set; in a thread without hooks it stores plainly.
"""
import threading
from typing import Any, Callable, List, Optional, Sequence, Tuple

import numpy as np

from .api import api
from .node import Node, inplace, next_stamp, restore_before_use
from .state import modes

__all__ = ["push", "pop", "flush", "disable", "end_disable", "disabled_message"]

_open_pushes = 0  # saved_tensors_hooks blocks open, over all threads: the property stays while > 0
_install_lock = threading.Lock()


def push(pack_hook: Callable[[Any], Any], unpack_hook: Callable[[Any], Any]) -> None:
    """Start a saved_tensors_hooks block in this thread: ops that save go through pack_hook."""
    global _open_pushes
    modes.saved_hooks.append((pack_hook, unpack_hook))
    with _install_lock:
        _open_pushes += 1
        Node.saved = _SAVED


def pop() -> None:
    """End this thread's innermost saved_tensors_hooks block (its pending packs run first)."""
    global _open_pushes
    flush()
    modes.saved_hooks.pop()
    with _install_lock:
        _open_pushes -= 1
        if not _open_pushes:
            Node.saved = None  # the plain class default again


def disable(message: str) -> None:
    """Start a disable_saved_tensors_hooks block in this thread: registering hooks raises `message`."""
    modes.saved_hooks.append((None, message))


def end_disable() -> None:
    """End this thread's innermost disable_saved_tensors_hooks block."""
    modes.saved_hooks.pop()


def disabled_message() -> Optional[str]:
    """The error message of this thread's innermost block when it disables hooks, else None."""
    stack = modes.saved_hooks
    return stack[-1][1] if stack and stack[-1][0] is None else None


class _Packed:
    """A node's saved arrays, then (once packed) what pack_hook returned for them, until backward
    unpacks them."""

    __slots__ = ("raw", "pack_hook", "unpack", "node", "values", "pending")

    def __init__(self, raw: Sequence[Any], hooks: Any, node: Node, pending: List["_Packed"]) -> None:
        self.raw: Optional[Sequence[Any]] = raw
        self.node = node
        self.values: Optional[List[Tuple[str, Any, Any]]] = None
        self.pack_hook, self.unpack = hooks
        self.pending = pending  # the recording thread's list of packs to run (it waits there)
        pending.append(self)

    def pack(self) -> None:
        """Hand each saved array (as the tensor it stands for) to pack_hook, and keep what it returns."""
        inputs = self.node.inputs or ()
        self.values = [("packed", self.pack_hook(self._tensor_for(v, inputs)), v.shape)
                       if isinstance(v, (np.ndarray, np.generic)) else ("as is", v, None) for v in self.raw or ()]
        self.raw = None

    def _tensor_for(self, array: Any, inputs: Sequence[Any]) -> Any:
        """The tensor behind a saved array: an input of the op, else its output (a tensor with the
        output's data and grad_fn), else (a value the rule derived) a plain tensor."""
        for x in inputs:
            if getattr(x, "_data", None) is array:
                return x
        if isinstance(array, np.generic):  # a 0-d input's value, passed to forward as a NumPy scalar
            for x in inputs:
                data = getattr(x, "_data", None)
                if data is not None and data.ndim == 0 and data.dtype == array.dtype and \
                        data.tobytes() == array.tobytes():
                    return x
            array = np.asarray(array)
        t = api.wrap(array)
        if self.node.saves_output:
            t._rg = True
            t._edge = (self.node, 0)
        return t

    def restore(self) -> None:
        """Unpack the saved values (packing them first if their op's pack is still pending) and
        give them back to the node."""
        if self.values is None:
            self.pending.remove(self)
            self.pack()
        restored = []
        for kind, value, shape in self.values or ():
            if kind == "packed":
                t = self.unpack(value)
                value = t._data if hasattr(t, "_data") else np.asarray(t)
                if value.shape != shape:
                    raise RuntimeError(f"unpack_hook returned a tensor of shape {list(value.shape)} for a saved "
                                       f"tensor of shape {list(shape)} (it must give back the tensor pack_hook "
                                       f"received, e.g. unpack_hook(pack_hook(t)) equal to t)")
            restored.append(value)
        self.node.__dict__["saved"] = tuple(restored)


def flush() -> None:
    """Run pack_hook for every op that saved, in this thread, since the last flush."""
    pending = modes.pending_packs
    while pending:
        pending.pop(0).pack()


class _SavedProperty:
    """Node.saved while hooks are set (see the module doc)."""

    def __get__(self, node: Any, owner: Any = None) -> Any:
        if node is None:
            return self
        return node.__dict__.get("saved")

    def __set__(self, node: Node, value: Any) -> None:
        stack = modes.saved_hooks
        hooks = stack[-1] if stack else None
        if hooks is None or (hooks[0] is None and all(h[0] is None for h in stack)):
            node.__dict__["saved"] = value  # no hooks in this thread (another thread has some)
            return
        if value is None or hooks[0] is None or not isinstance(value, tuple):
            if value is not None and hooks[0] is None:
                raise RuntimeError(hooks[1])
            node.__dict__["saved"] = value
            return
        flush()  # the op before this one is complete: its tensors can go to pack_hook now
        packed = _Packed(value, hooks, node, modes.pending_packs)
        restore_before_use(node, packed.restore)
        node.__dict__["saved"] = _PLACEHOLDER
        # The applier stamps the node right after its forward: the next clock value. Moving the
        # in-place clock past it makes the engine call check_saved on this node.
        inplace.last = next_stamp() + 2


_SAVED = _SavedProperty()
_PLACEHOLDER = ()  # what `saved` reads as until unpacked (not None: the node did save something)
