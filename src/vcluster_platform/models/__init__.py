"""Request models, presets and effective settings of the VClusterOrchestratorV2 promise."""

from .effective import EffectiveSettings, Names, resolve
from .parse import ParsedRequest, parse_request
from .platform import PlatformSettings, platform_from_env
from .request import VClusterOrchestratorV2Spec

KIND = "VClusterOrchestratorV2"


def settings_from_document(doc: object, platform: PlatformSettings | None = None) -> EffectiveSettings:
    """Validate a whole VClusterOrchestratorV2 object and resolve its effective settings.

    `platform` defaults to the VCLUSTER_PLATFORM_* environment of this process (the promise's pipeline env).
    """
    parsed = parse_request(doc, KIND, VClusterOrchestratorV2Spec)
    return resolve(parsed.spec, request_name=parsed.name, request_namespace=parsed.namespace,
                   annotations=parsed.annotations, platform=platform or platform_from_env())


__all__ = ["KIND", "EffectiveSettings", "Names", "ParsedRequest", "PlatformSettings", "VClusterOrchestratorV2Spec",
           "parse_request", "resolve", "settings_from_document"]
