"""The migration's state machine as a pure function: (spec, status) → what to do next.

Order is fixed (api.models.PHASES). In Manual mode nothing runs until the next phase is listed in
spec.approvals; an approval for any other phase has no effect.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .api.models import PHASES, MigrationSpec, MigrationStatus, PhaseName

Action = Literal["idle", "wait", "execute", "rollback", "finish", "finish-rollback"]
TERMINAL = ("Succeeded", "RolledBack")


@dataclass(frozen=True)
class Decision:
    action: Action
    phase: PhaseName | None = None
    status_phase: str = ""
    message: str = ""


def next_phase(status: MigrationStatus) -> PhaseName | None:
    return next((p for p in PHASES if p not in status.completed_phases), None)


def rollback_candidates(status: MigrationStatus) -> list[PhaseName]:
    """Phases that ran (completed or started), newest first, not yet rolled back."""
    started = {r.name for r in status.phase_history} | set(status.completed_phases)
    return [p for p in reversed(PHASES) if p in started and p not in status.rolled_back_phases]


def decide(spec: MigrationSpec, status: MigrationStatus) -> Decision:
    if status.phase in TERMINAL:
        return Decision("idle", status_phase=status.phase, message=status.message)
    if spec.state == "Rollback" or status.phase == "RollingBack":
        candidates = rollback_candidates(status)
        if candidates:
            return Decision("rollback", candidates[0], "RollingBack", f"rolling back {candidates[0].value}")
        return Decision("finish-rollback", status_phase="RolledBack", message="rolled back; the configuration "
                        "equals the backups")
    if status.phase == "Failed":
        return Decision("idle", status_phase="Failed", message=status.message)
    if spec.state == "Pending":
        return Decision("idle", status_phase="Pending", message="set spec.state to Running to start")
    if spec.state == "Paused":
        return Decision("idle", status_phase="Paused", message="paused by spec.state")
    phase = next_phase(status)
    if phase is None:
        return Decision("finish", status_phase="Succeeded", message="migration complete")
    if spec.approval_mode == "Manual" and phase not in spec.approvals:
        return Decision("wait", phase, "WaitingForApproval",
                        f"waiting for approval of {phase.value}: add it to spec.approvals")
    return Decision("execute", phase, "Running", f"running {phase.value}")


def progress(status: MigrationStatus) -> int:
    return round(100 * len(status.completed_phases) / len(PHASES))
