"""Whole-process benchmark of ``python -m dtwcore score`` on a generated catalogue.

Generates an N x 52 Parquet catalogue (seeded; written in chunks, so generating 5,000,000
products needs little memory), runs the command line once per engine as a separate
process and reports wall time, peak memory and throughput:

* ``peak RSS`` is the peak resident memory of the command's process (``ru_maxrss``; for
  ``spark`` that is the Python driver);
* ``peak tree RSS`` samples the whole process tree every 50 ms and keeps the largest sum:
  for ``spark`` that includes the JVM and the Python workers.

It also checks that both engines wrote the same results (products, ranks, distances to
1e-9). Prints a table and writes JSON (default ``bench-results/cli.json``).

``--curve`` measures the throughput curve of the local engine instead: one catalogue per
size, generated, scored, checked (every product ranked once, distances in order) and
deleted before the next size, so the disk needs room for one size only (about 53 bytes a
product of Parquet input, 24 of output and 20 of temporary sorted runs).

    python scripts/bench_cli.py                                  # 1,000,000 products
    python scripts/bench_cli.py --products 5000000 --engines local --json bench-results/cli-5m.json
    python scripts/bench_cli.py --curve 1e6,5e6,2e7,1e8 --json bench-results/cli-curve.json

``--marginal`` runs both engines on two sizes and splits each engine's wall time into a
fixed cost and a marginal throughput (the larger run minus the smaller, so start-up
cancels): the Spark engine's marginal throughput as a share of the local engine's, on the
same cores, is the figure that tells whether more cores would pay.

    python scripts/bench_cli.py --marginal 1e6,4e6 --spark-master local[2] --repeat 3
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dtwcore.sales import BLOG_TARGET  # noqa: E402

PAGE = os.sysconf("SC_PAGE_SIZE")


def generate(path: Path, products: int, weeks: int = 52, seed: int = 0) -> None:
    """Weekly unit sales: a scaled, shifted copy of the target shape plus noise."""
    rng = np.random.default_rng(seed)
    shape = np.interp(np.linspace(0, 51, weeks), np.arange(52), BLOG_TARGET)
    names = [f"W{i}" for i in range(weeks)]
    schema = pa.schema([("Product_Code", pa.string())] + [(n, pa.float64()) for n in names])
    chunk = 200_000
    with pq.ParquetWriter(path, schema) as writer:
        for start in range(0, products, chunk):
            n = min(chunk, products - start)
            level = rng.gamma(2.0, 4.0, (n, 1))
            shift = rng.integers(-3, 4, n)
            rows = np.arange(weeks)[None, :] - shift[:, None]
            trend = shape[np.clip(rows, 0, weeks - 1)] / shape.mean()
            noise = rng.normal(0.0, rng.uniform(0.1, 1.5, (n, 1)), (n, weeks))
            values = np.maximum(0.0, np.round(level * (trend + noise)))
            ids = pa.array([f"P{i}" for i in range(start, start + n)])
            cols = [ids] + [pa.array(values[:, j]) for j in range(weeks)]
            writer.write_table(pa.Table.from_arrays(cols, schema=schema), row_group_size=chunk)


def _tree_rss(root: int) -> int:
    """Resident bytes of ``root`` and all its descendants."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/statm") as f:
                total += int(f.read().split()[1]) * PAGE
        except OSError:
            pass
        todo.extend(children.get(pid, []))
    return total


# The command runs under a small launcher: a child forked from this (large) process would
# inherit its peak-RSS figure, one forked from the launcher starts near zero.
_LAUNCHER = (
    "import resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, flush=True)\n"
    "sys.exit(code)\n"
)


