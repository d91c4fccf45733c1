"""Time torchless against PyTorch (and hand-written NumPy), one library per process, one thread each.

    python benchmarks/run.py                 # every case, 5 rounds
    python benchmarks/run.py --quick         # 3 rounds, fewer repeats
    python benchmarks/run.py --only chain,seed

Each measurement is a fresh child process (`run.py --child CASE LIB`) that imports one library, runs
the case's timed repeats and prints its medians as JSON. Rounds interleave the libraries (torchless,
torch, numpy, torchless, torch, ...) so that drift in machine speed hits all of them alike; the table
shows the median over rounds. Every child is pinned to one thread (environment variables for the
BLAS/OpenMP pools, torch.set_num_threads(1) inside torch): on small machines PyTorch's thread pool
makes tiny ops many times slower, and that would measure the machine, not the library.
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(os.path.dirname(HERE), "src")
if os.path.isdir(os.path.join(SRC, "torchless")) and SRC not in sys.path:
    sys.path.insert(0, SRC)  # a source checkout: benchmark the tree, not an installed copy
sys.path.insert(0, HERE)

from cases import CASES  # noqa: E402

ONE_THREAD = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                                     "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")}
CHILD_TIMEOUT_S = 600


def child_env():
    """The environment of every child: one thread, and this checkout's src/ importable."""
    env = dict(os.environ, **ONE_THREAD)
    if os.path.isdir(os.path.join(SRC, "torchless")):
        env["PYTHONPATH"] = os.pathsep.join(p for p in (SRC, env.get("PYTHONPATH")) if p)
    return env


def library_available(name):
    import importlib.util
    return importlib.util.find_spec(name) is not None


# ---------------------------------------------------------------------------------------------------
# Child side: one library, one case, one JSON line
# ---------------------------------------------------------------------------------------------------
def run_child(case_name, lib_name, repeats):
    import importlib
    lib = importlib.import_module(lib_name)
    if lib_name == "torch":
        lib.set_num_threads(1)
        try:
            lib.set_num_interop_threads(1)
        except RuntimeError:  # only allowed before any parallel work; harmless if too late
            pass
    try:
        result = {"metrics": CASES[case_name].measure(lib_name, lib, repeats)}
    except Exception as exc:  # report, don't crash the whole suite: e.g. an op not implemented yet
        result = {"error": f"{type(exc).__name__}: {exc}"}
    print(json.dumps(result))


def measure_in_child(case_name, lib_name, repeats):
    """Run one child; returns its metrics dict, or raises RuntimeError with what went wrong."""
    cmd = [sys.executable, os.path.abspath(__file__), "--child", case_name, lib_name,
           "--repeats", str(repeats)]
    try:
        proc = subprocess.run(cmd, env=child_env(), capture_output=True, text=True,
                              timeout=CHILD_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"timed out after {CHILD_TIMEOUT_S} s") from None
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"child exited with {proc.returncode}: {tail}")
    result = json.loads(lines[-1])
    if "error" in result:
        raise RuntimeError(result["error"])
    return result["metrics"]


# ---------------------------------------------------------------------------------------------------
# The import case: wall time of a fresh interpreter, minus that of an empty one
# ---------------------------------------------------------------------------------------------------
def time_interpreter(code):
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code], env=child_env(), capture_output=True,
                          timeout=CHILD_TIMEOUT_S)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.decode(errors="replace").strip().splitlines()[-1])
    return seconds


def measure_import(libs, runs, log):
    samples = {name: [] for name in ("pass",) + libs}
    for i in range(runs):
        for name in samples:  # interleaved: pass, torchless, torch, pass, ...
            samples[name].append(time_interpreter("pass" if name == "pass" else f"import {name}"))
        log(f"  import round {i + 1}/{runs}: " + ", ".join(
            f"{name} {samples[name][-1] * 1e3:.0f} ms" for name in samples))
    empty = statistics.median(samples["pass"])
    return {name: [{"import_ms": (t - empty) * 1e3} for t in samples[name]] for name in libs}


