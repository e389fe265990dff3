"""Kubernetes API access for the controller (kubernetes client); errors carry the API server's message."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple, TypeVar

import urllib3
from kubernetes import client as k8s
from kubernetes.client.rest import ApiException

from platform_common.kube import api_message

from ..api.models import GROUP, PLURAL, VERSION

T = TypeVar("T")
Obj = dict[str, Any]


class ApiResource(NamedTuple):
    """A custom resource's REST coordinates."""

    group: str
    version: str
    plural: str


INFRASTRUCTURE = ApiResource("config.openshift.io", "v1", "infrastructures")
CLUSTER_OPERATORS = ApiResource("config.openshift.io", "v1", "clusteroperators")
CLUSTER_VERSIONS = ApiResource("config.openshift.io", "v1", "clusterversions")
FEATURE_GATES = ApiResource("config.openshift.io", "v1", "featuregates")
CSI_DRIVERS = ApiResource("operator.openshift.io", "v1", "clustercsidrivers")
HEALTH_CHECKS = ApiResource("machine.openshift.io", "v1beta1", "machinehealthchecks")
CLUSTER_AUTOSCALERS = ApiResource("autoscaling.openshift.io", "v1", "clusterautoscalers")
MACHINE_AUTOSCALERS = ApiResource("autoscaling.openshift.io", "v1beta1", "machineautoscalers")
MACHINE_SETS = ApiResource("machine.openshift.io", "v1beta1", "machinesets")
MACHINES = ApiResource("machine.openshift.io", "v1beta1", "machines")
CPMS = ApiResource("machine.openshift.io", "v1", "controlplanemachinesets")
MIGRATIONS = ApiResource(GROUP, VERSION, PLURAL)
MACHINE_API_NAMESPACE = "openshift-machine-api"
CVO = ("openshift-cluster-version", "cluster-version-operator")
CLOUD_CONFIG = ("openshift-config", "cloud-provider-config")
VSPHERE_CREDS = ("kube-system", "vsphere-creds")


TRANSIENT_STATUSES = frozenset({429, 500, 502, 503, 504})


class ClusterError(Exception):
    """A Kubernetes API call failed; `status` is the HTTP status (0 when the problem is not an HTTP answer)."""

    def __init__(self, action: str, status: int, message: str, *, transient: bool = False) -> None:
        self.status, self.api_message = status, message
        self.transient = transient or status in TRANSIENT_STATUSES
        super().__init__(f"{action}: {message}" + (f" (HTTP {status})" if status else ""))


