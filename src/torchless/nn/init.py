"""torch.nn.init: in-place initialisers (run under no_grad)."""
