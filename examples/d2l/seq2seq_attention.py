"""D2L §10.7 and §11.4 (9.7 and 10.4 in the first edition): encoder-decoder sequence to sequence
learning with Bahdanau (additive) attention. The book's `Seq2SeqEncoder` (`nn.Embedding`, `nn.GRU`,
Xavier init through `_flat_weights_names`), `Seq2SeqAttentionDecoder` (additive attention over the
encoder outputs at every decoding step, `d2l`'s `masked_softmax` with `torch.repeat_interleave`),
the masked cross-entropy loss, teacher forcing, gradient clipping and greedy prediction.

Data: a synthetic "translation" task in place of the book's English-French pairs. A source sentence
is 3 to 6 tokens; its target is the source reversed, every token mapped to another word of the
target vocabulary; both are padded to `num_steps` with <pad> after <eos>, as the book's
`build_array_nmt` does."""
import numpy as np
import torchless as torch
from torch import nn
from torch.nn import functional as F

import d2l_lite as d2l

PAD, BOS, EOS = 0, 1, 2


# ------------------------------------------------------------------ §10.7 encoder
def init_seq2seq(module):  #@save
    """Initialize weights for sequence-to-sequence learning."""
    if type(module) == nn.Linear:
        nn.init.xavier_uniform_(module.weight)
    if type(module) == nn.GRU:
        for param in module._flat_weights_names:
            if "weight" in param:
                nn.init.xavier_uniform_(module._parameters[param])


class Seq2SeqEncoder(nn.Module):  #@save
    """The RNN encoder for sequence-to-sequence learning."""
    def __init__(self, vocab_size, embed_size, num_hiddens, num_layers,
                 dropout=0):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.rnn = nn.GRU(embed_size, num_hiddens, num_layers, dropout=dropout)
        self.apply(init_seq2seq)

    def forward(self, X, *args):
        # X shape: (batch_size, num_steps)
        embs = self.embedding(X.t().type(torch.int64))
        # embs shape: (num_steps, batch_size, embed_size)
        outputs, state = self.rnn(embs)
        # outputs shape: (num_steps, batch_size, num_hiddens)
        # state shape: (num_layers, batch_size, num_hiddens)
        return outputs, state


# ------------------------------------------------------------------ §11.4 attention decoder
class Seq2SeqAttentionDecoder(nn.Module):
    def __init__(self, vocab_size, embed_size, num_hiddens, num_layers,
                 dropout=0):
        super().__init__()
        self.attention = d2l.AdditiveAttention(num_hiddens, dropout)
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.rnn = nn.GRU(
            embed_size + num_hiddens, num_hiddens, num_layers,
            dropout=dropout)
        self.dense = nn.LazyLinear(vocab_size)
        self.apply(init_seq2seq)

    def init_state(self, enc_outputs, enc_valid_lens):
        # Shape of outputs: (num_steps, batch_size, num_hiddens).
        # Shape of hidden_state: (num_layers, batch_size, num_hiddens)
        outputs, hidden_state = enc_outputs
        return (outputs.permute(1, 0, 2), hidden_state, enc_valid_lens)

    def forward(self, X, state):
        # Shape of enc_outputs: (batch_size, num_steps, num_hiddens).
        # Shape of hidden_state: (num_layers, batch_size, num_hiddens)
        enc_outputs, hidden_state, enc_valid_lens = state
        # Shape of the output X: (num_steps, batch_size, embed_size)
        X = self.embedding(X).permute(1, 0, 2)
        outputs, self._attention_weights = [], []
        for x in X:
            # Shape of query: (batch_size, 1, num_hiddens)
            query = torch.unsqueeze(hidden_state[-1], dim=1)
            # Shape of context: (batch_size, 1, num_hiddens)
            context = self.attention(
                query, enc_outputs, enc_outputs, enc_valid_lens)
            # Concatenate on the feature dimension
            x = torch.cat((context, torch.unsqueeze(x, dim=1)), dim=-1)
            # Reshape x as (1, batch_size, embed_size + num_hiddens)
            out, hidden_state = self.rnn(x.permute(1, 0, 2), hidden_state)
            outputs.append(out)
            self._attention_weights.append(self.attention.attention_weights)
        # After fully connected layer transformation, shape of outputs:
        # (num_steps, batch_size, vocab_size)
        outputs = self.dense(torch.cat(outputs, dim=0))
        return outputs.permute(1, 0, 2), [enc_outputs, hidden_state,
                                          enc_valid_lens]

    @property
    def attention_weights(self):
        return self._attention_weights


