"""Every sample of PyTorch's OpInfo database, run in PyTorch and in torchless and compared.

Four checks per entry, each over the entry's CPU samples in float32 and float64 (in int64 or bool
for an op that takes no floats):
- forward: the results' nesting, shapes, dtypes and values (random ops: their values with both
  libraries seeded alike, as torchless draws PyTorch's random streams);
- grad: the gradient of every input that requires grad, of the loss Σ out·w (w fixed random weights,
  one per differentiable output after the entry's `output_process_fn_grad`);
- jvp: forward-mode AD's output tangents for random input tangents (float64), where PyTorch has it;
- errors: each of the entry's `error_inputs` raises the exception type PyTorch raises.

Run it alone for a few ops while working on them:

    PYTHONPATH=src python -m tests.conformance.opinfo erf sort "max.reduction_with_dim"
"""
from __future__ import annotations

import sys
import warnings
from typing import Any, Callable, Iterator, Optional

import numpy as np

import torchless
from torchless.autograd import forward_ad as tl_fwad

from .bridge import (Mismatch, Unsupported, compare, differentiable, entry_id, rebind, replace_tensors, tensors_in,
                     to_torchless, torch, torchless_op, weights_like)

CHECKS = ("forward", "grad", "jvp", "errors")

# Ops whose values are random or uninitialised (matched by words in their names): their results are
# compared by nesting, shape and dtype, and random ones by value with both libraries seeded alike.
NONDETERMINISTIC = ("rand", "normal", "bernoulli", "multinomial", "dropout", "empty", "uniform", "exponential",
                    "cauchy", "geometric", "log_normal", "rrelu")
NONDETERMINISTIC += ("fractional_max_pool",)  # (its windows are drawn with torch.rand)

# Entries named like a random op whose results are a formula of their inputs (dropout's gradient),
# and entries whose names merely contain one of those words (normalize, __rand__).
DETERMINISTIC = ("native_dropout_backward", "nn.functional.normalize", "masked.normalize", "__rand__")

# Random entries whose samples may fix their random numbers by an argument: a sample that passes it
# is deterministic, and checked in full (values, gradients, tangents).
FIXED_BY = {"nn.functional.fractional_max_pool2d": "_random_samples",
            "nn.functional.fractional_max_pool3d": "_random_samples"}


# Decompositions whose vectors are unique only up to sign or phase (svd, eig, eigh): their forward
# results are compared through the entry's `output_process_fn_grad`, which PyTorch's database
# writes to keep what is unique (singular values, |U|, reconstructions ...).
GAUGE = ("svd", "linalg.svd", "linalg.eig", "linalg.eigh")


def load_op_db() -> list[Any]:
    """PyTorch's OpInfo entries (ImportError without torch or expecttest)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from torch.testing._internal.common_methods_invocations import op_db
    return list(op_db)


def is_random(entry: Any) -> bool:
    """Whether the entry's results are random or uninitialised values (signal.windows.exponential
    is a window, not a sampler)."""
    return not entry.name.startswith("signal.") and entry.name not in DETERMINISTIC and \
        any(word in entry.name for word in NONDETERMINISTIC)


# Entries whose samples draw random numbers only when a dropout probability is set (attention):
# the position in sample.args of that probability (None: a `dropout_p` keyword only).
DROPOUT_ARG = {"nn.functional.scaled_dot_product_attention": None, "nn.functional.multi_head_attention_forward": 9}


def is_random_sample(entry: Any, sample: Any) -> bool:
    """Whether this sample's results are random: a random entry (unless the sample fixes its random
    numbers, FIXED_BY), or a dropout_p > 0 while training."""
    if is_random(entry):
        return entry.name not in FIXED_BY or sample.kwargs.get(FIXED_BY[entry.name]) is None
    if entry.name not in DROPOUT_ARG or not sample.kwargs.get("training", True):
        return False
    position = DROPOUT_ARG[entry.name]
    p = sample.kwargs.get("dropout_p", sample.args[position] if position is not None and len(sample.args) > position
                          else 0.0)
    return bool(p)


def sample_dtypes(entry: Any) -> list[Any]:
    """The dtypes the entry's samples are drawn in: float32 and float64 where it takes them."""
    supported = entry.supported_dtypes("cpu")
    floats = [d for d in (torch.float32, torch.float64) if d in supported]
    if floats:
        return floats
    return [d for d in (torch.int64, torch.bool) if d in supported][:1]


