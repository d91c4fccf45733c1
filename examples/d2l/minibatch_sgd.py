"""D2L §12.5 (11.5 in the first edition) minibatch stochastic gradient descent on the airfoil
self-noise regression: gradient descent (one batch of everything), SGD (batches of one) and
minibatches of 100 and 10, all with the from-scratch `train_ch11`; then the same training with
momentum (§12.6) and Adam (§12.10) written from scratch through the `states` argument, and the
concise `train_concise_ch11` with torch.optim.

The book downloads the NASA airfoil table (1503 rows, 5 features, 1 target); there are no
downloads here, so `get_data_ch11` builds a stand-in of the same shape from a fixed NumPy seed:
features on the airfoil's scales and a target that a linear model explains only partly (as with the
real data, where the book's losses end near 0.245). The book plots loss against epochs and time;
here the loss curve is returned and the last value printed."""
import numpy as np

import torchless as torch
from torch import nn

import d2l_lite as d2l


def airfoil_like_table(rows=1503, seed=0):
    """A float32 (rows, 6) table: frequency, angle, chord, velocity, thickness; sound pressure."""
    rng = np.random.default_rng(seed)
    frequency = rng.choice([200, 500, 1000, 2000, 4000, 8000, 16000], rows).astype(float)
    angle = rng.uniform(0, 22, rows)
    chord = rng.choice([0.0254, 0.0508, 0.1016, 0.1524, 0.2286, 0.3048], rows)
    velocity = rng.choice([31.7, 39.6, 55.5, 71.3], rows)
    thickness = 0.001 * np.exp(rng.normal(0, 1, rows)) * (1 + angle / 10)
    pressure = (132 - 4.5 * np.log(frequency) / np.log(2) * 0.8 - 30 * chord + 0.08 * velocity
                - 0.3 * angle - 150 * thickness + 3 * np.sin(frequency / 2500) + rng.normal(0, 3, rows))
    return np.stack([frequency, angle, chord, velocity, thickness, pressure], axis=1).astype(np.float32)


def get_data_ch11(batch_size=10, n=1500):
    data = airfoil_like_table()  # the book: np.genfromtxt(d2l.download('airfoil'), dtype=np.float32, ...)
    data = torch.from_numpy((data - data.mean(axis=0)) / data.std(axis=0))
    data_iter = d2l.load_array((data[:n, :-1], data[:n, -1]),
                               batch_size, is_train=True)
    return data_iter, data.shape[1] - 1


def sgd(params, states, hyperparams):
    for p in params:
        p.data.sub_(hyperparams['lr'] * p.grad)
        p.grad.data.zero_()


def init_momentum_states(feature_dim):
    v_w = torch.zeros((feature_dim, 1))
    v_b = torch.zeros(1)
    return (v_w, v_b)


def sgd_momentum(params, states, hyperparams):
    for p, v in zip(params, states):
        with torch.no_grad():
            v[:] = hyperparams['momentum'] * v + p.grad
            p[:] -= hyperparams['lr'] * v
        p.grad.data.zero_()


def init_adam_states(feature_dim):
    v_w, v_b = torch.zeros((feature_dim, 1)), torch.zeros(1)
    s_w, s_b = torch.zeros((feature_dim, 1)), torch.zeros(1)
    return ((v_w, s_w), (v_b, s_b))


def adam(params, states, hyperparams):
    beta1, beta2, eps = 0.9, 0.999, 1e-6
    for p, (v, s) in zip(params, states):
        with torch.no_grad():
            v[:] = beta1 * v + (1 - beta1) * p.grad
            s[:] = beta2 * s + (1 - beta2) * torch.square(p.grad)
            v_bias_corr = v / (1 - beta1 ** hyperparams['t'])
            s_bias_corr = s / (1 - beta2 ** hyperparams['t'])
            p[:] -= hyperparams['lr'] * v_bias_corr / (torch.sqrt(s_bias_corr)
                                                       + eps)
        p.grad.data.zero_()
    hyperparams['t'] += 1


