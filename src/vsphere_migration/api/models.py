"""Typed model of `VmwareCloudFoundationMigration` (migration.openshift.io/v1alpha1, short name vcfm).

The spec is the user's intent and is never edited by the controller; everything the controller learns or does
goes to the status. Approvals (Manual mode) are `spec.approvals`: a list of phase names; a phase runs only when
it is the next phase and is listed there, so approving a later phase has no effect until it is next.
"""

from __future__ import annotations

import json
import re
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, create_model, model_validator
from pydantic.alias_generators import to_camel

GROUP = "migration.openshift.io"
VERSION = "v1alpha1"
KIND = "VmwareCloudFoundationMigration"
PLURAL = "vmwarecloudfoundationmigrations"
SHORT_NAME = "vcfm"


class PhaseName(StrEnum):
    PREFLIGHT = "Preflight"
    BACKUP = "Backup"
    DISABLE_CVO = "DisableCVO"
    UPDATE_SECRETS = "UpdateSecrets"
    CREATE_TAGS = "CreateTags"
    CREATE_FOLDER = "CreateFolder"
    UPDATE_INFRASTRUCTURE = "UpdateInfrastructure"
    UPDATE_CONFIG = "UpdateConfig"
    RESTART_PODS = "RestartPods"
    MONITOR_HEALTH = "MonitorHealth"
    CREATE_WORKERS = "CreateWorkers"
    RECREATE_CPMS = "RecreateCPMS"
    SCALE_OLD = "ScaleOld"
    CLEANUP = "Cleanup"
    VERIFY = "Verify"


PHASES: tuple[PhaseName, ...] = tuple(PhaseName)

DURATION_RE = re.compile(r"^([0-9]+(\.[0-9]+)?(s|m|h))+$")
DURATION_PATTERN = r"^([0-9]+(\.[0-9]+)?(s|m|h))+$"


def parse_duration(text: str) -> float:
    """Seconds in a Go-style duration such as 90s, 15m or 1h30m."""
    if not DURATION_RE.match(text):
        raise ValueError(f"expected a duration such as 90s, 15m or 1h30m, got {text!r}")
    scale = {"s": 1, "m": 60, "h": 3600}
    return sum(float(n) * scale[u] for n, _, u in re.findall(r"([0-9]+(\.[0-9]+)?)(s|m|h)", text))


def _duration(value: str) -> str:
    parse_duration(value)
    return value


