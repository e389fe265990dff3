"""The installer's metadata.json for a cluster that now runs on the target vCenter, so that
`openshift-install destroy cluster` can still remove it: the destroyer deletes what carries the cluster's
ownership tag on the vCenters the file names, logging in with the credentials in it.

It is kept in the Secret `<migration>-metadata` (key metadata.json; a Secret because the file holds the vCenter
login), labelled migration.openshift.io/metadata=true and without an owner, so it outlives the migration. To use
it: `oc extract -n <namespace> secret/<migration>-metadata --keys=metadata.json --to=<install-dir>`."""

from __future__ import annotations

import json
from typing import Any

LABEL = "migration.openshift.io/metadata"
KEY = "metadata.json"


def secret_name(migration: str) -> str:
    return f"{migration}-metadata"[:253]


def cluster_name(api_server_url: str, infra_id: str) -> str:
    """The installer's cluster name: the label after `api.` in the API URL, else the infrastructure ID without
    its random suffix."""
    host = api_server_url.split("://", 1)[-1].split(":", 1)[0]
    if host.startswith("api."):
        return host.split(".")[1]
    return infra_id.rsplit("-", 1)[0]


def metadata(infrastructure: dict[str, Any], cluster_id: str, server: str, username: str,
             password: str) -> dict[str, Any]:
    """The installer's vSphere ClusterMetadata for one vCenter."""
    status = infrastructure.get("status") or {}
    infra_id = str(status.get("infrastructureName", ""))
    login = {"vCenter": server, "username": username, "password": password}
    return {"clusterName": cluster_name(str(status.get("apiServerURL", "")), infra_id), "clusterID": cluster_id,
            "infraID": infra_id, "vsphere": {**login, "terraform_platform": "vsphere", "VCenters": [login]}}


def secret(name: str, namespace: str, content: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
            "metadata": {"name": name, "namespace": namespace, "labels": {LABEL: "true"}},
            "stringData": {KEY: json.dumps(content, indent=2, sort_keys=True) + "\n"}}
