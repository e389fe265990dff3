"""An OpenShift cluster and two vCenters in memory, for running whole migrations in-process and fast: the kill
matrix (tests/unit/test_kill_matrix.py) runs hundreds of them.

Nothing here is shipped. The seams are the controller's own: `FakeKube` stands in for the kubernetes client's
API objects behind `openshift.cluster.Cluster` (same method names, plain-JSON storage, typed results built by
the client's own deserializer, `ApiException` with the API server's status codes, resourceVersion
preconditions), and `FakeVSphere` for `vsphere.client.VSphereClient` (same methods). `World.tick()` plays the
cluster's own controllers between two reconciles, as tests/testenv/simulator.py does on the real servers:
machine-api (MachineSets → Machines → VMs in the target folder → Ready Nodes, provisioning only on a vCenter the
cloud config and credentials name), the CPMS rolling an Active control plane one Machine at a time, the
vSphere pods recreated after a delete (Ready a tick later) with the configuration they loaded at start.

Every write the controller makes (each create/replace/patch/delete on the cluster, each vCenter call that
changes state) goes through `World.wrote`, which counts it and lets a test end the "process" right after the
Nth one (`Killed`, a BaseException, so no handler of the controller can catch it).
"""

from __future__ import annotations

import itertools
import json
import sys
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from kubernetes.client import ApiClient
from kubernetes.client.rest import ApiException

Obj = dict[str, Any]
CLIENT = ApiClient()
INFRA_ID = "ocp-7xk2p"
SOURCE, TARGET = "vc-s.example.com", "vc-t.example.com"
TEMPLATE = "rhcos-416-template"
WORKER_SETS = {f"{INFRA_ID}-worker-0": 3, f"{INFRA_ID}-worker-1": 2}
MS_LABEL = "machine.openshift.io/cluster-api-machineset"
ROLE = "machine.openshift.io/cluster-api-machine-role"
# The components that load the vSphere configuration at start (the cluster's list, written independently of the
# product's restart list).
PODS = (("openshift-cluster-csi-drivers", "app", "vmware-vsphere-csi-driver-controller"),
        ("openshift-cluster-csi-drivers", "app", "vmware-vsphere-csi-driver-node"),
        ("openshift-cluster-csi-drivers", "name", "vmware-vsphere-csi-driver-operator"),
        ("openshift-cloud-controller-manager", "k8s-app", "vsphere-cloud-controller-manager"),
        ("openshift-machine-api", "k8s-app", "controller"),
        ("openshift-cluster-storage-operator", "name", "cluster-storage-operator"),
        ("openshift-cluster-storage-operator", "name", "vsphere-problem-detector-operator"),
        ("openshift-machine-config-operator", "k8s-app", "machine-config-operator"),
        ("openshift-machine-config-operator", "k8s-app", "machine-config-controller"))


class Killed(BaseException):
    """The controller process died here."""


def api_error(status: int, message: str) -> ApiException:
    exc = ApiException(status=status, reason=message)
    exc.body = json.dumps({"kind": "Status", "message": message, "code": status})
    return exc


def _shared_model_configuration() -> None:
    """The client's models each build a Configuration when none is given (logging set-up, a CPU count: most of
    a deserialization); the fakes build thousands, so theirs share one. Only client-side validation reads it."""
    import kubernetes.client.models as models
    from kubernetes.client.configuration import Configuration

    shared = Configuration()
    for module in list(vars(models).values()):
        owner = sys.modules.get(getattr(module, "__module__", ""))
        if owner is not None and getattr(owner, "Configuration", None) is Configuration:
            owner.Configuration = lambda: shared  # type: ignore[attr-defined]


_shared_model_configuration()


def typed(obj: Any, klass: str) -> Any:
    """The kubernetes client's own model for a plain object, as its API methods return it."""
    return CLIENT._ApiClient__deserialize(obj, klass)  # type: ignore[attr-defined]


def clone(obj: Any) -> Any:
    """A deep copy (plain JSON data, so through the C encoder: the matrix copies a lot)."""
    return json.loads(json.dumps(obj))


def plain(body: Any) -> Obj:
    return clone(body) if isinstance(body, dict) else CLIENT.sanitize_for_serialization(body)


def merge(target: Any, patch: Any) -> Any:
    """RFC 7386 merge patch."""
    if not isinstance(patch, dict):
        return clone(patch)
    out = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge(out.get(key), value)
    return out


