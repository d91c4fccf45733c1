"""torch.nn.init: statistics of each initialiser on large tensors, exact bounds for the uniform
ones, fans and gains equal to PyTorch's, in-place on Parameters, and PyTorch's errors."""
import inspect
import math

import numpy as np
import pytest

import torchless
from torchless import nn
from torchless.nn import init

GAINS = [("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None), ("relu", None),
         ("leaky_relu", None), ("leaky_relu", 0.2), ("leaky_relu", 3), ("selu", None),
         ("conv_transpose3d", None)]


@pytest.mark.parametrize("name,param", GAINS)
def test_calculate_gain_equals_torch(name, param, torch_ref):
    ours, theirs = init.calculate_gain(name, param), torch_ref.nn.init.calculate_gain(name, param)
    assert ours == theirs and type(ours) is type(theirs)


@pytest.mark.parametrize("name,param", [("softplus", None), ("leaky_relu", "x"), ("leaky_relu", True)])
def test_calculate_gain_errors(name, param, torch_ref):
    with pytest.raises(ValueError) as theirs:
        torch_ref.nn.init.calculate_gain(name, param)
    with pytest.raises(ValueError) as ours:
        init.calculate_gain(name, param)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("shape", [(3, 4), (8, 3, 5), (6, 2, 3, 3), (2, 3, 1, 2, 2)])
def test_fans_equal_torch(shape, torch_ref):
    ours = init._calculate_fan_in_and_fan_out(torchless.empty(*shape))
    assert ours == torch_ref.nn.init._calculate_fan_in_and_fan_out(torch_ref.empty(*shape))


def test_fan_needs_two_dims(torch_ref):
    with pytest.raises(ValueError) as theirs:
        torch_ref.nn.init.xavier_uniform_(torch_ref.empty(5))
    with pytest.raises(ValueError) as ours:
        init.xavier_uniform_(torchless.empty(5))
    assert str(ours.value) == str(theirs.value)
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_normal_(torchless.empty(3, 4), mode="fan_avg")


def test_signatures_equal_torch(torch_ref):
    for name in init.__all__:
        ours = list(inspect.signature(getattr(init, name)).parameters)
        theirs = list(inspect.signature(getattr(torch_ref.nn.init, name)).parameters)
        assert ours == theirs, name


def _stats(t):
    a = t.detach().numpy().astype(np.float64)
    return a.mean(), a.std(), a.min(), a.max()


SHAPE = (400, 300)  # fan_in 300, fan_out 400
FAN_IN, FAN_OUT = 300, 400


@pytest.mark.parametrize("fill,expected_std,bound", [
    (lambda t: init.uniform_(t, -0.5, 0.5), 1 / math.sqrt(12), 0.5),
    (lambda t: init.normal_(t, 0.0, 0.02), 0.02, None),
    (lambda t: init.xavier_uniform_(t), math.sqrt(2 / (FAN_IN + FAN_OUT)), math.sqrt(6 / (FAN_IN + FAN_OUT))),
    (lambda t: init.xavier_uniform_(t, gain=init.calculate_gain("tanh")),
     5 / 3 * math.sqrt(2 / (FAN_IN + FAN_OUT)), 5 / 3 * math.sqrt(6 / (FAN_IN + FAN_OUT))),
    (lambda t: init.xavier_normal_(t), math.sqrt(2 / (FAN_IN + FAN_OUT)), None),
    (lambda t: init.kaiming_uniform_(t, a=math.sqrt(5)), math.sqrt(1 / 3) / math.sqrt(FAN_IN), 1 / math.sqrt(FAN_IN)),
    (lambda t: init.kaiming_uniform_(t, mode="fan_out", nonlinearity="relu"), math.sqrt(2 / FAN_OUT),
     math.sqrt(6 / FAN_OUT)),
    (lambda t: init.kaiming_normal_(t), math.sqrt(2 / FAN_IN), None),
    (lambda t: init.kaiming_normal_(t, mode="fan_out", nonlinearity="relu"), math.sqrt(2 / FAN_OUT), None),
    (lambda t: init.trunc_normal_(t, std=1.0, a=-1.0, b=1.5), None, None),
])
def test_random_initialisers_have_the_right_statistics(fill, expected_std, bound):
    torchless.manual_seed(0)
    p = nn.Parameter(torchless.empty(*SHAPE))
    out = fill(p)
    assert out is p and p.requires_grad and p.is_leaf and p.grad_fn is None
    assert p.dtype == torchless.float32
    mean, std, lo, hi = _stats(p)
    if expected_std is None:  # trunc_normal_: inside [a, b], both ends reached nearly
        assert -1.0 <= lo < -0.99 and 1.49 < hi <= 1.5
        return
    assert abs(mean) < 4 * expected_std / math.sqrt(p.numel())
    assert abs(std / expected_std - 1) < 0.02
    if bound is not None:
        assert -bound <= lo and hi < bound and lo < -0.99 * bound and hi > 0.99 * bound


def test_trunc_normal_mean_and_std_of_the_truncated_law():
    torchless.manual_seed(1)
    t = init.trunc_normal_(torchless.empty(200_000, dtype=torchless.float64), mean=1.0, std=2.0, a=0.0, b=3.0)
    a = t.numpy()
    assert a.min() >= 0.0 and a.max() <= 3.0
    # truncated normal on [mean - std/2, mean + std]: alpha = -0.5, beta = 1
    phi = lambda z: math.exp(-z * z / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    cdf = lambda z: 0.5 * (1 + math.erf(z / math.sqrt(2)))  # noqa: E731
    z = cdf(1.0) - cdf(-0.5)
    expected_mean = 1.0 + 2.0 * (phi(-0.5) - phi(1.0)) / z
    assert abs(a.mean() - expected_mean) < 0.01


def test_constant_zeros_ones_eye_on_parameters(torch_ref):
    p = nn.Parameter(torchless.randn(3, 4))
    assert init.constant_(p, 0.25) is p and (p.detach().numpy() == 0.25).all()
    assert init.zeros_(p) is p and (p.detach().numpy() == 0).all()
    assert init.ones_(p) is p and (p.detach().numpy() == 1).all()
    assert init.eye_(p) is p
    np.testing.assert_array_equal(p.detach().numpy(), torch_ref.nn.init.eye_(torch_ref.empty(3, 4)).numpy())
    assert p.requires_grad and p.grad_fn is None
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions are supported"):
        init.eye_(torchless.empty(2, 2, 2))


def test_initialisers_keep_dtype_and_are_seeded():
    for fill in (init.xavier_uniform_, init.kaiming_normal_, init.normal_, init.uniform_):
        torchless.manual_seed(5)
        a = fill(torchless.empty(5, 6, dtype=torchless.float64)).numpy().copy()
        torchless.manual_seed(5)
        b = fill(torchless.empty(5, 6, dtype=torchless.float64)).numpy()
        assert a.dtype == np.float64
        np.testing.assert_array_equal(a, b)


def test_gradients_flow_after_init():
    w = nn.Parameter(torchless.empty(3, 4))
    init.kaiming_uniform_(w, a=math.sqrt(5))
    (w * 2).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), np.full((3, 4), 2.0, np.float32))


def test_zero_element_kaiming_warns_like_torch(torch_ref):
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        out = init.kaiming_uniform_(torchless.empty(0, 3))
    assert tuple(out.shape) == (0, 3)


def test_non_tensor_argument_is_a_type_error():
    with pytest.raises(TypeError):
        init.normal_(np.zeros(3))
