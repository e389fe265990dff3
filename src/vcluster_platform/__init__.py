"""vCluster platform on Kratix: request models, renderers, policy gate and pipelines."""

PROMISE_NAME = "vcluster-orchestrator-v2"
API_GROUP = "platform.integratn.tech"
API_VERSION = "v1alpha1"
ARGOCD_NAMESPACE = "argocd"  # where ArgoCD runs and Applications, AppProjects and cluster secrets are rendered
