"""torch.special: special functions, named as SciPy names them (`import torchless as torch;
torch.special.erf(x)`). Each is the Tensor method or torch function of the same op (the rules are in
ops/special.py), so gradients, grad_fn names and dtypes are those of the op itself."""
from typing import Any, Callable, Optional

import numpy as np

from . import _dtype as D
from ._tensor import Tensor
from ._tensor import _special as _S
from ._tensor._core import _pair_dtype, _plain_out, _scalar_operand, record
from .ops.elementwise import RoundBackward1
from .backend import special as _B

__all__ = ["erf", "erfc", "erfinv", "expit", "logit", "gammaln", "digamma", "psi", "polygamma", "multigammaln",
           "i0", "i0e", "i1", "i1e", "ndtr", "ndtri", "log_ndtr", "erfcx", "entr", "sinc", "xlogy", "xlog1py",
           "logsumexp", "softmax", "log_softmax", "expm1", "exp2", "log1p", "round", "zeta",
           "modified_bessel_i0", "modified_bessel_i1", "spherical_bessel_j0", "chebyshev_polynomial_t",
           "chebyshev_polynomial_u", "chebyshev_polynomial_v", "chebyshev_polynomial_w",
           "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
           "shifted_chebyshev_polynomial_w", "hermite_polynomial_h", "hermite_polynomial_he", "laguerre_polynomial_l",
           "legendre_polynomial_p", "gammainc", "gammaincc", "modified_bessel_k0", "modified_bessel_k1",
           "scaled_modified_bessel_k0", "scaled_modified_bessel_k1", "bessel_j0", "bessel_j1", "bessel_y0",
           "bessel_y1", "airy_ai"]

_unary = _S._apply_unary


def erf(input: Tensor) -> Tensor:
    """erf(input) -> Tensor: the error function 2/sqrt(pi) * integral of exp(-t**2) from 0 to x."""
    return input.erf()


def erfc(input: Tensor) -> Tensor:
    """erfc(input) -> Tensor: the complementary error function 1 - erf(x)."""
    return input.erfc()


def erfinv(input: Tensor) -> Tensor:
    """erfinv(input) -> Tensor: the inverse error function (±inf at ±1, NaN outside [-1, 1])."""
    return input.erfinv()


def expit(input: Tensor) -> Tensor:
    """expit(input) -> Tensor: the logistic sigmoid 1 / (1 + exp(-x))."""
    return input.sigmoid()


def logit(input: Tensor, eps: Optional[float] = None) -> Tensor:
    """logit(input, eps=None) -> Tensor: log(x / (1 - x)), x clamped to [eps, 1 - eps] when eps is given."""
    return input.logit(eps)


def gammaln(input: Tensor) -> Tensor:
    """gammaln(input) -> Tensor: log |Gamma(x)| (torch.lgamma)."""
    return input.lgamma()


def digamma(input: Tensor) -> Tensor:
    """digamma(input) -> Tensor: Gamma'(x) / Gamma(x), the logarithmic derivative of gamma."""
    return input.digamma()


psi = digamma


def polygamma(n: int, input: Tensor) -> Tensor:
    """polygamma(n, input) -> Tensor: the n-th derivative of digamma."""
    return _S.polygamma(n, input)


def multigammaln(input: Tensor, p: int) -> Tensor:
    """multigammaln(input, p) -> Tensor: the multivariate log-gamma function of dimension p."""
    return _S.mvlgamma(input, p)


def gammainc(input: Tensor, other: Tensor) -> Tensor:
    """gammainc(input, other) -> Tensor: the regularized lower incomplete gamma function P(a, x) (torch.igamma)."""
    return input.igamma(other)


def gammaincc(input: Tensor, other: Tensor) -> Tensor:
    """gammaincc(input, other) -> Tensor: the regularized upper incomplete gamma function Q(a, x) (torch.igammac)."""
    return input.igammac(other)


def i0(input: Tensor) -> Tensor:
    """i0(input) -> Tensor: the modified Bessel function of the first kind of order 0."""
    return input.i0()


