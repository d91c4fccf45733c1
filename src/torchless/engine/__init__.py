"""The graph machinery, the ground floor: nodes (node.py), the backward loop (backward.py), forward-mode
tangents (forward_ad.py), every mode in one place (state.py: per thread, or process-wide where PyTorch
shares it), grad mode (grad_mode.py), anomaly mode (anomaly.py), saved-tensor hooks (saved_hooks.py)
and the one RemovableHandle (hooks.py). It knows nodes, never ops or the Tensor class: tensors are
seen through the protocol in api.py, which the Tensor layer fills in when it loads."""
from .grad_mode import (enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled,
                        no_grad, set_grad_enabled)
from .node import AccumulateGrad, Node

__all__ = ["Node", "AccumulateGrad", "no_grad", "enable_grad", "set_grad_enabled", "inference_mode",
           "is_grad_enabled", "is_inference_mode_enabled"]
