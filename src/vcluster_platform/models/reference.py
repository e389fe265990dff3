"""The reference validation of a request `spec`: its pydantic model, with pydantic's errors turned into
field-path problems (path, value, what is allowed)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import AliasChoices, BaseModel, ValidationError

from ..errors import MISSING, InvalidRequest, Problem
from .names import DNS1123_LABEL_PATTERN, DNS1123_SUBDOMAIN_PATTERN, LABEL_RULE, SUBDOMAIN_RULE
from .quantity import ALLOWED as QUANTITY_RULE
from .quantity import QUANTITY_PATTERN

ModelT = TypeVar("ModelT", bound=BaseModel)
_PATTERN_RULES = {
    DNS1123_LABEL_PATTERN: LABEL_RULE,
    DNS1123_SUBDOMAIN_PATTERN: SUBDOMAIN_RULE,
    QUANTITY_PATTERN: QUANTITY_RULE,
}


def model_validator(model: type[ModelT]) -> Callable[[dict[str, Any]], ModelT]:
    """A spec validator (see parse.SpecValidator) backed by the pydantic model."""

    def validate(spec_doc: dict[str, Any]) -> ModelT:
        try:
            return model.model_validate(spec_doc)
        except ValidationError as exc:
            raise InvalidRequest(pydantic_problems(exc, model, prefix="spec")) from None

    return validate


def pydantic_problems(exc: ValidationError, model: type[BaseModel], prefix: str) -> list[Problem]:
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
        problems.append(Problem(path, value, message))
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
        match = next((f for n, f in current.model_fields.items() if part in accepted_keys(n, f)), None)
        if match is None:
            return []
        current = _inner_model(match.annotation)
    if not _is_model(current):
        return []
    return sorted(name for field_name, info in current.model_fields.items() for name in accepted_keys(field_name, info))


def accepted_keys(field_name: str, info: Any) -> list[str]:
    """The keys a request may use for a field: its validation aliases, else its (camelCase) alias."""
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
