"""Helpers for migration tests: target inventory, the controller as a process, waiting on a migration."""

from __future__ import annotations

import contextlib
import functools
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from testenv.cluster import Cluster
from testenv.kube import ApiError, Obj
from testenv.openshift import MIGRATION_NAMESPACE, TEMPLATE
from testenv.processes import REPO, ServerProcess
from testenv.vcsim import VCenter

API = "migration.openshift.io/v1alpha1"
KIND = "VmwareCloudFoundationMigration"


def vsphere_session(vcenter: VCenter) -> Any:
    """A logged-in pyvmomi ServiceInstance for test set-up and checks (verifying the simulator's certificate)."""
    import ssl

    from pyVim.connect import SmartConnect

    context = ssl.create_default_context(cafile=str(vcenter.ca_bundle))
    return SmartConnect(host=vcenter.host, port=vcenter.port, user=vcenter.username, pwd=vcenter.password,
                        sslContext=context)


def with_session(vcenter: VCenter, read: Callable[[Any], Any]) -> Any:
    """`read(service_instance)` in a session of its own, logged out afterwards."""
    si = vsphere_session(vcenter)
    try:
        return read(si)
    finally:
        si.content.sessionManager.Logout()


def rename_vm(vcenter: VCenter, path: str, name: str) -> None:
    """Give the VM at `path` the name `name` (once: nothing happens when that name already exists)."""
    si = vsphere_session(vcenter)
    try:
        index = si.content.searchIndex
        folder = path.rsplit("/", 1)[0]
        if index.FindByInventoryPath(f"{folder}/{name}") is None:
            task = index.FindByInventoryPath(path).Rename_Task(name)
            while task.info.state not in ("success", "error"):
                time.sleep(0.05)
    finally:
        si.content.sessionManager.Logout()


def prepare_target(target: VCenter) -> None:
    """The target inventory: the simulator's first VM becomes the RHCOS template the failure domains name."""
    rename_vm(target, "/DC0/vm/DC0_C0_RP0_VM0", TEMPLATE)


def start_controller(work: Path, kubeconfig: Path, *, interval: float = 0.3, name: str = "controller",
                     extra_env: dict[str, str] | None = None, extra_args: list[str] | None = None,
                     killable: bool = False, server: str | None = None) -> ServerProcess:
    """The controller process; `killable`: through testenv.killable (kill plan and execution log from
    extra_env); `server`: reach the API server at this address instead (e.g. through a proxy)."""
    env = {"KUBECONFIG": str(kubeconfig), "MIGRATION_RECONCILE_INTERVAL": str(interval),
           "PYTHONPATH": f"{REPO / 'src'}:{REPO / 'tests'}", **(extra_env or {})}
    if server is not None:
        env["KUBECONFIG"] = str(kubeconfig_for(kubeconfig, server, work / f"kubeconfig-{name}"))
    module = "testenv.killable" if killable else "vsphere_migration"
    return ServerProcess(name, [sys.executable, "-m", module, "--namespace", MIGRATION_NAMESPACE,
                                *(extra_args or [])], work, env=env)


def kubeconfig_for(kubeconfig: Path, server: str, path: Path) -> Path:
    """A copy of `kubeconfig` whose cluster is reached at `server` (https://127.0.0.1:port: the serving
    certificate is for the loopback address, whatever the port)."""
    import yaml

    config = yaml.safe_load(kubeconfig.read_text())
    for cluster in config["clusters"]:
        cluster["cluster"]["server"] = server
    path.write_text(yaml.safe_dump(config))
    return path


def get_migration(cluster: Cluster, name: str) -> Obj:
    return cluster.admin.get(API, KIND, name, MIGRATION_NAMESPACE)


