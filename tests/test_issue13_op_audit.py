"""Issue 13's bar, audited op by op: "Every new op has its vjp, its jvp, a batching rule, an explain
template and a gradcheck test." For each op of D2L chapters 7-12 (convolutions, pooling, the norms,
embedding, the recurrent layers and cells, attention, interpolate, pixel_shuffle and the tensor ops
the chapters use), built through the public API on a small float64 input:

- its rule: the grad_fn class named as PyTorch names it is in the graph (and in PyTorch's, where
  PyTorch is installed), and every rule of the graph declares a batching kind and an Explain;
- vjp: gradcheck, and gradgradcheck (PyTorch double-differentiates all of them);
- jvp: forward-mode AD (dual tensors, no reverse-mode fallback) equals central differences;
- batching: vmap over a new batch dim equals the loop over the examples, without falling back to it;
- explain: explain() of a graph using the op writes the op's own expression and local rule, not the
  generic "name(operands)" / "see ...vjp" fallback.

And, for every Rule class: an Explain, except an allow-list of rules with no formula to show, whose
size is a ratchet (MAX_NO_EXPLAIN)."""
import importlib
import pkgutil

import numpy as np
import pytest

import torchless as torch
import torchless.nn.functional as F
import torchless.ops as ops_package
from torchless.autograd import explain, forward_ad as fwAD, gradcheck, gradgradcheck
from torchless.engine.node import AccumulateGrad
from torchless.func import batching as _batching
from torchless.ops._rule import Rule


def _arrays(seed, *shapes):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s) for s in shapes]


def _module_call(make, *arg_names):
    """A function of (inputs..., parameters...) running the module `make(T)` builds (T: torchless or
    torch) through functional_call, so its parameters are differentiated too."""
    def run(T, *tensors):
        module = _MODULES.get((id(T), make))
        if module is None:
            module = _MODULES[(id(T), make)] = make(T).double()
        names = [n for n, _ in module.named_parameters()]
        inputs, params = tensors[:len(arg_names)], tensors[len(arg_names):]
        return T.func.functional_call(module, dict(zip(names, params)), tuple(inputs))
    return run


_MODULES: dict = {}


def _mha(T, q, k, v, w_in, b_in, w_out, b_out):
    return T.nn.functional.multi_head_attention_forward(q, k, v, 4, 2, w_in, b_in, None, None, False, 0.0, w_out,
                                                        b_out, training=False, need_weights=False)[0]


_GRU_PACKED = _module_call(lambda T: T.nn.GRU(2, 2), "x")
_LSTM_CELL = _module_call(lambda T: T.nn.LSTMCell(2, 2, bias=False), "x")
MASK = [[True, False, True], [False, False, True]]

