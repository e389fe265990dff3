"""Offline schema validation of rendered objects: chart values, CRD kinds and core Kubernetes kinds.

Schemas are JSON files generated into `vcluster_platform/schemas/` by `make generate` from the upstream
copies in shared/schemas and from kubernetes-validate, one self-contained file per kind (crd-index.json maps
apiVersion/kind to it), loaded and compiled on first use; nothing is fetched at run time. CRD schemas are made
strict (unknown fields rejected) because an API server would silently prune them.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs

from .errors import NOT_APPLICABLE, SCHEMA, Problem, describe

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
CRD_INDEX = "crd-index.json"


class UnknownKind(Exception):
    """No schema is known for an object's apiVersion/kind."""


def _load(name: str) -> Any:
    return json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))


@cache
def _crd_index() -> dict[str, str]:
    index: dict[str, str] = _load(CRD_INDEX)
    return index


@cache
def _validator_for_kind(api_version: str, kind: str) -> Any:
    key = f"{api_version}/{kind}"
    schema_file = _crd_index().get(key)
    if schema_file is None:
        raise UnknownKind(key)
    return jsonschema_rs.Draft7Validator(_load(schema_file), validate_formats=False)


@cache
def _values_schema(chart_version: str) -> Any:
    return _load(f"vcluster-values-{chart_version}.json")


@cache
def _values_validator(chart_version: str) -> Any:
    return jsonschema_rs.Draft202012Validator(_values_schema(chart_version), validate_formats=False)


def known_kinds() -> list[str]:
    return sorted(_crd_index())


def _path(parts: Any) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out or part else str(part))
    return out.lstrip(".")


def _problems(validator: Any, instance: Any, where: str) -> list[Problem]:
    found = [Problem(_path(list(e.instance_path)), NOT_APPLICABLE, e.message, SCHEMA, where,
                     tuple(str(k) for k in getattr(e.kind, "unexpected", None) or ()))
             for e in validator.iter_errors(instance)]
    return sorted(found, key=lambda p: (p.path, p.message))


def _resolve(schema: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/$defs/"):
        node = schema["$defs"].get(node["$ref"].removeprefix("#/$defs/"), {})
    return node


@cache
def values_paths(chart_version: str) -> tuple[str, ...]:
    """Every property path the chart's values schema defines (objects followed to a depth of 8)."""
    schema = _values_schema(chart_version)
    found: list[str] = []

    def walk(node: Any, prefix: str, depth: int) -> None:
        node = _resolve(schema, node)
        if depth > 8 or not isinstance(node, dict):
            return
        for key, child in (node.get("properties") or {}).items():
            path = f"{prefix}.{key}" if prefix else key
            found.append(path)
            walk(child, path, depth + 1)

    walk(schema, "", 0)
    return tuple(found)


def suggest_paths(chart_version: str, parent: str, key: str, limit: int = 3) -> list[str]:
    """Where the chart does have `key` (or a key spelled like it), nearest to `parent` first."""
    import difflib

    paths = values_paths(chart_version)
    exact = [p for p in paths if p.rsplit(".", 1)[-1] == key]
    if not exact:
        siblings = {p.rsplit(".", 1)[-1]: p for p in paths if p.rpartition(".")[0] == parent}
        exact = [siblings[k] for k in difflib.get_close_matches(key, list(siblings), n=limit, cutoff=0.75)]
    if not exact:
        leaves = sorted({p.rsplit(".", 1)[-1] for p in paths})
        close = difflib.get_close_matches(key, leaves, n=limit, cutoff=0.8)
        exact = [p for p in paths if p.rsplit(".", 1)[-1] in close]

    here = parent.split(".") if parent else []

    def shared(p: str) -> int:
        """How many leading path segments p shares with the parent of the unknown key."""
        count = 0
        for mine, theirs in zip(p.split("."), here, strict=False):
            if mine != theirs:
                break
            count += 1
        return count

    return sorted(exact, key=lambda p: (-shared(p), p.count("."), p))[:limit]


def unknown_key_hint(problem: Problem, chart_version: str) -> str:
    """'; the chart has KEY at PATH' (or '; did you mean PATH?') for keys the schema does not allow, or ''."""
    hints = []
    for key in problem.keys:
        found = suggest_paths(chart_version, problem.path, key)
        if found and found[0].rsplit(".", 1)[-1] == key:
            hints.append(f"the chart has {key!r} at " + " or ".join(found))
        elif found:
            hints.append(f"did you mean {' or '.join(found)}?")
    return f"; {'; '.join(hints)}" if hints else ""


def validate_object(obj: dict[str, Any]) -> list[Problem]:
    """Problems of one object against the schema of its apiVersion/kind (raises UnknownKind)."""
    validator = _validator_for_kind(str(obj.get("apiVersion")), str(obj.get("kind")))
    return _problems(validator, obj, describe(obj))


def validate_helm_values(values: dict[str, Any], schema_version: str, where: str) -> list[Problem]:
    return _problems(_values_validator(schema_version), values, where)
