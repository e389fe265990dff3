"""Everything a render must pass before a byte is written: policy gate and schema validation."""

from __future__ import annotations

from typing import Any

from ..errors import MISSING, FieldProblem, InvalidRequest, RenderInvariantError
from ..models import EffectiveSettings
from ..policy import gate
from ..render.helm_values import base_helm_values
from ..schema_store import SchemaProblem, UnknownKind, validate_helm_values, validate_object


def _chart_values_problems(values: dict[str, Any]) -> list[str]:
    sync = values.get("sync") or {}
    to_host = ((sync.get("toHost") or {}).get("storageClasses") or {}).get("enabled")
    from_host = ((sync.get("fromHost") or {}).get("storageClasses") or {}).get("enabled")
    if to_host is True and from_host is True:
        return ["sync.toHost.storageClasses and sync.fromHost.storageClasses cannot both be enabled"]
    return []


def check_helm_values(s: EffectiveSettings, merged: dict[str, Any]) -> None:
    """Our own values must validate (else a bug); the merged values must too (else the overrides' fault)."""
    where = f"Helm values for chart {s.chart} {s.chart_version}"
    own = validate_helm_values(base_helm_values(s), s.values_schema_version, where)
    if own:
        raise RenderInvariantError("rendered Helm values fail the chart schema:\n" + _lines(own))
    merged_problems = [str(p) for p in validate_helm_values(merged, s.values_schema_version, where)]
    merged_problems += _chart_values_problems(merged)
    if merged_problems:
        raise InvalidRequest([
            FieldProblem("spec.vcluster.helmOverrides", s.helm_overrides or MISSING,
                         f"the merged Helm values are invalid for chart {s.chart_version}: {p}")
            for p in merged_problems
        ])


def check_objects(objects: list[dict[str, Any]]) -> None:
    """Policy gate plus schema validation of every object; raises RenderInvariantError listing all problems."""
    problems = gate(objects)
    for obj in objects:
        try:
            problems += [str(p) for p in validate_object(obj)]
        except UnknownKind as exc:
            problems.append(f"{obj.get('kind')} {obj.get('metadata', {}).get('name')}: no schema for {exc}")
    if problems:
        raise RenderInvariantError("rendered objects failed validation:\n" + "\n".join(f"  - {p}" for p in problems))


def check_render(s: EffectiveSettings, objects: list[dict[str, Any]]) -> None:
    for obj in objects:
        if obj.get("kind") == "ArgoCDApplication" and obj["spec"]["source"].get("chart") == s.chart:
            check_helm_values(s, obj["spec"]["source"]["helm"]["valuesObject"])
    check_objects(objects)


def _lines(problems: list[SchemaProblem]) -> str:
    return "\n".join(f"  - {p}" for p in problems)
