"""The one reader: a sales file (CSV or Parquet) becomes a catalogue (products x weeks).

Every entrance reads through here: the Sales Trends page and ``sweep`` with
:func:`load_catalog` (the whole file in memory; unusable rows are listed, not dropped
silently), ``score`` with :class:`CatalogReader` (the streaming mode: products in batches,
for files bigger than memory), Spark with the :class:`~dtwcore.sales.columns.Roles` the
streaming mode decided. The dialect rules are in :mod:`dtwcore.sales.dialect`, the column
rules in :mod:`dtwcore.sales.columns`; this module applies them:

* wide layout: one row per product; a product that appears twice is listed as unusable;
  a summary row (``Total``, ``Grand Total``: :func:`~dtwcore.sales.columns.is_summary_row`)
  is left out and reported;
* long layout: rows are added up per product and week; rows of a summary product
  (``Total`` of every week) are left out and reported, as in a wide file. Week numbers
  run from the first to the last (week numbers of several years, or running past a year
  end, in year order: :func:`year_week_grid`); dates that all fall on one weekday are
  weekly data and keep their dates;
  other dates (daily or per order) are added up into weeks starting on
  :attr:`~dtwcore.sales.columns.ReadOptions.week_start` (Monday by default), and a first
  or last week the data do not cover completely is reported. Missing weeks are 0.
* negative units (returns) are kept and reported, or set to 0 with ``clip_negative``.

Rows are numbered as a spreadsheet numbers them: the header is row 1 unless lines above it
were skipped (blank lines, title lines: :func:`~dtwcore.sales.dialect.title_lines`).
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import math
import os
import re
import tempfile
import weakref
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from dtwcore.sales.arrays import from_numpy, to_numpy
from dtwcore.sales.catalog import Catalog, excluded_frame
from dtwcore.sales.columns import (
    ID_JOIN,
    SNIFF_ROWS,
    SUMMARY_ROW_HINT,
    WEEKDAYS,
    YEARS,
    ReadOptions,
    Roles,
    cell_numbers,
    clean_header,
    date_orders,
    formatted_number,
    is_summary_row,
    is_year_header,
    parse_dates,
    period_numbers,
    resolve_roles,
    span_days,
    week_number,
)
from dtwcore.sales.dialect import (
    Dialect,
    Source,
    ambiguous_dot,
    ambiguous_dot_error,
    check_bytes,
    check_decimal_dots,
    check_text,
    decimal_point_text,
    empty_notes,
    is_workbook,
    lines_above_header,
    not_csv,
    read_csv_rows,
    read_parquet_rows,
    read_source,
    read_workbook_rows,
    separator_notes,
    sniff_head,
    text_numbers,
    title_notes,
    too_large,
    whole_rows,
    workbook_csv,
    years_above_weeks,
    years_note,
)
from dtwcore.sales.errors import NO_DATA_ROWS, AmbiguousColumns, CatalogError
from dtwcore.sales.facts import MAX_UNITS, MAX_WEEKS, Limits
from dtwcore.sales.text import cell_text, names, not_a_number, number_text, quote, show
from dtwcore.sales.units import Unit

_FIRST_PROBLEMS_CHARS = 300  # of row problems quoted when no row of a file can be used


def options_with(options: ReadOptions | None, id_column: str | None) -> ReadOptions:
    """``options`` with ``id_column`` as the product column (the older single-id keyword)."""
    options = options or ReadOptions()
    if id_column is not None and not options.id_columns:
        options = ReadOptions(**{**options.__dict__, "id_columns": (id_column,)})
    return options


def load_catalog(
    source: Source,
    *,
    name: str | None = None,
    id_column: str | None = None,
    limits: Limits | None = None,
    options: ReadOptions | None = None,
) -> Catalog:
    """Read weekly unit sales from a CSV or Parquet file, whole.

    Parameters
    ----------
    source : path, bytes or binary file-like (e.g. a Streamlit ``UploadedFile``)
    name : str, optional
        What to call the file in messages; defaults to the file's name.
    id_column : str, optional
        The product column (the same as ``options.id_columns=(id_column,)``).
    limits : Limits, optional
        Refuse bigger files and catalogues (the page passes
        :data:`~dtwcore.sales.facts.PAGE_LIMITS`); a file far too big is refused before it
        is parsed.
    options : ReadOptions, optional
        Layout, column roles, week start, date order, clipping of negative units.

    Returns
    -------
    Catalog, with ``reading`` saying how the file was read and ``notes`` what was done
    on the way in. Rows that cannot be used are listed in ``excluded``.

    Raises
    ------
    CatalogError
        When the file cannot be used; the message names the file, the row or column and
        what to do. :class:`~dtwcore.sales.catalog.AmbiguousColumns` when the layout, a
        column or the date order must be chosen, ``CatalogTooLarge`` beyond ``limits``.

    Examples
    --------
    >>> cat = load_catalog(b"Product_Code,W0,W1\\nP1,3,4\\n", name="x.csv")
    >>> cat.values.tolist()
    [[3.0, 4.0]]
    """
    options = options_with(options, id_column)
    data, fname = read_source(source, name, limits)
    if not data:
        raise CatalogError(
            f"{fname} is empty. Choose a CSV or Parquet file with weekly unit sales."
        )
    if limits is not None:
        check_bytes(len(data), fname, limits)
    notes: list[str] = []
    decimal_comma = False
    if data[:4] == b"PAR1":
        header, rows, lines = read_parquet_rows(data, fname)
    elif fname.lower().endswith((".parquet", ".pq")):
        raise CatalogError(
            f"{fname} is named like a Parquet file but is not one (it lacks the Parquet "
            "signature). Export it again, or upload it as CSV."
        )
    elif is_workbook(data):
        header, rows, lines = read_workbook_rows(data, fname, options.sheet, notes)
    elif data[:2] == b"PK" or data[:4] == b"\xd0\xcf\x11\xe0":
        raise CatalogError(f"{fname} {OLD_WORKBOOK}, then upload that file.")
    else:
        header, rows, lines, decimal_comma = read_csv_rows(data, fname, notes, limits)
    header = clean_header(header, fname)
    try:
        roles = resolve_roles(header, rows[:SNIFF_ROWS], options, fname, decimal_comma)
    except AmbiguousColumns as exc:
        if exc.role != "dates" or len(rows) <= SNIFF_ROWS:
            raise
        # Every sampled date reads both ways: the later rows may tell (12/13/10), so the
        # whole file is looked at before asking.
        roles = resolve_roles(header, rows, options, fname, decimal_comma)
    cat = build_catalog(header, rows, lines, roles, options, fname, notes, decimal_comma)
    if limits is not None:
        n, w = cat.values.shape
        if n > limits.products or w > limits.weeks or n * w > limits.values:
            raise too_large(cat.name, f"{n:,} products × {w:,} weeks = {n * w:,} numbers", limits)
    return cat


def build_catalog(
    header: list[str],
    rows: Sequence[Sequence[object]],
    lines: Sequence[int],
    roles: Roles,
    options: ReadOptions,
    fname: str,
    notes: list[str],
    decimal_comma: bool = False,
) -> Catalog:
    """The catalogue of a whole table read with ``roles`` (see :func:`load_catalog`)."""
    width = len(header)
    records: list[tuple[int, str, str]] = []
    keep_rows: list[Sequence[object]] = []
    keep_lines: list[int] = []
    for cells, line in zip(rows, lines, strict=True):
        if len(cells) != width:
            first = cell_text(cells[0]) if len(cells) else ""
            records.append(
                (line, first, f"has {len(cells)} values but the header has {width} columns")
            )
            continue
        keep_rows.append(cells)
        keep_lines.append(line)
    columns = {h: [r[k] for r in keep_rows] for k, h in enumerate(header)}
    if decimal_comma:
        check_decimal_dots(columns, number_columns(roles), keep_lines, fname)
    notes += column_notes(roles)
    summaries: list[tuple[int, str]] = []  # summary rows left out: (row, product)
    formatted: list[int] = []  # numbers written with a spreadsheet's formatting
    if roles.layout == "wide":
        ids, labels, values = _wide(
            columns, keep_lines, roles, records, summaries, decimal_comma, formatted
        )
        notes += formatted_notes(sum(formatted)) + summary_notes(summaries)
    else:
        part = long_rows(columns, keep_lines, roles, records, decimal_comma, summaries, formatted)
        notes += formatted_notes(sum(formatted)) + summary_notes(summaries)
        ids, labels, values = weekly_table([part], roles, options, notes, fname)
    if not ids and not records and summaries:
        raise only_summary_rows(fname, [p for _, p in summaries])
    if ids:
        _negatives(values, options, notes, roles)
    cat = _finish(fname, ids, labels, values, records, notes)
    cat.reading = roles.describe()
    cat.roles = roles
    return cat


def number_columns(roles: Roles) -> list[str]:
    """The columns of numbers of units: the week columns (wide) or the units column."""
    return list(roles.weeks) if roles.layout == "wide" else [str(roles.units)]


def summary_line(catalog: Catalog, unit: Unit | None = None) -> str:
    """How a file was read, for people: ``45 products × 143 weeks, from 2010-02-05 to
    2012-10-26, product = Store, units = Weekly_Sales`` (weeks ``W0–W51`` when they are
    not dates). ``unit`` is what the values are (default :meth:`Catalog.unit`); money is
    named as such (``revenue in € = Revenue (EUR)``, ``sales in $ = the 12 week columns``).
    """
    n, w = catalog.values.shape
    first, last = catalog.weeks[0], catalog.weeks[-1]
    roles = catalog.roles
    dated = roles is not None and bool(roles.date_order)
    span = f"from {first} to {last}" if dated else f"{first}–{last}"
    text = f"{n:,} product{'s' if n != 1 else ''} × {w:,} weeks, {span}"
    if roles is None:
        return text
    unit = unit or catalog.unit()
    values = f"{unit.word} in {unit.symbol}" if unit.symbol else "units"
    text += f", product = {' + '.join(roles.ids)}"
    if roles.layout == "long":
        return text + f", week = {roles.period}, {values} = {roles.units}"
    return text + f", {values} = the {len(roles.weeks)} week columns"


def peek(
    source: Source, *, name: str | None = None, rows: int = 5, sheet: str | None = None
) -> tuple[list[str], list[list[str]]]:
    """The header and the first ``rows`` data rows of a file as text, as the reader sees
    them (dialect applied, nothing else): for showing the raw file beside its reading.
    ``sheet`` names the sheet of an ``.xlsx`` workbook (default the active sheet, else the
    first visible one).

    Raises CatalogError when the file cannot be read as a table at all.
    """
    data, fname = read_source(source, name)
    if data[:4] == b"PAR1":
        header, body, _ = read_parquet_rows(data, fname)
    elif is_workbook(data):
        header, body, _ = read_workbook_rows(data, fname, sheet)
    else:
        header, body, _, _ = read_csv_rows(data, fname, [])
    header = [str(h).strip() or f"column {k + 1}" for k, h in enumerate(header)]
    return header, [[cell_text(c) for c in r] for r in body[:rows]]


def product_ids(columns: dict[str, list[object]], roles: Roles) -> list[str]:
    """The product of every row: its id cell, or the id cells joined by :data:`ID_JOIN`
    (blank when any part is blank)."""
    parts = [[cell_text(c) for c in columns[h]] for h in roles.ids]
    if len(parts) == 1:
        return parts[0]
    return [ID_JOIN.join(p) if all(p) else "" for p in zip(*parts, strict=True)]


def _id_label(roles: Roles) -> str:
    return " + ".join(show(h) for h in roles.ids)


def _unit_problem(column: str, value: float) -> str:
    return (
        f"{column} is too large ({number_text(value)}); at most {MAX_UNITS:g} units a week "
        "are supported"
    )


def _reason(problems: list[str]) -> str:
    if len(problems) <= 3:
        return "; ".join(problems)
    return "; ".join(problems[:3]) + f"; and {len(problems) - 3} more problems"


def column_notes(roles: Roles) -> list[str]:
    """The notes on how a file's columns are read, the same on every path: a wide file's
    week columns running past a year end, its columns named by a year (a year's total
    beside the weeks, :func:`~dtwcore.sales.columns.is_year_header`), and the columns
    ignored (empty ones without a name counted, not named)."""
    notes = _wrap_notes(roles)
    ignored = list(roles.ignored)
    if roles.layout == "wide" and roles.date_order:
        _, length = span_days(ignored, roles.date_order)
        part = [(h, int(n)) for h, n in zip(ignored, length, strict=True) if n and n != 7]
        ignored = [h for h in ignored if h not in dict(part)]
        if part:
            listed = ", ".join(f"{quote(h)} ({n} days)" for h, n in part)
            notes.append(
                f"Left out {'a part week' if len(part) == 1 else 'part weeks'}: {listed}; "
                "only whole weeks are compared."
            )
    if roles.layout == "wide":
        years = [h for h in ignored if is_year_header(h)]
        ignored = [h for h in ignored if h not in years]
        if years:
            what = "a year, not a week number" if len(years) == 1 else "years, not week numbers"
            notes.append(f"Left out column{'s' if len(years) > 1 else ''} {names(years)}: {what}.")
    blank = [h for h in ignored if h in roles.blank]
    ignored = [h for h in ignored if h not in blank]
    n = len(ignored)
    if n and roles.layout == "wide":
        notes.append(
            f"Ignored {n} column{'s that are' if n != 1 else ' that is'} not weekly sales: "
            f"{names(ignored)}."
        )
    elif n:
        notes.append(f"Ignored columns: {names(ignored)}.")
    if blank:
        notes.append(
            "Ignored an empty column without a name."
            if len(blank) == 1
            else f"Ignored {len(blank)} empty columns without a name."
        )
    return notes


def _wrap_notes(roles: Roles) -> list[str]:
    """The note on a wide file's week columns that run past a year end (none otherwise;
    a long file's is written with its weeks, by :func:`weekly_table`)."""
    if roles.layout != "wide" or not roles.wrap_week:
        return []
    labels = [show(w) for w in roles.week_labels]
    numbers = [week_number(w) or 0 for w in roles.week_labels]
    cut = next(k for k in range(1, len(numbers)) if numbers[k] <= numbers[k - 1])
    return [wrap_note("week columns", labels[0], labels[cut - 1], labels[cut], labels[-1])]


