"""Seeded mutations of real requests: values swapped for other types, extreme numbers, long or odd strings,
keys deleted, unknown keys added. Each mutation is a plain, printable record, so a failure can be replayed."""

from __future__ import annotations

import copy
import random
from dataclasses import dataclass
from typing import Any

ODD_VALUES: tuple[Any, ...] = (
    None, True, False, 0, -1, 1, 65536, 2**31, 2**63, -(2**63), 1e308, -1e-308, 0.5, "", " ", "x" * 300,
    "x" * 70_000, "UPPER", "a b", "a:b", "-leading", "trailing-", "ünïcødé", "emoji-😀", "\x00nul", "\t", "line\nbreak",
    "../../etc/passwd", "${HOME}", "{{ .Values }}", "'quote", '"dq', "0x1F", "1e3", "10.0.0.1", "10.0.0.0/33",
    "300.1.1.1", "https://", "latest", "[]", [], [1], ["a", None], {}, {"k": "v"}, {"": ""}, {"a": {"b": [1]}},
)
# Values that look like images but are not pinned ones, and names that are not object names: what a field
# that becomes an image or a secretStoreRef/issuerRef name must refuse at its path.
ODD_IMAGES: tuple[Any, ...] = (123, None, True, {"a": 1}, ["x"], "", "busybox", "busybox:latest", "a b:1",
                               "reg/x@sha256:short", "x:" + "t" * 200, "latest")
ODD_NAMES: tuple[Any, ...] = ("UPPER", "a b", "a_b", "-x", "x-", "x" * 300, "ünï", "a..b", "")
NAMING_LABELS = (("certManager", "clusterIssuerSelectorLabels", "integratn.tech/cluster-issuer"),
                 ("externalSecrets", "clusterStoreSelectorLabels", "integratn.tech/cluster-secret-store"))
UNKNOWN_KEYS = ("bogus", "Name", "spec", "", "a.b/c", "x" * 300, "helmOverrides", "enabled")


@dataclass(frozen=True)
class Mutation:
    op: str  # replace | delete | add | merge (deep-merge a mapping at the path, creating it)
    path: tuple[Any, ...]
    value: Any = None

    def __str__(self) -> str:
        where = "".join(f"[{p!r}]" for p in self.path)
        shown = repr(self.value)
        return f"{self.op} {where or '<root>'}" + (f" = {shown[:60]}" if self.op != "delete" else "")


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


def _string_variants(value: str) -> list[Any]:
    return [value.upper(), value + " ", " " + value, value * 40, value + "-", value.replace("-", "_"), value + "."]


def semantic_mutation(rng: random.Random, doc: Any) -> Mutation:
    """A value with meaning downstream: an odd image where an image is (or an init container carrying one in
    helmOverrides), or an odd name in a selector label that names an issuer or a store."""
    images = [p for p in _paths(doc) if p and p[-1] in ("image", "tag")]
    roll = rng.random()
    if images and roll < 0.4:
        return Mutation("replace", rng.choice(images), rng.choice(ODD_IMAGES))
    if roll < 0.7:
        container = {"name": "fuzz", "image": rng.choice(ODD_IMAGES)}
        init = {"controlPlane": {"statefulSet": {"initContainers": [container]}}}
        return Mutation("merge", ("spec", "vcluster", "helmOverrides"), init)
    integration, field, key = rng.choice(NAMING_LABELS)
    return Mutation("merge", ("spec", "integrations"), {integration: {field: {key: rng.choice(ODD_NAMES)}}})


def random_mutation(rng: random.Random, doc: Any) -> Mutation:
    if rng.random() < 0.1 and isinstance(doc, dict) and isinstance(doc.get("spec"), dict):
        return semantic_mutation(rng, doc)
    paths = [p for p in _paths(doc) if p]  # never the document itself
    path = rng.choice(paths)
    parent = get(doc, path[:-1])
    roll = rng.random()
    if roll < 0.2 and isinstance(parent, dict):
        return Mutation("delete", path)
    if roll < 0.35:
        container = get(doc, path)
        target = path if isinstance(container, dict) else path[:-1]
        if isinstance(get(doc, target), dict):
            return Mutation("add", (*target, rng.choice(UNKNOWN_KEYS)), rng.choice(ODD_VALUES))
    current = get(doc, path)
    if isinstance(current, str) and rng.random() < 0.5:
        return Mutation("replace", path, rng.choice(_string_variants(current)))
    return Mutation("replace", path, rng.choice(ODD_VALUES))


def get(doc: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        doc = doc[part]
    return doc


def apply(doc: Any, mutations: list[Mutation]) -> Any:
    """A copy of doc with the mutations applied in order (ones whose path no longer exists are skipped)."""
    out = copy.deepcopy(doc)
    for m in mutations:
        try:
            if m.op == "merge":
                _merge_at(out, m.path, m.value)
                continue
            parent = get(out, m.path[:-1])
            if m.op == "delete":
                del parent[m.path[-1]]
            elif isinstance(parent, (dict, list)):
                parent[m.path[-1]] = copy.deepcopy(m.value)
        except (KeyError, IndexError, TypeError):
            continue
    return out


def _merge_at(doc: Any, path: tuple[Any, ...], value: Any) -> None:
    node = doc
    for part in path:
        if not isinstance(node, dict):
            return
        if not isinstance(node.get(part), dict):
            node[part] = {}
        node = node[part]
    _deep_merge(node, copy.deepcopy(value))


def _deep_merge(node: dict[str, Any], value: dict[str, Any]) -> None:
    for key, item in value.items():
        if isinstance(item, dict) and isinstance(node.get(key), dict):
            _deep_merge(node[key], item)
        else:
            node[key] = item
