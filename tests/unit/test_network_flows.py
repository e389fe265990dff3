"""The rendered baseline policies, evaluated flow by flow: what a running vCluster needs passes, what another
tenant or the internet should not reach is denied, for both CNI flavours and both isolation modes."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import SHARED
from vcluster_platform.flows.evaluate import Endpoint, allowed, host, pod
from vcluster_platform.models import settings_from_document
from vcluster_platform.models.platform import PlatformSettings, platform_from_env
from vcluster_platform.render import render_all

NS = "vcluster-media"
SYNCER = pod(NS, "10.244.1.10", app="vcluster", release="vcluster-media")
ETCD_0 = pod(NS, "10.244.1.11", app="vcluster-etcd", release="vcluster-media")
ETCD_1 = pod(NS, "10.244.2.11", app="vcluster-etcd", release="vcluster-media")
WORKLOAD = pod(NS, "10.244.1.20", **{"vcluster.loft.sh/managed-by": "vcluster-media"})
KUBE_DNS = pod("kube-system", "10.244.0.5", **{"k8s-app": "kube-dns"})
METRICS_SERVER = pod("kube-system", "10.244.0.6", **{"app.kubernetes.io/name": "metrics-server"})
GATEWAY = pod("nginx-gateway-fabric", "10.244.3.5", app="nginx-gateway")
INGRESS_CONTROLLER = pod("nginx-gateway", "10.244.3.8", app="nginx-gateway")
ARGOCD = pod("argocd", "10.244.3.6", **{"app.kubernetes.io/name": "argocd-application-controller"})
PROMETHEUS = pod("monitoring", "10.244.3.7", app="prometheus")
OTHER_TENANT = pod("vcluster-other", "10.244.4.10", app="vcluster", release="other")
API_SERVER = host("10.0.1.139", "kube-apiserver", "host")
NODE = host("10.0.1.21", "remote-node")
LAN_CLIENT = host("192.168.1.50")
NFS = host("10.0.5.5")
POSTGRES = host("10.0.3.1")
OTHER_DB = host("10.0.3.2")
INTERNET = host("93.184.216.34")
NODE_LOCAL_DNS = host("169.254.116.108", "host")

NEEDED = [
    ("syncer to host API", SYNCER, API_SERVER, 6443, "TCP"),
    ("workload to DNS", WORKLOAD, KUBE_DNS, 53, "UDP"),
    ("syncer to DNS over TCP", SYNCER, KUBE_DNS, 53, "TCP"),
    ("etcd peers", ETCD_0, ETCD_1, 2380, "TCP"),
    ("syncer to etcd", SYNCER, ETCD_0, 2379, "TCP"),
    ("gateway to vCluster API", GATEWAY, SYNCER, 8443, "TCP"),
    ("ArgoCD to vCluster API", ARGOCD, SYNCER, 8443, "TCP"),
    ("LAN client to vCluster API", LAN_CLIENT, SYNCER, 8443, "TCP"),
    ("load balancer via a node (SNAT)", NODE, SYNCER, 8443, "TCP"),
    ("syncer to metrics-server", SYNCER, METRICS_SERVER, 10250, "TCP"),
    ("Prometheus scrapes a tenant pod", PROMETHEUS, WORKLOAD, 9090, "TCP"),
    ("workload to NFS", WORKLOAD, NFS, 2049, "TCP"),
    ("workload to PostgreSQL (extraEgress)", WORKLOAD, POSTGRES, 5432, "TCP"),
    ("workload to node-local DNS", WORKLOAD, NODE_LOCAL_DNS, 53, "UDP"),
    ("host ingress controller to a tenant web pod", INGRESS_CONTROLLER, WORKLOAD, 8080, "TCP"),
]
DENIED = [
    ("another tenant to the vCluster API", OTHER_TENANT, SYNCER, 8443, "TCP"),
    ("a workload to another tenant", WORKLOAD, OTHER_TENANT, 8443, "TCP"),
    ("another tenant to etcd", OTHER_TENANT, ETCD_0, 2379, "TCP"),
    ("a workload to an undeclared database", WORKLOAD, OTHER_DB, 5432, "TCP"),
    ("a workload to the internet over SSH", WORKLOAD, INTERNET, 22, "TCP"),
    ("the internet straight to etcd", INTERNET, ETCD_0, 2379, "TCP"),
    ("a workload to the LAN over HTTPS", WORKLOAD, host("192.168.1.1"), 443, "TCP"),
]


def _policies(cni: str, mode: str = "standard", **platform: Any) -> list[dict[str, Any]]:
    doc = yaml.safe_load((SHARED / "examples" / "real" / "vcluster-media.yaml").read_text())
    doc["spec"]["vcluster"]["isolationMode"] = mode
    settings = settings_from_document(doc, PlatformSettings(
        cni=cni, node_local_dns=("169.254.116.108/32",), **platform))  # type: ignore[arg-type]
    return [o for o in render_all(settings) if o["kind"] in ("NetworkPolicy", "CiliumNetworkPolicy")]


@pytest.mark.parametrize("cni", ["kubernetes", "cilium"])
@pytest.mark.parametrize("mode", ["standard", "strict"])
@pytest.mark.parametrize(("flow", "src", "dst", "port", "proto"), NEEDED, ids=[f[0] for f in NEEDED])
def test_a_running_vcluster_gets_what_it_needs(cni: str, mode: str, flow: str, src: Endpoint, dst: Endpoint,
                                               port: int, proto: str) -> None:
    assert allowed(_policies(cni, mode), src, dst, port, proto, cni=cni), flow


@pytest.mark.parametrize("cni", ["kubernetes", "cilium"])
@pytest.mark.parametrize("mode", ["standard", "strict"])
@pytest.mark.parametrize(("flow", "src", "dst", "port", "proto"), DENIED, ids=[f[0] for f in DENIED])
def test_what_must_be_denied_is_denied(cni: str, mode: str, flow: str, src: Endpoint, dst: Endpoint, port: int,
                                       proto: str) -> None:
    assert not allowed(_policies(cni, mode), src, dst, port, proto, cni=cni), flow


@pytest.mark.parametrize("cni", ["kubernetes", "cilium"])
def test_internet_egress_and_web_ingress_are_standard_mode_only(cni: str) -> None:
    assert allowed(_policies(cni, "standard"), WORKLOAD, INTERNET, 443, "TCP", cni=cni)
    assert not allowed(_policies(cni, "strict"), WORKLOAD, INTERNET, 443, "TCP", cni=cni)
    assert allowed(_policies(cni, "standard"), INTERNET, WORKLOAD, 443, "TCP", cni=cni)
    assert not allowed(_policies(cni, "strict"), INTERNET, WORKLOAD, 443, "TCP", cni=cni)
    assert not allowed(_policies(cni, "standard"), INTERNET, WORKLOAD, 8080, "TCP", cni=cni)


def test_without_cilium_policies_a_cilium_host_would_cut_the_syncer_off() -> None:
    """Why the cilium flavour exists: plain NetworkPolicy cannot reach the API server or admit SNATed LB
    traffic on Cilium, so the kubernetes-flavour set (with the API server's address, as such a platform would
    configure it) evaluated with Cilium's semantics fails both flows."""
    plain = _policies("kubernetes", api_server_cidrs=("10.0.1.139/32",))
    assert not allowed(plain, SYNCER, API_SERVER, 6443, "TCP", cni="cilium")
    assert not allowed(plain, NODE, SYNCER, 8443, "TCP", cni="cilium")
    cilium = _policies("cilium")
    assert allowed(cilium, SYNCER, API_SERVER, 6443, "TCP", cni="cilium")
    assert allowed(cilium, NODE, SYNCER, 8443, "TCP", cni="cilium")


