"""Everything a phase needs for one reconcile: the migration, the cluster, vCenter sessions, backups, call log."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, NamedTuple

from platform_common.clock import parse, stamp

from .api.models import MigrationSpec, MigrationStatus, PhaseName
from .openshift.backups import BackupStore
from .openshift.cluster import INFRASTRUCTURE, MIGRATIONS, VSPHERE_CREDS, Cluster, ClusterError
from .vsphere.calllog import CallLog
from .vsphere.client import Endpoint, VSphereClient, VSphereError

CONFLICT = 409


class StatusConflict(ClusterError):
    """The migration was written by someone else since this step read it: the step must end, not overwrite."""


@dataclass
class Event:
    reason: str
    message: str
    warning: bool = False


class Credentials(NamedTuple):
    """A vCenter login; its repr never shows the password."""

    username: str
    password: str

    def __repr__(self) -> str:
        return f"Credentials(username={self.username!r}, password=<redacted>)"


@dataclass
class MigrationContext:
    name: str
    namespace: str
    uid: str
    spec: MigrationSpec
    status: MigrationStatus
    cluster: Cluster
    log: CallLog
    events: list[Event] = field(default_factory=list)
    finished: str | None = None  # "execute <Phase>" / "rollback <Phase>" when this step completed one
    resource_version: str | None = None  # the migration's version this step's writes are computed from
    _sessions: dict[str, VSphereClient] = field(default_factory=dict)

    @property
    def backups(self) -> BackupStore:
        return BackupStore(self.cluster, self.name, self.namespace, self.uid)

    def emit(self, reason: str, message: str, *, warning: bool = False) -> None:
        self.events.append(Event(reason, message, warning))

    def write_ahead(self, field: str, value: Any) -> None:
        """Record what a rollback or a resumed run needs (a field of status.recorded), and persist it on the
        API server *before* the side effect it describes: a controller killed after the side effect then still
        finds the record."""
        setattr(self.status.recorded, field, value)
        self.persist({"recorded": self.status.recorded.model_dump(by_alias=True, mode="json", include={field})})

    def persist(self, patch: dict[str, Any]) -> None:
        """Write part of the status now, fenced: only onto the version this step read (or last wrote). A
        conflict (another writer since, e.g. a new leader) raises ClusterError 409 and the step ends before its
        side effect; the next reconcile starts again from what the API server holds."""
        try:
            written = self.cluster.patch_status(MIGRATIONS, self.namespace, self.name, patch,
                                                resource_version=self.resource_version)
        except ClusterError as exc:
            if exc.status == CONFLICT:
                raise StatusConflict(f"write status of {self.namespace}/{self.name}", exc.status,
                                     exc.api_message) from None
            raise
        if self.resource_version is not None:
            self.resource_version = str((written.get("metadata") or {}).get("resourceVersion") or "") or None

    def timeout_at(self, phase: PhaseName) -> str | None:
        """When the running step (execution, or rollback while rolling back) of `phase` times out."""
        start = self.status.recorded.rollback_since.get(phase.value) if self.status.phase == "RollingBack" \
            else self.status.current_phase_start_time
        return stamp(parse(start) + timedelta(seconds=self.spec.timeout_seconds(phase))) if start else None

    # --- cluster facts ------------------------------------------------------------------------------------

    def infrastructure(self) -> dict[str, Any]:
        return self.cluster.get_cluster_object(INFRASTRUCTURE, "cluster")

    def infra_id(self) -> str:
        infra_id = (self.infrastructure().get("status") or {}).get("infrastructureName")
        if not infra_id:
            raise ClusterError("read Infrastructure cluster", 0, "status.infrastructureName is empty")
        return str(infra_id)

    def vcenters(self) -> list[dict[str, Any]]:
        spec = self.infrastructure().get("spec") or {}
        return list(((spec.get("platformSpec") or {}).get("vsphere") or {}).get("vcenters") or [])

    # --- vCenter sessions ---------------------------------------------------------------------------------

    def _ca_bundle(self, ref: Any) -> str | None:
        if ref is None:
            return None
        cm = self.cluster.config_map(ref.namespace, ref.name)
        value = (cm.data or {}).get(ref.key)
        if not value:
            raise ClusterError(f"read CA bundle {ref.namespace}/{ref.name}", 0, f"key {ref.key!r} is missing")
        return str(value)

    def source_endpoint(self) -> Endpoint:
        server = self.status.source_server
        entry = next((v for v in self.vcenters() if v.get("server") == server), None)
        if entry is None:
            raise VSphereError(f"source vCenter {server} is not in the Infrastructure vcenters list")
        src = self.spec.source_vcenter
        return Endpoint(str(server), int(entry.get("port") or 443), self._ca_bundle(src.ca_bundle),
                        src.insecure_skip_verify)

    def target_endpoint(self) -> Endpoint:
        t = self.spec.target_vcenter
        return Endpoint(t.server, t.port, self._ca_bundle(t.ca_bundle), t.insecure_skip_verify)

    def source_credentials(self) -> Credentials:
        secret = self.cluster.secret(*VSPHERE_CREDS)
        data = secret.data or {}
        server = self.status.source_server
        try:
            return Credentials(base64.b64decode(data[f"{server}.username"]).decode(),
                               base64.b64decode(data[f"{server}.password"]).decode())
        except KeyError:
            raise ClusterError("read kube-system/vsphere-creds", 0,
                               f"keys {server}.username and {server}.password are required") from None

    def target_credentials(self) -> Credentials:
        ref = self.spec.target_vcenter.credentials_secret
        data = self.cluster.secret(ref.namespace, ref.name).data or {}
        try:
            return Credentials(base64.b64decode(data["username"]).decode(),
                               base64.b64decode(data["password"]).decode())
        except KeyError:
            raise ClusterError(f"read secret {ref.namespace}/{ref.name}", 0,
                               "keys username and password are required") from None

    def source(self) -> VSphereClient:
        return self._session("source", self.source_endpoint, self.source_credentials)

    def target(self) -> VSphereClient:
        return self._session("target", self.target_endpoint, self.target_credentials)

    def _session(self, role: str, endpoint: Any, credentials: Any) -> VSphereClient:
        if role not in self._sessions:
            login: Credentials = credentials()
            self.log.register_secret(login.password)
            session = VSphereClient(endpoint(), login.username, login.password, self.log)
            session.login()
            self._sessions[role] = session
        return self._sessions[role]

    def close(self) -> None:
        for session in self._sessions.values():
            session.logout()
        self._sessions.clear()
