"""Saved-tensor hooks, the engine's side (torch.autograd.graph.saved_tensors_hooks).

While hooks are set, `saved` on Node is a property: when a rule's forward stores its saved values,
every array among them goes through pack_hook (as a Tensor) and the node keeps what pack returned.
The node is then marked to check its saved values before use (the engine calls `check_saved()` on
every node recorded before `inplace.last`): that check runs unpack_hook on each packed value and puts
the arrays back. With no hooks set, `saved` is a plain attribute again and nothing changes.
"""
import numpy as np

from .node import Node, inplace, next_stamp, restore_before_use

__all__ = ["stack", "push", "pop"]

stack = []  # [(pack_hook, unpack_hook)], innermost last; (None, message) for a disabling block


def push(pack_hook, unpack_hook):
    stack.append((pack_hook, unpack_hook))
    Node.saved = _SAVED


def pop():
    stack.pop()
    if not stack:
        Node.saved = None  # the plain class default again


class _Packed:
    """What a node holds in place of its saved arrays until backward unpacks them."""

    __slots__ = ("values", "unpack", "node")

    def __init__(self, values, unpack, node):
        self.values, self.unpack, self.node = values, unpack, node

    def restore(self):
        restored = []
        for kind, value, shape in self.values:
            if kind == "packed":
                t = self.unpack(value)
                value = t._data if hasattr(t, "_data") else np.asarray(t)
                if value.shape != shape:
                    raise RuntimeError(f"unpack_hook returned a tensor of shape {list(value.shape)} for a saved "
                                       f"tensor of shape {list(shape)} (it must give back the tensor pack_hook "
                                       f"received, e.g. unpack_hook(pack_hook(t)) equal to t)")
            restored.append(value)
        self.node.__dict__["saved"] = tuple(restored)


class _SavedProperty:
    """Node.saved while hooks are set (see the module doc)."""

    def __get__(self, node, owner=None):
        if node is None:
            return self
        return node.__dict__.get("saved")

    def __set__(self, node, value):
        hooks = stack[-1]
        if value is None or hooks[0] is None or not isinstance(value, tuple):
            if value is not None and hooks[0] is None:
                raise RuntimeError(hooks[1])
            node.__dict__["saved"] = value
            return
        from .._tensor import _plain
        pack, unpack = hooks
        values = [("packed", pack(_plain(v)), v.shape) if isinstance(v, np.ndarray) else ("as is", v, None)
                  for v in value]
        restore_before_use(node, _Packed(values, unpack, node).restore)
        node.__dict__["saved"] = _PLACEHOLDER
        # The applier stamps the node right after its forward: the next clock value. Moving the
        # in-place clock past it makes the engine call check_saved on this node.
        inplace.last = next_stamp() + 2


_SAVED = _SavedProperty()
_PLACEHOLDER = ()  # what `saved` reads as until unpacked (not None: the node did save something)
