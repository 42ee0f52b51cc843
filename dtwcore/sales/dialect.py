"""How a file is written: bytes to a table of text cells (encoding, separator, decimals).

The rules, the same for every entrance (the page, ``score``, ``sweep``, Spark):

* encoding: UTF-16 with a byte-order mark; else UTF-8 (with or without a byte-order
  mark) when the bytes are valid UTF-8; else Windows-1252;
* separator: the one Excel's first line ``sep=;`` names (that line is skipped); else
  whichever of ``, ; \\t |`` the first non-blank line holding any of them holds most of
  (comma when no line does);
* title lines: up to :data:`MAX_TITLE_LINES` lines above the header that hold a single
  filled cell (``Weekly Sales Report``) or a pivot table's caption (``Sum of Units``,
  ``Column Labels``), when the line under them names columns over
  numbers, are skipped with a note (:func:`title_lines`); rows keep their numbers;
* decimal commas (``12,5`` for 12.5) when the separator is not a comma and a cell of the
  first :data:`DECIMAL_SNIFF_ROWS` rows is written so (``1.234,5`` too); in such a file
  dots that group digits by three separate thousands (``1.234`` is 1234) and a number with
  a dot anywhere else (``1.5``) is ambiguous and refused (:func:`decimal_point_text`,
  :func:`ambiguous_dot`);
* Parquet files are told by their signature; Excel workbooks (``.xlsx``, a zip archive)
  too: the chosen sheet (by default the active sheet when it is a visible worksheet, else
  the first visible worksheet; never a chart sheet) is read as text cells, dates written
  ``2024-01-31`` (with the time of day when there is one), so a workbook reads as its CSV
  export does; old ``.xls`` workbooks are refused with what to do.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import itertools
import os
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from dtwcore.sales.errors import CatalogError, CatalogTooLarge
from dtwcore.sales.facts import BIG_CATALOGUES, Limits
from dtwcore.sales.text import show

DECIMAL_COMMA = re.compile(r"^[+-]?\d*,\d+$")
"""A cell written with a decimal comma (``12,5``), once trimmed; read as such only when the
separator is not a comma."""
THOUSANDS_DOTS = re.compile(r"^[+-]?[1-9]\d{0,2}(?:\.\d{3})+(?:,\d+)?$")
"""A number whose dots separate groups of three digits (``1.234``, ``12.345.678``,
``1.234,50``), once trimmed: in a file read with decimal commas the dots separate thousands."""
DECIMAL_COMMA_CELL = re.compile(r"^[+-]?(?:[1-9]\d{0,2}(?:\.\d{3})+|\d*),\d+$")
"""A cell that tells a file is written with decimal commas: :data:`DECIMAL_COMMA`, with
thousands dots too (``1.234,5``)."""
DECIMAL_DOT = re.compile(r"^[+-]?(?:\d+\.\d*|\.\d+)(?:[eE][+-]?\d+)?$")
"""A number written with a decimal point (``1.5``, ``12.34``), once trimmed: in a file read
with decimal commas it is ambiguous unless :data:`THOUSANDS_DOTS` holds."""
DECIMAL_SNIFF_ROWS = 200  # product rows looked at for decimal commas
MAX_TITLE_LINES = 3
"""Lines with a single filled cell (a report's title, an export date) skipped above a header."""
SEPARATOR_HINT = re.compile(r"^sep=(.)\s*$", re.IGNORECASE)
"""Excel's first line naming the separator (``sep=;``)."""
_NUMBER_LIKE = re.compile(r"^[+-]?\d[\d.,' ]*$")
PIVOT_CAPTION = re.compile(
    r"^\s*(?:(?:sum|count|average|max|min) (?:of|-) |(?:summe|anzahl|mittelwert) von "
    r"|(?:somme|nombre|moyenne) de |(?:suma|cuenta|promedio) de "
    r"|(?:somma|conteggio|media) di |(?:som|aantal|gemiddelde) van ).+",
    re.IGNORECASE,
)
"""The first cell of a pivot table's caption line, above its header: the values' field as
Excel names it (``Sum of Units``; ``Summe von Menge``, ``Somme de Quantité``, ``Suma de
Cantidad``, ``Somma di Quantità``, ``Som van Aantal`` in German, French, Spanish, Italian
and Dutch) or LibreOffice (``Sum - Units``); the line (at most two filled cells: Excel
adds ``Column Labels``, LibreOffice the column field's name) is a title line."""
UNNAMED = "The uploaded file"

Source = str | os.PathLike | bytes | bytearray | memoryview | BinaryIO


ZERO_PADDED = re.compile(r"^0+$")
"""A cell number format that pads whole numbers with zeros (``000000``: 123 is ``000123``)."""
XLSX_SIGNATURE = b"PK\x03\x04"
"""The first bytes of an ``.xlsx`` workbook (a zip archive)."""
_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")  # a cell's <f> (formula)
_FULL_CALC = re.compile(  # the workbook asks to be recalculated when opened
    rb"<(?:[A-Za-z_][\w.-]*:)?calcPr\b[^>]*\bfullCalcOnLoad=[\"'](?:1|true)[\"']"
)
_XML_BLOCK_BYTES = 1 << 20


_MARKUP = (
    (re.compile(rb"^(?:<!doctype html|<html|<table|<head|<body|<meta)"), "a web page (HTML)"),
    (re.compile(rb"^mime-version:.*?multipart/related", re.DOTALL), "a web archive (MHTML)"),
    (
        re.compile(rb"^<\?xml.*?(?:urn:schemas-microsoft-com:office:spreadsheet|excel\.sheet)",
                   re.DOTALL),
        "an Excel 2003 XML spreadsheet",
    ),
)  # fmt: skip
"""What a file that is a table written as markup, not CSV, is (its first bytes, lower case):
what SAP, Salesforce and other systems export under an Excel name (``.xls``)."""


def _markup_kind(data: bytes) -> str | None:
    """What a file written as markup is (:data:`_MARKUP`: a web page, a web archive, an
    Excel 2003 XML spreadsheet), from its first 2,000 bytes (UTF-8 or UTF-16); None for
    any other file."""
    head = data[:2000]
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        head = head.decode("utf-16", errors="ignore").encode("utf-8")
    head = head.removeprefix(b"\xef\xbb\xbf").lstrip().lower()
    return next((kind for pattern, kind in _MARKUP if pattern.match(head)), None)


def check_markup(data: bytes, fname: str) -> None:
    """Refuse a table written as markup (:func:`_markup_kind`), saying what to do."""
    kind = _markup_kind(data)
    if kind is not None:
        raise CatalogError(
            f"{fname} is {kind}, not a CSV file or an Excel workbook, as some systems (SAP, "
            "Salesforce) export tables under an Excel name. Open it in Excel, choose File > "
            "Save As > Excel Workbook (.xlsx) or CSV, and use that file."
        )


def is_workbook(data: bytes) -> bool:
    """True when ``data`` starts like an ``.xlsx`` workbook."""
    return data[:4] == XLSX_SIGNATURE


def _open_workbook(data: bytes, fname: str, data_only: bool = True):  # noqa: ANN202
    """The workbook read-only (openpyxl, imported here): its cells' saved values, or with
    ``data_only=False`` its formulas as formulas (``=SUM(B2:D2)``)."""
    from openpyxl import load_workbook

    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=data_only)
    except Exception as exc:  # zipfile, XML and openpyxl raise many types
        raise CatalogError(
            f"{fname} is a damaged or unsupported Excel workbook ({type(exc).__name__}). "
            "Save it again as .xlsx, or as CSV."
        ) from None


