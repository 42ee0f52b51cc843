"""Sales Trends: words and numbers that tell the truth about the data on screen.

* What the target is: a product of the file used as the target is named as such, and
  left out of the ranking (it would rank first at distance 0).
* What the values are: units, or money when the file's value column says so, always
  with thousands separators.
* What the stretch factor allows, including the widening of the band when the target
  and the products have different lengths.
* Dates from the file on the time axes when its weeks are dates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dtwcore.sales import Catalog

_CURRENCIES = (
    ("€", ("eur", "euro", "€")),
    ("£", ("gbp", "£")),
    ("$", ("usd", "dollar", "$")),
)
_MONEY_WORDS = ("revenue", "turnover", "amount", "value", "price", "sales_value", "net_sales")
_SYMBOLS = {words[0]: symbol for symbol, words in _CURRENCIES}  # "eur" -> "€", …
VALUE_KINDS = {
    "auto": "Tell from the column name",
    "units": "Units (counts)",
    **{code: f"Money in {symbol}" for code, symbol in _SYMBOLS.items()},
}
"""What the values of a file are, as chosen in the sidebar (``values=`` in the address)."""


@dataclass(frozen=True)
class Unit:
    """How the values of the catalogue are written.

    Attributes
    ----------
    symbol : str
        Currency symbol put before amounts ("" for counts).
    word : str
        What a week's value is called ("units" or e.g. "revenue").
    """

    symbol: str = ""
    word: str = "units"

    def amount(self, value: float, decimals: int = 1) -> str:
        """``value`` with thousands separators and the currency symbol, if any."""
        return f"{self.symbol}{value:,.{decimals}f}"

    def per_week(self, value: float, decimals: int = 1) -> str:
        """E.g. "1,234.5 units a week" or "$1,234.50 a week"."""
        if self.symbol:
            return f"{self.amount(value, max(decimals, 2))} a week"
        return f"{self.amount(value, decimals)} {self.word} a week"

    @property
    def axis(self) -> str:
        """Axis title for weekly values."""
        return f"{self.word.capitalize()} per week" + (f" ({self.symbol})" if self.symbol else "")


def unit_of(column: str) -> Unit:
    """The unit a value column's name announces ("Revenue (EUR)" -> € revenue)."""
    name = column.strip().lower()
    symbol = next((s for s, words in _CURRENCIES if any(w in name for w in words)), "")
    money = symbol or any(w in name.replace(" ", "_") for w in _MONEY_WORDS)
    if not money:
        return Unit()
    word = re.sub(r"[\(\[].*?[\)\]]|\b(eur|usd|gbp)\b|[$€£]", "", name).strip(" _-") or "sales"
    return Unit(symbol=symbol, word=word.replace("_", " "))


def catalog_unit(catalog: Catalog, kind: str = "auto") -> Unit:
    """The unit of a catalogue's values.

    ``kind`` is a key of :data:`VALUE_KINDS`: ``"auto"`` reads the name of the units
    column (long layout; a wide file's values are units), ``"units"`` counts, and a
    currency code money in that currency (called what the column calls it when its name
    says money, else "sales").
    """
    if kind == "units":
        return Unit()
    column = catalog.roles.units if catalog.roles is not None else None
    found = unit_of(column) if column else Unit()
    if kind in _SYMBOLS:
        return Unit(symbol=_SYMBOLS[kind], word=found.word if found != Unit() else "sales")
    return found


def target_product(catalog: Catalog, target: np.ndarray) -> str | None:
    """The product of ``catalog`` whose weekly values are exactly ``target``, if any."""
    if catalog.values.shape[1] != target.size:
        return None
    hits = np.flatnonzero((catalog.values == target[None, :]).all(axis=1))
    return str(catalog.ids[hits[0]]) if hits.size else None


def week_dates(catalog: Catalog) -> list[str] | None:
    """The catalogue's week labels as ISO dates when they are all dates, else None."""
    weeks = [str(w) for w in catalog.weeks]
    if not weeks or not all(re.match(r"^\d{4}-\d{2}-\d{2}", w) for w in weeks):
        return None
    dates = pd.to_datetime(pd.Series(weeks), errors="coerce", format="ISO8601")
    if dates.isna().any():
        return None
    return dates.dt.strftime("%Y-%m-%d").tolist()


def _weeks(k: int) -> str:
    return f"{k:,} week{'s' if k != 1 else ''}"


def band_words(target_weeks: int, product_weeks: int, radius: int) -> tuple[str, str]:
    """What the stretch factor allows: a headline ("±2 weeks") and a sentence.

    With equal lengths a week may move ``radius`` weeks either way. With different
    lengths the band is widened on one side by the difference (the path must still
    join the first weeks and the last weeks), so the words say so.
    """
    extra = product_weeks - target_weeks
    if extra == 0:
        return f"±{_weeks(radius)}", (
            f"a week's sales may be matched with the target up to {_weeks(radius)} "
            "earlier or later."
        )
    late, early = (radius + extra, radius) if extra > 0 else (radius, radius - extra)
    longer, verb = ("products", "are") if extra > 0 else ("target", "is")
    return f"{_weeks(early)} earlier to {_weeks(late)} later", (
        f"the {longer} {verb} {_weeks(abs(extra))} longer (target {target_weeks:,} weeks, "
        f"products {product_weeks:,}), which widens the band on one side whatever the "
        f"stretch factor; the stretch factor itself allows ±{_weeks(radius)}."
    )
