"""Run PyTorch's OpInfo samples of some ops through torch and torchless and report disagreements:
forward values (float32 and float64; indices exactly), the gradient of every input of
sum(out * w) (float64), and that error_inputs raise the same exception type.

    PYTHONPATH=src python tests/ops/opinfo_check.py sort topk ...

Used by tests/ops/test_sorting_breadth.py (one test per op); needs torch and expecttest.
"""
import sys

import numpy as np

import torchless


_SEEN = {}  # id(torch tensor) -> (it, ours): the same tensor twice in a sample is one tensor here too


def _to_ours(x, keep_grad):
    import torch
    if isinstance(x, torch.Tensor):
        if id(x) in _SEEN and _SEEN[id(x)][0] is x:
            return _SEEN[id(x)][1]
        t = torchless.tensor(x.detach().numpy().copy()) if x.dtype != torch.bfloat16 else None
        if t is not None and keep_grad and x.requires_grad:
            t.requires_grad_(True)
        _SEEN[id(x)] = (x, t)
        return t
    if isinstance(x, torch.dtype):
        return getattr(torchless, str(x).split(".")[1])
    if isinstance(x, (list, tuple)):
        return type(x)(_to_ours(v, keep_grad) for v in x)
    if isinstance(x, dict):
        return {k: _to_ours(v, keep_grad) for k, v in x.items()}
    return x


def _leaves(x):
    if hasattr(x, "shape") and hasattr(x, "dtype"):
        return [x]
    if isinstance(x, (list, tuple)):
        return [leaf for v in x for leaf in _leaves(v)]
    return []


def _real(x):
    """A complex loss's real part (gradients of real losses only)."""
    return x.real if x.is_complex() else x


def _tensors_in(x):
    return _leaves(x)


def _close(ours, theirs, rtol, atol):
    a = np.asarray(ours.detach().numpy())
    b = theirs.detach().resolve_conj().resolve_neg().numpy()
    if str(ours.dtype).split(".")[-1] != str(theirs.dtype).split(".")[-1]:
        return f"dtype {ours.dtype} != {theirs.dtype}"
    if a.shape != b.shape:
        return f"shape {a.shape} != {b.shape}"
    if a.dtype.kind in "biu":
        if not np.array_equal(a, b):
            return f"values {a} != {b}"
        return None
    if not np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True):
        return f"values {a} != {b}"
    return None


