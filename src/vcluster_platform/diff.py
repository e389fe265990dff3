"""`diff`: objects matched by (apiVersion, kind, namespace, name), compared field by field.

Helm values given as a YAML string (`helm.values`) are parsed, so they are compared as data like
`helm.valuesObject`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

import yaml

from .errors import MISSING
from .manifests import ObjectKey, key_text, object_key

Status = Literal["added", "removed", "changed"]


@dataclass(frozen=True)
class Change:
    path: str
    old: Any
    new: Any


@dataclass(frozen=True)
class ObjectDiff:
    key: ObjectKey
    status: Status
    changes: list[Change] = field(default_factory=list)


def _parsed_helm_values(helm: dict[str, Any]) -> dict[str, Any]:
    values = helm.get("values")
    if not isinstance(values, str):
        return helm
    try:
        parsed = yaml.safe_load(values)
    except yaml.YAMLError:
        return helm
    return {**helm, "values": parsed}


def comparable(obj: dict[str, Any]) -> dict[str, Any]:
    """The object with Helm values strings parsed into data."""
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return obj
    spec = dict(spec)
    source = spec.get("source")
    if isinstance(source, dict) and isinstance(source.get("helm"), dict):
        spec["source"] = {**source, "helm": _parsed_helm_values(source["helm"])}
    if isinstance(spec.get("sources"), list):
        spec["sources"] = [
            {**s, "helm": _parsed_helm_values(s["helm"])} if isinstance(s, dict) and isinstance(s.get("helm"), dict)
            else s for s in spec["sources"]
        ]
    return {**obj, "spec": spec}


def _join(path: str, part: str | int) -> str:
    if isinstance(part, int):
        return f"{path}[{part}]"
    return f"{path}.{part}" if path else part


def field_changes(old: Any, new: Any, path: str = "") -> list[Change]:
    """Leaf-level differences between two values; lists are compared item by item."""
    old_map = {} if old is MISSING and isinstance(new, dict) and new else old
    new_map = {} if new is MISSING and isinstance(old, dict) and old else new
    if isinstance(old_map, dict) and isinstance(new_map, dict):
        changes = []
        for key in sorted(set(old_map) | set(new_map), key=str):
            changes += field_changes(old_map.get(key, MISSING), new_map.get(key, MISSING), _join(path, key))
        return changes
    if isinstance(old, list) and isinstance(new, list):
        changes = []
        for index in range(max(len(old), len(new))):
            changes += field_changes(old[index] if index < len(old) else MISSING,
                                     new[index] if index < len(new) else MISSING, _join(path, index))
        return changes
    if old is MISSING and new is MISSING:
        return []
    return [] if (old is not MISSING and new is not MISSING and old == new and type(old) is type(new)) \
        else [Change(path, old, new)]


def diff_objects(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[ObjectDiff]:
    """Added, removed and changed objects, sorted by key; unchanged objects are left out. Documents that are
    not Kubernetes objects (no kind: a Kratix status.yaml beside the output, say) are not compared."""
    before = {object_key(o): comparable(o) for o in old if o.get("kind")}
    after = {object_key(o): comparable(o) for o in new if o.get("kind")}
    diffs = []
    for key in sorted(set(before) | set(after)):
        if key not in after:
            diffs.append(ObjectDiff(key, "removed"))
        elif key not in before:
            diffs.append(ObjectDiff(key, "added"))
        else:
            changes = field_changes(before[key], after[key])
            if changes:
                diffs.append(ObjectDiff(key, "changed", changes))
    return diffs


COLOURS = {"added": "\033[32m", "removed": "\033[31m", "changed": "\033[33m", "reset": "\033[0m"}


def _show(value: Any) -> str:
    if value is MISSING:
        return "(absent)"
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= 120 else text[:117] + "..."


def format_text(diffs: list[ObjectDiff], colour: bool) -> str:
    """A readable report: one line per object, one per changed field."""
    def paint(text: str, tone: str) -> str:
        return f"{COLOURS[tone]}{text}{COLOURS['reset']}" if colour else text

    if not diffs:
        return "no differences"
    marks = {"added": "+", "removed": "-", "changed": "~"}
    lines = []
    for d in diffs:
        lines.append(paint(f"{marks[d.status]} {key_text(d.key)}: {d.status}", d.status))
        for c in d.changes:
            if c.old is MISSING:
                lines.append(paint(f"    + {c.path}: {_show(c.new)}", "added"))
            elif c.new is MISSING:
                lines.append(paint(f"    - {c.path}: {_show(c.old)}", "removed"))
            else:
                lines.append(f"    ~ {c.path}: {paint(_show(c.old), 'removed')} → {paint(_show(c.new), 'added')}")
    counts = {s: sum(1 for d in diffs if d.status == s) for s in marks}
    lines.append(f"{counts['added']} added, {counts['removed']} removed, {counts['changed']} changed")
    return "\n".join(lines)


def to_json(diffs: list[ObjectDiff]) -> list[dict[str, Any]]:
    def value(v: Any) -> Any:
        return None if v is MISSING else v

    return [{
        "apiVersion": d.key[0], "kind": d.key[1], "namespace": d.key[2] or None, "name": d.key[3], "status": d.status,
        "changes": [{"path": c.path, "old": value(c.old), "new": value(c.new),
                     "op": "add" if c.old is MISSING else "remove" if c.new is MISSING else "replace"}
                    for c in d.changes],
    } for d in diffs]
