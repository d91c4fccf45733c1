"""The seed notebook (D2L §2.5) as a test: every cell's displayed output equals the seed's text."""
import glob
import os
import re

import pytest

from torchless import _seed_demo

from .conftest import SEED_PATH


def _seed_cells():
    """(code, expected output or None) per `In [n]:` cell of the seed text."""
    paths = sorted(glob.glob(os.path.join(SEED_PATH, "*.txt")))
    if not paths:
        pytest.skip("../shared/seeds is not beside this checkout")
    text = open(paths[0], encoding="utf-8").read()
    chunks = re.split(r"^In \[\d+\]:\n", text, flags=re.M)[1:]
    cells = []
    for chunk in chunks:
        lines = chunk.split("\n")
        out_at = next((i for i, l in enumerate(lines) if l.startswith("tensor(")), None)
        if out_at is None:  # no displayed output: the code runs to the first prose line
            code = "\n".join(lines).strip()
            cells.append((code, None))
            continue
        code = "\n".join(lines[:out_at]).strip()
        out = []
        for l in lines[out_at:]:
            if not l.strip():
                break
            out.append(l)
        cells.append((code, "\n".join(out)))
    return cells


def test_embedded_cells_are_the_seeds_code():
    seed = _seed_cells()
    assert len(seed) == len(_seed_demo.CELLS) == 10
    for (code, _), ours in zip(seed, _seed_demo.CELLS):
        assert code.split() == ours.split()  # same code, whitespace aside


def test_every_cell_prints_what_the_seed_shows():
    shown = _seed_demo.run(seed=0, out=lambda *_: None)
    for (code, expected), got in zip(_seed_cells(), shown):
        assert got == expected, f"cell:\n{code}\nexpected {expected!r}, got {got!r}"


def _control_flow(lib, value):
    a = lib.tensor(value, requires_grad=True)
    b = a * 2
    while b.norm() < 1000:
        b = b * 2
    c = b if b.sum() > 0 else 100 * b
    c.backward()
    return a, c


@pytest.mark.parametrize("seed", range(20))
def test_control_flow_gradient_is_exact(seed):
    """The last cell: a.grad is exactly 2^k (times 100 for a negative draw)."""
    import torchless
    torchless.manual_seed(seed)
    value = torchless.randn(size=()).item()
    a, c = _control_flow(torchless, value)
    b = abs(value) * 2
    k = 1
    while b < 1000:
        b *= 2
        k += 1
    assert a.grad.item() == 2.0 ** k * (1 if value > 0 else 100)


@pytest.mark.parametrize("seed", range(20))
def test_control_flow_cell_matches_pytorch(seed, torch_ref):
    """a.grad == d / a is True for most draws; where float rounding makes it False, PyTorch agrees."""
    import torchless
    torchless.manual_seed(seed)
    value = torchless.randn(size=()).item()
    ours = _control_flow(torchless, value)
    theirs = _control_flow(torch_ref, value)
    assert repr(ours[0].grad == ours[1] / ours[0]) == repr(theirs[0].grad == theirs[1] / theirs[0])
    assert repr(ours[1]) == repr(theirs[1])


def test_python_dash_m_runs_the_walkthrough():
    import subprocess
    import sys
    res = subprocess.run([sys.executable, "-m", "torchless"], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert "tensor([ 0.,  4.,  8., 12.])" in res.stdout
    assert res.stdout.count("In [") == 10
