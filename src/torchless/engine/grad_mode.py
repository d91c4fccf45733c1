"""Grad mode: whether ops record a graph. Thread-local, like PyTorch's.

`no_grad`, `enable_grad`, `set_grad_enabled` and `inference_mode` work as context managers and as
decorators. Ops read `state.enabled` once per call; `state` is the engine's per-thread record of
modes (engine/state.py).
"""
import functools

from .state import modes

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
           "is_inference_mode_enabled", "state"]


state = modes


def is_grad_enabled():
    return state.enabled


def is_inference_mode_enabled():
    return state.inference


class _GradModeContext:
    """Base of the grad-mode context managers: saves the mode on enter, restores it on exit."""

    _target = True

    def __enter__(self):
        self._prev = state.enabled
        state.enabled = self._target
        return None

    def __exit__(self, *exc):
        state.enabled = self._prev
        return False

    def __call__(self, func):
        """Use as a decorator: `@torch.no_grad()` (or bare `@torch.no_grad`)."""
        factory = self._clone

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with factory():
                return func(*args, **kwargs)

        return wrapper

    def _clone(self):
        return type(self)()

    def clone(self):
        return self._clone()


class no_grad(_GradModeContext):
    """Ops inside record no graph: their results have requires_grad=False."""

    _target = False

    def __new__(cls, func=None):
        self = super().__new__(cls)
        if callable(func):  # bare decorator use: @torch.no_grad
            self.__init__()
            return self(func)
        return self

    def __init__(self, func=None):
        pass


class enable_grad(no_grad):
    """Turns recording back on inside a no_grad region."""

    _target = True


class set_grad_enabled(_GradModeContext):
    """Sets grad mode to `mode` now (a plain call works too), and restores the old mode on exit."""

    def __init__(self, mode):
        self._prev = state.enabled
        self._target = bool(mode)
        state.enabled = self._target

    def __enter__(self):
        state.enabled = self._target
        return None

    def __call__(self, func):
        # As a decorator, the mode applies only while `func` runs: undo the switch made by __init__.
        state.enabled = self._prev
        return super().__call__(func)

    def _clone(self):
        return type(self)(self._target)


class inference_mode(_GradModeContext):
    """Like no_grad (torchless has no separate inference tensors). `inference_mode(False)` turns
    inference mode off and grad mode on, as PyTorch's does."""

    def __new__(cls, mode=True):
        self = super().__new__(cls)
        if callable(mode):
            self.__init__()
            return self(mode)
        return self

    def __init__(self, mode=True):
        self.mode = bool(mode)

    def __enter__(self):
        self._prev = state.enabled
        self._prev_inf = state.inference
        state.enabled = not self.mode
        state.inference = self.mode
        return None

    def __exit__(self, *exc):
        state.enabled = self._prev
        state.inference = self._prev_inf
        return False

    def _clone(self):
        return type(self)(self.mode)
