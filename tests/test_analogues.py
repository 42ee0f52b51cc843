"""Analogues and their backtest, against a plain loop over dtw_one_to_many."""

from __future__ import annotations

import numpy as np
import pytest

from dtwcore import dtw_one_to_many
from dtwcore.sales import demo_catalog, load_catalog
from dtwcore.shapes import backtest, find_analogues

from .conftest import UCI_CSV


@pytest.fixture(scope="module")
def uci() -> np.ndarray:
    return load_catalog(UCI_CSV).values


def test_analogues_are_the_nearest_products_by_dtw(uci) -> None:  # noqa: ANN001
    known = uci[5, :13]
    others = np.delete(uci, 5, axis=0)
    found = find_analogues(known, others, k=10, stretch=0.1, znorm=True)
    dist = dtw_one_to_many(known, others[:, :13], stretch=0.1, znorm=True)
    dist[others[:, :13].mean(axis=1) <= 0] = np.inf  # nothing sold: cannot be scaled
    expected = np.lexsort((np.arange(dist.size), dist))[:10]
    assert np.array_equal(found.rows, expected)
    np.testing.assert_allclose(found.distances, dist[expected], atol=1e-12)
    scale = known.mean() / others[expected, :13].mean(axis=1)
    np.testing.assert_allclose(found.scale, scale, rtol=1e-12)
    scaled = others[expected] * scale[:, None]
    np.testing.assert_allclose(found.curves, scaled, rtol=1e-12)
    np.testing.assert_allclose(
        found.fan, np.quantile(scaled[:, 13:], [0.1, 0.5, 0.9], axis=0), rtol=1e-12
    )
    assert found.fan.shape == (3, 39)
    assert (found.fan[0] <= found.forecast).all() and (found.forecast <= found.fan[2]).all()


def test_backtest_equals_a_loop_of_find_analogues() -> None:
    values = demo_catalog(60, seed=4).values
    result = backtest(values, known_weeks=(13,), k=5, stretch=0.1, znorm=True)
    errors = {"analogues": 0.0, "last_4_weeks": 0.0, "average_shape": 0.0}
    actual_total = 0.0
    z = (values - values.mean(axis=1, keepdims=True)) / values.std(axis=1, keepdims=True)
    for i in range(60):
        others = np.delete(values, i, axis=0)
        actual = values[i, 13:]
        found = find_analogues(values[i, :13], others, k=5, stretch=0.1, znorm=True)
        errors["analogues"] += np.abs(actual - found.forecast).sum()
        errors["last_4_weeks"] += np.abs(actual - values[i, 9:13].mean()).sum()
        shape = np.delete(z, i, axis=0).mean(axis=0)
        a, s = values[i, :13], shape[:13]
        rescaled = a.mean() + (shape[13:] - s.mean()) * a.std() / s.std()
        errors["average_shape"] += np.abs(actual - np.maximum(rescaled, 0)).sum()
        actual_total += actual.sum()
    for method, error in errors.items():
        assert result.wape[13][method] == pytest.approx(error / actual_total, rel=1e-9)
    assert result.products == 60


def test_uci_backtest_figures(uci) -> None:  # noqa: ANN001
    """The figures quoted in the README (stretch 0.05, z-normalised, 10 analogues)."""
    result = backtest(uci)
    wape = {n: {m: round(v, 4) for m, v in s.items()} for n, s in result.wape.items()}
    assert wape == {
        13: {"analogues": 0.3926, "last_4_weeks": 0.3167, "average_shape": 0.7366},
        26: {"analogues": 0.2692, "last_4_weeks": 0.3553, "average_shape": 0.5877},
    }
    assert result.best(13) == "last_4_weeks" and result.analogues_win(26)
    units = backtest(uci, znorm=False)
    assert round(units.wape[13]["analogues"], 4) == 0.2527
    assert units.analogues_win(13) and units.analogues_win(26)


def test_backtest_sample_of_products(uci) -> None:  # noqa: ANN001
    result = backtest(uci, known_weeks=(26,), max_products=100)
    assert result.products == 100
    assert set(result.as_dict()["known_weeks"]["26"]["wape"]) == {
        "analogues", "last_4_weeks", "average_shape"
    }  # fmt: skip


@pytest.mark.parametrize(
    ("known", "message"),
    [(3, "at least 4 known weeks"), (52, "at most 51 weeks")],
)
def test_known_weeks_out_of_range(uci, known: int, message: str) -> None:  # noqa: ANN001
    with pytest.raises(ValueError, match=message):
        find_analogues(np.ones(known), uci)
    with pytest.raises(ValueError, match=message):
        backtest(uci, known_weeks=(known,))


def test_negative_or_missing_known_weeks_are_refused(uci) -> None:  # noqa: ANN001
    with pytest.raises(ValueError, match="0 or more"):
        find_analogues(np.array([1.0, -2.0, 3.0, 4.0]), uci)
    with pytest.raises(ValueError, match="0 or more"):
        find_analogues(np.array([1.0, np.nan, 3.0, 4.0]), uci)
