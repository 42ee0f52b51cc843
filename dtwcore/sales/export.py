"""Downloads: CSV text that spreadsheets open safely, and file names that carry the settings."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

_SLUG = re.compile(r"[^A-Za-z0-9]+")
_SLUG_CHARS = 40


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
    with ``target="P83"``
    ``shortlist_Sales_Transactions_Dataset_Weekly_target_P83_stretch0.10_2026-11-29.csv``.

    Parameters
    ----------
    kind : str, what the file holds ("shortlist", "scores", "outliers_zscore", …)
    dataset : str, the data set's name (a file name or the demo's name)
    stretch : float, the stretch factor, written with at least two decimals
    day : date, default today (UTC)
    ext : str, the file's extension
    target : str, the target's name (:attr:`dtwcore.sales.target.TargetSpec.name`), if
        it is to be named
    """
    day = day or dt.datetime.now(dt.UTC).date()
    text = f"{stretch:.3f}".rstrip("0")
    if len(text.split(".")[1]) < 2:
        text = f"{stretch:.2f}"
    named = f"_target_{_SLUG.sub('_', target).strip('_')[:_SLUG_CHARS]}" if target else ""
    return f"{kind}_{dataset_slug(dataset)}{named}_stretch{text}_{day.isoformat()}.{ext}"
