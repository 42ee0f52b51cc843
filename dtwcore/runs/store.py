"""MLflow as a store of runs: where runs go, whether the store answers, recovery of runs
left behind, and queries. The adapter layer under :mod:`dtwcore.runs.sales` (which logs
analyses and draws their figures); nothing here scores or draws.

Where runs go (a :class:`Store`):

* nothing configured: a local SQLite store in the project folder (``mlflow.db``), with the
  run files in ``mlartifacts/`` beside it;
* ``MLFLOW_TRACKING_URI`` (or an explicit ``tracking_uri``): that store, usually a
  tracking server ``http://host:port``; for SQLite stores ``DTW_ARTIFACT_ROOT`` overrides
  where new experiments keep their files.

When the store goes away in the middle of a run (a tracking server that dies), the run
cannot be marked FAILED at once. Every run is tagged with the process that logs it
(``dtw.owner``: host, pid and a per-process token); the next time runs are logged to or
listed from that experiment, RUNNING runs whose process is gone (on this host), or whose
FAILED mark this process could not deliver, are marked FAILED then. A tracking server
that stops answering is given up on within seconds, not after MLflow's default of seven
retries with exponential backoff (minutes): :data:`HTTP_RETRY_DEFAULTS` are applied, when
a store is first resolved, unless the environment sets those variables itself.
"""

from __future__ import annotations

import logging
import math
import os
import socket
import sqlite3
import tempfile
import threading
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

import mlflow
import pandas as pd
from mlflow.entities import ViewType
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from dtwcore.runs.metrics import METRICS
from dtwcore.sales import read_csv_text

_log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_EXPERIMENT = "sales-trends"
CHECK_TIMEOUT = 2.0
TRACKING_URI_ENV = "MLFLOW_TRACKING_URI"
ARTIFACT_ROOT_ENV = "DTW_ARTIFACT_ROOT"
UI_URL_ENV = "MLFLOW_UI_URL"

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

_PROCESS_TOKEN = uuid.uuid4().hex[:12]
_UNDELIVERED: set[tuple[str, str]] = set()  # (tracking URI, attempt) still to mark FAILED
_UNDELIVERED_LOCK = threading.Lock()


def apply_http_retry_defaults() -> None:
    """Put :data:`HTTP_RETRY_DEFAULTS` in the environment where it does not set them."""
    for name, value in HTTP_RETRY_DEFAULTS.items():
        os.environ.setdefault(name, value)


class StoreUnreachable(ConnectionError):
    """The tracking store cannot be reached; the message says where and what to do."""


class TrackingError(ValueError):
    """A request about runs that cannot be answered (unknown run, missing file)."""


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
    apply_http_retry_defaults()
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
    apply_http_retry_defaults()
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


def _remember_undelivered(store: Store, attempt: str) -> None:
    """The run tagged ``attempt`` (:data:`ATTEMPT_TAG`) could not be marked FAILED, or its
    creation was not confirmed: :func:`close_abandoned_runs` closes it later."""
    with _UNDELIVERED_LOCK:
        _UNDELIVERED.add((store.tracking_uri, attempt))


def run_owner() -> str:
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
    *(m.name for m in METRICS if m.in_runs_table),
    "target_hash",
    "dataset_hash",
    "sweep_id",
    "source",
    "experiment_id",
]


def runs_table(store: Store, experiment_id: str, max_runs: int = 5000) -> pd.DataFrame:
    """Runs of an experiment with their parameters and metrics, newest first (abandoned
    runs are marked FAILED first, see :func:`close_abandoned_runs`). The metric columns
    are those of :data:`dtwcore.runs.metrics.METRICS` shown in runs tables."""
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
                    **{
                        metric.name: m.get(metric.name, math.nan)
                        for metric in METRICS
                        if metric.in_runs_table
                    },
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
    """The CSV artifact ``name`` of run ``run_id`` (``distances.csv``, outlier lists), every
    cell as logged (:func:`dtwcore.sales.read_csv_text`)."""
    return read_csv_text(read_artifact_text(store, run_id, name), dtype={"product": str})


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
