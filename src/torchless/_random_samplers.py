"""PyTorch's CPU Poisson and binomial samplers on a `Stream`, number for number (floor 0: arrays only).

torch.poisson and torch.binomial run a serial kernel: the elements in order (the output is a fresh
contiguous tensor, so C order), each drawing float64 uniforms (two 32-bit words each, 53 bits) until
it is accepted. The algorithms, as PyTorch 2.13 runs them (aten/src/ATen/native/Distributions.cpp
and Distributions.h):

- Poisson(lam), lam as a float64: lam == 0 gives 0 with no draw; lam < 10 multiplies uniforms
  until the product falls to exp(-lam) or below (the count of factors before it; k + 1 draws);
  lam >= 10 is Hoermann's transformed rejection (PTRS, two uniforms a try). A rate below 0 or NaN
  raises RuntimeError; an infinite rate gives int64's minimum (the C cast of an infinite floor).
- binomial(count, prob) in the tensors' float type: 0 where count <= 0 or prob <= 0, count where
  prob >= 1; otherwise with q = min(prob, 1 - prob) (1 - prob rounded to the float type), BTRS
  (Hoermann's transformed rejection with squeeze, two uniforms a try) where count * q >= 10, else
  the inversion by geometric waiting times (one uniform each, ceil(log u / log1p(-q)), counted
  until their sum passes count); for prob > 1/2 the result is count minus the draw for q. A NaN
  prob gives NaN with no draw.

The loops are Python over uniforms drawn ahead in chunks (`_Uniforms`); afterwards the stream is
left just after the last uniform used, so the next draw is PyTorch's next draw too. Where every
element has the same parameters (a distribution's sample((n,)) of one rate), the draws are made
over whole arrays instead: a try of PTRS or BTRS uses two uniforms and leaves nothing behind when
rejected, so with one set of parameters the elements are simply the accepted tries, in order; the
inversion's geometric waiting times do not depend on where an element starts, so their cumulative
sums give every start's end at once, and the elements follow one another from the first.

The per-element constants are computed for all elements at once in NumPy with the C kernel's types
(float32 products where the kernel multiplies float32 values). The C library's log, exp, log1p are
Python's math ones (the same library; a float32 log1p is the float64 one rounded). Python's
lgamma is its own, within a few ULP of the C library's: PTRS's test uses it unless its two sides
are within 64 ULP of its largest term, and then the C library's (through ctypes, where it loads);
that matters for rates beyond ~1e12, where the terms (~1e13 or more) cancel to a number of order 1. The array paths use NumPy's log, which may differ from the C library's in the
last bit; their close calls are decided again by the scalar code."""
from __future__ import annotations

import math
from operator import length_hint
from typing import Any, Callable, List, Optional

import numpy as np

from ._random import Stream

__all__ = ["poisson", "binomial"]

_INT64_MIN = -(1 << 63)
_NEG_INF = -math.inf
_log, _floor, _ceil, _sqrt, _exp = math.log, math.floor, math.ceil, math.sqrt, math.exp


def _c_lgamma() -> Callable[[float], float]:
    """The C library's lgamma (the one PyTorch's kernel calls, through ctypes), else Python's own."""
    try:
        import ctypes
        import ctypes.util
        name = ctypes.util.find_library("m")
        if name:
            f = ctypes.CDLL(name).lgamma
            f.restype, f.argtypes = ctypes.c_double, [ctypes.c_double]
            if abs(f(10.0) - math.lgamma(10.0)) < 1e-12:
                return f  # type: ignore[no-any-return]
    except (OSError, AttributeError):  # pragma: no cover - no C library to load
        pass
    return math.lgamma


_LGAMMA_C: list[Callable[[float], float]] = []   # found on first use: finding libm can run ldconfig


def _lgamma_c(x: float) -> float:
    if not _LGAMMA_C:
        _LGAMMA_C.append(_c_lgamma())
    return _LGAMMA_C[0](x)


def _ptrs_accepts(lhs: float, lam: float, k: int, loglam: float) -> bool:
    """PTRS's test `lhs <= -lam + k log(lam) - lgamma(k + 1)` with the C library's lgamma (PyTorch's):
    Python's (faster, within a few ULP of it) decides unless the two sides are within 64 ULP of the
    largest term. (For rates beyond ~1e12 the terms are ~1e13 or more and cancel to a number of
    order 1, so their last bits decide often.)"""
    kl = k * loglam
    lg = _lgamma_std(k + 1.0)
    rhs = -lam + kl - lg
    if abs(lhs - rhs) > 64 * math.ulp(max(abs(lg), abs(kl), lam)) + 16 * math.ulp(lhs):
        return lhs <= rhs
    return lhs <= -lam + kl - _lgamma_c(k + 1.0)


