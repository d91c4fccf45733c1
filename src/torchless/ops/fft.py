"""The discrete Fourier transforms of torch.fft, as PyTorch's three primitives: complex-to-complex
(FftC2CBackward0), real-to-complex (FftR2CBackward0: the full or one-sided spectrum of a real
signal) and complex-to-real (FftC2RBackward0: the inverse of a one-sided spectrum), each over a
tuple of dims, with a normalization mode ("backward": the forward transform unscaled and the
inverse scaled by 1/n; "forward": the reverse; "ortho": both by 1/sqrt(n)), in either direction.

Every transform is linear, so its jvp is the transform of the tangent and its vjp the adjoint:
the transform in the other direction with the dual normalization (backward <-> forward, ortho
stays), and for the real-valued ends the real part (R2C: the one-sided gradient zero-padded to
the full length first) or the doubling of the bins a one-sided spectrum stands for twice (C2R).
Padding or trimming the signal to `n` points is a separate op (`FftResize`), as in PyTorch
(constant_pad_nd, narrow). NumPy computes in complex128; results are cast back to the input's
precision as PyTorch's are.
"""
import numpy as np

from ..engine.node import LINEAR_JVP
from ._rule import Explain, Rule

DUAL = {"backward": "forward", "forward": "backward", "ortho": "ortho"}


def _complex_of(dtype):
    return np.dtype(np.complex64) if dtype in (np.float32, np.complex64) else np.dtype(np.complex128)


def _real_of(dtype):
    return np.dtype(np.float32) if dtype in (np.float32, np.complex64) else np.dtype(np.float64)


def _c2c(x, dims, norm, forward):
    if len(dims) == 1:  # the one-dimensional transforms cost half of fftn's call
        f = np.fft.fft if forward else np.fft.ifft
        return f(x, axis=dims[0], norm=norm).astype(_complex_of(x.dtype), copy=False)
    f = np.fft.fftn if forward else np.fft.ifftn
    return f(x, axes=dims, norm=norm).astype(_complex_of(x.dtype), copy=False)


