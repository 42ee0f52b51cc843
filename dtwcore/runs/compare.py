"""Logged runs at a glance: names that say how runs differ, and what changes between two
runs' outliers.

Pure functions on the runs table of :func:`dtwcore.runs.sales.runs_table` and on score or
outlier tables (pandas in, pandas or text out); no MLflow calls, no Streamlit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

CHANGE_COLUMNS = ["product", "change", "distance_before", "distance_after"]
ENTERS, LEAVES, STAYS = "enters", "leaves", "stays"


def _varies(values: pd.Series) -> bool:
    return values.fillna("").astype(str).nunique() > 1


def run_labels(runs: pd.DataFrame) -> pd.Series:
    """A short name per run that says what sets it apart from the others shown.

    Parameters
    ----------
    runs : DataFrame with ``stretch_factor``, ``dataset_name``, ``target_hash``,
        ``znorm`` and ``started`` (UTC timestamps), one row per run

    Returns
    -------
    Series of str, same index: always the stretch factor, then the dataset, the target
    (first 6 hex digits of its hash), the normalisation, each only when it differs
    between runs; then the start time when names would still repeat (to the minute, with
    the date when the runs span several days, to the second if still needed).
    """
    if runs.empty:
        return pd.Series([], index=runs.index, dtype=object)
    parts = [runs["stretch_factor"].map(lambda s: f"stretch {s:g}" if pd.notna(s) else "stretch ?")]
    if _varies(runs["dataset_name"]):
        parts.append(runs["dataset_name"].fillna("?").astype(str))
    if _varies(runs["target_hash"]):
        parts.append("target " + runs["target_hash"].fillna("").astype(str).str[:6])
    if _varies(runs["znorm"]):
        parts.append(runs["znorm"].map(lambda z: "units" if z is False else "shapes"))
    label = parts[0]
    for part in parts[1:]:
        label = label + " · " + part
    if label.duplicated(keep=False).any():
        started = pd.to_datetime(runs["started"], utc=True)
        days = started.dt.date.nunique() > 1
        for fmt in ("%Y-%m-%d %H:%M" if days else "%H:%M", "%Y-%m-%d %H:%M:%S"):
            timed = label + " · " + started.dt.strftime(fmt).fillna("?")
            if not timed.duplicated(keep=False).any():
                break
        label = timed
    return label


def outlier_changes(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Which products enter, leave or stay in an outlier list from one run to another.

    Parameters
    ----------
    before, after : DataFrames with ``product`` and ``distance`` (one run's outliers each)

    Returns
    -------
    DataFrame with :data:`CHANGE_COLUMNS`: ``change`` is ``"enters"`` (only in
    ``after``), ``"leaves"`` (only in ``before``) or ``"stays"``; the distances are NaN
    where the product is not listed. Entering first, then leaving, then staying, each by
    distance.
    """
    a = before[["product", "distance"]].rename(columns={"distance": "distance_before"})
    b = after[["product", "distance"]].rename(columns={"distance": "distance_after"})
    both = a.merge(b, on="product", how="outer")
    change = np.where(
        both["distance_before"].isna(),
        ENTERS,
        np.where(both["distance_after"].isna(), LEAVES, STAYS),
    )
    both.insert(1, "change", change)
    order = both["change"].map({ENTERS: 0, LEAVES: 1, STAYS: 2})
    key = both["distance_after"].fillna(both["distance_before"])
    both = both.assign(_o=order, _k=key).sort_values(["_o", "_k"], kind="stable")
    return both[CHANGE_COLUMNS].reset_index(drop=True)
