"""Backups owned by the migration: non-secret objects in a ConfigMap, credentials in a Secret.

The first copy of an object wins (a re-run never overwrites it), so the backup always holds what was there
before the migration touched anything. The status only records where each copy is and, for non-secret
objects, its sha256; credentials never reach the status.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import yaml
from kubernetes import client as k8s

from platform_common.clock import stamp

from ..api.models import GROUP, KIND, VERSION, BackupRecord
from .cluster import Cluster, ClusterError

Obj = dict[str, Any]
SERVER_FIELDS = ("resourceVersion", "uid", "managedFields", "creationTimestamp", "generation", "selfLink")


def clean(obj: Obj) -> Obj:
    """The object without status and server-managed metadata: what a restore must reproduce."""
    meta = {k: v for k, v in (obj.get("metadata") or {}).items() if k not in SERVER_FIELDS}
    meta.get("annotations", {}).pop("kubectl.kubernetes.io/last-applied-configuration", None)
    return {**{k: v for k, v in obj.items() if k not in ("status", "metadata")}, "metadata": meta}


def backup_key(kind: str, namespace: str | None, name: str) -> str:
    return f"{kind.lower()}.{namespace or '_cluster'}.{name}.yaml"


class BackupStore:
    def __init__(self, cluster: Cluster, migration_name: str, namespace: str, uid: str) -> None:
        self.cluster, self.namespace = cluster, namespace
        self.config_map_name = f"{migration_name}-backup"
        self.secret_name = f"{migration_name}-backup-credentials"
        self.owner = [{"apiVersion": f"{GROUP}/{VERSION}", "kind": KIND, "name": migration_name, "uid": uid,
                       "controller": True}]

    def _labels(self) -> dict[str, str]:
        return {"app.kubernetes.io/managed-by": "vsphere-migration", f"{GROUP}/backup": "true"}

    def save(self, obj: Obj, *, secret: bool = False) -> BackupRecord:
        meta = obj["metadata"]
        key = backup_key(obj["kind"], meta.get("namespace"), meta["name"])
        text = yaml.safe_dump(clean(obj), sort_keys=True)
        if secret:
            self._save_secret(key, text)
            stored = f"Secret/{self.namespace}/{self.secret_name}"
        else:
            self._save_config_map(key, text)
            stored = f"ConfigMap/{self.namespace}/{self.config_map_name}"
        stored_text = self.load_text(key, secret=secret)
        return BackupRecord(kind=obj["kind"], namespace=meta.get("namespace"), name=meta["name"], stored_in=stored,
                            key=key, sha256=None if secret else hashlib.sha256(stored_text.encode()).hexdigest(),
                            time=stamp())

    def _check_owner(self, current: Any, what: str) -> None:
        owners = [o.uid for o in (current.metadata.owner_references or [])]
        if self.owner[0]["uid"] not in owners:
            raise ClusterError(f"back up into {what}", 0, f"{what} belongs to another (earlier) migration of the "
                               "same name; delete it or choose another migration name")

    def _save_config_map(self, key: str, text: str) -> None:
        current = self.cluster.config_map(self.namespace, self.config_map_name, missing_ok=True)
        if current is not None:
            self._check_owner(current, f"ConfigMap {self.namespace}/{self.config_map_name}")
        if current is None:
            body = k8s.V1ConfigMap(metadata=k8s.V1ObjectMeta(name=self.config_map_name, namespace=self.namespace,
                                                             labels=self._labels(), owner_references=self.owner),
                                   data={key: text})
            self.cluster.must("create backup configmap", lambda: self.cluster.core.create_namespaced_config_map(
                self.namespace, body))
        elif key not in (current.data or {}):
            self.cluster.must("add to backup configmap", lambda: self.cluster.core.patch_namespaced_config_map(
                self.config_map_name, self.namespace, {"data": {key: text}}))

    def _save_secret(self, key: str, text: str) -> None:
        current = self.cluster.secret(self.namespace, self.secret_name, missing_ok=True)
        encoded = base64.b64encode(text.encode()).decode()
        if current is not None:
            self._check_owner(current, f"Secret {self.namespace}/{self.secret_name}")
        if current is None:
            body = k8s.V1Secret(metadata=k8s.V1ObjectMeta(name=self.secret_name, namespace=self.namespace,
                                                          labels=self._labels(), owner_references=self.owner),
                                type="Opaque", data={key: encoded})
            self.cluster.must("create backup secret", lambda: self.cluster.core.create_namespaced_secret(
                self.namespace, body))
        elif key not in (current.data or {}):
            self.cluster.must("add to backup secret", lambda: self.cluster.core.patch_namespaced_secret(
                self.secret_name, self.namespace, {"data": {key: encoded}}))

    def load_text(self, key: str, *, secret: bool = False) -> str:
        if secret:
            current = self.cluster.secret(self.namespace, self.secret_name, missing_ok=True)
            data = (current.data or {}) if current else {}
            if key not in data:
                raise ClusterError(f"read backup {key}", 404, f"no backup {key} in Secret {self.secret_name}")
            return base64.b64decode(data[key]).decode()
        current = self.cluster.config_map(self.namespace, self.config_map_name, missing_ok=True)
        data = (current.data or {}) if current else {}
        if key not in data:
            raise ClusterError(f"read backup {key}", 404, f"no backup {key} in ConfigMap {self.config_map_name}")
        return str(data[key])

    def load(self, kind: str, namespace: str | None, name: str, *, secret: bool = False) -> Obj:
        loaded: Obj = yaml.safe_load(self.load_text(backup_key(kind, namespace, name), secret=secret))
        return loaded
