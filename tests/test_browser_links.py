"""A shared link reopens the same Sales Trends view in another browser; row clicks select."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

from dtwcore.sales import BLOG_TARGET, load_catalog, score_catalog

from .conftest import ROOT, UCI_CSV, free_port, launch_chromium, stop_process, wait_http
from .test_browser_sales import _metric, _settle, _upload_uci

pytestmark = pytest.mark.browser


def _selected_line(page) -> str:  # noqa: ANN001
    return page.get_by_test_id("stMain").get_by_text(re.compile(r" · rank \d")).inner_text()


def test_shared_link_reopens_the_view_and_rows_select(
    browser_page, playwright_instance, app_server: str
) -> None:
    page = browser_page
    page.goto(f"{app_server}/sales-trends")
    page.get_by_role("heading", name="Sales Trends").wait_for()
    _settle(page)
    _upload_uci(page)
    assert "data=" in page.url

    # Stretch 0.05 -> 0.10 with the keyboard (ten steps of 0.005), then pick P202.
    slider = page.get_by_test_id("stSlider").filter(has_text="Stretch factor")
    slider.locator("input[type=range]").focus()
    for _ in range(10):
        page.keyboard.press("ArrowRight")
    page.wait_for_function("() => location.search.includes('stretch=0.1&')", timeout=60_000)
    _settle(page)
    picker = page.get_by_test_id("stMain").get_by_test_id("stSelectbox")
    picker.click()
    page.keyboard.type("P202")
    page.get_by_role("option", name="P202", exact=True).click()
    page.wait_for_function("() => location.search.includes('product=P202')", timeout=60_000)
    _settle(page)
    assert _selected_line(page) == "P202 · rank 38 of 811 · distance 5.30"
    link = page.url

    # The link, opened in a new browser (no cookies, no session), shows the same view.
    other = launch_chromium(playwright_instance)
    try:
        fresh = other.new_page()
        fresh.set_default_timeout(60_000)
        fresh.goto(link)
        fresh.get_by_text("Target and P202, matched week by week").wait_for()
        _settle(fresh)
        assert _selected_line(fresh) == "P202 · rank 38 of 811 · distance 5.30"
        assert re.search(r"Median distance\s+6\.87", _metric(fresh, "Median distance").inner_text())
        assert "= ±5 weeks" in fresh.get_by_test_id("stSidebar").inner_text()
        assert "Sales_Transactions_Dataset_Weekly.csv · 811 products" in (
            fresh.get_by_test_id("stSidebar").inner_text()
        )
        assert (
            "38 of 811" in fresh.get_by_test_id("stTable").filter(has_text="Euclidean").inner_text()
        )
        assert "made-up demo data" not in fresh.inner_text("body")
    finally:
        other.close()

    # Clicking a cell of a row (not its checkbox) selects that product everywhere.
    cat = load_catalog(UCI_CSV.read_bytes(), name=UCI_CSV.name)
    second = score_catalog(cat.ids, cat.values, BLOG_TARGET, stretch=0.1).sort_values("rank")
    code, dist = second.iloc[1]["product"], second.iloc[1]["distance"]
    grid = page.get_by_test_id("stMain").get_by_test_id("stDataFrame").filter(visible=True).first
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 90, box["y"] + 35 + 35 + 17)  # second row, "Product" cell
    page.get_by_text(f"Target and {code}, matched week by week").wait_for()
    _settle(page)
    assert _selected_line(page) == f"{code} · rank 2 of 811 · distance {dist:.2f}"
    page.wait_for_function(f"() => location.search.includes('product={code}')")

    # Back in the browser returns to P202, forward to the clicked product.
    page.go_back()
    page.get_by_text("Target and P202, matched week by week").wait_for()
    _settle(page)
    assert _selected_line(page) == "P202 · rank 38 of 811 · distance 5.30"


def test_deep_links_right_after_a_start_open_the_right_page(
    playwright_instance, tmp_path: Path
) -> None:
    """A fresh `python app.py`: each page's link, opened at once in a new browser, shows
    that page and no "Page not found" dialog (Streamlit's old pages/ handling is off)."""
    port = free_port()
    env = dict(os.environ, MLFLOW_TRACKING_URI=f"sqlite:///{tmp_path / 'mlflow.db'}",
               DTW_ARTIFACT_ROOT=str(tmp_path / "artifacts"),
               DTW_UPLOAD_DIR=str(tmp_path / "uploads"))  # fmt: skip
    with open(tmp_path / "streamlit.log", "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "app.py", "--server.port", str(port), "--server.headless", "true"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            url = f"http://127.0.0.1:{port}"
            wait_http(f"{url}/_stcore/health", proc=proc)
            for path, heading in (
                ("audio-match?x=1", "Audio Match"),
                ("sales-trends?stretch=0.1", "Sales Trends"),
                ("experiments", "Experiments"),
                ("demand-shapes", "Demand Shapes"),
            ):
                context = launch_chromium(playwright_instance)
                try:
                    page = context.new_page()
                    page.set_default_timeout(90_000)
                    page.goto(f"{url}/{path}")
                    page.get_by_role("heading", name=heading).first.wait_for()
                    page.wait_for_function(
                        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
                    )
                    assert page.get_by_text("Page not found").count() == 0, path
                    assert page.get_by_test_id("stDialog").count() == 0, path
                    if heading == "Sales Trends":  # the link's stretch 0.1 on 52 demo weeks
                        # Waits: the "Running" indicator shows only after a short delay, so
                        # an idle-looking page can still be drawing its sidebar.
                        expect(page.get_by_test_id("stSidebar")).to_contain_text(
                            "= ±5 weeks", timeout=30_000
                        )
                finally:
                    context.close()
        finally:
            stop_process(proc)
