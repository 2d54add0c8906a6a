"""Shared test setup: Hypothesis profiles (``ci`` by default, ``thorough`` for long runs).

``ci`` keeps the whole suite fast: 50 examples a property (the property tests scale their own budgets from
``settings.default.max_examples``, so some run fewer). ``thorough`` runs 20 times as many examples, for a long
search before a release or after changing the scheduler: ``HYPOTHESIS_PROFILE=thorough python -m pytest``.
Neither has a deadline (a simulated hour takes longer than Hypothesis' default 200 ms on a busy machine), and
both print the reproduction blob of a failure. ``ci`` is derandomized (a fixed seed per test), so a CI run
checks the same examples every time and never fails on a case an earlier run did not meet; ``thorough`` draws
fresh examples each run, which is where new failures are searched for.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
    derandomize=True,
)
settings.register_profile(
    "thorough",
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
