"""The catalogue: products x weeks, with how the file was read."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

    from dtwcore.sales.columns import Roles
    from dtwcore.sales.window import Window

from dtwcore.sales.errors import CatalogError
from dtwcore.sales.units import Unit, values_unit

EXCLUDED_COLUMNS = ["row", "product", "reason"]


def excluded_frame(records: list[tuple[int, str, str]]) -> pd.DataFrame:
    """Rows that could not be used, as a table with :data:`EXCLUDED_COLUMNS`."""
    import pandas as pd

    df = pd.DataFrame(records, columns=EXCLUDED_COLUMNS)
    return df.astype({"row": np.int64, "product": object, "reason": object})


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
        Units sold per product and week; finite (negative units, returns, are kept
        unless the reader was asked to clip them to 0).
    excluded : pd.DataFrame
        Rows that could not be used: ``row`` (as a spreadsheet numbers it, the header is
        row 1), ``product`` (may be blank) and ``reason``.
    notes : list[str]
        What was done to the data on the way in, in plain words.
    reading : str
        How the file was read, in one line ("product = …, week = …, units = …"); empty
        for the demo.
    roles : Roles or None
        The column roles the file was read with (None for the demo).
    """

    name: str
    ids: np.ndarray
    weeks: list[str]
    values: np.ndarray
    excluded: pd.DataFrame = field(default_factory=lambda: excluded_frame([]))
    notes: list[str] = field(default_factory=list)
    reading: str = ""
    roles: Roles | None = None

    @property
    def content_hash(self) -> str:
        """sha256 hex digest of the product codes and the values (a cache key)."""
        h = hashlib.sha256()
        h.update("\x00".join(str(i) for i in self.ids).encode("utf-8"))
        h.update(np.asarray(self.values.shape, dtype=np.int64).tobytes())
        h.update(np.ascontiguousarray(self.values, dtype=np.float64).tobytes())
        return h.hexdigest()

    def unit(self, kind: str = "auto") -> Unit:
        """What the values are (units, or money in a currency): ``kind`` is a key of
        :data:`dtwcore.sales.units.VALUE_KINDS` ("auto" reads the units column's name and
        the currency symbol the values are written with)."""
        if self.roles is None:
            return values_unit(None, kind)
        return values_unit(self.roles.units, kind, self.roles.currency)

    def series(self, product: str) -> np.ndarray:
        """The weekly units of one product (raises CatalogError if the code is unknown)."""
        hits = np.flatnonzero(self.ids == str(product))
        if hits.size == 0:
            raise CatalogError(f"Product {product} is not in {self.name}.")
        return self.values[int(hits[0])]

    def without(self, product: str) -> Catalog:
        """This catalogue with one product left out (the one whose sales are the target)."""
        keep = self.ids != str(product)
        return replace(self, ids=self.ids[keep], values=self.values[keep])

    def without_rows(self, rows: np.ndarray) -> Catalog:
        """This catalogue without the products at positions ``rows`` [shape=(K,), int]."""
        keep = np.ones(self.ids.shape[0], dtype=bool)
        keep[np.asarray(rows, dtype=np.int64)] = False
        return replace(self, ids=self.ids[keep], values=self.values[keep])

    def window(self, window: Window) -> Catalog:
        """This catalogue over the weeks of ``window`` only (see :mod:`dtwcore.sales.window`)."""
        cols = window.columns
        return replace(self, weeks=list(self.weeks[cols]), values=self.values[:, cols])
