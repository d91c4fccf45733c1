"""D2L §9.5, §10.1, §10.2 and §10.4 (8.5, 9.1, 9.2, 9.4 in the first edition): recurrent networks
from scratch. The book's `get_params` / `init_rnn_state` / `rnn` functions with `F.one_hot` input,
`RNNModelScratch`, gradient clipping by the global norm, the LSTM and GRU cells written out gate by
gate, trained on a synthetic text with the book's 28-character vocabulary (see rnn_concise.py), each
cutting its perplexity; then a bidirectional `nn.GRU`'s shapes (§10.4)."""
import math

import numpy as np
import torchless as torch
from torch import nn
from torch.nn import functional as F

WORDS = ("the", "time", "machine", "traveller", "said", "was", "a", "of", "and", "it", "in", "to", "his",
         "we", "that", "had", "fire", "little", "thing", "hand")
VOCAB = ["<unk>", " "] + [chr(c) for c in range(ord("a"), ord("z") + 1)]


def synthetic_corpus(num_chars, seed=0):
    rng = np.random.default_rng(seed)
    words, w = [], 0
    while sum(len(x) + 1 for x in words) < num_chars:
        w = (3 * w + 1) % len(WORDS) if rng.random() < 0.7 else int(rng.integers(len(WORDS)))
        words.append(WORDS[w])
    return [VOCAB.index(c) for c in " ".join(words)[:num_chars]]


