"""Everything a render must pass before a byte is written: policy gate and schema validation."""

from __future__ import annotations

from typing import Any

from ..errors import MISSING, NOT_APPLICABLE, SCHEMA, InvalidRequest, Problem, RenderInvariantError, describe
from ..mapping import dig
from ..models import EffectiveSettings
from ..models.backing_store import merged_store_problems
from ..policy import gate
from ..render.helm_values import base_helm_values, platform_helm_values
from ..schema_store import UnknownKind, unknown_key_hint, validate_helm_values, validate_object


def _chart_values_problems(values: dict[str, Any]) -> list[str]:
    to_host = dig(values, "sync", "toHost", "storageClasses", "enabled")
    from_host = dig(values, "sync", "fromHost", "storageClasses", "enabled")
    if to_host is True and from_host is True:
        return ["sync.toHost.storageClasses and sync.fromHost.storageClasses cannot both be enabled"]
    return []


def _override_problem(s: EffectiveSettings, p: Problem) -> Problem:
    """A schema problem of the merged values, reported at its path inside helmOverrides with a hint."""
    value = dig(s.helm_overrides, *p.path.split(".")) if p.path else s.helm_overrides
    if p.keys and isinstance(value, dict):
        value = {k: value[k] for k in p.keys if k in value} or value
    where = f"spec.vcluster.helmOverrides{'.' + p.path if p.path else ''}"
    return Problem(where, value if value is not None else MISSING,
                        f"{p.message} (merged values, chart {s.chart_version} schema)"
                        f"{unknown_key_hint(p, s.values_schema_version)}")


def check_helm_values(s: EffectiveSettings, merged: dict[str, Any]) -> None:
    """Our own values must validate (else a bug); the merged values must too (else the overrides' fault)."""
    where = f"Helm values for chart {s.chart} {s.chart_version}"
    own = validate_helm_values(base_helm_values(s), s.values_schema_version, where)
    if own:
        raise RenderInvariantError("rendered Helm values fail the chart schema:\n" + _lines(own))
    platform = validate_helm_values(platform_helm_values(s), s.values_schema_version, where)
    if platform:
        raise InvalidRequest([Problem("env VCLUSTER_PLATFORM_HELM_VALUES", s.platform.helm_values_object,
                                           f"invalid for chart {s.chart_version}: {p}") for p in platform])
    problems = [_override_problem(s, p) for p in validate_helm_values(merged, s.values_schema_version, where)]
    store = dig(merged, "controlPlane", "backingStore")
    if not problems:  # rules about the chart's meaning read values whose shape the schema has accepted
        problems += [Problem("spec.vcluster.helmOverrides", s.helm_overrides or MISSING,
                                  f"the merged Helm values are invalid for chart {s.chart_version}: {p}")
                     for p in _chart_values_problems(merged) + merged_store_problems(store, s.backing_store)]
    if problems:
        raise InvalidRequest(problems)


def check_objects(objects: list[dict[str, Any]]) -> None:
    """Policy gate plus schema validation of every object; raises RenderInvariantError listing all problems."""
    problems = gate(objects)
    for obj in objects:
        try:
            problems += validate_object(obj)
        except UnknownKind as exc:
            problems.append(Problem("", NOT_APPLICABLE, f"no schema for {exc}", SCHEMA, describe(obj)))
    if problems:
        raise RenderInvariantError("rendered objects failed validation:\n" + _lines(problems))


def check_render(s: EffectiveSettings, objects: list[dict[str, Any]]) -> None:
    for obj in objects:
        if obj.get("kind") == "ArgoCDApplication" and obj["spec"]["source"].get("chart") == s.chart:
            check_helm_values(s, obj["spec"]["source"]["helm"]["valuesObject"])
    check_objects(objects)


def _lines(problems: list[Problem]) -> str:
    return "\n".join(f"  - {p}" for p in problems)


def _mounted_sources(node: Any) -> list[tuple[str, str]]:
    """(kind, name) of every Secret and ConfigMap a volume in the Helm values refers to."""
    found: list[tuple[str, str]] = []
    if isinstance(node, dict):
        secret, config_map = node.get("secret"), node.get("configMap")
        if isinstance(secret, dict) and isinstance(secret.get("secretName") or secret.get("name"), str):
            found.append(("Secret", secret.get("secretName") or secret["name"]))
        if isinstance(config_map, dict) and isinstance(config_map.get("name"), str):
            found.append(("ConfigMap", config_map["name"]))
        for value in node.values():
            found += _mounted_sources(value)
    elif isinstance(node, list):
        for item in node:
            found += _mounted_sources(item)
    return found


def _provided(s: EffectiveSettings, objects: list[dict[str, Any]]) -> set[tuple[str, str]]:
    """Secrets and ConfigMaps that will exist in the tenant namespace: rendered, or made by what is rendered."""
    names = {("Secret", f"vc-{s.name}"), ("Secret", f"{s.name}-certs"), ("ConfigMap", "kube-root-ca.crt")}
    if s.backing_store == "etcd":
        names.add(("Secret", s.names.etcd_certs_secret))
    for obj in objects:
        if obj.get("metadata", {}).get("namespace") != s.target_namespace:
            continue
        spec = obj.get("spec") or {}
        if obj["kind"] == "ConfigMap":
            names.add(("ConfigMap", obj["metadata"]["name"]))
        elif obj["kind"] == "ExternalSecret":
            names.add(("Secret", (spec.get("target") or {}).get("name") or obj["metadata"]["name"]))
        elif obj["kind"] == "Certificate":
            names.add(("Secret", spec.get("secretName", "")))
    return names


def reference_warnings(s: EffectiveSettings, objects: list[dict[str, Any]]) -> list[str]:
    """helmOverrides that mount a Secret or ConfigMap nothing renders or creates: a pod that will not start
    unless someone makes it by hand. A warning, not an error: the object may be managed elsewhere."""
    provided = _provided(s, objects)
    missing = sorted(set(_mounted_sources(s.helm_overrides)) - provided)
    return [f"spec.vcluster.helmOverrides mounts {kind} {s.target_namespace}/{name}, which this platform does not "
            f"render or create; the control plane will not start until it exists" for kind, name in missing]


def etcd_auth_warnings(s: EffectiveSettings) -> list[str]:
    """The chart's etcd requires client certificates; a request that turns that off leaves every tenant
    object readable by anything that reaches port 2379 (the policies keep other namespaces out, not the
    tenant's own pods)."""
    path = ("etcd", "deploy", "statefulSet", "extraArgs")
    args = [*(dig(s.backing_store_values, *path) or []),
            *(dig(s.helm_overrides or {}, "controlPlane", "backingStore", *path) or [])]
    if s.backing_store != "etcd" or "--client-cert-auth=false" not in args:
        return []
    return ["spec.vcluster.backingStore.etcd.deploy.statefulSet.extraArgs has --client-cert-auth=false: etcd "
            "accepts any client that reaches it, although its certificate chain exists; remove the flag once the "
            "control plane presents its client certificate"]
