"""status.yaml content, taken from the objects actually rendered (never from what we meant to render)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

from ..models import EffectiveSettings


def _find(objects: list[dict[str, Any]], kind: str, predicate: Any = None) -> dict[str, Any] | None:
    return next((o for o in objects if o.get("kind") == kind and (predicate is None or predicate(o))), None)


def _condition(kind: str, ok: bool, reason: str, message: str) -> dict[str, str]:
    return {
        "type": kind,
        "status": "True" if ok else "False",
        "reason": reason,
        "message": message,
        "lastTransitionTime": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def _env_value(job: dict[str, Any] | None, name: str) -> str:
    if job is None:
        return ""
    env = job["spec"]["template"]["spec"]["containers"][0].get("env", [])
    return next((e.get("value", "") for e in env if e.get("name") == name), "")


def configure_status(s: EffectiveSettings, objects: list[dict[str, Any]],
                     warnings: list[str] | None = None) -> dict[str, Any]:
    app = _find(objects, "ArgoCDApplication", lambda o: o["spec"]["source"].get("chart") == s.chart)
    kubeconfig = _find(objects, "ExternalSecret", lambda o: any(
        d["remoteRef"].get("property") == "kubeconfig" for d in o["spec"].get("data", [])))
    cluster = _find(objects, "ExternalSecret", lambda o: "template" in o["spec"].get("target", {}))
    job = _find(objects, "Job", lambda o: o["metadata"]["name"] == s.names.sync_job)
    counts = Counter(str(o["kind"]) for o in objects)
    references = (_condition("ReferencesResolved", False, "UnrenderedReference", "; ".join(warnings))
                  if warnings else
                  _condition("ReferencesResolved", True, "AllProvided",
                             "every Secret and ConfigMap the Helm values mount is rendered or created"))
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
        "application": app["spec"]["name"] if app else "",
        "kubeconfigSecret": kubeconfig["spec"]["target"]["name"] if kubeconfig else "",
        "argocdClusterSecret": cluster["spec"]["target"]["name"] if cluster else "",
        "onePasswordItem": _env_value(job, "OP_ITEM_TITLE"),
        "syncJob": job["metadata"]["name"] if job else "",
        "objectCounts": dict(sorted(counts.items())),
        "conditions": [
            _condition("RequestValid", True, "Validated", "request accepted"),
            _condition("Rendered", True, "ObjectsValid", "all objects passed the policy gate and schema checks"),
            references,
        ],
    }
    if warnings:
        status["warnings"] = list(warnings)
    return status


def failed_status(message: str, reason: str) -> dict[str, Any]:
    return {
        "phase": "Failed",
        "message": message,
        "conditions": [_condition("Rendered", False, reason, message.splitlines()[0] if message else reason)],
    }
