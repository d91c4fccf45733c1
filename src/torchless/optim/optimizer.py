"""Optimizer: the base class every optimizer builds on (param groups, state, state_dict).

The optimizers themselves live one per file (sgd.py, adam.py, ...), re-exported by the package
(`torch.optim.SGD`); their shared in-place kernels are in _functional.py. Their updates follow PyTorch's
single-tensor ("for-loop") formulas step for step, computed in the parameter's dtype with NumPy
`out=` ops directly on the parameter's array, so float32 results match PyTorch to rounding.
"""
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable
from copy import deepcopy
from functools import wraps
from itertools import chain
from typing import Any, TypeAlias


from .._tensor import Tensor
from .._tensor._core import _bump_version, _plain
from ..engine.grad_mode import enable_grad
from ..engine.hooks import RemovableHandle

# what torch.optim shows (register_optimizer_step_*_hook stay in this module, as in PyTorch)
__all__ = ["Optimizer"]

# what an optimizer takes: tensors, (name, tensor) pairs, or param-group dicts
ParamsT: TypeAlias = Iterable[Tensor] | Iterable[tuple[str, Tensor]] | Iterable[dict[str, Any]]
# hook(optimizer, args, kwargs), returning None or (new_args, new_kwargs)
StepHook: TypeAlias = Callable[[Any, tuple[Any, ...], dict[str, Any]], tuple[tuple[Any, ...], dict[str, Any]] | None]

# hooks run around the step() of every optimizer
_global_step_pre_hooks: list[StepHook] = []
_global_step_post_hooks: list[StepHook] = []


def register_optimizer_step_pre_hook(hook: StepHook) -> RemovableHandle:
    """hook(optimizer, args, kwargs) runs before every optimizer's step() (args starts with the
    optimizer); it may return (new_args, new_kwargs). Returns a handle whose remove() unregisters it."""
    _global_step_pre_hooks.append(hook)
    return RemovableHandle(_global_step_pre_hooks, item=hook)


def register_optimizer_step_post_hook(hook: StepHook) -> RemovableHandle:
    """hook(optimizer, args, kwargs) runs after every optimizer's step()."""
    _global_step_post_hooks.append(hook)
    return RemovableHandle(_global_step_post_hooks, item=hook)


def _run_step_hooks(step: Callable[..., Any]) -> Callable[..., Any]:
    """step wrapped so the registered pre/post hooks run around it (at no cost when there are none)."""
    @wraps(step)
    def hooked_step(*args: Any, **kwargs: Any) -> Any:
        self = args[0]  # args holds the optimizer too, as the hooks see it in PyTorch
        pre, post = self._step_pre_hooks, self._step_post_hooks
        if not (pre or post or _global_step_pre_hooks or _global_step_post_hooks):
            return step(*args, **kwargs)
        for hook in chain(_global_step_pre_hooks, pre):
            result = hook(self, args, kwargs)
            if result is not None:
                if not (isinstance(result, tuple) and len(result) == 2):
                    raise RuntimeError(f"{hook} must return None or a tuple of (new_args, new_kwargs), "
                                       f"but got {result}.")
                args, kwargs = result
        out = step(*args, **kwargs)
        for hook in chain(post, _global_step_post_hooks):
            hook(self, args, kwargs)
        return out

    setattr(hooked_step, "hooked", True)  # a mark on the function object
    return hooked_step


