"""Backups proven on real etcd: a three-member TLS cluster with data, the rendered snapshot pod run step by step
with the real etcdctl, etcdutl and sh, the rendered restore Jobs run into a fresh three-member cluster. Every
key comes back at the same revision; a truncated or corrupt snapshot is never kept nor restored; retention
prunes this tenant's oldest snapshots and nothing else.

Only what needs cluster DNS is mapped: the etcd Service address and the members' peer URLs become loopback
addresses. The restore's member names, cluster token and peer URLs are checked against the chart's own etcd
StatefulSet (helm template of the chart the request pins) before that mapping.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import SHARED
from testenv.etcd_cluster import EtcdCluster, make_etcd_pki, new_cluster
from testenv.podrun import run_pod, succeeded
from vcluster_platform.chart import HELM_ENV, template
from vcluster_platform.manifests import objects_of, with_promise_outputs
from vcluster_platform.migrate import chart_input_of
from vcluster_platform.models import EffectiveSettings, settings_from_document
from vcluster_platform.models.platform import PlatformSettings
from vcluster_platform.render.backup import (
    backup_cronjob,
    initial_cluster,
    member_names,
    peer_url,
    restore_job,
    snapshot_dir,
)

TENANT = "ledger"
REQUEST = {
    "apiVersion": "platform.integratn.tech/v1alpha1", "kind": "VClusterOrchestratorV2",
    "metadata": {"name": TENANT, "namespace": "platform-requests"},
    "spec": {"name": TENANT, "vcluster": {"preset": "prod"}, "argocdApplication": {"targetRevision": "0.31.1"},
             "backup": {"retention": 3}},
}


@pytest.fixture(scope="module")
def settings() -> EffectiveSettings:
    return settings_from_document(REQUEST, PlatformSettings())


@pytest.fixture(scope="module")
def source(etcd_binaries: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The tenant's running etcd: three members with data, some of it overwritten and deleted."""
    root = tmp_path_factory.mktemp("source")
    pki = make_etcd_pki(root / "pki")
    cluster = new_cluster(TENANT, pki, root)
    cluster.start(root / "logs", etcd_binaries["etcd"])
    for i in range(120):
        cluster.put(f"/registry/configmaps/team-{i % 7}/cm-{i}", f"value {i}")
    for i in range(0, 120, 10):
        cluster.put(f"/registry/configmaps/team-{i % 7}/cm-{i}", f"changed {i}")
    for i in range(5, 120, 15):
        cluster.delete(f"/registry/configmaps/team-{i % 7}/cm-{i}")
    yield cluster
    cluster.stop()


def client_cert_dir(cluster: EtcdCluster, where: Path) -> Path:
    """What cert-manager writes for the backup's Certificate: ca.crt, tls.crt and tls.key (client auth only)."""
    where.mkdir(parents=True, exist_ok=True)
    cert, key = cluster.pki.issue(f"{TENANT}-etcd-backup", "clientAuth")
    shutil.copy(cluster.pki.ca, where / "ca.crt")
    shutil.copy(cert, where / "tls.crt")
    shutil.copy(key, where / "tls.key")
    return where


