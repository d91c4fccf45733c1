"""Shape ops: views and copies, joining and splitting.

Three oracles: closed forms (values, gradients that count copies), finite differences (gradcheck and
gradgradcheck in float64, the latter running every vjp on Tensors), and PyTorch (the same lambda run
in both: values, dtypes, grad_fn names, gradients, view-ness, exception types and messages).
"""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import torchless
from torchless._tensor.xp import TX
from torchless.autograd import gradcheck, gradgradcheck

from ..conftest import assert_same, requires_torch, to_numpy

# ---------------------------------------------------------------------------- the cases
# (id, input shapes, fn(torch_module, *inputs)); every case is differentiable in all its inputs.
S = ()
CASES = [
    ("view", [(2, 3, 4)], lambda T, x: x.view(6, 4)),
    ("view_infer", [(2, 3, 4)], lambda T, x: x.view(-1, 4)),
    ("view_tuple", [(2, 3, 4)], lambda T, x: x.view((4, -1))),
    ("view_0d", [S], lambda T, s: s.view(1, 1)),
    ("view_0d_infer", [S], lambda T, s: s.view(-1)),
    ("view_to_0d", [(1, 1)], lambda T, x: x.view(())),
    ("view_of_transpose", [(2, 3, 4)], lambda T, x: x.transpose(0, 1).view(3, 2, 2, 2)),
    ("view_as", [(2, 3, 4)], lambda T, x: x.view_as(T.zeros(4, 6))),
    ("reshape_view", [(2, 3, 4)], lambda T, x: x.reshape(4, 6)),
    ("reshape_copy", [(2, 3, 4)], lambda T, x: x.transpose(0, 2).reshape(-1)),
    ("reshape_fn", [(2, 3, 4)], lambda T, x: T.reshape(x, (3, 8))),
    ("reshape_same", [(3, 4)], lambda T, x: x.reshape(3, 4)),
    ("reshape_as", [(3, 4)], lambda T, x: x.t().reshape_as(T.zeros(2, 6))),
    ("flatten", [(2, 3, 4)], lambda T, x: x.flatten()),
    ("flatten_start", [(2, 3, 4)], lambda T, x: x.flatten(1)),
    ("flatten_neg", [(2, 3, 4)], lambda T, x: T.flatten(x, -3, -2)),
    ("flatten_noncontig", [(3, 4)], lambda T, x: x.t().flatten()),
    ("flatten_kw", [(2, 3, 4)], lambda T, x: T.flatten(x, start_dim=1, end_dim=2)),
    ("flatten_0d", [S], lambda T, s: s.flatten()),
    ("flatten_1d_self", [(5,)], lambda T, v: v.flatten() * 1),
    ("unflatten", [(2, 3, 4)], lambda T, x: x.unflatten(2, (2, 2))),
    ("unflatten_infer", [(2, 3, 4)], lambda T, x: T.unflatten(x, -1, (-1, 2))),
    ("unflatten_size1", [(2, 3)], lambda T, x: x.unflatten(1, (3, 1))),
    ("ravel", [(2, 3, 4)], lambda T, x: x.ravel()),
    ("ravel_noncontig", [(3, 4)], lambda T, x: T.ravel(x.mT)),
    ("squeeze_all", [(1, 3, 1, 2)], lambda T, x: x.squeeze()),
    ("squeeze_dim", [(1, 3, 1, 2)], lambda T, x: x.squeeze(0)),
    ("squeeze_neg", [(1, 3, 1, 2)], lambda T, x: x.squeeze(-2)),
    ("squeeze_noop", [(1, 3, 1, 2)], lambda T, x: x.squeeze(1)),
    ("squeeze_tuple", [(1, 3, 1, 2)], lambda T, x: x.squeeze((0, -2))),
    ("squeeze_fn", [(1, 3, 1, 2)], lambda T, x: T.squeeze(x, [1, 2])),
    ("squeeze_0d", [S], lambda T, s: s.squeeze(0)),
    ("squeeze_0d_all", [S], lambda T, s: s.squeeze()),
    ("unsqueeze", [(2, 3)], lambda T, x: x.unsqueeze(0)),
    ("unsqueeze_end", [(2, 3)], lambda T, x: x.unsqueeze(2)),
    ("unsqueeze_neg", [(2, 3)], lambda T, x: T.unsqueeze(x, -2)),
    ("unsqueeze_0d", [S], lambda T, s: s.unsqueeze(-1)),
    ("transpose", [(2, 3, 4)], lambda T, x: x.transpose(0, 2)),
    ("transpose_neg", [(2, 3, 4)], lambda T, x: x.transpose(-1, 0)),
    ("transpose_fn", [(2, 3, 4)], lambda T, x: T.transpose(x, 1, 2)),
    ("transpose_same", [(2, 3)], lambda T, x: x.transpose(1, 1)),
    ("transpose_0d", [S], lambda T, s: s.transpose(0, -1)),
    ("swapaxes", [(2, 3, 4)], lambda T, x: x.swapaxes(0, 1)),
    ("swapdims", [(2, 3, 4)], lambda T, x: T.swapdims(x, 2, 1)),
    ("t", [(2, 3)], lambda T, x: x.t()),
    ("t_1d", [(3,)], lambda T, v: v.t()),
    ("t_0d", [S], lambda T, s: T.t(s)),
    ("T", [(2, 3)], lambda T, x: x.T),
    ("mT", [(2, 3, 4)], lambda T, x: x.mT),
    ("mH", [(2, 3, 4)], lambda T, x: x.mH),
    ("H", [(2, 3)], lambda T, x: x.H),
    ("permute", [(2, 3, 4)], lambda T, x: x.permute(2, 0, 1)),
    ("permute_tuple", [(2, 3, 4)], lambda T, x: x.permute((1, 2, 0))),
    ("permute_neg", [(2, 3, 4)], lambda T, x: x.permute(-1, -3, -2)),
    ("permute_fn", [(2, 3, 4)], lambda T, x: T.permute(x, (2, 1, 0))),
    ("permute_kw", [(2, 3, 4)], lambda T, x: x.permute(dims=[0, 2, 1])),
    ("permute_0d", [S], lambda T, s: s.permute(())),
    ("movedim", [(2, 3, 4)], lambda T, x: x.movedim(0, 2)),
    ("movedim_neg", [(2, 3, 4)], lambda T, x: x.movedim(-1, 0)),
    ("movedim_tuple", [(2, 3, 4)], lambda T, x: T.movedim(x, (0, 1), (2, 0))),
    ("moveaxis", [(2, 3, 4)], lambda T, x: T.moveaxis(x, 1, -1)),
    ("expand", [(3,)], lambda T, v: v.expand(2, 3)),
    ("expand_size1", [(3, 1)], lambda T, x: x.expand(3, 4)),
    ("expand_keep", [(3, 1)], lambda T, x: x.expand(2, -1, 4)),
    ("expand_same", [(2, 3)], lambda T, x: x.expand(2, 3)),
    ("expand_lead1", [(2, 3)], lambda T, x: x.expand(1, 2, 3)),
    ("expand_0d", [S], lambda T, s: s.expand(2, 3)),
    ("expand_tuple", [(3, 1)], lambda T, x: x.expand((2, 3, 2))),
    ("expand_as", [(1, 3)], lambda T, x: x.expand_as(T.zeros(4, 3))),
    ("broadcast_to", [(3, 1)], lambda T, x: T.broadcast_to(x, (2, 3, 4))),
    ("broadcast_to_method", [(3,)], lambda T, v: v.broadcast_to((2, 3))),
    ("broadcast_tensors", [(3,), (2, 1)], lambda T, a, b: T.broadcast_tensors(a, b)),
    ("repeat", [(2, 3)], lambda T, x: x.repeat(2, 3)),
    ("repeat_lead", [(2, 3)], lambda T, x: x.repeat(2, 1, 2)),
    ("repeat_tuple", [(3,)], lambda T, v: v.repeat((2,))),
    ("repeat_0d", [S], lambda T, s: s.repeat(3, 2)),
    ("repeat_zero", [(2, 3)], lambda T, x: x.repeat(0, 1)),
    ("tile", [(2, 3)], lambda T, x: x.tile(2)),
    ("tile_fn", [(2, 3)], lambda T, x: T.tile(x, (2, 1, 1))),
    ("tile_0d", [S], lambda T, s: s.tile(3)),
    ("cat0", [(2, 3), (1, 3)], lambda T, a, b: T.cat([a, b])),
    ("cat1", [(2, 3), (2, 1)], lambda T, a, b: T.cat((a, b), 1)),
    ("cat_neg", [(2, 3, 2), (2, 3, 1), (2, 3, 3)], lambda T, a, b, c: T.cat([a, b, c], -1)),
    ("cat_kw", [(2, 3), (2, 1)], lambda T, a, b: T.cat([a, b], dim=-1)),
    ("cat_one", [(2, 3)], lambda T, a: T.cat([a])),
    ("cat_same_twice", [(2, 3)], lambda T, a: T.cat([a, a * 2], 0)),
    ("concat", [(2, 3), (2, 2)], lambda T, a, b: T.concat([a, b], 1)),
    ("concatenate", [(2, 3), (2, 2)], lambda T, a, b: T.concatenate([a, b], axis=1)),
    ("cat_legacy_empty", [(2, 3), (0,)], lambda T, a, e: T.cat([a, e])),
    ("stack", [(2, 3), (2, 3)], lambda T, a, b: T.stack([a, b])),
    ("stack_dim", [(2, 3), (2, 3)], lambda T, a, b: T.stack([a, b], 1)),
    ("stack_neg", [(2, 3), (2, 3), (2, 3)], lambda T, a, b, c: T.stack((a, b, c), dim=-1)),
    ("stack_0d", [S, S], lambda T, a, b: T.stack([a, b])),
    ("hstack", [(2, 3), (2, 1)], lambda T, a, b: T.hstack([a, b])),
    ("hstack_1d", [(3,), (2,)], lambda T, a, b: T.hstack([a, b])),
    ("hstack_0d", [S, S], lambda T, a, b: T.hstack([a, b])),
    ("vstack", [(3,), (3,)], lambda T, a, b: T.vstack([a, b])),
    ("vstack_2d", [(1, 3), (2, 3)], lambda T, a, b: T.vstack([a, b])),
    ("dstack", [(2, 3), (2, 3)], lambda T, a, b: T.dstack([a, b])),
    ("column_stack", [(3,), (3, 2)], lambda T, a, b: T.column_stack([a, b])),
    ("atleast_1d", [S], lambda T, s: T.atleast_1d(s)),
    ("atleast_2d", [(3,)], lambda T, v: T.atleast_2d(v)),
    ("atleast_3d", [(3,)], lambda T, v: T.atleast_3d(v)),
    ("atleast_3d_2d", [(2, 3)], lambda T, x: T.atleast_3d(x)),
    ("split", [(5, 3)], lambda T, x: x.split(2)),
    ("split_dim", [(3, 5)], lambda T, x: x.split(2, 1)),
    ("split_sizes", [(3, 5)], lambda T, x: x.split([1, 4], dim=1)),
    ("split_sizes_zero", [(3, 5)], lambda T, x: T.split(x, [2, 0, 3], -1)),
    ("split_whole", [(3, 5)], lambda T, x: x.split(3)),
    ("split_fn", [(2, 6)], lambda T, x: T.split(x, 3, dim=-1)),
    ("split_one_used", [(4, 3)], lambda T, x: x.split(2)[1] * 3),
    ("chunk", [(5, 3)], lambda T, x: x.chunk(2)),
    ("chunk_dim", [(2, 6)], lambda T, x: T.chunk(x, 4, 1)),
    ("chunk_more", [(3,)], lambda T, v: v.chunk(5)),
    ("unbind", [(3, 2)], lambda T, x: x.unbind()),
    ("unbind_neg", [(3, 2)], lambda T, x: x.unbind(-1)),
    ("unbind_fn", [(2, 3, 2)], lambda T, x: T.unbind(x, 1)),
    ("unbind_1d", [(3,)], lambda T, v: v.unbind()),
    ("unbind_one_used", [(3, 2)], lambda T, x: x.unbind(1)[0] * 2),
    ("iter", [(3, 2)], lambda T, x: tuple(x)),
    ("flip", [(2, 3, 4)], lambda T, x: x.flip(0)),
    ("flip_many", [(2, 3, 4)], lambda T, x: x.flip(0, 2)),
    ("flip_tuple", [(2, 3, 4)], lambda T, x: T.flip(x, (-1, 1))),
    ("flip_kw", [(2, 3)], lambda T, x: x.flip(dims=[1])),
    ("flip_0d", [S], lambda T, s: s.flip(0)),
    ("fliplr", [(2, 3)], lambda T, x: x.fliplr()),
    ("flipud", [(3,)], lambda T, v: T.flipud(v)),
    ("roll_flat", [(2, 3)], lambda T, x: x.roll(1)),
    ("roll_dim", [(2, 3)], lambda T, x: x.roll(2, 1)),
    ("roll_neg", [(2, 3)], lambda T, x: x.roll(-1, -1)),
    ("roll_many", [(2, 3)], lambda T, x: T.roll(x, (1, -2), (0, 1))),
    ("roll_kw", [(2, 3)], lambda T, x: T.roll(x, shifts=4, dims=1)),
    ("roll_0d", [S], lambda T, s: s.roll(1)),
    ("narrow", [(4, 3)], lambda T, x: x.narrow(0, 1, 2)),
    ("narrow_neg", [(4, 3)], lambda T, x: x.narrow(-1, -3, 2)),
    ("narrow_empty", [(4, 3)], lambda T, x: T.narrow(x, 1, 3, 0)),
    ("to_float32", [(2, 3)], lambda T, x: x.to(T.float32)),
    ("to_same", [(2, 3)], lambda T, x: x.to(T.float64) * 1),
    ("clone", [(2, 3)], lambda T, x: x.clone()),
    ("contiguous", [(2, 3)], lambda T, x: x.t().contiguous()),
    ("chain", [(2, 3, 4)], lambda T, x: x.permute(2, 0, 1).reshape(4, 6).narrow(0, 1, 3)
     .unsqueeze(1).expand(3, 2, 6).flatten(0, 1).split(4, 1)),
]

