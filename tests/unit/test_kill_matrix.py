"""Every write the migration controller makes is a kill point (the etcd robustness tests' idea): a run without
kills counts them (every create, replace, patch and delete on the cluster and every vCenter call that changes
state, in execute, requeue and rollback steps, the status writes included), then for every N the controller
dies right after its Nth write and a new one takes over, in-process on the fakes of tests/testenv/fakeworld.py:

- (a) the new controller finishes the migration: the cluster and the vCenters end exactly as after the run
  without kills;
- (b) an operator requests Rollback right after the restart: they end exactly as before the migration;
- (c) during a rollback of every phase, the rolled-back cluster and vCenters equal the ones before.

The matrix size and its time are printed (pytest -s); the real-server e2e keeps a sample (tests/e2e).
"""

from __future__ import annotations

import functools
import time
from collections import Counter
from typing import Any

import pytest

from testenv import fakeworld as fw
from vsphere_migration.api.models import PHASES, PhaseName


@functools.cache
def baseline() -> tuple[Any, Any, list[tuple[str, str]]]:
    """(before, after, the writes) of a migration without kills."""
    world = fw.new_world()
    before = fw.snapshot(world)
    assert fw.phase_of(fw.run(world)) == "Succeeded"
    return before, fw.snapshot(world), list(world.writes)


def killed_after(n: int, *, until: Any = None, **migration: Any) -> fw.World:
    """A world whose controller died right after its nth write (the run is started from scratch)."""
    world = fw.new_world(**migration)
    world.kill_at = n
    with pytest.raises(fw.Killed):
        fw.run(world, until)
    world.kill_at = None
    return world


def differences(got: dict[str, Any], wanted: dict[str, Any]) -> list[str]:
    return [f"{key}: {got[key]!r} != {wanted[key]!r}" for key in wanted if got[key] != wanted[key]]


def report(name: str, runs: int, start: float, failures: list[str]) -> None:
    print(f"\nkill matrix {name}: {runs} kill points, {time.monotonic() - start:.1f} s")
    assert not failures, f"{len(failures)} of {runs} kill points end wrong:\n" + "\n".join(failures[:20])


def test_the_run_without_kills_writes_in_every_phase_that_changes_something() -> None:
    before, after, writes = baseline()
    per_phase = Counter(doing for doing, _ in writes)
    print("\nwrites per step kind:", dict(per_phase))
    changing = [p for p in PHASES if p not in (PhaseName.MONITOR_HEALTH,)]
    assert all(per_phase[f"execute {p.value}"] >= 1 for p in changing), per_phase
    assert before != after and after["infrastructure"]["platformSpec"]["vsphere"]["vcenters"][0]["server"] == fw.TARGET


def test_a_new_controller_finishes_the_migration_after_a_kill_at_every_write() -> None:
    _, after, writes = baseline()
    start, failures = time.monotonic(), []
    for n in range(1, len(writes) + 1):
        world = killed_after(n)
        obj = fw.run(world)
        if fw.phase_of(obj) != "Succeeded" or (diff := differences(fw.snapshot(world), after)):
            failures.append(f"#{n} {writes[n - 1]}: {fw.phase_of(obj)} {obj['status'].get('message')} "
                            f"{'' if fw.phase_of(obj) != 'Succeeded' else diff}")
    report("(a) finish", len(writes), start, failures)


def test_a_rollback_requested_after_a_kill_at_every_write_restores_the_cluster() -> None:
    before, after, writes = baseline()
    start, failures = time.monotonic(), []
    for n in range(1, len(writes) + 1):
        world = killed_after(n)
        finished = fw.phase_of(fw.migration_object(world)) == "Succeeded"
        fw.request(world, {"state": "Rollback"})
        obj = fw.run(world)
        wanted, phase = (after, "Succeeded") if finished else (before, "RolledBack")
        if fw.phase_of(obj) != phase or (diff := differences(fw.snapshot(world), wanted)):
            failures.append(f"#{n} {writes[n - 1]}: {fw.phase_of(obj)} {obj['status'].get('message')} "
                            f"{'' if fw.phase_of(obj) != phase else diff}")
    report("(b) rollback after the restart", len(writes), start, failures)


def rolling_back(obj: dict[str, Any]) -> bool:
    return PhaseName.CLEANUP.value in (obj.get("status") or {}).get("completedPhases", [])


def test_a_kill_at_every_write_of_a_rollback_still_restores_the_cluster() -> None:
    before, _, _ = baseline()
    world = fw.new_world()
    fw.run(world, rolling_back)
    fw.request(world, {"state": "Rollback"})
    first = len(world.writes)
    assert fw.phase_of(fw.run(world)) == "RolledBack" and fw.snapshot(world) == before
    rollback_writes = world.writes[first:]
    start, failures = time.monotonic(), []
    for n in range(1, len(rollback_writes) + 1):
        world = fw.new_world()
        fw.run(world, rolling_back)
        fw.request(world, {"state": "Rollback"})
        world.kill_at = len(world.writes) + n
        with pytest.raises(fw.Killed):
            fw.run(world)
        world.kill_at = None
        obj = fw.run(world)
        if fw.phase_of(obj) != "RolledBack" or (diff := differences(fw.snapshot(world), before)):
            failures.append(f"#{n} {rollback_writes[n - 1]}: {fw.phase_of(obj)} {obj['status'].get('message')} "
                            f"{'' if fw.phase_of(obj) != 'RolledBack' else diff}")
    report("(c) kills inside the rollback", len(rollback_writes), start, failures)
