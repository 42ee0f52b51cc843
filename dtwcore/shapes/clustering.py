"""Demand shapes: k-medoids clustering of a catalogue under DTW.

How it works:

* Up to :data:`FULL_LIMIT` products the DTW distances of every pair are computed once by
  the vectorised kernels into a square float32 matrix (64 MB for 4,000 products), and the
  medoids are found on it with FasterPAM (:mod:`dtwcore.shapes.kmedoids`: BUILD start,
  eager swaps; Schubert & Rousseeuw 2021).
* Beyond, or when a sample size is given, no square matrix is built. Medoids are searched
  by one-batch k-medoids (OneBatchPAM, de Mathelin et al. 2025): every candidate product
  (all of them up to :data:`CANDIDATES`, a seeded sample beyond) is compared with a seeded
  batch of :data:`DEFAULT_SAMPLE` products, computed in blocks into a (candidates x batch)
  float32 table (80 MB for 20,000 products), and FasterPAM's swaps minimise the distance
  of the batch to its nearest medoid, each batch product weighted by the number of
  candidates it is the nearest to (so that the batch stands for the whole catalogue).
  Then each medoid moves to the best of the :data:`POLISH_CANDIDATES` members nearest to
  it, by exact DTW to its members (see :func:`_polish`).
* k, when not given, is the k of :data:`AUTO_K` with the best mean silhouette, over every
  product with the square matrix, over the batch otherwise, weighted as in the search
  (the batch's own square part of the table, the batch products as candidates: for
  20,000 products a twentieth of the work per k); the chosen k's medoids then start the
  search over all candidates. Every k starts from one BUILD (greedy, so the first k
  medoids of the BUILD for 12 are the BUILD for k).
* Every product is then assigned to its nearest medoid by exact float64 DTW (ties go to
  the medoid with the lower row), in chunks, so a million products fit in memory.
* Per product: the exact silhouette when the whole matrix was computed; with a batch the
  *medoid silhouette* ``1 - a/b`` (a, b: exact distances to the nearest and the second
  nearest medoid; Van der Laan et al. 2003), which needs no pairwise matrix.
* Per cluster, the average shape is the mean of the members warped onto the medoid's
  weeks along their DTW paths (one step of DBA, started from the medoid). One step keeps
  the medoid's calendar, so week 10 of the average is week 10 of a real product, costs
  one path per member, and is deterministic; further DBA steps move the average little
  within a band of a few weeks, and they can drift from every real curve. The band of a
  shape is the 10th to 90th percentile of its members, warped the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from dtwcore import kernels
from dtwcore.distance import (
    _EMPTY_F,
    _EMPTY_ROWS,
    _as_batch,
    _chunk_tasks,
    _normalise_batch,
    band_radius,
    dtw_pairwise,
)
from dtwcore.sales import DEFAULT_STRETCH
from dtwcore.shapes.kmedoids import build, fasterpam, medoid_silhouette, silhouette

__all__ = [
    "ASSIGNMENT_COLUMNS",
    "AUTO_K",
    "CANDIDATES",
    "DEFAULT_SAMPLE",
    "FULL_LIMIT",
    "ShapeClustering",
    "assign_to_medoids",
    "assignments",
    "cluster_shapes",
    "compared_curves",
    "dtw_matrix",
    "dtw_table",
]

FULL_LIMIT = 4_000
"""Largest catalogue clustered on its whole pairwise matrix (float32, 64 MB at the limit)."""
DEFAULT_SAMPLE = 1_000
"""Products in the batch that medoids are searched against beyond :data:`FULL_LIMIT`."""
CANDIDATES = 20_000
"""Most products tried as medoids with a batch (a seeded sample of them beyond)."""
AUTO_K = (2, 12)
"""Range of k tried when k is chosen by silhouette (both ends included)."""
BAND_QUANTILES = (0.1, 0.9)
ASSIGNMENT_COLUMNS = ("product", "cluster", "is_medoid", "distance_to_medoid", "silhouette")
"""Columns of a clustering's table, one row per product (clusters numbered from 1)."""
POLISH_CANDIDATES = 32
"""Members nearest to its medoid that each cluster tries as medoid after a batch search."""
_POLISH_MEMBERS = 4_000  # members per cluster the tried medoids are scored on (a sample beyond)
_POLISH_ROUNDS = 3  # most rounds of moving the medoids and assigning again
_BAND_MEMBERS = 2_000  # members per cluster used for its band (a seeded sample)
_CHUNK = 1 << 16  # products per chunk of exact assignment and averaging
_ROW_BLOCK = 256  # query rows per kernel call while filling the matrix
_TABLE_BLOCK = 4_096  # candidate rows per kernel call while filling a batch table

