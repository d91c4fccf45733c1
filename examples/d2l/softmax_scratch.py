"""D2L §4.4 (3.6 in the first edition): softmax regression from scratch: the softmax, the model,
cross-entropy by picking each row's label probability (`y_hat[range(len(y_hat)), y]`), accuracy, and
training with the hand-written minibatch SGD updater."""
import torchless as torch

import d2l_lite as d2l


def softmax(X):
    X_exp = torch.exp(X)
    partition = X_exp.sum(1, keepdim=True)
    return X_exp / partition  # The broadcasting mechanism is applied here


def cross_entropy(y_hat, y):
    return - torch.log(y_hat[range(len(y_hat)), y])


def main(num_epochs=3, batch_size=32, lr=0.1):
    torch.manual_seed(0)
    train_iter, test_iter = d2l.load_data_fashion_mnist(batch_size)

    num_inputs = 784
    num_outputs = 10
    W = torch.normal(0, 0.01, size=(num_inputs, num_outputs), requires_grad=True)
    b = torch.zeros(num_outputs, requires_grad=True)

    X = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    print(X.sum(0, keepdim=True), X.sum(1, keepdim=True))
    X = torch.normal(0, 1, (2, 5))
    X_prob = softmax(X)
    print(X_prob, X_prob.sum(1))
    prob_row_sums = X_prob.sum(1).tolist()

    def net(X):
        return softmax(torch.matmul(X.reshape((-1, W.shape[0])), W) + b)

    y = torch.tensor([0, 2])
    y_hat = torch.tensor([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]])
    print(y_hat[[0, 1], y])
    print(cross_entropy(y_hat, y))
    toy_accuracy = d2l.accuracy(y_hat, y) / len(y)
    print(toy_accuracy)
    initial_acc = d2l.evaluate_accuracy(net, test_iter)
    print(initial_acc)  # about chance (0.1) before training

    def updater(batch_size):
        return d2l.sgd([W, b], lr, batch_size)

    train_loss, train_acc, test_acc = d2l.train_ch3(net, train_iter, test_iter, cross_entropy, num_epochs,
                                                    updater)
    trues, preds = d2l.predict_ch3(net, test_iter)
    return {"prob_row_sums": prob_row_sums, "picked": y_hat[[0, 1], y].tolist(),
            "toy_cross_entropy": cross_entropy(y_hat, y).tolist(), "toy_accuracy": toy_accuracy,
            "initial_acc": initial_acc, "train_loss": train_loss, "train_acc": train_acc, "test_acc": test_acc,
            "predicted_right": sum(t == p for t, p in zip(trues, preds))}


if __name__ == "__main__":
    main()
