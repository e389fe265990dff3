"""A request field's setting, declared where the field is: `Annotated[T | None, Default(...)]` in the request
model. The generated request table carries it (request_table.py), and the settings table, the presets, `explain`
and the README read it from there, so a field is written once, next to its type and constraints.

A renderer reads the value by its request path, `settings.value("backup.retention")`; a field with an `attr`
also has that typed EffectiveSettings attribute (the fields older than this mechanism).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

NOTHING: Any = type("Nothing", (), {"__repr__": lambda self: "NOTHING"})()
CONVERTERS = ("mapping", "text", "url")  # dict(v or {}), v or "", v without a trailing slash


@dataclass(frozen=True)
class Default:
    """The value where the request is silent: the preset's (`dev`, `prod`), else `default` (None is a value;
    leave it out for none). `help` is the settings table's short text; `derived` names the rule resolve()
    applies instead; `convert` one of CONVERTERS."""

    help: str
    default: Any = NOTHING
    dev: Any = NOTHING
    prod: Any = NOTHING
    derived: str = ""
    attr: str = ""
    convert: str = ""

    def __post_init__(self) -> None:
        if self.convert and self.convert not in CONVERTERS:
            raise ValueError(f"convert {self.convert!r}: allowed {', '.join(CONVERTERS)}")

    def as_table(self) -> dict[str, Any]:
        """The fields given, for the generated request table (an empty text is left out, an empty value kept)."""
        texts = ("help", "derived", "attr", "convert")
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not NOTHING
                and not (f.name in texts and getattr(self, f.name) == "")}
