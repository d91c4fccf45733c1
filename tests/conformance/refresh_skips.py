"""Rewrite skips.py from a fresh run: checks that pass now leave the lists, and each cap drops to
its list's length. A check that newly fails is reported, not added (fix it, or add it by hand with
a reason and raise the cap in the same commit).

    PYTHONPATH=src python -m tests.conformance.refresh_skips
"""
import contextlib
import io
import pathlib
import re
import sys

from . import modules, opinfo, skips


def _failing(main, argv):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(argv + ["--skips"])
    return dict(re.findall(r"^    '([^']+)': (.*),$", out.getvalue(), re.M))


def _list_of(key: str) -> str:
    """Which list a failing check belongs in."""
    entry, check = key.rsplit(":", 1)
    if check in modules.OPTIM_CHECKS:
        return "OPTIM_SKIPS"
    return "MODULE_SKIPS" if entry[:1].isupper() else "OPINFO_SKIPS"


def main() -> int:
    path = pathlib.Path(skips.__file__)
    text = path.read_text()
    now = _failing(opinfo.main, [])
    now.update(_failing(modules.main, []))
    new = False
    for name in ("OPINFO_SKIPS", "MODULE_SKIPS", "OPTIM_SKIPS"):
        old = getattr(skips, name)
        kept = {k: v for k, v in old.items() if k in now or k in getattr(skips, "MACHINE_DEPENDENT", ())}
        for k in sorted(set(now) - set(old)):
            if _list_of(k) == name:
                print(f"newly failing (not added): {k}: {now[k]}")
                new = True
        body = "".join(f"    {k!r}: {v!r},\n" for k, v in kept.items())
        text = re.sub(rf"{name}: dict\[str, str\] = \{{\n.*?\n?\}}", f"{name}: dict[str, str] = {{\n{body}}}",
                      text, flags=re.S)
        text = re.sub(rf"MAX_{name} = \d+", f"MAX_{name} = {len(kept)}", text)
        print(f"{name}: {len(old)} -> {len(kept)}")
    path.write_text(text)
    return 1 if new else 0


if __name__ == "__main__":
    sys.exit(main())
