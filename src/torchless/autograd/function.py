"""Custom differentiable functions: subclass `torch.autograd.Function` with static `forward(ctx, ...)`
and `backward(ctx, *grads)`, call `.apply(...)`. As in PyTorch, `ctx` *is* the output's grad_fn.
"""
import numpy as np

from ..engine import forward_ad as _forward_ad
from ..engine.grad_mode import no_grad, state
from ..engine.node import SAVED_FREED_MSG, Node, graph_features, next_stamp
from .._dtype import FROM_NP as _FROM_NP
from .._tensor._core import NO_EDGE, Tensor, _plain, _plain_out
from ..backend import numpy as NP

__all__ = ["Function", "FunctionCtx", "once_differentiable"]


class FunctionCtx(Node):
    """The ctx handed to forward/backward; becomes the outputs' grad_fn (named `<Name>Backward`)."""

    relift = False          # saved values are Tensors already: nothing to rebuild for create_graph
    _fn_cls = None
    _materialize = True
    _non_diff = ()
    _dirty = ()

    def save_for_backward(self, *tensors):
        for t in tensors:
            if t is not None and not isinstance(t, Tensor):
                raise TypeError("save_for_backward can only save variables, but argument "
                                f"{tensors.index(t)} is of type {type(t).__name__}")
        self.saved = tensors
        self.inputs = tuple(t for t in tensors if t is not None)

    def save_for_forward(self, *tensors):
        """Tensors the jvp (forward-mode AD) will read through saved_tensors."""
        self._saved_for_forward = tensors

    _saved_for_forward = None
    _in_jvp = False

    @property
    def saved_tensors(self):
        if self._in_jvp:
            return self._saved_for_forward or ()
        if self._freed:
            raise RuntimeError(SAVED_FREED_MSG)
        if self.saved is None:
            return ()
        if self._saved_outputs is None:
            return self.saved
        # saved outputs are kept without their grad_fn (it is this ctx): reconnect them on unpack
        out = []
        for t, index in zip(self.saved, self._saved_outputs):
            if index is not None:
                t = _plain(t._data)
                t._rg = True
                t._edge = (self, index)
            out.append(t)
        return tuple(out)

    _saved_outputs = None  # per saved tensor: the output index when it is one of our outputs

    def _unlink_saved_outputs(self, outs):
        """An output saved as is would hold this ctx (its grad_fn) while the ctx holds it: a
        reference cycle only the cyclic GC frees. Keep its data instead, as PyTorch does."""
        index = {id(o): i for i, o in enumerate(outs) if isinstance(o, Tensor) and o._edge[0] is self}
        positions = tuple(None if t is None else index.get(id(t)) for t in self.saved)
        if all(p is None for p in positions):
            return
        self._saved_outputs = positions
        self.saved = tuple(t if p is None else _plain(t._data) for t, p in zip(self.saved, positions))
        self.inputs = tuple(t for t in self.saved if t is not None)
        self.saves_output = True  # an in-place op on the output then marks this node dirty

    def mark_non_differentiable(self, *tensors):
        self._non_diff = tuple(id(t) for t in tensors)

    def mark_dirty(self, *tensors):
        self._dirty = tuple(id(t) for t in tensors)

    def set_materialize_grads(self, value):
        self._materialize = bool(value)

    def vjp(self, g, xp):
        grads = g if self.multi_output else [g]
        wrapped = []
        for i, x in enumerate(grads):
            if x is None:
                if self._materialize:
                    from .._tensor.creation import zeros
                    x = zeros(self._out_shapes[i], dtype=self._out_dtypes[i])
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


class _FunctionMeta(type):
    def __init__(cls, name, bases, attrs):
        super().__init__(name, bases, attrs)
        cls._backward_cls = type(name + "Backward", (FunctionCtx,), {"_fn_cls": cls})


class Function(metaclass=_FunctionMeta):
    """Base class for custom autograd ops. Don't instantiate; call `MyFn.apply(*args)`."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    @staticmethod
    def jvp(ctx, *grad_inputs):
        raise NotImplementedError("You must implement the jvp function for custom autograd.Function to use it with "
                                  "forward mode AD.")

    vjp = backward

    @classmethod
    def apply(cls, *args, **kwargs):
        ctx = cls._backward_cls()
        result = cls._apply_with(ctx, args, kwargs)
        if _forward_ad.state.level >= 0 and any(isinstance(a, Tensor) and _forward_ad.tangent(a) is not None
                                                for a in args):
            _push_tangents(cls, ctx, args, result)
        return result

    @classmethod
    def _apply_with(cls, ctx, args, kwargs):
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a._rg for a in args)
        record = state.enabled and any(ctx.needs_input_grad)
        level = _forward_ad.state.level
        _forward_ad.state.level = -1  # forward's own ops carry no tangents: the Function's jvp gives them
        try:
            with no_grad():
                result = cls.forward(ctx, *args, **kwargs)
        finally:
            _forward_ad.state.level = level
        if not record:
            return result
        is_tuple = isinstance(result, tuple)
        outs = result if is_tuple else (result,)
        ctx._arg_is_tensor = tuple(isinstance(a, Tensor) for a in args)
        ctx._in_meta = tuple((a._data.shape, a._data.dtype) for a in args if isinstance(a, Tensor))
        ctx.next_functions = tuple((a._edge or a._leaf_edge()) if a._rg else NO_EDGE
                                   for a in args if isinstance(a, Tensor))
        ctx.stamp = next_stamp()
        n = len(outs)
        if n > 1:
            ctx.multi_output = graph_features.multi_output = True
            ctx.num_outputs = n
        ctx._out_shapes = tuple(o._data.shape if isinstance(o, Tensor) else () for o in outs)
        ctx._out_dtypes = tuple(o.dtype if isinstance(o, Tensor) else None for o in outs)
        final = []
        for i, o in enumerate(outs):
            if not isinstance(o, Tensor):
                final.append(o)
                continue
            if id(o) in ctx._non_diff or o._data.dtype.kind not in "fc":
                final.append(o)
                continue
            if any(o is a for a in args) and id(o) not in ctx._dirty:
                o = _plain_out(o._data)  # an input returned as is: a new tensor sharing its data
            o._rg = True
            o._edge = (ctx, i)
            final.append(o)
        if ctx.saved:
            ctx._unlink_saved_outputs(final)
        return tuple(final) if is_tuple else final[0]


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
