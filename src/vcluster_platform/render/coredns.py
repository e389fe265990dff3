"""CoreDNS configuration of the vCluster: one Corefile, shipped as a ConfigMap and as chart values."""

from __future__ import annotations

from ..models import EffectiveSettings
from .meta import WAVE_RBAC, Obj, metadata, obj


def corefile(s: EffectiveSettings) -> str:
    domain = s.cluster_domain
    return (
        ".:1053 {\n"
        "    errors\n"
        "    health\n"
        "    ready\n"
        f"    rewrite name regex .*\\.nodes\\.vcluster\\.com kubernetes.default.svc.{domain}\n"
        f"    kubernetes {domain} in-addr.arpa ip6.arpa {{\n"
        "        pods insecure\n"
        "        fallthrough in-addr.arpa ip6.arpa\n"
        "    }\n"
        "    hosts /etc/NodeHosts {\n"
        "        ttl 60\n"
        "        reload 15s\n"
        "        fallthrough\n"
        "    }\n"
        "    prometheus :9153\n"
        "    forward . /etc/resolv.conf\n"
        "    cache 30\n"
        "    loop\n"
        "    loadbalance\n"
        "}\n"
        "import /etc/coredns/custom/*.server\n"
    )


def render_coredns(s: EffectiveSettings) -> list[Obj]:
    meta = metadata(s, s.names.coredns_configmap, s.target_namespace, WAVE_RBAC)
    return [obj("v1", "ConfigMap", meta, data={"Corefile": corefile(s)})]
