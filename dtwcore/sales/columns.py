"""The column rules: which columns hold the product, the period and the units.

One set of rules for every entrance (the page, ``score``, ``sweep``, Spark, the logged
model). :func:`resolve_roles` looks at the header and a sample of rows (the first
:data:`SNIFF_ROWS` data rows, whichever entrance reads the file) and returns the
:class:`Roles`; roles given in :class:`ReadOptions` are always taken as given.

Layouts:

* **wide**: one row per product, one column per week. On ``auto`` it needs at least two
  week-like column names: ``W0``, ``Week 1``, ``wk3``, plain numbers, or dates
  (``2024-01-01``). Other numeric columns (``Sales``, ``Profit``, ``Temperature``) are
  never taken as weeks unless the layout is set to wide explicitly.
* **long**: one row per product and period (or per order line): a period column (dates,
  or whole week numbers), a units column, and one or more product columns (e.g. store and
  department). Rows of the same product and week are added up.

The guess uses values as well as names: a column of dates is a period column; a column
whose values repeat across rows (and are not fractional numbers) can be a product column;
a unit name (``Quantity``, ``Units``) beats a money-like one (``Sales``, ``Amount``). When
more than one column fits a role, :class:`~dtwcore.sales.catalog.AmbiguousColumns` names
the candidates; nothing is guessed silently.

Dates are ``YYYY-MM-DD`` (also with ``/`` or ``.``), day-first ``DD-MM-YYYY`` or
month-first ``MM-DD-YYYY`` (two-digit years: 00-68 are 2000-2068, 69-99 are 1969-1999),
or written with a month's name (``07-Jan-24``, ``7 January 2024``, ``07.Jan.2024``,
``Jan 7, 2024``, ``2024-Jan-07``), optionally followed by a time of day (with seconds,
AM/PM, or Oracle's ``12.00.00.000 AM``) and a time zone (``Z``, ``+01:00``, ``+00``,
``UTC``), which are ignored: the day written is the day read. A month's name tells the
order by its place; when every date of three numbers in the sample reads both day-first
and month-first, the order must be chosen (:attr:`ReadOptions.date_order`).
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import reduce

import numpy as np

from dtwcore.sales.dialect import WEEK_WORD, ambiguous_dot, decimal_point_text, unformatted_text
from dtwcore.sales.errors import AmbiguousColumns, AmbiguousIdColumn, CatalogError
from dtwcore.sales.facts import MAX_WEEKS
from dtwcore.sales.text import names, not_a_number, quote, show
from dtwcore.sales.units import MONEY_WORDS, SALES_WORDS, cell_currency

SNIFF_ROWS = 10_000
"""Data rows every entrance looks at to tell the layout, the roles and the date order."""
LAYOUTS = ("auto", "wide", "long")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DATE_ORDERS = {"ymd": "year first", "dmy": "day-first", "mdy": "month-first"}
ID_JOIN = " | "
"""Between the parts of a product made of several columns (``1 | 3`` for store 1, dept 3)."""

# Header names (lower case, spaces and hyphens as "_") and the words in them.
ID_WORDS = frozenset(
    {"product", "sku", "item", "id", "code", "article", "material", "part", "store", "shop",
     "dept", "department", "ean", "upc", "gtin", "branch", "location", "asin", "fnsku",
     "isbn", "mpn", "plu",
     "artikel", "artikelnummer", "artikelnr", "materialnummer", "produkt", "produktnummer",
     "produit", "référence", "producto", "código", "codigo", "referencia", "artículo",
     "articulo", "prodotto", "codice", "articolo", "produto"}
)  # fmt: skip
"""Words of a name of a column that may hold the products (Amazon's ``ASIN`` and
``FNSKU``, a book's ``ISBN``, a maker's part number ``MPN``, a till's ``PLU`` included),
and their German, French, Spanish and Italian words (``Artikelnummer``, ``Référence``,
``Código``, ``Codice``)."""
GROUP_WORDS = frozenset(
    {"vendor", "supplier", "manufacturer", "brand", "type", "category", "group", "class",
     "family", "collection", "segment", "division", "line", "parent"}
)  # fmt: skip
"""Words of a name with an :data:`ID_WORDS` word that say it holds a grouping of the
products (``Product type``, ``Product vendor``, Amazon's ``(Parent) ASIN`` of a product's
variants), not the products."""
OTHER_THING_WORDS = frozenset(
    {"transaction", "order", "invoice", "receipt", "customer", "client", "employee",
     "ticket", "payment"}
)  # fmt: skip
"""Words of a name with an :data:`ID_WORDS` word that say it numbers something else than
the products (``Transaction ID``, ``Order ID``, ``Customer ID``)."""
LONG_WEEK_NAMES = frozenset(
    {"week", "weeks", "date", "week_start", "week_starting", "week_ending", "week_number",
     "week_no", "week_nr", "period", "week_of", "day", "woche", "kalenderwoche", "kw",
     "datum"}
)  # fmt: skip
SALE_DATE_WORDS = frozenset({"sale", "sales", "sold"})
SALE_DATE_NAME = frozenset({*SALE_DATE_WORDS, "date", "day", "on", "at", "time"})
"""A long file's date column named by :data:`SALE_DATE_WORDS` and these words alone says
the day of the sale (``Sale Date``, ``Date Sold``, ``Sold On``): of several date columns
(``Date Paid``, ``Date Shipped``), the one to add up by. Not ``Last Sale Date`` or ``Sale
End Date`` (a product's or a promotion's day); an ``Order Date`` beside a ``Ship Date``
is asked about."""
LONG_WEEK_WORDS = frozenset({"week", "wk", "woche", "kw", "kalenderwoche"})
"""Words of a name of a long file's column of week numbers, when no column is named
as :data:`LONG_WEEK_NAMES` are (``WM Week``, ``Fiscal Week``)."""
UNIT_WORDS = frozenset(
    {"units", "unit", "quantity", "qty", "sold", "volume", "demand", "pieces", "pcs", "menge",
     "purchased",
     "stück", "stueck", "stk", "absatz", "quantité", "quantite", "qté", "cantidad",
     "unidades", "quantità", "quantita", "pezzi", "aantal", "stuks", "quantidade"}
)  # fmt: skip
"""Words of a name of the units sold (``Quantity``, ``Units Sold``, Google Analytics'
``Items purchased``), and in German, French, Spanish, Italian, Dutch and Portuguese
(``Menge``, ``Quantité``, ``Cantidad``, ``Aantal``)."""
PER_UNIT_WORDS = frozenset(
    {"price", "cost", "rate", "per", "margin", "discount", "tax", "weight", "size", "pack"}
)
"""Words of a column name that say a value per unit or of one (``Unit Price``, ``Pack
size``), never the units sold, whatever other word the name holds."""
SUMMARY_NAMES = frozenset({"min", "max", "mean", "avg", "average", "total", "sum", "median", "std"})
SUMMARY_ROWS = frozenset(
    {"total", "totals", "grand_total", "grand_totals", "sum", "subtotal", "sub_total",
     "all_products", "all_items", "total_result", "gesamtergebnis",
     "summe", "gesamt", "gesamtsumme", "total_général", "total_general", "totale",
     "totale_complessivo", "totaal", "eindtotaal", "total_geral"}
)  # fmt: skip
"""Product codes (as :func:`norm` writes them) of a wide file's summary rows, not products
(pivot tables' last rows too: Excel's ``Grand Total``, ``Gesamtergebnis`` in German,
LibreOffice's ``Total Result``; ``Summe``, ``Total général``, ``Totale complessivo``,
``Eindtotaal``, ``Total geral`` in other languages)."""
SUMMARY_ROW_HINT = "|".join(sorted({r.split("_")[0] for r in SUMMARY_ROWS}))
"""A pattern (any case) every summary row's product holds: the first word of each of
:data:`SUMMARY_ROWS`, which picks the few ids that may be one before each is checked."""
PIVOT_ROW_LABELS = frozenset({"row_labels", "zeilenbeschriftungen"})
"""The first column's name (as :func:`norm` writes it) in a pivot table Excel lays out in
compact form (English, German): with dates in it, products and weeks share the column."""
YEAR_NAMES = frozenset({"year", "yr", "fiscal_year", "fy", "jahr", "annee", "año"})
YEARS = (1900, 2100)
"""The years a year column, or the year of a year-week number (``202405``), may hold."""
_WEEK_HEADER = re.compile(r"^(?:w(?:ee)?k?|kw)?[ _.]?(\d+)$")
WEEK_CELL = re.compile(
    rf"^\s*(?i:{WEEK_WORD}[ _.]?(\d{{1,2}})"
    rf"|(?:fy ?)?(\d{{4}})[ _./-]?{WEEK_WORD}[ _.]?(\d{{1,2}})"
    rf"|{WEEK_WORD}[ _.]?(\d{{1,2}})[ _.,/-]+(\d{{4}})"
    rf"|fy ?'?(\d{{2}})[ _./-]*{WEEK_WORD}[ _.]?(\d{{1,2}}))\s*$"
)
"""A week written with a word for it (any case; Python's, Arrow's and Spark's patterns
alike): ``W5``, ``Week 5``, ``KW 05``, ``CW5`` (group 1), with its year first
(``2024-W05``, ``2024W05``, ``2024/KW05``, a fiscal year's ``FY2024 W05``: groups 2 and
3) or after it (``W05-2024``, ``KW 05/2024``, ``Week 5, 2024``: groups 4 and 5), or a
fiscal year's of two digits, of the 2000s (``FY24 Wk 5``, ``FY'24-KW05``: groups 6, the
year, and 7). :func:`week_label` reads it."""
MONTH_PATTERNS = (
    r"jan(?:uary?)?", r"feb(?:ruary?)?", r"m(?:ar(?:ch)?|[äÄ]r(?:z)?|rz)", r"apr(?:il)?",
    r"ma[iy]", r"june?|juni", r"july?|juli", r"aug(?:ust)?", r"sept?(?:ember)?",
    r"o[ck]t(?:ober)?", r"nov(?:ember)?", r"de[cz](?:ember)?",
)  # fmt: skip
"""The names of the months, January first, as regular expressions of lower-case text
(English names and abbreviations, and the German ones that differ: ``Mär``, ``Mrz``,
``Mai``, ``Juni``, ``Okt``, ``Dez``); the one list of month names."""
_MONTH_NAMES = "|".join(MONTH_PATTERNS)
_MONTH_NUMBER = re.compile("|".join(f"({m})" for m in MONTH_PATTERNS), re.IGNORECASE)
_DAY = r"(\d{1,2})(?i:st|nd|rd|th)?"
_NAME = rf"((?i:{_MONTH_NAMES}))"
_NUMBERS = r"(\d{1,4})[-/.](\d{1,2})[-/.](\d{1,4})"
_COMPACT = r"((?:19|20)\d\d)(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])"
"""A date of eight digits, year first, without separators (SAP's flat files, Google
Analytics' and BigQuery's ``20240107``): a year 1900-2099, a month and a day of one."""
COMPACT_DATE_GROUPS = (13, 14, 15)
"""The groups of :data:`DATE_CELL` holding the year, month and day of a date written
without separators (:data:`_COMPACT`), read year first whatever the file's order."""
_TIME_AND_ZONE = (
    r"(?:[ T]\d{1,2}(?::\d{2}(?::\d{2}(?:\.\d+)?)?|\.\d{2}\.\d{2}(?:\.\d+)?)"
    r"(?:\s*[AaPp]\.?[Mm]\.?)?(?:[+-]\d{2}|\s*(?:UTC|GMT))?)?"
    r"(?:\s*(?:Z|[+-]\d{2}:?\d{2}))?\s*$"
)
_WEEKDAY = r"(?:(?i:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*)\.?,?\s+)?"
DATE_CELL = re.compile(
    rf"^\s*{_WEEKDAY}(?:{_NUMBERS}"
    rf"|{_DAY}[ \-/.]*{_NAME}[ \-/.,]*(\d{{4}}|\d{{2}})"
    rf"|{_NAME}[ \-/.]*{_DAY}(?:[ \-/.,]+(?=\d{{4}})|[ \-/.]*,\s*)(\d{{4}}|\d{{2}})"
    rf"|(\d{{4}})[ \-/.]*{_NAME}[ \-/.]*(\d{{1,2}})"
    rf"|{_COMPACT})" + _TIME_AND_ZONE
)
"""A date as every entrance reads it: three numbers (year first, day-first or month-first;
groups 1 to 3), or a day, a month's name (:data:`MONTH_PATTERNS`, any case, ``Jan.`` too)
and a year in one of the orders of :data:`NAMED_DATE_GROUPS` (``07-Jan-24``, ``7 January
2024``, ``07.Jan.2024``, ``Jan 7, 2024``, ``2024-Jan-07``; a two-digit year day-first,
or month-first after a comma, Excel's ``Jan 7, 24``), after a weekday's name or not
(Excel's long date, ``Sunday, January 7, 2024``), optionally a time of day
(``12:00:00 AM`` too, and Oracle's ``07-JAN-24 12.00.00.000000 AM``) and a time zone
(``Z``, ``+01:00``; after a time, PostgreSQL's ``+00``, BigQuery's ``UTC``), which are
ignored: the day is the one written; or a date written without separators, year first
(``20240107``: groups 13 to 15, :data:`COMPACT_DATE_GROUPS`)."""
NAMED_DATE_GROUPS = {"dmy": (6, 5, 4), "mdy": (9, 7, 8), "ymd": (10, 11, 12)}
"""The groups of :data:`DATE_CELL` holding the year, the month's name and the day of a
date written with a month name, by the order it is written in (exactly one of them
matches; the others are empty)."""
_NUMBERS_CELL = re.compile(rf"^\s*{_NUMBERS}" + _TIME_AND_ZONE)
"""The dates of :data:`DATE_CELL` written in three numbers alone (its groups 1 to 3): most
dates are, and this is the faster pattern to try on a column first."""
_COMPACT_CELL = re.compile(rf"^\s*{_COMPACT}" + _TIME_AND_ZONE)
"""The dates of :data:`DATE_CELL` written without separators alone (its groups 13 to 15):
tried before the whole pattern, which is slower."""
_MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "none", "#n/a"})
MONTH_NAME_HEADER = re.compile(
    rf"^\s*(?:(?:{_MONTH_NAMES})\.?(?:[\s\-/'.]*(?:\d{{2}}|\d{{4}}))?"
    rf"|\d{{4}}[\s\-/.]*(?:{_MONTH_NAMES})\.?)\s*$",
    re.IGNORECASE,
)
"""A header naming a month by its name: ``Jan 2024``, ``January``, ``Mär-24``, ``2024 Feb``."""
_YEAR_AND_NUMBER = re.compile(r"^\s*(?:(\d{4})[-/.](\d{1,2})|(\d{1,2})[-/.](\d{4}))\s*$")


