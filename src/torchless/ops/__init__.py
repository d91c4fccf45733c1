"""Op rules: forward and vjp for every differentiable op, grouped by kind. Knows no Tensor."""
