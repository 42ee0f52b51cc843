"""Many users at once (issue 7): browser sessions working at the same time against one
``streamlit run`` process, each with its own upload and slider, each seeing only its own
data.

The actions are started on every page before any result is awaited, so the server works
on all sessions' reruns at the same time.
"""

from __future__ import annotations

import csv
import io
import re
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from dtwcore.runs import model as dtw_model
from dtwcore.runs import sales as tracking
from dtwcore.runs import store as run_store
from dtwcore.sales import (
    BLOG_TARGET,
    DEFAULT_STRETCH,
    PUBLISHED_STRETCHES,
    load_catalog,
    score_catalog,
)
from tests.reliability import FULL, record, size
from tests.reliability.mlflow_checks import check_runs

from .conftest import CHROMIUM, CHROMIUM_ARGS

SESSIONS = 8
STEP = 0.005  # the stretch slider's step


@dataclass
class Session:
    """One user's data, what they will do, and what they must see."""

    index: int
    file_name: str
    data: bytes
    codes: list[str]
    steps: int  # slider key presses to the right
    best: str
    median_before: str
    median_after: str

    @property
    def prefix(self) -> str:
        return f"U{self.index}X"


def make_session(i: int) -> Session:
    rng = np.random.default_rng(100 + i)
    n = 20 + 7 * i
    codes = [f"U{i}X{k:03d}" for k in range(n)]
    values = rng.poisson(rng.uniform(5, 60, size=(n, 1)), size=(n, BLOG_TARGET.size))
    values = values.astype(np.float64)
    best = int(rng.integers(n))
    values[best] = np.roll(BLOG_TARGET, 1) * (1 + i)  # its own best match, different per user
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["Product_Code", *[f"W{k}" for k in range(BLOG_TARGET.size)]])
    for code, row in zip(codes, values, strict=True):
        writer.writerow([code, *[f"{v:g}" for v in row]])
    steps = 2 * i + 1
    ids = np.array(codes)

    def median(stretch: float) -> str:
        scores = score_catalog(ids, values, BLOG_TARGET, stretch=stretch)
        return f"{np.median(scores['distance']):.2f}"

    best_code = str(score_catalog(ids, values, BLOG_TARGET).sort_values("rank").iloc[0, 0])
    return Session(
        index=i,
        file_name=f"user_{i}_sales.csv",
        data=buf.getvalue().encode(),
        codes=codes,
        steps=steps,
        best=best_code,
        median_before=median(DEFAULT_STRETCH),
        median_after=median(round(DEFAULT_STRETCH + steps * STEP, 3)),
    )


def _metric(page, label: str):  # noqa: ANN001, ANN202
    return page.get_by_test_id("stMetric").filter(has_text=label).first


def _idle(page) -> None:  # noqa: ANN001
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=120_000
    )


def _wait_metric(page, label: str, value: str) -> None:  # noqa: ANN001
    page.wait_for_function(
        """([label, value]) => [...document.querySelectorAll('[data-testid="stMetric"]')]
            .some(m => m.innerText.includes(label) && m.innerText.split('\\n').includes(value))""",
        arg=[label, value],
        timeout=180_000,
    )


def _foreign(text: str, me: Session) -> list[str]:
    """Codes or file names of other users in ``text``."""
    found = set(re.findall(r"U(\d+)X\d{3}", text)) | set(re.findall(r"user_(\d+)_sales", text))
    return sorted(f"user {j}" for j in found if int(j) != me.index)


