"""Our k-medoids against plain-numpy references: brute force, PAM, sequential FasterPAM."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest
from sklearn.metrics import silhouette_samples

from dtwcore import dtw_pairwise
from dtwcore.sales import load_catalog
from dtwcore.shapes import clustering
from dtwcore.shapes.clustering import cluster_shapes
from dtwcore.shapes.kmedoids import build, fasterpam, loss, medoid_silhouette, silhouette

from .conftest import UCI_CSV


def _points(n: int, seed: int, dims: int = 2) -> np.ndarray:
    """Euclidean distances of n random points in a few loose groups."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 4, (5, dims))
    P = centres[rng.integers(0, 5, n)] + rng.normal(0, 1, (n, dims))
    return np.sqrt(((P[:, None] - P[None]) ** 2).sum(-1))


@pytest.fixture(scope="module")
def uci_matrix() -> np.ndarray:
    """Exact DTW matrix of the first 200 UCI products (z-normalised, stretch 0.05)."""
    return dtw_pairwise(load_catalog(UCI_CSV).values[:200], stretch=0.05, znorm=True)


def _loss(D: np.ndarray, medoids: list[int] | np.ndarray) -> float:
    return float(D[np.asarray(medoids)].min(axis=0).sum())


def reference_build(D: np.ndarray, k: int) -> list[int]:
    """PAM's BUILD, one candidate at a time in plain numpy."""
    medoids = [int(np.argmin(D.sum(axis=1)))]
    nearest = D[medoids[0]].copy()
    for _ in range(1, k):
        gain = np.maximum(nearest[None, :] - D, 0.0).sum(axis=1)
        gain[medoids] = -np.inf
        medoids.append(int(np.argmax(gain)))
        nearest = np.minimum(nearest, D[medoids[-1]])
    return medoids


def reference_eager(D: np.ndarray, medoids: list[int]) -> list[int]:
    """FasterPAM's eager rule by recomputing the loss of every swap: candidates in order,
    each swapped with the medoid whose removal gains most as soon as the loss falls; stop
    after a whole round without a swap."""
    medoids = list(medoids)
    last = None
    while True:
        for c in range(D.shape[0]):
            if c == last:
                return medoids
            if c in medoids:
                continue
            base = _loss(D, medoids)
            changes = [
                _loss(D, medoids[:t] + [c] + medoids[t + 1 :]) - base for t in range(len(medoids))
            ]
            t = int(np.argmin(changes))
            if changes[t] < -1e-9:
                medoids[t] = c
                last = c
        if last is None:
            return medoids


def reference_pam(D: np.ndarray, k: int) -> list[int]:
    """Classic PAM: BUILD, then the single best swap of all (medoid, candidate) pairs
    while it lowers the loss."""
    medoids = reference_build(D, k)
    while True:
        base = _loss(D, medoids)
        best, swap = 0.0, None
        for t in range(k):
            for c in range(D.shape[0]):
                if c not in medoids:
                    change = _loss(D, medoids[:t] + [c] + medoids[t + 1 :]) - base
                    if change < best - 1e-9:
                        best, swap = change, (t, c)
        if swap is None:
            return medoids
        medoids[swap[0]] = swap[1]


def test_loss_against_brute_force_and_pam_on_small_cases() -> None:
    """24 small cases (12 points, k = 2..4): never more than 1 % above classic PAM, and
    the global optimum (every k-subset tried) in at least 20 of them; FasterPAM, like PAM,
    is a local search, and on the other 4 both stop in the same local optimum."""
    optimal = 0
    for seed in range(8):
        D = _points(12, seed)
        for k in (2, 3, 4):
            found = fasterpam(D, k)
            assert found.loss == pytest.approx(_loss(D, found.medoids), rel=1e-12)
            assert found.loss <= 1.01 * _loss(D, reference_pam(D, k))
            best = min(_loss(D, list(c)) for c in combinations(range(12), k))
            optimal += found.loss <= best * (1 + 1e-12)
    assert optimal >= 20


