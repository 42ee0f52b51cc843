"""``python -m dtwcore mix``: the product mix that fills the factory, week by week.

Chooses the products of a catalogue file whose demand uses the most of the weekly
capacity, every unit built at most ``floor(S x weeks)`` weeks before it is due (the band
of the stretch factor S) and, with ``--backlog W``, at most W weeks after; no week over
capacity (see :mod:`dtwcore.sales.mix`).

Output: ``--out`` has one row per chosen product, most units first, with the columns
``product``, ``share`` (1 for a whole product), ``units`` (built in the window) and
``weeks_ahead`` (how far ahead of its due week it is built, on average over its units);
``--plan`` one row per week with ``week``, ``capacity``, ``built``, ``stock`` (built ahead
and held at the end of the week), ``backlog`` (due but not yet built) and ``idle``. The
utilisation goes to standard error.

Input: the catalogue files ``score`` reads (Parquet, or CSV as spreadsheets export it),
read by the same rules and flags.
"""

from __future__ import annotations

import argparse
import os
import sys

import pyarrow as pa

from dtwcore.cli.options import (
    add_catalogue_input,
    add_reading_arguments,
    asking_with_flags,
    read_options,
    say_notes,
    stretch_factor,
    whole_number,
)
from dtwcore.sales import DEFAULT_STRETCH, load_catalog
from dtwcore.sales.mix import SHARE_STEPS, plan_mix
from dtwcore.sales.results import OutputFile, write_results
from dtwcore.sales.target import PUBLISHED, TARGET_GRAMMAR, load_target, parse_target_spec

__all__ = ["register", "run"]


def _weeks(text: str) -> int:
    """``--backlog`` and ``--first-week``: a whole number of 0 or more."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a whole number of 0 or more, got {text!r}")
    return value


def _seconds(text: str) -> float:
    """``--polish``: seconds, more than 0."""
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be a number of seconds above 0, got {text!r}")
    return value


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``mix`` command."""
    p = subparsers.add_parser(
        "mix",
        help="choose the products whose demand fills the weekly capacity best",
        description="Choose the products of a catalogue whose weekly demand uses the most of "
        "the capacity, every unit built within its window (at most floor(S x weeks) weeks "
        "ahead, and --backlog weeks late) and no week over capacity. Writes the chosen "
        "products (--out) and the week-by-week plan (--plan); the utilisation goes to "
        "standard error.",
    )
    add_catalogue_input(p)
    p.add_argument(
        "--capacity",
        default=PUBLISHED,
        metavar="SPEC",
        help=f"the weekly capacity in units, {TARGET_GRAMMAR} as score's --target: 'blog' "
        "is the published capacity (default), FILE a file with one column of numbers, "
        "product:CODE a product's sales (then left out of the mix), values: the numbers",
    )
    p.add_argument(
        "--stretch",
        type=stretch_factor,
        default=DEFAULT_STRETCH,
        metavar="S",
        help=f"stretch factor in [0, 1]: units may be built up to floor(S x weeks) weeks "
        f"ahead of their due week (default {DEFAULT_STRETCH}: 2 weeks of 52)",
    )
    p.add_argument(
        "--backlog",
        type=_weeks,
        default=0,
        metavar="W",
        help="weeks a unit may be built after its due week (default 0: never late)",
    )
    p.add_argument(
        "--first-week",
        type=_weeks,
        metavar="N",
        help="plan the catalogue's weeks N, N+1, … (as many as the capacity has; weeks "
        "count from 0); needed when the catalogue has more weeks than the capacity",
    )
    p.add_argument("--max-products", type=whole_number, metavar="N", help="at most N products")
    p.add_argument(
        "--include",
        action="append",
        default=[],
        metavar="CODE",
        help="a product that must be in the mix, whole (repeatable)",
    )
    p.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="CODE",
        help="a product that must not be in the mix (repeatable)",
    )
    p.add_argument(
        "--share-step",
        type=float,
        choices=SHARE_STEPS,
        default=1.0,
        metavar="STEP",
        help="smallest share of a product's demand that may be chosen: 1 (whole products, "
        "default), 0.5 or 0.25",
    )
    p.add_argument(
        "--polish",
        type=_seconds,
        metavar="SECONDS",
        help="then improve the mix with the HiGHS MILP solver for at most SECONDS",
    )
    p.add_argument(
        "--out",
        required=True,
        metavar="OUTPUT",
        help="chosen products, .csv or .parquet; '-' writes CSV to standard output",
    )
    p.add_argument("--plan", metavar="FILE", help="week-by-week plan, .csv or .parquet")
    add_reading_arguments(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``mix``; return the exit code (errors raise ValueError / OSError)."""
    spec = parse_target_spec(args.capacity)
    outputs = [OutputFile(args.out)]
    if args.plan is not None:
        if args.plan == "-":
            raise ValueError("--plan needs a file name; only --out may be '-'")
        outputs.append(OutputFile(args.plan))
    try:
        with asking_with_flags():
            catalog = load_catalog(args.input, options=read_options(args))
        capacity = load_target(spec, catalog.series)
        exclude = [*args.exclude, *([spec.text] if spec.kind == "product" else [])]
        window = None
        if args.first_week is not None:
            window = (args.first_week, args.first_week + capacity.size)
        plan = plan_mix(
            catalog,
            capacity,
            stretch=args.stretch,
            backlog=args.backlog,
            window=window,
            include=args.include,
            exclude=exclude,
            max_products=args.max_products,
            share_step=args.share_step,
            solver="polish" if args.polish else "heuristic",
            time_limit=args.polish or 0.0,
        )
        frames = [plan.products_frame(), plan.weeks_frame()]
        for output, frame in zip(outputs, frames, strict=False):
            table = pa.Table.from_pandas(frame, preserve_index=False)
            write_results(output, [table], table.schema)
    except BaseException:
        for output in outputs:
            output.discard()
        raise
    say_notes(catalog.notes)
    proven = ", proven optimal" if plan.proven_optimal else ""
    sys.stderr.write(
        f"utilisation {plan.utilisation:.2%} with {len(plan.products):,} products "
        f"({plan.ahead} weeks ahead, {plan.backlog} late; at most {plan.upper_bound:.2%} "
        f"possible{proven}) from {os.path.basename(args.input)} in {plan.seconds:.2f} s\n"
    )
    return 0
