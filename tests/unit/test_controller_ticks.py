"""The controller's timer honours the delay a step asks for, wakes at once for a spec change, and does not
reconcile the object it has just superseded with its own write (kopf's memo, no API server)."""

from __future__ import annotations

import time

import kopf

from vsphere_migration.controller import due


def memo(**values: object) -> kopf.Memo:
    m = kopf.Memo()
    m.update(values)
    return m


def test_a_new_migration_is_reconciled_at_the_first_tick() -> None:
    assert due(memo(), {"generation": 1, "resourceVersion": "7"})


def test_a_step_s_delay_is_honoured_until_it_has_passed() -> None:
    waiting = memo(generation=1, not_before=time.monotonic() + 30)
    assert not due(waiting, {"generation": 1, "resourceVersion": "8"})
    waiting.not_before = time.monotonic() - 0.01
    assert due(waiting, {"generation": 1, "resourceVersion": "8"})


def test_a_spec_change_is_acted_on_at_the_next_tick_whatever_the_delay() -> None:
    """An approval, Pause or Rollback (a new generation) does not wait for an idle migration's 30 s."""
    assert due(memo(generation=1, not_before=time.monotonic() + 30), {"generation": 2, "resourceVersion": "9"})


def test_the_object_the_last_write_superseded_is_not_reconciled_again() -> None:
    """Until the watch delivers the status just written, kopf still holds the object it was computed from."""
    written = memo(generation=1, not_before=0.0, superseded="8")
    assert not due(written, {"generation": 1, "resourceVersion": "8"})
    assert due(written, {"generation": 1, "resourceVersion": "10"})
