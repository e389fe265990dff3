"""spec.backup: the schedule rules, who gets backups by default, the refusals at their paths, the live health
and metrics of the last good snapshot."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from conftest import request
from vcluster_platform.errors import InvalidRequest
from vcluster_platform.models import settings_from_document
from vcluster_platform.models.cron import CronError, longest_gap
from vcluster_platform.models.platform import PlatformSettings
from vcluster_platform.models.rules import check_schedule
from vcluster_platform.render import render_all
from vcluster_platform.render.backup import MAX_AGE_ANNOTATION, backup_name
from vcluster_status.assess import assess, merged_status
from vcluster_status.metrics import Metrics
from vcluster_status.observation import Observation, PodCounts, backup_health, tenant_of

PROD = {"preset": "prod"}


def settings(**spec: Any) -> Any:
    return settings_from_document(request("ledger", **spec), PlatformSettings())


def problems(**spec: Any) -> list[tuple[str, str]]:
    with pytest.raises(InvalidRequest) as caught:
        settings(**spec)
    return [(p.path, p.message) for p in caught.value.problems]


@pytest.mark.parametrize(("schedule", "hours"), [
    ("30 2 * * *", 24), ("@daily", 24), ("0 */6 * * *", 6), ("15 1 * * 1-5", 72), ("0 3 * * sun", 168),
    ("0 1,23 * * *", 22), ("0 4 1 * *", 31 * 24), ("0 0 1,15 * *", 17 * 24), ("0 12 * * 0,7", 168),
    ("0 0 29 2 *", (3 * 365 + 366) * 24),
])
def test_the_longest_gap_of_a_schedule(schedule: str, hours: int) -> None:
    assert longest_gap(schedule) == timedelta(hours=hours)


@pytest.mark.parametrize(("schedule", "words"), [
    ("* * * * *", "more often than hourly"), ("*/30 * * * *", "more often than hourly"),
    ("0 2 * *", "needs 5 fields"), ("61 2 * * *", "minute: 61 is outside 0-59"),
    ("0 2 31 2 *", "never runs"), ("0 2 * * mon-", "is not a number"), ("0 2-1 * * *", "runs backwards"),
    ("0 2/0 * * *", "step"),
])
def test_a_schedule_that_is_refused_says_why(schedule: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        check_schedule(schedule)


def test_cron_errors_are_value_errors_for_the_validators() -> None:
    assert issubclass(CronError, ValueError)


def test_prod_backs_up_a_deployed_etcd_nightly_and_dev_does_not() -> None:
    prod, dev = settings(vcluster=PROD), settings()
    assert (prod.value("backup.enabled"), prod.sources["backup.enabled"]) == (True, "preset:prod")
    assert prod.value("backup.schedule") == "30 2 * * *" and prod.value("backup.retention") == 7
    assert prod.value("backup.destination") == {"claim": "ledger-etcd-backups", "created": "true"}
    assert dev.value("backup.enabled") is False
    assert [o["kind"] for o in render_all(dev) if "backup" in o["metadata"]["name"]] == []


def test_prod_with_the_embedded_database_has_no_backups_and_says_why() -> None:
    s = settings(vcluster={**PROD, "replicas": 1, "backingStore": {"database": {"embedded": {"enabled": True}}}})
    assert s.value("backup.enabled") is False
    assert s.sources["backup.enabled"].startswith("derived (embedded database")


def test_asking_for_backups_of_the_embedded_database_is_refused_at_the_field() -> None:
    found = problems(backup={"enabled": True})
    assert found == [("spec.backup.enabled", found[0][1])] and "embedded database" in found[0][1]


def test_settings_for_backups_that_are_off_are_refused() -> None:
    assert [p for p, _ in problems(backup={"schedule": "0 1 * * *", "retention": 3})] == [
        "spec.backup.schedule", "spec.backup.retention"]


def test_one_destination_and_an_nfs_server_inside_the_platform_s_ranges() -> None:
    both = {"persistentVolumeClaim": {"claimName": "mine"}, "nfs": {"server": "10.0.5.5", "path": "/x"}}
    assert [p for p, _ in problems(vcluster=PROD, backup={"destination": both})] == ["spec.backup.destination"]
    assert [p for p, _ in problems(vcluster=PROD, backup={"destination": {}})] == ["spec.backup.destination"]
    outside = {"nfs": {"server": "192.168.1.5", "path": "/exports"}}
    assert problems(vcluster=PROD, backup={"destination": outside}) == [
        ("spec.backup.destination.nfs.server", "is outside the platform's NFS ranges (10.0.0.0/8; env "
                                               "VCLUSTER_PLATFORM_NFS_CIDRS)")]


def test_an_nfs_destination_is_refused_where_pod_security_allows_no_nfs_volume() -> None:
    nfs = {"nfs": {"server": "10.0.5.5", "path": "/exports/etcd"}}
    assert problems(vcluster={**PROD, "podSecurity": "restricted"}, backup={"destination": nfs}) == [
        ("spec.backup.destination.nfs", "Pod Security restricted allows no NFS volume; use a persistentVolumeClaim")]


def test_an_nfs_destination_gets_a_directory_per_tenant_and_no_claim() -> None:
    s = settings(vcluster=PROD, backup={"destination": {"nfs": {"server": "10.0.5.5", "path": "/exports/etcd"}}})
    objects = render_all(s)
    assert not [o for o in objects if o["kind"] == "PersistentVolumeClaim"]
    (cron,) = [o for o in objects if o["kind"] == "CronJob" and o["metadata"]["name"] == backup_name(s)]
    pod = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    assert {"name": "backup", "nfs": {"server": "10.0.5.5", "path": "/exports/etcd"}} in pod["volumes"]
    store = pod["containers"][0]
    assert {"name": "DEST", "value": "/backup/ledger"} in store["env"]


def test_the_cronjob_carries_twice_the_schedule_s_longest_gap() -> None:
    s = settings(vcluster=PROD, backup={"schedule": "0 */6 * * *"})
    (cron,) = [o for o in render_all(s) if o["kind"] == "CronJob" and o["metadata"]["name"] == backup_name(s)]
    assert cron["metadata"]["annotations"][MAX_AGE_ANNOTATION] == str(12 * 3600)
    assert cron["spec"]["schedule"] == "0 */6 * * *" and cron["spec"]["timeZone"] == "Etc/UTC"


# --- live side ------------------------------------------------------------------------------------------------

T0 = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)


def tenant(max_age: int = 172800) -> Any:
    return tenant_of({"metadata": {"name": "ledger", "namespace": "platform-requests"}, "status": {
        "vcluster": {"name": "ledger", "namespace": "vcluster-ledger"}, "application": "vcluster-ledger",
        "backup": {"cronJob": "ledger-etcd-backup", "maxAgeSeconds": max_age}}})


def cronjob(created: datetime, last: datetime | None = None) -> dict[str, Any]:
    status = {"lastSuccessfulTime": last.strftime("%Y-%m-%dT%H:%M:%SZ")} if last else {}
    return {"metadata": {"name": "ledger-etcd-backup", "creationTimestamp": created.strftime("%Y-%m-%dT%H:%M:%SZ")},
            "status": status}


@pytest.mark.parametrize(("created_hours_ago", "last_hours_ago", "stale"), [
    (10, None, False), (49, None, True), (100, 47, False), (100, 49, True)])
def test_a_snapshot_is_stale_past_twice_the_schedule(created_hours_ago: int, last_hours_ago: int | None,
                                                     stale: bool) -> None:
    last = T0 - timedelta(hours=last_hours_ago) if last_hours_ago is not None else None
    health = backup_health(tenant(), cronjob(T0 - timedelta(hours=created_hours_ago), last), T0)
    assert health is not None and health["stale"] is stale
    assert ("message" in health) is stale


def test_no_backups_means_no_backup_health_and_a_missing_cronjob_is_stale() -> None:
    assert backup_health(tenant_of({"metadata": {"name": "x", "namespace": "y"}, "status": {
        "vcluster": {"name": "x", "namespace": "vcluster-x"}, "application": "vcluster-x"}}), None, T0) is None
    health = backup_health(tenant(), None, T0)
    assert health is not None and health["stale"] and "does not exist" in health["message"]


def test_the_reconciler_reports_backup_health_and_exports_it() -> None:
    req = {"metadata": {"name": "ledger", "namespace": "platform-requests",
                        "creationTimestamp": "2026-12-01T00:00:00Z"},
           "status": {"vcluster": {"name": "ledger", "namespace": "vcluster-ledger"},
                      "application": "vcluster-ledger", "backup": {"cronJob": "ledger-etcd-backup",
                                                                     "maxAgeSeconds": 172800}}}
    last = T0 - timedelta(hours=3)
    obs = Observation(namespace_exists=True, application={"status": {}}, pods=PodCounts(1, 1),
                      backup=cronjob(T0 - timedelta(days=5), last))
    status = merged_status(req["status"], assess(req, tenant_of(req), obs, T0))
    assert status["health"]["backup"]["lastSuccessfulTime"] == "2026-12-07T00:00:00Z"
    metrics = Metrics()
    metrics.record("platform-requests", "ledger", status)
    labels = {"namespace": "platform-requests", "name": "ledger"}
    assert metrics.registry.get_sample_value(
        "vcluster_tenant_backup_last_success_timestamp_seconds", labels) == last.timestamp()
    assert metrics.registry.get_sample_value("vcluster_tenant_backup_max_age_seconds", labels) == 172800
    metrics.forget("platform-requests", "ledger")
    assert metrics.registry.get_sample_value("vcluster_tenant_backup_max_age_seconds", labels) is None


def test_delete_names_the_snapshots_that_go_with_the_namespace() -> None:
    from vcluster_platform.cli.delete import what_goes

    request = {"metadata": {"name": "ledger", "namespace": "platform-requests"}, "spec": {"name": "ledger"},
               "status": {"vcluster": {"name": "ledger", "namespace": "vcluster-ledger"},
                          "backup": {"destination": "persistentVolumeClaim ledger-etcd-backups"}}}
    assert "etcd snapshots     persistentVolumeClaim ledger-etcd-backups in vcluster-ledger" in what_goes(
        request, [], "")
    request["status"]["backup"] = {"destination": "nfs 10.0.5.5:/exports/ledger"}
    assert "etcd snapshots" not in what_goes(request, [], "")  # on the NFS export, they stay


def test_the_status_names_the_backup_or_says_there_is_none() -> None:
    """An empty status.backup replaces a stale one (Kratix keeps the keys a new status file leaves out)."""
    from vcluster_platform.pipeline.status import configure_status

    prod, dev = settings(vcluster=PROD), settings()
    backup = configure_status(prod, render_all(prod))["backup"]
    assert backup["cronJob"] == "ledger-etcd-backup" and backup["maxAgeSeconds"] == 2 * 86400
    assert backup["destination"] == "persistentVolumeClaim ledger-etcd-backups"
    assert configure_status(dev, render_all(dev))["backup"] == {}