def run(cmd: list[str]) -> dict:
    """Run ``cmd``; wall time, peak RSS (own and tree) and exit code."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", _LAUNCHER, *cmd],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    peak_tree = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak_tree
        while not stop.is_set():
            peak_tree = max(peak_tree, _tree_rss(proc.pid))
            stop.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = proc.communicate()
    wall = time.perf_counter() - start
    stop.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{stderr.decode()}")
    return {
        "wall_s": round(wall, 2),
        "peak_rss_mb": round(int(stdout) / 1024, 1),
        "peak_tree_rss_mb": round(peak_tree / 2**20, 1),
    }


def compare(a: Path, b: Path) -> dict:
    """Largest differences between two result files."""
    ta, tb = pq.read_table(a), pq.read_table(b)
    same_products = ta["product"].equals(tb["product"])
    same_ranks = ta["rank"].equals(tb["rank"])
    dd = np.abs(ta["distance"].to_numpy() - tb["distance"].to_numpy()).max()
    dz = np.abs(ta["zscore"].to_numpy() - tb["zscore"].to_numpy()).max()
    return {
        "same_products_in_rank_order": bool(same_products),
        "same_ranks": bool(same_ranks),
        "max_abs_distance_diff": float(dd),
        "max_abs_zscore_diff": float(dz),
    }


def check_ranked(path: Path, products: int) -> None:
    """Raise unless ``path`` ranks ``products`` products 1..N with distances in order."""
    file = pq.ParquetFile(path)
    expected_rank, last = 1, -np.inf
    for batch in file.iter_batches(columns=["distance", "rank"], batch_size=1 << 20):
        dist, rank = batch.column(0).to_numpy(), batch.column(1).to_numpy()
        ranks_ok = np.array_equal(rank, np.arange(expected_rank, expected_rank + len(rank)))
        if not ranks_ok or dist[0] < last or (np.diff(dist) < 0).any():
            raise SystemExit(f"{path}: ranks or distances out of order near rank {expected_rank}")
        expected_rank += len(rank)
        last = dist[-1]
    if expected_rank - 1 != products:
        raise SystemExit(f"{path}: {expected_rank - 1:,} rows, expected {products:,}")


def curve(sizes: list[int], workdir: str | None, json_path: str) -> None:
    """Score one generated catalogue per size with the local engine; print and save."""
    rows = []
    for products in sizes:
        with tempfile.TemporaryDirectory(prefix="bench-curve-", dir=workdir) as tmp:
            need = products * (53 + 24 + 20)
            free = shutil.disk_usage(tmp).free
            if need > 0.9 * free:
                print(f"{products:,}: needs about {need / 2**30:.0f} GB, {free / 2**30:.0f} free")
                break
            source, out = Path(tmp) / "catalogue.parquet", Path(tmp) / "scores.parquet"
            t = time.perf_counter()
            generate(source, products)
            made = time.perf_counter() - t
            load_before = os.getloadavg()
            cmd = [sys.executable, "-m", "dtwcore", "score", str(source), "--out", str(out)]
            # Every product ranked (none left out for selling nothing), so the check is exact.
            figures = run([*cmd, "--quiet", "--keep-nonpositive"])
            load_after = os.getloadavg()
            check_ranked(out, products)
            input_mb = source.stat().st_size / 2**20
        row = {
            "products": products,
            "wall_s": figures["wall_s"],
            "products_per_s": round(products / figures["wall_s"]),
            "peak_rss_mb": figures["peak_rss_mb"],
            "input_mb": round(input_mb),
            "generate_s": round(made, 1),
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in load_after],
        }
        rows.append(row)
        print(
            f"{products:>12,} {figures['wall_s']:>8.2f} s {row['products_per_s']:>10,}/s "
            f"{figures['peak_rss_mb']:>7,.0f} MB   load {load_before[0]:.1f} -> "
            f"{load_after[0]:.1f}",
            flush=True,
        )
    report = {
        "engine": "local",
        "weeks": 52,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "curve": rows,
    }
    Path(json_path).parent.mkdir(parents=True, exist_ok=True)
    Path(json_path).write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {json_path}")


def marginal(
    sizes: list[int], engines: list[str], master: str, workdir: str | None, repeat: int = 1
) -> dict:
    """Each engine on each of two sizes; fixed cost and marginal products/s per engine.

    With ``repeat`` > 1 every engine runs every size that many times, in rounds (each
    round runs both sizes with every engine, so a machine that gets busier or quieter
    meanwhile weighs on both sizes alike), and the fastest run of each counts: on a
    machine shared with other jobs the slower runs measure the other jobs, mostly in
    Spark's start-up (JVM, Python workers).
    """
    runs: dict[str, list[list[float]]] = {e: [[] for _ in sizes] for e in engines}
    loads = []
    with tempfile.TemporaryDirectory(prefix="bench-marginal-", dir=workdir) as tmp:
        sources = [Path(tmp) / f"catalogue-{products}.parquet" for products in sizes]
        for source, products in zip(sources, sizes, strict=True):
            generate(source, products)
        for _ in range(repeat):
            for k, (source, products) in enumerate(zip(sources, sizes, strict=True)):
                before = round(os.getloadavg()[0], 2)
                for engine in engines:
                    out = Path(tmp) / f"scores-{products}-{engine}.parquet"
                    cmd = [sys.executable, "-m", "dtwcore", "score", str(source)]
                    cmd += ["--out", str(out), "--quiet", "--engine", engine]
                    if engine == "spark":
                        cmd += ["--spark-master", master]
                    runs[engine][k].append(run(cmd)["wall_s"])
                    print(f"{products:>12,} {engine:<6} {runs[engine][k][-1]:>8.2f} s", flush=True)
                loads.append([before, round(os.getloadavg()[0], 2)])
        checks = []
        if len(engines) == 2:
            for products in sizes:
                outs = [Path(tmp) / f"scores-{products}-{engine}.parquet" for engine in engines]
                checks.append(compare(*outs))
    walls = {engine: [min(tries) for tries in runs[engine]] for engine in engines}
    small, large = sizes
    figures = {}
    for engine, (t_small, t_large) in walls.items():
        # A larger run that took no longer (the machine got quieter) measures nothing.
        rate = (large - small) / (t_large - t_small) if t_large > t_small else None
        figures[engine] = {
            "wall_s": [t_small, t_large],
            "runs_s": runs[engine],
            "marginal_products_per_s": None if rate is None else round(rate),
            "fixed_s": None if rate is None else round(t_small - small / rate, 2),
        }
    rates = {e: f["marginal_products_per_s"] for e, f in figures.items()}
    share = None
    if rates.get("local") and rates.get("spark"):
        share = rates["spark"] / rates["local"]
    for engine, f in figures.items():
        if f["marginal_products_per_s"] is None:
            print(f"{engine:<6} the larger run was not slower: no marginal figure")
            continue
        print(
            f"{engine:<6} fixed {f['fixed_s']:>6.1f} s, marginal "
            f"{f['marginal_products_per_s']:>10,} products/s"
        )
    if share is not None:
        print(f"spark's marginal throughput: {100 * share:.0f} % of the local engine's")
    print(f"load average (1 min) before / after each size and round: {loads}")
    return {
        "sizes": sizes,
        "spark_master": master,
        "repeat": repeat,
        "engines": figures,
        "spark_share_of_local_marginal": None if share is None else round(share, 3),
        "local_vs_spark": checks,
        "load_average_1min": loads,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=1_000_000)
    parser.add_argument("--engines", default="local,spark")
    parser.add_argument("--spark-master", default="local[2]")
    parser.add_argument("--json", default=str(ROOT / "bench-results" / "cli.json"))
    parser.add_argument("--workdir", help="folder for the generated files (default: a temp dir)")
    parser.add_argument(
        "--curve",
        metavar="SIZES",
        help="comma-separated catalogue sizes (1e6,5e6,...) for the local engine's throughput",
    )
    parser.add_argument(
        "--marginal",
        metavar="SMALL,LARGE",
        help="two catalogue sizes: fixed cost and marginal throughput of each engine",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        metavar="N",
        help="with --marginal: run each engine N times per size and keep the fastest run",
    )
    opts = parser.parse_args()
    if opts.marginal:
        small, large = (int(float(x)) for x in opts.marginal.split(","))
        engines = [e.strip() for e in opts.engines.split(",") if e.strip()]
        report = marginal(
            [small, large], engines, opts.spark_master, opts.workdir, max(1, opts.repeat)
        )
        report |= {"cpus": os.cpu_count(), "python": platform.python_version()}
        Path(opts.json).parent.mkdir(parents=True, exist_ok=True)
        Path(opts.json).write_text(json.dumps(report, indent=2) + "\n")
        print(f"wrote {opts.json}")
        return
    if opts.curve:
        sizes = [int(float(x)) for x in opts.curve.split(",") if x.strip()]
        curve(sizes, opts.workdir, opts.json)
        return

    engines = [e.strip() for e in opts.engines.split(",") if e.strip()]
    with tempfile.TemporaryDirectory(prefix="bench-cli-", dir=opts.workdir) as tmp:
        source = Path(tmp) / "catalogue.parquet"
        t = time.perf_counter()
        generate(source, opts.products)
        print(
            f"generated {opts.products:,} x 52 in {time.perf_counter() - t:.1f} s "
            f"({source.stat().st_size / 2**20:,.0f} MB Parquet, "
            f"{opts.products * 52 * 8 / 2**20:,.0f} MB as float64)"
        )
        results: dict[str, dict] = {}
        outputs: dict[str, Path] = {}
        load_before = os.getloadavg()[0]
        for engine in engines:
            out = Path(tmp) / f"scores-{engine}.parquet"
            cmd = [sys.executable, "-m", "dtwcore", "score", str(source), "--out", str(out)]
            cmd += ["--quiet", "--engine", engine]
            if engine == "spark":
                cmd += ["--spark-master", opts.spark_master]
            figures = run(cmd)
            figures["products_per_s"] = round(opts.products / figures["wall_s"])
            results[engine] = figures
            outputs[engine] = out
        check = compare(outputs["local"], outputs["spark"]) if len(outputs) == 2 else None

    load_after = os.getloadavg()[0]
    print(f"\n{'engine':<8} {'wall s':>8} {'products/s':>12} {'peak RSS MB':>12} {'tree MB':>9}")
    for engine, f in results.items():
        print(
            f"{engine:<8} {f['wall_s']:>8.2f} {f['products_per_s']:>12,} "
            f"{f['peak_rss_mb']:>12,.0f} {f['peak_tree_rss_mb']:>9,.0f}"
        )
    if check:
        print(f"\nlocal vs spark: {check}")
    print(f"load average (1 min) before / after: {load_before:.1f} / {load_after:.1f}")
    report = {
        "products": opts.products,
        "weeks": 52,
        "spark_master": opts.spark_master if "spark" in engines else None,
        "cpus": os.cpu_count(),
        "load_average_1min": {"before": round(load_before, 2), "after": round(load_after, 2)},
        "python": platform.python_version(),
        "engines": results,
        "local_vs_spark": check,
    }
    Path(opts.json).parent.mkdir(parents=True, exist_ok=True)
    Path(opts.json).write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {opts.json}")


if __name__ == "__main__":
    main()
