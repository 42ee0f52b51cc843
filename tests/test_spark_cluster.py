"""The Spark engine on a real standalone cluster: a master and two one-core workers.

Drivers run in their own processes against the cluster (see tests/spark_cluster.py):
``python -m dtwcore score … --engine spark --spark-master spark://…``, the same command a
user runs, and a job applying the logged model with ``mlflow.pyfunc.spark_udf``. Their
results are compared with the local engine's, row for row.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dtwcore.cli import main
from dtwcore.runs.sales import log_analysis
from dtwcore.runs.store import Store
from dtwcore.sales import BLOG_TARGET, load_catalog, score_catalog
from scripts.make_sales_examples import STORE_SALES
from scripts.spark_cluster import Cluster, processes
from scripts.spark_cluster import main as cluster_main
from tests.conftest import ROOT, UCI_CSV, free_port
from tests.spark_cluster import (
    WORKERS,
    driver_env,
    latest_app,
    run_driver,
    start_cluster,  # noqa: F401 (the fixture spark_cluster)
    tasks,
    wait_for,
)

pytest_plugins = ["tests.mlflow_fixtures"]
pytestmark = pytest.mark.slow

WEEKS = [f"W{i}" for i in range(52)]
N_PRODUCTS = 400_000
# Row groups of 25,000 products (about 2 MB) and splits of at most 2 MB: sixteen scoring
# tasks, so each executor runs several, one after another.
ROW_GROUP = 25_000
SPLITS = ("spark.sql.files.maxPartitionBytes=2m", "spark.sql.files.openCostInBytes=0")
# Tasks start only once both workers' executors are registered, so both get tasks.
ALL_EXECUTORS = (
    "spark.scheduler.minRegisteredResourcesRatio=1.0",
    "spark.scheduler.maxRegisteredResourcesWaitingTime=120s",
)


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """400,000 generated products x 52 weeks (Parquet), some of them tied."""
    rng = np.random.default_rng(12)
    values = rng.gamma(2.0, 6.0, (N_PRODUCTS, 52)) * rng.uniform(0.2, 3.0, (N_PRODUCTS, 1))
    values = np.round(values, 1)
    values[::20_000] = 4.0  # constant rows tie at one distance: ranks follow input order
    ids = np.char.add("G", np.arange(N_PRODUCTS).astype(str))
    columns = {"Product_Code": pa.array(ids)} | {w: values[:, i] for i, w in enumerate(WEEKS)}
    path = tmp_path_factory.mktemp("catalogue") / "catalogue.parquet"
    pq.write_table(pa.table(columns), path, row_group_size=ROW_GROUP)
    return path


@pytest.fixture(scope="module")
def local_result(catalogue: Path) -> pd.DataFrame:
    """The local engine's full ranking of the catalogue."""
    out = catalogue.with_name("local.parquet")
    assert main(["score", str(catalogue), "--out", str(out), "--quiet"]) == 0
    return pd.read_parquet(out)


def assert_same(got: pd.DataFrame, want: pd.DataFrame) -> None:
    assert len(got) == len(want)
    assert got["product"].tolist() == want["product"].tolist()
    assert got["rank"].tolist() == want["rank"].tolist()
    np.testing.assert_allclose(got["distance"], want["distance"], rtol=0, atol=1e-9)
    np.testing.assert_allclose(got["zscore"], want["zscore"], rtol=0, atol=1e-9)


def score_on(cluster: Cluster, source: Path, out: Path) -> list[str]:
    """The ``score`` command line for ``cluster``."""
    return [
        "-m", "dtwcore", "score", str(source), "--out", str(out), "--quiet",
        "--engine", "spark", "--spark-master", cluster.master_url,
    ]  # fmt: skip


def test_cluster_has_two_workers_from_the_installed_pyspark(spark_cluster: Cluster) -> None:
    state = spark_cluster.status()
    assert state["status"] == "ALIVE"
    assert state["url"] == spark_cluster.master_url
    assert [(w["host"], w["cores"], w["memory"]) for w in state["workers"]] == [
        ("127.0.0.1", 1, 1024)
    ] * WORKERS
    assert len(spark_cluster.processes()) == 1 + WORKERS  # three JVMs, nothing else yet


