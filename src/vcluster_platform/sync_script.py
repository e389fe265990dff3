"""The kubeconfig sync program shipped to the sync Job, and the pinned image it runs in."""

from __future__ import annotations

import hashlib
from importlib import resources

SYNC_IMAGE = "docker.io/library/python:3.11.11-alpine3.21"
SCRIPT_FILE = "sync_kubeconfig.py"
SCRIPT = resources.files("vcluster_platform.assets").joinpath(SCRIPT_FILE).read_text(encoding="utf-8")
SCRIPT_DIGEST = hashlib.sha256((SYNC_IMAGE + "\n" + SCRIPT).encode()).hexdigest()
