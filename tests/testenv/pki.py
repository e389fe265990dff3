"""Certificates and keys for a throw-away kube-apiserver, made with the openssl command."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path


def openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True)


def _key(path: Path) -> Path:
    openssl("genrsa", "-out", str(path), "2048")
    return path


@dataclass(frozen=True)
class ClientCert:
    cert: Path
    key: Path


@dataclass(frozen=True)
class Pki:
    ca_cert: Path
    ca_key: Path
    serving_cert: Path
    serving_key: Path
    service_account_key: Path
    service_account_pub: Path
    directory: Path

    def client(self, user: str, *groups: str) -> ClientCert:
        """A client certificate for `user` in `groups`, signed by the cluster CA."""
        stem = self.directory / f"client-{user.replace(':', '_')}"
        key = _key(stem.with_suffix(".key"))
        csr = stem.with_suffix(".csr")
        subject = "/CN=" + user + "".join(f"/O={group}" for group in groups)
        openssl("req", "-new", "-key", str(key), "-subj", subject, "-out", str(csr))
        ext = stem.with_suffix(".ext")
        ext.write_text("extendedKeyUsage=clientAuth\n")
        cert = stem.with_suffix(".crt")
        openssl("x509", "-req", "-in", str(csr), "-CA", str(self.ca_cert), "-CAkey", str(self.ca_key),
                 "-CAcreateserial", "-days", "2", "-extfile", str(ext), "-out", str(cert))
        return ClientCert(cert=cert, key=key)


def make_pki(directory: Path) -> Pki:
    """A CA, an API serving certificate for 127.0.0.1/localhost and a service-account signing key pair."""
    directory.mkdir(parents=True, exist_ok=True)
    ca_key = _key(directory / "ca.key")
    ca_cert = directory / "ca.crt"
    openssl("req", "-x509", "-new", "-key", str(ca_key), "-subj", "/CN=testenv-ca", "-days", "2",
             "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
             "-out", str(ca_cert))
    serving_key = _key(directory / "apiserver.key")
    csr = directory / "apiserver.csr"
    openssl("req", "-new", "-key", str(serving_key), "-subj", "/CN=kube-apiserver", "-out", str(csr))
    ext = directory / "apiserver.ext"
    ext.write_text(
        "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\n"
    )
    serving_cert = directory / "apiserver.crt"
    openssl("x509", "-req", "-in", str(csr), "-CA", str(ca_cert), "-CAkey", str(ca_key), "-CAcreateserial",
             "-days", "2", "-extfile", str(ext), "-out", str(serving_cert))
    sa_key = _key(directory / "service-account.key")
    sa_pub = directory / "service-account.pub"
    openssl("rsa", "-in", str(sa_key), "-pubout", "-out", str(sa_pub))
    return Pki(ca_cert, ca_key, serving_cert, serving_key, sa_key, sa_pub, directory)
