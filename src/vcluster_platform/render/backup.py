"""Snapshots of a deployed etcd (`spec.backup`): a client Certificate from the tenant's own etcd chain, a
CronJob that saves, verifies and keeps them, and the restore Jobs `vcluster-platform backup restore` runs.

The snapshot pod runs three steps in order, each a container that must succeed before the next starts:
`etcdctl snapshot save` over TLS with the backup's own client certificate, `etcdutl snapshot status` and a
scratch `etcdutl snapshot restore` (which checks the snapshot's integrity hash), and only then a small shell
step that moves it into place under a dated name, prunes this tenant's snapshots beyond the retention (nothing
else in the directory), and reports what is kept as the container's termination message (`backup list`
reads it). The etcd steps run in the tenant's own etcd image, so etcdctl matches the server.
"""

from __future__ import annotations

from typing import Any

from ..mapping import dig
from ..models import EffectiveSettings
from ..models.cron import longest_gap
from .etcd_certs import CERT_MANAGER_API
from .jobs import CONTAINER_SECURITY, POD_SECURITY
from .meta import WAVE_RBAC, WAVE_SECRETS, Obj, fit_name, metadata, obj

MAX_AGE_ANNOTATION = "platform.integratn.tech/backup-max-age-seconds"
BACKUP_COMPONENT = "etcd-backup"
RESTORE_COMPONENT = "etcd-restore"
COMPONENT_LABEL = "app.kubernetes.io/component"
MEMBER_LABEL = "platform.integratn.tech/etcd-member"
CERT_DIR, WORK_DIR, BACKUP_DIR, DATA_DIR = "/etcd-client", "/work", "/backup", "/var/lib/etcd"
SNAPSHOT_PATTERN = "[0-9]{8}T[0-9]{6}Z"  # the dated part of <name>-<UTC stamp>.db
CHART_ETCD_IMAGE = "registry.k8s.io/etcd:3.6.4-0"  # the chart's default (0.30.4 … 0.33.4)

STORE_SCRIPT = """\
set -eu
rm -rf "$WORK/verify"
mkdir -p "$DEST"
rm -f "$DEST/.$TENANT-"*.db.partial
name="$TENANT-$(date -u +%Y%m%dT%H%M%SZ).db"
cp "$WORK/snapshot.db" "$DEST/.$name.partial"
mv "$DEST/.$name.partial" "$DEST/$name"
echo "kept $name ($(wc -c < "$DEST/$name") bytes)"
ls -1 "$DEST" | grep -E "^$TENANT-$PATTERN[.]db\\$" | sort -r | tail -n +$((RETENTION + 1)) | while read -r old; do
  rm -f "$DEST/$old"
  echo "pruned $old"
done
ls -1 "$DEST" | grep -E "^$TENANT-$PATTERN[.]db\\$" | sort -r | while read -r kept; do
  echo "$kept $(wc -c < "$DEST/$kept")"
done | head -c 4000 > "$REPORT"
"""

SWAP_SCRIPT = """\
set -eu
cd "$DATA"
if [ -d member ]; then mv member "member.before-restore-$RESTORE_ID"; fi
mv ".restore-$RESTORE_ID/member" member
rmdir ".restore-$RESTORE_ID"
echo "restored $MEMBER from $SNAPSHOT"
"""


def backup_enabled(s: EffectiveSettings) -> bool:
    return bool(s.value("backup.enabled"))


def backup_name(s: EffectiveSettings) -> str:
    return f"{s.names.etcd_service}-backup"


def etcd_image(s: EffectiveSettings) -> str:
    """The tenant's etcd image (its backingStore or helmOverrides), else the chart's default."""
    path = ("etcd", "deploy", "statefulSet", "image")
    for image in (dig(s.helm_overrides, "controlPlane", "backingStore", *path), dig(s.backing_store_values, *path)):
        if isinstance(image, dict) and image.get("repository") and image.get("tag"):
            registry = image.get("registry") or "docker.io"
            return f"{registry}/{image['repository']}:{image['tag']}"
    return CHART_ETCD_IMAGE


def snapshot_dir(s: EffectiveSettings) -> str:
    """Where the snapshots are inside the backup volume: a directory per tenant on a shared NFS export."""
    return f"{BACKUP_DIR}/{s.name}" if "server" in s.value("backup.destination") else BACKUP_DIR


