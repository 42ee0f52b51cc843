"""Benchmark: the product mix against the HiGHS MILP solver, same model, same process.

Run ``python -m dtwcore.bench.mix`` (about 8 minutes on 2 cores; ``--quick`` gives HiGHS
2 s per case instead of 60 and makes the big case 2,000 products, to check it runs).
Every case plans with build-ahead k = 2 weeks (stretch 0.05 of 52 weeks), no backlog,
whole products:

* the UCI file (811 products x 52 weeks) with the published capacity and with 10x and
  30x that capacity, each with and without a limit of 10 products;
* a planted case: 2,000 products, the capacity the sum of 200 of them, each built up to
  k weeks early, so 100 % is reachable;
* 20,000 products x 52 weeks (UCI products resampled, scaled by 0.5-2x and shifted by
  whole weeks), capacity the published curve scaled to a quarter of their demand: ours
  is the ``mix`` command end to end (reading a Parquet file, planning, writing), in a
  process of its own, so its peak memory is its own.

Ours: :func:`dtwcore.sales.mix.plan_mix` (greedy, swaps and restarts), one timed run
after a warm-up that compiles the numba kernels. Peer: HiGHS (``highspy``) on the same
mixed-integer model from scratch, with a time limit; its best mix in that time, and
whether it proved it optimal. Both are timed as :func:`~dtwcore.sales.mix.plan_mix` calls
(checks, relaxation bound, fractional ideal and schedule included in both). The table
shows both utilisations, the gap in percentage points (HiGHS minus ours; negative when
ours is better), both wall times and their ratio.
Results also go to ``bench-results/mix.json``.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from dtwcore.bench import write_json
from dtwcore.sales import BLOG_TARGET, Catalog, load_catalog
from dtwcore.sales.mix import check_plan, is_feasible, plan_mix

UCI = (
    Path(__file__).resolve().parents[2] / "data" / "sales" / "Sales_Transactions_Dataset_Weekly.csv"
)
STRETCH = 0.05  # k = 2 weeks of 52
PEER_SECONDS = 60.0
TARGET_GAP = 1.0  # percentage points below HiGHS's best, at most
TARGET_SECONDS = 1.0  # UCI cases
BIG_PRODUCTS = 20_000
BIG_TARGET_SECONDS = 60.0
BIG_TARGET_MB = 2048
QUICK_SECONDS = 2.0
QUICK_PRODUCTS = 2_000


@dataclass
class MixResult:
    """One case: utilisation (%) and wall seconds of ours and of HiGHS (``highs_pct`` and
    ``gap_points`` are None when HiGHS found no mix in its time)."""

    case: str
    products: int
    ours_pct: float
    ours_s: float
    highs_pct: float | None
    highs_s: float
    highs_optimal: bool
    gap_points: float | None
    time_ratio: float
    bound_pct: float
    ours_mb: float | None = None


def synthetic(uci: Catalog, n: int, seed: int) -> Catalog:
    """``n`` products made from the UCI ones: resampled, scaled 0.5-2x, shifted by whole
    weeks (circularly), rounded to whole units."""
    rng = np.random.default_rng(seed)
    rows = rng.integers(0, uci.values.shape[0], n)
    values = np.maximum(uci.values[rows], 0) * rng.uniform(0.5, 2.0, (n, 1))
    shifts = rng.integers(0, uci.values.shape[1], n)
    values = np.rint(np.stack([np.roll(v, s) for v, s in zip(values, shifts, strict=True)]))
    ids = np.array([f"S{i}" for i in range(n)])
    return Catalog(name=f"synthetic {n:,}", ids=ids, weeks=list(uci.weeks), values=values)


def planted(uci: Catalog, n: int, chosen: int, ahead: int, seed: int) -> tuple[Catalog, np.ndarray]:
    """A catalogue and a capacity made of ``chosen`` of its products, each built up to
    ``ahead`` weeks early (their first ``ahead`` weeks are left without demand)."""
    cat = synthetic(uci, n, seed)
    cat.values[:, :ahead] = 0
    rng = np.random.default_rng(seed + 1)
    capacity = np.zeros(cat.values.shape[1])
    for i in rng.choice(n, chosen, replace=False):
        shift = int(rng.integers(0, ahead + 1))
        capacity[: capacity.size - shift] += cat.values[i, shift:]
    return cat, capacity


def _compare(
    case: str, cat: Catalog, capacity: np.ndarray, limit: int | None, seconds: float
) -> MixResult:
    start = time.perf_counter()
    ours = plan_mix(cat, capacity, stretch=STRETCH, max_products=limit)
    ours_s = time.perf_counter() - start
    start = time.perf_counter()
    peer = plan_mix(
        cat, capacity, stretch=STRETCH, max_products=limit, solver="highs", time_limit=seconds
    )
    highs_s = time.perf_counter() - start
    for plan in (ours, peer):
        check_plan(plan)
        assert is_feasible(plan.demand, plan.capacity, ahead=plan.ahead)
    found = len(peer.products) > 0  # no products are pinned here
    return MixResult(
        case=case,
        products=cat.values.shape[0],
        ours_pct=100 * ours.utilisation,
        ours_s=ours_s,
        highs_pct=100 * peer.utilisation if found else None,
        highs_s=highs_s,
        highs_optimal=peer.proven_optimal,
        gap_points=100 * (peer.utilisation - ours.utilisation) if found else None,
        time_ratio=ours_s / highs_s,
        bound_pct=100 * ours.upper_bound,
    )


def _command(cat: Catalog, capacity: np.ndarray) -> tuple[float, float, float]:
    """The ``mix`` command on ``cat`` in a process of its own: utilisation (%), wall
    seconds and peak resident memory (MB)."""
    with tempfile.TemporaryDirectory() as folder:
        data, cap, out = (Path(folder) / f for f in ("big.parquet", "cap.csv", "mix.csv"))
        frame = pd.DataFrame(cat.values, columns=cat.weeks)
        frame.insert(0, "Product_Code", cat.ids)
        frame.to_parquet(data, index=False)
        cap.write_text("\n".join(repr(float(v)) for v in capacity))
        args = ["mix", str(data), "--capacity", str(cap), "--stretch", str(STRETCH)]
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "dtwcore", *args, "--out", str(out)], check=True)
        seconds = time.perf_counter() - start
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        units = float(pd.read_csv(out)["units"].sum())
    return 100 * units / float(capacity.sum()), seconds, peak_mb


def run(seconds: float = PEER_SECONDS, big_products: int = BIG_PRODUCTS) -> list[MixResult]:
    """Every case; HiGHS gets ``seconds`` each; the big case has ``big_products``."""
    uci = load_catalog(UCI)
    plan_mix(uci, BLOG_TARGET, stretch=STRETCH, max_products=10)  # compile the kernels
    results = []
    for scale in (1, 10, 30):
        for limit in (None, 10):
            name = f"UCI, {'published' if scale == 1 else f'{scale}x'} capacity" + (
                f", <= {limit} products" if limit else ""
            )
            results.append(_compare(name, uci, BLOG_TARGET * scale, limit, seconds))
            print(render(results[-1:], header=len(results) == 1), flush=True)
    cat, capacity = planted(uci, 2_000, 200, 2, seed=7)
    results.append(_compare("planted (200 of 2,000)", cat, capacity, None, seconds))
    print(render(results[-1:], header=False), flush=True)
    big = synthetic(uci, big_products, seed=11)
    capacity = BLOG_TARGET * (0.25 * big.values.sum() / BLOG_TARGET.sum())
    result = _compare(f"{big_products:,} x 52", big, capacity, None, seconds)
    # Ours, as the command runs it (reading and writing included), in its own process.
    result.ours_pct, result.ours_s, result.ours_mb = _command(big, capacity)
    if result.highs_pct is not None:
        result.gap_points = result.highs_pct - result.ours_pct
    result.time_ratio = result.ours_s / result.highs_s
    results.append(result)
    print(render(results[-1:], header=False), flush=True)
    return results


def render(results: list[MixResult], header: bool = True) -> str:
    """The results as a Markdown table."""
    lines = []
    if header:
        lines += [
            "| case | ours % | ours s | HiGHS % | HiGHS s | gap (points) | time ratio | bound % "
            "| ours peak MB |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
    for r in results:
        highs, gap = "none found", ""
        if r.highs_pct is not None and r.gap_points is not None:
            highs = f"{r.highs_pct:.2f}" + (" (optimal)" if r.highs_optimal else "")
            gap = f"{r.gap_points:+.2f}"
        mb = f"{r.ours_mb:,.0f}" if r.ours_mb is not None else ""
        lines.append(
            f"| {r.case} | {r.ours_pct:.2f} | {r.ours_s:.2f} | {highs} | {r.highs_s:.1f} "
            f"| {gap} | {r.time_ratio:.3f} | {r.bound_pct:.2f} | {mb} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog="python -m dtwcore.bench.mix", description=__doc__)
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"HiGHS {QUICK_SECONDS:g} s per case, {QUICK_PRODUCTS:,} products in the big case",
    )
    parser.add_argument("--out", default="bench-results/mix.json", help="JSON output file")
    args = parser.parse_args(argv)
    seconds = QUICK_SECONDS if args.quick else PEER_SECONDS
    results = run(seconds, QUICK_PRODUCTS if args.quick else BIG_PRODUCTS)
    write_json(
        args.out,
        {
            "highs_seconds": seconds,
            "targets": {
                "gap_points": TARGET_GAP,
                "uci_seconds": TARGET_SECONDS,
                "big_seconds": BIG_TARGET_SECONDS,
                "big_mb": BIG_TARGET_MB,
            },
            "cases": [asdict(r) for r in results],
        },
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