# name -> (fn(T, *tensors) -> tensor (or a tuple whose first entry is the op's output), shapes of the
# float64 inputs, the op's rule (PyTorch's grad_fn name), text its explain step shows)
CASES = {
    "conv1d": (lambda T, x, w, b: T.nn.functional.conv1d(x, w, b, padding=1, dilation=2),
               [(2, 2, 6), (3, 2, 2), (3,)], "ConvolutionBackward0", "conv("),
    "conv2d": (lambda T, x, w, b: T.nn.functional.conv2d(x, w, b, stride=2, padding=1, groups=2),
               [(1, 2, 5, 5), (2, 1, 3, 3), (2,)], "ConvolutionBackward0", "conv("),
    "conv3d": (lambda T, x, w: T.nn.functional.conv3d(x, w, stride=(1, 2, 1)),
               [(1, 1, 3, 4, 3), (2, 1, 2, 2, 2)], "ConvolutionBackward0", "conv("),
    "conv_transpose1d": (lambda T, x, w, b: T.nn.functional.conv_transpose1d(x, w, b, stride=2, output_padding=1),
                         [(1, 2, 4), (2, 3, 3), (3,)], "ConvolutionBackward0", "conv("),
    "conv_transpose2d": (lambda T, x, w: T.nn.functional.conv_transpose2d(x, w, stride=2, padding=1),
                         [(1, 2, 3, 3), (2, 2, 3, 3)], "ConvolutionBackward0", "conv("),
    "unfold": (lambda T, x: T.nn.functional.unfold(x, 2, dilation=1, padding=1, stride=2),
               [(1, 2, 3, 3)], "Im2ColBackward0", "unfold("),
    "fold": (lambda T, x: T.nn.functional.fold(x, (3, 3), 2), [(1, 8, 4)], "Col2ImBackward0", "fold("),
    "max_pool1d": (lambda T, x: T.nn.functional.max_pool1d(x, 2, ceil_mode=True, return_indices=True),
                   [(1, 2, 5)], "MaxPool2DWithIndicesBackward0", "max_pool2d("),
    "max_pool2d": (lambda T, x: T.nn.functional.max_pool2d(x, 2, stride=1, dilation=2, return_indices=True),
                   [(1, 2, 5, 5)], "MaxPool2DWithIndicesBackward0", "max_pool2d("),
    "max_pool2d_ceil": (lambda T, x: T.nn.functional.max_pool2d(x, 2, ceil_mode=True, padding=1),
                        [(2, 1, 4, 5)], "MaxPool2DWithIndicesBackward0", "max_pool2d("),
    "avg_pool1d": (lambda T, x: T.nn.functional.avg_pool1d(x, 3, stride=2, padding=1),
                   [(1, 2, 6)], "AvgPool2DBackward0", "avg_pool2d("),
    "avg_pool2d": (lambda T, x: T.nn.functional.avg_pool2d(x, 2, padding=1, count_include_pad=False),
                   [(1, 2, 4, 4)], "AvgPool2DBackward0", "avg_pool2d("),
    "adaptive_avg_pool1d": (lambda T, x: T.nn.functional.adaptive_avg_pool1d(x, 3),
                            [(1, 2, 7)], "AdaptiveAvgPool2DBackward0", "adaptive_avg_pool2d("),
    "adaptive_avg_pool2d": (lambda T, x: T.nn.functional.adaptive_avg_pool2d(x, (2, 3)),
                            [(1, 2, 5, 5)], "AdaptiveAvgPool2DBackward0", "adaptive_avg_pool2d("),
    "adaptive_max_pool2d": (lambda T, x: T.nn.functional.adaptive_max_pool2d(x, 2, return_indices=True),
                            [(1, 2, 5, 5)], "AdaptiveMaxPool2DBackward0", "adaptive_max_pool2d("),
    "batch_norm": (lambda T, x, w, b: T.nn.functional.batch_norm(x, None, None, w, b, training=True),
                   [(4, 3, 2), (3,), (3,)], "NativeBatchNormBackward0", "batch_norm("),
    "batch_norm_eval": (lambda T, x, w, b: T.nn.functional.batch_norm(
        x, T.tensor([0.1, -0.2, 0.3], dtype=T.float64), T.tensor([1.5, 0.5, 2.0], dtype=T.float64), w, b),
        [(4, 3, 2), (3,), (3,)], "NativeBatchNormBackward0", "batch_norm("),
    "layer_norm": (lambda T, x, w, b: T.nn.functional.layer_norm(x, (3,), w, b),
                   [(2, 3), (3,), (3,)], "NativeLayerNormBackward0", "layer_norm("),
    "group_norm": (lambda T, x, w, b: T.nn.functional.group_norm(x, 2, w, b),
                   [(2, 4, 3), (4,), (4,)], "NativeGroupNormBackward0", "group_norm("),
    "instance_norm": (lambda T, x, w, b: T.nn.functional.instance_norm(x, weight=w, bias=b),
                      [(2, 2, 4), (2,), (2,)], "ViewBackward0", "instance_norm("),
    "embedding": (lambda T, w: T.nn.functional.embedding(T.tensor([[0, 2], [1, 2]]), w),
                  [(4, 3)], "EmbeddingBackward0", "[indices]"),
    "rnn_tanh": (_module_call(lambda T: T.nn.RNN(3, 2), "x", "h0"),
                 [(3, 1, 3), (1, 1, 2), (2, 3), (2, 2), (2,), (2,)], "StackBackward0", "rnn_tanh_layer("),
    "rnn_relu": (_module_call(lambda T: T.nn.RNN(3, 2, nonlinearity="relu", bias=False), "x"),
                 [(2, 1, 3), (2, 3), (2, 2)], "StackBackward0", "rnn_relu_layer("),
    "gru": (_module_call(lambda T: T.nn.GRU(2, 2, batch_first=True), "x"),
            [(1, 3, 2), (6, 2), (6, 2), (6,), (6,)], "StackBackward0", "gru_layer("),
    "lstm": (_module_call(lambda T: T.nn.LSTM(2, 2), "x"),
             [(3, 1, 2), (8, 2), (8, 2), (8,), (8,)], "MkldnnRnnLayerBackward0", "lstm_layer("),
    "lstm_2layer_bidirectional": (_module_call(lambda T: T.nn.LSTM(2, 2, num_layers=2, bidirectional=True), "x"),
                                  [(3, 1, 2)] + [(8, 2), (8, 2), (8,), (8,)] * 2 + [(8, 4), (8, 2), (8,), (8,)] * 2,
                                  "MkldnnRnnLayerBackward0", "lstm_layer("),
    # a packed batch of sequences of lengths 3 and 2 (the packed path records each step's ops, as PyTorch's does)
    "gru_packed": (lambda T, x, *weights: T.nn.utils.rnn.pad_packed_sequence(_GRU_PACKED(
        T, T.nn.utils.rnn.pack_padded_sequence(x, T.tensor([3, 2])), *weights)[0])[0],
        [(3, 2, 2), (6, 2), (6, 2), (6,), (6,)], "SigmoidBackward0", "σ("),
    "rnn_cell": (_module_call(lambda T: T.nn.RNNCell(3, 2), "x", "h"),
                 [(2, 3), (2, 2), (2, 3), (2, 2), (2,), (2,)], "TanhBackward0", "tanh("),
    "gru_cell": (_module_call(lambda T: T.nn.GRUCell(2, 2), "x"),
                 [(1, 2), (6, 2), (6, 2), (6,), (6,)], "AddBackward0", None),
    "lstm_cell": (lambda T, x, w_ih, w_hh: _LSTM_CELL(T, x, w_ih, w_hh)[0], [(1, 2), (8, 2), (8, 2)], "MulBackward0",
                  None),
    "scaled_dot_product_attention": (
        lambda T, q, k, v: T.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True),
        [(1, 3, 4), (1, 3, 4), (1, 3, 4)], "UnsafeViewBackward0", " @ "),
    "multi_head_attention_forward": (_mha, [(3, 1, 4), (3, 1, 4), (3, 1, 4), (12, 4), (12,), (4, 4), (4,)],
                                     "SoftmaxBackward0", "softmax("),
    "interpolate_nearest": (lambda T, x: T.nn.functional.interpolate(x, scale_factor=2, mode="nearest"),
                            [(1, 1, 3, 3)], "UpsampleNearest2DBackward0", "upsample_nearest2d("),
    "interpolate_bilinear": (lambda T, x: T.nn.functional.interpolate(x, size=(4, 5), mode="bilinear"),
                             [(1, 1, 3, 3)], "UpsampleBilinear2DBackward0", "upsample_bilinear2d("),
    "interpolate_bilinear_corners": (
        lambda T, x: T.nn.functional.interpolate(x, scale_factor=1.5, mode="bilinear", align_corners=True),
        [(1, 2, 2, 3)], "UpsampleBilinear2DBackward0", "upsample_bilinear2d("),
    "pixel_shuffle": (lambda T, x: T.nn.functional.pixel_shuffle(x, 2), [(1, 4, 2, 2)], "PixelShuffleBackward0",
                      "pixel_shuffle("),
    "repeat_interleave": (lambda T, x: T.repeat_interleave(x, 2, dim=0), [(3, 2)], "ExpandBackward0", None),
    "repeat_interleave_counts": (lambda T, x: T.repeat_interleave(x, T.tensor([1, 0, 2]), dim=1), [(2, 3)],
                                 "IndexSelectBackward0", "index_select("),
    "sort": (lambda T, x: T.sort(x, dim=1, descending=True), [(3, 4)], "SortBackward0", "sort("),
    "argsort": (lambda T, x: T.gather(x, 1, T.argsort(x.detach(), dim=1)), [(3, 4)], "GatherBackward0", "gather("),
    "topk": (lambda T, x: T.topk(x, 2, dim=0, largest=False), [(3, 4)], "TopkBackward0", "topk("),
    "tril": (lambda T, x: T.tril(x, -1), [(3, 4)], "TrilBackward0", "tril("),
    "triu": (lambda T, x: T.triu(x, 1), [(2, 3, 3)], "TriuBackward0", "triu("),
    "einsum": (lambda T, a, b: T.einsum("bij,bjk->bik", a, b), [(2, 2, 3), (2, 3, 2)], "EinsumBackward0", "einsum("),
    "bmm": (lambda T, a, b: T.bmm(a, b), [(2, 2, 3), (2, 3, 2)], "BmmBackward0", " @ "),
    "masked_fill": (lambda T, x: x.masked_fill(T.tensor(MASK), 0.5), [(2, 3)], "MaskedFillBackward0",
                    "masked_fill("),
    "masked_fill_tensor": (lambda T, x, v: x.masked_fill(T.tensor(MASK), v), [(2, 3), ()], "MaskedFillBackward1",
                           "masked_fill("),
    "cumsum": (lambda T, x: T.cumsum(x, 1), [(2, 3)], "CumsumBackward0", "cumsum("),
}


