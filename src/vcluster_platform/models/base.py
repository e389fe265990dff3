"""Shared pydantic base and constrained field types for request models."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic.alias_generators import to_camel

from .names import (
    DNS1123_LABEL_PATTERN,
    DNS1123_SUBDOMAIN_PATTERN,
    LABEL_MAX,
    SUBDOMAIN_MAX,
    check_label,
    check_subdomain,
)
from .quantity import QUANTITY_PATTERN, normalize_quantity
from .rules import (
    IPV4_CIDR_PATTERN,
    IPV4_PATTERN,
    check_ipv4,
    check_ipv4_cidr,
    check_label_map,
    check_named_refs,
    check_pinned_images,
)


class RequestModel(BaseModel):
    """Strict request model: camelCase keys, unknown keys rejected, immutable."""

    model_config = ConfigDict(
        extra="forbid",
        alias_generator=to_camel,
        populate_by_name=False,
        frozen=True,
        strict=False,
    )


DnsLabel = Annotated[
    str,
    AfterValidator(check_label),
    Field(pattern=DNS1123_LABEL_PATTERN, max_length=LABEL_MAX),
]
DnsSubdomain = Annotated[
    str,
    AfterValidator(check_subdomain),
    Field(pattern=DNS1123_SUBDOMAIN_PATTERN, max_length=SUBDOMAIN_MAX),
]
IPv4Cidr = Annotated[str, AfterValidator(check_ipv4_cidr), Field(pattern=IPV4_CIDR_PATTERN)]
IPv4Address = Annotated[str, AfterValidator(check_ipv4), Field(pattern=IPV4_PATTERN)]
Quantity = Annotated[
    str,
    BeforeValidator(normalize_quantity),
    Field(json_schema_extra={"x-kubernetes-int-or-string": True, "pattern": QUANTITY_PATTERN}),
]
Port = Annotated[int, Field(ge=1, le=65535)]
StringMap = dict[str, str]
FreeForm = dict[str, Any]

LabelMap = Annotated[dict[str, str], AfterValidator(check_label_map)]
# v1 selector labels, one of whose values names an issuer or a store: that value is also a valid object name.
NamingLabels = Annotated[dict[str, str], AfterValidator(check_label_map), AfterValidator(check_named_refs)]
# Helm values a request merges over the platform's: free-form, but every image in them pinned.
HelmValues = Annotated[dict[str, Any], AfterValidator(check_pinned_images)]
