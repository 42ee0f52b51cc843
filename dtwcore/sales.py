"""Sales catalogues: the published target, loading, scoring, outliers.

One source of truth for the facts of the published analysis: the target pattern (the
factory's weekly production capacity), the default stretch factor, the swept stretch
factors and the outlier rules. Everything else imports them from here.

Loading (:func:`load_catalog`) accepts three table shapes, as CSV or Parquet:

* the UCI layout: ``Product_Code``, ``W0`` … ``W51`` (``MIN``, ``MAX``, ``Normalized …``
  ignored);
* any wide table: one product-code column and one numeric column per week;
* a long table: ``product, week, units`` (week as a number or a date), pivoted to one
  column per week with missing weeks filled with 0.

Rows that cannot be used are never dropped silently: they are listed in
``Catalog.excluded`` with the row number a spreadsheet shows (the header is row 1) and a
reason in plain words.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import math
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd

from dtwcore.distance import dtw_one_to_many

# The published "optimal sales trend": weekly production capacity, week 0 first.
BLOG_TARGET = np.array(
    [
        12.5, 13, 13.5, 14, 17, 10, 15, 16, 17, 16, 19, 14, 14, 15, 11, 20, 18, 17, 19, 21,
        19, 15, 17, 17, 16, 15, 19, 19, 20, 21, 19, 18, 17, 16, 20, 19, 19, 18, 17, 18,
        26, 25, 17, 23, 21, 19, 28, 18, 19, 16, 21, 23,
    ],
    dtype=np.float64,
)  # fmt: skip
DEFAULT_STRETCH = 0.05
PUBLISHED_STRETCHES = (0.0, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5)
ZSCORE_THRESHOLD = -2.0
QUANTILE = 0.10
HISTOGRAM_BINS = 20

SCORE_COLUMNS = ["product", "distance", "rank", "zscore", "mean_units", "volume_ratio"]
EXCLUDED_COLUMNS = ["row", "product", "reason"]

# Shortlist defaults: mean weekly units within 80-120 % of the target's mean.
VOLUME_BAND = (0.8, 1.2)

# Limits of any catalogue or target. Weekly units above MAX_UNITS are refused: squared
# differences of bigger numbers overflow and distances would come out as inf or NaN.
# A long table's weeks are filled in from the first to the last week, so a stray week
# number or date could otherwise ask for millions of columns.
MAX_UNITS = 1e15
_FIRST_PROBLEMS_CHARS = 300  # of row problems quoted when no row of a file can be used
MAX_WEEKS = 10_000
# Largest upload the app takes (.streamlit/config.toml server.maxUploadSize should match).
MAX_UPLOAD_MB = 50
# How to score catalogues bigger than the interactive page takes.
BIG_CATALOGUES = (
    "Score bigger catalogues on the command line: python -m dtwcore score FILE "
    "--out scores.csv (add --engine spark to run on a Spark cluster)."
)


@dataclass(frozen=True)
class Limits:
    """How big a catalogue may be; :data:`PAGE_LIMITS` are those of the Sales Trends page.

    Attributes
    ----------
    products, weeks : int
        Largest number of products (rows) and weeks (columns).
    values : int
        Largest products x weeks.
    megabytes : int
        Largest file, in MB (1 MB = 2**20 bytes).
    """

    products: int
    weeks: int
    values: int
    megabytes: int

    def describe(self) -> str:
        """The limits in words."""
        return (
            f"up to {self.products:,} products, {self.weeks:,} weeks and {self.values:,} "
            f"numbers (products × weeks) in files of up to {self.megabytes:,} MB"
        )


# The page answers within seconds on two cores up to about these sizes: reading the file
# takes ~2 µs per number, scoring 20,000 x 260 weeks at the widest stretch ~3 s.
PAGE_LIMITS = Limits(products=20_000, weeks=260, values=2_000_000, megabytes=MAX_UPLOAD_MB)

# Header names (lower case, spaces and hyphens as "_") that identify columns.
ID_WORDS = frozenset({"product", "sku", "item", "id", "code", "article", "material", "part"})
LONG_WEEK_NAMES = frozenset(
    {"week", "weeks", "date", "week_start", "week_starting", "week_ending", "week_number",
     "week_no", "week_nr", "period", "week_of"}
)  # fmt: skip
LONG_UNIT_NAMES = frozenset(
    {"units", "unit", "sales", "quantity", "qty", "units_sold", "volume", "sold", "demand",
     "value", "amount"}
)  # fmt: skip
SUMMARY_NAMES = frozenset({"min", "max", "mean", "avg", "average", "total", "sum", "median", "std"})
_WEEK_HEADER = re.compile(r"^w(?:ee)?k?[ _.]?(\d+)$")
DECIMAL_COMMA = re.compile(r"^[+-]?\d*,\d+$")
"""A cell written with a decimal comma (``12,5``), once trimmed; read as such only when the
separator is not a comma."""
DECIMAL_SNIFF_ROWS = 200  # product rows looked at for decimal commas
_NUMBER_OR_COMMA = re.compile(r"^[+-]?\d+(?:[,.]\d+)?$")
_MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "none", "#n/a"})

_UNNAMED = "The uploaded file"

Source = str | os.PathLike | bytes | bytearray | memoryview | BinaryIO


class CatalogError(ValueError):
    """A catalogue or target that cannot be used; the message is written for people."""


class CatalogTooLarge(CatalogError):
    """A catalogue bigger than the :class:`Limits` asked for; the message says where to go."""


class AmbiguousIdColumn(CatalogError):
    """Several columns could hold the product codes; ask the user to pick one.

    ``candidates`` lists the column names to choose from, most likely first.
    """

    def __init__(self, message: str, candidates: list[str]) -> None:
        super().__init__(message)
        self.candidates = candidates


@dataclass
class Catalog:
    """Weekly unit sales of a set of products, ready for scoring.

    Attributes
    ----------
    name : str
        What to call the data on screen (the file name, or the demo's name).
    ids : np.ndarray [shape=(N,), str]
        Product codes, unique, in file order.
    weeks : list[str]
        Column labels of the weeks, oldest first (W columns, week numbers or dates).
    values : np.ndarray [shape=(N, W), float64]
        Units sold per product and week; finite and not negative.
    excluded : pd.DataFrame
        Rows that could not be used: ``row`` (as a spreadsheet numbers it, the header is
        row 1), ``product`` (may be blank) and ``reason``.
    notes : list[str]
        What was done to the data on the way in, in plain words.
    """

    name: str
    ids: np.ndarray
    weeks: list[str]
    values: np.ndarray
    excluded: pd.DataFrame = field(default_factory=lambda: _excluded_frame([]))
    notes: list[str] = field(default_factory=list)

    @property
    def content_hash(self) -> str:
        """sha256 hex digest of the product codes and the values (a cache key)."""
        h = hashlib.sha256()
        h.update("\x00".join(str(i) for i in self.ids).encode("utf-8"))
        h.update(np.asarray(self.values.shape, dtype=np.int64).tobytes())
        h.update(np.ascontiguousarray(self.values, dtype=np.float64).tobytes())
        return h.hexdigest()

    def series(self, product: str) -> np.ndarray:
        """The weekly units of one product (raises CatalogError if the code is unknown)."""
        hits = np.flatnonzero(self.ids == str(product))
        if hits.size == 0:
            raise CatalogError(f"Product {product} is not in {self.name}.")
        return self.values[int(hits[0])]


def rank_distances(dist: np.ndarray) -> np.ndarray:
    """Rank 1 for the smallest distance; ties go to the earlier product."""
    dist = np.asarray(dist, dtype=np.float64)
    order = np.lexsort((np.arange(dist.shape[0]), dist))
    rank = np.empty(dist.shape[0], dtype=np.int64)
    rank[order] = np.arange(1, dist.shape[0] + 1)
    return rank


def score_catalog(
    ids: np.ndarray,
    values: np.ndarray,
    target: np.ndarray,
    *,
    stretch: float = DEFAULT_STRETCH,
    znorm: bool = True,
) -> pd.DataFrame:
    """DTW distance of every product's weekly sales to the target.

    Parameters
    ----------
    ids : array [shape=(N,)] of product codes
    values : array [shape=(N, W)] of weekly unit sales
    target : array [shape=(T,)] weekly capacity in units (T may differ from W)
    stretch : float in [0, 1], Sakoe-Chiba radius as a fraction of the target's length
    znorm : bool, compare shapes (z-normalised) rather than raw units

    Returns
    -------
    DataFrame with SCORE_COLUMNS, one row per product in input order: ``rank`` 1 is the
    closest, ``zscore`` is the distance's z-score across the catalogue (population std),
    ``mean_units`` the mean weekly units and ``volume_ratio`` mean_units / mean target
    (NaN when the target's mean is 0 or less).
    """
    target = np.asarray(target, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    dist = dtw_one_to_many(target, values, stretch=stretch, znorm=znorm)
    sd = dist.std()
    zscore = (dist - dist.mean()) / sd if sd > 0 else np.zeros_like(dist)
    mean_units = values.mean(axis=1)
    target_mean = float(target.mean())
    # A target without volume (mean 0 or below) has no volume ratio: NaN, not inf.
    ratio = mean_units / target_mean if target_mean > 0 else np.full_like(mean_units, np.nan)
    return pd.DataFrame(
        {
            "product": np.asarray(ids).astype(str),
            "distance": dist,
            "rank": rank_distances(dist),
            "zscore": zscore,
            "mean_units": mean_units,
            "volume_ratio": ratio,
        }
    )


def zscore_outliers(scores: pd.DataFrame, threshold: float = ZSCORE_THRESHOLD) -> pd.DataFrame:
    """Products trending with the target: distance z-score at or below ``threshold``."""
    return scores[scores["zscore"] <= threshold].sort_values("distance")


def quantile_outliers(scores: pd.DataFrame, quantile: float = QUANTILE) -> pd.DataFrame:
    """Products in the lowest ``quantile`` of distance (numpy's linear quantile)."""
    cut = float(np.quantile(scores["distance"], quantile))
    return scores[scores["distance"] <= cut].sort_values("distance")


def distance_cut(scores: pd.DataFrame, max_zscore: float | None = None) -> float:
    """The largest distance :func:`shortlist` accepts.

    The median distance when ``max_zscore`` is None, else mean + max_zscore x std
    (population std, as in ``scores["zscore"]``).
    """
    dist = scores["distance"].to_numpy(dtype=np.float64)
    if max_zscore is None:
        return float(np.median(dist))
    return float(dist.mean() + max_zscore * dist.std())


def shortlist(
    scores: pd.DataFrame,
    low: float = VOLUME_BAND[0],
    high: float = VOLUME_BAND[1],
    max_zscore: float | None = None,
) -> pd.DataFrame:
    """Products that follow the target's shape *and* sell a similar volume.

    Parameters
    ----------
    scores : DataFrame from :func:`score_catalog`
    low, high : float
        Band for ``volume_ratio`` (mean weekly units / mean target), inclusive.
    max_zscore : float, optional
        Keep distances with z-score at or below this; by default, distances at or below
        the catalogue's median distance.

    Returns
    -------
    The matching rows of ``scores``, closest first.
    """
    if low > high:
        raise CatalogError(f"The volume band is empty: its low end {low} is above {high}.")
    in_band = scores["volume_ratio"].between(low, high)
    if max_zscore is None:
        close = scores["distance"] <= distance_cut(scores)
    else:
        close = scores["zscore"] <= max_zscore
    return scores[in_band & close].sort_values(["distance", "rank"])


def euclidean_distances(
    values: np.ndarray, target: np.ndarray, *, znorm: bool = True
) -> np.ndarray:
    """Week-by-week (lock-step) Euclidean distance of every product to the target.

    Parameters
    ----------
    values : array [shape=(N, W)] weekly units
    target : array [shape=(W,)] same number of weeks
    znorm : bool, z-normalise every series first (as :func:`score_catalog` does)

    Returns
    -------
    np.ndarray [shape=(N,)]; equals DTW with stretch 0 on the same series.
    """
    values = np.asarray(values, dtype=np.float64)
    target = np.asarray(target, dtype=np.float64)
    if values.shape[1] != target.shape[0]:
        raise CatalogError(
            f"Euclidean distance compares week 1 with week 1, week 2 with week 2 and so on, "
            f"so it needs the same number of weeks: the target has {target.shape[0]}, the "
            f"products have {values.shape[1]}."
        )
    if znorm:
        values = _znorm_rows(values)
        target = _znorm_rows(target[None, :])[0]
    return np.sqrt(((values - target[None, :]) ** 2).sum(axis=1))


def _znorm_rows(x: np.ndarray) -> np.ndarray:
    """Z-normalise each row (population std); constant rows become zeros, as in dtwcore."""
    mu = x.mean(axis=1, keepdims=True)
    sd = x.std(axis=1, keepdims=True)
    flat = sd <= 1e-10 * (1.0 + np.abs(mu))
    return np.where(flat, 0.0, (x - mu) / np.where(flat, 1.0, sd))


# --------------------------------------------------------------------------- loading


def load_catalog(
    source: Source,
    *,
    name: str | None = None,
    id_column: str | None = None,
    limits: Limits | None = None,
) -> Catalog:
    """Read weekly unit sales from a CSV or Parquet file.

    Parameters
    ----------
    source : path, bytes or binary file-like (e.g. a Streamlit ``UploadedFile``)
    name : str, optional
        What to call the file in messages; defaults to the file's name.
    id_column : str, optional
        The column with the product codes, when it is not obvious (see
        :class:`AmbiguousIdColumn`).
    limits : Limits, optional
        Refuse bigger files and catalogues (the page passes :data:`PAGE_LIMITS`); a file
        far too big is refused before it is parsed. Without limits, any size up to
        :data:`MAX_WEEKS` weeks is read.

    Returns
    -------
    Catalog. Rows that cannot be used are listed in ``excluded``. Units are finite, not
    negative and at most :data:`MAX_UNITS`.

    Raises
    ------
    CatalogError
        When the file cannot be used at all; the message names the file, the row or
        column and what to do. :class:`AmbiguousIdColumn` when the product-code column
        must be chosen, :class:`CatalogTooLarge` when the file is beyond ``limits``.

    Examples
    --------
    >>> cat = load_catalog(b"Product_Code,W0,W1\\nP1,3,4\\n", name="x.csv")
    >>> cat.values.tolist()
    [[3.0, 4.0]]
    """
    data, fname = _read_source(source, name, limits)
    if not data:
        raise CatalogError(
            f"{fname} is empty. Choose a CSV or Parquet file with weekly unit sales."
        )
    if limits is not None:
        _check_bytes(len(data), fname, limits)
    notes: list[str] = []
    decimal_comma = False
    if data[:4] == b"PAR1":
        header, rows, lines = _read_parquet(data, fname)
    elif fname.lower().endswith((".parquet", ".pq")):
        raise CatalogError(
            f"{fname} is named like a Parquet file but is not one (it lacks the Parquet "
            "signature). Export it again, or upload it as CSV."
        )
    elif data[:2] == b"PK" or data[:4] == b"\xd0\xcf\x11\xe0":
        raise CatalogError(
            f"{fname} looks like an Excel workbook. In Excel choose File > Save As > "
            "CSV, then upload the CSV file."
        )
    else:
        header, rows, lines, decimal_comma = _read_csv(data, fname, notes, limits)
    cat = _build_catalog(header, rows, lines, fname, id_column, notes, decimal_comma)
    if limits is not None:
        _check_size(cat, limits)
    return cat


def _too_large(fname: str, what: str, limits: Limits) -> CatalogTooLarge:
    return CatalogTooLarge(
        f"{fname} is too big for this page: {what}. The page takes {limits.describe()}. "
        + BIG_CATALOGUES
    )


def _check_bytes(size: int, fname: str, limits: Limits) -> None:
    if size > limits.megabytes * 2**20:
        raise _too_large(fname, f"the file is {size / 2**20:,.1f} MB", limits)


def _check_size(cat: Catalog, limits: Limits) -> None:
    n, w = cat.values.shape
    if n > limits.products or w > limits.weeks or n * w > limits.values:
        raise _too_large(cat.name, f"{n:,} products × {w:,} weeks = {n * w:,} numbers", limits)


def _show(text: object, limit: int = 40) -> str:
    """Text from the file, shortened and with control characters replaced, for messages."""
    s = "".join(ch if ch.isprintable() else "?" for ch in str(text))
    return s if len(s) <= limit else s[: limit - 1] + "…"


def _quote(cell: object) -> str:
    """A cell's text in quotes, as messages show it (at most about 40 characters)."""
    return repr(_show(_text(cell)))


def _read_source(
    source: Source, name: str | None, limits: Limits | None = None
) -> tuple[bytes, str]:
    """The bytes and what to call them in messages (never more than a label: a name is
    shortened and cleaned, and bytes are never written to or looked up on disk)."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source), _show(name, 120) if name else _UNNAMED
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        label = _show(name or path.name, 120)
        try:
            if limits is not None and path.is_file():
                _check_bytes(path.stat().st_size, label, limits)
            return path.read_bytes(), label
        except FileNotFoundError:
            raise CatalogError(f"File not found: {_show(path, 200)}.") from None
        except IsADirectoryError:
            raise CatalogError(f"{_show(path, 200)} is a folder, not a file.") from None
        except PermissionError:
            raise CatalogError(f"{_show(path, 200)} cannot be read (no permission).") from None
    if hasattr(source, "read"):
        data = source.read()
        if isinstance(data, str):
            data = data.encode("utf-8")
        fallback = os.path.basename(str(getattr(source, "name", ""))) or _UNNAMED
        return bytes(data), _show(name or fallback, 120)
    raise CatalogError(
        f"Cannot read sales from a {type(source).__name__}; give a file path, bytes or a file."
    )


def _decode(data: bytes, fname: str) -> str:
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
    out) is written with a decimal comma (:data:`DECIMAL_COMMA`): the page's and the CLI's
    rule for reading ``12,5`` as 12.5 when the separator is not a comma."""
    return any(
        isinstance(c, str) and DECIMAL_COMMA.match(c.strip())
        for r in itertools.islice(rows, DECIMAL_SNIFF_ROWS)
        for c in r
    )


def sniff_separator(text: str) -> str:
    """The separator of CSV ``text``: whichever of ``, ; \\t |`` the first non-blank line of
    its first 20 holds most of; comma when it holds none (the page's and the CLI's rule)."""
    head = [ln for ln in text.splitlines()[:20] if ln.strip()]
    if not head:
        return ","
    counts = {sep: head[0].count(sep) for sep in (",", ";", "\t", "|")}
    best = max(counts, key=lambda s: counts[s])
    return best if counts[best] > 0 else ","


def _read_csv(
    data: bytes, fname: str, notes: list[str], limits: Limits | None = None
) -> tuple[list[str], list[list[object]], list[int], bool]:
    """Header, data rows (as text cells) and their line numbers; decimal-comma flag.

    With ``limits``, stops reading as soon as the cells outnumber what any layout within
    the limits can have (a long table has three cells per number).
    """
    text = _decode(data, fname)
    sep = sniff_separator(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    header: list[str] | None = None
    rows: list[list[object]] = []
    lines: list[int] = []
    empty = 0
    try:
        for cells in reader:
            if not any(c.strip() for c in cells):
                if header is not None:
                    empty += 1
                continue
            if header is None:
                header = [c.strip() for c in cells]
                continue
            rows.append(cells)
            lines.append(reader.line_num)
            if (
                limits is not None
                and len(rows) % 1024 == 0
                and len(rows) * len(header) > 3 * limits.values
            ):
                raise _too_large(
                    fname,
                    f"it has more than {len(rows):,} rows of {len(header):,} columns, "
                    f"more than {limits.values:,} numbers",
                    limits,
                )
    except csv.Error as exc:
        raise CatalogError(
            f"{fname}, line {reader.line_num}: the file cannot be read as CSV ({exc}). "
            "Check for a stray quote character."
        ) from None
    if header is None:
        raise CatalogError(f"{fname} has no rows. Choose a file with weekly unit sales.")
    if not rows:
        raise CatalogError(
            f"{fname} has a header row but no product rows under it. Check that you "
            "exported the whole table."
        )
    if empty:
        notes.append(f"Skipped {empty} empty line{'s' if empty != 1 else ''}.")
    decimal_comma = sep != "," and has_decimal_commas(rows)
    label = {";": "semicolons", "\t": "tabs", "|": "vertical bars"}.get(sep)
    if label:
        extra = "; decimal commas read as decimal points" if decimal_comma else ""
        notes.append(f"Columns separated by {label}{extra}.")
    return header, rows, lines, decimal_comma


def _fix_decimal_comma(cell: object) -> object:
    if isinstance(cell, str) and DECIMAL_COMMA.match(cell.strip()):
        return cell.strip().replace(",", ".")
    return cell


def _read_parquet(data: bytes, fname: str) -> tuple[list[str], list[list[object]], list[int]]:
    try:
        df = pd.read_parquet(io.BytesIO(data))
    except Exception as exc:  # pyarrow raises many types for damaged files
        raise CatalogError(
            f"{fname} is a damaged or unsupported Parquet file ({type(exc).__name__}). "
            "Export it again, or upload it as CSV."
        ) from None
    if df.shape[1] == 0 or df.shape[0] == 0:
        raise CatalogError(f"{fname} has no rows. Choose a file with weekly unit sales.")
    header = [str(c).strip() for c in df.columns]
    rows = df.astype(object).where(df.notna(), None).values.tolist()
    return header, rows, list(range(2, len(rows) + 2))


def _norm(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def _is_id_like(name: str) -> bool:
    return bool(set(_norm(name).split("_")) & ID_WORDS)


def _is_summary(name: str) -> bool:
    n = _norm(name)
    return n in SUMMARY_NAMES or n.startswith(("normalized", "normalised"))


def _names(cols: Sequence[str], limit: int = 4) -> str:
    cols = [_show(c) for c in cols]
    if len(cols) <= limit:
        return ", ".join(cols)
    return f"{', '.join(cols[: limit - 1])} … {cols[-1]}"


def _cell_numbers(
    cells: Sequence[object], decimal_comma: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Numbers of a column of cells; masks of blank cells and of cells that are not numbers.

    With ``decimal_comma``, text such as ``12,5`` is read as 12.5 (only here: product
    codes and other text keep their commas).
    """
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
                v = float(text)
            except ValueError:
                v = math.nan
            if v != v:
                if text.lower() in _MISSING_TOKENS:
                    blank[k] = True
                    continue
                if decimal_comma and DECIMAL_COMMA.match(text):
                    v = float(text.replace(",", "."))
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
    return np.array(out, dtype=np.float64), np.array(blank, bool), np.array(bad, bool)


def _text(cell: object) -> str:
    if cell is None or (isinstance(cell, float) and np.isnan(cell)):
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def _excluded_frame(records: list[tuple[int, str, str]]) -> pd.DataFrame:
    df = pd.DataFrame(records, columns=EXCLUDED_COLUMNS)
    return df.astype({"row": np.int64, "product": object, "reason": object})


def _reason(problems: list[str]) -> str:
    if len(problems) <= 3:
        return "; ".join(problems)
    return "; ".join(problems[:3]) + f"; and {len(problems) - 3} more problems"


def _build_catalog(
    header: list[str],
    rows: list[list[object]],
    lines: list[int],
    fname: str,
    id_column: str | None,
    notes: list[str],
    decimal_comma: bool = False,
) -> Catalog:
    if len(header) < 2:
        raise CatalogError(
            f"{fname} has only one column ({_show(header[0])!r}). It needs a product-code column "
            "and one column per week, or the columns product, week, units. If the file uses "
            "another separator than comma, semicolon or tab, save it again as CSV."
        )
    for k, col in enumerate(header):
        if not col:
            header[k] = f"column {k + 1}"
    seen: set[str] = set()
    for col in header:
        if col in seen:
            raise CatalogError(
                f"{fname}: the column {_show(col)!r} appears more than once in the header row. "
                "Rename or delete the copy."
            )
        seen.add(col)
    if id_column is not None and id_column not in header:
        raise CatalogError(
            f"{fname} has no column {_show(id_column)!r}. Its columns are: {_names(header, 8)}."
        )

    # Ragged rows are excluded up front; the rest become a rectangular table.
    width = len(header)
    records: list[tuple[int, str, str]] = []
    keep_rows: list[list[object]] = []
    keep_lines: list[int] = []
    for cells, line in zip(rows, lines, strict=True):
        if len(cells) != width:
            first = _text(cells[0]) if cells else ""
            records.append(
                (line, first, f"has {len(cells)} values but the header has {width} columns")
            )
            continue
        keep_rows.append(cells)
        keep_lines.append(line)
    columns = {h: [r[k] for r in keep_rows] for k, h in enumerate(header)}

    week_cols = [h for h in header if _WEEK_HEADER.match(_norm(h).replace("_", ""))]
    long_week = [h for h in header if _norm(h) in LONG_WEEK_NAMES]
    long_units = [h for h in header if _norm(h) in LONG_UNIT_NAMES]
    if not week_cols and long_week and long_units:
        return _build_long(
            header, columns, keep_lines, records, fname, id_column, notes,
            long_week[0], long_units[0], decimal_comma,
        )  # fmt: skip
    return _build_wide(
        header, columns, keep_lines, records, fname, id_column, notes, week_cols, decimal_comma
    )


def _pick_id_column(
    header: list[str], numeric: dict[str, bool], fname: str, exclude: set[str]
) -> str:
    rest = [h for h in header if h not in exclude]
    named = [h for h in rest if _is_id_like(h)]
    if len(named) == 1:
        return named[0]
    texts = [h for h in rest if not numeric.get(h, False)]
    if not named and len(texts) == 1:
        return texts[0]
    if len(rest) == 1:
        return rest[0]
    candidates = named + [h for h in texts if h not in named]
    candidates += [h for h in rest if h not in candidates]
    raise AmbiguousIdColumn(
        f"{fname}: it is not clear which column holds the product codes. Pick it from: "
        f"{_names(candidates, 8)}.",
        candidates,
    )


def _mostly_numeric(cells: Sequence[object], decimal_comma: bool = False) -> bool:
    _, blank, bad = _cell_numbers(cells, decimal_comma)
    filled = int((~blank).sum())
    return filled > 0 and int(bad.sum()) * 2 < filled


def _build_wide(
    header: list[str],
    columns: dict[str, list[object]],
    lines: list[int],
    records: list[tuple[int, str, str]],
    fname: str,
    id_column: str | None,
    notes: list[str],
    week_cols: list[str],
    decimal_comma: bool = False,
) -> Catalog:
    summaries = [h for h in header if _is_summary(h) and h != id_column]
    ignored: list[str] = []
    if week_cols:
        week_cols = sorted(
            week_cols, key=lambda h: int(_WEEK_HEADER.match(_norm(h).replace("_", "")).group(1))
        )
        id_col = id_column or _pick_id_column(header, {}, fname, set(week_cols) | set(summaries))
        week_cols = [h for h in week_cols if h != id_col]
        ignored = [h for h in header if h != id_col and h not in week_cols]
    else:
        numeric = {h: _mostly_numeric(columns[h], decimal_comma) for h in header}
        id_col = id_column or _pick_id_column(header, numeric, fname, set(summaries))
        week_cols = [h for h in header if h != id_col and h not in summaries and numeric[h]]
        ignored = [h for h in header if h != id_col and h not in week_cols]
    if len(week_cols) < 2:
        raise CatalogError(
            f"{fname}: found {len(week_cols)} week column{'s' if len(week_cols) != 1 else ''} "
            f"of numbers next to the product codes in {_show(id_col)!r}; at least 2 are needed. "
            "Expected one column per week (for example W0, W1, …) with units sold, or the "
            "three columns product, week, units."
        )
    _check_weeks(fname, len(week_cols), f"{_show(week_cols[0])} to {_show(week_cols[-1])}")
    if ignored:
        notes.append(
            f"Ignored {len(ignored)} column{'s that are' if len(ignored) != 1 else ' that is'} "
            f"not weekly sales: {_names(ignored)}."
        )

    ids = [_text(c) for c in columns[id_col]]
    n_rows = len(ids)
    nums = np.empty((n_rows, len(week_cols)))
    problems: list[list[str]] = [[] for _ in range(n_rows)]
    for j, col in enumerate(week_cols):
        vals, blank, bad = _cell_numbers(columns[col], decimal_comma)
        nums[:, j] = vals
        label = _show(col)
        for k in np.flatnonzero(blank | bad | (vals < 0) | (vals > MAX_UNITS)):
            if blank[k]:
                problems[k].append(f"{label} is blank")
            elif bad[k]:
                problems[k].append(f"{_quote(columns[col][k])} in {label} is not a number")
            else:
                problems[k].append(_unit_problem(label, vals[k]))
    keep: list[int] = []
    first_row: dict[str, int] = {}
    for k in range(n_rows):
        if not ids[k]:
            problems[k].insert(0, f"the product code ({_show(id_col)}) is blank")
        if problems[k]:
            records.append((lines[k], ids[k], _reason(problems[k])))
            continue
        if ids[k] in first_row:
            again = f"product {_show(ids[k])} already appears on row {first_row[ids[k]]}"
            records.append((lines[k], ids[k], again))
            continue
        first_row[ids[k]] = lines[k]
        keep.append(k)
    return _finish(fname, [ids[k] for k in keep], week_cols, nums[keep], records, notes)


def _number_text(value: float) -> str:
    """``value`` short (``2e+15``) where that is exact, else in full, so a value just over
    a limit (1.0000000000000002e15) does not read as the limit itself (1e+15)."""
    shown = f"{value:g}"
    return shown if float(shown) == value else repr(float(value))


def _unit_problem(column: str, value: float) -> str:
    """Why a number of units cannot be used: negative, or too large to compare."""
    shown = _number_text(value)
    if value < 0:
        return f"{column} is negative ({shown})"
    return f"{column} is too large ({shown}); at most {MAX_UNITS:g} units a week are supported"


def _check_weeks(fname: str, n_weeks: int, span: str) -> None:
    if n_weeks > MAX_WEEKS:
        raise CatalogError(
            f"{fname}: its weeks run from {span}, {n_weeks:,} weeks; at most {MAX_WEEKS:,} "
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
    excluded = _excluded_frame(sorted(records))
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


def _build_long(
    header: list[str],
    columns: dict[str, list[object]],
    lines: list[int],
    records: list[tuple[int, str, str]],
    fname: str,
    id_column: str | None,
    notes: list[str],
    week_col: str,
    units_col: str,
    decimal_comma: bool = False,
) -> Catalog:
    id_col = id_column or _pick_id_column(header, {}, fname, {week_col, units_col})
    others = [h for h in header if h not in (id_col, week_col, units_col)]
    if others:
        notes.append(f"Ignored columns: {_names(others)}.")
    ids = [_text(c) for c in columns[id_col]]
    units, u_blank, u_bad = _cell_numbers(columns[units_col], decimal_comma)
    week_cells = columns[week_col]
    wnum, w_blank, w_bad = _cell_numbers(week_cells, decimal_comma)
    filled = int((~w_blank).sum())
    by_number = filled > 0 and int(w_bad.sum()) * 2 < filled
    if by_number:
        w_bad = w_bad | (~w_blank & ~w_bad & (wnum != np.round(wnum)))
        keys = wnum
    else:
        keys, w_bad = _week_dates(week_cells, w_blank, notes)

    keep: list[int] = []
    id_label, week_label, units_label = _show(id_col), _show(week_col), _show(units_col)
    for k in range(len(ids)):
        problems = []
        if not ids[k]:
            problems.append(f"the product code ({id_label}) is blank")
        if w_blank[k]:
            problems.append(f"{week_label} is blank")
        elif w_bad[k]:
            kind = "a whole week number" if by_number else "a date"
            problems.append(f"{_quote(week_cells[k])} in {week_label} is not {kind}")
        if u_blank[k]:
            problems.append(f"{units_label} is blank")
        elif u_bad[k]:
            problems.append(f"{_quote(columns[units_col][k])} in {units_label} is not a number")
        elif units[k] < 0 or units[k] > MAX_UNITS:
            problems.append(_unit_problem(units_label, units[k]))
        if problems:
            records.append((lines[k], ids[k], _reason(problems)))
        else:
            keep.append(k)
    if not keep:
        return _finish(fname, [], [], np.empty((0, 0)), records, notes)

    frame = pd.DataFrame(
        {"product": [ids[k] for k in keep], "week": keys[keep], "units": units[keep]}
    )
    first, last = frame["week"].min(), frame["week"].max()
    if by_number:
        _check_weeks(fname, int(last) - int(first) + 1, f"W{int(first)} to W{int(last)}")
        grid = np.arange(int(first), int(last) + 1)
        labels = [f"W{w}" for w in grid]
    else:
        span = f"{pd.Timestamp(first).date()} to {pd.Timestamp(last).date()}"
        days = np.datetime64(last, "D") - np.datetime64(first, "D")
        _check_weeks(fname, int(days // np.timedelta64(7, "D")) + 1, span)
        grid = pd.date_range(first, last, freq="7D").to_numpy()
        labels = [str(pd.Timestamp(d).date()) for d in grid]
    if len(grid) < 2:
        raise CatalogError(
            f"{fname}: all usable rows are for one week ({labels[0]}); at least 2 weeks are needed."
        )
    pairs = frame.groupby(["product", "week"], sort=False).size()
    doubles = int((pairs > 1).sum())
    if doubles:
        notes.append(
            f"{doubles} product-week{'s' if doubles != 1 else ''} had more than one row; "
            "their units were added together."
        )
    table = frame.pivot_table(
        index="product", columns="week", values="units", aggfunc="sum", sort=False
    )
    table = table.reindex(columns=grid)
    order = list(dict.fromkeys(frame["product"]))
    table = table.reindex(index=order)
    missing = table.isna().to_numpy()
    n_missing = int(missing.sum())
    if n_missing:
        n_prod = int(missing.any(axis=1).sum())
        notes.append(
            f"{n_missing} missing week{'s' if n_missing != 1 else ''} filled with 0 "
            f"(in {n_prod} product{'s' if n_prod != 1 else ''})."
        )
    values = table.fillna(0.0).to_numpy(dtype=np.float64)
    return _finish(fname, order, labels, values, records, notes)


def _week_dates(
    cells: Sequence[object], blank: np.ndarray, notes: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Week keys (datetime64) of date cells and a mask of cells that are not dates."""
    text = pd.Series(["" if b else _text(c) for c, b in zip(cells, blank, strict=True)])
    dates = pd.to_datetime(text.where(~blank), errors="coerce", format="ISO8601")
    if int(dates.notna().sum()) * 2 < int((~blank).sum()):
        dates = pd.to_datetime(text.where(~blank), errors="coerce", format="mixed", dayfirst=True)
    bad = ~blank & dates.isna().to_numpy()
    ok = dates.dropna().dt.normalize()
    if ok.empty:
        return np.full(len(cells), np.datetime64("NaT"), dtype="datetime64[ns]"), bad
    if ok.dt.day_of_week.nunique() == 1:
        keys = dates.dt.normalize()
    else:
        keys = dates.dt.normalize() - pd.to_timedelta(dates.dt.day_of_week, unit="D")
        notes.append("Dates were added up into weeks starting on Monday.")
    return keys.to_numpy(dtype="datetime64[ns]"), bad


# --------------------------------------------------------------------------- target


def parse_target(
    source: Source | Sequence[float] | np.ndarray | pd.Series, *, max_weeks: int = MAX_WEEKS
) -> np.ndarray:
    """One column of numbers (the weekly capacity) from text, bytes, a file or numbers.

    Parameters
    ----------
    source : str (the text itself), bytes, path (``pathlib.Path``), binary file-like, or a
        sequence of numbers. Text may have a header line; one number per line, or all
        numbers on one line separated by commas, semicolons or tabs. Decimal commas are
        understood when the separator is not a comma.
    max_weeks : int, the longest target accepted (the page passes ``PAGE_LIMITS.weeks``)

    Returns
    -------
    np.ndarray [shape=(T,), float64], 2 <= T <= max_weeks, each value finite and at most
    :data:`MAX_UNITS` in size.

    Raises
    ------
    CatalogError with the line and what is wrong.
    """
    if isinstance(source, (np.ndarray, pd.Series, list, tuple)):
        if len(source) > max_weeks:
            raise _long_target("The target", len(source), max_weeks)
        return _check_target([source[k] for k in range(len(source))], "The target")
    if isinstance(source, str):
        text, what = source, "The target"
    else:
        data, what = _read_source(source, None)
        if what == _UNNAMED:
            what = "The target file"
        text = _decode(data, what)
    text = text.lstrip("\ufeff")
    lines = [(k + 1, ln.strip()) for k, ln in enumerate(text.splitlines()) if ln.strip()]
    if not lines:
        raise CatalogError(f"{what} is empty. It needs one number per week, at least 2.")
    sep: str | None = next((s for s in (";", "\t") if any(s in ln for _, ln in lines)), ",")
    decimal = sep != ","
    if sep == "," and len(lines) > 1:
        body = lines[1:] if _looks_like_header(lines[0][1]) else lines
        if all(_NUMBER_OR_COMMA.match(ln) for _, ln in body) and any("," in ln for _, ln in body):
            sep, decimal = None, True  # one column with decimal commas: "12,5" is 12.5
    cells = [(k, [c.strip() for c in (ln.split(sep) if sep else [ln])]) for k, ln in lines]
    if decimal:
        cells = [(k, [str(_fix_decimal_comma(c)) for c in cs]) for k, cs in cells]
    if cells and not all(_is_number(c) for c in cells[0][1] if c):
        cells = cells[1:]  # a header line
        if not cells:
            raise CatalogError(f"{what} has a header but no numbers under it.")
    if len(cells) == 1:
        values = [c for c in cells[0][1] if c]
        line_of = [cells[0][0]] * len(values)
    else:
        for k, cs in cells:
            filled = [c for c in cs if c]
            if len(filled) != 1:
                raise CatalogError(
                    f"{what}, line {k}: found {len(filled)} values. The target must be one "
                    "column of numbers, one week per line; delete the other columns."
                )
        values = [next(c for c in cs if c) for _, cs in cells]
        line_of = [k for k, _ in cells]
    if len(values) > max_weeks:
        raise _long_target(what, len(values), max_weeks)
    for v, k in zip(values, line_of, strict=True):
        if not _is_number(v):
            raise CatalogError(f"{what}, line {k}: {_show(v)!r} is not a number.")
    return _check_target([float(v) for v in values], what)


def _long_target(what: str, n: int, max_weeks: int) -> CatalogError:
    return CatalogTooLarge(
        f"{what} has {n:,} weeks; at most {max_weeks:,} are supported here. "
        + (BIG_CATALOGUES if max_weeks < MAX_WEEKS else "Shorten the target.")
    )


def _looks_like_header(line: str) -> bool:
    return not _NUMBER_OR_COMMA.match(line) and "," not in line


def _is_number(s: str) -> bool:
    try:
        return bool(np.isfinite(float(s)))
    except ValueError:
        return False


def _check_target(values: list[object], what: str) -> np.ndarray:
    """Finite floats, at least 2; weeks in messages count from 0 (like W0)."""
    out = []
    for k, v in enumerate(values):
        try:
            x = float(v)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise CatalogError(f"{what}: week {k} ({_show(v)!r}) is not a number.") from None
        except OverflowError:
            x = math.inf
        if not math.isfinite(x):
            raise CatalogError(f"{what}: week {k} is empty or not a finite number.")
        if abs(x) > MAX_UNITS:
            raise CatalogError(
                f"{what}: week {k} ({_number_text(x)}) is too large; at most {MAX_UNITS:g} "
                "units a week are supported."
            )
        out.append(x)
    if len(out) < 2:
        raise CatalogError(
            f"{what} has {len(out)} number{'s' if len(out) != 1 else ''}; at least 2 weeks "
            "are needed."
        )
    return np.array(out, dtype=np.float64)


# --------------------------------------------------------------------------- downloads


def csv_text(df: pd.DataFrame) -> str:
    """``df`` as CSV text without the index, lines ending in CRLF (RFC 4180).

    With CRLF line ends pandas quotes any cell holding a lone carriage return or line feed,
    so such a cell (a product code from a quoted CSV cell, say) cannot split its row.
    Write it with ``newline=""`` so the line ends stay as they are.
    """
    return df.to_csv(index=False, lineterminator="\r\n")


def neutralise_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """A copy safe to open in a spreadsheet: text cells (and column names) starting with
    ``= + - @`` (or a tab or carriage return) get a leading apostrophe, so they are not run
    as formulas. Numeric columns are left exactly as they are."""

    def fix(v: object) -> object:
        if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r"):
            return "'" + v
        return v

    out = df.copy()
    for col in out.columns:
        s = out[col]
        if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
            out[col] = s.map(fix)
    out.columns = [fix(c) for c in out.columns]
    return out


# --------------------------------------------------------------------------- demo data


DEMO_NAME = "Demo data (made-up products)"
DEMO_KINDS = ("seasonal", "trending", "promo", "intermittent", "flat", "follower")
DEMO_CODES = ("SEA", "TRD", "PRO", "INT", "FLT", "CAP")


def demo_catalog(n: int = 800, weeks: int = 52, seed: int = 0) -> Catalog:
    """A made-up catalogue for trying the tool: the same output for the same arguments.

    Products are a mix of kinds, shown in their codes (``SEA-007``): SEA seasonal (one
    yearly peak), TRD trending (steady growth or decline), PRO promotions (baseline with
    short spikes), INT intermittent (mostly zero weeks), FLT flat (steady sellers) and CAP
    (the published capacity curve, shifted by up to a few weeks, with noise), each at a
    volume between a few and a few hundred units a week.
    """
    if n < 1 or weeks < 2:
        raise CatalogError("The demo needs at least 1 product and 2 weeks.")
    rng = np.random.default_rng(seed)
    t = np.arange(weeks, dtype=np.float64)
    kinds = rng.choice(len(DEMO_KINDS), size=n, p=[0.24, 0.20, 0.20, 0.16, 0.16, 0.04])
    level = np.exp(rng.uniform(np.log(2.0), np.log(300.0), size=n))
    shape_target = np.interp(
        np.linspace(0, BLOG_TARGET.size - 1, weeks), np.arange(BLOG_TARGET.size), BLOG_TARGET
    )
    shape_target = shape_target / shape_target.mean()
    values = np.empty((n, weeks))
    for i in range(n):
        kind = DEMO_KINDS[kinds[i]]
        if kind == "seasonal":
            peak = rng.uniform(0, weeks)
            width = rng.uniform(3, 10)
            gap = np.minimum(np.abs(t - peak), weeks - np.abs(t - peak))
            shape = 0.4 + 2.0 * np.exp(-0.5 * (gap / width) ** 2)
        elif kind == "trending":
            slope = rng.uniform(0.5, 2.0) * rng.choice([-1.0, 1.0])
            shape = np.clip(1.0 + slope * (t / weeks - 0.5), 0.1, None)
        elif kind == "promo":
            shape = np.ones(weeks)
            for start in rng.choice(weeks, size=rng.integers(2, 5), replace=False):
                shape[start : start + rng.integers(1, 3)] += rng.uniform(1.5, 4.0)
        elif kind == "intermittent":
            shape = (rng.random(weeks) < rng.uniform(0.1, 0.35)) * rng.uniform(2, 5)
            level[i] = min(level[i], 30.0)
        elif kind == "flat":
            shape = np.ones(weeks)
        else:
            lag = rng.uniform(-2, 2)
            wobble = rng.uniform(0, 1.5) * np.sin(2 * np.pi * t / weeks + rng.uniform(0, 6.3))
            warp = np.clip(t + lag + wobble, 0, weeks - 1)
            shape = np.interp(warp, t, shape_target)
        noise = rng.normal(1.0, 0.12, weeks)
        values[i] = rng.poisson(np.clip(level[i] * shape * noise, 0, None))
    digits = len(str(n))
    ids = np.array([f"{DEMO_CODES[k]}-{i + 1:0{digits}d}" for i, k in enumerate(kinds)], dtype=str)
    return Catalog(
        name=DEMO_NAME,
        ids=ids,
        weeks=[f"W{w}" for w in range(weeks)],
        values=values.astype(np.float64),
        excluded=_excluded_frame([]),
        notes=[
            "Made-up sales. The product code tells the kind: SEA seasonal, TRD trending, "
            "PRO promotions, INT intermittent, FLT flat, CAP follows the capacity curve "
            "a little early or late."
        ],
    )
