"""torch.signal: signal-processing helpers; its `windows` module holds the window functions
(`torch.signal.windows.hann(10)`)."""
from . import windows

__all__ = ["windows"]
