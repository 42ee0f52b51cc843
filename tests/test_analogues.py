"""Analogues, their settings chosen by cross-validation, and their backtest."""

from __future__ import annotations

import numpy as np
import pytest

from dtwcore import dtw_one_to_many
from dtwcore.sales import demo_catalog, load_catalog
from dtwcore.shapes import backtest, choose_settings, find_analogues
from dtwcore.shapes.analogue_cv import Grid
from scripts.make_sales_examples import store_sales_rows

from .conftest import UCI_CSV

FIXED = {"k": 5, "stretch": 0.1, "znorm": True, "widen": 1.0}


@pytest.fixture(scope="module")
def uci() -> np.ndarray:
    return load_catalog(UCI_CSV).values


@pytest.fixture(scope="module")
def stores() -> np.ndarray:
    """The 45-store weekly sales export of the test corpus (45 stores x 143 weeks)."""
    return store_sales_rows()[3]


@pytest.fixture(scope="module")
def uci_backtest(uci: np.ndarray):  # noqa: ANN201
    return backtest(uci)


def test_analogues_are_the_nearest_products_by_dtw(uci: np.ndarray) -> None:
    known = uci[5, :13]
    others = np.delete(uci, 5, axis=0)
    found = find_analogues(known, others, k=10, stretch=0.1, znorm=True, scaling="mean", widen=1)
    dist = dtw_one_to_many(known, others[:, :13], stretch=0.1, znorm=True)
    dist[others[:, :13].mean(axis=1) <= 0] = np.inf  # nothing sold: cannot be scaled
    expected = np.lexsort((np.arange(dist.size), dist))[:10]
    assert np.array_equal(found.rows, expected)
    np.testing.assert_allclose(found.distances, dist[expected], atol=1e-12)
    scale = known.mean() / others[expected, :13].mean(axis=1)
    np.testing.assert_allclose(found.scale, scale, rtol=1e-12)
    assert (found.shift == 0).all()
    scaled = others[expected] * scale[:, None]
    np.testing.assert_allclose(found.curves, scaled, rtol=1e-12)
    np.testing.assert_allclose(
        found.fan, np.quantile(scaled[:, 13:], [0.1, 0.5, 0.9], axis=0), rtol=1e-12
    )
    assert found.fan.shape == (3, 39)
    assert (found.fan[0] <= found.forecast).all() and (found.forecast <= found.fan[2]).all()


def test_recent_and_offset_scalings_and_the_widened_fan(uci: np.ndarray) -> None:
    known = uci[7, :13]
    others = np.delete(uci, 7, axis=0)
    recent = find_analogues(known, others, scaling="recent", **FIXED)
    level = others[recent.rows, 9:13].mean(axis=1)
    assert (level > 0).all()
    np.testing.assert_allclose(recent.scale, known[9:].mean() / level, rtol=1e-12)
    offset = find_analogues(known, others, scaling="offset", **{**FIXED, "widen": 2.0})
    shift = known.mean() - others[offset.rows, :13].mean(axis=1)
    np.testing.assert_allclose(offset.shift, shift, rtol=1e-12)
    curves = np.maximum(others[offset.rows] + shift[:, None], 0)
    np.testing.assert_allclose(offset.curves, curves, rtol=1e-12)
    low, mid, high = np.quantile(curves[:, 13:], [0.1, 0.5, 0.9], axis=0)
    np.testing.assert_allclose(offset.fan[0], np.maximum(mid - 2 * (mid - low), 0), rtol=1e-12)
    np.testing.assert_allclose(offset.fan[2], mid + 2 * (high - mid), rtol=1e-12)


