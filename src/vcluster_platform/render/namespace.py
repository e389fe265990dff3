"""The host namespace the vCluster runs in, with Pod Security labels.

standard: `privileged` — the syncer runs tenant pods here unchanged, so any pod the tenant may run must be
admitted. strict: `baseline` enforced (no privileged or hostPath pods), `restricted` audited and warned.
"""

from __future__ import annotations

from ..models import EffectiveSettings
from .meta import WAVE_NAMESPACE, Obj, metadata, obj

PSS_LEVELS = {"standard": ("privileged", "privileged"), "strict": ("baseline", "restricted")}


def render_namespace(s: EffectiveSettings) -> list[Obj]:
    enforce, report = PSS_LEVELS[s.isolation_mode]
    labels = {
        "platform.integratn.tech/type": "vcluster",
        "vcluster.loft.sh/namespace": "true",
        "pod-security.kubernetes.io/enforce": enforce,
        "pod-security.kubernetes.io/audit": report,
        "pod-security.kubernetes.io/warn": report,
    }
    return [obj("v1", "Namespace", metadata(s, s.target_namespace, None, WAVE_NAMESPACE, labels=labels))]
