"""A clustering logged to a real MLflow tracking server, like an analysis: the same
contents rules and the same end when it is cut (Ctrl-C, a dead server)."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dtwcore.runs import store as run_store
from dtwcore.runs.shapes import ARTIFACTS, EXPERIMENT, PARAMS, log_clustering
from dtwcore.shapes import cluster_shapes
from dtwcore.shapes.clustering import assignments
from tests.conftest import ROOT
from tests.reliability.mlflow_checks import KillableServer

pytest_plugins = ["tests.mlflow_fixtures"]


def test_clustering_run_holds_params_metrics_and_artifacts(server_store, uci_catalog) -> None:  # noqa: ANN001
    result = cluster_shapes(uci_catalog.values, k=3, stretch=0.1)
    run_id = log_clustering(uci_catalog, result, store=server_store, source="test")
    run = run_store.get_run(server_store, run_id)
    assert run.info.status == "FINISHED"
    assert run.data.params == {
        "k": "3",
        "k_chosen": "given",
        "stretch_factor": "0.1",
        "znorm": "True",
        "n_products": "811",
        "dataset_name": uci_catalog.name,
        "dataset_hash": uci_catalog.content_hash,
        "sample_size": "all",
    }
    metrics = run.data.metrics
    assert metrics["silhouette"] == pytest.approx(result.mean_silhouette, rel=1e-12)
    assert metrics["total_distance"] == pytest.approx(result.distance.sum(), rel=1e-12)
    assert metrics["mean_distance"] == pytest.approx(result.distance.mean(), rel=1e-12)
    assert run.data.tags[run_store.SOURCE_TAG] == "test"
    assert run_store.OWNER_TAG in run.data.tags
    experiment = run_store.client(server_store).get_experiment(run.info.experiment_id)
    assert experiment.name == EXPERIMENT

    names = {a.path for a in run_store.client(server_store).list_artifacts(run_id)}
    assert names == set(ARTIFACTS)
    table = pd.read_csv(
        io.StringIO(run_store.read_artifact_text(server_store, run_id, "assignments.csv")),
        dtype={"product": str},
    )
    want = assignments(uci_catalog.ids, result)
    pd.testing.assert_frame_equal(table, want, check_exact=True)
    assert np.bincount(table["cluster"])[1:].tolist() == result.sizes.tolist()
    html = run_store.read_artifact_text(server_store, run_id, "shapes.html")
    assert "Plotly.newPlot" in html and "Shape 1: " in html
    assert '"displaylogo": false' in html
    png = run_store.client(server_store).download_artifacts(run_id, "shapes.png")
    with open(png, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"


def test_a_clustering_of_other_products_is_refused(server_store, uci_catalog) -> None:  # noqa: ANN001
    result = cluster_shapes(uci_catalog.values[:100], k=2)
    with pytest.raises(run_store.TrackingError, match="the clustering has 100 products"):
        log_clustering(uci_catalog, result, store=server_store)


# --------------------------------------------------------------------------- cut runs


def _logging_job(tracking_uri: str, experiment: str) -> subprocess.Popen:
    """tests/shapes_log_job.py, waiting in the middle of its run (it has printed
    ``drawing``)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    env["MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT"] = "true"  # stdout: the job's own lines
    job = subprocess.Popen(
        [sys.executable, "-m", "tests.shapes_log_job", tracking_uri, experiment],
        cwd=ROOT, env=env, text=True,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip
    line = job.stdout.readline()
    if line != "drawing\n":
        job.kill()
        raise AssertionError(f"the job did not start its run: {line!r} {job.stderr.read()[-500:]}")
    return job


def _go_on(job: subprocess.Popen) -> None:
    job.stdin.write("go\n")
    job.stdin.flush()


def _only_run(store: run_store.Store, experiment: str):  # noqa: ANN202
    mlc = run_store.client(store)
    runs = mlc.search_runs([mlc.get_experiment_by_name(experiment).experiment_id])
    assert len(runs) == 1
    return runs[0]


def test_ctrl_c_fails_a_clustering_run_at_the_next_safe_point(server_store) -> None:  # noqa: ANN001
    """SIGINT while the figures are drawn: the write under way ends, the run stops at the
    safe point after it, and is FAILED with the reason."""
    job = _logging_job(server_store.tracking_uri, "shapes-interrupted")
    try:
        job.send_signal(signal.SIGINT)
        _go_on(job)
        out, err = job.communicate(timeout=120)
    finally:
        job.kill()
    assert (job.returncode, out) == (130, "interrupted\n"), err
    run = _only_run(server_store, "shapes-interrupted")
    assert run.info.status == "FAILED"
    assert run.data.tags[run_store.CLOSED_TAG] == (
        "the process logging it was interrupted (Ctrl-C) before it finished"
    )
    assert run_store.ATTEMPT_TAG in run.data.tags
    assert set(run.data.params) == set(PARAMS)
    names = {a.path for a in run_store.client(server_store).list_artifacts(run.info.run_id)}
    assert names == set(ARTIFACTS)  # the upload under way when Ctrl-C came was finished


def test_a_clustering_run_cut_by_a_dead_server_is_failed_once_it_is_back(
    tmp_path: Path,
) -> None:
    """The server dies (SIGKILL) while the run's figures are drawn: the process says so in
    one error naming the run, the run cannot be marked FAILED while the server is away, and
    is marked FAILED, with the reason, the next time the process lists the experiment."""
    server = KillableServer(tmp_path)
    server.start()
    job = None
    try:
        job = _logging_job(server.url, "shapes-lost")
        server.kill()
        _go_on(job)
        line = job.stdout.readline()
        [(run_id, state)] = server.run_states()
        assert state == "RUNNING"
        assert line.startswith(
            f"lost: Lost the MLflow tracking server at {server.url} while logging run {run_id} "
            "(2 shapes, stretch 0.1): it is marked FAILED the next time this experiment is "
            f"used with the store back. Cannot reach the MLflow tracking server at {server.url}"
        ), line + job.stderr.read()[-500:]

        server.start()
        _go_on(job)
        out, err = job.communicate(timeout=120)
        assert (job.returncode, out) == (0, "listed\n"), err
        store = run_store.resolve_store(server.url)
        run = run_store.get_run(store, run_id)
        assert run.info.status == "FAILED"
        assert run.data.tags[run_store.CLOSED_TAG] == (
            "its store stopped answering while it was logged"
        )
        assert server.run_states() == [(run_id, "FAILED")]
    finally:
        if job is not None:
            job.kill()
        server.stop()