Duration = Annotated[str, AfterValidator(_duration), Field(pattern=DURATION_PATTERN)]
Name = Annotated[str, Field(min_length=1, max_length=253, pattern=r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")]
Server = Annotated[str, Field(min_length=1, max_length=255, pattern=r"^[A-Za-z0-9]([-A-Za-z0-9.:]*[A-Za-z0-9])?$",
                              description="vCenter host name or IP address (no scheme, no path).")]

DEFAULT_TIMEOUTS: dict[PhaseName, str] = {
    PhaseName.PREFLIGHT: "10m", PhaseName.BACKUP: "10m", PhaseName.DISABLE_CVO: "10m",
    PhaseName.UPDATE_SECRETS: "5m", PhaseName.CREATE_TAGS: "10m", PhaseName.CREATE_FOLDER: "10m",
    PhaseName.UPDATE_INFRASTRUCTURE: "10m", PhaseName.UPDATE_CONFIG: "10m", PhaseName.RESTART_PODS: "15m",
    PhaseName.MONITOR_HEALTH: "30m", PhaseName.CREATE_WORKERS: "60m", PhaseName.RECREATE_CPMS: "90m",
    PhaseName.SCALE_OLD: "30m", PhaseName.CLEANUP: "30m", PhaseName.VERIFY: "15m",
}


class ApiModel(BaseModel):
    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=True, frozen=True)


class SecretReference(ApiModel):
    """A Secret with keys `username` and `password`."""

    name: Name
    namespace: Name


class ConfigMapKeyReference(ApiModel):
    """A PEM CA bundle in a ConfigMap key."""

    name: Name
    namespace: Name
    key: str = Field("ca-bundle.crt", min_length=1, max_length=253)


class VCenterConnection(ApiModel):
    server: Server
    port: int = Field(443, ge=1, le=65535)
    ca_bundle: ConfigMapKeyReference | None = Field(None, description="CA bundle to verify the vCenter certificate; "
                                                    "the system trust store when unset.")
    insecure_skip_verify: bool = Field(False, description="Disable TLS verification (never in production).")


class TargetVCenter(VCenterConnection):
    datacenters: list[Annotated[str, Field(min_length=1, max_length=80)]] = Field(min_length=1, max_length=10)
    credentials_secret: SecretReference


class SourceVCenter(ApiModel):
    """How to reach the source vCenter; server and credentials come from the cluster (Infrastructure and
    kube-system/vsphere-creds)."""

    ca_bundle: ConfigMapKeyReference | None = None
    insecure_skip_verify: bool = False


PathString = Annotated[str, Field(max_length=2048)]


class Topology(ApiModel):
    datacenter: str = Field(min_length=1, max_length=80)
    compute_cluster: PathString = Field(pattern=r"^/.*?/host/.*?", description="/<datacenter>/host/<cluster>")
    datastore: PathString = Field(pattern=r"^/.*?/datastore/.*?", description="/<datacenter>/datastore/<name>")
    networks: list[Annotated[str, Field(min_length=1, max_length=255)]] = Field(min_length=1, max_length=10)
    resource_pool: PathString | None = Field(None, pattern=r"^/.*?/host/.*?/Resources.*",
                                             description="/<datacenter>/host/<cluster>/Resources[/<pool>]")
    folder: PathString | None = Field(None, pattern=r"^/.*?/vm/.*?",
                                      description="/<datacenter>/vm/<folder>; default /<datacenter>/vm/<infraID>")
    template: PathString = Field(pattern=r"^/.*?/vm/.*?", description="RHCOS template VM: /<datacenter>/vm/<path>")


class FailureDomain(ApiModel):
    name: Annotated[str, Field(min_length=1, max_length=256)]
    region: Annotated[str, Field(min_length=1, max_length=80)]
    zone: Annotated[str, Field(min_length=1, max_length=80)]
    server: Server
    topology: Topology


class Workers(ApiModel):
    machine_sets: list[Name] | None = Field(None, description="Worker MachineSets to recreate on the target; "
                                            "default all worker MachineSets.")
    replicas_per_failure_domain: int | None = Field(None, ge=0, le=1000, description="Default: the replicas "
                                                    "the old MachineSets had, spread over the failure domains.")


PhaseTimeouts = create_model(  # one optional duration per phase, keyed by the phase name
    "PhaseTimeouts", __base__=ApiModel,
    **{p.value: (Duration | None, Field(None, alias=p.value, description=f"default {DEFAULT_TIMEOUTS[p]}"))
       for p in PhaseName},  # type: ignore[call-overload]
)


class MigrationSpec(ApiModel):
    state: Literal["Pending", "Running", "Paused", "Rollback"] = Field(
        "Pending", description="The user's intent: Pending, Running, Paused or Rollback.")
    approval_mode: Literal["Automatic", "Manual"] = Field(
        "Manual", description="Manual: the controller waits before every phase until it is listed in approvals.")
    approvals: list[PhaseName] = Field(default_factory=list, max_length=15, json_schema_extra={
        "x-kubernetes-list-type": "set"}, description="Approved phases (Manual mode); only the next phase counts.")
    source_vcenter: SourceVCenter = Field(default_factory=SourceVCenter, alias="sourceVCenter")
    target_vcenter: TargetVCenter = Field(alias="targetVCenter")
    failure_domains: list[FailureDomain] = Field(min_length=1, max_length=32)
    workers: Workers = Field(default_factory=Workers)
    rollback_on_failure: bool = True
    phase_timeouts: PhaseTimeouts = Field(default_factory=lambda: PhaseTimeouts(),
                                          description="Per-phase timeouts, e.g. {MonitorHealth: 45m}.")

    def timeout_seconds(self, phase: PhaseName) -> float:
        configured: str | None = getattr(self.phase_timeouts, phase.value)
        return parse_duration(configured or DEFAULT_TIMEOUTS[phase])


# --- status ---------------------------------------------------------------------------------------------------

OverallPhase = Literal["Pending", "Running", "WaitingForApproval", "Paused", "Succeeded", "Failed", "RollingBack",
                       "RolledBack"]
PhaseResult = Literal["Running", "Succeeded", "Failed", "RolledBack", "RollbackFailed"]


class StatusModel(BaseModel):
    """Status is written by the controller only; unknown fields from other writers are ignored on read."""

    model_config = ConfigDict(extra="ignore", alias_generator=to_camel, populate_by_name=True)


class PhaseRecord(StatusModel):
    name: PhaseName
    result: PhaseResult
    start_time: str
    end_time: str | None = None
    message: str = ""
    vsphere_calls: int = 0


class Condition(StatusModel):
    type: str
    status: Literal["True", "False", "Unknown"]
    reason: str
    message: str = ""
    last_transition_time: str
    observed_generation: int | None = None


class BackupRecord(StatusModel):
    kind: str
    namespace: str | None = None
    name: str
    stored_in: str = Field(description="kind/namespace/name of the owned object holding the copy")
    key: str
    sha256: str | None = Field(None, description="Checksum of the stored YAML (not recorded for credentials).")
    time: str


class CallSummary(StatusModel):
    time: str
    server: str
    api: Literal["soap", "rest"]
    method: str
    duration_ms: float
    outcome: str
    detail: str = ""


class TagObjects(StatusModel):
    categories: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    attachments: list[list[str]] = Field(default_factory=list, description="[tag, object type, object id]")


class TagLedger(TagObjects):
    """IDs of what CreateTags created, and the names it was about to create (written before each creation)."""

    intended: TagObjects = Field(default_factory=TagObjects, description="categories by name, tags as "
                                 "category/tag, attachments by tag id")


LEGACY_KEYS = {"cvo/replicas": "cvoReplicas", "workers/old": "oldWorkerSets",
               "tags/created": "createdTags", "folders/created": "createdFolders"}


class Recorded(StatusModel):
    """What phases recorded for a resumed run and for rollback, persisted before the side effect it describes
    (never credentials)."""

    cvo_replicas: int | None = Field(None, description="DisableCVO: replicas before the scale-down")
    machine_set_replicas: dict[str, int] = Field(default_factory=dict,
                                                 description="Backup: MachineSet name → replicas before the migration")
    old_worker_sets: list[str] | None = Field(None, description="CreateWorkers: the MachineSets it replaces")
    created_tags: TagLedger | None = None
    created_folders: list[str] | None = Field(None, description="CreateFolder: folder paths it created")
    restarted_pods: dict[str, list[str]] | None = Field(None, description="RestartPods: 'namespace label=value' → "
                                                        "uids of the pods it deleted")
    config_restart: dict[str, list[str]] | None = Field(None, description="UpdateConfig's rollback: 'namespace "
                                                        "label=value' → uids of the pods to restart once the "
                                                        "restored cloud-provider-config is written")
    rollback_since: dict[str, str] = Field(default_factory=dict, description="phase → when its rollback began")

    @model_validator(mode="before")
    @classmethod
    def _from_string_map(cls, data: Any) -> Any:
        """Read the string map an earlier controller wrote (in-flight migrations keep working)."""
        if not isinstance(data, dict) or not any("/" in str(k) for k in data):
            return data
        out: dict[str, Any] = {k: v for k, v in data.items() if "/" not in str(k)}
        for key, value in data.items():
            prefix, _, rest = str(key).partition("/")
            if key in LEGACY_KEYS:
                out[LEGACY_KEYS[key]] = json.loads(value) if key != "cvo/replicas" else int(value)
            elif prefix == "replicas":
                out.setdefault("machineSetReplicas", {})[rest] = int(value)
            elif prefix == "rollback-since":
                out.setdefault("rollbackSince", {})[rest] = value
        return out


class ControlPlaneRollout(StatusModel):
    """RecreateCPMS (or its rollback): the control plane moving to `server`."""

    server: str
    state: str = Field(description="the ControlPlaneMachineSet's spec.state")
    updated: int = Field(description="control-plane Machines on `server`")
    ready: int = Field(description="of those, Running with a Ready Node")
    total: int = Field(description="the ControlPlaneMachineSet's replicas")
    etcd: str = ""
    timeout_at: str | None = Field(None, description="when the phase times out")


class DomainRollout(StatusModel):
    """CreateWorkers: one failure domain's new MachineSet."""

    failure_domain: str
    machine_set: str
    desired: int
    created: int = Field(description="Machines that exist")
    running: int = Field(description="Machines in phase Running")
    nodes_ready: int = Field(description="Machines whose Node is Ready")


class WorkerRollout(StatusModel):
    domains: list[DomainRollout] = Field(default_factory=list, max_length=32)
    old_machines_deleting: list[str] = Field(default_factory=list, max_length=64,
                                             description="ScaleOld: old worker Machines still being deleted")
    timeout_at: str | None = None


class Rollout(StatusModel):
    control_plane: ControlPlaneRollout | None = None
    workers: WorkerRollout | None = None


class MigrationStatus(StatusModel):
    phase: OverallPhase = "Pending"
    current_phase: PhaseName | None = None
    current_phase_start_time: str | None = None
    progress: int = Field(0, ge=0, le=100)
    message: str = ""
    observed_generation: int | None = None
    phase_history: list[PhaseRecord] = Field(default_factory=list, max_length=200)
    completed_phases: list[PhaseName] = Field(default_factory=list, max_length=15)
    rolled_back_phases: list[PhaseName] = Field(default_factory=list, max_length=15)
    conditions: list[Condition] = Field(default_factory=list, max_length=16)
    backups: list[BackupRecord] = Field(default_factory=list, max_length=64)
    recorded: Recorded = Field(default_factory=Recorded)
    recent_calls: list[CallSummary] = Field(default_factory=list, max_length=50)
    source_server: str | None = None
    target_server: str | None = None
    rollout: Rollout = Field(default_factory=Rollout, description="Machine rollout progress of the phases that "
                             "replace Machines")
