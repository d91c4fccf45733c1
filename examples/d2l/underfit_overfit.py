"""D2L §4.4 of the first edition (the second discusses it in §3.6), model selection, underfitting and
overfitting: polynomial regression. Labels come from a third-degree polynomial y = 5 + 1.2x -
3.4x^2/2! + 5.6x^3/3! + noise; fitting the right four features recovers the weights, two features
underfit, all twenty overfit. The book plots the train and test loss curves; here they are returned
and the final ones printed."""
import math

import numpy as np

import torchless as torch
from torch import nn

import d2l_lite as d2l


def make_data(max_degree=20, n_train=100, n_test=100, seed=0):
    np.random.seed(seed)
    true_w = np.zeros(max_degree)  # Allocate lots of empty space
    true_w[0:4] = np.array([5, 1.2, -3.4, 5.6])

    features = np.random.normal(size=(n_train + n_test, 1))
    np.random.shuffle(features)
    poly_features = np.power(features, np.arange(max_degree).reshape(1, -1))
    for i in range(max_degree):
        poly_features[:, i] /= math.gamma(i + 1)  # `gamma(n)` = (n-1)!
    # Shape of `labels`: (`n_train` + `n_test`,)
    labels = np.dot(poly_features, true_w)
    labels += np.random.normal(scale=0.1, size=labels.shape)

    # Convert from NumPy ndarrays to tensors
    true_w, features, poly_features, labels = [torch.tensor(x, dtype=
        torch.float32) for x in [true_w, features, poly_features, labels]]
    return true_w, features, poly_features, labels


def train(train_features, test_features, train_labels, test_labels,
          num_epochs=400, lr=0.01):
    loss = nn.MSELoss(reduction='none')
    input_shape = train_features.shape[-1]
    # Switch off the bias since we already catered for it in the polynomial
    # features
    net = nn.Sequential(nn.Linear(input_shape, 1, bias=False))
    batch_size = min(10, train_labels.shape[0])
    train_iter = d2l.load_array((train_features, train_labels.reshape(-1, 1)),
                                batch_size)
    test_iter = d2l.load_array((test_features, test_labels.reshape(-1, 1)),
                               batch_size, is_train=False)
    trainer = torch.optim.SGD(net.parameters(), lr=lr)
    curve = []  # (epoch, train loss, test loss): what the book's animator draws
    for epoch in range(num_epochs):
        d2l.train_epoch_ch3(net, train_iter, loss, trainer)
        if epoch == 0 or (epoch + 1) % 20 == 0:
            curve.append((epoch + 1, d2l.evaluate_loss(net, train_iter, loss),
                          d2l.evaluate_loss(net, test_iter, loss)))
    print(f'train loss {curve[-1][1]:.4f}, test loss {curve[-1][2]:.4f}')
    print('weight:', net[0].weight.data.numpy())
    return {"weight": net[0].weight.data.reshape(-1).tolist(), "curve": curve}


def main(num_epochs=400, overfit_epochs=1500, n_train=100):
    torch.manual_seed(0)
    true_w, features, poly_features, labels = make_data(n_train=n_train)
    print(features[:2], poly_features[:2, :], labels[:2])
    n = n_train
    # Third-order polynomial function fitting (normal)
    normal = train(poly_features[:n, :4], poly_features[n:, :4], labels[:n], labels[n:], num_epochs)
    # Linear function fitting (underfitting)
    underfit = train(poly_features[:n, :2], poly_features[n:, :2], labels[:n], labels[n:], num_epochs)
    # Higher-order polynomial function fitting (overfitting)
    overfit = train(poly_features[:n, :], poly_features[n:, :], labels[:n], labels[n:], overfit_epochs)
    return {"normal": normal, "underfit": underfit, "overfit": overfit, "true_w": true_w.tolist(),
            "poly_dtype": str(poly_features.dtype), "poly_shape": tuple(poly_features.shape)}


if __name__ == "__main__":
    main()
