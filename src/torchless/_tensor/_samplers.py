"""torch.poisson and torch.binomial (issue 14): PyTorch's CPU samplers, drawing PyTorch's numbers
from the generator (the algorithms are in _random_samplers, the rules in ops/random_draws); and the
private samplers torch.distributions calls: torch._standard_gamma (StandardGammaBackward0),
torch._standard_gamma_grad, torch._sample_dirichlet."""
from __future__ import annotations

import warnings
from typing import Any, Optional

import numpy as np

from .. import _random_samplers as _S
from .._dtype import SCALAR_TYPE_NAMES
from .._random import Stream, rng as _rng
from ..backend import special as _SF
from ..ops.random_draws import BinomialBackward, PoissonBackward0, StandardGammaBackward0
from ._core import Tensor, _plain, apply
from .creation import Generator

__all__ = ["poisson", "binomial", "_standard_gamma", "_standard_gamma_grad", "_sample_dirichlet"]


def _check_tensor(fn: str, name: str, pos: int, value: Any) -> None:
    if not isinstance(value, Tensor):
        raise TypeError(f"{fn}(): argument '{name}' (position {pos}) must be Tensor, not {type(value).__name__}")


def _check_generator(fn: str, generator: Any) -> None:
    if generator is not None and not isinstance(generator, Generator):
        raise TypeError(f"{fn}(): argument 'generator' must be torch.Generator, not {type(generator).__name__}")


def poisson(input: Tensor, generator: Optional[Generator] = None) -> Tensor:
    """poisson(input, generator=None) -> Tensor

    A draw from the Poisson distribution of rate `input[i]` for each element, as a tensor of
    `input`'s size and (floating) dtype. The rates must be non-negative. The gradient with respect
    to the rates is zero.
    """
    _check_tensor("poisson", "input", 1, input)
    _check_generator("poisson", generator)
    x = input._data
    if x.dtype.kind != "f":
        raise NotImplementedError(f"\"poisson_cpu\" not implemented for '{SCALAR_TYPE_NAMES[x.dtype.name]}' "
                                  "(the rates must be a floating tensor)")
    counts = _S.poisson(_rng(generator), x)
    # the kernel casts its int64 count to the tensor's type (half: through float)
    draws = counts.astype(np.float32).astype(x.dtype) if x.dtype == np.float16 else counts.astype(x.dtype)
    return apply(PoissonBackward0, input, draws)  # type: ignore[no-any-return]


def binomial(count: Tensor, prob: Tensor, generator: Optional[Generator] = None) -> Tensor:
    """binomial(count, prob, generator=None) -> Tensor

    A draw from the binomial distribution of `count[i]` trials with success probability
    `prob[i]` for each element (count and prob broadcast together, one floating dtype). Counts
    at or below 0 or probabilities at or below 0 give 0, probabilities at or above 1 give count.
    Not differentiable.
    """
    _check_tensor("binomial", "count", 1, count)
    _check_tensor("binomial", "prob", 2, prob)
    _check_generator("binomial", generator)
    c, p = count._data, prob._data
    for name, arr in (("count", c), ("prob", p)):
        if arr.dtype.kind != "f":
            raise ValueError(f"binomial only supports floating-point dtypes for {name}, got: "
                             f"{SCALAR_TYPE_NAMES[arr.dtype.name]}")
    if c.dtype != p.dtype:
        raise RuntimeError(f"Found dtype {SCALAR_TYPE_NAMES[p.dtype.name]} but expected "
                           f"{SCALAR_TYPE_NAMES[c.dtype.name]} (count and prob must have one dtype)")
    if c.dtype not in (np.float32, np.float64):
        raise NotImplementedError(f"\"binomial_cpu\" not implemented for '{SCALAR_TYPE_NAMES[c.dtype.name]}'")
    try:
        shape = np.broadcast_shapes(c.shape, p.shape)
    except ValueError:
        nd = max(c.ndim, p.ndim)
        sa, sb = (1,) * (nd - c.ndim) + c.shape, (1,) * (nd - p.ndim) + p.shape
        d = max(i for i in range(nd) if sa[i] != sb[i] and 1 not in (sa[i], sb[i]))
        raise RuntimeError(f"The size of tensor a ({sa[d]}) must match the size of tensor b ({sb[d]}) at "
                           f"non-singleton dimension {d} (count has shape {list(c.shape)}, prob "
                           f"{list(p.shape)})") from None
    if shape != c.shape and c.size:   # PyTorch's output has count's shape and is resized, with its warning
        warnings.warn(f"An output with one or more elements was resized since it had shape {list(c.shape)}, which "
                      f"does not match the required output shape {list(shape)}. This behavior is deprecated, and "
                      "in a future PyTorch release outputs will not be resized unless they have zero elements. You "
                      "can explicitly reuse an out tensor t by resizing it, inplace, to zero elements with "
                      "t.resize_(0).", UserWarning, stacklevel=2)
    draws = _S.binomial(_rng(generator), np.broadcast_to(c, shape), np.broadcast_to(p, shape))
    return apply(BinomialBackward, count, prob, draws)  # type: ignore[no-any-return]


