"""The migration state machine: order, approvals, pause, rollback order, terminal states."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vsphere_migration.api.models import PHASES, MigrationSpec, MigrationStatus, PhaseName, PhaseRecord
from vsphere_migration.statemachine import decide, rollback_candidates

TARGET = {"server": "vc-t.example.com", "datacenters": ["DC1"],
          "credentialsSecret": {"name": "t", "namespace": "openshift-config"}}
DOMAIN = {"name": "fd", "region": "r", "zone": "z", "server": "vc-t.example.com", "topology": {
    "datacenter": "DC1", "computeCluster": "/DC1/host/C1", "datastore": "/DC1/datastore/DS1", "networks": ["n"],
    "template": "/DC1/vm/rhcos"}}


def spec(**fields: Any) -> MigrationSpec:
    return MigrationSpec.model_validate({"targetVCenter": TARGET, "failureDomains": [DOMAIN], **fields})


def done_through(n: int) -> MigrationStatus:
    return MigrationStatus(phase="Running", completed_phases=list(PHASES[:n]),
                           phase_history=[PhaseRecord(name=p, result="Succeeded", start_time="t") for p in PHASES[:n]])


def test_defaults_are_safe() -> None:
    s = spec()
    assert (s.state, s.approval_mode, s.rollback_on_failure) == ("Pending", "Manual", True)
    assert s.timeout_seconds(PhaseName.MONITOR_HEALTH) == 1800
    assert spec(phaseTimeouts={"MonitorHealth": "1h30m"}).timeout_seconds(PhaseName.MONITOR_HEALTH) == 5400


@pytest.mark.parametrize("state", ["Pending", "Paused"])
def test_nothing_runs_unless_running(state: str) -> None:
    assert decide(spec(state=state, approvalMode="Automatic"), done_through(3)).action == "idle"


@given(st.integers(0, 14), st.lists(st.sampled_from(PHASES), unique=True))
def test_manual_mode_executes_only_the_next_phase_and_only_when_approved(done: int, approvals: list[Any]) -> None:
    decision = decide(spec(state="Running", approvals=approvals), done_through(done))
    following = PHASES[done]
    if following in approvals:
        assert (decision.action, decision.phase) == ("execute", following)
    else:
        assert (decision.action, decision.phase, decision.status_phase) == ("wait", following, "WaitingForApproval")


def test_approving_a_later_phase_does_nothing() -> None:
    decision = decide(spec(state="Running", approvals=["Backup", "DisableCVO"]), done_through(0))
    assert (decision.action, decision.phase) == ("wait", PhaseName.PREFLIGHT)


def test_automatic_mode_walks_the_fixed_order_and_finishes() -> None:
    s = spec(state="Running", approvalMode="Automatic")
    for n, phase in enumerate(PHASES):
        assert (decide(s, done_through(n)).action, decide(s, done_through(n)).phase) == ("execute", phase)
    assert decide(s, done_through(15)).action == "finish"


def test_rollback_runs_started_phases_newest_first_then_finishes() -> None:
    status = done_through(4)
    status.phase_history.append(PhaseRecord(name=PHASES[4], result="Failed", start_time="t"))
    status.phase = "RollingBack"
    assert rollback_candidates(status) == list(reversed(PHASES[:5]))
    status.rolled_back_phases = list(PHASES[2:5])
    assert decide(spec(state="Running"), status).phase == PHASES[1]
    status.rolled_back_phases = list(PHASES[:5])
    assert decide(spec(state="Running"), status).action == "finish-rollback"


def test_terminal_states_stay_and_failure_waits_for_the_user() -> None:
    for phase in ("Succeeded", "RolledBack"):
        assert decide(spec(state="Rollback"), MigrationStatus(phase=phase)).action == "idle"
    failed = done_through(2)
    failed.phase = "Failed"
    assert decide(spec(state="Running", approvalMode="Automatic"), failed).action == "idle"
    assert decide(spec(state="Rollback"), failed).action == "rollback"


def test_invalid_paths_and_durations_are_rejected_with_the_field() -> None:
    from pydantic import ValidationError

    bad = {**DOMAIN, "topology": {**DOMAIN["topology"], "computeCluster": "DC1/C1"}}
    with pytest.raises(ValidationError) as error:
        MigrationSpec.model_validate({"targetVCenter": TARGET, "failureDomains": [bad]})
    assert "computeCluster" in str(error.value)
    with pytest.raises(ValidationError):
        spec(phaseTimeouts={"MonitorHealth": "soon"})
