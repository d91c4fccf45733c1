"""torch.optim: optimizers and learning-rate schedulers."""
from . import lr_scheduler  # noqa: F401
from .optimizer import *  # noqa: F401,F403
