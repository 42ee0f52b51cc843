"""MLflow runs for sales analyses: one run per configuration, comparable and reloadable.

The run-logging layer: it scores, draws the figures and writes the files of a run, then
hands them to the store through :mod:`dtwcore.runs.store` (where runs go, recovery of
runs left behind, queries; its names are re-exported here). The metrics come from one
registry, :mod:`dtwcore.runs.metrics`.

Each run of :func:`log_analysis` logs the parameters ``stretch_factor``, ``znorm``,
``n_products``, ``dataset_name``, ``dataset_hash``, ``target_hash`` (and ``band_radius``),
the metrics of :data:`METRICS`, the artifacts ``histogram.png``, ``histogram.html``
(plotly, works offline), ``distances.csv``, ``zscore_outliers.csv``,
``quantile_outliers.csv``, ``target.json`` (a :class:`RunTarget`), and the model at
``model`` (see :mod:`dtwcore.runs.model`). :func:`sweep` logs one such run per stretch factor.
A run that stops part-way (an error or Ctrl-C) is marked FAILED; finished runs stay.
"""

from __future__ import annotations

import hashlib
import json
import logging
import signal
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol

import mlflow
import numpy as np
import pandas as pd

from dtwcore.distance import band_radius, check_stretch
from dtwcore.plots.experiments import histogram_png
from dtwcore.plots.sales import distance_histogram
from dtwcore.runs import model as dtw_model
from dtwcore.runs.metrics import METRIC_NAMES, summarize
from dtwcore.runs.store import (
    ARTIFACT_ROOT_ENV,
    ATTEMPT_TAG,
    CHECK_TIMEOUT,
    CLOSED_TAG,
    DEFAULT_EXPERIMENT,
    HTTP_RETRY_DEFAULTS,
    OWNER_TAG,
    PROJECT_ROOT,
    RUN_COLUMNS,
    SOURCE_TAG,
    SWEEP_TAG,
    TRACKING_URI_ENV,
    UI_URL_ENV,
    Store,
    StoreStatus,
    StoreUnreachable,
    TrackingError,
    _remember_undelivered,
    apply_http_retry_defaults,
    check_store,
    client,
    close_abandoned_runs,
    default_tracking_uri,
    ensure_experiment,
    experiment_link,
    get_run,
    list_experiments,
    read_artifact_csv,
    read_artifact_text,
    require_store,
    resolve_store,
    run_link,
    run_owner,
    runs_table,
    ui_url,
)
from dtwcore.sales import (
    PUBLISHED_STRETCHES,
    QUANTILE,
    ZSCORE_THRESHOLD,
    csv_text,
    quantile_outliers,
    score_catalog,
    zscore_outliers,
)

__all__ = [
    "ARTIFACTS",
    "ARTIFACT_ROOT_ENV",
    "ATTEMPT_TAG",
    "CHECK_TIMEOUT",
    "CLOSED_TAG",
    "DEFAULT_EXPERIMENT",
    "HTTP_RETRY_DEFAULTS",
    "METRICS",
    "OWNER_TAG",
    "PARAMS",
    "PROJECT_ROOT",
    "RUN_COLUMNS",
    "SOURCE_TAG",
    "SWEEP_TAG",
    "TRACKING_URI_ENV",
    "UI_URL_ENV",
    "RunTarget",
    "Store",
    "StoreStatus",
    "StoreUnreachable",
    "TrackingError",
    "apply_http_retry_defaults",
    "array_hash",
    "check_store",
    "client",
    "close_abandoned_runs",
    "default_tracking_uri",
    "ensure_experiment",
    "experiment_link",
    "get_run",
    "list_experiments",
    "log_analysis",
    "read_artifact_csv",
    "read_artifact_text",
    "read_run_target",
    "require_store",
    "resolve_store",
    "run_link",
    "runs_table",
    "summarize",
    "sweep",
    "ui_url",
]

_log = logging.getLogger(__name__)

