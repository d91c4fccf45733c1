"""python -m torchless: the seed walkthrough (D2L §2.5), each cell's code and its output.

python -m torchless explain FILE.py [--markdown] [-o OUT]: runs FILE.py with `import torch` meaning
torchless and writes, for every backward() it performs, the derivation of that gradient
(torch.autograd.explain), as text or Markdown, to stdout or OUT.
"""
import argparse
import sys
from typing import Any


def _explain_script(argv: list[str]) -> None:
    """`python -m torchless explain`: run a script with torch meaning torchless, and write the
    derivation of each backward() it performs."""
    parser = argparse.ArgumentParser(prog="python -m torchless explain",
                                     description="Run a script and write the derivation of each backward() it does.")
    parser.add_argument("script", help="the Python file to run (its `import torch` gets torchless)")
    parser.add_argument("--markdown", action="store_true", help="write Markdown (LaTeX closed forms) instead of text")
    parser.add_argument("-o", "--output", help="write here instead of stdout")
    parser.add_argument("args", nargs=argparse.REMAINDER, help="arguments for the script")
    options = parser.parse_args(argv)

    import runpy
    import torchless
    from torchless._tensor import Tensor
    from torchless.autograd.derivation import explain

    out = open(options.output, "w", encoding="utf-8") if options.output else sys.stdout
    original = Tensor.backward
    count = [0]

    def backward(self: Tensor, gradient: Any = None, retain_graph: bool | None = None,
                 create_graph: bool = False, inputs: Any = None) -> None:
        count[0] += 1
        frame = sys._getframe(1)
        where = f"{frame.f_code.co_filename}:{frame.f_lineno}"
        try:
            e = explain(self, None, gradient, _frame=frame)
            body = e._repr_markdown_() if options.markdown else str(e)
        except Exception as err:  # the script's own backward still runs, and says what it says
            body = f"(no explanation: {err})"
        heading = f"backward() #{count[0]} at {where}"
        out.write((f"## {heading}\n\n" if options.markdown else f"=== {heading} ===\n") + body + "\n\n")
        out.flush()
        return original(self, gradient, retain_graph, create_graph, inputs)

    saved_torch = sys.modules.get("torch")
    sys.modules["torch"] = torchless  # the script's `import torch` (and torch.nn ...) is torchless
    setattr(Tensor, "backward", backward)  # every backward() the script runs goes through it
    sys.argv = [options.script] + options.args
    try:
        runpy.run_path(options.script, run_name="__main__")
    finally:
        setattr(Tensor, "backward", original)
        if saved_torch is None:
            sys.modules.pop("torch", None)
        else:
            sys.modules["torch"] = saved_torch
        if out is not sys.stdout:
            out.close()
    if count[0] == 0:
        print(f"{options.script} ran without calling backward(): nothing to explain", file=sys.stderr)


if len(sys.argv) > 1 and sys.argv[1] == "explain":
    _explain_script(sys.argv[2:])
else:
    from ._seed_demo import run

    print("torchless: D2L §2.5 (automatic differentiation), run unchanged after "
          "`import torchless as torch`\n")
    run()
