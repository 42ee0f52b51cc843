"""numba-compiled DTW kernels (private).

The kernels know nothing about pandas, files or MLflow: arrays in, arrays out. They are
vectorised *across series*: a block of ``LANES`` candidate series is transposed into a
small buffer so that every dynamic-programming cell is updated for all lanes at once with
SIMD instructions, and blocks run in parallel over the machine's cores. Multivariate
series (frames of several values) go through :func:`frames_dtw` instead: they are packed
once into blocks of ``FRAME_LANES`` lanes laid out dimension by dimension, so a query row
computes the local costs of all lanes with contiguous passes over data that stays in
cache, whatever the number of values per frame.

Conventions shared by every kernel:

* Series are stored padded in 3-D arrays ``(count, max_length, dims)`` plus a length vector.
* Local cost is the squared Euclidean distance between frames; the kernels return the
  square root of the accumulated cost of the optimal path.
* A band is given per query (or, for :func:`frames_dtw`, optionally per lane) as
  ``radius`` (``-1`` means no band). For a query of length ``n`` and a series of length
  ``m`` the allowed cells (0-based) satisfy
  ``-(radius + max(0, n - m)) <= j - i <= radius + max(0, m - n)``: the Sakoe-Chiba band,
  widened by the length difference on the side of the longer series so the end cell is
  always reachable (the dtaidistance convention).
"""

from __future__ import annotations

import numpy as np
from numba import get_num_threads, njit, prange

from dtwcore._simd import WIDTH, vcell, vload, vsplat, vstore

#: Series per lane block of the univariate kernels (a multiple of the vector WIDTH).
LANES = 32
#: Series per lane block of the multivariate kernel, query rows per cost strip, and frames
#: per cost tile (a tile's costs for a strip stay in the L1 cache).
FRAME_LANES = 32
STRIP = 2
TILE = 16
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