def _r2c(x, dims, norm, onesided, forward):
    if onesided and forward:
        out = np.fft.rfft(x, axis=dims[0], norm=norm) if len(dims) == 1 else np.fft.rfftn(x, axes=dims, norm=norm)
    else:
        out = _c2c(x, dims, norm, forward)
        if onesided:
            last = dims[-1]
            out = out[(slice(None),) * last + (slice(0, x.shape[last] // 2 + 1),)]
    return np.ascontiguousarray(out).astype(_complex_of(x.dtype), copy=False)


def _c2r(x, dims, norm, last_size, forward):
    if forward:  # hfft: the Hermitian signal's forward transform, irfft of the conjugate
        x, norm = np.conj(x), DUAL[norm]
    if len(dims) == 1:
        out = np.fft.irfft(x, n=last_size, axis=dims[0], norm=norm)
    else:
        s = [x.shape[d] for d in dims[:-1]] + [last_size]
        out = np.fft.irfftn(x, s=s, axes=dims, norm=norm)
    return out.astype(_real_of(x.dtype), copy=False)


class FftC2CBackward0(Rule):
    """fftn or ifftn of a complex tensor over `dims`:  d/dx = the transform in the other
    direction with the dual normalization (the adjoint)."""
    batching = "batch_dims"
    explain = Explain("fft({x})", "linear: ∂/∂x = the transform in the other direction, dual normalization")

    @staticmethod
    def forward(node, xp, x, dims, norm, forward):
        if node is not None:
            node.opts = (dims, norm, forward)
        return _c2c(x, dims, norm, forward)

    jvp = LINEAR_JVP

    def vjp(self, g, xp):
        dims, norm, forward = self.opts
        if xp.apply_rule is None:
            return (_c2c(g, dims, DUAL[norm], not forward),)
        return (xp.apply_rule(FftC2CBackward0, g, dims, DUAL[norm], not forward),)


class FftR2CBackward0(Rule):
    """The spectrum of a real tensor over `dims` (onesided: the last dim cut to n//2 + 1 bins):
    d/dx = Re(adjoint of the complex transform applied to g zero-padded to the full length)."""
    batching = "batch_dims"
    explain = Explain("rfft({x})", "linear: ∂/∂x = Re(inverse-direction transform of g, zero-padded to full length)")

    @staticmethod
    def forward(node, xp, x, dims, norm, onesided, forward):
        if node is not None:
            node.opts = (dims, norm, onesided, forward, x.shape[dims[-1]], x.dtype)
        return _r2c(x, dims, norm, onesided, forward)

    jvp = LINEAR_JVP

    def vjp(self, g, xp):
        dims, norm, onesided, forward, n, dtype = self.opts
        if onesided and g.shape[dims[-1]] != n:
            g = _resize(xp, g, (dims[-1],), (n,))
        if xp.apply_rule is None:
            return (_c2c(g, dims, DUAL[norm], not forward).real.astype(dtype, copy=False),)
        return (xp.apply_rule(FftC2CBackward0, g, dims, DUAL[norm], not forward).real,)


class FftC2RBackward0(Rule):
    """The real signal of a one-sided spectrum over `dims` (irfftn; hfftn when `forward`), its
    last dim `last_size` long: d/dx = the one-sided transform of g with the dual normalization,
    the bins that stand for two (1 .. last_size - n_bins) doubled (conjugated for hfft)."""
    batching = "batch_dims"
    explain = Explain("irfft({x})", "linear: ∂/∂x = one-sided transform of g, the bins counted twice doubled")

    @staticmethod
    def forward(node, xp, x, dims, norm, last_size, forward):
        if node is not None:
            node.opts = (dims, norm, last_size, forward)
        return _c2r(x, dims, norm, last_size, forward)

    jvp = LINEAR_JVP

    def vjp(self, g, xp):
        dims, norm, last_size, forward = self.opts
        m = DUAL[norm] if not forward else norm
        if xp.apply_rule is None:
            gi = _r2c(g, dims, m, True, True)
        else:
            gi = xp.apply_rule(FftR2CBackward0, g, dims, m, True, True)
        bins = last_size // 2 + 1
        double = last_size - bins
        if double > 0:
            scale = np.ones(bins, dtype=_real_of(_np_dtype(gi)))
            scale[1:1 + double] = 2
            shape = [1] * len(gi.shape)
            shape[dims[-1]] = bins
            scale = scale.reshape(shape)
            gi = gi * (scale if xp.apply_rule is None else xp.broadcast_to(scale, scale.shape))
        return (xp.conj(gi) if forward else gi,)


def _np_dtype(x):
    d = x.dtype
    return d if isinstance(d, np.dtype) else np.dtype(str(d).rpartition(".")[2])


# ---------------------------------------------------------------------------- padding and trimming
def _resize_arrays(x, dims, sizes):
    out = x
    for d, n in zip(dims, sizes):
        cur = out.shape[d]
        if n < cur:
            out = out[(slice(None),) * d + (slice(0, n),)]
        elif n > cur:
            pad = [(0, 0)] * out.ndim
            pad[d] = (0, n - cur)
            out = np.pad(out, pad)
    return np.ascontiguousarray(out)


def _resize(xp, x, dims, sizes):
    if xp.apply_rule is None:
        return _resize_arrays(x, dims, sizes)
    return xp.apply_rule(ConstantPadNdBackward0, x, tuple(dims), tuple(sizes))


class ConstantPadNdBackward0(Rule):
    """The signal zero-padded (or cut) to `sizes` along `dims`, before a transform of n points:
    d/dx = g cut (or zero-padded) back to x's sizes."""
    explain = Explain("pad({x})", "∂/∂x = g cut back to x's size along the padded dims (zero where it was cut)")
    batching = "batch_dims"

    @staticmethod
    def forward(node, xp, x, dims, sizes):
        if node is not None:
            node.old = tuple(x.shape[d] for d in dims)
            node.dims = dims
        return _resize_arrays(x, dims, sizes)

    jvp = LINEAR_JVP

    def vjp(self, g, xp):
        return (_resize(xp, g, self.dims, self.old),)


class SliceBackward0(ConstantPadNdBackward0):
    """The signal cut to `sizes` along `dims` (narrow), before a transform of n points."""
    explain = Explain("narrow({x})", "∂/∂x = g zero-padded back to x's size")
    batching = "batch_dims"
