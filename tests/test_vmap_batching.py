"""vmap's vectorized path (BatchedTensor and its batching rules, torchless/func/batching.py): for every
op of the forward-AD table, vmap equals the loop over the batch (values, dtypes, shapes, and
per-example gradients), with the batch on each input, on some inputs only, and at a non-zero in_dim;
the ops with batching rules take the vectorized path (no fallback); the rest fall back to the loop
and still agree."""
import numpy as np
import pytest

import torchless
from torchless.func import batching as _batching
from torchless.func import grad, hessian, jacfwd, jacrev, vmap

from .test_forward_ad import OPS

BATCH = 3

# Ops whose every batching path is a rule: vmap must not fall back to the loop for them (101 of the
# table's 112; the others, scatter, index_add, take, masked_select, median, pad and the like, loop).
VECTORIZED = {
    "add", "sub", "rsub", "mul", "div", "neg", "reciprocal", "pow_scalar", "pow_tensor", "pow_base", "abs",
    "exp", "expm1", "log", "log2", "log10", "log1p", "sqrt", "rsqrt", "sin", "cos", "tan", "sinh", "cosh",
    "asin", "acos", "atan", "tanh", "sigmoid", "relu", "floor", "clamp", "clamp_min", "clamp_max", "clone",
    "to_float32_and_back", "view", "permute", "transpose", "expand", "unsqueeze_squeeze", "narrow", "split",
    "unbind", "cat", "stack", "select_slice_index", "unsqueeze_index", "sum", "sum_dim", "mean", "mean_dim",
    "cumsum", "logsumexp", "max", "min", "amax", "amin", "mm", "mv", "dot", "matmul_batched", "var", "std",
    "cumprod", "prod", "prod_dim", "max_dim", "min_dim", "norm", "clamp_tensors", "clamp_min_tensor",
    "clamp_max_tensor", "cross_entropy", "cross_entropy_none", "linear", "T", "div_floor", "fmod_number",
    "fmod_tensor", "leaky_relu", "log_softmax", "maximum", "minimum", "mse_loss", "remainder_tensor",
    "softmax", "where", "advanced_index", "bce", "bce_logits", "flip", "gather", "gelu", "gelu_tanh", "huber",
    "masked_fill", "nll_loss", "repeat", "roll", "smooth_l1_none",
}


def _batched(x, k):
    """BATCH different examples like x (scaled copies keep each op's domain and sign pattern)."""
    return torchless.stack([x * (1 + 0.01 * i) for i in range(k)])


def _loop(f, args, in_dims):
    size = next(a.shape[d] for a, d in zip(args, in_dims) if d is not None)
    outs = [f(*[a if d is None else a.select(d, i) for a, d in zip(args, in_dims)]) for i in range(size)]
    return torchless.stack(outs)


def _assert_same(got, want):
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12, atol=1e-14)


def _cases(inputs):
    batched = [_batched(x, BATCH) for x in inputs]
    yield "all", batched, (0,) * len(inputs)
    if len(inputs) > 1:
        yield "first", [batched[0]] + list(inputs[1:]), (0,) + (None,) * (len(inputs) - 1)
        yield "last", list(inputs[:-1]) + [batched[-1]], (None,) * (len(inputs) - 1) + (0,)
    if inputs[0].dim() >= 1:  # the batch at the first input's last dim
        moved = batched[0].movedim(0, -1).contiguous()
        yield "in_dim_last", [moved] + list(inputs[1:]), (inputs[0].dim(),) + (None,) * (len(inputs) - 1)


# Ops whose output's shape depends on each example's values: PyTorch's vmap refuses them with a
# RuntimeError (tests/test_vmap_batching_r3.py checks the messages), and so does torchless's.
REFUSED = {"masked_select"}


@pytest.mark.parametrize("name", list(OPS))
def test_vmap_equals_the_loop_for_every_op(name):
    f, inputs = OPS[name]
    if name in REFUSED:
        with pytest.raises(RuntimeError, match="vmap"):
            vmap(f)(*[_batched(x, BATCH) for x in inputs])
        return
    for case, args, in_dims in _cases(inputs):
        before = _batching.fallbacks[0]
        got = vmap(f, in_dims=in_dims)(*args)
        _assert_same(got, _loop(f, args, in_dims))
        if name in VECTORIZED and in_dims[0] is not None:  # (an unbatched self's method falls back)
            assert _batching.fallbacks[0] == before, f"{name} ({case}) fell back to the loop"