def test_400k_products_on_the_cluster_match_the_local_engine(
    spark_cluster: Cluster, catalogue: Path, local_result: pd.DataFrame, tmp_path: Path
) -> None:
    out, log = tmp_path / "cluster.parquet", tmp_path / "driver.log"
    done = run_driver(spark_cluster, score_on(spark_cluster, catalogue, out), log, *SPLITS)
    assert done.returncode == 0, log.read_text()[-3000:]
    got = pd.read_parquet(out)
    assert_same(got, local_result)
    assert got["rank"].tolist() == list(range(1, N_PRODUCTS + 1))
    ties = got[got["product"].isin([f"G{i}" for i in range(0, N_PRODUCTS, 20_000)])]
    assert ties["product"].tolist() == [f"G{i}" for i in range(0, N_PRODUCTS, 20_000)]
    assert len(set(ties["rank"].diff().dropna())) == 1  # consecutive ranks, input order
    # It ran on the cluster, on both workers.
    app = latest_app(spark_cluster)
    assert (app["name"], app["state"], app["cores"]) == ("dtwcore score", "FINISHED", WORKERS)
    finished = [tasks(spark_cluster, w, app["id"])["Finished"] for w in range(WORKERS)]
    assert all(finished), finished


def test_a_long_store_export_on_the_cluster_matches_the_local_engine(
    spark_cluster: Cluster, tmp_path: Path
) -> None:
    """The weekly store export (one row per store and week, day-first dates, extra numeric
    columns) read by the one set of rules on the cluster: a group-by there, the same 45
    products and distances as the local engine."""
    source = STORE_SALES
    want = tmp_path / "local.csv"
    assert main(["score", str(source), "--out", str(want), "--quiet"]) == 0
    out, log = tmp_path / "cluster.csv", tmp_path / "driver.log"
    done = run_driver(spark_cluster, score_on(spark_cluster, source, out), log)
    assert done.returncode == 0, log.read_text()[-3000:]
    got, local = pd.read_csv(out, dtype={"product": str}), pd.read_csv(want, dtype={"product": str})
    assert sorted(got["product"]) == sorted(str(s) for s in range(1, 46))
    assert_same(got, local)


def test_logged_model_as_spark_udf_on_the_cluster_matches_local_scoring(
    spark_cluster: Cluster, sqlite_store: Store, tmp_path: Path
) -> None:
    uci = pd.read_csv(UCI_CSV)[["Product_Code", *WEEKS]]
    source, out, log = tmp_path / "products.csv", tmp_path / "udf.parquet", tmp_path / "udf.log"
    uci.to_csv(source, index=False)
    run_id = log_analysis(
        load_catalog(UCI_CSV), BLOG_TARGET, stretch=0.1, store=sqlite_store, experiment="spark"
    )
    args = ["-m", "tests.spark_udf_job", spark_cluster.master_url, sqlite_store.tracking_uri,
            run_id, str(source), str(out)]  # fmt: skip
    done = run_driver(spark_cluster, args, log)
    assert done.returncode == 0, log.read_text()[-3000:]
    got = pd.read_parquet(out)
    want = score_catalog(uci["Product_Code"].to_numpy(), uci[WEEKS].to_numpy(), BLOG_TARGET,
                         stretch=0.1)  # fmt: skip
    assert got["Product_Code"].tolist() == uci["Product_Code"].tolist()
    np.testing.assert_allclose(got["distance"], want["distance"], rtol=0, atol=1e-9)
    info = json.loads(Path(f"{out}.json").read_text())
    # The executors ran this interpreter and this checkout's dtwcore, on both workers.
    assert info["executors"] == [[sys.executable, str(ROOT / "dtwcore" / "__init__.py")]]
    finished = [tasks(spark_cluster, w, info["app_id"])["Finished"] for w in range(WORKERS)]
    assert all(finished), finished


