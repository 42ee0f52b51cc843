"""Faults (issue 7): the MLflow server dies in the middle of a sweep; the app restarts.

Expected, for the command line and for the app:

* the tool says so soon (within :data:`SAY_SO_SECONDS`), in one line / one message,
  rather than a traceback or minutes of silence;
* runs finished before the fault are intact: parameters, metrics, artifacts and a model
  that loads and gives the same distances;
* the interrupted run is not left RUNNING once the store is back and the tool is used
  again (it is marked FAILED);
* the page keeps working while the store is down;
* after the app process restarts, every run logged through it, and its model, is there.

The server is killed with SIGKILL (server and workers at once), as a crash would. The
normal test run does the command-line case; ``make reliability`` all of them.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dtwcore.runs import sales as tracking
from dtwcore.runs import store as run_store
from dtwcore.sales import BLOG_TARGET, load_catalog
from tests.reliability import FULL, record
from tests.reliability.mlflow_checks import (
    KillableServer,
    LostReplyProxy,
    check_runs,
    kill_when,
    second_run_logging,
    second_run_started,
    sqlite_states,
)

from .conftest import CHROMIUM, CHROMIUM_ARGS, ROOT, UCI_CSV, free_port, wait_http

pytestmark = pytest.mark.slow

SAY_SO_SECONDS = 30.0  # a dead server is noticed in seconds; 30 s is generous
full_only = pytest.mark.skipif(not FULL, reason="full size only (make reliability)")
STRETCHES = ["0", "0.05", "0.1", "0.25", "0.5"]


@pytest.fixture()
def small_catalogue(tmp_path: Path) -> Path:
    """The first 40 products of the UCI file (quick to score, log and reload)."""
    lines = UCI_CSV.read_text().splitlines(keepends=True)[:41]
    path = tmp_path / "uci_first_40.csv"
    path.write_text("".join(lines))
    return path


@pytest.fixture()
def server(tmp_path: Path):  # noqa: ANN201
    srv = KillableServer(tmp_path)
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


def _sweep_cli(catalogue: Path, url: str, experiment: str, stretches: list[str]):  # noqa: ANN202
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    return subprocess.Popen(
        [sys.executable, "-m", "dtwcore", "sweep", str(catalogue), "--tracking-uri", url,
         "--experiment", experiment, "--stretch", *stretches],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def test_server_dies_in_the_middle_of_a_cli_sweep(
    server: KillableServer, small_catalogue: Path
) -> None:
    problems: list[str] = []
    catalog = load_catalog(small_catalogue)
    store = run_store.resolve_store(server.url)
    proc = _sweep_cli(small_catalogue, server.url, "fault-cli", STRETCHES)
    killed = kill_when(server, second_run_started)
    record("faults", "MLflow server killed in the middle of a CLI sweep", int(killed))
    assert killed, f"the sweep never reached its second run: {proc.communicate()[1][-500:]}"
    started = time.monotonic()
    try:
        stdout, stderr = proc.communicate(timeout=SAY_SO_SECONDS)
    except subprocess.TimeoutExpired:
        proc.kill()
        stdout, stderr = proc.communicate()
        problems.append(f"the CLI said nothing for {SAY_SO_SECONDS:.0f} s after the server died")
    else:
        took = time.monotonic() - started
        lines = stderr.strip().splitlines()
        if proc.returncode != 2 or not lines or not lines[-1].startswith("error: "):
            problems.append(
                f"exit code {proc.returncode} after {took:.0f} s, stderr ends "
                f"{stderr.strip()[-300:]!r} (expected exit code 2 and one 'error:' line)"
            )
        elif "Traceback" in stderr:
            problems.append("a traceback on stderr")
        elif not lines[-1].startswith(f"error: Lost the MLflow tracking server at {server.url}"):
            problems.append(f"the error line does not say the store was lost: {lines[-1]!r}")
    finished_ids = stdout.split()

    # The store comes back; the tool is used again.
    server.start()
    again = _sweep_cli(small_catalogue, server.url, "fault-cli", ["0.2"])
    _, err = again.communicate(timeout=300)
    if again.returncode != 0:
        problems.append(f"a sweep after the restart failed: {err.strip()[-300:]}")
    report = check_runs(store, "fault-cli", {catalog.name: catalog})
    record("runs", "runs checked after the MLflow server died", report.checked)
    lost = [r for r in finished_ids if report.statuses.get(r) != "FINISHED"]
    record("lost", "runs checked after the MLflow server died", len(lost))
    problems += [f"finished run {r} lost (now {report.statuses.get(r)})" for r in lost]
    problems += report.problems
    if "FAILED" not in report.statuses.values():
        problems.append("the interrupted run was not marked FAILED")
    assert not problems, "\n".join(problems)


def test_server_dies_under_a_sweep_in_the_app_process(
    server: KillableServer, small_catalogue: Path
) -> None:
    """The app's case, in its own process: the sweep stops soon with the project's error
    (not MLflow's), the run it was writing cannot be marked FAILED at once, and is marked
    FAILED (with the reason) the first time the experiment's runs are listed after the
    store is back."""
    import threading

    catalog = load_catalog(small_catalogue)
    store = run_store.resolve_store(server.url)
    outcome: dict[str, object] = {}

    def sweep() -> None:
        try:
            outcome["ids"] = tracking.sweep(catalog, BLOG_TARGET, [float(s) for s in STRETCHES],
                                            store=store, experiment="fault-app")  # fmt: skip
        except Exception as exc:  # the finding
            outcome["error"] = exc
            outcome["at"] = time.monotonic()

    thread = threading.Thread(target=sweep)
    thread.start()
    killed = kill_when(server, second_run_logging(server))
    killed_at = time.monotonic()
    thread.join(120)
    record("faults", "MLflow server killed in the middle of an in-process sweep", int(killed))
    assert killed and not thread.is_alive()
    error = outcome.get("error")
    assert isinstance(error, run_store.StoreUnreachable), repr(error)
    assert str(error).startswith(f"Lost the MLflow tracking server at {server.url} while "
                                 "logging run ")  # fmt: skip
    assert "it is marked FAILED the next time this experiment is used" in str(error)
    assert float(outcome["at"]) - killed_at < SAY_SO_SECONDS
    cut = str(error).split("logging run ")[1].split(" ")[0]

    server.start()
    assert dict(server.run_states())[cut] == "RUNNING"  # not yet: the store was away
    mlc = run_store.client(store)
    experiment_id = mlc.get_experiment_by_name("fault-app").experiment_id
    table = tracking.runs_table(store, experiment_id)
    statuses = dict(zip(table["run_id"], table["status"], strict=True))
    record("runs", "runs checked after the MLflow server died", len(statuses))
    lost = sum(s not in ("FINISHED", "FAILED") for s in statuses.values())
    record("lost", "runs checked after the MLflow server died", lost)
    assert statuses[cut] == "FAILED"
    assert list(statuses.values()).count("FINISHED") == 1
    reason = mlc.get_run(cut).data.tags[run_store.CLOSED_TAG]
    assert reason == "its store stopped answering while it was logged"


def test_server_dies_after_creating_a_run_before_its_id_arrives(
    server: KillableServer, small_catalogue: Path
) -> None:
    """The store writes the second run and dies before the reply: the client never learns
    the run's id. The error says so, and the run is still found and marked FAILED (not left
    RUNNING while the app lives) the first time the experiment's runs are listed again."""
    catalog = load_catalog(small_catalogue)
    proxy = LostReplyProxy(server, nth=2)
    try:
        store = run_store.resolve_store(proxy.url)
        with pytest.raises(run_store.StoreUnreachable) as caught:
            tracking.sweep(catalog, BLOG_TARGET, [0.0, 0.05, 0.1], store=store,
                           experiment="fault-lost-reply")  # fmt: skip
        message = str(caught.value)
        assert message.startswith(f"Lost the MLflow tracking server at {proxy.url} while "
                                  "starting the run for published capacity, stretch 0.05: "
                                  "if the store created "
                                  "it, it is marked FAILED the next time this experiment is "
                                  "used with the store back.")  # fmt: skip
        states = server.run_states()
        assert [s for _, s in states] == ["FINISHED", "RUNNING"]  # created, id never received
        cut = states[1][0]

        proxy.revive()
        mlc = run_store.client(store)
        experiment_id = mlc.get_experiment_by_name("fault-lost-reply").experiment_id
        table = tracking.runs_table(store, experiment_id)
        statuses = dict(zip(table["run_id"], table["status"], strict=True))
        assert statuses == {states[0][0]: "FINISHED", cut: "FAILED"}
        reason = mlc.get_run(cut).data.tags[run_store.CLOSED_TAG]
        assert reason == "its store stopped answering while it was logged"
    finally:
        proxy.close()


