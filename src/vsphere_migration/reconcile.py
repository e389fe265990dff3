"""One reconcile of one migration: decide, run at most one phase step, and return the new status.

Everything is recorded in the status, so a restarted controller resumes where the last one stopped (a phase
interrupted mid-way runs again; phases are idempotent).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from platform_common.clock import seconds_since, stamp

from .api.models import Condition, MigrationSpec, MigrationStatus, PhaseName, PhaseRecord
from .context import Event, MigrationContext, StatusConflict
from .openshift.cluster import Cluster, ClusterError
from .phases import REGISTRY, Outcome, done, failed, requeue
from .statemachine import Decision, decide, next_phase, progress
from .vsphere.calllog import CallLog
from .vsphere.client import TaskStillRunning, VSphereError, vmodl

LOG = logging.getLogger("vsphere_migration.reconcile")
RECENT_CALLS_IN_STATUS = 20
IDLE_DELAY, RUNNING_DELAY, TRANSIENT_RETRY, ROLLBACK_RETRY = 30.0, 0.0, 2.0, 2.0


@dataclass
class Result:
    status: dict[str, Any]
    delay: float | None
    events: list[Event] = field(default_factory=list)
    finished: str | None = None  # "execute <Phase>" / "rollback <Phase>": the step completed that phase
    calls: list[dict[str, Any]] = field(default_factory=list)  # the vSphere calls this step made (summaries)
    resource_version: str | None = None  # the version the status write must be fenced with (the step's last)


def set_condition(status: MigrationStatus, type_: str, value: bool, reason: str, message: str,
                  generation: int | None) -> None:
    wanted = "True" if value else "False"
    for i, c in enumerate(status.conditions):
        if c.type == type_:
            if c.status != wanted or c.reason != reason or c.message != message:
                changed = c.status != wanted
                status.conditions[i] = Condition(type=type_, status=wanted, reason=reason, message=message,
                                                 last_transition_time=stamp() if changed else c.last_transition_time,
                                                 observed_generation=generation)
            return
    status.conditions.append(Condition(type=type_, status=wanted, reason=reason, message=message,
                                       last_transition_time=stamp(), observed_generation=generation))


def _retrying(status: MigrationStatus, phase: PhaseName, transient: bool, message: str) -> None:
    """Condition Retrying: True while a step is retried after an error that may pass (API server unavailable,
    a rollback step refused); terminal failures set Failed instead."""
    set_condition(status, "Retrying", transient, f"{phase.value}Retrying" if transient else "NotRetrying",
                  message if transient else "", None)


def _running_record(status: MigrationStatus, phase: PhaseName) -> tuple[PhaseRecord, bool]:
    """The phase's Running record, and whether it is new (the phase starts with this step)."""
    last = status.phase_history[-1] if status.phase_history else None
    if last is not None and last.name == phase and last.result == "Running":
        return last, False
    last = PhaseRecord(name=phase, result="Running", start_time=stamp())
    status.phase_history.append(last)
    status.current_phase_start_time = last.start_time
    return last, True


def _persist_start(ctx: MigrationContext) -> Outcome:
    """Persist that the phase started before its first side effect: a controller that dies anywhere inside the
    phase leaves a Running record, so a rollback requested afterwards undoes this phase too."""
    status = ctx.status
    ctx.persist({"phase": status.phase, "currentPhase": status.current_phase and status.current_phase.value,
                 "currentPhaseStartTime": status.current_phase_start_time,
                 "phaseHistory": [r.model_dump(by_alias=True, exclude_none=True, mode="json")
                                  for r in status.phase_history]})
    return done()