def test_a_worker_killed_while_tasks_run_changes_nothing(
    spark_cluster: Cluster, catalogue: Path, local_result: pd.DataFrame, tmp_path: Path
) -> None:
    """SIGKILL one worker's JVM while it runs a task: the lost task runs again on the other
    worker and the output is the local engine's. (Waiting for its second task of a stage
    was a race: its first task, which starts the Python worker, could outlast the stage.)"""
    out, log = tmp_path / "cluster.parquet", tmp_path / "driver.log"
    victim = WORKERS - 1
    with log.open("w") as sink:
        driver = subprocess.Popen(
            [sys.executable, *score_on(spark_cluster, catalogue, out)],
            cwd=ROOT, env=driver_env(spark_cluster, *SPLITS, *ALL_EXECUTORS), stdout=sink,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        apps: list[str] = []

        def running_a_task() -> bool:
            # Once the application is known only the worker's log files are read, a cheap
            # step, so that a short task is not missed.
            if driver.poll() is not None:
                seen = tasks(spark_cluster, victim, apps[0]) if apps else "no application seen"
                raise AssertionError(
                    f"the driver ended early; the worker's tasks: {seen}\n{log.read_text()[-3000:]}"
                )
            if not apps:
                apps.extend(a["id"] for a in spark_cluster.status()["activeapps"][:1])
                return False
            seen = tasks(spark_cluster, victim, apps[0])
            return bool(seen["Running"] - seen["Finished"])

        wait_for(running_a_task, timeout=300, what="the worker running a task", step=0.02)
        spark_cluster.kill_worker(victim)
        code = driver.wait(timeout=600)
    finally:
        if driver.poll() is None:
            driver.kill()
            driver.wait()
    assert code == 0, log.read_text()[-3000:]
    assert_same(pd.read_parquet(out), local_result)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cluster.parquet", "driver.log"]
    state = spark_cluster.status()
    assert state["aliveworkers"] == WORKERS - 1
    # The killed worker's executor and its Python workers end with it.
    victim_dir = spark_cluster.root / f"work-{victim}"

    def orphans() -> list[str]:
        return [p for p in spark_cluster.processes() if _cwd(p).startswith(str(victim_dir))]

    wait_for(lambda: not orphans(), timeout=60, what="the killed worker's executor to end")


def _cwd(line: str) -> str:
    try:
        return str(Path(f"/proc/{line.split()[0]}/cwd").readlink())
    except OSError:
        return ""


def test_stopping_the_cluster_leaves_no_process(spark_cluster: Cluster) -> None:
    assert spark_cluster.processes()  # the master and the surviving worker
    leftover = spark_cluster.stop()
    assert leftover == []
    assert spark_cluster.processes() == []
    with pytest.raises(OSError):
        spark_cluster.status()


def test_make_spark_cluster_prints_the_master_and_stops_on_ctrl_c(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``make spark-cluster`` runs scripts/spark_cluster.py: here with one worker."""
    port, ui_port = free_port(), free_port()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        busy = taken.getsockname()[1]
        refused = ["--port", str(busy), "--webui-port", str(ui_port)]
        assert cluster_main([*refused, "--logs", str(tmp_path / "refused")]) == 2
    err = capsys.readouterr().err
    assert err == f"error: port {busy} on 127.0.0.1 is in use; choose another one\n"
    assert processes(tmp_path / "refused") == []
    logs, out = tmp_path / "logs", tmp_path / "out.txt"
    args = ["scripts/spark_cluster.py", "--workers", "1", "--memory", "512m",
            "--port", str(port), "--webui-port", str(ui_port), "--logs", str(logs)]  # fmt: skip
    with out.open("w") as sink:
        proc = subprocess.Popen(
            [sys.executable, *args], cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT
        )
    try:
        wait_for(lambda: "Ctrl-C stops" in out.read_text() or proc.poll() is not None, 180,
                 "the cluster to start")  # fmt: skip
        assert len(processes(logs)) == 2  # the master and the worker
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    text = out.read_text()
    assert f"Spark master spark://127.0.0.1:{port}, 1 worker(s) of 1 core(s) and 512m" in text
    assert f"--engine spark --spark-master spark://127.0.0.1:{port}" in text
    assert text.endswith("stopping the Spark cluster …\n")
    assert processes(logs) == []