class Cluster:
    """Typed operations on the objects the migration reads and changes."""

    def __init__(self, api_client: k8s.ApiClient) -> None:
        self.core = k8s.CoreV1Api(api_client)
        self.apps = k8s.AppsV1Api(api_client)
        self.custom = k8s.CustomObjectsApi(api_client)
        self.extensions = k8s.ApiextensionsV1Api(api_client)
        self.coordination = k8s.CoordinationV1Api(api_client)

    @staticmethod
    def call(action: str, fn: Callable[[], T], *, missing_ok: bool = False) -> T | None:
        try:
            return fn()
        except ApiException as exc:
            if missing_ok and exc.status == 404:
                return None
            raise ClusterError(action, exc.status or 0, api_message(exc)) from None
        except urllib3.exceptions.HTTPError as exc:
            raise ClusterError(action, 0, f"API server unreachable: {type(exc).__name__}", transient=True) from None

    def must(self, action: str, fn: Callable[[], T]) -> T:
        result = self.call(action, fn)
        assert result is not None
        return result

    # --- generic custom objects ---------------------------------------------------------------------------

    def get_cluster_object(self, kind: ApiResource, name: str) -> Obj:
        group, version, plural = kind
        return self.must(f"get {plural}/{name}", lambda: self.custom.get_cluster_custom_object(
            group, version, plural, name))

    def find_cluster_object(self, kind: ApiResource, name: str) -> Obj | None:
        """The object, or None when it (or its kind) does not exist on this cluster."""
        group, version, plural = kind
        return self.call(f"get {plural}/{name}", lambda: self.custom.get_cluster_custom_object(
            group, version, plural, name), missing_ok=True)

    def replace_cluster_object(self, kind: ApiResource, obj: Obj, *, dry_run: bool = False) -> Obj:
        group, version, plural = kind
        name = obj["metadata"]["name"]
        extra = {"dry_run": "All"} if dry_run else {}
        return self.must(f"update {plural}/{name}", lambda: self.custom.replace_cluster_custom_object(
            group, version, plural, name, obj, **extra))

    def list_cluster_objects(self, kind: ApiResource, *, missing_ok: bool = False) -> list[Obj]:
        """Every object of the kind; with missing_ok, none when the kind is not installed."""
        group, version, plural = kind
        found = self.call(f"list {plural}", lambda: self.custom.list_cluster_custom_object(group, version, plural),
                          missing_ok=missing_ok)
        return list(found["items"]) if found else []

    def get_namespaced(self, kind: ApiResource, namespace: str, name: str, *,
                       missing_ok: bool = False) -> Obj | None:
        group, version, plural = kind
        return self.call(f"get {plural} {namespace}/{name}", lambda: self.custom.get_namespaced_custom_object(
            group, version, namespace, plural, name), missing_ok=missing_ok)

    def list_namespaced(self, kind: ApiResource, namespace: str, *, missing_ok: bool = False) -> list[Obj]:
        """Every object of the kind in the namespace; with missing_ok, none when the kind is not installed."""
        group, version, plural = kind
        found = self.call(f"list {plural} in {namespace}", lambda: self.custom.list_namespaced_custom_object(
            group, version, namespace, plural), missing_ok=missing_ok)
        return list(found["items"]) if found else []

    def replace_namespaced(self, kind: ApiResource, obj: Obj) -> Obj:
        group, version, plural = kind
        meta = obj["metadata"]
        return self.must(f"update {plural} {meta['namespace']}/{meta['name']}",
                         lambda: self.custom.replace_namespaced_custom_object(group, version, meta["namespace"],
                                                                              plural, meta["name"], obj))

    def create_namespaced(self, kind: ApiResource, obj: Obj) -> Obj:
        group, version, plural = kind
        meta = obj["metadata"]
        return self.must(f"create {plural} {meta['namespace']}/{meta['name']}",
                         lambda: self.custom.create_namespaced_custom_object(group, version, meta["namespace"],
                                                                             plural, obj))

    def delete_namespaced(self, kind: ApiResource, namespace: str, name: str) -> None:
        """Delete; an object that is already gone is fine."""
        group, version, plural = kind
        self.call(f"delete {plural} {namespace}/{name}", lambda: self.custom.delete_namespaced_custom_object(
            group, version, namespace, plural, name), missing_ok=True)

    def patch_namespaced(self, kind: ApiResource, namespace: str, name: str, patch: Obj) -> Obj:
        group, version, plural = kind
        return self.must(f"patch {plural} {namespace}/{name}", lambda: self.custom.patch_namespaced_custom_object(
            group, version, namespace, plural, name, patch))

    def patch_status(self, kind: ApiResource, namespace: str, name: str, patch: Obj, *,
                     resource_version: str | None = None) -> Obj:
        """A JSON merge patch of an object's status subresource; with `resource_version`, only if the object is
        still at that version (else ClusterError 409: someone else wrote since it was read)."""
        group, version, plural = kind
        body: Obj = {"status": patch}
        if resource_version:
            body["metadata"] = {"resourceVersion": resource_version}
        return self.must(f"patch {plural}/status {namespace}/{name}",
                         lambda: self.custom.patch_namespaced_custom_object_status(
                             group, version, namespace, plural, name, body))

    # --- core objects -------------------------------------------------------------------------------------

    def config_map(self, namespace: str, name: str, *, missing_ok: bool = False) -> Any:
        return self.call(f"get configmap {namespace}/{name}", lambda: self.core.read_namespaced_config_map(
            name, namespace), missing_ok=missing_ok)

    def secret(self, namespace: str, name: str, *, missing_ok: bool = False) -> Any:
        return self.call(f"get secret {namespace}/{name}", lambda: self.core.read_namespaced_secret(
            name, namespace), missing_ok=missing_ok)

    def deployment(self, namespace: str, name: str) -> Any:
        return self.must(f"get deployment {namespace}/{name}", lambda: self.apps.read_namespaced_deployment(
            name, namespace))

    def scale_deployment(self, namespace: str, name: str, replicas: int) -> None:
        self.must(f"scale deployment {namespace}/{name} to {replicas}",
                  lambda: self.apps.patch_namespaced_deployment_scale(name, namespace,
                                                                      {"spec": {"replicas": replicas}}))
