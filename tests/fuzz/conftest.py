"""Prints what the fuzz tier ran (seed, cases, entry points) at the end of every session that ran it, quiet
mode included, so a CI log tells how to replay it."""

from __future__ import annotations

from typing import Any

RAN: list[str] = []


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for line in RAN:
        terminalreporter.write_line(line)