@pytest.mark.parametrize("scaling", ["mean", "recent", "offset"])
def test_backtest_equals_a_loop_of_find_analogues_on_the_other_folds(scaling: str) -> None:
    values = demo_catalog(60, seed=4).values
    result = backtest(values, known_weeks=(13,), scaling=scaling, **FIXED)
    assert result.products == 60 and sorted(np.bincount(result.folds)) == [12] * 5
    errors = dict.fromkeys(("analogues", "last_value", "last_4_weeks", "average_shape"), 0.0)
    inside = 0
    actual_total = 0.0
    z = (values - values.mean(axis=1, keepdims=True)) / values.std(axis=1, keepdims=True)
    for j, i in enumerate(result.rows):
        history = values[result.rows[result.folds != result.folds[j]]]
        actual = values[i, 13:]
        found = find_analogues(values[i, :13], history, scaling=scaling, **FIXED)
        np.testing.assert_allclose(result.forecasts[13][j], found.forecast, rtol=1e-12)
        inside += ((found.fan[0] <= actual) & (actual <= found.fan[2])).sum()
        errors["analogues"] += np.abs(actual - found.forecast).sum()
        errors["last_value"] += np.abs(actual - values[i, 12]).sum()
        errors["last_4_weeks"] += np.abs(actual - values[i, 9:13].mean()).sum()
        shape = np.delete(z, i, axis=0).mean(axis=0)
        a, s = values[i, :13], shape[:13]
        rescaled = a.mean() + (shape[13:] - s.mean()) * a.std() / s.std()
        errors["average_shape"] += np.abs(actual - np.maximum(rescaled, 0)).sum()
        actual_total += actual.sum()
    for method, error in errors.items():
        assert result.wape[13][method] == pytest.approx(error / actual_total, rel=1e-9)
    assert result.coverage[13] == pytest.approx(inside / (60 * 39), rel=1e-12)


def test_settings_are_the_best_of_the_grid_by_leave_one_out() -> None:
    values = demo_catalog(40, seed=2).values
    grid = Grid(znorm=(True, False), stretch=(0.0, 0.1), k=(3, 5), scaling=("mean", "offset"))
    chosen = choose_settings(values, 10, grid)
    scores = {}
    for znorm in (True, False):
        for stretch in (0.0, 0.1):
            for scaling in ("mean", "offset"):
                for k in (3, 5):
                    fixed = {"k": k, "stretch": stretch, "znorm": znorm, "scaling": scaling}
                    error = 0.0
                    for i in range(40):
                        found = find_analogues(
                            values[i, :10], np.delete(values, i, axis=0), widen=1.0, **fixed
                        )
                        error += np.abs(values[i, 10:] - found.forecast).sum()
                    scores[(znorm, stretch, k, scaling)] = error
    best = min(scores, key=scores.__getitem__)
    assert (chosen.znorm, chosen.stretch, chosen.k, chosen.scaling) == best
    assert sorted(scores.values())[0] < sorted(scores.values())[1]  # a clear winner

    def coverage(widen: float) -> float:
        fixed = {"k": chosen.k, "stretch": chosen.stretch, "znorm": chosen.znorm}
        inside = 0
        for i in range(40):
            found = find_analogues(
                values[i, :10], np.delete(values, i, axis=0), scaling=chosen.scaling,
                widen=widen, **fixed,
            )  # fmt: skip
            inside += ((found.fan[0] <= values[i, 10:]) & (values[i, 10:] <= found.fan[2])).sum()
        return inside / values[:, 10:].size

    assert coverage(chosen.widen) >= 0.8 > coverage(chosen.widen * (1 - 1e-9))


def test_the_scored_products_never_choose_their_own_settings(stores: np.ndarray) -> None:
    """Rewrite the future of fold 0's products: fold 0's settings and forecasts must not
    move (they come from the other folds only), while the other folds', which do see those
    products, do."""
    result = backtest(stores, known_weeks=(13,))
    scored = result.folds == 0
    changed = stores.copy()
    rng = np.random.default_rng(1)
    changed[result.rows[scored], 13:] *= rng.uniform(0, 3, (scored.sum(), 130))
    again = backtest(changed, known_weeks=(13,))
    assert again.settings[13][0] == result.settings[13][0]
    np.testing.assert_array_equal(again.forecasts[13][scored], result.forecasts[13][scored])
    assert all(again.settings[13][f] != result.settings[13][f] for f in range(1, 5))
    assert (again.forecasts[13][~scored] != result.forecasts[13][~scored]).any()


