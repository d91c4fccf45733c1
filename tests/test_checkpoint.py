"""torch.utils.checkpoint: same gradients as the plain run, less memory, PyTorch's grad_fn and errors."""
import tracemalloc
import warnings

import numpy as np
import pytest

import torchless
from torchless.utils.checkpoint import checkpoint, checkpoint_sequential

VARIANTS = [False, True]  # use_reentrant


def _weights(seed=0, n=3, width=8):
    g = torchless.Generator().manual_seed(seed)
    return [torchless.randn(width, width, dtype=torchless.float64, generator=g, requires_grad=True)
            for _ in range(n)]


def _block(weights):
    def run(x):
        for w in weights:
            x = (x @ w).tanh()
        return x
    return run


def _grads(tensors):
    out = [t.grad.numpy().copy() for t in tensors]
    for t in tensors:
        t.grad = None
    return out


@pytest.mark.parametrize("use_reentrant", VARIANTS)
def test_gradients_are_identical_to_the_plain_run(use_reentrant):
    weights = _weights()
    x = torchless.randn(4, 8, dtype=torchless.float64, requires_grad=True)
    _block(weights)(x).sum().backward()
    expected = _grads(weights + [x])
    y = checkpoint(_block(weights), x, use_reentrant=use_reentrant)
    y.sum().backward()
    for got, want in zip(_grads(weights + [x]), expected):
        np.testing.assert_array_equal(got, want)


def test_grad_fn_is_the_functions_own_or_the_checkpoint_node():
    weights = _weights()
    x = torchless.randn(4, 8, dtype=torchless.float64, requires_grad=True)
    assert checkpoint(_block(weights), x, use_reentrant=False).grad_fn.name() == "TanhBackward0"
    assert checkpoint(_block(weights), x, use_reentrant=True).grad_fn.name() == "CheckpointFunctionBackward"


def test_activations_are_dropped_and_peak_memory_is_lower():
    """A 50-layer MLP in five checkpointed segments of ten layers."""
    gen = torchless.Generator().manual_seed(0)
    layers = [torchless.nn.Linear(128, 128) for _ in range(50)]
    x = torchless.randn(2048, 128, generator=gen, requires_grad=True)

    def segment(part):
        def run(h):
            for layer in part:
                h = layer(h).relu()
            return h
        return run

    def measure(use_checkpoint):
        tracemalloc.start()
        h = x
        for start in range(0, 50, 10):
            run = segment(layers[start:start + 10])
            h = checkpoint(run, h, use_reentrant=False) if use_checkpoint else run(h)
        loss = h.sum()
        kept, _ = tracemalloc.get_traced_memory()
        loss.backward()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return kept, peak, _grads([layer.weight for layer in layers] + [x])

    kept_plain, peak_plain, grads_plain = measure(False)
    kept_ckpt, peak_ckpt, grads_ckpt = measure(True)
    assert kept_ckpt < kept_plain / 5        # 5 segment inputs kept instead of 50 activations
    assert peak_ckpt < peak_plain / 2        # backward recomputes one segment at a time
    for got, want in zip(grads_ckpt, grads_plain):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("use_reentrant", VARIANTS)
def test_dropout_gets_the_same_mask_when_recomputed(use_reentrant):
    drop = torchless.nn.Dropout(0.5)
    x = torchless.randn(64, 8, dtype=torchless.float64, requires_grad=True)
    torchless.manual_seed(3)
    plain = drop(x * 2)
    plain.sum().backward()
    expected = _grads([x])[0]
    torchless.manual_seed(3)
    y = checkpoint(lambda t: drop(t * 2), x, use_reentrant=use_reentrant)
    np.testing.assert_array_equal(y.detach().numpy(), plain.detach().numpy())
    y.sum().backward()
    np.testing.assert_array_equal(_grads([x])[0], expected)


def test_non_reentrant_works_with_autograd_grad_and_retain_graph():
    weights = _weights()
    x = torchless.randn(4, 8, dtype=torchless.float64, requires_grad=True)
    (expected,) = torchless.autograd.grad(_block(weights)(x).sum(), x)
    loss = checkpoint(_block(weights), x, use_reentrant=False).sum()
    (got,) = torchless.autograd.grad(loss, x, retain_graph=True)
    np.testing.assert_array_equal(got.numpy(), expected.numpy())
    (again,) = torchless.autograd.grad(loss, x)
    np.testing.assert_array_equal(again.numpy(), expected.numpy())
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        loss.backward()


