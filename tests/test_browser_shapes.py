"""Demand Shapes in a real browser: pick a shape, use it as the target, see Sales Trends."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest

from dtwcore.sales import DEFAULT_STRETCH, demo_catalog, score_catalog
from dtwcore.shapes import cluster_shapes

from .conftest import ARTIFACTS, settle
from .layout_checks import CUT_TEXT_JS

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


def _shown_shape(page) -> tuple[str, str]:  # noqa: ANN001
    """The chosen shape's heading and the checked radio's label, once the page is idle."""
    _settle(page, 2)
    heading = page.locator("h3").filter(has_text=re.compile(r"^Shape \d+: ")).inner_text()
    picker = page.get_by_test_id("stRadio").filter(has_text="Shape 1 (")
    checked = [
        r.evaluate("e => e.closest('label').innerText")
        for r in picker.get_by_role("radio").all()
        if r.is_checked()
    ]
    return heading, " | ".join(checked)


def _choose_k(page, k: int) -> None:  # noqa: ANN001
    page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox").filter(
        has_text="Number of shapes"
    ).click()
    page.get_by_role("option", name=str(k), exact=True).click()


def _click_shape(page, shape: int) -> None:  # noqa: ANN001
    """Click the panel of ``shape`` (from 0) on its average curve."""
    page.locator(".js-plotly-plot").first.scroll_into_view_if_needed()
    x, y = page.evaluate(_POINT_OF_AVERAGE, shape)
    page.mouse.move(x, y)
    page.mouse.click(x, y)


def test_the_shape_shown_is_the_shape_used(browser_page, app_server: str) -> None:  # noqa: ANN001
    """After clicks, changes of k and of the stretch factor, the heading, the radio and the
    target sent to Sales Trends name the same shape (shape 1 when the pick no longer
    exists)."""
    demo = demo_catalog()
    auto = cluster_shapes(demo.values)
    k4 = cluster_shapes(demo.values, k=4)
    k4_wide = cluster_shapes(demo.values, k=4, stretch=0.1)
    k3_wide = cluster_shapes(demo.values, k=3, stretch=0.1)

    def both(shape: int, sizes: np.ndarray) -> tuple[str, str]:
        return f"Shape {shape}: {int(sizes[shape - 1]):,} products", (
            f"Shape {shape} ({int(sizes[shape - 1]):,})"
        )

    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(app_server)
    page.get_by_role("heading", name="DTW Match").wait_for()
    page.goto(f"{app_server}/demand-shapes")
    page.get_by_role("heading", name="Demand Shapes").wait_for()
    _settle(page, 2)
    shown = page.get_by_test_id("stMetric").filter(has_text="Shapes").inner_text()
    assert shown.split()[-1] == str(auto.k)
    # Nothing cut at 1280 x 800: the members' table, the uploader's caption.
    page.get_by_test_id("stDataFrame").first.locator("canvas").first.wait_for()
    assert page.evaluate(CUT_TEXT_JS) == []
    page.screenshot(path=str(SHOTS / "shapes_demo.png"), full_page=True)

    # The new-product tab: analogues of the example, forecast fan and the backtest.
    page.get_by_role("tab", name="New product").click()
    page.get_by_text("Do analogues forecast this catalogue well?").wait_for()
    page.get_by_text(re.compile(r"weeks known:\*?\*? analogues")).first.wait_for()
    _settle(page, 4)
    assert page.evaluate(CUT_TEXT_JS) == []
    page.screenshot(path=str(SHOTS / "shapes_new_product.png"), full_page=True)
    page.get_by_role("tab", name="Shapes").click()

    # Click shape 2's panel (on its average curve): it is chosen everywhere.
    _click_shape(page, 1)
    page.wait_for_function("() => new URLSearchParams(location.search).get('shape') === '2'")
    assert _shown_shape(page) == both(2, auto.sizes)

    # Other clusterings keep shape 2 while it exists, on the heading and the radio alike.
    _choose_k(page, 4)
    page.wait_for_function("() => new URLSearchParams(location.search).get('k') === '4'")
    assert _shown_shape(page) == both(2, k4.sizes)
    slider = page.get_by_test_id("stSidebar").get_by_role("slider", name="Stretch factor")
    slider.focus()
    for _ in range(10):  # 0.05 to 0.1 by steps of 0.005
        page.keyboard.press("ArrowRight")
    page.wait_for_function("() => new URLSearchParams(location.search).get('stretch') === '0.1'")
    assert _shown_shape(page) == both(2, k4_wide.sizes)
    page.get_by_test_id("stRadio").get_by_text("Shape 4 (").click()
    assert _shown_shape(page) == both(4, k4_wide.sizes)
    # Shape 4 is gone with 3 shapes: shape 1 is shown and checked.
    _choose_k(page, 3)
    page.wait_for_function("() => new URLSearchParams(location.search).get('k') === '3'")
    assert _shown_shape(page) == both(1, k3_wide.sizes)

    # Click shape 3's panel and use it: Sales Trends gets shape 3.
    _click_shape(page, 2)
    page.wait_for_function("() => new URLSearchParams(location.search).get('shape') === '3'")
    assert _shown_shape(page) == both(3, k3_wide.sizes)
    page.get_by_role("button", name="Use this shape as the target").click()

    size = int(k3_wide.sizes[2])
    medoid = demo.values[k3_wide.medoids[2]]
    target = np.maximum(medoid.mean() + medoid.std() * k3_wide.average[2], 0)
    best = score_catalog(demo.ids, demo.values, target, stretch=DEFAULT_STRETCH)
    best_id = str(best.sort_values("rank").iloc[0]["product"])
    page.get_by_role("heading", name="Sales Trends").wait_for()
    _settle(page, 4)
    address = urlparse(page.url)
    assert address.path == "/sales-trends"
    assert parse_qs(address.query)["target"][0].startswith("values:")
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_text(f"Target: shape 3 (average of {size:,} products)").wait_for()
    metric = page.get_by_test_id("stMetric").filter(has_text="Best match")
    assert re.search(rf"Best match\s+{best_id}\s", metric.inner_text())
    page.screenshot(path=str(SHOTS / "shapes_target_on_sales_trends.png"), full_page=True)