class Store:
    """Objects by (resource, namespace, name) with resourceVersions, uids and the write hook."""

    def __init__(self, world: World) -> None:
        self.world, self.objects, self.counter = world, {}, itertools.count(1)  # type: Store, dict[Any, Obj], Any

    def _key(self, resource: str, namespace: str | None, name: str) -> tuple[str, str, str]:
        return resource, namespace or "", name

    def get(self, resource: str, namespace: str | None, name: str) -> Obj:
        found = self.objects.get(self._key(resource, namespace, name))
        if found is None:
            raise api_error(404, f'{resource} "{name}" not found')
        return clone(found)

    def find(self, resource: str, namespace: str | None, name: str) -> Obj | None:
        found = self.objects.get(self._key(resource, namespace, name))
        return clone(found) if found else None

    def list(self, resource: str, namespace: str | None = None) -> list[Obj]:
        keys = sorted(k for k in self.objects if k[0] == resource and (namespace is None or k[1] == namespace))
        return [clone(self.objects[k]) for k in keys]

    def _stamp(self, obj: Obj) -> Obj:
        obj["metadata"]["resourceVersion"] = str(next(self.counter))
        return obj

    def create(self, resource: str, namespace: str | None, body: Any, *, who: str = "controller") -> Obj:
        obj = plain(body)
        meta = obj.setdefault("metadata", {})
        if namespace:
            meta["namespace"] = namespace
        key = self._key(resource, namespace, meta["name"])
        if key in self.objects:
            raise api_error(409, f'{resource} "{meta["name"]}" already exists')
        meta["uid"] = f"uid-{next(self.counter)}"
        meta.pop("resourceVersion", None)
        meta.setdefault("generation", 1)
        self.objects[key] = self._stamp(obj)
        self.world.wrote(who, f"create {resource} {namespace}/{meta['name']}")
        return clone(self.objects[key])

    def _check(self, live: Obj, wanted: str | None) -> None:
        if wanted and wanted != live["metadata"]["resourceVersion"]:
            raise api_error(409, "the object has been modified; please apply your changes to the latest version")

    def replace(self, resource: str, namespace: str | None, name: str, body: Any, *, who: str = "controller",
                dry_run: bool = False) -> Obj:
        live = self.get(resource, namespace, name)
        obj = plain(body)
        self._check(live, (obj.get("metadata") or {}).get("resourceVersion"))
        obj["metadata"] = {**obj.get("metadata", {}), "uid": live["metadata"]["uid"],
                           "generation": live["metadata"].get("generation", 1) + (obj.get("spec") != live.get("spec"))}
        if "status" in live:
            obj["status"] = live["status"]
        if dry_run:
            return obj
        self.objects[self._key(resource, namespace, name)] = self._stamp(obj)
        self.world.wrote(who, f"replace {resource} {namespace}/{name}")
        return clone(obj)

    def patch(self, resource: str, namespace: str | None, name: str, body: Any, *, status: bool = False,
              who: str = "controller") -> Obj:
        live = self.get(resource, namespace, name)
        patch = plain(body)
        self._check(live, (patch.get("metadata") or {}).pop("resourceVersion", None))
        if status:
            patch = {"status": patch.get("status")}
        else:
            patch.pop("status", None)
        obj = merge(live, patch)
        if obj.get("spec") != live.get("spec"):
            obj["metadata"]["generation"] = live["metadata"].get("generation", 1) + 1
        self.objects[self._key(resource, namespace, name)] = self._stamp(obj)
        self.world.wrote(who, f"patch {resource}{'/status' if status else ''} {namespace}/{name}")
        return clone(obj)

    def delete(self, resource: str, namespace: str | None, name: str, *, who: str = "controller") -> None:
        self.get(resource, namespace, name)
        del self.objects[self._key(resource, namespace, name)]
        self.world.wrote(who, f"delete {resource} {namespace}/{name}")


def _selected(obj: Obj, selector: str | None) -> bool:
    labels = obj["metadata"].get("labels") or {}
    return all(labels.get(k) == v for k, _, v in (p.partition("=") for p in (selector or "").split(",") if p))


class FakeCore:
    def __init__(self, store: Store) -> None:
        self.store, self.api_client = store, CLIENT

    def list_namespaced_pod(self, namespace: str, label_selector: str | None = None) -> Any:
        items = [p for p in self.store.list("pods", namespace) if _selected(p, label_selector)]
        return typed({"items": items}, "V1PodList")

    def delete_namespaced_pod(self, name: str, namespace: str) -> None:
        self.store.delete("pods", namespace, name)

    def read_namespaced_config_map(self, name: str, namespace: str) -> Any:
        return typed(self.store.get("configmaps", namespace, name), "V1ConfigMap")

    def create_namespaced_config_map(self, namespace: str, body: Any) -> Any:
        return typed(self.store.create("configmaps", namespace, body), "V1ConfigMap")

    def patch_namespaced_config_map(self, name: str, namespace: str, body: Any) -> Any:
        return typed(self.store.patch("configmaps", namespace, name, body), "V1ConfigMap")

    def read_namespaced_secret(self, name: str, namespace: str) -> Any:
        return typed(self.store.get("secrets", namespace, name), "V1Secret")

    def create_namespaced_secret(self, namespace: str, body: Any) -> Any:
        return typed(self.store.create("secrets", namespace, _string_data(plain(body))), "V1Secret")

    def patch_namespaced_secret(self, name: str, namespace: str, body: Any) -> Any:
        return typed(self.store.patch("secrets", namespace, name, _string_data(plain(body))), "V1Secret")

    def delete_namespaced_secret(self, name: str, namespace: str) -> None:
        self.store.delete("secrets", namespace, name)

    def list_node(self) -> Any:
        return typed({"items": self.store.list("nodes")}, "V1NodeList")

    def read_node(self, name: str) -> Any:
        return typed(self.store.get("nodes", None, name), "V1Node")

    def list_persistent_volume(self) -> Any:
        return typed({"items": []}, "V1PersistentVolumeList")


