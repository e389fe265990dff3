"""A request field's setting, declared where the field is: `Annotated[T | None, Default(...)]` in the request
model. The generated request table carries it (request_table.py), and the settings table, the presets, `explain`
and the README read it from there, so a new field is written once, next to its type and constraints.

Renderers read such a value by its request path: `settings.value("backup.retention")`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Default:
    """The value where the request is silent: the preset's (`dev`, `prod`), else `default`. `help` is the short
    text of the settings table; `derived` names a rule that resolve() applies instead (the text says which)."""

    help: str
    default: Any = None
    dev: Any = None
    prod: Any = None
    derived: str = ""

    def as_table(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None and v != ""}
