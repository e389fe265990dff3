"""Turn a raw request document into a validated spec: the envelope here, `spec` by the validator given."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from .. import API_GROUP, API_VERSION
from ..errors import MISSING, InvalidRequest, Problem
from .names import check_label, check_subdomain

SpecT = TypeVar("SpecT")
SpecValidator = Callable[[dict[str, Any]], SpecT]
"""Validates a `spec` mapping; raises InvalidRequest with problems whose paths start at `spec`."""


@dataclass(frozen=True)
class ParsedRequest(Generic[SpecT]):
    spec: SpecT
    name: str
    namespace: str
    annotations: dict[str, str]


def parse_request(doc: Any, kind: str, validate_spec: SpecValidator[SpecT]) -> ParsedRequest[SpecT]:
    """Check the envelope (apiVersion, kind, metadata) and validate `spec` with validate_spec."""
    problems: list[Problem] = []
    if not isinstance(doc, dict):
        raise InvalidRequest([Problem("<document>", doc, "expected a YAML mapping (a Kubernetes object)")])
    expected_api = f"{API_GROUP}/{API_VERSION}"
    if doc.get("apiVersion") != expected_api:
        problems.append(Problem("apiVersion", doc.get("apiVersion", MISSING), f"allowed: {expected_api}"))
    if doc.get("kind") != kind:
        problems.append(Problem("kind", doc.get("kind", MISSING), f"allowed: {kind}"))
    meta = doc.get("metadata")
    name = namespace = ""
    annotations: dict[str, str] = {}
    if not isinstance(meta, dict):
        problems.append(Problem("metadata", meta if meta is not None else MISSING,
                                     "expected a mapping with name and namespace"))
    else:
        name, namespace = meta.get("name", ""), meta.get("namespace", "")
        for key, value, check in (("metadata.name", name, check_subdomain),
                                  ("metadata.namespace", namespace, check_label)):
            if not isinstance(value, str) or not value:
                problems.append(Problem(key, value or MISSING, "required; a DNS-1123 name"))
                continue
            try:
                check(value)
            except ValueError as exc:
                problems.append(Problem(key, value, str(exc)))
        raw_annotations = meta.get("annotations") or {}
        if isinstance(raw_annotations, dict):
            annotations = {str(k): str(v) for k, v in raw_annotations.items()}
    spec_doc = doc.get("spec")
    spec: SpecT | None = None
    if not isinstance(spec_doc, dict):
        problems.append(Problem("spec", spec_doc if spec_doc is not None else MISSING,
                                     "required; a mapping with at least spec.name"))
    else:
        try:
            spec = validate_spec(spec_doc)
        except InvalidRequest as exc:
            problems.extend(exc.problems)
    if problems or spec is None:
        raise InvalidRequest(problems)
    return ParsedRequest(spec=spec, name=str(name), namespace=str(namespace), annotations=annotations)