def _string_data(body: Obj) -> Obj:
    """stringData folded into data, as the API server does."""
    import base64

    strings = body.pop("stringData", None) or {}
    if strings:
        body["data"] = {**(body.get("data") or {}),
                        **{k: base64.b64encode(str(v).encode()).decode() for k, v in strings.items()}}
    return body


class FakeApps:
    def __init__(self, store: Store) -> None:
        self.store = store

    def read_namespaced_deployment(self, name: str, namespace: str) -> Any:
        return typed(self.store.get("deployments", namespace, name), "V1Deployment")

    def patch_namespaced_deployment_scale(self, name: str, namespace: str, body: Any) -> Any:
        return self.store.patch("deployments", namespace, name, {"spec": {"replicas": body["spec"]["replicas"]}})


class FakeCustom:
    def __init__(self, store: Store) -> None:
        self.store, self.api_client = store, CLIENT

    def get_cluster_custom_object(self, group: str, version: str, plural: str, name: str) -> Obj:
        return self.store.get(plural, None, name)

    def list_cluster_custom_object(self, group: str, version: str, plural: str) -> Obj:
        return {"items": self.store.list(plural)}

    def replace_cluster_custom_object(self, group: str, version: str, plural: str, name: str, body: Obj,
                                      dry_run: str | None = None) -> Obj:
        return self.store.replace(plural, None, name, body, dry_run=bool(dry_run))

    def get_namespaced_custom_object(self, group: str, version: str, namespace: str, plural: str, name: str) -> Obj:
        return self.store.get(plural, namespace, name)

    def list_namespaced_custom_object(self, group: str, version: str, namespace: str, plural: str) -> Obj:
        return {"items": self.store.list(plural, namespace)}

    def replace_namespaced_custom_object(self, group: str, version: str, namespace: str, plural: str, name: str,
                                         body: Obj) -> Obj:
        return self.store.replace(plural, namespace, name, body)

    def create_namespaced_custom_object(self, group: str, version: str, namespace: str, plural: str,
                                        body: Obj) -> Obj:
        return self.store.create(plural, namespace, body)

    def delete_namespaced_custom_object(self, group: str, version: str, namespace: str, plural: str,
                                        name: str) -> None:
        self.store.delete(plural, namespace, name)

    def patch_namespaced_custom_object(self, group: str, version: str, namespace: str, plural: str, name: str,
                                       body: Obj) -> Obj:
        return self.store.patch(plural, namespace, name, body)

    def patch_namespaced_custom_object_status(self, group: str, version: str, namespace: str, plural: str,
                                              name: str, body: Obj) -> Obj:
        return self.store.patch(plural, namespace, name, body, status=True)


class FakeExtensions:
    def read_custom_resource_definition(self, name: str) -> Any:
        schema = {"properties": {"spec": {"properties": {"platformSpec": {"properties": {"vsphere": {
            "properties": {"vcenters": {"max_items": 3}}}}}}}}}
        return SimpleNamespace(to_dict=lambda: {"spec": {"versions": [{"schema": {"open_apiv3_schema": schema}}]}})


class FakeCoordination:
    def __init__(self, store: Store) -> None:
        self.store = store

    def read_namespaced_lease(self, name: str, namespace: str, **_: Any) -> Any:
        return typed(self.store.get("leases", namespace, name), "V1Lease")

    def create_namespaced_lease(self, namespace: str, body: Any, **_: Any) -> Any:
        return typed(self.store.create("leases", namespace, body), "V1Lease")

    def replace_namespaced_lease(self, name: str, namespace: str, body: Any, **_: Any) -> Any:
        return typed(self.store.replace("leases", namespace, name, body), "V1Lease")


# --- vCenter ----------------------------------------------------------------------------------------------


class Managed:
    """An inventory object; its class name is the vSphere type name (object_type reads it)."""

    def __init__(self, mo_id: str, name: str) -> None:
        self._moId, self.name, self.network = mo_id, name, []  # type: ignore[var-annotated]


