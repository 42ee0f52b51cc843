"""MLflow runs for sales analyses: one run per configuration, comparable and reloadable.

Where runs go (a :class:`Store`):

* nothing configured: a local SQLite store in the project folder (``mlflow.db``), with the
  run files in ``mlartifacts/`` beside it;
* ``MLFLOW_TRACKING_URI`` (or an explicit ``tracking_uri``): that store, usually a
  tracking server ``http://host:port``; for SQLite stores ``DTW_ARTIFACT_ROOT`` overrides
  where new experiments keep their files.

Each run of :func:`log_analysis` logs the parameters ``stretch_factor``, ``znorm``,
``n_products``, ``dataset_name``, ``dataset_hash``, ``target_hash`` (and ``band_radius``),
the metrics ``median_distance``, ``mean_distance``, ``min_distance``, ``max_distance``,
``n_zscore_outliers`` (and ``n_quantile_outliers``), the artifacts ``histogram.png``,
``histogram.html`` (plotly, works offline), ``distances.csv``, ``zscore_outliers.csv``,
``quantile_outliers.csv``, ``target.json``, and the model at ``model``
(see :mod:`dtwcore.model`). :func:`sweep` logs one such run per stretch factor.
A run that stops part-way (an error or Ctrl-C) is marked FAILED; finished runs stay.

When the store goes away in the middle of a run (a tracking server that dies), the run
cannot be marked FAILED at once. Every run is tagged with the process that logs it
(``dtw.owner``: host, pid and a per-process token); the next time runs are logged to or
listed from that experiment, RUNNING runs whose process is gone (on this host), or whose
FAILED mark this process could not deliver, are marked FAILED then. A tracking server
that stops answering is given up on within seconds, not after MLflow's default of seven
retries with exponential backoff (minutes): :data:`HTTP_RETRY_DEFAULTS` are applied unless
the environment sets those variables itself.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import signal
import socket
import sqlite3
import tempfile
import threading
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import mlflow
import numpy as np
import pandas as pd
from mlflow.entities import ViewType
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from dtwcore import model as dtw_model
from dtwcore.distance import band_radius
from dtwcore.plots.experiments import histogram_png
from dtwcore.plots.sales import distance_histogram
from dtwcore.sales import (
    PUBLISHED_STRETCHES,
    QUANTILE,
    ZSCORE_THRESHOLD,
    csv_text,
    quantile_outliers,
    score_catalog,
    zscore_outliers,
)

_log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_EXPERIMENT = "sales-trends"
CHECK_TIMEOUT = 2.0
TRACKING_URI_ENV = "MLFLOW_TRACKING_URI"
ARTIFACT_ROOT_ENV = "DTW_ARTIFACT_ROOT"
UI_URL_ENV = "MLFLOW_UI_URL"

PARAMS = (
    "stretch_factor",
    "znorm",
    "n_products",
    "dataset_name",
    "dataset_hash",
    "target_hash",
    "band_radius",
)
METRICS = (
    "median_distance",
    "mean_distance",
    "min_distance",
    "max_distance",
    "n_zscore_outliers",
    "n_quantile_outliers",
)
ARTIFACTS = (
    "histogram.png",
    "histogram.html",
    "distances.csv",
    "zscore_outliers.csv",
    "quantile_outliers.csv",
    "target.json",
)
SWEEP_TAG = "dtw.sweep_id"
SOURCE_TAG = "dtw.source"
OWNER_TAG = "dtw.owner"
ATTEMPT_TAG = "dtw.attempt"
CLOSED_TAG = "dtw.closed_because"

HTTP_RETRY_DEFAULTS = {
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2",
    "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
    "MLFLOW_HTTP_REQUEST_TIMEOUT": "60",
}
"""MLflow's HTTP retry settings for tracking servers: 2 retries, 1 s and 2 s apart (plus
up to 1 s jitter), 60 s per request. MLflow reads them at every request."""
for _name, _value in HTTP_RETRY_DEFAULTS.items():
    os.environ.setdefault(_name, _value)

_PROCESS_TOKEN = uuid.uuid4().hex[:12]
_UNDELIVERED: set[tuple[str, str]] = set()  # (tracking URI, attempt) still to mark FAILED
_UNDELIVERED_LOCK = threading.Lock()


class StoreUnreachable(ConnectionError):
    """The tracking store cannot be reached; the message says where and what to do."""


class TrackingError(ValueError):
    """A request about runs that cannot be answered (unknown run, missing file)."""


class CatalogLike(Protocol):
    """What a run needs from a catalogue (:class:`dtwcore.sales.Catalog` has it)."""

    name: str
    ids: np.ndarray
    weeks: list[str]
    values: np.ndarray

    @property
    def content_hash(self) -> str: ...


@dataclass(frozen=True)
class Store:
    """An MLflow tracking store: its URI and, for local stores, the artifact folder."""

    tracking_uri: str
    artifact_root: Path | None = None

    @property
    def is_server(self) -> bool:
        return self.tracking_uri.startswith(("http://", "https://"))

    @property
    def label(self) -> str:
        """Where runs go, in words: ``the local SQLite store /path/mlflow.db``."""
        if self.is_server:
            return f"the MLflow tracking server at {self.tracking_uri}"
        db = _sqlite_path(self.tracking_uri)
        if db is not None:
            return f"the local SQLite store {db}"
        return f"the MLflow store {self.tracking_uri}"


@dataclass(frozen=True)
class StoreStatus:
    """Result of :func:`check_store`: can runs be logged and read, and a sentence saying so."""

    ok: bool
    message: str


def default_tracking_uri() -> str:
    """``sqlite:///<project>/mlflow.db``: the embedded store used when nothing is set."""
    return f"sqlite:///{PROJECT_ROOT / 'mlflow.db'}"


