"""Analogues: forecast a new product from the products that started most like it.

Given the first N weeks of a new product (N >= :data:`MIN_KNOWN`), its analogues are the
k existing products closest to it by DTW over *their* first N weeks (z-normalised or in
raw units, with a stretch factor, as in scoring). Each analogue's remaining weeks, brought
to the new product's level (:data:`~dtwcore.shapes.analogue_cv.SCALINGS`), is one possible
continuation; per week, their median is the forecast, and their 10th and 90th percentiles,
moved away from the median by a widening factor, the fan. Products that sold nothing in
the known weeks cannot be scaled and are never analogues. Settings the caller leaves out
are chosen by cross-validation on the catalogue (:mod:`dtwcore.shapes.analogue_cv`).

:func:`backtest` measures this on a catalogue: every product in turn plays the new one
(its first N weeks known) and the forecast of the rest of the year is scored by WAPE (sum
of absolute errors / sum of actual units, over all products and weeks) against three
naive forecasts:

* ``last_value``: the last known week, repeated;
* ``last_4_weeks``: the mean of the last four known weeks, repeated;
* ``average_shape``: the mean z-normalised curve of the other products, rescaled so that
  its known weeks have the new product's mean and standard deviation (not below 0).

The products are split into folds; the products of one fold are forecast with settings
chosen on the other folds only, and their analogues come from the other folds only, so no
setting and no analogue ever depends on a product being scored. The backtest also reports
the share of actual weeks inside the 10-90 % fan (its coverage; 0.8 is the aim).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dtwcore.distance import dtw_one_to_many
from dtwcore.shapes.analogue_cv import (
    FAN_QUANTILES,
    AnalogueSettings,
    Grid,
    Progress,
    choose_settings,
    fan,
    level_change,
    scaled_continuations,
    select_per_view,
    usable,
)
from dtwcore.shapes.clustering import compared_curves

__all__ = [
    "BACKTEST_KNOWN",
    "DEFAULT_ANALOGUES",
    "FAN_QUANTILES",
    "FOLDS",
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
"""Analogues a user starts from when choosing their number by hand."""
BACKTEST_KNOWN = (13, 26)
NAIVE_WEEKS = 4
METHODS = ("analogues", "last_value", "last_4_weeks", "average_shape")
"""Forecast methods of the backtest, analogues first."""
FOLDS = 5
"""Folds of the backtest's scored products."""


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
        Factor applied to each analogue (new level / analogue level; 1 with the
        ``offset`` scaling).
    shift : np.ndarray [shape=(k,)]
        Units a week added to each analogue (``offset`` scaling; 0 otherwise).
    curves : np.ndarray [shape=(k, W)]
        The analogues' whole years, scaled (units a week).
    fan : np.ndarray [shape=(3, W - N)]
        Lower edge, median and upper edge of the fan for weeks N .. W-1 (units a week);
        the median is the forecast.
    known : int
        N, the number of known weeks.
    settings : AnalogueSettings
        The settings that made this forecast.
    """

    rows: np.ndarray
    distances: np.ndarray
    scale: np.ndarray
    shift: np.ndarray
    curves: np.ndarray
    fan: np.ndarray
    known: int
    settings: AnalogueSettings

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


def _check_k(k: int | None) -> None:
    if k is None:
        return
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"the number of analogues must be a whole number of 1 or more, got {k!r}")


def find_analogues(
    known: np.ndarray,
    values: np.ndarray,
    *,
    k: int | None = None,
    stretch: float | None = None,
    znorm: bool | None = None,
    scaling: str | None = None,
    widen: float | None = None,
    progress: Progress | None = None,
) -> Analogues:
    """The k products that started most like ``known``, and their forecast fan.

    Parameters
    ----------
    known : array [shape=(N,)]
        Units sold in the new product's first N weeks, N >= 4 and N < W.
    values : np.ndarray [shape=(P, W)]
        The catalogue's weekly units.
    k : int, optional
        How many analogues (fewer when fewer products sold anything in those weeks).
    stretch, znorm : optional
        As in scoring; the band radius is floor(stretch x N).
    scaling : str, optional
        One of :data:`~dtwcore.shapes.analogue_cv.SCALINGS`.
    widen : float, optional
        Factor on the distance from the median to the 10th and 90th percentiles.
    progress : callable(str), optional
        Told what is being computed while settings are chosen.

    Every setting left as None is chosen by cross-validation on the catalogue
    (:func:`~dtwcore.shapes.analogue_cv.choose_settings` with N known weeks); the given
    ones are kept.

    Returns
    -------
    Analogues
    """
    known = np.asarray(known, dtype=np.float64)
    values = np.ascontiguousarray(values, dtype=np.float64)
    if known.ndim != 1 or values.ndim != 2:
        raise ValueError("known must be one series (N,) and values a table (products, weeks)")
    if not np.isfinite(known).all() or (known < 0).any():
        raise ValueError("the known weeks must be numbers of units, 0 or more")
    n_known = known.shape[0]
    _check_known(n_known, values.shape[1])
    _check_k(k)
    grid = Grid.fixing(k=k, stretch=stretch, znorm=znorm, scaling=scaling, widen=widen)
    settings = grid.single() or choose_settings(values, n_known, grid, progress=progress)
    pool = np.flatnonzero(usable(values, n_known, settings.scaling))
    if pool.size == 0:
        raise ValueError(f"no product of the catalogue sold anything in its first {n_known} weeks")
    dist = dtw_one_to_many(
        known, values[pool, :n_known], stretch=settings.stretch, znorm=settings.znorm
    )
    order = np.lexsort((np.arange(pool.size), dist))[: settings.k]
    rows = pool[order]
    scale, shift = level_change(known, values[rows, :n_known], settings.scaling)
    curves = np.maximum(values[rows] * scale[:, None] + shift[:, None], 0.0)
    return Analogues(
        rows,
        dist[order],
        scale,
        shift,
        curves,
        fan(curves[:, n_known:], settings.widen),
        n_known,
        settings,
    )


@dataclass
class Backtest:
    """Result of :func:`backtest`.

    Attributes
    ----------
    wape : dict[int, dict[str, float]]
        known weeks -> method (:data:`METHODS`) -> WAPE (0 is perfect; 1 means errors as
        large as the sales themselves).
    coverage : dict[int, float]
        known weeks -> share of the forecast weeks whose actual units lie inside the
        analogues' fan (from 0 to 1; the fan aims at 0.8).
    settings : dict[int, list[AnalogueSettings]]
        known weeks -> the settings chosen for each fold, in fold order.
    forecasts : dict[int, np.ndarray]
        known weeks N -> the analogues' forecasts [shape=(T, W - N)], units a week.
    rows : np.ndarray [shape=(T,), int]
        Catalogue rows of the forecast products.
    folds : np.ndarray [shape=(T,), int]
        Fold of each forecast product.
    products : int
        Products forecast for each N (T).
    k, stretch, znorm, scaling :
        The settings the caller fixed; None for those chosen by cross-validation.
    """

    wape: dict[int, dict[str, float]]
    coverage: dict[int, float]
    settings: dict[int, list[AnalogueSettings]]
    forecasts: dict[int, np.ndarray]
    rows: np.ndarray
    folds: np.ndarray
    products: int
    k: int | None
    stretch: float | None
    znorm: bool | None
    scaling: str | None

    def best(self, n_known: int) -> str:
        """The method with the lowest WAPE for ``n_known`` known weeks."""
        scores = self.wape[n_known]
        return min(scores, key=scores.__getitem__)

    def analogues_win(self, n_known: int) -> bool:
        """True when analogues beat every naive forecast for ``n_known`` known weeks."""
        return self.best(n_known) == "analogues"

    def as_dict(self) -> dict:
        """Plain data for JSON: fixed settings (null: chosen by cross-validation) and, per
        N, each method's WAPE, the best, the fan's coverage and each fold's settings."""
        return {
            "products": self.products,
            "analogues": self.k,
            "stretch": self.stretch,
            "znorm": self.znorm,
            "scaling": self.scaling,
            "known_weeks": {
                str(n): {
                    "wape": dict(scores),
                    "best": self.best(n),
                    "coverage": self.coverage[n],
                    "settings": [s.as_dict() for s in self.settings[n]],
                }
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
    k: int | None = None,
    stretch: float | None = None,
    znorm: bool | None = None,
    scaling: str | None = None,
    widen: float | None = None,
    max_products: int | None = None,
    folds: int = FOLDS,
    seed: int = 0,
    progress: Progress | None = None,
) -> Backtest:
    """Forecast every product from its first N weeks and compare with naive forecasts.

    Parameters
    ----------
    values : np.ndarray [shape=(P, W)]
        Weekly units of the catalogue, P >= 2.
    known_weeks : tuple of int
        Values of N, each 4 <= N < W.
    k, stretch, znorm, scaling, widen : optional
        As in :func:`find_analogues`: fixed when given, otherwise chosen by
        cross-validation for each fold on the other folds' products.
    max_products : int, optional
        Forecast only a seeded random sample of this many products (the others are
        always history); None forecasts every product.
    folds : int
        Folds of the forecast products (at most one per product), at least 2.
    seed : int
        Seed of the sample and of the folds.
    progress : callable(str), optional
        Told what is being computed.

    Returns
    -------
    Backtest. Distances are computed in blocks of rows: memory O(block x P) for them, and
    O(folds x products x 40) for the analogue lists.
    """
    values = np.ascontiguousarray(values, dtype=np.float64)
    if values.ndim != 2 or values.shape[0] < 2:
        raise ValueError("the backtest needs a table of at least 2 products")
    if not np.isfinite(values).all():
        raise ValueError("the catalogue holds values that are not finite numbers")
    _check_k(k)
    if isinstance(folds, bool) or not isinstance(folds, (int, np.integer)) or folds < 2:
        raise ValueError(f"the backtest needs at least 2 folds, got {folds!r}")
    grid = Grid.fixing(k=k, stretch=stretch, znorm=znorm, scaling=scaling, widen=widen)
    n_products, n_weeks = values.shape
    known_weeks = tuple(int(n) for n in known_weeks)
    if not known_weeks:
        raise ValueError("give at least one number of known weeks")
    for n in known_weeks:
        _check_known(n, n_weeks)
    rng = np.random.default_rng(seed)
    targets = np.arange(n_products)
    if max_products is not None and max_products < n_products:
        targets = np.sort(rng.choice(n_products, max_products, False))
    if targets.size < 2:
        raise ValueError("the backtest needs at least 2 products to forecast")
    n_folds = min(folds, targets.size)
    fold = rng.permutation(np.arange(targets.size) % n_folds)
    excluded = np.zeros((n_folds, n_products), dtype=bool)
    excluded[fold, targets] = True
    calibrate = fold[None, :] != np.arange(n_folds)[:, None]
    z = compared_curves(values, znorm=True)
    shape = (z.sum(axis=0)[None, :] - z[targets]) / (n_products - 1)
    wape: dict[int, dict[str, float]] = {}
    coverage: dict[int, float] = {}
    chosen: dict[int, list[AnalogueSettings]] = {}
    predicted: dict[int, np.ndarray] = {}
    for n in known_weeks:
        settings, candidates = select_per_view(
            values, n, targets, excluded, calibrate, grid, progress
        )
        actual = values[targets, n:]
        forecast = np.empty_like(actual)
        inside = np.empty(actual.shape, dtype=bool)
        for f, s in enumerate(settings):
            rows = np.flatnonzero(fold == f)
            picks = candidates.picks(s, f, rows)
            heads = values[targets[rows], :n]
            cont = scaled_continuations(heads, values[picks, :n], values[picks, n:], s.scaling)
            low, forecast[rows], high = fan(cont, s.widen)
            inside[rows] = (low <= actual[rows]) & (actual[rows] <= high)
        last = values[targets, n - 1]
        recent = values[targets, n - NAIVE_WEEKS : n].mean(axis=1)
        forecasts = {
            "analogues": forecast,
            "last_value": np.broadcast_to(last[:, None], actual.shape),
            "last_4_weeks": np.broadcast_to(recent[:, None], actual.shape),
            "average_shape": _rescaled(shape, values[targets], n),
        }
        wape[n] = {m: _wape(actual, forecasts[m]) for m in METHODS}
        coverage[n] = float(inside.mean())
        chosen[n] = settings
        predicted[n] = forecast
    return Backtest(
        wape, coverage, chosen, predicted, targets, fold, int(targets.size), k, stretch, znorm,
        scaling,
    )  # fmt: skip


def _rescaled(shape: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Rows of ``shape`` (B, W) rescaled so that their first n weeks have the mean and
    standard deviation of the same weeks of ``values`` (B, W); the rest, not below 0."""
    s_mean = shape[:, :n].mean(axis=1, keepdims=True)
    s_sd = shape[:, :n].std(axis=1, keepdims=True)
    v_mean = values[:, :n].mean(axis=1, keepdims=True)
    v_sd = values[:, :n].std(axis=1, keepdims=True)
    ratio = np.divide(v_sd, s_sd, out=np.zeros_like(v_sd), where=s_sd > 0)
    return np.maximum(v_mean + (shape[:, n:] - s_mean) * ratio, 0.0)