def _kind(type_name: str) -> type:
    return type(type_name, (Managed,), {})


KINDS = {name: _kind(name) for name in ("Datacenter", "Folder", "ClusterComputeResource", "Datastore",
                                        "ResourcePool", "VirtualMachine", "Network")}


@dataclass
class VCenterState:
    server: str
    inventory: dict[str, Managed] = field(default_factory=dict)
    categories: dict[str, Obj] = field(default_factory=dict)
    tags: dict[str, Obj] = field(default_factory=dict)
    attachments: set[tuple[str, str, str]] = field(default_factory=set)
    vms: dict[str, str] = field(default_factory=dict)  # uuid → folder path
    ids: Any = field(default_factory=lambda: itertools.count(1))

    def add(self, path: str, kind: str) -> Managed:
        obj = KINDS[kind](f"{kind.lower()}-{next(self.ids)}", path.rsplit("/", 1)[-1])
        self.inventory[path] = obj
        return obj


def vcenter(server: str) -> VCenterState:
    state = VCenterState(server)
    datacenter = state.add("/DC0", "Datacenter")
    datacenter.network = [state.add("/DC0/network/VM Network", "Network")]
    for path, kind in (("/DC0/vm", "Folder"), ("/DC0/host/DC0_C0", "ClusterComputeResource"),
                       ("/DC0/host/DC0_C0/Resources", "ResourcePool"), ("/DC0/datastore/LocalDS_0", "Datastore"),
                       (f"/DC0/vm/{TEMPLATE}", "VirtualMachine"), (f"/DC0/vm/{INFRA_ID}", "Folder")):
        state.add(path, kind)
    if server == TARGET:
        del state.inventory[f"/DC0/vm/{INFRA_ID}"]  # the target has no folder for the cluster yet
    return state


class FakeVSphere:
    """The methods of vsphere.client.VSphereClient the phases call, on a VCenterState."""

    def __init__(self, world: World, state: VCenterState) -> None:
        self.world, self.state = world, state
        root = Managed("group-d1", "Datacenters")
        self.content = SimpleNamespace(rootFolder=root, searchIndex=SimpleNamespace(FindByUuid=self._by_uuid))

    def login(self) -> None:
        pass

    def logout(self) -> None:
        pass

    def _wrote(self, what: str) -> None:
        self.world.wrote("controller", f"vcenter {self.state.server} {what}")

    def _by_uuid(self, _datacenter: Any, uuid: str, _vm: bool, _instance: bool) -> Any:
        return self.state.vms.get(uuid)

    def find(self, path: str) -> Any:
        return self.state.inventory.get(path.rstrip("/"))

    def require(self, path: str, kind: type, what: str) -> Any:
        from vsphere_migration.vsphere.client import VSphereError

        found = self.find(path)
        if found is None or type(found).__name__ != kind.__name__.split(".")[-1]:
            raise VSphereError(f"{what} {path} does not exist on vCenter {self.state.server}")
        return found

    def datacenter(self, name: str) -> Any:
        return self.find(f"/{name}")

    def session_user(self) -> str:
        return "VSPHERE.LOCAL\\migrator"

    def granted_privileges(self, entities: list[Any], privileges: list[str]) -> dict[str, set[str]]:
        return {e._moId: set(privileges) for e in entities}

    def ensure_folder(self, path: str) -> tuple[Any, bool]:
        existing = self.find(path)
        if existing is not None:
            return existing, False
        parent = path.rstrip("/").rpartition("/")[0]
        if parent.count("/") > 2:
            self.ensure_folder(parent)
        folder = self.state.add(path.rstrip("/"), "Folder")
        self._wrote(f"create folder {path}")
        return folder, True

    def delete_folder_if_empty(self, path: str) -> bool:
        from vsphere_migration.vsphere.client import VSphereError

        if self.find(path) is None:
            return False
        inside = [p for p in self.state.inventory if p.startswith(path.rstrip("/") + "/")]
        if inside or path.rstrip("/") in self.state.vms.values():
            raise VSphereError(f"folder {path} on vCenter {self.state.server} is not empty; left in place")
        del self.state.inventory[path.rstrip("/")]
        self._wrote(f"delete folder {path}")
        return True

    def categories(self) -> dict[str, Obj]:
        return {c["name"]: dict(c) for c in self.state.categories.values()}

    def find_category(self, name: str) -> str | None:
        return next((i for i, c in self.state.categories.items() if c["name"] == name), None)

    def create_category(self, name: str, associable_types: list[str], description: str) -> str:
        category_id = f"urn:category:{next(self.state.ids)}"
        self.state.categories[category_id] = {"id": category_id, "name": name, "cardinality": "SINGLE",
                                              "associable_types": list(associable_types)}
        self._wrote(f"create category {name}")
        return category_id

    def tags_in(self, category_id: str) -> dict[str, str]:
        return {t["name"]: i for i, t in self.state.tags.items() if t["category"] == category_id}

    def find_tag(self, name: str, category_id: str) -> str | None:
        return self.tags_in(category_id).get(name)

    def create_tag(self, name: str, category_id: str, description: str) -> str:
        tag_id = f"urn:tag:{next(self.state.ids)}"
        self.state.tags[tag_id] = {"name": name, "category": category_id}
        self._wrote(f"create tag {name}")
        return tag_id

    def attach_tag(self, tag_id: str, obj: Any, *, checked: bool = False) -> bool:
        key = (tag_id, type(obj).__name__, obj._moId)
        if key in self.state.attachments:
            return False
        self.state.attachments.add(key)
        self._wrote(f"attach {tag_id} to {obj._moId}")
        return True

    def attached_tags(self, obj: Any) -> list[str]:
        return self.attached_tag_ids(type(obj).__name__, obj._moId)

    def attached_tag_ids(self, object_type: str, object_id: str) -> list[str]:
        return sorted(t for t, k, o in self.state.attachments if (k, o) == (object_type, object_id))

    def detach_tag(self, tag_id: str, object_type: str, object_id: str) -> None:
        if (tag_id, object_type, object_id) in self.state.attachments:
            self.state.attachments.discard((tag_id, object_type, object_id))
            self._wrote(f"detach {tag_id} from {object_id}")

    def delete_tag(self, tag_id: str) -> None:
        if self.state.tags.pop(tag_id, None) is not None:
            self.state.attachments = {a for a in self.state.attachments if a[0] != tag_id}
            self._wrote(f"delete tag {tag_id}")

    def delete_category(self, category_id: str) -> None:
        if self.state.categories.pop(category_id, None) is not None:
            self._wrote(f"delete category {category_id}")


