"""Combine the etcd server and peer certificates cert-manager issued into the one Secret the control plane
mounts at /etcd-certs.

Runs inside the merge Job (once per change of its inputs) and the renewal CronJob (daily, so a certificate
cert-manager renewed reaches the combined Secret). Inputs come from environment variables and the mounted
service-account token; TLS to the API is verified with the service-account CA. Idempotent: the target is
created when missing, replaced (with its resourceVersion) when its data differs, left alone otherwise.
Waits, with backoff, while cert-manager has not issued a certificate yet. Never prints key material.
"""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .jobkit import JobError as MergeError
    from .jobkit import api_base, api_credentials, setting
else:  # in the Job, jobkit.py is shipped beside this file
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from jobkit import JobError as MergeError
    from jobkit import api_base, api_credentials, setting

ATTEMPTS = int(os.environ.get("MERGE_ATTEMPTS", "40"))
BACKOFF_SECONDS = float(os.environ.get("MERGE_BACKOFF_SECONDS", "3"))
MAX_BACKOFF_SECONDS = 60.0
# key in the combined Secret → (source, key in that source's kubernetes.io/tls Secret)
LAYOUT = {
    "etcd-ca.crt": ("server", "ca.crt"),
    "etcd-server.crt": ("server", "tls.crt"),
    "etcd-server.key": ("server", "tls.key"),
    "etcd-peer.crt": ("peer", "tls.crt"),
    "etcd-peer.key": ("peer", "tls.key"),
}
MANAGED_BY = "vcluster-platform-etcd-certs"


class Api:
    """The few Secret calls this program makes, authenticated with the pod's service-account token."""

    def __init__(self) -> None:
        self.base = api_base()
        self.token, self.context = api_credentials()
        self.namespace = setting("ETCD_NAMESPACE")

    def url(self, name: str = "") -> str:
        path = f"/api/v1/namespaces/{urllib.parse.quote(self.namespace)}/secrets"
        return self.base + path + (f"/{urllib.parse.quote(name)}" if name else "")

    def call(self, method: str, url: str, body: Any = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(url, data=data, method=method,
                                     headers={"Authorization": f"Bearer {self.token}",
                                              "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=30, context=self.context) as resp:  # noqa: S310
                return json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as exc:
            detail = _status_message(exc)
            # 404: not issued yet; 409: someone else wrote first; 429/5xx: the API is busy
            retry = exc.code in (404, 409, 429) or exc.code >= 500
            raise MergeError(f"{method} {url.removeprefix(self.base)}: HTTP {exc.code} {detail}", retry) from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            raise MergeError(f"{method} {url.removeprefix(self.base)}: {getattr(exc, 'reason', exc)}", True) from None


def _status_message(exc: urllib.error.HTTPError) -> str:
    try:
        return str(json.loads(exc.read()).get("message", ""))
    except (ValueError, AttributeError):
        return ""


def combined_data(api: Api) -> dict[str, str]:
    sources = {"server": setting("ETCD_SERVER_SECRET"), "peer": setting("ETCD_PEER_SECRET")}
    data = {role: api.call("GET", api.url(name)).get("data") or {} for role, name in sources.items()}
    missing = [f"{sources[role]}/{key}" for role, key in LAYOUT.values() if key not in data[role]]
    if missing:
        raise MergeError(f"not issued yet: {', '.join(missing)}", retry=True)
    if data["server"]["ca.crt"] != data["peer"].get("ca.crt", data["server"]["ca.crt"]):
        raise MergeError("server and peer certificates come from different CAs (renewal in progress)", retry=True)
    return {target: data[role][key] for target, (role, key) in LAYOUT.items()}


def upsert(api: Api, data: dict[str, str]) -> str:
    name = setting("ETCD_CERTS_SECRET")
    try:
        current = api.call("GET", api.url(name))
    except MergeError as exc:
        if "HTTP 404" not in str(exc):
            raise
        current = None
    metadata: dict[str, Any] = {"name": name, "namespace": api.namespace,
                                "labels": {"app.kubernetes.io/managed-by": MANAGED_BY}}
    secret = {"apiVersion": "v1", "kind": "Secret", "type": "Opaque", "data": data, "metadata": metadata}
    if current is None:
        api.call("POST", api.url(), secret)
        return "created"
    if current.get("data") == data:
        return "unchanged"
    metadata["resourceVersion"] = current["metadata"]["resourceVersion"]
    api.call("PUT", api.url(name), secret)
    return "updated"


def main() -> int:
    for attempt in range(1, ATTEMPTS + 1):
        try:
            api = Api()
            outcome = upsert(api, combined_data(api))
        except MergeError as exc:
            print(f"attempt {attempt}: {exc}", file=sys.stderr, flush=True)
            if not exc.retry:
                return 1
            time.sleep(min(BACKOFF_SECONDS * 2 ** (attempt - 1), MAX_BACKOFF_SECONDS))
            continue
        print(f"secret {api.namespace}/{os.environ['ETCD_CERTS_SECRET']} {outcome}", flush=True)
        return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())
