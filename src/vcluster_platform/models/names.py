"""DNS-1123 name rules and the names derived from a tenant name."""

from __future__ import annotations

import re

DNS1123_LABEL_PATTERN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
DNS1123_SUBDOMAIN_PATTERN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
_LABEL_RE = re.compile(DNS1123_LABEL_PATTERN)
_SUBDOMAIN_RE = re.compile(DNS1123_SUBDOMAIN_PATTERN)

LABEL_MAX = 63
SUBDOMAIN_MAX = 253
# The longest name derived from the tenant name is the sync Job, `<name>-kubeconfig-sync-<8 hex>`.
JOB_NAME_SUFFIX_LEN = len("-kubeconfig-sync-") + 8
TENANT_NAME_MAX = LABEL_MAX - JOB_NAME_SUFFIX_LEN

LABEL_RULE = "a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit"
SUBDOMAIN_RULE = "a DNS-1123 subdomain: DNS-1123 labels joined by '.', at most 253 characters"


def is_dns1123_label(value: str) -> bool:
    return len(value) <= LABEL_MAX and bool(_LABEL_RE.match(value))


def is_dns1123_subdomain(value: str) -> bool:
    return len(value) <= SUBDOMAIN_MAX and bool(_SUBDOMAIN_RE.match(value)) and all(
        len(part) <= LABEL_MAX for part in value.split(".")
    )


def check_label(value: str, max_len: int = LABEL_MAX) -> str:
    """Return value when it is a DNS-1123 label of at most max_len characters, else raise ValueError."""
    if len(value) > max_len:
        raise ValueError(f"is {len(value)} characters long; the maximum is {max_len}")
    if not _LABEL_RE.match(value):
        raise ValueError(f"must be {LABEL_RULE}")
    return value


def check_subdomain(value: str) -> str:
    if not is_dns1123_subdomain(value):
        raise ValueError(f"must be {SUBDOMAIN_RULE}")
    return value


def syncer_managed_by(name: str, namespace: str) -> str:
    """Value of `vcluster.loft.sh/managed-by` on host objects the vCluster's syncer creates."""
    return f"{name}-x-{namespace}"