PARAMS = (
    "stretch_factor",
    "znorm",
    "n_products",
    "dataset_name",
    "dataset_hash",
    "target_hash",
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


class CatalogLike(Protocol):
    """What a run needs from a catalogue (:class:`dtwcore.sales.Catalog` has it)."""

    name: str
    ids: np.ndarray
    weeks: list[str]
    values: np.ndarray

    @property
    def content_hash(self) -> str: ...


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


def _write_artifacts(
    folder: Path,
    scores: pd.DataFrame,
    target: np.ndarray,
    stretch: float,
    znorm: bool,
    weeks: Sequence[str],
    title: str,
) -> None:
    dist = scores["distance"].to_numpy()
    median = float(np.median(dist))
    (folder / "histogram.png").write_bytes(histogram_png(dist, title=title))
    figure = distance_histogram(dist, median=median)
    figure.update_layout(title_text=f"{title}: {dist.size} products, median {median:.4f}")
    figure.write_html(folder / "histogram.html", include_plotlyjs=True, full_html=True)
    for name, table in (
        ("distances.csv", scores),
        ("zscore_outliers.csv", zscore_outliers(scores)),
        ("quantile_outliers.csv", quantile_outliers(scores)),
    ):
        (folder / name).write_text(csv_text(table), encoding="utf-8", newline="")
    info = RunTarget(
        target=tuple(float(v) for v in target),
        stretch_factor=stretch,
        band_radius=band_radius(target.shape[0], stretch=stretch),
        znorm=znorm,
        weeks=tuple(str(w) for w in weeks),
    )
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
) -> str:
    """Log one analysis (catalogue x target x stretch x znorm) as a new run; return its id.

    Parameters
    ----------
    catalog : the products (``name``, ``ids`` (N,), ``weeks``, ``values`` (N, W),
        ``content_hash``)
    target : array [shape=(T,)] weekly capacity in units
    stretch : float in [0, 1], the stretch factor (Sakoe-Chiba band as a fraction of T)
    znorm : compare shapes (z-normalised) rather than raw units
    store : where to log; default :func:`resolve_store`
    experiment : experiment name, created when missing
    scores : the :func:`dtwcore.sales.score_catalog` table when already computed
    sweep_id, source : tags that group runs of one sweep and say where they came from
    """
    stretch = check_stretch(stretch)
    znorm = bool(znorm)
    target = np.asarray(target, dtype=np.float64)
    store = store or resolve_store()
    apply_http_retry_defaults()
    require_store(store)
    if scores is None:
        scores = score_catalog(catalog.ids, catalog.values, target, stretch=stretch, znorm=znorm)
    config = dtw_model.model_config(target, stretch=stretch, znorm=znorm, weeks=catalog.weeks)
    example = dtw_model.input_example(catalog.ids, catalog.values, catalog.weeks)
    metrics = summarize(scores)
    radius = band_radius(target.shape[0], stretch=stretch)
    params = {
        "stretch_factor": stretch,
        "znorm": znorm,
        "n_products": int(len(scores)),
        "dataset_name": catalog.name,
        "dataset_hash": catalog.content_hash,
        "target_hash": array_hash(target),
        "band_radius": radius,
    }
    best = scores.loc[scores["distance"].idxmin()]
    shape = "z-normalised shapes" if znorm else "raw units"
    note = (
        f"DTW distance of {len(scores)} products of “{catalog.name}” to the "
        f"{target.shape[0]}-week target; stretch factor {stretch:g} (band of {radius} weeks), "
        f"{shape}. Median {metrics['median_distance']:.4f}; closest {best['product']} "
        f"({best['distance']:.4f})."
    )
    tags = {SOURCE_TAG: source, "mlflow.note.content": note}
    if sweep_id:
        tags[SWEEP_TAG] = sweep_id
    tags[OWNER_TAG] = run_owner()
    # Known before the store is asked to create the run, so that a run the store created but
    # whose id never reached us (the reply was lost) can still be found and closed.
    attempt = uuid.uuid4().hex
    tags[ATTEMPT_TAG] = attempt
    title = f"{catalog.name}: stretch {stretch:g}, {shape}"
    run_id: str | None = None
    try:
        experiment_id = ensure_experiment(store, experiment)
        close_abandoned_runs(store, experiment_id)
        with (
            _interrupts_at_safe_points() as checkpoint,
            dtw_model.use_tracking_uri(store.tracking_uri),
        ):
            run = mlflow.start_run(
                experiment_id=experiment_id, run_name=f"stretch {stretch:g}", tags=tags
            )
            run_id = run.info.run_id
            try:
                checkpoint()
                mlflow.log_params(params)
                checkpoint()
                mlflow.log_metrics(metrics)
                checkpoint()
                with tempfile.TemporaryDirectory(prefix="dtw-run-") as tmp:
                    _write_artifacts(
                        Path(tmp), scores, target, stretch, znorm, catalog.weeks, title
                    )
                    mlflow.log_artifacts(tmp)
                checkpoint()
                dtw_model.log_model(config, example)
                checkpoint()
            except BaseException:
                if not _end_failed(run_id):
                    _remember_undelivered(store, attempt)
                raise
            try:
                mlflow.end_run("FINISHED")
            except Exception:
                _remember_undelivered(store, attempt)
                raise
    except Exception as exc:
        if run_id is None:  # the store may have created the run and lost only its reply
            _remember_undelivered(store, attempt)
        status = StoreStatus(True, "") if isinstance(exc, StoreUnreachable) else check_store(store)
        if status.ok:
            raise
        if run_id:
            which = f"logging run {run_id} (stretch {stretch:g})"
            later = "it is marked FAILED the next time this experiment is used with the store back."
        else:
            which = f"starting the run for stretch {stretch:g}"
            later = (
                "if the store created it, it is marked FAILED the next time this experiment "
                "is used with the store back."
            )
        raise StoreUnreachable(
            f"Lost {store.label} while {which}: {later} {status.message}"
        ) from exc
    return run_id


