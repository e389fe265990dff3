"""The kubeconfig sync Job and its least-privilege identity.

The Job copies Secret `vc-<name>` into 1Password. Jobs are immutable and owned by ArgoCD, so there is no
`ttlSecondsAfterFinished` (ArgoCD would re-create a TTL-deleted Job); a new run gets a new name whose suffix
changes with the `platform.integratn.tech/reconcile-at` annotation or any input of the Job.
"""

from __future__ import annotations

from ..models import EffectiveSettings
from ..models.effective import RECONCILE_AT_ANNOTATION
from ..sync_script import SCRIPT, SCRIPT_FILE
from .jobs import SA_DIR, identity, job_spec, script_configmap, script_container, script_pod
from .meta import WAVE_RBAC, WAVE_SYNC_JOB, Obj, metadata, obj


def render_sync_rbac(s: EffectiveSettings) -> list[Obj]:
    names = s.names
    rules = [{"apiGroups": [""], "resources": ["secrets"], "resourceNames": [names.vcluster_secret],
              "verbs": ["get"]}]
    script = script_configmap(s, names.sync_script_configmap, WAVE_RBAC, SCRIPT_FILE, SCRIPT)
    return [*identity(s, names.sync_service_account, WAVE_RBAC, rules), script]


def _env(s: EffectiveSettings) -> dict[str, str]:
    names = s.names
    return {
        "VCLUSTER_NAMESPACE": s.target_namespace,
        "VCLUSTER_SECRET_NAME": names.vcluster_secret,
        "VCLUSTER_SERVER": s.endpoint,
        "OP_CONNECT_HOST": s.op_connect_host,
        "OP_VAULT": s.op_vault,
        "OP_ITEM_TITLE": names.onepassword_item,
        "OP_CONNECT_TOKEN_FILE": "/var/run/onepassword/token",
        "SA_DIR": SA_DIR,
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def render_sync_job(s: EffectiveSettings) -> Obj:
    names = s.names
    annotations = {RECONCILE_AT_ANNOTATION: s.reconcile_at} if s.reconcile_at else {}
    meta = metadata(s, names.sync_job, s.target_namespace, WAVE_SYNC_JOB, annotations=annotations)
    container = script_container(s.platform.job_image, SCRIPT_FILE, _env(s), [
        {"name": "connect-token", "mountPath": "/var/run/onepassword", "readOnly": True}])
    pod = script_pod(names.sync_service_account, names.sync_script_configmap, container, [
        {"name": "connect-token", "secret": {"secretName": names.onepassword_token_secret,
                                             "items": [{"key": "token", "path": "token"}], "defaultMode": 0o440}}])
    return obj("batch/v1", "Job", meta, spec=job_spec(meta["labels"], pod))


def render_kubeconfig_sync(s: EffectiveSettings) -> list[Obj]:
    return [*render_sync_rbac(s), render_sync_job(s)]
