"""torch.distributions (what D2L uses)."""
from . import multinomial  # noqa: F401
from .multinomial import Multinomial  # noqa: F401
