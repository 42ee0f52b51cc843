"""Downloads: CSV text that spreadsheets open safely."""

from __future__ import annotations

import pandas as pd


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
