"""Strict YAML in (duplicate keys rejected, one mapping) and deterministic YAML out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import MISSING, FieldProblem, InvalidRequest


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate mapping keys instead of letting the last one win."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping",
                node.start_mark,
                f"found duplicate key {key!r} (first at line {seen[key] + 1})",
                key_node.start_mark,
            )
        seen[key] = key_node.start_mark.line
    loader.flatten_mapping(node)
    return dict(loader.construct_pairs(node, deep=deep))


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_strict(text: str, source: str = "<input>") -> Any:
    """Parse one YAML document; duplicate keys and syntax errors become InvalidRequest."""
    try:
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as exc:
        raise InvalidRequest([FieldProblem(source, MISSING, f"not valid YAML: {_one_line(exc)}")]) from None


def load_all_strict(text: str, source: str = "<input>") -> list[Any]:
    """Parse every document of a YAML stream (empty documents dropped)."""
    try:
        docs = list(yaml.load_all(text, Loader=_StrictLoader))  # noqa: S506
    except yaml.YAMLError as exc:
        raise InvalidRequest([FieldProblem(source, MISSING, f"not valid YAML: {_one_line(exc)}")]) from None
    return [d for d in docs if d is not None]


def load_request_file(path: Path) -> dict[str, Any]:
    """Read a request file: it must hold exactly one YAML mapping."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidRequest([FieldProblem(str(path), MISSING, f"cannot read file: {exc.strerror}")]) from None
    return request_mapping(text, str(path))


def request_mapping(text: str, source: str) -> dict[str, Any]:
    if not text.strip():
        raise InvalidRequest([FieldProblem(source, MISSING, "file is empty; expected one YAML mapping")])
    docs = load_all_strict(text, source)
    if len(docs) != 1:
        raise InvalidRequest(
            [FieldProblem(source, f"{len(docs)} documents", "expected exactly one YAML document")]
        )
    doc = docs[0]
    if not isinstance(doc, dict):
        raise InvalidRequest(
            [FieldProblem(source, doc, f"expected a YAML mapping, got {type(doc).__name__}")]
        )
    return doc


class _Dumper(yaml.SafeDumper):
    """Block-style dumper that never emits anchors/aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _str_representer(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _str_representer)


def dump(obj: Any) -> str:
    """Deterministic YAML: insertion order kept, block style, no aliases."""
    return yaml.dump(obj, Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True, width=4096)


def dump_all(objs: list[Any]) -> str:
    return "".join("---\n" + dump(o) for o in objs)


def _one_line(exc: yaml.YAMLError) -> str:
    return " ".join(str(exc).split())
