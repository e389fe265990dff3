"""A table of invalid requests: each exits 2, names the field path, and leaves DIR/output empty."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conftest import request

R = request


def _with_meta(**meta: Any) -> dict[str, Any]:
    doc = R()
    doc["metadata"] = meta
    return doc


def _no_domain(doc: dict[str, Any]) -> dict[str, Any]:
    """A request that opts out of the default hostname <name>.<base domain> (an empty base-domain annotation)."""
    doc.setdefault("metadata", {}).setdefault("annotations", {})["platform.integratn.tech/base-domain"] = ""
    return doc


def _set(doc: dict[str, Any], key: str, value: Any) -> dict[str, Any]:
    doc[key] = value
    return doc


CASES: list[tuple[str, Any, str]] = [
    # (id, request document or raw YAML text, field path expected in the message)
    ("empty-file", "", "request-0.yaml"),
    ("whitespace-file", "   \n\n", "request-0.yaml"),
    ("yaml-list", "- a\n- b\n", "request-0.yaml"),
    ("yaml-scalar", "hello\n", "request-0.yaml"),
    ("yaml-syntax", "spec: [unclosed\n", "request-0.yaml"),
    ("two-documents", "a: 1\n---\nb: 2\n", "request-0.yaml"),
    ("duplicate-key-top", "apiVersion: x\napiVersion: y\n", "request-0.yaml"),
    ("duplicate-key-nested", "apiVersion: platform.integratn.tech/v1alpha1\nkind: VClusterOrchestratorV2\n"
     "metadata: {name: a, namespace: b}\nspec:\n  name: a\n  vcluster: {}\n  vcluster: {}\n", "request-0.yaml"),
    ("wrong-kind", _set(R(), "kind", "VClusterOrchestrator"), "kind"),
    ("wrong-api", _set(R(), "apiVersion", "platform.kratix.io/v1alpha1"), "apiVersion"),
    ("no-metadata", _set(R(), "metadata", None), "metadata"),
    ("metadata-list", _set(R(), "metadata", [1]), "metadata"),
    ("no-metadata-name", _with_meta(namespace="platform-requests"), "metadata.name"),
    ("no-metadata-namespace", _with_meta(name="demo"), "metadata.namespace"),
    ("bad-metadata-name", _with_meta(name="Demo!", namespace="x"), "metadata.name"),
    ("no-spec", _set(R(), "spec", None), "spec"),
    ("spec-string", _set(R(), "spec", "x"), "spec"),
    ("spec-no-name", _set(R(), "spec", {"vcluster": {}}), "spec.name"),
    ("name-int", _set(R(), "spec", {"name": 5}), "spec.name"),
    ("name-upper", R("Media"), "spec.name"),
    ("name-underscore", R("me_dia"), "spec.name"),
    ("name-leading-dash", R("-media"), "spec.name"),
    ("name-trailing-dash", R("media-"), "spec.name"),
    ("name-dot", R("me.dia"), "spec.name"),
    ("name-empty", R(""), "spec.name"),
    ("name-64", R("a" * 64), "spec.name"),
    ("name-63", R("a" * 63), "spec.name"),
    ("name-39", R("a" * 39), "spec.name"),
    ("name-space", R("me dia"), "spec.name"),
    ("name-unicode", R("m\u00e9dia"), "spec.name"),
    ("unknown-top", R(colour="blue"), "spec.colour"),
    ("unknown-vcluster", R(vcluster={"size": "L"}), "spec.vcluster.size"),
    ("unknown-resources", R(vcluster={"resources": {"request": {}}}), "spec.vcluster.resources.request"),
    ("unknown-exposure", R(exposure={"type": "LoadBalancer"}), "spec.exposure.type"),
    ("unknown-integrations", R(integrations={"vault": {}}), "spec.integrations.vault"),
    ("unknown-argocdapp", R(argocdApplication={"repo": "x"}), "spec.argocdApplication.repo"),
    ("unknown-netpol", R(networkPolicies={"allowAll": True}), "spec.networkPolicies.allowAll"),
    ("root-level-database", R(vcluster={"database": {"embedded": True}}), "spec.vcluster.database"),
    ("target-ns-upper", R(targetNamespace="VC"), "spec.targetNamespace"),
    ("target-ns-64", R(targetNamespace="n" * 64), "spec.targetNamespace"),
    ("target-ns-request-ns", R(targetNamespace="platform-requests"), "spec.targetNamespace"),
    ("target-ns-kube-system", R(targetNamespace="kube-system"), "spec.targetNamespace"),
    ("target-ns-argocd", R(targetNamespace="argocd"), "spec.targetNamespace"),
    ("target-ns-default", R(targetNamespace="default"), "spec.targetNamespace"),
    ("project-dot", R(projectName="a.b"), "spec.projectName"),
    ("preset-large", R(vcluster={"preset": "large"}), "spec.vcluster.preset"),
    ("preset-int", R(vcluster={"preset": 1}), "spec.vcluster.preset"),
    ("isolation-bad", R(vcluster={"isolationMode": "paranoid"}), "spec.vcluster.isolationMode"),
    ("replicas-string", R(vcluster={"replicas": "three"}), "spec.vcluster.replicas"),
    ("replicas-zero", R(vcluster={"replicas": 0}), "spec.vcluster.replicas"),
    ("replicas-negative", R(vcluster={"replicas": -1}), "spec.vcluster.replicas"),
    ("replicas-ten", R(vcluster={"replicas": 10}), "spec.vcluster.replicas"),
    ("replicas-float", R(vcluster={"replicas": 1.5}), "spec.vcluster.replicas"),
    ("replicas-ha-embedded", R(vcluster={"replicas": 3}), "spec.vcluster.replicas"),
    ("k8s-version-no-v", R(vcluster={"k8sVersion": "1.34.3"}), "spec.vcluster.k8sVersion"),
    ("k8s-version-word", R(vcluster={"k8sVersion": "latest"}), "spec.vcluster.k8sVersion"),
    ("cpu-word", R(vcluster={"resources": {"requests": {"cpu": "lots"}}}), "spec.vcluster.resources.requests.cpu"),
    ("cpu-negative", R(vcluster={"resources": {"requests": {"cpu": "-1"}}}), "spec.vcluster.resources.requests.cpu"),
    ("cpu-zero", R(vcluster={"resources": {"requests": {"cpu": 0}}}), "spec.vcluster.resources.requests.cpu"),
    ("cpu-bool", R(vcluster={"resources": {"limits": {"cpu": True}}}), "spec.vcluster.resources.limits.cpu"),
    ("memory-GB", R(vcluster={"resources": {"limits": {"memory": "2GB"}}}), "spec.vcluster.resources.limits.memory"),
    ("memory-space", R(vcluster={"resources": {"limits": {"memory": "2 Gi"}}}),
     "spec.vcluster.resources.limits.memory"),
    ("memory-list", R(vcluster={"resources": {"limits": {"memory": ["2Gi"]}}}),
     "spec.vcluster.resources.limits.memory"),
    ("memory-limit-below-request", R(vcluster={"resources": {"requests": {"memory": "2Gi"},
                                                             "limits": {"memory": "1Gi"}}}),
     "spec.vcluster.resources.limits.memory"),
    ("cpu-limit-below-request", R(vcluster={"resources": {"requests": {"cpu": "2"}, "limits": {"cpu": "1500m"}}}),
     "spec.vcluster.resources.limits.cpu"),
    ("request-above-preset-limit", R(vcluster={"resources": {"requests": {"memory": "3Gi"}}}),
     "spec.vcluster.resources.requests.memory"),
    ("prod-cpu-above-limit", R(vcluster={"preset": "prod", "resources": {"requests": {"cpu": "3"}}}),
     "spec.vcluster.resources.requests.cpu"),
    ("persistence-enabled-string", R(vcluster={"persistence": {"enabled": "maybe"}}),
     "spec.vcluster.persistence.enabled"),
    ("persistence-size-bad", R(vcluster={"persistence": {"size": "ten"}}), "spec.vcluster.persistence.size"),
    ("storage-class-upper", R(vcluster={"persistence": {"storageClass": "NFS"}}),
     "spec.vcluster.persistence.storageClass"),
    ("coredns-zero", R(vcluster={"coredns": {"replicas": 0}}), "spec.vcluster.coredns.replicas"),
    ("coredns-eleven", R(vcluster={"coredns": {"replicas": 11}}), "spec.vcluster.coredns.replicas"),
    ("cluster-domain-bad", R(vcluster={"networking": {"clusterDomain": "Cluster_Local"}}),
     "spec.vcluster.networking.clusterDomain"),
    ("both-backing-stores", R(vcluster={"backingStore": {"etcd": {"deploy": {"enabled": True}},
                                                          "database": {"embedded": {"enabled": True}}}}),
     "spec.vcluster.backingStore"),
    ("both-backing-stores-by-presence", R(vcluster={"backingStore": {
        "etcd": {"deploy": {"statefulSet": {"highAvailability": {"replicas": 3}}}},
        "database": {"embedded": {"extraArgs": []}}}}), "spec.vcluster.backingStore"),
    ("etcd-external", R(vcluster={"backingStore": {"etcd": {"external": {"enabled": True}}}}),
     "spec.vcluster.backingStore.etcd.external.enabled"),
    ("etcd-unknown-chart-key", R(vcluster={"backingStore": {"etcd": {"deploy": {"statefulSet": {"imag": "x"}}}}}),
     "spec.vcluster.backingStore.etcd.deploy.statefulSet"),
    ("settings-under-unused-store", R(vcluster={"backingStore": {
        "etcd": {"deploy": {"enabled": False, "statefulSet": {"highAvailability": {"replicas": 3}}}}}}),
     "spec.vcluster.backingStore.etcd"),
    ("overrides-enable-second-store", R(vcluster={"preset": "prod", "helmOverrides": {"controlPlane": {
        "backingStore": {"database": {"embedded": {"enabled": True}}}}}}), "spec.vcluster.helmOverrides"),
    ("etcd-even", R(vcluster={"preset": "prod", "backingStore": {"etcd": {"deploy": {"statefulSet": {
        "highAvailability": {"replicas": 2}}}}}}),
     "spec.vcluster.backingStore.etcd.deploy.statefulSet.highAvailability.replicas"),
    ("etcd-eight", R(vcluster={"backingStore": {"etcd": {"deploy": {"statefulSet": {
        "highAvailability": {"replicas": 8}}}}}}),
     "spec.vcluster.backingStore.etcd.deploy.statefulSet.highAvailability.replicas"),
    ("database-disabled-with-two-replicas", R(vcluster={"replicas": 2, "backingStore": {
        "database": {"embedded": {"enabled": True}}}}), "spec.vcluster.replicas"),
    ("export-server-http", R(vcluster={"exportKubeConfig": {"server": "http://x"}}),
     "spec.vcluster.exportKubeConfig.server"),
    ("helm-overrides-list", R(vcluster={"helmOverrides": [1]}), "spec.vcluster.helmOverrides"),
    ("helm-overrides-unknown-key", R(vcluster={"helmOverrides": {"telemetry": {"disabled": True}}}),
     "spec.vcluster.helmOverrides"),
    ("helm-overrides-root-resources", R(vcluster={"helmOverrides": {"resources": {}}}),
     "spec.vcluster.helmOverrides"),
    ("helm-overrides-service-type", R(vcluster={"helmOverrides": {"controlPlane": {"service": {"type": "LB"}}}}),
     "spec.vcluster.helmOverrides"),
    ("helm-overrides-storageclasses-both", R(vcluster={"helmOverrides": {"sync": {
        "toHost": {"storageClasses": {"enabled": True}}, "fromHost": {"storageClasses": {"enabled": True}}}}}),
     "spec.vcluster.helmOverrides"),
    ("hostname-bad", R(exposure={"hostname": "Media!.tech"}), "spec.exposure.hostname"),
    ("subnet-not-cidr", R(exposure={"subnet": "10.0.4.0"}), "spec.exposure.subnet"),
    ("subnet-host-bits", R(exposure={"subnet": "10.0.4.1/24"}), "spec.exposure.subnet"),
    ("subnet-ipv6", R(exposure={"subnet": "fd00::/64"}), "spec.exposure.subnet"),
    ("subnet-octet", R(exposure={"subnet": "10.0.400.0/24"}), "spec.exposure.subnet"),
    ("vip-bad", R(exposure={"vip": "10.0.4"}), "spec.exposure.vip"),
    ("vip-ipv6", R(exposure={"vip": "fd00::1"}), "spec.exposure.vip"),
    ("vip-outside", R(exposure={"subnet": "10.0.4.0/24", "vip": "10.0.5.10"}), "spec.exposure.vip"),
    ("vip-network", R(exposure={"subnet": "10.0.4.0/24", "vip": "10.0.4.0"}), "spec.exposure.vip"),
    ("vip-broadcast", R(exposure={"subnet": "10.0.4.0/24", "vip": "10.0.4.255"}), "spec.exposure.vip"),
    ("offset-broadcast", R(exposure={"subnet": "10.0.4.0/24", "vipOffset": 255}), "spec.exposure.vipOffset"),
    ("offset-past-subnet", R(exposure={"subnet": "10.0.4.0/24", "vipOffset": 300}), "spec.exposure.vipOffset"),
    ("offset-past-small-subnet", R(exposure={"subnet": "10.0.4.0/28", "vipOffset": 100}),
     "spec.exposure.vipOffset"),
    ("offset-zero", R(exposure={"subnet": "10.0.4.0/24", "vipOffset": 0}), "spec.exposure.vipOffset"),
    ("offset-without-subnet", R(exposure={"vipOffset": 10}), "spec.exposure.vipOffset"),
    ("offset-and-vip", R(exposure={"subnet": "10.0.4.0/24", "vip": "10.0.4.7", "vipOffset": 10}),
     "spec.exposure.vipOffset"),
    ("subnet-too-small", R(exposure={"subnet": "10.0.4.0/31", "vipOffset": 1}), "spec.exposure"),
    ("port-zero", R(exposure={"apiPort": 0}), "spec.exposure.apiPort"),
    ("port-high", R(exposure={"apiPort": 70000}), "spec.exposure.apiPort"),
    ("port-string", R(exposure={"apiPort": "https"}), "spec.exposure.apiPort"),
    ("mode-bad", R(exposure={"mode": "ingress"}), "spec.exposure.mode"),
    ("tlsroute-without-hostname", _no_domain(R(exposure={"mode": "tlsRoute"})), "spec.exposure.mode"),
    ("httproute-without-hostname", _no_domain(R(exposure={"mode": "httpRoute"})), "spec.exposure.mode"),
    ("lb-without-address", _no_domain(R(exposure={"mode": "loadBalancer"})), "spec.exposure.mode"),
    ("base-domain-bad", _set(R(), "metadata", {"name": "x", "namespace": "platform-requests", "annotations": {
        "platform.integratn.tech/base-domain": "Not A Domain"}}), "metadata.annotations.platform.integratn.tech"),
    ("gateway-no-name", R(exposure={"hostname": "a.b", "gateway": {"namespace": "gw"}}),
     "spec.exposure.gateway.name"),
    ("issuer-kind-bad", R(integrations={"certManager": {"issuerKind": "Vault"}}),
     "spec.integrations.certManager.issuerKind"),
    ("issuer-selector-bad-key", R(integrations={"certManager": {"clusterIssuerSelectorLabels": {"a b": "x"}}}),
     "spec.integrations.certManager.clusterIssuerSelectorLabels"),
    ("store-name-bad", R(integrations={"externalSecrets": {"clusterSecretStoreName": "One Password"}}),
     "spec.integrations.externalSecrets.clusterSecretStoreName"),
    ("environment-bad", R(integrations={"argocd": {"environment": "Prod Env"}}),
     "spec.integrations.argocd.environment"),
    ("cluster-label-value-long", R(integrations={"argocd": {"clusterLabels": {"team": "x" * 64}}}),
     "spec.integrations.argocd.clusterLabels"),
    ("cluster-label-value-quote", R(integrations={"argocd": {"clusterLabels": {"team": "a\"b"}}}),
     "spec.integrations.argocd.clusterLabels"),
    ("cluster-label-dollar", R(integrations={"argocd": {"clusterLabels": {"team": "$(id)"}}}),
     "spec.integrations.argocd.clusterLabels"),
    ("workload-repo-http", R(integrations={"argocd": {"workloadRepo": {"url": "http://insecure"}}}),
     "spec.integrations.argocd.workloadRepo.url"),
    ("server-url-bad", R(integrations={"argocd": {"serverUrl": "public"}}), "spec.integrations.argocd.serverUrl"),
    ("vault-quote", R(integrations={"onePassword": {"vault": "home\"lab"}}), "spec.integrations.onePassword.vault"),
    ("connect-host-path", R(integrations={"onePassword": {"connectHost": "https://x/$(id)"}}),
     "spec.integrations.onePassword.connectHost"),
    ("connect-host-ftp", R(integrations={"onePassword": {"connectHost": "ftp://x"}}),
     "spec.integrations.onePassword.connectHost"),
    ("repo-http", R(argocdApplication={"repoURL": "http://charts.loft.sh"}), "spec.argocdApplication.repoURL"),
    ("chart-upper", R(argocdApplication={"chart": "VCluster"}), "spec.argocdApplication.chart"),
    ("revision-range", R(argocdApplication={"targetRevision": "0.30.x"}), "spec.argocdApplication.targetRevision"),
    ("revision-unsupported", R(argocdApplication={"targetRevision": "0.20.0"}),
     "spec.argocdApplication.targetRevision"),
    ("revision-0.32", R(argocdApplication={"targetRevision": "0.32.0"}), "spec.argocdApplication.targetRevision"),
    ("destination-http", R(argocdApplication={"destinationServer": "http://k"}),
     "spec.argocdApplication.destinationServer"),
    ("sync-option-no-equals", R(argocdApplication={"syncPolicy": {"syncOptions": ["Prune"]}}),
     "spec.argocdApplication.syncPolicy.syncOptions"),
    ("sync-automated-string", R(argocdApplication={"syncPolicy": {"automated": {"prune": "yes please"}}}),
     "spec.argocdApplication.syncPolicy.automated.prune"),
    ("egress-without-baseline", R(networkPolicies={"baseline": False, "extraEgress": [
        {"name": "db", "cidr": "10.0.0.0/8", "port": 5432}]}), "spec.networkPolicies.extraEgress"),
    ("nfs-without-baseline", R(networkPolicies={"baseline": False, "enableNFS": True}),
     "spec.networkPolicies.enableNFS"),
    ("strict-without-baseline", R(vcluster={"isolationMode": "strict"}, networkPolicies={"baseline": False}),
     "spec.networkPolicies.baseline"),
    ("baseline-not-bool", R(networkPolicies={"baseline": "sometimes"}), "spec.networkPolicies.baseline"),
    ("root-service-override", R(vcluster={"helmOverrides": {"service": {"type": "LoadBalancer"}}}),
     "the chart has 'service' at controlPlane.service"),
    ("sync-option-not-string", R(argocdApplication={"syncPolicy": {"syncOptions": [{"CreateNamespace": True}]}}),
     "spec.argocdApplication.syncPolicy.syncOptions[0]"),
    ("nfs-cidr-without-nfs", R(vcluster={"isolationMode": "strict"}, networkPolicies={"nfsCIDR": "10.0.0.0/8"}),
     "spec.networkPolicies.nfsCIDR"),
    ("egress-bad-cidr", R(vcluster={"isolationMode": "strict"},
                          networkPolicies={"extraEgress": [{"name": "db", "cidr": "10.0.0.1/8", "port": 1}]}),
     "spec.networkPolicies.extraEgress[0].cidr"),
    ("egress-bad-port", R(vcluster={"isolationMode": "strict"},
                          networkPolicies={"extraEgress": [{"name": "db", "cidr": "10.0.0.0/8", "port": 0}]}),
     "spec.networkPolicies.extraEgress[0].port"),
    ("egress-bad-protocol", R(vcluster={"isolationMode": "strict"}, networkPolicies={"extraEgress": [
        {"name": "db", "cidr": "10.0.0.0/8", "port": 1, "protocol": "ICMP"}]}),
     "spec.networkPolicies.extraEgress[0].protocol"),
    ("egress-missing-name", R(vcluster={"isolationMode": "strict"},
                              networkPolicies={"extraEgress": [{"cidr": "10.0.0.0/8", "port": 1}]}),
     "spec.networkPolicies.extraEgress[0].name"),
    ("egress-duplicate-names", R(vcluster={"isolationMode": "strict"}, networkPolicies={"extraEgress": [
        {"name": "db", "cidr": "10.0.0.0/8", "port": 1}, {"name": "db", "cidr": "10.0.0.0/8", "port": 2}]}),
     "spec.networkPolicies.extraEgress"),
    ("egress-not-list", R(vcluster={"isolationMode": "strict"}, networkPolicies={"extraEgress": {"name": "db"}}),
     "spec.networkPolicies.extraEgress"),
]


def test_table_is_large_enough() -> None:
    assert len(CASES) >= 100
    assert len({case_id for case_id, _, _ in CASES}) == len(CASES)


@pytest.mark.parametrize(("doc", "path"), [(doc, path) for _, doc, path in CASES], ids=[c[0] for c in CASES])
def test_invalid_request_is_rejected_cleanly(render: Any, capsys: pytest.CaptureFixture[str], doc: Any,
                                             path: str) -> None:
    code, out = render(doc)
    err = capsys.readouterr().err
    assert code == 2, err
    assert path in err, err
    assert "Traceback" not in err
    assert list((Path(out) / "output").iterdir()) == []
    assert "phase: Failed" in (Path(out) / "metadata" / "status.yaml").read_text()