def _float_only(fn: str, kernel: str, x: np.ndarray) -> None:
    if x.dtype not in (np.float32, np.float64):
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{SCALAR_TYPE_NAMES[x.dtype.name]}'")


def _standard_gamma(input: Tensor, generator: Optional[Generator] = None) -> Tensor:
    """_standard_gamma(input, generator=None) -> Tensor

    A draw from Gamma(input[i], 1) for each element (PyTorch's sampler: Marsaglia and Tsang's
    method, boosted below 1), at least the dtype's smallest normal number. Differentiable in
    `input` by implicit reparameterization (the derivative of the draw at a fixed quantile).
    """
    _check_tensor("_standard_gamma", "input", 1, input)
    _check_generator("_standard_gamma", generator)
    a = input._data
    _float_only("_standard_gamma", "gamma_cpu", a)
    x = _rng(generator).gamma(a) if a.size else np.zeros(a.shape, a.dtype)
    if not input.requires_grad:
        return _plain(x)
    grad = standard_gamma_grad_array(a, x).astype(a.dtype)
    return apply(StandardGammaBackward0, input, x, grad)  # type: ignore[no-any-return]


def _standard_gamma_grad(input: Tensor, output: Tensor) -> Tensor:
    """_standard_gamma_grad(input, output) -> Tensor

    The derivative of a Gamma(input, 1) draw `output` with respect to `input` at a fixed quantile:
    -(dP/dalpha)(input, output) / density(output), P the regularized lower incomplete gamma function
    (to about 1e-8 relative; PyTorch's kernel is an approximation good to about 1e-4).
    """
    _check_tensor("_standard_gamma_grad", "input", 1, input)
    _check_tensor("_standard_gamma_grad", "output", 2, output)
    _float_only("_standard_gamma_grad", "_standard_gamma_grad_cpu", input._data)
    a, x = np.broadcast_arrays(input._data, output._data)
    return _plain(np.asarray(standard_gamma_grad_array(a, x)).astype(input._data.dtype))


def dirichlet_draws(stream: Stream, alpha: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """torch._sample_dirichlet's draws for the concentrations `alpha` (rows along the last dim):
    (the points, in alpha's dtype; the float64 gammas they were normalised from). The gammas are
    drawn in float64 (at least its smallest normal number), each row divided by its sum in float64,
    rounded to alpha's dtype and kept within [smallest normal, the float below 1]."""
    dt = alpha.dtype
    gammas = stream.gamma(alpha.astype(np.float64)) if alpha.size else np.zeros(alpha.shape)
    with np.errstate(invalid="ignore", divide="ignore"):
        x = (gammas / gammas.sum(-1, keepdims=True)).astype(dt)
    fin = np.finfo(dt)
    return np.fmin(np.nextafter(dt.type(1), dt.type(0)), np.fmax(fin.tiny, x)), gammas


def _sample_dirichlet(input: Tensor, generator: Optional[Generator] = None) -> Tensor:
    """_sample_dirichlet(input, generator=None) -> Tensor

    A draw from the Dirichlet distribution of concentrations `input` along its last dim, per row
    (PyTorch's sampler: gammas in float64, normalised). Not differentiable (Dirichlet.rsample is).
    """
    _check_tensor("_sample_dirichlet", "input", 1, input)
    _check_generator("_sample_dirichlet", generator)
    _float_only("_sample_dirichlet", "dirichlet", input._data)
    return _plain(dirichlet_draws(_rng(generator), input._data)[0])


def standard_gamma_grad_array(alpha: Any, x: Any) -> Any:
    """d x / d alpha for x ~ Gamma(alpha, 1) held at the same quantile (implicit reparameterization:
    -(dP/dalpha)(alpha, x) / density(x)), P the regularized lower incomplete gamma function. The
    alpha-derivative of P is a central difference (float64); where the density underflows (x far
    in the left tail) the small-x form -x (log x - digamma(alpha + 1)) / alpha is used."""
    a = np.asarray(alpha, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    h = 1e-5 * np.maximum(a, 1.0)
    lo = np.maximum(a - h, a * 0.5)
    hi = a + h
    dp = (_SF.igamma(hi, x) - _SF.igamma(lo, x)) / (hi - lo)
    with np.errstate(all="ignore"):
        log_pdf = (a - 1) * np.log(x) - x - _SF.lgamma(a)
        pdf = np.exp(log_pdf)
        general = -dp / pdf
        small = -x * (np.log(x) - _SF.digamma(a + 1)) / a
    use_small = (pdf < 1e-280) | ~np.isfinite(general) | (x < 1e-8 * a)
    out = np.where(use_small, small, general)
    return np.where(np.isfinite(out), out, 0.0)


