"""Shared pydantic base and constrained field types for request models."""

from __future__ import annotations

import ipaddress
import re
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


class RequestModel(BaseModel):
    """Strict request model: camelCase keys, unknown keys rejected, immutable."""

    model_config = ConfigDict(
        extra="forbid",
        alias_generator=to_camel,
        populate_by_name=False,
        frozen=True,
        strict=False,
    )


def check_ipv4_cidr(value: str) -> str:
    try:
        net = ipaddress.ip_network(value, strict=True)
    except ValueError as exc:
        raise ValueError(f"must be an IPv4 CIDR with host bits zero, such as 10.0.4.0/24 ({exc})") from None
    if net.version != 4:
        raise ValueError("must be an IPv4 CIDR such as 10.0.4.0/24; IPv6 is not supported")
    return value


def _check_ipv4(value: str) -> str:
    try:
        ip = ipaddress.ip_address(value)
    except ValueError:
        raise ValueError("must be an IPv4 address such as 10.0.4.100") from None
    if ip.version != 4:
        raise ValueError("must be an IPv4 address; IPv6 is not supported")
    return value


K8S_VERSION_PATTERN = r"^v1\.[0-9]{2}\.[0-9]{1,2}$"
IPV4_PATTERN = r"^[0-9]{1,3}(\.[0-9]{1,3}){3}$"
IPV4_CIDR_PATTERN = r"^[0-9]{1,3}(\.[0-9]{1,3}){3}/[0-9]{1,2}$"

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
IPv4Address = Annotated[str, AfterValidator(_check_ipv4), Field(pattern=IPV4_PATTERN)]
Quantity = Annotated[
    str,
    BeforeValidator(normalize_quantity),
    Field(json_schema_extra={"x-kubernetes-int-or-string": True, "pattern": QUANTITY_PATTERN}),
]
Port = Annotated[int, Field(ge=1, le=65535)]
StringMap = dict[str, str]
FreeForm = dict[str, Any]

_LABEL_VALUE_RULE = "at most 63 characters of letters, digits, '-', '_' and '.', starting and ending alphanumeric"


_LABEL_NAME_RE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$")


def _check_label_map(value: dict[str, str]) -> dict[str, str]:
    name_re = _LABEL_NAME_RE
    for key, val in value.items():
        prefix, _, name = key.rpartition("/")
        if not name or len(name) > LABEL_MAX or not name_re.match(name):
            raise ValueError(f"label key {key!r} must be [prefix/]name with name {_LABEL_VALUE_RULE}")
        if prefix:
            try:
                check_subdomain(prefix)
            except ValueError:
                raise ValueError(f"label key {key!r} has a prefix that is not a DNS-1123 subdomain") from None
        if not isinstance(val, str) or len(val) > LABEL_MAX or not name_re.match(val):
            raise ValueError(f"label {key!r} has value {val!r}; label values are {_LABEL_VALUE_RULE}")
    return value


LabelMap = Annotated[dict[str, str], AfterValidator(_check_label_map)]
