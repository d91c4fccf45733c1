"""torch.ops.aten's counterpart (issue 12, misc breadth round 3): ATen's operators by their ATen
names, for PyTorch code (decompositions, tests) that calls `torch.ops.aten.<op>.<overload>(...)`.

`torchless.ops` is the package of op rules; its `aten` attribute is this namespace, set by the
root package (the rules below it know no Tensor). `ops.aten.slice` is an operator packet: callable
itself, and through its overloads (`.default`, `.Tensor` ...), which all run the one torchless
function that takes every overload's arguments. Only the operators listed in `_TABLE` are here;
anything else raises AttributeError, as torch.ops.aten does for an unknown name.
"""
from __future__ import annotations

from typing import Any, Callable

__all__ = ["aten", "OpOverloadPacket", "OpOverload"]

# ATen name -> (module under torchless, function name there, overload names)
_TABLE: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "slice": ("nn._functional_misc", "slice", ("Tensor",)),
    "native_dropout_backward": ("nn._functional_misc", "native_dropout_backward", ("default",)),
    "max_pool2d_with_indices_backward": ("nn._functional_misc", "max_pool2d_with_indices_backward", ("default",)),
    "max_pool2d_with_indices": ("nn._functional_pool", "max_pool2d_with_indices", ("default",)),
    "_softmax_backward_data": ("nn._functional_misc", "_softmax_backward_data", ("default",)),
    "_safe_softmax": ("nn._functional_misc", "_safe_softmax", ("default",)),
    "_chunk_cat": ("nn._functional_misc", "_chunk_cat", ("default",)),
    "_segment_reduce": ("nn._functional_misc", "_segment_reduce", ("default",)),
    "segment_reduce": ("nn._functional_misc", "_segment_reduce", ("default",)),
    "_unsafe_masked_index": ("nn._functional_misc", "_unsafe_masked_index", ("default",)),
    "_unsafe_masked_index_put_accumulate": ("nn._functional_misc", "_unsafe_masked_index_put_accumulate",
                                            ("default",)),
    "_upsample_bilinear2d_aa": ("nn._functional_misc", "_upsample_bilinear2d_aa", ("default", "vec")),
    "_batch_norm_with_update": ("nn._functional_misc", "_batch_norm_with_update", ("default",)),
    "fractional_max_pool2d": ("nn._functional_misc", "_aten_fractional_max_pool2d", ("default",)),
    "fractional_max_pool3d": ("nn._functional_misc", "_aten_fractional_max_pool3d", ("default",)),
}


def _module(name: str) -> Any:
    """The torchless module of _TABLE's name (imported here, on first use, so that the import graph
    sees the edge)."""
    if name == "nn._functional_pool":
        from .nn import _functional_pool
        return _functional_pool
    from .nn import _functional_misc
    return _functional_misc


class OpOverload:
    """One overload of an ATen operator (`torch.ops.aten.slice.Tensor`): a callable."""

    __slots__ = ("_fn", "_name", "_overloadname")

    def __init__(self, fn: Callable[..., Any], name: str, overload: str) -> None:
        self._fn, self._name, self._overloadname = fn, name, overload

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._fn(*args, **kwargs)

    def __repr__(self) -> str:
        return f"aten.{self._name}.{self._overloadname}"


class OpOverloadPacket:
    """An ATen operator with its overloads (`torch.ops.aten.slice`): callable, and `.default` ..."""

    __slots__ = ("_fn", "__name__", "_overloads")

    def __init__(self, fn: Callable[..., Any], name: str, overloads: tuple[str, ...]) -> None:
        self._fn, self.__name__ = fn, name
        self._overloads = {o: OpOverload(fn, name, o) for o in overloads}

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._fn(*args, **kwargs)

    def __getattr__(self, name: str) -> OpOverload:
        try:
            return self._overloads[name]
        except KeyError:
            raise AttributeError(f"The underlying op of 'aten.{self.__name__}' has no overload name '{name}'") from None

    def overloads(self) -> list[str]:
        """The overload names."""
        return list(self._overloads)

    def __repr__(self) -> str:
        return f"aten.{self.__name__}"


class _AtenNamespace:
    """torch.ops.aten: the operators of _TABLE, each loaded (with its module) on first use."""

    __slots__ = ("_packets",)
    name = "aten"

    def __init__(self) -> None:
        self._packets: dict[str, OpOverloadPacket] = {}

    def __getattr__(self, name: str) -> OpOverloadPacket:
        packets = object.__getattribute__(self, "_packets")
        packet = packets.get(name)
        if packet is None:
            if name not in _TABLE:
                raise AttributeError(f"'_OpNamespace' 'aten' object has no attribute '{name}'")
            module, attribute, overloads = _TABLE[name]
            fn = getattr(_module(module), attribute)
            packet = packets[name] = OpOverloadPacket(fn, name, overloads)
        return packet

    def __dir__(self) -> list[str]:
        return sorted(_TABLE)

    def __repr__(self) -> str:
        return "torchless.ops.aten"


aten = _AtenNamespace()
