"""Random streams (floor 0: arrays only, no Tensor): PyTorch's CPU generator, number for number.

A `Stream` is PyTorch's CPU generator (CPUGeneratorImpl): a 32-bit Mersenne Twister (mt19937)
seeded with the classic `init_genrand` on the low 32 bits of the seed, plus the one cached normal
sample its scalar Box-Muller path keeps. The raw 32-bit words come from NumPy's `MT19937` bit
generator (whose twist is the standard one), with its key array set from PyTorch's seeding; every
transform below is PyTorch's, written over whole arrays:

- uniform float32 takes one 32-bit word per number and keeps its low 24 bits (`u * 2**-24`);
  float64 takes two words (the first is the high half of a 64-bit word) and keeps 53 bits;
- normal on a contiguous tensor of 16 or more elements draws all its uniforms first, then turns
  each block of 16 into 16 normals by Box-Muller (the first 8 give the radius, the last 8 the
  angle), and redraws 16 fresh uniforms for a last partial block, which overwrite the tail;
  a smaller (or non-contiguous) tensor draws pairs of float64 uniforms, one pair per two numbers,
  and keeps the second number of an odd pair for the next such draw (`next_double_normal_sample`);
- integers in a range take one word (`% range`) when the range is below 2**28, else two;
- randperm is a Fisher-Yates shuffle driven by one word per step.

Vector width (issue 14): for float32 normals PyTorch's x86 build (AVX2 and AVX512 kernels) computes
log, sin and cos with the Cephes polynomials of its `avx_mathfun.h`, the scalar build
(`ATEN_CPU_CAPABILITY=default`, or a non-x86 machine) with the C library's. Both are reproduced:
the first bit for bit (its fused multiply-adds included; the logarithm from NumPy's, corrected by a
table the exact emulation builds once), the second within 3 ULP in float32 and 2 ULP in float64 (the C library's log/sin/cos round differently from
NumPy's in the last bit). `ATEN_CPU_CAPABILITY` chooses here as it does in PyTorch. Uniform,
integer, permutation and bernoulli draws do not depend on it and match bit for bit.
"""
from __future__ import annotations

import math
import os
import platform
import struct
from typing import Any, Callable, List, Optional, Tuple

import numpy as np

from .engine.state import modes as _modes

__all__ = ["Stream", "default_stream", "rng", "get_rng_state", "set_rng_state", "forbid_random",
           "STATE_SIZE", "VECTOR_NORMALS"]

_DEFAULT_SEED = 67280421310721  # where PyTorch starts a new torch.Generator()
_N = 624                        # the Mersenne Twister's state words
STATE_SIZE = 5056               # bytes of torch.get_rng_state()
_U64 = np.uint64
_MASK24, _MASK53 = _U64((1 << 24) - 1), _U64((1 << 53) - 1)
_TWO_PI = 2.0 * np.pi
_BITS53, _ULP53 = (1 << 53) - 1, 2.0 ** -53
_TAIL_APART = 1 << 16  # below this, normal's blocks and its redrawn tail of 16 go through one kernel call
_SCALAR_NORMALS = 64   # scalar-path draws up to this many are made number by number (bit for bit PyTorch's)

# Which float32 normal kernel PyTorch would run: the AVX2 one (x86 builds, unless told otherwise)
_capability = os.environ.get("ATEN_CPU_CAPABILITY", "").lower()
VECTOR_NORMALS = (platform.machine().lower() in ("x86_64", "amd64", "i686", "x86")
                  and _capability not in ("default", "none"))

# PyTorch's get_rng_state layout (little-endian, 5056 bytes):
#   u64 seed, i32 left, i32 seeded, u64 next, 624 x u64 state words, f64 normal_x, f64 normal_y
#   (the cached double normal), f64 normal_rho, i32 normal_is_valid, 4 pad, f32 cached float
#   normal, u8 its valid flag, 3 pad.
_HEAD = struct.Struct("<QiiQ")
_TAIL = struct.Struct("<dddi4xf?3x")


def _seeded_key(seed: int) -> np.ndarray:
    """The state words init_genrand gives for a 32-bit seed (PyTorch seeds with seed & 0xffffffff)."""
    key = [seed & 0xFFFF_FFFF]
    prev = key[0]
    for j in range(1, _N):
        prev = (1812433253 * (prev ^ (prev >> 30)) + j) & 0xFFFF_FFFF
        key.append(prev)
    return np.array(key, dtype=np.uint32)


