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

import numpy as np
import pandas as pd

from dtwcore.sales.catalog import Catalog


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
