"""Demand shapes: k-medoids under DTW, checked against brute force on the UCI file."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score, silhouette_samples

from dtwcore import dtw_one_to_many, dtw_pairwise, znormalize
from dtwcore.sales import load_catalog
from dtwcore.shapes import cluster_shapes, dtw_matrix
from dtwcore.shapes.clustering import assignments

from .conftest import UCI_CSV


@pytest.fixture(scope="module")
def uci() -> np.ndarray:
    return load_catalog(UCI_CSV).values


@pytest.fixture(scope="module")
def uci_k4(uci: np.ndarray):  # noqa: ANN201
    return cluster_shapes(uci, k=4)


def brute_force(values: np.ndarray, medoids: np.ndarray, **options: object) -> np.ndarray:
    """(k, N) exact distances from each medoid to every product, one query at a time."""
    return np.stack([dtw_one_to_many(values[m], values, **options) for m in medoids])


def test_every_uci_product_goes_to_its_nearest_medoid_exactly(uci, uci_k4) -> None:  # noqa: ANN001
    result = uci_k4
    assert result.k == 4 and result.labels.shape == (811,)
    dist = brute_force(uci, result.medoids, stretch=0.05, znorm=True)
    # Ties go to the medoid with the lower row: order the medoids by row for argmin.
    by_row = np.argsort(result.medoids)
    nearest = by_row[np.argmin(dist[by_row], axis=0)]
    assert np.array_equal(nearest, result.labels)
    np.testing.assert_allclose(result.distance, dist.min(axis=0), rtol=0, atol=1e-12)
    assert np.array_equal(result.labels[result.medoids], np.arange(4))
    assert (result.distance[result.medoids] == 0).all()
    assert result.sizes.tolist() == sorted(result.sizes.tolist(), reverse=True)
    assert result.sizes.sum() == 811
    assert result.total_distance == pytest.approx(dist.min(axis=0).sum(), rel=1e-12)


def test_silhouette_is_the_exact_silhouette(uci, uci_k4) -> None:  # noqa: ANN001
    full = dtw_pairwise(uci, stretch=0.05, znorm=True)
    expected = silhouette_samples(full, uci_k4.labels, metric="precomputed")
    np.testing.assert_allclose(uci_k4.silhouette, expected, atol=2e-5)
    assert uci_k4.silhouette_kind == "silhouette"


def test_float32_matrix_matches_the_pairwise_distances(uci) -> None:  # noqa: ANN001
    z = np.array([znormalize(row) for row in uci[:300]])
    matrix = dtw_matrix(z, stretch=0.1)
    assert matrix.dtype == np.float32 and matrix.shape == (300, 300)
    np.testing.assert_allclose(matrix, dtw_pairwise(z, stretch=0.1), rtol=1e-6, atol=1e-5)
    assert np.array_equal(matrix, matrix.T)


def test_auto_k_takes_the_best_mean_silhouette_on_uci(uci) -> None:  # noqa: ANN001
    result = cluster_shapes(uci)
    assert sorted(result.k_scores) == list(range(2, 13))
    best = max(result.k_scores.values())
    assert result.k_scores[result.k] == best
    # The UCI catalogue holds two broad shapes (falling and rising sellers).
    assert result.k == 2
    assert result.mean_silhouette == pytest.approx(result.k_scores[2], abs=1e-6)


def test_clara_samples_still_assign_every_product_exactly(uci) -> None:  # noqa: ANN001
    result = cluster_shapes(uci, k=4, sample=300, stretch=0.1)
    assert result.sample_size == 300 and result.silhouette_kind == "medoid silhouette"
    dist = brute_force(uci, result.medoids, stretch=0.1, znorm=True)
    by_row = np.argsort(result.medoids)
    assert np.array_equal(by_row[np.argmin(dist[by_row], axis=0)], result.labels)
    ordered = np.sort(dist, axis=0)
    np.testing.assert_allclose(result.distance, ordered[0], atol=1e-12)
    np.testing.assert_allclose(result.silhouette, 1 - ordered[0] / ordered[1], atol=1e-12)


def _planted(per_shape: int = 40, weeks: int = 52, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Three planted shapes (spring peak, autumn peak, steady growth), shifted by up to
    two weeks, at random volumes, with noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(weeks, dtype=float)
    rows, truth = [], []
    for kind in range(3):
        for _ in range(per_shape):
            lag = rng.integers(-2, 3)
            if kind == 0:
                curve = np.exp(-0.5 * ((t - 12 - lag) / 4) ** 2)
            elif kind == 1:
                curve = np.exp(-0.5 * ((t - 38 - lag) / 4) ** 2)
            else:
                curve = t / weeks
            level = rng.uniform(5, 300)
            rows.append(level * (0.2 + curve) * rng.normal(1, 0.05, weeks))
            truth.append(kind)
    return np.array(rows), np.array(truth)


def test_planted_shapes_are_found() -> None:
    values, truth = _planted()
    result = cluster_shapes(values, stretch=0.05)
    assert result.k == 3
    assert adjusted_rand_score(truth, result.labels) == 1.0
    assert result.mean_silhouette > 0.5


def test_average_without_stretch_is_the_plain_mean_of_members(uci, uci_k4) -> None:  # noqa: ANN001
    result = cluster_shapes(uci[:200], k=3, stretch=0.0)
    z = np.array([znormalize(row) for row in uci[:200]])
    for c in range(3):
        members = z[result.labels == c]
        np.testing.assert_allclose(result.average[c], members.mean(axis=0), atol=1e-12)
        np.testing.assert_allclose(
            result.band[c], np.quantile(members, [0.1, 0.9], axis=0), atol=1e-12
        )


def test_average_lies_on_the_medoid_weeks(uci_k4) -> None:  # noqa: ANN001
    assert uci_k4.average.shape == (4, 52) and uci_k4.band.shape == (4, 2, 52)
    assert (uci_k4.band[:, 0] <= uci_k4.band[:, 1] + 1e-12).all()


def test_assignment_table_columns(uci_k4) -> None:  # noqa: ANN001
    ids = np.array([f"P{i}" for i in range(811)])
    table = assignments(ids, uci_k4)
    assert list(table.columns) == [
        "product", "cluster", "is_medoid", "distance_to_medoid", "silhouette"
    ]  # fmt: skip
    assert table["cluster"].min() == 1 and table["cluster"].max() == 4
    assert table["is_medoid"].sum() == 4
    assert table.groupby("cluster")["is_medoid"].sum().tolist() == [1, 1, 1, 1]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"k": 1}, "k must be a whole number from 2"),
        ({"k": 811}, "k must be a whole number from 2 to 810"),
        ({"sample": 2}, "sample size"),
        ({"sample": 5, "k": 5}, "a sample of 5 products cannot hold 5 shapes"),
        ({"k_range": (1, 4)}, "range of k"),
    ],
)
def test_bad_options_are_refused_in_words(uci, kwargs: dict, message: str) -> None:  # noqa: ANN001
    with pytest.raises(ValueError, match=message):
        cluster_shapes(uci, **kwargs)


def test_too_few_products() -> None:
    with pytest.raises(ValueError, match="at least 3 products"):
        cluster_shapes(np.ones((2, 10)))
