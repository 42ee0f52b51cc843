"""Experiments in a real browser: sweep from the page, compare, score new products."""

from __future__ import annotations

import re

import numpy as np
import pytest
from mlflow.tracking import MlflowClient

from dtwcore.sales import BLOG_TARGET, DEMO_NAME, score_catalog

from .conftest import ARTIFACTS, settle

pytestmark = pytest.mark.browser

SHOTS = ARTIFACTS / "screenshots"


def _settle(page, charts: int = 0) -> None:  # noqa: ANN001
    """Wait until the app is idle and at least ``charts`` plotly charts are drawn."""
    settle(page, charts, timeout_ms=180_000, chart_timeout_ms=60_000)


def _full_screenshot(page, name: str) -> None:  # noqa: ANN001
    """Streamlit scrolls inside its main container: grow the viewport to fit, then shoot."""
    page.mouse.move(2, 2)  # no tooltip over the picture
    height = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll("
        '\'[data-testid="stMain"], [data-testid="stMainBlockContainer"]\')]'
        ".map(e => e.scrollHeight), document.body.scrollHeight)"
    )
    page.set_viewport_size({"width": 1400, "height": int(height) + 80})
    page.locator('[data-testid="stDataFrame"] canvas').first.wait_for()
    page.wait_for_timeout(1500)
    page.screenshot(path=str(SHOTS / name), full_page=True)
    page.set_viewport_size({"width": 1400, "height": 1000})


def _table_text(page) -> str:  # noqa: ANN001
    """Text of every st.dataframe cell (they draw on a canvas; the cells stay in the DOM)."""
    return " ".join(page.locator('[data-testid="stDataFrame"] td').all_text_contents())


def _has_number(text: str, value: float) -> bool:
    """Whether ``text`` holds ``value`` (cells keep full precision, not the shown rounding)."""
    numbers = np.array([float(n) for n in re.findall(r"-?\d+\.\d+", text)])
    return bool(np.any(np.abs(numbers - value) <= 1e-9))


def test_sweep_compare_and_score_from_the_browser(browser_page, app_server: str) -> None:  # noqa: ANN001
    page = browser_page
    # Open the home page first: a fresh server only knows its pages after one run.
    page.goto(app_server)
    page.get_by_role("heading", name="DTW Match").wait_for()
    page.goto(f"{app_server}/experiments")
    page.get_by_role("heading", name="Experiments").wait_for()
    page.get_by_text("No runs yet").wait_for(timeout=120_000)
    _settle(page)
    assert page.get_by_role("radio", name="Demo data").is_checked()

    # A sweep over four stretch factors of the demo catalogue.
    for stretch in ("0.01", "0.025", "0.1"):
        page.locator(f'button[aria-label="Remove {stretch}"]').click()
        _settle(page)
    page.get_by_role("button", name="Run sweep").click()
    done = page.get_by_text(re.compile(r"Done: 4 runs logged to the local SQLite store (\S+)\."))
    done.wait_for(timeout=240_000)
    db = re.search(r"store (\S+)\.$", done.inner_text().strip()).group(1)
    _settle(page, charts=2)

    mlc = MlflowClient(f"sqlite:///{db}")
    runs = mlc.search_runs([mlc.get_experiment_by_name("sales-trends").experiment_id])
    assert sorted(float(r.data.params["stretch_factor"]) for r in runs) == [0, 0.05, 0.25, 0.5]
    assert {r.info.status for r in runs} == {"FINISHED"}
    assert {r.data.params["dataset_name"] for r in runs} == {DEMO_NAME}
    medians = {
        float(r.data.params["stretch_factor"]): r.data.metrics["median_distance"] for r in runs
    }
    assert medians[0.5] < medians[0.25] < medians[0.05] < medians[0]

    assert page.get_by_text("falls (or stays level) as the stretch factor grows").is_visible()
    table = _table_text(page)
    for stretch in ("stretch 0", "stretch 0.05", "stretch 0.25", "stretch 0.5"):
        assert stretch in table
    assert _has_number(table, medians[0.05])
    assert page.get_by_role("tab").count() == 4  # outliers of the four runs
    assert page.get_by_test_id("stException").count() == 0
    _full_screenshot(page, "experiments_sweep.png")

    # Score the two hand-written products with the stretch-0.05 run's model.
    page.get_by_text(re.compile(r"Model of run [0-9a-f]{32}: stretch factor 0\.05 ")).wait_for()
    page.get_by_role("button", name="Score", exact=True).click()
    _settle(page, charts=3)
    page.get_by_text("Compared with the run's 800 logged products").wait_for()
    weeks = np.arange(52)
    late = np.round(np.roll(np.interp(weeks, weeks, BLOG_TARGET), 2))
    steady = np.full(52, np.round(BLOG_TARGET.mean()))
    steady[26] *= 3
    expected = score_catalog(np.array(["a", "b"]), np.vstack([late, steady]), BLOG_TARGET)
    for _ in range(60):  # the result table's cells appear shortly after its caption
        table = _table_text(page)
        if all(_has_number(table, d) for d in expected["distance"]):
            break
        page.wait_for_timeout(500)
    assert all(_has_number(table, d) for d in expected["distance"]), table
    assert "NEW-late-follower" in table and "NEW-steady-promo" in table
    assert page.get_by_test_id("stException").count() == 0
    _full_screenshot(page, "experiments_score.png")
