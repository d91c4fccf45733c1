"""D2L §2.1 data manipulation: creating tensors (arange, zeros, ones, randn, from lists), shape,
numel, reshape, elementwise operations, exp, concatenation, comparison, sum, broadcasting, indexing
and slicing (and assigning through them), saving memory with in-place updates, conversion to and
from NumPy, and to Python scalars. The book's notebook cells show their last value; here each one is
printed."""
import torchless as torch


def main(show_random=True):
    x = torch.arange(12, dtype=torch.float32)
    print(x)
    print(x.numel())
    print(x.shape)
    X = x.reshape(3, 4)
    print(X)
    print(x.reshape(-1, 4).shape, x.reshape(3, -1).shape)
    print(torch.zeros((2, 3, 4)))
    print(torch.ones((2, 3, 4)))
    randn = torch.randn(3, 4)
    if show_random:  # a fresh draw every run: left out where the text is compared
        print(randn)
    print(torch.tensor([[2, 1, 4, 3], [1, 2, 3, 4], [4, 3, 2, 1]]))

    # Indexing and slicing
    print(X[-1], X[1:3])
    X[1, 2] = 17
    print(X)
    X[:2, :] = 12
    print(X)

    # Operations
    print(torch.exp(x))
    x = torch.tensor([1.0, 2, 4, 8])
    y = torch.tensor([2, 2, 2, 2])
    print(x + y, x - y, x * y, x / y, x ** y)
    X = torch.arange(12, dtype=torch.float32).reshape((3, 4))
    Y = torch.tensor([[2.0, 1, 4, 3], [1, 2, 3, 4], [4, 3, 2, 1]])
    cat0, cat1 = torch.cat((X, Y), dim=0), torch.cat((X, Y), dim=1)
    print(cat0, cat1)
    print(X == Y)
    print(X.sum())

    # Broadcasting
    a = torch.arange(3).reshape((3, 1))
    b = torch.arange(2).reshape((1, 2))
    print(a, b)
    print(a + b)

    # Saving memory
    before = id(Y)
    Y = Y + X
    new_object = id(Y) != before
    print(id(Y) == before)
    Z = torch.zeros_like(Y)
    before = id(Z)
    Z[:] = X + Y
    print('id(Z) unchanged:', id(Z) == before)
    before = id(X)
    X += Y
    print(id(X) == before)
    in_place = id(Z) == before or id(X) == before

    # Conversion to other Python objects
    A = X.numpy()
    B = torch.from_numpy(A)
    print(type(A), type(B))
    shares_memory = bool((A.__array_interface__["data"][0]) == B.numpy().__array_interface__["data"][0])
    a = torch.tensor([3.5])
    print(a, a.item(), float(a), int(a))
    return {"x": x.tolist(), "X": X.tolist(), "Z": Z.tolist(), "cat_shapes": (tuple(cat0.shape), tuple(cat1.shape)),
            "broadcast": (a + 0).tolist() and (torch.arange(3).reshape((3, 1)) + torch.arange(2).reshape((1, 2))).tolist(),
            "new_object": new_object, "in_place": in_place, "shares_memory": shares_memory,
            "scalars": (a.item(), float(a), int(a)), "randn_shape": tuple(randn.shape)}


if __name__ == "__main__":
    main()