def seq_data_iter_sequential(corpus, batch_size, num_steps):
    num_tokens = ((len(corpus) - 1) // batch_size) * batch_size
    Xs = torch.tensor(corpus[:num_tokens]).reshape(batch_size, -1)
    Ys = torch.tensor(corpus[1:1 + num_tokens]).reshape(batch_size, -1)
    for i in range(0, (Xs.shape[1] // num_steps) * num_steps, num_steps):
        yield Xs[:, i: i + num_steps], Ys[:, i: i + num_steps]


# ------------------------------------------------------------------ §9.5 RNN
def get_params(vocab_size, num_hiddens, device):
    num_inputs = num_outputs = vocab_size

    def normal(shape):
        return torch.randn(size=shape, device=device) * 0.01

    # Hidden layer parameters
    W_xh = normal((num_inputs, num_hiddens))
    W_hh = normal((num_hiddens, num_hiddens))
    b_h = torch.zeros(num_hiddens, device=device)
    # Output layer parameters
    W_hq = normal((num_hiddens, num_outputs))
    b_q = torch.zeros(num_outputs, device=device)
    # Attach gradients
    params = [W_xh, W_hh, b_h, W_hq, b_q]
    for param in params:
        param.requires_grad_(True)
    return params


def init_rnn_state(batch_size, num_hiddens, device):
    return (torch.zeros((batch_size, num_hiddens), device=device), )


def rnn(inputs, state, params):
    # Here `inputs` shape: (`num_steps`, `batch_size`, `vocab_size`)
    W_xh, W_hh, b_h, W_hq, b_q = params
    H, = state
    outputs = []
    # Shape of `X`: (`batch_size`, `vocab_size`)
    for X in inputs:
        H = torch.tanh(torch.mm(X, W_xh) + torch.mm(H, W_hh) + b_h)
        Y = torch.mm(H, W_hq) + b_q
        outputs.append(Y)
    return torch.cat(outputs, dim=0), (H,)


class RNNModelScratch:  #@save
    """A RNN Model implemented from scratch."""
    def __init__(self, vocab_size, num_hiddens, device,
                 get_params, init_state, forward_fn):
        self.vocab_size, self.num_hiddens = vocab_size, num_hiddens
        self.params = get_params(vocab_size, num_hiddens, device)
        self.init_state, self.forward_fn = init_state, forward_fn

    def __call__(self, X, state):
        X = F.one_hot(X.T, self.vocab_size).type(torch.float32)
        return self.forward_fn(X, state, self.params)

    def begin_state(self, batch_size, device):
        return self.init_state(batch_size, self.num_hiddens, device)


# ------------------------------------------------------------------ §10.1 LSTM
def get_lstm_params(vocab_size, num_hiddens, device):
    num_inputs = num_outputs = vocab_size

    def normal(shape):
        return torch.randn(size=shape, device=device)*0.01

    def three():
        return (normal((num_inputs, num_hiddens)),
                normal((num_hiddens, num_hiddens)),
                torch.zeros(num_hiddens, device=device))

    W_xi, W_hi, b_i = three()  # Input gate parameters
    W_xf, W_hf, b_f = three()  # Forget gate parameters
    W_xo, W_ho, b_o = three()  # Output gate parameters
    W_xc, W_hc, b_c = three()  # Candidate memory cell parameters
    # Output layer parameters
    W_hq = normal((num_hiddens, num_outputs))
    b_q = torch.zeros(num_outputs, device=device)
    # Attach gradients
    params = [W_xi, W_hi, b_i, W_xf, W_hf, b_f, W_xo, W_ho, b_o, W_xc, W_hc,
              b_c, W_hq, b_q]
    for param in params:
        param.requires_grad_(True)
    return params


def init_lstm_state(batch_size, num_hiddens, device):
    return (torch.zeros((batch_size, num_hiddens), device=device),
            torch.zeros((batch_size, num_hiddens), device=device))


def lstm(inputs, state, params):
    [W_xi, W_hi, b_i, W_xf, W_hf, b_f, W_xo, W_ho, b_o, W_xc, W_hc, b_c,
     W_hq, b_q] = params
    (H, C) = state
    outputs = []
    for X in inputs:
        I = torch.sigmoid((X @ W_xi) + (H @ W_hi) + b_i)
        F_ = torch.sigmoid((X @ W_xf) + (H @ W_hf) + b_f)
        O = torch.sigmoid((X @ W_xo) + (H @ W_ho) + b_o)
        C_tilda = torch.tanh((X @ W_xc) + (H @ W_hc) + b_c)
        C = F_ * C + I * C_tilda
        H = O * torch.tanh(C)
        Y = (H @ W_hq) + b_q
        outputs.append(Y)
    return torch.cat(outputs, dim=0), (H, C)


# ------------------------------------------------------------------ §10.2 GRU
def get_gru_params(vocab_size, num_hiddens, device):
    num_inputs = num_outputs = vocab_size

    def normal(shape):
        return torch.randn(size=shape, device=device)*0.01

    def three():
        return (normal((num_inputs, num_hiddens)),
                normal((num_hiddens, num_hiddens)),
                torch.zeros(num_hiddens, device=device))

    W_xz, W_hz, b_z = three()  # Update gate parameters
    W_xr, W_hr, b_r = three()  # Reset gate parameters
    W_xh, W_hh, b_h = three()  # Candidate hidden state parameters
    W_hq = normal((num_hiddens, num_outputs))
    b_q = torch.zeros(num_outputs, device=device)
    params = [W_xz, W_hz, b_z, W_xr, W_hr, b_r, W_xh, W_hh, b_h, W_hq, b_q]
    for param in params:
        param.requires_grad_(True)
    return params


def init_gru_state(batch_size, num_hiddens, device):
    return (torch.zeros((batch_size, num_hiddens), device=device), )


def gru(inputs, state, params):
    W_xz, W_hz, b_z, W_xr, W_hr, b_r, W_xh, W_hh, b_h, W_hq, b_q = params
    H, = state
    outputs = []
    for X in inputs:
        Z = torch.sigmoid((X @ W_xz) + (H @ W_hz) + b_z)
        R = torch.sigmoid((X @ W_xr) + (H @ W_hr) + b_r)
        H_tilda = torch.tanh((X @ W_xh) + ((R * H) @ W_hh) + b_h)
        H = Z * H + (1 - Z) * H_tilda
        Y = H @ W_hq + b_q
        outputs.append(Y)
    return torch.cat(outputs, dim=0), (H,)


# ------------------------------------------------------------------ training (§9.5)
def grad_clipping(net, theta):  #@save
    """Clip the gradient."""
    if isinstance(net, nn.Module):
        params = [p for p in net.parameters() if p.requires_grad]
    else:
        params = net.params
    norm = torch.sqrt(sum(torch.sum((p.grad ** 2)) for p in params))
    if norm > theta:
        for param in params:
            param.grad[:] *= theta / norm


def sgd(params, lr, batch_size):
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size
            param.grad.zero_()


def train_epoch_ch8(net, train_iter, loss, lr, device='cpu'):
    state = None
    total, count = 0.0, 0
    for X, Y in train_iter:
        if state is None:
            state = net.begin_state(batch_size=X.shape[0], device=device)
        else:
            for s in state:
                s.detach_()
        y = Y.T.reshape(-1)
        y_hat, state = net(X, state)
        l = loss(y_hat, y.long()).mean()
        l.backward()
        grad_clipping(net, 1)
        sgd(net.params, lr, batch_size=1)
        total += l.item() * y.numel()
        count += y.numel()
    return math.exp(total / count)


def main(num_epochs=10, batch_size=32, num_steps=16, num_hiddens=64, lr=2.0, num_chars=12000):
    torch.manual_seed(0)
    device = torch.device('cpu')
    corpus = synthetic_corpus(num_chars)
    out = {}
    X = torch.arange(10).reshape((2, 5))
    print(F.one_hot(X.T, 28).shape)
    net = RNNModelScratch(len(VOCAB), num_hiddens, device, get_params, init_rnn_state, rnn)
    state = net.begin_state(X.shape[0], device)
    Y, new_state = net(X, state)
    print(Y.shape, len(new_state), new_state[0].shape)
    out["shapes"] = (tuple(Y.shape), len(new_state), tuple(new_state[0].shape))
    loss = nn.CrossEntropyLoss()
    for name, params_fn, init_fn, forward_fn in (("rnn", get_params, init_rnn_state, rnn),
                                                 ("lstm", get_lstm_params, init_lstm_state, lstm),
                                                 ("gru", get_gru_params, init_gru_state, gru)):
        net = RNNModelScratch(len(VOCAB), num_hiddens, device, params_fn, init_fn, forward_fn)
        ppl = []
        for epoch in range(num_epochs):
            ppl.append(train_epoch_ch8(net, seq_data_iter_sequential(corpus, batch_size, num_steps), loss, lr))
        print(f'{name}: perplexity {ppl[0]:.1f} -> {ppl[-1]:.1f}')
        out[name] = ppl

    # §10.4: a bidirectional GRU's outputs join both directions
    bi = nn.GRU(len(VOCAB), num_hiddens, num_layers=2, bidirectional=True)
    outputs, H = bi(torch.zeros(num_steps, 4, len(VOCAB)))
    print(outputs.shape, H.shape)
    out["bidirectional"] = (tuple(outputs.shape), tuple(H.shape))
    return out


if __name__ == "__main__":
    main()