@njit(cache=True, inline="always")
def _frame_cost(a: np.ndarray, i: int, b: np.ndarray, j: int) -> float:
    """Squared Euclidean distance between frame i of a (n, d) and frame j of b (m, d),
    summed over the d values in order."""
    c = 0.0
    for k in range(a.shape[1]):
        diff = a[i, k] - b[j, k]
        c += diff * diff
    return c


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
    cb: np.ndarray,
) -> None:
    """DTW of one query against up to LANES series, all lanes updated together.

    q: (n_max, d) query, first ``n`` frames used. X: (N, m_max, d) padded series.
    rows: indices into X (empty means ``start + lane``). mean/inv_std: per-row
    normalisation applied while gathering (empty arrays mean none). Results (square root
    of the accumulated cost, or inf when abandoned) go to out[out_start + lane].

    Early abandoning (``abandon_sq`` finite) stops the block once every lane's best
    partial cost exceeds it. For univariate equal-length blocks with a band the partial
    cost of row i is first raised by the cumulative lower bound of the rows still to come
    (LB_Keogh of the query against each lane's envelope, as the UCR Suite does), kept in
    the scratch buffer ``cb`` (n_max + 1, LANES).
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
    use_cb = check and d == 1 and uniform and radius >= 0
    if use_cb:
        # cb[i] = sum over query rows i.. of the distance from q[i] to the lane's
        # envelope over the band of row i: a lower bound of the cost still to come.
        for lane in range(LANES):
            cb[n, lane] = 0.0
        for i in range(n - 1, -1, -1):
            for lane in range(LANES):
                cost[lane] = -_INF
                rmin[lane] = _INF
            for j in range(max(0, i - lo), min(mblock - 1, i + hi) + 1):
                for lane in range(LANES):
                    v = T[j, 0, lane]
                    cost[lane] = v if v > cost[lane] else cost[lane]
                    rmin[lane] = v if v < rmin[lane] else rmin[lane]
            qi = q[i, 0]
            for lane in range(LANES):
                above = qi - cost[lane]
                below = rmin[lane] - qi
                above = above if above > 0.0 else 0.0
                below = below if below > 0.0 else 0.0
                cb[i, lane] = cb[i + 1, lane] + above * above + below * below
    for i in range(n):
        jlo = max(0, i - lo)
        jhi = min(mblock - 1, i + hi)
        for lane in range(LANES):
            cur[jlo, lane] = _INF
            rmin[lane] = _INF
        if d == 1 and uniform and not check:
            # Hottest path (univariate, equal lengths, no abandoning): cost and
            # recurrence fused, nothing else in the loop.
            qi = q[i, 0]
            for j in range(jlo, jhi + 1):
                for lane in range(LANES):
                    diff = qi - T[j, 0, lane]
                    a = prev[j, lane]
                    b = prev[j + 1, lane]
                    c = cur[j, lane]
                    best = a if a < b else b
                    best = best if best < c else c
                    cur[j + 1, lane] = diff * diff + best
        elif d == 1 and uniform:
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
                rest = cb[i + 1, lane] if use_cb else 0.0
                if rmin[lane] + rest <= abandon_sq:
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
        cb = np.empty((Q.shape[1] + 1, LANES))
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
                cb,
            )


@njit(cache=True, inline="always")
def _diagonal_band(n: int, m: int, radius: int) -> tuple[int, int]:
    """(lo, hi) of :func:`_band`, clipped to the matrix: allowed cells satisfy
    -lo <= j - i <= hi with lo <= n - 1 and hi <= m - 1, so diagonal k = j - i + lo
    runs over 0..lo + hi."""
    lo, hi = _band(n, m, radius)
    return min(lo, n - 1), min(hi, m - 1)


@njit(cache=True)
def _gather_lanes(X: np.ndarray, start: int, count: int, znorm: bool, T: np.ndarray) -> None:
    """Transpose rows start..start+count-1 of X (N, m) into T (m * LANES,): value j of the
    series in lane l goes to T[j * LANES + l]; unused lanes get zeros. With ``znorm`` each
    row is z-normalised on the way (:func:`row_stats`, as :func:`series_stats` gives them),
    while it is in cache. T must stay small enough for the L1 cache: its rows are written
    with a stride, so a larger buffer would miss on every write.
    """
    L = LANES
    m = X.shape[1]
    for lane in range(count):
        row = X[start + lane]
        if znorm:
            mu, s = row_stats(row)
            for j in range(m):
                T[j * L + lane] = (row[j] - mu) * s
        else:
            for j in range(m):
                T[j * L + lane] = row[j]
    for lane in range(count, L):
        for j in range(m):
            T[j * L + lane] = 0.0


@njit(cache=True)
def _diagonal_block(q: np.ndarray, lo: int, hi: int, m: int, T: np.ndarray, B: np.ndarray) -> None:
    """DTW of q (n,) against the LANES series gathered in T (m * LANES,), band (lo, hi)
    from :func:`_diagonal_band`. B ((lo + hi + 5) * LANES,) receives the accumulated cost.

    The band is stored by diagonal: cell (i, j) lives at B[(j - i + lo + 2) * LANES + lane]
    and every row is updated in place (the cell on the same diagonal one row up is the
    diagonal step, the next diagonal the step down, the previous diagonal of the same row
    the step right). Two query rows go through the band together: row i at diagonal s + 1
    and row i + 1 at diagonal s read the same series value, and row i + 1 takes row i's
    new cell straight from a register, so each pair costs one sweep and one load of T.
    Lanes go :data:`WIDTH` at a time through :func:`vcell` (explicit vectors, minima on
    the integer pipes), which leaves the kernel bound by its arithmetic: five vector
    operations a cell. T and B should come from :func:`_lane_buffers`.
    """
    L = LANES
    n = q.shape[0]
    w = lo + hi + 1
    B[: (w + 4) * L] = _INF
    B[(lo + 2) * L : (lo + 3) * L] = 0.0  # the cell before (0, 0)
    i = 0
    while i + 1 < n:
        amin = max(0, lo - i)
        amax = min(w - 1, m - 1 - i + lo)
        bmin = max(0, lo - i - 1)
        bmax = min(w - 1, m - 2 - i + lo)
        qa = vsplat(q[i])
        qb = vsplat(q[i + 1])
        for s in range(min(amin - 1, bmin), max(amax - 1, bmax) + 1):
            do_a = amin <= s + 1 <= amax
            do_b = bmin <= s <= bmax
            t = (i + s + 1 - lo) * L
            c = (s + 2) * L  # diagonal s: row i + 1's cell, row i's step right
            for o in range(0, L, WIDTH):
                x = vload(T, t + o)
                if do_a:
                    left = vload(B, c + o)
                    new_a = vcell(qa, x, vload(B, c + L + o), vload(B, c + 2 * L + o), left)
                    vstore(B, c + L + o, new_a)
                    if do_b:
                        vstore(B, c + o, vcell(qb, x, left, new_a, vload(B, c - L + o)))
                elif do_b:
                    down = vload(B, c + L + o)
                    vstore(B, c + o, vcell(qb, x, vload(B, c + o), down, vload(B, c - L + o)))
        i += 2
    if i < n:
        qi = vsplat(q[i])
        for k in range(max(0, lo - i), min(w - 1, m - 1 - i + lo) + 1):
            t = (i + k - lo) * L
            c = (k + 2) * L
            for o in range(0, L, WIDTH):
                x = vload(T, t + o)
                down = vload(B, c + L + o)
                vstore(B, c + o, vcell(qi, x, vload(B, c + o), down, vload(B, c - L + o)))


@njit(cache=True, inline="always")
def _lane_buffers(m: int, slots: int) -> tuple[np.ndarray, np.ndarray]:
    """T (m * LANES,) and B (slots * LANES,) for :func:`_gather_lanes` and the diagonal
    kernel, carved from one allocation so that both start on a cache line (no vector
    load or store straddles two lines) and B starts 128 bytes past a multiple of 256 bytes
    (one lane row) from T. A store to B and a later load from T then never share their
    address bits 0-11, which the core would take for a dependence on the store (4K
    aliasing): with separate allocations that happened or not by chance, and cost up to
    40 % of the kernel time.
    """
    L = LANES
    buf = np.empty((m + slots + 1) * L)
    first = -(buf.ctypes.data // 8) % 8  # doubles up to the next 64-byte boundary
    T = buf[first : first + m * L]
    B = buf[first + m * L + 16 : first + (m + slots) * L + 16]
    return T, B


@njit(cache=True, parallel=True)
def series_dtw(
    q: np.ndarray,
    radius: int,
    X: np.ndarray,
    znorm: bool,
    out: np.ndarray,
    n_chunks: int,
) -> int:
    """One univariate query against every row of X: the lean path of one-to-many.

    q: (n,) query with band radius ``radius`` (-1 = none). X: (N, m) equal-length series.
    With ``znorm`` the query and every row are z-normalised on the fly (:func:`row_stats`;
    the same numbers as :func:`series_stats` and normalising by hand), so the statistics
    cost no pass of their own. out (N,) receives the distances; blocks of LANES rows run
    in ``n_chunks`` parallel chunks. X is read in place, once.

    The values are not checked here: every warping path crosses every column, so a NaN or
    infinite value in a series makes its distance NaN or inf (the minimum of NaN and inf
    picks one of them, and adding a cost keeps it non-finite). Returns the number of
    non-finite distances, counted as they are written; a caller that gets more than 0
    scans X to name the series.
    """
    n = q.shape[0]
    m = X.shape[1]
    if znorm:
        q_mu, q_s = row_stats(q)
        q = (q - q_mu) * q_s
    lo, hi = _diagonal_band(n, m, radius)
    k_end = m - n + lo
    n_blocks = -(-X.shape[0] // LANES)
    nonfinite = 0
    for c in prange(n_chunks):
        T, B = _lane_buffers(m, lo + hi + 5)
        bad = 0
        for b in range(c * n_blocks // n_chunks, (c + 1) * n_blocks // n_chunks):
            start = b * LANES
            count = min(LANES, X.shape[0] - start)
            _gather_lanes(X, start, count, znorm, T)
            _diagonal_block(q, lo, hi, m, T, B)
            last = B[(k_end + 2) * LANES : (k_end + 3) * LANES]
            for lane in range(count):
                d = np.sqrt(last[lane])
                out[start + lane] = d
                bad += 0 if np.isfinite(d) else 1
        nonfinite += bad
    return nonfinite


@njit(cache=True, parallel=True)
def pack_lanes(
    frames: np.ndarray,
    starts: np.ndarray,
    xlen: np.ndarray,
    order: np.ndarray,
    XB: np.ndarray,
    blens: np.ndarray,
) -> None:
    """Pack series into lane blocks for :func:`frames_dtw`.

    frames: (F, d) every frame of every series; series r is frames[starts[r] :
    starts[r] + xlen[r]] (N,). A list of series concatenated or a padded (N, m, d) batch
    reshaped to (N * m, d) both qualify, so a list is never padded first. order: (N,)
    series in the order they fill the lanes. XB: (n_blocks, d, m_max, FRAME_LANES)
    receives frame j of dimension k of the series in lane l of block b at XB[b, k, j, l]
    (zeros past its end and in unused lanes); blens (n_blocks, FRAME_LANES) its length
    (an unused lane gets the longest length of its block).
    """
    n_series = order.shape[0]
    d = frames.shape[1]
    for b in prange(XB.shape[0]):
        longest = 0
        for lane in range(FRAME_LANES):
            pos = b * FRAME_LANES + lane
            if pos < n_series:
                longest = max(longest, xlen[order[pos]])
        # Only the frames a block's lanes can reach are cleared and filled.
        XB[b, :, :longest, :] = 0.0
        for lane in range(FRAME_LANES):
            pos = b * FRAME_LANES + lane
            if pos >= n_series:
                blens[b, lane] = longest
                continue
            r = order[pos]
            blens[b, lane] = xlen[r]
            first = starts[r]
            for j in range(xlen[r]):
                for k in range(d):
                    XB[b, k, j, lane] = frames[first + j, k]


@njit(cache=True)
def _frames_block(
    q: np.ndarray,
    n: int,
    qrad: int,
    TB: np.ndarray,
    blens: np.ndarray,
    brad: np.ndarray,
    out: np.ndarray,
    crow: np.ndarray,
    acc: np.ndarray,
    bands: np.ndarray,
) -> None:
    """DTW of one multivariate query against the FRAME_LANES series of one lane block.

    q: (n_max, d) query, first ``n`` frames used, band radius ``qrad`` (-1 = none).
    TB: (d, m_max * FRAME_LANES) the block as packed by :func:`pack_lanes`, flattened per
    dimension; blens (FRAME_LANES,) lane lengths. brad: (FRAME_LANES,) a band radius per
    lane, or empty to use ``qrad`` for every lane. out (FRAME_LANES,) receives the square
    roots of the accumulated costs. crow: (STRIP, m_max * FRAME_LANES) scratch; acc
    ((m_max + 1) * 2 * FRAME_LANES,) the accumulated costs.

    The query is taken STRIP rows at a time: the local costs of the strip's bands are
    computed for all lanes in tiles of TILE frames, four dimensions per pass, while the
    tile's costs stay in the L1 cache (each cost is summed over the dimensions in order,
    as the reference does). Then the recurrence runs row by row across the lanes, in
    place: acc holds, per column, the row's accumulated costs and the previous row's value
    it replaced (the next column's diagonal step), so every lane loop reads and writes one
    view at fixed offsets and compiles to plain vector code.
    """
    L = FRAME_LANES
    d = TB.shape[0]
    lo_l = bands[0]
    hi_l = bands[1]
    mblock = 0
    lo = 0
    hi = 0
    for lane in range(L):
        mblock = max(mblock, blens[lane])
        radius = brad[lane] if brad.shape[0] > 0 else qrad
        a, b = _band(n, blens[lane], radius)
        lo_l[lane] = a
        hi_l[lane] = b
        lo = max(lo, a)
        hi = max(hi, b)
    uniform = True
    for lane in range(L):
        if lo_l[lane] != lo or hi_l[lane] != hi:
            uniform = False
    E = 2 * L
    acc[: (mblock + 1) * E] = _INF
    acc[:L] = 0.0  # the cell before (0, 0)
    for first in range(0, n, STRIP):
        rows = min(STRIP, n - first)
        # Columns any row of the strip needs; slices that start there keep every index
        # provably non-negative, so the loops vectorise.
        slo = max(0, first - lo)
        shi = min(mblock - 1, first + rows - 1 + hi)
        for tile in range(slo, shi + 1, TILE):
            at = (tile - slo) * L
            cells = (min(TILE, shi + 1 - tile)) * L
            c0 = tile * L
            for r in range(rows):
                qr = q[first + r]
                cr = crow[r, at : at + cells]
                cr[:] = 0.0
                # Four dimensions per pass over the tile: a quarter of the stores, and the
                # sum still runs over the dimensions in order, as the reference's does.
                k = 0
                while k + 4 <= d:
                    t0 = TB[k, c0 : c0 + cells]
                    t1 = TB[k + 1, c0 : c0 + cells]
                    t2 = TB[k + 2, c0 : c0 + cells]
                    t3 = TB[k + 3, c0 : c0 + cells]
                    q0 = qr[k]
                    q1 = qr[k + 1]
                    q2 = qr[k + 2]
                    q3 = qr[k + 3]
                    for p in range(cells):
                        e0 = q0 - t0[p]
                        e1 = q1 - t1[p]
                        e2 = q2 - t2[p]
                        e3 = q3 - t3[p]
                        cr[p] = (((cr[p] + e0 * e0) + e1 * e1) + e2 * e2) + e3 * e3
                    k += 4
                while k < d:
                    t0 = TB[k, c0 : c0 + cells]
                    q0 = qr[k]
                    for p in range(cells):
                        e0 = q0 - t0[p]
                        cr[p] += e0 * e0
                    k += 1
        for r in range(rows):
            i = first + r
            jlo = max(0, i - lo)
            jhi = min(mblock - 1, i + hi)
            costs = crow[r]
            if not uniform:
                for lane in range(L):
                    for j in range(jlo, min(jhi, i - lo_l[lane] - 1) + 1):
                        costs[(j - slo) * L + lane] = _INF
                    for j in range(max(jlo, i + hi_l[lane] + 1), jhi + 1):
                        costs[(j - slo) * L + lane] = _INF
            # Column jlo - 1 (stored at jlo): keep its value as the first cell's diagonal
            # step, then it is left of the band.
            v = acc[jlo * E : jlo * E + E]
            v[L:] = v[:L]
            v[:L] = _INF
            for j in range(jlo, jhi + 1):
                cost = costs[(j - slo) * L : (j - slo + 1) * L]
                # Column j - 1 (left and the saved diagonal), then column j (the step down
                # from the previous row, replaced by this row's value and saved).
                v = acc[j * E : j * E + 2 * E]
                for lane in range(L):
                    a = v[L + lane]
                    b = v[E + lane]
                    c = v[lane]
                    v[E + L + lane] = b
                    best = a if a < b else b
                    best = best if best < c else c
                    v[E + lane] = cost[lane] + best
    for lane in range(L):
        out[lane] = np.sqrt(acc[blens[lane] * E + lane])


@njit(cache=True, parallel=True)
def frames_dtw(
    Q: np.ndarray,
    qlen: np.ndarray,
    qrad: np.ndarray,
    XB: np.ndarray,
    blens: np.ndarray,
    brad: np.ndarray,
    tasks: np.ndarray,
    out: np.ndarray,
    n_chunks: int,
) -> None:
    """Multivariate DTW of queries against lane blocks, tasks in parallel chunks.

    Q: (Nq, n_max, d) queries with lengths qlen and band radii qrad (-1 = none).
    XB, blens: lane blocks from :func:`pack_lanes`. brad: (n_blocks * FRAME_LANES,) a band
    radius per lane (in the order of the lanes) that replaces the query's, or empty to use
    qrad.
    tasks: (T, 2) int64 rows ``(query, block)``. out: (Nq, n_blocks * FRAME_LANES)
    receives out[query, block * FRAME_LANES + lane].
    """
    n_tasks = tasks.shape[0]
    d = XB.shape[1]
    m_max = XB.shape[2]
    for c in prange(n_chunks):
        crow = np.empty((STRIP, m_max * FRAME_LANES))
        acc = np.empty((m_max + 1) * 2 * FRAME_LANES)
        bands = np.empty((2, FRAME_LANES), dtype=np.int64)
        for t in range(c * n_tasks // n_chunks, (c + 1) * n_tasks // n_chunks):
            qi = tasks[t, 0]
            b = tasks[t, 1]
            _frames_block(
                Q[qi],
                qlen[qi],
                qrad[qi],
                XB[b].reshape((d, m_max * FRAME_LANES)),
                blens[b],
                brad[b * FRAME_LANES : (b + 1) * FRAME_LANES] if brad.shape[0] > 0 else brad,
                out[qi, b * FRAME_LANES : (b + 1) * FRAME_LANES],
                crow,
                acc,
                bands,
            )


@njit(cache=True, fastmath={"reassoc", "contract"})
def _weighted_pair(
    x: np.ndarray, y: np.ndarray, w: np.ndarray, radius: int, row: np.ndarray
) -> float:
    """Accumulated cost of x (n, d) against y (m, d), frame j of y costing w[j] times its
    squared distance; ``row`` is scratch of at least m + 1 values. A frame's squared
    differences are summed in whatever order vectorises (``reassoc``): the same to rounding
    as :func:`_frame_cost`'s order, four times faster. No ``ninf``: the band's cells are inf."""
    n = x.shape[0]
    m = y.shape[0]
    lo, hi = _band(n, m, radius)
    row[0] = 0.0
    row[1 : m + 1] = _INF
    for i in range(n):
        first = max(0, i - lo)
        last = min(m - 1, i + hi)
        diag = row[first]
        row[first] = _INF
        for j in range(first, last + 1):
            up = row[j + 1]
            left = row[j]
            best = diag if diag < up else up
            best = best if best < left else left
            diag = up
            row[j + 1] = w[j] * _frame_cost(x, i, y, j) + best
    return row[m]


@njit(cache=True, parallel=True)
def weighted_frames_dtw(
    xframes: np.ndarray,
    xstart: np.ndarray,
    xlen: np.ndarray,
    qrad: np.ndarray,
    yframes: np.ndarray,
    ystart: np.ndarray,
    ylen: np.ndarray,
    yweight: np.ndarray,
    out: np.ndarray,
) -> None:
    """out[a, b]: DTW of series a of X against series b of Y (frames packed as
    :func:`pack_lanes` reads them), frame k of Y costing ``yweight[k]`` times its squared
    distance; series a's band radius is ``qrad[a]``. One pair per task: meant for the few
    templates of a wake word, not for catalogues."""
    n_y = ylen.shape[0]
    width = int(ylen.max()) + 1
    for task in prange(xlen.shape[0] * n_y):
        a = task // n_y
        b = task % n_y
        row = np.empty(width)
        x = xframes[xstart[a] : xstart[a] + xlen[a]]
        y = yframes[ystart[b] : ystart[b] + ylen[b]]
        w = yweight[ystart[b] : ystart[b] + ylen[b]]
        out[a, b] = np.sqrt(_weighted_pair(x, y, w, qrad[a], row))


@njit(cache=True)
def accumulated_cost(a: np.ndarray, b: np.ndarray, radius: int) -> np.ndarray:
    """Full accumulated squared-cost matrix D of shape (n + 1, m + 1), D[0, 0] = 0.

    Cells outside the band hold inf.
    """
    n = a.shape[0]
    m = b.shape[0]
    lo, hi = _band(n, m, radius)
    D = np.full((n + 1, m + 1), _INF)
    D[0, 0] = 0.0
    for i in range(n):
        for j in range(max(0, i - lo), min(m - 1, i + hi) + 1):
            c = _frame_cost(a, i, b, j)
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


@njit(cache=True)
def _sum8(x: np.ndarray, shift: float) -> float:
    """Sum of (x - shift) or, with ``square``, of its squares, in a fixed order of eight
    interleaved partial sums: vectorisable, yet bit-for-bit the same on every call."""
    m = x.shape[0]
    s0 = s1 = s2 = s3 = s4 = s5 = s6 = s7 = 0.0
    j = 0
    while j + 8 <= m:
        s0 += x[j] - shift
        s1 += x[j + 1] - shift
        s2 += x[j + 2] - shift
        s3 += x[j + 3] - shift
        s4 += x[j + 4] - shift
        s5 += x[j + 5] - shift
        s6 += x[j + 6] - shift
        s7 += x[j + 7] - shift
        j += 8
    while j < m:
        s0 += x[j] - shift
        j += 1
    return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))


@njit(cache=True)
def _sumsq8(x: np.ndarray, shift: float) -> float:
    """Sum of (x - shift) ** 2 in the same fixed eight-way order as :func:`_sum8`."""
    m = x.shape[0]
    s0 = s1 = s2 = s3 = s4 = s5 = s6 = s7 = 0.0
    j = 0
    while j + 8 <= m:
        d0 = x[j] - shift
        d1 = x[j + 1] - shift
        d2 = x[j + 2] - shift
        d3 = x[j + 3] - shift
        d4 = x[j + 4] - shift
        d5 = x[j + 5] - shift
        d6 = x[j + 6] - shift
        d7 = x[j + 7] - shift
        s0 += d0 * d0
        s1 += d1 * d1
        s2 += d2 * d2
        s3 += d3 * d3
        s4 += d4 * d4
        s5 += d5 * d5
        s6 += d6 * d6
        s7 += d7 * d7
        j += 8
    while j < m:
        d0 = x[j] - shift
        s0 += d0 * d0
        j += 1
    return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))


FLAT_TOLERANCE = 1e-10
"""A series is constant when its standard deviation is at most FLAT_TOLERANCE x (1 + |mean|)."""


@njit(cache=True)
def row_stats(x: np.ndarray) -> tuple[float, float]:
    """Mean and inverse population standard deviation of a 1-D series (two passes).

    A constant series (standard deviation at most :data:`FLAT_TOLERANCE` x (1 + |mean|))
    gets inverse standard deviation 0, so it z-normalises to all zeros instead of NaN or
    inf. A series with a NaN or infinite value gives a NaN or infinite mean.
    """
    m = x.shape[0]
    mu = _sum8(x, 0.0) / m
    if not np.isfinite(mu):
        return mu, 0.0
    sd = np.sqrt(_sumsq8(x, mu) / m)
    if sd <= FLAT_TOLERANCE * (1.0 + abs(mu)):
        return mu, 0.0
    return mu, 1.0 / sd


@njit(cache=True, parallel=True)
def series_stats(X: np.ndarray, xlen: np.ndarray, mean: np.ndarray, inv_std: np.ndarray) -> None:
    """Per-row mean and inverse std of padded univariate series X (N, m_max, 1)."""
    for r in prange(X.shape[0]):
        mu, s = row_stats(X[r, : xlen[r], 0])
        mean[r] = mu
        inv_std[r] = s


@njit(cache=True, fastmath=True)
def _lb_keogh(x: np.ndarray, mu: float, s: float, upper: np.ndarray, lower: np.ndarray) -> float:
    """LB_Keogh of the normalised series (x - mu) * s against an envelope (squared)."""
    acc = 0.0
    for j in range(x.shape[0]):
        v = (x[j] - mu) * s
        above = v - upper[j]
        below = lower[j] - v
        above = above if above > 0.0 else 0.0
        below = below if below > 0.0 else 0.0
        acc += above * above + below * below
    return acc


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

    Fills mean/inv_std (when znorm; see :func:`row_stats`) and
    lb[r] = max(LB_Kim_FL, LB_Keogh) against the query q (m,) and its envelope. A row with
    a NaN or infinite value gets lb NaN so the caller can report it.
    """
    N, m = X.shape
    for r in prange(N):
        x = X[r]
        row_mu, row_s = row_stats(x)
        finite = np.isfinite(row_mu)
        mu = 0.0
        s = 1.0
        if znorm:
            mu = row_mu
            s = row_s
            mean[r] = mu
            inv_std[r] = s
        keogh = _lb_keogh(x, mu, s, upper, lower)
        first = (x[0] - mu) * s - q[0]
        last = (x[m - 1] - mu) * s - q[m - 1]
        kim = first * first + (last * last if m > 1 else 0.0)
        value = keogh if keogh > kim else kim
        lb[r] = value if finite else np.nan


@njit(cache=True, parallel=True)
def first_nonfinite_row(X: np.ndarray) -> int:
    """Index of the first row of X (N, k) holding NaN or inf, or -1."""
    N = X.shape[0]
    bad = np.zeros(N, dtype=np.bool_)
    for r in prange(N):
        for j in range(X.shape[1]):
            if not np.isfinite(X[r, j]):
                bad[r] = True
                break
    for r in range(N):
        if bad[r]:
            return r
    return -1


@njit(cache=True, parallel=True)
def aligned_to(ref: np.ndarray, X: np.ndarray, radius: int, out: np.ndarray) -> None:
    """Every row of X warped onto the time axis of ``ref`` along its optimal DTW path.

    ref: (n,) and X: (N, m) univariate series. out (N, n) receives, for each row and each
    position i of ``ref``, the mean of the row's values that the optimal path matches
    with ``ref[i]`` (every position is matched at least once). Ties in the path as in
    :func:`backtrack`.
    """
    n = ref.shape[0]
    for r in prange(X.shape[0]):
        D = accumulated_cost(ref.reshape((n, 1)), X[r].reshape((X.shape[1], 1)), radius)
        path = backtrack(D)
        total = np.zeros(n)
        count = np.zeros(n)
        for p in range(path.shape[0]):
            total[path[p, 0]] += X[r, path[p, 1]]
            count[path[p, 0]] += 1.0
        for i in range(n):
            out[r, i] = total[i] / count[i]


@njit(cache=True)
def subsequence_profile(q: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Accumulated cost of the best match of q ending at each frame of s, and its start.

    q: (n, d) query; s: (M, d) series. Local cost is the squared Euclidean distance. A
    match may start at any frame (open begin: the query's first frame costs only its own
    local cost) and end at any frame (open end). Steps are (1, 0), (0, 1), (1, 1) with
    weight 1; the first query frame takes no step along the series. Ties prefer the
    diagonal, then the step in the query. Returns cost (M,) and start (M,) int64.
    """
    n = q.shape[0]
    m = s.shape[0]
    prev = np.zeros(m)
    prev_start = np.arange(m)
    cur = np.empty(m)
    cur_start = np.empty(m, dtype=np.int64)
    for i in range(n):
        for j in range(m):
            c = _frame_cost(q, i, s, j)
            if i == 0:
                best = 0.0
                start = j
            else:
                best = prev[j]
                start = prev_start[j]
                if j > 0 and prev[j - 1] <= best:
                    best = prev[j - 1]
                    start = prev_start[j - 1]
            if i > 0 and j > 0 and cur[j - 1] < best:
                best = cur[j - 1]
                start = cur_start[j - 1]
            cur[j] = c + best
            cur_start[j] = start
        prev, cur = cur, prev
        prev_start, cur_start = cur_start, prev_start
    return prev.copy(), prev_start.copy()


@njit(cache=True, parallel=True)
def subsequence_profile_banded(
    q: np.ndarray, s: np.ndarray, radius: int
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`subsequence_profile` with every path kept within ``radius`` of its start's diagonal.

    A match starting at frame a may use the cells (i, j) with ``|(j - a) - i| <= radius``
    only, so its span has between ``n - radius`` and ``n + radius`` frames. Each start is
    solved exactly on its own band (O(M n radius)); for each end the cheapest start wins,
    ties to the earlier start. Ends no match reaches hold inf (start -1).
    """
    n = q.shape[0]
    m = s.shape[0]
    w = 2 * radius + 1
    ends = np.full((m, w), np.inf)
    for a in prange(m):
        prev = np.full(w, np.inf)
        cur = np.full(w, np.inf)
        for i in range(n):
            for t in range(w):
                off = t - radius  # j = a + i + off
                j = a + i + off
                cur[t] = np.inf
                if j < a or j >= m:
                    continue
                if i == 0:
                    if off != 0:
                        continue
                    best = 0.0
                else:
                    best = prev[t]  # diagonal: same offset
                    if t + 1 < w and prev[t + 1] < best:  # (i-1, j): offset + 1
                        best = prev[t + 1]
                    if t > 0 and cur[t - 1] < best:  # (i, j-1): offset - 1
                        best = cur[t - 1]
                    if best == np.inf:
                        continue
                c = _frame_cost(q, i, s, j)
                cur[t] = c + best
            prev, cur = cur, prev
        for t in range(w):
            j = a + n - 1 + t - radius
            if 0 <= j < m and j >= a:
                ends[a, t] = prev[t]
    cost = np.full(m, np.inf)
    start = np.full(m, -1, dtype=np.int64)
    for a in range(m):
        for t in range(w):
            j = a + n - 1 + t - radius
            if 0 <= j < m and ends[a, t] < cost[j]:
                cost[j] = ends[a, t]
                start[j] = a
    return cost, start


@njit(cache=True)
def subsequence_path(q: np.ndarray, span: np.ndarray, radius: int) -> np.ndarray:
    """Cheapest path of q across all of ``span`` (a matched stretch of the series).

    Starts at (0, 0) with no step along the span in the query's first frame, as in
    :func:`subsequence_profile`; with ``radius >= 0`` it keeps ``|j - i| <= radius``.
    Returns (K, 2) int64 pairs (i in q, j in span), ties as :func:`backtrack`.
    """
    n = q.shape[0]
    m = span.shape[0]
    D = np.full((n + 1, m + 1), _INF)
    D[0, 0] = 0.0
    for i in range(n):
        for j in range(m):
            if radius >= 0 and abs(j - i) > radius:
                continue
            if i == 0 and j > 0:
                continue
            c = _frame_cost(q, i, span, j)
            x = D[i, j]
            y = D[i, j + 1]
            z = D[i + 1, j]
            best = x if x < y else y
            best = best if best < z else z
            D[i + 1, j + 1] = c + best
    return backtrack(D)
