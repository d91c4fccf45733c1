"""Run an example with torchless or, for comparison, with real PyTorch.

The examples say `import torchless as torch` and then, as the book does, `from torch import nn`
(torchless answers that import for code that bound `torch` to it). With backend="torch" the source
text of the example and of d2l_lite is taken with `torchless` replaced by `torch`, so the very same
program runs on PyTorch. Both may run in one process (the tests do): while an example's top level
runs, the "torch" entries of sys.modules are the backend's own, and afterwards they are put back.
"""
import contextlib
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
        with _torch_modules_for(backend):
            exec(compile(source, path, "exec"), module.__dict__)
    finally:
        for key, value in saved.items():
            if value is None:
                sys.modules.pop(key, None)
            else:
                sys.modules[key] = value
    return module


@contextlib.contextmanager
def _torch_modules_for(backend):
    """sys.modules without the other backend's "torch" modules while the body runs; afterwards the
    "torch" entries are exactly what they were before."""
    def is_torch_name(key):
        return key == "torch" or key.startswith("torch.")

    def belongs_to_backend(module):
        return (getattr(module, "__name__", "").split(".")[0] == "torchless") == (backend == "torchless")

    before = {key: module for key, module in sys.modules.items() if is_torch_name(key)}
    for key, module in before.items():
        if not belongs_to_backend(module):
            del sys.modules[key]
    try:
        yield
    finally:
        for key in [key for key in sys.modules if is_torch_name(key)]:
            del sys.modules[key]
        sys.modules.update(before)


def load_example(name, backend="torchless"):
    """The example module `name` (file examples/d2l/<name>.py) running on `backend`."""
    helpers = _module_from_source(f"d2l_lite_{backend}", os.path.join(HERE, "d2l_lite.py"), backend)
    return _module_from_source(f"d2l_example_{name}_{backend}", os.path.join(HERE, f"{name}.py"),
                               backend, extra={"d2l_lite": helpers})


if __name__ == "__main__":  # python examples/d2l/_loader.py NAME [torch|torchless]
    backend = sys.argv[2] if len(sys.argv) > 2 else "torchless"
    if backend == "torch":
        # PyTorch loads once per process: import it here, so that the helpers and the example, each
        # run with the "torch" modules put back afterwards, share this one import
        import torch  # noqa: F401
    load_example(sys.argv[1], backend).main()
