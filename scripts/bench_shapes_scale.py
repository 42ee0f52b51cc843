"""Whole-process benchmark of ``python -m dtwcore shapes`` at scale, and its loss against
FasterPAM.

* Writes seeded catalogues as Parquet: the demo catalogue (``demo_catalog``: seasonal,
  trending, promotion, intermittent, flat and capacity-following products) at 1,000 and
  20,000 products, and with ``--million`` 1,000,000 products from the generator of
  ``bench_cli.py`` (the demo generator draws one product at a time, too slow for a
  million).
* Runs ``/usr/bin/time -v python -m dtwcore shapes FILE --out OUT --quiet`` (k auto, the
  default stretch and z-normalisation) once per catalogue after one warm-up run that
  loads the numba cache: wall seconds, CPU seconds (user + sys) and the peak resident
  memory, and the 20,000-product peak minus the 1,000-product peak.
* Loss at 20,000 products: the k-medoids loss of the command's output (the sum of its
  exact ``distance_to_medoid`` column) against plain FasterPAM (BUILD start,
  :func:`dtwcore.shapes.kmedoids.fasterpam`) on the whole float32 DTW matrix at the same
  k, every product then assigned exactly. This step needs about 2 GB and a few minutes;
  ``--no-reference`` skips it.

Targets (issue 23): 20,000 x 52 in at most 5 s and at most 300 MB above the 1,000-product
peak, loss within 1 % of FasterPAM's; 1,000,000 x 52 in at most 60 s and 1.5 GB.

    python scripts/bench_shapes_scale.py
    python scripts/bench_shapes_scale.py --million --json bench-results/shapes-scale.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench_cli import generate  # noqa: E402

from dtwcore.sales.demo import demo_catalog  # noqa: E402

TARGET_20K_S = 5.0
TARGET_20K_EXTRA_MB = 300.0
TARGET_1M_S = 60.0
TARGET_1M_MB = 1_500.0
TARGET_LOSS_RATIO = 1.01


def write_demo(path: Path, products: int) -> np.ndarray:
    """The seeded demo catalogue of ``products`` x 52 weeks as Parquet; returns its values."""
    catalog = demo_catalog(products, seed=0)
    cols = [pa.array(catalog.ids)] + [pa.array(catalog.values[:, j]) for j in range(52)]
    names = ["Product_Code"] + [f"W{j}" for j in range(52)]
    pq.write_table(pa.Table.from_arrays(cols, names=names), path)
    return catalog.values


def timed_shapes(source: Path, out: Path) -> dict:
    """Run the ``shapes`` command under ``/usr/bin/time -v``: wall and CPU seconds, peak
    resident memory."""
    cmd = ["/usr/bin/time", "-v", sys.executable, "-m", "dtwcore", "shapes", str(source)]
    cmd += ["--out", str(out), "--quiet"]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr}")

    def field(name: str) -> str:
        return re.search(rf"{re.escape(name)}: (.+)", done.stderr).group(1).strip()

    clock = [float(p) for p in field("Elapsed (wall clock) time (h:mm:ss or m:ss)").split(":")]
    wall = sum(v * 60**i for i, v in enumerate(reversed(clock)))
    cpu = float(field("User time (seconds)")) + float(field("System time (seconds)"))
    peak_kib = int(field("Maximum resident set size (kbytes)"))
    return {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "peak_mb": round(peak_kib / 1024, 1)}


def reference_loss(values: np.ndarray, out: Path) -> dict:
    """Loss of the command's output against plain FasterPAM on the whole matrix at the
    same k."""
    from dtwcore.sales import DEFAULT_STRETCH
    from dtwcore.shapes.clustering import assign_to_medoids, compared_curves, dtw_matrix
    from dtwcore.shapes.kmedoids import fasterpam

    table = pq.read_table(out).to_pandas()
    k = int(table["cluster"].max())
    ours = float(table["distance_to_medoid"].sum())
    start = time.perf_counter()
    matrix = dtw_matrix(compared_curves(values, True), stretch=DEFAULT_STRETCH)
    medoids = fasterpam(matrix, k).medoids
    del matrix
    _, dist, _ = assign_to_medoids(values, values[medoids], stretch=DEFAULT_STRETCH)
    return {
        "k": k,
        "ours": round(ours, 2),
        "fasterpam": round(float(dist.sum()), 2),
        "ratio": round(ours / float(dist.sum()), 5),
        "fasterpam_s": round(time.perf_counter() - start, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--million", action="store_true", help="also 1,000,000 x 52")
    parser.add_argument("--no-reference", action="store_true", help="skip the FasterPAM loss")
    parser.add_argument("--json", default=str(ROOT / "bench-results" / "shapes-scale.json"))
    parser.add_argument("--workdir", help="folder for the generated files (default: a temp dir)")
    opts = parser.parse_args()

    report: dict = {"cpus": os.cpu_count(), "python": platform.python_version(), "runs": {}}
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-shapes-", dir=opts.workdir) as tmp:
        sizes = [1_000, 20_000] + ([1_000_000] if opts.million else [])
        values: dict[int, np.ndarray] = {}
        for n in sizes:
            source = Path(tmp) / f"catalogue-{n}.parquet"
            if n <= 20_000:
                values[n] = write_demo(source, n)
            else:
                generate(source, n)
        warm = Path(tmp) / "catalogue-1000.parquet"
        timed_shapes(warm, Path(tmp) / "warm.parquet")
        for n in sizes:
            out = Path(tmp) / f"shapes-{n}.parquet"
            figures = timed_shapes(Path(tmp) / f"catalogue-{n}.parquet", out)
            figures["k"] = int(pq.read_table(out, columns=["cluster"])["cluster"].to_numpy().max())
            report["runs"][n] = figures
            print(
                f"{n:>9,} x 52: wall {figures['wall_s']:.2f} s, CPU {figures['cpu_s']:.2f} s, "
                f"peak {figures['peak_mb']:,.0f} MB, k = {figures['k']}",
                flush=True,
            )
        if not opts.no_reference:
            loss = reference_loss(values[20_000], Path(tmp) / "shapes-20000.parquet")
            report["loss_20k"] = loss
    report["load_average_1min"] = {"before": load_before, "after": os.getloadavg()[0]}

    runs = report["runs"]
    extra = runs[20_000]["peak_mb"] - runs[1_000]["peak_mb"]
    report["extra_mb_20k"] = round(extra, 1)
    verdicts = [
        f"20,000: {runs[20_000]['wall_s']:.2f} s (target {TARGET_20K_S:g}), "
        f"+{extra:,.0f} MB over 1,000 (target {TARGET_20K_EXTRA_MB:g})"
    ]
    if 1_000_000 in runs:
        verdicts.append(
            f"1,000,000: {runs[1_000_000]['wall_s']:.2f} s (target {TARGET_1M_S:g}), "
            f"{runs[1_000_000]['peak_mb']:,.0f} MB (target {TARGET_1M_MB:g})"
        )
    if "loss_20k" in report:
        loss = report["loss_20k"]
        verdicts.append(
            f"loss at 20,000, k = {loss['k']}: ours {loss['ours']:,.2f}, FasterPAM "
            f"{loss['fasterpam']:,.2f}, ratio {loss['ratio']:.4f} (target <= {TARGET_LOSS_RATIO})"
        )
    print("\n".join(verdicts))
    print(f"load average (1 min) before / after: {load_before:.1f} / {os.getloadavg()[0]:.1f}")
    Path(opts.json).parent.mkdir(parents=True, exist_ok=True)
    Path(opts.json).write_text(json.dumps(report, indent=2))
    print(f"written to {opts.json}")


if __name__ == "__main__":
    main()
