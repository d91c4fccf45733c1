"""Convolution and pooling (issue 12, breadth): values and gradients against PyTorch, gradcheck and
gradgradcheck in float64, forward-mode AD, and the modules' arguments, repr, state_dict and lazy
initialisation. The kernels alone (ops/conv.py) are checked against a direct loop."""
import itertools

import numpy as np
import pytest

import torchless as tl
import torchless.nn as nn
import torchless.nn.functional as F
from torchless.autograd import gradcheck, gradgradcheck
from torchless.ops import conv as C

from tests.conftest import requires_torch

RNG = np.random.default_rng(12)


def _arrays(*shapes):
    return [RNG.standard_normal(s) for s in shapes]


def _compare(torch, name, arrays, kwargs, dtype="float64", grad=True, atol=1e-10):
    """Run nn.functional.<name> on the same arrays in both libraries; compare values and the
    gradients of Σ out·w for every input."""
    ours = [tl.tensor(a.astype(dtype), requires_grad=grad) for a in arrays]
    theirs = [torch.tensor(a.astype(dtype), requires_grad=grad) for a in arrays]
    o = getattr(F, name)(*ours, **kwargs)
    t = getattr(torch.nn.functional, name)(*theirs, **kwargs)
    if isinstance(t, tuple):
        assert np.array_equal(o[1].numpy(), t[1].numpy())
        o, t = o[0], t[0]
    assert tuple(o.shape) == tuple(t.shape)
    assert str(o.dtype) == str(t.dtype)
    np.testing.assert_allclose(o.detach().numpy(), t.detach().numpy(), atol=atol, rtol=1e-5)
    if grad:
        w = RNG.standard_normal(tuple(t.shape)).astype(dtype)
        (o * tl.tensor(w)).sum().backward()
        (t * torch.tensor(w)).sum().backward()
        for a, b in zip(ours, theirs):
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), atol=atol, rtol=1e-5)
    return o


# ============================================================================ the kernels alone
def _direct_conv2d(x, w, stride, pad, dil, groups):
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad[0], pad[0]), (pad[1], pad[1])))
    oh = (h + 2 * pad[0] - dil[0] * (kh - 1) - 1) // stride[0] + 1
    ow = (wd + 2 * pad[1] - dil[1] * (kw - 1) - 1) // stride[1] + 1
    out = np.zeros((n, o, oh, ow))
    og = o // groups
    for oc, i, j in itertools.product(range(o), range(oh), range(ow)):
        g = oc // og
        patch = xp[:, g * cg:(g + 1) * cg, i * stride[0]:i * stride[0] + dil[0] * (kh - 1) + 1:dil[0],
                   j * stride[1]:j * stride[1] + dil[1] * (kw - 1) + 1:dil[1]]
        out[:, oc, i, j] = (patch * w[oc]).sum(axis=(1, 2, 3))
    return out


@pytest.mark.parametrize("stride,pad,dil,groups", [((1, 1), (0, 0), (1, 1), 1), ((2, 1), (1, 2), (2, 1), 2),
                                                    ((3, 2), (2, 0), (1, 3), 4)])