_lgamma_std = math.lgamma


class _Uniforms:
    """float64 uniforms of a Stream (PyTorch's uniform_real_distribution<double>), drawn ahead in
    chunks; `finish()` rewinds the stream to just after the last one taken."""

    __slots__ = ("stream", "start", "drawn", "it", "chunk", "buf", "base")

    def __init__(self, stream: Stream, hint: float) -> None:
        self.stream = stream
        self.start = (stream.bits.state, stream.fresh)
        self.drawn = 0
        self.chunk = max(64, int(min(hint, 1 << 20)))
        self.buf = self._draw(self.chunk)
        self.base = 0
        self.it = iter(self.buf)

    def more(self, u: List[float], i: int) -> List[float]:
        """For a loop that indexes the chunks itself: u[i:] (not used yet) followed by a new chunk,
        to be indexed from 0 (finish with finish_at)."""
        self.base += i
        self.buf = u[i:] + self._draw(self.chunk)
        return self.buf

    def finish_at(self, i: int) -> None:
        """Leave the stream just after uniform i of the current list (of a loop using `more`)."""
        used = self.base + i
        if used < self.drawn:
            self._rewind(used)

    def _rewind(self, used: int) -> None:
        self.stream.bits.state, self.stream.fresh = self.start
        while used:
            step = min(used, 1 << 22)
            self.stream.u32(2 * step)
            used -= step

    def _draw(self, n: int) -> List[float]:
        self.drawn += n
        return self.stream.unit(n, np.float64).tolist()  # type: ignore[no-any-return]

    def take(self) -> float:
        """The next uniform in [0, 1)."""
        try:
            return next(self.it)
        except StopIteration:
            self.it = iter(self._draw(self.chunk))
            return next(self.it)

    def finish(self) -> None:
        """Leave the stream just after the uniforms taken: the rest of the last chunk is given back."""
        left = length_hint(self.it)
        if left:
            self._rewind(self.drawn - left)


def _log0(x: float) -> float:
    """log, with log(0) = -inf as in C (Python's math.log raises there)."""
    return _log(x) if x > 0.0 else _NEG_INF


# ---------------------------------------------------------------------------------- Poisson
_VECTOR_MIN = 48   # elements of one set of parameters from which the array paths are used
_BATCH = 1 << 17   # elements per batch of the array paths


_LOG_FACTORIALS = np.array([math.lgamma(j + 1.0) for j in range(32)])
_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def _log_factorials(k: np.ndarray) -> np.ndarray:
    """lgamma(k + 1) for integers k >= 0 (float64), to within a few ULP of the largest of its terms: a
    table below 32, Stirling's series (to 1/x**9) above. For PTRS's acceptance test over arrays, whose
    close calls are decided again with the C library's lgamma."""
    x = np.maximum(k, 31.0) + 1.0
    with np.errstate(all="ignore"):
        inv = 1.0 / x
        inv2 = inv * inv
        series = inv * (1.0 / 12 - inv2 * (1.0 / 360 - inv2 * (1.0 / 1260 - inv2 * (1.0 / 1680 - inv2 / 1188))))
        big = (x - 0.5) * np.log(x) - x + _HALF_LOG_2PI + series
    return np.where(k < 32, _LOG_FACTORIALS[np.clip(np.nan_to_num(k), 0, 31).astype(np.int64)], big)


