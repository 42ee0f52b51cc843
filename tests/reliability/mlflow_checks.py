"""MLflow for the fault and concurrency checks: a server that can be killed, and a check
that every logged run is complete.

:class:`KillableServer` runs ``mlflow server`` in its own process group, so :meth:`kill`
stops it the way a crash or a pulled plug would (SIGKILL to the server and its workers;
killing only the parent leaves the workers answering). :meth:`start` on the same object
brings it back on the same port, database and artifact folder.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from mlflow.entities import ViewType
from mlflow.tracking import MlflowClient

from dtwcore.runs import model as dtw_model
from dtwcore.runs import sales as tracking
from dtwcore.runs import store as run_store
from dtwcore.sales import score_catalog
from tests.conftest import free_port, wait_http


class KillableServer:
    """``mlflow server`` with SQLite runs and served artifacts under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.db = root / "mlflow.db"
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
        log = open(self.root / f"server-{self.starts}.log", "w")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [
                sys.executable, "-m", "mlflow", "server",
                "--backend-store-uri", f"sqlite:///{self.db}",
                "--artifacts-destination", str(self.root / "artifacts"),
                "--serve-artifacts",
                "--host", "127.0.0.1", "--port", str(self.port), "--workers", "1",
            ],
            cwd=self.root, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        log.close()
        self.starts += 1
        try:
            wait_http(f"{self.url}/health", timeout=180, proc=self.proc)
        except (RuntimeError, TimeoutError) as exc:
            log_text = (self.root / f"server-{self.starts - 1}.log").read_text()[-3000:]
            raise RuntimeError(f"{exc}\n{log_text}") from None

    def kill(self) -> None:
        """SIGKILL the server and its workers at once."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)
        deadline = time.monotonic() + 30
        while _answers(self.url) and time.monotonic() < deadline:
            time.sleep(0.2)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)

    def run_states(self) -> list[tuple[str, str]]:
        """(run id, status) of every run, oldest first, read from the database file."""
        return sqlite_states(self.db)


def sqlite_states(db: Path) -> list[tuple[str, str]]:
    """(run id, status) of every run in an MLflow SQLite database, oldest first."""
    if not db.exists():
        return []
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=2) as con:
            return con.execute("SELECT run_uuid, status FROM runs ORDER BY start_time").fetchall()
    except sqlite3.Error:
        return []


def _answers(url: str) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(f"{url}/health", timeout=1):
            return True
    except OSError:
        return False


def kill_when(server: KillableServer, ready, timeout: float = 300.0) -> bool:  # noqa: ANN001
    """Kill ``server`` as soon as ``ready(run_states)`` is true; False if it never was."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready(server.run_states()):
            server.kill()
            return True
        time.sleep(0.05)
    return False


def second_run_started(states: list[tuple[str, str]]) -> bool:
    """One run finished and the next one exists in the store. Its id may not have reached
    the client yet: the store writes the run before it replies."""
    return len(states) >= 2 and states[0][1] == "FINISHED" and states[-1][1] == "RUNNING"


def second_run_logging(server: KillableServer) -> Callable[[list[tuple[str, str]]], bool]:
    """Like :func:`second_run_started`, and the client has already written a parameter to
    the new run, so it certainly knows the run's id (a kill then always cuts a known run)."""

    def ready(states: list[tuple[str, str]]) -> bool:
        return second_run_started(states) and _has_params(server.db, states[-1][0])

    return ready


def _has_params(db: Path, run_id: str) -> bool:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=2) as con:
            sql = "SELECT COUNT(*) FROM params WHERE run_uuid = ?"
            return con.execute(sql, (run_id,)).fetchone()[0] > 0
    except sqlite3.Error:
        return False


