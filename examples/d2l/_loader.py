"""Run an example with torchless or, for comparison, with real PyTorch.

The examples import `torchless` (as `torch`); with backend="torch" the source text of the example and
of d2l_lite is taken with `torchless` replaced by `torch`, so the very same program runs on PyTorch.
"""
import os
import sys
import types

HERE = os.path.dirname(os.path.abspath(__file__))


def _module_from_source(name, path, backend, extra=None):
    with open(path, encoding="utf-8") as f:
        source = f.read()
    if backend == "torch":
        source = source.replace("torchless", "torch")
    module = types.ModuleType(name)
    module.__file__ = path
    saved = {key: sys.modules.get(key) for key in (extra or {})}
    sys.modules.update(extra or {})  # `import d2l_lite as d2l` finds this backend's helpers
    try:
        exec(compile(source, path, "exec"), module.__dict__)
    finally:
        for key, value in saved.items():
            if value is None:
                sys.modules.pop(key, None)
            else:
                sys.modules[key] = value
    return module


def load_example(name, backend="torchless"):
    """The example module `name` (file examples/d2l/<name>.py) running on `backend`."""
    helpers = _module_from_source(f"d2l_lite_{backend}", os.path.join(HERE, "d2l_lite.py"), backend)
    return _module_from_source(f"d2l_example_{name}_{backend}", os.path.join(HERE, f"{name}.py"),
                               backend, extra={"d2l_lite": helpers})


if __name__ == "__main__":  # python examples/d2l/_loader.py NAME [torch|torchless]
    load_example(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "torchless").main()
