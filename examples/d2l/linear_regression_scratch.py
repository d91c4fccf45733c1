"""D2L §3.2: linear regression implemented from scratch."""
import random

import torchless as torch

import d2l_lite as d2l


def data_iter(batch_size, features, labels):
    num_examples = len(features)
    indices = list(range(num_examples))
    # The examples are read at random, in no particular order
    random.shuffle(indices)
    for i in range(0, num_examples, batch_size):
        batch_indices = torch.tensor(indices[i: min(i + batch_size, num_examples)])
        yield features[batch_indices], labels[batch_indices]


def main(num_epochs=3):
    torch.manual_seed(0)
    random.seed(0)
    true_w = torch.tensor([2, -3.4])
    true_b = 4.2
    features, labels = d2l.synthetic_data(true_w, true_b, 1000)
    print('features:', features[0], '\nlabel:', labels[0])

    w = torch.normal(0, 0.01, size=(2, 1), requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    lr = 0.03
    net = d2l.linreg
    loss = d2l.squared_loss
    batch_size = 10

    for epoch in range(num_epochs):
        for X, y in data_iter(batch_size, features, labels):
            l = loss(net(X, w, b), y)  # minibatch loss in X and y
            # Compute gradient on l with respect to [w, b]
            l.sum().backward()
            d2l.sgd([w, b], lr, batch_size)  # Update parameters using their gradient
        with torch.no_grad():
            train_l = loss(net(features, w, b), labels)
            print(f'epoch {epoch + 1}, loss {float(train_l.mean()):f}')

    print(f'error in estimating w: {true_w - w.reshape(true_w.shape)}')
    print(f'error in estimating b: {true_b - b}')
    return {"loss": float(train_l.mean()), "w": w.detach().reshape(-1).tolist(),
            "b": float(b.detach()), "w_grad_is_zero": bool((w.grad == 0).all())}


if __name__ == "__main__":
    main()