# --- the world --------------------------------------------------------------------------------------------


class World:
    """The cluster store, the two vCenters, the write counter and the cluster's own controllers (`tick`)."""

    def __init__(self) -> None:
        self.store = Store(self)
        self.vcenters = {SOURCE: vcenter(SOURCE), TARGET: vcenter(TARGET)}
        self.writes: list[tuple[str, str]] = []  # (the step's decision, the write)
        self.kill_at: int | None = None
        self.doing = ""  # the decision of the step running now, e.g. "execute DisableCVO"
        self.names = itertools.count(1)
        from vsphere_migration.openshift.cluster import Cluster

        self.cluster = Cluster.__new__(Cluster)
        self.cluster.core, self.cluster.apps = FakeCore(self.store), FakeApps(self.store)  # type: ignore[assignment]
        self.cluster.custom = FakeCustom(self.store)  # type: ignore[assignment]
        self.cluster.extensions = FakeExtensions()  # type: ignore[assignment]
        self.cluster.coordination = FakeCoordination(self.store)  # type: ignore[assignment]

    def wrote(self, who: str, what: str) -> None:
        """Count the controller's writes; end the process right after the kill_at-th."""
        if who != "controller":
            return
        self.writes.append((self.doing, what))
        if self.kill_at is not None and len(self.writes) == self.kill_at:
            raise Killed(what)

    def session(self, server: str) -> FakeVSphere:
        return FakeVSphere(self, self.vcenters[server])

    # --- the cluster's controllers ------------------------------------------------------------------------

    def tick(self) -> None:
        self._pods()
        self._provision()
        self._machine_sets()
        self._control_plane()

    def loaded(self) -> str:
        """What a vSphere pod starting now talks to: the vCenters of the cloud config that have credentials
        (extra credentials alone change nothing for it)."""
        config = self.store.get("configmaps", "openshift-config", "cloud-provider-config")["data"]["config"]
        creds = self.store.get("secrets", "kube-system", "vsphere-creds")["data"]
        return ",".join(s for s in self.vcenters if f'"{s}"' in config and f"{s}.username" in creds)

    def _pods(self) -> None:
        for namespace, key, value in PODS:
            pods = [p for p in self.store.list("pods", namespace) if (p["metadata"].get("labels") or {}).get(key)
                    == value]
            for pod in pods:
                if pod["status"]["conditions"][0]["status"] != "True":
                    pod["status"]["conditions"][0]["status"] = "True"
                    self.store.objects[("pods", namespace, pod["metadata"]["name"])] = pod
            if not pods:
                self.store.create("pods", namespace, {
                    "metadata": {"name": f"{value}-{next(self.names)}", "labels": {key: value},
                                 "annotations": {"loaded": self.loaded()}},
                    "status": {"conditions": [{"type": "Ready", "status": "False"}]}}, who="cluster")

    def _connection(self, server: str) -> bool:
        """machine-api reaches a vCenter only through the cloud config and the credentials."""
        config = self.store.get("configmaps", "openshift-config", "cloud-provider-config")["data"]["config"]
        creds = self.store.get("secrets", "kube-system", "vsphere-creds")["data"]
        return f'"{server}"' in config and f"{server}.username" in creds

    def _new_machine(self, labels: dict[str, str], value: Obj) -> None:
        name = f"{labels.get(MS_LABEL) or 'master'}-{next(self.names)}"
        self.store.create("machines", "openshift-machine-api", {
            "apiVersion": "machine.openshift.io/v1beta1", "kind": "Machine",
            "metadata": {"name": name, "labels": labels},
            "spec": {"providerSpec": {"value": value}}, "status": {"phase": "Provisioning"}}, who="cluster")

    def _provision(self) -> None:
        for machine in self.store.list("machines", "openshift-machine-api"):
            if (machine.get("status") or {}).get("phase") == "Running":
                continue
            workspace = machine["spec"]["providerSpec"]["value"]["workspace"]
            state = self.vcenters.get(workspace["server"])
            if state is None or not self._connection(state.server) or workspace["folder"] not in state.inventory:
                continue
            uuid = f"{state.server}-vm-{next(self.names)}"
            state.vms[uuid] = workspace["folder"]
            name = machine["metadata"]["name"]
            self.store.create("nodes", None, {"metadata": {"name": name}, "spec": {"providerID": f"vsphere://{uuid}"},
                                              "status": {"conditions": [{"type": "Ready", "status": "True"}]}},
                              who="cluster")
            machine["status"] = {"phase": "Running", "nodeRef": {"name": name}}
            self.store.objects[("machines", "openshift-machine-api", name)] = machine

    def _remove_machine(self, machine: Obj) -> bool:
        """Delete the Machine with its VM and Node (machine-api needs the vCenter connection for that)."""
        server = machine["spec"]["providerSpec"]["value"]["workspace"]["server"]
        name = machine["metadata"]["name"]
        node = self.store.find("nodes", None, name)
        if node is not None:
            if not self._connection(server):
                return False
            self.vcenters[server].vms.pop(node["spec"]["providerID"].removeprefix("vsphere://"), None)
            self.store.delete("nodes", None, name, who="cluster")
        self.store.delete("machines", "openshift-machine-api", name, who="cluster")
        return True

    def _machine_sets(self) -> None:
        sets = {s["metadata"]["name"]: s for s in self.store.list("machinesets", "openshift-machine-api")}
        for machine in self.store.list("machines", "openshift-machine-api"):
            owner = (machine["metadata"].get("labels") or {}).get(MS_LABEL)
            if owner and owner not in sets:
                self._remove_machine(machine)
        for name, machine_set in sets.items():
            mine = [m for m in self.store.list("machines", "openshift-machine-api")
                    if (m["metadata"].get("labels") or {}).get(MS_LABEL) == name]
            template = machine_set["spec"]["template"]
            for _ in range(machine_set["spec"].get("replicas", 0) - len(mine)):
                self._new_machine(dict(template["metadata"]["labels"]), template["spec"]["providerSpec"]["value"])
            for machine in mine[machine_set["spec"].get("replicas", 0):]:
                self._remove_machine(machine)

    def _control_plane(self) -> None:
        cpms = self.store.find("controlplanemachinesets", "openshift-machine-api", "cluster")
        if cpms is None or cpms["spec"].get("state") != "Active":
            return
        template = cpms["spec"]["template"]["machines_v1beta1_machine_openshift_io"]
        value = template["spec"]["providerSpec"]["value"]
        masters = [m for m in self.store.list("machines", "openshift-machine-api")
                   if (m["metadata"].get("labels") or {}).get(ROLE) == "master"]
        if any((m.get("status") or {}).get("phase") != "Running" for m in masters):
            return  # one at a time: wait for the replacement
        stale = [m for m in masters if m["spec"]["providerSpec"]["value"]["workspace"]["server"] !=
                 value["workspace"]["server"]]
        if stale:
            self._new_machine(dict(template["metadata"]["labels"]), value)
            self._remove_machine(stale[0])


