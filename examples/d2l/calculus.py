"""D2L §2.4 calculus: the derivative of f(x) = 3x^2 - 4x at x = 1 as a numerical limit, and the
tangent line y = 2x - 3 the book plots together with f (computed here, and checked with autograd)."""
import numpy as np

import torchless as torch


def f(x):
    return 3 * x ** 2 - 4 * x


def main():
    limits = []
    for h in 10.0 ** np.arange(-1, -6, -1):
        limits.append((f(1 + h) - f(1)) / h)
        print(f'h={h:.5f}, numerical limit={limits[-1]:.5f}')

    # What the book plots: f and its tangent line at x = 1 over [0, 3)
    x = torch.arange(0, 3, 0.1)
    fx, tangent = f(x), 2 * x - 3
    print(fx)
    print(tangent)
    # The slope 2 of the tangent is f'(1); autograd gives it exactly.
    x1 = torch.tensor(1.0, requires_grad=True)
    f(x1).backward()
    print(x1.grad)
    return {"limits": limits, "x": x.tolist(), "f": fx.tolist(), "tangent": tangent.tolist(),
            "grad": x1.grad.item()}


if __name__ == "__main__":
    main()
