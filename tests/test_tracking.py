"""MLflow tracking: sweep contents, interrupted sweeps, stores, the CLI.

Every test taking ``store`` or ``logged_runs`` runs twice: against a real ``mlflow server``
started for the session and against an embedded SQLite store.
"""

from __future__ import annotations

import ast
import json
import os
import re
import signal
import subprocess
import sys
import time

import mlflow
import numpy as np
import pandas as pd
import pytest
from mlflow.tracking import MlflowClient

from dtwcore import cli
from dtwcore.runs import model as dtw_model
from dtwcore.runs import sales as tracking
from dtwcore.runs import store as run_store
from dtwcore.sales import (
    BLOG_TARGET,
    PUBLISHED_STRETCHES,
    Catalog,
    quantile_outliers,
    score_catalog,
    zscore_outliers,
)
from tests.conftest import ROOT, UCI_CSV, free_port

pytest_plugins = ["tests.mlflow_fixtures"]

RUN_ID = re.compile(r"^[0-9a-f]{32}$")


def _small(catalog: Catalog, n: int = 40) -> Catalog:
    return Catalog(
        name="UCI first 40", ids=catalog.ids[:n], weeks=catalog.weeks, values=catalog.values[:n]
    )


def _runs(store: run_store.Store, experiment: str) -> list:
    mlc = MlflowClient(store.tracking_uri)
    exp = mlc.get_experiment_by_name(experiment)
    return mlc.search_runs([exp.experiment_id], max_results=1000) if exp else []


# ------------------------------------------------------------------ stores


def test_the_store_knows_nothing_of_what_runs_hold() -> None:
    """runs/store.py imports nothing of dtwcore: the metrics and parameters its runs table
    shows, and the experiments' names, are given by the modules that log runs."""
    tree = ast.parse((ROOT / "dtwcore" / "runs" / "store.py").read_text())
    modules = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    modules |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert sorted(m for m in modules if m and m.split(".")[0] == "dtwcore") == []


def test_default_store_is_sqlite_in_project_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delenv("DTW_ARTIFACT_ROOT", raising=False)
    store = run_store.resolve_store()
    assert store.tracking_uri == f"sqlite:///{ROOT / 'mlflow.db'}"
    assert store.artifact_root == ROOT / "mlartifacts"
    assert not store.is_server
    assert "local SQLite store" in store.label


def test_environment_points_at_a_server_and_artifact_root(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:  # noqa: ANN001
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:5999/")
    store = run_store.resolve_store()
    assert store.is_server and store.tracking_uri == "http://127.0.0.1:5999"
    assert store.artifact_root is None
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'x.db'}")
    assert run_store.resolve_store().artifact_root == tmp_path / "mlartifacts"
    monkeypatch.setenv("DTW_ARTIFACT_ROOT", str(tmp_path / "files"))
    assert run_store.resolve_store().artifact_root == tmp_path / "files"
    assert run_store.resolve_store("http://h:1").tracking_uri == "http://h:1"


def test_unreachable_server_is_reported_in_words() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    status = run_store.check_store(run_store.resolve_store(url))
    assert not status.ok
    assert status.message.startswith(f"Cannot reach the MLflow tracking server at {url}")
    assert "MLFLOW_TRACKING_URI" in status.message
    with pytest.raises(run_store.StoreUnreachable, match="Cannot reach"):
        tracking.sweep(object(), BLOG_TARGET, [0.05], store=run_store.resolve_store(url))


def test_unusable_sqlite_folder_is_reported(tmp_path) -> None:  # noqa: ANN001
    store = run_store.resolve_store(f"sqlite:///{tmp_path / 'missing' / 'mlflow.db'}")
    status = run_store.check_store(store)
    assert not status.ok and "does not exist" in status.message


def test_reachable_stores(store: run_store.Store) -> None:
    status = run_store.check_store(store)
    assert status.ok, status.message


# ------------------------------------------------------------------ sweep contents