def test_kernel_matches_a_direct_loop(stride, pad, dil, groups):
    x, w = _arrays((2, 4, 9, 11), (8, 4 // groups, 3, 2))
    ours = F.conv2d(tl.tensor(x), tl.tensor(w), None, stride, pad, dil, groups).numpy()
    np.testing.assert_allclose(ours, _direct_conv2d(x, w, stride, pad, dil, groups), atol=1e-12)


def test_the_three_partials_are_adjoint():
    """<conv(x, w), y> = <x, input_grad(y, w)> = <w, weight_grad(x, y)>: one trilinear form."""
    x, w = _arrays((2, 4, 7, 6), (6, 2, 3, 2))
    spec = C.ConvSpec("y", (2, 1), (1, 2), (1, 0), (1, 0), 2, (7, 6), (3, 2), (4, 4))
    y = RNG.standard_normal((2, 6, 4, 4))
    t1 = (C.conv_y(x, w, spec) * y).sum()
    t2 = (x * C.conv_x(y, w, spec)).sum()
    t3 = (w * C.conv_w(x, y, spec)).sum()
    assert abs(t1 - t2) < 1e-10 and abs(t1 - t3) < 1e-10


# ============================================================================ against PyTorch
CONV_CASES = [
    ("conv1d", [(2, 3, 9), (4, 3, 3), (4,)], {"stride": 2, "padding": 1}),
    ("conv1d", [(3, 9), (4, 3, 3)], {"padding": "same", "dilation": 2}),
    ("conv2d", [(2, 4, 7, 6), (6, 2, 3, 2), (6,)], {"stride": (2, 1), "padding": (1, 2), "dilation": (2, 1),
                                                    "groups": 2}),
    ("conv2d", [(2, 3, 6, 6), (4, 3, 4, 3)], {"padding": "same"}),
    ("conv2d", [(2, 3, 6, 6), (4, 3, 3, 3)], {"padding": "valid"}),
    ("conv3d", [(2, 2, 5, 6, 4), (4, 2, 3, 2, 2), (4,)], {"stride": 2, "padding": 1}),
    ("conv_transpose1d", [(2, 4, 5), (4, 3, 3), (3,)], {"stride": 2, "output_padding": 1}),
    ("conv_transpose2d", [(2, 4, 5, 6), (4, 3, 3, 2), (6,)], {"stride": (2, 3), "padding": (1, 0),
                                                              "output_padding": (1, 2), "groups": 2,
                                                              "dilation": (1, 2)}),
    ("conv_transpose3d", [(2, 4, 3, 4, 3), (4, 3, 3, 2, 2)], {"stride": 2, "dilation": 2, "output_padding": 1}),
]


@requires_torch
@pytest.mark.parametrize("name,shapes,kwargs", CONV_CASES)
def test_convolutions_match_pytorch(torch_ref, name, shapes, kwargs):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch's note on 'same' with even kernels
        o = _compare(torch_ref, name, _arrays(*shapes), kwargs)
        _compare(torch_ref, name, _arrays(*shapes), kwargs, dtype="float32", atol=1e-4)
    if len(shapes[0]) == int(name[-2]) + 2:
        assert type(o.grad_fn).__name__ == "ConvolutionBackward0"


@pytest.mark.parametrize("name,shapes,kwargs", [c for c in CONV_CASES if c[0] in ("conv2d", "conv_transpose2d")])
def test_convolutions_gradcheck_and_gradgradcheck(name, shapes, kwargs):
    inputs = tuple(tl.tensor(a, requires_grad=True) for a in _arrays(*shapes))
    f = lambda *args: getattr(F, name)(*args, **kwargs)  # noqa: E731
    assert gradcheck(f, inputs)
    assert gradgradcheck(f, inputs)


def test_convolution_forward_ad_matches_the_bilinear_rule():
    import torchless.autograd.forward_ad as fwAD
    x, w, tx, tw = _arrays((2, 3, 6, 5), (4, 3, 3, 2), (2, 3, 6, 5), (4, 3, 3, 2))
    with fwAD.dual_level():
        out = F.conv2d(fwAD.make_dual(tl.tensor(x), tl.tensor(tx)), fwAD.make_dual(tl.tensor(w), tl.tensor(tw)),
                       stride=2, padding=1)
        tangent = fwAD.unpack_dual(out).tangent.numpy()
    expected = (F.conv2d(tl.tensor(tx), tl.tensor(w), stride=2, padding=1)
                + F.conv2d(tl.tensor(x), tl.tensor(tw), stride=2, padding=1)).numpy()
    np.testing.assert_allclose(tangent, expected, atol=1e-12)


POOL_CASES = [
    ("max_pool1d", [(2, 3, 9)], {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}),
    ("max_pool2d", [(2, 3, 7, 8)], {"kernel_size": (3, 2), "stride": (2, 1), "padding": 1, "dilation": (1, 2),
                                    "return_indices": True}),
    ("max_pool3d", [(2, 5, 6, 7)], {"kernel_size": 2, "ceil_mode": True}),
    ("avg_pool1d", [(2, 3, 9)], {"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False}),
    ("avg_pool2d", [(2, 3, 7, 8)], {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}),
    ("avg_pool2d", [(2, 3, 7, 8)], {"kernel_size": 2, "divisor_override": 3}),
    ("avg_pool3d", [(1, 2, 5, 6, 7)], {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True,
                                       "count_include_pad": False}),
    ("adaptive_avg_pool1d", [(2, 3, 10)], {"output_size": 4}),
    ("adaptive_avg_pool2d", [(2, 3, 7, 9)], {"output_size": (3, None)}),
    ("adaptive_avg_pool3d", [(2, 5, 7, 9)], {"output_size": (2, 3, 4)}),
    ("adaptive_max_pool1d", [(2, 3, 10)], {"output_size": 4, "return_indices": True}),
    ("adaptive_max_pool2d", [(2, 3, 7, 9)], {"output_size": (3, 5), "return_indices": True}),
    ("adaptive_max_pool3d", [(1, 2, 5, 7, 9)], {"output_size": 3}),
    ("lp_pool2d", [(2, 3, 6, 6)], {"norm_type": 2, "kernel_size": 2}),
    ("lp_pool1d", [(2, 3, 7)], {"norm_type": 3, "kernel_size": 3, "stride": 2}),
]


@requires_torch
@pytest.mark.parametrize("name,shapes,kwargs", POOL_CASES)
def test_pools_match_pytorch(torch_ref, name, shapes, kwargs):
    arrays = [np.abs(a) + 0.1 if name.startswith("lp") else a for a in _arrays(*shapes)]
    _compare(torch_ref, name, arrays, kwargs)
    _compare(torch_ref, name, arrays, kwargs, dtype="float32", atol=1e-5)


@pytest.mark.parametrize("name,shapes,kwargs", [c for c in POOL_CASES if not c[0].startswith("lp")])
def test_pools_gradgradcheck(name, shapes, kwargs):
    x = tl.tensor(RNG.permutation(np.prod(shapes[0])).reshape(shapes[0]) / 7.0, requires_grad=True)  # no ties
    kwargs = {k: v for k, v in kwargs.items() if k != "return_indices"}
    f = lambda a: getattr(F, name)(a, **kwargs)  # noqa: E731
    assert gradcheck(f, (x,))
    assert gradgradcheck(f, (x,))


@requires_torch
def test_pool_grad_fn_names(torch_ref):
    x = tl.randn(2, 3, 6, 6, requires_grad=True)
    assert type(F.max_pool2d(x, 2).grad_fn).__name__ == "MaxPool2DWithIndicesBackward0"
    assert type(F.avg_pool2d(x, 2).grad_fn).__name__ == "AvgPool2DBackward0"
    assert type(F.adaptive_avg_pool2d(x, 2).grad_fn).__name__ == "AdaptiveAvgPool2DBackward0"
    assert type(F.max_pool1d(x[0], 2).grad_fn).__name__ == "SqueezeBackward1"


@requires_torch
def test_max_unpool_inverts_max_pool(torch_ref):
    x = RNG.standard_normal((2, 3, 6, 8))
    out, idx = F.max_pool2d(tl.tensor(x), 2, return_indices=True)
    back = F.max_unpool2d(out, idx, 2)
    t_out, t_idx = torch_ref.nn.functional.max_pool2d(torch_ref.tensor(x), 2, return_indices=True)
    np.testing.assert_array_equal(back.numpy(), torch_ref.nn.functional.max_unpool2d(t_out, t_idx, 2).numpy())


@requires_torch
@pytest.mark.parametrize("call", [
    lambda F, t: F.conv2d(t(2, 3, 5, 5), t(4, 2, 3, 3)),
    lambda F, t: F.conv2d(t(2, 3, 5, 5), t(4, 3, 7, 7)),
    lambda F, t: F.conv2d(t(5, 5), t(4, 3, 3, 3)),
    lambda F, t: F.conv2d(t(2, 3, 5, 5), t(4, 3, 3, 3), stride=0),
    lambda F, t: F.conv2d(t(2, 3, 5, 5), t(4, 3, 3, 3), padding="foo"),
    lambda F, t: F.conv2d(t(2, 3, 5, 5), t(4, 3, 3, 3), stride=2, padding="same"),
    lambda F, t: F.conv2d(t(2, 3, 5, 5), t(4, 3, 3, 3), t(3)),
    lambda F, t: F.conv2d(t(2, 4, 5, 5), t(3, 2, 3, 3), groups=2),
    lambda F, t: F.conv_transpose2d(t(2, 3, 5, 5), t(3, 4, 3, 3), output_padding=1),
    lambda F, t: F.max_pool2d(t(2, 3, 5, 5), 3, padding=2),
    lambda F, t: F.max_pool2d(t(2, 3, 1, 1), 2),
    lambda F, t: F.avg_pool2d(t(2, 3, 5, 5), 2, divisor_override=0),
    lambda F, t: F.adaptive_avg_pool2d(t(2, 2), (2, 2)),
])
def test_errors_match_pytorch(torch_ref, call):
    def ours(*shape):
        return tl.zeros(shape)

    def theirs(*shape):
        return torch_ref.zeros(shape)
    with pytest.raises(Exception) as expected:
        call(torch_ref.nn.functional, theirs)
    with pytest.raises(expected.type) as got:
        call(F, ours)
    assert str(got.value).split(" (")[0][:40] == str(expected.value).split(" (")[0][:40]


# ============================================================================ modules
@requires_torch
@pytest.mark.parametrize("cls,args,kwargs", [
    ("Conv2d", (2, 4, 3), {}),
    ("Conv2d", (2, 4, 3), {"padding": "same", "padding_mode": "reflect", "bias": False, "groups": 2}),
    ("Conv1d", (2, 4, 3), {"padding": 1, "padding_mode": "circular", "stride": 2}),
    ("Conv3d", (2, 4, (3, 1, 2)), {"padding": "same", "padding_mode": "replicate"}),
    ("ConvTranspose2d", (2, 4, 3), {"stride": 2, "output_padding": 1, "dilation": 1}),
    ("ConvTranspose1d", (4, 2, 3), {"groups": 2}),
    ("MaxPool2d", (2,), {}), ("AvgPool1d", (3,), {}), ("AvgPool3d", (2,), {"divisor_override": 2}),
    ("AdaptiveAvgPool2d", ((None, 3),), {}), ("AdaptiveMaxPool2d", (2,), {"return_indices": True}),
    ("LPPool2d", (2, 3), {}), ("MaxUnpool2d", (2,), {}),
])
def test_module_repr_state_and_forward(torch_ref, cls, args, kwargs):
    ours, theirs = getattr(nn, cls)(*args, **kwargs), getattr(torch_ref.nn, cls)(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for k, v in theirs.state_dict().items():
        assert tuple(ours.state_dict()[k].shape) == tuple(v.shape)
    if cls.startswith("Conv"):
        assert ours._reversed_padding_repeated_twice == theirs._reversed_padding_repeated_twice
        ours.load_state_dict({k: tl.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
        d = int(cls[-2])
        x = RNG.standard_normal((2, args[0]) + (7,) * d).astype(np.float32)
        np.testing.assert_allclose(ours(tl.tensor(x)).detach().numpy(), theirs(torch_ref.tensor(x)).detach().numpy(),
                                   atol=1e-5)


def test_conv_default_init_bounds():
    m = nn.Conv2d(3, 8, 5)
    bound = 1 / np.sqrt(3 * 25)
    assert np.abs(m.weight.detach().numpy()).max() <= bound and np.abs(m.bias.detach().numpy()).max() <= bound
    assert np.abs(m.weight.detach().numpy()).max() > bound / 2
    t = nn.ConvTranspose2d(3, 8, 5)  # fan_in from weight.shape[1] = out_channels / groups
    assert np.abs(t.weight.detach().numpy()).max() <= 1 / np.sqrt(8 * 25)


def test_module_constructor_errors():
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        nn.Conv2d(4, 4, 3, padding_mode="x")
    with pytest.raises(ValueError, match='Only "zeros" padding mode'):
        nn.ConvTranspose2d(4, 4, 3, padding_mode="reflect")
    with pytest.raises(ValueError, match="strided convolutions"):
        nn.Conv2d(4, 4, 3, stride=2, padding="same")


@pytest.mark.parametrize("lazy,plain,channels", [("LazyConv2d", nn.Conv2d, 3), ("LazyConvTranspose1d",
                                                                                  nn.ConvTranspose1d, 6)])
def test_lazy_modules_take_in_channels_from_the_first_input(lazy, plain, channels):
    m = getattr(nn, lazy)(4, 3, groups=1 if lazy == "LazyConv2d" else 2)
    params = list(m.parameters())
    assert m.in_channels == 0 and tuple(m.weight.shape) == (0,)
    d = 2 if "2d" in lazy else 1
    m(tl.randn(*((2, channels) + (6,) * d)))
    assert type(m) is plain and m.in_channels == channels
    assert params[0] is m.weight  # an optimizer built before the first call holds the real parameter
    assert "weight" in m.state_dict()


def test_conv_transpose_output_size():
    m = nn.ConvTranspose2d(3, 2, 3, stride=2)
    assert tuple(m(tl.randn(1, 3, 4, 4), output_size=[10, 10]).shape) == (1, 2, 10, 10)
    with pytest.raises(ValueError, match="requested an output size"):
        m(tl.randn(1, 3, 4, 4), output_size=[12, 12])


def test_lenet_trains():
    """D2L §7.6: a few SGD steps of LeNet lower the loss on a fixed batch."""
    tl.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.Sigmoid(), nn.AvgPool2d(2, 2), nn.Conv2d(6, 16, 5),
                        nn.Sigmoid(), nn.AvgPool2d(2, 2), nn.Flatten(), nn.Linear(400, 120), nn.Sigmoid(),
                        nn.Linear(120, 84), nn.Sigmoid(), nn.Linear(84, 10))
    x = tl.tensor(RNG.random((32, 1, 28, 28), dtype=np.float32))
    y = tl.tensor(RNG.integers(0, 10, 32))
    opt = tl.optim.SGD(net.parameters(), lr=0.9)
    losses = []
    for _ in range(8):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(net(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]


# ============================================================================ rearrangements and resampling
RESAMPLE_CASES = [
    ("pixel_shuffle", [(2, 8, 3, 4)], {"upscale_factor": 2}),
    ("pixel_unshuffle", [(2, 2, 6, 4)], {"downscale_factor": 2}),
    ("channel_shuffle", [(2, 6, 3, 2)], {"groups": 3}),
    ("unfold", [(2, 3, 6, 7)], {"kernel_size": (2, 3), "dilation": (1, 2), "padding": 1, "stride": (2, 1)}),
    ("fold", [(2, 12, 15)], {"output_size": (5, 6), "kernel_size": 2, "stride": (2, 1), "padding": (1, 0)}),
    ("interpolate", [(2, 3, 5)], {"scale_factor": 2.5, "mode": "linear"}),
    ("interpolate", [(2, 3, 5, 4)], {"size": (7, 3), "mode": "bilinear", "align_corners": True}),
    ("interpolate", [(2, 3, 5, 4)], {"scale_factor": (1.7, 2), "mode": "bicubic"}),
    ("interpolate", [(1, 2, 3, 4, 5)], {"size": (4, 6, 3), "mode": "trilinear"}),
    ("interpolate", [(2, 3, 5, 4)], {"scale_factor": 1.6, "mode": "nearest"}),
    ("interpolate", [(2, 3, 5, 4)], {"size": (3, 7), "mode": "nearest-exact"}),
    ("interpolate", [(2, 3, 7, 9)], {"size": (3, 4), "mode": "area"}),
]


@requires_torch
@pytest.mark.parametrize("name,shapes,kwargs", RESAMPLE_CASES)
def test_resampling_matches_pytorch(torch_ref, name, shapes, kwargs):
    _compare(torch_ref, name, _arrays(*shapes), kwargs)
    _compare(torch_ref, name, _arrays(*shapes), kwargs, dtype="float32", atol=1e-5)


@pytest.mark.parametrize("name,shapes,kwargs", RESAMPLE_CASES)
def test_resampling_gradgradcheck(name, shapes, kwargs):
    x = tl.tensor(_arrays(*shapes)[0], requires_grad=True)
    f = lambda a: getattr(F, name)(a, **kwargs)  # noqa: E731
    assert gradcheck(f, (x,))
    assert gradgradcheck(f, (x,))


def test_fold_is_the_adjoint_of_unfold():
    x, y = _arrays((2, 3, 6, 7), (2, 12, 20))
    kw = {"kernel_size": 2, "dilation": (1, 2), "padding": (0, 1), "stride": (1, 2)}
    u = F.unfold(tl.tensor(x), **kw).numpy()
    assert u.shape == y.shape
    f = F.fold(tl.tensor(y), (6, 7), **kw).numpy()
    assert abs((u * y).sum() - (x * f).sum()) < 1e-10


@requires_torch
def test_torch_level_names(torch_ref):
    x = _arrays((2, 3, 8))[0]
    assert tuple(tl.max_pool1d(tl.tensor(x), 2).shape) == (2, 3, 4)
    values, indices = tl.adaptive_max_pool1d(tl.tensor(x), 3)
    t_values, t_indices = torch_ref.adaptive_max_pool1d(torch_ref.tensor(x), 3)
    np.testing.assert_array_equal(indices.numpy(), t_indices.numpy())
    w = _arrays((4, 3, 3))[0]
    np.testing.assert_allclose(tl.conv1d(tl.tensor(x), tl.tensor(w)).numpy(),
                               torch_ref.conv1d(torch_ref.tensor(x), torch_ref.tensor(w)).numpy(), atol=1e-12)


@requires_torch
@pytest.mark.parametrize("cls,args,kwargs", [("Upsample", (), {"scale_factor": 2}),
                                             ("Upsample", (), {"size": (3, 4), "mode": "bilinear"}),
                                             ("UpsamplingBilinear2d", (), {"scale_factor": 2}),
                                             ("UpsamplingNearest2d", (), {"size": 5}), ("Fold", (4, 2), {}),
                                             ("Unfold", (2,), {}), ("PixelShuffle", (2,), {}),
                                             ("PixelUnshuffle", (3,), {}), ("ChannelShuffle", (2,), {})])
def test_resampling_module_repr(torch_ref, cls, args, kwargs):
    assert repr(getattr(nn, cls)(*args, **kwargs)) == repr(getattr(torch_ref.nn, cls)(*args, **kwargs))
