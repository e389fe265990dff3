"""A TCP proxy on loopback in front of the test API server, to cut one client off: `refuse()` (the port
refuses new connections and the open ones are reset), `drop()` (connections stay open and new ones are
accepted, but nothing passes: packets silently dropped), `restore()`."""

from __future__ import annotations

import contextlib
import select
import socket
import struct
import threading
from typing import Literal

Mode = Literal["open", "refuse", "drop"]


class TcpProxy:
    def __init__(self, upstream_port: int, host: str = "127.0.0.1") -> None:
        self.upstream, self.host = (host, upstream_port), host
        self.mode: Mode = "open"
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self.port = 0
        self._listen()

    @property
    def url(self) -> str:
        return f"https://{self.host}:{self.port}"

    def _listen(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self.host, self.port))
        listener.listen(64)
        self.port, self._listener = listener.getsockname()[1], listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True, name="proxy-accept").start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # closed: refusing
            if self.mode == "refuse":  # accepted in the instant the listener closed
                client.close()
                continue
            upstream = None
            if self.mode == "open":
                with contextlib.suppress(OSError):
                    upstream = socket.create_connection(self.upstream, timeout=5)
            with self._lock:
                self._sockets += [client] + ([upstream] if upstream else [])
            if upstream is not None:
                threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    def _pump(self, a: socket.socket, b: socket.socket) -> None:
        peers = {a: b, b: a}
        try:
            while True:
                readable, _, _ = select.select([a, b], [], [], 0.5)
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    if self.mode == "open":
                        peers[sock].sendall(data)
                    # dropped: read and discarded, never delivered (not even later)
        except OSError:
            return
        finally:
            for sock in (a, b):
                with contextlib.suppress(OSError):
                    sock.close()

    def refuse(self) -> None:
        """Connection refused from now on; every open connection reset."""
        self.mode = "refuse"
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        with self._lock:
            for sock in self._sockets:
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    sock.close()
            self._sockets.clear()

    def drop(self) -> None:
        """Silence: nothing passes either way, no connection is closed or refused."""
        self.mode = "drop"

    def restore(self) -> None:
        self.mode = "open"
        if self._listener is None:
            self._listen()

    def close(self) -> None:
        self.refuse()
