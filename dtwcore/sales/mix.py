"""Fill the factory: the product mix whose demand keeps the line busy, week by week.

A planner has a weekly capacity (units the line can build) and a catalogue of products
with weekly demand. Choosing a product commits the factory to build every unit of its
demand: a unit due in week t may be built up to ``ahead`` weeks earlier (and held as
stock) and, when the planner allows it, up to ``backlog`` weeks later, never outside the
window of weeks planned and never more in a week than its capacity. The mix to choose is
the one that builds the most units, i.e. uses the most capacity.

``ahead`` is the stretch factor read physically: the band radius of
:func:`dtwcore.distance.band_radius` over the weeks planned (0.05 x 52 weeks -> 2 weeks).

* :func:`plan_mix` chooses the mix and returns a :class:`MixPlan` (what to build when);
* :func:`is_feasible` is the exact check of a set of weekly dues (earliest-due-date
  building, independent of the search) and :func:`check_plan` checks a plan's schedule.

The search is a greedy fill followed by swaps (numba, :mod:`dtwcore.sales._mix_kernels`),
started from two orders (the linear-programming relaxation's, then largest products
first), then seeded restarts; it stops once within 0.1 point of the relaxation's bound and
never returns a mix that does not fit. The same problem always gives the same mix; the
schedule is exact (least backlog, then least stock). ``solver="polish"`` hands its answer
to the HiGHS MILP solver (``highspy``) as a start, with a time limit; ``solver="highs"``
runs HiGHS alone (the benchmark's peer). Negative demand (returns) counts as 0: returns do
not free capacity.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp
from numpy.typing import ArrayLike
from scipy.optimize import linprog

from dtwcore.distance import band_radius
from dtwcore.sales._mix_kernels import box_least_squares, greedy_fill, late_week, swap_improve
from dtwcore.sales.catalog import Catalog
from dtwcore.sales.facts import DEFAULT_STRETCH

__all__ = [
    "MIX_COLUMNS",
    "PLAN_COLUMNS",
    "SHARE_STEPS",
    "MixPlan",
    "check_plan",
    "is_feasible",
    "plan_mix",
]

Solver = Literal["heuristic", "polish", "highs"]
# Shares of a product's demand the planner may choose (1 = whole products only).
SHARE_STEPS = (1.0, 0.5, 0.25)
MIX_COLUMNS = ["product", "share", "units", "weeks_ahead"]
PLAN_COLUMNS = ["week", "capacity", "built", "stock", "backlog", "idle"]
# Relative tolerances (of the capacity's total) of the search's sums and of the checks'.
_RTOL = 1e-9
_CHECK_RTOL = 1e-6
_SWAP_PASSES = 50
# Products tried in place of each chosen one, per pass (the most units first): all of a
# small catalogue, fewer of a big one (this many demand numbers / products x weeks, at
# least the minimum).
_SWAP_WORK = 1e8
_MIN_SWAP_TRIES = 256
# Perturbed restarts of the search: about this many demand numbers handled in all
# (products x weeks x restarts), within these bounds.
_RESTART_WORK = 2e7
_MIN_RESTARTS = 10
_MAX_RESTARTS = 200
_CLOSE_ENOUGH = 1e-3  # of capacity
# The fractional ideal's solver: at most this many steps, until shares move less than this.
# (fewer steps for big catalogues: about _IDEAL_WORK demand numbers handled in all).
_IDEAL_ITERATIONS = 2000
_IDEAL_WORK = 5e8
_IDEAL_STEP = 1e-7


@dataclass(frozen=True)
class MixPlan:
    """A product mix and the schedule that builds it.

    Attributes
    ----------
    weeks : list[str]
        Labels of the weeks planned, oldest first (T of them).
    capacity : np.ndarray [shape=(T,), float64]
        Units the line can build each week.
    products : np.ndarray [shape=(n,), str]
        Codes of the chosen products, most units first.
    shares : np.ndarray [shape=(n,), float64]
        Share of each chosen product's demand that is built (1 for a whole product).
    demand : np.ndarray [shape=(n, T), float64]
        Units of each chosen product due each week (its demand times its share).
    built : np.ndarray [shape=(n, T), float64]
        Units of each chosen product built each week.
    ahead, backlog : int
        Weeks a unit may be built before / after the week it is due.
    ideal : np.ndarray [shape=(T,), float64]
        Weekly units of the fractional ideal: any share of every allowed product, chosen by
        bounded least squares to follow the capacity week by week (no building ahead).
    ideal_utilisation : float
        Capacity the ideal covers, ``sum(min(ideal, capacity)) / sum(capacity)``.
    upper_bound : float
        The most capacity any mix could use (the linear-programming relaxation: shares of
        any size, building ahead and late as allowed); the plan's utilisation is at most
        this.
    solver : str
        ``"heuristic"``, ``"polish"`` or ``"highs"``.
    proven_optimal : bool
        True when HiGHS proved that no mix uses more capacity.
    seconds : float
        Wall time of the search.
    """

    weeks: list[str]
    capacity: np.ndarray
    products: np.ndarray
    shares: np.ndarray
    demand: np.ndarray
    built: np.ndarray
    ahead: int
    backlog: int
    ideal: np.ndarray
    ideal_utilisation: float
    upper_bound: float
    solver: str
    proven_optimal: bool
    seconds: float

    @property
    def units(self) -> np.ndarray:
        """Units of each chosen product built in the window [shape=(n,)]."""
        return self.built.sum(axis=1)

    @property
    def built_per_week(self) -> np.ndarray:
        """Units built each week, all products together [shape=(T,)]."""
        return self.built.sum(axis=0)

    @property
    def idle(self) -> np.ndarray:
        """Capacity left unused each week, in units [shape=(T,)]."""
        return np.maximum(self.capacity - self.built_per_week, 0.0)

    @property
    def stock(self) -> np.ndarray:
        """Units built ahead and held at the end of each week [shape=(T,)]."""
        return self._carried()[0]

    @property
    def late(self) -> np.ndarray:
        """Units due but not yet built at the end of each week (backlog) [shape=(T,)]."""
        return self._carried()[1]

    @property
    def weeks_ahead(self) -> np.ndarray:
        """How far ahead of its due week each product is built, in weeks: the mean over its
        units (negative when built late on average) [shape=(n,)]."""
        weeks = np.arange(len(self.weeks), dtype=np.float64)
        units = self.units
        lead = self.demand @ weeks - self.built @ weeks
        return np.divide(lead, units, out=np.zeros_like(units), where=units > 0)

    @property
    def utilisation(self) -> float:
        """Units built over capacity, between 0 and 1 (0 when there is no capacity)."""
        total = float(self.capacity.sum())
        return float(self.built.sum()) / total if total > 0 else 0.0

    def _carried(self) -> tuple[np.ndarray, np.ndarray]:
        """Per week, units held ahead and units owed, product by product."""
        gap = np.cumsum(self.built, axis=1) - np.cumsum(self.demand, axis=1)
        return np.maximum(gap, 0.0).sum(axis=0), np.maximum(-gap, 0.0).sum(axis=0)

    def products_frame(self) -> pd.DataFrame:
        """One row per chosen product: :data:`MIX_COLUMNS`."""
        return pd.DataFrame(
            {
                "product": self.products.astype(str),
                "share": self.shares,
                "units": self.units,
                "weeks_ahead": self.weeks_ahead,
            },
            columns=MIX_COLUMNS,
        )

    def weeks_frame(self) -> pd.DataFrame:
        """One row per week: :data:`PLAN_COLUMNS` (all in units)."""
        return pd.DataFrame(
            {
                "week": list(self.weeks),
                "capacity": self.capacity,
                "built": self.built_per_week,
                "stock": self.stock,
                "backlog": self.late,
                "idle": self.idle,
            },
            columns=PLAN_COLUMNS,
        )


def is_feasible(demand: ArrayLike, capacity: ArrayLike, *, ahead: int, backlog: int = 0) -> bool:
    """Whether weekly dues can all be built in their windows without exceeding capacity.

    Exact: builds earliest-due-date first, each week as much as capacity allows, from the
    units whose window is open (due within ``ahead`` weeks); fails when a unit is still
    unbuilt after its last week (``backlog`` weeks after it is due, at most the last week).
    This is written for checking, apart from the search's kernels.

    Parameters
    ----------
    demand : array [shape=(T,) or (n, T)]
        Units due per week (rows are summed), 0 or more.
    capacity : array [shape=(T,)]
        Units the line can build per week.
    ahead, backlog : int
        Weeks a unit may be built before / after its due week.

    Returns
    -------
    bool
    """
    due = np.asarray(demand, dtype=np.float64)
    due = due.sum(axis=0) if due.ndim == 2 else due
    cap = np.asarray(capacity, dtype=np.float64)
    if due.shape != cap.shape:
        raise ValueError(f"The demand has {due.shape[-1]} weeks and the capacity {cap.size}.")
    tol = _CHECK_RTOL * max(1.0, float(np.abs(cap).sum()), float(np.abs(due).sum()))
    n = cap.size
    waiting: deque[list[float]] = deque()  # [due week, units still to build], by due week
    released = 0
    for week in range(n):
        while released < n and released - ahead <= week:
            if due[released] > 0:
                waiting.append([released, float(due[released])])
            released += 1
        left = float(cap[week])
        while waiting and left > 0:
            take = min(left, waiting[0][1])
            waiting[0][1] -= take
            left -= take
            if waiting[0][1] <= tol:
                waiting.popleft()
        if any(u > tol and (w + backlog <= week or week == n - 1) for w, u in waiting):
            return False
    return True


def check_plan(plan: MixPlan) -> None:
    """Raise ValueError when the plan's schedule breaks a rule, saying which.

    Rules: every chosen unit is built, none in a week over capacity, none more than
    ``ahead`` weeks before its due week or more than ``backlog`` weeks after it (units of
    one product are built in the order they are due).
    """
    tol = _CHECK_RTOL * max(1.0, float(plan.capacity.sum()))
    if plan.built.min(initial=0.0) < -tol:
        raise ValueError("The plan builds a negative number of units.")
    over = plan.built.sum(axis=0) - plan.capacity
    if over.max(initial=0.0) > tol:
        week = int(np.argmax(over))
        raise ValueError(f"Week {plan.weeks[week]} is over capacity by {over[week]:.6g} units.")
    unbuilt = np.abs(plan.built.sum(axis=1) - plan.demand.sum(axis=1))
    if unbuilt.max(initial=0.0) > tol:
        raise ValueError(f"Product {plan.products[int(np.argmax(unbuilt))]} is not fully built.")
    n = len(plan.weeks)
    made = np.cumsum(plan.built, axis=1)
    dues = np.cumsum(plan.demand, axis=1)
    for t in range(n):
        # By the end of week t: no more built than is due by t + ahead, and all that was
        # due by t - backlog built.
        early = made[:, t] - dues[:, min(n - 1, t + plan.ahead)]
        if early.max(initial=0.0) > tol:
            product = plan.products[int(np.argmax(early))]
            raise ValueError(f"Product {product} is built too early by week {plan.weeks[t]}.")
        if t - plan.backlog >= 0:
            owed = dues[:, t - plan.backlog] - made[:, t]
            if owed.max(initial=0.0) > tol:
                product = plan.products[int(np.argmax(owed))]
                raise ValueError(f"Product {product} is built too late by week {plan.weeks[t]}.")


@dataclass
class _Problem:
    """The mix problem after validation: allowed products only, in units of the window."""

    ids: np.ndarray  # (m,) codes of the products that may be chosen
    values: np.ndarray  # (m, T) weekly demand, 0 or more
    totals: np.ndarray  # (m,) units over the window
    pinned: np.ndarray  # (m,) bool, must be chosen whole
    capacity: np.ndarray  # (T,)
    weeks: list[str]
    ahead: int
    backlog: int
    q: int  # levels per product: a share is a multiple of 1 / q
    max_count: int
    tol: float

    @property
    def cap_total(self) -> float:
        return float(self.capacity.sum())


def plan_mix(
    catalog: Catalog,
    capacity: ArrayLike,
    *,
    stretch: float | None = None,
    ahead: int | None = None,
    backlog: int = 0,
    window: tuple[int, int] | None = None,
    include: Iterable[str] = (),
    exclude: Iterable[str] = (),
    max_products: int | None = None,
    share_step: float = 1.0,
    solver: Solver = "heuristic",
    time_limit: float = 10.0,
) -> MixPlan:
    """Choose the products whose demand fills the capacity best, and when to build them.

    Parameters
    ----------
    catalog : Catalog
        The reader's output (any layout): ``values`` [shape=(N, W)] weekly units.
    capacity : array [shape=(T,)]
        Units the line can build each week of the window, 0 or more.
    stretch : float in [0, 1], optional
        Build-ahead as the stretch factor: ``floor(stretch x T)`` weeks (the band rule);
        by default :data:`~dtwcore.sales.facts.DEFAULT_STRETCH` unless ``ahead`` is given.
    ahead : int, optional
        Build-ahead in weeks, instead of ``stretch``.
    backlog : int
        Weeks a unit may be built after its due week (0: never late).
    window : (first, stop), optional
        The catalogue's weeks ``first .. stop - 1`` are planned; ``stop - first`` must be
        T. By default all weeks, and then W must be T.
    include, exclude : iterables of product codes
        Products that must be chosen whole / must not be chosen.
    max_products : int, optional
        Most products in the mix (pins included).
    share_step : float, one of :data:`SHARE_STEPS`
        Smallest share of a product's demand that may be chosen (1: whole products only).
    solver : "heuristic", "polish" or "highs"
        The fast search alone; the search and then HiGHS from its answer; HiGHS alone.
    time_limit : float
        Seconds HiGHS may take ("polish" and "highs").

    Returns
    -------
    MixPlan, whose schedule passes :func:`check_plan`.

    Raises
    ------
    ValueError in plain words: unknown or contradictory pins, a capacity that does not
    match the window, must-include products that cannot be built together, and so on.

    Examples
    --------
    >>> from dtwcore.sales import BLOG_TARGET, load_catalog
    >>> plan = plan_mix(load_catalog("data/sales/Sales_Transactions_Dataset_Weekly.csv"),
    ...                 BLOG_TARGET)  # doctest: +SKIP
    >>> round(plan.utilisation, 3)  # doctest: +SKIP
    1.0
    """
    started = time.perf_counter()
    problem = _problem(
        catalog, capacity, stretch, ahead, backlog, window, include, exclude,
        max_products, share_step,
    )  # fmt: skip
    bound, relaxed = _relaxation(problem)
    if solver == "highs":
        levels, optimal = _milp(problem, None, time_limit)
        if levels is None:
            levels = _pinned_levels(problem)
    elif solver in ("heuristic", "polish"):
        levels = _search(problem, relaxed, bound)
        optimal = False
        if solver == "polish":
            found, optimal = _milp(problem, levels, time_limit)
            if found is not None and _units(problem, found) > _units(problem, levels):
                levels = found
    else:
        raise ValueError(f"solver must be 'heuristic', 'polish' or 'highs', got {solver!r}.")
    seconds = time.perf_counter() - started
    ideal, ideal_use = _ideal(problem)
    return _plan(problem, levels, bound, ideal, ideal_use, solver, optimal, seconds)


def _problem(
    catalog: Catalog,
    capacity: ArrayLike,
    stretch: float | None,
    ahead: int | None,
    backlog: int,
    window: tuple[int, int] | None,
    include: Iterable[str],
    exclude: Iterable[str],
    max_products: int | None,
    share_step: float,
) -> _Problem:
    """Validate the inputs; keep the products that may be chosen and can fit alone."""
    try:
        cap = np.asarray(capacity, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        raise ValueError("The capacity must be numbers, one per week.") from None
    if not np.all(np.isfinite(cap)):
        raise ValueError("The capacity has a week that is empty or not a finite number.")
    if cap.min(initial=0.0) < 0:
        week = int(np.argmin(cap))
        raise ValueError(f"The capacity of week {week} is negative ({cap[week]:g} units).")
    values = np.asarray(catalog.values, dtype=np.float64)
    weeks = list(catalog.weeks)
    if window is None:
        if values.shape[1] != cap.size:
            raise ValueError(
                f"The catalogue has {values.shape[1]} weeks and the capacity {cap.size}; "
                f"choose which {cap.size} weeks of the catalogue to plan."
            )
        first, stop = 0, values.shape[1]
    else:
        first, stop = (int(w) for w in window)
        if not 0 <= first < stop <= values.shape[1]:
            raise ValueError(
                f"The window of weeks {first} to {stop - 1} is not inside the catalogue's "
                f"{values.shape[1]} weeks."
            )
        if stop - first != cap.size:
            raise ValueError(
                f"The window has {stop - first} weeks and the capacity {cap.size}; they "
                "must be the same."
            )
    n_weeks = cap.size
    if stretch is not None and ahead is not None:
        raise ValueError("Give the build-ahead as a stretch factor or in weeks, not both.")
    if stretch is None and ahead is None:
        stretch = DEFAULT_STRETCH
    k = band_radius(n_weeks, stretch=stretch, window=ahead)
    if isinstance(backlog, bool) or not isinstance(backlog, (int, np.integer)) or backlog < 0:
        raise ValueError(
            f"The backlog must be a whole number of weeks, 0 or more, not {backlog!r}."
        )
    if share_step not in SHARE_STEPS:
        steps = ", ".join(f"{s:g}" for s in SHARE_STEPS)
        raise ValueError(f"The share step must be one of {steps}, not {share_step!r}.")
    q = round(1.0 / share_step)
    ids = np.asarray(catalog.ids).astype(str)
    known = set(ids.tolist())
    must = list(dict.fromkeys(str(c) for c in include))
    never = set(str(c) for c in exclude)
    for what, codes in (("include", must), ("exclude", sorted(never))):
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise ValueError(f"Cannot {what} {_names(unknown)}: not in the catalogue.")
    both = [c for c in must if c in never]
    if both:
        raise ValueError(f"{_names(both)} cannot be both included and excluded.")
    if max_products is not None and (isinstance(max_products, bool) or max_products < 1):
        raise ValueError(f"The maximum number of products must be 1 or more, not {max_products!r}.")
    max_count = len(ids) if max_products is None else int(max_products)
    if len(must) > max_count:
        raise ValueError(
            f"{len(must)} products must be included but at most {max_count} may be chosen."
        )
    demand = np.maximum(values[:, first:stop], 0.0)
    tol = _RTOL * max(1.0, float(cap.sum()))
    pinned_rows = np.flatnonzero(np.isin(ids, must))
    pinned_load = demand[pinned_rows].sum(axis=0)
    rem = np.empty(n_weeks)
    late = late_week(pinned_load, cap, k, backlog, tol, rem)
    if late >= 0:
        label = weeks[first + late]
        raise ValueError(
            f"The products that must be included ({_names(must)}) need more than the "
            f"capacity: their units due in week {label} cannot be built in time with "
            f"{k} week{'s' if k != 1 else ''} of building ahead and {backlog} of backlog. "
            "Include fewer products, or allow more building ahead or backlog."
        )
    totals = demand.sum(axis=1)
    allowed = np.isin(ids, must) | (~np.isin(ids, list(never)) & (totals > tol))
    for i in np.flatnonzero(allowed & ~np.isin(ids, must)):
        # A product whose smallest share cannot be built even alone is never chosen.
        if late_week(demand[i] / q, cap, k, backlog, tol, rem) >= 0:
            allowed[i] = False
    return _Problem(
        ids=ids[allowed],
        values=np.ascontiguousarray(demand[allowed]),
        totals=totals[allowed],
        pinned=np.isin(ids[allowed], must),
        capacity=cap,
        weeks=[str(w) for w in weeks[first:stop]],
        ahead=k,
        backlog=int(backlog),
        q=q,
        max_count=max_count,
        tol=tol,
    )


def _names(codes: Sequence[str]) -> str:
    """Codes in a sentence: 'P1', 'P1 and P2', 'P1, P2 and 3 more'."""
    codes = list(codes)
    if len(codes) <= 2:
        return " and ".join(codes)
    if len(codes) <= 4:
        return ", ".join(codes[:-1]) + f" and {codes[-1]}"
    return ", ".join(codes[:3]) + f" and {len(codes) - 3} more"


def _pinned_levels(problem: _Problem) -> np.ndarray:
    """Levels with only the must-include products chosen (whole)."""
    return np.where(problem.pinned, problem.q, 0).astype(np.int64)


def _units(problem: _Problem, levels: np.ndarray) -> float:
    return float(levels @ problem.totals) / problem.q


def _search(problem: _Problem, relaxed: np.ndarray, bound: float) -> np.ndarray:
    """Greedy fill and swaps from two orders, then perturbed restarts from the best.

    The starts: the relaxation's order (its whole products first: they fit together,
    since the relaxation does), then largest products first. Each restart takes out a few
    chosen products at random, fills greedily in a noisy largest-first order and swaps
    again; it is kept when it builds more units. The random generator is seeded, so the
    same problem gives the same mix. The search stops as soon as the mix is within
    :data:`_CLOSE_ENOUGH` of ``bound`` (the relaxation's utilisation, which no mix exceeds).
    """
    p = problem
    goal = (bound - _CLOSE_ENOUGH) * p.cap_total
    free = np.flatnonzero(~p.pinned)
    by_total = free[np.argsort(p.totals[free], kind="stable")]
    lp_first = free[np.lexsort((-p.totals[free], -np.round(relaxed[free], 6)))]
    largest_first = by_total[::-1].copy()
    best = _pinned_levels(p)
    for order in (lp_first, largest_first):
        levels = _improve(p, _pinned_levels(p), order, by_total, goal)
        if _units(p, levels) > _units(p, best) + p.tol:
            best = levels
        if _units(p, best) >= goal:
            return best
    rng = np.random.default_rng(0)
    restarts = int(np.clip(_RESTART_WORK / max(1, p.values.size), _MIN_RESTARTS, _MAX_RESTARTS))
    for _ in range(restarts):
        movable = np.flatnonzero((best > 0) & ~p.pinned)
        if movable.size == 0 or _units(p, best) >= goal:
            break
        levels = best.copy()
        out = rng.choice(movable, size=min(movable.size, int(rng.integers(1, 4))), replace=False)
        levels[out] = 0
        noisy = free[np.argsort(-p.totals[free] * rng.uniform(0.5, 1.5, free.size))]
        levels = _improve(p, levels, noisy, by_total, goal)
        if _units(p, levels) > _units(p, best) + p.tol:
            best = levels
    return best


def _improve(
    problem: _Problem, levels: np.ndarray, order: np.ndarray, by_total: np.ndarray, goal: float
) -> np.ndarray:
    """Greedy fill in ``order`` from ``levels`` (which must fit), then swaps until the
    units built reach ``goal`` or no swap helps."""
    p = problem
    levels = levels.astype(np.int64)
    load = np.ascontiguousarray((levels / p.q) @ p.values, dtype=np.float64)
    count = int((levels > 0).sum())
    args = (p.capacity, p.ahead, p.backlog, p.tol, p.max_count)
    count = greedy_fill(p.values, p.totals, p.q, order, levels, load, *args, count)
    if load.sum() < goal:
        swap_improve(
            p.values, p.totals, p.q, levels, load, *args, count, ~p.pinned, by_total,
            _SWAP_PASSES, max(_MIN_SWAP_TRIES, int(_SWAP_WORK // p.values.size)), goal,
        )  # fmt: skip
    return levels


def _model(problem: _Problem) -> dict:
    """The mix as a mixed-integer program, maximising utilisation.

    Columns: the level ``y_i`` of each product (0..q), with ``max_products`` and shares
    also a 0/1 ``z_i`` (chosen or not), then one flow ``f[t, s]`` per due week t and build
    week s of its window. Rows: for each due week, flows = units due; for each build week,
    flows <= capacity; and the count of chosen products <= max_products.
    """
    p = problem
    m, n = p.values.shape
    pairs = [
        (t, s) for t in range(n) for s in range(max(0, t - p.ahead), min(n - 1, t + p.backlog) + 1)
    ]
    f_t = np.array([t for t, _ in pairs], dtype=np.int64)
    f_s = np.array([s for _, s in pairs], dtype=np.int64)
    counted = p.max_count < m
    with_z = counted and p.q > 1
    n_z = m if with_z else 0
    n_col = m + n_z + len(pairs)
    f0 = m + n_z
    scale = p.cap_total if p.cap_total > 0 else 1.0
    cost = np.zeros(n_col)
    cost[:m] = p.totals / p.q / scale
    # Rows 0..n-1: due weeks (equalities); n..2n-1: capacity.
    y_rows, y_cols = np.nonzero(p.values.T)
    y_vals = -p.values.T[y_rows, y_cols] / p.q
    rows = [y_rows, f_t, n + f_s]
    cols = [y_cols, f0 + np.arange(len(pairs)), f0 + np.arange(len(pairs))]
    vals = [y_vals, np.ones(len(pairs)), np.ones(len(pairs))]
    lower = [np.zeros(n), np.full(n, -np.inf)]
    upper = [np.zeros(n), p.capacity]
    n_row = 2 * n
    if with_z:
        # y_i - q z_i <= 0, one row each, then sum z <= max_products.
        idx = np.arange(m)
        rows += [n_row + idx, n_row + idx, np.full(m, n_row + m)]
        cols += [idx, m + idx, m + idx]
        vals += [np.ones(m), np.full(m, -float(p.q)), np.ones(m)]
        lower += [np.full(m, -np.inf), [-np.inf]]
        upper += [np.zeros(m), [float(p.max_count)]]
        n_row += m + 1
    elif counted:
        rows.append(np.full(m, n_row))
        cols.append(np.arange(m))
        vals.append(np.ones(m))
        lower.append([-np.inf])
        upper.append([float(p.max_count)])
        n_row += 1
    matrix = sp.csc_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(n_row, n_col),
    )
    col_lower = np.zeros(n_col)
    col_upper = np.full(n_col, np.inf)
    col_upper[:m] = p.q
    col_lower[:m] = np.where(p.pinned, p.q, 0)
    col_upper[m : m + n_z] = 1.0
    col_lower[m : m + n_z] = np.where(p.pinned, 1.0, 0.0) if with_z else 0.0
    integrality = np.zeros(n_col, dtype=np.int64)
    integrality[: m + n_z] = 1
    return {
        "cost": cost,
        "matrix": matrix,
        "row_lower": np.concatenate([np.asarray(x, dtype=np.float64) for x in lower]),
        "row_upper": np.concatenate([np.asarray(x, dtype=np.float64) for x in upper]),
        "col_lower": col_lower,
        "col_upper": col_upper,
        "integrality": integrality,
        "n_levels": m,
        "n_z": n_z,
    }


def _relaxation(problem: _Problem) -> tuple[float, np.ndarray]:
    """The linear-programming relaxation: its utilisation (an upper bound on any mix's)
    and each product's share in it [shape=(m,)]."""
    p = problem
    m = p.values.shape[0]
    if m == 0 or p.cap_total <= 0:
        return 0.0, np.zeros(m)
    model = _model(p)
    matrix = model["matrix"].tocsr()
    lo, hi = model["row_lower"], model["row_upper"]
    eq = lo == hi
    ub = ~eq
    a_ub = sp.vstack([matrix[ub & np.isfinite(hi)], -matrix[ub & np.isfinite(lo)]])
    b_ub = np.concatenate([hi[ub & np.isfinite(hi)], -lo[ub & np.isfinite(lo)]])
    result = linprog(
        -model["cost"],
        A_ub=a_ub,
        b_ub=b_ub,
        A_eq=matrix[eq],
        b_eq=lo[eq],
        bounds=np.column_stack([model["col_lower"], model["col_upper"]]),
        method="highs",
    )
    if result.status != 0:
        return 1.0, np.zeros(m)
    return min(1.0, -float(result.fun)), np.asarray(result.x[:m]) / p.q


@contextlib.contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    """Send what C code prints to standard output to standard error instead (HiGHS prints
    a banner when its first solver is made; standard output may be the command's CSV)."""
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def _milp(
    problem: _Problem, start: np.ndarray | None, seconds: float
) -> tuple[np.ndarray | None, bool]:
    """HiGHS on :func:`_model`, from ``start`` (levels) when given, for at most ``seconds``.

    Returns the best levels it found (None if none, or if they do not fit by the exact
    check) and whether it proved them optimal.
    """
    import highspy

    p = problem
    m = p.values.shape[0]
    if m == 0 or p.cap_total <= 0:
        return _pinned_levels(p), True
    model = _model(p)
    with _stdout_to_stderr():
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(seconds))
    h.setOptionValue("mip_rel_gap", 1e-6)
    lp = highspy.HighsLp()
    lp.sense_ = highspy.ObjSense.kMaximize
    matrix = model["matrix"]
    lp.num_col_, lp.num_row_ = matrix.shape[1], matrix.shape[0]
    lp.col_cost_ = model["cost"]
    lp.col_lower_ = model["col_lower"]
    lp.col_upper_ = np.minimum(model["col_upper"], highspy.kHighsInf)
    lp.row_lower_ = np.maximum(model["row_lower"], -highspy.kHighsInf)
    lp.row_upper_ = np.minimum(model["row_upper"], highspy.kHighsInf)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = matrix.indptr.astype(np.int32)
    lp.a_matrix_.index_ = matrix.indices.astype(np.int32)
    lp.a_matrix_.value_ = matrix.data.astype(np.float64)
    kinds = [highspy.HighsVarType.kContinuous, highspy.HighsVarType.kInteger]
    lp.integrality_ = [kinds[int(k)] for k in model["integrality"]]
    h.passModel(lp)
    if start is not None:
        index = np.arange(m + model["n_z"], dtype=np.int32)
        value = np.concatenate([start, (start[: model["n_z"]] > 0)]).astype(np.float64)
        h.setSolution(int(index.size), index, value)
    h.run()
    status = h.getModelStatus()
    info = h.getInfo()
    if info.primal_solution_status != 2:  # no feasible solution found
        return None, False
    levels = np.rint(np.asarray(h.getSolution().col_value[:m])).astype(np.int64)
    levels = np.clip(levels, 0, p.q)
    load = np.ascontiguousarray((levels / p.q) @ p.values, dtype=np.float64)
    rem = np.empty(load.size)
    if late_week(load, p.capacity, p.ahead, p.backlog, p.tol, rem) >= 0:
        return None, False
    return levels, status == highspy.HighsModelStatus.kOptimal


def _ideal(problem: _Problem) -> tuple[np.ndarray, float]:
    """The fractional ideal: shares in [0, 1] of the allowed products (pins whole) whose
    weekly sum is nearest the capacity in least squares; its curve and utilisation.

    Bounded least squares by accelerated projected gradient (FISTA), until the shares move
    less than :data:`_IDEAL_STEP` or after :data:`_IDEAL_ITERATIONS` steps (fewer for a
    catalogue of more than :data:`_IDEAL_WORK` / 2,000 numbers), in numba: a catalogue has
    far more products than weeks, and each step is two matrix-vector products of T x m,
    where active-set solvers (``scipy.optimize.lsq_linear``) take seconds on 800 products.
    The curve is a close approximation, not a certificate: :attr:`MixPlan.upper_bound` is
    the bound.
    """
    p = problem
    fixed = p.values[p.pinned].sum(axis=0)
    a = np.ascontiguousarray(p.values[~p.pinned].T)  # (T, m')
    at = np.ascontiguousarray(a.T)
    goal = p.capacity - fixed
    curve = fixed.copy()
    if a.shape[1]:
        lipschitz = float(np.linalg.eigvalsh(a @ at)[-1])
        if lipschitz > 0:
            steps = int(min(_IDEAL_ITERATIONS, _IDEAL_WORK // a.size))
            curve = curve + a @ box_least_squares(a, at, goal, lipschitz, steps, _IDEAL_STEP)
    use = float(np.minimum(curve, p.capacity).sum()) / p.cap_total if p.cap_total > 0 else 0.0
    return curve, use


def _plan(
    problem: _Problem,
    levels: np.ndarray,
    bound: float,
    ideal: np.ndarray,
    ideal_use: float,
    solver: str,
    optimal: bool,
    seconds: float,
) -> MixPlan:
    """The chosen products and a schedule: each unit as near its due week as possible
    (a late week costs more than all the stock of a unit's window), split among the
    products due the same week in turn."""
    p = problem
    chosen = np.flatnonzero(levels > 0)
    chosen = chosen[np.lexsort((chosen, -levels[chosen] * p.totals[chosen]))]
    shares = levels[chosen] / p.q
    demand = p.values[chosen] * shares[:, None]
    built = _schedule(demand, p.capacity, p.ahead, p.backlog)
    return MixPlan(
        weeks=p.weeks,
        capacity=p.capacity.copy(),
        products=p.ids[chosen],
        shares=shares,
        demand=demand,
        built=built,
        ahead=p.ahead,
        backlog=p.backlog,
        ideal=ideal,
        ideal_utilisation=ideal_use,
        upper_bound=max(bound, float(demand.sum()) / p.cap_total if p.cap_total > 0 else 0.0),
        solver=solver,
        proven_optimal=optimal,
        seconds=seconds,
    )


def _schedule(demand: np.ndarray, capacity: np.ndarray, ahead: int, backlog: int) -> np.ndarray:
    """Units of each product built each week [shape=(n, T)] for dues that fit.

    As little late as possible, then as little stock as possible. With ``D(s)`` the units
    due by the end of week s and ``E(s)`` the most that can be built by then
    (``min(E(s-1) + capacity(s), D(s + ahead))``), the units built by the end of week s
    are the least that keeps every week within capacity, owes no more than the least
    possible backlog (``D(s) - min(D(s), E(s))``) and nothing due by ``s - backlog``. Units
    are then built in the order they are due (the products due the same week in turn).
    """
    n_prod, n = demand.shape
    built = np.zeros((n_prod, n))
    due = np.cumsum(demand.sum(axis=0))
    if n_prod == 0 or due[-1] <= 0:
        return built
    most = np.empty(n)
    for s in range(n):
        most[s] = min((most[s - 1] if s else 0.0) + capacity[s], due[min(n - 1, s + ahead)])
    made = np.empty(n)
    made[-1] = due[-1]
    for s in range(n - 2, -1, -1):
        owed = due[s - backlog] if s >= backlog else 0.0
        made[s] = max(made[s + 1] - capacity[s + 1], min(due[s], most[s]), owed)
    made_before = np.concatenate([[0.0], made[:-1]])
    due_before = np.concatenate([[0.0], due[:-1]])
    for t in range(n):
        weeks = np.arange(max(0, t - ahead), min(n - 1, t + backlog) + 1)
        pieces = due_before[t] + np.concatenate([[0.0], np.cumsum(demand[:, t])])
        lo = np.maximum(pieces[:-1, None], made_before[None, weeks])
        hi = np.minimum(pieces[1:, None], made[None, weeks])
        built[:, weeks] += np.maximum(hi - lo, 0.0)
    return built
