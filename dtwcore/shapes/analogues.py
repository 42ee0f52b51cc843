"""Analogues: forecast a new product from the products that started most like it.

Given the first N weeks of a new product (N >= :data:`MIN_KNOWN`), its analogues are the
k existing products closest to it by DTW over *their* first N weeks (same stretch and
z-normalisation options as scoring). Each analogue's remaining weeks, multiplied by the
ratio of the new product's mean over the known weeks to the analogue's, is one possible
continuation; per week, their median is the forecast and their 10th and 90th percentiles
the fan. Products that sold nothing in the known weeks cannot be scaled and are never
analogues.

:func:`backtest` measures this on a catalogue: every product in turn plays the new one
(its first N weeks known, analogues drawn from the *other* products) and the forecast of
the rest of the year is scored by WAPE (sum of absolute errors / sum of actual units,
over all products and weeks) against two naive forecasts:

* ``last_4_weeks``: the mean of the last four known weeks, repeated;
* ``average_shape``: the mean z-normalised curve of the other products, rescaled so that
  its known weeks have the new product's mean and standard deviation (not below 0).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dtwcore.distance import dtw_pairwise
from dtwcore.sales import DEFAULT_STRETCH
from dtwcore.search import nearest
from dtwcore.shapes.clustering import compared_curves

__all__ = [
    "BACKTEST_KNOWN",
    "DEFAULT_ANALOGUES",
    "FAN_QUANTILES",
    "METHODS",
    "MIN_KNOWN",
    "Analogues",
    "Backtest",
    "backtest",
    "find_analogues",
]

MIN_KNOWN = 4
"""Fewest known weeks of a new product."""
DEFAULT_ANALOGUES = 10
BACKTEST_KNOWN = (13, 26)
FAN_QUANTILES = (0.1, 0.5, 0.9)
NAIVE_WEEKS = 4
METHODS = ("analogues", "last_4_weeks", "average_shape")
"""Forecast methods of the backtest, analogues first."""
_BLOCK = 512  # products per block of the backtest's distance rows


@dataclass
class Analogues:
    """The analogues of one new product and the forecast they give.

    Attributes
    ----------
    rows : np.ndarray [shape=(k,), int]
        Catalogue rows of the analogues, closest first.
    distances : np.ndarray [shape=(k,)]
        DTW distances over the known weeks.
    scale : np.ndarray [shape=(k,)]
        Factor applied to each analogue: new mean / analogue mean over the known weeks.
    curves : np.ndarray [shape=(k, W)]
        The analogues' whole years, scaled (units a week).
    fan : np.ndarray [shape=(3, W - N)]
        10th percentile, median and 90th percentile of the scaled continuations, for
        weeks N .. W-1 (units a week); the median is the forecast.
    known : int
        N, the number of known weeks.
    """

    rows: np.ndarray
    distances: np.ndarray
    scale: np.ndarray
    curves: np.ndarray
    fan: np.ndarray
    known: int

    @property
    def forecast(self) -> np.ndarray:
        """The median continuation [shape=(W - N,)]."""
        return self.fan[1]


def _check_known(n_known: int, weeks: int) -> None:
    if n_known < MIN_KNOWN:
        raise ValueError(f"give at least {MIN_KNOWN} known weeks of the new product, got {n_known}")
    if n_known >= weeks:
        raise ValueError(
            f"the catalogue has {weeks} weeks, so at most {weeks - 1} weeks can be known "
            f"(one is left to forecast); got {n_known}"
        )


def _check_k(k: int) -> None:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"the number of analogues must be a whole number of 1 or more, got {k!r}")


def _levels(values: np.ndarray, n_known: int) -> np.ndarray:
    return values[:, :n_known].mean(axis=1)


def find_analogues(
    known: np.ndarray,
    values: np.ndarray,
    *,
    k: int = DEFAULT_ANALOGUES,
    stretch: float = DEFAULT_STRETCH,
    znorm: bool = True,
) -> Analogues:
    """The k products that started most like ``known``, and their forecast fan.

    Parameters
    ----------
    known : array [shape=(N,)]
        Units sold in the new product's first N weeks, N >= 4 and N < W.
    values : np.ndarray [shape=(P, W)]
        The catalogue's weekly units.
    k : int
        How many analogues (fewer when fewer products sold anything in those weeks).
    stretch, znorm : as in scoring; the band radius is floor(stretch x N).

    Returns
    -------
    Analogues
    """
    known = np.asarray(known, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    if known.ndim != 1 or values.ndim != 2:
        raise ValueError("known must be one series (N,) and values a table (products, weeks)")
    if not np.isfinite(known).all() or (known < 0).any():
        raise ValueError("the known weeks must be numbers of units, 0 or more")
    n_known = known.shape[0]
    _check_known(n_known, values.shape[1])
    _check_k(k)
    levels = _levels(values, n_known)
    usable = np.flatnonzero(levels > 0)
    if usable.size == 0:
        raise ValueError(f"no product of the catalogue sold anything in its first {n_known} weeks")
    head = np.ascontiguousarray(values[usable, :n_known])
    found, dist = nearest(known, head, min(k, usable.size), stretch=stretch, znorm=znorm)
    rows = usable[found]
    scale = known.mean() / levels[rows]
    curves = values[rows] * scale[:, None]
    fan = np.quantile(curves[:, n_known:], FAN_QUANTILES, axis=0)
    return Analogues(rows, dist, scale, curves, fan, n_known)


@dataclass
class Backtest:
    """Result of :func:`backtest`.

    Attributes
    ----------
    wape : dict[int, dict[str, float]]
        known weeks -> method (:data:`METHODS`) -> WAPE (0 is perfect; 1 means errors as
        large as the sales themselves).
    products : int
        Products forecast for each N.
    k : int
    stretch, znorm : the options used.
    """

    wape: dict[int, dict[str, float]]
    products: int
    k: int
    stretch: float
    znorm: bool

    def best(self, n_known: int) -> str:
        """The method with the lowest WAPE for ``n_known`` known weeks."""
        scores = self.wape[n_known]
        return min(scores, key=scores.__getitem__)

    def analogues_win(self, n_known: int) -> bool:
        """True when analogues beat both naive forecasts for ``n_known`` known weeks."""
        return self.best(n_known) == "analogues"

    def as_dict(self) -> dict:
        """Plain data for JSON: settings and, per N, each method's WAPE and the best."""
        return {
            "products": self.products,
            "analogues": self.k,
            "stretch": self.stretch,
            "znorm": self.znorm,
            "known_weeks": {
                str(n): {"wape": dict(scores), "best": self.best(n)}
                for n, scores in self.wape.items()
            },
        }


