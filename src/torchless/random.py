"""torch.random: the default generator's seed and state, and fork_rng (PyTorch's CPU stream, see
_random.py for how its numbers are drawn)."""
from __future__ import annotations

import contextlib
from typing import Any, Iterator, Optional

from ._tensor.creation import (Generator, default_generator, get_rng_state, initial_seed, manual_seed, seed,
                               set_rng_state)

__all__ = ["Generator", "default_generator", "fork_rng", "get_rng_state", "initial_seed", "manual_seed", "seed",
           "set_rng_state"]


@contextlib.contextmanager
def fork_rng(devices: Optional[Any] = None, enabled: bool = True, _caller: str = "fork_rng",
             _devices_kw: str = "devices", device_type: str = "cuda") -> Iterator[None]:
    """fork_rng(devices=None, enabled=True, ...) -> context manager

    Within the block, draw freely: on leaving it the default CPU generator returns to the state it
    had on entering (torchless has no accelerator streams, so `devices` is accepted and unused).
    """
    if not enabled:
        yield
        return
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)
