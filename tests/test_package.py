"""The package namespace: the training stack loads on first use, and every way of reaching it works."""
import subprocess
import sys

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
