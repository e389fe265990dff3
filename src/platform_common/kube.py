"""The Kubernetes API client every component uses, the API server's own words for a refused call, merge patches."""

from __future__ import annotations

import contextlib
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kubernetes.client import ApiClient


def api_client(kubeconfig: str | None = None, context: str | None = None) -> ApiClient:
    """A client from the in-cluster service account, else from KUBECONFIG / ~/.kube/config (as kubectl).

    An explicit kubeconfig or context always means the file, never the service account. The client library
    is imported here, not with this module: a pipeline run that never calls the API does not pay for it.
    """
    from kubernetes import client as k8s
    from kubernetes import config as k8s_config

    if kubeconfig is None and context is None:
        with contextlib.suppress(k8s_config.ConfigException):
            k8s_config.load_incluster_config()
            return k8s.ApiClient()
    configuration = k8s.Configuration()
    k8s_config.load_kube_config(config_file=kubeconfig, context=context, client_configuration=configuration)
    return k8s.ApiClient(configuration)


def api_message(exc: Exception) -> str:
    """The `message` of the API server's Status body, else the HTTP reason."""
    body = getattr(exc, "body", None)
    if isinstance(body, (str, bytes)):
        with contextlib.suppress(ValueError, AttributeError, TypeError):
            message = json.loads(body).get("message")
            if message:
                return str(message)
    return str(getattr(exc, "reason", None) or exc)


def api_error_text(exc: Exception) -> str:
    """`HTTP <code>: <message>` for an API refusal, `<Type>: <text>` for anything else; never a stack trace."""
    code = getattr(exc, "status", None)
    return f"HTTP {code}: {api_message(exc)}" if code else f"{type(exc).__name__}: {api_message(exc)}"


def merge_patch(old: Any, new: Any) -> Any:
    """RFC 7386 merge patch turning `old` into `new` (removed keys become null)."""
    if not isinstance(old, dict) or not isinstance(new, dict):
        return new
    patch: dict[str, Any] = {k: None for k in old if k not in new}
    for key, value in new.items():
        if key not in old:
            patch[key] = value
        elif old[key] != value:
            patch[key] = merge_patch(old[key], value)
    return patch
