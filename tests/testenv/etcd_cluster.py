"""A TLS etcd cluster of real members on loopback ports, started the way the vcluster chart starts its etcd
StatefulSet (member names <release>-etcd-<i>, the release as the cluster token, client and peer certificate
auth on), and read or written through etcd's JSON gateway with a client certificate."""

from __future__ import annotations

import base64
import json
import ssl
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .pki import openssl
from .processes import ServerProcess, free_port


@dataclass(frozen=True)
class EtcdPki:
    """A tenant's etcd chain: a CA, one certificate for every member (server and peer), and client pairs."""

    directory: Path

    @property
    def ca(self) -> Path:
        return self.directory / "ca.crt"

    def member(self) -> tuple[Path, Path]:
        return self.directory / "member.crt", self.directory / "member.key"

    def issue(self, name: str, usage: str, san: str = "") -> tuple[Path, Path]:
        key, csr, cert = (self.directory / f"{name}.{ext}" for ext in ("key", "csr", "crt"))
        openssl("genrsa", "-out", str(key), "2048")
        openssl("req", "-new", "-key", str(key), "-subj", f"/CN={name}", "-out", str(csr))
        ext = self.directory / f"{name}.ext"
        ext.write_text(f"extendedKeyUsage={usage}\n" + (f"subjectAltName={san}\n" if san else ""))
        openssl("x509", "-req", "-in", str(csr), "-CA", str(self.ca), "-CAkey", str(self.directory / "ca.key"),
                 "-CAcreateserial", "-days", "2", "-extfile", str(ext), "-out", str(cert))
        return cert, key


def make_etcd_pki(directory: Path) -> EtcdPki:
    directory.mkdir(parents=True, exist_ok=True)
    openssl("genrsa", "-out", str(directory / "ca.key"), "2048")
    openssl("req", "-x509", "-new", "-key", str(directory / "ca.key"), "-subj", "/CN=tenant-etcd-ca", "-days", "2",
             "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
             "-out", str(directory / "ca.crt"))
    pki = EtcdPki(directory)
    pki.issue("member", "serverAuth,clientAuth", "IP:127.0.0.1,DNS:localhost")
    return pki


@dataclass
class EtcdCluster:
    """Members <release>-etcd-0.. on loopback; `peer_urls` maps each member to its local peer URL."""

    release: str
    pki: EtcdPki
    data_dirs: list[Path]
    client_ports: list[int]
    peer_urls: dict[str, str]
    processes: list[ServerProcess] = field(default_factory=list)

    @property
    def members(self) -> list[str]:
        return list(self.peer_urls)

    def endpoint(self, i: int = 0) -> str:
        return f"https://127.0.0.1:{self.client_ports[i]}"

    def start(self, log_dir: Path, binary: Path) -> None:
        cert, key = self.pki.member()
        initial = ",".join(f"{m}={url}" for m, url in self.peer_urls.items())
        for i, member in enumerate(self.members):
            peer = self.peer_urls[member]
            self.processes.append(ServerProcess(member, [
                str(binary), "--name", member, "--data-dir", str(self.data_dirs[i]),
                "--listen-client-urls", self.endpoint(i), "--advertise-client-urls", self.endpoint(i),
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                "--initial-cluster", initial, "--initial-cluster-token", self.release,
                "--initial-cluster-state", "new", "--client-cert-auth=true", "--peer-client-cert-auth=true",
                "--trusted-ca-file", str(self.pki.ca), "--cert-file", str(cert), "--key-file", str(key),
                "--peer-trusted-ca-file", str(self.pki.ca), "--peer-cert-file", str(cert),
                "--peer-key-file", str(key), "--listen-metrics-urls", f"http://127.0.0.1:{free_port()}",
                "--snapshot-count=10000", "--log-level", "warn",
            ], log_dir))
        for i, process in enumerate(self.processes):
            process.wait_until(lambda i=i: self.healthy(i), timeout=60)

    def stop(self) -> None:
        for process in self.processes:
            process.stop()
        self.processes.clear()

    def _call(self, path: str, body: dict[str, Any], i: int = 0) -> dict[str, Any]:
        cert, key = self.pki.member()
        context = ssl.create_default_context(cafile=str(self.pki.ca))
        context.load_cert_chain(str(cert), str(key))
        request = urllib.request.Request(f"{self.endpoint(i)}{path}", data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, context=context, timeout=10) as response:  # noqa: S310
            result: dict[str, Any] = json.load(response)
            return result

    def healthy(self, i: int) -> bool:
        try:
            return bool(self._call("/v3/maintenance/status", {}, i).get("header"))
        except OSError:
            return False

    def put(self, key: str, value: str) -> int:
        reply = self._call("/v3/kv/put", {"key": _b64(key), "value": _b64(value)})
        return int(reply["header"]["revision"])

    def delete(self, key: str) -> int:
        return int(self._call("/v3/kv/deleterange", {"key": _b64(key)})["header"]["revision"])

    def everything(self, i: int = 0) -> tuple[dict[str, str], int]:
        """Every key and value, and the store's revision, as member i serves them."""
        reply = self._call("/v3/kv/range", {"key": _b64("\0"), "range_end": _b64("\0")}, i)
        kvs = {base64.b64decode(kv["key"]).decode(): base64.b64decode(kv.get("value", "")).decode()
               for kv in reply.get("kvs", [])}
        return kvs, int(reply["header"]["revision"])


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def new_cluster(release: str, pki: EtcdPki, root: Path, size: int = 3) -> EtcdCluster:
    members = [f"{release}-etcd-{i}" for i in range(size)]
    return EtcdCluster(release, pki, [root / m for m in members], [free_port() for _ in members],
                       {m: f"https://127.0.0.1:{free_port()}" for m in members})