class Stream:
    """PyTorch's CPU generator: an mt19937 stream (`bits`, NumPy's MT19937 bit generator), the seed
    it started from, and the cached normal samples (None when there is none)."""

    __slots__ = ("initial", "bits", "fresh", "normal_double", "normal_float")

    def __init__(self, seed: int = _DEFAULT_SEED) -> None:
        self.bits = np.random.MT19937()
        self.manual_seed(seed)

    # ------------------------------------------------------------------ seeding and state
    def manual_seed(self, seed: int) -> None:
        """Restart the stream from `seed` (negative seeds wrap to 64 bits, as in PyTorch)."""
        seed = int(seed)
        if seed < 0:
            seed &= 0xFFFF_FFFF_FFFF_FFFF
        self.initial = seed
        self.bits.state = {"bit_generator": "MT19937", "state": {"key": _seeded_key(seed), "pos": _N}}
        self.fresh = True  # seeded, not yet twisted: PyTorch's state then reads left=1, next=0
        self.normal_double: Optional[float] = None
        self.normal_float: Optional[float] = None

    def seed(self) -> int:
        """Restart the stream from a fresh non-deterministic seed, and return that seed."""
        s = int.from_bytes(os.urandom(8), "little")
        self.manual_seed(s)
        return s

    def get_state(self) -> np.ndarray:
        """The stream's position as PyTorch's 5056 state bytes (torch.get_rng_state's layout)."""
        st = self.bits.state["state"]
        pos = int(st["pos"])
        nxt = 0 if (self.fresh and pos == _N) else pos
        left = 1 if pos == _N else _N + 1 - pos
        words = np.asarray(st["key"], dtype=np.uint32).astype("<u8").tobytes()
        nd, nf = self.normal_double, self.normal_float
        tail = _TAIL.pack(0.0, 0.0 if nd is None else nd, 0.0, nd is not None,
                          0.0 if nf is None else nf, nf is not None)
        raw = _HEAD.pack(self.initial, left, 1, nxt) + words + tail
        return np.frombuffer(raw, dtype=np.uint8).copy()

    def set_state(self, state: Any) -> None:
        """Return to a position get_state (or real torch.get_rng_state) gave: a uint8 array-like."""
        arr = np.asarray(state)
        if arr.dtype != np.uint8:
            raise RuntimeError(f"expected a torch.ByteTensor, but got a tensor of dtype {arr.dtype} "
                               "(pass what get_rng_state() returned)")
        raw = arr.tobytes()
        if len(raw) not in (STATE_SIZE, STATE_SIZE - 8):
            raise RuntimeError(f"Expected either a THGeneratorState of size {STATE_SIZE - 8} or a "
                               f"CPUGeneratorImplState of size {STATE_SIZE} but found the input RNG state "
                               f"size to be {len(raw)}")
        seed, left, seeded, nxt = _HEAD.unpack_from(raw, 0)
        if not seeded or not 0 < left <= _N or nxt > _N:
            raise RuntimeError("The provided RNG state is not valid: it was not made by get_rng_state()")
        words = np.frombuffer(raw, dtype="<u8", count=_N, offset=_HEAD.size).astype(np.uint32)
        if len(raw) == STATE_SIZE:
            _, ny, _, nvalid, nf, fvalid = _TAIL.unpack_from(raw, _HEAD.size + 8 * _N)
        else:
            _, ny, _, nvalid = struct.unpack_from("<dddi", raw, _HEAD.size + 8 * _N)
            nf, fvalid = 0.0, False
        pos = _N if left == 1 else _N + 1 - left
        self.bits.state = {"bit_generator": "MT19937", "state": {"key": words, "pos": pos}}
        self.initial = seed
        self.fresh = left == 1 and nxt == 0
        self.normal_double = float(ny) if nvalid else None
        self.normal_float = float(nf) if fvalid else None

    # ------------------------------------------------------------------ raw words
    def u32(self, n: int) -> np.ndarray:
        """`n` raw 32-bit words (PyTorch's generator->random()), as uint64."""
        self.fresh = False
        return self.bits.random_raw(n) if n else np.zeros(0, _U64)

    def low24(self, n: int) -> np.ndarray:
        """The low 24 bits of `n` raw words, as int32 (what a float32 uniform keeps): NumPy's legacy
        bounded integers mask each word with 2**24 - 1 and never redraw for this range (faster per
        word than masking random_raw's, but with more overhead a call, so few words are masked here)."""
        self.fresh = False
        if n < 2048:
            return np.bitwise_and(self.bits.random_raw(n), _MASK24).astype(np.int32)
        return np.random.RandomState(self.bits).randint(0, 1 << 24, size=n, dtype=np.int32)

    def u64(self, n: int) -> np.ndarray:
        """`n` 64-bit words, each from two 32-bit ones, the first high (generator->random64())."""
        r = self.u32(2 * n)
        w = np.left_shift(r[0::2], _U64(32))
        return np.bitwise_or(w, r[1::2], out=w)

    # ------------------------------------------------------------------ uniform
    def unit(self, n: int, dt: Any) -> np.ndarray:
        """`n` uniforms in [0, 1) in float32 (24 bits of one word) or float64 (53 bits of two)."""
        if np.dtype(dt) == np.float64:
            w = self.u64(n)
            f = np.bitwise_and(w, _MASK53, out=w).astype(np.float64)
            return np.multiply(f, 2.0 ** -53, out=f)
        w = self.u32(n)
        g = np.bitwise_and(w, _MASK24, out=w).astype(np.float32)
        return np.multiply(g, np.float32(2.0 ** -24), out=g)

    def uniform(self, n: int, dt: Any, low: float, high: float, fused: bool = True) -> np.ndarray:
        """Tensor.uniform_(low, high): `u * (high - low) + low` in the tensor's float type; a draw
        that rounds up to `high` is replaced by `low`, as PyTorch does. fused=False: the product
        rounded before the sum (kernels compiled without FMA, e.g. rrelu's)."""
        dt = np.dtype(dt)
        work = np.float64 if dt == np.float64 else np.float32
        if low == 0.0 and high == 1.0 and dt == work:   # rand: u itself, always below 1
            return self.unit(n, work)
        lo, hi = work(low), work(high)
        u = self.unit(n, work)
        span = hi - lo
        if not fused:
            out = u * span + lo
        elif span == 1.0:       # u * span + lo, fused as the compiled kernel fuses it: one rounding
            out = u + lo if lo != 0.0 else u
        elif work == np.float64:
            out = _fma64(u, float(span), float(lo))
        else:                   # float32: the product is exact in float64, so one rounding at the end
            out = (u.astype(np.float64) * float(span) + float(lo)).astype(np.float32)
        out = out.astype(dt, copy=False)
        hi_t, lo_t = dt.type(high), dt.type(low)
        if np.any(out == hi_t):
            out[out == hi_t] = lo_t
        return out

    # ------------------------------------------------------------------ normal
    def normal(self, n: int, dt: Any, mean: float = 0.0, std: float = 1.0,
               contiguous: bool = True) -> np.ndarray:
        """Tensor.normal_(mean, std) on `n` elements: the blocked path for a contiguous tensor of
        16 or more elements, the cached scalar path otherwise."""
        dt = np.dtype(dt)
        if n >= 16 and contiguous:
            work = np.float64 if dt == np.float64 else np.float32
            m = n - n % 16
            out = np.empty(n, work)
            if dt == np.float32 and VECTOR_NORMALS:   # straight from the words' low 24 bits
                if m == n or n > _TAIL_APART:   # chunk by chunk
                    _vector_normals(None, out[:m], mean, std, draw=self.low24)
                    if m != n:   # the tail's uniforms were drawn too, then 16 fresh ones replace them
                        self.u32(n - m)
                        _vector_normals(self.low24(16), out[n - 16:], mean, std)
                    return out
                words = self.low24(n)
                k = np.concatenate((words[:m], self.low24(16)))
                both = np.empty(m + 16, work)   # the blocks and the redrawn tail in one kernel call
                _vector_normals(k, both, mean, std)
            else:   # float32/float64 fill the whole tensor with uniforms first; half types block by block
                u = self.unit(n if dt == work else m, work)
                if m == n or n > _TAIL_APART:
                    _fill16(u[:m], work, mean, std, out[:m])
                    if m != n:
                        _fill16(self.unit(16, work), work, mean, std, out[n - 16:])
                    return out.astype(dt, copy=False)
                both = np.empty(m + 16, work)
                _fill16(np.concatenate((u[:m], self.unit(16, work))), work, mean, std, both)
            out[:m] = both[:m]
            out[n - 16:] = both[m:]      # the tail overwrites the last block's last outputs
            return out.astype(dt, copy=False)
        z = self.normal_doubles(n, mean, std)
        return (z if dt == np.float64 else z.astype(np.float32)).astype(dt, copy=False)

    def normal_doubles(self, n: int, mean: float = 0.0, std: float = 1.0) -> np.ndarray:
        """`n` draws of PyTorch's scalar normal_distribution<double>: Box-Muller on pairs of
        float64 uniforms (u1 for the angle, u2 for the radius), the sine of the last pair cached."""
        out = np.empty(n, np.float64)
        start = 0
        if n and self.normal_double is not None:
            out[0] = self.normal_double
            self.normal_double = None
            start = 1
        rest = n - start
        if 0 < rest <= _SCALAR_NORMALS:
            out[start:] = self._scalar_normal_doubles(rest)
        elif rest > 0:
            pairs = (rest + 1) // 2
            u = self.unit(2 * pairs, np.float64)
            u1, u2 = u[0::2], u[1::2]
            r = np.sqrt(-2.0 * np.log1p(-u2))
            theta = _TWO_PI * u1
            both = np.empty((pairs, 2))
            both[:, 0] = r * np.cos(theta)
            both[:, 1] = r * np.sin(theta)
            flat = both.reshape(-1)
            out[start:] = flat[:rest]
            if rest % 2:
                self.normal_double = float(flat[-1])
        if mean != 0.0 or std != 1.0:   # `z * std + mean`: a fused multiply-add in PyTorch's AVX2/AVX512
            if VECTOR_NORMALS and n <= _SCALAR_NORMALS:   # builds, not in its scalar build (where NumPy's
                out = _fma64(out, float(std), float(mean))   # functions serve, within a few ULP anyway,
            else:                                            # Dekker's fused form costs 20 passes)
                out = out * float(std) + float(mean)
        return out

    def _scalar_normal_doubles(self, n: int) -> List[float]:
        """`n` fresh draws of the scalar path, number by number in Python floats: the math module's
        log1p, sqrt, cos and sin are the C library's, as PyTorch's, so these equal PyTorch's bit for
        bit (NumPy's float64 transcendentals differ in the last bit for a few percent), and a few
        numbers cost less than NumPy's per-call overhead. Keeps the sine of an odd last pair."""
        pairs = (n + 1) // 2
        words = self.u32(4 * pairs).tolist()
        out: List[float] = []
        log1p, sqrt, cos, sin = math.log1p, math.sqrt, math.cos, math.sin
        for i in range(0, 4 * pairs, 4):
            u1 = (((words[i] << 32) | words[i + 1]) & _BITS53) * _ULP53
            u2 = (((words[i + 2] << 32) | words[i + 3]) & _BITS53) * _ULP53
            r = sqrt(-2.0 * log1p(-u2))
            theta = _TWO_PI * u1
            out.append(r * cos(theta))
            out.append(r * sin(theta))
        if n % 2:
            self.normal_double = out.pop()
        return out

    # ------------------------------------------------------------------ integers
    def ints(self, n: int, low: int, high: int) -> np.ndarray:
        """random_(low, high) / randint: `word % (high - low) + low`, one word per number when the
        range is below 2**28, two otherwise; int64 (wrapping as PyTorch's int64 does)."""
        span = int(high) - int(low)
        words = self.u32(n) if span < (1 << 28) else self.u64(n)
        return ((words % _U64(span)) + _U64(int(low) & 0xFFFF_FFFF_FFFF_FFFF)).view(np.int64)

    def full_range(self, n: int) -> np.ndarray:
        """random_(-2**63, None) on int64: every bit of a 64-bit word."""
        return self.u64(n).view(np.int64)

    def default_ints(self, n: int, dt: Any) -> np.ndarray:
        """random_() with no bounds: a word modulo the dtype's span (2**24 + 1 for float32,
        2**53 + 1 for float64, max + 1 for integers, the low bit for bool)."""
        dt = np.dtype(dt)
        if dt == np.bool_:
            return (self.u32(n) & _U64(1)).astype(np.bool_)
        if dt in (np.float64, np.int64):
            words = self.u64(n)
            mod = (1 << 53) + 1 if dt == np.float64 else 1 << 63
        else:
            words = self.u32(n)
            if dt.kind == "f":
                mod = (1 << {np.dtype(np.float32): 24, np.dtype(np.float16): 11}.get(dt, 24)) + 1
            else:
                mod = int(np.iinfo(dt).max) + 1
        return (words % _U64(mod)).astype(dt)

    def perm(self, n: int) -> np.ndarray:
        """randperm(n): PyTorch's Fisher-Yates (swap i with i + word % (n - i)) below PERM_64BIT_AT
        ((2**32 - 1) // 20) elements, its inside-out shuffle with 64-bit words (out[i] = out[z];
        out[z] = i, z = word % (i + 1)) from there on."""
        if n < PERM_64BIT_AT:
            if n <= 1:
                return np.arange(n, dtype=np.int64)
            steps = n - 1
            z = np.empty(n, np.int64)
            z[:steps] = (self.u32(steps) % (n - np.arange(steps, dtype=_U64))).astype(np.int64)
            z[:steps] += np.arange(steps, dtype=np.int64)
            z[steps] = steps
            return _apply_swaps(z)
        z = (self.u64(n) % (np.arange(n, dtype=_U64) + _U64(1))).astype(np.int64).tolist()
        out: List[int] = [0] * n
        for i, j in enumerate(z):
            out[i] = out[j]
            out[j] = i
        return np.array(out, dtype=np.int64)

    # ------------------------------------------------------------------ other distributions
    def bernoulli(self, p: np.ndarray) -> np.ndarray:
        """A bool draw per element of the probabilities `p`: `u < p`, u a float64 uniform for float64
        p (and for a number p, passed as a float64 array), a float32 one otherwise."""
        p = np.asarray(p)
        if p.dtype == np.float64:
            return self.unit(p.size, np.float64).reshape(p.shape) < p
        return self.unit(p.size, np.float32).reshape(p.shape) < p.astype(np.float32)

    def doubles(self, n: int) -> np.ndarray:
        """`n` float64 uniforms in [0, 1) (the draws of exponential_, cauchy_, geometric_)."""
        return self.unit(n, np.float64)

    def exponential(self, n: int, lambd: float) -> np.ndarray:
        """exponential_(lambd): -log1p(-u) / lambd in float64."""
        return (-1.0 / float(lambd)) * np.log1p(-self.doubles(n))

    def cauchy(self, n: int, median: float, sigma: float) -> np.ndarray:
        """cauchy_(median, sigma): median + sigma * tan(pi * (u - 1/2)) in float64."""
        return float(median) + float(sigma) * np.tan(np.pi * (self.doubles(n) - 0.5))

    def geometric(self, n: int, p: float) -> np.ndarray:
        """geometric_(p): ceil(log(u) / log1p(-p)) in float64 (trials up to the first success)."""
        with np.errstate(divide="ignore"):
            return np.ceil(np.log(self.doubles(n)) / np.log1p(-float(p)))

    def log_normal(self, n: int, mean: float, std: float) -> np.ndarray:
        """log_normal_(mean, std): exp of the scalar-path normal draws (the cache included); a few
        through the math module's exp, the C library's, as PyTorch's."""
        z = self.normal_doubles(n, mean, std)
        return np.array([math.exp(v) for v in z.tolist()]) if n <= _SCALAR_NORMALS else np.exp(z)

    def multinomial_rows(self, probs: np.ndarray, n_sample: int) -> np.ndarray:
        """multinomial(probs, n_sample, replacement=True) on 2-D `probs`: per row, the cumulative sums
        in the probabilities' float type, normalised by the total, searched with float64 uniforms
        (the first category whose cumulative probability reaches the draw)."""
        rows, k = probs.shape
        work = np.float64 if probs.dtype == np.float64 else np.float32
        cum = np.cumsum(probs.astype(work), axis=1)
        total = cum[:, -1:]
        cum = np.divide(cum, total, out=cum, where=total > 0).astype(np.float64)
        u = self.unit(rows * n_sample, np.float64).reshape(rows, n_sample)   # row by row, as drawn
        if rows < 8:
            found = np.stack([np.searchsorted(cum[i], u[i], side="left") for i in range(rows)])
        else:   # every row's binary search at once: `found` counts the cumulative sums below u
            found = np.zeros((rows, n_sample), np.int64)
            first = (np.arange(rows, dtype=np.int64) * k)[:, None]
            flat = cum.reshape(-1)
            step = 1 << (k.bit_length() - 1)
            while step:
                more = found + step
                below = (more <= k) & (flat[np.minimum(more, k) - 1 + first] < u)
                found = np.where(below, more, found)
                step >>= 1
        return np.minimum(found, k - 1)

    def multinomial(self, rows: np.ndarray, n_sample: int, replacement: bool) -> np.ndarray:
        """torch.multinomial on 2-D non-negative `rows`: the cumulative search for draws with
        replacement (more than one), else PyTorch's race: q ~ Exp(1) per element (drawn as
        exponential_ on a tensor like `rows`), the largest rows / q first."""
        if replacement and n_sample > 1:
            return self.multinomial_rows(rows, n_sample)
        work: Any = np.float64 if rows.dtype == np.float64 else np.float32
        q: np.ndarray = self.exponential(rows.size, 1.0).astype(work).reshape(rows.shape)
        with np.errstate(divide="ignore", invalid="ignore"):
            keys: np.ndarray = np.divide(rows.astype(work), q)
        if n_sample == 1:       # PyTorch's argmax: the first of equal largest keys
            return np.argmax(keys, axis=1)[:, None].astype(np.int64)
        return _largest_first(keys, n_sample)

    def draws(self, dtype: Any) -> "TorchDraws":
        """An object with NumPy-Generator-like methods whose draws are PyTorch's for a tensor of
        `dtype` (what torch.distributions' samplers call), for code written over a Generator."""
        return TorchDraws(self, np.dtype(dtype))

    def gamma(self, alpha: np.ndarray) -> np.ndarray:
        """torch._standard_gamma: one Gamma(alpha, 1) draw per element, in alpha's float dtype, by
        PyTorch's sampler (Marsaglia and Tsang's rejection method, alpha < 1 boosted by u**(1/alpha)),
        with its draws: float64 uniforms and scalar-path normals (sharing the normal cache).

        The elements are sampled in order, as PyTorch does, but a block at a time: each block is drawn
        assuming every element is accepted at its first try; at the first element that is not, the
        stream is rewound to just after that element's first try, the element retried alone, and the
        next block starts after it."""
        a_all = np.ascontiguousarray(alpha).reshape(-1)
        sdt = np.float64 if a_all.dtype == np.float64 else np.float32
        a_all = a_all.astype(sdt, copy=False)
        out = np.empty(a_all.size, np.float64)
        i, block = 0, 64
        while i < a_all.size:
            j = min(i + block, a_all.size)
            done = self._gamma_block(a_all[i:j], sdt, out[i:j])
            i += done
        res = out.astype(sdt)
        # std::max(tiny, x): tiny also where x is NaN (a negative or NaN alpha gives NaN, as in C)
        return np.fmax(res, np.finfo(sdt).tiny).reshape(np.shape(alpha))

    def _gamma_block(self, a: np.ndarray, sdt: Any, out: np.ndarray) -> int:
        """Sample a block of `_gamma` speculatively; returns how many elements were finished."""
        k = a.size
        saved_bits, saved_cache, saved_fresh = self.bits.state, self.normal_double, self.fresh
        zero = a == 0
        boost = (a < 1) & ~zero
        # words per element on the first try: boost uniform (2), normal (4 for a new pair, 0 cached), uniform (2)
        cached = np.zeros(k, bool)
        have = self.normal_double is not None
        for e in range(k):  # the cache parity along the block (cheap: a few dozen steps)
            if not zero[e]:
                cached[e] = have
                have = not have
        words = np.where(zero, 0, 2 * boost + np.where(cached, 0, 4) + 2)
        ends = np.cumsum(words)
        raw = self.u32(int(ends[-1]) if k else 0)
        starts = ends - words

        def unit_at(off: np.ndarray) -> np.ndarray:
            w = (raw[off] << _U64(32)) | raw[off + 1]
            return (w & _MASK53).astype(np.float64) * 2.0 ** -53
        live = ~zero
        pos = starts.copy()
        ub = np.zeros(k)
        ub[boost] = unit_at(pos[boost])
        pos = pos + 2 * boost
        new = live & ~cached
        u1 = np.zeros(k)
        u2 = np.zeros(k)
        u1[new], u2[new] = unit_at(pos[new]), unit_at(pos[new] + 2)
        r = np.sqrt(-2.0 * np.log1p(-u2))
        theta = _TWO_PI * u1
        cos_, sin_ = r * np.cos(theta), r * np.sin(theta)
        # a cached normal is the sine of the last new pair before it (or the stream's cache)
        last_new = np.maximum.accumulate(np.where(new, np.arange(k), -1))
        prev_new = np.concatenate(([-1], last_new[:-1]))
        x = np.where(new, cos_, np.where(prev_new >= 0, sin_[np.maximum(prev_new, 0)],
                                         saved_cache if saved_cache is not None else 0.0))
        pos = pos + np.where(new, 4, 0)
        uu = np.zeros(k)
        uu[live] = unit_at(pos[live])
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.where(boost, np.power(1.0 - ub, (np.float32(1) / a.astype(sdt)).astype(sdt).astype(np.float64)
                                             if sdt == np.float32 else 1.0 / a), 1.0)
            ab = np.where(boost, (a + sdt(1)).astype(sdt), a)
            d = (ab - sdt(np.float32(1.0) / np.float32(3.0))).astype(sdt).astype(np.float64)
            c = 1.0 / np.sqrt(9.0 * d)
            y = 1.0 + c * x
            v = y * y * y
            u = 1.0 - uu
            xx = x * x
            ok = ~(y <= 0) & ((u < 1.0 - float(np.float32(0.0331)) * xx * xx) |
                            (np.log(u) < 0.5 * xx + d * (1.0 - v + np.log(v))))
        good = ok | zero
        first_bad = int(np.argmin(good)) if not good.all() else k
        out[:first_bad] = np.where(zero[:first_bad], 0.0, (scale * d * v)[:first_bad])
        if first_bad == k:
            if k:
                # the cache after the block: the sine of the last new pair if no cached draw followed it
                self.normal_double = float(sin_[last_new[-1]]) if have and last_new[-1] >= 0 else \
                    (saved_cache if have else None)
            return k
        # rewind, and replay the accepted elements and the failing element's first try
        f = first_bad
        self.bits.state, self.normal_double, self.fresh = saved_bits, saved_cache, saved_fresh
        replay = int(starts[f]) + 2 * int(boost[f]) + (0 if cached[f] else 4)
        self.u32(replay)
        # the cache now: as it stood after element f's normal
        self.normal_double = None if cached[f] else float(sin_[f])
        df, cf = float(d[f]), float(c[f])
        if not y[f] <= 0:   # the uniform of the first try was drawn too, then rejected
            self.u32(2)
        while True:
            while True:
                xf = float(self.normal_doubles(1)[0])
                yf = 1.0 + cf * xf
                if not yf <= 0:   # a NaN y (alpha < 0 or NaN) ends the loop, as in C
                    break
            vf = yf * yf * yf
            uf = 1.0 - float(self.unit(1, np.float64)[0])
            xxf = xf * xf
            if uf < 1.0 - float(np.float32(0.0331)) * xxf * xxf or \
                    math.log(uf) < 0.5 * xxf + df * (1.0 - vf + math.log(vf)):
                out[f] = float(scale[f]) * df * vf
                return f + 1


