"""Made-up demo data for trying the tool."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from dtwcore.sales.catalog import Catalog, excluded_frame
from dtwcore.sales.errors import CatalogError
from dtwcore.sales.facts import BLOG_TARGET

if TYPE_CHECKING:
    import pandas as pd

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
        excluded=excluded_frame([]),
        notes=[
            "Made-up sales. The product code tells the kind: SEA seasonal, TRD trending, "
            "PRO promotions, INT intermittent, FLT flat, CAP follows the capacity curve "
            "a little early or late."
        ],
    )


def example_new_products(
    weeks: Sequence[str], target: Sequence[float], id_column: str
) -> pd.DataFrame:
    """Two made-up new products to score, like the published write-up's: one follows the
    target two weeks late, one sells steadily with a single promotion spike.

    Parameters
    ----------
    weeks : the model's week columns [W names]
    target : the run's target [T values, units a week], stretched to W weeks
    id_column : name of the product-code column

    Returns
    -------
    DataFrame [2 rows x (1 + W) columns]: the code column, then one column per week.
    """
    import pandas as pd

    n = len(weeks)
    base = np.interp(np.linspace(0, len(target) - 1, n), np.arange(len(target)), target)
    late = np.round(np.roll(base, 2))
    steady = np.full(n, np.round(float(np.mean(base))))
    steady[n // 2] *= 3
    frame = pd.DataFrame([late, steady], columns=list(weeks))
    frame.insert(0, id_column, ["NEW-late-follower", "NEW-steady-promo"])
    return frame