RECURRENT_LAYERS = ("MkldnnRnnLayerBackward0",)
# Where PyTorch records the op under other nodes than torchless (checked against PyTorch as such).
PYTORCH_RULE = {
    "einsum": "BmmBackward0",  # PyTorch decomposes einsum into permutes, views and bmm; torchless records one node
    # PyTorch's CPU attention kernel for multi_head_attention_forward is one fused node; torchless composes
    # it from linear, matmul and softmax, as PyTorch's math path (scaled_dot_product_attention's) does
    "multi_head_attention_forward": "ScaledDotProductFlashAttentionForCpuBackward0",
}


def _first(out):
    return out[0] if isinstance(out, (tuple, list)) else out


def _run(name, tensors):
    return _first(CASES[name][0](torch, *tensors))


def _inputs(name, seed=0):
    return _arrays(seed, *CASES[name][1])


def _leaves(name, seed=0):
    return [torch.tensor(a).requires_grad_() for a in _inputs(name, seed)]


def _nodes(out):
    seen, stack, found = set(), [out.grad_fn], []
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen or type(node) is AccumulateGrad:
            continue
        seen.add(id(node))
        found.append(node)
        stack += [n for n, _ in node.next_functions]
    return found


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_op_records_its_rule_with_metadata(name):
    nodes = _nodes(_run(name, _leaves(name)))
    rule = CASES[name][2]
    assert rule in {type(n).__name__ for n in nodes}, (name, sorted({type(n).__name__ for n in nodes}))
    for node in nodes:  # every rule the op records: a batching kind and an explain template
        R = type(node)
        assert isinstance(node, Rule), (name, R)
        assert R.batching is not None, (name, R.__name__)
        assert R.explain is not None and R.explain.rule, (name, R.__name__)


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_rule_is_the_one_pytorch_records(name):
    T = pytest.importorskip("torch")
    tensors = [T.tensor(a).requires_grad_() for a in _inputs(name)]
    out = _first(CASES[name][0](T, *tensors))
    seen, stack, names = set(), [out.grad_fn], set()
    while stack:
        node = stack.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        names.add(type(node).__name__)
        stack += [n for n, _ in node.next_functions]
    rule = CASES[name][2]
    if rule in RECURRENT_LAYERS:  # PyTorch's float64 CPU LSTM records its steps (StackBackward0); torchless
        assert "StackBackward0" in names or rule in names  # one fused node per layer and direction (float32's)
    else:
        assert PYTORCH_RULE.get(name, rule) in names, (name, sorted(names))
    ours = _run(name, _leaves(name))  # and the same values
    assert tuple(out.shape) == tuple(ours.shape)
    np.testing.assert_allclose(ours.detach().numpy(), out.detach().numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", sorted(CASES))
def test_vjp_gradcheck(name):
    assert gradcheck(lambda *t: _run(name, t), _leaves(name))


@pytest.mark.parametrize("name", sorted(CASES))
def test_vjp_gradgradcheck(name):
    assert gradgradcheck(lambda *t: _run(name, t), _leaves(name))


@pytest.mark.parametrize("name", sorted(CASES))
def test_jvp_forward_mode_equals_finite_differences(name):
    arrays = _inputs(name)
    tangents = _arrays(1, *CASES[name][1])
    with fwAD.dual_level():  # forward mode itself: an op without a jvp raises here (no reverse fallback)
        duals = [fwAD.make_dual(torch.tensor(a), torch.tensor(t)) for a, t in zip(arrays, tangents)]
        jvp = fwAD.unpack_dual(_run(name, duals)).tangent
    assert jvp is not None, name
    eps = 1e-6
    plus = _run(name, [torch.tensor(a + eps * t) for a, t in zip(arrays, tangents)]).numpy()
    minus = _run(name, [torch.tensor(a - eps * t) for a, t in zip(arrays, tangents)]).numpy()
    np.testing.assert_allclose(jvp.numpy(), (plus - minus) / (2 * eps), rtol=1e-5, atol=1e-6)


def _vmap_against_loop(name, in_dims):
    arrays = _inputs(name)
    _run(name, [torch.tensor(a) for a in arrays])  # (a module case builds its module outside vmap)
    batched = [np.stack([a, 0.5 * a + 0.25, -a]) if d == 0 else a for a, d in zip(arrays, in_dims)]
    before = _batching.fallbacks[0]
    result = torch.func.vmap(lambda *t: _run(name, t), in_dims=in_dims)(*[torch.tensor(b) for b in batched])
    loop = np.stack([_run(name, [torch.tensor(b[i] if d == 0 else b) for b, d in zip(batched, in_dims)]).numpy()
                     for i in range(3)])
    np.testing.assert_allclose(result.numpy(), loop, rtol=1e-12, atol=1e-12)
    return _batching.fallbacks[0] - before


@pytest.mark.parametrize("name", sorted(CASES))
def test_vmap_over_the_first_input_runs_batched(name):
    """The data batched, the weights (or second operand) shared: one batched call, no per-example loop."""
    in_dims = (0,) + (None,) * (len(CASES[name][1]) - 1)
    fell_back = _vmap_against_loop(name, in_dims)
    assert fell_back == (name in VMAP_LOOPS_OVER_THE_FIRST_INPUT), f"{name}: vmap fell back to the per-example loop"


@pytest.mark.parametrize("name", sorted(n for n in CASES if len(CASES[n][1]) > 1))
def test_vmap_over_every_input_equals_the_loop(name):
    """Every operand batched, weights included: the same values as the loop (per-example weights may
    run per example: VMAP_LOOPS_OVER_EVERY_INPUT)."""
    fell_back = _vmap_against_loop(name, (0,) * len(CASES[name][1]))
    assert fell_back == (name in VMAP_LOOPS_OVER_EVERY_INPUT), name


# Per-example weights (each example its own conv kernel, norm affine or table) run per example: the
# batch_first / batch_dims rules declare their weights shared (ops/_rule.py, "batch_first"), and
# the loop gives the same values.
VMAP_LOOPS_OVER_EVERY_INPUT = {"conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "batch_norm", "batch_norm_eval",
                               "layer_norm", "group_norm", "instance_norm"}
# embedding's one float input is its table: a per-example table is per-example weights (above)
VMAP_LOOPS_OVER_THE_FIRST_INPUT = {"embedding"}


@pytest.mark.parametrize("name", sorted(CASES))
def test_explain_writes_the_ops_expression_and_rule(name):
    tensors = _leaves(name)
    out = _run(name, tensors)
    text = str(explain(out.sum(), {f"x{i}": t for i, t in enumerate(tensors)}))
    rule_name, shown = CASES[name][2], CASES[name][3]
    node = next(n for n in _nodes(out) if type(n).__name__ == rule_name)
    declared = type(node).explain
    lines = text.splitlines()
    at = [i for i, line in enumerate(lines) if line.endswith(f"[{rule_name}]")]
    assert at, (name, text)
    step, rule_line = lines[at[0]], lines[at[0] + 1]
    assert rule_line.strip() == f"rule: {declared.rule}", (name, rule_line)
    assert "see " not in rule_line and ".vjp in torchless/ops" not in rule_line
    if declared.expression is not None:  # the template, with its operands in place
        head = declared.expression.split("{")[0]
        assert head in step, (name, step)
    if shown is not None:
        assert shown in step, (name, step)


# ---------------------------------------------------------------------------------- every rule
# Rules with no Explain, each with its reason. Nothing else may lack one, and the list may only
# shrink: MAX_NO_EXPLAIN is its size.
NO_EXPLAIN = {
    "activation._Pointwise": "abstract base of the one-input activations; never recorded (each subclass declares one)",
    "special._Pointwise": "abstract base of the one-input special functions; never recorded",
    "elementwise._ZeroGradient": "abstract base of the piecewise-constant ops; never recorded",
    "matrix._AddProduct": "abstract base of addmm/addmv/addr/baddbmm/addbmm; never recorded",
    "special._NotDifferentiable": "abstract base of ops PyTorch does not differentiate",
    "elementwise.NotImplemented": "floor_divide: PyTorch has no derivative; backward raises",
    "special.NotImplemented": "heaviside: PyTorch has no derivative; backward raises",
    "shape_index.NotImplemented": "scatter with reduce= and detach_copy: PyTorch has no derivative; backward raises",
    "sorting._UniqueRule": "abstract base of unique: no derivative",
    "sorting.Unique2Backward0": "unique: PyTorch records it but has no derivative (backward raises)",
    "sorting.UniqueConsecutiveBackward0": "unique_consecutive: no derivative (backward raises)",
    "sorting.UniqueDimBackward0": "unique(dim=): no derivative (backward raises)",
}
MAX_NO_EXPLAIN = 12


def _all_rules():
    for info in pkgutil.iter_modules(ops_package.__path__):
        importlib.import_module(f"torchless.ops.{info.name}")
    found, stack = set(), [Rule]
    while stack:
        for sub in stack.pop().__subclasses__():
            if sub not in found:
                found.add(sub)
                stack.append(sub)
    return found


def test_every_rule_has_an_explain_template_but_the_allow_list():
    missing = sorted({f"{R.__module__.rpartition('.')[2]}.{R.__name__}" for R in _all_rules()
                      if getattr(R, "explain", None) is None})
    assert set(missing) <= set(NO_EXPLAIN), sorted(set(missing) - set(NO_EXPLAIN))
    assert len(NO_EXPLAIN) <= MAX_NO_EXPLAIN, "the allow-list grew: give the new rule an Explain instead"
    stale = set(NO_EXPLAIN) - set(missing)
    assert not stale, f"these have an Explain now: drop them from NO_EXPLAIN and lower MAX_NO_EXPLAIN: {stale}"


def test_the_allow_list_is_the_rules_without_a_formula():
    for name, reason in NO_EXPLAIN.items():
        assert reason and ("no derivative" in reason or "abstract base" in reason), name


# ---------------------------------------------------------------------------------- gaps the audit found
# vmap rules added for them (func/batching.py, "issue 13's tensor ops"): each runs batched (no loop)
# and agrees with the loop and with PyTorch's vmap.
_X = np.random.default_rng(5).standard_normal((3, 2, 4))
_VMAP_CALLS = {
    "gather_function_with_kwargs": (lambda T, x: T.gather(x, 1, T.tensor([[0, 3], [2, 2]]), sparse_grad=False), 0),
    "argsort_default_dim": (lambda T, x: T.argsort(x), 0),
    "argsort_descending_dim0": (lambda T, x: x.argsort(dim=0, descending=True, stable=True), 0),
    "repeat_interleave_flat": (lambda T, x: T.repeat_interleave(x, 2), 0),
    "repeat_interleave_counts": (lambda T, x: x.repeat_interleave(T.tensor([2, 0, 1, 3]), dim=-1), 0),
    "bmm_batched_left": (lambda T, x: T.bmm(x.reshape(1, 2, 4), T.ones(1, 4, 3, dtype=T.float64)), 0),
    "bmm_both_batched": (lambda T, x: T.bmm(x.reshape(1, 2, 4), x.reshape(1, 4, 2)), 0),
    "sdpa_shared_mask": (lambda T, x: T.nn.functional.scaled_dot_product_attention(
        x, x, x, attn_mask=T.tensor([[True, False], [True, True]])), 0),
    "masked_fill_per_example_value": (lambda T, x: x.masked_fill(
        T.tensor([[True, False, True, False], [False, False, True, True]]), x[1, 3]), 0),
}


@pytest.mark.filterwarnings("ignore:There is a performance drop")  # (PyTorch's vmap loops over masked_fill's value)
@pytest.mark.parametrize("name", sorted(_VMAP_CALLS))
def test_vmap_rules_added_by_the_audit(name):
    fn, _ = _VMAP_CALLS[name]
    before = _batching.fallbacks[0]
    result = torch.func.vmap(lambda x: fn(torch, x))(torch.tensor(_X))
    assert _batching.fallbacks[0] == before, f"{name} fell back to the loop"
    loop = np.stack([fn(torch, torch.tensor(x)).numpy() for x in _X])
    np.testing.assert_allclose(result.numpy(), loop, rtol=1e-12, atol=1e-12)
    T = pytest.importorskip("torch")
    theirs = T.func.vmap(lambda x: fn(T, x))(T.tensor(_X))
    np.testing.assert_allclose(result.numpy(), theirs.numpy(), rtol=1e-10, atol=1e-12)
    assert str(result.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]


def test_vmap_of_masked_fill_differentiates_the_per_example_value():
    mask = torch.tensor([[True, False], [False, True]])

    def loss(x, v):
        return (x.masked_fill(mask, v) ** 2).sum()
    x, v = torch.tensor(_X[:, :2, :2]), torch.tensor([0.5, -1.0, 2.0])
    grads = torch.func.vmap(torch.func.grad(loss, argnums=(0, 1)))(x, v)
    for i in range(3):
        gx, gv = torch.func.grad(loss, argnums=(0, 1))(x[i], v[i])
        np.testing.assert_allclose(grads[0][i].numpy(), gx.numpy())
        np.testing.assert_allclose(grads[1][i].numpy(), gv.numpy())


def test_per_example_counts_and_masks_still_loop():
    before = _batching.fallbacks[0]
    counts = torch.tensor([[1, 2], [2, 1]])
    out = torch.func.vmap(lambda x, c: torch.repeat_interleave(x, c, dim=0))(torch.ones(2, 2), counts)
    assert out.shape == (2, 3) and _batching.fallbacks[0] == before + 1
    masks = torch.tensor([[[True, False], [True, True]], [[True, True], [True, True]]])
    q = torch.tensor(_X[:2, :, :2])
    out = torch.func.vmap(lambda x, m: torch.nn.functional.scaled_dot_product_attention(x, x, x, attn_mask=m))(q, masks)
    loop = torch.stack([torch.nn.functional.scaled_dot_product_attention(q[i], q[i], q[i], attn_mask=masks[i])
                        for i in range(2)])
    np.testing.assert_allclose(out.numpy(), loop.numpy())


@pytest.mark.parametrize("name, fn", [
    ("matmul", lambda W, c, x: torch.matmul(W, x)), ("mv", lambda W, c, x: torch.mv(W, x)),
    ("dot", lambda W, c, x: torch.dot(c, x)), ("maximum", lambda W, c, x: torch.maximum(c, x)),
    ("bmm", lambda W, c, x: torch.bmm(W[None], x[None, :, None])),
])
def test_a_torch_function_whose_batched_operand_comes_second_runs_batched(name, fn):
    """torch.f(plain, batched): the function's fast path runs the plain first operand's method, which
    meets the BatchedTensor; the call then goes to vmap's rule (overrides.Overridden), not the loop."""
    W, c, x = torch.randn(3, 4, dtype=torch.float64), torch.randn(4, dtype=torch.float64), torch.randn(
        5, 4, dtype=torch.float64)
    before = _batching.fallbacks[0]
    result = torch.func.vmap(lambda x: fn(W, c, x))(x)
    assert _batching.fallbacks[0] == before, name
    np.testing.assert_allclose(result.numpy(), torch.stack([fn(W, c, xi) for xi in x]).numpy(), rtol=1e-12)


# ---------------------------------------------------------------------------------- closed forms
# The SymPy forms (Explain.symbolic) declared by this audit: explain's closed form of each op's
# gradient agrees with backward at the recorded point.
_P = [0.3, 0.6]
_Q = [0.5, 0.1]
CLOSED_FORMS = {
    "acos": lambda x, z: x.acos(), "asin": lambda x, z: x.asin(), "atan": lambda x, z: x.atan(),
    "cosh": lambda x, z: x.cosh(), "sinh": lambda x, z: x.sinh(), "tan": lambda x, z: x.tan(),
    "expm1": lambda x, z: x.expm1(), "log10": lambda x, z: x.log10(), "log2": lambda x, z: x.log2(),
    "log1p": lambda x, z: x.log1p(), "rsqrt": lambda x, z: x.rsqrt(), "reciprocal": lambda x, z: x.reciprocal(),
    "maximum": lambda x, z: torch.maximum(x, z), "minimum": lambda x, z: torch.minimum(x, z),
    "fmax": lambda x, z: torch.fmax(x, z), "fmin": lambda x, z: torch.fmin(x, z),
    "max": lambda x, z: x.max(), "min": lambda x, z: x.min(), "prod": lambda x, z: x.prod(),
    "vdot": lambda x, z: torch.vdot(x, z), "xlogy": lambda x, z: torch.xlogy(x, z),
    "logaddexp2": lambda x, z: torch.logaddexp2(x, z), "ndtr": lambda x, z: torch.special.ndtr(x),
    "ndtri": lambda x, z: torch.special.ndtri(x), "log_ndtr": lambda x, z: torch.special.log_ndtr(x),
    "erfcx": lambda x, z: torch.special.erfcx(x), "hardsigmoid": lambda x, z: F.hardsigmoid(x),
    "hardswish": lambda x, z: F.hardswish(x), "to_and_back": lambda x, z: x.float().double(),
    "zero_": lambda x, z: (x * 1).zero_() + z,
}


@pytest.mark.parametrize("name", sorted(CLOSED_FORMS))
def test_closed_forms_of_the_new_symbolic_rules(name):
    pytest.importorskip("sympy")
    x = torch.tensor(_P, dtype=torch.float64, requires_grad=True)
    z = torch.tensor(_Q, dtype=torch.float64, requires_grad=True)
    y = CLOSED_FORMS[name](x, z)
    text = str(explain(y.sum() if y.dim() else y))
    assert "Closed form (SymPy)" in text and "✗" not in text, text[-600:]
    assert text.count("equals the gradient backward computed ✓") >= 1, text[-600:]


def test_closed_forms_of_addmm_and_t():
    pytest.importorskip("sympy")
    x = torch.tensor([[0.3, 0.6]], dtype=torch.float64, requires_grad=True)
    w = torch.tensor([[0.5, 0.1], [-0.2, 0.4]], dtype=torch.float64, requires_grad=True)
    b = torch.tensor([0.7, -0.1], dtype=torch.float64, requires_grad=True)
    y = F.linear(x, w, b).t()
    text = str(explain(y.sum()))
    assert "x @ wᵀ + b" in text and "[AddmmBackward0]" in text and "[TBackward0]" in text
    assert text.count("equals the gradient backward computed ✓") == 3 and "✗" not in text


@pytest.mark.parametrize("module", ["LSTM", "GRU", "RNN"])
def test_recurrent_outputs_print_pytorchs_grad_fn(module):
    T = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((3, 1, 2)).astype(np.float32)
    theirs = getattr(T.nn, module)(2, 2)(T.tensor(x))
    ours = getattr(torch.nn, module)(2, 2)(torch.tensor(x))
    for t, o in zip(theirs[:1] + tuple(theirs[1] if module == "LSTM" else theirs[1:]),
                    ours[:1] + tuple(ours[1] if module == "LSTM" else ours[1:])):
        assert o.grad_fn.name() == t.grad_fn.name()