def test_api_server_cidrs_narrow_the_host_api_egress() -> None:
    policies = _policies("kubernetes", api_server_cidrs=("10.0.1.139/32",))
    assert allowed(policies, SYNCER, API_SERVER, 6443, "TCP", cni="kubernetes")
    assert not allowed(policies, SYNCER, host("10.0.9.9"), 6443, "TCP", cni="kubernetes")


def test_opting_out_renders_no_policy_at_all() -> None:
    doc = yaml.safe_load((SHARED / "examples" / "real" / "vcluster-media.yaml").read_text())
    doc["spec"]["networkPolicies"] = {"baseline": False}
    objects = render_all(settings_from_document(doc, PlatformSettings(cni="cilium")))
    assert not [o for o in objects if "NetworkPolicy" in o["kind"]]
    assert allowed([], OTHER_TENANT, SYNCER, 8443, "TCP", cni="cilium")  # the evaluator's open default


def test_platform_settings_come_from_the_environment_and_bad_ones_name_the_variable() -> None:
    settings = platform_from_env({"VCLUSTER_PLATFORM_CNI": "cilium", "VCLUSTER_PLATFORM_LAN_CIDRS": "10.0.0.0/8",
                                  "VCLUSTER_PLATFORM_MONITORING_NAMESPACE": "observability"})
    assert (settings.cni, settings.lan_cidrs, settings.monitoring_namespace) == (
        "cilium", ("10.0.0.0/8",), "observability")
    from vcluster_platform.errors import InvalidRequest

    with pytest.raises(InvalidRequest) as info:
        platform_from_env({"VCLUSTER_PLATFORM_CNI": "calico", "VCLUSTER_PLATFORM_NFS_CIDRS": "10.0.0.1/8"})
    text = str(info.value)
    assert "env VCLUSTER_PLATFORM_CNI" in text and "allowed: kubernetes, cilium" in text
    assert "env VCLUSTER_PLATFORM_NFS_CIDRS" in text and '"10.0.0.1/8"' in text


