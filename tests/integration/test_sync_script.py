"""The kubeconfig sync program against local stand-ins: a TLS Kubernetes API (verified with its CA) and a
1Password Connect server. Create on the first run, replace (PUT) on the second; no insecure fallback.
"""

from __future__ import annotations

import base64
import json
import os
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from vcluster_platform.sync_script import KIT, KIT_FILE, SCRIPT

SECRET_DATA = {k: base64.b64encode(v.encode()).decode() for k, v in {
    "config": "apiVersion: v1\nkind: Config\n", "certificate-authority": "CA", "client-certificate": "CERT",
    "client-key": "KEY"}.items()}


class _State:
    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}
        self.calls: list[str] = []


def _handler(state: _State) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _reply(self, body: Any, code: int = 200) -> None:
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            state.calls.append(f"GET {self.path.split('?')[0]}")
            if self.path.startswith("/api/v1/namespaces/vcluster-demo/secrets/vc-demo"):
                assert self.headers["Authorization"] == "Bearer sa-token"
                return self._reply({"data": SECRET_DATA})
            assert self.headers["Authorization"] == "Bearer connect-token"
            if self.path.startswith("/v1/vaults?"):
                return self._reply([{"id": "vault-id-1", "name": "homelab"}])
            if self.path.startswith("/v1/vaults/vault-id-1/items?"):
                return self._reply([{"id": i} for i in state.items])
            return self._reply({}, 404)

        def _body(self) -> dict[str, Any]:
            return json.loads(self.rfile.read(int(self.headers["Content-Length"])))  # type: ignore[no-any-return]

        def do_POST(self) -> None:
            state.calls.append(f"POST {self.path}")
            state.items["item-1"] = self._body()
            self._reply({"id": "item-1"})

        def do_PUT(self) -> None:
            state.calls.append(f"PUT {self.path}")
            state.items[self.path.rsplit("/", 1)[1]] = self._body()
            self._reply({"id": "item-1"})

    return Handler


def _serve(server: ThreadingHTTPServer) -> str:
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"{server.server_address[0]}:{server.server_address[1]}"


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[tuple[_State, dict[str, str]]]:
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(tmp_path / "key.pem"),
                    "-out", str(tmp_path / "ca.crt")], check=True, capture_output=True)
    sa = tmp_path / "sa"
    sa.mkdir()
    (sa / "token").write_text("sa-token")
    (sa / "ca.crt").write_text((tmp_path / "ca.crt").read_text())
    (tmp_path / "connect-token").write_text("connect-token\n")
    state = _State()
    api = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(tmp_path / "ca.crt", tmp_path / "key.pem")
    api.socket = context.wrap_socket(api.socket, server_side=True)
    connect = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    env = {"KUBERNETES_API_URL": f"https://{_serve(api)}", "SA_DIR": str(sa), "VCLUSTER_NAMESPACE": "vcluster-demo",
           "VCLUSTER_SECRET_NAME": "vc-demo", "OP_CONNECT_HOST": f"http://{_serve(connect)}", "OP_VAULT": "homelab",
           "OP_ITEM_TITLE": "vcluster-demo-kubeconfig", "OP_CONNECT_TOKEN_FILE": str(tmp_path / "connect-token"),
           "VCLUSTER_SERVER": "https://demo.example", "SYNC_RETRIES": "2", "SYNC_BACKOFF_SECONDS": "0.01",
           "PATH": os.environ["PATH"]}
    yield state, env
    api.shutdown()
    connect.shutdown()


def _run(tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "sync_kubeconfig.py"
    script.write_text(SCRIPT)
    (tmp_path / KIT_FILE).write_text(KIT)
    return subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=60)


def test_creates_then_replaces_the_item(servers: tuple[_State, dict[str, str]], tmp_path: Path) -> None:
    state, env = servers
    first = _run(tmp_path, env)
    assert first.returncode == 0, first.stderr
    assert "created" in first.stdout and "POST /v1/vaults/vault-id-1/items" in state.calls
    item = state.items["item-1"]
    fields = {f["id"]: f["value"] for f in item["fields"]}
    assert fields["kubeconfig"].startswith("apiVersion: v1") and fields["ca"] == SECRET_DATA["certificate-authority"]
    second = _run(tmp_path, env)
    assert second.returncode == 0 and "updated" in second.stdout
    assert "PUT /v1/vaults/vault-id-1/items/item-1" in state.calls and len(state.items) == 1
    assert "connect-token" not in first.stdout + first.stderr + second.stdout + second.stderr


def test_refuses_an_unverifiable_api_certificate(servers: tuple[_State, dict[str, str]], tmp_path: Path) -> None:
    state, env = servers
    other = tmp_path / "other-sa"
    other.mkdir()
    (other / "token").write_text("sa-token")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=x",
                    "-keyout", str(tmp_path / "k2.pem"), "-out", str(other / "ca.crt")], check=True,
                   capture_output=True)
    result = _run(tmp_path, {**env, "SA_DIR": str(other)})
    assert result.returncode == 1 and "CERTIFICATE_VERIFY_FAILED" in result.stderr
    assert state.items == {}
