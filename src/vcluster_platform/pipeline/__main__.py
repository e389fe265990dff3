"""`python -m vcluster_platform.pipeline [configure|delete] [--dry-run]`: the vcluster-orchestrator-v2
pipeline, as the console script `vcluster-platform-pipeline` runs it."""

import sys

from . import main

sys.exit(main())
