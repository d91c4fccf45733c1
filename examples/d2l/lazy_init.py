"""D2L §6.4 (5.2's deferred initialization in the first edition): nn.LazyLinear layers learn their
input size from the first batch; until then the weight is an uninitialized parameter."""
import torchless as torch
from torch import nn


def main():
    net = nn.Sequential(nn.LazyLinear(256), nn.ReLU(), nn.LazyLinear(10))
    print(net)
    print(net[0].weight)
    X = torch.rand(2, 20)
    out = net(X)
    print(net)
    print(net[0].weight.shape)
    print([(name, param.shape) for name, param in net.named_parameters()])
    return {"out_shape": tuple(out.shape), "shapes": [tuple(p.shape) for p in net.parameters()],
            "repr": repr(net)}


if __name__ == "__main__":
    main()
