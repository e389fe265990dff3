"""Pipelines of the reusable argocd-project and argocd-application promises.

One request in, one AppProject or Application out (namespace `argocd` by default), validated against the
ArgoCD CRD schemas and the policy gate, written atomically.
"""

from __future__ import annotations

from typing import Any

from .. import API_GROUP, API_VERSION, ARGOCD_NAMESPACE
from ..errors import EXIT_OK, InvalidRequest, Problem
from ..models.argocd import ArgoCDApplicationSpec, ArgoCDProjectSpec, drop_none
from ..models.parse import parse_request
from ..models.reference import model_validator
from .checks import check_objects
from .harness import Invocation, run
from .runtime import KratixDirs, read_input, to_yaml_bytes, write_outputs, write_status

ARGOCD_API = "argoproj.io/v1alpha1"
PROMISE_BY_KIND = {"ArgoCDProject": "argocd-project", "ArgoCDApplication": "argocd-application"}


def _labels(promise: str, request_name: str, extra: dict[str, str] | None) -> dict[str, str]:
    return {
        **(extra or {}),
        "kratix.io/promise-name": promise,
        "kratix.io/resource-name": request_name,
        "app.kubernetes.io/managed-by": "kratix",
    }


def _dump(model: Any, *fields: str) -> dict[str, Any]:
    data = model.model_dump(by_alias=True, exclude_none=True, include=set(fields))
    return drop_none(data)  # type: ignore[no-any-return]


def render_project(spec: ArgoCDProjectSpec, request_name: str) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": spec.name, "namespace": spec.namespace or ARGOCD_NAMESPACE,
                            "labels": _labels("argocd-project", request_name, spec.labels)}
    if spec.annotations:
        meta["annotations"] = dict(spec.annotations)
    body = _dump(spec, "description", "source_repos", "destinations", "cluster_resource_whitelist",
                 "namespace_resource_whitelist", "roles")
    return {"apiVersion": ARGOCD_API, "kind": "AppProject", "metadata": meta, "spec": body}


def render_application(spec: ArgoCDApplicationSpec, request_name: str) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": spec.name, "namespace": spec.namespace or ARGOCD_NAMESPACE,
                            "labels": _labels("argocd-application", request_name, spec.labels)}
    if spec.annotations:
        meta["annotations"] = dict(spec.annotations)
    if spec.finalizers:
        meta["finalizers"] = list(spec.finalizers)
    body = _dump(spec, "project", "source", "destination", "sync_policy")
    helm = body.get("source", {}).get("helm")
    if helm is not None and "releaseName" not in helm:
        helm["releaseName"] = spec.name
    return {"apiVersion": ARGOCD_API, "kind": "Application", "metadata": meta, "spec": body}


def render_argocd_request(doc: Any) -> dict[str, Any]:
    """Validate an ArgoCDProject/ArgoCDApplication request and render its ArgoCD object (checked)."""
    kind = doc.get("kind") if isinstance(doc, dict) else None
    if kind == "ArgoCDProject":
        project = parse_request(doc, kind, model_validator(ArgoCDProjectSpec))
        rendered = render_project(project.spec, project.name)
    elif kind == "ArgoCDApplication":
        app = parse_request(doc, kind, model_validator(ArgoCDApplicationSpec))
        rendered = render_application(app.spec, app.name)
    else:
        raise InvalidRequest([Problem("kind", kind, f"allowed: {', '.join(PROMISE_BY_KIND)} "
                                           f"({API_GROUP}/{API_VERSION})")])
    check_objects([rendered])
    return rendered


def configure_workflow(dirs: KratixDirs, args: Invocation) -> int:
    doc = read_input(dirs)
    rendered = render_argocd_request(doc)
    meta = rendered["metadata"]
    path = f"{rendered['kind'].lower()}-{meta['name']}.yaml"
    write_outputs(dirs, {path: to_yaml_bytes(rendered)})
    write_status(dirs, {"phase": "Scheduled", "message": f"{rendered['kind']} {meta['namespace']}/{meta['name']}",
                       "kind": rendered["kind"], "name": meta["name"], "namespace": meta["namespace"]})
    return EXIT_OK


def delete_workflow(dirs: KratixDirs, args: Invocation) -> int:
    doc = read_input(dirs)
    spec, meta = doc.get("spec"), doc.get("metadata")
    name = (spec.get("name") if isinstance(spec, dict) else None) or (
        meta.get("name", "") if isinstance(meta, dict) else "")
    write_status(dirs, {"phase": "Deleted", "message": f"{doc.get('kind')} {name}: Kratix removes its output"})
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    return run("argocd-promise-pipeline", "Configure or delete one ArgoCDProject or ArgoCDApplication request.",
               configure_workflow, delete_workflow, argv)