CASE_IDS = [c[0] for c in CASES]
# float32 outputs: finite differences in float32 cannot meet float64 tolerances
FD_CASES = [c for c in CASES if c[0] != "to_float32"]
FD_IDS = [c[0] for c in FD_CASES]


def _inputs(module, shapes, dtype_name="float64", requires_grad=True):
    rng = np.random.default_rng(abs(hash(tuple(shapes))) % 2 ** 32)
    out = []
    for shape in shapes:
        arr = rng.standard_normal(shape).astype(dtype_name)
        t = module.tensor(arr, dtype=getattr(module, dtype_name))
        out.append(t.requires_grad_(requires_grad))
    return out


def _as_tuple(out):
    return tuple(out) if isinstance(out, (tuple, list)) else (out,)


def _grad_fn_name(t):
    return None if t.grad_fn is None else type(t.grad_fn).__name__


def _run(module, shapes, fn):
    """Forward, then backward of a weighted sum of the outputs: what to compare."""
    ins = _inputs(module, shapes)
    outs = _as_tuple(fn(module, *ins))
    loss = None
    for k, o in enumerate(outs):
        w = module.tensor(np.linspace(-1, 2, o.numel()).reshape(tuple(o.shape)) + k, dtype=o.dtype)
        term = (o * w).sum()
        loss = term if loss is None else loss + term
    loss.backward()
    return ins, outs


