"""Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection does it, so a controller's
Deployment can run several replicas with exactly one of them reconciling.

- A candidate takes the Lease when it does not exist, is already its own, or has not been renewed for the
  Lease's own `leaseDurationSeconds` *as this candidate observed it* (the holder's clock is never trusted: the
  candidate times how long the record stays unchanged). Every write names the resourceVersion it read, so two
  candidates never both win.
- The leader renews every `retry` seconds. Any failure is a failed renewal: a refusal, a refused or reset
  connection, a timeout (every Lease call has one, below the renew deadline). When it has not renewed for
  `renew_deadline` seconds (or finds another holder) it has lost the Lease and must stop at once: `on_lost` is
  called (the controllers exit, and their Deployment starts them again as candidates). As renew_deadline <
  duration, it stops before any candidate can take the Lease.
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
Record = tuple[str, str, float]  # (holderIdentity, renewTime, leaseDurationSeconds) as last read


def bounded(seconds: float) -> tuple[float, float]:
    """A request timeout the kubernetes client honours: (connect incl. TLS handshake, read). It silently
    ignores a single float (only an int or a pair is read), which would leave a call unbounded."""
    return (seconds, seconds)


def check_timings(duration: float, renew_deadline: float, retry: float) -> None:
    """client-go's rules: 0 < retry < renew_deadline < duration (else a leader could still act after another
    candidate took the Lease); raises ValueError naming the values."""
    if not 0 < retry < renew_deadline < duration:
        raise ValueError(f"leader election needs 0 < retry ({retry:g}s) < renew deadline ({renew_deadline:g}s) < "
                         f"lease duration ({duration:g}s)")


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
    _timeout: float = 0.0

    def __post_init__(self) -> None:
        check_timings(self.duration, self.renew_deadline, self.retry)
        self._timeout = min(self.retry, self.renew_deadline / 2)

    # --- one attempt --------------------------------------------------------------------------------------

    def try_acquire_or_renew(self, timeout: float | None = None) -> bool:
        """One read and at most one write, each within `timeout` seconds; True when this candidate holds the
        Lease afterwards. Any failure (refusal, connection refused or reset, timeout) is a False."""
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        limit = max(0.1, min(self._timeout, timeout if timeout is not None else self._timeout))
        try:
            lease = self._read(limit)
        except Exception as exc:  # noqa: BLE001 - whatever the cause, the Lease was not read
            LOG.warning("reading Lease %s/%s: %s", self.namespace, self.name, api_message(exc))
            return False
        if lease is None:
            return self._write("create", self._body(now, now, 0, None), limit)
        spec = lease.get("spec") or {}
        holder, renewed = spec.get("holderIdentity") or "", str(spec.get("renewTime") or "")
        lasts = float(spec.get("leaseDurationSeconds") or self.duration)
        if holder and holder != self.identity and not self._expired((holder, renewed, lasts)):
            return False
        transitions = int(spec.get("leaseTransitions") or 0)
        if holder == self.identity:
            acquired = str(spec.get("acquireTime") or now)
        else:
            acquired, transitions = now, transitions + 1
        return self._write("replace", self._body(acquired, now, transitions, lease["metadata"]["resourceVersion"]),
                           limit)

    def _read(self, timeout: float) -> dict[str, Any] | None:
        """The Lease as the API server wrote it (times stay in its own format), or None when there is none."""
        from kubernetes.client.rest import ApiException

        try:
            response = self.api.read_namespaced_lease(self.name, self.namespace, _preload_content=False,
                                                      _request_timeout=bounded(timeout))
        except ApiException as exc:
            if exc.status == 404:
                return None
            raise
        return dict(json.loads(response.data))

    def _expired(self, record: Record) -> bool:
        """True when `record` has stayed the same for longer than the Lease's own duration, by this clock."""
        if record != self._observed:
            self._observed, self._observed_at = record, time.monotonic()
            return False
        return time.monotonic() - self._observed_at > record[2]

    def _body(self, acquired: str, renewed: str, transitions: int, version: str | None) -> dict[str, Any]:
        metadata: dict[str, Any] = {"name": self.name, "namespace": self.namespace}
        if version:
            metadata["resourceVersion"] = version
        return {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": metadata, "spec": {
            "holderIdentity": self.identity, "leaseDurationSeconds": max(1, round(self.duration)),
            "acquireTime": acquired, "renewTime": renewed, "leaseTransitions": transitions}}

    def _write(self, verb: str, body: dict[str, Any], timeout: float) -> bool:
        try:
            if verb == "create":
                self.api.create_namespaced_lease(self.namespace, body, _request_timeout=bounded(timeout))
            else:
                self.api.replace_namespaced_lease(self.name, self.namespace, body, _request_timeout=bounded(timeout))
        except Exception as exc:  # noqa: BLE001 - a refusal, a conflict or no answer: not ours this round
            if getattr(exc, "status", None) not in (404, 409):  # 404/409: someone else wrote first
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
            while True:
                left = self.renew_deadline - (time.monotonic() - last)
                if self._stop.wait(max(0.0, min(self.retry, left))):
                    return
                left = self.renew_deadline - (time.monotonic() - last)
                if left > 0 and self.try_acquire_or_renew(timeout=left):
                    last = time.monotonic()
                elif self._other_holder() or time.monotonic() - last >= self.renew_deadline:
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
        self._stop.set()
        try:
            lease = self._read(self._timeout)
        except Exception as exc:  # noqa: BLE001 - nothing to release when it cannot be read
            LOG.warning("reading Lease %s/%s: %s", self.namespace, self.name, api_message(exc))
            return
        spec = (lease or {}).get("spec") or {}
        if lease is None or spec.get("holderIdentity") != self.identity:
            return
        body = self._body(str(spec.get("acquireTime")), str(spec.get("renewTime")),
                          int(spec.get("leaseTransitions") or 0), lease["metadata"]["resourceVersion"])
        body["spec"].update(holderIdentity="", leaseDurationSeconds=1)
        if self._write("replace", body, self._timeout):
            LOG.info("released the Lease %s/%s", self.namespace, self.name)
