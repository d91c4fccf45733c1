"""PyTorch's OpInfo and ModuleInfo samples run in both libraries (issue 12, the nn.functional family):
each sample's tensors copied into torchless, forward values, dtypes and shapes compared (float64 and
float32), the gradient of every input of (out * w).sum() compared (float64), and error_inputs
checked for the same exception type. Returns a list of disagreements (empty: all agree)."""
import types
import warnings

import numpy as np

import torchless
import torchless.nn.functional

try:
    import torch
except ImportError:  # pragma: no cover - the tests skip
    torch = None


def to_ours(v):
    """A torchless copy of a PyTorch value (tensors, dtypes, and containers of them)."""
    if isinstance(v, torch.Tensor):
        t = torchless.tensor(v.detach().numpy().copy())
        return t.requires_grad_(True) if v.requires_grad else t
    if isinstance(v, (list, tuple)):
        return type(v)(to_ours(x) for x in v)
    if isinstance(v, dict):
        return {k: to_ours(x) for k, x in v.items()}
    if isinstance(v, torch.dtype):
        return getattr(torchless, str(v).split(".")[1])
    if isinstance(v, torch.nn.Module):  # the same module class in torchless, its attributes copied
        ours = getattr(torchless.nn, type(v).__name__).__new__(getattr(torchless.nn, type(v).__name__))
        torchless.nn.Module.__init__(ours)
        for k, x in vars(v).items():
            if not k.startswith("_"):
                setattr(ours, k, x)
        return ours
    if callable(v) and isinstance(v, types.FunctionType):
        return rebind(v)
    return v


def leaves(x):
    if isinstance(x, (list, tuple)):
        for a in x:
            yield from leaves(a)
    elif isinstance(x, dict):
        for a in x.values():
            yield from leaves(a)
    elif hasattr(x, "shape"):
        yield x


def rebind(fn):
    """PyTorch's lambda with its `torch` and `F` bound to torchless."""
    if not isinstance(fn, types.FunctionType):
        return fn
    g = dict(fn.__globals__)
    g["torch"] = torchless
    g["F"] = torchless.nn.functional
    return types.FunctionType(fn.__code__, g, fn.__name__, fn.__defaults__, fn.__closure__)


def _resolve(module, name):
    for part in name.split("."):
        module = getattr(module, part, None)
        if module is None:
            return None
    return module


def _call(f, args, kwargs):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return f(*args, **kwargs)
    except Exception as e:  # compared by type
        return e


def _compare(desc, theirs, ours, tol, problems):
    tl, ol = list(leaves(theirs)), list(leaves(ours))
    if len(tl) != len(ol):
        problems.append(f"{desc}: {len(tl)} outputs, ours {len(ol)}")
        return False
    for a, b in zip(tl, ol):
        if str(a.dtype).split(".")[-1] != str(b.dtype).split(".")[-1] or tuple(a.shape) != tuple(b.shape):
            problems.append(f"{desc}: {a.dtype}{tuple(a.shape)} vs ours {b.dtype}{tuple(b.shape)}")
            return False
        if not np.allclose(a.detach().numpy(), b.detach().numpy(), rtol=tol, atol=tol, equal_nan=True):
            problems.append(f"{desc}: values differ")
            return False
    return True


def _compare_grads(desc, t_ins, t_outs, o_ins, o_outs, problems):
    t_outs = [a for a in t_outs if a.requires_grad]
    if not t_outs:
        return
    o_outs = o_outs[:len(t_outs)]
    rs = np.random.RandomState(0)
    ws = [rs.randn(*a.shape) for a in t_outs]
    tg = torch.autograd.grad(sum((a * torch.tensor(w)).sum() for a, w in zip(t_outs, ws)), t_ins, allow_unused=True)
    try:
        og = torchless.autograd.grad(sum((a * torchless.tensor(w)).sum() for a, w in zip(o_outs, ws)), o_ins,
                                     allow_unused=True)
    except Exception as e:
        problems.append(f"{desc}: backward raised {e!r}")
        return
    for a, b in zip(tg, og):
        an = np.zeros(1) if a is None else a.numpy()
        bn = np.zeros(1) if b is None else b.detach().numpy()
        if an.shape != bn.shape and an.size * bn.size > 1 or not np.allclose(an, bn, rtol=1e-7, atol=1e-8, equal_nan=True):
            problems.append(f"{desc}: gradients differ")
            return


