"""Run PyTorch's OpInfo samples of an op through torchless and PyTorch, and compare: forward values
(shape, dtype), the gradient of every input of sum(out * w), and that error_inputs raise the same
exception type. (A small harness of the shape/indexing breadth tests, until tests/conformance lands.)"""
import warnings

import numpy as np

import torchless

GRADS_COMPARED = [0]  # how many input gradients the runs compared (a check that the harness checks)


def convert(value, torch):
    """A torchless copy of a PyTorch value (tensors inside tuples, lists and dicts too)."""
    if isinstance(value, torch.Tensor):
        v = value.detach().cpu().resolve_conj().resolve_neg()
        size = v.untyped_storage().nbytes() // max(v.element_size(), 1)
        if v.numel() and (v.storage_offset() or size != v.numel() or not v.is_contiguous()):
            # a view into a larger storage (as_strided reads it): the same storage, and the same view of it
            root = torchless.tensor(torch.as_strided(v, (size,), (1,), 0).numpy().copy())
            t = root.as_strided(tuple(v.shape), v.stride(), v.storage_offset()).detach()
        else:
            t = torchless.tensor(v.numpy().copy())
        if value.requires_grad:
            t.requires_grad_()
        return t
    if isinstance(value, torch.dtype):
        return getattr(torchless, str(value).split(".")[1])
    if isinstance(value, torch.Size):
        return tuple(value)
    if isinstance(value, (list, tuple)):
        return type(value)(convert(v, torch) for v in value)
    if isinstance(value, dict):
        return {k: convert(v, torch) for k, v in value.items()}
    return value


def leaves(value, kind):
    """The tensors of `kind` in a nested value, in order."""
    if isinstance(value, kind):
        return [value]
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in leaves(v, kind)]
    if isinstance(value, dict):
        return [t for k in value for t in leaves(value[k], kind)]
    return []


def torchless_callable(name, method_only=False):
    fn = None if method_only else getattr(torchless, name, None)
    if fn is None:
        return lambda x, *args, **kwargs: getattr(x, name)(*args, **kwargs)
    return fn


def run_samples(torch, opinfo, dtype, ours=None, check_grad=True, rtol=1e-6, atol=1e-7):
    """Every sample of `opinfo` in `dtype`; returns (samples checked, list of disagreements)."""
    ours = ours or torchless_callable(opinfo.name)
    problems, count = [], 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wants_grad = check_grad and (dtype.is_floating_point or dtype.is_complex)
        samples = list(opinfo.sample_inputs("cpu", dtype, requires_grad=wants_grad))
    for k, s in enumerate(samples):
        count += 1
        args = (s.input,) + tuple(s.args)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                expected = opinfo.op(*args, **s.kwargs)
        except Exception:  # noqa: BLE001 - the sample is not meant to run here
            continue
        targs = convert(args, torch)
        tkwargs = convert(s.kwargs, torch)
        where = f"{opinfo.name}.{opinfo.variant_test_name} sample {k}: {s}"
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                got = ours(*targs, **tkwargs)
        except Exception as e:  # noqa: BLE001
            problems.append(f"{where}: raised {type(e).__name__}: {e}")
            continue
        exp_t, got_t = leaves(expected, torch.Tensor), leaves(got, torchless.Tensor)
        if len(exp_t) != len(got_t):
            problems.append(f"{where}: {len(got_t)} outputs, expected {len(exp_t)}")
            continue
        bad = False
        for e, g in zip(exp_t, got_t):
            if tuple(e.shape) != tuple(g.shape) or str(e.dtype).split(".")[1] != str(g.dtype).split(".")[1]:
                problems.append(f"{where}: shape/dtype {tuple(g.shape)} {g.dtype}, expected {tuple(e.shape)} {e.dtype}")
                bad = True
                break
            ev, gv = e.detach().resolve_conj().numpy(), g.detach().numpy()
            if not np.allclose(gv, ev, rtol=rtol, atol=atol, equal_nan=True):
                problems.append(f"{where}: values differ\n{gv}\nexpected\n{ev}")
                bad = True
                break
        if bad or not check_grad:
            continue
        # gradients of sum(out * w) for every input that requires grad
        in_e = [t for t in leaves((args, s.kwargs), torch.Tensor) if t.requires_grad]
        in_g = [t for t in leaves((targs, tkwargs), torchless.Tensor) if t.requires_grad]
        outs = [(e, g) for e, g in zip(exp_t, got_t) if e.requires_grad and e.dtype.is_floating_point or
                (e.requires_grad and e.dtype.is_complex)]
        if not in_e or not outs:
            continue
        rng = np.random.default_rng(k)
        loss_e, loss_g = 0, 0
        for e, g in outs:
            w = rng.standard_normal(tuple(e.shape))
            if e.dtype.is_complex:
                w = w + 1j * rng.standard_normal(tuple(e.shape))
            w = np.asarray(w).astype(e.detach().numpy().dtype)
            weighted = e * torch.from_numpy(w)
            loss_e = loss_e + (weighted.real.sum() if e.dtype.is_complex else weighted.sum())
            lg = g * torchless.tensor(w)
            loss_g = loss_g + (lg.real.sum() if e.dtype.is_complex else lg.sum())
        grads_e = torch.autograd.grad(loss_e, in_e, allow_unused=True)
        try:
            grads_g = torchless.autograd.grad(loss_g, in_g, allow_unused=True)
        except Exception as ex:  # noqa: BLE001
            problems.append(f"{where}: backward raised {type(ex).__name__}: {ex}")
            continue
        for i, (ge, gg) in enumerate(zip(grads_e, grads_g)):
            GRADS_COMPARED[0] += 1
            ge_v = np.zeros(in_e[i].shape) if ge is None else ge.numpy()
            gg_v = np.zeros(in_g[i].shape) if gg is None else gg.numpy()
            if not np.allclose(gg_v, ge_v, rtol=1e-5, atol=1e-6, equal_nan=True):
                problems.append(f"{where}: grad of input {i} differs\n{gg_v}\nexpected\n{ge_v}")
    return count, problems


def run_error_inputs(torch, opinfo, ours=None):
    """Every error_input: torchless raises the same exception type. Returns (count, problems)."""
    ours = ours or torchless_callable(opinfo.name)
    problems, count = [], 0
    try:
        errors = list(opinfo.error_inputs("cpu"))
    except Exception:  # noqa: BLE001 - none defined
        return 0, []
    for e in errors:
        s = e.sample_input
        count += 1
        args = convert((s.input,) + tuple(s.args), torch)
        kwargs = convert(s.kwargs, torch)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ours(*args, **kwargs)
        except e.error_type:
            continue
        except Exception as ex:  # noqa: BLE001
            problems.append(f"{opinfo.name} error input {s}: raised {type(ex).__name__}: {ex}, "
                            f"expected {e.error_type.__name__} /{e.error_regex}/")
            continue
        problems.append(f"{opinfo.name} error input {s}: did not raise {e.error_type.__name__} /{e.error_regex}/")
    return count, problems
