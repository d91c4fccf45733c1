"""D2L §6.5 (5.4 in the first edition): custom layers with and without parameters."""
import torchless as torch
from torch import nn
from torch.nn import functional as F


class CenteredLayer(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, X):
        return X - X.mean()


class MyLinear(nn.Module):
    def __init__(self, in_units, units):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(in_units, units))
        self.bias = nn.Parameter(torch.randn(units,))

    def forward(self, X):
        linear = torch.matmul(X, self.weight.data) + self.bias.data
        return F.relu(linear)


def main():
    torch.manual_seed(0)
    layer = CenteredLayer()
    centered = layer(torch.FloatTensor([1, 2, 3, 4, 5]))
    print(centered)

    net = nn.Sequential(nn.Linear(8, 128), CenteredLayer())
    Y = net(torch.rand(4, 8))
    print(Y.mean())

    linear = MyLinear(5, 3)
    print(linear.weight)
    out_linear = linear(torch.rand(2, 5))
    print(out_linear)

    net2 = nn.Sequential(MyLinear(64, 8), MyLinear(8, 1))
    out_net2 = net2(torch.rand(2, 64))
    print(out_net2)
    print(net2)
    return {"centered": centered.tolist(), "mean": abs(float(Y.mean().detach())),
            "weight_repr_head": repr(linear.weight).splitlines()[0],
            "weight_requires_grad": linear.weight.requires_grad,
            "linear_shape": tuple(out_linear.shape), "linear_nonneg": bool((out_linear >= 0).all()),
            "net2_shape": tuple(out_net2.shape), "net2": repr(net2), "layer": repr(layer),
            "param_names": [name for name, _ in net2.named_parameters()]}


if __name__ == "__main__":
    main()
