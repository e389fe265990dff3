"""Delete workflow: report status and remove what Kratix cannot — host PersistentVolumes the syncer made.

PersistentVolumes created by the vCluster syncer carry `vcluster.loft.sh/managed-by=<name>-x-<namespace>`.
Only those bound to a claim in the tenant's own namespace are deleted (a label alone is not proof), and only
when this request is the tenant's: a request whose name an older request holds (pipeline/identity.py)
rendered nothing and deletes nothing.
With dry-run (`--dry-run` or VCLUSTER_PLATFORM_DRY_RUN=true) they are listed, not deleted; with the request
annotation `platform.integratn.tech/delete-volumes: "false"` they are kept and the delete finishes. A volume
still bound to a claim stays Terminating until the claim goes with the tenant namespace: that is reported,
not waited for. A refused call fails the run (Kratix retries) with a status that says what to do.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from platform_common.kube import api_client, api_error_text

from ..errors import InvalidRequest, Problem, Unavailable
from ..models import settings_from_document
from ..models.names import is_dns1123_label, syncer_managed_by
from .identity import Lister, can_reach_cluster, list_requests, older_holders

MANAGED_BY_LABEL = "vcluster.loft.sh/managed-by"
KEEP_VOLUMES_ANNOTATION = "platform.integratn.tech/delete-volumes"
UNBLOCK = (f'to finish the delete without removing them, annotate the request {KEEP_VOLUMES_ANNOTATION}="false"; '
           "to let the pipeline remove them, grant its service account get/list/delete on persistentvolumes and "
           "list on vclusterorchestratorv2s (the promise's delete pipeline declares both in spec.rbac.permissions)")


class VolumeApi(Protocol):
    def list_persistent_volume(self, label_selector: str) -> Any: ...
    def delete_persistent_volume(self, name: str) -> Any: ...


@dataclass
class CleanupReport:
    selector: str
    found: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    terminating: dict[str, str] = field(default_factory=dict)  # name → the claim that still holds it
    kept: dict[str, str] = field(default_factory=dict)  # name → why a labelled volume is not the tenant's to delete


def tenant_identity(doc: dict[str, Any]) -> tuple[str, str]:
    """(name, target namespace), tolerating a request that no longer validates as a whole; refused (exit 2)
    only when neither can name a tenant, since a bad name would select the wrong volumes."""
    try:
        s = settings_from_document(doc)
        return s.name, s.target_namespace
    except InvalidRequest:
        pass
    spec: dict[str, Any] = doc["spec"] if isinstance(doc.get("spec"), dict) else {}
    meta: dict[str, Any] = doc["metadata"] if isinstance(doc.get("metadata"), dict) else {}
    name = spec.get("name") or meta.get("name")
    namespace = spec.get("targetNamespace") or f"vcluster-{name}"
    problems = [Problem(path, value, "a DNS-1123 label is needed to find the tenant's volumes")
                for path, value in (("spec.name", name), ("spec.targetNamespace", namespace))
                if not isinstance(value, str) or not is_dns1123_label(value)]
    if problems:
        raise InvalidRequest(problems)
    return str(name), str(namespace)


def cleanup_volumes(api: VolumeApi, name: str, namespace: str, dry_run: bool) -> CleanupReport:
    report = CleanupReport(selector=f"{MANAGED_BY_LABEL}={syncer_managed_by(name, namespace)}")
    volumes = api.list_persistent_volume(label_selector=report.selector)
    for volume in volumes.items:
        claim_namespace = getattr(getattr(volume.spec, "claim_ref", None), "namespace", None)
        if claim_namespace == namespace:
            report.found.append(volume.metadata.name)
        else:
            report.kept[volume.metadata.name] = (f"bound to a claim in {claim_namespace}" if claim_namespace
                                                 else "not bound to a claim") + f", not in {namespace}"
    report.found.sort()
    if dry_run:
        return report
    for volume in report.found:
        try:
            api.delete_persistent_volume(name=volume)
            report.deleted.append(volume)
        except Exception as exc:  # noqa: BLE001 - every failure is reported, none hidden
            report.failed[volume] = api_error_text(exc)
    if report.deleted:
        remaining = api.list_persistent_volume(label_selector=report.selector)
        report.terminating = {v.metadata.name: _claim(v) for v in remaining.items if v.metadata.name in report.deleted}
    return report


def _claim(volume: Any) -> str:
    ref = getattr(getattr(volume, "spec", None), "claim_ref", None)
    return f"bound to claim {ref.namespace}/{ref.name}" if ref is not None else "waiting for its finalizers"


def kubernetes_volume_api() -> VolumeApi:
    """CoreV1Api with the pipeline's service account (in cluster) or the local kubeconfig."""
    from kubernetes import client

    api: VolumeApi = client.CoreV1Api(api_client())
    return api