class TorchDraws:
    """NumPy-Generator-shaped access to a Stream with PyTorch's transforms, in one dtype: random
    (torch.rand), standard_normal (normal_()), standard_exponential (exponential_()),
    standard_cauchy (cauchy_()), uniform(low, high) (uniform_(low, high)). (Gamma, Poisson and
    binomial draws are Stream.gamma and _random_samplers, PyTorch's samplers.)"""

    __slots__ = ("stream", "dtype")

    def __init__(self, stream: Stream, dtype: np.dtype) -> None:
        self.stream, self.dtype = stream, dtype

    def _shaped(self, flat: np.ndarray, shape: Any) -> np.ndarray:
        return flat.astype(self.dtype, copy=False).reshape(shape)

    def _n(self, shape: Any) -> int:
        return int(np.prod(shape, dtype=np.int64))

    def random(self, shape: Any = ()) -> np.ndarray:
        """Uniforms in [0, 1), as torch.rand."""
        return self._shaped(self.stream.uniform(self._n(shape), self.dtype, 0.0, 1.0), shape)

    def uniform(self, low: float = 0.0, high: float = 1.0, shape: Any = ()) -> np.ndarray:
        """Uniforms in [low, high), as Tensor.uniform_(low, high)."""
        return self._shaped(self.stream.uniform(self._n(shape), self.dtype, float(low), float(high)), shape)

    def standard_normal(self, shape: Any = ()) -> np.ndarray:
        """N(0, 1) draws, as Tensor.normal_() on a new tensor."""
        return self._shaped(self.stream.normal(self._n(shape), self.dtype), shape)

    def standard_exponential(self, shape: Any = ()) -> np.ndarray:
        """Exp(1) draws, as Tensor.exponential_()."""
        return self._shaped(self.stream.exponential(self._n(shape), 1.0), shape)

    def standard_cauchy(self, shape: Any = ()) -> np.ndarray:
        """Cauchy(0, 1) draws, as Tensor.cauchy_()."""
        return self._shaped(self.stream.cauchy(self._n(shape), 0.0, 1.0), shape)