# ---------------------------------------------------------------------------- against PyTorch
@requires_torch
@pytest.mark.parametrize("name, shapes, fn", CASES, ids=CASE_IDS)
def test_vs_torch(name, shapes, fn, torch_ref):
    ours_in, ours = _run(torchless, shapes, fn)
    theirs_in, theirs = _run(torch_ref, shapes, fn)
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        assert_same(o, t)
        assert _grad_fn_name(o) == _grad_fn_name(t)
        assert (o._base is not None) == (t._base is not None), "view-ness differs from PyTorch"
        assert o.is_contiguous() == t.is_contiguous() or not t.is_contiguous()
    for a, b in zip(ours_in, theirs_in):
        assert (a.grad is None) == (b.grad is None)
        if b.grad is not None:
            assert_same(a.grad, b.grad)


@requires_torch
@pytest.mark.parametrize("name, shapes, fn", CASES, ids=CASE_IDS)
def test_next_functions_match_torch(name, shapes, fn, torch_ref):
    """The recorded graph has PyTorch's shape: each node's inputs are the same kinds of node."""
    def walk(t, depth=3):
        node, names = t.grad_fn, []
        frontier = [node] if node is not None else []
        for _ in range(depth):
            nxt = []
            for n in frontier:
                for m, _idx in n.next_functions:
                    names.append(None if m is None else type(m).__name__)
                    if m is not None:
                        nxt.append(m)
            frontier = nxt
        return names
    ours = _as_tuple(fn(torchless, *_inputs(torchless, shapes)))
    theirs = _as_tuple(fn(torch_ref, *_inputs(torch_ref, shapes)))
    for o, t in zip(ours, theirs):
        assert walk(o) == walk(t)


