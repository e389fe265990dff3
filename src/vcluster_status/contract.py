"""The status contract of a VClusterOrchestratorV2 request: which fields exist and who writes each.

Static, written by the configure pipeline through Kratix: `endpoints`, `credentials`, `vcluster`,
`application`, `applicationNamespace`, the conditions RequestValid / Rendered / ReferencesResolved, and
`phase: Scheduled` + `message` only until the reconciler has written once (`lastReconciled` set).
Live, written by the reconciler: `phase`, `message`, `lastReconciled`, `health`, `firstReadyTime` and the
conditions Ready / ArgoSynced / PodsReady / KubeconfigAvailable. Neither writes the other's fields.
"""

from __future__ import annotations

from typing import Any, Final

GROUP: Final = "platform.integratn.tech"
VERSION: Final = "v1alpha1"
KIND: Final = "VClusterOrchestratorV2"
PLURAL: Final = "vclusterorchestratorv2s"
PROMISE: Final = "vcluster-orchestrator-v2"

SCHEDULED, PROGRESSING, READY, DEGRADED, FAILED, DELETING, UNKNOWN = (
    "Scheduled", "Progressing", "Ready", "Degraded", "Failed", "Deleting", "Unknown")
PHASES: Final = (SCHEDULED, PROGRESSING, READY, DEGRADED, FAILED, DELETING, UNKNOWN)
WARNING_PHASES: Final = frozenset({DEGRADED, FAILED, UNKNOWN})

COND_READY, COND_ARGO, COND_PODS, COND_KUBECONFIG = "Ready", "ArgoSynced", "PodsReady", "KubeconfigAvailable"
LIVE_CONDITIONS: Final = (COND_READY, COND_ARGO, COND_PODS, COND_KUBECONFIG)
LIVE_FIELDS: Final = ("phase", "message", "lastReconciled", "health", "firstReadyTime")
PIPELINE_CONDITION: Final = "Rendered"  # False: the last configure run failed


def condition(kind: str, ok: bool, reason: str, message: str, now: str,
              previous: list[dict[str, Any]] | None = None) -> dict[str, str]:
    """A Kubernetes condition; lastTransitionTime moves only when its status changes."""
    status = "True" if ok else "False"
    before = next((c for c in previous or [] if c.get("type") == kind), None)
    since = before["lastTransitionTime"] if before and before.get("status") == status and \
        before.get("lastTransitionTime") else now
    return {"type": kind, "status": status, "reason": reason, "message": message, "lastTransitionTime": since}


def static_part(status: dict[str, Any]) -> dict[str, Any]:
    """What the pipeline owns in a status: everything but the live fields and live conditions."""
    kept = {k: v for k, v in status.items() if k not in LIVE_FIELDS and k != "conditions"}
    kept["conditions"] = [c for c in status.get("conditions") or [] if c.get("type") not in LIVE_CONDITIONS]
    return kept


def reconciled(status: dict[str, Any]) -> bool:
    """True once the reconciler owns the phase (the pipeline then leaves phase and message alone)."""
    return bool(status.get("lastReconciled"))


def configure_failure(status: dict[str, Any]) -> str | None:
    """Why the last configure run failed (its Rendered condition is False), or None when it did not."""
    rendered = next((x for x in status.get("conditions") or [] if x.get("type") == PIPELINE_CONDITION), None)
    if rendered is None or rendered.get("status") != "False":
        return None
    return str(rendered.get("message") or rendered.get("reason") or "")
