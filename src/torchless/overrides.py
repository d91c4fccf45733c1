"""torch.overrides: the `__torch_function__` protocol, by which a torch function hands a call to the type
of one of its arguments.

A class that defines the classmethod `__torch_function__(cls, func, types, args=(), kwargs=None)` takes
over every torch function called with one of its instances: the function calls
`cls.__torch_function__(func, types, args, kwargs)` and returns what that returns, instead of computing
itself. `types` lists the overriding classes among the arguments; a class that cannot handle the call
returns `NotImplemented` and the next one is asked. vmap's BatchedTensor takes torch functions this way
(torchless/func/batching.py).

Functions look for overrides on their slow path only: after the `type(x) is Tensor` checks that plain
calls pass, so a call on plain tensors pays nothing for the protocol.

Floor 0: this module knows no Tensor; a type overrides when it defines a `__torch_function__` that is
not None.
"""
import inspect
import re
from typing import Any, Callable, Dict, Iterable, List, NoReturn, Optional

__all__ = ["has_torch_function", "handle_torch_function", "function_of_method", "function_doc", "dispatching",
           "Overridden"]


class Overridden(BaseException):
    """Raised by an overriding type when a function's plain-tensor code reads one of its instances as if
    it were a plain tensor (vmap's BatchedTensor does, where it has no batching rule at hand). A torch
    function whose first argument was plain catches it and hands the call to the protocol after all,
    since a later argument overrides (torch.matmul(W, x) with x batched): its fast path checks only the
    first argument's type, and the except clause costs nothing until it catches. A BaseException, so
    that no `except Exception` on the way swallows it."""


# Whether each type met so far defines __torch_function__ (a failed attribute lookup on a class costs
# a caught AttributeError, ~0.4 us: asked once per type); lists and tuples are looked into.
_NESTED = 2
_OVERRIDES: Dict[type, Any] = {list: _NESTED, tuple: _NESTED}


def _overrides(cls: type) -> bool:
    """Whether cls defines __torch_function__ (remembered)."""
    answer = _OVERRIDES.get(cls)
    if answer is None:
        answer = _OVERRIDES[cls] = getattr(cls, "__torch_function__", None) is not None
    return answer is True


def _overriding_type(value: Any) -> Any:
    """The type of value if it defines __torch_function__, else None."""
    cls = type(value)
    return cls if _overrides(cls) else None


def has_torch_function(relevant_args: Iterable[Any]) -> bool:
    """Whether any of `relevant_args` (a tensor list such as torch.stack's counts: its items are
    looked at too) has a type that defines __torch_function__.

    Guard `handle_torch_function` with it, on a function's slow path."""
    known = _OVERRIDES.get
    for value in relevant_args:
        answer = known(type(value))
        if answer is False:
            continue
        if answer is True:
            return True
        if answer is _NESTED:
            if has_torch_function(value):
                return True
        elif _overrides(type(value)):
            return True
    return False


def _overriding_types(relevant_args: Iterable[Any], found: List[Any]) -> List[Any]:
    """The overriding types among relevant_args in the order PyTorch asks them: first seen first,
    except that a subclass comes before its base classes."""
    for value in relevant_args:
        if type(value) is list or type(value) is tuple:
            _overriding_types(value, found)
            continue
        cls = _overriding_type(value)
        if cls is None or cls in found:
            continue
        position = len(found)
        for i, seen in enumerate(found):
            if issubclass(cls, seen):
                position = i
                break
        found.insert(position, cls)
    return found


def _public_name(func: Callable[..., Any]) -> str:
    """The function's name as PyTorch writes it in dispatch errors: 'torch.stack', 'torch.nn.functional.linear'."""
    module = getattr(func, "__module__", None) or "torch"
    module = "torch" + module[len("torchless"):] if module.startswith("torchless") else module
    if module.startswith("torch._"):  # a private module that the torch namespace re-exports from
        module = "torch"
    return f"{module}.{getattr(func, '__name__', repr(func))}"


