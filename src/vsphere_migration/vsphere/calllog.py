"""A structured, redacted record of every vSphere call; the newest N are kept for the migration status.

Records never carry credentials: arguments whose name suggests a secret are replaced, and every value equal
to a registered secret (passwords, session ids, tokens) is masked wherever it appears.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections import deque
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

LOG = logging.getLogger("vsphere_migration.vsphere.calls")
REDACTED = "<redacted>"
SECRET_NAMES = re.compile(r"pass|pwd|secret|token|session|cookie|key|credential|authorization", re.IGNORECASE)
MAX_DETAIL = 300


@dataclass(frozen=True)
class CallRecord:
    time: str
    server: str
    api: str  # "soap" or "rest"
    method: str
    duration_ms: float
    outcome: str
    detail: str


class CallLog:
    """Thread-safe bounded log of calls; also emits each record as a JSON log line."""

    def __init__(self, keep: int = 50) -> None:
        self._records: deque[CallRecord] = deque(maxlen=keep)
        self._secrets: set[str] = set()
        self._lock = threading.Lock()
        self.total = 0

    def register_secret(self, value: str | None) -> None:
        """Mask this value in every later record (short values are ignored to avoid masking common words)."""
        if value and len(value) >= 4:
            with self._lock:
                self._secrets.add(value)

    def redact(self, text: str) -> str:
        with self._lock:
            secrets = sorted(self._secrets, key=len, reverse=True)
        for secret in secrets:
            text = text.replace(secret, REDACTED)
        return text

    def record(self, server: str, api: str, method: str, duration_s: float, outcome: str, detail: str) -> CallRecord:
        detail = self.redact(detail)
        if len(detail) > MAX_DETAIL:
            detail = detail[: MAX_DETAIL - 3] + "..."
        entry = CallRecord(datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"), server, api, self.redact(method),
                           round(duration_s * 1000, 2), self.redact(outcome), detail)
        with self._lock:
            self._records.append(entry)
            self.total += 1
        LOG.info("vsphere call %s", json.dumps(asdict(entry), sort_keys=True))
        return entry

    def recent(self) -> list[CallRecord]:
        with self._lock:
            return list(self._records)


def summarize_arguments(names: list[str], values: list[Any]) -> str:
    """`name=value` pairs with secret-looking names redacted and long values shortened."""
    parts = []
    for name, value in zip(names, values, strict=False):
        shown = REDACTED if SECRET_NAMES.search(name) else summarize_value(value)
        parts.append(f"{name}={shown}")
    return ", ".join(parts)


def summarize_value(value: Any) -> str:
    """A short, credential-free description of a SOAP argument or result."""
    if value is None:
        return "None"
    if isinstance(value, bool | int | float):
        return str(value)
    if isinstance(value, str):
        return repr(value if len(value) <= 60 else value[:57] + "...")
    if isinstance(value, list | tuple):
        return f"[{len(value)} item(s)]"
    moid = getattr(value, "_moId", None)
    if moid is not None:
        return f"{type(value).__name__}:{moid}"
    return type(value).__name__
