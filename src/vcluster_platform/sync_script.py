"""The programs the platform's own Jobs run (shipped in ConfigMaps), and the default pinned image they run in
(the platform setting VCLUSTER_PLATFORM_JOB_IMAGE chooses another, e.g. the same pinned by digest)."""

from __future__ import annotations

import hashlib
from pathlib import Path

SYNC_IMAGE = "docker.io/library/python:3.11.11-alpine3.21"


def _asset(name: str) -> str:
    return (Path(__file__).resolve().parent / "assets" / name).read_text(encoding="utf-8")


KIT_FILE = "jobkit.py"
KIT = _asset(KIT_FILE)


def _digest(script: str, image: str = SYNC_IMAGE) -> str:
    return hashlib.sha256((image + "\n" + KIT + "\n" + script).encode()).hexdigest()


def script_digest(image: str) -> str:
    """What the kubeconfig sync Job runs, in this image (its name changes with it: a Job is immutable)."""
    return _digest(SCRIPT, image)


def merge_script_digest(image: str) -> str:
    return _digest(MERGE_SCRIPT, image)


SCRIPT_FILE = "sync_kubeconfig.py"
SCRIPT = _asset(SCRIPT_FILE)

MERGE_SCRIPT_FILE = "merge_etcd_certs.py"
MERGE_SCRIPT = _asset(MERGE_SCRIPT_FILE)
