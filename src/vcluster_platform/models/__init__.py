"""Request models, presets and effective settings of the VClusterOrchestratorV2 promise."""

from .effective import EffectiveSettings, Names, resolve
from .parse import ParsedRequest, parse_request
from .request import VClusterOrchestratorV2Spec

KIND = "VClusterOrchestratorV2"


def settings_from_document(doc: object) -> EffectiveSettings:
    """Validate a whole VClusterOrchestratorV2 object and resolve its effective settings."""
    parsed = parse_request(doc, KIND, VClusterOrchestratorV2Spec)
    return resolve(parsed.spec, request_name=parsed.name, request_namespace=parsed.namespace,
                   annotations=parsed.annotations)


__all__ = ["KIND", "EffectiveSettings", "Names", "ParsedRequest", "VClusterOrchestratorV2Spec", "parse_request",
           "resolve", "settings_from_document"]