# randperm's switch to 64-bit words and the inside-out shuffle: PyTorch's `n < UINT32_MAX / 20`
PERM_64BIT_AT = (2 ** 32 - 1) // 20


def _largest_first(keys: np.ndarray, n: int) -> np.ndarray:
    """The indices of each row's n largest keys, largest first, equal keys in index order (what a stable
    sort of -keys gives, NaN last): by a partition where n is small against the row, which does not
    sort what is not taken."""
    rows, k = keys.shape
    if 4 * n > k or np.isnan(keys).any():
        return np.argsort(-keys, axis=1, kind="stable")[:, :n].astype(np.int64)
    nth = -np.partition(-keys, n - 1, axis=1)[:, n - 1:n]   # each row's n-th largest key
    above = keys > nth
    tied = keys == nth                                      # of these, the first ones fill the rest
    room = n - above.sum(axis=1, keepdims=True)
    chosen = above | (tied & (np.cumsum(tied, axis=1) <= room))
    picked = np.nonzero(chosen)[1].reshape(rows, n)         # index order within each row
    order = np.argsort(-np.take_along_axis(keys, picked, axis=1), axis=1, kind="stable")
    return np.take_along_axis(picked, order, axis=1).astype(np.int64)


def _apply_swaps(z: np.ndarray) -> np.ndarray:
    """The permutation `for i: swap(r[i], r[z[i]])` (z[i] >= i) makes of r = 0..n-1, without a loop
    over i. Position i is final after step i, holding what position z[i] held just before it: the
    value the last earlier step aimed at z[i] moved there, or z[i] itself if none. What step m moves
    is w(m), the value at position m before step m: w of the last earlier step aimed at m, or m itself
    (only steps aimed at m write position m before step m). Sorting the steps by (target, step) puts
    each target's steps in order, so "the last earlier step aimed at" is the neighbour in that order;
    w follows chains of such steps, resolved by pointer doubling (a few rounds: chains are short)."""
    n = z.size
    shift = max(1, (n - 1).bit_length())
    idx = np.arange(n, dtype=np.int64)
    keys = np.left_shift(z, shift)
    np.bitwise_or(keys, idx, out=keys)
    keys.sort()                          # the keys are distinct: sorting values is enough
    step = keys & ((1 << shift) - 1)     # steps grouped by target, in order within a group
    target = np.right_shift(keys, shift, out=keys)
    first = np.empty(n, np.bool_)        # the first step of its target's group
    first[0] = True
    np.not_equal(target[1:], target[:-1], out=first[1:])
    # parent[p]: the last step before p aimed at p (p itself if none). Steps aimed at p are <= p, so it
    # ends p's group, or comes just before step p, which ends the group when it is aimed at itself
    ends = np.append(np.flatnonzero(first[1:]), n - 1)
    own = step[ends] == target[ends]
    has = ~(own & first[ends])
    parent = idx.copy()
    parent[target[ends[has]]] = step[(ends - own)[has]]
    while True:
        nxt = parent[parent]
        if np.array_equal(nxt, parent):
            break
        parent = nxt
    before = np.empty(n, np.int64)       # the step before each in sorted order
    before[0] = 0
    before[1:] = step[:-1]
    moved = np.where(first, target, parent[before])
    stay = step == target                # a step aimed at itself keeps w of its own position
    moved[stay] = parent[step[stay]]
    out = np.empty(n, np.int64)
    out[step] = moved
    return out


