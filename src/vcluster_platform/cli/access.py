"""What the cluster commands share: a refusal the user reads, with the exit code it ends with."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


class Refusal(Exception):
    """A message for the user (what is missing, the permission needed) and the command's exit code."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def call(what: str, permission: str, request: Callable[[], Any]) -> Any:
    """Run one API call; a failure is a Refusal (exit 2) whose message names the permission when it was refused."""
    from kubernetes.client.rest import ApiException

    from platform_common.kube import api_error_text

    from ..errors import EXIT_INVALID

    try:
        return request()
    except ApiException as exc:
        needs = f"; it needs {permission}" if exc.status in (401, 403) else ""
        raise Refusal(f"{what} failed ({api_error_text(exc)}){needs}", EXIT_INVALID) from None


def wait_until(check: Callable[[], str | None], deadline: float, interval: float) -> str | None:
    """Call `check` every `interval` seconds until it gives an answer or `deadline` (monotonic) passes."""
    while True:
        found = check()
        if found is not None or time.monotonic() >= deadline:
            return found
        time.sleep(interval)