def i0e(input: Tensor) -> Tensor:
    """i0e(input) -> Tensor: exp(-|x|) * i0(x), the exponentially scaled Bessel function of order 0."""
    return _unary(_S.SP.SpecialI0EBackward0, input)


def i1(input: Tensor) -> Tensor:
    """i1(input) -> Tensor: the modified Bessel function of the first kind of order 1."""
    return _unary(_S.SP.SpecialI1Backward0, input)


def i1e(input: Tensor) -> Tensor:
    """i1e(input) -> Tensor: exp(-|x|) * i1(x), the exponentially scaled Bessel function of order 1."""
    return _unary(_S.SP.SpecialI1EBackward0, input)


def ndtr(input: Tensor) -> Tensor:
    """ndtr(input) -> Tensor: the standard normal cumulative distribution function."""
    return _unary(_S.SP.SpecialNdtrBackward0, input)


def ndtri(input: Tensor) -> Tensor:
    """ndtri(input) -> Tensor: the standard normal quantile, the inverse of ndtr (-inf at 0, inf at 1)."""
    return _unary(_S.SP.SpecialNdtriBackward0, input)


def log_ndtr(input: Tensor) -> Tensor:
    """log_ndtr(input) -> Tensor: log of the standard normal cdf, accurate far into the lower tail."""
    return _unary(_S.SP.SpecialLogNdtrBackward0, input)


def erfcx(input: Tensor) -> Tensor:
    """erfcx(input) -> Tensor: the scaled complementary error function exp(x**2) * erfc(x)."""
    return _unary(_S.SP.SpecialErfcxBackward0, input)


def entr(input: Tensor) -> Tensor:
    """entr(input) -> Tensor: -x * log(x) (0 at 0, -inf for negative x)."""
    return _unary(_S.SP.SpecialEntrBackward0, input)


def sinc(input: Tensor) -> Tensor:
    """sinc(input) -> Tensor: the normalized sinc sin(pi x) / (pi x), 1 at 0."""
    return input.sinc()


def xlogy(input: Any, other: Any) -> Tensor:
    """xlogy(input, other) -> Tensor: input * log(other), 0 where input is 0 (either may be a number)."""
    return _S.xlogy_function(input, other)


def xlog1py(input: Any, other: Any) -> Tensor:
    """xlog1py(input, other) -> Tensor: input * log1p(other), 0 where input is 0 (either may be a number)."""
    return _S.xlog1py_function(input, other)


def zeta(input: Any, other: Any) -> Tensor:
    """zeta(input, other) -> Tensor: the Hurwitz zeta function, the sum over k >= 0 of (other + k) ** -input
    (either may be a number)."""
    return _S.zeta_function(input, other)


def logsumexp(input: Tensor, dim: Any, keepdim: bool = False) -> Tensor:
    """logsumexp(input, dim, keepdim=False) -> Tensor: log(sum(exp(x))) over dim, computed stably."""
    return input.logsumexp(dim, keepdim)


def softmax(input: Tensor, dim: int, dtype: Optional[D.dtype] = None) -> Tensor:
    """softmax(input, dim, dtype=None) -> Tensor: exp(x) / sum(exp(x)) along dim."""
    return input.softmax(dim, dtype)


def log_softmax(input: Tensor, dim: int, dtype: Optional[D.dtype] = None) -> Tensor:
    """log_softmax(input, dim, dtype=None) -> Tensor: x - logsumexp(x) along dim."""
    return input.log_softmax(dim, dtype)


def expm1(input: Tensor) -> Tensor:
    """expm1(input) -> Tensor: exp(x) - 1, accurate near 0."""
    return input.expm1()


def exp2(input: Tensor) -> Tensor:
    """exp2(input) -> Tensor: 2 ** x."""
    return input.exp2()


def log1p(input: Tensor) -> Tensor:
    """log1p(input) -> Tensor: log(1 + x), accurate near 0."""
    return input.log1p()