# ---------------------------------------------------------------------------------------------------
# Parent side: rounds, medians, the table
# ---------------------------------------------------------------------------------------------------
def run_case(case, libs, rounds, quick, log):
    """{lib: [{metric: value} per round]} or {lib: "error text"}."""
    repeats = case.repeats[0 if quick else 1]
    if case.in_parent:
        return measure_import(libs, repeats, log)
    per_round = {lib: [] for lib in libs}
    errors = {}
    for i in range(rounds):
        for lib in libs:
            if lib in errors:
                continue  # it failed once; it will fail again
            start = time.perf_counter()
            try:
                per_round[lib].append(measure_in_child(case.name, lib, repeats))
            except RuntimeError as exc:
                errors[lib] = str(exc)
                log(f"  {case.name} round {i + 1}/{rounds} {lib}: ERROR {exc}")
                continue
            shown = ", ".join(f"{k} {v:.4g}" for k, v in per_round[lib][-1].items())
            log(f"  {case.name} round {i + 1}/{rounds} {lib}: {shown} "
                f"({time.perf_counter() - start:.1f} s)")
    return {**per_round, **errors}


def summarize(rounds_by_lib):
    """{lib: {metric: median over rounds}} and {lib: {metric: (max - min) / median}}; errors kept."""
    medians, spreads = {}, {}
    for lib, rows in rounds_by_lib.items():
        if isinstance(rows, str):
            medians[lib] = rows
            continue
        medians[lib] = {key: statistics.median(row[key] for row in rows) for key in rows[0]}
        spreads[lib] = {key: (max(row[key] for row in rows) - min(row[key] for row in rows)) / abs(mid)
                        if mid else 0.0 for key, mid in medians[lib].items()}
    return medians, spreads


def fmt(value, unit, spread=None):
    if value is None:
        return "—"
    if isinstance(value, str):
        return "error"
    digits = f"{value:.3g}" if abs(value) < 100 else f"{value:.0f}"
    return f"{digits} {unit}" + (f" ±{spread * 50:.0f}%" if spread else "")


def ratio(results, metric, ours, base):
    a, b = results.get(ours), results.get(base)
    if not isinstance(a, dict) or not isinstance(b, dict) or not b.get(metric) or a.get(metric) is None:
        return None  # (a baseline may leave out a metric it cannot measure: MyGrad's res_c1)
    return a[metric] / b[metric]


def table(all_results, all_spreads, cases, libs):
    header = ["Case", "Metric", *libs]
    if "torch" in libs:
        header.append("torchless/torch")
    if "numpy" in libs:
        header.append("torchless/NumPy")
    if "mygrad" in libs:
        header.append("torchless/MyGrad")
    header += ["Target", "Result"]
    rows, errors, verdicts = [header], [], []
    for case in cases:
        results, spreads = all_results[case.name], all_spreads[case.name]
        for lib, value in results.items():
            if isinstance(value, str):
                errors.append(f"- `{case.name}` / {lib}: {value}")
        for key, label, unit in case.metrics:
            row = [case.name, label]
            row += [fmt(results[lib].get(key), unit, spreads[lib].get(key)) if isinstance(results.get(lib), dict)
                    else fmt(results.get(lib), unit) for lib in libs]
            vs_torch = ratio(results, key, "torchless", "torch")
            vs_numpy = ratio(results, key, "torchless", "numpy")
            vs_mygrad = ratio(results, key, "torchless", "mygrad")
            if "torch" in libs:
                row.append(f"{vs_torch:.3f}" if vs_torch is not None else "—")
            if "numpy" in libs:
                row.append(f"{vs_numpy:.3f}" if vs_numpy is not None else "—")
            if "mygrad" in libs:
                row.append(f"{vs_mygrad:.3f}" if vs_mygrad is not None else "—")
            target = case.targets.get(key)
            if target is None:
                row += ["", ""]
            else:
                base, limit, wording = target
                got = {"torch": vs_torch, "numpy": vs_numpy, "mygrad": vs_mygrad}[base]
                if got is None:
                    verdict = ("skipped" if base not in libs else
                               "n/a (no baseline)" if isinstance(results.get(base), dict) else "n/a (error)")
                else:
                    verdict = "PASS" if got <= limit else "FAIL"
                verdicts.append(verdict)
                row += [wording, f"**{verdict}**" if verdict in ("PASS", "FAIL") else verdict]
            rows.append(row)
    lines = ["| " + " | ".join(row) + " |" for row in rows]
    numeric = range(2, len(header) - 2)  # numbers right-aligned; names, targets and verdicts left
    lines.insert(1, "|" + "|".join("---:" if i in numeric else "---" for i in range(len(header))) + "|")
    summary = f"{verdicts.count('PASS')} of {len(verdicts)} targets pass" + "".join(
        f", {verdicts.count(v)} {v}" for v in ("FAIL", "skipped", "n/a (no baseline)", "n/a (error)") if v in verdicts)
    return "\n".join(lines + ([""] + ["Errors:"] + errors if errors else []) + ["", summary])


