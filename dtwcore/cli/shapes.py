"""``python -m dtwcore shapes``: the demand shapes of a catalogue file.

Clusters every product by DTW (k-medoids, see :mod:`dtwcore.shapes.clustering`) and writes
one row per product, in input order, with the columns ``product``, ``cluster`` (1 = the
largest shape), ``is_medoid`` (the product that stands for its shape), ``distance_to_medoid``
(exact DTW distance) and ``silhouette`` (how much closer the product is to its own shape
than to the next one, -1 to 1). Up to 4,000 products the silhouette is exact; beyond, or
with ``--sample``, medoids are searched against a sampled batch of products and the
silhouette is the medoid silhouette. Every product is assigned to its nearest medoid
exactly either way.

Input: the catalogue files ``score`` reads (Parquet, or CSV as spreadsheets export it).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
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
    say_notes,
    whole_number,
)
from dtwcore.sales.reading import CatalogReader
from dtwcore.sales.results import OutputFile, Progress, write_results
from dtwcore.shapes.clustering import (
    ASSIGNMENT_COLUMNS,
    DEFAULT_SAMPLE,
    FULL_LIMIT,
    cluster_shapes,
)

__all__ = ["SHAPES_SCHEMA", "add_catalog_options", "read_catalog", "register", "run"]

SHAPES_SCHEMA = pa.schema(
    list(
        zip(
            ASSIGNMENT_COLUMNS,
            [pa.string(), pa.int64(), pa.bool_(), pa.float64(), pa.float64()],
            strict=True,
        )
    )
)


def _k(text: str) -> int | None:
    if text == "auto":
        return None
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 2:
        raise argparse.ArgumentTypeError(
            f"must be 'auto' or a whole number of 2 or more, got {text!r}"
        )
    return value


def add_catalog_options(p: argparse.ArgumentParser) -> None:
    """INPUT, --stretch, --znorm/--no-znorm, --quiet and the reading options (layout and
    column roles), as ``score`` has them."""
    add_catalogue_input(p)
    add_matching_arguments(p, "weeks")
    p.add_argument("--quiet", action="store_true", help="no progress display")
    add_reading_arguments(p)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``shapes`` command."""
    p = subparsers.add_parser(
        "shapes",
        help="find the demand shapes of a catalogue (k-medoids under DTW)",
        description="Group the products of a catalogue file by the shape of their weekly "
        "sales (k-medoids under DTW) and write one row per product, in input order: its "
        "shape (cluster 1 is the largest), whether it is the shape's medoid, its exact DTW "
        f"distance to the medoid and its silhouette. Up to {FULL_LIMIT:,} products every "
        "pair is compared; beyond, or with --sample, medoids are searched against a sampled "
        "batch of products and every product is still assigned to its nearest medoid "
        "exactly.",
    )
    add_catalog_options(p)
    p.add_argument(
        "--out",
        required=True,
        metavar="OUTPUT",
        help="result file, .csv or .parquet; '-' writes CSV to standard output",
    )
    add_raw_csv_argument(p)
    p.add_argument(
        "--k",
        type=_k,
        default=None,
        metavar="K|auto",
        help="number of shapes, or 'auto' (default): the k from 2 to 12 with the best "
        "mean silhouette",
    )
    p.add_argument(
        "--sample",
        type=whole_number,
        metavar="N",
        help=f"search medoids against a sampled batch of N products; default: all "
        f"products up to {FULL_LIMIT:,}, a batch of {DEFAULT_SAMPLE:,} beyond",
    )
    p.set_defaults(func=run)


def read_catalog(path: str, args: argparse.Namespace) -> tuple[pa.Array, np.ndarray, list[str]]:
    """Product ids and weekly values (N, W) of a catalogue file, read as ``score`` reads it
    with the reading options in ``args``, and the reader's notes on it."""
    ids: list[pa.Array] = []
    values: list[np.ndarray] = []
    with asking_with_flags():
        reader = CatalogReader(path, options=read_options(args))
        for batch in reader:
            ids.append(batch.ids)
            values.append(batch.values)
    ids_all = pa.chunked_array(ids, pa.string()).combine_chunks()
    return ids_all, np.concatenate(values), reader.notes


def run(args: argparse.Namespace) -> int:
    """Run ``shapes``; return the exit code (errors raise ValueError / OSError)."""
    started = time.monotonic()
    output = OutputFile(args.out)
    progress = Progress(not args.quiet and sys.stderr.isatty())
    try:
        progress.message(f"reading {Path(args.input).name} …")
        ids, values, notes = read_catalog(args.input, args)
        result = cluster_shapes(
            values,
            k=args.k,
            stretch=args.stretch,
            znorm=args.znorm,
            sample=args.sample,
            progress=progress.message,
        )
    except BaseException:
        output.discard()
        progress.close()
        raise
    medoid = np.zeros(values.shape[0], dtype=bool)
    medoid[result.medoids] = True
    table = pa.Table.from_arrays(
        [ids, result.labels + 1, medoid, result.distance, result.silhouette],
        schema=SHAPES_SCHEMA,
    )
    summary = (
        f"done in {time.monotonic() - started:.1f} s: {result.k} shapes of "
        f"{values.shape[0]:,} products, mean {result.silhouette_kind} "
        f"{result.mean_silhouette:.3f}"
    )
    if args.out == "-":
        # On a terminal the rows follow on the same screen: end the progress line first.
        progress.close(summary)
        write_results(output, [table], SHAPES_SCHEMA, raw=args.raw_csv)
    else:
        write_results(output, [table], SHAPES_SCHEMA, raw=args.raw_csv)
        progress.close(f"{summary}, written to {os.path.basename(args.out)}")
    say_notes(notes)
    return 0
