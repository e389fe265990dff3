"""Offline schema validation of rendered objects: chart values, CRD kinds and core Kubernetes kinds.

Schemas are JSON files generated into `vcluster_platform/schemas/` by `make generate` from the upstream
copies in shared/schemas and from kubernetes-validate; nothing is fetched at run time. CRD schemas are made
strict (unknown fields rejected) because an API server would silently prune them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import jsonschema_rs

SCHEMA_PACKAGE = "vcluster_platform.schemas"
KUBERNETES_BUNDLE = "kubernetes-core.json"
CRD_INDEX = "crd-index.json"


@dataclass(frozen=True)
class SchemaProblem:
    where: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.where} at {self.path or '<root>'}: {self.message}"


class UnknownKind(Exception):
    """No schema is known for an object's apiVersion/kind."""


def _load(name: str) -> Any:
    return json.loads(resources.files(SCHEMA_PACKAGE).joinpath(name).read_text(encoding="utf-8"))


@cache
def _crd_index() -> dict[str, str]:
    index: dict[str, str] = _load(CRD_INDEX)
    return index


@cache
def _kubernetes_bundle() -> dict[str, Any]:
    bundle: dict[str, Any] = _load(KUBERNETES_BUNDLE)
    return bundle


@cache
def _validator_for_kind(api_version: str, kind: str) -> Any:
    key = f"{api_version}/{kind}"
    crd_file = _crd_index().get(key)
    if crd_file:
        return jsonschema_rs.Draft7Validator(_load(crd_file), validate_formats=False)
    bundle = _kubernetes_bundle()
    ref = bundle["kinds"].get(key)
    if ref is None:
        raise UnknownKind(key)
    return jsonschema_rs.Draft7Validator({"$ref": ref, "definitions": bundle["definitions"]}, validate_formats=False)


@cache
def _values_validator(chart_version: str) -> Any:
    return jsonschema_rs.Draft202012Validator(_load(f"vcluster-values-{chart_version}.json"), validate_formats=False)


def known_kinds() -> list[str]:
    return sorted([*_crd_index(), *_kubernetes_bundle()["kinds"]])


def _path(parts: Any) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out or part else str(part))
    return out.lstrip(".")


def _problems(validator: Any, instance: Any, where: str) -> list[SchemaProblem]:
    found = [SchemaProblem(where, _path(list(e.instance_path)), e.message) for e in validator.iter_errors(instance)]
    return sorted(found, key=lambda p: (p.path, p.message))


def describe(obj: Any) -> str:
    if not isinstance(obj, dict):
        return "<not an object>"
    meta = obj.get("metadata") or {}
    ns = f"{meta.get('namespace')}/" if meta.get("namespace") else ""
    return f"{obj.get('kind', '?')} {ns}{meta.get('name', '?')}"


def validate_object(obj: dict[str, Any]) -> list[SchemaProblem]:
    """Problems of one object against the schema of its apiVersion/kind (raises UnknownKind)."""
    validator = _validator_for_kind(str(obj.get("apiVersion")), str(obj.get("kind")))
    return _problems(validator, obj, describe(obj))


def validate_helm_values(values: dict[str, Any], schema_version: str, where: str) -> list[SchemaProblem]:
    return _problems(_values_validator(schema_version), values, where)