# ---------------------------------------------------------------------------------- Box-Muller blocks
def _fill16(u: np.ndarray, work: Any, mean: float, std: float, dest: np.ndarray) -> None:
    """PyTorch's normal_fill_16 on consecutive blocks of 16 uniforms: within a block, u[j] (j < 8)
    gives the radius sqrt(-2 log(1 - u[j])) and u[j + 8] the angle 2 pi u[j + 8]; the block's first 8
    outputs are radius * cos, its last 8 radius * sin, then `* std + mean` (fused). Written into
    `dest` (as many elements as u)."""
    if work != np.float64 and VECTOR_NORMALS:   # the uniforms' 24-bit integers: u * 2**24, exact
        _vector_normals(np.multiply(u, _F(2.0 ** 24)).astype(_I32), dest, mean, std)
        return
    b = u.reshape(-1, 16)
    u1, u2 = np.ascontiguousarray(b[:, :8]), np.ascontiguousarray(b[:, 8:])
    out = dest.reshape(-1, 16)
    if work == np.float64:
        radius = np.subtract(1.0, u1, out=u1)          # in place: the arrays are ours
        np.log(radius, out=radius)
        np.multiply(radius, -2.0, out=radius)
        np.sqrt(radius, out=radius)
        theta = np.multiply(u2, _TWO_PI, out=u2)
        c = np.cos(theta)
        np.multiply(radius, c, out=c)
        s = np.sin(theta, out=theta)
        np.multiply(radius, s, out=s)
        if mean != 0.0 or std != 1.0:
            c, s = _fma64(c, float(std), float(mean)), _fma64(s, float(std), float(mean))
        out[:, :8], out[:, 8:] = c, s
        return
    f32 = np.float32
    # the C library's logf/sinf/cosf, correctly rounded: float64 then rounded
    radius = np.sqrt(f32(-2) * np.log((f32(1) - u1).astype(np.float64)).astype(f32))
    theta = (_TWO_PI * u2.astype(np.float64)).astype(f32).astype(np.float64)
    n1 = radius * np.cos(theta).astype(f32)
    n2 = radius * np.sin(theta).astype(f32)
    if mean != 0.0 or std != 1.0:
        m, sd = float(f32(mean)), float(f32(std))
        n1 = (n1.astype(np.float64) * sd + m).astype(f32)
        n2 = (n2.astype(np.float64) * sd + m).astype(f32)
    else:                   # `* 1 + 0`: a -0 (radius -0 where 1 - u1 = 1) becomes +0
        n1 = n1 + f32(mean)
        n2 = n2 + f32(mean)
    out[:, :8], out[:, 8:] = n1, n2


def _fma64(a: np.ndarray, b: float, c: float) -> np.ndarray:
    """a * b + c for float64 arrays, as one fused multiply-add (the product's rounding error is
    recovered exactly by Dekker's splitting and added back), so sums that cancel agree with C's fma."""
    p = a * b
    split = 134217729.0  # 2**27 + 1
    ah = a * split
    ah = ah - (ah - a)
    al = a - ah
    bh = b * split
    bh = bh - (bh - b)
    bl = b - bh
    err = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    s = p + c
    bb = s - p
    t = (p - (s - bb)) + (c - bb)
    return s + (t + err)


_F = np.float32
_I32 = np.int32
# PyTorch's avx_mathfun.h constants, as float32 values (held as Python floats where a float64 step uses them)
_LOG_P = [float(_F(v)) for v in (7.0376836292E-2, -1.1514610310E-1, 1.1676998740E-1, -1.2420140846E-1,
                                 1.4249322787E-1, -1.6668057665E-1, 2.0000714765E-1, -2.4999993993E-1,
                                 3.3333331174E-1)]
_SQRTHF_BITS = int(np.array(0.707106781186547524, _F).view(_I32))
_LOG_Q1, _LOG_Q2 = _F(-2.12194440e-4), _F(0.693359375)
_TWO_PI_24 = _F(_TWO_PI) * _F(2.0 ** -24)      # float32(2 pi) * u == float32(2 pi) * 2**-24 * k, exactly
_FOPI = _F(1.27323954473516)
_DP1, _DP2, _DP3 = _F(-0.78515625), _F(-2.4187564849853515625e-4), float(_F(-3.77489497744594108e-8))
_COS_P = [float(_F(v)) for v in (2.443315711809948E-005, -1.388731625493765E-003, 4.166664568298827E-002)]
_SIN_P = [float(_F(v)) for v in (-1.9515295891E-4, 8.3321608736E-3, -1.6666654611E-1)]
_TABLE_AFTER = 1 << 20   # pairs drawn by the reference kernel before the fast one builds its table
_PAIRS_DRAWN = [0]
_RADIUS_MARKS: List[np.ndarray] = []   # the table, once built (_radius_marks)
_HALF_BLOCK = np.dtype("V32")  # 8 float32 or int32: half a block of 16, moved as one item
_CHUNK = 32768  # elements of each half per pass of the float32 vector Box-Muller (scratch stays in cache)
_FAST_CHUNK = 65536  # the same for the fast kernel (fewer ufunc calls; its work arrays are fewer)


class _Scratch:
    """Reused work arrays for `_box_muller_chunk` (six float32, three int32, four float64)."""

    __slots__ = ("f", "i", "d")

    def __init__(self, n: int) -> None:
        self.f = [np.empty(n, _F) for _ in range(6)]
        self.i = [np.empty(n, _I32) for _ in range(3)]
        self.d = [np.empty(n, np.float64) for _ in range(4)]


