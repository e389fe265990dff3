"""How a running vCluster is known to its consumers, read from a render: the ArgoCD cluster registration
(name, server URL, the labels ApplicationSets select on and the annotations they read) and the kubeconfig
Secret and 1Password item people and programs read the credentials from.

Understood shapes: an `ArgoCDClusterRegistration` request (today's pipeline), an ExternalSecret whose target
template is an ArgoCD cluster secret (ours), and a plain cluster Secret; Kratix's status.yaml `credentials`.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

CLUSTER_SECRET_LABEL = "argocd.argoproj.io/secret-type"


@dataclass(frozen=True)
class Registration:
    name: str = ""
    server: str = ""
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)

    @property
    def present(self) -> bool:
        return bool(self.name or self.server)


def _from_request(obj: dict[str, Any]) -> Registration:
    spec = obj.get("spec") or {}
    return Registration(str(spec.get("name", "")), str(spec.get("externalServerURL") or spec.get("server") or ""),
                        dict(spec.get("clusterLabels") or {}), dict(spec.get("clusterAnnotations") or {}))


def _cluster_secret(meta: dict[str, Any], data: dict[str, Any]) -> Registration | None:
    """An ArgoCD cluster secret's registration, from its metadata and (decoded) data."""
    if (meta.get("labels") or {}).get(CLUSTER_SECRET_LABEL) != "cluster":
        return None
    return Registration(str(data.get("name", "")), str(data.get("server", "")), dict(meta.get("labels") or {}),
                        dict(meta.get("annotations") or {}))


def _from_external_secret(obj: dict[str, Any]) -> Registration | None:
    template = (((obj.get("spec") or {}).get("target") or {}).get("template") or {})
    return _cluster_secret(template.get("metadata") or {}, template.get("data") or {})


def _from_secret(obj: dict[str, Any]) -> Registration | None:
    data = {k: base64.b64decode(v).decode(errors="replace") for k, v in (obj.get("data") or {}).items()}
    data.update(obj.get("stringData") or {})
    return _cluster_secret(obj.get("metadata") or {}, data)


def registration_of(objects: list[dict[str, Any]]) -> Registration:
    """The cluster registration among the objects, or an empty one when there is none."""
    for obj in objects:
        kind = obj.get("kind")
        found = (_from_request(obj) if kind == "ArgoCDClusterRegistration" else
                 _from_external_secret(obj) if kind == "ExternalSecret" else
                 _from_secret(obj) if kind == "Secret" else None)
        if found is not None and found.present:
            return found
    return Registration()


def credentials_of(objects: list[dict[str, Any]]) -> tuple[str, str]:
    """(kubeconfig Secret, 1Password item) that consumers read, or '' where the render does not say."""
    for obj in objects:
        credentials = obj.get("credentials") if not obj.get("kind") else None
        if isinstance(credentials, dict):  # a Kratix status.yaml beside the output
            return str(credentials.get("kubeconfigSecret", "")), str(credentials.get("onePasswordItem", ""))
    secret = item = ""
    for obj in objects:
        spec = obj.get("spec") or {}
        if obj.get("kind") == "ExternalSecret" and any(
                (d.get("remoteRef") or {}).get("property") == "kubeconfig" for d in spec.get("data") or []):
            secret = str((spec.get("target") or {}).get("name") or obj["metadata"]["name"])
            item = str(next(d["remoteRef"]["key"] for d in spec["data"]
                            if (d.get("remoteRef") or {}).get("property") == "kubeconfig"))
    return secret, item
