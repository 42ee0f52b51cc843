"""The metrics of a logged analysis: one registry, read by the run summary, the runs
table and the Experiments page.

Each :class:`Metric` says how it is computed from a score table
(:func:`dtwcore.sales.score_catalog`), what to call it on screen, how to write it and
whether runs tables show it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dtwcore.sales import quantile_outliers, zscore_outliers


def _dist(scores: pd.DataFrame) -> np.ndarray:
    return scores["distance"].to_numpy(dtype=np.float64)


@dataclass(frozen=True)
class Metric:
    """One run metric.

    Attributes
    ----------
    name : str, the MLflow metric key
    label : str, short column title
    help : str, one sentence for a tooltip
    fmt : str, printf-style format for tables ("%.4f", "%d")
    compute : function of the score table [N rows] returning the value
    in_runs_table : bool, whether runs tables show it
    """

    name: str
    label: str
    help: str
    fmt: str
    compute: Callable[[pd.DataFrame], float]
    in_runs_table: bool = True


METRICS: tuple[Metric, ...] = (
    Metric(
        "median_distance",
        "Median",
        "Median DTW distance over all products",
        "%.4f",
        lambda s: float(np.median(_dist(s))),
    ),
    Metric(
        "mean_distance",
        "Mean",
        "Mean DTW distance over all products",
        "%.4f",
        lambda s: float(_dist(s).mean()),
    ),
    Metric(
        "min_distance",
        "Closest",
        "Distance of the closest product",
        "%.4f",
        lambda s: float(_dist(s).min()),
    ),
    Metric(
        "max_distance",
        "Farthest",
        "Distance of the farthest product",
        "%.4f",
        lambda s: float(_dist(s).max()),
    ),
    Metric(
        "n_zscore_outliers",
        "Trending",
        "Products with a distance z-score of -2 or lower",
        "%d",
        lambda s: float(len(zscore_outliers(s))),
    ),
    Metric(
        "n_quantile_outliers",
        "Closest 10 %",
        "Products in the closest 10 % of distances",
        "%d",
        lambda s: float(len(quantile_outliers(s))),
        in_runs_table=False,
    ),
)
METRIC_NAMES: tuple[str, ...] = tuple(m.name for m in METRICS)
RUNS_TABLE_METRICS: tuple[Metric, ...] = tuple(m for m in METRICS if m.in_runs_table)


def summarize(scores: pd.DataFrame) -> dict[str, float]:
    """Every metric of :data:`METRICS` for a score table, by name."""
    return {m.name: m.compute(scores) for m in METRICS}