# --- a seeded cluster and a migration ---------------------------------------------------------------------

NOW = "2026-01-01T00:00:00Z"
MIGRATION = ("openshift-config", "move-to-t")


def _vc(server: str) -> Any:
    return SimpleNamespace(host=server, port=443, username=f"user@{server}", password=f"pw-{server}",
                           ca_bundle=SimpleNamespace(read_text=lambda: "-----BEGIN CERTIFICATE-----\n"))


def _operator(name: str) -> Obj:
    conditions = [{"type": "Available", "status": "True"}, {"type": "Degraded", "status": "False"},
                  {"type": "Progressing", "status": "False"}]
    if name == "etcd":
        conditions.append({"type": "EtcdMembersAvailable", "status": "True", "message": "3 members are available"})
    return {"apiVersion": "config.openshift.io/v1", "kind": "ClusterOperator", "metadata": {"name": name},
            "spec": {}, "status": {"conditions": conditions}}


def seed(world: World) -> None:
    """The cluster as installed on the source vCenter (the same objects the real-server bed seeds)."""
    from testenv import openshift as shapes

    source, target = _vc(SOURCE), _vc(TARGET)
    store, cluster = world.store, "cluster"
    infra_objects = {
        ("infrastructures", None): {"apiVersion": "config.openshift.io/v1", "kind": "Infrastructure",
                                    "metadata": {"name": "cluster"}, "spec": {"platformSpec": {"type": "VSphere",
                                    "vsphere": {"vcenters": [{"server": SOURCE, "port": 443, "datacenters": ["DC0"]}],
                                                "failureDomains": []}}},
                                    "status": {"infrastructureName": INFRA_ID}},
        ("configmaps", "openshift-config"): {"metadata": {"name": "cloud-provider-config"},
                                             "data": {"config": shapes.cloud_provider_config_ini(source)}},
        ("secrets", "kube-system"): {"metadata": {"name": "vsphere-creds"}, "data": {
            f"{SOURCE}.username": shapes.b64(source.username), f"{SOURCE}.password": shapes.b64(source.password)}},
        ("deployments", "openshift-cluster-version"): shapes.cvo_deployment(),
        ("clusterversions", None): {"metadata": {"name": "version"}, "spec": {"clusterID": "5c2bd1b4"}, "status": {
            "desired": {"version": shapes.OCP_VERSION}, "conditions": [{"type": "Progressing", "status": "False"}]}},
        ("featuregates", None): {"metadata": {"name": cluster}, "spec": {}, "status": {"featureGates": [
            {"version": shapes.OCP_VERSION, "enabled": [{"name": shapes.DAY2_GATE}], "disabled": []}]}},
        ("clustercsidrivers", None): {"metadata": {"name": "csi.vsphere.vmware.com"},
                                      "spec": {"managementState": "Managed"}, "status": {"conditions": []}},
    }
    for (resource, namespace), obj in infra_objects.items():
        store.create(resource, namespace, obj, who="cluster")
    store.create("secrets", "openshift-config", {"metadata": {"name": shapes.TARGET_SECRET}, "data": {
        "username": shapes.b64(target.username), "password": shapes.b64(target.password)}}, who="cluster")
    spec = shapes.source_provider_spec(source)
    for name, replicas in WORKER_SETS.items():
        store.create("machinesets", "openshift-machine-api", shapes.machine_set(name, replicas, spec), who="cluster")
    store.create("controlplanemachinesets", "openshift-machine-api", shapes.cpms(spec), who="cluster")
    master = shapes.cpms(spec)["spec"]["template"]["machines_v1beta1_machine_openshift_io"]
    for _ in range(3):
        world._new_machine(dict(master["metadata"]["labels"]), master["spec"]["providerSpec"]["value"])
    for name in shapes.OPERATORS:
        store.create("clusteroperators", None, _operator(name), who="cluster")
    world.tick()
    world.tick()


