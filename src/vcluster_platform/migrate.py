"""`migrate check`: will moving a running vCluster from the v1 stack to VClusterOrchestratorV2 keep it alive?

The identity of a running vCluster is what Helm and ArgoCD key on (release, namespace, Application) and what
the StatefulSet cannot change in place (volumeClaimTemplates, backing store). Both renders are reduced to that
identity and compared; each difference carries what it would do to the running control plane.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import yaml

from .chart import ChartInput
from .errors import MISSING, InvalidRequest, Problem
from .manifests import VCLUSTER_CHART, chart_sources
from .mapping import dig
from .models.quantity import parse_quantity
from .registration import credentials_of, registration_of
from .render.helm_values import EXTERNAL_DNS_ANNOTATION, LOADBALANCER_IP_ANNOTATION

Severity = Literal["recreate", "prune", "disrupt", "change"]
# recreate/prune: the control plane or its add-ons are deleted; disrupt: clients or consumers lose access.
BLOCKING: frozenset[str] = frozenset({"recreate", "prune", "disrupt"})
APPLICATION_KINDS = ("Application", "ArgoCDApplication", "ArgocdApplication")
ARGOCD_FINALIZER = "resources-finalizer.argocd.argoproj.io"
# Chart defaults (vcluster 0.20+) for what a values file leaves out.
DEFAULT_VOLUME_CLAIM = {"enabled": "auto", "size": "5Gi", "storageClass": ""}
DEFAULT_BACKING_STORE = "embedded database (SQLite)"


@dataclass(frozen=True)
class Identity:
    """What a running vCluster is keyed on, read from one render (v1 or v2)."""

    application: str
    application_namespace: str
    finalizer: bool
    prune: bool
    release: str
    namespace: str
    chart_repo: str
    chart: str
    chart_version: str
    statefulset: str
    volume_claim: dict[str, Any]
    backing_store: str
    etcd_replicas: int
    control_plane_replicas: int
    service_type: str
    load_balancer_ip: str
    hostnames: tuple[str, ...]
    route_kinds: tuple[str, ...]
    values_source: str
    cluster_name: str = ""
    cluster_server: str = ""
    cluster_labels: dict[str, str] = field(default_factory=dict)
    cluster_annotations: dict[str, str] = field(default_factory=dict)
    kubeconfig_secret: str = ""
    onepassword_item: str = ""
    pod_security: str = ""  # enforced on the host namespace; "" when the render has no Namespace
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Finding:
    field: str
    v1: Any
    v2: Any
    severity: Severity
    consequence: str

    @property
    def blocking(self) -> bool:
        return self.severity in BLOCKING


def _chart_source(app: dict[str, Any]) -> dict[str, Any] | None:
    return next((s for _, s in chart_sources(app) if s.get("chart") == VCLUSTER_CHART), None)


def _find_application(objects: list[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The Application (or Application request) that installs the vcluster chart, and its chart source."""
    found = [(o, s) for o in objects if o.get("kind") in APPLICATION_KINDS for s in [_chart_source(o)] if s]
    finals = [f for f in found if f[0].get("kind") == "Application"]
    candidates = finals or found
    if not candidates:
        raise InvalidRequest([Problem("objects", MISSING, "no ArgoCD Application (or Application request) "
                                           f"with chart {VCLUSTER_CHART!r} found")])
    if len({c[0]["metadata"]["name"] for c in candidates}) > 1:
        names = sorted({c[0]["metadata"]["name"] for c in candidates})
        raise InvalidRequest([Problem("objects", names, "more than one vcluster Application; give one "
                                           "vCluster's objects")])
    return candidates[0]


def _application_spec(app: dict[str, Any]) -> dict[str, Any]:
    """Application fields whether `app` is an argoproj Application or an ArgoCDApplication request."""
    spec = app.get("spec") or {}
    if app.get("kind") == "Application":
        meta = app.get("metadata") or {}
        return {"name": meta.get("name", ""), "namespace": meta.get("namespace", ""),
                "finalizers": meta.get("finalizers") or [], "destination": spec.get("destination") or {},
                "syncPolicy": spec.get("syncPolicy") or {}}
    return {"name": spec.get("name", app["metadata"]["name"]), "namespace": spec.get("namespace", "argocd"),
            "finalizers": spec.get("finalizers") or [], "destination": spec.get("destination") or {},
            "syncPolicy": spec.get("syncPolicy") or {}}