# ---------------------------------------------------------------------------- finite differences
@pytest.mark.parametrize("name, shapes, fn", FD_CASES, ids=FD_IDS)
def test_gradcheck(name, shapes, fn):
    ins = _inputs(torchless, shapes)
    assert gradcheck(lambda *xs: fn(torchless, *xs), ins)


@pytest.mark.parametrize("name, shapes, fn", FD_CASES, ids=FD_IDS)
def test_gradgradcheck(name, shapes, fn):
    """The vjps run on Tensors (create_graph): the gradient is differentiable in grad_output."""
    ins = _inputs(torchless, shapes)
    assert gradgradcheck(lambda *xs: fn(torchless, *xs), ins)


# ---------------------------------------------------------------------------- closed forms
def test_values_closed_form():
    x = torchless.arange(6).view(2, 3)
    assert x.tolist() == [[0, 1, 2], [3, 4, 5]]
    assert x.t().tolist() == [[0, 3], [1, 4], [2, 5]]
    assert x.flip(1).tolist() == [[2, 1, 0], [5, 4, 3]]
    assert x.roll(1).tolist() == [[5, 0, 1], [2, 3, 4]]
    assert x.roll(1, 1).tolist() == [[2, 0, 1], [5, 3, 4]]
    assert x.repeat(1, 2).tolist() == [[0, 1, 2, 0, 1, 2], [3, 4, 5, 3, 4, 5]]
    assert [p.tolist() for p in x.split([1, 2], 1)] == [[[0], [3]], [[1, 2], [4, 5]]]
    assert [p.tolist() for p in x.unbind(1)] == [[0, 3], [1, 4], [2, 5]]
    assert torchless.cat([x, x], 1).tolist() == [[0, 1, 2, 0, 1, 2], [3, 4, 5, 3, 4, 5]]
    assert torchless.stack(x.unbind(0), 1).tolist() == [[0, 3], [1, 4], [2, 5]]
    assert x.movedim(0, 1).tolist() == x.t().tolist()
    assert x.dtype == torchless.int64 and x.repeat(2, 1).dtype == torchless.int64


