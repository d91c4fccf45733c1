"""Same-weight training against PyTorch, module by module: each model is built in PyTorch, its
state_dict (parameters and buffers) is copied into the same model built with torchless, and both
train for 20 steps (SGD with momentum, or Adam) on the same data. The losses of every step and the
final parameters and buffers must agree to float32 tolerance. Dropout draws the same masks in both
libraries once both are seeded alike (torchless follows PyTorch's random streams), so dropout is
compared in train mode too; BatchNorm in train mode (batch statistics, running-stat updates) and in
eval mode (running statistics)."""
import numpy as np
import pytest

import torchless

torch = pytest.importorskip("torch")

STEPS = 20


def _to_torchless(state):
    return {k: torchless.tensor(v.detach().numpy().copy()) for k, v in state.items()}


def train_both(build, inputs, loss_fn, optimizer="sgd", lr=0.05, mode="train", steps=STEPS,
               prepare=None, seed=7, rtol=2e-4, atol=2e-5):
    """Build with `build(lib)` in both libraries (PyTorch's weights copied across), train `steps`
    steps on `inputs` (NumPy arrays, each converted per library) with `loss_fn(lib, model, *xs)`,
    and compare every loss and the final state_dict."""
    torch.manual_seed(0)
    theirs = build(torch)
    if prepare is not None:
        prepare(theirs)
    ours = build(torchless)
    ours.load_state_dict(_to_torchless(theirs.state_dict()))
    losses = {}
    for lib, model in ((torch, theirs), (torchless, ours)):
        getattr(model, mode)()
        xs = [lib.tensor(x) for x in inputs]
        if optimizer == "sgd":
            opt = lib.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
        else:
            opt = lib.optim.Adam(model.parameters(), lr=lr)
        lib.manual_seed(seed)  # the same dropout masks in both
        record = []
        for _ in range(steps):
            opt.zero_grad()
            loss = loss_fn(lib, model, *xs)
            loss.backward()
            opt.step()
            record.append(loss.item())
        losses[lib.__name__] = record
    np.testing.assert_allclose(losses["torchless"], losses["torch"], rtol=rtol, atol=atol)
    assert losses["torch"][-1] < losses["torch"][0]  # it trained
    ours_state, theirs_state = ours.state_dict(), theirs.state_dict()
    assert list(ours_state) == list(theirs_state)
    for name, value in theirs_state.items():
        mine = ours_state[name]
        assert str(mine.dtype) == str(value.dtype), name
        np.testing.assert_allclose(mine.detach().numpy(), value.detach().numpy(), rtol=rtol, atol=atol,
                                   err_msg=name)
    return losses


def _rng():
    return np.random.default_rng(0)


def images(n=8, c=3, h=8, w=8):
    return _rng().standard_normal((n, c, h, w)).astype(np.float32)


def mse_to(target):
    def loss_fn(lib, model, x):
        return ((model(x) - lib.tensor(target)) ** 2).mean()
    return loss_fn


def cross_entropy(lib, model, x, y):
    return lib.nn.functional.cross_entropy(model(x), y)


# ---------------------------------------------------------------------------------- convolution
def test_conv2d_net():
    x = images()
    y = _rng().integers(0, 5, 8)

    def build(lib):
        nn = lib.nn
        return nn.Sequential(nn.Conv2d(3, 6, 3, padding=1), nn.ReLU(), nn.Conv2d(6, 4, 3, stride=2, groups=2),
                             nn.Flatten(), nn.Linear(4 * 3 * 3, 5))
    train_both(build, [x, y], cross_entropy)


def test_conv_transpose2d_net():
    x = images(c=4, h=5, w=5)
    target = _rng().standard_normal((8, 2, 10, 10)).astype(np.float32)

    def build(lib):
        nn = lib.nn
        return nn.Sequential(nn.ConvTranspose2d(4, 3, 3, stride=2, padding=1, output_padding=1), nn.Tanh(),
                             nn.ConvTranspose2d(3, 2, 3, padding=1))
    train_both(build, [x], mse_to(target), lr=0.02)