def _guarded(step: Any, ctx: MigrationContext) -> Outcome:
    try:
        outcome: Outcome = step(ctx)
        return outcome
    except StatusConflict:
        return requeue(TRANSIENT_RETRY, "the migration changed since this step read it (another writer); "
                       "reading it again", transient=True)
    except ClusterError as exc:
        return requeue(TRANSIENT_RETRY, f"retrying after a transient API error: {exc}", transient=True) \
            if exc.transient else failed(str(exc))
    except TaskStillRunning as exc:
        return requeue(TRANSIENT_RETRY, f"{exc}; checking again")
    except VSphereError as exc:
        return failed(str(exc))
    except vmodl.MethodFault as exc:
        return failed(f"vSphere fault {type(exc).__name__}: {ctx.log.redact(str(getattr(exc, 'msg', '') or exc))}")
    except Exception as exc:  # noqa: BLE001 - a bug must fail the phase, not crash-loop the controller
        LOG.exception("phase step raised")
        return failed(f"internal error: {type(exc).__name__}: {ctx.log.redact(str(exc))}")


def _execute(ctx: MigrationContext, decision: Decision) -> float | None:
    status, phase_name = ctx.status, decision.phase
    assert phase_name is not None
    phase = REGISTRY[phase_name]
    record, started = _running_record(status, phase_name)
    status.phase, status.current_phase = "Running", phase_name
    calls_before = ctx.log.total
    start = _guarded(_persist_start, ctx) if started else done()
    if start.kind != "done":
        outcome = start
    elif seconds_since(record.start_time) > ctx.spec.timeout_seconds(phase_name):
        outcome = failed(f"{phase_name.value} timed out after {ctx.spec.timeout_seconds(phase_name):.0f}s: "
                         f"{record.message or 'no progress'}")
    else:
        problems = phase.validate(ctx)
        outcome = failed("; ".join(problems)) if problems else _guarded(phase.execute, ctx)
    record.vsphere_calls += ctx.log.total - calls_before
    record.message = outcome.message
    _retrying(status, phase_name, outcome.transient, outcome.message)
    if outcome.kind == "requeue":
        status.message = f"{phase_name.value}: {outcome.message}"
        return outcome.after
    record.result, record.end_time = ("Succeeded" if outcome.kind == "done" else "Failed"), stamp()
    if outcome.kind == "done":
        ctx.finished = f"execute {phase_name.value}"
        status.completed_phases.append(phase_name)
        status.progress = progress(status)
        status.current_phase = next_phase(status)
        status.message = f"{phase_name.value} succeeded: {outcome.message}"
        ctx.emit("PhaseSucceeded", status.message)
        return RUNNING_DELAY
    status.message = f"{phase_name.value} failed: {outcome.message}"
    ctx.emit("PhaseFailed", status.message, warning=True)
    set_condition(status, "Failed", True, f"{phase_name.value}Failed", outcome.message, None)
    status.phase = "RollingBack" if ctx.spec.rollback_on_failure else "Failed"
    return RUNNING_DELAY


def _rollback(ctx: MigrationContext, decision: Decision) -> float | None:
    """Roll back one phase. A failing rollback is retried (the cause may be transient: a vCenter fault, an
    admission policy) until that phase's timeout; only then does the migration stop as Failed."""
    status, phase_name = ctx.status, decision.phase
    assert phase_name is not None
    status.phase, status.current_phase = "RollingBack", phase_name
    since = status.recorded.rollback_since.setdefault(phase_name.value, stamp())
    start, calls_before = stamp(), ctx.log.total
    outcome = _guarded(REGISTRY[phase_name].rollback, ctx)
    if outcome.kind == "requeue":
        status.message = f"rolling back {phase_name.value}: {outcome.message}"
        return outcome.after
    retried = outcome.kind == "failed" and seconds_since(since) <= ctx.spec.timeout_seconds(phase_name)
    _retrying(status, phase_name, outcome.transient or retried, outcome.message)
    if retried:
        status.message = f"rollback of {phase_name.value} failed, retrying: {outcome.message}"
        return ROLLBACK_RETRY
    ok = outcome.kind == "done"
    status.recorded.rollback_since.pop(phase_name.value, None)
    status.phase_history.append(PhaseRecord(name=phase_name, result="RolledBack" if ok else "RollbackFailed",
                                            start_time=start, end_time=stamp(), message=outcome.message,
                                            vsphere_calls=ctx.log.total - calls_before))
    if ok:
        ctx.finished = f"rollback {phase_name.value}"
        status.rolled_back_phases.append(phase_name)
        status.message = f"rolled back {phase_name.value}: {outcome.message}"
        ctx.emit("PhaseRolledBack", status.message)
        return RUNNING_DELAY
    status.phase = "Failed"
    status.message = f"rollback of {phase_name.value} failed: {outcome.message}; fix the cause; the rollback " \
                     "is retried while spec.state is Rollback"
    ctx.emit("RollbackFailed", status.message, warning=True)
    return None


