"""What the cluster commands share: a refusal the user reads, with the exit code it ends with."""

from __future__ import annotations


class Refusal(Exception):
    """A message for the user (what is missing, the permission needed) and the command's exit code."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code