def _values(objects: list[dict[str, Any]], source: dict[str, Any], release: str) -> tuple[dict[str, Any], str]:
    """The Helm values and where they were read from."""
    helm = source.get("helm") or {}
    if isinstance(helm.get("valuesObject"), dict):
        return helm["valuesObject"], "Application helm.valuesObject"
    if isinstance(helm.get("values"), str) and helm["values"].strip():
        return yaml.safe_load(helm["values"]) or {}, "Application helm.values"
    for obj in objects:
        data = obj.get("data") or {}
        if obj.get("kind") == "ConfigMap" and str(dig(obj, "metadata", "name")).endswith("vcluster-values"):
            text = data.get("values.yaml") or next(iter(data.values()), "")
            return yaml.safe_load(text) or {}, f"ConfigMap {obj['metadata']['name']}"
    for obj in objects:
        if obj.get("kind") == "VClusterCore" and dig(obj, "spec", "name", default=release) == release:
            return yaml.safe_load(dig(obj, "spec", "valuesYaml", default="")) or {}, "VClusterCore valuesYaml"
    return {}, "none found: chart defaults assumed"


def _bytes(size: Any) -> str:
    """A size in its largest exact binary unit, so 10Gi and 10240Mi compare equal; else as written."""
    try:
        value = parse_quantity(str(size))
    except ValueError:
        return str(size)
    for suffix, factor in (("Ei", 2**60), ("Pi", 2**50), ("Ti", 2**40), ("Gi", 2**30), ("Mi", 2**20), ("Ki", 2**10)):
        if value and value % factor == 0:
            return f"{value // factor}{suffix}"
    return f"{value:f}"


def _backing_store(values: dict[str, Any]) -> tuple[str, int]:
    store = dig(values, "controlPlane", "backingStore", default={}) or {}
    ha = dig(values, "controlPlane", "statefulSet", "highAvailability", "replicas", default=1)
    if dig(store, "etcd", "deploy", "enabled"):
        return "etcd (deployed StatefulSet)", int(dig(store, "etcd", "deploy", "statefulSet", "highAvailability",
                                                       "replicas", default=1))
    if dig(store, "etcd", "embedded", "enabled"):
        return "etcd (embedded)", int(ha)
    if dig(store, "database", "external", "enabled"):
        return "external database", 0
    return DEFAULT_BACKING_STORE, 0


def chart_input_of(objects: list[dict[str, Any]]) -> ChartInput:
    """The values, release, namespace and chart version one render installs the vcluster chart with."""
    app, source = _find_application(objects)
    spec = _application_spec(app)
    release = str((source.get("helm") or {}).get("releaseName") or spec["name"])
    values, _ = _values(objects, source, release)
    return ChartInput(values, release, str(spec["destination"].get("namespace", "")),
                      str(source.get("targetRevision", "")))


def identity_of(objects: list[dict[str, Any]]) -> Identity:
    """Reduce one render (v1 sub-requests and/or final objects, or a v2 render) to its identity."""
    app, source = _find_application(objects)
    spec = _application_spec(app)
    helm = source.get("helm") or {}
    release = str(helm.get("releaseName") or spec["name"])  # ArgoCD's default release name is the Application's
    values, values_source = _values(objects, source, release)
    notes = []
    if dig(values, "controlPlane", "persistence") is not None:
        notes.append("values set controlPlane.persistence, which the chart does not read (volume claims are "
                     "controlPlane.statefulSet.persistence.volumeClaim)")
    claim = {**DEFAULT_VOLUME_CLAIM, **(dig(values, "controlPlane", "statefulSet", "persistence", "volumeClaim",
                                             default={}) or {})}
    store, etcd_replicas = _backing_store(values)
    service = dig(values, "controlPlane", "service", default={}) or {}
    service_spec = service.get("spec") or {}
    annotations = service.get("annotations") or {}
    routes = [o for o in objects if o.get("kind") in ("HTTPRoute", "TLSRoute")]
    hostnames = {h for r in routes for h in dig(r, "spec", "hostnames", default=[]) or []}
    if service_spec.get("type") == "LoadBalancer":
        hostnames |= {h.strip() for h in str(annotations.get(EXTERNAL_DNS_ANNOTATION, "")).split(",") if h.strip()}
    registration = registration_of(objects)
    kubeconfig_secret, onepassword_item = credentials_of(objects)
    statefulsets = [o for o in objects if o.get("kind") == "StatefulSet"
                    and dig(o, "metadata", "namespace") == spec["destination"].get("namespace")]
    return Identity(
        application=spec["name"], application_namespace=spec["namespace"],
        finalizer=ARGOCD_FINALIZER in spec["finalizers"], prune=bool(dig(spec["syncPolicy"], "automated", "prune")),
        release=release, namespace=str(spec["destination"].get("namespace", "")),
        chart_repo=str(source.get("repoURL", "")), chart=str(source.get("chart", "")),
        chart_version=str(source.get("targetRevision", "")),
        statefulset=str(statefulsets[0]["metadata"]["name"]) if statefulsets else release,
        volume_claim={**{k: claim[k] for k in DEFAULT_VOLUME_CLAIM}, "size": _bytes(claim["size"])},
        backing_store=store, etcd_replicas=etcd_replicas,
        control_plane_replicas=int(dig(values, "controlPlane", "statefulSet", "highAvailability", "replicas",
                                        default=1)),
        service_type=str(service_spec.get("type", "ClusterIP")),
        load_balancer_ip=str(service_spec.get("loadBalancerIP") or annotations.get(LOADBALANCER_IP_ANNOTATION, "")),
        hostnames=tuple(sorted(hostnames)), route_kinds=tuple(sorted({str(r["kind"]) for r in routes})),
        values_source=values_source, cluster_name=registration.name, cluster_server=registration.server,
        cluster_labels=registration.labels, cluster_annotations=registration.annotations,
        kubeconfig_secret=kubeconfig_secret, onepassword_item=onepassword_item,
        pod_security=_pod_security(objects, str(spec["destination"].get("namespace", ""))), notes=tuple(notes),
    )


