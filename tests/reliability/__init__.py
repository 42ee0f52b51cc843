"""Reliability checks (issue 7): fuzzing, many sessions at once, faults, nothing lost.

Two sizes, chosen by the environment variable ``DTW_RELIABILITY``:

* unset or ``fast`` (the normal ``make test`` run): a small number of generated inputs per
  property and the smallest session counts that still show the behaviour;
* ``full`` (``make reliability``): at least :data:`FULL_EXAMPLES` generated inputs per
  property, every session count at full size.

Tests call :func:`record` to count what they tried (inputs, sessions, faults, runs) and
what was lost; ``scripts/reliability.py`` collects the counts through
:mod:`tests.reliability.plugin` and prints the summary.
"""

from __future__ import annotations

import os

from tests.reliability.ledger import record
from tests.reliability.limits import no_hang

__all__ = [
    "FULL", "FULL_EXAMPLES", "examples", "fuzz_settings", "no_hang", "outcome", "record", "size",
]  # fmt: skip

FULL = os.environ.get("DTW_RELIABILITY", "fast").strip().lower() == "full"
FULL_EXAMPLES = 1000


def examples(fast: int, full: int = FULL_EXAMPLES) -> int:
    """How many generated inputs a property gets in this run."""
    return full if FULL else fast


def size(fast: int, full: int) -> int:
    """Any other count (sessions, runs, repetitions) for this run."""
    return full if FULL else fast


def fuzz_settings(fast: int = 60, full: int = FULL_EXAMPLES):  # noqa: ANN201
    """Hypothesis settings for a fuzz property: no deadline (the machine is shared; hangs
    are caught by :func:`no_hang` instead), no example database in the repository, and the
    failing input printed so it can be replayed. The normal run uses the same inputs
    every time (a test run that passes passes again); ``make reliability`` new ones."""
    from hypothesis import HealthCheck, settings

    return settings(
        max_examples=examples(fast, full),
        deadline=None,
        database=None,
        derandomize=not FULL,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


def outcome(text: str) -> None:
    """Count an outcome in hypothesis' statistics (``--hypothesis-show-statistics``, which
    ``make reliability`` turns on), so the logs show how inputs ended; outside a
    hypothesis test it does nothing."""
    from hypothesis import currently_in_test_context, event

    if currently_in_test_context():
        event(text)
