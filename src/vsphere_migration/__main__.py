"""`vsphere-migration-controller`: run the controller (kopf) against the cluster in KUBECONFIG or in-cluster."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="vsphere-migration-controller", description=__doc__)
    parser.add_argument("--namespace", action="append", default=None,
                        help="watch only this namespace (repeatable); default: WATCH_NAMESPACE or all namespaces")
    parser.add_argument("--liveness", default=os.environ.get("LIVENESS_ENDPOINT"),
                        help="serve /healthz here, e.g. http://0.0.0.0:8080/healthz")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("kubernetes.client.rest", "urllib3", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    import kopf

    from . import controller  # noqa: F401 - registers the handlers

    namespaces: list[str] = args.namespace or [n for n in os.environ.get("WATCH_NAMESPACE", "").split(",") if n]
    asyncio.run(kopf.operator(standalone=True, clusterwide=not namespaces, namespaces=namespaces,
                              liveness_endpoint=args.liveness))
    return 0


if __name__ == "__main__":
    sys.exit(main())
