"""torch.autograd.graph: hooks on the tensors that ops save for backward."""
from typing import Any, Callable

from ..engine import saved_hooks

__all__ = ["saved_tensors_hooks", "save_on_cpu", "disable_saved_tensors_hooks"]


class saved_tensors_hooks:
    """Within the block, every tensor an op saves for backward goes through pack_hook(tensor), and
    backward gets it back through unpack_hook(what pack returned), which must give a tensor of the
    same shape and values."""

    def __init__(self, pack_hook: Callable[[Any], Any], unpack_hook: Callable[[Any], Any]) -> None:
        self.pack_hook, self.unpack_hook = pack_hook, unpack_hook

    def __enter__(self) -> "saved_tensors_hooks":
        message = saved_hooks.disabled_message()
        if message is not None:
            raise RuntimeError(message)
        saved_hooks.push(self.pack_hook, self.unpack_hook)
        return self

    def __exit__(self, *exc: Any) -> None:
        saved_hooks.pop()


class save_on_cpu(saved_tensors_hooks):
    """Keep saved tensors in CPU memory (where torchless's tensors always are): a copy each."""

    def __init__(self, pin_memory: bool = False, device_type: str = "cuda") -> None:
        super().__init__(lambda t: t.detach().clone(), lambda t: t)


class disable_saved_tensors_hooks:
    """Within the block, registering saved-tensor hooks raises RuntimeError(error_message)."""

    def __init__(self, error_message: str) -> None:
        self.error_message = error_message

    def __enter__(self) -> None:
        saved_hooks.disable(self.error_message)

    def __exit__(self, *exc: Any) -> None:
        saved_hooks.end_disable()
