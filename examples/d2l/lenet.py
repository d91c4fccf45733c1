"""D2L §7.6 (6.6 in the first edition): LeNet. Two sigmoid convolution layers with average pooling,
then three fully connected layers, built with the book's lazy layers (`nn.LazyConv2d`,
`nn.AvgPool2d`, `nn.LazyLinear`) and Xavier initialisation; the book's layer-by-layer shape table for
one 1x28x28 image; then training with cross-entropy (Adam: see main) on the synthetic Fashion-MNIST stand-in
of d2l_lite (1x28x28 images, 10 classes), reporting loss and train/test accuracy per epoch as the
book's `train_ch6` does."""
import torchless as torch
from torch import nn

import d2l_lite as d2l


def lenet():
    return nn.Sequential(
        nn.LazyConv2d(6, kernel_size=5, padding=2), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.LazyConv2d(16, kernel_size=5), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Flatten(),
        nn.LazyLinear(120), nn.Sigmoid(),
        nn.LazyLinear(84), nn.Sigmoid(),
        nn.LazyLinear(10))


def init_cnn(module):  # Initialize weights for CNNs
    if type(module) == nn.Linear or type(module) == nn.Conv2d:
        nn.init.xavier_uniform_(module.weight)


def train_ch6(net, train_iter, test_iter, num_epochs, lr, optimizer_name='SGD'):
    """Train a model (the book's train_ch6, printing instead of plotting)."""
    net.apply(init_cnn)
    optimizer = getattr(torch.optim, optimizer_name)(net.parameters(), lr=lr)
    loss = nn.CrossEntropyLoss()
    history = []
    for epoch in range(num_epochs):
        metric = d2l.Accumulator(3)  # Sum of training loss, sum of training accuracy, no. of examples
        net.train()
        for X, y in train_iter:
            optimizer.zero_grad()
            y_hat = net(X)
            l = loss(y_hat, y)
            l.backward()
            optimizer.step()
            with torch.no_grad():
                metric.add(l * X.shape[0], d2l.accuracy(y_hat, y), X.shape[0])
        train_l, train_acc = metric[0] / metric[2], metric[1] / metric[2]
        test_acc = d2l.evaluate_accuracy(net, test_iter)
        print(f'epoch {epoch + 1}, loss {train_l:.3f}, train acc {train_acc:.3f}, test acc {test_acc:.3f}')
        history.append((train_l, train_acc, test_acc))
    return history


def main(num_epochs=10, lr=0.003, batch_size=64, num_train=2000, num_test=500, optimizer='Adam'):
    # The book trains with SGD at lr 0.9 for 2,340 steps; with the 320 steps here a sigmoid LeNet
    # stays on its initial plateau under SGD (PyTorch's too), so Adam does the training.
    torch.manual_seed(0)
    net = lenet()
    shapes = d2l.layer_summary(net, (1, 1, 28, 28))
    train_iter, test_iter = d2l.load_data_fashion_mnist(batch_size, num_train, num_test)
    history = train_ch6(net, train_iter, test_iter, num_epochs, lr, optimizer)
    return {"shapes": shapes, "history": history, "net": repr(net)}


if __name__ == "__main__":
    main()
