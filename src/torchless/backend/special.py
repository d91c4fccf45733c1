"""Special functions NumPy lacks (erf, lgamma, digamma, Bessel I0/I1, Hurwitz zeta ...), vectorized.

Everything is computed in float64 and accurate to a few units in the last place there; float32 and
float16 arrays are computed in float64 and rounded once (as PyTorch's kernels agree with the
correctly rounded value nearly always). Where Python's `math` module has the function (erf, erfc,
lgamma) it is applied element by element through `np.frompyfunc`: C-library accuracy, at ~0.1 µs an
element. The others are written here from their textbook series and expansions (each one's method is
in its docstring). Floor 0: NumPy and `math` only, no Tensor.
"""
import math as _math
from fractions import Fraction as _Fraction

import numpy as np

__all__ = ["erf", "erfc", "erfinv", "erfcx", "lgamma", "digamma", "polygamma", "zeta", "i0", "i0e", "i1",
           "i1e", "ndtr", "ndtri", "log_ndtr", "entr", "in_float64", "chebyshev_t", "chebyshev_u", "chebyshev_v",
           "chebyshev_w", "shifted_chebyshev_t", "shifted_chebyshev_u", "shifted_chebyshev_v", "shifted_chebyshev_w",
           "hermite_h", "hermite_he", "laguerre_l", "legendre_p", "spherical_j0", "igamma", "igammac", "k0", "k1",
           "k0e", "k1e", "j0", "j1", "y0", "y1", "airy_ai"]

_F64 = np.dtype(np.float64)
_PI = _math.pi
_SQRT_PI = _math.sqrt(_math.pi)
_SQRT2 = _math.sqrt(2.0)
_SQRT_HALF = _math.sqrt(0.5)


def in_float64(function):
    """`function` (computing on float64 arrays) for any floating array: float32 and float16 arrays
    go through float64 and come back rounded once; the result keeps x's dtype and 0-d shape."""
    def wrapped(x, *args):
        x = np.asarray(x)
        dt = x.dtype
        out = function(x.astype(_F64), *args)
        out = np.asarray(out)
        return out if dt == _F64 else out.astype(dt)
    wrapped.__name__ = function.__name__
    wrapped.__doc__ = function.__doc__
    return wrapped


def _map(function):
    """Apply a `math` function of one float to each element of a float64 array."""
    ufunc = np.frompyfunc(function, 1, 1)

    def mapped(x):
        if x.ndim == 0:
            return np.float64(function(float(x)))
        return ufunc(x).astype(_F64)
    return mapped


_erf = _map(_math.erf)
_erfc = _map(_math.erfc)
_lgamma_pos = _map(_math.lgamma)


@in_float64
def erf(x):
    """The error function 2/√π ∫₀ˣ e^(−t²) dt (math.erf on each element)."""
    return _erf(x)


@in_float64
def erfc(x):
    """1 − erf(x), without cancellation for large x (math.erfc on each element)."""
    return _erfc(x)


@in_float64
def lgamma(x):
    """ln |Γ(x)| (math.lgamma on each element); +inf at 0, the negative integers and ±inf."""
    pole = (x <= 0) & (x == np.floor(x))
    out = _lgamma_pos(np.where(pole, 1.0, x))
    return np.where(pole, np.inf, out)


# ----------------------------------------------------------------------------- inverse error functions
def _erfcinv64(c):
    """x > 0 with erfc(x) = c, for c in (0, 1] (float64): a start within ~2e-3 (Winitzki's closed-form
    approximation of erf), then Newton's steps on erfc(x) − c, whose relative accuracy holds in the
    tail (c down to the smallest subnormal)."""
    y = 1.0 - c  # erf(x); only used for the start
    ln = np.log(c * (2.0 - c))  # ln(1 − y²), without forming 1 − y²
    a = 0.147
    first = 2.0 / (_PI * a) + 0.5 * ln
    x = np.sqrt(np.maximum(np.sqrt(first * first - ln / a) - first, 0.0))
    del y
    for _ in range(5):
        f = _erfc(x) - c
        slope = -2.0 / _SQRT_PI * np.exp(-x * x)
        step = np.where(slope != 0, f / np.where(slope != 0, slope, 1.0), 0.0)
        # Halley's correction (erfc'' = −2x erfc'): cubic convergence
        step = step / (1.0 + x * step)
        x = x - step
    return x


@in_float64
def erfinv(y):
    """erf⁻¹(y) for y in [−1, 1] (±inf at ±1, NaN outside): small |y| by Newton's steps on
    erf(x) − y, |y| ≥ 0.5 by those on erfc(x) − (1 − |y|) (exact: Sterbenz), which keep the tail's
    precision."""
    ay = np.abs(y)
    out = np.full(y.shape, np.nan)
    inside = ay < 1
    small = inside & (ay < 0.5)
    if small.any():
        v = y[small]
        x = v * (_SQRT_PI / 2) * (1 + v * v * (_PI / 12))  # the series' first two terms
        for _ in range(4):
            f = _erf(x) - v
            slope = 2.0 / _SQRT_PI * np.exp(-x * x)
            step = f / slope
            x = x - step / (1.0 + x * step)
        out[small] = x
    big = inside & ~small
    if big.any():
        out[big] = np.copysign(_erfcinv64(1.0 - ay[big]), y[big])
    edge = ay == 1
    out[edge] = np.copysign(np.inf, y[edge])
    return out