@dataclass
class RunReport:
    """What :func:`check_runs` found."""

    checked: int = 0
    statuses: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def check_runs(
    store: run_store.Store,
    experiment: str,
    catalogs: dict[str, object] | None = None,
    *,
    load_models: bool = True,
) -> RunReport:
    """Every run of ``experiment``: none left RUNNING; each FINISHED one complete (all
    parameters, metrics and artifacts and, with ``load_models``, a model that loads and
    gives the distances of :func:`score_catalog` on its catalogue, looked up by
    ``dataset_name`` in ``catalogs``).
    """
    report = RunReport()
    mlc = MlflowClient(store.tracking_uri)
    found = mlc.get_experiment_by_name(experiment)
    if found is None:
        report.problems.append(f"experiment {experiment!r} is missing")
        return report
    runs = mlc.search_runs([found.experiment_id], run_view_type=ViewType.ALL, max_results=5000)
    for run in runs:
        rid, status = run.info.run_id, run.info.status
        report.statuses[rid] = status
        report.checked += 1
        if status == "RUNNING":
            report.problems.append(f"run {rid} is left RUNNING")
            continue
        if status != "FINISHED":
            continue
        params, metrics = run.data.params, run.data.metrics
        missing = [p for p in tracking.PARAMS if p not in params]
        missing += [m for m in tracking.METRICS if m not in metrics]
        names = {a.path for a in mlc.list_artifacts(rid)}
        missing += [a for a in tracking.ARTIFACTS if a not in names]
        if missing:
            report.problems.append(f"finished run {rid} lacks {', '.join(missing)}")
            continue
        catalog = (catalogs or {}).get(params["dataset_name"])
        if catalog is None or not load_models:
            continue
        if params["dataset_hash"] != catalog.content_hash:
            report.problems.append(f"run {rid} holds another catalogue's numbers")
            continue
        try:  # MLflow 3 keeps the model as a logged model of the run, not in its files
            model = dtw_model.load_model(rid, store.tracking_uri)
        except Exception as exc:  # any reason it cannot be loaded is the finding
            report.problems.append(f"the model of run {rid} does not load ({exc!s:.200})")
            continue
        got = model.predict(_all_rows(catalog))["distance"].to_numpy()
        want = score_catalog(
            catalog.ids,
            catalog.values,
            np.asarray(_target_of(mlc, rid)),
            stretch=float(params["stretch_factor"]),
            znorm=params["znorm"] == "True",
        )["distance"].to_numpy()
        if not np.allclose(got, want, rtol=0, atol=1e-9):
            report.problems.append(f"the model of run {rid} gives other distances")
    return report


def _all_rows(catalog) -> object:  # noqa: ANN001
    import pandas as pd

    frame = pd.DataFrame(catalog.values, columns=catalog.weeks)
    frame.insert(0, dtw_model.ID_COLUMN, catalog.ids)
    return frame


def _target_of(mlc: MlflowClient, run_id: str) -> list[float]:
    import json
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = mlc.download_artifacts(run_id, "target.json", tmp)
        return json.loads(Path(path).read_text())["target"]


class LostReplyProxy:
    """An HTTP proxy in front of a :class:`KillableServer` that plays the one fault a kill
    cannot hit on purpose: the server creates a run and dies before its reply arrives.

    It forwards every request. The ``nth`` ``runs/create`` request is forwarded (the server
    writes the run), then the server is killed and the reply dropped; from then on every
    connection is closed unanswered until :meth:`revive`.
    """

    def __init__(self, server: KillableServer, nth: int) -> None:
        import http.client
        import http.server
        import threading

        self.server = server
        self.creates = 0
        self.dead = threading.Event()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _forward(self) -> None:
                if proxy.dead.is_set():
                    self.close_connection = True
                    return
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                create = self.path.split("?")[0].endswith("/runs/create")
                if create:
                    proxy.creates += 1
                up = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
                up.request(self.command, self.path, body=body, headers=headers)
                reply = up.getresponse()
                data = reply.read()
                up.close()
                if create and proxy.creates == nth:  # written by the server; reply lost
                    proxy.dead.set()
                    server.kill()
                    self.close_connection = True
                    return
                self.send_response(reply.status)
                for key, value in reply.getheaders():
                    if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _forward

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def revive(self) -> None:
        """Start the server again and forward requests again."""
        self.server.start()
        self.dead.clear()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
