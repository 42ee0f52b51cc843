"""Sales catalogues: the published target, loading, scoring, outliers.

One source of truth for the facts of the published analysis: the target pattern (the
factory's weekly production capacity), the default stretch factor, the swept stretch
factors and the outlier rules. Everything else imports them from here.
"""

from __future__ import annotations

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


class CatalogError(ValueError):
    """A catalogue or target that cannot be used; the message is written for people."""


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
    ``mean_units`` the mean weekly units and ``volume_ratio`` mean_units / mean target.
    """
    target = np.asarray(target, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    dist = dtw_one_to_many(target, values, stretch=stretch, znorm=znorm)
    sd = dist.std()
    zscore = (dist - dist.mean()) / sd if sd > 0 else np.zeros_like(dist)
    mean_units = values.mean(axis=1)
    order = np.lexsort((np.arange(dist.shape[0]), dist))
    rank = np.empty(dist.shape[0], dtype=np.int64)
    rank[order] = np.arange(1, dist.shape[0] + 1)
    return pd.DataFrame(
        {
            "product": np.asarray(ids).astype(str),
            "distance": dist,
            "rank": rank,
            "zscore": zscore,
            "mean_units": mean_units,
            "volume_ratio": mean_units / float(target.mean()),
        }
    )


def zscore_outliers(scores: pd.DataFrame, threshold: float = ZSCORE_THRESHOLD) -> pd.DataFrame:
    """Products trending with the target: distance z-score at or below ``threshold``."""
    return scores[scores["zscore"] <= threshold].sort_values("distance")


def quantile_outliers(scores: pd.DataFrame, quantile: float = QUANTILE) -> pd.DataFrame:
    """Products in the lowest ``quantile`` of distance (numpy's linear quantile)."""
    cut = float(np.quantile(scores["distance"], quantile))
    return scores[scores["distance"] <= cut].sort_values("distance")
