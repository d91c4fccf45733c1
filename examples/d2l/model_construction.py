"""D2L §6.1 (5.1 in the first edition): layers and modules (custom MLP, MySequential, FixedHiddenMLP,
NestMLP, a chimera)."""
import torchless as torch
from torch import nn
from torch.nn import functional as F


class MLP(nn.Module):
    # Declare a layer with model parameters. Here, we declare two fully
    # connected layers
    def __init__(self):
        # Call the constructor of the `Module` parent class to perform
        # the necessary initialization
        super().__init__()
        self.hidden = nn.Linear(20, 256)  # Hidden layer
        self.out = nn.Linear(256, 10)  # Output layer

    # Define the forward propagation of the model, that is, how to return the
    # required model output based on the input `X`
    def forward(self, X):
        # Note here we use the funtional version of ReLU defined in the
        # nn.functional module.
        return self.out(F.relu(self.hidden(X)))


class MySequential(nn.Module):
    def __init__(self, *args):
        super().__init__()
        for idx, module in enumerate(args):
            # Here, `module` is an instance of a `Module` subclass. We save it
            # in the member variable `_modules` of the `Module` class, and its
            # type is OrderedDict
            self._modules[str(idx)] = module

    def forward(self, X):
        # OrderedDict guarantees that members will be traversed in the order
        # they were added
        for block in self._modules.values():
            X = block(X)
        return X


class FixedHiddenMLP(nn.Module):
    def __init__(self):
        super().__init__()
        # Random weight parameters that will not compute gradients and
        # therefore keep constant during training
        self.rand_weight = torch.rand((20, 20), requires_grad=False)
        self.linear = nn.Linear(20, 20)

    def forward(self, X):
        X = self.linear(X)
        # Use the created constant parameters, as well as the `relu` and `mm`
        # functions
        X = F.relu(torch.mm(X, self.rand_weight) + 1)
        # Reuse the fully-connected layer. This is equivalent to sharing
        # parameters with two fully-connected layers
        X = self.linear(X)
        # Control flow
        while X.abs().sum() > 1:
            X /= 2
        return X.sum()


class NestMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(20, 64), nn.ReLU(),
                                 nn.Linear(64, 32), nn.ReLU())
        self.linear = nn.Linear(32, 16)

    def forward(self, X):
        return self.linear(self.net(X))


def main():
    torch.manual_seed(0)
    X = torch.rand(2, 20)
    net = nn.Sequential(nn.Linear(20, 256), nn.ReLU(), nn.Linear(256, 10))
    out_seq = net(X)
    print(out_seq)

    mlp = MLP()
    out_mlp = mlp(X)
    print(out_mlp)

    my_seq = MySequential(nn.Linear(20, 256), nn.ReLU(), nn.Linear(256, 10))
    out_my_seq = my_seq(X)
    print(out_my_seq)

    fixed = FixedHiddenMLP()
    out_fixed = fixed(X)
    print(out_fixed)

    chimera = nn.Sequential(NestMLP(), nn.Linear(16, 20), FixedHiddenMLP())
    out_chimera = chimera(X)
    print(out_chimera)
    print(chimera)
    return {
        "shapes": {"seq": tuple(out_seq.shape), "mlp": tuple(out_mlp.shape),
                   "my_seq": tuple(out_my_seq.shape), "fixed": tuple(out_fixed.shape),
                   "chimera": tuple(out_chimera.shape)},
        "fixed_abs": abs(float(out_fixed.detach())),
        "fixed_params": [name for name, _ in fixed.named_parameters()],
        "reprs": {"net": repr(net), "mlp": repr(mlp), "my_seq": repr(my_seq), "chimera": repr(chimera)},
        "counts": {"mlp": sum(p.numel() for p in mlp.parameters()),
                   "chimera": sum(p.numel() for p in chimera.parameters())},
        "grad_fns": type(out_mlp.grad_fn).__name__,
    }


if __name__ == "__main__":
    main()
