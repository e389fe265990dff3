"""Hypothesis strategies for valid VClusterOrchestratorV2 requests."""

from __future__ import annotations

import ipaddress
from typing import Any

from hypothesis import strategies as st

from vcluster_platform.models.names import TENANT_NAME_MAX

_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"
NASTY = ["$(id)", "`reboot`", "'quote'", '"dq"', "a\nb", "${HOME}", "; rm -rf /", "\\", "{{ .x }}"]


@st.composite
def dns_label(draw: Any, max_len: int = 20) -> str:
    size = draw(st.integers(1, max_len))
    if size == 1:
        return str(draw(st.sampled_from(_ALNUM)))
    middle = draw(st.text(alphabet=_ALNUM + "-", min_size=size - 2, max_size=size - 2))
    return draw(st.sampled_from(_ALNUM)) + middle + draw(st.sampled_from(_ALNUM))


CPU = st.sampled_from(["100m", "200m", "250m", "500m", "1", "1500m", "2", "4"])
MEMORY = st.sampled_from(["256Mi", "512Mi", "768Mi", "1Gi", "1536Mi", "2Gi", "4Gi"])


@st.composite
def resources(draw: Any) -> dict[str, Any]:
    """Requests and limits given together (limits >= requests), so no preset value can undercut them."""
    from vcluster_platform.models.quantity import parse_quantity

    out: dict[str, Any] = {"requests": {}, "limits": {}}
    for key, values in (("cpu", CPU), ("memory", MEMORY)):
        low, high = sorted([draw(values), draw(values)], key=parse_quantity)
        out["requests"][key], out["limits"][key] = low, high
    return out


@st.composite
def subnet_and_offset(draw: Any) -> tuple[str, int]:
    prefix = draw(st.integers(16, 29))
    base = draw(st.integers(0, 2**32 - 1)) & ~((1 << (32 - prefix)) - 1)
    net = ipaddress.IPv4Network((base, prefix))
    return str(net), draw(st.integers(1, net.num_addresses - 2))


@st.composite
def valid_request(draw: Any) -> dict[str, Any]:
    name = draw(dns_label(TENANT_NAME_MAX))
    preset = draw(st.sampled_from([None, "dev", "prod"]))
    strict = draw(st.booleans())
    vcluster: dict[str, Any] = {}
    if preset:
        vcluster["preset"] = preset
    if strict:
        vcluster["isolationMode"] = "strict"
    if draw(st.booleans()):
        vcluster["resources"] = draw(resources())
    if draw(st.booleans()):
        vcluster["persistence"] = {"enabled": draw(st.booleans()), "size": draw(st.sampled_from(["5Gi", "20Gi"]))}
        if draw(st.booleans()):
            vcluster["persistence"]["storageClass"] = draw(dns_label())
    if draw(st.booleans()):
        vcluster["coredns"] = {"replicas": draw(st.integers(1, 10))}
    if draw(st.booleans()):
        vcluster["k8sVersion"] = draw(st.sampled_from(["v1.32.4", "v1.33.1", "v1.34.3"]))
    store = draw(st.sampled_from([None, "etcd", "database"]))
    if store == "etcd":
        vcluster["backingStore"] = {"etcd": {"deploy": {"enabled": True, "statefulSet": {
            "highAvailability": {"replicas": draw(st.sampled_from([1, 3, 5]))}}}}}
        vcluster["replicas"] = draw(st.integers(1, 5))
    elif store == "database":
        vcluster["backingStore"] = {"database": {"embedded": {"enabled": True}}}
        vcluster["replicas"] = 1
    spec: dict[str, Any] = {"name": name, "vcluster": vcluster}
    exposure: dict[str, Any] = {}
    mode = draw(st.sampled_from(["none", "tlsRoute", "httpRoute", "loadBalancer", "default"]))
    if mode in ("tlsRoute", "httpRoute", "default") or draw(st.booleans()):
        exposure["hostname"] = f"{draw(dns_label())}.{draw(dns_label(10))}.tech"
    if mode == "loadBalancer" or draw(st.booleans()):
        subnet, offset = draw(subnet_and_offset())
        exposure["subnet"] = subnet
        if offset > 0 and (ipaddress.IPv4Network(subnet).num_addresses <= 201 or draw(st.booleans())):
            exposure["vipOffset"] = offset  # the default offset (200) only fits subnets of /24 or larger
    if mode != "default":
        exposure["mode"] = mode
    if mode != "loadBalancer" and draw(st.booleans()):
        exposure["apiPort"] = draw(st.integers(1, 65535))
    spec["exposure"] = exposure
    spec["integrations"] = {"argocd": {
        "clusterLabels": draw(st.dictionaries(dns_label(10), dns_label(10), max_size=3)),
        "clusterAnnotations": draw(st.dictionaries(dns_label(10), st.sampled_from(NASTY), max_size=3)),
    }}
    if draw(st.booleans()):
        spec["integrations"]["argocd"]["workloadRepo"] = {"url": "https://github.com/org/apps", "path": "apps/"}
    spec["argocdApplication"] = {"targetRevision": draw(st.sampled_from(["0.30.4", "0.31.1", "0.33.4"]))}
    if strict:
        spec["networkPolicies"] = {"enableNFS": draw(st.booleans()), "extraEgress": [
            {"name": f"rule-{i}", "cidr": "10.0.0.0/8", "port": draw(st.integers(1, 65535)),
             "protocol": draw(st.sampled_from(["TCP", "UDP"]))} for i in range(draw(st.integers(0, 3)))]}
    annotations = {"platform.integratn.tech/reconcile-at": draw(st.sampled_from(NASTY))} if draw(
        st.booleans()) else {}
    return {
        "apiVersion": "platform.integratn.tech/v1alpha1",
        "kind": "VClusterOrchestratorV2",
        "metadata": {"name": name, "namespace": "platform-requests", "annotations": annotations},
        "spec": spec,
    }
