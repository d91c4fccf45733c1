"""D2L §6.6 (5.5 in the first edition): file I/O: saving and loading tensors and model parameters.

The files are PyTorch's own checkpoint format (zip archives): real PyTorch loads what torchless saves,
and torchless loads what PyTorch saves, without running code from the file."""
import os
import tempfile
import zipfile

import torchless as torch
from torch import nn
from torch.nn import functional as F


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(20, 256)
        self.output = nn.Linear(256, 10)

    def forward(self, x):
        return self.output(F.relu(self.hidden(x)))


def main(directory=None):
    torch.manual_seed(0)
    directory = directory or tempfile.mkdtemp()
    out = {}

    x = torch.arange(4)
    torch.save(x, os.path.join(directory, 'x-file'))
    x2 = torch.load(os.path.join(directory, 'x-file'))
    print(x2)
    out["x2"] = (x2.tolist(), str(x2.dtype))

    y = torch.zeros(4)
    torch.save([x, y], os.path.join(directory, 'x-files'))
    x2, y2 = torch.load(os.path.join(directory, 'x-files'))
    print((x2, y2))
    out["list"] = (x2.tolist(), y2.tolist(), str(y2.dtype))

    mydict = {'x': x, 'y': y}
    torch.save(mydict, os.path.join(directory, 'mydict'))
    mydict2 = torch.load(os.path.join(directory, 'mydict'))
    print(mydict2)
    out["dict"] = repr(mydict2)

    net = MLP()
    X = torch.randn(size=(2, 20))
    Y = net(X)
    torch.save(net.state_dict(), os.path.join(directory, 'mlp.params'))

    clone = MLP()
    result = clone.load_state_dict(torch.load(os.path.join(directory, 'mlp.params')))
    print(result)
    print(clone.eval())
    Y_clone = clone(X)
    print(Y_clone == Y)
    out["load_result"] = repr(result)
    out["clone_repr"] = repr(clone)
    out["identical"] = bool((Y_clone == Y).all())
    out["keys"] = list(torch.load(os.path.join(directory, 'mlp.params')).keys())
    out["archive"] = zipfile.ZipFile(os.path.join(directory, 'mlp.params')).namelist()  # as PyTorch names them
    out["training"] = (net.training, clone.training)
    return out


if __name__ == "__main__":
    main()
