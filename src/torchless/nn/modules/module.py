"""nn.Module: the base class of every layer and model.

A Module keeps its parameters, buffers and submodules in three ordered dicts (`_parameters`,
`_buffers`, `_modules`); `__setattr__` sorts assigned values into them and `__getattr__` finds
them again, so `self.fc = nn.Linear(...)` registers a child and `self.fc` reads it back. Every
walk over the tree (parameters, state_dict, apply, repr) follows registration order.
"""
from collections import OrderedDict, namedtuple
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from ..._dtype import dtype as _dtype_cls
from ..._tensor import Tensor
from ..._tensor._core import device as _device_cls, require_cpu as _require_cpu
from ...engine.grad_mode import no_grad
from ...engine.hooks import RemovableHandle  # the one handle class, shared with Tensor and grad_fn hooks
from ..parameter import Parameter

__all__ = ["Module"]


def _typename(obj):
    """How PyTorch names a value's type in its messages (torch.typename)."""
    if isinstance(obj, Tensor):
        return obj.type()
    cls = type(obj)
    module = cls.__module__
    if module in (None, "builtins"):
        return cls.__qualname__
    return f"{module}.{cls.__qualname__}"


def _addindent(text, spaces):
    """Indent every line of `text` but the first by `spaces` (nested reprs)."""
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    pad = " " * spaces
    return lines[0] + "\n" + "\n".join(pad + line for line in lines[1:])


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What load_state_dict returns: the keys it missed and the keys it did not use."""

    __slots__ = ()

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


def _check_name(kind, name, owner, registry):
    """PyTorch's checks on a parameter/buffer/module name (type, dots, emptiness, clashes)."""
    if not isinstance(name, str):
        raise TypeError(f"{kind} name should be a string. Got {_typename(name)}")
    if "." in name:
        raise KeyError(f'{kind} name can\'t contain "."' + (f", got: {name}" if kind == "module" else ""))
    if name == "":
        raise KeyError(f'{kind} name can\'t be empty string ""')
    if hasattr(owner, name) and name not in registry:
        raise KeyError(f"attribute '{name}' already exists")


# the attributes of PyTorch's Module.__init__ between _non_persistent_buffers_set and _modules, in its
# order (hooks torchless lacks are written empty, so real PyTorch finds every attribute it reads)
_TORCH_MODULE_STATE = ("_backward_pre_hooks", "_backward_hooks", "_is_full_backward_hook", "_forward_hooks",
                       "_forward_hooks_with_kwargs", "_forward_hooks_always_called", "_forward_pre_hooks",
                       "_forward_pre_hooks_with_kwargs", "_state_dict_hooks", "_state_dict_pre_hooks",
                       "_load_state_dict_pre_hooks", "_load_state_dict_post_hooks")
_TORCHLESS_HOOKS = ("_forward_pre_hooks", "_forward_hooks", "_backward_pre_hooks", "_backward_hooks")


