"""PyTorch's ModuleInfo and OptimizerInfo databases, run in PyTorch and in torchless and compared.

Modules: every CPU sample of every module class torchless has, in float32 and float64, in training
and in eval mode. Each sample's module is built in both libraries from the same constructor
arguments, torchless's gets PyTorch's state_dict, and the checks compare
- forward: the outputs;
- grad: the gradients of Σ out·w for the inputs and every parameter;
- errors: the module's error inputs raise PyTorch's exception type.

Optimizers: every CPU configuration of every optimizer torchless has. The same float64 parameters
take 5 steps of a fixed loss in both libraries; the check "steps" compares the parameters after
each step.

    PYTHONPATH=src python -m tests.conformance.modules Linear SGD
"""
from __future__ import annotations

import sys
import warnings
from typing import Any

import numpy as np

import torchless

from .bridge import Mismatch, Unsupported, compare, differentiable, tensors_in, tl_dtype, to_torchless, torch, \
    weights_like

MODULE_CHECKS = ("forward", "grad", "errors")
OPTIM_CHECKS = ("steps",)


def load_module_db() -> list[Any]:
    """PyTorch's ModuleInfo entries (ImportError without torch or expecttest)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from torch.testing._internal.common_modules import module_db
    return list(module_db)


def load_optim_db() -> list[Any]:
    """PyTorch's OptimizerInfo entries (ImportError without torch or expecttest)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from torch.testing._internal.common_optimizers import optim_db
    return list(optim_db)


def torchless_module(info: Any) -> Any:
    """torchless.nn's class of a ModuleInfo entry, or None."""
    return getattr(torchless.nn, info.module_cls.__name__, None)


def torchless_optimizer(info: Any) -> Any:
    """torchless.optim's class of an OptimizerInfo entry, or None."""
    return getattr(torchless.optim, info.optim_cls.__name__, None)


def _describe(module_input: Any) -> str:
    c, f = module_input.constructor_input, module_input.forward_input
    args = ", ".join([repr(a)[:30] for a in c.args] + [f"{k}={v!r:.30}" for k, v in c.kwargs.items()])
    shapes = [] if f is None else [list(t.shape) for t in tensors_in((f.args, f.kwargs))]
    return f"({args}) on {shapes}"


def _build(info: Any, ours_cls: Any, module_input: Any, dtype: Any, training: bool) -> tuple[Any, Any]:
    c = module_input.constructor_input
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = info.module_cls(*c.args, **c.kwargs).to(dtype)
        theirs.train(training)
        ours = ours_cls(*to_torchless(c.args), **to_torchless(c.kwargs)).to(tl_dtype(dtype))
        ours.train(training)
    return theirs, ours


def _copy_state(theirs: Any, ours: Any) -> None:
    ours.load_state_dict({k: to_torchless(v.detach()) for k, v in theirs.state_dict().items()})


