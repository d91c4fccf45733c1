"""The package namespace: the training stack loads on first use, and every way of reaching it works."""
import os
import subprocess
import sys

import pytest

CODE = """
import sys
import torchless
assert "torchless.nn" not in sys.modules and "torchless.optim" not in sys.modules
assert {"nn", "optim", "utils", "distributions", "save", "load"} <= set(dir(torchless))
from torchless import nn
from torchless.nn import functional as F
from torchless.utils import data
import torchless.optim as optim
assert torchless.nn is nn and torchless.nn.functional is F and torchless.utils.data is data
assert torchless.optim is optim and torchless.save is torchless.serialization.save
assert torchless.distributions.Multinomial is not None
try:
    torchless.no_such_thing
except AttributeError as e:
    assert "no_such_thing" in str(e)
else:
    raise AssertionError("missing attribute did not raise")
print("ok")
"""


def test_training_stack_loads_on_first_use():
    res = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "ok"


# ------------------------------------------------ `from torch import nn` after `import torchless as torch`
def run_fresh(code):
    """stdout of `code` in a fresh interpreter (the import system's state is per process)."""
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    return res.stdout.strip()


def test_torch_imports_mean_torchless_where_torch_is_bound_to_it():
    out = run_fresh("""
import torchless as torch
from torch import nn
from torch.nn import functional as F
from torch.utils import data
from torch.utils.data import DataLoader
import torch.optim as optim
from torch.optim import lr_scheduler
import torchless
assert torch is torchless and nn is torchless.nn and F is torchless.nn.functional
assert data is torchless.utils.data and DataLoader is torchless.utils.data.DataLoader
assert optim is torchless.optim and lr_scheduler is torchless.optim.lr_scheduler
assert torchless.__spec__.name == "torchless" and nn.__spec__.name == "torchless.nn"

def inside_a_function():
    import torchless as torch
    from torch import nn
    return nn
assert inside_a_function() is torchless.nn
print(nn.Linear(2, 3))
""")
    assert out == "Linear(in_features=2, out_features=3, bias=True)"


def test_missing_submodule_names_torchless():
    out = run_fresh("""
import torchless as torch
try:
    import torch.no_such_module
except ModuleNotFoundError as e:
    print(e.name, "|", e)
""")
    assert out == ("torch.no_such_module | No module named 'torch.no_such_module': torchless (imported as "
                   "torch) has no module 'torchless.no_such_module'")


def test_code_that_did_not_bind_torch_gets_the_real_one():
    out = run_fresh("""
import torchless
try:
    import torch
except ModuleNotFoundError as e:
    print("absent", "torchless" not in str(e))  # not answered by torchless's finder
else:
    print("real", torch is not torchless and torch.__spec__.name == "torch")
""")
    assert out in ("absent True", "real True")


def test_real_torch_imported_first_keeps_its_name():
    # sys.modules answers before any finder: a process that loaded PyTorch keeps it under "torch".
    out = run_fresh("""
try:
    import torch as real
except ModuleNotFoundError:
    print("skip")
else:
    import torchless as torch
    from torch import nn
    print(nn is real.nn)
""")
    assert out in ("skip", "True")


# ------------------------------------------------ big temporaries reuse the heap (glibc)
STEP_CHURN = """
import resource, sys
import numpy as np
if sys.argv[1] == "torchless":
    import torchless
SIZES = [int(n) for n in sys.argv[2].split(",")]
def step():  # a training step's pattern: megabytes of arrays made, then all freed at once
    arrays = [np.ones(n, np.float32) for n in SIZES]
    return sum(float(a[0]) for a in arrays)
for _ in range(3):
    step()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(20):
    step()
print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) // 20)
"""


# an MLP step's arrays (5 MB), and a LeNet step's (batch 256: its activations and gradients, 35 MB)
@pytest.mark.parametrize("sizes", ["200000,400000,130000,65000,400000,200000",
                                   "1204224,1204224,301056,409600,409600,1204224,1204224,301056,2408448"])
@pytest.mark.skipif(not sys.platform.startswith("linux") or os.confstr("CS_GNU_LIBC_VERSION") is None
                    or not os.confstr("CS_GNU_LIBC_VERSION").startswith("glibc"), reason="glibc's allocator")
def test_importing_torchless_lets_steps_reuse_the_heap(sizes):
    def faults(lib):
        res = subprocess.run([sys.executable, "-c", STEP_CHURN, lib, sizes], capture_output=True, text=True,
                             timeout=120)
        assert res.returncode == 0, res.stderr
        return int(res.stdout)
    # Plain NumPy hands the memory back after every step and faults it in again next time.
    assert faults("torchless") < 50 < faults("numpy")
