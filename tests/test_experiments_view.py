"""Runs at a glance: names by what differs, outliers entering and leaving, file names."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from dtwcore.runs.compare import (
    CHANGE_COLUMNS,
    outlier_changes,
    run_labels,
)
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
