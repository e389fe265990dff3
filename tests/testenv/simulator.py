"""Test-bed cluster simulator: plays machine-api, the CPMS operator, kubelets and operators on the real API server.

What it does every tick (test code only, never shipped):
- MachineSets: creates missing Machines (cloning a VM from the provider spec's template in the vCenter simulator
  the workspace names), deletes surplus and orphaned Machines with their VMs and Nodes;
- provisions Machines: VM powered on, Machine Running with a providerID and nodeRef, a Ready Node;
- ControlPlaneMachineSet (RollingUpdate, only when Active): replaces control-plane Machines whose provider spec
  differs from the CPMS template, one at a time (surge 1);
- ClusterOperators: Available, not Degraded (unless `degrade(name)`), etcd reporting its members;
- the vSphere-dependent pods: recreated when deleted (so a restart is visible as a new pod uid), Ready a tick
  later (unless `pods_start` is off).

Like machine-api, it reaches a vCenter only as the cluster tells it to: the server and port from the
cloud-provider-config (either format, read here independently of the product's parser) and the login from
`kube-system/vsphere-creds` (`<server>.username` / `.password`); with either missing it refuses to provision
(and records why in `errors`). The CA: `insecure-flag` in the config skips verification, as the cloud provider
does; otherwise the simulator's own certificate is the trust anchor.
"""

from __future__ import annotations

import base64
import configparser
import contextlib
import logging
import random
import ssl
import string
import threading
import time
from typing import Any

import yaml
from pyVim.connect import SmartConnect
from pyVmomi import vim

from testenv.cluster import Cluster
from testenv.kube import ApiError, Obj
from testenv.openshift import INFRA_ID, OPERATORS, set_operator
from testenv.vcsim import VCenter

LOG = logging.getLogger("testenv.simulator")
NS = "openshift-machine-api"
MACHINES = ("machine.openshift.io/v1beta1", "Machine")
SET_LABEL = "machine.openshift.io/cluster-api-machineset"
ROLE = "machine.openshift.io/cluster-api-machine-role"
# The pods of a real OpenShift cluster on vSphere that load the cloud config or credentials only when they start
# (written from the cluster's own component list, not from the product's restart list, so that a component the
# product forgets to restart shows up as a pod uid that did not change).
PODS = (("openshift-cluster-csi-drivers", {"app": "vmware-vsphere-csi-driver-controller"}),
        ("openshift-cluster-csi-drivers", {"app": "vmware-vsphere-csi-driver-node"}),
        ("openshift-cluster-csi-drivers", {"name": "vmware-vsphere-csi-driver-operator"}),
        ("openshift-cloud-controller-manager", {"k8s-app": "vsphere-cloud-controller-manager"}),
        ("openshift-machine-api", {"k8s-app": "controller"}),
        ("openshift-cluster-storage-operator", {"name": "cluster-storage-operator"}),
        ("openshift-cluster-storage-operator", {"name": "vsphere-problem-detector-operator"}),
        ("openshift-machine-config-operator", {"k8s-app": "machine-config-operator"}),
        ("openshift-machine-config-operator", {"k8s-app": "machine-config-controller"}))


def cloud_config_vcenters(text: str) -> tuple[dict[str, int], bool]:
    """({server: port}, insecure) from a cloud-provider-config in INI or YAML form."""
    if "[VirtualCenter" in text or "[Global]" in text:
        parser = configparser.ConfigParser()
        parser.read_string(text)
        ports = {section.split('"')[1]: int(_unquote(parser[section].get("port", "443")))
                 for section in parser.sections() if section.startswith("VirtualCenter")}
        flag = _unquote(parser["Global"].get("insecure-flag", "0")) if parser.has_section("Global") else "0"
        insecure = flag in ("1", "true")
        return ports, insecure
    data = yaml.safe_load(text) or {}
    ports = {str((v or {}).get("server", k)): int((v or {}).get("port", 443))
             for k, v in (data.get("vcenter") or {}).items()}
    return ports, bool((data.get("global") or {}).get("insecureFlag", False))


def _unquote(value: str) -> str:
    return value.strip().strip('"')