def wrap_note(what: str, first: str, year_end: str, again: str, last: str) -> str:
    """The note on weeks that run past the end of a year, kept in the file's order: the
    ``what`` (week columns, week numbers) from ``first`` to ``year_end``, then from
    ``again`` to ``last``."""
    return (
        f"The {what} run past the end of a year ({first} … {year_end}, then {again} … "
        f"{last}); they are kept in the file's order."
    )


def summary_notes(rows: Sequence[tuple[int, str]]) -> list[str]:
    """The note on the summary rows (row number, product code) left out of a file, in
    file order (none for none): each by its row, ``row 6 (Total)``, and a product on
    several rows (a long file's ``Total`` of every week) by its rows, ``8 rows of product
    Total (rows 42 to 49)``."""
    if not rows:
        return []
    by_product: dict[str, list[int]] = {}
    for row, product in rows:
        by_product.setdefault(product, []).append(row)
    listed = ", ".join(
        f"row {r[0]} ({show(p)})"
        if len(r) == 1
        else f"{len(r)} rows of product {show(p)} ({row_numbers(r)})"
        for p, r in list(by_product.items())[:5]
    )
    if len(by_product) > 5:
        listed += f" and {len(by_product) - 5} more"
    what = "a summary row" if len(rows) == 1 else "summary rows"
    return [f"Left out {listed}: {what} adding up the products, not a product."]


def row_numbers(rows: Sequence[int]) -> str:
    """Row numbers in a few words: ``rows 42 to 49``, ``rows 3, 4, 9``, and the first
    three runs … the last of many (``rows 7, 13, 19 … 49``)."""
    numbers = sorted(set(rows))
    runs: list[str] = []
    start = numbers[0]
    for before, now in zip(numbers, [*numbers[1:], None], strict=True):
        if now == before + 1:
            continue
        if before - start >= 2:
            runs.append(f"{start} to {before}")
        else:
            runs += [str(n) for n in range(start, before + 1)]
        start = now
    if len(runs) > 4:
        runs = [", ".join(runs[:3]) + " … " + runs[-1]]
    return ("rows " if len(numbers) > 1 else "row ") + ", ".join(runs)


def only_summary_rows(fname: str, products: Sequence[str]) -> CatalogError:
    """The refusal of a file whose rows are all summary rows (``Total``, ``Grand Total``:
    :func:`~dtwcore.sales.columns.is_summary_row`), ``products`` naming them in file
    order; ``fname`` first when given."""
    return CatalogError(
        f"{fname + ': ' if fname else ''}no products: every row is a summary row adding up "
        f"the products ({names(list(dict.fromkeys(products)))}). Export the sales of each "
        "product (a row per product, or per product and week) and read the file again."
    )


