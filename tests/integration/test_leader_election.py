"""Leader election on a real API server: one holder at a time, a clean hand-over on release, a take-over once
a silent holder's Lease has gone unrenewed for its duration, and a leader that finds another holder stops."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from platform_common.leader import LeaseElector

NAMESPACE = "default"


@pytest.fixture
def candidates(kube_cluster: Any, request: pytest.FixtureRequest) -> Any:
    from kubernetes import client as k8s

    from platform_common.kube import api_client

    api = k8s.CoordinationV1Api(api_client(str(kube_cluster.kubeconfig)))
    name = f"lease-{request.node.name.split('_')[1]}-{time.monotonic_ns() % 100000}"

    def make(identity: str, duration: float = 2.0) -> LeaseElector:
        return LeaseElector(api, NAMESPACE, name, identity, duration=duration, renew_deadline=duration * 2 / 3,
                            retry=0.2)

    return make


def test_one_holder_at_a_time_and_a_clean_release_hands_over_at_once(candidates: Any) -> None:
    first, second = candidates("first"), candidates("second")
    assert first.try_acquire_or_renew() and first.try_acquire_or_renew()  # renewing keeps it
    assert not second.try_acquire_or_renew()
    first.release()
    assert second.try_acquire_or_renew()  # no waiting: the holder is empty
    assert not first.try_acquire_or_renew()


def test_a_silent_holder_is_replaced_only_after_the_lease_s_own_duration(candidates: Any) -> None:
    """The waiting candidate is configured with a shorter duration than the Lease says: the Lease's wins."""
    holder, waiting = candidates("holder", duration=3.0), candidates("waiting", duration=1.5)
    assert holder.try_acquire_or_renew()
    start = time.monotonic()
    waiting.acquire()  # the holder never renews again (a killed process)
    assert time.monotonic() - start >= 3.0
    lease = waiting.api.read_namespaced_lease(waiting.name, NAMESPACE)
    assert lease.spec.holder_identity == "waiting" and lease.spec.lease_transitions == 1


def test_a_leader_that_finds_another_holder_stops(candidates: Any) -> None:
    leader, usurper = candidates("leader", duration=1.0), candidates("usurper", duration=1.0)
    assert leader.try_acquire_or_renew()
    lost = threading.Event()
    leader._stop.set()  # the leader's renewals pause (a frozen process) ...
    usurper.acquire()  # ... so the Lease expires and is taken
    leader._stop.clear()
    leader.keep(lost.set)  # the leader wakes up, tries to renew, finds the usurper
    assert lost.wait(5.0)
    usurper.release()


def test_a_waiting_candidate_answers_its_liveness_probe_and_frees_the_port_when_it_leads() -> None:
    import socket
    import urllib.error
    import urllib.request

    from platform_common.operator import standby_health

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with standby_health(f"http://127.0.0.1:{port}/healthz"):
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            assert response.status == 200
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/other", timeout=5)
        assert missing.value.code == 404
    with socket.socket() as again:  # kopf can now serve /healthz on the same port
        again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        again.bind(("127.0.0.1", port))
