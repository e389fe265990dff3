"""Prints `<Dockerfile target>|<image>` for each image, from where the image names are declared:
the promise definitions (pipelines) and the controllers' Deployments."""

from __future__ import annotations

from pathlib import Path

import yaml

from vcluster_platform.generate.promises import IMAGE_REGISTRY, IMAGE_TAG, PROMISES

REPO = Path(__file__).resolve().parents[2]
DEPLOYMENTS = {"migration-controller": REPO / "deploy" / "vsphere-migration" / "deployment.yaml",
               "status-reconciler": REPO / "deploy" / "vcluster-status" / "deployment.yaml"}
TARGET_BY_ENTRY_POINT = {"vcluster-platform-pipeline": "vcluster-pipeline",
                         "argocd-promise-pipeline": "argocd-pipeline"}


def images() -> dict[str, str]:
    """Dockerfile target → image reference."""
    found = {TARGET_BY_ENTRY_POINT[p.entry_point]: f"{IMAGE_REGISTRY}/{p.image}:{IMAGE_TAG}" for p in PROMISES}
    for target, path in DEPLOYMENTS.items():
        deployment = yaml.safe_load(path.read_text())
        found[target] = deployment["spec"]["template"]["spec"]["containers"][0]["image"]
    return found


if __name__ == "__main__":
    for target, image in images().items():
        print(f"{target}|{image}")
