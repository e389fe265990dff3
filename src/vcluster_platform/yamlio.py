"""Strict YAML in: duplicate keys rejected, one mapping, bounded (YAML out is platform_common.yamlio).

Limits, as the Kubernetes API server has them or near: a file of at most 3 MiB (the API server's request
body limit) and a request of at most 1.5 MiB (etcd's object limit); at most 100,000 nodes per document with
aliases expanded (an alias "bomb" is refused before anything is built from it, as Kubernetes' decoder refuses
excessive aliasing) and at most 64 levels of nesting; UTF-8 only (a UTF-8 byte-order mark is accepted).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import NOT_APPLICABLE, InvalidRequest, Problem

MAX_FILE_BYTES = 3 * 1024 * 1024
MAX_REQUEST_BYTES = 1536 * 1024
MAX_NODES = 100_000
MAX_DEPTH = 64


class LimitExceeded(ValueError):
    """A document larger or deeper than the limits allow."""


def _check_bounds(root: yaml.Node) -> None:
    """Count nodes with aliases expanded (each distinct node once, memoised) and the nesting depth."""
    sizes: dict[int, int] = {}

    def size(node: yaml.Node, depth: int) -> int:
        if depth > MAX_DEPTH:
            raise LimitExceeded(f"nested deeper than {MAX_DEPTH} levels (line {node.start_mark.line + 1})")
        key = id(node)
        if key not in sizes:
            children: list[yaml.Node] = []
            if isinstance(node, yaml.SequenceNode):
                children = list(node.value)
            elif isinstance(node, yaml.MappingNode):
                children = [n for pair in node.value for n in pair]
            total = 1
            for child in children:
                total += size(child, depth + 1)
                if total > MAX_NODES:
                    raise LimitExceeded(f"more than {MAX_NODES} nodes once aliases are expanded (an alias bomb?)")
            sizes[key] = total
        return sizes[key]

    size(root, 1)


class _StrictComposer(yaml.composer.Composer):
    """Composer that refuses documents past the size and depth limits before constructing them."""

    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        """Refuse nesting past the limit as soon as it is reached (not after thousands of frames)."""
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise LimitExceeded(f"nested deeper than {MAX_DEPTH} levels")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def compose_document(self) -> Any:
        node = super().compose_document()
        if node is not None:
            _check_bounds(node)
        return node


class _StrictLoader(_StrictComposer, yaml.SafeLoader):
    """SafeLoader that refuses duplicate mapping keys instead of letting the last one win, and documents past
    the size and depth limits before constructing them."""


_CParser: Any = getattr(yaml, "CParser", None) or getattr(getattr(yaml, "_yaml", None), "CParser", None)
if _CParser is not None:

    class _FastStrictLoader(_StrictComposer, _CParser,  # type: ignore[misc]
                            yaml.constructor.SafeConstructor, yaml.resolver.Resolver):
        """The same loader on libyaml's parser (PyYAML's wheels have it): the events come from C, several
        times faster; composing (with its limits) and constructing stay the Python code above."""

        def __init__(self, stream: Any) -> None:
            _CParser.__init__(self, stream)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)
            yaml.composer.Composer.__init__(self)

    _Loader: Any = _FastStrictLoader
else:  # pragma: no cover - PyYAML built without libyaml
    _Loader = _StrictLoader


def _construct_mapping(loader: Any, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
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


for _loader in {_StrictLoader, _Loader}:
    _loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _parse_error(source: str, exc: Exception) -> InvalidRequest:
    if isinstance(exc, LimitExceeded):
        return InvalidRequest([Problem(source, NOT_APPLICABLE, f"refused: {exc}")])
    if isinstance(exc, RecursionError) or "exceeded maximum nesting depth" in str(exc):  # libyaml stops at 1000
        return InvalidRequest([Problem(source, NOT_APPLICABLE, f"refused: nested deeper than {MAX_DEPTH} levels")])
    return InvalidRequest([Problem(source, NOT_APPLICABLE, f"not valid YAML: {_one_line(exc)}")])


def load_strict(text: str, source: str = "<input>") -> Any:
    """Parse one YAML document; duplicate keys, syntax errors and documents past the limits become
    InvalidRequest."""
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - SafeConstructor only
    except (yaml.YAMLError, LimitExceeded, RecursionError) as exc:
        raise _parse_error(source, exc) from None


def load_all_strict(text: str, source: str = "<input>") -> list[Any]:
    """Parse every document of a YAML stream (empty documents dropped)."""
    try:
        docs = list(yaml.load_all(text, Loader=_Loader))  # noqa: S506 - SafeConstructor only
    except (yaml.YAMLError, LimitExceeded, RecursionError) as exc:
        raise _parse_error(source, exc) from None
    return [d for d in docs if d is not None]


def decode_text(data: bytes, source: str) -> str:
    """UTF-8 text (a UTF-8 byte-order mark dropped); anything else is refused naming the offending byte."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InvalidRequest([Problem(source, NOT_APPLICABLE, "is UTF-16 (byte-order mark at byte 0); save it as "
                                                            "UTF-8")])
    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        message = f"is not UTF-8: byte 0x{data[exc.start]:02x} at offset {exc.start} (line {line}); save it as UTF-8"
        raise InvalidRequest([Problem(source, NOT_APPLICABLE, message)]) from None


def read_text(path: Path, limit: int = MAX_FILE_BYTES) -> str:
    """A YAML file's text, refused (never read whole) when it is larger than `limit`."""
    try:
        if path.is_dir():
            raise InvalidRequest([Problem(str(path), NOT_APPLICABLE, "is a directory; expected a YAML file")])
        size = path.stat().st_size
        if size > limit:
            raise InvalidRequest([Problem(str(path), f"{size} bytes",
                                               f"is larger than {limit} bytes, the most this reads")])
        with path.open("rb") as f:
            data = f.read(limit + 1)
    except OSError as exc:
        raise InvalidRequest([Problem(str(path), NOT_APPLICABLE, f"cannot read file: {exc.strerror}")]) from None
    if len(data) > limit:
        raise InvalidRequest([Problem(str(path), NOT_APPLICABLE,
                                           f"is larger than {limit} bytes, the most this reads")])
    return decode_text(data, str(path))


def load_request_file(path: Path) -> dict[str, Any]:
    """Read a request file: it must hold exactly one YAML mapping, of at most 1.5 MiB."""
    return request_mapping(read_text(path, MAX_REQUEST_BYTES), str(path))


def request_mapping(text: str, source: str) -> dict[str, Any]:
    if not text.strip():
        raise InvalidRequest([Problem(source, NOT_APPLICABLE, "file is empty; expected one YAML mapping")])
    docs = load_all_strict(text, source)
    if len(docs) != 1:
        raise InvalidRequest(
            [Problem(source, f"{len(docs)} documents", "expected exactly one YAML document")]
        )
    doc = docs[0]
    if not isinstance(doc, dict):
        raise InvalidRequest(
            [Problem(source, doc, f"expected a YAML mapping, got {type(doc).__name__}")]
        )
    return doc


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())
