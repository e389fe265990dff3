"""kopf start-up shared by the controllers: progress kept in annotations under the component's own group,
no cluster-wide scanning, and the login taken from the same client configuration the handlers use."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.server
import logging
import os
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import kopf

from .leader import LeaseElector, check_timings


def install_startup(annotation_prefix: str, load_client: Callable[[], Any], *, server_timeout: int = 60) -> None:
    """Register the start-up and login handlers once for this process's kopf registry."""

    @kopf.on.startup()
    def configure(settings: kopf.OperatorSettings, **_: Any) -> None:
        settings.persistence.progress_storage = kopf.AnnotationsProgressStorage(prefix=annotation_prefix)
        settings.persistence.diffbase_storage = kopf.AnnotationsDiffBaseStorage(prefix=annotation_prefix)
        settings.posting.level = logging.INFO
        settings.watching.server_timeout = server_timeout
        settings.scanning.disabled = True  # the CRDs are known: no cluster-wide CRD/namespace lists

    @kopf.on.login()
    def login(**kwargs: Any) -> kopf.ConnectionInfo | None:
        load_client()  # loads the configuration the handlers use, so kopf's own connection matches it
        info: kopf.ConnectionInfo | None = kopf.login_via_client(**kwargs)
        return info


LOST_LEADERSHIP_EXIT = 3


def run_operator(namespaces: list[str], liveness: str | None, verbose: bool,
                 elector: LeaseElector | None = None) -> int:
    """Run the registered handlers: the given namespaces (or WATCH_NAMESPACE), else cluster-wide. With an
    elector, only once it holds the Lease (answering the liveness probe while it waits); losing the Lease ends
    the process at once, so no handler of a former leader runs beside the new one."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("kubernetes.client.rest", "urllib3", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    watched = namespaces or [n for n in os.environ.get("WATCH_NAMESPACE", "").split(",") if n]
    if elector is not None:
        with standby_health(liveness):
            elector.acquire()
        elector.keep(lambda: os._exit(LOST_LEADERSHIP_EXIT))
    try:
        asyncio.run(kopf.operator(standalone=True, clusterwide=not watched, namespaces=watched,
                                  liveness_endpoint=liveness))
    finally:
        if elector is not None:
            elector.release()
    return 0


@contextlib.contextmanager
def standby_health(endpoint: str | None) -> Iterator[None]:
    """While waiting for the Lease, answer 200 on the liveness endpoint (a candidate is alive, not stuck)."""
    if not endpoint:
        yield
        return
    url = urlsplit(endpoint)

    class Health(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the standard library's name
            self.send_response(200 if self.path == url.path else 404)
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer((url.hostname or "0.0.0.0", url.port or 80), Health)  # noqa: S104
    thread = threading.Thread(target=server.serve_forever, name="standby-health", daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()


def lease_elector(prog: str, args: argparse.Namespace, load_client: Callable[[], Any]) -> LeaseElector | None:
    """The Lease candidate the command line asks for, or None. Timings: LEADER_ELECTION_LEASE_SECONDS (15),
    LEADER_ELECTION_RENEW_DEADLINE_SECONDS and LEADER_ELECTION_RETRY_SECONDS (by default in client-go's
    proportions: 2/3 and 2/15 of the duration); ValueError unless retry < renew deadline < duration."""
    if not args.leader_elect:
        return None
    from kubernetes import client as k8s

    duration = float(os.environ.get("LEADER_ELECTION_LEASE_SECONDS", "15"))
    renew_deadline = float(os.environ.get("LEADER_ELECTION_RENEW_DEADLINE_SECONDS", duration * 2 / 3))
    retry = float(os.environ.get("LEADER_ELECTION_RETRY_SECONDS", duration * 2 / 15))
    check_timings(duration, renew_deadline, retry)  # before any connection: a bad setting is a start-up error
    identity = os.environ.get("POD_NAME") or f"{socket.gethostname()}-{os.getpid()}"
    return LeaseElector(k8s.CoordinationV1Api(load_client()), args.lease_namespace, args.lease_name or prog,
                        identity, duration=duration, renew_deadline=renew_deadline, retry=retry)


def operator_main(prog: str, description: str, argv: list[str] | None, register: Callable[[], object],
                  load_client: Callable[[], Any] | None = None) -> int:
    """A controller's command line: --namespace (repeatable), --liveness, --verbose, and (when `load_client`
    gives the handlers' API client) --leader-elect; `register` loads the handlers (importing the module
    registers them) once the arguments parsed."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--namespace", action="append", default=None,
                        help="watch only this namespace (repeatable); default: WATCH_NAMESPACE or all namespaces")
    parser.add_argument("--liveness", default=os.environ.get("LIVENESS_ENDPOINT"),
                        help="serve /healthz here, e.g. http://0.0.0.0:8080/healthz")
    parser.add_argument("--verbose", action="store_true")
    if load_client is not None:
        parser.add_argument("--leader-elect", action="store_true",
                            default=os.environ.get("LEADER_ELECT", "").lower() in ("1", "true"),
                            help="reconcile only while holding a coordination.k8s.io Lease (several replicas, "
                                 "one active); default: LEADER_ELECT")
        parser.add_argument("--lease-name", default=None, help=f"the Lease's name (default {prog})")
        parser.add_argument("--lease-namespace", default=os.environ.get("POD_NAMESPACE", "default"),
                            help="the Lease's namespace (default: POD_NAMESPACE, else default)")
    args = parser.parse_args(argv)
    try:
        elector = lease_elector(prog, args, load_client) if load_client is not None else None
    except ValueError as exc:
        parser.error(f"LEADER_ELECTION_* settings: {exc}")
    register()
    return run_operator(args.namespace or [], args.liveness, args.verbose, elector)
