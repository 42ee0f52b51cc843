"""Catalogue files too big for memory: read products in batches, write results atomically.

A catalogue file is CSV or Parquet (told by its extension) with one row per product: an id
column and one numeric column per week. :class:`CatalogReader` yields the products in
record batches (Parquet row groups are read page by page, CSV block by block), so memory
stays bounded by the batch size whatever the file size. Every problem is a
:class:`~dtwcore.sales.CatalogError` naming the file and, for bad values, the row, the
product and the column.

CSV files are read in the dialects spreadsheets export, the same ones the Sales Trends
page takes (:func:`dtwcore.sales.load_catalog`); :func:`sniff_dialect` tells them from the
file's first block (``csv_block_bytes``, 8 MiB by default):

* encoding: UTF-8 with or without a byte-order mark, UTF-16 with a byte-order mark (little
  or big endian), else Windows-1252 (bytes it does not define read as U+FFFD);
* separator: comma, semicolon, tab or vertical bar, whichever the header row holds most
  of (comma when it holds none);
* decimal commas (``12,5`` for 12.5) when the separator is not a comma and a cell of the
  first 200 rows is written so; then every week cell written that way is read so.

Windows-1252 and UTF-16 files are read through a temporary UTF-8 copy (in the temporary
folder, ``TMPDIR``), written block by block and removed afterwards. A file whose first
block is UTF-8 but whose later product ids are not is refused, naming the row (the
streaming reader cannot go back and read the file as Windows-1252).

Column rules (the same for the local and the Spark engine, see :func:`choose_layout`):

* id column: the one named with ``id_column``, else ``Product_Code``, else the first
  column that is not numeric;
* week columns: every other numeric column, in file order, except summary columns
  such as the UCI file's ``MIN``, ``MAX`` and ``Normalized …``;
* other text columns are ignored.

Rows are numbered as a spreadsheet numbers them: the header is row 1, the first product
row 2 (Parquet files too), as :func:`dtwcore.sales.load_catalog` does.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import math
import os
import re
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from dtwcore.sales import (
    DECIMAL_COMMA,
    SUMMARY_NAMES,
    CatalogError,
    has_decimal_commas,
    sniff_separator,
)

__all__ = [
    "BATCH_ROWS",
    "ID_COLUMN",
    "RESULT_SCHEMA",
    "Batch",
    "CatalogReader",
    "Dialect",
    "Layout",
    "OutputFile",
    "Progress",
    "check_values",
    "choose_layout",
    "file_format",
    "is_ignored_column",
    "ranked_tables",
    "result_table",
    "sniff_dialect",
    "to_matrix",
    "write_results",
    "zscores",
]

ID_COLUMN = "Product_Code"
_WEEK_NAME = re.compile(r"^W\d+$")
# Bytes that are not UTF-8, as ``errors="surrogateescape"`` keeps them.
_UNDECODED = re.compile(r"[\udc80-\udcff]")

FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}
BATCH_ROWS = 16_384
_CSV_BLOCK_BYTES = 8 << 20
_COPY_BYTES = 1 << 20
_PARQUET_BUFFER_BYTES = 1 << 20

RESULT_SCHEMA = pa.schema(
    [
        ("product", pa.string()),
        ("distance", pa.float64()),
        ("rank", pa.int64()),
        ("zscore", pa.float64()),
    ]
)


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


def _whole_rows(text: str, complete: bool) -> str:
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
    """:func:`dtwcore.sales.has_decimal_commas` over the rows of ``text`` (blank rows and
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

    The rules are those of the Sales Trends page (:func:`dtwcore.sales.load_catalog`):

    * a UTF-16 byte-order mark means UTF-16; else text that is valid UTF-8 (with or
      without a byte-order mark) is UTF-8, anything else Windows-1252;
    * the separator is whichever of ``, ; \\t |`` the first non-blank line holds most of,
      comma when it holds none;
    * decimal commas when the separator is not a comma and a cell of the first 200 rows
      after the header looks like ``12,5`` (``^[+-]?\\d*,\\d+$`` once trimmed).

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
    return _sniff(head, complete, source)[0]


def _sniff(head: bytes, complete: bool, source: str) -> tuple[Dialect, str]:
    """:func:`sniff_dialect`, and the text of ``head``."""
    encoding, text = _decode_head(head, complete, source)
    if "\x00" in text:
        raise CatalogError(
            f"{source}: not a text (CSV) file (it holds NUL bytes); save the sales table "
            "as CSV and try again"
        )
    separator = sniff_separator(_first_lines(text))
    decimal = separator != "," and _has_decimal_commas(_whole_rows(text, complete), separator)
    return Dialect(encoding, separator, decimal), text


def _converts(text: pa.Array) -> bool:
    """True when every cell of a text column is a number or blank (decimal commas allowed)."""
    try:
        _decimal_comma_numbers(text)
    except pa.ArrowInvalid:
        return False
    return True


def _decimal_comma_numbers(text: pa.Array) -> pa.Array:
    """Text cells as float64, ``12,5`` read as 12.5 (the page's rule: only whole cells of
    that form, once trimmed); blank cells become nulls. Raises ArrowInvalid for a cell
    that is not a number."""
    text = pc.utf8_trim_whitespace(text)
    comma = pc.match_substring_regex(text, DECIMAL_COMMA.pattern)
    text = pc.if_else(comma, pc.replace_substring(text, ",", "."), text)
    text = pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)
    return pc.cast(text, pa.float64())