@pytest.mark.parametrize("name", list(OPS))
def test_per_example_gradients_equal_the_loop_for_every_op(name):
    f, inputs = OPS[name]
    if name in REFUSED:
        pytest.skip("PyTorch's vmap refuses it")
    if inputs[0].dtype != torchless.float64:
        pytest.skip("integer input")
    batched = [_batched(x, BATCH) for x in inputs]

    def loss(*xs):
        return (f(*xs) * 1.5).sum()

    argnums = tuple(range(len(inputs)))
    before = _batching.fallbacks[0]
    got = vmap(grad(loss, argnums=argnums))(*batched)
    for j in range(len(inputs)):
        want = torchless.stack([grad(loss, argnums=argnums)(*[b[i] for b in batched])[j] for i in range(BATCH)])
        _assert_same(got[j], want)
    if name in VECTORIZED:
        assert _batching.fallbacks[0] == before


def test_shared_argument_gets_per_example_gradients():
    w = torchless.tensor([[1.0, -2.0], [0.5, 3.0]], dtype=torchless.float64)
    x = torchless.tensor([[1.0, 2.0], [3.0, -1.0], [0.0, 4.0]], dtype=torchless.float64)
    before = _batching.fallbacks[0]
    g = vmap(grad(lambda w, x: ((x @ w).tanh() ** 2).sum()), in_dims=(None, 0))(w, x)
    assert _batching.fallbacks[0] == before
    for i in range(3):  # d/dw sum(tanh(x w)^2) = x^T (2 tanh sech^2), per example
        t = np.tanh(x.numpy()[i] @ w.numpy())
        np.testing.assert_allclose(g[i].numpy(), np.outer(x.numpy()[i], 2 * t * (1 - t * t)), rtol=1e-12)


def test_zero_d_examples_promote_like_pytorch():
    """A batched 0-d float32 example with a float64 vector: PyTorch keeps float32 (0-d tensors do not
    widen dimensioned ones). Physically the batch is 1-d, so this runs in the loop."""
    s = torchless.tensor([1.0, 2.0, 3.0])
    v = torchless.tensor([1.0, 2.0], dtype=torchless.float64)
    out = vmap(lambda a: a * v)(s)
    assert out.dtype == torchless.float64  # the vector is dimensioned, the example is 0-d: float64 wins
    out = vmap(lambda a: a * torchless.tensor(2.0, dtype=torchless.float64))(torchless.ones(3, 2))
    assert out.dtype == torchless.float32


def test_nested_vmaps_both_vectorized():
    x = torchless.tensor(np.random.default_rng(0).standard_normal((2, 3, 4)))
    y = torchless.tensor(np.random.default_rng(1).standard_normal((3, 4)))
    before = _batching.fallbacks[0]
    out = vmap(vmap(lambda a, b: (a * b).sum() + a.exp().mean(), in_dims=(0, 0)), in_dims=(0, None))(x, y)
    assert _batching.fallbacks[0] == before
    want = (x * y).sum(-1) + x.exp().mean(-1)
    np.testing.assert_allclose(out.numpy(), want.numpy(), rtol=1e-12)
    outer = vmap(vmap(lambda a, b: a @ b, in_dims=(None, 0)), in_dims=(0, None))(x, y)  # (2, 3, 3)
    np.testing.assert_allclose(outer.numpy(), np.einsum("ijk,lk->ilj", x.numpy(), y.numpy()), rtol=1e-12)


