"""Demand Shapes in a real browser: pick a shape, use it as the target, see Sales Trends."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest

from dtwcore.sales import DEFAULT_STRETCH, demo_catalog, score_catalog
from dtwcore.shapes import cluster_shapes

from .conftest import ARTIFACTS, settle

pytestmark = pytest.mark.browser

SHOTS = ARTIFACTS / "screenshots"


def _settle(page, plots: int) -> None:  # noqa: ANN001
    settle(page, plots)


# Page coordinates of the middle week of one shape's average curve in the small multiples
# (the first plotly chart of the Shapes tab), from plotly's own axes.
_POINT_OF_AVERAGE = """(shape) => {
  const gd = document.querySelectorAll('.js-plotly-plot')[0];
  const tr = gd._fullData.filter(t => t.name === 'average shape')[shape];
  const xa = gd._fullLayout[tr.xaxis.replace('x', 'xaxis')];
  const ya = gd._fullLayout[tr.yaxis.replace('y', 'yaxis')];
  const i = Math.floor(tr.x.length / 2);
  const box = gd.getBoundingClientRect();
  return [box.left + xa._offset + xa.l2p(tr.x[i]), box.top + ya._offset + ya.l2p(tr.y[i])];
}"""


def test_pick_a_shape_and_find_its_followers_on_sales_trends(browser_page, app_server: str) -> None:  # noqa: ANN001
    demo = demo_catalog()
    shapes = cluster_shapes(demo.values)
    size = int(shapes.sizes[1])
    medoid = demo.values[shapes.medoids[1]]
    target = np.maximum(medoid.mean() + medoid.std() * shapes.average[1], 0)
    best = score_catalog(demo.ids, demo.values, target, stretch=DEFAULT_STRETCH)
    best_id = str(best.sort_values("rank").iloc[0]["product"])

    page = browser_page
    page.goto(app_server)
    page.get_by_role("heading", name="DTW Match").wait_for()
    page.goto(f"{app_server}/demand-shapes")
    page.get_by_role("heading", name="Demand Shapes").wait_for()
    _settle(page, 2)
    shown = page.get_by_test_id("stMetric").filter(has_text="Shapes").inner_text()
    assert shown.split()[-1] == str(shapes.k)
    page.screenshot(path=str(SHOTS / "shapes_demo.png"), full_page=True)

    # The new-product tab: analogues of the example, forecast fan and the backtest.
    page.get_by_role("tab", name="New product").click()
    page.get_by_text("Do analogues forecast this catalogue well?").wait_for()
    page.get_by_text(re.compile(r"weeks known:\*?\*? analogues")).first.wait_for()
    _settle(page, 4)
    page.screenshot(path=str(SHOTS / "shapes_new_product.png"), full_page=True)
    page.get_by_role("tab", name="Shapes").click()

    # Click shape 2's panel (on its average curve): it is chosen everywhere.
    page.locator(".js-plotly-plot").first.scroll_into_view_if_needed()
    x, y = page.evaluate(_POINT_OF_AVERAGE, 1)
    page.mouse.move(x, y)
    page.mouse.click(x, y)
    page.get_by_role("heading", name=f"Shape 2: {size:,} products").wait_for()
    picker = page.get_by_test_id("stRadio").filter(has_text="Shape 1 (")
    assert picker.get_by_role("radio", name=f"Shape 2 ({size:,})").is_checked()
    page.wait_for_function("() => new URLSearchParams(location.search).get('shape') === '2'")
    _settle(page, 2)
    page.get_by_role("button", name="Use this shape as the target").click()

    page.get_by_role("heading", name="Sales Trends").wait_for()
    _settle(page, 4)
    address = urlparse(page.url)
    assert address.path == "/sales-trends"
    assert parse_qs(address.query)["target"][0].startswith("values:")
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_text(f"Target: shape 2 (average of {size:,} products)").wait_for()
    metric = page.get_by_test_id("stMetric").filter(has_text="Best match")
    assert re.search(rf"Best match\s+{best_id}\s", metric.inner_text())
    page.screenshot(path=str(SHOTS / "shapes_target_on_sales_trends.png"), full_page=True)
