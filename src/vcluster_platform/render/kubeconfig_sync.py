"""The kubeconfig sync Job and its least-privilege identity.

The Job copies Secret `vc-<name>` into 1Password. Jobs are immutable and owned by ArgoCD, so there is no
`ttlSecondsAfterFinished` (ArgoCD would re-create a TTL-deleted Job); a new run gets a new name whose suffix
changes with the `platform.integratn.tech/reconcile-at` annotation or any input of the Job.
"""

from __future__ import annotations

from ..models import EffectiveSettings
from ..sync_script import SCRIPT, SCRIPT_FILE, SYNC_IMAGE
from .meta import WAVE_RBAC, WAVE_SYNC_JOB, Obj, metadata, obj

RECONCILE_AT = "platform.integratn.tech/reconcile-at"
RUN_AS = 65532


def render_sync_rbac(s: EffectiveSettings) -> list[Obj]:
    names = s.names
    ns = s.target_namespace
    account = obj("v1", "ServiceAccount", metadata(s, names.sync_service_account, ns, WAVE_RBAC),
                  automountServiceAccountToken=False)
    role = obj("rbac.authorization.k8s.io/v1", "Role", metadata(s, names.sync_service_account, ns, WAVE_RBAC),
               rules=[{"apiGroups": [""], "resources": ["secrets"], "resourceNames": [names.vcluster_secret],
                       "verbs": ["get"]}])
    binding = obj(
        "rbac.authorization.k8s.io/v1", "RoleBinding", metadata(s, names.sync_service_account, ns, WAVE_RBAC),
        roleRef={"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": names.sync_service_account},
        subjects=[{"kind": "ServiceAccount", "name": names.sync_service_account, "namespace": ns}],
    )
    script = obj("v1", "ConfigMap", metadata(s, names.sync_script_configmap, ns, WAVE_RBAC),
                 data={SCRIPT_FILE: SCRIPT})
    return [account, role, binding, script]


def _env(s: EffectiveSettings) -> list[dict[str, str]]:
    names = s.names
    pairs = {
        "VCLUSTER_NAMESPACE": s.target_namespace,
        "VCLUSTER_SECRET_NAME": names.vcluster_secret,
        "VCLUSTER_SERVER": s.endpoint,
        "OP_CONNECT_HOST": s.op_connect_host,
        "OP_VAULT": s.op_vault,
        "OP_ITEM_TITLE": names.onepassword_item,
        "OP_CONNECT_TOKEN_FILE": "/var/run/onepassword/token",
        "SA_DIR": "/var/run/secrets/kubernetes.io/serviceaccount",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    return [{"name": k, "value": v} for k, v in pairs.items()]


def render_sync_job(s: EffectiveSettings) -> Obj:
    names = s.names
    annotations = {RECONCILE_AT: s.reconcile_at} if s.reconcile_at else {}
    meta = metadata(s, names.sync_job, s.target_namespace, WAVE_SYNC_JOB, annotations=annotations)
    container = {
        "name": "sync",
        "image": SYNC_IMAGE,
        "imagePullPolicy": "IfNotPresent",
        "command": ["python3", f"/opt/sync/{SCRIPT_FILE}"],
        "env": _env(s),
        "resources": {"requests": {"cpu": "10m", "memory": "32Mi"}, "limits": {"cpu": "200m", "memory": "128Mi"}},
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "runAsNonRoot": True,
            "runAsUser": RUN_AS,
            "runAsGroup": RUN_AS,
            "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "volumeMounts": [
            {"name": "script", "mountPath": "/opt/sync", "readOnly": True},
            {"name": "connect-token", "mountPath": "/var/run/onepassword", "readOnly": True},
            {"name": "api-token", "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "readOnly": True},
            {"name": "tmp", "mountPath": "/tmp"},
        ],
    }
    pod_spec = {
        "serviceAccountName": names.sync_service_account,
        "automountServiceAccountToken": False,
        "restartPolicy": "Never",
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": RUN_AS,
            "runAsGroup": RUN_AS,
            "fsGroup": RUN_AS,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "containers": [container],
        "volumes": [
            {"name": "script", "configMap": {"name": names.sync_script_configmap, "defaultMode": 0o444}},
            {"name": "connect-token", "secret": {"secretName": names.onepassword_token_secret,
                                                 "items": [{"key": "token", "path": "token"}],
                                                 "defaultMode": 0o440}},
            {"name": "api-token", "projected": {"defaultMode": 0o440, "sources": [
                {"serviceAccountToken": {"path": "token", "expirationSeconds": 3600}},
                {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
            ]}},
            {"name": "tmp", "emptyDir": {"sizeLimit": "16Mi"}},
        ],
    }
    spec = {
        "backoffLimit": 6,
        "activeDeadlineSeconds": 1800,
        "template": {"metadata": {"labels": dict(meta["labels"])}, "spec": pod_spec},
    }
    return obj("batch/v1", "Job", meta, spec=spec)


def render_kubeconfig_sync(s: EffectiveSettings) -> list[Obj]:
    return [*render_sync_rbac(s), render_sync_job(s)]
