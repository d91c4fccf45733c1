"""Op rules: one `Rule` subclass per op (ops/_rule.py), named after PyTorch's grad_fn, whose class
body holds the whole op: forward, vjp and jvp over an array namespace `xp`, and the metadata the
layers above read (batching kind for vmap, explain template, dtype behaviour). Grouped by kind in
elementwise, reduction, shape, indexing, linalg, nn and padding. Knows no Tensor."""
from typing import Any

# torch.ops.aten's counterpart (torchless/_aten.py): set by the root package, which can see the
# functions above the rules (issue 12, misc breadth round 3).
aten: Any = None
