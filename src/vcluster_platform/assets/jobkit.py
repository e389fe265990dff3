"""What the platform's Job programs share, shipped beside each of them in its ConfigMap: settings from the
environment, the failure type that says whether a retry can help, and the pod's own API credentials."""

from __future__ import annotations

import os
import ssl

SA_DIR = os.environ.get("SA_DIR", "/var/run/secrets/kubernetes.io/serviceaccount")


class JobError(Exception):
    """A failure worth reporting; `retry` says whether trying again can help."""

    def __init__(self, message: str, retry: bool):
        super().__init__(message)
        self.retry = retry


def setting(name: str) -> str:
    """A required environment variable."""
    value = os.environ.get(name, "")
    if not value:
        raise JobError(f"environment variable {name} is required", retry=False)
    return value


def api_base() -> str:
    """The Kubernetes API URL: KUBERNETES_API_URL, else the in-cluster service address."""
    return os.environ.get("KUBERNETES_API_URL") or "https://{}:{}".format(
        setting("KUBERNETES_SERVICE_HOST"), os.environ.get("KUBERNETES_SERVICE_PORT", "443"))


def api_credentials() -> tuple[str, ssl.SSLContext]:
    """The mounted service-account token, and a TLS context that verifies the API with the mounted CA."""
    with open(os.path.join(SA_DIR, "token"), encoding="utf-8") as f:
        token = f.read().strip()
    return token, ssl.create_default_context(cafile=os.path.join(SA_DIR, "ca.crt"))
