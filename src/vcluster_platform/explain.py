"""Effective settings as rows of (setting, value, source), for `vcluster-platform explain`."""

from __future__ import annotations

from typing import Any

from .models import EffectiveSettings
from .models.platform import PLATFORM_ENV, env_text
from .models.presets import PRESETS

# setting path (as in sources) → EffectiveSettings attribute
FIELDS = {
    "vcluster.preset": "preset",
    "targetNamespace": "target_namespace",
    "projectName": "project_name",
    "vcluster.k8sVersion": "k8s_version",
    "vcluster.replicas": "replicas",
    "vcluster.isolationMode": "isolation_mode",
    "vcluster.resources.requests.cpu": "requests_cpu",
    "vcluster.resources.requests.memory": "requests_memory",
    "vcluster.resources.limits.cpu": "limits_cpu",
    "vcluster.resources.limits.memory": "limits_memory",
    "vcluster.persistence.enabled": "persistence_enabled",
    "vcluster.persistence.size": "persistence_size",
    "vcluster.persistence.storageClass": "storage_class",
    "vcluster.coredns.replicas": "coredns_replicas",
    "vcluster.networking.clusterDomain": "cluster_domain",
    "vcluster.backingStore.type": "backing_store",
    "vcluster.backingStore.etcdReplicas": "etcd_replicas",
    "vcluster.exportKubeConfig.server": "export_server",
    "exposure.mode": "exposure_mode",
    "exposure.vip": "vip",
    "exposure.vipOffset": "vip_offset",
    "exposure.apiPort": "api_port",
    "exposure.gateway.name": "gateway_name",
    "exposure.gateway.namespace": "gateway_namespace",
    "integrations.certManager.issuerName": "issuer_name",
    "integrations.certManager.issuerKind": "issuer_kind",
    "integrations.externalSecrets.clusterSecretStoreName": "secret_store",
    "integrations.argocd.environment": "environment",
    "integrations.argocd.serverUrl": "argocd_server_url",
    "integrations.onePassword.vault": "op_vault",
    "integrations.onePassword.connectHost": "op_connect_host",
    "integrations.onePassword.connectTokenKey": "op_token_key",
    "integrations.metricsServer": "metrics_server",
    "argocdApplication.repoURL": "chart_repo",
    "argocdApplication.chart": "chart",
    "argocdApplication.targetRevision": "chart_version",
    "argocdApplication.destinationServer": "destination_server",
    "argocdApplication.syncPolicy.automated.prune": "sync_prune",
    "argocdApplication.syncPolicy.automated.selfHeal": "sync_self_heal",
    "argocdApplication.syncPolicy.automated.allowEmpty": "sync_allow_empty",
    "networkPolicies.baseline": "network_baseline",
    "networkPolicies.enableNFS": "enable_nfs",
}


def explain_rows(s: EffectiveSettings) -> list[dict[str, Any]]:
    rows = []
    for path, attr in FIELDS.items():
        value = getattr(s, attr)
        preset_value = PRESETS[s.preset].get(path)
        rows.append({"setting": path, "value": value, "source": s.sources.get(path, "default"),
                     "presetValue": preset_value})
    return rows + platform_rows(s)


def platform_rows(s: EffectiveSettings) -> list[dict[str, Any]]:
    """The installation's settings this render used (environment of the pipeline, not the request)."""
    rows = []
    for variable, (attr, _kind, _help) in PLATFORM_ENV.items():
        rows.append({"setting": f"platform.{attr}", "value": env_text(getattr(s.platform, attr)),
                     "source": f"platform (env {variable})", "presetValue": None})
    return rows


def differs_from_preset(row: dict[str, Any]) -> bool:
    return str(row["source"]) == "request" and row["presetValue"] is not None and row["presetValue"] != row["value"]


def format_table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    cells = [[str(r.get(c, "")) for c in columns] for r in rows]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in cells]
    return "\n".join(lines)
