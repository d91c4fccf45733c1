"""Custom differentiable functions: subclass `torch.autograd.Function` with static `forward(ctx, ...)`
and `backward(ctx, *grads)`, call `.apply(...)`. As in PyTorch, `ctx` *is* the output's grad_fn.

A Function is recorded like every op, through the one recorder (`record` in _tensor/_core.py): the
grad-mode check, the edges, the stamp, anomaly mode's stack and the saved-tensor hooks all come from
there. What is particular to a Function is what its forward returns: Tensors it made itself (or its
inputs), not arrays. FunctionCtx declares `adopts_outputs`, so record() hands those to
`FunctionCtx.adopt_outputs`, which links them to the node with PyTorch's rules (an input returned as
is becomes a new tensor sharing its data, a `mark_dirty` input keeps its identity and gets the edge,
`mark_non_differentiable` and integer outputs stay out of the graph). Forward mode AD runs the
Function's own `jvp` (record()'s tangent step leaves Functions alone).
"""
import inspect
import warnings

import numpy as np

from ..engine import forward_ad as _forward_ad
from ..engine.grad_mode import no_grad, set_grad_mode, state
from ..engine.node import SAVED_FREED_MSG, Node, graph_features
from .._dtype import FROM_NP as _FROM_NP
from .._tensor._core import NO_EDGE, Tensor, _bump_version, _plain, _plain_out, record
from .._tensor._indexing import copy_into_view
from ..backend import numpy as NP

__all__ = ["Function", "FunctionCtx", "once_differentiable"]

_fw = _forward_ad.state  # _fw.level >= 0: a dual level is open