def is_ignored_column(name: str) -> bool:
    """True for summary columns that are not weeks: MIN, MAX, Normalized … and the other
    :data:`dtwcore.sales.SUMMARY_NAMES` (case, spaces and hyphens ignored)."""
    norm = re.sub(r"[\s\-]+", "_", name.strip().lower())
    return norm in SUMMARY_NAMES or norm.startswith(("normalized", "normalised"))


def file_format(path: str | os.PathLike[str], role: str = "file") -> str:
    """``"csv"`` or ``"parquet"`` from the file's extension; CatalogError otherwise."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise CatalogError(
            f"{path}: the {role} must be a CSV (.csv) or Parquet (.parquet, .pq) file"
        )
    return FORMATS[suffix]


@dataclass(frozen=True)
class Layout:
    """Which columns of a catalogue hold the product id and the weekly values."""

    id_column: str
    week_columns: tuple[str, ...]


def _name_list(names: Sequence[str], limit: int = 8) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f", … ({len(names)} columns)" if len(names) > limit else "")


def choose_layout(
    columns: Sequence[tuple[str, bool]], source: str, id_column: str | None = None
) -> Layout:
    """Pick the id column and the week columns.

    Parameters
    ----------
    columns : sequence of (name, is_numeric) in file order
    source : the file name (or a description) used in error messages
    id_column : the id column's name, or None to find it (Product_Code, else the first
        non-numeric column)
    """
    names = [name for name, _ in columns]
    numeric = dict(columns)
    if id_column is not None:
        if id_column not in numeric:
            raise CatalogError(
                f"{source}: no column named {id_column!r} (columns: {_name_list(names)})"
            )
        ident = id_column
    elif ID_COLUMN in numeric:
        ident = ID_COLUMN
    else:
        ident = next((name for name, is_num in columns if not is_num), None)
        if ident is None:
            raise CatalogError(
                f"{source}: no id column (no {ID_COLUMN} and no text column); "
                "name it with --id-column"
            )
    for name, is_num in columns:
        if name != ident and not is_num and _WEEK_NAME.match(name):
            raise CatalogError(f"{source}: column {name} has values that are not numbers")
    weeks = tuple(
        name for name, is_num in columns if is_num and name != ident and not is_ignored_column(name)
    )
    if not weeks:
        raise CatalogError(
            f"{source}: no numeric week columns besides the id column {ident} "
            f"(columns: {_name_list(names)})"
        )
    return Layout(ident, weeks)


def _is_numeric(dtype: pa.DataType) -> bool:
    return (
        pa.types.is_integer(dtype)
        or pa.types.is_floating(dtype)
        or pa.types.is_decimal(dtype)
        or pa.types.is_null(dtype)
    )


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
    raise CatalogError(f"{prefix}{where}: {weeks[col]} is missing or not a finite number")


def to_matrix(columns: Sequence[pa.Array | pa.ChunkedArray], n_rows: int) -> np.ndarray:
    """Numeric Arrow columns as one (n_rows, len(columns)) float64 array; nulls are NaN."""
    values = np.empty((n_rows, len(columns)), dtype=np.float64)
    for j, col in enumerate(columns):
        if pa.types.is_decimal(col.type) or pa.types.is_null(col.type):
            col = col.cast(pa.float64())
        values[:, j] = col.to_numpy(zero_copy_only=False)
    return values


def zscores(dist: np.ndarray, mean: float, sd: float) -> np.ndarray:
    """(dist - mean) / sd, or zeros when every distance is the same (sd = 0)."""
    return (dist - mean) / sd if sd > 0 else np.zeros_like(dist)


def result_table(ids: pa.Array, dist: np.ndarray, first_rank: int, z: np.ndarray) -> pa.Table:
    """Rows of results (RESULT_SCHEMA) with consecutive ranks from ``first_rank``."""
    rank = np.arange(first_rank, first_rank + dist.shape[0], dtype=np.int64)
    return pa.Table.from_arrays([ids, dist, rank, z], schema=RESULT_SCHEMA)


def ranked_tables(
    ids: pa.Array,
    dist: np.ndarray,
    *,
    order_key: np.ndarray | None = None,
    top: int | None = None,
    rows_per_table: int = 1 << 16,
) -> Iterator[pa.Table]:
    """Every product's result, closest first, in tables of ``rows_per_table`` rows.

    Ties in distance go to the smaller ``order_key`` (default: the position). The z-scores
    use the mean and population standard deviation of all of ``dist``, as
    :func:`dtwcore.sales.score_catalog` does; ``top`` keeps only the first ``top`` rows.
    """
    z = zscores(dist, dist.mean(), dist.std())
    order = np.argsort(dist, kind="stable") if order_key is None else np.lexsort((order_key, dist))
    if top is not None:
        order = order[:top]
    for start in range(0, order.shape[0], rows_per_table):
        rows = order[start : start + rows_per_table]
        yield result_table(ids.take(pa.array(rows)), dist[rows], start + 1, z[rows])


class CatalogReader:
    """Products of a CSV or Parquet catalogue, batch by batch.

    Parameters
    ----------
    path : the catalogue file (.csv, .parquet or .pq)
    id_column : the id column's name; None finds it (see :func:`choose_layout`)
    batch_rows : products per Parquet batch (CSV batches follow ``csv_block_bytes``)
    csv_block_bytes : bytes of CSV text per batch; the dialect is told from the first block

    Attributes
    ----------
    layout : :class:`Layout`
    dialect : :class:`Dialect` of a CSV file (None for Parquet)
    file_columns : every column name of the file, in file order
    total_rows : number of products when the format tells it up front (Parquet), else None

    Iterating yields :class:`Batch` objects; :meth:`fraction_done` tells how far the reading
    has got (0..1), for progress bars.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        id_column: str | None = None,
        batch_rows: int = BATCH_ROWS,
        csv_block_bytes: int = _CSV_BLOCK_BYTES,
    ) -> None:
        self.path = str(path)
        self.format = file_format(path, "input")
        self.batch_rows = int(batch_rows)
        self._block_bytes = int(csv_block_bytes)
        self._rows_read = 0
        self._bytes_per_row: float | None = None
        self._file_bytes_per_text_byte = 1.0
        self.dialect: Dialect | None = None
        if not os.path.exists(self.path):
            raise CatalogError(f"{self.path}: no such file")
        if os.path.isdir(self.path):
            raise CatalogError(f"{self.path}: is a folder, not a file")
        self._size = os.path.getsize(self.path)
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
            self.file_columns = list(schema.names)
            numeric = [_is_numeric(schema.field(i).type) for i in range(len(schema))]
        else:
            self.total_rows = None
            numeric = self._sniff_csv()
        columns = list(zip(self.file_columns, numeric, strict=True))
        if self.format == "csv":
            text_weeks = [n for n, is_num in columns if not is_num and _WEEK_NAME.match(n)]
            if text_weeks and id_column not in text_weeks:
                ident = id_column or (ID_COLUMN if ID_COLUMN in self.file_columns else None)
                found = self._find_bad_row(ident, text_weeks)
                if found is not None:
                    raise found
        self.layout = choose_layout(columns, self.path, id_column)

    # CSV --------------------------------------------------------------------------------
    def _sniff_csv(self) -> list[bool]:
        """Dialect, column names and which columns are numeric, from the first block."""
        if self._size == 0:
            raise CatalogError(f"{self.path}: the file is empty")
        with open(self.path, "rb") as f:
            head = f.read(self._block_bytes)
        complete = len(head) >= self._size
        dialect, text = _sniff(head, complete, self.path)
        self.dialect = dialect
        source: str | pa.BufferReader = self.path
        if not dialect.is_utf8:  # Arrow reads UTF-8: the whole rows of the block, re-encoded
            utf8 = _whole_rows(text, complete).encode()
            source = pa.BufferReader(utf8)
            self._file_bytes_per_text_byte = len(head) / max(1, len(utf8))
        try:
            with pacsv.open_csv(source, **self._csv_options()) as reader:
                schema = reader.schema
                names = list(schema.names)
                numeric = [_is_numeric(schema.field(i).type) for i in range(len(schema))]
                if dialect.decimal_comma:
                    # Weeks written like 12,5 are text to Arrow: numeric if they convert.
                    first = reader.read_next_batch()
                    for i, column in enumerate(first.columns):
                        if pa.types.is_string(column.type):
                            numeric[i] = _converts(column)
        except StopIteration:
            pass  # no data rows: reported when reading
        except pa.ArrowInvalid as exc:
            found = self._find_bad_row(None, ())
            if found is not None:
                raise found from None
            message = " ".join(str(exc).split())
            raise CatalogError(f"{self.path}: not a readable CSV file ({message})") from None
        self.file_columns = names
        return numeric

    def _csv_options(self, **convert: object) -> dict[str, object]:
        """Arrow's read, parse (and, given keywords, convert) options for this file."""
        assert self.dialect is not None
        options: dict[str, object] = {
            "read_options": pacsv.ReadOptions(block_size=self._block_bytes),
            "parse_options": pacsv.ParseOptions(delimiter=self.dialect.separator),
        }
        if convert:
            options["convert_options"] = pacsv.ConvertOptions(**convert)
        return options

    @contextlib.contextmanager
    def _utf8_file(self) -> Iterator[str]:
        """The file as UTF-8: itself, or a temporary UTF-8 copy of Windows-1252 or UTF-16
        text (written block by block, removed afterwards).

        Arrow could decode these itself, but only through Python codecs called from its
        I/O threads, which can leave the process hanging at exit.
        """
        assert self.dialect is not None
        if self.dialect.is_utf8:
            yield self.path
            return
        errors = "replace" if self.dialect.encoding == "cp1252" else "strict"
        decoder = codecs.getincrementaldecoder(self.dialect.encoding)(errors=errors)
        fd, copy = tempfile.mkstemp(prefix="dtwcore-", suffix=".csv")
        try:
            try:
                with open(self.path, "rb") as src, os.fdopen(fd, "wb") as dst:
                    while block := src.read(_COPY_BYTES):
                        dst.write(decoder.decode(block).encode())
                    dst.write(decoder.decode(b"", final=True).encode())
            except UnicodeDecodeError:
                raise self._decode_error() from None
            yield copy
        finally:
            os.unlink(copy)

    def _decode_error(self) -> CatalogError:
        assert self.dialect is not None
        return CatalogError(
            f"{self.path}: starts like {self.dialect.encoding.upper()} text but is not "
            f"{self.dialect.encoding.upper()} throughout; save the file as CSV UTF-8 and "
            "try again"
        )

    def _csv_batches(self) -> Iterator[pa.RecordBatch]:
        assert self.dialect is not None
        columns = [self.layout.id_column, *self.layout.week_columns]
        decimal = self.dialect.decimal_comma
        week_type = pa.string() if decimal else pa.float64()
        types = {name: week_type for name in self.layout.week_columns}
        types[self.layout.id_column] = pa.string()
        options = self._csv_options(
            column_types=types, include_columns=columns, null_values=[""], strings_can_be_null=True
        )
        with self._utf8_file() as path:
            try:
                with pacsv.open_csv(path, **options) as reader:
                    for batch in reader:
                        if self._bytes_per_row is None and batch.num_rows:
                            # CSV batches are blocks of about block_size bytes (of UTF-8).
                            self._bytes_per_row = (
                                self._block_bytes * self._file_bytes_per_text_byte / batch.num_rows
                            )
                        if decimal:
                            weeks = [_decimal_comma_numbers(c) for c in batch.columns[1:]]
                            batch = pa.RecordBatch.from_arrays([batch.column(0), *weeks], columns)
                        yield batch
            except pa.ArrowInvalid as exc:
                raise self._csv_error(exc) from None

    def _csv_error(self, exc: Exception) -> CatalogError:
        """Find the row behind a CSV parse or conversion error (slow; error path only)."""
        found = self._find_bad_row(self.layout.id_column, self.layout.week_columns)
        if found is not None:
            return found
        message = " ".join(str(exc).split())
        return CatalogError(f"{self.path}: not a readable CSV file ({message})")

    def _find_bad_row(self, id_column: str | None, weeks: Sequence[str]) -> CatalogError | None:
        """The first row with a wrong number of fields, an id that is not text in the
        file's encoding or a week that is not a number (read in the file's dialect)."""
        assert self.dialect is not None
        week_set = set(weeks)
        decimal = self.dialect.decimal_comma
        # UTF-8 is sniffed from the first block only: keep undecodable bytes to find them.
        utf8 = self.dialect.encoding.startswith("utf-8")
        errors = "surrogateescape" if utf8 else "replace"
        with open(self.path, newline="", encoding=self.dialect.encoding, errors=errors) as f:
            rows = csv.reader(f, delimiter=self.dialect.separator)
            header = next(rows, None)
            if header is None:  # nothing but a byte-order mark
                return CatalogError(f"{self.path}: the file is empty")
            week_pos = [i for i, name in enumerate(header) if name in week_set]
            id_pos = header.index(id_column) if id_column in header else None
            for number, fields in enumerate(rows, start=2):
                if not fields:
                    continue
                if len(fields) != len(header):
                    return CatalogError(
                        f"{self.path}: row {number}: has {len(fields)} fields, "
                        f"the header has {len(header)}"
                    )
                if id_pos is None:
                    product = ""
                elif utf8 and _UNDECODED.search(fields[id_pos]):
                    return CatalogError(
                        f"{self.path}: row {number}: the {header[id_pos]} is not UTF-8 text, "
                        "unlike the start of the file; save the file as CSV UTF-8 and try again"
                    )
                else:
                    product = f" (product {fields[id_pos]})"
                for i in week_pos:
                    text = fields[i].strip()
                    if decimal and DECIMAL_COMMA.match(text):
                        continue
                    try:
                        float(text)
                    except ValueError:
                        if text == "":
                            continue  # empty cells become NaN and are reported later
                        return CatalogError(
                            f"{self.path}: row {number}{product}: "
                            f"{header[i]} is not a number ({text!r})"
                        )
        return None

    # Both formats -----------------------------------------------------------------------
    def _record_batches(self) -> Iterator[pa.RecordBatch]:
        if self.format == "csv":
            yield from self._csv_batches()
            return
        columns = [self.layout.id_column, *self.layout.week_columns]
        try:
            yield from self._parquet.iter_batches(batch_size=self.batch_rows, columns=columns)
        except (pa.ArrowException, OSError) as exc:
            raise CatalogError(f"{self.path}: not a readable Parquet file ({exc})") from None

    def __iter__(self) -> Iterator[Batch]:
        weeks = self.layout.week_columns
        for record in self._record_batches():
            n = record.num_rows
            if n == 0:
                continue
            ids = record.column(0)
            if not pa.types.is_string(ids.type):
                ids = pc.cast(ids, pa.string())
            if ids.null_count:
                row = int(np.flatnonzero(ids.is_null().to_numpy(zero_copy_only=False))[0])
                raise CatalogError(
                    f"{self.path}: row {self._rows_read + row + 2}: "
                    f"the id {self.layout.id_column} is missing"
                )
            values = to_matrix(record.columns[1:], n)
            check_values(values, ids, weeks, self.path, self._rows_read)
            first = self._rows_read
            self._rows_read += n
            yield Batch(ids, values, first)
        if self._rows_read == 0:
            raise CatalogError(f"{self.path}: no products (the file has no data rows)")

    def fraction_done(self) -> float | None:
        """How much of the file has been read (0..1), or None when unknown."""
        if self.total_rows:
            return self._rows_read / self.total_rows
        if self._bytes_per_row and self._size:
            return min(1.0, self._rows_read * self._bytes_per_row / self._size)
        return None

    @property
    def rows_read(self) -> int:
        return self._rows_read


