"""torch.distributions (what D2L uses)."""
from . import multinomial  # noqa: F401
