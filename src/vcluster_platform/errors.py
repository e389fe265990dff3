"""One error type for bad input: every problem names a field path, the value and what is allowed."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FieldProblem:
    path: str
    value: Any
    message: str

    def __str__(self) -> str:
        if self.value is NOT_APPLICABLE:
            return f"{self.path}: {self.message}"
        return f"{self.path}: {self.message} (got {describe_value(self.value)})"


class InvalidRequest(Exception):
    """The request cannot be rendered; carries every problem found."""

    def __init__(self, problems: list[FieldProblem]):
        self.problems = problems
        super().__init__(self.summary())

    def summary(self) -> str:
        lines = [f"invalid request: {len(self.problems)} problem(s)"]
        lines += [f"  - {p}" for p in self.problems]
        return "\n".join(lines)


class RenderInvariantError(Exception):
    """A rendered object broke a rule (policy gate or schema): a bug in a renderer, never the user's."""


_MISSING = object()


def describe_value(value: Any) -> str:
    if value is _MISSING:
        return "nothing"
    try:
        text = json.dumps(value, default=str, sort_keys=True)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


MISSING = _MISSING
NOT_APPLICABLE = object()  # a problem of a whole file or input, where no single value was read
