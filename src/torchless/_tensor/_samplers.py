"""torch.poisson and torch.binomial (issue 14): PyTorch's CPU samplers, drawing PyTorch's numbers
from the generator (the algorithms are in _random_samplers, the rules in ops/random_draws)."""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from .. import _random_samplers as _S
from .._dtype import SCALAR_TYPE_NAMES
from .._random import rng as _rng
from ..ops.random_draws import BinomialBackward, PoissonBackward0
from ._core import Tensor, apply
from .creation import Generator

__all__ = ["poisson", "binomial"]


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
    draws = _S.binomial(_rng(generator), np.broadcast_to(c, shape), np.broadcast_to(p, shape))
    return apply(BinomialBackward, count, prob, draws)  # type: ignore[no-any-return]