def test_gradients_count_copies():
    v = torchless.tensor([1.0, 2.0, 3.0], requires_grad=True)
    v.expand(4, 3).sum().backward()
    assert v.grad.tolist() == [4.0, 4.0, 4.0]
    v.grad = None
    v.repeat(2, 3).sum().backward()
    assert v.grad.tolist() == [6.0, 6.0, 6.0]
    v.grad = None
    torchless.cat([v, v, v.narrow(0, 1, 2)]).sum().backward()
    assert v.grad.tolist() == [2.0, 3.0, 3.0]
    v.grad = None
    a, b = v.split([1, 2])
    (a * 10 + b.sum()).sum().backward()
    assert v.grad.tolist() == [10.0, 1.0, 1.0]
    v.grad = None
    v.roll(1).mul(torchless.tensor([1.0, 2.0, 3.0])).sum().backward()  # out[i] = v[i-1]
    assert v.grad.tolist() == [2.0, 3.0, 1.0]


def test_split_grad_is_zero_for_unused_pieces():
    x = torchless.ones(4, 2, requires_grad=True)
    pieces = x.chunk(2)
    pieces[1].sum().backward()
    assert x.grad.tolist() == [[0, 0], [0, 0], [1, 1], [1, 1]]
    assert len(pieces) == 2 and pieces[0].output_nr == 0 and pieces[1].output_nr == 1
    assert pieces[0].grad_fn is pieces[1].grad_fn
    assert pieces[0].grad_fn.num_outputs == 2


def test_unbind_and_iteration_share_one_node():
    x = torchless.ones(3, 2, requires_grad=True)
    rows = list(x)
    assert len({id(r.grad_fn) for r in rows}) == 1
    assert type(rows[0].grad_fn).__name__ == "UnbindBackward0"
    (rows[0] * 1 + rows[2] * 3).sum().backward()
    assert x.grad.tolist() == [[1, 1], [0, 0], [3, 3]]


# ---------------------------------------------------------------------------- dtypes
@requires_torch
@pytest.mark.parametrize("op", ["cat", "stack", "hstack", "vstack"])
@pytest.mark.parametrize("dtypes", [("float32", "float64"), ("int64", "float32"), ("bool", "int8"),
                                    ("int32", "int64"), ("float16", "float32"), ("bool", "bool")])
def test_join_dtype_promotion(op, dtypes, torch_ref):
    def build(T):
        ts = [T.ones(2, 3, dtype=getattr(T, d)) for d in dtypes]
        return getattr(T, op)(ts)
    assert_same(build(torchless), build(torch_ref))


@requires_torch
def test_cat_mixed_dtype_grads(torch_ref):
    def run(T):
        a = T.ones(2, dtype=T.float32, requires_grad=True)
        b = T.ones(3, dtype=T.float64, requires_grad=True)
        c = T.cat([a * 2, b * 3])
        (c * T.arange(5.0, dtype=T.float64)).sum().backward()
        return c, a.grad, b.grad
    for o, t in zip(run(torchless), run(torch_ref)):
        assert_same(o, t)


@requires_torch
def test_to_dtype_grad(torch_ref):
    def run(T):
        x = T.tensor([1.5, -2.0], dtype=T.float64, requires_grad=True)
        y = x.to(T.float32)
        (y * y).sum().backward()
        return y, x.grad
    for o, t in zip(run(torchless), run(torch_ref)):
        assert_same(o, t)


# ---------------------------------------------------------------------------- views
VIEW_OPS = [
    ("view", lambda x: x.view(4, 6)),
    ("reshape", lambda x: x.reshape(-1)),
    ("flatten", lambda x: x.flatten(1)),
    ("unflatten", lambda x: x.unflatten(2, (2, 2))),
    ("ravel", lambda x: x.ravel()),
    ("transpose", lambda x: x.transpose(0, 2)),
    ("permute", lambda x: x.permute(1, 2, 0)),
    ("mT", lambda x: x.mT),
    ("movedim", lambda x: x.movedim(0, -1)),
    ("squeeze", lambda x: x.unsqueeze(1).squeeze(1)),
    ("unsqueeze", lambda x: x.unsqueeze(-1)),
    ("expand", lambda x: x.unsqueeze(0).expand(2, 2, 3, 4)),
    ("narrow", lambda x: x.narrow(1, 1, 2)),
    ("split", lambda x: x.split(2, 2)[1]),
    ("chunk", lambda x: x.chunk(3, 1)[2]),
    ("unbind", lambda x: x.unbind(1)[1]),
    ("t_of_view", lambda x: x.view(6, 4).t()),
    ("chain", lambda x: x.permute(2, 0, 1).narrow(0, 1, 2).flatten(1).unbind(1)[3]),
    ("detach_then_view", lambda x: x.detach().view(24)),
]
COPY_OPS = [
    ("reshape_copy", lambda x: x.transpose(0, 1).reshape(-1)),
    ("flip", lambda x: x.flip(0)),
    ("roll", lambda x: x.roll(1)),
    ("repeat", lambda x: x.repeat(1, 1, 1)),
    ("clone", lambda x: x.clone()),
]