def test_the_policies_name_the_installation_namespaces() -> None:
    policies = _policies("kubernetes", argocd_namespace="gitops", monitoring_namespace="observability")
    gitops = pod("gitops", "10.244.5.1")
    assert allowed(policies, gitops, SYNCER, 8443, "TCP", cni="kubernetes")
    assert not allowed(policies, ARGOCD, SYNCER, 8443, "TCP", cni="kubernetes")
    assert allowed(policies, pod("observability", "10.244.5.2"), WORKLOAD, 9090, "TCP", cni="kubernetes")


def test_every_policy_is_valid_against_its_schema() -> None:
    from vcluster_platform.schema_store import validate_object

    for cni in ("kubernetes", "cilium"):
        for policy in _policies(cni):
            assert validate_object(copy.deepcopy(policy)) == [], policy["metadata"]["name"]
    assert Path(SHARED / "schemas" / "cilium" / "ciliumnetworkpolicies.yaml").is_file()


def test_long_names_stay_valid_object_names() -> None:
    doc = yaml.safe_load((SHARED / "examples" / "real" / "vcluster-media.yaml").read_text())
    doc["spec"]["name"] = doc["spec"]["targetNamespace"] = doc["spec"]["projectName"] = "t" * 38
    doc["spec"]["networkPolicies"]["extraEgress"][0]["name"] = "p" * 63
    from vcluster_platform.policy import gate

    policies = [o for o in render_all(settings_from_document(doc, PlatformSettings(cni="cilium")))
                if "NetworkPolicy" in o["kind"]]
    assert gate(policies) == []
    names = [p["metadata"]["name"] for p in policies]
    assert all(len(n) <= 63 for n in names) and len(set(names)) == len(names)


EXAMPLES = Path(__file__).resolve().parents[2] / "promises" / "vcluster-orchestrator-v2" / "examples"
WITH_BASELINE = [p.stem for p in sorted(EXAMPLES.glob("*.yaml"))  # embedded-database opts out (an admin's choice)
                 if ((yaml.safe_load(p.read_text())["spec"].get("networkPolicies") or {}).get("baseline", True))]


@pytest.mark.parametrize("cni", ["kubernetes", "cilium"])
@pytest.mark.parametrize("example", WITH_BASELINE)
def test_no_probe_flow_passes_a_rendered_tenants_policies(cni: str, example: str) -> None:
    """Every flow a tenant must not have (another tenant, the internet or Prometheus or the gateway to etcd,
    SSH out, ...) is denied by what every example with the baseline renders; on Cilium, the platform's CNI,
    every needed one is allowed too (plain NetworkPolicy cannot admit SNATed load balancer traffic)."""
    from vcluster_platform.flows.catalogue import tenant_flows

    settings = settings_from_document(yaml.safe_load((EXAMPLES / f"{example}.yaml").read_text()),
                                      PlatformSettings(cni=cni))
    policies = [o for o in render_all(settings) if "NetworkPolicy" in o["kind"]]
    verdicts = {f.name: (f.needed, allowed(policies, f.src, f.dst, f.port, f.proto, cni=cni))
                for f in tenant_flows(settings)}
    assert {"Prometheus to etcd", "gateway to etcd"} <= set(verdicts)
    assert [name for name, (needed, ok) in verdicts.items() if not needed and ok] == []
    if cni == "cilium":
        assert [name for name, (needed, ok) in verdicts.items() if needed and not ok] == []
