"""D2L §6.2 (5.2 in the first edition): parameter management: access, initialization, tied
parameters."""
import torchless as torch
from torch import nn


def block1():
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(),
                         nn.Linear(8, 4), nn.ReLU())


def block2():
    net = nn.Sequential()
    for i in range(4):
        # Nested here
        net.add_module(f'block {i}', block1())
    return net


def main():
    torch.manual_seed(0)
    out = {}
    net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
    X = torch.rand(size=(2, 4))
    print(net(X))

    # Parameter access
    print(net[2].state_dict())
    out["state_dict_2"] = repr(net[2].state_dict())
    print(type(net[2].bias))
    print(net[2].bias)
    print(net[2].bias.data)
    out["bias_repr"] = repr(net[2].bias)
    out["bias_is_parameter"] = isinstance(net[2].bias, nn.Parameter)
    out["weight_grad_is_none"] = net[2].weight.grad is None
    print(*[(name, param.shape) for name, param in net[0].named_parameters()])
    print(*[(name, param.shape) for name, param in net.named_parameters()])
    out["named_shapes"] = [(name, tuple(param.shape)) for name, param in net.named_parameters()]
    out["state_dict_bias_equal"] = bool((net.state_dict()['2.bias'].data == net[2].bias.data).all())

    rgnet = nn.Sequential(block2(), nn.Linear(4, 1))
    print(rgnet(X))
    print(rgnet)
    out["rgnet"] = repr(rgnet)
    out["rgnet_bias"] = rgnet[0][1][0].bias.data.tolist()
    out["rgnet_keys"] = list(rgnet.state_dict().keys())

    # Built-in initialization
    def init_normal(m):
        if type(m) == nn.Linear:
            nn.init.normal_(m.weight, mean=0, std=0.01)
            nn.init.zeros_(m.bias)

    net.apply(init_normal)
    print(net[0].weight.data[0], net[0].bias.data[0])
    out["normal_std"] = float(net[0].weight.data.std())
    out["normal_bias"] = float(net[0].bias.data[0])

    def init_constant(m):
        if type(m) == nn.Linear:
            nn.init.constant_(m.weight, 1)
            nn.init.zeros_(m.bias)

    net.apply(init_constant)
    print(net[0].weight.data[0], net[0].bias.data[0])
    out["constant_row"] = net[0].weight.data[0].tolist()

    def init_xavier(m):
        if type(m) == nn.Linear:
            nn.init.xavier_uniform_(m.weight)

    def init_42(m):
        if type(m) == nn.Linear:
            nn.init.constant_(m.weight, 42)

    net[0].apply(init_xavier)
    net[2].apply(init_42)
    print(net[0].weight.data[0])
    print(net[2].weight.data)
    out["xavier_max"] = float(net[0].weight.data.abs().max())  # bound sqrt(6 / (4 + 8)) ~ 0.707
    out["w42"] = net[2].weight.data.tolist()

    # Custom initialization
    def my_init(m):
        if type(m) == nn.Linear:
            print("Init", *[(name, param.shape)
                            for name, param in m.named_parameters()][0])
            nn.init.uniform_(m.weight, -10, 10)
            m.weight.data *= m.weight.data.abs() >= 5

    net.apply(my_init)
    print(net[0].weight[:2])
    w = net[0].weight.data
    out["my_init_ok"] = bool(((w == 0) | (w.abs() >= 5)).all()) and bool((w.abs() <= 10).all())

    net[0].weight.data[:] += 1
    net[0].weight.data[0, 0] = 42
    print(net[0].weight.data[0])
    out["w00"] = float(net[0].weight.data[0, 0])

    # Tied parameters: we need to give the shared layer a name so that we can refer to its
    # parameters
    shared = nn.Linear(8, 8)
    net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(),
                        shared, nn.ReLU(),
                        shared, nn.ReLU(),
                        nn.Linear(8, 1))
    net(X)
    # Check whether the parameters are the same
    print(net[2].weight.data[0] == net[4].weight.data[0])
    net[2].weight.data[0, 0] = 100
    # Make sure that they are actually the same object rather than just having the same value
    print(net[2].weight.data[0] == net[4].weight.data[0])
    out["tied_same"] = bool((net[2].weight.data[0] == net[4].weight.data[0]).all())
    out["tied_identity"] = net[2].weight is net[4].weight
    out["tied_num_params"] = len(list(net.parameters()))  # shared parameters counted once
    out["tied_keys"] = list(net.state_dict().keys())
    net(X).sum().backward()
    out["tied_grad_shape"] = tuple(net[2].weight.grad.shape)
    return out


if __name__ == "__main__":
    main()