def _sqlite_path(uri: str) -> Path | None:
    """The database file of a ``sqlite:///`` URI (relative paths resolved), else None."""
    if not uri.startswith("sqlite:///"):
        return None
    path = uri[len("sqlite:///") :].split("?", 1)[0]
    if not path or path == ":memory:":
        return None
    return Path(path).expanduser().resolve()


def resolve_store(tracking_uri: str | None = None) -> Store:
    """The store to use: ``tracking_uri``, else ``MLFLOW_TRACKING_URI``, else the default.

    For SQLite stores the artifact folder is ``DTW_ARTIFACT_ROOT`` when set, else
    ``mlartifacts/`` beside the database file.
    """
    uri = (tracking_uri or os.environ.get(TRACKING_URI_ENV) or default_tracking_uri()).strip()
    if uri.startswith(("http://", "https://")):
        uri = uri.rstrip("/")
    artifact_root = None
    db = _sqlite_path(uri)
    if uri.startswith("sqlite:"):
        env_root = os.environ.get(ARTIFACT_ROOT_ENV)
        if env_root:
            artifact_root = Path(env_root).expanduser().resolve()
        elif db is not None:
            artifact_root = db.parent / "mlartifacts"
        else:
            artifact_root = PROJECT_ROOT / "mlartifacts"
    return Store(uri, artifact_root)


