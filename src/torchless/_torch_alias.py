"""`import torchless as torch`, then `from torch import nn`: the second line means torchless too.

Python resolves `from torch import nn` by the module name "torch", not by the local alias, so
without help that line loads real PyTorch (or fails where it is not installed). This finder sits first
on `sys.meta_path` and answers for "torch" only when the code doing the import has bound the name
`torch` to torchless; then "torch" and its submodules ("torch.nn", "torch.utils.data" ...) are
torchless's. Anyone else importing torch (real PyTorch installed beside us) is left alone.

Once answered, `sys.modules["torch"]` is torchless for the rest of the process, as after any import.
If real PyTorch was imported first, `sys.modules` answers before any finder is asked, and
`from torch import nn` means real PyTorch's nn: there, write `from torchless import nn`.
"""
import importlib
import importlib.util
import sys

# The import system's own frames, skipped to reach the code that wrote the import statement.
_IMPORT_MACHINERY = frozenset({"importlib", "importlib._bootstrap", "importlib._bootstrap_external",
                               "_frozen_importlib", "_frozen_importlib_external", __name__})


def _importer_binds_torch_to(package):
    frame = sys._getframe(2)
    while frame is not None and frame.f_globals.get("__name__") in _IMPORT_MACHINERY:
        frame = frame.f_back
    if frame is None:
        return False
    bound = frame.f_locals.get("torch", frame.f_globals.get("torch"))
    return bound is package


class TorchAlias:
    """Meta-path finder and loader that hands out torchless's modules under torch's names."""

    def __init__(self, package):
        self.package = package

    def find_spec(self, fullname, path=None, target=None):
        if fullname == "torch":
            if not _importer_binds_torch_to(self.package):
                return None
        elif not (fullname.startswith("torch.") and sys.modules.get("torch") is self.package):
            return None
        real_name = self.package.__name__ + fullname[len("torch"):]
        try:
            module = importlib.import_module(real_name)
        except ModuleNotFoundError:
            raise ModuleNotFoundError(
                f"No module named '{fullname}': torchless (imported as torch) has no module "
                f"'{real_name}'", name=fullname) from None
        spec = importlib.util.spec_from_loader(fullname, self, is_package=hasattr(module, "__path__"))
        spec.loader_state = (module, module.__spec__)
        return spec

    def create_module(self, spec):
        return spec.loader_state[0]

    def exec_module(self, module):
        # The import system stamped our alias spec on the module; give it back its own, so that the
        # module still knows itself as torchless.x (relative imports, reload, pickling by name).
        module.__spec__ = module.__spec__.loader_state[1]


def install(package):
    if not any(isinstance(finder, TorchAlias) for finder in sys.meta_path):
        sys.meta_path.insert(0, TorchAlias(package))
