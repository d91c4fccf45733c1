"""D2L §11.8 (new in the second edition): the vision transformer. The book's `PatchEmbedding` (a
`nn.LazyConv2d` with stride = patch size, then `flatten(2).transpose(1, 2)`), `ViTMLP` (GELU),
pre-norm `ViTBlock` over the book's `MultiHeadAttention`, and `ViT` with a learnable `cls_token`
(`expand`), learnable positional embeddings and a LayerNorm + Linear head: the book's shape checks,
then a small ViT (7x7 patches of the 1x28x28 synthetic Fashion-MNIST stand-in) trains with Adam."""
import torchless as torch
from torch import nn

import d2l_lite as d2l


# ------------------------------------------------------------------ §11.8
class PatchEmbedding(nn.Module):
    def __init__(self, img_size=96, patch_size=16, num_hiddens=512):
        super().__init__()
        def _make_tuple(x):
            if not isinstance(x, (list, tuple)):
                return (x, x)
            return x
        img_size, patch_size = _make_tuple(img_size), _make_tuple(patch_size)
        self.num_patches = (img_size[0] // patch_size[0]) * (
            img_size[1] // patch_size[1])
        self.conv = nn.LazyConv2d(num_hiddens, kernel_size=patch_size,
                                  stride=patch_size)

    def forward(self, X):
        # Output shape: (batch size, no. of patches, no. of channels)
        return self.conv(X).flatten(2).transpose(1, 2)


class ViTMLP(nn.Module):
    def __init__(self, mlp_num_hiddens, mlp_num_outputs, dropout=0.5):
        super().__init__()
        self.dense1 = nn.LazyLinear(mlp_num_hiddens)
        self.gelu = nn.GELU()
        self.dropout1 = nn.Dropout(dropout)
        self.dense2 = nn.LazyLinear(mlp_num_outputs)
        self.dropout2 = nn.Dropout(dropout)

    def forward(self, x):
        return self.dropout2(self.dense2(self.dropout1(self.gelu(
            self.dense1(x)))))


class ViTBlock(nn.Module):
    def __init__(self, num_hiddens, norm_shape, mlp_num_hiddens,
                 num_heads, dropout, use_bias=False):
        super().__init__()
        self.ln1 = nn.LayerNorm(norm_shape)
        self.attention = d2l.MultiHeadAttention(num_hiddens, num_heads,
                                            dropout, use_bias)
        self.ln2 = nn.LayerNorm(norm_shape)
        self.mlp = ViTMLP(mlp_num_hiddens, num_hiddens, dropout)

    def forward(self, X, valid_lens=None):
        X = X + self.attention(*([self.ln1(X)] * 3), valid_lens)
        return X + self.mlp(self.ln2(X))


class ViT(nn.Module):
    """Vision Transformer."""
    def __init__(self, img_size, patch_size, num_hiddens, mlp_num_hiddens,
                 num_heads, num_blks, emb_dropout, blk_dropout, lr=0.1,
                 use_bias=False, num_classes=10):
        super().__init__()
        self.patch_embedding = PatchEmbedding(
            img_size, patch_size, num_hiddens)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, num_hiddens))
        num_steps = self.patch_embedding.num_patches + 1  # Add the cls token
        # Positional embeddings are learnable
        self.pos_embedding = nn.Parameter(
            torch.randn(1, num_steps, num_hiddens) * 0.02)
        self.dropout = nn.Dropout(emb_dropout)
        self.blks = nn.Sequential()
        for i in range(num_blks):
            self.blks.add_module(f"{i}", ViTBlock(
                num_hiddens, num_hiddens, mlp_num_hiddens,
                num_heads, blk_dropout, use_bias))
        self.head = nn.Sequential(nn.LayerNorm(num_hiddens),
                                  nn.Linear(num_hiddens, num_classes))

    def forward(self, X):
        X = self.patch_embedding(X)
        X = torch.cat((self.cls_token.expand(X.shape[0], -1, -1), X), 1)
        X = self.dropout(X + self.pos_embedding)
        for blk in self.blks:
            X = blk(X)
        return self.head(X[:, 0])


def main(num_epochs=8, batch_size=64, num_train=2000, num_test=500):
    torch.manual_seed(0)
    out = {}
    img_size, patch_size, num_hiddens, batch_size_ = 96, 16, 512, 4
    patch_emb = PatchEmbedding(img_size, patch_size, num_hiddens)
    X = torch.zeros(batch_size_, 3, img_size, img_size)
    print(patch_emb(X).shape)
    out["patches"] = tuple(patch_emb(X).shape)
    X = torch.ones((2, 100, 24))
    encoder_blk = ViTBlock(24, 24, 48, 8, 0.5)
    encoder_blk.eval()
    print(encoder_blk(X).shape)
    out["block"] = tuple(encoder_blk(X).shape)

    train_iter, test_iter = d2l.load_data_fashion_mnist(batch_size, num_train, num_test)
    model = ViT(28, 7, num_hiddens=32, mlp_num_hiddens=64, num_heads=4, num_blks=2, emb_dropout=0.1,
                blk_dropout=0.1)
    model(next(iter(train_iter))[0])  # materialise the lazy layers
    optimizer = torch.optim.Adam(model.parameters(), lr=0.003)
    loss = nn.CrossEntropyLoss()
    history = []
    for epoch in range(num_epochs):
        model.train()
        metric = d2l.Accumulator(3)
        for X, y in train_iter:
            y_hat = model(X)
            l = loss(y_hat, y)
            optimizer.zero_grad()
            l.backward()
            optimizer.step()
            with torch.no_grad():
                metric.add(l * X.shape[0], d2l.accuracy(y_hat, y), X.shape[0])
        test_acc = d2l.evaluate_accuracy(model, test_iter)
        history.append((metric[0] / metric[2], metric[1] / metric[2], test_acc))
        print(f'epoch {epoch + 1}, loss {history[-1][0]:.3f}, train acc {history[-1][1]:.3f}, '
              f'test acc {test_acc:.3f}')
    out["history"] = history
    return out


if __name__ == "__main__":
    main()
