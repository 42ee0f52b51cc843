"""MLflow runs for sales analyses: one run per configuration, comparable and reloadable.

Scores, draws the figures and writes the files of a run; the run itself is started,
tagged and ended (or failed) by :mod:`dtwcore.runs.recorder`, in the store of
:mod:`dtwcore.runs.store`. The metrics come from one registry, :mod:`dtwcore.runs.metrics`.

Each run of :func:`log_analysis` logs the parameters :data:`PARAMS`, the metrics of
:data:`METRICS`, the artifacts ``histogram.png``, ``histogram.html`` (plotly, works
offline), ``distances.csv``, ``zscore_outliers.csv``, ``quantile_outliers.csv``,
``target.json`` (a :class:`RunTarget`), and the model at ``model`` (see
:mod:`dtwcore.runs.model`). :func:`sweep` logs one such run per stretch factor. A run that
stops part-way (an error or Ctrl-C) is marked FAILED with the reason; finished runs stay.
:func:`runs_table` lists an experiment's sales runs with their parameters and metrics.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from dtwcore.distance import band_radius, check_stretch
from dtwcore.plots import PLOT_CONFIG
from dtwcore.plots.experiments import histogram_png
from dtwcore.plots.sales import distance_histogram
from dtwcore.runs import model as dtw_model
from dtwcore.runs.metrics import METRIC_NAMES, RUNS_TABLE_METRICS, OutlierCuts, summarize
from dtwcore.runs.recorder import CatalogLike, record
from dtwcore.runs.store import (
    SWEEP_TAG,
    ParamReader,
    Store,
    TrackingError,
    flag_param,
    get_run,
    number_param,
    read_artifact_text,
    require_store,
    resolve_store,
    run_columns,
    text_param,
)
from dtwcore.runs.store import runs_table as store_runs_table
from dtwcore.sales import (
    PUBLISHED_STRETCHES,
    QUANTILE,
    ZSCORE_THRESHOLD,
    csv_text,
    quantile_outliers,
    read_csv_text,
    score_catalog,
    zscore_outliers,
)
from dtwcore.sales.target import curve_label

DEFAULT_EXPERIMENT = "sales-trends"
PARAMS = (
    "stretch_factor",
    "znorm",
    "n_products",
    "dataset_name",
    "dataset_hash",
    "target_hash",
    "target_label",
    "band_radius",
)
METRICS = METRIC_NAMES
ARTIFACTS = (
    "histogram.png",
    "histogram.html",
    "distances.csv",
    "zscore_outliers.csv",
    "quantile_outliers.csv",
    "target.json",
)
RUN_PARAMS: dict[str, ParamReader] = {
    "dataset_name": text_param,
    "n_products": number_param,
    "stretch_factor": number_param,
    "znorm": flag_param,
    "target_hash": text_param,
    "target_label": text_param,
    "dataset_hash": text_param,
}
"""The parameters a runs table shows, and how each is read."""
RUN_COLUMNS = run_columns(list(RUN_PARAMS), [m.name for m in RUNS_TABLE_METRICS])
"""The columns of :func:`runs_table`."""


@dataclass(frozen=True)
class RunTarget:
    """What a run's ``target.json`` holds: the settings its model scores with.

    Attributes
    ----------
    target : tuple of float [shape=(T,)], the target, units a week
    stretch_factor : float in [0, 1]
    band_radius : int, weeks a sale may move (floor(stretch_factor x T))
    znorm : bool, shapes compared (z-normalised) rather than units
    weeks : tuple of str [shape=(W,)], the catalogue's week columns
    zscore_threshold : float, the z-score at or below which a product is an outlier
    quantile : float, the share of closest products in the quantile outlier list
    """

    target: tuple[float, ...]
    stretch_factor: float
    band_radius: int
    znorm: bool
    weeks: tuple[str, ...]
    zscore_threshold: float = ZSCORE_THRESHOLD
    quantile: float = QUANTILE

    @property
    def cuts(self) -> OutlierCuts:
        """Where this run's outlier lists are cut."""
        return OutlierCuts(self.zscore_threshold, self.quantile)

    def to_json(self) -> str:
        """The file's text."""
        data = asdict(self)
        data["target"], data["weeks"] = list(self.target), list(self.weeks)
        return json.dumps(data, indent=2)

    @classmethod
    def from_json(cls, text: str) -> RunTarget:
        """Read the file's text; :class:`TrackingError` when it is not a run target."""
        try:
            data = json.loads(text)
            return cls(
                target=tuple(float(v) for v in data["target"]),
                stretch_factor=float(data["stretch_factor"]),
                band_radius=int(data["band_radius"]),
                znorm=bool(data["znorm"]),
                weeks=tuple(str(w) for w in data["weeks"]),
                zscore_threshold=float(data.get("zscore_threshold", ZSCORE_THRESHOLD)),
                quantile=float(data.get("quantile", QUANTILE)),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise TrackingError(f"target.json is not a run's target ({exc})") from None


def read_run_target(store: Store, run_id: str) -> RunTarget:
    """The :class:`RunTarget` of run ``run_id`` (its ``target.json``)."""
    get_run(store, run_id)
    return RunTarget.from_json(read_artifact_text(store, run_id, "target.json"))


def array_hash(values: Sequence[float] | np.ndarray) -> str:
    """SHA-256 hex digest of an array's values as float64 (like ``Catalog.content_hash``)."""
    data = np.ascontiguousarray(np.asarray(values, dtype=np.float64))
    return hashlib.sha256(data.tobytes()).hexdigest()


def runs_table(store: Store, experiment_id: str, max_runs: int = 5000) -> pd.DataFrame:
    """The sales runs of an experiment, newest first, with the columns :data:`RUN_COLUMNS`
    (the parameters of :data:`RUN_PARAMS`, the metrics runs tables show); see
    :func:`dtwcore.runs.store.runs_table`."""
    return store_runs_table(
        store,
        experiment_id,
        params=RUN_PARAMS,
        metrics=[m.name for m in RUNS_TABLE_METRICS],
        max_runs=max_runs,
    )


def _write_artifacts(folder: Path, scores: pd.DataFrame, info: RunTarget, title: str) -> None:
    dist = scores["distance"].to_numpy()
    median = float(np.median(dist))
    (folder / "histogram.png").write_bytes(histogram_png(dist, title=title))
    figure = distance_histogram(dist, median=median)
    figure.update_layout(title_text=f"{title}: {dist.size} products, median {median:.4f}")
    figure.write_html(
        folder / "histogram.html", include_plotlyjs=True, full_html=True, config=PLOT_CONFIG
    )
    for name, table in (
        ("distances.csv", scores),
        ("zscore_outliers.csv", zscore_outliers(scores, info.cuts.zscore_threshold)),
        ("quantile_outliers.csv", quantile_outliers(scores, info.cuts.quantile)),
    ):
        (folder / name).write_text(csv_text(table), encoding="utf-8", newline="")
    (folder / "target.json").write_text(info.to_json())


def log_analysis(
    catalog: CatalogLike,
    target: Sequence[float] | np.ndarray,
    *,
    stretch: float,
    znorm: bool = True,
    store: Store | None = None,
    experiment: str = DEFAULT_EXPERIMENT,
    scores: pd.DataFrame | None = None,
    sweep_id: str | None = None,
    source: str = "python",
    target_label: str | None = None,
) -> str:
    """Log one analysis (catalogue x target x stretch x znorm) as a new run; return its id.

    Parameters
    ----------
    catalog : the products (``name``, ``ids`` (N,), ``weeks``, ``values`` (N, W),
        ``content_hash``)
    target : array [shape=(T,)] weekly capacity in units
    stretch : float in [0, 1], the stretch factor (Sakoe-Chiba band as a fraction of T)
    znorm : compare shapes (z-normalised) rather than raw units
    store : where to log; default :func:`dtwcore.runs.store.resolve_store`
    experiment : experiment name, created when missing
    scores : the :func:`dtwcore.sales.score_catalog` table when already computed
    sweep_id, source : tags that group runs of one sweep and say where they came from
    target_label : how the run's name calls the target ("target P83", "shape 2 of demo":
        :attr:`dtwcore.sales.target.TargetSpec.label`); default
        :func:`dtwcore.sales.target.curve_label`

    Raises
    ------
    StoreUnreachable, KeyboardInterrupt
        as :func:`dtwcore.runs.recorder.record`; the run is then marked FAILED
    """
    stretch = check_stretch(stretch)
    znorm = bool(znorm)
    target = np.asarray(target, dtype=np.float64)
    target_label = target_label or curve_label(target)
    store = store or resolve_store()
    if scores is None:
        scores = score_catalog(catalog.ids, catalog.values, target, stretch=stretch, znorm=znorm)
    config = dtw_model.model_config(target, stretch=stretch, znorm=znorm, weeks=catalog.weeks)
    example = dtw_model.input_example(catalog.ids, catalog.values, catalog.weeks)
    info = RunTarget(
        target=tuple(float(v) for v in target),
        stretch_factor=stretch,
        band_radius=band_radius(target.shape[0], stretch=stretch),
        znorm=znorm,
        weeks=tuple(str(w) for w in catalog.weeks),
    )
    metrics = summarize(scores, info.cuts)
    params = {
        "stretch_factor": stretch,
        "znorm": znorm,
        "n_products": int(len(scores)),
        "dataset_name": catalog.name,
        "dataset_hash": catalog.content_hash,
        "target_hash": array_hash(target),
        "target_label": target_label,
        "band_radius": info.band_radius,
    }
    best = scores.loc[scores["distance"].idxmin()]
    shape = "z-normalised shapes" if znorm else "raw units"
    note = (
        f"DTW distance of {len(scores)} products of “{catalog.name}” to the "
        f"{target.shape[0]}-week target ({target_label}); stretch factor {stretch:g} (band of "
        f"{info.band_radius} weeks), {shape}. Median {metrics['median_distance']:.4f}; "
        f"closest {best['product']} ({best['distance']:.4f})."
    )
    tags = {"mlflow.note.content": note}
    if sweep_id:
        tags[SWEEP_TAG] = sweep_id
    title = f"{catalog.name}: stretch {stretch:g}, {shape}"
    with record(
        store,
        experiment,
        run_name=f"{target_label}, stretch {stretch:g}",
        source=source,
        tags=tags,
    ) as run:
        run.log_params(params)
        run.log_metrics(metrics)
        with tempfile.TemporaryDirectory(prefix="dtw-run-") as tmp:
            _write_artifacts(Path(tmp), scores, info, title)
            run.log_artifacts(Path(tmp))
        dtw_model.log_model(
            config,
            example,
            tracking_uri=store.tracking_uri,
            experiment_id=run.experiment_id,
            run_id=run.run_id,
            params=params,
        )
    return run.run_id


SweepProgress = Callable[[int, int, float, "str | None"], None]


def sweep(
    catalog: CatalogLike,
    target: Sequence[float] | np.ndarray,
    stretches: Sequence[float] = PUBLISHED_STRETCHES,
    *,
    znorm: bool = True,
    store: Store | None = None,
    experiment: str = DEFAULT_EXPERIMENT,
    progress: SweepProgress | None = None,
    source: str = "python",
    target_label: str | None = None,
) -> list[str]:
    """One run per stretch factor, in the given order; return the run ids.

    ``progress(done, total, stretch, run_id)`` is called before each run (``run_id`` None)
    and after it (with the new id). Runs finished before an error stay; the run that was
    interrupted is marked FAILED. ``target_label`` names the target in the runs' names
    (see :func:`log_analysis`).
    """
    values = [check_stretch(s) for s in stretches]
    if not values:
        raise TrackingError("give at least one stretch factor")
    store = store or resolve_store()
    require_store(store)
    sweep_id = uuid.uuid4().hex[:12]
    run_ids: list[str] = []
    for k, stretch in enumerate(values):
        if progress is not None:
            progress(k, len(values), stretch, None)
        run_ids.append(
            log_analysis(
                catalog,
                target,
                stretch=stretch,
                znorm=znorm,
                store=store,
                experiment=experiment,
                sweep_id=sweep_id,
                source=source,
                target_label=target_label,
            )
        )
        if progress is not None:
            progress(k + 1, len(values), stretch, run_ids[-1])
    return run_ids


def read_artifact_csv(store: Store, run_id: str, name: str) -> pd.DataFrame:
    """The CSV artifact ``name`` of run ``run_id`` (``distances.csv``, outlier lists), every
    cell as logged (:func:`dtwcore.sales.read_csv_text`)."""
    return read_csv_text(read_artifact_text(store, run_id, name), dtype={"product": str})