class FunctionCtx(Node):
    """The ctx handed to forward/backward; becomes the outputs' grad_fn (named `<Name>Backward`)."""

    relift = False          # backward reads Tensors (saved_tensors): nothing to rebuild for create_graph
    adopts_outputs = True   # record() hands forward's Tensors to adopt_outputs (see the module doc)
    _fn_cls = None
    _materialize = True
    _non_diff = ()
    _dirty = ()
    _to_save = None         # what save_for_backward was given, until the outputs are linked
    _saved_sources = None   # per saved value: None, an output index, or the Tensor it came from
    _saved_for_forward = None
    _in_jvp = False

    def __repr__(self):
        return f"<torch.autograd.function.{type(self).__name__} object at {id(self):#x}>"

    def save_for_backward(self, *tensors):
        """Keep `tensors` (Tensors or None) for backward, which reads them back as `saved_tensors`.
        Their versions are checked there: modifying one in place in between is an error."""
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, Tensor):
                raise TypeError("save_for_backward can only save variables, but argument "
                                f"{i} is of type {type(t).__name__}")
        self._to_save = tensors

    def save_for_forward(self, *tensors):
        """Tensors the jvp (forward-mode AD) will read through saved_tensors."""
        self._saved_for_forward = tensors

    @property
    def saved_tensors(self):
        """The tensors given to save_for_backward (in jvp: to save_for_forward). Inside forward,
        before the outputs are linked, nothing is saved yet: an empty tuple. Raises if one of them
        was modified in place since (or backward freed them)."""
        if self._in_jvp:
            return self._saved_for_forward or ()
        if "check_saved" in self.__dict__:  # saved-tensor hooks packed them: unpack first
            self.check_saved()
        saved = self.saved
        if saved is None:
            if getattr(self, "stamp", 0) < 0:
                raise RuntimeError(SAVED_FREED_MSG)
            return ()
        self.check_saved()  # their versions, as PyTorch checks them on unpacking
        out = []
        for array, source in zip(saved, self._saved_sources):
            if source is None:
                out.append(None)
            elif type(source) is int:  # an output of this node: saved as data (see adopt_outputs)
                t = _plain(array)
                t._rg = True
                t._edge = (self, source)
                out.append(t)
            elif array is source._data:
                out.append(source)
            else:  # unpack_hook gave other data: a tensor with it, in the saved tensor's place in the graph
                t = _plain(array)
                if source._rg:
                    t._rg = True
                    t._edge = source._edge or source._leaf_edge()
                out.append(t)
        return tuple(out)

    def mark_non_differentiable(self, *tensors):
        """The outputs among `tensors` get no gradient: they do not require grad."""
        self._non_diff = tuple(id(t) for t in tensors)

    def mark_dirty(self, *tensors):
        """Forward modified these inputs in place: returned, they stay the same objects and become
        outputs of this node."""
        self._dirty = tuple(id(t) for t in tensors)

    def set_materialize_grads(self, value):
        """Whether backward gets zeros (True, the default) or None for outputs without a gradient."""
        self._materialize = bool(value)

    # ------------------------------------------------------------------ linking the outputs
    @staticmethod
    def adopt_outputs(node, out):
        """record()'s result for a Function: `out` is what _FunctionForward returned, (ctx, forward's
        result, the arguments); `node` is ctx when it is recorded, else None. Each Tensor output is
        linked to the node, or kept out of the graph, as PyTorch does it."""
        ctx, result, args = out
        is_tuple = type(result) is tuple
        dirty, non_diff = ctx._dirty, ctx._non_diff
        if (not is_tuple and node is not None and not dirty and not non_diff and isinstance(result, Tensor)
                and result._data.dtype.kind in "fc"):  # the common case: one new float output
            for a in args:
                if a is result:
                    break
            else:
                if result._nograd:  # a view made by forward (under no_grad): now this node's output
                    result._nograd = 0
                    result.__dict__.pop("_leaf_edge", None)
                result._rg = True
                result._edge = (node, 0)
                ctx._out_meta = ((result._data.shape, result._data.dtype),)
                if ctx._to_save is not None:
                    ctx._keep_saved()
                return result
        outs = result if is_tuple else (result,)
        if dirty and not {id(o) for o in outs if isinstance(o, Tensor)}.issuperset(dirty):
            raise RuntimeError(DIRTY_NOT_RETURNED_MSG)
        n = len(outs)
        if node is not None:
            ctx._out_meta = tuple((o._data.shape, o._data.dtype) if isinstance(o, Tensor) else None for o in outs)
            if n > 1:
                ctx.multi_output = graph_features.multi_output = True
                ctx.num_outputs = n
        final = []
        for i, o in enumerate(outs):
            if isinstance(o, Tensor):
                o = _link_output(node, o, i, n, args, dirty, non_diff)
            final.append(o)
        if node is not None:
            if ctx._to_save is not None:
                ctx._keep_saved()
            if dirty:
                _write_dirty_views(node, args, final)
        return tuple(final) if is_tuple else final[0]

    def _keep_saved(self):
        """Store what save_for_backward was given as record() stores any op's saved values: arrays
        in `saved` (where saved-tensor hooks see them), the Tensors they came from in `inputs` (for
        the version check, and handed to pack_hook). An output of this node is kept as its data and
        its index: holding the Tensor would hold its grad_fn, this node, in a reference cycle."""
        sources = []
        arrays = []
        for t in self._to_save:
            if t is None:
                sources.append(None)
                arrays.append(None)
                continue
            edge = t._edge
            i = edge[1] if edge is not None and edge[0] is self else None  # one of our outputs: its index
            sources.append(t if i is None else i)
            arrays.append(t._data)
            if i is not None:
                self.saves_output = True  # an in-place op on the output then marks this node dirty
        self._to_save = None
        self._saved_sources = tuple(sources)
        self.inputs = tuple(s for s in sources if s is not None and type(s) is not int)
        self.saved = tuple(arrays)

    def view_modified_error(self, index):
        """PyTorch's error for an in-place op (with grad) on output `index`, a view: autograd would
        rewrite the view's history and bypass this Function's backward."""
        name = self._fn_cls.__name__
        if self.multi_output:
            return RuntimeError(f"Output {index} of {name} is a view and is being modified inplace. This view is "
                                "the output of a function that returns multiple views. Such functions do not allow "
                                "the output views to be modified inplace. You should replace the inplace operation "
                                "by an out-of-place one.")
        return RuntimeError(f"Output {index} of {name} is a view and is being modified inplace. This view was "
                            "created inside a custom Function (or because an input was returned as-is) and the "
                            "autograd logic to handle view+inplace would override the custom backward associated "
                            "with the custom Function, leading to incorrect gradients. This behavior is forbidden. "
                            "You can fix this by cloning the output of the custom Function.")

    # ------------------------------------------------------------------ backward
    def vjp(self, g, xp):
        """Run the Function's backward on Tensors: one gradient per output (zeros for a Tensor output
        without one, unless set_materialize_grads(False); None for other outputs). Returns one
        gradient per Tensor argument, summed back to the argument's shape where it broadcast, and
        cast to its dtype."""
        grads = g if self.multi_output else [g]
        wrapped = []
        for i, x in enumerate(grads):
            if x is None:
                meta = self._out_meta[i]
                if self._materialize and meta is not None:  # (a non-Tensor output gets None)
                    x = _plain(NP.zeros(meta[0], meta[1]))
            elif not isinstance(x, Tensor):
                x = _plain_out(x)
            wrapped.append(x)
        result = self._fn_cls.backward(self, *wrapped)
        if not isinstance(result, tuple):
            result = (result,)
        arg_is_tensor = self._arg_is_tensor
        n_args = len(arg_is_tensor)
        if len(result) != n_args:
            # PyTorch tolerates extra trailing Nones, nothing else
            if len(result) < n_args or any(r is not None for r in result[n_args:]):
                raise RuntimeError(f"function {type(self).__name__} returned an incorrect number of "
                                   f"gradients (expected {n_args}, got {len(result)})")
        out = []
        metas = iter(self._in_meta)
        for i, (r, is_tensor) in enumerate(zip(result, arg_is_tensor)):
            if not is_tensor:
                continue
            shape, dtype = next(metas)
            if r is None:
                out.append(None)
                continue
            if not isinstance(r, Tensor):
                raise RuntimeError(f"expected Variable or None (got {type(r).__name__}): "
                                   f"{type(self).__name__} must return one Tensor (or None) per input")
            if r._data.shape != shape:
                r = self._fit_shape(r, shape, i, xp)
            if r._data.dtype != dtype:
                r = r.to(_FROM_NP[dtype])
            out.append(r if state.enabled else r._data)
        return tuple(out)

    def _fit_shape(self, r, shape, index, xp):
        """A returned gradient whose input broadcast to it is summed back; anything else is an error."""
        got = r._data.shape
        fits = len(got) >= len(shape) and all(
            s == 1 or s == g for s, g in zip(shape[::-1], got[::-1]))
        if not fits:
            raise RuntimeError(f"Function {type(self).__name__} returned an invalid gradient at index "
                               f"{index} - got {list(got)} but expected shape compatible with {list(shape)}")
        return xp.sum_to(r, shape) if state.enabled else _plain_out(NP.sum_to(r._data, shape))


