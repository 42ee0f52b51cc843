"""Runs compared: names by what differs, series, the median verdict, which runs to show,
outliers entering and leaving, new products against a run, experiments offered, file
names."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from dtwcore.runs.compare import (
    CHANGE_COLUMNS,
    against_run,
    default_run,
    experiments,
    median_verdict,
    newest_sweep,
    outlier_changes,
    run_labels,
    series_label,
)
from dtwcore.runs.store import Store, client, ensure_experiment
from dtwcore.sales.export import dataset_slug, download_name


def _runs(**columns: list) -> pd.DataFrame:
    base = {
        "stretch_factor": [0.1, 0.1, 0.25],
        "dataset_name": ["uci.csv"] * 3,
        "target_hash": ["abcdef123"] * 3,
        "znorm": [True] * 3,
        "started": pd.to_datetime(
            ["2026-11-29 10:00:05", "2026-11-29 11:30:00", "2026-11-29 11:31:00"], utc=True
        ),
    }
    return pd.DataFrame(base | columns)


def test_labels_name_only_what_differs_and_stay_unique() -> None:
    assert run_labels(_runs()).tolist() == [
        "stretch 0.1 · 10:00", "stretch 0.1 · 11:30", "stretch 0.25 · 11:31",
    ]  # fmt: skip
    other = _runs(dataset_name=["uci.csv", "demo", "uci.csv"], stretch_factor=[0.1, 0.1, 0.2])
    assert run_labels(other).tolist() == [
        "stretch 0.1 · uci.csv", "stretch 0.1 · demo", "stretch 0.2 · uci.csv",
    ]  # fmt: skip
    targets = _runs(target_hash=["abcdef1", "123456f", "abcdef1"], znorm=[True, True, False])
    assert run_labels(targets).tolist() == [
        "stretch 0.1 · target abcdef · shapes",
        "stretch 0.1 · target 123456 · shapes",
        "stretch 0.25 · target abcdef · units",
    ]
    # Runs that name their target are told apart by it (older runs by its hash).
    named = _runs(target_label=["target P83", "published capacity", None])
    named["target_hash"] = ["83", "blog", "123456f"]
    assert run_labels(named).tolist() == [
        "stretch 0.1 · target P83", "stretch 0.1 · published capacity",
        "stretch 0.25 · target 123456",
    ]  # fmt: skip
    days = _runs(
        started=pd.to_datetime(
            ["2026-11-28 10:00", "2026-11-29 10:00", "2026-11-29 10:01"], utc=True
        )
    )
    assert run_labels(days).tolist()[:2] == [
        "stretch 0.1 · 2026-11-28 10:00", "stretch 0.1 · 2026-11-29 10:00",
    ]  # fmt: skip


def test_outlier_changes_enter_leave_stay() -> None:
    before = pd.DataFrame({"product": ["A", "B", "C"], "distance": [1.0, 2.0, 3.0]})
    after = pd.DataFrame({"product": ["B", "D", "A"], "distance": [1.5, 0.5, 0.9]})
    changes = outlier_changes(before, after)
    assert list(changes.columns) == CHANGE_COLUMNS
    assert changes["product"].tolist() == ["D", "C", "A", "B"]
    assert changes["change"].tolist() == ["enters", "leaves", "stays", "stays"]
    assert changes.loc[0, "distance_after"] == 0.5 and pd.isna(changes.loc[0, "distance_before"])


def test_download_names_carry_data_stretch_and_date() -> None:
    day = dt.date(2026, 11, 29)
    assert (
        download_name("shortlist", "Sales_Transactions_Dataset_Weekly.csv", 0.1, day)
        == "shortlist_Sales_Transactions_Dataset_Weekly_stretch0.10_2026-11-29.csv"
    )
    assert download_name("scores", "Demo data (made-up products)", 0.025, day) == (
        "scores_demo_stretch0.025_2026-11-29.csv"
    )
    assert download_name("outliers_zscore", "x.csv", 0.0, day).endswith(
        "_stretch0.00_2026-11-29.csv"
    )
    assert dataset_slug("../../<b>evil</b> name.csv") == "b_evil_b_name"


def test_series_are_dataset_and_normalisation_and_target_only_where_it_varies() -> None:
    runs = _runs(dataset_name=["uci.csv", "demo", None], znorm=[True, False, None])
    assert series_label(runs).tolist() == [
        "uci.csv · z-normalised", "demo · raw units", "? · z-normalised",
    ]  # fmt: skip
    targets = _runs(target_hash=["abcdef1", "123456f", "abcdef1"])
    assert series_label(targets).tolist() == [
        "uci.csv · z-normalised · target abcdef",
        "uci.csv · z-normalised · target 123456",
        "uci.csv · z-normalised · target abcdef",
    ]


def _medians(stretches: list[float], medians: list[float], series: list[str]) -> tuple:
    runs = pd.DataFrame({"stretch_factor": stretches, "median_distance": medians})
    return runs, pd.Series(series)


def test_the_median_verdict() -> None:
    falls = _medians([0.0, 0.1, 0.1, 0.5], [9.0, 8.0, 8.0 + 1e-10, 7.0], ["a"] * 4)
    assert median_verdict(*falls) == (
        "falls (or stays level) as the stretch factor grows in every series, as published"
    )
    level = _medians([0.0, 0.5, 0.0], [7.0, 7.0, 5.0], ["a", "a", "b"])
    assert median_verdict(*level) == (
        "falls (or stays level) as the stretch factor grows in every series, as published"
    )
    grows = _medians([0.0, 0.5, 0.0, 0.5], [9.0, 8.0, 5.0, 5.1], ["a", "a", "b", "b"])
    assert median_verdict(*grows) == "does not always fall as the stretch factor grows"
    single = _medians([0.1, 0.1, 0.5], [9.0, 8.0, 7.0], ["a", "a", "b"])
    assert median_verdict(*single) is None


def _finished(sweeps: list[str | None], stretches: list[float]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "run_id": [f"r{i}" for i in range(len(sweeps))],
            "sweep_id": sweeps,
            "stretch_factor": stretches,
        }
    )


def test_the_newest_sweep_spread_over_its_stretch_factors() -> None:
    sweep = [0.5, 0.25, 0.1, 0.05, 0.025, 0.01, 0.0]
    runs = _finished(["new"] * 7 + ["old"] * 2, [*sweep, 0.3, 0.4])
    assert newest_sweep(runs, 4)["run_id"].tolist() == ["r6", "r4", "r2", "r0"]
    assert newest_sweep(runs, 10)["stretch_factor"].tolist() == sorted(sweep)
    alone = _finished([None, "old", "old", None, None], [0.2, 0.1, 0.3, 0.4, 0.5])
    assert newest_sweep(alone, 3)["run_id"].tolist() == ["r1", "r2", "r3"]
    assert newest_sweep(alone.iloc[:0], 3).empty


def test_the_default_run_is_nearest_the_published_stretch() -> None:
    runs = _finished([None] * 4, [0.0, 0.04, 0.1, 0.5])
    assert default_run(runs) == "r1"
    assert default_run(_finished([None, None], [0.5, 0.05])) == "r1"


def test_new_products_against_a_run() -> None:
    standing = against_run(np.array([0.5, 2.0, 2.5, 9.0]), np.array([3.0, 1.0, 2.0, 2.0]))
    assert standing["closer logged products"].tolist() == [0, 1, 3, 4]
    assert standing["percentile"].tolist() == [0.0, 25.0, 75.0, 100.0]


def test_experiments_hide_an_empty_default(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'mlflow.db'}", tmp_path / "mlartifacts")
    ensure_experiment(store, "mine")
    assert experiments(store)["name"].tolist() == ["mine"]
    mlc = client(store)
    default = mlc.get_experiment_by_name("Default").experiment_id
    mlc.create_run(default)
    assert experiments(store)["name"].tolist() == ["mine", "Default"]
