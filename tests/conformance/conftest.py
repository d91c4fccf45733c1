"""Prints the conformance counts after a run that collected the conformance suite."""
from . import summary


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if any(summary.STATE.values()):
        terminalreporter.section("conformance with PyTorch's test databases")
        for line in summary.lines():
            terminalreporter.write_line(line)
