"""Shared test settings.

Hypothesis's per-example deadline is off: these machines are shared and
noisy, and timing must not decide a test. Example counts are kept small so
the whole suite runs in a few minutes on two cores.
"""

import os

import matplotlib
from hypothesis import HealthCheck, settings

matplotlib.use("Agg")

# Under CI (CI=true) the examples are drawn from a fixed seed, so that a
# run is reproducible; elsewhere each run draws new ones and may find more.
settings.register_profile(
    "numpycae",
    deadline=None,
    derandomize=bool(os.environ.get("CI")),
    max_examples=int(os.environ.get("NUMPYCAE_HYPOTHESIS_EXAMPLES", 40)),
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("numpycae")
