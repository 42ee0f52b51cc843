"""Time to decide on one clip: features of a 1 s clip plus its distances to 50 templates.

What a wake-word check costs once the model is loaded (it is loaded once per process and
warmed first; that load is reported separately). Clips are fsdd-dev recordings padded
with room tone to 1 s; templates are 50 other fsdd-dev recordings. Each feature kind is
timed the same way in the same process, so the ratio to MFCC is the figure to compare
across machines. Prints JSON: median and 90th percentile milliseconds per kind.

Usage: ``python scripts/bench_audio.py [--repeats 60]``
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from dtwcore.audio.embedding import embedding_session
from dtwcore.audio.features import (
    FEATURE_KINDS,
    SAMPLE_RATE,
    Clip,
    distance_matrix,
    prepare,
    read_audio,
)

ROOT = Path(__file__).resolve().parents[1]
FSDD = ROOT / "data" / "fsdd-dev"


def one_second(clip: Clip, rng: np.random.Generator) -> Clip:
    """The clip centred in 1 s of faint room tone."""
    y = clip.samples[:SAMPLE_RATE]
    out = rng.normal(0, 1e-3, SAMPLE_RATE).astype(np.float32)
    at = (SAMPLE_RATE - y.shape[0]) // 2
    out[at : at + y.shape[0]] += y
    return Clip(clip.name, out, clip.source_rate, clip.channels)


def main(argv: list[str] | None = None) -> int:
    """Time every feature kind and print the JSON report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=60)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    files = sorted(FSDD.glob("*.wav"))
    picks = rng.choice(len(files), size=50 + args.repeats, replace=False)
    template_clips = [read_audio(files[k]) for k in picks[:50]]
    tests = [one_second(read_audio(files[k]), rng) for k in picks[50:]]

    t0 = time.perf_counter()
    embedding_session()
    load = time.perf_counter() - t0
    report: dict = {"model_load_seconds": round(load, 3), "clip_seconds": 1.0, "templates": 50}
    for kind in FEATURE_KINDS:
        templates = [prepare(c, kind).features for c in template_clips]
        distance_matrix([templates[0]], templates)  # compile and warm
        times = []
        for clip in tests:
            t0 = time.perf_counter()
            query = prepare(clip, kind).features
            distance_matrix([query], templates)
            times.append(time.perf_counter() - t0)
        ms = np.array(times) * 1000
        report[kind] = {
            "median_ms": round(float(np.median(ms)), 2),
            "p90_ms": round(float(np.quantile(ms, 0.9)), 2),
        }
    report["embedding_over_mfcc"] = round(
        report["embedding"]["median_ms"] / report["mfcc"]["median_ms"], 2
    )
    json.dump(report, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
