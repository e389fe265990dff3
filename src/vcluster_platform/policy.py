"""The policy gate every rendered object passes before anything is written.

Rules: never a Secret (nor a List holding one); the Kratix labels on every object; an explicit namespace on
namespaced kinds; valid DNS-1123 names; container images pinned to a tag or digest (never `latest`).
"""

from __future__ import annotations

import re
from typing import Any

from .errors import MISSING, NOT_APPLICABLE, POLICY, Problem, describe
from .models.names import is_dns1123_label, is_dns1123_subdomain
from .models.rules import is_pinned_image

REQUIRED_LABELS = ("kratix.io/promise-name", "kratix.io/resource-name", "app.kubernetes.io/managed-by")
CLUSTER_SCOPED = frozenset({
    "Namespace", "ClusterRole", "ClusterRoleBinding", "PersistentVolume", "StorageClass",
    "CustomResourceDefinition", "Promise", "ClusterIssuer", "ClusterSecretStore",
})
LABEL_NAMED_KINDS = frozenset({"Namespace", "Job", "Service", "CronJob", "StatefulSet", "Deployment"})
FORBIDDEN_KINDS = frozenset({"Secret"})
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")


def object_problems(obj: Any, where: str = "") -> list[Problem]:
    """Every rule this object breaks (empty when it passes); each problem names the object as its subject."""
    if not isinstance(obj, dict):
        return [Problem("", NOT_APPLICABLE, "not a mapping", POLICY, where or "object")]
    kind = obj.get("kind")
    meta: dict[str, Any] = obj["metadata"] if isinstance(obj.get("metadata"), dict) else {}
    here = where or describe(obj)
    if kind == "List" or (kind and str(kind).endswith("List")):
        items = obj.get("items")
        return [p for i, item in enumerate(items if isinstance(items, list) else [])
                for p in object_problems(item, f"{here} items[{i}]")]
    found = _identity_problems(obj, kind, meta) + _label_problems(meta) + [
        ("image", image, "is not pinned to a tag or digest") for image in _images(obj) if not is_pinned_image(image)]
    return [Problem(path, value, message, POLICY, here) for path, value, message in found]


def _identity_problems(obj: dict[str, Any], kind: Any, meta: dict[str, Any]) -> list[tuple[str, Any, str]]:
    name, namespace = meta.get("name", ""), meta.get("namespace")
    found: list[tuple[str, Any, str]] = []
    if kind in FORBIDDEN_KINDS:
        found.append(("kind", kind, "a Secret is never rendered; credentials come through ExternalSecrets"))
    if not obj.get("apiVersion") or not kind:
        found.append(("apiVersion", NOT_APPLICABLE, "apiVersion and kind are required"))
    if not isinstance(name, str) or not (
        is_dns1123_label(name) if kind in LABEL_NAMED_KINDS else is_dns1123_subdomain(name)
    ):
        rule = "DNS-1123 label (<= 63)" if kind in LABEL_NAMED_KINDS else "DNS-1123 subdomain (<= 253)"
        found.append(("metadata.name", name, f"is not a valid {rule}"))
    if kind in CLUSTER_SCOPED:
        if namespace:
            found.append(("metadata.namespace", namespace, "a cluster-scoped kind must not carry a namespace"))
    elif not namespace or not is_dns1123_label(str(namespace)):
        found.append(("metadata.namespace", namespace or MISSING,
                      "a namespaced object needs an explicit, valid namespace"))
    return found


def _label_problems(meta: dict[str, Any]) -> list[tuple[str, Any, str]]:
    labels: dict[str, Any] = meta["labels"] if isinstance(meta.get("labels"), dict) else {}
    found: list[tuple[str, Any, str]] = []
    missing = [k for k in REQUIRED_LABELS if not labels.get(k)]
    if missing:
        found.append(("metadata.labels", NOT_APPLICABLE, f"missing labels {', '.join(missing)}"))
    for key, value in labels.items():
        if not isinstance(value, str) or len(value) > 63 or not _LABEL_VALUE.match(value):
            found.append((f"metadata.labels.{key}", value, "is not a valid label value"))
    return found


def _images(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = []
        for key, value in node.items():
            if key in ("containers", "initContainers") and isinstance(value, list):
                found += [c.get("image", "") for c in value if isinstance(c, dict)]
            found += _images(value)
        return found
    if isinstance(node, list):
        return [i for v in node for i in _images(v)]
    return []


def gate(objects: list[dict[str, Any]]) -> list[Problem]:
    """Problems across all objects, including duplicate identities."""
    problems = [p for o in objects for p in object_problems(o)]
    seen: set[tuple[str, str, str, str]] = set()
    for o in objects:
        meta: dict[str, Any] = o["metadata"] if isinstance(o.get("metadata"), dict) else {}
        key = (str(o.get("apiVersion")), str(o.get("kind")), str(meta.get("namespace", "")), str(meta.get("name")))
        if key in seen:
            problems.append(Problem("metadata.name", key[3], "is rendered twice", POLICY, describe(o)))
        seen.add(key)
    return problems
