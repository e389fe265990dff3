"""Turn a raw request document into a validated spec; pydantic errors become field-path problems."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from .. import API_GROUP, API_VERSION
from ..errors import MISSING, FieldProblem, InvalidRequest
from .names import (
    DNS1123_LABEL_PATTERN,
    DNS1123_SUBDOMAIN_PATTERN,
    LABEL_RULE,
    SUBDOMAIN_RULE,
    check_label,
    check_subdomain,
)
from .quantity import ALLOWED as QUANTITY_RULE
from .quantity import QUANTITY_PATTERN

_PATTERN_RULES = {
    DNS1123_LABEL_PATTERN: LABEL_RULE,
    DNS1123_SUBDOMAIN_PATTERN: SUBDOMAIN_RULE,
    QUANTITY_PATTERN: QUANTITY_RULE,
}


SpecT = TypeVar("SpecT", bound=BaseModel)


@dataclass(frozen=True)
class ParsedRequest(Generic[SpecT]):
    spec: SpecT
    name: str
    namespace: str
    annotations: dict[str, str]


def parse_request(doc: Any, kind: str, spec_model: type[SpecT]) -> ParsedRequest[SpecT]:
    """Check the envelope (apiVersion, kind, metadata) and validate `spec` against spec_model."""
    problems: list[FieldProblem] = []
    if not isinstance(doc, dict):
        raise InvalidRequest([FieldProblem("<document>", doc, "expected a YAML mapping (a Kubernetes object)")])
    expected_api = f"{API_GROUP}/{API_VERSION}"
    if doc.get("apiVersion") != expected_api:
        problems.append(FieldProblem("apiVersion", doc.get("apiVersion", MISSING), f"allowed: {expected_api}"))
    if doc.get("kind") != kind:
        problems.append(FieldProblem("kind", doc.get("kind", MISSING), f"allowed: {kind}"))
    meta = doc.get("metadata")
    name = namespace = ""
    annotations: dict[str, str] = {}
    if not isinstance(meta, dict):
        problems.append(FieldProblem("metadata", meta if meta is not None else MISSING,
                                     "expected a mapping with name and namespace"))
    else:
        name, namespace = meta.get("name", ""), meta.get("namespace", "")
        for key, value, check in (("metadata.name", name, check_subdomain),
                                  ("metadata.namespace", namespace, check_label)):
            if not isinstance(value, str) or not value:
                problems.append(FieldProblem(key, value or MISSING, "required; a DNS-1123 name"))
                continue
            try:
                check(value)
            except ValueError as exc:
                problems.append(FieldProblem(key, value, str(exc)))
        raw_annotations = meta.get("annotations") or {}
        if isinstance(raw_annotations, dict):
            annotations = {str(k): str(v) for k, v in raw_annotations.items()}
    spec_doc = doc.get("spec")
    spec: SpecT | None = None
    if not isinstance(spec_doc, dict):
        problems.append(FieldProblem("spec", spec_doc if spec_doc is not None else MISSING,
                                     "required; a mapping with at least spec.name"))
    else:
        try:
            spec = spec_model.model_validate(spec_doc)
        except ValidationError as exc:
            problems.extend(pydantic_problems(exc, spec_model, prefix="spec"))
    if problems or spec is None:
        raise InvalidRequest(problems)
    return ParsedRequest(spec=spec, name=str(name), namespace=str(namespace), annotations=annotations)


def pydantic_problems(exc: ValidationError, model: type[BaseModel], prefix: str) -> list[FieldProblem]:
    problems = []
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        path = format_path(prefix, loc)
        value = error.get("input", MISSING)
        kind = error["type"]
        if kind == "extra_forbidden":
            allowed = allowed_fields(model, loc[:-1])
            message = "unknown field; allowed here: " + (", ".join(allowed) if allowed else "nothing")
        elif kind == "missing":
            message = "required field is missing"
            value = MISSING
        elif kind == "string_pattern_mismatch":
            pattern = str((error.get("ctx") or {}).get("pattern", ""))
            message = "must be " + _PATTERN_RULES.get(pattern, f"text matching {pattern}")
        else:
            message = error["msg"].removeprefix("Value error, ")
        problems.append(FieldProblem(path, value, message))
    return problems


def format_path(prefix: str, loc: tuple[Any, ...]) -> str:
    path = prefix
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif isinstance(part, str) and ("." in part or "/" in part):
            path += f"[{part!r}]"
        else:
            path += f".{part}"
    return path


def allowed_fields(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The field names a model accepts at loc (aliases, as users write them)."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue  # list index: the item model is already `current`
        if not _is_model(current):
            return []
        match = next((f for n, f in current.model_fields.items() if part in _aliases(n, f)), None)
        if match is None:
            return []
        current = _inner_model(match.annotation)
    if not _is_model(current):
        return []
    return sorted(name for field_name, info in current.model_fields.items() for name in _aliases(field_name, info))


def _aliases(field_name: str, info: Any) -> list[str]:
    from pydantic import AliasChoices

    va = info.validation_alias
    if isinstance(va, AliasChoices):
        return [str(c) for c in va.choices]
    if isinstance(va, str):
        return [va]
    return [info.alias or field_name]


def _is_model(obj: Any) -> bool:
    return isinstance(obj, type) and issubclass(obj, BaseModel)


def _inner_model(annotation: Any) -> Any:
    """Unwrap Optional[...] / list[...] to the model class inside, if any."""
    from typing import get_args

    if _is_model(annotation):
        return annotation
    for arg in get_args(annotation):
        inner = _inner_model(arg)
        if inner is not None:
            return inner
    return None
