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


class NotFound(Exception):
    """The object does not exist (HTTP 404)."""


class Conflict(Exception):
    """The object changed since it was read (HTTP 409 on a resourceVersion precondition)."""


class JsonApi:
    """Plain JSON over the client's connection: GET / LIST / merge-PATCH / POST by path, dicts in and out.

    Skips the client's model classes (a typed Pod list costs more to build than to fetch); refusals other than
    404 and 409 propagate as the client's ApiException.
    """

    def __init__(self, client: ApiClient) -> None:
        self.client = client

    def _call(self, method: str, path: str, body: Any = None, query: list[tuple[str, str]] | None = None,
              content_type: str = "application/json") -> Any:
        from kubernetes.client.rest import ApiException

        try:
            response = self.client.call_api(
                path, method, query_params=query or [], body=body, auth_settings=["BearerToken"],
                header_params={"Accept": "application/json", "Content-Type": content_type},
                _preload_content=False, _return_http_data_only=True, _request_timeout=30)
        except ApiException as exc:
            if exc.status == 404:
                raise NotFound(path) from None
            if exc.status == 409:
                raise Conflict(api_message(exc)) from None
            raise
        return json.loads(response.data) if response.data else None

    def get(self, path: str) -> dict[str, Any] | None:
        """The object at `path`, or None when it does not exist."""
        try:
            found: dict[str, Any] = self._call("GET", path)
        except NotFound:
            return None
        return found

    def items(self, path: str, label_selector: str = "", *, cached: bool = False) -> list[dict[str, Any]]:
        """The items of a list (empty when the collection's namespace or kind does not exist).

        `cached` reads the API server's watch cache as it is (resourceVersion=0, as informers list): no wait
        for the cache to catch up with etcd, which a consistent list right after any write can take ~100 ms.
        """
        query = [("labelSelector", label_selector)] if label_selector else []
        if cached:
            query.append(("resourceVersion", "0"))
        try:
            listed = self._call("GET", path, query=query)
        except NotFound:
            return []
        items: list[dict[str, Any]] = listed.get("items") or []
        return items

    def merge_patch(self, path: str, patch: dict[str, Any]) -> dict[str, Any]:
        patched: dict[str, Any] = self._call("PATCH", path, body=patch, content_type="application/merge-patch+json")
        return patched

    def create(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        created: dict[str, Any] = self._call("POST", path, body=body)
        return created

    def delete(self, path: str) -> bool:
        """Delete the object at `path`; False when it was already gone."""
        try:
            self._call("DELETE", path)
        except NotFound:
            return False
        return True


def object_path(api_version: str, plural: str, namespace: str | None = None, name: str | None = None) -> str:
    """REST path of a collection or object: `v1` → /api/v1, `group/version` → /apis/group/version."""
    root = f"/api/{api_version}" if "/" not in api_version else f"/apis/{api_version}"
    scope = f"/namespaces/{namespace}" if namespace else ""
    return f"{root}{scope}/{plural}" + (f"/{name}" if name else "")
