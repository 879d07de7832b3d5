"""Shared test setup: Hypothesis profiles.

`ci` (chosen by HYPOTHESIS_PROFILE=ci, or when CI is set) is derandomised so a CI run is
reproducible, and has no deadline because CI machines are noisy; locally the default applies.
Tests that need a bound on their own run time set `max_examples` themselves.
"""

import os

from hypothesis import settings

settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else
                                                                "default"))
