"""The fields of Kratix's Pipeline type (`platform.kratix.io/v1alpha1`, api/v1alpha1/pipeline_types.go), as a
JSON schema: the Promise CRD keeps its pipelines as free-form objects, and Kratix decodes them with unknown
fields disallowed, so a misspelt `rbac.permission` would be accepted by the API server and then break every
workflow. `validate` checks each pipeline of a promise file against this schema.

Core Kubernetes types inside a pipeline (volumes, env, tolerations, ...) are checked only for their shape.
"""

from __future__ import annotations

from typing import Any

_STRINGS = {"type": "array", "items": {"type": "string"}}
_OBJECTS = {"type": "array", "items": {"type": "object"}}

PERMISSION = {
    "type": "object",
    "additionalProperties": False,
    "required": ["verbs"],
    "properties": {
        "resourceNamespace": {"type": "string", "description": 'namespace the rule applies in; "*" for all'},
        "apiGroups": _STRINGS,
        "resources": _STRINGS,
        "resourceNames": _STRINGS,
        "verbs": {**_STRINGS, "minItems": 1},
        "nonResourceURLs": _STRINGS,
    },
}
CONTAINER = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string"},
        "image": {"type": "string"},
        "args": _STRINGS,
        "command": _STRINGS,
        "env": _OBJECTS,
        "envFrom": _OBJECTS,
        "volumeMounts": _OBJECTS,
        "imagePullPolicy": {"enum": ["Always", "IfNotPresent", "Never"]},
        "securityContext": {"type": "object"},
        "resources": {"type": "object"},
    },
}
PIPELINE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "properties": {
        "apiVersion": {"const": "platform.kratix.io/v1alpha1"},
        "kind": {"const": "Pipeline"},
        "metadata": {"type": "object", "required": ["name"]},
        "spec": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "containers": {"type": "array", "minItems": 1, "items": CONTAINER},
                "volumes": _OBJECTS,
                "imagePullSecrets": _OBJECTS,
                "rbac": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "serviceAccount": {"type": "string"},
                        "permissions": {"type": "array", "items": PERMISSION},
                    },
                },
                "jobOptions": {"type": "object", "additionalProperties": False,
                               "properties": {"backoffLimit": {"type": "integer", "minimum": 0}}},
                "nodeSelector": {"type": "object", "additionalProperties": {"type": "string"}},
                "tolerations": _OBJECTS,
            },
        },
    },
}
WORKFLOWS = (("resource", "configure"), ("resource", "delete"), ("promise", "configure"), ("promise", "delete"))


def pipeline_problems(promise: dict[str, Any]) -> list[str]:
    """Every field of every pipeline in a Promise that Kratix's Pipeline type would refuse."""
    import jsonschema_rs

    validator = jsonschema_rs.Draft7Validator(PIPELINE_SCHEMA)
    workflows = (promise.get("spec") or {}).get("workflows") or {}
    problems = []
    for scope, action in WORKFLOWS:
        pipelines = (workflows.get(scope) or {}).get(action) or []
        for index, pipeline in enumerate(pipelines if isinstance(pipelines, list) else []):
            where = f"spec.workflows.{scope}.{action}[{index}]"
            for error in validator.iter_errors(pipeline):
                path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.instance_path)
                problems.append(f"{where}{path}: {error.message}")
    return problems
