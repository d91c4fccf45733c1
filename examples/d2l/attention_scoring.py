"""D2L §11.1-11.3, §11.5 and §11.6 (10.1-10.3, 10.5, 10.6 in the first edition): attention pooling
by similarity (Nadaraya-Watson kernel regression with `torch.sort`-ed training points), the book's
`masked_softmax` (with `torch.repeat_interleave` and boolean-mask assignment), scaled dot-product and
additive attention, multi-head attention (`transpose_qkv`/`transpose_output`) and positional encoding,
printing the values and shapes the book prints."""
import torchless as torch
from torch import nn

import d2l_lite as d2l


# ------------------------------------------------------------------ §11.2 attention pooling
def gaussian(x):
    return torch.exp(-x**2 / 2)


def boxcar(x):
    return torch.abs(x) < 1.0


def constant(x):
    return 1.0 + 0 * x


def epanechikov(x):
    return torch.max(1 - torch.abs(x), torch.zeros_like(x))


def f(x):
    return 2 * torch.sin(x) + x


def nadaraya_watson(x_train, y_train, x_val, kernel):
    dists = x_train.reshape((-1, 1)) - x_val.reshape((1, -1))
    # Each column/row corresponds to each query/key
    k = kernel(dists).type(torch.float32)
    # Normalization over keys for each query
    attention_w = k / k.sum(0)
    y_hat = y_train@attention_w
    return y_hat, attention_w


# §11.3's masked_softmax and scoring functions, §11.5's multi-head attention and §11.6's positional
# encoding are saved to the d2l library (#@save): here d2l_lite, where the later sections find them.


def main():
    torch.manual_seed(0)
    out = {}
    # §11.1: the identity matrix as attention weights, in show_heatmaps' 4-d shape
    attention_weights = torch.eye(10).reshape((1, 1, 10, 10))
    print(attention_weights.shape)

    # §11.2
    n = 40
    x_train, _ = torch.sort(torch.rand(n) * 5)
    y_train = f(x_train) + torch.randn(n)
    x_val = torch.arange(0, 5, 0.1)
    y_val = f(x_val)
    errors = {}
    for name, kernel in (('Gaussian', gaussian), ('Boxcar', boxcar), ('Constant', constant),
                         ('Epanechikov', epanechikov)):
        y_hat, attention_w = nadaraya_watson(x_train, y_train, x_val, kernel)
        errors[name] = float(((y_hat - y_val) ** 2).mean())
        print(f'{name}: attention {tuple(attention_w.shape)}, mse {errors[name]:.4f}')
    out["nw_errors"] = errors
    out["sorted"] = bool((x_train[1:] >= x_train[:-1]).all())

    # §11.3
    print(d2l.masked_softmax(torch.rand(2, 2, 4), torch.tensor([2, 3])))
    print(d2l.masked_softmax(torch.rand(2, 2, 4), torch.tensor([[1, 3], [2, 4]])))
    out["bmm_shape"] = tuple(torch.bmm(torch.ones((2, 3, 4)), torch.ones((2, 4, 6))).shape)
    queries = torch.normal(0, 1, (2, 1, 2))
    keys = torch.normal(0, 1, (2, 10, 2))
    values = torch.normal(0, 1, (2, 10, 4))
    valid_lens = torch.tensor([2, 6])
    attention = d2l.DotProductAttention(dropout=0.5)
    attention.eval()
    result = attention(queries, keys, values, valid_lens)
    print(result.shape, attention.attention_weights.shape)
    out["dot"] = tuple(result.shape)
    out["dot_weights_zero_beyond_valid"] = (float(attention.attention_weights[0, 0, 2:].sum()),
                                            float(attention.attention_weights[1, 0, 6:].sum()))
    queries = torch.normal(0, 1, (2, 1, 20))
    attention = d2l.AdditiveAttention(num_hiddens=8, dropout=0.1)
    attention.eval()
    result = attention(queries, keys, values, valid_lens)
    print(result.shape, attention.attention_weights.shape)
    out["additive"] = tuple(result.shape)

    # §11.5
    num_hiddens, num_heads = 100, 5
    attention = d2l.MultiHeadAttention(num_hiddens, num_heads, 0.5)
    batch_size, num_queries, num_kvpairs = 2, 4, 6
    valid_lens = torch.tensor([3, 2])
    X = torch.ones((batch_size, num_queries, num_hiddens))
    Y = torch.ones((batch_size, num_kvpairs, num_hiddens))
    result = attention(X, Y, Y, valid_lens)
    print(result.shape)
    out["multihead"] = tuple(result.shape)

    # §11.6
    num_hiddens, dropout = 32, 0.5
    attention = d2l.MultiHeadAttention(num_hiddens, 4, dropout)
    batch_size, num_queries, valid_lens = 2, 4, torch.tensor([3, 2])
    X = torch.ones((batch_size, num_queries, num_hiddens))
    print(attention(X, X, X, valid_lens).shape)
    encoding_dim, num_steps = 32, 60
    pos_encoding = d2l.PositionalEncoding(encoding_dim, 0)
    X = pos_encoding(torch.zeros((1, num_steps, encoding_dim)))
    P = pos_encoding.P[:, :X.shape[1], :]
    print(P[0, :3, 6:10])
    out["P_row1"] = P[0, 1, :4].tolist()
    return out


if __name__ == "__main__":
    main()