def round(input: Tensor, *, decimals: int = 0) -> Tensor:  # noqa: A001 - torch.special's name
    """round(input, *, decimals=0) -> Tensor: each element rounded to `decimals` places, halves to even
    (floating tensors; recorded as round's decimals form, RoundBackward1, as PyTorch does)."""
    a = input._data
    if a.dtype.kind not in "fc":
        raise NotImplementedError(f"\"round_vml_cpu\" not implemented for '{D.SCALAR_TYPE_NAMES[a.dtype.name]}'")
    return record(RoundBackward1, (input, decimals), (a, decimals), (input,), None, RoundBackward1.forward)


# ----------------------------------------------------------------------------- not differentiable (no grad_fn)
def _float_array(input: Tensor, kernel: str) -> Any:
    a = input._data
    _S.SP.refuse_complex(kernel, a)
    return a if a.dtype.kind == "f" else a.astype(D.defaults.float)


def modified_bessel_i0(input: Tensor) -> Tensor:
    """modified_bessel_i0(input) -> Tensor: the modified Bessel function I0 (not differentiable, as in PyTorch)."""
    return _plain_out(_B.i0(_float_array(input, "modified_bessel_i0_cpu")))


def modified_bessel_i1(input: Tensor) -> Tensor:
    """modified_bessel_i1(input) -> Tensor: the modified Bessel function I1 (not differentiable, as in PyTorch)."""
    return _plain_out(_B.i1(_float_array(input, "modified_bessel_i1_cpu")))


def modified_bessel_k0(input: Tensor) -> Tensor:
    """modified_bessel_k0(input) -> Tensor: the modified Bessel function of the second kind K0 (inf at 0,
    NaN below; not differentiable, as in PyTorch)."""
    return _plain_out(_B.k0(_float_array(input, "modified_bessel_k0_cpu")))


def modified_bessel_k1(input: Tensor) -> Tensor:
    """modified_bessel_k1(input) -> Tensor: the modified Bessel function of the second kind K1 (inf at 0,
    NaN below; not differentiable)."""
    return _plain_out(_B.k1(_float_array(input, "modified_bessel_k1_cpu")))


def scaled_modified_bessel_k0(input: Tensor) -> Tensor:
    """scaled_modified_bessel_k0(input) -> Tensor: exp(x) * K0(x) (not differentiable)."""
    return _plain_out(_B.k0e(_float_array(input, "scaled_modified_bessel_k0_cpu")))


def scaled_modified_bessel_k1(input: Tensor) -> Tensor:
    """scaled_modified_bessel_k1(input) -> Tensor: exp(x) * K1(x) (not differentiable)."""
    return _plain_out(_B.k1e(_float_array(input, "scaled_modified_bessel_k1_cpu")))


def bessel_j0(input: Tensor) -> Tensor:
    """bessel_j0(input) -> Tensor: the Bessel function of the first kind J0 (not differentiable, as in PyTorch)."""
    return _plain_out(_B.j0(_float_array(input, "bessel_j0_cpu")))


def bessel_j1(input: Tensor) -> Tensor:
    """bessel_j1(input) -> Tensor: the Bessel function of the first kind J1 (not differentiable)."""
    return _plain_out(_B.j1(_float_array(input, "bessel_j1_cpu")))


def bessel_y0(input: Tensor) -> Tensor:
    """bessel_y0(input) -> Tensor: the Bessel function of the second kind Y0 (-inf at 0, NaN below;
    not differentiable)."""
    return _plain_out(_B.y0(_float_array(input, "bessel_y0_cpu")))


def bessel_y1(input: Tensor) -> Tensor:
    """bessel_y1(input) -> Tensor: the Bessel function of the second kind Y1 (-inf at 0, NaN below;
    not differentiable)."""
    return _plain_out(_B.y1(_float_array(input, "bessel_y1_cpu")))


def airy_ai(input: Tensor) -> Tensor:
    """airy_ai(input) -> Tensor: the Airy function Ai(x) (0 beyond x = 103.892, as PyTorch; not differentiable)."""
    return _plain_out(_B.airy_ai(_float_array(input, "airy_ai_cpu")))


