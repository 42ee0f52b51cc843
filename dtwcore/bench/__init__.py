"""Benchmarks against peer libraries on the same data in the same process.

``python -m dtwcore.bench`` times the DTW engine (:mod:`dtwcore.bench.dtw`);
``python -m dtwcore.bench.shapes`` the clustering (:mod:`dtwcore.bench.shapes`);
``python -m dtwcore.bench.mix`` the product mix against HiGHS (:mod:`dtwcore.bench.mix`).
"""

from __future__ import annotations

import json
import platform
from pathlib import Path

__all__ = ["write_json"]


def write_json(out: str | Path, fields: dict[str, object]) -> None:
    """Write a benchmark's results to ``out`` (folders created) as indented JSON: the
    machine (CPU and Python version) first, then ``fields``; say where on stdout."""
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    machine = {
        "cpu": platform.processor() or platform.machine(),
        "python": platform.python_version(),
    }
    path.write_text(json.dumps({"machine": machine, **fields}, indent=2))
    print(f"\nwritten to {path}")
