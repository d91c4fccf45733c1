"""Recurrent layers (nn.RNN, nn.GRU, nn.LSTM, the cells) and nn.utils (clipping, parameter vectors,
padded and packed sequences), against PyTorch: the same weights copied across, then outputs, final
states and every gradient compared; float64 gradcheck and gradgradcheck of the fused layer; a small
language model trained 20 steps in both; constructor options, repr and errors."""
import itertools
import warnings

import numpy as np
import pytest

import torchless
import torchless.nn as tnn
from torchless.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")


def ours(t, rg=False):
    x = torchless.tensor(t.detach().numpy().copy())
    return x.requires_grad_(True) if rg else x


def copy_weights(theirs, mine):
    mine.load_state_dict({k: ours(v) for k, v in theirs.state_dict().items()})


def close(a, b, rtol=2e-5, atol=2e-6):
    assert tuple(a.shape) == tuple(b.shape), (a.shape, b.shape)
    assert str(a.dtype) == str(b.dtype)
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=rtol, atol=atol)


def flat(out):
    """The tensors of a recurrent module's result, in order."""
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in flat(o)]
    return [out]


def run_both(cls_name, args, kwargs, x_shape, state=None, dtype=torch.float32, seed=0, packed_lengths=None):
    """Build the module in both libraries with the same weights; run input (and state) through both;
    compare outputs and the gradients of Σ out·w for the input, the states and every parameter."""
    torch.manual_seed(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = getattr(torch.nn, cls_name)(*args, **kwargs).to(dtype)
        mine = getattr(tnn, cls_name)(*args, **kwargs).to(getattr(torchless, str(dtype)[6:]))
    copy_weights(theirs, mine)
    x_t = torch.randn(*x_shape, dtype=dtype, requires_grad=True)
    x_l = ours(x_t, True)
    call_t, call_l = [x_t], [x_l]
    if state is not None:
        st = [torch.randn(*s, dtype=dtype, requires_grad=True) for s in state]
        sl = [ours(s, True) for s in st]
        if cls_name in ("LSTM", "LSTMCell"):
            call_t.append(tuple(st))
            call_l.append(tuple(sl))
        else:
            call_t.append(st[0])
            call_l.append(sl[0])
    else:
        st, sl = [], []
    out_t, out_l = theirs(*call_t), mine(*call_l)
    ft, fl = flat(out_t), flat(out_l)
    assert len(ft) == len(fl)
    rtol, atol = (2e-5, 2e-6) if dtype == torch.float32 else (1e-10, 1e-12)
    for a, b in zip(fl, ft):
        close(a, b, rtol, atol)
    rng = np.random.default_rng(seed)
    ws = [rng.standard_normal(tuple(t.shape)) for t in ft]
    loss_t = sum((t * torch.tensor(w, dtype=dtype)).sum() for t, w in zip(ft, ws))
    loss_l = sum((t * torchless.tensor(w, dtype=getattr(torchless, str(dtype)[6:]))).sum() for t, w in zip(fl, ws))
    loss_t.backward()
    loss_l.backward()
    close(x_l.grad, x_t.grad, rtol * 10, atol * 10)
    for a, b in zip(sl, st):
        close(a.grad, b.grad, rtol * 10, atol * 10)
    pt = dict(theirs.named_parameters())
    pl = dict(mine.named_parameters())
    assert list(pt) == list(pl)
    for name in pt:
        close(pl[name].grad, pt[name].grad, rtol * 10, atol * 10)
    return theirs, mine


# ------------------------------------------------------------------------------------ same weights
OPTIONS = list(itertools.product((1, 2), (True, False), (False, True), (False, True)))


@pytest.mark.parametrize("layers,bias,batch_first,bidirectional", OPTIONS)
@pytest.mark.parametrize("cls_name,extra", [("RNN", {}), ("RNN", {"nonlinearity": "relu"}), ("GRU", {}),
                                            ("LSTM", {}), ("LSTM", {"proj_size": 2})])
def test_module_matches_torch(cls_name, extra, layers, bias, batch_first, bidirectional):
    kwargs = dict(num_layers=layers, bias=bias, batch_first=batch_first, bidirectional=bidirectional, **extra)
    run_both(cls_name, (3, 4), kwargs, (2, 5, 3) if batch_first else (5, 2, 3))


@pytest.mark.parametrize("cls_name,extra", [("RNN", {}), ("GRU", {}), ("LSTM", {}), ("LSTM", {"proj_size": 3})])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_given_initial_state(cls_name, extra, bidirectional):
    d = 2 if bidirectional else 1
    hout = extra.get("proj_size", 5)
    state = [(2 * d, 3, hout)] + ([(2 * d, 3, 5)] if cls_name == "LSTM" else [])
    run_both(cls_name, (4, 5), dict(num_layers=2, bidirectional=bidirectional, **extra), (6, 3, 4), state)


@pytest.mark.parametrize("cls_name", ["RNN", "GRU", "LSTM"])
def test_unbatched_input(cls_name):
    state = [(2, 4)] + ([(2, 4)] if cls_name == "LSTM" else [])
    run_both(cls_name, (3, 4), dict(num_layers=2), (5, 3))
    run_both(cls_name, (3, 4), dict(num_layers=2, batch_first=True), (5, 3), state)


@pytest.mark.parametrize("cls_name", ["RNN", "GRU", "LSTM"])
def test_float64(cls_name):
    run_both(cls_name, (3, 4), dict(num_layers=2, bidirectional=True), (4, 2, 3), dtype=torch.float64)


@pytest.mark.parametrize("cls_name,extra", [("RNNCell", {}), ("RNNCell", {"nonlinearity": "relu"}),
                                            ("GRUCell", {}), ("LSTMCell", {}), ("GRUCell", {"bias": False})])
def test_cells_match_torch(cls_name, extra):
    state = [(3, 4)] + ([(3, 4)] if cls_name == "LSTMCell" else [])
    run_both(cls_name, (2, 4), extra, (3, 2))
    run_both(cls_name, (2, 4), extra, (3, 2), state)
    run_both(cls_name, (2, 4), extra, (2,), [s[1:] for s in state])


def test_grad_fn_names():
    x = torchless.randn(4, 2, 3)
    out, (h, c) = tnn.LSTM(3, 4)(x)
    assert out.grad_fn.name() == "MkldnnRnnLayerBackward0" and h.grad_fn.name() == "StackBackward0"
    h1, c1 = tnn.LSTMCell(3, 4)(x[0])
    assert h1.grad_fn.name() == "MulBackward0" and c1.grad_fn.name() == "AddBackward0"
    assert tnn.RNNCell(3, 4)(x[0]).grad_fn.name() == "TanhBackward0"
    assert tnn.GRUCell(3, 4)(x[0]).grad_fn.name() == "AddBackward0"


# ------------------------------------------------------------------------------------ gradcheck
@pytest.mark.parametrize("mode,proj", [("LSTM", None), ("LSTM", 2), ("GRU", None), ("RNN_TANH", None),
                                       ("RNN_RELU", None)])
@pytest.mark.parametrize("reverse", [False, True])
def test_layer_gradcheck_and_double_backward(mode, proj, reverse):
    from torchless.ops import recurrent as R
    from torchless._tensor._core import apply
    rng = np.random.default_rng(1)
    H, I, T, B = 3, 2, 4, 2
    G = {"LSTM": 4, "GRU": 3}.get(mode, 1) * H
    hout = proj or H

    def t(*shape):
        return torchless.tensor(rng.uniform(-0.8, 0.8, shape), dtype=torchless.float64, requires_grad=True)
    x, h0, w_ih, w_hh, b_ih, b_hh = t(T, B, I), t(B, hout), t(G, I), t(G, hout), t(G), t(G)
    c0 = t(B, H) if mode == "LSTM" else None
    w_hr = t(proj, H) if proj else None
    if mode == "RNN_RELU":  # keep away from the kink
        with torchless.no_grad():
            b_ih += 1.0
    args = [a for a in (x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr) if a is not None]

    def f(*a):
        it = iter(a)
        vals = [next(it) if v is not None else None for v in (x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr)]
        return apply(R.RULES[mode], *vals, mode, reverse)

    assert gradcheck(f, args)
    assert gradgradcheck(f, args)


def test_forward_ad_takes_the_composite_path():
    import torchless.autograd.forward_ad as fwAD
    m = tnn.LSTM(2, 3).double()
    x = torchless.randn(4, 1, 2, dtype=torchless.float64)
    v = torchless.randn(4, 1, 2, dtype=torchless.float64)
    with fwAD.dual_level():
        out, _ = m(fwAD.make_dual(x, v))
        tangent = fwAD.unpack_dual(out).tangent
    eps = 1e-6
    with torchless.no_grad():
        numeric = (m(x + eps * v)[0] - m(x - eps * v)[0]) / (2 * eps)
    np.testing.assert_allclose(tangent.detach().numpy(), numeric.numpy(), rtol=1e-5, atol=1e-8)


# ------------------------------------------------------------------------------------ training
@pytest.mark.parametrize("cls_name", ["LSTM", "GRU", "RNN"])
def test_language_model_trains_like_torch(cls_name):
    V, H, T, B = 8, 6, 5, 4
    rng = np.random.default_rng(3)
    X = rng.integers(0, V, (B, T + 1))

    def build(lib):
        nn = lib.nn
        rnn = getattr(nn, cls_name)(V, H, num_layers=2)
        head = nn.Linear(H, V)
        return rnn, head

    torch.manual_seed(0)
    rnn_t, head_t = build(torch)
    rnn_l, head_l = build(torchless)
    copy_weights(rnn_t, rnn_l)
    copy_weights(head_t, head_l)
    losses = []
    for lib, rnn, head in ((torch, rnn_t, head_t), (torchless, rnn_l, head_l)):
        params = list(rnn.parameters()) + list(head.parameters())
        opt = lib.optim.SGD(params, lr=0.5)
        xs = lib.tensor(X[:, :-1].T.copy())
        ys = lib.tensor(X[:, 1:].T.copy())
        run = []
        for _ in range(20):
            inp = lib.nn.functional.one_hot(xs, V).to(lib.float32)
            out, _ = rnn(inp)
            loss = lib.nn.functional.cross_entropy(head(out).reshape(-1, V), ys.reshape(-1))
            opt.zero_grad()
            loss.backward()
            lib.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            run.append(float(loss.detach()))
        losses.append(run)
    np.testing.assert_allclose(losses[1], losses[0], rtol=1e-4)
    assert losses[1][-1] < losses[1][0]


# ------------------------------------------------------------------------------------ options, repr
def test_parameters_names_shapes_and_init():
    m = tnn.LSTM(3, 5, num_layers=2, bidirectional=True, proj_size=2)
    t = torch.nn.LSTM(3, 5, num_layers=2, bidirectional=True, proj_size=2)
    assert [(n, tuple(p.shape)) for n, p in m.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in t.named_parameters()]
    assert list(m.state_dict()) == list(t.state_dict())
    bound = 1 / 5 ** 0.5
    for p in m.parameters():
        assert float(p.abs().max()) <= bound
    assert len(m.all_weights) == 4 and len(m.all_weights[0]) == 5
    m.flatten_parameters()
    for cls in ("RNNCell", "GRUCell", "LSTMCell"):
        a, b = getattr(tnn, cls)(3, 4, bias=False), getattr(torch.nn, cls)(3, 4, bias=False)
        assert [(n, tuple(p.shape)) for n, p in a.named_parameters()] == \
            [(n, tuple(p.shape)) for n, p in b.named_parameters()]
        assert a.bias_ih is None


@pytest.mark.parametrize("cls_name,args,kwargs", [
    ("LSTM", (2, 3), dict(num_layers=2, dropout=0.5, bidirectional=True, proj_size=1)),
    ("RNN", (2, 3), dict(nonlinearity="relu", bias=False, batch_first=True)),
    ("RNN", (2, 3, 2, "relu"), {}),
    ("GRU", (2, 3), {}),
    ("RNNCell", (2, 3), dict(nonlinearity="relu", bias=False)),
    ("GRUCell", (2, 3), {}),
    ("LSTMCell", (2, 3), dict(bias=False)),
])
def test_repr(cls_name, args, kwargs):
    assert repr(getattr(tnn, cls_name)(*args, **kwargs)) == repr(getattr(torch.nn, cls_name)(*args, **kwargs))


def test_dropout_between_layers_and_warning():
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        tnn.GRU(2, 3, dropout=0.3)
    m = tnn.LSTM(2, 3, num_layers=3, dropout=0.5)
    x = torchless.randn(5, 2, 2)
    torchless.manual_seed(0)
    a = m(x)[0]
    torchless.manual_seed(1)
    b = m(x)[0]
    assert not np.allclose(a.detach().numpy(), b.detach().numpy())  # dropout is on while training
    m.eval()
    np.testing.assert_array_equal(m(x)[0].detach().numpy(), m(x)[0].detach().numpy())
    m1 = tnn.LSTM(2, 3, num_layers=1)
    assert m1.dropout == 0.0


@pytest.mark.parametrize("make,error,match", [
    (lambda nn: nn.LSTM(10, 0), ValueError, "hidden_size must be greater than zero"),
    (lambda nn: nn.GRU(10, 10, 0), ValueError, "num_layers must be greater than zero"),
    (lambda nn: nn.RNN(3, 5, bias=0), TypeError, "bias should be of type bool, got: int"),
    (lambda nn: nn.RNN(3, 5, batch_first="False"), TypeError, "batch_first should be of type bool, got: str"),
    (lambda nn: nn.RNN(3.0, 5), TypeError, "input_size should be of type int, got: float"),
    (lambda nn: nn.RNN(0, 5), ValueError, "input_size must be greater than zero"),
    (lambda nn: nn.RNN(3, 5.0), TypeError, "hidden_size should be of type int, got: float"),
    (lambda nn: nn.RNN(3, 5, dropout=1.5), ValueError, "dropout should be a number in range"),
    (lambda nn: nn.RNN(3, 5, nonlinearity="sigmoid"), ValueError, "Unknown nonlinearity 'sigmoid'"),
    (lambda nn: nn.GRU(3, 5, proj_size=2), ValueError, "proj_size argument is only supported for LSTM"),
    (lambda nn: nn.LSTM(3, 5, proj_size=5), ValueError, "proj_size has to be smaller than hidden_size"),
    (lambda nn: nn.LSTM(3, 5, proj_size=-1), ValueError, "proj_size should be a positive integer"),
])
def test_constructor_errors(make, error, match):
    with pytest.raises(error, match=match):
        make(torch.nn)
    with pytest.raises(error, match=match):
        make(tnn)


@pytest.mark.parametrize("cls_name,args,error", [
    ("LSTM", lambda lib: (lib.randn(4, 2, 5),), RuntimeError),                     # input size
    ("GRU", lambda lib: (lib.randn(4, 2, 3), lib.randn(1, 3, 4)), RuntimeError),    # hidden batch
    ("RNN", lambda lib: (lib.randn(4, 2, 3), lib.randn(3, 4)), RuntimeError),       # hidden rank
    ("RNN", lambda lib: (lib.randn(2, 4, 2, 3),), ValueError),                      # input rank
    ("LSTM", lambda lib: (lib.randn(4, 2, 3), (lib.randn(1, 2, 4), lib.randn(1, 2, 5))), RuntimeError),
    ("LSTM", lambda lib: (lib.randn(4, 3), (lib.randn(1, 1, 4), lib.randn(1, 1, 4))), RuntimeError),
    ("GRU", lambda lib: (lib.randn(4, 2, 3, dtype=lib.float64),), ValueError),      # dtype
])
def test_forward_errors(cls_name, args, error):
    messages = []
    for lib in (torch, torchless):
        m = getattr(lib.nn, cls_name)(3, 4)
        with pytest.raises(error) as info:
            m(*args(lib))
        messages.append(str(info.value))
    assert messages[0] == messages[1]


def test_cell_errors():
    for lib in (torch, torchless):
        cell = lib.nn.LSTMCell(10, 20)
        with pytest.raises(RuntimeError, match="input has inconsistent input_size: got 11 expected 10"):
            cell(lib.randn(3, 11), (lib.randn(3, 20), lib.randn(3, 20)))
        with pytest.raises(RuntimeError, match="Input batch size 3 doesn't match hidden0 batch size 5"):
            cell(lib.randn(3, 10), (lib.randn(5, 20), lib.randn(5, 20)))
        with pytest.raises(ValueError, match=r"Expected hx\[0\] to be 1D or 2D, got 4D instead"):
            cell(lib.randn(3, 10), (lib.randn(3, 1, 1, 20), lib.randn(3, 1, 1, 20)))
        gru = lib.nn.GRUCell(10, 20)
        with pytest.raises(RuntimeError, match="hidden0 has inconsistent hidden_size: got 21, expected 20"):
            gru(lib.randn(3, 10), lib.randn(3, 21))
        with pytest.raises(ValueError, match="Expected input to be 1D or 2D, got 3D instead"):
            gru(lib.randn(3, 1, 10))


# ------------------------------------------------------------------------------------ nn.utils
def _grads_both(norm_type, scale=1.0):
    rng = np.random.default_rng(7)
    shapes = [(3, 4), (5,), (2, 2, 2)]
    out = []
    for lib in (torch, torchless):
        ps = []
        for s in shapes:
            p = lib.zeros(*s, requires_grad=True)
            p.grad = lib.tensor(rng.standard_normal(s).astype(np.float32) * scale)
            ps.append(p)
        rng = np.random.default_rng(7)
        out.append(ps)
    return out


@pytest.mark.parametrize("norm_type", [2.0, 1, 3.5, float("inf"), "inf"])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm(norm_type, max_norm):
    pt, pl = _grads_both(norm_type)
    nt = torch.nn.utils.clip_grad_norm_(pt, max_norm, norm_type=norm_type, foreach=True)
    nl = torchless.nn.utils.clip_grad_norm_(pl, max_norm, norm_type=norm_type, foreach=None)
    close(nl, nt, 1e-6, 1e-6)
    for a, b in zip(pl, pt):
        close(a.grad, b.grad, 1e-6, 1e-7)


def test_clip_grad_norm_edge_cases():
    p = torchless.zeros(3, requires_grad=True)
    assert float(torchless.nn.utils.clip_grad_norm_([p], 1.0)) == 0.0  # no gradients
    p.grad = torchless.tensor([float("nan"), 1.0, 2.0])
    with pytest.raises(RuntimeError, match="is non-finite, so it cannot be clipped"):
        torchless.nn.utils.clip_grad_norm_(p, 1.0, error_if_nonfinite=True)
    q = torchless.zeros(2, requires_grad=True)
    q.grad = torchless.tensor([3.0, 4.0])
    total = torchless.nn.utils.clip_grad_norm_(q, 1.0)  # a single tensor
    assert abs(float(total) - 5.0) < 1e-6 and abs(float(q.grad.norm()) - 1.0) < 1e-5
    with pytest.warns(FutureWarning):
        torchless.nn.utils.clip_grad_norm(q, 1.0)
    assert float(torchless.nn.utils.get_total_norm([torchless.tensor([3.0, 4.0])])) == 5.0


def test_clip_grad_value():
    pt, pl = _grads_both(2.0)
    torch.nn.utils.clip_grad_value_(pt, 0.3)
    assert torchless.nn.utils.clip_grad_value_(pl, 0.3) is None
    for a, b in zip(pl, pt):
        close(a.grad, b.grad)


def test_parameters_vector_round_trip():
    m = tnn.Linear(3, 2)
    v = torchless.nn.utils.parameters_to_vector(m.parameters())
    assert tuple(v.shape) == (8,) and v.grad_fn.name() == "CatBackward0"
    torchless.nn.utils.vector_to_parameters(torchless.arange(8.0), m.parameters())
    np.testing.assert_array_equal(m.weight.detach().numpy(), np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(m.bias.detach().numpy(), [6.0, 7.0])
    with pytest.raises(TypeError, match="expected torch.Tensor, but got: list"):
        torchless.nn.utils.vector_to_parameters([1.0], m.parameters())


def test_utils_importable_as_in_torch():
    import torchless.nn.utils.rnn as r
    from torchless.nn.utils import clip_grad_norm_  # noqa: F401
    from torchless.nn.utils.rnn import PackedSequence, pad_sequence  # noqa: F401
    assert torchless.nn.utils.rnn is r


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("side", ["right", "left"])
def test_pad_sequence(batch_first, side):
    seqs = [np.random.default_rng(i).standard_normal((n, 2)).astype(np.float32) for i, n in enumerate((3, 1, 4))]
    a = torch.nn.utils.rnn.pad_sequence([torch.tensor(s) for s in seqs], batch_first, -1.0, side)
    b = torchless.nn.utils.rnn.pad_sequence([torchless.tensor(s) for s in seqs], batch_first, -1.0, side)
    close(b, a)


@pytest.mark.parametrize("cls_name", ["LSTM", "GRU", "RNN"])
@pytest.mark.parametrize("enforce_sorted,lengths", [(True, [5, 3, 3, 1]), (False, [2, 5, 1, 3])])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_packed_sequences_through_the_layers(cls_name, enforce_sorted, lengths, bidirectional):
    torch.manual_seed(0)
    mt = getattr(torch.nn, cls_name)(2, 3, num_layers=2, bidirectional=bidirectional)
    ml = getattr(tnn, cls_name)(2, 3, num_layers=2, bidirectional=bidirectional)
    copy_weights(mt, ml)
    xt = torch.randn(5, 4, 2, requires_grad=True)
    xl = ours(xt, True)
    results = []
    for lib, m, x in ((torch, mt, xt), (torchless, ml, xl)):
        U = lib.nn.utils.rnn
        packed = U.pack_padded_sequence(x, lib.tensor(lengths), enforce_sorted=enforce_sorted)
        out, state = m(packed)
        assert isinstance(out, U.PackedSequence)
        padded, lens = U.pad_packed_sequence(out, total_length=6)
        h = state[0] if cls_name == "LSTM" else state
        (padded.sin().sum() + (h * h).sum()).backward()
        results.append((padded, lens, h, out.batch_sizes, x.grad))
    for a, b in zip(results[1], results[0]):
        close(a, b, 1e-5, 1e-6)
    for name, p in mt.named_parameters():
        close(dict(ml.named_parameters())[name].grad, p.grad, 1e-4, 1e-5)


def test_pack_errors_and_unpack():
    U = torchless.nn.utils.rnn
    with pytest.raises(RuntimeError, match="must be sorted in decreasing order"):
        U.pack_padded_sequence(torchless.randn(3, 2, 1), [1, 2])
    with pytest.raises(RuntimeError, match="has to be greater than 0"):
        U.pack_padded_sequence(torchless.randn(3, 2, 1), [0, 2], enforce_sorted=False)
    p = U.pack_sequence([torchless.ones(3), torchless.ones(1) * 2], enforce_sorted=False)
    with pytest.raises(ValueError, match="Expected total_length to be at least"):
        U.pad_packed_sequence(p, total_length=2)
    seqs = U.unpack_sequence(p)
    assert [s.tolist() for s in seqs] == [[1.0, 1.0, 1.0], [2.0]]


# ------------------------------------------------------------------------------------ transforms
@pytest.mark.parametrize("cls_name", ["LSTM", "GRU", "RNN"])
def test_double_backward_through_module_matches_torch(cls_name):
    torch.manual_seed(0)
    mt = getattr(torch.nn, cls_name)(3, 4, num_layers=2, bidirectional=True).double()
    ml = getattr(tnn, cls_name)(3, 4, num_layers=2, bidirectional=True).double()
    copy_weights(mt, ml)
    x = np.random.default_rng(0).standard_normal((5, 2, 3))
    for lib, m in ((torch, mt), (torchless, ml)):
        out = m(lib.tensor(x))[0]
        g, = lib.autograd.grad(out.pow(2).sum(), m.weight_ih_l0, create_graph=True)
        (g * g).sum().backward()
    for (name, p), q in zip(mt.named_parameters(), ml.parameters()):
        np.testing.assert_allclose(q.grad.numpy(), p.grad.numpy(), rtol=1e-8, atol=1e-10, err_msg=name)


def test_vmap_and_functional_call():
    from torchless.func import functional_call, grad, vmap
    m = tnn.GRU(3, 4, num_layers=2)
    params = {k: v.detach() for k, v in m.named_parameters()}
    X = torchless.randn(6, 5, 2, 3)
    batched = vmap(lambda x: m(x)[0])(X)
    looped = torchless.stack([m(x)[0] for x in X])
    np.testing.assert_allclose(batched.detach().numpy(), looped.detach().numpy(), rtol=1e-5, atol=1e-6)

    def loss(p, x):
        return functional_call(m, p, (x,))[0].pow(2).sum()
    per_example = vmap(grad(loss), in_dims=(None, 0))(params, X)
    one = grad(loss)(params, X[2])
    for k in one:
        np.testing.assert_allclose(per_example[k][2].numpy(), one[k].numpy(), rtol=1e-4, atol=1e-6)
