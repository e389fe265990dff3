"""kopf start-up shared by the controllers: progress kept in annotations under the component's own group,
no cluster-wide scanning, and the login taken from the same client configuration the handlers use."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
from collections.abc import Callable
from typing import Any

import kopf


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


def run_operator(namespaces: list[str], liveness: str | None, verbose: bool) -> int:
    """Run the registered handlers: the given namespaces (or WATCH_NAMESPACE), else cluster-wide."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("kubernetes.client.rest", "urllib3", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    watched = namespaces or [n for n in os.environ.get("WATCH_NAMESPACE", "").split(",") if n]
    asyncio.run(kopf.operator(standalone=True, clusterwide=not watched, namespaces=watched,
                              liveness_endpoint=liveness))
    return 0


def operator_main(prog: str, description: str, argv: list[str] | None, register: Callable[[], object]) -> int:
    """A controller's command line: --namespace (repeatable), --liveness, --verbose; `register` loads the
    handlers (importing the module registers them) once the arguments parsed."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--namespace", action="append", default=None,
                        help="watch only this namespace (repeatable); default: WATCH_NAMESPACE or all namespaces")
    parser.add_argument("--liveness", default=os.environ.get("LIVENESS_ENDPOINT"),
                        help="serve /healthz here, e.g. http://0.0.0.0:8080/healthz")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    register()
    return run_operator(args.namespace or [], args.liveness, args.verbose)