def take_backup(s: EffectiveSettings, cluster: EtcdCluster, programs: dict[str, Path], root: Path,
                between: Any = None) -> tuple[list[Any], Path, Path]:
    """Run the CronJob's pod; `between(work)` runs after the snapshot step (to damage it)."""
    pod = backup_cronjob(s)["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    volumes = {"work": root / "work", "backup": root / "backup", "client-cert": client_cert_dir(cluster, root / "c")}
    for path in volumes.values():
        path.mkdir(parents=True, exist_ok=True)
    report = root / "termination-log"
    env = {"snapshot": {"ETCDCTL_ENDPOINTS": cluster.endpoint(1)}}
    if between is None:
        return run_pod(pod, volumes, programs, env=env, termination_log=report), volumes["backup"], report
    first = run_pod({"containers": pod["initContainers"][:1]}, volumes, programs, env=env)
    between(volumes["work"])
    rest = run_pod({**pod, "initContainers": pod["initContainers"][1:]}, volumes, programs, termination_log=report)
    return [*first, *rest], volumes["backup"], report


def kept(backup: Path, s: EffectiveSettings) -> list[str]:
    directory = backup / Path(snapshot_dir(s)).relative_to("/backup")
    return sorted(p.name for p in directory.iterdir()) if directory.is_dir() else []


def test_the_snapshot_pod_saves_verifies_and_keeps_a_dated_snapshot(settings: EffectiveSettings, source: Any,
                                                                    etcd_binaries: dict[str, Path],
                                                                    tmp_path: Path) -> None:
    steps, backup, report = take_backup(settings, source, etcd_binaries, tmp_path)
    pod = backup_cronjob(settings)["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    assert succeeded(steps, pod), steps[-1]
    assert [s.container for s in steps] == ["snapshot", "status", "check", "store"]
    (name,) = kept(backup, settings)
    assert name.startswith(f"{TENANT}-") and name.endswith(".db")
    assert report.read_text().split()[0] == name  # what `backup list` reads from the pod's termination message
    assert not (tmp_path / "work" / "verify").exists()  # the scratch restore is removed


def test_the_backup_client_certificate_is_needed(settings: EffectiveSettings, source: Any,
                                                 etcd_binaries: dict[str, Path], tmp_path: Path) -> None:
    """The members require client certificates: the same pod without one saves nothing (the flag works)."""
    pod = backup_cronjob(settings)["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    volumes = {"work": tmp_path / "w", "backup": tmp_path / "b", "client-cert": client_cert_dir(source, tmp_path / "c")}
    for path in volumes.values():
        path.mkdir(exist_ok=True)
    (volumes["client-cert"] / "tls.crt").write_text("")
    steps = run_pod(pod, volumes, etcd_binaries, env={"snapshot": {"ETCDCTL_ENDPOINTS": source.endpoint(0)}})
    assert [s.container for s in steps] == ["snapshot"] and steps[0].returncode != 0
    assert kept(volumes["backup"], settings) == []


@pytest.mark.parametrize("damage", ["truncated", "corrupt"])
def test_a_damaged_snapshot_is_never_kept(settings: EffectiveSettings, source: Any, etcd_binaries: dict[str, Path],
                                          tmp_path: Path, damage: str) -> None:
    def spoil(work: Path) -> None:
        data = (work / "snapshot.db").read_bytes()
        if damage == "truncated":
            (work / "snapshot.db").write_bytes(data[: len(data) // 2])
        else:
            middle = len(data) // 2
            (work / "snapshot.db").write_bytes(data[:middle] + bytes(b ^ 0xFF for b in data[middle:middle + 64])
                                               + data[middle + 64:])

    steps, backup, _ = take_backup(settings, source, etcd_binaries, tmp_path, between=spoil)
    assert steps[-1].container in ("status", "check") and steps[-1].returncode != 0, steps
    assert kept(backup, settings) == []


def test_retention_prunes_this_tenant_s_oldest_snapshots_and_nothing_else(
        settings: EffectiveSettings, source: Any, etcd_binaries: dict[str, Path], tmp_path: Path) -> None:
    directory = tmp_path / "backup" / Path(snapshot_dir(settings)).relative_to("/backup")
    directory.mkdir(parents=True)
    older = [f"{TENANT}-2026010{d}T023000Z.db" for d in range(1, 6)]
    others = ["other-20260101T023000Z.db", f"{TENANT}-manual.db", "notes.txt", f"x{TENANT}-20250101T023000Z.db"]
    for name in [*older, *others]:
        (directory / name).write_text("old")
    steps, _, report = take_backup(settings, source, etcd_binaries, tmp_path)
    assert steps[-1].returncode == 0, steps[-1]
    names = kept(tmp_path / "backup", settings)
    ours = sorted(n for n in names if n not in others)
    assert len(ours) == 3 and ours[:2] == older[-2:]  # retention 3: the new one and the two newest before it
    assert set(others) <= set(names)
    assert [line.split()[0] for line in report.read_text().splitlines()] == sorted(ours, reverse=True)


def test_the_restore_matches_the_chart_s_etcd_members(settings: EffectiveSettings, monkeypatch: pytest.MonkeyPatch,
                                                     helm_binary: Path, tmp_path: Path) -> None:
    """Member names, peer URLs and cluster token as the chart's etcd StatefulSet starts them."""
    monkeypatch.setenv(HELM_ENV, str(helm_binary))
    request = tmp_path / "request.yaml"
    request.write_text(yaml.safe_dump(REQUEST))
    chart = template(chart_input_of(with_promise_outputs(objects_of(request))), SHARED / "charts")
    (etcd,) = [o for o in chart if o["kind"] == "StatefulSet" and o["metadata"]["name"] == f"{TENANT}-etcd"]
    flags = dict(arg.split("=", 1) for arg in etcd["spec"]["template"]["spec"]["containers"][0]["command"][1:])
    job = restore_job(settings, f"{TENANT}-etcd-1", f"{TENANT}-20260101T023000Z.db", "r1")
    restore = job["spec"]["template"]["spec"]["initContainers"][1]["command"]
    given = dict(zip(restore[4::2], restore[5::2], strict=True))
    assert given["--initial-cluster"] == flags["--initial-cluster"]
    assert given["--initial-cluster-token"] == flags["--initial-cluster-token"]
    assert given["--initial-advertise-peer-urls"] == flags["--initial-advertise-peer-urls"].replace(
        "$(NAME)", f"{TENANT}-etcd-1")
    assert etcd["spec"]["replicas"] == len(member_names(settings)) == 3
    claims = [t["metadata"]["name"] for t in etcd["spec"]["volumeClaimTemplates"]]
    assert job["spec"]["template"]["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"] == \
        f"{claims[0]}-{TENANT}-etcd-1"


def test_a_snapshot_restored_by_the_rendered_jobs_brings_back_every_key_at_its_revision(
        settings: EffectiveSettings, source: Any, etcd_binaries: dict[str, Path], tmp_path: Path) -> None:
    before, revision = source.everything()
    steps, backup, _ = take_backup(settings, source, etcd_binaries, tmp_path / "take")
    assert steps[-1].returncode == 0, steps[-1]
    (snapshot,) = kept(backup, settings)
    source.put("/registry/after-the-snapshot", "not in the backup")

    fresh = new_cluster(TENANT, source.pki, tmp_path / "fresh")
    (fresh.data_dirs[2] / "member").mkdir(parents=True)  # a member whose broken data is set aside, not lost
    (fresh.data_dirs[2] / "member" / "broken").write_text("x")
    rewrite = {peer_url(settings, m): fresh.peer_urls[m] for m in member_names(settings)}
    for i, member in enumerate(member_names(settings)):
        fresh.data_dirs[i].mkdir(parents=True, exist_ok=True)
        pod = restore_job(settings, member, snapshot, "r1")["spec"]["template"]["spec"]
        done = run_pod(pod, {"data": fresh.data_dirs[i], "backup": backup}, etcd_binaries, rewrite=rewrite)
        assert succeeded(done, pod), done[-1]
    assert (fresh.data_dirs[2] / "member.before-restore-r1" / "broken").exists()
    assert initial_cluster(settings).count("=https://") == 3
    fresh.start(tmp_path / "logs", etcd_binaries["etcd"])
    try:
        for i in range(3):
            restored, restored_revision = fresh.everything(i)
            assert restored == before and restored_revision == revision
    finally:
        fresh.stop()


def test_a_damaged_snapshot_is_refused_by_the_restore_and_the_data_is_untouched(
        settings: EffectiveSettings, etcd_binaries: dict[str, Path], tmp_path: Path) -> None:
    backup = tmp_path / "backup"
    directory = backup / Path(snapshot_dir(settings)).relative_to("/backup")
    directory.mkdir(parents=True)
    snapshot = f"{TENANT}-20260101T023000Z.db"
    (directory / snapshot).write_bytes(b"\0" * 4096)
    data = tmp_path / "data"
    (data / "member").mkdir(parents=True)
    (data / "member" / "wal").write_text("current data")
    pod = restore_job(settings, f"{TENANT}-etcd-0", snapshot, "r2")["spec"]["template"]["spec"]
    steps = run_pod(pod, {"data": data, "backup": backup}, etcd_binaries)
    assert steps[-1].returncode != 0 and steps[-1].container in ("status", "restore")
    assert sorted(p.name for p in data.iterdir()) == ["member"]
    assert (data / "member" / "wal").read_text() == "current data"


def test_the_snapshot_pod_reaches_etcd_with_the_tenant_s_etcd_image_and_no_api_token(
        settings: EffectiveSettings) -> None:
    cron = backup_cronjob(settings)
    pod = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    assert cron["spec"]["concurrencyPolicy"] == "Forbid"
    assert pod["automountServiceAccountToken"] is False
    assert {c["image"] for c in pod["initContainers"]} == {"registry.k8s.io/etcd:3.6.4-0"}
    assert all(c["securityContext"]["readOnlyRootFilesystem"] for c in [*pod["initContainers"], *pod["containers"]])
    assert yaml.safe_dump(cron)  # a plain document