def migration(*, mode: str = "Automatic", folder: str | None = None) -> Obj:
    domain = {"name": "target-fd-a", "region": "region-east", "zone": "zone-a", "server": TARGET, "topology": {
        "datacenter": "DC0", "computeCluster": "/DC0/host/DC0_C0", "datastore": "/DC0/datastore/LocalDS_0",
        "networks": ["VM Network"], "resourcePool": "/DC0/host/DC0_C0/Resources", "template": f"/DC0/vm/{TEMPLATE}"}}
    if folder:
        domain["topology"]["folder"] = folder
    return {"apiVersion": "migration.openshift.io/v1alpha1", "kind": "VmwareCloudFoundationMigration",
            "metadata": {"name": MIGRATION[1], "namespace": MIGRATION[0]},
            "spec": {"state": "Running", "approvalMode": mode,
                     "targetVCenter": {"server": TARGET, "port": 443, "datacenters": ["DC0"],
                                       "insecureSkipVerify": True,
                                       "credentialsSecret": {"name": "target-vcenter-credentials",
                                                             "namespace": MIGRATION[0]}},
                     "failureDomains": [domain]}}


def snapshot(world: World) -> Obj:
    """What a migration or a rollback must leave behind: the cluster's configuration, where its machines run,
    what its vSphere pods loaded, and every vCenter's tags, categories, folders and VMs (by place, not id)."""
    store = world.store
    machines = store.list("machines", "openshift-machine-api")
    placement = sorted(((m["metadata"].get("labels") or {}).get(MS_LABEL) or "master",
                        m["spec"]["providerSpec"]["value"]["workspace"]["server"],
                        (m.get("status") or {}).get("phase")) for m in machines)
    pods = sorted((p["metadata"]["namespace"], p["metadata"]["annotations"]["loaded"])
                  for p in store.list("pods"))
    vcenters = {}
    for server, state in world.vcenters.items():
        category_names = {i: c["name"] for i, c in state.categories.items()}
        tag_names = {i: f"{category_names.get(t['category'], '?')}/{t['name']}" for i, t in state.tags.items()}
        by_id = {o._moId: p for p, o in state.inventory.items()}
        vcenters[server] = {
            "categories": sorted(category_names.values()), "tags": sorted(tag_names.values()),
            "attachments": sorted((tag_names.get(t, t), by_id.get(o, o)) for t, _, o in state.attachments),
            "inventory": sorted(state.inventory), "vms": sorted(state.vms.values())}
    metadata = store.find("secrets", MIGRATION[0], f"{MIGRATION[1]}-metadata")
    return {"infrastructure": store.get("infrastructures", None, "cluster")["spec"],
            "cloud-config": store.get("configmaps", "openshift-config", "cloud-provider-config")["data"],
            "credentials": store.get("secrets", "kube-system", "vsphere-creds")["data"],
            "cvo-replicas": store.get("deployments", "openshift-cluster-version",
                                      "cluster-version-operator")["spec"]["replicas"],
            "machine-sets": {m["metadata"]["name"]: m["spec"] for m in store.list("machinesets")},
            "cpms": store.get("controlplanemachinesets", "openshift-machine-api", "cluster")["spec"],
            "machines": placement, "pods": pods, "vcenters": vcenters,
            "installer-metadata": (metadata or {}).get("data")}