def test_sweep_logs_every_param_metric_and_artifact(
    store: run_store.Store, logged_runs: dict, uci_catalog: Catalog
) -> None:
    mlc = MlflowClient(store.tracking_uri)
    assert list(logged_runs) == list(PUBLISHED_STRETCHES)
    sweep_ids = set()
    for stretch, run_id in logged_runs.items():
        run = mlc.get_run(run_id)
        assert run.info.status == "FINISHED"
        p, m = run.data.params, run.data.metrics
        assert set(tracking.PARAMS) <= set(p)
        assert float(p["stretch_factor"]) == stretch
        assert p["znorm"] == "True"
        assert p["n_products"] == "811"
        assert p["dataset_name"] == uci_catalog.name
        assert p["dataset_hash"] == uci_catalog.content_hash
        assert p["target_hash"] == tracking.array_hash(BLOG_TARGET)
        assert p["target_label"] == "published capacity"
        assert run.info.run_name == f"published capacity, stretch {stretch:g}"
        assert set(tracking.METRICS) <= set(m)
        scores = score_catalog(
            uci_catalog.ids, uci_catalog.values, BLOG_TARGET, stretch=stretch, znorm=True
        )
        assert m["median_distance"] == pytest.approx(scores["distance"].median(), abs=1e-12)
        assert m["min_distance"] == pytest.approx(scores["distance"].min(), abs=1e-12)
        assert m["max_distance"] == pytest.approx(scores["distance"].max(), abs=1e-12)
        assert m["mean_distance"] == pytest.approx(scores["distance"].mean(), abs=1e-12)
        assert m["n_zscore_outliers"] == len(zscore_outliers(scores))
        names = {a.path for a in mlc.list_artifacts(run_id)}
        assert set(tracking.ARTIFACTS) <= names
        with dtw_model.use_tracking_uri(store.tracking_uri):
            listed = mlflow.artifacts.list_artifacts(artifact_uri=dtw_model.model_uri(run_id))
        model_files = {a.path for a in listed}
        assert {"model/MLmodel", "model/model_code.py"} <= model_files
        sweep_ids.add(run.data.tags[run_store.SWEEP_TAG])
    assert len(sweep_ids) == 1


def test_published_finding_median_falls_as_stretch_grows(
    store: run_store.Store, logged_runs: dict
) -> None:
    mlc = MlflowClient(store.tracking_uri)
    medians = [mlc.get_run(r).data.metrics["median_distance"] for r in logged_runs.values()]
    assert medians[PUBLISHED_STRETCHES.index(0.05)] == pytest.approx(7.8940, abs=1e-4)
    assert all(b <= a + 1e-12 for a, b in zip(medians, medians[1:], strict=False))
    assert medians[-1] < medians[0] - 1.0
    # 0.0 and 0.01 give the same band (radius 0) and so the same distances.
    assert medians[0] == pytest.approx(medians[1], abs=1e-12)


def test_artifacts_hold_the_numbers(
    store: run_store.Store, logged_runs: dict, uci_catalog: Catalog
) -> None:
    run_id = logged_runs[0.05]
    scores = score_catalog(uci_catalog.ids, uci_catalog.values, BLOG_TARGET, stretch=0.05)
    dist = tracking.read_artifact_csv(store, run_id, "distances.csv")
    assert list(dist.columns) == list(scores.columns)
    assert (dist["product"] == scores["product"]).all()
    np.testing.assert_allclose(dist["distance"], scores["distance"], rtol=0, atol=1e-12)
    best = dist.loc[dist["distance"].idxmin()]
    worst = dist.loc[dist["distance"].idxmax()]
    assert (best["product"], round(best["distance"], 4)) == ("P675", 5.1101)
    assert (worst["product"], round(worst["distance"], 4)) == ("P716", 10.6719)

    z = tracking.read_artifact_csv(store, run_id, "zscore_outliers.csv")
    assert list(z["product"]) == list(zscore_outliers(scores)["product"])
    assert (z["zscore"] <= -2).all() and len(z) > 0
    q = tracking.read_artifact_csv(store, run_id, "quantile_outliers.csv")
    assert list(q["product"]) == list(quantile_outliers(scores)["product"])
    assert q["product"].iloc[0] == "P675"

    info = json.loads(run_store.read_artifact_text(store, run_id, "target.json"))
    assert info["target"] == BLOG_TARGET.tolist()
    assert (info["stretch_factor"], info["band_radius"], info["znorm"]) == (0.05, 2, True)

    with pytest.raises(run_store.TrackingError, match="has no file"):
        run_store.read_artifact_text(store, run_id, "nothing.csv")