def _wape(actual: np.ndarray, forecast: np.ndarray) -> float:
    total = float(np.abs(actual).sum())
    return float(np.abs(actual - forecast).sum() / total) if total > 0 else float("nan")


def backtest(
    values: np.ndarray,
    *,
    known_weeks: tuple[int, ...] = BACKTEST_KNOWN,
    k: int = DEFAULT_ANALOGUES,
    stretch: float = DEFAULT_STRETCH,
    znorm: bool = True,
    max_products: int | None = None,
    seed: int = 0,
) -> Backtest:
    """Forecast every product from its first N weeks and compare with naive forecasts.

    Parameters
    ----------
    values : np.ndarray [shape=(P, W)]
        Weekly units of the catalogue, P >= 2.
    known_weeks : tuple of int
        Values of N, each 4 <= N < W.
    k, stretch, znorm : as in :func:`find_analogues`.
    max_products : int, optional
        Forecast only a seeded random sample of this many products (analogues are still
        drawn from all the others); None forecasts every product.
    seed : int
        Seed of that sample.

    Returns
    -------
    Backtest. Distances are computed in blocks of rows: memory O(block x P).
    """
    values = np.ascontiguousarray(values, dtype=np.float64)
    if values.ndim != 2 or values.shape[0] < 2:
        raise ValueError("the backtest needs a table of at least 2 products")
    if not np.isfinite(values).all():
        raise ValueError("the catalogue holds values that are not finite numbers")
    _check_k(k)
    n_products, n_weeks = values.shape
    known_weeks = tuple(int(n) for n in known_weeks)
    if not known_weeks:
        raise ValueError("give at least one number of known weeks")
    for n in known_weeks:
        _check_known(n, n_weeks)
    targets = np.arange(n_products)
    if max_products is not None and max_products < n_products:
        targets = np.sort(np.random.default_rng(seed).choice(n_products, max_products, False))
    z = compared_curves(values, znorm=True)
    shape_sum = z.sum(axis=0)
    wape: dict[int, dict[str, float]] = {}
    for n in known_weeks:
        levels = _levels(values, n)
        forecasts = {m: np.empty((targets.size, n_weeks - n)) for m in METHODS}
        for first in range(0, targets.size, _BLOCK):
            rows = targets[first : first + _BLOCK]
            block = slice(first, first + rows.size)
            dist = dtw_pairwise(values[rows, :n], values[:, :n], stretch=stretch, znorm=znorm)
            dist[np.arange(rows.size), rows] = np.inf
            dist[:, levels <= 0] = np.inf
            order = np.argsort(dist, axis=1, kind="stable")[:, :k]
            for j, row in enumerate(rows):
                picks = order[j][np.isfinite(dist[j, order[j]])]
                if picks.size == 0:
                    forecasts["analogues"][first + j] = 0.0
                    continue
                scaled = values[picks, n:] * (levels[row] / levels[picks])[:, None]
                forecasts["analogues"][first + j] = np.median(scaled, axis=0)
            recent = values[rows, n - NAIVE_WEEKS : n].mean(axis=1)
            forecasts["last_4_weeks"][block] = recent[:, None]
            shape = (shape_sum[None, :] - z[rows]) / (n_products - 1)
            forecasts["average_shape"][block] = _rescaled(shape, values[rows], n)
        actual = values[targets, n:]
        wape[n] = {m: _wape(actual, forecasts[m]) for m in METHODS}
    return Backtest(wape, int(targets.size), int(k), float(stretch), bool(znorm))


def _rescaled(shape: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Rows of ``shape`` (B, W) rescaled so that their first n weeks have the mean and
    standard deviation of the same weeks of ``values`` (B, W); the rest, not below 0."""
    s_mean = shape[:, :n].mean(axis=1, keepdims=True)
    s_sd = shape[:, :n].std(axis=1, keepdims=True)
    v_mean = values[:, :n].mean(axis=1, keepdims=True)
    v_sd = values[:, :n].std(axis=1, keepdims=True)
    ratio = np.divide(v_sd, s_sd, out=np.zeros_like(v_sd), where=s_sd > 0)
    return np.maximum(v_mean + (shape[:, n:] - s_mean) * ratio, 0.0)
