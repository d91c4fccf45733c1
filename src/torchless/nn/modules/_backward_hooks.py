"""Module backward hooks (register_full_backward_pre_hook / register_full_backward_hook).

The module's tensor inputs and its outputs each pass through an identity op, BackwardHookFunction
(the outputs' grad_fn, as in PyTorch). In backward the output side sees the gradients of the
outputs first: it runs the pre-hooks (which may replace them) and remembers them. The input side
then sees the gradients of the inputs and runs the hooks with both (a hook may replace the input
gradients). When no input needs a gradient, the hooks run on the output side, with None for every
input gradient, and PyTorch's warning.
"""
import warnings
from typing import Any

from ..._tensor import Tensor
from ...autograd.function import Function


class BackwardHookFunction(Function):
    """The identity on tensors; its backward hands the gradients to the module's hooks."""

    @staticmethod
    def forward(ctx: Any, hooks: "BackwardHooks", side: str, *tensors: Tensor) -> tuple[Tensor, ...]:
        """The tensors themselves (those that need no gradient marked non-differentiable)."""
        ctx.hooks, ctx.side = hooks, side
        ctx.mark_non_differentiable(*[t for t in tensors if not t.requires_grad])
        return tensors

    @staticmethod
    def backward(ctx: Any, *grads: Any) -> tuple[Any, ...]:
        """The gradients after the hooks of this side ran (None for hooks and side)."""
        grads = ctx.hooks.output_grads(grads) if ctx.side == "output" else ctx.hooks.input_grads(grads)
        return (None, None) + tuple(grads)


class BackwardHooks:
    """One module call's hook state: what the output side learned, for the input side."""

    def __init__(self, module: Any) -> None:
        self.module = module
        self.grad_output: tuple[Any, ...] | None = None
        self.n_inputs = 0
        self.inputs_need_grad = False

    def wrap_inputs(self, args: tuple[Any, ...]) -> tuple[Any, ...]:
        """args with each tensor passed through the identity op (when full backward hooks need the
        input gradients)."""
        positions = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        self.n_inputs = len(positions)
        self.inputs_need_grad = any(args[i].requires_grad for i in positions)
        if not (self.module._backward_hooks and self.inputs_need_grad):
            return args
        wrapped = BackwardHookFunction.apply(self, "input", *[args[i] for i in positions])
        new_args = list(args)
        for i, t in zip(positions, wrapped):
            new_args[i] = t
        return tuple(new_args)

    def wrap_outputs(self, output: Any) -> Any:
        """output (a tensor or a tuple) with each tensor passed through the identity op."""
        single = isinstance(output, Tensor)
        outs = (output,) if single else output
        if not isinstance(outs, tuple) or not any(isinstance(o, Tensor) and o.requires_grad for o in outs):
            return output
        positions = [i for i, o in enumerate(outs) if isinstance(o, Tensor)]
        wrapped = BackwardHookFunction.apply(self, "output", *[outs[i] for i in positions])
        outs = list(outs)
        for i, t in zip(positions, wrapped):
            outs[i] = t
        return outs[0] if single else tuple(outs)

    def output_grads(self, grads: tuple[Any, ...]) -> tuple[Any, ...]:
        """Run the backward pre-hooks on the output gradients (they may replace them); remember them."""
        for hook in list(self.module._backward_pre_hooks.values()):
            result = hook(self.module, grads)
            if result is not None:
                grads = tuple(result) if isinstance(result, (tuple, list)) else (result,)
        self.grad_output = grads
        if self.module._backward_hooks and not self.inputs_need_grad:
            warnings.warn("Full backward hook is firing when gradients are computed with respect to module "
                          "outputs since no inputs require gradients. See https://docs.pytorch.org/docs/main/"
                          "generated/torch.nn.Module.html#torch.nn.Module.register_full_backward_hook for more "
                          "details.", UserWarning, stacklevel=2)
            self._run_hooks((None,) * self.n_inputs)
        return grads

    def input_grads(self, grads: tuple[Any, ...]) -> tuple[Any, ...]:
        """Run the backward hooks on the input gradients (they may replace them)."""
        return self._run_hooks(tuple(grads))

    def _run_hooks(self, grad_input: tuple[Any, ...]) -> tuple[Any, ...]:
        for hook in list(self.module._backward_hooks.values()):
            result = hook(self.module, grad_input, self.grad_output)
            if result is not None:
                result = tuple(result) if isinstance(result, (tuple, list)) else (result,)
                if len(result) != len(grad_input):
                    raise RuntimeError(f"Backward hook returned an invalid number of grad_input, got "
                                       f"{len(result)}, but expected {len(grad_input)}")
                grad_input = result
        return grad_input