def _vector_normals(k: Optional[np.ndarray], dest: np.ndarray, mean: float, std: float,
                    draw: Optional[Callable[[int], np.ndarray]] = None, exact: Optional[bool] = None) -> None:
    """PyTorch's AVX2/AVX512 float32 normal kernel on consecutive blocks of 16 uniforms given as their
    24-bit integers `k` (u = k * 2**-24; contiguous int32), or drawn chunk by chunk by `draw(count)`
    when k is None: within a block the first 8 give the radius, the last 8 the angle; the block's
    first 8 outputs are radius * cos, its last 8 radius * sin, then `* std + mean` (fused). Written
    into `dest` (contiguous float32, as many elements as k). The halves are gathered and scattered as
    32-byte items, in chunks of _FAST_CHUNK pairs, by `_fast_box_muller_chunk` (exact=False), or by its
    reference, the step-by-step emulation `_box_muller_chunk` (exact=True; chunks of _CHUNK pairs, about
    1.3x as slow), which tests compare it with. Both give PyTorch's numbers bit for bit
    (docs/random.md). exact=None: the reference until the process has drawn _TABLE_AFTER pairs, so that
    a program drawing few normals never builds the fast kernel's table (about 0.15 s), then the fast one.
    With mean 0 and std 1 the kernel's `* 1 + 0` still turns a -0 (a radius of -0 where 1 - u1 = 1)
    into +0: here a plain `+ mean`."""
    h = dest.size // 2
    if exact is None:
        exact = not _RADIUS_MARKS and _PAIRS_DRAWN[0] + h <= _TABLE_AFTER
        _PAIRS_DRAWN[0] += h
    plain = mean == 0.0 and std == 1.0
    zero = np.array(_F(mean))            # +0, or -0 as given (which keeps the sign of a zero)
    ov = dest.view(_HALF_BLOCK)
    step = _CHUNK if exact else _FAST_CHUNK
    c = min(step, h)
    ws: Any = _Scratch(c) if exact else _FastScratch(c)
    k1, k2 = np.empty(c, _I32), np.empty(c, _I32)
    o1, o2 = (np.empty(c, _F), np.empty(c, _F)) if exact else (ws.pair32[0], ws.pair32[1])
    kv = None if k is None else k.view(_HALF_BLOCK)
    for lo in range(0, h, step):
        hi = min(lo + step, h)
        n = hi - lo
        b0, b1 = lo // 4, hi // 4   # half-blocks of 8: the first halves sit at even items, the second at odd
        if kv is None:
            src, a0, a1 = draw(2 * n).view(_HALF_BLOCK), 0, b1 - b0   # type: ignore[misc]
        else:
            src, a0, a1 = kv, b0, b1
        k1[:n].view(_HALF_BLOCK)[...] = src[a0:a1:2]
        k2[:n].view(_HALF_BLOCK)[...] = src[a0 + 1:a1:2]
        if exact:
            _box_muller_chunk(k1[:n], k2[:n], o1[:n], o2[:n], ws)
        else:
            _fast_box_muller_chunk(k1[:n], k2[:n], None, None, ws)
        if plain:
            np.add(o1[:n], zero, o1[:n])
            np.add(o2[:n], zero, o2[:n])
        ov[b0:b1:2] = o1[:n].view(_HALF_BLOCK)
        ov[b0 + 1:b1:2] = o2[:n].view(_HALF_BLOCK)
    if not plain:
        m, sd = float(_F(mean)), float(_F(std))
        dest[...] = dest.astype(np.float64) * sd + m   # the product is exact: one rounding, as fused


# _box_muller_chunk's numbers as 0-d arrays (a ufunc takes them about 0.4 us faster than a number):
# _I_ int32, _F_ float32, _D_ float64
_LOG_P_ARRAYS = [np.array(v) for v in _LOG_P]
_I_2_24 = np.array(1 << 24, _I32)
_I_23 = np.array(23, _I32)
_I_MANTISSA = np.array(0x007FFFFF, _I32)
_I_HALF_EXPONENT = np.array(0x3F000000, _I32)
_I_SQRTHF = np.array(_SQRTHF_BITS, _I32)
_I_31 = np.array(31, _I32)
_F_150 = np.array(_F(126 + 24), _F)
_F_1 = np.array(_F(1), _F)
_D_LOG_P0 = np.array(_LOG_P[0], np.float64)
_D_LOG_P1 = np.array(_LOG_P[1], np.float64)
_F_LOG_Q1 = np.array(_LOG_Q1, _F)
_F_HALF = np.array(_F(0.5), _F)
_F_LOG_Q2 = np.array(_LOG_Q2, _F)
_F_MINUS_2 = np.array(_F(-2), _F)
_F_TWO_PI_24 = np.array(_TWO_PI_24, _F)
_F_FOPI = np.array(_FOPI, _F)
_I_1 = np.array(1, _I32)
_I_NOT_1 = np.array(~1, _I32)
_F_DP1 = np.array(_DP1, _F)
_F_DP2 = np.array(_DP2, _F)
_D_DP3 = np.array(_DP3, np.float64)
_D_COS_P0 = np.array(_COS_P[0], np.float64)
_D_COS_P1 = np.array(_COS_P[1], np.float64)
_D_COS_P2 = np.array(_COS_P[2], np.float64)
_D_MINUS_HALF = np.array(-0.5, np.float64)
_D_SIN_P0 = np.array(_SIN_P[0], np.float64)
_D_SIN_P1 = np.array(_SIN_P[1], np.float64)
_D_SIN_P2 = np.array(_SIN_P[2], np.float64)
_I_2 = np.array(2, _I32)
_I_29 = np.array(29, _I32)
_I_30 = np.array(30, _I32)
_SIGN = np.array(-(1 << 31), _I32)


def _fused_quadratic(z64: np.ndarray, c0: Any, c1: Any, c2: Any, y: np.ndarray, dd: np.ndarray) -> None:
    """y = (c0 z + c1) z + c2 in float32, each step a fused multiply-add (computed in float64 from
    float32 operands, rounded once), as PyTorch's vector sine and cosine polynomials; dd is scratch."""
    np.multiply(z64, c0, dd)
    np.add(dd, c1, dd)
    y[...] = dd
    dd[...] = y
    np.multiply(dd, z64, dd)
    np.add(dd, c2, dd)
    y[...] = dd


def _cephes_log(k1: np.ndarray, ws: _Scratch, out: np.ndarray) -> np.ndarray:
    """log(1 - u1) in float32 for u1 = k1 * 2**-24, as PyTorch's vector kernel computes it (the Cephes
    method of its avx_mathfun.h, every fused multiply-add fused), into out (ws's f[2] or an array of
    k1's size; ws's other arrays are scratch): split x = m * 2**e with m in [sqrt(1/2), sqrt(2)),
    a degree-8 polynomial in t = m - 1, then e * log(2) in two parts."""
    n = k1.size
    f0, f1, f3, f4, f5 = (a[:n] for a in (ws.f[0], ws.f[1], ws.f[3], ws.f[4], ws.f[5]))
    i0, i1, i2 = (a[:n] for a in ws.i)
    dd, d1, z64, d3 = (a[:n] for a in ws.d)
    mul, add, sub, band, rsh = np.multiply, np.add, np.subtract, np.bitwise_and, np.right_shift
    # 1 - u1 = K * 2**-24 with K = 2**24 - k1 (exact in float32)
    kk = sub(_I_2_24, k1, i0)
    fk = f0
    fk[...] = kk
    bits = fk.view(_I32)                  # 1 - u1's bits, but for an exponent 24 higher
    e = rsh(bits, _I_23, i0)
    mb = band(bits, _I_MANTISSA, i1)
    np.bitwise_or(mb, _I_HALF_EXPONENT, mb)         # m in [1/2, 1)
    neg = sub(mb, _I_SQRTHF, i2)
    rsh(neg, _I_31, neg)                # -1 where m < sqrt(1/2): then e - 1 and 2m - 1
    add(e, neg, e)
    ef = f1
    ef[...] = e
    sub(ef, _F_150, ef)                  # exact
    t = sub(mb.view(_F), _F_1, out)     # exact
    band(neg, mb, neg)                # m where m < sqrt(1/2), else +0
    add(t, neg.view(_F), t)           # exact: 2m - 1 or m - 1
    t64 = d1
    t64[...] = t
    y = f3
    mul(t64, _D_LOG_P0, dd)
    add(dd, _D_LOG_P1, dd)
    y[...] = dd
    for p in _LOG_P_ARRAYS[2:]:           # Horner, fused: y = y * t + p
        dd[...] = y
        mul(dd, t64, dd)
        add(dd, p, dd)
        y[...] = dd
    mul(y, t, y)
    z = mul(t, t, f4)
    q = mul(ef, _F_LOG_Q1, f5)
    dd[...] = y                           # y = y * z + e * q1, fused
    z64[...] = z
    mul(dd, z64, dd)
    d3[...] = q
    add(dd, d3, dd)
    y[...] = dd
    mul(z, _F_HALF, q)
    sub(y, q, y)
    add(t, y, t)
    mul(ef, _F_LOG_Q2, q)                  # exact, so the fused sum is the plain one
    add(t, q, t)
    return t


