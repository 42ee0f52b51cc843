"""How text from a file appears in messages: shortened, cleaned, quoted, listed."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def show(text: object, limit: int = 40) -> str:
    """Text from the file, shortened and with control characters replaced, for messages."""
    s = "".join(ch if ch.isprintable() else "?" for ch in str(text))
    return s if len(s) <= limit else s[: limit - 1] + "…"


def cell_text(cell: object) -> str:
    """A cell as text: blank for None/NaN, whole floats without ``.0``, trimmed."""
    if cell is None or (isinstance(cell, float) and np.isnan(cell)):
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def quote(cell: object) -> str:
    """A cell's text in quotes, as messages show it (at most about 40 characters)."""
    return repr(show(cell_text(cell)))


def not_a_number(cell: object, column: str) -> str:
    """Why a cell cannot be read as units: ``'abc' in W3 is not a number``."""
    return f"{quote(cell)} in {show(column)} is not a number"


def names(cols: Sequence[str], limit: int = 4) -> str:
    """Column names for a message: all of them, or the first few … and the last."""
    cols = [show(c) for c in cols]
    if len(cols) <= limit:
        return ", ".join(cols)
    return f"{', '.join(cols[: limit - 1])} … {cols[-1]}"


def number_text(value: float) -> str:
    """``value`` short (``2e+15``) where that is exact, else in full, so a value just over
    a limit (1.0000000000000002e15) does not read as the limit itself (1e+15)."""
    shown = f"{value:g}"
    return shown if float(shown) == value else repr(float(value))
