"""One reconcile of one request: read, observe, assess, write the live part, report the transition.

The write is a merge patch of the status subresource that names the resourceVersion it was computed from: if
Kratix (or anyone) changed the request in between, the API server refuses it (409) and the reconcile starts
over from a fresh read, so the pipeline's fields and the reconciler's never overwrite each other.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from platform_common.clock import seconds_since, stamp
from platform_common.kube import Conflict, JsonApi, merge_patch, object_path

from . import contract as c
from .assess import DEFAULT_TIMING, Timing, assess, merged_status
from .observation import Obj, Tenant, tenant_of
from .observe import Lister, observe, request_path

ATTEMPTS = 4


@dataclass(frozen=True)
class Outcome:
    namespace: str
    name: str
    status: Obj
    previous_phase: str
    uid: str
    tenant: Tenant | None
    written: str = ""  # the resourceVersion this reconcile wrote ("" when nothing needed writing)

    @property
    def phase(self) -> str:
        return str(self.status.get("phase") or c.UNKNOWN)

    @property
    def transition(self) -> bool:
        return bool(self.written) and self.phase != self.previous_phase


def needs_write(current: Obj, new: Obj, now: datetime, heartbeat: float) -> bool:
    """Anything but lastReconciled changed, or lastReconciled is older than the heartbeat."""
    strip = ("lastReconciled",)
    changed = {k: v for k, v in current.items() if k not in strip} != {k: v for k, v in new.items() if k not in strip}
    return changed or not current.get("lastReconciled") or \
        seconds_since(current.get("lastReconciled"), now) >= heartbeat


def reconcile_tenant(api: JsonApi, namespace: str, name: str, *, timing: Timing = DEFAULT_TIMING,
                     heartbeat: float = 60.0, now: datetime | None = None,
                     applications: Lister | None = None) -> Outcome | None:
    """Bring one request's live status up to date; None when the request no longer exists."""
    for _ in range(ATTEMPTS):
        request = api.get(request_path(namespace, name))
        if request is None:
            return None
        when = now or datetime.now(UTC)
        tenant = tenant_of(request)
        deleting = bool(request["metadata"].get("deletionTimestamp"))
        observation = observe(api, tenant, applications) if tenant is not None and not deleting else None
        current: Obj = request.get("status") or {}
        new = merged_status(current, assess(request, tenant, observation, when, timing))
        previous_phase = str(current.get("phase") or "") if c.reconciled(current) else ""
        if not needs_write(current, new, when, heartbeat):
            return Outcome(namespace, name, new, previous_phase, request["metadata"]["uid"], tenant)
        body = {"metadata": {"resourceVersion": request["metadata"]["resourceVersion"]},
                "status": merge_patch(current, new)}
        try:
            written = api.merge_patch(request_path(namespace, name) + "/status", body)
        except Conflict:
            continue
        return Outcome(namespace, name, new, previous_phase, request["metadata"]["uid"], tenant,
                       written["metadata"]["resourceVersion"])
    raise Conflict(f"{namespace}/{name}: the request kept changing during {ATTEMPTS} attempts")


def transition_event(outcome: Outcome) -> dict[str, Any]:
    """A core/v1 Event on the request for a phase change (Warning for Degraded, Failed, Unknown)."""
    now = stamp()
    return {
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": f"{outcome.name}.{uuid.uuid4().hex[:16]}", "namespace": outcome.namespace},
        "involvedObject": {"apiVersion": f"{c.GROUP}/{c.VERSION}", "kind": c.KIND, "name": outcome.name,
                           "namespace": outcome.namespace, "uid": outcome.uid},
        "reason": outcome.phase, "message": str(outcome.status.get("message") or ""),
        "type": "Warning" if outcome.phase in c.WARNING_PHASES else "Normal",
        "source": {"component": "vcluster-status-reconciler"},
        "firstTimestamp": now, "lastTimestamp": now, "count": 1,
    }


def post_transition(api: JsonApi, outcome: Outcome) -> None:
    api.create(object_path("v1", "events", outcome.namespace), transition_event(outcome))