def _year_and_number(name: str) -> tuple[int, int] | None:
    """The year and the number of a header written as both, either way round (``2024-05``,
    ``05.2024``: :data:`_YEAR_AND_NUMBER`); None for another header."""
    found = _YEAR_AND_NUMBER.match(name)
    if not found:
        return None
    return int(found[1] or found[4]), int(found[2] or found[3])


_SHORT_YEAR_WEEK = re.compile(rf"^\s*(?i:{WEEK_WORD})[ _.]?(\d{{1,2}})[ /-]+'?(\d{{2}})\s*$")
"""A week before a two-digit year (of the 2000s) as a header: ``Wk1-24``, ``W05/24``,
``KW 5 '24`` (groups 1, the week, and 2, the year); not a week cell in a long file,
where product codes are written so too (``W12-34``)."""
_MEASURE_BEFORE = re.compile(
    r"^\s*(?:(?:units?|qty|quantity)(?:\s+(?:sold|sales))?\s*[:_-]?|sum\s+of|summe\s+von)\s+",
    re.IGNORECASE,
)
_MEASURE_AFTER = re.compile(
    r"\s*[:_-]?\s+(?:units?(?:\s+sold)?|qty|quantity|sold)\s*$", re.IGNORECASE
)
"""What is sold, written before or after a week's name or date in a week column's header
(``Week 1 Units``, ``Units W1``, ``W1 Qty``, ``Unit Sales - Week Ending 01/07/2024``;
Excel's ``Sum of W1`` when the weeks were a pivot table's values): the header names that
week (:func:`without_measure`)."""


def without_measure(name: str) -> str:
    """A header without what is sold before or after its week (:data:`_MEASURE_AFTER`):
    ``Units 1 w/e 01/07/24`` -> ``1 w/e 01/07/24``; other headers as they are."""
    return _MEASURE_AFTER.sub("", _MEASURE_BEFORE.sub("", name))


_LONG_INSTEAD = (
    "a long file with product, date and units columns (one row per product and day, or per "
    "order), which is added up into weeks"
)


@dataclass(frozen=True)
class ReadOptions:
    """How to read a sales file; every field may be left to the automatic guess.

    Attributes
    ----------
    layout : ``"auto"``, ``"wide"`` (one column per week) or ``"long"`` (one row per
        product and period, or per order line)
    id_columns : the product column(s); several columns together make one product
    week_column : long layout: the period column (dates or whole week numbers)
    units_column : long layout: the units column
    week_start : weekday weeks start on when daily or per-order dates are added up into
        weeks, 0 = Monday … 6 = Sunday
    date_order : ``"auto"``, ``"ymd"``, ``"dmy"`` (day-first) or ``"mdy"`` (month-first)
    clip_negative : set negative units (returns) to 0 instead of keeping them
    sheet : the sheet of an ``.xlsx`` workbook to read (None: the active sheet, else the
        first visible one)
    """

    layout: str = "auto"
    id_columns: tuple[str, ...] = ()
    week_column: str | None = None
    units_column: str | None = None
    week_start: int = 0
    date_order: str = "auto"
    clip_negative: bool = False
    sheet: str | None = None

    def __post_init__(self) -> None:
        if self.layout not in LAYOUTS:
            raise CatalogError(
                f"The layout must be one of {', '.join(LAYOUTS)}, not {self.layout!r}."
            )
        if self.date_order not in ("auto", *DATE_ORDERS):
            raise CatalogError(
                f"The date order must be auto, ymd, dmy or mdy, not {self.date_order!r}."
            )
        if not 0 <= int(self.week_start) <= 6:
            raise CatalogError("The week start must be a weekday, 0 (Monday) to 6 (Sunday).")
        object.__setattr__(self, "id_columns", tuple(str(c) for c in self.id_columns))


def week_start_day(text: str) -> int:
    """0 (Monday) … 6 (Sunday) from a weekday's name or its first three letters."""
    key = text.strip().lower()
    for k, day in enumerate(WEEKDAYS):
        if key in (day, day[:3]):
            return k
    raise CatalogError(f"{show(text)!r} is not a weekday; use monday, tuesday, … or sunday.")


