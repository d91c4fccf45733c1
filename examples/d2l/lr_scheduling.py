"""D2L §12.11 (11.11 in the first edition): learning-rate scheduling. The book's ReLU/max-pool LeNet
(`nn.Conv2d`, `nn.MaxPool2d`) trained on the synthetic Fashion-MNIST stand-in with a constant
learning rate, with `lr_scheduler.MultiStepLR` (the book's `train` tells a built-in scheduler from a
custom one by `scheduler.__module__ == lr_scheduler.__name__`), and with the book's custom
`SquareRootScheduler`, `FactorScheduler` and `CosineScheduler` (with warmup) setting
`param_groups[...]['lr']` by hand; the schedules themselves are printed as the book plots them."""
import math

import torchless as torch
from torch import nn
from torch.optim import lr_scheduler

import d2l_lite as d2l


def net_fn():
    model = nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.ReLU(),
        nn.MaxPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.ReLU(),
        nn.MaxPool2d(kernel_size=2, stride=2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10))
    return model


loss = nn.CrossEntropyLoss()


def train(net, train_iter, test_iter, num_epochs, loss, trainer, device, scheduler=None):
    net.to(device)
    history = []
    for epoch in range(num_epochs):
        metric = d2l.Accumulator(3)  # train_loss, train_acc, num_examples
        for i, (X, y) in enumerate(train_iter):
            net.train()
            trainer.zero_grad()
            X, y = X.to(device), y.to(device)
            y_hat = net(X)
            l = loss(y_hat, y)
            l.backward()
            trainer.step()
            with torch.no_grad():
                metric.add(l * X.shape[0], d2l.accuracy(y_hat, y), X.shape[0])
        train_loss = metric[0] / metric[2]
        train_acc = metric[1] / metric[2]
        test_acc = d2l.evaluate_accuracy(net, test_iter)
        history.append((train_loss, train_acc, test_acc, trainer.param_groups[0]["lr"]))
        if scheduler:
            if scheduler.__module__ == lr_scheduler.__name__:
                # Using PyTorch In-Built scheduler
                scheduler.step()
            else:
                # Using custom defined scheduler
                for param_group in trainer.param_groups:
                    param_group['lr'] = scheduler(epoch)
    print(f'train loss {train_loss:.3f}, train acc {train_acc:.3f}, '
          f'test acc {test_acc:.3f}')
    return history


class SquareRootScheduler:
    def __init__(self, lr=0.1):
        self.lr = lr

    def __call__(self, num_update):
        return self.lr * pow(num_update + 1.0, -0.5)


class FactorScheduler:
    def __init__(self, factor=1, stop_factor_lr=1e-7, base_lr=0.1):
        self.factor = factor
        self.stop_factor_lr = stop_factor_lr
        self.base_lr = base_lr

    def __call__(self, num_update):
        self.base_lr = max(self.stop_factor_lr, self.base_lr * self.factor)
        return self.base_lr


class CosineScheduler:
    def __init__(self, max_update, base_lr=0.01, final_lr=0,
                 warmup_steps=0, warmup_begin_lr=0):
        self.base_lr_orig = base_lr
        self.max_update = max_update
        self.final_lr = final_lr
        self.warmup_steps = warmup_steps
        self.warmup_begin_lr = warmup_begin_lr
        self.max_steps = self.max_update - self.warmup_steps

    def get_warmup_lr(self, epoch):
        increase = (self.base_lr_orig - self.warmup_begin_lr) \
                       * float(epoch) / float(self.warmup_steps)
        return self.warmup_begin_lr + increase

    def __call__(self, epoch):
        if epoch < self.warmup_steps:
            return self.get_warmup_lr(epoch)
        if epoch <= self.max_update:
            self.base_lr = self.final_lr + (
                self.base_lr_orig - self.final_lr) * (1 + math.cos(
                math.pi * (epoch - self.warmup_steps) / self.max_steps)) / 2
        return self.base_lr


def get_lr(trainer, scheduler):
    lr = scheduler.get_last_lr()[0]
    trainer.step()
    scheduler.step()
    return lr


def main(num_epochs=4, batch_size=32, num_train=2000, num_test=500, lr=0.1):
    # The book trains at lr 0.3 for 30 epochs of 235 batches; on 2,000 images at batch 32 lr 0.3 too
    # often leaves this ReLU LeNet dead (in PyTorch too), so the training runs start from `lr`.
    torch.manual_seed(0)
    device = torch.device('cpu')
    out = {}
    train_iter, test_iter = d2l.load_data_fashion_mnist(batch_size, num_train, num_test)

    base_lr = lr
    net = net_fn()
    trainer = torch.optim.SGD(net.parameters(), lr=base_lr)
    out["constant"] = train(net, train_iter, test_iter, num_epochs, loss, trainer, device)
    lr = 0.1
    trainer.param_groups[0]["lr"] = lr
    print(f'learning rate is now {trainer.param_groups[0]["lr"]:.2f}')

    # The schedules, as the book plots them over 30 epochs
    scheduler = SquareRootScheduler(lr=0.1)
    out["square_root"] = [scheduler(t) for t in range(30)]
    scheduler = FactorScheduler(factor=0.9, stop_factor_lr=1e-2, base_lr=2.0)
    out["factor"] = [scheduler(t) for t in range(50)]
    net = net_fn()
    trainer = torch.optim.SGD(net.parameters(), lr=0.5)
    scheduler = lr_scheduler.MultiStepLR(trainer, milestones=[15, 30], gamma=0.5)
    out["multistep"] = [get_lr(trainer, scheduler) for t in range(30)]
    scheduler = CosineScheduler(max_update=20, base_lr=0.3, final_lr=0.01)
    out["cosine"] = [scheduler(t) for t in range(30)]
    scheduler = CosineScheduler(20, warmup_steps=5, base_lr=0.3, final_lr=0.01)
    out["cosine_warmup"] = [scheduler(t) for t in range(30)]
    for name in ("square_root", "factor", "multistep", "cosine", "cosine_warmup"):
        print(name, ' '.join(f'{v:.4f}' for v in out[name][:12]))

    # Training with a built-in scheduler and with a custom one
    net = net_fn()
    trainer = torch.optim.SGD(net.parameters(), lr=base_lr)
    scheduler = lr_scheduler.MultiStepLR(trainer, milestones=[2, 3], gamma=0.5)
    out["trained_multistep"] = train(net, train_iter, test_iter, num_epochs, loss, trainer, device,
                                     scheduler)
    net = net_fn()
    trainer = torch.optim.SGD(net.parameters(), lr=base_lr)
    scheduler = CosineScheduler(num_epochs, warmup_steps=1, base_lr=base_lr, final_lr=0.01)
    out["trained_cosine"] = train(net, train_iter, test_iter, num_epochs, loss, trainer, device,
                                  scheduler)
    return out


if __name__ == "__main__":
    main()