def wait_for(cluster: Cluster, name: str, check: Callable[[Obj], bool], timeout: float = 60.0,
             controller: ServerProcess | None = None) -> Obj:
    deadline = time.monotonic() + timeout
    last: Obj = {}
    while time.monotonic() < deadline:
        last = get_migration(cluster, name)
        if check(last):
            return last
        if controller is not None and controller.process.poll() is not None:
            raise AssertionError(f"controller exited:\n{controller.log_tail(40)}")
        time.sleep(0.1)
    tail = controller.log_tail(30) if controller else ""
    raise AssertionError(f"timed out; status: {last.get('status')}\n{tail}")


def status(obj: Obj) -> dict[str, Any]:
    return dict(obj.get("status") or {})


def approve(cluster: Cluster, name: str, phases: list[str]) -> None:
    cluster.admin.request("PATCH", cluster.admin.path(API, KIND, name, MIGRATION_NAMESPACE),
                          {"spec": {"approvals": phases}}, content_type="application/merge-patch+json")


def set_state(cluster: Cluster, name: str, state: str) -> None:
    cluster.admin.request("PATCH", cluster.admin.path(API, KIND, name, MIGRATION_NAMESPACE),
                          {"spec": {"state": state}}, content_type="application/merge-patch+json")




@functools.cache
def controller_cluster(kubeconfig: Path) -> Any:
    """The controller's own Cluster wrapper, configured from a kubeconfig (for in-process reconciles); one per
    kubeconfig, as the controller keeps one per process."""
    from kubernetes import client, config

    from vsphere_migration.openshift.cluster import Cluster as ControllerCluster

    configuration = client.Configuration()
    config.load_kube_config(config_file=str(kubeconfig), client_configuration=configuration)
    return ControllerCluster(client.ApiClient(configuration))


def reconcile_once(cluster: Cluster, name: str, *, write_status: bool = True, log: Any = None) -> Any:
    """One reconcile in-process (the controller's code without kopf); its status is written unless told not
    to (a controller killed before its status write). Returns the reconcile result."""
    from platform_common.kube import merge_patch
    from vsphere_migration.reconcile import reconcile
    from vsphere_migration.vsphere.calllog import CallLog

    obj = get_migration(cluster, name)
    result = reconcile(obj, controller_cluster(cluster.kubeconfig), log or CallLog())
    patch = merge_patch(obj.get("status") or {}, result.status)
    if patch and write_status:
        cluster.admin.request("PATCH", cluster.admin.path(API, KIND, name, MIGRATION_NAMESPACE) + "/status",
                              {"status": patch}, content_type="application/merge-patch+json")
    return result


def drive(cluster: Cluster, name: str, until: Callable[[Obj], bool], *, max_steps: int = 80) -> Obj:
    """Reconcile in-process until `until` holds; returns the object."""
    from vsphere_migration.vsphere.calllog import CallLog

    log = CallLog()
    for _ in range(max_steps):
        obj = get_migration(cluster, name)
        if until(obj):
            return obj
        result = reconcile_once(cluster, name, log=log)
        time.sleep(min(result.delay or 0.0, 0.2))  # let requeue waits and timeouts see time pass
    raise AssertionError(f"not reached after {max_steps} steps: {get_migration(cluster, name).get('status')}")


def delete_migrations(cluster: Cluster) -> None:
    """Delete every migration and its owned backups (no garbage collector runs in the test bed)."""
    for item in cluster.admin.list_objects(API, KIND, MIGRATION_NAMESPACE):
        name = item["metadata"]["name"]
        cluster.admin.delete(API, KIND, name, MIGRATION_NAMESPACE)
        with contextlib.suppress(ApiError):  # the controller's finalizer, when no controller runs to remove it
            cluster.admin.request("PATCH", cluster.admin.path(API, KIND, name, MIGRATION_NAMESPACE),
                                  {"metadata": {"finalizers": None}}, content_type="application/merge-patch+json")
        for kind, backup in (("ConfigMap", f"{name}-backup"), ("Secret", f"{name}-backup-credentials")):
            try:
                cluster.admin.delete("v1", kind, backup, MIGRATION_NAMESPACE)
            except ApiError as exc:
                if exc.code != 404:
                    raise


