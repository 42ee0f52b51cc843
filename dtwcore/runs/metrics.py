"""The metrics runs log: one registry per kind of run, read by the run summaries, the runs
table and the Experiments page.

Each :class:`Metric` says how it is computed, what to call it on screen, how to write it
and whether runs tables show it. :data:`METRICS` are those of a sales analysis (computed
from its score table, :func:`dtwcore.sales.score_catalog`, and where its outlier lists
are cut); :data:`SHAPE_METRICS` those of a clustering
(:class:`dtwcore.shapes.clustering.ShapeClustering`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

import numpy as np
import pandas as pd

from dtwcore.sales import (
    QUANTILE,
    QUANTILE_RULE,
    ZSCORE_RULE,
    ZSCORE_THRESHOLD,
    quantile_outliers,
    zscore_outliers,
)

if TYPE_CHECKING:
    from dtwcore.shapes.clustering import ShapeClustering

Source = TypeVar("Source")


@dataclass(frozen=True)
class Metric(Generic[Source]):
    """One run metric.

    Attributes
    ----------
    name : str, the MLflow metric key
    label : str, short column title
    help : str, one sentence for a tooltip
    fmt : str, printf-style format for tables ("%.4f", "%d")
    compute : function of what the run logs (a :class:`Scored` analysis, a clustering)
        returning the value
    in_runs_table : bool, whether runs tables show it
    """

    name: str
    label: str
    help: str
    fmt: str
    compute: Callable[[Source], float]
    in_runs_table: bool = True


@dataclass(frozen=True)
class OutlierCuts:
    """Where a run's outlier lists are cut (a run records its own, in ``target.json``),
    and the cuts in a few words for titles (the rules in sentences, for the published
    cuts, are ``ZSCORE_RULE`` and ``QUANTILE_RULE`` of :mod:`dtwcore.sales`).

    Attributes
    ----------
    zscore_threshold : float, the distance z-score at or below which a product trends
    quantile : float in (0, 1), the share of closest products listed
    """

    zscore_threshold: float = ZSCORE_THRESHOLD
    quantile: float = QUANTILE

    @property
    def zscore_words(self) -> str:
        """``z-score ≤ -2``."""
        return f"z-score ≤ {self.zscore_threshold:g}"

    @property
    def quantile_words(self) -> str:
        """``closest 10 %``."""
        return f"closest {100 * self.quantile:g} %"


DEFAULT_CUTS = OutlierCuts()
"""The published cuts (``ZSCORE_THRESHOLD`` and ``QUANTILE`` of :mod:`dtwcore.sales`)."""


@dataclass(frozen=True)
class Scored:
    """What a sales run's metrics are computed from.

    Attributes
    ----------
    scores : DataFrame, the score table [N rows]
    cuts : where its outlier lists are cut
    """

    scores: pd.DataFrame
    cuts: OutlierCuts = DEFAULT_CUTS

    @property
    def distance(self) -> np.ndarray:
        """The distances [shape=(N,)], float64."""
        return self.scores["distance"].to_numpy(dtype=np.float64)


METRICS: tuple[Metric[Scored], ...] = (
    Metric(
        "median_distance",
        "Median",
        "Median DTW distance over all products",
        "%.4f",
        lambda s: float(np.median(s.distance)),
    ),
    Metric(
        "mean_distance",
        "Mean",
        "Mean DTW distance over all products",
        "%.4f",
        lambda s: float(s.distance.mean()),
    ),
    Metric(
        "min_distance",
        "Closest",
        "Distance of the closest product",
        "%.4f",
        lambda s: float(s.distance.min()),
    ),
    Metric(
        "max_distance",
        "Farthest",
        "Distance of the farthest product",
        "%.4f",
        lambda s: float(s.distance.max()),
    ),
    Metric(
        "n_zscore_outliers",
        "Trending",
        f"Products with {ZSCORE_RULE}",
        "%d",
        lambda s: float(len(zscore_outliers(s.scores, s.cuts.zscore_threshold))),
    ),
    Metric(
        "n_quantile_outliers",
        DEFAULT_CUTS.quantile_words.capitalize(),
        f"Products with {QUANTILE_RULE}",
        "%d",
        lambda s: float(len(quantile_outliers(s.scores, s.cuts.quantile))),
        in_runs_table=False,
    ),
)
METRIC_NAMES: tuple[str, ...] = tuple(m.name for m in METRICS)
RUNS_TABLE_METRICS: tuple[Metric[Scored], ...] = tuple(m for m in METRICS if m.in_runs_table)

SHAPE_METRICS: tuple[Metric[ShapeClustering], ...] = (
    Metric(
        "silhouette",
        "Silhouette",
        "Mean silhouette of the products, from -1 to 1: higher means better separated shapes",
        "%.3f",
        lambda r: r.mean_silhouette,
    ),
    Metric(
        "total_distance",
        "Total distance",
        "Sum of every product's DTW distance to the medoid of its shape",
        "%.2f",
        lambda r: r.total_distance,
    ),
    Metric(
        "mean_distance",
        "Mean distance",
        "Mean DTW distance of a product to the medoid of its shape",
        "%.4f",
        lambda r: float(r.distance.mean()),
    ),
)
SHAPE_METRIC_NAMES: tuple[str, ...] = tuple(m.name for m in SHAPE_METRICS)


def summarize(scores: pd.DataFrame, cuts: OutlierCuts = DEFAULT_CUTS) -> dict[str, float]:
    """Every metric of :data:`METRICS` for a score table, by name.

    Parameters
    ----------
    scores : the score table of :func:`dtwcore.sales.score_catalog`
    cuts : where the outlier lists are cut (the run's own, default the published ones)
    """
    scored = Scored(scores, cuts)
    return {m.name: m.compute(scored) for m in METRICS}


def summarize_shapes(result: ShapeClustering) -> dict[str, float]:
    """Every metric of :data:`SHAPE_METRICS` for a clustering, by name."""
    return {m.name: m.compute(result) for m in SHAPE_METRICS}
