"""D2L §5.4 (4.8 in the first edition) numerical stability: the sigmoid's gradient vanishes away from
0 (the book plots it; here it is computed), and the product of 100 random 4x4 matrices explodes."""
import torchless as torch


def main():
    # Vanishing gradients
    x = torch.arange(-8.0, 8.0, 0.1, requires_grad=True)
    y = torch.sigmoid(x)
    y.backward(torch.ones_like(x))
    print(x.grad)

    # Exploding gradients
    M = torch.normal(0, 1, size=(4, 4))
    print('a single matrix \n', M)
    single = M.abs().max().item()
    for i in range(100):
        M = torch.mm(M, torch.normal(0, 1, size=(4, 4)))
    print('after multiplying 100 matrices\n', M)
    return {"x": x.tolist(), "y": y.tolist(), "grad": x.grad.tolist(), "single_max": single,
            "product_max": M.abs().max().item()}


if __name__ == "__main__":
    main()