def summary_rows(ids: pa.Array) -> np.ndarray:
    """Positions of the summary rows (:func:`~dtwcore.sales.columns.is_summary_row`) among
    a batch's product ids; Arrow picks the few ids that may be one."""
    maybe = to_numpy(pc.match_substring_regex(ids, SUMMARY_ROW_HINT, ignore_case=True))
    found = np.flatnonzero(np.equal(maybe, True))  # nulls (None) are no match
    if not found.size:
        return found
    names = [ids[int(k)].as_py() for k in found]  # pa.array and take would import pandas
    return found[np.array([is_summary_row(str(n)) for n in names], dtype=bool)]


def _wide(
    columns: dict[str, list[object]],
    lines: list[int],
    roles: Roles,
    records: list[tuple[int, str, str]],
    summaries: list[tuple[int, str]],
    decimal_comma: bool,
    formatted: list[int],
) -> tuple[list[str], list[str], np.ndarray]:
    """Products x weeks of a wide table's usable rows; the others go to ``records``, its
    summary rows (row, product) to ``summaries``, the counts of numbers written with a
    spreadsheet's formatting to ``formatted``."""
    ids = product_ids(columns, roles)
    n_rows = len(ids)
    nums = np.empty((n_rows, len(roles.weeks)))
    problems: list[list[str]] = [[] for _ in range(n_rows)]
    for j, col in enumerate(roles.weeks):
        vals, blank, bad = cell_numbers(columns[col], decimal_comma, formatted)
        nums[:, j] = vals
        label = show(col)
        for k in np.flatnonzero(blank | bad | (np.abs(vals) > MAX_UNITS)):
            if blank[k]:
                problems[k].append(f"{label} is blank")
            elif bad[k]:
                problems[k].append(not_a_number(columns[col][k], col))
            else:
                problems[k].append(_unit_problem(label, vals[k]))
    keep: list[int] = []
    first_row: dict[str, int] = {}
    for k in range(n_rows):
        if is_summary_row(ids[k]):
            summaries.append((lines[k], ids[k]))
            continue
        if not ids[k]:
            problems[k].insert(0, f"the product code ({_id_label(roles)}) is blank")
        if problems[k]:
            records.append((lines[k], ids[k], _reason(problems[k])))
            continue
        if ids[k] in first_row:
            again = f"product {show(ids[k])} already appears on row {first_row[ids[k]]}"
            records.append((lines[k], ids[k], again))
            continue
        first_row[ids[k]] = lines[k]
        keep.append(k)
    _check_weeks(
        "", len(roles.weeks), f"{show(roles.week_labels[0])} to {show(roles.week_labels[-1])}"
    )
    return [ids[k] for k in keep], list(roles.week_labels), nums[keep]


@dataclass
class LongPart:
    """Usable rows of a long table (or of a block of one): product, period key, units.

    ``keys`` are whole week numbers (int64), year and week as ``year * 100 + week`` when
    :func:`year_weeks` (a file running past a year end without a year: years 0 and 1),
    or days (datetime64[D] as int64 days since 1970-01-01) by :attr:`Roles.date_order`;
    ``rows`` counts the lines added into each.
    """

    ids: list[str]
    keys: np.ndarray
    units: np.ndarray
    rows: np.ndarray


def long_rows(
    columns: dict[str, list[object]],
    lines: Sequence[int],
    roles: Roles,
    records: list[tuple[int, str, str]],
    decimal_comma: bool,
    summaries: list[tuple[int, str]],
    formatted: list[int],
) -> LongPart:
    """The usable rows of (a block of) a long table; the others go to ``records``, its
    summary rows (product ``Total``: :func:`~dtwcore.sales.columns.is_summary_row`), left
    out whatever they hold, to ``summaries`` (row, product), and the count of units
    written with a spreadsheet's formatting to ``formatted``."""
    assert roles.period is not None and roles.units is not None
    ids = product_ids(columns, roles)
    totals = {p for p in set(ids) if p and is_summary_row(p)}  # each product once
    summary = np.array([p in totals for p in ids], dtype=bool)
    summaries += [(lines[k], ids[k]) for k in np.flatnonzero(summary)]
    units, u_blank, u_bad = cell_numbers(columns[roles.units], decimal_comma, formatted)
    cells = columns[roles.period]
    if roles.date_order:
        days = parse_dates(cells, roles.date_order)
        w_blank = np.array([cell_text(c) == "" for c in cells], dtype=bool)
        w_bad = ~w_blank & np.isnat(days)
        keys = days.astype(np.int64)
    else:
        wnum, w_blank, w_bad = period_numbers(cells, decimal_comma, roles.week_cells)
        w_bad = w_bad | (~w_blank & ~w_bad & (wnum != np.round(wnum)))
        w_bad = w_bad | (~w_blank & (np.abs(np.nan_to_num(wnum)) > 1e12))
        keys = np.where(w_blank | w_bad, 0, np.nan_to_num(wnum)).astype(np.int64)
    kind = "a date" if roles.date_order else "a whole week number"
    y_blank = y_bad = np.zeros(len(ids), dtype=bool)
    if year_weeks(roles):
        keys, y_blank, y_bad, w_wrong = _year_week_keys(keys, columns, roles, decimal_comma)
        w_bad = w_bad | (~w_blank & w_wrong)
        kind = "a year and week number (like 202405)" if roles.year_weeks else "a week number 1–53"
    id_label, week_label, units_label = _id_label(roles), show(roles.period), show(roles.units)
    problem_rows = np.flatnonzero(
        (w_blank | w_bad | u_blank | u_bad | (np.abs(np.nan_to_num(units)) > MAX_UNITS)
         | y_blank | y_bad
         | np.array([not i for i in ids], dtype=bool))
        & ~summary
    )  # fmt: skip
    for k in problem_rows:
        problems = []
        if not ids[k]:
            problems.append(f"the product code ({id_label}) is blank")
        if w_blank[k]:
            problems.append(f"{week_label} is blank")
        elif w_bad[k]:
            problems.append(f"{quote(cells[k])} in {week_label} is not {kind}")
        if y_blank[k]:
            problems.append(f"{show(roles.year)} is blank")
        elif y_bad[k]:
            problems.append(
                f"{quote(columns[str(roles.year)][k])} in {show(roles.year)} is not a year"
            )
        if u_blank[k]:
            problems.append(f"{units_label} is blank")
        elif u_bad[k]:
            problems.append(not_a_number(columns[roles.units][k], roles.units))
        elif abs(units[k]) > MAX_UNITS:
            problems.append(_unit_problem(units_label, units[k]))
        records.append((lines[k], ids[k], _reason(problems)))
    usable = ~summary
    usable[problem_rows] = False
    keep = np.flatnonzero(usable)
    return LongPart(
        [ids[k] for k in keep], keys[keep], units[keep], np.ones(keep.size, dtype=np.int64)
    )


def year_weeks(roles: Roles) -> bool:
    """True when a long file's weeks are keyed by year and week (:class:`LongPart`)."""
    return bool(roles.year or roles.year_weeks or roles.wrap_week)


