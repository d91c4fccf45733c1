"""D2L §5.1 (4.1 in the first edition) activation functions: ReLU, sigmoid and tanh and their
derivatives by autograd, over the book's grid x = -8, -7.9, ..., 7.9 (the book plots them; here they
are printed)."""
import torchless as torch


def main():
    x = torch.arange(-8.0, 8.0, 0.1, requires_grad=True)
    y = torch.relu(x)
    print(y)
    y.backward(torch.ones_like(x), retain_graph=True)
    relu_grad = x.grad.clone()
    print(x.grad)

    y = torch.sigmoid(x)
    print(y)
    # Clear out previous gradients
    x.grad.data.zero_()
    y.backward(torch.ones_like(x), retain_graph=True)
    sigmoid_grad = x.grad.clone()
    print(x.grad)

    y = torch.tanh(x)
    print(y)
    # Clear out previous gradients
    x.grad.data.zero_()
    y.backward(torch.ones_like(x), retain_graph=True)
    print(x.grad)
    return {"x": x.tolist(), "relu_grad": relu_grad.tolist(), "sigmoid_grad": sigmoid_grad.tolist(),
            "tanh": y.tolist(), "tanh_grad": x.grad.tolist()}


if __name__ == "__main__":
    main()
