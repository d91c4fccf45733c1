"""PyTorch's ModuleInfo and OptimizerInfo databases as our gate: every module class and optimizer
torchless has, every CPU sample (tests/conformance/modules.py says how). A check listed in skips.py
must still fail; any other must pass."""
import pytest

from . import summary
from .modules import (MODULE_CHECKS, OPTIM_CHECKS, check_module, check_optimizer, load_module_db, load_optim_db,
                      torchless_module, torchless_optimizer)
from .skips import MODULE_SKIPS, OPTIM_SKIPS

try:
    MODULE_DB, OPTIM_DB = load_module_db(), load_optim_db()
except ImportError:  # no torch or no expecttest
    MODULE_DB, OPTIM_DB = [], []

MODULES = [info for info in MODULE_DB if torchless_module(info) is not None]
OPTIMS = [info for info in OPTIM_DB if torchless_optimizer(info) is not None]
summary.record("modules", [i.module_cls.__name__ for i in MODULE_DB], [i.module_cls.__name__ for i in MODULES])
summary.record("optims", [i.optim_cls.__name__ for i in OPTIM_DB], [i.optim_cls.__name__ for i in OPTIMS])


def _judge(key, failures, skips):
    if key in skips:
        if not failures:
            pytest.fail(f"{key} agrees with PyTorch now: remove it from tests/conformance/skips.py")
        pytest.xfail(skips[key])
    assert not failures, f"{len(failures)} samples differ from PyTorch:\n" + "\n".join(failures[:10])


@pytest.mark.skipif(not MODULE_DB, reason="PyTorch's ModuleInfo database needs torch and expecttest")
def test_skip_lists_name_only_checks_that_run():
    known = {f"{i.module_cls.__name__}:{c}" for i in MODULES for c in MODULE_CHECKS}
    assert not set(MODULE_SKIPS) - known, sorted(set(MODULE_SKIPS) - known)
    known = {f"{i.optim_cls.__name__}:{c}" for i in OPTIMS for c in OPTIM_CHECKS}
    assert not set(OPTIM_SKIPS) - known, sorted(set(OPTIM_SKIPS) - known)


@pytest.mark.slow
@pytest.mark.parametrize("info, check", [(i, c) for i in MODULES for c in MODULE_CHECKS],
                         ids=[f"{i.module_cls.__name__}:{c}" for i in MODULES for c in MODULE_CHECKS])
def test_module(info, check):
    _judge(f"{info.module_cls.__name__}:{check}", check_module(info, check), MODULE_SKIPS)


@pytest.mark.slow
@pytest.mark.parametrize("info, check", [(i, c) for i in OPTIMS for c in OPTIM_CHECKS],
                         ids=[f"{i.optim_cls.__name__}:{c}" for i in OPTIMS for c in OPTIM_CHECKS])
def test_optimizer(info, check):
    _judge(f"{info.optim_cls.__name__}:{check}", check_optimizer(info, check), OPTIM_SKIPS)