Progress = Callable[[str], None]


@dataclass
class ShapeClustering:
    """Result of :func:`cluster_shapes`; clusters are numbered by size, largest first.

    Attributes
    ----------
    k : int
        Number of clusters.
    labels : np.ndarray [shape=(N,), int]
        Cluster of each product, 0..k-1.
    medoids : np.ndarray [shape=(k,), int]
        Row of each cluster's medoid (a real product).
    distance : np.ndarray [shape=(N,)]
        Exact DTW distance of each product to its medoid (z-normalised units when
        ``znorm``, else units sold).
    silhouette : np.ndarray [shape=(N,)]
        Silhouette of each product, in [-1, 1] (see ``silhouette_kind``).
    silhouette_kind : str
        ``"silhouette"`` (exact, from all pairs) or ``"medoid silhouette"`` (sampled runs).
    sizes : np.ndarray [shape=(k,), int]
    average : np.ndarray [shape=(k, W)]
        Average shape per cluster on the medoid's weeks (same units as ``distance``).
    band : np.ndarray [shape=(k, 2, W)]
        10th and 90th percentile of the warped members, per week.
    stretch, znorm : the options used.
    k_scores : dict[int, float]
        Mean silhouette for each k tried (empty when k was given): over every product
        with the whole matrix, over the batch otherwise (each batch product weighted by
        the candidates nearest to it).
    sample_size : int or None
        Products in the batch the medoids were searched against, None when the whole
        matrix was used.
    """

    k: int
    labels: np.ndarray
    medoids: np.ndarray
    distance: np.ndarray
    silhouette: np.ndarray
    silhouette_kind: str
    sizes: np.ndarray
    average: np.ndarray
    band: np.ndarray
    stretch: float
    znorm: bool
    k_scores: dict[int, float] = field(default_factory=dict)
    sample_size: int | None = None

    @property
    def mean_silhouette(self) -> float:
        """Mean silhouette over all products."""
        return float(self.silhouette.mean())

    @property
    def runner_up(self) -> int | None:
        """The k with the second-best score when k was chosen (None when it was given)."""
        ranked = sorted(self.k_scores, key=lambda k: (-self.k_scores[k], k))
        return ranked[1] if len(ranked) > 1 else None

    @property
    def total_distance(self) -> float:
        """Sum of the exact distances to the medoids (the k-medoids loss)."""
        return float(self.distance.sum())


def assignments(ids: np.ndarray, result: ShapeClustering) -> pd.DataFrame:
    """One row per product, in input order, with :data:`ASSIGNMENT_COLUMNS`; ``cluster``
    counts from 1 (the largest shape)."""
    medoid = np.zeros(result.labels.shape[0], dtype=bool)
    medoid[result.medoids] = True
    data = [np.asarray(ids).astype(str), result.labels + 1, medoid, result.distance]
    return pd.DataFrame(dict(zip(ASSIGNMENT_COLUMNS, [*data, result.silhouette], strict=True)))


def compared_curves(values: np.ndarray, znorm: bool) -> np.ndarray:
    """Rows of ``values`` (n, W) as clustering compares them: z-normalised when ``znorm``."""
    return _normalised(np.atleast_2d(np.asarray(values, dtype=np.float64)), znorm)


def _check_values(values: np.ndarray) -> np.ndarray:
    data, _ = _as_batch(values, "values")
    if data.shape[2] != 1:
        raise ValueError("values: expected one series per row, shape (N, W)")
    return np.ascontiguousarray(data[:, :, 0])


