"""Logged runs compared: the Experiments page's questions and verdicts.

* which experiments to offer (:func:`experiments`, the one MLflow query here);
* names that say how runs differ (:func:`run_labels`) and one line per kind of data
  (:func:`series_label`);
* whether the median distance falls as the stretch factor grows (:func:`median_verdict`);
* which runs to show when none is picked (:func:`newest_sweep`, :func:`default_run`);
* what changes between two runs' outliers (:func:`outlier_changes`);
* where new products stand against a run's logged products (:func:`against_run`).

Apart from :func:`experiments`, pure functions on the runs table of
:func:`dtwcore.runs.sales.runs_table` and on score or outlier tables (pandas in, pandas or
text out); no Streamlit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dtwcore.runs.store import Store, client, list_experiments
from dtwcore.sales import DEFAULT_STRETCH

CHANGE_COLUMNS = ["product", "change", "distance_before", "distance_after"]
ENTERS, LEAVES, STAYS = "enters", "leaves", "stays"
MLFLOW_DEFAULT = "Default"
"""The experiment MLflow makes in every store; offered only when it holds runs."""
LEVEL = 1e-9
"""A median that grows by no more than this, between stretch factors, counts as level."""
CLOSER, PERCENTILE = "closer logged products", "percentile"


def experiments(store: Store) -> pd.DataFrame:
    """The store's active experiments, newest first, without MLflow's empty "Default".

    Returns
    -------
    DataFrame with ``experiment_id``, ``name``, ``created`` (as
    :func:`dtwcore.runs.store.list_experiments`).
    """
    found = list_experiments(store)
    default = found["name"] == MLFLOW_DEFAULT
    if default.any():
        ids = found.loc[default, "experiment_id"].tolist()
        if not client(store).search_runs(ids, max_results=1):
            found = found[~default].reset_index(drop=True)
    return found


def _varies(values: pd.Series) -> bool:
    return values.fillna("").astype(str).nunique() > 1


def run_labels(runs: pd.DataFrame) -> pd.Series:
    """A short name per run that says what sets it apart from the others shown.

    Parameters
    ----------
    runs : DataFrame with ``stretch_factor``, ``dataset_name``, ``target_hash`` (and
        ``target_label`` when logged), ``znorm`` and ``started`` (UTC timestamps), one row per run

    Returns
    -------
    Series of str, same index: always the stretch factor, then the dataset, the target
    (:func:`target_labels`), the normalisation, each only when it differs
    between runs; then the start time when names would still repeat (to the minute, with
    the date when the runs span several days, to the second if still needed).
    """
    if runs.empty:
        return pd.Series([], index=runs.index, dtype=object)
    parts = [runs["stretch_factor"].map(lambda s: f"stretch {s:g}" if pd.notna(s) else "stretch ?")]
    if _varies(runs["dataset_name"]):
        parts.append(runs["dataset_name"].fillna("?").astype(str))
    targets = target_labels(runs)
    if _varies(targets):
        parts.append(targets)
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


def series_label(runs: pd.DataFrame) -> pd.Series:
    """One line per dataset and normalisation (and target, where a dataset has several).

    Parameters
    ----------
    runs : DataFrame with ``dataset_name``, ``znorm`` and ``target_hash``, one row per run

    Returns
    -------
    Series of str, same index: ``dataset · z-normalised`` or ``dataset · raw units``, then
    `` · `` and the target (:func:`target_labels`) when one dataset has runs with several
    targets.
    """
    shape = np.where(runs["znorm"].fillna(True).astype(bool), "z-normalised", "raw units")
    label = runs["dataset_name"].fillna("?") + " · " + shape
    if runs.groupby("dataset_name")["target_hash"].nunique().gt(1).any():
        label = label + " · " + target_labels(runs)
    return label


def target_labels(runs: pd.DataFrame) -> pd.Series:
    """Each run's target as its name says it ("target P83", "published capacity"); for runs
    logged without a ``target_label``, "target" and the first 6 hex digits of its hash."""
    hashes = "target " + runs["target_hash"].fillna("").astype(str).str[:6]
    if "target_label" not in runs:
        return hashes
    return runs["target_label"].where(runs["target_label"].notna(), hashes).astype(str)


def median_verdict(runs: pd.DataFrame, series: pd.Series) -> str | None:
    """Whether the median distance falls as the stretch factor grows, in every series.

    Parameters
    ----------
    runs : finished runs with ``stretch_factor`` and ``median_distance``
    series : the line each run belongs to (e.g. :func:`series_label`), same index

    Returns
    -------
    ``"falls (or stays level) as the stretch factor grows in every series, as published"``
    when, in every series, the mean median per stretch factor never grows by more than
    :data:`LEVEL`; ``"does not always fall as the stretch factor grows"`` otherwise;
    None when no series has two stretch factors.
    """
    groups = [g for _, g in runs.groupby(series)]
    if not any(g["stretch_factor"].nunique() > 1 for g in groups):
        return None
    falls = all(
        np.all(np.diff(g.groupby("stretch_factor")["median_distance"].mean().to_numpy()) <= LEVEL)
        for g in groups
    )
    if falls:
        return "falls (or stays level) as the stretch factor grows in every series, as published"
    return "does not always fall as the stretch factor grows"


def newest_sweep(runs: pd.DataFrame, at_most: int) -> pd.DataFrame:
    """The runs to show when none is picked: the newest sweep, spread over its stretch
    factors.

    Parameters
    ----------
    runs : finished runs, newest first, with ``sweep_id`` and ``stretch_factor``
    at_most : how many runs to show

    Returns
    -------
    At most ``at_most`` rows of ``runs``, by stretch factor: evenly spread over the sweep of
    the newest run (the first and the last factor always among them); when the newest run
    is not part of a sweep of two or more, over the 4 newest runs instead.
    """
    if runs.empty:
        return runs
    newest = runs.iloc[0]["sweep_id"]
    group = runs[runs["sweep_id"] == newest] if newest else runs.iloc[:0]
    if len(group) < 2:
        group = runs.head(4)
    group = group.sort_values("stretch_factor")
    picks = np.unique(np.linspace(0, len(group) - 1, min(len(group), at_most)).round())
    return group.iloc[picks.astype(int)]


def default_run(runs: pd.DataFrame) -> str:
    """Id of the run whose stretch factor is nearest the published default
    (:data:`dtwcore.sales.DEFAULT_STRETCH`); the first such run of ``runs``."""
    return str(runs.loc[(runs["stretch_factor"] - DEFAULT_STRETCH).abs().idxmin(), "run_id"])


def against_run(distances: np.ndarray, logged: np.ndarray) -> pd.DataFrame:
    """Where new products stand among a run's logged products.

    Parameters
    ----------
    distances : np.ndarray [shape=(M,)], the new products' distances to the run's target
    logged : np.ndarray [shape=(N,)], the run's logged distances (its ``distances.csv``)

    Returns
    -------
    DataFrame, one row per new product: ``closer logged products`` (how many logged
    products are strictly closer) and ``percentile`` (that count as a share of N, in %).
    """
    ordered = np.sort(np.asarray(logged, dtype=np.float64))
    closer = np.searchsorted(ordered, np.asarray(distances, dtype=np.float64), side="left")
    return pd.DataFrame({CLOSER: closer, PERCENTILE: 100.0 * closer / ordered.size})