@pytest.mark.parametrize("k", [2, 3, 5, 8])
def test_loss_within_one_percent_of_pam_on_dtw_distances(uci_matrix: np.ndarray, k: int) -> None:
    D = uci_matrix[:120, :120]
    assert fasterpam(D, k).loss <= 1.01 * _loss(D, reference_pam(D, k))


@pytest.mark.parametrize(("seed", "k"), [(0, 3), (1, 5), (2, 9)])
def test_build_and_eager_swaps_match_the_sequential_reference(seed: int, k: int) -> None:
    """Candidates are evaluated in parallel blocks; the result is still the sequential
    algorithm's, swap for swap."""
    D = _points(150, seed)
    start = build(D, k)
    assert start.tolist() == reference_build(D, k)
    found = fasterpam(D, start)
    assert found.medoids.tolist() == reference_eager(D, start.tolist())
    assert found.swaps > 0 and found.passes >= 2
    assert found.labels.tolist() == np.argmin(D[found.medoids], axis=0).tolist()


def test_build_for_k_is_the_start_of_build_for_more(uci_matrix: np.ndarray) -> None:
    assert build(uci_matrix, 12)[:5].tolist() == build(uci_matrix, 5).tolist()


def test_a_tall_matrix_minimises_the_weighted_loss_of_its_columns() -> None:
    D = _points(200, 3)
    cols = np.arange(0, 200, 4)
    weights = np.random.default_rng(0).integers(1, 6, cols.size).astype(float)
    found = fasterpam(D[:, cols], 4, weights=weights)
    assert found.loss == pytest.approx(loss(D[:, cols], found.medoids, weights=weights))
    # No single swap of a medoid with any candidate lowers the weighted loss.
    for t in range(4):
        for c in range(200):
            trial = found.medoids.copy()
            trial[t] = c
            assert loss(D[:, cols], trial, weights=weights) >= found.loss - 1e-9


def test_float32_and_float64_matrices_give_the_same_medoids(uci_matrix: np.ndarray) -> None:
    wide = fasterpam(uci_matrix, 4)
    narrow = fasterpam(uci_matrix.astype(np.float32), 4)
    assert wide.medoids.tolist() == narrow.medoids.tolist()
    assert narrow.loss == pytest.approx(wide.loss, rel=1e-6)


def test_one_medoid_is_the_best_single_row() -> None:
    D = _points(40, 5)
    found = fasterpam(D, 1)
    assert found.medoids.tolist() == [int(np.argmin(D.sum(axis=1)))]
    assert (found.labels == 0).all()


def test_silhouette_matches_scikit_learn(uci_matrix: np.ndarray) -> None:
    labels = fasterpam(uci_matrix, 4).labels
    expected = silhouette_samples(uci_matrix, labels, metric="precomputed")
    np.testing.assert_allclose(silhouette(uci_matrix, labels), expected, atol=1e-12)
    singleton = labels.copy()
    singleton[0] = 4
    expected = silhouette_samples(uci_matrix, singleton, metric="precomputed")
    np.testing.assert_allclose(silhouette(uci_matrix, singleton), expected, atol=1e-12)


def test_weighted_silhouette(uci_matrix: np.ndarray) -> None:
    labels = fasterpam(uci_matrix, 3).labels
    ones = silhouette(uci_matrix, labels, weights=np.ones(200))
    np.testing.assert_array_equal(ones, silhouette(uci_matrix, labels))
    x = np.array([0.0, 1.0, 10.0, 11.0])
    sil = silhouette(np.abs(x[:, None] - x[None]), np.array([0, 0, 1, 1]), weights=[1, 3, 1, 1])
    # Item 0: a = 3 x 1 / 3, b = (10 + 11) / 2; item 2: a = 1, b = (10 + 3 x 9) / 4.
    expected = [9.5 / 10.5, 8.5 / 9.5, 8.25 / 9.25, 9.25 / 10.25]
    np.testing.assert_allclose(sil, expected, rtol=1e-15)


