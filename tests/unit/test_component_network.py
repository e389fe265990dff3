"""The NetworkPolicies shipped for our own components, evaluated flow by flow with the product's flow model
(both CNI flavours): each component reaches exactly what it uses and is reached only by Prometheus."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from conftest import REPO
from vcluster_platform.flows.evaluate import Endpoint, allowed, host, pod

DEPLOY = REPO / "deploy"
API_SERVER = host("10.0.1.139", "kube-apiserver")
INTERNET = host("93.184.216.34")
VCENTER = host("10.0.2.10")
DNS = pod("kube-system", "10.244.0.10", **{"k8s-app": "kube-dns"})
OPENSHIFT_DNS = pod("openshift-dns", "10.244.0.11", **{"dns.operator.openshift.io/daemonset-dns": "default"})
PROMETHEUS = pod("monitoring", "10.244.1.5", **{"app.kubernetes.io/name": "prometheus"})
OCP_PROMETHEUS = pod("openshift-monitoring", "10.244.1.6", **{"app.kubernetes.io/name": "prometheus"})
TENANT = pod("vcluster-media", "10.244.2.7", app="vcluster")


def policies(component: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all((DEPLOY / component / "networkpolicy.yaml").read_text()) if d]


RECONCILER = pod("vcluster-status", "10.244.3.3", **{"app.kubernetes.io/name": "vcluster-status-reconciler"})
CONTROLLER = pod("vsphere-migration", "10.244.3.4", **{"app.kubernetes.io/name": "vsphere-migration-controller"})

# (component, pod, source, destination, port, protocol, allowed)
FLOWS: list[tuple[str, Endpoint, Endpoint, Endpoint, int, str, bool]] = [
    ("vcluster-status", RECONCILER, RECONCILER, API_SERVER, 6443, "TCP", True),
    ("vcluster-status", RECONCILER, RECONCILER, API_SERVER, 443, "TCP", True),
    ("vcluster-status", RECONCILER, RECONCILER, DNS, 53, "UDP", True),
    ("vcluster-status", RECONCILER, PROMETHEUS, RECONCILER, 9090, "TCP", True),
    ("vcluster-status", RECONCILER, TENANT, RECONCILER, 9090, "TCP", False),
    ("vcluster-status", RECONCILER, PROMETHEUS, RECONCILER, 8080, "TCP", False),
    ("vcluster-status", RECONCILER, RECONCILER, TENANT, 8443, "TCP", False),
    ("vcluster-status", RECONCILER, RECONCILER, INTERNET, 22, "TCP", False),
    ("vcluster-status", RECONCILER, RECONCILER, TENANT, 53, "UDP", False),
    ("vsphere-migration", CONTROLLER, CONTROLLER, API_SERVER, 6443, "TCP", True),
    ("vsphere-migration", CONTROLLER, CONTROLLER, VCENTER, 443, "TCP", True),
    ("vsphere-migration", CONTROLLER, CONTROLLER, OPENSHIFT_DNS, 5353, "UDP", True),
    ("vsphere-migration", CONTROLLER, CONTROLLER, DNS, 53, "TCP", True),
    ("vsphere-migration", CONTROLLER, OCP_PROMETHEUS, CONTROLLER, 9090, "TCP", True),
    ("vsphere-migration", CONTROLLER, PROMETHEUS, CONTROLLER, 9090, "TCP", True),
    ("vsphere-migration", CONTROLLER, TENANT, CONTROLLER, 9090, "TCP", False),
    ("vsphere-migration", CONTROLLER, CONTROLLER, VCENTER, 22, "TCP", False),
    ("vsphere-migration", CONTROLLER, CONTROLLER, TENANT, 8443, "TCP", False),
]


@pytest.mark.parametrize("cni", ["kubernetes", "cilium"])
@pytest.mark.parametrize(("component", "me", "src", "dst", "port", "proto", "expected"), FLOWS,
                         ids=[f"{c[0]}:{c[2].namespace or c[2].ip}->{c[3].namespace or c[3].ip}:{c[4]}/{c[5]}"
                              for c in FLOWS])
def test_each_component_flow(cni: str, component: str, me: Endpoint, src: Endpoint, dst: Endpoint, port: int,
                             proto: str, expected: bool) -> None:
    assert allowed(policies(component), src, dst, port, proto, cni=cni) is expected


@pytest.mark.parametrize("component", ["vcluster-status", "vsphere-migration"])
def test_the_policy_selects_the_deployments_pods(component: str) -> None:
    deployment = next(d for d in yaml.safe_load_all((DEPLOY / component / "deployment.yaml").read_text())
                      if d and d["kind"] == "Deployment")
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    for policy in policies(component):
        assert policy["metadata"]["namespace"] == deployment["metadata"]["namespace"]
        assert policy["spec"]["podSelector"]["matchLabels"].items() <= pod_labels.items()
        assert set(policy["spec"]["policyTypes"]) == {"Ingress", "Egress"}
