"""`make run-migration-demo`: a Manual-mode migration through phases 1-7 on local servers.

Starts etcd + kube-apiserver and two vCenter simulators (source 127.0.0.11, target 127.0.0.12) built by
tools/testenv, seeds an OpenShift-like cluster that runs on the source, starts the controller as a process,
creates a VmwareCloudFoundationMigration in Manual mode and approves one phase at a time, printing the status
after each. Everything is stopped at the end; logs stay under build/migration-demo/.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "tests"), str(REPO / "src")]

from testenv.cluster import start_cluster  # noqa: E402
from testenv.migration import approve, prepare_target, start_controller, status, wait_for  # noqa: E402
from testenv.openshift import migration, openshift_crds, seed  # noqa: E402
from testenv.vcsim import start_vcsim  # noqa: E402

SHARED = REPO.parent / "shared"
PHASES = ["Preflight", "Backup", "DisableCVO", "UpdateSecrets", "CreateTags", "CreateFolder",
          "UpdateInfrastructure"]


def show(obj: dict) -> None:  # type: ignore[type-arg]
    st = status(obj)
    print(f"  phase={st.get('phase')} current={st.get('currentPhase')} progress={st.get('progress', 0)}%")
    print(f"  message: {st.get('message')}")


def main() -> int:
    work = REPO / "build" / "migration-demo"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    started = []
    try:
        print("starting etcd + kube-apiserver and two vCenter simulators ...")
        cluster = start_cluster(work / "kube")
        started.append(cluster)
        source = start_vcsim(work, "source", host="127.0.0.11")
        target = start_vcsim(work, "target", host="127.0.0.12")
        started += [source, target]
        prepare_target(target)
        from vsphere_migration.api.crd import migration_crd

        cluster.install_crds([*openshift_crds(SHARED), migration_crd()])
        seed(cluster, source, target)
        print(f"source vCenter {source.url}\ntarget vCenter {target.url}\nkubeconfig {cluster.kubeconfig}")
        controller = start_controller(work, cluster.kubeconfig, interval=0.5)
        started.append(controller)
        cluster.admin.create(migration(target, "demo"))
        print("\ncreated VmwareCloudFoundationMigration openshift-config/demo (Manual mode)")
        obj = wait_for(cluster, "demo", lambda o: status(o).get("phase") == "WaitingForApproval", 60, controller)
        show(obj)
        approved: list[str] = []
        for phase in PHASES:
            approved.append(phase)
            print(f"\n$ kubectl -n openshift-config patch vcfm demo --type merge -p "
                  f"'{{\"spec\":{{\"approvals\":{json.dumps(approved)}}}}}'")
            approve(cluster, "demo", approved)
            obj = wait_for(cluster, "demo", lambda o, p=phase: p in status(o).get("completedPhases", [])
                           or status(o).get("phase") in ("Failed", "RollingBack"), 120, controller)
            show(obj)
            if status(obj).get("phase") in ("Failed", "RollingBack"):
                return 1
        time.sleep(1)
        final = wait_for(cluster, "demo", lambda o: status(o).get("phase") == "WaitingForApproval", 30, controller)
        print("\nphase history:")
        for record in status(final)["phaseHistory"]:
            print(f"  {record['name']:<22} {record['result']:<10} vSphere calls {record['vsphereCalls']:>3}  "
                  f"{record['message']}")
        print("\nnewest vSphere calls (redacted, from status.recentCalls):")
        for call in status(final)["recentCalls"][-6:]:
            print(f"  {call['api']:<4} {call['server']} {call['method']} {call['outcome']} {call['durationMs']}ms")
        print(f"\nstopped before UpdateConfig, as asked. Controller log: {controller.log}")
        return 0
    finally:
        for item in reversed(started):
            item.stop()


if __name__ == "__main__":
    sys.exit(main())
