"""Sales Trends at 1280 x 800 and at 800 px wide: nothing cut, sidebar folded when narrow.

Screenshots go to test-artifacts/screenshots/layout_1280.png and layout_800.png.
"""

from __future__ import annotations

import pytest

from .layout_checks import CUT_TEXT_JS
from .test_browser_sales import SHOTS, _metric, _settle, _upload_uci

pytestmark = pytest.mark.browser


def _shoot(page, name: str, width: int, height: int) -> None:  # noqa: ANN001
    """Grow the viewport to the page's height at this width, shoot, and go back."""
    tall = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll("
        '\'[data-testid="stMain"], [data-testid="stMainBlockContainer"]\')]'
        ".map(e => e.scrollHeight), document.body.scrollHeight)"
    )
    page.set_viewport_size({"width": width, "height": int(tall) + 80})
    page.wait_for_timeout(1500)
    page.screenshot(path=str(SHOTS / name), full_page=True)
    page.set_viewport_size({"width": width, "height": height})


def test_nothing_cut_at_1280_and_800(browser_page, app_server: str) -> None:
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{app_server}/sales-trends")
    page.get_by_role("heading", name="Sales Trends").wait_for()
    _settle(page)
    _upload_uci(page)
    assert page.get_by_test_id("stSidebar").get_attribute("data-collapsed") == "false"
    assert page.evaluate(CUT_TEXT_JS) == []
    # The heatmap keeps a useful width beside the overlay.
    heatmap = page.locator(".js-plotly-plot").filter(
        has_text="Distance so far, and the warping path"
    )
    assert heatmap.bounding_box()["width"] >= 380
    _shoot(page, "layout_1280.png", 1280, 800)

    # The same view in a narrow window: the sidebar starts folded, cards go two by two.
    page.set_viewport_size({"width": 800, "height": 900})
    page.goto(page.url)
    _metric(page, "Best match").filter(has_text="P675").wait_for(timeout=60_000)
    _settle(page)
    page.wait_for_function(
        "() => document.querySelector('[data-testid=\"stSidebar\"]')"
        ".getAttribute('data-collapsed') === 'true'"
    )
    assert page.evaluate(CUT_TEXT_JS) == []
    cards = [
        _metric(page, label).bounding_box() for label in ("Products analysed", "Median", "Best")
    ]
    assert abs(cards[0]["y"] - cards[1]["y"]) < 2 < cards[2]["y"] - cards[0]["y"]
    assert cards[0]["width"] >= 300
    _shoot(page, "layout_800.png", 800, 900)
