"""D2L §9.6, §10.1, §10.2 and §10.3 (8.6 and 9.1-9.3 in the first edition): concise recurrent language
models. A character-level model (one-hot input, `nn.RNN` / `nn.LSTM` / `nn.GRU`, a linear head) is
trained on a synthetic text with the book's 28-token vocabulary, sequential minibatches, the hidden
state carried across batches (detached), gradients clipped to norm 1, SGD; perplexity is reported
per epoch and the trained model continues a prefix, as the book's `predict_ch8` does.

The synthetic text stands in for *The Time Machine*: sentences drawn from a small word list by a
fixed NumPy generator, so that letters within words are predictable and perplexity can fall far below
the vocabulary size."""
import math

import numpy as np
import torchless as torch
from torch import nn
from torch.nn import functional as F

WORDS = ("the", "time", "machine", "traveller", "said", "was", "a", "of", "and", "it", "in", "to", "his",
         "we", "that", "had", "fire", "little", "thing", "hand")


def synthetic_text(num_chars=20000, seed=0):
    """Words from WORDS, each chosen by a fixed transition rule with some noise, joined by spaces."""
    rng = np.random.default_rng(seed)
    words, w = [], 0
    while sum(len(x) + 1 for x in words) < num_chars:
        w = (3 * w + 1) % len(WORDS) if rng.random() < 0.7 else int(rng.integers(len(WORDS)))
        words.append(WORDS[w])
    return " ".join(words)[:num_chars]


class Vocab:
    """The book's character vocabulary: '<unk>', ' ', then a-z (28 tokens)."""

    def __init__(self):
        self.idx_to_token = ["<unk>", " "] + [chr(c) for c in range(ord("a"), ord("z") + 1)]
        self.token_to_idx = {t: i for i, t in enumerate(self.idx_to_token)}

    def __len__(self):
        return len(self.idx_to_token)

    def __getitem__(self, tokens):
        if isinstance(tokens, (list, tuple)):
            return [self.__getitem__(t) for t in tokens]
        return self.token_to_idx.get(tokens, 0)

    def to_tokens(self, indices):
        return [self.idx_to_token[int(i)] for i in indices]


def seq_data_iter_sequential(corpus, batch_size, num_steps, offset=0):
    """Sequential partitioning (D2L §9.3): consecutive minibatches continue each other's sequences."""
    num_tokens = ((len(corpus) - offset - 1) // batch_size) * batch_size
    Xs = torch.tensor(corpus[offset: offset + num_tokens])
    Ys = torch.tensor(corpus[offset + 1: offset + 1 + num_tokens])
    Xs, Ys = Xs.reshape(batch_size, -1), Ys.reshape(batch_size, -1)
    num_batches = Xs.shape[1] // num_steps
    for i in range(0, num_steps * num_batches, num_steps):
        yield Xs[:, i: i + num_steps], Ys[:, i: i + num_steps]


class RNNModel(nn.Module):
    """D2L §9.6's RNNModel: any of nn.RNN / nn.GRU / nn.LSTM, then a linear output layer."""

    def __init__(self, rnn_layer, vocab_size, **kwargs):
        super(RNNModel, self).__init__(**kwargs)
        self.rnn = rnn_layer
        self.vocab_size = vocab_size
        self.num_hiddens = self.rnn.hidden_size
        if not self.rnn.bidirectional:
            self.num_directions = 1
            self.linear = nn.Linear(self.num_hiddens, self.vocab_size)
        else:
            self.num_directions = 2
            self.linear = nn.Linear(self.num_hiddens * 2, self.vocab_size)

    def forward(self, inputs, state):
        X = F.one_hot(inputs.T.long(), self.vocab_size)
        X = X.to(torch.float32)
        Y, state = self.rnn(X, state)
        output = self.linear(Y.reshape((-1, Y.shape[-1])))
        return output, state

    def begin_state(self, device, batch_size=1):
        if not isinstance(self.rnn, nn.LSTM):
            return torch.zeros((self.num_directions * self.rnn.num_layers, batch_size, self.num_hiddens),
                               device=device)
        return (torch.zeros((self.num_directions * self.rnn.num_layers, batch_size, self.num_hiddens),
                            device=device),
                torch.zeros((self.num_directions * self.rnn.num_layers, batch_size, self.num_hiddens),
                            device=device))


def predict_ch8(prefix, num_preds, net, vocab, device="cpu"):
    """Continue `prefix` by num_preds characters, each the most likely next one."""
    state = net.begin_state(batch_size=1, device=device)
    outputs = [vocab[prefix[0]]]
    get_input = lambda: torch.tensor([outputs[-1]], device=device).reshape((1, 1))  # noqa: E731
    for y in prefix[1:]:
        _, state = net(get_input(), state)
        outputs.append(vocab[y])
    for _ in range(num_preds):
        y, state = net(get_input(), state)
        outputs.append(int(y.argmax(dim=1).reshape(1)))
    return "".join([vocab.idx_to_token[i] for i in outputs])


def train_epoch_ch8(net, train_iter, loss, updater, device="cpu"):
    """One epoch; returns the perplexity exp(mean cross-entropy per token)."""
    state = None
    total, count = 0.0, 0
    for X, Y in train_iter:
        if state is None:
            state = net.begin_state(batch_size=X.shape[0], device=device)
        elif isinstance(state, tuple):
            state = tuple(s.detach_() for s in state)
        else:
            state.detach_()
        y = Y.T.reshape(-1)
        y_hat, state = net(X, state)
        l = loss(y_hat, y.long()).mean()
        updater.zero_grad()
        l.backward()
        nn.utils.clip_grad_norm_(net.parameters(), 1)
        updater.step()
        total += float(l) * y.numel()
        count += y.numel()
    return math.exp(total / count)


def train_ch8(net, corpus, vocab, lr, num_epochs, batch_size, num_steps, device="cpu"):
    """Trains, printing the perplexity of each epoch (where the book plots it)."""
    loss = nn.CrossEntropyLoss()
    updater = torch.optim.SGD(net.parameters(), lr)
    perplexities = []
    for epoch in range(num_epochs):
        ppl = train_epoch_ch8(net, seq_data_iter_sequential(corpus, batch_size, num_steps, epoch % num_steps),
                              loss, updater, device)
        perplexities.append(ppl)
        print(f"epoch {epoch + 1}, perplexity {ppl:.2f}")
    return perplexities


def main(num_epochs=8, batch_size=32, num_steps=16, num_hiddens=32, lr=1.0, num_chars=12000):
    torch.manual_seed(0)
    vocab = Vocab()
    corpus = vocab[list(synthetic_text(num_chars))]
    layers = {
        "rnn": nn.RNN(len(vocab), num_hiddens),                # §9.6
        "lstm": nn.LSTM(len(vocab), num_hiddens),              # §10.1
        "gru": nn.GRU(len(vocab), num_hiddens),                # §10.2
        "deep_gru": nn.GRU(len(vocab), num_hiddens, 2),        # §10.3
    }
    results = {}
    for name, layer in layers.items():
        net = RNNModel(layer, vocab_size=len(vocab))
        print(name, net)
        before = predict_ch8("time traveller", 10, net, vocab)
        perplexities = train_ch8(net, corpus, vocab, lr, num_epochs, batch_size, num_steps)
        after = predict_ch8("time traveller", 10, net, vocab)
        print(after)
        results[name] = {"perplexities": perplexities, "before": before, "after": after, "net": repr(net),
                         "params": [(n, tuple(p.shape)) for n, p in net.named_parameters()]}
    return results


if __name__ == "__main__":
    main()