def _suffix() -> str:
    return "".join(random.choices(string.ascii_lowercase + string.digits, k=5))


def _provider(obj: Obj) -> Obj:
    spec = obj.get("spec") or {}
    if "template" in spec:
        template = spec["template"]
        template = template.get("machines_v1beta1_machine_openshift_io", template)
        spec = template.get("spec") or {}
    return dict((spec.get("providerSpec") or {}).get("value") or {})


class ClusterSimulator:
    def __init__(self, cluster: Cluster, vcenters: list[VCenter], tick: float = 0.15) -> None:
        self.cluster, self.admin, self.tick = cluster, cluster.admin, tick
        self.vcenters = {v.host: v for v in vcenters}
        self.degraded: set[str] = set()
        self._operators: dict[str, Any] = {}  # what was last written, to skip unchanged writes
        self.vm_creations = 0
        self._sessions: dict[tuple[Any, ...], Any] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cluster-simulator", daemon=True)
        self.errors: list[str] = []
        self.pods_start = True

    # --- lifecycle ----------------------------------------------------------------------------------------

    def start(self) -> ClusterSimulator:
        for namespace, _ in PODS:
            self.admin.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
            self.admin.apply({"apiVersion": "v1", "kind": "ServiceAccount",
                              "metadata": {"name": "default", "namespace": namespace}})
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)
        for si in self._sessions.values():
            with contextlib.suppress(Exception):  # the simulator may already be gone
                si.content.sessionManager.Logout()

    def resync(self) -> None:
        """Write every operator again on the next tick (after something else rewrote them)."""
        self._operators.clear()

    def degrade(self, name: str, on: bool = True) -> None:
        (self.degraded.add if on else self.degraded.discard)(name)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.step()
            except Exception as exc:  # noqa: BLE001 - keep simulating; the test sees the effect
                self.errors.append(f"{type(exc).__name__}: {exc}")
                LOG.warning("simulator step failed: %s", exc)
            self._stop.wait(self.tick)

    # --- vSphere ------------------------------------------------------------------------------------------

    def given_connection(self, server: str) -> tuple[int, str, str, bool]:
        """(port, username, password, insecure) the cluster gives for `server`; RuntimeError when it gives none."""
        config = self.admin.get("v1", "ConfigMap", "cloud-provider-config", "openshift-config")["data"]["config"]
        ports, insecure = cloud_config_vcenters(config)
        if server not in ports:
            raise RuntimeError(f"refusing to provision on {server}: not a vCenter of the cloud-provider-config")
        data = self.admin.get("v1", "Secret", "vsphere-creds", "kube-system").get("data") or {}
        user, password = data.get(f"{server}.username"), data.get(f"{server}.password")
        if not user or not password:
            raise RuntimeError(f"refusing to provision on {server}: kube-system/vsphere-creds has no "
                               f"{server}.username / {server}.password")
        return ports[server], base64.b64decode(user).decode(), base64.b64decode(password).decode(), insecure

    def _si(self, server: str) -> Any:
        port, user, password, insecure = self.given_connection(server)
        key = (server, port, user, password, insecure)
        if key not in self._sessions:
            if insecure:
                context = ssl._create_unverified_context()  # noqa: S323 - the cluster's own insecure-flag
            else:
                context = ssl.create_default_context(cafile=str(self.vcenters[server].ca_bundle))
            self._sessions[key] = SmartConnect(host=server, port=port, user=user, pwd=password, sslContext=context)
        return self._sessions[key]

    @staticmethod
    def _wait(task: Any) -> Any:
        while task.info.state not in ("success", "error"):
            time.sleep(0.02)
        if task.info.state == "error":
            raise RuntimeError(f"vSphere task failed: {task.info.error.msg}")
        return task.info.result

    def _folder(self, si: Any, path: str) -> Any:
        found = si.content.searchIndex.FindByInventoryPath(path)
        if found is not None:
            return found
        parent, _, name = path.rpartition("/")
        return self._folder(si, parent).CreateFolder(name)

    def _clone(self, value: Obj, name: str) -> str:
        workspace = value["workspace"]
        si = self._si(workspace["server"])
        index = si.content.searchIndex
        template = index.FindByInventoryPath(f"/{workspace['datacenter']}/vm/{value['template']}")
        if template is None:
            raise RuntimeError(f"template {value['template']} not found on {workspace['server']}")
        pool = index.FindByInventoryPath(workspace["resourcePool"])
        spec = vim.vm.CloneSpec(location=vim.vm.RelocateSpec(pool=pool), powerOn=True)
        vm = self._wait(template.CloneVM_Task(self._folder(si, workspace["folder"]), name, spec))
        self.vm_creations += 1
        return str(vm.config.uuid)

    def _destroy_vm(self, machine: Obj) -> None:
        server = (_provider(machine).get("workspace") or {}).get("server")
        provider_id = (machine.get("spec") or {}).get("providerID", "")
        if server not in self.vcenters or not provider_id:
            return
        try:
            si = self._si(server)
        except RuntimeError as exc:  # a test bed reset removed that vCenter from the cluster: leave the VM
            LOG.info("not destroying the VM of %s: %s", machine["metadata"]["name"], exc)
            return
        vm = si.content.searchIndex.FindByUuid(None, provider_id.removeprefix("vsphere://"), True,
                                                             False)
        if vm is not None:
            if vm.runtime.powerState == "poweredOn":
                self._wait(vm.PowerOffVM_Task())
            self._wait(vm.Destroy_Task())

    # --- machines -----------------------------------------------------------------------------------------

    def _machines(self) -> list[Obj]:
        return self.admin.list_objects(*MACHINES, NS)

    def _create_machine(self, name: str, labels: dict[str, str], provider_value: Obj) -> None:
        self.admin.create({"apiVersion": MACHINES[0], "kind": "Machine",
                           "metadata": {"name": name, "namespace": NS, "labels": labels},
                           "spec": {"providerSpec": {"value": provider_value}}})

    def _delete_machine(self, machine: Obj) -> None:
        name = machine["metadata"]["name"]
        self._destroy_vm(machine)
        for delete in (lambda: self.admin.delete("v1", "Node", name),
                       lambda: self.admin.delete(*MACHINES, name, NS)):
            try:
                delete()
            except ApiError as exc:
                if exc.code != 404:
                    raise

    def _provision(self, machine: Obj) -> None:
        name = machine["metadata"]["name"]
        uuid = self._clone(_provider(machine), name)
        provider_id = f"vsphere://{uuid}"
        machine["spec"]["providerID"] = provider_id
        self.admin.request("PUT", self.admin.path_of(machine), machine)
        role = (machine["metadata"].get("labels") or {}).get(ROLE, "worker")
        node_labels = {f"node-role.kubernetes.io/{role}": ""}
        try:
            self.admin.create({"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": node_labels},
                               "spec": {"providerID": provider_id}})
        except ApiError as exc:
            if exc.code != 409:
                raise
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        self.admin.request("PATCH", f"/api/v1/nodes/{name}/status", {"status": {"conditions": [
            {"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "simulated kubelet",
             "lastHeartbeatTime": now, "lastTransitionTime": now}]}},
            content_type="application/merge-patch+json")
        self.admin.request("PATCH", self.admin.path_of(machine) + "/status", {"status": {
            "phase": "Running", "nodeRef": {"kind": "Node", "name": name},
            "addresses": [{"type": "InternalDNS", "address": name}]}},
            content_type="application/merge-patch+json")

    def _reconcile_machine_sets(self, machines: list[Obj]) -> None:
        sets = {s["metadata"]["name"]: s for s in self.admin.list_objects("machine.openshift.io/v1beta1",
                                                                          "MachineSet", NS)}
        for machine in machines:
            owner = (machine["metadata"].get("labels") or {}).get(SET_LABEL)
            if owner and owner not in sets:
                self._delete_machine(machine)
        for name, machine_set in sets.items():
            mine = [m for m in machines if (m["metadata"].get("labels") or {}).get(SET_LABEL) == name]
            wanted = int(machine_set["spec"].get("replicas", 0))
            for _ in range(wanted - len(mine)):
                labels = dict(machine_set["spec"]["template"]["metadata"].get("labels") or {})
                self._create_machine(f"{name}-{_suffix()}", {**labels, SET_LABEL: name}, _provider(machine_set))
            for machine in sorted(mine, key=lambda m: m["metadata"]["creationTimestamp"])[wanted:]:
                self._delete_machine(machine)

    def _reconcile_control_plane(self, machines: list[Obj]) -> None:
        try:
            cpms = self.admin.get("machine.openshift.io/v1", "ControlPlaneMachineSet", "cluster", NS)
        except ApiError:
            return
        if cpms["spec"].get("state") != "Active":  # an Inactive CPMS takes no action on the Machines
            return
        template = cpms["spec"]["template"]["machines_v1beta1_machine_openshift_io"]
        wanted_value, replicas = _provider(cpms), int(cpms["spec"]["replicas"])
        labels = dict(template["metadata"]["labels"])
        masters = [m for m in machines if (m["metadata"].get("labels") or {}).get(ROLE) == "master"]
        current = [m for m in masters if _provider(m) == wanted_value]
        outdated = [m for m in masters if _provider(m) != wanted_value]
        if len(masters) < replicas or (outdated and len(masters) == replicas):
            self._create_machine(f"{INFRA_ID}-master-{_suffix()}", labels, wanted_value)  # surge one
        elif outdated and all((m.get("status") or {}).get("phase") == "Running" for m in current):
            self._delete_machine(outdated[0])

    def _reconcile_operators(self, machines: list[Obj]) -> None:
        masters = [m for m in machines if (m["metadata"].get("labels") or {}).get(ROLE) == "master"
                   and (m.get("status") or {}).get("phase") == "Running"]
        for name in OPERATORS:
            extra = None
            if name == "etcd":
                members = min(len(masters), 3)
                extra = {"type": "EtcdMembersAvailable", "status": "True",
                         "message": f"{members} members are available"}
            wanted = (name in self.degraded, str(extra))
            if self._operators.get(name) != wanted:
                set_operator(self.cluster, name, available=True, degraded=name in self.degraded, extra=extra)
                self._operators[name] = wanted

    def pod_uids(self) -> dict[str, str]:
        """`namespace/label=value` → uid of the current pod, for every pod in PODS that exists."""
        found = {}
        for namespace, labels in PODS:
            selector = ",".join(f"{k}={v}" for k, v in labels.items())
            pods = self.admin.request("GET", f"/api/v1/namespaces/{namespace}/pods",
                                      query={"labelSelector": selector})["items"]
            if pods:
                found[f"{namespace}/{selector}"] = pods[0]["metadata"]["uid"]
        return found

    def _reconcile_pods(self) -> None:
        """Recreate a deleted pod (not Ready yet); a pod that is not Ready becomes Ready on the next tick, unless
        `pods_start` is off (a component that cannot start)."""
        for namespace, labels in PODS:
            selector = ",".join(f"{k}={v}" for k, v in labels.items())
            pods = self.admin.request("GET", f"/api/v1/namespaces/{namespace}/pods",
                                      query={"labelSelector": selector})["items"]
            if not pods:
                self.admin.create({"apiVersion": "v1", "kind": "Pod", "metadata": {
                    "name": f"{next(iter(labels.values()))}-{_suffix()}", "namespace": namespace, "labels": labels},
                    "spec": {"containers": [{"name": "main", "image": "registry.example/vsphere@sha256:" + "0" * 64}]}})
                continue
            for pod in pods:
                conditions = (pod.get("status") or {}).get("conditions") or []
                if self.pods_start and not any(c["type"] == "Ready" and c["status"] == "True" for c in conditions):
                    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
                    self.admin.request("PATCH", f"/api/v1/namespaces/{namespace}/pods/{pod['metadata']['name']}/status",
                                       {"status": {"phase": "Running", "conditions": [
                                           {"type": "Ready", "status": "True", "lastTransitionTime": now}]}},
                                       content_type="application/merge-patch+json")

    def step(self) -> None:
        machines = self._machines()
        self._reconcile_machine_sets(machines)
        self._reconcile_control_plane(machines)
        for machine in self._machines():
            if (machine.get("status") or {}).get("phase") != "Running":
                self._provision(machine)
        self._reconcile_operators(self._machines())
        self._reconcile_pods()