def check_module(info: Any, check: str, counts: dict[str, int] | None = None) -> list[str]:
    """The failures of one check of one module class (empty: torchless agrees)."""
    counts = {} if counts is None else counts
    ours_cls = torchless_module(info)
    failures: list[str] = []
    if check == "errors":
        func = getattr(info, "module_error_inputs_func", None)
        if func is None:
            return failures
        for i, error in enumerate(func(info, device="cpu", dtype=torch.float32, requires_grad=False, training=True)):
            module_input = error.module_error_input
            fwd = module_input.forward_input
            try:
                c = module_input.constructor_input
                theirs = info.module_cls(*c.args, **c.kwargs)
                if fwd is not None:
                    theirs(*fwd.args, **fwd.kwargs)
                continue  # PyTorch accepts it
            except Unsupported:
                continue
            except Exception:
                pass
            counts["error inputs"] = counts.get("error inputs", 0) + 1
            try:
                c = module_input.constructor_input
                ours = ours_cls(*to_torchless(c.args), **to_torchless(c.kwargs))
                if fwd is not None:
                    ours(*to_torchless(fwd.args), **to_torchless(fwd.kwargs))
            except Exception as e:
                if not isinstance(e, error.error_type):
                    failures.append(f"error input {i}: raised {type(e).__name__}: {str(e)[:200]}; PyTorch raises "
                                    f"{error.error_type.__name__}")
                continue
            failures.append(f"error input {i} {_describe(module_input)}: accepted; PyTorch raises {error.error_type.__name__}")
        return failures
    for dtype in (torch.float32, torch.float64):
        for training in (True, False):
            torch.manual_seed(0)  # (the same samples in any order)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                inputs = list(info.module_inputs_func(info, device="cpu", dtype=dtype, requires_grad=check == "grad",
                                                      training=training))
            for i, module_input in enumerate(inputs):
                if module_input.forward_input is None:
                    continue
                where = f"{str(dtype)[6:]} {'train' if training else 'eval'} sample {i} {_describe(module_input)}"
                fwd = module_input.forward_input
                try:
                    mine = to_torchless((fwd.args, fwd.kwargs))
                except Unsupported:
                    continue
                try:
                    theirs, ours = _build(info, ours_cls, module_input, dtype, training)
                except Unsupported:
                    continue
                except Exception as e:
                    failures.append(f"{where}: constructing raised {type(e).__name__}: {str(e)[:200]}")
                    continue
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        if info.module_cls.__name__.startswith("Lazy"):
                            theirs(*fwd.args, **fwd.kwargs)
                            ours(*mine[0], **mine[1])
                        _copy_state(theirs, ours)
                        torch.manual_seed(0)
                        out_t = theirs(*fwd.args, **fwd.kwargs)
                except Exception:
                    continue
                counts["samples"] = counts.get("samples", 0) + 1
                try:
                    out_l = ours(*mine[0], **mine[1])
                except Exception as e:
                    failures.append(f"{where}: raised {type(e).__name__}: {str(e)[:200]}")
                    continue
                if check == "forward":
                    try:
                        compare(out_l, out_t, scale=10.0)
                    except Mismatch as e:
                        failures.append(f"{where}: {e}")
                    continue
                outs_t, outs_l = differentiable(out_t), differentiable(out_l)
                if not outs_t:
                    continue
                if len(outs_t) != len(outs_l):
                    failures.append(f"{where}: {len(outs_l)} outputs carry a gradient, PyTorch's {len(outs_t)}")
                    continue
                names = [n for n, p in theirs.named_parameters() if p.requires_grad]
                leaves_t = [t for t in tensors_in((fwd.args, fwd.kwargs)) if t.requires_grad] + \
                    [dict(theirs.named_parameters())[n] for n in names]
                ours_params = dict(ours.named_parameters())
                if any(n not in ours_params for n in names):
                    failures.append(f"{where}: parameters {sorted(ours_params)}, PyTorch's {names}")
                    continue
                leaves_l = [t for t in tensors_in(mine) if t.requires_grad] + [ours_params[n] for n in names]
                weights = weights_like(outs_t, i)
                try:
                    loss_t = sum((o * torch.from_numpy(w).to(o.dtype)).sum() for o, w in zip(outs_t, weights))
                    grads_t = torch.autograd.grad(loss_t, leaves_t, allow_unused=True)
                except Exception:
                    continue
                try:
                    loss_l = sum((o * torchless.from_numpy(w).to(o.dtype)).sum() for o, w in zip(outs_l, weights))
                    grads_l = torchless.autograd.grad(loss_l, leaves_l, allow_unused=True)
                except Exception as e:
                    failures.append(f"{where}: backward raised {type(e).__name__}: {str(e)[:200]}")
                    continue
                labels = [f"input {k}" for k in range(len(leaves_t) - len(names))] + names
                for label, gl, gt, leaf in zip(labels, grads_l, grads_t, leaves_l):
                    if gt is None and gl is None:
                        continue
                    try:
                        compare(gl if gl is not None else torchless.zeros_like(leaf),
                                gt if gt is not None else torch.zeros(tuple(leaf.shape), dtype=dtype),
                                f"grad of {label}", scale=100.0)
                    except Mismatch as e:
                        failures.append(f"{where}: {e}")
    return failures


