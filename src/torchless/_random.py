"""Random streams (floor 0: arrays only, no Tensor).

A `Stream` is a seeded NumPy PCG64 generator. `default_stream` serves every random op that is not
given a generator; torch.Generator (in _tensor/creation.py) wraps a Stream and adds the
Tensor-valued state. `manual_seed(s)` makes torchless runs reproducible, though the numbers differ
from PyTorch's (its Mersenne Twister draws are transformed differently).
"""
from __future__ import annotations

import ast
from typing import Any, Optional

import numpy as np

from .engine.state import modes as _modes

__all__ = ["Stream", "default_stream", "rng", "get_rng_state", "set_rng_state", "forbid_random"]

_DEFAULT_SEED = 67280421310721  # PyTorch's default seed, so initial_seed() reads the same


class Stream:
    """A seeded random stream: `bits` is the NumPy Generator the draws come from."""

    __slots__ = ("initial", "bits")

    def __init__(self, seed: int = _DEFAULT_SEED) -> None:
        self.initial = seed
        self.bits = np.random.Generator(np.random.PCG64(seed))

    def manual_seed(self, seed: int) -> None:
        """Restart the stream from `seed` (negative seeds wrap to 64 bits, as in PyTorch)."""
        seed = int(seed)
        if seed < 0:
            seed &= 0xFFFF_FFFF_FFFF_FFFF
        self.initial = seed
        self.bits = np.random.Generator(np.random.PCG64(seed))

    def seed(self) -> int:
        """Restart the stream from a fresh non-deterministic seed, and return that seed."""
        entropy = np.random.SeedSequence().entropy
        assert isinstance(entropy, int)  # a fresh SeedSequence draws one int from the OS
        s = entropy & 0xFFFF_FFFF_FFFF_FFFF
        self.manual_seed(s)
        return s

    def get_state(self) -> np.ndarray:
        """The stream's position, as a uint8 array (the bytes of the bit generator's state)."""
        raw = repr(self.bits.bit_generator.state).encode()
        return np.frombuffer(raw, dtype=np.uint8).copy()

    def set_state(self, state: Any) -> None:
        """Return to a position `get_state` gave (any uint8 array-like: a Tensor converts too)."""
        self.bits.bit_generator.state = ast.literal_eval(bytes(np.asarray(state, np.uint8)).decode())


default_stream = Stream()


def get_rng_state() -> np.ndarray:
    """The default stream's state, as a uint8 array (torch.get_rng_state wraps it in a tensor)."""
    return default_stream.get_state()


def set_rng_state(state: Any) -> None:
    """Set the default stream's state from what get_rng_state (or torch.get_rng_state) gave."""
    default_stream.set_state(state)


class forbid_random:
    """Within the block (when `forbid` is true), random ops raise: vmap's randomness="error".

    The count of open blocks is per thread (`engine.state.modes.random_forbidden`), as PyTorch's
    vmap levels are: a vmap with randomness="error" in one thread leaves random ops in other
    threads alone."""

    __slots__ = ("forbid",)

    def __init__(self, forbid: bool) -> None:
        self.forbid = forbid

    def __enter__(self) -> None:
        _modes.random_forbidden += self.forbid

    def __exit__(self, *exc: Any) -> None:
        _modes.random_forbidden -= self.forbid


def rng(generator: Optional[Any] = None) -> np.random.Generator:
    """The NumPy Generator to draw from: `generator`'s (a torch.Generator) or the default stream's."""
    if _modes.random_forbidden:
        raise RuntimeError("vmap: called random operation while in randomness error mode. Please either use the "
                           "'same' or 'different' randomness flags on vmap or perform the randomness operation "
                           "out of vmap")
    return (default_stream if generator is None else generator._stream).bits