def train_ch11(trainer_fn, states, hyperparams, data_iter,
               feature_dim, num_epochs=2):
    # Initialization
    w = torch.normal(mean=0.0, std=0.01, size=(feature_dim, 1),
                     requires_grad=True)
    b = torch.zeros((1), requires_grad=True)
    net, loss = lambda X: d2l.linreg(X, w, b), d2l.squared_loss
    # Train; `losses` is what the book's animator plots
    losses = []
    n, timer = 0, d2l.Timer()
    for _ in range(num_epochs):
        for X, y in data_iter:
            l = loss(net(X), y).mean()
            l.backward()
            trainer_fn([w, b], states, hyperparams)
            n += X.shape[0]
            if n % 200 == 0:
                timer.stop()
                losses.append(d2l.evaluate_loss(net, data_iter, loss))
                timer.start()
    print(f'loss: {losses[-1]:.3f}, {timer.sum()/num_epochs:.3f} sec/epoch')
    return timer.cumsum(), losses


def train_sgd(lr, batch_size, num_epochs=2, n=1500):
    data_iter, feature_dim = get_data_ch11(batch_size, n)
    return train_ch11(
        sgd, None, {'lr': lr}, data_iter, feature_dim, num_epochs)


def train_concise_ch11(trainer_fn, hyperparams, data_iter, num_epochs=4):
    # Initialization
    net = nn.Sequential(nn.Linear(5, 1))

    def init_weights(module):
        if type(module) == nn.Linear:
            torch.nn.init.normal_(module.weight, std=0.01)

    net.apply(init_weights)

    optimizer = trainer_fn(net.parameters(), **hyperparams)
    loss = nn.MSELoss(reduction='none')
    losses = []
    n, timer = 0, d2l.Timer()
    for _ in range(num_epochs):
        for X, y in data_iter:
            optimizer.zero_grad()
            out = net(X)
            y = y.reshape(out.shape)
            l = loss(out, y)
            l.mean().backward()
            optimizer.step()
            n += X.shape[0]
            if n % 200 == 0:
                timer.stop()
                # `MSELoss` computes squared error without the 1/2 factor
                losses.append(d2l.evaluate_loss(net, data_iter, loss) / 2)
                timer.start()
    print(f'loss: {losses[-1]:.3f}, {timer.sum()/num_epochs:.3f} sec/epoch')
    return losses


def least_squares_loss(n=1500):
    """The best any linear model can do on the data (half the mean squared residual): the floor the
    trained losses approach."""
    data_iter, _ = get_data_ch11(n, n)
    X, y = next(iter(data_iter))
    X1 = torch.cat((X, torch.ones((X.shape[0], 1))), dim=1).numpy().astype(np.float64)
    coef, *_ = np.linalg.lstsq(X1, y.numpy().astype(np.float64), rcond=None)
    return float(((X1 @ coef - y.numpy()) ** 2).mean() / 2)


def main(n=1500, sgd_batch_one=True):
    torch.manual_seed(0)
    out = {"floor": least_squares_loss(n)}
    out["gd"] = train_sgd(1, n, 10, n=n)[1]
    if sgd_batch_one:  # 3000 single-example steps: the slow one, as the book shows
        out["sgd"] = train_sgd(0.005, 1, n=n)[1]
    out["mini100"] = train_sgd(.4, 100, n=n)[1]
    out["mini10"] = train_sgd(.05, 10, n=n)[1]

    data_iter, feature_dim = get_data_ch11(10, n)
    out["momentum"] = train_ch11(sgd_momentum, init_momentum_states(feature_dim),
                                 {'lr': 0.02, 'momentum': 0.5}, data_iter, feature_dim)[1]
    out["adam"] = train_ch11(adam, init_adam_states(feature_dim),
                             {'lr': 0.01, 't': 1}, data_iter, feature_dim)[1]
    out["concise_sgd"] = train_concise_ch11(torch.optim.SGD, {'lr': 0.01}, data_iter)
    out["concise_momentum"] = train_concise_ch11(torch.optim.SGD, {'lr': 0.005, 'momentum': 0.9}, data_iter)
    out["concise_adam"] = train_concise_ch11(torch.optim.Adam, {'lr': 0.01}, data_iter)
    return out


if __name__ == "__main__":
    main()
