"""torch.utils: data loading, checkpointing."""
from . import checkpoint, data  # noqa: F401
