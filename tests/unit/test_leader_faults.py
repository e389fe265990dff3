"""Leader election when the API server cannot be reached: any failure to renew is a failed renewal, every
Lease call is bounded, the leader stops within its renew deadline, and bad timings are refused at start-up
(the real-server partition test is tests/integration/test_partition.py)."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
import urllib3

from platform_common.leader import LeaseElector, check_timings


class Unreachable:
    """A CoordinationV1Api whose every call fails as a refused or reset connection does in the client."""

    def __init__(self, error: Exception) -> None:
        self.error, self.timeouts = error, []  # type: Exception, list[float]

    def read_namespaced_lease(self, name: str, namespace: str, **kwargs: Any) -> Any:
        timeout = kwargs["_request_timeout"]
        assert isinstance(timeout, tuple) and len(timeout) == 2, "the client ignores a timeout that is not a pair"
        self.timeouts.append(max(timeout))
        raise self.error

    replace_namespaced_lease = create_namespaced_lease = read_namespaced_lease


ERRORS = [urllib3.exceptions.MaxRetryError(None, "/", "Connection refused"),  # type: ignore[arg-type]
          urllib3.exceptions.ProtocolError("Connection reset by peer"),
          urllib3.exceptions.ReadTimeoutError(None, "/", "read timed out"),  # type: ignore[arg-type]
          OSError("network is unreachable")]


@pytest.mark.parametrize("error", ERRORS, ids=lambda e: type(e).__name__)
def test_a_leader_cut_off_from_the_api_server_stops_within_its_renew_deadline(error: Exception) -> None:
    api = Unreachable(error)
    elector = LeaseElector(api, "ns", "lease", "me", duration=1.5, renew_deadline=1.0, retry=0.2)
    lost = threading.Event()
    start = time.monotonic()
    thread = elector.keep(lost.set)
    assert lost.wait(5.0), "the renewal loop ended without calling on_lost"
    stopped_after = time.monotonic() - start
    thread.join(1.0)
    assert not thread.is_alive()
    assert 1.0 <= stopped_after < 1.5, stopped_after  # past the deadline, before any candidate may take over
    assert api.timeouts and max(api.timeouts) < 1.0  # every call bounded below the renew deadline


def test_a_failed_read_is_a_failed_attempt_not_an_exception() -> None:
    elector = LeaseElector(Unreachable(ERRORS[0]), "ns", "lease", "me", duration=1.5, renew_deadline=1.0, retry=0.2)
    assert elector.try_acquire_or_renew() is False


@pytest.mark.parametrize(("duration", "deadline", "retry"), [(10, 10, 2), (10, 12, 2), (10, 5, 5), (10, 5, 0)])
def test_timings_that_break_client_go_s_rules_are_refused(duration: float, deadline: float, retry: float) -> None:
    with pytest.raises(ValueError, match=r"retry .* < renew deadline .* < lease duration"):
        check_timings(duration, deadline, retry)
    with pytest.raises(ValueError):
        LeaseElector(Unreachable(ERRORS[0]), "ns", "l", "me", duration=duration, renew_deadline=deadline, retry=retry)


def test_the_controller_refuses_bad_timings_before_connecting(monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    from platform_common.operator import operator_main

    monkeypatch.setenv("LEADER_ELECTION_LEASE_SECONDS", "10")
    monkeypatch.setenv("LEADER_ELECTION_RENEW_DEADLINE_SECONDS", "12")
    registered = []
    with pytest.raises(SystemExit) as exit_info:
        operator_main("c", "", ["--leader-elect"], lambda: registered.append(1), lambda: None)
    assert exit_info.value.code == 2 and not registered
    assert "renew deadline (12s) < lease duration (10s)" in capsys.readouterr().err