def handle_torch_function(public_api: Callable[..., Any], relevant_args: Iterable[Any], *args: Any,
                          **kwargs: Any) -> Any:
    """Call `public_api(*args, **kwargs)` through the __torch_function__ of the overriding types
    among `relevant_args`: the first one (subclasses before their bases) that returns something other
    than NotImplemented gives the result.

    Raises TypeError when every one returns NotImplemented."""
    types = _overriding_types(relevant_args, [])
    frozen = tuple(types)
    for cls in types:
        result = cls.__torch_function__(public_api, frozen, args, kwargs)
        if result is not NotImplemented:
            return result
    listed = "".join(f"  - tensor subclass {cls}\n" for cls in types)
    raise TypeError(f"Multiple dispatch failed for '{_public_name(public_api)}'; all __torch_function__ "
                    f"handlers returned NotImplemented:\n\n{listed}\nFor more information, try re-running with "
                    "TORCH_LOGS=not_implemented")


def function_of_method(method: Callable[..., Any], name: str, plain_type: type,
                       out_writer: Optional[Callable[..., Any]] = None) -> Callable[..., Any]:
    """The torch function `torch.<name>(input, ...)` for the Tensor method `method`: the method
    itself when input is a `plain_type` tensor (one call and one type check more than calling the
    method), and otherwise, when an argument overrides, the call handed to its __torch_function__
    (with this function as `func`; `func.__wrapped__` is the method).

    The function takes the method's own parameters (self renamed input, in its docstring too: see
    `function_doc`), so that forwarding them costs no *args tuple or **kwargs dict: it is written
    out from the method's signature.

    `out_writer(name, result, out)`: the function takes PyTorch's keyword `out=` too (where the method
    has none), the result then written into `out` by it (one `is None` test more per call)."""
    signature: Optional[inspect.Signature]
    try:
        signature = inspect.signature(method)
    except (TypeError, ValueError):  # no signature to copy: forward everything
        signature = None
    parameters = [] if signature is None else list(signature.parameters.values())
    if not parameters or parameters[0].kind not in (_POSITIONAL, _POSITIONAL_ONLY):
        signature = None
        parameters = [inspect.Parameter("input", _POSITIONAL), inspect.Parameter("args", _VAR_POSITIONAL),
                      inspect.Parameter("kwargs", _VAR_KEYWORD)]
    # the tensor argument: a method's `self` is PyTorch's `input`; a function used as a method keeps
    # its own name (torch.split(tensor=x, ...))
    first = "input" if parameters[0].name == "self" else parameters[0].name
    namespace: Dict[str, Any] = {"_method": method, "_plain": plain_type, "_has": has_torch_function,
                                 "_handle": handle_torch_function, "_refuse": _refuse_argument,
                                 "_retype": wrong_argument_type, "_reposition": method_to_function_position,
                                 "_overridden": Overridden}
    heads, calls, relevant, extra = [], [], [], ""
    starred = False
    for i, p in enumerate(parameters):
        pname = first if i == 0 else p.name
        default = ""
        if p.default is not inspect.Parameter.empty:
            namespace["_default_" + pname] = p.default
            default = "=_default_" + pname
        if p.kind in (_POSITIONAL, _POSITIONAL_ONLY):
            heads.append(pname + default)
            calls.append(pname)
            relevant.append(pname)
        elif p.kind is _VAR_POSITIONAL:
            heads.append("*" + pname)
            calls.append("*" + pname)
            extra = " + " + pname
            starred = True
        elif p.kind is _KEYWORD_ONLY:
            if not starred:
                heads.append("*")
                starred = True
            heads.append(pname + default)
            calls.append(f"{pname}={pname}")
        else:
            heads.append("**" + pname)
            calls.append("**" + pname)
    takes_out = out_writer is not None and signature is not None and "out" not in signature.parameters and \
        not any(p.kind is _VAR_KEYWORD for p in parameters)
    if takes_out:
        heads.append("out=None" if starred else "*, out=None")
        namespace["_out"] = out_writer
        namespace["_name"] = name
    head, call, args = ", ".join(heads), ", ".join(calls), "(" + ", ".join(relevant) + ",)" + extra
    names = tuple(first if i == 0 else p.name for i, p in enumerate(parameters)
                  if p.kind in (_POSITIONAL, _POSITIONAL_ONLY))
    namespace["_names"] = names
    # (a try costs nothing until it catches: the wrong-type check runs on the failure path only)
    source = (f"def function({head}):\n"
              + (f"    if out is not None:\n"
                 f"        return _out(_name, function({call}), out, {args})\n" if takes_out else "") +
              f"    if type({first}) is _plain:\n"
              f"        try:\n"
              f"            return _method({call})\n"
              f"        except AttributeError as e:\n"
              f"            _retype(function, e, {args}, _names, _plain)\n"
              f"            raise\n"
              f"        except _overridden:\n"  # a later argument overrides (see Overridden)
              f"            if _has({args}):\n"
              f"                return _handle(function, {args}, {call})\n"
              f"            raise\n"
              + (f"        except TypeError as e:\n"  # a method's own positions: one less than the function's
                 f"            _reposition(e, function)\n"
                 f"            raise\n" if parameters[0].name == "self" else "") +
              f"    if _has({args}):\n"
              f"        return _handle(function, {args}, {call})\n"
              f"    if isinstance({first}, _plain):\n"
              f"        return _method({call})\n"
              f"    _refuse(function, {first!r}, {first})\n")
    code = _COMPILED.get(source)
    if code is None:  # many functions share one parameter list: compile each list once
        code = _COMPILED[source] = compile(source, "<torch function>", "exec")
    exec(code, namespace)  # (the function's own parameters: see the docstring)
    function: Callable[..., Any] = namespace["function"]
    own = getattr(method, "__name__", "")
    # An alias (torch.swapaxes) keeps the name of the method it is (transpose), as its docstring does.
    function.__name__ = function.__qualname__ = own if own.isidentifier() and "Backward" not in own else name
    function.__doc__ = function_doc(method.__doc__)
    setattr(function, "__wrapped__", method)
    if signature is not None and parameters[0].name == "self":
        # inspect.signature and help() would follow __wrapped__ to the method and show `self`
        setattr(function, "__signature__", signature.replace(
            parameters=[parameters[0].replace(name="input")] + parameters[1:]
            + ([inspect.Parameter("out", _KEYWORD_ONLY, default=None)] if takes_out else [])))
    function.__module__ = "torchless"
    return function