DIRTY_LEAF_MSG = "a leaf Variable that requires grad has been used in an in-place operation."
DIRTY_NOT_INPUT_MSG = ("ctx.mark_dirty() received a tensor that was not an input. Only input Tensors that "
                       "have been mutated should be passed to ctx.mark_dirty().")
DIRTY_TANGENT_MSG = ("An inplace custom Function is not modifying the forward mode gradients inplace. If the "
                     "forward is modifying an input inplace, then the jvp function must modify the corresponding "
                     "gradient inplace.")
DIRTY_NOT_RETURNED_MSG = ("Some elements marked as dirty during the forward method were not returned as output. "
                          "The inputs that are modified inplace must all be outputs of the Function.")
DIRTY_VIEW_MSG = ("If your Function modifies inplace an input that is a view of another Tensor, your Function "
                  "cannot return more than one Tensor. This is not supported by the current autograd engine. "
                  "You should either make sure the input is not a view (using .clone() for example) or make "
                  "your Function only return one Tensor (potentially splitting it into two Functions: one "
                  "doing the inplace that returns the view and one doing the rest of the computations).")


def _write_dirty_views(node, args, outs):
    """Recorded inputs that forward modified in place and that are views: their base must see the
    write, as for any in-place op on a view (copy_into_view records PyTorch's CopySlices on the
    base, and the view reads back from it). Their version is bumped here (see _FunctionForward)."""
    dirty = node._dirty
    for t in args:
        if not isinstance(t, Tensor) or t._base is None or id(t) not in dirty:
            continue
        for i, o in enumerate(outs):
            if o is t and t._edge[0] is node:  # returned, and linked to this node: write it through
                written = _plain(t._data)
                written._rg = True
                written._edge = (node, i)
                copy_into_view(t, written)
                break
        else:
            _bump_version(t)