def test_histogram_artifacts_open_offline(store: run_store.Store, logged_runs: dict) -> None:
    run_id = logged_runs[0.05]
    folder = mlflow.artifacts.download_artifacts(
        run_id=run_id, artifact_path="histogram.png", tracking_uri=store.tracking_uri
    )
    with open(folder, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    html = run_store.read_artifact_text(store, run_id, "histogram.html")
    assert '<script src="https://cdn' not in html
    assert len(html) > 1_000_000  # plotly.js itself is embedded
    assert "median 7.8940" in html
    assert '"displaylogo": false' in html  # the app's chart settings


def test_rerun_adds_runs_and_overwrites_nothing(
    store: run_store.Store, uci_catalog: Catalog
) -> None:
    small = _small(uci_catalog)
    first = tracking.log_analysis(small, BLOG_TARGET, stretch=0.1, store=store, experiment="rerun")
    second = tracking.log_analysis(small, BLOG_TARGET, stretch=0.1, store=store, experiment="rerun")
    assert first != second
    runs = {r.info.run_id: r for r in _runs(store, "rerun")}
    assert {first, second} <= set(runs)
    assert runs[first].data.metrics == runs[second].data.metrics
    assert runs[first].data.params["n_products"] == "40"


def _interrupt_at(monkeypatch: pytest.MonkeyPatch, call: int, error: BaseException) -> None:
    """Make the ``call``-th model logging (mid-run: after params, metrics and files) fail."""
    real = dtw_model.log_model
    calls = []

    def flaky(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        calls.append(1)
        if len(calls) == call:
            raise error
        return real(*args, **kwargs)

    monkeypatch.setattr(dtw_model, "log_model", flaky)


def test_interrupted_sweep_keeps_finished_runs_and_fails_the_broken_one(
    store: run_store.Store, uci_catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    _interrupt_at(monkeypatch, 3, KeyboardInterrupt())
    seen: list[str] = []
    with pytest.raises(KeyboardInterrupt):
        tracking.sweep(
            _small(uci_catalog),
            BLOG_TARGET,
            [0.0, 0.05, 0.1, 0.5],
            store=store,
            experiment="interrupted",
            progress=lambda done, total, s, run_id: run_id and seen.append(run_id),
        )
    runs = _runs(store, "interrupted")
    by_stretch = {float(r.data.params["stretch_factor"]): r.info.status for r in runs}
    assert by_stretch == {0.0: "FINISHED", 0.05: "FINISHED", 0.1: "FAILED"}
    assert {r.info.run_id for r in runs if r.info.status == "FINISHED"} == set(seen)
    reasons = {r.info.status: r.data.tags.get(run_store.CLOSED_TAG) for r in runs}
    assert reasons == {
        "FINISHED": None,
        "FAILED": "the process logging it was interrupted (Ctrl-C) before it finished",
    }
    assert mlflow.active_run() is None


def test_failing_run_is_marked_failed(
    sqlite_store: run_store.Store, uci_catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    _interrupt_at(monkeypatch, 1, RuntimeError("disk full"))
    with pytest.raises(RuntimeError, match="disk full"):
        tracking.log_analysis(
            _small(uci_catalog), BLOG_TARGET, stretch=0.2, store=sqlite_store, experiment="fails"
        )
    [run] = _runs(sqlite_store, "fails")
    assert run.info.status == "FAILED"
    assert run.data.tags[run_store.CLOSED_TAG] == "logging it failed: RuntimeError: disk full"
    assert mlflow.active_run() is None


def test_get_run_explains_an_unknown_id(store: run_store.Store) -> None:
    with pytest.raises(run_store.TrackingError, match=r"No run with id 'deadbeef' in the "):
        run_store.get_run(store, "deadbeef")


def test_runs_table_lists_the_sweep(store: run_store.Store, logged_runs: dict) -> None:
    exp = MlflowClient(store.tracking_uri).get_experiment_by_name("test-sweep")
    table = tracking.runs_table(store, exp.experiment_id)
    assert list(table.columns) == tracking.RUN_COLUMNS
    mine = table[table["run_id"].isin(logged_runs.values())]
    assert sorted(mine["stretch_factor"]) == sorted(PUBLISHED_STRETCHES)
    assert mine["znorm"].all() and (mine["status"] == "FINISHED").all()
    assert pd.api.types.is_float_dtype(mine["median_distance"])
    experiments = run_store.list_experiments(store)
    assert "test-sweep" in set(experiments["name"])


def test_links_into_the_mlflow_ui(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MLFLOW_UI_URL", raising=False)
    assert run_store.run_link("1", "abc") is None
    monkeypatch.setenv("MLFLOW_UI_URL", "http://127.0.0.1:5000/")
    assert run_store.run_link("1", "abc") == "http://127.0.0.1:5000/#/experiments/1/runs/abc"
    assert run_store.experiment_link("1") == "http://127.0.0.1:5000/#/experiments/1"


# ------------------------------------------------------------------ command line


def test_cli_sweep_prints_one_run_id_per_line(
    server_store: run_store.Store, capsys: pytest.CaptureFixture
) -> None:
    code = cli.main(
        [
            "sweep", str(UCI_CSV), "--stretch", "0.05", "0.5", "--experiment", "cli",
            "--tracking-uri", server_store.tracking_uri,
        ]
    )  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 0, err
    ids = out.splitlines()
    assert len(ids) == 2 and all(RUN_ID.match(i) for i in ids)
    assert "[1/2] stretch 0.05" in err and "[2/2] stretch 0.5" in err
    runs = {r.info.run_id: r for r in _runs(server_store, "cli")}
    assert set(ids) <= set(runs)
    medians = [runs[i].data.metrics["median_distance"] for i in ids]
    assert medians[0] == pytest.approx(7.8940, abs=1e-4) and medians[1] < medians[0]
    assert runs[ids[0]].data.tags[run_store.SOURCE_TAG] == "cli"


def test_cli_sweep_target_file_and_no_znorm(
    sqlite_store: run_store.Store, tmp_path, capsys: pytest.CaptureFixture
) -> None:  # noqa: ANN001
    catalog = tmp_path / "few.csv"
    pd.read_csv(UCI_CSV).head(30).to_csv(catalog, index=False)
    target = tmp_path / "target.txt"
    target.write_text("capacity\n" + "\n".join(str(v) for v in BLOG_TARGET))
    code = cli.main(
        [
            "sweep", str(catalog), "--target", str(target), "--stretch", "0.1", "--no-znorm",
            "--tracking-uri", sqlite_store.tracking_uri, "--experiment", "cli-raw",
        ]
    )  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 0, err
    run = MlflowClient(sqlite_store.tracking_uri).get_run(out.strip())
    assert run.data.params["znorm"] == "False" and run.data.params["n_products"] == "30"


@pytest.mark.parametrize(
    "args, words",
    [
        (["--stretch", "1.5"], "between 0 and 1"),
        (["--stretch", "abc"], "the stretch factor must be a number between 0 and 1, got 'abc'"),
        (["--stretch"], "expected at least one argument"),
        (["--target", "/no/such/target.txt"], "target"),
        (["--bogus"], "unrecognized arguments"),
    ],
)
def test_cli_sweep_bad_arguments_exit_2_with_one_line(
    sqlite_store: run_store.Store, capsys: pytest.CaptureFixture, args: list[str], words: str
) -> None:
    argv = ["sweep", str(UCI_CSV), "--tracking-uri", sqlite_store.tracking_uri, *args]
    try:
        code = cli.main(argv)
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and words in err.lower(), err


def test_cli_sweep_missing_catalog_and_unreachable_server(
    sqlite_store: run_store.Store, capsys: pytest.CaptureFixture
) -> None:
    assert cli.main(["sweep", "/no/such.csv", "--tracking-uri", sqlite_store.tracking_uri]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "such.csv" in err
    url = f"http://127.0.0.1:{free_port()}"
    assert cli.main(["sweep", str(UCI_CSV), "--tracking-uri", url]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert err.startswith(f"error: Cannot reach the MLflow tracking server at {url}")


def test_ctrl_c_during_a_cli_sweep(tmp_path) -> None:  # noqa: ANN001
    """A real SIGINT: runs before it stay FINISHED, the one it hits is FAILED, none RUNNING."""
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    env = dict(os.environ, MLFLOW_TRACKING_URI=uri)
    proc = subprocess.Popen(
        [sys.executable, "-m", "dtwcore", "sweep", str(UCI_CSV)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        for line in proc.stderr:  # wait until the third run has started
            if line.startswith("[3/7]"):
                break
        time.sleep(0.2)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1] == "error: interrupted"
    printed = out.split()
    assert len(printed) >= 2 and all(RUN_ID.match(i) for i in printed)
    runs = _runs(run_store.resolve_store(uri), tracking.DEFAULT_EXPERIMENT)
    statuses = {r.info.run_id: r.info.status for r in runs}
    assert "RUNNING" not in statuses.values()
    assert {i for i, s in statuses.items() if s == "FINISHED"} == set(printed)
    assert list(statuses.values()).count("FAILED") <= 1
    assert len(runs) < 7
    assert {r.data.tags.get(run_store.CLOSED_TAG) for r in runs if r.info.status == "FAILED"} <= {
        "the process logging it was interrupted (Ctrl-C) before it finished"
    }


def test_abandoned_runs_are_marked_failed_and_live_ones_are_left(
    sqlite_store: run_store.Store,
) -> None:
    """A RUNNING run whose logging process is gone (on this host) is marked FAILED, with the
    reason tagged; runs of live processes, other hosts or untagged runs are left alone."""
    import socket

    mlc = MlflowClient(sqlite_store.tracking_uri)
    exp = run_store.ensure_experiment(sqlite_store, "abandoned")
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)  # fmt: skip
    host = socket.gethostname()
    me = run_store.run_owner()
    owners = {
        "gone": f"{host} {ended.stdout.strip()} aaaaaaaaaaaa",
        "reused pid": f"{host} {os.getpid()} bbbbbbbbbbbb",
        "this process": me,
        "parent": f"{host} {os.getppid()} cccccccccccc",
        "other host": f"not-{host} {ended.stdout.strip()} dddddddddddd",
        "garbled": "?",
        "untagged": None,
    }
    ids = {}
    for name, owner in owners.items():
        tags = {run_store.OWNER_TAG: owner} if owner else {}
        ids[name] = mlc.create_run(exp, run_name=name, tags=tags).info.run_id

    closed = run_store.close_abandoned_runs(sqlite_store, exp)

    assert sorted(closed) == sorted([ids["gone"], ids["reused pid"]])
    status = {name: mlc.get_run(i).info.status for name, i in ids.items()}
    assert status == {name: "FAILED" if name in ("gone", "reused pid") else "RUNNING"
                      for name in owners}  # fmt: skip
    reason = mlc.get_run(ids["gone"]).data.tags[run_store.CLOSED_TAG]
    assert reason == "the process logging it stopped before it finished"
    assert run_store.close_abandoned_runs(sqlite_store, exp) == []


def test_each_run_names_the_process_that_logs_it(
    sqlite_store: run_store.Store, uci_catalog: Catalog
) -> None:
    run_id = tracking.log_analysis(
        _small(uci_catalog), BLOG_TARGET, stretch=0.1, store=sqlite_store, experiment="owner"
    )
    owner = MlflowClient(sqlite_store.tracking_uri).get_run(run_id).data.tags
    assert owner[run_store.OWNER_TAG] == run_store.run_owner()
    assert owner[run_store.OWNER_TAG].split(" ")[1] == str(os.getpid())


def test_mlflow_gives_up_on_a_dead_server_in_seconds() -> None:
    """MLflow's defaults retry a refused connection 7 times with exponential backoff
    (minutes); the project's defaults are in force, once a store is resolved, unless the
    environment sets them."""
    from mlflow.environment_variables import (
        MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR,
        MLFLOW_HTTP_REQUEST_MAX_RETRIES,
        MLFLOW_HTTP_REQUEST_TIMEOUT,
    )

    run_store.resolve_store()
    assert run_store.HTTP_RETRY_DEFAULTS == {
        "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2",
        "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
        "MLFLOW_HTTP_REQUEST_TIMEOUT": "60",
    }
    assert (MLFLOW_HTTP_REQUEST_MAX_RETRIES.get(), MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR.get(),
            MLFLOW_HTTP_REQUEST_TIMEOUT.get()) == (2, 1, 60)  # fmt: skip
