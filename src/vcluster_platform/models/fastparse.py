"""A fast validator for request specs that never imports pydantic: a pipeline is a fresh process per run, and
importing pydantic and building the models costs more than the whole rest of a render.

It walks the table generated from the pydantic models (schemas/request-table.json) and calls the same rule
functions (rules.CHECKS). It is deliberately narrower than pydantic: it accepts a spec only when every value
already has its exact type (no coercion such as "3" → 3) and every constraint and rule passes, and answers
"not sure" otherwise. The caller then asks the pydantic model, which stays the reference for every rejection
and every message. Tests hold the two together: whatever this accepts, pydantic accepts with equal values.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from .rules import CHECKS

TABLE_FILE = Path(__file__).resolve().parent.parent / "schemas" / "request-table.json"


class Record:
    """A validated model value: one attribute per field, as the pydantic model has them."""

    def __init__(self, model: str, values: dict[str, Any]) -> None:
        self.__dict__.update(values)
        self._model = model

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in self.__dict__.items() if not k.startswith("_"))
        return f"{self._model}({fields})"


class _Unsure(Exception):
    """This validator does not accept the value; the reference validator decides."""


@cache
def table_data() -> dict[str, Any]:
    table: dict[str, Any] = json.loads(TABLE_FILE.read_text(encoding="utf-8"))
    return table


@cache
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def validate_fast(spec: Any, model: str | None = None) -> Record | None:
    """The validated spec, or None when the reference validator must decide."""
    table = table_data()
    try:
        return _model(table["models"], model or table["root"], spec)
    except _Unsure:
        return None


def _model(models: dict[str, Any], name: str, data: Any) -> Record:
    if type(data) is not dict:
        raise _Unsure
    values: dict[str, Any] = {}
    used = 0
    for field in models[name]["fields"]:
        present = [key for key in field["keys"] if key in data]
        if len(present) > 1:
            raise _Unsure
        if not present:
            if field["required"]:
                raise _Unsure
            values[field["attr"]] = None
            continue
        used += 1
        values[field["attr"]] = _apply(field["checks"], _value(models, field["type"], data[present[0]]))
    if used != len(data):
        raise _Unsure  # a key no field accepts
    return Record(name, values)


def _value(models: dict[str, Any], node: dict[str, Any], value: Any) -> Any:
    if value is None:
        if node.get("nullable"):
            return None
        raise _Unsure
    value = _apply(node.get("before", ()), value)
    kind = node["kind"]
    if kind == "model":
        value = _model(models, node["model"], value)
    elif kind == "list":
        if type(value) is not list:
            raise _Unsure
        _bounds(node, len(value), "min_length", "max_length")
        value = [_value(models, node["item"], item) for item in value]
    elif kind == "dict":
        if type(value) is not dict or not all(type(key) is str for key in value):
            raise _Unsure
        value = {key: _value(models, node["value"], item) for key, item in value.items()}
    else:
        _scalar(node, kind, value)
    return _apply(node.get("checks", ()), value)


def _scalar(node: dict[str, Any], kind: str, value: Any) -> None:
    if kind == "str":
        if type(value) is not str:
            raise _Unsure
        _bounds(node, len(value), "min_length", "max_length")
        pattern = node.get("pattern")
        # pydantic's engine reads `$` as the very end; Python's also matches before a final newline.
        if pattern is not None and (value.endswith("\n") or not _regex(pattern).search(value)):
            raise _Unsure
    elif kind == "int":
        if type(value) is not int:
            raise _Unsure
        _bounds(node, value, "ge", "le")
        if ("gt" in node and not value > node["gt"]) or ("lt" in node and not value < node["lt"]):
            raise _Unsure
    elif kind == "bool":
        if type(value) is not bool:
            raise _Unsure
    elif kind == "literal":
        if type(value) is not str or value not in node["values"]:
            raise _Unsure
    elif kind != "any":
        raise _Unsure


def _bounds(node: dict[str, Any], measure: int, low: str, high: str) -> None:
    if (low in node and measure < node[low]) or (high in node and measure > node[high]):
        raise _Unsure


def _apply(checks: Any, value: Any) -> Any:
    for name in checks:
        try:
            value = CHECKS[name](value)
        except (ValueError, TypeError) as exc:
            raise _Unsure from exc
    return value