def method_to_function_position(error: TypeError, function: Callable[..., Any]) -> None:
    """A method's TypeError about one of its arguments, raised through the torch function: the
    argument's position counted as the function counts it, one more than the method does (the
    tensor comes first). `x.logit("a")` says "logit(): argument 'eps' (position 1) must be float,
    not str", and `torch.logit(x, "a")` "(position 2)", as PyTorch's messages do."""
    args = error.args
    if len(args) != 1 or type(args[0]) is not str:
        return
    message = args[0]
    if message.startswith(getattr(function, "__name__", "") + "(): argument '"):
        error.args = (_POSITION.sub(lambda m: f"(position {int(m.group(1)) + 1})", message, count=1),)


_POSITION = re.compile(r"\(position (\d+)\)")


def wrong_argument_type(function: Callable[..., Any], error: AttributeError, values: Any, names: Any,
                        tensor_type: type) -> None:
    """Raise PyTorch's TypeError where `error` (an AttributeError caught from `function`) came from
    reading a tensor's attribute off one of the arguments `values` (named `names`), or off an item
    of a list or tuple among them, that is no tensor: torch.dist(x, "a") must say which argument is
    wrong, not that a str has no `_data`. Returns where the error came from elsewhere (a bug to show
    as it is)."""
    if getattr(error, "name", None) is None:  # raised by hand, not by an attribute lookup
        return
    culprit = error.obj
    if isinstance(culprit, tensor_type):
        return
    fname = getattr(function, "__name__", "function")
    for i, value in enumerate(values):
        name = names[i] if i < len(names) else f"{names[-1] if names else 'args'}[{i - len(names) + 1}]"
        if value is culprit:
            raise TypeError(f"{fname}(): argument '{name}' (position {i + 1}) must be Tensor, not "
                            f"{type(value).__name__}") from None
        if type(value) is list or type(value) is tuple:
            for j, item in enumerate(value):
                if item is culprit:
                    raise TypeError(f"{fname}(): expected Tensor as element {j} in argument {i}, but got "
                                    f"{type(item).__name__}") from None


