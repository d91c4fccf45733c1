"""gradcheck / gradgradcheck: compare autograd's Jacobian with central finite differences."""
import numpy as np

from .._tensor._core import Tensor, _plain

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    pass


def _outputs(func, inputs):
    out = func(*inputs)
    return (out,) if isinstance(out, Tensor) else tuple(out)


def _flat64(t):
    """A float64 flat copy of an output's values."""
    return np.array(t._data, dtype=np.float64).reshape(-1)


def _numerical_jacobians(func, inputs, eps):
    """[input][output] -> array (n_in_elems, n_out_elems), by central differences."""
    outs = _outputs(func, inputs)
    jac = []
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


def _analytical_jacobians(outs, inputs):
    from . import grad
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


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, nondet_tol=0.0,
              check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
              check_batched_forward_grad=False, check_forward_ad=False, check_backward_ad=True,
              fast_mode=False, masked=None):
    """True if autograd's gradients of func at inputs match finite differences (use float64)."""
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    if not any(isinstance(t, Tensor) and t.requires_grad for t in inputs):
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but none of "
                         "the them have requires_grad=True.")
    for t in inputs:
        if isinstance(t, Tensor) and t.requires_grad and t.dtype.name != "float64":
            import warnings
            warnings.warn(f"Input #{inputs.index(t)} requires gradient and is not a double precision "
                          "floating point. This check will likely fail if all the inputs are not of "
                          "double precision floating point.", UserWarning, stacklevel=2)
    numerical, outs = _numerical_jacobians(func, inputs, eps)
    analytical = _analytical_jacobians(outs, inputs)
    for i, t in enumerate(inputs):
        if numerical[i] is None:
            continue
        for j in range(len(outs)):
            n, a = numerical[i][j], analytical[id(t)][j]
            if not np.allclose(a, n, rtol=rtol, atol=atol):
                msg = (f"Jacobian mismatch for output {j} with respect to input {i},\n"
                       f"numerical:{_plain(n)}\nanalytical:{_plain(a)}\n")
                if raise_exception:
                    raise GradcheckError(msg)
                return False
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True, nondet_tol=0.0,
                  check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
                  check_fwd_over_rev=False, check_rev_over_rev=True, fast_mode=False, masked=False):
    """gradcheck of the gradient itself: checks second derivatives through create_graph=True."""
    from . import grad
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

    def first_grads(*args):
        ins, gos = args[:n_in], args[n_in:]
        outputs = _outputs(func, ins)
        gs = grad(outputs, [ins[i] for i in diff_idx], gos, create_graph=True, allow_unused=True)
        return tuple(g for g in gs if g is not None)

    return gradcheck(first_grads, inputs + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
