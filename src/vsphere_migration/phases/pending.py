"""Phases 8 to 15 are not in this release yet: they fail clearly instead of pretending to work."""

from __future__ import annotations

from ..api.models import PhaseName
from ..context import MigrationContext
from .base import Outcome, Phase, failed


class NotYetAvailable(Phase):
    def __init__(self, name: PhaseName) -> None:
        self.name = name

    def execute(self, ctx: MigrationContext) -> Outcome:
        return failed(f"phase {self.name.value} is not available in this controller release; the migration stops "
                      "here (set spec.state: Rollback to restore the backed-up configuration)")