class _RequiredParameter:
    """Marks a default that every param group must give (PyTorch's `required`)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()


def _typename(obj: Any) -> str:
    """How PyTorch names a value's type in the optimizer's messages."""
    if isinstance(obj, Tensor):
        return obj.type()
    return type(obj).__name__


class Optimizer:
    """Optimizer(params, defaults): the base class of all optimizers.

    params: an iterable of tensors, of (name, tensor) pairs, or of dicts (param groups, each with a
    'params' entry and any options that override `defaults` for that group); defaults: the
    options (lr, ...) a group takes when it does not give its own.

    It keeps `param_groups` (a list of dicts) and `state` (per parameter: step counts, running
    averages ...); subclasses define step().
    """

    def __init__(self, params: ParamsT, defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors "
                            f"or dicts, but got {_typename(params)} (wrap it in a list: [tensor])")
        self.state: defaultdict[Any, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        self._step_pre_hooks: list[StepHook] = []
        self._step_post_hooks: list[StepHook] = []
        cls = type(self)
        if not getattr(cls.step, "hooked", False):  # as PyTorch: the class's step, once
            setattr(cls, "step", _run_step_hooks(cls.step))
        groups: list[Any] = list(params)
        if len(groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # ------------------------------------------------------------------ param groups
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters to optimize, with its own options.

        param_group: a dict with 'params' (tensors, or (name, tensor) pairs) and any options (lr,
        weight_decay, ...) that differ from the optimizer's defaults; the options it leaves out take
        the defaults. A parameter may belong to one group only."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the "
                            "ordering of tensors in sets will change between runs. Please use a list instead.")
        else:
            param_group["params"] = list(params)

        # named parameters: (name, tensor) pairs, as from module.named_parameters()
        items = param_group["params"]
        if items and isinstance(items[0], tuple):
            if not all(isinstance(it, tuple) and len(it) == 2 for it in items):
                raise ValueError("all optimizer params should be with/without names. Some param names are missing")
            param_group["param_names"] = [name for name, _ in items]
            param_group["params"] = [p for _, p in items]

        for p in param_group["params"]:
            if not isinstance(p, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                f"{_typename(p)}")
            if not self.defaults.get("differentiable", None) and not (p.is_leaf or p.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor (pass the leaf tensors, e.g. "
                                 "model.parameters(), or call .detach().requires_grad_() first)")

        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required optimization "
                                 f"parameter {name}")
            param_group.setdefault(name, default)

        params = param_group["params"]
        if len(params) != len(set(params)):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in future, "
                          "this will cause an error; see github.com/pytorch/pytorch/issues/40967 for "
                          "more information", stacklevel=3)

        seen = set()
        for group in self.param_groups:
            seen.update(group["params"])
        if not seen.isdisjoint(params):
            raise ValueError("some parameters appear in more than one parameter group")
        if ("param_names" in param_group) != all("param_names" in g for g in self.param_groups) \
                and self.param_groups:
            raise ValueError("all optimizer param groups should be with/without names.")
        self.param_groups.append(param_group)

    # ------------------------------------------------------------------ stepping
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all parameters before the next backward.

        set_to_none: set each .grad to None (the default: frees the memory, and an optimizer skips a
        parameter whose grad is None), or else fill it with zeros in place."""
        for group in self.param_groups:
            for p in group["params"]:
                g = p._grad
                if g is None:
                    continue
                if set_to_none:
                    p._grad = None
                else:
                    if g.grad_fn is not None:
                        g.detach_()
                    else:
                        g.requires_grad_(False)
                    g._data.fill(0)
                    _bump_version(g)

    def step(self, closure: Callable[[], float] | None = None) -> float | None:
        """Update the parameters once from their gradients (each optimizer defines its rule).

        closure: a function that recomputes the loss (it runs with grad enabled); its value is
        returned, else None."""
        raise NotImplementedError(f"{type(self).__name__} does not implement step()")

    def register_step_pre_hook(self, hook: StepHook) -> RemovableHandle:
        """hook(optimizer, args, kwargs) runs before this optimizer's step(); it may return
        (new_args, new_kwargs). Returns a handle whose remove() unregisters it."""
        self._step_pre_hooks.append(hook)
        return RemovableHandle(self._step_pre_hooks, item=hook)

    def register_step_post_hook(self, hook: StepHook) -> RemovableHandle:
        """hook(optimizer, args, kwargs) runs after this optimizer's step()."""
        self._step_post_hooks.append(hook)
        return RemovableHandle(self._step_post_hooks, item=hook)

    def _closure_loss(self, closure: Callable[[], float] | None) -> float | None:
        """The closure's loss, computed with grad enabled (None without a closure)."""
        if closure is None:
            return None
        with enable_grad():
            return closure()

    # ------------------------------------------------------------------ saving and loading
    def state_dict(self) -> dict[str, Any]:
        """{'state': {index: per-parameter state}, 'param_groups': [options + 'params' as indices]}.

        Parameters are numbered in order across the groups; the tensors in 'state' are the
        optimizer's own (not copies), as in PyTorch.
        """
        index_of: dict[int, int] = {}
        packed_groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for p in group["params"]:
                if id(p) not in index_of:
                    index_of[id(p)] = len(index_of)
            packed["params"] = [index_of[id(p)] for p in group["params"]]
            packed_groups.append(packed)
        packed_state = {(index_of[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        return {"state": packed_state, "param_groups": packed_groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load options and per-parameter state saved by state_dict() of a like optimizer."""
        state_dict = state_dict.copy()
        groups = self.param_groups
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups "
                             f"({len(saved_groups)} saved, {len(groups)} in this optimizer)")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match the size "
                             "of optimizer's group")
        param_of = dict(zip(chain.from_iterable(s["params"] for s in saved_groups),
                            chain.from_iterable(g["params"] for g in groups)))

        state: defaultdict[Any, dict[str, Any]] = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in param_of:
                param = param_of[k]
                state[param] = _cast_state(param, v, None)
            else:
                state[k] = v
        new_groups = []
        for group, saved in zip(groups, saved_groups):
            saved["params"] = group["params"]
            if "param_names" in group and "param_names" not in saved:
                saved["param_names"] = group["param_names"]
            new_groups.append(saved)
        self.state = state
        self.param_groups = new_groups

    def __getstate__(self) -> dict[str, Any]:
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.__dict__.setdefault("_step_pre_hooks", [])
        self.__dict__.setdefault("_step_post_hooks", [])

    def __repr__(self) -> str:
        """The optimizer's name and, per group, its options."""
        text = type(self).__name__ + " ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            for key in sorted(group):
                if key != "params":
                    text += f"    {key}: {group[key]}\n"
        return text + ")"


def _cast_state(param: Tensor, value: Any, key: str | None) -> Any:
    """A loaded state value made to fit its parameter: float tensors take the parameter's dtype
    ('step' counters stay as saved); containers are walked."""
    if isinstance(value, Tensor):
        if key != "step" and param._data.dtype.kind in "fc" and value._data.dtype != param._data.dtype:
            return _plain(value._data.astype(param._data.dtype))
        return value
    if isinstance(value, dict):
        return {k: _cast_state(param, v, k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cast_state(param, v, key) for v in value)
    return value