def opinfo_problems(name, skip=lambda sample: False):
    """Every OpInfo sample of op_db's `name` (all variants), in both libraries."""
    from torch.testing._internal.common_methods_invocations import op_db
    problems = []
    entries = [o for o in op_db if o.name == name]
    assert entries, name
    for entry in entries:
        theirs = entry.op
        ours = _resolve(torchless, name)
        if isinstance(theirs, types.FunctionType) and not theirs.__module__.startswith("torch."):
            ours = rebind(theirs)  # the database's own lambda, run on torchless
        assert ours is not None, name
        for dt in (torch.float64, torch.float32):
            rg = dt == torch.float64 and entry.supports_autograd
            for s in entry.sample_inputs("cpu", dt, requires_grad=rg):
                if skip(s):
                    continue
                args = (s.input,) + tuple(s.args)
                desc = (f"{name}.{entry.variant_test_name} {dt} {[tuple(getattr(a, 'shape', ())) for a in args]} "
                        f"{s.kwargs}")
                o_args, o_kwargs = to_ours(args), to_ours(s.kwargs)
                tr = _call(theirs, args, s.kwargs)
                orr = _call(ours, o_args, o_kwargs)
                if isinstance(tr, Exception) or isinstance(orr, Exception):
                    if type(tr) is not type(orr):
                        problems.append(f"{desc}: {tr!r} vs ours {orr!r}")
                    continue
                if not _compare(desc, tr, orr, 1e-10 if dt == torch.float64 else 1e-5, problems) or not rg:
                    continue
                t_ins = [a for a in leaves((args, s.kwargs)) if isinstance(a, torch.Tensor) and a.requires_grad]
                o_ins = [a for a in leaves((o_args, o_kwargs)) if a.requires_grad]
                _compare_grads(desc, t_ins, list(leaves(tr)), o_ins, list(leaves(orr)), problems)
        for e in (entry.error_inputs("cpu") if entry.error_inputs_func is not None else ()):
            s = e.sample_input
            orr = _call(ours, to_ours((s.input,) + tuple(s.args)), to_ours(s.kwargs))
            if not isinstance(orr, e.error_type):
                problems.append(f"{name} error input {e.error_regex!r}: ours {orr!r}")
    return problems


def moduleinfo_problems(cls_name, random_in_training=False):
    """Every ModuleInfo sample of nn.`cls_name`: both modules built with the same arguments, torch's
    state_dict copied across, repr, outputs and gradients (inputs and parameters) compared."""
    from torch.testing._internal.common_modules import module_db
    problems = []
    infos = [m for m in module_db if m.module_cls.__name__ == cls_name]
    assert infos, cls_name
    info = infos[0]
    ours_cls = getattr(torchless.nn, cls_name)
    for training in (False, True):
        for dt in (torch.float64, torch.float32):
            rg = dt == torch.float64
            for mi in info.module_inputs_func(info, device="cpu", dtype=dt, requires_grad=rg, training=training):
                if mi.forward_input is None:
                    continue
                ca, ck = mi.constructor_input.args, mi.constructor_input.kwargs
                fa, fk = mi.forward_input.args, mi.forward_input.kwargs
                desc = f"{cls_name}({ca}, {ck}) training={training} {dt} {[tuple(getattr(a, 'shape', ())) for a in fa]}"
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    tm = info.module_cls(*ca, **ck).to(dt).train(training)
                    om = ours_cls(*to_ours(ca), **to_ours(ck)).to(to_ours(dt)).train(training)
                om.load_state_dict({k: torchless.tensor(v.detach().numpy().copy()) for k, v in tm.state_dict().items()})
                if repr(tm) != repr(om):
                    problems.append(f"{desc}: repr {tm!r} vs ours {om!r}")
                t_in = [a.detach().clone().requires_grad_(a.requires_grad) if isinstance(a, torch.Tensor) else a
                        for a in fa]
                o_in = to_ours(t_in)
                tr = _call(tm, t_in, fk)
                orr = _call(om, o_in, to_ours(fk))
                if isinstance(tr, Exception) or isinstance(orr, Exception):
                    if type(tr) is not type(orr):
                        problems.append(f"{desc}: {tr!r} vs ours {orr!r}")
                    continue
                if random_in_training and training:
                    continue
                if not _compare(desc, tr, orr, 1e-10 if dt == torch.float64 else 1e-5, problems) or not rg:
                    continue
                t_ins = [a for a in t_in if isinstance(a, torch.Tensor) and a.requires_grad] + list(tm.parameters())
                o_ins = [a for a in o_in if isinstance(a, torchless.Tensor) and a.requires_grad] + list(om.parameters())
                _compare_grads(desc, t_ins, list(leaves(tr)), o_ins, list(leaves(orr)), problems)
    return problems