def load_average():
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):  # not on every platform
        return None


def versions():
    import numpy
    parts = [f"Python {platform.python_version()}", f"NumPy {numpy.__version__}"]
    try:
        from importlib.metadata import version
        parts.append(f"torch {version('torch')}")
    except Exception:
        parts.append("torch not installed")
    parts.append(f"{os.cpu_count()} CPUs, one thread per process, {platform.machine()}")
    return "; ".join(parts)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 rounds and fewer repeats")
    parser.add_argument("--rounds", type=int, help="rounds of interleaved processes (default 5; 3 with --quick)")
    parser.add_argument("--only", help=f"comma-separated cases: {', '.join(CASES)}")
    parser.add_argument("--no-torch", action="store_true", help="leave torch out even if installed")
    parser.add_argument("--json", metavar="PATH", help="also write the medians as JSON")
    parser.add_argument("--child", nargs=2, metavar=("CASE", "LIB"), help=argparse.SUPPRESS)
    parser.add_argument("--repeats", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        run_child(*args.child, args.repeats)
        return 0

    if os.path.isdir(os.path.join(SRC, "torchless")):
        # An installed package has its bytecode compiled at install time (as torch's is); a source
        # checkout may not (PYTHONDONTWRITEBYTECODE), and compiling must not count as import time.
        import compileall
        compileall.compile_dir(os.path.join(SRC, "torchless"), quiet=1)

    names = args.only.split(",") if args.only else list(CASES)
    unknown = [n for n in names if n not in CASES]
    if unknown:
        parser.error(f"unknown case(s) {', '.join(unknown)}; choose from {', '.join(CASES)}")
    cases = [CASES[n] for n in names]
    rounds = args.rounds or (3 if args.quick else 5)
    have_torch = library_available("torch") and not args.no_torch
    libs = ("torchless", "torch", "numpy") if have_torch else ("torchless", "numpy")
    if library_available("mygrad"):  # optional, benchmark-only (`pip install ".[bench]"`)
        libs += ("mygrad",)

    def log(message):
        print(message, file=sys.stderr, flush=True)

    if not have_torch:
        log("torch left out (not installed, or --no-torch): no torch columns or ratios")
    started = time.perf_counter()
    load_before = load_average()
    raw, medians, spreads = {}, {}, {}
    for case in cases:
        log(f"{case.name}: {case.title}")
        case_libs = tuple(lib for lib in case.libs if lib in libs)
        raw[case.name] = run_case(case, case_libs, rounds, args.quick, log)
        medians[case.name], spreads[case.name] = summarize(raw[case.name])
    load_after = load_average()

    print(f"## torchless benchmarks\n\n{versions()}; {rounds} rounds; medians over rounds "
          f"(±: half the max-min spread over rounds); ratio < 1 means torchless is faster.\n")
    if load_before is not None:
        busy = max(load_before, load_after) > 0.5 * (os.cpu_count() or 1)
        print(f"Load average {load_before:.1f} before, {load_after:.1f} after"
              + (": other work was running, so the numbers are noisy.\n" if busy else ".\n"))
    print("\n".join(f"- `{c.name}`: {c.title}" for c in cases) + "\n")
    print(table(medians, spreads, cases, [lib for lib in libs if any(lib in c.libs for c in cases)]))
    print(f"\n(total {time.perf_counter() - started:.0f} s)")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"medians": medians, "rounds": raw}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
