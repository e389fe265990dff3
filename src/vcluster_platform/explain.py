"""Effective settings as rows of (setting, value, source), for `vcluster-platform explain`."""

from __future__ import annotations

from dataclasses import asdict, is_dataclass
from typing import Any

from .models import EffectiveSettings
from .models.platform import PLATFORM_ENV, env_text
from .models.settings_table import PRESETS, SETTINGS


def explain_rows(s: EffectiveSettings) -> list[dict[str, Any]]:
    """Every setting of the table, in its order, with its value, where it came from and the preset's value."""
    rows = []
    for setting in SETTINGS:
        value = getattr(s, setting.attr) if setting.attr else s.value(setting.path)
        rows.append({"setting": setting.path, "value": plain(value),
                     "source": s.sources[setting.path], "presetValue": PRESETS[s.preset].get(setting.path)})
    return rows + platform_rows(s)


def plain(value: Any) -> Any:
    """Tuples and records as lists and mappings, so every output format can carry the value."""
    if isinstance(value, tuple):
        return [plain(v) for v in value]
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    return value


def platform_rows(s: EffectiveSettings) -> list[dict[str, Any]]:
    """The installation's settings this render used (environment of the pipeline, not the request)."""
    rows = []
    for variable, (attr, _kind, _help) in PLATFORM_ENV.items():
        rows.append({"setting": f"platform.{attr}", "value": env_text(getattr(s.platform, attr)),
                     "source": f"platform (env {variable})", "presetValue": None})
    return rows


def differs_from_preset(row: dict[str, Any]) -> bool:
    return str(row["source"]) == "request" and row["presetValue"] is not None and row["presetValue"] != row["value"]


def format_table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    cells = [[str(r.get(c, "")) for c in columns] for r in rows]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in cells]
    return "\n".join(lines)
