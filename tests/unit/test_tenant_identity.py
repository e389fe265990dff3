"""One tenant per name: which request keeps a name, a namespace or an AppProject when several claim it."""

from __future__ import annotations

from typing import Any

from vcluster_platform.pipeline.identity import identity_conflicts, identity_of, older_holders


def live(namespace: str, name: str, created: str, uid: str, **spec: Any) -> dict[str, Any]:
    return {"metadata": {"namespace": namespace, "name": name, "uid": uid, "creationTimestamp": created},
            "spec": {"name": name, **spec}}


MEDIA = live("platform-requests", "media", "2025-01-01T00:00:00Z", "u-media", targetNamespace="vcluster-media")


def mine(doc: dict[str, Any]) -> dict[str, str]:
    return identity_of(doc)


def test_a_newcomer_cannot_take_a_running_tenants_name() -> None:
    sneaky = live("team-a", "sneaky", "2026-12-01T00:00:00Z", "u-sneaky")
    sneaky["spec"]["name"] = "media"
    problems = identity_conflicts(mine(sneaky), sneaky, [MEDIA, sneaky])
    assert [(p.path, p.value) for p in problems] == [
        ("spec.name", "media"), ("spec.targetNamespace", "vcluster-media"), ("spec.projectName", "vcluster-media")]
    assert "platform-requests/media" in problems[0].message


def test_the_holder_itself_is_never_refused_by_the_newcomer() -> None:
    sneaky = live("team-a", "sneaky", "2026-12-01T00:00:00Z", "u-sneaky")
    sneaky["spec"]["name"] = "media"
    assert identity_conflicts(mine(MEDIA), MEDIA, [MEDIA, sneaky]) == []


def test_a_namespace_reached_by_two_names_is_one_identity() -> None:
    """`x` defaults to namespace vcluster-x; a younger request named vcluster-x in its own-name namespace lands
    in the same one."""
    older = live("team-a", "x", "2026-01-01T00:00:00Z", "u-1")
    younger = live("team-b", "vcluster-x", "2026-02-01T00:00:00Z", "u-2", targetNamespace="vcluster-x")
    held = older_holders(mine(younger), younger, [older, younger])
    assert held == {"spec.name": "team-a/x", "spec.targetNamespace": "team-a/x"}


def test_same_second_ties_break_by_namespace_and_name() -> None:
    a = live("team-a", "a", "2026-01-01T00:00:00Z", "u-a", targetNamespace="shared-ns")
    b = live("team-b", "b", "2026-01-01T00:00:00Z", "u-b", targetNamespace="shared-ns")
    assert older_holders(mine(b), b, [a, b]) == {"spec.targetNamespace": "team-a/a"}
    assert older_holders(mine(a), a, [a, b]) == {}


def test_a_request_that_no_longer_validates_still_holds_its_name() -> None:
    broken = {"metadata": {"namespace": "team-a", "name": "old", "uid": "u-old",
                           "creationTimestamp": "2020-01-01T00:00:00Z"}, "spec": {"name": "media", "vcluster": 5}}
    assert older_holders(mine(MEDIA), MEDIA, [broken, MEDIA])["spec.name"] == "team-a/old"
