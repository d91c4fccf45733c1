"""The two array namespaces rules are written against: NumPy's (plain backward) and the Tensor one
(create_graph). A rule that calls xp.<name> must find <name> in both, or higher-order gradients
through it would fail."""
import pathlib
import re

import numpy as np
import pytest

import torchless
from torchless._tensor.xp import TX
from torchless.backend import numpy as NP

OPS = pathlib.Path(torchless.__file__).parent / "ops"


def _names_used_by_rules():
    used = set()
    for path in OPS.glob("*.py"):
        used |= set(re.findall(r"\bxp\.([A-Za-z_]\w*)", path.read_text()))
    return sorted(used - {"ndarray"})


@pytest.mark.parametrize("name", _names_used_by_rules())
def test_every_name_a_rule_uses_is_in_both_namespaces(name):
    if name in NP.TENSOR_ONLY:  # a hook of the Tensor namespace: None for NumPy, which rules test
        assert getattr(NP, name) is None and callable(getattr(TX, name))
        return
    assert name in NP.NAMES, f"ops use xp.{name}: list it in backend/numpy.py NAMES"
    assert callable(getattr(NP, name)), name
    assert callable(getattr(TX, name)), f"_tensor.xp.TX lacks {name}"


@pytest.mark.parametrize("name", NP.NAMES)
def test_names_listed_exist_in_both(name):
    assert hasattr(NP, name) and hasattr(TX, name), name


@pytest.mark.parametrize("name", ["exp", "tanh", "sigmoid", "rsqrt", "reciprocal", "relu", "sqrt", "sign"])
def test_elementwise_names_agree_on_values(name):
    a = np.array([0.25, 0.5, 1.5, 3.0])
    np.testing.assert_allclose(getattr(TX, name)(torchless.tensor(a)).numpy(), getattr(NP, name)(a),
                               rtol=1e-12)


def test_sum_to_and_broadcast_to_agree():
    g = np.arange(24.0).reshape(2, 3, 4)
    for shape in [(3, 4), (1, 4), (3, 1), (2, 1, 4), ()]:
        np.testing.assert_array_equal(TX.sum_to(torchless.tensor(g), shape).numpy(), NP.sum_to(g, shape))
    small = np.array([[1.0], [2.0]])
    view = NP.broadcast_to(small, (3, 2, 4))
    np.testing.assert_array_equal(view, np.broadcast_to(small, (3, 2, 4)))
    assert not view.flags.writeable and np.shares_memory(view, small)
    np.testing.assert_array_equal(TX.broadcast_to(torchless.tensor(small), (3, 2, 4)).numpy(), view)


def test_in_place_helpers_reuse_memory_only_for_large_arrays():
    big = np.full(10_000, 0.5)
    assert NP.one_minus_(big) is big and big[0] == 0.5
    ones = NP.broadcast_to(np.array(1.0), (10_000,))
    assert NP.mul_(big, ones) is big  # multiplying by a broadcast 1 is skipped
    small = np.full(4, 0.25)
    out = NP.one_minus_(small)
    assert out is not small and small[0] == 0.25 and out[0] == 0.75
