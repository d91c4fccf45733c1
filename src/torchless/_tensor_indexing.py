"""Indexing as Tensor methods (rules: ops/indexing.py)."""
__all__ = []