def delete_status(report: CleanupReport, dry_run: bool, name: str) -> dict[str, Any]:
    verb = "would delete" if dry_run else "deleted"
    done = report.found if dry_run else report.deleted
    message = f"vCluster {name}: {verb} {len(done)} syncer PersistentVolume(s)"
    if report.terminating:
        message += (f"; {len(report.terminating)} stay Terminating until their claims are deleted with the "
                    "tenant namespace")
    if report.failed:
        message += f"; {len(report.failed)} could not be deleted ({next(iter(report.failed.values()))}); {UNBLOCK}"
    status: dict[str, Any] = {
        "phase": "Failed" if report.failed else "Deleted",
        "message": message,
        "persistentVolumes": {"selector": report.selector, "dryRun": dry_run, verb.replace(" ", ""): done},
    }
    if report.failed:
        status["persistentVolumes"]["failed"] = report.failed
    if report.kept:
        status["persistentVolumes"]["kept"] = report.kept
        status["message"] += (f"; {len(report.kept)} labelled for it kept (not bound to a claim in its namespace: "
                              "remove by hand if they are its)")
    if report.terminating:
        status["persistentVolumes"]["terminating"] = report.terminating
    return status


def keeps_volumes(doc: dict[str, Any]) -> bool:
    meta = doc.get("metadata")
    annotations = meta.get("annotations") if isinstance(meta, dict) else None
    return isinstance(annotations, dict) and str(annotations.get(KEEP_VOLUMES_ANNOTATION, "")).lower() == "false"


def _not_the_tenant(doc: dict[str, Any], name: str, namespace: str, lister: Lister | None) -> dict[str, Any] | None:
    """A Deleted status that deletes nothing when an older request holds this tenant; None when it is ours."""
    if lister is None and not can_reach_cluster():
        return None
    mine = {"spec.name": name, "spec.targetNamespace": namespace}
    try:
        holders = older_holders(mine, doc, (lister or list_requests)())
    except Unavailable as exc:
        return {"phase": "Failed", "message": f"vCluster {name}: {exc}; {UNBLOCK}"}
    if not holders:
        return None
    holder = next(iter(holders.values()))
    return {"phase": "Deleted", "message": f"vCluster {name} is the tenant of request {holder}, not of this one: "
                                           "this request rendered nothing and deletes nothing"}


def run_delete(doc: dict[str, Any], dry_run: bool, api_factory: Callable[[], VolumeApi] | None = None,
               lister: Lister | None = None) -> tuple[dict[str, Any], int]:
    name, namespace = tenant_identity(doc)
    if keeps_volumes(doc):
        selector = f"{MANAGED_BY_LABEL}={syncer_managed_by(name, namespace)}"
        return {"phase": "Deleted", "message": f"vCluster {name}: syncer PersistentVolumes kept "
                                               f"({KEEP_VOLUMES_ANNOTATION}=false); remove them by hand: "
                                               f"kubectl delete pv -l {selector}",
                "persistentVolumes": {"selector": selector, "kept": True}}, 0
    refused = _not_the_tenant(doc, name, namespace, lister)
    if refused is not None:
        return refused, 1 if refused["phase"] == "Failed" else 0
    try:
        report = cleanup_volumes((api_factory or kubernetes_volume_api)(), name, namespace, dry_run)
    except Exception as exc:  # noqa: BLE001 - reported in status and exit code
        message = f"vCluster {name}: cannot list PersistentVolumes: {api_error_text(exc)}; {UNBLOCK}"
        return {"phase": "Failed", "message": message}, 1
    for volume in report.found:
        print(f"{'would delete' if dry_run else 'deleting'} PersistentVolume {volume}", file=sys.stderr)
    status = delete_status(report, dry_run, name)
    return status, 1 if report.failed else 0
