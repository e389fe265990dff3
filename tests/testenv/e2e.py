"""The end-to-end test bed: cluster, two vCenters, the cluster simulator, the controller with its deploy RBAC."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from testenv.cluster import Cluster
from testenv.kube import Obj
from testenv.migration import allow, delete_migrations, deny, prepare_target, rename_vm, start_controller, wait_for
from testenv.openshift import INFRA_ID, MIGRATION_NAMESPACE, WORKER_SETS, configuration, seed
from testenv.processes import REPO, ServerProcess
from testenv.simulator import ClusterSimulator
from testenv.vcenter_state import vcenter_state, wipe_migration_leftovers
from testenv.vcsim import VCenter

RBAC = REPO / "deploy" / "vsphere-migration" / "rbac.yaml"
CONTROLLER_SA = ("vsphere-migration", "vsphere-migration-controller")
CONTROLLER_USER = f"system:serviceaccount:{CONTROLLER_SA[0]}:{CONTROLLER_SA[1]}"
MS_API = "machine.openshift.io/v1beta1"


def prepare_source(source: VCenter) -> None:
    """The source inventory: the template the cluster's machines were cloned from."""
    rename_vm(source, "/DC0/vm/DC0_C0_RP0_VM0", f"{INFRA_ID}-rhcos")


def install_rbac(cluster: Cluster, rbac: Path = RBAC, drop: tuple[str, str] | None = None,
                 account: tuple[str, str] = CONTROLLER_SA) -> str:
    """Apply a deploy RBAC file (optionally without one rule: (role namespace, resource)); return a token for
    its service account `account` (namespace, name)."""
    cluster.admin.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": account[0]}})
    for doc in yaml.safe_load_all(rbac.read_text()):
        ns = doc["metadata"].get("namespace")
        if ns:
            cluster.admin.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
        if drop and doc["kind"] in ("Role", "ClusterRole") and (ns or "") == drop[0]:
            doc = {**doc, "rules": [r for r in doc["rules"] if drop[1] not in r["resources"]]}
        cluster.admin.apply(doc)
    path = f"/api/v1/namespaces/{account[0]}/serviceaccounts/{account[1]}/token"
    response = cluster.admin.request("POST", path, {"apiVersion": "authentication.k8s.io/v1",
                                                    "kind": "TokenRequest", "spec": {"expirationSeconds": 7200}})
    return str(response["status"]["token"])


