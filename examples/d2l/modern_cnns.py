"""D2L chapter 8 (7 in the first edition), modern convolutional networks: the book's blocks and their
layer-by-layer shape tables. VGG blocks (§8.2), NiN blocks (§8.3) and the residual network (§8.6:
`Residual` with an optional 1x1 convolution, ResNet-18 built from `nn.LazyConv2d`,
`nn.LazyBatchNorm2d`, `nn.MaxPool2d`, `nn.AdaptiveAvgPool2d`), each printing the output shape of
every stage for one 1x1x224x224 (VGG, NiN) or 1x1x96x96 (ResNet) image as the book's `layer_summary`
does; then a small ResNet trains a few steps on the synthetic Fashion-MNIST stand-in, in train and
eval mode."""
import torchless as torch
from torch import nn
from torch.nn import functional as F

import d2l_lite as d2l


# ---------------------------------------------------------------------------------- §8.2 VGG
def vgg_block(num_convs, out_channels):
    layers = []
    for _ in range(num_convs):
        layers.append(nn.LazyConv2d(out_channels, kernel_size=3, padding=1))
        layers.append(nn.ReLU())
    layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
    return nn.Sequential(*layers)


def vgg(arch, num_classes=10):
    conv_blks = []
    for (num_convs, out_channels) in arch:
        conv_blks.append(vgg_block(num_convs, out_channels))
    return nn.Sequential(
        *conv_blks, nn.Flatten(),
        nn.LazyLinear(4096), nn.ReLU(), nn.Dropout(0.5),
        nn.LazyLinear(4096), nn.ReLU(), nn.Dropout(0.5),
        nn.LazyLinear(num_classes))


# ---------------------------------------------------------------------------------- §8.3 NiN
def nin_block(out_channels, kernel_size, strides, padding):
    return nn.Sequential(
        nn.LazyConv2d(out_channels, kernel_size, strides, padding), nn.ReLU(),
        nn.LazyConv2d(out_channels, kernel_size=1), nn.ReLU(),
        nn.LazyConv2d(out_channels, kernel_size=1), nn.ReLU())


def nin(num_classes=10):
    return nn.Sequential(
        nin_block(96, kernel_size=11, strides=4, padding=0),
        nn.MaxPool2d(3, stride=2),
        nin_block(256, kernel_size=5, strides=1, padding=2),
        nn.MaxPool2d(3, stride=2),
        nin_block(384, kernel_size=3, strides=1, padding=1),
        nn.MaxPool2d(3, stride=2),
        nn.Dropout(0.5),
        nin_block(num_classes, kernel_size=3, strides=1, padding=1),
        nn.AdaptiveAvgPool2d((1, 1)),
        nn.Flatten())


# ---------------------------------------------------------------------------------- §8.6 ResNet
class Residual(nn.Module):  #@save
    """The Residual block of ResNet models."""
    def __init__(self, num_channels, use_1x1conv=False, strides=1):
        super().__init__()
        self.conv1 = nn.LazyConv2d(num_channels, kernel_size=3, padding=1,
                                   stride=strides)
        self.conv2 = nn.LazyConv2d(num_channels, kernel_size=3, padding=1)
        if use_1x1conv:
            self.conv3 = nn.LazyConv2d(num_channels, kernel_size=1,
                                       stride=strides)
        else:
            self.conv3 = None
        self.bn1 = nn.LazyBatchNorm2d()
        self.bn2 = nn.LazyBatchNorm2d()

    def forward(self, X):
        Y = F.relu(self.bn1(self.conv1(X)))
        Y = self.bn2(self.conv2(Y))
        if self.conv3:
            X = self.conv3(X)
        Y += X
        return F.relu(Y)


class ResNet(nn.Module):
    def b1(self):
        return nn.Sequential(
            nn.LazyConv2d(64, kernel_size=7, stride=2, padding=3),
            nn.LazyBatchNorm2d(), nn.ReLU(),
            nn.MaxPool2d(kernel_size=3, stride=2, padding=1))

    def block(self, num_residuals, num_channels, first_block=False):
        blk = []
        for i in range(num_residuals):
            if i == 0 and not first_block:
                blk.append(Residual(num_channels, use_1x1conv=True, strides=2))
            else:
                blk.append(Residual(num_channels))
        return nn.Sequential(*blk)

    def __init__(self, arch, num_classes=10):
        super(ResNet, self).__init__()
        self.net = nn.Sequential(self.b1())
        for i, b in enumerate(arch):
            self.net.add_module(f'b{i+2}', self.block(*b, first_block=(i==0)))
        self.net.add_module('last', nn.Sequential(
            nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(),
            nn.LazyLinear(num_classes)))

    def forward(self, X):
        return self.net(X)


class ResNet18(ResNet):
    def __init__(self, num_classes=10):
        super().__init__(((2, 64), (2, 128), (2, 256), (2, 512)), num_classes)


def main(train_steps=8, batch_size=32):
    torch.manual_seed(0)
    out = {}
    # §8.6: a residual block keeps the shape; with a 1x1 convolution and stride 2 it halves it
    blk = Residual(3)
    X = torch.randn(4, 3, 6, 6)
    print(blk(X).shape)
    out["residual"] = tuple(blk(X).shape)
    blk = Residual(6, use_1x1conv=True, strides=2)
    print(blk(X).shape)
    out["residual_1x1"] = tuple(blk(X).shape)

    print("VGG-11 (§8.2)")
    out["vgg"] = d2l.layer_summary(vgg(((1, 64), (1, 128), (2, 256), (2, 512), (2, 512))), (1, 1, 224, 224))
    print("NiN (§8.3)")
    out["nin"] = d2l.layer_summary(nin(), (1, 1, 224, 224))
    print("ResNet-18 (§8.6)")
    resnet = ResNet18()
    out["resnet"] = d2l.layer_summary(resnet.net, (1, 1, 96, 96))
    out["resnet_params"] = sum(p.numel() for p in resnet.parameters())
    out["resnet_state_keys"] = list(resnet.state_dict().keys())[:12]

    # A small ResNet (b1, then one residual block of 64 and one of 96 channels) trains on 1x28x28 images
    net = ResNet(((1, 64), (1, 96)))
    train_iter, _ = d2l.load_data_fashion_mnist(batch_size, num_train=batch_size * train_steps, num_test=10)
    net(next(iter(train_iter))[0])  # materialise the lazy layers before building the optimizer
    optimizer = torch.optim.Adam(net.parameters(), lr=0.01)
    losses = []
    net.train()
    for X, y in train_iter:
        loss = F.cross_entropy(net(X), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(float(loss))
    print('small ResNet losses:', ' '.join(f'{l:.3f}' for l in losses))
    out["losses"] = losses
    bn = net.net[0][1]
    out["num_batches_tracked"] = int(bn.num_batches_tracked)
    net.eval()
    with torch.no_grad():
        X, y = next(iter(train_iter))
        out["eval_shape"] = tuple(net(X).shape)
    return out


if __name__ == "__main__":
    main()
