"""D2L §4.5 (3.7 in the first edition): concise softmax regression on (synthetic) Fashion-MNIST."""
import torchless as torch
from torch import nn

import d2l_lite as d2l


def main(num_epochs=3, batch_size=64):
    torch.manual_seed(0)
    train_iter, test_iter = d2l.load_data_fashion_mnist(batch_size)

    # PyTorch does not implicitly reshape the inputs. Thus we define the flatten
    # layer to reshape the inputs before the linear layer in our network
    net = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))

    def init_weights(m):
        if type(m) == nn.Linear:
            nn.init.normal_(m.weight, std=0.01)

    net.apply(init_weights)
    loss = nn.CrossEntropyLoss(reduction='none')
    trainer = torch.optim.SGD(net.parameters(), lr=0.1)
    train_loss, train_acc, test_acc = d2l.train_ch3(net, train_iter, test_iter, loss, num_epochs, trainer)
    print(net)
    return {"train_loss": train_loss, "train_acc": train_acc, "test_acc": test_acc, "net": repr(net)}


if __name__ == "__main__":
    main()
