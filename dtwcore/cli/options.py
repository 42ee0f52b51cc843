"""Command-line options shared by the commands: the catalogue file, the matching settings
(stretch factor, z-normalisation) and the options of the one reader (layout, columns);
and what the commands say on standard error besides their results."""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
import tempfile
from collections.abc import Iterator, Sequence

from dtwcore.distance import check_stretch
from dtwcore.sales import (
    DEFAULT_STRETCH,
    LAYOUTS,
    WEEKDAYS,
    AmbiguousColumns,
    CatalogError,
    ReadOptions,
    week_start_day,
)
from dtwcore.sales.target import (
    PUBLISHED,
    TARGET_GRAMMAR,
    TargetSpec,
    parse_target_spec,
    product_spec,
)

# How to answer each question the reader may ask, as flags.
_FLAGS = {
    "layout": "choose with --layout wide|long, --id-column NAME, --week-column NAME and "
    "--units-column NAME",
    "product": "choose with --id-column NAME (give it twice for a product made of two "
    "columns, e.g. store and department)",
    "week": "choose with --week-column NAME",
    "units": "choose with --units-column NAME",
    "dates": "choose with --date-order dmy (day-first) or --date-order mdy (month-first)",
}


def stretch_factor(text: str) -> float:
    """``--stretch`` value: a number in [0, 1] (:func:`dtwcore.distance.check_stretch`)."""
    try:
        return check_stretch(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def whole_number(text: str) -> int:
    """A count given on the command line: a whole number of 1 or more."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of 1 or more, got {text!r}")
    return value


def add_catalogue_input(parser: argparse.ArgumentParser) -> None:
    """Add the positional INPUT: a catalogue file."""
    parser.add_argument(
        "input",
        metavar="INPUT",
        help="catalogue file, .parquet, .xlsx (--sheet to choose a sheet) or .csv (separated "
        "by , ; tab or |; UTF-8, UTF-16 or Windows-1252; decimal commas allowed)",
    )


def add_matching_arguments(parser: argparse.ArgumentParser, weeks: str) -> None:
    """Add --stretch and --znorm/--no-znorm; ``weeks`` says whose length sets the band."""
    parser.add_argument(
        "--stretch",
        type=stretch_factor,
        default=DEFAULT_STRETCH,
        metavar="S",
        help=f"stretch factor in [0, 1]: band radius floor(S x {weeks}) "
        f"(default {DEFAULT_STRETCH})",
    )
    parser.add_argument(
        "--znorm",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="compare shapes (z-normalised series, default) or raw units (--no-znorm)",
    )


def add_raw_csv_argument(parser: argparse.ArgumentParser) -> None:
    """Add --raw-csv: CSV cells exactly as read, for programs (see
    :mod:`dtwcore.sales.export`)."""
    parser.add_argument(
        "--raw-csv",
        action="store_true",
        help="write CSV cells exactly as read, for programs; by default a text cell that "
        "starts with = + - or @ gets a leading apostrophe so that spreadsheets do not run it "
        "as a formula (Parquet is always exact)",
    )


def _weekday(text: str) -> int:
    try:
        return week_start_day(text)
    except CatalogError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_reading_arguments(parser: argparse.ArgumentParser) -> None:
    """Add --layout, --id-column (repeatable), --week-column, --units-column, --week-start,
    --date-order, --sheet and --clip-negative."""
    group = parser.add_argument_group("reading the sales file")
    group.add_argument(
        "--layout",
        choices=LAYOUTS,
        default="auto",
        help="wide: one row per product, one column per week; long: one row per product "
        "and week or per order line; auto (default) tells them apart, and asks when unsure",
    )
    group.add_argument(
        "--id-column",
        action="append",
        default=[],
        metavar="NAME",
        help="the product column; give it more than once when several columns together "
        "name a product (e.g. --id-column Store --id-column Dept)",
    )
    group.add_argument(
        "--week-column", metavar="NAME", help="long layout: the column of dates or week numbers"
    )
    group.add_argument(
        "--units-column", metavar="NAME", help="long layout: the column of units sold"
    )
    group.add_argument(
        "--week-start",
        type=_weekday,
        default=0,
        metavar="DAY",
        help="weekday that starts a week when daily or per-order dates are added up into "
        f"weeks ({', '.join(WEEKDAYS)}; default monday)",
    )
    group.add_argument(
        "--date-order",
        choices=("auto", "ymd", "dmy", "mdy"),
        default="auto",
        help="how dates are written: dmy day-first, mdy month-first, ymd year first; auto "
        "(default) tells them apart and asks when every date reads both ways",
    )
    group.add_argument(
        "--sheet",
        metavar="NAME",
        help="the sheet of an .xlsx workbook to read, a hidden one too (default: the active "
        "sheet, or the first visible one)",
    )
    group.add_argument(
        "--clip-negative",
        action="store_true",
        help="set negative units (returns) to 0; by default they are kept and reported",
    )


def read_options(args: argparse.Namespace) -> ReadOptions:
    """The :class:`~dtwcore.sales.ReadOptions` the reading arguments ask for."""
    return ReadOptions(
        layout=args.layout,
        id_columns=tuple(args.id_column),
        week_column=args.week_column,
        units_column=args.units_column,
        week_start=args.week_start,
        date_order=args.date_order,
        clip_negative=args.clip_negative,
        sheet=args.sheet,
    )


def say_notes(notes: Sequence[str]) -> None:
    """The reader's notes on a file (rows left out, weeks added up or filled, columns
    ignored, …), one ``note:`` line each on standard error, as the page shows them above
    its table. Said once the command's result is written, so that a run ending in an error
    says only the error."""
    for text in notes:
        sys.stderr.write(f"note: {text}\n")


def note_skipped(skipped: dict[str, str]) -> None:
    """One ``note:`` line on standard error for each audio file left out (name -> why)."""
    for name, why in skipped.items():
        sys.stderr.write(f"note: {name} left out: {why}\n")


DECODER_LINE = re.compile(r"^(?:\[src/libmpg123/[^\]]*\] |Note: |Warning: )")
"""A line the MP3 decoder (libmpg123, inside libsndfile) writes to standard error itself
while it decodes a damaged file ("Note: Illegal Audio-MPEG-Header …", "[src/libmpg123/
layer3.c:…] error: …"): the command says what it means in its own ``note:`` line."""


