"""The 15 phases in their fixed order; each module holds one phase."""

from __future__ import annotations

from ..api.models import PHASES, PhaseName
from .backup import Backup
from .base import Outcome, Phase, done, failed, requeue
from .cleanup import Cleanup
from .create_folder import CreateFolder
from .create_tags import CreateTags
from .create_workers import CreateWorkers
from .disable_cvo import DisableCVO
from .monitor_health import MonitorHealth
from .preflight import Preflight
from .recreate_cpms import RecreateCPMS
from .restart_pods import RestartPods
from .scale_old import ScaleOld
from .update_config import UpdateConfig
from .update_infrastructure import UpdateInfrastructure
from .update_secrets import UpdateSecrets
from .verify import Verify

REGISTRY: dict[PhaseName, Phase] = {p.name: p for p in (
    Preflight(), Backup(), DisableCVO(), UpdateSecrets(), CreateTags(), CreateFolder(), UpdateInfrastructure(),
    UpdateConfig(), RestartPods(), MonitorHealth(), CreateWorkers(), RecreateCPMS(), ScaleOld(), Cleanup(),
    Verify(),
)}
assert tuple(REGISTRY) == PHASES, "every phase, in the fixed order"

__all__ = ["REGISTRY", "Outcome", "Phase", "done", "failed", "requeue"]
