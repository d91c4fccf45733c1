"""How the engine sees tensors, without importing them.

The engine is the ground floor: it knows nodes, never the Tensor class. What it reads and writes on
a tensor is declared here, as the protocol `TensorLike`; nothing else of a tensor is touched under
engine/. What it needs to *make* tensors (wrap an array, the Tensor namespace that rules run on
under create_graph, a type test) the Tensor layer hands over once, at import, through
`set_tensor_api`; until then those three are None.
"""
from typing import Any, Callable, List, Optional, Protocol, Sequence, Tuple

__all__ = ["TensorLike", "TensorAPI", "api", "set_tensor_api", "as_tensor"]


class TensorLike(Protocol):
    """The part of a Tensor the engine uses (the Tensor layer's Tensor satisfies it)."""

    # the value and the graph: the array, requires_grad, the edge into the graph (node, output
    # index), the accumulated gradient, and the hooks run after a leaf's gradient accumulates
    _data: Any
    _rg: bool
    _edge: Optional[Tuple[Any, int]]
    _grad: Optional["TensorLike"]
    _post_acc_hooks: Optional[List[Callable[[Any], None]]]
    # in-place checks: the clock value of the last in-place write, the viewed tensor, the version
    _stamp: int
    _base: Optional["TensorLike"]
    _version: int
    # forward AD keeps a tensor's tangent in its instance dict
    __dict__: dict

    @property
    def shape(self) -> Sequence[int]:
        """The tensor's shape (error messages, tangent shapes)."""

    @property
    def dtype(self) -> Any:
        """The tensor's dtype (a gradient is cast to its leaf's)."""

    @property
    def requires_grad(self) -> bool:
        """Whether the tensor records (a .grad that does is summed out of place)."""

    @property
    def grad_fn(self) -> Any:
        """The node that made the tensor, or None (forward AD differentiates through it)."""

    @property
    def is_leaf(self) -> bool:
        """Whether the tensor was made by the user rather than by a recorded op."""

    def _leaf_edge(self) -> Tuple[Any, int]:
        """A leaf's edge into the graph (its AccumulateGrad node), made on first use."""

    def to(self, dtype: Any) -> "TensorLike":
        """The tensor cast to `dtype`, recorded."""

    def expand(self, shape: Tuple[int, ...]) -> "TensorLike":
        """The tensor broadcast to `shape`, recorded."""

    def __add__(self, other: Any) -> "TensorLike":
        """Elementwise sum, recorded (gradients add up)."""


class TensorAPI:
    """The Tensor layer's side of the seam (see the module doc)."""

    __slots__ = ("wrap", "TX", "is_tensor")

    def __init__(self) -> None:
        self.wrap: Callable[[Any], TensorLike] = _not_registered  # ndarray -> Tensor (no grad, no copy)
        self.TX: Any = None                    # the Tensor namespace handed to rules under create_graph
        self.is_tensor: Callable[[Any], bool] = _not_registered


def _not_registered(value: Any) -> Any:
    raise RuntimeError("torchless: the Tensor layer has not registered itself with the engine "
                       "(import torchless, not torchless.engine alone)")


api = TensorAPI()


def set_tensor_api(wrap: Callable[[Any], TensorLike], tensor_xp: Any, is_tensor: Callable[[Any], bool]) -> None:
    """Called once by the Tensor layer at import: how to wrap an array as a Tensor that needs no
    gradient, the Tensor namespace for create_graph, and the test for a Tensor."""
    api.wrap, api.TX, api.is_tensor = wrap, tensor_xp, is_tensor


def as_tensor(value: Any) -> TensorLike:
    """`value` as a Tensor: itself when it is one, else the array wrapped."""
    return value if api.is_tensor(value) else api.wrap(value)
