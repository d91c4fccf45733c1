"""D2L §3.7 (4.5 in the first edition): weight decay, from scratch and concisely, on high-dimensional
linear regression (20 training examples, 200 inputs)."""
import torchless as torch
from torch import nn

import d2l_lite as d2l

n_train, n_test, num_inputs, batch_size = 20, 100, 200, 5


def make_data():
    torch.manual_seed(0)
    true_w, true_b = torch.ones((num_inputs, 1)) * 0.01, 0.05
    train_data = d2l.synthetic_data(true_w, true_b, n_train)
    train_iter = d2l.load_array(train_data, batch_size)
    test_data = d2l.synthetic_data(true_w, true_b, n_test)
    test_iter = d2l.load_array(test_data, batch_size, is_train=False)
    return train_iter, test_iter


def init_params():
    w = torch.normal(0, 1, size=(num_inputs, 1), requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    return [w, b]


def l2_penalty(w):
    return torch.sum(w.pow(2)) / 2


def train(lambd, num_epochs=100, lr=0.003):
    train_iter, test_iter = make_data()
    w, b = init_params()
    net, loss = lambda X: d2l.linreg(X, w, b), d2l.squared_loss
    for epoch in range(num_epochs):
        for X, y in train_iter:
            # The L2 norm penalty term has been added, and broadcasting
            # makes l2_penalty(w) a vector whose length is batch_size
            l = loss(net(X), y) + lambd * l2_penalty(w)
            l.sum().backward()
            d2l.sgd([w, b], lr, batch_size)
    train_loss = d2l.evaluate_loss(net, train_iter, loss)
    test_loss = d2l.evaluate_loss(net, test_iter, loss)
    print('L2 norm of w:', torch.norm(w).item())
    return torch.norm(w).item(), train_loss, test_loss


def train_concise(wd, num_epochs=100, lr=0.003):
    train_iter, test_iter = make_data()
    net = nn.Sequential(nn.Linear(num_inputs, 1))
    for param in net.parameters():
        param.data.normal_()
    loss = nn.MSELoss(reduction='none')
    # The bias parameter has not decayed
    trainer = torch.optim.SGD([
        {"params": net[0].weight, 'weight_decay': wd},
        {"params": net[0].bias}], lr=lr)
    for epoch in range(num_epochs):
        for X, y in train_iter:
            trainer.zero_grad()
            l = loss(net(X), y)
            l.mean().backward()
            trainer.step()
    with torch.no_grad():
        train_loss = d2l.evaluate_loss(net, train_iter, loss)
        test_loss = d2l.evaluate_loss(net, test_iter, loss)
    print('L2 norm of w:', net[0].weight.norm().item())
    return net[0].weight.norm().item(), train_loss, test_loss


def main(num_epochs=100):
    results = {}
    for lambd in (0, 3):
        results[f"scratch_{lambd}"] = train(lambd, num_epochs)
    for wd in (0, 3):
        results[f"concise_{wd}"] = train_concise(wd, num_epochs)
    return results


if __name__ == "__main__":
    print(main())
