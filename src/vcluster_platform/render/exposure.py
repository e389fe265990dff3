"""External access to the vCluster API: certificate and Gateway API route.

The API server authenticates clients by certificate, so the default is a TLSRoute (TLS passes through to
the vCluster). An HTTPRoute terminates TLS at the gateway, which breaks client-certificate auth; it is only
rendered when asked for. loadBalancer mode is expressed in the Helm values (service type + VIP).
"""

from __future__ import annotations

from typing import Any

from ..models import EffectiveSettings
from .meta import WAVE_EXPOSURE, Obj, metadata, obj

GATEWAY_API = "gateway.networking.k8s.io/v1"
VCLUSTER_SERVICE_PORT = 443


def render_certificate(s: EffectiveSettings) -> Obj:
    names = s.names
    spec: dict[str, Any] = {
        "secretName": names.certificate_secret,
        "issuerRef": {"name": s.issuer_name, "kind": s.issuer_kind, "group": "cert-manager.io"},
        "dnsNames": [s.hostname],
        "privateKey": {"rotationPolicy": "Always"},
    }
    if s.vip:
        spec["ipAddresses"] = [s.vip]
    return obj("cert-manager.io/v1", "Certificate", metadata(s, names.certificate, s.target_namespace,
                                                             WAVE_EXPOSURE), spec=spec)


def _parent_ref(s: EffectiveSettings) -> dict[str, Any]:
    ref: dict[str, Any] = {"name": s.gateway_name, "namespace": s.gateway_namespace}
    if s.gateway_section:
        ref["sectionName"] = s.gateway_section
    return ref


def render_route(s: EffectiveSettings) -> Obj:
    names = s.names
    backend = [{"name": names.release, "port": VCLUSTER_SERVICE_PORT}]
    kind = "TLSRoute" if s.exposure_mode == "tlsRoute" else "HTTPRoute"
    spec = {"parentRefs": [_parent_ref(s)], "hostnames": [s.hostname], "rules": [{"backendRefs": backend}]}
    return obj(GATEWAY_API, kind, metadata(s, names.route, s.target_namespace, WAVE_EXPOSURE), spec=spec)


def render_exposure(s: EffectiveSettings) -> list[Obj]:
    """Routes (and their certificate) for the route modes; loadBalancer lives in the Helm values, where the
    vCluster serves its own certificate for the hostname (proxy.extraSANs)."""
    if not s.hostname or s.exposure_mode not in ("tlsRoute", "httpRoute"):
        return []
    return [render_certificate(s), render_route(s)]
