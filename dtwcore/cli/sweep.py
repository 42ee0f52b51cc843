"""``python -m dtwcore sweep``: one MLflow run per stretch factor over a catalogue.

Prints one run id per line on stdout as each run finishes; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from dtwcore.cli.options import (
    add_reading_arguments,
    add_target_arguments,
    add_window_arguments,
    asking_with_flags,
    read_options,
    say_notes,
    stretch_factor,
    target_spec,
)
from dtwcore.runs import sales as tracking
from dtwcore.runs import store as run_store
from dtwcore.sales import PUBLISHED_STRETCHES
from dtwcore.sales.target import load_target
from dtwcore.sales.window import (
    coverage_problem,
    default_window,
    nonpositive,
    nonpositive_note,
    parse_weeks,
)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``sweep`` command."""
    parser = subparsers.add_parser(
        "sweep",
        help="log one MLflow run per stretch factor",
        description=(
            "Score every product of CATALOG against the target at each stretch factor and "
            "log one MLflow run per factor (parameters, metrics, histogram, outlier lists, "
            "distances and a loadable model). Prints the run ids, one per line."
        ),
    )
    parser.add_argument("catalog", metavar="CATALOG", help="sales file (CSV or Parquet)")
    add_target_arguments(parser, "CATALOG")
    add_window_arguments(parser)
    parser.add_argument(
        "--stretch",
        nargs="+",
        type=stretch_factor,
        default=list(PUBLISHED_STRETCHES),
        metavar="R",
        help="stretch factors between 0 and 1 (default: the published sweep "
        + " ".join(f"{s:g}" for s in PUBLISHED_STRETCHES)
        + ")",
    )
    parser.add_argument(
        "--experiment",
        default=tracking.DEFAULT_EXPERIMENT,
        help=f"MLflow experiment name (default: {tracking.DEFAULT_EXPERIMENT})",
    )
    parser.add_argument(
        "--tracking-uri",
        default=None,
        metavar="URI",
        help="MLflow tracking URI (default: $MLFLOW_TRACKING_URI, else the local "
        "sqlite:///mlflow.db in the project folder)",
    )
    parser.add_argument(
        "--no-znorm",
        dest="znorm",
        action="store_false",
        help="compare raw units instead of z-normalised shapes",
    )
    add_reading_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the sweep; return the exit code."""
    from dtwcore.sales import load_catalog

    logging.getLogger("mlflow").setLevel(logging.WARNING)
    # A lost store is reported once, as the command's error line, not also as warnings.
    logging.getLogger("dtwcore").setLevel(logging.ERROR)
    # stdout carries only run ids; MLflow would print a "View run" link there.
    os.environ.setdefault("MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT", "true")
    store = run_store.resolve_store(args.tracking_uri)
    run_store.require_store(store)
    with asking_with_flags():
        catalog = load_catalog(Path(args.catalog), options=read_options(args))
    spec = target_spec(args)
    target = load_target(spec, catalog.series)
    if spec.kind == "product":
        catalog = catalog.without(spec.text)  # it would rank first at 0
    n_weeks = len(catalog.weeks)
    window = (
        default_window(n_weeks, target.shape[0])
        if args.weeks is None
        else parse_weeks(args.weeks, n_weeks)
    )
    catalog = catalog.window(window)
    problem = coverage_problem(window.size, target.shape[0])
    if problem:
        sys.stderr.write(f"warning: {problem}\n")
    dropped = [] if args.keep_nonpositive else nonpositive(catalog.values)
    if len(dropped):
        sys.stderr.write(f"warning: {nonpositive_note(catalog.ids[dropped].tolist(), window)}\n")
        catalog = catalog.without_rows(dropped)
    sys.stderr.write(
        f"sweep: read {catalog.name} as {catalog.reading}\n"
        f"sweep: {len(catalog.ids)} products of {catalog.name}, {len(args.stretch)} stretch "
        f"factor(s), runs go to {store.label} (experiment {args.experiment!r})\n"
    )
    say_notes(catalog.notes)

    def progress(done: int, total: int, stretch: float, run_id: str | None) -> None:
        if run_id is None:
            sys.stderr.write(f"[{done + 1}/{total}] stretch {stretch:g} ...\n")
        else:
            sys.stdout.write(f"{run_id}\n")
            sys.stdout.flush()
        sys.stderr.flush()

    tracking.sweep(
        catalog,
        target,
        args.stretch,
        znorm=args.znorm,
        store=store,
        experiment=args.experiment,
        progress=progress,
        source="cli",
        target_label=spec.label,
    )
    return 0
