"""Sales Trends in a real browser: `streamlit run app.py` and Debian's headless Chromium."""

from __future__ import annotations

import re

import pytest

from dtwcore.sales import BLOG_TARGET, load_catalog, score_catalog

from .conftest import ARTIFACTS, UCI_CSV

pytestmark = pytest.mark.browser

SHOTS = ARTIFACTS / "screenshots"


def _metric(page, label: str):  # noqa: ANN001, ANN202
    return page.get_by_test_id("stMetric").filter(has_text=label)


def _settle(page) -> None:  # noqa: ANN001
    """Wait until the app is idle, the charts are drawn and the tables' canvases exist."""
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000
    )
    page.locator(".js-plotly-plot .main-svg").first.wait_for()
    page.wait_for_function(
        "() => document.querySelectorAll('.js-plotly-plot').length >= 4", timeout=60_000
    )
    page.locator('[data-testid="stDataFrame"] canvas').first.wait_for()
    page.wait_for_timeout(1500)


# Page coordinates of one product's point in the shortlist scatter, from plotly's axes
# (the chart is scrolled into view first).
_POINT_OF_PRODUCT = """(product) => {
  const gd = [...document.querySelectorAll('.js-plotly-plot')]
    .find(g => g.layout.title.text.includes('Distance against weekly volume'));
  gd.scrollIntoView({block: 'center'});
  for (const tr of gd._fullData) {
    const i = (tr.customdata || []).findIndex(c => c[0] === product);
    if (i < 0) continue;
    const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
    const box = gd.getBoundingClientRect();
    return [box.left + xa._offset + xa.c2p(tr.x[i]), box.top + ya._offset + ya.c2p(tr.y[i])];
  }
  throw new Error('no point for ' + product);
}"""
# Middle of the tallest bar of the distance histogram, with the bar's distance range.
_MIDDLE_OF_BAR = """() => {
  const gd = [...document.querySelectorAll('.js-plotly-plot')]
    .find(g => g.layout.title.text.includes('Distances of all'));
  gd.scrollIntoView({block: 'center'});
  const tr = gd._fullData.find(t => t.type === 'bar');
  const k = tr.y.indexOf(Math.max(...tr.y));
  const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
  const box = gd.getBoundingClientRect();
  return [box.left + xa._offset + xa.c2p(tr.x[k]), box.top + ya._offset + ya.c2p(tr.y[k] / 2),
          tr.customdata[k][0], tr.customdata[k][1], tr.hovertext[k]];
}"""


def _upload_uci(page):  # noqa: ANN001, ANN202
    """Upload the UCI file on Sales Trends and wait for its analysis; the Best match card."""
    uploader = page.get_by_test_id("stFileUploader").filter(has_text="Upload weekly sales")
    uploader.locator("input[type=file]").set_input_files(str(UCI_CSV))
    best = _metric(page, "Best match")
    best.filter(has_text="P675").wait_for(timeout=60_000)
    _settle(page)
    return best


def _full_screenshot(page, name: str) -> None:  # noqa: ANN001
    """Streamlit scrolls inside its main container: grow the viewport to fit, then shoot."""
    height = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll("
        '\'[data-testid="stMain"], [data-testid="stMainBlockContainer"]\')]'
        ".map(e => e.scrollHeight), document.body.scrollHeight)"
    )
    page.set_viewport_size({"width": 1400, "height": int(height) + 80})
    page.wait_for_timeout(1500)
    page.screenshot(path=str(SHOTS / name), full_page=True)
    page.set_viewport_size({"width": 1400, "height": 1000})