def _link_output(node, o, index, n_outputs, args, dirty, non_diff):
    """Output `index` of a Function as the caller gets it (PyTorch's rules). `node`: the recorded
    ctx, or None when nothing is recorded."""
    is_input = False
    for a in args:
        if a is o:
            is_input = True
            break
    if o._nograd and node is not None:  # a view made by forward (under no_grad): now this node's output
        o._nograd = 0
        o.__dict__.pop("_leaf_edge", None)
    modified = id(o) in dirty
    if node is None or id(o) in non_diff or o._data.dtype.kind not in "fc":  # no gradient for it
        if not o._rg:
            # an input returned as is: a new tensor sharing its data (and its version counter)
            return o.detach() if is_input and not modified else o
        if is_input:
            return o.detach()
        if o._base is None:
            o._rg = False
            o._edge = NO_EDGE
        return o
    if modified:
        if o._rg and o.is_leaf:
            raise RuntimeError(DIRTY_LEAF_MSG)
        if not is_input:
            warnings.warn(DIRTY_NOT_INPUT_MSG, UserWarning, stacklevel=6)  # at apply's caller
        if o._base is not None and n_outputs > 1:
            raise RuntimeError(DIRTY_VIEW_MSG)
    elif is_input:  # a new tensor sharing the input's data (a view of it), this node's output
        root = o if o._base is None else o._base
        o = _plain(o._data)
        o._base = root
    o._rg = True
    o._edge = (node, index)
    return o


class _FunctionForward:
    """What record() runs as the forward of a Function's node: the Function's own forward, without
    recording and without tangents, on the ctx (the node record() made, or a throwaway one when
    nothing is recorded). Returns (ctx, forward's result, args) for FunctionCtx.adopt_outputs."""

    __slots__ = ("cls", "kwargs", "needs_input_grad", "ctx")

    def __init__(self, cls, kwargs, needs_input_grad):
        self.cls = cls
        self.kwargs = kwargs
        self.needs_input_grad = needs_input_grad
        self.ctx = None

    def __call__(self, node, xp, *args):
        cls = self.cls
        ctx = self.ctx = node if node is not None else cls._backward_cls()
        ctx.needs_input_grad = self.needs_input_grad
        level = _fw.level
        _fw.level = -1  # forward's own ops carry no tangents: the Function's jvp gives them
        grad_mode = state.enabled
        set_grad_mode(False)  # (no_grad, without building its context manager)
        try:
            if cls._setup_context_style:
                result = cls.forward(*args)
                cls.setup_context(ctx, args, result)
            else:
                result = cls.forward(ctx, *args, **self.kwargs)
        finally:
            _fw.level = level
            set_grad_mode(grad_mode)
        if ctx._dirty:
            for t in args:  # inputs modified in place get one more version, as in PyTorch (a recorded
                if isinstance(t, Tensor) and id(t) in ctx._dirty and (node is None or t._base is None):
                    _bump_version(t)  # view gets it when written through to its base: _write_dirty_views)
        if node is not None:
            arg_is_tensor = []
            in_meta = []
            for a in args:
                if isinstance(a, Tensor):
                    arg_is_tensor.append(True)
                    in_meta.append((a._data.shape, a._data.dtype))
                else:
                    arg_is_tensor.append(False)
            ctx._arg_is_tensor = tuple(arg_is_tensor)
            ctx._in_meta = tuple(in_meta)
        return ctx, result, args


