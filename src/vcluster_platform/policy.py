"""The policy gate every rendered object passes before anything is written.

Rules: never a Secret (nor a List holding one); the Kratix labels on every object; an explicit namespace on
namespaced kinds; valid DNS-1123 names; container images pinned to a tag or digest (never `latest`).
"""

from __future__ import annotations

import re
from typing import Any

from .models.names import is_dns1123_label, is_dns1123_subdomain

REQUIRED_LABELS = ("kratix.io/promise-name", "kratix.io/resource-name", "app.kubernetes.io/managed-by")
CLUSTER_SCOPED = frozenset({
    "Namespace", "ClusterRole", "ClusterRoleBinding", "PersistentVolume", "StorageClass",
    "CustomResourceDefinition", "Promise", "ClusterIssuer", "ClusterSecretStore",
})
LABEL_NAMED_KINDS = frozenset({"Namespace", "Job", "Service", "CronJob", "StatefulSet", "Deployment"})
FORBIDDEN_KINDS = frozenset({"Secret"})
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_PINNED_IMAGE = re.compile(r"^[^\s@]+(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[0-9a-f]{64})$")


def object_problems(obj: Any, where: str = "") -> list[str]:
    """Every rule this object breaks, as readable sentences (empty when it passes)."""
    if not isinstance(obj, dict):
        return [f"{where or 'object'}: not a mapping"]
    kind = obj.get("kind")
    raw_meta = obj.get("metadata")
    meta: dict[str, Any] = raw_meta if isinstance(raw_meta, dict) else {}
    name = meta.get("name", "")
    namespace = meta.get("namespace")
    here = where or f"{kind} {f'{namespace}/' if namespace else ''}{name}"
    problems = []
    if kind in FORBIDDEN_KINDS:
        problems.append(f"{here}: kind Secret is never rendered; credentials come through ExternalSecrets")
    if kind == "List" or (kind and str(kind).endswith("List")):
        items = obj.get("items")
        for i, item in enumerate(items if isinstance(items, list) else []):
            problems += object_problems(item, f"{here} items[{i}]")
        return problems
    if not obj.get("apiVersion") or not kind:
        problems.append(f"{here}: apiVersion and kind are required")
    if not isinstance(name, str) or not (
        is_dns1123_label(name) if kind in LABEL_NAMED_KINDS else is_dns1123_subdomain(name)
    ):
        rule = "DNS-1123 label (<= 63)" if kind in LABEL_NAMED_KINDS else "DNS-1123 subdomain (<= 253)"
        problems.append(f"{here}: name {name!r} is not a valid {rule}")
    labels: dict[str, Any] = meta["labels"] if isinstance(meta.get("labels"), dict) else {}
    missing = [k for k in REQUIRED_LABELS if not labels.get(k)]
    if missing:
        problems.append(f"{here}: missing labels {', '.join(missing)}")
    for key, value in labels.items():
        if not isinstance(value, str) or len(value) > 63 or not _LABEL_VALUE.match(value):
            problems.append(f"{here}: label {key}={value!r} is not a valid label value")
    if kind in CLUSTER_SCOPED:
        if namespace:
            problems.append(f"{here}: cluster-scoped kind must not carry a namespace")
    elif not namespace or not is_dns1123_label(str(namespace)):
        problems.append(f"{here}: namespaced object needs an explicit, valid metadata.namespace")
    for image in _images(obj):
        if not _PINNED_IMAGE.match(image) or image.endswith(":latest"):
            problems.append(f"{here}: image {image!r} is not pinned to a tag or digest")
    return problems


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


def gate(objects: list[dict[str, Any]]) -> list[str]:
    """Problems across all objects, including duplicate identities."""
    problems = [p for o in objects for p in object_problems(o)]
    seen: set[tuple[str, str, str, str]] = set()
    for o in objects:
        meta: dict[str, Any] = o["metadata"] if isinstance(o.get("metadata"), dict) else {}
        key = (str(o.get("apiVersion")), str(o.get("kind")), str(meta.get("namespace", "")), str(meta.get("name")))
        if key in seen:
            problems.append(f"{key[1]} {key[2]}/{key[3]}: rendered twice")
        seen.add(key)
    return problems
