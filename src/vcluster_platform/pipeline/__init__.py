"""Kratix pipeline entry points (configure, delete) on kratix-sdk."""


def main() -> int:
    """The `vcluster-platform-pipeline` console script.

    A pipeline run is a short process that allocates much and frees little before it exits, so the cyclic
    garbage collector is switched off before anything is loaded: its passes over the import-time objects cost
    a configure run about a tenth of its time, and what it would reclaim is returned at exit anyway.
    """
    import gc

    gc.disable()
    from .__main__ import main as run_pipeline

    return run_pipeline()
