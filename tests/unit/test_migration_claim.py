"""The one-active-migration claim under a race: another migration writes the Lease between this one's read and
its write (the window the concurrent-create integration test hits only by timing). The loser must end with the
winner's name, never with the API server's 409."""

from __future__ import annotations

from typing import Any

import pytest

from testenv.fakeworld import World, api_error
from vsphere_migration.openshift import claim as claim_module
from vsphere_migration.openshift.claim import LOCK_NAME, LOCK_NAMESPACE, claim, holder
from vsphere_migration.openshift.cluster import ClusterError

NS = "openshift-config"


def _migration(world: World, name: str, phase: str) -> str:
    created = world.store.create("vmwarecloudfoundationmigrations", NS, {
        "apiVersion": "migration.openshift.io/v1alpha1", "kind": "VmwareCloudFoundationMigration",
        "metadata": {"name": name}, "spec": {}}, who="operator")
    world.store.patch("vmwarecloudfoundationmigrations", NS, name, {"status": {"phase": phase}}, status=True,
                      who="operator")
    return str(created["metadata"]["uid"])


def _lease(identity: str) -> dict[str, Any]:
    return {"metadata": {"name": LOCK_NAME}, "spec": {"holderIdentity": identity}}


def _write_lease(world: World, identity: str) -> None:
    live = world.store.objects.get(("leases", LOCK_NAMESPACE, LOCK_NAME))
    if live is None:
        world.store.create("leases", LOCK_NAMESPACE, _lease(identity), who="operator")
    else:
        world.store.replace("leases", LOCK_NAMESPACE, LOCK_NAME, {**_lease(identity), "metadata": {
            "name": LOCK_NAME, "resourceVersion": live["metadata"]["resourceVersion"]}}, who="operator")


def _race(world: World, winner: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first Lease read is followed by the winner's claim, before this migration writes."""
    api = world.cluster.coordination
    read = api.read_namespaced_lease
    raced = []

    def read_then_lose(name: str, namespace: str, **kw: Any) -> Any:
        try:
            return read(name, namespace, **kw)
        finally:
            if not raced:
                raced.append(True)
                _write_lease(world, winner)

    monkeypatch.setattr(api, "read_namespaced_lease", read_then_lose)


@pytest.mark.parametrize("stale_lease", [False, True], ids=["no-lease-yet", "stale-lease-taken-over"])
def test_a_claim_that_loses_the_race_names_the_winner(stale_lease: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    world = World()
    if stale_lease:
        done = _migration(world, "finished", "Completed")
        world.store.create("leases", LOCK_NAMESPACE, _lease(holder(NS, "finished", done)), who="operator")
    winner = holder(NS, "twin-a", _migration(world, "twin-a", "Running"))
    loser_uid = _migration(world, "twin-b", "Running")
    _race(world, winner, monkeypatch)

    assert claim(world.cluster, NS, "twin-b", loser_uid) == f"{NS}/twin-a"
    assert world.store.get("leases", LOCK_NAMESPACE, LOCK_NAME)["spec"]["holderIdentity"] == winner


def test_the_winner_of_a_race_with_a_finished_migration_takes_the_claim(monkeypatch: pytest.MonkeyPatch) -> None:
    """A lost race against a holder that is no longer active is retried and won."""
    world = World()
    gone = holder(NS, "gone", "uid-that-no-longer-exists")
    me = _migration(world, "twin-b", "Running")
    _race(world, gone, monkeypatch)

    assert claim(world.cluster, NS, "twin-b", me) is None
    assert world.store.get("leases", LOCK_NAMESPACE, LOCK_NAME)["spec"]["holderIdentity"] == holder(NS, "twin-b", me)


def test_a_claim_that_keeps_losing_gives_up_with_the_conflict(monkeypatch: pytest.MonkeyPatch) -> None:
    world = World()
    me = _migration(world, "twin-b", "Running")
    api = world.cluster.coordination

    def always_taken(namespace: str, body: Any, **_: Any) -> Any:
        raise api_error(409, "leases \"vsphere-migration-active\" already exists")

    monkeypatch.setattr(api, "create_namespaced_lease", always_taken)
    with pytest.raises(ClusterError) as raised:
        claim(world.cluster, NS, "twin-b", me)
    assert raised.value.status == 409
    assert claim_module.RACE_ATTEMPTS > 1