class Seq2Seq(nn.Module):  #@save
    """The encoder-decoder architecture for sequence to sequence learning."""
    def __init__(self, encoder, decoder, tgt_pad):
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder
        self.tgt_pad = tgt_pad

    def forward(self, enc_X, dec_X, *args):
        enc_all_outputs = self.encoder(enc_X, *args)
        dec_state = self.decoder.init_state(enc_all_outputs, *args)
        # Return decoder output only
        return self.decoder(dec_X, dec_state)[0]

    def loss(self, Y_hat, Y):
        l = F.cross_entropy(Y_hat.reshape((-1, Y_hat.shape[-1])), Y.reshape((-1,)), reduction='none')
        mask = (Y.reshape(-1) != self.tgt_pad).type(torch.float32)
        return (l * mask).sum() / mask.sum()

    def predict_step(self, src, src_valid_len, num_steps):
        """Greedy decoding (the book's predict_step)."""
        enc_all_outputs = self.encoder(src, src_valid_len)
        dec_state = self.decoder.init_state(enc_all_outputs, src_valid_len)
        outputs = [torch.full((src.shape[0], 1), BOS, dtype=torch.long)]
        for _ in range(num_steps):
            Y, dec_state = self.decoder(outputs[-1], dec_state)
            outputs.append(Y.argmax(2))
        return torch.cat(outputs[1:], 1)


def synthetic_pairs(num_examples, num_steps, vocab_size, seed=0):
    """(src, src_valid_len, tgt) arrays: the target is the reversed source, each token mapped."""
    rng = np.random.default_rng(seed)
    mapping = 3 + rng.permutation(vocab_size - 3)
    src = np.full((num_examples, num_steps), PAD, dtype=np.int64)
    tgt = np.full((num_examples, num_steps), PAD, dtype=np.int64)
    lens = rng.integers(3, num_steps - 1, num_examples)
    for i, n in enumerate(lens):
        words = rng.integers(3, vocab_size, n)
        src[i, :n + 1] = np.append(words, EOS)
        tgt[i, :n + 1] = np.append(mapping[words[::-1] - 3], EOS)
    return src, lens + 1, tgt


def grad_clipping(net, theta):  #@save
    """Clip the gradient."""
    params = [p for p in net.parameters() if p.requires_grad]
    norm = torch.sqrt(sum(torch.sum((p.grad ** 2)) for p in params))
    if norm > theta:
        for param in params:
            param.grad[:] *= theta / norm


def main(num_epochs=12, batch_size=64, num_examples=512, num_steps=8, vocab_size=12):
    torch.manual_seed(0)
    out = {}
    # The book's shape check
    embed_size, num_hiddens, num_layers = 8, 16, 2
    batch, steps = 4, 7
    encoder = Seq2SeqEncoder(10, embed_size, num_hiddens, num_layers)
    decoder = Seq2SeqAttentionDecoder(10, embed_size, num_hiddens, num_layers)
    X = torch.zeros((batch, steps), dtype=torch.long)
    state = decoder.init_state(encoder(X), None)
    output, state = decoder(X, state)
    print(output.shape, state[0].shape, state[1][0].shape)
    out["shapes"] = (tuple(output.shape), tuple(state[0].shape), tuple(state[1][0].shape))

    src, src_len, tgt = (torch.tensor(a) for a in synthetic_pairs(num_examples, num_steps, vocab_size))
    encoder = Seq2SeqEncoder(vocab_size, 16, 32, 1)
    decoder = Seq2SeqAttentionDecoder(vocab_size, 16, 32, 1)
    model = Seq2Seq(encoder, decoder, tgt_pad=PAD)
    model(src[:2], src[:2], src_len[:2])  # materialise the lazy layers
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    losses = []
    for epoch in range(num_epochs):
        total, count = 0.0, 0
        for i in range(0, num_examples, batch_size):
            X, X_len, Y = src[i:i + batch_size], src_len[i:i + batch_size], tgt[i:i + batch_size]
            dec_input = torch.cat([torch.full((Y.shape[0], 1), BOS, dtype=torch.long), Y[:, :-1]], 1)
            Y_hat = model(X, dec_input, X_len)
            l = model.loss(Y_hat, Y)
            optimizer.zero_grad()
            l.backward()
            grad_clipping(model, 1)
            optimizer.step()
            total, count = total + float(l), count + 1
        losses.append(total / count)
        print(f'epoch {epoch + 1}, loss {losses[-1]:.3f}')
    out["losses"] = losses
    model.eval()
    with torch.no_grad():
        pred = model.predict_step(src[:64], src_len[:64], num_steps)
    mask = tgt[:64] != PAD
    out["token_accuracy"] = float((pred == tgt[:64])[mask].float().mean())
    print(f'token accuracy {out["token_accuracy"]:.3f}')
    out["attention_steps"] = len(decoder.attention_weights)
    return out


if __name__ == "__main__":
    main()