@pytest.mark.parametrize("name, op", VIEW_OPS, ids=[v[0] for v in VIEW_OPS])
def test_views_share_storage_base_and_version(name, op):
    x = torchless.arange(24.0).view(2, 3, 4).clone()
    v = op(x)
    assert v._base is x
    assert np.shares_memory(v._data, x._data)
    # _view_fn rebuilds the view from an array (and a Tensor) shaped like the base
    np.testing.assert_array_equal(v._view_fn(x._data) if v._view_fn else x._data, v._data)
    np.testing.assert_array_equal(to_numpy(v._view_fn(x) if v._view_fn else x), v._data)
    other = np.arange(24.0).reshape(2, 3, 4) * -1
    expect = op(torchless.tensor(other))._data
    np.testing.assert_array_equal(v._view_fn(other) if v._view_fn else other, expect)
    before = v._version
    x.add_(1)  # writes through the shared storage and bumps the shared counter
    assert v._version == x._version == before + 1
    np.testing.assert_array_equal(op(torchless.arange(24.0).view(2, 3, 4) + 1)._data, v._data)


@pytest.mark.parametrize("name, op", COPY_OPS, ids=[c[0] for c in COPY_OPS])
def test_copies_do_not_share(name, op):
    x = torchless.arange(24.0).view(2, 3, 4).clone()
    c = op(x)
    assert c._base is None
    assert not np.shares_memory(c._data, x._data)


@requires_torch
@pytest.mark.parametrize("name, op", VIEW_OPS + COPY_OPS, ids=[v[0] for v in VIEW_OPS + COPY_OPS])
def test_viewness_matches_torch(name, op, torch_ref):
    x = torch_ref.arange(24.0).view(2, 3, 4).clone()
    y = op(x)
    is_view_torch = y._base is not None
    ours = op(torchless.arange(24.0).view(2, 3, 4).clone())
    assert (ours._base is not None) == is_view_torch


def test_view_of_view_has_root_base_and_composed_view_fn():
    x = torchless.arange(12.0)
    a = x.view(3, 4)
    b = a.t()
    c = b.narrow(0, 1, 2)
    assert a._base is x and b._base is x and c._base is x
    np.testing.assert_array_equal(c._view_fn(x._data), c._data)
    np.testing.assert_array_equal(c._view_fn(np.arange(12.0) * 2), c._data * 2)


def test_view_requires_viewable_strides():
    x = torchless.arange(12.0).view(3, 4)
    with pytest.raises(RuntimeError, match=r"view size is not compatible .* Use \.reshape\(\.\.\.\) instead\."):
        x.t().view(12)
    assert x.t().view(4, 3).shape == (4, 3)       # same shape: a view of the transposed strides
    assert x.t().reshape(12)._base is None       # reshape copies instead
    v = x.unsqueeze(1).expand(3, 2, 4)           # expanded, then split a dim: still a view
    assert v.reshape(3, 2, 2, 2)._base is x._base


