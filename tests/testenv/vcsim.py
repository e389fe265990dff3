"""govmomi vCenter simulators on free loopback ports, each with its own inventory."""

from __future__ import annotations

import json
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from testenv.processes import ServerProcess, binary, free_port

# A second login on every simulator that holds only the privileges a test grants it (the default login is admin).
LIMITED_USER, LIMITED_PASSWORD = "migrator@vsphere.local", "Migr4tor-Pa55!"


@dataclass
class VCenter:
    """A running simulator: its SDK URL, server certificate (a CA bundle for clients) and login.

    Give each simulator its own loopback address (127.0.0.x) when a test needs two distinct vCenter servers.
    """

    name: str
    url: str
    host: str
    port: int
    ca_bundle: Path
    username: str
    password: str
    process: ServerProcess
    control_url: str = ""

    def stop(self) -> None:
        self.process.stop()

    def fail_next(self, method: str, count: int = 1, message: str = "injected by the test") -> None:
        """The next `count` SOAP calls of `method` (e.g. CreateFolder) get a vSphere fault."""
        body = json.dumps({"method": method, "maxCount": count, "message": message}).encode()
        request = urllib.request.Request(self.control_url + "/faults", data=body, method="POST")
        with urllib.request.urlopen(request, timeout=10):
            pass

    def clear_faults(self) -> None:
        with urllib.request.urlopen(urllib.request.Request(self.control_url + "/faults", method="DELETE"),
                                    timeout=10):
            pass


def start_vcsim(work: Path, name: str, *, username: str = "administrator@vsphere.local",
                password: str = "vcsim-Pa55word!", datacenters: int = 1, clusters: int = 1, hosts: int = 2,
                vms: int = 1, host: str = "127.0.0.1") -> VCenter:
    """Start one simulator under `work/name`; the caller must call `stop()`."""
    directory = work / name
    directory.mkdir(parents=True, exist_ok=True)
    cert, url_file, control_file = directory / "server.pem", directory / "url", directory / "control"
    url_file.unlink(missing_ok=True)
    port = free_port(host)
    process = ServerProcess(f"vcsim-{name}", [
        str(binary("vcsim")), "-l", f"{host}:{port}", "-username", username, "-password", password,
        "-dc", str(datacenters), "-cluster", str(clusters), "-host", str(hosts), "-vm", str(vms),
        "-cert", str(cert), "-url-file", str(url_file), "-control-file", str(control_file),
        "-extra-user", f"{LIMITED_USER}:{LIMITED_PASSWORD}",
    ], directory)
    process.wait_until(url_file.exists, timeout=60)
    return VCenter(name, url_file.read_text().strip(), host, port, cert, username, password, process,
                   control_file.read_text().strip())
