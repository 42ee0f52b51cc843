"""Demand shapes: the trends a catalogue holds, and analogues for a new product.

* :func:`cluster_shapes`: k-medoids under DTW (see :mod:`dtwcore.shapes.clustering`).
* :func:`find_analogues`, :func:`backtest`: like-item forecasts from the products that
  started most like a new one (see :mod:`dtwcore.shapes.analogues`), with settings chosen
  by :func:`choose_settings` (see :mod:`dtwcore.shapes.analogue_cv`).

MLflow logging lives in :mod:`dtwcore.runs.shapes` (imported on demand).
"""

from dtwcore.shapes.analogue_cv import AnalogueSettings, choose_settings
from dtwcore.shapes.analogues import (
    BACKTEST_KNOWN,
    DEFAULT_ANALOGUES,
    METHODS,
    MIN_KNOWN,
    Analogues,
    Backtest,
    backtest,
    find_analogues,
)
from dtwcore.shapes.clustering import (
    AUTO_K,
    FULL_LIMIT,
    ShapeClustering,
    assign_to_medoids,
    cluster_shapes,
    dtw_matrix,
)

__all__ = [
    "AUTO_K",
    "BACKTEST_KNOWN",
    "DEFAULT_ANALOGUES",
    "METHODS",
    "MIN_KNOWN",
    "AnalogueSettings",
    "Analogues",
    "Backtest",
    "backtest",
    "choose_settings",
    "find_analogues",
    "FULL_LIMIT",
    "ShapeClustering",
    "assign_to_medoids",
    "cluster_shapes",
    "dtw_matrix",
]
