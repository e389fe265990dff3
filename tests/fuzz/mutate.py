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
UNKNOWN_KEYS = ("bogus", "Name", "spec", "", "a.b/c", "x" * 300, "helmOverrides", "enabled")


@dataclass(frozen=True)
class Mutation:
    op: str  # replace | delete | add
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


def random_mutation(rng: random.Random, doc: Any) -> Mutation:
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
            parent = get(out, m.path[:-1])
            if m.op == "delete":
                del parent[m.path[-1]]
            elif isinstance(parent, (dict, list)):
                parent[m.path[-1]] = copy.deepcopy(m.value)
        except (KeyError, IndexError, TypeError):
            continue
    return out
