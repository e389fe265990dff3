"""What a phase is: validate → execute → rollback, each idempotent, each returning an Outcome."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from ..api.models import PhaseName

if TYPE_CHECKING:
    from ..context import MigrationContext


@dataclass(frozen=True)
class Outcome:
    kind: Literal["done", "requeue", "failed"]
    message: str = ""
    after: float = 0.0
    transient: bool = False  # a requeue caused by an error that may pass (told apart from a terminal failure)


def done(message: str = "") -> Outcome:
    return Outcome("done", message)


def requeue(after: float, message: str, *, transient: bool = False) -> Outcome:
    return Outcome("requeue", message, after, transient)


def failed(message: str) -> Outcome:
    return Outcome("failed", message)


class Phase:
    """Base class: subclasses set `name` and implement `execute`; `validate` and `rollback` default to no-ops."""

    name: PhaseName

    def validate(self, ctx: MigrationContext) -> list[str]:
        """Problems that make executing this phase impossible now (empty when it may run)."""
        return []

    def execute(self, ctx: MigrationContext) -> Outcome:
        raise NotImplementedError

    def rollback(self, ctx: MigrationContext) -> Outcome:
        return done("nothing to undo")
