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
# An image reference pinned to a tag or a digest; `latest` is refused separately (it is a tag that moves).
IMAGE_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")  # a tag as registries accept it
PINNED_IMAGE = re.compile(r"^[^\s@]+(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[0-9a-f]{64})$")
_PINNED_RULE = "an image pinned to a tag or a digest (name:tag or name@sha256:<64 hex>), never latest"


def is_pinned_image(value: Any) -> bool:
    return isinstance(value, str) and bool(PINNED_IMAGE.match(value)) and not value.endswith(":latest")


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


CONTAINER_LISTS = ("containers", "initContainers")


def _image_problems(node: Any, path: str, container: bool = False) -> list[str]:
    """'<path>: <value>' for each image under `node` that is not pinned: a container's `image` (a string), or
    elsewhere an `image` string or mapping (a chart image: registry/repository/tag, judged by its tag)."""
    if isinstance(node, list):
        return [p for i, item in enumerate(node) for p in _image_problems(item, f"{path}[{i}]", container)]
    if not isinstance(node, dict):
        return []
    found: list[str] = [f"{path}.image: missing"] if container and "image" not in node else []
    for key, value in node.items():
        here = f"{path}.{key}" if path else str(key)
        if key == "image" and isinstance(value, dict) and not container:
            tag = value.get("tag", "")
            if not isinstance(tag, str) or tag == "latest" or (tag and not IMAGE_TAG.fullmatch(tag)):
                found.append(f"{here}.tag: {tag!r}")
        elif key == "image" and not is_pinned_image(value):
            found.append(f"{here}: {value!r}")
        found += _image_problems(value, here, key in CONTAINER_LISTS)
    return found


def check_pinned_images(value: dict[str, Any] | None) -> dict[str, Any] | None:
    """Every image the values name (containers, init containers, chart images) is pinned: a moving or
    malformed reference is refused here, at its path, rather than by the output gate."""
    problems = _image_problems(value or {}, "")
    if problems:
        raise ValueError(f"{'; '.join(problems[:5])}: each must be {_PINNED_RULE} (a chart image's tag may be "
                         "left out for the chart's own)")
    return value


# v1 requests named the issuer and the secret store through selector labels; these keys carry the name.
ISSUER_SELECTOR_KEY = "integratn.tech/cluster-issuer"
SECRET_STORE_SELECTOR_KEY = "integratn.tech/cluster-secret-store"
NAMING_KEYS = {ISSUER_SELECTOR_KEY: "an issuer", SECRET_STORE_SELECTOR_KEY: "a store"}


def check_named_refs(value: dict[str, str] | None) -> dict[str, str] | None:
    """The selector labels whose value names an object (an issuer, a store: they become issuerRef and
    secretStoreRef names) carry a DNS-1123 subdomain."""
    for key, what in NAMING_KEYS.items():
        name = (value or {}).get(key)
        if name is None:
            continue
        try:
            check_subdomain(name)
        except ValueError:
            raise ValueError(f"label {key!r} names {what} ({name!r}); that name must be a lowercase DNS-1123 "
                             "subdomain such as onepassword-store") from None
    return value


MIN_SCHEDULE_GAP_MINUTES = 60


def check_schedule(value: str) -> str:
    """A CronJob schedule that runs at most hourly (a snapshot a minute would load etcd and fill the volume)."""
    from .cron import CronError, longest_gap, parse

    try:
        minutes, hours, *_ = parse(value)
        gap = longest_gap(value)
    except CronError as exc:
        raise ValueError(f"is not a cron schedule: {exc}") from None
    runs_per_hour = len(minutes) if len(hours) > 0 else 0
    if runs_per_hour > 1 or gap.total_seconds() < MIN_SCHEDULE_GAP_MINUTES * 60:
        raise ValueError("runs more often than hourly; allowed: at most one run an hour, e.g. '30 2 * * *' "
                         "(nightly) or '0 */6 * * *'")
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
    "pinned_images": check_pinned_images,
    "named_refs": check_named_refs,
    "schedule": check_schedule,
}