def _year_week_keys(
    numbers: np.ndarray, columns: dict[str, list[object]], roles: Roles, decimal_comma: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``year * 100 + week`` of the whole numbers of a period column read by
    :func:`year_weeks`; where the year is blank, where it is not a year, and where the
    week is not one of weeks 1 to 53."""
    no = np.zeros(numbers.size, dtype=bool)
    if roles.year_weeks:
        year, week = numbers // 100, numbers % 100
        wrong = (year < YEARS[0]) | (year > YEARS[1]) | (week < 1) | (week > 53)
        return numbers, no, no, wrong
    wrong = (numbers < 1) | (numbers > 53)
    if roles.wrap_week:
        return numbers + 100 * (numbers < roles.wrap_week), no, no, wrong
    assert roles.year is not None
    year, blank, bad = cell_numbers(columns[roles.year], decimal_comma)
    year = np.nan_to_num(year)
    bad = bad | (~blank & ((year != np.round(year)) | (year < YEARS[0]) | (year > YEARS[1])))
    keys = np.where(blank | bad, 0, year).astype(np.int64) * 100 + numbers
    return keys, blank, bad, wrong


def year_week_grid(first: int, last: int, long_years: Collection[int], fname: str) -> np.ndarray:
    """Every week from the key ``first`` to ``last`` (``year * 100 + week``), in order:
    weeks 1 to 52 of each year, and week 53 in ``long_years`` (those where the file has
    a week 53). CatalogError beyond :data:`~dtwcore.sales.facts.MAX_WEEKS` weeks."""
    years = np.arange(first // 100, last // 100 + 1)
    lengths = 52 + np.isin(years, list(long_years)).astype(np.int64)
    grid = np.concatenate(
        [y * 100 + np.arange(1, n + 1) for y, n in zip(years, lengths, strict=True)]
    )
    grid = grid[(grid >= first) & (grid <= last)]
    _check_weeks(
        fname, grid.size, f"{first // 100}-W{first % 100:02d} to {last // 100}-W{last % 100:02d}"
    )
    return grid


def combine(parts: Sequence[LongPart]) -> LongPart:
    """The parts added up per product and period key, products in order of first row."""
    import pandas as pd

    ids = [i for p in parts for i in p.ids]
    if not ids:
        return LongPart([], np.empty(0, np.int64), np.empty(0), np.empty(0, np.int64))
    frame = pd.DataFrame(
        {
            "product": ids,
            "key": np.concatenate([p.keys for p in parts]),
            "units": np.concatenate([p.units for p in parts]),
            "rows": np.concatenate([p.rows for p in parts]),
        }
    )
    summed = frame.groupby(["product", "key"], sort=False).sum()
    return LongPart(
        summed.index.get_level_values(0).tolist(),
        summed.index.get_level_values(1).to_numpy(np.int64),
        summed["units"].to_numpy(np.float64),
        summed["rows"].to_numpy(np.int64),
    )


def week_keys(days: np.ndarray, week_start: int) -> tuple[np.ndarray, bool]:
    """Week keys of day numbers (days since 1970-01-01): the days themselves when they all
    fall on one weekday (weekly data), else the first day of their week (``week_start``:
    0 = Monday). Returns (keys, added_up)."""
    weekday = (days + 3) % 7  # 1970-01-01 was a Thursday: Monday = 0
    if np.unique(weekday).size <= 1:
        return days, False
    return days - (weekday - week_start) % 7, True


def check_not_monthly(days: np.ndarray, column: str, fname: str = "") -> None:
    """Refuse a long file's dates that are sales by month (or quarter, or year): three
    or more distinct dates [shape=(n,), days since 1970-01-01], every two at least 28 days
    apart, all on one day of the month (the 1st) or all on a month's last day. Added up
    into weeks they would be a wrong table: one week in four or more with sales, the rest
    filled with 0. Orders a month apart on days of their own are weekly data with empty
    weeks, and read."""
    days = np.unique(days)
    if days.size < 3 or int(np.diff(days).min()) < 28:
        return
    dates = days.astype("datetime64[D]")
    months = dates.astype("datetime64[M]")
    same_day = np.unique(dates - months).size == 1
    month_ends = bool(((dates + 1).astype("datetime64[M]") != months).all())
    if not (same_day or month_ends):
        return
    shown = ", ".join(str(d) for d in dates[:3])
    raise CatalogError(
        f"{fname + ': ' if fname else ''}the dates in {show(column)!r} are a month or more "
        f"apart ({shown} …): sales by month, not by week or day; spread over weeks, most "
        "weeks would be empty. Export the sales by week or by day (one row per "
        "product and week, day or order) and read the file again."
    )


def weekly_table(
    parts: Sequence[LongPart],
    roles: Roles,
    options: ReadOptions,
    notes: list[str],
    fname: str,
) -> tuple[list[str], list[str], np.ndarray]:
    """Products x weeks of a long table's usable rows (every block of it): ids, week
    labels, values [shape=(N, W)]."""
    import pandas as pd

    part = combine(parts)
    if not part.ids:
        return [], [], np.empty((0, 0))
    keys = part.keys
    added = False
    if roles.date_order:
        assert roles.period is not None
        check_not_monthly(keys, roles.period, fname)
        keys, added = week_keys(keys, options.week_start)
        first, last = int(keys.min()), int(keys.max())
        day = np.datetime64(0, "D")
        span = f"{day + first} to {day + last}"
        _check_weeks(fname, (last - first) // 7 + 1, span)
        grid = np.arange(first, last + 1, 7)
        labels = [str(day + int(g)) for g in grid]
        if added:
            start = WEEKDAYS[options.week_start].capitalize()
            notes.append(f"Dates were added up into weeks starting on {start}.")
            lo, hi = int(part.keys.min()), int(part.keys.max())
            if lo != first:
                notes.append(
                    f"The first week ({labels[0]}) is partial: the data start on {day + lo}."
                )
            if hi != last + 6:
                notes.append(
                    f"The last week ({labels[-1]}) is partial: the data end on {day + hi}."
                )
    elif year_weeks(roles):
        first, last = int(keys.min()), int(keys.max())
        grid = year_week_grid(first, last, set((keys[keys % 100 == 53] // 100).tolist()), fname)
        if roles.wrap_week:
            labels = [f"W{g % 100}" for g in grid]
            before, after = grid[grid < 100], grid[grid > 100] % 100
            if before.size and after.size:
                runs = (f"W{w}" for w in (before[0], before[-1], after[0], after[-1]))
                notes.append(wrap_note("week numbers", *runs))
        else:
            labels = [f"{g // 100}-W{g % 100:02d}" for g in grid]
    else:
        first, last = int(keys.min()), int(keys.max())
        _check_weeks(fname, last - first + 1, f"W{first} to W{last}")
        grid = np.arange(first, last + 1)
        labels = [f"W{w}" for w in grid]
    if len(grid) < 2:
        raise CatalogError(
            f"{fname}: all usable rows are for one week ({labels[0]}); at least 2 weeks are needed."
        )
    frame = pd.DataFrame(
        {"product": part.ids, "week": keys, "units": part.units, "rows": part.rows}
    )
    weekly = frame.groupby(["product", "week"], sort=False).sum()
    doubles = int((weekly["rows"] > 1).sum())
    if doubles and not added:  # days and orders added up are said by the note above
        notes.append(
            f"{doubles} product-week{'s' if doubles != 1 else ''} had more than one row; "
            "their units were added together."
        )
    order = list(dict.fromkeys(part.ids))
    row = pd.Index(order).get_indexer(weekly.index.get_level_values(0))
    col = np.searchsorted(grid, weekly.index.get_level_values(1).to_numpy())
    values = np.zeros((len(order), len(grid)))
    filled = np.zeros((len(order), len(grid)), dtype=bool)
    values[row, col] = weekly["units"].to_numpy()
    filled[row, col] = True
    n_missing = int((~filled).sum())
    if n_missing:
        n_prod = int((~filled).any(axis=1).sum())
        notes.append(
            f"{n_missing} missing week{'s' if n_missing != 1 else ''} filled with 0 "
            f"(in {n_prod} product{'s' if n_prod != 1 else ''})."
        )
    return order, labels, values


def _negatives(values: np.ndarray, options: ReadOptions, notes: list[str], roles: Roles) -> None:
    """Report negative units (returns) in ``values``; set them to 0 with clip_negative."""
    neg = values < 0
    if options.clip_negative:
        values[neg] = 0.0
    notes += negatives_notes(int(neg.sum()), options, roles)


def negatives_notes(n: int, options: ReadOptions, roles: Roles) -> list[str]:
    """The note on ``n`` negative units (returns) read, kept or set to 0 (none for 0)."""
    if not n:
        return []
    where = "product-week" if roles.layout == "long" else "value"
    what = f"{n} negative {where}{'s' if n != 1 else ''} (returns)"
    if options.clip_negative:
        return [f"{what} set to 0."]
    return [f"{what} kept as they are; choose to clip them to 0 if they are errors."]


def formatted_notes(n: int) -> list[str]:
    """The note on the ``n`` numbers read without a spreadsheet's formatting (none for 0)."""
    if not n:
        return []
    return [
        f"Read {n:,} number{'s' if n != 1 else ''} written as a spreadsheet shows them "
        "(with a currency symbol, thousands separators, a count's unit, or a minus in "
        "brackets or after them: $1,234.00, 12 pcs, (12), 12-) as plain numbers."
    ]


def _check_weeks(fname: str, n_weeks: int, span: str) -> None:
    if n_weeks > MAX_WEEKS:
        prefix = f"{fname}: its" if fname else "The"
        raise CatalogError(
            f"{prefix} weeks run from {span}, {n_weeks:,} weeks; at most {MAX_WEEKS:,} "
            "weeks are supported. Check the week columns, week numbers or dates."
        )


def _finish(
    fname: str,
    ids: list[str],
    weeks: list[str],
    values: np.ndarray,
    records: list[tuple[int, str, str]],
    notes: list[str],
) -> Catalog:
    excluded = excluded_frame(sorted(records))
    if not ids:
        shown: list[str] = []
        for r, _, why in sorted(records)[:3]:  # as many of the first 3 as fit in a message
            if shown and sum(map(len, shown)) + len(why) > _FIRST_PROBLEMS_CHARS:
                break
            shown.append(f"row {r}: {why}")
        first = "; ".join(shown)
        raise CatalogError(
            f"{fname}: none of its {len(records)} rows can be used. First problems: {first}."
        )
    return Catalog(
        name=fname,
        ids=np.array(ids, dtype=str),
        weeks=list(weeks),
        values=np.ascontiguousarray(values, dtype=np.float64),
        excluded=excluded,
        notes=notes,
    )


# --------------------------------------------------------------------------- streaming

FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}
"""The formats of a file written (results), by extension."""
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")  # read (input only) as the chosen sheet's CSV
INPUT_FORMATS = {
    **FORMATS,
    ".tsv": "csv",
    ".txt": "csv",
    **dict.fromkeys(WORKBOOK_SUFFIXES, "xlsx"),
}
"""The formats of a file read, by extension: text exports (separated by commas, semicolons,
tabs or vertical bars, whatever the extension says), workbooks (a macro-enabled one's
macros are never run: only its cells are read) and Parquet."""
OLD_WORKBOOK_SUFFIX = ".xls"
OLD_WORKBOOK = (
    f"looks like an old Excel workbook ({OLD_WORKBOOK_SUFFIX}). In Excel choose File > Save "
    "As > Excel Workbook (.xlsx) or CSV"
)
"""What an old Excel workbook is and what to do with it, for its refusal (the page takes
one, :data:`OLD_WORKBOOK_SUFFIX`, to say so)."""
BATCH_ROWS = 16_384
NOT_A_NUMBER = "is missing or not a finite number"
"""How a week cell that is not a number ends the message naming it (the Spark engine
reads such a file's weeks again as text, :func:`dtwcore.sales.spark.score_file`)."""
_CSV_BLOCK_BYTES = 8 << 20
_COPY_BYTES = 1 << 20
_PARQUET_BUFFER_BYTES = 1 << 20
_LONG_CHUNK_ROWS = 1 << 16
# Bytes that are not UTF-8, as ``errors="surrogateescape"`` keeps them.
_UNDECODED = re.compile(r"[\udc80-\udcff]")


