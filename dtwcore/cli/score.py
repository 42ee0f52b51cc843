"""``python -m dtwcore score``: rank a whole catalogue file against the target.

The local engine streams the input in record batches and keeps only one distance (and the
id) per product, so catalogues far bigger than memory can be scored; ``--engine spark``
runs the same kernels on Spark (see :mod:`dtwcore.sales.spark`). Both engines give the same
numbers.

Output: one row per product, closest first, with the columns ``product``, ``distance``,
``rank`` (1 = closest; ties go to the earlier row of the input) and ``zscore`` (the
distance's z-score over the whole catalogue, population standard deviation). With
``--top K`` only the K closest rows are written, but every product is still scored, so
``rank`` and ``zscore`` are exactly those of the full output.

Input: Parquet, or CSV as spreadsheets export it and the Sales Trends page takes it
(comma, semicolon, tab or vertical bar separated; UTF-8, UTF-16 or Windows-1252; decimal
commas when the separator is not a comma), on either engine, wide or long (one row per
product and week, or per order line: summed into weeks), read by the same rules as the
page; see :mod:`dtwcore.sales.columns`.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from dtwcore.cli.options import (
    add_catalogue_input,
    add_matching_arguments,
    add_raw_csv_argument,
    add_reading_arguments,
    asking_with_flags,
    read_options,
    whole_number,
)
from dtwcore.distance import dtw_one_to_many
from dtwcore.sales import (
    BLOG_TARGET,
    DEFAULT_STRETCH,
    CatalogError,
    CatalogReader,
    ReadOptions,
    parse_target,
)
from dtwcore.sales.results import (
    OutputFile,
    Progress,
    ranked_tables,
    result_table,
    write_results,
    zscores,
)

__all__ = ["register", "run", "score_stream"]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``score`` command."""
    p = subparsers.add_parser(
        "score",
        help="rank every product of a CSV or Parquet catalogue by DTW distance to the target",
        description="Rank every product of a catalogue file by its DTW distance to the target, "
        "closest first: columns product, distance, rank and zscore. The local engine reads "
        "the file in batches, so catalogues bigger than memory can be scored; --engine spark "
        "runs the same kernels on Spark and gives the same numbers.",
    )
    add_catalogue_input(p)
    p.add_argument(
        "--out",
        required=True,
        metavar="OUTPUT",
        help="result file, .csv or .parquet; '-' writes CSV to standard output",
    )
    add_raw_csv_argument(p)
    p.add_argument(
        "--target",
        default="blog",
        metavar="blog|FILE",
        help="'blog' (the published weekly capacity, default) or a file with one column of numbers",
    )
    add_matching_arguments(p, "target weeks")
    p.add_argument(
        "--top", type=whole_number, metavar="K", help="write only the K closest products"
    )
    p.add_argument("--engine", choices=("local", "spark"), default="local", help="default: local")
    p.add_argument(
        "--spark-master",
        metavar="URL",
        help="Spark master for --engine spark (default local[*])",
    )
    p.add_argument(
        "--target-product",
        metavar="CODE",
        help="use this product's weekly sales (a product of INPUT) as the target; that "
        "product is left out of the ranking. With several --id-column, write the code as "
        "the parts joined by ' | '",
    )
    add_reading_arguments(p)
    p.add_argument("--quiet", action="store_true", help="no progress display")
    p.set_defaults(func=run)


def read_target(source: str) -> np.ndarray:
    """The target: ``"blog"`` (the published capacity) or a file with one column of
    numbers (see :func:`dtwcore.sales.parse_target`)."""
    if source == "blog":
        return BLOG_TARGET.copy()
    return parse_target(Path(source))


def product_target(path: str, product: str, options: ReadOptions) -> np.ndarray:
    """The weekly sales of ``product`` in the file at ``path``, read by the same rules
    (streamed: the file is read once more, batch by batch)."""
    for batch in CatalogReader(path, options=options):
        hits = np.flatnonzero(np.asarray(batch.ids.to_pylist(), dtype=object) == product)
        if hits.size:
            return np.array(batch.values[int(hits[0])], dtype=np.float64)
    raise CatalogError(f"{path}: --target-product {product!r} is not a product of the file")


@dataclass
class _Moments:
    """Count, mean and sum of squared deviations, merged batch by batch (Chan et al.)."""

    n: int = 0
    mean: float = 0.0
    m2: float = 0.0

    def add(self, x: np.ndarray) -> None:
        nb = x.shape[0]
        mb = float(x.mean())
        m2b = float(((x - mb) ** 2).sum())
        total = self.n + nb
        delta = mb - self.mean
        self.mean += delta * nb / total
        self.m2 += m2b + delta * delta * self.n * nb / total
        self.n = total

    def std(self) -> float:
        return math.sqrt(self.m2 / self.n) if self.n else 0.0