def destination_volume(s: EffectiveSettings) -> Obj:
    where = s.value("backup.destination")
    if "server" in where:
        return {"name": "backup", "nfs": {"server": where["server"], "path": where["path"]}}
    return {"name": "backup", "persistentVolumeClaim": {"claimName": where["claim"]}}


def member_names(s: EffectiveSettings) -> list[str]:
    return [f"{s.names.etcd_service}-{i}" for i in range(s.etcd_replicas)]


def peer_url(s: EffectiveSettings, member: str) -> str:
    """A member's peer URL exactly as the chart's etcd StatefulSet advertises it."""
    return f"https://{member}.{s.names.etcd_service}-headless.{s.target_namespace}:2380"


def initial_cluster(s: EffectiveSettings) -> str:
    return ",".join(f"{m}={peer_url(s, m)}" for m in member_names(s))


def _container(name: str, image: str, command: list[str], env: dict[str, str], mounts: list[Obj],
               memory: str = "512Mi") -> Obj:
    return {
        "name": name, "image": image, "imagePullPolicy": "IfNotPresent", "command": command,
        **({"env": [{"name": k, "value": v} for k, v in env.items()]} if env else {}),
        "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"cpu": "1", "memory": memory}},
        "securityContext": dict(CONTAINER_SECURITY),
        "volumeMounts": mounts,
    }


def _mount(name: str, path: str, read_only: bool = False) -> Obj:
    return {"name": name, "mountPath": path, **({"readOnly": True} if read_only else {})}


def client_certificate(s: EffectiveSettings) -> Obj:
    """The backup's own identity: client auth only, issued by the tenant's etcd CA Issuer."""
    name = backup_name(s)
    return obj(CERT_MANAGER_API, "Certificate", metadata(s, name, s.target_namespace, WAVE_RBAC), spec={
        "commonName": name,
        "secretName": name,
        "usages": ["client auth"],
        "privateKey": {"algorithm": "RSA", "size": 2048},
        "issuerRef": {"group": "cert-manager.io", "kind": "Issuer", "name": f"{s.names.etcd_service}-ca"},
    })


def snapshot_pod(s: EffectiveSettings) -> Obj:
    image, work, cert = etcd_image(s), _mount("work", WORK_DIR), _mount("client-cert", CERT_DIR, True)
    etcdctl_env = {
        "ETCDCTL_ENDPOINTS": f"https://{s.names.etcd_service}.{s.target_namespace}.svc:2379",
        "ETCDCTL_CACERT": f"{CERT_DIR}/ca.crt", "ETCDCTL_CERT": f"{CERT_DIR}/tls.crt",
        "ETCDCTL_KEY": f"{CERT_DIR}/tls.key", "ETCDCTL_DIAL_TIMEOUT": "10s",
    }
    store_env = {"WORK": WORK_DIR, "DEST": snapshot_dir(s), "TENANT": s.name, "PATTERN": SNAPSHOT_PATTERN,
                 "RETENTION": str(s.value("backup.retention")), "REPORT": "/dev/termination-log"}
    snapshot = f"{WORK_DIR}/snapshot.db"
    return {
        "serviceAccountName": backup_name(s),
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,
        "restartPolicy": "Never",
        "securityContext": dict(POD_SECURITY),
        "initContainers": [
            _container("snapshot", image, ["etcdctl", "snapshot", "save", snapshot], etcdctl_env, [work, cert]),
            _container("status", image, ["etcdutl", "snapshot", "status", snapshot, "--write-out=table"], {},
                       [work]),
            _container("check", image, ["etcdutl", "snapshot", "restore", snapshot, "--data-dir",
                                        f"{WORK_DIR}/verify"], {}, [work]),
        ],
        "containers": [_container("store", s.platform.job_image, ["sh", "-c", STORE_SCRIPT], store_env,
                                  [work, _mount("backup", BACKUP_DIR)], memory="64Mi")],
        "volumes": [
            {"name": "client-cert", "secret": {"secretName": backup_name(s), "defaultMode": 0o440}},
            {"name": "work", "emptyDir": {"sizeLimit": "8Gi"}},
            destination_volume(s),
        ],
    }


def _labels(component: str) -> dict[str, str]:
    return {COMPONENT_LABEL: component}


