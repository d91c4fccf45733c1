"""Every mode the engine keeps, in one place: which ones each thread has its own of, and which ones
the whole process shares, as in PyTorch 2.13.

Per thread (`modes`, a `threading.local`: a new thread starts from the defaults below):
  grad mode and inference mode, the saved-tensor hook stack (with the packs it still owes), the
  "capturing" flag of a running autograd.grad / backward(inputs=...), the vmap levels, and the
  depth of vmap(randomness="error") blocks that forbid random ops.
  PyTorch keeps all of these per thread: `no_grad` in one thread does not stop recording in
  another, a pack hook registered in one thread never fires for ops run in another, and
  functorch's layer stack (its vmap levels, with each level's randomness mode) is thread-local.

Shared by the process (`shared`, one plain object):
  the forward-AD level (with its generation and the "differentiable tangents" flag) and anomaly
  mode. PyTorch keeps both process-wide: a dual level opened in one thread is open in every thread
  (a second `enter_dual_level` anywhere raises "Nested forward mode AD is not supported at the
  moment", and a dual tensor's tangent flows through ops run in another thread), and
  `set_detect_anomaly(True)` in one thread turns it on for all of them.

The Tensor layer's hot path reads grad mode and `shared.level` (as `engine.forward_ad.state.level`)
once per op. Grad mode is read as `not grad_off or modes.enabled`: `grad_off`, a set of the threads
whose mode is off, is empty while grad mode is on everywhere, and testing it costs far less than
the thread-local read. So `modes.enabled` is written only through `set_grad_mode`, which keeps the
set true.
"""
import threading
from threading import get_ident as _get_ident
from typing import Any, Callable, List, Optional, Set, Tuple

__all__ = ["ThreadModes", "SharedModes", "modes", "shared", "grad_off", "set_grad_mode"]

# One entry of the saved-tensor hook stack: (pack_hook, unpack_hook), or (None, error_message)
# for a disable_saved_tensors_hooks block.
HookPair = Tuple[Optional[Callable[[Any], Any]], Any]


class ThreadModes(threading.local):
    """The modes each thread has its own copy of (see the module doc). Class attributes are every
    new thread's defaults; `__init__` runs once in each thread that reads the record, to give it
    its own mutable stacks."""

    # grad mode (engine/grad_mode.py): ops record a graph only while `enabled`
    enabled: bool = True
    inference: bool = False
    # a backward with `inputs` (autograd.grad, backward(inputs=...)) is running in this thread:
    # a reentrant checkpoint cannot run its nested backward inside it
    capturing: bool = False
    # random ops raise while this is above 0: the vmap(randomness="error") blocks open (_random.py)
    random_forbidden: int = 0

    saved_hooks: List[HookPair]
    pending_packs: List[Any]
    vmap_active: List[Tuple[int, int]]
    vmap_live: Set[int]
    vmap_next_level: int

    def __init__(self) -> None:
        # saved-tensor hooks (engine/saved_hooks.py): the stack, innermost last, and the ops
        # whose saved values wait to go through pack_hook
        self.saved_hooks = []
        self.pending_packs = []
        # vmap (func/batching.py): (level, batch size) of each vmap running vectorized, outermost
        # first; the set of those levels; the last level number handed out
        self.vmap_active = []
        self.vmap_live = set()
        self.vmap_next_level = 0


class SharedModes:
    """The modes the whole process shares (see the module doc)."""

    __slots__ = ("level", "generation", "differentiable", "anomaly_enabled", "anomaly_check_nan")

    def __init__(self) -> None:
        # forward AD (engine/forward_ad.py)
        self.level: int = -1               # the open dual level (0), -1 when none
        self.generation: int = 0           # counts levels opened: a closed level's tangents never match a later one
        self.differentiable: bool = True   # record tangents as Tensors when an input requires grad
        # anomaly mode (engine/anomaly.py)
        self.anomaly_enabled: bool = False
        self.anomaly_check_nan: bool = True


modes = ThreadModes()
shared = SharedModes()

# The idents of the threads whose grad mode is off now. While it is empty, grad mode is on in every
# thread, and the hot path (which tests this set, a module global, first) skips the thread-local
# read, which costs several times a plain attribute's. A thread that died with grad mode off leaves
# its ident here: every thread then reads its own mode, which is slower but still right.
grad_off: Set[int] = set()


def set_grad_mode(flag: bool) -> None:
    """Set this thread's grad mode. Every write of `modes.enabled` goes through here, so that
    `grad_off` holds every thread whose mode is off (an ident is added before the mode goes off and
    removed after it is back on: an interruption in between leaves the set too full, never short)."""
    if flag:
        modes.enabled = True
        grad_off.discard(_get_ident())
    else:
        grad_off.add(_get_ident())
        modes.enabled = False
