"""torch.autograd.detect_anomaly / set_detect_anomaly: find the forward line behind a NaN gradient
or an error in backward (see engine/anomaly.py for what the mode does)."""
import warnings
from typing import Any

from ..engine import anomaly

__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled", "is_anomaly_check_nan_enabled"]


def is_anomaly_enabled() -> bool:
    """Whether anomaly detection is on (for the whole process, as in PyTorch)."""
    return anomaly.is_enabled()


def is_anomaly_check_nan_enabled() -> bool:
    """Whether anomaly detection, when on, also looks for NaN in the gradients backward computes."""
    return anomaly.is_check_nan_enabled()


class detect_anomaly:
    """Context manager: anomaly detection on inside the block (and off again after it).
    check_nan=False keeps the forward stacks but does not look for NaN in gradients."""

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan
        self.prev = (anomaly.is_enabled(), anomaly.is_check_nan_enabled())
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime and should "
                      "only be enabled for debugging.", UserWarning, stacklevel=2)

    def __enter__(self) -> None:
        anomaly.set_anomaly(True, self.check_nan)

    def __exit__(self, *exc: Any) -> None:
        anomaly.set_anomaly(*self.prev)


class set_detect_anomaly:
    """Turns anomaly detection on or off now; as a context manager, the previous setting comes back
    at the end of the block."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self.prev = (anomaly.is_enabled(), anomaly.is_check_nan_enabled())
        anomaly.set_anomaly(mode, check_nan)

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc: Any) -> None:
        anomaly.set_anomaly(*self.prev)