def score_stream(
    reader: CatalogReader,
    target: np.ndarray,
    *,
    stretch: float = DEFAULT_STRETCH,
    znorm: bool = True,
    top: int | None = None,
    leave_out: str | None = None,
    progress: Progress | None = None,
) -> Iterator[pa.Table]:
    """Score a catalogue batch by batch; yield the result tables, closest first.

    ``leave_out`` names a product not to score (the one whose sales are the target).
    Memory: one batch of values at a time, plus one distance and one id per product
    (with ``top``, only K of them plus running sums for the z-scores).
    """
    progress = progress or Progress(False)
    moments = _Moments()
    dists: list[np.ndarray] = []
    id_chunks: list[pa.Array] = []
    best_d = np.empty(0)
    best_row = np.empty(0, dtype=np.int64)
    best_ids = pa.array([], pa.string())
    done = 0
    for batch in reader:
        ids, values = batch.ids, batch.values
        rows = np.arange(values.shape[0])
        if leave_out is not None:
            rows = np.flatnonzero(np.asarray(ids.to_pylist(), dtype=object) != leave_out)
            ids, values = ids.take(pa.array(rows)), values[rows]
        if not rows.size:
            continue
        d = dtw_one_to_many(target, values, stretch=stretch, znorm=znorm)
        if top is None:
            dists.append(d)
            id_chunks.append(ids)
        else:
            moments.add(d)
            local = _smallest(d, top)
            best_d = np.concatenate([best_d, d[local]])
            best_row = np.concatenate([best_row, batch.first_row + rows[local]])
            best_ids = pa.concat_arrays([best_ids, ids.take(pa.array(local))])
            keep = np.lexsort((best_row, best_d))[:top]
            best_d, best_row = best_d[keep], best_row[keep]
            best_ids = best_ids.take(pa.array(keep))
        done += rows.size
        progress.update(done, reader.fraction_done())
    progress.update(done, 1.0, force=True)
    if done == 0 and leave_out is not None:
        raise CatalogError(f"{reader.path}: no product to compare besides the target {leave_out}")
    if top is not None:
        yield result_table(best_ids, best_d, 1, zscores(best_d, moments.mean, moments.std()))
        return
    progress.message(f"ranking {done:,} products …")
    dist = np.concatenate(dists)
    del dists
    ids = pa.chunked_array(id_chunks, pa.string()).combine_chunks()
    del id_chunks
    yield from ranked_tables(ids, dist)


def _smallest(d: np.ndarray, k: int) -> np.ndarray:
    """Positions of the k smallest values (all ties of the k-th included), any order."""
    if d.shape[0] <= k:
        return np.arange(d.shape[0])
    kth = np.partition(d, k - 1)[k - 1]
    return np.flatnonzero(d <= kth)


def _end_progress_first(tables: Iterator[pa.Table], progress: Progress) -> Iterator[pa.Table]:
    """End the progress line before the first result row goes to standard output: on a
    terminal both share one screen, and a row must not start on the progress line."""
    for k, table in enumerate(tables):
        if k == 0:
            progress.close()
        yield table


def run(args: argparse.Namespace) -> int:
    """Run ``score``; return the exit code (errors raise CatalogError / OSError)."""
    if args.spark_master and args.engine != "spark":
        raise CatalogError("--spark-master needs --engine spark")
    started = time.monotonic()
    options = read_options(args)
    with asking_with_flags():
        reader = CatalogReader(args.input, options=options)
    if args.target_product is not None:
        if args.target != "blog":
            raise CatalogError("give either --target or --target-product, not both")
        target = product_target(args.input, args.target_product, options)
    else:
        target = read_target(args.target)
    output = OutputFile(args.out)
    progress = Progress(not args.quiet and sys.stderr.isatty())
    progress.close(f"read {os.path.basename(args.input)} as {reader.roles.describe()}")
    try:
        if args.engine == "spark":
            from dtwcore.sales import spark

            tables = spark.score_file(
                reader,
                target,
                stretch=args.stretch,
                znorm=args.znorm,
                top=args.top,
                leave_out=args.target_product,
                master=args.spark_master,
                progress=progress.enabled,
            )
        else:
            tables = score_stream(
                reader,
                target,
                stretch=args.stretch,
                znorm=args.znorm,
                top=args.top,
                leave_out=args.target_product,
                progress=progress,
            )
        if args.out == "-":
            tables = _end_progress_first(tables, progress)
        written = write_results(output, tables, raw=args.raw_csv)
    except BaseException:
        output.discard()
        progress.close()
        raise
    elapsed = time.monotonic() - started
    where = "standard output" if args.out == "-" else os.path.basename(args.out)
    progress.close(f"done in {elapsed:.1f} s: wrote {written:,} rows to {where}")
    return 0
