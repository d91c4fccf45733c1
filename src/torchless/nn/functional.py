"""torch.nn.functional: stateless ops on tensors (rules: ops/nn.py)."""
