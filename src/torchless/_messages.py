"""Checks and error texts that several rooms of the house share, in PyTorch's words (floor 0: knows
no Tensor and no rule)."""

from ._args import int_arg

__all__ = ["norm_dim"]


def norm_dim(dim: int, ndim: int) -> int:
    """`dim` as an index in [0, ndim), negative values counted from the end; PyTorch's IndexError
    when it is out of range. A 0-d tensor takes dims 0 and -1, as PyTorch allows. A dim that is no
    int (a float, a str, None, a bool): PyTorch's TypeError ("argument 'dim' must be int, not float");
    a NumPy integer or a one-element integer tensor counts as its int."""
    n = ndim if ndim > 0 else 1
    if type(dim) is not int:
        dim = int_arg(dim, None, "dim")
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim + n if dim < 0 else dim
