"""Analogue settings chosen by cross-validation on the catalogue itself.

An analogue forecast has five settings (:class:`AnalogueSettings`): whether DTW compares
shapes (z-normalised) or raw units, the stretch factor, how many analogues, how a match's
continuation is brought to the new product's level (:data:`SCALINGS`), and how much the
spread of the continuations is widened to make the 10-90 % fan.

They are chosen the way they will be used. Products of the catalogue (the history) play
the new product in turn: their first N weeks known, their analogues drawn from the other
history products, the rest of their year forecast. Of the candidate settings (every
combination of :data:`ZNORMS`, :data:`STRETCHES`, :data:`KS` and :data:`SCALINGS`, or only
the values the caller fixes), the one with the lowest WAPE wins. The widening is then the
smallest factor that puts :data:`COVERAGE` of those products' actual weeks inside the fan
(split-conformal calibration).

:func:`choose_settings` does this for a new product, with the whole catalogue as history.
:func:`select_per_view` does it for several *views* of one catalogue at once, each view
leaving some products out of the history: the backtest of
:mod:`dtwcore.shapes.analogues` holds each fold of its scored products out of the history
that chooses their settings and gives their analogues.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
from numba import njit, prange

from dtwcore.distance import dtw_pairwise

__all__ = [
    "COVERAGE",
    "CV_PRODUCTS",
    "FAN_QUANTILES",
    "KS",
    "SCALINGS",
    "STRETCHES",
    "ZNORMS",
    "AnalogueSettings",
    "Grid",
    "Neighbours",
    "check_scaling",
    "choose_settings",
    "fan",
    "level_change",
    "scaled_continuations",
    "select_per_view",
    "usable",
]

Progress = Callable[[str], None]

SCALINGS = ("mean", "recent", "offset")
"""How a continuation is brought to the new product's level: ``mean`` multiplies it by the
ratio of the two products' mean units over the known weeks, ``recent`` by the ratio of
their means over the last 4 known weeks, ``offset`` adds the difference of the means over
the known weeks (not below 0)."""
_SCALING_WORDS = {
    "mean": "scaled by the ratio of mean units over the known weeks",
    "recent": "scaled by the ratio of mean units over the last 4 known weeks",
    "offset": "shifted by the difference of mean units over the known weeks",
}
ZNORMS = (True, False)
STRETCHES = (0.0, 0.05, 0.1, 0.2)
KS = (3, 5, 10, 20, 40)
RECENT_WEEKS = 4
FAN_QUANTILES = (0.1, 0.5, 0.9)
COVERAGE = FAN_QUANTILES[2] - FAN_QUANTILES[0]
"""Share of actual weeks the calibrated fan is meant to hold."""
CV_PRODUCTS = 1_000
"""History products that play the new product when settings are chosen (a seeded sample
of bigger catalogues; analogues still come from every history product)."""
_BLOCK = 256  # products per block of distance rows


@dataclass(frozen=True)
class AnalogueSettings:
    """How an analogue forecast is made.

    Attributes
    ----------
    znorm : bool
        Match shapes (z-normalised first weeks) rather than raw units.
    stretch : float
        Stretch factor of DTW: band radius floor(stretch x N) weeks.
    k : int
        Number of analogues.
    scaling : str
        One of :data:`SCALINGS`.
    widen : float
        Factor on the distance from the median to the 10th and 90th percentiles of the
        continuations (1 keeps the raw percentiles).
    """

    znorm: bool
    stretch: float
    k: int
    scaling: str
    widen: float = 1.0

    def as_dict(self) -> dict[str, object]:
        """Plain data for JSON."""
        return asdict(self)

    def describe(self) -> str:
        """The settings in a sentence a planner can read."""
        matched = "shapes (z-normalised)" if self.znorm else "units"
        return (
            f"{self.k} analogues matched on {matched} with stretch {self.stretch:g}, "
            f"{_SCALING_WORDS[self.scaling]}; fan widened ×{self.widen:.2f}."
        )


@dataclass(frozen=True)
class Grid:
    """Candidate values of each setting; a setting given by the caller has one value.

    ``widen`` None means calibrated; a number fixes it.
    """

    znorm: tuple[bool, ...] = ZNORMS
    stretch: tuple[float, ...] = STRETCHES
    k: tuple[int, ...] = KS
    scaling: tuple[str, ...] = SCALINGS
    widen: float | None = None

    @classmethod
    def fixing(
        cls,
        *,
        k: int | None = None,
        stretch: float | None = None,
        znorm: bool | None = None,
        scaling: str | None = None,
        widen: float | None = None,
    ) -> Grid:
        """The full grid, with every setting that is not None fixed to its value."""
        if scaling is not None:
            check_scaling(scaling)
        if widen is not None and not (np.isfinite(widen) and widen >= 0):
            raise ValueError(f"the fan's widening must be a number of 0 or more, got {widen!r}")
        return cls(
            znorm=ZNORMS if znorm is None else (bool(znorm),),
            stretch=STRETCHES if stretch is None else (float(stretch),),
            k=KS if k is None else (int(k),),
            scaling=SCALINGS if scaling is None else (scaling,),
            widen=widen,
        )

    def single(self) -> AnalogueSettings | None:
        """The settings, when every one of them is fixed; otherwise None."""
        sizes = {len(self.znorm), len(self.stretch), len(self.k), len(self.scaling)}
        if sizes != {1} or self.widen is None:
            return None
        return AnalogueSettings(
            self.znorm[0], self.stretch[0], self.k[0], self.scaling[0], self.widen
        )


def check_scaling(scaling: str) -> None:
    """Raise ValueError unless ``scaling`` is one of :data:`SCALINGS`."""
    if scaling not in SCALINGS:
        raise ValueError(f"the scaling must be one of {', '.join(SCALINGS)}; got {scaling!r}")


def _level(head: np.ndarray, scaling: str) -> np.ndarray:
    """Mean units a week of ``head`` [shape=(..., N)] over the weeks ``scaling`` uses."""
    weeks = head[..., -RECENT_WEEKS:] if scaling == "recent" else head
    return weeks.mean(axis=-1)


def _pool(scaling: str) -> str:
    """The scaling whose level decides which products can be analogues under ``scaling``
    (``offset`` uses the same products as ``mean``)."""
    return "recent" if scaling == "recent" else "mean"


def usable(values: np.ndarray, n_known: int, scaling: str) -> np.ndarray:
    """Which products can be analogues [shape=(P,), bool]: those whose level over the
    known weeks (as ``scaling`` measures it) is above 0, so that they can be scaled."""
    return _level(values[:, :n_known], scaling) > 0


def level_change(
    known: np.ndarray, heads: np.ndarray, scaling: str
) -> tuple[np.ndarray, np.ndarray]:
    """How each analogue is brought to the new product's level.

    Parameters
    ----------
    known : np.ndarray [shape=(..., N)]
        The new products' known weeks (units a week).
    heads : np.ndarray [shape=(..., k, N)]
        The same weeks of their analogues.
    scaling : str
        One of :data:`SCALINGS`.

    Returns
    -------
    (scale, shift), each [shape=(..., k)]: an analogue's week x becomes
    max(scale x x + shift, 0) (shift in units a week).
    """
    if scaling == "offset":
        shift = known.mean(axis=-1)[..., None] - heads.mean(axis=-1)
        return np.ones_like(shift), shift
    scale = _level(known, scaling)[..., None] / _level(heads, scaling)
    return scale, np.zeros_like(scale)


def scaled_continuations(
    known: np.ndarray, heads: np.ndarray, rests: np.ndarray, scaling: str
) -> np.ndarray:
    """The analogues' following weeks brought to the new products' level.

    Parameters
    ----------
    known : np.ndarray [shape=(..., N)]
    heads : np.ndarray [shape=(..., k, N)]
        As in :func:`level_change`.
    rests : np.ndarray [shape=(..., k, H)]
        The analogues' following weeks (units a week).
    scaling : str
        One of :data:`SCALINGS`.

    Returns
    -------
    np.ndarray [shape=(..., k, H)], units a week.
    """
    scale, shift = level_change(known, heads, scaling)
    return np.maximum(rests * scale[..., None] + shift[..., None], 0.0)


def fan(continuations: np.ndarray, widen: float) -> np.ndarray:
    """The forecast fan of a set of continuations.

    Parameters
    ----------
    continuations : np.ndarray [shape=(..., k, H)]
    widen : float
        Factor on the distance from the median to the 10th and 90th percentiles.

    Returns
    -------
    np.ndarray [shape=(3, ..., H)]: lower edge (not below 0), median (the forecast) and
    upper edge, units a week.
    """
    low, mid, high = np.quantile(continuations, FAN_QUANTILES, axis=-2)
    return np.stack([np.maximum(mid - widen * (mid - low), 0.0), mid, mid + widen * (high - mid)])


def _needed_widen(actual: np.ndarray, raw_fan: np.ndarray) -> np.ndarray:
    """The smallest widening that puts each actual week inside its fan (inf: none does)."""
    low, mid, high = raw_fan
    gap = np.abs(actual - mid)
    half = np.where(actual < mid, mid - low, high - mid)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(gap > 0, gap / half, 0.0)


def _calibrated_widen(need: np.ndarray) -> float:
    """The :data:`COVERAGE` quantile of the needed widenings (the largest finite one when
    that quantile is infinite: the fan cannot reach those weeks at all)."""
    finite = need[np.isfinite(need)]
    if finite.size == 0:
        return 1.0
    return float(min(np.quantile(need, COVERAGE, method="inverted_cdf"), finite.max()))


def _closest(dist: np.ndarray, kmax: int) -> np.ndarray:
    """Columns of the kmax smallest finite entries of each row [shape=(B, kmax)], closest
    first, ties broken by the lower column; -1 pads rows with fewer finite entries."""
    kk = min(kmax, dist.shape[1])
    part = np.argpartition(dist, kk - 1, axis=1)[:, :kk]
    near = np.take_along_axis(dist, part, axis=1)
    part = np.take_along_axis(part, np.lexsort((part, near)), axis=1)
    out = np.full((dist.shape[0], kmax), -1, dtype=np.int64)
    out[:, :kk] = part
    bound = near.max(axis=1)
    # Rows where the k-th distance is tied with columns left out, or not finite: in full.
    for j in np.flatnonzero(((dist <= bound[:, None]).sum(axis=1) > kk) | ~np.isfinite(bound)):
        row = dist[j]
        cand = np.flatnonzero((row <= bound[j]) & np.isfinite(row))
        cand = cand[np.argsort(row[cand], kind="stable")][:kk]
        out[j] = -1
        out[j, : cand.size] = cand
    return out


def _neighbours(
    values: np.ndarray,
    n_known: int,
    targets: np.ndarray,
    excluded: np.ndarray,
    pools: dict[str, np.ndarray],
    kmax: int,
    *,
    znorm: bool,
    stretch: float,
) -> dict[str, np.ndarray]:
    """Nearest history products of each target in each view.

    ``excluded`` [shape=(V, P), bool] marks the products each view leaves out of the
    history; ``pools`` maps a pool name (:func:`_pool`) to the products that can be
    analogues. Returns, per pool, rows [shape=(V, T, kmax)] closest first (-1 where there
    are fewer). A target is never its own analogue.
    """
    head = values[:, :n_known]
    out = {name: np.full((excluded.shape[0], targets.size, kmax), -1) for name in pools}
    for first in range(0, targets.size, _BLOCK):
        rows = targets[first : first + _BLOCK]
        dist = dtw_pairwise(head[rows], head, stretch=stretch, znorm=znorm)
        dist[np.arange(rows.size), rows] = np.inf
        for name, pool in pools.items():
            for v, left_out in enumerate(excluded):
                barred = np.where(left_out | ~pool, np.inf, dist)
                out[name][v, first : first + rows.size] = _closest(barred, kmax)
    return out


@njit(cache=True, parallel=True)
def _median_errors(
    values: np.ndarray,
    n_known: int,
    targets: np.ndarray,
    picks: np.ndarray,
    scale: np.ndarray,
    shift: np.ndarray,
    ks: np.ndarray,
) -> np.ndarray:
    """Sum of |actual - median of the first k scaled continuations| for each k of ``ks``.

    values [shape=(P, W)]; targets [shape=(R,)] rows of the products forecast; picks,
    scale, shift [shape=(R, kmax)] their analogues and how each is scaled
    (:func:`level_change`); ks ascending, at most kmax. Returns [shape=(len(ks),)], units.
    One insertion sort per (product, week) gives the median of every prefix.
    """
    n_rows, kmax = picks.shape
    errors = np.zeros((n_rows, ks.size))
    for r in prange(n_rows):
        buf = np.empty(kmax)
        for week in range(n_known, values.shape[1]):
            actual = values[targets[r], week]
            j = 0
            for i in range(kmax):
                x = max(values[picks[r, i], week] * scale[r, i] + shift[r, i], 0.0)
                p = i
                while p > 0 and buf[p - 1] > x:
                    buf[p] = buf[p - 1]
                    p -= 1
                buf[p] = x
                if j < ks.size and i + 1 == ks[j]:
                    half = (i + 1) // 2
                    mid = buf[half] if (i + 1) % 2 else 0.5 * (buf[half - 1] + buf[half])
                    errors[r, j] += abs(actual - mid)
                    j += 1
    return errors.sum(axis=0)


@dataclass
class Neighbours:
    """The nearest history products of each target, for every candidate setting and view.

    Attributes
    ----------
    lists : dict[tuple[bool, float, str], np.ndarray]
        (znorm, stretch, pool) -> rows of the catalogue [shape=(V, T, kmax)], closest
        first; the pool is ``"mean"`` or ``"recent"``, the products that can be scaled.
    kmax : int
        Neighbours every list holds (the most analogues any setting can use).
    """

    lists: dict[tuple[bool, float, str], np.ndarray]
    kmax: int

    def picks(self, s: AnalogueSettings, view: int, rows: np.ndarray) -> np.ndarray:
        """The analogues of targets ``rows`` in ``view`` under ``s`` [shape=(R, k)]."""
        lists = self.lists[(s.znorm, s.stretch, _pool(s.scaling))]
        return lists[view, rows, : min(s.k, self.kmax)]


def _continuations(
    values: np.ndarray, n_known: int, targets: np.ndarray, picks: np.ndarray, scaling: str
) -> np.ndarray:
    return scaled_continuations(
        values[targets, :n_known], values[picks, :n_known], values[picks, n_known:], scaling
    )


def select_per_view(
    values: np.ndarray,
    n_known: int,
    targets: np.ndarray,
    excluded: np.ndarray,
    calibrate: np.ndarray,
    grid: Grid,
    progress: Progress | None = None,
) -> tuple[list[AnalogueSettings], Neighbours]:
    """Choose the settings of each view by the WAPE of its calibration products.

    Parameters
    ----------
    values : np.ndarray [shape=(P, W)]
        Weekly units of the catalogue.
    n_known : int
        N, the known weeks of every forecast.
    targets : np.ndarray [shape=(T,), int]
        Products that may play the new product (rows of ``values``).
    excluded : np.ndarray [shape=(V, P), bool]
        Products each view leaves out of its history (never analogues in that view).
    calibrate : np.ndarray [shape=(V, T), bool]
        Targets whose forecasts choose the view's settings; they must not be excluded
        from the view's history.
    grid : Grid
        Candidate settings.
    progress : callable(str), optional
        Told what is being computed.

    Returns
    -------
    (settings of each view, the neighbour lists, to forecast other targets in each view).
    """
    say = progress or (lambda _msg: None)
    if (excluded[:, targets] & calibrate).any():
        raise ValueError("a product that calibrates a view cannot be left out of its history")
    pools = {_pool(s): usable(values, n_known, s) for s in grid.scaling}
    kmax = max(grid.k)
    lists: dict[tuple[bool, float, str], np.ndarray] = {}
    for znorm in grid.znorm:
        for stretch in grid.stretch:
            what = "shapes" if znorm else "units"
            say(f"{n_known} weeks known: finding analogues ({what}, stretch {stretch:g}) …")
            found = _neighbours(
                values, n_known, targets, excluded, pools, kmax, znorm=znorm, stretch=stretch
            )
            for pool, rows in found.items():
                lists[(znorm, stretch, pool)] = rows
    available = min(int((rows >= 0).sum(axis=2).min()) for rows in lists.values())
    if available == 0:
        raise ValueError(
            f"too few products of the catalogue sold anything in their first {n_known} weeks "
            "to serve as analogues"
        )
    cands = Neighbours(lists, min(kmax, available))
    ks = sorted({min(k, cands.kmax) for k in grid.k})
    actual = values[targets, n_known:]
    chosen: list[AnalogueSettings] = []
    say(f"{n_known} weeks known: choosing settings by cross-validation …")
    for view, rows_mask in enumerate(calibrate):
        rows = np.flatnonzero(rows_mask)
        if rows.size == 0:
            raise ValueError("every view needs at least one product to choose its settings")
        scores: list[tuple[float, AnalogueSettings]] = []
        for znorm, stretch, scaling in itertools.product(grid.znorm, grid.stretch, grid.scaling):
            picks = cands.lists[(znorm, stretch, _pool(scaling))][view, rows, : ks[-1]]
            scale, shift = level_change(
                values[targets[rows], :n_known], values[picks, :n_known], scaling
            )
            errors = _median_errors(
                values, n_known, targets[rows], picks, scale, shift, np.array(ks)
            )
            scores += [
                (float(e), AnalogueSettings(znorm, stretch, k, scaling))
                for e, k in zip(errors, ks, strict=True)
            ]
        choice = min(scores, key=lambda item: item[0])[1]  # ties: the first in grid order
        widen = grid.widen
        if widen is None:
            cont = _continuations(
                values, n_known, targets[rows], cands.picks(choice, view, rows), choice.scaling
            )
            widen = _calibrated_widen(_needed_widen(actual[rows], fan(cont, 1.0)))
        chosen.append(
            AnalogueSettings(choice.znorm, choice.stretch, choice.k, choice.scaling, widen)
        )
    return chosen, cands


def choose_settings(
    values: np.ndarray,
    n_known: int,
    grid: Grid | None = None,
    *,
    max_products: int = CV_PRODUCTS,
    seed: int = 0,
    progress: Progress | None = None,
) -> AnalogueSettings:
    """The analogue settings that forecast this catalogue's own products best.

    Parameters
    ----------
    values : np.ndarray [shape=(P, W)]
        Weekly units of the catalogue (the history), P >= 2.
    n_known : int
        N, the known weeks of the new product, 4 <= N < W.
    grid : Grid, optional
        Candidate settings; default every combination, widening calibrated.
    max_products : int
        At most this many products (a seeded sample) play the new product; analogues come
        from all the others.
    seed : int
        Seed of that sample.
    progress : callable(str), optional

    Returns
    -------
    AnalogueSettings
    """
    values = np.ascontiguousarray(values, dtype=np.float64)
    if values.ndim != 2 or values.shape[0] < 2:
        raise ValueError("choosing settings needs a table of at least 2 products")
    if not np.isfinite(values).all():
        raise ValueError("the catalogue holds values that are not finite numbers")
    n_products, n_weeks = values.shape
    if not 1 <= n_known < n_weeks:
        raise ValueError(
            f"the catalogue has {n_weeks} weeks, so from 1 to {n_weeks - 1} weeks can be "
            f"known; got {n_known}"
        )
    targets = np.arange(n_products)
    if n_products > max_products:
        targets = np.sort(np.random.default_rng(seed).choice(n_products, max_products, False))
    excluded = np.zeros((1, n_products), dtype=bool)
    calibrate = np.ones((1, targets.size), dtype=bool)
    chosen, _ = select_per_view(
        values, n_known, targets, excluded, calibrate, grid or Grid(), progress
    )
    return chosen[0]