def _assert_targets(result, n: int) -> None:  # noqa: ANN001
    """WAPE at least 15 % below the best naive forecast; the fan holds 80 % +- 5 points."""
    naive = min(v for m, v in result.wape[n].items() if m != "analogues")
    assert result.wape[n]["analogues"] <= 0.85 * naive
    assert 0.75 <= result.coverage[n] <= 0.85


def test_uci_backtest_figures(uci_backtest) -> None:  # noqa: ANN001
    """The figures quoted in the README: settings chosen by cross-validation."""
    result = uci_backtest
    wape = {n: {m: round(v, 3) for m, v in s.items()} for n, s in result.wape.items()}
    assert wape == {
        13: {"analogues": 0.242, "last_value": 0.373, "last_4_weeks": 0.317,
             "average_shape": 0.737},
        26: {"analogues": 0.244, "last_value": 0.445, "last_4_weeks": 0.355,
             "average_shape": 0.588},
    }  # fmt: skip
    assert result.coverage[13] == pytest.approx(0.800, abs=0.002)
    assert result.coverage[26] == pytest.approx(0.801, abs=0.002)
    for n in (13, 26):
        _assert_targets(result, n)
        # Raw units, never shapes, win every fold of this catalogue.
        assert all(not s.znorm and s.scaling == "mean" for s in result.settings[n])


def test_store_export_backtest_figures(stores: np.ndarray) -> None:
    result = backtest(stores)
    assert result.wape[13]["analogues"] == pytest.approx(0.116, abs=0.001)
    assert result.wape[26]["analogues"] == pytest.approx(0.059, abs=0.001)
    assert result.wape[13]["last_value"] == pytest.approx(0.212, abs=0.001)
    assert result.wape[26]["last_4_weeks"] == pytest.approx(0.195, abs=0.001)
    for n in (13, 26):
        _assert_targets(result, n)
        assert all(s.znorm for s in result.settings[n])  # shapes win here


def test_backtest_sample_of_products(uci: np.ndarray) -> None:
    result = backtest(uci, known_weeks=(26,), max_products=100, k=10, stretch=0.05)
    assert result.products == 100 and result.rows.size == 100
    report = result.as_dict()["known_weeks"]["26"]
    assert set(report["wape"]) == {"analogues", "last_value", "last_4_weeks", "average_shape"}
    assert len(report["settings"]) == 5 and {s["k"] for s in report["settings"]} == {10}
    assert 0 <= report["coverage"] <= 1


@pytest.mark.parametrize(
    ("known", "message"),
    [(3, "at least 4 known weeks"), (52, "at most 51 weeks")],
)
def test_known_weeks_out_of_range(uci: np.ndarray, known: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        find_analogues(np.ones(known), uci)
    with pytest.raises(ValueError, match=message):
        backtest(uci, known_weeks=(known,))


def test_negative_or_missing_known_weeks_are_refused(uci: np.ndarray) -> None:
    with pytest.raises(ValueError, match="0 or more"):
        find_analogues(np.array([1.0, -2.0, 3.0, 4.0]), uci)
    with pytest.raises(ValueError, match="0 or more"):
        find_analogues(np.array([1.0, np.nan, 3.0, 4.0]), uci)


def test_bad_settings_are_refused(uci: np.ndarray) -> None:
    with pytest.raises(ValueError, match="scaling must be one of mean, recent, offset"):
        find_analogues(uci[0, :13], uci, scaling="median")
    with pytest.raises(ValueError, match="widening must be a number of 0 or more"):
        find_analogues(uci[0, :13], uci, widen=-1.0)
    with pytest.raises(ValueError, match="at least 2 folds"):
        backtest(uci, folds=1)
    with pytest.raises(ValueError, match="from 1 to 51 weeks can be known; got 52"):
        choose_settings(uci, 52)
