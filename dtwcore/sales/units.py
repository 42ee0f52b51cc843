"""What a catalogue's values are: units (counts) or money, and in which currency.

The one home of the money words and the currencies: the column rules
(:mod:`dtwcore.sales.columns`) use them to prefer a units column, and every screen uses
them to label values (tables, cards, axes, downloads).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

CURRENCIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "eur": ("€", ("eur", "euro", "€")),
    "gbp": ("£", ("gbp", "£")),
    "usd": ("$", ("usd", "dollar", "$")),
}
"""Currency code -> (symbol, words in a column name that announce it)."""

MONEY_WORDS = frozenset(
    {"revenue", "turnover", "amount", "value", "sales_value", "net_sales",
     "umsatz", "betrag", "montant", "affaires", "importe", "importo", "fatturato", "omzet",
     "bedrag", "faturamento"}
)  # fmt: skip
"""Words of a column name that say its values are amounts of money (German ``Umsatz``,
French ``Chiffre d'affaires``, Spanish ``Importe``, Italian ``Fatturato``, Dutch
``Omzet`` too)."""

SALES_WORDS = frozenset({"sales"})
"""Words that say "sales" without saying whether in units or in money: such a column is
read as units unless the planner says otherwise."""

VALUE_KINDS = {
    "auto": "Tell from the column name or a currency symbol",
    "units": "Units (counts)",
    **{code: f"Money in {symbol}" for code, (symbol, _) in CURRENCIES.items()},
}
"""What the values of a file are, as the planner can choose (``values=`` in the address)."""

_CURRENCY_WORDS = re.compile(
    r"[\(\[].*?[\)\]]|\b(?:"
    + "|".join(code for code in CURRENCIES)
    + r")\b|["
    + "".join(symbol for symbol, _ in CURRENCIES.values())
    + "]"
)


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

    def total(self, value: float) -> str:
        """A total in whole numbers: "12,346 units" or "$12,346"."""
        return self.amount(value, 0) if self.symbol else f"{self.amount(value, 0)} {self.word}"

    def per_week(self, value: float, decimals: int = 1) -> str:
        """E.g. "1,234.5 units a week" or "$1,234.50 a week"."""
        if self.symbol:
            return f"{self.amount(value, max(decimals, 2))} a week"
        return f"{self.amount(value, decimals)} {self.word} a week"

    @property
    def per_week_short(self) -> str:
        """A narrow column header for weekly values: "Units/wk" or "$/wk"."""
        return f"{self.symbol or self.word.capitalize()}/wk"

    @property
    def column_format(self) -> str:
        """A printf format of weekly values in tables, with thousands separators
        ("%,.1f", "$%,.2f")."""
        return f"{self.symbol}%,.2f" if self.symbol else "%,.1f"

    @property
    def axis(self) -> str:
        """Axis title for weekly values."""
        return f"{self.word.capitalize()} per week" + (f" ({self.symbol})" if self.symbol else "")


def unit_of(column: str) -> Unit:
    """The unit a value column's name announces ("Revenue (EUR)" -> € revenue)."""
    name = column.strip().lower()
    symbol = next(
        (symbol for symbol, words in CURRENCIES.values() if any(w in name for w in words)), ""
    )
    money = symbol or any(w in name.replace(" ", "_") for w in MONEY_WORDS)
    if not money:
        return Unit()
    word = _CURRENCY_WORDS.sub("", name).strip(" _-") or "sales"
    return Unit(symbol=symbol, word=word.replace("_", " "))


def cell_currency(cells: Iterable[object]) -> str:
    """The code of the one currency whose symbol the text ``cells`` are written with
    (``$1,234.00`` -> ``"usd"``); empty when they show none, or more than one."""
    symbols = {symbol for symbol, _ in CURRENCIES.values()}
    found = {ch for c in cells if isinstance(c, str) for ch in symbols if ch in c}
    codes = [code for code, (symbol, _) in CURRENCIES.items() if symbol in found]
    return codes[0] if len(codes) == 1 else ""


def values_unit(units_column: str | None, kind: str = "auto", currency: str = "") -> Unit:
    """The unit of a catalogue's values (see :meth:`dtwcore.sales.Catalog.unit`).

    ``kind`` is a key of :data:`VALUE_KINDS`: ``"auto"`` reads the name of the units
    column (``units_column``; None for a wide file, whose values are units) and the
    ``currency`` the values are written with (:func:`cell_currency`), ``"units"`` counts,
    and a currency code money in that currency (called what the column calls it when its
    name says money, else "sales").
    """
    if kind == "units":
        return Unit()
    found = unit_of(units_column) if units_column else Unit()
    if kind == "auto" and currency and not found.symbol:
        kind = currency
    if kind in CURRENCIES:
        return Unit(symbol=CURRENCIES[kind][0], word=found.word if found != Unit() else "sales")
    return found
