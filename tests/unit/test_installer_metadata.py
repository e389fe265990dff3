"""The installer's metadata.json for a migrated cluster: the names openshift-install destroy cluster reads."""

from __future__ import annotations

import json

from vsphere_migration.openshift.installer_metadata import cluster_name, metadata, secret


def test_the_cluster_name_comes_from_the_api_url_or_else_from_the_infrastructure_id() -> None:
    assert cluster_name("https://api.prod-east.example.com:6443", "prod-east-x7k2p") == "prod-east"
    assert cluster_name("https://api-int.lab:6443", "lab-cluster-9qz4w") == "lab-cluster"
    assert cluster_name("", "lab-cluster-9qz4w") == "lab-cluster"


def test_the_file_names_the_target_vcenter_once_with_its_login() -> None:
    infra = {"status": {"infrastructureName": "ocp-7xk2p", "apiServerURL": "https://api.ocp.example.com:6443"}}
    content = metadata(infra, "5c2bd1b4", "vc-target.example.com", "svc@vsphere.local", "s3cret")
    assert content["infraID"] == "ocp-7xk2p" and content["clusterID"] == "5c2bd1b4"
    assert content["vsphere"]["VCenters"] == [{"vCenter": "vc-target.example.com", "username": "svc@vsphere.local",
                                               "password": "s3cret"}]
    body = secret("move-metadata", "openshift-config", content)
    assert body["kind"] == "Secret" and "ownerReferences" not in body["metadata"]
    assert json.loads(body["stringData"]["metadata.json"]) == content