@requires_torch
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_view_possible_exactly_when_torch_says(data):
    """NumPy's no-copy reshape check agrees with PyTorch's stride rule for view()."""
    import torch
    shape = data.draw(st.lists(st.integers(1, 4), min_size=1, max_size=4))
    perm = data.draw(st.permutations(range(len(shape))))
    n = int(np.prod(shape))
    divisors = [d for d in range(1, n + 1) if n % d == 0]
    first = data.draw(st.sampled_from(divisors))
    target = (first, n // first)
    base = np.arange(n, dtype=np.float64).reshape(shape)
    theirs = torch.tensor(base).permute(*perm)
    ours = torchless.tensor(base).permute(*perm)
    try:
        expect = theirs.view(target)
    except RuntimeError:
        with pytest.raises(RuntimeError, match="view size is not compatible"):
            ours.view(target)
    else:
        np.testing.assert_array_equal(ours.view(target)._data, expect.numpy())


def test_expand_without_repeats_is_writable():
    x = torchless.zeros(3, 1)
    assert x.expand(3, 1)._data.flags.writeable
    assert x.expand(1, 3, 1)._data.flags.writeable


def test_T_warns_outside_2d():
    with pytest.warns(UserWarning, match="x.T"):
        torchless.zeros(2, 3, 4).T
    with pytest.warns(UserWarning, match="0-D"):
        torchless.tensor(1.0).T
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert torchless.zeros(2, 3).T.shape == (3, 2)


def test_flatten_of_1d_is_self():
    v = torchless.ones(3, requires_grad=True)
    assert v.flatten() is v and v.flatten(0, 0) is v
    x = torchless.ones(2, 3)
    assert x.flatten(1, 1) is x and x.flatten(-1, 1) is x


# ---------------------------------------------------------------------------- errors
_x = ((2, 3, 4),)
_y = ((3, 4),)
ERRORS = [
    # (id, input shapes, fn, exact: compare the whole message)
    ("view_noncontig", _y, lambda T, y: y.t().view(12), True),
    ("view_bad_numel", _y, lambda T, y: y.view(5), True),
    ("view_two_infer", _y, lambda T, y: y.view(-1, -1), True),
    ("view_infer_bad", _y, lambda T, y: y.view(-1, 5), True),
    ("view_neg", _y, lambda T, y: y.view(-2, 6), True),
    ("reshape_zero_infer", ((0,),), lambda T, e: e.reshape(-1, 0), True),
    ("reshape_float", _y, lambda T, y: y.reshape(2.0, 6), False),
    ("expand_fewer", _y, lambda T, y: y.expand(4), True),
    ("expand_mismatch", ((2, 4),), lambda T, y: y.expand(3, 4), True),
    ("expand_lead_neg", _y, lambda T, y: y.expand(-1, 3, 4), True),
    ("expand_neg", _y, lambda T, y: y.expand(-2, 4), True),
    ("broadcast_to_bad", _y, lambda T, y: T.broadcast_to(y, (2, 4)), True),
    ("broadcast_tensors_bad", ((3,), (2, 2)), lambda T, a, b: T.broadcast_tensors(a, b), False),
    ("squeeze_dim", _y, lambda T, y: y.squeeze(2), True),
    ("squeeze_dup", ((1, 3),), lambda T, y: y.squeeze((0, 0)), True),
    ("squeeze_0d", ((),), lambda T, s: s.squeeze(1), True),
    ("unsqueeze_dim", _y, lambda T, y: y.unsqueeze(3), True),
    ("unsqueeze_0d", ((),), lambda T, s: s.unsqueeze(2), True),
    ("transpose_dim", _y, lambda T, y: y.transpose(0, 2), True),
    ("transpose_neg_dim", _y, lambda T, y: y.transpose(-3, 0), True),
    ("t_3d", _x, lambda T, x: x.t(), False),
    ("permute_len", _x, lambda T, x: x.permute(0, 1), False),
    ("permute_dup", _x, lambda T, x: x.permute(0, 1, 1), True),
    ("permute_dim", _x, lambda T, x: x.permute(0, 1, 3), True),
    ("permute_none", _x, lambda T, x: x.permute(), True),
    ("movedim_dup", _x, lambda T, x: x.movedim((0, 0), (1, 2)), True),
    ("movedim_dst_dup", _x, lambda T, x: x.movedim((0, 1), (0, 0)), True),
    ("movedim_len", _x, lambda T, x: x.movedim((0, 1), (1,)), True),
    ("movedim_dim", ((3,),), lambda T, v: v.movedim(0, 1), True),
    ("mT_1d", ((3,),), lambda T, v: v.mT, True),
    ("mH_1d", ((3,),), lambda T, v: v.mH, True),
    ("H_3d", _x, lambda T, x: x.H, True),
    ("flatten_order", _x, lambda T, x: x.flatten(2, 1), True),
    ("flatten_dim", ((3,),), lambda T, v: v.flatten(0, 5), True),
    ("unflatten_bad", _y, lambda T, y: y.unflatten(1, (3, 2)), True),
    ("unflatten_empty", _y, lambda T, y: y.unflatten(1, ()), True),
    ("repeat_fewer", _y, lambda T, y: y.repeat(2), True),
    ("repeat_neg", _y, lambda T, y: y.repeat(-1, 1), True),
    ("cat_mismatch", ((3, 4), (2, 3)), lambda T, a, b: T.cat([a, b]), True),
    ("cat_mismatch_dim1", ((3, 4), (2, 3)), lambda T, a, b: T.cat([a, b], 1), True),
    ("cat_ndim", ((3, 4), (5,)), lambda T, a, b: T.cat([a, b]), True),
    ("cat_0d", ((), ()), lambda T, a, b: T.cat([a, b]), True),
    ("cat_empty", _y, lambda T, y: T.cat([]), True),
    ("cat_dim", _y, lambda T, y: T.cat([y, y], 2), True),
    ("cat_neg_dim", _y, lambda T, y: T.cat([y, y], -3), True),
    ("cat_tensor", _y, lambda T, y: T.cat(y), True),
    ("cat_not_tensor", _y, lambda T, y: T.cat([y, 1]), True),
    ("stack_mismatch", ((3, 4), (2, 4)), lambda T, a, b: T.stack([a, b]), True),
    ("stack_empty", _y, lambda T, y: T.stack([]), True),
    ("stack_dim", _y, lambda T, y: T.stack([y, y], 3), True),
    ("split_zero", _y, lambda T, y: y.split(0), True),
    ("split_neg", _y, lambda T, y: y.split(-1), True),
    ("split_sizes_sum", _y, lambda T, y: y.split([1, 1]), True),
    ("split_sizes_neg", ((3,),), lambda T, v: v.split([-1, 4]), True),
    ("split_0d", ((),), lambda T, s: s.split(1), True),
    ("split_dim", _y, lambda T, y: y.split(1, 2), True),
    ("chunk_zero", _y, lambda T, y: y.chunk(0), True),
    ("chunk_0d", ((),), lambda T, s: s.chunk(1), True),
    ("unbind_0d", ((),), lambda T, s: s.unbind(), True),
    ("unbind_dim", _y, lambda T, y: y.unbind(2), True),
    ("iter_0d", ((),), lambda T, s: list(s), True),
    ("narrow_past_end", _y, lambda T, y: y.narrow(0, 2, 2), True),
    ("narrow_start", ((3,),), lambda T, v: v.narrow(0, 4, 0), True),
    ("narrow_neg_start", ((3,),), lambda T, v: v.narrow(0, -4, 1), True),
    ("narrow_neg_len", _y, lambda T, y: y.narrow(0, 0, -1), True),
    ("narrow_0d", ((),), lambda T, s: s.narrow(0, 0, 1), True),
    ("flip_dup", _y, lambda T, y: y.flip(0, 0), True),
    ("flip_dim", _y, lambda T, y: y.flip(2), True),
    ("fliplr_1d", ((3,),), lambda T, v: v.fliplr(), True),
    ("flipud_0d", ((),), lambda T, s: s.flipud(), True),
    ("roll_align", _y, lambda T, y: y.roll((1, 2), (0,)), True),
    ("roll_align_nodims", _y, lambda T, y: y.roll((1, 2)), True),
    ("roll_dim", ((3,),), lambda T, v: v.roll(1, 1), True),
    ("roll_0d_dim", ((),), lambda T, s: s.roll(1, 0), True),
]


def _error(module, shapes, fn):
    ins = [module.zeros(s) for s in shapes]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fn(module, *ins)
        except Exception as e:  # noqa: BLE001 - the point is to compare what is raised
            return type(e), str(e).split("\n")[0]
    return None, None


@requires_torch
@pytest.mark.parametrize("name, shapes, fn, exact", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_match_torch(name, shapes, fn, exact, torch_ref):
    their_type, their_msg = _error(torch_ref, shapes, fn)
    our_type, our_msg = _error(torchless, shapes, fn)
    assert their_type is not None, "PyTorch raised nothing: the case is wrong"
    assert our_type is their_type, (our_type, our_msg, their_msg)
    if exact:
        assert our_msg == their_msg


def test_error_messages_say_what_to_do():
    y = torchless.zeros(3, 4)
    with pytest.raises(RuntimeError, match=r"Use \.reshape"):
        y.t().view(12)
    with pytest.raises(RuntimeError, match="transpose"):
        torchless.zeros(2, 2, 2).t()
    with pytest.raises(IndexError, match=r"expected to be in range of \[-2, 1\], but got 2"):
        y.squeeze(2)
    with pytest.raises(RuntimeError, match=r"Target sizes: \[3, 4\].  Tensor sizes: \[2, 4\]"):
        torchless.zeros(2, 4).expand(3, 4)


# ---------------------------------------------------------------------------- the Tensor namespace
def test_tensor_namespace_shape_functions():
    x = torchless.tensor(np.arange(24.0).reshape(2, 3, 4))
    a = x._data
    cases = [
        (TX.moveaxis(x, 0, 2), np.moveaxis(a, 0, 2)),
        (TX.moveaxis(x, (0, 1), (2, 0)), np.moveaxis(a, (0, 1), (2, 0))),
        (TX.swapaxes(x, 0, -1), np.swapaxes(a, 0, -1)),
        (TX.permute(x, (2, 0, 1)), np.transpose(a, (2, 0, 1))),
        (TX.permute(torchless.tensor(1.0), ()), np.asarray(1.0)),
        (TX.expand_dims(x, 0), np.expand_dims(a, 0)),
        (TX.expand_dims(x, (0, 3)), np.expand_dims(a, (0, 3))),
        (TX.expand_dims(x, (-1, 1)), np.expand_dims(a, (-1, 1))),
        (TX.squeeze(x.view(2, 1, 3, 1, 4)), a),
        (TX.squeeze(x.view(2, 1, 3, 1, 4), 1), a.reshape(2, 3, 1, 4)),
        (TX.squeeze(x.view(2, 1, 3, 1, 4), (1, 3)), a),
        (TX.concatenate([x, x], 1), np.concatenate([a, a], 1)),
        (TX.concatenate((x, x)), np.concatenate([a, a])),
        (TX.stack([x, x], 2), np.stack([a, a], 2)),
        (TX.stack((x, x)), np.stack([a, a])),
    ]
    for ours, expect in cases:
        assert type(ours) is torchless.Tensor
        np.testing.assert_array_equal(ours._data, expect)


def test_tensor_namespace_records_graph():
    x = torchless.ones(2, 3, dtype=torchless.float64, requires_grad=True)
    y = TX.concatenate([TX.expand_dims(x, 0), TX.stack([x, x])], 0)
    assert y.shape == (3, 2, 3) and type(y.grad_fn).__name__ == "CatBackward0"
    TX.moveaxis(y, 0, 2).sum().backward()
    assert x.grad.tolist() == [[3.0] * 3] * 2


# ---------------------------------------------------------------------------- printing
@requires_torch
def test_repr_matches_torch(torch_ref):
    def build(T):
        x = T.arange(6.0).view(2, 3).requires_grad_()
        return [x.t(), x.view(3, 2), x.split(1)[0], T.cat([x, x]), x.unsqueeze(0), x.expand(2, 2, 3),
                x.flip(0), x.repeat(1, 2), x.unbind()[1], x.narrow(1, 0, 2)]
    for o, t in zip(build(torchless), build(torch_ref)):
        assert repr(o) == repr(t)