def backup_cronjob(s: EffectiveSettings) -> Obj:
    schedule = str(s.value("backup.schedule"))
    max_age = int(longest_gap(schedule).total_seconds()) * 2
    meta = metadata(s, backup_name(s), s.target_namespace, WAVE_SECRETS, labels=_labels(BACKUP_COMPONENT),
                    annotations={MAX_AGE_ANNOTATION: str(max_age)})
    return obj("batch/v1", "CronJob", meta, spec={
        "schedule": schedule,
        "timeZone": "Etc/UTC",
        "concurrencyPolicy": "Forbid",
        "startingDeadlineSeconds": 3600,
        "successfulJobsHistoryLimit": 3,
        "failedJobsHistoryLimit": 3,
        "jobTemplate": {"metadata": {"labels": dict(meta["labels"])}, "spec": {
            "backoffLimit": 2,
            "activeDeadlineSeconds": 3600,
            "template": {"metadata": {"labels": dict(meta["labels"])}, "spec": snapshot_pod(s)},
        }},
    })


def render_backup(s: EffectiveSettings) -> list[Obj]:
    """Nothing unless backups are on (they are only for a deployed etcd)."""
    if not backup_enabled(s):
        return []
    ns, name = s.target_namespace, backup_name(s)
    objects: list[Obj] = [
        client_certificate(s),
        obj("v1", "ServiceAccount", metadata(s, name, ns, WAVE_RBAC), automountServiceAccountToken=False),
    ]
    where = s.value("backup.destination")
    if where.get("created"):
        objects.append(obj("v1", "PersistentVolumeClaim", metadata(s, where["claim"], ns, WAVE_RBAC), spec={
            "accessModes": ["ReadWriteOnce"],
            **({"storageClassName": s.platform.backup_storage_class} if s.platform.backup_storage_class else {}),
            "resources": {"requests": {"storage": str(s.value("backup.volumeSize"))}},
        }))
    return [*objects, backup_cronjob(s)]


def restore_job(s: EffectiveSettings, member: str, snapshot: str, restore_id: str) -> Obj:
    """Restore one member's data directory from `snapshot` (a file in the snapshot directory): verify it,
    restore it beside the current data with the member's name and the chart's peer URLs, then swap it in
    (the old data stays as member.before-restore-<id>). Runs as root: the chart's etcd writes its data as root."""
    image, path = etcd_image(s), f"{snapshot_dir(s)}/{snapshot}"
    data, backup = _mount("data", DATA_DIR), _mount("backup", BACKUP_DIR, True)
    as_root = {**CONTAINER_SECURITY, "runAsNonRoot": False, "runAsUser": 0, "runAsGroup": 0}
    restore = ["etcdutl", "snapshot", "restore", path, "--name", member, "--initial-cluster", initial_cluster(s),
               "--initial-cluster-token", s.name, "--initial-advertise-peer-urls", peer_url(s, member),
               "--data-dir", f"{DATA_DIR}/.restore-{restore_id}"]
    swap_env = {"DATA": DATA_DIR, "RESTORE_ID": restore_id, "MEMBER": member, "SNAPSHOT": snapshot}
    containers = [
        _container("status", image, ["etcdutl", "snapshot", "status", path, "--write-out=table"], {}, [backup]),
        _container("restore", image, restore, {}, [data, backup]),
    ]
    swap = _container("swap", s.platform.job_image, ["sh", "-c", SWAP_SCRIPT], swap_env, [data], memory="64Mi")
    for container in [*containers, swap]:
        container["securityContext"] = dict(as_root)
    labels = {**_labels(RESTORE_COMPONENT), MEMBER_LABEL: member}
    meta = metadata(s, fit_name(f"{member}-restore-{restore_id}"), s.target_namespace, WAVE_SECRETS, labels=labels)
    pod: dict[str, Any] = {
        "automountServiceAccountToken": False, "enableServiceLinks": False, "restartPolicy": "Never",
        "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
        "initContainers": containers, "containers": [swap],
        "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": f"data-{member}"}},
                    {**destination_volume(s)}],
    }
    return obj("batch/v1", "Job", meta, spec={
        "backoffLimit": 0, "activeDeadlineSeconds": 1800,
        "template": {"metadata": {"labels": dict(meta["labels"])}, "spec": pod},
    })
