"""Test-wide setup: fixtures for the real components, and hypothesis profiles.

CI must be deterministic: the default profile ("ci") derandomizes every property test and keeps no
example database, so a run is the same on every fresh checkout. `tools/explore.sh` selects the
"explore" profile, which draws fresh random examples under the seeds it is given.
"""
import os

from hypothesis import settings

from fixtures_graph import *  # noqa: F401,F403
from fixtures_samba import *  # noqa: F401,F403

settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("explore", derandomize=False, database=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
