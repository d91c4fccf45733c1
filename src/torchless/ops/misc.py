"""Rules of issue 12's masked / signal / misc family: complex numbers built from parts (complex,
polar) and the out-of-place fill."""
import numpy as np

from ._rule import Explain, Rule
from .elementwise import _sum_tangents


class ComplexBackward0(Rule):
    """complex(real, imag) = real + i·imag:  the real part of g flows to real, its imaginary part to imag"""
    op_name = "complex"
    batching = "elementwise"
    explain = Explain("complex({a}, {b})", "∂L/∂real = Re(∂L/∂out),  ∂L/∂imag = Im(∂L/∂out)")

    @staticmethod
    def forward(node, xp, re, im):
        if node is not None:
            node.shapes = (re.shape, im.shape)
        if type(re) is not np.ndarray:  # on Tensors (a node lifted for create_graph)
            return re + im * 1j
        out = np.empty(np.broadcast_shapes(re.shape, im.shape), np.result_type(re.dtype, np.complex64))
        out.real = re
        out.imag = im
        return out

    @staticmethod
    def jvp(xp, t, out, re, im):
        return _sum_tangents(None if t[0] is None else t[0] + 0j, None if t[1] is None else t[1] * 1j)

    def vjp(self, g, xp):
        sr, si = self.shapes
        (nr, _), (ni, _) = self.next_functions
        return (None if nr is None else xp.sum_to(g.real, sr), None if ni is None else xp.sum_to(g.imag, si))


class PolarBackward0(Rule):
    """polar(abs, angle) = abs·(cos angle + i sin angle):  ∂L/∂abs = Re(conj(e^{i·angle}) g),
    ∂L/∂angle = abs · Im(conj(e^{i·angle}) g)"""
    op_name = "polar"
    batching = "elementwise"
    explain = Explain("polar({a}, {b})", "∂L/∂abs = Re(e^{-iθ} ∂L/∂out),  ∂L/∂θ = abs · Im(e^{-iθ} ∂L/∂out)")

    @staticmethod
    def forward(node, xp, r, theta):
        if node is not None:
            node.saved = (r, theta)
        c, s = xp.cos(theta), xp.sin(theta)
        if type(r) is not np.ndarray:  # on Tensors (a node lifted for create_graph)
            return r * c + r * s * 1j
        out = np.empty(np.broadcast_shapes(r.shape, theta.shape), np.result_type(r.dtype, np.complex64))
        out.real = r * c
        out.imag = r * s
        return out

    @staticmethod
    def jvp(xp, t, out, r, theta):  # d(r e^{iθ}) = e^{iθ} dr + i r e^{iθ} dθ = e^{iθ} dr + i out dθ
        unit = xp.cos(theta) + xp.sin(theta) * 1j
        return _sum_tangents(None if t[0] is None else t[0] * unit, None if t[1] is None else out * t[1] * 1j)

    def vjp(self, g, xp):
        r, theta = self.saved
        (nr, _), (nt, _) = self.next_functions
        c, s = xp.cos(theta), xp.sin(theta)
        gr, gi = g.real, g.imag
        return (None if nr is None else xp.sum_to(gr * c + gi * s, r.shape),
                None if nt is None else xp.sum_to(r * (gi * c - gr * s), theta.shape))


class FillBackward0(Rule):
    """fill(input, value), value a number: a tensor of input's shape and dtype full of value; no
    gradient reaches input (a zero one, as PyTorch's)"""
    op_name = "fill"
    batching = "elementwise"
    explain = Explain("fill_({a}, value)", "∂out/∂input = 0")

    @staticmethod
    def forward(node, xp, a, value):
        return np.full(a.shape, value, a.dtype)

    @staticmethod
    def jvp(xp, t, out, a, value):
        return xp.zeros_like(out)

    def vjp(self, g, xp):
        return (xp.zeros_like(g),)


class FillBackward1(Rule):
    """fill(input, value), value a 0-d tensor: input's shape full of value; value's gradient is the sum
    of g, input's is zero"""
    op_name = "fill"
    batching = "elementwise"
    explain = Explain("fill_({a}, {v})", "∂L/∂value = Σ ∂L/∂out,  ∂out/∂input = 0")

    @staticmethod
    def forward(node, xp, a, value):
        if node is not None:
            node.dtype = value.dtype
        return np.full(a.shape, value, a.dtype)

    @staticmethod
    def jvp(xp, t, out, a, value):
        if t[1] is None:
            return xp.zeros_like(out)
        return xp.broadcast_to(xp.to_dtype(t[1], out.dtype), out.shape)

    def vjp(self, g, xp):
        (na, _), (nv, _) = self.next_functions
        return (None if na is None else xp.zeros_like(g),
                None if nv is None else xp.to_dtype(g.sum(), self.dtype))
