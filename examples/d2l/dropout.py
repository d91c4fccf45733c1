"""D2L §5.6 (4.6 in the first edition): dropout from scratch, and nn.Dropout in a concise MLP."""
import torchless as torch
from torch import nn

import d2l_lite as d2l


def dropout_layer(X, dropout):
    assert 0 <= dropout <= 1
    # In this case, all elements are dropped out
    if dropout == 1:
        return torch.zeros_like(X)
    # In this case, all elements are kept
    if dropout == 0:
        return X
    mask = (torch.rand(X.shape) > dropout).float()
    return mask * X / (1.0 - dropout)


def main(num_epochs=3, batch_size=32, lr=0.2):
    torch.manual_seed(0)
    X = torch.arange(16, dtype=torch.float32).reshape((2, 8))
    print(X)
    print(dropout_layer(X, 0.))
    half = dropout_layer(X, 0.5)
    print(half)
    print(dropout_layer(X, 1.))

    dropout1, dropout2 = 0.2, 0.5
    net = nn.Sequential(nn.Flatten(),
                        nn.Linear(784, 256),
                        nn.ReLU(),
                        # Add a dropout layer after the first fully connected layer
                        nn.Dropout(dropout1),
                        nn.Linear(256, 256),
                        nn.ReLU(),
                        # Add a dropout layer after the second fully connected layer
                        nn.Dropout(dropout2),
                        nn.Linear(256, 10))

    def init_weights(m):
        if type(m) == nn.Linear:
            nn.init.normal_(m.weight, std=0.01)

    net.apply(init_weights)
    print(net)
    loss = nn.CrossEntropyLoss(reduction='none')
    trainer = torch.optim.SGD(net.parameters(), lr=lr)
    train_iter, test_iter = d2l.load_data_fashion_mnist(batch_size)
    train_loss, train_acc, test_acc = d2l.train_ch3(net, train_iter, test_iter, loss, num_epochs, trainer)

    # In eval mode dropout is the identity: two passes agree; in train mode they differ.
    sample = next(iter(test_iter))[0][:8]
    net.eval()
    with torch.no_grad():
        eval_same = bool((net(sample) == net(sample)).all())
    net.train()
    with torch.no_grad():
        train_same = bool((net(sample) == net(sample)).all())
    return {"train_loss": train_loss, "train_acc": train_acc, "test_acc": test_acc, "net": repr(net),
            "X": X.tolist(), "half": half.tolist(), "eval_same": eval_same, "train_same": train_same}


if __name__ == "__main__":
    main()
