"""``python -m dtwcore analogues-backtest``: do analogues forecast this catalogue well?

Every product in turn plays a new product: only its first N weeks are known, its
analogues are the k products that started most like it (DTW over their first N weeks),
and the median of their scaled continuations forecasts the rest of the year. The products
are split into folds; each fold is forecast with settings chosen by cross-validation on
the other folds, and with analogues from the other folds only. Settings given on the
command line are kept. Prints JSON with, for each N, the WAPE (sum of absolute errors /
sum of actual units; lower is better) of the analogues and of three naive forecasts:
``last_value`` (the last known week, repeated), ``last_4_weeks`` (the mean of the last
four known weeks, repeated) and ``average_shape`` (the catalogue's average z-normalised
curve, rescaled to the known weeks); the share of actual weeks inside the analogues'
10-90 % fan (``coverage``) and the settings chosen for each fold.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from dtwcore.cli.options import (
    add_catalogue_input,
    add_reading_arguments,
    say_notes,
    stretch_factor,
    whole_number,
)
from dtwcore.cli.shapes import read_catalog
from dtwcore.sales.results import Progress
from dtwcore.shapes.analogue_cv import SCALINGS
from dtwcore.shapes.analogues import BACKTEST_KNOWN, MIN_KNOWN, backtest

__all__ = ["register", "run"]

_CHOSEN = "default: chosen by cross-validation"


def _known(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < MIN_KNOWN:
        raise argparse.ArgumentTypeError(
            f"must be a whole number of weeks, {MIN_KNOWN} or more, got {text!r}"
        )
    return value


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``analogues-backtest`` command."""
    p = subparsers.add_parser(
        "analogues-backtest",
        help="measure how well analogues forecast a catalogue, against naive forecasts",
        description="Every product in turn plays a new product: only its first N weeks are "
        "known, its analogues are the k products that started most like it, and the "
        "median of their scaled continuations forecasts the rest of its year. The products "
        "are split into 5 folds; each fold is forecast with the settings that did best on "
        "the other folds (each of their products playing the new one in turn) and with "
        "analogues from the other folds only. Settings given below are kept. Prints JSON "
        "with the WAPE (total absolute error divided by total units; lower is better) of "
        "the analogues and of three naive forecasts for each N: last_value (the last known "
        "week, repeated), last_4_weeks (the mean of the last four known weeks, repeated) "
        "and average_shape (the catalogue's average z-normalised curve, rescaled to the "
        "known weeks); the share of actual weeks inside the analogues' 10-90 % fan "
        "(coverage) and each fold's settings.",
    )
    add_catalogue_input(p)
    p.add_argument(
        "--stretch",
        type=stretch_factor,
        metavar="S",
        help=f"stretch factor in [0, 1]: band radius floor(S x known weeks) ({_CHOSEN})",
    )
    p.add_argument(
        "--znorm",
        action=argparse.BooleanOptionalAction,
        help=f"match shapes (z-normalised weeks) or raw units with --no-znorm ({_CHOSEN})",
    )
    p.add_argument("--quiet", action="store_true", help="no progress display")
    add_reading_arguments(p)
    p.add_argument(
        "--known",
        type=_known,
        nargs="+",
        default=list(BACKTEST_KNOWN),
        metavar="N",
        help="known weeks of each product, one or more values "
        f"(default {' '.join(map(str, BACKTEST_KNOWN))})",
    )
    p.add_argument(
        "--k",
        type=whole_number,
        metavar="K",
        help=f"analogues per product ({_CHOSEN})",
    )
    p.add_argument(
        "--scaling",
        choices=SCALINGS,
        help="how an analogue is brought to the product's level: mean (ratio of the means "
        "over the known weeks), recent (ratio of the means over the last 4 known weeks) or "
        f"offset (difference of the means over the known weeks) ({_CHOSEN})",
    )
    p.add_argument(
        "--products",
        type=whole_number,
        metavar="N",
        help="forecast a random sample of N products only (the others are always history)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``analogues-backtest``; print the JSON; return the exit code."""
    started = time.monotonic()
    progress = Progress(not args.quiet and sys.stderr.isatty())
    try:
        progress.message(f"reading {Path(args.input).name} …")
        _, values, notes = read_catalog(args.input, args)
        result = backtest(
            values,
            known_weeks=tuple(args.known),
            k=args.k,
            stretch=args.stretch,
            znorm=args.znorm,
            scaling=args.scaling,
            max_products=args.products,
            progress=progress.message,
        )
    except BaseException:
        progress.close()
        raise
    progress.close(
        f"done in {time.monotonic() - started:.1f} s: {result.products:,} products forecast"
    )
    say_notes(notes)
    sys.stdout.write(json.dumps(result.as_dict(), indent=2) + "\n")
    return 0
