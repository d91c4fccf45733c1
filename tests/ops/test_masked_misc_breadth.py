"""torch.masked, torch.signal.windows and the misc ops of issue 12 (masked / misc family): values
against closed forms, gradients by gradcheck, and the same code run in PyTorch and torchless."""
import math

import numpy as np
import pytest

import torchless
from torchless.autograd import gradcheck, gradgradcheck


def _t(a, dtype=torchless.float64, rg=False):
    return torchless.tensor(np.asarray(a), dtype=dtype, requires_grad=rg)


X = np.array([[1.0, -2.0, 3.0, 0.5], [4.0, 0.25, -1.0, 2.0], [-3.0, 1.5, 2.5, -0.5]])
M = np.array([[True, False, True, True], [False, False, False, False], [True, True, False, True]])


# ---------------------------------------------------------------------------- torch.masked: values
def test_masked_sum_mean_closed_forms():
    x, m = _t(X), torchless.tensor(M)
    s = torchless.masked.sum(x, 1, mask=m)
    np.testing.assert_allclose(s.numpy(), np.where(M, X, 0).sum(1))
    mean = torchless.masked.mean(x, 1, mask=m)
    assert math.isnan(mean[1].item())  # a fully masked-out row
    np.testing.assert_allclose(mean[[0, 2]].numpy(), [4.5 / 3, -2.0 / 3])
    assert torchless.masked.sum(x).item() == pytest.approx(X.sum())


def test_masked_identities_of_fully_masked_rows():
    x, m = _t(X), torchless.tensor(M)
    assert torchless.masked.amax(x, 1, mask=m)[1].item() == -math.inf
    assert torchless.masked.amin(x, 1, mask=m)[1].item() == math.inf
    assert torchless.masked.prod(x, 1, mask=m)[1].item() == 1.0
    assert torchless.masked.logsumexp(x, 1, mask=m)[1].item() == -math.inf
    xi = torchless.tensor([[1, 5], [3, 2]], dtype=torchless.int32)
    mi = torchless.tensor([[False, False], [True, False]])
    assert torchless.masked.amax(xi, 1, mask=mi).tolist() == [np.iinfo(np.int32).min, 3]
    assert torchless.masked.sum(xi, mask=mi).dtype == torchless.int64


def test_masked_softmax_zero_at_masked_out():
    x, m = _t(X), torchless.tensor(M)
    p = torchless.masked.softmax(x, 1, mask=m).numpy()
    e = np.where(M, np.exp(X), 0)[[0, 2]]
    np.testing.assert_allclose(p[[0, 2]], e / e.sum(1, keepdims=True))
    assert np.isnan(p[1]).all()


def test_masked_var_std_and_argmax_dtype():
    x, m = _t(X), torchless.tensor(M)
    v = torchless.masked.var(x, 1, mask=m)
    np.testing.assert_allclose(v[0].item(), np.var(X[0][M[0]], ddof=1))
    np.testing.assert_allclose(torchless.masked.std(x, 1, mask=m, correction=0)[2].item(), np.std(X[2][M[2]]))
    a = torchless.masked.argmax(x, 1, mask=m)
    assert a.dtype == torchless.float64 and a.tolist()[0] == 2.0


def test_masked_errors():
    x = _t(X)
    with pytest.raises(IndexError):
        torchless.masked.sum(x, 5)
    with pytest.raises(RuntimeError, match="multiple times"):
        torchless.masked.sum(x, (1, 1))
    with pytest.raises(ValueError, match="floating point or complex"):
        torchless.masked.mean(torchless.tensor([1, 2]))
    with pytest.raises(IndexError, match="broadcastable"):
        torchless.masked.sum(torchless.ones(3), mask=torchless.ones(2, 3, dtype=torchless.bool))


# ---------------------------------------------------------------------------- torch.masked: gradients
@pytest.mark.parametrize("name", ["sum", "prod", "amax", "amin", "mean", "logsumexp", "var", "std", "norm"])
def test_masked_reduction_gradcheck(name):
    x = _t(X, rg=True)
    m = torchless.tensor(M)
    m[1, 0] = True  # every row keeps one element (no NaN results)
    fn = getattr(torchless.masked, name)
    if name in ("var", "std"):
        m[1, 3] = True
    assert gradcheck(lambda a: fn(a, 1, mask=m), (x,))
    assert gradgradcheck(lambda a: fn(a, 1, mask=m), (x,))


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin", "cumsum", "cumprod"])
def test_masked_normalization_gradcheck(name):
    x = _t(X, rg=True)
    m = torchless.tensor(M)
    m[1, 0] = True
    fn = getattr(torchless.masked, name)
    if name == "log_softmax":  # -inf at masked-out elements: check the masked-in ones
        assert gradcheck(lambda a: fn(a, 1, mask=m)[m], (x,))
    else:
        assert gradcheck(lambda a: fn(a, 1, mask=m), (x,))
    assert gradcheck(lambda a: torchless.masked.normalize(a, 2.0, 1, mask=m), (x,))


# ---------------------------------------------------------------------------- against PyTorch
MASKED_CASES = [
    ("sum", lambda lib, x, m: lib.masked.sum(x, (0, 1), keepdim=True, mask=m)),
    ("prod", lambda lib, x, m: lib.masked.prod(x, 1, mask=m)),
    ("amax", lambda lib, x, m: lib.masked.amax(x, 0, mask=m)),
    ("mean", lambda lib, x, m: lib.masked.mean(x, 1, mask=m)),
    ("median", lambda lib, x, m: lib.masked.median(x, 1, mask=m)),
    ("var", lambda lib, x, m: lib.masked.var(x, 1, unbiased=False, mask=m)),
    ("norm", lambda lib, x, m: lib.masked.norm(x, -math.inf, 1, mask=m)),
    ("softmin", lambda lib, x, m: lib.masked.softmin(x, 0, mask=m)),
    ("normalize", lambda lib, x, m: lib.masked.normalize(x, 1.0, 1, mask=m)),
    ("logaddexp", lambda lib, x, m: lib.masked.logaddexp(x, x * 2, input_mask=m, other_mask=m[0])),
]


@pytest.mark.parametrize("name,fn", MASKED_CASES, ids=[c[0] for c in MASKED_CASES])
def test_masked_against_torch(torch_ref, name, fn):
    results = []
    for lib in (torch_ref, torchless):
        x = lib.tensor(X, requires_grad=True)
        out = fn(lib, x, lib.tensor(M))
        w = lib.tensor(np.arange(out.numel(), dtype=np.float64).reshape(tuple(out.shape)))
        loss = lib.where(out.isfinite(), out * w, lib.zeros_like(out)).sum()
        (g,) = lib.autograd.grad(loss, x)
        results.append((out.detach().numpy(), str(out.dtype)[6:], g.numpy()))
    (ot, dt, gt), (ol, dl, gl) = results
    assert dl == dt
    np.testing.assert_allclose(ol, ot, rtol=1e-12, equal_nan=True)
    np.testing.assert_allclose(gl, gt, rtol=1e-12, atol=1e-14, equal_nan=True)