def _data_sheets(book: Any) -> list[Any]:
    """The worksheets of the openpyxl workbook ``book`` (the sheets that can hold rows),
    hidden ones too, in workbook order; chart sheets hold none and are left out."""
    return list(book.worksheets)


def _default_sheet(book: Any) -> Any | None:
    """The sheet read when none is named: the active sheet when it is a visible worksheet,
    else the first visible worksheet, else the first worksheet (None when there is none)."""
    sheets = _data_sheets(book)
    visible = [s for s in sheets if s.sheet_state == "visible"]
    active = book.active
    if any(s is active for s in visible):
        return active
    return (visible or sheets or [None])[0]


def workbook_sheets(data: bytes, fname: str) -> list[str]:
    """The names of the sheets of an ``.xlsx`` workbook that can hold rows (hidden ones
    too, chart sheets left out): the one read by default first, then the others in
    workbook order."""
    book = _open_workbook(data, fname)
    try:
        names = [s.title for s in _data_sheets(book)]
        default = _default_sheet(book)
    finally:
        book.close()
    if default is None:
        return []
    return [default.title] + [n for n in names if n != default.title]


def _cell_text(value: object) -> str:
    """A workbook cell as a CSV export writes it: dates ``2024-01-31`` (with the time of
    day when there is one), whole numbers without a decimal point, blanks empty."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _sheet_cell_text(cell: Any) -> str:
    """A worksheet cell (openpyxl's) as :func:`_cell_text` writes its value; a whole number
    in a zero-padding number format (``000000``, :data:`ZERO_PADDED`) as Excel shows it and
    its CSV export writes it, with the zeros (``000123``)."""
    value = cell.value
    if type(value) in (int, float) and value >= 0 and float(value).is_integer():
        number_format = cell.number_format
        if number_format and ZERO_PADDED.match(number_format):
            return f"{int(value):0{len(number_format)}d}"
    return _cell_text(value)


def _pads_zeros(book: Any) -> bool:
    """Whether the openpyxl workbook ``book`` defines a zero-padding number format
    (:data:`ZERO_PADDED`; openpyxl keeps a workbook's own formats in ``_number_formats``,
    and when it does not say, the answer is yes)."""
    formats = getattr(book, "_number_formats", None)
    return formats is None or any(ZERO_PADDED.match(str(f)) for f in formats)


def read_workbook_rows(
    data: bytes, fname: str, sheet: str | None = None, notes: list[str] | None = None
) -> tuple[list[str], list[list[str]], list[int]]:
    """Header, rows of text cells and their row numbers (as the spreadsheet numbers them)
    of one sheet of an ``.xlsx`` workbook (see :func:`_sheet_rows`)."""
    header, body, lines = _sheet_rows(data, fname, sheet, notes)
    return header, body, lines[1:]


def _sheet_rows(
    data: bytes, fname: str, sheet: str | None = None, notes: list[str] | None = None
) -> tuple[list[str], list[list[str]], list[int]]:
    """Header, rows of text cells and their row numbers (as the spreadsheet numbers them)
    of one sheet of an ``.xlsx`` workbook: ``sheet`` by name (a hidden one too), by
    default the active sheet when it is a visible worksheet, else the first visible
    worksheet. Blank rows are left out, and title lines above the header
    (:func:`title_lines`, noted in ``notes``). Chart sheets hold no rows and are refused.
    The row numbers are the header's, then the rows'."""
    book = _open_workbook(data, fname)
    try:
        names = [s.title for s in _data_sheets(book)]
        if sheet is None:
            chosen = _default_sheet(book)
            if chosen is None:
                raise CatalogError(
                    f"{fname} holds only charts, no sheet with rows. Choose a file with "
                    "weekly unit sales."
                )
        elif sheet not in names:
            if sheet in book.sheetnames:
                raise CatalogError(
                    f"{fname}: the sheet {sheet!r} is a chart and holds no rows; the sheets "
                    f"that hold data are {', '.join(names) or 'none'}."
                )
            raise CatalogError(f"{fname} has no sheet {sheet!r}; its sheets are {', '.join(names)}")
        else:
            chosen = book[sheet]
        rows: list[list[str]] = []
        lines: list[int] = []
        blank_cells = False  # a formula saved without its value reads blank
        padded = _pads_zeros(book)  # else the values alone (reading the cells is slower)
        for number, cells in enumerate(chosen.iter_rows(values_only=not padded), 1):
            text = [_sheet_cell_text(c) if padded else _cell_text(c) for c in cells]
            blank_cells = blank_cells or not all(t.strip() for t in text)
            if any(t.strip() for t in text):
                rows.append(text)
                lines.append(number)
    finally:
        book.close()
    titles = title_lines(rows[: MAX_TITLE_LINES + 3])
    recalc = _asks_recalculation(data)
    if (blank_cells or recalc) and _has_formulas(data):
        _check_formula_values(
            data, fname, chosen.title, len(names) > 1, rows, lines, titles, recalc=recalc
        )
    if len(rows) < 2:
        others = [n for n in names if n != chosen.title]
        if others:
            are = "sheets are" if len(others) > 1 else "sheet is"
            raise CatalogError(
                f"{fname}: the sheet {chosen.title!r} has no rows; the workbook's other "
                f"{are} {', '.join(others)}. Choose the one with the weekly unit sales "
                "under How the file is read > Sheet on the page, or with --sheet NAME on the "
                "command line."
            )
        raise CatalogError(f"{fname} has no rows. Choose a file with weekly unit sales.")
    if notes is not None:
        notes += title_notes(rows[:titles])
    rows, lines = rows[titles:], lines[titles:]
    named = years_above_weeks(rows[0], rows[1]) if len(rows) > 2 else None
    if named is not None:
        if notes is not None:
            notes += years_note(rows[0], named)
        rows, lines = [named, *rows[2:]], lines[1:]
    width = len(rows[0])
    while width > 1 and not rows[0][width - 1].strip():  # trailing blank header cells
        width -= 1
    header = [h.strip() for h in rows[0][:width]]
    body = [r[:width] + [""] * (width - len(r)) for r in rows[1:]]
    return header, body, lines


def _has_formulas(data: bytes) -> bool:
    """Whether a worksheet of the ``.xlsx`` workbook ``data`` holds a formula (an ``<f>``
    element of its XML, read block by block): a cheap look before reading its cells again."""
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        for name in book.namelist():
            if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                continue
            tail = b""
            with book.open(name) as sheet:
                while block := sheet.read(_XML_BLOCK_BYTES):
                    if _FORMULA_TAG.search(tail + block):
                        return True
                    tail = block[-64:]
    return False


def _asks_recalculation(data: bytes) -> bool:
    """Whether the ``.xlsx`` workbook ``data`` asks to be recalculated when it is opened
    (``<calcPr fullCalcOnLoad="1">``): what a program that writes formulas without working
    them out saves (openpyxl, xlsxwriter and the libraries like them, with a value of 0 or
    none beside each formula), and what Excel and LibreOffice drop when they save."""
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        try:
            text = book.read("xl/workbook.xml")
        except KeyError:
            return False
    return _FULL_CALC.search(text) is not None


def _check_formula_values(
    data: bytes,
    fname: str,
    sheet: str,
    named: bool,
    rows: Sequence[Sequence[str]],
    lines: Sequence[int],
    header_at: int,
    *,
    recalc: bool = False,
) -> None:
    """Refuse the ``sheet`` (named in the message when ``named``) whose formulas were saved
    without their values, as a program writes a workbook (openpyxl, pandas) and a
    spreadsheet never does: every formula cell of ``rows`` (text cells read from the saved
    values, at their row numbers ``lines``; the header is ``rows[header_at]``) is blank,
    so its rows would be read as blank weeks. A sheet where some formula has a value was
    calculated: a formula read blank there is an empty text (``=IF(B2>0, B2, "")``), and
    stays blank. In a workbook that asks to be recalculated when opened (``recalc``,
    :func:`_asks_recalculation`) a saved 0 is no value either (xlsxwriter saves 0 beside
    each formula unless the program gives it one)."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

    book = _open_workbook(data, fname, data_only=False)
    read = dict(zip(lines, rows, strict=True))
    first: tuple[int, int] | None = None  # (row, column) of the first formula to refuse
    try:
        for number, cells in enumerate(book[sheet].iter_rows(values_only=True), 1):
            saved = read.get(number, ())
            for j, value in enumerate(cells):
                if isinstance(value, str):
                    if not value.startswith("="):
                        continue
                elif not isinstance(value, (ArrayFormula, DataTableFormula)):
                    continue
                shown = saved[j].strip() if j < len(saved) else ""
                if shown and not (recalc and shown == "0"):
                    return  # calculated
                first = first or (number, j)
    finally:
        book.close()
    if first is None:
        return
    number, j = first
    header = rows[header_at] if rows and number > lines[header_at] else ()
    column = header[j].strip() if j < len(header) else ""
    where = f"cell {get_column_letter(j + 1)}{number}" + (f" ({show(column)})" if column else "")
    if named:
        where += f" of the sheet {sheet!r}"
    raise CatalogError(
        f"{fname}: {where} holds a formula whose value was never saved (the workbook was "
        "written by a program, not by Excel). Open it in Excel or LibreOffice and "
        "save it, then read it again."
    )


def workbook_csv(
    data: bytes, fname: str, sheet: str | None = None, notes: list[str] | None = None
) -> bytes:
    """One sheet of an ``.xlsx`` workbook as UTF-8 CSV bytes (for the streaming reader):
    blank lines down to the header's row, so the header and the rows under it keep their
    numbers up to the first blank row; notes as :func:`read_workbook_rows` writes them."""
    header, body, lines = _sheet_rows(data, fname, sheet, notes)
    out = io.StringIO(newline="")
    out.write("\n" * (lines[0] - 1))
    csv.writer(out, lineterminator="\n").writerows([header, *body])
    return out.getvalue().encode("utf-8")


def too_large(fname: str, what: str, limits: Limits) -> CatalogTooLarge:
    """The error for a file beyond the page's ``limits``."""
    return CatalogTooLarge(
        f"{fname} is too big for this page: {what}. The page takes {limits.describe()}. "
        + BIG_CATALOGUES
    )


def check_bytes(size: int, fname: str, limits: Limits) -> None:
    """Refuse a file of ``size`` bytes beyond ``limits``."""
    if size > limits.megabytes * 2**20:
        raise too_large(fname, f"the file is {size / 2**20:,.1f} MB", limits)


def read_source(
    source: Source, name: str | None, limits: Limits | None = None
) -> tuple[bytes, str]:
    """The bytes and what to call them in messages (never more than a label: a name is
    shortened and cleaned, and bytes are never written to or looked up on disk)."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source), show(name, 120) if name else UNNAMED
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        label = show(name or path.name, 120)
        try:
            if limits is not None and path.is_file():
                check_bytes(path.stat().st_size, label, limits)
            return path.read_bytes(), label
        except FileNotFoundError:
            raise CatalogError(f"File not found: {show(path, 200)}.") from None
        except IsADirectoryError:
            raise CatalogError(f"{show(path, 200)} is a folder, not a file.") from None
        except PermissionError:
            raise CatalogError(f"{show(path, 200)} cannot be read (no permission).") from None
    if hasattr(source, "read"):
        data = source.read()
        if isinstance(data, str):
            data = data.encode("utf-8")
        fallback = os.path.basename(str(getattr(source, "name", ""))) or UNNAMED
        return bytes(data), show(name or fallback, 120)
    raise CatalogError(
        f"Cannot read sales from a {type(source).__name__}; give a file path, bytes or a file."
    )


def decode(data: bytes, fname: str) -> str:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            text = "\x00"  # not text after all: refused below
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
    if "\x00" in text:
        raise CatalogError(
            f"{fname} is not a text (CSV) file and not a Parquet file. Upload the sales "
            "table as CSV or Parquet."
        )
    return text


def has_decimal_commas(rows: Iterable[Sequence[object]]) -> bool:
    """True when a cell of the first :data:`DECIMAL_SNIFF_ROWS` product rows (header left
    out) is written with a decimal comma (:data:`DECIMAL_COMMA_CELL`: ``12,5`` or
    ``1.234,5``, also as a spreadsheet shows it: ``1.234,50 €``, :func:`unformatted_text`):
    the page's and the CLI's rule for reading ``12,5`` as 12.5 when the
    separator is not a comma. Cells whose comma is followed by three digits (``1,234``,
    :data:`THOUSANDS_GROUPS`) tell only when no cell is a plain whole number: beside
    ``5`` and ``12`` (a Tableau crosstab, Excel's Unicode text in English) ``1,234`` is a
    thousand and more, as no decimal comma would always have three decimals."""
    grouped = plain = False
    for r in itertools.islice(rows, DECIMAL_SNIFF_ROWS):
        for c in r:
            if not isinstance(c, str):
                continue
            text = unformatted_text(c, True)
            if THOUSANDS_GROUPS.match(text):
                grouped = True
            elif DECIMAL_COMMA_CELL.match(text):
                return True
            elif PLAIN_NUMBER.match(text):
                plain = True
    return grouped and not plain


def separator_hint(text: str) -> str | None:
    """The separator Excel's first line ``sep=;`` names, or None when ``text`` has none."""
    found = SEPARATOR_HINT.match(text.split("\n", 1)[0])
    return found.group(1) if found else None


def sniff_separator(text: str) -> str:
    """The separator of CSV ``text``: the one a first line ``sep=;`` names; else whichever
    of ``, ; \\t |`` the first line of its first 20 that holds any of them (a title line
    may hold none) holds most of; comma when none does (the page's and the CLI's rule). Of
    two it holds as many of, the one the next 10 lines hold as many of: a Tableau crosstab
    or Excel's Unicode text names weeks ``January 1, 2024`` between tabs."""
    hint = separator_hint(text)
    if hint is not None:
        return hint
    lines = text.splitlines()[:20]
    for k, line in enumerate(lines):
        counts = {sep: line.count(sep) for sep in (",", ";", "\t", "|")}
        top = max(counts.values())
        if top == 0:
            continue
        tied = [sep for sep, n in counts.items() if n == top]
        below = [rest for rest in lines[k + 1 : k + 11] if rest.strip()]
        steady = [sep for sep in tied if below and all(r.count(sep) == top for r in below)]
        return steady[0] if len(steady) == 1 else tied[0]
    return ","


def title_lines(rows: Sequence[Sequence[str]]) -> int:
    """How many of a table's first non-blank ``rows`` are title lines above its header:
    at most :data:`MAX_TITLE_LINES` rows with a single filled cell (or a pivot table's
    caption, :data:`PIVOT_CAPTION`), followed by a header of two or more filled cells
    that names a column the first row under it with two or more filled cells (a group's
    name on a line of its own is passed over) fills with a number, so that a first data
    row is never taken for a header. 0 when there are none."""

    def filled(row: Sequence[str]) -> int:
        return sum(1 for c in row if c.strip())

    def title(row: Sequence[str]) -> bool:
        first = next(c for c in row if c.strip())
        return filled(row) == 1 or (filled(row) == 2 and bool(PIVOT_CAPTION.match(first)))

    k = 0
    while k < min(len(rows), MAX_TITLE_LINES) and title(rows[k]):
        k += 1
    if k == 0 or k + 1 >= len(rows) or filled(rows[k]) < 2:
        return 0
    below = next((r for r in rows[k + 1 :] if filled(r) >= 2), [])  # past a group's name
    named = any(
        h.strip()
        and not _NUMBER_LIKE.match(h.strip())
        and _NUMBER_LIKE.match(unformatted_text(b, False))  # $1,234.00 too
        for h, b in zip(rows[k], below, strict=False)
    )
    return k if named else 0


WEEK_WORD = r"(?:w(?:ee)?k?|kw|cw|woche)"
"""A word for a week before its number (``W``, ``Wk``, ``Week``, ``KW``, ``CW``, ``Woche``;
any case where it is used): under years (:func:`years_above_weeks`) and in
:data:`~dtwcore.sales.columns.WEEK_CELL`."""
_YEAR_CELL = re.compile(r"^(?:19|20)\d\d$")  # within columns.YEARS
_WEEK_UNDER_YEAR = re.compile(rf"^({WEEK_WORD}[ _.]?)?(\d{{1,2}})$", re.IGNORECASE)


def years_above_weeks(top: Sequence[str], below: Sequence[str]) -> list[str] | None:
    """A header written on two rows, years above the weeks (a spreadsheet's merged year
    cells, ``,2023,,,2024,`` over ``Product,W50,W51,W52,W1,W2``), as one header row whose
    weeks are named with their years (``2023-W50``); None unless ``top`` holds years only,
    not above the first column, and every cell under a year names a week, the next year
    from its week 1: with a word (``W50``, ``KW 1``) or, plain numbers, one after another,
    so that a first data row is never taken for weeks."""
    cells = [c.strip() for c in top]
    if cells[:1] != [""] or not any(cells) or not all(_YEAR_CELL.match(c) for c in cells if c):
        return None
    out = [c.strip() for c in below]
    year, last, bare = "", 0, True
    for k, cell in enumerate(out):
        above = cells[k] if k < len(cells) else ""
        found = _WEEK_UNDER_YEAR.match(cell)
        week = int(found[2]) if found else 0
        if above and year and above != year:  # the next year starts at its week 1
            if int(above) != int(year) + 1 or week != 1:
                return None
            last = 0
        year = above or year
        if not year:
            continue
        if not 1 <= week <= 53:
            return None
        bare = bare and not found[1]
        if bare and last and week != last + 1:
            return None
        out[k], last = f"{year}-W{week:02d}", week
    return out


def years_note(years: Sequence[str], header: Sequence[str]) -> list[str]:
    """The note on a ``header`` whose ``years`` stood on the row above its weeks."""
    shown = ", ".join(dict.fromkeys(c.strip() for c in years if c.strip()))
    first = next(h for h, y in zip(header, years, strict=False) if y.strip())
    return [f"Read the years above the week columns ({shown}) into their names ({first} …)."]


def title_notes(titles: Sequence[Sequence[str]]) -> list[str]:
    """The note on the title lines (their cells) skipped above the header, each quoted by
    its filled cells (none when there are none)."""
    if not titles:
        return []
    lines = "1 title line" if len(titles) == 1 else f"{len(titles)} title lines"
    quoted = ", ".join(repr(show(" / ".join(c.strip() for c in t if c.strip()))) for t in titles)
    return [f"Skipped {lines} above the header: {quoted}."]


def lines_above_header(text: str, separator: str) -> tuple[int, list[list[str]]]:
    """The lines of CSV ``text`` to skip above its header: the number of the last one (0
    for none; the first line is 1) and the title lines among them, as cells
    (:func:`title_lines`; a first line ``sep=;`` is skipped too, not a title)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    skip = 1 if separator_hint(text) is not None else 0
    rows: list[list[str]] = []
    ends: list[int] = []
    try:
        for cells in reader:
            if reader.line_num > skip and any(c.strip() for c in cells):
                rows.append(cells)
                ends.append(reader.line_num)
                if len(rows) >= MAX_TITLE_LINES + 3:
                    break
    except csv.Error:  # told where it is when the file is read
        return skip, []
    titles = title_lines(rows)
    if titles:
        skip = ends[titles - 1]
    return skip, rows[:titles]


RULE_LINE = re.compile(r"^[\s|+:]*[-=]{3,}[-=\s|+:]*$")
"""A line drawn with dashes or equals signs between the rows of a list printed as text
(SAP's "unconverted" list export: ``|----|``, a Markdown table's ``|---|---|``)."""


def check_rule_lines(text: str, separator: str, fname: str) -> None:
    """Refuse a file separated by vertical bars whose first 20 lines hold a line of dashes
    (:data:`RULE_LINE`): a list printed as text, whose rules would be read as rows (a
    product named ``-----``, or a report grouped by product)."""
    if separator != "|":
        return
    rule = next((line for line in text.splitlines()[:20] if RULE_LINE.match(line)), None)
    if rule is not None:
        raise CatalogError(
            f"{fname} is a list printed as text, with lines of dashes between its rows "
            f"({show(rule.strip(), 20)!r}), as SAP's unconverted list export or a Markdown "
            "table writes it. Export the list as a spreadsheet (in SAP: List > Export > "
            "Spreadsheet) or as CSV, or delete the lines of dashes, and read it again."
        )


def read_csv_rows(
    data: bytes, fname: str, notes: list[str], limits: Limits | None = None
) -> tuple[list[str], list[list[object]], list[int], bool]:
    """Header, data rows (as text cells) and their line numbers; decimal-comma flag.

    With ``limits``, stops reading as soon as the cells outnumber what any layout within
    the limits can have (a long table has three cells per number).
    """
    check_markup(data, fname)
    text = decode(data, fname)
    sep = sniff_separator(text)
    check_rule_lines(text, sep, fname)
    skip, titles = lines_above_header(text, sep)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    header: list[str] | None = None
    years: list[str] = []  # a row of years above the weeks, read into the header
    rows: list[list[object]] = []
    lines: list[int] = []
    empty = 0
    try:
        for cells in reader:
            if reader.line_num <= skip:
                continue
            if not any(c.strip() for c in cells):
                if header is not None:
                    empty += 1
                continue
            if header is None:
                header = [c.strip() for c in cells]
                continue
            if not rows and not years and (named := years_above_weeks(header, cells)):
                years, header = header, named
                continue
            rows.append(cells)
            lines.append(reader.line_num)
            if (
                limits is not None
                and len(rows) % 1024 == 0
                and len(rows) * len(header) > 3 * limits.values
            ):
                raise too_large(
                    fname,
                    f"it has more than {len(rows):,} rows of {len(header):,} columns, "
                    f"more than {limits.values:,} numbers",
                    limits,
                )
    except csv.Error as exc:
        raise not_csv(fname, reader.line_num, exc) from None
    if header is None:
        raise CatalogError(f"{fname} has no rows. Choose a file with weekly unit sales.")
    if not rows:
        raise CatalogError(
            f"{fname} has a header row but no product rows under it. Check that you "
            "exported the whole table."
        )
    notes += title_notes(titles) + (years_note(years, header) if years else [])
    notes += empty_notes(empty)
    decimal_comma = sep != "," and has_decimal_commas(rows)
    notes += separator_notes(sep, decimal_comma)
    return header, rows, lines, decimal_comma


def not_csv(fname: str, line: int, exc: csv.Error) -> CatalogError:
    """The refusal of a file the CSV reader stopped on at ``line`` (a stray quote)."""
    return CatalogError(
        f"{fname}, line {line}: the file cannot be read as CSV ({exc}). "
        "Check for a stray quote character."
    )


def empty_notes(empty: int) -> list[str]:
    """The note on the blank lines (or lines of separators only) skipped under the header."""
    return [f"Skipped {empty} empty line{'s' if empty != 1 else ''}."] if empty else []


def separator_notes(separator: str, decimal_comma: bool) -> list[str]:
    """The note on a CSV file's separator when it is not a comma (empty for commas)."""
    label = {";": "semicolons", "\t": "tabs", "|": "vertical bars"}.get(separator)
    if not label:
        return []
    extra = "; decimal commas read as decimal points" if decimal_comma else ""
    return [f"Columns separated by {label}{extra}."]


def fix_decimal_comma(cell: object) -> object:
    """``cell`` with a decimal comma (``12,5``) written with a decimal point (``12.5``);
    any other cell as it is. Thousands dots are not read here (see
    :func:`decimal_point_text`): the target's reader uses this for any file separated by
    semicolons or tabs, whose dots may be decimal points."""
    if isinstance(cell, str) and DECIMAL_COMMA.match(cell.strip()):
        return cell.strip().replace(",", ".")
    return cell


def decimal_point_text(text: str) -> str:
    """A number cell of a file read with decimal commas written as Python reads numbers:
    trimmed, thousands dots dropped (:data:`THOUSANDS_DOTS`) and the decimal comma made a
    point (``1.234,5`` -> ``1234.5``, ``12,5`` -> ``12.5``); other text only trimmed.

    A number with a dot in any other place (``1.5``) comes back as it is: see
    :func:`ambiguous_dot`, which the readers check before reading the number.
    """
    text = text.strip()
    if THOUSANDS_DOTS.match(text):
        text = text.replace(".", "")
    return text.replace(",", ".") if DECIMAL_COMMA.match(text) else text


_GROUP_SPACES = " \u00a0\u202f"  # in patterns as the characters: Python, RE2, Java alike
_SPACES = _GROUP_SPACES + "\t"
BRACKETED = re.compile(r"^\((.+)\)$")
"""An accountant's negative number (``(12)``, ``($1,234.00)``): read as ``-12``."""
TRAILING_MINUS = re.compile(r"^([^-]*\d)-$")
"""SAP's negative number, its minus sign after it (``12-``, ``1.234,000-``)."""
CURRENCY_SIGN = re.compile(f"[{_SPACES}]*[$€£¥][{_SPACES}]*")
"""A currency symbol and the spaces around it, left out of a number (``$1,234.00``,
``12,50 €``)."""
UNIT_SUFFIX = re.compile(
    f"(\\d)[{_SPACES}]*(?i:pcs|pc|pce|pieces?|ea|each|units?|stk|stck|st|stück|uds?|pz)\\.?$"
)
"""A count's unit written after it, as a spreadsheet's number format shows it (``12 pcs``,
``5 ea``, ``3,000 Stk.``, ``4 uds``): left out of a number (group 1, the digit before
it, is kept)."""
SPACE_GROUPS = re.compile(f"^[+-]?\\d{{1,3}}(?:[{_GROUP_SPACES}]\\d{{3}})+(?:[.,]\\d+)?$")
"""A number whose digits are grouped by three with spaces (``1 234,50``, a no-break space
in French exports): the spaces are left out."""
GROUP_SPACE = re.compile(f"[{_GROUP_SPACES}]")
"""A space between groups of digits (:data:`SPACE_GROUPS`)."""
THOUSANDS_GROUPS = re.compile(r"^[+-]?[1-9]\d{0,2}(?:,\d{3})+$")
"""A whole number whose commas may separate groups of three digits (``1,234``,
``12,345,678``), or hold three decimals in a file with decimal commas (``1,234``)."""
PLAIN_NUMBER = re.compile(r"^[+-]?\d+$")
"""A whole number written with digits alone (``5``, ``120``)."""
THOUSANDS_COMMAS = re.compile(r"^[+-]?[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?$")
"""A number whose commas separate groups of three digits (``1,234``, ``1,234.50``): in a
file written with decimal points the commas separate thousands."""


def unformatted_text(text: str, decimal_comma: bool) -> str:
    """A number cell as a spreadsheet displays it, written without its formatting:
    trimmed, brackets (:data:`BRACKETED`) or a trailing minus (:data:`TRAILING_MINUS`)
    made a leading minus, currency symbols and a count's unit left out
    (:data:`CURRENCY_SIGN`, :data:`UNIT_SUFFIX`), and digits
    grouped by spaces (:data:`SPACE_GROUPS`) or, in a file with decimal points, by commas
    (:data:`THOUSANDS_COMMAS`) joined; ``($1,234.00)`` -> ``-1234.00``. Decimal commas
    and thousands dots are :func:`decimal_point_text`'s. Any other cell comes back trimmed.
    """
    text = BRACKETED.sub(r"-\1", UNIT_SUFFIX.sub(r"\1", text.strip()))
    text = CURRENCY_SIGN.sub("", TRAILING_MINUS.sub(r"-\1", text))
    if SPACE_GROUPS.match(text):
        text = GROUP_SPACE.sub("", text)
    if not decimal_comma and THOUSANDS_COMMAS.match(text):
        text = text.replace(",", "")
    return text


def ambiguous_dot(text: str) -> bool:
    """True when ``text``, a number cell of a file read with decimal commas, has a dot that
    does not separate thousands (``1.5``, ``12.34``): it may be a decimal point or a
    mistake, so it is refused rather than read (:func:`ambiguous_dot_error`)."""
    text = text.strip()
    return bool(DECIMAL_DOT.match(text)) and not THOUSANDS_DOTS.match(text)


def ambiguous_dot_error(fname: str, row: int, column: str, text: str) -> CatalogError:
    """The error for an :func:`ambiguous_dot` cell: ``row`` as a spreadsheet numbers it,
    ``column`` the week or units column."""
    text = show(text.strip())
    return CatalogError(
        f"{fname}, row {row}, column {show(column)}: {text!r} has a dot, but this file "
        "writes decimals with a comma (12,5) and puts dots only between thousands (1.234), "
        f"so it is unclear what {text!r} means. Write it {text.replace('.', ',')!r} if it "
        "is a decimal, or correct the number."
    )


def decimal_comma_numbers(text: Any) -> Any:
    """A pyarrow text array of number cells of a file read with decimal commas as float64,
    by :func:`decimal_point_text`; blank cells become nulls.

    Raises pyarrow's ArrowInvalid for a cell that is not a number and for an
    :func:`ambiguous_dot` cell (the caller finds the cell and names it).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pc.utf8_trim_whitespace(text)
    dots = pc.match_substring_regex(text, DECIMAL_DOT.pattern)
    thousands = pc.match_substring_regex(text, THOUSANDS_DOTS.pattern)
    if pc.any(pc.and_(dots, pc.invert(thousands))).as_py():
        raise pa.ArrowInvalid("a number with a decimal point in a file with decimal commas")
    text = pc.if_else(thousands, pc.replace_substring(text, ".", ""), text)
    comma = pc.match_substring_regex(text, DECIMAL_COMMA.pattern)
    text = pc.if_else(comma, pc.replace_substring(text, ",", "."), text)
    text = pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)
    return pc.cast(text, pa.float64())


def text_numbers(text: Any, decimal_comma: bool) -> tuple[Any, int]:
    """A pyarrow text array of number cells as float64, by the page's rule: written
    without a spreadsheet's formatting (:func:`unformatted_text`, the same patterns), then
    read as :func:`decimal_comma_numbers` does or as plain numbers; blank cells become
    nulls. Returns the numbers and how many cells were written with formatting.

    Raises pyarrow's ArrowInvalid for a cell that is not a number (and, with decimal
    commas, an :func:`ambiguous_dot` cell): the caller finds the cell and names it.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pc.utf8_trim_whitespace(text)
    plain = pc.replace_substring_regex(text, UNIT_SUFFIX.pattern, r"\1")
    plain = pc.replace_substring_regex(plain, BRACKETED.pattern, r"-\1")
    plain = pc.replace_substring_regex(plain, TRAILING_MINUS.pattern, r"-\1")
    plain = pc.replace_substring_regex(plain, CURRENCY_SIGN.pattern, "")
    grouped = pc.match_substring_regex(plain, SPACE_GROUPS.pattern)
    plain = pc.if_else(grouped, pc.replace_substring_regex(plain, GROUP_SPACE.pattern, ""), plain)
    if not decimal_comma:
        commas = pc.match_substring_regex(plain, THOUSANDS_COMMAS.pattern)
        plain = pc.if_else(commas, pc.replace_substring(plain, ",", ""), plain)
    changed = pc.sum(pc.cast(pc.not_equal(plain, text), pa.int64())).as_py() or 0
    if changed and pc.any(pc.and_(pc.equal(plain, ""), pc.not_equal(text, ""))).as_py():
        raise pa.ArrowInvalid("a cell of a currency symbol or brackets alone")
    if decimal_comma:
        return decimal_comma_numbers(plain), changed
    plain = pc.if_else(pc.equal(plain, ""), pa.scalar(None, pa.string()), plain)
    return pc.cast(plain, pa.float64()), changed


def check_decimal_dots(
    columns: dict[str, Sequence[object]], names: Iterable[str], lines: Sequence[int], fname: str
) -> None:
    """Refuse the first :func:`ambiguous_dot` cell (row by row) of the number columns
    ``names`` of a file read with decimal commas, naming its row (``lines``) and column."""
    names = list(names)
    for k, line in enumerate(lines):
        for name in names:
            cell = columns[name][k]
            if isinstance(cell, str) and "." in cell and ambiguous_dot(cell):
                raise ambiguous_dot_error(fname, line, name, cell)


def _is_utf8(value: bytes | None) -> bool:
    try:
        (value or b"").decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def check_text(columns: Iterable[tuple[str, object]], source: str, first_row: int) -> None:
    """Raise CatalogError when a text column of a Parquet file holds bytes that are not
    UTF-8 (a damaged file, or one written with another encoding), naming the row.

    Parameters
    ----------
    columns : (name, pyarrow Array or ChunkedArray) pairs; columns not of text are skipped
    source : the file's name, as messages show it ("" leaves it to the caller)
    first_row : the row number of the columns' first value, as a spreadsheet counts (the
        header is row 1)
    """
    import pyarrow as pa

    for name, column in columns:
        if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
            continue
        try:
            column.validate(full=True)
        except pa.ArrowInvalid:
            raw = column.cast(
                pa.large_binary() if pa.types.is_large_string(column.type) else pa.binary()
            )
            k = next(k for k, value in enumerate(raw.to_pylist()) if not _is_utf8(value))
            where = f"{source}: " if source else ""
            raise CatalogError(
                f"{where}row {first_row + k} ({name}): the text is not UTF-8, so the file is "
                "damaged or was written with another encoding. Export it again, or save it as "
                "CSV."
            ) from None


def read_parquet_rows(data: bytes, fname: str) -> tuple[list[str], list[list[object]], list[int]]:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(io.BytesIO(data))
        names = table.column_names
    except UnicodeDecodeError:
        raise CatalogError(
            f"{fname}: not a readable Parquet file (a column name is not UTF-8 text). Export "
            "it again, or upload it as CSV."
        ) from None
    except Exception as exc:  # pyarrow raises many types for damaged files
        raise CatalogError(
            f"{fname} is a damaged or unsupported Parquet file ({type(exc).__name__}). "
            "Export it again, or upload it as CSV."
        ) from None
    check_text(zip(names, table.columns, strict=True), fname, 2)
    df = table.to_pandas()
    if df.shape[1] == 0 or df.shape[0] == 0:
        raise CatalogError(f"{fname} has no rows. Choose a file with weekly unit sales.")
    header = [str(c).strip() for c in df.columns]
    rows = df.astype(object).where(df.notna(), None).values.tolist()
    return header, rows, list(range(2, len(rows) + 2))


@dataclass(frozen=True)
class Dialect:
    """How a CSV file is written, as :func:`sniff_dialect` tells it.

    Attributes
    ----------
    encoding : Python codec of the text: ``"utf-8"``, ``"utf-8-sig"`` (with a byte-order
        mark), ``"utf-16"`` (with a byte-order mark) or ``"cp1252"``
    separator : ``","``, ``";"``, ``"\\t"`` or ``"|"``
    decimal_comma : week cells such as ``12,5`` mean 12.5 (never with the separator ``,``)
    """

    encoding: str
    separator: str
    decimal_comma: bool

    @property
    def is_utf8(self) -> bool:
        """True for UTF-8 text, which Arrow reads as it is (skipping a byte-order mark)."""
        return self.encoding.startswith("utf-8")


def _decode_head(head: bytes, complete: bool, source: str) -> tuple[str, str]:
    """(encoding, text) of a file's first bytes, by the page's rule (see :func:`sniff_dialect`).

    A character cut off at the end of an incomplete ``head`` is left out of the text.
    """
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            text = codecs.getincrementaldecoder("utf-16")().decode(head, final=complete)
        except UnicodeDecodeError:
            raise CatalogError(
                f"{source}: starts like UTF-16 text but is not UTF-16; save the file as "
                "CSV UTF-8 and try again"
            ) from None
        return "utf-16", text
    try:
        text = codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=complete)
    except UnicodeDecodeError:
        return "cp1252", head.decode("cp1252", errors="replace")
    return ("utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"), text