def describe(sample: Any) -> str:
    """A short text of a sample: its tensors' shapes and its other arguments."""
    def text(x: Any) -> str:
        if torch is not None and isinstance(x, torch.Tensor):
            return f"T{list(x.shape)}{'' if x.dtype.is_floating_point else ':' + str(x.dtype)[6:]}"
        if isinstance(x, (list, tuple)):
            return "[" + ", ".join(text(i) for i in x) + "]"
        return repr(x)[:40]
    kwargs = ", ".join(f"{k}={text(v)}" for k, v in sample.kwargs.items())
    return f"({', '.join([text(sample.input)] + [text(a) for a in sample.args])}{', ' + kwargs if kwargs else ''})"


def _samples(entry: Any, dtype: Any, requires_grad: bool) -> Iterator[tuple[int, Any]]:
    torch.manual_seed(0)  # the database draws samples from PyTorch's generator: the same ones, in any order
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield from enumerate(entry.sample_inputs("cpu", dtype, requires_grad=requires_grad))


def _call(op: Callable[..., Any], sample_like: tuple[Any, Any, Any]) -> Any:
    inp, args, kwargs = sample_like
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return op(inp, *args, **kwargs)


def _failure(failures: list[str], dtype: Any, i: int, sample: Any, message: str) -> None:
    failures.append(f"{str(dtype)[6:]} sample {i} {describe(sample)}: {message}")


def _raised(e: BaseException) -> str:
    return f"raised {type(e).__name__}: {str(e)[:300]}"


# ---------------------------------------------------------------------------- float32 against float64
# Where float32 results differ, PyTorch's float64 answer decides: torchless agrees when each of its
# float32 results is at least as close to it as PyTorch's float32 result is (PyTorch's own float32
# rounding is then the larger error: trigamma, matrix_exp, ctc_loss's recursions ...).
def _in_float64(obj: Any) -> Any:
    """The sample with its float32 (complex64) tensors as float64 (complex128) leaves of their own."""
    def widen(t: Any) -> Any:
        wide = {torch.float32: torch.float64, torch.complex64: torch.complex128}.get(t.dtype)
        if wide is None:
            return t
        return t.detach().to(wide).requires_grad_(t.requires_grad)
    return replace_tensors(obj, widen)


def _as_close_to_float64(mine: Any, theirs: Any, reference: Any) -> bool:
    """Whether every tensor of `mine` is at least as close to `reference` as `theirs` is."""
    for a, b, r in zip(tensors_in(mine), tensors_in(theirs), tensors_in(reference)):
        ours_np = np.asarray(a.detach().numpy(), dtype=np.complex128)
        theirs_np = np.asarray(b.detach().resolve_conj().numpy(), dtype=np.complex128)
        ref = np.asarray(r.detach().resolve_conj().numpy(), dtype=np.complex128)
        if ours_np.shape != ref.shape or theirs_np.shape != ref.shape:
            return False
        if ref.size == 0:
            continue
        with np.errstate(invalid="ignore"):
            e_ours, e_theirs = np.abs(ours_np - ref), np.abs(theirs_np - ref)
        if (np.isnan(e_ours) != np.isnan(e_theirs)).any():
            return False
        if np.nanmax(e_ours, initial=0.0) > np.nanmax(e_theirs, initial=0.0) * (1 + 1e-6) + 1e-12:
            return False
    return True


