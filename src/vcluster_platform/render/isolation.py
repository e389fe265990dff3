"""Strict isolation on top of the baseline network policies: a ResourceQuota and container LimitRange."""

from __future__ import annotations

from ..models import EffectiveSettings
from .meta import WAVE_RBAC, Obj, metadata, obj

QUOTA = {
    "dev": {"requests.cpu": "4", "requests.memory": "8Gi", "limits.cpu": "8", "limits.memory": "16Gi",
            "pods": "50", "services.loadbalancers": "1", "persistentvolumeclaims": "20"},
    "prod": {"requests.cpu": "16", "requests.memory": "32Gi", "limits.cpu": "32", "limits.memory": "64Gi",
             "pods": "200", "services.loadbalancers": "2", "persistentvolumeclaims": "100"},
}
CONTAINER_DEFAULTS = {
    "default": {"cpu": "500m", "memory": "512Mi"},
    "defaultRequest": {"cpu": "50m", "memory": "64Mi"},
}


def render_quota(s: EffectiveSettings) -> list[Obj]:
    quota = obj("v1", "ResourceQuota", metadata(s, f"{s.name}-quota", s.target_namespace, WAVE_RBAC),
                spec={"hard": dict(QUOTA[s.preset])})
    limits = obj("v1", "LimitRange", metadata(s, f"{s.name}-limits", s.target_namespace, WAVE_RBAC),
                 spec={"limits": [{"type": "Container", **{k: dict(v) for k, v in CONTAINER_DEFAULTS.items()}}]})
    return [quota, limits]


def render_isolation(s: EffectiveSettings) -> list[Obj]:
    if s.isolation_mode != "strict":
        return []
    return render_quota(s)
