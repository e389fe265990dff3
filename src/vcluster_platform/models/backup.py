"""The `backup` settings beyond their defaults: only a deployed etcd is snapshotted, one destination, an NFS
server inside the platform's NFS ranges, and where the request is silent a claim the platform creates."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import Problem
from .platform import PlatformSettings, in_pools

if TYPE_CHECKING:
    from .effective import _Resolver

PATH = "spec.backup"
TUNING = (("schedule", "schedule"), ("retention", "retention"), ("volume_size", "volumeSize"),
          ("destination", "destination"))


def _requested(spec: Any, attr: str) -> Any:
    backup = getattr(spec, "backup", None)
    return None if backup is None else getattr(backup, attr)


def resolve_backup(r: _Resolver, spec: Any, values: dict[str, Any], store: str, platform: PlatformSettings,
                   problems: list[Problem]) -> None:
    """Settle backup.enabled and backup.destination in values["declared"], adding a problem for what cannot be
    done."""
    declared = values["declared"]
    enabled = bool(r.pick("backup.enabled", _requested(spec, "enabled")))
    if enabled and store != "etcd":
        if r.sources["backup.enabled"] == "request":
            problems.append(Problem(f"{PATH}.enabled", True, "the embedded database cannot be snapshotted with "
                                    "etcdctl; allowed: false, or a deployed etcd (spec.vcluster.backingStore)"))
        enabled = r.derived("backup.enabled", False, "derived (embedded database: no etcd to snapshot)")
    declared["backup.enabled"] = enabled
    if not enabled:
        for attr, key in TUNING:
            if _requested(spec, attr) is not None:
                problems.append(Problem(f"{PATH}.{key}", _requested(spec, attr), "has no effect: backups are off "
                                        f"({r.sources['backup.enabled']}); set spec.backup.enabled: true"))
        declared["backup.destination"] = r.derived("backup.destination", None, "default (no backups)")
        return
    declared["backup.destination"] = _destination(r, spec, platform, problems)
    if "server" in declared["backup.destination"] and values["pod_security"] == "restricted":
        problems.append(Problem(f"{PATH}.destination.nfs", declared["backup.destination"]["server"],
                                "Pod Security restricted allows no NFS volume; use a persistentVolumeClaim"))


def _destination(r: _Resolver, spec: Any, platform: PlatformSettings, problems: list[Problem]) -> dict[str, str]:
    """{"claim": name, "created": "true"|""} for a volume claim, or {"server": ip, "path": dir} for NFS."""
    requested = _requested(spec, "destination")
    claim = getattr(requested, "persistent_volume_claim", None)
    nfs = getattr(requested, "nfs", None)
    where = f"{PATH}.destination"
    if claim and nfs:
        problems.append(Problem(where, "persistentVolumeClaim and nfs", "set one of them, not both"))
    if requested is not None and not (claim or nfs):
        problems.append(Problem(where, {}, "needs persistentVolumeClaim or nfs (or leave destination out for a "
                                           "claim the platform creates)"))
    if nfs:
        if not in_pools(nfs.server, platform.nfs_cidrs):
            problems.append(Problem(f"{where}.nfs.server", nfs.server, "is outside the platform's NFS ranges ("
                                    + ", ".join(platform.nfs_cidrs) + "; env VCLUSTER_PLATFORM_NFS_CIDRS)"))
        return dict(r.derived("backup.destination", {"server": nfs.server, "path": nfs.path}, "request (nfs)"))
    if claim:
        return dict(r.derived("backup.destination", {"claim": claim.claim_name, "created": ""},
                              "request (persistentVolumeClaim)"))
    name = f"{spec.name}-etcd-backups"
    return dict(r.derived("backup.destination", {"claim": name, "created": "true"},
                          f"default (claim {name}, StorageClass {platform.backup_storage_class or 'default'})"))