# ---------------------------------------------------------------------------- the checks
def check_forward(entry: Any, ours: Callable[..., Any], counts: dict[str, int]) -> list[str]:
    """Results of every sample against PyTorch's."""
    failures: list[str] = []
    for dtype in sample_dtypes(entry):
        for i, sample in _samples(entry, dtype, False):
            values = not is_random_sample(entry, sample)
            try:
                mine = to_torchless((sample.input, sample.args, sample.kwargs))
            except Unsupported:
                counts["unsupported samples"] = counts.get("unsupported samples", 0) + 1
                continue
            try:
                expected = _call(entry.op, (sample.input, sample.args, sample.kwargs))
            except Exception:
                continue  # not a valid sample on this build of PyTorch
            counts["samples"] = counts.get("samples", 0) + 1
            try:
                got = _call(ours, mine)
                if entry.name in GAUGE:
                    expected = sample.output_process_fn_grad(expected)
                    got = rebind(sample.output_process_fn_grad)(got)
            except Exception as e:
                _failure(failures, dtype, i, sample, _raised(e))
                continue
            try:
                compare(got, expected, values=values)
                if not values:
                    _compare_seeded(entry, ours, sample)
            except Mismatch as e:
                if values and dtype in (torch.float32, torch.complex64) and _forward_closer(entry, sample, got, expected):
                    counts["float32 samples decided by float64"] = counts.get("float32 samples decided by float64", 0) + 1
                    continue
                _failure(failures, dtype, i, sample, str(e))
    return failures


def _forward_closer(entry: Any, sample: Any, got: Any, expected: Any) -> bool:
    """Whether torchless's float32 results are as close to PyTorch's float64 ones as PyTorch's are."""
    try:
        reference = _call(entry.op, _in_float64((sample.input, sample.args, sample.kwargs)))
        if entry.name in GAUGE:
            reference = sample.output_process_fn_grad(reference)
    except Exception:
        return False
    return _as_close_to_float64(got, expected, reference)


def _compare_seeded(entry: Any, ours: Callable[..., Any], sample: Any) -> None:
    """A random op's values: both libraries seeded alike (torchless draws PyTorch's random streams,
    issue 14), each called on fresh copies of the sample's tensors (in-place ops write into them),
    must give the same results."""
    if "empty" in entry.name:  # uninitialised memory: no values to compare
        return
    args = (sample.input, sample.args, sample.kwargs)
    try:
        theirs_args = replace_tensors(args, lambda t: t.detach().clone())
        mine_args = to_torchless(replace_tensors(args, lambda t: t.detach().clone()))
        torch.manual_seed(1234)
        theirs = _call(rebind(entry.op, torch), theirs_args)
    except Exception:  # the sample cannot be drawn again from copies on PyTorch's side
        return
    torchless.manual_seed(1234)
    compare(_call(ours, mine_args), theirs, path="seeded out")


def _leaves(obj: Any) -> list[Any]:
    """The leaf tensors that require grad, in order, each once."""
    seen: set[int] = set()
    out = []
    for t in tensors_in(obj):
        if t.requires_grad and t.is_leaf and id(t) not in seen:
            seen.add(id(t))
            out.append(t)
    return out


def _loss(lib: Any, outputs: list[Any], weights: list[np.ndarray]) -> Any:
    total = None
    for o, w in zip(outputs, weights):
        term = (o * lib.from_numpy(w).to(o.real.dtype if o.is_complex() else o.dtype)).sum()
        if term.is_complex():
            term = term.real
        total = term if total is None else total + term
    return total