def check_store(store: Store, timeout: float = CHECK_TIMEOUT) -> StoreStatus:
    """Whether ``store`` answers, within ``timeout`` seconds; never raises."""
    if store.is_server:
        try:
            with urllib.request.urlopen(f"{store.tracking_uri}/health", timeout=timeout) as r:
                answered = r.status == 200
                reason = f"it answered HTTP {r.status}"
        except urllib.error.HTTPError as exc:
            answered, reason = False, f"it answered HTTP {exc.code}"
        except (OSError, ValueError) as exc:
            answered = False
            reason = str(getattr(exc, "reason", exc)) or type(exc).__name__
        if answered:
            return StoreStatus(True, f"Runs are saved on {store.label}.")
        return StoreStatus(
            False,
            f"Cannot reach {store.label} ({reason}). Start the server, or point "
            f"{TRACKING_URI_ENV} at a running one (unset it to use the local store).",
        )
    db = _sqlite_path(store.tracking_uri)
    if db is not None:
        problem = None
        if not db.parent.is_dir():
            problem = f"the folder {db.parent} does not exist"
        elif not os.access(db.parent, os.W_OK):
            problem = f"the folder {db.parent} is not writable"
        elif db.exists():
            try:
                with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=timeout) as con:
                    con.execute("PRAGMA schema_version").fetchone()
            except sqlite3.Error as exc:
                problem = f"the file cannot be read as a database ({exc})"
        if problem:
            return StoreStatus(False, f"Cannot use {store.label}: {problem}.")
        return StoreStatus(
            True, f"Runs are saved in {store.label}; their files in {store.artifact_root}."
        )
    return StoreStatus(True, f"Runs are saved in {store.label}.")


def require_store(store: Store) -> None:
    """Raise :class:`StoreUnreachable` with a plain message when ``store`` does not answer."""
    status = check_store(store)
    if not status.ok:
        raise StoreUnreachable(status.message)


def client(store: Store) -> MlflowClient:
    """An MLflow client bound to ``store`` (no process-wide state)."""
    return MlflowClient(tracking_uri=store.tracking_uri)


def ensure_experiment(store: Store, name: str = DEFAULT_EXPERIMENT) -> str:
    """Id of the experiment ``name``, created (or restored) when needed.

    In SQLite stores a new experiment keeps its files under ``store.artifact_root``.
    """
    name = name.strip()
    if not name:
        raise TrackingError("the experiment name is empty")
    mlc = client(store)
    experiment = mlc.get_experiment_by_name(name)
    if experiment is not None:
        if experiment.lifecycle_stage == "deleted":
            mlc.restore_experiment(experiment.experiment_id)
        return experiment.experiment_id
    location = None
    if store.artifact_root is not None:
        slug = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
        location = (store.artifact_root / f"{slug}-{uuid.uuid4().hex[:8]}").as_uri()
    try:
        return mlc.create_experiment(name, artifact_location=location)
    except MlflowException:
        experiment = mlc.get_experiment_by_name(name)  # created meanwhile by someone else
        if experiment is None:
            raise
        return experiment.experiment_id


def list_experiments(store: Store) -> pd.DataFrame:
    """Active experiments: columns ``experiment_id``, ``name``, newest first."""
    rows = [
        {"experiment_id": e.experiment_id, "name": e.name, "created": e.creation_time}
        for e in client(store).search_experiments(view_type=ViewType.ACTIVE_ONLY)
    ]
    frame = pd.DataFrame(rows, columns=["experiment_id", "name", "created"])
    return frame.sort_values("created", ascending=False, ignore_index=True)


def array_hash(values: Sequence[float] | np.ndarray) -> str:
    """SHA-256 hex digest of an array's values as float64 (like ``Catalog.content_hash``)."""
    data = np.ascontiguousarray(np.asarray(values, dtype=np.float64))
    return hashlib.sha256(data.tobytes()).hexdigest()


def summarize(scores: pd.DataFrame) -> dict[str, float]:
    """The run metrics of a :func:`dtwcore.sales.score_catalog` table."""
    dist = scores["distance"].to_numpy(dtype=np.float64)
    return {
        "median_distance": float(np.median(dist)),
        "mean_distance": float(dist.mean()),
        "min_distance": float(dist.min()),
        "max_distance": float(dist.max()),
        "n_zscore_outliers": float(len(zscore_outliers(scores))),
        "n_quantile_outliers": float(len(quantile_outliers(scores))),
    }