def _ptrs_tries(lam: float, u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """PTRS's tries (u, v the two uniforms of each) for the rate lam: (accepted, k) per try."""
    slam = _sqrt(lam)
    loglam = _log(lam)
    b = 0.931 + 2.53 * slam
    a = -0.059 + 0.02483 * b
    log_invalpha = _log(1.1239 + 1.1328 / (b - 3.4))
    vr = 0.9277 - 3.6224 / (b - 2)
    with np.errstate(all="ignore"):
        uu = u - 0.5
        us = 0.5 - np.abs(uu)
        t = np.where(us != 0.0, (2 * a / us + b) * uu + lam + 0.43, -np.inf)
        kf = np.floor(t)
        ok = (kf >= -9.223372036854775808e18) & (kf < 9.223372036854775808e18)
        k = np.where(ok, kf, 0.0).astype(np.int64)
        k[~ok] = _INT64_MIN
        acc = (us >= 0.07) & (v <= vr)
        test = np.flatnonzero(~acc & ~((k < 0) | ((us < 0.013) & (v > us))))
        if test.size:
            ut, kt = us[test], k[test].astype(np.float64)
            lhs = np.log(v[test]) + log_invalpha - np.log(a / (ut * ut) + b)
            kl = kt * loglam
            lg = _log_factorials(kt)
            rhs = -lam + kl - lg
            acc[test] = lhs <= rhs
            # close calls (NumPy's log and this lgamma may differ from PyTorch's in the last bits):
            # decided again as the scalar loop decides them
            big = np.maximum(np.maximum(np.abs(lg), np.abs(kl)), lam)
            close = np.flatnonzero(np.abs(lhs - rhs) <= 512 * np.spacing(big) + 16 * np.spacing(np.abs(lhs)) + 1e-300)
            for j in close.tolist():
                t_ = int(test[j])
                lhs_j = _log0(float(v[t_])) + log_invalpha - _log(a / (float(us[t_]) ** 2) + b)
                acc[t_] = _ptrs_accepts(lhs_j, lam, int(k[t_]), loglam)
    return acc, k


def _constant_tries(stream: Stream, n: int, tries: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]],
                    out: np.ndarray) -> None:
    """n elements of one set of parameters, each drawing tries of two uniforms until one is accepted:
    the accepted tries, in order, are the elements (a rejected try changes nothing, so an element
    left unfinished at the end of a batch goes on with the next batch's tries)."""
    i, rate = 0, 0.75
    while i < n:
        rem = min(n - i, _BATCH)   # (bounded memory for the tables)
        t = int(rem / rate * 1.08) + 32
        start = (stream.bits.state, stream.fresh)
        w = stream.unit(2 * t, np.float64)
        acc, k = tries(w[0::2], w[1::2])
        hits = np.flatnonzero(acc)
        got = min(hits.size, rem)
        out[i:i + got] = k[hits[:got]]
        i += got
        rate = max(0.05, hits.size / t)
        if got == rem:      # done: give back the tries after the last element's
            used = int(hits[got - 1]) + 1
            stream.bits.state, stream.fresh = start
            stream.u32(4 * used)


_log_array = np.frompyfunc(math.log, 1, 1)


def _poisson_loop(rates: np.ndarray, out: np.ndarray, src: _Uniforms) -> None:
    """The serial kernel over `rates` (each >= 0), in Python over the uniforms of `src`: the
    multiplication method below 10, PTRS from 10 (its constants computed for all elements first)."""
    big = np.flatnonzero(rates >= 10.0)
    rb = rates[big]
    with np.errstate(all="ignore"):   # PTRS's constants, for its elements only
        b_ = 0.931 + 2.53 * np.sqrt(rb)
        a_ = -0.059 + 0.02483 * b_
        vr_ = 0.9277 - 3.6224 / (b_ - 2)
        lia_ = np.asarray(_log_array(1.1239 + 1.1328 / (b_ - 3.4)), dtype=np.float64)   # the C library's log
        ll_ = np.asarray(_log_array(rb), dtype=np.float64)
    values = rates.tolist()
    slot = [0] * len(values)
    for j, e in enumerate(big.tolist()):
        slot[e] = j
    bl, al, vrl, lial, lll = b_.tolist(), a_.tolist(), vr_.tolist(), lia_.tolist(), ll_.tolist()
    res = [0] * len(values)
    u = src.buf
    n_u = len(u)
    i = 0
    inf = math.inf
    lg = math.lgamma
    for e, lam in enumerate(values):
        if lam >= 10.0:
            j = slot[e]
            b, a, vr, lia, loglam = bl[j], al[j], vrl[j], lial[j], lll[j]
            two_a = 2 * a
            while True:
                if i + 2 > n_u:
                    u = src.more(u, i)
                    i, n_u = 0, len(u)
                uu = u[i] - 0.5
                v = u[i + 1]
                i += 2
                us = 0.5 - abs(uu)
                t = (two_a / us + b) * uu + lam + 0.43 if us != 0.0 else -inf
                k = _floor(t) if -9.223372036854775808e18 <= t < 9.223372036854775808e18 else _INT64_MIN
                if us >= 0.07 and v <= vr:
                    break
                if k < 0 or (us < 0.013 and v > us):
                    continue
                lhs = (_log(v) if v > 0.0 else -inf) + lia - _log(a / (us * us) + b)
                kl = k * loglam
                lgk = lg(k + 1.0)
                rhs = -lam + kl - lgk
                d = lhs - rhs
                if d > 2e-14 * (abs(kl) + lam + abs(lgk)) + 1e-14 or -d > 2e-14 * (abs(kl) + lam + abs(lgk)) + 1e-14:
                    if d <= 0:
                        break
                elif _ptrs_accepts(lhs, lam, k, loglam):
                    break
            res[e] = k
        elif lam > 0.0:
            enlam = _exp(-lam)
            k = 0
            if i >= n_u:
                u = src.more(u, i)
                i, n_u = 0, len(u)
            prod = u[i]
            i += 1
            while prod > enlam:
                k += 1
                if i >= n_u:
                    u = src.more(u, i)
                    i, n_u = 0, len(u)
                prod *= u[i]
                i += 1
            res[e] = k
    src.finish_at(i)
    out[:len(res)] = res


