"""Anomaly detection, the engine's side: while it is on, every node keeps the stack of the user code
that recorded it, and backward checks each rule's result. A rule that raises, or (with check_nan)
returns a gradient containing NaN, gets that forward stack shown as a warning before the error, so
the message points at the line of the forward pass that made the bad op.

Off, it costs nothing: the stack is taken by a Node constructor that exists only while the mode is
on, and the backward loop reads the flag once per run.
"""
import os
import traceback
import warnings
from typing import Any, Sequence

import numpy as np

from .node import Node
from .state import shared

__all__ = ["set_anomaly", "is_enabled", "is_check_nan_enabled", "checked_vjp"]

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def _record_forward_stack(node: Node) -> None:
    """Node constructor while anomaly mode is on: the calling user code's stack, without our frames."""
    stack = traceback.extract_stack()[:-1]
    node.__dict__["_forward_stack"] = [f for f in stack if not f.filename.startswith(_PACKAGE_DIR)]


def is_enabled() -> bool:
    """Whether anomaly mode is on (process-wide, as in PyTorch: see engine/state.py)."""
    return shared.anomaly_enabled


def is_check_nan_enabled() -> bool:
    """Whether anomaly mode, when on, also looks for NaN in the gradients backward computes."""
    return shared.anomaly_check_nan


def set_anomaly(enabled: bool, check_nan: bool = True) -> None:
    """Turn anomaly mode on or off for the whole process; `check_nan` as in set_detect_anomaly."""
    shared.anomaly_enabled = bool(enabled)
    shared.anomaly_check_nan = bool(check_nan)
    # The stack is taken by a Node constructor that exists only while the mode is on, so that
    # recording costs nothing extra when it is off.
    if shared.anomaly_enabled:
        setattr(Node, "__init__", _record_forward_stack)
    elif "__init__" in Node.__dict__:
        delattr(Node, "__init__")


def _warn_forward_stack(node: Node) -> None:
    name = type(node).__name__
    stack = getattr(node, "_forward_stack", None)
    if stack is None:
        text = (f"Error detected in {name}. No forward pass information available. Enable detect anomaly "
                "during forward pass for more information.")
    else:
        text = (f"Error detected in {name}. Traceback of forward call that caused the error:\n"
                + "".join(traceback.format_list(stack)))
    warnings.warn(text, UserWarning, stacklevel=4)


def _has_nan(g: Any) -> bool:
    data = getattr(g, "_data", g)  # a Tensor under create_graph
    data = np.asarray(data)
    return data.dtype.kind in "fc" and bool(np.isnan(data).any())


def checked_vjp(rule: Node, node: Node, g: Any, xp: Any) -> Sequence[Any]:
    """rule.vjp(g, xp) (rule: the node, or its lifted twin), with the anomaly checks: a rule that
    raises, or (with check_nan) returns NaN, gets the forward stack of `node` shown first."""
    try:
        out = rule.vjp(g, xp)
    except Exception:
        _warn_forward_stack(node)
        raise
    if shared.anomaly_check_nan:
        for i, gi in enumerate(out):
            if gi is not None and _has_nan(gi):
                _warn_forward_stack(node)
                raise RuntimeError(f"Function '{type(node).__name__}' returned nan values in its {i}th output.")
    return out