def _check_stretch(stretch: float) -> float:
    try:
        value = float(stretch)
    except (TypeError, ValueError):
        raise TrackingError(f"stretch factor {stretch!r} is not a number") from None
    if not (math.isfinite(value) and 0.0 <= value <= 1.0):
        raise TrackingError(f"stretch factor {stretch!r} must be between 0 and 1")
    return value


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
    info = {
        "target": [float(v) for v in target],
        "stretch_factor": stretch,
        "band_radius": band_radius(target.shape[0], stretch=stretch),
        "znorm": znorm,
        "weeks": list(weeks),
        "zscore_threshold": ZSCORE_THRESHOLD,
        "quantile": QUANTILE,
    }
    (folder / "target.json").write_text(json.dumps(info, indent=2))


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
    stretch = _check_stretch(stretch)
    znorm = bool(znorm)
    target = np.asarray(target, dtype=np.float64)
    store = store or resolve_store()
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
    tags[OWNER_TAG] = _owner()
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


def _remember_undelivered(store: Store, attempt: str) -> None:
    """The run tagged ``attempt`` (:data:`ATTEMPT_TAG`) could not be marked FAILED, or its
    creation was not confirmed: :func:`close_abandoned_runs` closes it later."""
    with _UNDELIVERED_LOCK:
        _UNDELIVERED.add((store.tracking_uri, attempt))


def _owner() -> str:
    """``host pid token``: which process logs a run (the token tells a reused pid apart)."""
    return f"{socket.gethostname()} {os.getpid()} {_PROCESS_TOKEN}"


def _owner_is_gone(owner: str | None) -> bool:
    """True when ``owner`` (an :data:`OWNER_TAG` value) is a process of this host that no
    longer runs. Runs of other hosts, and of processes that may still run, are left alone."""
    try:
        host, pid_text, token = (owner or "").split(" ")
        pid = int(pid_text)
    except ValueError:
        return False
    if host != socket.gethostname() or pid <= 0:
        return False
    if pid == os.getpid():
        return token != _PROCESS_TOKEN
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # exists, owned by another user
        return False
    return False


def close_abandoned_runs(store: Store, experiment_id: str) -> list[str]:
    """Mark FAILED the RUNNING runs of ``experiment_id`` that nobody will finish: those whose
    logging process has stopped (on this host), and those this process could not mark
    FAILED when their store went away. Return their ids; never raises (a store problem is
    logged and left for the next call)."""
    mlc = client(store)
    closed: list[str] = []
    try:
        running = mlc.search_runs(
            [experiment_id], filter_string="attributes.status = 'RUNNING'", max_results=1000
        )
        for run in running:
            run_id = run.info.run_id
            key = (store.tracking_uri, run.data.tags.get(ATTEMPT_TAG, ""))
            with _UNDELIVERED_LOCK:
                undelivered = key in _UNDELIVERED
            if undelivered:
                reason = "its store stopped answering while it was logged"
            elif _owner_is_gone(run.data.tags.get(OWNER_TAG)):
                reason = "the process logging it stopped before it finished"
            else:
                continue
            mlc.set_tag(run_id, CLOSED_TAG, reason)
            mlc.set_terminated(run_id, "FAILED")
            with _UNDELIVERED_LOCK:
                _UNDELIVERED.discard(key)
            closed.append(run_id)
    except (MlflowException, OSError) as exc:
        _log.warning("could not close abandoned runs in %s: %s", store.label, exc)
    return closed


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
    values = [_check_stretch(s) for s in stretches]
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


def get_run(store: Store, run_id: str) -> mlflow.entities.Run:
    """The run ``run_id``; :class:`TrackingError` "No run with id … in <store>" if unknown."""
    run_id = run_id.strip()
    try:
        if not run_id:
            raise TrackingError("give a run id")
        return client(store).get_run(run_id)
    except MlflowException:
        raise TrackingError(f"No run with id {run_id!r} in {store.label}.") from None


def _number(value: str | None) -> float:
    try:
        return float(value) if value is not None else math.nan
    except ValueError:
        return math.nan