@dataclass(frozen=True)
class Roles:
    """What each column of a file is, as :func:`resolve_roles` decided.

    Attributes
    ----------
    layout : ``"wide"`` or ``"long"``
    ids : the product column(s)
    weeks : wide: the week columns, oldest first
    week_labels : wide: what to call each week (the header, or the date of a dated header)
    period : long: the period column
    units : long: the units column
    date_order : long with dates (or wide with dated headers): ``"ymd"``, ``"dmy"`` or
        ``"mdy"``; empty for week numbers
    guessed : the roles that were guessed rather than given (``"layout"``, ``"product"``,
        ``"week"``, ``"units"``, ``"dates"``)
    ignored : columns that play no role
    blank : the ignored columns without a name (:func:`clean_header`'s ``column K``) and
        with no value in the rows looked at: a spreadsheet's empty edge columns
    year : long: the year column when the week numbers start again every year
    year_weeks : long: the period column holds year and week as one number (``202305``)
    wrap_week : the week numbers run past a year end without a year (``48 … 52, 1 … 4``):
        the first week number of the file; the weeks are kept in the file's order
    formatted : numbers of the week or units columns in the rows looked at are written as
        a spreadsheet shows them (``$1,234.00``: :func:`formatted_number`)
    week_cells : long: the period column names weeks with a word (``W5``, ``2024-W05``:
        :data:`WEEK_CELL`), read by :func:`week_labels` as week numbers or year-weeks
    currency : the code of the one currency symbol the week or units cells looked at are
        written with (``$1,234.00``: :func:`~dtwcore.sales.units.cell_currency`), or empty
    """

    layout: str
    ids: tuple[str, ...]
    weeks: tuple[str, ...] = ()
    week_labels: tuple[str, ...] = ()
    period: str | None = None
    units: str | None = None
    date_order: str = ""
    guessed: tuple[str, ...] = ()
    ignored: tuple[str, ...] = field(default=())
    blank: tuple[str, ...] = ()
    year: str | None = None
    year_weeks: bool = False
    wrap_week: int = 0
    formatted: bool = False
    week_cells: bool = False
    currency: str = ""

    def describe(self) -> str:
        """The roles in one line: ``product = Store, week = Date (dates, day-first), …``."""
        product = " + ".join(show(c) for c in self.ids)
        if self.layout == "wide":
            first, last = self.week_labels[0], self.week_labels[-1]
            text = f"wide layout: product = {product}, weeks = {len(self.weeks)} columns "
            text += f"({show(first)} … {show(last)})"
        else:
            kind = f"dates, {DATE_ORDERS[self.date_order]}" if self.date_order else "week numbers"
            if self.year:
                kind += f" of each year in {show(self.year)}"
            elif self.year_weeks:
                kind = "year and week numbers"
            elif self.wrap_week:
                kind += " running past a year end"
            text = f"long layout: product = {product}, week = {show(self.period)} ({kind}), "
            text += f"units = {show(self.units)}"
        if self.guessed:
            text += f" (guessed: {', '.join(self.guessed)})"
        return text


# --------------------------------------------------------------------------- names


def norm(name: str) -> str:
    """A header name lower case, with runs of spaces and hyphens as ``_``."""
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def _words(name: str) -> set[str]:
    """The words of a header name, lower case: letters and digits between anything else
    (``(Parent) ASIN`` -> parent, asin; ``Qty.`` -> qty)."""
    return set(_word_list(name))


def _word_list(name: str) -> list[str]:
    """:func:`_words` in the order they are written."""
    return [w for w in re.split(r"[\W_]+", norm(name)) if w]


def is_id_like(name: str) -> bool:
    """True for names such as ``Product_Code``, ``SKU``, ``Store``, ``Item ID``."""
    return bool(_words(name) & ID_WORDS)


def is_summary(name: str) -> bool:
    """True for summary columns that are never weeks: MIN, MAX, Normalized …, Total,
    Grand Total (the names of :data:`SUMMARY_NAMES` and :data:`SUMMARY_ROWS`)."""
    n = norm(name)
    return n in SUMMARY_NAMES or n in SUMMARY_ROWS or n.startswith(("normalized", "normalised"))


def is_year_header(name: str) -> bool:
    """True for a header that is a year alone (``2024``, within :data:`YEARS`)."""
    text = name.strip()
    return len(text) == 4 and text.isdigit() and YEARS[0] <= int(text) <= YEARS[1]


def is_summary_row(product: str) -> bool:
    """True for a wide file's summary row (``Total``, ``Grand Total``, ``Sum:``), whose
    cells add up the products above it; ``TOTAL-GYM-3`` is a product."""
    return norm(product).rstrip(":").rstrip("_") in SUMMARY_ROWS


def wraps(numbers: Sequence[int]) -> bool:
    """True when week numbers, in file order, run once past a year end: up to week 52 or
    53, then again from week 1 (``48 … 52, 1 … 4``), each run rising, the second ending
    before the first began."""
    cut = next((k for k in range(1, len(numbers)) if numbers[k] <= numbers[k - 1]), 0)
    if not cut:
        return False
    before, after = numbers[:cut], numbers[cut:]
    rising = all(a < b for a, b in zip(after, after[1:], strict=False))
    return rising and before[-1] in (52, 53) and after[0] == 1 and after[-1] < before[0]


def week_number(name: str) -> int | None:
    """The week number of a wide week header (``W0``, ``Week 1``, ``wk3``, ``12``), or
    ``year * 100 + week`` for a header with its year (``2024-W05``, ``W05-2024``, a year
    and a number either way round, ``2024-05``, ``05.2024``, ``05/2024``, or a fiscal
    year's week, ``FY2024 W05``, ``FY24 Wk 5``, or a two-digit year's, ``Wk1-24``), so
    that headers in that order run in time order across a year end. What is sold around
    the week is left out (``Week 1 Units``: :func:`without_measure`), and a week's number
    before what is no date counts (``Week 1 (Jan 1 - Jan 7)``). Which year-and-number
    headers are months instead is for :func:`month_columns` to say, before."""
    if DATE_CELL.match(name):
        return None
    labelled = week_label(name)
    if labelled is None:
        labelled = week_label(without_measure(name))
    if labelled is not None:
        return labelled
    short = _SHORT_YEAR_WEEK.match(name)
    if short:
        return (2000 + int(short[2])) * 100 + int(short[1])
    numbered = _NUMBERED_DATE.match(name)
    if numbered and not DATE_CELL.match(header_date(name)):
        return int(numbered["week"])
    paired = _year_and_number(name)
    if paired:
        year, number = paired
        known = YEARS[0] <= year <= YEARS[1] and 1 <= number <= 53
        return year * 100 + number if known else None
    found = _WEEK_HEADER.match(re.sub("_+", "_", norm(name)))
    return int(found.group(1)) if found else None


WEEK_DATE_PREFIX = re.compile(
    r"^\s*(?:\d+\s+)?(?:(?:week|wk)\.?\s*(?:ending|ended|of|beginning|starting|commencing)"
    r"|w/[ec]|we|wc)\b\.?\s*:?\s*(?=\d|[a-z]{3})",
    re.IGNORECASE,
)
"""Words before the date of a dated week header, as retail and point-of-sale exports
write them: ``Week Ending 1/7/2024``, ``Week of 2024-01-01``, ``Wk Ending``, ``W/E``,
``WE``, ``W/C`` (week commencing), ``1 w/e 01/07/24``."""
_NUMBERED_DATE = re.compile(
    r"^\s*(?:week|wk|w|kw)\.?\s*(?P<week>\d{1,2})\s*(?:\((.+)\)|\[(.+)\]|[-:]\s+(.+?))\s*$",
    re.IGNORECASE,
)
"""A week's number before its date: ``Wk 1 (01/07/24)``, ``Week 1 - 2024-01-07`` (the
date in group 2, 3 or 4). When what follows is no date (``Week 1 (Jan 1 - Jan 7)``, a
span without its year), the number counts."""


_DATE_SPAN = re.compile(r"^(.+?)(?:\s+-\s+|\s*[–—]\s*|\s+to\s+)(.+)$", re.IGNORECASE)
_MONTH_DAY = re.compile(rf"^{_NAME}\.?\s+{_DAY}$")
_DAY_YEAR = re.compile(r"^(\d{1,2}),?\s+(\d{4})$")
_LAST_YEAR = re.compile(r"(\d{4})\s*$")


def date_span(name: str) -> tuple[str, str] | None:
    """The first and last day of a header naming a span of days as a report writes it by
    week (QuickBooks' ``Jan 1 - 7, 2024``, ``Jan 29 - Feb 4, 2024``, ``Dec 31, 2023 -
    Jan 6, 2024``, ``1/1/2024 - 1/7/2024``; a dash between spaces, an en or em dash, or
    "to"), each written whole (``Jan 1, 2024``, ``Jan 7, 2024``); None for another
    header. A first day without its year is given the last day's (a span across a year
    end is mended by :func:`span_days`)."""
    found = _DATE_SPAN.match(name.strip())
    if not found:
        return None
    first, last = found[1].strip(), found[2].strip()
    month_day = _MONTH_DAY.match(first)
    if month_day and _DAY_YEAR.match(last):
        last = f"{month_day[1]} {last}"
    year = _LAST_YEAR.search(last)
    if month_day and year:
        first = f"{first}, {year[1]}"
    if not (DATE_CELL.match(first) and DATE_CELL.match(last)):
        return None
    return first, last


