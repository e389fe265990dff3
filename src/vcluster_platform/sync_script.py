"""The programs the platform's own Jobs run (shipped in ConfigMaps), and the pinned image they run in."""

from __future__ import annotations

import hashlib
from pathlib import Path

SYNC_IMAGE = "docker.io/library/python:3.11.11-alpine3.21"


def _asset(name: str) -> str:
    return (Path(__file__).resolve().parent / "assets" / name).read_text(encoding="utf-8")


KIT_FILE = "jobkit.py"
KIT = _asset(KIT_FILE)


def _digest(script: str) -> str:
    return hashlib.sha256((SYNC_IMAGE + "\n" + KIT + "\n" + script).encode()).hexdigest()


SCRIPT_FILE = "sync_kubeconfig.py"
SCRIPT = _asset(SCRIPT_FILE)
SCRIPT_DIGEST = _digest(SCRIPT)

MERGE_SCRIPT_FILE = "merge_etcd_certs.py"
MERGE_SCRIPT = _asset(MERGE_SCRIPT_FILE)
MERGE_SCRIPT_DIGEST = _digest(MERGE_SCRIPT)