@dataclass
class InProcessBed:
    """A real API server with the OpenShift and migration CRDs, and two vCenter simulators, for reconciles run
    in the test process (`drive`)."""

    cluster: Cluster
    src: VCenter
    tgt: VCenter


def in_process_bed(kube_cluster: Cluster, vcsim_factory: Any, shared: Path, name: str, source_host: str,
                   target_host: str) -> InProcessBed:
    from testenv.openshift import openshift_crds
    from vsphere_migration.api.crd import migration_crd

    source = vcsim_factory(f"{name}-source", host=source_host)
    target = vcsim_factory(f"{name}-target", host=target_host)
    prepare_target(target)
    kube_cluster.install_crds([*openshift_crds(shared), migration_crd()])
    return InProcessBed(kube_cluster, source, target)


def deny(cluster: Cluster, policy: str, operation: str, group: str, resource: str, *, name: str | None = None,
         username: str | None = None) -> None:
    """A ValidatingAdmissionPolicy (and binding) refusing `operation` on `resource` (an API fault): to `username`
    only, or to everyone. Takes effect within a second (informer + CEL compile)."""
    rule: dict[str, Any] = {"apiGroups": [group], "apiVersions": ["*"], "operations": [operation],
                            "resources": [resource]}
    if name:
        rule["resourceNames"] = [name]
    spec: dict[str, Any] = {"failurePolicy": "Fail", "matchConstraints": {"resourceRules": [rule]},
                            "validations": [{"expression": "false",
                                             "message": f"injected fault: {operation} {resource} refused"}]}
    if username:
        spec["matchConditions"] = [{"name": "user", "expression": f"request.userInfo.username == '{username}'"}]
    api = "admissionregistration.k8s.io/v1"
    cluster.admin.apply({"apiVersion": api, "kind": "ValidatingAdmissionPolicy", "metadata": {"name": policy},
                         "spec": spec})
    cluster.admin.apply({"apiVersion": api, "kind": "ValidatingAdmissionPolicyBinding", "metadata": {"name": policy},
                         "spec": {"policyName": policy, "validationActions": ["Deny"]}})
    time.sleep(1.0)


def allow(cluster: Cluster, policy: str) -> None:
    """Remove a policy made by `deny` (absent ones are fine)."""
    for kind in ("ValidatingAdmissionPolicyBinding", "ValidatingAdmissionPolicy"):
        with contextlib.suppress(ApiError):
            cluster.admin.delete("admissionregistration.k8s.io/v1", kind, policy)


def grant(vcenter: VCenter, user: str, grants: list[tuple[str, list[str] | None]]) -> None:
    """Give `user` exactly these permissions: (inventory path, privileges or None for the Admin role), each
    propagating; every earlier permission of the user is removed first."""
    from pyVmomi import vim

    si = vsphere_session(vcenter)
    try:
        manager, index = si.content.authorizationManager, si.content.searchIndex
        for permission in manager.RetrieveAllPermissions():
            if permission.principal == user:
                manager.RemoveEntityPermission(permission.entity, user, False)
        for role in manager.roleList:
            if role.name.startswith("test-grant-"):
                manager.RemoveAuthorizationRole(role.roleId, False)
        for number, (path, privileges) in enumerate(grants):
            entity = si.content.rootFolder if path == "/" else index.FindByInventoryPath(path)
            role = -1 if privileges is None else manager.AddAuthorizationRole(f"test-grant-{number}", privileges)
            kept = [p for p in manager.RetrieveEntityPermissions(entity, False) if p.principal != user]
            manager.SetEntityPermissions(entity, [*kept, vim.AuthorizationManager.Permission(  # vcsim replaces the set
                entity=entity, principal=user, group=False, roleId=role, propagate=True)])
    finally:
        si.content.sessionManager.Logout()