class Module:
    """Base class for all neural network modules; subclass it and define forward()."""

    training: bool
    _version = 1  # state_dict metadata version, as PyTorch records it

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if args or kwargs:
            extra = ", ".join([repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()])
            raise TypeError(f"{type(self).__name__}.__init__() got unexpected arguments: {extra} "
                            "(Module.__init__ takes none; pass them to your own __init__)")
        # object.__setattr__ skips our __setattr__, which needs these dicts to exist
        setattr_ = object.__setattr__
        setattr_(self, "training", True)
        setattr_(self, "_parameters", OrderedDict())
        setattr_(self, "_buffers", OrderedDict())
        setattr_(self, "_non_persistent_buffers_set", set())
        setattr_(self, "_modules", OrderedDict())
        setattr_(self, "_forward_pre_hooks", OrderedDict())
        setattr_(self, "_forward_hooks", OrderedDict())
        setattr_(self, "_backward_pre_hooks", OrderedDict())
        setattr_(self, "_backward_hooks", OrderedDict())

    # ------------------------------------------------------------------ forward and call
    def _forward_unimplemented(self, *args: Any, **kwargs: Any) -> Any:
        """forward(*args, **kwargs): the computation the module performs on each call.

        Every subclass defines it; call the module itself (`module(x)`), not forward, so the registered
        hooks run around it."""
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" '
                                  "function (define forward(self, ...) in your subclass)")

    # an attribute, not a method, so each subclass's forward may take its own arguments (as in PyTorch)
    forward: Callable[..., Any] = _forward_unimplemented

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Run forward(*args, **kwargs), with the registered forward pre-hooks, forward hooks and
        backward hooks around it."""
        pre_hooks = self._forward_pre_hooks
        hooks = self._forward_hooks
        backward_hooks = self._backward_hooks or self._backward_pre_hooks
        if not pre_hooks and not hooks and not backward_hooks:
            return self.forward(*args, **kwargs)
        for hook in list(pre_hooks.values()):
            result = hook(self, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
        if backward_hooks:
            from ._backward_hooks import BackwardHooks
            backward_hooks = BackwardHooks(self)
            args = backward_hooks.wrap_inputs(args)
        output = self.forward(*args, **kwargs)
        for hook in list(hooks.values()):
            result = hook(self, args, output)
            if result is not None:
                output = result
        if backward_hooks:
            output = backward_hooks.wrap_outputs(output)
        return output

    def register_forward_pre_hook(self, hook: Callable[..., Any], *, prepend: bool = False) -> RemovableHandle:
        """hook(module, args) runs before forward; a returned value replaces the arguments."""
        return self._add_hook(self._forward_pre_hooks, hook, prepend)

    def register_forward_hook(self, hook: Callable[..., Any], *, prepend: bool = False) -> RemovableHandle:
        """hook(module, args, output) runs after forward; a returned value replaces the output."""
        return self._add_hook(self._forward_hooks, hook, prepend)

    def register_full_backward_pre_hook(self, hook: Callable[..., Any], prepend: bool = False) -> RemovableHandle:
        """hook(module, grad_output) runs when the gradients of the module's outputs are known; a
        returned tuple replaces them (for everything backward computes from there)."""
        return self._add_hook(self._backward_pre_hooks, hook, prepend)

    def register_full_backward_hook(self, hook: Callable[..., Any], prepend: bool = False) -> RemovableHandle:
        """hook(module, grad_input, grad_output) runs when the gradients of the module's tensor
        inputs are known; a returned tuple replaces grad_input."""
        return self._add_hook(self._backward_hooks, hook, prepend)

    @staticmethod
    def _add_hook(hooks: "OrderedDict[int, Callable[..., Any]]", hook: Callable[..., Any],
                  prepend: bool) -> RemovableHandle:
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        if prepend:
            hooks.move_to_end(handle.id, last=False)
        return handle

    # ------------------------------------------------------------------ registration
    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add `param` to the module's parameters under `name` (None reserves the name).

        It must be an nn.Parameter and a leaf; it then appears in parameters(), state_dict() and as
        the attribute `self.<name>`."""
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign parameter before Module.__init__() call")
        _check_name("parameter", name, self, self._parameters)
        if param is None:
            self._parameters[name] = None
            return
        if not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{_typename(param)}' object to parameter '{name}' "
                            "(torch.nn.Parameter or None required)")
        if param.grad_fn is not None:
            raise ValueError(f"Cannot assign non-leaf Tensor to parameter '{name}'. Model parameters "
                             f"must be created explicitly. To express '{name}' as a function of "
                             "another Tensor, compute the value in the forward() method.")
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Add a tensor that is state but not a parameter (a running mean, say) under `name`.

        persistent: whether state_dict() saves it (False keeps it out)."""
        if "_buffers" not in self.__dict__:
            raise AttributeError("cannot assign buffer before Module.__init__() call")
        _check_name("buffer", name, self, self._buffers)
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{_typename(tensor)}' object to buffer '{name}' "
                            "(torch Tensor or None required)")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def add_module(self, name: str, module: "Module | None") -> None:
        """Add `module` as a child under `name`, reachable as the attribute `self.<name>`."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{_typename(module)} is not a Module subclass")
        _check_name("module", name, self, self._modules)
        self._modules[name] = module

    register_module = add_module

    def __setattr__(self, name: str, value: Any) -> None:
        d = self.__dict__
        params = d.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            self._forget(name, keep="_parameters")
            self.register_parameter(name, value)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(f"cannot assign '{_typename(value)}' as parameter '{name}' "
                                "(torch.nn.Parameter or None expected)")
            self.register_parameter(name, value)
        elif isinstance(value, Module):
            modules = d.get("_modules")
            if modules is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            self._forget(name, keep="_modules")
            modules[name] = value
        elif name in d.get("_modules", ()):
            if value is not None:
                raise TypeError(f"cannot assign '{_typename(value)}' as child module '{name}' "
                                "(torch.nn.Module or None expected)")
            d["_modules"][name] = value
        elif name in d.get("_buffers", ()):
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{_typename(value)}' as buffer '{name}' "
                                "(torch.Tensor or None expected)")
            d["_buffers"][name] = value
        else:
            object.__setattr__(self, name, value)

    def _forget(self, name: str, keep: str) -> None:
        """Drop `name` from the places other than `keep` where it may be registered (before
        registering it in `keep`, where it keeps its position if it was there)."""
        d = self.__dict__
        d.pop(name, None)
        for registry in ("_parameters", "_buffers", "_modules"):
            if registry != keep:
                d[registry].pop(name, None)
        d["_non_persistent_buffers_set"].discard(name)

    def __getattr__(self, name: str) -> Any:
        # only called when normal lookup fails: look in the registries
        # unrolled: this runs for every self.weight in every forward
        d = self.__dict__
        if "_parameters" in d:
            entries = d["_parameters"]
            if name in entries:
                return entries[name]
            entries = d["_buffers"]
            if name in entries:
                return entries[name]
            entries = d["_modules"]
            if name in entries:
                return entries[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        d = self.__dict__
        for registry in ("_parameters", "_buffers", "_modules"):
            entries = d.get(registry)
            if entries is not None and name in entries:
                del entries[name]
                d["_non_persistent_buffers_set"].discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self) -> list[str]:
        keys = list(super().__dir__()) + list(self._parameters) + list(self._modules) + list(self._buffers)
        return sorted(k for k in set(keys) if not k[0].isdigit())

    def _torch_pickle_state(self) -> dict[str, Any]:
        """The module's attributes as PyTorch's modules hold them (what torch.save writes for a whole
        module): its registries as plain dicts and the hook dicts PyTorch has and torchless does not,
        empty, in PyTorch's order, so real PyTorch unpickles a torchless module as its own. (Not
        __getstate__: copy.copy(module) shares the registries, as in PyTorch.)"""
        d = self.__dict__
        state: dict[str, Any] = {"training": d["training"], "_parameters": dict(d["_parameters"]),
                                 "_buffers": dict(d["_buffers"]),
                                 "_non_persistent_buffers_set": d["_non_persistent_buffers_set"]}
        for name in _TORCH_MODULE_STATE:
            value = d.get(name)
            state[name] = value if value is not None or name == "_is_full_backward_hook" else OrderedDict()
        state["_modules"] = dict(d["_modules"])
        for name, value in d.items():
            if name not in state:
                state[name] = value
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Restore what _torch_pickle_state (or real PyTorch's pickling of its own modules) wrote: the
        registries become ordered dicts again; PyTorch's hook dicts that torchless has no use for are
        dropped while empty."""
        d = self.__dict__
        d.update(state)
        for name in ("_parameters", "_buffers", "_modules"):
            if type(d.get(name)) is not OrderedDict:
                d[name] = OrderedDict(d.get(name) or ())
        d.setdefault("_non_persistent_buffers_set", set())
        for name in _TORCH_MODULE_STATE:
            if name in _TORCHLESS_HOOKS:
                d.setdefault(name, OrderedDict())
            elif name in d and not d[name]:
                del d[name]

    # ------------------------------------------------------------------ walking the tree
    def named_modules(self, memo: set[int] | None = None, prefix: str = "",
                      remove_duplicate: bool = True) -> Iterator[tuple[str, "Module"]]:
        """(qualified name, module) for this module and every module below it, depth first.

        memo: ids of modules already yielded; prefix: put before every name; remove_duplicate: yield a
        module reached twice only once."""
        if memo is None:
            memo = set()
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, module in self._modules.items():
            if module is None:
                continue
            sub_prefix = prefix + ("." if prefix else "") + name
            yield from module.named_modules(memo, sub_prefix, remove_duplicate)

    def modules(self) -> Iterator["Module"]:
        """This module and every module below it, depth first (each once)."""
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, "Module"]]:
        """(name, module) for each direct child (each once)."""
        seen = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in seen:
                seen.add(id(module))
                yield name, module

    def children(self) -> Iterator["Module"]:
        """The direct child modules (each once)."""
        for _, module in self.named_children():
            yield module

    def _named_members(self, registry: str, prefix: str, recurse: bool, remove_duplicate: bool,
                       skip_non_persistent: bool = False) -> Iterator[tuple[str, Any]]:
        """(qualified name, value) for each entry of one registry in this module (and below)."""
        seen = set()
        tree = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse \
            else [(prefix, self)]
        for module_prefix, module in tree:
            for name, value in module.__dict__[registry].items():
                if value is None or (skip_non_persistent and name in module._non_persistent_buffers_set):
                    continue
                if remove_duplicate:
                    if id(value) in seen:
                        continue
                    seen.add(id(value))
                yield module_prefix + ("." if module_prefix else "") + name, value

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Parameter]]:
        """('child.name', parameter) for each parameter, in registration order.

        prefix: put before every name; recurse: include the submodules' parameters; remove_duplicate:
        a parameter shared by two modules comes once."""
        yield from self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Every parameter of the module (and of its submodules when recurse), each once; what an
        optimizer takes."""
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Tensor]]:
        """('child.name', buffer) for each buffer, persistent or not; arguments as named_parameters."""
        yield from self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        """Every buffer of the module (and of its submodules when recurse), each once."""
        for _, buf in self.named_buffers(recurse=recurse):
            yield buf

    def get_submodule(self, target: str) -> "Module":
        """The submodule at the dotted path `target` ('' is this module); AttributeError if none."""
        if target == "":
            return self
        module = self
        for item in target.split("."):
            if not hasattr(module, item):
                raise AttributeError(f"{module._get_name()} has no attribute `{item}`")
            module = getattr(module, item)
            if not isinstance(module, Module):
                raise AttributeError(f"`{item}` is not an nn.Module")
        return module

    def get_parameter(self, target: str) -> Parameter:
        """The parameter at the dotted path `target` ('layer.weight'); AttributeError if none."""
        module_path, _, name = target.rpartition(".")
        module = self.get_submodule(module_path)
        if not hasattr(module, name):
            raise AttributeError(f"{module._get_name()} has no attribute `{name}`")
        param = getattr(module, name)
        if not isinstance(param, Parameter):
            raise AttributeError(f"`{name}` is not an nn.Parameter")
        return param

    def get_buffer(self, target: str) -> Tensor:
        """The buffer at the dotted path `target`; AttributeError if none."""
        module_path, _, name = target.rpartition(".")
        module = self.get_submodule(module_path)
        if name not in module._buffers:
            raise AttributeError(f"`{name}` is not a buffer")
        return module._buffers[name]

    def apply(self, fn: Callable[["Module"], None]) -> "Module":
        """fn(module) for every submodule (children first, then self); returns self."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # ------------------------------------------------------------------ modes and gradients
    def train(self, mode: bool = True) -> "Module":
        """Put this module and every submodule in training mode (mode=True) or evaluation mode.

        Dropout and other layers behave differently in the two; returns self."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        self.training = mode
        for module in self.children():
            module.train(mode)
        return self

    def eval(self) -> "Module":
        """Put the module in evaluation mode (the same as train(False)); returns self."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> "Module":
        """Set requires_grad on every parameter (False freezes them); returns self."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradient of every parameter: to None (default), or to zeros in place."""
        for p in self.parameters():
            grad = p._grad
            if grad is None:
                continue
            if set_to_none:
                p._grad = None
            else:
                if grad.grad_fn is not None:
                    grad.detach_()
                else:
                    grad.requires_grad_(False)
                grad.zero_()

    # ------------------------------------------------------------------ conversion
    def _apply(self, fn: Callable[[Tensor], Tensor]) -> "Module":
        """Replace every parameter's and buffer's data by fn(tensor), keeping the objects."""
        for module in self.children():
            module._apply(fn)
        with no_grad():
            for param in self._parameters.values():
                if param is None:
                    continue
                new = fn(param)
                if new is not param:
                    param.data = new
                grad = param._grad
                if grad is not None:
                    new_grad = fn(grad)
                    if new_grad is not grad:
                        param._grad = new_grad
            for name, buf in self._buffers.items():
                if buf is not None:
                    self._buffers[name] = fn(buf)
        return self

    def to(self, *args: Any, **kwargs: Any) -> "Module":
        """to(device), to(dtype), to(device, dtype), to(tensor): converts floating-point
        parameters and buffers in place; returns self."""
        dtype = kwargs.pop("dtype", None)
        dev = kwargs.pop("device", None)
        kwargs.pop("non_blocking", None)
        kwargs.pop("memory_format", None)
        if kwargs:
            raise TypeError(f"to() got an unexpected keyword argument '{next(iter(kwargs))}'")
        for a in args:
            if isinstance(a, _dtype_cls):
                dtype = a
            elif isinstance(a, Tensor):
                dtype = a.dtype
            elif isinstance(a, (str, _device_cls)):
                dev = a
            elif isinstance(a, bool):  # non_blocking given positionally
                pass
            elif isinstance(a, int):
                raise RuntimeError(f"torchless runs on the CPU only: there is no device {a} "
                                   "(use .to('cpu') or leave the device out)")
            else:
                raise TypeError(f"to() received an invalid combination of arguments: {type(a).__name__}")
        if dev is not None:
            _require_cpu(dev)
        if dtype is None:
            return self
        if not (dtype.is_floating_point or dtype.is_complex):
            raise TypeError("nn.Module.to only accepts floating point or complex dtypes, but got "
                            f"desired dtype={dtype}")
        return self._apply(lambda t: t.to(dtype) if t.is_floating_point() or t.is_complex() else t)

    def cpu(self) -> "Module":
        """The module on the CPU: itself (torchless has no other device)."""
        return self

    def cuda(self, device: Any = None) -> "Module":
        """Move to a CUDA device: torchless has none, so this raises RuntimeError."""
        raise RuntimeError("torchless runs on the CPU only: there is no CUDA device "
                           "(leave the model on the CPU, or use .to('cpu'))")

    def type(self, dst_type: Any) -> "Module":
        """Cast every parameter and buffer to `dst_type` (a dtype or tensor type name); returns self."""
        return self._apply(lambda t: t.type(dst_type))

    def float(self) -> "Module":
        """Cast floating-point parameters and buffers to float32; returns self."""
        return self._apply(lambda t: t.float() if t.is_floating_point() else t)

    def double(self) -> "Module":
        """Cast floating-point parameters and buffers to float64; returns self."""
        return self._apply(lambda t: t.double() if t.is_floating_point() else t)

    def half(self) -> "Module":
        """Cast floating-point parameters and buffers to float16; returns self."""
        return self._apply(lambda t: t.half() if t.is_floating_point() else t)

    # ------------------------------------------------------------------ state_dict
    def _save_to_state_dict(self, destination: dict[str, Any], prefix: str, keep_vars: bool) -> None:
        for name, param in self._parameters.items():
            if param is not None:
                destination[prefix + name] = param if keep_vars else param.detach()
        for name, buf in self._buffers.items():
            if buf is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = buf if keep_vars else buf.detach()

    def state_dict(self, *args: Any, destination: Any = None, prefix: str = "",
                   keep_vars: bool = False) -> Any:
        """An OrderedDict of every parameter and persistent buffer, keyed 'child.name'
        (detached tensors sharing storage with the model, unless keep_vars)."""
        if args:  # PyTorch's deprecated positional form: (destination, prefix, keep_vars)
            destination, prefix, keep_vars = (list(args) + [destination, prefix, keep_vars][len(args):])[:3]
        if destination is None:
            destination = OrderedDict()
            destination._metadata = OrderedDict()
        metadata = getattr(destination, "_metadata", None)
        if metadata is not None:
            metadata[prefix[:-1]] = {"version": self._version}
        self._save_to_state_dict(destination, prefix, keep_vars)
        for name, module in self._modules.items():
            if module is not None:
                module.state_dict(destination=destination, prefix=prefix + name + ".", keep_vars=keep_vars)
        return destination

    def _load_from_state_dict(self, state_dict: Mapping[str, Any], prefix: str, missing_keys: list[str],
                              unexpected_keys: list[str], error_msgs: list[str], assign: bool = False) -> None:
        local = [(n, p) for n, p in self._parameters.items() if p is not None]
        local += [(n, b) for n, b in self._buffers.items()
                  if b is not None and n not in self._non_persistent_buffers_set]
        for name, target in local:
            key = prefix + name
            if key not in state_dict:
                missing_keys.append(key)
                continue
            value = state_dict[key]
            if not isinstance(value, Tensor):
                error_msgs.append(f'While copying the parameter named "{key}", expected torch.Tensor '
                                  f"or Tensor-like object from checkpoint but received {type(value)}")
                continue
            if value.shape != target.shape:
                error_msgs.append(f"size mismatch for {key}: copying a param with shape {value.shape} "
                                  f"from checkpoint, the shape in current model is {target.shape}.")
                continue
            if assign:  # take the loaded tensor itself (its dtype and storage)
                if name in self._parameters:
                    self._parameters[name] = Parameter(value, requires_grad=target.requires_grad)
                else:
                    self._buffers[name] = value
                continue
            try:
                with no_grad():
                    target.copy_(value)
            except Exception as exc:
                error_msgs.append(f'While copying the parameter named "{key}", whose dimensions in the '
                                  f"model are {target.shape} and whose dimensions in the checkpoint "
                                  f"are {value.shape}, an exception occurred : {exc.args}.")
        # a key under this prefix is unexpected unless it names a local entry or goes into a child
        local_names = {name for name, _ in local}
        for key in state_dict:
            if not key.startswith(prefix):
                continue
            head, dot, _ = key[len(prefix):].partition(".")
            if (head not in self._modules) if dot else (head not in local_names):
                unexpected_keys.append(key)

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True,
                        assign: bool = False) -> _IncompatibleKeys:
        """Copy values from state_dict into this module's parameters and buffers (in place), or
        with assign=True take the given tensors themselves."""
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        missing_keys: list[str] = []
        unexpected_keys: list[str] = []
        error_msgs: list[str] = []
        for prefix, module in self.named_modules(remove_duplicate=False):
            module_prefix = prefix + "." if prefix else ""
            module._load_from_state_dict(state_dict, module_prefix, missing_keys, unexpected_keys,
                                         error_msgs, assign)
        if strict:
            if unexpected_keys:
                error_msgs.insert(0, "Unexpected key(s) in state_dict: {}. ".format(
                    ", ".join(f'"{k}"' for k in unexpected_keys)))
            if missing_keys:
                error_msgs.insert(0, "Missing key(s) in state_dict: {}. ".format(
                    ", ".join(f'"{k}"' for k in missing_keys)))
        if error_msgs:
            raise RuntimeError("Error(s) in loading state_dict for {}:\n\t{}".format(
                type(self).__name__, "\n\t".join(error_msgs)))
        return _IncompatibleKeys(missing_keys, unexpected_keys)

    # ------------------------------------------------------------------ printing
    def _get_name(self) -> str:
        return type(self).__name__

    def extra_repr(self) -> str:
        """The text inside this module's parentheses in its repr; subclasses override it."""
        return ""

    def _child_lines(self) -> list[str]:
        return [f"({name}): {_addindent(repr(module), 2)}" for name, module in self._modules.items()]

    def __repr__(self) -> str:
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = self._child_lines()
        lines = extra_lines + child_lines
        text = self._get_name() + "("
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                text += extra_lines[0]
            else:
                text += "\n  " + "\n  ".join(lines) + "\n"
        return text + ")"