def step(ctx: MigrationContext, generation: int | None = None) -> float | None:
    """Advance the migration by at most one phase step; returns the delay before the next step."""
    decision = decide(ctx.spec, ctx.status)
    status = ctx.status
    status.observed_generation = generation
    if decision.action == "execute":
        delay = _execute(ctx, decision)
    elif decision.action == "rollback":
        if status.phase != "RollingBack":
            ctx.emit("RollbackStarted", "rolling back completed phases in reverse order", warning=True)
        delay = _rollback(ctx, decision)
    else:
        delay = IDLE_DELAY
        if decision.action == "wait" and (status.phase != "WaitingForApproval" or status.current_phase !=
                                          decision.phase):
            ctx.emit("WaitingForApproval", decision.message)
        if decision.action in ("finish", "finish-rollback") and status.phase != decision.status_phase:
            ctx.emit("Migration" + decision.status_phase, decision.message)
        if decision.action == "wait":
            status.current_phase = decision.phase
        if decision.action == "finish":
            status.current_phase, status.progress = None, 100
        if decision.action == "finish-rollback":
            status.current_phase = None
        status.phase = decision.status_phase  # type: ignore[assignment]
        status.message = decision.message  # an idle decision in a final state carries the existing message
    set_condition(status, "WaitingForApproval", status.phase == "WaitingForApproval",
                  "ApprovalRequired" if status.phase == "WaitingForApproval" else "NotWaiting",
                  status.message if status.phase == "WaitingForApproval" else "", generation)
    set_condition(status, "Succeeded", status.phase == "Succeeded", status.phase, "", generation)
    return delay


def reconcile(body: dict[str, Any], cluster: Cluster, log: CallLog) -> Result:
    """Parse the object, take one step, and return the full new status."""
    meta = body["metadata"]
    status_in = MigrationStatus.model_validate(body.get("status") or {})
    try:
        spec = MigrationSpec.model_validate(body.get("spec") or {})
    except ValidationError as exc:
        status_in.phase, status_in.message = "Failed", f"invalid spec: {exc.errors()[0]['msg']}"
        return Result(status_in.model_dump(by_alias=True, exclude_none=True, mode="json"), None,
                      resource_version=meta.get("resourceVersion"))
    ctx = MigrationContext(meta["name"], meta["namespace"], meta["uid"], spec, status_in, cluster, log,
                           resource_version=meta.get("resourceVersion"))
    first_call = log.total
    try:
        delay = step(ctx, meta.get("generation"))
    finally:
        ctx.close()
    new_calls = log.recent()[-(log.total - first_call):] if log.total > first_call else []
    summaries = [{"time": c.time, "server": c.server, "api": c.api, "method": c.method,
                  "durationMs": c.duration_ms, "outcome": c.outcome, "detail": c.detail} for c in new_calls]
    status = ctx.status.model_dump(by_alias=True, exclude_none=True, mode="json")
    status["recentCalls"] = (status.get("recentCalls", []) + summaries)[-RECENT_CALLS_IN_STATUS:]
    return Result(status, delay, ctx.events, ctx.finished, summaries, ctx.resource_version)
