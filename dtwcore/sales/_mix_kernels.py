"""numba loops of the product-mix search (see :mod:`dtwcore.sales.mix`).

Everything here works on the aggregate weekly load (units due per week, summed over the
chosen products) and knows nothing about product codes, files or pandas. A product ``i``
chosen at level ``l`` of ``q`` contributes ``l / q * values[i]`` to the load.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def late_week(
    load: np.ndarray,
    capacity: np.ndarray,
    ahead: int,
    backlog: int,
    tol: float,
    rem: np.ndarray,
) -> int:
    """First due week whose units cannot all be built in time; -1 when all can.

    Earliest-due-date building, as early as the window allows: a unit due in week t may be
    built from week ``t - ahead`` to week ``min(t + backlog, T - 1)``. With windows that
    open and close in the order of the due weeks this is exact. ``rem`` is a work buffer
    of shape ``(T,)``.
    """
    n = load.shape[0]
    for t in range(n):
        rem[t] = load[t]
    head = 0
    for s in range(n):
        c = capacity[s]
        hi = min(n - 1, s + ahead)
        while head <= hi and c > 0.0:
            if rem[head] <= c:
                c -= rem[head]
                rem[head] = 0.0
                head += 1
            else:
                rem[head] -= c
                c = 0.0
        while head < n and rem[head] <= tol:
            head += 1
        due = s - backlog if s < n - 1 else n - 1
        if head <= due:
            return head
    return -1


@njit(cache=True)
def _fits(
    load: np.ndarray,
    row: np.ndarray,
    step: float,
    capacity: np.ndarray,
    ahead: int,
    backlog: int,
    tol: float,
    trial: np.ndarray,
    rem: np.ndarray,
) -> bool:
    """Whether ``load + step * row`` can be built; ``trial`` holds that sum afterwards."""
    for t in range(load.shape[0]):
        trial[t] = load[t] + step * row[t]
    return late_week(trial, capacity, ahead, backlog, tol, rem) < 0


@njit(cache=True)
def greedy_fill(
    values: np.ndarray,
    totals: np.ndarray,
    q: int,
    order: np.ndarray,
    levels: np.ndarray,
    load: np.ndarray,
    capacity: np.ndarray,
    ahead: int,
    backlog: int,
    tol: float,
    max_count: int,
    count: int,
) -> int:
    """Raise each product of ``order`` to the highest level that still fits, in turn.

    ``levels`` and ``load`` are updated in place; returns the number of products chosen.
    """
    n = load.shape[0]
    trial = np.empty(n)
    rem = np.empty(n)
    idle = capacity.sum() - load.sum()
    for i in order:
        cur = levels[i]
        if cur >= q or (cur == 0 and count >= max_count):
            continue
        for lv in range(q, cur, -1):
            step = (lv - cur) / q
            if step * totals[i] > idle + tol:
                continue
            if _fits(load, values[i], step, capacity, ahead, backlog, tol, trial, rem):
                load[:] = trial
                idle -= step * totals[i]
                if cur == 0:
                    count += 1
                levels[i] = lv
                break
    return count


@njit(cache=True)
def swap_improve(
    values: np.ndarray,
    totals: np.ndarray,
    q: int,
    levels: np.ndarray,
    load: np.ndarray,
    capacity: np.ndarray,
    ahead: int,
    backlog: int,
    tol: float,
    max_count: int,
    count: int,
    movable: np.ndarray,
    by_total: np.ndarray,
    max_passes: int,
    max_tries: int,
    goal: float,
) -> int:
    """Swap a chosen product for one that adds more units, while any swap helps.

    For each chosen, movable product i (in turn), the products j whose level can rise by
    more units than i's and no more than i's units plus the idle capacity are tried, the
    most units first, at most ``max_tries`` of them; the first swap that fits is taken.
    After each pass the free capacity is filled greedily again. Stops once the load
    reaches ``goal`` units. ``by_total`` lists the products that may be chosen, by total
    units ascending. Returns the number of products chosen.
    """
    n = load.shape[0]
    trial = np.empty(n)
    rem = np.empty(n)
    base = np.empty(n)
    sorted_totals = totals[by_total]
    cap_total = capacity.sum()
    descending = by_total[::-1].copy()
    for _ in range(max_passes):
        improved = False
        for i in range(values.shape[0]):
            if levels[i] == 0 or not movable[i]:
                continue
            built = load.sum()
            idle = cap_total - built
            if idle <= tol or built >= goal:
                return count
            out = levels[i] / q
            removed = out * totals[i]
            for t in range(n):
                base[t] = load[t] - out * values[i, t]
            lo = np.searchsorted(sorted_totals, removed + tol, side="right")
            hi = np.searchsorted(sorted_totals, q * (removed + idle) + tol, side="right")
            done = False
            for pos in range(hi - 1, max(lo, hi - max_tries) - 1, -1):
                j = by_total[pos]
                cur = levels[j]
                if j == i or cur >= q:
                    continue
                for lv in range(q, cur, -1):
                    step = (lv - cur) / q
                    added = step * totals[j]
                    if added <= removed + tol:
                        break
                    if added > removed + idle + tol:
                        continue
                    if _fits(base, values[j], step, capacity, ahead, backlog, tol, trial, rem):
                        load[:] = trial
                        levels[i] = 0
                        if cur == 0:
                            count += 1
                        count -= 1
                        levels[j] = lv
                        done = True
                        break
                if done:
                    improved = True
                    break
        count = greedy_fill(
            values, totals, q, descending, levels, load, capacity, ahead, backlog, tol,
            max_count, count,
        )  # fmt: skip
        if not improved:
            break
    return count


@njit(cache=True, fastmath=True)
def box_least_squares(
    a: np.ndarray, at: np.ndarray, goal: np.ndarray, lipschitz: float, steps: int, tol: float
) -> np.ndarray:
    """Shares x in [0, 1] that make ``a @ x`` nearest ``goal`` in least squares (FISTA).

    ``a`` [shape=(T, m)] and ``at``, its transpose, both C-contiguous; ``lipschitz`` at
    least the largest eigenvalue of ``a @ at``. Stops after ``steps`` steps or once no
    share moves by ``tol`` or more. Returns x [shape=(m,)].
    """
    n, m = a.shape
    x = np.zeros(m)
    y = np.zeros(m)
    r = np.empty(n)
    t = 1.0
    for _ in range(steps):
        for k in range(n):
            s = -goal[k]
            for i in range(m):
                s += a[k, i] * y[i]
            r[k] = s
        t_new = (1.0 + np.sqrt(1.0 + 4.0 * t * t)) / 2.0
        beta = (t - 1.0) / t_new
        t = t_new
        move = 0.0
        for i in range(m):
            g = 0.0
            for k in range(n):
                g += at[i, k] * r[k]
            x_new = min(1.0, max(0.0, y[i] - g / lipschitz))
            d = x_new - x[i]
            move = max(move, abs(d))
            x[i] = x_new
            y[i] = x_new + beta * d
        if move < tol:
            break
    return x
