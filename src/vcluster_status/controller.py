"""kopf handlers of the status reconciler: watches feed a de-duplicating work queue, one worker drains it.

Every handler is a coroutine, so the queue and the watch list are touched only from the event loop.

Event-driven where it can be: a change to a request, to its ArgoCD Application or to an Application deployed
into the vCluster, to a pod or an ExternalSecret in a tenant namespace queues that tenant at once. A sweep
queues every request each VCLUSTER_STATUS_INTERVAL seconds (default 60), so nothing waits longer than that.
No finalizer is ever added (no timers or daemons on the requests): removing the reconciler can never block
the deletion of a request. Settings, all optional: VCLUSTER_STATUS_INTERVAL, VCLUSTER_STATUS_STARTUP_GRACE
(900 s), VCLUSTER_STATUS_FAILURE_WINDOW (600 s), VCLUSTER_STATUS_METRICS_PORT (9090; 0 disables).
"""

from __future__ import annotations

import asyncio
import collections
import functools
import logging
import os
import time
from dataclasses import dataclass, field
from typing import Any

import kopf

from platform_common import kube
from platform_common.metrics import serve
from platform_common.operator import install_startup

from . import contract as c
from .assess import Timing
from .metrics import Metrics
from .observation import Tenant
from .observe import ApplicationLists, all_requests_path
from .reconcile import Outcome, post_transition, reconcile_tenant

LOG = logging.getLogger("vcluster_status.controller")
INTERVAL = float(os.environ.get("VCLUSTER_STATUS_INTERVAL", "60"))
TIMING = Timing(startup_grace=float(os.environ.get("VCLUSTER_STATUS_STARTUP_GRACE", "900")),
                failure_window=float(os.environ.get("VCLUSTER_STATUS_FAILURE_WINDOW", "600")))
METRICS_PORT = int(os.environ.get("VCLUSTER_STATUS_METRICS_PORT", "9090"))
RETRY_DELAY = 5.0


@functools.cache
def api_client() -> Any:
    return kube.api_client()


install_startup(c.GROUP, api_client)


@dataclass
class State:
    """The process's shared objects (kept in kopf's memo)."""

    api: kube.JsonApi
    metrics: Metrics
    applications: ApplicationLists
    queue: asyncio.Queue[str] = field(default_factory=asyncio.Queue)
    queued: set[str] = field(default_factory=set)
    watchers: dict[str, set[str]] = field(default_factory=lambda: collections.defaultdict(set))
    own_writes: collections.deque[str] = field(default_factory=lambda: collections.deque(maxlen=1000))
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def enqueue(self, key: str) -> None:
        if key not in self.queued:
            self.queued.add(key)
            self.queue.put_nowait(key)

    def wake(self, *topics: str) -> None:
        for topic in topics:
            for key in tuple(self.watchers.get(topic, ())):
                self.enqueue(key)

    def watch(self, key: str, tenant: Tenant | None) -> None:
        """Remember which live objects concern this request, so their events queue it."""
        for keys in self.watchers.values():
            keys.discard(key)
        if tenant is not None:
            for topic in (f"ns:{tenant.namespace}", f"app:{tenant.application_namespace}/{tenant.application}",
                          f"cluster:{tenant.vcluster}"):
                self.watchers[topic].add(key)


def handle(state: State, outcome: Outcome | None, key: str) -> None:
    """Metrics, the watch list and the transition count from one reconcile's outcome (in the event loop)."""
    namespace, name = key.split("/", 1)
    if outcome is None:
        state.metrics.forget(namespace, name)
        state.watch(key, None)
        return
    state.watch(key, outcome.tenant)
    state.metrics.record(namespace, name, outcome.status)
    if outcome.written:
        state.own_writes.append(outcome.written)
    if outcome.transition:
        state.metrics.transitions.labels(outcome.previous_phase or "None", outcome.phase).inc()
        LOG.info("%s: %s -> %s: %s", key, outcome.previous_phase or "-", outcome.phase, outcome.status.get("message"))