@in_float64
def ndtri(p):
    """The standard normal quantile Φ⁻¹(p) = −√2 erfc⁻¹(2p) (p < 1/2), √2 erfc⁻¹(2(1 − p))
    (p ≥ 1/2);
    −inf at 0, +inf at 1, NaN outside [0, 1]."""
    out = np.full(p.shape, np.nan)
    low = (p > 0) & (p < 0.5)
    high = (p >= 0.5) & (p < 1)
    if low.any():
        out[low] = -_SQRT2 * _erfcinv64(2.0 * p[low])
    if high.any():
        c = 2.0 * (1.0 - p[high])
        out[high] = np.where(c == 1.0, 0.0, _SQRT2 * _erfcinv64(c))
    out[p == 0] = -np.inf
    out[p == 1] = np.inf
    return out


# ----------------------------------------------------------------------------- scaled erfc, normal cdf
def _exp_square(x):
    """e^(x²) with x² split exactly into x_hi² (exact) + the rest, so the rounding of x² (x² · 2⁻⁵³,
    up to 1e-13 relative near the overflow) does not reach the exponent."""
    hi = (x * 134217729.0) - ((x * 134217729.0) - x)  # x rounded to 26 bits (Dekker's split)
    lo = x - hi
    return np.exp(hi * hi) * np.exp(lo * (hi + x))


def _erfcx64(x):
    out = np.empty(x.shape)
    ax = np.abs(x)
    mid = ax < 26.0
    if mid.any():
        v = ax[mid]
        out[mid] = _erfc(v) * _exp_square(v)
    far = ~mid
    if far.any():  # the asymptotic series 1/(x√π) Σ (−1)ᵏ (2k−1)!! / (2x²)ᵏ
        v = ax[far]
        inv = 1.0 / (2.0 * v * v)
        total = np.ones_like(v)
        term = np.ones_like(v)
        for k in range(1, 12):
            term = term * -(2 * k - 1) * inv
            total = total + term
        out[far] = np.where(np.isinf(v), 0.0, total / (v * _SQRT_PI))
    neg = (x < 0) & np.isfinite(x)
    if neg.any():  # erfcx(−x) = 2 e^(x²) − erfcx(x)
        v = ax[neg]
        with np.errstate(over="ignore"):
            out[neg] = 2.0 * _exp_square(v) - out[neg]
    out[np.isnan(x)] = np.nan
    out[x == -np.inf] = np.inf
    return out


erfcx = in_float64(_erfcx64)
erfcx.__name__ = "erfcx"
erfcx.__doc__ = """The scaled complementary error function e^(x²) erfc(x): erfc times e^(x²) (split exactly)
for |x| < 26, its asymptotic series beyond; for x < 0 through erfcx(x) = 2e^(x²) − erfcx(−x)."""


def ndtr(x):
    """The standard normal cdf Φ(x) = (1 + erf(x/√2)) / 2, PyTorch's formula, in x's precision
    (erf itself correctly rounded): its lower tail keeps absolute, not relative, precision (0 below
    x ≈ −8.3 in float64, x ≈ −5.5 in float32), as PyTorch's does."""
    x = np.asarray(x)
    dt = x.dtype
    z = x * np.asarray(_SQRT_HALF, dt)
    e = np.asarray(_erf(z.astype(_F64))).astype(dt)
    return (e + np.asarray(1, dt)) * np.asarray(0.5, dt)


@in_float64
def log_ndtr(x):
    """ln Φ(x): ln(erfcx(−x/√2) / 2) − x²/2 for x < −1 (where Φ underflows), log1p(−erfc(x/√2)/2)
    elsewhere."""
    out = np.empty(x.shape)
    low = x < -1
    if low.any():
        v = x[low]
        out[low] = np.log(_erfcx64(-v * _SQRT_HALF) / 2) - 0.5 * v * v
    rest = ~low
    if rest.any():
        out[rest] = np.log1p(-0.5 * _erfc(x[rest] * _SQRT_HALF))
    return out