def test_checkpoint_sequential_matches_the_plain_run():
    net = torchless.nn.Sequential(*[torchless.nn.Linear(6, 6) for _ in range(6)])
    x = torchless.randn(3, 6, requires_grad=True)
    net(x).sum().backward()
    expected = _grads(list(net.parameters()) + [x])
    checkpoint_sequential(net, 3, x, use_reentrant=False).sum().backward()
    for got, want in zip(_grads(list(net.parameters()) + [x]), expected):
        np.testing.assert_allclose(got, want, rtol=1e-6)


def test_a_function_that_changes_between_runs_is_reported():
    calls = []

    def unstable(x):
        calls.append(1)
        return x.exp() if len(calls) == 1 else x.exp().sin()

    x = torchless.randn(3, requires_grad=True)
    y = checkpoint(unstable, x, use_reentrant=False)
    with pytest.raises(RuntimeError, match="torch.utils.checkpoint: Recomputed values"):
        y.sum().backward()


def test_arguments_are_checked():
    x = torchless.randn(3, requires_grad=True)
    with pytest.warns(UserWarning, match="the use_reentrant parameter should be passed explicitly"):
        checkpoint(lambda t: t * 2, x)
    with pytest.raises(ValueError, match="Unexpected keyword arguments: scale"):
        checkpoint(lambda t, scale: t * scale, x, use_reentrant=True, scale=2)
    assert checkpoint(lambda t, scale: t * scale, x, use_reentrant=False, scale=2).grad_fn.name() == "MulBackward0"


@pytest.mark.parametrize("use_reentrant", VARIANTS)
def test_same_gradients_and_grad_fn_as_torch(use_reentrant, torch_ref):
    a = np.random.default_rng(5).standard_normal((3, 5, 5))
    x0 = np.random.default_rng(6).standard_normal((2, 5))
    results = []
    for m in (torchless, torch_ref):
        weights = [m.tensor(w, requires_grad=True) for w in a]
        x = m.tensor(x0, requires_grad=True)

        def run(h):
            for w in weights:
                h = (h @ w).sigmoid()
            return h
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            y = checkpoint(run, x, use_reentrant=use_reentrant) if m is torchless else \
                m.utils.checkpoint.checkpoint(run, x, use_reentrant=use_reentrant)
        (y * y).sum().backward()
        results.append((type(y.grad_fn).__name__, [t.grad.detach().numpy() for t in weights + [x]]))
    assert results[0][0] == results[1][0]
    for ours, theirs in zip(results[0][1], results[1][1]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_use_reentrant_warnings_match_torch(torch_ref):
    import warnings
    texts = []
    for m in (torchless, torch_ref):
        net = m.nn.Sequential(m.nn.Linear(2, 2), m.nn.Linear(2, 2))
        x = m.ones(1, 2, requires_grad=True)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            m.utils.checkpoint.checkpoint(lambda t: t * 2, x)
            m.utils.checkpoint.checkpoint_sequential(net, 2, x)
        texts.append([str(w.message) for w in caught if "use_reentrant" in str(w.message)])
    assert texts[0] == texts[1] and len(texts[0]) == 2


def test_reentrant_checkpoint_refuses_grad_and_backward_inputs_as_pytorch(torch_ref):
    for m in (torchless, torch_ref):
        from importlib import import_module
        checkpoint = import_module(m.__name__ + ".utils.checkpoint").checkpoint
        x = m.tensor([1.0, 2.0], requires_grad=True)
        for run in (lambda y: m.autograd.grad(y, x), lambda y: y.backward(inputs=[x])):
            y = checkpoint(lambda a: (a * 2).sin(), x, use_reentrant=True).sum()
            with pytest.raises(RuntimeError, match="use_reentrant=True, torch.utils.checkpoint is incompatible with "
                                                   r"\.grad\(\)"):
                run(y)
