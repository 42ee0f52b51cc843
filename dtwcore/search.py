"""Exact k-nearest-neighbour search under DTW, pruned as the UCR Suite does.

One fused pass computes each candidate's z-normalisation statistics and a lower bound of
its squared DTW cost (the larger of LB_Kim on the first and last points and LB_Keogh
against the query's envelope). Candidates are then verified in order of their bound with
the vectorised kernel, early-abandoning blocks whose every lane already exceeds the k-th
best distance, and the scan stops at the first bound above it. The answer is identical to
a brute-force scan (ties broken by the lower index).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dtwcore import kernels
from dtwcore.distance import (
    _EMPTY_F,
    ArrayLike,
    _as_batch,
    _as_series,
    _check_dims,
    _chunk_tasks,
    _normalise_batch,
    _one_to_many,
    _raise_nonfinite,
    band_radius,
)

__all__ = ["envelope", "nearest"]

# Slack on the pruning threshold so that floating-point rounding in a bound can never
# prune a true tie.
_SLACK = 1e-9
# How many of the best-bounded candidates are verified before the threshold is used.
_FIRST_BATCH = 1024


def envelope(q: np.ndarray, radius: int) -> tuple[np.ndarray, np.ndarray]:
    """Upper and lower envelope of a 1-D series: max and min over ``[j - r, j + r]``.

    Parameters
    ----------
    q : np.ndarray [shape=(n,)]
    radius : int >= 0

    Returns
    -------
    (upper, lower), each [shape=(n,)].
    """
    n = q.shape[0]
    r = min(radius, n)
    padded_hi = np.concatenate([np.full(r, -np.inf), q, np.full(r, -np.inf)])
    padded_lo = np.concatenate([np.full(r, np.inf), q, np.full(r, np.inf)])
    win = 2 * r + 1
    upper = np.lib.stride_tricks.sliding_window_view(padded_hi, win).max(axis=1)
    lower = np.lib.stride_tricks.sliding_window_view(padded_lo, win).min(axis=1)
    return upper, lower


def _top_k(dist: np.ndarray, idx: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.lexsort((idx, dist))[:k]
    return idx[order], dist[order]


def nearest(
    query: ArrayLike,
    X: ArrayLike | Sequence[ArrayLike],
    k: int,
    *,
    stretch: float | None = None,
    window: int | None = None,
    znorm: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """The k series of X closest to the query under DTW.

    Parameters
    ----------
    query : array [shape=(n,) or (n, d)]
    X : array [shape=(N, m) or (N, m, d)] or a list of series
        Pruning applies to univariate batches of the query's length; other batches are
        scanned in full (same answer, no pruning).
    k : int >= 1
        How many neighbours; more than N returns all N.
    stretch, window, znorm : see :func:`dtwcore.dtw_distance`.

    Returns
    -------
    indices : np.ndarray [shape=(min(k, N),), int]
        Rows of X, closest first (ties: lower index first).
    distances : np.ndarray [shape=(min(k, N),)]
    """
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a whole number of 1 or more, got {k!r}")
    q = _as_series(query, "query")
    data, lengths = _as_batch(X, "X", check_finite=False)
    _check_dims(q, data, "query", "X")
    radius = band_radius(q.shape[0], stretch=stretch, window=window)
    n_series = data.shape[0]
    k = min(int(k), n_series)
    prunable = data.shape[2] == 1 and data.shape[1] == q.shape[0] and (lengths == q.shape[0]).all()
    if not prunable or k == n_series:
        _raise_nonfinite(data, "X")
        dist = _one_to_many(q, data, lengths, radius, znorm)
        return _top_k(dist, np.arange(n_series), k)

    if znorm:
        q = _normalise_batch(q[None], np.array([q.shape[0]]))[0]
    q1 = np.ascontiguousarray(q[:, 0])
    upper, lower = envelope(q1, radius if radius >= 0 else q1.shape[0])
    X2 = data[:, :, 0]
    mean = np.empty(n_series)
    inv = np.empty(n_series)
    lb = np.empty(n_series)
    kernels.znorm_lower_bounds(X2, q1, upper, lower, znorm, mean, inv, lb)
    if np.isnan(lb).any():
        _raise_nonfinite(data, "X")
    if not znorm:
        mean, inv = _EMPTY_F, _EMPTY_F

    args = (
        q[None],
        np.array([q.shape[0]], dtype=np.int64),
        np.array([radius], dtype=np.int64),
        data,
        lengths,
    )

    def verify(rows: np.ndarray, abandon_sq: float) -> np.ndarray:
        out = np.empty((1, rows.shape[0]))
        tasks = _chunk_tasks(0, 0, rows.shape[0], 0)
        kernels.batch_dtw(
            *args, rows, tasks, mean, inv, abandon_sq, out, kernels.chunks_for(tasks.shape[0])
        )
        return out[0]

    # Verify the candidates with the smallest bounds first: they give a tight k-th best
    # distance, which then prunes almost everything else without sorting it.
    first = min(n_series, max(k, _FIRST_BATCH))
    first_idx = np.argpartition(lb, first - 1)[:first].astype(np.int64)
    best_idx, best_dist = _top_k(verify(first_idx, np.inf), first_idx, k)
    tau_sq = best_dist[-1] ** 2 * (1 + _SLACK)
    keep = lb <= tau_sq
    keep[first_idx] = False
    cand = np.flatnonzero(keep)
    cand = cand[np.argsort(lb[cand], kind="stable")]
    bounds = lb[cand]
    pos = 0
    chunk = 4 * kernels.LANES
    while pos < cand.shape[0] and bounds[pos] <= tau_sq:
        stop = int(np.searchsorted(bounds, tau_sq, side="right"))
        rows = cand[pos : min(pos + chunk, stop)].astype(np.int64)
        dist = verify(rows, tau_sq)
        keep = dist <= np.sqrt(tau_sq)
        best_idx, best_dist = _top_k(
            np.concatenate([best_dist, dist[keep]]), np.concatenate([best_idx, rows[keep]]), k
        )
        tau_sq = best_dist[-1] ** 2 * (1 + _SLACK)
        pos += rows.shape[0]
        chunk *= 2
    return best_idx, best_dist
