"""The published figures, reproduced from the UCI file with the engine alone."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dtwcore import nearest
from dtwcore.sales import BLOG_TARGET, quantile_outliers, score_catalog, zscore_outliers

from .conftest import UCI_CSV

WEEKS = [f"W{i}" for i in range(52)]


@pytest.fixture(scope="module")
def uci() -> pd.DataFrame:
    return pd.read_csv(UCI_CSV)


@pytest.fixture(scope="module")
def scores(uci: pd.DataFrame) -> pd.DataFrame:
    return score_catalog(
        uci["Product_Code"].to_numpy(), uci[WEEKS].to_numpy(float), BLOG_TARGET, stretch=0.05
    ).set_index("product")


def test_shape_of_the_reference_file(uci: pd.DataFrame) -> None:
    assert len(uci) == 811 and len(BLOG_TARGET) == 52


def test_published_figures_at_stretch_005(scores: pd.DataFrame) -> None:
    ranked = scores.sort_values("distance")
    assert ranked.index[0] == "P675"
    assert ranked["distance"].iloc[0] == pytest.approx(5.1101, abs=1e-4)
    assert ranked.index[-1] == "P716"
    assert ranked["distance"].iloc[-1] == pytest.approx(10.6719, abs=1e-4)
    assert scores["distance"].median() == pytest.approx(7.8940, abs=1e-4)
    assert scores.loc["P202", "distance"] == pytest.approx(6.8616, abs=1e-4)
    assert scores.loc["P83", "distance"] == pytest.approx(8.9514, abs=1e-4)
    assert scores.loc["P675", "rank"] == 1 and scores.loc["P716", "rank"] == 811


def test_outlier_rules(scores: pd.DataFrame) -> None:
    z = zscore_outliers(scores.reset_index())
    q = quantile_outliers(scores.reset_index())
    assert z["product"].iloc[0] == "P675" and (z["zscore"] <= -2).all()
    assert len(q) == 82  # 10 % of 811, the cut included
    assert set(z["product"]) <= set(q["product"])


def test_median_falls_as_stretch_grows(uci: pd.DataFrame) -> None:
    values = uci[WEEKS].to_numpy(float)
    ids = uci["Product_Code"].to_numpy()
    medians = [
        score_catalog(ids, values, BLOG_TARGET, stretch=s)["distance"].median()
        for s in (0.0, 0.025, 0.05, 0.1, 0.25, 0.5)
    ]
    assert all(a > b for a, b in zip(medians, medians[1:], strict=False))


def test_nearest_finds_the_published_top(uci: pd.DataFrame, scores: pd.DataFrame) -> None:
    idx, dist = nearest(BLOG_TARGET, uci[WEEKS].to_numpy(float), 10, stretch=0.05, znorm=True)
    top = scores.sort_values("distance").head(10)
    assert list(uci["Product_Code"].to_numpy()[idx]) == list(top.index)
    np.testing.assert_array_equal(dist, top["distance"].to_numpy())
