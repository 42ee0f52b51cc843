"""The Sales Trends page reads real exports as a planner would: a weekly store-sales
export in long layout (read on its own) and an order-lines export (asked about, then
read with the columns set in the sidebar); the distances it shows are checked against a
plain DTW written here."""

from __future__ import annotations

import numpy as np
from streamlit.testing.v1 import AppTest

from dtwcore.sales import BLOG_TARGET, DEFAULT_STRETCH

from .sales_corpus import csv_bytes, order_lines, store_sales_rows
from .test_app_sales import PAGE, TIMEOUT, markdown, metrics


def plain_dtw(a: np.ndarray, b: np.ndarray, radius: int) -> float:
    """DTW of two z-normalised series of the same length: squared differences, a
    Sakoe-Chiba band of ``radius`` steps, the square root of the cheapest path's cost."""
    a = (a - a.mean()) / a.std()
    b = (b - b.mean()) / b.std() if b.std() > 0 else np.zeros_like(b)
    n = len(a)
    cost = np.full((n + 1, n + 1), np.inf)
    cost[0, 0] = 0.0
    for i in range(1, n + 1):
        for j in range(max(1, i - radius), min(n, i + radius) + 1):
            step = min(cost[i - 1, j], cost[i, j - 1], cost[i - 1, j - 1])
            cost[i, j] = (a[i - 1] - b[j - 1]) ** 2 + step
    return float(np.sqrt(cost[n, n]))


def page_with(name: str, data: bytes) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.session_state["sales.file"] = (name, data)
    return at.run()


def test_store_sales_export_is_read_on_its_own() -> None:
    rows, ids, weeks, values = store_sales_rows()
    at = page_with("Walmart_Sales.csv", csv_bytes(rows))
    assert not at.exception and not at.error
    assert (
        "**We read this as:** 45 products × 143 weeks, from 2010-02-05 to 2012-10-26, "
        "product = Store, week = Date, units = Weekly\\_Sales (guessed;"
    ) in markdown(at)
    catalog = at.session_state["sales.analysis"].catalog
    assert catalog.ids.tolist() == ids and catalog.weeks == weeks
    np.testing.assert_array_equal(catalog.values, values)
    assert metrics(at)["Products analysed"] == "45"
    # A store of the file can be the target: it is left out of its own ranking, and the
    # best match is the closest other store by a plain DTW.
    at.selectbox(key="sales.target_product").set_value("7").run()
    next(b for b in at.button if b.label == "Use as target").click().run()
    assert not at.exception
    radius = int(DEFAULT_STRETCH * len(weeks))
    target = values[ids.index("7")]
    others = {i: plain_dtw(target, v, radius) for i, v in zip(ids, values, strict=True)}
    del others["7"]
    best = min(others, key=others.get)
    assert metrics(at)["Products analysed"] == "44"
    assert metrics(at)["Best match"] == best
    assert f"distance {others[best]:.2f}" in at.metric[2].proto.delta


def test_order_lines_export_asks_then_reads_the_chosen_columns() -> None:
    data, ids, weeks, values = order_lines()
    at = page_with("Orders_2016.csv", data)
    assert not at.exception and not at.metric
    assert "it is not clear which column holds the week or date" in at.info[0].value
    assert "Candidates: Order Date, Ship Date" in at.info[0].value
    at.multiselect(key="sales.read.ids").set_value(["Product ID"]).run()
    at.selectbox(key="sales.read.week").set_value("Order Date").run()
    at.selectbox(key="sales.read.units").set_value("Quantity").run()
    assert not at.exception and not at.error
    assert (
        "**We read this as:** 30 products × 52 weeks, from 2016-01-04 to 2016-12-26, "
        "product = Product ID, week = Order Date, units = Quantity"
    ) in markdown(at)
    catalog = at.session_state["sales.analysis"].catalog
    assert catalog.ids.tolist() == ids
    np.testing.assert_array_equal(catalog.values, values)
    # The best match and its distance, against a DTW computed here.
    radius = int(np.floor(DEFAULT_STRETCH * BLOG_TARGET.size))  # the page's default
    plain = [plain_dtw(BLOG_TARGET, row, radius) for row in values]
    best = int(np.argmin(plain))
    m = metrics(at)
    assert m["Products analysed"] == "30"
    assert m["Best match"] == ids[best]
    assert f"distance {plain[best]:.2f}" in at.metric[2].proto.delta
    scores = at.session_state["sales.analysis"].scores
    np.testing.assert_allclose(scores["distance"], plain, rtol=1e-9)
