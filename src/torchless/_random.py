"""Random streams: torch.Generator, manual_seed and the default generator.

Streams are NumPy PCG64 generators: `manual_seed(s)` makes torchless runs reproducible, though the
numbers differ from PyTorch's (its Mersenne Twister draws are transformed differently).
"""
import numpy as np

__all__ = ["Generator", "manual_seed", "seed", "initial_seed", "default_generator", "get_rng_state",
           "set_rng_state"]


class Generator:
    """A random stream. `torch.Generator().manual_seed(0)` gives an independent seeded stream."""

    def __init__(self, device="cpu"):
        self._seed = 67280421310721
        self.rng = np.random.Generator(np.random.PCG64(self._seed))
        self.device = device

    def manual_seed(self, seed):
        seed = int(seed)
        if seed < 0:
            seed &= 0xFFFF_FFFF_FFFF_FFFF
        self._seed = seed
        self.rng = np.random.Generator(np.random.PCG64(seed))
        return self

    def seed(self):
        s = int(np.random.SeedSequence().entropy) & 0xFFFF_FFFF_FFFF_FFFF
        self.manual_seed(s)
        return s

    def initial_seed(self):
        return self._seed

    def get_state(self):
        from ._tensor._core import _plain
        state = self.rng.bit_generator.state
        raw = repr(state).encode()
        return _plain(np.frombuffer(raw, dtype=np.uint8).copy())

    def set_state(self, new_state):
        import ast
        state = ast.literal_eval(bytes(new_state._data).decode())
        self.rng.bit_generator.state = state
        return self


default_generator = Generator()


def manual_seed(seed):
    """Seed the default random stream; returns the default Generator."""
    return default_generator.manual_seed(seed)


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(new_state):
    default_generator.set_state(new_state)


class forbid_random:
    """Within the block (when `forbid` is true), random ops raise: vmap's randomness="error"."""

    depth = 0

    def __init__(self, forbid):
        self.forbid = forbid

    def __enter__(self):
        forbid_random.depth += self.forbid

    def __exit__(self, *exc):
        forbid_random.depth -= self.forbid


def rng(generator=None):
    if forbid_random.depth:
        raise RuntimeError("vmap: called random operation while in randomness error mode. Please either use the "
                           "'same' or 'different' randomness flags on vmap or perform the randomness operation "
                           "out of vmap")
    return (generator or default_generator).rng
