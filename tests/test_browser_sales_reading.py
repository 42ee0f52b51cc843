"""Real exports in a real browser: a weekly store-sales export is read on its own; an
order-lines export is asked about and read with the columns set in the sidebar; the best
match's distance equals a plain DTW computed in the test."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from dtwcore.sales import BLOG_TARGET, DEFAULT_STRETCH

from .sales_corpus import csv_bytes, order_lines, store_sales_rows
from .test_app_sales_reading import plain_dtw
from .test_browser_sales import _metric

pytestmark = pytest.mark.browser


def _idle(page) -> None:  # noqa: ANN001
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000
    )
    page.wait_for_timeout(500)


def _choose(page, kind: str, label: str, option: str) -> None:  # noqa: ANN001
    """Pick ``option`` in the sidebar's selectbox or multiselect labelled ``label`` (a
    click during a rerun can be lost: try again)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    box = page.get_by_test_id("stSidebar").get_by_test_id(kind).filter(has_text=label)
    for _ in range(4):
        _idle(page)
        box.locator("input").click()
        box.locator("input").press_sequentially(option)
        try:
            page.get_by_role("option", name=option, exact=True).wait_for(timeout=10_000)
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
            continue
        page.keyboard.press("Enter")
        if kind == "stMultiSelect":  # its list stays open after a choice
            page.keyboard.press("Escape")
        _idle(page)
        return
    raise AssertionError(f"{label}: {option} could not be chosen")


def _reading_line(page) -> str:  # noqa: ANN001
    return page.get_by_test_id("stMarkdown").filter(has_text="We read this as:").inner_text()


def test_long_export_and_order_lines_upload(
    browser_page,  # noqa: ANN001
    app_server: str,
    tmp_path: Path,
) -> None:
    page = browser_page
    page.goto(app_server)
    page.get_by_role("heading", name="DTW Match").wait_for()
    page.goto(f"{app_server}/sales-trends")
    page.get_by_role("heading", name="Sales Trends").wait_for()
    uploader = page.get_by_test_id("stFileUploader").filter(has_text="Upload weekly sales")

    rows, _, _, _ = store_sales_rows()
    stores = tmp_path / "Walmart_Sales.csv"
    stores.write_bytes(csv_bytes(rows))
    uploader.locator("input[type=file]").set_input_files(str(stores))
    page.get_by_text("We read this as:").wait_for(timeout=60_000)
    line = _reading_line(page)
    assert "45 products × 143 weeks, from 2010-02-05 to 2012-10-26, product = Store" in line
    assert "units = Weekly_Sales" in line
    _metric(page, "Products analysed").filter(has_text="45").wait_for()

    data, ids, _, values = order_lines()
    orders = tmp_path / "Orders_2016.csv"
    orders.write_bytes(data)
    uploader.locator("input[type=file]").set_input_files(str(orders))
    page.get_by_text("it is not clear which column holds the week or date").wait_for()
    _idle(page)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stMetric\"]')", timeout=60_000
    )  # nothing is analysed while the reading is not clear
    _choose(page, "stMultiSelect", "Product column(s)", "Product ID")
    _choose(page, "stSelectbox", "Week or date column", "Order Date")
    _choose(page, "stSelectbox", "Units column", "Quantity")
    page.get_by_text("We read this as:").wait_for(timeout=60_000)
    line = _reading_line(page)
    assert "30 products × 52 weeks, from 2016-01-04 to 2016-12-26" in line
    assert "product = Product ID, week = Order Date, units = Quantity" in line

    radius = int(np.floor(DEFAULT_STRETCH * BLOG_TARGET.size))
    plain = [plain_dtw(BLOG_TARGET, row, radius) for row in values]
    best = int(np.argmin(plain))
    metric = _metric(page, "Best match")
    metric.filter(has_text=ids[best]).wait_for(timeout=60_000)
    assert re.search(rf"{ids[best]}\s+distance {plain[best]:.2f}", metric.inner_text())
