"""Copy the vCluster's kubeconfig Secret into a 1Password item through 1Password Connect.

Runs inside the sync Job. Every input comes from environment variables or mounted files; nothing is
interpolated into shell text. TLS is always verified: the Kubernetes API with the service-account CA,
Connect with the system trust store or OP_CONNECT_CA_FILE. Idempotent: the item is found by title and
replaced (PUT) when it exists, created (POST) otherwise. Transient failures are retried with backoff.
"""

from __future__ import annotations

import json
import os
import ssl
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .jobkit import JobError as SyncError
    from .jobkit import api_base, api_credentials, setting
else:  # in the Job, jobkit.py is shipped beside this file
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from jobkit import JobError as SyncError
    from jobkit import api_base, api_credentials, setting

RETRIES = int(os.environ.get("SYNC_RETRIES", "6"))
BACKOFF_SECONDS = float(os.environ.get("SYNC_BACKOFF_SECONDS", "2"))
FIELDS = ("config", "certificate-authority", "client-certificate", "client-key")


def _request(url: str, method: str, headers: dict[str, str], context: ssl.SSLContext | None,
             body: Any = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=30, context=context) as resp:  # noqa: S310 - fixed schemes
            payload = resp.read()
    except urllib.error.HTTPError as exc:
        retry = exc.code >= 500 or exc.code == 429
        raise SyncError(f"{method} {_redact(url)} answered HTTP {exc.code}", retry=retry) from None
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        raise SyncError(f"{method} {_redact(url)} failed: {getattr(exc, 'reason', exc)}", retry=True) from None
    return json.loads(payload) if payload else None


def _redact(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def read_vcluster_secret() -> dict[str, str]:
    """The base64 data of the vCluster's exported kubeconfig Secret."""
    host = api_base()
    token, context = api_credentials()
    namespace = setting("VCLUSTER_NAMESPACE")
    name = setting("VCLUSTER_SECRET_NAME")
    url = f"{host}/api/v1/namespaces/{urllib.parse.quote(namespace)}/secrets/{urllib.parse.quote(name)}"
    secret = _request(url, "GET", {"Authorization": f"Bearer {token}"}, context)
    data = secret.get("data") or {}
    missing = [k for k in FIELDS if k not in data]
    if missing:
        raise SyncError(f"secret {namespace}/{name} lacks {', '.join(missing)} (vCluster not ready yet?)", retry=True)
    return {k: data[k] for k in FIELDS}


def _connect_context() -> ssl.SSLContext | None:
    if not setting("OP_CONNECT_HOST").startswith("https://"):
        return None
    return ssl.create_default_context(cafile=os.environ.get("OP_CONNECT_CA_FILE") or None)


def upsert_item(data: dict[str, str]) -> str:
    """Create or replace the 1Password item; returns 'created' or 'updated'."""
    base = setting("OP_CONNECT_HOST").rstrip("/")
    with open(setting("OP_CONNECT_TOKEN_FILE"), encoding="utf-8") as f:
        token = f.read().strip()
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    context = _connect_context()
    vault = setting("OP_VAULT")
    title = setting("OP_ITEM_TITLE")
    vaults = _request(f"{base}/v1/vaults?filter=" + urllib.parse.quote(f'name eq "{vault}"'), "GET", headers, context)
    vault_id = vaults[0]["id"] if vaults else vault
    items_url = f"{base}/v1/vaults/{urllib.parse.quote(vault_id)}/items"
    found = _request(items_url + "?filter=" + urllib.parse.quote(f'title eq "{title}"'), "GET", headers, context)
    fields = [
        {"id": "kubeconfig", "label": "kubeconfig", "type": "CONCEALED", "value": _b64decode(data["config"])},
        {"id": "ca", "label": "ca", "type": "CONCEALED", "value": data["certificate-authority"]},
        {"id": "cert", "label": "cert", "type": "CONCEALED", "value": data["client-certificate"]},
        {"id": "key", "label": "key", "type": "CONCEALED", "value": data["client-key"]},
        {"id": "server", "label": "server", "type": "STRING", "value": os.environ.get("VCLUSTER_SERVER", "")},
    ]
    item = {"title": title, "category": "SERVER", "vault": {"id": vault_id}, "fields": fields,
            "tags": ["vcluster", "kratix"]}
    if found:
        item["id"] = found[0]["id"]
        _request(f"{items_url}/{urllib.parse.quote(found[0]['id'])}", "PUT", headers, context, item)
        return "updated"
    _request(items_url, "POST", headers, context, item)
    return "created"


def _b64decode(value: str) -> str:
    import base64

    return base64.b64decode(value).decode("utf-8")


def main() -> int:
    attempt = 0
    while True:
        attempt += 1
        try:
            outcome = upsert_item(read_vcluster_secret())
        except SyncError as exc:
            print(f"attempt {attempt}: {exc}", file=sys.stderr, flush=True)
            if not exc.retry or attempt >= RETRIES:
                return 1
            time.sleep(BACKOFF_SECONDS * 2 ** (attempt - 1))
            continue
        print(f"1Password item {os.environ['OP_ITEM_TITLE']!r} {outcome}", flush=True)
        return 0


if __name__ == "__main__":
    sys.exit(main())
