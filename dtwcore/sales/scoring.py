"""Scoring a catalogue against the target: distances, ranks, z-scores, outliers, shortlist."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from dtwcore.distance import dtw_one_to_many, znormalize_rows
from dtwcore.sales.errors import CatalogError
from dtwcore.sales.facts import DEFAULT_STRETCH, QUANTILE, VOLUME_BAND, ZSCORE_THRESHOLD

if TYPE_CHECKING:
    import pandas as pd

SCORE_COLUMNS = ["product", "distance", "rank", "zscore", "mean_units", "volume_ratio"]


def rank_order(dist: np.ndarray, key: np.ndarray | None = None) -> np.ndarray:
    """Positions of the products closest first [shape=(N,)]: the one ranking rule.

    Ties in distance go to the smaller ``key`` [shape=(N,)], by default the position (the
    earlier product of the input). Every ranking (page, ``score`` locally and on Spark,
    runs) orders by this rule.
    """
    dist = np.asarray(dist, dtype=np.float64)
    if key is None:
        return np.argsort(dist, kind="stable")
    return np.lexsort((key, dist))


def zscores(dist: np.ndarray, mean: float | None = None, sd: float | None = None) -> np.ndarray:
    """(dist - mean) / sd [shape=(N,)], or zeros when every distance is the same (sd = 0).

    ``mean`` and ``sd`` (the population standard deviation) default to those of ``dist``;
    a streamed or distributed ranking passes those of the whole catalogue.
    """
    dist = np.asarray(dist, dtype=np.float64)
    mean = float(dist.mean()) if mean is None else mean
    sd = float(dist.std()) if sd is None else sd
    return (dist - mean) / sd if sd > 0 else np.zeros_like(dist)


def rank_distances(dist: np.ndarray) -> np.ndarray:
    """Rank 1 for the smallest distance; ties go to the earlier product."""
    dist = np.asarray(dist, dtype=np.float64)
    order = rank_order(dist)
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
    import pandas as pd

    target = np.asarray(target, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    dist = dtw_one_to_many(target, values, stretch=stretch, znorm=znorm)
    zscore = zscores(dist)
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
        values = znormalize_rows(values)
        target = znormalize_rows(target[None, :])[0]
    return np.sqrt(((values - target[None, :]) ** 2).sum(axis=1))