def test_jacobians_and_hessians_run_vectorized():
    a = torchless.tensor(np.random.default_rng(2).standard_normal((5, 5)))
    x = torchless.tensor(np.random.default_rng(3).standard_normal(5))

    def f(x):
        return (x.sin() * x ** 2).sum() + x @ a @ x + x.exp().sum().log()

    before = _batching.fallbacks[0]
    h = hessian(f)(x)
    jf = jacfwd(lambda x: a @ x.tanh())(x)
    assert _batching.fallbacks[0] == before
    xs, e = x.numpy(), np.exp(x.numpy())
    p = e / e.sum()
    want = np.diag(2 * np.sin(xs) + 4 * xs * np.cos(xs) - xs ** 2 * np.sin(xs)) + a.numpy() + a.numpy().T \
        + np.diag(p) - np.outer(p, p)
    np.testing.assert_allclose(h.numpy(), want, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(jf.numpy(), a.numpy() * (1 - np.tanh(xs) ** 2), rtol=1e-12)
    np.testing.assert_allclose(jacrev(lambda x: a @ x.tanh())(x).numpy(), jf.numpy(), rtol=1e-12)


def test_ops_without_a_rule_fall_back_and_agree():
    x = torchless.tensor(np.random.default_rng(4).standard_normal((4, 3)))
    before = _batching.fallbacks[0]
    got = vmap(lambda r: r.flip(0) * r[0].item())(x)
    assert _batching.fallbacks[0] == before + 1
    want = torchless.stack([r.flip(0) * r[0].item() for r in x])
    _assert_same(got, want)


def test_errors_inside_f_are_the_loops_errors():
    x = torchless.ones(3, 2, 4)
    with pytest.raises(RuntimeError, match=r"The size of tensor a \(4\) must match the size of tensor b \(3\)"):
        vmap(lambda a: a + torchless.ones(3))(x)
    with pytest.raises(IndexError, match="Dimension out of range"):
        vmap(lambda a: a.sum(5))(x)


def test_a_batched_tensor_kept_past_vmap_says_so():
    kept = []
    vmap(lambda a: kept.append(a) or a * 2)(torchless.ones(3, 2))
    with pytest.raises(RuntimeError, match="used after vmap returned"):
        kept[0].flip(0)  # (an op without a batching rule)
    with pytest.raises(RuntimeError, match="used after vmap returned"):
        kept[0].sum()  # (one with a rule)


def test_same_results_as_torch_vmap(torch_ref):
    rng = np.random.default_rng(5)
    x, w = rng.standard_normal((4, 3)), rng.standard_normal((3, 2))

    def run(m):
        xs, ws = m.tensor(x), m.tensor(w)
        per = m.func.vmap(m.func.grad(lambda w, x: (x @ w).relu().pow(2).sum()), in_dims=(None, 0))(ws, xs)
        mixed = m.func.vmap(lambda a, b: m.stack([a.sum(), (a[:2] * b).mean()]), in_dims=(0, None))(xs, m.tensor(w[:, 0][:2]))
        return per.numpy(), mixed.numpy()

    for got, want in zip(run(torchless), run(torch_ref)):
        np.testing.assert_allclose(got, want, rtol=1e-12)


def test_gradients_and_hessians_inside_nested_vmaps():
    rng = np.random.default_rng(6)
    w = torchless.tensor(rng.standard_normal((3, 2)))
    x = torchless.tensor(rng.standard_normal((2, 4, 3)))

    def loss(w, xi):
        return ((xi @ w).sin() ** 2).sum()

    before = _batching.fallbacks[0]
    g = vmap(vmap(grad(loss), in_dims=(None, 0)), in_dims=(None, 0))(w, x)
    h = vmap(hessian(lambda v: (v.sin() * v.sum()).sum()))(x[0])
    assert _batching.fallbacks[0] == before
    assert g.shape == (2, 4, 3, 2)
    for i in range(2):
        for j in range(4):
            np.testing.assert_allclose(g[i, j].numpy(), grad(loss)(w, x[i, j]).numpy(), rtol=1e-12)
    for j in range(4):
        np.testing.assert_allclose(h[j].numpy(), hessian(lambda v: (v.sin() * v.sum()).sum())(x[0, j]).numpy(),
                                   rtol=1e-12)


def test_jacrev_and_vmapped_vjps_run_as_one_batched_backward():
    """The rows of a Jacobian are vjps of basis cotangents: under vmap the engine runs one backward
    with batched cotangents (through the rules' vjps on BatchedTensors), also inside another vmap
    and for second derivatives."""
    rng = np.random.default_rng(8)
    a = torchless.tensor(rng.standard_normal((4, 3)))
    x = torchless.tensor(rng.standard_normal(3))
    xs = torchless.tensor(rng.standard_normal((5, 3)))

    def f(x):
        return (a @ x.tanh()).sin() * x.sum()

    def loop_jacobian(x):
        return torchless.stack([_row(f, x, i) for i in range(4)])

    before = _batching.fallbacks[0]
    out, vjp_fn = torchless.func.vjp(f, x)
    rows = vmap(vjp_fn)(torchless.eye(4, dtype=torchless.float64))[0]
    j = jacrev(f)(x)
    per_example = vmap(jacrev(f))(xs)
    second = jacrev(jacrev(f))(x)
    assert _batching.fallbacks[0] == before
    np.testing.assert_allclose(rows.numpy(), loop_jacobian(x).numpy(), rtol=1e-12)
    np.testing.assert_allclose(j.numpy(), rows.numpy(), rtol=1e-12)
    for i in range(5):
        np.testing.assert_allclose(per_example[i].numpy(), loop_jacobian(xs[i]).numpy(), rtol=1e-12)
    np.testing.assert_allclose(second.numpy(), jacfwd(jacfwd(f))(x).numpy(), rtol=1e-10, atol=1e-12)
    assert torchless.autograd.functional.jacobian(f, x, vectorize=True).shape == (4, 3)


def _row(f, x, i):
    x = x.detach().requires_grad_()
    return torchless.autograd.grad(f(x)[i], x)[0]


def test_batched_grad_outputs_and_vectorized_jacobian_take_one_pass():
    rng = np.random.default_rng(9)
    x = torchless.tensor(rng.standard_normal(3), requires_grad=True)
    y = (x.exp() * x.sum()).sin()
    v = torchless.tensor(rng.standard_normal((4, 3)))
    before = _batching.fallbacks[0]
    (rows,) = torchless.autograd.grad(y, x, v, is_grads_batched=True, retain_graph=True)
    jac = torchless.autograd.functional.jacobian(lambda x: (x.exp() * x.sum()).sin(), x.detach(), vectorize=True)
    assert _batching.fallbacks[0] == before
    for b in range(4):
        (want,) = torchless.autograd.grad(y, x, v[b], retain_graph=True)
        np.testing.assert_allclose(rows[b].numpy(), want.numpy(), rtol=1e-12)
    np.testing.assert_allclose(jac.numpy(), torchless.autograd.functional.jacobian(
        lambda x: (x.exp() * x.sum()).sin(), x.detach()).numpy(), rtol=1e-12)


def test_printing_inside_vmap_shows_the_batch_as_pytorch(torch_ref, capsys):
    printed = []
    for m in (torchless, torch_ref):
        m.func.vmap(lambda a: print(a) or a)(m.tensor([[1.0, 2.0], [3.0, 4.0]]))
        printed.append(capsys.readouterr().out)
    assert printed[0] == printed[1]
    assert printed[0].startswith("BatchedTensor(lvl=1, bdim=0, value=\n    tensor([[1., 2.],")


def test_per_example_gradients_of_an_nn_module_through_functional_call():
    torchless.manual_seed(0)
    model = torchless.nn.Sequential(torchless.nn.Linear(5, 7), torchless.nn.Tanh(), torchless.nn.Linear(7, 3))
    params = {k: v.detach() for k, v in model.named_parameters()}
    x, y = torchless.randn(6, 5), torchless.randint(0, 3, (6,))

    def loss(p, xi, yi):
        out = torchless.func.functional_call(model, p, (xi.unsqueeze(0),))
        return torchless.nn.functional.cross_entropy(out, yi.unsqueeze(0))

    before = _batching.fallbacks[0]
    got = vmap(grad(loss), in_dims=(None, 0, 0))(params, x, y)
    assert _batching.fallbacks[0] == before
    for i in range(6):
        want = grad(loss)(params, x[i], y[i])
        for k in params:
            np.testing.assert_allclose(got[k][i].numpy(), want[k].numpy(), rtol=1e-5, atol=1e-7)


def test_torch_functions_reach_the_batching_rules_through_torch_function():
    """torch.exp, F.softmax, torch.pow hand a BatchedTensor to BatchedTensor.__torch_function__: no
    namespace is swapped while vmap runs, so names bound before vmap take the rules too."""
    import torchless.nn.functional as F
    exp, softmax, names = torchless.exp, F.softmax, dict(vars(torchless))
    x = torchless.tensor(np.random.default_rng(10).standard_normal((3, 4)))
    seen = {}

    def f(a):
        seen.update(exp=torchless.exp, softmax=F.softmax)
        return torchless.exp(a).sum() + F.softmax(a, dim=0)[0] + torchless.pow(2.0, a).mean()

    before = _batching.fallbacks[0]
    got = vmap(f)(x)
    assert _batching.fallbacks[0] == before
    assert seen == {"exp": exp, "softmax": softmax} and torchless.exp.__wrapped__ is torchless.Tensor.exp
    assert dict(vars(torchless)) == names
    want = x.exp().sum(1) + x.softmax(1)[:, 0] + (2.0 ** x).mean(1)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)
    got_bound = vmap(lambda a: exp(a).sum() + softmax(a, 0)[1])(x)  # bound before vmap: vectorized too
    assert _batching.fallbacks[0] == before
    np.testing.assert_allclose(got_bound.numpy(), (x.exp().sum(1) + x.softmax(1)[:, 1]).numpy(), rtol=1e-12)


