"""The hardened pod shape shared by the platform's own Jobs: a Python script from a ConfigMap, run in a
pinned image as uid 65532 with a read-only root filesystem, no privilege escalation, all capabilities
dropped and the RuntimeDefault seccomp profile, with a short-lived API token mounted by hand.
"""

from __future__ import annotations

from typing import Any

from ..models import EffectiveSettings
from ..sync_script import KIT, KIT_FILE
from .meta import Obj, metadata, obj

RUN_AS = 65532
SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"
SCRIPT_DIR = "/opt/sync"
RBAC_API = "rbac.authorization.k8s.io/v1"

CONTAINER_SECURITY = {
    "allowPrivilegeEscalation": False,
    "readOnlyRootFilesystem": True,
    "runAsNonRoot": True,
    "runAsUser": RUN_AS,
    "runAsGroup": RUN_AS,
    "capabilities": {"drop": ["ALL"]},
    "seccompProfile": {"type": "RuntimeDefault"},
}
POD_SECURITY = {
    "runAsNonRoot": True,
    "runAsUser": RUN_AS,
    "runAsGroup": RUN_AS,
    "fsGroup": RUN_AS,
    "seccompProfile": {"type": "RuntimeDefault"},
}


def identity(s: EffectiveSettings, name: str, wave: int, rules: list[Obj]) -> list[Obj]:
    """ServiceAccount (no automounted token), Role with exactly `rules`, and the RoleBinding between them."""
    ns = s.target_namespace
    account = obj("v1", "ServiceAccount", metadata(s, name, ns, wave), automountServiceAccountToken=False)
    role = obj(RBAC_API, "Role", metadata(s, name, ns, wave), rules=rules)
    binding = obj(RBAC_API, "RoleBinding", metadata(s, name, ns, wave),
                  roleRef={"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": name},
                  subjects=[{"kind": "ServiceAccount", "name": name, "namespace": ns}])
    return [account, role, binding]


def script_configmap(s: EffectiveSettings, name: str, wave: int, script_file: str, script: str) -> Obj:
    """The ConfigMap a Job's program runs from: the program and the jobkit module it imports."""
    return obj("v1", "ConfigMap", metadata(s, name, s.target_namespace, wave),
               data={script_file: script, KIT_FILE: KIT})


def script_container(image: str, script_file: str, env: dict[str, str], extra_mounts: list[Obj]) -> Obj:
    return {
        "name": "sync",
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "command": ["python3", f"{SCRIPT_DIR}/{script_file}"],
        "env": [{"name": k, "value": v} for k, v in env.items()],
        "resources": {"requests": {"cpu": "10m", "memory": "32Mi"}, "limits": {"cpu": "200m", "memory": "128Mi"}},
        "securityContext": dict(CONTAINER_SECURITY),
        "volumeMounts": [
            {"name": "script", "mountPath": SCRIPT_DIR, "readOnly": True},
            *extra_mounts,
            {"name": "api-token", "mountPath": SA_DIR, "readOnly": True},
            {"name": "tmp", "mountPath": "/tmp"},
        ],
    }


def script_pod(service_account: str, script_configmap: str, container: Obj, extra_volumes: list[Obj]) -> Obj:
    return {
        "serviceAccountName": service_account,
        "automountServiceAccountToken": False,
        "restartPolicy": "Never",
        "securityContext": dict(POD_SECURITY),
        "containers": [container],
        "volumes": [
            {"name": "script", "configMap": {"name": script_configmap, "defaultMode": 0o444}},
            *extra_volumes,
            {"name": "api-token", "projected": {"defaultMode": 0o440, "sources": [
                {"serviceAccountToken": {"path": "token", "expirationSeconds": 3600}},
                {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
            ]}},
            {"name": "tmp", "emptyDir": {"sizeLimit": "16Mi"}},
        ],
    }


def job_spec(labels: dict[str, str], pod: Any) -> Obj:
    return {
        "backoffLimit": 6,
        "activeDeadlineSeconds": 1800,
        "template": {"metadata": {"labels": dict(labels)}, "spec": pod},
    }