def span_days(names: Sequence[str], order: str) -> tuple[np.ndarray, np.ndarray]:
    """The first days of headers naming spans (:func:`date_span`; datetime64[D], NaT for
    another header) and how many days each spans (0 for another), its dates read in
    ``order``. A first day after the last is of the year before (``Dec 31 - Jan 6,
    2024``)."""
    spans = [date_span(h) or ("", "") for h in names]
    first = parse_dates([a for a, _ in spans], order)
    last = parse_dates([b for _, b in spans], order)
    for k in np.flatnonzero(first > last):
        day = first[k].astype(object)
        first[k] = np.datetime64(day.replace(year=day.year - 1), "D")
    length = np.where(np.isnat(first) | np.isnat(last), 0, (last - first).astype(np.int64) + 1)
    return first, length


def header_date(name: str) -> str:
    """A wide header's date without the words before it (:data:`WEEK_DATE_PREFIX`):
    ``Week Ending 1/7/2024`` -> ``1/7/2024``; a span's first day (:func:`date_span`:
    ``Jan 1 - 7, 2024`` -> ``Jan 1, 2024``); the date after a week's number
    (``Wk 1 (01/07/24)`` -> ``01/07/24``); what is sold before or after it left out
    (:func:`without_measure`: ``Units WE 2024-01-07``); other headers as they are."""
    name = without_measure(name)
    span = date_span(name)
    if span:
        return span[0]
    numbered = _NUMBERED_DATE.match(name)
    if numbered:
        return (numbered[2] or numbered[3] or numbered[4]).strip()
    return WEEK_DATE_PREFIX.sub("", name, count=1)


def week_label(text: str) -> int | None:
    """The week a :data:`WEEK_CELL` names: its number (``W5`` is 5), or ``year * 100 +
    week`` when it has a year (``2024-W05``, ``W05-2024`` and ``FY24 Wk 5`` are 202405);
    None for any other text."""
    found = WEEK_CELL.match(text)
    if not found:
        return None
    if found[1]:
        return int(found[1])
    if found[2]:
        return int(found[2]) * 100 + int(found[3])
    if found[6]:
        return (2000 + int(found[6])) * 100 + int(found[7])
    return int(found[5]) * 100 + int(found[4])


