"""D2L §3.3: concise implementation of linear regression (nn.Linear, MSELoss, optim.SGD)."""
import torchless as torch
from torch import nn
from torch.utils import data

import d2l_lite as d2l


def load_array(data_arrays, batch_size, is_train=True):
    """Construct a PyTorch data iterator."""
    dataset = data.TensorDataset(*data_arrays)
    return data.DataLoader(dataset, batch_size, shuffle=is_train)


def main(num_epochs=3):
    torch.manual_seed(0)
    true_w = torch.tensor([2, -3.4])
    true_b = 4.2
    features, labels = d2l.synthetic_data(true_w, true_b, 1000)

    batch_size = 10
    data_iter = load_array((features, labels), batch_size)
    first_X, first_y = next(iter(data_iter))
    print(first_X.shape, first_y.shape)

    net = nn.Sequential(nn.Linear(2, 1))
    net[0].weight.data.normal_(0, 0.01)
    net[0].bias.data.fill_(0)
    loss = nn.MSELoss()
    trainer = torch.optim.SGD(net.parameters(), lr=0.03)

    for epoch in range(num_epochs):
        for X, y in data_iter:
            l = loss(net(X), y)
            trainer.zero_grad()
            l.backward()
            trainer.step()
        l = loss(net(features), labels)
        print(f'epoch {epoch + 1}, loss {l:f}')

    w = net[0].weight.data
    print('error in estimating w:', true_w - w.reshape(true_w.shape))
    b = net[0].bias.data
    print('error in estimating b:', true_b - b)
    return {"loss": float(l.detach()), "w": w.reshape(-1).tolist(), "b": float(b[0]), "net": repr(net),
            "batch_shapes": (tuple(first_X.shape), tuple(first_y.shape)), "num_batches": len(data_iter)}


if __name__ == "__main__":
    main()
