"""Delete workflow: report status and remove what Kratix cannot — host PersistentVolumes the syncer made.

PersistentVolumes created by the vCluster syncer carry `vcluster.loft.sh/managed-by=<name>-x-<namespace>`.
With dry-run (`--dry-run` or VCLUSTER_PLATFORM_DRY_RUN=true) they are listed, not deleted.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..errors import InvalidRequest
from ..models import settings_from_document
from ..models.names import syncer_managed_by

MANAGED_BY_LABEL = "vcluster.loft.sh/managed-by"


class VolumeApi(Protocol):
    def list_persistent_volume(self, label_selector: str) -> Any: ...
    def delete_persistent_volume(self, name: str) -> Any: ...


@dataclass
class CleanupReport:
    selector: str
    found: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


def tenant_identity(doc: dict[str, Any]) -> tuple[str, str]:
    """(name, target namespace), tolerating a request that no longer validates."""
    try:
        s = settings_from_document(doc)
        return s.name, s.target_namespace
    except InvalidRequest:
        spec = doc.get("spec") or {}
        name = str(spec.get("name") or (doc.get("metadata") or {}).get("name") or "")
        return name, str(spec.get("targetNamespace") or f"vcluster-{name}")


def cleanup_volumes(api: VolumeApi, name: str, namespace: str, dry_run: bool) -> CleanupReport:
    report = CleanupReport(selector=f"{MANAGED_BY_LABEL}={syncer_managed_by(name, namespace)}")
    volumes = api.list_persistent_volume(label_selector=report.selector)
    report.found = sorted(v.metadata.name for v in volumes.items)
    if dry_run:
        return report
    for volume in report.found:
        try:
            api.delete_persistent_volume(name=volume)
            report.deleted.append(volume)
        except Exception as exc:  # noqa: BLE001 - every failure is reported, none hidden
            report.failed[volume] = f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}"
    return report


def kubernetes_volume_api() -> VolumeApi:
    """CoreV1Api with the pipeline's service account (in cluster) or the local kubeconfig."""
    from kubernetes import client, config

    try:
        config.load_incluster_config()
    except config.ConfigException:
        config.load_kube_config()
    api: VolumeApi = client.CoreV1Api()
    return api


def delete_status(report: CleanupReport, dry_run: bool, name: str) -> dict[str, Any]:
    verb = "would delete" if dry_run else "deleted"
    done = report.found if dry_run else report.deleted
    status: dict[str, Any] = {
        "phase": "Failed" if report.failed else "Deleted",
        "message": (f"vCluster {name}: {verb} {len(done)} syncer PersistentVolume(s)"
                    + (f"; {len(report.failed)} failed" if report.failed else "")),
        "persistentVolumes": {"selector": report.selector, "dryRun": dry_run, verb.replace(" ", ""): done},
    }
    if report.failed:
        status["persistentVolumes"]["failed"] = report.failed
    return status


def run_delete(doc: dict[str, Any], dry_run: bool,
               api_factory: Callable[[], VolumeApi] = kubernetes_volume_api) -> tuple[dict[str, Any], int]:
    name, namespace = tenant_identity(doc)
    try:
        report = cleanup_volumes(api_factory(), name, namespace, dry_run)
    except Exception as exc:  # noqa: BLE001 - reported in status and exit code
        message = f"vCluster {name}: cannot list PersistentVolumes: {type(exc).__name__}: {exc}"
        return {"phase": "Failed", "message": message}, 1
    for volume in report.found:
        print(f"{'would delete' if dry_run else 'deleting'} PersistentVolume {volume}", file=sys.stderr)
    status = delete_status(report, dry_run, name)
    return status, 1 if report.failed else 0
