"""Demand shapes: k-medoids clustering of a catalogue under DTW.

How it works:

* The pairwise DTW distances of every product are computed once by the vectorised kernels
  into a square float32 matrix (``kmedoids`` takes square matrices only): 20,000 products
  take 1.6 GB. Above :data:`FULL_LIMIT` products, or when a sample size is given, medoids
  are searched on random samples instead (CLARA: :data:`CLARA_DRAWS` samples, each one
  holding the best medoids found so far).
* Medoids are found with FasterPAM (``kmedoids``, Schubert & Rousseeuw 2021), first on a
  sample of at most :data:`SELECT_SAMPLE` products (for every k of a range when k is chosen
  by the mean silhouette), then refined on the whole matrix from there.
* Every product is then assigned to its nearest medoid by exact float64 DTW (ties go to
  the medoid with the lower row), in chunks, so a million products fit in memory.
* Per product: the exact silhouette when the whole matrix was computed; with samples the
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

import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib.abc import MetaPathFinder
from importlib.machinery import ModuleSpec
from types import ModuleType

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
from dtwcore.sales import DEFAULT_STRETCH, PAGE_LIMITS

__all__ = [
    "ASSIGNMENT_COLUMNS",
    "AUTO_K",
    "CLARA_DRAWS",
    "DEFAULT_SAMPLE",
    "FULL_LIMIT",
    "SELECT_SAMPLE",
    "ShapeClustering",
    "assign_to_medoids",
    "assignments",
    "cluster_shapes",
    "compared_curves",
    "dtw_matrix",
]

FULL_LIMIT = PAGE_LIMITS.products
"""Largest catalogue clustered on its whole pairwise matrix (the page's limit)."""
DEFAULT_SAMPLE = 5_000
"""Products per sample when medoids are searched on samples (CLARA)."""
CLARA_DRAWS = 5
"""Samples drawn (CLARA's classic five)."""
SELECT_SAMPLE = 4_000
"""Products on which FasterPAM starts (and k is chosen) before refining on all of them."""
AUTO_K = (2, 12)
"""Range of k tried when k is chosen by silhouette (both ends included)."""
BAND_QUANTILES = (0.1, 0.9)
ASSIGNMENT_COLUMNS = ("product", "cluster", "is_medoid", "distance_to_medoid", "silhouette")
"""Columns of a clustering's table, one row per product (clusters numbered from 1)."""
_BAND_MEMBERS = 2_000  # members per cluster used for its band (a seeded sample)
_CHUNK = 1 << 16  # products per chunk of exact assignment and averaging
_ROW_BLOCK = 256  # query rows per kernel call while filling the matrix

Progress = Callable[[str], None]


class _WithoutSklearn(MetaPathFinder):
    """Refuses ``sklearn`` imports made by one thread (all other threads import as usual)."""

    def __init__(self) -> None:
        self.thread = threading.get_ident()

    def find_spec(
        self, name: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if threading.get_ident() == self.thread and name.partition(".")[0] == "sklearn":
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


def _import_kmedoids() -> ModuleType:
    """``kmedoids`` without its optional scikit-learn adapter (``kmedoids.KMedoids``, not
    used here). The package imports scikit-learn only to offer that class, which adds
    about 60 MB to the peak of a 20,000-product clustering (2.01 GB instead of 1.95 GB,
    against a bound of 2 GB). Where scikit-learn is already loaded, the plain import
    costs nothing more."""
    if "kmedoids" in sys.modules or "sklearn.base" in sys.modules:
        import kmedoids

        return kmedoids
    finder = _WithoutSklearn()
    sys.meta_path.insert(0, finder)
    try:
        import kmedoids
    finally:
        sys.meta_path.remove(finder)
    return kmedoids


kmedoids = _import_kmedoids()


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
        Mean silhouette for each k tried (empty when k was given).
    sample_size : int or None
        Products per CLARA sample, None when the whole matrix was used.
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


def _pam(diss: np.ndarray, medoids: int | np.ndarray, seed: int) -> np.ndarray:
    """FasterPAM medoids of a square matrix (BUILD start when only k is given)."""
    if isinstance(medoids, int):
        result = kmedoids.fasterpam(diss, medoids, init="build", random_state=seed)
    else:
        result = kmedoids.fasterpam(diss, medoids.astype(np.uintp))
    return np.sort(np.asarray(result.medoids, dtype=np.int64))


def _labels_from(diss: np.ndarray, medoids: np.ndarray) -> np.ndarray:
    return np.argmin(diss[medoids], axis=0)


def _choose_k(
    diss: np.ndarray, k_range: tuple[int, int], seed: int, progress: Progress
) -> tuple[int, np.ndarray, dict[int, float]]:
    """Best k by mean silhouette on ``diss``; its medoids and the score of every k."""
    lo, hi = k_range
    hi = min(hi, diss.shape[0] - 1)
    scores: dict[int, float] = {}
    found: dict[int, np.ndarray] = {}
    for k in range(lo, hi + 1):
        progress(f"trying {k} shapes …")
        found[k] = _pam(diss, k, seed)
        scores[k] = float(kmedoids.silhouette(diss, _labels_from(diss, found[k]))[0])
    best = max(scores, key=lambda k: (scores[k], -k))
    return best, found[best], scores


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
        Search medoids on CLARA samples of this many products. By default the whole
        matrix is used up to :data:`FULL_LIMIT` products, samples of
        :data:`DEFAULT_SAMPLE` beyond.
    k_range : (int, int)
        Smallest and largest k tried when ``k`` is None.
    seed : int
        Seed of the samples and of FasterPAM: the same input gives the same result.
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
        if sample >= n:
            sample = None
        elif sample <= (k or k_range[0]):
            raise ValueError(
                f"a sample of {sample} products cannot hold {k or k_range[0]} shapes: "
                "give a bigger sample"
            )
    rng = np.random.default_rng(seed)
    k_scores: dict[int, float] = {}
    if sample is None:
        Z = _normalised(X, znorm)
        # Start on a sample of SELECT_SAMPLE products (its own small matrix, freed before
        # the big one exists), then refine on the whole matrix.
        pick = np.arange(n) if n <= SELECT_SAMPLE else np.sort(rng.choice(n, SELECT_SAMPLE, False))
        say(f"computing {pick.size * (pick.size - 1) // 2:,} DTW distances …")
        D = dtw_matrix(Z[pick], stretch=stretch)
        if k is None:
            k, start, k_scores = _choose_k(D, k_range, seed, say)
        else:
            start = _pam(D, int(k), seed)
        medoids = pick[start]
        if pick.size < n:
            del D
            say(f"computing {n * (n - 1) // 2:,} DTW distances …")
            D = dtw_matrix(Z, stretch=stretch)
            say(f"refining {k} shapes on all {n:,} products …")
            medoids = _pam(D, medoids, seed)
        say("assigning every product exactly …")
        labels, dist, _ = assign_to_medoids(X, X[medoids], stretch=stretch, znorm=znorm)
        labels[medoids] = np.arange(k)
        dist[medoids] = 0.0
        labels, medoids = _by_size(labels, medoids, k)
        say("silhouettes …")
        sil = np.asarray(kmedoids.silhouette(D, labels, samples=True, n_cpu=1)[1])
        del D
        kind = "silhouette"
    else:
        labels, medoids, dist, second, k, k_scores = _clara(
            X, k, int(sample), stretch, znorm, k_range, rng, seed, say
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            sil = np.where(second > 0, 1.0 - dist / second, 0.0)
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


def _by_size(labels: np.ndarray, medoids: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Renumber clusters largest first (ties: the lower medoid row first)."""
    sizes = np.bincount(labels, minlength=k)
    order = np.lexsort((medoids, -sizes))
    new = np.empty(k, dtype=np.int64)
    new[order] = np.arange(k)
    return new[labels], medoids[order]


def _clara(
    X: np.ndarray,
    k: int | None,
    sample: int,
    stretch: float,
    znorm: bool,
    k_range: tuple[int, int],
    rng: np.random.Generator,
    seed: int,
    say: Progress,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int, dict[int, float]]:
    """CLARA: FasterPAM on samples, each scored by exact assignment of every product."""
    n = X.shape[0]
    best: tuple | None = None
    k_scores: dict[int, float] = {}
    for draw in range(CLARA_DRAWS):
        keep = best[1] if best is not None else np.empty(0, dtype=np.int64)
        rest = np.setdiff1d(np.arange(n), keep) if keep.size else None
        fresh = rng.choice(rest if rest is not None else n, sample - keep.size, replace=False)
        idx = np.sort(np.concatenate([keep, fresh]).astype(np.int64))
        say(f"sample {draw + 1} of {CLARA_DRAWS}: {sample:,} products …")
        D = dtw_matrix(_normalised(X[idx], znorm), stretch=stretch)
        if k is None:
            k, local, k_scores = _choose_k(D, k_range, seed, say)
        elif keep.size:
            local = _pam(D, np.searchsorted(idx, keep), seed)
        else:
            local = _pam(D, int(k), seed)
        del D
        medoids = idx[local]
        say(f"sample {draw + 1} of {CLARA_DRAWS}: assigning all {n:,} products …")
        labels, dist, second = assign_to_medoids(X, X[medoids], stretch=stretch, znorm=znorm)
        labels[medoids] = np.arange(k)
        dist[medoids] = 0.0
        cost = float(dist.sum())
        if best is None or cost < best[0]:
            best = (cost, medoids, labels, dist, second)
    assert best is not None
    _, medoids, labels, dist, second = best
    labels, medoids = _by_size(labels, medoids, k)
    return labels, medoids, dist, second, int(k), k_scores


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
