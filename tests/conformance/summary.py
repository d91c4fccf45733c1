"""Counts the conformance suite prints at the end of a run (tests/conformance/conftest.py): how
much of PyTorch's databases torchless has, how much agrees, and how long the skip list is."""
from typing import Any

from .bridge import entry_id
from .skips import MODULE_SKIPS, OPINFO_SKIPS, OPTIM_SKIPS

STATE: dict[str, Any] = {"opinfo": None, "modules": None, "optims": None}


def record_opinfo(op_db: list[Any], present: list[Any]) -> None:
    """Remember the OpInfo database and the entries torchless has."""
    STATE["opinfo"] = (op_db, present)


def record(kind: str, total: list[str], present: list[str]) -> None:
    """Remember a ModuleInfo or OptimizerInfo run: every class name, and those torchless has."""
    STATE[kind] = (total, present)


def lines() -> list[str]:
    """The summary's lines."""
    out = []
    if STATE["opinfo"] is not None and STATE["opinfo"][0]:
        op_db, present = STATE["opinfo"]
        names = {e.name for e in op_db}
        have = {e.name for e in present}
        failing_entries = {key.split(":")[0] for key in OPINFO_SKIPS}
        failing_ops = {e.name for e in present if entry_id(e) in failing_entries}
        agreeing = [e for e in present if entry_id(e) not in failing_entries]
        out.append(f"OpInfo: {len(op_db)} entries of {len(names)} ops; torchless has {len(have)} ops "
                   f"({len(present)} entries); {len(names) - len(have)} ops unsupported; "
                   f"{len(have - failing_ops)} ops ({len(agreeing)} entries) agree on every check")
    for kind, skips in (("modules", MODULE_SKIPS), ("optims", OPTIM_SKIPS)):
        if STATE[kind] is not None and STATE[kind][0]:
            total, present = STATE[kind]
            failing = {key.split(":")[0] for key in skips}
            out.append(f"{'ModuleInfo' if kind == 'modules' else 'OptimizerInfo'}: {len(total)} classes; torchless has "
                       f"{len(present)}; {len(total) - len(present)} unsupported; "
                       f"{len(set(present) - failing)} agree on every check")
    out.append(f"skip list: {len(OPINFO_SKIPS)} OpInfo checks, {len(MODULE_SKIPS)} ModuleInfo checks, "
               f"{len(OPTIM_SKIPS)} OptimizerInfo checks (tests/conformance/skips.py)")
    return out