# ---------------------------------------------------------------------------------- normalization
def _bn_net(lib):
    nn = lib.nn
    return nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 5))


def test_batchnorm2d_train_mode_including_running_stats():
    x, y = images(), _rng().integers(0, 5, 8)
    train_both(_bn_net, [x, y], cross_entropy)  # running_mean/var and num_batches_tracked compared too


def test_batchnorm2d_eval_mode_uses_running_stats():
    x, y = images(), _rng().integers(0, 5, 8)

    def prepare(model):  # running statistics far from the initial 0 and 1
        with torch.no_grad():
            model[1].running_mean.copy_(torch.tensor([0.5, -0.3, 0.1, 1.0]))
            model[1].running_var.copy_(torch.tensor([2.0, 0.5, 1.5, 0.8]))
    train_both(_bn_net, [x, y], cross_entropy, mode="eval", prepare=prepare)


def test_batchnorm1d_with_momentum_none():
    x = _rng().standard_normal((16, 6)).astype(np.float32)
    y = _rng().integers(0, 3, 16)

    def build(lib):
        nn = lib.nn
        return nn.Sequential(nn.Linear(6, 8), nn.BatchNorm1d(8, momentum=None), nn.ReLU(), nn.Linear(8, 3))
    train_both(build, [x, y], cross_entropy)


def test_layernorm_net():
    x = _rng().standard_normal((8, 5, 12)).astype(np.float32)
    target = _rng().standard_normal((8, 5, 3)).astype(np.float32)

    def build(lib):
        nn = lib.nn
        return nn.Sequential(nn.Linear(12, 16), nn.LayerNorm(16), nn.GELU(), nn.Linear(16, 3))
    train_both(build, [x], mse_to(target), optimizer="adam", lr=0.01)


# ---------------------------------------------------------------------------------- dropout
def _dropout_net(lib):
    nn = lib.nn
    return nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Dropout(0.3), nn.Linear(32, 4))


@pytest.mark.parametrize("mode", ["train", "eval"])
def test_dropout(mode):
    x = _rng().standard_normal((16, 10)).astype(np.float32)
    y = _rng().integers(0, 4, 16)
    train_both(_dropout_net, [x, y], cross_entropy, mode=mode)


# ---------------------------------------------------------------------------------- embedding
def test_embedding_net_with_padding_idx():
    tokens = _rng().integers(0, 20, (8, 6))
    y = _rng().integers(0, 3, 8)

    def build(lib):
        nn = lib.nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.embedding = nn.Embedding(20, 8, padding_idx=0)
                self.dense = nn.Linear(8, 3)

            def forward(self, X):
                return self.dense(self.embedding(X).mean(1))
        return Net()
    train_both(build, [tokens, y], cross_entropy, lr=0.5)


# ---------------------------------------------------------------------------------- pooling
@pytest.mark.parametrize("pool", ["max", "avg", "adaptive"])
def test_pooling_nets(pool):
    x, y = images(h=12, w=12), _rng().integers(0, 5, 8)

    def build(lib):
        nn = lib.nn
        layer = {"max": lambda: nn.MaxPool2d(3, stride=2, padding=1),
                 "avg": lambda: nn.AvgPool2d(2, ceil_mode=True, count_include_pad=False),
                 "adaptive": lambda: nn.AdaptiveAvgPool2d((5, 3))}[pool]()
        return nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), layer, nn.Flatten(), nn.LazyLinear(5))

    def prepare(model):
        model(torch.tensor(x))  # materialise the lazy layer (torchless' copy gets its shape from the state)

    def build_ours(lib):
        model = build(lib)
        if lib is torchless:
            model(torchless.tensor(x))
        return model
    train_both(build_ours, [x, y], cross_entropy, prepare=prepare)


