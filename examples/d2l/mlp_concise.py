"""D2L §5.2 (4.3 in the first edition): concise multilayer perceptron."""
import torchless as torch
from torch import nn

import d2l_lite as d2l


def main(num_epochs=3, batch_size=64, lr=0.3):
    torch.manual_seed(0)
    net = nn.Sequential(nn.Flatten(),
                        nn.Linear(784, 256),
                        nn.ReLU(),
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
    num_params = sum(p.numel() for p in net.parameters())
    return {"train_loss": train_loss, "train_acc": train_acc, "test_acc": test_acc, "net": repr(net),
            "num_params": num_params, "shapes": [tuple(p.shape) for p in net.parameters()]}


if __name__ == "__main__":
    main()
