"""D2L §11.7 (10.7 in the first edition): the transformer encoder-decoder, here as the book's
exercise suggests with the framework's own modules: `nn.Transformer` (post-norm encoder and decoder
layers, `nn.MultiheadAttention` with `batch_first=True`), `nn.Embedding` scaled by sqrt(d_model), the
book's sinusoidal `PositionalEncoding`, a causal mask from `generate_square_subsequent_mask`, key
padding masks, Adam, and greedy decoding. First the book's shape checks of its own
`PositionWiseFFN`, `AddNorm` and an `nn.TransformerEncoder` stack; then the model learns to reverse
short token sequences (the target is <bos> followed by the source reversed)."""
import math

import numpy as np
import torchless as torch
from torch import nn

import d2l_lite as d2l

PAD, BOS = 0, 1


class PositionWiseFFN(nn.Module):  #@save
    """The positionwise feed-forward network."""
    def __init__(self, ffn_num_hiddens, ffn_num_outputs):
        super().__init__()
        self.dense1 = nn.LazyLinear(ffn_num_hiddens)
        self.relu = nn.ReLU()
        self.dense2 = nn.LazyLinear(ffn_num_outputs)

    def forward(self, X):
        return self.dense2(self.relu(self.dense1(X)))


class AddNorm(nn.Module):  #@save
    """The residual connection followed by layer normalization."""
    def __init__(self, norm_shape, dropout):
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        self.ln = nn.LayerNorm(norm_shape)

    def forward(self, X, Y):
        return self.ln(self.dropout(Y) + X)


class ReverseTransformer(nn.Module):
    def __init__(self, vocab_size, num_hiddens=32, num_heads=4, num_layers=2, ffn_num_hiddens=64,
                 dropout=0.0):
        super().__init__()
        self.num_hiddens = num_hiddens
        self.embedding = nn.Embedding(vocab_size, num_hiddens)
        self.pos_encoding = d2l.PositionalEncoding(num_hiddens, dropout)
        self.transformer = nn.Transformer(
            d_model=num_hiddens, nhead=num_heads, num_encoder_layers=num_layers,
            num_decoder_layers=num_layers, dim_feedforward=ffn_num_hiddens, dropout=dropout,
            batch_first=True)
        self.dense = nn.Linear(num_hiddens, vocab_size)

    def embed(self, X):
        return self.pos_encoding(self.embedding(X) * math.sqrt(self.num_hiddens))

    def forward(self, src, tgt):
        tgt_mask = nn.Transformer.generate_square_subsequent_mask(tgt.shape[1])
        out = self.transformer(self.embed(src), self.embed(tgt), tgt_mask=tgt_mask,
                               src_key_padding_mask=src == PAD)
        return self.dense(out)

    def predict(self, src, num_steps):
        memory = self.transformer.encoder(self.embed(src), src_key_padding_mask=src == PAD)
        Y = torch.full((src.shape[0], 1), BOS, dtype=torch.long)
        for _ in range(num_steps):
            mask = nn.Transformer.generate_square_subsequent_mask(Y.shape[1])
            out = self.transformer.decoder(self.embed(Y), memory, tgt_mask=mask,
                                           memory_key_padding_mask=src == PAD)
            Y = torch.cat([Y, self.dense(out[:, -1]).argmax(-1, keepdim=True)], 1)
        return Y[:, 1:]


def synthetic_reversal(num_examples, num_steps, vocab_size, seed=0):
    rng = np.random.default_rng(seed)
    src = rng.integers(2, vocab_size, (num_examples, num_steps))
    return src.astype(np.int64), src[:, ::-1].copy().astype(np.int64)


def main(num_epochs=35, batch_size=32, num_examples=1024, num_steps=6, vocab_size=12, lr=0.003):
    torch.manual_seed(0)
    out = {}
    # The book's shape checks (§11.7)
    ffn = PositionWiseFFN(4, 8)
    ffn.eval()
    print(ffn(torch.ones((2, 3, 4)))[0])
    add_norm = AddNorm(4, 0.5)
    print(add_norm(torch.ones((2, 3, 4)), torch.ones((2, 3, 4))).shape)
    encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(24, 8, 48, 0.5, batch_first=True), 2,
                                    enable_nested_tensor=False)
    encoder.eval()
    print(encoder(torch.ones((2, 100, 24)), src_key_padding_mask=torch.arange(100).repeat(2, 1) >= torch.tensor([[70], [60]])).shape)
    out["ffn"] = tuple(ffn(torch.ones((2, 3, 4))).shape)

    src, tgt = (torch.tensor(a) for a in synthetic_reversal(num_examples, num_steps, vocab_size))
    test_src, test_tgt = (torch.tensor(a) for a in synthetic_reversal(256, num_steps, vocab_size, seed=1))
    model = ReverseTransformer(vocab_size)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    loss = nn.CrossEntropyLoss()
    losses = []
    for epoch in range(num_epochs):
        model.train()
        total, count = 0.0, 0
        for i in range(0, num_examples, batch_size):
            X, Y = src[i:i + batch_size], tgt[i:i + batch_size]
            dec_input = torch.cat([torch.full((Y.shape[0], 1), BOS, dtype=torch.long), Y[:, :-1]], 1)
            Y_hat = model(X, dec_input)
            l = loss(Y_hat.reshape(-1, vocab_size), Y.reshape(-1))
            optimizer.zero_grad()
            l.backward()
            optimizer.step()
            total, count = total + l.item(), count + 1
        losses.append(total / count)
        print(f'epoch {epoch + 1}, loss {losses[-1]:.3f}')
    out["losses"] = losses
    model.eval()
    with torch.no_grad():
        pred = model.predict(test_src, num_steps)
    out["token_accuracy"] = float((pred == test_tgt).float().mean())
    out["sequence_accuracy"] = float((pred == test_tgt).all(1).float().mean())
    print(f'test token accuracy {out["token_accuracy"]:.3f}, sequence accuracy {out["sequence_accuracy"]:.3f}')
    return out


if __name__ == "__main__":
    main()