_t = torchless.tensor(np.random.default_rng(11).standard_normal((3, 2, 4)))
INDEXING = {  # (function, args, in_dims): batched and unbatched indices, masks and sources
    "gather_batched_index": (lambda a, i: a.gather(1, i), (_t, torchless.tensor([[[0], [3]], [[1], [1]], [[2], [0]]])),
                             (0, 0)),
    "gather_unbatched_source": (lambda a, i: a.gather(0, i), (_t[0], torchless.tensor([[[0, 1, 0, 1]]] * 3)), (None, 0)),
    "masked_fill_batched_mask": (lambda a, m: a.masked_fill(m, -1.0), (_t[0], _t > 0), (None, 0)),
    "masked_fill_row_mask": (lambda a, m: a.masked_fill(m, 5.0), (_t, _t[:, 0, :] > 0), (0, 0)),
    "index_list": (lambda a: a[:, [3, 0, 3]], (_t,), (0,)),
    "index_tensor_pair": (lambda a: a[torchless.tensor([1, 0]), torchless.tensor([2, 3])], (_t,), (0,)),
    "index_apart": (lambda a: a[torchless.tensor([1, 0]), :, None][..., 0], (_t,), (0,)),
    "roll_flat": (lambda a: a.roll(3), (_t,), (0,)),
    "repeat_more_dims": (lambda a: a.repeat(2, 1, 3), (_t,), (0,)),
    "flip_both": (lambda a: a.flip(0, 1), (_t,), (0,)),
    "where_two_dtypes": (lambda a, b: torchless.where(a > 0, a, b), (_t, _t[0].float()), (0, None)),
    "where_zero_d_other": (lambda a, b: torchless.where(a > 0, a, b), (_t.float(), _t[0, 0, 0]), (0, None)),
    "bool_examples_times_floats": (lambda m, a: m * a, (_t[:, 0, 0] > 0, _t[0, 0]), (0, None)),
}