def check_op(name, variant="", dtypes=None, grads=True, index_ties_ok=False, fn=None):
    """A list of disagreement strings (empty: every sample agrees). index_ties_ok: the second result
    (the indices of a (values, indices) pair) may differ, as where ties leave the choice open."""
    import torch
    from torch.testing._internal.common_methods_invocations import op_db
    ops = [o for o in op_db if o.name == name and o.variant_test_name == variant]
    assert ops, name
    op = ops[0]
    ours_fn = fn or getattr(torchless, name)
    problems = []
    stats = {"samples": 0, "grads": 0, "errors": 0}
    if dtypes is None:
        supported = op.supported_dtypes("cpu")
        dtypes = [d for d in (torch.float32, torch.float64) if d in supported] or \
            [d for d in (torch.int64, torch.uint8) if d in supported]
    for dtype in dtypes:
        want_grad = grads and op.supports_autograd and dtype in (torch.float64, torch.complex128)
        for i, s in enumerate(op.sample_inputs("cpu", dtype, requires_grad=want_grad)):
            _SEEN.clear()
            where = f"{name}[{dtype}] sample {i}: input {tuple(s.input.shape) if hasattr(s.input, 'shape') else s.input} args {s.args} kwargs {s.kwargs}"
            try:
                expected = op.op(s.input, *s.args, **s.kwargs)
            except Exception as e:  # torch refuses: we should too
                try:
                    ours_fn(_to_ours(s.input, False), *_to_ours(s.args, False), **_to_ours(s.kwargs, False))
                    problems.append(f"{where}: torch raised {type(e).__name__}, we did not")
                except Exception as e2:
                    if type(e2) is not type(e):
                        problems.append(f"{where}: torch raised {type(e).__name__}, we {type(e2).__name__}")
                continue
            ins = _to_ours(s.input, want_grad)
            args = _to_ours(s.args, want_grad)
            kwargs = _to_ours(s.kwargs, want_grad)
            try:
                got = ours_fn(ins, *args, **kwargs)
            except Exception as e:
                problems.append(f"{where}: raised {type(e).__name__}: {e}")
                continue
            stats["samples"] += 1
            exp_leaves, got_leaves = _leaves(expected), _leaves(got)
            if len(exp_leaves) != len(got_leaves):
                problems.append(f"{where}: {len(got_leaves)} results, torch {len(exp_leaves)}")
                continue
            tol = (1e-4, 1e-5) if dtype in (torch.float32, torch.complex64) else \
                (1e-2, 1e-3) if dtype == torch.float16 else (1e-7, 1e-9)
            bad = False
            for k, (g, e) in enumerate(zip(got_leaves, exp_leaves)):
                msg = _close(g, e, *tol)
                if msg and not (index_ties_ok and k == 1):  # the indices of (values, indices) at ties
                    problems.append(f"{where}: {msg}")
                    bad = True
            if bad or not want_grad:
                continue
            # gradients of sum(out * w) for every input that requires grad
            t_inputs = [x for x in _tensors_in([s.input, s.args, list(s.kwargs.values())])
                        if x.requires_grad]
            o_inputs = [x for x in _tensors_in([ins, args, list(kwargs.values())]) if x is not None and x.requires_grad]
            pairs = [(g, e) for g, e in zip(got_leaves, exp_leaves) if e.requires_grad]
            if not t_inputs or not pairs:
                continue
            rng = np.random.default_rng(i)
            ws = [rng.standard_normal(tuple(e.shape)) for _, e in pairs]
            t_loss = sum(_real((e * torch.tensor(w, dtype=e.dtype)).sum()) for (_, e), w in zip(pairs, ws))
            o_loss = sum(_real((g * torchless.tensor(w, dtype=g.dtype)).sum()) for (g, _), w in zip(pairs, ws))
            t_grads = torch.autograd.grad(t_loss, t_inputs, allow_unused=True)
            try:
                o_grads = torchless.autograd.grad(o_loss, o_inputs, allow_unused=True)
            except Exception as e:
                problems.append(f"{where}: backward raised {type(e).__name__}: {e}")
                continue
            stats["grads"] += 1
            for k, (tg, og) in enumerate(zip(t_grads, o_grads)):
                if tg is None and og is None:
                    continue
                if tg is None or og is None:
                    if (og if tg is None else tg).abs().sum() != 0:
                        problems.append(f"{where}: grad {k} is None on one side")
                    continue
                single = tg.dtype in (torch.float32, torch.complex64)  # (a float32 weight beside float64 data)
                msg = _close(og, tg, *((1e-4, 1e-4) if single else (1e-6, 1e-8)))
                if msg:
                    problems.append(f"{where}: grad {k}: {msg}")
    for e in (op.error_inputs("cpu") if op.error_inputs_func is not None else ()):
        s = e.sample_input
        _SEEN.clear()
        stats["errors"] += 1
        where = f"{name} error_input {s.input.shape if hasattr(s.input, 'shape') else s.input} {s.args} {s.kwargs}"
        try:
            ours_fn(_to_ours(s.input, False), *_to_ours(s.args, False), **_to_ours(s.kwargs, False))
            problems.append(f"{where}: no error (torch: {e.error_type.__name__} {e.error_regex})")
        except Exception as got:
            if not isinstance(got, e.error_type):
                problems.append(f"{where}: {type(got).__name__}: {got} (torch: {e.error_type.__name__} {e.error_regex})")
    check_op.stats = stats
    return problems


if __name__ == "__main__":
    for op_name in sys.argv[1:]:
        name, _, variant = op_name.partition(":")
        found = check_op(name, variant)
        print(f"== {op_name}: {len(found)} problems {check_op.stats}")
        for p in found[:15]:
            print("  ", p[:400])