RUN_COLUMNS = [
    "run_id",
    "run_name",
    "status",
    "started",
    "dataset_name",
    "n_products",
    "stretch_factor",
    "znorm",
    "median_distance",
    "mean_distance",
    "min_distance",
    "max_distance",
    "n_zscore_outliers",
    "target_hash",
    "dataset_hash",
    "sweep_id",
    "source",
    "experiment_id",
]


def runs_table(store: Store, experiment_id: str, max_runs: int = 5000) -> pd.DataFrame:
    """Runs of an experiment with their parameters and metrics, newest first (abandoned
    runs are marked FAILED first, see :func:`close_abandoned_runs`)."""
    close_abandoned_runs(store, experiment_id)
    mlc = client(store)
    rows = []
    token = None
    while len(rows) < max_runs:
        page = mlc.search_runs(
            [experiment_id],
            max_results=min(1000, max_runs - len(rows)),
            order_by=["attributes.start_time DESC"],
            page_token=token,
        )
        for run in page:
            p, m, t = run.data.params, run.data.metrics, run.data.tags
            rows.append(
                {
                    "run_id": run.info.run_id,
                    "run_name": run.info.run_name,
                    "status": run.info.status,
                    "started": pd.Timestamp(run.info.start_time, unit="ms"),
                    "dataset_name": p.get("dataset_name"),
                    "n_products": _number(p.get("n_products")),
                    "stretch_factor": _number(p.get("stretch_factor")),
                    "znorm": p.get("znorm") == "True" if "znorm" in p else None,
                    "median_distance": m.get("median_distance", math.nan),
                    "mean_distance": m.get("mean_distance", math.nan),
                    "min_distance": m.get("min_distance", math.nan),
                    "max_distance": m.get("max_distance", math.nan),
                    "n_zscore_outliers": m.get("n_zscore_outliers", math.nan),
                    "target_hash": p.get("target_hash"),
                    "dataset_hash": p.get("dataset_hash"),
                    "sweep_id": t.get(SWEEP_TAG),
                    "source": t.get(SOURCE_TAG),
                    "experiment_id": run.info.experiment_id,
                }
            )
        token = page.token
        if not token:
            break
    return pd.DataFrame(rows, columns=RUN_COLUMNS)


def read_artifact_text(store: Store, run_id: str, name: str) -> str:
    """Text of the artifact ``name`` of run ``run_id``, line ends kept as written (a
    carriage return inside a quoted CSV cell stays a carriage return)."""
    with tempfile.TemporaryDirectory(prefix="dtw-artifact-") as tmp:
        try:
            path = mlflow.artifacts.download_artifacts(
                run_id=run_id, artifact_path=name, dst_path=tmp, tracking_uri=store.tracking_uri
            )
        except (MlflowException, OSError):
            get_run(store, run_id)
            raise TrackingError(f"Run {run_id} has no file {name!r}.") from None
        with open(path, encoding="utf-8", newline="") as f:
            return f.read()


def read_artifact_csv(store: Store, run_id: str, name: str) -> pd.DataFrame:
    """The CSV artifact ``name`` of run ``run_id`` (``distances.csv``, outlier lists)."""
    from io import StringIO

    return pd.read_csv(StringIO(read_artifact_text(store, run_id, name)), dtype={"product": str})


def ui_url() -> str | None:
    """The MLflow UI address from ``MLFLOW_UI_URL``, or None."""
    value = os.environ.get(UI_URL_ENV, "").strip().rstrip("/")
    return value or None


def run_link(experiment_id: str, run_id: str, base: str | None = None) -> str | None:
    """Link to a run in the MLflow UI, or None when no UI address is configured."""
    base = base or ui_url()
    return f"{base}/#/experiments/{experiment_id}/runs/{run_id}" if base else None


def experiment_link(experiment_id: str, base: str | None = None) -> str | None:
    """Link to an experiment in the MLflow UI, or None when no UI address is configured."""
    base = base or ui_url()
    return f"{base}/#/experiments/{experiment_id}" if base else None
