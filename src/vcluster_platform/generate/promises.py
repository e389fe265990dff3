"""The three promises we ship: their CRDs and promise.yaml files, generated from the request models."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from platform_common.crdgen import crd, strict_schema
from platform_common.yamlio import dump

from .. import API_GROUP, API_VERSION, PROMISE_NAME
from ..models.argocd import ArgoCDApplicationSpec, ArgoCDProjectSpec
from ..models.boundary import reserved_cluster_labels
from ..models.platform import PlatformSettings, platform_env_defaults
from ..models.request import VClusterOrchestratorV2Spec
from ..trust import admission_objects

REPO = Path(__file__).resolve().parents[3]
IMAGE_REGISTRY = os.environ.get("PIPELINE_IMAGE_REGISTRY", "ghcr.io/integratn/platform")
IMAGE_TAG = os.environ.get("PIPELINE_IMAGE_TAG", "v0.1.0")
PIPELINE_SECURITY_CONTEXT = {
    "runAsNonRoot": True,
    "runAsUser": 65532,
    "runAsGroup": 65532,
    "allowPrivilegeEscalation": False,
    "readOnlyRootFilesystem": True,
    "capabilities": {"drop": ["ALL"]},
    "seccompProfile": {"type": "RuntimeDefault"},
}


# What each pipeline may do in the cluster, as Kratix Pipeline `spec.rbac.permissions` (a PolicyRule plus an
# optional resourceNamespace; "*" makes Kratix bind a ClusterRole, needed for cluster-scoped kinds). A
# pipeline that is absent here declares nothing: it reads /kratix/input and writes /kratix/output only.
PIPELINE_PERMISSIONS: dict[tuple[str, str], list[dict[str, Any]]] = {
    # configure lists every request to keep one tenant per name (pipeline/identity.py)
    ("vcluster-orchestrator-v2", "configure"): [{
        "apiGroups": [API_GROUP], "resources": ["vclusterorchestratorv2s"], "verbs": ["list"],
        "resourceNamespace": "*",
    }],
    ("vcluster-orchestrator-v2", "delete"): [{
        "apiGroups": [""], "resources": ["persistentvolumes"], "verbs": ["get", "list", "delete"],
        "resourceNamespace": "*",
    }, {
        "apiGroups": [API_GROUP], "resources": ["vclusterorchestratorv2s"], "verbs": ["list"],
        "resourceNamespace": "*",
    }],
}


@dataclass(frozen=True)
class PromiseDef:
    name: str
    kind: str
    plural: str
    spec_model: type[BaseModel]
    image: str
    entry_point: str
    required_promises: tuple[str, ...] = ()
    description: str = ""


PROMISES = (
    PromiseDef("vcluster-orchestrator-v2", "VClusterOrchestratorV2", "vclusterorchestratorv2s",
               VClusterOrchestratorV2Spec, "vcluster-orchestrator-v2-pipeline", "vcluster-platform-pipeline",
               ("argocd-project", "argocd-application"),
               "Everything one tenant vCluster needs, from one request."),
    PromiseDef("argocd-project", "ArgoCDProject", "argocdprojects", ArgoCDProjectSpec,
               "argocd-promise-pipeline", "argocd-promise-pipeline", (), "One ArgoCD AppProject."),
    PromiseDef("argocd-application", "ArgoCDApplication", "argocdapplications", ArgoCDApplicationSpec,
               "argocd-promise-pipeline", "argocd-promise-pipeline", (), "One ArgoCD Application."),
)


# `kubectl get vclusterorchestratorv2s` answers "is it ready, and where?" (the live status contract)
LIVE_COLUMNS: list[dict[str, Any]] = [
    {"name": "Ready Pods", "type": "integer", "jsonPath": ".status.health.workloads.ready", "priority": 1},
    {"name": "API", "type": "string", "jsonPath": ".status.endpoints.api"},
]


def promise_crd(p: PromiseDef) -> dict[str, Any]:
    columns: list[dict[str, Any]] = [
        {"name": "Phase", "type": "string", "jsonPath": ".status.phase"},
        *(LIVE_COLUMNS if p.name == PROMISE_NAME else []),
        {"name": "Message", "type": "string", "jsonPath": ".status.message", "priority": 1},
        {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}]
    return crd(API_GROUP, API_VERSION, p.kind, p.plural, p.spec_model, printer_columns=columns)


def _pipeline(p: PromiseDef, action: str) -> dict[str, Any]:
    container: dict[str, Any] = {
        "name": action,
        "image": f"{IMAGE_REGISTRY}/{p.image}:{IMAGE_TAG}",
        "command": [p.entry_point],
        "args": [action],
        "securityContext": PIPELINE_SECURITY_CONTEXT,
    }
    if p.name == PROMISE_NAME:
        container["env"] = platform_env_defaults()
    spec: dict[str, Any] = {"containers": [container]}
    permissions = PIPELINE_PERMISSIONS.get((p.name, action))
    if permissions:
        spec["rbac"] = {"permissions": permissions}
    return {
        "apiVersion": "platform.kratix.io/v1alpha1",
        "kind": "Pipeline",
        "metadata": {"name": f"{p.name}-{action}"},
        "spec": spec,
    }


def promise_yaml(p: PromiseDef) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "api": promise_crd(p),
        "workflows": {"resource": {"configure": [_pipeline(p, "configure")], "delete": [_pipeline(p, "delete")]}},
    }
    if p.required_promises:
        spec["requiredPromises"] = [{"name": name} for name in p.required_promises]
    return {
        "apiVersion": "platform.kratix.io/v1alpha1",
        "kind": "Promise",
        "metadata": {"name": p.name, "labels": {"kratix.io/promise-version": IMAGE_TAG},
                     "annotations": {"platform.integratn.tech/description": p.description}},
        "spec": spec,
    }


HEADER = "# Generated by `make generate` from the request models; do not edit.\n"
ADMISSION_HEADER = ("# Generated by `make generate` from src/vcluster_platform/trust.py; do not edit. Apply it on the\n"
                    "# platform cluster with the promise; list the admin namespaces in the ConfigMap.\n")


def promise_artifacts() -> dict[Path, str]:
    out: dict[Path, str] = {}
    for p in PROMISES:
        out[REPO / "promises" / p.name / "promise.yaml"] = HEADER + dump(promise_yaml(p))
    out[REPO / "promises" / PROMISE_NAME / "admission.yaml"] = ADMISSION_HEADER + "---\n".join(
        dump(o) for o in admission_objects(reserved_cluster_labels(PlatformSettings()), PlatformSettings().base_domain))
    return out


def generated_request_schemas() -> dict[str, tuple[str, dict[str, Any]]]:
    """apiVersion/kind of each promise's request → (schema file name, strict openAPIV3Schema)."""
    out = {}
    for p in PROMISES:
        schema = promise_crd(p)["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
        out[f"{API_GROUP}/{API_VERSION}/{p.kind}"] = (f"request-{p.name}.json", strict_schema(schema))
    return out


def request_schema_artifacts(schema_dir: Path) -> dict[Path, str]:
    return {schema_dir / name: json.dumps(schema, indent=1, sort_keys=True) + "\n"
            for name, schema in generated_request_schemas().values()}
