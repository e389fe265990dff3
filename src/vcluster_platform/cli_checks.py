"""validate, diff and migrate commands (registered by cli.py)."""

from __future__ import annotations

import argparse


def add_check_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Registered once validate/diff/migrate exist."""
