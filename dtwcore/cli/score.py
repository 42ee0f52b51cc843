"""``python -m dtwcore score``: rank a whole catalogue file against the target.

The local engine streams the input in record batches and ranks the (id, distance) records
in memory up to :data:`dtwcore.sales.results.RUN_ROWS` products, by an external sort on
disk beyond, so memory stays flat whatever the catalogue size; ``--engine spark`` runs the
same kernels on Spark (see :mod:`dtwcore.sales.spark`). Both engines give the same numbers.

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
import os
import sys
import time
from collections.abc import Iterator

import numpy as np
import pyarrow as pa

from dtwcore.cli.options import (
    add_catalogue_input,
    add_matching_arguments,
    add_raw_csv_argument,
    add_reading_arguments,
    add_target_arguments,
    add_window_arguments,
    asking_with_flags,
    read_options,
    say_notes,
    target_spec,
    whole_number,
)
from dtwcore.sales import (
    CatalogError,
    CatalogReader,
)
from dtwcore.sales.reading import WORKBOOK_SUFFIXES
from dtwcore.sales.results import (
    OutputFile,
    Progress,
    score_stream,
    write_results,
)
from dtwcore.sales.target import load_target, product_in_file
from dtwcore.sales.window import coverage_problem, default_window, parse_weeks

__all__ = ["register", "run"]


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
    add_target_arguments(p, "INPUT")
    add_matching_arguments(p, "target weeks")
    p.add_argument(
        "--top", type=whole_number, metavar="K", help="write only the K closest products"
    )
    add_window_arguments(p)
    p.add_argument("--engine", choices=("local", "spark"), default="local", help="default: local")
    p.add_argument(
        "--spark-master",
        metavar="URL",
        help="Spark master for --engine spark (default local[*])",
    )
    add_reading_arguments(p)
    p.add_argument("--quiet", action="store_true", help="no progress display")
    p.set_defaults(func=run)


def _end_progress_first(tables: Iterator[pa.Table], progress: Progress) -> Iterator[pa.Table]:
    """End the progress line before the first result row goes to standard output: on a
    terminal both share one screen, and a row must not start on the progress line."""
    for k, table in enumerate(tables):
        if k == 0:
            progress.close()
        yield table


def _coverage(reader: CatalogReader, target: np.ndarray, weeks: str | None) -> str | None:
    """Why the ranking means little (the weeks compared cover under half of the target),
    for a file whose weeks are known before it is read (wide layouts); else None."""
    if not reader.weeks:
        return None
    n = len(reader.weeks)
    window = default_window(n, target.shape[0]) if weeks is None else parse_weeks(weeks, n)
    return coverage_problem(window.size, target.shape[0])


def run(args: argparse.Namespace) -> int:
    """Run ``score``; return the exit code (errors raise CatalogError / OSError)."""
    if args.spark_master and args.engine != "spark":
        raise CatalogError("--spark-master needs --engine spark")
    if args.engine == "spark" and args.input.lower().endswith(WORKBOOK_SUFFIXES):
        raise CatalogError("an Excel workbook (.xlsx, .xlsm) needs the local engine")
    started = time.monotonic()
    options = read_options(args)
    with asking_with_flags():
        reader = CatalogReader(args.input, options=options)
    spec = target_spec(args)
    target = load_target(spec, product_in_file(args.input, options))
    if args.weeks is not None and reader.weeks:  # a wide file's weeks are known up front
        parse_weeks(args.weeks, len(reader.weeks))
    leave_out = spec.text if spec.kind == "product" else None
    output = OutputFile(args.out)
    # Warnings are said once the result is written: a run that ends in an error says only
    # the error, in one line.
    warnings: list[str] = []
    progress = Progress(not args.quiet and sys.stderr.isatty())
    progress.close(f"read {os.path.basename(args.input)} as {reader.roles.describe()}")
    try:
        if args.engine == "spark":
            from dtwcore.sales import spark

            # The local engine says this from its first batch; Spark's workers cannot.
            problem = _coverage(reader, target, args.weeks)
            if problem is not None:
                warnings.append(problem)
            tables = spark.score_file(
                reader,
                target,
                stretch=args.stretch,
                znorm=args.znorm,
                top=args.top,
                leave_out=leave_out,
                master=args.spark_master,
                progress=progress.enabled,
                weeks=args.weeks,
                keep_nonpositive=args.keep_nonpositive,
                warn=warnings.append,
            )
        else:
            tables = score_stream(
                reader,
                target,
                stretch=args.stretch,
                znorm=args.znorm,
                top=args.top,
                leave_out=leave_out,
                weeks=args.weeks,
                keep_nonpositive=args.keep_nonpositive,
                warn=warnings.append,
                progress=progress,
            )
        if args.out == "-":
            tables = _end_progress_first(tables, progress)
        written = write_results(output, tables, raw=args.raw_csv)
    except BaseException:
        output.discard()
        progress.close()
        raise
    say_notes(reader.notes)
    for text in warnings:
        sys.stderr.write(f"warning: {text}\n")
    elapsed = time.monotonic() - started
    where = "standard output" if args.out == "-" else os.path.basename(args.out)
    progress.close(f"done in {elapsed:.1f} s: wrote {written:,} rows to {where}")
    return 0
