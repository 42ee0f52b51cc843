"""``python -m dtwcore analogues-backtest``: do analogues forecast this catalogue well?

Every product in turn plays a new product: only its first N weeks are known, its
analogues are the k other products that started most like it (DTW over their first N
weeks), and the median of their scaled continuations forecasts the rest of the year.
Prints JSON with the WAPE (sum of absolute errors / sum of actual units; lower is better)
of the analogues and of two naive forecasts for each N: ``last_4_weeks`` (the mean of the
last four known weeks, repeated) and ``average_shape`` (the catalogue's average
z-normalised curve, rescaled to the known weeks).
"""

from __future__ import annotations

import argparse
import json
import sys

from dtwcore.cli.options import whole_number
from dtwcore.cli.shapes import add_catalog_options, read_catalog
from dtwcore.shapes.analogues import BACKTEST_KNOWN, DEFAULT_ANALOGUES, MIN_KNOWN, backtest

__all__ = ["register", "run"]


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
        "known, its analogues are the k other products that started most like it, and the "
        "median of their scaled continuations forecasts the rest of its year. Prints JSON "
        "with the WAPE (total absolute error divided by total units; lower is better) of "
        "the analogues and of two naive forecasts for each N: last_4_weeks (the mean of the "
        "last four known weeks, repeated) and average_shape (the catalogue's average "
        "z-normalised curve, rescaled to the known weeks).",
    )
    add_catalog_options(p)
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
        default=DEFAULT_ANALOGUES,
        metavar="K",
        help=f"analogues per product (default {DEFAULT_ANALOGUES})",
    )
    p.add_argument(
        "--products",
        type=whole_number,
        metavar="N",
        help="forecast a random sample of N products only (analogues still come from all)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``analogues-backtest``; print the JSON; return the exit code."""
    _, values = read_catalog(args.input, args)
    result = backtest(
        values,
        known_weeks=tuple(args.known),
        k=args.k,
        stretch=args.stretch,
        znorm=args.znorm,
        max_products=args.products,
    )
    sys.stdout.write(json.dumps(result.as_dict(), indent=2) + "\n")
    return 0