def _normalised(values: np.ndarray, znorm: bool) -> np.ndarray:
    if not znorm:
        return np.ascontiguousarray(values, dtype=np.float64)
    n, w = values.shape
    return _normalise_batch(values[:, :, None], np.full(n, w, dtype=np.int64))[:, :, 0]


def dtw_matrix(values: np.ndarray, *, stretch: float = DEFAULT_STRETCH) -> np.ndarray:
    """Symmetric float32 matrix of DTW distances between all rows (no normalisation).

    Parameters
    ----------
    values : np.ndarray [shape=(N, W)]
        Series as they are to be compared (z-normalise them first for shapes).
    stretch : float in [0, 1]
        Sakoe-Chiba radius floor(stretch x W).

    Returns
    -------
    np.ndarray [shape=(N, N), float32], zero diagonal; 4 N^2 bytes.
    """
    data = np.ascontiguousarray(values, dtype=np.float64)
    n, w = data.shape
    radius = band_radius(w, stretch=stretch)
    X = data[:, :, None]
    lengths = np.full(n, w, dtype=np.int64)
    radii = np.full(n, radius, dtype=np.int64)
    out = np.zeros((n, n), dtype=np.float32)
    for first in range(0, n - 1, _ROW_BLOCK):
        rows = range(first, min(n - 1, first + _ROW_BLOCK))
        tasks = np.concatenate([_chunk_tasks(i, i + 1, n, i + 1) for i in rows])
        kernels.batch_dtw(
            X, lengths, radii, X, lengths, _EMPTY_ROWS, tasks, _EMPTY_F, _EMPTY_F, np.inf,
            out, kernels.chunks_for(tasks.shape[0]),
        )  # fmt: skip
    # Mirror the upper triangle in blocks (no N x N temporary).
    for first in range(0, n, 2048):
        last = min(n, first + 2048)
        block = out[first:last, first:last]
        block += block.T
        out[last:, first:last] = out[first:last, last:].T
    return out


