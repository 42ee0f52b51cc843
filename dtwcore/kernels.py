"""numba-compiled DTW kernels (private).

The kernels know nothing about pandas, files or MLflow: arrays in, arrays out. They are
vectorised *across series*: a block of ``LANES`` candidate series is transposed into a
small buffer so that every dynamic-programming cell is updated for all lanes at once with
SIMD instructions, and blocks run in parallel over the machine's cores.

Conventions shared by every kernel:

* Series are stored padded in 3-D arrays ``(count, max_length, dims)`` plus a length vector.
* Local cost is the squared Euclidean distance between frames; the kernels return the
  square root of the accumulated cost of the optimal path.
* A band is given per query as ``radius`` (``-1`` means no band). For a query of length
  ``n`` and a series of length ``m`` the allowed cells (0-based) satisfy
  ``-(radius + max(0, n - m)) <= j - i <= radius + max(0, m - n)``: the Sakoe-Chiba band,
  widened by the length difference on the side of the longer series so the end cell is
  always reachable (the dtaidistance convention).
"""

from __future__ import annotations

import numpy as np
from numba import get_num_threads, njit, prange

LANES = 32
_INF = np.inf


def chunks_for(n_tasks: int) -> int:
    """How many parallel chunks to split ``n_tasks`` tasks into (a few per thread)."""
    return max(1, min(n_tasks, 16 * get_num_threads()))


@njit(cache=True, inline="always")
def _band(n: int, m: int, radius: int) -> tuple[int, int]:
    """Return (lo, hi): allowed cells satisfy -lo <= j - i <= hi."""
    if radius < 0:
        return n, m
    lo = radius + max(0, n - m)
    hi = radius + max(0, m - n)
    return lo, hi


@njit(cache=True)
def _block(
    q: np.ndarray,
    n: int,
    radius: int,
    X: np.ndarray,
    xlen: np.ndarray,
    rows: np.ndarray,
    start: int,
    cnt: int,
    mean: np.ndarray,
    inv_std: np.ndarray,
    abandon_sq: float,
    out: np.ndarray,
    out_start: int,
    T: np.ndarray,
    prev: np.ndarray,
    cur: np.ndarray,
    cost: np.ndarray,
    rmin: np.ndarray,
    ints: np.ndarray,
) -> None:
    """DTW of one query against up to LANES series, all lanes updated together.

    q: (n_max, d) query, first ``n`` frames used. X: (N, m_max, d) padded series.
    rows: indices into X (empty means ``start + lane``). mean/inv_std: per-row
    normalisation applied while gathering (empty arrays mean none). Results (square root
    of the accumulated cost, or inf when abandoned) go to out[out_start + lane].
    """
    d = X.shape[2]
    lens = ints[0]
    lo_l = ints[1]
    hi_l = ints[2]
    normalise = mean.shape[0] > 0
    # Gather the block, transposed so the lane axis is innermost and contiguous.
    mblock = 0
    for lane in range(cnt):
        r = rows[start + lane] if rows.shape[0] > 0 else start + lane
        lens[lane] = xlen[r]
        if xlen[r] > mblock:
            mblock = xlen[r]
    for lane in range(cnt, LANES):
        lens[lane] = mblock
    for lane in range(cnt, LANES):
        T[:mblock, :, lane] = 0.0
    for lane in range(cnt):
        r = rows[start + lane] if rows.shape[0] > 0 else start + lane
        if normalise:
            mu = mean[r]
            s = inv_std[r]
            for j in range(lens[lane]):
                for k in range(d):
                    T[j, k, lane] = (X[r, j, k] - mu) * s
        else:
            for j in range(lens[lane]):
                for k in range(d):
                    T[j, k, lane] = X[r, j, k]

    uniform = True
    lo = 0
    hi = 0
    for lane in range(LANES):
        a, b = _band(n, lens[lane], radius)
        lo_l[lane] = a
        hi_l[lane] = b
        if lens[lane] != mblock:
            uniform = False
        lo = max(lo, a)
        hi = max(hi, b)

    # Only the first row needs initialising: later rows read just their own band plus
    # the two boundary cells that every row resets to inf.
    prev[0, :] = 0.0
    prev[1 : min(hi, mblock - 1) + 2, :] = _INF
    check = abandon_sq < _INF
    for i in range(n):
        jlo = max(0, i - lo)
        jhi = min(mblock - 1, i + hi)
        for lane in range(LANES):
            cur[jlo, lane] = _INF
            rmin[lane] = _INF
        if d == 1 and uniform:
            # Hot path (univariate, equal lengths): cost and recurrence fused.
            qi = q[i, 0]
            for j in range(jlo, jhi + 1):
                for lane in range(LANES):
                    diff = qi - T[j, 0, lane]
                    a = prev[j, lane]
                    b = prev[j + 1, lane]
                    c = cur[j, lane]
                    best = a if a < b else b
                    best = best if best < c else c
                    v = diff * diff + best
                    cur[j + 1, lane] = v
                    rmin[lane] = v if v < rmin[lane] else rmin[lane]
        else:
            for j in range(jlo, jhi + 1):
                for lane in range(LANES):
                    cost[lane] = 0.0
                for k in range(d):
                    qk = q[i, k]
                    for lane in range(LANES):
                        diff = qk - T[j, k, lane]
                        cost[lane] += diff * diff
                if not uniform:
                    for lane in range(LANES):
                        if j - i > hi_l[lane] or i - j > lo_l[lane]:
                            cost[lane] = _INF
                for lane in range(LANES):
                    a = prev[j, lane]
                    b = prev[j + 1, lane]
                    c = cur[j, lane]
                    best = a if a < b else b
                    best = best if best < c else c
                    v = cost[lane] + best
                    cur[j + 1, lane] = v
                    rmin[lane] = v if v < rmin[lane] else rmin[lane]
        if jhi + 2 <= mblock:
            for lane in range(LANES):
                cur[jhi + 2, lane] = _INF
        prev, cur = cur, prev
        if check:
            alive = False
            for lane in range(cnt):
                if rmin[lane] <= abandon_sq:
                    alive = True
            if not alive:
                for lane in range(cnt):
                    out[out_start + lane] = _INF
                return
    for lane in range(cnt):
        out[out_start + lane] = np.sqrt(prev[lens[lane], lane])