def week_labels(cells: Sequence[object]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`week_label` of a column of cells, as :func:`cell_numbers` returns numbers:
    values (NaN where none), and masks of blank cells and of cells that name no week."""
    text = [_cell_str(c) for c in cells]
    blank = np.array([t == "" or t.lower() in _MISSING_TOKENS for t in text], dtype=bool)
    weeks = [None if b else week_label(t) for t, b in zip(text, blank, strict=True)]
    vals = np.array([math.nan if w is None else float(w) for w in weeks])
    return vals, blank, ~blank & np.isnan(vals)


def period_numbers(
    cells: Sequence[object], decimal_comma: bool, week_cells: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A long file's period column of week numbers as :func:`cell_numbers` returns numbers:
    weeks written with a word when ``week_cells`` (:func:`week_labels`), else numbers."""
    return week_labels(cells) if week_cells else cell_numbers(cells, decimal_comma)


def _blank(
    header: Sequence[str], ignored: Sequence[str], profiles: dict[str, _Profile]
) -> tuple[str, ...]:
    """The ``ignored`` columns that :func:`clean_header` named (``column K``, K its place)
    and whose cells looked at are all blank."""
    place = {h: k for k, h in enumerate(header, start=1)}
    return tuple(h for h in ignored if profiles[h].filled == 0 and h == f"column {place[h]}")


def clean_header(header: Sequence[object], fname: str) -> list[str]:
    """Header names trimmed, blank ones called ``column K``; a repeated name is refused."""
    out = [str(h).strip() if h is not None else "" for h in header]
    out = [h or f"column {k + 1}" for k, h in enumerate(out)]
    seen: set[str] = set()
    for col in out:
        if col in seen:
            raise CatalogError(
                f"{fname}: the column {show(col)!r} appears more than once in the header row. "
                "Rename or delete the copy."
            )
        seen.add(col)
    return out


# --------------------------------------------------------------------------- cells


def cell_numbers(
    cells: Sequence[object], decimal_comma: bool = False, formatted: list[int] | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Numbers of a column of cells; masks of blank cells and of cells that are not numbers.

    With ``decimal_comma``, text such as ``12,5`` is read as 12.5 and ``1.234`` as 1234
    (:func:`~dtwcore.sales.dialect.decimal_point_text`; only here: product codes and other
    text keep their commas and dots). Numbers written as a spreadsheet displays them
    (``$1,234.00``, ``(12)``, ``12-``: :func:`~dtwcore.sales.dialect.unformatted_text`)
    are read too, and counted in ``formatted`` (one count appended) when it is given.
    """
    n_formatted = 0
    n = len(cells)
    out = [math.nan] * n
    blank = [False] * n
    bad = [False] * n
    isfinite = math.isfinite
    for k, c in enumerate(cells):
        if type(c) is str or not isinstance(
            c, (type(None), bool, np.bool_, int, float, np.integer, np.floating)
        ):
            text = c.strip() if type(c) is str else str(c).strip()
            try:
                v = float(decimal_point_text(text) if decimal_comma else text)
            except ValueError:
                v = formatted_number(text, decimal_comma)
                n_formatted += v == v
            if v != v and text.lower() in _MISSING_TOKENS:
                blank[k] = True
                continue
        elif c is None or (isinstance(c, float) and c != c):
            blank[k] = True
            continue
        elif isinstance(c, (bool, np.bool_)):
            bad[k] = True
            continue
        else:
            try:
                v = float(c)
            except OverflowError:
                v = math.inf
        if not isfinite(v):
            bad[k] = True
            continue
        out[k] = v
    if formatted is not None:
        formatted.append(n_formatted)
    return np.array(out, dtype=np.float64), np.array(blank, bool), np.array(bad, bool)


def formatted_number(text: str, decimal_comma: bool) -> float:
    """The number a cell written as a spreadsheet displays it holds (``$1,234.00`` is
    1234: :func:`~dtwcore.sales.dialect.unformatted_text`), or NaN when it holds none."""
    plain = unformatted_text(text, decimal_comma)
    if decimal_comma and ambiguous_dot(plain):
        return math.nan
    try:
        return float(decimal_point_text(plain) if decimal_comma else plain)
    except ValueError:
        return math.nan


def _cell_str(c: object) -> str:
    if c is None or (isinstance(c, float) and c != c):
        return ""
    if hasattr(c, "isoformat") and not isinstance(c, str):  # Parquet dates and timestamps
        return c.isoformat()[:10]
    return str(c).strip()


def month_number(name: str) -> int | None:
    """1 (January) … 12 of a month's name or abbreviation (:data:`MONTH_PATTERNS`, any
    case); None for text that is not one."""
    found = _MONTH_NUMBER.fullmatch(name.strip())
    return found.lastindex if found else None


def _named_order(found: re.Match[str]) -> str:
    """The order a :data:`DATE_CELL` match with a month's name, or without separators, is
    written in (``"dmy"``, ``"mdy"`` or ``"ymd"``); empty for a date of three numbers."""
    if found[COMPACT_DATE_GROUPS[0]]:
        return "ymd"
    return next((o for o, (_, name, _) in NAMED_DATE_GROUPS.items() if found[name]), "")


def date_orders(cells: Sequence[object]) -> tuple[list[str], int, int]:
    """Date orders every date-like cell can be read in; counts of date-like and filled cells.

    Returns ``(orders, dates, filled)``: ``orders`` is a subset of ``["ymd", "dmy",
    "mdy"]``, empty when no cell looks like a date. A date with a month's name
    (``07-Jan-24``, ``Jan 7, 2024``) reads alike in every order, so the dates of three
    numbers alone decide; cells that all have a month's name give the order most of them
    are written in (day-first for ``07-Jan-24``, month-first for ``Jan 7, 2024``). A
    date without separators (``20240107``) is year first, and counts as such a date.
    """
    ymd = dmy = mdy = True
    dates = filled = numbers = 0
    named = {"dmy": 0, "mdy": 0, "ymd": 0}
    for c in cells:
        text = _cell_str(c)
        if text.lower() in _MISSING_TOKENS:
            continue
        filled += 1
        m = DATE_CELL.match(text)
        if not m:
            continue
        dates += 1
        written = _named_order(m)
        if written:
            named[written] += 1
            continue
        numbers += 1
        a, b, c3 = m.group(1, 2, 3)
        ia, ib = int(a), int(b)
        ymd = ymd and len(a) == 4 and len(c3) <= 2 and 1 <= ib <= 12
        first_ok = len(a) <= 2 and len(c3) in (2, 4)
        dmy = dmy and first_ok and 1 <= ib <= 12 and 1 <= ia <= 31
        mdy = mdy and first_ok and 1 <= ia <= 12 and 1 <= ib <= 31
    if dates == 0:
        return [], 0, filled
    if numbers == 0:
        return [max(named, key=named.__getitem__)], dates, filled
    return [o for o, ok in (("ymd", ymd), ("dmy", dmy), ("mdy", mdy)) if ok], dates, filled


def parse_dates(cells: Sequence[object], order: str) -> np.ndarray:
    """Dates of cells in ``order`` (``"ymd"``, ``"dmy"``, ``"mdy"``) as datetime64[D];
    NaT for a cell that is blank, not a date, or not a real day (31-02-2024). A date with
    a month's name, or without separators (``20240107``), is read in the order it is
    written in, whatever ``order`` says."""
    import pandas as pd

    text = pd.Series([_cell_str(c) for c in cells], dtype=object)
    groups = DATE_CELL.groups
    parts = text.str.extract(_NUMBERS_CELL.pattern)
    rest = parts[0].isna() & text.ne("")
    parts = parts.reindex(columns=range(groups))
    if rest.any():  # the cells not written in three numbers: without separators, a month's
        parts = parts.astype(object)  # name, or no date
        compact = text[rest].str.extract(_COMPACT_CELL.pattern)
        found = compact[0].notna()
        parts.loc[compact.index[found], [g - 1 for g in COMPACT_DATE_GROUPS]] = compact[
            found
        ].to_numpy()
        rest = rest & ~text.index.isin(compact.index[found])
        if rest.any():
            parts.loc[rest] = text[rest].str.extract(DATE_CELL.pattern).to_numpy()
    a, b, c = (pd.to_numeric(parts[k], errors="coerce") for k in range(3))
    if order == "ymd":
        year, month, day = a, b, c
    elif order == "dmy":
        year, month, day = c, b, a
    else:
        year, month, day = c, a, b
    named = parts[[g[1] - 1 for g in NAMED_DATE_GROUPS.values()]].notna().any(axis=1)
    if named.any():  # the year (0), month's name (1) or day (2) of whichever order matched
        year_text, name, day_text = (
            reduce(operator.add, (parts[g[k] - 1].fillna("") for g in NAMED_DATE_GROUPS.values()))
            for k in range(3)
        )
        months = {n: month_number(n) for n in name[named].unique()}
        year = year.mask(named, pd.to_numeric(year_text, errors="coerce"))
        month = month.mask(named, name.map(months).astype("float64"))
        day = day.mask(named, pd.to_numeric(day_text, errors="coerce"))
    compact = parts[COMPACT_DATE_GROUPS[0] - 1].notna()
    if compact.any():  # year first, whatever the order
        y, m, d = (pd.to_numeric(parts[g - 1], errors="coerce") for g in COMPACT_DATE_GROUPS)
        year, month, day = year.mask(compact, y), month.mask(compact, m), day.mask(compact, d)
    year = year.where(year >= 100, year + np.where(year < 69, 2000, 1900))
    frame = pd.DataFrame({"year": year, "month": month, "day": day})
    if frame.empty:
        return np.array([], dtype="datetime64[D]")
    dates = pd.to_datetime(frame, errors="coerce")
    return dates.to_numpy(dtype="datetime64[D]")


# --------------------------------------------------------------------------- profiles


@dataclass(frozen=True)
class _Profile:
    numeric: bool  # mostly numbers
    integer: bool  # every number whole
    dates: bool  # mostly dates
    repeats: bool  # a value occurs on more than one row
    filled: int
    weeks: bool = False  # mostly weeks written with a word (WEEK_CELL: W5, 2024-W05)


def _profile(
    cells: Sequence[object], decimal_comma: bool, formatted: list[int] | None = None
) -> _Profile:
    if cells and all(type(c) is float for c in cells):  # a Parquet column of doubles
        return _float_profile(np.array(cells, dtype=np.float64))
    return _cells_profile(cells, decimal_comma, formatted)


def _float_profile(vals: np.ndarray) -> _Profile:
    """:func:`_cells_profile` of cells that are all floats [shape=(N,)], without a loop in
    Python: NaN is blank, infinity not a number, no float is written like a date, and two
    floats are written alike exactly when their bits are alike."""
    blank = np.isnan(vals)
    ok = np.isfinite(vals)
    filled = int((~blank).sum())
    numeric = filled > 0 and int((~blank & ~ok).sum()) * 2 < filled
    integer = bool(ok.any()) and bool(np.all(vals[ok] == np.round(vals[ok])))
    written = vals[~blank].view(np.int64)
    return _Profile(numeric, integer, False, np.unique(written).size < filled, filled)


def _cells_profile(
    cells: Sequence[object], decimal_comma: bool, formatted: list[int] | None = None
) -> _Profile:
    vals, blank, bad = cell_numbers(cells, decimal_comma, formatted)
    filled = int((~blank).sum())
    numeric = filled > 0 and int(bad.sum()) * 2 < filled
    ok = ~blank & ~bad
    integer = bool(ok.any()) and bool(np.all(vals[ok] == np.round(vals[ok])))
    _, n_dates, n_filled = date_orders(cells)
    dates = n_filled > 0 and (n_filled - n_dates) * 2 < n_filled
    texts = [_cell_str(c) for c in cells]
    texts = [t for t in texts if t.lower() not in _MISSING_TOKENS]
    weeks = not numeric and sum(1 for t in texts if WEEK_CELL.match(t)) * 2 > filled
    return _Profile(numeric, integer, dates, len(set(texts)) < len(texts), filled, weeks)


PER_TIME_WORDS = frozenset({"week", "wk", "day", "month", "year", "period"})
"""Words after "per" that make a rate of sales, not a value per unit (``Units (per week)``)."""


def _unit_rank(name: str) -> int:
    """0 for a units column's name, 1 for sales or money, 2 for another, 3 for a name
    that says a value per unit or of one (``Unit Price``, ``Units per case``; ``Units per
    week`` is units)."""
    ordered = _word_list(name)
    words = set(ordered) | {norm(name)}
    pairs = zip(ordered, ordered[1:], strict=False)
    if any(a == "per" and b in PER_TIME_WORDS for a, b in pairs):
        words.discard("per")
    if words & PER_UNIT_WORDS:
        return 3
    if words & UNIT_WORDS:
        return 0
    if words & (MONEY_WORDS | SALES_WORDS):
        return 1
    return 2


def _ask(fname: str, role: str, what: str, candidates: list[str]) -> AmbiguousColumns:
    listed = names(candidates, 8) if candidates else "none"
    message = f"{fname}: it is not clear which column {what}. Candidates: {listed}."
    if role == "product":
        return AmbiguousIdColumn(message, candidates)
    return AmbiguousColumns(message, candidates, role)


def _date_order(cells: Sequence[object], given: str, fname: str, column: str) -> tuple[str, bool]:
    """The order dates of ``column`` are written in, and whether it was guessed."""
    orders, _, _ = date_orders(cells)
    if given != "auto":
        return given, False
    if not orders:
        raise CatalogError(
            f"{fname}: the dates in {show(column)!r} are written in more than one way "
            "(year first, day-first, month-first); write them all the same way."
        )
    if "ymd" in orders:
        return "ymd", True
    if len(orders) > 1:
        raise AmbiguousColumns(
            f"{fname}: every date in {show(column)!r} reads both day-first and month-first "
            "(like 05-04-2024). Choose the date order: day-first or month-first.",
            ["dmy", "mdy"],
            "dates",
        )
    return orders[0], True


def resolve_roles(
    header: Sequence[str],
    sample: Sequence[Sequence[object]],
    options: ReadOptions | None = None,
    fname: str = "The file",
    decimal_comma: bool = False,
) -> Roles:
    """Decide the layout and the column roles of a file.

    Parameters
    ----------
    header : column names, as :func:`clean_header` returns them
    sample : the first :data:`SNIFF_ROWS` data rows (cells as text or numbers; rows of
        another width are left out)
    options : roles given by the user; the rest are guessed
    fname : what to call the file in messages
    decimal_comma : numbers may be written ``12,5``

    Returns
    -------
    Roles

    Raises
    ------
    AmbiguousColumns
        When the layout, a role or the date order is not clear; ``role`` tells which
        and ``candidates`` what to choose from.
    CatalogError
        When a named column does not exist, or the file cannot be read as asked.
    """
    options = options or ReadOptions()
    header = list(header)
    given = [*options.id_columns, options.week_column, options.units_column]
    for col in given:
        if col is not None and col not in header:
            raise CatalogError(
                f"{fname} has no column {show(col)!r}. Its columns are: {names(header, 8)}."
            )
    width = len(header)
    wider = [len(r) for r in sample if len(r) > width]
    if len(wider) * 2 > len(sample):  # most rows: the header may be a title line
        common = max(set(wider), key=wider.count)
        cells = f"{width} cell{'s' if width != 1 else ''}"
        raise CatalogError(
            f"{fname}: the first row ({names(header)}) has {cells} but most rows under it "
            f"have {common}. If it is a title above the header, remove the lines above the "
            "header and read the file again; if it is the header, give every column a name."
        )
    if len(header) < 2:
        raise CatalogError(
            f"{fname} has only one column ({show(header[0])!r}). It needs a product column "
            "and one column per week, or product, week and units columns. If the file uses "
            "another separator than comma, semicolon, tab or |, save it again as CSV."
            + (" If lines above the header hold a title, remove them." if wider else "")
        )
    rows = [r for r in sample if len(r) == width]
    columns = {h: [r[k] for r in rows] for k, h in enumerate(header)}
    formatted: dict[str, list[int]] = {h: [] for h in header}  # counts of cell_numbers
    profiles = {h: _profile(columns[h], decimal_comma, formatted[h]) for h in header}
    ids = tuple(options.id_columns)
    guessed: list[str] = []

    months, read_as = month_columns([h for h in header if h not in ids])
    numbered = [
        h for h in header if h not in ids and h not in months and week_number(h) is not None
    ]
    years = _year_columns(numbered)
    numbered = [h for h in numbered if h not in years]
    wrap_week = 0
    if wraps([week_number(h) or 0 for h in numbered]):
        wrap_week = week_number(numbered[0]) or 0
    else:
        numbered.sort(key=week_number)
    dated = [h for h in header if h not in ids and DATE_CELL.match(header_date(h))]
    layout = options.layout
    if layout == "auto":
        if (
            options.week_column is None
            and options.units_column is None
            and (len(numbered) >= 2 or len(dated) >= 2)
        ):
            layout = "wide"
        else:
            layout = "long"
        guessed.append("layout")

    if layout == "wide":
        labels: list[str]
        order = ""
        if len(numbered) >= 2:
            weeks = numbered
            labels = list(weeks)
            _check_week_numbers([week_number(h) or 0 for h in weeks], weeks, fname)
        elif len(dated) >= 2:
            written = [header_date(h) for h in dated]
            order, _ = _date_order(written, options.date_order, fname, "the header")
            days = parse_dates(written, order)
            first, length = span_days(dated, order)
            days = np.where(length > 0, first, days)
            whole = [k for k in range(len(dated)) if length[k] in (0, 7)]  # not part weeks
            days, dated = days[whole], [dated[k] for k in whole]
            pairs = sorted(zip(days, dated, strict=True))
            weeks = [h for _, h in pairs]
            labels = [str(d) for d, _ in pairs]
            _check_week_dates(np.array([d for d, _ in pairs]), weeks, fname)
        else:
            weeks = [
                h for h in header
                if h not in ids and h not in years and h not in months and not is_summary(h)
                and profiles[h].numeric
            ]  # fmt: skip
            labels = list(weeks)
        if not ids:
            ids = (_guess_wide_id(header, weeks, profiles, columns, fname),)
            guessed.append("product")
        weeks_t = tuple(w for w in weeks if w not in ids)
        labels_t = tuple(lab for w, lab in zip(weeks, labels, strict=True) if w not in ids)
        if len(weeks_t) < 2:
            _check_periods(fname, months, read_as, years)
            raise CatalogError(
                f"{fname}: found {len(weeks_t)} week column{'s' if len(weeks_t) != 1 else ''} "
                f"next to the product column {show(ids[0])!r}; at least 2 are needed. Expected "
                "one column per week (W0, W1, … or Week 1, … or dates) with units sold, or "
                "the long layout: product, week, units."
            )
        _check_not_true_false(weeks_t, columns, fname)
        ignored = tuple(h for h in header if h not in ids and h not in weeks_t)
        if weeks != numbered:
            wrap_week = 0
        return Roles("wide", ids, weeks_t, labels_t, date_order=order, guessed=tuple(guessed),
                     ignored=ignored, blank=_blank(header, ignored, profiles),
                     wrap_week=wrap_week,
                     formatted=any(sum(formatted[w]) for w in weeks_t),
                     currency=_currency(columns, weeks_t, formatted))  # fmt: skip

    # Long layout: period, units, then the product.
    period = options.week_column
    if (
        period is None
        and norm(header[0]) in PIVOT_ROW_LABELS
        and date_orders(columns[header[0]])[1]
    ):
        raise CatalogError(
            f"{fname} is a pivot table in compact form: its column {show(header[0])!r} holds "
            "each product followed by its weeks, so products and weeks cannot be told apart. "
            "In the pivot table choose Design › Report Layout › Show in Tabular Form and "
            "Repeat All Item Labels (or drag the dates to Columns), then save it again."
        )
    if period is None:
        taken = set(ids) | {options.units_column}
        cands = [
            h for h in header if h not in taken
            and (profiles[h].dates or profiles[h].weeks
                 or (norm(h) in LONG_WEEK_NAMES and profiles[h].integer and profiles[h].numeric))
        ]  # fmt: skip
        if not cands:  # a name with the word week: Walmart's WM Week, Fiscal Week
            cands = [
                h for h in header if h not in taken and _words(h) & LONG_WEEK_WORDS
                and profiles[h].integer and profiles[h].numeric
            ]  # fmt: skip
        if len(cands) > 1:
            named = [h for h in cands if norm(h) in LONG_WEEK_NAMES]
            cands = named if len(named) == 1 else cands
        if len(cands) > 1:  # Etsy's Sale Date beside Date Paid and Date Shipped
            sold = [h for h in cands if _words(h) & SALE_DATE_WORDS and _words(h) <= SALE_DATE_NAME]
            cands = sold if len(sold) == 1 else cands
        if len(cands) > 1:  # a date left blank on some rows (Paid at) would leave them out
            full = [h for h in cands if profiles[h].filled == len(rows)]
            cands = full if len(full) == 1 else cands
        if len(cands) != 1:
            if not cands and "layout" in guessed and len(numbered) + len(dated) == 1:
                raise CatalogError(
                    f"{fname}: found 1 week column ({show((numbered + dated)[0])}); at least 2 "
                    "are needed. Expected one column per week (W0, W1, … or Week 1, … or "
                    "dates) with units sold, or the long layout: product, week, units."
                )
            if not cands and "layout" in guessed:
                _check_yearless(fname, header)
                _check_periods(fname, months, read_as, years)
                _check_spans(fname, header, columns)
                raise AmbiguousColumns(
                    f"{fname}: the layout is not clear: no week columns (W0, W1, … or dates "
                    "as column names) and no column of dates or week numbers. Candidates: "
                    f"{names(header, 8)}.",
                    list(header),
                    "layout",
                )
            raise _ask(fname, "week", "holds the week or date", cands or list(header))
        period = cands[0]
        guessed.append("week")
    prof = profiles[period]
    year, year_weeks, wrap_week = None, False, 0
    if prof.dates:
        order, was_guessed = _date_order(columns[period], options.date_order, fname, period)
        if was_guessed and order != "ymd":
            guessed.append("dates")
    elif prof.numeric or prof.weeks or prof.filled == 0:
        order = ""
        taken = {*ids, period, options.units_column}
        year, year_weeks, wrap_week = _week_numbers(header, columns, period, taken, fname,
                                                    decimal_comma, prof.weeks)  # fmt: skip
    else:
        _check_spans(fname, [period], columns)
        raise CatalogError(
            f"{fname}: the week column {show(period)!r} holds neither dates nor week numbers "
            f"(for example {_first_filled(columns[period])!r})."
        )

    units = options.units_column
    if units is None:
        taken = set(ids) | {period, year}
        numeric = [
            h for h in header if h not in taken and profiles[h].numeric and not is_summary(h)
        ]
        ranked = sorted(numeric, key=_unit_rank)
        best = [h for h in ranked if _unit_rank(h) == 0] or [
            h for h in ranked if _unit_rank(h) == 1
        ]
        if len(best) != 1:
            others = [h for h in header if h not in taken and h not in ranked]
            if not best and len(numeric) == 1 and (ids or len(header) == 3):
                best = numeric
            else:
                if not profiles[period].repeats:  # each week once: not a long file
                    _check_weeks_down(fname, header, numeric, period, ids, year)
                raise _ask(fname, "units", "holds the units sold", ranked or others)
        units = best[0]
        guessed.append("units")

    _check_kinds(fname, header, columns, {*ids, period, units, year})
    if not ids:
        _check_grouped(fname, sample, header.index(period), header.index(units))
        rest = [h for h in header if h not in (period, units, year) and not is_summary(h)]
        # a column of numbers named as units, money or a value per unit names no product
        measures = [h for h in rest if profiles[h].numeric and _unit_rank(h) != 2]
        rest = [h for h in rest if h not in measures]
        if not rest:
            besides = names(measures) if measures else "nothing else"
            raise CatalogError(
                f"{fname} has no column naming the products: besides {show(period)!r} and "
                f"{show(units)!r} it holds {besides}. Add a column with each row's product "
                "name or code (the same on every row for one product) and read it again."
            )
        cands = [
            h for h in rest
            if profiles[h].repeats and not profiles[h].dates
            and not (profiles[h].numeric and not profiles[h].integer)
        ]  # fmt: skip
        named = [h for h in cands if is_id_like(h)]
        among = _product_among(named, columns)
        if among is not None:
            ids = (among,)
        elif not named and len(cands) == 1:
            ids = (cands[0],)
        elif not cands and len(rest) == 1:
            ids = (rest[0],)
        else:
            order_c = named + [h for h in cands if h not in named]
            order_c += [h for h in rest if h not in order_c]
            raise _ask(fname, "product", "holds the product codes", order_c)
        guessed.append("product")
    _check_written_once(fname, rows, [header.index(h) for h in ids], header.index(period),
                        header.index(units), ids[0])  # fmt: skip
    ignored = tuple(h for h in header if h not in ids and h not in (period, units, year))
    return Roles("long", ids, period=period, units=units, date_order=order,
                 guessed=tuple(guessed), ignored=ignored,
                 blank=_blank(header, ignored, profiles), year=year, year_weeks=year_weeks,
                 wrap_week=wrap_week, formatted=sum(formatted[units]) > 0,
                 week_cells=prof.weeks,
                 currency=_currency(columns, [units], formatted))  # fmt: skip


def _currency(
    columns: dict[str, list[object]], names: Sequence[str], formatted: dict[str, list[int]]
) -> str:
    """:func:`~dtwcore.sales.units.cell_currency` of the number columns ``names`` written
    with a spreadsheet's formatting (``formatted`` counts them); empty for the others."""
    shown = [h for h in names if sum(formatted[h])]
    return cell_currency(c for h in shown for c in columns[h]) if shown else ""


def _check_grouped(fname: str, sample: Sequence[Sequence[object]], period: int, units: int) -> None:
    """Refuse a report grouped by product (QuickBooks' *Sales by Product/Service
    Detail*): each product's name on a line of its own, in the first column with nothing
    else, above rows that leave that column blank; at least 2 of the ``sample``'s rows
    with a week and units, and nine in ten of them, so. No column holds the products."""
    width = max(period, units) + 1
    used = [r for r in sample if len(r) >= width and _cell_str(r[period]) and _cell_str(r[units])]
    groups = [r for r in sample if r and _cell_str(r[0]) and not any(map(_cell_str, r[1:]))]
    blank = sum(1 for r in used if not _cell_str(r[0]))
    if groups and blank >= 2 and blank * 10 >= len(used) * 9:
        raise CatalogError(
            f"{fname} is a report grouped by product: each product's name stands on a line "
            f"of its own ({show(_cell_str(groups[0][0]))!r} is the first) above its rows, "
            "which leave it blank, so no column holds the products. Export the rows as a "
            "list with the product on every row (in QuickBooks: Customize › Rows/Columns › "
            "Group by: None, and add the Product/Service column) and read the file again."
        )


def _check_weeks_down(
    fname: str,
    header: Sequence[str],
    numeric: Sequence[str],
    period: str,
    ids: Sequence[str],
    year: str | None,
) -> None:
    """Refuse a table with the weeks down its rows and a column per product (``Week,
    Widget A, Widget B``, as a chart's data is laid out; its caller checks each week is on
    one row): no product column, and every other column numbers under a name that says
    neither units, money nor a value per unit (:func:`_unit_rank` 2). Asked which column
    holds the units, a planner would be offered the products."""
    rest = [h for h in header if h not in (period, year) and not is_summary(h)]
    if ids or len(numeric) < 2 or rest != list(numeric):
        return
    if all(_unit_rank(h) == 2 for h in numeric):
        raise CatalogError(
            f"{fname} has the weeks down its rows ({show(period)!r}) and a column per "
            f"product ({names(numeric, 4)}), and products are read one to a row. Turn the "
            "table round (in Excel: copy it, then Paste Special > Transpose) so that each "
            "product is a row and each week a column, and read it again."
        )


SALE_KINDS = frozenset({"sale", "sales", "sold", "verkauf", "vente", "venta"})
OTHER_KINDS = frozenset(
    {"purchase", "purchases", "receipt", "receipts", "transfer", "transfers", "adjustment",
     "adjustments", "adjmt", "output", "consumption", "production", "assembly", "einkauf",
     "umlagerung", "achat"}
)  # fmt: skip
"""Words of the kinds of row an item ledger or stock-movement export lists beside its sales
(:data:`SALE_KINDS`): purchases, receipts, transfers, adjustments, production."""


def _check_kinds(
    fname: str, header: Sequence[str], columns: dict[str, list[object]], taken: set[str | None]
) -> None:
    """Refuse a long file that lists other movements than sales in its rows: a column (not
    one of the roles ``taken``) of at most 12 values in the rows looked at (``columns``),
    among them a sale (:data:`SALE_KINDS`) and another kind of row (:data:`OTHER_KINDS`),
    as an item ledger's ``Entry Type`` (Sale, Purchase, Transfer). Added up, purchases
    and transfers would count as sales, a wrong table; returns and orders stay."""
    for h in header:
        if h in taken:
            continue
        kinds = {_cell_str(c) for c in columns[h]} - {""}
        if not 2 <= len(kinds) <= 12:
            continue
        sales = sorted(k for k in kinds if _words(k) & SALE_KINDS)
        others = sorted(k for k in kinds if _words(k) & OTHER_KINDS)
        if sales and others:
            raise CatalogError(
                f"{fname}: the column {show(h)!r} says what each row is, and not every row is "
                f"a sale: there are {_quoted(others)} rows besides {_quoted(sales)} rows. "
                "Added up, those rows would count as sales. Keep only the sales rows (filter "
                f"{show(h)!r} to {quote(sales[0])} and save the file) and read it again."
            )


def _quoted(values: Sequence[str], limit: int = 3) -> str:
    """Cell values for a message, quoted: ``'Purchase', 'Transfer'`` (the first few …)."""
    shown = ", ".join(quote(v) for v in values[:limit])
    return shown + (" …" if len(values) > limit else "")


def _check_written_once(
    fname: str,
    rows: Sequence[Sequence[object]],
    ids: Sequence[int],
    period: int,
    units: int,
    id_name: str,
) -> None:
    """Refuse a long file that writes each product once, on its first row or on a line of
    its own, and leaves the product blank on the rows under it (a report, or a pivot
    table in tabular form): a fifth or more of the sample's ``rows`` with a week and
    units, at least 2, have no product and come after a row that has one. Read as it is,
    those rows would be left out and each product keep its first week only, a wrong
    table."""
    used = [bool(_cell_str(r[period]) and _cell_str(r[units])) for r in rows]
    named = [any(_cell_str(r[k]) for k in ids) for r in rows]
    first = named.index(True) if True in named else len(named)
    under = sum(u and not n for u, n in zip(used[first:], named[first:], strict=True))
    if under >= 2 and under * 5 >= sum(used):
        raise CatalogError(
            f"{fname}: {under} of the first {sum(used)} rows with a week and units have no "
            f"{show(id_name)!r}, each under a row that has one: the file writes each product "
            "once, on its first row or a line of its own (a report, or a pivot table in "
            "tabular form), and read as it is those rows would be left out. Repeat the "
            "product on every row (in a pivot table: Design › Report Layout › Repeat All "
            "Item Labels) and read the file again."
        )


def month_columns(headers: Sequence[str]) -> tuple[list[str], str]:
    """The ``headers`` that name months, never weeks: by name (:data:`MONTH_NAME_HEADER`),
    or as a year and a month number (``2024-01``, ``01/2024``) unless a number of those
    is above 12 (``2024-01 … 2024-52`` are year and week); and how the first of them is
    read when it is a number (`` (2024-01 is read as month 1 of 2024)``, else empty)."""
    numbers = {h: paired for h in headers if (paired := _year_and_number(h))}
    if any(not 1 <= n <= 12 or not YEARS[0] <= y <= YEARS[1] for y, n in numbers.values()):
        numbers = {}
    months = [h for h in headers if h in numbers or MONTH_NAME_HEADER.match(h)]
    first = next((h for h in months if h in numbers), None)
    if first is None:
        return months, ""
    year, number = numbers[first]
    return months, f" ({show(first.strip())} is read as month {number} of {year})"


def _year_columns(numbered: Sequence[str]) -> list[str]:
    """The headers among ``numbered`` (headers with a week number) that are years, not
    weeks (:func:`is_year_header`): every one of them (``2022, 2023, 2024``), or the years
    beyond the other week numbers (``1 … 52, 2024``; not where the week numbers run up to
    them, ``1 … 2500``)."""
    years = [h for h in numbered if is_year_header(h)]
    others = [week_number(h) or 0 for h in numbered if h not in years]
    if years and others and max(others) >= min(int(y) for y in years) - 1:
        return []
    return years


def _not_weeks(fname: str, columns: Sequence[str], what: str, why: str = "") -> CatalogError:
    """The refusal of a wide file whose period columns are ``what`` (months, days, years)."""
    return CatalogError(
        f"{fname}: the columns {names(list(columns))} are {what}, not weeks{why}. Export the "
        f"sales by week (one column per week), or as {_LONG_INSTEAD}."
    )


def _check_periods(fname: str, months: Sequence[str], read_as: str, years: Sequence[str]) -> None:
    """Refuse a file without week columns whose columns are months or years (two or more;
    ``read_as`` says how :func:`month_columns` read them): read as weeks they would be a
    wrong table."""
    if len(months) >= 2:
        raise _not_weeks(fname, months, "months", read_as)
    if len(years) >= 2:
        raise _not_weeks(fname, years, "years")


def _check_week_numbers(numbers: Sequence[int], headers: Sequence[str], fname: str) -> None:
    """Refuse numbered week headers (their :func:`week_number` values, in the order read)
    that do not follow one another: a week missing between two columns would close up
    silently, and a week twice would be two weeks. Week 1 may follow week 52 or 53 (of the
    year before, for year-weeks such as ``2023-W52``, ``2024-W01``)."""
    for k in range(len(numbers) - 1):
        a, b = numbers[k], numbers[k + 1]
        if a < 100_000:  # plain week numbers
            follows = b == a + 1 or (a in (52, 53) and b == 1)
        else:  # year * 100 + week
            (ya, wa), (yb, wb) = divmod(a, 100), divmod(b, 100)
            follows = (yb == ya and wb == wa + 1) or (wa in (52, 53) and wb == 1 and yb == ya + 1)
        if follows:
            continue
        first, then = show(headers[k]), show(headers[k + 1])
        if a == b:
            raise CatalogError(
                f"{fname}: the columns {first!r} and {then!r} are the same week. Keep one "
                "column per week and read the file again."
            )
        raise CatalogError(
            f"{fname}: the week columns do not follow one another: {first} is followed by "
            f"{then}. Give every week a column of its own (0 for a week without sales), or "
            f"use {_LONG_INSTEAD}."
        )


def _check_week_dates(days: np.ndarray, headers: Sequence[str], fname: str) -> None:
    """Refuse date headers (their days in order [shape=(W,)], datetime64[D]) that are not
    one week apart: days or months are not weeks, and a week missing between two columns
    would close up silently."""
    if np.isnat(days).any():
        bad = headers[int(np.flatnonzero(np.isnat(days))[0])]
        raise CatalogError(
            f"{fname}: the column {show(bad)!r} is named like a date but is not a day of the "
            "calendar. Correct its name and read the file again."
        )
    gaps = np.diff(days).astype(np.int64)
    if np.all(gaps == 7):
        return
    if gaps.min() >= 1 and gaps.max() < 7:
        raise _not_weeks(fname, headers, "days", " (their dates are days apart)")
    if gaps.min() >= 28 and gaps.max() <= 31:
        raise _not_weeks(fname, headers, "months", " (their dates are a month apart)")
    k = int(np.flatnonzero(gaps != 7)[0])
    first, then = show(headers[k]), show(headers[k + 1])
    if gaps[k] == 0:
        raise CatalogError(
            f"{fname}: the columns {first!r} and {then!r} are the same day ({days[k]}). Keep "
            "one column per week and read the file again."
        )
    raise CatalogError(
        f"{fname}: the date columns are not one week apart: {first} is followed by {then}, "
        f"{gaps[k]} days later. Give every week a column of its own (0 for a week without "
        f"sales), or use {_LONG_INSTEAD}."
    )


def _check_not_true_false(
    weeks: Sequence[str], columns: dict[str, list[object]], fname: str
) -> None:
    """Refuse a week column of true/false values (a Parquet boolean column): they are not
    units sold, and reading them as 1 and 0 would be a wrong table."""
    truth = (bool, np.bool_)
    for week in weeks:
        first = next((c for c in columns[week] if c is not None), None)
        if isinstance(first, truth) and all(
            c is None or isinstance(c, truth) for c in columns[week]
        ):
            raise CatalogError(
                f"{fname}: the week column {show(week)!r} holds true/false values, not units "
                f"sold: {not_a_number(first, week)}. Save the units sold each week as "
                "numbers and read the file again."
            )


def _whole_numbers(
    cells: Sequence[object], decimal_comma: bool, week_cells: bool = False
) -> np.ndarray:
    """The cells that are whole numbers (or, ``week_cells``, name weeks:
    :func:`period_numbers`), as int64 (the others left out)."""
    vals, blank, bad = period_numbers(cells, decimal_comma, week_cells)
    ok = ~blank & ~bad & (np.abs(vals) <= 1e12)
    ok[ok] = vals[ok] == np.round(vals[ok])
    return vals[ok].astype(np.int64)


def _week_numbers(
    header: Sequence[str],
    columns: dict[str, list[object]],
    period: str,
    taken: set[str | None],
    fname: str,
    decimal_comma: bool,
    week_cells: bool = False,
) -> tuple[str | None, bool, int]:
    """How a period column of whole numbers tells the weeks: ``(year, year_weeks,
    wrap_week)`` as :class:`Roles` has them (all empty for plain week numbers).

    Week numbers 1 to 53 (most of them: the others are rows to list) next to a year
    column (:data:`YEAR_NAMES`) are weeks of that year; numbers such as ``202305`` are
    year and week; week numbers that run once past a year end (:func:`wraps`) keep the
    file's order. Numbers that are not week numbers
    (dates written as ``20231001``, Excel date numbers, or numbers above 53 with most
    weeks between them missing) are refused: read as week numbers they would invent weeks
    of 0.
    """
    nums = _whole_numbers(columns[period], decimal_comma, week_cells)
    if nums.size == 0:
        return None, False, 0
    lo, hi = int(nums.min()), int(nums.max())
    if np.count_nonzero((nums >= 1) & (nums <= 53)) * 2 > nums.size:  # mostly weeks
        for h in header:
            if h in taken or norm(h) not in YEAR_NAMES:
                continue
            years = _whole_numbers(columns[h], decimal_comma)
            if years.size and YEARS[0] <= years.min() and years.max() <= YEARS[1]:
                return h, False, 0
    if lo >= 1 and hi <= 53:
        seen = list(dict.fromkeys(nums.tolist()))
        return None, False, seen[0] if wraps(seen) else 0
    year, week = nums // 100, nums % 100
    if (
        lo >= 100_000 and hi <= 999_999
        and YEARS[0] <= year.min() and year.max() <= YEARS[1]
        and week.min() >= 1 and week.max() <= 53
    ):  # fmt: skip
        return None, True, 0
    example = _first_filled(columns[period])
    day = _compact_date(lo) if lo >= 10_000_000 and hi <= 99_999_999 else None
    if day is not None and all(_compact_date(int(n)) is not None for n in np.unique(nums)):
        raise CatalogError(
            f"{fname}: the week column {show(period)!r} holds numbers such as {example} that "
            f"look like dates written without separators ({lo} would be {day}). Save that "
            f"column as dates (like {day}) and read the file again."
        )
    if lo >= 20_000 and hi <= 80_000:  # days since 1899-12-30, from 1954 to 2119
        excel = np.datetime64("1899-12-30") + np.timedelta64(lo, "D")
        raise CatalogError(
            f"{fname}: the week column {show(period)!r} holds numbers from {lo} to {hi}, "
            f"which are not week numbers. They look like Excel date numbers ({lo} is "
            f"{excel}): format the column as dates in Excel and save the file again."
        )
    span = hi - lo + 1
    if hi > 53 and 53 < span <= MAX_WEEKS and np.unique(nums).size * 2 < span:
        raise CatalogError(
            f"{fname}: the week column {show(period)!r} holds numbers from {lo} to {hi} with "
            "most of the weeks between them missing, so they are not week numbers: read as "
            "week numbers they would add weeks of 0. Write the weeks as dates or as week "
            "numbers 1, 2, 3, …"
        )
    return None, False, 0


def _compact_date(number: int) -> str | None:
    """``2023-10-01`` for the number 20231001; None unless it is such a real day."""
    year, month, day = number // 10_000, number // 100 % 100, number % 100
    if not YEARS[0] <= year <= YEARS[1] or not 1 <= month <= 12 or day < 1:
        return None
    last = (np.datetime64(f"{year:04d}-{month:02d}", "M") + 1).astype("datetime64[D]") - 1
    return f"{year:04d}-{month:02d}-{day:02d}" if day <= last.astype(object).day else None


def _first_filled(cells: Sequence[object]) -> str:
    return next((show(_cell_str(c)) for c in cells if _cell_str(c)), "")


_YEARLESS_DAY = re.compile(
    rf"^\s*(?:{_DAY}[ \-/.]*{_NAME}\.?|{_NAME}\.?[ \-/.]*{_DAY}|(\d{{1,2}})[/.]\d{{1,2}}\.?)\s*$"
)
"""A header naming a day without its year: ``1-Jan`` (Excel's d-mmm), ``Jan 1``, ``01 January``,
``01/08``, ``08.01.`` (groups 1 and 4, the day beside a month's name; 5, a first number)."""


def _check_yearless(fname: str, header: Sequence[str]) -> None:
    """Refuse a file without week columns whose columns name days without their year (two
    or more of :data:`_YEARLESS_DAY`: in numbers alone, or with a day of one digit or a
    month named twice, so that ``Jan 15, Feb 15`` stay the months of 2015): without the
    year the weeks cannot be placed in time, nor told from months."""
    found = [(h, m) for h in header if (m := _YEARLESS_DAY.match(h))]
    months = [month_number(m[2] or m[3]) for _, m in found if m[2] or m[3]]
    short = any(len(m[1] or m[4] or m[5]) == 1 for _, m in found)
    if len(found) < 2 or not (short or len(set(months)) < len(months) or not months):
        return
    raise CatalogError(
        f"{fname}: the columns {names([h for h, _ in found])} name days without their year, "
        "so the weeks cannot be placed in time. Write each date with its year (1-Jan-2024; "
        "in Excel, format the header cells as a date with the year) and read the file again."
    )


def _check_spans(fname: str, names: Sequence[str], columns: dict[str, list[object]]) -> None:
    """Refuse a long file whose week column (the first of ``names`` whose filled cells
    in the rows looked at, ``columns``, mostly name spans of days, :func:`date_span`)
    writes each week as the days it spans (``Jan 1 - 7, 2024``), saying what to write."""
    for h in names:
        filled = [t for t in (_cell_str(c) for c in columns[h]) if t]
        spans = [(t, span) for t in filled if (span := date_span(t)) is not None]
        if 2 * len(spans) > len(filled):
            example, (first, _) = spans[0]
            raise CatalogError(
                f"{fname}: the column {show(h)!r} names each week by the days it spans "
                f"({example!r}), which is read in week columns' names but not in a "
                f"column of weeks. Write each week's first day there ({first!r} for "
                f"{example!r}), or choose the report's layout with the weeks as columns."
            )


def _product_among(named: Sequence[str], columns: dict[str, list[object]]) -> str | None:
    """The column of ``named`` (names with an :data:`ID_WORDS` word, in the header's
    order) that holds the products, or None when that is not clear. Names numbering
    another thing (:data:`OTHER_THING_WORDS`: ``Transaction ID``) are left out, and so
    are names of a grouping (:data:`GROUP_WORDS`: ``Product type``) when the products
    left each have one value of it in the rows looked at (``columns``); of several left,
    the first when each pairs its values one to one with the first's (``Item`` and ``SKU``
    name the same products), so either gives the same table."""
    ours = [h for h in named if not _words(h) & OTHER_THING_WORDS] or list(named)
    kept = [h for h in ours if not _words(h) & GROUP_WORDS] or ours
    if not kept:
        return None
    first = [_cell_str(c) for c in columns[kept[0]]]
    for other in (h for h in ours if h != kept[0]):
        pairs = {(a, _cell_str(b)) for a, b in zip(first, columns[other], strict=True)}
        if len(pairs) != len({a for a, _ in pairs}):
            return None  # a product with two values of it: it is no grouping of them
        if other in kept and len(pairs) != len({b for _, b in pairs}):
            return None
    return kept[0]


def _guess_wide_id(
    header: Sequence[str],
    weeks: Sequence[str],
    profiles: dict[str, _Profile],
    columns: dict[str, list[object]],
    fname: str,
) -> str:
    rest = [h for h in header if h not in weeks and not is_summary(h)]
    named = [h for h in rest if is_id_like(h)]
    among = _product_among(named, columns)
    if among is not None:
        return among
    texts = [h for h in rest if not profiles[h].numeric]
    if not named and len(texts) == 1:
        return texts[0]
    if len(rest) == 1:
        return rest[0]
    candidates = named + [h for h in texts if h not in named]
    candidates += [h for h in rest if h not in candidates]
    raise _ask(fname, "product", "holds the product codes", candidates)
