"""D2L chapter 12 (11 in the first edition), optimization algorithms: gradient descent, momentum,
Adagrad, RMSProp, Adadelta, Adam on the book's ill-conditioned quadratic f(x) = 0.1 x1^2 + 2 x2^2,
each written from scratch as in the book and compared with torch.optim; then learning-rate
schedulers (§12.11) and a small model trained with one."""
import math

import torchless as torch
from torch import nn
from torch.optim import lr_scheduler


def f_2d(x1, x2):  # Objective function
    return 0.1 * x1 ** 2 + 2 * x2 ** 2


def momentum_2d(x1, x2, v1, v2, eta=0.6, beta=0.5):
    v1 = beta * v1 + 0.2 * x1
    v2 = beta * v2 + 4 * x2
    return x1 - eta * v1, x2 - eta * v2, v1, v2


def adam_2d(x1, x2, state, t, eta=0.1, beta1=0.9, beta2=0.999, eps=1e-8):
    """Adam from scratch (§12.10) for the 2-d objective; state = [(v, s)] per coordinate."""
    out = []
    for i, (x, g) in enumerate(((x1, 0.2 * x1), (x2, 4 * x2))):
        v, s = state[i]
        v = beta1 * v + (1 - beta1) * g
        s = beta2 * s + (1 - beta2) * g ** 2
        v_hat, s_hat = v / (1 - beta1 ** t), s / (1 - beta2 ** t)
        state[i] = (v, s)
        out.append(x - eta * v_hat / (math.sqrt(s_hat) + eps))
    return out


def run_optimizer(make_optimizer, steps=20, start=(-5.0, -2.0)):
    """Minimize f_2d with a torch.optim optimizer; returns the trajectory as lists."""
    x = torch.tensor(list(start), requires_grad=True)
    optimizer = make_optimizer([x])
    trajectory = [x.tolist()]
    for _ in range(steps):
        optimizer.zero_grad()
        loss = f_2d(x[0], x[1])
        loss.backward()
        optimizer.step()
        trajectory.append(x.tolist())
    return trajectory


def scheduler_lrs(make_scheduler, num_epochs=10, lr=0.5):
    """The learning rate of each epoch under a scheduler (get_last_lr after each step)."""
    net = nn.Linear(2, 1)
    trainer = torch.optim.SGD(net.parameters(), lr=lr)
    scheduler = make_scheduler(trainer)
    lrs = [trainer.param_groups[0]["lr"]]
    for _ in range(num_epochs):
        trainer.step()
        scheduler.step()
        lrs.append(scheduler.get_last_lr()[0])
    return lrs


def train_with_scheduler(num_epochs=10):
    """Linear regression trained with SGD + momentum under MultiStepLR (the §12.11 recipe)."""
    torch.manual_seed(0)
    true_w = torch.tensor([[2.0], [-3.4]])
    X = torch.normal(0, 1, (200, 2))
    y = X @ true_w + 4.2 + torch.normal(0, 0.01, (200, 1))
    net = nn.Linear(2, 1)
    loss = nn.MSELoss()
    trainer = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
    scheduler = lr_scheduler.MultiStepLR(trainer, milestones=[5, 8], gamma=0.5)
    for epoch in range(num_epochs):
        for i in range(0, 200, 20):
            trainer.zero_grad()
            l = loss(net(X[i:i + 20]), y[i:i + 20])
            l.backward()
            trainer.step()
        scheduler.step()
        with torch.no_grad():
            print(f'epoch {epoch + 1}, loss {loss(net(X), y).item():f}, lr {scheduler.get_last_lr()[0]}')
    with torch.no_grad():
        return loss(net(X), y).item(), net.weight.reshape(-1).tolist(), net.bias.item()


def main(steps=20):
    out = {}
    out["sgd"] = run_optimizer(lambda p: torch.optim.SGD(p, lr=0.4), steps)
    out["momentum"] = run_optimizer(lambda p: torch.optim.SGD(p, lr=0.6, momentum=0.5), steps)
    out["adam"] = run_optimizer(lambda p: torch.optim.Adam(p, lr=0.1), steps)
    out["adamw"] = run_optimizer(lambda p: torch.optim.AdamW(p, lr=0.1), steps)
    out["adagrad"] = run_optimizer(lambda p: torch.optim.Adagrad(p, lr=0.4), steps)
    out["rmsprop"] = run_optimizer(lambda p: torch.optim.RMSprop(p, lr=0.1, alpha=0.9), steps)
    out["adadelta"] = run_optimizer(lambda p: torch.optim.Adadelta(p, lr=1.0, rho=0.9), steps)
    for name, trajectory in out.items():
        x1, x2 = trajectory[-1]
        print(f'{name}: epoch {steps}, x1: {x1:f}, x2: {x2:f}, f: {f_2d(x1, x2):f}')

    # The same methods from scratch, for the test to compare against
    x1, x2, v1, v2 = -5.0, -2.0, 0.0, 0.0
    for _ in range(steps):
        x1, x2, v1, v2 = momentum_2d(x1, x2, v1, v2)
    out["momentum_scratch"] = [x1, x2]
    x1, x2, state = -5.0, -2.0, [(0.0, 0.0), (0.0, 0.0)]
    for t in range(1, steps + 1):
        x1, x2 = adam_2d(x1, x2, state, t)
    out["adam_scratch"] = [x1, x2]

    out["lrs"] = {
        "StepLR": scheduler_lrs(lambda o: lr_scheduler.StepLR(o, step_size=3, gamma=0.5)),
        "MultiStepLR": scheduler_lrs(lambda o: lr_scheduler.MultiStepLR(o, milestones=[2, 5], gamma=0.1)),
        "ExponentialLR": scheduler_lrs(lambda o: lr_scheduler.ExponentialLR(o, gamma=0.9)),
        "CosineAnnealingLR": scheduler_lrs(lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=10, eta_min=0.01)),
        "LambdaLR": scheduler_lrs(lambda o: lr_scheduler.LambdaLR(o, lambda epoch: 1 / (epoch + 1))),
    }
    for name, lrs in out["lrs"].items():
        print(name, [round(lr, 4) for lr in lrs])
    out["scheduler_module"] = lr_scheduler.StepLR.__module__
    out["trained"] = train_with_scheduler()
    return out


if __name__ == "__main__":
    main()