@pytest.mark.browser
@pytest.mark.slow
def test_sessions_at_once_each_see_only_their_own_data(playwright_instance, app_server: str):  # noqa: ANN001
    n_sessions = size(4, SESSIONS)
    sessions = [make_session(i) for i in range(n_sessions)]
    browser = playwright_instance.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    contexts = [browser.new_context(viewport={"width": 1400, "height": 1000}) for _ in sessions]
    pages = [c.new_page() for c in contexts]
    lost: list[str] = []
    try:
        # A fresh server only knows its pages after one run: open the home page first.
        pages[0].goto(app_server)
        pages[0].get_by_role("heading", name="DTW Match").wait_for(timeout=120_000)
        for page in pages:
            page.set_default_timeout(120_000)
            page.goto(f"{app_server}/sales-trends", wait_until="commit")
        for page in pages:
            _metric(page, "Products analysed").wait_for()

        # Everyone uploads at once.
        for page, s in zip(pages, sessions, strict=True):
            uploader = page.get_by_test_id("stFileUploader").filter(has_text="Upload weekly")
            uploader.locator("input[type=file]").set_input_files(
                files=[{"name": s.file_name, "mimeType": "text/csv", "buffer": s.data}]
            )
        for page, s in zip(pages, sessions, strict=True):
            _wait_metric(page, "Products analysed", f"{len(s.codes):,}")
            _wait_metric(page, "Best match", s.best)
            _wait_metric(page, "Median distance", s.median_before)

        # Everyone moves the stretch slider at once, each by a different amount.
        for page, s in zip(pages, sessions, strict=True):
            thumb = page.get_by_test_id("stSlider").filter(has_text="Stretch factor")
            thumb.get_by_role("slider").focus()
            for _ in range(s.steps):
                page.keyboard.press("ArrowRight")
        for page, s in zip(pages, sessions, strict=True):
            _wait_metric(page, "Median distance", s.median_after)
            _idle(page)

        for page, s in zip(pages, sessions, strict=True):
            text = page.inner_text("body")
            if f"{len(s.codes)} products × 52 weeks" not in text or s.file_name not in text:
                lost.append(f"user {s.index}: own data summary missing")
            best_text = _metric(page, "Best match").inner_text()
            if s.best not in best_text.split("\n"):
                lost.append(f"user {s.index}: best match is not theirs: {best_text!r}")
            if _foreign(text, s):
                lost.append(f"user {s.index} sees data of {', '.join(_foreign(text, s))}")
            slider = page.get_by_test_id("stSlider").filter(has_text="Stretch factor")
            shown = slider.locator("input[type=range]").input_value()
            if abs(float(shown) - (DEFAULT_STRETCH + s.steps * STEP)) > 1e-9:
                lost.append(f"user {s.index}: slider at {shown}")
    finally:
        for context in contexts:
            context.close()
        browser.close()
        record("sessions", "sales page, browser sessions at once", n_sessions)
        record("lost", "sales page, browser sessions at once", len(lost))
    assert not lost, "\n".join(lost)


# --------------------------------------------------------------------------- MLflow


def test_a_sessions_store_is_not_changed_by_another_sessions_logging(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """While one session logs to the store it chose in the sidebar, another session
    resolving the default store must still get the default.

    ``dtwcore.runs.model.use_tracking_uri`` used to call ``mlflow.set_tracking_uri``, which also
    sets the process-wide ``MLFLOW_TRACKING_URI`` variable; ``run_store.resolve_store()``
    reads that variable, so during another session's run it returned *that* session's store
    and this session's runs went there."""
    default = f"sqlite:///{tmp_path / 'default.db'}"
    other = f"sqlite:///{tmp_path / 'other.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", default)
    logging_started, logging_done = threading.Event(), threading.Event()

    def other_session() -> None:
        with dtw_model.use_tracking_uri(other):
            logging_started.set()
            logging_done.wait(30)

    thread = threading.Thread(target=other_session)
    thread.start()
    try:
        assert logging_started.wait(30)
        seen = run_store.resolve_store().tracking_uri
    finally:
        logging_done.set()
        thread.join(30)
    record("sessions", "store resolution while another session logs", 2)
    record("lost", "store resolution while another session logs", int(seen != default))
    assert seen == default


def _use_store(page, uri: str) -> None:  # noqa: ANN001
    """The sidebar's "Change where runs go": this session logs to ``uri``."""
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_text("Change where runs go").click()
    box = sidebar.get_by_label("Tracking URI", exact=True)
    box.fill(uri)
    box.press("Enter")
    sidebar.get_by_text(str(Path(uri.removeprefix("sqlite:///")))).first.wait_for()


