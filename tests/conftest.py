"""Shared fixtures: data paths, warmed numba kernels, a real app server and Chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest

if TYPE_CHECKING:
    from dtwcore.sales import ReadOptions

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
UCI_CSV = DATA / "sales" / "Sales_Transactions_Dataset_Weekly.csv"
FSDD = DATA / "fsdd-dev"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


def said_notes(path: Path, options: ReadOptions | None = None) -> str:
    """The ``note:`` lines a command writes on standard error after reading ``path`` (with
    the reading ``options`` its flags give): the page's notes on the file, word for word."""
    from dtwcore.sales import load_catalog

    return "".join(f"note: {n}\n" for n in load_catalog(path, options=options).notes)


@pytest.fixture(scope="session", autouse=True)
def warm_kernels() -> None:
    """Compile (or load from cache) the numba kernels once per session."""
    from dtwcore import dtw_one_to_many, nearest, warping_path

    x = np.arange(8.0)
    dtw_one_to_many(x, np.vstack([x, x[::-1]]), window=1, znorm=True)
    nearest(x, np.vstack([x, x[::-1], x + 1]), 1, window=1, znorm=True)
    warping_path(x, x[::-1])


@pytest.fixture(scope="session", autouse=True)
def upload_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Uploads kept by pages under test go to a temporary folder, not the user's cache."""
    folder = tmp_path_factory.mktemp("uploads")
    saved = os.environ.get("DTW_UPLOAD_DIR")
    os.environ["DTW_UPLOAD_DIR"] = str(folder)
    yield folder
    if saved is None:
        os.environ.pop("DTW_UPLOAD_DIR", None)
    else:
        os.environ["DTW_UPLOAD_DIR"] = saved


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 90.0, proc: subprocess.Popen | None = None) -> None:
    """Wait until ``url`` answers 200, or fail with the server's output."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited early with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


def stop_process(proc: subprocess.Popen, timeout: float = 15.0) -> None:
    """Terminate ``proc`` and wait for it; kill it if it has not ended in ``timeout`` s."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture(scope="session")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``python app.py`` (streamlit, warmed up) on a free loopback port with its own MLflow
    store and upload folder."""
    port = free_port()
    store = tmp_path_factory.mktemp("app-mlflow")
    env = dict(os.environ)
    env["MLFLOW_TRACKING_URI"] = f"sqlite:///{store / 'mlflow.db'}"
    env["DTW_ARTIFACT_ROOT"] = str(store / "artifacts")
    env["DTW_UPLOAD_DIR"] = str(store / "uploads")
    log = open(tmp_path_factory.mktemp("app-log") / "streamlit.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [
            sys.executable, "app.py",
            "--server.port", str(port), "--server.address", "127.0.0.1",
            "--server.headless", "true", "--browser.gatherUsageStats", "false",
        ],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{url}/_stcore/health", proc=proc)
        yield url
    finally:
        stop_process(proc)
        log.close()


def settle(
    page,  # noqa: ANN001
    charts: int = 0,
    *,
    timeout_ms: int = 120_000,
    chart_timeout_ms: int | None = None,
    pause_ms: int = 1000,
) -> None:
    """Wait until the app is idle (no "Running" indicator) and at least ``charts`` plotly
    charts are drawn, then ``pause_ms`` for drawing to finish."""
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout_ms
    )
    if charts:
        page.wait_for_function(
            f"() => document.querySelectorAll('.js-plotly-plot .main-svg').length >= {charts}",
            timeout=chart_timeout_ms or timeout_ms,
        )
    page.wait_for_timeout(pause_ms)


def launch_chromium(playwright, extra_args: list[str] | None = None):  # noqa: ANN001, ANN201
    """Debian's headless Chromium, driven by Playwright, with a fresh profile."""
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    return playwright.chromium.launch_persistent_context(
        profile,
        executable_path=CHROMIUM,
        headless=True,
        args=CHROMIUM_ARGS + (extra_args or []),
        viewport={"width": 1400, "height": 1000},
    )


@pytest.fixture(scope="session")
def playwright_instance():  # noqa: ANN201
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture()
def browser_page(playwright_instance, app_server: str):  # noqa: ANN001, ANN201
    """A fresh Chromium page; screenshots go to test-artifacts/screenshots/."""
    (ARTIFACTS / "screenshots").mkdir(parents=True, exist_ok=True)
    context = launch_chromium(playwright_instance)
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        yield page
    finally:
        context.close()
