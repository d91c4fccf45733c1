"""D2L §2.3 linear algebra: scalars, vectors, matrices and tensors; the transpose and a symmetric
matrix; clone and the Hadamard product; reduction (sum along axes, keepdims, mean, cumsum); dot
products, matrix-vector and matrix-matrix products; norms. Each notebook cell's value is printed."""
import torchless as torch


def main():
    # Scalars
    x = torch.tensor(3.0)
    y = torch.tensor(2.0)
    print(x + y, x * y, x / y, x ** y)

    # Vectors
    x = torch.arange(3)
    print(x)
    print(x[2])
    print(len(x))
    print(x.shape)

    # Matrices
    A = torch.arange(6).reshape(3, 2)
    print(A)
    print(A.T)
    A = torch.tensor([[1, 2, 3], [2, 0, 4], [3, 4, 5]])
    symmetric = A == A.T
    print(symmetric)

    # Tensors
    print(torch.arange(24).reshape(2, 3, 4))

    # Basic properties of tensor arithmetic
    A = torch.arange(6, dtype=torch.float32).reshape(2, 3)
    B = A.clone()  # Assign a copy of A to B by allocating new memory
    print(A, A + B)
    print(A * B)
    a = 2
    X = torch.arange(24).reshape(2, 3, 4)
    print(a + X, (a * X).shape)

    # Reduction
    x = torch.arange(3, dtype=torch.float32)
    print(x, x.sum())
    print(A.shape, A.sum())
    print(A.shape, A.sum(axis=0).shape)
    print(A.shape, A.sum(axis=1).shape)
    print(A.sum(axis=[0, 1]) == A.sum())  # Same as A.sum()
    print(A.mean(), A.sum() / A.numel())
    print(A.mean(axis=0), A.sum(axis=0) / A.shape[0])

    # Non-reduction sum
    sum_A = A.sum(axis=1, keepdims=True)
    print(sum_A, sum_A.shape)
    print(A / sum_A)
    print(A.cumsum(axis=0))

    # Dot products
    y = torch.ones(3, dtype=torch.float32)
    print(x, y, torch.dot(x, y))
    print(torch.sum(x * y))

    # Matrix-vector products
    print(A.shape, x.shape, torch.mv(A, x), A @ x)

    # Matrix-matrix multiplication
    B = torch.ones(3, 4)
    print(torch.mm(A, B), A @ B)

    # Norms
    u = torch.tensor([3.0, -4.0])
    print(torch.norm(u))
    print(torch.abs(u).sum())
    print(torch.norm(torch.ones((4, 9))))
    return {"symmetric": bool(symmetric.all()), "cumsum": A.cumsum(axis=0).tolist(),
            "row_fractions": (A / sum_A).tolist(), "dot": torch.dot(x, y).item(), "mv": torch.mv(A, x).tolist(),
            "mm": torch.mm(A, B).tolist(), "l2": torch.norm(u).item(), "l1": torch.abs(u).sum().item(),
            "frobenius": torch.norm(torch.ones((4, 9))).item(), "mean_axis0": A.mean(axis=0).tolist()}


if __name__ == "__main__":
    main()
