"""Structural CRD schemas from pydantic models.

Defaults are never written into the CRD: preset-driven values must come from the model, or a CRD default
would silently beat the preset (a real deployment got 1 replica for `preset: prod` that way).
"""

from __future__ import annotations

from typing import Any

from pydantic import AliasChoices, BaseModel

_DROP = {"title", "default", "examples"}


_CONSTRAINT_ONLY = ("anyOf", "oneOf", "allOf", "not")


def strict_schema(node: Any, constraint: bool = False) -> Any:
    """Copy of a structural schema where objects with properties reject unknown fields (as pruning would).

    Branches of anyOf/oneOf/allOf/not only constrain which fields are set (structural schemas forbid them to
    declare fields), so they are left as they are: closing them would refuse every real object.
    """
    if isinstance(node, list):
        return [strict_schema(x, constraint) for x in node]
    if not isinstance(node, dict):
        return node
    out = {k: strict_schema(v, constraint or k in _CONSTRAINT_ONLY) for k, v in node.items()}
    if (
        not constraint
        and "properties" in out
        and "additionalProperties" not in out
        and not out.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    return out


def openapi_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's validation schema as a structural OpenAPI v3 schema (refs inlined, no defaults)."""
    raw = model.model_json_schema(by_alias=True, mode="validation")
    defs = raw.pop("$defs", {})
    _add_alias_choices(model, raw, defs)
    schema: dict[str, Any] = _structural(raw, defs)
    return schema


def _add_alias_choices(model: type[BaseModel], schema: dict[str, Any], defs: dict[str, Any],
                       seen: set[str] | None = None) -> None:
    """Accepted alternative spellings (AliasChoices) become extra properties with the same schema."""
    seen = seen if seen is not None else set()
    props = schema.get("properties", {})
    for info in model.model_fields.values():
        alias = info.validation_alias
        if isinstance(alias, AliasChoices):
            first = str(alias.choices[0])
            for other in alias.choices[1:]:
                props.setdefault(str(other), props.get(first, {}))
        for inner in _models_in(info.annotation):
            if inner.__name__ not in seen and inner.__name__ in defs:
                seen.add(inner.__name__)
                _add_alias_choices(inner, defs[inner.__name__], defs, seen)


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    from typing import get_args

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in get_args(annotation) for m in _models_in(arg)]


def _structural(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, list):
        return [_structural(x, defs) for x in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        target = defs[node["$ref"].split("/")[-1]]
        merged = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
        return _structural(merged, defs)
    if "anyOf" in node:
        options = [o for o in node["anyOf"] if o.get("type") != "null"]
        rest = {k: v for k, v in node.items() if k != "anyOf"}
        if len(options) == 1:
            return _structural({**options[0], **rest}, defs)
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DROP:
            continue
        if key == "const":
            out["enum"] = [value]
        elif key == "properties":
            out[key] = {k: _structural(v, defs) for k, v in value.items()}
        elif key == "additionalProperties":
            if value is True or value == {}:
                out["x-kubernetes-preserve-unknown-fields"] = True
            elif value is not False:
                out[key] = _structural(value, defs)
        else:
            out[key] = _structural(value, defs)
    if "enum" in out and "type" not in out:
        out["type"] = "string"
    if out.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
    if out.get("type") == "object" and "properties" not in out and "additionalProperties" not in out:
        out["x-kubernetes-preserve-unknown-fields"] = True
    return out


def crd(group: str, version: str, kind: str, plural: str, spec_model: type[BaseModel],
        short_names: list[str] | None = None, printer_columns: list[dict[str, Any]] | None = None,
        status_schema: dict[str, Any] | None = None) -> dict[str, Any]:
    spec_schema = openapi_schema(spec_model)
    properties: dict[str, Any] = {"spec": spec_schema}
    properties["status"] = status_schema or {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
    names: dict[str, Any] = {"kind": kind, "listKind": f"{kind}List", "plural": plural, "singular": kind.lower()}
    if short_names:
        names["shortNames"] = short_names
    version_entry: dict[str, Any] = {
        "name": version,
        "served": True,
        "storage": True,
        "schema": {"openAPIV3Schema": {
            "type": "object",
            "required": ["spec"],
            "properties": {"apiVersion": {"type": "string"}, "kind": {"type": "string"},
                           "metadata": {"type": "object"}, **properties},
        }},
        "subresources": {"status": {}},
    }
    if printer_columns:
        version_entry["additionalPrinterColumns"] = printer_columns
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{group}"},
        "spec": {"group": group, "names": names, "scope": "Namespaced", "versions": [version_entry]},
    }
