"""D2L §5.2 (4.2 in the first edition): a multilayer perceptron from scratch: parameters as
nn.Parameter, ReLU written with torch.max, the model with `@`, trained with torch.optim.SGD."""
import torchless as torch
from torch import nn

import d2l_lite as d2l


def main(num_epochs=3, batch_size=64, lr=0.3):
    torch.manual_seed(0)
    train_iter, test_iter = d2l.load_data_fashion_mnist(batch_size)
    num_inputs, num_outputs, num_hiddens = 784, 10, 256

    W1 = nn.Parameter(torch.randn(
        num_inputs, num_hiddens, requires_grad=True) * 0.01)
    b1 = nn.Parameter(torch.zeros(num_hiddens, requires_grad=True))
    W2 = nn.Parameter(torch.randn(
        num_hiddens, num_outputs, requires_grad=True) * 0.01)
    b2 = nn.Parameter(torch.zeros(num_outputs, requires_grad=True))

    params = [W1, b1, W2, b2]

    def relu(X):
        a = torch.zeros_like(X)
        return torch.max(X, a)

    def net(X):
        X = X.reshape((-1, num_inputs))
        H = relu(X @ W1 + b1)  # Here '@' stands for matrix multiplication
        return (H @ W2 + b2)

    relu_check = relu(torch.tensor([-2.0, 0.0, 3.0])).tolist()
    loss = nn.CrossEntropyLoss(reduction='none')
    updater = torch.optim.SGD(params, lr=lr)
    train_loss, train_acc, test_acc = d2l.train_ch3(net, train_iter, test_iter, loss, num_epochs, updater)
    d2l.predict_ch3(net, test_iter)
    return {"train_loss": train_loss, "train_acc": train_acc, "test_acc": test_acc, "relu": relu_check,
            "shapes": [tuple(p.shape) for p in params], "all_parameters": all(isinstance(p, nn.Parameter) for p in params),
            "type_names": [type(p).__name__ for p in params]}


if __name__ == "__main__":
    main()