def emptied_lines(blocks: Iterable[bytes], separator: str) -> Iterator[bytes]:
    """``blocks`` of UTF-8 CSV text with every line of spaces and ``separator`` only made
    an empty line (a line cut by the end of a block is finished in the next one)."""
    spaces = re.compile(rb"(?m)^[ \t\f\v" + re.escape(separator.encode()) + rb"]+(?=\r?$)")
    rest = b""
    for block in blocks:
        text = rest + block
        cut = text.rfind(b"\n") + 1
        rest = text[cut:]
        yield spaces.sub(b"", text[:cut])
    yield spaces.sub(b"", rest)


def file_format(path: str | os.PathLike[str], role: str = "file") -> str:
    """``"csv"`` or ``"parquet"`` from the file's extension (for the ``"input"``, also
    ``"xlsx"`` for ``.xlsx`` and ``.xlsm``, and ``"csv"`` for ``.tsv`` and ``.txt``, as the
    page reads them); CatalogError otherwise (saying what to do with an old ``.xls``)."""
    suffix = Path(path).suffix.lower()
    if role == "input":
        if suffix == OLD_WORKBOOK_SUFFIX:
            raise CatalogError(f"{path} {OLD_WORKBOOK}, then read that file.")
        if suffix not in INPUT_FORMATS:
            raise CatalogError(
                f"{path}: the input must be a CSV (.csv, .tsv, .txt), Excel workbook (.xlsx, "
                ".xlsm) or Parquet (.parquet, .pq) file"
            )
        return INPUT_FORMATS[suffix]
    if suffix not in FORMATS:
        raise CatalogError(
            f"{path}: the {role} must be a CSV (.csv) or Parquet (.parquet, .pq) file"
        )
    return FORMATS[suffix]


@dataclass(frozen=True)
class Layout:
    """Which columns of a wide catalogue hold the product and the weekly values.

    ``id_column`` is the first product column; ``id_columns`` all of them (several
    columns together make one product).
    """

    id_column: str
    week_columns: tuple[str, ...]
    id_columns: tuple[str, ...] = ()


@dataclass(frozen=True)
class Batch:
    """Consecutive products of a catalogue.

    ids : pa.Array [shape=(n,)] of product ids as strings
    values : np.ndarray [shape=(n, W)] float64 weekly values, all finite
    first_row : 0-based position of the batch's first product in the file
    """

    ids: pa.Array
    values: np.ndarray
    first_row: int


def check_values(
    values: np.ndarray,
    ids: pa.Array | Sequence[str],
    weeks: Sequence[str],
    source: str | None,
    first_row: int | None,
) -> None:
    """Raise CatalogError for the first row holding a missing, NaN or infinite value.

    The message starts with ``source`` (when given) and names the row (spreadsheet
    numbering, header = row 1; omitted when ``first_row`` is None), the product and the
    week column. ``first_row`` is the 0-based position of ``values[0]`` in the file.
    """
    finite = np.isfinite(values)
    if finite.all():
        return
    row, col = (int(i) for i in np.argwhere(~finite)[0])
    product = ids[row].as_py() if isinstance(ids, pa.Array) else ids[row]
    where = f"product {product}"
    if first_row is not None:
        where = f"row {first_row + row + 2} ({where})"
    prefix = f"{source}: " if source else ""
    raise CatalogError(f"{prefix}{where}: {weeks[col]} {NOT_A_NUMBER}")


def to_matrix(columns: Sequence[pa.Array | pa.ChunkedArray], n_rows: int) -> np.ndarray:
    """Numeric Arrow columns as one (n_rows, len(columns)) float64 array; nulls are NaN."""
    values = np.empty((n_rows, len(columns)), dtype=np.float64)
    for j, col in enumerate(columns):
        if pa.types.is_decimal(col.type) or pa.types.is_null(col.type):
            col = col.cast(pa.float64())
        values[:, j] = to_numpy(col) if isinstance(col, pa.Array) else col.to_numpy()
    return values


def arrow_ids(columns: Sequence[pa.Array]) -> tuple[pa.Array, np.ndarray]:
    """The product ids of a batch's id columns, as the page reads cells: each column as
    ``string`` (whatever it stores, ``large_string`` included), trimmed, several joined by
    :data:`~dtwcore.sales.ID_JOIN`; and where an id is blank [shape=(N,), bool]: null or
    no bytes in any column (compared by length: comparing with a Python ``""`` would make
    Arrow import pandas)."""
    parts = [pc.utf8_trim_whitespace(pc.cast(col, pa.string())) for col in columns]
    blank = np.zeros(len(parts[0]), dtype=bool)
    for part in parts:
        blank |= to_numpy(pc.is_null(part)) | (to_numpy(pc.binary_length(part)) == 0)
    ids = parts[0] if len(parts) == 1 else pc.binary_join_element_wise(*parts, ID_JOIN)
    return ids, blank