# --- the controller, in-process ---------------------------------------------------------------------------

TERMINAL = ("Succeeded", "RolledBack", "Failed")


def migration_object(world: World) -> Obj:
    return world.store.get("vmwarecloudfoundationmigrations", *MIGRATION)


def phase_of(obj: Obj) -> str | None:
    return (obj.get("status") or {}).get("phase")


def step(world: World) -> Any:
    """One tick of the controller as production runs it: reconcile the object as the API server holds it,
    then write the new status fenced by the version the step ended on (the controller's own write_status: a
    conflict drops it)."""
    from platform_common.kube import merge_patch
    from vsphere_migration.controller import write_status
    from vsphere_migration.reconcile import reconcile
    from vsphere_migration.vsphere.calllog import CallLog

    obj = migration_object(world)
    world.doing = decision(obj)
    with _sessions(world):
        result = reconcile(obj, world.cluster, CallLog())
    write_status(world.cluster, obj["metadata"], merge_patch(obj.get("status") or {}, result.status),
                 result.resource_version)
    return result


def decision(obj: Obj) -> str:
    """What the controller decides to do with the object as it is, e.g. 'execute DisableCVO'."""
    from vsphere_migration.api.models import MigrationSpec, MigrationStatus
    from vsphere_migration.statemachine import decide

    made = decide(MigrationSpec.model_validate(obj["spec"]), MigrationStatus.model_validate(obj.get("status") or {}))
    return f"{made.action} {made.phase.value}" if made.phase else made.action


class _sessions:  # noqa: N801 - a context manager used like a function
    """vCenter logins open the world's fake vCenters (the seam: context.VSphereClient)."""

    def __init__(self, world: World) -> None:
        self.world = world

    def __enter__(self) -> None:
        from vsphere_migration import context

        self.saved = context.VSphereClient
        context.VSphereClient = lambda endpoint, user, password, log: self.world.session(endpoint.server)  # type: ignore[assignment,misc]

    def __exit__(self, *_: object) -> None:
        from vsphere_migration import context

        context.VSphereClient = self.saved  # type: ignore[misc]


def run(world: World, until: Any = None, max_steps: int = 400) -> Obj:
    """Step and tick until the migration is in a final phase (or `until(obj)`); Killed propagates."""
    done = until or (lambda o: phase_of(o) in TERMINAL)
    for _ in range(max_steps):
        obj = migration_object(world)
        if done(obj):
            return obj
        step(world)
        world.tick()
    message = (migration_object(world).get("status") or {}).get("message")
    raise AssertionError(f"no end after {max_steps} steps: {message}")


def request(world: World, spec: Obj) -> None:
    """An operator's edit of the migration's spec (not a controller write)."""
    world.store.patch("vmwarecloudfoundationmigrations", *MIGRATION, {"spec": spec}, who="operator")


def new_world(**migration_args: Any) -> World:
    world = World()
    seed(world)
    world.store.create("vmwarecloudfoundationmigrations", MIGRATION[0], migration(**migration_args), who="operator")
    return world