def _box_muller_chunk(k1: np.ndarray, k2: np.ndarray, oc: np.ndarray, os_: np.ndarray, ws: _Scratch) -> None:
    """(radius * cos, radius * sin) of PyTorch's vector float32 kernel for uniforms k1 * 2**-24 (radius)
    and k2 * 2**-24 (angle), written into oc and os_.

    log(1 - u1) by the Cephes method of PyTorch's avx_mathfun.h: split x = m * 2**e with m in
    [sqrt(1/2), sqrt(2)), a degree-8 polynomial in t = m - 1, then e * log(2) in two parts. sin and
    cos of theta = float32(2 pi) * u2 likewise: reduce by j * pi/4 (j even) in three parts, the
    cosine and sine polynomials on [-pi/4, pi/4], swapped and signed by the octant (with integer
    masks, not branches). Every multiply-add the compiled kernel fuses is fused here too: the
    float32 product is exact in float64, so a float64 sum rounded once to float32 (the float64
    operands are kept from one step to the next, so no float32 array enters a float64 ufunc, which
    would cast it through a slow buffer). Where the product is exact in float32 too (e * log2's
    high part, j times the reduction's first two parts), fused and unfused agree, and float32 is used."""
    n = k1.size
    f0, f1, f2, f3, f4, f5 = (a[:n] for a in ws.f)
    i0, i1, i2 = (a[:n] for a in ws.i)
    dd, d1, z64, d3 = (a[:n] for a in ws.d)
    mul, add, sub, band, bxor, rsh, lsh = (np.multiply, np.add, np.subtract, np.bitwise_and,
                                           np.bitwise_xor, np.right_shift, np.left_shift)
    radius = _cephes_log(k1, ws, f2)
    mul(radius, _F_MINUS_2, radius)
    np.sqrt(radius, radius)            # f2 holds the radius from here
    # sin and cos of theta = float32(2 pi) * u2
    xx = f0
    xx[...] = k2
    mul(xx, _F_TWO_PI_24, xx)
    w = mul(xx, _F_FOPI, f1)
    j = i0
    j[...] = w                            # truncation toward zero (theta >= 0)
    add(j, _I_1, j)
    band(j, _I_NOT_1, j)
    yj = f3
    yj[...] = j
    mul(yj, _F_DP1, w)                  # exact products: fused or not, the same sums
    add(xx, w, xx)
    mul(yj, _F_DP2, w)
    add(xx, w, xx)
    x64 = d1
    dd[...] = j                           # xx = j * dp3 + xx, fused
    mul(dd, _D_DP3, dd)
    x64[...] = xx
    add(dd, x64, dd)
    xx[...] = dd
    x64[...] = xx
    z = mul(xx, xx, f4)
    z64[...] = z
    yc = f1                               # cosine: ((c0 z + c1) z + c2) z, then * z - z / 2, + 1
    _fused_quadratic(z64, _D_COS_P0, _D_COS_P1, _D_COS_P2, yc, dd)
    mul(yc, z, yc)
    dd[...] = yc
    mul(dd, z64, dd)
    mul(z64, _D_MINUS_HALF, d3)                # exact
    add(dd, d3, dd)
    yc[...] = dd
    add(yc, _F_1, yc)
    ys = f3                               # sine: ((s0 z + s1) z + s2) z, then * x + x
    _fused_quadratic(z64, _D_SIN_P0, _D_SIN_P1, _D_SIN_P2, ys, dd)
    mul(ys, z, ys)
    dd[...] = ys
    mul(dd, x64, dd)
    add(dd, x64, dd)
    ys[...] = dd
    swap = lsh(j, _I_30, i1)               # all ones where j & 2: the cosine is ys, the sine yc
    rsh(swap, _I_31, swap)
    ycb, ysb = yc.view(_I32), ys.view(_I32)
    diff = bxor(ycb, ysb, i2)
    band(diff, swap, diff)
    bxor(ycb, diff, ycb)                  # now the cosine's magnitude
    bxor(ysb, diff, ysb)                  # now the sine's
    sgn = lsh(j, _I_29, i1)                # the sine's sign flips when j & 4
    band(sgn, _SIGN, sgn)
    bxor(ysb, sgn, ysb)
    add(j, _I_2, j)                       # the cosine's sign flips when (j + 2) & 4
    lsh(j, _I_29, j)
    band(j, _SIGN, j)
    bxor(ycb, j, ycb)
    mul(radius, ycb.view(_F), oc)
    mul(radius, ysb.view(_F), os_)


# _fast_box_muller_chunk's numbers. A float64 sum rounds to float32's grid where the float32 result's
# binade is known: for |y| in [2**e, 2**(e+1)), float32 spaces values 2**(e-23) apart, and so does
# float64 around M = 1.5 * 2**(e+29); so fl64(a * b + (c + M)) - M is fl32(a * b + c), one rounding
# (a * b exact in float64, c + M exact), as the kernel's fused multiply-add gives.
_D_M24 = np.array(-(2.0 ** -24))
_D_1 = np.array(1.0)
_F_FOPI_HALF = np.array(_F(_FOPI * _F(0.5)), _F)     # w / 2 is exactly fl32(theta * FOPI / 2)
_D_TWO_DP = np.array(2.0 * (float(_DP1) + float(_DP2) + _DP3))   # -pi/2 as the kernel splits it, exact
_COS_M = (1.5 * 2.0 ** 19, 1.5 * 2.0 ** 24)   # c0 z + c1 in (-2**-9, -2**-10]; (..) z + c2 in [2**-5, 2**-4)
_SIN_M = (1.5 * 2.0 ** 22, 1.5 * 2.0 ** 26)   # s0 z + s1 in [2**-7, 2**-6); (..) z + s2 in (-2**-2, -2**-3]
# the cosine's and the sine's numbers as columns: one ufunc call works on both rows of (cos, sin)
_D_QM1 = np.array([[_COS_M[0]], [_SIN_M[0]]])
_D_QK1 = np.array([[_COS_P[1] + _COS_M[0]], [_SIN_P[1] + _SIN_M[0]]])    # exact sums
_D_QM2 = np.array([[_COS_M[1]], [_SIN_M[1]]])
_D_QK2 = np.array([[_COS_P[2] + _COS_M[1]], [_SIN_P[2] + _SIN_M[1]]])
_D_QLAST = np.array([[-0.5], [1.0]])


_I_5 = np.array(5, _I32)
_L_27 = np.array(27, np.int64)
_L_2 = np.array(2, np.int64)


def _radius_marks() -> np.ndarray:
    """Bit 31 - (k1 & 31) of int32 word k1 >> 5 set where the radius sqrt(-2 log(1 - k1 * 2**-24)) of the
    kernel's Cephes logarithm (`_cephes_log`) is not that of float32(log(1 - u1)) of the float64
    logarithm, for each of the 2**24 inputs k1 (2 MB, built once by the exact emulation itself, in
    about 0.15 s): 615,409 inputs (3.7%), each one ULP off. No cheap test on the float64 logarithm
    tells them apart, as they lie up to 0.32 ULP from a float32 rounding midpoint (docs/random.md).
    tests/test_random_normal_kernel.py checks the corrected radius on every input."""
    if not _RADIUS_MARKS:
        step = 1 << 16
        ws = _Scratch(step)
        out, d = np.empty(step, _F), np.empty(step, np.float64)
        marks = np.empty(1 << 24, np.bool_)
        k = np.arange(step, dtype=_I32)
        for lo in range(0, 1 << 24, step):
            exact = _cephes_log(k, ws, out)
            np.multiply(exact, _F_MINUS_2, exact)
            np.sqrt(exact, exact)
            d[...] = k
            np.multiply(d, _D_M24, d)
            np.add(d, _D_1, d)
            np.log(d, d)
            fast = d.astype(_F)
            np.multiply(fast, _F_MINUS_2, fast)
            np.sqrt(fast, fast)
            np.not_equal(exact, fast, out=marks[lo:lo + step])
            k += step
        _RADIUS_MARKS.append(np.packbits(marks).view(">i4").astype(_I32))
    return _RADIUS_MARKS[0]


