"""The graph machinery: nodes, the backward loop, grad mode. Knows nodes, never ops or Tensors."""
from .grad_mode import (enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled,
                        no_grad, set_grad_enabled)
from .node import AccumulateGrad, Node

__all__ = ["Node", "AccumulateGrad", "no_grad", "enable_grad", "set_grad_enabled", "inference_mode",
           "is_grad_enabled", "is_inference_mode_enabled"]
