"""gradcheck / gradgradcheck: compare autograd's Jacobian with central finite differences."""
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from .._tensor import Tensor
from .._tensor._core import _plain

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]

# torch.autograd.grad, which the analytical Jacobians run. The autograd package imports this module
# when it loads, so this module cannot import the package back: the package hands grad over (_set_grad).
_grad: Optional[Callable[..., Tuple[Any, ...]]] = None


def _set_grad(grad: Callable[..., Tuple[Any, ...]]) -> None:
    """Called once by torch.autograd, with its grad function."""
    global _grad
    _grad = grad


def _autograd_grad() -> Callable[..., Tuple[Any, ...]]:
    """torch.autograd.grad, as the package handed it over."""
    if _grad is None:
        raise RuntimeError("gradcheck needs torch.autograd.grad, which torch.autograd hands over when it "
                           "loads (import torchless.autograd, not torchless.autograd.gradcheck alone)")
    return _grad


class GradcheckError(RuntimeError):
    """Raised by gradcheck / gradgradcheck (with raise_exception=True) when autograd's Jacobian and
    the finite-difference one disagree; the message shows both."""


def _outputs(func: Callable[..., Any], inputs: Sequence[Any]) -> Tuple[Tensor, ...]:
    out = func(*inputs)
    return (out,) if isinstance(out, Tensor) else tuple(out)


def _flat64(t: Tensor) -> np.ndarray:
    """A float64 flat copy of an output's values."""
    return np.array(t._data, dtype=np.float64).reshape(-1)


def _numerical_jacobians(func: Callable[..., Any], inputs: Sequence[Any],
                         eps: float) -> Tuple[List[Optional[List[np.ndarray]]], Tuple[Tensor, ...]]:
    """[input][output] -> array (n_in_elems, n_out_elems), by central differences."""
    outs = _outputs(func, inputs)
    jac: List[Optional[List[np.ndarray]]] = []
    for t in inputs:
        if not (isinstance(t, Tensor) and t.requires_grad):
            jac.append(None)
            continue
        data = t._data
        if not data.flags.c_contiguous:  # perturb through a flat view: needs contiguous storage
            t._data = data = data.copy()
        flat = data.reshape(-1)
        per_out = [np.zeros((flat.size, o.numel()), dtype=np.float64) for o in outs]
        for k in range(flat.size):
            orig = flat[k].item()
            flat[k] = orig + eps
            plus = [_flat64(o) for o in _outputs(func, inputs)]
            flat[k] = orig - eps
            minus = [_flat64(o) for o in _outputs(func, inputs)]
            flat[k] = orig
            for j in range(len(outs)):
                per_out[j][k] = (plus[j] - minus[j]) / (2 * eps)
        jac.append(per_out)
    return jac, outs


def _analytical_jacobians(outs: Sequence[Tensor], inputs: Sequence[Any]) -> Dict[int, List[np.ndarray]]:
    grad = _autograd_grad()
    diff_inputs = [t for t in inputs if isinstance(t, Tensor) and t.requires_grad]
    jac = {id(t): [np.zeros((t.numel(), o.numel()), dtype=np.float64) for o in outs] for t in diff_inputs}
    for j, o in enumerate(outs):
        if not o.requires_grad:
            continue
        for k in range(o.numel()):
            seed = np.zeros(o._data.size, dtype=o._data.dtype)
            seed[k] = 1
            gs = grad(o, diff_inputs, _plain(seed.reshape(o._data.shape)), retain_graph=True,
                      allow_unused=True)
            for t, g in zip(diff_inputs, gs):
                if g is not None:
                    jac[id(t)][j][:, k] = g._data.astype(np.float64).reshape(-1)
    return jac


def gradcheck(func: Callable[..., Any], inputs: Any, *, eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-3, raise_exception: bool = True, nondet_tol: float = 0.0,
              check_undefined_grad: bool = True, check_grad_dtypes: bool = False, check_batched_grad: bool = False,
              check_batched_forward_grad: bool = False, check_forward_ad: bool = False,
              check_backward_ad: bool = True, fast_mode: bool = False, masked: Optional[bool] = None) -> bool:
    """gradcheck(func, inputs, *, eps=1e-06, atol=1e-05, rtol=0.001, raise_exception=True, ...) -> bool

    Whether autograd's gradients of `func` at `inputs` (a Tensor or a tuple; those that require
    grad are checked, use float64) match central finite differences with step `eps`: every entry of
    each Jacobian d output / d input must agree within `atol + rtol * |numerical|`. A mismatch
    raises GradcheckError showing both Jacobians, or returns False when raise_exception=False.
    The other flags are accepted for PyTorch compatibility and change nothing here."""
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    if not any(isinstance(t, Tensor) and t.requires_grad for t in inputs):
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but none of "
                         "the them have requires_grad=True.")
    for position, t in enumerate(inputs):  # (not inputs.index(t): that compares tensors elementwise)
        if isinstance(t, Tensor) and t.requires_grad and t.dtype.name not in ("float64", "complex128"):
            import warnings
            warnings.warn(f"Input #{position} requires gradient and is not a double precision "
                          "floating point. This check will likely fail if all the inputs are not of "
                          "double precision floating point.", UserWarning, stacklevel=2)
    numerical, outs = _numerical_jacobians(func, inputs, eps)
    analytical = _analytical_jacobians(outs, inputs)
    for i, t in enumerate(inputs):
        per_output = numerical[i]
        if per_output is None:
            continue
        for j in range(len(outs)):
            n, a = per_output[j], analytical[id(t)][j]
            if not np.allclose(a, n, rtol=rtol, atol=atol):
                msg = (f"Jacobian mismatch for output {j} with respect to input {i},\n"
                       f"numerical:{_plain(n)}\nanalytical:{_plain(a)}\n")
                if raise_exception:
                    raise GradcheckError(msg)
                return False
    return True


def gradgradcheck(func: Callable[..., Any], inputs: Any, grad_outputs: Any = None, *, eps: float = 1e-6,
                  atol: float = 1e-5, rtol: float = 1e-3, gen_non_contig_grad_outputs: bool = False,
                  raise_exception: bool = True, nondet_tol: float = 0.0, check_undefined_grad: bool = True,
                  check_grad_dtypes: bool = False, check_batched_grad: bool = False,
                  check_fwd_over_rev: bool = False, check_rev_over_rev: bool = True, fast_mode: bool = False,
                  masked: bool = False) -> bool:
    """gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-06, atol=1e-05, rtol=0.001, ...) -> bool

    gradcheck of the gradient itself: the vector-Jacobian product of `func` with `grad_outputs`
    (random float values when None), computed with create_graph=True, is checked against finite
    differences with respect to both the inputs and grad_outputs, so second derivatives are tested."""
    grad = _autograd_grad()
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    outs = _outputs(func, inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = tuple(_plain(rng.standard_normal(o._data.shape).astype(o._data.dtype))
                             .requires_grad_(True) for o in outs)
    else:
        grad_outputs = (grad_outputs,) if isinstance(grad_outputs, Tensor) else tuple(grad_outputs)
    n_in = len(inputs)
    diff_idx = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]

    def first_grads(*args: Any) -> Tuple[Tensor, ...]:
        ins, gos = args[:n_in], args[n_in:]
        outputs = _outputs(func, ins)
        gs = grad(outputs, [ins[i] for i in diff_idx], gos, create_graph=True, allow_unused=True)
        return tuple(g for g in gs if g is not None)

    return gradcheck(first_grads, inputs + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