class _FastScratch:
    """Reused work arrays for `_fast_box_muller_chunk` (56 bytes a pair with k1 and k2, so that a chunk's
    work stays in a 1-2 MB cache): the radius (float32), h (int32), a float32 and two float64 pairs of
    rows. pair32 ends holding the two outputs."""

    __slots__ = ("radius", "h", "word", "pair32", "pair", "zx")

    def __init__(self, n: int) -> None:
        self.radius = np.empty(n, _F)
        self.h = np.empty(n, _I32)
        self.word = np.empty(n, _I32)
        self.pair32 = np.empty((2, n), _F)
        self.pair = np.empty((2, n), np.float64)
        self.zx = np.empty((2, n), np.float64)


def _fast_box_muller_chunk(k1: np.ndarray, k2: np.ndarray, oc: Optional[np.ndarray], os_: Optional[np.ndarray],
                           ws: Any) -> None:
    """(radius * cos, radius * sin) of PyTorch's vector float32 kernel for uniforms k1 * 2**-24 (radius)
    and k2 * 2**-24 (angle), written into oc and os_: the sine and cosine bit for bit, the radius
    bit for bit too, as `_box_muller_chunk` (docs/random.md); ws is a _FastScratch. About half
    the passes of `_box_muller_chunk`.

    The radius is sqrt(-2 log(1 - u1)) in float32 from NumPy's float64 logarithm rounded to float32,
    moved one ULP for the 3.7% of inputs `_radius_marks()` marks (the kernel's Cephes logarithm differs
    from the rounded one by 1 ULP for 7% of the inputs, half of which change the radius). The angle is the
    kernel's: theta = float32(2 pi) * u2 reduced by j pi/4 (j even) with pi/4 in three parts, which is
    exact in float64 and rounded once as the kernel's chain rounds; its float32 polynomials are
    evaluated in float64, each fused step rounded to float32 by the sum above, each plain float32
    product (exact in float64) by a cast; the cosine and the sine are the two rows of one array. Then
    the octant's signs and swap, with integer masks. k1 and k2 are overwritten (scratch once read);
    oc None: the outputs are left in ws.pair32[:, :n]."""
    n = k1.size
    q, q32, zx = ws.pair[:, :n], ws.pair32[:, :n], ws.zx[:, :n]
    f0, f1, d, i1, i2 = q32[0], q32[1], q[0], k1, k2
    mul, add, sub, band, bxor, lsh, rsh = (np.multiply, np.add, np.subtract, np.bitwise_and,
                                           np.bitwise_xor, np.left_shift, np.right_shift)
    # radius: sqrt(-2 float32(log(1 - u1))) (1 - u1 exact in float64; times -2 exact), then one ULP up
    # or down where _radius_marks() marks k1: the kernel's Cephes logarithm is the float32 neighbour
    # across the rounding midpoint nearest the float64 logarithm there, one ULP away from zero (a
    # larger radius) where the float64's highest dropped bit, bit 28, is clear, toward zero where set
    d[...] = k1
    mul(d, _D_M24, d)
    add(d, _D_1, d)
    np.log(d, d)
    radius = ws.radius[:n]
    radius[...] = d
    mul(radius, _F_MINUS_2, radius)
    np.sqrt(radius, radius)
    g, w, b28 = ws.h[:n], ws.word[:n], zx[0].view(np.int64)
    rsh(k1, _I_5, w)
    np.take(_radius_marks(), w, out=g)   # bit 31 - (k1 & 31) of word k1 >> 5
    band(k1, _I_31, k1)
    lsh(g, k1, g)                         # k1's bit to the sign
    rsh(g, _I_31, g)                      # all ones where marked
    rsh(d.view(np.int64), _L_27, b28)
    np.bitwise_and(b28, _L_2, out=w, casting="unsafe")     # 2 where bit 28 is set
    sub(_I_1, w, w)                       # the step: 1 or -1
    band(w, g, w)
    add(radius.view(_I32), w, radius.view(_I32))
    # theta and h = j / 2 = int(w / 2 + 1/2), w = fl32(theta * 4/pi) (j = (int(w) + 1) & ~1)
    th = f0
    th[...] = k2
    mul(th, _F_TWO_PI_24, th)
    hf = mul(th, _F_FOPI_HALF, f1)
    add(hf, _F_HALF, hf)
    h = ws.h[:n]
    h[...] = hf                           # truncation, of a number >= 0
    z64, x64 = zx[0], zx[1]
    x64[...] = th                         # x = theta - h (pi/2): exact in float64
    d[...] = h
    mul(d, _D_TWO_DP, d)
    add(x64, d, x64)
    x = f0
    x[...] = x64                          # the kernel's float32 x
    odd = lsh(h, _I_31, i1)                # the sign bit where h is odd: the sine's argument is negated there
    bxor(x.view(_I32), odd, x.view(_I32))
    x64[...] = x
    z = mul(x, x, f1)
    z64[...] = z
    # rows (cosine, sine): q = (p0 z + p1) z + p2 (two fused steps), then fl32(q z), then
    # cosine fl32(1 + fl32((q z - 1/2) z)) and sine fl32((q z + 1) x)
    zrow = zx[:1]
    mul(z64, _D_COS_P0, q[0])
    mul(z64, _D_SIN_P0, q[1])
    add(q, _D_QK1, q)
    sub(q, _D_QM1, q)
    mul(q, zrow, q)
    add(q, _D_QK2, q)
    sub(q, _D_QM2, q)
    mul(q, zrow, q)
    q32[...] = q                          # q z, rounded (the float64 product is exact)
    q[...] = q32
    add(q, _D_QLAST, q)
    mul(q, zx, q)
    q32[...] = q
    cos_, sin_ = q32[0], q32[1]
    add(cos_, _F_1, cos_)
    # by h (4 as 0): cos theta = C, -S, -C, S and sin theta = S, C, -S, -C. The sine already carries
    # (-1)**h; the radius takes the sign of h in {2, 3}; odd h swaps the two
    neg = lsh(h, _I_30, i2)
    band(neg, _SIGN, neg)
    bxor(radius.view(_I32), neg, radius.view(_I32))
    rsh(odd, _I_31, odd)                   # all ones where h is odd
    cb, sb = cos_.view(_I32), sin_.view(_I32)
    diff = bxor(cb, sb, i2)
    band(diff, odd, diff)
    bxor(cb, diff, cb)
    bxor(sb, diff, sb)
    if oc is None:                        # the outputs stay in ws.pair32's rows: one call
        mul(radius, q32, q32)
    else:
        mul(radius, cos_, oc)
        mul(radius, sin_, os_)

# PyTorch seeds its default generator from /dev/urandom when it starts (a fresh torch.Generator()
# starts from _DEFAULT_SEED): an unseeded program draws other numbers every run, and initial_seed()
# says which seed it was
default_stream = Stream(int.from_bytes(os.urandom(8), "little"))


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


def rng(generator: Optional[Any] = None) -> Stream:
    """The Stream to draw from: `generator`'s (a torch.Generator) or the default stream."""
    if _modes.random_forbidden:
        raise RuntimeError("vmap: called random operation while in randomness error mode. Please either use the "
                           "'same' or 'different' randomness flags on vmap or perform the randomness operation "
                           "out of vmap")
    return default_stream if generator is None else generator._stream