def dispatching(function: Callable[..., Any]) -> Callable[..., Any]:
    """`function` (a torch function off the hot path) handing a call with an overriding argument
    (vmap's BatchedTensor) to its __torch_function__, with itself as `func` (its `__wrapped__` is
    function; function's attributes, as its `batching` kind, are copied onto it)."""
    import functools

    def dispatched(*args: Any, **kwargs: Any) -> Any:
        if has_torch_function(args) or (kwargs and has_torch_function(tuple(kwargs.values()))):
            return handle_torch_function(dispatched, args + tuple(kwargs.values()), *args, **kwargs)
        return function(*args, **kwargs)
    functools.update_wrapper(dispatched, function)
    return dispatched


def tensor_arguments(function: Callable[..., Any], tensor_type: Optional[type] = None) -> Callable[..., Any]:
    """`function` (a torch function off the hot path) raising PyTorch's TypeError for an argument of
    the wrong type where it would raise an AttributeError from inside (see wrong_argument_type). A
    function that declares a vmap `batching` kind hands BatchedTensors on (`dispatching`)."""
    if getattr(function, "batching", None) is not None and not hasattr(function, "__wrapped__"):
        function = dispatching(function)
    signature = inspect.signature(function)
    names = tuple(signature.parameters)

    def checked(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except AttributeError as e:
            wrong_argument_type(function, e, args + tuple(kwargs.values()),
                                names[:len(args)] + tuple(kwargs), tensor_type or _tensor_type(function))
            raise
    checked.__name__, checked.__qualname__ = function.__name__, function.__qualname__
    checked.__doc__, checked.__module__ = function.__doc__, function.__module__
    setattr(checked, "__wrapped__", function)
    setattr(checked, "__signature__", signature)
    for attribute in ("batching", "batching_spec"):
        if hasattr(function, attribute):
            setattr(checked, attribute, getattr(function, attribute))
    return checked


def _tensor_type(function: Callable[..., Any]) -> type:
    """The Tensor class, found through the module of `function` (this floor knows no Tensor)."""
    import sys
    tensor_type: type = getattr(sys.modules["torchless"], "Tensor")
    return tensor_type


def not_a_tensor(function_name: str, parameter: str, value: Any, position: int = 1) -> TypeError:
    """PyTorch's TypeError for `value`, of another type, passed where the tensor `parameter` goes."""
    return TypeError(f"{function_name}(): argument '{parameter}' (position {position}) must be Tensor, not "
                     f"{type(value).__name__}")


def _refuse_argument(function: Callable[..., Any], name: str, value: Any) -> NoReturn:
    """PyTorch's TypeError for a torch function called with something else than a tensor where its
    tensor goes (torch.exp(2), torch.add([1], x))."""
    raise TypeError(f"{function.__name__}(): argument '{name}' (position 1) must be Tensor, not "
                    f"{type(value).__name__}")


def function_doc(method_doc: Optional[str]) -> Optional[str]:
    """The docstring of a torch function from its method's: the method's text, which calls the tensor
    `self`, with `input` in its place, the name PyTorch's function signatures give that argument
    (`exp(self) -> Tensor` becomes `exp(input) -> Tensor`; `x.exp` keeps its own text). A signature
    line that leaves the tensor out, as PyTorch's method docs do (`clone(*, memory_format=...)`),
    gets `input` as its first parameter."""
    if method_doc is None:
        return None
    return _NO_TENSOR_PARAMETER.sub(_add_input, _SELF.sub("input", method_doc), count=1)


def _add_input(match: "re.Match[str]") -> str:
    return match.group(1) + ("input)" if match.group(2) == ")" else "input, *")


_SELF = re.compile(r"\bself\b")
# the signature on the first line, when its parameter list is empty or starts with `*`
_NO_TENSOR_PARAMETER = re.compile(r"\A(\s*[A-Za-z_]\w*\()(\)|\*(?![*\w]))")
_COMPILED: Dict[str, Any] = {}  # the source of a torch function -> its compiled module code
_POSITIONAL, _POSITIONAL_ONLY = inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.POSITIONAL_ONLY
_VAR_POSITIONAL, _KEYWORD_ONLY, _VAR_KEYWORD = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.KEYWORD_ONLY,
                                                inspect.Parameter.VAR_KEYWORD)
