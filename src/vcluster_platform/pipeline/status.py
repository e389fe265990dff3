"""status.yaml content: the names the settings give (`Names`), each reported only when an object of that name
was actually rendered."""

from __future__ import annotations

from collections import Counter
from typing import Any

from platform_common.clock import stamp
from vcluster_status.contract import condition, reconciled

from .. import ARGOCD_NAMESPACE
from ..models import EffectiveSettings


def _condition(kind: str, ok: bool, reason: str, message: str) -> dict[str, str]:
    """A pipeline condition, stamped with this run's time."""
    return condition(kind, ok, reason, message, stamp())


def _rendered(objects: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any] | None:
    """The rendered object of this kind and name, if there is one."""
    return next((o for o in objects if o.get("kind") == kind and o["metadata"]["name"] == name), None)


def argocd_link(s: EffectiveSettings, namespace: str, application: str) -> str:
    """The Application's page in the ArgoCD UI (`<base>/applications/<namespace>/<name>`); empty without a base."""
    base = s.platform.argocd_url
    return f"{base}/applications/{namespace}/{application}" if base and application else ""


def static_contract(s: EffectiveSettings, app: dict[str, Any] | None, kubeconfig: str,
                    one_password_item: str) -> dict[str, Any]:
    """The pipeline's part of the status contract (README "Live status"): where to reach the tenant, with the
    Application where the argocd-application promise puts it."""
    application = app["spec"]["name"] if app else ""
    namespace = (app["spec"].get("namespace") if app else None) or ARGOCD_NAMESPACE
    return {
        "endpoints": {"api": s.endpoint, "argocd": argocd_link(s, namespace, application)},
        "credentials": {"kubeconfigSecret": kubeconfig, "onePasswordItem": one_password_item},
        "applicationNamespace": namespace,
    }


def configure_status(s: EffectiveSettings, objects: list[dict[str, Any]],
                     warnings: list[str] | None = None, current: dict[str, Any] | None = None,
                     advisories: list[str] | None = None) -> dict[str, Any]:
    """status.yaml of a configure run. `warnings` are unresolved references (the ReferencesResolved
    condition); `advisories` are listed with them without a condition. Once the status reconciler owns the
    phase (`current` has lastReconciled), phase and message are left out so a re-run never turns a Ready
    tenant back to Scheduled."""
    names = s.names
    app = _rendered(objects, "ArgoCDApplication", names.application)
    kubeconfig = _rendered(objects, "ExternalSecret", names.kubeconfig_secret)
    cluster = _rendered(objects, "ExternalSecret", names.argocd_cluster_secret)
    job = _rendered(objects, "Job", names.sync_job)
    counts = Counter(str(o["kind"]) for o in objects)
    references = (_condition("ReferencesResolved", False, "UnrenderedReference", "; ".join(warnings))
                  if warnings else
                  _condition("ReferencesResolved", True, "AllProvided",
                             "every Secret and ConfigMap the Helm values mount is rendered or created"))
    application = app["spec"]["name"] if app else ""
    kubeconfig_secret = kubeconfig["spec"]["target"]["name"] if kubeconfig else ""
    one_password_item = names.onepassword_item if job else ""
    status: dict[str, Any] = {
        "phase": "Scheduled",
        "message": f"rendered {len(objects)} objects for vCluster {s.name}",
        "vcluster": {
            "name": s.name,
            "namespace": s.target_namespace,
            "preset": s.preset,
            "endpoint": s.endpoint,
            "chartVersion": s.chart_version,
        },
        **static_contract(s, app, kubeconfig_secret, one_password_item),
        "application": application,
        "kubeconfigSecret": kubeconfig_secret,
        "argocdClusterSecret": cluster["spec"]["target"]["name"] if cluster else "",
        "onePasswordItem": one_password_item,
        "syncJob": job["metadata"]["name"] if job else "",
        "objectCounts": dict(sorted(counts.items())),
        "conditions": [
            _condition("RequestValid", True, "Validated", "request accepted"),
            _condition("Rendered", True, "ObjectsValid", "all objects passed the policy gate and schema checks"),
            references,
        ],
    }
    # always written: Kratix keeps a status key the new file leaves out, and a stale one would claim backups
    status["backup"] = backup_status(s, objects)
    if warnings or advisories:
        status["warnings"] = [*(warnings or []), *(advisories or [])]
    if reconciled(current or {}):
        del status["phase"], status["message"]
    return status


def backup_status(s: EffectiveSettings, objects: list[dict[str, Any]]) -> dict[str, Any]:
    """Where the tenant's etcd snapshots are made and kept, and how old the last one may get (the reconciler
    reports the live side in health.backup); empty when no backup CronJob was rendered."""
    from ..render.backup import MAX_AGE_ANNOTATION, backup_name, snapshot_dir

    cron = _rendered(objects, "CronJob", backup_name(s))
    if cron is None:
        return {}
    where = s.value("backup.destination")
    return {
        "cronJob": backup_name(s),
        "schedule": cron["spec"]["schedule"],
        "retention": s.value("backup.retention"),
        "maxAgeSeconds": int(cron["metadata"]["annotations"][MAX_AGE_ANNOTATION]),
        "destination": (f"nfs {where['server']}:{where['path']}/{s.name}" if "server" in where else
                        f"persistentVolumeClaim {where['claim']}"),
        "directory": snapshot_dir(s),
    }


def failed_status(message: str, reason: str) -> dict[str, Any]:
    return {
        "phase": "Failed",
        "message": message,
        "conditions": [_condition("Rendered", False, reason, message.splitlines()[0] if message else reason)],
    }