@dataclass
class Bed:
    cluster: Cluster
    source: VCenter
    target: VCenter
    simulator: ClusterSimulator
    work: Path
    kubeconfig: Path
    controller: ServerProcess | None = None
    policies: list[str] = field(default_factory=list)

    def start_controller(self, name: str = "controller", extra_env: dict[str, str] | None = None, *,
                         killable: bool = False) -> ServerProcess:
        self.stop_controller()
        self.controller = start_controller(self.work, self.kubeconfig, interval=0.2, name=name, extra_env=extra_env,
                                           killable=killable)
        return self.controller

    def stop_controller(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def kill_controller(self) -> None:
        assert self.controller is not None
        self.controller.process.kill()
        self.controller.process.wait()
        self.controller = None

    def wait(self, name: str, check: Any, timeout: float = 120.0) -> Obj:
        return wait_for(self.cluster, name, check, timeout, self.controller)

    # --- faults -------------------------------------------------------------------------------------------

    def deny(self, operation: str, group: str, resource: str, name: str | None = None) -> str:
        """A ValidatingAdmissionPolicy refusing the controller's `operation` on `resource` (an API fault)."""
        policy = f"fault-{len(self.policies)}"
        deny(self.cluster, policy, operation, group, resource, name=name, username=CONTROLLER_USER)
        self.policies.append(policy)
        return policy

    def clear_faults(self) -> None:
        for policy in self.policies:
            allow(self.cluster, policy)
        self.policies.clear()
        self.source.clear_faults()
        self.target.clear_faults()
        self.simulator.degraded.clear()
        self.simulator.pods_start = True

    # --- the cluster's state ------------------------------------------------------------------------------

    def reset(self) -> None:
        """Back to a cluster running on the source, with no migration, and a target vCenter no migration has
        touched (so a rollback has real work to undo); waits until machines have settled."""
        self.clear_faults()
        delete_migrations(self.cluster)
        for secret in self.metadata_secrets():
            self.cluster.admin.delete("v1", "Secret", secret["metadata"]["name"], MIGRATION_NAMESPACE)
        wipe_migration_leftovers(self.target)
        for ms in self.cluster.admin.list_objects(MS_API, "MachineSet", "openshift-machine-api"):
            if ms["metadata"]["name"] not in WORKER_SETS:
                self.cluster.admin.delete(MS_API, "MachineSet", ms["metadata"]["name"], "openshift-machine-api")
        seed(self.cluster, self.source, self.target)
        self.simulator.resync()
        self.settled(self.source.host)

    def settled(self, server: str, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            machines = self.cluster.admin.list_objects(MS_API, "Machine", "openshift-machine-api")
            running = [m for m in machines if (m.get("status") or {}).get("phase") == "Running"
                       and m["spec"]["providerSpec"]["value"]["workspace"]["server"] == server]
            if len(running) == len(machines) == sum(WORKER_SETS.values()) + 3:
                return
            time.sleep(0.15)
        raise AssertionError(f"machines did not settle on {server}: {self.simulator.errors[-3:]}")

    def configuration(self) -> dict[str, Any]:
        """What a rollback must restore: the cluster's configuration and what a migration makes on the target
        vCenter (tag categories, tags and their attachments, VM folders)."""
        return {**configuration(self.cluster), "target-vcenter": vcenter_state(self.target),
                "installer-metadata": [s["metadata"]["name"] for s in self.metadata_secrets()]}

    def metadata_secrets(self) -> list[Obj]:
        """The installer metadata Secrets migrations left (they outlive their migration)."""
        found = self.cluster.admin.request("GET", f"/api/v1/namespaces/{MIGRATION_NAMESPACE}/secrets",
                                           query={"labelSelector": "migration.openshift.io/metadata=true"})
        return list(found["items"])

    def references_only_target(self) -> list[str]:
        """Every place that still names the source vCenter (empty after a complete migration)."""
        from vsphere_migration.openshift.cloudconfig import vcenter_servers

        src, tgt = self.source.host, self.target.host
        config = self.configuration()
        problems = []
        vsphere = config["infrastructure"]["platformSpec"]["vsphere"]
        if [v["server"] for v in vsphere["vcenters"]] != [tgt]:
            problems.append(f"Infrastructure vcenters {vsphere['vcenters']}")
        problems += [f"failure domain {d['name']} on {d['server']}" for d in vsphere["failureDomains"]
                     if d["server"] != tgt]
        text = config["cloud-config"]["config"]
        if vcenter_servers(text) != [tgt] or src in text:
            problems.append(f"cloud-provider-config still names {src}")
        keys = set(config["credentials"])
        if keys != {f"{tgt}.username", f"{tgt}.password"}:
            problems.append(f"vsphere-creds keys {sorted(keys)}")
        for name, spec in config["machine-sets"].items():
            if spec["template"]["spec"]["providerSpec"]["value"]["workspace"]["server"] != tgt:
                problems.append(f"MachineSet {name} on the source")
        cpms = config["cpms"]["template"]["machines_v1beta1_machine_openshift_io"]["spec"]["providerSpec"]["value"]
        if cpms["workspace"]["server"] != tgt:
            problems.append("ControlPlaneMachineSet on the source")
        for m in self.cluster.admin.list_objects(MS_API, "Machine", "openshift-machine-api"):
            if m["spec"]["providerSpec"]["value"]["workspace"]["server"] != tgt:
                problems.append(f"Machine {m['metadata']['name']} on the source")
        if config["cvo-replicas"] != 1:
            problems.append(f"cluster-version-operator replicas {config['cvo-replicas']}")
        return problems


def start_bed(cluster: Cluster, source: VCenter, target: VCenter, work: Path) -> Bed:
    prepare_source(source)
    prepare_target(target)
    seed(cluster, source, target)
    simulator = ClusterSimulator(cluster, [source, target]).start()
    token = install_rbac(cluster)
    kubeconfig = cluster.write_kubeconfig(work / "controller.kubeconfig", token=token)
    bed = Bed(cluster, source, target, simulator, work, kubeconfig)
    bed.settled(source.host)
    return bed
