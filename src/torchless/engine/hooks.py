"""RemovableHandle: what every `register_*hook` returns (Tensor, grad_fn, nn.Module, Optimizer).

As PyTorch's torch.utils.hooks.RemovableHandle: each handle has a unique `id`, `remove()` takes its
hook out of the registry it was put in (a second remove does nothing), and it works as a context
manager that removes the hook on exit. The registry is either a dict keyed by the handle's id
(PyTorch's way, used by nn.Module), or a list holding one entry for the hook (the engine's hook
lists, which backward walks as they are).
"""
import itertools
from typing import Any, Iterable, Optional, Union

__all__ = ["RemovableHandle"]

_next_id = itertools.count()


class RemovableHandle:
    """A registered hook's handle: `handle.remove()` unregisters it; `with handle:` removes it at
    the end of the block.

    hooks_dict: the registry, a dict keyed by `handle.id`, or a list when `item` is given (the
    list's entry for the hook; never None). extra_dict: more dicts (one, or several) keyed by the same id that
    remove() cleans too, as in PyTorch (nn.Module keeps a hook's flags in one)."""

    __slots__ = ("id", "_registry", "_extra", "_item")

    def __init__(self, hooks_dict: Any, *, extra_dict: Optional[Union[dict, Iterable[dict]]] = None,
                 item: Any = None) -> None:
        self.id: int = next(_next_id)
        self._registry = hooks_dict
        self._item = item
        if extra_dict is None:
            self._extra: tuple = ()
        elif isinstance(extra_dict, dict):
            self._extra = (extra_dict,)
        else:
            self._extra = tuple(extra_dict)

    def remove(self) -> None:
        """Unregister the hook (nothing happens when it is already gone)."""
        if self._item is None:  # (a plain value, so that copies of the handle work the same)
            self._registry.pop(self.id, None)
        else:
            try:
                self._registry.remove(self._item)
            except ValueError:
                pass
        for extra in self._extra:
            extra.pop(self.id, None)

    def __enter__(self) -> "RemovableHandle":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.remove()