def _end_failed(run_id: str) -> bool:
    """Mark the active run FAILED; return False (and say so in the log, rather than hide the
    original error) when the store does not take it."""
    try:
        mlflow.end_run("FAILED")
    except Exception as exc:  # the original error matters more; keep it
        _log.warning("could not mark run %s as FAILED: %s", run_id, exc)
        return False
    return True


@contextmanager
def _interrupts_at_safe_points() -> Iterator[Callable[[], None]]:
    """Hold Ctrl-C until a safe point between two MLflow writes; yield ``checkpoint()``.

    A KeyboardInterrupt in the middle of a write can leave a SQLite store locked, and then
    the run could not be marked FAILED. In the main thread the first Ctrl-C only sets a
    flag and ``checkpoint()`` raises KeyboardInterrupt at the next safe point (or it is
    raised when the block ends); a second Ctrl-C interrupts at once. In other threads
    (Streamlit's script threads never get SIGINT) this does nothing.
    """
    pending: list[int] = []

    def checkpoint() -> None:
        if pending:
            raise KeyboardInterrupt

    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    ):
        yield checkpoint
        return

    def hold(signum: int, frame: object) -> None:
        if pending:
            raise KeyboardInterrupt
        pending.append(signum)

    previous = signal.signal(signal.SIGINT, hold)
    try:
        yield checkpoint
    finally:
        signal.signal(signal.SIGINT, previous)
    checkpoint()


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
) -> list[str]:
    """One run per stretch factor, in the given order; return the run ids.

    ``progress(done, total, stretch, run_id)`` is called before each run (``run_id`` None)
    and after it (with the new id). Runs finished before an error stay; the run that was
    interrupted is marked FAILED.
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
            )
        )
        if progress is not None:
            progress(k + 1, len(values), stretch, run_ids[-1])
    return run_ids
