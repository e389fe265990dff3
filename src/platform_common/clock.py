"""Timestamps as Kubernetes writes them in status (RFC 3339, UTC, whole seconds), and their arithmetic."""

from __future__ import annotations

from datetime import UTC, datetime

STAMP = "%Y-%m-%dT%H:%M:%SZ"


def stamp(when: datetime | None = None) -> str:
    """`when` (default: now) as a status timestamp."""
    return (when or datetime.now(UTC)).strftime(STAMP)


def parse(text: str) -> datetime:
    return datetime.strptime(text, STAMP).replace(tzinfo=UTC)


def seconds_since(text: str | None, now: datetime | None = None) -> float:
    """Seconds from a status timestamp to `now` (default: now); 0 when there is no timestamp."""
    if not text:
        return 0.0
    return ((now or datetime.now(UTC)) - parse(text)).total_seconds()
