"""CoreDNS configuration of the vCluster: one Corefile, shipped as a ConfigMap and as chart values."""

from __future__ import annotations

from ..models import EffectiveSettings
from .meta import WAVE_RBAC, Obj, metadata, obj


def corefile(s: EffectiveSettings) -> str:
    """The Corefile the running tenants use (cluster-domain aware): changing it under a running vCluster
    would only trade a known-good DNS setup for an untried one."""
    return (
        ".:1053 {\n"
        "  errors\n"
        "  health\n"
        "  ready\n"
        f"  kubernetes {s.cluster_domain} in-addr.arpa ip6.arpa {{\n"
        "    pods insecure\n"
        "    fallthrough in-addr.arpa ip6.arpa\n"
        "    ttl 30\n"
        "  }\n"
        "  prometheus 0.0.0.0:9153\n"
        "  forward . /etc/resolv.conf\n"
        "  cache 30\n"
        "  loop\n"
        "  reload\n"
        "  loadbalance\n"
        "}"
    )


def render_coredns(s: EffectiveSettings) -> list[Obj]:
    meta = metadata(s, s.names.coredns_configmap, s.target_namespace, WAVE_RBAC)
    return [obj("v1", "ConfigMap", meta, data={"Corefile": corefile(s)})]
