"""The value rules of request fields, as plain functions (no pydantic): the models attach them as validators,
and the fast request validator (fastparse.py) calls the same functions by the names in `CHECKS`."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from typing import Any

from .names import LABEL_MAX, TENANT_NAME_MAX, check_label, check_subdomain
from .quantity import normalize_quantity

K8S_VERSION_PATTERN = r"^v1\.[0-9]{2}\.[0-9]{1,2}$"
IPV4_PATTERN = r"^[0-9]{1,3}(\.[0-9]{1,3}){3}$"
IPV4_CIDR_PATTERN = r"^[0-9]{1,3}(\.[0-9]{1,3}){3}/[0-9]{1,2}$"
_LABEL_VALUE_RULE = "at most 63 characters of letters, digits, '-', '_' and '.', starting and ending alphanumeric"
_LABEL_NAME_RE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$")


def check_ipv4_cidr(value: str) -> str:
    try:
        net = ipaddress.ip_network(value, strict=True)
    except ValueError as exc:
        raise ValueError(f"must be an IPv4 CIDR with host bits zero, such as 10.0.4.0/24 ({exc})") from None
    if net.version != 4:
        raise ValueError("must be an IPv4 CIDR such as 10.0.4.0/24; IPv6 is not supported")
    return value


def check_ipv4(value: str) -> str:
    try:
        ip = ipaddress.ip_address(value)
    except ValueError:
        raise ValueError("must be an IPv4 address such as 10.0.4.100") from None
    if ip.version != 4:
        raise ValueError("must be an IPv4 address; IPv6 is not supported")
    return value


def check_label_map(value: dict[str, str]) -> dict[str, str]:
    for key, val in value.items():
        prefix, _, name = key.rpartition("/")
        if not name or len(name) > LABEL_MAX or not _LABEL_NAME_RE.match(name):
            raise ValueError(f"label key {key!r} must be [prefix/]name with name {_LABEL_VALUE_RULE}")
        if prefix:
            try:
                check_subdomain(prefix)
            except ValueError:
                raise ValueError(f"label key {key!r} has a prefix that is not a DNS-1123 subdomain") from None
        if not isinstance(val, str) or len(val) > LABEL_MAX or not _LABEL_NAME_RE.match(val):
            raise ValueError(f"label {key!r} has value {val!r}; label values are {_LABEL_VALUE_RULE}")
    return value


def check_tenant_name(value: str) -> str:
    return check_label(value, TENANT_NAME_MAX)


def check_sync_options(value: list[str] | None) -> list[str] | None:
    for option in value or []:
        if "=" not in option or option.startswith("=") or any(c.isspace() for c in option):
            raise ValueError(f"sync option {option!r} must look like Key=value (e.g. ServerSideApply=true)")
    return value


def check_unique_names(value: list[Any] | None) -> list[Any] | None:
    """Items (egress rules) carry a `name` each; no name may repeat."""
    names = [rule.name for rule in value or []]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"extraEgress names must be unique; repeated: {', '.join(duplicates)}")
    return value


CHECKS: dict[str, Callable[[Any], Any]] = {
    "label": check_label,
    "subdomain": check_subdomain,
    "ipv4_cidr": check_ipv4_cidr,
    "ipv4": check_ipv4,
    "label_map": check_label_map,
    "tenant_name": check_tenant_name,
    "sync_options": check_sync_options,
    "unique_names": check_unique_names,
    "quantity": normalize_quantity,
}
