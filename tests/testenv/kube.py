"""A small Kubernetes REST client for tests: raw requests, discovery, server-side apply."""

from __future__ import annotations

import http.client
import json
import ssl
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

Obj = dict[str, Any]


class ApiError(Exception):
    """A non-2xx answer; `status` is the parsed Status object when the server sent one."""

    def __init__(self, code: int, body: str) -> None:
        self.code = code
        try:
            self.status: Obj = json.loads(body)
        except ValueError:
            self.status = {"message": body}
        super().__init__(f"HTTP {code}: {self.status.get('message', body)}")

    @property
    def message(self) -> str:
        return str(self.status.get("message", ""))


@dataclass(frozen=True)
class Resource:
    plural: str
    namespaced: bool


class KubeClient:
    """Talks to one API server as one identity (client certificate or bearer token)."""

    def __init__(self, host: str, port: int, ca: Path, *, cert: tuple[Path, Path] | None = None,
                 token: str | None = None) -> None:
        self.host, self.port, self.token = host, port, token
        self.context = ssl.create_default_context(cafile=str(ca))
        if cert:
            self.context.load_cert_chain(str(cert[0]), str(cert[1]))
        self._resources: dict[tuple[str, str], Resource] = {}

    def request(self, method: str, path: str, body: Obj | str | None = None, *,
                query: dict[str, str] | None = None, content_type: str = "application/json") -> Obj:
        """One API call; 429 (e.g. storage re-initialising after a CRD change) is retried for up to 20 s."""
        for _ in range(100):
            try:
                return self._request(method, path, body, query=query, content_type=content_type)
            except ApiError as exc:
                if exc.code != 429:
                    raise
                time.sleep(0.2)
        return self._request(method, path, body, query=query, content_type=content_type)

    def _request(self, method: str, path: str, body: Obj | str | None = None, *,
                 query: dict[str, str] | None = None, content_type: str = "application/json") -> Obj:
        connection = http.client.HTTPSConnection(self.host, self.port, context=self.context, timeout=60)
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        payload = None
        if body is not None:
            payload = (body if isinstance(body, str) else json.dumps(body)).encode()
            headers["Content-Type"] = content_type
        url = path + ("?" + urlencode(query) if query else "")
        try:
            connection.request(method, url, body=payload, headers=headers)
            response = connection.getresponse()
            text = response.read().decode()
        finally:
            connection.close()
        if response.status >= 300:
            raise ApiError(response.status, text)
        if not text:
            return {}
        try:
            parsed: Obj = json.loads(text)
        except ValueError:
            return {"text": text}
        return parsed

    def resource(self, api_version: str, kind: str) -> Resource:
        key = (api_version, kind)
        if key not in self._resources:
            base = f"/api/{api_version}" if "/" not in api_version else f"/apis/{api_version}"
            for item in self.request("GET", base)["resources"]:
                if "/" not in item["name"]:
                    self._resources[(api_version, item["kind"])] = Resource(item["name"], item["namespaced"])
        if key not in self._resources:
            raise KeyError(f"the API server serves no {kind} in {api_version}")
        return self._resources[key]

    def path(self, api_version: str, kind: str, name: str | None = None, namespace: str | None = None) -> str:
        resource = self.resource(api_version, kind)
        base = f"/api/{api_version}" if "/" not in api_version else f"/apis/{api_version}"
        if resource.namespaced:
            base += f"/namespaces/{namespace or 'default'}"
        base += f"/{resource.plural}"
        return base + (f"/{name}" if name else "")

    def path_of(self, obj: Obj) -> str:
        meta = obj["metadata"]
        return self.path(obj["apiVersion"], obj["kind"], meta["name"], meta.get("namespace"))

    def apply(self, obj: Obj, *, dry_run: bool = False, manager: str = "testenv") -> Obj:
        """Server-side apply with strict field validation; `dry_run` sends dryRun=All."""
        query = {"fieldManager": manager, "force": "true", "fieldValidation": "Strict"}
        if dry_run:
            query["dryRun"] = "All"
        return self.request("PATCH", self.path_of(obj), obj, query=query, content_type="application/apply-patch+yaml")

    def create(self, obj: Obj, *, dry_run: bool = False) -> Obj:
        meta = obj["metadata"]
        query = {"fieldValidation": "Strict", **({"dryRun": "All"} if dry_run else {})}
        path = self.path(obj["apiVersion"], obj["kind"], namespace=meta.get("namespace"))
        return self.request("POST", path, obj, query=query)

    def get(self, api_version: str, kind: str, name: str, namespace: str | None = None) -> Obj:
        return self.request("GET", self.path(api_version, kind, name, namespace))

    def list_objects(self, api_version: str, kind: str, namespace: str | None = None) -> list[Obj]:
        items: list[Obj] = self.request("GET", self.path(api_version, kind, namespace=namespace))["items"]
        return items

    def delete(self, api_version: str, kind: str, name: str, namespace: str | None = None) -> None:
        self.request("DELETE", self.path(api_version, kind, name, namespace))

    def forget_discovery(self) -> None:
        self._resources.clear()
