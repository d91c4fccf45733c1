"""PyTorch's OpInfo database as our gate: every entry torchless has, every CPU sample, four checks
(tests/conformance/opinfo.py says which). A check listed in skips.py must still fail (it is an
expected failure, strictly: once it passes, the entry must leave the list); any other must pass."""
import pytest

from .bridge import entry_id, torchless_op
from .opinfo import CHECKS, load_op_db, run_check
from .skips import MACHINE_DEPENDENT, OPINFO_SKIPS
from . import summary

try:
    OP_DB = load_op_db()
except ImportError:  # no torch or no expecttest: nothing to compare with
    OP_DB = []

PRESENT = [entry for entry in OP_DB if torchless_op(entry) is not None]
summary.record_opinfo(OP_DB, PRESENT)


@pytest.mark.skipif(not OP_DB, reason="PyTorch's OpInfo database needs torch and expecttest")
def test_skip_list_names_only_entries_that_exist():
    known = {f"{entry_id(entry)}:{check}" for entry in PRESENT for check in CHECKS}
    stale = sorted(set(OPINFO_SKIPS) - known)
    assert not stale, f"skips.py names checks that are not run (remove them): {stale}"


@pytest.mark.slow
@pytest.mark.parametrize("entry, check", [(entry, check) for entry in PRESENT for check in CHECKS],
                         ids=[f"{entry_id(entry)}:{check}" for entry in PRESENT for check in CHECKS])
def test_opinfo(entry, check):
    key = f"{entry_id(entry)}:{check}"
    failures = run_check(entry, check)
    if key in OPINFO_SKIPS:
        if not failures:
            if key in MACHINE_DEPENDENT:
                return  # (agrees on this processor)
            pytest.fail(f"{key} agrees with PyTorch now: remove it from tests/conformance/skips.py")
        pytest.xfail(OPINFO_SKIPS[key])
    assert not failures, f"{len(failures)} samples differ from PyTorch:\n" + "\n".join(failures[:10])


def test_skip_lists_only_shrink():
    from . import skips
    assert len(skips.OPINFO_SKIPS) <= skips.MAX_OPINFO_SKIPS
    assert len(skips.MODULE_SKIPS) <= skips.MAX_MODULE_SKIPS
    assert len(skips.OPTIM_SKIPS) <= skips.MAX_OPTIM_SKIPS
