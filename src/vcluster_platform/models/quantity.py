"""Kubernetes resource quantities (`500m`, `1.5Gi`, `2`, `1e3`) parsed to exact decimals."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

# The grammar of k8s.io/apimachinery resource.Quantity, as a regular expression usable in CRDs too.
QUANTITY_PATTERN = r"^[+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)(([KMGTPE]i)|[numkMGTPE]|[eE][+-]?[0-9]+)?$"
_QUANTITY_RE = re.compile(QUANTITY_PATTERN)

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {
    "n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"), "": Decimal(1),
    "k": Decimal("1e3"), "M": Decimal("1e6"), "G": Decimal("1e9"), "T": Decimal("1e12"),
    "P": Decimal("1e15"), "E": Decimal("1e18"),
}
ALLOWED = "a Kubernetes quantity such as 500m, 2, 1.5, 768Mi or 2Gi (suffixes n u m k M G T P E Ki Mi Gi Ti Pi Ei)"


def normalize_quantity(raw: object) -> str:
    """Accept YAML numbers or strings; return the quantity text, raising ValueError when malformed."""
    if isinstance(raw, bool) or raw is None:
        raise ValueError(f"expected {ALLOWED}")
    if isinstance(raw, int):
        text = str(raw)
    elif isinstance(raw, float):
        text = format(Decimal(repr(raw)).normalize(), "f")
    elif isinstance(raw, str):
        text = raw.strip()
    else:
        raise ValueError(f"expected {ALLOWED}")
    if not _QUANTITY_RE.match(text):
        raise ValueError(f"expected {ALLOWED}")
    if parse_quantity(text) <= 0:
        raise ValueError("must be greater than zero")
    return text


def parse_quantity(text: str) -> Decimal:
    """Exact value of a well-formed quantity string."""
    match = _QUANTITY_RE.match(text)
    if not match:
        raise ValueError(f"expected {ALLOWED}")
    number_part = match.group(1)
    suffix = match.group(3) or ""
    try:
        number = Decimal(number_part)
    except InvalidOperation as exc:  # pragma: no cover - regex guarantees a number
        raise ValueError(f"expected {ALLOWED}") from exc
    if suffix in _BINARY:
        return number * _BINARY[suffix]
    if suffix[:1] in ("e", "E"):
        return number * (Decimal(10) ** int(suffix[1:]))
    return number * _DECIMAL[suffix]
