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
from dataclasses import dataclass
from typing import Literal

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

__all__ = ["SubsequenceMatch", "envelope", "nearest", "subsequence_profile", "subsequence_search"]

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


SpanNorm = Literal["none", "query", "sum", "max"]


@dataclass(frozen=True)
class SubsequenceMatch:
    """One place where a query matches inside a longer series.

    Attributes
    ----------
    start, stop : int
        The matched span is ``series[start:stop]`` (frames).
    distance : float
        Square root of the path's accumulated squared cost, divided as ``length_norm``
        says (see :func:`subsequence_search`).
    path : np.ndarray [shape=(K, 2), int]
        Matched pairs (i in the query, j in the series), from ``(0, start)`` to
        ``(n - 1, stop - 1)``.
    """

    start: int
    stop: int
    distance: float
    path: np.ndarray


def _span_divisor(n: int, span: np.ndarray, length_norm: str) -> np.ndarray:
    """What the accumulated cost is divided by for a query of n frames and these spans."""
    if length_norm == "none":
        return np.ones(span.shape[0])
    if length_norm == "query":
        return np.full(span.shape[0], float(n))
    if length_norm == "sum":
        return (n + span).astype(np.float64)
    if length_norm == "max":
        return np.maximum(n, span).astype(np.float64)
    raise ValueError(f"length_norm must be 'none', 'query', 'sum' or 'max', got {length_norm!r}")


def subsequence_profile(
    query: ArrayLike,
    series: ArrayLike,
    *,
    stretch: float | None = None,
    window: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Subsequence DTW: the cheapest match of the query ending at every frame of the series.

    Open begin and open end: the query may match any stretch ``series[a : j + 1]``.
    Steps (1, 0), (0, 1), (1, 1), weight 1, squared Euclidean local cost (summed over
    dimensions), as librosa's ``dtw(subseq=True, metric="sqeuclidean")`` and
    dtaidistance's ``subsequence_alignment(penalty=0)``.

    Parameters
    ----------
    query : array [shape=(n,) or (n, d)]
        The short pattern.
    series : array [shape=(M,) or (M, d)]
        The long series to search.
    stretch : float in [0, 1], optional
        Band: a match starting at frame a keeps to cells with ``|(j - a) - i| <= r``,
        r = floor(stretch * n), so its span has n - r to n + r frames. None: no band.
    window : int >= 0, optional
        The band's radius r in frames instead of a fraction.

    Returns
    -------
    cost : np.ndarray [shape=(M,)]
        ``cost[j]``: the smallest accumulated squared cost of a match ending at frame j
        (inf where no match within the band ends there). ``sqrt(cost)`` is its DTW distance.
    start : np.ndarray [shape=(M,), int]
        That match's first frame (-1 where none).

    Examples
    --------
    >>> cost, start = subsequence_profile([1.0, 2.0], [5.0, 1.0, 2.0, 2.0, 7.0])
    >>> int(np.argmin(cost)), int(start[np.argmin(cost)]), float(cost.min())
    (2, 1, 0.0)
    """
    q = _as_series(query, "query")
    s = _as_series(series, "series")
    _check_dims(q, s, "query", "series")
    radius = band_radius(q.shape[0], stretch=stretch, window=window)
    if radius < 0:
        return kernels.subsequence_profile(q, s)
    return kernels.subsequence_profile_banded(q, s, radius)


def subsequence_search(
    query: ArrayLike,
    series: ArrayLike,
    k: int | None = 1,
    *,
    max_distance: float | None = None,
    exclusion: int = 0,
    overlap: int = 0,
    stretch: float | None = None,
    window: int | None = None,
    length_norm: SpanNorm = "none",
) -> list[SubsequenceMatch]:
    """The k best non-overlapping matches of a query inside a longer series, with paths.

    Every end frame's cheapest match (:func:`subsequence_profile`) is a candidate; they
    are taken best first (ties: earlier end), and one is kept when its span does not
    come within ``exclusion`` frames of a span already kept (or, with ``overlap``, does
    not reach more than that many frames into one).

    Parameters
    ----------
    query : array [shape=(n,) or (n, d)]
    series : array [shape=(M,) or (M, d)]
    k : int >= 1 or None
        How many matches at most; None: every match (with ``max_distance``, every
        occurrence closer than it).
    max_distance : float, optional
        Keep matches whose distance is at most this.
    exclusion : int >= 0
        Frames kept free on each side of a kept span (0: spans may touch, not overlap).
    overlap : int >= 0
        Frames by which a span may reach into a kept one (instead of an exclusion zone;
        occurrences said in quick succession, whose best spans share a frame or two).
    stretch, window : see :func:`subsequence_profile`.
    length_norm : {"none", "query", "sum", "max"}
        The distance is ``sqrt(cost / L)`` with L = 1 (the plain DTW distance, as
        librosa's and dtaidistance's), n, n + span or max(n, span) frames. It ranks the
        candidates: "sum" or "max" compare spans of different lengths fairly.

    Returns
    -------
    list of SubsequenceMatch, best first.

    Examples
    --------
    >>> found = subsequence_search([0.0, 1.0, 0.0], [5, 0, 1, 0, 5, 5, 0, 1, 1, 0], k=2)
    >>> [(m.start, m.stop, m.distance) for m in found]
    [(1, 4, 0.0), (6, 10, 0.0)]
    """
    if k is not None and (isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1):
        raise ValueError(f"k must be a whole number of 1 or more, or None, got {k!r}")
    if isinstance(exclusion, bool) or not isinstance(exclusion, (int, np.integer)) or exclusion < 0:
        raise ValueError(
            f"exclusion must be a whole number of frames, 0 or more, got {exclusion!r}"
        )
    if isinstance(overlap, bool) or not isinstance(overlap, (int, np.integer)) or overlap < 0:
        raise ValueError(f"overlap must be a whole number of frames, 0 or more, got {overlap!r}")
    if overlap and exclusion:
        raise ValueError("give either exclusion or overlap, not both")
    q = _as_series(query, "query")
    s = _as_series(series, "series")
    cost, start = subsequence_profile(q, s, stretch=stretch, window=window)
    radius = band_radius(q.shape[0], stretch=stretch, window=window)
    n = q.shape[0]
    ends = np.arange(s.shape[0])
    dist = np.sqrt(cost / _span_divisor(n, ends - start + 1, length_norm))
    order = np.argsort(dist, kind="stable")
    kept: list[SubsequenceMatch] = []
    for end in order:
        d = float(dist[end])
        if not np.isfinite(d) or (max_distance is not None and d > max_distance):
            break
        a, b = int(start[end]), int(end)
        reach = exclusion - overlap
        if any(a <= m.stop - 1 + reach and b >= m.start - reach for m in kept):
            continue
        path = kernels.subsequence_path(q, s[a : b + 1], radius)
        path[:, 1] += a
        kept.append(SubsequenceMatch(a, b + 1, d, path))
        if k is not None and len(kept) >= k:
            break
    return kept