def _pod_security(objects: list[dict[str, Any]], namespace: str) -> str:
    """The enforced Pod Security level of the host namespace; a Namespace without the label runs at the API
    server's default, privileged unless the cluster configures another."""
    found = next((o for o in objects if o.get("kind") == "Namespace" and dig(o, "metadata", "name") == namespace),
                 None)
    if found is None:
        return ""
    return str(dig(found, "metadata", "labels", "pod-security.kubernetes.io/enforce", default=None) or "privileged")


# (Identity attribute, severity, consequence) in the order they are reported.
RULES: list[tuple[str, Severity, str]] = [
    ("release", "recreate", "release name changes: Helm installs a new release beside the old one, and "
          "prune deletes the old control plane and its StatefulSet"),
    ("namespace", "recreate", "target namespace changes: a new control plane is installed in the new "
          "namespace and the old one (with its volumes) is pruned"),
    ("application", "prune", "Application name changes: ArgoCD creates a second Application, and removing "
          "the old one runs its resources finalizer, which deletes the running release"),
    ("application_namespace", "prune", "Application moves namespace: it is a different Application to "
          "ArgoCD; the old one is deleted with its resources finalizer"),
    ("statefulset", "recreate", "control-plane StatefulSet name changes: a new StatefulSet with new, empty "
          "volumes starts and the old one is pruned"),
    ("chart_repo", "recreate", "chart repository changes: a different chart takes over the release"),
    ("chart", "recreate", "chart changes: a different chart takes over the release"),
    ("volume_claim", "recreate", "control-plane volumeClaim changes: volumeClaimTemplates of a StatefulSet "
          "are immutable, so the sync fails until the StatefulSet is deleted and recreated with new volumes"),
    ("backing_store", "recreate", "backing store changes: the control plane starts on an empty datastore "
          "and every object inside the vCluster is lost"),
    ("etcd_replicas", "recreate", "etcd replicas change: the deployed etcd StatefulSet would need its "
          "membership changed, which the chart does not do in place; members fail to join or lose quorum"),
    ("control_plane_replicas", "change", "control-plane replicas change: pods are added or removed by a "
          "rolling update"),
    ("finalizer", "change", "resources finalizer changes: deleting the Application later would orphan "
          "(or now delete) the release"),
    ("prune", "change", "automated prune changes"),
    ("chart_version", "change", "chart version changes: the switch also upgrades the vCluster; make the "
          "upgrade a separate change"),
    ("service_type", "disrupt", "API Service type changes: its address changes and existing kubeconfigs "
          "stop working"),
    ("load_balancer_ip", "disrupt", "LoadBalancer IP changes: existing kubeconfigs stop working"),
    ("hostnames", "disrupt", "API hostnames change: clients using the old name lose access"),
    ("route_kinds", "change", "the API is exposed through a different route kind; check the gateway "
          "listener allows it (TLSRoute needs a TLS passthrough listener)"),
]
# Known only when the "from" side says (a v1 render may carry no registration or status): compared then.
CONSUMER_RULES: list[tuple[str, Severity, str]] = [
    ("cluster_name", "prune", "ArgoCD cluster name changes: Applications that target the cluster by name lose "
          "their destination, and ApplicationSets that template it regenerate (and prune) their Applications"),
    ("cluster_server", "prune", "ArgoCD cluster server URL changes: ArgoCD keys a cluster by this URL, so it "
          "sees a new cluster; ApplicationSets generate new Applications for it and delete the old ones, "
          "pruning every add-on running inside the vCluster"),
    ("kubeconfig_secret", "disrupt", "kubeconfig Secret name changes: every consumer that mounts or reads it "
          "loses its credentials"),
    ("onepassword_item", "disrupt", "1Password item changes: people and automation reading the kubeconfig "
          "from 1Password get a stale or no item"),
    ("pod_security", "change", "Pod Security level of the host namespace changes: running pods keep running, "
          "but a new pod the level refuses (privileged, host namespaces, hostPath under baseline) is not "
          "created; a tenant that needs them gets vcluster.podSecurity: privileged from a platform admin"),
]
SELECTOR_CONSEQUENCE: dict[str, tuple[Severity, str]] = {
    "cluster_labels": ("prune", "ArgoCD cluster secret labels change: the platform's ApplicationSets select "
                                "clusters by these labels, so one that no longer matches stops generating its "
                                "Application and ArgoCD prunes that add-on from the vCluster ({keys})"),
    "cluster_annotations": ("disrupt", "ArgoCD cluster secret annotations change: ApplicationSets read them as "
                                       "template values (repositories, paths, namespaces), so the add-ons they "
                                       "generate change source or break ({keys})"),
}