@pytest.mark.skipif(not FULL, reason="full size only (make reliability)")
@pytest.mark.browser
@pytest.mark.slow
def test_sweeps_at_once_log_every_run_once_in_its_own_store(
    playwright_instance,
    app_server: str,
    tmp_path: Path,
    tmp_path_factory,  # noqa: ANN001
) -> None:
    """Sessions sweep at the same time, half into the app's default store and half into
    another store chosen in the sidebar: every run is logged once, complete, in the store
    of the session that asked for it, and none is left RUNNING."""
    n_sessions = SESSIONS
    sessions = [make_session(i) for i in range(n_sessions)]
    chosen = f"sqlite:///{tmp_path / 'chosen.db'}"
    own_store = {s.index: "chosen" if s.index % 2 else "default" for s in sessions}
    # The app_server fixture's store (tests/conftest.py): its folder, the file appears
    # with the first run.
    folders = sorted(tmp_path_factory.getbasetemp().glob("app-mlflow[0-9]*"))
    default_db = folders[0] / "mlflow.db" if len(folders) == 1 else None
    browser = playwright_instance.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    contexts = [browser.new_context(viewport={"width": 1400, "height": 1000}) for _ in sessions]
    pages = [c.new_page() for c in contexts]
    problems: list[str] = []
    try:
        pages[0].goto(app_server)
        pages[0].get_by_role("heading", name="DTW Match").wait_for(timeout=120_000)
        for page in pages:
            page.set_default_timeout(600_000)
            page.goto(f"{app_server}/sales-trends", wait_until="commit")
        for page, s in zip(pages, sessions, strict=True):
            _metric(page, "Products analysed").wait_for()
            if own_store[s.index] == "chosen":
                _use_store(page, chosen)
            uploader = page.get_by_test_id("stFileUploader").filter(has_text="Upload weekly")
            uploader.locator("input[type=file]").set_input_files(
                files=[{"name": s.file_name, "mimeType": "text/csv", "buffer": s.data}]
            )
        for page, s in zip(pages, sessions, strict=True):
            _wait_metric(page, "Products analysed", f"{len(s.codes):,}")
            _idle(page)
        for page in pages:  # everyone presses Sweep at once
            page.get_by_role("button", name="Sweep", exact=True).first.click()
        for page, s in zip(pages, sessions, strict=True):
            try:
                page.get_by_text(f"Logged {len(PUBLISHED_STRETCHES)} run(s)").wait_for()
            except Exception as exc:  # noqa: BLE001 - report every session, not the first
                problems.append(f"user {s.index}: no 'Logged' message ({exc!s:.120})")
    finally:
        for context in contexts:
            context.close()
        browser.close()

    catalogs = {s.file_name: load_catalog(s.data, name=s.file_name) for s in sessions}
    stores = {"chosen": run_store.Store(chosen, tmp_path / "mlartifacts")}
    if default_db is not None:
        stores["default"] = run_store.Store(f"sqlite:///{default_db}")
    else:
        problems.append(f"could not find the app's default store among {folders}")
    checked = lost = 0
    for label, store in stores.items():
        report = check_runs(store, tracking.DEFAULT_EXPERIMENT, catalogs, load_models=FULL)
        checked += report.checked
        problems += [f"{label} store: {p}" for p in report.problems]
        client = run_store.client(store)
        experiment = client.get_experiment_by_name(tracking.DEFAULT_EXPERIMENT)
        runs = client.search_runs([experiment.experiment_id]) if experiment else []
        for s in sessions:
            mine = [r for r in runs if r.data.params.get("dataset_name") == s.file_name]
            expected = len(PUBLISHED_STRETCHES) if own_store[s.index] == label else 0
            stretches = sorted(float(r.data.params["stretch_factor"]) for r in mine)
            if len(mine) != expected:
                problems.append(f"user {s.index}: {len(mine)} runs in the {label} store, "
                                f"expected {expected}")  # fmt: skip
                lost += max(0, expected - len(mine))
            elif expected and stretches != sorted(PUBLISHED_STRETCHES):
                problems.append(f"user {s.index}: stretch factors {stretches} in {label}")
    record("sessions", "sweeps at once into MLflow (browser)", n_sessions)
    record("runs", "sweeps at once into MLflow (browser)", checked)
    record("lost", "sweeps at once into MLflow (browser)", lost)
    assert not problems, "\n".join(problems)
