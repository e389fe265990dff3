"""`python -m vcluster_platform.generate [--check]`."""

import sys

from . import main

sys.exit(main())
