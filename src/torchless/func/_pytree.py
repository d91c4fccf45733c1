"""Pytrees for torch.func: tensors inside tuples (named tuples included), lists and dicts, nested.

The transforms and vmap take and return such trees; these helpers list a tree's tensors in order and
build the same structure with other tensors in their places.
"""
from typing import Any, Callable, Iterable, List

from .._tensor import Tensor

__all__ = ["leaves", "tree_map", "fill", "all_values", "out_dims_per_leaf"]


def leaves(tree: Any) -> List[Tensor]:
    """The tensors of tree, depth first, in order (other values skipped)."""
    if isinstance(tree, Tensor):
        return [tree]
    if isinstance(tree, (tuple, list)):
        return [leaf for item in tree for leaf in leaves(item)]
    if isinstance(tree, dict):
        return [leaf for item in tree.values() for leaf in leaves(item)]
    return []


def tree_map(fn: Callable[[Tensor], Any], tree: Any) -> Any:
    """The same structure with fn applied to every tensor (other values kept)."""
    if isinstance(tree, Tensor):
        return fn(tree)
    if isinstance(tree, tuple):
        items = [tree_map(fn, item) for item in tree]
        if hasattr(tree, "n_fields"):  # torch.return_types: built from one sequence
            return type(tree)(items)
        return type(tree)(*items) if hasattr(tree, "_fields") else tuple(items)
    if isinstance(tree, list):
        return [tree_map(fn, item) for item in tree]
    if isinstance(tree, dict):
        return type(tree)((k, tree_map(fn, v)) for k, v in tree.items())
    return tree


def fill(tree: Any, values: Iterable[Any]) -> Any:
    """The structure of tree with its tensors replaced, in order, by values."""
    it = iter(values)
    return tree_map(lambda _: next(it), tree)


def all_values(tree: Any) -> List[Any]:
    """Every non-container value of tree (tensors and others), in order."""
    if isinstance(tree, (tuple, list)):
        return [v for item in tree for v in all_values(item)]
    if isinstance(tree, dict):
        return [v for item in tree.values() for v in all_values(item)]
    return [tree]


def out_dims_per_leaf(output: Any, out_dims: Any) -> List[Any]:
    """vmap's out_dims spelled out per tensor of output: one int (or None) for all of them, or a
    tuple matching the output's top-level structure (nested as deep as it goes)."""
    if isinstance(out_dims, tuple):
        return [d for item, dims in zip(output, out_dims) for d in out_dims_per_leaf(item, dims)]
    return [out_dims] * len(leaves(output))