def whole_rows(text: str, complete: bool) -> str:
    """``text`` without its last row when that row may be cut off (``complete`` False)."""
    return text if complete else text[: max(text.rfind("\n"), text.rfind("\r")) + 1]


def _first_lines(text: str, lines: int = 21) -> str:
    """A start of ``text`` holding its first ``lines - 1`` lines whole (or all of it), so
    that the page's separator rule, which reads the first 20 lines, need not split the
    whole block into lines."""
    size = 1 << 16
    while size < len(text) and len(text[:size].splitlines()) <= lines:
        size *= 4
    return text[:size]


def _has_decimal_commas(text: str, separator: str) -> bool:
    """:func:`has_decimal_commas` over the rows of ``text`` (blank rows and
    the header left out, as the page leaves them out)."""
    rows = (c for c in csv.reader(io.StringIO(text, newline=""), delimiter=separator)
            if any(x.strip() for x in c))  # fmt: skip
    try:
        next(rows, None)  # the header
        return has_decimal_commas(rows)
    except csv.Error:  # e.g. a field over the csv module's size limit: Arrow will tell
        return False


def sniff_dialect(head: bytes, *, complete: bool, source: str) -> Dialect:
    """The encoding, separator and decimal mark of a CSV file, from its first bytes.

    The rules are those of the Sales Trends page (:func:`load_catalog`):

    * a UTF-16 byte-order mark means UTF-16; else text that is valid UTF-8 (with or
      without a byte-order mark) is UTF-8, anything else Windows-1252;
    * the separator is the one :func:`sniff_separator` tells (Excel's ``sep=;``, else
      whichever of ``, ; \\t |`` the first line holding any of them holds most of);
    * decimal commas when the separator is not a comma and a cell of the first 200 rows
      after the header looks like ``12,5`` or ``1.234,5`` (:data:`DECIMAL_COMMA_CELL`).

    Parameters
    ----------
    head : the first bytes of the file (Arrow's first block: ``csv_block_bytes``)
    complete : True when ``head`` is the whole file
    source : the file name used in error messages

    Raises
    ------
    CatalogError when the bytes are not text: a UTF-16 byte-order mark followed by bytes
    that are not UTF-16, or NUL characters (as the page refuses them).
    """
    return sniff_head(head, complete, source)[0]


def sniff_head(head: bytes, complete: bool, source: str) -> tuple[Dialect, str]:
    """:func:`sniff_dialect`, and the text of ``head``."""
    check_markup(head, source)
    encoding, text = _decode_head(head, complete, source)
    if "\x00" in text:
        raise CatalogError(
            f"{source}: not a text (CSV) file (it holds NUL bytes); save the sales table "
            "as CSV and try again"
        )
    first = _first_lines(text)
    separator = sniff_separator(first)
    check_rule_lines(first, separator, source)
    decimal = separator != "," and _has_decimal_commas(whole_rows(text, complete), separator)
    return Dialect(encoding, separator, decimal), text