_MAX_PERIOD = 8


def _period(columns: List[np.ndarray]) -> int:
    """The smallest P <= _MAX_PERIOD with every column periodic of period P (a batch of parameters
    repeated over a sample shape), or 0."""
    n = columns[0].size
    for per in range(1, min(_MAX_PERIOD, n // 4) + 1):
        if all(np.array_equal(col[per:], col[:-per], equal_nan=True) for col in columns):
            return per
    return 0


def _inversion_ends(u: np.ndarray, count: float, logprob: float) -> Optional[np.ndarray]:
    """For every start p in u, the index of the uniform that ends an inversion draw started there
    (the first whose waiting time takes the sum since p past count); len(u) or more where none
    does. None where the sums would no longer be exact in float64."""
    with np.errstate(all="ignore"):
        ratio = np.log(u) / logprob
        g = np.ceil(ratio)
        # where log u / logprob is within rounding of an integer, NumPy's log and the C library's
        # may disagree on its ceiling: those take the C library's (Python's math.log)
        near = np.flatnonzero(np.abs(ratio - np.round(ratio)) <= 1e-12 * np.maximum(1.0, np.abs(ratio)))
    for j in near.tolist():
        g[j] = _ceil_or_inf(_log0(float(u[j])) / logprob)
    np.minimum(g, count + 1.0, out=g)   # any time above count ends the draw, as count + 1 does
    total = np.cumsum(g)
    if not total[-1] + count < 2.0 ** 52:
        return None
    return np.searchsorted(total, total - g + count, side="right")  # type: ignore[no-any-return]


def _periodic(stream: Stream, n: int, specs: List[Any], out: np.ndarray) -> bool:
    """n elements whose parameters repeat with period P = len(specs); element i follows specs[i % P]:
    None (no draw; out keeps its value), ("tries", fn, uniforms per element) (tries of two uniforms
    until fn accepts one) or ("inv", count, logprob) (the inversion). Every start position is
    evaluated for every residue at once; then the elements follow one another from the first.
    Returns False (having drawn nothing) where the inversion's sums would not be exact."""
    per = len(specs)
    kinds = [None if sp is None else sp[0] for sp in specs]
    if all(k is None for k in kinds):
        return True
    even = "inv" not in kinds           # only tries: every element starts at an even position
    avg = sum(0.0 if sp is None else (sp[2] if sp[0] == "tries" else sp[1] * -sp[2] + 1.5) for sp in specs) / per
    i, scale = 0, 1.0
    idx_all = np.arange(n)
    while i < n:
        rem = min(n - i, _BATCH)   # (bounded memory for the tables)
        size = int(rem * max(avg, 0.05) * 1.1 * scale) + 128
        start = (stream.bits.state, stream.fresh)
        u = stream.unit(size, np.float64)
        nexts: List[Any] = []
        value_at: List[Any] = []
        for sp in specs:
            if sp is None:
                nexts.append(None)
                value_at.append(None)
            elif sp[0] == "tries":
                if even:
                    acc, k = sp[1](u[0:size - 1:2], u[1:size:2])
                    t = acc.size
                    nt = np.minimum.accumulate(np.where(acc, np.arange(t), t)[::-1])[::-1]
                    nx = np.full(size + 1, -1, np.int64)
                    nx[0:2 * t:2] = np.where(nt < t, 2 * nt + 2, -1)
                    value_at.append(("even", k, nt))
                else:
                    acc, k = sp[1](u[:-1], u[1:])
                    end_ = np.empty(size - 1, np.int64)
                    for par in (0, 1):
                        ids = np.arange(par, size - 1, 2)
                        end_[par::2] = np.minimum.accumulate(np.where(acc[par::2], ids, size)[::-1])[::-1]
                    nx = np.full(size + 1, -1, np.int64)
                    nx[:size - 1] = np.where(end_ < size - 1, end_ + 2, -1)
                    value_at.append(("any", k, end_))
                nexts.append(nx.tolist())
            else:
                e = _inversion_ends(u, sp[1], sp[2])
                if e is None:
                    stream.bits.state, stream.fresh = start
                    if i:
                        raise AssertionError("the inversion's sums overflowed after the first batch")
                    return False
                nx = np.full(size + 1, -1, np.int64)
                nx[:size] = np.where(e < size, e + 1, -1)
                nexts.append(nx.tolist())
                value_at.append(("inv", e))
        pos, r, got = 0, i % per, 0
        starts: List[int] = []
        while got < rem:
            nl = nexts[r]
            if nl is None:
                starts.append(-1)
            else:
                nxt = nl[pos]
                if nxt < 0:
                    break
                starts.append(pos)
                pos = nxt
            got += 1
            r = r + 1 if r + 1 < per else 0
        if got:
            st_ = np.array(starts, dtype=np.int64)
            res_of = idx_all[i:i + got] % per
            for res in range(per):
                va = value_at[res]
                if va is None:
                    continue
                sel = np.flatnonzero(res_of == res)
                ps = st_[sel]
                if va[0] == "even":
                    out[i + sel] = va[1][va[2][ps // 2]]
                elif va[0] == "any":
                    out[i + sel] = va[1][va[2][ps]]
                else:
                    out[i + sel] = va[1][ps] - ps
        i += got
        if got < rem:
            scale = scale * 4 if got == 0 else 1.0
        stream.bits.state, stream.fresh = start
        step = pos
        while step:
            w = min(step, 1 << 22)
            stream.u32(2 * w)
            step -= w
    return True


def poisson(stream: Stream, lam: np.ndarray) -> np.ndarray:
    """torch.poisson's draws for the rates `lam` (any float array; used as float64): int64 counts,
    one per element in C order. Raises RuntimeError for a negative or NaN rate (before any draw of
    that element; earlier elements have drawn, as in PyTorch)."""
    rates = np.ascontiguousarray(lam, dtype=np.float64).reshape(-1)
    out = np.zeros(rates.size, np.int64)
    if not rates.size:
        return out.reshape(np.shape(lam))
    bad = ~(rates >= 0)
    stop = int(np.argmax(bad)) if bad.any() else rates.size
    r0 = rates[0]
    if stop == rates.size and rates.size >= _VECTOR_MIN and r0 >= 10.0 and np.all(rates == r0):
        _constant_tries(stream, rates.size, lambda u, v: _ptrs_tries(float(r0), u, v), out)
        return out.reshape(np.shape(lam))
    if stop == rates.size and rates.size >= _VECTOR_MIN:
        per = _period([rates])
        head = rates[:per].tolist()
        if per and all(x == 0.0 or x >= 10.0 for x in head):   # PTRS (or no draw) for every residue
            specs = [None if x == 0.0 else ("tries", lambda u, v, x=x: _ptrs_tries(x, u, v), 2.4) for x in head]
            _periodic(stream, rates.size, specs, out)
            return out.reshape(np.shape(lam))
    small = np.minimum(rates[:stop], 10.0)
    hint = float(np.sum(np.where(rates[:stop] < 10, small + 1.0, 2.6))) * 1.05 + 32
    src = _Uniforms(stream, hint)
    _poisson_loop(rates[:stop], out, src)
    if stop < rates.size:
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    return out.reshape(np.shape(lam))


# ---------------------------------------------------------------------------------- binomial
_TAIL = (0.0810614667953272, 0.0413406959554092, 0.0276779256849983, 0.02079067210376509,
         0.0166446911898211, 0.0138761288230707, 0.0118967099458917, 0.0104112652619720,
         0.00925546218271273, 0.00833056343336287)


def _stirling_tail(k: float) -> float:
    """log(k!) minus its Stirling approximation: a table below 10, else the series to 1/(k+1)**5."""
    if k < 10:
        return _TAIL[int(k)]
    kp1sq = (k + 1) * (k + 1)
    return (1.0 / 12 - (1.0 / 360 - 1.0 / 1260 / kp1sq) / kp1sq) / (k + 1)


def _f32(x: float) -> float:
    """x rounded to float32 (as a Python float)."""
    return float(np.float32(x))


def _btrs_upper(count: float, consts: list, k: float, rnd: Callable[[float], float]) -> float:
    """BTRS's bound for log(v alpha / (a / us**2 + b)) at the draw k (PyTorch's form: Hoermann's
    without one log), with the kernel's float type where it computes in it (`rnd`)."""
    m, r = consts[7], consts[5]
    cmk1 = rnd(rnd(count - k) + 1)          # count - k + 1 in the tensor's type
    return ((m + 0.5) * _log((m + 1) / (r * (count - m + 1)))
            + rnd(count + 1) * _log((count - m + 1) / cmk1)
            + (k + 0.5) * _log(r * cmk1 / rnd(k + 1))
            + _stirling_tail(m) + _stirling_tail(count - m)
            - _stirling_tail(k) - _stirling_tail(rnd(count - k)))


_TAIL_ARRAY = np.array(_TAIL)


def _stirling_tails(k: np.ndarray) -> np.ndarray:
    """_stirling_tail over an array (k >= 0)."""
    with np.errstate(all="ignore"):
        kp1sq = (k + 1) * (k + 1)
        series = (1.0 / 12 - (1.0 / 360 - 1.0 / 1260 / kp1sq) / kp1sq) / (k + 1)
    return np.where(k < 10, _TAIL_ARRAY[np.clip(np.nan_to_num(k), 0, 9).astype(np.int64)], series)


def _btrs_tries(count: float, consts: list, st: Any, u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """BTRS's tries (u, v the two uniforms of each) for one set of parameters: (accepted, k) per try,
    k a float64 holding a value of the tensor's type."""
    stddev, b, a, c, v_r, r, alpha, m = consts
    f32 = st is np.float32
    with np.errstate(all="ignore"):
        uu = u - 0.5
        us = 0.5 - np.abs(uu)
        t = np.where(us != 0.0, (2 * a / us + b) * uu + c, np.where(uu < 0, -np.inf, np.inf))
        k = np.floor(t)
        if f32:
            k = k.astype(np.float32).astype(np.float64)
        inside = ~((k < 0) | (k > count))
        acc = inside & (us >= 0.07) & (v <= v_r)
        test = np.flatnonzero(inside & ~acc)
        if test.size:
            kt, ut = k[test], us[test]
            lv = np.log(v[test] * alpha / (a / (ut * ut) + b))
            if f32:
                c32, k32 = np.float32(count), kt.astype(np.float32)
                cmk0 = (c32 - k32).astype(np.float64)
                cmk1 = ((c32 - k32) + np.float32(1)).astype(np.float64)
                kp1 = (k32 + np.float32(1)).astype(np.float64)
                cp1 = float(c32 + np.float32(1))
            else:
                cmk0, cmk1, kp1, cp1 = count - kt, (count - kt) + 1, kt + 1, count + 1
            t1 = (m + 0.5) * math.log((m + 1) / (r * (count - m + 1)))
            t2 = cp1 * np.log((count - m + 1) / cmk1)
            t3 = (kt + 0.5) * np.log(r * cmk1 / kp1)
            upper = (t1 + t2 + t3 + _stirling_tail(m) + _stirling_tail(count - m)
                     - _stirling_tails(kt) - _stirling_tails(cmk0))
            acc[test] = lv <= upper
            # close calls (NumPy's log may differ from the C library's in the last bit): as the scalar loop
            scale = abs(t1) + np.abs(t2) + np.abs(t3) + np.abs(lv) + 1.0
            rnd: Callable[[float], float] = _f32 if f32 else (lambda x: x)
            for j in np.flatnonzero(np.abs(lv - upper) <= 64 * np.spacing(scale)).tolist():
                i = int(test[j])
                lvj = _log0(float(v[i]) * alpha / (a / (float(us[i]) ** 2) + b))
                acc[i] = lvj <= _btrs_upper(count, consts, float(k[i]), rnd)
    return acc, k


def _inversion(count: float, logprob: float, take: Callable[[], float]) -> float:
    """count * prob < 10: count geometric waiting times (one uniform each) until their sum passes
    count; the number of them that fit."""
    total = 0.0
    k = 0
    while True:
        total += _ceil_or_inf(_log0(take()) / logprob)
        if total > count:
            return float(k)
        k += 1


def _constant_inversion(stream: Stream, n: int, count: float, logprob: float, mean: float, out: np.ndarray) -> None:
    """n inversion draws with one (count, prob): every uniform's waiting time ceil(log u / logprob)
    (capped at count + 1, which ends an element as any time above count does) does not depend on
    where its element started, so the cumulative sums give each start's last uniform at once (the
    first whose sum since the start passes count); the elements follow one another from the first."""
    i = 0
    per = mean + 1.0
    while i < n:
        rem = min(n - i, _BATCH)   # (bounded memory for the tables)
        size = int(rem * per * 1.1) + 64
        start = (stream.bits.state, stream.fresh)
        u = stream.unit(size, np.float64)
        found = _inversion_ends(u, count, logprob)
        if found is None:  # sums no longer exact: the scalar loop for the rest
            stream.bits.state, stream.fresh = start
            src = _Uniforms(stream, rem * per)
            try:
                for j in range(i, n):
                    out[j] = _inversion(count, logprob, src.take)
            finally:
                src.finish()
            return
        ends = found.tolist()
        pos, got = 0, 0
        vals = []
        while got < rem and pos < size:
            e = ends[pos]
            if e >= size:
                break
            vals.append(e - pos)
            pos = e + 1
            got += 1
        out[i:i + got] = vals
        i += got
        if got == 0:
            per *= 4.0
        stream.bits.state, stream.fresh = start
        step = pos
        while step:
            w = min(step, 1 << 22)
            stream.u32(2 * w)
            step -= w


def _ceil_or_inf(x: float) -> float:
    """C's ceil on a float64 that may be infinite."""
    return float(_ceil(x)) if x != math.inf else x


_log1p_array = np.frompyfunc(math.log1p, 1, 1)


def _binomial_loop(kind_a: np.ndarray, count_a: np.ndarray, logprob_a: np.ndarray, consts: List[np.ndarray],
                   rnd: Callable[[float], float], exact: bool, src: _Uniforms) -> List[float]:
    """The serial kernel's draws in Python over the uniforms of `src`: BTRS (kind 2) or the inversion
    (kind 1, with logprob = log1p(-q)) per element, q = min(prob, 1 - prob). `exact`: no value needs
    rounding to float32.
    BTRS's per-element constants come as arrays (`consts`: stddev, b, a, c, v_r, r, alpha, m)."""
    tail = _TAIL
    kinds, counts, logprobs = kind_a.tolist(), count_a.tolist(), logprob_a.tolist()
    bl, al, cl, vrl, rl, alphal, ml = (x.tolist() for x in consts[1:])
    if exact:   # the bound's terms that do not depend on k, in the kernel's order of operations
        with np.errstate(all="ignore"):
            cm1_a = count_a - consts[7] + 1
            t1_a = (consts[7] + 0.5) * np.asarray(_log_array(np.where(kind_a == 2, (consts[7] + 1) / (consts[5] * cm1_a), 1.0)),
                                                  dtype=np.float64)
        cm1l, t1l = cm1_a.tolist(), t1_a.tolist()
        sml = _stirling_tails(consts[7]).tolist()
        scml = _stirling_tails(count_a - consts[7]).tolist()
    u = src.buf
    n_u = len(u)
    i = 0
    inf = math.inf
    res: List[float] = [0.0] * len(kinds)
    for e, kind in enumerate(kinds):
        count = counts[e]
        if kind == 2:
            b, a, c, v_r, r, alpha = bl[e], al[e], cl[e], vrl[e], rl[e], alphal[e]
            two_a = 2 * a
            if exact:
                cm1, t1, sm, scm = cm1l[e], t1l[e], sml[e], scml[e]
                cp1 = count + 1
            while True:
                if i + 2 > n_u:
                    u = src.more(u, i)
                    i, n_u = 0, len(u)
                uu = u[i] - 0.5
                v = u[i + 1]
                i += 2
                us = 0.5 - abs(uu)
                if us != 0.0:
                    t = (two_a / us + b) * uu + c
                else:
                    t = -inf if uu < 0 else inf
                if t == t and t != inf and t != -inf:
                    k = float(_floor(t)) if exact else rnd(float(_floor(t)))
                else:
                    k = t
                if k < 0 or k > count:
                    continue
                if us >= 0.07 and v <= v_r:
                    break
                w = v * alpha / (a / (us * us) + b)
                lv = _log(w) if w > 0.0 else -inf
                if exact:   # _btrs_upper written out (no rounding to float32 needed)
                    cmk1 = count - k + 1
                    kp1 = k + 1
                    kp1sq = kp1 * kp1
                    tk = tail[int(k)] if k < 10 else (1.0 / 12 - (1.0 / 360 - 1.0 / 1260 / kp1sq) / kp1sq) / kp1
                    ck = count - k
                    if ck < 10:
                        tck = tail[int(ck)]
                    else:
                        ck1sq = (ck + 1) * (ck + 1)
                        tck = (1.0 / 12 - (1.0 / 360 - 1.0 / 1260 / ck1sq) / ck1sq) / (ck + 1)
                    if lv <= (t1 + cp1 * _log(cm1 / cmk1) + (k + 0.5) * _log(r * cmk1 / kp1)
                              + sm + scm - tk - tck):
                        break
                elif lv <= _btrs_upper(count, [0.0, b, a, c, v_r, r, alpha, ml[e]], k, rnd):
                    break
            res[e] = k
        else:
            logprob = logprobs[e]
            total = 0.0
            k = 0
            while True:
                if i >= n_u:
                    u = src.more(u, i)
                    i, n_u = 0, len(u)
                x = u[i]
                i += 1
                if x > 0.0:
                    g = _log(x) / logprob
                    total += _ceil(g) if g != inf else g
                else:
                    total = inf
                if total > count:
                    break
                k += 1
            res[e] = float(k)
    src.finish_at(i)
    return res


def binomial(stream: Stream, count: np.ndarray, prob: np.ndarray) -> np.ndarray:
    """torch.binomial's draws for float arrays `count` and `prob` of one shape and float type
    (float32 or float64): the draws, in that type, one per element in C order."""
    st = count.dtype.type
    cnt = np.ascontiguousarray(count).reshape(-1)
    p = np.ascontiguousarray(prob, dtype=st).reshape(-1)
    n = cnt.size
    out = np.zeros(n, st)
    if not n:
        return out.reshape(count.shape)
    f64 = np.float64
    with np.errstate(all="ignore"):
        zero = (cnt <= 0) | (p <= 0)
        full = ~zero & (p >= 1)
        low = ~zero & ~full & (p <= 0.5)
        high = ~zero & ~full & (p > 0.5)
        q = np.where(high, (1.0 - p.astype(f64)).astype(st), p)      # qprob, in the tensor's type
        btrs = (low | high) & (cnt * q >= 10.0)
        inv = (low | high) & ~btrs
        # BTRS's constants, in the kernel's types (float32 products and sqrt for float32 tensors)
        stddev = np.sqrt(cnt * q * (st(1) - q)).astype(f64)
        b = 1.15 + 2.53 * stddev
        a = -0.0873 + 0.0248 * b + 0.01 * q.astype(f64)
        c = (cnt * q).astype(f64) + 0.5
        v_r = 0.92 - 4.2 / b
        r = (q / (st(1) - q)).astype(f64)
        alpha = (2.83 + 5.1 / b) * stddev
        m = np.floor((cnt + st(1)) * q).astype(f64)
        out[zero] = 0
        out[full] = cnt[full]
        out[~(zero | full | low | high)] = np.nan
    kind = np.where(btrs, 2, np.where(inv, 1, 0))
    work = np.flatnonzero(kind)
    if not work.size:
        return out.reshape(count.shape)
    if n >= _VECTOR_MIN and kind[0] and np.all(cnt == cnt[0]) and np.all(p == p[0]):
        # one set of parameters: over whole arrays
        count0, consts0 = float(cnt[0]), [float(x[0]) for x in (stddev, b, a, c, v_r, r, alpha, m)]
        draws = np.empty(n, f64)
        if kind[0] == 2:
            _constant_tries(stream, n, lambda uu, vv: _btrs_tries(count0, consts0, st, uu, vv), draws)
        else:
            q0 = float(q[0])
            logprob = math.log1p(-q0) if st is np.float64 else _f32(math.log1p(-q0))
            _constant_inversion(stream, n, count0, logprob, count0 * q0, draws)
        k = draws.astype(st)
        return (cnt - k if high[0] else k).reshape(count.shape)
    if n >= _VECTOR_MIN:
        per = _period([cnt, p])
        # (a residue of the inversion makes tables over every start a poor trade: the loop is as fast)
        if per and (per == 1 or 1 not in kind[:per].tolist()):
            specs: List[Any] = []
            for rr in range(per):
                q0 = float(q[rr])
                if kind[rr] == 0:
                    specs.append(None)
                elif kind[rr] == 2:
                    specs.append(("tries", lambda uu, vv, rr=rr: _btrs_tries(
                        float(cnt[rr]), [float(x[rr]) for x in (stddev, b, a, c, v_r, r, alpha, m)], st, uu, vv),
                        2.6))
                else:
                    specs.append(("inv", float(cnt[rr]),
                                  math.log1p(-q0) if st is np.float64 else _f32(math.log1p(-q0))))
            draws = np.zeros(n, f64)
            if _periodic(stream, n, specs, draws):
                k = draws.astype(st)
                out[work] = np.where(high[work], cnt[work] - k[work], k[work])
                return out.reshape(count.shape)
    exact = st is np.float64 or float(np.max(np.abs(cnt[work]))) < float(1 << 23)
    rnd: Callable[[float], float] = (lambda x: x) if exact else _f32
    hint = float(np.sum(np.where(btrs, 3.0, np.minimum(cnt * q, 10.0) + 1.0)[work])) * 1.05 + 32
    src = _Uniforms(stream, hint)
    consts = [x[work] for x in (stddev, b, a, c, v_r, r, alpha, m)]
    # log1p(-q) for the inversion, by the C library (Python's math.log1p); of a float, a float
    logprobs = np.asarray(_log1p_array(np.where(inv[work], -q[work].astype(f64), 0.0)), dtype=f64)
    if st is np.float32:
        logprobs = logprobs.astype(np.float32).astype(f64)
    res = _binomial_loop(kind[work], cnt[work].astype(f64), logprobs, consts, rnd, exact, src)
    k = np.array(res, dtype=f64).astype(st)
    out[work] = np.where(high[work], cnt[work] - k, k)   # count - draw, in the tensor's type
    return out.reshape(count.shape)