@in_float64
def entr(x):
    """−x ln x, 0 at 0, −inf for x < 0 (NaN stays NaN)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = -x * np.log(np.where(x > 0, x, 1.0))
    out = np.where(x == 0, 0.0, out)
    return np.where(x < 0, -np.inf, out)


# ----------------------------------------------------------------------------- digamma, polygamma, zeta
def _bernoulli_terms(count):
    """B₂ⱼ / (2j)! for j = 1..count (exact fractions, then floats), by the Akiyama–Tanigawa algorithm."""
    n_max = 2 * count
    row = [_Fraction(0)] * (n_max + 1)
    numbers = []
    for m in range(n_max + 1):
        row[m] = _Fraction(1, m + 1)
        for j in range(m, 0, -1):
            row[j - 1] = j * (row[j - 1] - row[j])
        numbers.append(row[0])  # B_m (with B₁ = +1/2, unused)
    return [float(numbers[2 * j] / _math.factorial(2 * j)) for j in range(1, count + 1)], \
        [float(numbers[2 * j] / (2 * j)) for j in range(1, count + 1)]


_B_OVER_FACT, _B_OVER_2J = _bernoulli_terms(14)
_DIGAMMA_FROM = 12.0  # the recurrence moves x up to here, then the asymptotic series takes over


_SHIFTS = np.arange(12.0)  # the recurrence's steps, all at once


def _digamma_positive(x):
    """ψ(x) for x > 0: below 12, ψ(x) = ψ(x + 12) − Σₖ₌₀¹¹ 1/(x + k) (one vectorized sum), then
    ψ(y) ~ ln y − 1/(2y) − Σⱼ B₂ⱼ / (2j y²ʲ) for y ≥ 12."""
    low = x < _DIGAMMA_FROM
    y = np.where(low, x + 12.0, x)
    acc = np.zeros_like(x)
    if low.any():
        acc[low] = -(1.0 / (x[low][..., None] + _SHIFTS)).sum(axis=-1)
    inv2 = 1.0 / (y * y)
    series = np.zeros_like(y)
    for b in reversed(_B_OVER_2J[:9]):
        series = (series + b) * inv2
    return acc + np.log(y) - 0.5 / y - series


@in_float64
def digamma(x):
    """ψ(x) = Γ'(x)/Γ(x): the recurrence and asymptotic series for x > 0; for x < 0 the reflection
    ψ(x) = ψ(1 − x) − π / tan(πx) (πx reduced exactly first); −inf at +0, +inf at −0, NaN at the
    negative integers and −inf."""
    out = np.empty(x.shape)
    pos = x > 0
    if pos.any():
        out[pos] = _digamma_positive(x[pos])
    neg = x < 0
    if neg.any():
        v = x[neg]
        r = v - np.round(v)  # exact, in [-1/2, 1/2]; tan(πx) has period 1 in x
        with np.errstate(divide="ignore", invalid="ignore"):
            out[neg] = np.where(r == 0, np.nan,
                                _digamma_positive(1.0 - v) - _PI / np.tan(_PI * np.where(r == 0, 0.5, r)))
    zero = x == 0
    out[zero] = np.copysign(np.inf, -x[zero])
    out[np.isnan(x)] = np.nan
    out[x == np.inf] = np.inf
    out[x == -np.inf] = np.nan
    return out


_ZETA_FROM = 16.0  # direct terms until q + n ≥ this, then Euler–Maclaurin


def _zeta64(s, q):
    """The Hurwitz zeta function ζ(s, q) = Σₖ (q + k)⁻ˢ on float64 arrays (broadcast): the first terms
    summed until a = q + n ≥ max(16, s), then Euler–Maclaurin's formula
    a¹⁻ˢ/(s − 1) + a⁻ˢ/2 + Σⱼ B₂ⱼ/(2j)! s(s+1)…(s+2j−2) a^(1−s−2j).
    inf at s = 1 and at q a non-positive integer, NaN for s < 1 and for q < 0 with s not an integer."""
    s, q = np.broadcast_arrays(np.asarray(s, _F64), np.asarray(q, _F64))
    s = s.copy()
    q = q.copy()
    out = np.full(s.shape, np.nan)
    ok = (s > 1) & ~np.isnan(q)
    pole = (s == 1) | ((s > 1) & (q <= 0) & (q == np.floor(q)))
    ok &= ~pole & ~((q < 0) & (s != np.floor(s)))
    if ok.any():
        ss, a = s[ok], q[ok]
        start = np.maximum(_ZETA_FROM, ss)
        total = np.zeros_like(a)
        steps = np.where(a < start, np.ceil(start - a), 0.0)  # direct terms (q + k)⁻ˢ before the tail
        most = int(steps.max())
        if 0 < most <= 64:  # all at once
            k = np.arange(float(most))
            base = a[..., None] + k
            used = k < steps[..., None]
            with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
                total = np.where(used, np.power(np.where(used, base, 1.0), -ss[..., None]), 0.0).sum(axis=-1)
            a = a + steps
        while True:  # (q far below 0: term by term)
            low = a < start
            if not low.any():
                break
            total = total + np.where(low, np.power(np.where(low, a, 1.0), -ss), 0.0)
            a = np.where(low, a + 1.0, a)
        with np.errstate(over="ignore", under="ignore", invalid="ignore"):
            power = np.power(a, -ss)
            total = total + a * power / (ss - 1.0) + 0.5 * power
            factor = ss * power / a  # s a^(−s−1)
            inv2 = 1.0 / (a * a)
            for j, b in enumerate(_B_OVER_FACT[:12]):
                total = total + b * factor
                factor = factor * (ss + 2 * j + 1) * (ss + 2 * j + 2) * inv2
        out[ok] = np.where(np.isinf(a), np.nan, total)  # (PyTorch's value at q = inf)
    out[pole & ~np.isnan(s)] = np.inf
    return out


def zeta(s, q):
    """The Hurwitz zeta function ζ(s, q) (see _zeta64), in the dtype of the broadcast operands
    (float32 through float64, rounded once)."""
    s, q = np.asarray(s), np.asarray(q)
    dt = np.result_type(s, q)
    out = _zeta64(s, q)
    return out if dt == _F64 else out.astype(dt)


def _polygamma64(n, x):
    if n == 0:
        return digamma(x)
    out = (-1.0) ** (n + 1) * _math.factorial(n) * _zeta64(float(n + 1), x)
    if n == 1:  # PyTorch's trigamma: 0 at inf, NaN at -inf (its zeta: NaN at inf, a pole at -inf)
        out = np.where(np.isneginf(x), np.nan, np.where(np.isposinf(x), 0.0, out))
    return out


def polygamma(n, x):
    """ψ⁽ⁿ⁾(x), the n-th derivative of digamma: digamma itself for n = 0, else
    (−1)ⁿ⁺¹ n! ζ(n + 1, x) (which sums the negative x's terms directly too)."""
    x = np.asarray(x)
    dt = x.dtype
    out = np.asarray(_polygamma64(n, x.astype(_F64)))
    return out if dt == _F64 else out.astype(dt)


# ----------------------------------------------------------------------------- modified Bessel functions
_BESSEL_FROM = 30.0  # |x| beyond this: the asymptotic expansion


def _bessel_scaled(order, x):
    """e^(−|x|) I_order(|x|) for order 0 or 1 (float64, x ≥ 0): for x < 30 the power series
    (x/2)^ν Σ (x²/4)ᵏ / (k! (k+ν)!) (positive terms: no cancellation) times e^(−x); beyond, the
    asymptotic expansion 1/√(2πx) Σ (−1)ᵏ aₖ(ν) / xᵏ,
    aₖ(ν) = Π_{j≤k} (4ν² − (2j−1)²) / (8j)."""
    out = np.empty(x.shape)
    near = x < _BESSEL_FROM
    if near.any():
        v = x[near]
        quarter = 0.25 * v * v
        count = 25 + 3 * int(np.sqrt(quarter.max()) + 1)  # the terms peak near k = x/2, then fall fast
        k = np.arange(1.0, count)
        ratios = quarter[..., None] / (k * (k + order))
        terms = np.cumprod(ratios, axis=-1)  # (x²/4)ᵏ / (k! (k+ν)!) up to (x/2)^ν
        total = 1.0 + terms.sum(axis=-1)
        if order:
            total = total * (0.5 * v)
        out[near] = total * np.exp(-v)
    far = ~near
    if far.any():
        v = x[far]
        mu = 4.0 * order * order
        term = np.ones_like(v)
        total = term.copy()
        for k in range(1, 40):
            term = term * -(mu - (2 * k - 1) ** 2) / (8.0 * k * v)
            total = total + term
        out[far] = total / np.sqrt(2 * _PI * v)
    return out


@in_float64
def i0e(x):
    """e^(−|x|) I₀(x), the exponentially scaled modified Bessel function of order 0."""
    return _bessel_scaled(0, np.abs(x))


@in_float64
def i0(x):
    """I₀(x), the modified Bessel function of the first kind of order 0 (even in x)."""
    ax = np.abs(x)
    with np.errstate(over="ignore", invalid="ignore"):
        # inf once e^|x| overflows (|x| > 709.78; I₀ itself would be finite up to 713.98), and NaN at
        # ±inf: PyTorch's values there
        return np.where(np.isinf(ax), np.nan, _bessel_scaled(0, ax) * np.exp(ax))


@in_float64
def i1e(x):
    """e^(−|x|) I₁(x), the exponentially scaled modified Bessel function of order 1 (odd in x)."""
    return np.copysign(_bessel_scaled(1, np.abs(x)), x)


@in_float64
def i1(x):
    """I₁(x), the modified Bessel function of the first kind of order 1 (odd in x)."""
    ax = np.abs(x)
    with np.errstate(over="ignore", invalid="ignore"):
        return np.copysign(np.where(np.isinf(ax), np.nan, _bessel_scaled(1, ax) * np.exp(ax)), x)


# ----------------------------------------------------------------------------- orthogonal polynomials
def _recurrence(x, n, p, q, step):
    """The three-term recurrence r = step(k, p, q) from (p, q) = (P₀, P₁) up to P_n, for every
    element at once (each element stops at its own n ≥ 2); in x's dtype, in PyTorch's order of
    operations, so float32 rounds as PyTorch's kernels do."""
    out = q.copy()
    top = int(n.max()) if n.size else 0
    for k in range(1, top):
        r = step(k, p, q)
        live = n > k
        out = np.where(live, r, out)
        p, q = q, r
    return out


def _trig_or_recurrence(x, n, trig_from, trig, first, step, ends):
    """P_n(x) for one family of Chebyshev polynomials: 0 for n < 0, `ends(x, n)` at |x| = 1, the
    trigonometric form `trig(x, n)` for n > trig_from inside (−1, 1), 1 for n = 0, `first(x)` for
    n = 1, else the recurrence P_{k+1} = 2x P_k − P_{k−1}."""
    one = np.ones_like(x)
    q = first(x)
    out = _recurrence(x, n, one, q, step)
    out = np.where(n == 1, q, out)
    out = np.where(n == 0, one, out)
    with np.errstate(all="ignore"):
        inside = (n > trig_from) & (np.abs(x) < 1)
        if inside.any():
            out = np.where(inside, trig(x, n).astype(x.dtype, copy=False), out)
        edge = np.abs(x) == 1
        if edge.any():
            out = np.where(edge, ends(x, n), out)
    return np.where(n < 0, np.zeros_like(x), out)


def _even(n):
    return n % 2 == 0


def _cheb_step(x):
    two_x = x + x
    return lambda k, p, q: two_x * q - p


def chebyshev_t(x, n):
    """Tₙ(x), the Chebyshev polynomial of the first kind (cos(n arccos x) for n > 6 inside (−1, 1))."""
    return _trig_or_recurrence(
        x, n, 6, lambda x, n: np.cos(n * np.arccos(x)), lambda x: x, _cheb_step(x),
        lambda x, n: np.where((x > 0) | _even(n), 1, -1).astype(x.dtype))


def chebyshev_u(x, n):
    """Uₙ(x), the Chebyshev polynomial of the second kind (sin((n+1)θ)/sin θ, θ = arccos x, for n > 8
    inside (−1, 1))."""
    def trig(x, n):
        theta = np.arccos(x)
        s = np.sin(theta)
        return np.where(s != 0, np.sin((n + 1) * theta) / s, (n + 1) * np.cos((n + 1) * theta) / x)
    return _trig_or_recurrence(
        x, n, 8, trig, lambda x: x + x, _cheb_step(x),
        lambda x, n: np.where((x > 0) | _even(n), n + 1, -(n + 1)).astype(x.dtype))


def chebyshev_v(x, n):
    """Vₙ(x), the Chebyshev polynomial of the third kind (cos((n+½)θ)/cos(θ/2) for n > 8 inside (−1, 1))."""
    def trig(x, n):
        theta = np.arccos(x)
        half = np.sin(theta / 2)
        return np.where(half != 1, np.cos((n + 0.5) * theta) / np.cos(theta / 2),
                        np.where(_even(n), n + n + 1, -(n + n + 1)))
    return _trig_or_recurrence(
        x, n, 8, trig, lambda x: x + x - 1, _cheb_step(x),
        lambda x, n: np.where(x > 0, 1, np.where(_even(n), n + n + 1, -(n + n + 1))).astype(x.dtype))


def chebyshev_w(x, n):
    """Wₙ(x), the Chebyshev polynomial of the fourth kind (sin((n+½)θ)/sin(θ/2) for n > 8 inside (−1, 1))."""
    def trig(x, n):
        theta = np.arccos(x)
        half = np.cos(theta / 2)
        return np.where(half != 1, np.sin((n + 0.5) * theta) / np.sin(theta / 2),
                        np.where(x > 0, n + n + 1, np.where(_even(n), 1, -1)))
    return _trig_or_recurrence(
        x, n, 8, trig, lambda x: x + x + 1, _cheb_step(x),
        lambda x, n: np.where(x > 0, n + n + 1, np.where(_even(n), 1, -1)).astype(x.dtype))


def _shifted(family):
    """The shifted polynomial P*ₙ(x) = Pₙ(2x − 1)."""
    def shifted(x, n):
        return family(x + x - 1, n)
    shifted.__doc__ = f"{family.__name__} of 2x − 1, the polynomial shifted to [0, 1]."
    return shifted


shifted_chebyshev_t, shifted_chebyshev_u, shifted_chebyshev_v, shifted_chebyshev_w = map(
    _shifted, (chebyshev_t, chebyshev_u, chebyshev_v, chebyshev_w))


def _simple(x, n, first, step, at_zero=None):
    one = np.ones_like(x)
    q = first(x)
    out = _recurrence(x, n, one, q, step)
    out = np.where(n == 1, q, out)
    out = np.where(n == 0, one, out)
    if at_zero is not None:
        out = np.where(x == 0, at_zero, out)
    return np.where(n < 0, np.zeros_like(x), out)


def hermite_h(x, n):
    """Hₙ(x), the physicists' Hermite polynomial: H₀ = 1, H₁ = 2x, H_{k+1} = 2x H_k − 2k H_{k−1}."""
    two_x = x + x
    return _simple(x, n, lambda x: x + x, lambda k, p, q: two_x * q - (k + k) * p)


def hermite_he(x, n):
    """Heₙ(x), the probabilists' Hermite polynomial: He₀ = 1, He₁ = x, He_{k+1} = x He_k − k He_{k−1}."""
    return _simple(x, n, lambda x: x, lambda k, p, q: x * q - k * p)


def laguerre_l(x, n):
    """Lₙ(x), the Laguerre polynomial: L₀ = 1, L₁ = 1 − x, L_{k+1} = ((2k+1 − x) L_k − k L_{k−1})/(k+1);
    1 at x = 0."""
    return _simple(x, n, lambda x: 1 - x, lambda k, p, q: (((k + (k + 1)) - x) * q - k * p) / (k + 1),
                   at_zero=np.ones_like(x))


def legendre_p(x, n):
    """Pₙ(x), the Legendre polynomial: P₀ = 1, P₁ = x, P_{k+1} = ((2k+1) x P_k − k P_{k−1})/(k+1);
    ±1 at |x| = 1."""
    out = _simple(x, n, lambda x: x, lambda k, p, q: ((k + k + 1) * x * q - k * p) / (k + 1))
    edge = np.abs(x) == 1
    ends = np.where((x > 0) | (n == 0) | _even(n), 1, -1).astype(x.dtype)
    return np.where(edge & (n >= 0), ends, out)


@in_float64
def spherical_j0(x):
    """j₀(x) = sin(x)/x, by its series 1 − x²/6 + x⁴/120 − … below |x| = 0.5 (no cancellation)."""
    small = np.abs(x) < 0.5
    x2 = x * x
    series = 1 - x2 / 6 * (1 - x2 / 20 * (1 - x2 / 42 * (1 - x2 / 72 * (1 - x2 / 110 * (1 - x2 / 156)))))
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(small, series, np.sin(x) / np.where(small, 1.0, x))
    return np.where(np.isinf(x), 0.0, out)  # (the limit, as PyTorch gives)


# ----------------------------------------------------------------------------- incomplete gamma
def _gamma_prefactor(a, x):
    """x^a e^(−x) / Γ(a), through logarithms (no overflow for large a or x)."""
    return np.exp(a * np.log(x) - x - _lgamma_pos(a))


def _igamma_series(a, x):
    """P(a, x) by its series x^a e^(−x)/Γ(a+1) · Σₖ xᵏ / ((a+1)…(a+k)) (for x < a + 1)."""
    term = np.ones_like(a)
    total = np.ones_like(a)
    denominator = a.copy()
    for _ in range(100000):
        denominator = denominator + 1
        term = term * x / denominator
        total = total + term
        if not (term > total * 1e-17).any():
            break
    return total * _gamma_prefactor(a, x) / a


def _igammac_fraction(a, x):
    """Q(a, x) by the continued fraction x^a e^(−x)/Γ(a) · 1/(x + 1 − a − 1(1 − a)/(x + 3 − a − …))
    (for x ≥ a + 1), evaluated by Lentz's method."""
    tiny = 1e-300
    b = x + 1.0 - a
    c = np.full_like(a, 1.0 / tiny)
    d = 1.0 / b
    h = d.copy()
    done = np.zeros(a.shape, bool)  # converged elements keep their value (more steps would only add rounding)
    for i in range(1, 100000):
        an = -i * (i - a)
        b = b + 2.0
        d = an * d + b
        d = np.where(np.abs(d) < tiny, tiny, d)
        c = b + an / c
        c = np.where(np.abs(c) < tiny, tiny, c)
        d = 1.0 / d
        delta = d * c
        h = np.where(done, h, h * delta)
        done |= ~(np.abs(delta - 1.0) > 1e-16)
        if done.all():
            break
    return h * _gamma_prefactor(a, x)


def _igamma64(a, x, upper):
    a, x = np.broadcast_arrays(np.asarray(a, _F64), np.asarray(x, _F64))
    out = np.full(a.shape, np.nan)
    regular = (a > 0) & (x > 0) & np.isfinite(a) & np.isfinite(x)
    if regular.any():
        aa, xx = a[regular], x[regular]
        use_series = xx < aa + 1
        value = np.empty(aa.shape)
        if use_series.any():
            p = _igamma_series(aa[use_series], xx[use_series])
            value[use_series] = 1.0 - p if upper else p
        if (~use_series).any():
            q = _igammac_fraction(aa[~use_series], xx[~use_series])
            value[~use_series] = q if upper else 1.0 - q
        out[regular] = value
    cases = (  # P's values at the edges; Q's are 1 minus them
        ((a == 0) & (x > 0), 1.0),                         # P(0, x) = 1
        ((a > 0) & (x == 0), 0.0),                         # P(a, 0) = 0
        (np.isinf(a) & (a > 0) & np.isfinite(x) & (x >= 0), 0.0),
        (np.isinf(x) & (x > 0) & np.isfinite(a) & (a >= 0), 1.0),
    )
    for where, p_value in cases:
        out[where] = 1.0 - p_value if upper else p_value
    return out


def igamma(a, x):
    """P(a, x) = γ(a, x)/Γ(a), the regularized lower incomplete gamma function (series below
    x = a + 1, the continued fraction for Q above); NaN for negative or NaN arguments."""
    a, x = np.asarray(a), np.asarray(x)
    dt = np.result_type(a, x)
    out = _igamma64(a, x, False)
    return out if dt == _F64 else out.astype(dt)


def igammac(a, x):
    """Q(a, x) = 1 − P(a, x), the regularized upper incomplete gamma function (computed directly
    where it is the small one, without cancellation)."""
    a, x = np.asarray(a), np.asarray(x)
    dt = np.result_type(a, x)
    out = _igamma64(a, x, True)
    return out if dt == _F64 else out.astype(dt)


# ----------------------------------------------------------------------------- modified Bessel K
def _bessel_k_scaled(order, x):
    """e^x K_order(x) for x > 0 (float64) (order 0 or 1; any order ≥ 0 above x = 1e-9), from the integral
    e^x K_ν(x) = ∫₀^∞ exp(−2x sinh²(t/2)) cosh(νt) dt by the trapezoid rule: the integrand is
    analytic and decays double-exponentially, so equal steps converge geometrically; the step is
    0.1, or 0.5/√x where the peak at t = 0 is narrower (width ~1/√x), which keeps the error far
    below rounding. Below x = 1e-9 the leading terms of the small-x expansions (−ln(x/2) − γ for
    K₀, 1/x for K₁) are exact to rounding."""
    out = np.empty(x.shape)
    tiny = x < 1e-9
    if tiny.any():
        v = x[tiny]
        k = (-np.log(0.5 * v) - EULER_GAMMA) if order == 0 else 1.0 / v
        out[tiny] = k * np.exp(v)
    rest = ~tiny
    if rest.any():
        v = x[rest]
        h = np.minimum(0.1, 0.5 / np.sqrt(v))
        total = 0.5 * np.ones_like(v)  # the t = 0 term, halved
        for step in range(1, 100000):
            t = step * h
            s = np.sinh(0.5 * t)
            term = np.exp(-2.0 * v * s * s)
            if order:
                term = term * np.cosh(order * t)
            total = total + term
            if not (term > 1e-18 * total).any():
                break
        out[rest] = total * h
    return out


EULER_GAMMA = 0.5772156649015329


def _bessel_k(order, scaled):
    def function(x):
        out = np.full(x.shape, np.nan)
        pos = x > 0
        if pos.any():
            v = x[pos]
            k = _bessel_k_scaled(order, v)
            out[pos] = k if scaled else k * np.exp(-v)
        out[x == 0] = np.inf
        out[x == np.inf] = 0.0
        return out
    return function


k0 = in_float64(_bessel_k(0, False))
k1 = in_float64(_bessel_k(1, False))
k0e = in_float64(_bessel_k(0, True))
k1e = in_float64(_bessel_k(1, True))
k0.__doc__ = "K₀(x), the modified Bessel function of the second kind of order 0 (inf at 0, NaN below)."
k1.__doc__ = "K₁(x), the modified Bessel function of the second kind of order 1 (inf at 0, NaN below)."
k0e.__doc__ = "e^x K₀(x), K₀ exponentially scaled."
k1e.__doc__ = "e^x K₁(x), K₁ exponentially scaled."


# ----------------------------------------------------------------------------- Bessel J and Y (orders 0, 1)
_JY_FROM = 25.0  # x beyond this: Hankel's asymptotic expansion
_J_POINTS = 128  # trapezoid points over a period (exact to rounding for x ≤ 25: the error falls like (ex/2N)^N)
_ES_STEP = 1 / 64  # exp-sinh quadrature of ∫₀^∞: t = exp((π/2) sinh u), trapezoid in u on [−4.5, 4.5]
_RULES: list = []  # made on first use (numpy.polynomial costs an import): see _quadrature


def _quadrature():
    """(Gauss–Legendre nodes and weights on [0, π] (80 points), exp-sinh nodes and weights on [0, ∞))."""
    if not _RULES:
        from numpy.polynomial.legendre import leggauss
        nodes, weights = leggauss(80)
        u = np.arange(-4.5, 4.5 + _ES_STEP / 2, _ES_STEP)
        t = np.exp(_PI / 2 * np.sinh(u))
        _RULES.extend([(nodes + 1) * (_PI / 2), weights * (_PI / 2), t, t * (_PI / 2) * np.cosh(u) * _ES_STEP])
    return _RULES


def _hankel(order, x):
    """(J, Y) of the order for large x (float64): √(2/(πx)) (P cos χ ∓ Q sin χ ...), χ = x − (ν/2 + 1/4)π,
    with P, Q from Hankel's series aₖ(ν) = Π_{j≤k} (4ν² − (2j−1)²)/(8j), and cos χ, sin χ formed from
    cos x and sin x (exact argument reduction) rather than from the rounded x − π/4."""
    mu = 4.0 * order * order
    p = np.ones_like(x)
    q = np.zeros_like(x)
    term = np.ones_like(x)
    for k in range(1, 30):
        term = term * (mu - (2 * k - 1) ** 2) / (8.0 * k * x)
        if k % 4 == 1:
            q = q + term
        elif k % 4 == 2:
            p = p - term
        elif k % 4 == 3:
            q = q - term
        else:
            p = p + term
    c, s = np.cos(x), np.sin(x)
    r = _SQRT_HALF
    if order == 0:  # χ = x − π/4
        cos_chi, sin_chi = (c + s) * r, (s - c) * r
    else:  # χ = x − 3π/4
        cos_chi, sin_chi = (s - c) * r, -(c + s) * r
    scale = np.sqrt(2.0 / (_PI * x))
    return scale * (p * cos_chi - q * sin_chi), scale * (p * sin_chi + q * cos_chi)


def _bessel_j_near(order, x):
    tau = np.arange(_J_POINTS) * (2 * _PI / _J_POINTS)
    total = np.zeros_like(x)
    for t in tau:  # J_n(x) = (1/2π) ∫₀^{2π} cos(nτ − x sin τ) dτ: a periodic integrand
        total = total + np.cos(order * t - x * _math.sin(t))
    return total / _J_POINTS


def _bessel_y_near(order, x):
    """Y_n(x) = (1/π) ∫₀^π sin(x sin θ − nθ) dθ
              − (1/π) ∫₀^∞ (e^{nt} + (−1)ⁿ e^{−nt}) e^{−x sinh t} dt,
    by Gauss–Legendre and exp-sinh quadrature."""
    nodes, weights, es_t, es_w = _quadrature()
    first = np.zeros_like(x)
    for theta, w in zip(nodes, weights):
        first = first + w * np.sin(x * _math.sin(theta) - order * theta)
    second = np.zeros_like(x)
    for t, w in zip(es_t, es_w):
        factor = _math.exp(order * t) + (-1) ** order * _math.exp(-order * t) if t < 700 else _math.inf
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            value = np.exp(-x * _math.sinh(min(t, 700.0)))
            contribution = np.where(value == 0, 0.0, w * factor * value)
        second = second + contribution
    return (first - second) / _PI


_Y_SERIES_BELOW = 2.0


def _bessel_y_series(order, x):
    """Y₀ and Y₁ for small x from their series with J's:
    Y₀ = (2/π)(ln(x/2) + γ) J₀ + (2/π) Σ_{k≥1} (−1)^{k+1} H_k (x²/4)^k/(k!)²,
    Y₁ = −2/(πx) + (2/π) ln(x/2) J₁
         − (1/π) Σ_{k≥0} (−1)^k (ψ(k+1) + ψ(k+2)) (x/2)^{2k+1}/(k!(k+1)!)."""
    quarter = 0.25 * x * x
    total = np.zeros_like(x)
    if order == 0:
        term = np.ones_like(x)
        harmonic = 0.0
        for k in range(1, 40):
            term = term * -quarter / (k * k)
            harmonic += 1.0 / k
            total = total - harmonic * term
        return 2 / _PI * ((np.log(0.5 * x) + EULER_GAMMA) * _bessel_j_near(0, x) + total)
    term = 0.5 * x
    psi_sum = -2 * EULER_GAMMA + 1.0  # ψ(1) + ψ(2)
    for k in range(0, 40):
        if k:
            term = term * -quarter / (k * (k + 1))
            psi_sum += 1.0 / k + 1.0 / (k + 1)
        total = total + psi_sum * term
    return -2 / (_PI * x) + 2 / _PI * np.log(0.5 * x) * _bessel_j_near(1, x) - total / _PI


def _bessel(order, kind):
    def function(x):
        out = np.full(x.shape, np.nan)
        ax = np.abs(x)
        finite = np.isfinite(x)
        near = finite & (ax <= _JY_FROM) & ((x > 0) if kind == "y" else True)
        far = finite & (ax > _JY_FROM) & ((x > 0) if kind == "y" else True)
        if near.any():
            v = ax[near]
            if kind == "j":
                out[near] = _bessel_j_near(order, v)
            else:
                out[near] = np.where(v < _Y_SERIES_BELOW, _bessel_y_series(order, v), _bessel_y_near(order, v))
        if far.any():
            j, y = _hankel(order, ax[far])
            out[far] = j if kind == "j" else y
        if kind == "j" and order == 1:
            out = np.where(x < 0, -out, out)
            out = np.where(x == 0, x, out)  # ±0
        if kind == "y":
            out[x == 0] = -np.inf
        return out
    return in_float64(function)


j0, j1, y0, y1 = _bessel(0, "j"), _bessel(1, "j"), _bessel(0, "y"), _bessel(1, "y")
j0.__doc__ = "J₀(x), the Bessel function of the first kind of order 0 (a periodic trapezoid, or Hankel's expansion)."
j1.__doc__ = "J₁(x), the Bessel function of the first kind of order 1 (odd in x)."
y0.__doc__ = "Y₀(x), the Bessel function of the second kind of order 0 (−inf at 0, NaN below)."
y1.__doc__ = "Y₁(x), the Bessel function of the second kind of order 1 (−inf at 0, NaN below)."


# ----------------------------------------------------------------------------- Airy Ai
_AI0 = 0.3550280538878172  # Ai(0) = 1/(3^(2/3) Γ(2/3))
_AIP0 = 0.2588194037928068  # −Ai'(0) = 1/(3^(1/3) Γ(1/3))
_AIRY_ZERO_FROM = 103.892  # PyTorch's Ai is 0 beyond (its value there is below 1e-308)


def _airy_series(x):
    """Ai(x) = Ai(0) f(x) + Ai'(0) g(x) from the Maclaurin series f = Σ 3ᵏ(1/3)ₖ x³ᵏ/(3k)!,
    g = Σ 3ᵏ(2/3)ₖ x³ᵏ⁺¹/(3k+1)! (for −3 ≤ x ≤ 1, where little cancels)."""
    cube = x * x * x
    f = np.ones_like(x)
    g = x.copy()
    tf, tg = f.copy(), g.copy()
    for k in range(1, 40):
        tf = tf * cube / ((3 * k - 1) * (3 * k))
        tg = tg * cube / ((3 * k) * (3 * k + 1))
        f = f + tf
        g = g + tg
    return _AI0 * f - _AIP0 * g


def _airy_negative(z):
    """Ai(−z) for z > 3: with ζ = (2/3) z^(3/2), Ai(−z) = (√z/3)(J_{1/3}(ζ) + J_{−1/3}(ζ)), from their
    integral forms (2/π)∫₀^π cos(θ/3) cos(ζ sin θ) dθ + (√3/π)∫₀^∞ e^(−ζ sinh t) sinh(t/3) dt
    for ζ ≤ 25,
    and beyond from the asymptotic expansion π^(−1/2) z^(−1/4) (cos(ζ − π/4) Σ(−1)ᵏu₂ₖζ^(−2k)
    + sin(ζ − π/4) Σ(−1)ᵏu₂ₖ₊₁ζ^(−2k−1)),
    uₖ = uₖ₋₁ (6k−5)(6k−3)(6k−1)/((2k−1) 216 k)."""
    zeta = (2.0 / 3.0) * z * np.sqrt(z)
    out = np.empty(z.shape)
    near = zeta <= _JY_FROM
    if near.any():
        zn, zz = zeta[near], z[near]
        nodes, weights, es_t, es_w = _quadrature()
        first = np.zeros_like(zn)
        for theta, w in zip(nodes, weights):
            first = first + w * _math.cos(theta / 3) * np.cos(zn * _math.sin(theta))
        second = np.zeros_like(zn)
        for t, w in zip(es_t, es_w):
            if t > 700:
                break
            second = second + w * _math.sinh(t / 3) * np.exp(-zn * _math.sinh(t))
        out[near] = np.sqrt(zz) / 3 * (2 / _PI * first + _math.sqrt(3) / _PI * second)
    far = ~near
    if far.any():
        zf, zz = zeta[far], z[far]
        even = np.ones_like(zf)
        odd = np.zeros_like(zf)
        u = 1.0
        power = np.ones_like(zf)
        for k in range(1, 30):
            u = u * (6 * k - 5) * (6 * k - 3) * (6 * k - 1) / ((2 * k - 1) * 216 * k)
            power = power / zf
            sign = -1.0 if (k // 2) % 2 else 1.0
            if k % 2:
                odd = odd + sign * u * power
            else:
                even = even + sign * u * power
        c, s_ = np.cos(zf), np.sin(zf)
        cos_m, sin_m = (c + s_) * _SQRT_HALF, (s_ - c) * _SQRT_HALF  # cos(ζ − π/4), sin(ζ − π/4)
        out[far] = (cos_m * even + sin_m * odd) / (_SQRT_PI * np.sqrt(np.sqrt(zz)))
    return out


@in_float64
def airy_ai(x):
    """Ai(x), the Airy function: its Maclaurin series on [−3, 1], (1/π)√(x/3) K_{1/3}((2/3)x^(3/2))
    above (0 beyond x = 103.892, as PyTorch), the Bessel forms below (see _airy_negative); NaN at ±inf."""
    out = np.full(x.shape, np.nan)
    series = (x >= -3) & (x <= 1)
    if series.any():
        out[series] = _airy_series(x[series])
    pos = (x > 1) & (x <= _AIRY_ZERO_FROM)
    if pos.any():
        v = x[pos]
        zeta = (2.0 / 3.0) * v * np.sqrt(v)
        out[pos] = np.sqrt(v / 3) / _PI * _bessel_k_scaled(1 / 3, zeta) * np.exp(-zeta)
    out[(x > _AIRY_ZERO_FROM) & np.isfinite(x)] = 0.0
    neg = (x < -3) & np.isfinite(x)
    if neg.any():
        out[neg] = _airy_negative(-x[neg])
    return out