@contextlib.contextmanager
def decoder_messages_held() -> Iterator[None]:
    """Hold what is written to standard error (file descriptor 2) while audio files are
    decoded, and pass it on afterwards without the decoder's own lines
    (:data:`DECODER_LINE`), so a command says one line per file it leaves out.

    For commands only: the whole process's descriptor 2 is redirected, which a command
    (one thread reading files) can do and the app (sessions served in threads) cannot.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as held:
        os.dup2(held.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            held.seek(0)
            lines = held.read().decode(errors="replace").splitlines(keepends=True)
            sys.stderr.write("".join(line for line in lines if not DECODER_LINE.match(line)))


@contextlib.contextmanager
def asking_with_flags() -> Iterator[None]:
    """Turn the reader's question (AmbiguousColumns) into an error that names the flags."""
    try:
        yield
    except AmbiguousColumns as exc:
        hint = _FLAGS.get(exc.role, _FLAGS["layout"])
        raise CatalogError(f"{str(exc).rstrip('.')}; {hint}.") from None


def add_target_arguments(parser: argparse.ArgumentParser, catalogue: str) -> None:
    """``--target`` (the one target grammar of :func:`dtwcore.sales.parse_target_spec`) and
    ``--target-product CODE``, the same as ``--target product:CODE``."""
    parser.add_argument(
        "--target",
        default=PUBLISHED,
        metavar="SPEC",
        help=f"the target, {TARGET_GRAMMAR}: 'blog' is the published weekly capacity "
        f"(default), FILE a file with one column of numbers, product:CODE a product of "
        f"{catalogue} (left out of the ranking), values: the numbers themselves",
    )
    parser.add_argument(
        "--target-product",
        metavar="CODE",
        help="the same as --target product:CODE. With several --id-column, write the code "
        "as the parts joined by ' | '",
    )


def target_spec(args: argparse.Namespace) -> TargetSpec:
    """The target that ``--target`` / ``--target-product`` name."""
    spec = parse_target_spec(args.target)
    if args.target_product is None:
        return spec
    if spec.kind != "published":
        raise CatalogError("give either --target or --target-product, not both")
    return product_spec(args.target_product)


def add_window_arguments(parser: argparse.ArgumentParser) -> None:
    """``--weeks FROM:TO`` and ``--keep-nonpositive``: the weeks compared and whether
    products with no net units there are ranked (:mod:`dtwcore.sales.window`)."""
    parser.add_argument(
        "--weeks",
        metavar="FROM:TO",
        help="the file's weeks to compare, counted from 1, both included (e.g. 53:104); "
        "default: the last as many weeks as the target has (all when the file is shorter)",
    )
    parser.add_argument(
        "--keep-nonpositive",
        action="store_true",
        help="rank products whose net units over the weeks compared are 0 or less "
        "(returns only, discounts, postage); by default they are left out and listed on stderr",
    )