def assign_to_medoids(
    values: np.ndarray,
    medoid_series: np.ndarray,
    *,
    stretch: float = DEFAULT_STRETCH,
    znorm: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Nearest medoid of every series by exact DTW, in chunks.

    Parameters
    ----------
    values : np.ndarray [shape=(N, W)]
    medoid_series : np.ndarray [shape=(k, W)]
        The medoids' series, in the same units as ``values``.
    stretch, znorm : as in :func:`dtwcore.dtw_one_to_many` (the medoid is the query).

    Returns
    -------
    labels : np.ndarray [shape=(N,), int]
        Index of the nearest medoid (ties: the lower index).
    nearest, second : np.ndarray [shape=(N,)]
        Exact distances to the nearest and to the second nearest medoid (inf when k = 1).
    """
    n = values.shape[0]
    k = medoid_series.shape[0]
    labels = np.empty(n, dtype=np.int64)
    nearest = np.empty(n)
    second = np.full(n, np.inf)
    for first in range(0, n, _CHUNK):
        chunk = values[first : first + _CHUNK]
        dist = dtw_pairwise(medoid_series, chunk, stretch=stretch, znorm=znorm)
        best = np.argmin(dist, axis=0)
        cols = np.arange(dist.shape[1])
        labels[first : first + len(chunk)] = best
        nearest[first : first + len(chunk)] = dist[best, cols]
        if k > 1:
            dist[best, cols] = np.inf
            second[first : first + len(chunk)] = dist.min(axis=0)
    return labels, nearest, second


def _check_k(k: int | None, n: int, k_range: tuple[int, int]) -> None:
    if n < 3:
        raise ValueError(f"finding shapes needs at least 3 products, got {n}")
    if k is None:
        lo, hi = k_range
        if not 2 <= lo <= hi:
            raise ValueError(f"the range of k must be 2 <= low <= high, got {k_range}")
        return
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 2 <= k < n:
        raise ValueError(f"k must be a whole number from 2 to {n - 1} (products - 1), got {k!r}")


def dtw_table(
    rows: np.ndarray, columns: np.ndarray, *, stretch: float = DEFAULT_STRETCH
) -> np.ndarray:
    """float32 table of DTW distances from every row of ``rows`` to every row of
    ``columns`` (no normalisation), filled in blocks of rows.

    Parameters
    ----------
    rows : np.ndarray [shape=(C, W)]
    columns : np.ndarray [shape=(M, W)]
        Series as they are to be compared (z-normalise them first for shapes).
    stretch : float in [0, 1]
        Sakoe-Chiba radius floor(stretch x W).

    Returns
    -------
    np.ndarray [shape=(C, M), float32]; 4 C M bytes.
    """
    Q = np.ascontiguousarray(rows, dtype=np.float64)[:, :, None]
    X = np.ascontiguousarray(columns, dtype=np.float64)[:, :, None]
    c, w = Q.shape[0], Q.shape[1]
    m = X.shape[0]
    radius = band_radius(w, stretch=stretch)
    out = np.empty((c, m), dtype=np.float32)
    one = _chunk_tasks(0, 0, m, 0)
    for first in range(0, c, _TABLE_BLOCK):
        last = min(c, first + _TABLE_BLOCK)
        tasks = np.tile(one, (last - first, 1))
        tasks[:, 0] = np.repeat(np.arange(first, last, dtype=np.int64), one.shape[0])
        kernels.batch_dtw(
            Q, np.full(c, w, dtype=np.int64), np.full(c, radius, dtype=np.int64), X,
            np.full(m, w, dtype=np.int64), _EMPTY_ROWS, tasks, _EMPTY_F, _EMPTY_F, np.inf,
            out, kernels.chunks_for(tasks.shape[0]),
        )  # fmt: skip
    return out


def cluster_shapes(
    values: np.ndarray,
    *,
    k: int | None = None,
    stretch: float = DEFAULT_STRETCH,
    znorm: bool = True,
    sample: int | None = None,
    k_range: tuple[int, int] = AUTO_K,
    seed: int = 0,
    progress: Progress | None = None,
) -> ShapeClustering:
    """Find the demand shapes of a catalogue: k-medoids under DTW.

    Parameters
    ----------
    values : np.ndarray [shape=(N, W)]
        Weekly units per product.
    k : int, optional
        Number of shapes, 2 <= k < N; None chooses it by mean silhouette over ``k_range``.
    stretch : float in [0, 1]
        Sakoe-Chiba radius floor(stretch x W), as in scoring.
    znorm : bool
        Compare shapes (z-normalised, default) rather than units.
    sample : int, optional
        Search medoids against a batch of this many products instead of the whole
        matrix. By default the whole matrix is used up to :data:`FULL_LIMIT` products, a
        batch of :data:`DEFAULT_SAMPLE` beyond.
    k_range : (int, int)
        Smallest and largest k tried when ``k`` is None.
    seed : int
        Seed of the batch and of the candidates: the same input gives the same result.
    progress : callable(str), optional
        Called with a short message at each step.

    Returns
    -------
    ShapeClustering
    """
    say = progress or (lambda _msg: None)
    X = _check_values(values)
    n, w = X.shape
    _check_k(k, n, k_range)
    if sample is None and n > FULL_LIMIT:
        sample = DEFAULT_SAMPLE
    if sample is not None:
        if isinstance(sample, bool) or not isinstance(sample, (int, np.integer)) or sample < 3:
            raise ValueError(f"the sample size must be a whole number of 3 or more, got {sample!r}")
        if sample >= n and n <= FULL_LIMIT:
            sample = None
        elif sample <= (k or k_range[0]):
            raise ValueError(
                f"a sample of {sample} products cannot hold {k or k_range[0]} shapes: "
                "give a bigger sample"
            )
    rng = np.random.default_rng(seed)
    k_scores: dict[int, float] = {}
    if sample is None:
        say(f"computing {n * (n - 1) // 2:,} DTW distances …")
        D = dtw_matrix(_normalised(X, znorm), stretch=stretch)
        say("searching the medoids …")
        k, medoids, k_scores = _search(D, None, None, k, k_range, say)
        say("assigning every product exactly …")
        labels, dist, _ = _assigned(X, medoids, stretch, znorm)
        labels, medoids = _by_size(labels, medoids, k)
        say("silhouettes …")
        sil = silhouette(D, labels)
        del D
        kind = "silhouette"
    else:
        candidates = np.arange(n)
        if n > CANDIDATES:
            candidates = np.sort(rng.choice(n, CANDIDATES, replace=False))
        sample = min(int(sample), candidates.shape[0])
        batch = np.sort(rng.choice(candidates.shape[0], sample, replace=False))
        Z = _normalised(X[candidates], znorm)
        say(f"computing {Z.shape[0] * sample:,} DTW distances to a batch of {sample:,} …")
        D = dtw_table(Z, Z[batch], stretch=stretch)
        del Z
        # Each batch product stands for the candidates nearest to it (OneBatchPAM's
        # weighting), so that the batch's loss follows the whole catalogue's.
        weights = np.bincount(np.argmin(D, axis=1), minlength=sample).astype(np.float64)
        say("searching the medoids …")
        k, local, k_scores = _search(D, batch, weights, k, k_range, say)
        del D
        medoids = candidates[local]
        say(f"assigning all {n:,} products exactly …")
        labels, dist, second = _assigned(X, medoids, stretch, znorm)
        medoids, labels, dist, second = _polish(
            X, medoids, labels, dist, second, stretch, znorm, rng, say
        )
        labels, medoids = _by_size(labels, medoids, k)
        sil = medoid_silhouette(dist, second)
        kind = "medoid silhouette"
    say("average shapes …")
    average, band = _profiles(X, labels, medoids, k, stretch, znorm, rng)
    return ShapeClustering(
        k=int(k),
        labels=labels,
        medoids=medoids,
        distance=dist,
        silhouette=sil,
        silhouette_kind=kind,
        sizes=np.bincount(labels, minlength=k),
        average=average,
        band=band,
        stretch=float(stretch),
        znorm=bool(znorm),
        k_scores=k_scores,
        sample_size=sample,
    )


def _search(
    D: np.ndarray,
    batch: np.ndarray | None,
    weights: np.ndarray | None,
    k: int | None,
    k_range: tuple[int, int],
    say: Progress,
) -> tuple[int, np.ndarray, dict[int, float]]:
    """Medoids (rows of ``D``) by FasterPAM, and k when it is None; returns k, the
    medoids and the score of every k tried.

    ``batch`` gives the row of each column (None: ``D`` is square). k is then chosen on
    the batch's own square part, every batch product a candidate (batch / candidates of
    the work per k); the chosen k's medoids start the search over all candidates."""
    square = D if batch is None else D[batch]
    if k is None:
        k, start, scores = _choose_k(square, weights, k_range, say)
        if batch is None:
            return k, start, scores
        say(f"refining {k} shapes on every candidate …")
        return k, fasterpam(D, batch[start], weights=weights).medoids, scores
    return int(k), fasterpam(D, int(k), weights=weights).medoids, {}


