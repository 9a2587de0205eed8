"""Hypothesis profiles for the explorative tests, and the tally of steps they explored.

`ci` (the default): bounded examples, no deadline (the machine is shared and slow), and under CI=true
derandomized without the example database, so a CI run is reproducible. `HYPOTHESIS_PROFILE=deep` runs
many more and longer walks locally (minutes), keeping failures in .hypothesis/.
"""

from __future__ import annotations

import os
from collections import Counter

from hypothesis import HealthCheck, settings

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
DEEP = os.environ.get("HYPOTHESIS_PROFILE", "ci") == "deep"

settings.register_profile(
    "ci",
    deadline=None,
    derandomize=IN_CI,
    database=None if IN_CI else settings.default.database,
    # Rule preconditions filter draws (a walk waiting on a timer can only let time pass): not a fault.
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    print_blob=True,
)
settings.register_profile("deep", parent=settings.get_profile("ci"), derandomize=False)

# Engine steps (start, complete, fire timers) explored, by test label; printed at the end of the run.
STEPS: Counter[str] = Counter()


def explore(max_examples: int, steps: int) -> settings:
    """Settings for one explorative test: `max_examples` walks of up to `steps` steps (×10 when deep)."""
    name = "deep" if DEEP else "ci"
    scale = 10 if DEEP else 1
    return settings(
        settings.get_profile(name),
        max_examples=max_examples * scale,
        stateful_step_count=steps * (2 if DEEP else 1),
    )
