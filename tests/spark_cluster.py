"""A real Spark standalone cluster for the tests: one master and two one-core workers.

A test module imports :func:`start_cluster` to get the fixture ``spark_cluster``: a cluster
started by :class:`scripts.spark_cluster.Cluster`, the code behind ``make spark-cluster``,
with its logs and work folders in a temporary folder, shared by the module's tests.

Drivers run as separate processes (``python -m dtwcore score … --engine spark``, or a
job script), with :func:`driver_env`: one process holds one Spark session, and the test
process may already hold a ``local[2]`` one.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from scripts.spark_cluster import Cluster
from tests.conftest import ROOT

WORKERS = 2

_TASK = re.compile(r"(Running|Finished) task (\d+)\.\d+ in stage (\d+)\.\d+ \(TID (\d+)\)")


@pytest.fixture(scope="module", name="spark_cluster")
def start_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """A started cluster (master and two workers ALIVE); stopped after the module."""
    cluster = Cluster(
        tmp_path_factory.mktemp("spark-cluster"),
        workers=WORKERS,
        cores=1,
        memory="1g",
        pythonpath=str(ROOT),
    )
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


def driver_env(cluster: Cluster, *conf: str) -> dict[str, str]:
    """Environment of a driver process for ``cluster``; ``conf`` are ``key=value`` Spark
    settings passed to the driver (``PYSPARK_SUBMIT_ARGS``)."""
    env = cluster.env()
    args = [part for item in conf for part in ("--conf", item)]
    env["PYSPARK_SUBMIT_ARGS"] = " ".join([*args, "pyspark-shell"])
    return env


def run_driver(
    cluster: Cluster, args: list[str], log: Path, *conf: str, timeout: float = 600
) -> subprocess.CompletedProcess:
    """Run ``python ARGS`` as a driver of ``cluster``; its output goes to ``log``."""
    with log.open("w") as out:
        return subprocess.run(
            [sys.executable, *args],
            cwd=ROOT,
            env=driver_env(cluster, *conf),
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=timeout,
        )


def latest_app(cluster: Cluster) -> dict:
    """The master's record of the most recent application (running or finished)."""
    state = cluster.status()
    apps = state["activeapps"] + state["completedapps"]
    return max(apps, key=lambda a: a["starttime"])


def tasks(cluster: Cluster, worker: int, app_id: str) -> dict[str, set[tuple[int, int]]]:
    """The tasks worker ``worker``'s executors ran for ``app_id``, read from their logs:
    ``{"Running": {(stage, tid), …}, "Finished": {…}}``."""
    found: dict[str, set[tuple[int, int]]] = {"Running": set(), "Finished": set()}
    for log in (cluster.root / f"work-{worker}" / app_id).glob("*/stderr"):
        for what, _, stage, tid in _TASK.findall(log.read_text(errors="replace")):
            found[what].add((int(stage), int(tid)))
    return found


def wait_for(condition: Callable[[], bool], timeout: float, what: str, step: float = 0.1) -> None:
    """Poll ``condition()`` until true; fail naming ``what`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(step)
