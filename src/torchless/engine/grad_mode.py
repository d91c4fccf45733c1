"""Grad mode: whether ops record a graph. Thread-local, like PyTorch's.

`no_grad`, `enable_grad`, `set_grad_enabled` and `inference_mode` work as context managers and as
decorators. Ops read grad mode once per call, as `not grad_off or state.enabled`; `state` is the
engine's per-thread record of modes, and `state.enabled` is written only through `set_grad_mode`
(engine/state.py).
"""
import functools
import inspect
from typing import Any, Callable, Optional, TypeVar

from .state import grad_off, modes, set_grad_mode

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
           "is_inference_mode_enabled", "state", "grad_off", "set_grad_mode"]


state = modes

F = TypeVar("F", bound=Callable[..., Any])


def is_grad_enabled() -> bool:
    """Whether ops record a graph now, in this thread."""
    return not grad_off or state.enabled


def is_inference_mode_enabled() -> bool:
    """Whether this thread is inside an inference_mode block."""
    return state.inference


def _generator_in_mode(func: Callable[..., Any], factory: Callable[[], Any]) -> Callable[..., Any]:
    """A decorated generator function: the mode holds while the generator's own code runs (each
    resumption), not while its caller's runs between two items, as in PyTorch."""
    @functools.wraps(func)
    def generator(*args: Any, **kwargs: Any) -> Any:
        gen = func(*args, **kwargs)
        try:
            with factory():
                response = gen.send(None)
            while True:
                try:
                    request = yield response
                except GeneratorExit:
                    with factory():
                        gen.close()
                    raise
                except BaseException as error:
                    with factory():
                        response = gen.throw(error)
                else:
                    with factory():
                        response = gen.send(request)
        except StopIteration as stop:
            return stop.value
    return generator


class _GradModeContext:
    """Base of the grad-mode context managers: saves the mode on enter, restores it on exit."""

    _target = True
    _prev: bool

    def __enter__(self) -> None:
        self._prev = state.enabled
        set_grad_mode(self._target)
        return None

    def __exit__(self, *exc: Any) -> None:
        set_grad_mode(self._prev)

    def __call__(self, func: F) -> F:
        """Use as a decorator: `@torch.no_grad()` (or bare `@torch.no_grad`)."""
        factory = self._clone
        if inspect.isgeneratorfunction(func):
            return _generator_in_mode(func, factory)  # type: ignore[return-value]

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with factory():
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]  # (same signature: functools.wraps)

    def _clone(self) -> "_GradModeContext":
        return type(self)()

    def clone(self) -> "_GradModeContext":
        """A fresh context manager of the same kind and mode (as PyTorch's clone())."""
        return self._clone()


class no_grad(_GradModeContext):
    """Ops inside record no graph: their results have requires_grad=False."""

    _target = False

    def __new__(cls, func: Optional[Callable[..., Any]] = None) -> Any:
        self = super().__new__(cls)
        if callable(func):  # bare decorator use: @torch.no_grad
            no_grad.__init__(self)
            return self(func)
        return self

    def __init__(self, func: Optional[Callable[..., Any]] = None) -> None:
        pass


class enable_grad(no_grad):
    """Turns recording back on inside a no_grad region."""

    _target = True


class set_grad_enabled(_GradModeContext):
    """Sets grad mode to `mode` now (a plain call works too), and restores the old mode on exit."""

    def __init__(self, mode: bool) -> None:
        self._prev = state.enabled
        self._target = bool(mode)
        set_grad_mode(self._target)

    def __enter__(self) -> None:
        set_grad_mode(self._target)
        return None

    def __call__(self, func: F) -> F:
        # As a decorator, the mode applies only while `func` runs: undo the switch made by __init__.
        set_grad_mode(self._prev)
        return super().__call__(func)

    def _clone(self) -> "_GradModeContext":
        return type(self)(self._target)


class inference_mode(_GradModeContext):
    """Like no_grad (torchless has no separate inference tensors). `inference_mode(False)` turns
    inference mode off and grad mode on, as PyTorch's does."""

    def __new__(cls, mode: Any = True) -> Any:
        self = super().__new__(cls)
        if callable(mode):
            inference_mode.__init__(self)
            return self(mode)
        return self

    def __init__(self, mode: bool = True) -> None:
        self.mode = bool(mode)

    def __enter__(self) -> None:
        self._prev = state.enabled
        self._prev_inf = state.inference
        set_grad_mode(not self.mode)
        state.inference = self.mode
        return None

    def __exit__(self, *exc: Any) -> None:
        set_grad_mode(self._prev)
        state.inference = self._prev_inf

    def _clone(self) -> "_GradModeContext":
        return type(self)(self.mode)