def _selector_findings(v1: Identity, v2: Identity) -> list[Finding]:
    """Dropped or changed labels/annotations block (selectors stop matching); added ones are reported."""
    findings: list[Finding] = []
    if not v1.cluster_server:
        return findings  # the "from" side has no registration: nothing to keep
    for attr, (severity, consequence) in SELECTOR_CONSEQUENCE.items():
        old, new = getattr(v1, attr), getattr(v2, attr)
        lost = sorted(k for k in old if new.get(k) != old[k])
        added = sorted(k for k in new if k not in old)
        if lost:
            findings.append(Finding(attr, {k: old[k] for k in lost}, {k: new.get(k) for k in lost}, severity,
                                    consequence.format(keys=", ".join(lost))))
        if added:
            findings.append(Finding(attr, {}, {k: new[k] for k in added}, "change",
                                    "new cluster secret labels/annotations: ApplicationSets selecting on them "
                                    f"start deploying into the vCluster ({', '.join(added)})"))
    return findings


def compare(v1: Identity, v2: Identity) -> list[Finding]:
    """Every identity difference with its consequence; blocking ones first."""
    findings = [Finding(f, getattr(v1, f), getattr(v2, f), severity, consequence)
                for f, severity, consequence in RULES if getattr(v1, f) != getattr(v2, f)]
    findings += [Finding(f, getattr(v1, f), getattr(v2, f), severity, consequence)
                 for f, severity, consequence in CONSUMER_RULES
                 if getattr(v1, f) and getattr(v1, f) != getattr(v2, f)]
    findings += _selector_findings(v1, v2)
    return sorted(findings, key=lambda f: not f.blocking)


def format_findings(v1: Identity, v2: Identity, findings: list[Finding], flows: str = "",
                    blocking_flows: int = 0) -> str:
    lines = [f"v1: Application {v1.application_namespace}/{v1.application}, release {v1.release} in "
             f"{v1.namespace}, chart {v1.chart} {v1.chart_version} (values from {v1.values_source})",
             f"v2: Application {v2.application_namespace}/{v2.application}, release {v2.release} in "
             f"{v2.namespace}, chart {v2.chart} {v2.chart_version} (values from {v2.values_source})"]
    lines += [f"note (v1): {n}" for n in v1.notes] + [f"note (v2): {n}" for n in v2.notes]
    for f in findings:
        lines.append(f"{f.severity.upper():<9} {f.field}: {f.v1!r} → {f.v2!r}\n          {f.consequence}")
    if flows:
        lines.append(flows)
    blocking = sum(f.blocking for f in findings)
    verdict = ("FAIL: the switch would recreate, prune or cut off the running vCluster" if blocking else
               "FAIL: the switch would cut network flows the running vCluster needs" if blocking_flows else
               "PASS: release, namespace, Application, StatefulSet, volumes, backing store, API address, "
               "cluster registration" + (" and every needed flow" if flows else "") + " are kept")
    lines.append(f"{verdict} ({blocking} blocking, {len(findings) - blocking} other difference(s)"
                 + (f"; {blocking_flows} blocking flow(s)" if flows else "") + ")")
    return "\n".join(lines)