# ---------------------------------------------------------------------------- optimizers
def _loss(lib: Any, params: list[Any]) -> Any:
    """A fixed smooth loss of the parameters (the same expression in both libraries)."""
    total = None
    for k, p in enumerate(params):
        term = ((p - 0.5 * (k + 1)) ** 2).sum() + (p * 0.3).sin().sum()
        total = term if total is None else total + term
    return total


def check_optimizer(info: Any, check: str = "steps", counts: dict[str, int] | None = None) -> list[str]:
    """The failures of 5 steps of every configuration of one optimizer (empty: torchless agrees)."""
    counts = {} if counts is None else counts
    ours_cls = torchless_optimizer(info)
    failures: list[str] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        configs = list(info.optim_inputs_func(device="cpu", dtype=torch.float64))
    rng = np.random.default_rng(0)
    start = [rng.standard_normal((3, 4)), rng.standard_normal(4)]
    for i, config in enumerate(configs):
        kwargs = {k: v for k, v in config.kwargs.items() if k not in ("foreach", "fused", "capturable")}
        where = f"config {i} {config.desc!r} {kwargs}"
        params_t = [torch.tensor(a, requires_grad=True) for a in start]
        try:
            opt_t = info.optim_cls(params_t, **kwargs)
        except Exception:
            continue
        try:
            params_l = [torchless.tensor(a, requires_grad=True) for a in start]
            opt_l = ours_cls(params_l, **to_torchless(kwargs))
        except Unsupported:
            continue
        except Exception as e:
            failures.append(f"{where}: constructing raised {type(e).__name__}: {str(e)[:200]}")
            continue
        counts["configs"] = counts.get("configs", 0) + 1

        def closure_of(lib: Any, opt: Any, params: list[Any]) -> Any:
            def closure() -> Any:
                opt.zero_grad()
                loss = _loss(lib, params)
                loss.backward()
                return loss
            return closure
        for step in range(5):
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    opt_t.step(closure_of(torch, opt_t, params_t))
            except Exception:
                break
            try:
                opt_l.step(closure_of(torchless, opt_l, params_l))
            except Exception as e:
                failures.append(f"{where}: step {step} raised {type(e).__name__}: {str(e)[:200]}")
                break
            try:
                for k, (a, b) in enumerate(zip(params_l, params_t)):
                    compare(a, b, f"param {k} after step {step}", scale=10.0)
            except Mismatch as e:
                failures.append(f"{where}: {e}")
                break
    return failures


def main(argv: list[str]) -> int:
    """Print every failure of the named classes (all torchless has, without names); --skips prints
    skips.py's entries for the failing checks instead."""
    as_skips = "--skips" in argv
    wanted = {a for a in argv if a != "--skips"}
    failed = 0
    runs = [(info.module_cls.__name__, info, check_module, MODULE_CHECKS)
            for info in load_module_db() if torchless_module(info) is not None]
    runs += [(info.optim_cls.__name__, info, check_optimizer, OPTIM_CHECKS)
             for info in load_optim_db() if torchless_optimizer(info) is not None]
    for name, info, run, checks in runs:
        if wanted and name not in wanted:
            continue
        for check in checks:
            counts: dict[str, int] = {}
            failures = run(info, check, counts)
            if as_skips:
                if failures:
                    print(f"    {name + ':' + check!r}: {failures[0].splitlines()[0][:110]!r},")
                continue
            print(f"{name}:{check}: {'ok' if not failures else f'{len(failures)} failures'} {counts}")
            for line in failures[:8]:
                print("    " + line.replace("\n", "\n      "))
            failed += bool(failures)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