class CatalogReader:
    """The streaming mode of the reader: products of a CSV or Parquet file, batch by batch.

    The layout and the column roles are decided by the same rules, from the same sample
    (the first :data:`~dtwcore.sales.columns.SNIFF_ROWS` rows), as :func:`load_catalog`;
    when every sampled date reads both day-first and month-first, the rest of the file's
    dates are looked at too before the question is asked.
    A wide file is read in record batches (Parquet row groups page by page, CSV block by
    block), so memory stays bounded by the batch size whatever the file size. A long file
    (one row per product and period, or per order line) is added up block by block into
    products x weeks, so memory is bounded by the catalogue, not by the number of lines.

    Unlike :func:`load_catalog`, which lists unusable rows and goes on, the streaming mode
    stops at the first unusable row with a :class:`CatalogError` naming the row, the
    product and the column.

    Parameters
    ----------
    path : the catalogue file (.csv, .tsv, .txt, .xlsx, .parquet or .pq)
    id_column : the product column (same as ``options.id_columns=(id_column,)``)
    options : layout, column roles, week start, date order, clipping of negative units
    batch_rows : products per batch (wide CSV batches follow ``csv_block_bytes``)
    csv_block_bytes : bytes of CSV text per batch; the dialect is told from the first block

    Attributes
    ----------
    roles : :class:`~dtwcore.sales.columns.Roles`
    layout : :class:`Layout` (wide files; the id and week columns)
    dialect : :class:`Dialect` of a CSV file (None for Parquet)
    file_columns : every column name of the file, in file order (cleaned as the page
        cleans them)
    total_rows : number of rows when the format tells it up front (Parquet), else None
    notes : what was done to the data (filled while reading, as in ``Catalog.notes``)
    lines_above_header : lines of a CSV file skipped above its header (title lines, Excel's
        ``sep=;``), counted to the last one (0 for none)
    years_row : the header's years stand on a row of their own above its weeks
        (:func:`~dtwcore.sales.dialect.years_above_weeks`)
    first_line : the line of a CSV file's first row under the header (the first line is 1)
    weeks : labels of the weeks (for a long file, known once it has been read)

    Iterating yields :class:`Batch` objects; :meth:`fraction_done` tells how far the reading
    has got (0..1), for progress bars.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        id_column: str | None = None,
        options: ReadOptions | None = None,
        batch_rows: int = BATCH_ROWS,
        csv_block_bytes: int = _CSV_BLOCK_BYTES,
    ) -> None:
        self.path = str(path)
        self.options = options_with(options, id_column)
        self._text_path = self.path  # the CSV text read (a workbook's sheet as CSV)
        self.notes: list[str] = []
        self.format = file_format(path, "input")
        if self.format == "xlsx":
            self._text_path = self._sheet_as_csv()
            self.format = "csv"
        self.batch_rows = int(batch_rows)
        self._block_bytes = int(csv_block_bytes)
        self._rows_read = 0  # rows of products read (blank rows among them in a wide file)
        self._first_line = 2  # the line of the first row under the header
        self._blank_lines = 0  # blank rows under the header read by Arrow (wide CSV)
        self._blank_text_rows = 0  # blank rows of the last whole pass of _text_rows
        self.lines_above_header = 0
        self.years_row = False
        self._bytes_per_row: float | None = None
        self._file_bytes_per_text_byte = 1.0
        self.dialect: Dialect | None = None
        if not os.path.exists(self.path):
            raise CatalogError(f"{self.path}: no such file")
        if os.path.isdir(self.path):
            raise CatalogError(f"{self.path}: is a folder, not a file")
        self._size = os.path.getsize(self._text_path)
        if self.format == "parquet":
            try:
                self._parquet = pq.ParquetFile(
                    self.path, buffer_size=_PARQUET_BUFFER_BYTES, pre_buffer=False
                )
                schema = self._parquet.schema_arrow
            except UnicodeDecodeError:
                raise CatalogError(
                    f"{self.path}: not a readable Parquet file (a column name is not UTF-8 text)"
                ) from None
            except (pa.ArrowException, OSError) as exc:
                raise CatalogError(f"{self.path}: not a readable Parquet file ({exc})") from None
            self.total_rows: int | None = self._parquet.metadata.num_rows
            self._raw_columns = list(schema.names)
            self.file_columns = clean_header(self._raw_columns, self.path)
            sample = self._parquet_sample()
        else:
            self.total_rows = None
            sample = self._sniff_csv()
        decimal_comma = self.dialect.decimal_comma if self.dialect else False
        try:
            self.roles = resolve_roles(
                self.file_columns, sample, self.options, self.path, decimal_comma
            )
        except AmbiguousColumns as exc:
            if exc.role != "dates" or len(sample) < SNIFF_ROWS:
                raise
            # Every sampled date reads both ways: the later rows may tell (12/13/10), so
            # the whole date column is looked at before asking, as load_catalog does.
            sample += self._rows_with_new_dates(sample)
            self.roles = resolve_roles(
                self.file_columns, sample, self.options, self.path, decimal_comma
            )
        self.weeks: list[str] = list(self.roles.week_labels)
        self._empty_note_at = len(self.notes)  # the page notes empty lines after titles
        self._negative_values = 0  # negative units read (a wide file's; a long one's at once)
        if self.dialect is not None:
            self.notes += separator_notes(self.dialect.separator, decimal_comma)
        self.notes += column_notes(self.roles)
        self._summaries: list[tuple[int, str]] = []  # summary rows left out: (row, product)
        self._formatted: list[int] = []  # numbers read without a spreadsheet's formatting
        self._text_weeks = decimal_comma or self.roles.formatted  # read by text_numbers
        ids = self.roles.ids
        self.layout = Layout(ids[0], self.roles.weeks, ids)

    def _sheet_as_csv(self) -> str:
        """The workbook's chosen sheet written to a temporary UTF-8 CSV file (removed when
        the reader is garbage-collected); its path."""
        try:
            data = Path(self.path).read_bytes()
        except OSError as exc:
            raise CatalogError(f"{self.path}: cannot be read ({exc.strerror or exc})") from None
        if not is_workbook(data):
            raise CatalogError(f"{self.path}: not an Excel workbook (.xlsx)")
        text = workbook_csv(data, self.path, self.options.sheet, self.notes)
        fd, copy = tempfile.mkstemp(prefix="dtwcore-sheet-", suffix=".csv")
        with os.fdopen(fd, "wb") as out:
            out.write(text)
        weakref.finalize(self, os.remove, copy)
        return copy

    # Sample ----------------------------------------------------------------------------
    def _parquet_sample(self) -> list[list[object]]:
        try:
            batch = next(self._parquet.iter_batches(batch_size=SNIFF_ROWS), None)
        except (pa.ArrowException, OSError) as exc:
            raise CatalogError(f"{self.path}: not a readable Parquet file ({exc})") from None
        if batch is None:
            return []
        check_text(zip(self._raw_columns, batch.columns, strict=True), self.path, 2)
        cols = [c.to_pylist() for c in batch.columns]
        return [list(r) for r in zip(*cols, strict=True)]

    def _rows_with_new_dates(self, sample: list[list[object]]) -> list[list[object]]:
        """The rows after ``sample`` that bring a date not seen before in a column of
        dates: the whole date column's variety, in memory bounded by its distinct dates."""
        width = len(self.file_columns)
        dated = [
            j for j in range(width) if date_orders([r[j] for r in sample if len(r) == width])[1]
        ]
        seen = [{str(r[j]) for r in sample if len(r) == width} for j in dated]
        if self.format == "parquet":
            batches = self._parquet.iter_batches(batch_size=SNIFF_ROWS)
            rows: Iterator[list[object]] = (
                list(r)
                for b in batches
                for r in zip(*(c.to_pylist() for c in b.columns), strict=True)
            )
        else:
            rows = (cells for _, cells in self._text_rows())
        found: list[list[object]] = []
        for k, cells in enumerate(rows):
            if k < len(sample) or len(cells) != width:
                continue
            new = False
            for j, known in zip(dated, seen, strict=True):
                if str(cells[j]) not in known:
                    known.add(str(cells[j]))
                    new = True
            if new:
                found.append(list(cells))
        return found

    def _text_rows(self) -> Iterator[tuple[int, list[str]]]:
        """(line number, cells) of the CSV file's rows after the header, blank rows left out
        (counted once the whole file is read), decoded as the dialect says (undecodable
        UTF-8 bytes kept as surrogates)."""
        assert self.dialect is not None
        utf8 = self.dialect.encoding.startswith("utf-8")
        errors = "surrogateescape" if utf8 else "replace"
        with open(self._text_path, newline="", encoding=self.dialect.encoding, errors=errors) as f:
            rows = csv.reader(f, delimiter=self.dialect.separator)
            blank = 0
            try:
                for cells in rows:
                    if rows.line_num <= self._first_line - 1:  # the header and above
                        continue
                    if not any(c.strip() for c in cells):
                        blank += 1
                        continue
                    yield rows.line_num, cells
            except csv.Error as exc:
                raise not_csv(self.path, rows.line_num, exc) from None
            self._blank_text_rows = blank

    def _sniff_csv(self) -> list[list[object]]:
        """Dialect and header from the first block; the sample rows."""
        if self._size == 0:
            raise CatalogError(f"{self.path}: the file is empty")
        with open(self._text_path, "rb") as f:
            head = f.read(self._block_bytes)
        complete = len(head) >= self._size
        dialect, text = sniff_head(head, complete, self.path)
        self.dialect = dialect
        if not dialect.is_utf8:
            utf8 = whole_rows(text, complete).encode()
            self._file_bytes_per_text_byte = len(head) / max(1, len(utf8))
        head = whole_rows(text, complete)
        self.lines_above_header, titles = lines_above_header(head, dialect.separator)
        self.notes += title_notes(titles)
        first = self._header(head, self.lines_above_header)
        if first is None:
            raise CatalogError(f"{self.path}: the file is empty")
        self._raw_columns = [c.strip() for c in first]
        self.file_columns = clean_header(self._raw_columns, self.path)
        sample: list[list[object]] = []
        for _, cells in self._text_rows():
            sample.append(list(cells))
            if len(sample) >= SNIFF_ROWS:
                break
        if not sample:
            raise CatalogError(f"{self.path}: {NO_DATA_ROWS}")
        return sample

    @property
    def first_line(self) -> int:
        """The line of a CSV file's first row under the header (the first line is 1)."""
        return self._first_line

    def _header(self, head: str, skip: int) -> list[str] | None:
        """The cells of the header: the first non-blank row of ``head`` after line ``skip``
        (None when none of the first 50 lines is one), or, when that row holds years
        above the weeks, the next one with the weeks named by their years
        (:func:`~dtwcore.sales.dialect.years_above_weeks`, noted); sets the line of the
        first row."""
        assert self.dialect is not None
        rows = csv.reader(io.StringIO(head, newline=""), delimiter=self.dialect.separator)
        header: list[str] | None = None
        try:
            for cells in rows:
                if rows.line_num > skip + 50:
                    break
                if rows.line_num <= skip or not any(c.strip() for c in cells):
                    continue
                if header is not None:
                    named = years_above_weeks(header, cells)
                    if named is not None:
                        self.notes += years_note(header, named)
                        self.years_row = True
                        self._first_line = rows.line_num + 1
                        return named
                    return header
                header = cells
                self._first_line = rows.line_num + 1
        except csv.Error as exc:
            raise not_csv(self.path, rows.line_num, exc) from None
        return header

    # Wide CSV ---------------------------------------------------------------------------
    def _csv_options(self, **convert: object) -> dict[str, object]:
        """Arrow's read, parse (and, given keywords, convert) options for this file."""
        assert self.dialect is not None
        options: dict[str, object] = {
            "read_options": pacsv.ReadOptions(
                block_size=self._block_bytes,
                column_names=self.file_columns,
                skip_rows=self._first_line - 1,
            ),
            # Empty lines are rows of nulls: blank rows, kept so rows keep their numbers.
            "parse_options": pacsv.ParseOptions(
                delimiter=self.dialect.separator, ignore_empty_lines=False
            ),
        }
        if convert:
            options["convert_options"] = pacsv.ConvertOptions(**convert)
        return options

    @contextlib.contextmanager
    def _utf8_file(self, empty_blank_lines: bool = False) -> Iterator[str]:
        """The file as UTF-8: itself, or a temporary UTF-8 copy of Windows-1252 or UTF-16
        text (written block by block, removed afterwards). With ``empty_blank_lines``
        always a copy, in which the lines of spaces (and separators) are empty lines: Arrow
        reads an empty line as a blank row, as the page skips it, but a line of spaces as
        a row of one cell, or of cells that are not numbers.

        Arrow could decode these itself, but only through Python codecs called from its
        I/O threads, which can leave the process hanging at exit.
        """
        assert self.dialect is not None
        if self.dialect.is_utf8 and not empty_blank_lines:
            yield self._text_path
            return
        fd, copy = tempfile.mkstemp(prefix="dtwcore-", suffix=".csv")
        try:
            blocks = self._utf8_blocks()
            if empty_blank_lines:
                blocks = emptied_lines(blocks, self.dialect.separator)
            try:
                with os.fdopen(fd, "wb") as dst:
                    for block in blocks:
                        dst.write(block)
            except UnicodeDecodeError:
                raise self._decode_error() from None
            yield copy
        finally:
            os.unlink(copy)

    def _utf8_blocks(self) -> Iterator[bytes]:
        """The text file's bytes as UTF-8, block by block (Windows-1252 and UTF-16 text
        decoded; UnicodeDecodeError for UTF-16 that is not UTF-16 throughout)."""
        assert self.dialect is not None
        decoder = None
        if not self.dialect.is_utf8:
            errors = "replace" if self.dialect.encoding == "cp1252" else "strict"
            decoder = codecs.getincrementaldecoder(self.dialect.encoding)(errors=errors)
        with open(self._text_path, "rb") as src:
            while block := src.read(_COPY_BYTES):
                yield decoder.decode(block).encode() if decoder else block
        if decoder:
            yield decoder.decode(b"", final=True).encode()

    def _decode_error(self) -> CatalogError:
        assert self.dialect is not None
        return CatalogError(
            f"{self.path}: starts like {self.dialect.encoding.upper()} text but is not "
            f"{self.dialect.encoding.upper()} throughout; save the file as CSV UTF-8 and "
            "try again"
        )

    def _csv_batches(self) -> Iterator[tuple[pa.RecordBatch, np.ndarray]]:
        """Record batches of the id and week columns, and which of their rows are blank
        (every cell of the row empty: the other columns are read as bytes to tell).

        When Arrow cannot read the file and :meth:`_find_bad_row` finds no row to blame,
        the cause may be numbers written as a spreadsheet shows them (``$1,234.00``): the
        week columns are read again as text and read as the page reads them
        (:func:`~dtwcore.sales.dialect.text_numbers`, as they always are with decimal
        commas); or a line of spaces (blank to the page): the file is read again from a
        copy whose lines of spaces are empty. Each is slower, and only for such files;
        each reading starts from the first row not given yet.
        """
        assert self.dialect is not None
        ids = list(self.roles.ids)
        columns = [*ids, *self.roles.weeks]
        others = [c for c in self.file_columns if c not in columns]
        given = 0  # rows yielded (a second reading starts after them)
        tries = [(False, True), (True, True)]  # (lines of spaces emptied, weeks read as text)
        if not self._text_weeks:
            tries.insert(0, (False, False))
        for empty_blank_lines, text_weeks in tries:
            self._text_weeks = text_weeks
            types = {w: pa.string() if text_weeks else pa.float64() for w in self.roles.weeks}
            types.update({name: pa.string() for name in ids})
            types.update({name: pa.binary() for name in others})
            options = self._csv_options(
                column_types=types,
                include_columns=[*columns, *others],
                null_values=[""],
                strings_can_be_null=True,
            )
            with self._utf8_file(empty_blank_lines) as path:
                try:
                    with pacsv.open_csv(path, **options) as reader:
                        read = 0  # rows of this reading
                        for batch in reader:
                            skip = min(max(given - read, 0), batch.num_rows)
                            read += batch.num_rows
                            if skip < batch.num_rows:
                                yield self._csv_batch(batch.slice(skip), len(ids), columns)
                                given += batch.num_rows - skip
                    return
                except pa.ArrowInvalid as exc:
                    found = self._find_bad_row()
                    if found is not None:
                        raise found from None
                    if empty_blank_lines:
                        message = " ".join(str(exc).split())
                        raise CatalogError(
                            f"{self.path}: not a readable CSV file ({message})"
                        ) from None

    def _csv_batch(
        self, batch: pa.RecordBatch, n_ids: int, columns: list[str]
    ) -> tuple[pa.RecordBatch, np.ndarray]:
        """A batch of the id and week ``columns`` (the others read as bytes follow them)
        and which of its rows are blank."""
        assert self.dialect is not None
        if self._bytes_per_row is None and batch.num_rows:
            # CSV batches are blocks of about block_size bytes (of UTF-8).
            self._bytes_per_row = (
                self._block_bytes * self._file_bytes_per_text_byte / batch.num_rows
            )
        weeks = batch.columns[n_ids : len(columns)]
        if self._text_weeks:
            read = [text_numbers(c, self.dialect.decimal_comma) for c in weeks]
            weeks = [numbers for numbers, _ in read]
            self._formatted.append(sum(n for _, n in read))
        blank = arrow_ids(batch.columns[:n_ids])[1]
        # Only a row without a product can be blank: the rest is looked at for those rows
        # alone (most batches have none).
        for column in (*weeks, *batch.columns[len(columns) :]):
            where = np.flatnonzero(blank)
            if not where.size:
                break
            cells = column.take(from_numpy(where))
            if pa.types.is_floating(cells.type):
                filled = pc.invert(pc.is_null(cells))
            else:
                filled = pc.match_substring_regex(cells, r"\S")
            blank[where[np.equal(to_numpy(filled), True)]] = False
        return pa.RecordBatch.from_arrays([*batch.columns[:n_ids], *weeks], columns), blank

    def _find_bad_row(self) -> CatalogError | None:
        """The first row with a wrong number of fields, a product that is not text in the
        file's encoding or a week that is not a number (read in the file's dialect)."""
        assert self.dialect is not None
        header = self.file_columns
        week_pos = [header.index(w) for w in self.roles.weeks]
        id_pos = header.index(self.roles.ids[0])
        decimal = self.dialect.decimal_comma
        utf8 = self.dialect.encoding.startswith("utf-8")
        for number, fields in self._text_rows():
            if len(fields) != len(header):
                return CatalogError(
                    f"{self.path}: row {number}: has {len(fields)} fields, "
                    f"the header has {len(header)}"
                )
            if utf8 and _UNDECODED.search(fields[id_pos]):
                return CatalogError(
                    f"{self.path}: row {number}: the {header[id_pos]} is not UTF-8 text, "
                    "unlike the start of the file; save the file as CSV UTF-8 and try again"
                )
            product = f" (product {fields[id_pos]})"
            for i in week_pos:
                text = fields[i].strip()
                if decimal and ambiguous_dot(text):
                    return ambiguous_dot_error(self.path, number, header[i], text)
                try:
                    float(decimal_point_text(text) if decimal else text)
                except ValueError:
                    if text == "" or not math.isnan(formatted_number(text, decimal)):
                        continue  # empty cells become NaN and are reported later
                    return CatalogError(
                        f"{self.path}: row {number}{product}: "
                        f"{header[i]} is not a number ({text!r})"
                    )
        return None

    # Both formats -----------------------------------------------------------------------
    def _record_batches(self) -> Iterator[tuple[pa.RecordBatch, np.ndarray]]:
        """Record batches of the id and week columns, and which of their rows are blank."""
        if self.format == "csv":
            yield from self._csv_batches()
            return
        try:
            for batch in self._parquet.iter_batches(
                batch_size=self.batch_rows, columns=self.parquet_columns()
            ):
                yield batch, np.zeros(batch.num_rows, dtype=bool)
        except (pa.ArrowException, OSError) as exc:
            raise CatalogError(f"{self.path}: not a readable Parquet file ({exc})") from None

    def parquet_columns(self) -> list[str]:
        """A wide Parquet file's id and week columns as the file names them, in that order."""
        raw = dict(zip(self.file_columns, self._raw_columns, strict=True))
        return [raw[c] for c in (*self.roles.ids, *self.roles.weeks)]

    def _wide_batches(self) -> Iterator[Batch]:
        weeks = self.roles.weeks
        n_ids = len(self.roles.ids)
        for record, blank in self._record_batches():
            n = record.num_rows
            if n == 0:
                continue
            line = self._rows_read + self._first_line  # of the batch's first row
            check_text(zip(self.roles.ids, record.columns[:n_ids], strict=True), self.path, line)
            ids, missing = arrow_ids(record.columns[:n_ids])
            if (missing & ~blank).any():
                row = int(np.flatnonzero(missing & ~blank)[0])
                raise CatalogError(
                    f"{self.path}: row {line + row}: the id {_id_label(self.roles)} is missing"
                )
            values = to_matrix(record.columns[n_ids:], n)
            summaries = summary_rows(ids)
            values[summaries] = 0.0  # left out below, whatever they hold
            values[blank] = 0.0
            check_values(values, ids, weeks, self.path, line - 2)
            self._negative_values += int(np.count_nonzero(values < 0))
            if self.options.clip_negative:
                np.maximum(values, 0.0, out=values)
            first = self._rows_read
            self._rows_read += n
            self._blank_lines += int(blank.sum())
            if summaries.size or blank.any():
                self._summaries += [(line + int(k), str(ids[int(k)].as_py())) for k in summaries]
                keep = ~blank
                keep[summaries] = False
                ids, values = ids.take(from_numpy(np.flatnonzero(keep))), values[keep]
                if not keep.any():
                    continue
            yield Batch(ids, values, first)

    # Long -------------------------------------------------------------------------------
    def _long_chunks(self) -> Iterator[tuple[dict[str, list[object]], list[int]]]:
        """Columns (as the page reads cells) and line numbers of blocks of rows."""
        if self.format == "parquet":
            raw = dict(zip(self.file_columns, self._raw_columns, strict=True))
            used = [*self.roles.ids, self.roles.period, self.roles.units]
            start = 2
            for batch in self._parquet.iter_batches(
                batch_size=_LONG_CHUNK_ROWS, columns=[raw[c] for c in used]
            ):
                cols = {c: batch.column(k).to_pylist() for k, c in enumerate(used)}
                yield cols, list(range(start, start + batch.num_rows))
                start += batch.num_rows
            return
        header = self.file_columns
        rows: list[list[str]] = []
        lines: list[int] = []
        for line, cells in self._text_rows():
            if len(cells) != len(header):
                raise CatalogError(
                    f"{self.path}: row {line}: has {len(cells)} fields, "
                    f"the header has {len(header)}"
                )
            rows.append(cells)
            lines.append(line)
            if len(rows) >= _LONG_CHUNK_ROWS:
                yield {h: [r[k] for r in rows] for k, h in enumerate(header)}, lines
                rows, lines = [], []
        if rows:
            yield {h: [r[k] for r in rows] for k, h in enumerate(header)}, lines

    def _long_batches(self) -> Iterator[Batch]:
        decimal = self.dialect.decimal_comma if self.dialect else False
        parts: list[LongPart] = []
        lines_read = 0
        for columns, lines in self._long_chunks():
            if decimal:
                check_decimal_dots(columns, number_columns(self.roles), lines, self.path)
            records: list[tuple[int, str, str]] = []
            part = long_rows(
                columns, lines, self.roles, records, decimal, self._summaries, self._formatted
            )
            if records:
                row, product, why = min(records)
                where = f"row {row}" + (f" (product {product})" if product else "")
                raise CatalogError(f"{self.path}: {where}: {why}")
            parts.append(combine([part]))
            lines_read += len(lines)
        if lines_read == 0:
            raise CatalogError(f"{self.path}: {NO_DATA_ROWS}")
        if self._summaries and not any(p.ids for p in parts):
            raise only_summary_rows(self.path, [p for _, p in self._summaries])
        self.notes[self._empty_note_at : self._empty_note_at] = empty_notes(self._blank_text_rows)
        self.notes += formatted_notes(sum(self._formatted)) + summary_notes(self._summaries)
        ids, labels, values = weekly_table(parts, self.roles, self.options, self.notes, self.path)
        del parts
        _negatives(values, self.options, self.notes, self.roles)
        self.weeks = labels
        self.total_rows = len(ids)
        id_array = pa.array(ids, pa.string())
        for start in range(0, len(ids), self.batch_rows):
            stop = min(start + self.batch_rows, len(ids))
            self._rows_read = stop
            yield Batch(id_array.slice(start, stop - start), values[start:stop], start)

    def __iter__(self) -> Iterator[Batch]:
        if self.roles.layout == "long":
            yield from self._long_batches()
            return
        yield from self._wide_batches()
        if self._rows_read == self._blank_lines:
            raise CatalogError(f"{self.path}: {NO_DATA_ROWS}")
        if self._rows_read == self._blank_lines + len(self._summaries):
            raise only_summary_rows(self.path, [p for _, p in self._summaries])
        self.notes[self._empty_note_at : self._empty_note_at] = empty_notes(self._blank_lines)
        self.notes += formatted_notes(sum(self._formatted)) + summary_notes(self._summaries)
        self.notes += negatives_notes(self._negative_values, self.options, self.roles)

    def fraction_done(self) -> float | None:
        """How much of the file has been read (0..1), or None when unknown."""
        if self.total_rows:
            return self._rows_read / self.total_rows
        if self._bytes_per_row and self._size:
            return min(1.0, self._rows_read * self._bytes_per_row / self._size)
        return None

    @property
    def rows_read(self) -> int:
        """Products read so far."""
        return self._rows_read
