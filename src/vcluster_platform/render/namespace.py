"""The host namespace the vCluster runs in, with Pod Security labels.

The syncer runs the tenant's pods here unchanged, so this level is what a tenant's pods may do on the host:
`vcluster.podSecurity` is enforced (baseline by default: no privileged pods, host namespaces or hostPath;
privileged only by a platform admin's request). strict also audits and warns at `restricted`.
"""

from __future__ import annotations

from ..models import EffectiveSettings
from .meta import WAVE_NAMESPACE, Obj, metadata, obj


def render_namespace(s: EffectiveSettings) -> list[Obj]:
    enforce = s.pod_security
    report = "restricted" if s.isolation_mode == "strict" else enforce
    labels = {
        "platform.integratn.tech/type": "vcluster",
        "vcluster.loft.sh/namespace": "true",
        "pod-security.kubernetes.io/enforce": enforce,
        "pod-security.kubernetes.io/audit": report,
        "pod-security.kubernetes.io/warn": report,
    }
    return [obj("v1", "Namespace", metadata(s, s.target_namespace, None, WAVE_NAMESPACE, labels=labels))]
