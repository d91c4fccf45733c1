"""Optimizer base class and the optimizers."""
__all__ = []
