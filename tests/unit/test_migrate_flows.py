"""The flow level of `migrate check`: the running tenant's policies and ours on the same flows. With the
shipped promise the production media request keeps every flow the running tenant has; with the platform's CNI
set wrong the check fails naming the load-balancer and DNS flows it would cut."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from typing import Any

import pytest
import yaml

from conftest import SHARED
from vcluster_platform.cli import main
from vcluster_platform.flows.catalogue import tenant_flows
from vcluster_platform.flows.compare import cni_of, compare_flows
from vcluster_platform.manifests import objects_of
from vcluster_platform.models import settings_from_document

RUNNING = SHARED / "examples" / "real" / "vcluster-media-running"
MEDIA = SHARED / "examples" / "real" / "vcluster-media.yaml"


def check(*extra: str) -> tuple[int, dict[str, Any]]:
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(["migrate", "check", "--v1", str(RUNNING), "--v2", str(MEDIA), "--output", "json", *extra])
    return code, json.loads(out.getvalue())


def test_with_the_shipped_promise_the_media_takeover_keeps_every_flow() -> None:
    code, report = check()
    assert code == 0 and report["blocking"] is False
    flows = report["flows"]
    assert flows["cni"] == "cilium" and flows["blocking"] == [] and flows["checked"] >= 20
    assert not [f for f in flows["narrowed"] if f["needed"]]


def test_with_the_wrong_cni_setting_the_check_names_the_load_balancer_and_dns_flows(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VCLUSTER_PLATFORM_CNI", "kubernetes")
    code, report = check()
    assert code == 1 and report["blocking"] is True
    cut = {(f["flow"], f["port"]) for f in report["flows"]["blocking"]}
    assert ("load balancer via a node (SNAT) to the vCluster API", 8443) in cut
    assert ("a client to the vCluster API through the load balancer", 8443) in cut
    assert ("workload to node-local DNS", 53) in cut and ("control plane to node-local DNS", 53) in cut
    snat = next(f for f in report["flows"]["blocking"] if f["port"] == 8443)
    assert snat["runningPolicies"] == ["CiliumNetworkPolicy allow-vcluster-lb-snat"]  # what allowed it today


def test_the_text_report_names_source_destination_port_and_the_running_policy(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VCLUSTER_PLATFORM_CNI", "kubernetes")
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["migrate", "check", "--v1", str(RUNNING), "--v2", str(MEDIA)]) == 1
    text = out.getvalue()
    assert "BLOCKING  workload to node-local DNS: vcluster-media/vcluster.loft.sh/managed-by=vcluster-media → " \
           "169.254.116.108 (host):53/UDP" in text
    assert "(CiliumNetworkPolicy allow-coredns-to-host-dns)" in text
    assert "FAIL: the switch would cut network flows the running vCluster needs" in text


def test_a_wider_running_side_is_a_narrowing_and_a_wider_ours_is_new() -> None:
    settings = settings_from_document(yaml.safe_load(MEDIA.read_text()))
    ours = objects_of(MEDIA)
    flows = tenant_flows(settings)
    open_running: list[dict[str, Any]] = []  # no policy at all: everything passes today
    report = compare_flows(open_running, ours, flows, "cilium")
    narrowed = {c.flow.name for c in report.narrowed}
    assert {"another tenant to etcd", "the internet to etcd", "workload to the internet over SSH"} <= narrowed
    assert report.blocking == [] and report.new == []
    deny_all = [{"kind": "NetworkPolicy", "metadata": {"name": "deny", "namespace": settings.target_namespace},
                 "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}}]
    report = compare_flows(deny_all, ours, flows, "cilium")
    assert {c.flow.name for c in report.new} >= {"control plane to etcd", "workload to NFS 10.0.0.0/8"}


def test_the_cni_comes_from_the_renders() -> None:
    cnp = {"kind": "CiliumNetworkPolicy", "metadata": {"name": "x", "namespace": "n"}, "spec": {}}
    np = {"kind": "NetworkPolicy", "metadata": {"name": "y", "namespace": "n"}, "spec": {}}
    assert cni_of([cnp, np], []) == "cilium"
    assert cni_of([np], [cnp]) == "kubernetes"  # the running side's policies decide when it has any
    assert cni_of([], [cnp]) == "cilium" and cni_of([], [np]) == "kubernetes"


def test_the_cni_flag_overrides_what_the_renders_say() -> None:
    code, report = check("--cni", "kubernetes")
    assert report["flows"]["cni"] == "kubernetes"  # both sides' CiliumNetworkPolicies count for nothing there
    assert code == 0 and report["flows"]["blocking"] == []  # and their plain NetworkPolicies agree


def test_the_handover_keeps_every_needed_flow_at_every_moment() -> None:
    """Today's policies alone (phase 2), both sets (phase 3 to 5: today's kept with Prune=false), ours alone
    (after phase 5): a needed flow the running tenant has is allowed in each."""
    from vcluster_platform.flows.evaluate import allowed

    running = objects_of(RUNNING)
    ours = objects_of(MEDIA)
    settings = settings_from_document(yaml.safe_load(MEDIA.read_text()))
    policies = [o for o in running if "NetworkPolicy" in str(o.get("kind"))]
    mine = [o for o in ours if "NetworkPolicy" in str(o.get("kind"))]
    needed = [f for f in tenant_flows(settings) if f.needed and allowed(policies, f.src, f.dst, f.port, f.proto,
                                                                         cni="cilium")]
    assert len(needed) >= 15
    for moment, in_force in (("before", policies), ("during", policies + mine), ("after", mine)):
        cut = [f.name for f in needed if not allowed(in_force, f.src, f.dst, f.port, f.proto, cni="cilium")]
        assert cut == [], moment


def test_the_takeover_plan_keeps_today_s_policies_until_ours_are_proven() -> None:
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["migrate", "check", "--v1", str(RUNNING), "--v2", str(MEDIA), "--plan"]) == 0
    text = out.getvalue()
    protect, switch, cleanup = (text.index(h) for h in ("2. Protect", "3. Switch", "5. Clean up"))
    policies = [f"{o['kind'].lower()}/{o['metadata']['name']}" for o in objects_of(RUNNING)
                if "NetworkPolicy" in str(o.get("kind"))]
    assert len(policies) >= 8
    for policy in policies:
        keep = text.index(f"{policy} argocd.argoproj.io/sync-options=Prune=false")
        drop = text.index(f"kubectl delete -n vcluster-media {policy}")
        assert protect < keep < switch and drop > cleanup, policy
