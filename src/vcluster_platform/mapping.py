"""Reading nested YAML data whose shape is not yet known to be right."""

from __future__ import annotations

from typing import Any


def dig(data: Any, *path: str, default: Any = None) -> Any:
    """data[path[0]][path[1]]..., or `default` where a step is missing or not a mapping."""
    for part in path:
        if not isinstance(data, dict) or part not in data:
            return default
        data = data[part]
    return data