def _page_with_panel(file: tuple[str, bytes]):  # noqa: ANN202
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "pages" / "sales_trends.py"), default_timeout=240)
    at.session_state["sales.file"] = file
    return at.run()


def _wait_for(path: Path, key: str, seconds: float) -> dict | None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.exists():
            with contextlib.suppress(json.JSONDecodeError):
                data = json.loads(path.read_text())
                if key in data:
                    return data
        time.sleep(0.2)
    return None


@full_only
def test_server_dies_during_an_app_sweep_and_the_page_keeps_working(
    server: KillableServer, small_catalogue: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The page (AppTest, in a worker process that can be stopped if it hangs)."""
    problems: list[str] = []
    catalog = load_catalog(small_catalogue)
    result = tmp_path / "worker.json"
    worker = subprocess.Popen(
        [sys.executable, "-m", "tests.reliability.app_fault_worker", server.url,
         str(small_catalogue), ",".join(STRETCHES), str(result)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        assert _wait_for(result, "ready", 240), "the page did not start"
        killed = kill_when(server, second_run_started)
        record("faults", "MLflow server killed in the middle of an app sweep", int(killed))
        assert killed, "the sweep never reached its second run"
        answer = _wait_for(result, "answered", SAY_SO_SECONDS)
        if answer is None:
            problems.append(f"the page said nothing for {SAY_SO_SECONDS:.0f} s after the "
                            "server died")  # fmt: skip
        else:
            stopped = [e for e in answer["errors"] if "The sweep stopped" in e]
            if answer["exceptions"]:
                problems.append(f"an exception on the page: {answer['exceptions'][0][:300]}")
            if not stopped:
                problems.append(f"no message that the sweep stopped: {answer['errors']}")
            elif "runs finished before it are kept" not in stopped[0]:
                problems.append(f"the message does not say what was kept: {stopped[0][:200]}")
            after = _wait_for(result, "works_after", 120)
            if not (after and after["works_after"]):
                problems.append("the page does not work while the store is down")
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)

    # The store comes back; the page is used again.
    server.start()
    monkeypatch.setenv("MLFLOW_TRACKING_URI", server.url)
    monkeypatch.delenv("MLFLOW_UI_URL", raising=False)
    at = _page_with_panel((small_catalogue.name, small_catalogue.read_bytes()))
    at.multiselect(key="tracking.sweep_stretches").set_value([0.3])
    at.button(key="tracking.sweep").click().run(timeout=240)
    if at.exception or at.error:
        problems.append("a sweep from the page failed after the store came back")
    store = run_store.resolve_store(server.url)
    report = check_runs(store, tracking.DEFAULT_EXPERIMENT, {catalog.name: catalog})
    record("runs", "runs checked after the MLflow server died", report.checked)
    incomplete = [p for p in report.problems if "left RUNNING" not in p]
    record("lost", "runs checked after the MLflow server died", len(incomplete))
    problems += report.problems
    if "FAILED" not in report.statuses.values():
        problems.append("the interrupted run was not marked FAILED")
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------- app restart


class _App:
    """``streamlit run app.py`` in its own process group, with a SQLite store."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.uri = f"sqlite:///{root / 'mlflow.db'}"

    def start(self) -> None:
        env = dict(os.environ, MLFLOW_TRACKING_URI=self.uri,
                   DTW_ARTIFACT_ROOT=str(self.root / "artifacts"))  # fmt: skip
        env.pop("MLFLOW_UI_URL", None)
        log = open(self.root / "app.log", "a")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port",
             str(self.port), "--server.address", "127.0.0.1", "--server.headless", "true",
             "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        log.close()
        wait_http(f"{self.url}/_stcore/health", timeout=120, proc=self.proc)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)