class _FunctionMeta(type):
    def __init__(cls, name, bases, attrs):
        super().__init__(name, bases, attrs)
        cls._backward_cls = type(name + "Backward", (FunctionCtx,), {"_fn_cls": cls})
        # PyTorch 2's style: a subclass that defines setup_context has a forward without ctx
        cls._setup_context_style = bool(bases) and (
            "setup_context" in attrs or any(getattr(b, "_setup_context_style", False) for b in bases))


class Function(metaclass=_FunctionMeta):
    """Base class for custom autograd ops. Don't instantiate; call `MyFn.apply(*args)`.

    Either `forward(ctx, *args)` does the work and fills ctx itself, or (PyTorch 2's style)
    `forward(*args)` only computes and `setup_context(ctx, inputs, output)` fills ctx."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        """The op on Tensors (grad mode off); fills ctx (save_for_backward, attributes)."""
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        """With a forward that takes no ctx: save on ctx what backward needs, from the inputs and
        the output of forward."""
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        """The gradients of the inputs (one per argument, None where none) from the outputs'."""
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    @staticmethod
    def jvp(ctx, *grad_inputs):
        """Forward mode AD: the outputs' tangents from one tangent per argument."""
        raise NotImplementedError("You must implement the jvp function for custom autograd.Function to use it with "
                                  "forward mode AD.")

    vjp = backward

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run forward on args and record it, through record(), as one node whose backward is the
        Function's backward."""
        if cls._setup_context_style:  # forward(*args) gets keyword arguments and defaults by position
            bound = inspect.signature(cls.forward).bind(*args, **kwargs)
            bound.apply_defaults()
            args, kwargs = bound.args, {}
        edges = []
        needs_input_grad = []
        for a in args:  # one loop: the Tensor arguments are the edges
            if isinstance(a, Tensor):
                edges.append(a)
                needs_input_grad.append(a._rg)
            else:
                needs_input_grad.append(False)
        forward = _FunctionForward(cls, kwargs, tuple(needs_input_grad))
        result = record(cls._backward_cls, args, args, edges, None, forward)
        if _fw.level >= 0 and any(isinstance(a, Tensor) and _forward_ad.tangent(a) is not None for a in args):
            _push_tangents(cls, forward.ctx, args, result)
        return result


def _push_tangents(cls, ctx, args, result):
    """Forward-mode AD through a custom Function: its jvp gets one tangent per input (zeros for a
    tensor without one, None for other arguments) and returns the outputs' tangents."""
    tangents = []
    for a in args:
        if isinstance(a, Tensor):
            t = _forward_ad.tangent(a)
            tangents.append(_plain(NP.zeros_like(a._data)) if t is None else t if isinstance(t, Tensor) else _plain(t))
        else:
            tangents.append(None)
    ctx._in_jvp = True
    try:
        out_tangents = cls.jvp(ctx, *tangents)
    finally:
        ctx._in_jvp = False
    outs = result if isinstance(result, tuple) else (result,)
    out_tangents = out_tangents if isinstance(out_tangents, tuple) else (out_tangents,)
    if ctx._dirty:  # an input modified in place: its tangent must be modified in place too
        for a, passed in zip(args, tangents):
            if passed is not None and id(a) in ctx._dirty and any(
                    o is a and t is not passed for o, t in zip(outs, out_tangents)):
                raise RuntimeError(DIRTY_TANGENT_MSG)
    for o, t in zip(outs, out_tangents):
        if isinstance(o, Tensor) and t is not None:
            if isinstance(t, Tensor) and t.requires_grad and state.enabled:  # recorded: keep its graph
                t = t.expand(tuple(o.shape))
                _forward_ad.set_tangent(o, t if t.dtype == o.dtype else t.to(o.dtype))
                continue
            data = t._data if isinstance(t, Tensor) else np.asarray(t)
            _forward_ad.set_tangent(o, np.array(np.broadcast_to(data, o._data.shape), dtype=o._data.dtype))


def once_differentiable(fn):
    """Decorator for backward: run it without recording (its result cannot be differentiated again)."""
    import functools

    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with no_grad():
            return fn(ctx, *args)
    return wrapper
