"""Counts for the reliability summary: what was tried, and what was lost.

Counts live in this process; :mod:`tests.reliability.plugin` writes them to the file named
by ``DTW_RELIABILITY_LEDGER`` when the pytest session ends. Without the plugin they are
simply not written, so tests can always call :func:`record`.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from pathlib import Path

# What the summary reports; anything else is a programming error.
KINDS = ("inputs", "sessions", "faults", "runs", "lost")

_counts: Counter[tuple[str, str]] = Counter()
_lock = threading.Lock()


def record(kind: str, area: str, n: int = 1) -> None:
    """Add ``n`` to the count of ``kind`` (one of :data:`KINDS`) for ``area``.

    ``area`` names what was exercised, e.g. ``"load_catalog"`` or ``"sales page"``.
    Record ``lost`` with ``n=0`` to say "checked, nothing lost" so the area shows up.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown ledger kind {kind!r}; use one of {', '.join(KINDS)}")
    with _lock:
        _counts[(kind, area)] += n


def snapshot() -> list[dict[str, object]]:
    """The counts so far, as JSON-ready rows."""
    with _lock:
        return [{"kind": k, "area": a, "n": n} for (k, a), n in sorted(_counts.items())]


def write(path: Path, outcomes: dict[str, int], seconds: float) -> None:
    """Write the counts and the test outcomes to ``path`` (JSON)."""
    path.write_text(
        json.dumps(
            {"counts": snapshot(), "outcomes": outcomes, "seconds": seconds},
            indent=1,
        )
    )