def check_grad(entry: Any, ours: Callable[..., Any], counts: dict[str, int]) -> list[str]:
    """The gradient of Σ out·w for every input that requires grad, against PyTorch's."""
    failures: list[str] = []
    if not entry.supports_autograd or (is_random(entry) and entry.name not in FIXED_BY):
        return failures
    for dtype in sample_dtypes(entry):
        if not dtype.is_floating_point:
            continue
        for i, sample in _samples(entry, dtype, True):
            if is_random_sample(entry, sample):
                continue
            try:
                mine = to_torchless((sample.input, sample.args, sample.kwargs))
            except Unsupported:
                continue
            try:
                out_t = sample.output_process_fn_grad(_call(entry.op, (sample.input, sample.args, sample.kwargs)))
                outs_t = differentiable(out_t)
                leaves_t = _leaves((sample.input, sample.args, sample.kwargs))
                if not outs_t or not leaves_t:
                    continue
                weights = weights_like(outs_t, i)
                grads_t = torch.autograd.grad(_loss(torch, outs_t, weights), leaves_t, allow_unused=True)
            except Exception:
                continue
            counts["grad samples"] = counts.get("grad samples", 0) + 1
            try:
                out_l = rebind(sample.output_process_fn_grad)(_call(ours, mine))
                outs_l = differentiable(out_l)
                leaves_l = _leaves(mine)
                if len(outs_l) != len(outs_t):
                    _failure(failures, dtype, i, sample, f"{len(outs_l)} outputs carry a gradient, PyTorch's {len(outs_t)}")
                    continue
                grads_l = torchless.autograd.grad(_loss(torchless, outs_l, weights), leaves_l, allow_unused=True)
            except Exception as e:
                _failure(failures, dtype, i, sample, _raised(e))
                continue
            grads_t = [torch.zeros_like(leaves_t[k]) if gt is None else gt for k, gt in enumerate(grads_t)]
            grads_l = [torchless.zeros_like(leaf) if gl is None else gl for gl, leaf in zip(grads_l, leaves_l)]
            for k, (gl, gt) in enumerate(zip(grads_l, grads_t)):
                try:
                    compare(gl, gt, f"grad[{k}]", scale=10.0)
                except Mismatch as e:
                    if dtype == torch.float32 and _grads_closer(entry, sample, weights, grads_l, grads_t):
                        counts["float32 samples decided by float64"] = counts.get("float32 samples decided by float64",
                                                                                  0) + 1
                    else:
                        _failure(failures, dtype, i, sample, str(e))
                    break
    return failures


def _grads_closer(entry: Any, sample: Any, weights: list[np.ndarray], grads_l: list[Any], grads_t: list[Any]) -> bool:
    """Whether torchless's float32 gradients are as close to PyTorch's float64 ones as PyTorch's are."""
    try:
        wide = _in_float64((sample.input, sample.args, sample.kwargs))
        outs = differentiable(sample.output_process_fn_grad(_call(entry.op, wide)))
        leaves = _leaves(wide)
        reference = torch.autograd.grad(_loss(torch, outs, weights), leaves, allow_unused=True)
        reference = [torch.zeros_like(leaves[k]) if r is None else r for k, r in enumerate(reference)]
    except Exception:
        return False
    return len(reference) == len(grads_t) and _as_close_to_float64(grads_l, grads_t, reference)


def check_jvp(entry: Any, ours: Callable[..., Any], counts: dict[str, int]) -> list[str]:
    """Forward-mode tangents of the outputs for random input tangents, against PyTorch's (float64)."""
    failures: list[str] = []
    if not entry.supports_forward_ad or (is_random(entry) and entry.name not in FIXED_BY):
        return failures
    import torch.autograd.forward_ad as fwad
    dtype = torch.float64
    if dtype not in entry.supported_dtypes("cpu"):
        return failures
    for i, sample in _samples(entry, dtype, True):
        if is_random_sample(entry, sample):
            continue
        try:
            mine = to_torchless((sample.input, sample.args, sample.kwargs))
        except Unsupported:
            continue
        leaves_t = _leaves((sample.input, sample.args, sample.kwargs))
        if not leaves_t:
            continue
        rng = np.random.default_rng(i)
        tangents = {id(t): rng.standard_normal(tuple(t.shape)) for t in leaves_t}
        try:
            with fwad.dual_level():
                dual_t = replace_tensors((sample.input, sample.args, sample.kwargs), lambda t: fwad.make_dual(
                    t.detach(), torch.from_numpy(tangents[id(t)]).to(t.dtype)) if id(t) in tangents else t)
                out_t = _call(entry.op, dual_t)
                if entry.name in GAUGE:
                    out_t = sample.output_process_fn_grad(out_t)
                tan_t = [fwad.unpack_dual(o).tangent for o in tensors_in(out_t) if o.is_floating_point() or o.is_complex()]
        except Exception:
            continue
        counts["jvp samples"] = counts.get("jvp samples", 0) + 1
        by_leaf = dict(zip((id(t) for t in _leaves(mine)), (tangents[id(t)] for t in leaves_t)))
        try:
            with tl_fwad.dual_level():
                dual_l = replace_tensors(mine, lambda t: tl_fwad.make_dual(
                    t.detach(), torchless.from_numpy(by_leaf[id(t)]).to(t.dtype)) if id(t) in by_leaf else t)
                out_l = _call(ours, dual_l)
                if entry.name in GAUGE:
                    out_l = rebind(sample.output_process_fn_grad)(out_l)
                tan_l = [tl_fwad.unpack_dual(o).tangent for o in tensors_in(out_l)
                         if o.is_floating_point() or o.is_complex()]
        except Exception as e:
            _failure(failures, dtype, i, sample, _raised(e))
            continue
        if len(tan_l) != len(tan_t):
            _failure(failures, dtype, i, sample, f"{len(tan_l)} floating outputs, PyTorch's {len(tan_t)}")
            continue
        outs_t = [o for o in tensors_in(out_t) if o.is_floating_point() or o.is_complex()]
        outs_l = [o for o in tensors_in(out_l) if o.is_floating_point() or o.is_complex()]
        for k, (a, b) in enumerate(zip(tan_l, tan_t)):
            if b is None:
                b = torch.zeros_like(fwad.unpack_dual(outs_t[k]).primal)
            if a is None:
                a = torchless.zeros_like(outs_l[k].detach())
            try:
                compare(a, b, f"tangent[{k}]", scale=10.0)
            except Mismatch as e:
                _failure(failures, dtype, i, sample, str(e))
    return failures