def timed_reconcile(state: State, key: str) -> Outcome | None:
    namespace, name = key.split("/", 1)
    started = time.perf_counter()
    try:
        return reconcile_tenant(state.api, namespace, name, timing=TIMING, heartbeat=INTERVAL,
                                applications=state.applications)
    finally:
        state.metrics.duration.observe(time.perf_counter() - started)


def announce(state: State, outcome: Outcome) -> None:
    """A core/v1 Event for the transition: best effort, the status already says it."""
    try:
        post_transition(state.api, outcome)
    except Exception as exc:  # noqa: BLE001
        LOG.warning("%s/%s: could not post the transition event: %s", outcome.namespace, outcome.name,
                    kube.api_error_text(exc))


async def worker(state: State) -> None:
    """Drain the queue one tenant at a time: API calls in a thread, bookkeeping in the event loop."""
    loop = asyncio.get_running_loop()
    while True:
        key = await state.queue.get()
        state.queued.discard(key)
        try:
            outcome = await asyncio.to_thread(timed_reconcile, state, key)
        except Exception as exc:  # noqa: BLE001 - counted, logged, retried; the worker never dies
            state.metrics.errors.labels(type(exc).__name__).inc()
            LOG.warning("%s: reconcile failed, retrying in %.0f s: %s", key, RETRY_DELAY, kube.api_error_text(exc))
            loop.call_later(RETRY_DELAY, state.enqueue, key)
            continue
        handle(state, outcome, key)
        if outcome is not None and outcome.transition:
            await asyncio.to_thread(announce, state, outcome)


async def sweep(state: State) -> None:
    while True:
        try:
            requests = await asyncio.to_thread(state.api.items, all_requests_path())
            for request in requests:
                state.enqueue(f"{request['metadata']['namespace']}/{request['metadata']['name']}")
        except Exception as exc:  # noqa: BLE001 - the next sweep tries again
            state.metrics.errors.labels(type(exc).__name__).inc()
            LOG.warning("listing requests failed: %s", kube.api_error_text(exc))
        await asyncio.sleep(INTERVAL)


@kopf.on.startup()
async def start(memo: kopf.Memo, **_: Any) -> None:
    api = kube.JsonApi(api_client())
    state = State(api=api, metrics=Metrics(), applications=ApplicationLists(api, ttl=min(2.0, INTERVAL / 2)))
    serve(state.metrics.registry, METRICS_PORT)
    state.tasks = [asyncio.create_task(worker(state)), asyncio.create_task(sweep(state))]
    memo.state = state


@kopf.on.cleanup()
async def stop(memo: kopf.Memo, **_: Any) -> None:
    for task in memo.state.tasks:
        task.cancel()


@kopf.on.event(c.GROUP, c.VERSION, c.PLURAL)
async def request_changed(event: kopf.RawEvent, body: kopf.Body, memo: kopf.Memo, **_: Any) -> None:
    state: State = memo.state
    key = f"{body.metadata.namespace}/{body.metadata.name}"
    if event["type"] == "DELETED":
        handle(state, None, key)
    elif body.metadata.get("resourceVersion") not in state.own_writes:
        state.enqueue(key)


@kopf.on.event("argoproj.io", "v1alpha1", "applications")
async def application_changed(body: kopf.Body, memo: kopf.Memo, **_: Any) -> None:
    destination = (body.get("spec") or {}).get("destination") or {}
    memo.state.wake(f"app:{body.metadata.namespace}/{body.metadata.name}", f"cluster:{destination.get('name')}")


@kopf.on.event("", "v1", "pods")
async def pod_changed(body: kopf.Body, memo: kopf.Memo, **_: Any) -> None:
    memo.state.wake(f"ns:{body.metadata.namespace}")


@kopf.on.event("external-secrets.io", "v1", "externalsecrets")
async def external_secret_changed(body: kopf.Body, memo: kopf.Memo, **_: Any) -> None:
    memo.state.wake(f"ns:{body.metadata.namespace}")
