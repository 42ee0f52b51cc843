"""k-medoids on a dissimilarity matrix: BUILD, FasterPAM's eager swaps, silhouettes.

The matrix need not be square. Its rows are the *candidates* (the items a medoid may be
chosen from) and its columns the *points* whose distances to their nearest medoid are
summed (the loss). A square matrix, every item both a candidate and a point, gives
classic k-medoids; a tall matrix of every item against a random batch of them gives the
one-batch search of OneBatchPAM (de Mathelin et al., AAAI 2025), which never needs the
square matrix of a large catalogue.

* :func:`build`: the greedy BUILD start of PAM (Kaufman & Rousseeuw): each medoid in turn
  is the candidate that lowers the loss most. It is deterministic, and the first k
  medoids of a BUILD for k + 1 are the BUILD for k.
* :func:`fasterpam`: FasterPAM (Schubert & Rousseeuw, *Information Systems* 101, 2021).
  For each candidate in turn it finds, in one pass over the points, the best medoid to
  swap it with (every medoid's loss change at once, from each point's nearest and
  second-nearest medoid), and swaps at once whenever the loss falls (the *eager* rule).
  It stops after a whole round of candidates without a swap. Candidates are evaluated in
  blocks in parallel; the first improving candidate of a block is taken, so the result is
  that of the sequential algorithm.
* :func:`silhouette`: the silhouette of every item of a square matrix (Rousseeuw 1987);
  :func:`medoid_silhouette`: ``1 - a/b`` from the distances to the nearest and the second
  nearest medoid (Van der Laan et al. 2003), which needs no pairwise matrix.

Distances may be float32 or float64; sums are float64. Ties go to the lower index.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit, prange

__all__ = ["KMedoids", "build", "fasterpam", "loss", "medoid_silhouette", "silhouette"]

MAX_PASSES = 100
"""Most rounds over the candidates that :func:`fasterpam` makes."""
_BLOCK = 1_024  # candidates evaluated in parallel before the first improving one is taken


@dataclass(frozen=True)
class KMedoids:
    """Result of :func:`fasterpam`.

    Attributes
    ----------
    medoids : np.ndarray [shape=(k,), int]
        Rows (candidates) chosen as medoids, in the order of the start medoids they
        replaced.
    labels : np.ndarray [shape=(m,), int]
        Nearest medoid of each column (point), 0..k-1 (ties: the lower index).
    loss : float
        Sum over the columns of the (weighted) distance to the nearest medoid.
    swaps : int
        Swaps made.
    passes : int
        Rounds over the candidates (the last one found no swap, unless it hit
        :data:`MAX_PASSES`).
    """

    medoids: np.ndarray
    labels: np.ndarray
    loss: float
    swaps: int
    passes: int


def _check_matrix(diss: np.ndarray) -> np.ndarray:
    arr = np.asarray(diss)
    if arr.ndim != 2 or arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"the dissimilarities must be a non-empty 2-D array, got {arr.shape}")
    if arr.dtype not in (np.float32, np.float64):
        arr = arr.astype(np.float64)
    return np.ascontiguousarray(arr)


def _check_weights(weights: np.ndarray | None, m: int) -> np.ndarray:
    if weights is None:
        return np.ones(m)
    w = np.ascontiguousarray(weights, dtype=np.float64)
    if w.shape != (m,):
        raise ValueError(f"expected one weight per column ({m}), got shape {w.shape}")
    if not (np.isfinite(w).all() and (w >= 0).all()):
        raise ValueError("the weights must be finite and not negative")
    return w


def _check_k(k: int, rows: int) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= rows:
        raise ValueError(f"k must be a whole number from 1 to {rows} (the candidates), got {k!r}")
    return int(k)


@njit(cache=True)
def _nearest_two(
    D: np.ndarray,
    medoids: np.ndarray,
    near: np.ndarray,
    dn: np.ndarray,
    ds: np.ndarray,
) -> None:
    """Nearest medoid (index into ``medoids``), its distance and the second distance of
    every column (inf when there is one medoid)."""
    m = D.shape[1]
    for j in range(m):
        near[j] = 0
        dn[j] = np.inf
        ds[j] = np.inf
    for t in range(medoids.shape[0]):
        row = D[medoids[t]]
        for j in range(m):
            d = np.float64(row[j])
            if d < dn[j]:
                ds[j] = dn[j]
                dn[j] = d
                near[j] = t
            elif d < ds[j]:
                ds[j] = d


@njit(cache=True)
def _swap_gain(
    row: np.ndarray,
    w: np.ndarray,
    near: np.ndarray,
    dn: np.ndarray,
    ds: np.ndarray,
    removal: np.ndarray,
    delta: np.ndarray,
) -> tuple[int, float]:
    """Best medoid to swap with the candidate whose distances are ``row``, and the loss
    change of that swap (FasterPAM's O(m + k) evaluation)."""
    k = removal.shape[0]
    for t in range(k):
        delta[t] = removal[t]
    acc = 0.0
    for j in range(row.shape[0]):
        d = np.float64(row[j])
        if d < dn[j]:
            # The point moves to the candidate whichever medoid leaves; if its own medoid
            # leaves it no longer falls back to its second nearest.
            acc += w[j] * (d - dn[j])
            delta[near[j]] += w[j] * (dn[j] - ds[j])
        elif d < ds[j]:
            delta[near[j]] += w[j] * (d - ds[j])
    best = 0
    for t in range(1, k):
        if delta[t] < delta[best]:
            best = t
    return best, delta[best] + acc


@njit(cache=True, parallel=True)
def _evaluate_block(
    D: np.ndarray,
    rows: np.ndarray,
    w: np.ndarray,
    near: np.ndarray,
    dn: np.ndarray,
    ds: np.ndarray,
    removal: np.ndarray,
    out_t: np.ndarray,
    out_change: np.ndarray,
) -> None:
    k = removal.shape[0]
    for b in prange(rows.shape[0]):
        delta = np.empty(k)
        t, change = _swap_gain(D[rows[b]], w, near, dn, ds, removal, delta)
        out_t[b] = t
        out_change[b] = change


@njit(cache=True)
def _removal_loss(
    w: np.ndarray, near: np.ndarray, dn: np.ndarray, ds: np.ndarray, removal: np.ndarray
) -> float:
    """Loss increase of removing each medoid alone; returns the current loss."""
    removal[:] = 0.0
    total = 0.0
    for j in range(near.shape[0]):
        removal[near[j]] += w[j] * (ds[j] - dn[j])
        total += w[j] * dn[j]
    return total


@njit(cache=True)
def _fasterpam(
    D: np.ndarray, w: np.ndarray, medoids: np.ndarray, max_passes: int, block: int
) -> tuple[np.ndarray, float, int, int]:
    """Eager swaps from ``medoids`` (changed in place); returns labels, loss, swaps, passes."""
    c, m = D.shape
    k = medoids.shape[0]
    near = np.empty(m, dtype=np.int64)
    dn = np.empty(m)
    ds = np.empty(m)
    removal = np.empty(k)
    is_medoid = np.zeros(c, dtype=np.bool_)
    for t in range(k):
        is_medoid[medoids[t]] = True
    _nearest_two(D, medoids, near, dn, ds)
    total = _removal_loss(w, near, dn, ds, removal)
    rows = np.empty(block, dtype=np.int64)
    out_t = np.empty(block, dtype=np.int64)
    out_change = np.empty(block)
    swaps = 0
    passes = 0
    last = -1  # candidate of the last swap: meeting it again ends the search
    done = False
    while not done and passes < max_passes:
        passes += 1
        r = 0
        while r < c:
            # The next block of candidates that are not medoids, stopping at ``last``.
            count = 0
            stop = c
            while r < c and count < block:
                if r == last:
                    stop = r
                    break
                if not is_medoid[r]:
                    rows[count] = r
                    count += 1
                r += 1
            swapped = False
            if count > 0:
                _evaluate_block(D, rows[:count], w, near, dn, ds, removal, out_t, out_change)
                tol = 1e-12 * total
                for b in range(count):
                    if out_change[b] < -tol:
                        t = out_t[b]
                        is_medoid[medoids[t]] = False
                        medoids[t] = rows[b]
                        is_medoid[rows[b]] = True
                        _nearest_two(D, medoids, near, dn, ds)
                        total = _removal_loss(w, near, dn, ds, removal)
                        swaps += 1
                        last = rows[b]
                        r = rows[b] + 1  # go on right after the swapped candidate
                        swapped = True
                        break
            if stop < c and not swapped:
                done = True
                break
        if last < 0:
            done = True  # a whole round from the start without a swap
    return near, total, swaps, passes


@njit(cache=True, parallel=True)
def _build(D: np.ndarray, w: np.ndarray, k: int) -> np.ndarray:
    c, m = D.shape
    medoids = np.empty(k, dtype=np.int64)
    dn = np.full(m, np.inf)
    gain = np.empty(c)
    for t in range(k):
        for r in prange(c):
            row = D[r]
            g = 0.0
            if t == 0:
                for j in range(m):
                    g -= w[j] * np.float64(row[j])
            else:
                for j in range(m):
                    d = np.float64(row[j])
                    if d < dn[j]:
                        g += w[j] * (dn[j] - d)
            gain[r] = g
        for s in range(t):
            gain[medoids[s]] = -np.inf
        best = 0
        for r in range(1, c):
            if gain[r] > gain[best]:
                best = r
        medoids[t] = best
        row = D[best]
        for j in range(m):
            d = np.float64(row[j])
            if d < dn[j]:
                dn[j] = d
    return medoids


def build(diss: np.ndarray, k: int, *, weights: np.ndarray | None = None) -> np.ndarray:
    """BUILD: k medoids chosen greedily, each the candidate that lowers the loss most.

    Parameters
    ----------
    diss : np.ndarray [shape=(c, m), float32 or float64]
        Dissimilarity of every candidate (row) to every point (column).
    k : int
        Number of medoids, 1 <= k <= c.
    weights : np.ndarray [shape=(m,)], optional
        Weight of each point in the loss (default 1).

    Returns
    -------
    np.ndarray [shape=(k,), int]
        Rows of the medoids, in the order chosen (ties: the lower row).
    """
    D = _check_matrix(diss)
    k = _check_k(k, D.shape[0])
    return _build(D, _check_weights(weights, D.shape[1]), k)


def fasterpam(
    diss: np.ndarray,
    medoids: int | np.ndarray,
    *,
    weights: np.ndarray | None = None,
    max_passes: int = MAX_PASSES,
) -> KMedoids:
    """k-medoids by FasterPAM's eager swaps.

    Parameters
    ----------
    diss : np.ndarray [shape=(c, m), float32 or float64]
        Dissimilarity of every candidate (row) to every point (column); square for
        classic k-medoids.
    medoids : int or np.ndarray [shape=(k,), int]
        Number of medoids (started from :func:`build`), or the start medoids (distinct
        rows).
    weights : np.ndarray [shape=(m,)], optional
        Weight of each point in the loss (default 1).
    max_passes : int
        Most rounds over the candidates.

    Returns
    -------
    KMedoids
        The medoids, each column's nearest medoid and the loss they give.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([0.0, 1.0, 2.0, 10.0, 11.0])
    >>> fasterpam(np.abs(x[:, None] - x[None, :]), 2).medoids.tolist()
    [1, 3]
    """
    D = _check_matrix(diss)
    w = _check_weights(weights, D.shape[1])
    if isinstance(medoids, (int, np.integer)) and not isinstance(medoids, bool):
        start = _build(D, w, _check_k(medoids, D.shape[0]))
    else:
        start = np.array(medoids, dtype=np.int64).ravel()
        _check_k(start.shape[0], D.shape[0])
        if start.min() < 0 or start.max() >= D.shape[0] or np.unique(start).size < start.size:
            raise ValueError(f"the start medoids must be distinct rows from 0 to {D.shape[0] - 1}")
    if start.shape[0] == 1:
        # One medoid: BUILD's first choice is already the best candidate.
        best = _build(D, w, 1)
        labels = np.zeros(D.shape[1], dtype=np.int64)
        return KMedoids(best, labels, float(w @ D[best[0]].astype(np.float64)), 0, 0)
    labels, total, swaps, passes = _fasterpam(D, w, start, int(max_passes), _BLOCK)
    return KMedoids(start, labels, float(total), int(swaps), int(passes))


def loss(diss: np.ndarray, medoids: np.ndarray, *, weights: np.ndarray | None = None) -> float:
    """Sum over the columns of ``diss`` (c, m) of the (weighted) distance to the nearest
    of the rows ``medoids`` (k,)."""
    D = _check_matrix(diss)
    w = _check_weights(weights, D.shape[1])
    return float(w @ D[np.asarray(medoids, dtype=np.int64)].min(axis=0).astype(np.float64))


@njit(cache=True, parallel=True)
def _silhouette(D: np.ndarray, labels: np.ndarray, w: np.ndarray, k: int, out: np.ndarray) -> None:
    n = D.shape[0]
    sizes = np.zeros(k)
    for i in range(n):
        sizes[labels[i]] += w[i]
    for i in prange(n):
        sums = np.zeros(k)
        row = D[i]
        for j in range(n):
            sums[labels[j]] += w[j] * np.float64(row[j])
        own = labels[i]
        rest = sizes[own] - w[i]
        if rest <= 0.0:
            out[i] = 0.0
            continue
        a = sums[own] / rest
        b = np.inf
        for c in range(k):
            if c != own and sizes[c] > 0.0:
                v = sums[c] / sizes[c]
                if v < b:
                    b = v
        top = a if a > b else b
        out[i] = (b - a) / top if top > 0 else 0.0


def silhouette(
    diss: np.ndarray, labels: np.ndarray, *, weights: np.ndarray | None = None
) -> np.ndarray:
    """Silhouette of every item: (b - a) / max(a, b), a the mean distance to the other
    members of its cluster, b the smallest mean distance to another cluster's members.

    Parameters
    ----------
    diss : np.ndarray [shape=(n, n)]
        Symmetric dissimilarities with a zero diagonal.
    labels : np.ndarray [shape=(n,), int]
        Cluster of each item, 0..k-1, at least two clusters used.
    weights : np.ndarray [shape=(n,)], optional
        How many items each one stands for (a sample's items weighted by the population
        they represent): the means above become weighted means, an item's own weight left
        out of its ``a``. Default 1 (the classic silhouette).

    Returns
    -------
    np.ndarray [shape=(n,)]
        Silhouettes in [-1, 1]; 0 for an item alone in its cluster (as scikit-learn).
    """
    D = _check_matrix(diss)
    lab = np.ascontiguousarray(labels, dtype=np.int64)
    if D.shape[0] != D.shape[1] or lab.shape != (D.shape[0],):
        raise ValueError(
            f"expected a square matrix and one label per row, got {D.shape} and {lab.shape}"
        )
    if lab.min() < 0 or np.unique(lab).size < 2:
        raise ValueError("the silhouette needs labels from 0 and at least two clusters")
    out = np.empty(D.shape[0])
    _silhouette(D, lab, _check_weights(weights, D.shape[0]), int(lab.max()) + 1, out)
    return out


def medoid_silhouette(nearest: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Medoid silhouette ``1 - a/b`` of every item (0 where both distances are 0).

    Parameters
    ----------
    nearest, second : np.ndarray [shape=(n,)]
        Distance of each item to its nearest and to its second-nearest medoid.

    Returns
    -------
    np.ndarray [shape=(n,)] in [0, 1].
    """
    a = np.asarray(nearest, dtype=np.float64)
    b = np.asarray(second, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b > 0, 1.0 - a / b, 0.0)
