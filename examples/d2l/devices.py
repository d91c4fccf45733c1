"""D2L §6.7 (5.6 in the first edition): GPUs. On a machine without one (and torchless is CPU-only)
every helper falls back to the CPU, and the same program runs."""
import torchless as torch
from torch import nn


def try_gpu(i=0):
    """Return gpu(i) if exists, otherwise return cpu()."""
    if torch.cuda.device_count() >= i + 1:
        return torch.device(f'cuda:{i}')
    return torch.device('cpu')


def try_all_gpus():
    """Return all available GPUs, or [cpu(),] if no GPU exists."""
    devices = [torch.device(f'cuda:{i}')
               for i in range(torch.cuda.device_count())]
    return devices if devices else [torch.device('cpu')]


def device_names():
    """The section's first cell: naming devices needs no hardware, so 'cuda' can be named anywhere."""
    print(torch.device('cpu'), torch.device('cuda'), torch.device('cuda:1'))
    return str(torch.device('cpu')), str(torch.device('cuda')), str(torch.device('cuda:1'))


def main():
    print(torch.cuda.device_count())
    print(try_gpu(), try_gpu(10), try_all_gpus())

    x = torch.tensor([1, 2, 3])
    print(x.device)
    X = torch.ones(2, 3, device=try_gpu())
    print(X)
    Y = torch.rand(2, 3, device=try_gpu())
    Z = X.to(try_gpu())
    print(Z)

    net = nn.Sequential(nn.Linear(3, 1))
    net = net.to(device=try_gpu())
    out = net(X)
    print(out.shape)
    print(net[0].weight.data.device)
    return {"count": torch.cuda.device_count(), "available": torch.cuda.is_available(),
            "try_gpu": (repr(try_gpu()), repr(try_gpu(10)), repr(try_all_gpus())),
            "x_device": str(x.device), "Z_is_X": Z is X, "sum": float(X.sum()), "Y_shape": tuple(Y.shape),
            "out_shape": tuple(out.shape), "weight_device": str(net[0].weight.data.device)}


if __name__ == "__main__":
    main()
