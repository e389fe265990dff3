"""The 15 phases in their fixed order; each module holds one phase."""

from __future__ import annotations

from ..api.models import PHASES, PhaseName
from .backup import Backup
from .base import Outcome, Phase, done, failed, requeue
from .create_folder import CreateFolder
from .create_tags import CreateTags
from .disable_cvo import DisableCVO
from .pending import NotYetAvailable
from .preflight import Preflight
from .update_infrastructure import UpdateInfrastructure
from .update_secrets import UpdateSecrets

IMPLEMENTED: dict[PhaseName, Phase] = {p.name: p for p in (
    Preflight(), Backup(), DisableCVO(), UpdateSecrets(), CreateTags(), CreateFolder(), UpdateInfrastructure(),
)}
REGISTRY: dict[PhaseName, Phase] = {name: IMPLEMENTED.get(name) or NotYetAvailable(name) for name in PHASES}

__all__ = ["REGISTRY", "Outcome", "Phase", "done", "failed", "requeue"]
