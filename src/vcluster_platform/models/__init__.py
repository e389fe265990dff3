"""Request models, presets and effective settings of the VClusterOrchestratorV2 promise.

Nothing here imports pydantic: the pipeline validates a spec with the fast validator and loads the pydantic
models only when that validator is not sure (see fastparse.py). `VClusterOrchestratorV2Spec` is loaded on first
use of the name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from .effective import EffectiveSettings, Names, resolve
from .fastparse import validate_fast
from .parse import ParsedRequest, parse_request
from .platform import PlatformSettings, platform_from_env

if TYPE_CHECKING:
    from .request import VClusterOrchestratorV2Spec

KIND = "VClusterOrchestratorV2"


def validate_spec(spec_doc: dict[str, Any]) -> VClusterOrchestratorV2Spec:
    """The validated spec: by the fast validator when it is sure, else by the pydantic model (the reference,
    which also words every rejection). Both give the same attributes."""
    fast = validate_fast(spec_doc)
    if fast is not None:
        return cast("VClusterOrchestratorV2Spec", fast)
    from .reference import model_validator
    from .request import VClusterOrchestratorV2Spec

    return model_validator(VClusterOrchestratorV2Spec)(spec_doc)


def settings_from_document(doc: object, platform: PlatformSettings | None = None) -> EffectiveSettings:
    """Validate a whole VClusterOrchestratorV2 object and resolve its effective settings.

    `platform` defaults to the VCLUSTER_PLATFORM_* environment of this process (the promise's pipeline env).
    """
    parsed = parse_request(doc, KIND, validate_spec)
    return resolve(parsed.spec, request_name=parsed.name, request_namespace=parsed.namespace,
                   annotations=parsed.annotations, platform=platform or platform_from_env())


def __getattr__(name: str) -> Any:
    if name == "VClusterOrchestratorV2Spec":
        from .request import VClusterOrchestratorV2Spec

        return VClusterOrchestratorV2Spec
    raise AttributeError(name)


__all__ = ["KIND", "EffectiveSettings", "Names", "ParsedRequest", "PlatformSettings", "VClusterOrchestratorV2Spec",
           "parse_request", "resolve", "settings_from_document", "validate_spec"]