@njit(cache=True, parallel=True)
def batch_dtw(
    Q: np.ndarray,
    qlen: np.ndarray,
    qrad: np.ndarray,
    X: np.ndarray,
    xlen: np.ndarray,
    rows: np.ndarray,
    tasks: np.ndarray,
    mean: np.ndarray,
    inv_std: np.ndarray,
    abandon_sq: float,
    out: np.ndarray,
    n_chunks: int,
) -> None:
    """Run every task in parallel, in ``n_chunks`` chunks that each reuse one set of buffers.

    Q: (Nq, n_max, d) queries with lengths qlen and band radii qrad (-1 = none).
    tasks: (T, 4) int64 rows ``(query, start, count, out_start)``; each task compares one
    query with ``count <= LANES`` series (``rows[start:start+count]``, or
    ``start:start+count`` when rows is empty) and writes out[query, out_start + lane].
    """
    n_tasks = tasks.shape[0]
    for c in prange(n_chunks):
        T = np.empty((X.shape[1], X.shape[2], LANES))
        prev = np.empty((X.shape[1] + 1, LANES))
        cur = np.empty((X.shape[1] + 1, LANES))
        cost = np.empty(LANES)
        rmin = np.empty(LANES)
        ints = np.empty((3, LANES), dtype=np.int64)
        for t in range(c * n_tasks // n_chunks, (c + 1) * n_tasks // n_chunks):
            qi = tasks[t, 0]
            _block(
                Q[qi],
                qlen[qi],
                qrad[qi],
                X,
                xlen,
                rows,
                tasks[t, 1],
                tasks[t, 2],
                mean,
                inv_std,
                abandon_sq,
                out[qi],
                tasks[t, 3],
                T,
                prev,
                cur,
                cost,
                rmin,
                ints,
            )


@njit(cache=True)
def accumulated_cost(a: np.ndarray, b: np.ndarray, radius: int) -> np.ndarray:
    """Full accumulated squared-cost matrix D of shape (n + 1, m + 1), D[0, 0] = 0.

    Cells outside the band hold inf.
    """
    n = a.shape[0]
    m = b.shape[0]
    d = a.shape[1]
    lo, hi = _band(n, m, radius)
    D = np.full((n + 1, m + 1), _INF)
    D[0, 0] = 0.0
    for i in range(n):
        for j in range(max(0, i - lo), min(m - 1, i + hi) + 1):
            c = 0.0
            for k in range(d):
                diff = a[i, k] - b[j, k]
                c += diff * diff
            x = D[i, j]
            y = D[i, j + 1]
            z = D[i + 1, j]
            best = x if x < y else y
            best = best if best < z else z
            D[i + 1, j + 1] = c + best
    return D


@njit(cache=True)
def backtrack(D: np.ndarray) -> np.ndarray:
    """Optimal path from (0, 0) to (n-1, m-1) through D (from accumulated_cost).

    Ties prefer the diagonal step, then the step in the query, as librosa does.
    Returns an int64 array of shape (K, 2) of (i, j) pairs, start first.
    """
    i = D.shape[0] - 1
    j = D.shape[1] - 1
    path = np.empty((i + j, 2), dtype=np.int64)
    k = 0
    while True:
        path[k, 0] = i - 1
        path[k, 1] = j - 1
        k += 1
        if i == 1 and j == 1:
            break
        diag = D[i - 1, j - 1]
        up = D[i - 1, j]
        left = D[i, j - 1]
        if diag <= up and diag <= left:
            i -= 1
            j -= 1
        elif up <= left:
            i -= 1
        else:
            j -= 1
    return path[:k][::-1].copy()


@njit(cache=True, inline="always")
def row_stats(x: np.ndarray) -> tuple[float, float]:
    """Mean and inverse population standard deviation of a 1-D series (two passes).

    A constant series (standard deviation at most 1e-10 x (1 + |mean|)) gets inverse
    standard deviation 0, so it z-normalises to all zeros instead of NaN or inf.
    """
    m = x.shape[0]
    acc = 0.0
    for j in range(m):
        acc += x[j]
    mu = acc / m
    var = 0.0
    for j in range(m):
        diff = x[j] - mu
        var += diff * diff
    sd = np.sqrt(var / m)
    if sd <= 1e-10 * (1.0 + abs(mu)):
        return mu, 0.0
    return mu, 1.0 / sd


@njit(cache=True, parallel=True)
def series_stats(X: np.ndarray, xlen: np.ndarray, mean: np.ndarray, inv_std: np.ndarray) -> None:
    """Per-row mean and inverse std of padded univariate series X (N, m_max, 1)."""
    for r in prange(X.shape[0]):
        mu, s = row_stats(X[r, : xlen[r], 0])
        mean[r] = mu
        inv_std[r] = s


@njit(cache=True, parallel=True)
def znorm_lower_bounds(
    X: np.ndarray,
    q: np.ndarray,
    upper: np.ndarray,
    lower: np.ndarray,
    znorm: bool,
    mean: np.ndarray,
    inv_std: np.ndarray,
    lb: np.ndarray,
) -> None:
    """One pass over X (N, m) univariate: statistics and lower bounds of squared DTW.

    Fills mean/inv_std (when znorm; constant rows get inv_std 0, i.e. all zeros) and
    lb[r] = max(LB_Kim_FL, LB_Keogh) against the query q (m,) and its envelope.
    """
    N, m = X.shape
    for r in prange(N):
        mu = 0.0
        s = 1.0
        if znorm:
            mu, s = row_stats(X[r])
            mean[r] = mu
            inv_std[r] = s
        keogh = 0.0
        for j in range(m):
            v = (X[r, j] - mu) * s
            if v > upper[j]:
                diff = v - upper[j]
                keogh += diff * diff
            elif v < lower[j]:
                diff = lower[j] - v
                keogh += diff * diff
        first = (X[r, 0] - mu) * s - q[0]
        last = (X[r, m - 1] - mu) * s - q[m - 1]
        kim = first * first + (last * last if m > 1 else 0.0)
        lb[r] = keogh if keogh > kim else kim
