"""float() and complex() of a tensor that requires grad warn once per process, as PyTorch 2.13's do
(the book's `float(l.sum())` shows it); item(), int(), bool() and a detached tensor do not. Each
library runs in a fresh child process, since the warning is given once per process."""
import os
import subprocess
import sys

import pytest

PROGRAM = r"""
import warnings
import {lib} as torch
x = torch.tensor(2.0, requires_grad=True)
seen = []
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    x.item(), int(x), bool(x), float(x.detach())
    seen.append(len(caught))
    float(x * 2)
    seen.append(len(caught))
    float(x), complex(x)
    seen.append(len(caught))
print(seen, str(caught[0].message).splitlines()[:2], caught[0].category.__name__,
      caught[0].filename.endswith("<string>"))
"""


def outcome(lib):
    src = os.path.join(os.path.dirname(__file__), os.pardir, "src")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (src, os.environ.get("PYTHONPATH")) if p))
    proc = subprocess.run([sys.executable, "-c", PROGRAM.format(lib=lib)], env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout.strip()


def test_warns_once_on_float_of_a_tensor_that_requires_grad():
    assert outcome("torchless") == ("[0, 1, 1] ['Converting a tensor with requires_grad=True to a scalar may "
                                    "lead to unexpected behavior.', 'Consider using tensor.detach() first.'] "
                                    "UserWarning True")


def test_as_pytorch_warns():
    pytest.importorskip("torch")
    ours, theirs = outcome("torchless"), outcome("torch")
    # PyTorch adds where in its C++ source the warning was triggered, after the second line
    assert ours.split("'")[0] == theirs.split("'")[0]
    assert ours.split("'")[1] == theirs.split("'")[1]
    assert theirs.split("'")[3].startswith(ours.split("'")[3])
    assert ours.rsplit("]", 1)[1] == theirs.rsplit("]", 1)[1]
