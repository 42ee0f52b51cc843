"""What the planner sees is what was computed, in a real browser: the weeks compared (a
three-year store export against the 52-week capacity, the window in the link), a
three-week order-lines export flagged and its non-products left out, state that belongs
to its file, one selected product (ticks, clicked cells, sliders) and money labels."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest

from dtwcore import dtw_one_to_many
from dtwcore.sales import BLOG_TARGET, DEFAULT_STRETCH
from scripts.make_sales_examples import three_week_orders, three_year_stores

from .layout_checks import CUT_TEXT_JS
from .test_browser_sales import SHOTS, _full_screenshot, _metric, _settle, _upload_uci
from .test_browser_sales_reading import _choose, _idle
from .test_sales_xlsx import workbook

pytestmark = pytest.mark.browser

# The products of the rows ticked in the visible score table (its accessible rows).
_TICKED = """() => {
  const grid = [...document.querySelectorAll('[data-testid="stMain"] [data-testid="stDataFrame"]')]
    .find(g => g.offsetParent !== null);
  return [...grid.querySelectorAll('tr[aria-selected="true"]')]
    .map(r => r.querySelector('[aria-colindex="2"]').innerText.trim());
}"""


def _best(values: np.ndarray, ids: list[str], columns: slice) -> tuple[str, float]:
    dist = dtw_one_to_many(BLOG_TARGET, values[:, columns], stretch=DEFAULT_STRETCH, znorm=True)
    k = int(np.argmin(dist))
    return ids[k], float(dist[k])


def _weeks_param(page) -> str:  # noqa: ANN001
    return parse_qs(urlparse(page.url).query).get("weeks", [""])[0]


def _upload(page, path: Path) -> None:  # noqa: ANN001
    uploader = page.get_by_test_id("stFileUploader").filter(has_text="Upload weekly sales")
    uploader.locator("input[type=file]").set_input_files(str(path))


def _selected_line(page) -> str:  # noqa: ANN001
    return page.get_by_test_id("stMain").get_by_text(re.compile(r" · rank \d")).inner_text()


def test_a_three_year_file_is_compared_over_weeks_the_planner_sees(
    browser_page,  # noqa: ANN001
    app_server: str,
    tmp_path: Path,
) -> None:
    page = browser_page
    page.goto(f"{app_server}/sales-trends")
    page.get_by_role("heading", name="Sales Trends").wait_for()
    data, ids, weeks, values = three_year_stores()
    stores = tmp_path / "stores_3y.csv"
    stores.write_bytes(data)
    _upload(page, stores)
    page.get_by_text("We read this as:").wait_for(timeout=60_000)
    best, dist = _best(values, ids, slice(104, 156))
    _metric(page, "Best match").filter(has_text=best).wait_for(timeout=60_000)
    _settle(page)
    assert re.search(rf"{best}\s+distance {dist:.2f}", _metric(page, "Best match").inner_text())
    # The last 52 weeks by default, by their dates, in the sidebar and in the link.
    window = (
        page.get_by_test_id("stSidebar")
        .get_by_test_id("stSlider")
        .filter(has_text="Weeks compared")
    )
    assert weeks[104] in window.inner_text() and weeks[155] in window.inner_text()
    assert _weeks_param(page) == "105:156"
    assert "= ±2 weeks" in page.get_by_test_id("stSidebar").inner_text()
    # Dates on the overlay's time axis: the window's.
    first_x = page.evaluate(
        """(best) => [...document.querySelectorAll('.js-plotly-plot')]
          .find(g => g.layout.title.text.includes('matched week by week'))
          ._fullData.find(t => (t.name || '').startsWith(best)).x[0]""",
        best,
    )
    assert str(first_x).startswith(weeks[104])
    _full_screenshot(page, "sales_window_3y.png")

    # Another window from a link: the first year.
    page.goto(page.url.replace("weeks=105%3A156", "weeks=1%3A52"))
    best, dist = _best(values, ids, slice(0, 52))
    _metric(page, "Best match").filter(has_text=best).wait_for(timeout=60_000)
    _settle(page)
    window = (
        page.get_by_test_id("stSidebar")
        .get_by_test_id("stSlider")
        .filter(has_text="Weeks compared")
    )
    assert weeks[0] in window.inner_text() and weeks[51] in window.inner_text()
    assert _weeks_param(page) == "1:52"
    assert re.search(rf"{best}\s+distance {dist:.2f}", _metric(page, "Best match").inner_text())


def test_a_three_week_file_is_flagged_and_its_non_products_left_out(
    browser_page,  # noqa: ANN001
    app_server: str,
    tmp_path: Path,
) -> None:
    page = browser_page
    page.goto(f"{app_server}/sales-trends")
    page.get_by_role("heading", name="Sales Trends").wait_for()
    data, ids, _, _ = three_week_orders()
    orders = tmp_path / "online_retail_dec.csv"
    orders.write_bytes(data)
    _upload(page, orders)
    page.get_by_text("it is not clear which column holds the product codes").wait_for()
    _choose(page, "stMultiSelect", "Product column(s)", "StockCode")
    _choose(page, "stSelectbox", "Week or date column", "InvoiceDate")
    _choose(page, "stSelectbox", "Units column", "Quantity")
    page.get_by_text("We read this as:").wait_for(timeout=60_000)
    main = page.get_by_test_id("stMain")
    main.get_by_text("The products cover 3 weeks and the target has 52").wait_for()
    line = page.get_by_test_id("stMarkdown").filter(has_text="We read this as:").inner_text()
    assert "43 products × 3 weeks" in line
    assert "(your choice: product, week, units; guessed: layout, dates; change it" in line
    assert "Incomplete: 3 of the target's 52 weeks." in main.inner_text()
    products = _metric(page, "Products analysed")
    assert re.search(r"Products analysed\s+40\s+3 of 52 weeks", products.inner_text())
    note = main.get_by_test_id("stExpander").filter(has_text="net units of 0 or less")
    assert "3 products with net units of 0 or less over weeks 1:3" in note.inner_text()
    assert "C-RET, POST, D" in note.inner_text()
    _full_screenshot(page, "sales_window_3w.png")

    # Put back on request.
    page.get_by_test_id("stSidebar").get_by_text("Rank products that sold nothing net").click()
    _metric(page, "Products analysed").filter(has_text="43").wait_for(timeout=60_000)
    assert main.get_by_test_id("stExpander").filter(has_text="net units of 0 or less").count() == 0

    # A product of this file as the target, then another file: the target does not follow.
    page.get_by_test_id("stSidebar").get_by_text("Target: published capacity").click()
    _choose(page, "stSelectbox", "Or use a product's sales as the target", ids[0])
    page.get_by_role("button", name="Use as target").click()
    page.get_by_test_id("stSidebar").get_by_text(f"Target: sales of {ids[0]}").wait_for()
    stores = tmp_path / "stores_3y.csv"
    stores.write_bytes(three_year_stores()[0])
    _upload(page, stores)
    main.get_by_text(
        f"The target was the sales of {ids[0]} in the previous file; the published "
        "capacity is the target again."
    ).wait_for(timeout=60_000)
    _idle(page)
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_text("Target: published capacity").wait_for()
    assert f"sales of {ids[0]}" not in main.inner_text()
    assert "12 products × 156 weeks" in main.inner_text()
    assert "your choice" not in main.inner_text()  # the reading choices went with the file


def test_one_selected_product_everywhere_and_money_labels(
    browser_page,  # noqa: ANN001
    app_server: str,
) -> None:
    page = browser_page
    page.goto(f"{app_server}/sales-trends")
    page.get_by_role("heading", name="Sales Trends").wait_for()
    _upload_uci(page)
    assert page.evaluate(_TICKED) == ["P675"]
    grid = page.get_by_test_id("stMain").get_by_test_id("stDataFrame").filter(visible=True).first
    third = grid.locator('tr[aria-rowindex="4"] [aria-colindex="2"]').inner_text().strip()
    # A click on a cell of the third row (its distance) selects that row's product,
    # though the first row is ticked.
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 160, box["y"] + 35 + 2 * 35 + 17)
    page.get_by_text(f"Target and {third}, matched week by week").wait_for()
    _settle(page)
    assert _selected_line(page).startswith(f"{third} · rank 3 of 811")
    assert page.evaluate(_TICKED) == [third]

    # A slider move reorders the table: the tick stays on the selected product (or goes).
    slider = (
        page.get_by_test_id("stSidebar")
        .get_by_test_id("stSlider")
        .filter(has_text="Stretch factor")
    )
    slider.get_by_role("slider").focus()
    for _ in range(10):
        page.keyboard.press("ArrowRight")
    page.wait_for_function("() => new URL(location.href).searchParams.get('stretch') === '0.1'")
    _settle(page)
    line = _selected_line(page)
    assert line.startswith(f"{third} · rank ")
    rank = int(re.search(r"rank (\d+) of", line).group(1))
    assert page.evaluate(_TICKED) == ([third] if rank <= 10 else [])

    # Money: the tables and the cards say dollars when the planner says so.
    page.get_by_test_id("stSidebar").get_by_text("How the file is read").click()
    _choose(page, "stSelectbox", "Values are", "Money in $")
    _settle(page)
    headers = page.evaluate(
        """() => [...document.querySelectorAll(
            '[data-testid="stMain"] [data-testid="stDataFrame"] th')]
          .map(h => h.innerText.trim())"""
    )
    assert "$/wk" in headers and "Units/wk" not in headers
    page.screenshot(path=str(SHOTS / "sales_money_1400.png"))


def test_a_workbook_upload_with_its_sheet_at_1280_by_800(
    browser_page,  # noqa: ANN001
    app_server: str,
    tmp_path: Path,
) -> None:
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{app_server}/sales-trends")
    page.get_by_role("heading", name="Sales Trends").wait_for()
    data, ids, _, values = three_year_stores()
    rows = list(csv.reader(io.StringIO(data.decode())))
    book = tmp_path / "stores_3y.xlsx"
    book.write_bytes(workbook({"Read me": [["Sales are on the next sheet"]], "Sales": rows}))
    _upload(page, book)
    page.get_by_text(
        "stores_3y.xlsx: the sheet 'Read me' has no rows; the workbook's other sheet is Sales."
    ).wait_for(timeout=60_000)
    _choose(page, "stSelectbox", "Sheet", "Sales")
    best, dist = _best(values, ids, slice(104, 156))
    _metric(page, "Best match").filter(has_text=best).wait_for(timeout=60_000)
    _settle(page)
    assert re.search(rf"{best}\s+distance {dist:.2f}", _metric(page, "Best match").inner_text())
    assert parse_qs(urlparse(page.url).query)["sheet"] == ["Sales"]
    assert page.evaluate(CUT_TEXT_JS) == []
    # The sidebar sizes the file as read, as the page does, and says how much is compared.
    sidebar = page.get_by_test_id("stSidebar").inner_text()
    assert "stores_3y.xlsx · 12 products × 156 weeks (52 compared)" in sidebar
    page.screenshot(path=str(SHOTS / "sales_xlsx_1280.png"), full_page=True)

    # The three-week file at 1280 x 800: its flag, note and cards fit.
    orders = tmp_path / "online_retail_dec.csv"
    orders.write_bytes(three_week_orders()[0])
    _upload(page, orders)
    page.get_by_text("it is not clear which column holds the product codes").wait_for()
    _choose(page, "stMultiSelect", "Product column(s)", "StockCode")
    _choose(page, "stSelectbox", "Week or date column", "InvoiceDate")
    _choose(page, "stSelectbox", "Units column", "Quantity")
    page.get_by_text("The products cover 3 weeks and the target has 52").wait_for(timeout=60_000)
    _settle(page)
    assert page.evaluate(CUT_TEXT_JS) == []
    page.screenshot(path=str(SHOTS / "sales_3w_1280.png"))