def test_medoid_silhouette() -> None:
    sil = medoid_silhouette(np.array([0.0, 1.0, 3.0, 0.0]), np.array([2.0, 4.0, 3.0, 0.0]))
    assert sil.tolist() == [1.0, 0.75, 0.0, 0.0]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda D: fasterpam(D, 0), "k must be a whole number from 1 to 6"),
        (lambda D: fasterpam(D, 7), "k must be a whole number from 1 to 6"),
        (lambda D: fasterpam(D, np.array([1, 1])), "start medoids must be distinct rows"),
        (lambda D: fasterpam(D, np.array([0, 6])), "start medoids must be distinct rows"),
        (lambda D: fasterpam(D, 2, weights=np.ones(5)), "one weight per column \\(6\\)"),
        (lambda D: fasterpam(D, 2, weights=-np.ones(6)), "finite and not negative"),
        (lambda D: fasterpam(D[0], 2), "non-empty 2-D array"),
        (lambda D: silhouette(D[:, :5], np.zeros(6)), "square matrix"),
        (lambda D: silhouette(D, np.zeros(6)), "at least two clusters"),
    ],
)
def test_bad_input_is_refused_in_words(call, message: str) -> None:  # noqa: ANN001
    with pytest.raises(ValueError, match=message):
        call(_points(6, 0))


@pytest.fixture(scope="module")
def catalogue() -> np.ndarray:
    """A catalogue just above the whole-matrix limit: 4,400 UCI-like products (the UCI
    products with a little seeded noise)."""
    uci = load_catalog(UCI_CSV).values
    rng = np.random.default_rng(7)
    rows = uci[rng.integers(0, uci.shape[0], 4_400)]
    return np.maximum(rows + rng.normal(0, 0.7, rows.shape), 0.0)


def test_one_batch_search_builds_no_square_matrix_and_nears_fasterpam(
    catalogue: np.ndarray, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above FULL_LIMIT: no square matrix, every product at its nearest medoid by exact
    DTW, and the loss within 1 % of FasterPAM on the whole matrix."""
    assert catalogue.shape[0] > clustering.FULL_LIMIT
    D = clustering.dtw_matrix(clustering.compared_curves(catalogue, True), stretch=0.05)
    full = {k: fasterpam(D, k).medoids for k in (3, 6)}
    del D

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a square matrix was built")

    monkeypatch.setattr(clustering, "dtw_matrix", refuse)
    for k in (3, 6):
        result = cluster_shapes(catalogue, k=k)
        assert result.sample_size == clustering.DEFAULT_SAMPLE
        exact = dtw_pairwise(catalogue[result.medoids], catalogue, stretch=0.05, znorm=True)
        by_row = np.argsort(result.medoids)
        assert np.array_equal(by_row[np.argmin(exact[by_row], axis=0)], result.labels)
        np.testing.assert_allclose(result.distance, exact.min(axis=0), rtol=0, atol=1e-12)
        reference = dtw_pairwise(catalogue[full[k]], catalogue, stretch=0.05, znorm=True)
        assert result.total_distance <= 1.01 * reference.min(axis=0).sum()


def test_the_same_seed_gives_the_same_shapes(catalogue: np.ndarray) -> None:
    first = cluster_shapes(catalogue[:1_500], sample=400, k_range=(2, 5), seed=3)
    again = cluster_shapes(catalogue[:1_500], sample=400, k_range=(2, 5), seed=3)
    other = cluster_shapes(catalogue[:1_500], sample=400, k_range=(2, 5), seed=4)
    assert first.medoids.tolist() == again.medoids.tolist()
    assert first.k_scores == again.k_scores
    assert np.array_equal(first.distance, again.distance)
    assert first.k_scores != other.k_scores


def test_chosen_k_and_runner_up(catalogue: np.ndarray) -> None:
    result = cluster_shapes(catalogue[:600], stretch=0.05)
    ranked = sorted(result.k_scores, key=lambda k: -result.k_scores[k])
    assert (result.k, result.runner_up) == (ranked[0], ranked[1])
    assert cluster_shapes(catalogue[:600], k=3).runner_up is None