def test_uci_file_reproduces_the_published_figures(browser_page, app_server: str) -> None:
    page = browser_page
    # A deep link as the server's very first visit: no "Page not found" dialog
    # (pages.common.startup), the right page.
    page.goto(f"{app_server}/sales-trends")
    page.get_by_role("heading", name="Sales Trends").wait_for()
    _settle(page)
    page.get_by_text("made-up demo data").wait_for()
    assert page.get_by_text("Page not found").count() == 0
    _full_screenshot(page, "sales_demo.png")

    best = _upload_uci(page)

    slider = page.get_by_test_id("stSlider").filter(has_text="Stretch factor")
    assert slider.locator("input[type=range]").input_value() == "0.05"
    sidebar = page.get_by_test_id("stSidebar")
    assert "= ±2 weeks" in sidebar.inner_text()
    assert "Sales_Transactions_Dataset_Weekly.csv · 811 products × 52 weeks" in (
        sidebar.inner_text()
    )

    assert _metric(page, "Products analysed").inner_text().endswith("811")
    assert re.search(r"Best match\s+P675\s+distance 5.11", best.inner_text())
    assert re.search(r"Median distance\s+7\.89", _metric(page, "Median distance").inner_text())
    summary = page.get_by_text("Closest to the target:").inner_text()
    assert "P675 (distance 5.11)" in summary
    assert "Farthest: P716 (10.67)" in summary
    assert "made-up demo data" not in page.inner_text("body")
    _full_screenshot(page, "sales_uci.png")

    # The product selector drives the selected-product section.
    picker = page.get_by_test_id("stMain").get_by_test_id("stSelectbox")
    picker.click()
    page.keyboard.type("P202")
    page.get_by_role("option", name="P202", exact=True).click()
    page.get_by_text("Target and P202, matched week by week").wait_for()
    _settle(page)
    table = page.get_by_test_id("stTable").filter(has_text="Euclidean").inner_text()
    assert "6.86" in table and "147 of 811" in table
    _full_screenshot(page, "sales_uci_p202.png")

    # Clicking a row of the farthest table selects that product everywhere.
    page.get_by_role("tab", name="Farthest 10").click()
    grid = page.get_by_test_id("stMain").get_by_test_id("stDataFrame").filter(visible=True).first
    grid.locator("canvas").first.wait_for()
    page.wait_for_timeout(500)
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)  # first row's checkbox
    page.get_by_text("Target and P716, matched week by week").wait_for()
    _settle(page)
    shown = page.get_by_test_id("stMain").get_by_text(re.compile(r" · rank \d")).inner_text()
    assert shown == "P716 · rank 811 of 811 · distance 10.67"
    assert "811 of 811" in page.get_by_test_id("stTable").filter(has_text="Euclidean").inner_text()

    # A point of the shortlist scatter selects its product everywhere ...
    x, y = page.evaluate(_POINT_OF_PRODUCT, "P202")
    page.mouse.click(x, y)
    page.get_by_text("Target and P202, matched week by week").wait_for()
    _settle(page)
    shown = page.get_by_test_id("stMain").get_by_text(re.compile(r" · rank \d")).inner_text()
    assert shown == "P202 · rank 147 of 811 · distance 6.86"
    # ... and a bar of the histogram selects the closest product in it, as its hover says.
    x, y, lo, hi, hover = page.evaluate(_MIDDLE_OF_BAR)
    uci = load_catalog(UCI_CSV)
    scores = score_catalog(uci.ids, uci.values, BLOG_TARGET)
    inside = scores[(scores["distance"] >= lo - 1e-9) & (scores["distance"] <= hi + 1e-9)]
    want = str(inside.sort_values("rank")["product"].iloc[0])
    assert want != "P202"
    assert hover == f"click: {want}, the closest in this bar"
    page.mouse.click(x, y)
    page.get_by_text(f"Target and {want}, matched week by week").wait_for()
    _settle(page)
    page.get_by_test_id("stSidebar").get_by_text("Target: published capacity").click()
    page.get_by_test_id("stSidebar").get_by_test_id("stDataFrame").locator(
        "canvas"
    ).first.wait_for()
    _full_screenshot(page, "sales_uci_p716.png")