def check_errors(entry: Any, ours: Callable[..., Any], counts: dict[str, int]) -> list[str]:
    """Each error input raises (an instance of) the exception type PyTorch raises."""
    failures: list[str] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            error_inputs = list(entry.error_inputs("cpu"))
    except Exception:
        return failures
    for i, error in enumerate(error_inputs):
        sample = error.sample_input
        try:
            mine = to_torchless((sample.input, sample.args, sample.kwargs), keep_storage=True)
        except Unsupported:
            continue
        try:
            _call(entry.op, (sample.input, sample.args, sample.kwargs))
            continue  # PyTorch accepts it here (an error of another device or build)
        except Exception as e:
            expected_type: type = type(e)  # what PyTorch raises here (the entry may name a base class)
        counts["error inputs"] = counts.get("error inputs", 0) + 1
        try:
            _call(ours, mine)
        except Exception as e:
            if not isinstance(e, expected_type):
                _failure(failures, "torch.any", i, sample,
                         f"{_raised(e)}; PyTorch raises {expected_type.__name__}")
            continue
        _failure(failures, "torch.any", i, sample, f"accepted; PyTorch raises {expected_type.__name__}")
    return failures


CHECK_FUNCTIONS = {"forward": check_forward, "grad": check_grad, "jvp": check_jvp, "errors": check_errors}


def run_check(entry: Any, check: str, counts: Optional[dict[str, int]] = None) -> list[str]:
    """The failures of one check of one entry (empty: torchless agrees)."""
    ours = torchless_op(entry)
    assert ours is not None, f"torchless has no {entry.name}"
    return CHECK_FUNCTIONS[check](entry, ours, {} if counts is None else counts)


def main(argv: list[str]) -> int:
    """Print every failure of the named entries (all present entries without names); with --skips,
    print skips.py's entries for the failing checks instead (the first failure as the reason)."""
    db = load_op_db()
    as_skips = "--skips" in argv
    argv = [a for a in argv if a != "--skips"]
    wanted = set(argv)
    failed = 0
    for entry in db:
        if wanted and entry.name not in wanted and entry_id(entry) not in wanted:
            continue
        if torchless_op(entry) is None:
            if wanted:
                print(f"{entry_id(entry)}: not in torchless")
            continue
        for check in CHECKS:
            counts: dict[str, int] = {}
            failures = run_check(entry, check, counts)
            if as_skips:
                if failures:
                    reason = failures[0].split("\n")[0].split(": ", 1)[1][:110]
                    print(f"    {entry_id(entry) + ':' + check!r}: {reason!r},")
                continue
            status = "ok" if not failures else f"{len(failures)} failures"
            print(f"{entry_id(entry)}:{check}: {status} {counts}")
            for line in failures[:8]:
                print("    " + line.replace("\n", "\n      "))
            failed += bool(failures)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
