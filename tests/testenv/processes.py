"""Start a server process that dies with the test run, wait for it, stop it."""

from __future__ import annotations

import ctypes
import os
import random
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BUILD_SCRIPT = REPO / "tools" / "testenv" / "build.sh"
PR_SET_PDEATHSIG = 1


class ServerFailed(RuntimeError):
    """A test server did not start; the message carries the tail of its log."""


def testenv_dir() -> Path:
    return Path(os.environ.get("TESTENV_DIR", REPO / ".cache" / "testenv"))


def binary(name: str) -> Path:
    """Path to a test server binary, building the missing or stale ones first."""
    subprocess.run(["bash", str(BUILD_SCRIPT)], check=True)
    return testenv_dir() / "bin" / name


def free_port(host: str = "127.0.0.1") -> int:
    """A free port below the kernel's ephemeral range (OpenShift's Infrastructure allows ports <= 32767)."""
    for _ in range(200):
        port = random.randint(20000, 32700)
        with socket.socket() as sock:
            try:
                sock.bind((host, port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port on {host}")


def _die_with_parent() -> None:
    """Runs in the child: the kernel kills it when the test run ends, even by SIGKILL."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    os.setpgrp()


class ServerProcess:
    """One server process with its log file."""

    def __init__(self, name: str, argv: Sequence[str], log_dir: Path, env: dict[str, str] | None = None) -> None:
        self.name = name
        self.log = log_dir / f"{name}.log"
        log_dir.mkdir(parents=True, exist_ok=True)
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                list(argv), stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                preexec_fn=_die_with_parent, env={**os.environ, **(env or {})},
            )

    def log_tail(self, lines: int = 30) -> str:
        text = self.log.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def wait_until(self, ready: Callable[[], bool], timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerFailed(f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                if ready():
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise ServerFailed(f"{self.name} not ready after {timeout:.0f}s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
