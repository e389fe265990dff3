"""`make bench` (migration part): figures, not assertions.

One Automatic-mode migration on the local test bed (etcd + kube-apiserver, two vCenter simulators, the cluster
simulator, the controller as a process with the deploy RBAC): wall time from creating the object to Succeeded,
wall time per phase, vSphere calls per phase (from status.phaseHistory) and the controller's peak RSS.
"""

from __future__ import annotations

import shutil
import sys
import time
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO / "tests"), str(REPO / "src")]

from testenv.cluster import start_cluster  # noqa: E402
from testenv.e2e import start_bed  # noqa: E402
from testenv.migration import status  # noqa: E402
from testenv.openshift import migration, openshift_crds  # noqa: E402
from testenv.vcsim import start_vcsim  # noqa: E402


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def seconds(start: str, end: str) -> float:
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    return (datetime.strptime(end, fmt) - datetime.strptime(start, fmt)).total_seconds()


def main() -> int:
    from vsphere_migration.api.crd import migration_crd

    work = REPO / "build" / "bench-migration"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    stack: list = []  # type: ignore[type-arg]
    try:
        cluster = start_cluster(work / "kube")
        stack.append(cluster)
        source = start_vcsim(work, "source", host="127.0.0.51")
        target = start_vcsim(work, "target", host="127.0.0.52")
        stack += [source, target]
        cluster.install_crds([*openshift_crds(REPO.parent / "shared"), migration_crd()])
        bed = start_bed(cluster, source, target, work)
        stack.append(bed.simulator)
        controller = bed.start_controller()
        stack.append(controller)
        start = time.monotonic()
        cluster.admin.create(migration(target, "bench", mode="Automatic"))
        obj = bed.wait("bench", lambda o: status(o).get("phase") in ("Succeeded", "Failed", "RolledBack"), 600)
        wall = time.monotonic() - start
        st = status(obj)
        print(f"migration: {st['phase']} in {wall:.1f} s wall (create → Succeeded), reconcile interval 0.2 s")
        print(f"{'phase':<22} {'seconds':>8} {'vSphere calls':>14}")
        for record in st["phaseHistory"]:
            took = seconds(record["startTime"], record.get("endTime") or record["startTime"])
            print(f"{record['name']:<22} {took:>8.0f} {record['vsphereCalls']:>14}")
        total = sum(r["vsphereCalls"] for r in st["phaseHistory"])
        print(f"{'total':<22} {'':>8} {total:>14}")
        print(f"controller peak RSS: {peak_rss_mib(controller.process.pid):.0f} MiB")
        print(f"VMs cloned by the cluster simulator: {bed.simulator.vm_creations}")
        return 0 if st["phase"] == "Succeeded" else 1
    finally:
        for item in reversed(stack):
            item.stop()


if __name__ == "__main__":
    sys.exit(main())