# ---------------------------------------------------------------------------------- attention
def test_multihead_attention_with_key_padding_mask():
    x = _rng().standard_normal((4, 6, 16)).astype(np.float32)
    pad = np.zeros((4, 6), dtype=bool)
    pad[1, 4:] = pad[3, 2:] = True
    target = _rng().standard_normal((4, 6, 16)).astype(np.float32)

    def build(lib):
        class Net(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.attn = lib.nn.MultiheadAttention(16, 4, batch_first=True)

            def forward(self, X, mask):
                out, weights = self.attn(X, X, X, key_padding_mask=mask)
                return out
        return Net()

    def loss_fn(lib, model, X, mask):
        return ((model(X, mask) - lib.tensor(target)) ** 2).mean()
    # SGD: the key projection's bias gets a zero gradient (softmax ignores a shift shared by all keys),
    # so under Adam it would follow the rounding noise of that zero, normalised to full-size steps
    train_both(build, [x, pad], loss_fn, lr=0.05)


@pytest.mark.parametrize("norm_first", [False, True])
def test_transformer_encoder_layer(norm_first):
    x = _rng().standard_normal((4, 5, 16)).astype(np.float32)
    target = _rng().standard_normal((4, 5, 16)).astype(np.float32)

    def build(lib):
        return lib.nn.TransformerEncoderLayer(16, 4, dim_feedforward=32, dropout=0.1, batch_first=True,
                                              norm_first=norm_first)
    train_both(build, [x], mse_to(target), lr=0.05)  # SGD, for the key bias as above


# ---------------------------------------------------------------------------------- recurrent, 1-d
@pytest.mark.parametrize("kind", ["RNN", "GRU", "LSTM"])
def test_recurrent_nets(kind):
    x = _rng().standard_normal((7, 4, 5)).astype(np.float32)  # (steps, batch, features)
    y = _rng().integers(0, 3, 4)

    def build(lib):
        nn = lib.nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.rnn = getattr(nn, kind)(5, 8, num_layers=2, dropout=0.2, bidirectional=True)
                self.dense = nn.Linear(16, 3)

            def forward(self, X):
                out, _ = self.rnn(X)
                return self.dense(out[-1])
        return Net()
    train_both(build, [x, y], cross_entropy, lr=0.1)


def test_conv1d_and_batchnorm1d_net():
    x = _rng().standard_normal((8, 3, 20)).astype(np.float32)
    y = _rng().integers(0, 4, 8)

    def build(lib):
        nn = lib.nn
        return nn.Sequential(nn.Conv1d(3, 6, 5, padding="same", dilation=2), nn.BatchNorm1d(6), nn.ReLU(),
                             nn.MaxPool1d(2), nn.AdaptiveAvgPool1d(1), nn.Flatten(), nn.Linear(6, 4))
    train_both(build, [x, y], cross_entropy)


# ---------------------------------------------------------------------------------- more normalization
@pytest.mark.parametrize("norm", ["group", "instance", "instance_tracked"])
def test_group_and_instance_norm_nets(norm):
    x, y = images(), _rng().integers(0, 5, 8)

    def build(lib):
        nn = lib.nn
        layer = {"group": lambda: nn.GroupNorm(2, 4),
                 "instance": lambda: nn.InstanceNorm2d(4, affine=True),
                 "instance_tracked": lambda: nn.InstanceNorm2d(4, affine=True, track_running_stats=True)}[norm]()
        return nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), layer, nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                             nn.Flatten(), nn.Linear(4, 5))
    train_both(build, [x, y], cross_entropy)


# ---------------------------------------------------------------------------------- decoder, Transformer
def test_transformer_decoder_layer_and_full_transformer():
    src = _rng().standard_normal((3, 5, 16)).astype(np.float32)
    tgt = _rng().standard_normal((3, 4, 16)).astype(np.float32)
    target = _rng().standard_normal((3, 4, 16)).astype(np.float32)

    def build(lib):
        return lib.nn.Transformer(16, 4, num_encoder_layers=1, num_decoder_layers=2, dim_feedforward=24,
                                  dropout=0.1, batch_first=True)

    def loss_fn(lib, model, S, T):
        mask = lib.nn.Transformer.generate_square_subsequent_mask(4)
        return ((model(S, T, tgt_mask=mask) - lib.tensor(target)) ** 2).mean()
    train_both(build, [src, tgt], loss_fn, lr=0.05)