class Progress:
    """A one-line progress display on stderr: products done, rate and time left.

    Disabled (every call does nothing) unless ``enabled``; callers pass
    ``enabled=not quiet and sys.stderr.isatty()``.
    """

    def __init__(self, enabled: bool, stream: IO[str] | None = None, every: float = 0.2) -> None:
        self.enabled = enabled
        self._stream = stream or sys.stderr
        self._every = every
        self._start = time.monotonic()
        self._last = 0.0
        self._width = 0

    def update(self, done: int, fraction: float | None, *, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._last < self._every:
            return
        self._last = now
        elapsed = max(now - self._start, 1e-9)
        text = f"scoring: {done:,} products"
        if fraction is not None:
            text += f" ({100 * fraction:.0f}%)"
        text += f", {done / elapsed:,.0f}/s"
        if fraction is not None and 0 < fraction < 1:
            left = elapsed * (1 - fraction) / fraction
            text += f", {_clock(left)} left"
        self._write(text)

    def message(self, text: str) -> None:
        """Replace the line with ``text`` (e.g. "ranking …")."""
        if self.enabled:
            self._write(text)

    def close(self, text: str = "") -> None:
        """Finish the line, optionally with a closing summary."""
        if not self.enabled:
            return
        if text:
            self._write(text)
        self._stream.write("\n")
        self._stream.flush()

    def _write(self, text: str) -> None:
        pad = max(0, self._width - len(text))
        self._stream.write("\r" + text + " " * pad)
        self._stream.flush()
        self._width = len(text)


def _clock(seconds: float) -> str:
    seconds = int(math.ceil(seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class OutputFile:
    """Where results go: a temporary file beside the output, renamed into place at the end.

    ``-`` means CSV on standard output (written directly; nothing is written before the
    results are complete). Creating the object checks the format and that the folder is
    writable, so a bad output fails before any scoring.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._tmp: str | None = None
        if path == "-":
            self.format = "csv"
            return
        self.format = file_format(path, "output")
        folder = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(folder):
            raise CatalogError(f"{path}: cannot write the output, no folder {folder}")
        if os.path.isdir(path):
            raise CatalogError(f"{path}: cannot write the output, it is a folder")
        try:
            fd, self._tmp = tempfile.mkstemp(
                prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=folder
            )
        except OSError as exc:
            raise CatalogError(f"{path}: cannot write the output ({exc.strerror or exc})") from None
        os.close(fd)

    def open(self) -> BinaryIO:
        if self._tmp is None:
            return sys.stdout.buffer
        return open(self._tmp, "wb")  # noqa: SIM115 (closed by write_results)

    def commit(self) -> None:
        """Move the finished temporary file into place (readable like a new file)."""
        if self._tmp is None:
            return
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(self._tmp, 0o666 & ~umask)
        os.replace(self._tmp, self.path)
        self._tmp = None

    def discard(self) -> None:
        """Remove the temporary file (after a failure)."""
        if self._tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(self._tmp)
            self._tmp = None


def write_results(output: OutputFile, tables: Iterable[pa.Table]) -> int:
    """Write result tables (RESULT_SCHEMA) to ``output`` in order; commit; return rows.

    On any error the temporary file is removed and nothing appears at the output path.
    """
    rows = 0
    try:
        sink = output.open()
        try:
            writer: pq.ParquetWriter | pacsv.CSVWriter
            if output.format == "parquet":
                writer = pq.ParquetWriter(sink, RESULT_SCHEMA)
            else:
                writer = pacsv.CSVWriter(
                    sink, RESULT_SCHEMA, write_options=pacsv.WriteOptions(quoting_style="needed")
                )
            with writer:
                for table in tables:
                    writer.write_table(table)
                    rows += table.num_rows
        finally:
            if sink is sys.stdout.buffer:
                sink.flush()
            else:
                sink.close()
        output.commit()
    except BaseException:
        output.discard()
        raise
    return rows