def _sweep_in_browser(page, app: _App, catalogue: Path) -> None:  # noqa: ANN001
    page.goto(app.url)
    page.get_by_role("heading", name="DTW Match").wait_for()
    page.goto(f"{app.url}/sales-trends")
    page.get_by_test_id("stMetric").first.wait_for()
    uploader = page.get_by_test_id("stFileUploader").filter(has_text="Upload weekly sales")
    uploader.locator("input[type=file]").set_input_files(str(catalogue))
    page.get_by_test_id("stMetric").filter(has_text="Products analysed").filter(
        has_text="40"
    ).first.wait_for()
    page.wait_for_timeout(1000)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=120_000
    )
    page.get_by_role("button", name="Sweep", exact=True).first.click()


@pytest.fixture(scope="module")
def app_restart(playwright_instance, tmp_path_factory: pytest.TempPathFactory) -> dict:  # noqa: ANN001
    """Sweep through the app; crash the app in the middle of a second sweep; start it
    again; open the Experiments page; sweep once more. Returns what was found."""
    root = tmp_path_factory.mktemp("app-restart")
    lines = UCI_CSV.read_text().splitlines(keepends=True)[:41]
    catalogue = root / "uci_first_40.csv"
    catalogue.write_text("".join(lines))
    catalog = load_catalog(catalogue)
    app = _App(root)
    store = run_store.Store(app.uri, root / "artifacts")
    problems: list[str] = []
    app.start()
    browser = playwright_instance.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    try:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(240_000)
        _sweep_in_browser(page, app, catalogue)
        page.get_by_text("Logged 7 run(s)").wait_for()
        before = check_runs(store, tracking.DEFAULT_EXPERIMENT, load_models=False)

        # Crash the app (SIGKILL) in the middle of a second sweep, then start it again.
        _sweep_in_browser(page, app, catalogue)
        deadline = time.monotonic() + 240
        crashed = False
        while time.monotonic() < deadline and not crashed:
            states = sqlite_states(root / "mlflow.db")
            if len(states) >= 9 and states[-1][1] == "RUNNING":
                app.kill()
                crashed = True
            time.sleep(0.05)
        record("faults", "app process killed in the middle of a sweep", int(crashed))
        app.start()
        record("faults", "app process restarted")

        # The app works after the restart: the Experiments page lists the runs, and the
        # Sales page logs a new sweep.
        page.goto(app.url)
        page.get_by_role("heading", name="DTW Match").wait_for()
        page.goto(f"{app.url}/experiments")
        page.get_by_role("heading", name="Runs", exact=True).wait_for()
        page.get_by_test_id("stDataFrame").first.wait_for()
        if page.get_by_test_id("stException").count():
            problems.append("an exception on the Experiments page after the restart")
        _sweep_in_browser(page, app, catalogue)
        page.get_by_text("Logged 7 run(s)").wait_for()
    finally:
        browser.close()
        app.kill()
    after = check_runs(store, tracking.DEFAULT_EXPERIMENT, {catalog.name: catalog})
    return {"before": before, "after": after, "problems": problems, "crashed": crashed}


@full_only
@pytest.mark.browser
def test_runs_and_models_survive_an_app_restart(app_restart: dict) -> None:
    before, after = app_restart["before"], app_restart["after"]
    problems = list(app_restart["problems"])
    record("runs", "runs checked after the app restarted", after.checked)
    lost = [r for r, s in before.statuses.items() if after.statuses.get(r) != "FINISHED"]
    record("lost", "runs checked after the app restarted", len(lost))
    problems += [f"run {r} logged before the restart is gone or changed" for r in lost]
    problems += [p for p in after.problems if "left RUNNING" not in p]
    assert len(before.statuses) == 7 and set(before.statuses.values()) == {"FINISHED"}
    assert list(after.statuses.values()).count("FINISHED") >= 15
    assert not problems, "\n".join(problems)


@full_only
@pytest.mark.browser
def test_a_run_cut_by_an_app_crash_is_not_left_running(app_restart: dict) -> None:
    """The run the crash interrupted is marked FAILED once the app is used again."""
    assert app_restart["crashed"], "the app was not killed in the middle of a run"
    running = [p for p in app_restart["after"].problems if "left RUNNING" in p]
    assert not running, "\n".join(running)
