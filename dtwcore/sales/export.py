"""CSV that people open in spreadsheets, and file names that carry the settings.

Every CSV a person may open goes through this module: the page downloads, the CSV
artifacts of MLflow runs (``distances.csv``, the outlier lists, ``assignments.csv``) and
the CSV output of the ``score`` and ``shapes`` commands. A spreadsheet runs a cell that
starts with ``= + - @`` (or a tab or carriage return) as a formula, so a product code such
as ``=HYPERLINK("http://x","y")`` from a supplier's export would become a live link. Such
a text cell is written with a leading apostrophe, which spreadsheets read as "this is
text". A cell that already starts with apostrophes before such a character gets one more,
so the change can be undone exactly: :func:`read_csv_text` strips one apostrophe where
:func:`neutralise_formulas` added one, and a program reading a run's CSV back gets every
cell exactly as it was. Numbers are never changed. ``raw=True`` (``--raw-csv`` on the
command line) writes every cell exactly as read, for programs that do not strip it.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any, BinaryIO, Self

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

if TYPE_CHECKING:
    import pandas as pd

_SLUG = re.compile(r"[^A-Za-z0-9]+")
_SLUG_CHARS = 40
_TARGET_CHARS = 60  # room for "shape 12 of" and a data set's slug

# A cell to neutralise: any apostrophes, then a character that makes a spreadsheet run the
# cell as a formula (= + - @, tab, carriage return). Counting the apostrophes makes the
# change reversible: '=1 is written ''=1 and reads back as '=1.
_FORMULA_CELL = r"'*[=+\-@\t\r]"
_FORMULA = re.compile(_FORMULA_CELL)


def _neutralise(value: object) -> object:
    if isinstance(value, str) and _FORMULA.match(value):
        return "'" + value
    return value


def _restore(value: object) -> object:
    if isinstance(value, str) and value[:1] == "'" and _FORMULA.match(value, 1):
        return value[1:]
    return value


def _map_text(df: pd.DataFrame, fix: Callable[[object], object]) -> pd.DataFrame:
    import pandas as pd

    out = df.copy()
    for col in out.columns:
        s = out[col]
        if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
            out[col] = s.map(fix)
    out.columns = [fix(c) for c in out.columns]
    return out


def neutralise_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """A copy safe to open in a spreadsheet: text cells (and column names) that start with
    ``= + - @`` (or a tab or carriage return), after any apostrophes, get a leading
    apostrophe, so they are not run as formulas. Numeric columns are left exactly as they
    are; :func:`restore_formulas` undoes it."""
    return _map_text(df, _neutralise)


def restore_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """The cells of ``df`` as they were before :func:`neutralise_formulas`: one leading
    apostrophe is removed from each text cell (and column name) that it would have added."""
    return _map_text(df, _restore)


def neutralise_table(table: pa.Table) -> pa.Table:
    """:func:`neutralise_formulas` for an Arrow table: the same cells of its string columns
    (and column names) get the same apostrophe."""
    pattern = f"^({_FORMULA_CELL})"
    columns = [
        pc.replace_substring_regex(col, pattern=pattern, replacement="'\\1")
        if pa.types.is_string(col.type) or pa.types.is_large_string(col.type)
        else col
        for col in table.columns
    ]
    return pa.Table.from_arrays(columns, schema=_neutralise_names(table.schema))


def _neutralise_names(schema: pa.Schema) -> pa.Schema:
    return pa.schema([f.with_name(str(_neutralise(f.name))) for f in schema], schema.metadata)


def csv_text(df: pd.DataFrame, *, raw: bool = False) -> str:
    """``df`` as CSV text for people: formula cells neutralised (unless ``raw``), numbers
    exact (not rounded), no index, lines ending in CRLF (RFC 4180).

    With CRLF line ends pandas quotes any cell holding a lone carriage return or line feed,
    so such a cell (a product code from a quoted CSV cell, say) cannot split its row.
    Write it with ``newline=""`` so the line ends stay as they are; read it back with
    :func:`read_csv_text`.
    """
    return (df if raw else neutralise_formulas(df)).to_csv(index=False, lineterminator="\r\n")


def read_csv_text(text: str, **options: Any) -> pd.DataFrame:
    """The table :func:`csv_text` wrote, every cell as it was before neutralising.

    ``options`` go to :func:`pandas.read_csv` (e.g. ``dtype={"product": str}``).
    """
    import pandas as pd

    return restore_formulas(pd.read_csv(io.StringIO(text), **options))


class CsvTableWriter:
    """CSV of Arrow tables written one after another (the ``score`` and ``shapes``
    output, which may not fit in memory): formula cells neutralised unless ``raw``.

    Parameters
    ----------
    sink : binary file to write to
    schema : the schema of every table written
    raw : write every cell exactly as it is (for programs)
    """

    def __init__(self, sink: BinaryIO, schema: pa.Schema, *, raw: bool = False) -> None:
        self._raw = raw
        self._writer = pacsv.CSVWriter(
            sink,
            schema if raw else _neutralise_names(schema),
            write_options=pacsv.WriteOptions(quoting_style="needed"),
        )

    def write_table(self, table: pa.Table) -> None:
        """Write the rows of ``table``."""
        self._writer.write_table(table if self._raw else neutralise_table(table))

    def close(self) -> None:
        """Finish the CSV (the sink stays open)."""
        self._writer.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def dataset_slug(name: str) -> str:
    """A file-name-safe short form of a data set's name ("Demo data …" -> "demo")."""
    if name.lower().startswith("demo"):
        return "demo"
    stem = name.rsplit(".", 1)[0] if "." in name else name
    slug = _SLUG.sub("_", stem).strip("_")[:_SLUG_CHARS].strip("_")
    return slug or "data"


def download_name(
    kind: str,
    dataset: str,
    stretch: float,
    day: dt.date | None = None,
    ext: str = "csv",
    target: str | None = None,
) -> str:
    """E.g. ``shortlist_Sales_Transactions_Dataset_Weekly_stretch0.10_2026-11-29.csv``, or
    with ``target="target P83"``
    ``shortlist_Sales_Transactions_Dataset_Weekly_target_P83_stretch0.10_2026-11-29.csv``.

    Parameters
    ----------
    kind : str, what the file holds ("shortlist", "scores", "outliers_zscore", …)
    dataset : str, the data set's name (a file name or the demo's name)
    stretch : float, the stretch factor, written with at least two decimals
    day : date, default today (UTC)
    ext : str, the file's extension
    target : str, the target's label (:attr:`dtwcore.sales.target.TargetSpec.label`,
        :func:`dtwcore.sales.target.shape_label`), if it is to be named
    """
    day = day or dt.datetime.now(dt.UTC).date()
    text = f"{stretch:.3f}".rstrip("0")
    if len(text.split(".")[1]) < 2:
        text = f"{stretch:.2f}"
    named = f"_{_SLUG.sub('_', target).strip('_')[:_TARGET_CHARS].strip('_')}" if target else ""
    return f"{kind}_{dataset_slug(dataset)}{named}_stretch{text}_{day.isoformat()}.{ext}"
