"""Gradients of real losses of complex tensors, against central finite differences (PyTorch's
convention: the gradient with respect to z = x + iy is dL/dx + i dL/dy).

The holomorphic ops (mul, div, pow, exp, log, sin, sqrt, tanh, sigmoid, reciprocal, matmul ...)
need g · conj(f'(z)) there, where their real vjps multiply by f'(z): complex operands record each
rule's conjugating twin (ops/_rule.py, Rule.complex_rule). tests/tensor/test_complex_autograd.py
checks every such rule against PyTorch."""
import numpy as np
import pytest

import torchless

Z = [1 + 2j, 3 - 1j, -0.5 + 0.5j]
C = [2 - 1j, 0.5 + 1j, -1 + 0.25j]


def _c(values):
    return torchless.tensor(values, dtype=torchless.complex128)


RIGHT = {
    "add": lambda a: a + _c(C),
    "sub": lambda a: _c(C) - a,
    "neg": lambda a: -a,
    "sum": lambda a: a.sum().reshape(1) + a,
    "conj": lambda a: a.conj() * 1,
    "real_imag": lambda a: a.real * 2 - a.imag,
    "mH": lambda a: a.reshape(1, 3).mH,
}
HOLOMORPHIC = {  # their complex twins' vjps: g * conj(f'(z))
    "mul_tensor": lambda a: a * _c(C),
    "mul_number": lambda a: a * (2 - 1j),
    "div": lambda a: a / _c(C),
    "square": lambda a: a * a,
    "pow": lambda a: a ** 2,
    "exp": lambda a: a.exp(),
    "log": lambda a: a.log(),
    "sin": lambda a: a.sin(),
    "sqrt": lambda a: a.sqrt(),
    "tanh": lambda a: a.tanh(),
    "sigmoid": lambda a: a.sigmoid(),
    "reciprocal": lambda a: a.reciprocal(),
    "matmul": lambda a: _c([C, C]) @ a,
    "cos": lambda a: a.cos(),
    "exp2": lambda a: a.exp2(),
    "rsqrt": lambda a: a.rsqrt(),
    "log1p": lambda a: a.log1p(),
    "number_pow": lambda a: (2 - 1j) ** a,
    "prod": lambda a: a.prod().reshape(1) * 1,
    "cumprod": lambda a: a.cumprod(0),
    "dot": lambda a: torchless.dot(a, _c(C)).reshape(1),
    "vdot": lambda a: torchless.vdot(a, _c(C)).reshape(1) + torchless.vdot(_c(C), a),
    "var": lambda a: a.var().reshape(1),
    "logsumexp": lambda a: torchless.logsumexp(a, 0).reshape(1),
}


def _check(f):
    z = _c(Z).requires_grad_()
    f(z).abs().sum().backward()
    eps = 1e-6
    numerical = np.zeros(len(Z), complex)
    for k in range(len(Z)):
        for direction in (1, 1j):
            up, down = np.array(Z), np.array(Z)
            up[k] += eps * direction
            down[k] -= eps * direction
            numerical[k] += direction * (float(f(_c(up)).abs().sum()) - float(f(_c(down)).abs().sum())) / (2 * eps)
    np.testing.assert_allclose(z.grad.numpy(), numerical, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", RIGHT)
def test_complex_gradient(name):
    _check(RIGHT[name])


@pytest.mark.parametrize("name", HOLOMORPHIC)
def test_complex_gradient_of_holomorphic_ops(name):
    _check(HOLOMORPHIC[name])
