"""Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection does it, so a controller's
Deployment can run several replicas with exactly one of them reconciling.

- A candidate takes the Lease when it does not exist, is already its own, or has not been renewed for
  `duration` seconds *as this candidate observed it* (the holder's clock is never trusted: the candidate
  times how long the record stays unchanged). Every write names the resourceVersion it read, so two
  candidates never both win.
- The leader renews every `retry` seconds; when it cannot renew for `renew_deadline` seconds (or finds another
  holder) it has lost the Lease and must stop at once: `on_lost` is called (the controllers exit, and their
  Deployment starts them again as candidates).
- A leader that stops cleanly releases the Lease (empty holder), so a candidate takes over without waiting.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .kube import api_message

LOG = logging.getLogger("platform_common.leader")
Record = tuple[str, str]  # (holderIdentity, renewTime) as last read


@dataclass
class LeaseElector:
    """One candidate for the Lease `namespace/name`; `api` is a kubernetes CoordinationV1Api."""

    api: Any
    namespace: str
    name: str
    identity: str
    duration: float = 15.0
    renew_deadline: float = 10.0
    retry: float = 2.0
    _observed: Record | None = None
    _observed_at: float = 0.0
    _stop: threading.Event = field(default_factory=threading.Event)

    # --- one attempt --------------------------------------------------------------------------------------

    def try_acquire_or_renew(self) -> bool:
        """One read and at most one write; True when this candidate holds the Lease afterwards."""
        from kubernetes.client.rest import ApiException

        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        try:
            lease = self._read()
        except ApiException as exc:
            LOG.warning("reading Lease %s/%s: %s", self.namespace, self.name, api_message(exc))
            return False
        if lease is None:
            return self._write("create", self._body(now, now, 0, None))
        spec = lease.get("spec") or {}
        holder, renewed = spec.get("holderIdentity") or "", str(spec.get("renewTime") or "")
        if holder and holder != self.identity and not self._expired((holder, renewed)):
            return False
        transitions = int(spec.get("leaseTransitions") or 0)
        if holder == self.identity:
            acquired = str(spec.get("acquireTime") or now)
        else:
            acquired, transitions = now, transitions + 1
        return self._write("replace", self._body(acquired, now, transitions, lease["metadata"]["resourceVersion"]))

    def _read(self) -> dict[str, Any] | None:
        """The Lease as the API server wrote it (times stay in its own format), or None when there is none."""
        from kubernetes.client.rest import ApiException

        try:
            response = self.api.read_namespaced_lease(self.name, self.namespace, _preload_content=False)
        except ApiException as exc:
            if exc.status == 404:
                return None
            raise
        return dict(json.loads(response.data))

    def _expired(self, record: Record) -> bool:
        """True when `record` has stayed the same for longer than the lease duration, by this clock."""
        if record != self._observed:
            self._observed, self._observed_at = record, time.monotonic()
            return False
        return time.monotonic() - self._observed_at > self.duration

    def _body(self, acquired: str, renewed: str, transitions: int, version: str | None) -> dict[str, Any]:
        metadata: dict[str, Any] = {"name": self.name, "namespace": self.namespace}
        if version:
            metadata["resourceVersion"] = version
        return {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": metadata, "spec": {
            "holderIdentity": self.identity, "leaseDurationSeconds": max(1, round(self.duration)),
            "acquireTime": acquired, "renewTime": renewed, "leaseTransitions": transitions}}

    def _write(self, verb: str, body: dict[str, Any]) -> bool:
        from kubernetes.client.rest import ApiException

        try:
            if verb == "create":
                self.api.create_namespaced_lease(self.namespace, body)
            else:
                self.api.replace_namespaced_lease(self.name, self.namespace, body)
        except ApiException as exc:
            if exc.status not in (404, 409):  # someone else wrote first: not ours this round
                LOG.warning("%s Lease %s/%s: %s", verb, self.namespace, self.name, api_message(exc))
            return False
        self._observed = None  # ours now: what was observed of an earlier holder no longer counts
        return True

    # --- the loops ----------------------------------------------------------------------------------------

    def acquire(self) -> None:
        """Block until this candidate holds the Lease."""
        LOG.info("waiting to lead: Lease %s/%s, identity %s", self.namespace, self.name, self.identity)
        while not self.try_acquire_or_renew():
            self._stop.wait(self.retry)
        LOG.info("leading: Lease %s/%s held by %s", self.namespace, self.name, self.identity)

    def keep(self, on_lost: Callable[[], None]) -> threading.Thread:
        """Renew from a daemon thread; `on_lost` runs once when the Lease is lost."""

        def renew() -> None:
            last = time.monotonic()
            while not self._stop.wait(self.retry):
                if self.try_acquire_or_renew():
                    last = time.monotonic()
                elif self._other_holder() or time.monotonic() - last > self.renew_deadline:
                    LOG.error("lost the Lease %s/%s: stopping", self.namespace, self.name)
                    on_lost()
                    return

        thread = threading.Thread(target=renew, name="lease-renewal", daemon=True)
        thread.start()
        return thread

    def _other_holder(self) -> bool:
        return self._observed is not None and self._observed[0] not in ("", self.identity)

    def release(self) -> None:
        """Stop renewing and hand the Lease back (only when still ours)."""
        from kubernetes.client.rest import ApiException

        self._stop.set()
        try:
            lease = self._read()
        except ApiException as exc:
            LOG.warning("reading Lease %s/%s: %s", self.namespace, self.name, api_message(exc))
            return
        spec = (lease or {}).get("spec") or {}
        if lease is None or spec.get("holderIdentity") != self.identity:
            return
        body = self._body(str(spec.get("acquireTime")), str(spec.get("renewTime")),
                          int(spec.get("leaseTransitions") or 0), lease["metadata"]["resourceVersion"])
        body["spec"].update(holderIdentity="", leaseDurationSeconds=1)
        if self._write("replace", body):
            LOG.info("released the Lease %s/%s", self.namespace, self.name)
