"""Live status of VClusterOrchestratorV2 requests: is the tenant's vCluster up and working?

The configure pipeline writes the static part of the status contract (endpoints, credentials, the names of
what it rendered); this reconciler keeps the live part current from ArgoCD, the tenant's pods and its
kubeconfig. It imports nothing of the pipeline: its image carries neither pydantic nor the renderers.
"""