def spherical_bessel_j0(input: Tensor) -> Tensor:
    """spherical_bessel_j0(input) -> Tensor: the spherical Bessel function j0(x) = sin(x)/x (1 at 0)."""
    return _plain_out(_B.spherical_j0(_float_array(input, "spherical_bessel_j0_cpu")))


def _polynomial(kernel: Callable[[Any, Any], Any], name: str, what: str) -> Callable[[Any, Any], Tensor]:
    """A torch.special polynomial f(input, n): x and n tensors or numbers (not both numbers),
    promoted together (integers to the default float); n is truncated toward zero, and the result
    is not differentiable (PyTorch records no grad_fn)."""
    def function(input: Any, n: Any) -> Tensor:
        x_is, n_is = isinstance(input, Tensor), isinstance(n, Tensor)
        if x_is and n_is:
            dt = _pair_dtype(input._data, n._data)
            x, k = input._data, n._data
        elif x_is:
            x = _scalar_operand(input._data, n, False)
            dt, k = x.dtype, np.asarray(n)
        elif n_is:
            k = _scalar_operand(n._data, input, False)
            dt, x = k.dtype, np.asarray(input)
        else:
            raise TypeError(f"{name}(): at least one of 'input' and 'n' must be a Tensor")
        _S.SP.refuse_complex(f"{name}_cpu", np.empty(0, dt))
        if dt.kind != "f":
            dt = D.defaults.float
        x, k = np.broadcast_arrays(np.asarray(x, dt), np.trunc(np.asarray(k, np.float64)))
        return _plain_out(np.asarray(kernel(np.array(x), np.array(k))).astype(dt, copy=False))
    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"{name}(input, n) -> Tensor: {what} (n truncated to an integer; not differentiable)."
    return function


chebyshev_polynomial_t = _polynomial(_B.chebyshev_t, "chebyshev_polynomial_t",
                                     "the Chebyshev polynomial of the first kind T_n(x)")
chebyshev_polynomial_u = _polynomial(_B.chebyshev_u, "chebyshev_polynomial_u",
                                     "the Chebyshev polynomial of the second kind U_n(x)")
chebyshev_polynomial_v = _polynomial(_B.chebyshev_v, "chebyshev_polynomial_v",
                                     "the Chebyshev polynomial of the third kind V_n(x)")
chebyshev_polynomial_w = _polynomial(_B.chebyshev_w, "chebyshev_polynomial_w",
                                     "the Chebyshev polynomial of the fourth kind W_n(x)")
shifted_chebyshev_polynomial_t = _polynomial(_B.shifted_chebyshev_t, "shifted_chebyshev_polynomial_t",
                                             "T_n(2x - 1), the first kind shifted to [0, 1]")
shifted_chebyshev_polynomial_u = _polynomial(_B.shifted_chebyshev_u, "shifted_chebyshev_polynomial_u",
                                             "U_n(2x - 1), the second kind shifted to [0, 1]")
shifted_chebyshev_polynomial_v = _polynomial(_B.shifted_chebyshev_v, "shifted_chebyshev_polynomial_v",
                                             "V_n(2x - 1), the third kind shifted to [0, 1]")
shifted_chebyshev_polynomial_w = _polynomial(_B.shifted_chebyshev_w, "shifted_chebyshev_polynomial_w",
                                             "W_n(2x - 1), the fourth kind shifted to [0, 1]")
hermite_polynomial_h = _polynomial(_B.hermite_h, "hermite_polynomial_h", "the physicists' Hermite polynomial H_n(x)")
hermite_polynomial_he = _polynomial(_B.hermite_he, "hermite_polynomial_he",
                                    "the probabilists' Hermite polynomial He_n(x)")
laguerre_polynomial_l = _polynomial(_B.laguerre_l, "laguerre_polynomial_l", "the Laguerre polynomial L_n(x)")
legendre_polynomial_p = _polynomial(_B.legendre_p, "legendre_polynomial_p", "the Legendre polynomial P_n(x)")
