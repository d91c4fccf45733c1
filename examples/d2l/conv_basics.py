"""D2L §7.2-7.5 (6.2-6.5 in the first edition): convolutions from scratch. The book's `corr2d`, a
`Conv2D` layer built on it, edge detection, learning the edge kernel with `nn.LazyConv2d`; padding
and stride shape rules (`comp_conv2d`); multiple input and output channels (`corr2d_multi_in`,
`corr2d_multi_in_out` with `torch.stack`, the 1x1 convolution as a matrix product); pooling from
scratch (`pool2d`) against `nn.MaxPool2d` / `nn.AvgPool2d` with padding, stride and channels."""
import torchless as torch
from torch import nn


# ------------------------------------------------------------------ §7.2
def corr2d(X, K):  #@save
    """Compute 2D cross-correlation."""
    h, w = K.shape
    Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
    return Y


class Conv2D(nn.Module):
    def __init__(self, kernel_size):
        super().__init__()
        self.weight = nn.Parameter(torch.rand(kernel_size))
        self.bias = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return corr2d(x, self.weight) + self.bias


# ------------------------------------------------------------------ §7.3
def comp_conv2d(conv2d, X):
    # (1, 1) indicates that batch size and the number of channels are both 1
    X = X.reshape((1, 1) + X.shape)
    Y = conv2d(X)
    # Strip the first two dimensions: examples and channels
    return Y.reshape(Y.shape[2:])


# ------------------------------------------------------------------ §7.4
def corr2d_multi_in(X, K):
    # Iterate through the 0th dimension (channel) of K first, then add them up
    return sum(corr2d(x, k) for x, k in zip(X, K))


def corr2d_multi_in_out(X, K):
    # Iterate through the 0th dimension of K, and each time, perform
    # cross-correlation operations with input X. All of the results are
    # stacked together
    return torch.stack([corr2d_multi_in(X, k) for k in K], 0)


def corr2d_multi_in_out_1x1(X, K):
    c_i, h, w = X.shape
    c_o = K.shape[0]
    X = X.reshape((c_i, h * w))
    K = K.reshape((c_o, c_i))
    # Matrix multiplication in the fully connected layer
    Y = torch.matmul(K, X)
    return Y.reshape((c_o, h, w))


# ------------------------------------------------------------------ §7.5
def pool2d(X, pool_size, mode='max'):
    p_h, p_w = pool_size
    Y = torch.zeros((X.shape[0] - p_h + 1, X.shape[1] - p_w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            if mode == 'max':
                Y[i, j] = X[i: i + p_h, j: j + p_w].max()
            elif mode == 'avg':
                Y[i, j] = X[i: i + p_h, j: j + p_w].mean()
    return Y


def main():
    torch.manual_seed(0)
    out = {}
    X = torch.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]])
    K = torch.tensor([[0.0, 1.0], [2.0, 3.0]])
    print(corr2d(X, K))
    out["corr2d"] = corr2d(X, K).tolist()

    X = torch.ones((6, 8))
    X[:, 2:6] = 0
    print(X)
    K = torch.tensor([[1.0, -1.0]])
    Y = corr2d(X, K)
    print(Y)
    print(corr2d(X.t(), K))

    # Construct a two-dimensional convolutional layer with 1 output channel and a
    # kernel of shape (1, 2). For the sake of simplicity, we ignore the bias here
    conv2d = nn.LazyConv2d(1, kernel_size=(1, 2), bias=False)
    # The two-dimensional convolutional layer uses four-dimensional input and
    # output in the format of (example, channel, height, width), where the batch
    # size (number of examples in the batch) and the number of channels are both 1
    X = X.reshape((1, 1, 6, 8))
    Y = Y.reshape((1, 1, 6, 7))
    lr = 3e-2  # Learning rate
    for i in range(10):
        Y_hat = conv2d(X)
        l = (Y_hat - Y) ** 2
        conv2d.zero_grad()
        l.sum().backward()
        # Update the kernel
        conv2d.weight.data[:] -= lr * conv2d.weight.grad
        if (i + 1) % 2 == 0:
            print(f'epoch {i + 1}, loss {l.sum():.3f}')
    print(conv2d.weight.data.reshape((1, 2)))
    out["learned_kernel"] = conv2d.weight.data.reshape((1, 2)).tolist()
    out["kernel_loss"] = float(l.sum())

    # The from-scratch layer learns too (the book's exercise)
    layer = Conv2D(kernel_size=(1, 2))
    out["scratch_first_loss"] = float(((layer(X[0, 0]) - Y[0, 0]) ** 2).sum().detach())
    for i in range(30):
        l = ((layer(X[0, 0]) - Y[0, 0]) ** 2).sum()
        layer.zero_grad()
        l.backward()
        with torch.no_grad():
            layer.weight -= 1e-2 * layer.weight.grad
            layer.bias -= 1e-2 * layer.bias.grad
    out["scratch_loss"] = float(l)

    # §7.3
    X = torch.rand(size=(8, 8))
    shapes = []
    for conv2d in (nn.LazyConv2d(1, kernel_size=3, padding=1),
                   nn.LazyConv2d(1, kernel_size=(5, 3), padding=(2, 1)),
                   nn.LazyConv2d(1, kernel_size=3, padding=1, stride=2),
                   nn.LazyConv2d(1, kernel_size=(3, 5), padding=(0, 1), stride=(3, 4))):
        shapes.append(tuple(comp_conv2d(conv2d, X).shape))
        print(comp_conv2d(conv2d, X).shape)
    out["padding_stride"] = shapes

    # §7.4
    X = torch.tensor([[[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]],
                      [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]])
    K = torch.tensor([[[0.0, 1.0], [2.0, 3.0]], [[1.0, 2.0], [3.0, 4.0]]])
    print(corr2d_multi_in(X, K))
    K = torch.stack((K, K + 1, K + 2), 0)
    print(K.shape)
    print(corr2d_multi_in_out(X, K))
    # the same through F.conv2d
    out["multi_in_out_matches_conv2d"] = bool(torch.allclose(
        corr2d_multi_in_out(X, K), nn.functional.conv2d(X.unsqueeze(0), K)[0]))
    X = torch.normal(0, 1, (3, 3, 3))
    K = torch.normal(0, 1, (2, 3, 1, 1))
    Y1 = corr2d_multi_in_out_1x1(X, K)
    Y2 = corr2d_multi_in_out(X, K)
    assert float(torch.abs(Y1 - Y2).sum()) < 1e-6
    out["one_by_one"] = float(torch.abs(Y1 - Y2).sum())

    # §7.5
    X = torch.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]])
    print(pool2d(X, (2, 2)))
    print(pool2d(X, (2, 2), 'avg'))
    X = torch.arange(16, dtype=torch.float32).reshape((1, 1, 4, 4))
    print(X)
    pool2d_ = nn.MaxPool2d(3)
    # Pooling has no model parameters, hence it needs no initialization
    print(pool2d_(X))
    pool2d_ = nn.MaxPool2d(3, padding=1, stride=2)
    print(pool2d_(X))
    pool2d_ = nn.MaxPool2d((2, 3), stride=(2, 3), padding=(0, 1))
    print(pool2d_(X))
    X = torch.cat((X, X + 1), 1)
    print(X)
    pool2d_ = nn.MaxPool2d(3, padding=1, stride=2)
    print(pool2d_(X))
    out["pooled"] = pool2d_(X).tolist()
    print(nn.AvgPool2d(3, padding=1, stride=2)(X))
    return out


if __name__ == "__main__":
    main()