def _choose_k(
    D: np.ndarray, weights: np.ndarray | None, k_range: tuple[int, int], say: Progress
) -> tuple[int, np.ndarray, dict[int, float]]:
    """The k of ``k_range`` with the best mean silhouette on the square matrix ``D``
    (ties: the smaller k), its medoids and every k's score. Every k starts from one BUILD
    (greedy, so its first k medoids are the BUILD for k). With ``weights`` (a batch, each
    product weighted by the candidates nearest to it) the silhouette is the weighted one:
    on the demo catalogue of 20,000 products it ranks k as the exact silhouette of all
    products does (5, then 4, then 2), where the unweighted batch silhouette chose 2."""
    lo, hi = k_range
    hi = min(hi, D.shape[0] - 1)
    start = build(D, hi, weights=weights)
    scores: dict[int, float] = {}
    found: dict[int, np.ndarray] = {}
    for kk in range(lo, hi + 1):
        say(f"trying {kk} shapes …")
        result = fasterpam(D, start[:kk], weights=weights)
        found[kk] = result.medoids
        sil = silhouette(D, result.labels, weights=weights)
        scores[kk] = float(np.average(sil, weights=weights))
    best = max(scores, key=lambda kk: (scores[kk], -kk))
    return best, found[best], scores


def _assigned(
    X: np.ndarray, medoids: np.ndarray, stretch: float, znorm: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exact nearest medoid of every product, each medoid in its own cluster."""
    labels, dist, second = assign_to_medoids(X, X[medoids], stretch=stretch, znorm=znorm)
    labels[medoids] = np.arange(medoids.shape[0])
    dist[medoids] = 0.0
    second[medoids] = np.inf
    return labels, dist, second


def _polish(
    X: np.ndarray,
    medoids: np.ndarray,
    labels: np.ndarray,
    dist: np.ndarray,
    second: np.ndarray,
    stretch: float,
    znorm: bool,
    rng: np.random.Generator,
    say: Progress,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Medoids moved within their clusters by exact DTW, after a batch search.

    The batch sees a cluster through a few dozen of its products, so its medoid may sit
    a little off the cluster's centre. Each cluster tries the :data:`POLISH_CANDIDATES`
    members nearest to its medoid as medoid, scored by their exact distances to all
    members (to a seeded sample of :data:`_POLISH_MEMBERS` in a bigger cluster), and takes
    the best; then every product is assigned again, and so on while a medoid moves (at
    most :data:`_POLISH_ROUNDS` rounds). With every member scored the loss can only fall:
    the new medoid is closer to the members in total, and reassignment only shortens
    distances."""
    medoids = medoids.copy()
    for _ in range(_POLISH_ROUNDS):
        say("moving medoids to their clusters' centres …")
        moved = False
        for c in range(medoids.shape[0]):
            members = np.flatnonzero(labels == c)
            if members.shape[0] < 3:
                continue
            nearest = members[np.argsort(dist[members], kind="stable")[: POLISH_CANDIDATES + 1]]
            tried = np.concatenate([[medoids[c]], nearest[nearest != medoids[c]]])
            scored = members
            if members.shape[0] > _POLISH_MEMBERS:
                scored = np.sort(rng.choice(members, _POLISH_MEMBERS, replace=False))
            sums = dtw_pairwise(X[tried], X[scored], stretch=stretch, znorm=znorm).sum(axis=1)
            best = int(np.argmin(sums))
            if best > 0 and sums[best] < sums[0] * (1 - 1e-12):
                medoids[c] = tried[best]
                moved = True
        if not moved:
            break
        labels, dist, second = _assigned(X, medoids, stretch, znorm)
    return medoids, labels, dist, second


def _by_size(labels: np.ndarray, medoids: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Renumber clusters largest first (ties: the lower medoid row first)."""
    sizes = np.bincount(labels, minlength=k)
    order = np.lexsort((medoids, -sizes))
    new = np.empty(k, dtype=np.int64)
    new[order] = np.arange(k)
    return new[labels], medoids[order]


def _profiles(
    X: np.ndarray,
    labels: np.ndarray,
    medoids: np.ndarray,
    k: int,
    stretch: float,
    znorm: bool,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Average shape and 10-90 % band of each cluster, members warped onto the medoid."""
    n, w = X.shape
    radius = band_radius(w, stretch=stretch)
    average = np.zeros((k, w))
    band = np.zeros((k, 2, w))
    for c in range(k):
        members = np.flatnonzero(labels == c)
        ref = np.ascontiguousarray(_normalised(X[medoids[c] : medoids[c] + 1], znorm)[0])
        total = np.zeros(w)
        for first in range(0, members.shape[0], _CHUNK):
            part = _normalised(X[members[first : first + _CHUNK]], znorm)
            warped = np.empty_like(part)
            kernels.aligned_to(ref, part, radius, warped)
            total += warped.sum(axis=0)
        average[c] = total / members.shape[0]
        some = members
        if members.shape[0] > _BAND_MEMBERS:
            some = np.sort(rng.choice(members, _BAND_MEMBERS, replace=False))
        warped = np.empty((some.shape[0], w))
        kernels.aligned_to(ref, _normalised(X[some], znorm), radius, warped)
        band[c] = np.quantile(warped, BAND_QUANTILES, axis=0)
    return average, band
