"""One problem type for every check (request fields, schemas, the policy gate), rendered to text only at the
edge; one error type for bad input."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

FIELD, SCHEMA, POLICY = "field", "schema", "policy"
# exit codes of every entry point: 1 is "the check found something" for the CLI, "any other error" for a pipeline
EXIT_OK, EXIT_ERROR, EXIT_INVALID, EXIT_BUG = 0, 1, 2, 3


@dataclass(frozen=True)
class Problem:
    """Where (`path`), what was found (`value`), what is wrong and what is allowed (`message`), which check
    found it (`source`: field, schema or policy) and, for a problem inside an object, which (`subject`).
    `keys` lists the keys a schema refused at `path`."""

    path: str
    value: Any
    message: str
    source: str = FIELD
    subject: str = ""
    keys: tuple[str, ...] = ()

    def text(self) -> str:
        """The problem without its subject: `path: message (got value)` (no path: the message alone)."""
        at = f"{self.path}: " if self.path else ""
        if self.value is NOT_APPLICABLE:
            return f"{at}{self.message}"
        return f"{at}{self.message} (got {describe_value(self.value)})"

    def __str__(self) -> str:
        return f"{self.subject}: {self.text()}" if self.subject else self.text()

    def as_dict(self) -> dict[str, Any]:
        """The same problem as plain data (for JSON output): the value as it was found, or absent."""
        out: dict[str, Any] = {"source": self.source, "subject": self.subject, "path": self.path,
                               "message": self.message}
        if self.value is not NOT_APPLICABLE and self.value is not MISSING:
            out["value"] = self.value
        return out


class InvalidRequest(Exception):
    """The request cannot be rendered; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(self.summary())

    def summary(self) -> str:
        lines = [f"invalid request: {len(self.problems)} problem(s)"]
        lines += [f"  - {p}" for p in self.problems]
        return "\n".join(lines)


class Unavailable(Exception):
    """Something the run needs from the cluster could not be had (the message says what): exit 1 and a Failed
    status, and Kratix retries."""


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


def describe(obj: Any) -> str:
    """`Kind namespace/name` of an object, the subject of its problems."""
    if not isinstance(obj, dict):
        return "<not an object>"
    meta: dict[str, Any] = obj["metadata"] if isinstance(obj.get("metadata"), dict) else {}
    ns = f"{meta.get('namespace')}/" if meta.get("namespace") else ""
    return f"{obj.get('kind', '?')} {ns}{meta.get('name', '?')}"
