"""The promises' pipelines side by side on one runtime: `vcluster` (the vcluster-orchestrator-v2 promise:
configure.py, delete.py, checks, identity, status) and `argocd` (the argocd-project and argocd-application
promises), both on the Kratix file contract (runtime.py) and one harness (harness.py: arguments, exit codes, a
status for every outcome). `kratix_schema` is Kratix's Pipeline type, which `validate` checks promise files
against.

Nothing is imported here: a pipeline run loads only what its workflow needs.
"""


def _quiet_collector() -> None:
    """A pipeline run is a short process that allocates much and frees little before it exits: the cyclic
    garbage collector is switched off before anything is loaded (its passes over the import-time objects cost
    a configure run about a tenth of its time; what it would reclaim is returned at exit anyway)."""
    import gc

    gc.disable()


def main() -> int:
    """The `vcluster-platform-pipeline` console script."""
    _quiet_collector()
    from .vcluster import main as run_pipeline

    return run_pipeline()


def argocd_main() -> int:
    """The `argocd-promise-pipeline` console script."""
    _quiet_collector()
    from .argocd import main as run_pipeline

    return run_pipeline()