@pytest.mark.parametrize("name", list(INDEXING))
def test_indexing_rules_equal_the_loop(name):
    f, args, in_dims = INDEXING[name]
    _assert_same(vmap(f, in_dims=in_dims)(*args), _loop(f, args, in_dims))


IN_PLACE = {  # in-place ops on a batched self run on its physical tensor
    "add_": lambda a, y: a.clone().add_(y),
    "iadd": lambda a, y: a.clone().__iadd__(2.0),
    "mul_by_itself": lambda a, y: a.clone().mul_(a),
    "exp_": lambda a, y: a.clone().exp_(),
    "zero_": lambda a, y: a.clone().zero_() + a,
    "fill_": lambda a, y: a.clone().fill_(3.0),
    "copy_": lambda a, y: a.clone().copy_(a * 2),
    "masked_fill_": lambda a, y: a.clone().masked_fill_(a > 0, 0.0),
    "clamp_": lambda a, y: a.clone().clamp_(-0.5, 0.5),
    "relu_under_grad": lambda a, y: grad(lambda b: (b * y).relu_().sum())(a),
}


@pytest.mark.parametrize("name", list(IN_PLACE))
def test_in_place_ops_on_batched_tensors_equal_the_loop(name):
    f = IN_PLACE[name]
    x = torchless.tensor(np.random.default_rng(12).standard_normal((4, 3)))
    y = torchless.tensor([0.5, -1.0, 2.0], dtype=torchless.float64)
    before = _batching.fallbacks[0]
    got = vmap(f, in_dims=(0, None))(x, y)
    assert _batching.fallbacks[0] == before
    _assert_same(got, _loop(f, (x, y), (0, None)))
