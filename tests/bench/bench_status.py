"""`make bench` (status reconciler part): figures, not assertions.

100 tenants on the local API server (etcd + kube-apiserver), each with its request (status from the real
configure pipeline, merged as Kratix does), ArgoCD Application, namespace, three ready pods and a synced
kubeconfig ExternalSecret. Prints: the reconciler process (deploy RBAC) from start until every tenant is Ready,
its peak RSS and its own reconcile-duration histogram; then one reconcile per tenant in-process, when the
status must be written and when it is already current.
"""

from __future__ import annotations

import shutil
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO / "tests"), str(REPO / "src")]

from bench_migration import peak_rss_mib  # noqa: E402

from testenv import prometheus, tenants  # noqa: E402
from testenv.cluster import Cluster, start_cluster  # noqa: E402

TENANTS = 100


def seed(cluster: Cluster, work: Path, index: int) -> None:
    import yaml

    from vcluster_platform.cli import render_to

    name = f"tenant-{index:03d}"
    doc = {"apiVersion": tenants.API, "kind": tenants.KIND, "metadata": {"name": name, "namespace": tenants.REQUESTS},
           "spec": {"name": name}}
    cluster.admin.create(doc)
    (work / f"{name}.yaml").write_text(yaml.safe_dump(doc))
    render_to(work / f"{name}.yaml", work / name)
    status = yaml.safe_load((work / name / "metadata" / "status.yaml").read_text())
    tenants.kratix_writes_status(cluster, name, status)
    tenants.tenant_up(cluster, status, pods=("vcluster-0", "coredns-0", "app-0"))


def phases(cluster: Cluster) -> list[str]:
    requests = cluster.admin.list_objects(tenants.API, tenants.KIND, tenants.REQUESTS)
    return [str((r.get("status") or {}).get("phase")) for r in requests]


def in_process(cluster: Cluster) -> list[list[float]]:
    """ms per tenant over one sweep that must write every status (heartbeat 0), then one that needs none."""
    from platform_common.kube import JsonApi, api_client
    from vcluster_status.observe import ApplicationLists
    from vcluster_status.reconcile import reconcile_tenant

    api = JsonApi(api_client(str(cluster.kubeconfig)))
    applications = ApplicationLists(api)
    timings = []
    for heartbeat in (0.0, 3600.0):
        took = []
        for index in range(TENANTS):
            started = time.perf_counter()
            reconcile_tenant(api, tenants.REQUESTS, f"tenant-{index:03d}", heartbeat=heartbeat,
                             applications=applications)
            took.append((time.perf_counter() - started) * 1000)
        timings.append(took)
    return timings


def main() -> int:
    work = REPO / "build" / "bench-status"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    cluster = start_cluster(work / "kube")
    reconciler = None
    try:
        token = tenants.prepare(cluster)
        started = time.monotonic()
        for index in range(TENANTS):
            seed(cluster, work, index)
        print(f"status reconciler, {TENANTS} tenants (3 pods each), seeded in {time.monotonic() - started:.0f} s")
        started = time.monotonic()
        reconciler, port = tenants.start_reconciler(cluster, work, token, interval=60)
        while phases(cluster).count("Ready") < TENANTS:
            time.sleep(0.2)
        converged = time.monotonic() - started
        samples = prometheus.scrape(port)
        count = prometheus.metric(samples, "vcluster_status_reconcile_duration_seconds_count") or 0
        total = prometheus.metric(samples, "vcluster_status_reconcile_duration_seconds_sum") or 0
        print(f"  process: start → all {TENANTS} Ready in {converged:.1f} s (includes start-up and kopf's listings); "
              f"{int(count)} reconciles, mean {total / max(count, 1) * 1000:.1f} ms each (its own histogram)")
        print(f"  process peak RSS with {TENANTS} tenants: {peak_rss_mib(reconciler.process.pid):.0f} MiB")
        reconciler.stop()
        reconciler = None
        write, current = in_process(cluster)
        print(f"  in-process, per tenant: {statistics.median(write):.1f} ms median / {max(write):.1f} ms max when the "
              f"status is written; {statistics.median(current):.1f} ms / {max(current):.1f} ms when already current"
              " (5 reads; the Applications list is shared for 2 s)")
        return 0
    finally:
        if reconciler is not None:
            reconciler.stop()
        cluster.stop()


if __name__ == "__main__":
    sys.exit(main())
